//! People's secret calendar feeds (their token kept only as a SHA-256),
//! and what a feed lists: the groups a person leads or belongs to, with
//! the days they do.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{calendar_feeds, group_leaders, group_members, group_sessions, groups};
use crate::db::DbConnection;
use crate::error::ApiError;

/// A person's calendar feed.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = calendar_feeds)]
pub struct Feed {
    pub id: String,
    pub society_id: String,
    pub person_id: String,
    /// The SHA-256 of its token (`auth::tokens::digest`).
    pub token_hash: String,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

/// Store a new feed.
pub fn insert(conn: &mut DbConnection, feed: &Feed) -> Result<(), ApiError> {
    diesel::insert_into(calendar_feeds::table)
        .values(feed)
        .execute(conn)?;
    Ok(())
}

/// Revoke person `person_id`'s feeds not revoked yet; how many were.
pub fn revoke(
    conn: &mut DbConnection,
    society_id: &str,
    person_id: &str,
    at: NaiveDateTime,
) -> Result<usize, ApiError> {
    Ok(diesel::update(
        calendar_feeds::table
            .filter(calendar_feeds::society_id.eq(society_id))
            .filter(calendar_feeds::person_id.eq(person_id))
            .filter(calendar_feeds::revoked_at.is_null()),
    )
    .set(calendar_feeds::revoked_at.eq(Some(at)))
    .execute(conn)?)
}

/// Person `person_id`'s feed in use, if any.
pub fn active(
    conn: &mut DbConnection,
    society_id: &str,
    person_id: &str,
) -> Result<Option<Feed>, ApiError> {
    Ok(calendar_feeds::table
        .filter(calendar_feeds::society_id.eq(society_id))
        .filter(calendar_feeds::person_id.eq(person_id))
        .filter(calendar_feeds::revoked_at.is_null())
        .order(calendar_feeds::created_at.desc())
        .select(Feed::as_select())
        .first(conn)
        .optional()?)
}

/// The feed in use whose token has digest `hash`.
pub fn by_token_hash(conn: &mut DbConnection, hash: &str) -> Result<Option<Feed>, ApiError> {
    Ok(calendar_feeds::table
        .filter(calendar_feeds::token_hash.eq(hash))
        .filter(calendar_feeds::revoked_at.is_null())
        .select(Feed::as_select())
        .first(conn)
        .optional()?)
}

/// A span of days a person leads or belongs to a group: its id and name,
/// the first day, and the last (none: still).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub group_id: String,
    pub group_name: String,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
    /// Whether they lead the group in this span.
    pub leads: bool,
}

impl Span {
    /// Whether `day` falls in it (both ends inclusive).
    pub fn on(&self, day: NaiveDate) -> bool {
        self.from <= day && self.to.is_none_or(|to| day <= to)
    }
}

/// Every span in which person `person_id` of society `society_id` leads
/// or belongs to one of its groups.
pub fn spans(
    conn: &mut DbConnection,
    society_id: &str,
    person_id: &str,
) -> Result<Vec<Span>, ApiError> {
    let led: Vec<(String, String, NaiveDate, Option<NaiveDate>)> = group_leaders::table
        .inner_join(groups::table.on(groups::id.eq(group_leaders::group_id)))
        .filter(groups::society_id.eq(society_id))
        .filter(group_leaders::person_id.eq(person_id))
        .select((
            groups::id,
            groups::name,
            group_leaders::from_on,
            group_leaders::to_on,
        ))
        .load(conn)?;
    let belonged: Vec<(String, String, NaiveDate, Option<NaiveDate>)> = group_members::table
        .inner_join(groups::table.on(groups::id.eq(group_members::group_id)))
        .filter(groups::society_id.eq(society_id))
        .filter(group_members::person_id.eq(person_id))
        .select((
            groups::id,
            groups::name,
            group_members::joined_on,
            group_members::left_on,
        ))
        .load(conn)?;
    let span = |leads: bool| {
        move |(group_id, group_name, from, to): (String, String, NaiveDate, Option<NaiveDate>)| {
            Span {
                group_id,
                group_name,
                from,
                to,
                leads,
            }
        }
    };
    Ok(led
        .into_iter()
        .map(span(true))
        .chain(belonged.into_iter().map(span(false)))
        .collect())
}

/// A recorded session as a feed lists it: id, group, day, length,
/// delivery, last change.
pub type Held = (String, String, NaiveDate, i32, String, NaiveDateTime);

/// The recorded sessions of groups `group_ids`.
pub fn held(conn: &mut DbConnection, group_ids: &[String]) -> Result<Vec<Held>, ApiError> {
    Ok(group_sessions::table
        .filter(group_sessions::group_id.eq_any(group_ids))
        .order((group_sessions::held_on.asc(), group_sessions::id.asc()))
        .select((
            group_sessions::id,
            group_sessions::group_id,
            group_sessions::held_on,
            group_sessions::minutes,
            group_sessions::delivery,
            group_sessions::updated_at,
        ))
        .load(conn)?)
}
