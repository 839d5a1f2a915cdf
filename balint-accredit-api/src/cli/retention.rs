//! `balint-accredit retention`: sessions that ended and login throttle
//! counters deleted once older than the policy allows, by the operator
//! through `actions::retention`.

use clap::Args;

use crate::actions::retention::{self, Policy};
use crate::actions::Operator;
use crate::config::DatabaseSettings;
use crate::db;

/// Arguments of `balint-accredit retention`.
#[derive(Debug, Args)]
#[command(after_help = "\
Safe to run daily, and twice (e.g. beside the lapse job).

Example:
  balint-accredit retention --sessions-days 30 --throttle-days 7")]
pub struct RetentionArgs {
    /// Days a session is kept after it expired or was ended.
    #[arg(long, env = "RETAIN_SESSIONS_DAYS", default_value_t = 30)]
    pub sessions_days: u32,
    /// Days a login throttle counter is kept after its last attempt.
    #[arg(long, env = "RETAIN_THROTTLE_DAYS", default_value_t = 7)]
    pub throttle_days: u32,
    #[command(flatten)]
    pub database: DatabaseSettings,
}

/// Run the job; returns what to print.
pub fn run(args: &RetentionArgs) -> anyhow::Result<String> {
    let mut conn = db::open_existing(&args.database)?;
    let policy = Policy {
        sessions_days: args.sessions_days,
        throttle_days: args.throttle_days,
    };
    let done = retention::apply_for_operator(Operator, &mut conn, policy, db::now())
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(format!(
        "Deleted {} ended sessions (older than {} days) and {} login throttle counters (older than {} days).\n",
        done.sessions_deleted, args.sessions_days, done.throttle_counters_deleted, args.throttle_days
    ))
}
