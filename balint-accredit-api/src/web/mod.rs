//! The web pages, served from the same binary as the API: the public
//! register, entries and verification; signing in; a trainee's progress and
//! ledger; an attestor's queue; Balint groups and the leader's session
//! form; a registrar's dashboard.
//!
//! Pages are rendered on the server (no script is needed for anything) and
//! everything they load is served by the binary. Handlers here are
//! adapters: they read a query or a form, call the same API handlers,
//! queries and permission checks (`auth::permissions`) as the JSON API, and
//! render the answer, so no rule is written twice.

mod account;
mod assets;
mod attestor;
mod calendars;
mod certificates;
pub mod dates;
mod groups;
mod layout;
mod mail;
mod multipart;
pub(crate) mod plans;
mod public;
mod registrar;
pub mod session;
pub(crate) mod trainee;
mod watch;

use std::collections::BTreeMap;
use std::fmt;

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use chrono::NaiveDate;
use maud::{html, Markup};

use crate::db::{self, societies::Society, DbConnection};
use crate::error::ApiError;

pub use public::not_found;
pub use session::Viewer;

/// Register every page, area by area. Each path is one resource holding
/// its routes by method, so another method is answered 405 (drawn as a
/// page by `crate::conventions`). The public register's paths come first:
/// a new page must not take a path they match (e.g.
/// `/societies/{society}/register/{registration}`).
pub fn configure(cfg: &mut web::ServiceConfig) {
    public::configure(cfg);
    account::configure(cfg);
    trainee::configure(cfg);
    attestor::configure(cfg);
    certificates::configure(cfg);
    calendars::configure(cfg);
    plans::configure(cfg);
    groups::configure(cfg);
    mail::configure(cfg);
    watch::configure(cfg);
    registrar::configure(cfg);
}

/// Why a page cannot be shown.
#[derive(Debug)]
pub enum PageError {
    /// What the API would have answered.
    Api(ApiError),
    /// A form without this session's CSRF token.
    Csrf,
}

/// An API error, or a use case's own refusal as the API answers it (the
/// one mapping, `crate::error`): drawn by `error_page`.
impl<E: Into<ApiError>> From<E> for PageError {
    fn from(e: E) -> Self {
        Self::Api(e.into())
    }
}

impl fmt::Display for PageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Api(e) => write!(f, "{e}"),
            Self::Csrf => f.write_str("the form's CSRF token is missing or wrong"),
        }
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Api(e) => e.status_code(),
            Self::Csrf => StatusCode::FORBIDDEN,
        }
    }

    // Only reached when the viewer could not be read (the database is
    // away): the page is drawn for an anonymous viewer.
    fn error_response(&self) -> HttpResponse {
        error_page(&Viewer::anonymous(), self)
    }
}

/// A page's answer, or its error drawn as a page for `viewer`. A page that
/// needs a signed-in viewer sends an anonymous one to the sign-in form and
/// back.
pub fn finish(
    req: &HttpRequest,
    viewer: &Viewer,
    result: Result<HttpResponse, PageError>,
) -> HttpResponse {
    match result {
        Ok(response) => response,
        Err(PageError::Api(ApiError::Unauthenticated)) => {
            // A form sent after the session ended cannot be sent again from
            // the sign-in page: go back to the signed-in start instead.
            let next = match (
                req.method() == actix_web::http::Method::GET,
                req.query_string(),
            ) {
                (false, _) => "/me".to_owned(),
                (true, "") => req.path().to_owned(),
                (true, query) => format!("{}?{query}", req.path()),
            };
            see_other(&format!("/login?next={}", encode(&next)))
        }
        Err(e) => error_page(viewer, &e),
    }
}

/// `error` drawn as a page for a viewer who is not known (the edge answers
/// before the session is read).
pub fn error_page_for_anyone(error: ApiError) -> HttpResponse {
    error_page(&Viewer::anonymous(), &PageError::Api(error))
}

fn error_page(viewer: &Viewer, error: &PageError) -> HttpResponse {
    let status = error.status_code();
    let (title, message): (&str, Markup) = match error {
        PageError::Csrf => (
            "This form could not be accepted",
            html! { p { "The form was out of date or did not come from this site. Go back, reload the page and try again." } },
        ),
        PageError::Api(e) => match e {
            ApiError::NotFound(_) if e.is_unknown_resource() => {
                ("Not found", html! { p { "We could not find this page." } })
            }
            ApiError::NotFound(what) => {
                ("Not found", html! { p { "We could not find " (what) "." } })
            }
            ApiError::Forbidden => (
                "Not allowed",
                html! { p { "This page is not open to you. If you think it should be, ask your society's registrar." } },
            ),
            ApiError::Unauthenticated | ApiError::InvalidCredentials => (
                "Please sign in",
                html! { p { a href="/login" { "Sign in" } " to see this page." } },
            ),
            ApiError::BadRequest { detail, errors }
            | ApiError::Unprocessable { detail, errors } => (
                "Something was not right",
                html! {
                    p { (capitalised(detail)) "." }
                    @if !errors.is_empty() {
                        ul { @for p in errors { li { (p.field) ": " (p.message) } } }
                    }
                },
            ),
            ApiError::MethodNotAllowed { .. } => (
                "This cannot be done here",
                html! { p { "This page does not take this kind of request. Go back and follow a link or send the form again." } },
            ),
            ApiError::Conflict(detail) => (
                "This cannot be done now",
                html! { p { (capitalised(detail)) "." } },
            ),
            ApiError::TooManyRequests { .. } => (
                "Too many attempts",
                html! { p { "Please wait a few minutes and try again." } },
            ),
            ApiError::PayloadTooLarge { .. } | ApiError::TooManyRows { .. } => (
                "Too much was sent",
                html! { p { "The form was larger than the service accepts." } },
            ),
            ApiError::UriTooLong { .. } | ApiError::HeadersTooLarge => (
                "This address is too long",
                html! { p { "The address of this page, or what your browser sent with it, is longer than the service reads. Go back and try a shorter search." } },
            ),
            ApiError::RequestTimeout => (
                "This took too long",
                html! { p { "The request did not arrive in time. Please try again." } },
            ),
            ApiError::Unavailable(_) => (
                "The service is unavailable",
                html! { p { "The register cannot be reached just now. Please try again in a moment." } },
            ),
            ApiError::Internal(_) => (
                "Something went wrong",
                html! { p { "The page could not be shown because of a fault on our side. It has been logged; please try again later." } },
            ),
        },
    };
    if let PageError::Api(e @ (ApiError::Internal(_) | ApiError::Unavailable(_))) = error {
        tracing::warn!(error = ?e, "page failed");
    }
    let body = layout::page(
        viewer,
        title,
        html! {
            h1 { (title) }
            (message)
            p { a href="/" { "Go to the list of registers" } }
        },
    );
    let mut response = page_response(status, body);
    if matches!(error, PageError::Api(ApiError::Unavailable(_))) {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    }
    response
}

/// The security headers every page carries: nothing may be loaded from
/// elsewhere, no script runs, no other site may frame the page.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// An HTML page with `status`.
pub fn page_response(status: StatusCode, body: Markup) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "same-origin"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .body(body.into_string())
}

/// A 200 page.
pub fn ok(body: Markup) -> HttpResponse {
    page_response(StatusCode::OK, body)
}

/// 303 See Other: where a form goes after it was accepted, so reloading
/// the page does not send it again.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// `text` encoded for a query string.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `text` with its first letter in capitals.
pub fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A snake_case word as people write it: `double_sessions` -> `double sessions`.
pub fn words(word: &str) -> String {
    word.replace('_', " ")
}

/// An activity kind as people write it: `co_leading` -> `Co-leading`.
pub fn kind_label(kind: &str) -> String {
    match kind {
        "co_leading" => "Co-leading".to_owned(),
        other => capitalised(&words(other)),
    }
}

/// The society with `slug` (404 when none).
pub async fn society(state: &crate::AppState, slug: String) -> Result<Society, ApiError> {
    db::run(&state.pool, move |conn| db::societies::by_slug(conn, &slug)).await
}

/// The names of the tiers of the pathway that applies on `day` (by id),
/// in the pathway's order; empty when the society has no pathway.
pub fn tier_names(
    conn: &mut DbConnection,
    society_id: &str,
    day: NaiveDate,
) -> Result<Vec<(String, String)>, ApiError> {
    db::pathways::tier_names(conn, society_id, day)
}

/// Tier names by id, falling back to the id for a tier the current
/// pathway no longer has.
#[derive(Debug, Default)]
pub struct TierNames(BTreeMap<String, String>);

impl TierNames {
    /// From `tier_names`.
    pub fn new(list: &[(String, String)]) -> Self {
        Self(list.iter().cloned().collect())
    }

    /// The name of tier `id`.
    pub fn name(&self, id: &str) -> String {
        self.0.get(id).cloned().unwrap_or_else(|| words(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(encode("/me?x=1&y=a b"), "/me%3Fx%3D1%26y%3Da%20b");
        assert_eq!(capitalised("suspended"), "Suspended");
        assert_eq!(words("double_sessions"), "double sessions");
        assert_eq!(kind_label("co_leading"), "Co-leading");
        assert_eq!(kind_label("participation"), "Participation");
    }
}
