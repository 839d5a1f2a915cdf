//! Applications for a tier and the registrar's decisions on them.
//!
//! Applying evaluates the person's ledger with the same code as progress,
//! as of today, and freezes the assessment into the application: later
//! records, attestations or pathway versions do not rewrite it. A person
//! who is not eligible is refused with every shortfall, unless the
//! registrar records an override with a reason; an invitation-only tier is
//! never applied for, only conferred by the registrar with a reason. A
//! grant puts the tier on the person's register entry (a new entry gets the
//! society's next registration number) in the same transaction.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use balint_core::evaluate::{Assessment, PrerequisiteResult};
use balint_core::ids::{PersonId, TierId};
use balint_core::pathway::Entry;
use balint_core::register::{Grant, Visibility};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::auth::{permissions, Caller};
use crate::day::Day;
use crate::db::applications::{Application, Basis, Decision, Registered, Status};
use crate::db::{self, DbConnection};
use crate::edge::{Json, Query};
use crate::error::{ApiError, FieldProblem, Problem};
use crate::pagination::{Page, PageQuery, PageRequest};
use crate::routes::progress::assess;
use crate::routes::register::{cycle_from, society};
use crate::routes::utc;

/// Longest note or reason accepted, in characters.
const MAX_TEXT: usize = 2000;

/// A registrar's reason.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonInput {
    /// Why; up to 2000 characters.
    pub reason: String,
}

/// An application for a tier.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationInput {
    /// The tier, by its id in the pathway (e.g. `accredited-leader`).
    pub tier: String,
    /// The applicant's note to the committee; up to 2000 characters.
    pub note: Option<String>,
    /// Registrar only: apply on the person's behalf although the
    /// assessment finds them not eligible, with the reason (e.g. the
    /// committee's discretion). Recorded, audited and shown on the
    /// application.
    #[serde(rename = "override")]
    pub overriding: Option<ReasonInput>,
    /// Registrar only: confer an invitation-only tier (e.g. BSANZ Leader
    /// Trainee), with the reason. Such tiers cannot be applied for.
    pub conferred: Option<ReasonInput>,
}

/// The registrar's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    /// Put the tier on the person's register entry.
    Grant,
    /// Refuse the application.
    Decline,
}

fn visibility_default() -> Visibility {
    Visibility::Public
}

/// A decision on an application.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    pub decision: DecisionKind,
    /// The day the decision takes effect (on a grant: the day the tier is
    /// held from, and the start of its first renewal cycle); YYYY-MM-DD,
    /// 1900-01-01 to 2199-12-31.
    #[schema(value_type = String, format = Date)]
    pub effective: Day,
    /// Why, e.g. the council's resolution; up to 2000 characters.
    pub reason: String,
    /// Grants only: `public` (default) or `confidential`, whether the
    /// reason is shown in the entry's public history.
    #[serde(default = "visibility_default")]
    #[schema(value_type = String)]
    pub visibility: Visibility,
}

/// A decision as recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionView {
    /// `grant` or `decline`.
    pub decision: DecisionKind,
    pub effective: NaiveDate,
    pub reason: String,
    /// `public` or `confidential`.
    pub visibility: String,
    pub decided_at: DateTime<Utc>,
    /// The login that decided.
    pub decided_by: Option<String>,
    /// On a grant: the person's registration number, e.g. `BSANZ-0042`.
    pub registration: Option<String>,
    /// On a grant of a tier with a renewal cycle: the last day of the
    /// entry's first cycle.
    pub valid_until: Option<NaiveDate>,
}

/// An application.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationView {
    pub id: String,
    /// The society's slug.
    pub society: String,
    pub person_id: String,
    pub person_name: String,
    /// The tier's id.
    pub tier: String,
    /// The tier's name, as the pathway has it.
    pub tier_name: String,
    /// `pending`, `granted` or `declined`.
    pub status: String,
    /// `eligible` (the assessment found the person eligible), `override`
    /// (not eligible; the registrar recorded an override) or `conferred`
    /// (an invitation-only tier conferred by the registrar).
    pub basis: String,
    /// The registrar's reason for an override or a conferral.
    pub basis_reason: Option<String>,
    /// The applicant's note.
    pub note: Option<String>,
    /// The number of the pathway version the assessment was made against.
    pub pathway_version_number: i32,
    /// Whether the frozen assessment found the person eligible.
    pub eligible: bool,
    /// The assessment as it was when the application was made (not in
    /// lists): per requirement, what was required and achieved, the
    /// records that counted and those that did not, and what was missing.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub assessment: Option<Value>,
    pub applied_at: DateTime<Utc>,
    /// The login that applied (the person or the registrar).
    pub applied_by: Option<String>,
    /// The registrar's decision, once made.
    pub decision: Option<DecisionView>,
}

fn view(
    slug: &str,
    application: Application,
    person_name: String,
    with_assessment: bool,
) -> ApplicationView {
    let tier_name = application.assessment["tier_name"]
        .as_str()
        .unwrap_or(&application.tier)
        .to_owned();
    ApplicationView {
        id: application.id,
        society: slug.to_owned(),
        person_id: application.person_id,
        person_name,
        tier: application.tier,
        tier_name,
        status: application.status.as_str().to_owned(),
        basis: application.basis.as_str().to_owned(),
        basis_reason: application.basis_reason,
        note: application.note,
        pathway_version_number: application.pathway_version_number,
        eligible: application.eligible,
        assessment: with_assessment.then_some(application.assessment),
        applied_at: utc(application.applied_at),
        applied_by: application.applied_by,
        decision: application.decision.map(|d| DecisionView {
            decision: if d.outcome == Status::Granted {
                DecisionKind::Grant
            } else {
                DecisionKind::Decline
            },
            effective: d.effective,
            reason: d.reason,
            visibility: db::register::visibility_word(d.visibility),
            decided_at: utc(d.decided_at),
            decided_by: d.decided_by,
            registration: d.registration,
            valid_until: d.valid_until,
        }),
    }
}

/// The names of the people of `applications`, by id.
fn names(
    conn: &mut DbConnection,
    society_id: &str,
    applications: &[Application],
) -> Result<HashMap<String, String>, ApiError> {
    let mut names = HashMap::new();
    for application in applications {
        if names.contains_key(&application.person_id) {
            continue;
        }
        let person =
            db::people::find(conn, society_id, &application.person_id)?.ok_or_else(|| {
                ApiError::Internal(anyhow::anyhow!(
                    "the person of application {} is missing",
                    application.id
                ))
            })?;
        names.insert(application.person_id.clone(), person.name());
    }
    Ok(names)
}

fn page_view(
    conn: &mut DbConnection,
    society_id: &str,
    slug: &str,
    page: Page<Application>,
) -> Result<Page<ApplicationView>, ApiError> {
    let names = names(conn, society_id, &page.items)?;
    Ok(page.map(|application| {
        let name = names
            .get(&application.person_id)
            .cloned()
            .unwrap_or_default();
        view(slug, application, name, false)
    }))
}

/// A reason that must be given: trimmed, not empty, not too long.
/// `text` trimmed, or a problem at `field` when it is empty or longer than
/// 2000 characters.
pub(crate) fn reason_text(
    field: &str,
    text: &str,
    problems: &mut Vec<FieldProblem>,
) -> Option<String> {
    let text = text.trim();
    if text.is_empty() {
        problems.push(FieldProblem::new(field, "is required"));
        None
    } else if text.chars().count() > MAX_TEXT {
        problems.push(FieldProblem::new(
            field,
            format!("must be at most {MAX_TEXT} characters"),
        ));
        None
    } else {
        Some(text.to_owned())
    }
}

fn invalid(errors: Vec<FieldProblem>) -> ApiError {
    ApiError::Unprocessable {
        detail: "the request has invalid fields".to_owned(),
        errors,
    }
}

/// A registrar's way past the assessment, as asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Past {
    /// None: the person applies on their own merit.
    Nothing,
    Override(String),
    Conferral(String),
}

/// An application request, checked.
#[derive(Debug)]
struct Request {
    tier: TierId,
    note: Option<String>,
    past: Past,
}

impl Request {
    /// Every problem of `input` at once (422); an override or a conferral
    /// asked for by anyone but the registrar is 403.
    fn parse(input: ApplicationInput, as_registrar: bool) -> Result<Self, ApiError> {
        if !as_registrar && (input.overriding.is_some() || input.conferred.is_some()) {
            return Err(ApiError::Forbidden);
        }
        let mut problems = Vec::new();
        let tier = input
            .tier
            .trim()
            .parse::<TierId>()
            .map_err(|e| {
                problems.push(FieldProblem::new("tier", format!("is not a tier id ({e})")))
            })
            .ok();
        let note = input
            .note
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty());
        if note.as_ref().is_some_and(|n| n.chars().count() > MAX_TEXT) {
            problems.push(FieldProblem::new(
                "note",
                format!("must be at most {MAX_TEXT} characters"),
            ));
        }
        let past = match (&input.overriding, &input.conferred) {
            (Some(_), Some(_)) => {
                problems.push(FieldProblem::new(
                    "conferred",
                    "give either override or conferred, not both",
                ));
                None
            }
            (Some(o), None) => {
                reason_text("override.reason", &o.reason, &mut problems).map(Past::Override)
            }
            (None, Some(c)) => {
                reason_text("conferred.reason", &c.reason, &mut problems).map(Past::Conferral)
            }
            (None, None) => Some(Past::Nothing),
        };
        match (tier, past, problems.is_empty()) {
            (Some(tier), Some(past), true) => Ok(Self { tier, note, past }),
            _ => Err(invalid(problems)),
        }
    }
}

/// Why the assessment allows (or refuses) the application.
fn basis(assessment: &Assessment<'_>, past: &Past) -> Result<(Basis, Option<String>), ApiError> {
    let tier = &assessment.tier_name;
    match (assessment.entry, past) {
        (Entry::Invitation, Past::Conferral(reason)) => {
            Ok((Basis::Conferred, Some(reason.clone())))
        }
        (Entry::Invitation, _) => Err(ApiError::Unprocessable {
            detail: format!("{tier} is conferred by invitation; it cannot be applied for"),
            errors: vec![FieldProblem::new(
                "tier",
                format!(
                    "{tier} is conferred by invitation: the registrar confers it with a reason"
                ),
            )],
        }),
        (Entry::Enrolment, _) => Err(ApiError::unprocessable(
            "tier",
            format!(
                "{tier} is held from the day of entering the pathway (the person's entered_pathway_on); it is not applied for"
            ),
        )),
        (Entry::Application, Past::Conferral(_)) => Err(ApiError::unprocessable(
            "conferred",
            format!("{tier} is reached by application; only invitation-only tiers are conferred"),
        )),
        (Entry::Application, Past::Override(_)) if assessment.eligible => Err(
            ApiError::unprocessable("override", "is not needed: the person is eligible"),
        ),
        (Entry::Application, Past::Override(reason)) => Ok((Basis::Override, Some(reason.clone()))),
        (Entry::Application, Past::Nothing) if assessment.eligible => Ok((Basis::Eligible, None)),
        (Entry::Application, Past::Nothing) => Err(not_eligible(assessment)),
    }
}

/// 422 with every shortfall: unmet prerequisites and mandatory requirements.
fn not_eligible(assessment: &Assessment<'_>) -> ApiError {
    let errors = shortfalls(assessment);
    ApiError::Unprocessable {
        detail: format!(
            "not eligible for {}: {} shortfall(s); the registrar may record an override with a reason",
            assessment.tier_name,
            errors.len()
        ),
        errors,
    }
}

/// Every shortfall of `assessment`, one problem each: an unmet prerequisite
/// at `prerequisites.{tier}`, each shortfall of an unmet mandatory
/// requirement (or of its unmet part) at `requirements.{id}` with its title
/// and what is missing. Renewals refused list theirs the same way.
pub(crate) fn shortfalls(assessment: &Assessment<'_>) -> Vec<FieldProblem> {
    let mut errors = prerequisite_shortfalls(&assessment.prerequisites);
    for shortfall in Assessment::shortfalls(&assessment.mandatory) {
        errors.push(FieldProblem::new(
            format!("requirements.{}", shortfall.requirement.id),
            format!("{}: {}", shortfall.requirement.title, shortfall.words),
        ));
    }
    errors
}

/// Every unmet prerequisite of `prerequisites`, one problem each at
/// `prerequisites.{tier}`, naming the tier and the months it must be held.
/// Direct grants on the register refuse theirs the same way.
pub(crate) fn prerequisite_shortfalls(prerequisites: &[PrerequisiteResult]) -> Vec<FieldProblem> {
    prerequisites
        .iter()
        .filter(|p| !p.met)
        .map(|p| {
            // The tier by its name (its id where an older assessment has none).
            let name = if p.tier_name.is_empty() {
                p.tier.to_string()
            } else {
                p.tier_name.clone()
            };
            let message = match (p.held_since, p.min_months) {
                (None, None) => format!("{name} must be held first"),
                (None, Some(months)) => {
                    format!("{name} must be held first, for at least {months} months")
                }
                (Some(since), Some(months)) => {
                    format!("{name} must be held for at least {months} months (held since {since})")
                }
                (Some(since), None) => {
                    format!("{name} must be held first (held only from {since})")
                }
            };
            FieldProblem::new(format!("prerequisites.{}", p.tier), message)
        })
        .collect()
}

/// Apply for a tier: the person themself, or the registrar on their
/// behalf. The assessment as of today is frozen into the application.
/// Not eligible: 422 with every shortfall, and nothing is stored, unless
/// the registrar gives `override` with a reason. An invitation-only tier
/// is refused (422) unless the registrar confers it with `conferred` and a
/// reason. A pending application for the same tier, or a tier already
/// held, is 409.
#[utoipa::path(post, path = "/api/v1/societies/{society}/people/{person}/applications", tag = "applications",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("person" = String, Path, description = "The person's id"),
    ),
    request_body = ApplicationInput,
    responses(
        (status = 201, description = "The application, pending, with its frozen assessment", body = ApplicationView),
        (status = 400, description = "Unreadable body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither this person nor the registrar; or an override or conferral by someone other than the registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society or person", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A pending application for the tier exists, the tier is held already, or the society has no pathway", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not eligible (every shortfall listed), an invitation-only tier, or invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn apply(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: Json<ApplicationInput>,
) -> Result<HttpResponse, ApiError> {
    permissions::require_user(&caller)?;
    let (slug, person_id) = path.into_inner();
    let society = society(&state, slug).await?;
    let actor = permissions::require_member_or_registrar(&caller, &society.id, &person_id)?
        .user_id
        .clone();
    let request = Request::parse(
        body.into_inner(),
        permissions::acts_as_registrar(&caller, &society.id),
    )?;
    let now = db::now();
    let today = now.date();
    let society_id = society.id.clone();
    let (application, name) = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let person = db::people::find(conn, &society_id, &person_id)?
                .ok_or_else(|| ApiError::NotFound(format!("person {person_id}")))?;
            if let Some(stored) = db::register::by_person(conn, &society_id, &person_id)? {
                if stored.entry.holds_tier_on(&request.tier, today) {
                    return Err(ApiError::Conflict(format!(
                        "person {person_id} holds tier {} already",
                        request.tier
                    )));
                }
            }
            let (number, assessment) = assess(conn, &society_id, &person_id, &request.tier, today)?;
            let (basis, basis_reason) = basis(&assessment, &request.past)?;
            let frozen = serde_json::to_value(&assessment).map_err(|e| {
                ApiError::Internal(anyhow::anyhow!("serializing an assessment: {e}"))
            })?;
            let application = Application {
                id: uuid::Uuid::new_v4().to_string(),
                society_id: society_id.clone(),
                person_id: person_id.clone(),
                tier: request.tier.as_str().to_owned(),
                basis,
                basis_reason,
                note: request.note,
                pathway_version_number: number,
                eligible: assessment.eligible,
                assessment: frozen,
                status: Status::Pending,
                applied_at: now,
                applied_by: Some(actor),
                decision: None,
            };
            db::applications::insert(conn, &application)?;
            Ok((application, person.name()))
        })
    })
    .await?;
    let location = format!(
        "/api/v1/societies/{}/applications/{}",
        society.slug, application.id
    );
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .json(view(&society.slug, application, name, true)))
}

/// A list's filter and paging.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApplicationsQuery {
    /// Page number, from 1 to 1000000 (default 1); past the last page,
    /// no items.
    #[param(minimum = 1, maximum = 1_000_000, default = 1)]
    pub page: Option<u32>,
    /// Items per page, 1 to 100 (default 25).
    #[param(minimum = 1, maximum = 100, default = 25)]
    pub per_page: Option<u32>,
    /// `pending`, `granted` or `declined` (default: all).
    pub status: Option<String>,
}

impl ApplicationsQuery {
    fn parse(&self) -> Result<(PageRequest, Option<Status>), ApiError> {
        let page = PageRequest::try_from(&PageQuery {
            page: self.page,
            per_page: self.per_page,
        });
        let status = self
            .status
            .as_deref()
            .map(str::parse::<Status>)
            .transpose()
            .map_err(|e| FieldProblem::new("status", e));
        match (page, status) {
            (Ok(page), Ok(status)) => Ok((page, status)),
            (Err(ApiError::BadRequest { detail, mut errors }), status) => {
                errors.extend(status.err());
                Err(ApiError::BadRequest { detail, errors })
            }
            (Err(other), _) => Err(other),
            (Ok(_), Err(problem)) => Err(ApiError::BadRequest {
                detail: "invalid query parameters".to_owned(),
                errors: vec![problem],
            }),
        }
    }
}

/// A person's applications, oldest first: the person themself, or the
/// registrar. Lists leave the assessments out.
#[utoipa::path(get, path = "/api/v1/societies/{society}/people/{person}/applications", tag = "applications",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("person" = String, Path, description = "The person's id"),
        ApplicationsQuery,
    ),
    responses(
        (status = 200, description = "A page of applications", body = Page<ApplicationView>),
        (status = 400, description = "Invalid paging or status", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither this person nor the registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society or person", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_for_person(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    query: Query<ApplicationsQuery>,
) -> Result<web::Json<Page<ApplicationView>>, ApiError> {
    permissions::require_user(&caller)?;
    let (slug, person_id) = path.into_inner();
    let society = society(&state, slug).await?;
    permissions::require_member_or_registrar(&caller, &society.id, &person_id)?;
    let (page, status) = query.parse()?;
    let page = db::run(&state.pool, move |conn| {
        db::people::find(conn, &society.id, &person_id)?
            .ok_or_else(|| ApiError::NotFound(format!("person {person_id}")))?;
        let page = db::applications::list_for_person(conn, &society.id, &person_id, status, page)?;
        page_view(conn, &society.id, &society.slug, page)
    })
    .await?;
    Ok(web::Json(page))
}

/// The society's applications, oldest first (e.g. `?status=pending`, the
/// registrar's queue): the registrar. Lists leave the assessments out.
#[utoipa::path(get, path = "/api/v1/societies/{society}/applications", operation_id = "applications_list", tag = "applications",
    security(("bearer" = [])),
    params(("society" = String, Path, description = "The society's slug"), ApplicationsQuery),
    responses(
        (status = 200, description = "A page of applications", body = Page<ApplicationView>),
        (status = 400, description = "Invalid paging or status", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not this society's registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    query: Query<ApplicationsQuery>,
) -> Result<web::Json<Page<ApplicationView>>, ApiError> {
    permissions::require_user(&caller)?;
    let society = society(&state, path.into_inner()).await?;
    permissions::require_registrar(&caller, &society.id)?;
    let (page, status) = query.parse()?;
    let page = db::run(&state.pool, move |conn| {
        let page = db::applications::list_for_society(conn, &society.id, status, page)?;
        page_view(conn, &society.id, &society.slug, page)
    })
    .await?;
    Ok(web::Json(page))
}

/// One application with its frozen assessment: the person it is for, or
/// the registrar.
#[utoipa::path(get, path = "/api/v1/societies/{society}/applications/{application}", operation_id = "applications_show", tag = "applications",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("application" = String, Path, description = "The application's id"),
    ),
    responses(
        (status = 200, description = "The application", body = ApplicationView),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither the person nor the registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society or application", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn show(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<web::Json<ApplicationView>, ApiError> {
    permissions::require_user(&caller)?;
    let (slug, id) = path.into_inner();
    let society = society(&state, slug).await?;
    // Nobody outside the society learns whether the application exists.
    permissions::require_role_in(&caller, &society.id)?;
    let society_id = society.id.clone();
    let (application, names) = db::run(&state.pool, move |conn| {
        let application = db::applications::find(conn, &society_id, &id)?
            .ok_or_else(|| ApiError::NotFound(format!("application {id}")))?;
        let names = names(conn, &society_id, std::slice::from_ref(&application))?;
        Ok((application, names))
    })
    .await?;
    permissions::require_member_or_registrar(&caller, &society.id, &application.person_id)?;
    let name = names
        .get(&application.person_id)
        .cloned()
        .unwrap_or_default();
    Ok(web::Json(view(&society.slug, application, name, true)))
}

/// Grant or decline an application (registrar), once: a second decision,
/// also one arriving at the same moment, is 409. A grant puts the tier on
/// the person's register entry in the same transaction: a person not yet
/// on the register gets the society's next registration number (never
/// reused), and where the tier has a renewal cycle in the pathway version
/// the application was assessed against, the entry runs to the end of its
/// first cycle from `effective`. A grant the register refuses (e.g. dated
/// before the entry's latest change) is 409 and leaves the application
/// pending.
#[utoipa::path(post, path = "/api/v1/societies/{society}/applications/{application}/decision", tag = "applications",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("application" = String, Path, description = "The application's id"),
    ),
    request_body = DecisionInput,
    responses(
        (status = 200, description = "The application with its decision (and, on a grant, the registration number)", body = ApplicationView),
        (status = 400, description = "Unreadable body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not this society's registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society or application", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Decided already, or the register refuses the grant", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn decide(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: Json<DecisionInput>,
) -> Result<web::Json<ApplicationView>, ApiError> {
    permissions::require_user(&caller)?;
    let (slug, id) = path.into_inner();
    let society = society(&state, slug).await?;
    let actor = permissions::require_registrar(&caller, &society.id)?
        .user_id
        .clone();
    let body = body.into_inner();
    let mut problems = Vec::new();
    let reason = reason_text("reason", &body.reason, &mut problems);
    let Some(reason) = reason else {
        return Err(invalid(problems));
    };
    let now = db::now();
    let slug = society.slug.clone();
    let (application, name) = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let mut application = db::applications::find(conn, &society.id, &id)?
                .ok_or_else(|| ApiError::NotFound(format!("application {id}")))?;
            if application.status != Status::Pending {
                return Err(ApiError::Conflict(format!(
                    "application {id} has been decided already"
                )));
            }
            let decision = Decision {
                outcome: match body.decision {
                    DecisionKind::Grant => Status::Granted,
                    DecisionKind::Decline => Status::Declined,
                },
                effective: body.effective.date(),
                reason: reason.clone(),
                visibility: body.visibility,
                decided_at: now,
                decided_by: Some(actor.clone()),
                registration: None,
                valid_until: None,
            };
            let decision =
                db::applications::decide(conn, &application, decision, |conn| {
                    match body.decision {
                        DecisionKind::Decline => Ok(None),
                        DecisionKind::Grant => grant(
                            conn,
                            &society,
                            &application,
                            Grant {
                                effective: body.effective.date(),
                                tier: application.tier.parse().map_err(|e| {
                                    ApiError::Internal(anyhow::anyhow!("stored tier: {e}"))
                                })?,
                                cycle: None,
                                reason,
                                visibility: body.visibility,
                            },
                            &actor,
                        )
                        .map(Some),
                    }
                })?;
            application.status = decision.outcome;
            application.decision = Some(decision);
            let names = names(conn, &society.id, std::slice::from_ref(&application))?;
            let name = names
                .get(&application.person_id)
                .cloned()
                .unwrap_or_default();
            Ok((application, name))
        })
    })
    .await?;
    Ok(web::Json(view(&slug, application, name, true)))
}

/// The grant on the register: the tier's first renewal cycle from the
/// pathway version the application was assessed against, where it has one.
fn grant(
    conn: &mut DbConnection,
    society: &db::societies::Society,
    application: &Application,
    mut grant: Grant,
    actor: &str,
) -> Result<Registered, ApiError> {
    let version = db::pathways::by_number(conn, &society.id, application.pathway_version_number)?
        .ok_or_else(|| {
        ApiError::Internal(anyhow::anyhow!(
            "pathway version {} of application {} is missing",
            application.pathway_version_number,
            application.id
        ))
    })?;
    grant.cycle = version
        .pathway
        .tier(&grant.tier)
        .and_then(|tier| tier.renewal.as_ref())
        .map(|renewal| cycle_from(renewal, grant.effective))
        .transpose()?;
    let person: PersonId = application
        .person_id
        .parse()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored person id: {e}")))?;
    let granted = db::register::grant(conn, society, &person, grant, Some(actor), db::now())?;
    Ok(Registered {
        registration: granted.stored.entry.registration().as_str().to_owned(),
        valid_until: granted.stored.entry.valid_until(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(tier: &str) -> ApplicationInput {
        ApplicationInput {
            tier: tier.to_owned(),
            note: None,
            overriding: None,
            conferred: None,
        }
    }

    #[test]
    fn only_the_registrar_overrides_or_confers() {
        let mut asked = input("accredited-leader");
        asked.overriding = Some(ReasonInput {
            reason: "committee discretion".to_owned(),
        });
        assert!(matches!(
            Request::parse(asked, false),
            Err(ApiError::Forbidden)
        ));
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let mut asked = input("not a tier!");
        asked.note = Some("x".repeat(MAX_TEXT + 1));
        asked.overriding = Some(ReasonInput {
            reason: "  ".to_owned(),
        });
        let Err(ApiError::Unprocessable { errors, .. }) = Request::parse(asked, true) else {
            panic!("expected a 422");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["tier", "note", "override.reason"]);
    }
}
