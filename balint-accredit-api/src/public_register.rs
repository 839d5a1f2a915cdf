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
//! and the copy is rebuilt when the version or the day has moved. The
//! version is read again
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
//! When the database cannot be asked (it refuses, or does not answer within
//! the request's deadline), the copy held is answered as it is, however old,
//! and the outage is logged; while it lasts, one request a second asks the
//! database again and the others are answered from the copy at once.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use diesel::Connection;
use memchr::memmem;

use balint_core::register::{PublicEntry, PublicStatusChange, Status, StatusAction};

use crate::db::register::PublicRow;
use crate::db::{self, DbConnection};
use crate::error::ApiError;

/// What the public register is searched by. Text is matched as given: the
/// caller lower-cases it (names and places are stored lower-cased).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublicSearch {
    /// Part of a name (given, family or display name), lower-cased.
    pub q: Option<String>,
    /// The tier most recently granted.
    pub tier: Option<String>,
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
}

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
        }
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
        // The version is read before the rows, in one transaction: a write
        // landing in between makes the copy newer than its version (rebuilt
        // once more at the next check), never older.
        let snapshot = conn.transaction(|conn| {
            let version = db::register::register_version(conn, society_id)?;
            let mut builder = Builder::default();
            db::register::each_public_row(conn, society_id, today, |row, ahead| {
                builder.push(row, ahead);
            })?;
            db::register::each_public_change(conn, society_id, |entry_id, seq, change| {
                builder.push_change(entry_id, seq, change);
            })?;
            let standing = db::register::public_standing(conn, &builder.ahead_ids(), today)?;
            Ok::<_, ApiError>(builder.finish(version, today, &standing))
        })?;
        let snapshot = Arc::new(snapshot);
        tracing::debug!(
            society_id,
            version,
            entries = snapshot.entries.len(),
            changes = snapshot.changes.len(),
            "public register rebuilt"
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

/// Words that repeat across the register (tiers, titles, places, reasons),
/// stored once and referred to by number.
#[derive(Debug, Default)]
struct Words {
    numbers: HashMap<Box<str>, u32>,
    words: Vec<Box<str>>,
}

impl Words {
    const NONE: u32 = u32::MAX;

    fn number(&mut self, word: &str) -> u32 {
        if let Some(&n) = self.numbers.get(word) {
            return n;
        }
        let n = u32::try_from(self.words.len()).unwrap_or(Self::NONE - 1);
        self.words.push(word.into());
        self.numbers.insert(word.into(), n);
        n
    }

    fn maybe(&mut self, word: Option<&str>) -> u32 {
        word.map_or(Self::NONE, |w| self.number(w))
    }

    fn find(&self, word: &str) -> Option<u32> {
        self.numbers.get(word).copied()
    }

    fn get(&self, n: u32) -> Option<&str> {
        self.words.get(usize::try_from(n).ok()?).map(|w| &**w)
    }
}

/// One entry, compactly.
#[derive(Debug)]
struct Entry {
    registration: Box<str>,
    name: Box<str>,
    title: u32,
    city: u32,
    region: u32,
    /// The place numbers of the city and region lower-cased.
    city_key: u32,
    region_key: u32,
    tier: u32,
    status: Status,
    first_accredited: NaiveDate,
    valid_until: Option<NaiveDate>,
    /// Its history in [`Snapshot::changes`].
    history: Range<u32>,
}

/// One change of a public history, compactly.
#[derive(Debug, Clone, Copy)]
struct Change {
    effective: NaiveDate,
    valid_until: Option<NaiveDate>,
    /// In [`Snapshot::words`]; [`Words::NONE`] when no tier was granted.
    tier: u32,
    /// In [`Snapshot::reasons`]; [`Words::NONE`] when confidential.
    reason: u32,
    action: StatusAction,
    from: Option<Status>,
    to: Status,
}

/// A society's public register on one day, as of one register version.
#[derive(Debug)]
pub struct Snapshot {
    version: i64,
    today: NaiveDate,
    /// In the register's order.
    entries: Vec<Entry>,
    /// Every entry's history, entry after entry in the register's order,
    /// changes dated ahead of `today` included.
    changes: Vec<Change>,
    /// The entries by registration number.
    by_registration: Lookup,
    /// Every entry's search text, in order, each followed by a newline.
    names: String,
    /// Where each entry's search text ends in `names` (its newline).
    name_ends: Vec<usize>,
    /// Tiers, titles, cities and regions as shown.
    words: Words,
    /// Cities and regions lower-cased, for the place filter.
    places: Words,
    /// The public reasons of changes.
    reasons: Words,
}

/// A snapshot being read from the database, in the order the rows come.
#[derive(Debug, Default)]
struct Builder {
    entries: Vec<Entry>,
    sort_names: Vec<Box<str>>,
    /// The search texts, one after another; entry `i`'s ends at `ends[i]`.
    texts: String,
    ends: Vec<usize>,
    /// Entries by id, for their changes.
    ids: HashMap<Box<str>, u32>,
    /// Entries whose rows are not yet their standing: (index, entry id).
    ahead: Vec<(usize, String)>,
    /// Changes with the index of their entry and their place in its
    /// history, in the order they came.
    changes: Vec<(u32, i32, Change)>,
    words: Words,
    places: Words,
    reasons: Words,
}

impl Builder {
    fn push(&mut self, row: PublicRow, ahead: bool) {
        let index = self.entries.len();
        if ahead {
            self.ahead.push((index, row.id.clone()));
        }
        if let Ok(n) = u32::try_from(index) {
            self.ids.insert(row.id.into(), n);
        }
        // A stored newline must not join two entries' names in the search.
        self.texts.extend(
            row.search_text
                .chars()
                .map(|c| if c == '\n' { ' ' } else { c }),
        );
        self.ends.push(self.texts.len());
        self.sort_names.push(row.sort_name.into());
        let (words, places) = (&mut self.words, &mut self.places);
        self.entries.push(Entry {
            title: words.maybe(row.title.as_deref()),
            city: words.maybe(row.city.as_deref()),
            region: words.maybe(row.region.as_deref()),
            city_key: places.maybe(row.city.as_deref().map(str::to_lowercase).as_deref()),
            region_key: places.maybe(row.region.as_deref().map(str::to_lowercase).as_deref()),
            tier: words.number(&row.tier),
            status: row.status,
            first_accredited: row.first_accredited,
            valid_until: row.valid_until,
            registration: row.registration.into(),
            name: row.name.into(),
            history: 0..0,
        });
    }

    /// Change `seq` of entry `entry_id`'s history, in any order (read after
    /// the entries; a change of an entry not read is left out).
    fn push_change(&mut self, entry_id: &str, seq: i32, change: PublicStatusChange) {
        let Some(&index) = self.ids.get(entry_id) else {
            return;
        };
        let change = Change {
            effective: change.effective,
            valid_until: change.valid_until,
            tier: self.words.maybe(change.tier.as_ref().map(|t| t.as_str())),
            reason: self.reasons.maybe(change.reason.as_deref()),
            action: change.action,
            from: change.from,
            to: change.to,
        };
        self.changes.push((index, seq, change));
    }

    fn ahead_ids(&self) -> Vec<String> {
        self.ahead.iter().map(|(_, id)| id.clone()).collect()
    }

    /// The snapshot in the register's order, the entries dated ahead as
    /// they stand on the day (`standing`; those not granted yet left out).
    fn finish(
        mut self,
        version: i64,
        today: NaiveDate,
        standing: &HashMap<String, PublicEntry>,
    ) -> Snapshot {
        let mut shown = vec![true; self.entries.len()];
        for (index, id) in &self.ahead {
            match standing.get(id) {
                Some(public) => {
                    let entry = &mut self.entries[*index];
                    entry.tier = self.words.number(public.tier.as_str());
                    entry.status = public.status;
                    entry.first_accredited = public.first_accredited;
                    entry.valid_until = public.valid_until;
                }
                None => shown[*index] = false,
            }
        }
        // Each entry's changes together, in the order of its history.
        self.changes
            .sort_unstable_by_key(|&(index, seq, _)| (index, seq));
        let mut histories = vec![0..0; self.entries.len()];
        let mut start = 0;
        for (at, (index, ..)) in self.changes.iter().enumerate() {
            let next = self.changes.get(at + 1).map(|(next, ..)| *next);
            if next != Some(*index) {
                if let Some(range) = usize::try_from(*index)
                    .ok()
                    .and_then(|i| histories.get_mut(i))
                {
                    *range = start..at + 1;
                }
                start = at + 1;
            }
        }
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        let mut order: Vec<_> = self
            .sort_names
            .into_iter()
            .zip(self.entries)
            .zip(starts.zip(self.ends.iter().copied()))
            .zip(histories)
            .zip(shown)
            .filter(|(_, shown)| *shown)
            .map(|((((sort_name, entry), (start, end)), history), _)| {
                (sort_name, entry, start..end, history)
            })
            .collect();
        order.sort_unstable_by(|a, b| (&a.0, &a.1.registration).cmp(&(&b.0, &b.1.registration)));
        let mut names = String::with_capacity(self.texts.len() + order.len());
        let mut name_ends = Vec::with_capacity(order.len());
        let mut entries = Vec::with_capacity(order.len());
        let mut changes = Vec::with_capacity(self.changes.len());
        for (_, mut entry, text, history) in order {
            names.push_str(&self.texts[text]);
            name_ends.push(names.len());
            names.push('\n');
            let first = changes.len();
            changes.extend(self.changes[history].iter().map(|(.., change)| *change));
            entry.history = position(first)..position(changes.len());
            entries.push(entry);
        }
        let by_registration = Lookup::new(entries.iter().map(|entry| &*entry.registration));
        Snapshot {
            version,
            today,
            entries,
            changes,
            by_registration,
            names,
            name_ends,
            words: self.words,
            places: self.places,
            reasons: self.reasons,
        }
    }
}

/// Entries found by registration number: an open-addressing hash table
/// at most half full, each slot the top half of its number's hash and the
/// entry's index plus one (0: empty). A lookup usually reads one slot.
#[derive(Debug, Default)]
struct Lookup {
    slots: Vec<(u32, u32)>,
}

impl Lookup {
    fn new<'a>(registrations: impl ExactSizeIterator<Item = &'a str>) -> Self {
        let size = (registrations.len() * 2).next_power_of_two().max(2);
        let mut slots = vec![(0, 0); size];
        for (at, registration) in registrations.enumerate() {
            let (tag, mut slot) = Self::place(registration, size);
            while slots[slot].1 != 0 {
                slot = (slot + 1) & (size - 1);
            }
            slots[slot] = (tag, position(at).saturating_add(1));
        }
        Self { slots }
    }

    /// The hash's top half, and the first slot to look in.
    fn place(registration: &str, size: usize) -> (u32, usize) {
        // FNV-1a: short keys, no untrusted input to guard against.
        let hash = registration
            .bytes()
            .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
                (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
            });
        let tag = (hash >> 32) as u32;
        // The size is a power of two: the low bits pick the slot.
        (tag, (hash as usize) & (size - 1))
    }

    /// The indexes whose registration may be `registration` (its hash's
    /// top half matches), in the order they are found; the caller checks.
    fn candidates(&self, registration: &str) -> impl Iterator<Item = usize> + '_ {
        let size = self.slots.len();
        let (tag, first) = Self::place(registration, size.max(1));
        (0..size)
            .map(move |step| self.slots[(first + step) & (size - 1)])
            .take_while(|&(_, index)| index != 0)
            .filter(move |&(t, _)| t == tag)
            .map(|(_, index)| index as usize - 1)
    }
}

/// A position in a snapshot's lists as stored (a register holds far fewer
/// than 2^32 entries or changes).
fn position(at: usize) -> u32 {
    u32::try_from(at).unwrap_or(u32::MAX)
}

impl Snapshot {
    /// The entries whose search text holds `q`, in order, each once.
    fn holding<'a>(&'a self, q: &'a str) -> impl Iterator<Item = usize> + 'a {
        let mut last = None;
        memmem::find_iter(self.names.as_bytes(), q.as_bytes()).filter_map(move |at| {
            let index = self.name_ends.partition_point(|&end| end < at);
            let end = *self.name_ends.get(index)?;
            // Within the one name (a `q` holding a newline never matches).
            if at + q.len() > end || last == Some(index) {
                return None;
            }
            last = Some(index);
            Some(index)
        })
    }

    /// `limit` entries matching `search`, from `offset` in the register's
    /// order (family name, given name, registration number), and how many
    /// match in all.
    pub fn search(
        &self,
        search: &PublicSearch,
        offset: usize,
        limit: usize,
    ) -> (Vec<Listed>, usize) {
        // A filter naming a tier or place that no entry has matches nothing.
        let tier = match &search.tier {
            Some(tier) => match self.words.find(tier) {
                Some(n) => Some(n),
                None => return (Vec::new(), 0),
            },
            None => None,
        };
        let place = match &search.place {
            Some(place) => match self.places.find(place) {
                Some(n) => Some(n),
                None => return (Vec::new(), 0),
            },
            None => None,
        };
        let keep = |index: &usize| {
            let entry = &self.entries[*index];
            tier.is_none_or(|t| entry.tier == t)
                && search.status.is_none_or(|s| entry.status == s)
                && place.is_none_or(|p| entry.city_key == p || entry.region_key == p)
        };
        let mut total = 0;
        let mut page = Vec::with_capacity(limit.min(100));
        let mut take = |index: usize| {
            if total >= offset && page.len() < limit {
                page.push(self.listed(&self.entries[index]));
            }
            total += 1;
        };
        match search.q.as_deref().filter(|q| !q.is_empty()) {
            Some(q) => self.holding(q).filter(keep).for_each(&mut take),
            None => (0..self.entries.len()).filter(keep).for_each(&mut take),
        }
        (page, total)
    }

    /// The listed entry `registration`, read in place; `None` when it is
    /// not on the public register.
    pub fn entry(&self, registration: &str) -> Option<EntryRef<'_>> {
        self.by_registration
            .candidates(registration)
            .map(|at| &self.entries[at])
            .find(|entry| &*entry.registration == registration)
            .map(|entry| EntryRef {
                snapshot: self,
                entry,
            })
    }

    fn listed(&self, entry: &Entry) -> Listed {
        let word = |n: u32| self.words.get(n).map(str::to_owned);
        Listed {
            registration: entry.registration.to_string(),
            title: word(entry.title),
            name: entry.name.to_string(),
            city: word(entry.city),
            region: word(entry.region),
            tier: word(entry.tier).unwrap_or_default(),
            status: entry.status,
            first_accredited: entry.first_accredited,
            valid_until: entry.valid_until,
        }
    }
}

/// One entry of a [`Snapshot`], read in place.
#[derive(Debug, Clone, Copy)]
pub struct EntryRef<'a> {
    snapshot: &'a Snapshot,
    entry: &'a Entry,
}

impl<'a> EntryRef<'a> {
    fn word(&self, n: u32) -> Option<&'a str> {
        self.snapshot.words.get(n)
    }

    pub fn registration(&self) -> &'a str {
        &self.entry.registration
    }

    pub fn title(&self) -> Option<&'a str> {
        self.word(self.entry.title)
    }

    pub fn name(&self) -> &'a str {
        &self.entry.name
    }

    pub fn city(&self) -> Option<&'a str> {
        self.word(self.entry.city)
    }

    pub fn region(&self) -> Option<&'a str> {
        self.word(self.entry.region)
    }

    /// The tier most recently granted.
    pub fn tier(&self) -> &'a str {
        self.word(self.entry.tier).unwrap_or_default()
    }

    /// The status on the snapshot's day.
    pub fn status(&self) -> Status {
        self.entry.status
    }

    pub fn first_accredited(&self) -> NaiveDate {
        self.entry.first_accredited
    }

    pub fn valid_until(&self) -> Option<NaiveDate> {
        self.entry.valid_until
    }

    /// The entry as a page of the register lists it.
    pub fn listed(&self) -> Listed {
        self.snapshot.listed(self.entry)
    }

    /// Its public history up to the snapshot's day, oldest first.
    pub fn history(&self) -> impl Iterator<Item = ChangeRef<'a>> + 'a {
        let snapshot = self.snapshot;
        let range = self.entry.history.start as usize..self.entry.history.end as usize;
        snapshot
            .changes
            .get(range)
            .unwrap_or_default()
            .iter()
            .take_while(move |change| change.effective <= snapshot.today)
            .map(move |change| ChangeRef { snapshot, change })
    }
}

/// One change of an entry's public history, read in place.
#[derive(Debug, Clone, Copy)]
pub struct ChangeRef<'a> {
    snapshot: &'a Snapshot,
    change: &'a Change,
}

impl<'a> ChangeRef<'a> {
    pub fn effective(&self) -> NaiveDate {
        self.change.effective
    }

    pub fn action(&self) -> StatusAction {
        self.change.action
    }

    pub fn from(&self) -> Option<Status> {
        self.change.from
    }

    pub fn to(&self) -> Status {
        self.change.to
    }

    /// The tier granted, on grants.
    pub fn tier(&self) -> Option<&'a str> {
        self.snapshot.words.get(self.change.tier)
    }

    /// The reason, when the change is public.
    pub fn reason(&self) -> Option<&'a str> {
        self.snapshot.reasons.get(self.change.reason)
    }

    /// The date the entry runs to from this change on, where it set one.
    pub fn valid_until(&self) -> Option<NaiveDate> {
        self.change.valid_until
    }

    /// The change as balint-core's public view has it.
    pub fn to_public(&self) -> PublicStatusChange {
        PublicStatusChange {
            effective: self.effective(),
            action: self.action(),
            from: self.from(),
            to: self.to(),
            tier: self.tier().and_then(|tier| tier.parse().ok()),
            valid_until: self.valid_until(),
            reason: self.reason().map(str::to_owned),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn row(registration: &str, given: &str, family: &str, city: &str, tier: &str) -> PublicRow {
        PublicRow {
            id: format!("entry-{registration}"),
            registration: registration.into(),
            title: Some("Dr".into()),
            name: format!("{given} {family}"),
            city: Some(city.into()),
            region: Some("NSW".into()),
            tier: tier.into(),
            status: Status::Accredited,
            first_accredited: day("2020-01-01"),
            valid_until: None,
            sort_name: format!("{}\u{1f}{}", family.to_lowercase(), given.to_lowercase()),
            search_text: format!("{given} {family}").to_lowercase(),
        }
    }

    fn build(rows: Vec<(PublicRow, bool)>, standing: &HashMap<String, PublicEntry>) -> Snapshot {
        build_with(rows, Vec::new(), standing)
    }

    fn build_with(
        rows: Vec<(PublicRow, bool)>,
        changes: Vec<(&str, PublicStatusChange)>,
        standing: &HashMap<String, PublicEntry>,
    ) -> Snapshot {
        let mut builder = Builder::default();
        for (row, ahead) in rows {
            builder.push(row, ahead);
        }
        // Given in history order; pushed last to first, as a database may
        // return them.
        let numbered: Vec<_> = changes
            .into_iter()
            .scan(
                HashMap::new(),
                |seqs: &mut HashMap<&str, i32>, (entry_id, change)| {
                    let seq = seqs.entry(entry_id).or_insert(-1);
                    *seq += 1;
                    Some((entry_id, *seq, change))
                },
            )
            .collect();
        for (entry_id, seq, change) in numbered.into_iter().rev() {
            builder.push_change(entry_id, seq, change);
        }
        builder.finish(1, day("2026-01-01"), standing)
    }

    fn snapshot() -> Snapshot {
        let mut suspended = row("B-3", "Ann", "Smithers", "Newcastle", "leader");
        suspended.status = Status::Suspended;
        build(
            vec![
                (row("B-2", "Zoe", "Smith", "Sydney", "leader"), false),
                (suspended, false),
                (row("B-1", "Zoe", "Smith", "Sydney", "trainer"), false),
                (row("B-4", "Tom", "Adams", "Sydney", "leader"), false),
                (row("B-5", "Mia", "Nguyen", "Perth", "leader"), false),
            ],
            &HashMap::new(),
        )
    }

    fn numbers(found: &[Listed]) -> Vec<&str> {
        found.iter().map(|l| l.registration.as_str()).collect()
    }

    fn find(search: PublicSearch, offset: usize, limit: usize) -> (Vec<String>, usize) {
        let (found, total) = snapshot().search(&search, offset, limit);
        (
            numbers(&found).into_iter().map(str::to_owned).collect(),
            total,
        )
    }

    #[test]
    fn everything_in_register_order() {
        let (found, total) = find(PublicSearch::default(), 0, 10);
        assert_eq!(found, ["B-4", "B-5", "B-1", "B-2", "B-3"]);
        assert_eq!(total, 5);
    }

    #[test]
    fn pages_count_every_match() {
        assert_eq!(
            find(PublicSearch::default(), 2, 2),
            (vec!["B-1".into(), "B-2".into()], 5)
        );
        assert_eq!(find(PublicSearch::default(), 5, 2), (vec![], 5));
        assert_eq!(find(PublicSearch::default(), 0, 0), (vec![], 5));
    }

    #[test]
    fn part_of_a_name_matches_once_per_entry() {
        let q = |q: &str| PublicSearch {
            q: Some(q.into()),
            ..PublicSearch::default()
        };
        assert_eq!(find(q("smith"), 0, 10).0, ["B-1", "B-2", "B-3"]);
        // "a" occurs twice in "tom adams": listed once.
        assert_eq!(
            find(q("a"), 0, 10),
            (vec!["B-4".into(), "B-5".into(), "B-3".into()], 3)
        );
        assert_eq!(find(q("zoe smith"), 0, 10).1, 2);
        assert_eq!(find(q("nobody"), 0, 10).1, 0);
        // Never across two entries' names.
        assert_eq!(find(q("nguyen\nzoe"), 0, 10).1, 0);
        assert_eq!(find(q("nguyenzoe"), 0, 10).1, 0);
        // An empty fragment is no filter.
        assert_eq!(find(q(""), 0, 10).1, 5);
    }

    #[test]
    fn filters_combine() {
        let search = PublicSearch {
            q: Some("smith".into()),
            tier: Some("leader".into()),
            status: Some(Status::Accredited),
            place: Some("sydney".into()),
        };
        assert_eq!(find(search, 0, 10), (vec!["B-2".into()], 1));
        let region = PublicSearch {
            place: Some("nsw".into()),
            ..PublicSearch::default()
        };
        assert_eq!(find(region, 0, 10).1, 5);
        let unknown = PublicSearch {
            tier: Some("nosuch".into()),
            ..PublicSearch::default()
        };
        assert_eq!(find(unknown, 0, 10), (vec![], 0));
        let suspended = PublicSearch {
            status: Some(Status::Suspended),
            ..PublicSearch::default()
        };
        assert_eq!(find(suspended, 0, 10), (vec!["B-3".into()], 1));
    }

    #[test]
    fn an_entry_reads_back_as_listed() {
        let (found, _) = snapshot().search(&PublicSearch::default(), 0, 1);
        assert_eq!(
            found,
            [Listed {
                registration: "B-4".into(),
                title: Some("Dr".into()),
                name: "Tom Adams".into(),
                city: Some("Sydney".into()),
                region: Some("NSW".into()),
                tier: "leader".into(),
                status: Status::Accredited,
                first_accredited: day("2020-01-01"),
                valid_until: None,
            }]
        );
    }

    #[test]
    fn entries_dated_ahead_show_as_they_stand() {
        // B-7's suspension is dated ahead: today it is accredited, as a
        // trainer; B-6 is granted from a day to come: not shown yet.
        let mut suspended = row("B-7", "Kim", "Lee", "Perth", "leader");
        suspended.status = Status::Suspended;
        let standing = PublicEntry {
            registration: "B-7".parse().unwrap(),
            status: Status::Accredited,
            tier: "trainer".parse().unwrap(),
            first_accredited: day("2019-05-05"),
            valid_until: Some(day("2026-12-31")),
            history: Vec::new(),
        };
        let snapshot = build(
            vec![
                (row("B-6", "Amy", "Lee", "Perth", "leader"), true),
                (suspended, true),
                (row("B-8", "Sam", "Lee", "Perth", "leader"), false),
            ],
            &HashMap::from([("entry-B-7".to_owned(), standing)]),
        );
        let (found, total) = snapshot.search(
            &PublicSearch {
                q: Some("lee".into()),
                ..PublicSearch::default()
            },
            0,
            10,
        );
        assert_eq!(total, 2);
        assert_eq!(numbers(&found), ["B-7", "B-8"]);
        assert_eq!(found[0].status, Status::Accredited);
        assert_eq!(found[0].tier, "trainer");
        assert_eq!(found[0].valid_until, Some(day("2026-12-31")));
        // Its search text is its own once the others are left out.
        let amy = PublicSearch {
            q: Some("amy".into()),
            ..PublicSearch::default()
        };
        assert_eq!(snapshot.search(&amy, 0, 10).1, 0);
        let kim = PublicSearch {
            q: Some("kim".into()),
            ..PublicSearch::default()
        };
        assert_eq!(numbers(&snapshot.search(&kim, 0, 10).0), ["B-7"]);
    }

    fn change(
        effective: &str,
        action: StatusAction,
        to: Status,
        reason: Option<&str>,
    ) -> PublicStatusChange {
        PublicStatusChange {
            effective: day(effective),
            action,
            from: None,
            to,
            tier: (action == StatusAction::Grant).then(|| "leader".parse().unwrap()),
            valid_until: None,
            reason: reason.map(str::to_owned),
        }
    }

    #[test]
    fn one_entry_with_its_history_up_to_the_day() {
        let mut suspended = row("B-2", "Ann", "Lee", "Perth", "leader");
        suspended.status = Status::Suspended;
        let grant = |on| change(on, StatusAction::Grant, Status::Accredited, Some("Council"));
        let snapshot = build_with(
            vec![
                (row("B-1", "Kim", "Lee", "Perth", "leader"), true),
                (suspended, false),
                (row("B-3", "Sam", "Lee", "Perth", "leader"), false),
            ],
            vec![
                ("entry-B-2", grant("2020-01-01")),
                ("entry-B-1", grant("2019-01-01")),
                // Ahead of the snapshot's day (2026-01-01): not shown yet.
                (
                    "entry-B-1",
                    change("2026-06-01", StatusAction::Retire, Status::Retired, None),
                ),
                (
                    "entry-B-2",
                    change("2025-01-01", StatusAction::Suspend, Status::Suspended, None),
                ),
                // Of an entry not listed: left out.
                ("entry-B-9", grant("2020-01-01")),
            ],
            &HashMap::from([(
                "entry-B-1".to_owned(),
                PublicEntry {
                    registration: "B-1".parse().unwrap(),
                    status: Status::Accredited,
                    tier: "leader".parse().unwrap(),
                    first_accredited: day("2019-01-01"),
                    valid_until: None,
                    history: Vec::new(),
                },
            )]),
        );
        let history = |registration| -> Vec<PublicStatusChange> {
            let entry = snapshot.entry(registration).unwrap();
            entry.history().map(|change| change.to_public()).collect()
        };
        let ann = snapshot.entry("B-2").unwrap();
        assert_eq!(ann.name(), "Ann Lee");
        assert_eq!(ann.status(), Status::Suspended);
        assert_eq!(
            history("B-2"),
            [
                grant("2020-01-01"),
                change("2025-01-01", StatusAction::Suspend, Status::Suspended, None),
            ]
        );
        assert_eq!(snapshot.entry("B-1").unwrap().status(), Status::Accredited);
        assert_eq!(history("B-1"), [grant("2019-01-01")]);
        assert_eq!(history("B-3"), []);
        assert!(snapshot.entry("B-9").is_none());
        assert!(snapshot.entry("B-").is_none());
        // The search and the entry agree.
        let (found, _) = snapshot.search(&PublicSearch::default(), 0, 10);
        for listed in found {
            assert_eq!(
                snapshot.entry(&listed.registration).unwrap().listed(),
                listed
            );
        }
    }

    #[test]
    fn entries_granted_ahead_are_not_there_yet() {
        let snapshot = build_with(
            vec![(row("B-6", "Amy", "Lee", "Perth", "leader"), true)],
            vec![(
                "entry-B-6",
                change("2026-03-01", StatusAction::Grant, Status::Accredited, None),
            )],
            &HashMap::new(),
        );
        assert!(snapshot.entry("B-6").is_none());
        assert!(snapshot.changes.is_empty());
    }

    #[test]
    fn held_copies_are_trusted_only_until_a_write_or_the_refresh_time() {
        // Registers holding `snapshot()` for bsanz, just found current.
        let holding = |refresh| {
            let registers = PublicRegisters::new(refresh);
            registers
                .societies
                .lock()
                .unwrap()
                .insert("bsanz".into(), "society-1".into());
            registers.current.lock().unwrap().insert(
                "society-1".into(),
                Held {
                    snapshot: Arc::new(snapshot()),
                    checked_at: Instant::now(),
                    writes: 0,
                },
            );
            registers
        };
        let today = day("2026-01-01");
        assert!(PublicRegisters::new(Duration::from_secs(3600))
            .held("bsanz", today)
            .is_none());
        let registers = holding(Duration::from_secs(3600));
        assert!(registers.held("bsanz", today).is_some());
        // Another day: the copy is of the day it was built.
        assert!(registers.held("bsanz", day("2026-01-02")).is_none());
        assert!(registers.held("other", today).is_none());
        registers.note_write();
        assert!(registers.held("bsanz", today).is_none());
        // Found current again after that write.
        assert!(registers.confirm("society-1", 1, today, 1).is_some());
        assert!(registers.held("bsanz", today).is_some());
        // A version not the copy's is not confirmed.
        assert!(registers.confirm("society-1", 2, today, 1).is_none());
        let never = holding(Duration::ZERO);
        assert!(never.held("bsanz", today).is_none());
    }

    #[test]
    fn every_number_is_found_and_no_other() {
        let numbers: Vec<String> = (0..5000).map(|n| format!("BSANZ-{n:04}")).collect();
        let lookup = Lookup::new(numbers.iter().map(String::as_str));
        for (at, number) in numbers.iter().enumerate() {
            let found: Vec<usize> = lookup
                .candidates(number)
                .filter(|&i| numbers[i] == *number)
                .collect();
            assert_eq!(found, [at], "{number}");
        }
        for absent in ["BSANZ-5000", "", "bsanz-0001"] {
            assert!(lookup.candidates(absent).all(|i| numbers[i] != absent));
        }
        assert_eq!(Lookup::new(std::iter::empty()).candidates("B-1").count(), 0);
    }
}
