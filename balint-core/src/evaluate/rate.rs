//! Rates: "at least 10 a year for 2 years of training", "at least monthly
//! for 24 months". Which periods a rate is judged over is set by its
//! [`RateAnchor`]; this module finds the longest run of periods that each
//! hold enough, and, when no run is long enough, the periods that fall short.

use chrono::{Datelike, Months, NaiveDate};

use crate::pathway::{Rate, RateAnchor};

/// The periods of one alignment, numbered: period `i` runs from
/// [`Grid::start`]`(i)` up to the day before `start(i + 1)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Grid {
    /// Periods of `len` calendar months, each beginning in a month whose
    /// number (counted from year 0) is `offset` modulo `len`.
    Months { len: u32, offset: u32 },
    /// Periods of `len` months from `origin` (the day of entering the
    /// pathway); period 0 begins on it, and days before it are in none.
    From { origin: NaiveDate, len: u32 },
}

/// A month as a number counted from January of year 0.
fn month_number(d: NaiveDate) -> i64 {
    i64::from(d.year()) * 12 + i64::from(d.month0())
}

fn first_of_month(number: i64) -> Option<NaiveDate> {
    let year = i32::try_from(number.div_euclid(12)).ok()?;
    let month = u32::try_from(number.rem_euclid(12)).ok()? + 1;
    NaiveDate::from_ymd_opt(year, month, 1)
}

impl Grid {
    /// The number of the period holding `d`; none before a `From` origin.
    pub(super) fn index(self, d: NaiveDate) -> Option<i64> {
        match self {
            Grid::Months { len, offset } => {
                Some((month_number(d) - i64::from(offset)).div_euclid(i64::from(len)))
            }
            Grid::From { origin, len } => {
                if d < origin {
                    return None;
                }
                // Whole months from the origin to `d`: the month numbers'
                // difference, less one if that many months on is after `d`.
                let mut months = month_number(d) - month_number(origin);
                let on = u32::try_from(months)
                    .ok()
                    .and_then(|m| origin.checked_add_months(Months::new(m)));
                if on.is_none_or(|on| on > d) {
                    months -= 1;
                }
                Some(months.div_euclid(i64::from(len)))
            }
        }
    }

    /// The first day of period `i`.
    pub(super) fn start(self, i: i64) -> Option<NaiveDate> {
        match self {
            Grid::Months { len, offset } => {
                first_of_month(i.checked_mul(i64::from(len))? + i64::from(offset))
            }
            Grid::From { origin, len } => {
                let months = u32::try_from(i.checked_mul(i64::from(len))?).ok()?;
                origin.checked_add_months(Months::new(months))
            }
        }
    }

    /// The last day of period `i`.
    pub(super) fn last_day(self, i: i64) -> Option<NaiveDate> {
        self.start(i.checked_add(1)?)?.pred_opt()
    }
}

/// A run of consecutive periods that each held enough.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Run {
    /// How many periods.
    pub length: u32,
    /// The first day of its first period.
    pub from: NaiveDate,
    /// The last day of its last period.
    pub until: NaiveDate,
}

/// A period that fell short.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Short {
    /// The period's number in its grid.
    pub index: i64,
    /// Its first day.
    pub from: NaiveDate,
    /// Its last day.
    pub until: NaiveDate,
    /// What it held, in the base unit.
    pub achieved: u64,
    /// Whether it was still under way on the assessment date.
    pub in_progress: bool,
}

/// What the rate check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Outcome {
    /// The longest run (the latest of equally long ones); none when no
    /// period held enough.
    pub best: Option<Run>,
    /// Whether a run of the periods needed exists.
    pub met: bool,
    /// The grid in which the periods up to the assessment date were
    /// examined (none when the rate's periods cannot be placed).
    pub examined: Option<Grid>,
    /// The run of periods that held enough ending with the latest one (the
    /// period under way on the assessment date, or the one before it while
    /// that period does not hold enough yet), at most the periods needed.
    pub current_run: u32,
    /// When the rate is not met: the periods among the last ones needed up
    /// to the assessment date (from the first with a counted record) that
    /// fell short, in order.
    pub short: Vec<Short>,
    /// Training periods were asked for, but the day of entering the
    /// pathway is not known.
    pub no_origin: bool,
}

/// Judges `rate` over `counted`: the counted records as (date, amount in
/// the base unit), in date order, none after `as_of`; `at_least` is the
/// rate's amount in the same base unit.
pub(super) fn assess(
    rate: &Rate,
    at_least: u64,
    counted: &[(NaiveDate, u64)],
    entered_pathway: Option<NaiveDate>,
    as_of: NaiveDate,
) -> Outcome {
    let len = rate.per.months();
    let needed = rate.periods;
    let grids: Vec<Grid> = match rate.anchor {
        RateAnchor::Rolling => (0..len)
            .map(|offset| Grid::Months { len, offset })
            .collect(),
        RateAnchor::Calendar => vec![Grid::Months { len, offset: 0 }],
        RateAnchor::PathwayEntry => match entered_pathway {
            Some(origin) => vec![Grid::From { origin, len }],
            None => {
                return Outcome {
                    best: None,
                    met: false,
                    examined: None,
                    current_run: 0,
                    short: Vec::new(),
                    no_origin: true,
                }
            }
        },
    };
    // Rolling grids differ only in where months are grouped: sum each month
    // once, then group the sums.
    let by_month: Vec<(NaiveDate, u64)> = if grids.len() > 1 {
        let mut out: Vec<(NaiveDate, u64)> = Vec::new();
        for &(date, amount) in counted {
            let first = date.with_day(1).unwrap_or(date);
            match out.last_mut() {
                Some((month, sum)) if *month == first => *sum += amount,
                _ => out.push((first, amount)),
            }
        }
        out
    } else {
        Vec::new()
    };
    let source: &[(NaiveDate, u64)] = if grids.len() > 1 { &by_month } else { counted };

    let mut best: Option<(u32, i64, Grid)> = None;
    for &grid in &grids {
        let sums = period_sums(grid, source);
        for (length, first) in runs(&sums, at_least) {
            let better = match best {
                None => true,
                Some((l, f, g)) => (length, grid.start(first)) >= (l, g.start(f)),
            };
            if better {
                best = Some((length, first, grid));
            }
        }
    }
    let best = best.and_then(|(length, first, grid)| {
        Some(Run {
            length,
            from: grid.start(first)?,
            until: grid.last_day(first + i64::from(length) - 1)?,
        })
    });
    let met = best.is_some_and(|b| b.length >= needed);

    // The grid in which the last periods up to `as_of` are read: the
    // anchor's own, or for rolling periods the one whose period ends with
    // the month of `as_of`.
    let examined = match rate.anchor {
        RateAnchor::Rolling => {
            let offset = (month_number(as_of) + 1).rem_euclid(i64::from(len));
            u32::try_from(offset)
                .ok()
                .map(|offset| Grid::Months { len, offset })
        }
        _ => grids.first().copied(),
    };
    let (current_run, short) = match examined {
        Some(grid) => latest_periods(grid, counted, at_least, needed, as_of, !met),
        None => (0, Vec::new()),
    };
    Outcome {
        best,
        met,
        examined,
        current_run,
        short,
        no_origin: false,
    }
}

/// The sums of `records` (in date order) per period of `grid`, in period
/// order; records in no period are left out.
fn period_sums(grid: Grid, records: &[(NaiveDate, u64)]) -> Vec<(i64, u64)> {
    let mut sums: Vec<(i64, u64)> = Vec::new();
    // Records come in date order: the period in hand and the day after it,
    // so that a period is placed once, not once per record.
    let mut current: Option<(i64, NaiveDate)> = None;
    for &(date, amount) in records {
        let i = match current {
            Some((i, next)) if date < next => i,
            _ => {
                let Some(i) = grid.index(date) else { continue };
                current = grid.start(i + 1).map(|next| (i, next));
                i
            }
        };
        match sums.last_mut() {
            Some((last, sum)) if *last == i => *sum += amount,
            _ => sums.push((i, amount)),
        }
    }
    sums
}

/// Every maximal run of consecutive periods holding at least `at_least`,
/// as (length, first period).
fn runs(sums: &[(i64, u64)], at_least: u64) -> Vec<(u32, i64)> {
    let mut out = Vec::new();
    let mut current: Option<(u32, i64, i64)> = None; // (length, first, last)
    for &(i, sum) in sums {
        if sum < at_least {
            if let Some((length, first, _)) = current.take() {
                out.push((length, first));
            }
            continue;
        }
        current = match current {
            Some((length, first, last)) if last + 1 == i => Some((length + 1, first, i)),
            Some((length, first, _)) => {
                out.push((length, first));
                Some((1, i, i))
            }
            None => Some((1, i, i)),
        };
    }
    if let Some((length, first, _)) = current {
        out.push((length, first));
    }
    out
}

/// The current run and, when `list_short`, the short periods among the
/// last `needed` periods of `grid` up to `as_of` (see [`Outcome`]).
fn latest_periods(
    grid: Grid,
    counted: &[(NaiveDate, u64)],
    at_least: u64,
    needed: u32,
    as_of: NaiveDate,
    list_short: bool,
) -> (u32, Vec<Short>) {
    let Some(last) = grid.index(as_of) else {
        return (0, Vec::new());
    };
    let sums = period_sums(grid, counted);
    let sum_of = |i: i64| {
        sums.binary_search_by_key(&i, |(j, _)| *j)
            .map_or(0, |k| sums[k].1)
    };
    let in_progress = |i: i64| grid.last_day(i).is_some_and(|until| as_of < until);

    let mut current_run = 0;
    let mut i = last;
    if in_progress(i) && sum_of(i) < at_least {
        i -= 1;
    }
    while current_run < needed && sum_of(i) >= at_least {
        current_run += 1;
        i -= 1;
    }

    let mut short = Vec::new();
    if list_short {
        let mut lo = last - i64::from(needed) + 1;
        match (grid, counted.first()) {
            (_, Some(&(first, _))) => {
                if let Some(first) = grid.index(first) {
                    lo = lo.max(first);
                }
            }
            (Grid::From { .. }, None) => {}
            (Grid::Months { .. }, None) => lo = last + 1,
        }
        if let Grid::From { .. } = grid {
            lo = lo.max(0);
        }
        for i in lo..=last {
            let achieved = sum_of(i);
            if achieved >= at_least {
                continue;
            }
            if let (Some(from), Some(until)) = (grid.start(i), grid.last_day(i)) {
                short.push(Short {
                    index: i,
                    from,
                    until,
                    achieved,
                    in_progress: as_of < until,
                });
            }
        }
    }
    (current_run, short)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap_or(NaiveDate::MIN)
    }

    #[test]
    fn training_periods_begin_on_the_entry_day_or_the_months_last() {
        let g = Grid::From {
            origin: d("2024-01-31"),
            len: 1,
        };
        assert_eq!(g.index(d("2024-01-30")), None);
        assert_eq!(g.index(d("2024-01-31")), Some(0));
        assert_eq!(g.index(d("2024-02-28")), Some(0));
        assert_eq!(g.index(d("2024-02-29")), Some(1));
        assert_eq!(g.start(1), Some(d("2024-02-29")));
        assert_eq!(g.last_day(1), Some(d("2024-03-30")));
        assert_eq!(g.index(d("2024-03-30")), Some(1));
        assert_eq!(g.index(d("2024-03-31")), Some(2));
        let years = Grid::From {
            origin: d("2024-02-15"),
            len: 12,
        };
        assert_eq!(years.index(d("2025-02-14")), Some(0));
        assert_eq!(years.index(d("2025-02-15")), Some(1));
        assert_eq!(years.last_day(1), Some(d("2026-02-14")));
    }

    #[test]
    fn month_grids_group_calendar_months() {
        let calendar_years = Grid::Months { len: 12, offset: 0 };
        assert_eq!(calendar_years.start(2024), Some(d("2024-01-01")));
        assert_eq!(calendar_years.index(d("2024-12-31")), Some(2024));
        let halves = Grid::Months { len: 6, offset: 0 };
        assert_eq!(
            halves.start(halves.index(d("2024-08-09")).unwrap_or(0)),
            Some(d("2024-07-01"))
        );
        let from_march = Grid::Months { len: 12, offset: 2 };
        let i = from_march.index(d("2025-02-28")).unwrap_or(0);
        assert_eq!(from_march.start(i), Some(d("2024-03-01")));
        assert_eq!(from_march.last_day(i), Some(d("2025-02-28")));
        assert_eq!(
            Grid::Months { len: 1, offset: 0 }.index(d("-0001-12-01")),
            Some(-1)
        );
    }

    #[test]
    fn runs_are_maximal_and_broken_by_gaps_and_short_periods() {
        let sums = [(1, 10), (2, 12), (3, 9), (4, 10), (6, 10), (7, 10)];
        assert_eq!(runs(&sums, 10), vec![(2, 1), (1, 4), (2, 6)]);
        assert_eq!(runs(&[], 10), vec![]);
    }
}
