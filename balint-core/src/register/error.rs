//! What can go wrong when changing or reading the register.

use chrono::NaiveDate;

use crate::ids::{IdError, PersonId, RegistrationNumber, TierId};

use super::IllegalTransition;

/// A change the register refuses, or a stored register that does not hold
/// together. Nothing is changed when one of these is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegisterError {
    /// The transition table does not allow this change.
    #[error(transparent)]
    IllegalTransition(#[from] IllegalTransition),
    /// The change is dated before the entry's latest change; the history is
    /// append-only, so it cannot be slipped in earlier.
    #[error("the change is dated {effective}, before the entry's latest change on {latest}; the history is append-only")]
    BackDated {
        /// The date of the refused change.
        effective: NaiveDate,
        /// The date of the entry's latest change.
        latest: NaiveDate,
    },
    /// Every change needs a reason.
    #[error("a status change needs a reason")]
    MissingReason,
    /// A tier was granted that the accredited entry already holds.
    #[error("the entry already holds tier {tier}")]
    TierAlreadyHeld {
        /// The tier granted twice.
        tier: TierId,
    },
    /// A cycle was given that ends before the change takes effect.
    #[error("the cycle would run to {valid_until}, before the change takes effect on {effective}")]
    CycleEndsBeforeEffective {
        /// The proposed last day of the cycle.
        valid_until: NaiveDate,
        /// The date the change takes effect.
        effective: NaiveDate,
    },
    /// A cycle was described with a lapse day on or before its last day.
    #[error("an entry running to {valid_until} cannot lapse on {lapses_on}; it lapses after its cycle ends")]
    LapseBeforeCycleEnd {
        /// The last day of the cycle.
        valid_until: NaiveDate,
        /// The proposed lapse day.
        lapses_on: NaiveDate,
    },
    /// A renewal must run beyond the current cycle.
    #[error("a renewal must extend the entry beyond {current}, but would run to {proposed}")]
    RenewalDoesNotExtend {
        /// The last day of the current cycle.
        current: NaiveDate,
        /// The last day the renewal proposed.
        proposed: NaiveDate,
    },
    /// A date computation went past the end of the calendar.
    #[error("the date is out of range")]
    DateOutOfRange,
    /// A stored history is empty: an entry exists only from its first grant.
    #[error("a register entry needs at least its first grant in its history")]
    EmptyHistory,
    /// A stored history does not replay under the rules.
    #[error("history change #{index} is invalid: {problem}")]
    InvalidHistory {
        /// Position of the offending change (0 = the first grant).
        index: usize,
        /// What is wrong with it.
        problem: String,
    },
    /// A register already has an entry with this registration number.
    #[error("registration number {0} is already on the register")]
    DuplicateRegistration(RegistrationNumber),
    /// A register already has an entry for this person.
    #[error("person {person} is already on the register as {registration}")]
    PersonAlreadyRegistered {
        /// The person.
        person: PersonId,
        /// Their existing registration.
        registration: RegistrationNumber,
    },
    /// A registration number built from a prefix is not a valid identifier.
    #[error("invalid registration number: {0}")]
    InvalidRegistrationNumber(#[from] IdError),
}
