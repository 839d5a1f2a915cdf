//! `balint-accredit check` as an operator runs it: a sound database
//! passes; a register history edited, an audit record changed or removed,
//! a reference broken or a migration missing behind the service's back is
//! found and named, with exit status 3. On PostgreSQL, audited writes made
//! at the same time still form one chain.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::{Command, Output};

use balint_accredit_api::config::DatabaseSettings;
use balint_accredit_api::db::{self, audit, societies::Society};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, RunQueryDsl, SqliteConnection};

const BIN: &str = env!("CARGO_BIN_EXE_balint-accredit");

struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        let dir =
            std::env::temp_dir().join(format!("balint-check-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run(dir: &TempDir, url: &str, args: &[&str]) -> Output {
    Command::new(BIN)
        .current_dir(&dir.0)
        .args(args)
        .env("DATABASE_URL", url)
        .output()
        .unwrap()
}

fn society(conn: &mut db::DbConnection) {
    db::write(conn, |conn| {
        db::societies::insert(
            conn,
            &Society {
                id: "s-1".into(),
                slug: "bsanz".into(),
                name: "BSANZ".into(),
                country: None,
                created_at: db::now(),
            },
        )
    })
    .unwrap();
}

/// A society with a register of 20 entries (each granted, then
/// suspended), imported as the operator does, with its audit records.
fn seed(dir: &TempDir, url: &str) {
    let pool = db::pool(&DatabaseSettings::new(url.to_owned()));
    let mut conn = pool.get().unwrap();
    db::run_migrations(&mut conn).unwrap();
    society(&mut conn);
    let mut csv = String::from(
        "registration,person_id,given_name,family_name,public_listing,effective,action,tier,reason,visibility\n",
    );
    for i in 0..20 {
        csv.push_str(&format!(
            "BSANZ-{i:04},p-{i},Ann,Carter {i},true,2020-01-01,grant,accredited-leader,council,public\n\
             BSANZ-{i:04},p-{i},Ann,Carter {i},true,2021-05-01,suspend,,complaint,confidential\n"
        ));
    }
    std::fs::write(dir.0.join("register.csv"), csv).unwrap();
    let imported = run(dir, url, &["import", "--society", "bsanz", "register.csv"]);
    assert!(imported.status.success(), "{imported:?}");
    // And records written one at a time (ids 41 to 45, after the import's 40: its people and entries).
    for i in 0..5 {
        db::write(&mut conn, |conn| {
            audit::record(conn, change(&format!("one-{i}"))).map_err(Into::into)
        })
        .unwrap();
    }
}

fn change(id: &str) -> audit::Change<'_> {
    audit::Change {
        actor_user_id: None,
        society_id: Some("s-1"),
        action: audit::Action::Update,
        entity: audit::Entity::Person,
        entity_id: id,
        before: Some(serde_json::json!({ "notes": "before" })),
        after: Some(serde_json::json!({ "notes": "after" })),
        at: db::now(),
    }
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `sql` run behind the service's back, with SQLite's foreign keys off.
fn behind_the_back(path: &std::path::Path, sql: &str) {
    let mut raw = SqliteConnection::establish(path.to_str().unwrap()).unwrap();
    raw.batch_execute("PRAGMA foreign_keys = OFF;").unwrap();
    raw.batch_execute(sql).unwrap();
}

#[test]
fn check_passes_a_sound_database_and_names_what_was_changed_behind_its_back() {
    let dir = TempDir::new();
    let path = dir.0.join("balint.db");
    let url = format!("sqlite://{}", path.display());
    seed(&dir, &url);

    let sound = run(&dir, &url, &["check"]);
    assert_eq!(sound.status.code(), Some(0), "{sound:?}");
    let said = stdout(&sound);
    let known = said
        .lines()
        .next()
        .unwrap()
        .strip_prefix("migrations: ")
        .unwrap();
    assert!(known.ends_with(": ok"), "{said}");
    assert!(said.contains("storage: SQLite's foreign key check and integrity check: ok\n"));
    assert!(
        said.contains("register histories: 20 entries replayed: ok\n"),
        "{said}"
    );
    let head = said
        .lines()
        .find_map(|l| l.strip_prefix("audit chain: 45 records, head record 45 "))
        .unwrap_or_else(|| panic!("no head: {said}"));
    assert!(
        head.len() == 64 + ": ok".len() && head.ends_with(": ok"),
        "{said}"
    );
    assert!(said.ends_with("No problem found.\n"));

    // A history row edited: the suspension dated before the grant.
    behind_the_back(
        &path,
        "UPDATE register_changes SET effective = '2019-01-01' WHERE seq = 1 AND entry_id = \
         (SELECT id FROM register_entries WHERE registration = 'BSANZ-0003')",
    );
    // A history row removed.
    behind_the_back(
        &path,
        "DELETE FROM register_changes WHERE seq = 0 AND entry_id = \
         (SELECT id FROM register_entries WHERE registration = 'BSANZ-0007')",
    );
    // An audit record changed, another removed, and the two newest
    // removed (which leaves an unbroken chain).
    behind_the_back(
        &path,
        "UPDATE audit_log SET after_json = '{\"notes\":\"forged\"}' WHERE id = 42; \
         DELETE FROM audit_log WHERE id = 10; \
         DELETE FROM audit_log WHERE id > 43;",
    );
    // A reference broken.
    behind_the_back(
        &path,
        "UPDATE people SET society_id = 'gone' WHERE id = 'p-11'",
    );
    let found = run(&dir, &url, &["check"]);
    assert_eq!(found.status.code(), Some(3), "{found:?}");
    let said = stdout(&found);
    // The person's row, and the version row the people triggers keep for
    // the society it now names.
    assert!(said.contains("storage: SQLite's foreign key check and integrity check: 2 problem(s)\n  - a row of people (rowid"), "{said}");
    assert!(
        said.contains("  - a row of people_versions (rowid"),
        "{said}"
    );
    assert!(
        said.contains("register histories: 20 entries replayed: 2 problem(s)\n"),
        "{said}"
    );
    assert!(said.contains("  - register entry BSANZ-0003 ("), "{said}");
    assert!(
        said.contains("has change 1 where change 0 belongs (a change is missing)"),
        "{said}"
    );
    assert!(said.contains("  - register entry BSANZ-0007 ("), "{said}");
    assert!(
        said.contains("audit chain: 42 records, head record 45 "),
        "{said}"
    );
    assert!(
        said.contains(": 3 problem(s)\n  - audit record 11"),
        "{said}"
    );
    assert!(
        said.contains("  - the log ends at record 43, but its newest record was 45: the newest records were removed\n"),
        "{said}"
    );
    assert!(
        said.contains("  - audit record 11 was chained to a record that is no longer before it"),
        "{said}"
    );
    assert!(
        said.contains("  - audit record 42 (update person one-1) does not match its hash"),
        "{said}"
    );
    assert!(said.ends_with("7 problem(s) found.\n"), "{said}");

    // A migration missing: reported, and nothing migrated by the check.
    behind_the_back(
        &path,
        "DELETE FROM __diesel_schema_migrations WHERE version = '20261221000100'",
    );
    let behind = run(&dir, &url, &["check"]);
    assert_eq!(behind.status.code(), Some(3));
    assert!(stdout(&behind)
        .contains("  - migration 20261221000100 is not applied: run `balint-accredit migrate`\n"));
    assert_eq!(run(&dir, &url, &["check"]).status.code(), Some(3));
}

#[test]
fn an_erasure_redacts_what_it_names_and_a_redaction_behind_its_back_is_found() {
    let dir = TempDir::new();
    let path = dir.0.join("balint.db");
    let url = format!("sqlite://{}", path.display());
    seed(&dir, &url);
    // Tess, with an e-mail address that her record's audit line keeps
    // (record 46).
    {
        let pool = db::pool(&DatabaseSettings::new(url.clone()));
        let mut conn = pool.get().unwrap();
        db::write(&mut conn, |conn| {
            let now = db::now();
            db::people::insert(
                conn,
                &db::people::Person {
                    id: "tess".to_owned(),
                    society_id: "s-1".to_owned(),
                    title: None,
                    given_name: Some("Tess".to_owned()),
                    family_name: "Trainee".to_owned(),
                    display_name: None,
                    backgrounds: vec![],
                    city: Some("Hobart".to_owned()),
                    region: None,
                    email: Some("tess@example.org".to_owned()),
                    public_listing: false,
                    entered_pathway_on: None,
                    created_at: now,
                    updated_at: now,
                },
            )?;
            audit::record(
                conn,
                audit::Change {
                    actor_user_id: None,
                    society_id: Some("s-1"),
                    action: audit::Action::Create,
                    entity: audit::Entity::Person,
                    entity_id: "tess",
                    before: None,
                    after: Some(serde_json::json!({
                        "family_name": "Trainee", "email": "tess@example.org", "city": "Hobart",
                    })),
                    at: now,
                },
            )
            .map_err(Into::into)
        })
        .unwrap();
    }
    let erased = run(
        &dir,
        &url,
        &["person", "erase", "--society", "bsanz", "--person", "tess"],
    );
    assert!(erased.status.success(), "{erased:?}");
    // Her line keeps what was done, to what, and when; not her details.
    let mut raw = SqliteConnection::establish(path.to_str().unwrap()).unwrap();
    let line: (String, String, Option<String>) = audit_log_line(&mut raw, 46);
    assert_eq!(
        line,
        (
            "create".to_owned(),
            "tess".to_owned(),
            Some(r#"{"city":"[erased]","email":"[erased]","family_name":"Trainee"}"#.to_owned())
        )
    );
    let sound = run(&dir, &url, &["check"]);
    assert_eq!(sound.status.code(), Some(0), "{sound:?}");
    assert!(
        stdout(&sound)
            .contains("audit chain: 47 records (1 redacted by erasures), head record 47 "),
        "{}",
        stdout(&sound)
    );

    // A redaction behind the service's back: no erasure names it.
    behind_the_back(
        &path,
        r#"UPDATE audit_log SET after_json = '{"notes":"[erased]"}' WHERE id = 43"#,
    );
    // A line edited: the redacted one given back an address.
    behind_the_back(
        &path,
        r#"UPDATE audit_log SET after_json = '{"city":"[erased]","email":"tess@example.org","family_name":"Trainee"}' WHERE id = 46"#,
    );
    let found = run(&dir, &url, &["check"]);
    assert_eq!(found.status.code(), Some(3), "{found:?}");
    let said = stdout(&found);
    assert!(
        said.contains("audit chain: 47 records, head record 47 "),
        "{said}"
    );
    assert!(
        said.contains(
            "  - audit record 43 (update person one-2) does not match its hash: it was changed \
             after it was written, and no erasure redacted it\n"
        ),
        "{said}"
    );
    assert!(
        said.contains(
            "  - audit record 46 (create person tess) is not as erasure record 47 left it: \
             it was changed after it was redacted\n"
        ),
        "{said}"
    );
    assert!(said.ends_with("2 problem(s) found.\n"), "{said}");

    // An erasure's record made to name the forged redaction is itself a
    // changed record, and names nothing.
    behind_the_back(
        &path,
        "UPDATE audit_log SET after_json = REPLACE(after_json, '\"id\":46', '\"id\":43') WHERE id = 47",
    );
    let said = stdout(&run(&dir, &url, &["check"]));
    assert!(
        said.contains("  - audit record 47 (delete personal_data tess) does not match its hash"),
        "{said}"
    );
    assert!(
        said.contains("  - audit record 43 (update person one-2) does not match its hash"),
        "{said}"
    );
}

/// Audit record `id`'s action, entity and after values, as stored.
fn audit_log_line(raw: &mut SqliteConnection, id: i64) -> (String, String, Option<String>) {
    use balint_accredit_api::db::schema::audit_log;
    use diesel::{ExpressionMethods, QueryDsl};
    audit_log::table
        .filter(audit_log::id.eq(id))
        .select((
            audit_log::action,
            audit_log::entity_id,
            audit_log::after_json,
        ))
        .first(raw)
        .unwrap()
}

/// A PostgreSQL URL for `database` on the test server.
fn postgres_url(database: &str) -> String {
    let server = std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let (base, _) = server.split_once('?').unwrap_or((server.as_str(), ""));
    let start = base.find("://").map_or(0, |i| i + 3);
    let end = base[start..].find('/').map_or(base.len(), |j| start + j);
    format!("{}/{database}?sslmode=disable", &base[..end])
}

#[test]
fn on_postgresql_writers_at_the_same_time_form_one_chain() {
    let dir = TempDir::new();
    let name = format!("t_check_{}", uuid::Uuid::new_v4().simple());
    let mut server = PgConnection::establish(&postgres_url("postgres")).unwrap();
    diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut server)
        .unwrap();
    let url = postgres_url(&name);
    let outcome = std::panic::catch_unwind(|| {
        seed(&dir, &url);
        let writers: Vec<_> = (0..6)
            .map(|w| {
                let url = url.clone();
                std::thread::spawn(move || {
                    let pool = db::pool(&DatabaseSettings::new(url));
                    let mut conn = pool.get().unwrap();
                    for i in 0..25 {
                        db::write(&mut conn, |conn| {
                            audit::record(conn, change(&format!("w{w}-{i}"))).map_err(Into::into)
                        })
                        .unwrap();
                    }
                })
            })
            .collect();
        for writer in writers {
            writer.join().unwrap();
        }
        let sound = run(&dir, &url, &["check"]);
        assert_eq!(sound.status.code(), Some(0), "{sound:?}");
        let said = stdout(&sound);
        assert!(said.contains("storage: nothing to do: PostgreSQL enforces its foreign keys"));
        assert!(
            said.contains("audit chain: 195 records, head record ")
                && said.contains(": ok\nNo problem"),
            "{said}"
        );

        let mut raw = PgConnection::establish(&url).unwrap();
        raw.batch_execute(
            "UPDATE audit_log SET entity_id = 'someone else' \
             WHERE id = (SELECT id FROM audit_log ORDER BY id OFFSET 100 LIMIT 1)",
        )
        .unwrap();
        let found = run(&dir, &url, &["check"]);
        assert_eq!(found.status.code(), Some(3), "{found:?}");
        assert!(
            stdout(&found).contains("someone else) does not match its hash"),
            "{}",
            stdout(&found)
        );
    });
    diesel::sql_query(format!("DROP DATABASE {name} WITH (FORCE)"))
        .execute(&mut server)
        .unwrap();
    outcome.unwrap();
}
