//! The append-only audit log. Every mutation writes its entry in the same
//! transaction as the change itself.
//!
//! The log is one hash chain, in id order: each record carries the hash of
//! the record before it (`prev_hash`, `""` for the first) and its own
//! `hash`, the SHA-256 of that and of its content ([`chain_hash`]). A
//! record changed, or removed, behind the service's back breaks the chain
//! where it was, and [`check_chain`] (`balint-accredit check`) names it.
//! Two writers must not chain to the same predecessor: the last hash is
//! read inside the writing transaction, which on SQLite holds the write
//! lock already (`db::write`), and on PostgreSQL takes an advisory
//! transaction lock first ([`CHAIN_LOCK`]), so audited writes are appended
//! one at a time. One chain for the whole log rather than one per society:
//! records of no society (the platform's logins) belong to it too, and a
//! small service writes few enough records that one lock costs nothing.
//! The newest records' removal cannot be seen in the chain itself, so the
//! chain's head (the newest record's id and hash) is also kept in a table
//! of its own, `audit_chain_head`, moved on in the same transaction as
//! every record written ([`check_head`] compares the two). Whoever can
//! rewrite both tables can rewrite history anyway: keep backups (their
//! manifests date them) and, for a register that must be beyond doubt, note
//! the head `balint-accredit check` prints somewhere else from time to time.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::db::schema::{
    activities, applications, audit_chain_head, audit_log, register_entries, requirement_overrides,
    society_roles,
};
use crate::db::DbConnection;
use crate::pagination::{Page, PageRequest};

/// What was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Create,
    Update,
    Delete,
    /// Data given out (a person's data-protection export).
    Export,
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
            Self::Export => "export",
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
    /// Everything held about a person (its id is the person's): exported,
    /// or erased as far as the society may.
    PersonalData,
    /// A society's webhook endpoint: made, enabled again, deleted.
    WebhookEndpoint,
    /// A delivery of a webhook: replayed or dropped.
    WebhookDelivery,
    /// An e-mail message: replayed or dropped by the operator.
    MailMessage,
    /// A certificate of attendance issued.
    AttendanceCertificate,
    /// A training programme, or a trainee added to it.
    TrainingProgramme,
    /// A Balint group, its leaders and its members.
    Group,
    /// A group's session, with who came (its records are recorded under
    /// [`Entity::Activity`]).
    GroupSession,
    /// A verifiable credential issued for a register entry.
    Credential,
    /// A society's signing key for its credentials (made, or rotated).
    IssuerKey,
}

impl Entity {
    /// Every kind, in the order a filter offers them.
    pub const ALL: [Self; 19] = [
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
        Self::WebhookEndpoint,
        Self::WebhookDelivery,
        Self::MailMessage,
        Self::AttendanceCertificate,
        Self::TrainingProgramme,
        Self::Group,
        Self::GroupSession,
        Self::Credential,
        Self::IssuerKey,
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
            Self::PersonalData => "personal_data",
            Self::WebhookEndpoint => "webhook_endpoint",
            Self::WebhookDelivery => "webhook_delivery",
            Self::MailMessage => "mail_message",
            Self::AttendanceCertificate => "attendance_certificate",
            Self::TrainingProgramme => "training_programme",
            Self::Group => "group",
            Self::GroupSession => "group_session",
            Self::Credential => "credential",
            Self::IssuerKey => "issuer_key",
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

/// The advisory lock (PostgreSQL) held by a transaction appending to the
/// audit chain ("achn").
pub const CHAIN_LOCK: i64 = 0x6163_686e;

/// The hash of an audit record: SHA-256, in hex, of a JSON array of the
/// previous record's hash and the record's stored columns (the time to
/// the microsecond, as both databases keep it).
#[allow(clippy::too_many_arguments)]
pub fn chain_hash(
    prev_hash: &str,
    occurred_at: NaiveDateTime,
    actor_user_id: Option<&str>,
    society_id: Option<&str>,
    action: &str,
    entity_type: &str,
    entity_id: &str,
    before_json: Option<&str>,
    after_json: Option<&str>,
) -> String {
    let content = serde_json::json!([
        prev_hash,
        occurred_at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string(),
        actor_user_id,
        society_id,
        action,
        entity_type,
        entity_id,
        before_json,
        after_json,
    ]);
    hex::encode(Sha256::digest(content.to_string().as_bytes()))
}

/// The hash of the log's last record, to chain the next to (`""` for an
/// empty log), read under the chain's lock on PostgreSQL. Call it inside
/// the writing transaction.
fn chain_head(conn: &mut DbConnection) -> QueryResult<String> {
    if let DbConnection::Postgres(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<BigInt, _>(CHAIN_LOCK)
            .execute(pg)?;
    }
    Ok(audit_log::table
        .order(audit_log::id.desc())
        .select(audit_log::hash)
        .first::<Option<String>>(conn)
        .optional()?
        .flatten()
        .unwrap_or_default())
}

/// A change as stored, with its place in the chain.
struct Chained<'a> {
    change: Change<'a>,
    before: Option<String>,
    after: Option<String>,
    prev_hash: String,
    hash: String,
}

fn chain<'a>(prev_hash: &mut String, change: Change<'a>) -> Chained<'a> {
    let before = change.before.as_ref().map(Value::to_string);
    let after = change.after.as_ref().map(Value::to_string);
    let hash = chain_hash(
        prev_hash,
        change.at,
        change.actor_user_id,
        change.society_id,
        change.action.as_str(),
        change.entity.as_str(),
        change.entity_id,
        before.as_deref(),
        after.as_deref(),
    );
    let prev = std::mem::replace(prev_hash, hash.clone());
    Chained {
        change,
        before,
        after,
        prev_hash: prev,
        hash,
    }
}

/// Append `change` to the log.
pub fn record(conn: &mut DbConnection, change: Change<'_>) -> QueryResult<()> {
    let mut head = chain_head(conn)?;
    let c = chain(&mut head, change);
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::occurred_at.eq(c.change.at),
            audit_log::actor_user_id.eq(c.change.actor_user_id),
            audit_log::society_id.eq(c.change.society_id),
            audit_log::action.eq(c.change.action.as_str()),
            audit_log::entity_type.eq(c.change.entity.as_str()),
            audit_log::entity_id.eq(c.change.entity_id),
            audit_log::before_json.eq(c.before),
            audit_log::after_json.eq(c.after),
            audit_log::prev_hash.eq(Some(c.prev_hash)),
            audit_log::hash.eq(Some(c.hash)),
        ))
        .execute(conn)?;
    move_head(conn)
}

/// The log's newest record, its id and hash (none for an empty log).
fn newest(conn: &mut DbConnection) -> QueryResult<Option<(i64, Option<String>)>> {
    audit_log::table
        .order(audit_log::id.desc())
        .select((audit_log::id, audit_log::hash))
        .first(conn)
        .optional()
}

/// Move the chain's head to the log's newest record. Inside the writing
/// transaction, after the records are written.
fn move_head(conn: &mut DbConnection) -> QueryResult<()> {
    let Some((last_id, Some(hash))) = newest(conn)? else {
        return Ok(());
    };
    let moved = diesel::update(audit_chain_head::table.find(1))
        .set((
            audit_chain_head::last_id.eq(last_id),
            audit_chain_head::hash.eq(&hash),
        ))
        .execute(conn)?;
    if moved == 0 {
        diesel::insert_into(audit_chain_head::table)
            .values((
                audit_chain_head::id.eq(1),
                audit_chain_head::last_id.eq(last_id),
                audit_chain_head::hash.eq(&hash),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Set the chain's head to the log as it stands (once, right after the
/// migration that made the head; see `db::run_migrations`).
pub fn anchor_head(conn: &mut DbConnection) -> QueryResult<()> {
    move_head(conn)
}

/// The chain's head as kept: its newest record.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct Head {
    /// The newest record's id.
    pub last_id: i64,
    /// Its hash.
    pub hash: String,
}

/// The chain's head as kept.
pub fn head(conn: &mut DbConnection) -> QueryResult<Option<Head>> {
    audit_chain_head::table
        .find(1)
        .select((audit_chain_head::last_id, audit_chain_head::hash))
        .first(conn)
        .optional()
}

/// Compare the log's newest record with the head kept beside it: returns
/// the head, and what disagrees, in words (the newest records removed, a
/// record written without moving the head, the head itself removed).
pub fn check_head(conn: &mut DbConnection) -> QueryResult<(Option<Head>, Vec<String>)> {
    let kept = head(conn)?;
    let newest = newest(conn)?;
    let problem = match (&kept, &newest) {
        (None, None) => None,
        (None, Some((id, _))) => Some(format!(
            "the chain's head is missing, though the log ends at record {id}: it was removed behind the service's back"
        )),
        (Some(Head { last_id: head_id, .. }), None) => Some(format!(
            "the log is empty, but its newest record was {head_id}: every record was removed"
        )),
        (Some(Head { last_id: head_id, .. }), Some((id, _))) if id < head_id => Some(format!(
            "the log ends at record {id}, but its newest record was {head_id}: the newest records were removed"
        )),
        (Some(Head { last_id: head_id, .. }), Some((id, _))) if id > head_id => Some(format!(
            "the log ends at record {id}, after its head, record {head_id}: records were written behind the service's back"
        )),
        (Some(Head { last_id: head_id, hash }), Some((_, found))) if found.as_deref() != Some(hash.as_str()) => {
            Some(format!(
                "record {head_id}, the chain's head, does not carry the hash the head keeps: it was changed"
            ))
        }
        _ => None,
    };
    Ok((kept, problem.into_iter().collect()))
}

/// Append many changes at once (an import), in batches.
pub fn record_all(conn: &mut DbConnection, changes: Vec<Change<'_>>) -> QueryResult<()> {
    if changes.is_empty() {
        return Ok(());
    }
    let mut head = chain_head(conn)?;
    let rows: Vec<_> = changes
        .into_iter()
        .map(|change| {
            let c = chain(&mut head, change);
            (
                audit_log::occurred_at.eq(c.change.at),
                // Owned, so that every full batch is one prepared statement.
                audit_log::actor_user_id.eq(c.change.actor_user_id.map(str::to_owned)),
                audit_log::society_id.eq(c.change.society_id.map(str::to_owned)),
                audit_log::action.eq(c.change.action.as_str()),
                audit_log::entity_type.eq(c.change.entity.as_str()),
                audit_log::entity_id.eq(c.change.entity_id.to_owned()),
                audit_log::before_json.eq(c.before),
                audit_log::after_json.eq(c.after),
                audit_log::prev_hash.eq(Some(c.prev_hash)),
                audit_log::hash.eq(Some(c.hash)),
            )
        })
        .collect();
    crate::db::insert_in_batches!(conn, audit_log::table, &rows)?;
    move_head(conn)
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

/// A stored record with its place in the chain.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
struct ChainRow {
    id: i64,
    occurred_at: NaiveDateTime,
    actor_user_id: Option<String>,
    society_id: Option<String>,
    action: String,
    entity_type: String,
    entity_id: String,
    before_json: Option<String>,
    after_json: Option<String>,
    prev_hash: Option<String>,
    hash: Option<String>,
}

impl ChainRow {
    fn hash_after(&self, prev_hash: &str) -> String {
        chain_hash(
            prev_hash,
            self.occurred_at,
            self.actor_user_id.as_deref(),
            self.society_id.as_deref(),
            &self.action,
            &self.entity_type,
            &self.entity_id,
            self.before_json.as_deref(),
            self.after_json.as_deref(),
        )
    }
}

/// Every record, in id order, a page at a time, to `each`.
fn each_in_order(
    conn: &mut DbConnection,
    mut each: impl FnMut(&mut DbConnection, ChainRow) -> QueryResult<()>,
) -> QueryResult<()> {
    let mut after = i64::MIN;
    loop {
        let page: Vec<ChainRow> = audit_log::table
            .filter(audit_log::id.gt(after))
            .order(audit_log::id.asc())
            .limit(5000)
            .select(ChainRow::as_select())
            .load(conn)?;
        let Some(last) = page.last() else {
            return Ok(());
        };
        after = last.id;
        for row in page {
            each(conn, row)?;
        }
    }
}

/// Walk the whole chain: returns how many records were checked and each
/// break found, in words (a record whose content no longer matches its
/// hash was changed; one whose predecessor is not the one it was chained
/// to follows a removed or changed record; one with no hash was written
/// behind the service's back).
pub fn check_chain(conn: &mut DbConnection) -> QueryResult<(usize, Vec<String>)> {
    let mut problems = Vec::new();
    let mut checked = 0;
    let mut prev = String::new();
    each_in_order(conn, |_, row| {
        checked += 1;
        let Some(hash) = row.hash.clone() else {
            problems.push(format!(
                "audit record {} has no hash: it was not written by the service",
                row.id
            ));
            return Ok(());
        };
        let chained_to = row.prev_hash.clone().unwrap_or_default();
        if chained_to != prev {
            problems.push(format!(
                "audit record {} was chained to a record that is no longer before it: \
                 a record before it was removed or changed",
                row.id
            ));
        }
        if row.hash_after(&chained_to) != hash {
            problems.push(format!(
                "audit record {} ({} {} {}) does not match its hash: it was changed after it was written",
                row.id, row.action, row.entity_type, row.entity_id
            ));
        }
        prev = hash;
        Ok(())
    })?;
    Ok((checked, problems))
}

/// Chain the records written before the log was a chain (run once, right
/// after the migration that made it one; see `db::run_migrations`).
pub fn chain_existing(conn: &mut DbConnection) -> QueryResult<usize> {
    let mut prev = String::new();
    let mut chained = 0;
    each_in_order(conn, |conn, row| {
        let hash = match &row.hash {
            Some(hash) => hash.clone(),
            None => {
                let hash = row.hash_after(&prev);
                diesel::update(audit_log::table.find(row.id))
                    .set((
                        audit_log::prev_hash.eq(Some(prev.clone())),
                        audit_log::hash.eq(Some(hash.clone())),
                    ))
                    .execute(conn)?;
                chained += 1;
                hash
            }
        };
        prev = hash;
        Ok(())
    })?;
    Ok(chained)
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
