//! The registrar's pathway pages: the versions published so far, adopting
//! a built-in pathway, uploading a document (every problem shown by its
//! path in the document), one version in full, and what changed between
//! two versions.
//!
//! They call the same actions as `PUT /api/v1/societies/{society}/pathway`
//! and `POST .../pathway/adopt` ([`crate::actions::pathways`]).

use std::collections::{BTreeMap, BTreeSet};

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use balint_core::presets;
use chrono::NaiveDateTime;
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::Value;
use similar::{ChangeTag, TextDiff};

use crate::actions::pathways::{self, read_document, DocumentFormat};
use crate::actions::{as_registrar, today};
use crate::app::AppState;
use crate::day::Day;
use crate::db;
use crate::db::pathways::{PathwayVersion, VersionSummary};
use crate::db::societies::Society;
use crate::edge::{Form, Query};
use crate::error::{ApiError, FieldProblem};
use crate::pagination::PageRequest;
use crate::web::dates::DateStyle;
use crate::web::layout::{self, csrf_field, date, day_words, notice, FormErrors};
use crate::web::{finish, page_response, see_other, PageError, Viewer};

/// Versions listed on one page of the overview.
const PER_PAGE: u32 = 20;

/// Lines of unchanged text shown around each change.
const CONTEXT_LINES: usize = 3;

const ADOPT_LABELS: [(&str, &str); 2] = [
    ("preset", "Built-in pathway"),
    ("effective_from", "Takes effect from"),
];

const UPLOAD_LABELS: [(&str, &str); 2] = [("format", "Format"), ("document", "Pathway document")];

const COMPARE_LABELS: [(&str, &str); 2] = [("from", "From version"), ("to", "To version")];

/// The overview's query: which page of versions.
#[derive(Debug, Default, Deserialize)]
pub struct OverviewQuery {
    page: Option<String>,
}

/// The adopt form, as typed.
#[derive(Debug, Default, Deserialize)]
pub struct AdoptForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    preset: String,
    #[serde(default)]
    effective_from: String,
}

/// The upload form, as typed.
#[derive(Debug, Default, Deserialize)]
pub struct UploadForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    format: String,
    #[serde(default)]
    document: String,
}

/// The forms of the overview and their problems, when one was refused.
#[derive(Debug, Default)]
struct Forms {
    adopt: AdoptForm,
    adopt_errors: FormErrors,
    upload: UploadForm,
    upload_errors: FormErrors,
}

/// `GET /societies/{society}/pathway`: the versions, and the forms to
/// adopt a preset or upload a document.
pub async fn overview(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
    query: Query<OverviewQuery>,
) -> HttpResponse {
    let page = query
        .page
        .as_deref()
        .and_then(|p| p.trim().parse::<u32>().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    let result = overview_page(
        &state,
        &viewer,
        path.into_inner(),
        page,
        Forms::default(),
        StatusCode::OK,
    )
    .await;
    finish(&req, &viewer, result)
}

/// `POST /societies/{society}/pathway/adopt`: adopt a built-in pathway.
pub async fn adopt(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
    form: Form<AdoptForm>,
) -> HttpResponse {
    let slug = path.into_inner();
    let form = form.into_inner();
    let result = async {
        viewer.check_csrf(&form.csrf)?;
        as_registrar(&state, &viewer.caller, slug.clone()).await?;
        let effective_from = match form.effective_from.trim() {
            "" => Ok(None),
            text => Day::parse(text)
                .map(Some)
                .map_err(|e| ApiError::unprocessable("effective_from", day_words(e))),
        };
        let answer = match (form.preset.trim(), effective_from) {
            ("", _) => Err(ApiError::unprocessable(
                "preset",
                "Choose the pathway to adopt",
            )),
            (_, Err(e)) => Err(e),
            (preset, Ok(effective_from)) => {
                pathways::adopt(&state, &viewer.caller, slug.clone(), preset, effective_from).await
            }
        };
        match answer {
            Ok((_, stored)) => Ok(published(&slug, &stored)),
            Err(e) => {
                let problems = form_problems(e)?;
                let first = presets::all().first().map(|p| p.id).unwrap_or_default();
                let forms = Forms {
                    adopt_errors: FormErrors::new(problems, &ADOPT_LABELS)
                        .with_anchor("preset", format!("preset-{first}")),
                    adopt: form,
                    ..Forms::default()
                };
                overview_page(
                    &state,
                    &viewer,
                    slug.clone(),
                    1,
                    forms,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
        }
    }
    .await;
    finish(&req, &viewer, result)
}

/// `POST /societies/{society}/pathway/upload`: publish a pasted document
/// (JSON or TOML), or show every problem with it by its path.
pub async fn upload(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
    form: Form<UploadForm>,
) -> HttpResponse {
    let slug = path.into_inner();
    let form = form.into_inner();
    let result = async {
        viewer.check_csrf(&form.csrf)?;
        let publisher = pathways::publisher(&state, &viewer.caller, slug.clone()).await?;
        let format = match form.format.as_str() {
            "json" => Ok(DocumentFormat::Json),
            "toml" => Ok(DocumentFormat::Toml),
            _ => Err(ApiError::unprocessable("format", "Choose JSON or TOML")),
        };
        let answer = match format {
            _ if form.document.trim().is_empty() => Err(ApiError::unprocessable(
                "document",
                "Paste the pathway document",
            )),
            Err(e) => Err(e),
            Ok(format) => match read_document(format, form.document.as_bytes(), &slug) {
                Ok(pathway) => pathways::publish(&state, publisher, pathway, None).await,
                Err(e) => Err(e),
            },
        };
        match answer {
            Ok(stored) => Ok(published(&slug, &stored)),
            Err(e) => {
                let problems = form_problems(e)?
                    .into_iter()
                    .map(|p| match p.field.as_str() {
                        "format" | "document" => p,
                        "" | "body" => FieldProblem::new("document", p.message),
                        path => FieldProblem::new("document", format!("At {path}: {}", p.message)),
                    })
                    .collect();
                let forms = Forms {
                    upload_errors: FormErrors::new(problems, &UPLOAD_LABELS),
                    upload: form,
                    ..Forms::default()
                };
                overview_page(
                    &state,
                    &viewer,
                    slug.clone(),
                    1,
                    forms,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
        }
    }
    .await;
    finish(&req, &viewer, result)
}

/// Where a published version is shown.
fn published(slug: &str, stored: &PathwayVersion) -> HttpResponse {
    see_other(&format!(
        "/societies/{slug}/pathway/versions/{}?published=1",
        stored.summary.number
    ))
}

/// The problems of a refused form; any other refusal is the page's error.
fn form_problems(error: ApiError) -> Result<Vec<FieldProblem>, PageError> {
    match error {
        ApiError::Unprocessable { detail, errors } | ApiError::BadRequest { detail, errors } => {
            Ok(if errors.is_empty() {
                vec![FieldProblem::new("", crate::web::capitalised(&detail))]
            } else {
                errors
            })
        }
        other => Err(other.into()),
    }
}

/// The emails of the logins `ids`, by id.
async fn emails(
    state: &AppState,
    ids: BTreeSet<String>,
) -> Result<BTreeMap<String, String>, ApiError> {
    db::run(&state.pool, move |conn| {
        let mut found = BTreeMap::new();
        for id in ids {
            if let Some(user) = db::users::find(conn, &id)? {
                found.insert(id, user.email);
            }
        }
        Ok(found)
    })
    .await
}

/// When, in the society's style and UTC time.
fn moment(style: DateStyle, at: NaiveDateTime) -> Markup {
    html! { (date(style, at.date())) " " (at.format("%H:%M")) " UTC" }
}

/// Who published a version.
fn publisher_of(summary: &VersionSummary, emails: &BTreeMap<String, String>) -> String {
    match &summary.uploaded_by {
        Some(id) => emails.get(id).cloned().unwrap_or_else(|| id.clone()),
        None => "The command line".to_owned(),
    }
}

async fn overview_page(
    state: &AppState,
    viewer: &Viewer,
    slug: String,
    page: u32,
    forms: Forms,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let (society, _) = as_registrar(state, &viewer.caller, slug.clone()).await?;
    let style = DateStyle::for_country(society.country.as_deref());
    let versions = pathways::versions(
        state,
        slug.clone(),
        PageRequest {
            page,
            per_page: PER_PAGE,
        },
    )
    .await?;
    let current = match pathways::current(state, slug.clone(), today()).await {
        Ok(found) => Some(found.summary.number),
        Err(ApiError::NotFound(_)) => None,
        Err(e) => return Err(e.into()),
    };
    let emails = emails(
        state,
        versions
            .items
            .iter()
            .filter_map(|v| v.uploaded_by.clone())
            .collect(),
    )
    .await?;
    let latest = if versions.total > 0 {
        i32::try_from(versions.total).unwrap_or(i32::MAX)
    } else {
        0
    };
    let pages = u32::try_from((versions.total + i64::from(PER_PAGE) - 1) / i64::from(PER_PAGE))
        .unwrap_or(1);
    let csrf = viewer.csrf().unwrap_or_default();
    let title = format!("Pathway: {}", society.name);
    let Forms {
        adopt,
        adopt_errors,
        upload,
        upload_errors,
    } = forms;
    let format = if upload.format.is_empty() {
        "json"
    } else {
        upload.format.as_str()
    };
    Ok(page_response(
        status,
        layout::page(
            viewer,
            &title,
            html! {
                h1 { (title) }
                (super::nav(&slug, "pathway"))
                p { "The rules of the pathway, published as numbered versions. Each version applies to people who enter the pathway from its date; older versions stay as they were." }
                h2 { "Versions" }
                @if versions.items.is_empty() {
                    p { "No pathway has been published yet. Adopt a built-in pathway or upload your own document below." }
                } @else {
                    table class="stack" {
                        thead { tr {
                            th scope="col" { "Version" } th scope="col" { "Title" } th scope="col" { "Effective from" }
                            th scope="col" { "Published" } th scope="col" { "By" } th scope="col" { "Adopted from" }
                        } }
                        tbody {
                            @for v in &versions.items {
                                tr {
                                    td data-label="Version" {
                                        a href={ "/societies/" (slug) "/pathway/versions/" (v.number) } { "Version " (v.number) }
                                        @if current == Some(v.number) { br; span class="muted" { "Applies today" } }
                                    }
                                    td data-label="Title" { (v.title) " (" (v.version_label) ")" }
                                    td data-label="Effective from" { (date(style, v.effective_from)) }
                                    td data-label="Published" { (moment(style, v.uploaded_at)) }
                                    td data-label="By" { (publisher_of(v, &emails)) }
                                    td data-label="Adopted from" { (v.preset.as_deref().unwrap_or("—")) }
                                }
                            }
                        }
                    }
                    @if pages > 1 {
                        nav class="pagination" aria-label="Pages of versions" {
                            ul {
                                @if page > 1 { li { a href={ "/societies/" (slug) "/pathway?page=" (page - 1) } rel="prev" { "Previous page" } } }
                                li { "Page " (page) " of " (pages) }
                                @if page < pages { li { a href={ "/societies/" (slug) "/pathway?page=" (page + 1) } rel="next" { "Next page" } } }
                            }
                        }
                    }
                    @if latest > 1 {
                        (compare_form(&slug, latest - 1, latest, &FormErrors::default()))
                    }
                }
                h2 id="adopt" { "Adopt a built-in pathway" }
                p { "The pathway is copied as the next version, made this society's; you can upload a changed document later." }
                form class="stacked" method="post" action={ "/societies/" (slug) "/pathway/adopt" } {
                    (csrf_field(&csrf))
                    (adopt_errors.summary())
                    fieldset aria-describedby=[adopt_errors.described_by("preset")] {
                        legend { "Built-in pathway" }
                        (adopt_errors.next_to("preset"))
                        @for p in presets::all() {
                            div class="field checkbox" {
                                input type="radio" id={ "preset-" (p.id) } name="preset" value=(p.id)
                                    checked[adopt.preset == p.id];
                                label for={ "preset-" (p.id) } {
                                    (p.title) " — " (p.society)
                                    span class="hint" { (p.description) }
                                }
                            }
                        }
                    }
                    div class="field" {
                        label for="effective_from" { "Takes effect from" span class="hint" { "Optional: leave empty for the pathway's own date." } }
                        (adopt_errors.next_to("effective_from"))
                        input type="date" id="effective_from" name="effective_from" value=(adopt.effective_from)
                            aria-describedby=[adopt_errors.described_by("effective_from")] aria-invalid=[adopt_errors.invalid("effective_from")];
                    }
                    button type="submit" { "Adopt this pathway" }
                }
                h2 id="upload" { "Upload a pathway document" }
                p {
                    "Paste the whole document, in JSON or TOML, as the API takes it. "
                    "Its " code { "society" } " must be " code { (slug) } ". "
                    "Every problem is listed with its place in the document, for example "
                    code { "tiers[1].requirements[0].min" } "."
                }
                form class="stacked" method="post" action={ "/societies/" (slug) "/pathway/upload" } {
                    (csrf_field(&csrf))
                    (upload_errors.summary())
                    div class="field" {
                        label for="format" { "Format" }
                        (upload_errors.next_to("format"))
                        select id="format" name="format" aria-describedby=[upload_errors.described_by("format")] aria-invalid=[upload_errors.invalid("format")] {
                            option value="json" selected[format == "json"] { "JSON" }
                            option value="toml" selected[format == "toml"] { "TOML" }
                        }
                    }
                    div class="field" {
                        label for="document" { "Pathway document" }
                        (upload_errors.next_to("document"))
                        textarea id="document" name="document" class="code" rows="16" spellcheck="false"
                            aria-describedby=[upload_errors.described_by("document")] aria-invalid=[upload_errors.invalid("document")] { (upload.document) }
                    }
                    button type="submit" { "Publish this document" }
                }
            },
        ),
    ))
}

/// The form choosing two versions to compare.
fn compare_form(slug: &str, from: i32, to: i32, errors: &FormErrors) -> Markup {
    html! {
        h2 id="compare" { "Compare two versions" }
        form class="search-form" method="get" action={ "/societies/" (slug) "/pathway/compare" } {
            (errors.summary())
            div class="field" {
                label for="from" { "From version" }
                (errors.next_to("from"))
                input type="number" id="from" name="from" min="1" value=(from) required
                    aria-describedby=[errors.described_by("from")] aria-invalid=[errors.invalid("from")];
            }
            div class="field" {
                label for="to" { "To version" }
                (errors.next_to("to"))
                input type="number" id="to" name="to" min="1" value=(to) required
                    aria-describedby=[errors.described_by("to")] aria-invalid=[errors.invalid("to")];
            }
            div class="field" { button type="submit" { "Show what changed" } }
        }
    }
}

/// The version page's query.
#[derive(Debug, Default, Deserialize)]
pub struct VersionQuery {
    published: Option<String>,
}

/// `GET /societies/{society}/pathway/versions/{number}`: one version, its
/// tiers and its whole document.
pub async fn version(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
    query: Query<VersionQuery>,
) -> HttpResponse {
    let (slug, number) = path.into_inner();
    let published = query.published.is_some();
    let result = version_page(&state, &viewer, slug, &number, published).await;
    finish(&req, &viewer, result)
}

async fn version_page(
    state: &AppState,
    viewer: &Viewer,
    slug: String,
    number: &str,
    published: bool,
) -> Result<HttpResponse, PageError> {
    let (society, _) = as_registrar(state, &viewer.caller, slug.clone()).await?;
    let number = number
        .parse::<i32>()
        .ok()
        .filter(|n| *n >= 1)
        .ok_or_else(|| ApiError::NotFound(format!("version {number} of this pathway")))?;
    let found = pathways::version(state, slug.clone(), number).await?;
    let style = DateStyle::for_country(society.country.as_deref());
    let emails = emails(state, found.summary.uploaded_by.iter().cloned().collect()).await?;
    let document = pretty(&found)?;
    let s = &found.summary;
    let title = format!("Pathway version {}: {}", s.number, s.title);
    Ok(page_response(
        StatusCode::OK,
        layout::page(
            viewer,
            &title,
            html! {
                h1 { (title) }
                (super::nav(&slug, "pathway"))
                @if published { (notice(&format!("Version {} was published.", s.number))) }
                dl class="facts" {
                    dt { "Title" } dd { (s.title) }
                    dt { "Document id" } dd { code { (s.pathway_id) } }
                    dt { "Version label" } dd { (s.version_label) }
                    dt { "Effective from" } dd { (date(style, s.effective_from)) }
                    dt { "Published" } dd { (moment(style, s.uploaded_at)) }
                    dt { "By" } dd { (publisher_of(s, &emails)) }
                    dt { "Adopted from" } dd { (s.preset.as_deref().unwrap_or("Uploaded")) }
                }
                p class="actions" {
                    a href={ "/societies/" (slug) "/pathway" } { "All versions" }
                    @if s.number > 1 {
                        a href={ "/societies/" (slug) "/pathway/compare?from=" (s.number - 1) "&to=" (s.number) } { "What changed from version " (s.number - 1) }
                    }
                }
                h2 { "Tiers" }
                ol {
                    @for tier in found.pathway.tiers() {
                        li {
                            strong { (tier.name) } " " span class="muted" { "(" code { (tier.id.as_str()) } ")" }
                            @if !tier.requirements.is_empty() {
                                ", " (tier.requirements.len()) " requirement" @if tier.requirements.len() != 1 { "s" }
                            }
                            @if !tier.prerequisites.is_empty() {
                                "; after "
                                (tier.prerequisites.iter().map(|p| p.tier.as_str()).collect::<Vec<_>>().join(", "))
                            }
                            @if let Some(note) = &tier.note { br; span class="muted" { (note) } }
                        }
                    }
                }
                h2 { "The document" }
                pre class="document" { code { (document) } }
            },
        ),
    ))
}

/// A version's document as indented JSON.
fn pretty(version: &PathwayVersion) -> Result<String, ApiError> {
    serde_json::to_string_pretty(&version.pathway)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("serializing a pathway: {e}")))
}

/// The compare page's query, as typed.
#[derive(Debug, Default, Deserialize)]
pub struct CompareQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

/// `GET /societies/{society}/pathway/compare?from=1&to=2`: what changed
/// between two versions, tier by tier and line by line.
pub async fn compare(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
    query: Query<CompareQuery>,
) -> HttpResponse {
    let result = compare_page(&state, &viewer, path.into_inner(), query.into_inner()).await;
    finish(&req, &viewer, result)
}

/// A version number typed in field `field`, and found.
async fn chosen(
    state: &AppState,
    slug: &str,
    field: &str,
    typed: &str,
    problems: &mut Vec<FieldProblem>,
) -> Result<Option<PathwayVersion>, PageError> {
    let Some(number) = typed.trim().parse::<i32>().ok().filter(|n| *n >= 1) else {
        problems.push(FieldProblem::new(
            field,
            "Enter a version number, for example 1",
        ));
        return Ok(None);
    };
    match pathways::version(state, slug.to_owned(), number).await {
        Ok(found) => Ok(Some(found)),
        Err(ApiError::NotFound(_)) => {
            problems.push(FieldProblem::new(
                field,
                format!("There is no version {number}"),
            ));
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

async fn compare_page(
    state: &AppState,
    viewer: &Viewer,
    slug: String,
    query: CompareQuery,
) -> Result<HttpResponse, PageError> {
    let (society, _) = as_registrar(state, &viewer.caller, slug.clone()).await?;
    let mut problems = Vec::new();
    let from = chosen(state, &slug, "from", &query.from, &mut problems).await?;
    let to = chosen(state, &slug, "to", &query.to, &mut problems).await?;
    let errors = FormErrors::new(problems, &COMPARE_LABELS);
    let typed = |text: &str| text.trim().parse::<i32>().unwrap_or(1);
    let form = compare_form(&slug, typed(&query.from), typed(&query.to), &errors);
    let title = "What changed in the pathway".to_owned();
    let body = match (from, to) {
        (Some(from), Some(to)) => comparison(&society, &slug, &from, &to)?,
        _ => html! {},
    };
    let status = if errors.of("from").is_empty() && errors.of("to").is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(page_response(
        status,
        layout::page(
            viewer,
            &title,
            html! {
                h1 { (title) }
                (super::nav(&slug, "pathway"))
                p { a href={ "/societies/" (slug) "/pathway" } { "All versions" } }
                (form)
                (body)
            },
        ),
    ))
}

/// The differences between two versions: the facts, the tiers, then the
/// documents line by line.
fn comparison(
    society: &Society,
    slug: &str,
    from: &PathwayVersion,
    to: &PathwayVersion,
) -> Result<Markup, ApiError> {
    let style = DateStyle::for_country(society.country.as_deref());
    let (old, new) = (pretty(from)?, pretty(to)?);
    let tiers = tier_changes(&old, &new);
    let diff = TextDiff::from_lines(&old, &new);
    let (mut added, mut removed) = (0, 0);
    for change in diff.iter_all_changes() {
        match change.tag() {
            ChangeTag::Insert => added += 1,
            ChangeTag::Delete => removed += 1,
            ChangeTag::Equal => {}
        }
    }
    let (a, b) = (&from.summary, &to.summary);
    let link = |n: i32| html! { a href={ "/societies/" (slug) "/pathway/versions/" (n) } { "version " (n) } };
    Ok(html! {
        h2 { "From " (link(a.number)) " to " (link(b.number)) }
        table class="stack" {
            thead { tr { th scope="col" { "" } th scope="col" { "Version " (a.number) } th scope="col" { "Version " (b.number) } } }
            tbody {
                tr { th scope="row" { "Title" } td data-label={ "Version " (a.number) } { (a.title) } td data-label={ "Version " (b.number) } { (b.title) } }
                tr { th scope="row" { "Version label" } td data-label={ "Version " (a.number) } { (a.version_label) } td data-label={ "Version " (b.number) } { (b.version_label) } }
                tr { th scope="row" { "Effective from" } td data-label={ "Version " (a.number) } { (date(style, a.effective_from)) } td data-label={ "Version " (b.number) } { (date(style, b.effective_from)) } }
            }
        }
        @if added == 0 && removed == 0 {
            p { "The two documents are the same." }
        } @else {
            h3 { "Tiers" }
            @if tiers.is_empty() {
                p { "No tier changed; what changed is outside the tiers." }
            } @else {
                ul { @for line in &tiers { li { (line) } } }
            }
            h3 { "The documents, line by line" }
            p { (added) " line" @if added != 1 { "s" } " added and " (removed) " line" @if removed != 1 { "s" } " removed. Unchanged lines around each change are shown for context." }
            @for group in diff.grouped_ops(CONTEXT_LINES) {
                pre class="diff" {
                    @for op in &group {
                        @for change in diff.iter_changes(op) {
                            @let line = change.to_string_lossy();
                            @let line = line.trim_end_matches('\n');
                            @match change.tag() {
                                ChangeTag::Delete => {
                                    del { span class="visually-hidden" { "Removed: " } span aria-hidden="true" { "- " } (line) } "\n"
                                }
                                ChangeTag::Insert => {
                                    ins { span class="visually-hidden" { "Added: " } span aria-hidden="true" { "+ " } (line) } "\n"
                                }
                                ChangeTag::Equal => { "  " (line) "\n" }
                            }
                        }
                    }
                }
            }
        }
    })
}

/// Which tiers were added, removed or changed, by their ids.
fn tier_changes(old: &str, new: &str) -> Vec<String> {
    let tiers = |text: &str| -> Vec<(String, Value)> {
        serde_json::from_str::<Value>(text)
            .ok()
            .and_then(|v| v.get("tiers").and_then(Value::as_array).cloned())
            .unwrap_or_default()
            .into_iter()
            .map(|t| {
                let id = t.get("id").and_then(Value::as_str).unwrap_or("").to_owned();
                (id, t)
            })
            .collect()
    };
    let (old, new) = (tiers(old), tiers(new));
    let name = |t: &Value| {
        t.get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    let mut lines = Vec::new();
    for (id, tier) in &new {
        match old.iter().find(|(o, _)| o == id) {
            None => lines.push(format!("Added: {} ({id})", name(tier))),
            Some((_, before)) if before != tier => {
                lines.push(format!("Changed: {} ({id})", name(tier)));
            }
            Some(_) => {}
        }
    }
    for (id, tier) in &old {
        if !new.iter().any(|(n, _)| n == id) {
            lines.push(format!("Removed: {} ({id})", name(tier)));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tier_changes_name_added_removed_and_changed_tiers() {
        let old = r#"{"tiers": [{"id": "a", "name": "A"}, {"id": "b", "name": "B"}]}"#;
        let new = r#"{"tiers": [{"id": "a", "name": "A2"}, {"id": "c", "name": "C"}]}"#;
        assert_eq!(
            tier_changes(old, new),
            ["Changed: A2 (a)", "Added: C (c)", "Removed: B (b)"]
        );
        assert!(tier_changes(old, old).is_empty());
    }
}
