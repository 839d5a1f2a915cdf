//! RFC 8785 JSON Canonicalization Scheme: the bytes a Data Integrity proof
//! of the `eddsa-jcs-2022` cryptosuite signs.
//!
//! Objects' members sorted by their names' UTF-16 code units, no
//! whitespace, strings escaped as ECMAScript's `JSON.stringify` escapes
//! them, numbers written as ECMAScript writes them.

use serde_json::Value;

/// `value` in its canonical form.
pub fn canonical(value: &Value) -> String {
    let mut out = String::new();
    write(value, &mut out);
    out
}

fn write(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&number(n)),
        Value::String(s) => string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(item, out);
            }
            out.push(']');
        }
        Value::Object(members) => {
            let mut sorted: Vec<(&String, &Value)> = members.iter().collect();
            sorted.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
            out.push('{');
            for (i, (name, member)) in sorted.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                string(name, out);
                out.push(':');
                write(member, out);
            }
            out.push('}');
        }
    }
}

/// A string as `JSON.stringify` writes it: `"` and `\` escaped, the
/// control characters as `\b \t \n \f \r` or `\u00xx`, everything else as
/// it is.
fn string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A number as ECMAScript's `Number.prototype.toString` writes it.
fn number(n: &serde_json::Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    let f = n.as_f64().unwrap_or(0.0);
    if f == 0.0 {
        return "0".to_owned();
    }
    let magnitude = f.abs();
    if (1e-6..1e21).contains(&magnitude) {
        // Rust's shortest round-trip digits, without an exponent, as
        // ECMAScript writes numbers in this range.
        let text = format!("{f}");
        return text.strip_suffix(".0").map(str::to_owned).unwrap_or(text);
    }
    // Outside it ECMAScript uses an exponent with its sign: 1e+21, 1e-7.
    let text = format!("{f:e}");
    match text.split_once('e') {
        Some((mantissa, exponent)) if !exponent.starts_with('-') => {
            format!("{mantissa}e+{exponent}")
        }
        _ => text,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn members_are_sorted_and_whitespace_dropped() {
        let value = json!({"b": [1, "x"], "a": {"d": true, "c": null}});
        assert_eq!(
            canonical(&value),
            r#"{"a":{"c":null,"d":true},"b":[1,"x"]}"#
        );
    }

    #[test]
    fn names_sort_by_utf16_code_units() {
        // U+1F600 is D83D DE00 in UTF-16, before U+FB33; by UTF-8 it is after.
        let value = json!({"\u{fb33}": 1, "\u{1f600}": 2});
        assert_eq!(canonical(&value), "{\"\u{1f600}\":2,\"\u{fb33}\":1}");
    }

    #[test]
    fn strings_and_numbers_as_ecmascript_writes_them() {
        let value = json!([
            "\u{1}\n\"é\u{7f}",
            1.5,
            1e21,
            1e-7,
            10.0,
            -0.0,
            123456789012u64
        ]);
        assert_eq!(
            canonical(&value),
            "[\"\\u0001\\n\\\"é\u{7f}\",1.5,1e+21,1e-7,10,0,123456789012]"
        );
    }
}
