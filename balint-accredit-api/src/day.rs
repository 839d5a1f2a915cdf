//! The one date type the service takes from outside: every date in a
//! request body, a query parameter, a form field, an imported file or a
//! command-line flag is read as a [`Day`].

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The first day the service takes.
const FIRST: NaiveDate = match NaiveDate::from_ymd_opt(1900, 1, 1) {
    Some(day) => day,
    None => NaiveDate::MIN,
};

/// The last day the service takes.
const LAST: NaiveDate = match NaiveDate::from_ymd_opt(2199, 12, 31) {
    Some(day) => day,
    None => NaiveDate::MAX,
};

/// A calendar day as the service takes it: ISO 8601 `YYYY-MM-DD`, from
/// **1900-01-01 to 2199-12-31**.
///
/// Those are the days a register can mean: no one now practising entered a
/// pathway, led a group or was accredited before 1900, and a date beyond
/// 2199 is a typing slip (`2026` typed as `9026`), not a plan. Every day
/// within them is one both databases store alike (chrono reads years back
/// to -262143; PostgreSQL's dates start in 4713 BC). The rules of each
/// field apply on top (an activity is not dated in the future; a
/// status change is not dated before the entry's latest change).
///
/// A `Day` exists only within the bounds: it is made by [`Day::parse`] or
/// [`Day::new`], and read from JSON, query strings and forms by its
/// `Deserialize`, which refuses a day outside them with
/// [`DayError::OutOfRange`]. It is written as chrono writes a date
/// (`2026-03-01`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(NaiveDate);

/// Why a text is not a [`Day`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DayError {
    /// Not a date written `YYYY-MM-DD` (or no such day, like 2026-02-30).
    #[error("must be a date (YYYY-MM-DD)")]
    NotADate,
    /// A date, outside 1900-01-01 to 2199-12-31.
    #[error("must be a day from 1900-01-01 to 2199-12-31")]
    OutOfRange,
}

impl DayError {
    /// Whether `message` (e.g. a deserializer's error, which may go on with
    /// where in the input it happened) is a [`DayError`]'s: the edge
    /// answers such a date with 422 naming the field, as it does every
    /// broken rule, rather than 400 for an unreadable body.
    pub fn is_message(message: &str) -> bool {
        [Self::NotADate, Self::OutOfRange]
            .iter()
            .any(|e| message.starts_with(&e.to_string()))
    }
}

impl Day {
    /// The first day taken, 1900-01-01.
    pub const FIRST: Day = Day(FIRST);
    /// The last day taken, 2199-12-31.
    pub const LAST: Day = Day(LAST);

    /// `date`, when it is within the bounds.
    pub fn new(date: NaiveDate) -> Result<Self, DayError> {
        if (FIRST..=LAST).contains(&date) {
            Ok(Self(date))
        } else {
            Err(DayError::OutOfRange)
        }
    }

    /// Read `YYYY-MM-DD` (as chrono reads it: `2026-3-1` too).
    pub fn parse(text: &str) -> Result<Self, DayError> {
        let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| DayError::NotADate)?;
        Self::new(date)
    }

    /// The date.
    pub fn date(self) -> NaiveDate {
        self.0
    }
}

/// The date `text` names when it is one after `today`, within the bounds
/// or not: for a field that must not be in the future, being in the
/// future is what is wrong with `9999-01-01`.
pub fn after(text: &str, today: NaiveDate) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .filter(|date| *date > today)
}

impl From<Day> for NaiveDate {
    fn from(day: Day) -> Self {
        day.0
    }
}

impl FromStr for Day {
    type Err = DayError;

    fn from_str(text: &str) -> Result<Self, DayError> {
        Self::parse(text)
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Serialize for Day {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Day {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;

        impl serde::de::Visitor<'_> for Visitor {
            type Value = Day;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a date (YYYY-MM-DD)")
            }

            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Day, E> {
                Day::parse(text).map_err(E::custom)
            }
        }

        deserializer.deserialize_str(Visitor)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn days_within_the_bounds_are_taken() {
        for text in ["1900-01-01", "2026-03-01", "2024-02-29", "2199-12-31"] {
            let day = Day::parse(text).unwrap();
            assert_eq!(day.to_string(), text);
            assert_eq!(serde_json::to_string(&day).unwrap(), format!("\"{text}\""));
            assert_eq!(
                serde_json::from_str::<Day>(&format!("\"{text}\"")).unwrap(),
                day
            );
        }
        assert_eq!(Day::parse("2026-3-1").unwrap().to_string(), "2026-03-01");
        assert_eq!(Day::FIRST.to_string(), "1900-01-01");
        assert_eq!(Day::LAST.to_string(), "2199-12-31");
    }

    #[test]
    fn days_outside_the_bounds_are_refused_in_words() {
        for text in [
            "1899-12-31",
            "2200-01-01",
            "0000-01-01",
            "9999-12-31",
            "-262143-01-01",
            "+262142-12-31",
        ] {
            assert_eq!(Day::parse(text), Err(DayError::OutOfRange), "{text}");
            let error = serde_json::from_str::<Day>(&format!("\"{text}\""))
                .unwrap_err()
                .to_string();
            assert!(DayError::is_message(&error), "{error}");
            assert!(
                error.starts_with("must be a day from 1900-01-01 to 2199-12-31"),
                "{error}"
            );
        }
        for text in [
            "2026-02-30",
            "2026-13-01",
            "yesterday",
            "",
            "2026-03-01T00:00",
        ] {
            assert_eq!(Day::parse(text), Err(DayError::NotADate), "{text}");
        }
        assert!(!DayError::is_message(
            "invalid type: integer `3`, expected a date"
        ));
        assert!(serde_json::from_str::<Day>("20260301").is_err());
    }
}
