//! Watchlists as stored: who watches which registration numbers of a
//! society's register, told by e-mail (an address confirmed by its link)
//! or by a webhook endpoint of the watchlist's own.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{mail_messages, people, register_entries, watchlist_entries, watchlists};
use super::DbConnection;
use crate::error::ApiError;

/// A watchlist as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = watchlists)]
pub struct Watchlist {
    /// `wl_` and 32 hex digits.
    pub id: String,
    pub society_id: String,
    /// The login that made it through the API; none for the public page's.
    pub owner_user_id: Option<String>,
    /// The address told, for an e-mail watchlist.
    pub email: Option<String>,
    /// The endpoint told, for a webhook watchlist.
    pub endpoint_id: Option<String>,
    /// The secret of its manage link.
    pub manage_token: String,
    /// The secret of its confirmation link, until confirmed.
    pub confirm_token: Option<String>,
    /// When its address was confirmed (a webhook's: when made).
    pub confirmed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

/// Store a new watchlist.
pub fn insert(conn: &mut DbConnection, watchlist: &Watchlist) -> Result<(), ApiError> {
    diesel::insert_into(watchlists::table)
        .values(watchlist)
        .execute(conn)?;
    Ok(())
}

/// Watchlist `id`.
pub fn by_id(conn: &mut DbConnection, id: &str) -> Result<Option<Watchlist>, ApiError> {
    Ok(watchlists::table
        .find(id)
        .select(Watchlist::as_select())
        .first(conn)
        .optional()?)
}

/// The watchlist whose manage link carries `token`.
pub fn by_manage_token(
    conn: &mut DbConnection,
    token: &str,
) -> Result<Option<Watchlist>, ApiError> {
    Ok(watchlists::table
        .filter(watchlists::manage_token.eq(token))
        .select(Watchlist::as_select())
        .first(conn)
        .optional()?)
}

/// The watchlist whose confirmation link carries `token`.
pub fn by_confirm_token(
    conn: &mut DbConnection,
    token: &str,
) -> Result<Option<Watchlist>, ApiError> {
    Ok(watchlists::table
        .filter(watchlists::confirm_token.eq(token))
        .select(Watchlist::as_select())
        .first(conn)
        .optional()?)
}

/// The watchlists login `user_id` made, oldest first.
pub fn of_owner(conn: &mut DbConnection, user_id: &str) -> Result<Vec<Watchlist>, ApiError> {
    Ok(watchlists::table
        .filter(watchlists::owner_user_id.eq(user_id))
        .order((watchlists::created_at.asc(), watchlists::id.asc()))
        .select(Watchlist::as_select())
        .load(conn)?)
}

/// Mark watchlist `id` confirmed at `now` (its confirmation link spent).
pub fn confirm(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> Result<(), ApiError> {
    diesel::update(watchlists::table.find(id))
        .set((
            watchlists::confirmed_at.eq(Some(now)),
            watchlists::confirm_token.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}

/// Delete watchlist `id` with its numbers.
pub fn delete(conn: &mut DbConnection, id: &str) -> Result<(), ApiError> {
    diesel::delete(watchlist_entries::table.filter(watchlist_entries::watchlist_id.eq(id)))
        .execute(conn)?;
    diesel::delete(watchlists::table.find(id)).execute(conn)?;
    Ok(())
}

/// The numbers watchlist `id` watches, in order.
pub fn registrations(conn: &mut DbConnection, id: &str) -> Result<Vec<String>, ApiError> {
    Ok(watchlist_entries::table
        .filter(watchlist_entries::watchlist_id.eq(id))
        .order(watchlist_entries::registration.asc())
        .select(watchlist_entries::registration)
        .load(conn)?)
}

/// Watch `registrations` too (those watched already are no change).
pub fn add(
    conn: &mut DbConnection,
    id: &str,
    registrations: &[String],
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    for registration in registrations {
        crate::db::on_connection!(conn, |c| diesel::insert_into(watchlist_entries::table)
            .values((
                watchlist_entries::watchlist_id.eq(id),
                watchlist_entries::registration.eq(registration),
                watchlist_entries::created_at.eq(now),
            ))
            .on_conflict_do_nothing()
            .execute(c))?;
    }
    Ok(())
}

/// Stop watching `registration`; whether it was watched.
pub fn remove(conn: &mut DbConnection, id: &str, registration: &str) -> Result<bool, ApiError> {
    Ok(diesel::delete(
        watchlist_entries::table
            .filter(watchlist_entries::watchlist_id.eq(id))
            .filter(watchlist_entries::registration.eq(registration)),
    )
    .execute(conn)?
        == 1)
}

/// Which of `registrations` are on society `society_id`'s public register
/// (an entry whose person consented to be listed).
pub fn on_public_register(
    conn: &mut DbConnection,
    society_id: &str,
    registrations: &[String],
) -> Result<Vec<String>, ApiError> {
    let mut found = Vec::new();
    for chunk in registrations.chunks(crate::db::BATCH) {
        let mut rows: Vec<String> = register_entries::table
            .inner_join(people::table.on(people::id.eq(register_entries::person_id)))
            .filter(register_entries::society_id.eq(society_id))
            .filter(register_entries::registration.eq_any(chunk))
            .filter(people::public_listing.eq(true))
            .select(register_entries::registration)
            .load(conn)?;
        found.append(&mut rows);
    }
    Ok(found)
}

/// The watchlists of society `society_id` that watched `registration`,
/// confirmed, at `at` (a change made before someone watched, or while
/// their address was not confirmed, is not told to them, however late it
/// is fanned out).
pub fn watching(
    conn: &mut DbConnection,
    society_id: &str,
    registration: &str,
    at: NaiveDateTime,
) -> Result<Vec<Watchlist>, ApiError> {
    Ok(watchlists::table
        .inner_join(watchlist_entries::table)
        .filter(watchlists::society_id.eq(society_id))
        .filter(watchlists::confirmed_at.le(at))
        .filter(watchlist_entries::created_at.le(at))
        .filter(watchlist_entries::registration.eq(registration))
        .order(watchlists::id.asc())
        .select(Watchlist::as_select())
        .load(conn)?)
}

/// How many watchlist confirmations were written to `email` since `since`
/// (of every society).
pub fn confirmations_since(
    conn: &mut DbConnection,
    email: &str,
    since: NaiveDateTime,
) -> Result<i64, ApiError> {
    Ok(mail_messages::table
        .filter(mail_messages::recipient.eq(email))
        .filter(mail_messages::kind.eq(crate::db::mail::MailKind::WatchConfirmation.as_str()))
        .filter(mail_messages::created_at.gt(since))
        .count()
        .get_result(conn)?)
}

/// Delete the watchlists whose address was never confirmed, made before
/// `before`, with their numbers; how many.
pub fn forget_unconfirmed(
    conn: &mut DbConnection,
    before: NaiveDateTime,
) -> Result<usize, ApiError> {
    let ids: Vec<String> = watchlists::table
        .filter(watchlists::confirmed_at.is_null())
        .filter(watchlists::created_at.lt(before))
        .select(watchlists::id)
        .load(conn)?;
    for chunk in ids.chunks(crate::db::BATCH) {
        diesel::delete(
            watchlist_entries::table.filter(watchlist_entries::watchlist_id.eq_any(chunk)),
        )
        .execute(conn)?;
        diesel::delete(watchlists::table.filter(watchlists::id.eq_any(chunk))).execute(conn)?;
    }
    Ok(ids.len())
}
