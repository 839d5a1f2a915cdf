//! A society's logins as its registrar manages them: the list, disabling
//! and enabling, and one-time password reset links (stored by digest).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{disabled_logins, password_resets, sessions, society_roles, users};
use crate::db::DbConnection;

/// One login of a society, as the registrar's list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    pub user_id: String,
    pub email: String,
    /// `registrar` or `member`.
    pub role: String,
    /// The person it belongs to, if any.
    pub person_id: Option<String>,
    pub created_at: NaiveDateTime,
    /// When it last signed in (opened a session), if ever.
    pub last_signed_in: Option<NaiveDateTime>,
    /// When it was disabled, if it is.
    pub disabled_at: Option<NaiveDateTime>,
}

/// A login's row: id, email, role, person, made, last signed in.
type Row = (
    String,
    String,
    String,
    Option<String>,
    NaiveDateTime,
    Option<NaiveDateTime>,
);

/// Every login with a role in `society_id`, by email.
pub fn list(conn: &mut DbConnection, society_id: &str) -> QueryResult<Vec<Login>> {
    let rows: Vec<Row> = society_roles::table
        .inner_join(users::table)
        .filter(society_roles::society_id.eq(society_id))
        .order(users::email.asc())
        .select((
            users::id,
            users::email,
            society_roles::role,
            society_roles::person_id,
            users::created_at,
            users::last_signed_in_at,
        ))
        .load(conn)?;
    let ids: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    let mut disabled: Vec<(String, NaiveDateTime)> = Vec::new();
    for chunk in ids.chunks(500) {
        disabled.extend(
            disabled_logins::table
                .filter(disabled_logins::user_id.eq_any(chunk))
                .select((disabled_logins::user_id, disabled_logins::disabled_at))
                .load::<(String, NaiveDateTime)>(conn)?,
        );
    }
    Ok(rows
        .into_iter()
        .map(
            |(user_id, email, role, person_id, created_at, last_signed_in)| Login {
                disabled_at: disabled
                    .iter()
                    .find(|(id, _)| *id == user_id)
                    .map(|(_, at)| *at),
                user_id,
                email,
                role,
                person_id,
                created_at,
                last_signed_in,
            },
        )
        .collect())
}

/// The societies `user_id` has a role in.
pub fn societies_of(conn: &mut DbConnection, user_id: &str) -> QueryResult<Vec<String>> {
    society_roles::table
        .filter(society_roles::user_id.eq(user_id))
        .select(society_roles::society_id)
        .load(conn)
}

/// When `user_id` was disabled, if it is.
pub fn disabled_at(conn: &mut DbConnection, user_id: &str) -> QueryResult<Option<NaiveDateTime>> {
    disabled_logins::table
        .find(user_id)
        .select(disabled_logins::disabled_at)
        .first(conn)
        .optional()
}

/// Disable `user_id` (by `by`, at `now`) and revoke its sessions and
/// unused reset links.
pub fn disable(
    conn: &mut DbConnection,
    user_id: &str,
    by: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(disabled_logins::table)
        .values((
            disabled_logins::user_id.eq(user_id),
            disabled_logins::disabled_at.eq(now),
            disabled_logins::disabled_by.eq(by),
        ))
        .execute(conn)?;
    revoke_sessions(conn, user_id, now)?;
    close_resets(conn, user_id, now)
}

/// Enable `user_id` again.
pub fn enable(conn: &mut DbConnection, user_id: &str) -> QueryResult<()> {
    diesel::delete(disabled_logins::table.find(user_id))
        .execute(conn)
        .map(|_| ())
}

/// Revoke every open session (web or API token) of `user_id`.
pub fn revoke_sessions(
    conn: &mut DbConnection,
    user_id: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(
        sessions::table
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(Some(now)))
    .execute(conn)
    .map(|_| ())
}

/// Close every unused reset link of `user_id`.
fn close_resets(conn: &mut DbConnection, user_id: &str, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(
        password_resets::table
            .filter(password_resets::user_id.eq(user_id))
            .filter(password_resets::used_at.is_null()),
    )
    .set(password_resets::used_at.eq(Some(now)))
    .execute(conn)
    .map(|_| ())
}

/// Store a reset link for `user_id` under `token_digest`, closing the
/// links issued before it.
pub fn issue_reset(
    conn: &mut DbConnection,
    token_digest: &str,
    user_id: &str,
    by: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> QueryResult<()> {
    close_resets(conn, user_id, now)?;
    diesel::insert_into(password_resets::table)
        .values((
            password_resets::token_hash.eq(token_digest),
            password_resets::user_id.eq(user_id),
            password_resets::created_by.eq(by),
            password_resets::created_at.eq(now),
            password_resets::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The login a reset link is for, if it exists, is unused and has not
/// expired.
pub fn reset_for(
    conn: &mut DbConnection,
    token_digest: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<String>> {
    password_resets::table
        .find(token_digest)
        .filter(password_resets::used_at.is_null())
        .filter(password_resets::expires_at.gt(now))
        .select(password_resets::user_id)
        .first(conn)
        .optional()
}

/// Close the reset link `token_digest` if it is still open (unused and
/// not expired); whether it was. One statement, so a link is used once
/// even when two requests race.
pub fn take_reset(
    conn: &mut DbConnection,
    token_digest: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let closed = diesel::update(
        password_resets::table
            .find(token_digest)
            .filter(password_resets::used_at.is_null())
            .filter(password_resets::expires_at.gt(now)),
    )
    .set(password_resets::used_at.eq(Some(now)))
    .execute(conn)?;
    Ok(closed == 1)
}

/// Set `user_id`'s new password (after [`take_reset`]): its other unused
/// links are closed and its sessions revoked.
pub fn use_reset(
    conn: &mut DbConnection,
    user_id: &str,
    password_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set(users::password_hash.eq(password_hash))
        .execute(conn)?;
    close_resets(conn, user_id, now)?;
    revoke_sessions(conn, user_id, now)
}
