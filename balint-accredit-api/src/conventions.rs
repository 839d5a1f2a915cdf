//! The HTTP conventions every answer keeps, whatever route gives it (the
//! README's "HTTP conventions"):
//!
//! - HEAD is answered as GET without the body, wherever GET is.
//! - A method a path does not take is 405 with an `Allow` header, as
//!   problem+json (a page for the web pages' paths), never an empty body.
//! - A 500 names the request's id (`request_id`, as in `X-Request-Id`),
//!   under which the cause is logged; nothing of the cause is sent.
//! - Security headers on everything, not only the pages:
//!   `X-Content-Type-Options: nosniff`, a `Content-Security-Policy` with
//!   `frame-ancestors 'none'` (`default-src 'none'` unless the answer sets
//!   its own), `Referrer-Policy`, `X-Frame-Options: DENY`, and
//!   `Strict-Transport-Security` when the request came over HTTPS (a TLS
//!   listener, or a trusted proxy's `X-Forwarded-Proto: https`).

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse, ResponseError};
use tracing_actix_web::RequestId;

use crate::app::AppState;
use crate::error::ApiError;

/// What an answer that sets no policy of its own gets: it loads nothing
/// and may not be framed.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

/// HSTS for a year, once a request came over HTTPS.
const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000";

/// The middleware keeping the conventions (see the module's docs).
pub async fn keep(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // A HEAD goes to the GET route; the HTTP layer, which read a HEAD,
    // sends the head of the answer without its body.
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
    let https = came_over_https(&req);
    let mut response = next.call(req).await?.map_into_boxed_body();
    if response.status() == StatusCode::METHOD_NOT_ALLOWED
        && !response.headers().contains_key(header::CONTENT_TYPE)
    {
        response = method_not_allowed(response);
    } else if response.status() == StatusCode::INTERNAL_SERVER_ERROR
        && !crate::edge::guard::is_page(response.request())
    {
        response = with_request_id(response);
    }
    secure(response.headers_mut(), https);
    Ok(response)
}

/// actix-web's bare 405 (a resource's routes take other methods) as a
/// problem or a page, its `Allow` naming HEAD where it names GET.
fn method_not_allowed(response: ServiceResponse<BoxBody>) -> ServiceResponse<BoxBody> {
    let mut allow: Vec<String> = response
        .headers()
        .get(header::ALLOW)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .split(',')
        .map(|m| m.trim().to_owned())
        .filter(|m| !m.is_empty())
        .collect();
    if allow.iter().any(|m| m == "GET") && !allow.iter().any(|m| m == "HEAD") {
        allow.push("HEAD".to_owned());
    }
    let allow = allow.join(", ");
    let (req, _) = response.into_parts();
    let error = ApiError::MethodNotAllowed {
        allow: allow.clone(),
    };
    let mut answer = if crate::edge::guard::is_page(&req) {
        crate::web::error_page_for_anyone(error)
    } else {
        error.error_response()
    };
    if let Ok(value) = HeaderValue::from_str(&allow) {
        answer.headers_mut().insert(header::ALLOW, value);
    }
    ServiceResponse::new(req, answer)
}

/// A 500 as problem+json with the request's id, so a report can be
/// matched with the log; the cause stays in the log.
fn with_request_id(response: ServiceResponse<BoxBody>) -> ServiceResponse<BoxBody> {
    let id = response
        .request()
        .extensions()
        .get::<RequestId>()
        .map(ToString::to_string);
    let mut problem = response
        .response()
        .error()
        .and_then(|e| e.as_error::<ApiError>())
        .filter(|e| e.status_code() == StatusCode::INTERNAL_SERVER_ERROR)
        .map_or_else(
            || ApiError::Internal(anyhow::anyhow!("an answer of 500")).problem(),
            ApiError::problem,
        );
    problem.request_id = id;
    let (req, old) = response.into_parts();
    let mut answer = HttpResponse::InternalServerError();
    answer.insert_header((header::CONTENT_TYPE, "application/problem+json"));
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            answer.append_header((name.clone(), value.clone()));
        }
    }
    let body = serde_json::to_string(&problem).unwrap_or_default();
    ServiceResponse::new(req, answer.body(body))
}

/// Whether `req` came over HTTPS: a TLS listener, or a trusted reverse
/// proxy saying so in `X-Forwarded-Proto` (read from no one else, as
/// `X-Forwarded-For` is not).
fn came_over_https(req: &ServiceRequest) -> bool {
    over_https(req.request())
}

/// Whether `req` came over HTTPS: a TLS listener, or a trusted reverse
/// proxy saying so in `X-Forwarded-Proto` (the same judgement as the
/// middleware's, for a handler: e.g. the sign-in page, which warns when a
/// `Secure` cookie cannot be kept).
pub fn over_https(req: &HttpRequest) -> bool {
    if req.app_config().secure() {
        return true;
    }
    let trusted = req.app_data::<web::Data<AppState>>().is_some_and(|state| {
        req.peer_addr()
            .is_some_and(|peer| state.settings.trusted_proxies.contains(&peer.ip()))
    });
    trusted && forwarded_proto_is_https(req)
}

/// The nearest proxy's `X-Forwarded-Proto` (the last value) is `https`.
fn forwarded_proto_is_https(req: &HttpRequest) -> bool {
    req.headers()
        .get_all("x-forwarded-proto")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .next_back()
        .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"))
}

/// The security headers, where the answer did not set them itself.
fn secure(headers: &mut HeaderMap, https: bool) {
    let defaults = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ];
    for (name, value) in defaults {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    if https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(STRICT_TRANSPORT_SECURITY),
        );
    }
}
