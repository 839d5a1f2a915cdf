//! Attestation: the named attestor (or the registrar) confirms or rejects a
//! record, once; attestors see what waits for them.

use std::collections::HashMap;

use actix_web::web;
use serde::Deserialize;
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::auth::{permissions, Caller};
use crate::db::activities::{Decision, Status};
use crate::db::{self, audit};
use crate::edge::{Json, Query};
use crate::error::{ApiError, FieldProblem, Problem};
use crate::pagination::{Page, PageQuery, PageRequest};
use crate::routes::activities::ActivityView;

/// What the attestor decides.
// `AttestationDecision` in the OpenAPI document, where `DecisionKind` is
// an application's (grant or decline).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = AttestationDecision)]
pub enum DecisionKind {
    /// The record is true: it counts.
    Confirm,
    /// The record is not right: it does not count.
    Reject,
}

/// A decision on a record.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttestationInput {
    pub decision: DecisionKind,
    /// Up to 2000 characters; required when rejecting (the reason the
    /// trainee sees).
    pub comment: Option<String>,
}

/// Confirm or reject a record: the attestor it names, or the registrar,
/// never its owner. A record is decided once: a second decision, also one
/// arriving at the same moment, is 409.
#[utoipa::path(post, path = "/api/v1/societies/{society}/activities/{activity}/attestation", tag = "activities",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("activity" = String, Path, description = "The record's id"),
    ),
    request_body = AttestationInput,
    responses(
        (status = 200, description = "The record as decided", body = ActivityView),
        (status = 400, description = "Unreadable body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the named attestor or the registrar, or the record's owner", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society or record", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already decided", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A rejection without a comment, or a comment too long", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn attest(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: Json<AttestationInput>,
) -> Result<web::Json<ActivityView>, ApiError> {
    permissions::require_user(&caller)?;
    let (slug, id) = path.into_inner();
    let asking = caller.clone();
    let found = db::run(&state.pool, move |conn| {
        let society = db::societies::by_slug(conn, &slug)?;
        // Nobody outside the society learns whether the record exists.
        permissions::require_role_in(&asking, &society.id)?;
        let record = db::activities::find(conn, &society.id, &id)?
            .ok_or_else(|| ApiError::NotFound(format!("activity {id}")))?;
        Ok((society, record))
    })
    .await?;
    let (society, record) = found;
    let user = permissions::require_attestor_or_registrar(
        &caller,
        &society.id,
        record.activity.person.as_str(),
        record.activity.attestor.as_ref().map(|a| a.as_str()),
    )?;
    let body = body.into_inner();
    let comment = body
        .comment
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty());
    let mut problems = Vec::new();
    if comment.as_ref().is_some_and(|c| c.chars().count() > 2000) {
        problems.push(FieldProblem::new(
            "comment",
            "must be at most 2000 characters",
        ));
    }
    if body.decision == DecisionKind::Reject && comment.is_none() {
        problems.push(FieldProblem::new(
            "comment",
            "is required when rejecting: say why, for the trainee",
        ));
    }
    if !problems.is_empty() {
        return Err(ApiError::Unprocessable {
            detail: "the decision has invalid fields".to_owned(),
            errors: problems,
        });
    }
    let decision = Decision {
        status: match body.decision {
            DecisionKind::Confirm => Status::Confirmed,
            DecisionKind::Reject => Status::Rejected,
        },
        by_user_id: user.user_id.clone(),
        by_person_id: permissions::person_in(&caller, &society.id).map(str::to_owned),
        at: db::now(),
        comment,
    };
    let slug = society.slug.clone();
    let decided = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let id = record.activity.id.to_string();
            // The decision lands only on a pending record: of many at once,
            // exactly one changes the row.
            if !db::activities::decide(conn, &id, &decision)? {
                return Err(ApiError::Conflict(
                    "the record has already been decided (or withdrawn)".to_owned(),
                ));
            }
            let decided = db::activities::find(conn, &record.society_id, &id)?
                .ok_or_else(|| ApiError::NotFound(format!("activity {id}")))?;
            audit::record(
                conn,
                audit::Change {
                    actor_user_id: Some(&decision.by_user_id),
                    society_id: Some(&record.society_id),
                    action: audit::Action::Update,
                    entity: audit::Entity::Activity,
                    entity_id: &id,
                    before: Some(json!({ "status": record.status.as_str() })),
                    after: Some(json!({
                        "status": decision.status.as_str(),
                        "decided_by_person": decision.by_person_id,
                        "comment": decision.comment,
                    })),
                    at: decision.at,
                },
            )?;
            Ok(decided)
        })
    })
    .await?;
    Ok(web::Json(ActivityView::new(decided, &slug)))
}

/// Which records wait for me, and paging.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WaitingQuery {
    /// pending (default), confirmed, rejected, or all.
    pub status: Option<String>,
    /// Page number, from 1 to 1000000 (default 1); past the last page,
    /// no items.
    #[param(minimum = 1, maximum = 1_000_000, default = 1)]
    pub page: Option<u32>,
    /// Items per page, 1 to 100 (default 25).
    #[param(minimum = 1, maximum = 100, default = 25)]
    pub per_page: Option<u32>,
}

/// The records that name me as their attestor, in every society where my
/// login is a person, oldest recorded first.
#[utoipa::path(get, path = "/api/v1/me/attestations", tag = "activities",
    security(("bearer" = [])),
    params(WaitingQuery),
    responses(
        (status = 200, description = "A page of records naming me as attestor", body = Page<ActivityView>),
        (status = 400, description = "Invalid status or paging", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn mine(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<WaitingQuery>,
) -> Result<web::Json<Page<ActivityView>>, ApiError> {
    let user = permissions::require_user(&caller)?;
    let query = query.into_inner();
    let page = PageRequest::try_from(&PageQuery {
        page: query.page,
        per_page: query.per_page,
    })?;
    let status = match query.status.as_deref().unwrap_or("pending") {
        "all" => None,
        s => Some(s.parse::<Status>().map_err(|_| ApiError::BadRequest {
            detail: "invalid query parameters".to_owned(),
            errors: vec![FieldProblem::new(
                "status",
                "must be one of: pending, confirmed, rejected, all",
            )],
        })?),
    };
    let slugs: HashMap<String, String> = user
        .roles
        .iter()
        .map(|r| (r.society_id.clone(), r.society_slug.clone()))
        .collect();
    let persons: Vec<String> = user
        .roles
        .iter()
        .filter_map(|r| r.person_id.clone())
        .collect();
    let found = db::run(&state.pool, move |conn| {
        db::activities::naming_attestor(conn, &persons, status, page)
    })
    .await?;
    Ok(web::Json(found.map(|s| {
        let slug = slugs.get(&s.society_id).cloned().unwrap_or_default();
        ActivityView::new(s, &slug)
    })))
}
