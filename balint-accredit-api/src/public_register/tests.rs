//! The public register in memory: building, searching, reading in place,
//! and when the copy held is answered.

use balint_core::register::{PublicEntry, PublicStatusChange, StatusAction};

use super::snapshot::{fnv, Shards};
use super::*;
use crate::db::register::PublicRow;

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
        updated_at: day("2020-01-01").and_hms_opt(0, 0, 0).unwrap(),
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
fn a_tier_with_the_tiers_above_it_finds_their_holders_too() {
    let leaders = PublicSearch {
        tier: Some("leader".into()),
        ..PublicSearch::default()
    };
    assert_eq!(find(leaders, 0, 10).1, 4);
    let or_higher = PublicSearch {
        tier: Some("leader".into()),
        also: vec!["trainer".into(), "nosuch".into()],
        ..PublicSearch::default()
    };
    assert_eq!(find(or_higher, 0, 10).1, 5);
    let only_above = PublicSearch {
        tier: Some("nosuch".into()),
        also: vec!["trainer".into()],
        ..PublicSearch::default()
    };
    assert_eq!(find(only_above, 0, 10), (vec!["B-1".into()], 1));
}

#[test]
fn filters_combine() {
    let search = PublicSearch {
        q: Some("smith".into()),
        tier: Some("leader".into()),
        also: Vec::new(),
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
    assert_eq!(snapshot.change_count(), 0);
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
    let table = Shards::new(numbers.iter().enumerate().map(|(at, n)| (fnv(n), at)));
    for (at, number) in numbers.iter().enumerate() {
        let found: Vec<usize> = table
            .candidates(fnv(number))
            .copied()
            .filter(|&i| numbers[i] == *number)
            .collect();
        assert_eq!(found, [at], "{number}");
    }
    for absent in ["BSANZ-5000", "", "bsanz-0001"] {
        assert!(table.candidates(fnv(absent)).all(|&i| numbers[i] != absent));
    }
    let empty: Shards<usize> = Shards::new(std::iter::empty());
    assert_eq!(empty.candidates(fnv("B-1")).count(), 0);
}

#[test]
fn a_patch_reads_again_only_what_was_touched_and_answers_as_a_rebuild() {
    let old = snapshot();
    // B-3 renamed and moved, B-5 withdrawn from the register, B-6 added
    // (a new tier and a new place), B-9 touched but never listed.
    let mut renamed = row("B-3", "Ann", "Aarons", "Hobart", "leader");
    renamed.status = Status::Suspended;
    let added = row("B-6", "Kim", "Lee", "Darwin", "mentor");
    let touched: Vec<String> = ["entry-B-3", "entry-B-5", "entry-B-6", "entry-B-9"]
        .map(str::to_owned)
        .to_vec();
    let mut builder = Builder::continuing(&old);
    builder.push(renamed.clone(), false);
    builder.push(added.clone(), false);
    let fresh = builder.finish(2, day("2026-01-01"), &HashMap::new());
    let patched = old.patched(&touched, fresh);

    let mut whole = Builder::default();
    for row in [
        row("B-2", "Zoe", "Smith", "Sydney", "leader"),
        renamed,
        row("B-1", "Zoe", "Smith", "Sydney", "trainer"),
        row("B-4", "Tom", "Adams", "Sydney", "leader"),
        added,
    ] {
        whole.push(row, false);
    }
    let whole = whole.finish(2, day("2026-01-01"), &HashMap::new());
    let searches = [
        PublicSearch::default(),
        PublicSearch {
            q: Some("a".into()),
            ..PublicSearch::default()
        },
        PublicSearch {
            place: Some("darwin".into()),
            ..PublicSearch::default()
        },
        PublicSearch {
            tier: Some("mentor".into()),
            ..PublicSearch::default()
        },
        PublicSearch {
            q: Some("nguyen".into()),
            ..PublicSearch::default()
        },
    ];
    for search in &searches {
        assert_eq!(
            patched.search(search, 0, 10),
            whole.search(search, 0, 10),
            "{search:?}"
        );
    }
    assert_eq!(
        numbers(&patched.search(&PublicSearch::default(), 0, 10).0),
        ["B-3", "B-4", "B-6", "B-1", "B-2"]
    );
    assert!(patched.entry("B-5").is_none());
    assert_eq!(patched.entry("B-6").unwrap().city(), Some("Darwin"));
    assert_eq!(patched.version, 2);
    // The entries not touched are shared with the copy patched, not copied.
    let shared = |s: &Snapshot| s.entry("B-1").unwrap().registration().as_ptr();
    assert_eq!(shared(&old), shared(&patched));
}

/// A register of `n` entries with made-up names, cities and tiers: the
/// same `n` gives the same register.
fn many(n: usize, seed: u64) -> Vec<PublicRow> {
    const GIVEN: [&str; 8] = [
        "Ann", "Bo", "Chiara", "Dmitri", "Eve", "Farah", "Gus", "Hélène",
    ];
    const FAMILY: [&str; 9] = [
        "Smith", "Smithers", "Nguyen", "O'Brien", "Adams", "Lee", "Kowalski", "Müller", "Li",
    ];
    const CITIES: [&str; 4] = ["Sydney", "Perth", "Hobart", "Darwin"];
    const TIERS: [&str; 3] = ["leader", "trainer", "mentor"];
    let mut state = seed;
    let mut next = move |below: usize| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        usize::try_from(state >> 33).unwrap() % below
    };
    (0..n)
        .map(|at| {
            let family = format!("{}{}", FAMILY[next(FAMILY.len())], next(50));
            row(
                &format!("B-{at:05}"),
                GIVEN[next(GIVEN.len())],
                &family,
                CITIES[next(CITIES.len())],
                TIERS[next(TIERS.len())],
            )
        })
        .collect()
}

fn whole(rows: &[PublicRow], version: i64) -> Snapshot {
    let mut builder = Builder::default();
    for row in rows {
        builder.push(row.clone(), false);
    }
    builder.finish(version, day("2026-01-01"), &HashMap::new())
}

/// Searches of every kind: every piece of one to five letters of a few
/// names, with and without filters, and pages deep into the results.
fn searches() -> Vec<PublicSearch> {
    let mut searches = vec![PublicSearch::default()];
    for name in ["ann smith12", "hélène müller3", "bo o'brien40", "gus li7"] {
        let chars: Vec<char> = name.chars().collect();
        for length in 1..=5 {
            for from in (0..chars.len().saturating_sub(length)).step_by(3) {
                searches.push(PublicSearch {
                    q: Some(chars[from..from + length].iter().collect()),
                    ..PublicSearch::default()
                });
            }
        }
    }
    searches.push(PublicSearch {
        q: Some("smi".into()),
        tier: Some("trainer".into()),
        place: Some("perth".into()),
        ..PublicSearch::default()
    });
    searches.push(PublicSearch {
        tier: Some("mentor".into()),
        ..PublicSearch::default()
    });
    searches.push(PublicSearch {
        q: Some("h\nb".into()),
        ..PublicSearch::default()
    });
    searches
}

#[test]
fn a_search_finds_exactly_the_names_holding_it_across_chunks() {
    let rows = many(12_000, 7);
    let snapshot = whole(&rows, 1);
    let (everyone, total) = snapshot.search(&PublicSearch::default(), 0, usize::MAX);
    assert_eq!(total, 12_000);
    for search in searches() {
        let expected: Vec<&Listed> = everyone
            .iter()
            .filter(|l| {
                search
                    .q
                    .as_ref()
                    .is_none_or(|q| l.name.to_lowercase().contains(q.as_str()))
                    && search.tier.as_ref().is_none_or(|t| l.tier == *t)
                    && search.place.as_ref().is_none_or(|p| {
                        l.city.as_deref().map(str::to_lowercase).as_deref() == Some(p.as_str())
                    })
            })
            .collect();
        let (found, count) = snapshot.search(&search, 0, usize::MAX);
        assert_eq!(count, expected.len(), "{search:?}");
        assert_eq!(found.iter().collect::<Vec<_>>(), expected, "{search:?}");
        // A page deep in the results is the same slice.
        let (page, count) = snapshot.search(&search, 37, 20);
        assert_eq!(count, expected.len(), "{search:?}");
        let slice: Vec<&Listed> = expected.iter().copied().skip(37).take(20).collect();
        assert_eq!(page.iter().collect::<Vec<_>>(), slice, "{search:?}");
    }
}

#[test]
fn a_patch_of_a_large_register_copies_only_what_it_touches() {
    let mut rows = many(30_000, 11);
    let old = whole(&rows, 1);
    // One entry renamed to the front, one to the end, one unlisted, one
    // added, and one touched but unchanged.
    let mut renamed_first = rows[100].clone();
    renamed_first.sort_name = "aaaa\u{1f}ann".into();
    renamed_first.search_text = "ann aaaa".into();
    renamed_first.name = "Ann Aaaa".into();
    let mut renamed_last = rows[200].clone();
    renamed_last.sort_name = "zzzz\u{1f}eve".into();
    renamed_last.city = Some("Broome".into());
    let unlisted = rows[300].id.clone();
    let added = row("B-99999", "Kim", "Kowalski9", "Perth", "trainer");
    let unchanged = rows[400].clone();
    let touched: Vec<String> = [&rows[100], &rows[200], &rows[300], &added, &rows[400]]
        .iter()
        .map(|r| r.id.clone())
        .collect();

    let mut builder = Builder::continuing(&old);
    for row in [&renamed_first, &renamed_last, &added, &unchanged] {
        builder.push((*row).clone(), false);
    }
    let patched = old.patched(
        &touched,
        builder.finish(2, day("2026-01-01"), &HashMap::new()),
    );

    rows[100] = renamed_first;
    rows[200] = renamed_last;
    rows.retain(|r| r.id != unlisted);
    rows.push(added);
    let rebuilt = whole(&rows, 2);
    assert_eq!(patched.len(), rebuilt.len());
    for search in searches().into_iter().chain([PublicSearch {
        place: Some("broome".into()),
        ..PublicSearch::default()
    }]) {
        assert_eq!(
            patched.search(&search, 0, usize::MAX),
            rebuilt.search(&search, 0, usize::MAX),
            "{search:?}"
        );
    }
    for row in &rows {
        assert_eq!(
            patched.entry(&row.registration).map(|e| e.listed()),
            rebuilt.entry(&row.registration).map(|e| e.listed()),
        );
    }
    assert!(patched.entry(&old_registration(&unlisted)).is_none());
    assert_eq!(patched.last_updated(), rebuilt.last_updated());
    // At most the chunks of the five entries, before and after, copied.
    let (shared, of) = patched.shared_chunks(&old);
    assert!(of >= 14 && shared + 7 >= of, "{shared} of {of} shared");
    // Five entries change at most five shards of each table, plus the
    // added one's.
    let (registrations, ids) = patched.shared_shards(&old);
    assert!(
        registrations >= 256 - 6 && ids >= 256 - 6,
        "{registrations}, {ids}"
    );
}

fn old_registration(id: &str) -> String {
    id.trim_start_matches("entry-").to_owned()
}
