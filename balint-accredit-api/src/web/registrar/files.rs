//! The registrar's register files page: the register exported as a
//! download (CSV or JSON, the whole register or the public one, as
//! `balint-accredit export` writes it) and an existing register imported
//! from a file chosen in the browser, with the report the `import` command
//! gives: entries created, extended and unchanged and people added, or
//! every problem by its row and field with nothing imported.
//!
//! Both call the actions of `GET .../register/export` and `POST
//! .../register/import` ([`crate::actions::register::transfer`]). The file
//! comes as `multipart/form-data`, read by `web::multipart` (the form needs no script).

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use maud::{html, Markup};
use serde::Deserialize;

use crate::actions::register::transfer::{self, RegisterFile};
use crate::actions::{as_registrar, today};
use crate::app::AppState;
use crate::edge::Query;
use crate::error::{ApiError, FieldProblem};
use crate::register_io::{Audience, Format, ImportReport};
use crate::web::layout::{self, csrf_field, FormErrors};
use crate::web::multipart::multipart;
use crate::web::{capitalised, finish, page_response, PageError, Viewer};

/// Problems listed on the page; the rest are counted.
const MAX_SHOWN: usize = 500;

const LABELS: [(&str, &str); 2] = [("file", "Register file"), ("format", "Format")];

/// What an import came to, for the page.
enum Outcome {
    Imported {
        file: String,
        report: ImportReport,
    },
    Refused {
        detail: String,
        problems: Vec<FieldProblem>,
    },
}

/// `GET /societies/{society}/register-files`: the export and import forms.
pub async fn files(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
) -> HttpResponse {
    let result = files_page(&state, &viewer, path.into_inner(), None).await;
    finish(&req, &viewer, result)
}

/// The export form's choices.
#[derive(Debug, Default, Deserialize)]
pub struct ExportQuery {
    format: Option<String>,
    audience: Option<String>,
}

/// `GET /societies/{society}/register-files/export?format=&audience=`: the
/// register as a file to save.
pub async fn export(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
    query: Query<ExportQuery>,
) -> HttpResponse {
    let slug = path.into_inner();
    let result = async {
        as_registrar(&state, &viewer.caller, slug.clone()).await?;
        let format = match query.format.as_deref() {
            Some("json") => Format::Json,
            Some("csv") | None => Format::Csv,
            Some(_) => return Err(ApiError::bad_request("format", "must be csv or json").into()),
        };
        let audience = match query.audience.as_deref() {
            Some("public") => Audience::Public,
            Some("full") | None => Audience::Registrar,
            Some(_) => {
                return Err(ApiError::bad_request("audience", "must be full or public").into())
            }
        };
        let exported =
            transfer::export_for(&state, &viewer.caller, slug.clone(), format, audience).await?;
        let (content_type, extension) = match exported.format {
            Format::Json => ("application/json", "json"),
            Format::Csv => ("text/csv; charset=utf-8", "csv"),
        };
        let which = match exported.audience {
            Audience::Registrar => "register",
            Audience::Public => "public-register",
        };
        let name = format!("{slug}-{which}-{}.{extension}", today());
        Ok::<_, PageError>(
            HttpResponse::Ok()
                .insert_header((header::CONTENT_TYPE, content_type))
                .insert_header((
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}\""),
                ))
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                .body(exported.text),
        )
    }
    .await;
    finish(&req, &viewer, result)
}

/// `POST /societies/{society}/register-files/import`: import the file
/// sent, all or nothing, and show what was done or every problem.
pub async fn import(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
    payload: web::Payload,
) -> HttpResponse {
    let slug = path.into_inner();
    let result = async {
        as_registrar(&state, &viewer.caller, slug.clone()).await?;
        // A whole register, as the API takes it: 16 times the JSON limit.
        let limit = state.settings.json_limit_bytes.saturating_mul(16);
        let body = payload
            .to_bytes_limited(limit)
            .await
            .map_err(|_| ApiError::PayloadTooLarge { limit })?
            .map_err(|e| ApiError::bad_request("body", e.to_string()))?;
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let parts = multipart(content_type, &body)?;
        let field = |name: &str| parts.iter().find(|p| p.name == name);
        let csrf = field("csrf")
            .map(|p| String::from_utf8_lossy(&p.data).into_owned())
            .unwrap_or_default();
        viewer.check_csrf(&csrf)?;
        let file = field("file").filter(|p| !p.data.is_empty());
        let file_name = file.and_then(|p| p.filename.clone()).unwrap_or_default();
        let chosen = field("format")
            .map(|p| String::from_utf8_lossy(&p.data).into_owned())
            .unwrap_or_default();
        let mut problems = Vec::new();
        let format = match chosen.as_str() {
            "csv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            _ => match file_name
                .rsplit_once('.')
                .map(|(_, e)| e.to_ascii_lowercase())
            {
                Some(e) if e == "csv" => Some(Format::Csv),
                Some(e) if e == "json" => Some(Format::Json),
                _ => None,
            },
        };
        let text = match file {
            None => {
                problems.push(FieldProblem::new(
                    "file",
                    "Choose the register file to import",
                ));
                None
            }
            Some(part) => match String::from_utf8(part.data.clone()) {
                Ok(text) => Some(text),
                Err(_) => {
                    problems.push(FieldProblem::new("file", "The file is not UTF-8 text"));
                    None
                }
            },
        };
        if file.is_some() && format.is_none() {
            problems.push(FieldProblem::new(
                "format",
                "Choose CSV or JSON (the file's name does not say)",
            ));
        }
        let outcome = match (format, text, problems.is_empty()) {
            (Some(format), Some(text), true) => {
                let file = async move { Ok(RegisterFile { format, text }) };
                match transfer::import(&state, &viewer.caller, slug.clone(), file).await {
                    Ok(report) => Outcome::Imported {
                        file: file_name,
                        report,
                    },
                    Err(ApiError::Unprocessable { detail, errors })
                    | Err(ApiError::BadRequest { detail, errors }) => Outcome::Refused {
                        detail,
                        problems: errors,
                    },
                    Err(ApiError::Conflict(why)) => Outcome::Refused {
                        detail: "nothing was imported".to_owned(),
                        problems: vec![FieldProblem::new("", why)],
                    },
                    Err(other) => return Err(other.into()),
                }
            }
            _ => Outcome::Refused {
                detail: "the form has problems; nothing was imported".to_owned(),
                problems,
            },
        };
        files_page(&state, &viewer, slug.clone(), Some(outcome)).await
    }
    .await;
    finish(&req, &viewer, result)
}

async fn files_page(
    state: &AppState,
    viewer: &Viewer,
    slug: String,
    outcome: Option<Outcome>,
) -> Result<HttpResponse, PageError> {
    let (society, _) = as_registrar(state, &viewer.caller, slug.clone()).await?;
    let csrf = viewer.csrf().unwrap_or_default();
    let title = format!("Register files: {}", society.name);
    let (status, form_errors, report) = match outcome {
        None => (StatusCode::OK, FormErrors::default(), html! {}),
        Some(Outcome::Imported { file, report }) => (
            StatusCode::OK,
            FormErrors::default(),
            imported(&file, &report),
        ),
        Some(Outcome::Refused { detail, problems }) => {
            let (form, rows): (Vec<_>, Vec<_>) = problems
                .into_iter()
                .partition(|p| p.field == "file" || p.field == "format");
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            let listed = refused(&detail, &rows);
            (status, FormErrors::new(form, &LABELS), listed)
        }
    };
    Ok(page_response(
        status,
        layout::page(
            viewer,
            &title,
            html! {
                h1 { (title) }
                (super::nav(&slug, "register-files"))
                (report)
                h2 id="export" { "Export the register" }
                p { "The register as a file, as the " code { "balint-accredit export" } " command writes it." }
                form class="stacked" method="get" action={ "/societies/" (slug) "/register-files/export" } {
                    fieldset {
                        legend { "Which register" }
                        div class="field checkbox" {
                            input type="radio" id="audience-full" name="audience" value="full" checked;
                            label for="audience-full" { "The whole register" span class="hint" { "Every entry, every field and the whole history, confidential reasons included: the file an import reads back. Keep it safe." } }
                        }
                        div class="field checkbox" {
                            input type="radio" id="audience-public" name="audience" value="public";
                            label for="audience-public" { "The public register" span class="hint" { "Listed people only, the fields the public sees, public reasons only." } }
                        }
                    }
                    fieldset {
                        legend { "Format" }
                        div class="field checkbox" {
                            input type="radio" id="export-csv" name="format" value="csv" checked;
                            label for="export-csv" { "CSV" span class="hint" { "One row per change of an entry, for a spreadsheet." } }
                        }
                        div class="field checkbox" {
                            input type="radio" id="export-json" name="format" value="json";
                            label for="export-json" { "JSON" span class="hint" { "Each entry with its history." } }
                        }
                    }
                    button type="submit" { "Download the register" }
                }
                h2 id="import" { "Import a register" }
                p {
                    "An existing register, as the export writes it (JSON), or CSV with one row per change. "
                    "All or nothing: if any row has a problem, every problem is listed and nothing is imported. "
                    "Importing the same file again changes nothing."
                }
                form class="stacked" method="post" enctype="multipart/form-data" action={ "/societies/" (slug) "/register-files/import" } {
                    (csrf_field(&csrf))
                    (form_errors.summary())
                    div class="field" {
                        label for="file" { "Register file" span class="hint" { "A .csv or .json file." } }
                        (form_errors.next_to("file"))
                        input type="file" id="file" name="file" accept=".csv,.json,text/csv,application/json"
                            aria-describedby=[form_errors.described_by("file")] aria-invalid=[form_errors.invalid("file")];
                    }
                    div class="field" {
                        label for="format" { "Format" }
                        (form_errors.next_to("format"))
                        select id="format" name="format" aria-describedby=[form_errors.described_by("format")] aria-invalid=[form_errors.invalid("format")] {
                            option value="" { "From the file's name" }
                            option value="csv" { "CSV" }
                            option value="json" { "JSON" }
                        }
                    }
                    button type="submit" { "Import the register" }
                }
            },
        ),
    ))
}

/// The report of an import that was done: the command line's sentence.
fn imported(file: &str, report: &ImportReport) -> Markup {
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    html! {
        div class="notice" role="status" {
            h2 { "The register was imported" }
            p {
                @if !file.is_empty() { "Imported " (file) ": " } @else { "Imported: " }
                (report.created) " entr" (if report.created == 1 { "y" } else { "ies" }) " created, "
                (report.extended) " extended, " (report.unchanged) " unchanged; "
                (report.people_created) " " (if report.people_created == 1 { "person" } else { "people" }) " added."
            }
            ul {
                li { (report.created) " new entr" (if report.created == 1 { "y" } else { "ies" }) " put on the register" }
                li { (report.extended) " entr" (if report.extended == 1 { "y" } else { "ies" }) " whose history the file carried further" }
                li { (report.unchanged) " entr" (if report.unchanged == 1 { "y" } else { "ies" }) " already on the register as in the file" }
                li { (report.people_created) " new record" (plural(report.people_created)) " of people" }
            }
        }
    }
}

/// An import refused: every problem by its row and field.
fn refused(detail: &str, problems: &[FieldProblem]) -> Markup {
    if problems.is_empty() {
        return html! {};
    }
    html! {
        div class="error-summary" role="alert" aria-labelledby="import-problems-title" tabindex="-1" {
            h2 id="import-problems-title" { "The register was not imported" }
            p { (capitalised(detail)) "." }
        }
        table class="stack" {
            caption { "Problems in the file" }
            thead { tr { th scope="col" { "Where" } th scope="col" { "Problem" } } }
            tbody {
                @for p in problems.iter().take(MAX_SHOWN) {
                    tr {
                        td data-label="Where" { @if p.field.is_empty() { "The whole file" } @else { code { (p.field) } } }
                        td data-label="Problem" { (p.message) }
                    }
                }
            }
        }
        @if problems.len() > MAX_SHOWN {
            p { "And " (problems.len() - MAX_SHOWN) " more problems." }
        }
    }
}
