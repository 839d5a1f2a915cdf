//! Amounts, units and periods in words for people: `1 session`,
//! `2 double sessions`, `3 distinct co-leaders`, `a half year`.
//!
//! Documents and JSON use snake_case words (`double_sessions`); reports and
//! shortfalls use these instead, singular after exactly one.

use std::fmt::{self, Write as _};

use chrono::{Datelike, NaiveDate};

use super::rate::{self, Grid};
use crate::ledger::{Amount, Unit};
use crate::pathway::{CountUnit, Period, Rate, RateAnchor};

/// Whether an amount is exactly one (so the unit is singular).
fn is_one(amount: Amount) -> bool {
    amount == Amount::from_whole(1)
}

/// A requirement's unit in words.
pub(super) fn count_unit(unit: CountUnit, one: bool) -> &'static str {
    let (singular, plural) = match unit {
        CountUnit::Sessions => ("session", "sessions"),
        CountUnit::DoubleSessions => ("double session", "double sessions"),
        CountUnit::Minutes => ("minute", "minutes"),
        CountUnit::Hours => ("hour", "hours"),
        CountUnit::Cases => ("case", "cases"),
        CountUnit::Meetings => ("meeting", "meetings"),
        CountUnit::Events => ("event", "events"),
        CountUnit::Days => ("day", "days"),
        CountUnit::DistinctGroups => ("distinct group", "distinct groups"),
        CountUnit::DistinctCoLeaders => ("distinct co-leader", "distinct co-leaders"),
        CountUnit::DistinctSettings => ("distinct setting", "distinct settings"),
    };
    if one {
        singular
    } else {
        plural
    }
}

/// A ledger unit in words (plural: "recorded in double sessions").
pub(super) fn ledger_unit(unit: Unit) -> &'static str {
    match unit {
        Unit::Sessions => "sessions",
        Unit::DoubleSessions => "double sessions",
        Unit::Minutes => "minutes",
        Unit::Hours => "hours",
        Unit::Cases => "cases",
        Unit::Meetings => "meetings",
        Unit::Events => "events",
        Unit::Days => "days",
    }
}

/// A rate's period in words.
pub(super) fn period(period: Period, one: bool) -> &'static str {
    let (singular, plural) = match period {
        Period::Month => ("month", "months"),
        Period::Quarter => ("quarter", "quarters"),
        Period::HalfYear => ("half year", "half years"),
        Period::Year => ("year", "years"),
    };
    if one {
        singular
    } else {
        plural
    }
}

/// An amount with its unit, e.g. `1 session`, `2.5 hours`.
pub(super) struct Quantity(pub Amount, pub CountUnit);

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.0, count_unit(self.1, is_one(self.0)))
    }
}

/// A count of whole things, e.g. `1 month`, `24 months`, `2 pending records`.
pub(super) struct Count<'a>(pub u64, pub &'a str, pub &'a str);

impl fmt::Display for Count<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Count(n, singular, plural) = *self;
        write!(f, "{n} {}", if n == 1 { singular } else { plural })
    }
}

/// A snake_case word with spaces, e.g. `in_person` as `in person`.
pub(super) struct Spaced<'a>(pub &'a str);

impl fmt::Display for Spaced<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, part) in self.0.split('_').enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(part)?;
        }
        Ok(())
    }
}

/// A rate's period in words, as its anchor places it: `month`, `training
/// year`, `calendar quarter`.
pub(super) fn rate_period(rate: &Rate, one: bool) -> String {
    anchored_period(rate.anchor, rate.per, one)
}

/// A period in words as `anchor` places it (see [`rate_period`]).
pub(super) fn anchored_period(anchor: RateAnchor, per: Period, one: bool) -> String {
    let period = period(per, one);
    match anchor {
        RateAnchor::Rolling => period.to_owned(),
        RateAnchor::PathwayEntry => format!("training {period}"),
        RateAnchor::Calendar => format!("calendar {period}"),
    }
}

/// A day for people: `1 February 2025`.
pub(super) fn day(d: NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

/// Whole calendar months from `from` to `until`: `February 2024`, `March to
/// December 2025`, `March 2024 to February 2025`; other spans as days.
fn months(from: NaiveDate, until: NaiveDate) -> String {
    let whole = from.day() == 1 && until.succ_opt().is_none_or(|next| next.day() == 1);
    if !whole {
        return format!("{} to {}", day(from), day(until));
    }
    let month = |d: NaiveDate| d.format("%B").to_string();
    if (from.year(), from.month()) == (until.year(), until.month()) {
        format!("{} {}", month(from), from.year())
    } else if from.year() == until.year() {
        format!("{} to {} {}", month(from), month(until), until.year())
    } else {
        format!(
            "{} {} to {} {}",
            month(from),
            from.year(),
            month(until),
            until.year()
        )
    }
}

/// Periods `first` to `last` of `grid` (from `from` to `until`) in words:
/// training periods by number and days, others by their months.
fn span(rate: &Rate, grid: Option<Grid>, from: NaiveDate, until: NaiveDate) -> String {
    match grid {
        Some(g @ Grid::From { .. }) => {
            let number = |d: NaiveDate| g.index(d).map_or(0, |i| i + 1);
            let (first, last) = (number(from), number(until));
            let one = first == last;
            let mut s = rate_period(rate, one);
            if one {
                let _ = write!(s, " {first}");
            } else {
                s = format!("{} {first} to {last}", rate_period(rate, false));
            }
            format!("{s} ({} to {})", day(from), day(until))
        }
        _ => months(from, until),
    }
}

/// Why a rate is not met, in one sentence: what it needs, the longest run
/// and where it lies, the recent periods that fell short and what they
/// held, and how far the current run has come.
pub(super) fn rate_shortfall(
    rate: &Rate,
    unit: CountUnit,
    outcome: &rate::Outcome,
    to_unit: impl Fn(u64) -> Amount,
) -> String {
    let needed = Quantity(rate.at_least, unit);
    let mut s = if rate.periods == 1 {
        format!("needs at least {needed} in one {}", rate_period(rate, true))
    } else {
        format!(
            "needs at least {needed} in each of {} consecutive {}",
            rate.periods,
            rate_period(rate, false)
        )
    };
    if outcome.no_origin {
        s.push_str(
            "; training periods are counted from the day of entering the pathway, which is not recorded",
        );
        return s;
    }
    let grid = match rate.anchor {
        RateAnchor::PathwayEntry => outcome.examined,
        _ => None,
    };
    match outcome.best {
        None => {
            let _ = write!(s, "; no {} has held enough yet", rate_period(rate, true));
        }
        // Training periods name themselves ("training years 1 to 2 (...)");
        // others are counted, then placed ("2 months (January to ...)").
        Some(run) if grid.is_some() => {
            let _ = write!(
                s,
                "; the longest run so far is {}",
                span(rate, grid, run.from, run.until)
            );
        }
        Some(run) => {
            let _ = write!(
                s,
                "; the longest run so far is {} {} ({})",
                run.length,
                rate_period(rate, run.length == 1),
                span(rate, grid, run.from, run.until)
            );
        }
    }
    const LISTED: usize = 6;
    if !outcome.short.is_empty() {
        // Neighbouring periods that held nothing are named together.
        let mut groups: Vec<(rate::Short, rate::Short)> = Vec::new();
        for p in &outcome.short {
            match groups.last_mut() {
                Some((_, last))
                    if p.achieved == 0 && last.achieved == 0 && last.index + 1 == p.index =>
                {
                    *last = *p
                }
                _ => groups.push((*p, *p)),
            }
        }
        let mut items: Vec<String> = groups
            .iter()
            .take(LISTED)
            .map(|(first, last)| {
                let label = span(rate, grid, first.from, last.until);
                let achieved = to_unit(last.achieved);
                let held = if achieved.is_zero() {
                    format!("no {}", count_unit(unit, false))
                } else {
                    Quantity(achieved, unit).to_string()
                };
                match (last.in_progress, first.index == last.index) {
                    (false, _) => format!("{label} had {held}"),
                    (true, true) => format!("{label} has {held} so far"),
                    (true, false) => format!("{label} has had {held} so far"),
                }
            })
            .collect();
        let more = groups.len().saturating_sub(LISTED);
        if more > 0 {
            items.push(format!(
                "{more} more {}",
                if more == 1 { "period" } else { "periods" }
            ));
        }
        let _ = write!(s, "; short: {}", and_list(&items));
    }
    if outcome.current_run > 0 && outcome.current_run < rate.periods {
        let _ = write!(
            s,
            "; the current run has {} of the {} {} needed",
            outcome.current_run,
            rate.periods,
            rate_period(rate, false)
        );
    }
    s
}

/// `a`, `a and b`, `a, b and c`.
pub(super) fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_and_everything_else_plural() {
        let q = |n, u| Quantity(Amount::from_thousandths(n), u).to_string();
        assert_eq!(q(1000, CountUnit::Sessions), "1 session");
        assert_eq!(q(0, CountUnit::Sessions), "0 sessions");
        assert_eq!(q(500, CountUnit::Hours), "0.5 hours");
        assert_eq!(q(1500, CountUnit::DoubleSessions), "1.5 double sessions");
        assert_eq!(
            q(1000, CountUnit::DistinctCoLeaders),
            "1 distinct co-leader"
        );
        assert_eq!(q(2000, CountUnit::DistinctSettings), "2 distinct settings");
        assert_eq!(Count(1, "month", "months").to_string(), "1 month");
        assert_eq!(Count(24, "month", "months").to_string(), "24 months");
    }

    #[test]
    fn words_have_spaces_not_underscores() {
        assert_eq!(Spaced("in_person").to_string(), "in person");
        assert_eq!(Spaced("final_suitability").to_string(), "final suitability");
        assert_eq!(period(Period::HalfYear, false), "half years");
        assert_eq!(ledger_unit(Unit::DoubleSessions), "double sessions");
    }
}
