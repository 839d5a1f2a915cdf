//! The one mapping from the use cases' own errors to the API's answers:
//! each refusal, in the users' words in `crate::actions`, becomes the
//! status, problem type and detail the API has always answered for it.
//! The pages show the same [`ApiError`] through `web::PageError`.

use crate::actions::applications::{ApplyError, DecideError};
use crate::actions::ledger::AttestError;
use crate::actions::refusal::{Access, Failure};
use crate::actions::register::grant::GrantError;
use crate::actions::register::renew::RenewError;
use crate::actions::register::status::StatusError;
use crate::actions::register::{not_found, NO_PATHWAY};
use crate::db::register::refused;

use super::{ApiError, FieldProblem};

/// Invalid fields, every one named.
fn invalid(detail: &str, errors: Vec<FieldProblem>) -> ApiError {
    ApiError::Unprocessable {
        detail: detail.to_owned(),
        errors,
    }
}

impl From<Access> for ApiError {
    fn from(e: Access) -> Self {
        match e {
            Access::NotSignedIn => Self::Unauthenticated,
            Access::NoSuchSociety(slug) => Self::NotFound(format!("society {slug}")),
            // Told as a path no route takes: nothing is learnt from it.
            Access::NotInSociety => Self::unknown_resource(),
            Access::NotRegistrar => Self::Forbidden,
        }
    }
}

impl From<Failure> for ApiError {
    fn from(e: Failure) -> Self {
        match e {
            Failure::Unavailable(cause) => Self::Unavailable(cause),
            Failure::Store(e) => e,
        }
    }
}

impl From<AttestError> for ApiError {
    fn from(e: AttestError) -> Self {
        match e {
            AttestError::Access(e) => e.into(),
            AttestError::NoSuchRecord(id) => Self::NotFound(format!("activity {id}")),
            AttestError::OwnRecord | AttestError::NotAttestor => Self::Forbidden,
            AttestError::Invalid(errors) => invalid("the decision has invalid fields", errors),
            AttestError::AlreadyDecided => Self::Conflict(e.to_string()),
            AttestError::Failed(e) => e.into(),
        }
    }
}

impl From<DecideError> for ApiError {
    fn from(e: DecideError) -> Self {
        match e {
            DecideError::Access(e) => e.into(),
            DecideError::Invalid(errors) => invalid("the request has invalid fields", errors),
            DecideError::NoSuchApplication(id) => Self::NotFound(format!("application {id}")),
            DecideError::AlreadyDecided(_) => Self::Conflict(e.to_string()),
            DecideError::Failed(e) => e.into(),
        }
    }
}

impl From<StatusError> for ApiError {
    fn from(e: StatusError) -> Self {
        match e {
            StatusError::Access(e) => e.into(),
            StatusError::NoSuchEntry(registration) => not_found(&registration),
            StatusError::NoReason => Self::unprocessable("reason", "is required"),
            StatusError::Refused(e) => refused(e),
            StatusError::Failed(e) => e.into(),
        }
    }
}

impl From<RenewError> for ApiError {
    fn from(e: RenewError) -> Self {
        match e {
            RenewError::Access(e) => e.into(),
            RenewError::Invalid(errors) => invalid("the request has invalid fields", errors),
            RenewError::NoSuchEntry(registration) => not_found(&registration),
            RenewError::NoPathway => invalid(NO_PATHWAY, Vec::new()),
            RenewError::NoRenewalCycle => Self::unprocessable("registration", e.to_string()),
            RenewError::Refused(e) => refused(e),
            RenewError::NotMet {
                tier_name,
                first_day,
                last_day,
                shortfalls,
            } => invalid(
                &format!(
                    "renewal requirements of {tier_name} not met over the cycle {first_day} to {last_day}: {} shortfall(s); the registrar may renew with an override and a reason",
                    shortfalls.len()
                ),
                shortfalls,
            ),
            RenewError::OverrideNotNeeded(why) => {
                Self::unprocessable("override", format!("is not needed: {why}"))
            }
            RenewError::Failed(e) => e.into(),
        }
    }
}

impl From<GrantError> for ApiError {
    fn from(e: GrantError) -> Self {
        match e {
            GrantError::Access(e) => e.into(),
            GrantError::Invalid(errors) => invalid("the request has invalid fields", errors),
            GrantError::NoSuchPerson => Self::unprocessable("person_id", e.to_string()),
            GrantError::NoPathway => invalid(NO_PATHWAY, Vec::new()),
            GrantError::NoSuchTier { .. } => Self::unprocessable("tier", e.to_string()),
            GrantError::Refused(e) => refused(e),
            GrantError::PrerequisitesNotHeld {
                tier_name,
                effective,
                shortfalls,
            } => invalid(
                &format!(
                    "the prerequisites of {tier_name} are not held on {effective}: {} shortfall(s); the registrar may grant with override_prerequisites and a reason",
                    shortfalls.len()
                ),
                shortfalls,
            ),
            GrantError::OverrideNotNeeded {
                tier_name,
                effective,
            } => Self::unprocessable(
                "override_prerequisites",
                format!("is not needed: the prerequisites of {tier_name} are held on {effective}"),
            ),
            GrantError::Failed(e) => e.into(),
        }
    }
}

impl From<ApplyError> for ApiError {
    fn from(e: ApplyError) -> Self {
        match e {
            ApplyError::Access(e) => e.into(),
            ApplyError::NotTheApplicant | ApplyError::OnlyRegistrar => Self::Forbidden,
            ApplyError::Invalid(errors) => invalid("the request has invalid fields", errors),
            ApplyError::NoSuchPerson(id) => Self::NotFound(format!("person {id}")),
            ApplyError::AlreadyHeld { .. } => Self::Conflict(e.to_string()),
            ApplyError::InvitationOnly { ref tier_name } => Self::Unprocessable {
                errors: vec![FieldProblem::new(
                    "tier",
                    format!(
                        "{tier_name} is conferred by invitation: the registrar confers it with a reason"
                    ),
                )],
                detail: e.to_string(),
            },
            ApplyError::HeldOnEntry { .. } => Self::unprocessable("tier", e.to_string()),
            ApplyError::NotConferrable { .. } => Self::unprocessable("conferred", e.to_string()),
            ApplyError::OverrideNotNeeded => {
                Self::unprocessable("override", "is not needed: the person is eligible")
            }
            ApplyError::NotEligible {
                tier_name,
                shortfalls,
            } => invalid(
                &format!(
                    "not eligible for {tier_name}: {} shortfall(s); the registrar may record an override with a reason",
                    shortfalls.len()
                ),
                shortfalls,
            ),
            ApplyError::Failed(e) => e.into(),
        }
    }
}
