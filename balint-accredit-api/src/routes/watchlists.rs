//! Watchlists of a signed-in caller: registration numbers of a society's
//! register watched, told by e-mail or by a signed webhook when one
//! changes status. Any login may have them; each sees only its own.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::actions::watchlists::{self, Change, Shown, Told, WatchlistInput};
use crate::app::AppState;
use crate::auth::Caller;
use crate::edge::Json;
use crate::error::{ApiError, FieldProblem, Problem};
use crate::routes::utc;

/// A new watchlist: an e-mail address or a webhook URL, not both.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWatchlist {
    /// The society (its slug) whose register it watches.
    pub society: String,
    /// Told by e-mail to this address: the login's own at once, another
    /// once it is confirmed by the link sent to it.
    pub email: Option<String>,
    /// Told by webhook to this http or https URL (not on a loopback or
    /// private address), signed per the Standard Webhooks specification
    /// with the secret answered.
    pub url: Option<String>,
    /// The registration numbers, at least one, at most 500; each on the
    /// society's public register.
    pub registrations: Vec<String>,
}

/// Numbers to watch too.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddNumbers {
    /// The registration numbers, each on the society's public register.
    pub registrations: Vec<String>,
}

/// A watchlist.
#[derive(Debug, Serialize, ToSchema)]
pub struct WatchlistView {
    pub id: String,
    /// The society's slug.
    pub society: String,
    /// The address told, for an e-mail watchlist.
    pub email: Option<String>,
    /// The URL told, for a webhook watchlist.
    pub url: Option<String>,
    /// The webhook's signing secret (`whsec_...`), answered once, when it
    /// is made.
    pub secret: Option<String>,
    /// Whether it is told (an address not confirmed is told nothing).
    pub confirmed: bool,
    /// The numbers watched, in order.
    pub registrations: Vec<String>,
    pub created_at: DateTime<Utc>,
}

impl From<Shown> for WatchlistView {
    fn from(s: Shown) -> Self {
        Self {
            id: s.watchlist.id,
            society: s.society.slug,
            email: s.watchlist.email,
            url: s.url,
            secret: s.secret,
            confirmed: s.watchlist.confirmed_at.is_some(),
            registrations: s.registrations,
            created_at: utc(s.watchlist.created_at),
        }
    }
}

/// The caller's watchlists.
#[derive(Debug, Serialize, ToSchema)]
pub struct WatchlistList {
    /// Oldest first.
    pub items: Vec<WatchlistView>,
}

/// Watch registration numbers of a society's register (any signed-in
/// caller). The alerts tell only what the public register shows: the
/// number, the name as published, the new status, the day, the public
/// reason where there is one, and the public entry's link.
#[utoipa::path(post, path = "/api/v1/watchlists", operation_id = "watchlists_create", tag = "watchlists",
    security(("bearer" = [])),
    request_body = CreateWatchlist,
    responses(
        (status = 201, description = "The watchlist (a webhook's with its secret)", body = WatchlistView),
        (status = 400, description = "Unreadable body, or not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Neither or both of an address and a URL, a URL refused, or numbers not on the register (each named)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "The address was sent its confirmations for today", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<CreateWatchlist>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let told = match (body.email, body.url) {
        (Some(email), None) => Told::Email(email),
        (None, Some(url)) => Told::Webhook(url),
        _ => {
            return Err(ApiError::Unprocessable {
                detail: "a watchlist is told by e-mail or by webhook".to_owned(),
                errors: vec![FieldProblem::new(
                    "email",
                    "give an e-mail address or a webhook URL, not both",
                )],
            })
        }
    };
    let shown = watchlists::create(
        &state,
        &caller,
        WatchlistInput {
            society: body.society,
            told,
            registrations: body.registrations,
        },
    )
    .await?;
    Ok(HttpResponse::Created().json(WatchlistView::from(shown)))
}

/// The caller's watchlists, oldest first.
#[utoipa::path(get, path = "/api/v1/watchlists", operation_id = "watchlists_list", tag = "watchlists",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's watchlists", body = WatchlistList),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<WatchlistList>, ApiError> {
    let items = watchlists::mine(&state, &caller).await?;
    Ok(web::Json(WatchlistList {
        items: items.into_iter().map(WatchlistView::from).collect(),
    }))
}

/// One of the caller's watchlists.
#[utoipa::path(get, path = "/api/v1/watchlists/{watchlist}", operation_id = "watchlists_show", tag = "watchlists",
    security(("bearer" = [])),
    params(("watchlist" = String, Path, description = "The watchlist's id")),
    responses(
        (status = 200, description = "The watchlist", body = WatchlistView),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such watchlist of the caller's", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn show(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<web::Json<WatchlistView>, ApiError> {
    let shown = watchlists::one(&state, &caller, path.into_inner()).await?;
    Ok(web::Json(shown.into()))
}

/// Stop watching: delete one of the caller's watchlists.
#[utoipa::path(delete, path = "/api/v1/watchlists/{watchlist}", operation_id = "watchlists_delete", tag = "watchlists",
    security(("bearer" = [])),
    params(("watchlist" = String, Path, description = "The watchlist's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such watchlist of the caller's", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    watchlists::delete(&state, &caller, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Watch more numbers (those watched already are no change).
#[utoipa::path(post, path = "/api/v1/watchlists/{watchlist}/registrations", operation_id = "watchlists_add", tag = "watchlists",
    security(("bearer" = [])),
    params(("watchlist" = String, Path, description = "The watchlist's id")),
    request_body = AddNumbers,
    responses(
        (status = 200, description = "The watchlist", body = WatchlistView),
        (status = 400, description = "Unreadable body, or not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such watchlist of the caller's", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Numbers not on the register (each named), or more than 500 in all", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn add(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: Json<AddNumbers>,
) -> Result<web::Json<WatchlistView>, ApiError> {
    let shown = watchlists::change(
        &state,
        &caller,
        path.into_inner(),
        Change::Add(body.into_inner().registrations),
    )
    .await?;
    Ok(web::Json(shown.into()))
}

/// Stop watching one number.
#[utoipa::path(delete, path = "/api/v1/watchlists/{watchlist}/registrations/{registration}", operation_id = "watchlists_remove", tag = "watchlists",
    security(("bearer" = [])),
    params(
        ("watchlist" = String, Path, description = "The watchlist's id"),
        ("registration" = String, Path, description = "The registration number"),
    ),
    responses(
        (status = 200, description = "The watchlist", body = WatchlistView),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such watchlist of the caller's, or it does not watch the number", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<web::Json<WatchlistView>, ApiError> {
    let (id, registration) = path.into_inner();
    let shown = watchlists::change(&state, &caller, id, Change::Remove(registration)).await?;
    Ok(web::Json(shown.into()))
}
