//! One record: reading it, changing it while it is pending, withdrawing
//! it.

use serde_json::{Map, Value};

use crate::auth::{permissions, Caller};
use crate::db::activities::{Status, StoredActivity};
use crate::db::{self, audit, societies::Society};
use crate::error::ApiError;
use crate::ledger;
use crate::state::AppState;

use super::{audit_change, refused};

/// Record `id` of society `slug` with its society; not found also for a
/// caller with no role in the society, before the record is looked up.
pub async fn find(
    state: &AppState,
    caller: &Caller,
    slug: String,
    id: String,
) -> Result<(Society, StoredActivity), ApiError> {
    let caller = caller.clone();
    db::run(&state.pool, move |conn| {
        let society = db::societies::by_slug(conn, &slug)?;
        permissions::require_role_in(&caller, &society.id)?;
        let record = db::activities::find(conn, &society.id, &id)?
            .ok_or_else(|| ApiError::NotFound(format!("activity {id}")))?;
        Ok((society, record))
    })
    .await
}

/// Record `id` of society `slug`: its owner, its named attestor, or the
/// registrar.
pub async fn one(
    state: &AppState,
    caller: &Caller,
    slug: String,
    id: String,
) -> Result<(Society, StoredActivity), ApiError> {
    permissions::require_user(caller)?;
    let (society, record) = find(state, caller, slug, id).await?;
    permissions::require_may_read_record(
        caller,
        &society.id,
        record.activity.person.as_str(),
        record.activity.attestor.as_ref().map(|a| a.as_str()),
    )?;
    Ok((society, record))
}

fn not_pending(record: &StoredActivity) -> ApiError {
    ApiError::Conflict(format!(
        "the record is {}; only a pending record can be changed (record a correction instead)",
        record.status.as_str()
    ))
}

/// Change pending record `id` of society `slug`: only the fields in
/// `changes` change (a `null` clears an optional field), named as the
/// ledger's records name them ([`ledger::FIELDS`]). The owner or the
/// registrar; a decided record is a conflict (record a correction
/// instead); every problem of the changed record is refused at once. The
/// audit log keeps the record before and after. `today` is the day a date
/// may not be after.
pub async fn change(
    state: &AppState,
    caller: &Caller,
    slug: String,
    id: String,
    changes: Map<String, Value>,
    today: chrono::NaiveDate,
) -> Result<(Society, StoredActivity), ApiError> {
    permissions::require_user(caller)?;
    let (society, record) = find(state, caller, slug, id).await?;
    let actor = permissions::require_member_or_registrar(
        caller,
        &society.id,
        record.activity.person.as_str(),
    )?
    .user_id
    .clone();
    if record.status != Status::Pending {
        return Err(not_pending(&record));
    }
    let mut merged = ledger::fields_of(&record.activity, record.corrects.as_deref());
    for (key, value) in changes {
        merged.insert(key, value);
    }
    let (draft, problems) = ledger::read(&merged, "", today);
    let stored = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let mut problems = problems;
            let draft = draft.owned_by(record.activity.id.clone(), record.activity.person.clone());
            problems.extend(ledger::check(
                conn,
                &record.society_id,
                record.activity.person.as_str(),
                &[(String::new(), &draft)],
            )?);
            let changed = draft.into_record().filter(|_| problems.is_empty());
            let Some((activity, corrects)) = changed else {
                return Err(refused(problems));
            };
            let changed = StoredActivity {
                activity,
                corrects,
                updated_at: db::now(),
                ..record.clone()
            };
            if !db::activities::update_pending(conn, &changed)? {
                let now =
                    db::activities::find(conn, &record.society_id, record.activity.id.as_str())?
                        .unwrap_or(record.clone());
                return Err(not_pending(&now));
            }
            let id = changed.activity.id.to_string();
            audit::record(
                conn,
                audit_change(
                    Some(&actor),
                    &changed,
                    &id,
                    audit::Action::Update,
                    Some(ledger::audit_value(&record)),
                    Some(ledger::audit_value(&changed)),
                ),
            )?;
            Ok(changed)
        })
    })
    .await?;
    Ok((society, stored))
}

/// Withdraw pending record `id` of society `slug`: it is deleted, and the
/// audit log keeps it. The owner or the registrar; a decided record is a
/// conflict.
pub async fn withdraw(
    state: &AppState,
    caller: &Caller,
    slug: String,
    id: String,
) -> Result<(), ApiError> {
    permissions::require_user(caller)?;
    let (society, record) = find(state, caller, slug, id).await?;
    let actor = permissions::require_member_or_registrar(
        caller,
        &society.id,
        record.activity.person.as_str(),
    )?
    .user_id
    .clone();
    if record.status != Status::Pending {
        return Err(not_pending(&record));
    }
    db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let id = record.activity.id.to_string();
            if !db::activities::withdraw_pending(conn, &id)? {
                let now = db::activities::find(conn, &record.society_id, &id)?
                    .ok_or_else(|| ApiError::NotFound(format!("activity {id}")))?;
                return Err(not_pending(&now));
            }
            let withdrawn = StoredActivity {
                updated_at: db::now(),
                ..record.clone()
            };
            audit::record(
                conn,
                audit_change(
                    Some(&actor),
                    &withdrawn,
                    &id,
                    audit::Action::Delete,
                    Some(ledger::audit_value(&record)),
                    None,
                ),
            )?;
            Ok(())
        })
    })
    .await?;
    Ok(())
}
