//! The ledger: a person's record of Balint experience.
//!
//! Each [`Activity`] is one record: a session attended, a group led, a
//! supervision session, a workshop, a report, a prerequisite confirmed. It
//! carries its date, an [`Amount`] in a [`Unit`], how it was delivered, who
//! attests it (and any co-leader or supervisor), and its [`Attestation`] state.
//!
//! Units convert only where they honestly can: minutes, hours and 90-minute
//! double sessions convert into each other; a session converts to time only
//! through the duration recorded on it; cases, meetings, events and days
//! never convert. See [`Activity::amount_in`].
//!
//! # A record in JSON
//!
//! An [`Activity`] reads and writes this shape (a [`Ledger`] is a list of
//! them). Fields not listed are refused, so a misspelt field is an error
//! rather than a record quietly missing something.
//!
//! | field | | |
//! | --- | --- | --- |
//! | `id` | required | the record's id: letters, digits, `-`, `_`, `.` |
//! | `person` | required | whose experience it is (a person id) |
//! | `kind` | required | `participation`, `leading`, `co_leading`, `supervision`, `workshop`, `report`, `evaluation` or `prerequisite` |
//! | `date` | required | `YYYY-MM-DD`; the first day, for an event over several days |
//! | `amount` | required | a number above zero, at most three decimals |
//! | `unit` | required | `sessions`, `double_sessions`, `minutes`, `hours`, `cases`, `meetings`, `events` or `days`; one that fits the kind ([`ActivityKind::units`]) |
//! | `duration_minutes` | optional | the total length, which lets sessions count as time |
//! | `days` | optional | for an event over several days: how many days it ran |
//! | `cases` | optional | cases discussed, on leading and co-leading records |
//! | `delivery` | optional | `in_person` (the default) or `online` |
//! | `attestor` | optional | the person asked to confirm it |
//! | `co_leader` | optional | the co-leader (required for `co_leading`) |
//! | `supervisor` | optional | the supervisor |
//! | `group` | optional | the group's name or code |
//! | `ongoing_group` | optional | `true` for a standing group (default `false`) |
//! | `setting` | optional | e.g. `general-practice`, `hospital` |
//! | `event_type` | optional | `intensive`, `workshop`, `weekend`, `training_day`, `seminar`, `congress`, `residential` or `other` |
//! | `provider` | optional | who ran the event, e.g. `bsanz` |
//! | `provider_approved` | optional | `true` when the society approved the provider (default `false`) |
//! | `supervision_format` | optional | `individual` or `group` |
//! | `report_type` | optional | `progress`, `final_suitability`, `observed_leading`, `case_discussion_assessment`, `training_record`, `colloquium` or `other` |
//! | `prerequisite_type` | optional | `membership`, `professional_qualification`, `psychotherapy_training`, `clinical_experience` or `other` |
//! | `notes` | optional | free text |
//! | `attestation` | optional | `{"state": "pending"}` (the default), `{"state": "confirmed", "by": PERSON, "on": DATE}` or `{"state": "rejected", "by": PERSON, "on": DATE, "reason": TEXT}` |
//!
//! Only confirmed records count; pending ones are shown as "would count once
//! attested".
//!
//! ```
//! use balint_core::ledger::Activity;
//! let json = r#"{
//!     "id": "a-1", "person": "p-1", "kind": "co_leading", "date": "2025-03-04",
//!     "amount": 1, "unit": "meetings", "cases": 2, "co_leader": "p-2",
//!     "attestation": {"state": "confirmed", "by": "p-2", "on": "2025-03-05"}
//! }"#;
//! let record: Activity = serde_json::from_str(json).unwrap();
//! assert!(record.attestation.is_confirmed());
//!
//! // `status` is not a field: the record is refused, not left pending.
//! let wrong = json.replace(r#""attestation": {"state": "confirmed", "by": "p-2", "on": "2025-03-05"}"#, r#""status": "confirmed""#);
//! let err = serde_json::from_str::<Activity>(&wrong).unwrap_err().to_string();
//! assert!(err.starts_with("unknown field `status`"), "{err}");
//! ```

mod amount;
pub(crate) mod words;

use std::ops::Deref;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub use amount::{Amount, AmountError};
pub(crate) use words::word_enum;
pub use words::UnknownWord;

use crate::ids::{ActivityId, PersonId};

word_enum! {
    /// What kind of experience a record is.
    pub enum ActivityKind ("activity kind") {
        /// Sessions attended as an ordinary group member (and events, such
        /// as a society's weekend, attended as one).
        Participation => "participation",
        /// Groups or case discussions led alone.
        Leading => "leading",
        /// Groups or case discussions led with a co-leader.
        CoLeading => "co_leading",
        /// Supervision received about one's leading.
        Supervision => "supervision",
        /// Leadership workshops, intensives, weekends, seminars, congresses.
        Workshop => "workshop",
        /// A written report: supervisor progress report, final suitability report, ...
        Report => "report",
        /// An evaluation: observed leading at a credentialing event, a colloquium.
        Evaluation => "evaluation",
        /// A prerequisite confirmed by the registrar (membership, qualification, ...).
        Prerequisite => "prerequisite",
    }
}

word_enum! {
    /// The unit an activity's amount is counted in.
    pub enum Unit ("unit") {
        /// Group sessions (of whatever length; see [`Activity::duration_minutes`]).
        Sessions => "sessions",
        /// 90-minute double sessions (German *Doppelstunden*).
        DoubleSessions => "double_sessions",
        /// Minutes.
        Minutes => "minutes",
        /// Hours.
        Hours => "hours",
        /// Cases discussed.
        Cases => "cases",
        /// Group meetings.
        Meetings => "meetings",
        /// Countable occurrences: an intensive attended, a report written, an
        /// evaluation held, a prerequisite confirmed.
        Events => "events",
        /// Days (of a workshop or training).
        Days => "days",
    }
}

word_enum! {
    /// How an activity was delivered.
    pub enum Delivery ("delivery mode") {
        /// Face to face.
        InPerson => "in_person",
        /// By video.
        Online => "online",
    }
}

word_enum! {
    /// The type of a workshop or event.
    pub enum EventType ("event type") {
        /// A leadership intensive (e.g. ABS 4-day, BSANZ intensive).
        Intensive => "intensive",
        /// A leadership workshop.
        Workshop => "workshop",
        /// A society weekend.
        Weekend => "weekend",
        /// A training day.
        TrainingDay => "training_day",
        /// A leader seminar (DBG *Leiterseminar*).
        Seminar => "seminar",
        /// A congress or conference.
        Congress => "congress",
        /// A residential workshop.
        Residential => "residential",
        /// Anything else.
        Other => "other",
    }
}

word_enum! {
    /// Whether supervision was one to one or in a group.
    pub enum SupervisionFormat ("supervision format") {
        /// One supervisor, one supervisee.
        Individual => "individual",
        /// Several supervisees together.
        Group => "group",
    }
}

word_enum! {
    /// The type of a report or evaluation.
    pub enum ReportType ("report type") {
        /// A supervisor's periodic progress report.
        Progress => "progress",
        /// A supervisor's final suitability report.
        FinalSuitability => "final_suitability",
        /// Leading observed and evaluated at a credentialing event.
        ObservedLeading => "observed_leading",
        /// A Case-Based Discussion Group Assessment (psychiatry training).
        CaseDiscussionAssessment => "case_discussion_assessment",
        /// An annual training record.
        TrainingRecord => "training_record",
        /// A final colloquium.
        Colloquium => "colloquium",
        /// Anything else.
        Other => "other",
    }
}

word_enum! {
    /// The type of a prerequisite.
    pub enum PrerequisiteType ("prerequisite type") {
        /// Society membership, kept current.
        Membership => "membership",
        /// A professional qualification (medicine, psychology, ...).
        ProfessionalQualification => "professional_qualification",
        /// Psychotherapy or psychodynamic training.
        PsychotherapyTraining => "psychotherapy_training",
        /// Years of clinical experience.
        ClinicalExperience => "clinical_experience",
        /// Anything else.
        Other => "other",
    }
}

impl ActivityKind {
    /// The units a record of this kind may be counted in.
    pub const fn units(self) -> &'static [Unit] {
        use Unit::*;
        match self {
            ActivityKind::Participation => &[
                Sessions,
                DoubleSessions,
                Minutes,
                Hours,
                Meetings,
                Events,
                Days,
            ],
            ActivityKind::Leading | ActivityKind::CoLeading => &[
                Sessions,
                DoubleSessions,
                Minutes,
                Hours,
                Cases,
                Meetings,
                Events,
            ],
            ActivityKind::Supervision => &[Sessions, DoubleSessions, Minutes, Hours],
            ActivityKind::Workshop => &[Events, Days, Hours, Minutes, Sessions, DoubleSessions],
            ActivityKind::Report | ActivityKind::Evaluation | ActivityKind::Prerequisite => {
                &[Events]
            }
        }
    }

    /// Whether `unit` fits this kind (e.g. supervision is not counted in cases).
    pub fn fits(self, unit: Unit) -> bool {
        self.units().contains(&unit)
    }
}

impl Unit {
    /// Minutes in one of this unit, for the units that are lengths of time.
    pub const fn minutes(self) -> Option<u64> {
        match self {
            Unit::Minutes => Some(1),
            Unit::Hours => Some(60),
            Unit::DoubleSessions => Some(90),
            _ => None,
        }
    }

    /// Converts an amount between units where that is honest: only between
    /// minutes, hours and double sessions (rounded down to the thousandth).
    ///
    /// ```
    /// use balint_core::ledger::{Amount, Unit};
    /// let ninety = Amount::from_whole(90);
    /// assert_eq!(Unit::convert(ninety, Unit::Minutes, Unit::DoubleSessions), Some(Amount::from_whole(1)));
    /// assert_eq!(Unit::convert(ninety, Unit::Cases, Unit::Meetings), None);
    /// ```
    pub fn convert(amount: Amount, from: Unit, to: Unit) -> Option<Amount> {
        if from == to {
            return Some(amount);
        }
        let (f, t) = (from.minutes()?, to.minutes()?);
        Some(amount.scale(f, t))
    }
}

/// Who confirmed a record, or why not yet.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case", deny_unknown_fields)]
pub enum Attestation {
    /// Waiting for the attestor.
    #[default]
    Pending,
    /// Confirmed by the attestor.
    Confirmed {
        /// Who confirmed it.
        by: PersonId,
        /// When.
        on: NaiveDate,
    },
    /// Rejected by the attestor.
    Rejected {
        /// Who rejected it.
        by: PersonId,
        /// When.
        on: NaiveDate,
        /// Why, in the attestor's words.
        reason: String,
    },
}

impl Attestation {
    /// Whether the record is confirmed.
    pub fn is_confirmed(&self) -> bool {
        matches!(self, Attestation::Confirmed { .. })
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_in_person(d: &Delivery) -> bool {
    *d == Delivery::InPerson
}

fn in_person() -> Delivery {
    Delivery::InPerson
}

/// One record in a person's ledger.
///
/// Only `id`, `person`, `kind`, `date`, `amount` and `unit` are required in
/// JSON; the rest default to absent, `in_person`, `false` and `pending`.
/// Unknown fields are refused (see [the module](self) for the format).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Activity {
    /// The record's id.
    pub id: ActivityId,
    /// Whose experience this is.
    pub person: PersonId,
    /// What kind of experience.
    pub kind: ActivityKind,
    /// When it happened (the first day, for a multi-day event).
    pub date: NaiveDate,
    /// How much, in `unit`.
    pub amount: Amount,
    /// The unit of `amount`.
    pub unit: Unit,
    /// The total length in minutes, where known: lets sessions count as time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_minutes: Option<u32>,
    /// For an event over several days (a weekend, an intensive): how many
    /// days it ran. A record counted in days gives its length as its amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<u32>,
    /// Cases discussed, for leading and co-leading counted in sessions or meetings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cases: Option<u32>,
    /// In person or online.
    #[serde(default = "in_person", skip_serializing_if = "is_in_person")]
    pub delivery: Delivery,
    /// Who is asked to confirm the record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attestor: Option<PersonId>,
    /// The co-leader, for co-leading.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub co_leader: Option<PersonId>,
    /// The supervisor, for supervision (or supervised leading).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supervisor: Option<PersonId>,
    /// The group, by a name or code the person keeps consistent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Whether the group is an ongoing (standing) group rather than a one-off.
    #[serde(default, skip_serializing_if = "is_false")]
    pub ongoing_group: bool,
    /// The setting (e.g. `general-practice`, `psychiatry-training`, `hospital`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub setting: Option<String>,
    /// For workshops and events: what type of event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_type: Option<EventType>,
    /// For workshops and events: who ran it (a short slug, e.g. `bsanz`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// For workshops and events: whether the society approved the provider.
    #[serde(default, skip_serializing_if = "is_false")]
    pub provider_approved: bool,
    /// For supervision: individual or group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supervision_format: Option<SupervisionFormat>,
    /// For reports and evaluations: which one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_type: Option<ReportType>,
    /// For prerequisites: which one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prerequisite_type: Option<PrerequisiteType>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Pending, confirmed or rejected.
    #[serde(default)]
    pub attestation: Attestation,
}

impl Activity {
    /// A pending record with only the required fields set; fill in the rest
    /// with struct update syntax or by assignment.
    pub fn new(
        id: ActivityId,
        person: PersonId,
        kind: ActivityKind,
        date: NaiveDate,
        amount: Amount,
        unit: Unit,
    ) -> Self {
        Activity {
            id,
            person,
            kind,
            date,
            amount,
            unit,
            duration_minutes: None,
            days: None,
            cases: None,
            delivery: Delivery::InPerson,
            attestor: None,
            co_leader: None,
            supervisor: None,
            group: None,
            ongoing_group: false,
            setting: None,
            event_type: None,
            provider: None,
            provider_approved: false,
            supervision_format: None,
            report_type: None,
            prerequisite_type: None,
            notes: None,
            attestation: Attestation::Pending,
        }
    }

    /// How many days the event ran: its [`days`](Activity::days), or its
    /// amount when it is counted in days.
    pub fn length_in_days(&self) -> Option<Amount> {
        match (self.days, self.unit) {
            (Some(days), _) => Some(Amount::from_whole(u64::from(days))),
            (None, Unit::Days) => Some(self.amount),
            (None, _) => None,
        }
    }

    /// The record's amount expressed in `unit`, or `None` where that would
    /// not be honest.
    ///
    /// - the same unit: the amount;
    /// - minutes, hours, double sessions: converted into each other;
    /// - sessions (or meetings, days, ...) into time: only through
    ///   [`duration_minutes`](Activity::duration_minutes);
    /// - cases: the [`cases`](Activity::cases) recorded on a leading record;
    /// - otherwise (cases, meetings, events, days): never.
    pub fn amount_in(&self, unit: Unit) -> Option<Amount> {
        amount_in(
            self.amount,
            self.unit,
            self.cases,
            self.duration_minutes,
            unit,
        )
    }

    /// Every way this record is not well formed, so an app can refuse it
    /// before it enters a ledger (all problems at once).
    pub fn problems(&self) -> Vec<ActivityProblem> {
        let mut problems = Vec::new();
        if !self.kind.fits(self.unit) {
            problems.push(ActivityProblem::UnitDoesNotFitKind {
                kind: self.kind,
                unit: self.unit,
            });
        }
        if self.amount.is_zero() {
            problems.push(ActivityProblem::ZeroAmount);
        }
        if self.duration_minutes == Some(0) {
            problems.push(ActivityProblem::ZeroDuration);
        }
        if self.days == Some(0) {
            problems.push(ActivityProblem::ZeroDays);
        }
        if self.cases.is_some()
            && !matches!(self.kind, ActivityKind::Leading | ActivityKind::CoLeading)
        {
            problems.push(ActivityProblem::CasesOnlyForLeading);
        }
        if self.kind == ActivityKind::CoLeading && self.co_leader.is_none() {
            problems.push(ActivityProblem::CoLeaderMissing);
        }
        for (role, who) in [
            (Role::Attestor, &self.attestor),
            (Role::CoLeader, &self.co_leader),
            (Role::Supervisor, &self.supervisor),
        ] {
            if who.as_ref() == Some(&self.person) {
                problems.push(ActivityProblem::OwnRecord(role));
            }
        }
        problems
    }
}

/// [`Activity::amount_in`] from the fields it reads, so that evaluation can
/// work from a compact copy of them.
#[inline]
pub(crate) fn amount_in(
    amount: Amount,
    own: Unit,
    cases: Option<u32>,
    duration_minutes: Option<u32>,
    unit: Unit,
) -> Option<Amount> {
    if unit == own {
        return Some(amount);
    }
    if let Some(a) = Unit::convert(amount, own, unit) {
        return Some(a);
    }
    if unit == Unit::Cases {
        return cases.map(|c| Amount::from_whole(u64::from(c)));
    }
    let minutes = duration_minutes?;
    Unit::convert(Amount::from_whole(u64::from(minutes)), Unit::Minutes, unit)
}

/// A role someone else plays on a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The attestor.
    Attestor,
    /// The co-leader.
    CoLeader,
    /// The supervisor.
    Supervisor,
}

/// Something wrong with a single record (see [`Activity::problems`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ActivityProblem {
    /// The unit does not fit the kind (e.g. supervision in cases).
    #[error("a {kind} record cannot be counted in {unit} (use one of: {})", words::Words(&unit_words(kind.units())))]
    UnitDoesNotFitKind {
        /// The record's kind.
        kind: ActivityKind,
        /// The record's unit.
        unit: Unit,
    },
    /// The amount is zero.
    #[error("the amount must be more than zero")]
    ZeroAmount,
    /// The duration is zero.
    #[error("the duration, when given, must be more than zero minutes")]
    ZeroDuration,
    /// The length in days is zero.
    #[error("the length in days, when given, must be more than zero")]
    ZeroDays,
    /// `cases` given on a record that is not leading or co-leading.
    #[error("cases are recorded only on leading and co-leading records")]
    CasesOnlyForLeading,
    /// A co-leading record without its co-leader.
    #[error("a co-leading record names its co-leader")]
    CoLeaderMissing,
    /// The person named themself in another role.
    #[error("the person cannot be their own {}", match .0 { Role::Attestor => "attestor", Role::CoLeader => "co-leader", Role::Supervisor => "supervisor" })]
    OwnRecord(Role),
}

fn unit_words(units: &[Unit]) -> Vec<&'static str> {
    units.iter().map(|u| u.as_str()).collect()
}

/// A person's records, in any order (evaluation does not depend on it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Ledger(pub Vec<Activity>);

impl Ledger {
    /// An empty ledger.
    pub fn new() -> Self {
        Ledger(Vec::new())
    }

    /// Adds a record.
    pub fn push(&mut self, activity: Activity) {
        self.0.push(activity);
    }
}

impl Deref for Ledger {
    type Target = [Activity];
    fn deref(&self) -> &[Activity] {
        &self.0
    }
}

impl From<Vec<Activity>> for Ledger {
    fn from(v: Vec<Activity>) -> Self {
        Ledger(v)
    }
}

impl FromIterator<Activity> for Ledger {
    fn from_iter<I: IntoIterator<Item = Activity>>(iter: I) -> Self {
        Ledger(iter.into_iter().collect())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn record(kind: ActivityKind, amount: u64, unit: Unit) -> Activity {
        Activity::new(
            "a-1".parse().unwrap(),
            "p-1".parse().unwrap(),
            kind,
            date("2024-03-01"),
            Amount::from_whole(amount),
            unit,
        )
    }

    #[test]
    fn a_double_session_is_ninety_minutes_and_one_and_a_half_hours() {
        let r = record(ActivityKind::Participation, 1, Unit::DoubleSessions);
        assert_eq!(r.amount_in(Unit::Minutes), Some(Amount::from_whole(90)));
        assert_eq!(
            r.amount_in(Unit::Hours),
            Some(Amount::from_thousandths(1500))
        );
        assert_eq!(r.amount_in(Unit::Sessions), None);
    }

    #[test]
    fn sessions_become_time_only_through_a_recorded_duration() {
        let mut r = record(ActivityKind::Participation, 2, Unit::Sessions);
        assert_eq!(r.amount_in(Unit::Minutes), None);
        r.duration_minutes = Some(180);
        assert_eq!(
            r.amount_in(Unit::DoubleSessions),
            Some(Amount::from_whole(2))
        );
        assert_eq!(r.amount_in(Unit::Hours), Some(Amount::from_whole(3)));
    }

    #[test]
    fn cases_meetings_and_events_never_convert() {
        let r = record(ActivityKind::Leading, 1, Unit::Meetings);
        assert_eq!(r.amount_in(Unit::Cases), None);
        assert_eq!(r.amount_in(Unit::Sessions), None);
        let with_cases = Activity {
            cases: Some(2),
            ..r
        };
        assert_eq!(
            with_cases.amount_in(Unit::Cases),
            Some(Amount::from_whole(2))
        );
        assert_eq!(with_cases.amount_in(Unit::Events), None);
    }

    #[test]
    fn units_must_fit_the_kind() {
        assert!(ActivityKind::Leading.fits(Unit::Cases));
        assert!(!ActivityKind::Supervision.fits(Unit::Cases));
        let bad = record(ActivityKind::Supervision, 1, Unit::Cases);
        let problems = bad.problems();
        assert_eq!(problems.len(), 1);
        assert_eq!(
            problems[0].to_string(),
            "a supervision record cannot be counted in cases (use one of: sessions, double_sessions, minutes or hours)"
        );
    }

    #[test]
    fn reports_every_problem_with_a_record() {
        let mut bad = record(ActivityKind::CoLeading, 0, Unit::Sessions);
        bad.attestor = Some(bad.person.clone());
        bad.duration_minutes = Some(0);
        let problems = bad.problems();
        assert_eq!(
            problems,
            vec![
                ActivityProblem::ZeroAmount,
                ActivityProblem::ZeroDuration,
                ActivityProblem::CoLeaderMissing,
                ActivityProblem::OwnRecord(Role::Attestor),
            ]
        );
    }

    #[test]
    fn json_uses_snake_case_words_and_defaults() {
        let json = r#"{"id":"a-1","person":"p-1","kind":"co_leading","date":"2024-03-01",
            "amount":1,"unit":"double_sessions","co_leader":"p-2",
            "attestation":{"state":"confirmed","by":"p-2","on":"2024-03-02"}}"#;
        let a: Activity = serde_json::from_str(json).unwrap();
        assert_eq!(a.kind, ActivityKind::CoLeading);
        assert_eq!(a.delivery, Delivery::InPerson);
        assert!(a.attestation.is_confirmed());
        let back: Activity = serde_json::from_value(serde_json::to_value(&a).unwrap()).unwrap();
        assert_eq!(back, a);
        let err = serde_json::from_str::<Activity>(&json.replace("co_leading", "coleading"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown activity kind \"coleading\""), "{err}");
    }
}
