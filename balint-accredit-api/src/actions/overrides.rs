//! Overrides of a person's requirements: recognition of prior learning and
//! committee discretion, recorded by the registrar with a reason, as a
//! credit in the requirement's unit or a waiver. Never a silent edit: every
//! assessment (progress, and the one frozen into an application) shows the
//! overrides it applied, and those recorded after its date are listed as
//! not applied.

use balint_core::evaluate::{self, Override};
use balint_core::ids::{PersonId, RequirementId, TierId};
use balint_core::ledger::Amount;
use balint_core::pathway::{Requirement, Rule};

use crate::auth::{permissions, Caller};
use crate::db::{self, overrides::StoredOverride, societies::Society};
use crate::error::{ApiError, FieldProblem};
use crate::pagination::{Page, PageRequest};
use crate::state::AppState;

/// Longest reason accepted, in characters.
const MAX_REASON: usize = 2000;

/// An override as the registrar asks for it.
#[derive(Debug, Clone)]
pub struct OverrideRequest {
    /// The tier, by its id in the pathway that applies to the person.
    pub tier: String,
    /// The requirement of that tier, by its id.
    pub requirement: String,
    /// Why the override is made.
    pub kind: evaluate::OverrideKind,
    /// A credit of `amount` (true) or a waiver (false).
    pub credit: bool,
    /// For a credit: the amount, in the requirement's unit.
    pub amount: Option<Amount>,
    /// Why; up to 2000 characters.
    pub reason: String,
}

/// The input's own problems, all at once.
fn parse(
    input: &OverrideRequest,
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
    let effect = match (input.credit, input.amount) {
        (true, Some(amount)) if !amount.is_zero() => Some(evaluate::OverrideEffect::Credit(amount)),
        (true, Some(_)) => {
            problems.push(FieldProblem::new("amount", "must be positive"));
            None
        }
        (true, None) => {
            problems.push(FieldProblem::new("amount", "is required for a credit"));
            None
        }
        (false, Some(_)) => {
            problems.push(FieldProblem::new("amount", "is not given for a waiver"));
            None
        }
        (false, None) => Some(evaluate::OverrideEffect::Waive),
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

/// Record an override of one of the requirements of person `person_id` of
/// society `slug` (registrar). The tier and requirement must be in the
/// pathway version that applies to the person; a credit applies only to a
/// requirement that counts activities.
pub async fn record(
    state: &AppState,
    caller: &Caller,
    slug: String,
    person_id: String,
    body: OverrideRequest,
) -> Result<(Society, StoredOverride), ApiError> {
    let (society, actor) = crate::actions::as_registrar(state, caller, slug).await?;
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
                    kind: body.kind,
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
    Ok((society, stored))
}

/// A page of the overrides recorded for person `person_id` of society
/// `slug`, oldest first: the person themself, or the registrar. `page` as
/// the adapter read it, refused once the caller may see the list.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    slug: String,
    person_id: String,
    page: Result<PageRequest, ApiError>,
) -> Result<Page<StoredOverride>, ApiError> {
    permissions::require_user(caller)?;
    let society = crate::actions::society(state, slug).await?;
    permissions::require_member_or_registrar(caller, &society.id, &person_id)?;
    let page = page?;
    db::run(&state.pool, move |conn| {
        db::people::find(conn, &society.id, &person_id)?
            .ok_or_else(|| ApiError::NotFound(format!("person {person_id}")))?;
        db::overrides::list(conn, &society.id, &person_id, page)
    })
    .await
}
