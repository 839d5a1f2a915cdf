//! The command line: its commands and arguments ([`Cli`]), and the work of
//! each job other than `serve`, one module per job, called from `main.rs`.

pub mod backup;
pub mod check;
pub mod evaluate;
pub mod ledger_import;
pub mod outbox;
pub mod personal_data;
pub mod register_io;
pub mod retention;
pub mod sessions_import;

use clap::{Args, Parser, Subcommand};

use crate::config::{DatabaseSettings, PasswordHashing, Settings};

/// `balint-accredit`: the Balint accreditation service and its tools.
#[derive(Debug, Parser)]
#[command(
    name = "balint-accredit",
    version,
    about,
    long_about = "The Balint accreditation service.\n\nWith no command it serves the REST API (as `serve`), on ./balint.db and 127.0.0.1:8080 unless told otherwise.",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// `serve`'s settings, for when no command is given.
    #[command(flatten)]
    pub serve: Settings,
}

/// The subcommands of `balint-accredit`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Migrate the database, then serve the REST API.
    Serve(Box<Settings>),
    /// Apply pending database migrations and exit.
    Migrate(DatabaseSettings),
    /// Manage platform administrators.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Evaluate a ledger file against a pathway file and print the progress
    /// report (no database).
    Evaluate(evaluate::EvaluateArgs),
    /// A trainee's ledger: import an existing logbook.
    #[command(subcommand)]
    Ledger(ledger_import::LedgerCommand),
    /// A group's sessions: import an attendance sheet kept on paper.
    #[command(subcommand)]
    Sessions(sessions_import::SessionsCommand),
    /// Lapse register entries whose cycle ended and whose grace period
    /// passed (the daily job; safe to run twice).
    Lapse(register_io::LapseArgs),
    /// Import a society's existing register from a JSON or CSV file.
    Import(register_io::ImportArgs),
    /// Export a society's register as JSON or CSV.
    Export(register_io::ExportArgs),
    /// Back up the SQLite database to a file, while the service runs.
    Backup(backup::BackupArgs),
    /// Restore the SQLite database from a backup file, into an empty one.
    Restore(backup::RestoreArgs),
    /// A person's data-protection requests: their data exported, what may
    /// be erased erased.
    #[command(subcommand)]
    Person(personal_data::PersonCommand),
    /// Delete sessions that ended and login throttle counters older than
    /// the retention policy allows (safe to run daily, and twice).
    Retention(retention::RetentionArgs),
    /// The outbox: its depth, a webhook delivery replayed or dropped, the
    /// renewal reminders of a day.
    #[command(subcommand)]
    Outbox(outbox::OutboxCommand),
    /// Verify the database: migrations, foreign keys, every register
    /// entry's history, the audit log's hash chain.
    Check(check::CheckArgs),
}

/// `balint-accredit admin ...`
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create a platform administrator (the first login of a new
    /// installation, on the database `migrate` or `serve` made).
    #[command(
        after_help = "Example:\n  printf '%s\\n' \"$PASSWORD\" | balint-accredit admin create --email registry@example.org --password-stdin"
    )]
    ///
    /// The password is read from a prompt when standard input is a terminal,
    /// otherwise (or with --password-stdin) as one line from standard input.
    /// It is never taken as a flag, so it cannot leak into shell history.
    Create(AdminCreate),
}

/// Arguments of `balint-accredit admin create`.
#[derive(Debug, Args)]
pub struct AdminCreate {
    /// The administrator's login email.
    #[arg(long)]
    pub email: String,
    /// Read the password as one line from standard input instead of prompting.
    #[arg(long)]
    pub password_stdin: bool,
    #[command(flatten)]
    pub database: DatabaseSettings,
    /// Password hashing cost.
    #[arg(long, env = "PASSWORD_HASHING", value_enum, default_value_t = PasswordHashing::Standard)]
    pub password_hashing: PasswordHashing,
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::net::IpAddr;

    use clap::CommandFactory;

    use super::*;
    use crate::config::LogFormat;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn serve_flags_work_with_and_without_the_command() {
        let cli = Cli::try_parse_from(["balint-accredit", "--bind", "0.0.0.0:9000"]).unwrap();
        assert!(cli.command.is_none());
        assert_eq!(cli.serve.bind.port(), 9000);
        let cli = Cli::try_parse_from([
            "balint-accredit",
            "serve",
            "--database-url",
            "postgres://db/balint",
            "--log-format",
            "json",
        ])
        .unwrap();
        let Some(Command::Serve(settings)) = cli.command else {
            panic!("not serve")
        };
        assert_eq!(settings.database.database_url, "postgres://db/balint");
        assert_eq!(settings.log_format, LogFormat::Json);
    }

    #[test]
    fn trusted_proxies_are_taken_from_the_command_line() {
        let cli =
            Cli::try_parse_from(["balint-accredit", "--trusted-proxies", "10.0.0.1"]).unwrap();
        assert_eq!(
            &*cli.serve.trusted_proxies,
            ["10.0.0.1".parse::<IpAddr>().unwrap()]
        );
    }

    #[test]
    fn a_password_is_never_a_flag() {
        let refused = Cli::try_parse_from([
            "balint-accredit",
            "admin",
            "create",
            "--email",
            "a@example.org",
            "--password",
            "secret",
        ]);
        assert!(refused.is_err());
    }
}
