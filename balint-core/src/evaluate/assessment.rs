//! The answer: an [`Assessment`] of one candidate against one tier.

use std::borrow::Cow;
use std::fmt::{self, Write as _};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::wording::{self, Count, Quantity, Spaced};
use super::Override;
use crate::ids::{ActivityId, PathwayId, PersonId, RequirementId, TierId};
use crate::ledger::{Amount, Delivery, EventType, Unit};
use crate::pathway::{CountUnit, Entry, Level, Milestone, Period, RateAnchor};

/// The evaluation of one candidate against one tier (or one renewal cycle)
/// as of a date. Field order is stable; lists are in a defined order
/// (requirements in document order, records by date then id).
///
/// An assessment lists every record it counted or set aside by the record's
/// id, and an evaluation borrows those ids from the ledger evaluated (`'l`
/// is the lifetime of the [`Inputs`](super::Inputs)): a ledger of thousands
/// of records is assessed without copying an id per record listed. To keep
/// an assessment beyond its ledger, or to send it to another thread, take
/// [`Assessment::into_owned`]. One read back from JSON owns its ids and can
/// be an `Assessment<'static>` outright; either way it serializes the same.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment<'l> {
    /// The pathway evaluated against.
    pub pathway: PathwayId,
    /// Its title.
    #[serde(default)]
    pub pathway_title: String,
    /// Its version label.
    pub pathway_version: String,
    /// The tier.
    pub tier: TierId,
    /// The tier's name.
    pub tier_name: String,
    /// Whether the tier is reached by application or by invitation.
    pub entry: Entry,
    /// The candidate.
    pub person: PersonId,
    /// The date of the assessment.
    pub as_of: NaiveDate,
    /// For a renewal: the cycle evaluated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renewal_cycle: Option<CycleWindow>,
    /// Whether every prerequisite and mandatory requirement is met.
    pub eligible: bool,
    /// The tiers that must be held first.
    pub prerequisites: Vec<PrerequisiteResult>,
    /// Mandatory requirements.
    pub mandatory: Vec<RequirementResult<'l>>,
    /// Desirable requirements (not needed for eligibility).
    pub desirable: Vec<RequirementResult<'l>>,
    /// Overrides given but not applied, and why.
    #[serde(default)]
    pub ignored_overrides: Vec<IgnoredOverride>,
}

/// The renewal cycle an assessment covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CycleWindow {
    /// First day of the cycle.
    pub starts: NaiveDate,
    /// Day after the cycle's last day.
    pub ends: NaiveDate,
    /// First day the entry is lapsed if not renewed.
    pub lapses_on: NaiveDate,
}

/// Whether a prerequisite tier is held, and for long enough.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrerequisiteResult {
    /// The tier.
    pub tier: TierId,
    /// The tier's name.
    #[serde(default)]
    pub tier_name: String,
    /// Minimum months held, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_months: Option<u32>,
    /// Since when the candidate holds it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_since: Option<NaiveDate>,
    /// Whether it is met.
    pub met: bool,
}

/// How a requirement combines, as reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleSummary {
    /// Counts activities.
    Activity,
    /// Every part.
    AllOf,
    /// Any part.
    AnyOf,
    /// At least this many parts.
    AtLeast(u32),
    /// A branch on background.
    ByBackground,
}

/// The result for one requirement. The records it lists borrow their ids
/// as the [`Assessment`] does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequirementResult<'l> {
    /// The requirement's id.
    pub id: RequirementId,
    /// Its title.
    pub title: String,
    /// Mandatory or desirable.
    pub level: Level,
    /// How it is met.
    pub rule: RuleSummary,
    /// Whether it is met (including by an override).
    pub met: bool,
    /// For activity requirements: the unit of the amounts below.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<CountUnit>,
    /// Required amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<Amount>,
    /// Achieved amount (counted records plus credited overrides).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub achieved: Option<Amount>,
    /// Still missing (zero when met).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing: Option<Amount>,
    /// The rate check, if the requirement has a rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<RateResult>,
    /// Records that counted, with the amount each counted for.
    #[serde(default)]
    pub counted: Vec<CountedRecord<'l>>,
    /// Pending records that would count once attested.
    #[serde(default)]
    pub pending: Vec<CountedRecord<'l>>,
    /// Records of the counted kinds that did not count, and why.
    #[serde(default)]
    pub not_counted: Vec<NotCounted<'l>>,
    /// For combinations and branches: the parts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<RequirementResult<'l>>,
    /// For branches: the background whose branch applied (none: `otherwise`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background: Option<String>,
    /// Overrides applied, with their reasons.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<Override>,
    /// The requirement's note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Where the figure is a guideline the committee may weigh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discretion: Option<String>,
    /// What is missing, in words (empty when met).
    #[serde(default)]
    pub shortfalls: Vec<String>,
}

/// The rate check of a requirement (see [`Rate`](crate::pathway::Rate)
/// for how periods are placed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateResult {
    /// Needed in each period.
    pub at_least: Amount,
    /// The period.
    pub per: Period,
    /// Consecutive periods needed.
    pub periods: u32,
    /// Where periods begin.
    #[serde(default = "rolling")]
    pub anchor: RateAnchor,
    /// The longest run of consecutive periods meeting the rate (the latest
    /// of equally long runs).
    pub best_run: u32,
    /// The first day of that run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub best_run_from: Option<NaiveDate>,
    /// The last day of that run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub best_run_until: Option<NaiveDate>,
    /// The run of periods meeting the rate that ends with the latest period
    /// (the one under way on the assessment date, or the one before it
    /// while that one does not hold enough yet), at most `periods`.
    #[serde(default)]
    pub current_run: u32,
    /// Whether the rate is kept.
    pub met: bool,
    /// When the rate is not kept: the periods among the last `periods` up to
    /// the assessment date (from the first that holds a counted record, or
    /// for training periods from the first) that hold less than `at_least`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub short_periods: Vec<ShortPeriod>,
}

fn rolling() -> RateAnchor {
    RateAnchor::Rolling
}

/// A period in which a rate was not kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShortPeriod {
    /// Its first day.
    pub from: NaiveDate,
    /// Its last day.
    pub until: NaiveDate,
    /// What it holds, in the requirement's unit.
    pub achieved: Amount,
    /// Whether it was still under way on the assessment date (what it
    /// holds so far).
    pub in_progress: bool,
}

/// A record that counted (or would, once attested).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountedRecord<'l> {
    /// The record: its id, borrowed from the ledger evaluated (owned once
    /// the assessment is [owned](Assessment::into_owned) or read back).
    /// In JSON, the id as a string.
    pub activity: Cow<'l, ActivityId>,
    /// Its date.
    pub date: NaiveDate,
    /// The amount it counted for, in the requirement's unit.
    pub amount: Amount,
}

/// A record that did not count, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotCounted<'l> {
    /// The record: its id, borrowed as in [`CountedRecord::activity`].
    pub activity: Cow<'l, ActivityId>,
    /// Its date.
    pub date: NaiveDate,
    /// Why it did not count.
    pub reason: NotCountedReason,
}

impl RequirementResult<'_> {
    /// The same result owning every id it lists (see [`Assessment::into_owned`]).
    pub fn into_owned(self) -> RequirementResult<'static> {
        RequirementResult {
            id: self.id,
            title: self.title,
            level: self.level,
            rule: self.rule,
            met: self.met,
            unit: self.unit,
            required: self.required,
            achieved: self.achieved,
            missing: self.missing,
            rate: self.rate,
            counted: owned(self.counted, CountedRecord::into_owned),
            pending: owned(self.pending, CountedRecord::into_owned),
            not_counted: owned(self.not_counted, NotCounted::into_owned),
            children: owned(self.children, RequirementResult::into_owned),
            background: self.background,
            overrides: self.overrides,
            note: self.note,
            discretion: self.discretion,
            shortfalls: self.shortfalls,
        }
    }
}

impl CountedRecord<'_> {
    /// The same record owning its id.
    pub fn into_owned(self) -> CountedRecord<'static> {
        CountedRecord {
            activity: Cow::Owned(self.activity.into_owned()),
            date: self.date,
            amount: self.amount,
        }
    }
}

impl NotCounted<'_> {
    /// The same record owning its id.
    pub fn into_owned(self) -> NotCounted<'static> {
        NotCounted {
            activity: Cow::Owned(self.activity.into_owned()),
            date: self.date,
            reason: self.reason,
        }
    }
}

fn owned<T, U>(list: Vec<T>, f: impl FnMut(T) -> U) -> Vec<U> {
    list.into_iter().map(f).collect()
}

/// Why a record did not count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
#[non_exhaustive]
pub enum NotCountedReason {
    /// The record belongs to someone else.
    AnotherPerson {
        /// Whose record it is.
        person: PersonId,
    },
    /// Dated after the assessment date.
    AfterAssessmentDate,
    /// Older than the requirement's window allows.
    OutsideWindow {
        /// The earliest date that counts.
        counts_from: NaiveDate,
    },
    /// Dated before a milestone the requirement counts from.
    BeforeMilestone {
        /// The milestone.
        milestone: Milestone,
        /// Its date.
        on: NaiveDate,
    },
    /// Dated on or after a milestone the requirement counts up to.
    NotBeforeMilestone {
        /// The milestone.
        milestone: Milestone,
        /// Its date.
        on: NaiveDate,
    },
    /// The milestone's date is not known (not reached, or not recorded).
    MilestoneNotReached {
        /// The milestone.
        milestone: Milestone,
    },
    /// Outside the renewal cycle evaluated.
    OutsideCycle {
        /// First day of the cycle.
        starts: NaiveDate,
        /// Day after its last day.
        ends: NaiveDate,
    },
    /// The attestor rejected it.
    Rejected {
        /// The attestor's reason.
        reason: String,
    },
    /// No co-leader, or the co-leader did not hold a required tier on the date.
    CoLeaderDidNotHoldTier {
        /// The co-leader, if recorded.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        co_leader: Option<PersonId>,
        /// The tiers, any of which would do.
        tiers: Vec<TierId>,
    },
    /// No supervisor, or the supervisor did not hold a required tier on the date.
    SupervisorDidNotHoldTier {
        /// The supervisor, if recorded.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        supervisor: Option<PersonId>,
        /// The tiers, any of which would do.
        tiers: Vec<TierId>,
    },
    /// Not an event of a counted type.
    EventType {
        /// The record's event type.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        found: Option<EventType>,
        /// The types that count.
        expected: Vec<EventType>,
    },
    /// Not run by a counted provider.
    Provider {
        /// The record's provider.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        found: Option<String>,
        /// The providers that count.
        expected: Vec<String>,
    },
    /// The provider is not approved by the society.
    ProviderNotApproved,
    /// Delivered in the wrong mode.
    DeliveryMode {
        /// How it was delivered.
        found: Delivery,
        /// How it must be delivered.
        required: Delivery,
    },
    /// Another condition was not met.
    ConditionNotMet {
        /// The condition, in words.
        condition: String,
    },
    /// The record's unit cannot honestly be counted in the requirement's.
    UnitCannotConvert {
        /// The record's unit.
        from: Unit,
        /// The requirement's unit.
        to: Unit,
    },
    /// A detail needed for counting is not recorded (e.g. the group).
    MissingDetail {
        /// Which detail.
        detail: String,
    },
    /// The same group, co-leader or setting was already counted.
    AlreadyCounted {
        /// The value already counted.
        value: String,
    },
    /// The share from such records is already used up (wholly or partly).
    OverCap {
        /// The cap's share of the minimum.
        max_percent: u32,
        /// Which records the cap is on, in words.
        capped: String,
        /// The amount that did not count, in the requirement's unit.
        not_counted: Amount,
    },
}

impl fmt::Display for NotCountedReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use NotCountedReason as R;
        match self {
            R::AnotherPerson { person } => write!(f, "the record belongs to {person}"),
            R::AfterAssessmentDate => f.write_str("dated after the assessment date"),
            R::OutsideWindow { counts_from } => {
                write!(f, "outside the window (records count from {counts_from})")
            }
            R::BeforeMilestone { milestone, on } => {
                write!(f, "before {} on {on}", MilestoneWords(milestone))
            }
            R::NotBeforeMilestone { milestone, on } => {
                write!(f, "not before {} on {on}", MilestoneWords(milestone))
            }
            R::MilestoneNotReached { milestone } => {
                write!(f, "the date of {} is not known", MilestoneWords(milestone))
            }
            R::OutsideCycle { starts, ends } => {
                // `ends` is the day after the last: the words name the last.
                let last = ends.pred_opt().unwrap_or(*ends);
                write!(f, "outside the renewal cycle {starts} to {last}")
            }
            R::Rejected { reason } => write!(f, "rejected by the attestor: {reason}"),
            R::CoLeaderDidNotHoldTier { co_leader, tiers } => match co_leader {
                Some(p) => write!(
                    f,
                    "co-leader {p} did not hold {} on that date",
                    join(tiers, " or ")
                ),
                None => write!(f, "no co-leader recorded (needs {})", join(tiers, " or ")),
            },
            R::SupervisorDidNotHoldTier { supervisor, tiers } => match supervisor {
                Some(p) => write!(
                    f,
                    "supervisor {p} did not hold {} on that date",
                    join(tiers, " or ")
                ),
                None => write!(f, "no supervisor recorded (needs {})", join(tiers, " or ")),
            },
            R::EventType { found, expected } => {
                let expected: Vec<Spaced<'_>> =
                    expected.iter().map(|e| Spaced(e.as_str())).collect();
                write!(
                    f,
                    "event type is {}, needs {}",
                    Spaced(found.map_or("not recorded", |e| e.as_str())),
                    join(&expected, " or ")
                )
            }
            R::Provider { found, expected } => write!(
                f,
                "provider is {}, needs {}",
                found.as_deref().unwrap_or("not recorded"),
                join(expected, " or ")
            ),
            R::ProviderNotApproved => f.write_str("the provider is not approved"),
            R::DeliveryMode { found, required } => {
                write!(
                    f,
                    "delivered {}, must be {}",
                    Spaced(found.as_str()),
                    Spaced(required.as_str())
                )
            }
            R::ConditionNotMet { condition } => write!(f, "condition not met: {condition}"),
            R::UnitCannotConvert { from, to } => {
                write!(
                    f,
                    "recorded in {}, which cannot be counted as {}",
                    wording::ledger_unit(*from),
                    wording::ledger_unit(*to)
                )
            }
            R::MissingDetail { detail } => write!(f, "no {detail} recorded"),
            R::AlreadyCounted { value } => write!(f, "{value} already counted"),
            R::OverCap {
                max_percent,
                capped,
                not_counted,
            } => write!(
                f,
                "over the cap: at most {max_percent}% of the minimum may be {capped} ({not_counted} not counted)"
            ),
        }
    }
}

struct MilestoneWords<'a>(&'a Milestone);

impl fmt::Display for MilestoneWords<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Milestone::PathwayEntry => f.write_str("entering the pathway"),
            Milestone::TierReached(t) => write!(f, "reaching {t}"),
        }
    }
}

pub(super) fn join<T: fmt::Display>(items: &[T], sep: &str) -> String {
    let mut out = String::new();
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        let _ = write!(out, "{x}");
    }
    out
}

/// One thing a requirement still misses (see [`Assessment::shortfalls`]).
/// Displayed as a sentence naming the requirement: `Over at least 20
/// meetings: 4 more meetings needed (16 of 20).`
#[derive(Debug, Clone, Copy)]
pub struct Shortfall<'a, 'l> {
    /// The requirement.
    pub requirement: &'a RequirementResult<'l>,
    /// What it misses, in words.
    pub words: &'a str,
}

impl fmt::Display for Shortfall<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}.", self.requirement.title, self.words)
    }
}

/// `words` as a sentence: a capital first letter and a full stop.
fn sentence(words: &str) -> String {
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

/// An override that was not applied, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IgnoredOverride {
    /// The override as recorded.
    #[serde(rename = "override")]
    pub recorded: Override,
    /// Why it was not applied.
    pub why: String,
}

impl<'l> Assessment<'l> {
    /// The same assessment owning every id it lists, free of the ledger it
    /// was evaluated from (e.g. to return it from the function that read
    /// the ledger). Copies one id per record listed.
    pub fn into_owned(self) -> Assessment<'static> {
        Assessment {
            pathway: self.pathway,
            pathway_title: self.pathway_title,
            pathway_version: self.pathway_version,
            tier: self.tier,
            tier_name: self.tier_name,
            entry: self.entry,
            person: self.person,
            as_of: self.as_of,
            renewal_cycle: self.renewal_cycle,
            eligible: self.eligible,
            prerequisites: self.prerequisites,
            mandatory: owned(self.mandatory, RequirementResult::into_owned),
            desirable: owned(self.desirable, RequirementResult::into_owned),
            ignored_overrides: self.ignored_overrides,
        }
    }

    /// What is missing for eligibility, in sentences a candidate reads:
    /// each unmet prerequisite, then each shortfall of the unmet mandatory
    /// requirements ([`Assessment::shortfalls`]), naming the requirement.
    pub fn missing(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .prerequisites
            .iter()
            .filter(|p| !p.met)
            .map(|p| sentence(&prerequisite_words(p)))
            .collect();
        out.extend(
            Assessment::shortfalls(&self.mandatory)
                .iter()
                .map(Shortfall::to_string),
        );
        out
    }

    /// What is missing among the desirable requirements, in sentences.
    pub fn missing_desirable(&self) -> Vec<String> {
        Assessment::shortfalls(&self.desirable)
            .iter()
            .map(Shortfall::to_string)
            .collect()
    }

    /// Every shortfall of the unmet requirements among `requirements` and
    /// their parts, once each, in reading order. A requirement met by all
    /// of its parts, or by the branch for the candidate's background, gives
    /// way to the parts that are not met; one met by any (or some) of its
    /// parts says so in one shortfall naming them.
    pub fn shortfalls<'a>(requirements: &'a [RequirementResult<'l>]) -> Vec<Shortfall<'a, 'l>> {
        fn walk<'a, 'l>(r: &'a RequirementResult<'l>, out: &mut Vec<Shortfall<'a, 'l>>) {
            if r.met {
                return;
            }
            out.extend(r.shortfalls.iter().map(|words| Shortfall {
                requirement: r,
                words,
            }));
            if matches!(r.rule, RuleSummary::AllOf | RuleSummary::ByBackground) {
                for c in &r.children {
                    walk(c, out);
                }
            }
        }
        let mut out = Vec::new();
        for r in requirements {
            walk(r, &mut out);
        }
        out
    }

    /// Every requirement result, nested ones included, depth first.
    pub fn requirements(&self) -> Vec<&RequirementResult<'l>> {
        fn walk<'a, 'l>(r: &'a RequirementResult<'l>, out: &mut Vec<&'a RequirementResult<'l>>) {
            out.push(r);
            for c in &r.children {
                walk(c, out);
            }
        }
        let mut out = Vec::new();
        for r in self.mandatory.iter().chain(&self.desirable) {
            walk(r, &mut out);
        }
        out
    }

    /// One requirement's result by id, nested ones included.
    pub fn requirement(&self, id: &RequirementId) -> Option<&RequirementResult<'l>> {
        self.requirements().into_iter().find(|r| &r.id == id)
    }

    /// A plain-text report for people (used by command-line tools).
    pub fn render_text(&self) -> String {
        let mut s = String::new();
        let _ = self.write_text(&mut s);
        s
    }

    fn write_text(&self, s: &mut String) -> fmt::Result {
        writeln!(
            s,
            "{} for {}, as of {}: {}",
            self.tier_name,
            self.person,
            self.as_of,
            match (self.eligible, self.renewal_cycle.is_some()) {
                (true, false) => "ELIGIBLE",
                (false, false) => "NOT ELIGIBLE",
                (true, true) => "RENEWAL REQUIREMENTS MET",
                (false, true) => "RENEWAL REQUIREMENTS NOT MET",
            }
        )?;
        if self.pathway_title.is_empty() {
            writeln!(
                s,
                "Rules: {}, version {}",
                self.pathway, self.pathway_version
            )?;
        } else {
            writeln!(
                s,
                "Rules: {}, version {}",
                self.pathway_title, self.pathway_version
            )?;
        }
        match self.entry {
            Entry::Invitation => writeln!(s, "This tier is reached by invitation.")?,
            Entry::Enrolment => {
                writeln!(s, "This tier is held from the day of entering the pathway.")?
            }
            Entry::Application => {}
        }
        if let Some(c) = &self.renewal_cycle {
            writeln!(
                s,
                "Renewal cycle {} to {} (lapses on {} if not renewed)",
                c.starts,
                c.ends.pred_opt().unwrap_or(c.ends),
                c.lapses_on
            )?;
        }
        if !self.prerequisites.is_empty() {
            writeln!(s, "\nPrerequisites:")?;
            for p in &self.prerequisites {
                writeln!(s, "  [{}] {}", mark(p.met), prerequisite_words(p))?;
            }
        }
        for (title, list) in [
            ("Mandatory", &self.mandatory),
            ("Desirable", &self.desirable),
        ] {
            if list.is_empty() {
                continue;
            }
            writeln!(s, "\n{title}:")?;
            for r in list {
                write_requirement(s, r, 1)?;
            }
        }
        if !self.ignored_overrides.is_empty() {
            writeln!(s, "\nOverrides not applied:")?;
            for o in &self.ignored_overrides {
                writeln!(
                    s,
                    "  {} ({}): {}",
                    o.recorded.requirement, o.recorded.reason, o.why
                )?;
            }
        }
        let missing = self.missing();
        if !missing.is_empty() {
            writeln!(s, "\nMissing:")?;
            for m in missing {
                writeln!(s, "  - {m}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for Assessment<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render_text())
    }
}

fn mark(met: bool) -> char {
    if met {
        'x'
    } else {
        ' '
    }
}

fn prerequisite_words(p: &PrerequisiteResult) -> String {
    let name = if p.tier_name.is_empty() {
        p.tier.as_str()
    } else {
        p.tier_name.as_str()
    };
    let long = p
        .min_months
        .map(|m| format!(" for at least {}", Count(u64::from(m), "month", "months")))
        .unwrap_or_default();
    match p.held_since {
        None => format!("hold {name}{long} (not held yet)"),
        Some(since) => {
            let enough = p
                .min_months
                .and_then(|m| since.checked_add_months(chrono::Months::new(m)));
            match enough {
                Some(on) if !p.met => {
                    format!("hold {name}{long} (held since {since}, so long enough from {on})")
                }
                _ => format!("hold {name}{long} (held since {since})"),
            }
        }
    }
}

fn write_requirement(s: &mut String, r: &RequirementResult<'_>, depth: usize) -> fmt::Result {
    let pad = "  ".repeat(depth);
    write!(s, "{pad}[{}] {}", mark(r.met), r.title)?;
    if let (Some(req), Some(ach), Some(unit)) = (r.required, r.achieved, r.unit) {
        // "3 of 30 cases", "0 of 1 session": the unit agrees with the minimum.
        write!(s, ": {ach} of {}", Quantity(req, unit))?;
    }
    match r.rule {
        RuleSummary::AnyOf => write!(s, ": any one of")?,
        RuleSummary::AtLeast(n) => write!(s, ": at least {n} of")?,
        RuleSummary::AllOf => write!(s, ": all of")?,
        RuleSummary::ByBackground => match &r.background {
            Some(b) => write!(s, ": for background {}", Spaced(b))?,
            None if !r.children.is_empty() => write!(s, ": for other backgrounds")?,
            None => write!(s, ": (no branch applies to the background)")?,
        },
        RuleSummary::Activity => {}
    }
    writeln!(s)?;
    if let Some(rate) = &r.rate {
        let period = |n: u32| {
            format!(
                "{n} {}",
                wording::anchored_period(rate.anchor, rate.per, n == 1)
            )
        };
        let at_least = match r.unit {
            Some(unit) => Quantity(rate.at_least, unit).to_string(),
            None => rate.at_least.to_string(),
        };
        writeln!(
            s,
            "{pad}    rate: at least {at_least} a {} for {}; longest run so far {}",
            wording::anchored_period(rate.anchor, rate.per, true),
            period(rate.periods),
            period(rate.best_run),
        )?;
    }
    if !r.pending.is_empty() {
        writeln!(
            s,
            "{pad}    {} would count once attested",
            Count(r.pending.len() as u64, "pending record", "pending records")
        )?;
    }
    for n in &r.not_counted {
        writeln!(
            s,
            "{pad}    not counted: {} ({}): {}",
            n.activity, n.date, n.reason
        )?;
    }
    for o in &r.overrides {
        writeln!(s, "{pad}    override: {} — {}", o.describe(), o.reason)?;
    }
    if let Some(d) = &r.discretion {
        writeln!(s, "{pad}    committee discretion: {d}")?;
    }
    for c in &r.children {
        write_requirement(s, c, depth + 1)?;
    }
    Ok(())
}
