//! How long what is not a record is kept: sessions that ended (expired or
//! signed out) and the login throttle's counters. The operator's job
//! (`balint-accredit retention`) deletes what is older than the policy
//! allows; it is housekeeping of no record of the society, so it writes no
//! audit entry, and is safe to run at any time and twice.

use chrono::{Duration, NaiveDateTime};

use crate::actions::Operator;
use crate::db::{self, sessions, DbConnection};
use crate::error::ApiError;

/// How long each kind is kept, in days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Days a session is kept after it expired or was ended.
    pub sessions_days: u32,
    /// Days a login throttle counter is kept after its last attempt.
    pub throttle_days: u32,
}

/// What one run deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Retained {
    pub sessions_deleted: usize,
    pub throttle_counters_deleted: usize,
}

impl Policy {
    /// The moments before which sessions, and throttle counters, go.
    pub fn cutoffs(&self, now: NaiveDateTime) -> (NaiveDateTime, NaiveDateTime) {
        (
            now - Duration::days(i64::from(self.sessions_days)),
            now - Duration::days(i64::from(self.throttle_days)),
        )
    }
}

/// Apply `policy` as of `now`, as the operator, on the command's
/// connection.
pub fn apply_for_operator(
    _operator: Operator,
    conn: &mut DbConnection,
    policy: Policy,
    now: NaiveDateTime,
) -> Result<Retained, ApiError> {
    let (sessions_before, throttle_before) = policy.cutoffs(now);
    let sessions_deleted = db::write(conn, |conn| {
        Ok(sessions::delete_ended_before(conn, sessions_before)?)
    })?;
    // Outside a transaction: it skips counters a login holds.
    let throttle_counters_deleted = sessions::forget_counters_before(conn, throttle_before)?;
    Ok(Retained {
        sessions_deleted,
        throttle_counters_deleted,
    })
}
