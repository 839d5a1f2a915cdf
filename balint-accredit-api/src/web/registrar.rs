//! The registrar's pages: the dashboard (applications waiting, renewals
//! due, recent status changes, every entry) and the status change form on
//! each register entry.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use balint_core::register::{RegistrarAction, Visibility};
use chrono::NaiveDate;
use maud::{html, Markup};
use serde::Deserialize;

use crate::actions::applications;
use crate::actions::register::due::{self as renewals_due, DueInput};
use crate::actions::register::status::{self as status_change, StatusInput};
use crate::actions::today;
use crate::app::AppState;
use crate::auth::permissions;
use crate::day::Day;
use crate::db;
use crate::db::applications::Status as ApplicationStatus;
use crate::edge::Form;
use crate::error::{ApiError, FieldProblem};
use crate::pagination::PageRequest;
use crate::web::dates::DateStyle;
use crate::web::layout::{self, csrf_field, date, day_words, maybe_date, FormErrors};
use crate::web::public::{entry_page, full_name, status_word, EntryExtras};
use crate::web::{
    encode, finish, ok, see_other, society, tier_names, PageError, TierNames, Viewer,
};

/// The registrar's status change form, as typed.
#[derive(Debug, Default, Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    effective: String,
    #[serde(default)]
    reason: String,
    /// Present (checked) when the reason is to be public.
    public: Option<String>,
}

const ACTIONS: [(&str, &str); 6] = [
    ("suspend", "Suspend"),
    ("reinstate", "Reinstate (end a suspension)"),
    ("revoke", "Revoke"),
    ("retire", "Retire"),
    ("lapse", "Mark lapsed"),
    ("mark_deceased", "Mark deceased"),
];

const LABELS: [(&str, &str); 4] = [
    ("action", "Change"),
    ("effective", "Effective date"),
    ("reason", "Reason"),
    ("public", "Show the reason publicly"),
];

/// The form on a register entry's page.
pub fn status_form(
    viewer: &Viewer,
    slug: &str,
    registration: &str,
    form: &StatusForm,
    errors: &FormErrors,
) -> Markup {
    let csrf = viewer.csrf().unwrap_or_default();
    let fresh = form.action.is_empty() && form.reason.is_empty();
    let effective = if form.effective.is_empty() {
        today().to_string()
    } else {
        form.effective.clone()
    };
    html! {
        h2 id="change-status" { "Change the status" }
        form class="stacked" method="post" action={ "/societies/" (slug) "/register/" (encode(registration)) "/status" } {
            (csrf_field(&csrf))
            (errors.summary())
            div class="field" {
                label for="action" { "Change" }
                (errors.next_to("action"))
                select id="action" name="action" aria-describedby=[errors.described_by("action")] aria-invalid=[errors.invalid("action")] {
                    @for (value, label) in ACTIONS {
                        option value=(value) selected[form.action == value] { (label) }
                    }
                }
            }
            div class="field" {
                label for="effective" { "Effective date" }
                (errors.next_to("effective"))
                input type="date" id="effective" name="effective" value=(effective) required
                    aria-describedby=[errors.described_by("effective")] aria-invalid=[errors.invalid("effective")];
            }
            div class="field" {
                label for="reason" { "Reason" span class="hint" { "Required. Shown on the public register only if you tick the box below." } }
                (errors.next_to("reason"))
                textarea id="reason" name="reason" required
                    aria-describedby=[errors.described_by("reason")] aria-invalid=[errors.invalid("reason")] { (form.reason) }
            }
            div class="field checkbox" {
                input type="checkbox" id="public" name="public" value="yes" checked[fresh || form.public.is_some()];
                label for="public" { "Show the reason publicly" }
            }
            button type="submit" { "Change status" }
        }
    }
}

/// `POST /societies/{society}/register/{registration}/status`: the API's
/// status change, from the form; problems are shown on the entry page.
pub async fn change_status(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
    form: Form<StatusForm>,
) -> HttpResponse {
    let (slug, registration) = path.into_inner();
    let form = form.into_inner();
    let result = async {
        viewer.check_csrf(&form.csrf)?;
        let mut problems = Vec::new();
        let action = serde_json::from_value::<RegistrarAction>(serde_json::Value::String(
            form.action.clone(),
        ))
        .map_err(|_| problems.push(FieldProblem::new("action", "Choose a change")))
        .ok();
        let effective = Day::parse(form.effective.trim())
            .map_err(|e| problems.push(FieldProblem::new("effective", day_words(e))))
            .ok();
        if form.reason.trim().is_empty() {
            problems.push(FieldProblem::new("reason", "Say why the status changes"));
        }
        let answer = match (action, effective, problems.is_empty()) {
            (Some(action), Some(effective), true) => {
                status_change::change_status(
                    &state,
                    &viewer.caller,
                    slug.clone(),
                    registration.clone(),
                    StatusInput {
                        action,
                        effective: effective.date(),
                        reason: form.reason.clone(),
                        visibility: if form.public.is_some() {
                            Visibility::Public
                        } else {
                            Visibility::Confidential
                        },
                    },
                )
                .await
            }
            _ => Err(ApiError::Unprocessable {
                detail: "the form has problems".to_owned(),
                errors: problems,
            }),
        };
        let (status, problems) = match answer {
            Ok(_) => {
                return Ok(see_other(&format!(
                    "/societies/{slug}/register/{}?changed=1",
                    encode(&registration)
                )))
            }
            Err(ApiError::Unprocessable { errors, detail })
                if !errors.is_empty() || !detail.is_empty() =>
            {
                let errors = if errors.is_empty() {
                    vec![FieldProblem::new("", detail)]
                } else {
                    errors
                };
                (StatusCode::UNPROCESSABLE_ENTITY, errors)
            }
            Err(ApiError::Conflict(why)) => (
                StatusCode::CONFLICT,
                vec![FieldProblem::new("action", crate::web::capitalised(&why))],
            ),
            Err(other) => return Err(other.into()),
        };
        entry_page(
            &state,
            &viewer,
            slug.clone(),
            registration.clone(),
            EntryExtras {
                errors: FormErrors::new(problems, &LABELS),
                form,
                status,
                notice: false,
            },
        )
        .await
    }
    .await;
    finish(&req, &viewer, result)
}

/// `GET /societies/{society}/dashboard`: the registrar's overview.
pub async fn dashboard(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
) -> HttpResponse {
    let result = dashboard_page(&state, &viewer, path.into_inner()).await;
    finish(&req, &viewer, result)
}

/// One change of one entry, for "recent status changes".
struct RecentChange {
    effective: NaiveDate,
    registration: String,
    name: String,
    action: String,
    to: String,
}

async fn dashboard_page(
    state: &web::Data<AppState>,
    viewer: &Viewer,
    slug: String,
) -> Result<HttpResponse, PageError> {
    permissions::require_user(&viewer.caller)?;
    let society = society(state, slug.clone()).await?;
    permissions::require_registrar(&viewer.caller, &society.id)?;
    let style = DateStyle::for_country(society.country.as_deref());
    let today = today();
    let due = renewals_due::due(
        state,
        &viewer.caller,
        slug.clone(),
        DueInput {
            within_days: Some(90),
            as_of: None,
        },
    )
    .await?;
    let pending = PageRequest {
        page: 1,
        per_page: 100,
    };
    let waiting = applications::for_society(
        state,
        &viewer.caller,
        slug.clone(),
        Ok((pending, Some(ApplicationStatus::Pending))),
    )
    .await?
    .page;
    let society_id = society.id.clone();
    let (entries, tiers) = db::run(&state.pool, move |conn| {
        let entries =
            db::register::with_people(conn, &society_id, db::register::Listing::Everyone)?;
        let tiers = tier_names(conn, &society_id, today)?;
        Ok((entries, tiers))
    })
    .await?;
    let names = TierNames::new(&tiers);
    let mut recent: Vec<RecentChange> = entries
        .iter()
        .flat_map(|(stored, person)| {
            stored.entry.history().iter().map(move |c| RecentChange {
                effective: c.effective,
                registration: stored.entry.registration().as_str().to_owned(),
                name: full_name(person.title.as_deref(), &person.name()),
                action: c.action.as_str().to_owned(),
                to: c.to.as_str().to_owned(),
            })
        })
        .collect();
    recent.sort_by(|a, b| (b.effective, &b.registration).cmp(&(a.effective, &a.registration)));
    recent.truncate(20);
    let title = format!("Registrar dashboard: {}", society.name);
    Ok(ok(layout::page(
        viewer,
        &title,
        html! {
            h1 { (title) }
            p { a href={ "/societies/" (slug) "/register" } { "The public register" } }
            h2 { "Applications waiting for a decision" }
            @if waiting.items.is_empty() {
                p { "No application is waiting." }
            } @else {
                p { (waiting.total) " waiting, oldest first. Each links to the applicant's progress as it stands today." }
                table class="stack" {
                    thead { tr { th scope="col" { "Applicant" } th scope="col" { "Tier" } th scope="col" { "Applied" } th scope="col" { "Basis" } } }
                    tbody {
                        @for named in &waiting.items {
                            @let a = &named.application;
                            tr {
                                td data-label="Applicant" { a href={ "/societies/" (slug) "/people/" (a.person_id) "/progress?tier=" (encode(&a.tier)) } { (named.person_name) } }
                                td data-label="Tier" { (named.tier_name()) }
                                td data-label="Applied" { (date(style, a.applied_at.date())) }
                                td data-label="Basis" {
                                    (match a.basis.as_str() {
                                        "eligible" => "Eligible when applying",
                                        "override" => "Not eligible; override recorded",
                                        "conferred" => "Conferred by invitation",
                                        other => other,
                                    })
                                    @if let Some(r) = &a.basis_reason { br; span class="muted" { (r) } }
                                }
                            }
                        }
                    }
                }
            }
            h2 { "Due for renewal within 90 days" }
            @if due.is_empty() {
                p { "No entry is due for renewal in the next 90 days." }
            } @else {
                table class="stack" {
                    thead { tr { th scope="col" { "Entry" } th scope="col" { "Tier" } th scope="col" { "Valid until" } th scope="col" { "Days left" } th scope="col" { "Lapses on" } } }
                    tbody {
                        @for d in &due {
                            tr {
                                td data-label="Entry" { a href={ "/societies/" (slug) "/register/" (encode(&d.registration)) } { (d.name) } " (" (d.registration) ")" }
                                td data-label="Tier" { (names.name(&d.tier)) }
                                td data-label="Valid until" { (date(style, d.valid_until)) }
                                td data-label="Days left" { (d.days_left) }
                                td data-label="Lapses on" { (maybe_date(style, d.lapses_on)) }
                            }
                        }
                    }
                }
            }
            h2 { "Recent status changes" }
            @if recent.is_empty() {
                p { "The register has no entries yet." }
            } @else {
                table class="stack" {
                    thead { tr { th scope="col" { "Date" } th scope="col" { "Entry" } th scope="col" { "Change" } th scope="col" { "Status after" } } }
                    tbody {
                        @for c in &recent {
                            tr {
                                td data-label="Date" { (date(style, c.effective)) }
                                td data-label="Entry" { a href={ "/societies/" (slug) "/register/" (encode(&c.registration)) } { (c.name) } " (" (c.registration) ")" }
                                td data-label="Change" { (crate::web::capitalised(&crate::web::words(&c.action))) }
                                td data-label="Status after" { (status_word(&c.to)) }
                            }
                        }
                    }
                }
            }
            h2 { "Every entry" }
            @if entries.is_empty() {
                p { "The register has no entries yet." }
            } @else {
                table class="stack" {
                    thead { tr { th scope="col" { "Entry" } th scope="col" { "Tier" } th scope="col" { "Status today" } th scope="col" { "Listed publicly" } } }
                    tbody {
                        @for (stored, person) in &entries {
                            @let registration = stored.entry.registration().as_str();
                            tr {
                                td data-label="Entry" { a href={ "/societies/" (slug) "/register/" (encode(registration)) } { (full_name(person.title.as_deref(), &person.name())) } " (" (registration) ")" }
                                td data-label="Tier" { (db::register::current_tier(&stored.entry).map(|t| names.name(t.as_str())).unwrap_or_default()) }
                                td data-label="Status today" {
                                    @match stored.entry.status_as_of(today) {
                                        Some(s) => (status_word(s.as_str())),
                                        None => "Not yet in effect",
                                    }
                                }
                                td data-label="Listed publicly" { @if person.public_listing { "Yes" } @else { "No" } }
                            }
                        }
                    }
                }
            }
        },
    )))
}
