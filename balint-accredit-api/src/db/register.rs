//! The register as stored: entries, their append-only history of changes,
//! and the per-society registration counter.
//!
//! The rules live in `balint_core::register`: every change is made on a
//! [`RegisterEntry`] loaded from its stored history, and only the changes it
//! accepted are appended. Stored histories are replayed through
//! [`RegisterEntry::from_history`] on the way in, so what is served always
//! holds together under the rules.

use std::collections::HashMap;

use balint_core::ids::{PersonId, RegistrationNumber, TierId};
use balint_core::register::{
    Grant, PublicStatusChange, Register, RegisterEntry, RegisterError, RenewalCycle, Status,
    StatusAction, StatusChange, Visibility,
};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::db::audit;
use crate::db::people::Person;
use crate::db::schema::{
    people as people_table, register_changes, register_entries, register_versions,
    registration_counters, societies,
};
use crate::db::societies::Society;
use crate::db::{each_row, insert_in_batches, on_connection, DbConnection};
use crate::error::ApiError;

/// A register entry as stored: its row id and society, and the entry
/// rebuilt from its history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEntry {
    pub id: String,
    pub society_id: String,
    pub entry: RegisterEntry,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = register_entries, treat_none_as_null = true, treat_none_as_default_value = false)]
struct EntryRow {
    id: String,
    society_id: String,
    registration: String,
    person_id: String,
    first_accredited: NaiveDate,
    status: String,
    tier: String,
    valid_until: Option<NaiveDate>,
    lapses_on: Option<NaiveDate>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    /// The day the latest change takes effect: from then on the columns
    /// above are the entry's standing (see the migration
    /// `2026-01-07-000100_register_at_scale`).
    latest_change_on: Option<NaiveDate>,
}

/// A person's columns, read in the same query as their entry.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::db::schema::people)]
struct PersonColumns {
    id: String,
    society_id: String,
    title: Option<String>,
    given_name: Option<String>,
    family_name: String,
    display_name: Option<String>,
    backgrounds: String,
    city: Option<String>,
    region: Option<String>,
    email: Option<String>,
    public_listing: bool,
    entered_pathway_on: Option<NaiveDate>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl PersonColumns {
    fn into_person(self) -> Result<Person, ApiError> {
        let backgrounds = serde_json::from_str(&self.backgrounds).map_err(|e| {
            ApiError::Internal(anyhow::anyhow!("backgrounds of person {}: {e}", self.id))
        })?;
        Ok(Person {
            id: self.id,
            society_id: self.society_id,
            title: self.title,
            given_name: self.given_name,
            family_name: self.family_name,
            display_name: self.display_name,
            backgrounds,
            city: self.city,
            region: self.region,
            email: self.email,
            public_listing: self.public_listing,
            entered_pathway_on: self.entered_pathway_on,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = register_changes, treat_none_as_default_value = false)]
struct ChangeRow {
    entry_id: String,
    seq: i32,
    effective: NaiveDate,
    action: String,
    from_status: Option<String>,
    to_status: String,
    reason: String,
    visibility: String,
    tier: Option<String>,
    valid_until: Option<NaiveDate>,
    grace_days: Option<i32>,
    recorded_at: NaiveDateTime,
    recorded_by: Option<String>,
}

/// The tier most recently granted in an entry's history.
pub fn current_tier(entry: &RegisterEntry) -> Option<&TierId> {
    entry
        .history()
        .iter()
        .rev()
        .find_map(|change| change.tier.as_ref())
}

/// A refusal from the register's rules as an API error: anything that
/// depends on the entry's current state (a transition the table refuses, a
/// change dated before the latest one, a tier already held) conflicts with
/// it (409); a change that is wrong whatever the state is invalid (422).
pub fn refused(error: RegisterError) -> ApiError {
    match error {
        RegisterError::IllegalTransition(_)
        | RegisterError::BackDated { .. }
        | RegisterError::TierAlreadyHeld { .. }
        | RegisterError::DuplicateRegistration(_)
        | RegisterError::PersonAlreadyRegistered { .. } => ApiError::Conflict(error.to_string()),
        RegisterError::MissingReason => ApiError::unprocessable("reason", error.to_string()),
        RegisterError::CycleEndsBeforeEffective { .. }
        | RegisterError::RenewalDoesNotExtend { .. } => {
            ApiError::unprocessable("effective", error.to_string())
        }
        other => ApiError::Unprocessable {
            detail: other.to_string(),
            errors: Vec::new(),
        },
    }
}

fn word<T: DeserializeOwned>(text: &str, what: &str) -> Result<T, ApiError> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored {what} {text:?}: {e}")))
}

fn word_of<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

fn change_from_row(row: &ChangeRow) -> Result<StatusChange, ApiError> {
    let corrupt = |what: &str| {
        ApiError::Internal(anyhow::anyhow!(
            "register change {}#{} has an invalid {what}",
            row.entry_id,
            row.seq
        ))
    };
    let cycle = match (row.valid_until, row.grace_days) {
        (Some(valid_until), Some(grace)) => Some(RenewalCycle {
            valid_until,
            grace_days: u32::try_from(grace).map_err(|_| corrupt("grace period"))?,
        }),
        (None, None) => None,
        _ => return Err(corrupt("cycle")),
    };
    Ok(StatusChange {
        effective: row.effective,
        action: word(&row.action, "action")?,
        from: row
            .from_status
            .as_deref()
            .map(|s| s.parse::<Status>().map_err(|_| corrupt("status")))
            .transpose()?,
        to: row.to_status.parse().map_err(|_| corrupt("status"))?,
        reason: row.reason.clone(),
        visibility: word(&row.visibility, "visibility")?,
        tier: row
            .tier
            .as_deref()
            .map(|t| t.parse().map_err(|_| corrupt("tier")))
            .transpose()?,
        cycle,
    })
}

fn change_row(
    entry_id: &str,
    seq: usize,
    change: &StatusChange,
    recorded_by: Option<&str>,
    now: NaiveDateTime,
) -> Result<ChangeRow, ApiError> {
    let too_big = || ApiError::Internal(anyhow::anyhow!("register history too long"));
    Ok(ChangeRow {
        entry_id: entry_id.to_owned(),
        seq: i32::try_from(seq).map_err(|_| too_big())?,
        effective: change.effective,
        action: change.action.as_str().to_owned(),
        from_status: change.from.map(|s| s.as_str().to_owned()),
        to_status: change.to.as_str().to_owned(),
        reason: change.reason.clone(),
        visibility: word_of(&change.visibility),
        tier: change.tier.as_ref().map(|t| t.as_str().to_owned()),
        valid_until: change.cycle.map(|c| c.valid_until),
        grace_days: change
            .cycle
            .map(|c| i32::try_from(c.grace_days).map_err(|_| too_big()))
            .transpose()?,
        recorded_at: now,
        recorded_by: recorded_by.map(str::to_owned),
    })
}

fn summary_row(
    id: &str,
    society_id: &str,
    entry: &RegisterEntry,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
) -> EntryRow {
    EntryRow {
        id: id.to_owned(),
        society_id: society_id.to_owned(),
        registration: entry.registration().as_str().to_owned(),
        person_id: entry.person().as_str().to_owned(),
        first_accredited: entry.first_accredited(),
        status: entry.status().as_str().to_owned(),
        tier: current_tier(entry)
            .map(|t| t.as_str().to_owned())
            .unwrap_or_default(),
        valid_until: entry.valid_until(),
        lapses_on: entry.lapses_on(),
        created_at,
        updated_at,
        latest_change_on: entry.history().last().map(|change| change.effective),
    }
}

/// Rebuild entries from their rows, in the order of `rows`.
fn rebuild(conn: &mut DbConnection, rows: Vec<EntryRow>) -> Result<Vec<StoredEntry>, ApiError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut changes: HashMap<String, Vec<StatusChange>> = HashMap::new();
    // Chunked: both databases limit the number of bound parameters.
    for chunk in rows.chunks(500) {
        let loaded: Vec<ChangeRow> = if let [one] = chunk {
            // One entry (a page of the register): a statement the
            // connection keeps prepared.
            on_connection!(&mut *conn, |c| register_changes::table
                .filter(register_changes::entry_id.eq(&one.id))
                .order(register_changes::seq.asc())
                .select(ChangeRow::as_select())
                .load(c)?)
        } else {
            let ids: Vec<&str> = chunk.iter().map(|r| r.id.as_str()).collect();
            register_changes::table
                .filter(register_changes::entry_id.eq_any(ids))
                .order((
                    register_changes::entry_id.asc(),
                    register_changes::seq.asc(),
                ))
                .select(ChangeRow::as_select())
                .load(conn)?
        };
        for row in &loaded {
            changes
                .entry(row.entry_id.clone())
                .or_default()
                .push(change_from_row(row)?);
        }
    }
    rows.into_iter()
        .map(|row| {
            let history = changes.remove(&row.id).unwrap_or_default();
            replay(row, history)
        })
        .collect()
}

/// An entry rebuilt from its row and its history, in order.
fn replay(row: EntryRow, history: Vec<StatusChange>) -> Result<StoredEntry, ApiError> {
    let corrupt = |e: String| {
        ApiError::Internal(anyhow::anyhow!(
            "stored register entry {} does not replay: {e}",
            row.registration
        ))
    };
    let registration = row
        .registration
        .parse()
        .map_err(|e| corrupt(format!("{e}")))?;
    let person = row.person_id.parse().map_err(|e| corrupt(format!("{e}")))?;
    let entry = RegisterEntry::from_history(registration, person, history)
        .map_err(|e| corrupt(e.to_string()))?;
    Ok(StoredEntry {
        id: row.id,
        society_id: row.society_id,
        entry,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// Every entry of `society_id`, by registration number.
pub fn entries(conn: &mut DbConnection, society_id: &str) -> Result<Vec<StoredEntry>, ApiError> {
    let rows = register_entries::table
        .filter(register_entries::society_id.eq(society_id))
        .order(register_entries::registration.asc())
        .select(EntryRow::as_select())
        .load(conn)?;
    rebuild(conn, rows)
}

/// `society_id`'s whole register as the domain sees it: it answers "did
/// person P hold tier T on day D" (`balint_core::evaluate::RegisterView`).
pub fn load(conn: &mut DbConnection, society_id: &str) -> Result<Register, ApiError> {
    into_register(entries(conn, society_id)?)
}

/// The entries of `people` only (those on the register), e.g. the
/// co-leaders and supervisors named in one trainee's ledger.
pub fn load_for_people(
    conn: &mut DbConnection,
    society_id: &str,
    people: &[PersonId],
) -> Result<Register, ApiError> {
    let mut rows = Vec::new();
    for chunk in people.chunks(500) {
        let ids: Vec<&str> = chunk.iter().map(PersonId::as_str).collect();
        rows.extend(
            register_entries::table
                .filter(register_entries::society_id.eq(society_id))
                .filter(register_entries::person_id.eq_any(ids))
                .select(EntryRow::as_select())
                .load(conn)?,
        );
    }
    into_register(rebuild(conn, rows)?)
}

fn into_register(stored: Vec<StoredEntry>) -> Result<Register, ApiError> {
    Register::try_from(
        stored
            .into_iter()
            .map(|s| s.entry)
            .collect::<Vec<RegisterEntry>>(),
    )
    .map_err(|e| {
        ApiError::Internal(anyhow::anyhow!(
            "stored register does not hold together: {e}"
        ))
    })
}

/// The entry numbered `registration` in `society_id`, if any.
pub fn by_registration(
    conn: &mut DbConnection,
    society_id: &str,
    registration: &str,
) -> Result<Option<StoredEntry>, ApiError> {
    let rows = register_entries::table
        .filter(register_entries::society_id.eq(society_id))
        .filter(register_entries::registration.eq(registration))
        .select(EntryRow::as_select())
        .load(conn)?;
    Ok(rebuild(conn, rows)?.pop())
}

/// The entry of `person_id` in `society_id`, if they are on the register.
pub fn by_person(
    conn: &mut DbConnection,
    society_id: &str,
    person_id: &str,
) -> Result<Option<StoredEntry>, ApiError> {
    let rows = register_entries::table
        .filter(register_entries::society_id.eq(society_id))
        .filter(register_entries::person_id.eq(person_id))
        .select(EntryRow::as_select())
        .load(conn)?;
    Ok(rebuild(conn, rows)?.pop())
}

/// Whose entries a listing includes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    /// Only people who consented to appear on the public register.
    PublicOnly,
    /// Everyone on the register (for the registrar).
    Everyone,
}

/// `society_id`'s entries with their people, ordered by family name, given
/// name and registration number: one query for entries and people, one per
/// 500 entries for their histories.
pub fn with_people(
    conn: &mut DbConnection,
    society_id: &str,
    listing: Listing,
) -> Result<Vec<(StoredEntry, Person)>, ApiError> {
    let mut query = register_entries::table
        .inner_join(people_table::table)
        .filter(register_entries::society_id.eq(society_id.to_owned()))
        .filter(people_table::society_id.eq(society_id.to_owned()))
        .into_boxed();
    if listing == Listing::PublicOnly {
        query = query.filter(people_table::public_listing.eq(true));
    }
    let found: Vec<(EntryRow, PersonColumns)> = query
        .order((
            people_table::sort_name.asc(),
            register_entries::registration.asc(),
        ))
        .select((EntryRow::as_select(), PersonColumns::as_select()))
        .load(conn)?;
    joined(conn, found)
}

/// `society_id`'s accredited entries whose current cycle ends by
/// `horizon`, with their people: where the renewals coming due are.
pub fn ending_by(
    conn: &mut DbConnection,
    society_id: &str,
    horizon: NaiveDate,
) -> Result<Vec<(StoredEntry, Person)>, ApiError> {
    let found: Vec<(EntryRow, PersonColumns)> = register_entries::table
        .inner_join(people_table::table)
        .filter(register_entries::society_id.eq(society_id))
        .filter(people_table::society_id.eq(society_id))
        .filter(register_entries::status.eq(Status::Accredited.as_str()))
        .filter(register_entries::valid_until.le(horizon))
        .select((EntryRow::as_select(), PersonColumns::as_select()))
        .load(conn)?;
    joined(conn, found)
}

/// Rebuild joined rows into entries with their people, in order.
fn joined(
    conn: &mut DbConnection,
    found: Vec<(EntryRow, PersonColumns)>,
) -> Result<Vec<(StoredEntry, Person)>, ApiError> {
    let (rows, people): (Vec<EntryRow>, Vec<PersonColumns>) = found.into_iter().unzip();
    let stored = rebuild(conn, rows)?;
    stored
        .into_iter()
        .zip(people)
        .map(|(entry, person)| Ok((entry, person.into_person()?)))
        .collect()
}

/// The entry numbered `registration` in the society with `slug`, with its
/// society, person and history, in one query (one row per change, in
/// order). `Ok(None)` when the society has no such entry; 404 when there is
/// no such society.
pub fn in_society(
    conn: &mut DbConnection,
    slug: &str,
    registration: &str,
) -> Result<Option<(Society, StoredEntry, Person)>, ApiError> {
    type Found = (EntryRow, PersonColumns, Society, Option<ChangeRow>);
    let found: Vec<Found> = on_connection!(&mut *conn, |c| {
        register_entries::table
            .inner_join(people_table::table.inner_join(societies::table))
            .left_join(register_changes::table)
            .filter(societies::slug.eq(slug))
            .filter(register_entries::registration.eq(registration))
            .filter(register_entries::society_id.eq(societies::id))
            .order(register_changes::seq.asc())
            .select((
                EntryRow::as_select(),
                PersonColumns::as_select(),
                Society::as_select(),
                Option::<ChangeRow>::as_select(),
            ))
            .load(c)?
    });
    let mut rows = found.into_iter();
    let Some((row, person, society, first)) = rows.next() else {
        // Tell an unknown society from an unknown number.
        crate::db::societies::by_slug(conn, slug)?;
        return Ok(None);
    };
    let mut history = Vec::with_capacity(rows.len() + 1);
    for change in first
        .into_iter()
        .chain(rows.filter_map(|(.., change)| change))
    {
        if change.entry_id == row.id {
            history.push(change_from_row(&change)?);
        }
    }
    let stored = replay(row, history)?;
    Ok(Some((society, stored, person.into_person()?)))
}

/// The number the database moves on whenever `society_id`'s public
/// register may have changed (kept by triggers; see the migration
/// `2026-01-08-000100_register_versions`); 0 before its first entry.
pub fn register_version(conn: &mut DbConnection, society_id: &str) -> Result<i64, ApiError> {
    Ok(register_versions::table
        .find(society_id)
        .select(register_versions::version)
        .first(conn)
        .optional()?
        .unwrap_or(0))
}

/// One listed entry as the public register shows it, with what it is
/// searched and ordered by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicRow {
    /// The entry's id, which its history rows name.
    pub id: String,
    pub registration: String,
    pub title: Option<String>,
    /// The name as shown ([`crate::db::people::shown_name`]).
    pub name: String,
    pub city: Option<String>,
    pub region: Option<String>,
    /// The tier most recently granted.
    pub tier: String,
    pub status: Status,
    pub first_accredited: NaiveDate,
    /// The last day of the cycle running.
    pub valid_until: Option<NaiveDate>,
    /// Family then given name, lower-cased: the register's order.
    pub sort_name: String,
    /// The names, lower-cased: what a search by name looks in.
    pub search_text: String,
}

type PublicColumns = (
    (
        String,
        String,
        String,
        String,
        NaiveDate,
        Option<NaiveDate>,
        Option<NaiveDate>,
    ),
    (
        Option<String>,
        Option<String>,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        String,
        String,
    ),
);

/// Every entry of `society_id` whose person consented to be listed, in no
/// order, one at a time (read as a stream, never all held at once), each
/// as its columns have it: `each(row, false)` when its latest change is in
/// effect by `today`, so the row is its standing on `today` (nearly all);
/// `each(row, true)` when a change is dated ahead, so the row is not yet
/// its standing: ask [`public_standing`] for that.
pub fn each_public_row(
    conn: &mut DbConnection,
    society_id: &str,
    today: NaiveDate,
    mut each: impl FnMut(PublicRow, bool),
) -> Result<(), ApiError> {
    each_row!(
        conn,
        PublicColumns,
        |c| {
            register_entries::table
                .inner_join(people_table::table)
                .filter(register_entries::society_id.eq(society_id))
                .filter(people_table::society_id.eq(society_id))
                .filter(people_table::public_listing.eq(true))
                .select((
                    (
                        register_entries::id,
                        register_entries::registration,
                        register_entries::tier,
                        register_entries::status,
                        register_entries::first_accredited,
                        register_entries::valid_until,
                        register_entries::latest_change_on,
                    ),
                    (
                        people_table::title,
                        people_table::given_name,
                        people_table::family_name,
                        people_table::display_name,
                        people_table::city,
                        people_table::region,
                        people_table::sort_name,
                        people_table::search_text,
                    ),
                ))
        },
        |found: PublicColumns| {
            let (entry, person) = found;
            let (id, registration, tier, status, first_accredited, valid_until, latest) = entry;
            let (title, given, family, display, city, region, sort_name, search_text) = person;
            let status = status.parse().map_err(|_| {
                ApiError::Internal(anyhow::anyhow!(
                    "register entry {registration} has an invalid status"
                ))
            })?;
            let row = PublicRow {
                id,
                registration,
                title,
                name: crate::db::people::shown_name(display.as_deref(), given.as_deref(), &family),
                city,
                region,
                tier,
                status,
                first_accredited,
                valid_until,
                sort_name,
                search_text,
            };
            let ahead = latest.is_none_or(|day| day > today);
            each(row, ahead);
            Ok::<_, ApiError>(())
        }
    )
}

/// Every change in the histories of the entries [`each_public_row`] reads,
/// as the public sees it (a confidential change's reason withheld), one at
/// a time with its entry's id and its place in the entry's history, in no
/// order (sorting half a million rows is left to the caller, in memory,
/// rather than to a database that may spill it to disk). Changes dated
/// ahead of today are included.
pub fn each_public_change(
    conn: &mut DbConnection,
    society_id: &str,
    mut each: impl FnMut(&str, i32, PublicStatusChange),
) -> Result<(), ApiError> {
    let public = word_of(&Visibility::Public);
    each_row!(
        conn,
        PublicChangeColumns,
        |c| {
            register_changes::table
                .inner_join(register_entries::table.inner_join(people_table::table))
                .filter(register_entries::society_id.eq(society_id))
                .filter(people_table::society_id.eq(society_id))
                .filter(people_table::public_listing.eq(true))
                .select((
                    register_changes::entry_id,
                    register_changes::seq,
                    register_changes::effective,
                    register_changes::action,
                    register_changes::from_status,
                    register_changes::to_status,
                    register_changes::reason,
                    register_changes::visibility,
                    register_changes::tier,
                    register_changes::valid_until,
                ))
        },
        |found: PublicChangeColumns| {
            let (entry_id, seq, effective, action, from, to, reason, visibility, tier, valid_until) =
                found;
            let corrupt = |what: &str| {
                ApiError::Internal(anyhow::anyhow!(
                    "register change {entry_id}#{seq} has an invalid {what}"
                ))
            };
            let change = PublicStatusChange {
                effective,
                action: StatusAction::ALL
                    .into_iter()
                    .find(|a| a.as_str() == action)
                    .ok_or_else(|| corrupt("action"))?,
                from: from
                    .map(|s| s.parse::<Status>().map_err(|_| corrupt("status")))
                    .transpose()?,
                to: to.parse().map_err(|_| corrupt("status"))?,
                tier: tier
                    .map(|t| t.parse().map_err(|_| corrupt("tier")))
                    .transpose()?,
                valid_until,
                reason: (visibility == public).then_some(reason),
            };
            each(&entry_id, seq, change);
            Ok::<_, ApiError>(())
        }
    )
}

type PublicChangeColumns = (
    String,
    i32,
    NaiveDate,
    String,
    Option<String>,
    String,
    String,
    String,
    Option<String>,
    Option<NaiveDate>,
);

/// The public standing on `today` of the entries `ids`, replayed from
/// their histories; an entry not granted by `today` is left out.
pub fn public_standing(
    conn: &mut DbConnection,
    ids: &[String],
    today: NaiveDate,
) -> Result<HashMap<String, balint_core::register::PublicEntry>, ApiError> {
    let mut standing = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let rows = register_entries::table
            .filter(register_entries::id.eq_any(chunk))
            .select(EntryRow::as_select())
            .load(conn)?;
        for stored in rebuild(conn, rows)? {
            if let Some(public) = stored.entry.public_view(today) {
                standing.insert(stored.id, public);
            }
        }
    }
    Ok(standing)
}

/// The prefix of a society's registration numbers: its slug in capitals
/// (`bsanz` -> `BSANZ-0042`).
pub fn prefix(society: &Society) -> String {
    society.slug.to_uppercase()
}

fn number_in(registration: &str, prefix: &str) -> Option<i64> {
    registration
        .strip_prefix(prefix)?
        .strip_prefix('-')?
        .parse::<i64>()
        .ok()
}

/// Namespace of the advisory locks taken on societies' registers for an
/// import ("rimp").
const IMPORT_LOCK_NAMESPACE: i32 = 0x7269_6d70;

/// Wait for `society_id`'s register to be free of other imports, and keep
/// it until the transaction ends. On PostgreSQL a transaction-level
/// advisory lock, so an import that waited reads what the one before it
/// committed (two identical imports sent at once: the second finds its
/// entries unchanged, as on SQLite, instead of both inserting them); on
/// SQLite nothing, as [`crate::db::write`]'s write lock already lets one
/// writer in at a time. Call first inside [`crate::db::write`].
pub fn lock_for_import(conn: &mut DbConnection, society_id: &str) -> Result<(), ApiError> {
    if let DbConnection::Postgres(c) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
            .bind::<diesel::sql_types::Integer, _>(IMPORT_LOCK_NAMESPACE)
            .bind::<diesel::sql_types::Text, _>(society_id)
            .execute(c)?;
    }
    Ok(())
}

/// Draw the society's next registration number. Numbers are never reused:
/// the counter only moves on, by a compare-and-set update, so of two
/// concurrent grants one retries with the next number. Call it inside
/// [`crate::db::write`].
pub fn next_registration(
    conn: &mut DbConnection,
    society: &Society,
) -> Result<RegistrationNumber, ApiError> {
    let prefix = prefix(society);
    for _ in 0..20 {
        let current: Option<i64> = registration_counters::table
            .filter(registration_counters::society_id.eq(&society.id))
            .select(registration_counters::next_number)
            .first(conn)
            .optional()?;
        let number = match current {
            Some(number) => {
                let moved = diesel::update(
                    registration_counters::table
                        .filter(registration_counters::society_id.eq(&society.id))
                        .filter(registration_counters::next_number.eq(number)),
                )
                .set(registration_counters::next_number.eq(number + 1))
                .execute(conn)?;
                if moved == 0 {
                    continue;
                }
                number
            }
            None => {
                // The first number: one past any already on the register
                // (e.g. imported before the counter existed).
                let register = load(conn, &society.id)?;
                let first = register
                    .next_registration(&prefix)
                    .map_err(refused)?
                    .as_str()
                    .to_owned();
                let number = number_in(&first, &prefix).unwrap_or(1);
                // A savepoint, so losing the race to create the row leaves
                // the outer transaction usable for the retry.
                let created = conn.transaction(|conn| {
                    diesel::insert_into(registration_counters::table)
                        .values((
                            registration_counters::society_id.eq(&society.id),
                            registration_counters::next_number.eq(number + 1),
                        ))
                        .execute(conn)
                });
                if created.is_err() {
                    continue;
                }
                number
            }
        };
        return format!("{prefix}-{number:04}")
            .parse()
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("registration number: {e}")));
    }
    Err(ApiError::Unavailable(anyhow::anyhow!(
        "the registration counter stayed contended"
    )))
}

/// Move the counter past `registration` if it carries the society's
/// prefix, so a number taken by an import is never issued again.
pub fn reserve(
    conn: &mut DbConnection,
    society: &Society,
    registration: &RegistrationNumber,
) -> Result<(), ApiError> {
    let Some(number) = number_in(registration.as_str(), &prefix(society)) else {
        return Ok(());
    };
    let current: Option<i64> = registration_counters::table
        .filter(registration_counters::society_id.eq(&society.id))
        .select(registration_counters::next_number)
        .first(conn)
        .optional()?;
    match current {
        Some(next) if next > number => {}
        Some(_) => {
            diesel::update(
                registration_counters::table
                    .filter(registration_counters::society_id.eq(&society.id)),
            )
            .set(registration_counters::next_number.eq(number + 1))
            .execute(conn)?;
        }
        None => {
            diesel::insert_into(registration_counters::table)
                .values((
                    registration_counters::society_id.eq(&society.id),
                    registration_counters::next_number.eq(number + 1),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

fn audit_values(entry: &RegisterEntry) -> serde_json::Value {
    json!({
        "registration": entry.registration(),
        "person_id": entry.person(),
        "status": entry.status(),
        "tier": current_tier(entry),
        "valid_until": entry.valid_until(),
        "changes": entry.history().len(),
    })
}

/// Store a new entry with its whole history. Call it inside
/// [`crate::db::write`]; 409 if the number or the person is taken.
pub fn insert(
    conn: &mut DbConnection,
    society_id: &str,
    entry: RegisterEntry,
    recorded_by: Option<&str>,
    now: NaiveDateTime,
) -> Result<StoredEntry, ApiError> {
    let taken = register_entries::table
        .filter(register_entries::society_id.eq(society_id))
        .filter(
            register_entries::registration
                .eq(entry.registration().as_str())
                .or(register_entries::person_id.eq(entry.person().as_str())),
        )
        .count()
        .get_result::<i64>(conn)?;
    if taken > 0 {
        return Err(ApiError::Conflict(format!(
            "registration {} or person {} is already on the register",
            entry.registration(),
            entry.person()
        )));
    }
    let id = uuid::Uuid::new_v4().to_string();
    diesel::insert_into(register_entries::table)
        .values(summary_row(&id, society_id, &entry, now, now))
        .execute(conn)?;
    let rows = entry
        .history()
        .iter()
        .enumerate()
        .map(|(seq, change)| change_row(&id, seq, change, recorded_by, now))
        .collect::<Result<Vec<_>, _>>()?;
    for row in rows {
        diesel::insert_into(register_changes::table)
            .values(row)
            .execute(conn)?;
    }
    audit::record(
        conn,
        audit::Change {
            actor_user_id: recorded_by,
            society_id: Some(society_id),
            action: audit::Action::Create,
            entity: audit::Entity::RegisterEntry,
            entity_id: &id,
            before: None,
            after: Some(audit_values(&entry)),
            at: now,
        },
    )?;
    Ok(StoredEntry {
        id,
        society_id: society_id.to_owned(),
        entry,
        created_at: now,
        updated_at: now,
    })
}

/// Store many new entries with their whole histories (an import), in
/// batches rather than a round trip per row. The caller has checked that
/// neither their numbers nor their people are taken; a clash is still
/// refused by the unique constraints. Call it inside [`crate::db::write`].
pub fn insert_all(
    conn: &mut DbConnection,
    society_id: &str,
    entries: &[RegisterEntry],
    recorded_by: Option<&str>,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    let ids: Vec<String> = entries
        .iter()
        .map(|_| uuid::Uuid::new_v4().to_string())
        .collect();
    let rows: Vec<EntryRow> = entries
        .iter()
        .zip(&ids)
        .map(|(entry, id)| summary_row(id, society_id, entry, now, now))
        .collect();
    insert_in_batches!(conn, register_entries::table, &rows)?;
    drop(rows);
    let mut changes = Vec::with_capacity(crate::db::BATCH);
    for (entry, id) in entries.iter().zip(&ids) {
        for (seq, change) in entry.history().iter().enumerate() {
            changes.push(change_row(id, seq, change, recorded_by, now)?);
        }
        if changes.len() >= crate::db::BATCH {
            // Whole batches only, so every statement but the last is the
            // one the connection has prepared.
            let rest = changes.split_off(crate::db::BATCH);
            insert_in_batches!(conn, register_changes::table, &changes)?;
            changes = rest;
        }
    }
    if !changes.is_empty() {
        insert_in_batches!(conn, register_changes::table, &changes)?;
    }
    let audited: Vec<audit::Change<'_>> = entries
        .iter()
        .zip(&ids)
        .map(|(entry, id)| audit::Change {
            actor_user_id: recorded_by,
            society_id: Some(society_id),
            action: audit::Action::Create,
            entity: audit::Entity::RegisterEntry,
            entity_id: id,
            before: None,
            after: Some(audit_values(entry)),
            at: now,
        })
        .collect();
    audit::record_all(conn, audited)?;
    Ok(())
}

/// Move the counter past the highest of `registrations` that carries the
/// society's prefix (see [`reserve`]).
pub fn reserve_past<'a>(
    conn: &mut DbConnection,
    society: &Society,
    registrations: impl IntoIterator<Item = &'a RegistrationNumber>,
) -> Result<(), ApiError> {
    let prefix = prefix(society);
    let highest = registrations
        .into_iter()
        .filter_map(|r| number_in(r.as_str(), &prefix).map(|n| (n, r)))
        .max_by_key(|(n, _)| *n);
    match highest {
        Some((_, registration)) => reserve(conn, society, registration),
        None => Ok(()),
    }
}

/// The registration numbers on `society_id`'s register, with the person of
/// each.
pub fn registrations(
    conn: &mut DbConnection,
    society_id: &str,
) -> Result<HashMap<String, String>, ApiError> {
    Ok(register_entries::table
        .filter(register_entries::society_id.eq(society_id))
        .select((register_entries::registration, register_entries::person_id))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect())
}

/// The entries numbered `wanted` in `society_id`, by number.
pub fn by_registrations(
    conn: &mut DbConnection,
    society_id: &str,
    wanted: &[&str],
) -> Result<HashMap<String, StoredEntry>, ApiError> {
    let mut rows = Vec::new();
    for chunk in wanted.chunks(500) {
        rows.extend(
            register_entries::table
                .filter(register_entries::society_id.eq(society_id))
                .filter(register_entries::registration.eq_any(chunk))
                .select(EntryRow::as_select())
                .load(conn)?,
        );
    }
    Ok(rebuild(conn, rows)?
        .into_iter()
        .map(|stored| (stored.entry.registration().as_str().to_owned(), stored))
        .collect())
}

/// Change a stored entry through `change` (which appends to its history
/// under the rules, or refuses), and store what it appended. Call it inside
/// [`crate::db::write`]. Two concurrent changes to one entry cannot both be
/// stored: the second one's history position is taken (409).
pub fn update(
    conn: &mut DbConnection,
    stored: StoredEntry,
    recorded_by: Option<&str>,
    now: NaiveDateTime,
    change: impl FnOnce(&mut RegisterEntry) -> Result<(), RegisterError>,
) -> Result<StoredEntry, ApiError> {
    let before = stored.entry.clone();
    let mut entry = stored.entry;
    change(&mut entry).map_err(refused)?;
    let known = before.history().len();
    for (seq, added) in entry.history().iter().enumerate().skip(known) {
        let row = change_row(&stored.id, seq, added, recorded_by, now)?;
        diesel::insert_into(register_changes::table)
            .values(row)
            .execute(conn)
            .map_err(|e| match ApiError::from(e) {
                ApiError::Conflict(_) => ApiError::Conflict(format!(
                    "register entry {} was changed at the same time; reload it and try again",
                    entry.registration()
                )),
                other => other,
            })?;
    }
    diesel::update(register_entries::table.filter(register_entries::id.eq(&stored.id)))
        .set(summary_row(
            &stored.id,
            &stored.society_id,
            &entry,
            stored.created_at,
            now,
        ))
        .execute(conn)?;
    audit::record(
        conn,
        audit::Change {
            actor_user_id: recorded_by,
            society_id: Some(&stored.society_id),
            action: audit::Action::Update,
            entity: audit::Entity::RegisterEntry,
            entity_id: &stored.id,
            before: Some(audit_values(&before)),
            after: Some(json!({
                "registration": entry.registration(),
                "status": entry.status(),
                "tier": current_tier(&entry),
                "valid_until": entry.valid_until(),
                "changes": entry.history().len(),
                "added": &entry.history()[known..],
            })),
            at: now,
        },
    )?;
    Ok(StoredEntry {
        entry,
        updated_at: now,
        ..stored
    })
}

/// What a grant did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Granted {
    pub stored: StoredEntry,
    /// Whether the person was put on the register by it (else their entry
    /// was updated: a further tier, or re-accreditation).
    pub created: bool,
}

/// Record a grant for `person`: a new entry with the society's next
/// registration number, or a grant on their existing entry. Call it inside
/// [`crate::db::write`].
pub fn grant(
    conn: &mut DbConnection,
    society: &Society,
    person: &PersonId,
    grant: Grant,
    recorded_by: Option<&str>,
    now: NaiveDateTime,
) -> Result<Granted, ApiError> {
    match by_person(conn, &society.id, person.as_str())? {
        Some(stored) => {
            let stored = update(conn, stored, recorded_by, now, |entry| {
                entry.grant(grant).map(|_| ())
            })?;
            Ok(Granted {
                stored,
                created: false,
            })
        }
        None => {
            // Checked before a number is drawn, so a refused grant wastes none.
            let registration: RegistrationNumber = format!("{}-0000", prefix(society))
                .parse()
                .map_err(|e| ApiError::Internal(anyhow::anyhow!("registration number: {e}")))?;
            RegisterEntry::accredit(registration, person.clone(), grant.clone())
                .map_err(refused)?;
            let registration = next_registration(conn, society)?;
            let entry =
                RegisterEntry::accredit(registration, person.clone(), grant).map_err(refused)?;
            let stored = insert(conn, &society.id, entry, recorded_by, now)?;
            Ok(Granted {
                stored,
                created: true,
            })
        }
    }
}

/// One lapse the daily job recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lapsed {
    pub society_id: String,
    pub registration: RegistrationNumber,
    pub change: StatusChange,
}

/// The daily job: lapse every entry (of `society_id`, or of every society)
/// whose cycle ended and whose grace period passed by `as_of`. Running it
/// again for the same day changes nothing. Call it inside
/// [`crate::db::write`].
pub fn lapse_due(
    conn: &mut DbConnection,
    society_id: Option<&str>,
    as_of: NaiveDate,
    now: NaiveDateTime,
) -> Result<Vec<Lapsed>, ApiError> {
    let mut query = register_entries::table
        .filter(register_entries::lapses_on.le(as_of))
        .filter(
            register_entries::status
                .eq_any([Status::Accredited.as_str(), Status::Suspended.as_str()]),
        )
        .into_boxed();
    if let Some(society_id) = society_id {
        query = query.filter(register_entries::society_id.eq(society_id.to_owned()));
    }
    let rows = query
        .order((
            register_entries::society_id.asc(),
            register_entries::registration.asc(),
        ))
        .select(EntryRow::as_select())
        .load(conn)?;
    let mut lapsed = Vec::new();
    for stored in rebuild(conn, rows)? {
        let mut probe = stored.entry.clone();
        let Some(change) = probe.lapse_if_due(as_of) else {
            continue;
        };
        let society_id = stored.society_id.clone();
        let updated = update(conn, stored, None, now, |entry| {
            entry.lapse_if_due(as_of);
            Ok(())
        })?;
        lapsed.push(Lapsed {
            society_id,
            registration: updated.entry.registration().clone(),
            change,
        });
    }
    Ok(lapsed)
}

/// `visibility` as stored and served.
pub fn visibility_word(visibility: Visibility) -> String {
    word_of(&visibility)
}
