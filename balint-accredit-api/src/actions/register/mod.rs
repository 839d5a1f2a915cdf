//! The register: grants, status changes, renewals, the lapse job, the
//! renewals coming due, the public register and verification.
//!
//! - [`grant`]: a grant recorded directly by the registrar, with its
//!   prerequisites (or an override).
//! - [`status`]: a status change ordered by the registrar.
//! - [`renew`]: a renewal for the next cycle, assessed over the cycle's
//!   records (or by override).
//! - [`lapse`]: the lapse job.
//! - [`due`]: the renewals coming due.
//! - [`public`]: the public register's search and one entry, as the caller
//!   may see it.
//! - [`transfer`]: a register out to a file and in from one.
//! - [`verify`]: what a registration stood for on a day.

pub mod due;
pub mod grant;
pub mod lapse;
pub mod public;
pub mod renew;
pub mod status;
pub mod transfer;
pub mod verify;

use balint_core::pathway;
use balint_core::register::{RegisterError, RenewalCycle};
use chrono::NaiveDate;

use crate::db::pathways::PathwayVersion;
use crate::db::{self, people::Person, register::StoredEntry};
use crate::error::ApiError;

/// A register entry with its person, as an action left it: what the
/// registrar sees of it.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The entry as stored, with its whole history.
    pub stored: StoredEntry,
    /// The person it is for.
    pub person: Person,
    /// The day the action was taken on: the entry's status is told as of
    /// it.
    pub today: NaiveDate,
}

pub use crate::actions::society;

/// The answer for a registration the caller may not see, or that does not
/// exist: the two are never told apart.
pub fn not_found(registration: &str) -> ApiError {
    ApiError::NotFound(format!("registration {registration}"))
}

/// The first cycle of `tier` from `start`, under the pathway's renewal
/// rule: it runs to the day before the anniversary and lapses once the
/// grace months have passed.
pub fn cycle_from(
    renewal: &pathway::Renewal,
    start: NaiveDate,
) -> Result<RenewalCycle, RegisterError> {
    let end = renewal.cycle_end(start);
    let valid_until = end.pred_opt().unwrap_or(end);
    RenewalCycle::from_dates(valid_until, renewal.lapses_on(start))
}

/// The entry numbered `registration` with its person, if any.
fn entry_with_person(
    conn: &mut db::DbConnection,
    society_id: &str,
    registration: &str,
) -> Result<Option<(StoredEntry, Person)>, ApiError> {
    let Some(stored) = db::register::by_registration(conn, society_id, registration)? else {
        return Ok(None);
    };
    let person = db::people::find(conn, society_id, stored.entry.person().as_str())?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("register person missing")))?;
    Ok(Some((stored, person)))
}

/// The pathway version that applies to `person` (entered the pathway on
/// the day given, else `fallback`), if the society has one.
fn applicable_version(
    conn: &mut db::DbConnection,
    society_id: &str,
    person: &Person,
    fallback: NaiveDate,
) -> Result<Option<PathwayVersion>, ApiError> {
    let entered = person.entered_pathway_on.unwrap_or(fallback);
    db::pathways::applicable(conn, society_id, entered)
}

/// What a society without a pathway is told.
pub const NO_PATHWAY: &str = "the society has no pathway yet; upload or adopt one first";
