//! A whole logbook recorded at once: all rows or none; by the person or
//! the registrar through the API, or by the operator from the command
//! line.

use balint_core::PersonId;
use serde_json::{Map, Value};

use crate::actions::Operator;
use crate::auth::{permissions, Caller};
use crate::db::{self, people::Person, societies::Society, DbConnection};
use crate::error::ApiError;
use crate::ledger::{self, BulkJob};
use crate::state::AppState;

use super::{owner, person_id_of};

/// A bulk upload under way for one person's ledger: while it is held, no
/// other bulk upload to that ledger starts on this server.
#[derive(Debug)]
pub struct BulkUpload {
    /// The society whose ledger it is in.
    pub society: Society,
    owner: PersonId,
    actor: String,
    job: BulkJob,
}

/// Start a bulk upload to the ledger of person `person_id` of society
/// `slug`: the person themself, or the registrar; a conflict while another
/// upload to the same ledger runs. The adapter then reads the file and
/// gives its rows to [`record_all`].
pub async fn begin_bulk(
    state: &AppState,
    caller: &Caller,
    slug: String,
    person_id: String,
) -> Result<BulkUpload, ApiError> {
    let (society, person) = owner(state, caller, slug, person_id).await?;
    let actor = permissions::require_user(caller)?.user_id.clone();
    let job = state.bulk_jobs.start(&person.id)?;
    Ok(BulkUpload {
        society,
        owner: person_id_of(&person)?,
        actor,
        job,
    })
}

/// Record every row of `upload` (each a record's fields, as
/// [`ledger::read`] reads them), pending attestation, or none: every
/// problem is named by row and field. More rows than the server takes at
/// once (`bulk_max_rows`) are refused before anything is read. Returns the
/// new records' ids in row order; the audit log keeps each record.
pub async fn record_all(
    state: &AppState,
    upload: BulkUpload,
    rows: Vec<Map<String, Value>>,
    today: chrono::NaiveDate,
) -> Result<Vec<String>, ApiError> {
    let limit = state.settings.bulk_max_rows;
    if rows.len() > limit {
        return Err(ApiError::TooManyRows {
            rows: rows.len(),
            limit,
        });
    }
    let BulkUpload {
        society,
        owner,
        actor,
        job,
    } = upload;
    db::run(&state.pool, move |conn| {
        // Running until the database is done with it, even if the request
        // was answered before.
        let _job = job;
        record_rows(
            conn,
            &society,
            &owner,
            &rows,
            Some(&actor),
            today,
            &mut |_| {},
        )
    })
    .await
}

/// How a bulk record goes, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkProgress {
    /// Every row was checked; they are being stored.
    Recording,
    /// This many records are stored so far.
    Stored(usize),
}

/// The person `person_id` of `society`, whose ledger the operator records
/// on, if there is one.
pub fn person_for_operator(
    conn: &mut DbConnection,
    _operator: Operator,
    society: &Society,
    person_id: &str,
) -> Result<Option<Person>, ApiError> {
    db::people::find(conn, &society.id, person_id)
}

/// Record every row on `person`'s ledger (the operator, from the command
/// line, audited as the command line), pending attestation, or none, as
/// [`record_all`] does, but with no limit on the rows; `progress` hears how
/// it goes. Returns the new records' ids in row order.
pub fn record_all_for_operator(
    conn: &mut DbConnection,
    operator: Operator,
    society: &Society,
    person: &Person,
    rows: &[Map<String, Value>],
    today: chrono::NaiveDate,
    progress: &mut dyn FnMut(BulkProgress),
) -> Result<Vec<String>, ApiError> {
    let owner = person_id_of(person)?;
    record_rows(
        conn,
        society,
        &owner,
        rows,
        operator.actor(),
        today,
        progress,
    )
}

/// The rows checked and stored in one transaction, the ledger claimed
/// against any other bulk upload to it.
fn record_rows(
    conn: &mut DbConnection,
    society: &Society,
    owner: &PersonId,
    rows: &[Map<String, Value>],
    actor: Option<&str>,
    today: chrono::NaiveDate,
    progress: &mut dyn FnMut(BulkProgress),
) -> Result<Vec<String>, ApiError> {
    db::write(conn, |conn| {
        ledger::claim_ledger(conn, owner.as_str())?;
        let records =
            ledger::prepare_bulk(conn, &society.id, owner, rows, actor, today, db::now())?;
        progress(BulkProgress::Recording);
        ledger::store_all(conn, actor, &records, |n| progress(BulkProgress::Stored(n)))?;
        waiting_for_attestors(conn, society, owner, &records)?;
        Ok(records
            .iter()
            .map(|r| r.activity.id.to_string())
            .collect::<Vec<_>>())
    })
}

/// One outbox event per attestor named by the new `records`: their
/// records waiting for them.
fn waiting_for_attestors(
    conn: &mut DbConnection,
    society: &Society,
    owner: &PersonId,
    records: &[db::activities::StoredActivity],
) -> Result<(), ApiError> {
    let mut by_attestor: std::collections::BTreeMap<&str, Vec<String>> = Default::default();
    for record in records {
        if let Some(attestor) = &record.activity.attestor {
            by_attestor
                .entry(attestor.as_str())
                .or_default()
                .push(record.activity.id.to_string());
        }
    }
    for (attestor_id, activity_ids) in &by_attestor {
        db::outbox::record(
            conn,
            db::outbox::Event::AttestationRequested {
                society_id: &society.id,
                person_id: owner.as_str(),
                attestor_id,
                activity_ids,
            },
        )?;
    }
    Ok(())
}
