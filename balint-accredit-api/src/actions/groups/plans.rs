//! A group's sessions planned ahead: a leader of the group (on the
//! planned day) or the society's registrar schedules one, moves it or
//! cancels it; whoever may read the group reads them. Recording a session
//! on a planned day ([`super::sessions::record`]) takes the plan's length
//! and delivery as its defaults and marks the plan held, linked to it.
//!
//! Times are given as the local time where the group meets with that
//! place's offset from UTC on the day (RFC 3339, e.g.
//! `2027-01-12T19:00:00+13:00`): the start is kept in UTC, and shown back
//! in the offset it was given in. Every change bumps the plan's sequence,
//! which calendars read (RFC 5545 `SEQUENCE`).
//!
//! A plan holds no clinical content: where (a place, or an online link's
//! text) and a practical note, never what will be discussed.

use chrono::{DateTime, FixedOffset};
use serde_json::{json, Value};

use super::{refused, GroupDetail};
use crate::auth::{permissions, Caller};
use crate::db::groups::{Delivery, PlanStatus, PlannedSession};
use crate::db::{self, audit, societies::Society, DbConnection};
use crate::error::{ApiError, FieldProblem};
use crate::state::AppState;

/// Longest place or note, in characters.
pub const MAX_TEXT: usize = 500;

/// A planned session as a request gives it: to schedule, `starts` is
/// required and the rest default (the group's usual length and delivery,
/// no place, no note); to move or change, only what is given changes
/// (`Some(None)` clears the place or the note).
#[derive(Debug, Clone, Default)]
pub struct PlanInput {
    /// The start, in the local time where the group meets, with its
    /// offset from UTC.
    pub starts: Option<DateTime<FixedOffset>>,
    pub minutes: Option<u32>,
    pub delivery: Option<Delivery>,
    pub place: Option<Option<String>>,
    pub note: Option<Option<String>>,
}

/// The plan's values as the audit log keeps them.
fn audit_value(p: &PlannedSession) -> Value {
    json!({
        "id": p.id,
        "day": p.on_day,
        "starts_at_utc": p.starts_at,
        "utc_offset_minutes": p.utc_offset_minutes,
        "minutes": p.minutes,
        "delivery": p.delivery.as_str(),
        "place": p.place,
        "note": p.note,
        "status": p.status.as_str(),
        "sequence": p.sequence,
    })
}

/// Record the change of `p` under its group in the audit log.
fn audit_plan(
    conn: &mut DbConnection,
    actor: Option<&str>,
    p: &PlannedSession,
    action: audit::Action,
    before: Option<&PlannedSession>,
) -> Result<(), ApiError> {
    audit::record(
        conn,
        audit::Change {
            actor_user_id: actor,
            society_id: Some(&p.society_id),
            action,
            entity: audit::Entity::Group,
            entity_id: &p.group_id,
            before: before.map(|b| json!({ "planned_session": audit_value(b) })),
            after: Some(json!({ "planned_session": audit_value(p) })),
            at: p.updated_at,
        },
    )?;
    Ok(())
}

fn text(
    field: &str,
    given: Option<Option<String>>,
    was: Option<String>,
    problems: &mut Vec<FieldProblem>,
) -> Option<String> {
    let Some(given) = given else {
        return was;
    };
    let t = given.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
    if t.as_ref().is_some_and(|t| t.chars().count() > MAX_TEXT) {
        problems.push(FieldProblem::new(
            field,
            format!("must be at most {MAX_TEXT} characters"),
        ));
    }
    t
}

/// `input` applied over `p`, with every problem.
fn apply(p: &mut PlannedSession, input: PlanInput, problems: &mut Vec<FieldProblem>) {
    if let Some(starts) = input.starts {
        p.on_day = starts.date_naive();
        p.starts_at = starts.naive_utc();
        p.utc_offset_minutes = starts.offset().local_minus_utc() / 60;
        if p.starts_at <= db::now() {
            problems.push(FieldProblem::new("starts_at", "must be in the future"));
        }
    }
    if let Some(m) = input.minutes {
        p.minutes = m;
    }
    if !(1..=super::MAX_MINUTES).contains(&p.minutes) {
        problems.push(FieldProblem::new(
            "minutes",
            format!("must be from 1 to {}", super::MAX_MINUTES),
        ));
    }
    if let Some(d) = input.delivery {
        p.delivery = d;
    }
    p.place = text("place", input.place, p.place.take(), problems);
    p.note = text("note", input.note, p.note.take(), problems);
}

/// The caller as who plans sessions of `group` on `day`: the society's
/// registrar, or a leader of the group that day. Their login.
fn planner(
    caller: &Caller,
    group: &GroupDetail,
    day: chrono::NaiveDate,
) -> Result<String, ApiError> {
    let user = permissions::require_user(caller)?;
    let society = &group.group.society_id;
    let leads = permissions::person_in(caller, society)
        .is_some_and(|me| group.leaders_on(day).iter().any(|l| l.person_id == me));
    if permissions::acts_as_registrar(caller, society) || leads {
        Ok(user.user_id.clone())
    } else {
        Err(ApiError::Forbidden)
    }
}

/// No other plan of the group still to be held on the plan's day.
fn day_free(conn: &mut DbConnection, p: &PlannedSession) -> Result<(), ApiError> {
    if db::groups::plans_on(conn, &p.group_id, p.on_day)?
        .iter()
        .any(|o| o.id != p.id)
    {
        return Err(ApiError::Conflict(format!(
            "the group has a session planned on {} already: move or cancel it",
            p.on_day
        )));
    }
    Ok(())
}

/// Plan a session of group `group_id` of society `slug`: the registrar,
/// or a leader of the group on its day. Every problem of the input is
/// refused at once; a second plan on the same day is a conflict.
pub async fn schedule(
    state: &AppState,
    caller: &Caller,
    slug: String,
    group_id: String,
    input: PlanInput,
) -> Result<(Society, GroupDetail, PlannedSession), ApiError> {
    let (society, group) = super::readable(state, caller, slug, group_id).await?;
    let Some(starts) = input.starts else {
        return Err(refused(vec![FieldProblem::new("starts_at", "is required")]));
    };
    let actor = planner(caller, &group, starts.date_naive())?;
    let now = db::now();
    let mut plan = PlannedSession {
        id: uuid::Uuid::new_v4().to_string(),
        group_id: group.group.id.clone(),
        society_id: society.id.clone(),
        on_day: starts.date_naive(),
        starts_at: starts.naive_utc(),
        utc_offset_minutes: 0,
        minutes: group.group.usual_minutes,
        delivery: group.group.delivery,
        place: None,
        note: None,
        status: PlanStatus::Planned,
        session_id: None,
        sequence: 0,
        created_at: now,
        updated_at: now,
    };
    let mut problems = Vec::new();
    apply(&mut plan, input, &mut problems);
    if !problems.is_empty() {
        return Err(refused(problems));
    }
    let plan = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            day_free(conn, &plan)?;
            db::groups::insert_plan(conn, &plan)?;
            audit_plan(conn, Some(&actor), &plan, audit::Action::Create, None)?;
            Ok(plan.clone())
        })
    })
    .await?;
    Ok((society, group, plan))
}

/// What a change does to a plan still to be held.
enum Change {
    /// Move it or change its details.
    Edit(PlanInput),
    /// Call it off.
    Cancel,
}

async fn changed(
    state: &AppState,
    caller: &Caller,
    slug: String,
    group_id: String,
    plan_id: String,
    change: Change,
) -> Result<(Society, GroupDetail, PlannedSession), ApiError> {
    let (society, group) = super::readable(state, caller, slug, group_id).await?;
    let gid = group.group.id.clone();
    let before = db::run(&state.pool, move |conn| {
        db::groups::find_plan(conn, &gid, &plan_id)?
            .ok_or_else(|| ApiError::NotFound(format!("planned session {plan_id}")))
    })
    .await?;
    // Who plans the day it was planned for, and the day it moves to.
    let mut actor = planner(caller, &group, before.on_day)?;
    if before.status != PlanStatus::Planned {
        return Err(ApiError::Conflict(format!(
            "the planned session of {} is {} already",
            before.on_day,
            before.status.as_str()
        )));
    }
    let mut plan = PlannedSession {
        sequence: before.sequence + 1,
        updated_at: db::now(),
        ..before.clone()
    };
    match change {
        Change::Edit(input) => {
            if let Some(starts) = input.starts {
                actor = planner(caller, &group, starts.date_naive())?;
            }
            let mut problems = Vec::new();
            apply(&mut plan, input, &mut problems);
            if !problems.is_empty() {
                return Err(refused(problems));
            }
        }
        Change::Cancel => plan.status = PlanStatus::Cancelled,
    }
    let plan = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            if plan.status == PlanStatus::Planned {
                day_free(conn, &plan)?;
            }
            db::groups::update_plan(conn, &plan)?;
            audit_plan(
                conn,
                Some(&actor),
                &plan,
                audit::Action::Update,
                Some(&before),
            )?;
            Ok(plan.clone())
        })
    })
    .await?;
    Ok((society, group, plan))
}

/// Move or change planned session `plan_id` of group `group_id` of
/// society `slug`: the registrar, or a leader of the group on its day
/// (and on the day it moves to). Only what is given changes; a cancelled
/// or held plan is a conflict.
pub async fn change(
    state: &AppState,
    caller: &Caller,
    slug: String,
    group_id: String,
    plan_id: String,
    input: PlanInput,
) -> Result<(Society, GroupDetail, PlannedSession), ApiError> {
    changed(state, caller, slug, group_id, plan_id, Change::Edit(input)).await
}

/// Cancel planned session `plan_id` of group `group_id` of society
/// `slug`: the registrar, or a leader of the group on its day. It stays
/// listed, cancelled (calendars show it called off).
pub async fn cancel(
    state: &AppState,
    caller: &Caller,
    slug: String,
    group_id: String,
    plan_id: String,
) -> Result<(Society, GroupDetail, PlannedSession), ApiError> {
    changed(state, caller, slug, group_id, plan_id, Change::Cancel).await
}

/// Every planned session of group `group_id` of society `slug`, the
/// earliest first: whoever may read the group.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    slug: String,
    group_id: String,
) -> Result<(Society, GroupDetail, Vec<PlannedSession>), ApiError> {
    let (society, group) = super::readable(state, caller, slug, group_id).await?;
    let gid = group.group.id.clone();
    let plans = db::run(&state.pool, move |conn| db::groups::group_plans(conn, &gid)).await?;
    Ok((society, group, plans))
}

/// The plan the session recorded on `day` of group `group_id` holds to,
/// if one was planned.
pub(crate) fn planned_on(
    conn: &mut DbConnection,
    group_id: &str,
    day: chrono::NaiveDate,
) -> Result<Option<PlannedSession>, ApiError> {
    Ok(db::groups::plans_on(conn, group_id, day)?
        .into_iter()
        .next())
}

/// Mark `plan` held by session `session_id` (inside the session's
/// transaction), in the audit log under its group.
pub(crate) fn mark_held(
    conn: &mut DbConnection,
    actor: Option<&str>,
    plan: &PlannedSession,
    session_id: &str,
) -> Result<(), ApiError> {
    let held = PlannedSession {
        status: PlanStatus::Held,
        session_id: Some(session_id.to_owned()),
        sequence: plan.sequence + 1,
        updated_at: db::now(),
        ..plan.clone()
    };
    db::groups::update_plan(conn, &held)?;
    audit_plan(conn, actor, &held, audit::Action::Update, Some(plan))
}
