//! Login sessions (bearer tokens by digest) and failed-login throttling.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::auth::throttle::Counter;
use crate::auth::AuthenticatedUser;
use crate::db::schema::{disabled_logins, login_throttle, sessions, users};
use crate::db::{on_connection, users as db_users, DbConnection};
use crate::error::ApiError;

#[derive(Debug, Insertable)]
#[diesel(table_name = sessions)]
struct NewSession<'a> {
    token_hash: &'a str,
    user_id: &'a str,
    created_at: NaiveDateTime,
    expires_at: NaiveDateTime,
}

/// Store a session for `user_id` under `token_digest`, and note on the
/// login that it signed in `now`.
pub fn create(
    conn: &mut DbConnection,
    token_digest: &str,
    user_id: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(sessions::table)
        .values(NewSession {
            token_hash: token_digest,
            user_id,
            created_at: now,
            expires_at,
        })
        .execute(conn)?;
    diesel::update(users::table.find(user_id))
        .set(users::last_signed_in_at.eq(Some(now)))
        .execute(conn)
        .map(|_| ())
}

/// The login behind a token digest, if the session exists, has not expired
/// and was not revoked, and the login is not disabled.
pub fn authenticate(
    conn: &mut DbConnection,
    token_digest: &str,
    now: NaiveDateTime,
) -> Result<Option<AuthenticatedUser>, ApiError> {
    let found: Option<(String, String, bool)> = sessions::table
        .inner_join(users::table)
        .filter(sessions::token_hash.eq(token_digest))
        .filter(sessions::expires_at.gt(now))
        .filter(sessions::revoked_at.is_null())
        // A disabled login's tokens are refused.
        .filter(diesel::dsl::not(diesel::dsl::exists(
            disabled_logins::table.filter(disabled_logins::user_id.eq(users::id)),
        )))
        .select((users::id, users::email, users::is_platform_admin))
        .first(conn)
        .optional()?;
    let Some((user_id, email, is_platform_admin)) = found else {
        return Ok(None);
    };
    let roles = db_users::roles_of(conn, &user_id)?;
    Ok(Some(AuthenticatedUser {
        user_id,
        email,
        is_platform_admin,
        roles,
        token_digest: token_digest.to_owned(),
    }))
}

/// Revoke one session.
pub fn revoke(conn: &mut DbConnection, token_digest: &str, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(sessions::table.find(token_digest))
        .set(sessions::revoked_at.eq(Some(now)))
        .execute(conn)
        .map(|_| ())
}

/// The throttle's counter for `subject`, made if missing, and locked until
/// the transaction ends: on PostgreSQL by a write to its row, which other
/// attempts at the same moment queue behind; on SQLite by the write lock
/// [`crate::db::write`] takes first. Call inside [`crate::db::write`].
pub fn lock_counter(
    conn: &mut DbConnection,
    subject: &str,
    now: NaiveDateTime,
) -> QueryResult<Counter> {
    let (failures, last_attempt_at) = on_connection!(conn, |c| {
        diesel::insert_into(login_throttle::table)
            .values((
                login_throttle::subject.eq(subject),
                login_throttle::failures.eq(0),
                login_throttle::last_attempt_at.eq(now),
            ))
            .on_conflict_do_nothing()
            .execute(c)?;
        // A write that changes nothing, for the row lock.
        diesel::update(login_throttle::table.find(subject))
            .set(login_throttle::failures.eq(login_throttle::failures))
            .returning((login_throttle::failures, login_throttle::last_attempt_at))
            .get_result::<(i32, NaiveDateTime)>(c)?
    });
    Ok(Counter {
        failures: u32::try_from(failures).unwrap_or(0),
        last_attempt_at,
    })
}

/// Store `counter` as `subject`'s (locked by [`lock_counter`]).
pub fn store_counter(conn: &mut DbConnection, subject: &str, counter: Counter) -> QueryResult<()> {
    diesel::update(login_throttle::table.find(subject))
        .set((
            login_throttle::failures.eq(i32::try_from(counter.failures).unwrap_or(i32::MAX)),
            login_throttle::last_attempt_at.eq(counter.last_attempt_at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// A login succeeded: the account's failures are cleared, and the attempt
/// counted against the client's address is taken back.
pub fn login_succeeded(
    conn: &mut DbConnection,
    account: &str,
    address: Option<&str>,
) -> QueryResult<()> {
    diesel::update(login_throttle::table.find(account))
        .set(login_throttle::failures.eq(0))
        .execute(conn)?;
    if let Some(address) = address {
        diesel::update(
            login_throttle::table
                .find(address)
                .filter(login_throttle::failures.gt(0)),
        )
        .set(login_throttle::failures.eq(login_throttle::failures - 1))
        .execute(conn)?;
    }
    Ok(())
}

/// Forget the counters last counted before `cutoff`, outside any
/// transaction. On PostgreSQL rows another login has locked are left for
/// a later call rather than waited for, so this never waits on, or
/// deadlocks with, an attempt in progress.
pub fn forget_counters_before(
    conn: &mut DbConnection,
    cutoff: NaiveDateTime,
) -> QueryResult<usize> {
    match conn {
        DbConnection::Postgres(c) => diesel::sql_query(
            "DELETE FROM login_throttle WHERE subject IN \
             (SELECT subject FROM login_throttle WHERE last_attempt_at < $1 FOR UPDATE SKIP LOCKED)",
        )
        .bind::<diesel::sql_types::Timestamp, _>(cutoff)
        .execute(c),
        DbConnection::Sqlite(c) => {
            diesel::delete(login_throttle::table.filter(login_throttle::last_attempt_at.lt(cutoff)))
                .execute(c)
        }
    }
}

/// Delete the sessions that expired, or were ended, before `cutoff`;
/// returns how many.
pub fn delete_ended_before(conn: &mut DbConnection, cutoff: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(
        sessions::table.filter(
            sessions::expires_at
                .lt(cutoff)
                .or(sessions::revoked_at.lt(cutoff)),
        ),
    )
    .execute(conn)
}
