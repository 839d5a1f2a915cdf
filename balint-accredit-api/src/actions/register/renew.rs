//! A renewal for the next cycle, assessed against the tier's renewal
//! requirements over the cycle's records, or allowed by the registrar's
//! override.

use balint_core::evaluate::{Assessment, Inputs};
use balint_core::ids::TierId;
use balint_core::pathway;
use balint_core::register::{RegisterError, Renewal, RenewalCycle, Status, Visibility};
use chrono::NaiveDate;

use super::{applicable_version, cycle_from, entry_with_person, Entry, NO_PATHWAY};
use crate::actions::applications::{reason_text, shortfalls};
use crate::actions::progress;
use crate::actions::refusal::{failed_as, registrar, Access, Failure};
use crate::auth::Caller;
use crate::db::{self, people::Person, register::StoredEntry};
use crate::error::{ApiError, FieldProblem};
use crate::state::AppState;

/// A renewal as the registrar records it.
#[derive(Debug, Clone)]
pub struct RenewalInput {
    /// The day the renewal takes effect; the requirements are assessed as
    /// of it.
    pub effective: NaiveDate,
    /// Why; required.
    pub reason: String,
    /// Whether the reason is shown on the public register; by default
    /// public, or confidential for a renewal by override.
    pub visibility: Option<Visibility>,
    /// Renew although the renewal requirements are not met, for this
    /// reason.
    pub overriding: Option<String>,
}

/// What allowed a renewal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// The renewal requirements were met over the cycle.
    Met,
    /// They were not met; the registrar renewed by override, with a reason.
    Override,
    /// The tier's renewal rule sets no requirements.
    NoRequirements,
}

impl Basis {
    /// As the audit log and the API write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Met => "met",
            Self::Override => "override",
            Self::NoRequirements => "no_requirements",
        }
    }
}

/// How a renewal was assessed; the same record is kept in the audit log
/// (entity `renewal`, the entry's id).
#[derive(Debug, Clone)]
pub struct Assessed {
    /// What allowed it.
    pub basis: Basis,
    /// The registrar's reason, on a renewal by override.
    pub override_reason: Option<String>,
    /// The tier whose renewal rule applied: the highest tier of the entry
    /// that the pathway renews.
    pub tier: TierId,
    /// The number of the pathway version the rule was taken from.
    pub pathway_version_number: i32,
    /// The first day of the cycle whose records were assessed.
    pub cycle_first_day: NaiveDate,
    /// Its last day.
    pub cycle_last_day: NaiveDate,
    /// balint-core's assessment of the renewal requirements over the cycle,
    /// as of `effective` (none when the rule sets none).
    pub assessment: Option<Assessment<'static>>,
}

impl Assessed {
    /// The record the audit log keeps.
    fn record(&self) -> Result<serde_json::Value, ApiError> {
        let assessment = serde_json::to_value(&self.assessment).map_err(|e| {
            ApiError::Internal(anyhow::anyhow!("serializing a renewal's assessment: {e}"))
        })?;
        Ok(serde_json::json!({
            "basis": self.basis.as_str(),
            "override_reason": self.override_reason,
            "tier": self.tier.as_str(),
            "pathway_version_number": self.pathway_version_number,
            "cycle_first_day": self.cycle_first_day,
            "cycle_last_day": self.cycle_last_day,
            "assessment": assessment,
        }))
    }
}

/// An entry after its renewal, with how the renewal was assessed.
#[derive(Debug, Clone)]
pub struct Renewed {
    /// The entry after the renewal.
    pub entry: Entry,
    /// How it was assessed.
    pub renewal: Assessed,
}

/// The cycle whose records a renewal is assessed over, as first and last
/// day: the cycle-length period that ends on `last_day`, counted back from
/// its end so that the records of its last day count. Where month ends
/// clamp (a six-month cycle to 30 August would start on 28 February and
/// end on 27 August), it starts on the first day whose cycle reaches
/// `last_day`, and its last day may fall a day or two later.
pub fn assessed_cycle(renewal: &pathway::Renewal, last_day: NaiveDate) -> (NaiveDate, NaiveDate) {
    let end = last_day.succ_opt().unwrap_or(last_day);
    let mut start = end
        .checked_sub_months(chrono::Months::new(renewal.cycle_months))
        .unwrap_or(NaiveDate::MIN);
    while renewal.cycle_end(start) < end {
        match start.succ_opt() {
            Some(next) => start = next,
            None => break,
        }
    }
    let last = renewal
        .cycle_end(start)
        .pred_opt()
        .unwrap_or(last_day)
        .max(last_day);
    (start, last)
}

/// Why a renewal is refused.
#[derive(Debug, thiserror::Error)]
pub enum RenewError {
    /// Not signed in, no such society, or not its registrar.
    #[error(transparent)]
    Access(#[from] Access),
    /// The renewal has problems (no reason, an empty or too long override
    /// reason), every one named.
    #[error("the renewal has problems")]
    Invalid(Vec<FieldProblem>),
    /// The society's register has no entry with this registration.
    #[error("no register entry {0}")]
    NoSuchEntry(String),
    /// The society has no pathway version that applies to the person.
    #[error("{NO_PATHWAY}")]
    NoPathway,
    /// The pathway renews none of the entry's tiers.
    #[error("the pathway sets no renewal cycle for the entry's tiers")]
    NoRenewalCycle,
    /// The register's rules refuse the renewal (e.g. not allowed from the
    /// entry's status), in their words; said before the requirements are
    /// assessed.
    #[error("{0}")]
    Refused(RegisterError),
    /// The renewal requirements are not met over the cycle, and there is
    /// no override.
    #[error(
        "renewal requirements of {tier_name} not met over the cycle {first_day} to {last_day}"
    )]
    NotMet {
        /// The tier's name.
        tier_name: String,
        /// The first day of the cycle assessed.
        first_day: NaiveDate,
        /// Its last day.
        last_day: NaiveDate,
        /// Every shortfall, by requirement.
        shortfalls: Vec<FieldProblem>,
    },
    /// An override where none is needed.
    #[error("the override is not needed: {0}")]
    OverrideNotNeeded(NotNeeded),
    /// The store failed.
    #[error(transparent)]
    Failed(#[from] Failure),
}

/// Why an override is not needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NotNeeded {
    /// The renewal rule sets no requirements.
    #[error("the renewal rule sets no requirements")]
    NoRequirements,
    /// The renewal requirements are met.
    #[error("the renewal requirements are met")]
    Met,
}

failed_as!(RenewError);

/// Renew an entry for the next cycle (registrar), under the renewal rule
/// of its highest tier that the pathway version applying to the person
/// renews. An entry renewed on time runs on without a gap (the new cycle
/// starts the day after the current one ends); a lapsed entry renewed late
/// starts a new cycle on `effective`.
///
/// The renewal requirements are assessed over the person's ledger as of
/// `effective`, counting only attested records dated within the cycle
/// being renewed: for an entry renewed on time, its current cycle; for a
/// lapsed entry (or one without a cycle), the cycle-length period ending
/// on `effective`. Not met: refused with every shortfall, and nothing
/// changes, unless the registrar overrides with a reason; an override that
/// is not needed is refused. A status that refuses the renewal is said
/// before the requirements are assessed. The assessment is kept in the
/// audit log.
pub async fn renew(
    state: &AppState,
    caller: &Caller,
    slug: String,
    registration: String,
    input: RenewalInput,
) -> Result<Renewed, RenewError> {
    let (society, actor) = registrar::<RenewError>(state, caller, slug).await?;
    let mut problems = Vec::new();
    let reason = input.reason.trim().to_owned();
    if reason.is_empty() {
        problems.push(FieldProblem::new("reason", "is required"));
    }
    let overriding = input
        .overriding
        .as_ref()
        .map(|why| reason_text("override.reason", why, &mut problems));
    if !problems.is_empty() {
        return Err(RenewError::Invalid(problems));
    }
    let overriding = overriding.flatten();
    let effective = input.effective;
    let visibility = input.visibility;
    let now = db::now();
    let issuer = std::sync::Arc::clone(&state.issuer);
    let (stored, person, renewal) = db::run_as(&state.pool, move |conn| {
        db::write_as(conn, |conn| {
            let Plan {
                stored,
                person,
                tier,
                pathway_version_number,
                cycle,
                assessed,
                assessment,
            } = plan(conn, &society.id, registration, effective, &reason)?;
            let basis = renewal_basis(assessment.as_ref(), overriding.as_deref(), assessed)?;
            // An override passed `renewal_basis` only where it is needed.
            let (reason, visibility) = match &overriding {
                Some(why) => (
                    format!(
                        "{reason} (renewed by override, the renewal requirements not met: {why})"
                    ),
                    visibility.unwrap_or(Visibility::Confidential),
                ),
                None => (reason, visibility.unwrap_or(Visibility::Public)),
            };
            let renewal = Assessed {
                basis,
                override_reason: overriding,
                tier,
                pathway_version_number,
                cycle_first_day: assessed.0,
                cycle_last_day: assessed.1,
                assessment,
            };
            let stored = db::register::update(conn, stored, Some(&actor), now, |entry| {
                entry
                    .renew(Renewal {
                        effective,
                        cycle,
                        reason,
                        visibility,
                    })
                    .map(|_| ())
            })?;
            db::outbox::record(conn, db::outbox::Event::LatestChange(&stored))?;
            crate::actions::credentials::issue::issue(
                conn,
                &issuer,
                &society,
                stored.entry.registration().as_str(),
                Some(&actor),
                now,
            )?;
            let record = renewal.record()?;
            db::audit::record(
                conn,
                db::audit::Change {
                    actor_user_id: Some(&actor),
                    society_id: Some(&society.id),
                    action: db::audit::Action::Create,
                    entity: db::audit::Entity::Renewal,
                    entity_id: &stored.id,
                    before: None,
                    after: Some(serde_json::json!({
                        "registration": stored.entry.registration(),
                        "effective": effective,
                        "valid_until": stored.entry.valid_until(),
                        "renewal": record,
                    })),
                    at: now,
                },
            )?;
            Ok::<_, RenewError>((stored, person, renewal))
        })
    })
    .await?;
    Ok(Renewed {
        entry: Entry {
            stored,
            person,
            today: now.date(),
        },
        renewal,
    })
}

/// A renewal worked out but not yet made: the entry, the tier renewed,
/// the next cycle, and the assessment of the cycle being renewed.
struct Plan {
    stored: StoredEntry,
    person: Person,
    tier: TierId,
    pathway_version_number: i32,
    cycle: RenewalCycle,
    /// The first and last day of the cycle whose records are assessed.
    assessed: (NaiveDate, NaiveDate),
    assessment: Option<Assessment<'static>>,
}

/// Work out the renewal of entry `registration` taking effect on
/// `effective`, reading only: the refusals of the register's rules come
/// before the requirements are assessed.
fn plan(
    conn: &mut db::DbConnection,
    society_id: &str,
    registration: String,
    effective: NaiveDate,
    reason: &str,
) -> Result<Plan, RenewError> {
    let (stored, person) = entry_with_person(conn, society_id, &registration)?
        .ok_or(RenewError::NoSuchEntry(registration))?;
    let entry = &stored.entry;
    let version = applicable_version(conn, society_id, &person, entry.first_accredited())?
        .ok_or(RenewError::NoPathway)?;
    let pathway = &version.pathway;
    // The highest tier granted that the pathway renews.
    let (tier, rule) = entry
        .tiers()
        .into_iter()
        .rev()
        .find_map(|held| {
            let rule = pathway.tier(&held.tier)?.renewal.clone()?;
            Some((held.tier, rule))
        })
        .ok_or(RenewError::NoRenewalCycle)?;
    let on_time = entry.cycle().filter(|_| entry.status() != Status::Lapsed);
    let (start, assessed) = match on_time {
        Some(current) => (
            current
                .valid_until
                .succ_opt()
                .unwrap_or(current.valid_until),
            assessed_cycle(&rule, current.valid_until),
        ),
        None => (effective, assessed_cycle(&rule, effective)),
    };
    let cycle = cycle_from(&rule, start).map_err(RenewError::Refused)?;
    // A status that refuses the renewal is answered before the
    // requirements are assessed.
    entry
        .clone()
        .renew(Renewal {
            effective,
            cycle,
            reason: reason.to_owned(),
            visibility: Visibility::Public,
        })
        .map_err(RenewError::Refused)?;
    let assessment = if rule.requirements.is_empty() {
        None
    } else {
        let evidence = progress::evidence(conn, society_id, &person, effective)?;
        let assessment = Inputs::new(pathway, &evidence.candidate, &evidence.ledger, effective)
            .with_register(&evidence.register)
            .evaluate_renewal(&tier, assessed.0)
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("renewal of {tier}: {e}")))?;
        Some(assessment.into_owned())
    };
    Ok(Plan {
        stored,
        person,
        tier,
        pathway_version_number: version.summary.number,
        cycle,
        assessed,
        assessment,
    })
}

/// How a renewal would be assessed, before the registrar renews.
#[derive(Debug, Clone)]
pub struct Preview {
    /// The tier whose renewal rule applies.
    pub tier: TierId,
    /// The first day of the cycle whose records are assessed.
    pub cycle_first_day: NaiveDate,
    /// Its last day.
    pub cycle_last_day: NaiveDate,
    /// The last day of the next cycle, once renewed.
    pub valid_until: NaiveDate,
    /// The assessment of the renewal requirements over the cycle (none when
    /// the rule sets none).
    pub assessment: Option<Assessment<'static>>,
}

/// How renewing entry `registration` of society `slug` on `effective`
/// would be assessed (registrar), changing nothing: the same rules and
/// refusals as [`renew`], so the page can show the assessment before the
/// registrar decides.
pub async fn preview(
    state: &AppState,
    caller: &Caller,
    slug: String,
    registration: String,
    effective: NaiveDate,
) -> Result<Preview, RenewError> {
    let (society, _) = registrar::<RenewError>(state, caller, slug).await?;
    db::run_as(&state.pool, move |conn| {
        let plan = plan(conn, &society.id, registration, effective, "preview")?;
        Ok::<_, RenewError>(Preview {
            tier: plan.tier,
            cycle_first_day: plan.assessed.0,
            cycle_last_day: plan.assessed.1,
            valid_until: plan.cycle.valid_until,
            assessment: plan.assessment,
        })
    })
    .await
}

/// What allows the renewal, or the refusal: every shortfall when the
/// requirements are not met and there is no override; an override that is
/// not needed.
fn renewal_basis(
    assessment: Option<&Assessment<'_>>,
    overriding: Option<&str>,
    (first_day, last_day): (NaiveDate, NaiveDate),
) -> Result<Basis, RenewError> {
    match (assessment, overriding) {
        (None, None) => Ok(Basis::NoRequirements),
        (None, Some(_)) => Err(RenewError::OverrideNotNeeded(NotNeeded::NoRequirements)),
        (Some(a), Some(_)) if a.eligible => Err(RenewError::OverrideNotNeeded(NotNeeded::Met)),
        (Some(a), None) if a.eligible => Ok(Basis::Met),
        (Some(_), Some(_)) => Ok(Basis::Override),
        (Some(a), None) => Err(RenewError::NotMet {
            tier_name: a.tier_name.clone(),
            first_day,
            last_day,
            shortfalls: shortfalls(a),
        }),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn rule(cycle_months: u32) -> pathway::Renewal {
        pathway::Renewal {
            cycle_months,
            grace_months: 3,
            requirements: Vec::new(),
            note: None,
        }
    }

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn the_assessed_cycle_is_the_cycle_ending_on_its_last_day() {
        // A yearly cycle granted on 1 March runs to the last day of February.
        assert_eq!(
            assessed_cycle(&rule(12), day("2025-02-28")),
            (day("2024-03-01"), day("2025-02-28"))
        );
        // Granted on 29 February, its cycle ends on 28 February (exclusive);
        // counted back from there it starts a day early.
        assert_eq!(
            assessed_cycle(&rule(12), day("2025-02-27")),
            (day("2024-02-28"), day("2025-02-27"))
        );
        assert_eq!(
            assessed_cycle(&rule(36), day("2029-02-28")),
            (day("2026-03-01"), day("2029-02-28"))
        );
    }

    #[test]
    fn a_clamped_month_end_never_leaves_the_last_day_out() {
        // Six months back from 31 August is 28 February, whose cycle ends
        // on 28 August: the window starts on 1 March and runs to 31 August.
        assert_eq!(
            assessed_cycle(&rule(6), day("2025-08-30")),
            (day("2025-03-01"), day("2025-08-31"))
        );
        let (start, last) = assessed_cycle(&rule(1), day("2025-03-30"));
        assert!(rule(1).cycle_end(start) > day("2025-03-30"));
        assert_eq!((start, last), (day("2025-03-01"), day("2025-03-31")));
    }
}
