//! Applying for a tier: the person themself, or the registrar on their
//! behalf.

use balint_core::evaluate::Assessment;
use balint_core::ids::TierId;
use balint_core::pathway::Entry;

use super::{reason_text, shortfalls, Named, MAX_TEXT};
use crate::actions::progress::assess;
use crate::actions::refusal::{self, failed_as, Access, Failure};
use crate::auth::{permissions, Caller};
use crate::db::applications::{Application, Basis, Status};
use crate::db::{self, societies::Society};
use crate::error::{ApiError, FieldProblem};
use crate::state::AppState;

/// An application as asked for, before its rules are checked.
#[derive(Debug, Clone, Default)]
pub struct ApplicationRequest {
    /// The tier, by its id in the pathway.
    pub tier: String,
    /// The applicant's note to the committee.
    pub note: Option<String>,
    /// Registrar only: the reason for applying although the person is not
    /// eligible.
    pub overriding: Option<String>,
    /// Registrar only: the reason for conferring an invitation-only tier.
    pub conferred: Option<String>,
}

/// An application made: pending, with its frozen assessment.
#[derive(Debug)]
pub struct Applied {
    /// The society applied to.
    pub society: Society,
    /// The application and the person's name.
    pub named: Named,
}

/// Why an application is refused.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// Not signed in, no such society, or no role in it.
    #[error(transparent)]
    Access(#[from] Access),
    /// A member applying for someone else.
    #[error("only the person themself or the registrar applies")]
    NotTheApplicant,
    /// An override or a conferral asked for by anyone but the registrar.
    #[error("only the registrar overrides or confers")]
    OnlyRegistrar,
    /// The application has problems (a tier id that is not one, a note
    /// too long, an empty override or conferral reason, both), every one
    /// named.
    #[error("the application has problems")]
    Invalid(Vec<FieldProblem>),
    /// The society has no person with this id.
    #[error("no person {0}")]
    NoSuchPerson(String),
    /// The person holds the tier already.
    #[error("person {person_id} holds tier {tier} already")]
    AlreadyHeld {
        /// The person.
        person_id: String,
        /// The tier.
        tier: TierId,
    },
    /// An invitation-only tier, not conferred by the registrar.
    #[error("{tier_name} is conferred by invitation; it cannot be applied for")]
    InvitationOnly {
        /// The tier's name.
        tier_name: String,
    },
    /// A tier held from the day of entering the pathway.
    #[error("{tier_name} is held from the day of entering the pathway (the person's entered_pathway_on); it is not applied for")]
    HeldOnEntry {
        /// The tier's name.
        tier_name: String,
    },
    /// A conferral of a tier reached by application.
    #[error("{tier_name} is reached by application; only invitation-only tiers are conferred")]
    NotConferrable {
        /// The tier's name.
        tier_name: String,
    },
    /// An override for a person who is eligible.
    #[error("the override is not needed: the person is eligible")]
    OverrideNotNeeded,
    /// Not eligible, and no override.
    #[error("not eligible for {tier_name}")]
    NotEligible {
        /// The tier's name.
        tier_name: String,
        /// Every shortfall: unmet prerequisites and mandatory
        /// requirements.
        shortfalls: Vec<FieldProblem>,
    },
    /// The store failed, or the application conflicts with one pending,
    /// as the store said it.
    #[error(transparent)]
    Failed(#[from] Failure),
}

failed_as!(ApplyError);

/// A registrar's way past the assessment, as asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Past {
    /// None: the person applies on their own merit.
    Nothing,
    Override(String),
    Conferral(String),
}

/// An application request, checked.
#[derive(Debug)]
struct Request {
    tier: TierId,
    note: Option<String>,
    past: Past,
}

impl Request {
    /// Every problem of `input` at once; an override or a conferral asked
    /// for by anyone but the registrar is refused first.
    fn parse(input: ApplicationRequest, as_registrar: bool) -> Result<Self, ApplyError> {
        if !as_registrar && (input.overriding.is_some() || input.conferred.is_some()) {
            return Err(ApplyError::OnlyRegistrar);
        }
        let mut problems = Vec::new();
        let tier = input
            .tier
            .trim()
            .parse::<TierId>()
            .map_err(|e| {
                problems.push(FieldProblem::new("tier", format!("is not a tier id ({e})")))
            })
            .ok();
        let note = input
            .note
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty());
        if note.as_ref().is_some_and(|n| n.chars().count() > MAX_TEXT) {
            problems.push(FieldProblem::new(
                "note",
                format!("must be at most {MAX_TEXT} characters"),
            ));
        }
        let past = match (&input.overriding, &input.conferred) {
            (Some(_), Some(_)) => {
                problems.push(FieldProblem::new(
                    "conferred",
                    "give either override or conferred, not both",
                ));
                None
            }
            (Some(o), None) => reason_text("override.reason", o, &mut problems).map(Past::Override),
            (None, Some(c)) => {
                reason_text("conferred.reason", c, &mut problems).map(Past::Conferral)
            }
            (None, None) => Some(Past::Nothing),
        };
        match (tier, past, problems.is_empty()) {
            (Some(tier), Some(past), true) => Ok(Self { tier, note, past }),
            _ => Err(ApplyError::Invalid(problems)),
        }
    }
}

/// Why the assessment allows (or refuses) the application.
fn basis(assessment: &Assessment<'_>, past: &Past) -> Result<(Basis, Option<String>), ApplyError> {
    let tier_name = assessment.tier_name.clone();
    match (assessment.entry, past) {
        (Entry::Invitation, Past::Conferral(reason)) => {
            Ok((Basis::Conferred, Some(reason.clone())))
        }
        (Entry::Invitation, _) => Err(ApplyError::InvitationOnly { tier_name }),
        (Entry::Enrolment, _) => Err(ApplyError::HeldOnEntry { tier_name }),
        (Entry::Application, Past::Conferral(_)) => Err(ApplyError::NotConferrable { tier_name }),
        (Entry::Application, Past::Override(_)) if assessment.eligible => {
            Err(ApplyError::OverrideNotNeeded)
        }
        (Entry::Application, Past::Override(reason)) => Ok((Basis::Override, Some(reason.clone()))),
        (Entry::Application, Past::Nothing) if assessment.eligible => Ok((Basis::Eligible, None)),
        (Entry::Application, Past::Nothing) => Err(ApplyError::NotEligible {
            tier_name,
            shortfalls: shortfalls(assessment),
        }),
    }
}

/// Apply for `request.tier` for person `person_id` of society `slug`: the
/// person themself, or the registrar on their behalf. The assessment as of
/// today is frozen into the application. Not eligible: refused with every
/// shortfall, and nothing is stored, unless the registrar gives an
/// override with a reason. An invitation-only tier is refused unless the
/// registrar confers it with a reason. A pending application for the same
/// tier, or a tier already held, is refused.
pub async fn apply(
    state: &AppState,
    caller: &Caller,
    slug: String,
    person_id: String,
    request: ApplicationRequest,
) -> Result<Applied, ApplyError> {
    Access::signed_in(caller)?;
    let society = refusal::society::<ApplyError>(state, slug).await?;
    Access::in_society(caller, &society.id)?;
    let actor = permissions::require_member_or_registrar(caller, &society.id, &person_id)
        .map_err(|_| ApplyError::NotTheApplicant)?
        .user_id
        .clone();
    let request = Request::parse(request, permissions::acts_as_registrar(caller, &society.id))?;
    let now = db::now();
    let today = now.date();
    let society_id = society.id.clone();
    let (application, name) = db::run_as(&state.pool, move |conn| {
        db::write_as(conn, |conn| {
            let person = db::people::find(conn, &society_id, &person_id)?
                .ok_or_else(|| ApplyError::NoSuchPerson(person_id.clone()))?;
            if let Some(stored) = db::register::by_person(conn, &society_id, &person_id)? {
                if stored.entry.holds_tier_on(&request.tier, today) {
                    return Err(ApplyError::AlreadyHeld {
                        person_id,
                        tier: request.tier,
                    });
                }
            }
            let (number, assessment) = assess(conn, &society_id, &person_id, &request.tier, today)?;
            let (basis, basis_reason) = basis(&assessment, &request.past)?;
            let frozen = serde_json::to_value(&assessment).map_err(|e| {
                ApiError::Internal(anyhow::anyhow!("serializing an assessment: {e}"))
            })?;
            let application = Application {
                id: uuid::Uuid::new_v4().to_string(),
                society_id: society_id.clone(),
                person_id: person_id.clone(),
                tier: request.tier.as_str().to_owned(),
                basis,
                basis_reason,
                note: request.note,
                pathway_version_number: number,
                eligible: assessment.eligible,
                assessment: frozen,
                status: Status::Pending,
                applied_at: now,
                applied_by: Some(actor),
                decision: None,
            };
            db::applications::insert(conn, &application)?;
            Ok::<_, ApplyError>((application, person.name()))
        })
    })
    .await?;
    Ok(Applied {
        society,
        named: Named {
            application,
            person_name: name,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(tier: &str) -> ApplicationRequest {
        ApplicationRequest {
            tier: tier.to_owned(),
            ..ApplicationRequest::default()
        }
    }

    #[test]
    fn only_the_registrar_overrides_or_confers() {
        let mut asked = input("accredited-leader");
        asked.overriding = Some("committee discretion".to_owned());
        assert!(matches!(
            Request::parse(asked, false),
            Err(ApplyError::OnlyRegistrar)
        ));
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let mut asked = input("not a tier!");
        asked.note = Some("x".repeat(MAX_TEXT + 1));
        asked.overriding = Some("  ".to_owned());
        let Err(ApplyError::Invalid(errors)) = Request::parse(asked, true) else {
            panic!("expected every problem");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["tier", "note", "override.reason"]);
    }
}
