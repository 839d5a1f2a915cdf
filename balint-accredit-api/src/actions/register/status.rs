//! A status change ordered by the registrar, and the load-change-store
//! every change to an existing entry goes through.

use balint_core::register::{RegisterEntry, RegisterError, RegistrarAction, Visibility};
use chrono::NaiveDate;

use super::{entry_with_person, not_found, Entry};
use crate::auth::Caller;
use crate::db::{self, people::Person, register::StoredEntry};
use crate::error::ApiError;
use crate::state::AppState;

/// A status change as the registrar orders it.
#[derive(Debug, Clone)]
pub struct StatusInput {
    /// Suspend, reinstate, revoke, retire, lapse or mark deceased.
    pub action: RegistrarAction,
    /// The day it takes effect; not before the entry's latest change.
    pub effective: NaiveDate,
    /// Why; required.
    pub reason: String,
    /// Whether the reason is shown on the public register (the new status
    /// always is).
    pub visibility: Visibility,
}

/// Change an entry's status (registrar). Only the transitions of the
/// register's rules are allowed; a refused one (e.g. reinstating a revoked
/// entry, or a change dated before the latest one) is a 409 saying why,
/// and changes nothing. Unknown entry: 404; an empty reason: 422.
pub async fn change_status(
    state: &AppState,
    caller: &Caller,
    slug: String,
    registration: String,
    input: StatusInput,
) -> Result<Entry, ApiError> {
    let reason = input.reason.trim().to_owned();
    change_entry(state, caller, slug, registration, move |_, _, _| {
        if reason.is_empty() {
            return Err(ApiError::unprocessable("reason", "is required"));
        }
        Ok(Box::new(move |entry: &mut RegisterEntry| {
            entry
                .change_status(input.action, input.effective, reason, input.visibility)
                .map(|_| ())
        }))
    })
    .await
}

/// A change to make to an entry, under the register's rules.
pub type EntryChange = Box<dyn FnOnce(&mut RegisterEntry) -> Result<(), RegisterError>>;

/// Load the entry (registrar only; 404 when there is none), let `prepare`
/// decide the change (it may read the database, e.g. the pathway), apply
/// and store it in one transaction (the register's own audit record with
/// it), and answer the entry as it now stands.
pub async fn change_entry(
    state: &AppState,
    caller: &Caller,
    slug: String,
    registration: String,
    prepare: impl FnOnce(&mut db::DbConnection, &StoredEntry, &Person) -> Result<EntryChange, ApiError>
        + Send
        + 'static,
) -> Result<Entry, ApiError> {
    let (society, actor) = crate::actions::as_registrar(state, caller, slug).await?;
    let now = db::now();
    let (stored, person) = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let (stored, person) = entry_with_person(conn, &society.id, &registration)?
                .ok_or_else(|| not_found(&registration))?;
            let change = prepare(conn, &stored, &person)?;
            let stored = db::register::update(conn, stored, Some(&actor), now, change)?;
            Ok((stored, person))
        })
    })
    .await?;
    Ok(Entry {
        stored,
        person,
        today: now.date(),
    })
}
