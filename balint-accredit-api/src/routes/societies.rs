//! Societies: created by platform administrators, listed publicly.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use validator::{Validate, ValidationError};

use crate::app::AppState;
use crate::auth::{permissions, Caller};
use crate::db::{self, audit, societies::Society};
use crate::edge::{Json, Query};
use crate::error::{ApiError, Problem};
use crate::pagination::{Page, PageQuery, PageRequest};
use crate::routes::{utc, validated};

/// A new society.
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct CreateSociety {
    /// Short lowercase name used in URLs, e.g. `bsanz`: 2 to 32 letters,
    /// digits or `-`, starting with a letter.
    #[validate(custom(function = "check_slug"))]
    pub slug: String,
    /// Full name.
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    /// Country or region served.
    #[validate(length(min = 1, max = 100))]
    pub country: Option<String>,
}

fn check_slug(slug: &str) -> Result<(), ValidationError> {
    let ok = (2..=32).contains(&slug.len())
        && slug.starts_with(|c: char| c.is_ascii_lowercase())
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(ValidationError::new("slug").with_message(
            "must be 2 to 32 lowercase letters, digits or '-', starting with a letter".into(),
        ))
    }
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
    let actor = permissions::require_platform_admin(&caller)?
        .user_id
        .clone();
    let body = validated(body.into_inner())?;
    let society = Society {
        id: uuid::Uuid::new_v4().to_string(),
        slug: body.slug,
        name: body.name,
        country: body.country,
        created_at: db::now(),
    };
    let stored = society.clone();
    db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            db::societies::insert(conn, &stored)?;
            audit::record(
                conn,
                audit::Change {
                    actor_user_id: Some(&actor),
                    society_id: Some(&stored.id),
                    action: audit::Action::Create,
                    entity: audit::Entity::Society,
                    entity_id: &stored.id,
                    before: None,
                    after: Some(json!({
                        "slug": stored.slug, "name": stored.name, "country": stored.country,
                    })),
                    at: stored.created_at,
                },
            )?;
            Ok(())
        })
    })
    .await?;
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
    let found = db::run(&state.pool, move |conn| {
        Ok(db::societies::list(conn, page)?)
    })
    .await?;
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
    let society = db::run(&state.pool, move |conn| db::societies::by_slug(conn, &slug)).await?;
    Ok(web::Json(SocietyView::from(society)))
}
