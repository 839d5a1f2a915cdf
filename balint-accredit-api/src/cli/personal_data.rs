//! `balint-accredit person export` and `person erase`: a person's
//! data-protection requests run by the operator through
//! `actions::personal_data`, audited as the command line.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};

use crate::actions::{personal_data, Operator};
use crate::config::DatabaseSettings;
use crate::db;
use crate::error::ApiError;

/// `balint-accredit person ...`
#[derive(Debug, Subcommand)]
pub enum PersonCommand {
    /// Everything held about a person, as one JSON document (the API's
    /// `GET .../people/{person}/data-export`).
    #[command(after_help = "\
Example:
  balint-accredit person export --society bsanz --person 5f0c... --output ann.json")]
    Export(PersonExportArgs),
    /// Erase what the society may erase of a person (the API's
    /// `POST .../people/{person}/erasure`): their email always; their city,
    /// region, ledger, applications and overrides if they never reached the
    /// register; otherwise the notes of their records only.
    #[command(after_help = "\
Example:
  balint-accredit person erase --society bsanz --person 5f0c...")]
    Erase(PersonArgs),
}

/// Which person.
#[derive(Debug, Args)]
pub struct PersonArgs {
    /// The society's slug, e.g. `bsanz`.
    #[arg(long)]
    pub society: String,
    /// The person's id in that society.
    #[arg(long)]
    pub person: String,
    #[command(flatten)]
    pub database: DatabaseSettings,
}

/// Arguments of `balint-accredit person export`.
#[derive(Debug, Args)]
pub struct PersonExportArgs {
    #[command(flatten)]
    pub person: PersonArgs,
    /// Write the document to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

fn explain(e: ApiError) -> anyhow::Error {
    match e {
        ApiError::NotFound(what) => anyhow::anyhow!("no such {what}"),
        other => anyhow::anyhow!("{other}"),
    }
}

/// Run the command; returns what to print.
pub fn run(command: &PersonCommand) -> anyhow::Result<String> {
    match command {
        PersonCommand::Export(args) => {
            let who = &args.person;
            let mut conn = db::open_existing(&who.database)?;
            let data =
                personal_data::export_for_operator(Operator, &mut conn, &who.society, &who.person)
                    .map_err(explain)?;
            let document = serde_json::to_string_pretty(&serde_json::json!({
                "society": who.society,
                "person": who.person,
                "exported_at": chrono::DateTime::<chrono::Utc>::from_naive_utc_and_offset(
                    data.exported_at,
                    chrono::Utc,
                ),
                "tables": data.tables,
            }))? + "\n";
            match &args.output {
                Some(path) => {
                    std::fs::write(path, document)
                        .with_context(|| format!("writing {}", path.display()))?;
                    Ok(format!(
                        "Wrote everything held about {} to {}.\n",
                        who.person,
                        path.display()
                    ))
                }
                None => Ok(document),
            }
        }
        PersonCommand::Erase(who) => {
            let mut conn = db::open_existing(&who.database)?;
            let erased =
                personal_data::erase_for_operator(Operator, &mut conn, &who.society, &who.person)
                    .map_err(explain)?;
            Ok(format!(
                "Erased of {}: {}; {} notes cleared, {} ledger records, {} applications and {} \
                 overrides deleted, {} sessions ended, {} audit records redacted.{}\n",
                who.person,
                erased.cleared.join(", "),
                erased.notes_cleared,
                erased.ledger_records_deleted,
                erased.applications_deleted,
                erased.overrides_deleted,
                erased.sessions_ended,
                erased.audit_redacted.len(),
                if erased.on_register {
                    " Their register entry and its public history are kept."
                } else {
                    ""
                }
            ))
        }
    }
}
