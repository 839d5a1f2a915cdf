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
    assert!(create_admin(&dir, "root@example.org", password)
        .status
        .success());

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
    assert!(ready.contains(r#"{"status":"ready"}"#));
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
    assert!(out.status.success(), "{out:?}");
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
    assert!(out.status.success(), "{out:?}");
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
    assert!(!out.status.success());
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
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("has no tier \"grand-master\""), "{err}");
    assert!(err.contains("accredited-leader"), "{err}");
}
