//! Verifying a registration: what it stood for on a given day, for
//! employers and other societies. Public, for listed people only.

use balint_core::register::Standing;
use chrono::NaiveDate;

use super::not_found;
use crate::actions::today;
use crate::db::{self, people::Person, register::StoredEntry, societies::Society};
use crate::error::ApiError;
use crate::state::AppState;

/// What a registration stood for on a day.
#[derive(Debug, Clone)]
pub struct Verified {
    /// The society whose register it is on.
    pub society: Society,
    /// The entry, with its whole history.
    pub stored: StoredEntry,
    /// The person it is for (who consented to be listed).
    pub person: Person,
    /// The day asked about.
    pub as_of: NaiveDate,
    /// Its standing that day; none before its first grant.
    pub standing: Option<Standing>,
}

/// Verify a registration (anyone): its standing on `as_of` (default
/// today). Only people who consented to be listed can be verified; an
/// unknown or unlisted number gets the same 404.
pub async fn verify(
    state: &AppState,
    slug: String,
    registration: String,
    as_of: Option<NaiveDate>,
) -> Result<Verified, ApiError> {
    let as_of = as_of.unwrap_or_else(today);
    let wanted = registration.clone();
    let found = db::run(&state.pool, move |conn| {
        db::register::in_society(conn, &slug, &wanted)
    })
    .await?;
    let Some((society, stored, person)) = found.filter(|(_, _, person)| person.public_listing)
    else {
        return Err(not_found(&registration));
    };
    let standing = stored.entry.standing_on(as_of);
    Ok(Verified {
        society,
        stored,
        person,
        as_of,
        standing,
    })
}
