//! One error type for the whole API, answered as `application/problem+json`
//! (RFC 9457), and the one mapping of the use cases' own errors to it
//! (`refusals`).

mod refusals;

use std::fmt;

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;
use validator::{ValidationErrors, ValidationErrorsKind};

/// One problem with one field of the input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldProblem {
    /// Path to the field, e.g. `email` or `items[2].date`.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl FieldProblem {
    /// A problem with `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// The problem+json body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI reference naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong in this case.
    pub detail: String,
    /// For bad input: every problem found, by field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldProblem>>,
    /// For an internal error (500): the request's id, as in its
    /// `X-Request-Id` header, under which the server logged the cause.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// Every way a request can fail.
#[derive(thiserror::Error)]
pub enum ApiError {
    /// The body or a parameter could not be read (400).
    #[error("{detail}")]
    BadRequest {
        detail: String,
        errors: Vec<FieldProblem>,
    },
    /// The body is larger than the limit, in bytes (413).
    #[error("the request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    /// More records in one upload than the server takes at once (413).
    #[error(
        "the upload has {rows} records; at most {limit} are taken at once, so send it in parts"
    )]
    TooManyRows { rows: usize, limit: usize },
    /// The URL (path and query string) is longer than the limit, in bytes
    /// (414).
    #[error("the URL (path and query string) is longer than {limit} bytes")]
    UriTooLong { limit: usize },
    /// The request's headers are more than the HTTP layer reads (431).
    #[error("the request's headers are larger than 128 KiB, or more than 96 of them")]
    HeadersTooLarge,
    /// The request's head did not arrive in time (408).
    #[error("the request did not arrive in time")]
    RequestTimeout,
    /// No token, or one that is unknown, expired or revoked (401).
    #[error("authentication required")]
    Unauthenticated,
    /// Wrong email or password (401); the same answer for both, so logins
    /// cannot be used to find out who has an account.
    #[error("the email or password is not correct")]
    InvalidCredentials,
    /// The path is there, but does not take this method (405); `allow`
    /// lists the methods it takes, as its `Allow` header does.
    #[error("this resource takes only {allow}")]
    MethodNotAllowed { allow: String },
    /// Authenticated, but not allowed to do this (403).
    #[error("you are not allowed to do this")]
    Forbidden,
    /// Unknown, or not visible to this caller (404).
    #[error("{0} not found")]
    NotFound(String),
    /// Conflicts with the current state (409).
    #[error("{0}")]
    Conflict(String),
    /// Readable input that breaks a rule (422), with every problem found.
    #[error("{detail}")]
    Unprocessable {
        detail: String,
        errors: Vec<FieldProblem>,
    },
    /// Too many failed logins; try again after the given number of seconds (429).
    #[error("too many failed logins; try again later")]
    TooManyRequests { retry_after_secs: u64 },
    /// The database cannot be reached (503).
    #[error("the database is unavailable")]
    Unavailable(#[source] anyhow::Error),
    /// A bug or an unexpected failure (500).
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl fmt::Debug for ApiError {
    // Print the whole cause chain, so a log line says why.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")?;
        let mut source = std::error::Error::source(self);
        while let Some(cause) = source {
            write!(f, "\n  caused by: {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

/// What a 404 names when there is nothing to name: a path no route takes,
/// or what the caller may not see.
const UNKNOWN_RESOURCE: &str = "resource";

impl ApiError {
    /// The 404 of a path no route matches. What a caller may not see is
    /// answered the same way, so the answer tells them nothing.
    pub fn unknown_resource() -> Self {
        Self::NotFound(UNKNOWN_RESOURCE.to_owned())
    }

    /// Whether this is the [`ApiError::unknown_resource`] answer.
    pub fn is_unknown_resource(&self) -> bool {
        matches!(self, Self::NotFound(what) if what == UNKNOWN_RESOURCE)
    }

    /// A 422 with one problem.
    pub fn unprocessable(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Unprocessable {
            detail: "the request has invalid fields".to_owned(),
            errors: vec![FieldProblem::new(field, message)],
        }
    }

    /// A 400 with one problem.
    pub fn bad_request(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadRequest {
            detail: "the request could not be read".to_owned(),
            errors: vec![FieldProblem::new(field, message)],
        }
    }

    fn kind(&self) -> (&'static str, &'static str) {
        match self {
            Self::BadRequest { .. } => ("/problems/bad-request", "Bad request"),
            Self::PayloadTooLarge { .. } => ("/problems/payload-too-large", "Payload too large"),
            Self::TooManyRows { .. } => ("/problems/too-many-rows", "Too many rows"),
            Self::UriTooLong { .. } => ("/problems/uri-too-long", "URI too long"),
            Self::HeadersTooLarge => (
                "/problems/headers-too-large",
                "Request header fields too large",
            ),
            Self::RequestTimeout => ("/problems/request-timeout", "Request timeout"),
            Self::Unauthenticated => ("/problems/unauthenticated", "Authentication required"),
            Self::InvalidCredentials => ("/problems/invalid-credentials", "Invalid credentials"),
            Self::Forbidden => ("/problems/forbidden", "Forbidden"),
            Self::NotFound(_) => ("/problems/not-found", "Not found"),
            Self::MethodNotAllowed { .. } => ("/problems/method-not-allowed", "Method not allowed"),
            Self::Conflict(_) => ("/problems/conflict", "Conflict"),
            Self::Unprocessable { .. } => ("/problems/invalid-input", "Invalid input"),
            Self::TooManyRequests { .. } => ("/problems/too-many-requests", "Too many requests"),
            Self::Unavailable(_) => ("/problems/unavailable", "Service unavailable"),
            Self::Internal(_) => ("/problems/internal", "Internal error"),
        }
    }

    /// The problem+json body.
    pub fn problem(&self) -> Problem {
        let (kind, title) = self.kind();
        let errors = match self {
            Self::BadRequest { errors, .. } | Self::Unprocessable { errors, .. } => {
                Some(errors.clone())
            }
            _ => None,
        };
        Problem {
            kind: kind.to_owned(),
            title: title.to_owned(),
            status: self.status_code().as_u16(),
            detail: self.to_string(),
            errors,
            request_id: None,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::PayloadTooLarge { .. } | Self::TooManyRows { .. } => {
                StatusCode::PAYLOAD_TOO_LARGE
            }
            Self::UriTooLong { .. } => StatusCode::URI_TOO_LONG,
            Self::HeadersTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            Self::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::Unauthenticated | Self::InvalidCredentials => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Internal(_) => tracing::error!(error = ?self, "request failed"),
            Self::Unavailable(_) => tracing::warn!(error = ?self, "database unavailable"),
            _ => {}
        }
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        ));
        match self {
            Self::Unauthenticated => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            Self::TooManyRequests { retry_after_secs } => {
                response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            Self::Unavailable(_) => {
                response.insert_header((header::RETRY_AFTER, "5"));
            }
            Self::MethodNotAllowed { allow } => {
                response.insert_header((header::ALLOW, allow.as_str()));
            }
            _ => {}
        }
        let body = serde_json::to_string(&self.problem()).unwrap_or_else(|_| {
            r#"{"type":"/problems/internal","title":"Internal error","status":500,"detail":"internal error"}"#.to_owned()
        });
        response.body(body)
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::NotFound => Self::NotFound("record".to_owned()),
            // The database's words (its constraint and key) are for the
            // log, never for the client.
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, ref info) => {
                tracing::info!(
                    constraint = info.constraint_name(),
                    table = info.table_name(),
                    detail = info.message(),
                    "refused as a conflict: a unique constraint"
                );
                Self::Conflict("a record with the same identity already exists".to_owned())
            }
            Error::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                _,
            )
            | Error::BrokenTransactionManager => Self::Unavailable(e.into()),
            // SQLite's lock wait (busy_timeout) ran out, or PostgreSQL
            // cancelled a statement that ran past statement_timeout: busy,
            // not broken.
            Error::DatabaseError(_, ref info)
                if info.message().contains("database is locked")
                    || info.message().contains("statement timeout") =>
            {
                Self::Unavailable(e.into())
            }
            other => Self::Internal(other.into()),
        }
    }
}

impl From<diesel::r2d2::PoolError> for ApiError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        Self::Unavailable(e.into())
    }
}

impl From<ValidationErrors> for ApiError {
    fn from(e: ValidationErrors) -> Self {
        Self::Unprocessable {
            detail: "the request has invalid fields".to_owned(),
            errors: field_problems(&e),
        }
    }
}

/// Every problem in `errors`, nested ones with their full path
/// (`items[2].date`), sorted by path.
pub fn field_problems(errors: &ValidationErrors) -> Vec<FieldProblem> {
    let mut out = Vec::new();
    collect(errors, "", &mut out);
    out.sort_by(|a, b| a.field.cmp(&b.field));
    out
}

fn collect(errors: &ValidationErrors, prefix: &str, out: &mut Vec<FieldProblem>) {
    for (field, kind) in errors.errors() {
        let path = if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}.{field}")
        };
        match kind {
            ValidationErrorsKind::Field(list) => {
                for error in list {
                    out.push(FieldProblem::new(path.clone(), describe(error)));
                }
            }
            ValidationErrorsKind::Struct(inner) => collect(inner, &path, out),
            ValidationErrorsKind::List(items) => {
                for (index, inner) in items {
                    collect(inner, &format!("{path}[{index}]"), out);
                }
            }
        }
    }
}

fn describe(error: &validator::ValidationError) -> String {
    if let Some(message) = &error.message {
        return message.to_string();
    }
    let param = |name: &str| error.params.get(name).map(|v| v.to_string());
    match error.code.as_ref() {
        "email" => "must be an email address".to_owned(),
        "length" => match (param("min"), param("max")) {
            (Some(min), Some(max)) => format!("must be between {min} and {max} characters"),
            (Some(min), None) => format!("must be at least {min} characters"),
            (None, Some(max)) => format!("must be at most {max} characters"),
            (None, None) => "has the wrong length".to_owned(),
        },
        "range" => match (param("min"), param("max")) {
            (Some(min), Some(max)) => format!("must be between {min} and {max}"),
            (Some(min), None) => format!("must be at least {min}"),
            (None, Some(max)) => format!("must be at most {max}"),
            (None, None) => "is out of range".to_owned(),
        },
        "required" => "is required".to_owned(),
        code => format!("is invalid ({code})"),
    }
}
