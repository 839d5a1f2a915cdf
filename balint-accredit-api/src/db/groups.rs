//! A society's Balint groups, their leaders and members, their sessions,
//! who came to each, and the ledger records each session stands for.
//!
//! Sessions keep counts (cases presented, follow-ups), never case content.

use std::str::FromStr;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{
    activities, group_leaders, group_members, group_planned_sessions, group_session_people,
    group_session_records, group_sessions, groups,
};
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::pagination::{Page, PageRequest};

/// A word stored as text, with its fixed spellings.
macro_rules! stored_word {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vm])* $variant),+ }

        impl $name {
            /// Every value, in order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// As stored and served.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|w| w.as_str() == s)
                    .ok_or_else(|| format!("must be one of: {}", [$($text),+].join(", ")))
            }
        }
    };
}

stored_word! {
    /// Whether a group runs on, or for a fixed term.
    Term {
        /// A standing group, meeting on without an end date.
        Ongoing => "ongoing",
        /// A group that runs between two dates.
        FixedTerm => "fixed_term",
    }
}

stored_word! {
    /// How a group, or one of its sessions, meets.
    Delivery {
        /// Face to face.
        InPerson => "in_person",
        /// By video.
        Online => "online",
        /// Some in the room, some by video.
        Hybrid => "hybrid",
    }
}

stored_word! {
    /// A leader's part in a group.
    LeaderRole {
        /// The group's leader.
        Leader => "leader",
        /// A co-leader (often a trainee leader).
        CoLeader => "co_leader",
    }
}

stored_word! {
    /// How a member took part in a session.
    Attendance {
        /// Attended in the room.
        InPerson => "in_person",
        /// Attended by video.
        Online => "online",
        /// Sent apologies.
        Apologies => "apologies",
    }
}

stored_word! {
    /// Where a planned session stands.
    PlanStatus {
        /// Planned, to be held.
        Planned => "planned",
        /// Called off.
        Cancelled => "cancelled",
        /// Held: a session was recorded on its day.
        Held => "held",
    }
}

fn word<T: FromStr<Err = String>>(what: &str, s: &str) -> Result<T, ApiError> {
    s.parse()
        .map_err(|e: String| ApiError::Internal(anyhow::anyhow!("{what} {s:?}: {e}")))
}

fn count(n: i32) -> u32 {
    u32::try_from(n).unwrap_or(0)
}

fn stored(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// A group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub id: String,
    pub society_id: String,
    pub name: String,
    /// Who it is for (GP trainees, psychiatry core trainees, ...).
    pub audience: Option<String>,
    pub term: Term,
    pub starts_on: Option<NaiveDate>,
    /// For a fixed term: its last day.
    pub ends_on: Option<NaiveDate>,
    pub delivery: Delivery,
    /// The usual length of a session, in minutes.
    pub usual_minutes: u32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = groups, treat_none_as_null = true)]
struct GroupRow {
    id: String,
    society_id: String,
    name: String,
    audience: Option<String>,
    term: String,
    starts_on: Option<NaiveDate>,
    ends_on: Option<NaiveDate>,
    delivery: String,
    usual_minutes: i32,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl GroupRow {
    fn of(g: &Group) -> Self {
        Self {
            id: g.id.clone(),
            society_id: g.society_id.clone(),
            name: g.name.clone(),
            audience: g.audience.clone(),
            term: g.term.as_str().to_owned(),
            starts_on: g.starts_on,
            ends_on: g.ends_on,
            delivery: g.delivery.as_str().to_owned(),
            usual_minutes: stored(g.usual_minutes),
            created_at: g.created_at,
            updated_at: g.updated_at,
        }
    }

    fn group(self) -> Result<Group, ApiError> {
        Ok(Group {
            term: word("term", &self.term)?,
            delivery: word("delivery", &self.delivery)?,
            id: self.id,
            society_id: self.society_id,
            name: self.name,
            audience: self.audience,
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            usual_minutes: count(self.usual_minutes),
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// Store a new group.
pub fn insert(conn: &mut DbConnection, group: &Group) -> Result<(), ApiError> {
    diesel::insert_into(groups::table)
        .values(GroupRow::of(group))
        .execute(conn)?;
    Ok(())
}

/// Store a group's changed fields.
pub fn update(conn: &mut DbConnection, group: &Group) -> Result<(), ApiError> {
    diesel::update(groups::table.find(&group.id))
        .set(GroupRow::of(group))
        .execute(conn)?;
    Ok(())
}

/// Group `id` of society `society_id`.
pub fn find(
    conn: &mut DbConnection,
    society_id: &str,
    id: &str,
) -> Result<Option<Group>, ApiError> {
    groups::table
        .filter(groups::society_id.eq(society_id))
        .filter(groups::id.eq(id))
        .select(GroupRow::as_select())
        .first(conn)
        .optional()?
        .map(GroupRow::group)
        .transpose()
}

/// A page of the society's groups by name; only those `person_id` leads
/// or belongs to (ever) when given.
pub fn list(
    conn: &mut DbConnection,
    society_id: &str,
    person_id: Option<&str>,
    page: PageRequest,
) -> Result<Page<Group>, ApiError> {
    let query = || {
        let mut q = groups::table
            .filter(groups::society_id.eq(society_id))
            .into_boxed();
        if let Some(p) = person_id {
            q = q.filter(
                groups::id
                    .eq_any(
                        group_leaders::table
                            .filter(group_leaders::person_id.eq(p.to_owned()))
                            .select(group_leaders::group_id),
                    )
                    .or(groups::id.eq_any(
                        group_members::table
                            .filter(group_members::person_id.eq(p.to_owned()))
                            .select(group_members::group_id),
                    )),
            );
        }
        q
    };
    let total: i64 = query().count().get_result(conn)?;
    let rows: Vec<GroupRow> = query()
        .order((groups::name.asc(), groups::id.asc()))
        .limit(page.limit())
        .offset(page.offset())
        .select(GroupRow::as_select())
        .load(conn)?;
    Ok(Page::new(
        rows.into_iter()
            .map(GroupRow::group)
            .collect::<Result<_, _>>()?,
        page,
        total,
    ))
}

/// A leader or co-leader of a group, from a day (until a day, once ended).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = group_leaders)]
pub struct LeaderRow {
    pub id: String,
    pub group_id: String,
    pub person_id: String,
    pub role: String,
    pub from_on: NaiveDate,
    /// The last day they led it.
    pub to_on: Option<NaiveDate>,
}

/// A leader, their role read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leader {
    pub id: String,
    pub group_id: String,
    pub person_id: String,
    pub role: LeaderRole,
    pub from_on: NaiveDate,
    /// The last day they led it.
    pub to_on: Option<NaiveDate>,
}

impl Leader {
    /// Whether they lead the group on `day` (from and to inclusive).
    pub fn on(&self, day: NaiveDate) -> bool {
        self.from_on <= day && self.to_on.is_none_or(|to| day <= to)
    }
}

impl LeaderRow {
    fn leader(self) -> Result<Leader, ApiError> {
        Ok(Leader {
            role: word("role", &self.role)?,
            id: self.id,
            group_id: self.group_id,
            person_id: self.person_id,
            from_on: self.from_on,
            to_on: self.to_on,
        })
    }
}

/// Store a new leader.
pub fn insert_leader(conn: &mut DbConnection, l: &Leader) -> Result<(), ApiError> {
    diesel::insert_into(group_leaders::table)
        .values(LeaderRow {
            id: l.id.clone(),
            group_id: l.group_id.clone(),
            person_id: l.person_id.clone(),
            role: l.role.as_str().to_owned(),
            from_on: l.from_on,
            to_on: l.to_on,
        })
        .execute(conn)?;
    Ok(())
}

/// Set the last day of leader `id`.
pub fn end_leader(conn: &mut DbConnection, id: &str, to: NaiveDate) -> Result<(), ApiError> {
    diesel::update(group_leaders::table.find(id))
        .set(group_leaders::to_on.eq(Some(to)))
        .execute(conn)?;
    Ok(())
}

/// The leaders of group `group_id`, earliest first.
pub fn leaders(conn: &mut DbConnection, group_id: &str) -> Result<Vec<Leader>, ApiError> {
    group_leaders::table
        .filter(group_leaders::group_id.eq(group_id))
        .order((group_leaders::from_on.asc(), group_leaders::id.asc()))
        .select(LeaderRow::as_select())
        .load(conn)?
        .into_iter()
        .map(LeaderRow::leader)
        .collect()
}

/// A member of a group, from the day they joined (until their last day).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = group_members)]
pub struct Member {
    pub id: String,
    pub group_id: String,
    pub person_id: String,
    pub joined_on: NaiveDate,
    /// Their last day in the group.
    pub left_on: Option<NaiveDate>,
}

impl Member {
    /// Whether they belong to the group on `day` (joined and left inclusive).
    pub fn on(&self, day: NaiveDate) -> bool {
        self.joined_on <= day && self.left_on.is_none_or(|left| day <= left)
    }
}

/// Store a new member.
pub fn insert_member(conn: &mut DbConnection, m: &Member) -> Result<(), ApiError> {
    diesel::insert_into(group_members::table)
        .values(m)
        .execute(conn)?;
    Ok(())
}

/// Set the last day of member `id`.
pub fn end_member(conn: &mut DbConnection, id: &str, left: NaiveDate) -> Result<(), ApiError> {
    diesel::update(group_members::table.find(id))
        .set(group_members::left_on.eq(Some(left)))
        .execute(conn)?;
    Ok(())
}

/// The members of group `group_id`, earliest joined first.
pub fn members(conn: &mut DbConnection, group_id: &str) -> Result<Vec<Member>, ApiError> {
    Ok(group_members::table
        .filter(group_members::group_id.eq(group_id))
        .order((group_members::joined_on.asc(), group_members::id.asc()))
        .select(Member::as_select())
        .load(conn)?)
}

/// One meeting of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id: String,
    pub group_id: String,
    pub society_id: String,
    pub held_on: NaiveDate,
    pub minutes: u32,
    pub delivery: Delivery,
    /// How many cases were presented (never what they were).
    pub cases_presented: u32,
    /// How many follow-up reports of earlier cases were heard.
    pub follow_ups: u32,
    pub recorded_by_user_id: Option<String>,
    /// The leader who recorded it.
    pub recorded_by_person_id: String,
    pub recorded_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = group_sessions, treat_none_as_null = true)]
struct SessionRow {
    id: String,
    group_id: String,
    society_id: String,
    held_on: NaiveDate,
    minutes: i32,
    delivery: String,
    cases_presented: i32,
    follow_ups: i32,
    recorded_by_user_id: Option<String>,
    recorded_by_person_id: String,
    recorded_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl SessionRow {
    fn of(s: &Session) -> Self {
        Self {
            id: s.id.clone(),
            group_id: s.group_id.clone(),
            society_id: s.society_id.clone(),
            held_on: s.held_on,
            minutes: stored(s.minutes),
            delivery: s.delivery.as_str().to_owned(),
            cases_presented: stored(s.cases_presented),
            follow_ups: stored(s.follow_ups),
            recorded_by_user_id: s.recorded_by_user_id.clone(),
            recorded_by_person_id: s.recorded_by_person_id.clone(),
            recorded_at: s.recorded_at,
            updated_at: s.updated_at,
        }
    }

    fn session(self) -> Result<Session, ApiError> {
        Ok(Session {
            delivery: word("delivery", &self.delivery)?,
            id: self.id,
            group_id: self.group_id,
            society_id: self.society_id,
            held_on: self.held_on,
            minutes: count(self.minutes),
            cases_presented: count(self.cases_presented),
            follow_ups: count(self.follow_ups),
            recorded_by_user_id: self.recorded_by_user_id,
            recorded_by_person_id: self.recorded_by_person_id,
            recorded_at: self.recorded_at,
            updated_at: self.updated_at,
        })
    }
}

/// Who came to a session, or sent apologies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionPerson {
    pub person_id: String,
    pub attendance: Attendance,
    /// Whether they presented a case.
    pub presented: bool,
}

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = group_session_people)]
struct SessionPersonRow {
    session_id: String,
    person_id: String,
    attendance: String,
    presented: bool,
}

/// The ledger record a session stands for, for one person.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = group_session_records)]
pub struct SessionRecord {
    pub session_id: String,
    pub person_id: String,
    pub activity_id: String,
    /// The person had logged it themself before the session was recorded.
    pub linked: bool,
}

/// Store a new session with who came and the records it stands for.
pub fn insert_session(
    conn: &mut DbConnection,
    session: &Session,
    people: &[SessionPerson],
) -> Result<(), ApiError> {
    diesel::insert_into(group_sessions::table)
        .values(SessionRow::of(session))
        .execute(conn)?;
    set_people(conn, &session.id, people)
}

/// Store a session's changed fields and who came, in place of what was.
pub fn update_session(
    conn: &mut DbConnection,
    session: &Session,
    people: &[SessionPerson],
) -> Result<(), ApiError> {
    diesel::update(group_sessions::table.find(&session.id))
        .set(SessionRow::of(session))
        .execute(conn)?;
    diesel::delete(
        group_session_people::table.filter(group_session_people::session_id.eq(&session.id)),
    )
    .execute(conn)?;
    set_people(conn, &session.id, people)
}

fn set_people(
    conn: &mut DbConnection,
    session_id: &str,
    people: &[SessionPerson],
) -> Result<(), ApiError> {
    let rows: Vec<SessionPersonRow> = people
        .iter()
        .map(|p| SessionPersonRow {
            session_id: session_id.to_owned(),
            person_id: p.person_id.clone(),
            attendance: p.attendance.as_str().to_owned(),
            presented: p.presented,
        })
        .collect();
    // A group is 6 to 10 people: one insert each.
    for row in rows {
        diesel::insert_into(group_session_people::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

/// Link `record` to its session (in place of the person's earlier one).
pub fn link_record(conn: &mut DbConnection, record: &SessionRecord) -> Result<(), ApiError> {
    diesel::delete(
        group_session_records::table
            .filter(group_session_records::session_id.eq(&record.session_id))
            .filter(group_session_records::person_id.eq(&record.person_id)),
    )
    .execute(conn)?;
    diesel::insert_into(group_session_records::table)
        .values(record)
        .execute(conn)?;
    Ok(())
}

/// Session `id` of group `group_id`.
pub fn find_session(
    conn: &mut DbConnection,
    group_id: &str,
    id: &str,
) -> Result<Option<Session>, ApiError> {
    group_sessions::table
        .filter(group_sessions::group_id.eq(group_id))
        .filter(group_sessions::id.eq(id))
        .select(SessionRow::as_select())
        .first(conn)
        .optional()?
        .map(SessionRow::session)
        .transpose()
}

/// A page of group `group_id`'s sessions, the latest first.
pub fn sessions(
    conn: &mut DbConnection,
    group_id: &str,
    page: PageRequest,
) -> Result<Page<Session>, ApiError> {
    let total: i64 = group_sessions::table
        .filter(group_sessions::group_id.eq(group_id))
        .count()
        .get_result(conn)?;
    let rows: Vec<SessionRow> = group_sessions::table
        .filter(group_sessions::group_id.eq(group_id))
        .order((group_sessions::held_on.desc(), group_sessions::id.asc()))
        .limit(page.limit())
        .offset(page.offset())
        .select(SessionRow::as_select())
        .load(conn)?;
    Ok(Page::new(
        rows.into_iter()
            .map(SessionRow::session)
            .collect::<Result<_, _>>()?,
        page,
        total,
    ))
}

/// Who came to session `id`, or sent apologies, by person.
pub fn session_people(conn: &mut DbConnection, id: &str) -> Result<Vec<SessionPerson>, ApiError> {
    group_session_people::table
        .filter(group_session_people::session_id.eq(id))
        .order(group_session_people::person_id.asc())
        .select(SessionPersonRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|r| {
            Ok(SessionPerson {
                attendance: word("attendance", &r.attendance)?,
                person_id: r.person_id,
                presented: r.presented,
            })
        })
        .collect()
}

/// The records session `id` stands for, by person.
pub fn session_records(conn: &mut DbConnection, id: &str) -> Result<Vec<SessionRecord>, ApiError> {
    Ok(group_session_records::table
        .filter(group_session_records::session_id.eq(id))
        .order(group_session_records::person_id.asc())
        .select(SessionRecord::as_select())
        .load(conn)?)
}

/// The ids of `person_id`'s records of `kinds` on `day` in society
/// `society_id` whose group is named `group` (compared without case or
/// surrounding space) and that no session stands for yet: what they
/// logged themself of a meeting before it was recorded.
pub fn self_logged(
    conn: &mut DbConnection,
    society_id: &str,
    person_id: &str,
    day: NaiveDate,
    kinds: &[&str],
    group: &str,
) -> Result<Vec<String>, ApiError> {
    let found: Vec<(String, Option<String>)> = activities::table
        .filter(activities::society_id.eq(society_id))
        .filter(activities::person_id.eq(person_id))
        .filter(activities::occurred_on.eq(day))
        .filter(activities::kind.eq_any(kinds))
        .filter(
            activities::id
                .ne_all(group_session_records::table.select(group_session_records::activity_id)),
        )
        .order((activities::recorded_at.asc(), activities::id.asc()))
        .select((activities::id, activities::group_name))
        .load(conn)?;
    let wanted = group.trim().to_lowercase();
    Ok(found
        .into_iter()
        .filter(|(_, g)| {
            g.as_deref()
                .is_some_and(|g| g.trim().to_lowercase() == wanted)
        })
        .map(|(id, _)| id)
        .collect())
}

/// The session of group `group_id` held on `day`, if one is recorded.
pub fn session_on(
    conn: &mut DbConnection,
    group_id: &str,
    day: NaiveDate,
) -> Result<Option<String>, ApiError> {
    Ok(group_sessions::table
        .filter(group_sessions::group_id.eq(group_id))
        .filter(group_sessions::held_on.eq(day))
        .select(group_sessions::id)
        .first(conn)
        .optional()?)
}

/// Unlink the record session `session_id` stands for, for `person_id`.
pub fn unlink_record(
    conn: &mut DbConnection,
    session_id: &str,
    person_id: &str,
) -> Result<(), ApiError> {
    diesel::delete(
        group_session_records::table
            .filter(group_session_records::session_id.eq(session_id))
            .filter(group_session_records::person_id.eq(person_id)),
    )
    .execute(conn)?;
    Ok(())
}

/// A session planned ahead: when and where a group will meet. No clinical
/// content: a place or an online link's text, and a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedSession {
    pub id: String,
    pub group_id: String,
    pub society_id: String,
    /// The local day it is planned for.
    pub on_day: NaiveDate,
    /// Its start, in UTC.
    pub starts_at: NaiveDateTime,
    /// The offset from UTC of the local time it was given in, in minutes.
    pub utc_offset_minutes: i32,
    pub minutes: u32,
    pub delivery: Delivery,
    /// A place, or the online link's text.
    pub place: Option<String>,
    pub note: Option<String>,
    pub status: PlanStatus,
    /// Once held: the session recorded on its day.
    pub session_id: Option<String>,
    /// Bumped on every change (a calendar's SEQUENCE).
    pub sequence: u32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl PlannedSession {
    /// Its start in the local time it was given in.
    pub fn local_start(&self) -> NaiveDateTime {
        self.starts_at + chrono::Duration::minutes(i64::from(self.utc_offset_minutes))
    }
}

#[derive(Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = group_planned_sessions, treat_none_as_null = true)]
struct PlannedRow {
    id: String,
    group_id: String,
    society_id: String,
    on_day: NaiveDate,
    starts_at: NaiveDateTime,
    utc_offset_minutes: i32,
    minutes: i32,
    delivery: String,
    place: Option<String>,
    note: Option<String>,
    status: String,
    session_id: Option<String>,
    sequence: i32,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl PlannedRow {
    fn of(p: &PlannedSession) -> Self {
        Self {
            id: p.id.clone(),
            group_id: p.group_id.clone(),
            society_id: p.society_id.clone(),
            on_day: p.on_day,
            starts_at: p.starts_at,
            utc_offset_minutes: p.utc_offset_minutes,
            minutes: stored(p.minutes),
            delivery: p.delivery.as_str().to_owned(),
            place: p.place.clone(),
            note: p.note.clone(),
            status: p.status.as_str().to_owned(),
            session_id: p.session_id.clone(),
            sequence: stored(p.sequence),
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }

    fn plan(self) -> Result<PlannedSession, ApiError> {
        Ok(PlannedSession {
            delivery: word("delivery", &self.delivery)?,
            status: word("status", &self.status)?,
            id: self.id,
            group_id: self.group_id,
            society_id: self.society_id,
            on_day: self.on_day,
            starts_at: self.starts_at,
            utc_offset_minutes: self.utc_offset_minutes,
            minutes: count(self.minutes),
            place: self.place,
            note: self.note,
            session_id: self.session_id,
            sequence: count(self.sequence),
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

fn plans(rows: Vec<PlannedRow>) -> Result<Vec<PlannedSession>, ApiError> {
    rows.into_iter().map(PlannedRow::plan).collect()
}

/// Store a new planned session.
pub fn insert_plan(conn: &mut DbConnection, plan: &PlannedSession) -> Result<(), ApiError> {
    diesel::insert_into(group_planned_sessions::table)
        .values(PlannedRow::of(plan))
        .execute(conn)?;
    Ok(())
}

/// Store a planned session's changed fields.
pub fn update_plan(conn: &mut DbConnection, plan: &PlannedSession) -> Result<(), ApiError> {
    diesel::update(group_planned_sessions::table.find(&plan.id))
        .set(PlannedRow::of(plan))
        .execute(conn)?;
    Ok(())
}

/// Planned session `id` of group `group_id`.
pub fn find_plan(
    conn: &mut DbConnection,
    group_id: &str,
    id: &str,
) -> Result<Option<PlannedSession>, ApiError> {
    group_planned_sessions::table
        .filter(group_planned_sessions::group_id.eq(group_id))
        .filter(group_planned_sessions::id.eq(id))
        .select(PlannedRow::as_select())
        .first(conn)
        .optional()?
        .map(PlannedRow::plan)
        .transpose()
}

/// The plans of group `group_id` on local day `day` still to be held
/// (neither cancelled nor held), earliest first.
pub fn plans_on(
    conn: &mut DbConnection,
    group_id: &str,
    day: NaiveDate,
) -> Result<Vec<PlannedSession>, ApiError> {
    plans(
        group_planned_sessions::table
            .filter(group_planned_sessions::group_id.eq(group_id))
            .filter(group_planned_sessions::on_day.eq(day))
            .filter(group_planned_sessions::status.eq(PlanStatus::Planned.as_str()))
            .order((
                group_planned_sessions::starts_at.asc(),
                group_planned_sessions::id.asc(),
            ))
            .select(PlannedRow::as_select())
            .load(conn)?,
    )
}

/// The plans of the groups `group_ids` (every status), from local day
/// `from` on when given, earliest first, at most `limit` when given.
pub fn plans_from(
    conn: &mut DbConnection,
    group_ids: &[String],
    from: Option<NaiveDate>,
    limit: Option<i64>,
) -> Result<Vec<PlannedSession>, ApiError> {
    let mut q = group_planned_sessions::table
        .filter(group_planned_sessions::group_id.eq_any(group_ids))
        .into_boxed();
    if let Some(from) = from {
        q = q.filter(group_planned_sessions::on_day.ge(from));
    }
    if let Some(limit) = limit {
        q = q.limit(limit);
    }
    plans(
        q.order((
            group_planned_sessions::starts_at.asc(),
            group_planned_sessions::id.asc(),
        ))
        .select(PlannedRow::as_select())
        .load(conn)?,
    )
}

/// Every plan of group `group_id` (every status), earliest first.
pub fn group_plans(
    conn: &mut DbConnection,
    group_id: &str,
) -> Result<Vec<PlannedSession>, ApiError> {
    plans(
        group_planned_sessions::table
            .filter(group_planned_sessions::group_id.eq(group_id))
            .order((
                group_planned_sessions::starts_at.asc(),
                group_planned_sessions::id.asc(),
            ))
            .select(PlannedRow::as_select())
            .load(conn)?,
    )
}
