//! Training programmes: a named cohort of a society's people (e.g. a
//! deanery's core psychiatry trainees) with the programme's requirement
//! numbers, and its attendance view from the same ledger. The registrar
//! creates a programme, adds its trainees, and follows each trainee's
//! sessions against those required and their Case-Based Discussion Group
//! Assessments with the day the next one is due.
//!
//! A trainee's sessions are their confirmed participation records dated
//! from the day they joined to the day of the view (a record kept in
//! sessions, double sessions or meetings counts its amount, any other one
//! session, as on a certificate of attendance); those still waiting for
//! their attestor are shown apart. Their assessments are confirmed report
//! or evaluation records of type `case_discussion_assessment` in the same
//! days (the facilitator attests them). The next is due `assessment_months`
//! after the last one, or after the day they joined when there is none
//! yet; it is overdue from the day after.

use balint_core::ledger::{ActivityKind, Amount, Attestation, ReportType};
use chrono::{Months, NaiveDate};
use serde_json::json;

use crate::actions::certificates;
use crate::auth::Caller;
use crate::csv_cells::CsvWriter;
use crate::db::programmes::{Programme, Trainee};
use crate::db::{self, audit, DbConnection};
use crate::error::{ApiError, FieldProblem};
use crate::state::AppState;

/// A programme to create.
#[derive(Debug, Clone)]
pub struct ProgrammeInput {
    /// Its short name in paths, e.g. `core-psych-2026`: lower-case
    /// letters, digits and `-`, up to 64.
    pub slug: String,
    pub name: String,
    /// Sessions each trainee must attend (1 to 1000).
    pub sessions_required: i32,
    /// Months between assessments (1 to 60).
    pub assessment_months: i32,
}

/// Create a programme in society `slug` (its registrar). Every problem is
/// refused at once; a slug the society uses already conflicts.
pub async fn create(
    state: &AppState,
    caller: &Caller,
    slug: String,
    input: ProgrammeInput,
) -> Result<Programme, ApiError> {
    let (society, actor) = crate::actions::as_registrar(state, caller, slug).await?;
    let mut problems = Vec::new();
    let id_ok = !input.slug.is_empty()
        && input.slug.len() <= 64
        && input
            .slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !id_ok {
        problems.push(FieldProblem::new(
            "id",
            "must be 1 to 64 lower-case letters, digits and '-'",
        ));
    }
    let name = input.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 200 {
        problems.push(FieldProblem::new("name", "must be 1 to 200 characters"));
    }
    if !(1..=1000).contains(&input.sessions_required) {
        problems.push(FieldProblem::new(
            "sessions_required",
            "must be between 1 and 1000",
        ));
    }
    if !(1..=60).contains(&input.assessment_months) {
        problems.push(FieldProblem::new(
            "assessment_months",
            "must be between 1 and 60",
        ));
    }
    if !problems.is_empty() {
        return Err(ApiError::Unprocessable {
            detail: "the programme has problems".to_owned(),
            errors: problems,
        });
    }
    let now = db::now();
    db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            if db::programmes::by_slug(conn, &society.id, &input.slug)?.is_some() {
                return Err(ApiError::Conflict(format!(
                    "the society has a programme {} already",
                    input.slug
                )));
            }
            let programme = Programme {
                id: uuid::Uuid::new_v4().to_string(),
                society_id: society.id.clone(),
                slug: input.slug.clone(),
                name: name.clone(),
                sessions_required: input.sessions_required,
                assessment_months: input.assessment_months,
                created_at: now,
            };
            db::programmes::insert(conn, &programme)?;
            audit::record(
                conn,
                audit::Change {
                    actor_user_id: Some(&actor),
                    society_id: Some(&society.id),
                    action: audit::Action::Create,
                    entity: audit::Entity::TrainingProgramme,
                    entity_id: &programme.id,
                    before: None,
                    after: Some(json!({
                        "id": programme.slug,
                        "name": programme.name,
                        "sessions_required": programme.sessions_required,
                        "assessment_months": programme.assessment_months,
                    })),
                    at: now,
                },
            )?;
            Ok(programme)
        })
    })
    .await
}

/// Society `slug`'s programmes, by name (its registrar).
pub async fn list(
    state: &AppState,
    caller: &Caller,
    slug: String,
) -> Result<Vec<Programme>, ApiError> {
    let (society, _) = crate::actions::as_registrar(state, caller, slug).await?;
    db::run(&state.pool, move |conn| {
        db::programmes::list(conn, &society.id)
    })
    .await
}

/// Add person `person_id` to programme `programme` of society `slug` from
/// `joined_on` (its registrar). Not found for an unknown programme;
/// unprocessable for a person not in the society; a conflict when they
/// are in it already.
pub async fn add_trainee(
    state: &AppState,
    caller: &Caller,
    slug: String,
    programme: String,
    person_id: String,
    joined_on: NaiveDate,
) -> Result<Trainee, ApiError> {
    let (society, actor) = crate::actions::as_registrar(state, caller, slug).await?;
    let now = db::now();
    db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let programme = db::programmes::by_slug(conn, &society.id, &programme)?
                .ok_or_else(|| ApiError::NotFound(format!("programme {programme}")))?;
            if db::people::find(conn, &society.id, &person_id)?.is_none() {
                return Err(ApiError::unprocessable(
                    "person_id",
                    format!("the society has no person {person_id}"),
                ));
            }
            let trainee = Trainee {
                programme_id: programme.id.clone(),
                person_id: person_id.clone(),
                joined_on,
            };
            if !db::programmes::add_trainee(conn, &trainee)? {
                return Err(ApiError::Conflict(format!(
                    "{person_id} is a trainee of the programme already"
                )));
            }
            audit::record(
                conn,
                audit::Change {
                    actor_user_id: Some(&actor),
                    society_id: Some(&society.id),
                    action: audit::Action::Update,
                    entity: audit::Entity::TrainingProgramme,
                    entity_id: &programme.id,
                    before: None,
                    after: Some(json!({ "trainee_added": person_id, "joined_on": joined_on })),
                    at: now,
                },
            )?;
            Ok(trainee)
        })
    })
    .await
}

/// One trainee's attendance as of a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraineeAttendance {
    pub person_id: String,
    /// Their name, with their title.
    pub name: String,
    pub joined_on: NaiveDate,
    /// Confirmed sessions since they joined.
    pub sessions: Amount,
    /// Sessions recorded and still waiting for their attestor.
    pub pending_sessions: Amount,
    /// Whether the sessions reach the programme's number.
    pub complete: bool,
    /// The days of their confirmed assessments, oldest first.
    pub assessments: Vec<NaiveDate>,
    /// The day the next assessment is due.
    pub next_due: NaiveDate,
    /// Whether that day has passed.
    pub overdue: bool,
}

/// A programme's attendance view.
#[derive(Debug, Clone)]
pub struct AttendanceView {
    pub programme: Programme,
    /// The day it is counted to.
    pub as_of: NaiveDate,
    /// Each trainee, by name.
    pub trainees: Vec<TraineeAttendance>,
}

/// The attendance of programme `programme` of society `slug` as of
/// `as_of` (its registrar).
pub async fn attendance(
    state: &AppState,
    caller: &Caller,
    slug: String,
    programme: String,
    as_of: NaiveDate,
) -> Result<AttendanceView, ApiError> {
    let (society, _) = crate::actions::as_registrar(state, caller, slug).await?;
    db::run(&state.pool, move |conn| {
        attendance_of(conn, &society.id, &programme, as_of)
    })
    .await
}

/// The attendance of programme `programme` of society `society_id` as of
/// `as_of`, on `conn`: what [`attendance`] answers its registrar. Three
/// queries whatever the number of trainees (up to 500): the trainees,
/// their names, and their ledgers together.
pub fn attendance_of(
    conn: &mut DbConnection,
    society_id: &str,
    programme: &str,
    as_of: NaiveDate,
) -> Result<AttendanceView, ApiError> {
    let programme = db::programmes::by_slug(conn, society_id, programme)?
        .ok_or_else(|| ApiError::NotFound(format!("programme {programme}")))?;
    let trainees = db::programmes::trainees(conn, &programme.id)?;
    let ids: Vec<String> = trainees.iter().map(|t| t.person_id.clone()).collect();
    let people = db::people::named(conn, society_id, &ids)?;
    let months = Months::new(u32::try_from(programme.assessment_months).unwrap_or(6));
    let required = Amount::from_whole(u64::try_from(programme.sessions_required).unwrap_or(0));
    // Every trainee's ledger in one query (per 500 trainees), not one each.
    let mut ledgers = db::activities::ledgers(conn, &ids)?;
    let mut rows = Vec::with_capacity(trainees.len());
    for trainee in trainees {
        let ledger = ledgers.remove(&trainee.person_id).unwrap_or_default();
        let (confirmed, _) = certificates::count(&ledger, trainee.joined_on, as_of);
        let pending: u64 = ledger
            .iter()
            .filter(|a| {
                a.kind == ActivityKind::Participation
                    && a.attestation == Attestation::Pending
                    && a.date >= trainee.joined_on
                    && a.date <= as_of
            })
            .map(|a| certificates::sessions_of(a).thousandths())
            .sum();
        let sessions =
            Amount::from_thousandths(confirmed.sessions_in_person + confirmed.sessions_online);
        let mut assessments: Vec<NaiveDate> = ledger
            .iter()
            .filter(|a| {
                matches!(a.kind, ActivityKind::Report | ActivityKind::Evaluation)
                    && a.report_type == Some(ReportType::CaseDiscussionAssessment)
                    && a.attestation.is_confirmed()
                    && a.date >= trainee.joined_on
                    && a.date <= as_of
            })
            .map(|a| a.date)
            .collect();
        assessments.sort();
        let from = assessments.last().copied().unwrap_or(trainee.joined_on);
        let next_due = from.checked_add_months(months).unwrap_or(from);
        let name = people
            .iter()
            .find(|p| p.id == trainee.person_id)
            .map(|p| match p.title.as_deref().map(str::trim) {
                Some(t) if !t.is_empty() => format!("{t} {}", p.name()),
                _ => p.name(),
            })
            .unwrap_or_else(|| trainee.person_id.clone());
        rows.push(TraineeAttendance {
            person_id: trainee.person_id,
            name,
            joined_on: trainee.joined_on,
            sessions,
            pending_sessions: Amount::from_thousandths(pending),
            complete: sessions >= required,
            assessments,
            next_due,
            overdue: as_of > next_due,
        });
    }
    rows.sort_by(|a, b| (&a.name, &a.person_id).cmp(&(&b.name, &b.person_id)));
    Ok(AttendanceView {
        programme,
        as_of,
        trainees: rows,
    })
}

/// The view as CSV for the programme's records, one row a trainee, each
/// cell through [`CsvWriter`] (a would-be formula gets a `'` before it).
pub fn attendance_csv(view: &AttendanceView) -> anyhow::Result<String> {
    let mut writer = CsvWriter::new();
    writer.row([
        "person_id",
        "name",
        "joined_on",
        "sessions",
        "sessions_required",
        "complete",
        "pending_sessions",
        "assessments",
        "last_assessment",
        "next_assessment_due",
        "overdue",
        "as_of",
    ])?;
    for t in &view.trainees {
        writer.row([
            t.person_id.clone(),
            t.name.clone(),
            t.joined_on.to_string(),
            t.sessions.to_string(),
            view.programme.sessions_required.to_string(),
            t.complete.to_string(),
            t.pending_sessions.to_string(),
            t.assessments.len().to_string(),
            t.assessments
                .last()
                .map(ToString::to_string)
                .unwrap_or_default(),
            t.next_due.to_string(),
            t.overdue.to_string(),
            view.as_of.to_string(),
        ])?;
    }
    writer.finish()
}
