//! The ledger page: a person's records, a page at a time, and the form to
//! add one.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use balint_core::ledger::{
    ActivityKind, Delivery, EventType, PrerequisiteType, ReportType, SupervisionFormat, Unit,
};
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::actions::ledger;
use crate::app::AppState;
use crate::db::activities::{LedgerFilter, StoredActivity};
use crate::db::{self, people::Person};
use crate::edge::{Form, Query};
use crate::error::{ApiError, FieldProblem};
use crate::pagination::PageRequest;
use crate::web::dates::DateStyle;
use crate::web::layout::{self, csrf_field, date, FormErrors};
use crate::web::public::full_name;
use crate::web::{
    capitalised, finish, kind_label, page_response, see_other, words, PageError, Viewer,
};

use super::{trainee, PeopleNames};

/// The add-a-record form, as typed.
#[derive(Debug, Default, Deserialize)]
pub struct RecordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    cases: String,
    #[serde(default)]
    delivery: String,
    #[serde(default)]
    attestor: String,
    #[serde(default)]
    co_leader: String,
    #[serde(default)]
    supervisor: String,
    #[serde(default)]
    duration_minutes: String,
    #[serde(default)]
    days: String,
    #[serde(default)]
    group: String,
    /// `true` when the box is ticked (browsers send nothing otherwise).
    #[serde(default)]
    ongoing_group: String,
    #[serde(default)]
    setting: String,
    #[serde(default)]
    event_type: String,
    #[serde(default)]
    provider: String,
    /// `true` when the box is ticked.
    #[serde(default)]
    provider_approved: String,
    #[serde(default)]
    supervision_format: String,
    #[serde(default)]
    report_type: String,
    #[serde(default)]
    prerequisite_type: String,
    #[serde(default)]
    notes: String,
}

const LABELS: [(&str, &str); 21] = [
    ("kind", "Kind"),
    ("date", "Date"),
    ("amount", "Amount"),
    ("unit", "Unit"),
    ("cases", "Cases"),
    ("delivery", "Delivery"),
    ("attestor", "Attestor"),
    ("co_leader", "Co-leader"),
    ("supervisor", "Supervisor"),
    ("duration_minutes", "Length in minutes"),
    ("days", "Length in days"),
    ("group", "Group"),
    ("ongoing_group", "An ongoing group"),
    ("setting", "Setting"),
    ("event_type", "Event type"),
    ("provider", "Provider"),
    ("provider_approved", "Approved provider"),
    ("supervision_format", "Supervision format"),
    ("report_type", "Report type"),
    ("prerequisite_type", "Prerequisite type"),
    ("notes", "Notes"),
];

impl RecordForm {
    /// The API's record, from the fields filled in.
    fn body(&self) -> Map<String, Value> {
        let mut body = Map::new();
        for (name, value) in [
            ("kind", &self.kind),
            ("date", &self.date),
            ("amount", &self.amount),
            ("unit", &self.unit),
            ("cases", &self.cases),
            ("delivery", &self.delivery),
            ("attestor", &self.attestor),
            ("co_leader", &self.co_leader),
            ("supervisor", &self.supervisor),
            ("duration_minutes", &self.duration_minutes),
            ("days", &self.days),
            ("group", &self.group),
            ("ongoing_group", &self.ongoing_group),
            ("setting", &self.setting),
            ("event_type", &self.event_type),
            ("provider", &self.provider),
            ("provider_approved", &self.provider_approved),
            ("supervision_format", &self.supervision_format),
            ("report_type", &self.report_type),
            ("prerequisite_type", &self.prerequisite_type),
            ("notes", &self.notes),
        ] {
            let value = value.trim();
            if !value.is_empty() {
                body.insert(name.to_owned(), Value::String(value.to_owned()));
            }
        }
        body
    }
}

/// `?recorded=1` after a record was added.
#[derive(Debug, Default, Deserialize)]
pub struct RecordedQuery {
    recorded: Option<String>,
    page: Option<String>,
}

/// `GET /societies/{society}/people/{person}/activities`: the ledger and
/// the form to add a record.
pub async fn ledger(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
    query: Query<RecordedQuery>,
) -> HttpResponse {
    let (slug, person_id) = path.into_inner();
    let query = query.into_inner();
    let page = query
        .page
        .as_deref()
        .and_then(|p| p.parse::<u32>().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    let result = ledger_page(
        &state,
        &viewer,
        slug,
        person_id,
        LedgerExtras {
            form: RecordForm::default(),
            errors: FormErrors::default(),
            status: StatusCode::OK,
            notice: query.recorded.is_some(),
            page,
        },
    )
    .await;
    finish(&req, &viewer, result)
}

struct LedgerExtras {
    form: RecordForm,
    errors: FormErrors,
    status: StatusCode,
    notice: bool,
    page: u32,
}

/// Records per page of the ledger.
const PER_PAGE: u32 = 50;

async fn ledger_page(
    state: &web::Data<AppState>,
    viewer: &Viewer,
    slug: String,
    person_id: String,
    extras: LedgerExtras,
) -> Result<HttpResponse, PageError> {
    let (society, person) = trainee(state, viewer, slug.clone(), person_id.clone()).await?;
    let style = DateStyle::for_country(society.country.as_deref());
    let page = PageRequest {
        page: extras.page,
        per_page: PER_PAGE,
    };
    let (_, records) = ledger::browse(
        state,
        &viewer.caller,
        slug.clone(),
        person_id.clone(),
        LedgerFilter::default(),
        page,
    )
    .await?;
    let society_id = society.id.clone();
    // The people the records name, in one query: the society may have
    // more people than the form's lists offer.
    let named: Vec<String> = records
        .items
        .iter()
        .flat_map(|r| [&r.activity.attestor, &r.activity.co_leader])
        .flatten()
        .map(|p| p.as_str().to_owned())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let (people, names) = db::run(&state.pool, move |conn| {
        let people = db::people::list(
            conn,
            &society_id,
            &db::people::PersonFilter::default(),
            PageRequest {
                page: 1,
                per_page: 100,
            },
        )?
        .items;
        let names = PeopleNames::new(db::people::named(conn, &society_id, &named)?);
        Ok((people, names))
    })
    .await?;
    let name_of = |id: &Option<String>| {
        id.as_deref()
            .map(|id| names.name(id))
            .unwrap_or_else(|| "—".to_owned())
    };
    let others: Vec<&Person> = people.iter().filter(|p| p.id != person.id).collect();
    let name = full_name(person.title.as_deref(), &person.name());
    let title = format!("Ledger of {name}");
    let form = &extras.form;
    let errors = &extras.errors;
    let csrf = viewer.csrf().unwrap_or_default();
    let pages = u32::try_from((records.total + i64::from(PER_PAGE) - 1) / i64::from(PER_PAGE))
        .unwrap_or(1)
        .max(1);
    let here = format!("/societies/{slug}/people/{person_id}/activities");
    // A field: its label and hint, its problem if any, then its control.
    let labelled =
        |field: &'static str, label: &'static str, hint: &'static str, control: Markup| {
            html! {
                div class="field" {
                    label for=(field) { (label) span class="hint" { (hint) } }
                    (errors.next_to(field))
                    (control)
                }
            }
        };
    // A drop-down of `(value, shown)` choices after an empty one.
    let choice_select = |field: &'static str,
                         label: &'static str,
                         hint: &'static str,
                         empty: &'static str,
                         choices: Vec<(String, String)>,
                         chosen: &str| {
        labelled(
            field,
            label,
            hint,
            html! {
                select id=(field) name=(field) aria-describedby=[errors.described_by(field)] aria-invalid=[errors.invalid(field)] {
                    option value="" { (empty) }
                    @for (value, shown) in &choices {
                        option value=(value) selected[chosen == value] { (shown) }
                    }
                }
            },
        )
    };
    let person_select =
        |field: &'static str, label: &'static str, hint: &'static str, chosen: &str| {
            let people = others
                .iter()
                .map(|p| (p.id.clone(), full_name(p.title.as_deref(), &p.name())))
                .collect();
            choice_select(field, label, hint, "Nobody", people, chosen)
        };
    let text_field = |field: &'static str,
                      label: &'static str,
                      hint: &'static str,
                      mode: &'static str,
                      value: &str| {
        labelled(
            field,
            label,
            hint,
            html! {
                input type="text" inputmode=(mode) id=(field) name=(field) value=(value)
                    aria-describedby=[errors.described_by(field)] aria-invalid=[errors.invalid(field)];
            },
        )
    };
    let check_field = |field: &'static str,
                       label: &'static str,
                       hint: &'static str,
                       value: &str| {
        html! {
            div class="field" {
                (errors.next_to(field))
                div class="checkbox" {
                    input type="checkbox" id=(field) name=(field) value="true" checked[value == "true"]
                        aria-describedby=[errors.described_by(field)] aria-invalid=[errors.invalid(field)];
                    label for=(field) { (label) span class="hint" { (hint) } }
                }
            }
        }
    };
    let word_select = |field: &'static str,
                       label: &'static str,
                       hint: &'static str,
                       choices: Vec<&'static str>,
                       chosen: &str| {
        let choices = choices
            .into_iter()
            .map(|choice| (choice.to_owned(), capitalised(&words(choice))))
            .collect();
        choice_select(field, label, hint, "None", choices, chosen)
    };
    let body = layout::page(
        viewer,
        &title,
        html! {
            p class="muted" { (society.name) }
            h1 { (title) }
            @if extras.notice { (layout::notice("The record was added. It is pending until the attestor confirms it.")) }
            p { a href={ "/societies/" (slug) "/people/" (person_id) "/progress" } { "See progress" } }
            h2 id="records" { "Records" }
            @if records.items.is_empty() {
                p { "No records yet." }
            } @else {
                div class="table-wrap" {
                    table class="stack" aria-describedby="records" {
                        thead { tr { th scope="col" { "Date" } th scope="col" { "Kind" } th scope="col" { "Amount" } th scope="col" { "Attestor" } th scope="col" { "Status" } } }
                        tbody {
                            @for r in &records.items {
                                @let attestor = r.activity.attestor.as_ref().map(|p| p.as_str().to_owned());
                                @let co_leader = r.activity.co_leader.as_ref().map(|p| p.as_str().to_owned());
                                (record_row(r, style, &name_of(&attestor), co_leader.as_ref().map(|_| name_of(&co_leader))))
                            }
                        }
                    }
                }
                @if pages > 1 {
                    nav class="pagination" aria-label="Pages of records" {
                        ul {
                            @if extras.page > 1 { li { a href={ (here) "?page=" (extras.page - 1) } rel="prev" { "Previous page" } } }
                            li { "Page " (extras.page) " of " (pages) }
                            @if extras.page < pages { li { a href={ (here) "?page=" (extras.page + 1) } rel="next" { "Next page" } } }
                        }
                    }
                }
            }
            h2 id="add" { "Add a record" }
            form class="stacked" method="post" action=(here) novalidate {
                (csrf_field(&csrf))
                (errors.summary())
                div class="field" {
                    label for="kind" { "Kind" }
                    (errors.next_to("kind"))
                    select id="kind" name="kind" aria-describedby=[errors.described_by("kind")] aria-invalid=[errors.invalid("kind")] {
                        option value="" { "Choose a kind" }
                        @for k in ActivityKind::ALL {
                            option value=(k.as_str()) selected[form.kind == k.as_str()] { (kind_label(k.as_str())) }
                        }
                    }
                }
                div class="field" {
                    label for="date" { "Date" span class="hint" { "The day it took place, for example 2026-03-03" } }
                    (errors.next_to("date"))
                    input type="date" id="date" name="date" value=(form.date)
                        aria-describedby=[errors.described_by("date")] aria-invalid=[errors.invalid("date")];
                }
                div class="field" {
                    label for="amount" { "Amount" span class="hint" { "How many, in the unit below, for example 1 or 1.5" } }
                    (errors.next_to("amount"))
                    input type="text" inputmode="decimal" id="amount" name="amount" value=(form.amount)
                        aria-describedby=[errors.described_by("amount")] aria-invalid=[errors.invalid("amount")];
                }
                div class="field" {
                    label for="unit" { "Unit" }
                    (errors.next_to("unit"))
                    select id="unit" name="unit" aria-describedby=[errors.described_by("unit")] aria-invalid=[errors.invalid("unit")] {
                        option value="" { "Choose a unit" }
                        @for u in Unit::ALL {
                            option value=(u.as_str()) selected[form.unit == u.as_str()] { (capitalised(&words(u.as_str()))) }
                        }
                    }
                }
                div class="field" {
                    label for="cases" { "Cases" span class="hint" { "For leading and co-leading: cases discussed (optional)" } }
                    (errors.next_to("cases"))
                    input type="text" inputmode="numeric" id="cases" name="cases" value=(form.cases)
                        aria-describedby=[errors.described_by("cases")] aria-invalid=[errors.invalid("cases")];
                }
                div class="field" {
                    label for="delivery" { "Delivery" }
                    (errors.next_to("delivery"))
                    select id="delivery" name="delivery" aria-describedby=[errors.described_by("delivery")] aria-invalid=[errors.invalid("delivery")] {
                        @for d in Delivery::ALL {
                            option value=(d.as_str()) selected[form.delivery == d.as_str()] { (capitalised(&words(d.as_str()))) }
                        }
                    }
                }
                (person_select("attestor", "Attestor", "Who confirms this record: the group's leader, your co-leader, supervisor or the organiser", &form.attestor))
                (person_select("co_leader", "Co-leader", "Required for co-leading", &form.co_leader))
                (person_select("supervisor", "Supervisor", "For supervision", &form.supervisor))
                fieldset {
                    legend { "Details some requirements ask for" span class="hint" { "Optional; fill in what applies" } }
                    (text_field("duration_minutes", "Length in minutes", "Lets sessions count as time, for example 90", "numeric", &form.duration_minutes))
                    (text_field("days", "Length in days", "For an event over several days, for example 2 for a weekend", "numeric", &form.days))
                    (text_field("group", "Group", "The Balint group's name", "text", &form.group))
                    (check_field("ongoing_group", "An ongoing group", "It meets regularly with the same members", &form.ongoing_group))
                    (text_field("setting", "Setting", "For example general practice training", "text", &form.setting))
                    (word_select("event_type", "Event type", "For workshops and intensives", EventType::ALL.iter().map(|w| w.as_str()).collect(), &form.event_type))
                    (text_field("provider", "Provider", "Who ran the workshop or intensive", "text", &form.provider))
                    (check_field("provider_approved", "Approved provider", "The society approves this provider", &form.provider_approved))
                    (word_select("supervision_format", "Supervision format", "For supervision", SupervisionFormat::ALL.iter().map(|w| w.as_str()).collect(), &form.supervision_format))
                    (word_select("report_type", "Report type", "For reports and evaluations", ReportType::ALL.iter().map(|w| w.as_str()).collect(), &form.report_type))
                    (word_select("prerequisite_type", "Prerequisite type", "For prerequisites", PrerequisiteType::ALL.iter().map(|w| w.as_str()).collect(), &form.prerequisite_type))
                }
                div class="field" {
                    label for="notes" { "Notes" span class="hint" { "Optional" } }
                    (errors.next_to("notes"))
                    textarea id="notes" name="notes" aria-describedby=[errors.described_by("notes")] aria-invalid=[errors.invalid("notes")] { (form.notes) }
                }
                button type="submit" { "Add record" }
            }
        },
    );
    Ok(page_response(extras.status, body))
}

fn record_row(
    stored: &StoredActivity,
    style: DateStyle,
    attestor: &str,
    co_leader: Option<String>,
) -> Markup {
    let r = &stored.activity;
    let status = stored.status.as_str();
    html! {
        tr {
            td data-label="Date" { (date(style, r.date)) }
            td data-label="Kind" { (kind_label(&r.kind.to_string())) @if let Some(c) = co_leader { " with " (c) } }
            td data-label="Amount" { (r.amount) " " (words(&r.unit.to_string())) @if let Some(c) = r.cases { " (" (c) " cases)" } }
            td data-label="Attestor" { (attestor) }
            td data-label="Status" {
                span class={ "status status-" (status) } { (capitalised(status)) }
                @if let Some(d) = &stored.decision {
                    @if let Some(c) = &d.comment { br; span class="muted" { "“" (c) "”" } }
                }
            }
        }
    }
}

/// `POST /societies/{society}/people/{person}/activities`: the API's
/// recording, from the form; every problem is shown next to its field and
/// in a summary, and the form keeps what was typed.
pub async fn record(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
    form: Form<RecordForm>,
) -> HttpResponse {
    let (slug, person_id) = path.into_inner();
    let form = form.into_inner();
    let result = async {
        viewer.check_csrf(&form.csrf)?;
        let (draft, problems) = crate::ledger::read(&form.body(), "", crate::actions::today());
        let answer = ledger::record(
            &state,
            &viewer.caller,
            slug.clone(),
            person_id.clone(),
            draft,
            problems,
        )
        .await;
        let problems: Vec<FieldProblem> = match answer {
            Ok(_) => {
                return Ok(see_other(&format!(
                    "/societies/{slug}/people/{person_id}/activities?recorded=1"
                )))
            }
            Err(ApiError::Unprocessable { errors, detail }) => {
                if errors.is_empty() {
                    vec![FieldProblem::new("", detail)]
                } else {
                    errors
                        .into_iter()
                        .map(|p| FieldProblem::new(p.field.clone(), capitalised(&p.message)))
                        .collect()
                }
            }
            Err(other) => return Err(other.into()),
        };
        ledger_page(
            &state,
            &viewer,
            slug.clone(),
            person_id.clone(),
            LedgerExtras {
                form,
                errors: FormErrors::new(problems, &LABELS),
                status: StatusCode::UNPROCESSABLE_ENTITY,
                notice: false,
                page: 1,
            },
        )
        .await
    }
    .await;
    finish(&req, &viewer, result)
}
