//! A person's ledger as stored: one row per activity, mapped to and from
//! `balint_core::ledger::Activity`, with the attestation decision kept
//! beside it (who decided, when, with what comment).
//!
//! Every change of state is a single `UPDATE`/`DELETE ... WHERE status =
//! 'pending'`: the affected row count says whether this caller won, which
//! is atomic on both databases, so two decisions can never both land.
//!
//! This module maps the rows to records and back; its reads are in
//! `queries`, its writes in `writes`, and the ledger's rows as balint-core
//! evaluates them in `evaluation` (all re-exported here).

mod evaluation;
mod queries;
mod writes;
pub use evaluation::*;
pub use queries::*;
pub use writes::*;

use std::str::FromStr;

use balint_core::ledger::{Activity, Amount, Attestation, UnknownWord};
use balint_core::{ActivityId, PersonId};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::activities;
use crate::error::ApiError;

/// Where a record stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Waiting for the attestor; the person may still edit or withdraw it.
    Pending,
    /// Confirmed by the attestor (or the registrar); it counts.
    Confirmed,
    /// Rejected by the attestor (or the registrar), with a comment.
    Rejected,
}

impl Status {
    /// Every status, in order.
    pub const ALL: [Status; 3] = [Status::Pending, Status::Confirmed, Status::Rejected];

    /// As stored and served.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Confirmed => "confirmed",
            Self::Rejected => "rejected",
        }
    }
}

impl FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| {
                format!("unknown status {s:?} (expected one of: pending, confirmed, rejected)")
            })
    }
}

/// The decision on a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Confirmed or rejected.
    pub status: Status,
    /// The login that decided; none when the command line entered a
    /// leader's paper attestation (an attendance sheet's import).
    pub by_user_id: Option<String>,
    /// The person that login is in the society, if linked.
    pub by_person_id: Option<String>,
    pub at: NaiveDateTime,
    /// The attestor's comment (the reason, for a rejection).
    pub comment: Option<String>,
}

/// One stored record: the domain record and what the service keeps about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredActivity {
    /// The record, its `attestation` matching `status` and `decision`.
    pub activity: Activity,
    pub society_id: String,
    pub status: Status,
    pub decision: Option<Decision>,
    /// The decided record this one corrects.
    pub corrects: Option<String>,
    /// The login that recorded it (none for command-line imports).
    pub recorded_by_user_id: Option<String>,
    pub recorded_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl StoredActivity {
    /// A new pending record.
    pub fn pending(
        activity: Activity,
        society_id: &str,
        corrects: Option<String>,
        recorded_by_user_id: Option<String>,
        now: NaiveDateTime,
    ) -> Self {
        Self {
            activity: Activity {
                attestation: Attestation::Pending,
                ..activity
            },
            society_id: society_id.to_owned(),
            status: Status::Pending,
            decision: None,
            corrects,
            recorded_by_user_id,
            recorded_at: now,
            updated_at: now,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = activities, treat_none_as_default_value = false)]
struct ActivityRow {
    id: String,
    society_id: String,
    person_id: String,
    kind: String,
    occurred_on: NaiveDate,
    amount_thousandths: i64,
    unit: String,
    duration_minutes: Option<i32>,
    days: Option<i32>,
    cases: Option<i32>,
    delivery: String,
    attestor_id: Option<String>,
    co_leader_id: Option<String>,
    supervisor_id: Option<String>,
    group_name: Option<String>,
    ongoing_group: bool,
    setting: Option<String>,
    event_type: Option<String>,
    provider: Option<String>,
    provider_approved: bool,
    supervision_format: Option<String>,
    report_type: Option<String>,
    prerequisite_type: Option<String>,
    notes: Option<String>,
    corrects_id: Option<String>,
    status: String,
    decided_by_user_id: Option<String>,
    decided_by_person_id: Option<String>,
    decided_at: Option<NaiveDateTime>,
    decision_comment: Option<String>,
    recorded_by_user_id: Option<String>,
    recorded_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// The fields a pending record's owner may change.
#[derive(Debug, AsChangeset)]
#[diesel(table_name = activities, treat_none_as_null = true)]
struct EditableFields {
    kind: String,
    occurred_on: NaiveDate,
    amount_thousandths: i64,
    unit: String,
    duration_minutes: Option<i32>,
    days: Option<i32>,
    cases: Option<i32>,
    delivery: String,
    attestor_id: Option<String>,
    co_leader_id: Option<String>,
    supervisor_id: Option<String>,
    group_name: Option<String>,
    ongoing_group: bool,
    setting: Option<String>,
    event_type: Option<String>,
    provider: Option<String>,
    provider_approved: bool,
    supervision_format: Option<String>,
    report_type: Option<String>,
    prerequisite_type: Option<String>,
    notes: Option<String>,
    corrects_id: Option<String>,
    updated_at: NaiveDateTime,
}

fn to_i32(n: Option<u32>) -> Option<i32> {
    // Inputs are bounded well below i32::MAX when read.
    n.map(|n| i32::try_from(n).unwrap_or(i32::MAX))
}

fn word_of<T: std::fmt::Display>(w: Option<T>) -> Option<String> {
    w.map(|w| w.to_string())
}

impl ActivityRow {
    fn from_stored(s: &StoredActivity) -> Self {
        let a = &s.activity;
        let decision = s.decision.as_ref();
        Self {
            id: a.id.to_string(),
            society_id: s.society_id.clone(),
            person_id: a.person.to_string(),
            kind: a.kind.to_string(),
            occurred_on: a.date,
            amount_thousandths: i64::try_from(a.amount.thousandths()).unwrap_or(i64::MAX),
            unit: a.unit.to_string(),
            duration_minutes: to_i32(a.duration_minutes),
            days: to_i32(a.days),
            cases: to_i32(a.cases),
            delivery: a.delivery.to_string(),
            attestor_id: word_of(a.attestor.as_ref()),
            co_leader_id: word_of(a.co_leader.as_ref()),
            supervisor_id: word_of(a.supervisor.as_ref()),
            group_name: a.group.clone(),
            ongoing_group: a.ongoing_group,
            setting: a.setting.clone(),
            event_type: word_of(a.event_type),
            provider: a.provider.clone(),
            provider_approved: a.provider_approved,
            supervision_format: word_of(a.supervision_format),
            report_type: word_of(a.report_type),
            prerequisite_type: word_of(a.prerequisite_type),
            notes: a.notes.clone(),
            corrects_id: s.corrects.clone(),
            status: s.status.as_str().to_owned(),
            decided_by_user_id: decision.and_then(|d| d.by_user_id.clone()),
            decided_by_person_id: decision.and_then(|d| d.by_person_id.clone()),
            decided_at: decision.map(|d| d.at),
            decision_comment: decision.and_then(|d| d.comment.clone()),
            recorded_by_user_id: s.recorded_by_user_id.clone(),
            recorded_at: s.recorded_at,
            updated_at: s.updated_at,
        }
    }

    fn into_stored(self) -> Result<StoredActivity, ApiError> {
        let id = self.id.clone();
        // Only validated records are stored: a failure here is a damaged row.
        let broken = move |what: &str, e: &dyn std::fmt::Display| {
            ApiError::Internal(anyhow::anyhow!("activity {id}: {what}: {e}"))
        };
        fn word<T: FromStr<Err = UnknownWord>>(
            v: Option<String>,
        ) -> Result<Option<T>, UnknownWord> {
            v.map(|v| v.parse()).transpose()
        }
        fn person(v: Option<String>) -> Result<Option<PersonId>, balint_core::ids::IdError> {
            v.map(PersonId::try_from).transpose()
        }
        let status: Status = self
            .status
            .parse()
            .map_err(|e: String| broken("status", &e))?;
        let decision = match (self.decided_by_user_id, self.decided_at) {
            (by_user_id, Some(at)) => Some(Decision {
                status,
                by_user_id,
                by_person_id: self.decided_by_person_id,
                at,
                comment: self.decision_comment,
            }),
            _ => None,
        };
        let attestation = match (&status, &decision) {
            (Status::Pending, _) | (_, None) => Attestation::Pending,
            (Status::Confirmed, Some(d)) => Attestation::Confirmed {
                by: decider(d),
                on: d.at.date(),
            },
            (Status::Rejected, Some(d)) => Attestation::Rejected {
                by: decider(d),
                on: d.at.date(),
                reason: d.comment.clone().unwrap_or_default(),
            },
        };
        let activity = Activity {
            id: ActivityId::try_from(self.id.clone()).map_err(|e| broken("id", &e))?,
            person: PersonId::try_from(self.person_id).map_err(|e| broken("person", &e))?,
            kind: self.kind.parse().map_err(|e| broken("kind", &e))?,
            date: self.occurred_on,
            amount: Amount::from_thousandths(u64::try_from(self.amount_thousandths).unwrap_or(0)),
            unit: self.unit.parse().map_err(|e| broken("unit", &e))?,
            duration_minutes: self.duration_minutes.and_then(|n| u32::try_from(n).ok()),
            days: self.days.and_then(|n| u32::try_from(n).ok()),
            cases: self.cases.and_then(|n| u32::try_from(n).ok()),
            delivery: self.delivery.parse().map_err(|e| broken("delivery", &e))?,
            attestor: person(self.attestor_id).map_err(|e| broken("attestor", &e))?,
            co_leader: person(self.co_leader_id).map_err(|e| broken("co_leader", &e))?,
            supervisor: person(self.supervisor_id).map_err(|e| broken("supervisor", &e))?,
            group: self.group_name,
            ongoing_group: self.ongoing_group,
            setting: self.setting,
            event_type: word(self.event_type).map_err(|e| broken("event_type", &e))?,
            provider: self.provider,
            provider_approved: self.provider_approved,
            supervision_format: word(self.supervision_format)
                .map_err(|e| broken("supervision_format", &e))?,
            report_type: word(self.report_type).map_err(|e| broken("report_type", &e))?,
            prerequisite_type: word(self.prerequisite_type)
                .map_err(|e| broken("prerequisite_type", &e))?,
            notes: self.notes,
            attestation,
        };
        Ok(StoredActivity {
            activity,
            society_id: self.society_id,
            status,
            decision,
            corrects: self.corrects_id,
            recorded_by_user_id: self.recorded_by_user_id,
            recorded_at: self.recorded_at,
            updated_at: self.updated_at,
        })
    }
}

/// Who a decision is by, as the domain names people: the deciding person,
/// or `registrar` for a registrar's login that is no person of the society.
fn decider(d: &Decision) -> PersonId {
    d.by_person_id
        .as_deref()
        .and_then(|p| PersonId::try_from(p).ok())
        .unwrap_or_else(registrar_id)
}

fn registrar_id() -> PersonId {
    // A fixed, valid identifier.
    PersonId::try_from("registrar").unwrap_or_else(|_| unreachable!())
}

fn load(rows: Vec<ActivityRow>) -> Result<Vec<StoredActivity>, ApiError> {
    rows.into_iter().map(ActivityRow::into_stored).collect()
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::evaluation::iso_day;

    #[test]
    fn iso_days_are_read_exactly() {
        assert_eq!(iso_day("2025-02-28"), NaiveDate::from_ymd_opt(2025, 2, 28));
        assert_eq!(iso_day("2024-02-29"), NaiveDate::from_ymd_opt(2024, 2, 29));
        for not_a_day in [
            "2025-02-29",
            "2025-13-01",
            "2025-1-01",
            "2025/01/01",
            "20250101xx",
            "",
        ] {
            assert_eq!(iso_day(not_a_day), None, "{not_a_day}");
        }
    }
}
