//! The attestor's queue: records that name the signed-in person as
//! attestor, oldest first, each shown in full (group, co-leader,
//! supervisor, length, notes). Each can be confirmed or rejected on its
//! own, or several at once: tick them, then Confirm or Reject the selected
//! ones. The selected records are decided by the API's bulk attestation
//! ([`ledger::attest_many`]), each on its own, so one refused (a rejection
//! without a comment, a record decided meanwhile) keeps its comment and
//! tick, and does not stop the others; the page then says what became of
//! each.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::{html, Markup};
use serde::Deserialize;

use crate::actions::ledger::{self, AttestError, Attestation, Verdict, Waiting};
use crate::app::AppState;
use crate::auth::permissions;
use crate::db;
use crate::db::activities::{Status, StoredActivity};
use crate::edge::{Form, Query};
use crate::error::{ApiError, FieldProblem};
use crate::pagination::PageRequest;
use crate::web::dates::DateStyle;
use crate::web::layout::{self, csrf_field, date, FormErrors};
use crate::web::public::full_name;
use crate::web::{
    capitalised, finish, kind_label, page_response, see_other, words, PageError, Viewer,
};

/// `?decided=` after a decision.
#[derive(Debug, Default, Deserialize)]
pub struct DecidedQuery {
    decided: Option<String>,
}

/// Register the attestor's queue and its decisions.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/attestations")
            .route(web::get().to(queue))
            .route(web::post().to(decide_selected)),
    )
    .service(web::resource("/attestations/{activity}").route(web::post().to(decide)));
}

/// Records shown on the page, oldest first.
const SHOWN: u32 = 200;

/// `GET /attestations`.
pub async fn queue(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    query: Query<DecidedQuery>,
) -> HttpResponse {
    let notice = match query.decided.as_deref() {
        Some("confirm") => Some("The record was confirmed."),
        Some("reject") => Some("The record was rejected; its owner sees your comment."),
        _ => None,
    };
    let result = async {
        let waiting = waiting(&state, &viewer).await?;
        queue_page(
            &state,
            &viewer,
            waiting,
            Answers {
                notice,
                ..Answers::default()
            },
            StatusCode::OK,
        )
        .await
    }
    .await;
    finish(&req, &viewer, result)
}

/// What the page says after decisions: a notice, what became of each
/// record decided, and the answers given to those refused, kept.
#[derive(Default)]
struct Answers {
    notice: Option<&'static str>,
    /// Each record decided or refused: its words, and what became of it.
    results: Vec<(String, Outcome)>,
    /// Refused records by id: the comment given, ticked or not.
    kept: HashMap<String, (String, bool)>,
    /// Every problem, each named by its record's id.
    errors: FormErrors,
}

/// What became of one record.
enum Outcome {
    Confirmed,
    Rejected,
    NotDecided(String),
}

/// The records waiting for the viewer.
async fn waiting(state: &AppState, viewer: &Viewer) -> Result<Waiting, PageError> {
    let first = PageRequest {
        page: 1,
        per_page: SHOWN,
    };
    Ok(ledger::waiting(state, &viewer.caller, Ok((first, Some(Status::Pending)))).await?)
}

/// The names of the people the records name, and each society's date
/// style, by society slug.
struct Context {
    names: HashMap<(String, String), String>,
    styles: HashMap<String, DateStyle>,
}

impl Context {
    async fn read(state: &AppState, viewer: &Viewer, waiting: &Waiting) -> Result<Self, PageError> {
        let user = permissions::require_user(&viewer.caller)?.clone();
        let mut wanted: HashMap<String, Vec<String>> = HashMap::new();
        for record in &waiting.page.items {
            let a = &record.activity;
            let ids = wanted
                .entry(waiting.slug_of(record).to_owned())
                .or_default();
            ids.push(a.person.as_str().to_owned());
            ids.extend(
                [&a.co_leader, &a.supervisor]
                    .into_iter()
                    .flatten()
                    .map(|p| p.as_str().to_owned()),
            );
        }
        Ok(db::run(&state.pool, move |conn| {
            let mut names = HashMap::new();
            let mut styles = HashMap::new();
            for role in &user.roles {
                let society = db::societies::by_slug(conn, &role.society_slug)?;
                styles.insert(
                    role.society_slug.clone(),
                    DateStyle::for_country(society.country.as_deref()),
                );
                let mut ids = wanted.remove(&role.society_slug).unwrap_or_default();
                ids.sort();
                ids.dedup();
                for p in db::people::named(conn, &society.id, &ids)? {
                    names.insert(
                        (role.society_slug.clone(), p.id.clone()),
                        full_name(p.title.as_deref(), &p.name()),
                    );
                }
            }
            Ok(Self { names, styles })
        })
        .await?)
    }

    fn name(&self, society: &str, person: &str) -> String {
        self.names
            .get(&(society.to_owned(), person.to_owned()))
            .cloned()
            .unwrap_or_else(|| person.to_owned())
    }

    fn style(&self, society: &str) -> DateStyle {
        self.styles
            .get(society)
            .copied()
            .unwrap_or(DateStyle::DayMonthYear)
    }

    /// "Dr Ada Moreau: Participation, 3 March 2025", as text.
    fn title_text(&self, society: &str, record: &StoredActivity) -> String {
        let a = &record.activity;
        format!(
            "{}: {}, {}",
            self.name(society, a.person.as_str()),
            kind_label(a.kind.as_str()),
            self.style(society).format(a.date)
        )
    }

    /// The same, its date machine-readable too.
    fn title(&self, society: &str, record: &StoredActivity) -> Markup {
        let a = &record.activity;
        html! {
            (self.name(society, a.person.as_str())) ": " (kind_label(a.kind.as_str())) ", " (date(self.style(society), a.date))
        }
    }
}

async fn queue_page(
    state: &AppState,
    viewer: &Viewer,
    waiting: Waiting,
    answers: Answers,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let context = Context::read(state, viewer, &waiting).await?;
    let csrf = viewer.csrf().unwrap_or_default();
    let total = waiting.page.total;
    let shown = waiting.page.items.len();
    let body = layout::page(
        viewer,
        "Records waiting for my signature",
        html! {
            h1 { "Records waiting for my signature" }
            @if let Some(text) = answers.notice { (layout::notice(text)) }
            (answers.errors.summary())
            @if !answers.results.is_empty() {
                section class="results" aria-labelledby="results-title" {
                    h2 id="results-title" { "What became of each record" }
                    ul {
                        @for (what, outcome) in &answers.results {
                            li {
                                (what) ": "
                                @match outcome {
                                    Outcome::Confirmed => span class="met" { "✓ Confirmed" },
                                    Outcome::Rejected => strong { "Rejected" },
                                    Outcome::NotDecided(why) => { span class="unmet" { "✗ Not decided" } " — " (why) }
                                }
                            }
                        }
                    }
                }
            }
            @if waiting.page.items.is_empty() {
                p { "Nothing is waiting for you." }
            } @else {
                p {
                    (total) " record" @if total != 1 { "s" } " waiting, oldest first"
                    @if i64::try_from(shown).unwrap_or(i64::MAX) < total { " (the oldest " (shown) " are shown; the rest follow once these are decided)" }
                    ". Confirm a record only if it is true; to reject one, say why in its comment."
                }
                p class="muted" { "Decide one record with its own buttons, or tick several and use the buttons at the end of the list." }
                form method="post" action="/attestations" {
                    (csrf_field(&csrf))
                    ol class="cards" {
                        @for record in &waiting.page.items {
                            (card(record, waiting.slug_of(record), &context, &answers))
                        }
                    }
                    div class="actions selected-actions" {
                        button type="submit" name="decision" value="confirm" { "Confirm the selected records" }
                        button type="submit" name="decision" value="reject" class="button-danger" { "Reject the selected records" }
                    }
                }
            }
        },
    );
    Ok(page_response(status, body))
}

/// One waiting record in full, with its tick, comment and buttons.
fn card(record: &StoredActivity, society: &str, context: &Context, answers: &Answers) -> Markup {
    let a = &record.activity;
    let id = a.id.to_string();
    let comment_id = format!("comment-{id}");
    let pick_id = format!("pick-{id}");
    let (comment, ticked) = answers
        .kept
        .get(&id)
        .map_or(("", false), |(c, t)| (c.as_str(), *t));
    let style = context.style(society);
    let person =
        |p: &Option<balint_core::PersonId>| p.as_ref().map(|p| context.name(society, p.as_str()));
    let length = match (a.duration_minutes, a.days) {
        (Some(m), Some(d)) => Some(format!(
            "{m} minutes over {d} day{}",
            if d == 1 { "" } else { "s" }
        )),
        (Some(m), None) => Some(format!("{m} minutes")),
        (None, Some(d)) => Some(format!("{d} day{}", if d == 1 { "" } else { "s" })),
        (None, None) => None,
    };
    html! {
        li aria-labelledby={ "record-" (id) } {
            h2 id={ "record-" (id) } { (context.title(society, record)) }
            dl class="facts" {
                dt { "Amount" } dd { (a.amount) " " (words(a.unit.as_str())) @if let Some(c) = a.cases { ", " (c) " cases" } }
                dt { "Delivery" } dd { (capitalised(&words(a.delivery.as_str()))) }
                @if let Some(g) = &a.group { dt { "Group" } dd { (g) @if a.ongoing_group { " (an ongoing group)" } } }
                @if let Some(c) = person(&a.co_leader) { dt { "Co-leader" } dd { (c) } }
                @if let Some(s) = person(&a.supervisor) { dt { "Supervisor" } dd { (s) } }
                @if let Some(l) = &length { dt { "Length" } dd { (l) } }
                @if let Some(s) = &a.setting { dt { "Setting" } dd { (s) } }
                @if let Some(e) = a.event_type { dt { "Event type" } dd { (capitalised(&words(e.as_str()))) } }
                @if let Some(p) = &a.provider { dt { "Provider" } dd { (p) @if a.provider_approved { " (approved)" } } }
                @if let Some(f) = a.supervision_format { dt { "Supervision format" } dd { (capitalised(&words(f.as_str()))) } }
                @if let Some(r) = a.report_type { dt { "Report type" } dd { (capitalised(&words(r.as_str()))) } }
                dt { "Notes" } dd { (a.notes.as_deref().unwrap_or("None")) }
                dt { "Recorded on" } dd { (date(style, record.recorded_at.date())) }
            }
            input type="hidden" name={ "society-" (id) } value=(society);
            (answers.errors.next_to(&id))
            div class="field" {
                label for=(comment_id) { "Comment" span class="hint" { "Required to reject" } }
                textarea id=(comment_id) name=(comment_id)
                    aria-describedby=[answers.errors.described_by(&id)]
                    aria-invalid=[answers.errors.invalid(&id)] { (comment) }
            }
            div class="checkbox" {
                input type="checkbox" id=(pick_id) name="pick" value=(id) checked[ticked];
                label for=(pick_id) { "Select this record" span class="visually-hidden" { ": " (context.title(society, record)) } }
            }
            div class="actions" {
                button type="submit" formaction={ "/attestations/" (id) } name="decision" value="confirm" { "Confirm" span class="visually-hidden" { " this record" } }
                button type="submit" formaction={ "/attestations/" (id) } name="decision" value="reject" class="button-danger" { "Reject" span class="visually-hidden" { " this record" } }
            }
        }
    }
}

/// The queue's form as sent: its fields in order (`pick` may repeat).
#[derive(Debug, Default, Deserialize)]
#[serde(transparent)]
pub struct QueueForm(Vec<(String, String)>);

impl QueueForm {
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    fn verdict(&self) -> Result<Verdict, ApiError> {
        match self.get("decision") {
            Some("confirm") => Ok(Verdict::Confirm),
            Some("reject") => Ok(Verdict::Reject),
            _ => Err(ApiError::bad_request(
                "decision",
                "choose Confirm or Reject",
            )),
        }
    }

    /// The comment given for record `id` (`comment` alone when the form
    /// was one record's).
    fn comment(&self, id: &str) -> String {
        self.get(&format!("comment-{id}"))
            .or_else(|| self.get("comment"))
            .unwrap_or_default()
            .to_owned()
    }

    /// The society of record `id`.
    fn society(&self, id: &str) -> String {
        self.get(&format!("society-{id}"))
            .or_else(|| self.get("society"))
            .unwrap_or_default()
            .to_owned()
    }
}

/// Decide `ids` with `verdict`, each with its own comment: what became of
/// each, the answers to keep, and the problems.
async fn decide_each(
    state: &AppState,
    viewer: &Viewer,
    form: &QueueForm,
    verdict: Verdict,
    ids: &[String],
    queue: &Waiting,
) -> Result<Answers, PageError> {
    let context = Context::read(state, viewer, queue).await?;
    let mut answers = Answers::default();
    let mut problems = Vec::new();
    // Each record's society: of a record in the queue it is known; of
    // another, the form says it (the API's answer follows).
    let society_of = |id: &str| {
        queue
            .page
            .items
            .iter()
            .find(|r| r.activity.id.as_str() == id)
            .map_or_else(|| form.society(id), |r| queue.slug_of(r).to_owned())
    };
    // The API's bulk attestation, once per society: each record decided
    // on its own, one refused never stopping the others.
    let mut by_society: Vec<(String, Vec<(String, Attestation)>)> = Vec::new();
    for id in ids {
        let comment = form.comment(id);
        let attestation = Attestation {
            verdict,
            comment: Some(comment.trim().to_owned()).filter(|c| !c.is_empty()),
        };
        let society = society_of(id);
        match by_society.iter_mut().find(|(s, _)| *s == society) {
            Some((_, decisions)) => decisions.push((id.clone(), attestation)),
            None => by_society.push((society, vec![(id.clone(), attestation)])),
        }
    }
    let mut outcomes: HashMap<String, Result<(), AttestError>> = HashMap::new();
    for (society, decisions) in by_society {
        let ids: Vec<String> = decisions.iter().map(|(id, _)| id.clone()).collect();
        let (_, results) = ledger::attest_many(state, &viewer.caller, society, decisions).await?;
        for (id, result) in ids.into_iter().zip(results) {
            outcomes.insert(id, result.map(|_| ()));
        }
    }
    for id in ids {
        let comment = form.comment(id);
        let waiting = queue
            .page
            .items
            .iter()
            .find(|r| r.activity.id.as_str() == id);
        let what = waiting.map_or_else(
            || format!("Record {id}"),
            |r| context.title_text(queue.slug_of(r), r),
        );
        let answer = outcomes
            .remove(id)
            .unwrap_or(Err(AttestError::NoSuchRecord(id.clone())));
        let why = match answer {
            Ok(()) => {
                let outcome = match verdict {
                    Verdict::Confirm => Outcome::Confirmed,
                    Verdict::Reject => Outcome::Rejected,
                };
                answers.results.push((what, outcome));
                continue;
            }
            Err(AttestError::Invalid(errors)) => errors
                .into_iter()
                .map(|p| {
                    if verdict == Verdict::Reject && comment.trim().is_empty() {
                        "Say why you reject the record: the trainee sees your comment".to_owned()
                    } else {
                        format!("{} {}", capitalised(&p.field), p.message)
                    }
                })
                .collect::<Vec<_>>()
                .join("; "),
            Err(e @ (AttestError::AlreadyDecided | AttestError::OwnRecord)) => {
                capitalised(&e.to_string())
            }
            Err(AttestError::NoSuchRecord(_)) => "This record is no longer there".to_owned(),
            Err(AttestError::NotAttestor) => "You may not decide this record".to_owned(),
            Err(other) => return Err(other.into()),
        };
        answers.kept.insert(id.clone(), (comment, true));
        problems.push((id.clone(), what.clone(), why.clone()));
        answers.results.push((what, Outcome::NotDecided(why)));
    }
    // Each problem is the record's (its id), linked to its comment.
    let mut errors = FormErrors::new(
        problems
            .iter()
            .map(|(id, _, why)| FieldProblem::new(id.clone(), why.clone()))
            .collect(),
        &[],
    );
    for (id, what, _) in problems {
        errors = errors
            .with_label(&id, what)
            .with_anchor(&id, format!("comment-{id}"));
    }
    answers.errors = errors;
    Ok(answers)
}

/// `POST /attestations`: confirm or reject every ticked record, each with
/// its own comment. When every one was decided the page says so per
/// record (200); when some were refused, they stay ticked with their
/// comments and their problems (422), and the rest are decided.
pub async fn decide_selected(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    form: Form<QueueForm>,
) -> HttpResponse {
    let form = form.into_inner();
    let result = async {
        viewer.check_csrf(form.get("csrf").unwrap_or_default())?;
        let verdict = form.verdict()?;
        let ids = form.all("pick");
        let before = waiting(&state, &viewer).await?;
        if ids.is_empty() {
            let answers = Answers {
                errors: FormErrors::new(
                    vec![FieldProblem::new(
                        "",
                        "Select at least one record, or use a record's own buttons",
                    )],
                    &[],
                ),
                kept: before
                    .page
                    .items
                    .iter()
                    .map(|r| {
                        let id = r.activity.id.to_string();
                        let comment = form.comment(&id);
                        (id, (comment, false))
                    })
                    .collect(),
                ..Answers::default()
            };
            return queue_page(
                &state,
                &viewer,
                before,
                answers,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
        let mut answers = decide_each(&state, &viewer, &form, verdict, &ids, &before).await?;
        // The comments typed for records not ticked are kept too.
        for r in &before.page.items {
            let id = r.activity.id.to_string();
            answers
                .kept
                .entry(id.clone())
                .or_insert_with(|| (form.comment(&id), false));
        }
        let status = if answers.kept.values().any(|(_, ticked)| *ticked) {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        };
        let after = waiting(&state, &viewer).await?;
        queue_page(&state, &viewer, after, answers, status).await
    }
    .await;
    finish(&req, &viewer, result)
}

/// `POST /attestations/{activity}`: one record, by its own buttons.
pub async fn decide(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
    form: Form<QueueForm>,
) -> HttpResponse {
    let activity = path.into_inner();
    let form = form.into_inner();
    let result = async {
        viewer.check_csrf(form.get("csrf").unwrap_or_default())?;
        let verdict = form.verdict()?;
        let before = waiting(&state, &viewer).await?;
        if !before
            .page
            .items
            .iter()
            .any(|r| r.activity.id.as_str() == activity)
        {
            // Not waiting for this viewer: the API's answer as a page
            // (decided already, someone else's to decide, not there).
            let comment = form.comment(&activity);
            ledger::attest(
                &state,
                &viewer.caller,
                form.society(&activity),
                activity.clone(),
                Attestation {
                    verdict,
                    comment: Some(comment.trim().to_owned()).filter(|c| !c.is_empty()),
                },
            )
            .await?;
            let word = form.get("decision").unwrap_or_default();
            return Ok(see_other(&format!("/attestations?decided={word}")));
        }
        let mut answers = decide_each(
            &state,
            &viewer,
            &form,
            verdict,
            std::slice::from_ref(&activity),
            &before,
        )
        .await?;
        if answers.kept.is_empty() {
            let word = form.get("decision").unwrap_or_default();
            return Ok(see_other(&format!("/attestations?decided={word}")));
        }
        // The comments typed for the other records are kept too.
        for r in &before.page.items {
            let id = r.activity.id.to_string();
            answers
                .kept
                .entry(id.clone())
                .or_insert_with(|| (form.comment(&id), false));
        }
        let after = waiting(&state, &viewer).await?;
        queue_page(
            &state,
            &viewer,
            after,
            answers,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await
    }
    .await;
    finish(&req, &viewer, result)
}
