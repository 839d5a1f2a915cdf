//! The ledger as evaluation reads it: every record of a person in one
//! query, each column read straight into balint-core's types.

use super::{registrar_id, Status};
use crate::db::schema::activities;
use crate::db::{DbConnection, MultiBackend, MultiRawValue};
use crate::error::ApiError;
use balint_core::ledger::{
    Activity, ActivityKind, Amount, Attestation, Delivery, EventType, PrerequisiteType, ReportType,
    SupervisionFormat, Unit,
};
use balint_core::{ActivityId, PersonId};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::deserialize::{FromSql, FromSqlRow};
use diesel::prelude::*;
use diesel::sql_types::Text;
use std::collections::{HashMap, HashSet};
use std::str::FromStr;

/// A text column parsed straight from the database's buffer into `T`
/// (a word or an id), without an intermediate `String`.
#[derive(Debug, FromSqlRow)]
struct Parsed<T>(T);

impl<T> FromSql<Text, MultiBackend> for Parsed<T>
where
    T: FromStr,
    T::Err: std::fmt::Display,
{
    fn from_sql(raw: MultiRawValue<'_>) -> diesel::deserialize::Result<Self> {
        let parsed = match raw {
            MultiRawValue::Sqlite(mut value) => value.read_text().parse::<T>(),
            MultiRawValue::Postgres(value) => std::str::from_utf8(value.as_bytes())?.parse::<T>(),
        };
        parsed.map(Parsed).map_err(|e| e.to_string().into())
    }
}

/// A date column. SQLite keeps dates as `YYYY-MM-DD` text, which is read
/// by hand here: chrono's general parser costs more than the rest of a
/// row.
#[derive(Debug, FromSqlRow)]
struct Day(NaiveDate);

impl FromSql<diesel::sql_types::Date, MultiBackend> for Day {
    fn from_sql(raw: MultiRawValue<'_>) -> diesel::deserialize::Result<Self> {
        match raw {
            MultiRawValue::Sqlite(mut value) => {
                let text = value.read_text();
                match iso_day(text) {
                    Some(day) => Ok(Day(day)),
                    None => NaiveDate::parse_from_str(text, "%Y-%m-%d")
                        .map(Day)
                        .map_err(|e| format!("date {text:?}: {e}").into()),
                }
            }
            raw @ MultiRawValue::Postgres(_) => raw
                .from_sql::<NaiveDate, diesel::sql_types::Date>()
                .map(Day),
        }
    }
}

/// The day of a timestamp column. SQLite keeps timestamps as text
/// starting `YYYY-MM-DD`; its day is read without parsing the time.
#[derive(Debug, FromSqlRow)]
struct DayOf(NaiveDate);

impl FromSql<diesel::sql_types::Timestamp, MultiBackend> for DayOf {
    fn from_sql(raw: MultiRawValue<'_>) -> diesel::deserialize::Result<Self> {
        match raw {
            MultiRawValue::Sqlite(mut value) => {
                if let Some(day) = value.read_text().get(..10).and_then(iso_day) {
                    return Ok(DayOf(day));
                }
                // Any other form SQLite may hold (a Julian day number, ...).
                <NaiveDateTime as FromSql<diesel::sql_types::Timestamp, diesel::sqlite::Sqlite>>::from_sql(
                    value,
                )
                    .map(|at| DayOf(at.date()))
            }
            raw @ MultiRawValue::Postgres(_) => raw
                .from_sql::<NaiveDateTime, diesel::sql_types::Timestamp>()
                .map(|at| DayOf(at.date())),
        }
    }
}

/// `YYYY-MM-DD`, exactly.
pub(super) fn iso_day(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let number = |digits: &[u8]| {
        digits.iter().try_fold(0u32, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let year = i32::try_from(number(&b[0..4])?).ok()?;
    NaiveDate::from_ymd_opt(year, number(&b[5..7])?, number(&b[8..10])?)
}

/// What evaluation reads of a record: no notes, no bookkeeping, the
/// decision's day rather than its timestamp, and words parsed as read,
/// since reading thousands of rows is most of a progress request's work.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = activities, check_for_backend(MultiBackend))]
struct LedgerRow {
    id: Parsed<ActivityId>,
    kind: Parsed<ActivityKind>,
    occurred_on: Day,
    amount_thousandths: i64,
    unit: Parsed<Unit>,
    duration_minutes: Option<i32>,
    days: Option<i32>,
    cases: Option<i32>,
    delivery: Parsed<Delivery>,
    attestor_id: Option<Parsed<PersonId>>,
    co_leader_id: Option<Parsed<PersonId>>,
    supervisor_id: Option<Parsed<PersonId>>,
    group_name: Option<String>,
    ongoing_group: bool,
    setting: Option<String>,
    event_type: Option<Parsed<EventType>>,
    provider: Option<String>,
    provider_approved: bool,
    supervision_format: Option<Parsed<SupervisionFormat>>,
    report_type: Option<Parsed<ReportType>>,
    prerequisite_type: Option<Parsed<PrerequisiteType>>,
    corrects_id: Option<String>,
    status: Parsed<Status>,
    decided_by_person_id: Option<Parsed<PersonId>>,
    #[diesel(column_name = decided_at)]
    decided_on: Option<DayOf>,
    decision_comment: Option<String>,
}

fn value<T>(p: Option<Parsed<T>>) -> Option<T> {
    p.map(|Parsed(v)| v)
}

impl LedgerRow {
    fn into_activity(self, person: &PersonId) -> Activity {
        let status = self.status.0;
        let decided = match (status, self.decided_on) {
            (Status::Pending, _) | (_, None) => None,
            (_, Some(DayOf(on))) => Some((
                value(self.decided_by_person_id).unwrap_or_else(registrar_id),
                on,
            )),
        };
        let attestation = match (status, decided) {
            (Status::Pending, _) | (_, None) => Attestation::Pending,
            (Status::Confirmed, Some((by, on))) => Attestation::Confirmed { by, on },
            (Status::Rejected, Some((by, on))) => Attestation::Rejected {
                by,
                on,
                reason: self.decision_comment.unwrap_or_default(),
            },
        };
        Activity {
            id: self.id.0,
            person: person.clone(),
            kind: self.kind.0,
            date: self.occurred_on.0,
            amount: Amount::from_thousandths(u64::try_from(self.amount_thousandths).unwrap_or(0)),
            unit: self.unit.0,
            duration_minutes: self.duration_minutes.and_then(|n| u32::try_from(n).ok()),
            days: self.days.and_then(|n| u32::try_from(n).ok()),
            cases: self.cases.and_then(|n| u32::try_from(n).ok()),
            delivery: self.delivery.0,
            attestor: value(self.attestor_id),
            co_leader: value(self.co_leader_id),
            supervisor: value(self.supervisor_id),
            group: self.group_name,
            ongoing_group: self.ongoing_group,
            setting: self.setting,
            event_type: value(self.event_type),
            provider: self.provider,
            provider_approved: self.provider_approved,
            supervision_format: value(self.supervision_format),
            report_type: value(self.report_type),
            prerequisite_type: value(self.prerequisite_type),
            // Evaluation never reads notes, and reports keep long ones.
            notes: None,
            attestation,
        }
    }
}

/// The version of `person_id`'s ledger: moved on by the database whenever
/// one of their records is written (see the migration
/// `2027-01-03-000200_ledger_versions`); 0 before their first record.
pub fn ledger_version(conn: &mut DbConnection, person_id: &str) -> Result<i64, ApiError> {
    use crate::db::schema::ledger_versions;
    Ok(ledger_versions::table
        .find(person_id)
        .select(ledger_versions::version)
        .first(conn)
        .optional()?
        .unwrap_or(0))
}

/// The ledger evaluation reads, in one query: every record of `person_id`
/// except those a confirmed correction replaces. Records come without
/// their notes (evaluation does not read them); the attestation's day is
/// the day of the decision.
pub fn ledger(conn: &mut DbConnection, person_id: &str) -> Result<Vec<Activity>, ApiError> {
    let person = PersonId::try_from(person_id)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("person id {person_id}: {e}")))?;
    let rows: Vec<LedgerRow> = activities::table
        .filter(activities::person_id.eq(person_id))
        .select(LedgerRow::as_select())
        .load(conn)?;
    let replaced: HashSet<String> = rows
        .iter()
        .filter(|r| r.status.0 == Status::Confirmed)
        .filter_map(|r| r.corrects_id.clone())
        .collect();
    Ok(rows
        .into_iter()
        .filter(|r| !replaced.contains(r.id.0.as_str()))
        .map(|r| r.into_activity(&person))
        .collect())
}

/// Most people one query of [`ledgers`] asks for: well under SQLite's
/// limit on a statement's parameters.
const PEOPLE_PER_QUERY: usize = 500;

/// The ledgers of `person_ids` as [`ledger`] reads each, in one query per
/// 500 people rather than one per person (a programme's attendance view of
/// hundreds of trainees): by person, a person with no records having an
/// empty ledger.
pub fn ledgers(
    conn: &mut DbConnection,
    person_ids: &[String],
) -> Result<HashMap<String, Vec<Activity>>, ApiError> {
    let mut rows_of: HashMap<String, Vec<LedgerRow>> = person_ids
        .iter()
        .map(|id| (id.clone(), Vec::new()))
        .collect();
    for chunk in person_ids.chunks(PEOPLE_PER_QUERY) {
        let rows: Vec<(String, LedgerRow)> = activities::table
            .filter(activities::person_id.eq_any(chunk))
            .select((activities::person_id, LedgerRow::as_select()))
            .load(conn)?;
        for (person, row) in rows {
            rows_of.entry(person).or_default().push(row);
        }
    }
    rows_of
        .into_iter()
        .map(|(id, rows)| {
            let person = PersonId::try_from(id.as_str())
                .map_err(|e| ApiError::Internal(anyhow::anyhow!("person id {id}: {e}")))?;
            let replaced: HashSet<String> = rows
                .iter()
                .filter(|r| r.status.0 == Status::Confirmed)
                .filter_map(|r| r.corrects_id.clone())
                .collect();
            let ledger = rows
                .into_iter()
                .filter(|r| !replaced.contains(r.id.0.as_str()))
                .map(|r| r.into_activity(&person))
                .collect();
            Ok((id, ledger))
        })
        .collect()
}
