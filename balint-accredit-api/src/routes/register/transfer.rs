//! A society's register out to a file (export) and in from one (import).

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::actions::register::transfer::{self as action, RegisterFile};
use crate::auth::Caller;
use crate::edge::Query;
use crate::error::{ApiError, Problem};
use crate::register_io;
use crate::state::AppState;

/// The export's format.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `json` (default) or `csv`.
    #[param(value_type = Option<String>)]
    pub format: Option<register_io::Format>,
}

/// Export the register. The society's registrar gets every entry with
/// every field and the whole history (the file `import` reads back);
/// everyone else gets the public register: listed people, public fields,
/// public history. In CSV, a cell a spreadsheet would run as a formula
/// (starting with `=`, `+`, `-`, `@`, a tab or a carriage return, after
/// any quotes) is written with a single quote `'` before it; the import
/// takes it off again.
#[utoipa::path(get, path = "/api/v1/societies/{society}/register/export", operation_id = "register_export", tag = "register",
    security((), ("bearer" = [])),
    params(("society" = String, Path, description = "The society's slug"), ExportQuery),
    responses(
        (status = 200, description = "The register as JSON or CSV", content(
            (Object = "application/json"),
            (String = "text/csv"),
        )),
        (status = 400, description = "Unknown format", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "An invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn export(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    query: Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let format = query.format.unwrap_or(register_io::Format::Json);
    let exported = action::export(&state, &caller, path.into_inner(), format).await?;
    let content_type = match exported.format {
        register_io::Format::Json => "application/json",
        register_io::Format::Csv => "text/csv; charset=utf-8",
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .body(exported.text))
}

/// Import an existing register (registrar): the JSON the export writes
/// (`Content-Type: application/json`) or CSV (`text/csv`), one row per
/// change. All or nothing, with every bad row reported by row and field;
/// importing the same file again changes nothing. A CSV cell that starts
/// with the `'` the export puts before a would-be formula (`'=1+1`,
/// `'-Smith`) is read without it, so an exported file imports as the
/// same register.
#[utoipa::path(post, path = "/api/v1/societies/{society}/register/import", tag = "register",
    security(("bearer" = [])),
    params(("society" = String, Path, description = "The society's slug")),
    request_body(description = "The register file: the JSON the export writes, or CSV", content(
        (Object = "application/json"),
        (String = "text/csv"),
    )),
    responses(
        (status = 200, description = "What the import did", body = register_io::ImportReport),
        (status = 400, description = "Unreadable file", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not this society's registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The file is too large", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad rows, every one reported; nothing imported", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn import(
    state: web::Data<AppState>,
    caller: Caller,
    req: actix_web::HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<web::Json<register_io::ImportReport>, ApiError> {
    // A whole register is larger than one JSON request: allow 16 times the limit.
    let limit = state.settings.json_limit_bytes.saturating_mul(16);
    // Read only once the caller may import.
    let file = async move {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/json")
            .to_ascii_lowercase();
        let format = if content_type.starts_with("text/csv") {
            register_io::Format::Csv
        } else if content_type.starts_with("application/json") {
            register_io::Format::Json
        } else {
            return Err(ApiError::bad_request(
                "content-type",
                "send application/json or text/csv",
            ));
        };
        let body = payload
            .to_bytes_limited(limit)
            .await
            .map_err(|_| ApiError::PayloadTooLarge { limit })?
            .map_err(|e| ApiError::bad_request("body", e.to_string()))?;
        let text = String::from_utf8(body.to_vec())
            .map_err(|_| ApiError::bad_request("body", "the file is not UTF-8 text"))?;
        Ok(RegisterFile { format, text })
    };
    let report = action::import(&state, &caller, path.into_inner(), file).await?;
    Ok(web::Json(report))
}
