//! Renewal cycles: how long an accreditation runs, and the grace period
//! after it ends before the entry lapses.

use std::num::NonZeroU32;

use chrono::{Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use super::RegisterError;

/// A society's renewal rule, as plain data: accreditation runs for
/// `cycle_months`, and an entry not renewed by the end of its cycle lapses
/// once `grace_days` more have passed.
///
/// The pathway document carries these numbers; the register only needs them
/// to compute [`RenewalCycle`]s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RenewalPolicy {
    /// Length of one cycle in calendar months (never zero).
    pub cycle_months: NonZeroU32,
    /// Days after the cycle's last day during which a renewal is still on
    /// time; the entry lapses on the day after the grace period.
    pub grace_days: u32,
}

impl RenewalPolicy {
    /// The cycle that starts on `start` (e.g. the date of accreditation, or
    /// of a late renewal after a lapse). It runs to the day before the same
    /// date `cycle_months` later: 2024-03-01 with 36 months runs to
    /// 2027-02-28.
    pub fn cycle_starting(&self, start: NaiveDate) -> Result<RenewalCycle, RegisterError> {
        let valid_until = start
            .checked_add_months(Months::new(self.cycle_months.get()))
            .and_then(|d| d.pred_opt())
            .ok_or(RegisterError::DateOutOfRange)?;
        Ok(RenewalCycle {
            valid_until,
            grace_days: self.grace_days,
        })
    }

    /// The cycle that follows `current` without a gap: renewing early loses
    /// no time, the new cycle starts the day after the current one ends.
    pub fn next_cycle(&self, current: &RenewalCycle) -> Result<RenewalCycle, RegisterError> {
        let start = current
            .valid_until
            .succ_opt()
            .ok_or(RegisterError::DateOutOfRange)?;
        self.cycle_starting(start)
    }
}

/// One accreditation cycle of a register entry: the last day it runs to and
/// the grace period that follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RenewalCycle {
    /// The last day of the cycle (inclusive): "accredited until".
    pub valid_until: NaiveDate,
    /// Days after `valid_until` during which the entry stays accredited and
    /// may still be renewed.
    pub grace_days: u32,
}

impl RenewalCycle {
    /// The cycle that runs to `valid_until` (inclusive) and lapses on
    /// `lapses_on`, for rules that state the grace period in months: the
    /// grace is the days in between. `lapses_on` must be after
    /// `valid_until`.
    pub fn from_dates(valid_until: NaiveDate, lapses_on: NaiveDate) -> Result<Self, RegisterError> {
        let grace_days = (lapses_on - valid_until).num_days() - 1;
        let grace_days =
            u32::try_from(grace_days).map_err(|_| RegisterError::LapseBeforeCycleEnd {
                valid_until,
                lapses_on,
            })?;
        Ok(Self {
            valid_until,
            grace_days,
        })
    }

    /// The first day on which an entry not renewed is lapsed: the day after
    /// the grace period. `None` only for dates at the end of the calendar.
    pub fn lapses_on(&self) -> Option<NaiveDate> {
        self.valid_until
            .checked_add_days(Days::new(u64::from(self.grace_days)))
            .and_then(|d| d.succ_opt())
    }

    /// Whether `as_of` falls after the cycle's last day but before it lapses:
    /// the renewal is overdue but still accepted.
    pub fn in_grace_on(&self, as_of: NaiveDate) -> bool {
        as_of > self.valid_until && self.lapses_on().is_none_or(|lapse| as_of < lapse)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn policy(months: u32, grace_days: u32) -> RenewalPolicy {
        RenewalPolicy {
            cycle_months: NonZeroU32::new(months).unwrap(),
            grace_days,
        }
    }

    #[test]
    fn a_three_year_cycle_runs_to_the_day_before_the_anniversary() {
        let cycle = policy(36, 90).cycle_starting(date("2024-03-01")).unwrap();
        assert_eq!(cycle.valid_until, date("2027-02-28"));
        assert_eq!(cycle.grace_days, 90);
    }

    #[test]
    fn month_ends_clamp_to_the_shorter_month() {
        // 2024-01-31 + 1 month is 2024-02-29 (leap year); the cycle ends the day before.
        let cycle = policy(1, 0).cycle_starting(date("2024-01-31")).unwrap();
        assert_eq!(cycle.valid_until, date("2024-02-28"));
    }

    #[test]
    fn the_next_cycle_starts_the_day_after_the_current_one_ends() {
        let p = policy(12, 30);
        let first = p.cycle_starting(date("2024-07-01")).unwrap();
        assert_eq!(first.valid_until, date("2025-06-30"));
        let second = p.next_cycle(&first).unwrap();
        assert_eq!(second.valid_until, date("2026-06-30"));
    }

    #[test]
    fn lapse_falls_on_the_day_after_the_grace_period() {
        let cycle = RenewalCycle {
            valid_until: date("2026-12-31"),
            grace_days: 30,
        };
        assert_eq!(cycle.lapses_on(), Some(date("2027-01-31")));
        assert!(!cycle.in_grace_on(date("2026-12-31")));
        assert!(cycle.in_grace_on(date("2027-01-01")));
        assert!(cycle.in_grace_on(date("2027-01-30")));
        assert!(!cycle.in_grace_on(date("2027-01-31")));

        let no_grace = RenewalCycle {
            valid_until: date("2026-12-31"),
            grace_days: 0,
        };
        assert_eq!(no_grace.lapses_on(), Some(date("2027-01-01")));
    }

    #[test]
    fn a_cycle_can_be_given_by_its_end_and_lapse_dates() {
        // A cycle to 2026-12-31 with three months' grace lapses on 2027-04-01.
        let cycle = RenewalCycle::from_dates(date("2026-12-31"), date("2027-04-01")).unwrap();
        assert_eq!(cycle.grace_days, 90);
        assert_eq!(cycle.lapses_on(), Some(date("2027-04-01")));
        let no_grace = RenewalCycle::from_dates(date("2026-12-31"), date("2027-01-01")).unwrap();
        assert_eq!(no_grace.grace_days, 0);
        assert_eq!(
            RenewalCycle::from_dates(date("2026-12-31"), date("2026-12-31")),
            Err(RegisterError::LapseBeforeCycleEnd {
                valid_until: date("2026-12-31"),
                lapses_on: date("2026-12-31"),
            })
        );
    }

    #[test]
    fn a_zero_month_cycle_cannot_be_read_from_json() {
        let ok: RenewalPolicy =
            serde_json::from_str(r#"{"cycle_months": 36, "grace_days": 90}"#).unwrap();
        assert_eq!(ok, policy(36, 90));
        assert!(
            serde_json::from_str::<RenewalPolicy>(r#"{"cycle_months": 0, "grace_days": 90}"#)
                .is_err()
        );
    }
}
