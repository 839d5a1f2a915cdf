//! A person's data-protection requests, for the registrar (or a platform
//! administrator) and the operator: everything the society holds about
//! them as one document, and the erasure of what it may erase. Both are
//! audited: the export as a record that it was given, the erasure with
//! what it erased (never the values erased).
//!
//! What is kept on erasure: the register's public history (an entry and
//! its changes, the person's name, and the place the public register
//! shows), and, for someone who reached the register, the ledger and
//! applications their entry rests on (only their notes are cleared). The
//! audit log keeps what was done, by whom, to what and when (it is the
//! society's account), but the records about the person lose the details
//! erased (their e-mail, notes, and place), or all they recorded of what
//! was deleted, in the erasure's transaction; the erasure's own record
//! names each record redacted, and the chain, over each record's digest,
//! still links (`db::audit`).

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use serde_json::{json, Value};

use crate::actions::Operator;
use crate::auth::Caller;
use crate::db::{self, audit, personal_data, societies::Society, DbConnection};
use crate::error::ApiError;
use crate::state::AppState;

pub use crate::db::personal_data::Erased;

/// Everything held about one person.
#[derive(Debug, Clone)]
pub struct PersonalData {
    /// When it was read.
    pub exported_at: NaiveDateTime,
    /// Every table that holds something about a person, with their rows.
    pub tables: BTreeMap<String, Vec<Value>>,
}

fn not_found(person_id: &str) -> ApiError {
    ApiError::NotFound(format!("person {person_id}"))
}

fn export_in(
    conn: &mut DbConnection,
    actor: Option<&str>,
    society: &Society,
    person_id: &str,
) -> Result<PersonalData, ApiError> {
    db::write(conn, |conn| {
        db::people::find(conn, &society.id, person_id)?.ok_or_else(|| not_found(person_id))?;
        let now = db::now();
        let tables = personal_data::export(conn, &society.id, person_id)?;
        audit::record(
            conn,
            audit::Change {
                actor_user_id: actor,
                society_id: Some(&society.id),
                action: audit::Action::Export,
                entity: audit::Entity::PersonalData,
                entity_id: person_id,
                before: None,
                after: Some(json!({
                    "rows": tables.values().map(Vec::len).sum::<usize>(),
                })),
                at: now,
            },
        )?;
        Ok(PersonalData {
            exported_at: now,
            tables,
        })
    })
}

fn erase_in(
    conn: &mut DbConnection,
    actor: Option<&str>,
    society: &Society,
    person_id: &str,
) -> Result<Erased, ApiError> {
    db::write(conn, |conn| {
        db::people::find(conn, &society.id, person_id)?.ok_or_else(|| not_found(person_id))?;
        let now = db::now();
        let erased = personal_data::erase(conn, &society.id, person_id, now)?;
        audit::record(
            conn,
            audit::Change {
                actor_user_id: actor,
                society_id: Some(&society.id),
                action: audit::Action::Delete,
                entity: audit::Entity::PersonalData,
                entity_id: person_id,
                before: None,
                after: Some(serde_json::to_value(&erased).unwrap_or(Value::Null)),
                at: now,
            },
        )?;
        Ok(erased)
    })
}

/// Everything society `slug` holds about person `person_id` (registrar or
/// platform administrator); the export is audited.
pub async fn export(
    state: &AppState,
    caller: &Caller,
    slug: String,
    person_id: String,
) -> Result<(Society, PersonalData), ApiError> {
    let (society, actor) = crate::actions::as_registrar(state, caller, slug).await?;
    let found = society.clone();
    let data = db::run(&state.pool, move |conn| {
        export_in(conn, Some(&actor), &found, &person_id)
    })
    .await?;
    Ok((society, data))
}

/// Erase what society `slug` may erase of person `person_id` (registrar or
/// platform administrator); the erasure is audited with what it erased.
pub async fn erase(
    state: &AppState,
    caller: &Caller,
    slug: String,
    person_id: String,
) -> Result<(Society, Erased), ApiError> {
    let (society, actor) = crate::actions::as_registrar(state, caller, slug).await?;
    let found = society.clone();
    let erased = db::run(&state.pool, move |conn| {
        erase_in(conn, Some(&actor), &found, &person_id)
    })
    .await?;
    Ok((society, erased))
}

/// [`export`] for the operator, on the command's connection.
pub fn export_for_operator(
    operator: Operator,
    conn: &mut DbConnection,
    slug: &str,
    person_id: &str,
) -> Result<PersonalData, ApiError> {
    let society = operator.society(conn, slug)?;
    export_in(conn, operator.actor(), &society, person_id)
}

/// [`erase`] for the operator, on the command's connection.
pub fn erase_for_operator(
    operator: Operator,
    conn: &mut DbConnection,
    slug: &str,
    person_id: &str,
) -> Result<Erased, ApiError> {
    let society = operator.society(conn, slug)?;
    erase_in(conn, operator.actor(), &society, person_id)
}
