//! The public register: its search, and one entry as the caller may see it
//! (the public entry for everyone, every field for the society's
//! registrar).
//!
//! The public sees only people who consented to be listed, only public
//! fields, and never a confidential reason; an entry it may not see is
//! answered exactly like one that does not exist.

use std::sync::Arc;

use balint_core::register::{PublicStatusChange, RegisterEntry, Status};
use chrono::NaiveDate;

use super::{not_found, Entry};
use crate::actions::today;
use crate::auth::{permissions, Caller};
use crate::db::{self, people::Person};
use crate::error::ApiError;
use crate::pagination::PageRequest;
use crate::public_register::{EntryRef, Listed, PublicSearch, Snapshot, SocietyFacts, Source};
use crate::state::AppState;

/// A search of the public register, as typed.
#[derive(Debug, Clone)]
pub struct SearchInput {
    /// Which page.
    pub page: PageRequest,
    /// Part of the name, in any case.
    pub q: Option<String>,
    /// The tier most recently granted.
    pub tier: Option<String>,
    /// Tiers that match as `tier` does: the web page's "this tier or a
    /// higher one" names the tiers above it.
    pub also: Vec<String>,
    /// The status today.
    pub status: Option<Status>,
    /// The city or the region, in any case.
    pub region: Option<String>,
}

/// A page of the public register.
#[derive(Debug, Clone)]
pub struct Found {
    /// The entries on the page, in the register's order.
    pub items: Vec<Listed>,
    /// How many entries match in all.
    pub total: usize,
    /// When a listed entry or its person was last written (the register's
    /// "last updated"); `None` when nothing is listed.
    pub last_updated: Option<chrono::NaiveDateTime>,
}

/// Search the public register (anyone): people who consented to be
/// listed, public fields only, ordered by family name, given name and
/// registration. 404 for an unknown society.
pub async fn search(state: &AppState, slug: String, input: SearchInput) -> Result<Found, ApiError> {
    let search = PublicSearch {
        q: input.q.map(|q| q.trim().to_lowercase()),
        tier: input.tier,
        also: input.also,
        status: input.status,
        place: input.region.map(|r| r.trim().to_lowercase()),
    };
    let offset = usize::try_from(input.page.offset()).unwrap_or(usize::MAX);
    let limit = usize::try_from(input.page.limit()).unwrap_or(usize::MAX);
    let ((items, total), last_updated) = from_public_register(state, slug, move |register| {
        (
            register.search(&search, offset, limit),
            register.last_updated(),
        )
    })
    .await?;
    Ok(Found {
        items,
        total,
        last_updated,
    })
}

/// The society `slug` as its public pages show it (its name, how to reach
/// it, its tiers' names today), from the public register in memory. 404
/// for an unknown society.
pub async fn society(state: &AppState, slug: String) -> Result<Arc<SocietyFacts>, ApiError> {
    from_public_register(state, slug, |register| Arc::clone(register.society())).await
}

/// One entry of the public register, read in place from the copy in
/// memory by `answer`: the public register's busiest request, answered
/// without building the entry first. 404 when the entry is not on the
/// public register (unknown and unlisted alike), or the society unknown.
pub async fn with_listed_entry<T>(
    state: &AppState,
    slug: String,
    registration: String,
    answer: impl FnOnce(EntryRef<'_>) -> T,
) -> Result<T, ApiError> {
    let wanted = registration.clone();
    from_public_register(state, slug, move |register| {
        register.entry(&wanted).map(answer)
    })
    .await?
    .ok_or_else(|| not_found(&registration))
}

/// An entry as the public sees it today.
#[derive(Debug, Clone)]
pub struct PublicEntry {
    /// The entry as a page of the register lists it.
    pub listed: Listed,
    /// Every change up to today, oldest first; confidential reasons
    /// withheld.
    pub history: Vec<PublicStatusChange>,
    /// When the entry or its person was last written, when read from the
    /// public register in memory.
    pub updated: Option<chrono::NaiveDateTime>,
}

/// One entry, as the caller may see it.
#[derive(Debug, Clone)]
pub enum Shown {
    /// The society's registrar: every field and the whole history.
    Registrar(Box<Entry>),
    /// Everyone else: the public entry.
    Public(PublicEntry),
}

/// One entry as `caller` may see it: the public entry (from memory for
/// anyone not signed in) or, for the society's registrar, every field.
/// Unknown and unlisted numbers get the same 404.
pub async fn entry(
    state: &AppState,
    caller: &Caller,
    slug: String,
    registration: String,
) -> Result<Shown, ApiError> {
    if matches!(caller, Caller::Anonymous) {
        return with_listed_entry(state, slug, registration, |entry| {
            Shown::Public(PublicEntry {
                listed: entry.listed(),
                history: entry.history().map(|change| change.to_public()).collect(),
                updated: Some(entry.updated()),
            })
        })
        .await;
    }
    // One query for the society, the entry and the person.
    let wanted = registration.clone();
    let found = db::run(&state.pool, move |conn| {
        db::register::in_society(conn, &slug, &wanted)
    })
    .await?;
    let today = today();
    match found {
        Some((society, stored, person)) if permissions::acts_as_registrar(caller, &society.id) => {
            Ok(Shown::Registrar(Box::new(Entry {
                stored,
                person,
                today,
            })))
        }
        Some((_, stored, person)) if person.public_listing => {
            public_entry(&stored.entry, &person, today)
                .map(Shown::Public)
                .ok_or_else(|| not_found(&registration))
        }
        _ => Err(not_found(&registration)),
    }
}

/// The public view of `entry` on `today`, or `None` before its first grant.
fn public_entry(entry: &RegisterEntry, person: &Person, today: NaiveDate) -> Option<PublicEntry> {
    let public = entry.public_view(today)?;
    let history = entry
        .history()
        .iter()
        .filter(|change| change.effective <= today)
        .map(|change| change.public_view())
        .collect();
    Some(PublicEntry {
        listed: Listed {
            registration: public.registration.as_str().to_owned(),
            title: person.title.clone(),
            name: person.name(),
            city: person.city.clone(),
            region: person.region.clone(),
            tier: public.tier.as_str().to_owned(),
            status: public.status,
            first_accredited: public.first_accredited,
            valid_until: public.valid_until,
        },
        history,
        updated: None,
    })
}

/// `answer` from the society's public register as it stands today: from
/// the copy in memory when it is known to be current, else after reading
/// the register's version (on the blocking pool). When the database cannot
/// be asked, from the copy held, however old (503 only when there is
/// none). 404 for an unknown society.
pub async fn from_public_register<T>(
    state: &AppState,
    slug: String,
    answer: impl FnOnce(&Snapshot) -> T,
) -> Result<T, ApiError> {
    let today = today();
    let registers = &state.public_register;
    if let Some(register) = registers.held(&slug, today) {
        return Ok(answer(&register));
    }
    let turn = match registers.source(&slug) {
        Source::Copy(copy) => return Ok(answer(&copy)),
        Source::Ask(turn) => turn,
    };
    let asking = Arc::clone(registers);
    let wanted = slug.clone();
    let asked = db::run(&state.pool, move |conn| {
        asking.current(conn, &wanted, today)
    })
    .await;
    let register = match asked {
        Err(ApiError::Unavailable(cause)) => registers
            .unavailable(&slug, &cause)
            .ok_or(ApiError::Unavailable(cause))?,
        other => {
            registers.answered();
            other?
        }
    };
    drop(turn);
    Ok(answer(&register))
}
