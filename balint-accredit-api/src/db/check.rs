//! `balint-accredit check`: the database verified as it is, without
//! changing it. Four checks, each reporting what it looked at and every
//! problem found:
//!
//! - **migrations**: every migration this binary knows is applied, and no
//!   other (a newer binary's) is;
//! - **storage**: on SQLite, `PRAGMA foreign_key_check` (every reference
//!   points at a row) and `PRAGMA integrity_check`; PostgreSQL enforces its
//!   foreign keys on every write itself, so there is nothing to look at;
//! - **register histories**: every entry's stored history replays through
//!   the register's rules and gives its stored standing
//!   (`db::register::check_histories`);
//! - **audit chain**: every audit record is chained to the record before
//!   it, and its content matches its digest or was redacted by an erasure
//!   that names it (`db::audit::check_chain`), and the log ends at the
//!   head kept beside it (`db::audit::check_head`).

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};

use super::{applied_migrations, audit, known_migrations, register, DbConnection};

/// One check's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// Its name.
    pub name: &'static str,
    /// What it looked at, in words.
    pub looked_at: String,
    /// Each problem found, in words.
    pub problems: Vec<String>,
}

#[derive(QueryableByName)]
struct ForeignKeyProblem {
    #[diesel(sql_type = Text)]
    table: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    rowid: Option<i64>,
    #[diesel(sql_type = Text)]
    parent: String,
}

#[derive(QueryableByName)]
struct IntegrityLine {
    #[diesel(sql_type = Text)]
    integrity_check: String,
}

/// Run every check on the database `conn` is open on.
pub fn check(conn: &mut DbConnection) -> anyhow::Result<Vec<Checked>> {
    let sqlite = matches!(conn, DbConnection::Sqlite(_));
    let mut report = Vec::new();

    let known = known_migrations(sqlite);
    let applied = applied_migrations(conn)?;
    let mut problems: Vec<String> = known
        .iter()
        .filter(|m| !applied.contains(m))
        .map(|m| format!("migration {m} is not applied: run `balint-accredit migrate`"))
        .collect();
    problems.extend(
        applied
            .iter()
            .filter(|m| !known.contains(m))
            .map(|m| format!("migration {m} is applied but unknown to this binary (a newer one)")),
    );
    report.push(Checked {
        name: "migrations",
        looked_at: format!("{} applied, {} known", applied.len(), known.len()),
        problems,
    });

    report.push(match conn {
        DbConnection::Sqlite(c) => {
            let broken: Vec<ForeignKeyProblem> =
                diesel::sql_query("PRAGMA foreign_key_check").load(c)?;
            let mut problems: Vec<String> = broken
                .into_iter()
                .map(|p| {
                    format!(
                        "a row of {} (rowid {}) refers to a row of {} that is not there",
                        p.table,
                        p.rowid.map_or("none".to_owned(), |r| r.to_string()),
                        p.parent
                    )
                })
                .collect();
            let lines: Vec<IntegrityLine> = diesel::sql_query("PRAGMA integrity_check").load(c)?;
            problems.extend(
                lines
                    .into_iter()
                    .map(|l| l.integrity_check)
                    .filter(|l| l != "ok")
                    .map(|l| format!("SQLite's integrity check: {l}")),
            );
            Checked {
                name: "storage",
                looked_at: "SQLite's foreign key check and integrity check".to_owned(),
                problems,
            }
        }
        DbConnection::Postgres(_) => Checked {
            name: "storage",
            looked_at: "nothing to do: PostgreSQL enforces its foreign keys on every write"
                .to_owned(),
            problems: Vec::new(),
        },
    });

    if report[0].problems.is_empty() {
        let (entries, problems) = register::check_histories(conn)
            .map_err(|e| anyhow::anyhow!("reading the register failed: {e}"))?;
        report.push(Checked {
            name: "register histories",
            looked_at: format!("{entries} entries replayed"),
            problems,
        });
        let chain = audit::check_chain(conn)?;
        let mut problems = chain.problems;
        let (head, head_problems) = audit::check_head(conn)?;
        problems.extend(head_problems);
        let records = match chain.redacted {
            0 => format!("{} records", chain.records),
            redacted => format!(
                "{} records ({redacted} redacted by erasures)",
                chain.records
            ),
        };
        report.push(Checked {
            name: "audit chain",
            looked_at: match head {
                Some(head) => format!("{records}, head record {} {}", head.last_id, head.hash),
                None => records,
            },
            problems,
        });
    }
    Ok(report)
}
