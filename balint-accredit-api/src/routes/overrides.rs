//! Overrides of a person's requirements: recognition of prior learning and
//! committee discretion, recorded by the registrar with a reason, as a
//! credit in the requirement's unit or a waiver. Never a silent edit: every
//! assessment (progress, and the one frozen into an application) shows the
//! overrides it applied, and those recorded after its date are listed as
//! not applied.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use balint_core::evaluate;
use balint_core::ledger::Amount;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::actions::overrides::{self, OverrideRequest};
use crate::app::AppState;
use crate::auth::Caller;
use crate::db::overrides::StoredOverride;
use crate::edge::{Json, Query};
use crate::error::{ApiError, Problem};
use crate::pagination::{Page, PageQuery, PageRequest};
use crate::routes::utc;

/// Why the override is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OverrideKind {
    RecognitionOfPriorLearning,
    CommitteeDiscretion,
}

/// What the override does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OverrideEffect {
    /// Add `amount` (in the requirement's unit) to what was achieved.
    Credit,
    /// Treat the requirement as met.
    Waive,
}

/// An override to record.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OverrideInput {
    /// The tier, by its id in the pathway that applies to the person.
    pub tier: String,
    /// The requirement of that tier, by its id.
    pub requirement: String,
    pub kind: OverrideKind,
    pub effect: OverrideEffect,
    /// For a credit: the amount, in the requirement's unit.
    #[schema(value_type = Option<f64>)]
    pub amount: Option<Amount>,
    /// Why; up to 2000 characters.
    pub reason: String,
}

/// A recorded override.
#[derive(Debug, Serialize, ToSchema)]
pub struct OverrideView {
    pub id: String,
    pub person_id: String,
    pub tier: String,
    pub requirement: String,
    pub kind: OverrideKind,
    pub effect: OverrideEffect,
    /// For a credit: the amount, in the requirement's unit.
    #[schema(value_type = Option<f64>)]
    pub amount: Option<Amount>,
    pub reason: String,
    /// The day it was recorded: assessments as of an earlier day do not apply it.
    pub recorded_on: NaiveDate,
    /// The login that recorded it.
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

impl From<StoredOverride> for OverrideView {
    fn from(stored: StoredOverride) -> Self {
        let o = stored.recorded;
        let (effect, amount) = match o.effect {
            evaluate::OverrideEffect::Credit(amount) => (OverrideEffect::Credit, Some(amount)),
            evaluate::OverrideEffect::Waive => (OverrideEffect::Waive, None),
        };
        Self {
            id: stored.id,
            person_id: stored.person_id,
            tier: stored.tier.as_str().to_owned(),
            requirement: o.requirement.as_str().to_owned(),
            kind: match o.kind {
                evaluate::OverrideKind::RecognitionOfPriorLearning => {
                    OverrideKind::RecognitionOfPriorLearning
                }
                evaluate::OverrideKind::CommitteeDiscretion => OverrideKind::CommitteeDiscretion,
            },
            effect,
            amount,
            reason: o.reason,
            recorded_on: o.recorded_on,
            recorded_by: o.recorded_by.as_str().to_owned(),
            recorded_at: utc(stored.recorded_at),
        }
    }
}

/// Record an override of one of a person's requirements (registrar). The
/// tier and requirement must be in the pathway version that applies to the
/// person; a credit applies only to a requirement that counts activities.
#[utoipa::path(post, path = "/api/v1/societies/{society}/people/{person}/overrides", tag = "applications",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("person" = String, Path, description = "The person's id"),
    ),
    request_body = OverrideInput,
    responses(
        (status = 201, description = "The override, recorded", body = OverrideView),
        (status = 400, description = "Unreadable body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not this society's registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society or person", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The society has no pathway yet", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, or no such tier or requirement", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn record(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: Json<OverrideInput>,
) -> Result<HttpResponse, ApiError> {
    let (slug, person_id) = path.into_inner();
    let body = body.into_inner();
    let request = OverrideRequest {
        tier: body.tier,
        requirement: body.requirement,
        kind: match body.kind {
            OverrideKind::RecognitionOfPriorLearning => {
                evaluate::OverrideKind::RecognitionOfPriorLearning
            }
            OverrideKind::CommitteeDiscretion => evaluate::OverrideKind::CommitteeDiscretion,
        },
        credit: body.effect == OverrideEffect::Credit,
        amount: body.amount,
        reason: body.reason,
    };
    let (society, stored) = overrides::record(&state, &caller, slug, person_id, request).await?;
    let location = format!(
        "/api/v1/societies/{}/people/{}/overrides",
        society.slug, stored.person_id
    );
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .json(OverrideView::from(stored)))
}

/// A person's recorded overrides, oldest first: the person themself, or
/// the registrar.
#[utoipa::path(get, path = "/api/v1/societies/{society}/people/{person}/overrides", operation_id = "overrides_list", tag = "applications",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("person" = String, Path, description = "The person's id"),
        PageQuery,
    ),
    responses(
        (status = 200, description = "A page of overrides", body = Page<OverrideView>),
        (status = 400, description = "Invalid paging", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither this person nor the registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society or person", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    query: Query<PageQuery>,
) -> Result<web::Json<Page<OverrideView>>, ApiError> {
    let (slug, person_id) = path.into_inner();
    let page = PageRequest::try_from(&query.into_inner());
    let page = overrides::list(&state, &caller, slug, person_id, page).await?;
    Ok(web::Json(page.map(OverrideView::from)))
}
