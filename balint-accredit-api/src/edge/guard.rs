//! What is refused before a request is routed: a URL longer than
//! [`URL_LIMIT_BYTES`] is answered 414; a path holding a NUL character
//! (`%00`) 404, the answer for any path no route takes, so no path
//! parameter ever carries one to a handler or the database.

use actix_web::dev::ServiceRequest;
use actix_web::{HttpRequest, HttpResponse, ResponseError};

use crate::edge::wire::URL_LIMIT_BYTES;
use crate::error::ApiError;

/// The answer to `req` when it is refused at the edge, else `None`.
pub fn refusal(req: &ServiceRequest) -> Option<HttpResponse> {
    let url = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if url > URL_LIMIT_BYTES {
        return Some(answer(
            req,
            ApiError::UriTooLong {
                limit: URL_LIMIT_BYTES,
            },
        ));
    }
    // The path as sent: a NUL can reach a path parameter only as `%00`.
    if req.uri().path().contains("%00") {
        return Some(answer(req, ApiError::unknown_resource()));
    }
    None
}

/// `error` answered as the route `req` is for would answer it: a page for
/// the web pages' paths, problem+json for the API's and any other.
fn answer(req: &ServiceRequest, error: ApiError) -> HttpResponse {
    if is_page(req.request()) {
        crate::web::error_page_for_anyone(error)
    } else {
        error.error_response()
    }
}

/// Whether `req`'s path is one of the web pages'.
pub fn is_page(req: &HttpRequest) -> bool {
    match req.match_pattern() {
        Some(pattern) => {
            !(pattern.starts_with("/api/")
                || pattern == "/healthz"
                || pattern == "/readyz"
                // The DID documents: JSON, as the API answers.
                || pattern.ends_with("/did.json"))
        }
        None => false,
    }
}
