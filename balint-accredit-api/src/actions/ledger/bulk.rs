//! A whole logbook recorded at once: all rows or none.

use balint_core::PersonId;
use serde_json::{Map, Value};

use crate::auth::{permissions, Caller};
use crate::db::{self, societies::Society};
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
        db::write(conn, |conn| {
            ledger::claim_ledger(conn, owner.as_str())?;
            let records = ledger::prepare_bulk(
                conn,
                &society.id,
                &owner,
                &rows,
                Some(&actor),
                today,
                db::now(),
            )?;
            ledger::store_all(conn, Some(&actor), &records, |_| {})?;
            Ok(records
                .iter()
                .map(|r| r.activity.id.to_string())
                .collect::<Vec<_>>())
        })
    })
    .await
}
