//! Logins and their roles.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::auth::{Role, SocietyRole};
use crate::db::schema::{societies, society_roles, users};
use crate::db::DbConnection;
use crate::error::ApiError;

/// A login.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: String,
    pub email: String,
    pub password_hash: String,
    pub is_platform_admin: bool,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = society_roles)]
struct NewRole<'a> {
    user_id: &'a str,
    society_id: &'a str,
    role: &'a str,
    person_id: Option<&'a str>,
    created_at: NaiveDateTime,
}

/// Emails are compared without case or surrounding space.
pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// The login with `email`, if any.
pub fn find_by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(users::email.eq(normalise_email(email)))
        .select(User::as_select())
        .first(conn)
        .optional()
}

/// The login with `id`, if any.
pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<User>> {
    users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .optional()
}

/// Insert a login; 409 when the email is taken.
pub fn insert(conn: &mut DbConnection, user: &User) -> Result<(), ApiError> {
    if find_by_email(conn, &user.email)?.is_some() {
        return Err(ApiError::Conflict(format!(
            "a login with the email {} already exists",
            user.email
        )));
    }
    diesel::insert_into(users::table)
        .values(user)
        .execute(conn)?;
    Ok(())
}

/// Give `user_id` a role in `society_id`.
pub fn grant_role(
    conn: &mut DbConnection,
    user_id: &str,
    society_id: &str,
    role: Role,
    person_id: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(society_roles::table)
        .values(NewRole {
            user_id,
            society_id,
            role: role.as_str(),
            person_id,
            created_at: now,
        })
        .execute(conn)
        .map(|_| ())
}

/// The login linked to `person_id` in `society_id`, if any.
pub fn login_of(
    conn: &mut DbConnection,
    society_id: &str,
    person_id: &str,
) -> QueryResult<Option<String>> {
    society_roles::table
        .filter(society_roles::society_id.eq(society_id))
        .filter(society_roles::person_id.eq(person_id))
        .select(society_roles::user_id)
        .first(conn)
        .optional()
}

/// Every role `user_id` holds, ordered by society slug.
pub fn roles_of(conn: &mut DbConnection, user_id: &str) -> Result<Vec<SocietyRole>, ApiError> {
    let rows: Vec<(String, String, String, Option<String>)> = society_roles::table
        .inner_join(societies::table)
        .filter(society_roles::user_id.eq(user_id))
        .order(societies::slug.asc())
        .select((
            society_roles::society_id,
            societies::slug,
            society_roles::role,
            society_roles::person_id,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(society_id, society_slug, role, person_id)| {
            Ok(SocietyRole {
                society_id,
                society_slug,
                role: role.parse().map_err(ApiError::Internal)?,
                person_id,
            })
        })
        .collect()
}
