//! CPD schemes: what a body that awards continuing professional development
//! counts of Balint work, as data.
//!
//! A participant's Balint hours count towards schemes outside the
//! leadership pathway: the German medical chambers' basic psychosomatic care
//! (*Psychosomatische Grundversorgung*) asks for 30 hours of Balint group
//! work over at least six months. A [`CpdScheme`] holds such counting
//! rules; [`CpdScheme::evaluate`] judges a ledger over a period and says
//! what counted, what did not and why, and what is missing
//! ([`CpdAssessment`]). Like a pathway, a scheme is built only by parsing a
//! document, which reports **every** problem with its path.
//!
//! # The scheme document
//!
//! JSON or TOML ([`CpdScheme::from_json_str`], [`CpdScheme::from_toml_str`]);
//! unknown fields are problems.
//!
//! | field | | |
//! | --- | --- | --- |
//! | `format` | optional | `1` |
//! | `id` | required | an id (letters, digits, `-`, `_`, `.`) |
//! | `title` | required | text, e.g. `Basic psychosomatic care: Balint group work` |
//! | `body` | required | who sets the rules, e.g. `German medical chambers` |
//! | `description`, `note` | optional | text |
//! | `kinds` (or `kind`) | required | the activity kinds that count, e.g. `["participation"]` |
//! | `unit` | required | `hours` or `sessions` |
//! | `hour_minutes` | optional | with `hours`: the length of the scheme's hour in minutes (default 60; German teaching hours are 45, so a 90-minute double session is two hours) |
//! | `minimum` | required | how much, in `unit`: a positive number |
//! | `min_in_person` | optional | how much of it in person, in `unit` (at most `minimum`) |
//! | `min_span_months` | optional | the counted records span at least so many months, from the first to the last |
//!
//! # How a ledger is counted
//!
//! Over a period (both days included), only records of the scheme's kinds
//! count, and only confirmed ones (pending and rejected records are listed
//! as not counting, with why). In `hours`, a record counts by its length:
//! its amount when kept in minutes, hours or double sessions, or the
//! duration recorded on a session; a session without a length does not
//! count. In `sessions`, records kept in sessions count by their amount.
//!
//! The span is met when the last counted record falls on or after the day
//! the months are complete: the first counted record's date plus
//! `min_span_months` calendar months (2025-01-15 plus six months is
//! 2025-07-15; from 31 August, six months end on the last day of February).
//!
//! ```
//! use balint_core::cpd;
//! use balint_core::ledger::{Activity, ActivityKind, Amount, Attestation, Delivery, Unit};
//! use chrono::NaiveDate;
//!
//! let date = |s: &str| s.parse::<NaiveDate>().unwrap();
//! let scheme = cpd::presets::get("aek-psychosomatic-basic-care").unwrap().scheme();
//! // Fifteen 90-minute double sessions, monthly from January, five of them online.
//! let ledger: Vec<Activity> = (1..=15u32)
//!     .map(|n| {
//!         let month = (n - 1) % 12 + 1;
//!         let year = 2025 + (n - 1) / 12;
//!         let mut a = Activity::new(
//!             format!("s-{n}").parse().unwrap(),
//!             "p-1".parse().unwrap(),
//!             ActivityKind::Participation,
//!             date(&format!("{year}-{month:02}-10")),
//!             Amount::from_whole(1),
//!             Unit::DoubleSessions,
//!         );
//!         if n > 10 {
//!             a.delivery = Delivery::Online;
//!         }
//!         a.attestation = Attestation::Confirmed { by: "p-9".parse().unwrap(), on: date("2026-04-01") };
//!         a
//!     })
//!     .collect();
//! let assessment = scheme.evaluate(&ledger, date("2025-01-01"), date("2026-12-31"));
//! assert!(assessment.met, "{:?}", assessment.missing);
//! assert_eq!(assessment.achieved, Amount::from_whole(30));
//! assert_eq!(assessment.in_person, Amount::from_whole(20));
//!
//! // The same sessions judged over the first five months only.
//! let early = scheme.evaluate(&ledger, date("2025-01-01"), date("2025-05-31"));
//! assert!(!early.met);
//! assert_eq!(early.missing, [
//!     "20 more hours needed (10 of 30).",
//!     "5 more hours in person needed (10 of 15).",
//!     "The counted hours must span at least 6 months: from 2025-01-10, a counted record on or after 2025-07-10 is needed.",
//! ]);
//! ```

mod parse;
pub mod presets;
#[cfg(test)]
mod tests;

use chrono::{Months, NaiveDate};
use serde::Serialize;

use crate::ids::{ActivityId, SchemeId};
use crate::ledger::{Activity, ActivityKind, Amount, Attestation, Delivery, Unit};
use crate::pathway::Problem;

/// The document format version this crate reads and writes.
pub const FORMAT: u32 = 1;

/// A validated CPD scheme: which records count, how much, over what span.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CpdScheme {
    format: u32,
    id: SchemeId,
    title: String,
    body: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    kinds: Vec<ActivityKind>,
    #[serde(flatten)]
    unit: CountedIn,
    minimum: Amount,
    #[serde(skip_serializing_if = "Option::is_none")]
    min_in_person: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    min_span_months: Option<u32>,
}

/// What a scheme counts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "unit", rename_all = "snake_case")]
pub enum CountedIn {
    /// Hours of a given length (60 minutes, or 45 for teaching hours).
    Hours {
        /// Minutes in one of the scheme's hours.
        hour_minutes: u32,
    },
    /// Sessions, whatever their length.
    Sessions,
}

impl CountedIn {
    /// The word for the unit, e.g. `hours`.
    pub fn word(self) -> &'static str {
        match self {
            CountedIn::Hours { .. } => "hours",
            CountedIn::Sessions => "sessions",
        }
    }
}

/// Every problem found in a scheme document (never empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
pub struct SchemeErrors {
    problems: Vec<Problem>,
}

impl SchemeErrors {
    fn one(message: String) -> Self {
        SchemeErrors {
            problems: vec![Problem {
                path: String::new(),
                message,
            }],
        }
    }

    /// The problems, in document order.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }
}

impl std::fmt::Display for SchemeErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.problems.len();
        write!(
            f,
            "the CPD scheme has {n} problem{}",
            if n == 1 { "" } else { "s" }
        )?;
        for p in &self.problems {
            write!(f, "\n- {p}")?;
        }
        Ok(())
    }
}

impl CpdScheme {
    /// Parses and validates a JSON document.
    pub fn from_json_str(text: &str) -> Result<CpdScheme, SchemeErrors> {
        match serde_json::from_str::<serde_json::Value>(text) {
            Ok(value) => CpdScheme::from_json_value(&value),
            Err(e) => Err(SchemeErrors::one(format!("not valid JSON: {e}"))),
        }
    }

    /// Parses and validates a TOML document (the same shape as JSON).
    pub fn from_toml_str(text: &str) -> Result<CpdScheme, SchemeErrors> {
        match toml::from_str::<toml::Value>(text) {
            Ok(value) => CpdScheme::from_json_value(&crate::pathway::parse::toml_to_json(value)),
            Err(e) => Err(SchemeErrors::one(format!(
                "not valid TOML: {}",
                e.message()
            ))),
        }
    }

    /// Validates a document already read into a JSON value.
    pub fn from_json_value(value: &serde_json::Value) -> Result<CpdScheme, SchemeErrors> {
        parse::scheme(value).map_err(|problems| SchemeErrors { problems })
    }

    /// The scheme's id.
    pub fn id(&self) -> &SchemeId {
        &self.id
    }

    /// Its title, e.g. `Basic psychosomatic care: Balint group work`.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// Who sets its rules.
    pub fn body(&self) -> &str {
        &self.body
    }

    /// What it covers, when the document says.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// The activity kinds that count.
    pub fn kinds(&self) -> &[ActivityKind] {
        &self.kinds
    }

    /// What it counts in.
    pub fn unit(&self) -> CountedIn {
        self.unit
    }

    /// How much is required, in [`unit`](CpdScheme::unit).
    pub fn minimum(&self) -> Amount {
        self.minimum
    }

    /// How much of it in person, when the scheme says.
    pub fn min_in_person(&self) -> Option<Amount> {
        self.min_in_person
    }

    /// The months the counted records must span, when the scheme says.
    pub fn min_span_months(&self) -> Option<u32> {
        self.min_span_months
    }

    /// Judges `ledger` over the days `from` to `to` (both included): the
    /// records of another person are the caller's to leave out; records
    /// dated outside the period are not looked at.
    pub fn evaluate(&self, ledger: &[Activity], from: NaiveDate, to: NaiveDate) -> CpdAssessment {
        // Counted in the smallest unit that is exact (minutes for hours),
        // so the comparison never suffers from rounding.
        let (per, to_scheme): (u64, fn(&Activity) -> Option<Amount>) = match self.unit {
            CountedIn::Hours { hour_minutes } => (u64::from(hour_minutes), |a: &Activity| {
                a.amount_in(Unit::Minutes)
            }),
            CountedIn::Sessions => (1, |a: &Activity| a.amount_in(Unit::Sessions)),
        };
        let mut counted = Vec::new();
        let mut not_counted = Vec::new();
        let (mut total, mut in_person) = (Amount::from_whole(0), Amount::from_whole(0));
        let mut records: Vec<&Activity> = ledger
            .iter()
            .filter(|a| a.date >= from && a.date <= to)
            .collect();
        records.sort_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
        for a in records {
            let reason = if !self.kinds.contains(&a.kind) {
                Some(NotCountedReason::KindDoesNotCount { kind: a.kind })
            } else {
                match &a.attestation {
                    Attestation::Pending => Some(NotCountedReason::NotYetAttested),
                    Attestation::Rejected { .. } => Some(NotCountedReason::Rejected),
                    Attestation::Confirmed { .. } => None,
                }
            };
            let amount = to_scheme(a);
            match (reason, amount) {
                (Some(reason), _) => not_counted.push(NotCounted {
                    activity: a.id.clone(),
                    date: a.date,
                    reason,
                }),
                (None, None) => not_counted.push(NotCounted {
                    activity: a.id.clone(),
                    date: a.date,
                    reason: match self.unit {
                        CountedIn::Hours { .. } => NotCountedReason::NoLength,
                        CountedIn::Sessions => NotCountedReason::NotInSessions,
                    },
                }),
                (None, Some(raw)) => {
                    total = total.saturating_add(raw);
                    if a.delivery == Delivery::InPerson {
                        in_person = in_person.saturating_add(raw);
                    }
                    counted.push(Counted {
                        activity: a.id.clone(),
                        date: a.date,
                        amount: raw.scale(1, per),
                        delivery: a.delivery,
                    });
                }
            }
        }
        let unit = self.unit.word();
        let mut missing = Vec::new();
        let required_raw = self.minimum.scale(per, 1);
        let achieved = total.scale(1, per);
        if total < required_raw {
            missing.push(format!(
                "{} more {unit} needed ({achieved} of {}).",
                self.minimum.saturating_sub(achieved),
                self.minimum
            ));
        }
        let in_person_shown = in_person.scale(1, per);
        if let Some(min) = self.min_in_person {
            if in_person < min.scale(per, 1) {
                missing.push(format!(
                    "{} more {unit} in person needed ({in_person_shown} of {min}).",
                    min.saturating_sub(in_person_shown)
                ));
            }
        }
        let span = self.min_span_months.map(|months| {
            let first = counted.first().map(|c| c.date);
            let last = counted.last().map(|c| c.date);
            let complete_on = first.and_then(|f| f.checked_add_months(Months::new(months)));
            let met = matches!((last, complete_on), (Some(l), Some(c)) if l >= c);
            if !met {
                missing.push(match (first, complete_on) {
                    (Some(first), Some(c)) => format!(
                        "The counted {unit} must span at least {months} months: from {first}, a counted record on or after {c} is needed."
                    ),
                    _ => format!("The counted {unit} must span at least {months} months."),
                });
            }
            Span {
                required_months: months,
                first,
                last,
                complete_on,
                met,
            }
        });
        CpdAssessment {
            scheme: self.id.clone(),
            title: self.title.clone(),
            from,
            to,
            met: missing.is_empty(),
            unit: self.unit,
            required: self.minimum,
            achieved,
            in_person: in_person_shown,
            online: achieved.saturating_sub(in_person_shown),
            required_in_person: self.min_in_person,
            span,
            counted,
            not_counted,
            missing,
        }
    }
}

/// A ledger judged against a scheme over a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CpdAssessment {
    /// The scheme's id.
    pub scheme: SchemeId,
    /// The scheme's title.
    pub title: String,
    /// The period's first day.
    pub from: NaiveDate,
    /// The period's last day.
    pub to: NaiveDate,
    /// Whether every rule of the scheme is met.
    pub met: bool,
    /// What the amounts are counted in.
    #[serde(flatten)]
    pub unit: CountedIn,
    /// The scheme's minimum.
    pub required: Amount,
    /// What the counted records add up to (rounded down to the thousandth).
    pub achieved: Amount,
    /// How much of it in person.
    pub in_person: Amount,
    /// How much of it online.
    pub online: Amount,
    /// The scheme's minimum in person, when it sets one.
    pub required_in_person: Option<Amount>,
    /// The span the counted records cover, when the scheme sets one.
    pub span: Option<Span>,
    /// The records that counted, by date.
    pub counted: Vec<Counted>,
    /// The records in the period that did not count, and why.
    pub not_counted: Vec<NotCounted>,
    /// What is still missing, in words (empty when met).
    pub missing: Vec<String>,
}

/// The span of the counted records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Span {
    /// The months the scheme asks for.
    pub required_months: u32,
    /// The first counted record's date.
    pub first: Option<NaiveDate>,
    /// The last counted record's date.
    pub last: Option<NaiveDate>,
    /// The day the months are complete: a counted record on or after it
    /// meets the span.
    pub complete_on: Option<NaiveDate>,
    /// Whether the span is met.
    pub met: bool,
}

/// A record that counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Counted {
    /// The record.
    pub activity: ActivityId,
    /// Its date.
    pub date: NaiveDate,
    /// What it counted for, in the scheme's unit.
    pub amount: Amount,
    /// In person or online.
    pub delivery: Delivery,
}

/// A record in the period that did not count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotCounted {
    /// The record.
    pub activity: ActivityId,
    /// Its date.
    pub date: NaiveDate,
    /// Why not.
    pub reason: NotCountedReason,
}

/// Why a record did not count towards a scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
#[non_exhaustive]
pub enum NotCountedReason {
    /// The scheme does not count this kind of record.
    #[error("{} records do not count towards this scheme", kind.as_str())]
    KindDoesNotCount {
        /// The record's kind.
        kind: ActivityKind,
    },
    /// Waiting for its attestor.
    #[error("not yet attested")]
    NotYetAttested,
    /// Its attestor rejected it.
    #[error("rejected by its attestor")]
    Rejected,
    /// Counted in hours, but the record has no length (a session without a
    /// duration).
    #[error("no length recorded, so it cannot count as hours")]
    NoLength,
    /// Counted in sessions, but the record is kept in another unit.
    #[error("not kept in sessions")]
    NotInSessions,
}
