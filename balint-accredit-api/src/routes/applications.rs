//! Applications for a tier and the registrar's decisions on them, over
//! JSON: the requests and views of [`crate::actions::applications`].

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use balint_core::register::Visibility;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::actions::applications::{self, ApplicationRequest, DecisionRequest, Named, Outcome};
use crate::app::AppState;
use crate::auth::Caller;
use crate::day::Day;
use crate::db::{self, applications::Status};
use crate::edge::{Json, Query};
use crate::error::{ApiError, FieldProblem, Problem};
use crate::pagination::{Page, PageQuery, PageRequest};
use crate::routes::utc;

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

fn view(slug: &str, named: Named, with_assessment: bool) -> ApplicationView {
    let tier_name = named.tier_name().to_owned();
    let Named {
        application,
        person_name,
    } = named;
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

fn page_view(slug: &str, page: Page<Named>) -> Page<ApplicationView> {
    page.map(|named| view(slug, named, false))
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
    let (slug, person_id) = path.into_inner();
    let body = body.into_inner();
    let request = ApplicationRequest {
        tier: body.tier,
        note: body.note,
        overriding: body.overriding.map(|o| o.reason),
        conferred: body.conferred.map(|c| c.reason),
    };
    let applied = applications::apply(&state, &caller, slug, person_id, request).await?;
    let location = format!(
        "/api/v1/societies/{}/applications/{}",
        applied.society.slug, applied.named.application.id
    );
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .json(view(&applied.society.slug, applied.named, true)))
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
    let (slug, person_id) = path.into_inner();
    let listed = applications::for_person(&state, &caller, slug, person_id, query.parse()).await?;
    Ok(web::Json(page_view(&listed.society.slug, listed.page)))
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
    let listed =
        applications::for_society(&state, &caller, path.into_inner(), query.parse()).await?;
    Ok(web::Json(page_view(&listed.society.slug, listed.page)))
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
    let (slug, id) = path.into_inner();
    let shown = applications::one(&state, &caller, slug, id).await?;
    Ok(web::Json(view(&shown.society.slug, shown.named, true)))
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
    let (slug, id) = path.into_inner();
    let body = body.into_inner();
    let request = DecisionRequest {
        outcome: match body.decision {
            DecisionKind::Grant => Outcome::Grant,
            DecisionKind::Decline => Outcome::Decline,
        },
        effective: body.effective.date(),
        reason: body.reason,
        visibility: body.visibility,
    };
    let (society, named) = applications::decide(&state, &caller, slug, id, request).await?;
    Ok(web::Json(view(&society.slug, named, true)))
}
