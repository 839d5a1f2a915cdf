//! The operator on the server's machine, who runs the command line's jobs
//! (the lapse job, a register's import and export, a logbook's import).
//!
//! Whoever may run the command may open the database, so the operator is
//! trusted with every society and no login is checked; what the operator
//! changes is audited as the command line: with no login as its actor.
//! The command line holds one connection of its own (an import tunes it
//! for bulk writes), so the operator's actions take that connection and
//! run on the calling thread, where the server's actions take the pool.

use crate::db::{self, societies::Society, DbConnection};
use crate::error::ApiError;

/// The operator running the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operator;

impl Operator {
    /// The login the audit log names as the actor: none, the command line.
    pub fn actor(self) -> Option<&'static str> {
        None
    }

    /// The society `slug`; not found when there is none.
    pub fn society(self, conn: &mut DbConnection, slug: &str) -> Result<Society, ApiError> {
        db::societies::by_slug(conn, slug)
    }
}
