//! What the public register in memory is built from: the listed entries
//! and their public histories, read as streams, and the register's
//! version.

use std::collections::HashMap;

use balint_core::register::{PublicStatusChange, Status, StatusAction, Visibility};
use chrono::NaiveDate;
use diesel::prelude::*;

use super::history::rebuild;
use super::{word_of, EntryRow};
use crate::db::schema::{
    people as people_table, register_changes, register_entries, register_touches, register_versions,
};
use crate::db::{each_row, DbConnection};
use crate::error::ApiError;

/// The number the database moves on whenever `society_id`'s public
/// register may have changed (kept by triggers; see the migration
/// `2026-01-08-000100_register_versions`); 0 before its first entry.
pub fn register_version(conn: &mut DbConnection, society_id: &str) -> Result<i64, ApiError> {
    Ok(register_versions::table
        .find(society_id)
        .select(register_versions::version)
        .first(conn)
        .optional()?
        .unwrap_or(0))
}

/// The entries of `society_id` written since its register version
/// `since` (their touches, kept by the same triggers as the version; see
/// the migration `2026-12-30-000100_register_touches`), each once; at most
/// `limit + 1`, so more than `limit` says "too many to patch".
pub fn touched_since(
    conn: &mut DbConnection,
    society_id: &str,
    since: i64,
    limit: usize,
) -> Result<Vec<String>, ApiError> {
    Ok(register_touches::table
        .filter(register_touches::society_id.eq(society_id))
        .filter(register_touches::version.gt(since))
        .select(register_touches::entry_id)
        .distinct()
        .limit(i64::try_from(limit).unwrap_or(i64::MAX).saturating_add(1))
        .load(conn)?)
}

/// When the public register of `society_id` last changed: the latest
/// update of a listed entry or of its person (only people who consented
/// to be listed count, so an unlisted entry's changes show nowhere). With
/// `registration`, that entry's alone. `None` when nothing is listed.
pub fn last_updated(
    conn: &mut DbConnection,
    society_id: &str,
    registration: Option<&str>,
) -> Result<Option<chrono::NaiveDateTime>, ApiError> {
    use diesel::dsl::max;
    let listed = || {
        let mut query = register_entries::table
            .inner_join(people_table::table.on(people_table::id.eq(register_entries::person_id)))
            .filter(register_entries::society_id.eq(society_id.to_owned()))
            .filter(people_table::public_listing.eq(true))
            .into_boxed();
        if let Some(registration) = registration {
            query = query.filter(register_entries::registration.eq(registration.to_owned()));
        }
        query
    };
    let entries: Option<chrono::NaiveDateTime> = listed()
        .select(max(register_entries::updated_at))
        .first(conn)?;
    let people: Option<chrono::NaiveDateTime> =
        listed().select(max(people_table::updated_at)).first(conn)?;
    Ok(entries.max(people))
}

/// One listed entry as the public register shows it, with what it is
/// searched and ordered by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicRow {
    /// The entry's id, which its history rows name.
    pub id: String,
    pub registration: String,
    pub title: Option<String>,
    /// The name as shown ([`crate::db::people::shown_name`]).
    pub name: String,
    pub city: Option<String>,
    pub region: Option<String>,
    /// The tier most recently granted.
    pub tier: String,
    pub status: Status,
    pub first_accredited: NaiveDate,
    /// The last day of the cycle running.
    pub valid_until: Option<NaiveDate>,
    /// Family then given name, lower-cased: the register's order.
    pub sort_name: String,
    /// The names, lower-cased: what a search by name looks in.
    pub search_text: String,
    /// When the entry or its person was last written.
    pub updated_at: chrono::NaiveDateTime,
}

type PublicColumns = (
    (
        String,
        String,
        String,
        String,
        NaiveDate,
        Option<NaiveDate>,
        Option<NaiveDate>,
        chrono::NaiveDateTime,
    ),
    (
        Option<String>,
        Option<String>,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        String,
        String,
        chrono::NaiveDateTime,
    ),
);

/// Every entry of `society_id` whose person consented to be listed, in no
/// order, one at a time (read as a stream, never all held at once), each
/// as its columns have it: `each(row, false)` when its latest change is in
/// effect by `today`, so the row is its standing on `today` (nearly all);
/// `each(row, true)` when a change is dated ahead, so the row is not yet
/// its standing: ask [`public_standing`] for that. With `only`, those
/// entries alone (a few hundred at most: one statement).
pub fn each_public_row(
    conn: &mut DbConnection,
    society_id: &str,
    only: Option<&[String]>,
    today: NaiveDate,
    mut each: impl FnMut(PublicRow, bool),
) -> Result<(), ApiError> {
    each_row!(
        conn,
        PublicColumns,
        |c| {
            let mut query = register_entries::table
                .inner_join(people_table::table)
                .filter(register_entries::society_id.eq(society_id))
                .filter(people_table::society_id.eq(society_id))
                .filter(people_table::public_listing.eq(true))
                .into_boxed();
            if let Some(ids) = only {
                query = query.filter(register_entries::id.eq_any(ids));
            }
            query.select((
                (
                    register_entries::id,
                    register_entries::registration,
                    register_entries::tier,
                    register_entries::status,
                    register_entries::first_accredited,
                    register_entries::valid_until,
                    register_entries::latest_change_on,
                    register_entries::updated_at,
                ),
                (
                    people_table::title,
                    people_table::given_name,
                    people_table::family_name,
                    people_table::display_name,
                    people_table::city,
                    people_table::region,
                    people_table::sort_name,
                    people_table::search_text,
                    people_table::updated_at,
                ),
            ))
        },
        |found: PublicColumns| {
            let (entry, person) = found;
            let (id, registration, tier, status, first_accredited, valid_until, latest, written) =
                entry;
            let (title, given, family, display, city, region, sort_name, search_text, edited) =
                person;
            let status = status.parse().map_err(|_| {
                ApiError::Internal(anyhow::anyhow!(
                    "register entry {registration} has an invalid status"
                ))
            })?;
            let row = PublicRow {
                id,
                registration,
                title,
                name: crate::db::people::shown_name(display.as_deref(), given.as_deref(), &family),
                city,
                region,
                tier,
                status,
                first_accredited,
                valid_until,
                sort_name,
                search_text,
                updated_at: written.max(edited),
            };
            let ahead = latest.is_none_or(|day| day > today);
            each(row, ahead);
            Ok::<_, ApiError>(())
        }
    )
}

/// Every change in the histories of the entries [`each_public_row`] reads,
/// as the public sees it (a confidential change's reason withheld), one at
/// a time with its entry's id and its place in the entry's history, in no
/// order (sorting half a million rows is left to the caller, in memory,
/// rather than to a database that may spill it to disk). Changes dated
/// ahead of today are included. With `only`, those entries' alone.
pub fn each_public_change(
    conn: &mut DbConnection,
    society_id: &str,
    only: Option<&[String]>,
    mut each: impl FnMut(&str, i32, PublicStatusChange),
) -> Result<(), ApiError> {
    let public = word_of(&Visibility::Public);
    each_row!(
        conn,
        PublicChangeColumns,
        |c| {
            let mut query = register_changes::table
                .inner_join(register_entries::table.inner_join(people_table::table))
                .filter(register_entries::society_id.eq(society_id))
                .filter(people_table::society_id.eq(society_id))
                .filter(people_table::public_listing.eq(true))
                .into_boxed();
            if let Some(ids) = only {
                query = query.filter(register_entries::id.eq_any(ids));
            }
            query.select((
                register_changes::entry_id,
                register_changes::seq,
                register_changes::effective,
                register_changes::action,
                register_changes::from_status,
                register_changes::to_status,
                register_changes::reason,
                register_changes::visibility,
                register_changes::tier,
                register_changes::valid_until,
            ))
        },
        |found: PublicChangeColumns| {
            let (entry_id, seq, effective, action, from, to, reason, visibility, tier, valid_until) =
                found;
            let corrupt = |what: &str| {
                ApiError::Internal(anyhow::anyhow!(
                    "register change {entry_id}#{seq} has an invalid {what}"
                ))
            };
            let change = PublicStatusChange {
                effective,
                action: StatusAction::ALL
                    .into_iter()
                    .find(|a| a.as_str() == action)
                    .ok_or_else(|| corrupt("action"))?,
                from: from
                    .map(|s| s.parse::<Status>().map_err(|_| corrupt("status")))
                    .transpose()?,
                to: to.parse().map_err(|_| corrupt("status"))?,
                tier: tier
                    .map(|t| t.parse().map_err(|_| corrupt("tier")))
                    .transpose()?,
                valid_until,
                reason: (visibility == public).then_some(reason),
            };
            each(&entry_id, seq, change);
            Ok::<_, ApiError>(())
        }
    )
}

type PublicChangeColumns = (
    String,
    i32,
    NaiveDate,
    String,
    Option<String>,
    String,
    String,
    String,
    Option<String>,
    Option<NaiveDate>,
);

/// The public standing on `today` of the entries `ids`, replayed from
/// their histories; an entry not granted by `today` is left out.
pub fn public_standing(
    conn: &mut DbConnection,
    ids: &[String],
    today: NaiveDate,
) -> Result<HashMap<String, balint_core::register::PublicEntry>, ApiError> {
    let mut standing = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let rows = register_entries::table
            .filter(register_entries::id.eq_any(chunk))
            .select(EntryRow::as_select())
            .load(conn)?;
        for stored in rebuild(conn, rows)? {
            if let Some(public) = stored.entry.public_view(today) {
                standing.insert(stored.id, public);
            }
        }
    }
    Ok(standing)
}
