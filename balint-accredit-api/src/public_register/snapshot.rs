//! A society's public register as held in memory, compactly: entries in
//! the register's order, their public histories, repeated words stored
//! once, a hash table by registration number; built from the database's
//! rows, searched and read in place; and patched: a copy with a few
//! entries read again ([`Snapshot::patched`]) shares every other entry's
//! texts and history with the copy it came from.

use std::collections::HashMap;
use std::sync::Arc;

use balint_core::register::{PublicEntry, PublicStatusChange, Status, StatusAction};
use chrono::{NaiveDate, NaiveDateTime};
use memchr::memmem;

use super::{Listed, PublicSearch, SocietyFacts};
use crate::db::register::PublicRow;
/// Words that repeat across the register (tiers, titles, places, reasons),
/// stored once and referred to by number.
#[derive(Debug, Default, Clone)]
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

/// One entry, compactly: what a search filters by in place, the rest
/// behind one shared pointer.
#[derive(Debug, Clone)]
pub(super) struct Entry {
    texts: Arc<Texts>,
    /// A hash of the id, so the entries a patch replaces are found without
    /// comparing every id.
    id_hash: u64,
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
    /// The register's order: family name, given name, registration number.
    fn order(&self) -> (&str, &str) {
        (&self.texts.sort_name, &self.texts.registration)
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

/// A society's public register on one day, as of one register version.
#[derive(Debug)]
pub struct Snapshot {
    pub(super) version: i64,
    pub(super) today: NaiveDate,
    /// In the register's order.
    pub(super) entries: Vec<Entry>,
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
    words: Words,
    places: Words,
    reasons: Words,
}

impl Builder {
    /// A builder numbering words as `snapshot` does (and new ones after
    /// them), for the entries a patch of it reads again.
    pub(super) fn continuing(snapshot: &Snapshot) -> Self {
        Self {
            words: snapshot.words.clone(),
            places: snapshot.places.clone(),
            reasons: snapshot.reasons.clone(),
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
                id_hash: fnv(&row.id),
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
        Snapshot::assemble(version, today, entries, hidden, (words, places, reasons))
    }
}

impl Snapshot {
    /// A snapshot of `entries`, in the register's order: their names
    /// buffer and the table by registration number made here.
    fn assemble(
        version: i64,
        today: NaiveDate,
        entries: Vec<Entry>,
        hidden: Vec<(u64, Box<str>, NaiveDateTime)>,
        (words, places, reasons): (Words, Words, Words),
    ) -> Self {
        let last_updated = entries
            .iter()
            .map(|e| e.updated)
            .chain(hidden.iter().map(|h| h.2))
            .max();
        let length = entries.iter().map(|e| e.texts.search.len() + 1).sum();
        let mut names = String::with_capacity(length);
        let mut name_ends = Vec::with_capacity(entries.len());
        for entry in &entries {
            names.push_str(&entry.texts.search);
            name_ends.push(names.len());
            names.push('\n');
        }
        let by_registration = Lookup::new(entries.iter().map(|entry| &*entry.texts.registration));
        Self {
            version,
            today,
            entries,
            by_registration,
            names,
            name_ends,
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

    /// This register with the entries `touched` read again: each is
    /// dropped, and those in `fresh` (read by a [`Builder::continuing`]
    /// this one, as of `fresh`'s version and day) put in their place in
    /// the register's order. Every other entry is shared, not copied.
    pub(super) fn patched(&self, touched: &[String], fresh: Snapshot) -> Snapshot {
        let mut hashes: Vec<u64> = touched.iter().map(|id| fnv(id)).collect();
        hashes.sort_unstable();
        let was_touched = |hash: u64, id: &str| {
            hashes.binary_search(&hash).is_ok() && touched.iter().any(|t| **t == *id)
        };
        let replaced = |entry: &Entry| was_touched(entry.id_hash, &entry.texts.id);
        let mut hidden: Vec<_> = self
            .hidden
            .iter()
            .filter(|(hash, id, _)| !was_touched(*hash, id))
            .cloned()
            .collect();
        hidden.extend(fresh.hidden);
        let mut kept = self.entries.iter().filter(|e| !replaced(e)).peekable();
        let mut fresh_entries = fresh.entries.into_iter().peekable();
        let mut entries = Vec::with_capacity(self.entries.len() + fresh_entries.len());
        loop {
            let take_fresh = match (kept.peek(), fresh_entries.peek()) {
                (Some(old), Some(new)) => new.order() < old.order(),
                (None, Some(_)) => true,
                (_, None) => false,
            };
            if take_fresh {
                entries.extend(fresh_entries.next());
            } else if let Some(old) = kept.next() {
                entries.push(old.clone());
            } else {
                break;
            }
        }
        Snapshot::assemble(
            fresh.version,
            fresh.today,
            entries,
            hidden,
            (fresh.words, fresh.places, fresh.reasons),
        )
        .with_society(fresh.society)
    }

    /// When a listed entry (shown yet or not) or its person was last
    /// written; `None` when nothing is listed.
    pub fn last_updated(&self) -> Option<NaiveDateTime> {
        self.last_updated
    }

    /// How many changes the entries' histories hold in all.
    pub fn change_count(&self) -> usize {
        self.entries.iter().map(|e| e.texts.history.len()).sum()
    }
}

/// FNV-1a: short keys, no untrusted input to guard against.
fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Entries found by registration number: an open-addressing hash table
/// at most half full, each slot the top half of its number's hash and the
/// entry's index plus one (0: empty). A lookup usually reads one slot.
#[derive(Debug, Default)]
pub(super) struct Lookup {
    slots: Vec<(u32, u32)>,
}

impl Lookup {
    pub(super) fn new<'a>(registrations: impl ExactSizeIterator<Item = &'a str>) -> Self {
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
        let hash = fnv(registration);
        let tag = (hash >> 32) as u32;
        // The size is a power of two: the low bits pick the slot.
        (tag, (hash as usize) & (size - 1))
    }

    /// The indexes whose registration may be `registration` (its hash's
    /// top half matches), in the order they are found; the caller checks.
    pub(super) fn candidates(&self, registration: &str) -> impl Iterator<Item = usize> + '_ {
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
        let keep = |index: &usize| {
            let entry = &self.entries[*index];
            tiers.as_ref().is_none_or(|t| t.contains(&entry.tier))
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
