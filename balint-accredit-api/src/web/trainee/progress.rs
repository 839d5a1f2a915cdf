//! The progress page: how far a person is from a tier, every requirement
//! explained; the Apply button when the person is eligible, and why not
//! when not. Only the tiers still ahead of the person are offered; the
//! detail a person does not need first (requirements met, records
//! counted) is folded.

use std::collections::HashMap;

use actix_web::{web, HttpRequest, HttpResponse};
use balint_core::evaluate::{Assessment, NotCountedReason, PrerequisiteResult, RequirementResult};
use balint_core::pathway::{Entry, Milestone};
use balint_core::{PersonId, TierId};
use maud::{html, Markup};
use serde::Deserialize;

use crate::actions::progress;
use crate::app::AppState;
use crate::db::{self};
use crate::edge::Query;
use crate::web::dates::DateStyle;
use crate::web::layout::{self, csrf_field, date};
use crate::web::public::full_name;
use crate::web::{finish, kind_label, ok, words, PageError, TierNames, Viewer};

use super::{tier_id, trainee, PeopleNames, Standing};

/// `?tier=` of the progress page; `applied` after an application was made.
#[derive(Debug, Default, Deserialize)]
pub struct TierQuery {
    tier: Option<String>,
    applied: Option<String>,
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
    let applied = query.applied.is_some();
    let pid = person.id.clone();
    let ledgers = std::sync::Arc::clone(&state.ledgers);
    let (tiers, assessed, ledger, people, standing) = db::run(&state.pool, move |conn| {
        let standing = Standing::read(conn, &society_id, &pid, today)?;
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
        // Without a choice: the first tier ahead reached by application.
        let ahead = standing.ahead(&tiers, |(id, _, _)| id.as_str());
        let chosen = wanted.or_else(|| {
            ahead
                .iter()
                .find(|(_, _, entry)| *entry == Entry::Application)
                .or(ahead.first())
                .or(tiers.last().as_ref())
                .map(|(id, _, _)| id.clone())
        });
        let (assessed, ledger) = match chosen {
            None => (None, std::sync::Arc::default()),
            Some(tier) => {
                let tier: TierId = tier_id(&tier)?;
                let (_, assessment, ledger) = progress::assess_with_ledger(
                    conn,
                    Some(&ledgers),
                    &society_id,
                    &pid,
                    &tier,
                    today,
                )?;
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
        Ok((tiers, assessed, ledger, people, standing))
    })
    .await?;
    let ahead: Vec<&(String, String, Entry)> = standing.ahead(&tiers, |(id, _, _)| id.as_str());
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
    // Each kind's label once, then each record's by its id (borrowed).
    let mut labels: HashMap<&str, String> = HashMap::new();
    for a in ledger.iter() {
        labels
            .entry(a.kind.as_str())
            .or_insert_with(|| kind_label(a.kind.as_str()));
    }
    let kinds: HashMap<&str, &str> = ledger
        .iter()
        .map(|a| {
            let label = labels.get(a.kind.as_str()).map_or("", String::as_str);
            (a.id.as_str(), label)
        })
        .collect();
    let name = full_name(person.title.as_deref(), &person.name());
    let title = match &assessed {
        Some(a) => format!("Progress towards {}", a.tier_name),
        None => "Progress".to_owned(),
    };
    let base = format!("/societies/{slug}/people/{person_id}");
    let ledger_link = format!("{base}/activities");
    let csrf = viewer.csrf().unwrap_or_default();
    let chosen_id = assessed.as_ref().map(|a| a.tier.as_str().to_owned());
    // The tiers offered: those ahead, and the one shown.
    let offered: Vec<&(String, String, Entry)> = tiers
        .iter()
        .filter(|t| ahead.iter().any(|a| a.0 == t.0) || chosen_id.as_deref() == Some(t.0.as_str()))
        .collect();
    Ok(ok(layout::page(
        viewer,
        &title,
        html! {
            p class="muted" { (name) " · " (society.name) }
            h1 { (title) }
            @if applied { (layout::notice("Your application was sent. It is pending until the registrar decides it.")) }
            @if offered.len() > 1 {
                form class="search-form" method="get" action={ (base) "/progress" } {
                    div class="field" {
                        label for="tier" { "Tier" span class="hint" { "The tiers still ahead of you" } }
                        select id="tier" name="tier" {
                            @for (id, tier_name, _) in &offered {
                                option value=(id) selected[chosen_id.as_deref() == Some(id.as_str())] { (tier_name) }
                            }
                        }
                    }
                    div class="field" { button type="submit" { "Show progress" } }
                }
            }
            @if !tiers.is_empty() && ahead.is_empty() {
                p { "You have reached or applied for every tier of the pathway." }
            }
            @match &assessed {
                None => p { "The society has no pathway yet, so there is nothing to measure progress against." },
                Some(a) => {
                    (verdict(a, &standing, style, &base, &csrf, names))
                    (assessment(a, style, &kinds, names))
                }
            }
            ul class="actions" {
                li { a href=(ledger_link) { "My ledger: see records and add one" } }
                li { a href={ (base) "/portfolio" } { "Printable portfolio" } }
            }
        },
    )))
}

/// Whether the person can apply for the tier assessed, and the Apply
/// button when they can; in words when they cannot.
fn verdict(
    a: &Assessment<'_>,
    standing: &Standing,
    style: DateStyle,
    base: &str,
    csrf: &str,
    names: Names<'_>,
) -> Markup {
    let tier = a.tier.as_str();
    let tier_name = names.tiers.name(tier);
    let missing = missing_list(&a.prerequisites, &a.mandatory, style, names).len();
    html! {
        section class="apply" aria-labelledby="apply-title" {
            h2 id="apply-title" class="visually-hidden" { "Applying" }
            @if let Some(day) = standing.reached(tier) {
                p class="verdict" { "You reached " (tier_name) " on " (date(style, day)) ": it is on the register, so there is nothing to apply for." }
            } @else if let Some(at) = standing.pending(tier) {
                p class="verdict" { "Your application for " (tier_name) ", made on " (date(style, at.date())) ", is pending: the registrar decides it." }
            } @else if a.entry == Entry::Invitation {
                p class="verdict" { (tier_name) " is conferred by invitation: the registrar confers it, so there is no Apply button." }
            } @else if a.entry == Entry::Enrolment {
                p class="verdict" { (tier_name) " is held from the day you entered the pathway; it is not applied for." }
            } @else if a.eligible {
                p class="verdict" { "Every mandatory requirement is met: you are eligible to apply." }
                form class="stacked" method="post" action={ (base) "/applications" } {
                    (csrf_field(csrf))
                    input type="hidden" name="tier" value=(tier);
                    div class="field" {
                        label for="note" { "A note to the committee" span class="hint" { "Optional, up to 2000 characters" } }
                        textarea id="note" name="note" maxlength="2000" {}
                    }
                    button type="submit" { "Apply for " (tier_name) }
                }
            } @else {
                p class="verdict" {
                    "Not yet eligible: " (missing) @if missing == 1 { " thing is" } @else { " things are" } " still missing, so there is no Apply button yet. "
                    "It appears here once every mandatory requirement below is met."
                }
            }
        }
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
    kinds: &HashMap<&str, &str>,
    names: Names<'_>,
) -> Markup {
    let missing = missing_list(&a.prerequisites, &a.mandatory, style, names);
    let missing_desirable = missing_list(&[], &a.desirable, style, names);
    html! {
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
    kinds: &HashMap<&str, &str>,
    names: Names<'_>,
) -> Markup {
    let bar_id = format!("bar-{}", r.id.as_str());
    let kind_of = |id: &str| kinds.get(id).copied().unwrap_or_default();
    let one = unit_words(r.unit, balint_core::ledger::Amount::from_whole(1));
    let many = unit_words(r.unit, balint_core::ledger::Amount::from_whole(2));
    let unit_of = |amount: balint_core::ledger::Amount| {
        if amount == balint_core::ledger::Amount::from_whole(1) {
            one.as_str()
        } else {
            many.as_str()
        }
    };
    let heading = html! { (r.title) };
    let detail = html! {
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
                    ul { @for c in &r.counted { li { (Day(style, c.date)) ": " (kind_of(c.activity.as_str())) ", counted as " (c.amount) " " (unit_of(c.amount)) } } }
                }
            }
            @if !r.pending.is_empty() {
                details {
                    summary { (r.pending.len()) " pending record" @if r.pending.len() != 1 { "s" } " would count once attested" }
                    ul { @for c in &r.pending { li { (Day(style, c.date)) ": " (kind_of(c.activity.as_str())) ", " (c.amount) " " (unit_of(c.amount)) " (pending)" } } }
                }
            }
            @if !r.not_counted.is_empty() {
                details {
                    summary { (r.not_counted.len()) " record" @if r.not_counted.len() != 1 { "s" } " not counted, and why" }
                    ul { @for n in &r.not_counted { li { (Day(style, n.date)) ": " (kind_of(n.activity.as_str())) " — " (reason_words(&n.reason, names)) } } }
                }
            }
            @for child in &r.children { (requirement(child, level + 1, style, kinds, names)) }
    };
    let id = format!("req-{}", r.id.as_str());
    // A top-level requirement folds its detail; one not met is open.
    html! {
        @if level <= 3 {
            section class="requirement" aria-labelledby=(id) {
                details class="requirement-detail" open[!r.met] {
                    summary { h3 id=(id) { (heading) } " " (met_word(r.met)) }
                    (detail)
                }
            }
        } @else {
            section class="requirement" aria-labelledby=(id) {
                h4 id=(id) { (heading) }
                p { (met_word(r.met)) }
                (detail)
            }
        }
    }
}

/// A day as [`date`] marks it up, written straight into the page (a list
/// of thousands of records makes no string per day).
struct Day(DateStyle, chrono::NaiveDate);

impl maud::Render for Day {
    fn render_to(&self, buffer: &mut String) {
        use std::fmt::Write as _;
        let Self(style, day) = *self;
        // Digits, month names and punctuation: nothing to escape.
        let _ = write!(
            buffer,
            "<time datetime=\"{day}\" lang=\"{}\">{}</time>",
            style.lang(),
            style.written(day)
        );
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use maud::Render;

    use super::*;

    #[test]
    fn a_day_in_a_list_is_marked_up_as_any_other_day() {
        for style in [
            DateStyle::DayMonthYear,
            DateStyle::MonthDayYear,
            DateStyle::German,
        ] {
            for text in ["2017-01-01", "2024-02-29", "2031-12-09"] {
                let day: chrono::NaiveDate = text.parse().unwrap();
                assert_eq!(
                    Day(style, day).render().into_string(),
                    date(style, day).into_string()
                );
            }
        }
    }
}
