//! The renewals coming due: the registrar's list of entries whose cycle
//! ends soon, or that are in their grace period.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::NaiveDate;

use crate::actions::today;
use crate::auth::Caller;
use crate::db::{self, societies::Society, DbConnection};
use crate::error::{ApiError, FieldProblem};
use crate::pagination::PageRequest;
use crate::state::AppState;

/// Which renewals to list.
#[derive(Debug, Clone, Copy, Default)]
pub struct DueInput {
    /// Entries whose cycle ends within this many days: 1 to 366, default
    /// 90.
    pub within_days: Option<u32>,
    /// The day counted from (default today).
    pub as_of: Option<NaiveDate>,
}

/// An entry due for renewal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueRenewal {
    /// e.g. `BSANZ-0042`.
    pub registration: String,
    /// The person's id.
    pub person_id: String,
    /// Their name as shown.
    pub name: String,
    /// Where to remind them.
    pub email: Option<String>,
    /// The tier most recently granted.
    pub tier: String,
    /// The last day of the current cycle.
    pub valid_until: NaiveDate,
    /// Days from `as_of` to `valid_until` (negative once it has passed and
    /// the entry is in its grace period).
    pub days_left: i64,
    /// The day it lapses if not renewed.
    pub lapses_on: Option<NaiveDate>,
}

/// Entries due for renewal within `within_days` (registrar): accredited,
/// with a cycle ending by then or already in its grace period, soonest
/// first. A horizon outside 1 to 366 days is a bad request (400).
pub async fn due(
    state: &AppState,
    caller: &Caller,
    slug: String,
    input: DueInput,
) -> Result<Vec<DueRenewal>, ApiError> {
    due_page(state, caller, slug, input, None)
        .await
        .map(|page| page.due)
}

/// A page of the renewals due.
#[derive(Debug)]
pub struct DuePage {
    /// The society whose register it is.
    pub society: Society,
    /// The entries on the page, soonest first.
    pub due: Vec<DueRenewal>,
    /// How many are due in all.
    pub total: i64,
}

/// As [`due`], `page` of them (all without one), and how many are due in
/// all.
pub async fn due_page(
    state: &AppState,
    caller: &Caller,
    slug: String,
    input: DueInput,
    page: Option<PageRequest>,
) -> Result<DuePage, ApiError> {
    let (society, _) = crate::actions::as_registrar(state, caller, slug).await?;
    let within_days = input.within_days.unwrap_or(90);
    if !(1..=366).contains(&within_days) {
        return Err(ApiError::BadRequest {
            detail: "invalid query parameters".to_owned(),
            errors: vec![FieldProblem::new(
                "within_days",
                "must be between 1 and 366",
            )],
        });
    }
    let as_of = input.as_of.unwrap_or_else(today);
    let horizon = as_of
        .checked_add_days(chrono::Days::new(u64::from(within_days)))
        .unwrap_or(NaiveDate::MAX);
    let counts = Arc::clone(&state.due_counts);
    let society_id = society.id.clone();
    let (found, total) = db::run(&state.pool, move |conn| {
        let found = db::register::due_page(conn, &society_id, as_of, horizon, page)?;
        let total = match page {
            Some(_) => counts.count(conn, &society_id, as_of, horizon)?,
            None => i64::try_from(found.len()).unwrap_or(i64::MAX),
        };
        Ok((found, total))
    })
    .await?;
    let mut due: Vec<DueRenewal> = found
        .into_iter()
        .map(|entry| DueRenewal {
            person_id: entry.person.id.clone(),
            name: entry.person.name(),
            email: entry.person.email,
            registration: entry.registration,
            tier: entry.tier,
            valid_until: entry.valid_until,
            days_left: (entry.valid_until - as_of).num_days(),
            lapses_on: entry.lapses_on,
        })
        .collect();
    // Soonest first, then by registration (the query's order, by bytes).
    due.sort_by(|a, b| (a.valid_until, &a.registration).cmp(&(b.valid_until, &b.registration)));
    Ok(DuePage {
        society,
        due,
        total,
    })
}

/// How many entries are due for renewal, by society, day and horizon,
/// kept while the society's register version (moved by the database on
/// every write to an entry) stays as it was: a page of the renewals due
/// counts them once, not every time.
#[derive(Debug, Default)]
pub struct DueCounts {
    held: Mutex<HashMap<DueKey, (i64, i64)>>,
}

/// A count's society, day and horizon.
type DueKey = (String, NaiveDate, NaiveDate);

impl DueCounts {
    /// Counts kept at most (then emptied and counted again as asked for).
    const KEPT: usize = 1_000;

    /// [`db::register::due_count`], from memory while `society_id`'s
    /// register version has not moved.
    pub fn count(
        &self,
        conn: &mut DbConnection,
        society_id: &str,
        as_of: NaiveDate,
        horizon: NaiveDate,
    ) -> Result<i64, ApiError> {
        // The version before the count: a write landing in between leaves
        // the count newer than its version (counted again next time).
        let version = db::register::register_version(conn, society_id)?;
        let key = (society_id.to_owned(), as_of, horizon);
        let kept = {
            let held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
            held.get(&key).copied()
        };
        if let Some((at, total)) = kept {
            if at == version {
                return Ok(total);
            }
        }
        let total = db::register::due_count(conn, society_id, as_of, horizon)?;
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        if held.len() >= Self::KEPT {
            held.clear();
        }
        let newer = held.get(&key).is_some_and(|(at, _)| *at > version);
        if !newer {
            held.insert(key, (version, total));
        }
        Ok(total)
    }
}
