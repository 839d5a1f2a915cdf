//! A society's register as a file: the export (JSON or CSV, every field
//! and the whole history for the registrar; public fields of listed people
//! for everyone else) and the import of an existing register, shared by
//! the API and the `import` / `export` commands.
//!
//! An import is all or nothing and idempotent: every bad row is reported
//! (by row and field) and nothing is stored; an entry already on the
//! register with the same history is left alone; one whose stored history
//! is the start of the imported one gets the rest appended; anything else
//! is a conflict, reported for that entry. Exporting and importing into an
//! empty database gives the same register back, history included: a CSV
//! cell a spreadsheet would run as a formula is written with a `'` before
//! it and read back without it (see [`crate::csv_cells`]).
//!
//! Imported history is authoritative: grants and renewals are replayed as
//! given, under the register's transition rules only. Neither tier nor
//! renewal requirements are assessed (the people imported usually have no
//! ledger here), unlike a renewal through the API. Nor are a tier's
//! prerequisites checked, unlike a grant through the API (`POST
//! .../register`, refused without an override when they are not held): an
//! import is the society's historical record, made under whatever rules
//! applied then, and the prerequisite tiers may predate the register kept
//! here.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use balint_core::ids::{PersonId, RegistrationNumber, TierId};
use balint_core::register::{
    Grant, RegisterEntry, RegistrarAction, Renewal, RenewalCycle, StatusAction, StatusChange,
    Visibility,
};
use chrono::NaiveDate;
use diesel::RunQueryDsl;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::csv_cells::{self, CsvWriter};
use crate::day::{Day, DayError};
use crate::db::people::Person;
use crate::db::register::{self as stored_register, Listing, StoredEntry};
use crate::db::societies::Society;
use crate::db::{self, audit, DbConnection};
use crate::edge::text;
use crate::error::{ApiError, FieldProblem};

/// The file formats of a register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// `{"society": ..., "entries": [...]}` with each entry's history.
    Json,
    /// One row per change in an entry's history, oldest first.
    Csv,
}

/// Who an export is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Every field and the whole history, listed or not.
    Registrar,
    /// Listed people only, public fields, confidential reasons withheld.
    Public,
}

/// A person as a register file carries them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonRecord {
    pub id: Option<String>,
    pub title: Option<String>,
    pub given_name: Option<String>,
    pub family_name: String,
    pub display_name: Option<String>,
    #[serde(default)]
    pub backgrounds: Vec<String>,
    pub city: Option<String>,
    pub region: Option<String>,
    pub email: Option<String>,
    #[serde(default)]
    pub public_listing: bool,
    pub entered_pathway_on: Option<NaiveDate>,
}

impl PersonRecord {
    fn of(person: &Person) -> Self {
        Self {
            id: Some(person.id.clone()),
            title: person.title.clone(),
            given_name: person.given_name.clone(),
            family_name: person.family_name.clone(),
            display_name: person.display_name.clone(),
            backgrounds: person.backgrounds.clone(),
            city: person.city.clone(),
            region: person.region.clone(),
            email: person.email.clone(),
            public_listing: person.public_listing,
            entered_pathway_on: person.entered_pathway_on,
        }
    }
}

/// One entry of a full export.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntryRecord {
    pub registration: String,
    pub person: PersonRecord,
    pub history: Vec<StatusChange>,
}

/// A full export.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RegisterFile {
    /// The society's slug.
    pub society: String,
    pub entries: Vec<EntryRecord>,
}

/// The columns of a full CSV export, one row per change.
pub const CSV_COLUMNS: [&str; 18] = [
    "registration",
    "person_id",
    "title",
    "given_name",
    "family_name",
    "display_name",
    "backgrounds",
    "city",
    "region",
    "email",
    "public_listing",
    "entered_pathway_on",
    "effective",
    "action",
    "tier",
    "valid_until",
    "grace_days",
    "reason",
];
const CSV_VISIBILITY: &str = "visibility";

/// The columns of a public CSV export, one row per entry.
pub const PUBLIC_CSV_COLUMNS: [&str; 9] = [
    "registration",
    "title",
    "name",
    "city",
    "region",
    "tier",
    "status",
    "first_accredited",
    "valid_until",
];

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(anyhow::anyhow!("writing the export: {e}"))
}

/// Export `society`'s register for `audience` on `today`.
pub fn export(
    conn: &mut DbConnection,
    society: &Society,
    format: Format,
    audience: Audience,
    today: NaiveDate,
) -> Result<String, ApiError> {
    let listing = match audience {
        Audience::Registrar => Listing::Everyone,
        Audience::Public => Listing::PublicOnly,
    };
    let mut entries = stored_register::with_people(conn, &society.id, listing)?;
    // By registration number: the order a society keeps its register in.
    entries.sort_by(|a, b| a.0.entry.registration().cmp(b.0.entry.registration()));
    match audience {
        Audience::Registrar => full_export(society, &entries, format),
        Audience::Public => public_export(society, &entries, format, today),
    }
}

fn full_export(
    society: &Society,
    entries: &[(StoredEntry, Person)],
    format: Format,
) -> Result<String, ApiError> {
    match format {
        Format::Json => {
            let file = RegisterFile {
                society: society.slug.clone(),
                entries: entries
                    .iter()
                    .map(|(stored, person)| EntryRecord {
                        registration: stored.entry.registration().as_str().to_owned(),
                        person: PersonRecord::of(person),
                        history: stored.entry.history().to_vec(),
                    })
                    .collect(),
            };
            serde_json::to_string_pretty(&file).map_err(internal)
        }
        Format::Csv => {
            let mut writer = CsvWriter::new();
            let mut header: Vec<&str> = CSV_COLUMNS.to_vec();
            header.push(CSV_VISIBILITY);
            writer.row(&header).map_err(internal)?;
            for (stored, person) in entries {
                for change in stored.entry.history() {
                    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
                    writer
                        .row([
                            stored.entry.registration().as_str().to_owned(),
                            person.id.clone(),
                            opt(&person.title),
                            opt(&person.given_name),
                            person.family_name.clone(),
                            opt(&person.display_name),
                            person.backgrounds.join(";"),
                            opt(&person.city),
                            opt(&person.region),
                            opt(&person.email),
                            person.public_listing.to_string(),
                            person
                                .entered_pathway_on
                                .map(|d| d.to_string())
                                .unwrap_or_default(),
                            change.effective.to_string(),
                            change.action.as_str().to_owned(),
                            change
                                .tier
                                .as_ref()
                                .map(|t| t.as_str().to_owned())
                                .unwrap_or_default(),
                            change
                                .cycle
                                .map(|c| c.valid_until.to_string())
                                .unwrap_or_default(),
                            change
                                .cycle
                                .map(|c| c.grace_days.to_string())
                                .unwrap_or_default(),
                            change.reason.clone(),
                            stored_register::visibility_word(change.visibility),
                        ])
                        .map_err(internal)?;
                }
            }
            writer.finish().map_err(internal)
        }
    }
}

fn public_export(
    society: &Society,
    entries: &[(StoredEntry, Person)],
    format: Format,
    today: NaiveDate,
) -> Result<String, ApiError> {
    let visible: Vec<(&Person, balint_core::register::PublicEntry)> = entries
        .iter()
        .filter_map(|(stored, person)| Some((person, stored.entry.public_view(today)?)))
        .collect();
    match format {
        Format::Json => {
            let entries: Vec<serde_json::Value> = visible
                .iter()
                .map(|(person, public)| {
                    json!({
                        "registration": public.registration,
                        "title": person.title,
                        "name": person.name(),
                        "city": person.city,
                        "region": person.region,
                        "tier": public.tier,
                        "status": public.status,
                        "first_accredited": public.first_accredited,
                        "valid_until": public.valid_until,
                        "history": public.history,
                    })
                })
                .collect();
            serde_json::to_string_pretty(&json!({ "society": society.slug, "entries": entries }))
                .map_err(internal)
        }
        Format::Csv => {
            let mut writer = CsvWriter::new();
            writer.row(PUBLIC_CSV_COLUMNS).map_err(internal)?;
            for (person, public) in &visible {
                let opt = |v: &Option<String>| v.clone().unwrap_or_default();
                writer
                    .row([
                        public.registration.as_str().to_owned(),
                        opt(&person.title),
                        person.name(),
                        opt(&person.city),
                        opt(&person.region),
                        public.tier.as_str().to_owned(),
                        public.status.as_str().to_owned(),
                        public.first_accredited.to_string(),
                        public
                            .valid_until
                            .map(|d| d.to_string())
                            .unwrap_or_default(),
                    ])
                    .map_err(internal)?;
            }
            writer.finish().map_err(internal)
        }
    }
}

/// An entry read from a file and checked against the rules.
#[derive(Debug, Clone)]
pub struct ImportedEntry {
    /// Where it starts in the file, for problems found later (`entries[3]`
    /// or `rows[7]`).
    pub at: String,
    pub person: PersonRecord,
    /// Whether the file named the person's id (else one was made up).
    pub person_named: bool,
    pub entry: RegisterEntry,
}

fn invalid(problems: Vec<FieldProblem>) -> ApiError {
    ApiError::Unprocessable {
        detail: format!(
            "the register file has {} problem{}; nothing was imported",
            problems.len(),
            if problems.len() == 1 { "" } else { "s" }
        ),
        errors: problems,
    }
}

/// Read a register file, reporting every problem found.
pub fn read(text: &str, format: Format) -> Result<Vec<ImportedEntry>, ApiError> {
    let (entries, problems) = match format {
        Format::Json => read_json(text)?,
        Format::Csv => read_csv(text)?,
    };
    let mut problems = problems;
    let mut registrations = BTreeSet::new();
    let mut people = BTreeSet::new();
    for imported in &entries {
        if !registrations.insert(imported.entry.registration().clone()) {
            problems.push(FieldProblem::new(
                format!("{}.registration", imported.at),
                format!(
                    "{} appears twice in the file",
                    imported.entry.registration()
                ),
            ));
        }
        if imported.person_named && !people.insert(imported.entry.person().clone()) {
            problems.push(FieldProblem::new(
                format!("{}.person_id", imported.at),
                format!(
                    "person {} has two entries in the file",
                    imported.entry.person()
                ),
            ));
        }
    }
    if problems.is_empty() {
        Ok(entries)
    } else {
        Err(invalid(problems))
    }
}

fn person_id(given: Option<&str>) -> Result<(PersonId, bool), String> {
    match given {
        Some(id) => id.parse().map(|id| (id, true)).map_err(|e| format!("{e}")),
        None => uuid::Uuid::new_v4()
            .to_string()
            .parse()
            .map(|id| (id, false))
            .map_err(|e| format!("{e}")),
    }
}

type Read = (Vec<ImportedEntry>, Vec<FieldProblem>);

fn read_json(text: &str) -> Result<Read, ApiError> {
    #[derive(Deserialize)]
    struct Loose {
        entries: Vec<serde_json::Value>,
    }
    let loose: Loose = serde_json::from_str(text).map_err(|e| {
        ApiError::bad_request(
            "body",
            format!("not a register file ({{\"entries\": [...]}}): {e}"),
        )
    })?;
    let nul: Vec<FieldProblem> = loose
        .entries
        .iter()
        .enumerate()
        .flat_map(|(index, value)| text::nul_in_json(value, &format!("entries[{index}]")))
        .collect();
    if !nul.is_empty() {
        return Err(invalid(nul));
    }
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    for (index, value) in loose.entries.into_iter().enumerate() {
        let at = format!("entries[{index}]");
        let record: EntryRecord = match serde_json::from_value(value) {
            Ok(record) => record,
            Err(e) => {
                problems.push(FieldProblem::new(at, e.to_string()));
                continue;
            }
        };
        let registration: Result<RegistrationNumber, _> = record.registration.parse();
        let person = person_id(record.person.id.as_deref());
        let (registration, (person, named)) = match (registration, person) {
            (Ok(r), Ok(p)) => (r, p),
            (r, p) => {
                if let Err(e) = r {
                    problems.push(FieldProblem::new(
                        format!("{at}.registration"),
                        e.to_string(),
                    ));
                }
                if let Err(e) = p {
                    problems.push(FieldProblem::new(format!("{at}.person.id"), e));
                }
                continue;
            }
        };
        let out_of_range = dates_of(&record)
            .filter_map(|(field, date)| {
                Day::new(date)
                    .err()
                    .map(|e| FieldProblem::new(format!("{at}.{field}"), format!("{date}: {e}")))
            })
            .collect::<Vec<_>>();
        if !out_of_range.is_empty() {
            problems.extend(out_of_range);
            continue;
        }
        match RegisterEntry::from_history(registration, person, record.history) {
            Ok(entry) => entries.push(ImportedEntry {
                at,
                person: record.person,
                person_named: named,
                entry,
            }),
            Err(e) => problems.push(FieldProblem::new(format!("{at}.history"), e.to_string())),
        }
    }
    Ok((entries, problems))
}

/// Every date of `record`, with its path in the entry.
fn dates_of(record: &EntryRecord) -> impl Iterator<Item = (String, NaiveDate)> + '_ {
    let entered = record
        .person
        .entered_pathway_on
        .map(|date| ("person.entered_pathway_on".to_owned(), date));
    let history = record.history.iter().enumerate().flat_map(|(i, change)| {
        let valid_until = change
            .cycle
            .map(|c| (format!("history[{i}].cycle.valid_until"), c.valid_until));
        [
            Some((format!("history[{i}].effective"), change.effective)),
            valid_until,
        ]
    });
    entered.into_iter().chain(history.flatten())
}

/// One CSV row, checked field by field.
struct Row {
    line: usize,
    registration: RegistrationNumber,
    person_id: Option<String>,
    person: PersonRecord,
    effective: NaiveDate,
    action: StatusAction,
    tier: Option<TierId>,
    cycle: Option<RenewalCycle>,
    reason: String,
    visibility: Visibility,
}

fn read_csv(text: &str) -> Result<Read, ApiError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| ApiError::bad_request("body", format!("not CSV: {e}")))?
        .clone();
    let missing: Vec<FieldProblem> = [
        "registration",
        "family_name",
        "effective",
        "action",
        "reason",
    ]
    .into_iter()
    .filter(|column| !headers.iter().any(|h| h == *column))
    .map(|column| FieldProblem::new(column, "the column is missing"))
    .collect();
    if !missing.is_empty() {
        return Err(ApiError::BadRequest {
            detail: "the CSV file lacks required columns".to_owned(),
            errors: missing,
        });
    }
    let mut problems = Vec::new();
    let records: Vec<(usize, csv::StringRecord)> = reader
        .records()
        .enumerate()
        .filter_map(|(index, record)| match record {
            Ok(record) => Some((index + 1, record)),
            Err(e) => {
                problems.push(FieldProblem::new(
                    format!("rows[{}]", index + 1),
                    e.to_string(),
                ));
                None
            }
        })
        .collect();
    let nul = text::nul_in_csv(&headers, records.iter().map(|(line, r)| (*line, r)));
    if !nul.is_empty() {
        return Err(invalid(nul));
    }
    let mut rows = Vec::new();
    for (line, record) in records {
        let at = |field: &str| format!("rows[{line}].{field}");
        let get = |column: &str| -> Option<String> {
            headers
                .iter()
                .position(|h| h == column)
                .and_then(|i| record.get(i))
                .map(csv_cells::restored)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let before = problems.len();
        let mut problem = |field: &str, message: String| {
            problems.push(FieldProblem::new(at(field), message));
        };
        let registration = match get("registration").map(|r| r.parse::<RegistrationNumber>()) {
            Some(Ok(r)) => Some(r),
            Some(Err(e)) => {
                problem("registration", e.to_string());
                None
            }
            None => {
                problem("registration", "is required".to_owned());
                None
            }
        };
        let date = |column: &str, problem: &mut dyn FnMut(&str, String)| -> Option<NaiveDate> {
            let value = get(column)?;
            match Day::parse(&value) {
                Ok(day) => Some(day.date()),
                Err(DayError::NotADate) => {
                    problem(column, format!("{value:?} is not a date (YYYY-MM-DD)"));
                    None
                }
                Err(e) => {
                    problem(column, format!("{value:?}: {e}"));
                    None
                }
            }
        };
        let effective = date("effective", &mut problem);
        if get("effective").is_none() {
            problem("effective", "is required".to_owned());
        }
        let entered = date("entered_pathway_on", &mut problem);
        let action = match get("action") {
            Some(word) => serde_json::from_value::<StatusAction>(json!(word))
                .map_err(|_| {
                    problem(
                        "action",
                        format!("{word:?} is not one of grant, renew, suspend, reinstate, revoke, retire, lapse, mark_deceased"),
                    )
                })
                .ok(),
            None => {
                problem("action", "is required".to_owned());
                None
            }
        };
        let tier = match get("tier").map(|t| t.parse::<TierId>()) {
            Some(Ok(t)) => Some(t),
            Some(Err(e)) => {
                problem("tier", e.to_string());
                None
            }
            None => None,
        };
        let valid_until = date("valid_until", &mut problem);
        let grace_days = match get("grace_days").map(|g| g.parse::<u32>()) {
            Some(Ok(g)) => Some(g),
            Some(Err(_)) => {
                problem("grace_days", "must be a whole number of days".to_owned());
                None
            }
            None => None,
        };
        let cycle = match (valid_until, grace_days) {
            (Some(valid_until), grace) => Some(RenewalCycle {
                valid_until,
                grace_days: grace.unwrap_or(0),
            }),
            (None, Some(_)) => {
                problem("valid_until", "is required with grace_days".to_owned());
                None
            }
            (None, None) => None,
        };
        let public_listing = match get("public_listing").as_deref() {
            None | Some("false") | Some("no") | Some("0") => false,
            Some("true") | Some("yes") | Some("1") => true,
            Some(other) => {
                problem("public_listing", format!("{other:?} is not true or false"));
                false
            }
        };
        let visibility = match get(CSV_VISIBILITY).as_deref() {
            None | Some("public") => Visibility::Public,
            Some("confidential") => Visibility::Confidential,
            Some(other) => {
                problem(
                    CSV_VISIBILITY,
                    format!("{other:?} is not public or confidential"),
                );
                Visibility::Public
            }
        };
        let reason = get("reason").unwrap_or_default();
        if reason.is_empty() {
            problem("reason", "is required".to_owned());
        }
        let Some(family_name) = get("family_name") else {
            problem("family_name", "is required".to_owned());
            continue;
        };
        if problems.len() > before {
            continue;
        }
        let (Some(registration), Some(effective), Some(action)) = (registration, effective, action)
        else {
            continue;
        };
        rows.push(Row {
            line,
            registration,
            person_id: get("person_id"),
            person: PersonRecord {
                id: get("person_id"),
                title: get("title"),
                given_name: get("given_name"),
                family_name,
                display_name: get("display_name"),
                backgrounds: get("backgrounds")
                    .map(|b| {
                        b.split(';')
                            .map(|s| s.trim().to_owned())
                            .filter(|s| !s.is_empty())
                            .collect()
                    })
                    .unwrap_or_default(),
                city: get("city"),
                region: get("region"),
                email: get("email"),
                public_listing,
                entered_pathway_on: entered,
            },
            effective,
            action,
            tier,
            cycle,
            reason,
            visibility,
        });
    }
    // Rows of one registration, in file order, make one entry's history.
    let mut grouped: BTreeMap<RegistrationNumber, Vec<Row>> = BTreeMap::new();
    let mut order = Vec::new();
    for row in rows {
        if !grouped.contains_key(&row.registration) {
            order.push(row.registration.clone());
        }
        grouped
            .entry(row.registration.clone())
            .or_default()
            .push(row);
    }
    let mut entries = Vec::new();
    for registration in order {
        let Some(rows) = grouped.remove(&registration) else {
            continue;
        };
        match replay(registration, rows) {
            Ok(imported) => entries.push(imported),
            Err(problem) => problems.push(problem),
        }
    }
    Ok((entries, problems))
}

/// Build an entry by replaying its rows through the register's rules.
fn replay(registration: RegistrationNumber, rows: Vec<Row>) -> Result<ImportedEntry, FieldProblem> {
    let first = &rows[0];
    let at = format!("rows[{}]", first.line);
    let (person, named) = person_id(first.person_id.as_deref())
        .map_err(|e| FieldProblem::new(format!("{at}.person_id"), e))?;
    let person_record = first.person.clone();
    let mut entry: Option<RegisterEntry> = None;
    for row in rows {
        let field = |name: &str| format!("rows[{}].{name}", row.line);
        let refused = |e: balint_core::register::RegisterError| {
            FieldProblem::new(field("action"), e.to_string())
        };
        let grant = || -> Result<Grant, FieldProblem> {
            Ok(Grant {
                effective: row.effective,
                tier: row
                    .tier
                    .clone()
                    .ok_or_else(|| FieldProblem::new(field("tier"), "is required on a grant"))?,
                cycle: row.cycle,
                reason: row.reason.clone(),
                visibility: row.visibility,
            })
        };
        match (&mut entry, row.action) {
            (None, StatusAction::Grant) => {
                entry = Some(
                    RegisterEntry::accredit(registration.clone(), person.clone(), grant()?)
                        .map_err(refused)?,
                );
            }
            (None, _) => {
                return Err(FieldProblem::new(
                    field("action"),
                    "an entry's first row must be its first grant",
                ))
            }
            (Some(entry), StatusAction::Grant) => {
                entry.grant(grant()?).map_err(refused)?;
            }
            (Some(entry), StatusAction::Renew) => {
                let cycle = row.cycle.ok_or_else(|| {
                    FieldProblem::new(field("valid_until"), "is required on a renewal")
                })?;
                entry
                    .renew(Renewal {
                        effective: row.effective,
                        cycle,
                        reason: row.reason.clone(),
                        visibility: row.visibility,
                    })
                    .map_err(refused)?;
            }
            (Some(entry), action) => {
                let action = registrar_action(action)
                    .ok_or_else(|| FieldProblem::new(field("action"), "is not a status change"))?;
                entry
                    .change_status(action, row.effective, row.reason.clone(), row.visibility)
                    .map_err(refused)?;
            }
        }
    }
    let entry = entry.ok_or_else(|| FieldProblem::new(at.clone(), "no rows"))?;
    Ok(ImportedEntry {
        at,
        person: person_record,
        person_named: named,
        entry,
    })
}

fn registrar_action(action: StatusAction) -> Option<RegistrarAction> {
    Some(match action {
        StatusAction::Suspend => RegistrarAction::Suspend,
        StatusAction::Reinstate => RegistrarAction::Reinstate,
        StatusAction::Revoke => RegistrarAction::Revoke,
        StatusAction::Retire => RegistrarAction::Retire,
        StatusAction::Lapse => RegistrarAction::Lapse,
        StatusAction::MarkDeceased => RegistrarAction::MarkDeceased,
        StatusAction::Grant | StatusAction::Renew => return None,
    })
}

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    /// Entries put on the register.
    pub created: usize,
    /// Entries whose history was extended by the file.
    pub extended: usize,
    /// Entries already on the register exactly as in the file.
    pub unchanged: usize,
    /// People added to the society's records.
    pub people_created: usize,
}

/// New entries from which an import refreshes the planner's statistics.
const REFRESH_STATISTICS_AFTER: usize = 1000;

/// Store `entries` in `society`'s register, all or nothing; `progress` is
/// called after each entry is checked. Call it inside [`crate::db::write`].
///
/// What is on the register already is read in a few queries up front, and
/// new people, entries, their histories and the audit records are written
/// in batches: no round trip per row for a fresh register.
pub fn apply(
    conn: &mut DbConnection,
    society: &Society,
    entries: Vec<ImportedEntry>,
    actor: Option<&str>,
    progress: &mut dyn FnMut(),
) -> Result<ImportReport, ApiError> {
    stored_register::lock_for_import(conn, &society.id)?;
    let now = db::now();
    let mut report = ImportReport::default();
    let mut problems = Vec::new();

    // Who and what is there already (once any import before this one
    // has committed).
    let on_register = stored_register::registrations(conn, &society.id)?;
    let mut registered_people: HashSet<String> = on_register.values().cloned().collect();
    let mut known_people: HashSet<String> =
        db::people::ids(conn, &society.id)?.into_iter().collect();
    let again: Vec<&str> = entries
        .iter()
        .map(|imported| imported.entry.registration().as_str())
        .filter(|registration| on_register.contains_key(*registration))
        .collect();
    let mut existing = stored_register::by_registrations(conn, &society.id, &again)?;

    let mut new_people = Vec::new();
    let mut new_entries = Vec::new();
    for imported in entries {
        let at = imported.at.clone();
        let registration = imported.entry.registration().as_str().to_owned();
        let outcome = match existing.remove(&registration) {
            Some(stored) => apply_again(conn, stored, imported, actor, now, &mut report),
            None => plan_new(
                society,
                imported,
                now,
                &mut registered_people,
                &mut known_people,
                &mut new_people,
                &mut new_entries,
            ),
        };
        match outcome {
            Ok(()) => {}
            Err(ApiError::Conflict(message)) => problems.push(FieldProblem::new(at, message)),
            Err(ApiError::Unprocessable { detail, errors }) if errors.is_empty() => {
                problems.push(FieldProblem::new(at, detail));
            }
            Err(ApiError::Unprocessable { errors, .. }) => problems.extend(
                errors
                    .into_iter()
                    .map(|p| FieldProblem::new(format!("{at}.{}", p.field), p.message)),
            ),
            Err(other) => return Err(other),
        }
        progress();
    }
    if !problems.is_empty() {
        return Err(invalid(problems));
    }

    db::people::insert_all(conn, &new_people)?;
    let numbers: HashMap<&str, &str> = new_entries
        .iter()
        .map(|e| (e.person().as_str(), e.registration().as_str()))
        .collect();
    let people_audit: Vec<(String, serde_json::Value)> = new_people
        .iter()
        .map(|person| {
            let with = numbers.get(person.id.as_str());
            (
                person.id.clone(),
                json!({ "family_name": person.family_name, "imported_with": with }),
            )
        })
        .collect();
    audit::record_all(
        conn,
        people_audit
            .iter()
            .map(|(id, after)| audit::Change {
                actor_user_id: actor,
                society_id: Some(&society.id),
                action: audit::Action::Create,
                entity: audit::Entity::Person,
                entity_id: id,
                before: None,
                after: Some(after.clone()),
                at: now,
            })
            .collect(),
    )?;
    report.people_created += new_people.len();
    stored_register::insert_all(conn, &society.id, &new_entries, actor, now)?;
    stored_register::reserve_past(
        conn,
        society,
        new_entries.iter().map(RegisterEntry::registration),
    )?;
    report.created += new_entries.len();
    if new_entries.len() >= REFRESH_STATISTICS_AFTER {
        // A bulk load changes the tables' shape: without fresh statistics
        // both planners walk the whole register for a name search.
        diesel::sql_query("ANALYZE").execute(conn)?;
    }
    Ok(report)
}

/// An entry already on the register: unchanged, extended by the file, or
/// in conflict with it.
fn apply_again(
    conn: &mut DbConnection,
    existing: StoredEntry,
    imported: ImportedEntry,
    actor: Option<&str>,
    now: chrono::NaiveDateTime,
    report: &mut ImportReport,
) -> Result<(), ApiError> {
    let registration = imported.entry.registration().clone();
    if imported.person_named && existing.entry.person() != imported.entry.person() {
        return Err(ApiError::Conflict(format!(
            "{registration} is on the register for person {}, not {}",
            existing.entry.person(),
            imported.entry.person()
        )));
    }
    let ours = existing.entry.history();
    let theirs = imported.entry.history();
    if ours == theirs {
        report.unchanged += 1;
        return Ok(());
    }
    if theirs.len() < ours.len() || &theirs[..ours.len()] != ours {
        return Err(ApiError::Conflict(format!(
            "{registration} is on the register with a different history"
        )));
    }
    let extended = RegisterEntry::from_history(
        registration.clone(),
        existing.entry.person().clone(),
        theirs.to_vec(),
    )
    .map_err(stored_register::refused)?;
    stored_register::update(conn, existing, actor, now, move |entry| {
        *entry = extended;
        Ok(())
    })?;
    report.extended += 1;
    Ok(())
}

/// A new entry: checked now, stored with the others at the end.
fn plan_new(
    society: &Society,
    imported: ImportedEntry,
    now: chrono::NaiveDateTime,
    registered_people: &mut HashSet<String>,
    known_people: &mut HashSet<String>,
    new_people: &mut Vec<Person>,
    new_entries: &mut Vec<RegisterEntry>,
) -> Result<(), ApiError> {
    let person_id = imported.entry.person().as_str().to_owned();
    if registered_people.contains(&person_id) {
        return Err(ApiError::Conflict(format!(
            "registration {} or person {} is already on the register",
            imported.entry.registration(),
            person_id
        )));
    }
    if !known_people.contains(&person_id) {
        let record = &imported.person;
        if record.family_name.trim().is_empty() {
            return Err(ApiError::unprocessable("person.family_name", "is required"));
        }
        new_people.push(Person {
            id: person_id.clone(),
            society_id: society.id.clone(),
            title: record.title.clone(),
            given_name: record.given_name.clone(),
            family_name: record.family_name.clone(),
            display_name: record.display_name.clone(),
            backgrounds: record.backgrounds.clone(),
            city: record.city.clone(),
            region: record.region.clone(),
            email: record.email.clone(),
            public_listing: record.public_listing,
            entered_pathway_on: record.entered_pathway_on,
            created_at: now,
            updated_at: now,
        });
        known_people.insert(person_id.clone());
    }
    registered_people.insert(person_id);
    new_entries.push(imported.entry);
    Ok(())
}
