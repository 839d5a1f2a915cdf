//! A society's public register as held in memory, compactly: entries in
//! the register's order, in chunks of about two thousand, each chunk with
//! its names in one buffer and an index of their three-letter pieces;
//! their public histories; repeated words stored once; tables by
//! registration number and by id, in shards. Built from the database's
//! rows, searched and read in place; and patched: a copy with a few
//! entries read again ([`Snapshot::patched`]) copies only the chunks and
//! shards those entries are in, and shares every other one with the copy
//! it came from, so a patch costs what it touches, not the register's
//! size.

use std::collections::HashMap;
use std::sync::Arc;

use balint_core::register::{PublicEntry, PublicStatusChange, Status, StatusAction};
use chrono::{NaiveDate, NaiveDateTime};
use memchr::memmem;

use super::{Listed, PublicSearch, SocietyFacts};
use crate::db::register::PublicRow;

/// Entries in a chunk when the register is read whole; a patched chunk
/// is split again once it holds more than twice as many.
const CHUNK: usize = 2048;

/// How many shards the tables by registration number and by id have: a
/// patch copies only the shards of the entries it touches.
const SHARDS: usize = 256;

/// Words that repeat across the register (tiers, titles, places, reasons),
/// stored once and referred to by number.
#[derive(Debug, Default, Clone)]
struct Words {
    numbers: HashMap<Box<str>, u32>,
    words: Vec<Box<str>>,
}

impl Words {
    const NONE: u32 = u32::MAX;

    fn find(&self, word: &str) -> Option<u32> {
        self.numbers.get(word).copied()
    }

    fn get(&self, n: u32) -> Option<&str> {
        self.words.get(usize::try_from(n).ok()?).map(|w| &**w)
    }
}

/// [`Words`] shared between a copy and its patches: a word already known
/// is numbered without copying; a new one copies the list once.
trait Numbering {
    fn number(&mut self, word: &str) -> u32;
    fn maybe(&mut self, word: Option<&str>) -> u32;
}

impl Numbering for Arc<Words> {
    fn number(&mut self, word: &str) -> u32 {
        if let Some(n) = self.find(word) {
            return n;
        }
        let words = Arc::make_mut(self);
        let n = u32::try_from(words.words.len()).unwrap_or(Words::NONE - 1);
        words.words.push(word.into());
        words.numbers.insert(word.into(), n);
        n
    }

    fn maybe(&mut self, word: Option<&str>) -> u32 {
        word.map_or(Words::NONE, |w| self.number(w))
    }
}

/// What an entry shows that only its own page or row reads, and what it
/// is ordered and searched by: shared by the copies a patch makes (a
/// patch clones the pointer, not the strings).
#[derive(Debug)]
struct Texts {
    id: Box<str>,
    registration: Box<str>,
    name: Box<str>,
    /// Family then given name, lower-cased: the register's order.
    sort_name: Box<str>,
    /// The names, lower-cased, as searched (no newline).
    search: Box<str>,
    /// Its public history, oldest first, changes dated ahead included.
    history: Box<[Change]>,
}

impl Texts {
    /// The register's order: family name, given name, registration number.
    fn order(&self) -> (&str, &str) {
        (&self.sort_name, &self.registration)
    }
}

/// One entry, compactly: what a search filters by in place, the rest
/// behind one shared pointer.
#[derive(Debug, Clone)]
pub(super) struct Entry {
    texts: Arc<Texts>,
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
    /// When the entry or its person was last written.
    updated: NaiveDateTime,
}

impl Entry {
    fn order(&self) -> (&str, &str) {
        self.texts.order()
    }
}

/// One change of a public history, compactly.
#[derive(Debug, Clone, Copy)]
pub(super) struct Change {
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

/// A run of entries in the register's order, with what searches them.
#[derive(Debug)]
struct Chunk {
    entries: Vec<Entry>,
    /// The entries' search texts, in order, each followed by a newline.
    names: String,
    /// Where each entry's search text ends in `names` (its newline).
    name_ends: Vec<u32>,
    /// Which entries' search texts hold each three-byte piece.
    grams: Grams,
    /// When one of its entries or their people was last written.
    last_updated: Option<NaiveDateTime>,
    /// How many changes its entries' histories hold.
    changes: usize,
}

impl Chunk {
    /// A chunk of `entries` (in the register's order, at most `u16::MAX`).
    fn new(entries: Vec<Entry>) -> Self {
        let length = entries.iter().map(|e| e.texts.search.len() + 1).sum();
        let mut names = String::with_capacity(length);
        let mut name_ends = Vec::with_capacity(entries.len());
        for entry in &entries {
            names.push_str(&entry.texts.search);
            name_ends.push(position(names.len()));
            names.push('\n');
        }
        Self {
            grams: Grams::new(entries.iter().map(|e| e.texts.search.as_bytes())),
            last_updated: entries.iter().map(|e| e.updated).max(),
            changes: entries.iter().map(|e| e.texts.history.len()).sum(),
            entries,
            names,
            name_ends,
        }
    }

    /// Chunks of `entries` (in the register's order) of about [`CHUNK`]
    /// entries each.
    fn split(entries: Vec<Entry>) -> Vec<Arc<Chunk>> {
        let pieces = entries.len().div_ceil(CHUNK).max(1);
        let size = entries.len().div_ceil(pieces).max(1);
        let mut chunks = Vec::with_capacity(pieces);
        let mut rest = entries.into_iter().peekable();
        while rest.peek().is_some() {
            chunks.push(Arc::new(Self::new(rest.by_ref().take(size).collect())));
        }
        chunks
    }

    /// Entry `index`'s search text.
    fn name(&self, index: usize) -> &[u8] {
        let end = self.name_ends[index] as usize;
        let start = match index {
            0 => 0,
            _ => self.name_ends[index - 1] as usize + 1,
        };
        &self.names.as_bytes()[start..end]
    }

    /// The entries whose search text holds `q`, in order, each once.
    fn holding(&self, q: &[u8], finder: &memmem::Finder<'_>, mut each: impl FnMut(usize)) {
        if q.len() >= 3 {
            // Only entries holding q's rarest piece can hold q.
            let Some(fewest) = q
                .windows(3)
                .map(|gram| self.grams.holding([gram[0], gram[1], gram[2]]))
                .min_by_key(|found| found.len())
            else {
                return;
            };
            for &index in fewest {
                let index = usize::from(index);
                // A piece of three is the whole of `q`: no need to look.
                if q.len() == 3 || finder.find(self.name(index)).is_some() {
                    each(index);
                }
            }
            return;
        }
        let mut last = None;
        for at in finder.find_iter(self.names.as_bytes()) {
            let index = self.name_ends.partition_point(|&end| (end as usize) < at);
            let Some(&end) = self.name_ends.get(index) else {
                continue;
            };
            // Within the one name (a `q` holding a newline never matches).
            if at + q.len() > end as usize || last == Some(index) {
                continue;
            }
            last = Some(index);
            each(index);
        }
    }
}

/// Which texts of a chunk hold each three-byte piece: for each piece, the
/// texts' places in the chunk, ascending.
#[derive(Debug, Default)]
struct Grams {
    /// Where each piece's texts are in `texts`.
    pieces: HashMap<[u8; 3], (u32, u32), BuildPieceHasher>,
    texts: Vec<u16>,
}

impl Grams {
    fn new<'a>(texts: impl Iterator<Item = &'a [u8]>) -> Self {
        let mut pairs: Vec<([u8; 3], u16)> = Vec::new();
        for (at, text) in texts.enumerate() {
            let at = u16::try_from(at).unwrap_or(u16::MAX);
            pairs.extend(
                text.windows(3)
                    .map(|gram| ([gram[0], gram[1], gram[2]], at)),
            );
        }
        pairs.sort_unstable();
        pairs.dedup();
        let mut grams = Self {
            pieces: HashMap::default(),
            texts: Vec::with_capacity(pairs.len()),
        };
        let mut pairs = pairs.into_iter().peekable();
        while let Some((piece, at)) = pairs.next() {
            let start = position(grams.texts.len());
            grams.texts.push(at);
            while let Some((_, at)) = pairs.next_if(|(next, _)| *next == piece) {
                grams.texts.push(at);
            }
            grams
                .pieces
                .insert(piece, (start, position(grams.texts.len())));
        }
        grams
    }

    /// The places of the texts holding `piece`, ascending.
    fn holding(&self, piece: [u8; 3]) -> &[u16] {
        match self.pieces.get(&piece) {
            Some(&(start, end)) => &self.texts[start as usize..end as usize],
            None => &[],
        }
    }
}

/// Hashes a three-byte piece (FNV-1a): a piece is no untrusted key to
/// guard against, and the default hasher would cost more than the lookup.
#[derive(Debug, Default, Clone, Copy)]
struct BuildPieceHasher;

impl std::hash::BuildHasher for BuildPieceHasher {
    type Hasher = PieceHasher;

    fn build_hasher(&self) -> PieceHasher {
        PieceHasher(0xcbf2_9ce4_8422_2325)
    }
}

#[derive(Debug)]
struct PieceHasher(u64);

impl std::hash::Hasher for PieceHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// A table in [`SHARDS`] shards by a key's hash, each shard sorted by
/// hash: a patch copies the shards it changes and shares the others.
#[derive(Debug, Clone)]
pub(super) struct Shards<V> {
    shards: Vec<Arc<Shard<V>>>,
}

/// One shard: the hashes, ascending (searched without touching the
/// values), and the values in the same order.
#[derive(Debug, Clone)]
struct Shard<V> {
    hashes: Vec<u64>,
    values: Vec<V>,
}

impl<V: Clone> Shards<V> {
    pub(super) fn new(items: impl Iterator<Item = (u64, V)>) -> Self {
        let mut shards: Vec<Vec<(u64, V)>> = vec![Vec::new(); SHARDS];
        for (hash, value) in items {
            shards[Self::shard(hash)].push((hash, value));
        }
        Self {
            shards: shards
                .into_iter()
                .map(|mut shard| {
                    shard.sort_by_key(|&(hash, _)| hash);
                    let (hashes, values) = shard.into_iter().unzip();
                    Arc::new(Shard { hashes, values })
                })
                .collect(),
        }
    }

    fn shard(hash: u64) -> usize {
        // The top bits: the bottom ones order the shard.
        (hash >> 56) as usize % SHARDS
    }

    /// The values whose key has the hash `hash` (the caller checks the key).
    pub(super) fn candidates(&self, hash: u64) -> impl Iterator<Item = &V> {
        let shard = &self.shards[Self::shard(hash)];
        let from = shard.hashes.partition_point(|&h| h < hash);
        shard.hashes[from..]
            .iter()
            .take_while(move |&&h| h == hash)
            .zip(&shard.values[from..])
            .map(|(_, value)| value)
    }

    /// Removes the values with the hash `hash` that `gone` says are gone.
    fn remove(&mut self, hash: u64, gone: impl Fn(&V) -> bool) {
        let shard = Arc::make_mut(&mut self.shards[Self::shard(hash)]);
        let from = shard.hashes.partition_point(|&h| h < hash);
        let to = shard.hashes.partition_point(|&h| h <= hash);
        for at in (from..to).rev() {
            if gone(&shard.values[at]) {
                shard.hashes.remove(at);
                shard.values.remove(at);
            }
        }
    }

    fn insert(&mut self, hash: u64, value: V) {
        let shard = Arc::make_mut(&mut self.shards[Self::shard(hash)]);
        let at = shard.hashes.partition_point(|&h| h <= hash);
        shard.hashes.insert(at, hash);
        shard.values.insert(at, value);
    }

    /// How many shards `self` and `other` share (for tests).
    #[cfg(test)]
    fn shared(&self, other: &Self) -> usize {
        self.shards
            .iter()
            .zip(&other.shards)
            .filter(|(a, b)| Arc::ptr_eq(a, b))
            .count()
    }
}

/// A society's public register on one day, as of one register version.
#[derive(Debug)]
pub struct Snapshot {
    pub(super) version: i64,
    pub(super) today: NaiveDate,
    /// The entries in the register's order, in chunks (none empty).
    chunks: Vec<Arc<Chunk>>,
    /// How many entries come before each chunk, and all of them last.
    starts: Vec<usize>,
    /// The entries by registration number's hash.
    by_registration: Shards<Entry>,
    /// The entries' texts by id's hash.
    by_id: Shards<Arc<Texts>>,
    /// Tiers, titles, cities and regions as shown.
    words: Arc<Words>,
    /// Cities and regions lower-cased, for the place filter.
    places: Arc<Words>,
    /// The public reasons of changes.
    reasons: Arc<Words>,
    /// The listed entries not granted yet on the day (a grant dated
    /// ahead): (id's hash, id, when written). Not shown, but their writes
    /// count for when the register last changed.
    hidden: Vec<(u64, Box<str>, NaiveDateTime)>,
    /// When a listed entry or its person was last written.
    last_updated: Option<NaiveDateTime>,
    /// The society itself as its public pages show it, read with the
    /// register (its writes move the register version too).
    society: Arc<SocietyFacts>,
}

/// An entry being read from the database.
#[derive(Debug)]
struct Pending {
    row: PublicRow,
    ahead: bool,
    /// Its changes with their place in its history, in the order they came.
    changes: Vec<(i32, Change)>,
}

/// A snapshot being read from the database, in the order the rows come:
/// the whole register, or (from [`Builder::continuing`]) the entries a
/// patch reads again.
#[derive(Debug, Default)]
pub(super) struct Builder {
    pending: Vec<Pending>,
    /// Entries by id, for their changes.
    ids: HashMap<Box<str>, usize>,
    words: Arc<Words>,
    places: Arc<Words>,
    reasons: Arc<Words>,
}

impl Builder {
    /// A builder numbering words as `snapshot` does (and new ones after
    /// them), for the entries a patch of it reads again.
    pub(super) fn continuing(snapshot: &Snapshot) -> Self {
        Self {
            words: Arc::clone(&snapshot.words),
            places: Arc::clone(&snapshot.places),
            reasons: Arc::clone(&snapshot.reasons),
            ..Self::default()
        }
    }

    pub(super) fn push(&mut self, row: PublicRow, ahead: bool) {
        self.ids.insert(row.id.as_str().into(), self.pending.len());
        self.pending.push(Pending {
            row,
            ahead,
            changes: Vec::new(),
        });
    }

    /// Change `seq` of entry `entry_id`'s history, in any order (read after
    /// the entries; a change of an entry not read is left out).
    pub(super) fn push_change(&mut self, entry_id: &str, seq: i32, change: PublicStatusChange) {
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
        self.pending[index].changes.push((seq, change));
    }

    pub(super) fn ahead_ids(&self) -> Vec<String> {
        self.pending
            .iter()
            .filter(|p| p.ahead)
            .map(|p| p.row.id.clone())
            .collect()
    }

    /// The snapshot in the register's order, the entries dated ahead as
    /// they stand on the day (`standing`; those not granted yet left out).
    pub(super) fn finish(
        self,
        version: i64,
        today: NaiveDate,
        standing: &HashMap<String, PublicEntry>,
    ) -> Snapshot {
        let Self {
            pending,
            mut words,
            mut places,
            reasons,
            ..
        } = self;
        let mut entries = Vec::with_capacity(pending.len());
        let mut hidden = Vec::new();
        for Pending {
            row,
            ahead,
            mut changes,
        } in pending
        {
            let (mut tier, mut status, mut first_accredited, mut valid_until) = (
                words.number(&row.tier),
                row.status,
                row.first_accredited,
                row.valid_until,
            );
            if ahead {
                // Not granted yet on the day: not on the register.
                let Some(public) = standing.get(&row.id) else {
                    hidden.push((fnv(&row.id), row.id.into(), row.updated_at));
                    continue;
                };
                tier = words.number(public.tier.as_str());
                status = public.status;
                first_accredited = public.first_accredited;
                valid_until = public.valid_until;
            }
            changes.sort_unstable_by_key(|&(seq, _)| seq);
            // A stored newline must not join two entries' names in the search.
            let search: String = row
                .search_text
                .chars()
                .map(|c| if c == '\n' { ' ' } else { c })
                .collect();
            entries.push(Entry {
                title: words.maybe(row.title.as_deref()),
                city: words.maybe(row.city.as_deref()),
                region: words.maybe(row.region.as_deref()),
                city_key: places.maybe(row.city.as_deref().map(str::to_lowercase).as_deref()),
                region_key: places.maybe(row.region.as_deref().map(str::to_lowercase).as_deref()),
                tier,
                status,
                first_accredited,
                valid_until,
                updated: row.updated_at,
                texts: Arc::new(Texts {
                    id: row.id.into(),
                    registration: row.registration.into(),
                    name: row.name.into(),
                    sort_name: row.sort_name.into(),
                    search: search.into(),
                    history: changes.into_iter().map(|(_, change)| change).collect(),
                }),
            });
        }
        entries.sort_unstable_by(|a, b| a.order().cmp(&b.order()));
        let by_registration = Shards::new(
            entries
                .iter()
                .map(|entry| (fnv(&entry.texts.registration), entry.clone())),
        );
        let by_id = Shards::new(
            entries
                .iter()
                .map(|entry| (fnv(&entry.texts.id), Arc::clone(&entry.texts))),
        );
        let chunks = if entries.is_empty() {
            Vec::new()
        } else {
            Chunk::split(entries)
        };
        Snapshot::assemble(
            version,
            today,
            chunks,
            (by_registration, by_id),
            hidden,
            (words, places, reasons),
        )
    }
}

impl Snapshot {
    /// A snapshot of `chunks`, in the register's order, found by the
    /// tables given.
    fn assemble(
        version: i64,
        today: NaiveDate,
        chunks: Vec<Arc<Chunk>>,
        (by_registration, by_id): (Shards<Entry>, Shards<Arc<Texts>>),
        hidden: Vec<(u64, Box<str>, NaiveDateTime)>,
        (words, places, reasons): (Arc<Words>, Arc<Words>, Arc<Words>),
    ) -> Self {
        let last_updated = chunks
            .iter()
            .filter_map(|c| c.last_updated)
            .chain(hidden.iter().map(|h| h.2))
            .max();
        let mut starts = Vec::with_capacity(chunks.len() + 1);
        let mut before = 0;
        for chunk in &chunks {
            starts.push(before);
            before += chunk.entries.len();
        }
        starts.push(before);
        Self {
            version,
            today,
            chunks,
            starts,
            by_registration,
            by_id,
            words,
            places,
            reasons,
            hidden,
            last_updated,
            society: Arc::default(),
        }
    }

    /// This register with the society's details `society` (read with it).
    pub(super) fn with_society(mut self, society: Arc<SocietyFacts>) -> Self {
        self.society = society;
        self
    }

    /// The society and its details, as of this register's version.
    pub fn society(&self) -> &Arc<SocietyFacts> {
        &self.society
    }

    /// How many entries are on the register.
    pub fn len(&self) -> usize {
        self.starts.last().copied().unwrap_or(0)
    }

    /// Whether the register has no entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The chunk an entry ordered by `order` belongs in: the last one
    /// whose first entry is not after it (the first when it comes before
    /// them all).
    fn chunk_for(&self, order: (&str, &str)) -> usize {
        self.chunks
            .partition_point(|chunk| chunk.entries[0].order() <= order)
            .saturating_sub(1)
    }

    /// This register with the entries `touched` read again: each is
    /// dropped, and those in `fresh` (read by a [`Builder::continuing`]
    /// this one, as of `fresh`'s version and day) put in their place in
    /// the register's order. Only the chunks and shards they are in are
    /// copied; every other one is shared.
    pub(super) fn patched(&self, touched: &[String], fresh: Snapshot) -> Snapshot {
        let mut by_registration = self.by_registration.clone();
        let mut by_id = self.by_id.clone();
        // What each chunk loses and gains, by chunk.
        let mut gone: HashMap<usize, Vec<Arc<Texts>>> = HashMap::new();
        let mut gained: HashMap<usize, Vec<Entry>> = HashMap::new();
        let mut ids: Vec<u64> = Vec::with_capacity(touched.len());
        for id in touched {
            let hash = fnv(id);
            ids.push(hash);
            let old = self
                .by_id
                .candidates(hash)
                .find(|texts| *texts.id == **id)
                .cloned();
            let Some(old) = old else { continue };
            by_id.remove(hash, |texts| *texts.id == **id);
            by_registration.remove(fnv(&old.registration), |entry| *entry.texts.id == **id);
            gone.entry(self.chunk_for(old.order()))
                .or_default()
                .push(old);
        }
        ids.sort_unstable();
        for entry in fresh.chunks.iter().flat_map(|chunk| chunk.entries.iter()) {
            by_id.insert(fnv(&entry.texts.id), Arc::clone(&entry.texts));
            by_registration.insert(fnv(&entry.texts.registration), entry.clone());
            gained
                .entry(self.chunk_for(entry.order()))
                .or_default()
                .push(entry.clone());
        }
        let mut chunks = Vec::with_capacity(self.chunks.len() + gained.len());
        for (at, chunk) in self.chunks.iter().enumerate() {
            let lost = gone.remove(&at).unwrap_or_default();
            let new = gained.remove(&at).unwrap_or_default();
            if lost.is_empty() && new.is_empty() {
                chunks.push(Arc::clone(chunk));
                continue;
            }
            let mut entries: Vec<Entry> = chunk
                .entries
                .iter()
                .filter(|entry| !lost.iter().any(|l| Arc::ptr_eq(l, &entry.texts)))
                .cloned()
                .chain(new)
                .collect();
            entries.sort_by(|a, b| a.order().cmp(&b.order()));
            if entries.len() > 2 * CHUNK {
                chunks.extend(Chunk::split(entries));
            } else if !entries.is_empty() {
                chunks.push(Arc::new(Chunk::new(entries)));
            }
        }
        // A register empty until now: the new entries are its first chunk.
        if let Some(new) = gained.remove(&0) {
            chunks.extend(Chunk::split(new));
        }
        let was_touched = |hash: &u64, id: &str| {
            ids.binary_search(hash).is_ok() && touched.iter().any(|t| **t == *id)
        };
        let mut hidden: Vec<_> = self
            .hidden
            .iter()
            .filter(|(hash, id, _)| !was_touched(hash, id))
            .cloned()
            .collect();
        hidden.extend(fresh.hidden);
        Snapshot::assemble(
            fresh.version,
            fresh.today,
            chunks,
            (by_registration, by_id),
            hidden,
            (fresh.words, fresh.places, fresh.reasons),
        )
        .with_society(fresh.society)
    }

    /// How many of this register's chunks are shared with `other`, and
    /// how many it has (for tests).
    #[cfg(test)]
    pub(super) fn shared_chunks(&self, other: &Snapshot) -> (usize, usize) {
        let shared = self
            .chunks
            .iter()
            .filter(|chunk| other.chunks.iter().any(|o| Arc::ptr_eq(o, chunk)))
            .count();
        (shared, self.chunks.len())
    }

    /// How many shards of the tables by registration number and by id
    /// this register shares with `other` (for tests).
    #[cfg(test)]
    pub(super) fn shared_shards(&self, other: &Snapshot) -> (usize, usize) {
        (
            self.by_registration.shared(&other.by_registration),
            self.by_id.shared(&other.by_id),
        )
    }

    /// When a listed entry (shown yet or not) or its person was last
    /// written; `None` when nothing is listed.
    pub fn last_updated(&self) -> Option<NaiveDateTime> {
        self.last_updated
    }

    /// How many changes the entries' histories hold in all.
    pub fn change_count(&self) -> usize {
        self.chunks.iter().map(|c| c.changes).sum()
    }
}

/// FNV-1a: short keys, no untrusted input to guard against.
pub(super) fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A position in a snapshot's lists as stored (a register holds far fewer
/// than 2^32 entries or changes).
fn position(at: usize) -> u32 {
    u32::try_from(at).unwrap_or(u32::MAX)
}

impl Snapshot {
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
        let tiers: Option<Vec<u32>> = match &search.tier {
            Some(tier) => {
                let known: Vec<u32> = std::iter::once(tier)
                    .chain(&search.also)
                    .filter_map(|t| self.words.find(t))
                    .collect();
                if known.is_empty() {
                    return (Vec::new(), 0);
                }
                Some(known)
            }
            None => None,
        };
        let place = match &search.place {
            Some(place) => match self.places.find(place) {
                Some(n) => Some(n),
                None => return (Vec::new(), 0),
            },
            None => None,
        };
        let keep = |entry: &Entry| {
            tiers.as_ref().is_none_or(|t| t.contains(&entry.tier))
                && search.status.is_none_or(|s| entry.status == s)
                && place.is_none_or(|p| entry.city_key == p || entry.region_key == p)
        };
        let q = search.q.as_deref().filter(|q| !q.is_empty());
        if q.is_none() && tiers.is_none() && search.status.is_none() && place.is_none() {
            // Everything: the page is read straight from where it starts.
            return (self.page(offset, limit), self.len());
        }
        let mut total = 0;
        let mut page = Vec::with_capacity(limit.min(100));
        let mut take = |entry: &Entry| {
            if keep(entry) {
                if total >= offset && page.len() < limit {
                    page.push(self.listed(entry));
                }
                total += 1;
            }
        };
        match q {
            Some(q) => {
                let finder = memmem::Finder::new(q.as_bytes());
                for chunk in &self.chunks {
                    chunk.holding(q.as_bytes(), &finder, |index| take(&chunk.entries[index]));
                }
            }
            None => self
                .chunks
                .iter()
                .flat_map(|chunk| chunk.entries.iter())
                .for_each(take),
        }
        (page, total)
    }

    /// `limit` entries from `offset`, in the register's order.
    fn page(&self, offset: usize, limit: usize) -> Vec<Listed> {
        let first = self
            .starts
            .partition_point(|&start| start <= offset)
            .saturating_sub(1);
        self.chunks
            .iter()
            .zip(&self.starts)
            .skip(first)
            .flat_map(|(chunk, &start)| chunk.entries.iter().skip(offset.saturating_sub(start)))
            .take(limit)
            .map(|entry| self.listed(entry))
            .collect()
    }

    /// The listed entry `registration`, read in place; `None` when it is
    /// not on the public register.
    pub fn entry(&self, registration: &str) -> Option<EntryRef<'_>> {
        self.by_registration
            .candidates(fnv(registration))
            .find(|entry| &*entry.texts.registration == registration)
            .map(|entry| EntryRef {
                snapshot: self,
                entry,
            })
    }

    fn listed(&self, entry: &Entry) -> Listed {
        let word = |n: u32| self.words.get(n).map(str::to_owned);
        Listed {
            registration: entry.texts.registration.to_string(),
            title: word(entry.title),
            name: entry.texts.name.to_string(),
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
        &self.entry.texts.registration
    }

    pub fn title(&self) -> Option<&'a str> {
        self.word(self.entry.title)
    }

    pub fn name(&self) -> &'a str {
        &self.entry.texts.name
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

    /// When the entry or its person was last written.
    pub fn updated(&self) -> NaiveDateTime {
        self.entry.updated
    }

    /// Its standing on `day` (any day, before or after the snapshot's), as
    /// [`balint_core::register::RegisterEntry::standing_on`] reads it from
    /// the whole history: `None` before its first grant.
    pub fn standing_on(&self, day: NaiveDate) -> Option<DayStanding<'a>> {
        let history = &self.entry.texts.history;
        // Dates never decrease along a history: the changes by `day` are a prefix.
        let by = &history[..history.partition_point(|change| change.effective <= day)];
        let status = by.last()?.to;
        let tier = by
            .iter()
            .rev()
            .find_map(|change| self.snapshot.words.get(change.tier))?;
        let valid_until = by
            .iter()
            .rev()
            .find(|change| matches!(change.action, StatusAction::Grant | StatusAction::Renew))
            .and_then(|change| change.valid_until);
        Some(DayStanding {
            status,
            tier,
            valid_until,
        })
    }

    /// The day of its first grant, as its history has it.
    pub fn first_granted(&self) -> NaiveDate {
        self.entry
            .texts
            .history
            .first()
            .map_or(self.entry.first_accredited, |change| change.effective)
    }

    /// The entry as a page of the register lists it.
    pub fn listed(&self) -> Listed {
        self.snapshot.listed(self.entry)
    }

    /// Its public history up to the snapshot's day, oldest first.
    pub fn history(&self) -> impl Iterator<Item = ChangeRef<'a>> + 'a {
        let snapshot = self.snapshot;
        self.entry
            .texts
            .history
            .iter()
            .take_while(move |change| change.effective <= snapshot.today)
            .map(move |change| ChangeRef { snapshot, change })
    }
}

/// An entry's standing on a day, read from its history in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayStanding<'a> {
    /// The status that day.
    pub status: Status,
    /// The tier most recently granted by that day.
    pub tier: &'a str,
    /// The last day of the cycle running that day, if it had one.
    pub valid_until: Option<NaiveDate>,
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
