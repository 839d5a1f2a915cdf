//! The `balint-accredit` binary as an operator runs it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_balint-accredit");

struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        let dir =
            std::env::temp_dir().join(format!("balint-cli-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn command(dir: &TempDir) -> Command {
    let mut command = Command::new(BIN);
    command
        .current_dir(&dir.0)
        .env_remove("DATABASE_URL")
        .env_remove("BIND")
        .env_remove("RUST_LOG")
        .env("PASSWORD_HASHING", "fast");
    command
}

fn create_admin(dir: &TempDir, email: &str, password: &str) -> std::process::Output {
    let mut child = command(dir)
        .args(["admin", "create", "--email", email, "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn migrate_applies_each_migration_once() {
    let dir = TempDir::new();
    let first = command(&dir).arg("migrate").output().unwrap();
    assert!(first.status.success(), "{first:?}");
    assert!(String::from_utf8_lossy(&first.stdout).contains("applied 20260101000001"));
    assert!(
        dir.0.join("balint.db").exists(),
        "the default database is ./balint.db"
    );
    let second = command(&dir).arg("migrate").output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&second.stdout),
        "The database is up to date.\n"
    );
}

#[test]
fn admin_create_reads_the_password_from_stdin() {
    let dir = TempDir::new();
    assert!(command(&dir)
        .arg("migrate")
        .output()
        .unwrap()
        .status
        .success());
    let created = create_admin(&dir, "Registry@Example.org", "a long enough password");
    assert!(created.status.success(), "{created:?}");
    assert!(String::from_utf8_lossy(&created.stdout)
        .starts_with("Created platform administrator registry@example.org"));

    let again = create_admin(&dir, "registry@example.org", "another long password");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));

    let short = create_admin(&dir, "other@example.org", "short");
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 12 characters"));
}

fn http(port: u16, request: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

#[test]
fn serve_with_no_flags_creates_the_database_answers_and_logs_no_secret() {
    let dir = TempDir::new();
    let password = "a very secret passphrase";
    assert!(!dir.0.join("balint.db").exists());

    let mut child = command(&dir)
        .env("BIND", "127.0.0.1:0")
        .env("LOG_FORMAT", "json")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    // Read the log on a thread that keeps draining it, so the server never
    // writes into a closed pipe; it hands over the port, then the whole log.
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut log = Vec::new();
        for line in stderr.lines().map_while(Result::ok) {
            if let Ok(event) = serde_json::from_str::<serde_json::Value>(&line) {
                if let Some(p) = event["port"].as_u64() {
                    let _ = tx.send(p);
                }
            }
            log.push(line);
        }
        log
    });
    let port = rx.recv().expect("the server logs the port it serves on");
    let port = u16::try_from(port).unwrap();
    // The database serve made is there for the other commands.
    assert!(create_admin(&dir, "root@example.org", password)
        .status
        .success());

    let ready = http(
        port,
        "GET /readyz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    );
    let body = format!(r#"{{"email":"root@example.org","password":"{password}"}}"#);
    let login = http(
        port,
        &format!(
            "POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    );
    let json_start = login.find("\r\n\r\n").unwrap() + 4;
    let answer: serde_json::Value = serde_json::from_str(&login[json_start..]).unwrap();
    let token = answer["token"].as_str().expect("a token").to_owned();
    let me = http(
        port,
        &format!("GET /api/v1/auth/me HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"),
    );
    child.kill().unwrap();
    child.wait().unwrap();
    let log = reader.join().unwrap().join("\n");

    assert!(ready.starts_with("HTTP/1.1 200"), "{ready}");
    assert!(ready.contains(r#"{"status":"ready","outbox":{"events_waiting":0,"#));
    assert!(me.starts_with("HTTP/1.1 200"), "{me}");
    assert!(dir.0.join("balint.db").exists());
    assert!(
        log.contains("request_id"),
        "requests are logged with their id"
    );
    assert!(!log.contains(password), "the password was logged");
    assert!(!log.contains(&token), "the token was logged");
}

fn write(dir: &TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.0.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Two confirmed co-led meetings and a pending supervision session.
const LEDGER: &str = r#"{
  "candidate": {"person": "trainee-1", "entered_pathway": "2024-02-01"},
  "activities": [
    {"id": "a1", "person": "trainee-1", "kind": "co_leading", "date": "2025-03-04",
     "amount": 1, "unit": "meetings", "cases": 2, "attestor": "lt-1", "co_leader": "lt-1",
     "attestation": {"state": "confirmed", "by": "lt-1", "on": "2025-03-05"}},
    {"id": "a2", "person": "trainee-1", "kind": "co_leading", "date": "2025-04-01",
     "amount": 1, "unit": "meetings", "cases": 1, "attestor": "lt-1", "co_leader": "lt-1",
     "attestation": {"state": "confirmed", "by": "lt-1", "on": "2025-04-02"}},
    {"id": "a3", "person": "trainee-1", "kind": "supervision", "date": "2025-03-10",
     "amount": 1, "unit": "sessions", "attestor": "lt-1", "supervisor": "lt-1"}
  ],
  "register": [{"person": "lt-1", "tier": "accredited-leader-trainer", "from": "2019-01-01"}]
}"#;

#[test]
fn evaluate_prints_what_counts_and_what_is_missing() {
    let dir = TempDir::new();
    let ledger = write(&dir, "ledger.json", LEDGER);
    let out = command(&dir)
        .args([
            "evaluate",
            "--preset",
            "bsanz-leader",
            "--tier",
            "accredited-leader",
        ])
        .args(["--as-of", "2026-01-01", "--ledger"])
        .arg(&ledger)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "not eligible: {out:?}");
    let report = String::from_utf8(out.stdout).unwrap();
    assert!(
        report.starts_with("Accredited Leader for trainee-1, as of 2026-01-01: NOT ELIGIBLE"),
        "{report}"
    );
    // Three cases from two confirmed meetings count; the pending session does not.
    assert!(report.contains("3 of 30 cases"), "{report}");
    assert!(report.contains("2 of 20 meetings"), "{report}");
    assert!(report.contains("Missing:"), "{report}");
    assert!(
        !dir.0.join("balint.db").exists(),
        "evaluate needs no database"
    );
}

#[test]
fn evaluate_json_is_the_assessment() {
    let dir = TempDir::new();
    let ledger = write(&dir, "ledger.json", LEDGER);
    let out = command(&dir)
        .args([
            "evaluate",
            "--preset",
            "bsanz-leader",
            "--tier",
            "accredited-leader",
        ])
        .args(["--as-of", "2026-01-01", "--format", "json", "--ledger"])
        .arg(&ledger)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "not eligible: {out:?}");
    let assessment: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(assessment["eligible"], false);
    assert_eq!(assessment["tier"], "accredited-leader");
    assert_eq!(assessment["as_of"], "2026-01-01");
}

#[test]
fn evaluate_lists_every_problem_of_a_bad_pathway_file() {
    let dir = TempDir::new();
    let ledger = write(&dir, "ledger.json", LEDGER);
    let pathway = write(
        &dir,
        "pathway.json",
        r#"{"id": "x", "society": "x", "title": "X", "version": "1",
            "effective_from": "not a date", "tiers": "none"}"#,
    );
    let out = command(&dir)
        .args(["evaluate", "--ledger"])
        .arg(&ledger)
        .arg("--pathway")
        .arg(&pathway)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "bad input: {out:?}");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("is not a valid pathway document"), "{err}");
    assert!(err.contains("effective_from:"), "{err}");
    assert!(err.contains("tiers:"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn evaluate_names_an_unknown_tier_and_lists_the_real_ones() {
    let dir = TempDir::new();
    let ledger = write(&dir, "ledger.json", LEDGER);
    let out = command(&dir)
        .args([
            "evaluate",
            "--preset",
            "bsanz-leader",
            "--tier",
            "grand-master",
            "--ledger",
        ])
        .arg(&ledger)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "bad input: {out:?}");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("has no tier \"grand-master\""), "{err}");
    assert!(err.contains("accredited-leader"), "{err}");
}

/// The example ledgers shipped in `examples/ledgers/`.
fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/ledgers")
        .join(name)
}

fn evaluate(
    dir: &TempDir,
    preset: &str,
    tier: &str,
    ledger: &std::path::Path,
    as_of: &str,
) -> std::process::Output {
    command(dir)
        .args([
            "evaluate", "--preset", preset, "--tier", tier, "--as-of", as_of, "--ledger",
        ])
        .arg(ledger)
        .output()
        .unwrap()
}

#[test]
fn the_example_ledgers_are_judged_on_the_last_day_of_a_training_year() {
    let dir = TempDir::new();
    // Two training years of BSANZ supervision, judged on the last day of
    // the second: eligible, exit 0.
    let bsanz = example("bsanz-trainee.json");
    let out = evaluate(
        &dir,
        "bsanz-leader",
        "accredited-leader",
        &bsanz,
        "2025-12-31",
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let report = String::from_utf8(out.stdout).unwrap();
    assert!(
        report.starts_with("Accredited Leader for ada, as of 2025-12-31: ELIGIBLE"),
        "{report}"
    );
    // A day before the final report: not yet, exit 1.
    let out = evaluate(
        &dir,
        "bsanz-leader",
        "accredited-leader",
        &bsanz,
        "2025-12-14",
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let report = String::from_utf8(out.stdout).unwrap();
    assert!(
        report.contains(
            "  - Final suitability report from the supervisor: 1 more event needed (0 of 1)."
        ),
        "{report}"
    );
    // The ABS candidate missed July 2024: the words name it, exit 1.
    let abs = example("abs-candidate.json");
    let out = evaluate(
        &dir,
        "abs-credentialed-leader",
        "credentialed-leader",
        &abs,
        "2025-12-31",
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let report = String::from_utf8(out.stdout).unwrap();
    assert!(
        report.contains("the longest run so far is 17 months (August 2024 to December 2025); short: July 2024 had no sessions"),
        "{report}"
    );
}

#[test]
fn evaluate_refuses_an_unknown_field_with_its_place_in_the_file() {
    let dir = TempDir::new();
    // `status` is not a field: the record would otherwise stay pending.
    let ledger = write(
        &dir,
        "ledger.json",
        r#"{"activities": [
            {"id": "a1", "person": "t", "kind": "leading", "date": "2025-03-04", "amount": 1, "unit": "meetings"},
            {"id": "a2", "person": "t", "kind": "leading", "date": "2025-04-01", "amount": 1, "unit": "meetings",
             "status": "confirmed"}
        ]}"#,
    );
    let out = evaluate(
        &dir,
        "bsanz-leader",
        "accredited-leader",
        &ledger,
        "2025-12-31",
    );
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("activities[1].status: unknown field `status`"),
        "{err}"
    );
    assert!(err.contains("evaluate --help"), "{err}");
    // Inside the attestation too.
    let ledger = write(
        &dir,
        "ledger.json",
        r#"[{"id": "a1", "person": "t", "kind": "leading", "date": "2025-03-04", "amount": 1,
             "unit": "meetings", "attestation": {"state": "confirmed", "by": "s", "date": "2025-03-05"}}]"#,
    );
    let out = evaluate(
        &dir,
        "bsanz-leader",
        "accredited-leader",
        &ledger,
        "2025-12-31",
    );
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("[0].attestation: unknown field `date`, expected `by` or `on`"),
        "{err}"
    );
}

#[test]
fn evaluate_says_which_date_format_it_wants_and_documents_the_ledger() {
    let dir = TempDir::new();
    let out = evaluate(
        &dir,
        "bsanz-leader",
        "accredited-leader",
        &example("bsanz-trainee.json"),
        "31/12/2025",
    );
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("expected a date as YYYY-MM-DD, for example 2025-12-31"),
        "{err}"
    );
    let out = evaluate(
        &dir,
        "bsanz-leader",
        "accredited-leader",
        &example("bsanz-trainee.json"),
        "1899-12-31",
    );
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("expected a day from 1900-01-01 to 2199-12-31"),
        "{err}"
    );
    let help = command(&dir).args(["evaluate", "--help"]).output().unwrap();
    assert!(help.status.success());
    let help = String::from_utf8(help.stdout).unwrap();
    // Every field of a record, the attestation's shape and the exit status.
    for field in [
        "id",
        "person",
        "kind",
        "date",
        "amount",
        "unit",
        "duration_minutes",
        "days",
        "cases",
        "delivery",
        "attestor",
        "co_leader",
        "supervisor",
        "group",
        "ongoing_group",
        "setting",
        "event_type",
        "provider",
        "provider_approved",
        "supervision_format",
        "report_type",
        "prerequisite_type",
        "notes",
        "attestation",
    ] {
        assert!(
            help.lines()
                .any(|l| l.trim_start().starts_with(&format!("{field} "))),
            "{field} in:\n{help}"
        );
    }
    assert!(
        help.contains(r#"{"state": "confirmed", "by": "p-2", "on": "2025-03-05"}"#),
        "{help}"
    );
    assert!(help.contains("EXIT STATUS"), "{help}");
    assert!(help.contains("--as-of <YYYY-MM-DD>"), "{help}");
}

/// The names in `dir`, sorted.
fn files(dir: &TempDir) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(&dir.0)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Every command that works on the database but does not create it, with
/// its arguments and standard input; the files it reads are written into
/// `dir`. A new subcommand that opens the database belongs here (the test
/// below fails until it is).
fn database_commands(dir: &TempDir) -> Vec<(&'static str, Vec<&'static str>, &'static str)> {
    write(dir, "register.json", r#"{"entries": []}"#);
    write(
        dir,
        "logbook.json",
        r#"[{"kind": "participation", "date": "2025-03-04", "amount": 1, "unit": "sessions"}]"#,
    );
    write(
        dir,
        "sheet.csv",
        "date,attendee,attendance\n2025-03-04,ann@example.org,present\n",
    );
    vec![
        (
            "admin create",
            vec![
                "admin",
                "create",
                "--email",
                "root@example.org",
                "--password-stdin",
            ],
            "a long enough password\n",
        ),
        ("export", vec!["export", "--society", "bsanz"], ""),
        ("backup", vec!["backup", "--to", "out.backup"], ""),
        ("check", vec!["check"], ""),
        ("retention", vec!["retention"], ""),
        (
            "person export",
            vec!["person", "export", "--society", "bsanz", "--person", "p-1"],
            "",
        ),
        (
            "person erase",
            vec!["person", "erase", "--society", "bsanz", "--person", "p-1"],
            "",
        ),
        ("lapse", vec!["lapse"], ""),
        ("outbox status", vec!["outbox", "status"], ""),
        ("outbox replay", vec!["outbox", "replay", "msg_1"], ""),
        ("outbox drop", vec!["outbox", "drop", "msg_1"], ""),
        ("outbox remind", vec!["outbox", "remind"], ""),
        (
            "import",
            vec!["import", "--society", "bsanz", "register.json"],
            "",
        ),
        (
            "ledger import",
            vec![
                "ledger",
                "import",
                "--society",
                "bsanz",
                "--person",
                "p-1",
                "logbook.json",
            ],
            "",
        ),
        (
            "sessions import",
            vec![
                "sessions",
                "import",
                "--society",
                "bsanz",
                "--group",
                "g-1",
                "--leader",
                "p-1",
                "sheet.csv",
            ],
            "",
        ),
    ]
}

/// Run `args` in `dir` with `stdin`, adjusted by `setup` (which may add
/// arguments after them).
fn run(
    dir: &TempDir,
    args: &[&str],
    stdin: &str,
    setup: impl FnOnce(&mut Command),
) -> std::process::Output {
    let mut command = command(dir);
    command.args(args);
    setup(&mut command);
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn every_database_command_but_serve_and_migrate_is_listed_here() {
    use balint_accredit_api::cli::Cli;
    use clap::CommandFactory;

    let dir = TempDir::new();
    let mut commands: Vec<String> = Vec::new();
    for sub in Cli::command().get_subcommands() {
        let nested: Vec<String> = sub
            .get_subcommands()
            .map(|leaf| format!("{} {}", sub.get_name(), leaf.get_name()))
            .collect();
        if nested.is_empty() {
            commands.push(sub.get_name().to_owned());
        } else {
            commands.extend(nested);
        }
    }
    // `restore` makes the database it restores (tests/backup.rs).
    commands.retain(|name| {
        !["serve", "migrate", "evaluate", "restore", "help"].contains(&name.as_str())
    });
    commands.sort();
    let mut listed: Vec<String> = database_commands(&dir)
        .into_iter()
        .map(|(name, _, _)| name.to_owned())
        .collect();
    listed.sort();
    assert_eq!(commands, listed);
}

#[test]
fn commands_other_than_serve_and_migrate_never_create_a_sqlite_database() {
    let dir = TempDir::new();
    let commands = database_commands(&dir);
    let inputs = files(&dir);
    type Setup = fn(&mut Command);
    let ways: [(&str, Setup); 3] = [
        ("./missing.db", |c| {
            c.args(["--database-url", "./missing.db"]);
        }),
        ("missing.db", |c| {
            c.env("DATABASE_URL", "sqlite://missing.db");
        }),
        // The default, ./balint.db.
        ("balint.db", |_| {}),
    ];
    for (name, args, stdin) in &commands {
        for (path, setup) in ways {
            let out = run(&dir, args, stdin, setup);
            assert_eq!(out.status.code(), Some(2), "{name} on {path}: {out:?}");
            assert_eq!(
                String::from_utf8_lossy(&out.stderr),
                format!("error: no database at {path}; run `balint-accredit migrate` or `serve` first to create it\n"),
                "{name} on {path}"
            );
            assert!(out.stdout.is_empty(), "{name}: {out:?}");
            assert_eq!(files(&dir), inputs, "{name} on {path} left a file behind");
        }
    }

    // Once migrate has made it, the same commands run on it.
    let made = command(&dir).arg("migrate").output().unwrap();
    assert!(made.status.success(), "{made:?}");
    let (_, args, stdin) = &commands[0];
    let created = run(&dir, args, stdin, |_| {});
    assert!(created.status.success(), "{created:?}");
}

/// A PostgreSQL URL for `database` on the test server (`TEST_POSTGRES_URL`,
/// as the end-to-end tests use).
fn postgres_url(database: &str) -> String {
    let server = std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let (base, query) = match server.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (server.as_str(), None),
    };
    let start = base.find("://").map_or(0, |i| i + 3);
    let end = base[start..].find('/').map_or(base.len(), |j| start + j);
    let query = match query {
        Some(q) if q.contains("sslmode=") => q.to_owned(),
        Some(q) => format!("{q}&sslmode=disable"),
        None => "sslmode=disable".to_owned(),
    };
    format!("{}/{database}?{query}", &base[..end])
}

#[test]
fn commands_name_a_missing_postgresql_database_plainly() {
    use diesel::{Connection, PgConnection, RunQueryDsl};

    let dir = TempDir::new();
    let name = format!("t_missing_{}", uuid::Uuid::new_v4().simple());
    let url = postgres_url(&name);
    for (command, args, stdin) in database_commands(&dir) {
        let out = run(&dir, &args, stdin, |c| {
            c.env("DATABASE_URL", &url);
        });
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{command}: {out:?}");
        assert!(
            stderr.starts_with("error: no such database on the PostgreSQL server ("),
            "{command}: {stderr}"
        );
        assert!(
            stderr.contains(&format!("database \"{name}\" does not exist")),
            "{command}: {stderr}"
        );
        assert!(
            stderr.ends_with("); create it there, then run `balint-accredit migrate`\n"),
            "{command}: {stderr}"
        );
    }
    let mut server = PgConnection::establish(&postgres_url("postgres")).unwrap();
    let found: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(&format!(
        "(SELECT count(*) FROM pg_database WHERE datname = '{name}')"
    )))
    .get_result(&mut server)
    .unwrap();
    assert_eq!(found, 0);
}
