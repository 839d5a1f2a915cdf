//! `balint-accredit check`: the database verified as it is (`db::check`),
//! each check printed with what it looked at and every problem it found.

use clap::Args;

use crate::config::DatabaseSettings;
use crate::db;

/// Arguments of `balint-accredit check`.
#[derive(Debug, Args)]
#[command(after_help = "\
Changes nothing, and is safe while the service runs. Exit status: 0 when
every check passes, 3 when any problem is found (each is printed), 1 when
the checks could not be run.

Example:
  balint-accredit check --database-url /var/lib/balint/balint.db")]
pub struct CheckArgs {
    #[command(flatten)]
    pub database: DatabaseSettings,
}

/// What `check` found: the text to print and how many problems.
#[derive(Debug)]
pub struct Report {
    pub text: String,
    pub problems: usize,
}

/// Run the checks.
pub fn run(args: &CheckArgs) -> anyhow::Result<Report> {
    let mut conn = db::open_existing_as_it_is(&args.database)?;
    let checked = db::check::check(&mut conn)?;
    let mut text = String::new();
    let mut problems = 0;
    for check in &checked {
        let verdict = if check.problems.is_empty() {
            "ok".to_owned()
        } else {
            format!("{} problem(s)", check.problems.len())
        };
        text.push_str(&format!("{}: {}: {verdict}\n", check.name, check.looked_at));
        for problem in &check.problems {
            text.push_str(&format!("  - {problem}\n"));
        }
        problems += check.problems.len();
    }
    if checked.len() < 4 {
        text.push_str(
            "register histories and audit chain: not checked until the migrations are applied\n",
        );
    }
    if problems == 0 {
        text.push_str("No problem found.\n");
    } else {
        text.push_str(&format!("{problems} problem(s) found.\n"));
    }
    Ok(Report { text, problems })
}
