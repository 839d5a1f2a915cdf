//! Attestation over JSON: the requests and views of
//! [`crate::actions::ledger::attest`] and [`crate::actions::ledger::waiting`].

use actix_web::web;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::actions::ledger::{self, Attestation, Verdict};
use crate::app::AppState;
use crate::auth::Caller;
use crate::db::activities::Status;
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
    let (slug, id) = path.into_inner();
    let body = body.into_inner();
    let attestation = Attestation {
        verdict: match body.decision {
            DecisionKind::Confirm => Verdict::Confirm,
            DecisionKind::Reject => Verdict::Reject,
        },
        comment: body.comment,
    };
    let (slug, decided) = ledger::attest(&state, &caller, slug, id, attestation).await?;
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
    let query = query.into_inner();
    let read = PageRequest::try_from(&PageQuery {
        page: query.page,
        per_page: query.per_page,
    })
    .and_then(|page| {
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
        Ok((page, status))
    });
    let waiting = ledger::waiting(&state, &caller, read).await?;
    let slugs = waiting.slugs;
    Ok(web::Json(waiting.page.map(|s| {
        let slug = slugs.get(&s.society_id).cloned().unwrap_or_default();
        ActivityView::new(s, &slug)
    })))
}

/// One decision of many.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkDecisionInput {
    /// The record's id.
    pub activity: String,
    pub decision: DecisionKind,
    /// Up to 2000 characters; required when rejecting.
    pub comment: Option<String>,
}

/// Many decisions at once.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkAttestationInput {
    /// At most 1000, each decided on its own.
    pub decisions: Vec<BulkDecisionInput>,
}

/// What became of one decision.
#[derive(Debug, Serialize, ToSchema)]
pub struct BulkResultView {
    /// The record's id, as given.
    pub activity: String,
    /// Whether the decision landed.
    pub decided: bool,
    /// The record as decided.
    pub record: Option<ActivityView>,
    /// Why it was not decided, as the single attestation would have
    /// answered it.
    pub problem: Option<Problem>,
}

/// What became of many decisions, in the order given.
#[derive(Debug, Serialize, ToSchema)]
pub struct BulkAttestationView {
    /// How many landed.
    pub decided: usize,
    /// How many were refused.
    pub refused: usize,
    pub results: Vec<BulkResultView>,
}

/// Confirm or reject many records of the society at once, each as its own
/// attestation would (the attestor each names, or the registrar): one
/// refused does not stop or undo the others. The answer is 200 with a
/// result for every decision, in the order given.
#[utoipa::path(post, path = "/api/v1/societies/{society}/attestations/bulk", operation_id = "attestations_bulk", tag = "activities",
    security(("bearer" = [])),
    params(("society" = String, Path, description = "The society's slug")),
    request_body = BulkAttestationInput,
    responses(
        (status = 200, description = "A result for each decision", body = BulkAttestationView),
        (status = 400, description = "Unreadable body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "More than 1000 decisions", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn bulk(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: Json<BulkAttestationInput>,
) -> Result<web::Json<BulkAttestationView>, ApiError> {
    let decisions: Vec<(String, Attestation)> = body
        .into_inner()
        .decisions
        .into_iter()
        .map(|d| {
            (
                d.activity,
                Attestation {
                    verdict: match d.decision {
                        DecisionKind::Confirm => Verdict::Confirm,
                        DecisionKind::Reject => Verdict::Reject,
                    },
                    comment: d.comment,
                },
            )
        })
        .collect();
    let ids: Vec<String> = decisions.iter().map(|(id, _)| id.clone()).collect();
    let (slug, results) =
        ledger::attest_many(&state, &caller, path.into_inner(), decisions).await?;
    let results: Vec<BulkResultView> = ids
        .into_iter()
        .zip(results)
        .map(|(activity, result)| match result {
            Ok(decided) => BulkResultView {
                activity,
                decided: true,
                record: Some(ActivityView::new(decided, &slug)),
                problem: None,
            },
            Err(e) => BulkResultView {
                activity,
                decided: false,
                record: None,
                problem: Some(ApiError::from(e).problem()),
            },
        })
        .collect();
    let decided = results.iter().filter(|r| r.decided).count();
    Ok(web::Json(BulkAttestationView {
        decided,
        refused: results.len() - decided,
        results,
    }))
}
