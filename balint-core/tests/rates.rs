//! Rates checked against a reference: a deliberately simple, brute-force
//! reading of the rules in the pathway document format (every run of
//! periods that could begin, every record summed again for every period),
//! compared with the engine on random ledgers, assessment dates, period
//! lengths and anchors.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use balint_core::evaluate::{Candidate, Inputs, RateResult};
use balint_core::ledger::{Activity, ActivityKind, Amount, Attestation, Unit};
use balint_core::pathway::Pathway;
use chrono::{Datelike, Days, Months, NaiveDate};
use proptest::prelude::*;
use serde_json::json;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Anchor {
    Rolling,
    PathwayEntry,
    Calendar,
}

impl Anchor {
    fn word(self) -> &'static str {
        match self {
            Anchor::Rolling => "rolling",
            Anchor::PathwayEntry => "pathway_entry",
            Anchor::Calendar => "calendar",
        }
    }
}

/// A rate as the reference reads it.
#[derive(Debug, Clone, Copy)]
struct Rule {
    anchor: Anchor,
    /// Months in a period.
    len: u32,
    /// Consecutive periods needed.
    periods: u32,
    /// Whole sessions needed in each period.
    at_least: u64,
}

/// What the reference finds; the same fields as the engine's
/// [`RateResult`].
#[derive(Debug, Clone, PartialEq, Eq)]
struct Expected {
    met: bool,
    best_run: u32,
    best_run_from: Option<NaiveDate>,
    best_run_until: Option<NaiveDate>,
    current_run: u32,
    /// (from, until, sessions, in progress)
    short: Vec<(NaiveDate, NaiveDate, u64, bool)>,
}

fn plus_months(d: NaiveDate, months: u32) -> NaiveDate {
    d.checked_add_months(Months::new(months)).unwrap()
}

fn first_of_month(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap()
}

/// Period `j` of the grid that begins at `start` (for training periods,
/// period `j` counted from the day of entering): its first day and the
/// first day after it.
fn period(rule: &Rule, origin: NaiveDate, j: u32) -> (NaiveDate, NaiveDate) {
    (
        plus_months(origin, j * rule.len),
        plus_months(origin, (j + 1) * rule.len),
    )
}

/// Sessions counted between `from` (inclusive) and `to` (exclusive), up to
/// `as_of`.
fn sum(records: &[(NaiveDate, u64)], from: NaiveDate, to: NaiveDate, as_of: NaiveDate) -> u64 {
    records
        .iter()
        .filter(|(d, _)| from <= *d && *d < to && *d <= as_of)
        .map(|(_, n)| n)
        .sum()
}

/// Every grid the rule's periods may lie on, each as its origin (the first
/// day of a period) and the periods from there that may matter: for
/// training periods the one grid from the day of entering; otherwise grids
/// from every month (rolling) or every month a calendar period begins,
/// from well before the first record.
fn starts(
    rule: &Rule,
    entered: Option<NaiveDate>,
    first: NaiveDate,
    as_of: NaiveDate,
) -> Vec<NaiveDate> {
    match rule.anchor {
        Anchor::PathwayEntry => entered.into_iter().collect(),
        Anchor::Rolling | Anchor::Calendar => {
            let mut out = Vec::new();
            let mut d = first_of_month(first)
                .checked_sub_months(Months::new(rule.len * (rule.periods + 1)))
                .unwrap();
            while d <= as_of {
                if rule.anchor == Anchor::Rolling || d.month0() % rule.len == 0 {
                    out.push(d);
                }
                d = plus_months(d, 1);
            }
            out
        }
    }
}

fn reference(
    rule: &Rule,
    entered: Option<NaiveDate>,
    as_of: NaiveDate,
    records: &[(NaiveDate, u64)],
) -> Expected {
    let records: Vec<(NaiveDate, u64)> = records
        .iter()
        .copied()
        .filter(|(d, _)| *d <= as_of)
        .collect();
    let first = records.iter().map(|(d, _)| *d).min();
    let met_in = |from: NaiveDate, to: NaiveDate| sum(&records, from, to, as_of) >= rule.at_least;

    // The longest run: try every period of every grid as a run's first,
    // counting met periods after it. The latest of equally long runs.
    let mut best: Option<(u32, NaiveDate, NaiveDate)> = None;
    for origin in starts(rule, entered, first.unwrap_or(as_of), as_of) {
        let mut j = 0;
        while period(rule, origin, j).0 <= as_of {
            let mut length = 0;
            let mut until = None;
            while met_in(
                period(rule, origin, j + length).0,
                period(rule, origin, j + length).1,
            ) {
                until = Some(period(rule, origin, j + length).1.pred_opt().unwrap());
                length += 1;
            }
            if let Some(until) = until {
                let from = period(rule, origin, j).0;
                if best.is_none_or(|(l, f, _)| (length, from) >= (l, f)) {
                    best = Some((length, from, until));
                }
            }
            j += 1;
        }
    }
    let met = best.is_some_and(|(l, _, _)| l >= rule.periods);

    // The periods up to `as_of`: for training periods, counted from the
    // day of entering; otherwise the periods ending with the month of
    // `as_of` (rolling), or the calendar's.
    let grid_origin = match rule.anchor {
        Anchor::PathwayEntry => entered.filter(|e| *e <= as_of),
        Anchor::Rolling => Some(
            first_of_month(as_of)
                .checked_sub_months(Months::new(rule.len * 400 - 1))
                .unwrap(),
        ),
        Anchor::Calendar => {
            let d = NaiveDate::from_ymd_opt(as_of.year() - 400, 1, 1).unwrap();
            Some(d)
        }
    };
    let mut current_run = 0;
    let mut short = Vec::new();
    if let Some(origin) = grid_origin {
        let holding = |d: NaiveDate| (0..).find(|&j| period(rule, origin, j).1 > d).unwrap();
        let last = holding(as_of);
        let in_progress = |j: u32| as_of < period(rule, origin, j).1.pred_opt().unwrap();
        let mut j = i64::from(last);
        if in_progress(last) && !met_in(period(rule, origin, last).0, period(rule, origin, last).1)
        {
            j -= 1;
        }
        while current_run < rule.periods
            && j >= 0
            && met_in(
                period(rule, origin, j as u32).0,
                period(rule, origin, j as u32).1,
            )
        {
            current_run += 1;
            j -= 1;
        }
        if !met {
            let mut lo = i64::from(last) - i64::from(rule.periods) + 1;
            match first {
                Some(first) if first >= origin => lo = lo.max(i64::from(holding(first))),
                Some(_) => {}
                None if rule.anchor == Anchor::PathwayEntry => {}
                None => lo = i64::from(last) + 1,
            }
            for j in lo.max(0)..=i64::from(last) {
                let (from, to) = period(rule, origin, j as u32);
                let had = sum(&records, from, to, as_of);
                if had < rule.at_least {
                    short.push((
                        from,
                        to.pred_opt().unwrap(),
                        had,
                        as_of < to.pred_opt().unwrap(),
                    ));
                }
            }
        }
    }
    Expected {
        met,
        best_run: best.map_or(0, |b| b.0),
        best_run_from: best.map(|b| b.1),
        best_run_until: best.map(|b| b.2),
        current_run,
        short,
    }
}

fn per_word(len: u32) -> &'static str {
    match len {
        1 => "month",
        3 => "quarter",
        6 => "half_year",
        _ => "year",
    }
}

fn pathway(rule: &Rule) -> Pathway {
    Pathway::from_json_value(json!({
        "id": "rates", "society": "s", "title": "Rates", "version": "1",
        "effective_from": "2000-01-01",
        "tiers": [{"id": "leader", "name": "Leader", "requirements": [
            {"id": "rate", "title": "Supervision at a rate", "kind": "supervision",
             "unit": "sessions", "minimum": 1,
             "rate": {"at_least": rule.at_least, "per": per_word(rule.len),
                      "periods": rule.periods, "anchor": rule.anchor.word()}}
        ]}]
    }))
    .unwrap()
}

fn engine(
    rule: &Rule,
    entered: Option<NaiveDate>,
    as_of: NaiveDate,
    records: &[(NaiveDate, u64, bool)],
) -> RateResult {
    let person: balint_core::PersonId = "trainee".parse().unwrap();
    let ledger: Vec<Activity> = records
        .iter()
        .enumerate()
        .map(|(i, &(date, n, confirmed))| {
            let mut a = Activity::new(
                format!("r{i:03}").parse().unwrap(),
                person.clone(),
                ActivityKind::Supervision,
                date,
                Amount::from_whole(n),
                Unit::Sessions,
            );
            if confirmed {
                a.attestation = Attestation::Confirmed {
                    by: "supervisor".parse().unwrap(),
                    on: date,
                };
            }
            a
        })
        .collect();
    let candidate = Candidate {
        entered_pathway: entered,
        ..Candidate::new(person)
    };
    let p = pathway(rule);
    let a = Inputs::new(&p, &candidate, &ledger, as_of)
        .evaluate(&"leader".parse().unwrap())
        .unwrap();
    a.mandatory[0].rate.clone().unwrap()
}

fn expected_of(r: &RateResult) -> Expected {
    Expected {
        met: r.met,
        best_run: r.best_run,
        best_run_from: r.best_run_from,
        best_run_until: r.best_run_until,
        current_run: r.current_run,
        short: r
            .short_periods
            .iter()
            .map(|p| {
                (
                    p.from,
                    p.until,
                    p.achieved.thousandths() / 1000,
                    p.in_progress,
                )
            })
            .collect(),
    }
}

fn base() -> NaiveDate {
    NaiveDate::from_ymd_opt(2022, 1, 1).unwrap()
}

/// A day in the four years from 2022, often the last day of a month or a
/// year, or the first.
fn day() -> impl Strategy<Value = NaiveDate> {
    prop_oneof![
        (0u64..1461).prop_map(|n| base() + Days::new(n)),
        (0u32..48).prop_map(|m| plus_months(base(), m + 1).pred_opt().unwrap()),
        (0u32..48).prop_map(|m| plus_months(base(), m)),
        (0i32..4).prop_map(|y| NaiveDate::from_ymd_opt(2022 + y, 12, 31).unwrap()),
    ]
}

fn rule() -> impl Strategy<Value = Rule> {
    (
        prop_oneof![
            Just(Anchor::Rolling),
            Just(Anchor::PathwayEntry),
            Just(Anchor::Calendar)
        ],
        prop_oneof![Just(1u32), Just(3), Just(6), Just(12)],
        1u32..=5,
        1u64..=3,
    )
        .prop_map(|(anchor, len, periods, at_least)| Rule {
            anchor,
            len,
            periods,
            at_least,
        })
}

/// Records that often fall a session a period apart, as a trainee's do.
fn records() -> impl Strategy<Value = Vec<(NaiveDate, u64, bool)>> {
    prop_oneof![
        prop::collection::vec((day(), 1u64..=2, prop::bool::weighted(0.9)), 0..40),
        // A session every month (or so) from a day, with gaps.
        (
            day(),
            1usize..36,
            prop::collection::vec(prop::bool::weighted(0.85), 36)
        )
            .prop_map(|(start, n, kept)| {
                (0..n)
                    .filter(|i| kept[*i])
                    .map(|i| (plus_months(start, i as u32), 1, true))
                    .collect()
            }),
    ]
}

/// The day of entering the pathway: often the first of a month, sometimes
/// the 29th to 31st (periods then begin on shorter months' last days),
/// sometimes not recorded.
fn entered() -> impl Strategy<Value = Option<NaiveDate>> {
    prop_oneof![
        4 => (0u32..30).prop_map(|m| Some(plus_months(NaiveDate::from_ymd_opt(2021, 6, 1).unwrap(), m))),
        2 => (0u64..900).prop_map(|n| Some(NaiveDate::from_ymd_opt(2021, 6, 1).unwrap() + Days::new(n))),
        1 => (0u32..24).prop_map(|m| Some(plus_months(NaiveDate::from_ymd_opt(2021, 1, 31).unwrap(), m))),
        1 => Just(None),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(768))]

    #[test]
    fn the_engine_agrees_with_the_reference(
        rule in rule(),
        entered in entered(),
        as_of in day(),
        records in records(),
    ) {
        let counted: Vec<(NaiveDate, u64)> = records.iter().filter(|r| r.2).map(|r| (r.0, r.1)).collect();
        let got = engine(&rule, entered, as_of, &records);
        let want = match (rule.anchor, entered) {
            (Anchor::PathwayEntry, None) => Expected {
                met: false, best_run: 0, best_run_from: None, best_run_until: None,
                current_run: 0, short: Vec::new(),
            },
            _ => reference(&rule, entered, as_of, &counted),
        };
        prop_assert_eq!(expected_of(&got), want, "{:?} entered {:?} as of {}", rule, entered, as_of);
    }

    /// Judged on the last day of a period, a ledger holding enough in each
    /// of the periods that end there meets the rate, whatever else it holds.
    #[test]
    fn whole_periods_ending_on_the_assessment_date_meet_the_rate(
        rule in rule(),
        entered in (0u32..30).prop_map(|m| plus_months(NaiveDate::from_ymd_opt(2021, 6, 1).unwrap(), m)),
        last in 2u32..8,
        offset in 0u32..12,
        noise in prop::collection::vec((day(), 1u64..=2, any::<bool>()), 0..10),
    ) {
        // The last period of the run ends on `as_of`.
        let origin = match rule.anchor {
            Anchor::PathwayEntry => entered,
            Anchor::Rolling => plus_months(NaiveDate::from_ymd_opt(2021, 1, 1).unwrap(), offset),
            Anchor::Calendar => NaiveDate::from_ymd_opt(2021, 1, 1).unwrap(),
        };
        let first = last + 1 - rule.periods.min(last + 1);
        let as_of = period(&rule, origin, last).1.pred_opt().unwrap();
        let mut records: Vec<(NaiveDate, u64, bool)> = noise;
        for j in first..=last {
            // All of a period's sessions on its last day: the boundary.
            let (_, to) = period(&rule, origin, j);
            records.push((to.pred_opt().unwrap(), rule.at_least, true));
        }
        let got = engine(&rule, Some(entered), as_of, &records);
        prop_assert!(got.met || last + 1 < rule.periods, "{:?} as of {}: {:?}", rule, as_of, got);
    }
}

#[test]
fn the_reference_reads_the_examples_of_the_format() {
    let d = |s: &str| s.parse::<NaiveDate>().unwrap();
    // Ten in each of two training years held February to November, judged
    // on the last day of the second year.
    let rule = Rule {
        anchor: Anchor::PathwayEntry,
        len: 12,
        periods: 2,
        at_least: 10,
    };
    let mut records = Vec::new();
    for year in [2024, 2025] {
        for month in 2..=11 {
            records.push((NaiveDate::from_ymd_opt(year, month, 15).unwrap(), 1));
        }
    }
    let e = reference(&rule, Some(d("2024-01-01")), d("2025-12-31"), &records);
    assert!(e.met);
    assert_eq!(e.best_run_from, Some(d("2024-01-01")));
    let e = reference(&rule, Some(d("2024-01-01")), d("2025-11-14"), &records);
    assert!(!e.met);
    assert_eq!(e.short, [(d("2025-01-01"), d("2025-12-31"), 9, true)]);
}
