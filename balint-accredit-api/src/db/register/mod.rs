//! The register as stored: entries, their append-only history of changes,
//! and the per-society registration counter.
//!
//! The rules live in `balint_core::register`: every change is made on a
//! [`RegisterEntry`] loaded from its stored history, and only the changes it
//! accepted are appended. Stored histories are replayed through
//! [`RegisterEntry::from_history`] on the way in, so what is served always
//! holds together under the rules.

mod entries;
mod history;
mod import;
mod public;

pub use entries::*;
pub use history::*;
pub use import::*;
pub use public::*;

use balint_core::ids::TierId;
use balint_core::register::{RegisterEntry, RegisterError, Visibility};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::db::people::Person;
use crate::db::schema::register_entries;
use crate::error::ApiError;

/// A register entry as stored: its row id and society, and the entry
/// rebuilt from its history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEntry {
    pub id: String,
    pub society_id: String,
    pub entry: RegisterEntry,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = register_entries, treat_none_as_null = true, treat_none_as_default_value = false)]
struct EntryRow {
    id: String,
    society_id: String,
    registration: String,
    person_id: String,
    first_accredited: NaiveDate,
    status: String,
    tier: String,
    valid_until: Option<NaiveDate>,
    lapses_on: Option<NaiveDate>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    /// The day the latest change takes effect: from then on the columns
    /// above are the entry's standing (see the migration
    /// `2026-01-07-000100_register_at_scale`).
    latest_change_on: Option<NaiveDate>,
}

/// A person's columns, read in the same query as their entry.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::db::schema::people)]
struct PersonColumns {
    id: String,
    society_id: String,
    title: Option<String>,
    given_name: Option<String>,
    family_name: String,
    display_name: Option<String>,
    backgrounds: String,
    city: Option<String>,
    region: Option<String>,
    email: Option<String>,
    public_listing: bool,
    entered_pathway_on: Option<NaiveDate>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl PersonColumns {
    fn into_person(self) -> Result<Person, ApiError> {
        let backgrounds = serde_json::from_str(&self.backgrounds).map_err(|e| {
            ApiError::Internal(anyhow::anyhow!("backgrounds of person {}: {e}", self.id))
        })?;
        Ok(Person {
            id: self.id,
            society_id: self.society_id,
            title: self.title,
            given_name: self.given_name,
            family_name: self.family_name,
            display_name: self.display_name,
            backgrounds,
            city: self.city,
            region: self.region,
            email: self.email,
            public_listing: self.public_listing,
            entered_pathway_on: self.entered_pathway_on,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// The tier most recently granted in an entry's history.
pub fn current_tier(entry: &RegisterEntry) -> Option<&TierId> {
    entry
        .history()
        .iter()
        .rev()
        .find_map(|change| change.tier.as_ref())
}

/// A refusal from the register's rules as an API error: anything that
/// depends on the entry's current state (a transition the table refuses, a
/// change dated before the latest one, a tier already held) conflicts with
/// it (409); a change that is wrong whatever the state is invalid (422).
pub fn refused(error: RegisterError) -> ApiError {
    match error {
        RegisterError::IllegalTransition(_)
        | RegisterError::BackDated { .. }
        | RegisterError::TierAlreadyHeld { .. }
        | RegisterError::DuplicateRegistration(_)
        | RegisterError::PersonAlreadyRegistered { .. } => ApiError::Conflict(error.to_string()),
        RegisterError::MissingReason => ApiError::unprocessable("reason", error.to_string()),
        RegisterError::CycleEndsBeforeEffective { .. }
        | RegisterError::RenewalDoesNotExtend { .. } => {
            ApiError::unprocessable("effective", error.to_string())
        }
        other => ApiError::Unprocessable {
            detail: other.to_string(),
            errors: Vec::new(),
        },
    }
}

fn word<T: DeserializeOwned>(text: &str, what: &str) -> Result<T, ApiError> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored {what} {text:?}: {e}")))
}

fn word_of<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

fn summary_row(
    id: &str,
    society_id: &str,
    entry: &RegisterEntry,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
) -> EntryRow {
    EntryRow {
        id: id.to_owned(),
        society_id: society_id.to_owned(),
        registration: entry.registration().as_str().to_owned(),
        person_id: entry.person().as_str().to_owned(),
        first_accredited: entry.first_accredited(),
        status: entry.status().as_str().to_owned(),
        tier: current_tier(entry)
            .map(|t| t.as_str().to_owned())
            .unwrap_or_default(),
        valid_until: entry.valid_until(),
        lapses_on: entry.lapses_on(),
        created_at,
        updated_at,
        latest_change_on: entry.history().last().map(|change| change.effective),
    }
}

fn audit_values(entry: &RegisterEntry) -> serde_json::Value {
    json!({
        "registration": entry.registration(),
        "person_id": entry.person(),
        "status": entry.status(),
        "tier": current_tier(entry),
        "valid_until": entry.valid_until(),
        "changes": entry.history().len(),
    })
}

/// `visibility` as stored and served.
pub fn visibility_word(visibility: Visibility) -> String {
    word_of(&visibility)
}
