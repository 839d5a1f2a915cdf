//! A person's secret calendar feed link (iCalendar, RFC 5545, of their
//! groups' sessions): made (shown once), shown whether in use, revoked; the
//! person themself only. The same actions as the page
//! `/societies/{society}/people/{person}/calendar`.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::actions::calendars;
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::routes::utc;

/// A calendar feed link just made: the only time its address is shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarLinkMade {
    /// The feed's address, relative to the service's: `/calendar/{token}.ics`.
    /// Anyone with it reads the person's group sessions without signing in,
    /// so it is shown this once (only its hash is kept).
    pub feed: String,
    pub made_at: DateTime<Utc>,
}

/// Whether a person's calendar feed link is in use.
#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarLink {
    /// Whether a link is in use; its address cannot be shown again (make a
    /// new one to see one).
    pub in_use: bool,
    /// When the link in use was made.
    pub made_at: Option<DateTime<Utc>>,
}

/// Make the person's calendar feed link (the person themself): a new
/// secret address, shown once; the link in use before, if any, stops
/// working.
#[utoipa::path(post, path = "/api/v1/societies/{society}/people/{person}/calendar", operation_id = "calendar_make", tag = "groups",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("person" = String, Path, description = "The person's id"),
    ),
    responses(
        (status = 201, description = "The new link, shown this once", body = CalendarLinkMade),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not this person (the link is the person's own secret: the registrar too is refused)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society, or no role in it", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn make(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, person) = path.into_inner();
    let (_, token, made_at) = calendars::make(&state, &caller, slug, person).await?;
    let feed = format!("/calendar/{token}.ics");
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(CalendarLinkMade {
            feed,
            made_at: utc(made_at),
        }))
}

/// Whether the person's calendar feed link is in use, and since when (the
/// person themself).
#[utoipa::path(get, path = "/api/v1/societies/{society}/people/{person}/calendar", operation_id = "calendar_show", tag = "groups",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("person" = String, Path, description = "The person's id"),
    ),
    responses(
        (status = 200, description = "Whether a link is in use", body = CalendarLink),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not this person", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society, or no role in it", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn show(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<web::Json<CalendarLink>, ApiError> {
    let (slug, person) = path.into_inner();
    let (_, feed) = calendars::current(&state, &caller, slug, person).await?;
    Ok(web::Json(CalendarLink {
        in_use: feed.is_some(),
        made_at: feed.map(|f| utc(f.created_at)),
    }))
}

/// Revoke the person's calendar feed link (the person themself):
/// calendars subscribed to it get nothing more.
#[utoipa::path(delete, path = "/api/v1/societies/{society}/people/{person}/calendar", operation_id = "calendar_revoke", tag = "groups",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("person" = String, Path, description = "The person's id"),
    ),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not this person", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society, or no link in use", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn revoke(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, person) = path.into_inner();
    if calendars::revoke(&state, &caller, slug, person).await? {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(ApiError::NotFound("calendar link in use".to_owned()))
    }
}
