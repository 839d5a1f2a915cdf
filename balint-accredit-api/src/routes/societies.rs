//! Societies: created by platform administrators, listed publicly.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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
