//! Overrides of a person's requirements: recognition of prior learning and
//! committee discretion, recorded by the registrar with a reason, as a
//! credit in the requirement's unit or a waiver. Never a silent edit: every
//! assessment (progress, and the one frozen into an application) shows the
//! overrides it applied, and those recorded after its date are listed as
//! not applied.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use balint_core::evaluate::{self, Override};
use balint_core::ids::{PersonId, RequirementId, TierId};
use balint_core::ledger::Amount;
use balint_core::pathway::{Requirement, Rule};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::{permissions, Caller};
use crate::db::{self, overrides::StoredOverride};
use crate::edge::{Json, Query};
use crate::error::{ApiError, FieldProblem, Problem};
use crate::pagination::{Page, PageQuery, PageRequest};
use crate::routes::register::society;
use crate::routes::utc;

/// Longest reason accepted, in characters.
const MAX_REASON: usize = 2000;

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

/// The input's own problems, all at once.
fn parse(
    input: &OverrideInput,
) -> Result<(TierId, RequirementId, evaluate::OverrideEffect, String), ApiError> {
    let mut problems = Vec::new();
    let tier = input
        .tier
        .trim()
        .parse::<TierId>()
        .map_err(|e| problems.push(FieldProblem::new("tier", format!("is not a tier id ({e})"))))
        .ok();
    let requirement = input
        .requirement
        .trim()
        .parse::<RequirementId>()
        .map_err(|e| {
            problems.push(FieldProblem::new(
                "requirement",
                format!("is not a requirement id ({e})"),
            ))
        })
        .ok();
    let effect = match (input.effect, input.amount) {
        (OverrideEffect::Credit, Some(amount)) if !amount.is_zero() => {
            Some(evaluate::OverrideEffect::Credit(amount))
        }
        (OverrideEffect::Credit, Some(_)) => {
            problems.push(FieldProblem::new("amount", "must be positive"));
            None
        }
        (OverrideEffect::Credit, None) => {
            problems.push(FieldProblem::new("amount", "is required for a credit"));
            None
        }
        (OverrideEffect::Waive, Some(_)) => {
            problems.push(FieldProblem::new("amount", "is not given for a waiver"));
            None
        }
        (OverrideEffect::Waive, None) => Some(evaluate::OverrideEffect::Waive),
    };
    let reason = input.reason.trim().to_owned();
    if reason.is_empty() {
        problems.push(FieldProblem::new("reason", "is required"));
    } else if reason.chars().count() > MAX_REASON {
        problems.push(FieldProblem::new(
            "reason",
            format!("must be at most {MAX_REASON} characters"),
        ));
    }
    match (tier, requirement, effect, problems.is_empty()) {
        (Some(tier), Some(requirement), Some(effect), true) => {
            Ok((tier, requirement, effect, reason))
        }
        _ => Err(ApiError::Unprocessable {
            detail: "the request has invalid fields".to_owned(),
            errors: problems,
        }),
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
    permissions::require_user(&caller)?;
    let (slug, person_id) = path.into_inner();
    let society = society(&state, slug).await?;
    let actor = permissions::require_registrar(&caller, &society.id)?
        .user_id
        .clone();
    let body = body.into_inner();
    let (tier, requirement, effect, reason) = parse(&body)?;
    let recorded_by: PersonId = actor
        .parse()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("login id {actor}: {e}")))?;
    let now = db::now();
    let society_id = society.id.clone();
    let stored = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let person = db::people::find(conn, &society_id, &person_id)?
                .ok_or_else(|| ApiError::NotFound(format!("person {person_id}")))?;
            let entered = person.entered_pathway_on.unwrap_or(now.date());
            let version = db::pathways::applicable(conn, &society_id, entered)?
                .ok_or_else(|| ApiError::Conflict("the society has no pathway yet".to_owned()))?;
            let Some(tier_rule) = version.pathway.tier(&tier) else {
                return Err(ApiError::unprocessable(
                    "tier",
                    format!("the pathway has no tier {tier}"),
                ));
            };
            let found: Option<&Requirement> = tier_rule
                .requirements
                .iter()
                .flat_map(Requirement::walk)
                .find(|r| r.id == requirement);
            match (found, effect) {
                (None, _) => {
                    return Err(ApiError::unprocessable(
                        "requirement",
                        format!("tier {tier} has no requirement {requirement}"),
                    ))
                }
                (Some(r), evaluate::OverrideEffect::Credit(_)) if !matches!(r.rule, Rule::Activity(_)) => {
                    return Err(ApiError::unprocessable(
                        "effect",
                        "a credit applies only to a requirement that counts activities; waive a combination instead",
                    ))
                }
                _ => {}
            }
            let stored = StoredOverride {
                id: uuid::Uuid::new_v4().to_string(),
                society_id: society_id.clone(),
                person_id: person_id.clone(),
                tier,
                recorded: Override {
                    requirement,
                    kind: match body.kind {
                        OverrideKind::RecognitionOfPriorLearning => {
                            evaluate::OverrideKind::RecognitionOfPriorLearning
                        }
                        OverrideKind::CommitteeDiscretion => evaluate::OverrideKind::CommitteeDiscretion,
                    },
                    effect,
                    reason,
                    recorded_by,
                    recorded_on: now.date(),
                },
                recorded_at: now,
            };
            db::overrides::insert(conn, &stored)?;
            Ok(stored)
        })
    })
    .await?;
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
    permissions::require_user(&caller)?;
    let (slug, person_id) = path.into_inner();
    let society = society(&state, slug).await?;
    permissions::require_member_or_registrar(&caller, &society.id, &person_id)?;
    let page = PageRequest::try_from(&query.into_inner())?;
    let page = db::run(&state.pool, move |conn| {
        db::people::find(conn, &society.id, &person_id)?
            .ok_or_else(|| ApiError::NotFound(format!("person {person_id}")))?;
        db::overrides::list(conn, &society.id, &person_id, page)
    })
    .await?;
    Ok(web::Json(page.map(OverrideView::from)))
}
