//! Certificates of attendance, as issued: what they certified, under their
//! verification code.

use balint_core::ledger::Amount;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::attendance_certificates;
use crate::db::DbConnection;
use crate::error::ApiError;

/// A certificate as stored. Amounts are thousandths (of sessions, of
/// minutes), as in the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = attendance_certificates)]
pub struct Certificate {
    pub id: String,
    /// The verification code anyone may check.
    pub code: String,
    pub society_id: String,
    pub person_id: String,
    /// The person's name (with their title) on the day it was issued.
    pub person_name: String,
    /// The society's name on the day it was issued.
    pub society_name: String,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub sessions_in_person: i64,
    pub sessions_online: i64,
    pub minutes_in_person: i64,
    pub minutes_online: i64,
    /// The leaders who attested the sessions, by name: a JSON list.
    pub leaders: String,
    /// The CPD scheme it was judged against, if one was chosen.
    pub scheme_id: Option<String>,
    pub scheme_title: Option<String>,
    /// Whether the attendance met the scheme.
    pub scheme_met: Option<bool>,
    pub issued_by_user_id: Option<String>,
    pub issued_at: NaiveDateTime,
}

/// Amounts in person and online.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InPersonOnline {
    pub in_person: Amount,
    pub online: Amount,
}

impl InPersonOnline {
    fn of(in_person: i64, online: i64, per: u64) -> Self {
        let amount = |n: i64| Amount::from_thousandths(u64::try_from(n).unwrap_or(0)).scale(1, per);
        Self {
            in_person: amount(in_person),
            online: amount(online),
        }
    }

    /// Both together.
    pub fn total(self) -> Amount {
        self.in_person.saturating_add(self.online)
    }
}

impl Certificate {
    /// The sessions certified.
    pub fn sessions(&self) -> InPersonOnline {
        InPersonOnline::of(self.sessions_in_person, self.sessions_online, 1)
    }

    /// The hours (of 60 minutes) certified, rounded down to the thousandth.
    pub fn hours(&self) -> InPersonOnline {
        InPersonOnline::of(self.minutes_in_person, self.minutes_online, 60)
    }

    /// The leaders' names.
    pub fn leader_names(&self) -> Vec<String> {
        serde_json::from_str(&self.leaders).unwrap_or_default()
    }
}

/// Store a new certificate.
pub fn insert(conn: &mut DbConnection, certificate: &Certificate) -> Result<(), ApiError> {
    diesel::insert_into(attendance_certificates::table)
        .values(certificate)
        .execute(conn)?;
    Ok(())
}

/// The certificate with verification code `code`, if any.
pub fn by_code(conn: &mut DbConnection, code: &str) -> Result<Option<Certificate>, ApiError> {
    Ok(attendance_certificates::table
        .filter(attendance_certificates::code.eq(code))
        .select(Certificate::as_select())
        .first(conn)
        .optional()?)
}

/// The certificates issued to person `person_id` of `society_id`, newest
/// first.
pub fn for_person(
    conn: &mut DbConnection,
    society_id: &str,
    person_id: &str,
) -> Result<Vec<Certificate>, ApiError> {
    Ok(attendance_certificates::table
        .filter(attendance_certificates::society_id.eq(society_id))
        .filter(attendance_certificates::person_id.eq(person_id))
        .order((
            attendance_certificates::issued_at.desc(),
            attendance_certificates::id.desc(),
        ))
        .select(Certificate::as_select())
        .load(conn)?)
}
