//! A group's sessions: a leader records one once, and that writes its
//! people's ledger records in the same transaction, by balint-core's rules
//! ([`balint_core::groups`]): each attendee's participation record,
//! confirmed by the recording leader; each leader's leading or co-leading
//! record, the recorder's own waiting for the other leader.
//!
//! A record the person already logged of the same meeting (same day, same
//! kind, the group's name) is linked to the session and confirmed, not
//! written twice. A correction of the session flows to its records by the
//! ledger's rules: a pending record changes; a decided one is corrected by
//! a new record (`corrects`), which replaces it once confirmed.

use std::collections::{HashMap, HashSet};

use balint_core::groups::{Meeting, Written};
use balint_core::ledger::{Activity, Attestation, Delivery as Mode};
use balint_core::PersonId;
use chrono::NaiveDate;
use serde_json::{json, Value};

use super::{refused, GroupDetail};
use crate::actions::ledger::audit_change;
use crate::auth::{permissions, Caller};
use crate::db::activities::{Decision, Status, StoredActivity};
use crate::db::groups::{Attendance, Delivery, Session, SessionPerson, SessionRecord};
use crate::db::{self, audit, societies::Society, DbConnection};
use crate::error::{ApiError, FieldProblem};
use crate::ledger;
use crate::pagination::{Page, PageRequest};
use crate::state::AppState;

/// Most cases or follow-ups one session may count.
pub const MAX_CASES: u32 = 20;

/// A session as a leader records or corrects it. To record, `date` is
/// required and the rest default (the group's usual length and delivery,
/// nobody, no cases); to correct, only what is given changes.
#[derive(Debug, Clone, Default)]
pub struct SessionInput {
    pub date: Option<NaiveDate>,
    pub minutes: Option<u32>,
    pub delivery: Option<Delivery>,
    /// The members who attended.
    pub attended: Option<Vec<String>>,
    /// Of those, who joined by video (a hybrid session; in an online one,
    /// everyone did).
    pub online: Option<Vec<String>>,
    /// The members who sent apologies.
    pub apologies: Option<Vec<String>>,
    /// The attendees who presented a case.
    pub presenters: Option<Vec<String>>,
    /// How many cases were presented: a count, never their content.
    pub cases_presented: Option<u32>,
    /// How many follow-up reports of earlier cases were heard.
    pub follow_ups: Option<u32>,
}

/// A session with who came and the ledger records it stands for.
#[derive(Debug, Clone)]
pub struct SessionDetail {
    pub session: Session,
    pub people: Vec<SessionPerson>,
    /// Each person's record, with the record itself.
    pub records: Vec<(SessionRecord, StoredActivity)>,
}

fn session_detail(conn: &mut DbConnection, session: Session) -> Result<SessionDetail, ApiError> {
    let people = db::groups::session_people(conn, &session.id)?;
    let mut records = Vec::new();
    for link in db::groups::session_records(conn, &session.id)? {
        if let Some(stored) = db::activities::find(conn, &session.society_id, &link.activity_id)? {
            records.push((link, stored));
        }
    }
    Ok(SessionDetail {
        session,
        people,
        records,
    })
}

/// The session as it will be: its fields and who came, read from `input`
/// over `base`, with every problem.
struct Planned {
    session: Session,
    people: Vec<SessionPerson>,
}

fn plan(
    group: &GroupDetail,
    base: Session,
    base_people: &[SessionPerson],
    input: SessionInput,
    today: NaiveDate,
    problems: &mut Vec<FieldProblem>,
) -> Planned {
    let mut s = base;
    if let Some(date) = input.date {
        if date > today {
            problems.push(FieldProblem::new(
                "date",
                format!("must not be in the future (today is {today})"),
            ));
        }
        s.held_on = date;
    }
    if let Some(m) = input.minutes {
        s.minutes = m;
    }
    if !(1..=super::MAX_MINUTES).contains(&s.minutes) {
        problems.push(FieldProblem::new(
            "minutes",
            format!("must be from 1 to {}", super::MAX_MINUTES),
        ));
    }
    if let Some(d) = input.delivery {
        s.delivery = d;
    }
    if let Some(c) = input.cases_presented {
        s.cases_presented = c;
    }
    if let Some(f) = input.follow_ups {
        s.follow_ups = f;
    }
    for (field, n) in [
        ("cases_presented", s.cases_presented),
        ("follow_ups", s.follow_ups),
    ] {
        if n > MAX_CASES {
            problems.push(FieldProblem::new(
                field,
                format!("must be from 0 to {MAX_CASES}"),
            ));
        }
    }
    let was = |pick: &dyn Fn(&SessionPerson) -> bool| -> Vec<String> {
        base_people
            .iter()
            .filter(|p| pick(p))
            .map(|p| p.person_id.clone())
            .collect()
    };
    let attended = input
        .attended
        .unwrap_or_else(|| was(&|p| p.attendance != Attendance::Apologies));
    let online = input
        .online
        .unwrap_or_else(|| was(&|p| p.attendance == Attendance::Online));
    let apologies = input
        .apologies
        .unwrap_or_else(|| was(&|p| p.attendance == Attendance::Apologies));
    let presenters = input.presenters.unwrap_or_else(|| was(&|p| p.presented));

    let day = s.held_on;
    let members: HashSet<&str> = group
        .members_on(day)
        .iter()
        .map(|m| m.person_id.as_str())
        .collect();
    let leaders: HashSet<&str> = group
        .leaders_on(day)
        .iter()
        .map(|l| l.person_id.as_str())
        .collect();
    let mut seen: HashSet<String> = HashSet::new();
    let mut check_list = |field: &str, ids: &[String], problems: &mut Vec<FieldProblem>| {
        for (i, id) in ids.iter().enumerate() {
            let path = format!("{field}[{i}]");
            if !seen.insert(id.clone()) {
                problems.push(FieldProblem::new(
                    path,
                    format!("{id} is listed twice (attended or sent apologies, not both)"),
                ));
            } else if leaders.contains(id.as_str()) {
                problems.push(FieldProblem::new(
                    path,
                    format!("{id} leads the group on {day}: leaders get leading records"),
                ));
            } else if !members.contains(id.as_str()) {
                problems.push(FieldProblem::new(
                    path,
                    format!("{id} is not a member of the group on {day}"),
                ));
            }
        }
    };
    check_list("attended", &attended, problems);
    check_list("apologies", &apologies, problems);
    let attending: HashSet<&str> = attended.iter().map(String::as_str).collect();
    for (field, ids) in [("online", &online), ("presenters", &presenters)] {
        for (i, id) in ids.iter().enumerate() {
            if !attending.contains(id.as_str()) {
                problems.push(FieldProblem::new(
                    format!("{field}[{i}]"),
                    format!("{id} is not among those who attended"),
                ));
            }
        }
    }
    if s.delivery == Delivery::InPerson && !online.is_empty() {
        problems.push(FieldProblem::new(
            "online",
            "is for a hybrid session: everyone attended an in-person session in person",
        ));
    }
    let presenting: HashSet<&str> = presenters.iter().map(String::as_str).collect();
    if u32::try_from(presenting.len()).unwrap_or(u32::MAX) > s.cases_presented {
        problems.push(FieldProblem::new(
            "cases_presented",
            format!(
                "must be at least the number of presenters ({})",
                presenting.len()
            ),
        ));
    }
    let by_video: HashSet<&str> = online.iter().map(String::as_str).collect();
    let mut people: Vec<SessionPerson> = attended
        .iter()
        .map(|id| SessionPerson {
            person_id: id.clone(),
            attendance: if s.delivery == Delivery::Online || by_video.contains(id.as_str()) {
                Attendance::Online
            } else {
                Attendance::InPerson
            },
            presented: presenting.contains(id.as_str()),
        })
        .chain(apologies.iter().map(|id| SessionPerson {
            person_id: id.clone(),
            attendance: Attendance::Apologies,
            presented: false,
        }))
        .collect();
    people.sort_by(|a, b| a.person_id.cmp(&b.person_id));
    people.dedup_by(|a, b| a.person_id == b.person_id);
    Planned { session: s, people }
}

fn person(id: &str) -> Result<PersonId, ApiError> {
    PersonId::try_from(id).map_err(|e| ApiError::Internal(anyhow::anyhow!("person id {id}: {e}")))
}

/// Every record the planned session stands for, by person: what it is and
/// how it starts.
fn wanted(
    group: &GroupDetail,
    planned: &Planned,
    recorder: &PersonId,
) -> Result<Vec<(Activity, Written)>, ApiError> {
    let s = &planned.session;
    let meeting = Meeting {
        date: s.held_on,
        minutes: s.minutes,
        group: group.group.name.clone(),
        ongoing: group.group.term == crate::db::groups::Term::Ongoing,
        cases: s.cases_presented,
    };
    let leaders = group
        .leaders_on(s.held_on)
        .iter()
        .map(|l| person(&l.person_id))
        .collect::<Result<Vec<_>, _>>()?;
    let mode = if s.delivery == Delivery::Online {
        Mode::Online
    } else {
        Mode::InPerson
    };
    let mut out = meeting.leading(&leaders, mode, recorder);
    for p in &planned.people {
        let mode = match p.attendance {
            Attendance::Apologies => continue,
            Attendance::Online => Mode::Online,
            Attendance::InPerson => Mode::InPerson,
        };
        out.push(meeting.participation(&person(&p.person_id)?, mode, recorder));
    }
    Ok(out)
}

/// Whether two records say the same of a meeting (what a session sets).
fn same_meeting(a: &Activity, b: &Activity) -> bool {
    a.kind == b.kind
        && a.date == b.date
        && a.amount == b.amount
        && a.unit == b.unit
        && a.duration_minutes == b.duration_minutes
        && a.delivery == b.delivery
        && a.cases == b.cases
        && a.group == b.group
        && a.ongoing_group == b.ongoing_group
        && a.co_leader == b.co_leader
}

/// Who writes, for the records and their audit.
struct Writer<'a> {
    /// The login, or none for the command line (a sheet's import).
    actor: Option<&'a str>,
    recorder: &'a PersonId,
    society_id: &'a str,
    session_id: &'a str,
}

impl Writer<'_> {
    fn decision(&self) -> Decision {
        Decision {
            status: Status::Confirmed,
            by_user_id: self.actor.map(str::to_owned),
            by_person_id: Some(self.recorder.to_string()),
            at: db::now(),
            comment: None,
        }
    }

    fn audit(
        &self,
        conn: &mut DbConnection,
        s: &StoredActivity,
        action: audit::Action,
        before: Option<Value>,
        after: Option<Value>,
    ) -> Result<(), ApiError> {
        let id = s.activity.id.to_string();
        audit::record(
            conn,
            audit_change(self.actor, s, &id, action, before, after),
        )?;
        Ok(())
    }

    /// A new record of `activity`, started as `written`.
    fn insert(
        &self,
        conn: &mut DbConnection,
        activity: Activity,
        written: &Written,
        corrects: Option<String>,
    ) -> Result<StoredActivity, ApiError> {
        let activity = Activity {
            id: ledger::new_id(),
            ..activity
        };
        let mut stored = StoredActivity::pending(
            activity,
            self.society_id,
            corrects,
            self.actor.map(str::to_owned),
            db::now(),
        );
        if let Written::Confirmed { by } = written {
            let decision = self.decision();
            stored.activity.attestation = Attestation::Confirmed {
                by: by.clone(),
                on: decision.at.date(),
            };
            stored.status = Status::Confirmed;
            stored.decision = Some(decision);
        }
        db::activities::insert(conn, &stored)?;
        self.audit(
            conn,
            &stored,
            audit::Action::Create,
            None,
            Some(ledger::audit_value(&stored)),
        )?;
        Ok(stored)
    }

    /// Pending record `current` changed to say what `activity` says (its
    /// notes kept), then confirmed where `written` says so.
    fn change_pending(
        &self,
        conn: &mut DbConnection,
        current: &StoredActivity,
        activity: Activity,
        written: &Written,
    ) -> Result<(), ApiError> {
        let changed = StoredActivity {
            activity: Activity {
                id: current.activity.id.clone(),
                notes: current.activity.notes.clone(),
                ..activity
            },
            updated_at: db::now(),
            ..current.clone()
        };
        if changed.activity != current.activity {
            if !db::activities::update_pending(conn, &changed)? {
                return Err(ApiError::Conflict(format!(
                    "record {} was decided meanwhile; record the session again",
                    current.activity.id
                )));
            }
            self.audit(
                conn,
                &changed,
                audit::Action::Update,
                Some(ledger::audit_value(current)),
                Some(ledger::audit_value(&changed)),
            )?;
        }
        if matches!(written, Written::Confirmed { .. }) {
            let decision = self.decision();
            if db::activities::decide(conn, current.activity.id.as_str(), &decision)? {
                self.audit(
                    conn,
                    &changed,
                    audit::Action::Update,
                    Some(json!({ "status": "pending" })),
                    Some(json!({
                        "status": "confirmed",
                        "decided_by_person": decision.by_person_id,
                        "session": self.session_id,
                    })),
                )?;
            }
        }
        Ok(())
    }

    /// The record the session stands for, for the person of `activity`:
    /// the current one kept, changed or corrected; or the person's own
    /// record of the meeting, linked; or a new one.
    fn settle(
        &self,
        conn: &mut DbConnection,
        group_name: &str,
        activity: Activity,
        written: Written,
        current: Option<&(SessionRecord, StoredActivity)>,
    ) -> Result<(), ApiError> {
        let person_id = activity.person.to_string();
        let link = |conn: &mut DbConnection, id: &str, linked: bool| {
            db::groups::link_record(
                conn,
                &SessionRecord {
                    session_id: self.session_id.to_owned(),
                    person_id: person_id.clone(),
                    activity_id: id.to_owned(),
                    linked,
                },
            )
        };
        if let Some((was, stored)) = current {
            if same_meeting(&stored.activity, &activity) {
                if stored.status == Status::Pending {
                    self.change_pending(conn, stored, activity, &written)?;
                }
                return Ok(());
            }
            if stored.status == Status::Pending {
                return self.change_pending(conn, stored, activity, &written);
            }
            let corrected = self.insert(
                conn,
                activity,
                &written,
                Some(stored.activity.id.to_string()),
            )?;
            return link(conn, corrected.activity.id.as_str(), was.linked);
        }
        let kinds: &[&str] = if activity.kind == balint_core::ledger::ActivityKind::Participation {
            &["participation"]
        } else {
            &["leading", "co_leading"]
        };
        for id in db::groups::self_logged(
            conn,
            self.society_id,
            &person_id,
            activity.date,
            kinds,
            group_name,
        )? {
            let Some(own) = db::activities::find(conn, self.society_id, &id)? else {
                continue;
            };
            match own.status {
                Status::Rejected => continue,
                Status::Confirmed => return link(conn, &id, true),
                Status::Pending => {
                    self.change_pending(conn, &own, activity, &written)?;
                    return link(conn, &id, true);
                }
            }
        }
        let stored = self.insert(conn, activity, &written, None)?;
        link(conn, stored.activity.id.as_str(), false)
    }
}

/// The session's values as the audit log keeps them: counts and who came,
/// never case content.
fn audit_value(s: &Session, people: &[SessionPerson]) -> Value {
    json!({
        "date": s.held_on,
        "minutes": s.minutes,
        "delivery": s.delivery.as_str(),
        "cases_presented": s.cases_presented,
        "follow_ups": s.follow_ups,
        "people": people.iter().map(|p| json!({
            "person": p.person_id,
            "attendance": p.attendance.as_str(),
            "presented": p.presented,
        })).collect::<Vec<_>>(),
    })
}

/// The caller as the leader who records a session of `group` on `day`:
/// their login and person. Refused to anyone else (the registrar too,
/// unless they lead it that day).
fn recording_leader(
    caller: &Caller,
    group: &GroupDetail,
    day: NaiveDate,
) -> Result<(String, PersonId), ApiError> {
    let user = permissions::require_user(caller)?;
    let me = permissions::person_in(caller, &group.group.society_id);
    match me {
        Some(me) if group.leaders_on(day).iter().any(|l| l.person_id == me) => {
            Ok((user.user_id.clone(), person(me)?))
        }
        _ => Err(ApiError::Forbidden),
    }
}

/// Apply the planned session: the session and who came stored, and every
/// record it stands for settled; records of people no longer in it
/// withdrawn where pending, refused where decided.
fn write(
    conn: &mut DbConnection,
    group: &GroupDetail,
    planned: &Planned,
    before: Option<&SessionDetail>,
    actor: Option<&str>,
    recorder: &PersonId,
) -> Result<(), ApiError> {
    let s = &planned.session;
    let writer = Writer {
        actor,
        recorder,
        society_id: &s.society_id,
        session_id: &s.id,
    };
    let wanted = wanted(group, planned, recorder)?;
    let current: HashMap<String, &(SessionRecord, StoredActivity)> = before
        .map(|b| {
            b.records
                .iter()
                .map(|r| (r.0.person_id.clone(), r))
                .collect()
        })
        .unwrap_or_default();
    let keep: HashSet<String> = wanted.iter().map(|(a, _)| a.person.to_string()).collect();
    for (person_id, (_, stored)) in &current {
        if keep.contains(person_id) {
            continue;
        }
        if stored.status != Status::Pending {
            return Err(ApiError::Conflict(format!(
                "the session's record of {person_id} is {}: a decided record is corrected by a new one, not removed; ask the registrar",
                stored.status.as_str()
            )));
        }
        let id = stored.activity.id.to_string();
        db::groups::unlink_record(conn, &s.id, person_id)?;
        if db::activities::withdraw_pending(conn, &id)? {
            writer.audit(
                conn,
                stored,
                audit::Action::Delete,
                Some(ledger::audit_value(stored)),
                None,
            )?;
        }
    }
    for (activity, written) in wanted {
        let person_id = activity.person.to_string();
        writer.settle(
            conn,
            &group.group.name,
            activity,
            written,
            current.get(&person_id).copied(),
        )?;
    }
    Ok(())
}

/// A new session of `group` on `date`, recorded by `recorder` (through
/// login `actor`, or the command line): a session planned for the day
/// gives the length and delivery not given, else the group's usual ones.
fn new_session(
    group: &GroupDetail,
    date: NaiveDate,
    planned_for: Option<&crate::db::groups::PlannedSession>,
    actor: Option<&str>,
    recorder: &PersonId,
) -> Session {
    let now = db::now();
    Session {
        id: uuid::Uuid::new_v4().to_string(),
        group_id: group.group.id.clone(),
        society_id: group.group.society_id.clone(),
        held_on: date,
        minutes: planned_for.map_or(group.group.usual_minutes, |p| p.minutes),
        delivery: planned_for.map_or(group.group.delivery, |p| p.delivery),
        cases_presented: 0,
        follow_ups: 0,
        recorded_by_user_id: actor.map(str::to_owned),
        recorded_by_person_id: recorder.to_string(),
        recorded_at: now,
        updated_at: now,
    }
}

/// Store the new planned session (inside a transaction): the session and
/// who came, its audit record, every record it writes, and the session
/// planned for its day marked held. A second session of the group on the
/// same day is a conflict.
fn store_new(
    conn: &mut DbConnection,
    group: &GroupDetail,
    planned: &Planned,
    actor: Option<&str>,
    recorder: &PersonId,
) -> Result<SessionDetail, ApiError> {
    let s = &planned.session;
    if db::groups::session_on(conn, &s.group_id, s.held_on)?.is_some() {
        return Err(ApiError::Conflict(format!(
            "the group's session of {} is recorded already: correct it instead",
            s.held_on
        )));
    }
    db::groups::insert_session(conn, s, &planned.people)?;
    audit::record(
        conn,
        audit::Change {
            actor_user_id: actor,
            society_id: Some(&s.society_id),
            action: audit::Action::Create,
            entity: audit::Entity::GroupSession,
            entity_id: &s.id,
            before: None,
            after: Some(audit_value(s, &planned.people)),
            at: s.recorded_at,
        },
    )?;
    write(conn, group, planned, None, actor, recorder)?;
    if let Some(plan) = super::plans::planned_on(conn, &s.group_id, s.held_on)? {
        super::plans::mark_held(conn, actor, &plan, &s.id)?;
    }
    session_detail(conn, s.clone())
}

/// Record a session of group `group_id` of society `slug`: a leader of
/// the group on its day. It is stored with who came, and every record it
/// writes, in one transaction with its audit records. A session planned
/// for that day gives the length and delivery not given, and is marked
/// held, linked to this one. Every problem of
/// the input is refused at once; a second session of the group on the
/// same day is a conflict (correct the first).
pub async fn record(
    state: &AppState,
    caller: &Caller,
    slug: String,
    group_id: String,
    input: SessionInput,
) -> Result<(Society, GroupDetail, SessionDetail), ApiError> {
    let (society, group) = super::readable(state, caller, slug, group_id).await?;
    let today = crate::actions::today();
    let mut problems = Vec::new();
    let Some(date) = input.date else {
        problems.push(FieldProblem::new("date", "is required"));
        return Err(refused(problems));
    };
    let (actor, recorder) = recording_leader(caller, &group, date)?;
    // A session planned for the day gives its length and delivery.
    let gid = group.group.id.clone();
    let planned_for = db::run(&state.pool, move |conn| {
        super::plans::planned_on(conn, &gid, date)
    })
    .await?;
    let base = new_session(&group, date, planned_for.as_ref(), Some(&actor), &recorder);
    let planned = plan(&group, base, &[], input, today, &mut problems);
    if !problems.is_empty() {
        return Err(refused(problems));
    }
    let detail = group.clone();
    let written = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            store_new(conn, &detail, &planned, Some(&actor), &recorder)
        })
    })
    .await?;
    Ok((society, group, written))
}

/// Correct session `session_id` of group `group_id` of society `slug`: a
/// leader of the group on the session's (new) day. Only what is given
/// changes; the records it stands for follow by the ledger's rules.
pub async fn correct(
    state: &AppState,
    caller: &Caller,
    slug: String,
    group_id: String,
    session_id: String,
    input: SessionInput,
) -> Result<(Society, GroupDetail, SessionDetail), ApiError> {
    let (society, group, before) = one(state, caller, slug, group_id, session_id).await?;
    let today = crate::actions::today();
    let day = input.date.unwrap_or(before.session.held_on);
    let (actor, recorder) = recording_leader(caller, &group, day)?;
    let mut problems = Vec::new();
    let base = Session {
        updated_at: db::now(),
        ..before.session.clone()
    };
    let planned = plan(&group, base, &before.people, input, today, &mut problems);
    if !problems.is_empty() {
        return Err(refused(problems));
    }
    let detail = group.clone();
    let written = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let s = &planned.session;
            if let Some(other) = db::groups::session_on(conn, &s.group_id, s.held_on)? {
                if other != s.id {
                    return Err(ApiError::Conflict(format!(
                        "the group's session of {} is recorded already",
                        s.held_on
                    )));
                }
            }
            db::groups::update_session(conn, s, &planned.people)?;
            audit::record(
                conn,
                audit::Change {
                    actor_user_id: Some(&actor),
                    society_id: Some(&s.society_id),
                    action: audit::Action::Update,
                    entity: audit::Entity::GroupSession,
                    entity_id: &s.id,
                    before: Some(audit_value(&before.session, &before.people)),
                    after: Some(audit_value(s, &planned.people)),
                    at: s.updated_at,
                },
            )?;
            write(
                conn,
                &detail,
                &planned,
                Some(&before),
                Some(&actor),
                &recorder,
            )?;
            session_detail(conn, s.clone())
        })
    })
    .await?;
    Ok((society, group, written))
}

/// Session `session_id` of group `group_id` of society `slug`, with who
/// came and its records: whoever may read the group.
pub async fn one(
    state: &AppState,
    caller: &Caller,
    slug: String,
    group_id: String,
    session_id: String,
) -> Result<(Society, GroupDetail, SessionDetail), ApiError> {
    let (society, group) = super::readable(state, caller, slug, group_id).await?;
    let group_id = group.group.id.clone();
    let detail = db::run(&state.pool, move |conn| {
        let session = db::groups::find_session(conn, &group_id, &session_id)?
            .ok_or_else(|| ApiError::NotFound(format!("session {session_id}")))?;
        session_detail(conn, session)
    })
    .await?;
    Ok((society, group, detail))
}

/// A page of group `group_id`'s sessions, the latest first: whoever may
/// read the group.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    slug: String,
    group_id: String,
    page: Result<PageRequest, ApiError>,
) -> Result<(Society, GroupDetail, Page<SessionDetail>), ApiError> {
    let (society, group) = super::readable(state, caller, slug, group_id).await?;
    let page = page?;
    let group_id = group.group.id.clone();
    let found = db::run(&state.pool, move |conn| {
        let page = db::groups::sessions(conn, &group_id, page)?;
        let mut items = Vec::with_capacity(page.items.len());
        let Page {
            items: sessions,
            total,
            ..
        } = page;
        for s in sessions {
            items.push(session_detail(conn, s)?);
        }
        Ok((items, total))
    })
    .await?;
    Ok((society, group, Page::new(found.0, page, found.1)))
}

/// A session of an attendance sheet, checked for the operator's import.
#[derive(Debug)]
pub enum SheetSession {
    /// Not recorded yet: what the import will record.
    New(Box<CheckedSession>),
    /// The group's session of that day is recorded already, and is left as
    /// it is; `same` when it says what the sheet says.
    Recorded { session_id: String, same: bool },
}

/// A new session checked, to be recorded by [`record_for_operator`].
#[derive(Debug)]
pub struct CheckedSession {
    planned: Planned,
    recorder: PersonId,
}

impl CheckedSession {
    /// The session as it will be stored.
    pub fn session(&self) -> &Session {
        &self.planned.session
    }

    /// Who attended it, or sent apologies.
    pub fn people(&self) -> &[SessionPerson] {
        &self.planned.people
    }
}

impl std::fmt::Debug for Planned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Planned")
            .field("session", &self.session)
            .field("people", &self.people)
            .finish()
    }
}

/// Check a session of `group` from an attendance sheet, for the operator
/// (the command line): `leader` (a person id) records it, and must lead
/// the group on its day; `input` is checked as [`record`] checks it, every
/// problem refused at once (the field `leader` where they do not lead).
/// Nothing is written: a session new to the group is returned to be
/// recorded with the others by [`record_for_operator`]; one recorded
/// already on that day is named, with whether it says the same.
pub fn check_for_operator(
    conn: &mut DbConnection,
    _operator: crate::actions::Operator,
    group: &GroupDetail,
    leader: &str,
    input: SessionInput,
    today: NaiveDate,
) -> Result<SheetSession, ApiError> {
    let mut problems = Vec::new();
    let Some(date) = input.date else {
        problems.push(FieldProblem::new("date", "is required"));
        return Err(refused(problems));
    };
    if !group.leaders_on(date).iter().any(|l| l.person_id == leader) {
        problems.push(FieldProblem::new(
            "leader",
            format!(
                "{} does not lead the group on {date}",
                group.name_of(leader)
            ),
        ));
    }
    let recorder = person(leader)?;
    let planned_for = super::plans::planned_on(conn, &group.group.id, date)?;
    let base = new_session(group, date, planned_for.as_ref(), None, &recorder);
    let planned = plan(group, base, &[], input, today, &mut problems);
    if !problems.is_empty() {
        return Err(refused(problems));
    }
    let s = &planned.session;
    if let Some(id) = db::groups::session_on(conn, &s.group_id, s.held_on)? {
        let Some(recorded) = db::groups::find_session(conn, &s.group_id, &id)? else {
            return Err(ApiError::NotFound(format!("session {id}")));
        };
        let people = db::groups::session_people(conn, &id)?;
        let same = recorded.minutes == s.minutes
            && recorded.delivery == s.delivery
            && recorded.cases_presented == s.cases_presented
            && recorded.follow_ups == s.follow_ups
            && people == planned.people;
        return Ok(SheetSession::Recorded {
            session_id: id,
            same,
        });
    }
    Ok(SheetSession::New(Box::new(CheckedSession {
        planned,
        recorder,
    })))
}

/// Record the checked `sessions` of `group`, for the operator: all of them
/// in one transaction or none, each as [`record`] records one (its
/// people's records written, confirmed by the leader who recorded it;
/// self-logged records linked; a co-leader's waiting for the other
/// leader), audited as the command line. `progress` hears how many are
/// stored so far.
pub fn record_for_operator(
    conn: &mut DbConnection,
    _operator: crate::actions::Operator,
    group: &GroupDetail,
    sessions: &[CheckedSession],
    progress: &mut dyn FnMut(usize),
) -> Result<Vec<SessionDetail>, ApiError> {
    db::write(conn, |conn| {
        let mut stored = Vec::with_capacity(sessions.len());
        for (n, checked) in sessions.iter().enumerate() {
            stored.push(store_new(
                conn,
                group,
                &checked.planned,
                None,
                &checked.recorder,
            )?);
            progress(n + 1);
        }
        Ok(stored)
    })
}
