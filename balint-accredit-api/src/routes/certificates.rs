//! Certificates of attendance (issued by the person or their registrar,
//! verified by anyone with the code) and the built-in CPD schemes they can
//! be judged against.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use balint_core::cpd;
use balint_core::ledger::Amount;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::actions::certificates::{self as action, IssueInput, Issued};
use crate::app::AppState;
use crate::auth::Caller;
use crate::day::Day;
use crate::db::certificates::{Certificate, InPersonOnline};
use crate::edge::{Json, Query};
use crate::error::{ApiError, Problem};
use crate::pagination::{Page, PageQuery, PageRequest};
use crate::routes::utc;

/// What to certify.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificateRequest {
    /// The period's first day (YYYY-MM-DD).
    #[schema(value_type = String, format = Date)]
    pub from: Day,
    /// The period's last day, included (YYYY-MM-DD).
    #[schema(value_type = String, format = Date)]
    pub to: Day,
    /// A CPD scheme to judge the attendance against, by id (see
    /// `/api/v1/cpd-schemes`): the certificate says it is met when it is.
    pub scheme: Option<String>,
}

/// Amounts in person, online and in all.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttendanceSplit {
    #[schema(value_type = f64)]
    pub in_person: Amount,
    #[schema(value_type = f64)]
    pub online: Amount,
    #[schema(value_type = f64)]
    pub total: Amount,
}

impl From<InPersonOnline> for AttendanceSplit {
    fn from(split: InPersonOnline) -> Self {
        Self {
            in_person: split.in_person,
            online: split.online,
            total: split.total(),
        }
    }
}

/// The CPD scheme a certificate was judged against.
#[derive(Debug, Serialize, ToSchema)]
pub struct SchemeClaim {
    pub id: String,
    pub title: String,
    /// Whether the attendance met it; the certificate says "meets" only
    /// when it did.
    pub met: bool,
}

/// A certificate of attendance: what was certified, as issued.
#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateView {
    /// The verification code: anyone can check it at
    /// `/api/v1/certificates/{code}` or on the page `/certificates/{code}`.
    pub code: String,
    /// The person, with their title, as named on the day it was issued.
    pub person_name: String,
    /// The society that keeps the records.
    pub society_name: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Group sessions attended (confirmed participation records).
    pub sessions: AttendanceSplit,
    /// Hours of 60 minutes, from each record's length.
    pub hours: AttendanceSplit,
    /// The leaders who attested the sessions.
    pub leaders: Vec<String>,
    /// The CPD scheme chosen, if any.
    pub scheme: Option<SchemeClaim>,
    pub issued_at: DateTime<Utc>,
    /// The public page that shows it (relative to the service's address).
    pub page: String,
}

impl From<Certificate> for CertificateView {
    fn from(c: Certificate) -> Self {
        let leaders = c.leader_names();
        Self {
            page: format!("/certificates/{}", c.code),
            sessions: c.sessions().into(),
            hours: c.hours().into(),
            scheme: match (c.scheme_id, c.scheme_title, c.scheme_met) {
                (Some(id), Some(title), Some(met)) => Some(SchemeClaim { id, title, met }),
                _ => None,
            },
            code: c.code,
            person_name: c.person_name,
            society_name: c.society_name,
            from: c.period_from,
            to: c.period_to,
            leaders,
            issued_at: utc(c.issued_at),
        }
    }
}

/// A certificate just issued, with the CPD scheme's assessment.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedCertificate {
    #[serde(flatten)]
    pub certificate: CertificateView,
    /// When a scheme was chosen: balint-core's assessment of the period
    /// against it (what counted, what did not and why, what is missing).
    #[schema(value_type = Option<Object>)]
    pub assessment: Option<Value>,
}

/// Issue a certificate of attendance over a period: the person themself,
/// or the registrar. It counts the person's confirmed participation
/// records dated in the period and is kept as issued, under a random
/// verification code.
#[utoipa::path(post, path = "/api/v1/societies/{society}/people/{person}/certificates", operation_id = "certificates_issue", tag = "certificates",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("person" = String, Path, description = "The person's id"),
    ),
    request_body = CertificateRequest,
    responses(
        (status = 201, description = "The certificate, issued", body = IssuedCertificate),
        (status = 400, description = "Unreadable body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither this person nor the registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society or person", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The period ends before it begins, no such scheme, or no confirmed attendance in the period", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn issue(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: Json<CertificateRequest>,
) -> Result<HttpResponse, ApiError> {
    let (slug, person_id) = path.into_inner();
    let body = body.into_inner();
    let input = IssueInput {
        from: body.from.date(),
        to: body.to.date(),
        scheme: body.scheme,
    };
    let Issued {
        certificate,
        assessment,
    } = action::issue(&state, &caller, slug, person_id, input).await?;
    let assessment = assessment
        .map(|a| serde_json::to_value(&a))
        .transpose()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("serializing an assessment: {e}")))?;
    let view = CertificateView::from(certificate);
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/certificates/{}", view.code),
        ))
        .json(IssuedCertificate {
            certificate: view,
            assessment,
        }))
}

/// The certificates issued to a person, newest first: the person
/// themself, or the registrar.
#[utoipa::path(get, path = "/api/v1/societies/{society}/people/{person}/certificates", operation_id = "certificates_list", tag = "certificates",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("person" = String, Path, description = "The person's id"),
        PageQuery,
    ),
    responses(
        (status = 200, description = "A page of certificates", body = Page<CertificateView>),
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
) -> Result<web::Json<Page<CertificateView>>, ApiError> {
    let (slug, person_id) = path.into_inner();
    let page = PageRequest::try_from(&query.into_inner())?;
    let all = action::list(&state, &caller, slug, person_id).await?;
    Ok(web::Json(page_of(all, page, CertificateView::from)))
}

/// Check a certificate of attendance by its verification code (public):
/// what was certified, as issued. An unknown code, or one that is not a
/// code at all, is 404.
#[utoipa::path(get, path = "/api/v1/certificates/{code}", operation_id = "certificates_verify", tag = "certificates",
    params(("code" = String, Path, description = "The verification code, e.g. `3F9A-0C12-77D0-A1B2-C3D4-E5F6` (case and separators do not matter)")),
    responses(
        (status = 200, description = "The certificate", body = CertificateView),
        (status = 404, description = "No certificate has this code", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn verify(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<web::Json<CertificateView>, ApiError> {
    let certificate = action::verify(&state, path.into_inner()).await?;
    Ok(web::Json(CertificateView::from(certificate)))
}

/// A built-in CPD scheme, as listed.
#[derive(Debug, Serialize, ToSchema)]
pub struct CpdSchemeSummary {
    /// Its id, e.g. `aek-psychosomatic-basic-care`.
    pub id: String,
    pub title: String,
    /// Who sets its rules.
    pub body: String,
    pub description: Option<String>,
}

/// A built-in CPD scheme with its document.
#[derive(Debug, Serialize, ToSchema)]
pub struct CpdSchemeView {
    #[serde(flatten)]
    pub summary: CpdSchemeSummary,
    /// The scheme document (JSON): the kinds that count, the unit, the
    /// minimum, in person, the span.
    #[schema(value_type = Object)]
    pub document: Value,
    /// The shipped TOML file, with its comments on where the figures come
    /// from.
    pub source: String,
}

fn scheme_of(preset: &cpd::presets::SchemePreset) -> Result<cpd::CpdScheme, ApiError> {
    preset
        .try_scheme()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("CPD scheme {}: {e}", preset.id)))
}

fn summary(scheme: &cpd::CpdScheme) -> CpdSchemeSummary {
    CpdSchemeSummary {
        id: scheme.id().as_str().to_owned(),
        title: scheme.title().to_owned(),
        body: scheme.body().to_owned(),
        description: scheme.description().map(str::to_owned),
    }
}

/// List the built-in CPD schemes (public), in a fixed order.
#[utoipa::path(get, path = "/api/v1/cpd-schemes", operation_id = "cpd_schemes_list", tag = "certificates",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of CPD schemes", body = Page<CpdSchemeSummary>),
        (status = 400, description = "Invalid paging", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn schemes(
    query: Query<PageQuery>,
) -> Result<web::Json<Page<CpdSchemeSummary>>, ApiError> {
    let page = PageRequest::try_from(&query.into_inner())?;
    let all = cpd::presets::all()
        .iter()
        .map(scheme_of)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(web::Json(page_of(all, page, |s| summary(&s))))
}

/// One built-in CPD scheme with its document (public).
#[utoipa::path(get, path = "/api/v1/cpd-schemes/{id}", operation_id = "cpd_schemes_show", tag = "certificates",
    params(("id" = String, Path, description = "The scheme's id, e.g. `aek-psychosomatic-basic-care`")),
    responses(
        (status = 200, description = "The scheme", body = CpdSchemeView),
        (status = 404, description = "No such scheme", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn scheme(path: web::Path<String>) -> Result<web::Json<CpdSchemeView>, ApiError> {
    let id = path.into_inner();
    let preset =
        cpd::presets::get(&id).ok_or_else(|| ApiError::NotFound(format!("CPD scheme {id}")))?;
    let scheme = scheme_of(&preset)?;
    let document = serde_json::to_value(&scheme)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("serializing a scheme: {e}")))?;
    Ok(web::Json(CpdSchemeView {
        summary: summary(&scheme),
        document,
        source: preset.source.to_owned(),
    }))
}

/// One page of a list held in memory.
fn page_of<T, U>(all: Vec<T>, page: PageRequest, f: impl FnMut(T) -> U) -> Page<U> {
    let total = i64::try_from(all.len()).unwrap_or(i64::MAX);
    let skip = usize::try_from(page.offset()).unwrap_or(usize::MAX);
    let take = usize::try_from(page.limit()).unwrap_or(usize::MAX);
    let items = all.into_iter().skip(skip).take(take).map(f).collect();
    Page::new(items, page, total)
}
