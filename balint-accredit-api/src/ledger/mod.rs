//! Reading ledger records from requests and files (JSON objects, CSV rows)
//! and checking them against the society's people, with every problem
//! reported by field (and row, for many records at once). The API's
//! single and bulk recording and the `ledger import` command share it.

mod bulk;
mod export;
pub use bulk::*;
pub use export::portfolio_csv;

use std::collections::HashSet;

use balint_core::ledger::{
    Activity, ActivityKind, ActivityProblem, Amount, Role, Unit, UnknownWord,
};
use balint_core::{ActivityId, PersonId};
use chrono::NaiveDate;
use serde_json::{Map, Value};

use crate::day::{self, Day};
use crate::db::activities::{self, Status, StoredActivity};
use crate::db::DbConnection;
use crate::error::{ApiError, FieldProblem};

/// The fields a record is written with, in the order CSV exports use.
pub const FIELDS: [&str; 22] = [
    "kind",
    "date",
    "amount",
    "unit",
    "duration_minutes",
    "days",
    "cases",
    "delivery",
    "attestor",
    "co_leader",
    "supervisor",
    "group",
    "ongoing_group",
    "setting",
    "event_type",
    "provider",
    "provider_approved",
    "supervision_format",
    "report_type",
    "prerequisite_type",
    "notes",
    "corrects",
];

/// A record as read, before it has an id and an owner.
#[derive(Debug, Clone)]
pub struct Draft {
    /// The record (its id and person are placeholders until
    /// [`Draft::owned_by`]; a required field that could not be read holds
    /// a stand-in).
    pub activity: Activity,
    /// The decided record it corrects.
    pub corrects: Option<String>,
    /// The required fields that could not be read: the rules that need
    /// them are not checked, and the draft never becomes a record.
    unread: Vec<&'static str>,
}

fn placeholder_id() -> ActivityId {
    ActivityId::try_from("new").unwrap_or_else(|_| unreachable!())
}

impl Draft {
    /// The draft as a record `id` of `person`, so that the checks that
    /// need its owner can run.
    pub fn owned_by(self, id: ActivityId, person: PersonId) -> Self {
        Self {
            activity: Activity {
                id,
                person,
                ..self.activity
            },
            ..self
        }
    }

    /// The record and the decided record it corrects, once every required
    /// field was read; `None` otherwise (the problems say which).
    pub fn into_record(self) -> Option<(Activity, Option<String>)> {
        self.unread
            .is_empty()
            .then_some((self.activity, self.corrects))
    }

    /// Whether `problem` can be known: the fields its rule reads were all
    /// read. A rule this service does not know yet waits for a whole record.
    fn can_tell(&self, problem: &ActivityProblem) -> bool {
        let needs: &[&str] = match problem {
            ActivityProblem::UnitDoesNotFitKind { .. } => &["kind", "unit"],
            ActivityProblem::ZeroAmount => &["amount"],
            ActivityProblem::CasesOnlyForLeading | ActivityProblem::CoLeaderMissing => &["kind"],
            ActivityProblem::ZeroDuration | ActivityProblem::OwnRecord(_) => &[],
            _ => &REQUIRED,
        };
        !needs.iter().any(|field| self.unread.contains(field))
    }
}

/// The fields every record has.
const REQUIRED: [&str; 4] = ["kind", "date", "amount", "unit"];

struct Reader<'a> {
    prefix: &'a str,
    problems: Vec<FieldProblem>,
}

impl Reader<'_> {
    fn problem(&mut self, field: &str, message: impl Into<String>) {
        self.problems.push(FieldProblem::new(
            format!("{}{field}", self.prefix),
            message,
        ));
    }

    fn text(&mut self, field: &str, value: &Value, max: usize) -> Option<String> {
        match value {
            Value::Null => None,
            Value::String(s) => {
                let s = s.trim();
                if s.is_empty() {
                    None
                } else if s.chars().count() > max {
                    self.problem(field, format!("must be at most {max} characters"));
                    None
                } else {
                    Some(s.to_owned())
                }
            }
            _ => {
                self.problem(field, "must be a string");
                None
            }
        }
    }

    fn word<T: std::str::FromStr<Err = UnknownWord>>(
        &mut self,
        field: &str,
        value: &Value,
    ) -> Option<T> {
        let s = self.text(field, value, 64)?;
        match s.parse() {
            Ok(w) => Some(w),
            Err(e) => {
                self.problem(field, format!("must be one of: {}", e.expected));
                None
            }
        }
    }

    fn person(&mut self, field: &str, value: &Value) -> Option<PersonId> {
        let s = self.text(field, value, 64)?;
        match PersonId::try_from(s) {
            Ok(p) => Some(p),
            Err(e) => {
                self.problem(field, format!("is not a person id ({e})"));
                None
            }
        }
    }

    fn flag(&mut self, field: &str, value: &Value) -> bool {
        match value {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "" | "false" | "no" | "0" => false,
                "true" | "yes" | "1" => true,
                _ => {
                    self.problem(field, "must be true or false");
                    false
                }
            },
            _ => {
                self.problem(field, "must be true or false");
                false
            }
        }
    }

    fn count(&mut self, field: &str, value: &Value, max: u32) -> Option<u32> {
        let n = match value {
            Value::Null => return None,
            Value::Number(n) => n.as_u64(),
            Value::String(s) if s.trim().is_empty() => return None,
            Value::String(s) => s.trim().parse::<u64>().ok(),
            _ => None,
        };
        match n.and_then(|n| u32::try_from(n).ok()).filter(|n| *n <= max) {
            Some(n) => Some(n),
            None => {
                self.problem(field, format!("must be a whole number from 0 to {max}"));
                None
            }
        }
    }

    fn amount(&mut self, value: &Value) -> Option<Amount> {
        let parsed = match value {
            Value::Number(n) => match (n.as_u64(), n.as_f64()) {
                (Some(whole), _) => Amount::from_u64(whole),
                (None, Some(f)) => Amount::from_f64(f),
                (None, None) => Err(balint_core::ledger::AmountError::NotANumber),
            },
            Value::String(s) => s.parse::<Amount>(),
            _ => Err(balint_core::ledger::AmountError::NotANumber),
        };
        match parsed {
            Ok(a) => Some(a),
            Err(e) => {
                self.problem(
                    "amount",
                    format!("{e} (a number with at most three decimals)"),
                );
                None
            }
        }
    }

    fn date(&mut self, value: &Value, today: NaiveDate) -> Option<NaiveDate> {
        let s = self.text("date", value, 16)?;
        if let Some(day) = day::after(&s, today) {
            // Kept, so the record's other rules are still checked.
            self.problem(
                "date",
                format!("must not be in the future (today is {today})"),
            );
            return Some(day);
        }
        match Day::parse(&s) {
            Ok(day) => Some(day.date()),
            Err(e) => {
                self.problem("date", e.to_string());
                None
            }
        }
    }
}

/// Read one record from `body`, field by field. Problems name the field
/// with `prefix` before it (e.g. `rows[3].`). The draft holds everything
/// that could be read, so that [`check`] reports the rest of the problems
/// too; it becomes a record only when the required fields were read.
pub fn read(
    body: &Map<String, Value>,
    prefix: &str,
    today: NaiveDate,
) -> (Draft, Vec<FieldProblem>) {
    let mut r = Reader {
        prefix,
        problems: Vec::new(),
    };
    for key in body.keys() {
        if !FIELDS.contains(&key.as_str()) {
            r.problem(key, "unknown field");
        }
    }
    let null = Value::Null;
    let get = |k: &str| body.get(k).unwrap_or(&null);
    for required in REQUIRED {
        let missing = match get(required) {
            Value::Null => true,
            Value::String(s) => s.trim().is_empty(),
            _ => false,
        };
        if missing {
            r.problem(required, "is required");
        }
    }
    let kind = r.word::<ActivityKind>("kind", get("kind"));
    let date = r.date(get("date"), today);
    let amount = match get("amount") {
        Value::Null => None,
        Value::String(s) if s.trim().is_empty() => None,
        v => r.amount(v),
    };
    let unit = r.word::<Unit>("unit", get("unit"));
    let duration_minutes = r.count("duration_minutes", get("duration_minutes"), 100_000);
    let days = r.count("days", get("days"), 366);
    let cases = r.count("cases", get("cases"), 1_000);
    let delivery = r.word("delivery", get("delivery"));
    let attestor = r.person("attestor", get("attestor"));
    let co_leader = r.person("co_leader", get("co_leader"));
    let supervisor = r.person("supervisor", get("supervisor"));
    let group = r.text("group", get("group"), 200);
    let ongoing_group = r.flag("ongoing_group", get("ongoing_group"));
    let setting = r.text("setting", get("setting"), 100);
    let event_type = r.word("event_type", get("event_type"));
    let provider = r.text("provider", get("provider"), 100);
    let provider_approved = r.flag("provider_approved", get("provider_approved"));
    let supervision_format = r.word("supervision_format", get("supervision_format"));
    let report_type = r.word("report_type", get("report_type"));
    let prerequisite_type = r.word("prerequisite_type", get("prerequisite_type"));
    let notes = r.text("notes", get("notes"), 4000);
    let corrects = r.text("corrects", get("corrects"), 64);

    let unread: Vec<&'static str> = [
        ("kind", kind.is_none()),
        ("date", date.is_none()),
        ("amount", amount.is_none()),
        ("unit", unit.is_none()),
    ]
    .into_iter()
    .filter_map(|(field, unread)| unread.then_some(field))
    .collect();
    // Stand-ins for what could not be read, chosen so that no rule fires
    // on them (a unit that fits the kind, an amount above zero); the rules
    // that read them are skipped anyway.
    let kind = kind.unwrap_or(match unit {
        Some(unit) => ActivityKind::ALL
            .iter()
            .copied()
            .find(|k| k.fits(unit))
            .unwrap_or(ActivityKind::Participation),
        None => ActivityKind::Participation,
    });
    let unit = unit.unwrap_or_else(|| kind.units().first().copied().unwrap_or(Unit::Sessions));
    let mut activity = Activity::new(
        placeholder_id(),
        // The owner is not known yet; the own-record checks run in `check`.
        PersonId::try_from("unknown").unwrap_or_else(|_| unreachable!()),
        kind,
        date.unwrap_or(today),
        amount.unwrap_or_else(|| Amount::from_whole(1)),
        unit,
    );
    activity.duration_minutes = duration_minutes;
    activity.days = days;
    activity.cases = cases;
    if let Some(delivery) = delivery {
        activity.delivery = delivery;
    }
    activity.attestor = attestor;
    activity.co_leader = co_leader;
    activity.supervisor = supervisor;
    activity.group = group;
    activity.ongoing_group = ongoing_group;
    activity.setting = setting;
    activity.event_type = event_type;
    activity.provider = provider;
    activity.provider_approved = provider_approved;
    activity.supervision_format = supervision_format;
    activity.report_type = report_type;
    activity.prerequisite_type = prerequisite_type;
    activity.notes = notes;
    (
        Draft {
            activity,
            corrects,
            unread,
        },
        r.problems,
    )
}

/// The record's fields as [`read`] takes them, to merge an edit into.
pub fn fields_of(activity: &Activity, corrects: Option<&str>) -> Map<String, Value> {
    let mut map = match serde_json::to_value(activity) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    for internal in ["id", "person", "attestation"] {
        map.remove(internal);
    }
    if let Some(c) = corrects {
        map.insert("corrects".to_owned(), Value::String(c.to_owned()));
    }
    map
}

fn field_of(problem: &ActivityProblem) -> &'static str {
    match problem {
        ActivityProblem::UnitDoesNotFitKind { .. } => "unit",
        ActivityProblem::ZeroAmount => "amount",
        ActivityProblem::ZeroDuration => "duration_minutes",
        ActivityProblem::ZeroDays => "days",
        ActivityProblem::CasesOnlyForLeading => "cases",
        ActivityProblem::CoLeaderMissing => "co_leader",
        ActivityProblem::OwnRecord(Role::Attestor) => "attestor",
        ActivityProblem::OwnRecord(Role::CoLeader) => "co_leader",
        ActivityProblem::OwnRecord(Role::Supervisor) => "supervisor",
        _ => "record",
    }
}

/// Check `records` (each with its field prefix, owned by `person_id`, see
/// [`Draft::owned_by`]) against the rules of a record and the society's
/// people: the attestor, co-leader and supervisor must be people of the
/// society; a correction must point at a decided record of the same
/// person. Every problem that can be known, by field: a rule that reads a
/// required field that could not be read is skipped, every other one runs.
pub fn check(
    conn: &mut DbConnection,
    society_id: &str,
    person_id: &str,
    records: &[(String, &Draft)],
) -> Result<Vec<FieldProblem>, ApiError> {
    let mut named: Vec<String> = records
        .iter()
        .map(|(_, draft)| &draft.activity)
        .flat_map(|a| [&a.attestor, &a.co_leader, &a.supervisor])
        .flatten()
        .map(|p| p.to_string())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    named.sort();
    let known = activities::people_of_society(conn, society_id, &named)?;
    let mut problems = Vec::new();
    for (prefix, draft) in records {
        let activity = &draft.activity;
        for problem in activity
            .problems()
            .into_iter()
            .filter(|p| draft.can_tell(p))
        {
            problems.push(FieldProblem::new(
                format!("{prefix}{}", field_of(&problem)),
                problem.to_string(),
            ));
        }
        for (field, who) in [
            ("attestor", &activity.attestor),
            ("co_leader", &activity.co_leader),
            ("supervisor", &activity.supervisor),
        ] {
            if let Some(who) = who {
                if who.as_str() != person_id && !known.contains(who.as_str()) {
                    problems.push(FieldProblem::new(
                        format!("{prefix}{field}"),
                        format!("{who} is not a person of this society"),
                    ));
                }
            }
        }
        if let Some(corrects) = &draft.corrects {
            let message = match activities::find(conn, society_id, corrects)? {
                None => Some("no such record in this society".to_owned()),
                Some(c) if c.activity.person.as_str() != person_id => {
                    Some("is a record of another person".to_owned())
                }
                Some(c) if c.status == Status::Pending => Some(
                    "is still pending: edit it instead (only decided records are corrected)"
                        .to_owned(),
                ),
                Some(_) => None,
            };
            if let Some(message) = message {
                problems.push(FieldProblem::new(format!("{prefix}corrects"), message));
            }
        }
    }
    Ok(problems)
}

/// A record's values as the audit log keeps them.
pub fn audit_value(s: &StoredActivity) -> Value {
    let mut fields = fields_of(&s.activity, s.corrects.as_deref());
    fields.insert(
        "person".to_owned(),
        Value::String(s.activity.person.to_string()),
    );
    fields.insert(
        "status".to_owned(),
        Value::String(s.status.as_str().to_owned()),
    );
    Value::Object(fields)
}

/// N of a `rows[N].field` path.
fn row_number(field: &str) -> usize {
    field
        .strip_prefix("rows[")
        .and_then(|rest| rest.split(']').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// A fresh record id.
pub fn new_id() -> ActivityId {
    ActivityId::try_from(uuid::Uuid::new_v4().to_string()).unwrap_or_else(|_| unreachable!())
}
