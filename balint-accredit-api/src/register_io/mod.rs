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

mod export;
mod import;
mod read_csv;
mod read_json;

pub use export::export;
pub use import::{apply, ImportReport};
use read_csv::read_csv;
use read_json::read_json;

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
