//! `balint-accredit retention`: logins never used, sessions that ended,
//! what was told (outbox events, webhook deliveries) and login throttle
//! counters deleted once older than the societies' periods
//! (set by each registrar) or, where a society set none, the defaults
//! given here; through `actions::retention`.

use clap::Args;

use crate::actions::retention::{self, Policy};
use crate::actions::Operator;
use crate::config::DatabaseSettings;
use crate::db;

/// Arguments of `balint-accredit retention`.
#[derive(Debug, Args)]
#[command(after_help = "\
A society's registrar may set its own periods for its logins (on the
society's retention page, or PUT /api/v1/societies/{society}/retention);
these flags are the defaults for every society that set none. A login in
several societies is kept as long as the longest of their periods.
Safe to run daily, and twice (e.g. beside the lapse job).

Example:
  balint-accredit retention --sessions-days 30 --throttle-days 7 --unused-logins-days 90 \\
      --notifications-days 365")]
pub struct RetentionArgs {
    /// Days a session is kept after it expired or was ended (1 to 3650, as
    /// the registrar's setting).
    #[arg(long, env = "RETAIN_SESSIONS_DAYS", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub sessions_days: u32,
    /// Days a login throttle counter is kept after its last attempt (1 to
    /// 3650: at 0 every counter would go, and with it the wait a guessed
    /// password earned).
    #[arg(long, env = "RETAIN_THROTTLE_DAYS", default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub throttle_days: u32,
    /// Days a login that never signed in is kept after it was made (not
    /// set: kept, unless its societies say otherwise).
    #[arg(long, env = "RETAIN_UNUSED_LOGINS_DAYS", value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub unused_logins_days: Option<u32>,
    /// Days an event of the outbox, and a webhook delivery or an e-mail
    /// with its tries, are kept after they were told (not set: kept, unless a society says
    /// otherwise). An event still being delivered, and a renewal reminder
    /// until its cycle ends, are always kept.
    #[arg(long, env = "RETAIN_NOTIFICATIONS_DAYS", value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub notifications_days: Option<u32>,
    #[command(flatten)]
    pub database: DatabaseSettings,
}

/// Run the job; returns what to print.
pub fn run(args: &RetentionArgs) -> anyhow::Result<String> {
    let mut conn = db::open_existing(&args.database)?;
    let policy = Policy {
        sessions_days: args.sessions_days,
        throttle_days: args.throttle_days,
        unused_logins_days: args.unused_logins_days,
        notifications_days: args.notifications_days,
    };
    let done = retention::apply_for_operator(Operator, &mut conn, policy, db::now())
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut out = format!(
        "Deleted {} ended sessions (older than each society's period, {} days where it set none) and {} login throttle counters (older than {} days).\n",
        done.sessions_deleted, args.sessions_days, done.throttle_counters_deleted, args.throttle_days
    );
    out.push_str(&format!(
        "Removed {} logins that were never used.\n",
        done.unused_logins_removed
    ));
    out.push_str(&format!(
        "Deleted {} webhook deliveries, {} e-mails and {} outbox events told before each society's period.\n",
        done.deliveries_deleted, done.mails_deleted, done.events_deleted
    ));
    if done.unconfirmed_watchlists_deleted > 0 {
        out.push_str(&format!(
            "Deleted {} watchlists whose address was never confirmed.\n",
            done.unconfirmed_watchlists_deleted
        ));
    }
    if done.unused_logins_kept > 0 {
        out.push_str(&format!(
            "Kept {} logins that were never used but that a record names.\n",
            done.unused_logins_kept
        ));
    }
    Ok(out)
}
