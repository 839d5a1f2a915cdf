//! How long each society keeps what is not a record (its retention
//! settings), the logins the retention job weighs, and what it deletes.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{
    disabled_logins, login_throttle, password_resets, sessions, societies, society_retention,
    society_roles, users,
};
use crate::db::DbConnection;

/// A society's retention settings as stored, in days; `None` leaves the
/// server's default.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = society_retention, treat_none_as_null = true)]
pub struct Settings {
    pub society_id: String,
    pub unused_logins_days: Option<i32>,
    pub sessions_days: Option<i32>,
    pub updated_at: NaiveDateTime,
    pub notifications_days: Option<i32>,
}

/// `society_id`'s settings, if its registrar set any.
pub fn find(conn: &mut DbConnection, society_id: &str) -> QueryResult<Option<Settings>> {
    society_retention::table
        .find(society_id)
        .select(Settings::as_select())
        .first(conn)
        .optional()
}

/// Every society's settings.
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<Settings>> {
    society_retention::table
        .order(society_retention::society_id.asc())
        .select(Settings::as_select())
        .load(conn)
}

/// Every society's id, in order.
pub fn society_ids(conn: &mut DbConnection) -> QueryResult<Vec<String>> {
    societies::table
        .order(societies::id.asc())
        .select(societies::id)
        .load(conn)
}

/// Store `settings`, replacing what was there.
pub fn save(conn: &mut DbConnection, settings: &Settings) -> QueryResult<()> {
    let updated = diesel::update(society_retention::table.find(&settings.society_id))
        .set(settings)
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(society_retention::table)
            .values(settings)
            .execute(conn)?;
    }
    Ok(())
}

/// A login as the retention job weighs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    pub user_id: String,
    pub email: String,
    pub is_platform_admin: bool,
    pub created_at: NaiveDateTime,
    pub last_signed_in_at: Option<NaiveDateTime>,
    /// Its roles: the society, the role, the person it is, if any.
    pub roles: Vec<(String, String, Option<String>)>,
}

/// Every login with its roles, by id.
pub fn logins(conn: &mut DbConnection) -> QueryResult<Vec<Login>> {
    let rows: Vec<(String, String, bool, NaiveDateTime, Option<NaiveDateTime>)> = users::table
        .order(users::id.asc())
        .select((
            users::id,
            users::email,
            users::is_platform_admin,
            users::created_at,
            users::last_signed_in_at,
        ))
        .load(conn)?;
    let roles: Vec<(String, String, String, Option<String>)> = society_roles::table
        .order((
            society_roles::user_id.asc(),
            society_roles::society_id.asc(),
        ))
        .select((
            society_roles::user_id,
            society_roles::society_id,
            society_roles::role,
            society_roles::person_id,
        ))
        .load(conn)?;
    let mut roles = roles.into_iter().peekable();
    Ok(rows
        .into_iter()
        .map(
            |(user_id, email, is_platform_admin, created_at, last_signed_in_at)| {
                let mut mine = Vec::new();
                while let Some((_, society, role, person)) =
                    roles.next_if(|(user, ..)| *user == user_id)
                {
                    mine.push((society, role, person));
                }
                Login {
                    user_id,
                    email,
                    is_platform_admin,
                    created_at,
                    last_signed_in_at,
                    roles: mine,
                }
            },
        )
        .collect())
}

/// Delete the sessions of `user_ids` that expired, or were ended, before
/// `cutoff`; returns how many.
pub fn delete_sessions_ended_before(
    conn: &mut DbConnection,
    user_ids: &[&str],
    cutoff: NaiveDateTime,
) -> QueryResult<usize> {
    let mut deleted = 0;
    for chunk in user_ids.chunks(500) {
        deleted += diesel::delete(
            sessions::table
                .filter(sessions::user_id.eq_any(chunk))
                .filter(
                    sessions::expires_at
                        .lt(cutoff)
                        .or(sessions::revoked_at.lt(cutoff)),
                ),
        )
        .execute(conn)?;
    }
    Ok(deleted)
}

/// Delete the throttle counters `subjects` last counted before `cutoff`;
/// returns how many. Outside a transaction, as
/// [`crate::db::sessions::forget_counters_before`], and for the same
/// reason rows a sign-in holds are left for a later run on PostgreSQL.
pub fn forget_counters_of(
    conn: &mut DbConnection,
    subjects: &[String],
    cutoff: NaiveDateTime,
) -> QueryResult<usize> {
    let mut deleted = 0;
    for chunk in subjects.chunks(500) {
        deleted += match conn {
            DbConnection::Postgres(c) => diesel::sql_query(
                "DELETE FROM login_throttle WHERE subject IN \
                 (SELECT subject FROM login_throttle \
                  WHERE subject = ANY($1) AND last_attempt_at < $2 FOR UPDATE SKIP LOCKED)",
            )
            .bind::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(chunk)
            .bind::<diesel::sql_types::Timestamp, _>(cutoff)
            .execute(c)?,
            DbConnection::Sqlite(c) => diesel::delete(
                login_throttle::table
                    .filter(login_throttle::subject.eq_any(chunk))
                    .filter(login_throttle::last_attempt_at.lt(cutoff)),
            )
            .execute(c)?,
        };
    }
    Ok(deleted)
}

/// Remove login `user_id` that never signed in: its roles, its unused
/// password links, its disabling and its sessions (none that were used),
/// then the login. A login something else names (a record it made, an
/// audit line of its doing) makes this fail on the foreign key: call it in
/// a transaction of its own, which then rolls back.
pub fn remove_login(conn: &mut DbConnection, user_id: &str) -> QueryResult<()> {
    diesel::delete(password_resets::table.filter(password_resets::user_id.eq(user_id)))
        .execute(conn)?;
    diesel::delete(disabled_logins::table.filter(disabled_logins::user_id.eq(user_id)))
        .execute(conn)?;
    diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(conn)?;
    diesel::delete(society_roles::table.filter(society_roles::user_id.eq(user_id)))
        .execute(conn)?;
    diesel::delete(users::table.find(user_id)).execute(conn)?;
    Ok(())
}
