//! The outbox: every event worth telling, written by [`record`] in the
//! transaction of the change it tells of, so an event is stored exactly
//! when its change is. The delivery worker (`crate::webhooks`) takes the
//! events not yet fanned out ([`claim_waiting`]) and makes one delivery per
//! endpoint subscribed to each (`db::webhooks::fan_out`).
//!
//! Payloads are thin: ids, statuses and dates, never a reason, a name or
//! an e-mail address; whoever is told asks the API for more.

use balint_core::register::{StatusAction, StatusChange};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde_json::{json, Value};

use super::register::StoredEntry;
use super::schema::{
    outbox_events, register_entries, societies, webhook_attempts, webhook_deliveries,
};
use super::DbConnection;
use crate::db::on_connection;
use crate::error::ApiError;

/// The kinds of event told, as webhooks name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventType {
    /// A tier was granted: the first accreditation, a higher tier, or a
    /// re-accreditation.
    EntryGranted,
    /// An entry was renewed for a further cycle.
    EntryRenewed,
    /// An entry was suspended.
    EntrySuspended,
    /// A suspension ended.
    EntryReinstated,
    /// An accreditation was revoked.
    EntryRevoked,
    /// The leader retired.
    EntryRetired,
    /// An entry lapsed: its cycle not renewed, or marked lapsed.
    EntryLapsed,
    /// The leader was recorded as deceased.
    EntryDeceased,
    /// An application was granted or declined.
    ApplicationDecided,
    /// Records were made that wait for an attestor's answer.
    AttestationRequested,
    /// An entry's cycle ends in 90, 30 or 7 days.
    RenewalDue,
}

impl EventType {
    /// Every type, in the order the pages list them.
    pub const ALL: [EventType; 11] = [
        EventType::EntryGranted,
        EventType::EntryRenewed,
        EventType::EntrySuspended,
        EventType::EntryReinstated,
        EventType::EntryRevoked,
        EventType::EntryRetired,
        EventType::EntryLapsed,
        EventType::EntryDeceased,
        EventType::ApplicationDecided,
        EventType::AttestationRequested,
        EventType::RenewalDue,
    ];

    /// The name deliveries carry as `type`, e.g. `register_entry.suspended`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EntryGranted => "register_entry.granted",
            Self::EntryRenewed => "register_entry.renewed",
            Self::EntrySuspended => "register_entry.suspended",
            Self::EntryReinstated => "register_entry.reinstated",
            Self::EntryRevoked => "register_entry.revoked",
            Self::EntryRetired => "register_entry.retired",
            Self::EntryLapsed => "register_entry.lapsed",
            Self::EntryDeceased => "register_entry.deceased",
            Self::ApplicationDecided => "application.decided",
            Self::AttestationRequested => "attestation.requested",
            Self::RenewalDue => "renewal.due",
        }
    }

    /// In words, for the pages.
    pub fn describe(self) -> &'static str {
        match self {
            Self::EntryGranted => "a tier granted on the register",
            Self::EntryRenewed => "a register entry renewed",
            Self::EntrySuspended => "a register entry suspended",
            Self::EntryReinstated => "a register entry reinstated",
            Self::EntryRevoked => "an accreditation revoked",
            Self::EntryRetired => "a leader retired",
            Self::EntryLapsed => "a register entry lapsed",
            Self::EntryDeceased => "a leader recorded as deceased",
            Self::ApplicationDecided => "an application granted or declined",
            Self::AttestationRequested => "records waiting for an attestor",
            Self::RenewalDue => "a renewal due in 90, 30 or 7 days",
        }
    }

    /// The type of the change a register entry's history records.
    pub fn of_change(action: StatusAction) -> Self {
        match action {
            StatusAction::Grant => Self::EntryGranted,
            StatusAction::Renew => Self::EntryRenewed,
            StatusAction::Suspend => Self::EntrySuspended,
            StatusAction::Reinstate => Self::EntryReinstated,
            StatusAction::Revoke => Self::EntryRevoked,
            StatusAction::Retire => Self::EntryRetired,
            StatusAction::Lapse => Self::EntryLapsed,
            StatusAction::MarkDeceased => Self::EntryDeceased,
        }
    }
}

impl std::str::FromStr for EventType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| format!("{s:?} is not an event type"))
    }
}

impl std::fmt::Display for EventType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An event to record, with what its payload is made of.
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    /// The latest change of a register entry just stored: a grant, a
    /// renewal or a status change (the type follows its action).
    LatestChange(&'a StoredEntry),
    /// A change appended to a register entry's history (the type follows
    /// its action).
    EntryChanged {
        /// The entry's society.
        society_id: &'a str,
        /// e.g. `BSANZ-0042`.
        registration: &'a str,
        /// The change appended.
        change: &'a StatusChange,
    },
    /// An application was granted or declined.
    ApplicationDecided {
        /// The application's society.
        society_id: &'a str,
        /// The application.
        application_id: &'a str,
        /// Who applied.
        person_id: &'a str,
        /// `granted` or `declined`.
        outcome: &'a str,
        /// The register entry a grant is on.
        registration: Option<&'a str>,
    },
    /// Records of `person_id` wait for `attestor_id`'s answer.
    AttestationRequested {
        /// The records' society.
        society_id: &'a str,
        /// Whose records they are.
        person_id: &'a str,
        /// Who is asked to attest them.
        attestor_id: &'a str,
        /// The records' ids.
        activity_ids: &'a [String],
    },
}

#[derive(Debug, Insertable)]
#[diesel(table_name = outbox_events)]
struct NewEvent<'a> {
    id: String,
    society_id: &'a str,
    event_type: &'static str,
    person_id: Option<&'a str>,
    payload: String,
    dedup_key: Option<String>,
    created_at: NaiveDateTime,
}

/// A new event's id: `evt_` and 32 hex digits.
fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::new_v4().simple())
}

fn slug_of(conn: &mut DbConnection, society_id: &str) -> Result<String, ApiError> {
    Ok(societies::table
        .find(society_id)
        .select(societies::slug)
        .first(conn)?)
}

/// Store `event` in the outbox. Call it inside the transaction of the
/// change it tells of ([`crate::db::write`]).
pub fn record(conn: &mut DbConnection, event: Event<'_>) -> Result<(), ApiError> {
    let now = crate::db::now();
    let (society_id, kind, person_id, data) = match event {
        Event::LatestChange(stored) => {
            let Some(change) = stored.entry.history().last() else {
                return Ok(());
            };
            return record(
                conn,
                Event::EntryChanged {
                    society_id: &stored.society_id,
                    registration: stored.entry.registration().as_str(),
                    change,
                },
            );
        }
        Event::EntryChanged {
            society_id,
            registration,
            change,
        } => {
            let person_id: String = register_entries::table
                .filter(register_entries::society_id.eq(society_id))
                .filter(register_entries::registration.eq(registration))
                .select(register_entries::person_id)
                .first(conn)?;
            let mut data = json!({
                "registration": registration,
                "status": change.to,
                "effective": change.effective,
            });
            if let Some(tier) = &change.tier {
                data["tier"] = json!(tier);
            }
            if let Some(cycle) = &change.cycle {
                data["valid_until"] = json!(cycle.valid_until);
            }
            (
                society_id,
                EventType::of_change(change.action),
                Some(person_id),
                data,
            )
        }
        Event::ApplicationDecided {
            society_id,
            application_id,
            person_id,
            outcome,
            registration,
        } => {
            let mut data = json!({
                "application": application_id,
                "person": person_id,
                "outcome": outcome,
            });
            if let Some(registration) = registration {
                data["registration"] = json!(registration);
            }
            (
                society_id,
                EventType::ApplicationDecided,
                Some(person_id.to_owned()),
                data,
            )
        }
        Event::AttestationRequested {
            society_id,
            person_id,
            attestor_id,
            activity_ids,
        } => {
            let mut data = json!({
                "person": person_id,
                "attestor": attestor_id,
                "records": activity_ids.len(),
            });
            if let [only] = activity_ids {
                data["activity"] = json!(only);
            }
            (
                society_id,
                EventType::AttestationRequested,
                Some(person_id.to_owned()),
                data,
            )
        }
    };
    insert(
        conn,
        society_id,
        kind,
        person_id.as_deref(),
        data,
        None,
        now,
    )?;
    Ok(())
}

/// Insert one event, its payload the society's slug and `data`; with a
/// `dedup_key` an event already recorded under it is not recorded again.
/// Returns whether it was recorded.
fn insert(
    conn: &mut DbConnection,
    society_id: &str,
    kind: EventType,
    person_id: Option<&str>,
    mut data: Value,
    dedup_key: Option<String>,
    now: NaiveDateTime,
) -> Result<bool, ApiError> {
    data["society"] = json!(slug_of(conn, society_id)?);
    let row = NewEvent {
        id: new_id("evt"),
        society_id,
        event_type: kind.as_str(),
        person_id,
        payload: data.to_string(),
        dedup_key,
        created_at: now,
    };
    let inserted = on_connection!(conn, |c| diesel::insert_into(outbox_events::table)
        .values(&row)
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(inserted == 1)
}

/// The thresholds of the renewal reminders, in days before a cycle ends.
pub const REMINDER_DAYS: [i64; 3] = [90, 30, 7];

/// The renewal reminders due on `as_of` (of every society): for every
/// accredited entry whose cycle ends within 90 days, one `renewal.due`
/// event for the smallest threshold (90, 30, 7 days) it is within, once per
/// entry, cycle end and threshold however often it runs. Returns how many
/// were recorded now. Call it inside [`crate::db::write`].
pub fn remind_renewals(conn: &mut DbConnection, as_of: NaiveDate) -> Result<usize, ApiError> {
    let horizon = as_of + chrono::Days::new(90);
    let due: Vec<(String, String, String, Option<NaiveDate>)> = register_entries::table
        .filter(register_entries::status.eq("accredited"))
        .filter(register_entries::valid_until.ge(as_of))
        .filter(register_entries::valid_until.le(horizon))
        .order(register_entries::id.asc())
        .select((
            register_entries::society_id,
            register_entries::registration,
            register_entries::person_id,
            register_entries::valid_until,
        ))
        .load(conn)?;
    let now = crate::db::now();
    // One slug a society, and the events written a batch a statement: a
    // register imported whole may bring tens of thousands due at once.
    let mut slugs: std::collections::HashMap<String, String> = Default::default();
    let mut rows = Vec::new();
    for (society_id, registration, person_id, valid_until) in &due {
        let Some(valid_until) = *valid_until else {
            continue;
        };
        let left = (valid_until - as_of).num_days();
        let Some(days) = REMINDER_DAYS.iter().rev().copied().find(|d| left <= *d) else {
            continue;
        };
        let slug = match slugs.get(society_id) {
            Some(slug) => slug.clone(),
            None => {
                let slug = slug_of(conn, society_id)?;
                slugs.insert(society_id.clone(), slug.clone());
                slug
            }
        };
        let data = json!({
            "registration": registration,
            "valid_until": valid_until,
            "days": days,
            "society": slug,
        });
        // Columns with values, not an insertable struct, so that a batch is
        // one statement on SQLite too (no `DEFAULT` for an absent value).
        rows.push((
            outbox_events::id.eq(new_id("evt")),
            outbox_events::society_id.eq(society_id.as_str()),
            outbox_events::event_type.eq(EventType::RenewalDue.as_str()),
            outbox_events::person_id.eq(Some(person_id.as_str())),
            outbox_events::payload.eq(data.to_string()),
            outbox_events::dedup_key.eq(Some(format!(
                "renewal.due:{society_id}:{registration}:{valid_until}:{days}"
            ))),
            outbox_events::created_at.eq(now),
        ));
    }
    let mut recorded = 0;
    for batch in rows.chunks(REMINDER_BATCH) {
        recorded += on_connection!(conn, |c| diesel::insert_into(outbox_events::table)
            .values(batch)
            .on_conflict_do_nothing()
            .execute(c))?;
    }
    Ok(recorded)
}

/// Renewal reminders written a statement (seven values each, well within
/// SQLite's limit on a statement's values).
const REMINDER_BATCH: usize = 500;

/// An event as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = outbox_events)]
pub struct StoredEvent {
    pub id: String,
    pub society_id: String,
    pub event_type: String,
    pub person_id: Option<String>,
    pub payload: String,
    pub dedup_key: Option<String>,
    pub created_at: NaiveDateTime,
    pub fanned_out_at: Option<NaiveDateTime>,
}

impl StoredEvent {
    /// The body every delivery of it sends: its type, when it happened,
    /// and its data, the same on every try.
    pub fn body(&self) -> String {
        let data: Value = serde_json::from_str(&self.payload).unwrap_or(Value::Null);
        json!({
            "type": self.event_type,
            "timestamp": chrono::DateTime::<chrono::Utc>::from_naive_utc_and_offset(self.created_at, chrono::Utc)
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "data": data,
        })
        .to_string()
    }
}

/// The events not yet fanned out, oldest first, at most `limit`, locked
/// for this transaction (on PostgreSQL, skipping those another server
/// holds; SQLite's write lock lets one server at a time in).
pub fn claim_waiting(conn: &mut DbConnection, limit: i64) -> Result<Vec<StoredEvent>, ApiError> {
    macro_rules! query {
        () => {
            outbox_events::table
                .filter(outbox_events::fanned_out_at.is_null())
                .order((outbox_events::created_at.asc(), outbox_events::id.asc()))
                .limit(limit)
                .select(StoredEvent::as_select())
        };
    }
    Ok(match conn {
        DbConnection::Postgres(c) => query!().for_update().skip_locked().load(c)?,
        DbConnection::Sqlite(c) => query!().load(c)?,
    })
}

/// Whether any event waits to be fanned out (a read, so an idle worker
/// never takes the write lock).
pub fn any_waiting(conn: &mut DbConnection) -> Result<bool, ApiError> {
    Ok(diesel::select(diesel::dsl::exists(
        outbox_events::table.filter(outbox_events::fanned_out_at.is_null()),
    ))
    .get_result(conn)?)
}

/// Mark `ids` fanned out.
pub fn mark_fanned_out(
    conn: &mut DbConnection,
    ids: &[String],
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    diesel::update(outbox_events::table.filter(outbox_events::id.eq_any(ids)))
        .set(outbox_events::fanned_out_at.eq(now))
        .execute(conn)?;
    Ok(())
}

/// One event by id, of society `society_id`.
pub fn find(
    conn: &mut DbConnection,
    society_id: &str,
    id: &str,
) -> Result<Option<StoredEvent>, ApiError> {
    Ok(outbox_events::table
        .find(id)
        .filter(outbox_events::society_id.eq(society_id))
        .select(StoredEvent::as_select())
        .first(conn)
        .optional()?)
}

/// The latest events of a society, newest first.
pub fn recent(
    conn: &mut DbConnection,
    society_id: &str,
    limit: i64,
) -> Result<Vec<StoredEvent>, ApiError> {
    Ok(outbox_events::table
        .filter(outbox_events::society_id.eq(society_id))
        .order((outbox_events::created_at.desc(), outbox_events::id.desc()))
        .limit(limit)
        .select(StoredEvent::as_select())
        .load(conn)?)
}

/// How the outbox stands, for operators: what waits, what failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Depth {
    /// Events not yet fanned out.
    pub events_waiting: i64,
    /// Deliveries not yet delivered, still to be tried.
    pub deliveries_pending: i64,
    /// Deliveries that will not be tried again (tries used up, endpoint
    /// gone).
    pub deliveries_dead: i64,
    /// When the oldest event or delivery still waiting was made.
    pub oldest_pending: Option<NaiveDateTime>,
}

/// The outbox's depth, of one society or of all.
pub fn depth(conn: &mut DbConnection, society_id: Option<&str>) -> Result<Depth, ApiError> {
    let mut events = outbox_events::table
        .filter(outbox_events::fanned_out_at.is_null())
        .into_boxed();
    let mut pending = webhook_deliveries::table
        .filter(webhook_deliveries::state.eq("pending"))
        .into_boxed();
    let mut dead = webhook_deliveries::table
        .filter(webhook_deliveries::state.eq("dead"))
        .into_boxed();
    let mut oldest_event = outbox_events::table
        .filter(outbox_events::fanned_out_at.is_null())
        .into_boxed();
    let mut oldest_delivery = webhook_deliveries::table
        .filter(webhook_deliveries::state.eq("pending"))
        .into_boxed();
    if let Some(id) = society_id {
        events = events.filter(outbox_events::society_id.eq(id.to_owned()));
        oldest_event = oldest_event.filter(outbox_events::society_id.eq(id.to_owned()));
        pending = pending.filter(webhook_deliveries::society_id.eq(id.to_owned()));
        dead = dead.filter(webhook_deliveries::society_id.eq(id.to_owned()));
        oldest_delivery = oldest_delivery.filter(webhook_deliveries::society_id.eq(id.to_owned()));
    }
    let events_waiting = events.count().get_result(conn)?;
    let deliveries_pending = pending.count().get_result(conn)?;
    let deliveries_dead = dead.count().get_result(conn)?;
    let oldest_event: Option<NaiveDateTime> = oldest_event
        .select(diesel::dsl::min(outbox_events::created_at))
        .get_result(conn)?;
    let oldest_delivery: Option<NaiveDateTime> = oldest_delivery
        .select(diesel::dsl::min(webhook_deliveries::created_at))
        .get_result(conn)?;
    let oldest_pending = match (oldest_event, oldest_delivery) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    Ok(Depth {
        events_waiting,
        deliveries_pending,
        deliveries_dead,
        oldest_pending,
    })
}

/// What [`forget_told`] deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Forgotten {
    /// Webhook deliveries finished (delivered, dead or dropped), with
    /// their tries.
    pub deliveries: usize,
    /// Events told: fanned out, with no delivery of theirs left.
    pub events: usize,
}

/// Delete what society `society_id` told before `before`: its webhook
/// deliveries finished before then, with their tries, and then its events
/// fanned out before then that no delivery still names (a pending or
/// newer delivery keeps its event). A renewal reminder whose cycle ends on
/// `today` or later is kept whatever its age: it is what stops the same
/// reminder being told twice. Call it inside [`crate::db::write`].
pub fn forget_told(
    conn: &mut DbConnection,
    society_id: &str,
    before: NaiveDateTime,
    today: NaiveDate,
) -> Result<Forgotten, ApiError> {
    let finished = webhook_deliveries::table
        .filter(webhook_deliveries::society_id.eq(society_id))
        .filter(webhook_deliveries::state.ne("pending"))
        .filter(webhook_deliveries::finished_at.lt(before))
        .select(webhook_deliveries::id);
    diesel::delete(webhook_attempts::table.filter(webhook_attempts::delivery_id.eq_any(finished)))
        .execute(conn)?;
    let deliveries = diesel::delete(
        webhook_deliveries::table
            .filter(webhook_deliveries::society_id.eq(society_id))
            .filter(webhook_deliveries::state.ne("pending"))
            .filter(webhook_deliveries::finished_at.lt(before)),
    )
    .execute(conn)?;

    let told: Vec<(String, String, String)> = outbox_events::table
        .filter(outbox_events::society_id.eq(society_id))
        .filter(outbox_events::fanned_out_at.lt(before))
        .filter(diesel::dsl::not(diesel::dsl::exists(
            webhook_deliveries::table.filter(webhook_deliveries::event_id.eq(outbox_events::id)),
        )))
        .select((
            outbox_events::id,
            outbox_events::event_type,
            outbox_events::payload,
        ))
        .load(conn)?;
    let reminder = EventType::RenewalDue.as_str();
    let gone: Vec<String> = told
        .into_iter()
        .filter(|(_, kind, payload)| {
            kind != reminder || reminds_until(payload).is_none_or(|end| end < today)
        })
        .map(|(id, ..)| id)
        .collect();
    let mut events = 0;
    for ids in gone.chunks(super::BATCH) {
        events += diesel::delete(outbox_events::table.filter(outbox_events::id.eq_any(ids)))
            .execute(conn)?;
    }
    Ok(Forgotten { deliveries, events })
}

/// The cycle end a renewal reminder's payload names.
fn reminds_until(payload: &str) -> Option<NaiveDate> {
    let data: Value = serde_json::from_str(payload).ok()?;
    data.get("valid_until")?.as_str()?.parse().ok()
}
