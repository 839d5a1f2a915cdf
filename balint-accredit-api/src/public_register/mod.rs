//! The public register, answered from memory.
//!
//! A search by part of a name has to look at every listed entry whose name
//! holds it and count them all (the page carries a total), which no index
//! of either database answers in a few milliseconds for a common fragment
//! on a register of 100,000; and one public entry is asked for far more
//! often than the register changes. So the server keeps each society's
//! public register as it stands today in memory, in the register's order:
//! every listed entry with its public history, its names in one buffer that
//! a single substring scan searches; tiers, statuses, places and reasons
//! are small numbers compared in place.
//!
//! What is held is only ever what the database says. The database keeps a
//! register version per society (one indexed row, moved on by triggers
//! whenever an entry, and so any change to its history, or a listed person
//! is written, by whoever writes it: this server, another one, or the CLI),
//! and the copy is brought up to date when the version or the day has
//! moved: on another day, or after a great many writes, read whole again;
//! otherwise patched in place, the entries the writes since its version
//! touched (the same triggers list them, by version) read again and put
//! in their place, so the first request after a write at 100,000 entries
//! reads a few rows, not the register. The version is read again
//!
//! - after any write through this server (any request but `GET`, `HEAD`,
//!   `OPTIONS` and `TRACE`; see [`PublicRegisters::note_write`]), so such
//!   a write is seen by the very next request, and
//! - once the version was last read longer ago than the server's
//!   `--public-register-refresh-ms` (1 s by default), so a write by another
//!   server or by the CLI is seen within that time.
//!
//! In between, a request reads no database at all.
//!
//! The society's own details that its public pages show (its name and
//! country, how to reach it, whether it has a logo, the names of its
//! pathway's tiers today) are held with its register and read again with
//! every patch: writing the society, its details or its pathway moves the
//! register version too (the triggers of the migration
//! `2027-01-03-000100_register_society_versions`), touching no entry.
//!
//! When the database cannot be asked (it refuses, or does not answer within
//! the request's deadline), the copy held is answered as it is, however old,
//! and the outage is logged; while it lasts, one request a second asks the
//! database again and the others are answered from the copy at once.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use diesel::Connection;

use balint_core::register::Status;

use crate::db::{self, DbConnection};
use crate::error::ApiError;

mod snapshot;
#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;

use snapshot::Builder;
pub use snapshot::{ChangeRef, DayStanding, EntryRef, Snapshot};

/// What a society's public pages show of the society itself, held with
/// its public register and kept current with it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SocietyFacts {
    pub society: db::societies::Society,
    /// How to reach it, and whether it has a logo.
    pub card: db::society_profiles::Card,
    /// The names of the tiers of the pathway that applies on the
    /// register's day (by id), in the pathway's order.
    pub tiers: Vec<(String, String)>,
}

impl SocietyFacts {
    /// The society `society_id` as its public pages show it on `today`.
    pub fn read(
        conn: &mut DbConnection,
        society_id: &str,
        today: NaiveDate,
    ) -> Result<Self, ApiError> {
        Ok(Self {
            society: db::societies::by_id(conn, society_id)?,
            card: db::society_profiles::card(conn, society_id)?,
            tiers: db::pathways::tier_names(conn, society_id, today)?,
        })
    }
}

/// What the public register is searched by. Text is matched as given: the
/// caller lower-cases it (names and places are stored lower-cased).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublicSearch {
    /// Part of a name (given, family or display name), lower-cased.
    pub q: Option<String>,
    /// The tier most recently granted.
    pub tier: Option<String>,
    /// Other tiers that match as `tier` does (e.g. the tiers above it, for
    /// "holds this tier or a higher one"); only with `tier`.
    pub also: Vec<String>,
    /// The status today.
    pub status: Option<Status>,
    /// The city or the region, lower-cased, whole.
    pub place: Option<String>,
}

/// One entry of a page of the public register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub registration: String,
    pub title: Option<String>,
    pub name: String,
    pub city: Option<String>,
    pub region: Option<String>,
    pub tier: String,
    pub status: Status,
    pub first_accredited: NaiveDate,
    pub valid_until: Option<NaiveDate>,
}

/// The public registers of every society asked for since the server
/// started, each as of its version and day.
#[derive(Debug)]
pub struct PublicRegisters {
    current: Mutex<HashMap<String, Held>>,
    /// Society ids by slug (a society's slug never changes).
    societies: Mutex<HashMap<String, String>>,
    /// Held while a copy is built, so that a burst of requests after a
    /// write builds it once, not once per connection.
    building: Mutex<()>,
    /// Writes through this server so far ([`Self::note_write`]).
    writes: AtomicU64,
    /// How long a version read stays good for writes made elsewhere.
    refresh: Duration,
    /// When a request last found the database unavailable; none once it
    /// answered again.
    outage: Mutex<Option<Instant>>,
    /// Whether a request is asking the database during an outage.
    asking: AtomicBool,
    /// Copies read whole, and copies patched in place, so far.
    rebuilds: AtomicU64,
    patches: AtomicU64,
}

/// A copy at most this many versions behind the database's is patched
/// (the database keeps 10,000 versions' touches; see
/// [`db::register::touched_since`]); one further behind is read whole.
const PATCH_VERSIONS: i64 = 2_000;

/// A copy is patched when at most this many entries were written since
/// its version; after more (an import, say), it is read whole.
const PATCH_ENTRIES: usize = 1_000;

/// During an outage, how long after the last failed ask the database is
/// asked again.
const ASK_AGAIN_AFTER: Duration = Duration::from_secs(1);

/// Where a request for the public register is answered from when the copy
/// held is not known to be current.
#[derive(Debug)]
pub enum Source<'a> {
    /// The database is unavailable and another request is asking it, or
    /// it was asked a moment ago: the copy held, as it is.
    Copy(Arc<Snapshot>),
    /// Ask the database ([`PublicRegisters::current`]), then tell the
    /// registers how that went ([`PublicRegisters::answered`],
    /// [`PublicRegisters::unavailable`]). Holds the turn to ask during an
    /// outage until dropped.
    Ask(Option<AskingTurn<'a>>),
}

/// The one request asking the database during an outage.
#[derive(Debug)]
pub struct AskingTurn<'a>(&'a AtomicBool);

impl Drop for AskingTurn<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

/// A society's copy, and when it was last found current.
#[derive(Debug, Clone)]
struct Held {
    snapshot: Arc<Snapshot>,
    /// When the database's version was last found to be the copy's.
    checked_at: Instant,
    /// [`PublicRegisters::writes`] as it was just before that read.
    writes: u64,
}

impl Default for PublicRegisters {
    fn default() -> Self {
        Self::new(Duration::from_secs(1))
    }
}

impl PublicRegisters {
    /// Registers that trust a version read for `refresh` (zero: read it
    /// on every request), unless this server writes meanwhile.
    pub fn new(refresh: Duration) -> Self {
        Self {
            current: Mutex::default(),
            societies: Mutex::default(),
            building: Mutex::default(),
            writes: AtomicU64::new(0),
            refresh,
            outage: Mutex::default(),
            asking: AtomicBool::new(false),
            rebuilds: AtomicU64::new(0),
            patches: AtomicU64::new(0),
        }
    }

    /// How many times a copy was read whole, and how many times one was
    /// patched in place, since the server started.
    pub fn reads(&self) -> (u64, u64) {
        (
            self.rebuilds.load(Ordering::Relaxed),
            self.patches.load(Ordering::Relaxed),
        )
    }

    /// `held` patched to `version` with only the entries written since its
    /// own version read again; `None` when it cannot be: another day (what
    /// is dated ahead may have come into effect), a version not after its
    /// own, or too much written since.
    fn patch(
        conn: &mut DbConnection,
        society_id: &str,
        held: &Snapshot,
        version: i64,
        today: NaiveDate,
    ) -> Result<Option<Snapshot>, ApiError> {
        if held.today != today || version <= held.version || version - held.version > PATCH_VERSIONS
        {
            return Ok(None);
        }
        let touched = db::register::touched_since(conn, society_id, held.version, PATCH_ENTRIES)?;
        if touched.len() > PATCH_ENTRIES {
            return Ok(None);
        }
        let mut builder = Builder::continuing(held);
        if !touched.is_empty() {
            let only = Some(touched.as_slice());
            db::register::each_public_row(conn, society_id, only, today, |row, ahead| {
                builder.push(row, ahead);
            })?;
            db::register::each_public_change(conn, society_id, only, |entry_id, seq, change| {
                builder.push_change(entry_id, seq, change);
            })?;
        }
        let standing = db::register::public_standing(conn, &builder.ahead_ids(), today)?;
        let society = SocietyFacts::read(conn, society_id, today)?;
        // Shared with the copy patched when nothing of it changed.
        let society = if society == **held.society() {
            Arc::clone(held.society())
        } else {
            Arc::new(society)
        };
        let fresh = builder
            .finish(version, today, &standing)
            .with_society(society);
        Ok(Some(held.patched(&touched, fresh)))
    }

    /// Where to answer from when [`Self::held`] has no current copy: from
    /// the copy as it is during an outage (unless it is this request's
    /// turn to ask the database again), else from the database.
    pub fn source(&self, slug: &str) -> Source<'_> {
        let outage = *self.outage.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(since) = outage else {
            return Source::Ask(None);
        };
        let Some(copy) = self.last_known(slug) else {
            return Source::Ask(None);
        };
        if since.elapsed() >= ASK_AGAIN_AFTER && !self.asking.swap(true, Ordering::SeqCst) {
            return Source::Ask(Some(AskingTurn(&self.asking)));
        }
        Source::Copy(copy)
    }

    /// The database answered: the outage, if any, is over.
    pub fn answered(&self) {
        let mut outage = self.outage.lock().unwrap_or_else(PoisonError::into_inner);
        if outage.take().is_some() {
            tracing::info!("the database answers again: the public register is read from it");
        }
    }

    /// The database could not be asked (`cause`): the copy held for `slug`,
    /// however old, if there is one.
    pub fn unavailable(&self, slug: &str, cause: &anyhow::Error) -> Option<Arc<Snapshot>> {
        *self.outage.lock().unwrap_or_else(PoisonError::into_inner) = Some(Instant::now());
        let held = self.last_known_held(slug);
        match &held {
            Some(held) => tracing::warn!(
                society = slug,
                version = held.snapshot.version,
                as_of = %held.snapshot.today,
                found_current_secs_ago = held.checked_at.elapsed().as_secs(),
                error = %cause,
                "the database is unavailable: the public register is answered from the copy held"
            ),
            None => tracing::warn!(
                society = slug,
                error = %cause,
                "the database is unavailable and no copy of the public register is held"
            ),
        }
        held.map(|held| held.snapshot)
    }

    /// The copy held for `slug`, however old.
    fn last_known(&self, slug: &str) -> Option<Arc<Snapshot>> {
        self.last_known_held(slug).map(|held| held.snapshot)
    }

    fn last_known_held(&self, slug: &str) -> Option<Held> {
        let society_id = self
            .societies
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(slug)
            .cloned()?;
        self.current
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&society_id)
            .cloned()
    }

    /// Something may have been written to the database through this
    /// server: the next request reads the register version again. Call it
    /// once the write has committed.
    pub fn note_write(&self) {
        self.writes.fetch_add(1, Ordering::SeqCst);
    }

    /// The society's register on `today` without reading the database,
    /// when the copy held was found current within the refresh time and
    /// nothing was written through this server since; `None` otherwise:
    /// ask [`Self::current`].
    pub fn held(&self, slug: &str, today: NaiveDate) -> Option<Arc<Snapshot>> {
        let society_id = self
            .societies
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(slug)
            .cloned()?;
        let writes = self.writes.load(Ordering::SeqCst);
        let current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        let held = current.get(&society_id)?;
        let fresh = held.writes == writes
            && held.snapshot.today == today
            && held.checked_at.elapsed() < self.refresh;
        fresh.then(|| Arc::clone(&held.snapshot))
    }

    /// The society's register on `today`, after reading its version (and
    /// rebuilding the copy if the version or the day moved). 404 when
    /// there is no such society.
    pub fn current(
        &self,
        conn: &mut DbConnection,
        slug: &str,
        today: NaiveDate,
    ) -> Result<Arc<Snapshot>, ApiError> {
        // Read before the version: a write noted after this is checked for
        // by the next request.
        let writes = self.writes.load(Ordering::SeqCst);
        let society_id = self.society_id(conn, slug)?;
        self.snapshot(conn, &society_id, today, writes)
    }

    fn society_id(&self, conn: &mut DbConnection, slug: &str) -> Result<String, ApiError> {
        let known = self
            .societies
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(slug)
            .cloned();
        if let Some(id) = known {
            return Ok(id);
        }
        let society = db::societies::by_slug(conn, slug)?;
        self.societies
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(slug.to_owned(), society.id.clone());
        Ok(society.id)
    }

    /// The copy held, if it is of `version` and `today`, marked as found
    /// current now.
    fn confirm(
        &self,
        society_id: &str,
        version: i64,
        today: NaiveDate,
        writes: u64,
    ) -> Option<Arc<Snapshot>> {
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        let held = current.get_mut(society_id)?;
        if held.snapshot.version != version || held.snapshot.today != today {
            return None;
        }
        held.checked_at = Instant::now();
        held.writes = writes;
        Some(Arc::clone(&held.snapshot))
    }

    fn snapshot(
        &self,
        conn: &mut DbConnection,
        society_id: &str,
        today: NaiveDate,
        writes: u64,
    ) -> Result<Arc<Snapshot>, ApiError> {
        let version = db::register::register_version(conn, society_id)?;
        if let Some(held) = self.confirm(society_id, version, today, writes) {
            return Ok(held);
        }
        let _building = self.building.lock().unwrap_or_else(PoisonError::into_inner);
        // Someone else may have built it while this one waited.
        let version = db::register::register_version(conn, society_id)?;
        if let Some(held) = self.confirm(society_id, version, today, writes) {
            return Ok(held);
        }
        let held = self
            .current
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(society_id)
            .map(|held| Arc::clone(&held.snapshot));
        // The version is read before the rows, in one transaction: a write
        // landing in between makes the copy newer than its version (read
        // again at the next check), never older.
        let (snapshot, patched) = conn.transaction(|conn| {
            let version = db::register::register_version(conn, society_id)?;
            if let Some(held) = held {
                if let Some(patched) = Self::patch(conn, society_id, &held, version, today)? {
                    return Ok::<_, ApiError>((patched, true));
                }
            }
            let mut builder = Builder::default();
            db::register::each_public_row(conn, society_id, None, today, |row, ahead| {
                builder.push(row, ahead);
            })?;
            db::register::each_public_change(conn, society_id, None, |entry_id, seq, change| {
                builder.push_change(entry_id, seq, change);
            })?;
            let standing = db::register::public_standing(conn, &builder.ahead_ids(), today)?;
            let society = Arc::new(SocietyFacts::read(conn, society_id, today)?);
            Ok((
                builder
                    .finish(version, today, &standing)
                    .with_society(society),
                false,
            ))
        })?;
        let snapshot = Arc::new(snapshot);
        let counter = if patched {
            &self.patches
        } else {
            &self.rebuilds
        };
        counter.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(
            society_id,
            version,
            patched,
            entries = snapshot.len(),
            "public register read"
        );
        self.current
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(
                society_id.to_owned(),
                Held {
                    snapshot: Arc::clone(&snapshot),
                    checked_at: Instant::now(),
                    writes,
                },
            );
        Ok(snapshot)
    }
}
