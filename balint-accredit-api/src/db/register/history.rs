//! An entry's history as stored: one row per change, appended and never
//! rewritten; entries rebuilt by replaying it, changes stored as the rules
//! accept them, and the daily lapse job.

use std::collections::HashMap;

use balint_core::ids::RegistrationNumber;
use balint_core::register::{RegisterEntry, RegisterError, RenewalCycle, Status, StatusChange};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde_json::json;

use super::{
    audit_values, current_tier, refused, summary_row, word, word_of, EntryRow, StoredEntry,
};
use crate::db::audit;
use crate::db::schema::{register_changes, register_entries};
use crate::db::{on_connection, DbConnection};
use crate::error::ApiError;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = register_changes, treat_none_as_default_value = false)]
pub(super) struct ChangeRow {
    pub(super) entry_id: String,
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

pub(super) fn change_from_row(row: &ChangeRow) -> Result<StatusChange, ApiError> {
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

pub(super) fn change_row(
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

/// Rebuild entries from their rows, in the order of `rows`.
pub(super) fn rebuild(
    conn: &mut DbConnection,
    rows: Vec<EntryRow>,
) -> Result<Vec<StoredEntry>, ApiError> {
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
pub(super) fn replay(row: EntryRow, history: Vec<StatusChange>) -> Result<StoredEntry, ApiError> {
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

/// Every register entry's stored history replayed through the register's
/// rules (`balint-accredit check`): the changes numbered 0, 1, 2, ...
/// without a gap, each read back, the whole accepted by
/// [`RegisterEntry::from_history`], and the entry's stored standing
/// (status, tier, dates) the one its history gives. Returns how many
/// entries were checked and each problem found, in words.
pub fn check_histories(conn: &mut DbConnection) -> Result<(usize, Vec<String>), ApiError> {
    let rows: Vec<EntryRow> = register_entries::table
        .order(register_entries::id.asc())
        .select(EntryRow::as_select())
        .load(conn)?;
    let mut problems = Vec::new();
    for chunk in rows.chunks(500) {
        let ids: Vec<&str> = chunk.iter().map(|r| r.id.as_str()).collect();
        let loaded: Vec<ChangeRow> = register_changes::table
            .filter(register_changes::entry_id.eq_any(ids))
            .order((
                register_changes::entry_id.asc(),
                register_changes::seq.asc(),
            ))
            .select(ChangeRow::as_select())
            .load(conn)?;
        let mut by_entry: HashMap<&str, Vec<&ChangeRow>> = HashMap::new();
        for change in &loaded {
            by_entry.entry(&change.entry_id).or_default().push(change);
        }
        for row in chunk {
            let name = format!("register entry {} ({})", row.registration, row.id);
            let changes = by_entry.remove(row.id.as_str()).unwrap_or_default();
            if let Some((at, change)) = changes
                .iter()
                .enumerate()
                .find(|(at, change)| usize::try_from(change.seq).ok() != Some(*at))
            {
                problems.push(format!(
                    "{name}: its history has change {} where change {at} belongs (a change is missing)",
                    change.seq
                ));
                continue;
            }
            let history: Result<Vec<StatusChange>, ApiError> =
                changes.iter().map(|c| change_from_row(c)).collect();
            let history = match history {
                Ok(history) => history,
                Err(e) => {
                    problems.push(format!("{name}: {}", internal_words(&e)));
                    continue;
                }
            };
            let stored = match replay(row.clone(), history) {
                Ok(stored) => stored,
                Err(e) => {
                    problems.push(format!("{name}: {}", internal_words(&e)));
                    continue;
                }
            };
            let standing = super::summary_row(
                &row.id,
                &row.society_id,
                &stored.entry,
                row.created_at,
                row.updated_at,
            );
            let differs: Vec<String> = [
                ("person", row.person_id.clone(), standing.person_id.clone()),
                (
                    "first accredited",
                    row.first_accredited.to_string(),
                    standing.first_accredited.to_string(),
                ),
                ("status", row.status.clone(), standing.status.clone()),
                ("tier", row.tier.clone(), standing.tier.clone()),
                (
                    "valid until",
                    format!("{:?}", row.valid_until),
                    format!("{:?}", standing.valid_until),
                ),
                (
                    "lapses on",
                    format!("{:?}", row.lapses_on),
                    format!("{:?}", standing.lapses_on),
                ),
                (
                    "latest change",
                    format!("{:?}", row.latest_change_on),
                    format!("{:?}", standing.latest_change_on),
                ),
            ]
            .into_iter()
            .filter(|(_, stored, replayed)| stored != replayed)
            .map(|(what, stored, replayed)| {
                format!("its {what} is stored as {stored} but its history gives {replayed}")
            })
            .collect();
            if !differs.is_empty() {
                problems.push(format!("{name}: {}", differs.join("; ")));
            }
        }
    }
    Ok((rows.len(), problems))
}

/// What an error of the stored data says, for `check`'s report.
fn internal_words(e: &ApiError) -> String {
    match e {
        ApiError::Internal(inner) => format!("{inner:#}"),
        other => other.to_string(),
    }
}
