//! The database's work for a request: run on the blocking thread pool
//! within a deadline ([`run`]), and a transaction that writes ([`write()`]),
//! rolled back when its request was answered already.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::Connection;

use super::{DbConnection, DbPool};
use crate::error::ApiError;

/// Run diesel code on the blocking thread pool with a pooled connection.
///
/// The async workers never wait on the database; a pool that cannot hand
/// out a connection (the database is away) becomes a 503, and so does
/// work the database has not answered within the pool's
/// [`DbPool::deadline`] (a database gone silent: neither refusing nor
/// answering).
pub async fn run<F, T>(pool: &DbPool, f: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    run_within(pool, pool.deadline(), f).await
}

/// [`run`], answering 503 after `deadline` at most (the wait for a
/// connection included).
///
/// A blocking call into the database cannot be interrupted: past the
/// deadline the request is answered and the work is left to finish or
/// fail on its own (keepalive and `tcp_user_timeout` end a connection to a
/// database that went away). It is marked abandoned, so a transaction of
/// [`write()`] that gets that far rolls back instead of committing what the
/// caller was told failed.
pub async fn run_within<F, T>(pool: &DbPool, deadline: Duration, f: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    blocking(pool, deadline, f).await
}

/// An error the work of an action on the database may end with: its own
/// refusals, and what the database answered (converted from [`ApiError`]).
pub trait WorkError: From<ApiError> + Send + 'static {
    /// Whether the database may have gone away (its connection is pinged
    /// before its next use).
    fn unavailable(&self) -> bool;
}

impl WorkError for ApiError {
    fn unavailable(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}

/// [`run`] for an action with an error type of its own: `f` may end with
/// one of its refusals, and the database's failures are converted into it.
pub async fn run_as<F, T, E>(pool: &DbPool, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: WorkError,
{
    blocking(pool, pool.deadline(), f).await
}

async fn blocking<F, T, E>(pool: &DbPool, deadline: Duration, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: WorkError,
{
    let pool = pool.clone();
    let abandoned = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&abandoned);
    let work = actix_web::web::block(move || {
        let mut conn = pool
            .get_timeout(pool.connection_timeout().min(deadline))
            .map_err(ApiError::from)?;
        ABANDONED.with(|a| *a.borrow_mut() = Some(flag));
        let result = f(&mut conn);
        ABANDONED.with(|a| *a.borrow_mut() = None);
        if result.as_ref().is_err_and(WorkError::unavailable) {
            // The database may have gone away: ping before the next use.
            conn.suspect();
        }
        result
    });
    match tokio::time::timeout(deadline, work).await {
        Ok(done) => done.map_err(|e| {
            E::from(ApiError::Internal(anyhow::anyhow!(
                "blocking task failed: {e}"
            )))
        })?,
        Err(_) => {
            abandoned.store(true, Ordering::SeqCst);
            Err(E::from(ApiError::Unavailable(anyhow::anyhow!(
                "the database did not answer within {} ms",
                deadline.as_millis()
            ))))
        }
    }
}

thread_local! {
    /// Set while [`run_within`] runs work on this thread: whether its
    /// request was already answered.
    static ABANDONED: RefCell<Option<Arc<AtomicBool>>> = const { RefCell::new(None) };
}

/// Whether the request this work is for was already answered 503.
fn abandoned() -> bool {
    ABANDONED.with(|a| {
        a.borrow()
            .as_ref()
            .is_some_and(|flag| flag.load(Ordering::SeqCst))
    })
}

/// Run `f` in a transaction that writes.
///
/// On SQLite the write lock is taken first (waiting up to busy_timeout):
/// a plain transaction that reads and then writes can fail at once with
/// "database is locked" when another writer got there in between. Work
/// whose request was answered already (see [`run_within`]) is rolled back.
pub fn write<T>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    write_as(conn, f)
}

/// [`write()`] for an action with an error type of its own: any error of
/// `f`, a refusal as much as a failure, rolls the transaction back.
pub fn write_as<T, E: From<ApiError>>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E> {
    /// Why the transaction rolled back: diesel's own error or `f`'s.
    enum Rollback<E> {
        Because(E),
    }
    impl<E: From<ApiError>> From<diesel::result::Error> for Rollback<E> {
        fn from(e: diesel::result::Error) -> Self {
            Self::Because(E::from(ApiError::from(e)))
        }
    }
    let done = conn.transaction(|conn| {
        if let DbConnection::Sqlite(sqlite) = conn {
            // A no-op write statement takes SQLite's RESERVED lock.
            sqlite.batch_execute("DELETE FROM login_throttle WHERE 0")?;
        }
        let done = f(conn).map_err(Rollback::Because)?;
        if abandoned() {
            return Err(Rollback::Because(E::from(ApiError::Unavailable(
                anyhow::anyhow!(
                    "rolled back: the request was answered before the database was done"
                ),
            ))));
        }
        Ok(done)
    });
    done.map_err(|Rollback::Because(e)| e)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::time::Instant;

    use diesel::SqliteConnection;

    use super::*;
    use crate::config::DatabaseSettings;
    use crate::db::{pool, run_migrations, schema};

    /// A migrated SQLite database in a directory of its own: the directory,
    /// the database's URL and a pool on it.
    fn fresh() -> (std::path::PathBuf, String, DbPool) {
        let dir = std::env::temp_dir().join(format!("balint-db-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let url = dir.join("t.db").display().to_string();
        let pool = pool(&DatabaseSettings::new(url.clone()));
        run_migrations(&mut pool.get().unwrap()).unwrap();
        (dir, url, pool)
    }

    fn throttled(conn: &mut DbConnection) -> i64 {
        use diesel::prelude::*;
        schema::login_throttle::table
            .count()
            .get_result(conn)
            .unwrap()
    }

    /// A refusal of an action's own, after it wrote: an error that is no
    /// [`ApiError`].
    #[derive(Debug, PartialEq)]
    enum Refused {
        No,
        Failed,
    }

    impl From<ApiError> for Refused {
        fn from(_: ApiError) -> Self {
            Self::Failed
        }
    }

    #[test]
    fn a_refusal_of_write_as_rolls_back_what_it_wrote() {
        let (dir, _, pool) = fresh();
        let mut conn = pool.get().unwrap();
        let refused = write_as(&mut conn, |conn| {
            conn.batch_execute(
                "INSERT INTO login_throttle VALUES ('email:no@example.org', 1, '2026-01-01 00:00:00')",
            )
            .map_err(|e| Refused::from(ApiError::from(e)))?;
            Err::<(), _>(Refused::No)
        });
        assert_eq!(refused, Err(Refused::No));
        assert_eq!(throttled(&mut conn), 0, "refused, yet committed");
        drop(conn);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_write_transaction_holds_the_sqlite_write_lock_from_its_start() {
        let (dir, url, pool) = fresh();

        let mut other = SqliteConnection::establish(&url).unwrap();
        other.batch_execute("PRAGMA busy_timeout = 0").unwrap();
        let mut conn = pool.get().unwrap();
        write(&mut conn, |_| {
            // Another writer cannot start while this transaction is open.
            let refused = other.batch_execute("BEGIN IMMEDIATE");
            assert!(refused.is_err(), "the write lock was not held");
            Ok(())
        })
        .unwrap();
        other.batch_execute("BEGIN IMMEDIATE; ROLLBACK").unwrap();
        drop(conn);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn a_write_answered_503_for_taking_too_long_is_rolled_back() {
        let (dir, url, pool) = fresh();

        // Another writer holds the write lock, so the write waits for it.
        let mut other = SqliteConnection::establish(&url).unwrap();
        other.batch_execute("BEGIN IMMEDIATE").unwrap();
        let answer = run_within(&pool, Duration::from_millis(200), |conn| {
            write(conn, |conn| {
                conn.batch_execute(
                    "INSERT INTO login_throttle VALUES ('email:late@example.org', 1, '2026-01-01 00:00:00')",
                )?;
                Ok(())
            })
        })
        .await;
        assert!(
            matches!(answer, Err(ApiError::Unavailable(_))),
            "{answer:?}"
        );

        // The lock is let go; the write goes on, and must not commit.
        other.batch_execute("COMMIT").unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while pool.state().idle_connections < pool.state().connections {
            assert!(Instant::now() < deadline, "the write never finished");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let mut conn = pool.get().unwrap();
        assert_eq!(throttled(&mut conn), 0, "answered 503, yet committed");
        drop(conn);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
