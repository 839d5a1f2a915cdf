//! `balint-accredit outbox ...`: the outbox's and the e-mail's depth, a
//! dead delivery or e-mail replayed or dropped, and the renewal reminders
//! recorded for a day, by the operator through `actions::webhooks` and
//! `actions::mail`.

use clap::{Args, Subcommand};

use crate::actions::mail;
use crate::actions::webhooks::{self, Again};
use crate::actions::Operator;
use crate::config::DatabaseSettings;
use crate::db;

/// `balint-accredit outbox ...`
#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// Print the events waiting, the deliveries pending and dead, the
    /// e-mail pending and dead, and the oldest pending of each.
    Status(StatusArgs),
    /// Send a webhook delivery (`msg_...`) again from now (the same
    /// webhook-id, a fresh back-off), e.g. a dead one once its endpoint is
    /// fixed; or an e-mail (`mail_...`), e.g. a dead one once the mail
    /// server is fixed.
    Replay(DeliveryArgs),
    /// Give a webhook delivery (`msg_...`) or an e-mail (`mail_...`) up:
    /// it is not sent again unless replayed.
    Drop(DeliveryArgs),
    /// Record the renewal reminders due on a day (`serve` does it every
    /// hour for today; safe to run twice).
    Remind(RemindArgs),
}

/// Arguments of `outbox status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub database: DatabaseSettings,
}

/// Arguments of `outbox replay` and `outbox drop`.
#[derive(Debug, Args)]
pub struct DeliveryArgs {
    /// The delivery's id (its webhook-id, `msg_...`), as the registrar's
    /// delivery log shows it, or an e-mail's (`mail_...`), as the mail log
    /// shows it.
    pub delivery: String,
    #[command(flatten)]
    pub database: DatabaseSettings,
}

/// Arguments of `outbox remind`.
#[derive(Debug, Args)]
pub struct RemindArgs {
    /// The day to remind for (YYYY-MM-DD); today when omitted.
    #[arg(long)]
    pub as_of: Option<chrono::NaiveDate>,
    #[command(flatten)]
    pub database: DatabaseSettings,
}

/// Run the command; returns what to print.
pub fn run(command: &OutboxCommand) -> anyhow::Result<String> {
    match command {
        OutboxCommand::Status(args) => {
            let mut conn = db::open_existing(&args.database)?;
            let depth = webhooks::depth_for_operator(&mut conn, Operator)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let mail = mail::depth_for_operator(&mut conn, Operator)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let when = |at: Option<chrono::NaiveDateTime>| {
                at.map_or_else(|| "none".to_owned(), |at| format!("{at} UTC"))
            };
            Ok(format!(
                "Events waiting: {}\nDeliveries pending: {}\nDeliveries dead: {}\nOldest pending: {}\n\
                 E-mail pending: {}\nE-mail dead: {}\nOldest e-mail pending: {}\n",
                depth.events_waiting,
                depth.deliveries_pending,
                depth.deliveries_dead,
                when(depth.oldest_pending),
                mail.pending,
                mail.dead,
                when(mail.oldest_pending),
            ))
        }
        OutboxCommand::Replay(args) | OutboxCommand::Drop(args) => {
            let what = match command {
                OutboxCommand::Drop(_) => Again::Drop,
                _ => Again::Replay,
            };
            let mut conn = db::open_existing(&args.database)?;
            if args.delivery.starts_with("mail_") {
                let done = mail::again_for_operator(&mut conn, Operator, &args.delivery, what)
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                return Ok(format!(
                    "E-mail {} to {} ({}): {}.\n",
                    done.id,
                    done.recipient,
                    done.kind,
                    match what {
                        Again::Replay => "to be sent again now",
                        Again::Drop => "dropped",
                    }
                ));
            }
            let done = webhooks::again_for_operator(&mut conn, Operator, &args.delivery, what)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            Ok(format!(
                "Delivery {} of event {} ({}): {}.\n",
                done.delivery.id,
                done.event.id,
                done.event.event_type,
                match what {
                    Again::Replay => "to be sent again now",
                    Again::Drop => "dropped",
                }
            ))
        }
        OutboxCommand::Remind(args) => {
            let as_of = args.as_of.unwrap_or_else(crate::actions::today);
            let mut conn = db::open_existing(&args.database)?;
            let n = webhooks::remind_for_operator(&mut conn, Operator, as_of)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            Ok(format!("Renewal reminders recorded for {as_of}: {n}.\n"))
        }
    }
}
