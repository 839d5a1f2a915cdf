//! Societies: created by platform administrators, listed publicly.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::actions::retention;
use crate::actions::societies::{self, NewSociety};
use crate::app::AppState;
use crate::auth::Caller;
use crate::db::societies::Society;
use crate::edge::{Json, Query};
use crate::error::{ApiError, Problem};
use crate::pagination::{Page, PageQuery, PageRequest};
use crate::routes::utc;

/// A new society.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateSociety {
    /// Short lowercase name used in URLs, e.g. `bsanz`: 2 to 32 letters,
    /// digits or `-`, starting with a letter.
    pub slug: String,
    /// Full name.
    pub name: String,
    /// Country or region served.
    pub country: Option<String>,
}

/// A society, as everyone may see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SocietyView {
    pub slug: String,
    pub name: String,
    pub country: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<Society> for SocietyView {
    fn from(s: Society) -> Self {
        Self {
            slug: s.slug,
            name: s.name,
            country: s.country,
            created_at: utc(s.created_at),
        }
    }
}

/// Create a society (platform administrators).
#[utoipa::path(post, path = "/api/v1/societies", operation_id = "societies_create", tag = "societies",
    security(("bearer" = [])),
    request_body = CreateSociety,
    responses(
        (status = 201, description = "Created", body = SocietyView),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a platform administrator", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The slug is taken", body = Problem, content_type = "application/problem+json"),
        (status = 400, description = "Unreadable body, or not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<CreateSociety>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let new = NewSociety {
        slug: body.slug,
        name: body.name,
        country: body.country,
    };
    let society = societies::create(&state, &caller, new).await?;
    let location = format!("/api/v1/societies/{}", society.slug);
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .json(SocietyView::from(society)))
}

/// List societies (public), ordered by slug.
#[utoipa::path(get, path = "/api/v1/societies", operation_id = "societies_list", tag = "societies",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of societies", body = Page<SocietyView>),
        (status = 400, description = "Invalid paging", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    state: web::Data<AppState>,
    query: Query<PageQuery>,
) -> Result<web::Json<Page<SocietyView>>, ApiError> {
    let page = PageRequest::try_from(&query.into_inner())?;
    let found = societies::list(&state, page).await?;
    Ok(web::Json(found.map(SocietyView::from)))
}

/// One society by slug (public).
#[utoipa::path(get, path = "/api/v1/societies/{society}", operation_id = "societies_show", tag = "societies",
    params(("society" = String, Path, description = "The society's slug")),
    responses(
        (status = 200, description = "The society", body = SocietyView),
        (status = 404, description = "No such society", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn show(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<web::Json<SocietyView>, ApiError> {
    let slug = path.into_inner();
    let society = crate::actions::society(&state, slug).await?;
    Ok(web::Json(SocietyView::from(society)))
}

/// A society's own details, shown on its public pages.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProfileView {
    /// The society's slug.
    pub society: String,
    /// Its full name.
    pub name: String,
    /// Where people write to it.
    pub contact_email: Option<String>,
    /// Its website.
    pub website: Option<String>,
    /// A telephone number.
    pub phone: Option<String>,
    /// Where its logo is served (a page of this site), when it has one.
    pub logo_url: Option<String>,
}

impl ProfileView {
    fn new(society: Society, profile: crate::db::society_profiles::Profile) -> Self {
        let logo_url = profile
            .logo
            .is_some()
            .then(|| format!("/societies/{}/logo", society.slug));
        Self {
            society: society.slug,
            name: society.name,
            contact_email: profile.contact_email,
            website: profile.website,
            phone: profile.phone,
            logo_url,
        }
    }
}

/// A society's details as its registrar sets them; an empty or missing
/// field clears it. The logo is set on the registrar's page.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileInput {
    /// An email address.
    #[serde(default)]
    pub contact_email: Option<String>,
    /// A web address (https or http), at most 500 characters.
    #[serde(default)]
    pub website: Option<String>,
    /// At most 40 characters.
    #[serde(default)]
    pub phone: Option<String>,
}

/// A society's own details (public).
#[utoipa::path(get, path = "/api/v1/societies/{society}/profile", operation_id = "societies_profile", tag = "societies",
    params(("society" = String, Path, description = "The society's slug")),
    responses(
        (status = 200, description = "The society's details", body = ProfileView),
        (status = 404, description = "No such society", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn profile(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<web::Json<ProfileView>, ApiError> {
    let (society, profile) = societies::profile(&state, path.into_inner()).await?;
    Ok(web::Json(ProfileView::new(society, profile)))
}

/// Set a society's own details (its registrar); the logo is kept.
#[utoipa::path(put, path = "/api/v1/societies/{society}/profile", operation_id = "societies_profile_set", tag = "societies",
    security(("bearer" = [])),
    params(("society" = String, Path, description = "The society's slug")),
    request_body = ProfileInput,
    responses(
        (status = 200, description = "The society's details as they now are", body = ProfileView),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not this society's registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society", body = Problem, content_type = "application/problem+json"),
        (status = 400, description = "Unreadable body, or not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, every one named", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn set_profile(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: Json<ProfileInput>,
) -> Result<web::Json<ProfileView>, ApiError> {
    let body = body.into_inner();
    let (society, profile) = societies::change_profile(
        &state,
        &caller,
        path.into_inner(),
        societies::ProfileInput {
            contact_email: body.contact_email.unwrap_or_default(),
            website: body.website.unwrap_or_default(),
            phone: body.phone.unwrap_or_default(),
            logo: societies::LogoChange::Keep,
        },
    )
    .await?;
    Ok(web::Json(ProfileView::new(society, profile)))
}

/// How long a society keeps what is not a record of it, in days; empty
/// (`null`) where the server's default applies.
#[derive(Debug, Serialize, ToSchema)]
pub struct RetentionView {
    /// The society's slug.
    pub society: String,
    /// Days a login of the society that never signed in is kept after it
    /// was made; `null`: the server's default (which keeps it unless the
    /// operator set one).
    pub unused_logins_days: Option<u32>,
    /// Days a session of one of its logins is kept after it ended;
    /// `null`: the server's default (30 unless the operator set another).
    pub sessions_days: Option<u32>,
    /// Days an event the society told (and a webhook delivery of it, with
    /// its tries) is kept after it was told; `null`: the server's default
    /// (which keeps them unless the operator set one).
    pub notifications_days: Option<u32>,
    /// When the registrar last set them; `null` if never.
    pub updated_at: Option<DateTime<Utc>>,
}

impl RetentionView {
    fn new(society: Society, periods: retention::SocietyRetention) -> Self {
        Self {
            society: society.slug,
            unused_logins_days: periods.unused_logins_days,
            sessions_days: periods.sessions_days,
            notifications_days: periods.notifications_days,
            updated_at: periods.updated_at.map(utc),
        }
    }
}

/// A society's retention periods as its registrar sets them: each from 1
/// to 3650 days, or `null` (or missing) for the server's default. A login
/// in several societies is kept as long as the longest of their periods.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetentionInput {
    /// Days a login that never signed in is kept after it was made.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 3650)]
    pub unused_logins_days: Option<u32>,
    /// Days a session is kept after it ended.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 3650)]
    pub sessions_days: Option<u32>,
    /// Days an event told, and a finished webhook delivery, are kept.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 3650)]
    pub notifications_days: Option<u32>,
}

/// How long the society keeps what is not a record (its registrar):
/// logins never used, sessions that ended and what it told (events and
/// webhook deliveries). `balint-accredit retention`
/// applies it.
#[utoipa::path(get, path = "/api/v1/societies/{society}/retention", operation_id = "societies_retention", tag = "societies",
    security(("bearer" = [])),
    params(("society" = String, Path, description = "The society's slug")),
    responses(
        (status = 200, description = "The society's retention periods", body = RetentionView),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not this society's registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn retention(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<web::Json<RetentionView>, ApiError> {
    let (society, periods) = retention::settings(&state, &caller, path.into_inner()).await?;
    Ok(web::Json(RetentionView::new(society, periods)))
}

/// Set how long the society keeps what is not a record (its registrar).
#[utoipa::path(put, path = "/api/v1/societies/{society}/retention", operation_id = "societies_retention_set", tag = "societies",
    security(("bearer" = [])),
    params(("society" = String, Path, description = "The society's slug")),
    request_body = RetentionInput,
    responses(
        (status = 200, description = "The retention periods as they now are", body = RetentionView),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not this society's registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society", body = Problem, content_type = "application/problem+json"),
        (status = 400, description = "Unreadable body, or not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A period out of range, every one named", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn set_retention(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: Json<RetentionInput>,
) -> Result<web::Json<RetentionView>, ApiError> {
    let body = body.into_inner();
    let (society, periods) = retention::change_settings(
        &state,
        &caller,
        path.into_inner(),
        retention::Periods {
            unused_logins_days: body.unused_logins_days,
            sessions_days: body.sessions_days,
            notifications_days: body.notifications_days,
        },
    )
    .await?;
    Ok(web::Json(RetentionView::new(society, periods)))
}
