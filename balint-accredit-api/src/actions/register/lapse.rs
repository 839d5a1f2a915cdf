//! The lapse job, run by the registrar: every entry whose cycle ended and
//! whose grace period passed lapses.

use chrono::NaiveDate;

use crate::auth::Caller;
use crate::db::{self, register::Lapsed};
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
    let lapsed = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            db::register::lapse_due(conn, Some(&society.id), as_of, now)
        })
    })
    .await?;
    Ok(LapseRun { as_of, lapsed })
}
