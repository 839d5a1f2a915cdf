//! The extractors handlers read their input with, in place of actix-web's
//! `web::Json`, `web::Query` and `web::Form`: the same bodies and query
//! strings, read with the path to the field a problem is in.
//!
//! - A body or query string that cannot be read as the handler's type is
//!   400 (for a body, with the reader's words and place, as before).
//! - A date there that is no [`Day`](crate::day::Day) (not `YYYY-MM-DD`,
//!   or outside its bounds) is 422 for a body and 400 for a query string,
//!   naming the field and the bounds.
//! - Text holding a NUL character (see [`text`]) is 422 for a body or a
//!   form and 400 for a query string, naming every field that holds one.

use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;

use actix_web::body::{self, BodyStream};
use actix_web::dev::{Decompress, Payload};
use actix_web::http::header;
use actix_web::web::{self, Bytes};
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::app::AppState;
use crate::day::DayError;
use crate::edge::text;
use crate::error::{ApiError, FieldProblem};
use crate::web::PageError;

/// Largest form a web page may send, in bytes: a record's 4000-character
/// notes with every character percent-encoded, and the rest of the form.
pub const FORM_LIMIT_BYTES: usize = 64 * 1024;

/// The JSON limit when the app has no settings (tests of one handler).
const DEFAULT_JSON_LIMIT_BYTES: usize = 1024 * 1024;

type Reading<T, E> = Pin<Box<dyn Future<Output = Result<T, E>>>>;

/// The path serde_path_to_error gives, or `fallback` for the whole input.
fn field_of(path: &serde_path_to_error::Path, fallback: &str) -> String {
    let path = path.to_string();
    if path == "." {
        fallback.to_owned()
    } else {
        path
    }
}

/// A JSON request body (`Content-Type: application/json` or
/// `application/*+json`), at most the `--json-limit-bytes` setting.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T> Json<T> {
    /// The body.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Json<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

fn is_json(req: &HttpRequest) -> bool {
    match req.mime_type() {
        Ok(Some(mime)) => {
            mime.subtype().as_str() == "json" || mime.suffix().map(|s| s.as_str()) == Some("json")
        }
        _ => false,
    }
}

/// The whole body of `req`, decompressed, at most `limit` bytes (413
/// beyond, also when its `Content-Length` says so before it is read).
fn body_of(
    req: &HttpRequest,
    payload: &mut Payload,
    limit: usize,
) -> impl Future<Output = Result<Bytes, ApiError>> {
    let announced: Option<usize> = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok());
    let stream = BodyStream::new(Decompress::from_headers(payload.take(), req.headers()));
    async move {
        if announced.is_some_and(|length| length > limit) {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        body::to_bytes_limited(stream, limit)
            .await
            .map_err(|_| ApiError::PayloadTooLarge { limit })?
            .map_err(|e| ApiError::bad_request("body", e.to_string()))
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = Reading<Self, ApiError>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req
            .app_data::<web::Data<AppState>>()
            .map_or(DEFAULT_JSON_LIMIT_BYTES, |state| {
                state.settings.json_limit_bytes
            });
        let json = is_json(req);
        let body = body_of(req, payload, limit);
        Box::pin(async move {
            if !json {
                return Err(ApiError::bad_request(
                    "body",
                    "the body must be JSON (Content-Type: application/json)",
                ));
            }
            let bytes = body.await?;
            read_json(&bytes).map(Json)
        })
    }
}

/// Read `bytes` as a `T`: 400 with serde_json's words (and place) when it
/// cannot be; 422 naming each field that holds a NUL character or a date
/// that is no [`Day`](crate::day::Day).
pub fn read_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut reader = serde_json::Deserializer::from_slice(bytes);
    let mut problems = Vec::new();
    let value = match serde_path_to_error::deserialize(&mut reader) {
        Ok(value) => {
            reader
                .end()
                .map_err(|e| ApiError::bad_request("body", e.to_string()))?;
            Some(value)
        }
        Err(e) => {
            let message = e.inner().to_string();
            if !DayError::is_message(&message) {
                return Err(ApiError::bad_request("body", message));
            }
            problems.push(FieldProblem::new(
                field_of(e.path(), "body"),
                day_message(&message),
            ));
            None
        }
    };
    if text::json_may_hold_nul(bytes) {
        let whole: Value = serde_json::from_slice(bytes)
            .map_err(|e| ApiError::bad_request("body", e.to_string()))?;
        problems.extend(text::nul_in_json(&whole, ""));
    }
    match value {
        Some(value) if problems.is_empty() => Ok(value),
        _ => Err(invalid("the request has invalid fields", problems)),
    }
}

/// 422 with `problems`, sorted by field.
fn invalid(detail: &str, mut problems: Vec<FieldProblem>) -> ApiError {
    problems.sort_by(|a, b| a.field.cmp(&b.field));
    ApiError::Unprocessable {
        detail: detail.to_owned(),
        errors: problems,
    }
}

/// A [`DayError`]'s words without the reader's place after them.
fn day_message(message: &str) -> String {
    match message.find(" at line ") {
        Some(end) => message[..end].to_owned(),
        None => message.to_owned(),
    }
}

/// A query string's parameters.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T> Query<T> {
    /// The parameters.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Query<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(read_query(req.query_string()).map(Query))
    }
}

/// Read a query string as a `T`: 400 naming the parameter for anything it
/// cannot take.
pub fn read_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let nul = text::nul_in_pairs(form_urlencoded::parse(query.as_bytes()));
    if !nul.is_empty() {
        return Err(ApiError::BadRequest {
            detail: "invalid query parameters".to_owned(),
            errors: nul,
        });
    }
    let reader = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(reader).map_err(|e| ApiError::BadRequest {
        detail: "invalid query parameters".to_owned(),
        errors: vec![FieldProblem::new(
            field_of(e.path(), "query"),
            e.inner().to_string(),
        )],
    })
}

/// A form a web page sent (`application/x-www-form-urlencoded`), at most
/// [`FORM_LIMIT_BYTES`]. What cannot be read is answered as a page.
#[derive(Debug)]
pub struct Form<T>(pub T);

impl<T> Form<T> {
    /// The form's fields.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Form<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Form<T> {
    type Error = PageError;
    type Future = Reading<Self, PageError>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let form = req
            .content_type()
            .eq_ignore_ascii_case("application/x-www-form-urlencoded");
        let body = body_of(req, payload, FORM_LIMIT_BYTES);
        Box::pin(async move {
            if !form {
                return Err(ApiError::bad_request(
                    "form",
                    "the form must be sent as application/x-www-form-urlencoded",
                )
                .into());
            }
            let bytes = body.await?;
            let nul = text::nul_in_pairs(form_urlencoded::parse(&bytes));
            if !nul.is_empty() {
                return Err(invalid("the form has invalid fields", nul).into());
            }
            let reader = serde_urlencoded::Deserializer::new(form_urlencoded::parse(&bytes));
            let fields = serde_path_to_error::deserialize(reader).map_err(|e| {
                ApiError::bad_request(field_of(e.path(), "form"), e.inner().to_string())
            })?;
            Ok(Form(fields))
        })
    }
}
