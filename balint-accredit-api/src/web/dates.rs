//! Dates as the society writes them, chosen by its country.

use chrono::{Datelike, NaiveDate};

/// How a society writes a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateStyle {
    /// "3 March 2026": Australia, New Zealand, the UK, Ireland, and the
    /// default where the country is not known.
    DayMonthYear,
    /// "March 3, 2026": the United States.
    MonthDayYear,
    /// "3. März 2026": Germany, Austria, Switzerland.
    German,
}

const ENGLISH_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

const GERMAN_MONTHS: [&str; 12] = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
];

impl DateStyle {
    /// The style of a society in `country` (an ISO 3166 code, any case).
    pub fn for_country(country: Option<&str>) -> Self {
        match country.map(|c| c.trim().to_ascii_uppercase()).as_deref() {
            Some("US") => Self::MonthDayYear,
            Some("DE" | "AT" | "CH") => Self::German,
            _ => Self::DayMonthYear,
        }
    }

    /// `day` written out in this style.
    pub fn format(self, day: NaiveDate) -> String {
        self.written(day).to_string()
    }

    /// `day` written out in this style, as [`DateStyle::format`] has it,
    /// written where it is displayed (no string of its own).
    pub fn written(self, day: NaiveDate) -> impl std::fmt::Display {
        Written(self, day)
    }

    /// The language of the written date, for the `lang` attribute.
    pub fn lang(self) -> &'static str {
        match self {
            Self::DayMonthYear | Self::MonthDayYear => "en",
            Self::German => "de",
        }
    }
}

/// A day written out in a style (see [`DateStyle::written`]).
struct Written(DateStyle, NaiveDate);

impl std::fmt::Display for Written {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Self(style, day) = self;
        let index = usize::try_from(day.month0()).unwrap_or(0);
        match style {
            DateStyle::DayMonthYear => {
                write!(f, "{} {} {}", day.day(), ENGLISH_MONTHS[index], day.year())
            }
            DateStyle::MonthDayYear => {
                write!(f, "{} {}, {}", ENGLISH_MONTHS[index], day.day(), day.year())
            }
            DateStyle::German => {
                write!(f, "{}. {} {}", day.day(), GERMAN_MONTHS[index], day.year())
            }
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

    #[test]
    fn each_country_writes_the_day_its_own_way() {
        let march_3 = day("2026-03-03");
        for country in ["AU", "nz", "GB", "IE"] {
            assert_eq!(
                DateStyle::for_country(Some(country)).format(march_3),
                "3 March 2026"
            );
        }
        assert_eq!(
            DateStyle::for_country(Some("US")).format(march_3),
            "March 3, 2026"
        );
        for country in ["DE", "AT", "ch"] {
            assert_eq!(
                DateStyle::for_country(Some(country)).format(march_3),
                "3. März 2026"
            );
        }
    }

    #[test]
    fn an_unknown_country_reads_as_international_english() {
        assert_eq!(
            DateStyle::for_country(None).format(day("2025-12-31")),
            "31 December 2025"
        );
        assert_eq!(
            DateStyle::for_country(Some("FR")).format(day("2024-02-29")),
            "29 February 2024"
        );
        assert_eq!(DateStyle::for_country(Some("DE")).lang(), "de");
        assert_eq!(DateStyle::for_country(None).lang(), "en");
    }
}
