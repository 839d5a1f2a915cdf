//! The append-only audit log. Every mutation writes its entry in the same
//! transaction as the change itself.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde_json::Value;

use crate::db::schema::{
    activities, applications, audit_log, register_entries, requirement_overrides, society_roles,
};
use crate::db::DbConnection;
use crate::pagination::{Page, PageRequest};

/// What was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Create,
    Update,
    Delete,
}

impl Action {
    /// Every action, in the order a filter offers them.
    pub const ALL: [Self; 3] = [Self::Create, Self::Update, Self::Delete];

    /// Its name in the log, e.g. `create`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Update => "update",
            Self::Delete => "delete",
        }
    }
}

/// What kind of thing it was done to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    Society,
    User,
    Pathway,
    Person,
    Activity,
    Application,
    RegisterEntry,
    /// A renewal's assessment and basis (the entry's own change is
    /// recorded under [`Entity::RegisterEntry`]).
    Renewal,
    RequirementOverride,
    /// A grant on the register made although the tier's prerequisites
    /// were not held: the registrar's reason and the prerequisites unmet
    /// (the entry's own change is recorded under [`Entity::RegisterEntry`]).
    PrerequisiteOverride,
}

impl Entity {
    /// Every kind, in the order a filter offers them.
    pub const ALL: [Self; 10] = [
        Self::Person,
        Self::User,
        Self::Activity,
        Self::Application,
        Self::RegisterEntry,
        Self::Renewal,
        Self::RequirementOverride,
        Self::PrerequisiteOverride,
        Self::Pathway,
        Self::Society,
    ];

    /// Its name in the log, e.g. `register_entry`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Society => "society",
            Self::User => "user",
            Self::Pathway => "pathway",
            Self::Person => "person",
            Self::Activity => "activity",
            Self::Application => "application",
            Self::RegisterEntry => "register_entry",
            Self::Renewal => "renewal",
            Self::RequirementOverride => "requirement_override",
            Self::PrerequisiteOverride => "prerequisite_override",
        }
    }
}

/// One entry to append.
#[derive(Debug)]
pub struct Change<'a> {
    /// The login that did it (none for command-line jobs).
    pub actor_user_id: Option<&'a str>,
    /// The society it belongs to, if any.
    pub society_id: Option<&'a str>,
    pub action: Action,
    pub entity: Entity,
    pub entity_id: &'a str,
    /// The values that changed, before (none for a creation).
    pub before: Option<Value>,
    /// The values that changed, after (none for a deletion).
    pub after: Option<Value>,
    pub at: NaiveDateTime,
}

/// A stored entry.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditRecord {
    pub id: i64,
    pub occurred_at: NaiveDateTime,
    pub actor_user_id: Option<String>,
    pub society_id: Option<String>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
}

/// Append `change` to the log.
pub fn record(conn: &mut DbConnection, change: Change<'_>) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::occurred_at.eq(change.at),
            audit_log::actor_user_id.eq(change.actor_user_id),
            audit_log::society_id.eq(change.society_id),
            audit_log::action.eq(change.action.as_str()),
            audit_log::entity_type.eq(change.entity.as_str()),
            audit_log::entity_id.eq(change.entity_id),
            audit_log::before_json.eq(change.before.map(|v| v.to_string())),
            audit_log::after_json.eq(change.after.map(|v| v.to_string())),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Append many changes at once (an import), in batches.
pub fn record_all(conn: &mut DbConnection, changes: Vec<Change<'_>>) -> QueryResult<()> {
    let rows: Vec<_> = changes
        .into_iter()
        .map(|change| {
            (
                audit_log::occurred_at.eq(change.at),
                // Owned, so that every full batch is one prepared statement.
                audit_log::actor_user_id.eq(change.actor_user_id.map(str::to_owned)),
                audit_log::society_id.eq(change.society_id.map(str::to_owned)),
                audit_log::action.eq(change.action.as_str()),
                audit_log::entity_type.eq(change.entity.as_str()),
                audit_log::entity_id.eq(change.entity_id.to_owned()),
                audit_log::before_json.eq(change.before.map(|v| v.to_string())),
                audit_log::after_json.eq(change.after.map(|v| v.to_string())),
            )
        })
        .collect();
    crate::db::insert_in_batches!(conn, audit_log::table, &rows)?;
    Ok(())
}

/// Which entries of a society's log to read; every part is optional and
/// all that are given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Made by this login.
    pub actor: Option<String>,
    /// Of this kind of thing, e.g. `person`.
    pub entity_type: Option<String>,
    /// Of the thing with this id.
    pub entity_id: Option<String>,
    /// About this person: their record, their ledger records, applications,
    /// register entries (with renewals and overrides of prerequisites),
    /// overrides of requirements, and their login.
    pub person: Option<String>,
    /// `create`, `update` or `delete`.
    pub action: Option<String>,
    /// On or after this day (UTC).
    pub from: Option<NaiveDate>,
    /// On or before this day (UTC).
    pub to: Option<NaiveDate>,
}

fn filtered<'a>(
    society_id: &'a str,
    filter: &'a Filter,
) -> audit_log::BoxedQuery<'a, <DbConnection as diesel::Connection>::Backend> {
    let mut query = audit_log::table
        .filter(audit_log::society_id.eq(society_id))
        .into_boxed();
    if let Some(actor) = &filter.actor {
        query = query.filter(audit_log::actor_user_id.eq(actor));
    }
    if let Some(entity_type) = &filter.entity_type {
        query = query.filter(audit_log::entity_type.eq(entity_type));
    }
    if let Some(entity_id) = &filter.entity_id {
        query = query.filter(audit_log::entity_id.eq(entity_id));
    }
    if let Some(action) = &filter.action {
        query = query.filter(audit_log::action.eq(action));
    }
    if let Some(person) = &filter.person {
        query = query.filter(
            audit_log::entity_type
                .eq("person")
                .and(audit_log::entity_id.eq(person))
                .or(audit_log::entity_id.eq_any(
                    activities::table
                        .filter(activities::person_id.eq(person))
                        .select(activities::id),
                ))
                .or(audit_log::entity_id.eq_any(
                    applications::table
                        .filter(applications::person_id.eq(person))
                        .select(applications::id),
                ))
                .or(audit_log::entity_id.eq_any(
                    register_entries::table
                        .filter(register_entries::person_id.eq(person))
                        .select(register_entries::id),
                ))
                .or(audit_log::entity_id.eq_any(
                    requirement_overrides::table
                        .filter(requirement_overrides::person_id.eq(person))
                        .select(requirement_overrides::id),
                ))
                .or(audit_log::entity_id.eq_any(
                    society_roles::table
                        .filter(society_roles::society_id.eq(society_id))
                        .filter(society_roles::person_id.eq(person))
                        .select(society_roles::user_id),
                )),
        );
    }
    if let Some(from) = filter.from {
        query = query.filter(audit_log::occurred_at.ge(from.and_time(chrono::NaiveTime::MIN)));
    }
    if let Some(next) = filter.to.and_then(|to| to.succ_opt()) {
        query = query.filter(audit_log::occurred_at.lt(next.and_time(chrono::NaiveTime::MIN)));
    }
    query
}

/// A page of `society_id`'s entries, newest first.
pub fn list_for_society(
    conn: &mut DbConnection,
    society_id: &str,
    page: PageRequest,
) -> QueryResult<Page<AuditRecord>> {
    list_filtered(conn, society_id, &Filter::default(), page)
}

/// A page of `society_id`'s entries that pass `filter`, newest first.
pub fn list_filtered(
    conn: &mut DbConnection,
    society_id: &str,
    filter: &Filter,
    page: PageRequest,
) -> QueryResult<Page<AuditRecord>> {
    let total = filtered(society_id, filter)
        .count()
        .get_result::<i64>(conn)?;
    let items = filtered(society_id, filter)
        .order(audit_log::id.desc())
        .limit(page.limit())
        .offset(page.offset())
        .select(AuditRecord::as_select())
        .load(conn)?;
    Ok(Page::new(items, page, total))
}

/// The logins that made a change in `society_id`'s log.
pub fn actors(conn: &mut DbConnection, society_id: &str) -> QueryResult<Vec<String>> {
    audit_log::table
        .filter(audit_log::society_id.eq(society_id))
        .filter(audit_log::actor_user_id.is_not_null())
        .select(audit_log::actor_user_id.assume_not_null())
        .distinct()
        .order(audit_log::actor_user_id.assume_not_null())
        .load(conn)
}
