//! The append-only audit log. Every mutation writes its entry in the same
//! transaction as the change itself.
//!
//! The log is one hash chain, in id order: each record carries the digest
//! of its content (`content_hash`: the SHA-256 of its time, actor,
//! society, action, entity and values), the hash of the record before it
//! (`prev_hash`, `""` for the first) and its own `hash`, the SHA-256 of
//! that, its id and its digest ([`chain_hash`]). A record changed, or
//! removed, behind the service's back breaks the chain where it was, and
//! [`check_chain`] (`balint-accredit check`) names it.
//!
//! The chain is over the digests rather than the content, so that a
//! person's erasure can take their details out of the records about them
//! ([`redact`]) while the chain still links: the erasure's own record names
//! each record it redacted, with the digest of what it left
//! ([`REDACTED_KEY`]), and `check` holds a record whose content no longer
//! matches its digest to that (a redaction behind the service's back is
//! found like any other change).
//!
//! Two writers must not chain to the same predecessor: the last hash is
//! read inside the writing transaction, which on SQLite holds the write
//! lock already (`db::write`), and on PostgreSQL takes an advisory
//! transaction lock first ([`CHAIN_LOCK`]), so audited writes are appended
//! one at a time (and a record's id, which its hash holds, is taken under
//! that lock before it is written). One chain for the whole log rather
//! than one per society: records of no society (the platform's logins)
//! belong to it too, and a small service writes few enough records that
//! one lock costs nothing.
//! The newest records' removal cannot be seen in the chain itself, so the
//! chain's head (the newest record's id and hash) is also kept in a table
//! of its own, `audit_chain_head`, moved on in the same transaction as
//! every record written ([`check_head`] compares the two). Whoever can
//! rewrite both tables can rewrite history anyway: keep backups (their
//! manifests date them) and, for a register that must be beyond doubt, note
//! the head `balint-accredit check` prints somewhere else from time to time.

use std::collections::HashMap;

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

/// What takes the place of a person's detail erased from an audit record.
pub const ERASED: &str = "[erased]";

fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// A record's content: every stored column but its id and its place in
/// the chain.
struct Content<'a> {
    occurred_at: NaiveDateTime,
    actor_user_id: Option<&'a str>,
    society_id: Option<&'a str>,
    action: &'a str,
    entity_type: &'a str,
    entity_id: &'a str,
    before_json: Option<&'a str>,
    after_json: Option<&'a str>,
}

impl Content<'_> {
    /// The columns as hashed: the time to the microsecond, as both
    /// databases keep it.
    fn columns(&self) -> [Value; 8] {
        [
            self.occurred_at
                .format("%Y-%m-%dT%H:%M:%S%.6f")
                .to_string()
                .into(),
            self.actor_user_id.into(),
            self.society_id.into(),
            self.action.into(),
            self.entity_type.into(),
            self.entity_id.into(),
            self.before_json.into(),
            self.after_json.into(),
        ]
    }

    /// Its digest: SHA-256, in hex, of a JSON array of its columns.
    fn digest(&self) -> String {
        sha256_hex(&Value::from(self.columns().to_vec()).to_string())
    }

    /// The hash the chain took before records carried a digest of their
    /// content (over the previous record's hash and the content itself):
    /// only to verify a log of that time while it is chained anew.
    fn legacy_hash(&self, prev_hash: &str) -> String {
        let mut array = vec![Value::from(prev_hash)];
        array.extend(self.columns());
        sha256_hex(&Value::from(array).to_string())
    }
}

/// The hash of an audit record in the chain: SHA-256, in hex, of a JSON
/// array of the previous record's hash (`""` for the first), the record's
/// id and the digest of its content (`""` for a record that has none).
/// The content itself is not in it, so that an erasure can redact a
/// person's details from a record and the chain still links.
pub fn chain_hash(prev_hash: &str, id: i64, content_hash: &str) -> String {
    sha256_hex(&serde_json::json!([prev_hash, id, content_hash]).to_string())
}

/// The hash of the log's last record, to chain the next to (`""` for an
/// empty log), read under the chain's lock on PostgreSQL. Call it inside
/// the writing transaction.
fn chain_head(conn: &mut DbConnection) -> QueryResult<String> {
    lock_chain(conn)?;
    Ok(audit_log::table
        .order(audit_log::id.desc())
        .select(audit_log::hash)
        .first::<Option<String>>(conn)
        .optional()?
        .flatten()
        .unwrap_or_default())
}

/// Take the chain's lock until the transaction ends (PostgreSQL; on
/// SQLite the write lock the transaction holds is enough).
fn lock_chain(conn: &mut DbConnection) -> QueryResult<()> {
    if let DbConnection::Postgres(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<BigInt, _>(CHAIN_LOCK)
            .execute(pg)?;
    }
    Ok(())
}

#[derive(QueryableByName)]
struct NextId {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// The ids the next `n` records take, in order, as the database would
/// give them. The id is in the record's hash, so it is taken before the
/// record is written: after [`chain_head`], under the chain's lock on
/// PostgreSQL (every record is written under it) and the write lock on
/// SQLite, so no other writer takes them.
fn next_ids(conn: &mut DbConnection, n: usize) -> QueryResult<Vec<i64>> {
    let count = i64::try_from(n).unwrap_or(i64::MAX);
    match conn {
        DbConnection::Sqlite(c) => {
            // AUTOINCREMENT: never an id used before, even if removed.
            let next: NextId = diesel::sql_query(
                "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'), 0), \
                 COALESCE((SELECT MAX(id) FROM audit_log), 0)) + 1 AS id",
            )
            .get_result(c)?;
            Ok((0..count).map(|i| next.id + i).collect())
        }
        DbConnection::Postgres(c) => {
            // The whole range in one statement: the sequence moved on past
            // it, its first id returned (no one else takes ids meanwhile).
            let first: NextId = diesel::sql_query(
                "SELECT setval(s.name, nextval(s.name) + $1 - 1) - $1 + 1 AS id \
                 FROM (SELECT pg_get_serial_sequence('audit_log', 'id') AS name) s",
            )
            .bind::<BigInt, _>(count)
            .get_result(c)?;
            Ok((0..count).map(|i| first.id + i).collect())
        }
    }
}

/// Append `change` to the log.
pub fn record(conn: &mut DbConnection, change: Change<'_>) -> QueryResult<()> {
    record_all(conn, vec![change])
}

/// Set the chain's head to record `last_id`, whose hash is `hash`.
fn set_head(conn: &mut DbConnection, last_id: i64, hash: &str) -> QueryResult<()> {
    let moved = diesel::update(audit_chain_head::table.find(1))
        .set((
            audit_chain_head::last_id.eq(last_id),
            audit_chain_head::hash.eq(hash),
        ))
        .execute(conn)?;
    if moved == 0 {
        diesel::insert_into(audit_chain_head::table)
            .values((
                audit_chain_head::id.eq(1),
                audit_chain_head::last_id.eq(last_id),
                audit_chain_head::hash.eq(hash),
            ))
            .execute(conn)?;
    }
    Ok(())
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
    set_head(conn, last_id, &hash)
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
    let mut prev = chain_head(conn)?;
    let ids = next_ids(conn, changes.len())?;
    let last_id = ids.last().copied().unwrap_or_default();
    let rows: Vec<_> = changes
        .into_iter()
        .zip(ids)
        .map(|(change, id)| {
            let before = change.before.as_ref().map(Value::to_string);
            let after = change.after.as_ref().map(Value::to_string);
            let digest = Content {
                occurred_at: change.at,
                actor_user_id: change.actor_user_id,
                society_id: change.society_id,
                action: change.action.as_str(),
                entity_type: change.entity.as_str(),
                entity_id: change.entity_id,
                before_json: before.as_deref(),
                after_json: after.as_deref(),
            }
            .digest();
            let hash = chain_hash(&prev, id, &digest);
            let prev_hash = std::mem::replace(&mut prev, hash.clone());
            (
                audit_log::id.eq(id),
                audit_log::occurred_at.eq(change.at),
                // Owned, so that every full batch is one prepared statement.
                audit_log::actor_user_id.eq(change.actor_user_id.map(str::to_owned)),
                audit_log::society_id.eq(change.society_id.map(str::to_owned)),
                audit_log::action.eq(change.action.as_str()),
                audit_log::entity_type.eq(change.entity.as_str()),
                audit_log::entity_id.eq(change.entity_id.to_owned()),
                audit_log::before_json.eq(before),
                audit_log::after_json.eq(after),
                audit_log::prev_hash.eq(Some(prev_hash)),
                audit_log::hash.eq(Some(hash)),
                audit_log::content_hash.eq(Some(digest)),
            )
        })
        .collect();
    if let [row] = rows.as_slice() {
        // One record (every audited write but an import): a plain insert.
        diesel::insert_into(audit_log::table)
            .values(row.clone())
            .execute(conn)?;
    } else {
        crate::db::insert_in_batches!(conn, audit_log::table, &rows)?;
    }
    set_head(conn, last_id, &prev)
}

/// A record redacted by an erasure: its id, and the digest of its content
/// as redacted (which the erasure's own record keeps, so that `check`
/// tells the redaction from a change behind the service's back).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Redacted {
    /// The record's id.
    pub id: i64,
    /// The digest of its content as redacted.
    pub content_hash: String,
}

/// Replace the before and after values of record `record` with
/// `before` and `after` (a person's details erased from them), keeping its
/// time, actor, action and entity, and its place in the chain. Only for an
/// erasure, whose own record must then name what this returns. Inside the
/// erasure's transaction.
pub fn redact(
    conn: &mut DbConnection,
    record: &AuditRecord,
    before: Option<String>,
    after: Option<String>,
) -> QueryResult<Redacted> {
    let content_hash = Content {
        occurred_at: record.occurred_at,
        actor_user_id: record.actor_user_id.as_deref(),
        society_id: record.society_id.as_deref(),
        action: &record.action,
        entity_type: &record.entity_type,
        entity_id: &record.entity_id,
        before_json: before.as_deref(),
        after_json: after.as_deref(),
    }
    .digest();
    diesel::update(audit_log::table.find(record.id))
        .set((
            audit_log::before_json.eq(before),
            audit_log::after_json.eq(after),
        ))
        .execute(conn)?;
    Ok(Redacted {
        id: record.id,
        content_hash,
    })
}

/// Put [`ERASED`] in place of every value `value` holds (of an object,
/// each field's, the names staying); whether anything was taken.
pub fn erase_all(value: &mut Value) -> bool {
    match value {
        Value::Null => false,
        Value::Object(map) => map.values_mut().fold(false, |changed, inner| {
            let taken = !inner.is_null() && inner.as_str() != Some(ERASED);
            if taken {
                *inner = Value::from(ERASED);
            }
            changed | taken
        }),
        _ if value.as_str() == Some(ERASED) => false,
        _ => {
            *value = Value::from(ERASED);
            true
        }
    }
}

/// Take `keys`' values (at any depth) and any string equal to one of
/// `values` out of `value`, putting [`ERASED`] in their place; whether
/// anything was taken. A value already null is left as it is.
pub fn erase_details(value: &mut Value, keys: &[&str], values: &[String]) -> bool {
    match value {
        Value::Object(map) => {
            let mut changed = false;
            for (key, inner) in map.iter_mut() {
                if keys.contains(&key.as_str()) && !inner.is_null() {
                    if inner.as_str() != Some(ERASED) {
                        *inner = Value::from(ERASED);
                        changed = true;
                    }
                } else {
                    changed |= erase_details(inner, keys, values);
                }
            }
            changed
        }
        Value::Array(items) => items.iter_mut().fold(false, |changed, inner| {
            erase_details(inner, keys, values) | changed
        }),
        Value::String(text) if values.iter().any(|v| v == text) => {
            *value = Value::from(ERASED);
            true
        }
        _ => false,
    }
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
    content_hash: Option<String>,
}

impl ChainRow {
    fn content(&self) -> Content<'_> {
        Content {
            occurred_at: self.occurred_at,
            actor_user_id: self.actor_user_id.as_deref(),
            society_id: self.society_id.as_deref(),
            action: &self.action,
            entity_type: &self.entity_type,
            entity_id: &self.entity_id,
            before_json: self.before_json.as_deref(),
            after_json: self.after_json.as_deref(),
        }
    }

    /// How `check` names it: what was done to what.
    fn label(&self) -> String {
        format!("{} {} {}", self.action, self.entity_type, self.entity_id)
    }

    /// The records an erasure's record says it redacted (none for any
    /// other record).
    fn redactions(&self) -> Vec<Redacted> {
        if self.entity_type != Entity::PersonalData.as_str()
            || self.action != Action::Delete.as_str()
        {
            return Vec::new();
        }
        self.after_json
            .as_deref()
            .and_then(|after| serde_json::from_str::<Value>(after).ok())
            .and_then(|after| {
                serde_json::from_value::<Vec<Redacted>>(after.get(REDACTED_KEY)?.clone()).ok()
            })
            .unwrap_or_default()
    }
}

/// The key of an erasure record's after value naming the records it
/// redacted ([`Redacted`]).
pub const REDACTED_KEY: &str = "audit_redacted";

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

/// What walking the chain found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChainCheck {
    /// How many records were walked.
    pub records: usize,
    /// How many of them were redacted by an erasure: their content no
    /// longer matches its digest, as a later erasure's record says.
    pub redacted: usize,
    /// Each break found, in words.
    pub problems: Vec<String>,
}

/// Walk the whole chain. Each record must be chained to the one before it
/// (one that is not follows a removed or changed record), its hash must
/// follow from that, its id and its content's digest, and its content must
/// match the digest, unless a later erasure's record names it as redacted
/// with the digest of its content as it is now (a record changed, or
/// redacted, behind the service's back is named). A record with no hash,
/// or no digest, was not written by the service (or had been changed when
/// the log was chained anew with digests).
pub fn check_chain(conn: &mut DbConnection) -> QueryResult<ChainCheck> {
    let mut found = ChainCheck::default();
    let mut prev = String::new();
    // Records whose content does not match their digest: their id, label,
    // and the digest of their content as it is.
    let mut differing: Vec<(i64, String, String)> = Vec::new();
    // What the erasures redacted: a record's id, the erasure's, and the
    // digest of the content it left (a later erasure's word counts).
    let mut redactions: HashMap<i64, (i64, String)> = HashMap::new();
    each_in_order(conn, |_, row| {
        found.records += 1;
        let Some(hash) = row.hash.clone() else {
            found.problems.push(format!(
                "audit record {} has no hash: it was not written by the service",
                row.id
            ));
            return Ok(());
        };
        let chained_to = row.prev_hash.clone().unwrap_or_default();
        if chained_to != prev {
            found.problems.push(format!(
                "audit record {} was chained to a record that is no longer before it: \
                 a record before it was removed or changed",
                row.id
            ));
        }
        let digest = row.content_hash.as_deref().unwrap_or_default();
        if chain_hash(&chained_to, row.id, digest) != hash {
            found.problems.push(format!(
                "audit record {} ({}) does not follow from the record before it, its id and its \
                 content's digest: it was changed after it was written",
                row.id,
                row.label()
            ));
        }
        match &row.content_hash {
            None => found.problems.push(format!(
                "audit record {} ({}) carries no digest of its content: it was not written by the \
                 service, or had been changed when the log was chained with digests",
                row.id,
                row.label()
            )),
            Some(digest) => {
                let now = row.content().digest();
                if &now == digest {
                    for redacted in row.redactions() {
                        redactions.insert(redacted.id, (row.id, redacted.content_hash));
                    }
                } else {
                    differing.push((row.id, row.label(), now));
                }
            }
        }
        prev = hash;
        Ok(())
    })?;
    for (id, label, now) in differing {
        match redactions.get(&id) {
            Some((by, digest)) if *by > id && *digest == now => found.redacted += 1,
            Some((by, _)) if *by > id => found.problems.push(format!(
                "audit record {id} ({label}) is not as erasure record {by} left it: \
                 it was changed after it was redacted"
            )),
            _ => found.problems.push(format!(
                "audit record {id} ({label}) does not match its hash: it was changed after it \
                 was written, and no erasure redacted it"
            )),
        }
    }
    Ok(found)
}

/// Chain the records written before the log was a chain (run once, right
/// after the migration that made it one; see `db::run_migrations`), as the
/// chain was then: over each record's content itself. The migration that
/// added digests chains them anew right after ([`chain_with_digests`]).
pub fn chain_existing(conn: &mut DbConnection) -> QueryResult<usize> {
    let mut prev = String::new();
    let mut chained = 0;
    each_in_order(conn, |conn, row| {
        let hash = match &row.hash {
            Some(hash) => hash.clone(),
            None => {
                let hash = row.content().legacy_hash(&prev);
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

/// Chain the log anew with each record's content digest (once, right
/// after the migration that added the digest; see `db::run_migrations`),
/// in one transaction with the head moved to the new hashes; returns how
/// many records changed. A record with no digest yet gets the digest of its
/// content if it was sound in the chain as it was (chained to the record
/// before it, and matching its hash over its content), and none otherwise,
/// so that `check` goes on naming a record changed before. A record with
/// a digest keeps it: running it again changes nothing. The head keeps its
/// record (newest records removed before stay found) and takes that
/// record's new hash if it carried the hash the head kept.
pub fn chain_with_digests(conn: &mut DbConnection) -> QueryResult<usize> {
    lock_chain(conn)?;
    let kept = head(conn)?;
    let mut prev_old = String::new();
    let mut prev = String::new();
    let mut changed = 0;
    let mut new_head = None;
    each_in_order(conn, |conn, row| {
        let digest = match &row.content_hash {
            Some(digest) => Some(digest.clone()),
            None => {
                let sound = row.hash.as_deref()
                    == Some(row.content().legacy_hash(&prev_old).as_str())
                    && row.prev_hash.as_deref() == Some(prev_old.as_str());
                sound.then(|| row.content().digest())
            }
        };
        let hash = chain_hash(&prev, row.id, digest.as_deref().unwrap_or_default());
        if row.hash.as_deref() != Some(hash.as_str())
            || row.prev_hash.as_deref() != Some(prev.as_str())
            || digest != row.content_hash
        {
            diesel::update(audit_log::table.find(row.id))
                .set((
                    audit_log::prev_hash.eq(Some(prev.clone())),
                    audit_log::hash.eq(Some(hash.clone())),
                    audit_log::content_hash.eq(digest),
                ))
                .execute(conn)?;
            changed += 1;
        }
        if let Some(kept) = &kept {
            if kept.last_id == row.id && row.hash.as_deref() == Some(kept.hash.as_str()) {
                new_head = Some(hash.clone());
            }
        }
        prev_old = row.hash.unwrap_or_default();
        prev = hash;
        Ok(())
    })?;
    match (kept, new_head) {
        (None, _) => move_head(conn)?,
        (Some(kept), Some(hash)) => set_head(conn, kept.last_id, &hash)?,
        (Some(_), None) => {}
    }
    Ok(changed)
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
    list_page(conn, society_id, filter, page, total)
}

/// A page of `society_id`'s entries that pass `filter`, newest first, out
/// of `total` (counted by the caller).
pub fn list_page(
    conn: &mut DbConnection,
    society_id: &str,
    filter: &Filter,
    page: PageRequest,
    total: i64,
) -> QueryResult<Page<AuditRecord>> {
    let items = filtered(society_id, filter)
        .order(audit_log::id.desc())
        .limit(page.limit())
        .offset(page.offset())
        .select(AuditRecord::as_select())
        .load(conn)?;
    Ok(Page::new(items, page, total))
}

/// The id of `society_id`'s newest entry (one seek in the index on
/// society and id), if it has any.
pub fn newest_id(conn: &mut DbConnection, society_id: &str) -> QueryResult<Option<i64>> {
    audit_log::table
        .filter(audit_log::society_id.eq(society_id))
        .order(audit_log::id.desc())
        .select(audit_log::id)
        .first(conn)
        .optional()
}

/// How many of `society_id`'s entries have an id after `after` and up to
/// `through`. The log is only ever appended to, in the order of its ids
/// (taken under the chain's lock), so the entries up to an id, once
/// counted, stay that many.
pub fn count_between(
    conn: &mut DbConnection,
    society_id: &str,
    after: i64,
    through: i64,
) -> QueryResult<i64> {
    audit_log::table
        .filter(audit_log::society_id.eq(society_id))
        .filter(audit_log::id.gt(after))
        .filter(audit_log::id.le(through))
        .count()
        .get_result(conn)
}

/// The logins that made a change in `society_id`'s log, by id: one seek
/// each in the index on society and actor, not a pass over the log.
pub fn actors(conn: &mut DbConnection, society_id: &str) -> QueryResult<Vec<String>> {
    let mut found: Vec<String> = Vec::new();
    loop {
        let mut next = audit_log::table
            .filter(audit_log::society_id.eq(society_id))
            .filter(audit_log::actor_user_id.is_not_null())
            .into_boxed();
        if let Some(last) = found.last() {
            next = next.filter(audit_log::actor_user_id.gt(last.clone()));
        }
        let next = next
            .order(audit_log::actor_user_id.asc())
            .select(audit_log::actor_user_id.assume_not_null())
            .first::<String>(conn)
            .optional()?;
        match next {
            Some(actor) => found.push(actor),
            None => return Ok(found),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_persons_details_are_taken_out_at_any_depth_and_nothing_else() {
        let mut value = json!({
            "email": "ann@example.org", "family_name": "Carter", "city": null,
            "people": [{ "notes": "private", "id": "p-1" }],
            "sent_to": "ann@example.org", "other": "bob@example.org",
        });
        let emails = ["ann@example.org".to_owned()];
        assert!(erase_details(
            &mut value,
            &["email", "notes", "city"],
            &emails
        ));
        assert_eq!(
            value,
            json!({
                "email": ERASED, "family_name": "Carter", "city": null,
                "people": [{ "notes": ERASED, "id": "p-1" }],
                "sent_to": ERASED, "other": "bob@example.org",
            })
        );
        // Again, there is nothing more to take.
        assert!(!erase_details(
            &mut value,
            &["email", "notes", "city"],
            &emails
        ));
    }

    #[test]
    fn everything_recorded_of_a_thing_deleted_is_taken_but_the_names_of_its_fields() {
        let mut value = json!({ "date": "2025-03-04", "amount": 1, "notes": null });
        assert!(erase_all(&mut value));
        assert_eq!(
            value,
            json!({ "date": ERASED, "amount": ERASED, "notes": null })
        );
        assert!(!erase_all(&mut value));
        let mut text = json!("a note");
        assert!(erase_all(&mut text));
        assert_eq!(text, json!(ERASED));
    }

    #[test]
    fn a_records_hash_holds_its_place_id_and_digest_but_not_its_content() {
        let hash = chain_hash("prev", 7, "digest");
        assert_eq!(hash.len(), 64);
        assert_ne!(hash, chain_hash("prev", 8, "digest"));
        assert_ne!(hash, chain_hash("other", 7, "digest"));
        assert_ne!(hash, chain_hash("prev", 7, "other"));
    }
}
