//! Progress: how far a person is from a tier, as balint-core evaluates
//! their ledger against the pathway version that applies to them.

use actix_web::web;
use balint_core::evaluate::{Assessment, Candidate, HeldTier, Inputs};
use balint_core::ledger::Activity;
use balint_core::register::{Register, RegisterEntry};
use balint_core::{PersonId, TierId};
use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::auth::{permissions, Caller};
use crate::day::Day;
use crate::db::{self, people::Person, DbConnection};
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

/// Everything evaluation needs, read in a few queries, and the assessment.
pub fn assess(
    conn: &mut DbConnection,
    society_id: &str,
    person_id: &str,
    tier: &TierId,
    as_of: NaiveDate,
) -> Result<(i32, Assessment<'static>), ApiError> {
    assess_with_ledger(conn, society_id, person_id, tier, as_of)
        .map(|(number, assessment, _)| (number, assessment))
}

/// As [`assess`], with the ledger evaluated (as
/// [`db::activities::ledger`] reads it), for a page that shows its records.
pub fn assess_with_ledger(
    conn: &mut DbConnection,
    society_id: &str,
    person_id: &str,
    tier: &TierId,
    as_of: NaiveDate,
) -> Result<(i32, Assessment<'static>, Vec<Activity>), ApiError> {
    let person = db::people::find(conn, society_id, person_id)?
        .ok_or_else(|| ApiError::NotFound(format!("person {person_id}")))?;
    let entered = person.entered_pathway_on.unwrap_or(as_of);
    let version = db::pathways::applicable(conn, society_id, entered)?
        .ok_or_else(|| ApiError::Conflict("the society has no pathway yet".to_owned()))?;
    let pathway = &version.pathway;
    if pathway.tier(tier).is_none() {
        let known: Vec<&str> = pathway.tiers().iter().map(|t| t.id.as_str()).collect();
        return Err(ApiError::Unprocessable {
            detail: "the request has invalid fields".to_owned(),
            errors: vec![FieldProblem::new(
                "tier",
                format!(
                    "the pathway has no tier {tier} (tiers: {})",
                    known.join(", ")
                ),
            )],
        });
    }
    let Evidence {
        ledger,
        register,
        candidate,
    } = evidence(conn, society_id, &person, as_of)?;
    let overrides = db::overrides::for_tier(conn, person_id, tier)?;
    let assessment = Inputs::new(pathway, &candidate, &ledger, as_of)
        .with_register(&register)
        .with_overrides(&overrides)
        .evaluate(tier)
        .map_err(|e| ApiError::unprocessable("tier", e.to_string()))?
        // Returned with the ledger it borrows its record ids from.
        .into_owned();
    Ok((version.summary.number, assessment, ledger))
}

/// What evaluating a person reads besides the pathway: their ledger, the
/// register entries of the people it names, and the person as a candidate.
#[derive(Debug)]
pub struct Evidence {
    /// The person's records, as [`db::activities::ledger`] reads them.
    pub ledger: Vec<Activity>,
    /// The register entries of the person and of everyone named as
    /// co-leader or supervisor, for conditions on the tier they held on
    /// each session's date.
    pub register: Register,
    /// The person with their backgrounds, entry date and the tiers they
    /// hold on `as_of`.
    pub candidate: Candidate,
}

/// Read the [`Evidence`] for evaluating `person` as of `as_of`, in a few
/// queries.
pub fn evidence(
    conn: &mut DbConnection,
    society_id: &str,
    person: &Person,
    as_of: NaiveDate,
) -> Result<Evidence, ApiError> {
    let person_id = person.id.as_str();
    let ledger = db::activities::ledger(conn, person_id)?;
    let me = PersonId::try_from(person_id)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("person id {person_id}: {e}")))?;
    // Only the people the evaluation asks about: the person and everyone
    // named as co-leader or supervisor.
    let mut named: Vec<PersonId> = ledger
        .iter()
        .flat_map(|a| [&a.co_leader, &a.supervisor])
        .flatten()
        .cloned()
        .collect();
    named.push(me.clone());
    named.sort();
    named.dedup();
    let register = db::register::load_for_people(conn, society_id, &named)?;
    let candidate = candidate(person, me.clone(), register.entry_for(&me), as_of);
    Ok(Evidence {
        ledger,
        register,
        candidate,
    })
}

/// `person` as a candidate on `as_of`: their backgrounds, the day they
/// entered the pathway, and the tiers their register `entry` (if any)
/// holds that day, each since the day it was first granted.
pub fn candidate(
    person: &Person,
    id: PersonId,
    entry: Option<&RegisterEntry>,
    as_of: NaiveDate,
) -> Candidate {
    let tiers_held = entry
        .map(|entry| {
            entry
                .tiers_held_on(as_of)
                .into_iter()
                .map(|t| HeldTier {
                    tier: t.tier,
                    since: t.reached,
                })
                .collect()
        })
        .unwrap_or_default();
    Candidate {
        person: id,
        backgrounds: person.backgrounds.clone(),
        entered_pathway: person.entered_pathway_on,
        tiers_held,
    }
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
    let society = db::run(&state.pool, move |conn| db::societies::by_slug(conn, &slug)).await?;
    permissions::require_member_or_registrar(&caller, &society.id, &person_id)?;
    let society_id = society.id.clone();
    let (number, assessment) = db::run(&state.pool, move |conn| {
        assess(conn, &society_id, &person_id, &tier, as_of)
    })
    .await?;
    Ok(web::Json(ProgressView {
        society: society.slug,
        pathway_version_number: number,
        assessment,
    }))
}
