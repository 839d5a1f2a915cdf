//! Verifying a registration: what it stood for on a given day, for
//! employers and other societies. Public, for listed people only.

use balint_core::register::{Standing, Status};
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

/// What a listed registration stood for on a day, in the fields a page
/// shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub registration: String,
    pub title: Option<String>,
    pub name: String,
    pub city: Option<String>,
    pub region: Option<String>,
    /// The status that day (none before the first grant).
    pub status: Option<Status>,
    /// The tier most recently granted by that day.
    pub tier: Option<String>,
    pub first_accredited: NaiveDate,
    /// The last day of the cycle the entry was running under that day.
    pub valid_until: Option<NaiveDate>,
}

impl From<Verified> for Answer {
    fn from(verified: Verified) -> Self {
        let Verified {
            stored,
            person,
            standing,
            ..
        } = verified;
        let entry = &stored.entry;
        Self {
            registration: entry.registration().as_str().to_owned(),
            name: person.name(),
            title: person.title,
            city: person.city,
            region: person.region,
            status: standing.as_ref().map(|s| s.status),
            tier: standing.as_ref().map(|s| s.tier.as_str().to_owned()),
            first_accredited: entry.first_accredited(),
            valid_until: standing.and_then(|s| s.valid_until),
        }
    }
}

/// Verify a registration (anyone) as [`verify`] does, answered from the
/// public register in memory when the entry is there (nearly always), and
/// from the database otherwise (a number not on it, or whose first grant is
/// dated ahead): the same answer either way.
pub async fn answer(
    state: &AppState,
    slug: String,
    registration: String,
    as_of: Option<NaiveDate>,
) -> Result<Answer, ApiError> {
    let day = as_of.unwrap_or_else(today);
    let wanted = registration.clone();
    let held = super::public::from_public_register(state, slug.clone(), move |register| {
        register.entry(&wanted).map(|entry| {
            let standing = entry.standing_on(day);
            Answer {
                registration: entry.registration().to_owned(),
                title: entry.title().map(str::to_owned),
                name: entry.name().to_owned(),
                city: entry.city().map(str::to_owned),
                region: entry.region().map(str::to_owned),
                status: standing.map(|s| s.status),
                tier: standing.map(|s| s.tier.to_owned()),
                first_accredited: entry.first_granted(),
                valid_until: standing.and_then(|s| s.valid_until),
            }
        })
    })
    .await?;
    match held {
        Some(answer) => Ok(answer),
        None => verify(state, slug, registration, Some(day))
            .await
            .map(Answer::from),
    }
}
