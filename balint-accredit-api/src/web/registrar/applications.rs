//! The registrar's pages of applications: the list (waiting, granted,
//! declined), one application with the assessment frozen when it was made,
//! and the decision form (grant or decline, with the effective date and a
//! reason). The same actions as the API's `applications` endpoints.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use balint_core::evaluate::Assessment;
use balint_core::register::Visibility;
use maud::{html, Markup};
use serde::Deserialize;

use crate::actions::applications::{self, DecideError, DecisionRequest, Named, Outcome, Shown};
use crate::actions::today;
use crate::app::AppState;
use crate::day::Day;
use crate::db::applications::{Basis, Status};
use crate::edge::{Form, Query};
use crate::error::{ApiError, FieldProblem};
use crate::pagination::PageRequest;
use crate::web::dates::DateStyle;
use crate::web::layout::{self, csrf_field, date, day_words, notice, pager, FormErrors};
use crate::web::{capitalised, encode, finish, ok, page_response, see_other, Viewer};

/// Applications per page of the list.
const PER_PAGE: u32 = 50;

/// The list's query: which applications, and the page.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    page: Option<String>,
}

/// The statuses the list filters by, with their labels; `all` shows every
/// application.
const FILTERS: [(&str, &str); 4] = [
    ("pending", "Waiting for a decision"),
    ("granted", "Granted"),
    ("declined", "Declined"),
    ("all", "All"),
];

/// `GET /societies/{society}/applications?status=`: the applications,
/// oldest first; without a status, those waiting for a decision.
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
    query: Query<ListQuery>,
) -> HttpResponse {
    let slug = path.into_inner();
    let query = query.into_inner();
    let result = async {
        let filter = query
            .status
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .unwrap_or("pending")
            .to_owned();
        let status = match filter.as_str() {
            "all" => Ok(None),
            word => word
                .parse::<Status>()
                .map(Some)
                .map_err(|e| ApiError::bad_request("status", e)),
        };
        let page = super::page_number(query.page.as_deref());
        let read = page.and_then(|page| {
            status.map(|status| {
                (
                    PageRequest {
                        page,
                        per_page: PER_PAGE,
                    },
                    status,
                )
            })
        });
        let listed = applications::for_society(&state, &viewer.caller, slug.clone(), read).await?;
        let society = &listed.society;
        let style = DateStyle::for_country(society.country.as_deref());
        let title = format!("Applications: {}", society.name);
        let found = &listed.page;
        let link_to = |n: u32| format!("/societies/{slug}/applications?status={filter}&page={n}");
        Ok(ok(layout::page(
            &viewer,
            &title,
            html! {
                h1 { (title) }
                (super::nav(&slug, "applications"))
                nav class="filters" aria-label="Which applications" {
                    ul {
                        @for (value, label) in FILTERS {
                            li {
                                a href={ "/societies/" (slug) "/applications?status=" (value) }
                                    aria-current=[(value == filter).then_some("page")] { (label) }
                            }
                        }
                    }
                }
                p id="applications-count" { (found.total) @if found.total == 1 { " application" } @else { " applications" } ", oldest first." }
                @if found.items.is_empty() {
                    p { "There are no such applications." }
                } @else {
                    div class="table-wrap" {
                        table class="stack" aria-describedby="applications-count" {
                            thead { tr {
                                th scope="col" { "Applicant" }
                                th scope="col" { "Tier" }
                                th scope="col" { "Applied" }
                                th scope="col" { "Basis" }
                                th scope="col" { "Status" }
                            } }
                            tbody {
                                @for named in &found.items {
                                    @let a = &named.application;
                                    tr {
                                        td data-label="Applicant" { a href={ "/societies/" (slug) "/applications/" (a.id) } { (named.person_name) } }
                                        td data-label="Tier" { (named.tier_name()) }
                                        td data-label="Applied" { (date(style, a.applied_at.date())) }
                                        td data-label="Basis" { (basis_words(a.basis)) }
                                        td data-label="Status" { (status_words(a.status)) }
                                    }
                                }
                            }
                        }
                    }
                }
                (pager("Pages of applications", found.page, found.per_page, found.total, link_to))
            },
        )))
    }
    .await;
    finish(&req, &viewer, result)
}

/// Why an application could be made, in words.
pub fn basis_words(basis: Basis) -> &'static str {
    match basis {
        Basis::Eligible => "Eligible when applying",
        Basis::Override => "Not eligible; override recorded",
        Basis::Conferred => "Conferred by invitation",
    }
}

fn status_words(status: Status) -> Markup {
    let (class, word) = match status {
        Status::Pending => ("status status-pending", "Waiting for a decision"),
        Status::Granted => ("status status-accredited", "Granted"),
        Status::Declined => ("status status-revoked", "Declined"),
    };
    html! { span class=(class) { (word) } }
}

/// The decision form, as typed.
#[derive(Debug, Default, Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    effective: String,
    #[serde(default)]
    reason: String,
    /// Present (checked) when a grant's reason is to be public.
    public: Option<String>,
}

const LABELS: [(&str, &str); 4] = [
    ("outcome", "Decision"),
    ("effective", "Effective date"),
    ("reason", "Reason"),
    ("public", "Show the reason publicly"),
];

/// `?decided=` after a decision.
#[derive(Debug, Default, Deserialize)]
pub struct ShowQuery {
    decided: Option<String>,
}

/// `GET /societies/{society}/applications/{id}`: one application, the
/// assessment frozen when it was made, and the decision (or its form).
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
    query: Query<ShowQuery>,
) -> HttpResponse {
    let (slug, id) = path.into_inner();
    let result = async {
        // The registrar's page: the applicant reads theirs on their own pages.
        crate::actions::as_registrar(&state, &viewer.caller, slug.clone()).await?;
        let shown = applications::one(&state, &viewer.caller, slug.clone(), id).await?;
        Ok(application_page(
            &viewer,
            &slug,
            &shown,
            &DecisionForm::default(),
            FormErrors::default(),
            query.decided.is_some(),
            StatusCode::OK,
        ))
    }
    .await;
    finish(&req, &viewer, result)
}

/// `POST /societies/{society}/applications/{id}`: the registrar's decision.
pub async fn decide(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
    form: Form<DecisionForm>,
) -> HttpResponse {
    let (slug, id) = path.into_inner();
    let form = form.into_inner();
    let result = async {
        viewer.check_csrf(&form.csrf)?;
        let mut problems = Vec::new();
        let outcome = match form.outcome.as_str() {
            "grant" => Some(Outcome::Grant),
            "decline" => Some(Outcome::Decline),
            _ => {
                problems.push(FieldProblem::new("outcome", "Choose grant or decline"));
                None
            }
        };
        let effective = Day::parse(form.effective.trim())
            .map_err(|e| problems.push(FieldProblem::new("effective", day_words(e))))
            .ok();
        if form.reason.trim().is_empty() {
            problems.push(FieldProblem::new("reason", "Say why"));
        }
        let (Some(outcome), Some(effective), true) = (outcome, effective, problems.is_empty())
        else {
            let shown = applications::one(&state, &viewer.caller, slug.clone(), id).await?;
            return Ok(application_page(
                &viewer,
                &slug,
                &shown,
                &form,
                FormErrors::new(problems, &LABELS),
                false,
                StatusCode::UNPROCESSABLE_ENTITY,
            ));
        };
        let answer = applications::decide(
            &state,
            &viewer.caller,
            slug.clone(),
            id.clone(),
            DecisionRequest {
                outcome,
                effective: effective.date(),
                reason: form.reason.clone(),
                visibility: if form.public.is_some() {
                    Visibility::Public
                } else {
                    Visibility::Confidential
                },
            },
        )
        .await;
        let (status, problems) = match answer {
            Ok(_) => {
                return Ok(see_other(&format!(
                    "/societies/{slug}/applications/{}?decided=1",
                    encode(&id)
                )))
            }
            Err(DecideError::Invalid(errors)) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                errors
                    .into_iter()
                    .map(|p| FieldProblem::new(p.field, capitalised(&p.message)))
                    .collect(),
            ),
            Err(e @ DecideError::AlreadyDecided(_)) => (
                StatusCode::CONFLICT,
                vec![FieldProblem::new("outcome", capitalised(&e.to_string()))],
            ),
            // The register refused the grant (e.g. dated before the entry's
            // latest change): said next to the date.
            Err(e @ DecideError::Failed(_)) => match ApiError::from(e) {
                ApiError::Conflict(why) => (
                    StatusCode::CONFLICT,
                    vec![FieldProblem::new("effective", capitalised(&why))],
                ),
                other => return Err(other.into()),
            },
            Err(other) => return Err(other.into()),
        };
        let shown = applications::one(&state, &viewer.caller, slug.clone(), id).await?;
        Ok(application_page(
            &viewer,
            &slug,
            &shown,
            &form,
            FormErrors::new(problems, &LABELS),
            false,
            status,
        ))
    }
    .await;
    finish(&req, &viewer, result)
}

fn application_page(
    viewer: &Viewer,
    slug: &str,
    shown: &Shown,
    form: &DecisionForm,
    errors: FormErrors,
    decided: bool,
    status: StatusCode,
) -> HttpResponse {
    let named: &Named = &shown.named;
    let a = &named.application;
    let style = DateStyle::for_country(shown.society.country.as_deref());
    let title = format!(
        "{}: application for {}",
        named.person_name,
        named.tier_name()
    );
    let frozen = serde_json::from_value::<Assessment<'static>>(a.assessment.clone()).ok();
    page_response(
        status,
        layout::page(
            viewer,
            &title,
            html! {
                h1 { (title) }
                (super::nav(slug, "applications"))
                @if decided { (notice("The decision was recorded.")) }
                dl class="facts" {
                    dt { "Applicant" } dd { a href={ "/societies/" (slug) "/people/" (a.person_id) } { (named.person_name) } }
                    dt { "Tier" } dd { (named.tier_name()) }
                    dt { "Applied" } dd { (date(style, a.applied_at.date())) }
                    dt { "Basis" } dd {
                        (basis_words(a.basis))
                        @if let Some(r) = &a.basis_reason { br; span class="muted" { (r) } }
                    }
                    @if let Some(note) = &a.note { dt { "Their note" } dd { (note) } }
                    dt { "Status" } dd { (status_words(a.status)) }
                }
                p {
                    a href={ "/societies/" (slug) "/people/" (a.person_id) "/progress?tier=" (encode(&a.tier)) } { "Their progress as it stands today" }
                }
                h2 { "The assessment when they applied" }
                @match &frozen {
                    Some(assessment) => (frozen_assessment(assessment, style)),
                    None => p { "The assessment stored with this application cannot be read; its JSON is in the API's answer." },
                }
                @match &a.decision {
                    Some(d) => {
                        h2 id="decide" { "The decision" }
                        (errors.summary())
                        dl class="facts" {
                            dt { "Decision" } dd { (status_words(d.outcome)) }
                            dt { "Effective" } dd { (date(style, d.effective)) }
                            dt { "Reason" } dd { (d.reason) @if d.visibility == Visibility::Public { " (shown publicly)" } }
                            dt { "Decided" } dd { (date(style, d.decided_at.date())) }
                            @if let Some(r) = &d.registration {
                                dt { "Register entry" } dd { a href={ "/societies/" (slug) "/register/" (encode(r)) } { (r) } }
                            }
                        }
                    }
                    None => (decision_form(viewer, slug, &a.id, form, &errors)),
                }
            },
        ),
    )
}

/// The frozen assessment: the verdict, what was missing, and each
/// requirement with what it had.
fn frozen_assessment(a: &Assessment<'_>, style: DateStyle) -> Markup {
    let missing = applications::shortfalls(a);
    html! {
        p class="verdict" {
            @if a.eligible { "Eligible: every mandatory requirement was met." }
            @else { "Not eligible when they applied." }
        }
        p class="muted" {
            "As of " (date(style, a.as_of)) ", under "
            @if a.pathway_title.is_empty() { (a.pathway) } @else { (a.pathway_title) }
            " (version " (a.pathway_version) ")."
        }
        @if !missing.is_empty() {
            h3 { "What was missing" }
            ul { @for m in &missing { li { (m.message) } } }
        }
        details {
            summary { "Every requirement (" (a.mandatory.len() + a.desirable.len()) ")" }
            table class="stack" {
                thead { tr { th scope="col" { "Requirement" } th scope="col" { "Level" } th scope="col" { "Met" } th scope="col" { "Achieved" } } }
                tbody {
                    @for r in a.mandatory.iter().chain(&a.desirable) {
                        tr {
                            td data-label="Requirement" { (r.title) }
                            td data-label="Level" { (capitalised(&format!("{:?}", r.level).to_lowercase())) }
                            td data-label="Met" { @if r.met { "Yes" } @else { "No" } }
                            td data-label="Achieved" {
                                @match (&r.achieved, &r.required) {
                                    (Some(got), Some(needed)) => { (got) " of " (needed) }
                                    _ => "—",
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn decision_form(
    viewer: &Viewer,
    slug: &str,
    id: &str,
    form: &DecisionForm,
    errors: &FormErrors,
) -> Markup {
    let csrf = viewer.csrf().unwrap_or_default();
    let effective = if form.effective.is_empty() {
        today().to_string()
    } else {
        form.effective.clone()
    };
    html! {
        h2 id="decide" { "Decide" }
        form class="stacked" method="post" action={ "/societies/" (slug) "/applications/" (encode(id)) } {
            (csrf_field(&csrf))
            (errors.summary())
            fieldset id="outcome" aria-describedby=[errors.described_by("outcome")] {
                legend { "Decision" }
                (errors.next_to("outcome"))
                div class="field checkbox" {
                    input type="radio" id="outcome-grant" name="outcome" value="grant" checked[form.outcome == "grant"];
                    label for="outcome-grant" { "Grant: put the tier on their register entry" }
                }
                div class="field checkbox" {
                    input type="radio" id="outcome-decline" name="outcome" value="decline" checked[form.outcome == "decline"];
                    label for="outcome-decline" { "Decline" }
                }
            }
            div class="field" {
                label for="effective" { "Effective date" span class="hint" { "On a grant, the day the tier is held from and its first renewal cycle starts" } }
                (errors.next_to("effective"))
                input type="date" id="effective" name="effective" value=(effective) required
                    aria-describedby=[errors.described_by("effective")] aria-invalid=[errors.invalid("effective")];
            }
            div class="field" {
                label for="reason" { "Reason" span class="hint" { "Required; for example the committee's minute. Kept confidential unless you tick the box below." } }
                (errors.next_to("reason"))
                textarea id="reason" name="reason" required
                    aria-describedby=[errors.described_by("reason")] aria-invalid=[errors.invalid("reason")] { (form.reason) }
            }
            div class="field checkbox" {
                input type="checkbox" id="public" name="public" value="yes" checked[form.public.is_some()];
                label for="public" { "Show the reason publicly (grants only)" }
            }
            button type="submit" { "Record the decision" }
        }
    }
}
