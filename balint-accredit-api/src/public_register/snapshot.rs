//! A society's public register as held in memory, compactly: entries in
//! the register's order, their public histories, repeated words stored
//! once, a hash table by registration number; built from the database's
//! rows, searched and read in place.

use std::collections::HashMap;
use std::ops::Range;

use balint_core::register::{PublicEntry, PublicStatusChange, Status, StatusAction};
use chrono::NaiveDate;
use memchr::memmem;

use super::{Listed, PublicSearch};
use crate::db::register::PublicRow;

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
pub(super) struct Entry {
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
    /// Every entry's history, entry after entry in the register's order,
    /// changes dated ahead of `today` included.
    pub(super) changes: Vec<Change>,
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
pub(super) struct Builder {
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
    pub(super) fn push(&mut self, row: PublicRow, ahead: bool) {
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
        self.changes.push((index, seq, change));
    }

    pub(super) fn ahead_ids(&self) -> Vec<String> {
        self.ahead.iter().map(|(_, id)| id.clone()).collect()
    }

    /// The snapshot in the register's order, the entries dated ahead as
    /// they stand on the day (`standing`; those not granted yet left out).
    pub(super) fn finish(
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
