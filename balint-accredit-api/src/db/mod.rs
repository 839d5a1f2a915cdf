//! Persistence: one connection type for SQLite or PostgreSQL, the pool,
//! migrations, the schema, and the queries (one module per resource).
//!
//! - [`connection`]: the connection, the pool, the command line's own
//!   connection, the migrations.
//! - [`work`]: running a request's work on the database ([`run`]) and a
//!   transaction that writes ([`write()`]).
//! - `statements`: statements on the concrete connection, streamed reads,
//!   bulk inserts (macros for the query modules).
//! - [`backup`]: the SQLite database's backups, their file format, their
//!   restoration, and which scheduled backups to keep.
//! - [`check`]: the database verified (`balint-accredit check`).
//! - the query modules, one per resource, next to the tables they read.

pub mod activities;
pub mod applications;
pub mod audit;
pub mod backup;
pub mod calendars;
pub mod certificates;
pub mod check;
pub mod connection;
pub mod credentials;
pub mod groups;
pub mod logins;
pub mod mail;
pub mod outbox;
pub mod overrides;
pub mod pathways;
pub mod people;
pub mod personal_data;
pub mod programmes;
pub mod register;
pub mod retention;
pub mod schema;
pub mod sessions;
pub mod societies;
pub mod society_profiles;
mod statements;
pub mod users;
pub mod watchlists;
pub mod webhooks;
pub mod work;

// Everything public of the connection, with what `MultiConnection`
// derives beside it (`MultiBackend`, `MultiRawValue`, ...).
pub use connection::*;
pub(crate) use statements::{each_row, insert_in_batches, on_connection, BATCH};
pub use work::{run, run_as, run_within, write, write_as, WorkError};

/// The current time as stored: UTC, microsecond precision (what both
/// databases keep), so a value read back equals the value written.
pub fn now() -> chrono::NaiveDateTime {
    let now = chrono::Utc::now().naive_utc();
    chrono::DurationRound::duration_trunc(now, chrono::Duration::microseconds(1)).unwrap_or(now)
}
