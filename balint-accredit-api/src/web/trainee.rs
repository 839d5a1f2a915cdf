//! A trainee's pages: progress towards a tier, and the ledger with the form
//! to add a record.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use balint_core::evaluate::{Assessment, NotCountedReason, PrerequisiteResult, RequirementResult};
use balint_core::ledger::{
    ActivityKind, Delivery, EventType, PrerequisiteType, ReportType, SupervisionFormat, Unit,
};
use balint_core::pathway::{Entry, Milestone};
use balint_core::{PersonId, TierId};
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::actions::ledger;
use crate::actions::progress;
use crate::app::AppState;
use crate::db::activities::{LedgerFilter, StoredActivity};
use crate::db::{self, people::Person, societies::Society};
use crate::edge::{Form, Query};
use crate::error::{ApiError, FieldProblem};
use crate::pagination::PageRequest;
use crate::web::dates::DateStyle;
use crate::web::layout::{self, csrf_field, date, FormErrors};
use crate::web::public::full_name;
use crate::web::{
    capitalised, finish, kind_label, ok, page_response, see_other, words, PageError, TierNames,
    Viewer,
};

/// `?tier=` of the progress page.
#[derive(Debug, Default, Deserialize)]
pub struct TierQuery {
    tier: Option<String>,
}

/// The society and person of a trainee page, once the viewer may see it:
/// the person themself or the society's registrar, as in the API.
async fn trainee(
    state: &AppState,
    viewer: &Viewer,
    slug: String,
    person_id: String,
) -> Result<(Society, Person), PageError> {
    Ok(ledger::owner(state, &viewer.caller, slug, person_id).await?)
}

/// `GET /societies/{society}/people/{person}/progress?tier=`.
pub async fn progress(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
    query: Query<TierQuery>,
) -> HttpResponse {
    let (slug, person_id) = path.into_inner();
    let result = progress_page(&state, &viewer, slug, person_id, query.into_inner()).await;
    finish(&req, &viewer, result)
}

async fn progress_page(
    state: &web::Data<AppState>,
    viewer: &Viewer,
    slug: String,
    person_id: String,
    query: TierQuery,
) -> Result<HttpResponse, PageError> {
    let (society, person) = trainee(state, viewer, slug.clone(), person_id.clone()).await?;
    let style = DateStyle::for_country(society.country.as_deref());
    let today = crate::actions::today();
    let entered = person.entered_pathway_on.unwrap_or(today);
    let society_id = society.id.clone();
    let wanted = query.tier.filter(|t| !t.trim().is_empty());
    let pid = person.id.clone();
    let (tiers, assessed, ledger, people) = db::run(&state.pool, move |conn| {
        let version = db::pathways::applicable(conn, &society_id, entered)?;
        let tiers: Vec<(String, String, Entry)> = version
            .map(|v| {
                v.pathway
                    .tiers()
                    .iter()
                    .map(|t| (t.id.as_str().to_owned(), t.name.clone(), t.entry))
                    .collect()
            })
            .unwrap_or_default();
        // Without a choice: the first tier reached by application.
        let chosen = wanted.or_else(|| {
            tiers
                .iter()
                .find(|(_, _, entry)| *entry == Entry::Application)
                .or(tiers.first())
                .map(|(id, _, _)| id.clone())
        });
        let (assessed, ledger) = match chosen {
            None => (None, Vec::new()),
            Some(tier) => {
                let tier: TierId = tier.trim().parse().map_err(|e| {
                    ApiError::unprocessable("tier", format!("is not a tier id ({e})"))
                })?;
                let (_, assessment, ledger) =
                    progress::assess_with_ledger(conn, &society_id, &pid, &tier, today)?;
                (Some(assessment), ledger)
            }
        };
        // The people the reasons name, in one query.
        let named: Vec<String> = assessed
            .iter()
            .flat_map(|a| a.requirements())
            .flat_map(|r| &r.not_counted)
            .filter_map(|n| person_in(&n.reason))
            .map(|p| p.to_string())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let people = PeopleNames::new(db::people::named(conn, &society_id, &named)?);
        Ok((tiers, assessed, ledger, people))
    })
    .await?;
    let tier_names = TierNames::new(
        &tiers
            .iter()
            .map(|(id, name, _)| (id.clone(), name.clone()))
            .collect::<Vec<_>>(),
    );
    let names = Names {
        people: &people,
        tiers: &tier_names,
    };
    let kinds: HashMap<String, String> = ledger
        .iter()
        .map(|a| (a.id.to_string(), kind_label(a.kind.as_str())))
        .collect();
    let name = full_name(person.title.as_deref(), &person.name());
    let title = match &assessed {
        Some(a) => format!("Progress towards {}", a.tier_name),
        None => "Progress".to_owned(),
    };
    let ledger_link = format!("/societies/{slug}/people/{person_id}/activities");
    Ok(ok(layout::page(
        viewer,
        &title,
        html! {
            p class="muted" { (name) " · " (society.name) }
            h1 { (title) }
            @if tiers.len() > 1 {
                form class="search-form" method="get" action={ "/societies/" (slug) "/people/" (person_id) "/progress" } {
                    div class="field" {
                        label for="tier" { "Tier" }
                        select id="tier" name="tier" {
                            @for (id, tier_name, _) in &tiers {
                                option value=(id) selected[assessed.as_ref().is_some_and(|a| a.tier.as_str() == id)] { (tier_name) }
                            }
                        }
                    }
                    div class="field" { button type="submit" { "Show progress" } }
                }
            }
            @match &assessed {
                None => p { "The society has no pathway yet, so there is nothing to measure progress against." },
                Some(a) => (assessment(a, style, &kinds, names)),
            }
            p { a href=(ledger_link) { "My ledger: see records and add one" } }
        },
    )))
}

/// People's names (title and name) by id, for the people a page mentions.
struct PeopleNames(HashMap<String, String>);

impl PeopleNames {
    fn new(people: Vec<Person>) -> Self {
        Self(
            people
                .into_iter()
                .map(|p| {
                    let name = full_name(p.title.as_deref(), &p.name());
                    (p.id, name)
                })
                .collect(),
        )
    }

    /// The name of `id`, or the id itself for someone not found.
    fn name(&self, id: &str) -> String {
        self.0.get(id).cloned().unwrap_or_else(|| id.to_owned())
    }
}

/// How a page names people and tiers.
#[derive(Clone, Copy)]
struct Names<'a> {
    people: &'a PeopleNames,
    tiers: &'a TierNames,
}

/// The person a reason names, if any.
fn person_in(reason: &NotCountedReason) -> Option<&PersonId> {
    match reason {
        NotCountedReason::AnotherPerson { person } => Some(person),
        NotCountedReason::CoLeaderDidNotHoldTier { co_leader, .. } => co_leader.as_ref(),
        NotCountedReason::SupervisorDidNotHoldTier { supervisor, .. } => supervisor.as_ref(),
        _ => None,
    }
}

/// Why a record did not count, naming people and tiers by their names
/// (balint-core's own wording names them by id).
fn reason_words(reason: &NotCountedReason, names: Names<'_>) -> String {
    use NotCountedReason as R;
    let tiers = |ids: &[TierId]| {
        ids.iter()
            .map(|t| names.tiers.name(t.as_str()))
            .collect::<Vec<_>>()
            .join(" or ")
    };
    let milestone = |m: &Milestone| match m {
        Milestone::PathwayEntry => "entering the pathway".to_owned(),
        Milestone::TierReached(t) => format!("reaching {}", names.tiers.name(t.as_str())),
    };
    match reason {
        R::AnotherPerson { person } => {
            format!(
                "the record belongs to {}",
                names.people.name(person.as_str())
            )
        }
        R::CoLeaderDidNotHoldTier {
            co_leader: Some(p),
            tiers: t,
        } => format!(
            "co-leader {} did not hold {} on that date",
            names.people.name(p.as_str()),
            tiers(t)
        ),
        R::CoLeaderDidNotHoldTier {
            co_leader: None,
            tiers: t,
        } => format!("no co-leader recorded (needs {})", tiers(t)),
        R::SupervisorDidNotHoldTier {
            supervisor: Some(p),
            tiers: t,
        } => format!(
            "supervisor {} did not hold {} on that date",
            names.people.name(p.as_str()),
            tiers(t)
        ),
        R::SupervisorDidNotHoldTier {
            supervisor: None,
            tiers: t,
        } => format!("no supervisor recorded (needs {})", tiers(t)),
        R::BeforeMilestone { milestone: m, on } => format!("before {} on {on}", milestone(m)),
        R::NotBeforeMilestone { milestone: m, on } => {
            format!("not before {} on {on}", milestone(m))
        }
        R::MilestoneNotReached { milestone: m } => {
            format!("the date of {} is not known", milestone(m))
        }
        other => other.to_string(),
    }
}

/// A tier to hold first, in words, with the tier's name.
fn prerequisite_words(p: &PrerequisiteResult, style: DateStyle, names: Names<'_>) -> Markup {
    html! {
        "hold " (names.tiers.name(p.tier.as_str()))
        @if let Some(m) = p.min_months { " for at least " (m) " months" }
        @match p.held_since {
            Some(since) => { " (held since " (date(style, since)) ")" }
            None => @if !p.met { " (not held)" },
        }
    }
}

/// What is still missing: the tiers to hold first, then each shortfall of
/// the unmet requirements and their unmet parts, once each, as a sentence
/// naming the requirement and linking to it.
fn missing_list(
    prerequisites: &[PrerequisiteResult],
    requirements: &[RequirementResult<'_>],
    style: DateStyle,
    names: Names<'_>,
) -> Vec<Markup> {
    let mut out: Vec<Markup> = prerequisites
        .iter()
        .filter(|p| !p.met)
        .map(|p| html! { "You need to " (prerequisite_words(p, style, names)) "." })
        .collect();
    for shortfall in Assessment::shortfalls(requirements) {
        let r = shortfall.requirement;
        out.push(html! {
            a href={ "#req-" (r.id.as_str()) } { (r.title) } ": " (shortfall.words) "."
        });
    }
    out
}

fn assessment(
    a: &Assessment<'_>,
    style: DateStyle,
    kinds: &HashMap<String, String>,
    names: Names<'_>,
) -> Markup {
    let missing = missing_list(&a.prerequisites, &a.mandatory, style, names);
    let missing_desirable = missing_list(&[], &a.desirable, style, names);
    html! {
        p class="verdict" {
            @if a.eligible {
                "Every mandatory requirement is met: you are eligible to apply."
            } @else {
                "Not yet eligible: " (missing.len()) @if missing.len() == 1 { " thing is" } @else { " things are" } " still missing."
            }
        }
        p class="muted" {
            "As of " (date(style, a.as_of)) ", under the rules "
            @if a.pathway_title.is_empty() { (a.pathway) } @else { (a.pathway_title) }
            " (version " (a.pathway_version) ")."
        }
        @if a.entry == Entry::Invitation {
            p { "This tier is reached by invitation." }
        }
        @if !missing.is_empty() {
            h2 { "What is missing" }
            ul { @for m in &missing { li { (m) } } }
        }
        @if !a.prerequisites.is_empty() {
            h2 { "Tiers to hold first" }
            ul {
                @for p in &a.prerequisites {
                    li { (met_word(p.met)) ": " (prerequisite_words(p, style, names)) }
                }
            }
        }
        h2 { "Mandatory requirements" }
        @if a.mandatory.is_empty() { p { "None." } }
        @for r in &a.mandatory { (requirement(r, 3, style, kinds, names)) }
        @if !a.desirable.is_empty() {
            h2 { "Desirable requirements" }
            p class="muted" { "These are not needed to be eligible, but the committee looks for them." }
            @if !missing_desirable.is_empty() {
                ul { @for m in &missing_desirable { li { (m) } } }
            }
            @for r in &a.desirable { (requirement(r, 3, style, kinds, names)) }
        }
    }
}

fn met_word(met: bool) -> Markup {
    html! {
        @if met { span class="met" { "✓ Met" } } @else { span class="unmet" { "✗ Not met" } }
    }
}

fn requirement(
    r: &RequirementResult<'_>,
    level: u8,
    style: DateStyle,
    kinds: &HashMap<String, String>,
    names: Names<'_>,
) -> Markup {
    let bar_id = format!("bar-{}", r.id.as_str());
    let kind_of = |id: &str| kinds.get(id).cloned().unwrap_or_default();
    let heading = html! { (r.title) };
    html! {
        section class="requirement" aria-labelledby={ "req-" (r.id.as_str()) } {
            @if level <= 3 { h3 id={ "req-" (r.id.as_str()) } { (heading) } } @else { h4 id={ "req-" (r.id.as_str()) } { (heading) } }
            p { (met_word(r.met)) }
            @if let (Some(required), Some(achieved)) = (r.required, r.achieved) {
                @let required_f = required.as_f64();
                @let shown = achieved.as_f64().min(required_f);
                @let text = format!("{achieved} of {required} {}", unit_words(r.unit, required));
                progress id=(bar_id) max=(required_f) value=(shown) aria-label={ (r.title) ": " (text) } { (text) }
                p class="amounts" { (text) }
            }
            @if let Some(rate) = &r.rate {
                @if rate.met {
                    p {
                        "At least " (rate.at_least) " " (unit_words(r.unit, rate.at_least)) " in each of "
                        (rate.periods) " consecutive " (period_words(rate)) ": met"
                        @if let (Some(from), Some(until)) = (rate.best_run_from, rate.best_run_until) {
                            " (" (date(style, from)) " to " (date(style, until)) ")"
                        }
                        "."
                    }
                }
            }
            // Each shortfall once, as the core words it (the summary above links here).
            @if !r.shortfalls.is_empty() && !r.met {
                ul class="shortfalls" { @for s in &r.shortfalls { li { (s) } } }
            }
            @if let Some(note) = &r.note { p class="muted" { (note) } }
            @if let Some(d) = &r.discretion { p class="muted" { (d) } }
            @for o in &r.overrides { p { "Override: " (o.describe()) } }
            @if !r.counted.is_empty() {
                details {
                    summary { (r.counted.len()) " record" @if r.counted.len() != 1 { "s" } " counted" }
                    ul { @for c in &r.counted { li { (date(style, c.date)) ": " (kind_of(c.activity.as_str())) ", counted as " (c.amount) " " (unit_words(r.unit, c.amount)) } } }
                }
            }
            @if !r.pending.is_empty() {
                div {
                    p { strong { (r.pending.len()) " pending record" @if r.pending.len() != 1 { "s" } " would count once attested:" } }
                    ul { @for c in &r.pending { li { (date(style, c.date)) ": " (kind_of(c.activity.as_str())) ", " (c.amount) " " (unit_words(r.unit, c.amount)) " (pending)" } } }
                }
            }
            @if !r.not_counted.is_empty() {
                details {
                    summary { (r.not_counted.len()) " record" @if r.not_counted.len() != 1 { "s" } " not counted, and why" }
                    ul { @for n in &r.not_counted { li { (date(style, n.date)) ": " (kind_of(n.activity.as_str())) " — " (reason_words(&n.reason, names)) } } }
                }
            }
            @for child in &r.children { (requirement(child, level + 1, style, kinds, names)) }
        }
    }
}

/// A requirement's unit in words, singular after exactly one: `1 meeting`,
/// `2 events`.
fn unit_words(
    unit: Option<balint_core::pathway::CountUnit>,
    amount: balint_core::ledger::Amount,
) -> String {
    let Some(unit) = unit else {
        return String::new();
    };
    let plural = words(unit.as_str());
    if amount == balint_core::ledger::Amount::from_whole(1) {
        match plural.strip_suffix('s') {
            Some(one) => one.to_owned(),
            None => plural,
        }
    } else {
        plural
    }
}

/// A rate's periods in words, as its anchor places them (plural).
fn period_words(rate: &balint_core::evaluate::RateResult) -> String {
    use balint_core::pathway::RateAnchor;
    let per = words(rate.per.as_str());
    let per = format!("{per}s");
    match rate.anchor {
        RateAnchor::PathwayEntry => format!("training {per}"),
        RateAnchor::Calendar => format!("calendar {per}"),
        _ => per,
    }
}

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
