//! `balint-accredit backup` and `restore`: the SQLite database copied
//! while the service runs into a file that carries its schema version and
//! checksum, and restored from one (`db::backup`, whose module docs give
//! the file's format). PostgreSQL is refused with the `pg_dump` and
//! `pg_restore` commands to use instead.

use std::path::PathBuf;

use clap::Args;

use crate::config::DatabaseSettings;
use crate::db::{self, backup, DatabaseLocation};

/// Arguments of `balint-accredit backup`.
#[derive(Debug, Args)]
#[command(after_help = "\
Safe while the service runs: the copy is one consistent snapshot
(SQLite's VACUUM INTO). The file never overwrites another.
On PostgreSQL, use pg_dump instead (the command says how).

Example:
  balint-accredit backup --to /var/backups/balint/2026-12-03.backup")]
pub struct BackupArgs {
    /// The backup file to write (it must not exist).
    #[arg(long, value_name = "FILE")]
    pub to: PathBuf,
    #[command(flatten)]
    pub database: DatabaseSettings,
}

/// Arguments of `balint-accredit restore`.
#[derive(Debug, Args)]
#[command(after_help = "\
Stop the service first. The database must be missing or empty (tables but
no rows) unless --replace is given. The file is checked whole before
anything is written: a damaged file (exit 3), a newer schema than this
binary knows (exit 4) and a database that is not empty (exit 5) are
refused; on PostgreSQL (exit 6), use pg_restore instead. An older backup is
migrated forward once restored.

Example:
  balint-accredit restore --database-url /var/lib/balint/balint.db 2026-12-03.backup")]
pub struct RestoreArgs {
    /// The backup file.
    pub file: PathBuf,
    /// Overwrite a database that holds data.
    #[arg(long)]
    pub replace: bool,
    #[command(flatten)]
    pub database: DatabaseSettings,
}

/// Take the backup; returns what to print.
pub fn backup(args: &BackupArgs) -> anyhow::Result<String> {
    let mut conn = db::open_existing(&args.database)?;
    let manifest = backup::create(&mut conn, &args.to, chrono::Utc::now())?;
    Ok(format!(
        "Backed up to {}: schema version {}, {} bytes of database, SHA-256 {}.\n",
        args.to.display(),
        manifest.schema_version,
        manifest.payload_bytes,
        manifest.payload_sha256
    ))
}

/// Restore the backup; returns what to print.
pub fn restore(args: &RestoreArgs) -> anyhow::Result<String> {
    let target = DatabaseLocation::from_url(&args.database.database_url);
    let restored = backup::restore(&args.file, &target, args.replace)?;
    let mut out = format!(
        "Restored {} (taken {}, schema version {}).\n",
        args.file.display(),
        restored.manifest.created_at.format("%Y-%m-%d %H:%M:%S UTC"),
        restored.manifest.schema_version
    );
    for name in restored.migrated {
        out.push_str(&format!("applied {name}\n"));
    }
    Ok(out)
}
