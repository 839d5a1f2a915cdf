//! The ledger's reads: one record, a person's ledger and the society's,
//! the corrections of a record, and what waits for an attestor.

use std::collections::HashSet;

use chrono::NaiveDate;
use diesel::prelude::*;

use super::{load, ActivityRow, Status, StoredActivity};
use crate::db::schema::{activities, people};
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::pagination::{Page, PageRequest};

/// The record `id` of `society_id`.
pub fn find(
    conn: &mut DbConnection,
    society_id: &str,
    id: &str,
) -> Result<Option<StoredActivity>, ApiError> {
    activities::table
        .filter(activities::society_id.eq(society_id))
        .filter(activities::id.eq(id))
        .select(ActivityRow::as_select())
        .first(conn)
        .optional()?
        .map(ActivityRow::into_stored)
        .transpose()
}

/// Which records of a ledger a list shows.
#[derive(Debug, Clone, Default)]
pub struct LedgerFilter {
    pub kind: Option<String>,
    pub status: Option<Status>,
    /// On or after.
    pub from: Option<NaiveDate>,
    /// On or before.
    pub to: Option<NaiveDate>,
}

fn filtered<'a>(
    person_id: &'a str,
    filter: &'a LedgerFilter,
) -> activities::BoxedQuery<'a, <DbConnection as diesel::Connection>::Backend> {
    let mut query = activities::table
        .filter(activities::person_id.eq(person_id))
        .into_boxed();
    if let Some(kind) = &filter.kind {
        query = query.filter(activities::kind.eq(kind));
    }
    if let Some(status) = filter.status {
        query = query.filter(activities::status.eq(status.as_str()));
    }
    if let Some(from) = filter.from {
        query = query.filter(activities::occurred_on.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(activities::occurred_on.le(to));
    }
    query
}

/// A page of `person_id`'s records matching `filter`, by date, then id.
pub fn list(
    conn: &mut DbConnection,
    person_id: &str,
    filter: &LedgerFilter,
    page: PageRequest,
) -> Result<Page<StoredActivity>, ApiError> {
    let total = filtered(person_id, filter)
        .count()
        .get_result::<i64>(conn)?;
    let rows = filtered(person_id, filter)
        .order((activities::occurred_on.asc(), activities::id.asc()))
        .limit(page.limit())
        .offset(page.offset())
        .select(ActivityRow::as_select())
        .load(conn)?;
    Ok(Page::new(load(rows)?, page, total))
}

/// Every record of `person_id` matching `filter`, by date, then id.
pub fn list_all(
    conn: &mut DbConnection,
    person_id: &str,
    filter: &LedgerFilter,
) -> Result<Vec<StoredActivity>, ApiError> {
    let rows = filtered(person_id, filter)
        .order((activities::occurred_on.asc(), activities::id.asc()))
        .select(ActivityRow::as_select())
        .load(conn)?;
    load(rows)
}

/// The ids of the records that correct `id` (newest last).
pub fn corrections_of(conn: &mut DbConnection, id: &str) -> Result<Vec<String>, ApiError> {
    Ok(activities::table
        .filter(activities::corrects_id.eq(id))
        .order((activities::recorded_at.asc(), activities::id.asc()))
        .select(activities::id)
        .load(conn)?)
}

/// A page of the records naming any of `attestor_ids` as attestor, with
/// `status` (all when none), oldest recorded first.
pub fn naming_attestor(
    conn: &mut DbConnection,
    attestor_ids: &[String],
    status: Option<Status>,
    page: PageRequest,
) -> Result<Page<StoredActivity>, ApiError> {
    let query = || {
        let mut query = activities::table
            .filter(activities::attestor_id.eq_any(attestor_ids.to_vec()))
            .into_boxed();
        if let Some(status) = status {
            query = query.filter(activities::status.eq(status.as_str()));
        }
        query
    };
    let total = query().count().get_result::<i64>(conn)?;
    let rows = query()
        .order((
            activities::recorded_at.asc(),
            activities::occurred_on.asc(),
            activities::id.asc(),
        ))
        .limit(page.limit())
        .offset(page.offset())
        .select(ActivityRow::as_select())
        .load(conn)?;
    Ok(Page::new(load(rows)?, page, total))
}

/// Which of `ids` are people of `society_id`.
pub fn people_of_society(
    conn: &mut DbConnection,
    society_id: &str,
    ids: &[String],
) -> Result<HashSet<String>, ApiError> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    let found: Vec<String> = people::table
        .filter(people::society_id.eq(society_id))
        .filter(people::id.eq_any(ids.to_vec()))
        .select(people::id)
        .load(conn)?;
    Ok(found.into_iter().collect())
}
