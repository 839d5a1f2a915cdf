//! Many records at once: a logbook's rows read from JSON or CSV, checked
//! and stored all or none, one bulk upload per person at a time.

use super::{audit_value, check, new_id, read, row_number, Draft};
use crate::csv_cells;
use crate::db::activities::{self, StoredActivity};
use crate::db::{audit, DbConnection};
use crate::edge::text;
use crate::error::{ApiError, FieldProblem};
use balint_core::PersonId;
use chrono::NaiveDate;
use serde_json::{Map, Value};
use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

/// Where a bulk file's rows come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkFormat {
    /// A JSON array of records, or `{"activities": [...]}`.
    Json,
    /// CSV with a header row naming the fields (see [`FIELDS`](super::FIELDS)).
    Csv,
}

/// Read every row of a logbook file into objects, or say why the file as
/// a whole cannot be read. Rows are numbered from 1 (for CSV, the first
/// line after the header). A field holding a NUL character is refused
/// here (422, naming every one), so that none reaches the database.
pub fn rows(text: &str, format: BulkFormat) -> Result<Vec<Map<String, Value>>, ApiError> {
    match format {
        BulkFormat::Json => {
            let value: Value = serde_json::from_str(text)
                .map_err(|e| ApiError::bad_request("body", format!("not JSON: {e}")))?;
            let items = match value {
                Value::Array(items) => items,
                Value::Object(mut map) => match map.remove("activities") {
                    Some(Value::Array(items)) => items,
                    _ => {
                        return Err(ApiError::bad_request(
                            "activities",
                            "expected a list of records under \"activities\"",
                        ))
                    }
                },
                _ => {
                    return Err(ApiError::bad_request(
                        "body",
                        "expected a list of records, or {\"activities\": [...]}",
                    ))
                }
            };
            let rows = items
                .into_iter()
                .enumerate()
                .map(|(i, item)| match item {
                    Value::Object(map) => Ok(map),
                    _ => Err(ApiError::bad_request(
                        format!("rows[{}]", i + 1),
                        "must be an object",
                    )),
                })
                .collect::<Result<Vec<_>, _>>()?;
            let nul: Vec<FieldProblem> = rows
                .iter()
                .enumerate()
                .flat_map(|(i, row)| {
                    text::nul_in_json(&Value::Object(row.clone()), &format!("rows[{}].", i + 1))
                })
                .collect();
            refuse_nul(nul)?;
            Ok(rows)
        }
        BulkFormat::Csv => {
            let mut reader = csv::ReaderBuilder::new()
                .trim(csv::Trim::All)
                .flexible(false)
                .from_reader(text.as_bytes());
            let headers = reader
                .headers()
                .map_err(|e| ApiError::bad_request("body", format!("unreadable CSV header: {e}")))?
                .clone();
            let records = reader
                .records()
                .enumerate()
                .map(|(i, record)| {
                    record.map_err(|e| {
                        ApiError::bad_request(
                            format!("rows[{}]", i + 1),
                            format!("unreadable CSV row: {e}"),
                        )
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            refuse_nul(text::nul_in_csv(
                &headers,
                records.iter().enumerate().map(|(i, r)| (i + 1, r)),
            ))?;
            let mut out = Vec::new();
            for record in records {
                let mut map = Map::new();
                for (name, cell) in headers.iter().zip(record.iter()) {
                    let cell = csv_cells::restored(cell);
                    if !cell.is_empty() {
                        map.insert(name.to_owned(), Value::String(cell.to_owned()));
                    }
                }
                out.push(map);
            }
            Ok(out)
        }
    }
}

/// 422 naming every field that holds a NUL character, if any does.
fn refuse_nul(problems: Vec<FieldProblem>) -> Result<(), ApiError> {
    if problems.is_empty() {
        return Ok(());
    }
    Err(ApiError::Unprocessable {
        detail: format!(
            "nothing was recorded: {} {} a NUL character",
            problems.len(),
            if problems.len() == 1 {
                "field holds"
            } else {
                "fields hold"
            }
        ),
        errors: problems,
    })
}

/// Read, check and prepare every row for `person_id`: all rows or none.
/// Problems name the row as `rows[N].field`, N counting from 1.
pub fn prepare_bulk(
    conn: &mut DbConnection,
    society_id: &str,
    person_id: &PersonId,
    rows: &[Map<String, Value>],
    recorded_by: Option<&str>,
    today: NaiveDate,
    now: chrono::NaiveDateTime,
) -> Result<Vec<StoredActivity>, ApiError> {
    let mut problems = Vec::new();
    let mut drafts = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let prefix = format!("rows[{}].", i + 1);
        let (draft, mut found) = read(row, &prefix, today);
        problems.append(&mut found);
        drafts.push((prefix, draft.owned_by(new_id(), person_id.clone())));
    }
    let view: Vec<(String, &Draft)> = drafts.iter().map(|(p, d)| (p.clone(), d)).collect();
    problems.extend(check(conn, society_id, person_id.as_str(), &view)?);
    problems.sort_by_key(|p| (row_number(&p.field), p.field.clone()));
    if !problems.is_empty() {
        return Err(ApiError::Unprocessable {
            detail: format!(
                "nothing was recorded: {} problem{} in the rows",
                problems.len(),
                if problems.len() == 1 { "" } else { "s" }
            ),
            errors: problems,
        });
    }
    if rows.is_empty() {
        return Err(ApiError::unprocessable(
            "rows",
            "there are no records to record",
        ));
    }
    drafts
        .into_iter()
        .map(|(prefix, draft)| {
            let (activity, corrects) = draft.into_record().ok_or_else(|| {
                ApiError::unprocessable(format!("{prefix}record"), "could not be read")
            })?;
            Ok(StoredActivity::pending(
                activity,
                society_id,
                corrects,
                recorded_by.map(str::to_owned),
                now,
            ))
        })
        .collect()
}

/// Records written per statement by [`store_all`] (and between its
/// progress reports): on PostgreSQL one `COPY` each for the records and
/// their audit entries, on SQLite a few multi-row inserts.
const STORE_CHUNK: usize = 2000;

/// Store prepared records, each with its audit entry; `stored` is told
/// how many are done. Call inside [`crate::db::write`], so they land
/// together or not at all.
pub fn store_all(
    conn: &mut DbConnection,
    actor: Option<&str>,
    records: &[StoredActivity],
    mut stored: impl FnMut(usize),
) -> Result<(), ApiError> {
    let mut done = 0;
    for chunk in records.chunks(STORE_CHUNK) {
        activities::insert_all(conn, chunk)?;
        let ids: Vec<String> = chunk.iter().map(|r| r.activity.id.to_string()).collect();
        let changes = chunk
            .iter()
            .zip(&ids)
            .map(|(record, id)| audit::Change {
                actor_user_id: actor,
                society_id: Some(&record.society_id),
                action: audit::Action::Create,
                entity: audit::Entity::Activity,
                entity_id: id,
                before: None,
                after: Some(audit_value(record)),
                at: record.updated_at,
            })
            .collect();
        audit::record_all(conn, changes)?;
        done += chunk.len();
        stored(done);
    }
    Ok(())
}

/// Claim `person_id`'s ledger for a bulk upload until the transaction
/// ends, or answer 409 when another one holds it. On PostgreSQL a
/// transaction-level advisory lock, so it holds across servers on one
/// database and is let go however the transaction ends; on SQLite the
/// write lock [`crate::db::write`] takes already lets one writer in at a
/// time (a server answers its own second upload 409 through
/// [`BulkJobs`]). Call first inside [`crate::db::write`].
pub fn claim_ledger(conn: &mut DbConnection, person_id: &str) -> Result<(), ApiError> {
    if activities::lock_ledger_for_bulk(conn, person_id)? {
        Ok(())
    } else {
        Err(bulk_running())
    }
}

fn bulk_running() -> ApiError {
    ApiError::Conflict(
        "a bulk upload to this person's ledger is running already; send the next one when it is done"
            .to_owned(),
    )
}

/// The people whose ledgers this server is writing a bulk upload to, so a
/// second upload for the same person is answered 409 at once instead of
/// waiting for a database connection or lock.
#[derive(Debug, Default)]
pub struct BulkJobs(Mutex<HashSet<String>>);

impl BulkJobs {
    /// Start a bulk upload to `person_id`'s ledger, or 409 when one is
    /// running here. It ends when the returned job is dropped: move it into
    /// the work, so it lasts as long as the database is busy with it.
    pub fn start(self: &Arc<Self>, person_id: &str) -> Result<BulkJob, ApiError> {
        let mut running = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if !running.insert(person_id.to_owned()) {
            return Err(bulk_running());
        }
        Ok(BulkJob {
            jobs: Arc::clone(self),
            person_id: person_id.to_owned(),
        })
    }
}

/// A bulk upload running on this server ([`BulkJobs::start`]).
#[derive(Debug)]
pub struct BulkJob {
    jobs: Arc<BulkJobs>,
    person_id: String,
}

impl Drop for BulkJob {
    fn drop(&mut self) {
        self.jobs
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.person_id);
    }
}
