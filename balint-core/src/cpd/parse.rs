//! Reads a scheme document, collecting every problem with its path (the
//! pathway parser's helpers, so both documents read alike).

use serde_json::Value;

use super::{CountedIn, CpdScheme, FORMAT};
use crate::ledger::ActivityKind;
use crate::pathway::parse::{
    count, one_or_many, parse_id, positive_amount, string, word, Check, Fields,
};
use crate::pathway::Problem;

/// The scheme, or every problem with the document.
pub(super) fn scheme(value: &Value) -> Result<CpdScheme, Vec<Problem>> {
    let mut c = Check::default();
    match fields(value, &mut c) {
        Some(s) if c.problems.is_empty() => Ok(s),
        _ => {
            if c.problems.is_empty() {
                // A None always records a problem; kept for safety.
                c.problem("", "the document is not a valid CPD scheme");
            }
            Err(c.problems)
        }
    }
}

fn fields(value: &Value, c: &mut Check) -> Option<CpdScheme> {
    let mut f = Fields::of(value, "", c)?;
    let format = match f.optional("format") {
        Some(v) => count(v, "format", 1, u32::MAX, c).and_then(|n| {
            if n == FORMAT {
                Some(n)
            } else {
                c.problem(
                    "format",
                    format!("unsupported format {n} (this version reads {FORMAT})"),
                );
                None
            }
        }),
        None => Some(FORMAT),
    };
    let id = f.required("id", c).and_then(|v| parse_id(v, "id", c));
    let title = f.required("title", c).and_then(|v| string(v, "title", c));
    let body = f.required("body", c).and_then(|v| string(v, "body", c));
    let description = f
        .optional("description")
        .and_then(|v| string(v, "description", c));
    let note = f.optional("note").and_then(|v| string(v, "note", c));
    let kinds = match (f.optional("kinds"), f.optional("kind")) {
        (Some(_), Some(_)) => {
            c.problem("kind", "give either kind or kinds, not both");
            None
        }
        (Some(v), None) => one_or_many(v, "kinds", c, word::<ActivityKind>),
        (None, Some(v)) => one_or_many(v, "kind", c, word::<ActivityKind>),
        (None, None) => {
            c.problem("kinds", "is required");
            None
        }
    };
    let unit = f.required("unit", c).and_then(|v| match v.as_str() {
        Some("hours") => Some(true),
        Some("sessions") => Some(false),
        Some(other) => {
            c.problem(
                "unit",
                format!("unknown unit {other:?} (expected hours or sessions)"),
            );
            None
        }
        None => {
            c.problem("unit", "expected hours or sessions");
            None
        }
    });
    let hour_minutes = f
        .optional("hour_minutes")
        .map(|v| count(v, "hour_minutes", 1, 600, c));
    let unit = match (unit, hour_minutes) {
        (Some(true), None) => Some(CountedIn::Hours { hour_minutes: 60 }),
        (Some(true), Some(m)) => m.map(|hour_minutes| CountedIn::Hours { hour_minutes }),
        (Some(false), None) => Some(CountedIn::Sessions),
        (Some(false), Some(_)) => {
            c.problem(
                "hour_minutes",
                "only a scheme counted in hours has an hour length",
            );
            None
        }
        (None, _) => None,
    };
    let minimum = f
        .required("minimum", c)
        .and_then(|v| positive_amount(v, "minimum", c));
    let min_in_person = f
        .optional("min_in_person")
        .map(|v| positive_amount(v, "min_in_person", c));
    if let (Some(Some(p)), Some(m)) = (min_in_person, minimum) {
        if p > m {
            c.problem(
                "min_in_person",
                format!("must not be more than the minimum ({m})"),
            );
        }
    }
    let min_span_months = f
        .optional("min_span_months")
        .map(|v| count(v, "min_span_months", 1, 1200, c));
    f.finish(c);
    Some(CpdScheme {
        format: format?,
        id: id?,
        title: title?,
        body: body?,
        description,
        note,
        kinds: kinds?,
        unit: unit?,
        minimum: minimum?,
        min_in_person: min_in_person.unwrap_or(None),
        min_span_months: min_span_months.unwrap_or(None),
    })
}
