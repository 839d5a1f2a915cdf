//! `balint-accredit ledger import`: a trainee's existing logbook (JSON or
//! CSV) into their ledger, straight into the database: every row checked as
//! the API checks it, all rows stored or none, with a progress bar. The
//! operator records it through `actions::ledger`, audited as the command
//! line.

use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::{Args, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};

use crate::actions::ledger::{person_for_operator, record_all_for_operator, BulkProgress};
use crate::actions::Operator;
use crate::config::DatabaseSettings;
use crate::db;
use crate::error::ApiError;
use crate::ledger::{self, BulkFormat};

/// `balint-accredit ledger ...`
#[derive(Debug, Subcommand)]
pub enum LedgerCommand {
    /// Record a trainee's existing logbook: all rows or none.
    #[command(after_help = "\
The file is CSV with a header row naming the fields, or JSON (a list of records,
or {\"activities\": [...]}). The fields are those of
POST /api/v1/societies/{society}/people/{person}/activities:
  kind, date, amount, unit, duration_minutes, days, cases, delivery, attestor,
  co_leader, supervisor, group, ongoing_group, setting, event_type, provider,
  provider_approved, supervision_format, report_type, prerequisite_type, notes
Every record starts pending, for its attestor to confirm. Problems are listed as
rows[N].field, rows counted from 1 (for CSV, the first line after the header).

Example:
  balint-accredit ledger import --society bsanz --person 5f0c... logbook.csv")]
    Import(LedgerImportArgs),
}

/// The file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FileFormat {
    /// CSV with a header row.
    Csv,
    /// JSON.
    Json,
}

/// Arguments of `balint-accredit ledger import`.
#[derive(Debug, Args)]
pub struct LedgerImportArgs {
    /// The society's slug, e.g. `bsanz`.
    #[arg(long)]
    pub society: String,
    /// The person's id in that society.
    #[arg(long)]
    pub person: String,
    /// The logbook file.
    pub file: PathBuf,
    /// The file's format; by its extension when omitted (`.csv` is CSV,
    /// anything else JSON).
    #[arg(long, value_enum)]
    pub format: Option<FileFormat>,
    #[command(flatten)]
    pub database: DatabaseSettings,
}

/// Runs a `ledger` subcommand and returns what to print.
pub fn run(command: &LedgerCommand) -> anyhow::Result<String> {
    match command {
        LedgerCommand::Import(args) => import(args),
    }
}

fn explain(e: ApiError) -> anyhow::Error {
    match e {
        ApiError::Unprocessable { detail, errors } | ApiError::BadRequest { detail, errors } => {
            let lines: Vec<String> = errors
                .iter()
                .map(|p| format!("  {}: {}", p.field, p.message))
                .collect();
            anyhow::anyhow!("{detail}\n{}", lines.join("\n"))
        }
        other => anyhow::anyhow!("{other:?}"),
    }
}

/// Import `args.file` into the person's ledger.
pub fn import(args: &LedgerImportArgs) -> anyhow::Result<String> {
    let format = match args.format {
        Some(FileFormat::Csv) => BulkFormat::Csv,
        Some(FileFormat::Json) => BulkFormat::Json,
        None if args
            .file
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv")) =>
        {
            BulkFormat::Csv
        }
        None => BulkFormat::Json,
    };
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("reading {}", args.file.display()))?;
    let rows = ledger::rows(&text, format).map_err(explain)?;
    if rows.is_empty() {
        bail!("{} has no records", args.file.display());
    }
    let mut conn = db::open_existing(&args.database)?;
    let society = Operator
        .society(&mut conn, &args.society)
        .map_err(explain)?;
    let person = person_for_operator(&mut conn, Operator, &society, &args.person)
        .map_err(explain)?
        .with_context(|| format!("no person {} in society {}", args.person, society.slug))?;
    let today = chrono::Utc::now().date_naive();
    let bar = ProgressBar::new(rows.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message("checking");
    let stored = record_all_for_operator(
        &mut conn,
        Operator,
        &society,
        &person,
        &rows,
        today,
        &mut |progress| match progress {
            BulkProgress::Recording => bar.set_message("recording"),
            BulkProgress::Stored(n) => bar.set_position(n as u64),
        },
    );
    bar.finish_and_clear();
    let stored = stored.map_err(explain)?.len();
    Ok(format!(
        "Recorded {stored} activities for {} ({}) in {}, pending attestation.\n",
        person.name(),
        person.id,
        society.slug
    ))
}
