//! The registrar's training programmes: the list with the form that
//! creates one, and a programme's attendance view (each trainee's
//! sessions against those required, their assessments and the next one
//! due) with its CSV download and the form that adds a trainee. The same
//! actions as the API's `programmes` endpoints.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use maud::html;
use serde::Deserialize;

use crate::actions::programmes::{self as action, ProgrammeInput};
use crate::actions::today;
use crate::app::AppState;
use crate::day::Day;
use crate::db::{self, people::PersonFilter};
use crate::edge::{Form, Query};
use crate::error::{ApiError, FieldProblem};
use crate::pagination::PageRequest;
use crate::web::dates::DateStyle;
use crate::web::layout::{self, csrf_field, date, day_words, notice, FormErrors};
use crate::web::public::full_name;
use crate::web::{encode, finish, ok, see_other, society, PageError, Viewer};

/// The form that creates a programme.
#[derive(Debug, Default, Deserialize)]
pub struct ProgrammeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    sessions_required: String,
    #[serde(default)]
    assessment_months: String,
}

const PROGRAMME_LABELS: &[(&str, &str)] = &[
    ("id", "Short name"),
    ("name", "Name"),
    ("sessions_required", "Sessions required"),
    ("assessment_months", "Months between assessments"),
];

/// `GET /societies/{society}/programmes`: the programmes and the form.
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
) -> HttpResponse {
    let slug = path.into_inner();
    let form = ProgrammeForm {
        sessions_required: "30".to_owned(),
        assessment_months: "6".to_owned(),
        ..ProgrammeForm::default()
    };
    let result = list_page(&state, &viewer, slug, &form, None).await;
    finish(&req, &viewer, result)
}

/// `POST /societies/{society}/programmes`: create one, then its page.
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
    form: Form<ProgrammeForm>,
) -> HttpResponse {
    let slug = path.into_inner();
    let form = form.into_inner();
    let result = async {
        viewer.check_csrf(&form.csrf)?;
        let number = |text: &str| text.trim().parse::<i32>().unwrap_or(0);
        let created = action::create(
            &state,
            &viewer.caller,
            slug.clone(),
            ProgrammeInput {
                slug: form.id.trim().to_owned(),
                name: form.name.clone(),
                sessions_required: number(&form.sessions_required),
                assessment_months: number(&form.assessment_months),
            },
        )
        .await;
        match created {
            Ok(p) => Ok(see_other(&format!(
                "/societies/{slug}/programmes/{}",
                encode(&p.slug)
            ))),
            Err(ApiError::Unprocessable { errors, .. }) => {
                let errors = FormErrors::new(errors, PROGRAMME_LABELS);
                let mut page = list_page(&state, &viewer, slug, &form, Some(errors)).await?;
                *page.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
                Ok(page)
            }
            Err(ApiError::Conflict(detail)) => {
                let errors =
                    FormErrors::new(vec![FieldProblem::new("id", detail)], PROGRAMME_LABELS);
                let mut page = list_page(&state, &viewer, slug, &form, Some(errors)).await?;
                *page.status_mut() = StatusCode::CONFLICT;
                Ok(page)
            }
            Err(e) => Err(e.into()),
        }
    }
    .await;
    finish(&req, &viewer, result)
}

async fn list_page(
    state: &AppState,
    viewer: &Viewer,
    slug: String,
    form: &ProgrammeForm,
    errors: Option<FormErrors>,
) -> Result<HttpResponse, PageError> {
    let programmes = action::list(state, &viewer.caller, slug.clone()).await?;
    let society = society(state, slug.clone()).await?;
    let errors = errors.unwrap_or_else(|| FormErrors::new(Vec::new(), PROGRAMME_LABELS));
    let csrf = viewer.csrf().unwrap_or_default();
    let title = format!("Training programmes: {}", society.name);
    Ok(ok(layout::page(
        viewer,
        &title,
        html! {
            h1 { (title) }
            (super::nav(&slug, "programmes"))
            p { "A training programme follows a cohort of trainees (for example a year's core psychiatry trainees) from the same ledger: each trainee's group sessions against the number the programme asks for, and their Case-Based Discussion Group Assessments with the day the next one is due." }
            @if programmes.is_empty() {
                p { "No programmes yet." }
            } @else {
                ul {
                    @for p in &programmes {
                        li { a href={ "/societies/" (slug) "/programmes/" (encode(&p.slug)) } { (p.name) } " (" (p.sessions_required) " sessions, an assessment every " (p.assessment_months) " months)" }
                    }
                }
            }
            h2 { "Create a programme" }
            form class="stacked" method="post" action={ "/societies/" (slug) "/programmes" } novalidate {
                (errors.summary())
                (csrf_field(&csrf))
                div class="field" {
                    label for="name" { "Name" span class="hint" { "For example: Core psychiatry training, 2026 intake" } }
                    (errors.next_to("name"))
                    input type="text" id="name" name="name" value=(form.name) required
                        aria-describedby=[errors.described_by("name")] aria-invalid=[errors.invalid("name")];
                }
                div class="field" {
                    label for="id" { "Short name" span class="hint" { "Lower-case letters, digits and hyphens, for its address: core-psych-2026" } }
                    (errors.next_to("id"))
                    input type="text" id="id" name="id" value=(form.id) required
                        aria-describedby=[errors.described_by("id")] aria-invalid=[errors.invalid("id")];
                }
                div class="field" {
                    label for="sessions_required" { "Sessions required" }
                    (errors.next_to("sessions_required"))
                    input type="number" id="sessions_required" name="sessions_required" min="1" max="1000" value=(form.sessions_required) required
                        aria-describedby=[errors.described_by("sessions_required")] aria-invalid=[errors.invalid("sessions_required")];
                }
                div class="field" {
                    label for="assessment_months" { "Months between assessments" }
                    (errors.next_to("assessment_months"))
                    input type="number" id="assessment_months" name="assessment_months" min="1" max="60" value=(form.assessment_months) required
                        aria-describedby=[errors.described_by("assessment_months")] aria-invalid=[errors.invalid("assessment_months")];
                }
                button type="submit" { "Create the programme" }
            }
        },
    )))
}

/// `?as_of=` of the attendance view, and the trainee just added.
#[derive(Debug, Default, Deserialize)]
pub struct AttendanceQuery {
    as_of: Option<String>,
    added: Option<String>,
}

fn as_of(query: &AttendanceQuery) -> Result<chrono::NaiveDate, ApiError> {
    match query.as_of.as_deref().map(str::trim) {
        None | Some("") => Ok(today()),
        Some(text) => Day::parse(text)
            .map(Day::date)
            .map_err(|e| ApiError::bad_request("as_of", day_words(e))),
    }
}

/// `GET /societies/{society}/programmes/{programme}?as_of=`: the
/// attendance view.
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
    query: Query<AttendanceQuery>,
) -> HttpResponse {
    let (slug, programme) = path.into_inner();
    let query = query.into_inner();
    let result = async {
        let as_of = as_of(&query)?;
        let view =
            action::attendance(&state, &viewer.caller, slug.clone(), programme, as_of).await?;
        let society = society(&state, slug.clone()).await?;
        let society_id = society.id.clone();
        let people = db::run(&state.pool, move |conn| {
            db::people::list(
                conn,
                &society_id,
                &PersonFilter::default(),
                PageRequest {
                    page: 1,
                    per_page: 100,
                },
            )
        })
        .await?;
        let style = DateStyle::for_country(society.country.as_deref());
        let p = &view.programme;
        let here = format!("/societies/{slug}/programmes/{}", encode(&p.slug));
        let csrf = viewer.csrf().unwrap_or_default();
        let title = p.name.clone();
        let complete = view.trainees.iter().filter(|t| t.complete).count();
        let overdue = view.trainees.iter().filter(|t| t.overdue).count();
        Ok::<_, PageError>(ok(layout::page(
            &viewer,
            &title,
            html! {
                p class="muted" { (society.name) }
                h1 { (title) }
                (super::nav(&slug, "programmes"))
                @if let Some(added) = &query.added { (notice(&format!("{added} was added to the programme."))) }
                p id="summary" {
                    (view.trainees.len()) " trainee" @if view.trainees.len() != 1 { "s" } " as of " (date(style, view.as_of)) ": "
                    (complete) " with the " (p.sessions_required) " sessions required, "
                    (overdue) " with an assessment overdue (one is due every " (p.assessment_months) " months)."
                }
                form class="search-form no-print" method="get" action=(here) {
                    div class="field" {
                        label for="as_of" { "As of" }
                        input type="date" id="as_of" name="as_of" value=(view.as_of);
                    }
                    div class="field" { button type="submit" { "Show" } }
                }
                ul class="actions no-print" {
                    li { a href={ (here) "/export?as_of=" (view.as_of) } download { "Download as CSV" } }
                }
                @if !view.trainees.is_empty() {
                    div class="table-wrap" {
                        table class="stack" aria-describedby="summary" {
                            thead { tr {
                                th scope="col" { "Trainee" }
                                th scope="col" { "Joined" }
                                th scope="col" { "Sessions" }
                                th scope="col" { "Assessments" }
                                th scope="col" { "Next assessment due" }
                            } }
                            tbody {
                                @for t in &view.trainees {
                                    tr {
                                        td data-label="Trainee" { a href={ "/societies/" (slug) "/people/" (encode(&t.person_id)) } { (t.name) } }
                                        td data-label="Joined" { (date(style, t.joined_on)) }
                                        td data-label="Sessions" {
                                            (t.sessions) " of " (p.sessions_required)
                                            @if t.complete { " — complete" }
                                            @if !t.pending_sessions.is_zero() { " (" (t.pending_sessions) " waiting for their attestor)" }
                                        }
                                        td data-label="Assessments" {
                                            @if t.assessments.is_empty() { "None yet" }
                                            @else {
                                                (t.assessments.len()) ", the last on " (date(style, *t.assessments.last().unwrap_or(&t.joined_on)))
                                            }
                                        }
                                        td data-label="Next assessment due" {
                                            (date(style, t.next_due))
                                            @if t.overdue { strong { " — overdue" } }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                h2 { "Add a trainee" }
                form class="stacked no-print" method="post" action={ (here) "/trainees" } {
                    (csrf_field(&csrf))
                    div class="field" {
                        label for="person_id" { "Person" }
                        select id="person_id" name="person_id" required {
                            @for person in &people.items {
                                option value=(person.id) { (full_name(person.title.as_deref(), &person.name())) }
                            }
                        }
                    }
                    div class="field" {
                        label for="joined_on" { "Joined the programme on" span class="hint" { "Their sessions count from this day" } }
                        input type="date" id="joined_on" name="joined_on" required;
                    }
                    button type="submit" { "Add the trainee" }
                }
            },
        )))
    }
    .await;
    finish(&req, &viewer, result)
}

/// `GET /societies/{society}/programmes/{programme}/export?as_of=`: the
/// view as CSV, the same file as the API's.
pub async fn export(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
    query: Query<AttendanceQuery>,
) -> HttpResponse {
    let (slug, programme) = path.into_inner();
    let query = query.into_inner();
    let result = async {
        let as_of = as_of(&query)?;
        let view = action::attendance(&state, &viewer.caller, slug, programme, as_of).await?;
        let csv = action::attendance_csv(&view)
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("writing CSV: {e}")))?;
        Ok::<_, PageError>(
            HttpResponse::Ok()
                .content_type("text/csv; charset=utf-8")
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .insert_header((
                    header::CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename=\"attendance-{}-{as_of}.csv\"",
                        view.programme.slug
                    ),
                ))
                .body(csv),
        )
    }
    .await;
    finish(&req, &viewer, result)
}

/// The form that adds a trainee.
#[derive(Debug, Default, Deserialize)]
pub struct TraineeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    person_id: String,
    #[serde(default)]
    joined_on: String,
}

/// `POST /societies/{society}/programmes/{programme}/trainees`: add one,
/// then back to the view; a problem is drawn as the error page.
pub async fn add_trainee(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
    form: Form<TraineeForm>,
) -> HttpResponse {
    let (slug, programme) = path.into_inner();
    let form = form.into_inner();
    let result = async {
        viewer.check_csrf(&form.csrf)?;
        let joined_on = Day::parse(form.joined_on.trim())
            .map_err(|e| ApiError::unprocessable("joined_on", day_words(e)))?;
        let trainee = action::add_trainee(
            &state,
            &viewer.caller,
            slug.clone(),
            programme.clone(),
            form.person_id.trim().to_owned(),
            joined_on.date(),
        )
        .await?;
        Ok::<_, PageError>(see_other(&format!(
            "/societies/{slug}/programmes/{}?added={}",
            encode(&programme),
            encode(&trainee.person_id)
        )))
    }
    .await;
    finish(&req, &viewer, result)
}
