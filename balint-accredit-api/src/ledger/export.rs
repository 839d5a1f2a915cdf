//! A person's ledger written as CSV (their portfolio): the API's export
//! and the web pages' download give the same file.

use serde_json::Value;

use super::{fields_of, FIELDS};
use crate::csv_cells::CsvWriter;
use crate::db::activities::StoredActivity;

/// The CSV columns of an export, after `id` and `status`.
const EXPORT_TAIL: [&str; 3] = ["decided_at", "decided_by", "decision_comment"];

/// The records as CSV: `id`, `status`, the fields a logbook is imported
/// with, then the decision, each cell through [`CsvWriter`] (a would-be
/// formula gets a `'` before it). Importing its field columns again reads
/// the same records.
pub fn portfolio_csv(records: &[StoredActivity]) -> anyhow::Result<String> {
    let mut writer = CsvWriter::new();
    let mut header = vec!["id", "status"];
    header.extend(FIELDS);
    header.extend(EXPORT_TAIL);
    writer.row(&header)?;
    for record in records {
        let fields = fields_of(&record.activity, record.corrects.as_deref());
        let mut row = vec![
            record.activity.id.to_string(),
            record.status.as_str().to_owned(),
        ];
        for name in FIELDS {
            row.push(match fields.get(name) {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
            });
        }
        let decision = record.decision.as_ref();
        row.push(
            decision
                .map(|d| d.at.and_utc().to_rfc3339())
                .unwrap_or_default(),
        );
        row.push(
            decision
                .and_then(|d| d.by_person_id.clone())
                .unwrap_or_default(),
        );
        row.push(decision.and_then(|d| d.comment.clone()).unwrap_or_default());
        writer.row(&row)?;
    }
    writer.finish()
}
