//! `balint-accredit lapse`, `import` and `export`: the register's daily
//! job, and a society's register in and out of files, run by the operator
//! through the register's actions (`actions::register::lapse` and
//! `transfer`).

use std::path::PathBuf;

use anyhow::Context;
use chrono::NaiveDate;
use clap::Args;
use diesel::connection::SimpleConnection;

use crate::actions::register::{lapse as lapse_job, transfer};
use crate::actions::Operator;
use crate::config::DatabaseSettings;
use crate::day::Day;
use crate::db::{self, DbConnection};
use crate::error::ApiError;
use crate::register_io::{self, Audience, Format, ImportReport};

/// Arguments of `balint-accredit lapse`.
#[derive(Debug, Args)]
#[command(after_help = "\
Safe to run daily, and twice: an entry already lapsed is left alone, and a
late run dates each lapse from the day it was due.

Example:
  balint-accredit lapse --as-of 2026-07-01")]
pub struct LapseArgs {
    /// The day to lapse entries as of (YYYY-MM-DD, 1900-01-01 to
    /// 2199-12-31); default today.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<Day>,
    /// Only this society (slug); default every society.
    #[arg(long)]
    pub society: Option<String>,
    #[command(flatten)]
    pub database: DatabaseSettings,
}

/// Arguments of `balint-accredit import`.
#[derive(Debug, Args)]
#[command(after_help = "\
The file is the JSON `export` writes, or CSV with one row per change of an
entry's history (columns: registration, person_id, title, given_name,
family_name, display_name, backgrounds, city, region, email, public_listing,
entered_pathway_on, effective, action, tier, valid_until, grace_days, reason,
visibility). All or nothing; importing the same file twice changes nothing.

Example:
  balint-accredit import --society bsanz register.csv")]
pub struct ImportArgs {
    /// The society (slug) whose register it is.
    #[arg(long)]
    pub society: String,
    /// `json` or `csv`; by default from the file's extension.
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// The register file.
    pub file: PathBuf,
    #[command(flatten)]
    pub database: DatabaseSettings,
}

/// Arguments of `balint-accredit export`.
#[derive(Debug, Args)]
#[command(after_help = "\
Writes every entry with every field and its whole history, as the registrar
sees it; `--public` writes only what the public register shows.

Example:
  balint-accredit export --society bsanz --format csv --output register.csv")]
pub struct ExportArgs {
    /// The society (slug).
    #[arg(long)]
    pub society: String,
    #[arg(long, value_enum, default_value = "json")]
    pub format: Format,
    /// Only listed people and public fields.
    #[arg(long)]
    pub public: bool,
    /// Where to write; standard output by default.
    #[arg(long)]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub database: DatabaseSettings,
}

/// An API error as a command-line error, with every field problem.
fn explain(error: ApiError) -> anyhow::Error {
    let problem = error.problem();
    let mut text = problem.detail;
    for p in problem.errors.unwrap_or_default() {
        text.push_str(&format!("\n  {}: {}", p.field, p.message));
    }
    anyhow::anyhow!(text)
}

/// Run the lapse job; returns the report to print.
pub fn lapse(args: &LapseArgs, today: NaiveDate) -> anyhow::Result<String> {
    let mut conn = db::open_existing(&args.database)?;
    let as_of = args.as_of.map_or(today, Day::date);
    let run = lapse_job::lapse_for_operator(&mut conn, Operator, args.society.as_deref(), as_of)
        .map_err(explain)?;
    let mut out = format!("Lapsed {} entries as of {as_of}.\n", run.lapsed.len());
    for l in &run.lapsed {
        out.push_str(&format!(
            "  {} lapsed on {}\n",
            l.registration, l.change.effective
        ));
    }
    Ok(out)
}

/// Import a register file, with a progress bar; returns the report.
pub fn import(args: &ImportArgs) -> anyhow::Result<ImportReport> {
    let format = match args.format {
        Some(format) => format,
        None => match args.file.extension().and_then(|e| e.to_str()) {
            Some("csv") => Format::Csv,
            Some("json") => Format::Json,
            _ => anyhow::bail!("say --format json or --format csv (the file's extension does not)"),
        },
    };
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("reading {}", args.file.display()))?;
    let entries = register_io::read(&text, format).map_err(explain)?;
    let mut conn = db::open_existing(&args.database)?;
    room_for_bulk_writes(&mut conn)?;
    let society = Operator
        .society(&mut conn, &args.society)
        .map_err(explain)?;
    let bar = indicatif::ProgressBar::new(u64::try_from(entries.len()).unwrap_or(u64::MAX));
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg} {bar:40} {pos}/{len} entries")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.set_message("importing");
    let report =
        transfer::import_for_operator(&mut conn, Operator, &society, entries, &mut || bar.inc(1));
    bar.finish_and_clear();
    report.map_err(explain)
}

/// An import writes its whole register in one transaction, far more pages
/// than SQLite's default 2 MB page cache holds; with that cache every page
/// is spilled to the write-ahead log mid-transaction and read back again
/// (most of a 100,000-entry import's time). The command's own connection
/// gets room for the register instead: up to 256 MB, taken only as pages
/// are used, and given back when the command ends.
fn room_for_bulk_writes(conn: &mut DbConnection) -> anyhow::Result<()> {
    if let DbConnection::Sqlite(sqlite) = conn {
        sqlite.batch_execute("PRAGMA cache_size = -262144")?;
    }
    Ok(())
}

/// Export a register; writes the file (or returns the text for standard
/// output).
pub fn export(args: &ExportArgs, today: NaiveDate) -> anyhow::Result<Option<String>> {
    let mut conn = db::open_existing(&args.database)?;
    let audience = if args.public {
        Audience::Public
    } else {
        Audience::Registrar
    };
    let text = transfer::export_for_operator(
        &mut conn,
        Operator,
        &args.society,
        args.format,
        audience,
        today,
    )
    .map_err(explain)?;
    match &args.output {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
            Ok(None)
        }
        None => Ok(Some(text)),
    }
}
