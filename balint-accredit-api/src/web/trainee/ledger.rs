//! The ledger page: a person's records, a page at a time, and the form to
//! add one; the forms to change a pending record and to withdraw it (after
//! a confirmation).
//!
//! The people the form offers as attestor, co-leader and supervisor are
//! those who can confirm a record ([`super::Attestors`]): a drop-down when
//! they are few, a search field with suggestions when they are many.

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
use crate::db;
use crate::db::activities::{LedgerFilter, Status, StoredActivity};
use crate::edge::{Form, Query};
use crate::error::{ApiError, FieldProblem};
use crate::pagination::PageRequest;
use crate::web::dates::DateStyle;
use crate::web::layout::{self, csrf_field, date, FormErrors};
use crate::web::public::full_name;
use crate::web::{
    capitalised, finish, kind_label, page_response, see_other, words, PageError, Viewer,
};

use super::{trainee, Attestors, PeopleNames};

/// The add-a-record form, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
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
    /// The form holding `stored`'s fields, people by their words.
    fn of(stored: &StoredActivity, attestors: &Attestors) -> Self {
        let fields = crate::ledger::fields_of(&stored.activity, stored.corrects.as_deref());
        let text = |name: &str| match fields.get(name) {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(Value::Bool(b)) => if *b { "true" } else { "" }.to_owned(),
            Some(other) => other.to_string(),
        };
        let person = |name: &str| {
            let id = text(name);
            attestors.label_of(&id).map_or(id, str::to_owned)
        };
        Self {
            csrf: String::new(),
            kind: text("kind"),
            date: text("date"),
            amount: text("amount"),
            unit: text("unit"),
            cases: text("cases"),
            delivery: text("delivery"),
            attestor: person("attestor"),
            co_leader: person("co_leader"),
            supervisor: person("supervisor"),
            duration_minutes: text("duration_minutes"),
            days: text("days"),
            group: text("group"),
            ongoing_group: text("ongoing_group"),
            setting: text("setting"),
            event_type: text("event_type"),
            provider: text("provider"),
            provider_approved: text("provider_approved"),
            supervision_format: text("supervision_format"),
            report_type: text("report_type"),
            prerequisite_type: text("prerequisite_type"),
            notes: text("notes"),
        }
    }

    /// The people fields read as the people they name (see
    /// [`Attestors::resolve`]).
    fn resolved(mut self, attestors: &Attestors) -> Self {
        for field in [
            &mut self.attestor,
            &mut self.co_leader,
            &mut self.supervisor,
        ] {
            *field = attestors.resolve(field);
        }
        self
    }

    /// Every field of the form, an empty one as `null` (it clears the
    /// field of a record changed).
    fn changes(&self) -> Map<String, Value> {
        let given = self.body();
        LABELS
            .iter()
            .map(|(name, _)| {
                let value = given.get(*name).cloned().unwrap_or(Value::Null);
                ((*name).to_owned(), value)
            })
            .collect()
    }

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

/// `?recorded=1` after a record was added (`changed`, `withdrawn` after
/// those), and the page.
#[derive(Debug, Default, Deserialize)]
pub struct RecordedQuery {
    recorded: Option<String>,
    changed: Option<String>,
    withdrawn: Option<String>,
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
    let notice = if query.recorded.is_some() {
        Some("The record was added. It is pending until the attestor confirms it.")
    } else if query.changed.is_some() {
        Some("The record was changed. It is still pending until the attestor confirms it.")
    } else if query.withdrawn.is_some() {
        Some("The record was withdrawn.")
    } else {
        None
    };
    let result = ledger_page(
        &state,
        &viewer,
        slug,
        person_id,
        LedgerExtras {
            form: RecordForm::default(),
            errors: FormErrors::default(),
            status: StatusCode::OK,
            notice,
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
    notice: Option<&'static str>,
    page: u32,
}

/// Records per page of the ledger.
const PER_PAGE: u32 = 50;

/// Up to this many people, the form offers them in a drop-down; more, in a
/// search field with suggestions.
const DROP_DOWN_MOST: usize = 20;

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
    let asking = viewer.clone();
    let owner = person.id.clone();
    let (attestors, names) = db::run(&state.pool, move |conn| {
        let attestors = Attestors::read(conn, &asking, &society_id, &owner)?;
        let names = PeopleNames::new(db::people::named(conn, &society_id, &named)?);
        Ok((attestors, names))
    })
    .await?;
    let name_of = |id: &Option<String>| {
        id.as_deref()
            .map(|id| names.name(id))
            .unwrap_or_else(|| "—".to_owned())
    };
    let name = full_name(person.title.as_deref(), &person.name());
    let title = format!("Ledger of {name}");
    let csrf = viewer.csrf().unwrap_or_default();
    let pages = u32::try_from((records.total + i64::from(PER_PAGE) - 1) / i64::from(PER_PAGE))
        .unwrap_or(1)
        .max(1);
    let base = format!("/societies/{slug}/people/{person_id}");
    let here = format!("{base}/activities");
    let body = layout::page(
        viewer,
        &title,
        html! {
            p class="muted" { (society.name) }
            h1 { (title) }
            @if let Some(notice) = extras.notice { (layout::notice(notice)) }
            ul class="actions" {
                li { a href={ (base) "/progress" } { "See progress" } }
                li { a href="#add" { "Add a record" } }
                li { a href={ (here) "/export" } download { "Download the ledger (CSV)" } }
                li { a href={ (base) "/portfolio" } { "Printable portfolio" } }
                li { a href={ (base) "/certificates" } { "Certificates of attendance" } }
            }
            h2 id="records" { "Records" }
            @if records.items.is_empty() {
                p { "No records yet." }
            } @else {
                p class="muted" { (records.total) " record" @if records.total != 1 { "s" } ". A pending record can be changed or withdrawn until it is confirmed." }
                div class="table-wrap" {
                    table class="stack" aria-describedby="records" {
                        thead { tr { th scope="col" { "Date" } th scope="col" { "Kind" } th scope="col" { "Amount" } th scope="col" { "Attestor" } th scope="col" { "Status" } th scope="col" { "Actions" } } }
                        tbody {
                            @for r in &records.items {
                                @let attestor = r.activity.attestor.as_ref().map(|p| p.as_str().to_owned());
                                @let co_leader = r.activity.co_leader.as_ref().map(|p| p.as_str().to_owned());
                                (record_row(r, style, &name_of(&attestor), co_leader.as_ref().map(|_| name_of(&co_leader)), &here))
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
            (record_form(&extras.form, &extras.errors, &csrf, &here, &attestors, "Add record"))
        },
    );
    Ok(page_response(extras.status, body))
}

/// The form of a record: to add one (`action` is the ledger) or change a
/// pending one. Every problem is in the summary at its top, which takes
/// the focus, and next to its field.
fn record_form(
    form: &RecordForm,
    errors: &FormErrors,
    csrf: &str,
    action: &str,
    attestors: &Attestors,
    submit: &str,
) -> Markup {
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
                         choices: &[(String, String)],
                         chosen: &str| {
        labelled(
            field,
            label,
            hint,
            html! {
                select id=(field) name=(field) aria-describedby=[errors.described_by(field)] aria-invalid=[errors.invalid(field)] {
                    option value="" { (empty) }
                    @for (value, shown) in choices {
                        option value=(value) selected[chosen == value] { (shown) }
                    }
                }
            },
        )
    };
    // Few people: a drop-down; many (or a value that is none of them): a
    // search field whose suggestions are the people who can attest.
    let few = attestors.all().len() <= DROP_DOWN_MOST;
    let person_field = |field: &'static str,
                        label: &'static str,
                        hint: &'static str,
                        chosen: &str| {
        let chosen_id = attestors.resolve(chosen);
        let offered = chosen.is_empty() || attestors.label_of(&chosen_id).is_some();
        if few && offered {
            choice_select(field, label, hint, "Nobody", attestors.all(), &chosen_id)
        } else {
            labelled(
                field,
                label,
                hint,
                html! {
                    input type="text" id=(field) name=(field) value=(chosen) list="people-who-attest"
                        autocomplete="off" spellcheck="false"
                        aria-describedby=[errors.described_by(field)] aria-invalid=[errors.invalid(field)];
                },
            )
        }
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
        let choices: Vec<(String, String)> = choices
            .into_iter()
            .map(|choice| (choice.to_owned(), capitalised(&words(choice))))
            .collect();
        choice_select(field, label, hint, "None", &choices, chosen)
    };
    let people_hint = if few {
        ""
    } else {
        " Type part of a name and choose from the suggestions."
    };
    html! {
        form class="stacked" method="post" action=(action) novalidate {
            (csrf_field(csrf))
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
            fieldset {
                legend { "Who confirms it" span class="hint" { "The people offered are those who can confirm records on this site." (people_hint) } }
                // For the search fields (always there: a value that is none
                // of the drop-down's people is typed into one).
                datalist id="people-who-attest" {
                    @for (_, shown) in attestors.all() { option value=(shown) {} }
                }
                (person_field("attestor", "Attestor", "Who confirms this record: the group's leader, your co-leader, supervisor or the organiser", &form.attestor))
                (person_field("co_leader", "Co-leader", "Required for co-leading", &form.co_leader))
                (person_field("supervisor", "Supervisor", "For supervision", &form.supervisor))
            }
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
            button type="submit" { (submit) }
        }
    }
}

fn record_row(
    stored: &StoredActivity,
    style: DateStyle,
    attestor: &str,
    co_leader: Option<String>,
    ledger: &str,
) -> Markup {
    let r = &stored.activity;
    let status = stored.status.as_str();
    let id = r.id.as_str();
    let what = format!("{} of {}", kind_label(r.kind.as_str()), r.date);
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
            td data-label="Actions" {
                @if stored.status == Status::Pending {
                    a href={ (ledger) "/" (id) "/edit" } { "Change" span class="visually-hidden" { " the record " (what) } }
                    " · "
                    a href={ (ledger) "/" (id) "/withdraw" } { "Withdraw" span class="visually-hidden" { " the record " (what) } }
                } @else {
                    span class="muted" { "—" }
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
        let attestors = attestors_for(&state, &viewer, slug.clone(), person_id.clone()).await?;
        let body = form.clone().resolved(&attestors).body();
        let (draft, problems) = crate::ledger::read(&body, "", crate::actions::today());
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
            Err(ApiError::Unprocessable { errors, detail }) => form_problems(errors, detail),
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
                notice: None,
                page: 1,
            },
        )
        .await
    }
    .await;
    finish(&req, &viewer, result)
}

/// A refusal's problems as the form shows them.
fn form_problems(errors: Vec<FieldProblem>, detail: String) -> Vec<FieldProblem> {
    if errors.is_empty() {
        vec![FieldProblem::new("", detail)]
    } else {
        errors
            .into_iter()
            .map(|p| FieldProblem::new(p.field.clone(), capitalised(&p.message)))
            .collect()
    }
}

/// The people the form of person `person_id`'s record offers, once the
/// viewer may act on the ledger.
async fn attestors_for(
    state: &AppState,
    viewer: &Viewer,
    slug: String,
    person_id: String,
) -> Result<Attestors, PageError> {
    let (society, person) = trainee(state, viewer, slug, person_id).await?;
    let asking = viewer.clone();
    Ok(db::run(&state.pool, move |conn| {
        Attestors::read(conn, &asking, &society.id, &person.id)
    })
    .await?)
}

/// Pending record `id` of the person of the page, once the viewer may act
/// on their ledger: not found when it is another person's, a conflict
/// when it is decided (it can only be corrected then).
async fn pending_record(
    state: &AppState,
    viewer: &Viewer,
    slug: &str,
    person_id: &str,
    id: String,
) -> Result<StoredActivity, PageError> {
    trainee(state, viewer, slug.to_owned(), person_id.to_owned()).await?;
    let (_, stored) = ledger::one(state, &viewer.caller, slug.to_owned(), id.clone()).await?;
    if stored.activity.person.as_str() != person_id {
        return Err(ApiError::NotFound(format!("activity {id}")).into());
    }
    if stored.status != Status::Pending {
        return Err(ApiError::Conflict(format!(
            "the record is {}; only a pending record can be changed or withdrawn (record a correction instead)",
            stored.status.as_str()
        ))
        .into());
    }
    Ok(stored)
}

/// The page to change a pending record: its form, filled in.
async fn edit_page(
    state: &AppState,
    viewer: &Viewer,
    (slug, person_id, id): (String, String, String),
    form: Option<RecordForm>,
    errors: FormErrors,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let stored = pending_record(state, viewer, &slug, &person_id, id.clone()).await?;
    let attestors = attestors_for(state, viewer, slug.clone(), person_id.clone()).await?;
    let form = form.unwrap_or_else(|| RecordForm::of(&stored, &attestors));
    let ledger = format!("/societies/{slug}/people/{person_id}/activities");
    let title = "Change a pending record";
    let csrf = viewer.csrf().unwrap_or_default();
    Ok(page_response(
        status,
        layout::page(
            viewer,
            title,
            html! {
                p { a href=(ledger) { "Back to the ledger" } }
                h1 { (title) }
                p { (kind_label(stored.activity.kind.as_str())) " on " (stored.activity.date) ". It stays pending: the attestor confirms it as changed." }
                (record_form(&form, &errors, &csrf, &format!("{ledger}/{id}/edit"), &attestors, "Save changes"))
            },
        ),
    ))
}

/// `GET /societies/{society}/people/{person}/activities/{activity}/edit`.
pub async fn edit_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String, String)>,
) -> HttpResponse {
    let result = edit_page(
        &state,
        &viewer,
        path.into_inner(),
        None,
        FormErrors::default(),
        StatusCode::OK,
    )
    .await;
    finish(&req, &viewer, result)
}

/// `POST /societies/{society}/people/{person}/activities/{activity}/edit`:
/// the API's change of a pending record, every field as the form has it
/// (an emptied field is cleared).
pub async fn edit(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String, String)>,
    form: Form<RecordForm>,
) -> HttpResponse {
    let (slug, person_id, id) = path.into_inner();
    let form = form.into_inner();
    let result = async {
        viewer.check_csrf(&form.csrf)?;
        pending_record(&state, &viewer, &slug, &person_id, id.clone()).await?;
        let attestors = attestors_for(&state, &viewer, slug.clone(), person_id.clone()).await?;
        let changes = form.clone().resolved(&attestors).changes();
        let answer = ledger::change(
            &state,
            &viewer.caller,
            slug.clone(),
            id.clone(),
            changes,
            crate::actions::today(),
        )
        .await;
        let problems = match answer {
            Ok(_) => {
                return Ok(see_other(&format!(
                    "/societies/{slug}/people/{person_id}/activities?changed=1"
                )))
            }
            Err(ApiError::Unprocessable { errors, detail }) => form_problems(errors, detail),
            Err(other) => return Err(other.into()),
        };
        edit_page(
            &state,
            &viewer,
            (slug.clone(), person_id.clone(), id.clone()),
            Some(form),
            FormErrors::new(problems, &LABELS),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await
    }
    .await;
    finish(&req, &viewer, result)
}

/// `GET /societies/{society}/people/{person}/activities/{activity}/withdraw`:
/// what the record is, and a button to confirm it is to be withdrawn.
pub async fn withdraw_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String, String)>,
) -> HttpResponse {
    let (slug, person_id, id) = path.into_inner();
    let result = async {
        let stored = pending_record(&state, &viewer, &slug, &person_id, id.clone()).await?;
        let society = crate::web::society(&state, slug.clone()).await?;
        let style = DateStyle::for_country(society.country.as_deref());
        let ledger_link = format!("/societies/{slug}/people/{person_id}/activities");
        let r = &stored.activity;
        let title = "Withdraw this record?";
        Ok(crate::web::ok(layout::page(
            &viewer,
            title,
            html! {
                p { a href=(ledger_link) { "Back to the ledger" } }
                h1 { (title) }
                dl class="facts" {
                    dt { "Kind" } dd { (kind_label(r.kind.as_str())) }
                    dt { "Date" } dd { (date(style, r.date)) }
                    dt { "Amount" } dd { (r.amount) " " (words(r.unit.as_str())) }
                    @if let Some(g) = &r.group { dt { "Group" } dd { (g) } }
                    @if let Some(n) = &r.notes { dt { "Notes" } dd { (n) } }
                }
                p { "Withdrawing deletes the record from your ledger: it no longer counts, and the attestor no longer sees it. The society's audit log keeps a copy. This cannot be undone; you can add the record again." }
                form method="post" action={ (ledger_link) "/" (id) "/withdraw" } {
                    (csrf_field(&viewer.csrf().unwrap_or_default()))
                    div class="actions" {
                        button type="submit" class="button-danger" { "Yes, withdraw the record" }
                        a href=(ledger_link) { "No, keep it" }
                    }
                }
            },
        )))
    }
    .await;
    finish(&req, &viewer, result)
}

/// The withdraw confirmation.
#[derive(Debug, Default, Deserialize)]
pub struct WithdrawForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /societies/{society}/people/{person}/activities/{activity}/withdraw`:
/// the API's withdrawal.
pub async fn withdraw(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String, String)>,
    form: Form<WithdrawForm>,
) -> HttpResponse {
    let (slug, person_id, id) = path.into_inner();
    let result = async {
        viewer.check_csrf(&form.csrf)?;
        pending_record(&state, &viewer, &slug, &person_id, id.clone()).await?;
        ledger::withdraw(&state, &viewer.caller, slug.clone(), id).await?;
        Ok(see_other(&format!(
            "/societies/{slug}/people/{person_id}/activities?withdrawn=1"
        )))
    }
    .await;
    finish(&req, &viewer, result)
}
