//! Writing a whole register at once (an import): new entries in batches,
//! the registration counter moved past the numbers taken, and the entries
//! an import finds already there.

use std::collections::HashMap;

use balint_core::ids::RegistrationNumber;
use balint_core::register::RegisterEntry;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::entries::{number_in, prefix, reserve};
use super::history::{change_row, rebuild};
use super::{audit_values, summary_row, EntryRow, StoredEntry};
use crate::db::audit;
use crate::db::schema::{register_changes, register_entries};
use crate::db::societies::Society;
use crate::db::{insert_in_batches, DbConnection};
use crate::error::ApiError;

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
