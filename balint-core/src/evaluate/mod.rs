//! Evaluation: pathway × ledger × as-of date → [`Assessment`].
//!
//! Evaluation is a pure function of its [`Inputs`]: the pathway version, the
//! [`Candidate`], the ledger, a [`RegisterView`] of other people's tiers (for
//! conditions such as "the co-leader was an Accredited Leader on the day of
//! the session"), recorded [`Override`]s and the `as_of` date. The same inputs
//! always give the same assessment, whatever the order of the records.
//!
//! Only confirmed records count. Pending records that would otherwise count
//! are listed apart as "would count once attested"; every other record of a
//! counted kind that does not count is listed with its
//! [`NotCountedReason`].
//!
//! How amounts are counted:
//! - lengths of time are summed exactly in minutes and reported in the
//!   requirement's unit;
//! - a record counts for the first failing check only (date, window,
//!   conditions, unit, attestation, caps), which is the reason reported;
//! - caps take records earliest first (then by id);
//! - a rate is met as soon as some run of consecutive periods, placed as
//!   its [anchor](crate::pathway::RateAnchor) says, holds at least the rate
//!   in each period (records after `as_of` never count; a period under way
//!   on `as_of` counts once it holds enough); when it is not met, the
//!   [`RateResult`] names the recent periods that fell short;
//! - overrides recorded after `as_of` are not applied (they are listed in
//!   [`Assessment::ignored_overrides`]).

mod assessment;
mod engine;
mod rate;
#[cfg(test)]
mod tests;
mod wording;

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub use assessment::{
    Assessment, CountedRecord, CycleWindow, IgnoredOverride, NotCounted, NotCountedReason,
    PrerequisiteResult, RateResult, RequirementResult, RuleSummary, ShortPeriod, Shortfall,
};

use crate::ids::{PersonId, RequirementId, TierId};
use crate::ledger::{Activity, Amount};
use crate::pathway::Pathway;

/// Whether people held tiers on given days: the part of a register that
/// evaluation needs. Object safe, so apps can pass their own.
pub trait RegisterView {
    /// Whether `person` held `tier` on `date`.
    fn held_tier_on(&self, person: &PersonId, tier: &TierId, date: NaiveDate) -> bool;
}

impl<T: RegisterView + ?Sized> RegisterView for &T {
    fn held_tier_on(&self, person: &PersonId, tier: &TierId, date: NaiveDate) -> bool {
        (**self).held_tier_on(person, tier, date)
    }
}

impl RegisterView for crate::register::Register {
    fn held_tier_on(&self, person: &PersonId, tier: &TierId, date: NaiveDate) -> bool {
        self.holds_tier_on(person, tier, date)
    }
}

/// A register view in which nobody holds any tier.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoRegister;

impl RegisterView for NoRegister {
    fn held_tier_on(&self, _: &PersonId, _: &TierId, _: NaiveDate) -> bool {
        false
    }
}

/// One span during which a person held a tier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierSpan {
    /// Who.
    pub person: PersonId,
    /// Which tier.
    pub tier: TierId,
    /// First day held.
    pub from: NaiveDate,
    /// First day no longer held (none: still held).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<NaiveDate>,
}

/// A simple in-memory [`RegisterView`] built from [`TierSpan`]s.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegisterSnapshot {
    spans: BTreeMap<PersonId, Vec<TierSpan>>,
}

impl RegisterSnapshot {
    /// An empty snapshot.
    pub fn new() -> Self {
        RegisterSnapshot::default()
    }

    /// Records that `person` held `tier` from `from` until the day before
    /// `until` (or still holds it).
    pub fn add(
        &mut self,
        person: PersonId,
        tier: TierId,
        from: NaiveDate,
        until: Option<NaiveDate>,
    ) {
        let span = TierSpan {
            person: person.clone(),
            tier,
            from,
            until,
        };
        self.spans.entry(person).or_default().push(span);
    }
}

impl FromIterator<TierSpan> for RegisterSnapshot {
    fn from_iter<I: IntoIterator<Item = TierSpan>>(iter: I) -> Self {
        let mut s = RegisterSnapshot::new();
        for span in iter {
            s.add(span.person, span.tier, span.from, span.until);
        }
        s
    }
}

impl RegisterView for RegisterSnapshot {
    fn held_tier_on(&self, person: &PersonId, tier: &TierId, date: NaiveDate) -> bool {
        self.spans.get(person).is_some_and(|spans| {
            spans
                .iter()
                .any(|s| &s.tier == tier && s.from <= date && s.until.is_none_or(|u| date < u))
        })
    }
}

/// The person being assessed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Candidate {
    /// Who.
    pub person: PersonId,
    /// Professional backgrounds, as labels the pathway declares (e.g. `psychodynamic_training`).
    #[serde(default)]
    pub backgrounds: Vec<String>,
    /// The day they entered the pathway (started leader training).
    ///
    /// The candidate holds the pathway's tiers reached on entering it
    /// ([`Entry::Enrolment`](crate::pathway::Entry::Enrolment), e.g. BSANZ's
    /// *pathway trainee*) from this day: trainees are not on the register.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entered_pathway: Option<NaiveDate>,
    /// Tiers they hold, and since when.
    #[serde(default)]
    pub tiers_held: Vec<HeldTier>,
}

impl Candidate {
    /// A candidate with no background, entry date or tiers recorded.
    pub fn new(person: PersonId) -> Self {
        Candidate {
            person,
            backgrounds: Vec::new(),
            entered_pathway: None,
            tiers_held: Vec::new(),
        }
    }

    /// Since when the candidate holds `tier`, if they do.
    pub fn held_since(&self, tier: &TierId) -> Option<NaiveDate> {
        self.tiers_held
            .iter()
            .filter(|h| &h.tier == tier)
            .map(|h| h.since)
            .min()
    }
}

/// A tier a candidate holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeldTier {
    /// The tier.
    pub tier: TierId,
    /// Since when.
    pub since: NaiveDate,
}

/// Why an override was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OverrideKind {
    /// Recognition of prior learning.
    RecognitionOfPriorLearning,
    /// The committee's discretion.
    CommitteeDiscretion,
}

/// What an override does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OverrideEffect {
    /// Adds this amount (in the requirement's unit) to what was achieved.
    Credit(Amount),
    /// Treats the requirement as met.
    Waive,
}

/// A recorded override: never a silent edit, always with a reason and shown
/// in the assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Override {
    /// The requirement it applies to.
    pub requirement: RequirementId,
    /// Recognition of prior learning or committee discretion.
    pub kind: OverrideKind,
    /// A credit or a waiver.
    pub effect: OverrideEffect,
    /// Why.
    pub reason: String,
    /// Who recorded it.
    pub recorded_by: PersonId,
    /// When.
    pub recorded_on: NaiveDate,
}

impl Override {
    /// The override in a few words, e.g. `recognition of prior learning: credit 5`.
    pub fn describe(&self) -> String {
        let kind = match self.kind {
            OverrideKind::RecognitionOfPriorLearning => "recognition of prior learning",
            OverrideKind::CommitteeDiscretion => "committee discretion",
        };
        match self.effect {
            OverrideEffect::Credit(a) => format!("{kind}: credit {a}"),
            OverrideEffect::Waive => format!("{kind}: waived"),
        }
    }
}

/// Why an evaluation could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EvaluateError {
    /// The pathway has no such tier.
    #[error("the pathway has no tier {0:?}")]
    UnknownTier(TierId),
    /// The tier has no renewal cycle.
    #[error("tier {0:?} has no renewal cycle")]
    NoRenewal(TierId),
}

/// Everything an evaluation depends on.
///
/// `'l` is the ledger's lifetime, which the [`Assessment`] keeps (it
/// borrows the ids of the records it lists); `'a` is everything else's,
/// which the assessment does not need once made.
#[derive(Clone, Copy)]
pub struct Inputs<'a, 'l> {
    /// The pathway version that applies to the candidate.
    pub pathway: &'a Pathway,
    /// The candidate.
    pub candidate: &'a Candidate,
    /// The candidate's records (records of other people are listed as not counted).
    pub ledger: &'l [Activity],
    /// Who held which tier when, for co-leader and supervisor conditions.
    pub register: &'a dyn RegisterView,
    /// Recorded overrides.
    pub overrides: &'a [Override],
    /// The date of the assessment.
    pub as_of: NaiveDate,
}

impl fmt::Debug for Inputs<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inputs")
            .field("pathway", &self.pathway.id())
            .field("candidate", &self.candidate.person)
            .field("ledger", &self.ledger.len())
            .field("overrides", &self.overrides.len())
            .field("as_of", &self.as_of)
            .finish_non_exhaustive()
    }
}

impl<'a, 'l> Inputs<'a, 'l> {
    /// Since when the candidate holds `tier`: as their tiers say, or, for a
    /// tier reached on entering the pathway, from the day they entered it
    /// (whichever is earlier).
    pub fn held_since(&self, tier: &TierId) -> Option<NaiveDate> {
        let held = self.candidate.held_since(tier);
        let entered = self
            .pathway
            .tier(tier)
            .filter(|t| t.entry == crate::pathway::Entry::Enrolment)
            .and(self.candidate.entered_pathway);
        match (held, entered) {
            (Some(h), Some(e)) => Some(h.min(e)),
            (h, e) => h.or(e),
        }
    }

    /// Inputs with an empty register view and no overrides.
    pub fn new(
        pathway: &'a Pathway,
        candidate: &'a Candidate,
        ledger: &'l [Activity],
        as_of: NaiveDate,
    ) -> Self {
        Inputs {
            pathway,
            candidate,
            ledger,
            register: &NoRegister,
            overrides: &[],
            as_of,
        }
    }

    /// The same inputs with a register view.
    #[must_use]
    pub fn with_register(self, register: &'a dyn RegisterView) -> Self {
        Inputs { register, ..self }
    }

    /// The same inputs with overrides.
    #[must_use]
    pub fn with_overrides(self, overrides: &'a [Override]) -> Self {
        Inputs { overrides, ..self }
    }

    /// Evaluates the candidate against `tier`. The assessment borrows the
    /// ids of the records it lists from the ledger (see [`Assessment`]).
    pub fn evaluate(&self, tier: &TierId) -> Result<Assessment<'l>, EvaluateError> {
        evaluate(self, tier)
    }

    /// Evaluates the renewal requirements of `tier` for the cycle starting
    /// on `cycle_start`.
    pub fn evaluate_renewal(
        &self,
        tier: &TierId,
        cycle_start: NaiveDate,
    ) -> Result<Assessment<'l>, EvaluateError> {
        evaluate_renewal(self, tier, cycle_start)
    }
}

/// Evaluates the candidate against `tier`: prerequisites, then every
/// requirement. Eligible when every prerequisite and mandatory requirement
/// is met.
pub fn evaluate<'l>(
    inputs: &Inputs<'_, 'l>,
    tier: &TierId,
) -> Result<Assessment<'l>, EvaluateError> {
    let t = inputs
        .pathway
        .tier(tier)
        .ok_or_else(|| EvaluateError::UnknownTier(tier.clone()))?;
    Ok(engine::assess(inputs, t, &t.requirements, None))
}

/// Evaluates the renewal requirements of `tier` for the cycle starting on
/// `cycle_start`: only records dated within the cycle count. Tier
/// prerequisites are not checked (the tier is already held).
pub fn evaluate_renewal<'l>(
    inputs: &Inputs<'_, 'l>,
    tier: &TierId,
    cycle_start: NaiveDate,
) -> Result<Assessment<'l>, EvaluateError> {
    let t = inputs
        .pathway
        .tier(tier)
        .ok_or_else(|| EvaluateError::UnknownTier(tier.clone()))?;
    let renewal = t
        .renewal
        .as_ref()
        .ok_or_else(|| EvaluateError::NoRenewal(tier.clone()))?;
    let cycle = CycleWindow {
        starts: cycle_start,
        ends: renewal.cycle_end(cycle_start),
        lapses_on: renewal.lapses_on(cycle_start),
    };
    Ok(engine::assess(
        inputs,
        t,
        &renewal.requirements,
        Some(cycle),
    ))
}
