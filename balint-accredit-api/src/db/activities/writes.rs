//! The ledger's writes: new records, one at a time or in bulk, the lock
//! a bulk upload holds, and the changes of state of a pending record.

use diesel::prelude::*;
use diesel::sql_types::Text;

use super::{ActivityRow, Decision, EditableFields, Status, StoredActivity};
use crate::db::schema::activities;
use crate::db::DbConnection;
use crate::error::ApiError;

/// Store a new record.
pub fn insert(conn: &mut DbConnection, record: &StoredActivity) -> Result<(), ApiError> {
    diesel::insert_into(activities::table)
        .values(ActivityRow::from_stored(record))
        .execute(conn)?;
    Ok(())
}

/// Rows per multi-row insert of records on SQLite: 33 columns each, within
/// its 32,766 bound parameters.
const INSERT_BATCH: usize = 500;

/// Store new records at once: one `COPY` on PostgreSQL, multi-row inserts
/// on SQLite.
pub fn insert_all(conn: &mut DbConnection, records: &[StoredActivity]) -> Result<(), ApiError> {
    let rows: Vec<ActivityRow> = records.iter().map(ActivityRow::from_stored).collect();
    crate::db::insert_in_batches!(conn, activities::table, &rows, INSERT_BATCH)?;
    Ok(())
}

/// Namespace of the advisory locks taken on people's ledgers ("bulk").
const BULK_LOCK_NAMESPACE: i32 = 0x6275_6c6b;

#[derive(QueryableByName)]
struct Locked {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    locked: bool,
}

/// Lock `person_id`'s ledger for a bulk upload until the transaction ends;
/// false when another transaction holds it. On PostgreSQL an advisory
/// lock, taken without waiting; on SQLite always true (its write lock lets
/// one writer in at a time).
pub fn lock_ledger_for_bulk(conn: &mut DbConnection, person_id: &str) -> Result<bool, ApiError> {
    match conn {
        DbConnection::Postgres(c) => Ok(diesel::sql_query(
            "SELECT pg_try_advisory_xact_lock($1, hashtext($2)) AS locked",
        )
        .bind::<diesel::sql_types::Integer, _>(BULK_LOCK_NAMESPACE)
        .bind::<Text, _>(person_id)
        .get_result::<Locked>(c)?
        .locked),
        DbConnection::Sqlite(_) => Ok(true),
    }
}

/// Replace the editable fields of `record`, only if it is still pending.
/// `false`: it was decided (or withdrawn) meanwhile.
pub fn update_pending(conn: &mut DbConnection, record: &StoredActivity) -> Result<bool, ApiError> {
    let row = ActivityRow::from_stored(record);
    let fields = EditableFields {
        kind: row.kind,
        occurred_on: row.occurred_on,
        amount_thousandths: row.amount_thousandths,
        unit: row.unit,
        duration_minutes: row.duration_minutes,
        days: row.days,
        cases: row.cases,
        delivery: row.delivery,
        attestor_id: row.attestor_id,
        co_leader_id: row.co_leader_id,
        supervisor_id: row.supervisor_id,
        group_name: row.group_name,
        ongoing_group: row.ongoing_group,
        setting: row.setting,
        event_type: row.event_type,
        provider: row.provider,
        provider_approved: row.provider_approved,
        supervision_format: row.supervision_format,
        report_type: row.report_type,
        prerequisite_type: row.prerequisite_type,
        notes: row.notes,
        corrects_id: row.corrects_id,
        updated_at: row.updated_at,
    };
    let changed = diesel::update(
        activities::table
            .filter(activities::id.eq(&row.id))
            .filter(activities::status.eq(Status::Pending.as_str())),
    )
    .set(fields)
    .execute(conn)?;
    Ok(changed == 1)
}

/// Delete the record `id`, only if it is still pending. `false`: it was
/// decided meanwhile (or is gone).
pub fn withdraw_pending(conn: &mut DbConnection, id: &str) -> Result<bool, ApiError> {
    let deleted = diesel::delete(
        activities::table
            .filter(activities::id.eq(id))
            .filter(activities::status.eq(Status::Pending.as_str())),
    )
    .execute(conn)?;
    Ok(deleted == 1)
}

/// Record `decision` on `id`, only if it is still pending. `false`: someone
/// decided first (or it was withdrawn).
pub fn decide(conn: &mut DbConnection, id: &str, decision: &Decision) -> Result<bool, ApiError> {
    let changed = diesel::update(
        activities::table
            .filter(activities::id.eq(id))
            .filter(activities::status.eq(Status::Pending.as_str())),
    )
    .set((
        activities::status.eq(decision.status.as_str()),
        activities::decided_by_user_id.eq(&decision.by_user_id),
        activities::decided_by_person_id.eq(&decision.by_person_id),
        activities::decided_at.eq(decision.at),
        activities::decision_comment.eq(&decision.comment),
        activities::updated_at.eq(decision.at),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}
