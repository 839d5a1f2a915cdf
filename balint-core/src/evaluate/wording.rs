//! Amounts, units and periods in words for people: `1 session`,
//! `2 double sessions`, `3 distinct co-leaders`, `a half year`.
//!
//! Documents and JSON use snake_case words (`double_sessions`); reports and
//! shortfalls use these instead, singular after exactly one.

use std::fmt;

use crate::ledger::{Amount, Unit};
use crate::pathway::{CountUnit, Period};

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
