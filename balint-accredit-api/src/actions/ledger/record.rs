//! Recording one activity, and reading a ledger.

use crate::auth::Caller;
use crate::db::activities::{LedgerFilter, StoredActivity};
use crate::db::{self, audit, people::Person, societies::Society};
use crate::error::{ApiError, FieldProblem};
use crate::ledger::{self, Draft};
use crate::pagination::{Page, PageRequest};
use crate::state::AppState;

use super::{audit_change, owner, person_id_of, refused};

/// A record stored, pending attestation.
#[derive(Debug)]
pub struct Recorded {
    /// The society whose ledger it is in.
    pub society: Society,
    /// The record.
    pub stored: StoredActivity,
}

/// Record one activity on the ledger of person `person_id` of society
/// `slug`: the person themself, or the registrar. `draft` is the record as
/// [`ledger::read`] read it, with the `problems` found reading it; the
/// record is checked against the ledger (the people it names, the record it
/// corrects) and stored pending, or refused as unprocessable with every
/// problem. The audit log keeps it.
pub async fn record(
    state: &AppState,
    caller: &Caller,
    slug: String,
    person_id: String,
    draft: Draft,
    problems: Vec<FieldProblem>,
) -> Result<Recorded, ApiError> {
    let (society, person) = owner(state, caller, slug, person_id).await?;
    let actor = crate::auth::permissions::require_user(caller)?
        .user_id
        .clone();
    let owner = person_id_of(&person)?;
    let society_id = society.id.clone();
    let stored = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let mut problems = problems;
            let draft = draft.owned_by(ledger::new_id(), owner.clone());
            problems.extend(ledger::check(
                conn,
                &society_id,
                owner.as_str(),
                &[(String::new(), &draft)],
            )?);
            let record = draft.into_record().filter(|_| problems.is_empty());
            let Some((activity, corrects)) = record else {
                return Err(refused(problems));
            };
            let stored = StoredActivity::pending(
                activity,
                &society_id,
                corrects,
                Some(actor.clone()),
                db::now(),
            );
            db::activities::insert(conn, &stored)?;
            let id = stored.activity.id.to_string();
            if let Some(attestor) = &stored.activity.attestor {
                db::outbox::record(
                    conn,
                    db::outbox::Event::AttestationRequested {
                        society_id: &society_id,
                        person_id: owner.as_str(),
                        attestor_id: attestor.as_str(),
                        activity_ids: std::slice::from_ref(&id),
                    },
                )?;
            }
            audit::record(
                conn,
                audit_change(
                    Some(&actor),
                    &stored,
                    &id,
                    audit::Action::Create,
                    None,
                    Some(ledger::audit_value(&stored)),
                ),
            )?;
            Ok(stored)
        })
    })
    .await?;
    Ok(Recorded { society, stored })
}

/// A page of the records of person `person_id` of society `slug` that
/// match `filter`, by date, then id: the person themself, or the
/// registrar.
pub async fn browse(
    state: &AppState,
    caller: &Caller,
    slug: String,
    person_id: String,
    filter: LedgerFilter,
    page: PageRequest,
) -> Result<(Society, Page<StoredActivity>), ApiError> {
    let (society, person) = owner(state, caller, slug, person_id).await?;
    let found = db::run(&state.pool, move |conn| {
        db::activities::list(conn, &person.id, &filter, page)
    })
    .await?;
    Ok((society, found))
}

/// Every record of person `person_id` of society `slug` that matches
/// `filter`, by date, then id (their portfolio), with the person: the
/// person themself, or the registrar.
pub async fn portfolio(
    state: &AppState,
    caller: &Caller,
    slug: String,
    person_id: String,
    filter: LedgerFilter,
) -> Result<(Person, Vec<StoredActivity>), ApiError> {
    let (_, person) = owner(state, caller, slug, person_id).await?;
    let id = person.id.clone();
    let records = db::run(&state.pool, move |conn| {
        db::activities::list_all(conn, &id, &filter)
    })
    .await?;
    Ok((person, records))
}
