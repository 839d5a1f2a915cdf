//! Progress: how far a person is from a tier, as balint-core evaluates
//! their ledger against the pathway version that applies to them.

use actix_web::web;
use balint_core::evaluate::Assessment;
use balint_core::TierId;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::actions::progress;
use crate::app::AppState;
use crate::auth::{permissions, Caller};
use crate::day::Day;
use crate::edge::Query;
use crate::error::{ApiError, FieldProblem, Problem};

/// Which tier, as of which day.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProgressQuery {
    /// The tier, by its id in the pathway (e.g. `accredited-leader`). Required.
    pub tier: Option<String>,
    /// The day of the assessment (default today): records after it do not
    /// count, and co-leaders' and supervisors' tiers are as of each
    /// session's own date. YYYY-MM-DD, 1900-01-01 to 2199-12-31.
    #[param(value_type = Option<String>, format = Date)]
    pub as_of: Option<Day>,
}

/// A person's progress towards a tier.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgressView {
    /// The society's slug.
    pub society: String,
    /// The number of the society's pathway version evaluated against: the
    /// one in force when the person entered the pathway.
    pub pathway_version_number: i32,
    /// balint-core's assessment: eligible or not; prerequisites; per
    /// requirement, mandatory and desirable apart, what is required and
    /// achieved, the records that counted, those that did not and why, the
    /// pending records that would count once attested, and what is missing.
    #[schema(value_type = Object)]
    pub assessment: Assessment<'static>,
}

/// A person's progress towards a tier: the person themself, or the
/// society's registrar.
#[utoipa::path(get, path = "/api/v1/societies/{society}/people/{person}/progress", operation_id = "progress_show", tag = "activities",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("person" = String, Path, description = "The person's id"),
        ProgressQuery,
    ),
    responses(
        (status = 200, description = "The assessment, with its full explanation", body = ProgressView),
        (status = 400, description = "No tier, or an unreadable date", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither this person nor the registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society or person", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The society has no pathway yet", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The pathway has no such tier", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn show(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    query: Query<ProgressQuery>,
) -> Result<web::Json<ProgressView>, ApiError> {
    permissions::require_user(&caller)?;
    let query = query.into_inner();
    let tier: TierId = match query.tier.as_deref().map(str::trim) {
        None | Some("") => {
            return Err(ApiError::BadRequest {
                detail: "invalid query parameters".to_owned(),
                errors: vec![FieldProblem::new("tier", "is required")],
            })
        }
        Some(t) => t.parse().map_err(|e| ApiError::BadRequest {
            detail: "invalid query parameters".to_owned(),
            errors: vec![FieldProblem::new("tier", format!("is not a tier id ({e})"))],
        })?,
    };
    let as_of = query
        .as_of
        .map_or_else(|| Utc::now().date_naive(), Day::date);
    let (slug, person_id) = path.into_inner();
    let progress = progress::progress(&state, &caller, slug, person_id, tier, as_of).await?;
    Ok(web::Json(ProgressView {
        society: progress.society.slug,
        pathway_version_number: progress.pathway_version_number,
        assessment: progress.assessment,
    }))
}
