//! Login sessions (bearer tokens by digest) and failed-login throttling.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::auth::AuthenticatedUser;
use crate::db::schema::{login_failures, sessions, users};
use crate::db::{users as db_users, DbConnection};
use crate::error::ApiError;

#[derive(Debug, Insertable)]
#[diesel(table_name = sessions)]
struct NewSession<'a> {
    token_hash: &'a str,
    user_id: &'a str,
    created_at: NaiveDateTime,
    expires_at: NaiveDateTime,
}

/// Store a session for `user_id` under `token_digest`.
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
        .execute(conn)
        .map(|_| ())
}

/// The login behind a token digest, if the session exists, has not expired
/// and was not revoked.
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

/// Times of the failed logins for `email` since `since`, oldest first.
pub fn failures_since(
    conn: &mut DbConnection,
    email: &str,
    since: NaiveDateTime,
) -> QueryResult<Vec<NaiveDateTime>> {
    login_failures::table
        .filter(login_failures::email.eq(email))
        .filter(login_failures::failed_at.gt(since))
        .order(login_failures::failed_at.asc())
        .select(login_failures::failed_at)
        .load(conn)
}

/// Record a failed login for `email`, and forget failures older than
/// `forget_before` so the table stays small.
pub fn record_failure(
    conn: &mut DbConnection,
    email: &str,
    now: NaiveDateTime,
    forget_before: NaiveDateTime,
) -> QueryResult<()> {
    diesel::delete(login_failures::table.filter(login_failures::failed_at.le(forget_before)))
        .execute(conn)?;
    diesel::insert_into(login_failures::table)
        .values((
            login_failures::email.eq(email),
            login_failures::failed_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Forget the failed logins of `email` (after a successful login).
pub fn clear_failures(conn: &mut DbConnection, email: &str) -> QueryResult<()> {
    diesel::delete(login_failures::table.filter(login_failures::email.eq(email)))
        .execute(conn)
        .map(|_| ())
}
