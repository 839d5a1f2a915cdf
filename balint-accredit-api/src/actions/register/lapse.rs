//! The lapse job, run by the registrar or the operator: every entry whose
//! cycle ended and whose grace period passed lapses.

use chrono::NaiveDate;

use crate::actions::Operator;
use crate::auth::Caller;
use crate::db::{self, register::Lapsed, DbConnection};
use crate::error::ApiError;
use crate::state::AppState;

/// What a run of the lapse job did.
#[derive(Debug, Clone)]
pub struct LapseRun {
    /// The day it ran for.
    pub as_of: NaiveDate,
    /// The entries it lapsed (none when run again the same day).
    pub lapsed: Vec<Lapsed>,
}

/// Lapse every entry of the society whose cycle ended and whose grace
/// period passed by `as_of` (default today) (registrar). Safe to run daily
/// and twice: a second run changes nothing.
pub async fn lapse(
    state: &AppState,
    caller: &Caller,
    slug: String,
    as_of: Option<NaiveDate>,
) -> Result<LapseRun, ApiError> {
    let (society, _) = crate::actions::as_registrar(state, caller, slug).await?;
    let now = db::now();
    let as_of = as_of.unwrap_or(now.date());
    db::run(&state.pool, move |conn| {
        run(conn, Some(&society.id), as_of, now)
    })
    .await
}

/// Lapse every entry due by `as_of` in society `slug`, or in every society
/// when `None` (the operator, from the command line's daily job).
pub fn lapse_for_operator(
    conn: &mut DbConnection,
    operator: Operator,
    slug: Option<&str>,
    as_of: NaiveDate,
) -> Result<LapseRun, ApiError> {
    let society_id = match slug {
        Some(slug) => Some(operator.society(conn, slug)?.id),
        None => None,
    };
    run(conn, society_id.as_deref(), as_of, db::now())
}

/// One run of the job, in one transaction.
fn run(
    conn: &mut DbConnection,
    society_id: Option<&str>,
    as_of: NaiveDate,
    now: chrono::NaiveDateTime,
) -> Result<LapseRun, ApiError> {
    let lapsed = db::write(conn, |conn| {
        let lapsed = db::register::lapse_due(conn, society_id, as_of, now)?;
        for lapse in &lapsed {
            db::outbox::record(
                conn,
                db::outbox::Event::EntryChanged {
                    society_id: &lapse.society_id,
                    registration: lapse.registration.as_str(),
                    change: &lapse.change,
                },
            )?;
        }
        Ok(lapsed)
    })?;
    Ok(LapseRun { as_of, lapsed })
}
