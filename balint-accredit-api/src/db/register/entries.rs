//! Reading entries (one, a person's, a society's, the renewals coming due)
//! and creating them: registration numbers, new entries and grants.

use balint_core::ids::{PersonId, RegistrationNumber};
use balint_core::register::{Grant, Register, RegisterEntry, Status};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::history::{change_from_row, change_row, rebuild, replay, update, ChangeRow};
use super::{audit_values, refused, summary_row, EntryRow, PersonColumns, StoredEntry};
use crate::db::audit;
use crate::db::people::Person;
use crate::db::schema::{
    people as people_table, register_changes, register_entries, registration_counters, societies,
};
use crate::db::societies::Society;
use crate::db::{on_connection, DbConnection};
use crate::error::ApiError;
use crate::pagination::{Page, PageRequest};

/// Every entry of `society_id`, by registration number.
pub fn entries(conn: &mut DbConnection, society_id: &str) -> Result<Vec<StoredEntry>, ApiError> {
    let rows = register_entries::table
        .filter(register_entries::society_id.eq(society_id))
        .order(register_entries::registration.asc())
        .select(EntryRow::as_select())
        .load(conn)?;
    rebuild(conn, rows)
}

/// `society_id`'s whole register as the domain sees it: it answers "did
/// person P hold tier T on day D" (`balint_core::evaluate::RegisterView`).
pub fn load(conn: &mut DbConnection, society_id: &str) -> Result<Register, ApiError> {
    into_register(entries(conn, society_id)?)
}

/// The entries of `people` only (those on the register), e.g. the
/// co-leaders and supervisors named in one trainee's ledger.
pub fn load_for_people(
    conn: &mut DbConnection,
    society_id: &str,
    people: &[PersonId],
) -> Result<Register, ApiError> {
    let mut rows = Vec::new();
    for chunk in people.chunks(500) {
        let ids: Vec<&str> = chunk.iter().map(PersonId::as_str).collect();
        rows.extend(
            register_entries::table
                .filter(register_entries::society_id.eq(society_id))
                .filter(register_entries::person_id.eq_any(ids))
                .select(EntryRow::as_select())
                .load(conn)?,
        );
    }
    into_register(rebuild(conn, rows)?)
}

fn into_register(stored: Vec<StoredEntry>) -> Result<Register, ApiError> {
    Register::try_from(
        stored
            .into_iter()
            .map(|s| s.entry)
            .collect::<Vec<RegisterEntry>>(),
    )
    .map_err(|e| {
        ApiError::Internal(anyhow::anyhow!(
            "stored register does not hold together: {e}"
        ))
    })
}

/// The entry numbered `registration` in `society_id`, if any.
pub fn by_registration(
    conn: &mut DbConnection,
    society_id: &str,
    registration: &str,
) -> Result<Option<StoredEntry>, ApiError> {
    let rows = register_entries::table
        .filter(register_entries::society_id.eq(society_id))
        .filter(register_entries::registration.eq(registration))
        .select(EntryRow::as_select())
        .load(conn)?;
    Ok(rebuild(conn, rows)?.pop())
}

/// The entry of `person_id` in `society_id`, if they are on the register.
pub fn by_person(
    conn: &mut DbConnection,
    society_id: &str,
    person_id: &str,
) -> Result<Option<StoredEntry>, ApiError> {
    let rows = register_entries::table
        .filter(register_entries::society_id.eq(society_id))
        .filter(register_entries::person_id.eq(person_id))
        .select(EntryRow::as_select())
        .load(conn)?;
    Ok(rebuild(conn, rows)?.pop())
}

/// Whose entries a listing includes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    /// Only people who consented to appear on the public register.
    PublicOnly,
    /// Everyone on the register (for the registrar).
    Everyone,
}

/// `society_id`'s entries with their people, ordered by family name, given
/// name and registration number: one query for entries and people, one per
/// 500 entries for their histories.
pub fn with_people(
    conn: &mut DbConnection,
    society_id: &str,
    listing: Listing,
) -> Result<Vec<(StoredEntry, Person)>, ApiError> {
    let mut query = register_entries::table
        .inner_join(people_table::table)
        .filter(register_entries::society_id.eq(society_id.to_owned()))
        .filter(people_table::society_id.eq(society_id.to_owned()))
        .into_boxed();
    if listing == Listing::PublicOnly {
        query = query.filter(people_table::public_listing.eq(true));
    }
    let found: Vec<(EntryRow, PersonColumns)> = query
        .order((
            people_table::sort_name.asc(),
            register_entries::registration.asc(),
        ))
        .select((EntryRow::as_select(), PersonColumns::as_select()))
        .load(conn)?;
    joined(conn, found)
}

/// A page of `society_id`'s entries with their people, in the order of
/// [`with_people`]: the registrar's list, which must not load a register
/// of tens of thousands at once.
pub fn page_with_people(
    conn: &mut DbConnection,
    society_id: &str,
    page: PageRequest,
) -> Result<Page<(StoredEntry, Person)>, ApiError> {
    let query = || {
        register_entries::table
            .inner_join(people_table::table)
            .filter(register_entries::society_id.eq(society_id.to_owned()))
            .filter(people_table::society_id.eq(society_id.to_owned()))
    };
    let total = query().count().get_result::<i64>(conn)?;
    let found: Vec<(EntryRow, PersonColumns)> = query()
        .order((
            people_table::sort_name.asc(),
            register_entries::registration.asc(),
        ))
        .limit(page.limit())
        .offset(page.offset())
        .select((EntryRow::as_select(), PersonColumns::as_select()))
        .load(conn)?;
    Ok(Page::new(joined(conn, found)?, page, total))
}

/// One change of one entry, as the registrar's "recent changes" list it.
#[derive(Debug, Clone)]
pub struct RecentChange {
    /// The day it took effect.
    pub effective: NaiveDate,
    /// The entry's registration number.
    pub registration: String,
    /// The person, for their name.
    pub person: Person,
    /// What changed (`grant`, `suspend`, ...).
    pub action: String,
    /// The status after it.
    pub to: String,
}

/// The `limit` latest changes of `society_id`'s register, by effective day
/// then registration number, newest first.
pub fn recent_changes(
    conn: &mut DbConnection,
    society_id: &str,
    limit: i64,
) -> Result<Vec<RecentChange>, ApiError> {
    let found: Vec<(NaiveDate, String, String, String, PersonColumns)> = register_changes::table
        .inner_join(register_entries::table.inner_join(people_table::table))
        .filter(register_entries::society_id.eq(society_id))
        .filter(people_table::society_id.eq(society_id))
        .order((
            register_changes::effective.desc(),
            register_entries::registration.desc(),
            register_changes::seq.desc(),
        ))
        .limit(limit)
        .select((
            register_changes::effective,
            register_entries::registration,
            register_changes::action,
            register_changes::to_status,
            PersonColumns::as_select(),
        ))
        .load(conn)?;
    found
        .into_iter()
        .map(|(effective, registration, action, to, person)| {
            Ok(RecentChange {
                effective,
                registration,
                person: person.into_person()?,
                action,
                to,
            })
        })
        .collect()
}

/// The entries of `society_id` due for renewal on `as_of`, as
/// `RegisterEntry::due_for_renewal` has it from the columns that follow
/// each entry's history: accredited, the cycle ending by `horizon`, the
/// lapse day not reached. An index on (society, status, valid until) finds
/// them without reading the register.
fn due<'a>(
    society_id: &'a str,
    as_of: NaiveDate,
    horizon: NaiveDate,
) -> register_entries::BoxedQuery<'a, <DbConnection as diesel::Connection>::Backend> {
    register_entries::table
        .filter(register_entries::society_id.eq(society_id))
        .filter(register_entries::status.eq(Status::Accredited.as_str()))
        .filter(register_entries::valid_until.le(horizon))
        .filter(
            register_entries::lapses_on
                .is_null()
                .or(register_entries::lapses_on.gt(as_of)),
        )
        .into_boxed()
}

/// How many entries of `society_id` are due for renewal on `as_of` with a
/// cycle ending by `horizon` (see [`due_page`]).
pub fn due_count(
    conn: &mut DbConnection,
    society_id: &str,
    as_of: NaiveDate,
    horizon: NaiveDate,
) -> Result<i64, ApiError> {
    Ok(due(society_id, as_of, horizon).count().get_result(conn)?)
}

/// An entry due for renewal, from the columns that follow its history
/// (see [`due_page`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueEntry {
    /// e.g. `BSANZ-0042`.
    pub registration: String,
    /// The tier most recently granted.
    pub tier: String,
    /// The last day of the current cycle.
    pub valid_until: NaiveDate,
    /// The day it lapses if not renewed.
    pub lapses_on: Option<NaiveDate>,
    /// Whose entry it is.
    pub person: Person,
}

/// The entries of `society_id` due for renewal on `as_of` with a cycle
/// ending by `horizon` (accredited, the lapse day not reached), soonest
/// first (then by registration), `page` of them (all without one) with
/// their people: from the entries' columns, which every write sets from
/// the history (its latest status, cycle and tier granted), so no history
/// is read. The index on (society, status, valid until, registration,
/// lapse day) gives them in order.
pub fn due_page(
    conn: &mut DbConnection,
    society_id: &str,
    as_of: NaiveDate,
    horizon: NaiveDate,
    page: Option<PageRequest>,
) -> Result<Vec<DueEntry>, ApiError> {
    // Not boxed, so that each form is one prepared statement the database
    // plans once, not on every page (the join's plan costs more than
    // reading the page).
    macro_rules! due {
        () => {
            register_entries::table
                .inner_join(people_table::table)
                .filter(register_entries::society_id.eq(society_id))
                .filter(people_table::society_id.eq(society_id))
                .filter(register_entries::status.eq(Status::Accredited.as_str()))
                .filter(register_entries::valid_until.le(horizon))
                .filter(
                    register_entries::lapses_on
                        .is_null()
                        .or(register_entries::lapses_on.gt(as_of)),
                )
                .order((
                    register_entries::valid_until.asc(),
                    register_entries::registration.asc(),
                ))
                .select((EntryRow::as_select(), PersonColumns::as_select()))
        };
    }
    let found: Vec<(EntryRow, PersonColumns)> = match page {
        Some(page) => due!()
            .limit(page.limit())
            .offset(page.offset())
            .load(conn)?,
        None => due!().load(conn)?,
    };
    found
        .into_iter()
        .filter_map(|(row, person)| {
            let valid_until = row.valid_until?;
            Some(person.into_person().map(|person| DueEntry {
                registration: row.registration,
                tier: row.tier,
                valid_until,
                lapses_on: row.lapses_on,
                person,
            }))
        })
        .collect()
}

/// Rebuild joined rows into entries with their people, in order.
fn joined(
    conn: &mut DbConnection,
    found: Vec<(EntryRow, PersonColumns)>,
) -> Result<Vec<(StoredEntry, Person)>, ApiError> {
    let (rows, people): (Vec<EntryRow>, Vec<PersonColumns>) = found.into_iter().unzip();
    let stored = rebuild(conn, rows)?;
    stored
        .into_iter()
        .zip(people)
        .map(|(entry, person)| Ok((entry, person.into_person()?)))
        .collect()
}

/// The entry numbered `registration` in the society with `slug`, with its
/// society, person and history, in one query (one row per change, in
/// order). `Ok(None)` when the society has no such entry; 404 when there is
/// no such society.
pub fn in_society(
    conn: &mut DbConnection,
    slug: &str,
    registration: &str,
) -> Result<Option<(Society, StoredEntry, Person)>, ApiError> {
    type Found = (EntryRow, PersonColumns, Society, Option<ChangeRow>);
    let found: Vec<Found> = on_connection!(&mut *conn, |c| {
        register_entries::table
            .inner_join(people_table::table.inner_join(societies::table))
            .left_join(register_changes::table)
            .filter(societies::slug.eq(slug))
            .filter(register_entries::registration.eq(registration))
            .filter(register_entries::society_id.eq(societies::id))
            .order(register_changes::seq.asc())
            .select((
                EntryRow::as_select(),
                PersonColumns::as_select(),
                Society::as_select(),
                Option::<ChangeRow>::as_select(),
            ))
            .load(c)?
    });
    let mut rows = found.into_iter();
    let Some((row, person, society, first)) = rows.next() else {
        // Tell an unknown society from an unknown number.
        crate::db::societies::by_slug(conn, slug)?;
        return Ok(None);
    };
    let mut history = Vec::with_capacity(rows.len() + 1);
    for change in first
        .into_iter()
        .chain(rows.filter_map(|(.., change)| change))
    {
        if change.entry_id == row.id {
            history.push(change_from_row(&change)?);
        }
    }
    let stored = replay(row, history)?;
    Ok(Some((society, stored, person.into_person()?)))
}

/// The prefix of a society's registration numbers: its slug in capitals
/// (`bsanz` -> `BSANZ-0042`).
pub fn prefix(society: &Society) -> String {
    society.slug.to_uppercase()
}

pub(super) fn number_in(registration: &str, prefix: &str) -> Option<i64> {
    registration
        .strip_prefix(prefix)?
        .strip_prefix('-')?
        .parse::<i64>()
        .ok()
}

/// Draw the society's next registration number. Numbers are never reused:
/// the counter only moves on, by a compare-and-set update, so of two
/// concurrent grants one retries with the next number. Call it inside
/// [`crate::db::write`].
pub fn next_registration(
    conn: &mut DbConnection,
    society: &Society,
) -> Result<RegistrationNumber, ApiError> {
    let prefix = prefix(society);
    for _ in 0..20 {
        let current: Option<i64> = registration_counters::table
            .filter(registration_counters::society_id.eq(&society.id))
            .select(registration_counters::next_number)
            .first(conn)
            .optional()?;
        let number = match current {
            Some(number) => {
                let moved = diesel::update(
                    registration_counters::table
                        .filter(registration_counters::society_id.eq(&society.id))
                        .filter(registration_counters::next_number.eq(number)),
                )
                .set(registration_counters::next_number.eq(number + 1))
                .execute(conn)?;
                if moved == 0 {
                    continue;
                }
                number
            }
            None => {
                // The first number: one past any already on the register
                // (e.g. imported before the counter existed).
                let register = load(conn, &society.id)?;
                let first = register
                    .next_registration(&prefix)
                    .map_err(refused)?
                    .as_str()
                    .to_owned();
                let number = number_in(&first, &prefix).unwrap_or(1);
                // A savepoint, so losing the race to create the row leaves
                // the outer transaction usable for the retry.
                let created = conn.transaction(|conn| {
                    diesel::insert_into(registration_counters::table)
                        .values((
                            registration_counters::society_id.eq(&society.id),
                            registration_counters::next_number.eq(number + 1),
                        ))
                        .execute(conn)
                });
                if created.is_err() {
                    continue;
                }
                number
            }
        };
        return format!("{prefix}-{number:04}")
            .parse()
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("registration number: {e}")));
    }
    Err(ApiError::Unavailable(anyhow::anyhow!(
        "the registration counter stayed contended"
    )))
}

/// Move the counter past `registration` if it carries the society's
/// prefix, so a number taken by an import is never issued again.
pub fn reserve(
    conn: &mut DbConnection,
    society: &Society,
    registration: &RegistrationNumber,
) -> Result<(), ApiError> {
    let Some(number) = number_in(registration.as_str(), &prefix(society)) else {
        return Ok(());
    };
    let current: Option<i64> = registration_counters::table
        .filter(registration_counters::society_id.eq(&society.id))
        .select(registration_counters::next_number)
        .first(conn)
        .optional()?;
    match current {
        Some(next) if next > number => {}
        Some(_) => {
            diesel::update(
                registration_counters::table
                    .filter(registration_counters::society_id.eq(&society.id)),
            )
            .set(registration_counters::next_number.eq(number + 1))
            .execute(conn)?;
        }
        None => {
            diesel::insert_into(registration_counters::table)
                .values((
                    registration_counters::society_id.eq(&society.id),
                    registration_counters::next_number.eq(number + 1),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// Store a new entry with its whole history. Call it inside
/// [`crate::db::write`]; 409 if the number or the person is taken.
pub fn insert(
    conn: &mut DbConnection,
    society_id: &str,
    entry: RegisterEntry,
    recorded_by: Option<&str>,
    now: NaiveDateTime,
) -> Result<StoredEntry, ApiError> {
    let taken = register_entries::table
        .filter(register_entries::society_id.eq(society_id))
        .filter(
            register_entries::registration
                .eq(entry.registration().as_str())
                .or(register_entries::person_id.eq(entry.person().as_str())),
        )
        .count()
        .get_result::<i64>(conn)?;
    if taken > 0 {
        return Err(ApiError::Conflict(format!(
            "registration {} or person {} is already on the register",
            entry.registration(),
            entry.person()
        )));
    }
    let id = uuid::Uuid::new_v4().to_string();
    diesel::insert_into(register_entries::table)
        .values(summary_row(&id, society_id, &entry, now, now))
        .execute(conn)?;
    let rows = entry
        .history()
        .iter()
        .enumerate()
        .map(|(seq, change)| change_row(&id, seq, change, recorded_by, now))
        .collect::<Result<Vec<_>, _>>()?;
    for row in rows {
        diesel::insert_into(register_changes::table)
            .values(row)
            .execute(conn)?;
    }
    audit::record(
        conn,
        audit::Change {
            actor_user_id: recorded_by,
            society_id: Some(society_id),
            action: audit::Action::Create,
            entity: audit::Entity::RegisterEntry,
            entity_id: &id,
            before: None,
            after: Some(audit_values(&entry)),
            at: now,
        },
    )?;
    Ok(StoredEntry {
        id,
        society_id: society_id.to_owned(),
        entry,
        created_at: now,
        updated_at: now,
    })
}

/// What a grant did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Granted {
    pub stored: StoredEntry,
    /// Whether the person was put on the register by it (else their entry
    /// was updated: a further tier, or re-accreditation).
    pub created: bool,
}

/// Record a grant for `person`: a new entry with the society's next
/// registration number, or a grant on their existing entry. Call it inside
/// [`crate::db::write`].
pub fn grant(
    conn: &mut DbConnection,
    society: &Society,
    person: &PersonId,
    grant: Grant,
    recorded_by: Option<&str>,
    now: NaiveDateTime,
) -> Result<Granted, ApiError> {
    match by_person(conn, &society.id, person.as_str())? {
        Some(stored) => {
            let stored = update(conn, stored, recorded_by, now, |entry| {
                entry.grant(grant).map(|_| ())
            })?;
            Ok(Granted {
                stored,
                created: false,
            })
        }
        None => {
            // Checked before a number is drawn, so a refused grant wastes none.
            let registration: RegistrationNumber = format!("{}-0000", prefix(society))
                .parse()
                .map_err(|e| ApiError::Internal(anyhow::anyhow!("registration number: {e}")))?;
            RegisterEntry::accredit(registration, person.clone(), grant.clone())
                .map_err(refused)?;
            let registration = next_registration(conn, society)?;
            let entry =
                RegisterEntry::accredit(registration, person.clone(), grant).map_err(refused)?;
            let stored = insert(conn, &society.id, entry, recorded_by, now)?;
            Ok(Granted {
                stored,
                created: true,
            })
        }
    }
}
