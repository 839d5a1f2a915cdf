//! The public register's search, answered from memory.
//!
//! A search by part of a name has to look at every listed entry whose name
//! holds it and count them all (the page carries a total), which no index
//! of either database answers in a few milliseconds for a common fragment
//! on a register of 100,000. So the server keeps each society's public
//! register as it stands today in memory, in the register's order, with its
//! names in one buffer that a single substring scan searches; tiers,
//! statuses and places are small numbers compared in place.
//!
//! What is held is only ever what the database says: every request reads
//! the society's register version (one indexed row, moved on by triggers
//! whenever an entry, and so any change to its history, or a listed person
//! is written, by whoever writes it: this server, another one, or the CLI)
//! and rebuilds the copy when the version or the day has moved. A write is therefore seen by the
//! very next search, and the copy costs one small query per search while
//! nothing changes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::NaiveDate;
use diesel::Connection;
use memchr::memmem;

use balint_core::register::{PublicEntry, Status};

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

/// The public registers of every society searched since the server
/// started, each as of its version and day.
#[derive(Debug, Default)]
pub struct PublicRegisters {
    current: Mutex<HashMap<String, Arc<Snapshot>>>,
    /// Held while a copy is built, so that a burst of searches after a
    /// write builds it once, not once per connection.
    building: Mutex<()>,
}

impl PublicRegisters {
    /// `limit` entries of `society_id`'s public register on `today` matching
    /// `search`, from `offset` in the register's order (family name, given
    /// name, registration number), and how many match in all.
    pub fn search(
        &self,
        conn: &mut DbConnection,
        society_id: &str,
        today: NaiveDate,
        search: &PublicSearch,
        offset: usize,
        limit: usize,
    ) -> Result<(Vec<Listed>, usize), ApiError> {
        let snapshot = self.snapshot(conn, society_id, today)?;
        Ok(snapshot.search(search, offset, limit))
    }

    fn held(&self, society_id: &str, version: i64, today: NaiveDate) -> Option<Arc<Snapshot>> {
        let current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        current
            .get(society_id)
            .filter(|s| s.version == version && s.today == today)
            .cloned()
    }

    fn snapshot(
        &self,
        conn: &mut DbConnection,
        society_id: &str,
        today: NaiveDate,
    ) -> Result<Arc<Snapshot>, ApiError> {
        let version = db::register::register_version(conn, society_id)?;
        if let Some(held) = self.held(society_id, version, today) {
            return Ok(held);
        }
        let _building = self.building.lock().unwrap_or_else(PoisonError::into_inner);
        // Someone else may have built it while this one waited.
        let version = db::register::register_version(conn, society_id)?;
        if let Some(held) = self.held(society_id, version, today) {
            return Ok(held);
        }
        // The version is read before the rows, in one transaction: a write
        // landing in between makes the copy newer than its version (rebuilt
        // once more at the next search), never older.
        let snapshot = conn.transaction(|conn| {
            let version = db::register::register_version(conn, society_id)?;
            let mut builder = Builder::default();
            db::register::each_public_row(conn, society_id, today, |row, ahead| {
                builder.push(row, ahead);
            })?;
            let standing = db::register::public_standing(conn, &builder.ahead_ids(), today)?;
            Ok::<_, ApiError>(builder.finish(version, today, &standing))
        })?;
        let snapshot = Arc::new(snapshot);
        tracing::debug!(
            society_id,
            version,
            entries = snapshot.entries.len(),
            "public register rebuilt"
        );
        self.current
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(society_id.to_owned(), Arc::clone(&snapshot));
        Ok(snapshot)
    }
}

/// Words that repeat across the register (tiers, titles, places), stored
/// once and referred to by number.
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
}

/// A society's public register on one day, as of one register version.
#[derive(Debug)]
struct Snapshot {
    version: i64,
    today: NaiveDate,
    /// In the register's order.
    entries: Vec<Entry>,
    /// Every entry's search text, in order, each followed by a newline.
    names: String,
    /// Where each entry's search text ends in `names` (its newline).
    name_ends: Vec<usize>,
    /// Tiers, titles, cities and regions as shown.
    words: Words,
    /// Cities and regions lower-cased, for the place filter.
    places: Words,
}

/// A snapshot being read from the database, in the order the rows come.
#[derive(Debug, Default)]
struct Builder {
    entries: Vec<Entry>,
    sort_names: Vec<Box<str>>,
    /// The search texts, one after another; entry `i`'s ends at `ends[i]`.
    texts: String,
    ends: Vec<usize>,
    /// Entries whose rows are not yet their standing: (index, entry id).
    ahead: Vec<(usize, String)>,
    words: Words,
    places: Words,
}

impl Builder {
    fn push(&mut self, row: PublicRow, ahead: Option<String>) {
        if let Some(id) = ahead {
            self.ahead.push((self.entries.len(), id));
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
        });
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
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        let mut order: Vec<(Box<str>, Entry, std::ops::Range<usize>)> = self
            .sort_names
            .into_iter()
            .zip(self.entries)
            .zip(starts.zip(self.ends.iter().copied()))
            .zip(shown)
            .filter(|(_, shown)| *shown)
            .map(|(((sort_name, entry), (start, end)), _)| (sort_name, entry, start..end))
            .collect();
        order.sort_unstable_by(|a, b| (&a.0, &a.1.registration).cmp(&(&b.0, &b.1.registration)));
        let mut names = String::with_capacity(self.texts.len() + order.len());
        let mut name_ends = Vec::with_capacity(order.len());
        let mut entries = Vec::with_capacity(order.len());
        for (_, entry, text) in order {
            names.push_str(&self.texts[text]);
            name_ends.push(names.len());
            names.push('\n');
            entries.push(entry);
        }
        Snapshot {
            version,
            today,
            entries,
            names,
            name_ends,
            words: self.words,
            places: self.places,
        }
    }
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

    fn search(&self, search: &PublicSearch, offset: usize, limit: usize) -> (Vec<Listed>, usize) {
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn row(registration: &str, given: &str, family: &str, city: &str, tier: &str) -> PublicRow {
        PublicRow {
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

    fn build(
        rows: Vec<(PublicRow, Option<&str>)>,
        standing: &HashMap<String, PublicEntry>,
    ) -> Snapshot {
        let mut builder = Builder::default();
        for (row, ahead) in rows {
            builder.push(row, ahead.map(str::to_owned));
        }
        builder.finish(1, day("2026-01-01"), standing)
    }

    fn snapshot() -> Snapshot {
        let mut suspended = row("B-3", "Ann", "Smithers", "Newcastle", "leader");
        suspended.status = Status::Suspended;
        build(
            vec![
                (row("B-2", "Zoe", "Smith", "Sydney", "leader"), None),
                (suspended, None),
                (row("B-1", "Zoe", "Smith", "Sydney", "trainer"), None),
                (row("B-4", "Tom", "Adams", "Sydney", "leader"), None),
                (row("B-5", "Mia", "Nguyen", "Perth", "leader"), None),
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
                (row("B-6", "Amy", "Lee", "Perth", "leader"), Some("entry-6")),
                (suspended, Some("entry-7")),
                (row("B-8", "Sam", "Lee", "Perth", "leader"), None),
            ],
            &HashMap::from([("entry-7".to_owned(), standing)]),
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
}
