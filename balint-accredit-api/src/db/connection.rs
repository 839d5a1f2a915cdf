//! The connection to SQLite or PostgreSQL, the pool that hands it out, the
//! command line's own connection, and the migrations.

use std::ops::{Deref, DerefMut};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::r2d2::{self, ManageConnection, R2D2Connection};
use diesel::{Connection, ConnectionError, PgConnection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::config::DatabaseSettings;

/// A connection to whichever database `DATABASE_URL` names.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    /// The embedded default.
    Sqlite(SqliteConnection),
    /// The production database.
    Postgres(PgConnection),
}

impl std::fmt::Debug for DbConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Sqlite(_) => "DbConnection::Sqlite",
            Self::Postgres(_) => "DbConnection::Postgres",
        })
    }
}

/// Which database a URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseLocation {
    /// A SQLite file (or `:memory:`).
    Sqlite(String),
    /// A PostgreSQL connection URL.
    Postgres(String),
}

impl DatabaseLocation {
    /// `postgres://` and `postgresql://` URLs are PostgreSQL; anything else
    /// is a SQLite path, with an optional `sqlite://` prefix.
    pub fn from_url(url: &str) -> Self {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Self::Postgres(url.to_owned())
        } else {
            let path = url.strip_prefix("sqlite://").unwrap_or(url);
            Self::Sqlite(path.to_owned())
        }
    }
}

/// Opens connections for the pool; chooses the backend from the URL instead
/// of trying each in turn, so a PostgreSQL error is reported as such.
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    location: DatabaseLocation,
    limits: Limits,
}

/// How long a connection may wait on the database, set on each connection
/// as it is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Limits {
    /// libpq's `connect_timeout`, in seconds.
    connect_timeout_secs: u64,
    /// TCP keepalive and `tcp_user_timeout`, in seconds (0: the system's).
    keepalive_secs: u64,
    /// PostgreSQL's `statement_timeout` (none for the command-line jobs).
    statement_timeout: Option<Duration>,
    /// SQLite's `busy_timeout`.
    busy_timeout: Duration,
}

impl Limits {
    /// For the server: every statement bounded.
    fn serving(settings: &DatabaseSettings) -> Self {
        Self {
            statement_timeout: Some(settings.statement_timeout()),
            ..Self::jobs(settings)
        }
    }

    /// For migrations and the command-line jobs, whose statements (an
    /// import's `COPY`) may take longer than a request's.
    fn jobs(settings: &DatabaseSettings) -> Self {
        Self {
            connect_timeout_secs: settings.db_connect_timeout_secs,
            keepalive_secs: settings.db_keepalive_secs,
            statement_timeout: None,
            busy_timeout: settings.statement_timeout(),
        }
    }

    /// `url` with the connection parameters these limits ask for, each
    /// added only where the URL does not set it already.
    fn postgres_url(&self, url: &str) -> String {
        let mut params = Vec::new();
        if self.connect_timeout_secs > 0 {
            params.push(("connect_timeout", self.connect_timeout_secs.to_string()));
        }
        if self.keepalive_secs > 0 {
            let idle = self.keepalive_secs;
            params.extend([
                ("keepalives", "1".to_owned()),
                ("keepalives_idle", idle.to_string()),
                ("keepalives_interval", (idle / 3).max(1).to_string()),
                ("keepalives_count", "3".to_owned()),
                ("tcp_user_timeout", (idle.saturating_mul(1000)).to_string()),
            ]);
        }
        let query = url.split_once('?').map_or("", |(_, q)| q);
        let given: Vec<&str> = query
            .split('&')
            .filter_map(|pair| pair.split('=').next())
            .collect();
        let mut out = url.to_owned();
        for (name, value) in params {
            if given.contains(&name) {
                continue;
            }
            out.push(if out.contains('?') { '&' } else { '?' });
            out.push_str(name);
            out.push('=');
            out.push_str(&value);
        }
        out
    }
}

/// Why a database connection could not be opened or set up.
#[derive(Debug, thiserror::Error)]
pub enum DbConnectError {
    #[error(transparent)]
    Connection(#[from] ConnectionError),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
}

/// How long a pooled connection is trusted without a ping: one used or
/// pinged within this time is handed out as it is, so a busy server pings
/// each connection at most once a second instead of once a request.
const TRUSTED_FOR: Duration = Duration::from_secs(1);

/// A connection in the pool, with the moment it was last known to work.
/// Dereferences to the [`DbConnection`] itself.
pub struct PooledDb {
    conn: DbConnection,
    alive_at: Option<Instant>,
}

impl PooledDb {
    /// Makes the next check-out ping the connection before handing it out
    /// (used when a request found the database unavailable).
    pub fn suspect(&mut self) {
        self.alive_at = None;
    }
}

impl Deref for PooledDb {
    type Target = DbConnection;
    fn deref(&self) -> &DbConnection {
        &self.conn
    }
}

impl DerefMut for PooledDb {
    fn deref_mut(&mut self) -> &mut DbConnection {
        &mut self.conn
    }
}

impl std::fmt::Debug for PooledDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.conn.fmt(f)
    }
}

impl ManageConnection for ConnectionManager {
    type Connection = PooledDb;
    type Error = DbConnectError;

    fn connect(&self) -> Result<PooledDb, DbConnectError> {
        let conn = match &self.location {
            DatabaseLocation::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(path)?;
                // Per connection: WAL lets readers run beside a writer,
                // busy_timeout waits for a lock instead of failing at once,
                // and SQLite leaves foreign keys off unless asked.
                conn.batch_execute(&format!(
                    "PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = NORMAL; \
                     PRAGMA busy_timeout = {}; \
                     PRAGMA foreign_keys = ON;",
                    self.limits.busy_timeout.as_millis()
                ))?;
                DbConnection::Sqlite(conn)
            }
            DatabaseLocation::Postgres(url) => {
                // Connect timeout and keepalive in the URL, so libpq
                // applies them from the first packet; a database that stops
                // answering mid-statement is left to `run`'s deadline.
                let mut conn = PgConnection::establish(&self.limits.postgres_url(url))?;
                if let Some(limit) = self.limits.statement_timeout {
                    conn.batch_execute(&format!("SET statement_timeout = {}", limit.as_millis()))?;
                }
                DbConnection::Postgres(conn)
            }
        };
        Ok(PooledDb {
            conn,
            alive_at: Some(Instant::now()),
        })
    }

    /// Pings a connection not known to work within the last second, so a
    /// database that went away is noticed at check-out (503) rather than
    /// half-way through a request.
    fn is_valid(&self, pooled: &mut PooledDb) -> Result<(), DbConnectError> {
        let now = Instant::now();
        if pooled
            .alive_at
            .is_some_and(|at| now.duration_since(at) < TRUSTED_FOR)
        {
            return Ok(());
        }
        pooled.conn.ping().map_err(DbConnectError::Query)?;
        pooled.alive_at = Some(now);
        Ok(())
    }

    fn has_broken(&self, pooled: &mut PooledDb) -> bool {
        pooled.conn.is_broken()
    }
}

/// The pool every handler draws connections from, with the time a
/// request's database work may take once it has its connection.
#[derive(Clone)]
pub struct DbPool {
    pool: r2d2::Pool<ConnectionManager>,
    statement_timeout: Duration,
}

impl Deref for DbPool {
    type Target = r2d2::Pool<ConnectionManager>;
    fn deref(&self) -> &Self::Target {
        &self.pool
    }
}

impl std::fmt::Debug for DbPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbPool")
            .field("max_size", &self.pool.max_size())
            .field("connection_timeout", &self.pool.connection_timeout())
            .field("statement_timeout", &self.statement_timeout)
            .finish()
    }
}

impl DbPool {
    /// The longest [`run`](super::run) waits: for a connection, then for the work.
    pub fn deadline(&self) -> Duration {
        self.pool.connection_timeout() + self.statement_timeout
    }
}

/// Build the pool. It opens no connection yet, so a server can start (and
/// answer 503) while the database is away; `run_migrations` fails instead.
pub fn pool(settings: &DatabaseSettings) -> DbPool {
    let location = DatabaseLocation::from_url(&settings.database_url);
    let manager = ConnectionManager {
        location,
        limits: Limits::serving(settings),
    };
    let pool = r2d2::Pool::builder()
        .max_size(settings.pool_size.max(1))
        .min_idle(Some(0))
        .connection_timeout(settings.connection_timeout())
        .idle_timeout(Some(Duration::from_secs(300)))
        // Ping on check-out (unless the connection was used a moment ago)
        // so a dead database is noticed and the request gets 503 rather
        // than failing half-way.
        .test_on_check_out(true)
        .build_unchecked(manager);
    DbPool {
        pool,
        statement_timeout: settings.statement_timeout(),
    }
}

/// One connection for a job that may run long (migrations, the
/// command-line jobs): connect timeout and keepalive as configured, no
/// statement timeout.
pub fn connect_for_job(settings: &DatabaseSettings) -> Result<PooledDb, DbConnectError> {
    ConnectionManager {
        location: DatabaseLocation::from_url(&settings.database_url),
        limits: Limits::jobs(settings),
    }
    .connect()
}

/// The database a command names is not there, and the command does not
/// create one.
#[derive(Debug, thiserror::Error)]
pub enum NoDatabase {
    /// No SQLite file at this path.
    #[error("no database at {0}; run `balint-accredit migrate` or `serve` first to create it")]
    SqliteFile(String),
    /// The PostgreSQL server has no such database, in its own words.
    #[error(
        "no such database on the PostgreSQL server ({0}); create it there, then run `balint-accredit migrate`"
    )]
    Postgres(String),
}

/// One connection to the database `settings` name, which must be there
/// already, migrated: for the command-line jobs other than `serve` and
/// `migrate`, which never create a database by accident. The SQLite file
/// is looked for before SQLite, which would create it (and its `-wal` and
/// `-shm` files), is asked to open it; PostgreSQL is asked once, and a
/// refusal is reported in its words.
pub fn open_existing(settings: &DatabaseSettings) -> anyhow::Result<PooledDb> {
    let mut conn = open_existing_as_it_is(settings)?;
    run_migrations(&mut conn)?;
    Ok(conn)
}

/// [`open_existing`] without migrating it (for `check`, which reports
/// what is not applied instead).
pub fn open_existing_as_it_is(settings: &DatabaseSettings) -> anyhow::Result<PooledDb> {
    let location = DatabaseLocation::from_url(&settings.database_url);
    if let DatabaseLocation::Sqlite(path) = &location {
        if path != ":memory:" && !std::path::Path::new(path).is_file() {
            return Err(NoDatabase::SqliteFile(path.clone()).into());
        }
    }
    let conn = connect_for_job(settings).map_err(|e| match e {
        DbConnectError::Connection(ConnectionError::BadConnection(words)) => {
            // libpq's words run over lines, with doubled spaces.
            let words = words
                .lines()
                .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
                .filter(|line| !line.is_empty())
                .collect::<Vec<_>>()
                .join("; ");
            if words.contains("database \"") && words.contains("does not exist") {
                NoDatabase::Postgres(words).into()
            } else {
                anyhow::anyhow!("cannot connect to the database: {words}")
            }
        }
        other => anyhow::anyhow!("cannot connect to the database: {other}"),
    })?;
    Ok(conn)
}

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/postgres");

/// The versions of the migrations this binary knows for the SQLite
/// database (`true`) or PostgreSQL (`false`), oldest first.
pub fn known_migrations(sqlite: bool) -> Vec<String> {
    use diesel::backend::Backend;
    use diesel::migration::MigrationSource;

    fn versions<DB: Backend>(source: &dyn MigrationSource<DB>) -> Vec<String> {
        let mut versions: Vec<String> = source
            .migrations()
            .map(|all| all.iter().map(|m| m.name().version().to_string()).collect())
            .unwrap_or_default();
        versions.sort();
        versions
    }
    if sqlite {
        versions::<diesel::sqlite::Sqlite>(&SQLITE_MIGRATIONS)
    } else {
        versions::<diesel::pg::Pg>(&POSTGRES_MIGRATIONS)
    }
}

/// The versions of the migrations applied to the database, oldest first.
pub fn applied_migrations(conn: &mut DbConnection) -> anyhow::Result<Vec<String>> {
    let applied = match conn {
        DbConnection::Sqlite(c) => c.applied_migrations(),
        DbConnection::Postgres(c) => c.applied_migrations(),
    }
    .map_err(|e| anyhow::anyhow!("reading the applied migrations failed: {e}"))?;
    let mut versions: Vec<String> = applied.into_iter().map(|v| v.to_string()).collect();
    versions.sort();
    Ok(versions)
}

/// The migration that made the audit log a hash chain: the records
/// already there are chained once it is applied.
const AUDIT_CHAIN_MIGRATION: &str = "20261221000100";

/// The migration that keeps the audit chain's head beside the log: the
/// head is set from the log once it is applied.
const AUDIT_HEAD_MIGRATION: &str = "20261226000300";

/// The migration that gave each audit record a digest of its content: the
/// log is chained anew over the digests once it is applied.
const AUDIT_DIGEST_MIGRATION: &str = "20270104000100";

/// Apply every pending migration; returns the names applied. When the
/// audit log has just become a hash chain, the records it held are chained
/// (`db::audit::chain_existing`) in the same run, and when its head has
/// just got a table, the head is set from the log (`db::audit::anchor_head`);
/// when its records have just got a digest of their content, the log is
/// chained anew over the digests (`db::audit::chain_with_digests`).
pub fn run_migrations(conn: &mut DbConnection) -> anyhow::Result<Vec<String>> {
    let applied = match conn {
        DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
        DbConnection::Postgres(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS),
    }
    .map_err(|e| anyhow::anyhow!("migrating the database failed: {e}"))?;
    let applied: Vec<String> = applied.into_iter().map(|v| v.to_string()).collect();
    if applied.iter().any(|v| v == AUDIT_CHAIN_MIGRATION) {
        conn.transaction(super::audit::chain_existing)
            .map_err(|e| anyhow::anyhow!("chaining the audit log failed: {e}"))?;
    }
    if applied.iter().any(|v| v == AUDIT_HEAD_MIGRATION) {
        conn.transaction(super::audit::anchor_head)
            .map_err(|e| anyhow::anyhow!("anchoring the audit chain's head failed: {e}"))?;
    }
    if applied.iter().any(|v| v == AUDIT_DIGEST_MIGRATION) {
        conn.transaction(super::audit::chain_with_digests)
            .map_err(|e| anyhow::anyhow!("chaining the audit log over digests failed: {e}"))?;
    }
    Ok(applied)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn every_migration_has_a_version_of_its_own_and_both_backends_the_same() {
        // Two migrations with one version would leave one of them unrun
        // on a database that has the other: the version is the identity.
        for sqlite in [true, false] {
            let versions = known_migrations(sqlite);
            let mut unique = versions.clone();
            unique.dedup();
            assert_eq!(unique, versions, "a migration version is used twice");
        }
        assert_eq!(known_migrations(true), known_migrations(false));
    }

    #[test]
    fn records_written_before_the_audit_chain_are_chained_by_its_migration() {
        use crate::db::audit;

        let mut conn = DbConnection::Sqlite(SqliteConnection::establish(":memory:").unwrap());
        run_migrations(&mut conn).unwrap();
        let DbConnection::Sqlite(sqlite) = &mut conn else {
            unreachable!()
        };
        while applied_migrations_of(sqlite).contains(&AUDIT_CHAIN_MIGRATION.to_owned()) {
            sqlite.revert_last_migration(SQLITE_MIGRATIONS).unwrap();
        }
        sqlite
            .batch_execute(
                "INSERT INTO audit_log (occurred_at, action, entity_type, entity_id) VALUES \
                 ('2026-01-01 10:00:00', 'create', 'society', 's-1'), \
                 ('2026-01-02 10:00:00', 'update', 'society', 's-1');",
            )
            .unwrap();
        let applied = run_migrations(&mut conn).unwrap();
        assert!(applied.contains(&AUDIT_CHAIN_MIGRATION.to_owned()));
        assert!(applied.contains(&AUDIT_HEAD_MIGRATION.to_owned()));
        assert_eq!(
            audit::check_chain(&mut conn).unwrap().problems,
            Vec::<String>::new()
        );
        // The head is set from the chained log.
        let (head, problems) = audit::check_head(&mut conn).unwrap();
        assert_eq!(head.map(|h| h.last_id), Some(2));
        assert!(problems.is_empty(), "{problems:?}");
        // And the chain goes on from them.
        crate::db::write(&mut conn, |conn| {
            audit::record(
                conn,
                audit::Change {
                    actor_user_id: None,
                    society_id: None,
                    action: audit::Action::Delete,
                    entity: audit::Entity::Society,
                    entity_id: "s-1",
                    before: None,
                    after: None,
                    at: crate::db::now(),
                },
            )
            .map_err(Into::into)
        })
        .unwrap();
        let checked = audit::check_chain(&mut conn).unwrap();
        assert_eq!((checked.records, checked.problems), (3, vec![]));
        let (head, problems) = audit::check_head(&mut conn).unwrap();
        assert_eq!(head.map(|h| h.last_id), Some(3));
        assert!(problems.is_empty(), "{problems:?}");
    }

    #[test]
    fn an_old_chain_is_chained_anew_over_digests_and_what_was_changed_before_stays_found() {
        use crate::db::audit;

        let mut conn = DbConnection::Sqlite(SqliteConnection::establish(":memory:").unwrap());
        run_migrations(&mut conn).unwrap();
        let DbConnection::Sqlite(sqlite) = &mut conn else {
            unreachable!()
        };
        while applied_migrations_of(sqlite).contains(&AUDIT_DIGEST_MIGRATION.to_owned()) {
            sqlite.revert_last_migration(SQLITE_MIGRATIONS).unwrap();
        }
        // A log as the chain over the records' content left it: three
        // records chained, and the head set; then the second changed
        // behind the service's back.
        sqlite
            .batch_execute(
                "INSERT INTO audit_log (occurred_at, action, entity_type, entity_id, after_json) \
                 VALUES ('2026-01-01 10:00:00', 'create', 'person', 'p-1', '{\"email\":\"a@b.org\"}'), \
                 ('2026-01-02 10:00:00', 'update', 'person', 'p-1', '{\"city\":\"Hobart\"}'), \
                 ('2026-01-03 10:00:00', 'update', 'person', 'p-2', NULL);",
            )
            .unwrap();
        // Chained as the binary of that time chained them (its reading of
        // the log now reads the digest's column too: there for the while).
        let DbConnection::Sqlite(sqlite) = &mut conn else {
            unreachable!()
        };
        sqlite
            .batch_execute("ALTER TABLE audit_log ADD COLUMN content_hash TEXT")
            .unwrap();
        conn.transaction(audit::chain_existing).unwrap();
        conn.transaction(audit::anchor_head).unwrap();
        let DbConnection::Sqlite(sqlite) = &mut conn else {
            unreachable!()
        };
        sqlite
            .batch_execute(
                "ALTER TABLE audit_log DROP COLUMN content_hash; \
                 UPDATE audit_log SET after_json = '{\"city\":\"Perth\"}' WHERE id = 2",
            )
            .unwrap();

        let applied = run_migrations(&mut conn).unwrap();
        // The digest's migration first, then any made after it.
        assert_eq!(applied.first(), Some(&AUDIT_DIGEST_MIGRATION.to_owned()));
        let checked = audit::check_chain(&mut conn).unwrap();
        assert_eq!(checked.records, 3);
        assert_eq!(checked.problems.len(), 1, "{:?}", checked.problems);
        assert!(
            checked.problems[0].starts_with("audit record 2 (update person p-1) carries no digest"),
            "{:?}",
            checked.problems
        );
        let (head, problems) = audit::check_head(&mut conn).unwrap();
        assert_eq!(head.map(|h| h.last_id), Some(3));
        assert!(problems.is_empty(), "{problems:?}");
        // Once is enough: again, nothing changes.
        assert_eq!(conn.transaction(audit::chain_with_digests).unwrap(), 0);
        // The first record is now held to its digest: a change is found.
        let DbConnection::Sqlite(sqlite) = &mut conn else {
            unreachable!()
        };
        sqlite
            .batch_execute(
                "UPDATE audit_log SET after_json = '{\"email\":\"c@d.org\"}' WHERE id = 1",
            )
            .unwrap();
        let checked = audit::check_chain(&mut conn).unwrap();
        assert_eq!(checked.problems.len(), 2, "{:?}", checked.problems);
        assert!(checked.problems[1]
            .starts_with("audit record 1 (create person p-1) does not match its hash"));
    }

    fn applied_migrations_of(sqlite: &mut SqliteConnection) -> Vec<String> {
        sqlite
            .applied_migrations()
            .unwrap()
            .into_iter()
            .map(|v| v.to_string())
            .collect()
    }

    #[test]
    fn urls_choose_the_database() {
        assert_eq!(
            DatabaseLocation::from_url("sqlite://balint.db"),
            DatabaseLocation::Sqlite("balint.db".into())
        );
        assert_eq!(
            DatabaseLocation::from_url("/var/lib/balint.db"),
            DatabaseLocation::Sqlite("/var/lib/balint.db".into())
        );
        assert!(matches!(
            DatabaseLocation::from_url("postgresql://u@h/db"),
            DatabaseLocation::Postgres(_)
        ));
    }
}
