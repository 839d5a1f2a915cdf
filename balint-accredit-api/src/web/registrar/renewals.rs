//! The registrar's renewals: the entries due (their cycle ends soon, or
//! they are in their grace period), the renewal form of one entry, and the
//! lapse job. The same actions as the API's `renewals-due`, `renew` and
//! `lapse` endpoints.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use balint_core::register::Visibility;
use maud::{html, Markup};
use serde::Deserialize;

use crate::actions::register::due::{self as renewals_due, DueInput};
use crate::actions::register::lapse;
use crate::actions::register::public::{self, Shown};
use crate::actions::register::renew::{self, RenewError, RenewalInput};
use crate::actions::{self, today};
use crate::app::AppState;
use crate::day::Day;
use crate::edge::{Form, Query};
use crate::error::{ApiError, FieldProblem};
use crate::pagination::PageRequest;
use crate::web::dates::DateStyle;
use crate::web::layout::{
    self, csrf_field, date, day_words, maybe_date, notice, pager, FormErrors,
};
use crate::web::public::full_name;
use crate::web::{
    capitalised, encode, finish, ok, page_response, see_other, society, tier_names, PageError,
    TierNames, Viewer,
};

/// The list's query: how far ahead to look, in days.
#[derive(Debug, Default, Deserialize)]
pub struct DueQuery {
    within: Option<String>,
    page: Option<String>,
    /// After a renewal: the entry renewed.
    renewed: Option<String>,
}

/// Entries per page of the renewals due.
const DUE_PER_PAGE: u32 = 50;

/// The horizons offered, in days.
const HORIZONS: [u32; 4] = [30, 90, 180, 366];

/// `GET /societies/{society}/renewals?within=`: the entries due for
/// renewal, soonest first, each with its renewal form one click away; and
/// the lapse job.
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
    query: Query<DueQuery>,
) -> HttpResponse {
    let slug = path.into_inner();
    let query = query.into_inner();
    let result = async {
        let within = match query.within.as_deref().map(str::trim) {
            None | Some("") => 90,
            Some(days) => days.parse::<u32>().map_err(|_| {
                ApiError::bad_request("within", "must be a number of days from 1 to 366")
            })?,
        };
        let page = PageRequest {
            page: super::page_number(query.page.as_deref())?,
            per_page: DUE_PER_PAGE,
        };
        let renewals_due::DuePage {
            society,
            due,
            total,
        } = renewals_due::due_page(
            &state,
            &viewer.caller,
            slug.clone(),
            DueInput {
                within_days: Some(within),
                as_of: None,
            },
            Some(page),
        )
        .await?;
        let link_to = |n: u32| format!("/societies/{slug}/renewals?within={within}&page={n}");
        let names = names(&state, &society.id).await?;
        let style = DateStyle::for_country(society.country.as_deref());
        let title = format!("Renewals: {}", society.name);
        Ok(ok(layout::page(
            &viewer,
            &title,
            html! {
                h1 { (title) }
                (super::nav(&slug, "renewals"))
                @if let Some(r) = &query.renewed { (notice(&format!("Entry {r} was renewed."))) }
                form class="search-form" method="get" action={ "/societies/" (slug) "/renewals" } {
                    div class="field" {
                        label for="within" { "Cycle ends within" }
                        select id="within" name="within" {
                            @for days in HORIZONS {
                                option value=(days) selected[days == within] { (days) " days" }
                            }
                        }
                    }
                    div class="field" { button type="submit" { "Show" } }
                }
                p id="due-count" {
                    (total) @if total == 1 { " entry is" } @else { " entries are" }
                    " due within " (within) " days or in their grace period, soonest first."
                }
                @if !due.is_empty() {
                    div class="table-wrap" {
                        table class="stack" aria-describedby="due-count" {
                            thead { tr {
                                th scope="col" { "Entry" }
                                th scope="col" { "Tier" }
                                th scope="col" { "Valid until" }
                                th scope="col" { "Days left" }
                                th scope="col" { "Lapses on" }
                                th scope="col" { "Renew" }
                            } }
                            tbody {
                                @for d in &due {
                                    tr {
                                        td data-label="Entry" { a href={ "/societies/" (slug) "/register/" (encode(&d.registration)) } { (d.name) } " (" (d.registration) ")" }
                                        td data-label="Tier" { (names.name(&d.tier)) }
                                        td data-label="Valid until" { (date(style, d.valid_until)) }
                                        td data-label="Days left" {
                                            @if d.days_left < 0 { "In grace period (" (-d.days_left) " days past)" } @else { (d.days_left) }
                                        }
                                        td data-label="Lapses on" { (maybe_date(style, d.lapses_on)) }
                                        td data-label="Renew" { a href={ "/societies/" (slug) "/renewals/" (encode(&d.registration)) } { "Renew " span class="visually-hidden" { (d.name) } } }
                                    }
                                }
                            }
                        }
                    }
                }
                (pager("Pages of renewals due", page.page, page.per_page, total, link_to))
                h2 { "Lapse entries past their grace period" }
                p { "Every accredited entry whose cycle ended and whose grace period has passed is marked lapsed, as of today. Running it twice on a day changes nothing; the command line's " code { "balint-accredit lapse" } " does the same." }
                form method="post" action={ "/societies/" (slug) "/renewals/lapse" } {
                    (csrf_field(&viewer.csrf().unwrap_or_default()))
                    button type="submit" class="button-secondary" { "Run the lapse job" }
                }
            },
        )))
    }
    .await;
    finish(&req, &viewer, result)
}

async fn names(state: &AppState, society_id: &str) -> Result<TierNames, ApiError> {
    let society_id = society_id.to_owned();
    let today = today();
    let tiers = crate::db::run(&state.pool, move |conn| {
        tier_names(conn, &society_id, today)
    })
    .await?;
    Ok(TierNames::new(&tiers))
}

/// Only the CSRF token.
#[derive(Debug, Default, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /societies/{society}/renewals/lapse`: the lapse job, with what it
/// lapsed.
pub async fn run_lapse(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
    form: Form<CsrfForm>,
) -> HttpResponse {
    let slug = path.into_inner();
    let result = async {
        viewer.check_csrf(&form.csrf)?;
        let run = lapse::lapse(&state, &viewer.caller, slug.clone(), None).await?;
        let society = society(&state, slug.clone()).await?;
        let style = DateStyle::for_country(society.country.as_deref());
        let title = "The lapse job ran";
        Ok(ok(layout::page(
            &viewer,
            title,
            html! {
                h1 { (title) }
                (super::nav(&slug, "renewals"))
                p { "As of " (date(style, run.as_of)) ": "
                    @match run.lapsed.len() {
                        0 => "no entry was past its grace period.",
                        1 => "1 entry lapsed.",
                        n => { (n) " entries lapsed." },
                    }
                }
                @if !run.lapsed.is_empty() {
                    ul {
                        @for l in &run.lapsed {
                            li { a href={ "/societies/" (slug) "/register/" (encode(l.registration.as_str())) } { (l.registration.as_str()) } ", lapsed from " (date(style, l.change.effective)) }
                        }
                    }
                }
                p { a href={ "/societies/" (slug) "/renewals" } { "Back to the renewals" } }
            },
        )))
    }
    .await;
    finish(&req, &viewer, result)
}

/// The renewal form, as typed.
#[derive(Debug, Default, Deserialize)]
pub struct RenewalForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    effective: String,
    #[serde(default)]
    reason: String,
    /// Present when the renewal's reason is to be public.
    public: Option<String>,
    /// Why the registrar renews although the requirements are not met.
    #[serde(default)]
    override_reason: String,
}

const LABELS: [(&str, &str); 4] = [
    ("effective", "Effective date"),
    ("reason", "Reason"),
    (
        "override.reason",
        "Renew although the requirements are not met, because",
    ),
    ("registration", "Entry"),
];

/// `GET /societies/{society}/renewals/{registration}`: the renewal form
/// of one entry.
pub async fn form(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let (slug, registration) = path.into_inner();
    let result = renewal_page(
        &state,
        &viewer,
        slug,
        registration,
        &RenewalForm::default(),
        FormErrors::default(),
        None,
        StatusCode::OK,
    )
    .await;
    finish(&req, &viewer, result)
}

#[allow(clippy::too_many_arguments)]
async fn renewal_page(
    state: &AppState,
    viewer: &Viewer,
    slug: String,
    registration: String,
    form: &RenewalForm,
    errors: FormErrors,
    refusal: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let (society, _) = actions::as_registrar(state, &viewer.caller, slug.clone()).await?;
    let Shown::Registrar(found) =
        public::entry(state, &viewer.caller, slug.clone(), registration.clone()).await?
    else {
        // The registrar sees every field; anything else is a fault.
        return Err(
            ApiError::Internal(anyhow::anyhow!("the registrar was shown a public entry")).into(),
        );
    };
    let (stored, person) = (found.stored, found.person);
    let style = DateStyle::for_country(society.country.as_deref());
    let name = full_name(person.title.as_deref(), &person.name());
    let title = format!("Renew {name} ({registration})");
    let entry = &stored.entry;
    let today = today();
    let as_of = Day::parse(form.effective.trim()).map_or(today, |d| d.date());
    let preview = renew::preview(
        state,
        &viewer.caller,
        slug.clone(),
        registration.clone(),
        as_of,
    )
    .await;
    Ok(page_response(
        status,
        layout::page(
            viewer,
            &title,
            html! {
                h1 { (title) }
                (super::nav(&slug, "renewals"))
                dl class="facts" {
                    dt { "Status today" } dd { (entry.status_as_of(today).map(|s| capitalised(s.as_str())).unwrap_or_else(|| "Not yet in effect".to_owned())) }
                    dt { "Valid until" } dd { (maybe_date(style, entry.valid_until())) }
                }
                h2 { "The renewal assessment" }
                (preview_words(&preview, style, as_of))
                p class="muted" { "The renewal requirements of the tier are assessed over the cycle being renewed, as of the effective date, counting attested records only. When they are not met, renewing changes nothing and lists what is missing; you may then renew by override with a reason." }
                @if let Some(why) = &refusal {
                    div class="error-summary" role="alert" tabindex="-1" autofocus {
                        h2 { "The renewal requirements are not met" }
                        p { (capitalised(why)) "." }
                        (errors.summary_list())
                    }
                } @else {
                    (errors.summary())
                }
                (renewal_form(viewer, &slug, &registration, form, &errors))
            },
        ),
    ))
}

/// The assessment a renewal on `as_of` would be made on, in words.
fn preview_words(
    preview: &Result<renew::Preview, RenewError>,
    style: DateStyle,
    as_of: chrono::NaiveDate,
) -> Markup {
    match preview {
        Ok(p) => {
            let missing = p
                .assessment
                .as_ref()
                .map(crate::actions::applications::shortfalls)
                .unwrap_or_default();
            html! {
                p {
                    "Renewed on " (date(style, as_of)) ", the entry would run to " (date(style, p.valid_until)) ". "
                    "The cycle assessed runs from " (date(style, p.cycle_first_day)) " to " (date(style, p.cycle_last_day)) "."
                }
                @match &p.assessment {
                    None => p class="verdict" { "The renewal rule sets no requirements." },
                    Some(a) if a.eligible => p class="verdict" { "The renewal requirements are met." },
                    Some(_) => {
                        p class="verdict" { "The renewal requirements are not met:" }
                        ul { @for m in &missing { li { (m.message) } } }
                    }
                }
            }
        }
        Err(e) => html! { p class="verdict" { "It cannot be renewed: " (e) "." } },
    }
}

fn renewal_form(
    viewer: &Viewer,
    slug: &str,
    registration: &str,
    form: &RenewalForm,
    errors: &FormErrors,
) -> Markup {
    let effective = if form.effective.is_empty() {
        today().to_string()
    } else {
        form.effective.clone()
    };
    html! {
        form class="stacked" method="post" action={ "/societies/" (slug) "/renewals/" (encode(registration)) } {
            (csrf_field(&viewer.csrf().unwrap_or_default()))
            div class="field" {
                label for="effective" { "Effective date" }
                (errors.next_to("effective"))
                input type="date" id="effective" name="effective" value=(effective) required
                    aria-describedby=[errors.described_by("effective")] aria-invalid=[errors.invalid("effective")];
            }
            div class="field" {
                label for="reason" { "Reason" span class="hint" { "Required, for example \"renewal approved by the committee\"" } }
                (errors.next_to("reason"))
                textarea id="reason" name="reason" required
                    aria-describedby=[errors.described_by("reason")] aria-invalid=[errors.invalid("reason")] { (form.reason) }
            }
            div class="field checkbox" {
                input type="checkbox" id="public" name="public" value="yes" checked[form.public.is_some()];
                label for="public" { "Show the reason publicly" }
            }
            div class="field" {
                label for="override.reason" { "Renew although the requirements are not met, because" span class="hint" { "Only when they are not met; leave empty otherwise" } }
                (errors.next_to("override.reason"))
                textarea id="override.reason" name="override_reason"
                    aria-describedby=[errors.described_by("override.reason")] aria-invalid=[errors.invalid("override.reason")] { (form.override_reason) }
            }
            button type="submit" { "Renew" }
        }
    }
}

/// `POST /societies/{society}/renewals/{registration}`: the renewal.
pub async fn renew(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
    form: Form<RenewalForm>,
) -> HttpResponse {
    let (slug, registration) = path.into_inner();
    let form = form.into_inner();
    let result = async {
        viewer.check_csrf(&form.csrf)?;
        let effective = match Day::parse(form.effective.trim()) {
            Ok(day) => day,
            Err(e) => {
                let problems = vec![FieldProblem::new("effective", day_words(e))];
                return renewal_page(
                    &state,
                    &viewer,
                    slug,
                    registration,
                    &form,
                    FormErrors::new(problems, &LABELS),
                    None,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await;
            }
        };
        let overriding = form.override_reason.trim();
        let answer = renew::renew(
            &state,
            &viewer.caller,
            slug.clone(),
            registration.clone(),
            RenewalInput {
                effective: effective.date(),
                reason: form.reason.clone(),
                visibility: Some(if form.public.is_some() {
                    Visibility::Public
                } else {
                    Visibility::Confidential
                }),
                overriding: (!overriding.is_empty()).then(|| overriding.to_owned()),
            },
        )
        .await;
        let capitalised_all = |problems: Vec<FieldProblem>| -> Vec<FieldProblem> {
            problems
                .into_iter()
                .map(|p| FieldProblem::new(p.field, capitalised(&p.message)))
                .collect()
        };
        let (status, refusal, problems) = match answer {
            Ok(_) => {
                return Ok(see_other(&format!(
                    "/societies/{slug}/renewals?renewed={}",
                    encode(&registration)
                )))
            }
            // The requirements are not met over the cycle: what is missing.
            Err(e @ RenewError::NotMet { .. }) => {
                let words = e.to_string();
                let RenewError::NotMet { shortfalls, .. } = e else {
                    unreachable!("matched above")
                };
                (StatusCode::UNPROCESSABLE_ENTITY, Some(words), shortfalls)
            }
            Err(RenewError::Invalid(problems)) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                capitalised_all(problems),
            ),
            Err(e @ RenewError::OverrideNotNeeded(_)) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                vec![FieldProblem::new(
                    "override.reason",
                    capitalised(&e.to_string()),
                )],
            ),
            Err(
                e @ (RenewError::Refused(_) | RenewError::NoRenewalCycle | RenewError::NoPathway),
            ) => (
                StatusCode::CONFLICT,
                None,
                vec![FieldProblem::new(
                    "registration",
                    capitalised(&e.to_string()),
                )],
            ),
            Err(other) => return Err(other.into()),
        };
        renewal_page(
            &state,
            &viewer,
            slug,
            registration,
            &form,
            FormErrors::new(problems, &LABELS),
            refusal,
            status,
        )
        .await
    }
    .await;
    finish(&req, &viewer, result)
}
