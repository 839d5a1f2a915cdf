//! Text the service refuses to take: a NUL character (U+0000). No name,
//! note or reason needs one, and PostgreSQL cannot store one in text (it
//! fails the statement, which was a 500), while SQLite would keep it, so
//! it is refused at the edge, alike on both databases, naming where it is.

use serde_json::Value;

use crate::error::FieldProblem;

/// What is said of a field holding a NUL character.
pub const NUL_MESSAGE: &str = "must not contain the NUL character (U+0000)";

/// Whether `text` holds a NUL character.
pub fn has_nul(text: &str) -> bool {
    text.contains('\0')
}

/// `name` as a field path can show it: a NUL in it written `\0`.
pub fn shown(name: &str) -> String {
    name.replace('\0', "\\0")
}

/// Whether raw JSON may hold a NUL character: JSON can carry one only as
/// the escape `\u0000` (a raw NUL byte is not JSON at all), so a body
/// without that text is not walked.
pub fn json_may_hold_nul(bytes: &[u8]) -> bool {
    memchr::memmem::find(bytes, br"\u0000").is_some()
}

/// Every string and key in `value` that holds a NUL character, by its
/// path below `prefix` (`given_name`, `override.reason`, `backgrounds[2]`;
/// `prefix` is put before each, e.g. `rows[3].`).
pub fn nul_in_json(value: &Value, prefix: &str) -> Vec<FieldProblem> {
    let mut found = Vec::new();
    walk(value, prefix.trim_end_matches('.'), &mut found);
    found
}

fn walk(value: &Value, path: &str, found: &mut Vec<FieldProblem>) {
    let field = |name: &str| {
        if path.is_empty() {
            shown(name)
        } else {
            format!("{path}.{}", shown(name))
        }
    };
    match value {
        Value::String(text) if has_nul(text) => {
            found.push(FieldProblem::new(
                if path.is_empty() { "body" } else { path },
                NUL_MESSAGE,
            ));
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(item, &format!("{path}[{i}]"), found);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                let at = field(key);
                if has_nul(key) {
                    found.push(FieldProblem::new(at.clone(), NUL_MESSAGE));
                }
                walk(item, &at, found);
            }
        }
        _ => {}
    }
}

/// Every name and value of `pairs` (a query string or a form, decoded)
/// that holds a NUL character, by name.
pub fn nul_in_pairs<'a>(
    pairs: impl IntoIterator<Item = (std::borrow::Cow<'a, str>, std::borrow::Cow<'a, str>)>,
) -> Vec<FieldProblem> {
    let mut found: Vec<FieldProblem> = Vec::new();
    for (name, value) in pairs {
        if (has_nul(&name) || has_nul(&value)) && !found.iter().any(|p| p.field == shown(&name)) {
            found.push(FieldProblem::new(shown(&name), NUL_MESSAGE));
        }
    }
    found
}

/// Every cell of a CSV file that holds a NUL character: `rows[N].column`
/// (rows counted from 1, the first after the header), and `header` for a
/// column name.
pub fn nul_in_csv<'a>(
    headers: &csv::StringRecord,
    records: impl IntoIterator<Item = (usize, &'a csv::StringRecord)>,
) -> Vec<FieldProblem> {
    let mut found = Vec::new();
    for (i, name) in headers.iter().enumerate() {
        if has_nul(name) {
            found.push(FieldProblem::new(
                "header",
                format!("column {}: {NUL_MESSAGE}", i + 1),
            ));
        }
    }
    for (row, record) in records {
        for (i, cell) in record.iter().enumerate() {
            if has_nul(cell) {
                let column = headers
                    .get(i)
                    .map_or_else(|| format!("column {}", i + 1), shown);
                found.push(FieldProblem::new(
                    format!("rows[{row}].{column}"),
                    NUL_MESSAGE,
                ));
            }
        }
    }
    found
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(problems: Vec<FieldProblem>) -> Vec<String> {
        let mut fields: Vec<String> = problems.into_iter().map(|p| p.field).collect();
        fields.sort();
        fields
    }

    #[test]
    fn every_nul_in_a_json_body_is_named_by_its_path() {
        let body = json!({
            "given_name": "a\u{0}b",
            "family_name": "Carter",
            "override": { "reason": "\u{0}" },
            "backgrounds": ["gp", "x\u{0}"],
            "k\u{0}ey": 1,
            "rows": [{}, {}, {}, { "notes": "n\u{0}" }],
        });
        assert_eq!(
            fields(nul_in_json(&body, "")),
            [
                "backgrounds[1]",
                "given_name",
                "k\\0ey",
                "override.reason",
                "rows[3].notes",
            ]
        );
        assert_eq!(
            fields(nul_in_json(&json!({ "notes": "\u{0}" }), "rows[2].")),
            ["rows[2].notes"]
        );
        assert_eq!(fields(nul_in_json(&json!("\u{0}"), "")), ["body"]);
        assert!(nul_in_json(&json!({ "a": "b", "c": [1, "d"] }), "").is_empty());
    }

    #[test]
    fn only_a_body_with_the_escape_is_walked() {
        assert!(json_may_hold_nul(br#"{"a":"\u0000"}"#));
        assert!(!json_may_hold_nul(br#"{"a":"b\u0001"}"#));
        // An escaped backslash before u0000 is text, found so, and the walk
        // then finds nothing.
        let text = br#"{"a":"\\u0000"}"#;
        assert!(json_may_hold_nul(text));
        let value: Value = serde_json::from_slice(text).unwrap();
        assert!(nul_in_json(&value, "").is_empty());
    }

    #[test]
    fn query_and_form_fields_are_named_once() {
        let pairs = form_urlencoded::parse(b"q=a%00b&q=%00&tier=x&%00=1");
        assert_eq!(fields(nul_in_pairs(pairs)), ["\\0", "q"]);
    }

    #[test]
    fn csv_cells_are_named_by_row_and_column() {
        let mut reader = csv::Reader::from_reader("a,b\u{0}\n1,2\nx\u{0},y\n".as_bytes());
        let headers = reader.headers().unwrap().clone();
        let records: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
        let found = nul_in_csv(
            &headers,
            records.iter().enumerate().map(|(i, r)| (i + 1, r)),
        );
        assert_eq!(fields(found.clone()), ["header", "rows[2].a"]);
        assert_eq!(found[0].message, format!("column 2: {NUL_MESSAGE}"));
    }
}
