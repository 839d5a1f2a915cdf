//! The registrar's decision on an application.

use balint_core::ids::PersonId;
use balint_core::register::{Grant, Visibility};
use chrono::NaiveDate;

use super::{names, reason_text, Named};
use crate::actions::refusal::{failed_as, registrar, Access, Failure};
use crate::auth::Caller;
use crate::db::applications::{Application, Decision, Registered, Status};
use crate::db::{self, societies::Society, DbConnection};
use crate::error::{ApiError, FieldProblem};
use crate::state::AppState;

/// Grant or decline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Put the tier on the person's register entry.
    Grant,
    /// Refuse the application.
    Decline,
}

/// A decision as the registrar gives it.
#[derive(Debug, Clone)]
pub struct DecisionRequest {
    /// Grant or decline.
    pub outcome: Outcome,
    /// The day it takes effect: on a grant, the day the tier is held from
    /// and the start of its first renewal cycle.
    pub effective: NaiveDate,
    /// Why; required, up to 2000 characters.
    pub reason: String,
    /// Whether a grant's reason is shown in the entry's public history.
    pub visibility: Visibility,
}

/// Why a decision on an application is refused.
#[derive(Debug, thiserror::Error)]
pub enum DecideError {
    /// Not signed in, no such society, or not its registrar.
    #[error(transparent)]
    Access(#[from] Access),
    /// The decision has problems (no reason, a reason too long), every one
    /// named.
    #[error("the decision has problems")]
    Invalid(Vec<FieldProblem>),
    /// The society has no application `id`.
    #[error("no application {0}")]
    NoSuchApplication(String),
    /// Application `id` was decided already, also by a decision arriving
    /// at the same moment.
    #[error("application {0} has been decided already")]
    AlreadyDecided(String),
    /// The store failed, or the register refused the grant (e.g. dated
    /// before the entry's latest change), as the register said it.
    #[error(transparent)]
    Failed(#[from] Failure),
}

failed_as!(DecideError);

/// Grant or decline application `id` of society `slug` (registrar), once:
/// a second decision, also one arriving at the same moment, is refused as
/// already decided. A grant puts the tier on the person's register entry
/// in the same transaction: a person not yet on the register gets the
/// society's next registration number (never reused), and where the tier
/// has a renewal cycle in the pathway version the application was assessed
/// against, the entry runs to the end of its first cycle from
/// `effective`. A grant the register refuses (e.g. dated before the
/// entry's latest change) leaves the application pending.
pub async fn decide(
    state: &AppState,
    caller: &Caller,
    slug: String,
    id: String,
    body: DecisionRequest,
) -> Result<(Society, Named), DecideError> {
    let (society, actor) = registrar::<DecideError>(state, caller, slug).await?;
    let mut problems = Vec::new();
    let reason = reason_text("reason", &body.reason, &mut problems);
    let Some(reason) = reason else {
        return Err(DecideError::Invalid(problems));
    };
    let now = db::now();
    let answer = society.clone();
    let issuer = std::sync::Arc::clone(&state.issuer);
    let (application, name) = db::run_as(&state.pool, move |conn| {
        db::write_as(conn, |conn| {
            let mut application = db::applications::find(conn, &society.id, &id)?
                .ok_or_else(|| DecideError::NoSuchApplication(id.clone()))?;
            if application.status != Status::Pending {
                return Err(DecideError::AlreadyDecided(id));
            }
            let decision = Decision {
                outcome: match body.outcome {
                    Outcome::Grant => Status::Granted,
                    Outcome::Decline => Status::Declined,
                },
                effective: body.effective,
                reason: reason.clone(),
                visibility: body.visibility,
                decided_at: now,
                decided_by: Some(actor.clone()),
                registration: None,
                valid_until: None,
            };
            let decision =
                db::applications::decide(conn, &application, decision, |conn| {
                    match body.outcome {
                        Outcome::Decline => Ok(None),
                        Outcome::Grant => grant(
                            conn,
                            &society,
                            &application,
                            Grant {
                                effective: body.effective,
                                tier: application.tier.parse().map_err(|e| {
                                    ApiError::Internal(anyhow::anyhow!("stored tier: {e}"))
                                })?,
                                cycle: None,
                                reason,
                                visibility: body.visibility,
                            },
                            &actor,
                        )
                        .map(Some),
                    }
                })?;
            if let Some(registration) = &decision.registration {
                crate::actions::credentials::issue::issue(
                    conn,
                    &issuer,
                    &society,
                    registration,
                    Some(&actor),
                    now,
                )?;
            }
            application.status = decision.outcome;
            db::outbox::record(
                conn,
                db::outbox::Event::ApplicationDecided {
                    society_id: &society.id,
                    application_id: &application.id,
                    person_id: &application.person_id,
                    outcome: decision.outcome.as_str(),
                    registration: decision.registration.as_deref(),
                },
            )?;
            application.decision = Some(decision);
            let names = names(conn, &society.id, std::slice::from_ref(&application))?;
            let name = names
                .get(&application.person_id)
                .cloned()
                .unwrap_or_default();
            Ok((application, name))
        })
    })
    .await?;
    Ok((
        answer,
        Named {
            application,
            person_name: name,
        },
    ))
}

/// The grant on the register: the tier's first renewal cycle from the
/// pathway version the application was assessed against, where it has one.
fn grant(
    conn: &mut DbConnection,
    society: &db::societies::Society,
    application: &Application,
    mut grant: Grant,
    actor: &str,
) -> Result<Registered, ApiError> {
    let version = db::pathways::by_number(conn, &society.id, application.pathway_version_number)?
        .ok_or_else(|| {
        ApiError::Internal(anyhow::anyhow!(
            "pathway version {} of application {} is missing",
            application.pathway_version_number,
            application.id
        ))
    })?;
    grant.cycle = version
        .pathway
        .tier(&grant.tier)
        .and_then(|tier| tier.renewal.as_ref())
        .map(|renewal| crate::actions::register::cycle_from(renewal, grant.effective))
        .transpose()
        .map_err(db::register::refused)?;
    let person: PersonId = application
        .person_id
        .parse()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored person id: {e}")))?;
    let granted = db::register::grant(conn, society, &person, grant, Some(actor), db::now())?;
    db::outbox::record(conn, db::outbox::Event::LatestChange(&granted.stored))?;
    Ok(Registered {
        registration: granted.stored.entry.registration().as_str().to_owned(),
        valid_until: granted.stored.entry.valid_until(),
    })
}
