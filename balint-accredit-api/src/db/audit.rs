//! The append-only audit log. Every mutation writes its entry in the same
//! transaction as the change itself.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::Value;

use crate::db::schema::audit_log;
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
    fn as_str(self) -> &'static str {
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
    fn as_str(self) -> &'static str {
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

/// A page of `society_id`'s entries, newest first.
pub fn list_for_society(
    conn: &mut DbConnection,
    society_id: &str,
    page: PageRequest,
) -> QueryResult<Page<AuditRecord>> {
    let total = audit_log::table
        .filter(audit_log::society_id.eq(society_id))
        .count()
        .get_result::<i64>(conn)?;
    let items = audit_log::table
        .filter(audit_log::society_id.eq(society_id))
        .order(audit_log::id.desc())
        .limit(page.limit())
        .offset(page.offset())
        .select(AuditRecord::as_select())
        .load(conn)?;
    Ok(Page::new(items, page, total))
}
