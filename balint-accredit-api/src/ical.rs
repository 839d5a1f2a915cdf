//! A minimal iCalendar writer (RFC 5545): a calendar of events, each with
//! a stable UID, times in UTC (or a whole day), a status and a sequence.
//! Text is escaped (`\`, `;`, `,` and line breaks), every content line
//! ends in CRLF and is folded to at most 75 octets, never inside a UTF-8
//! character (RFC 5545 §3.1).

use chrono::{NaiveDate, NaiveDateTime};

/// When an event happens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum When {
    /// From a UTC time, for some minutes.
    At { start: NaiveDateTime, minutes: u32 },
    /// A whole day (its time not known).
    Day(NaiveDate),
}

/// An event's status (`STATUS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Confirmed,
    Cancelled,
}

/// One event (`VEVENT`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Stable across changes (`UID`).
    pub uid: String,
    /// When its information last changed, in UTC (`DTSTAMP`,
    /// `LAST-MODIFIED`).
    pub changed: NaiveDateTime,
    pub when: When,
    pub summary: String,
    pub location: Option<String>,
    pub description: Option<String>,
    pub status: Status,
    /// Bumped on every change (`SEQUENCE`).
    pub sequence: u32,
}

/// `text` escaped as an iCalendar TEXT value.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let normalised = text.replace("\r\n", "\n").replace('\r', "\n");
    for c in normalised.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// `line` as content lines: folded so that none is longer than 75
/// octets (a continuation starts with one space), each ending in CRLF.
pub fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / 70 * 3 + 2);
    let mut used = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if used + len > 75 {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += len;
    }
    out.push_str("\r\n");
    out
}

fn utc(t: NaiveDateTime) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

fn day(d: NaiveDate) -> String {
    d.format("%Y%m%d").to_string()
}

/// A calendar named `name` of `events`, as served.
pub fn calendar(name: &str, events: &[Event]) -> String {
    let mut out = String::new();
    let mut line = |l: String| out.push_str(&fold(&l));
    line("BEGIN:VCALENDAR".to_owned());
    line("VERSION:2.0".to_owned());
    line("PRODID:-//balint-accredit//Group sessions//EN".to_owned());
    line("CALSCALE:GREGORIAN".to_owned());
    line(format!("X-WR-CALNAME:{}", escape(name)));
    for e in events {
        line("BEGIN:VEVENT".to_owned());
        line(format!("UID:{}", escape(&e.uid)));
        line(format!("DTSTAMP:{}", utc(e.changed)));
        line(format!("LAST-MODIFIED:{}", utc(e.changed)));
        match &e.when {
            When::At { start, minutes } => {
                line(format!("DTSTART:{}", utc(*start)));
                let end = *start + chrono::Duration::minutes(i64::from(*minutes));
                line(format!("DTEND:{}", utc(end)));
            }
            When::Day(d) => {
                line(format!("DTSTART;VALUE=DATE:{}", day(*d)));
                let next = d.succ_opt().unwrap_or(*d);
                line(format!("DTEND;VALUE=DATE:{}", day(next)));
            }
        }
        line(format!("SUMMARY:{}", escape(&e.summary)));
        if let Some(l) = &e.location {
            line(format!("LOCATION:{}", escape(l)));
        }
        if let Some(d) = &e.description {
            line(format!("DESCRIPTION:{}", escape(d)));
        }
        line(format!(
            "STATUS:{}",
            match e.status {
                Status::Confirmed => "CONFIRMED",
                Status::Cancelled => "CANCELLED",
            }
        ));
        line(format!("SEQUENCE:{}", e.sequence));
        line("END:VEVENT".to_owned());
    }
    line("END:VCALENDAR".to_owned());
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape("a\\b;c,d\r\ne\nf\rg"), "a\\\\b\\;c\\,d\\ne\\nf\\ng");
    }

    #[test]
    fn long_lines_fold_at_75_octets_never_inside_a_character() {
        let line = format!("DESCRIPTION:{}", "é".repeat(100));
        let folded = fold(&line);
        assert!(folded.ends_with("\r\n"));
        let lines: Vec<&str> = folded.trim_end_matches("\r\n").split("\r\n").collect();
        assert!(lines.len() > 2);
        for (i, l) in lines.iter().enumerate() {
            assert!(l.len() <= 75, "{i}: {} octets", l.len());
            if i > 0 {
                assert!(l.starts_with(' '));
            }
        }
        let unfolded: String = lines
            .iter()
            .enumerate()
            .map(|(i, l)| if i == 0 { *l } else { &l[1..] })
            .collect();
        assert_eq!(unfolded, line);
        assert_eq!(fold("SHORT:x"), "SHORT:x\r\n");
        // Exactly 75 octets stays one line.
        let full = "X".repeat(75);
        assert_eq!(fold(&full), format!("{full}\r\n"));
    }

    #[test]
    fn a_calendar_has_crlf_lines_utc_times_and_whole_days() {
        let changed = NaiveDate::from_ymd_opt(2027, 1, 2)
            .unwrap()
            .and_hms_opt(3, 4, 5)
            .unwrap();
        let start = NaiveDate::from_ymd_opt(2027, 1, 12)
            .unwrap()
            .and_hms_opt(6, 0, 0)
            .unwrap();
        let text = calendar(
            "Groups",
            &[
                Event {
                    uid: "plan-1@balint-accredit".to_owned(),
                    changed,
                    when: When::At { start, minutes: 90 },
                    summary: "Tuesday, GP group".to_owned(),
                    location: None,
                    description: None,
                    status: Status::Cancelled,
                    sequence: 2,
                },
                Event {
                    uid: "session-1@balint-accredit".to_owned(),
                    changed,
                    when: When::Day(NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()),
                    summary: "x".to_owned(),
                    location: Some("Room 3".to_owned()),
                    description: None,
                    status: Status::Confirmed,
                    sequence: 0,
                },
            ],
        );
        assert!(text.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(text.ends_with("END:VCALENDAR\r\n"));
        assert!(!text.replace("\r\n", "").contains('\n'));
        for want in [
            "DTSTAMP:20270102T030405Z\r\n",
            "DTSTART:20270112T060000Z\r\n",
            "DTEND:20270112T073000Z\r\n",
            "SUMMARY:Tuesday\\, GP group\r\n",
            "STATUS:CANCELLED\r\n",
            "SEQUENCE:2\r\n",
            "DTSTART;VALUE=DATE:20261231\r\n",
            "DTEND;VALUE=DATE:20270101\r\n",
            "LOCATION:Room 3\r\n",
        ] {
            assert!(text.contains(want), "{want:?} in {text}");
        }
    }
}
