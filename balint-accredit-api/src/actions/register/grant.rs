//! A grant recorded directly by the registrar: a tier conferred by
//! invitation (e.g. BSANZ Leader Trainee), or a decision the society made
//! outside this service.

use balint_core::evaluate::{Candidate, Inputs, PrerequisiteResult};
use balint_core::ids::{PersonId, TierId};
use balint_core::pathway;
use balint_core::register::{Grant, RegisterError, Visibility};
use chrono::NaiveDate;

use super::{applicable_version, cycle_from, Entry, NO_PATHWAY};
use crate::actions::applications::{prerequisite_shortfalls, reason_text};
use crate::actions::progress;
use crate::actions::refusal::{failed_as, registrar, Access, Failure};
use crate::auth::Caller;
use crate::db;
use crate::error::{ApiError, FieldProblem};
use crate::state::AppState;

/// A grant as the registrar gives it. The ids and reasons are checked by
/// [`grant`], once the caller may grant.
#[derive(Debug, Clone)]
pub struct GrantInput {
    /// The person, in this society's records.
    pub person_id: String,
    /// The tier granted, e.g. `accredited-leader`.
    pub tier: String,
    /// The day the grant takes effect.
    pub effective: NaiveDate,
    /// Why, e.g. the council decision.
    pub reason: String,
    /// Whether the reason is shown on the public register; by default
    /// public, or confidential for a grant by override.
    pub visibility: Option<Visibility>,
    /// Grant although the tier's prerequisites are not held on
    /// `effective`, for this reason.
    pub override_prerequisites: Option<String>,
}

/// What a grant did.
#[derive(Debug, Clone)]
pub struct Granted {
    /// The entry after the grant.
    pub entry: Entry,
    /// Whether the person was put on the register by it (else their entry
    /// was updated).
    pub created: bool,
    /// The society's slug, as stored.
    pub society_slug: String,
}

/// Why a grant is refused.
#[derive(Debug, thiserror::Error)]
pub enum GrantError {
    /// Not signed in, no such society, or not its registrar.
    #[error(transparent)]
    Access(#[from] Access),
    /// The grant has problems (an id that is not one, no reason, an empty
    /// or too long override reason), every one named.
    #[error("the grant has problems")]
    Invalid(Vec<FieldProblem>),
    /// The society has no such person.
    #[error("no such person in this society")]
    NoSuchPerson,
    /// The society has no pathway version that applies to the person.
    #[error("{NO_PATHWAY}")]
    NoPathway,
    /// The pathway that applies has no such tier.
    #[error("the pathway {pathway} has no tier {tier}")]
    NoSuchTier {
        /// The pathway's id.
        pathway: String,
        /// The tier asked for.
        tier: TierId,
    },
    /// The register's rules refuse the grant (e.g. a suspended entry, or a
    /// tier held already), in their words; said before the prerequisites
    /// are checked.
    #[error("{0}")]
    Refused(RegisterError),
    /// The tier's prerequisites are not held on the day, and there is no
    /// override.
    #[error("the prerequisites of {tier_name} are not held on {effective}")]
    PrerequisitesNotHeld {
        /// The tier's name.
        tier_name: String,
        /// The day of the grant.
        effective: NaiveDate,
        /// Every unmet prerequisite.
        shortfalls: Vec<FieldProblem>,
    },
    /// An override where the prerequisites are held.
    #[error(
        "the override is not needed: the prerequisites of {tier_name} are held on {effective}"
    )]
    OverrideNotNeeded {
        /// The tier's name.
        tier_name: String,
        /// The day of the grant.
        effective: NaiveDate,
    },
    /// The store failed.
    #[error(transparent)]
    Failed(#[from] Failure),
}

failed_as!(GrantError);

/// Record a grant (registrar): puts the person on the register with the
/// society's next registration number, or adds the tier to their entry.
///
/// The tier must be in the pathway version that applies to the person, and
/// its prerequisite tiers held on `effective`, as an application's
/// assessment requires them; not held: refused with every unmet
/// prerequisite, unless the registrar overrides with a reason, which is
/// written into the grant's reason and kept in the audit log (entity
/// `prerequisite_override`). An override that is not needed is refused. A
/// grant the entry's state refuses is refused before its prerequisites are
/// checked. Where the tier has a renewal cycle, the entry
/// runs to the end of the first cycle from `effective`.
pub async fn grant(
    state: &AppState,
    caller: &Caller,
    slug: String,
    input: GrantInput,
) -> Result<Granted, GrantError> {
    let (society, actor) = registrar::<GrantError>(state, caller, slug).await?;
    let mut problems = Vec::new();
    let person_id = input
        .person_id
        .parse::<PersonId>()
        .map_err(|e| problems.push(FieldProblem::new("person_id", e.to_string())))
        .ok();
    let tier = input
        .tier
        .parse::<TierId>()
        .map_err(|e| problems.push(FieldProblem::new("tier", e.to_string())))
        .ok();
    let reason = input.reason.trim().to_owned();
    if reason.is_empty() {
        problems.push(FieldProblem::new("reason", "is required"));
    }
    let overriding = input
        .override_prerequisites
        .as_ref()
        .map(|why| reason_text("override_prerequisites.reason", why, &mut problems));
    let (Some(person_id), Some(tier), true) = (person_id, tier, problems.is_empty()) else {
        return Err(GrantError::Invalid(problems));
    };
    let overriding = overriding.flatten();
    let effective = input.effective;
    let visibility = input.visibility;
    let now = db::now();
    let today = now.date();
    let society_slug = society.slug.clone();
    let issuer = std::sync::Arc::clone(&state.issuer);
    let (granted, person) = db::run_as(&state.pool, move |conn| {
        db::write_as(conn, |conn| {
            let person = db::people::find(conn, &society.id, person_id.as_str())?
                .ok_or(GrantError::NoSuchPerson)?;
            let pathway = applicable_version(conn, &society.id, &person, effective)?
                .ok_or(GrantError::NoPathway)?
                .pathway;
            let Some(tier_rule) = pathway.tier(&tier) else {
                return Err(GrantError::NoSuchTier {
                    pathway: pathway.id().to_string(),
                    tier,
                });
            };
            let cycle = tier_rule
                .renewal
                .as_ref()
                .map(|renewal| cycle_from(renewal, effective))
                .transpose()
                .map_err(GrantError::Refused)?;
            let mut grant = Grant {
                effective,
                tier: tier.clone(),
                cycle,
                reason: reason.clone(),
                visibility: visibility.unwrap_or(Visibility::Public),
            };
            // A grant the entry's state refuses (e.g. a suspended entry,
            // which holds no tier) is answered as such, before the
            // prerequisites are checked.
            let stored = db::register::by_person(conn, &society.id, person_id.as_str())?;
            if let Some(stored) = &stored {
                stored
                    .entry
                    .clone()
                    .grant(grant.clone())
                    .map_err(GrantError::Refused)?;
            }
            let candidate = progress::candidate(
                &person,
                person_id.clone(),
                stored.as_ref().map(|s| &s.entry),
                effective,
            );
            let unmet = unmet_prerequisites(&pathway, &candidate, &tier, effective)?;
            match (unmet.is_empty(), &overriding) {
                (true, None) => {}
                (true, Some(_)) => {
                    return Err(GrantError::OverrideNotNeeded {
                        tier_name: tier_rule.name.clone(),
                        effective,
                    })
                }
                (false, None) => {
                    return Err(GrantError::PrerequisitesNotHeld {
                        tier_name: tier_rule.name.clone(),
                        effective,
                        shortfalls: prerequisite_shortfalls(&unmet),
                    });
                }
                (false, Some(why)) => {
                    grant.reason = format!(
                        "{reason} (granted by override, the prerequisites not held: {why})"
                    );
                    grant.visibility = visibility.unwrap_or(Visibility::Confidential);
                }
            }
            let granted =
                db::register::grant(conn, &society, &person_id, grant, Some(&actor), now)?;
            db::outbox::record(conn, db::outbox::Event::LatestChange(&granted.stored))?;
            crate::actions::credentials::issue::issue(
                conn,
                &issuer,
                &society,
                granted.stored.entry.registration().as_str(),
                Some(&actor),
                now,
            )?;
            if let Some(why) = &overriding {
                db::audit::record(
                    conn,
                    db::audit::Change {
                        actor_user_id: Some(&actor),
                        society_id: Some(&society.id),
                        action: db::audit::Action::Create,
                        entity: db::audit::Entity::PrerequisiteOverride,
                        entity_id: &granted.stored.id,
                        before: None,
                        after: Some(serde_json::json!({
                            "registration": granted.stored.entry.registration(),
                            "person_id": person_id,
                            "tier": tier,
                            "effective": effective,
                            "override_reason": why,
                            "unmet_prerequisites": unmet,
                        })),
                        at: now,
                    },
                )?;
            }
            Ok::<_, GrantError>((granted, person))
        })
    })
    .await?;
    Ok(Granted {
        entry: Entry {
            stored: granted.stored,
            person,
            today,
        },
        created: granted.created,
        society_slug,
    })
}

/// The prerequisites of `tier` that `candidate` does not hold on `on`, as
/// balint-core assesses them for an application: each prerequisite tier
/// held that day (a tier reached on entering the pathway from the day the
/// person entered it), for at least its `min_months` where it sets them.
/// The assessment is made on an empty ledger: prerequisites do not depend
/// on it, and a direct grant is the registrar's decision on the tier's
/// requirements.
fn unmet_prerequisites(
    pathway: &pathway::Pathway,
    candidate: &Candidate,
    tier: &TierId,
    on: NaiveDate,
) -> Result<Vec<PrerequisiteResult>, ApiError> {
    let assessment = Inputs::new(pathway, candidate, &[], on)
        .evaluate(tier)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("prerequisites of {tier}: {e}")))?;
    Ok(assessment
        .prerequisites
        .into_iter()
        .filter(|p| !p.met)
        .collect())
}
