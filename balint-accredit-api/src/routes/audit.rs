//! Reading a society's audit log.

use actix_web::web;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::actions::audit::{self, FilterInput};
use crate::app::AppState;
use crate::auth::Caller;
use crate::db::audit::{AuditRecord, Filter};
use crate::edge::Query;
use crate::error::{ApiError, Problem};
use crate::pagination::{Page, PageQuery, PageRequest};
use crate::routes::utc;

/// One audit entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    /// Increasing with time.
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    /// The login that made the change; none for command-line jobs.
    pub actor_user_id: Option<String>,
    /// `create`, `update` or `delete`.
    pub action: String,
    /// The kind of thing changed, e.g. `society`, `user`.
    pub entity_type: String,
    pub entity_id: String,
    /// The changed values before (absent for a creation).
    #[schema(value_type = Option<Object>)]
    pub before: Option<Value>,
    /// The changed values after.
    #[schema(value_type = Option<Object>)]
    pub after: Option<Value>,
}

fn parse_json(text: Option<String>) -> Option<Value> {
    text.map(|t| serde_json::from_str(&t).unwrap_or(Value::String(t)))
}

impl From<AuditRecord> for AuditEntry {
    fn from(r: AuditRecord) -> Self {
        Self {
            id: r.id,
            occurred_at: utc(r.occurred_at),
            actor_user_id: r.actor_user_id,
            action: r.action,
            entity_type: r.entity_type,
            entity_id: r.entity_id,
            before: parse_json(r.before_json),
            after: parse_json(r.after_json),
        }
    }
}

/// The audit log's filter and paging; every filter is optional and all
/// that are given must hold.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Page number, from 1 to 1000000 (default 1); past the last page,
    /// no items.
    #[param(minimum = 1, maximum = 1_000_000, default = 1)]
    pub page: Option<u32>,
    /// Items per page, 1 to 100 (default 25).
    #[param(minimum = 1, maximum = 100, default = 25)]
    pub per_page: Option<u32>,
    /// Only changes made by this login (its id, as `actor_user_id`).
    pub actor: Option<String>,
    /// Only changes to this kind of thing: `person`, `user`, `activity`,
    /// `application`, `register_entry`, `renewal`, `requirement_override`,
    /// `prerequisite_override`, `pathway`, `society`, `webhook_endpoint`,
    /// `webhook_delivery`, `group` or `group_session`.
    pub entity_type: Option<String>,
    /// Only changes to the thing with this id.
    pub entity_id: Option<String>,
    /// Only changes about this person (their id): their record, ledger
    /// records, applications, register entries (with renewals and
    /// overrides of prerequisites), overrides of requirements and login.
    pub person: Option<String>,
    /// Only this kind of change: `create`, `update` or `delete`.
    pub action: Option<String>,
    /// Only changes on or after this day (UTC, YYYY-MM-DD).
    #[param(value_type = Option<String>, format = Date)]
    pub from: Option<String>,
    /// Only changes on or before this day (UTC, YYYY-MM-DD).
    #[param(value_type = Option<String>, format = Date)]
    pub to: Option<String>,
}

impl AuditQuery {
    fn parse(self) -> Result<(PageRequest, Filter), ApiError> {
        let page = PageRequest::try_from(&PageQuery {
            page: self.page,
            per_page: self.per_page,
        });
        let filter = audit::filter(FilterInput {
            actor: self.actor,
            entity_type: self.entity_type,
            entity_id: self.entity_id,
            person: self.person,
            action: self.action,
            from: self.from,
            to: self.to,
        });
        match (page, filter) {
            (Ok(page), Ok(filter)) => Ok((page, filter)),
            (Err(ApiError::BadRequest { detail, mut errors }), filter) => {
                errors.extend(filter.err().unwrap_or_default());
                Err(ApiError::BadRequest { detail, errors })
            }
            (Err(other), _) => Err(other),
            (Ok(_), Err(errors)) => Err(ApiError::BadRequest {
                detail: "invalid query parameters".to_owned(),
                errors,
            }),
        }
    }
}

/// The society's audit log, newest first (registrars).
///
/// Optionally filtered by who made the change, what was changed, the
/// person it is about, the kind of change and a range of days; all
/// filters given must hold.
#[utoipa::path(get, path = "/api/v1/societies/{society}/audit", operation_id = "audit_list", tag = "audit",
    security(("bearer" = [])),
    params(("society" = String, Path, description = "The society's slug"), AuditQuery),
    responses(
        (status = 200, description = "A page of entries", body = Page<AuditEntry>),
        (status = 400, description = "Invalid paging or filter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not this society's registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    query: Query<AuditQuery>,
) -> Result<web::Json<Page<AuditEntry>>, ApiError> {
    let query = query.into_inner().parse();
    let found = audit::list(&state, &caller, path.into_inner(), query).await?;
    Ok(web::Json(found.map(AuditEntry::from)))
}
