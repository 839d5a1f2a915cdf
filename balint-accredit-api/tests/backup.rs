//! `balint-accredit backup` and `restore` as an operator runs them: a
//! backup taken while others write restores into a fresh database with the
//! same register; a damaged file, a newer schema, a database not empty and
//! PostgreSQL are refused, each with its own exit code; `serve` takes
//! scheduled backups and keeps the newest.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use balint_accredit_api::config::DatabaseSettings;
use balint_accredit_api::db::{self, people::Person, societies::Society};

const BIN: &str = env!("CARGO_BIN_EXE_balint-accredit");

struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        let dir =
            std::env::temp_dir().join(format!("balint-backup-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn url(&self, name: &str) -> String {
        format!("sqlite://{}", self.0.join(name).display())
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
        .env_remove("BACKUP_DIR")
        .output()
        .unwrap()
}

fn person(id: &str) -> Person {
    let now = db::now();
    Person {
        id: id.to_owned(),
        society_id: "s-1".to_owned(),
        title: None,
        given_name: Some("Tess".to_owned()),
        family_name: id.to_owned(),
        display_name: None,
        backgrounds: vec![],
        city: None,
        region: None,
        email: Some(format!("{id}@example.org")),
        public_listing: true,
        entered_pathway_on: None,
        created_at: now,
        updated_at: now,
    }
}

/// A database with a society and a register of `entries` entries, each
/// with a history of two changes.
fn seeded(dir: &TempDir, entries: usize) -> String {
    let url = dir.url("balint.db");
    seed(dir, &url, entries);
    url
}

/// The database at `url` migrated, with a society and a register of
/// `entries` entries, each with a history of two changes.
fn seed(dir: &TempDir, url: &str, entries: usize) {
    let url = url.to_owned();
    let pool = db::pool(&DatabaseSettings::new(url.clone()));
    let mut conn = pool.get().unwrap();
    db::run_migrations(&mut conn).unwrap();
    db::write(&mut conn, |conn| {
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
    let mut csv = String::from(
        "registration,person_id,given_name,family_name,city,public_listing,effective,action,tier,reason,visibility\n",
    );
    for i in 0..entries {
        csv.push_str(&format!(
            "BSANZ-{i:04},p-{i},Ann,Carter {i},Hobart,true,2020-01-01,grant,accredited-leader,council,public\n\
             BSANZ-{i:04},p-{i},Ann,Carter {i},Hobart,true,2021-05-01,suspend,,complaint,confidential\n"
        ));
    }
    std::fs::write(dir.0.join("register.csv"), csv).unwrap();
    let imported = run(dir, &url, &["import", "--society", "bsanz", "register.csv"]);
    assert!(imported.status.success(), "{imported:?}");
}

fn export(dir: &TempDir, url: &str) -> Vec<u8> {
    let out = run(dir, url, &["export", "--society", "bsanz"]);
    assert!(out.status.success(), "{out:?}");
    assert!(out.stdout.len() > 1000);
    out.stdout
}

fn people(url: &str) -> usize {
    let pool = db::pool(&DatabaseSettings::new(url.to_owned()));
    let mut conn = pool.get().unwrap();
    db::people::ids(&mut conn, "s-1").unwrap().len()
}

/// A thread adding people to the database at `url` until `stop`; it
/// answers how many it added.
fn writing(stop: &Arc<AtomicBool>, url: &str) -> std::thread::JoinHandle<usize> {
    let (stop, url) = (Arc::clone(stop), url.to_owned());
    std::thread::spawn(move || {
        let pool = db::pool(&DatabaseSettings::new(url));
        let mut written = 0;
        while !stop.load(Ordering::Relaxed) {
            let mut conn = pool.get().unwrap();
            db::write(&mut conn, |conn| {
                db::people::insert(conn, &person(&format!("w-{written}")))
            })
            .unwrap();
            written += 1;
        }
        written
    })
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_backup_taken_while_others_write_restores_the_same_register() {
    let dir = TempDir::new();
    let url = seeded(&dir, 300);
    let before = export(&dir, &url);
    let people_before = people(&url);

    // Others add people and read the register while the backup is taken.
    let stop = Arc::new(AtomicBool::new(false));
    let writer = writing(&stop, &url);
    let reader = {
        let (stop, url) = (Arc::clone(&stop), url.clone());
        std::thread::spawn(move || {
            let mut reads = 0;
            while !stop.load(Ordering::Relaxed) {
                assert!(people(&url) >= 300);
                reads += 1;
            }
            reads
        })
    };
    std::thread::sleep(Duration::from_millis(100));
    let backed_up = run(&dir, &url, &["backup", "--to", "copy.backup"]);
    std::thread::sleep(Duration::from_millis(100));
    stop.store(true, Ordering::Relaxed);
    let written = writer.join().unwrap();
    assert!(reader.join().unwrap() > 0);
    assert!(written > 0, "the writer wrote during the backup");
    assert!(backed_up.status.success(), "{backed_up:?}");
    let said = String::from_utf8_lossy(&backed_up.stdout);
    assert!(
        said.starts_with(&format!(
            "Backed up to copy.backup: schema version {},",
            db::known_migrations(true).last().unwrap()
        )),
        "{said}"
    );

    // A backup never overwrites a file.
    let again = run(&dir, &url, &["backup", "--to", "copy.backup"]);
    assert_eq!(again.status.code(), Some(1), "{again:?}");
    assert!(stderr(&again).contains("exists already"));

    let fresh = dir.url("fresh.db");
    let restored = run(&dir, &fresh, &["restore", "copy.backup"]);
    assert!(restored.status.success(), "{restored:?}");
    assert!(String::from_utf8_lossy(&restored.stdout).starts_with("Restored copy.backup (taken "));
    assert_eq!(
        export(&dir, &fresh),
        before,
        "the register is restored byte for byte"
    );
    let people_restored = people(&fresh);
    assert!(
        (people_before..=people_before + written).contains(&people_restored),
        "{people_before} <= {people_restored} <= {people_before} + {written}"
    );

    // The database the backup was taken of is not empty: refused, unless
    // told to replace it.
    let refused = run(&dir, &url, &["restore", "copy.backup"]);
    assert_eq!(refused.status.code(), Some(5), "{refused:?}");
    assert!(
        stderr(&refused).contains("is not empty"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(people(&url), people_before + written, "nothing was written");
    let replaced = run(&dir, &url, &["restore", "--replace", "copy.backup"]);
    assert!(replaced.status.success(), "{replaced:?}");
    assert_eq!(people(&url), people_restored);

    // A database with its tables but no rows is empty.
    let migrated = dir.url("migrated.db");
    assert!(run(&dir, &migrated, &["migrate"]).status.success());
    let into_empty = run(&dir, &migrated, &["restore", "copy.backup"]);
    assert!(into_empty.status.success(), "{into_empty:?}");
    assert_eq!(export(&dir, &migrated), before);
}

/// Where the payload of the backup at `path` begins.
fn payload_offset(bytes: &[u8]) -> usize {
    let first = bytes.iter().position(|b| *b == b'\n').unwrap() + 1;
    first + bytes[first..].iter().position(|b| *b == b'\n').unwrap() + 1
}

fn backup_of_a_small_database(dir: &TempDir) -> (String, PathBuf) {
    let url = seeded(dir, 3);
    let out = run(dir, &url, &["backup", "--to", "small.backup"]);
    assert!(out.status.success(), "{out:?}");
    (url, dir.0.join("small.backup"))
}

fn refused_restore(dir: &TempDir, file: &Path, code: i32, words: &str) {
    let target = dir.0.join("target.db");
    let out = run(
        dir,
        &dir.url("target.db"),
        &["restore", file.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(code), "{out:?}");
    assert!(stderr(&out).contains(words), "{}", stderr(&out));
    assert!(!target.exists(), "nothing was restored");
    let leftovers: Vec<_> = std::fs::read_dir(&dir.0)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".target"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_damaged_backup_is_refused() {
    let dir = TempDir::new();
    let (_, file) = backup_of_a_small_database(&dir);
    let bytes = std::fs::read(&file).unwrap();
    let offset = payload_offset(&bytes);

    // One byte flipped in the database.
    let mut flipped = bytes.clone();
    let at = offset + (bytes.len() - offset) / 2;
    flipped[at] ^= 0x01;
    let damaged = dir.0.join("flipped.backup");
    std::fs::write(&damaged, &flipped).unwrap();
    refused_restore(
        &dir,
        &damaged,
        3,
        "is damaged: the checksum of its database is",
    );

    // Cut short.
    std::fs::write(&damaged, &bytes[..bytes.len() - 10]).unwrap();
    refused_restore(&dir, &damaged, 3, "is damaged: it holds");

    // Not a backup at all.
    std::fs::write(&damaged, b"SQLite format 3\0").unwrap();
    refused_restore(&dir, &damaged, 3, "is not a backup of balint-accredit");

    // The manifest itself garbled.
    let mut garbled = bytes.clone();
    let brace = bytes.iter().position(|b| *b == b'{').unwrap();
    garbled[brace] = b'[';
    std::fs::write(&damaged, &garbled).unwrap();
    refused_restore(&dir, &damaged, 3, "its manifest cannot be read");
}

#[test]
fn a_backup_of_a_newer_schema_is_refused() {
    let dir = TempDir::new();
    let (_, file) = backup_of_a_small_database(&dir);
    let bytes = std::fs::read(&file).unwrap();
    let offset = payload_offset(&bytes);
    let first = bytes.iter().position(|b| *b == b'\n').unwrap() + 1;
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&bytes[first..offset - 1]).unwrap();
    manifest["migrations"]
        .as_array_mut()
        .unwrap()
        .push("29991231000100".into());
    manifest["schema_version"] = "29991231000100".into();
    let mut newer = bytes[..first].to_vec();
    newer.extend_from_slice(manifest.to_string().as_bytes());
    newer.push(b'\n');
    newer.extend_from_slice(&bytes[offset..]);
    let path = dir.0.join("newer.backup");
    std::fs::write(&path, newer).unwrap();
    refused_restore(
        &dir,
        &path,
        4,
        "has schema version 29991231000100, newer than this balint-accredit knows",
    );
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

/// A fresh database on the test server, dropped when done.
struct PgDatabase {
    name: String,
}

impl PgDatabase {
    fn new() -> Self {
        use diesel::{Connection, PgConnection, RunQueryDsl};
        let name = format!("t_backup_{}", uuid::Uuid::new_v4().simple());
        let mut server = PgConnection::establish(&postgres_url("postgres")).unwrap();
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut server)
            .unwrap();
        Self { name }
    }

    fn url(&self) -> String {
        postgres_url(&self.name)
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        use diesel::{Connection, PgConnection, RunQueryDsl};
        if let Ok(mut server) = PgConnection::establish(&postgres_url("postgres")) {
            let _ = diesel::sql_query(format!("DROP DATABASE {} WITH (FORCE)", self.name))
                .execute(&mut server);
        }
    }
}

/// One of PostgreSQL's own tools, run as the README writes it.
fn pg_tool(dir: &TempDir, tool: &str, args: &[&str]) -> Output {
    let out = Command::new(tool)
        .current_dir(&dir.0)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "{tool} (PostgreSQL's client tools, Debian's postgresql-client) could not run: {e}"
            )
        });
    assert!(out.status.success(), "{tool}: {}", stderr(&out));
    out
}

/// The README's PostgreSQL backup, followed word for word: `pg_dump`
/// while others write, `pg_restore` into an empty database, `migrate`;
/// the register is restored byte for byte and `check` finds nothing.
#[test]
fn a_postgresql_dump_taken_while_others_write_restores_the_same_register() {
    let dir = TempDir::new();
    let source = PgDatabase::new();
    let url = source.url();
    seed(&dir, &url, 300);
    let before = export(&dir, &url);
    let people_before = people(&url);

    let stop = Arc::new(AtomicBool::new(false));
    let writer = writing(&stop, &url);
    std::thread::sleep(Duration::from_millis(100));
    pg_tool(
        &dir,
        "pg_dump",
        &[
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            "--file=balint.dump",
            &url,
        ],
    );
    std::thread::sleep(Duration::from_millis(100));
    stop.store(true, Ordering::Relaxed);
    let written = writer.join().unwrap();
    assert!(written > 0, "the writer wrote during the dump");

    let restored = PgDatabase::new();
    let target = restored.url();
    let dbname = format!("--dbname={target}");
    pg_tool(
        &dir,
        "pg_restore",
        &[
            "--exit-on-error",
            "--single-transaction",
            "--no-owner",
            "--no-privileges",
            &dbname,
            "balint.dump",
        ],
    );
    let migrated = run(&dir, &target, &["migrate"]);
    assert!(migrated.status.success(), "{migrated:?}");
    assert_eq!(
        export(&dir, &target),
        before,
        "the register is restored byte for byte"
    );
    let people_restored = people(&target);
    assert!(
        (people_before..=people_before + written).contains(&people_restored),
        "{people_before} <= {people_restored} <= {people_before} + {written}"
    );
    let checked = run(&dir, &target, &["check"]);
    assert!(
        checked.status.success(),
        "{}",
        String::from_utf8_lossy(&checked.stdout)
    );
}

#[test]
fn postgresql_is_pointed_to_its_own_tools() {
    let dir = TempDir::new();
    let (_, file) = backup_of_a_small_database(&dir);
    let database = PgDatabase::new();
    let url = database.url();
    let backup = run(&dir, &url, &["backup", "--to", "pg.backup"]);
    let restore = run(&dir, &url, &["restore", file.to_str().unwrap()]);
    drop(database);
    assert_eq!(backup.status.code(), Some(6), "{backup:?}");
    assert!(
        stderr(&backup).contains("pg_dump --format=custom --no-owner --no-privileges"),
        "{}",
        stderr(&backup)
    );
    assert!(!dir.0.join("pg.backup").exists());
    assert_eq!(restore.status.code(), Some(6), "{restore:?}");
    assert!(
        stderr(&restore).contains("pg_restore --exit-on-error --single-transaction"),
        "{}",
        stderr(&restore)
    );
}

#[test]
fn serve_takes_scheduled_backups_and_keeps_the_newest() {
    let dir = TempDir::new();
    let url = seeded(&dir, 3);
    let backups = dir.0.join("backups");
    std::fs::create_dir_all(&backups).unwrap();
    for old in [
        "balint-20200101T000000Z.backup",
        "balint-20200102T000000Z.backup",
        "balint-20200103T000000Z.backup",
        "keep-me.txt",
    ] {
        std::fs::write(backups.join(old), "old").unwrap();
    }
    let mut child = Command::new(BIN)
        .current_dir(&dir.0)
        .env("DATABASE_URL", &url)
        .env("BIND", "127.0.0.1:0")
        .env("BACKUP_DIR", &backups)
        .env("BACKUP_KEEP", "2")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let names = || {
        let mut names: Vec<String> = std::fs::read_dir(&backups)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let start = Instant::now();
    while names().len() != 3 && start.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(50));
    }
    // Give a slow pruning a moment to finish what it started.
    std::thread::sleep(Duration::from_millis(200));
    child.kill().unwrap();
    child.wait().unwrap();
    let names = names();
    assert_eq!(names.len(), 3, "{names:?}");
    assert_eq!(names[0], "balint-20200103T000000Z.backup");
    assert!(
        names[1].starts_with("balint-20") && names[1] > names[0],
        "{names:?}"
    );
    assert_eq!(names[2], "keep-me.txt");

    // The new one restores.
    let fresh = dir.url("fresh.db");
    let file = backups.join(&names[1]);
    let restored = run(&dir, &fresh, &["restore", file.to_str().unwrap()]);
    assert!(restored.status.success(), "{restored:?}");
    assert_eq!(export(&dir, &fresh), export(&dir, &url));
}
