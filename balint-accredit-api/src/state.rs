//! What every request can reach: the database pool, the settings, and the
//! state the server keeps in memory. The adapters (`routes`, `web`) get it
//! from actix-web's app data; the use cases in [`crate::actions`] take it
//! as a plain reference.

use std::sync::Arc;

use crate::config::Settings;
use crate::db::DbPool;
use crate::ledger::BulkJobs;
use crate::public_register::PublicRegisters;
use crate::vc::Issuer;

/// What every handler and use case can reach.
#[derive(Debug)]
pub struct AppState {
    /// The database pool.
    pub pool: DbPool,
    /// The settings the server was started with.
    pub settings: Settings,
    /// The public registers' search, held in memory.
    pub public_register: Arc<PublicRegisters>,
    /// The bulk uploads this server is writing, by person.
    pub bulk_jobs: Arc<BulkJobs>,
    /// Who issues the societies' credentials, and where.
    pub issuer: Arc<Issuer>,
    /// The ledgers read for evaluating progress, while they stay as read.
    pub ledgers: Arc<crate::actions::progress::Ledgers>,
    /// The societies' lists of people (how many, where each page begins),
    /// while they stay as read.
    pub people_orders: Arc<crate::actions::people::PeopleOrders>,
    /// How many entries each society's audit log holds, as last counted.
    pub audit_counts: Arc<crate::actions::audit::AuditCounts>,
    /// How many entries are due for renewal, while the register stays as
    /// counted.
    pub due_counts: Arc<crate::actions::register::due::DueCounts>,
}
