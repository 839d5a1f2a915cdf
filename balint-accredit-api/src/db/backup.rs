//! Backups of the SQLite database and their restoration.
//!
//! A backup is a consistent copy taken while the server runs: SQLite's
//! `VACUUM INTO` reads the database in one read transaction (writers carry
//! on beside it, in WAL mode) and writes a compact copy. The copy is kept
//! in a file of this service's own format, version 1:
//!
//! ```text
//! BALINT-ACCREDIT-BACKUP 1\n
//! {"backend":"sqlite","schema_version":"20261218000100","migrations":[...],
//!  "created_at":"2026-12-03T09:15:00Z","payload_bytes":1234,
//!  "payload_sha256":"..."}\n          (the manifest: one line of JSON)
//! <payload_bytes bytes: the SQLite database file>
//! ```
//!
//! `schema_version` is the latest migration applied to the copy and
//! `migrations` all of them; `payload_sha256` is the SHA-256 of the
//! payload, in hex. A restore refuses a file whose payload does not match
//! its size and checksum, and one holding a migration this binary does not
//! know (a newer schema); an older schema is migrated forward once
//! restored.
//!
//! PostgreSQL is backed up with its own tools, `pg_dump` and `pg_restore`
//! (see [`BackupError::Postgres`] for the commands): they take a
//! consistent snapshot themselves, and know their format better than this
//! service could.
//!
//! Scheduled backups (`BACKUP_DIR`) are named [`scheduled_name`]; which
//! of them to delete when more than `BACKUP_KEEP` are there is
//! [`to_prune`], a pure function of the names.

use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{applied_migrations, known_migrations, run_migrations, DatabaseLocation, DbConnection};

/// The first line of every backup file.
pub const MAGIC: &str = "BALINT-ACCREDIT-BACKUP 1";

/// The longest manifest line read; a longer one is damage.
const MANIFEST_LIMIT: u64 = 1 << 20;

/// What a backup file says of itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The database the payload is: `sqlite`.
    pub backend: String,
    /// The latest migration applied to the payload.
    pub schema_version: String,
    /// Every migration applied to the payload, oldest first.
    pub migrations: Vec<String>,
    /// When the copy was taken.
    pub created_at: DateTime<Utc>,
    /// The payload's length.
    pub payload_bytes: u64,
    /// The payload's SHA-256, in lowercase hex.
    pub payload_sha256: String,
}

/// Backing up or restoring, for the words of a refusal on PostgreSQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Backup,
    Restore,
}

/// Why a backup or a restore was refused. Each has an exit code of its
/// own ([`BackupError::exit_code`]).
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The file does not begin as a backup does.
    #[error("{0} is not a backup of balint-accredit (it does not begin with {MAGIC:?})")]
    NotABackup(PathBuf),
    /// The file is a backup, but not whole or not as written.
    #[error("the backup {path} is damaged: {why}; it was not restored")]
    Damaged { path: PathBuf, why: String },
    /// The backup holds migrations this binary does not know.
    #[error(
        "the backup {path} has schema version {backup}, newer than this balint-accredit knows \
         (up to {known}; unknown migrations: {unknown}); restore it with the version that made \
         it or a newer one"
    )]
    NewerSchema {
        path: PathBuf,
        backup: String,
        known: String,
        unknown: String,
    },
    /// The database restored into holds data.
    #[error(
        "the database at {path} is not empty ({rows} rows); a backup is restored only into an \
         empty or missing database: stop the service and pass --replace to overwrite it"
    )]
    NotEmpty { path: String, rows: i64 },
    /// The backup file asked for is there already.
    #[error("{0} exists already; a backup never overwrites a file")]
    Exists(PathBuf),
    /// PostgreSQL is backed up with its own tools.
    #[error("{}", postgres_words(*.0))]
    Postgres(Direction),
}

impl BackupError {
    /// The exit code of the command refused: 3 a damaged file (or not a
    /// backup), 4 a newer schema, 5 a database not empty, 6 PostgreSQL
    /// (use its tools), 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::NotABackup(_) | Self::Damaged { .. } => 3,
            Self::NewerSchema { .. } => 4,
            Self::NotEmpty { .. } => 5,
            Self::Postgres(_) => 6,
            Self::Exists(_) => 1,
        }
    }
}

/// The commands that back up and restore this service's PostgreSQL
/// database.
pub const PG_DUMP: &str =
    "pg_dump --format=custom --no-owner --no-privileges --file=balint.dump \"$DATABASE_URL\"";
/// See [`PG_DUMP`].
pub const PG_RESTORE: &str = "pg_restore --exit-on-error --single-transaction --no-owner \
                              --no-privileges --dbname=\"$DATABASE_URL\" balint.dump";

fn postgres_words(direction: Direction) -> String {
    match direction {
        Direction::Backup => format!(
            "backup is for the SQLite database; back up PostgreSQL with its own tool, which \
             takes a consistent snapshot while the service runs:\n  {PG_DUMP}"
        ),
        Direction::Restore => format!(
            "restore is for the SQLite database; restore PostgreSQL from a pg_dump file with its \
             own tool, into an empty database (createdb), then run `balint-accredit migrate`:\n  \
             {PG_RESTORE}"
        ),
    }
}

/// A file removed when dropped, unless kept.
struct Scratch(Option<PathBuf>);

impl Scratch {
    fn path(&self) -> &Path {
        self.0.as_deref().unwrap_or(Path::new(""))
    }
    fn keep(mut self) {
        self.0 = None;
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            let _ = fs::remove_file(&path);
            for suffix in ["-wal", "-shm", "-journal"] {
                let mut side = path.clone().into_os_string();
                side.push(suffix);
                let _ = fs::remove_file(side);
            }
        }
    }
}

/// A hidden file beside `path`, for work to be renamed onto it.
fn beside(path: &Path, what: &str) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{what}-{}", uuid::Uuid::new_v4().simple()))
}

fn utf8(path: &Path) -> anyhow::Result<&str> {
    path.to_str()
        .ok_or_else(|| anyhow::anyhow!("{} is not a UTF-8 path", path.display()))
}

/// The SHA-256 and length of everything `reader` gives, copied to `out`
/// when there is one.
fn digest(mut reader: impl Read, mut out: Option<&mut dyn Write>) -> io::Result<(String, u64)> {
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        let n = reader.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        if let Some(out) = out.as_mut() {
            out.write_all(&buffer[..n])?;
        }
        total += n as u64;
    }
    Ok((hex::encode(hasher.finalize()), total))
}

/// Back up the SQLite database `conn` is open on into the new file `to`,
/// consistently while others write. Refuses PostgreSQL and an existing
/// `to`; the file appears whole or not at all.
pub fn create(conn: &mut DbConnection, to: &Path, now: DateTime<Utc>) -> anyhow::Result<Manifest> {
    let DbConnection::Sqlite(sqlite) = conn else {
        return Err(BackupError::Postgres(Direction::Backup).into());
    };
    if to.exists() {
        return Err(BackupError::Exists(to.to_owned()).into());
    }
    let copy = Scratch(Some(beside(to, "copy")));
    diesel::sql_query("VACUUM INTO ?")
        .bind::<Text, _>(utf8(copy.path())?)
        .execute(sqlite)
        .map_err(|e| anyhow::anyhow!("copying the database to {} failed: {e}", to.display()))?;
    let migrations = {
        let mut copied = DbConnection::Sqlite(SqliteConnection::establish(utf8(copy.path())?)?);
        applied_migrations(&mut copied)?
    };
    let (payload_sha256, payload_bytes) = digest(File::open(copy.path())?, None)?;
    let manifest = Manifest {
        backend: "sqlite".to_owned(),
        schema_version: migrations.last().cloned().unwrap_or_default(),
        migrations,
        created_at: now,
        payload_bytes,
        payload_sha256,
    };
    let partial = Scratch(Some(beside(to, "partial")));
    {
        let mut out = io::BufWriter::new(File::create(partial.path())?);
        writeln!(out, "{MAGIC}")?;
        writeln!(out, "{}", serde_json::to_string(&manifest)?)?;
        let (again, _) = digest(File::open(copy.path())?, Some(&mut out))?;
        if again != manifest.payload_sha256 {
            anyhow::bail!("the copy changed while it was written; try again");
        }
        out.into_inner()
            .map_err(io::IntoInnerError::into_error)?
            .sync_all()?;
    }
    if to.exists() {
        return Err(BackupError::Exists(to.to_owned()).into());
    }
    fs::rename(partial.path(), to)
        .map_err(|e| anyhow::anyhow!("writing {} failed: {e}", to.display()))?;
    partial.keep();
    Ok(manifest)
}

/// Read the backup at `path` and check it whole: its first line, its
/// manifest, the payload's length and checksum, and that this binary knows
/// every migration it holds. Returns the manifest and where the payload
/// begins.
pub fn verify(path: &Path) -> anyhow::Result<(Manifest, u64)> {
    let damaged = |why: String| BackupError::Damaged {
        path: path.to_owned(),
        why,
    };
    let file =
        File::open(path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    let mut reader = BufReader::new(file);
    let mut first = Vec::new();
    (&mut reader)
        .take(MAGIC.len() as u64 + 1)
        .read_until(b'\n', &mut first)?;
    if first != format!("{MAGIC}\n").as_bytes() {
        return Err(BackupError::NotABackup(path.to_owned()).into());
    }
    let mut line = Vec::new();
    (&mut reader)
        .take(MANIFEST_LIMIT)
        .read_until(b'\n', &mut line)?;
    if line.last() != Some(&b'\n') {
        return Err(damaged("its manifest is cut short".to_owned()).into());
    }
    let manifest: Manifest = serde_json::from_slice(&line)
        .map_err(|e| damaged(format!("its manifest cannot be read ({e})")))?;
    let offset = (first.len() + line.len()) as u64;
    let (sha256, bytes) = digest(&mut reader, None)?;
    if bytes != manifest.payload_bytes {
        return Err(damaged(format!(
            "it holds {bytes} bytes of database where its manifest says {}",
            manifest.payload_bytes
        ))
        .into());
    }
    if sha256 != manifest.payload_sha256 {
        return Err(damaged(format!(
            "the checksum of its database is {sha256}, not {} as its manifest says",
            manifest.payload_sha256
        ))
        .into());
    }
    if manifest.backend != "sqlite" {
        return Err(damaged(format!(
            "it names an unknown backend {:?}",
            manifest.backend
        ))
        .into());
    }
    let known = known_migrations(true);
    let unknown: Vec<&str> = manifest
        .migrations
        .iter()
        .filter(|m| !known.contains(m))
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        return Err(BackupError::NewerSchema {
            path: path.to_owned(),
            backup: manifest.schema_version.clone(),
            known: known.last().cloned().unwrap_or_default(),
            unknown: unknown.join(", "),
        }
        .into());
    }
    Ok((manifest, offset))
}

/// What a restore did.
#[derive(Debug)]
pub struct Restored {
    /// The backup's manifest.
    pub manifest: Manifest,
    /// Migrations applied after restoring, to bring an older backup up to
    /// this binary's schema.
    pub migrated: Vec<String>,
}

#[derive(QueryableByName)]
struct Named {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct Counted {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The rows in every table of the SQLite database but the migrations'.
fn rows(conn: &mut SqliteConnection) -> QueryResult<i64> {
    let tables: Vec<Named> = diesel::sql_query(
        "SELECT name FROM sqlite_master WHERE type = 'table' \
         AND name NOT LIKE 'sqlite_%' AND name <> '__diesel_schema_migrations'",
    )
    .load(conn)?;
    let mut total = 0;
    for table in tables {
        let counted: Counted = diesel::sql_query(format!(
            "SELECT count(*) AS n FROM \"{}\"",
            table.name.replace('"', "\"\"")
        ))
        .get_result(conn)?;
        total += counted.n;
    }
    Ok(total)
}

/// Restore the backup at `file` into the SQLite database at `target`,
/// which must be missing or empty unless `replace`. The file is checked
/// whole first ([`verify`]); the database is written beside the target,
/// checked (`PRAGMA integrity_check`), migrated forward, and only then
/// renamed onto it. The service must not be running on `target`.
pub fn restore(file: &Path, target: &DatabaseLocation, replace: bool) -> anyhow::Result<Restored> {
    let (manifest, offset) = verify(file)?;
    let path = match target {
        DatabaseLocation::Postgres(_) => {
            return Err(BackupError::Postgres(Direction::Restore).into())
        }
        DatabaseLocation::Sqlite(path) if path == ":memory:" => {
            anyhow::bail!("cannot restore into an in-memory database")
        }
        DatabaseLocation::Sqlite(path) => PathBuf::from(path),
    };
    if path.exists() {
        let mut existing = SqliteConnection::establish(utf8(&path)?)?;
        let held = rows(&mut existing)
            .map_err(|e| anyhow::anyhow!("cannot read the database at {}: {e}", path.display()))?;
        if held > 0 && !replace {
            return Err(BackupError::NotEmpty {
                path: path.display().to_string(),
                rows: held,
            }
            .into());
        }
    }
    let restored = Scratch(Some(beside(&path, "restore")));
    {
        let mut source = BufReader::new(File::open(file)?);
        io::copy(&mut (&mut source).take(offset), &mut io::sink())?;
        let mut out = File::create(restored.path())?;
        let (sha256, _) = digest(source, Some(&mut out))?;
        if sha256 != manifest.payload_sha256 {
            anyhow::bail!(
                "{} changed while it was restored; try again",
                file.display()
            );
        }
        out.sync_all()?;
    }
    let migrated = {
        let mut conn = SqliteConnection::establish(utf8(restored.path())?)?;
        let check: Vec<Checked> = diesel::sql_query("PRAGMA integrity_check").load(&mut conn)?;
        let problems: Vec<String> = check
            .into_iter()
            .map(|c| c.integrity_check)
            .filter(|c| c != "ok")
            .collect();
        if !problems.is_empty() {
            return Err(BackupError::Damaged {
                path: file.to_owned(),
                why: format!("its database fails SQLite's check: {}", problems.join("; ")),
            }
            .into());
        }
        let mut conn = DbConnection::Sqlite(conn);
        let migrated = run_migrations(&mut conn)?;
        if let DbConnection::Sqlite(c) = &mut conn {
            c.batch_execute("PRAGMA wal_checkpoint(TRUNCATE);")?;
        }
        migrated
    };
    for suffix in ["-wal", "-shm"] {
        let mut side = path.clone().into_os_string();
        side.push(suffix);
        let side = PathBuf::from(side);
        if side.exists() {
            fs::remove_file(&side)?;
        }
    }
    fs::rename(restored.path(), &path)
        .map_err(|e| anyhow::anyhow!("writing {} failed: {e}", path.display()))?;
    restored.keep();
    Ok(Restored { manifest, migrated })
}

#[derive(QueryableByName)]
struct Checked {
    #[diesel(sql_type = Text)]
    integrity_check: String,
}

/// The name of a scheduled backup taken at `at`:
/// `balint-YYYYMMDDTHHMMSSZ.backup`.
pub fn scheduled_name(at: DateTime<Utc>) -> String {
    format!("balint-{}.backup", at.format("%Y%m%dT%H%M%SZ"))
}

/// When the scheduled backup named `name` was taken; none for any other
/// name.
pub fn scheduled_at(name: &str) -> Option<NaiveDateTime> {
    let stamp = name.strip_prefix("balint-")?.strip_suffix(".backup")?;
    NaiveDateTime::parse_from_str(stamp, "%Y%m%dT%H%M%SZ").ok()
}

/// Of the file `names` in the backup directory, the scheduled backups to
/// delete so that the newest `keep` (at least one) remain. Names that are
/// not scheduled backups are never chosen.
pub fn to_prune(names: &[String], keep: usize) -> Vec<String> {
    let mut scheduled: Vec<(NaiveDateTime, &String)> = names
        .iter()
        .filter_map(|name| scheduled_at(name).map(|at| (at, name)))
        .collect();
    scheduled.sort_by(|a, b| b.cmp(a));
    scheduled
        .into_iter()
        .skip(keep.max(1))
        .map(|(_, name)| name.clone())
        .collect()
}

/// A scheduled backup: a new file in `dir`, then every scheduled backup
/// but the newest `keep` deleted. Returns the new file and those deleted.
pub fn scheduled(
    conn: &mut DbConnection,
    dir: &Path,
    keep: usize,
    now: DateTime<Utc>,
) -> anyhow::Result<(PathBuf, Vec<PathBuf>)> {
    fs::create_dir_all(dir).map_err(|e| {
        anyhow::anyhow!("cannot create the backup directory {}: {e}", dir.display())
    })?;
    let file = dir.join(scheduled_name(now));
    create(conn, &file, now)?;
    let names: Vec<String> = fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    let mut deleted = Vec::new();
    for name in to_prune(&names, keep) {
        let old = dir.join(name);
        fs::remove_file(&old)?;
        deleted.push(old);
    }
    Ok((file, deleted))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(day: u32, hour: u32) -> String {
        scheduled_name(Utc.with_ymd_and_hms(2026, 12, day, hour, 0, 0).unwrap())
    }

    #[test]
    fn the_newest_are_kept_and_other_files_left_alone() {
        let names = vec![
            at(3, 6),
            "notes.txt".to_owned(),
            at(1, 18),
            at(3, 0),
            "balint-manual.backup".to_owned(),
            at(2, 12),
            at(10, 0),
        ];
        assert_eq!(to_prune(&names, 3), vec![at(2, 12), at(1, 18)]);
        assert_eq!(to_prune(&names, 5), Vec::<String>::new());
        assert_eq!(to_prune(&names, 0), to_prune(&names, 1));
        assert_eq!(
            to_prune(&names, 1),
            vec![at(3, 6), at(3, 0), at(2, 12), at(1, 18)]
        );
    }

    #[test]
    fn a_scheduled_name_reads_back_as_its_time() {
        let when = Utc.with_ymd_and_hms(2026, 12, 3, 9, 15, 42).unwrap();
        assert_eq!(scheduled_name(when), "balint-20261203T091542Z.backup");
        assert_eq!(scheduled_at(&scheduled_name(when)), Some(when.naive_utc()));
        assert_eq!(scheduled_at("balint-20261203.backup"), None);
    }
}
