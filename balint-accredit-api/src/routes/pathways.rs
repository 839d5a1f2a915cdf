//! A society's pathway: the rules as data, uploaded as numbered versions.
//! Reading is public (the rules are not secret); uploading is for the
//! society's registrar.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::actions::pathways::{self, read_document, DocumentFormat};
use crate::app::AppState;
use crate::auth::Caller;
use crate::day::Day;
use crate::db::{pathways::PathwayVersion, pathways::VersionSummary};
use crate::edge::{Json, Query};
use crate::error::{ApiError, Problem};
use crate::pagination::{Page, PageQuery, PageRequest};
use crate::routes::utc;

/// One version of a society's pathway, without the document.
#[derive(Debug, Serialize, ToSchema)]
pub struct PathwayVersionSummary {
    /// 1, 2, 3... within the society, in upload order.
    pub number: i32,
    /// The document's `id`, e.g. `bsanz-leader`.
    pub pathway_id: String,
    pub title: String,
    /// The document's `version`, e.g. `2016/2020`.
    pub version_label: String,
    /// From this day the version applies to people entering the pathway.
    pub effective_from: NaiveDate,
    /// The built-in pathway this version was adopted from, if any.
    pub preset: Option<String>,
    pub uploaded_at: DateTime<Utc>,
    /// The login that uploaded it.
    pub uploaded_by: Option<String>,
}

impl From<VersionSummary> for PathwayVersionSummary {
    fn from(v: VersionSummary) -> Self {
        Self {
            number: v.number,
            pathway_id: v.pathway_id,
            title: v.title,
            version_label: v.version_label,
            effective_from: v.effective_from,
            preset: v.preset,
            uploaded_at: utc(v.uploaded_at),
            uploaded_by: v.uploaded_by,
        }
    }
}

/// One version of a society's pathway with its full document.
#[derive(Debug, Serialize, ToSchema)]
pub struct PathwayVersionView {
    #[serde(flatten)]
    pub summary: PathwayVersionSummary,
    /// The validated pathway document (JSON), as uploaded.
    #[schema(value_type = Object)]
    pub document: Value,
}

impl TryFrom<PathwayVersion> for PathwayVersionView {
    type Error = ApiError;

    fn try_from(v: PathwayVersion) -> Result<Self, ApiError> {
        let document = serde_json::to_value(&v.pathway)
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("serializing a pathway: {e}")))?;
        Ok(Self {
            summary: v.summary.into(),
            document,
        })
    }
}

/// Adopt one of the built-in pathways (`GET /api/v1/pathway-presets`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdoptPreset {
    /// The preset's id, e.g. `bsanz-leader`.
    pub preset: String,
    /// The day the adopted rules apply from (YYYY-MM-DD, 1900-01-01 to 2199-12-31);
    /// default the preset's own date.
    #[schema(value_type = Option<String>, format = Date)]
    pub effective_from: Option<Day>,
}

fn format_of(req: &HttpRequest) -> Result<DocumentFormat, ApiError> {
    let essence = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    match essence.as_deref() {
        Some("application/json") => Ok(DocumentFormat::Json),
        Some(other) if other.ends_with("+json") => Ok(DocumentFormat::Json),
        Some("application/toml") => Ok(DocumentFormat::Toml),
        _ => Err(ApiError::bad_request(
            "body",
            "the body must be a pathway document (Content-Type: application/json or application/toml)",
        )),
    }
}

fn created(slug: &str, stored: PathwayVersion) -> Result<HttpResponse, ApiError> {
    let location = format!(
        "/api/v1/societies/{slug}/pathway/versions/{}",
        stored.summary.number
    );
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .json(PathwayVersionView::try_from(stored)?))
}

/// Upload a new version of the society's pathway (registrar or platform
/// administrator).
///
/// The body is a pathway document, as JSON (`application/json`) or TOML
/// (`application/toml`). It is validated in full: a document that breaks a
/// rule is refused (422) with every problem, each with its path in the
/// document as `field` (empty for the whole document). The document's
/// `society` must be this society's slug, its `effective_from` a day from
/// 1900-01-01 to 2199-12-31, and no text in it may hold a NUL character. The new version gets the next
/// number (1, 2, 3...); older versions stay readable.
#[utoipa::path(put, path = "/api/v1/societies/{society}/pathway", tag = "pathways",
    security(("bearer" = [])),
    params(("society" = String, Path, description = "The society's slug")),
    request_body(description = "A pathway document", content(
        (Object = "application/json"),
        (String = "application/toml"),
    )),
    responses(
        (status = 201, description = "Stored as the next version", body = PathwayVersionView),
        (status = 400, description = "Not JSON or TOML, or unreadable", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not this society's registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The document is too large", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The document breaks rules: every problem, by path", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn upload(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let slug = path.into_inner();
    let publisher = pathways::publisher(&state, &caller, slug).await?;
    let format = format_of(&req)?;
    let limit = state.settings.json_limit_bytes;
    let body = payload
        .to_bytes_limited(limit)
        .await
        .map_err(|_| ApiError::PayloadTooLarge { limit })?
        .map_err(|e| ApiError::bad_request("body", e.to_string()))?;
    let pathway = read_document(format, &body, &publisher.society.slug)?;
    let slug = publisher.society.slug.clone();
    let stored = pathways::publish(&state, publisher, pathway, None).await?;
    created(&slug, stored)
}

/// Adopt a built-in pathway as the society's next version (registrar or
/// platform administrator). The preset's document is stored with `society`
/// set to this society and, if given, the new `effective_from`.
#[utoipa::path(post, path = "/api/v1/societies/{society}/pathway/adopt", tag = "pathways",
    security(("bearer" = [])),
    params(("society" = String, Path, description = "The society's slug")),
    request_body = AdoptPreset,
    responses(
        (status = 201, description = "Stored as the next version", body = PathwayVersionView),
        (status = 400, description = "Unreadable body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not this society's registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No such preset", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn adopt(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: Json<AdoptPreset>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let (society, stored) = pathways::adopt(
        &state,
        &caller,
        path.into_inner(),
        &body.preset,
        body.effective_from,
    )
    .await?;
    created(&society.slug, stored)
}

/// The society's current pathway (public): the version that applies to
/// someone entering the pathway today, i.e. the latest version whose
/// `effective_from` is on or before today (among versions with the same
/// date, the one uploaded last). If every version takes effect in the
/// future, the earliest of them.
#[utoipa::path(get, path = "/api/v1/societies/{society}/pathway", tag = "pathways",
    params(("society" = String, Path, description = "The society's slug")),
    responses(
        (status = 200, description = "The current version", body = PathwayVersionView),
        (status = 404, description = "No such society, or it has no pathway yet", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn current(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<web::Json<PathwayVersionView>, ApiError> {
    let found = pathways::current(&state, path.into_inner(), Utc::now().date_naive()).await?;
    Ok(web::Json(found.try_into()?))
}

/// Every version of the society's pathway, newest first (public).
#[utoipa::path(get, path = "/api/v1/societies/{society}/pathway/versions", tag = "pathways",
    params(("society" = String, Path, description = "The society's slug"), PageQuery),
    responses(
        (status = 200, description = "A page of versions, highest number first", body = Page<PathwayVersionSummary>),
        (status = 400, description = "Invalid paging", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn versions(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: Query<PageQuery>,
) -> Result<web::Json<Page<PathwayVersionSummary>>, ApiError> {
    let page = PageRequest::try_from(&query.into_inner())?;
    let found = pathways::versions(&state, path.into_inner(), page).await?;
    Ok(web::Json(found.map(PathwayVersionSummary::from)))
}

/// One version of the society's pathway with its document (public).
#[utoipa::path(get, path = "/api/v1/societies/{society}/pathway/versions/{number}", tag = "pathways",
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("number" = i32, Path, description = "The version number, from 1"),
    ),
    responses(
        (status = 200, description = "The version", body = PathwayVersionView),
        (status = 400, description = "The number is not a number", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society or version", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn version(
    state: web::Data<AppState>,
    path: web::Path<(String, i32)>,
) -> Result<web::Json<PathwayVersionView>, ApiError> {
    let (slug, number) = path.into_inner();
    let found = pathways::version(&state, slug, number).await?;
    Ok(web::Json(found.try_into()?))
}
