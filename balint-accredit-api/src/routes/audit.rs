//! Reading a society's audit log.

use actix_web::web;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::actions::audit;
use crate::app::AppState;
use crate::auth::Caller;
use crate::db::audit::AuditRecord;
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

/// The society's audit log, newest first (registrars).
#[utoipa::path(get, path = "/api/v1/societies/{society}/audit", operation_id = "audit_list", tag = "audit",
    security(("bearer" = [])),
    params(("society" = String, Path, description = "The society's slug"), PageQuery),
    responses(
        (status = 200, description = "A page of entries", body = Page<AuditEntry>),
        (status = 400, description = "Invalid paging", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not this society's registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    query: Query<PageQuery>,
) -> Result<web::Json<Page<AuditEntry>>, ApiError> {
    let page = PageRequest::try_from(&query.into_inner());
    let found = audit::list(&state, &caller, path.into_inner(), page).await?;
    Ok(web::Json(found.map(AuditEntry::from)))
}
