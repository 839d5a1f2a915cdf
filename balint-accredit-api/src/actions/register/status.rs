//! A status change ordered by the registrar.

use balint_core::register::{RegisterError, RegistrarAction, Visibility};
use chrono::NaiveDate;

use super::{entry_with_person, Entry};
use crate::actions::refusal::{failed_as, registrar, Access, Failure};
use crate::auth::Caller;
use crate::db;
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

/// Why a status change is refused.
#[derive(Debug, thiserror::Error)]
pub enum StatusError {
    /// Not signed in, no such society, or not its registrar.
    #[error(transparent)]
    Access(#[from] Access),
    /// The society's register has no entry with this registration.
    #[error("no register entry {0}")]
    NoSuchEntry(String),
    /// No reason was given.
    #[error("a status change needs a reason")]
    NoReason,
    /// The register's rules refuse the change (e.g. reinstating a revoked
    /// entry: not allowed from its status; or a change dated before the
    /// entry's latest one), in their words.
    #[error("{0}")]
    Refused(RegisterError),
    /// The store failed.
    #[error(transparent)]
    Failed(#[from] Failure),
}

failed_as!(StatusError);

/// Change an entry's status (registrar), and store it in one transaction
/// with the register's own audit record. Only the transitions of the
/// register's rules are allowed; a refused one (e.g. reinstating a revoked
/// entry, or a change dated before the latest one) says why and changes
/// nothing. An unknown entry is refused before an empty reason.
pub async fn change_status(
    state: &AppState,
    caller: &Caller,
    slug: String,
    registration: String,
    input: StatusInput,
) -> Result<Entry, StatusError> {
    let (society, actor) = registrar::<StatusError>(state, caller, slug).await?;
    let reason = input.reason.trim().to_owned();
    let now = db::now();
    let (stored, person) = db::run_as(&state.pool, move |conn| {
        db::write_as(conn, |conn| {
            let (stored, person) = entry_with_person(conn, &society.id, &registration)?
                .ok_or(StatusError::NoSuchEntry(registration))?;
            if reason.is_empty() {
                return Err(StatusError::NoReason);
            }
            let mut changed = stored.entry.clone();
            changed
                .change_status(input.action, input.effective, reason, input.visibility)
                .map_err(StatusError::Refused)?;
            let stored = db::register::update(conn, stored, Some(&actor), now, |entry| {
                *entry = changed;
                Ok(())
            })?;
            db::outbox::record(conn, db::outbox::Event::LatestChange(&stored))?;
            crate::actions::credentials::issue::follow_status(conn, &stored, now)?;
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
