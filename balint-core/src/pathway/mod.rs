//! Pathway documents: a society's rules as data.
//!
//! A [`Pathway`] is built only by parsing a document
//! ([`Pathway::from_json_str`], [`Pathway::from_toml_str`],
//! [`Pathway::from_json_value`]), which checks everything and reports
//! **every** problem with its path ([`PathwayErrors`]). A `Pathway` serializes
//! back to the same document shape, so it can be stored and read again.
//!
//! The document format is described, with a complete example, in the crate
//! documentation ([`crate`]).

pub(crate) mod parse;
mod problem;

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize};

pub use problem::{PathwayErrors, Problem};

use crate::ids::{PathwayId, RequirementId, SocietyId, TierId};
use crate::ledger::{
    word_enum, ActivityKind, Amount, Delivery, EventType, PrerequisiteType, ReportType,
    SupervisionFormat, Unit,
};

/// The document format version this crate reads and writes.
pub const FORMAT: u32 = 1;

/// A validated pathway: ordered tiers and their requirements.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pathway {
    format: u32,
    id: PathwayId,
    society: SocietyId,
    title: String,
    version: String,
    effective_from: NaiveDate,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    backgrounds: Vec<String>,
    tiers: Vec<Tier>,
}

impl Pathway {
    /// Parses and validates a JSON document.
    pub fn from_json_str(text: &str) -> Result<Pathway, PathwayErrors> {
        match serde_json::from_str::<serde_json::Value>(text) {
            Ok(value) => Pathway::from_json_value(value),
            Err(e) => Err(PathwayErrors::new(vec![Problem {
                path: String::new(),
                message: format!("not valid JSON: {e}"),
            }])),
        }
    }

    /// Parses and validates a TOML document (same shape as JSON).
    pub fn from_toml_str(text: &str) -> Result<Pathway, PathwayErrors> {
        match toml::from_str::<toml::Value>(text) {
            Ok(value) => Pathway::from_json_value(parse::toml_to_json(value)),
            Err(e) => Err(PathwayErrors::new(vec![Problem {
                path: String::new(),
                message: format!("not valid TOML: {}", e.message()),
            }])),
        }
    }

    /// Validates a document already read into a JSON value.
    pub fn from_json_value(value: serde_json::Value) -> Result<Pathway, PathwayErrors> {
        parse::pathway(&value)
    }

    /// The pathway's id, e.g. `bsanz-leader`.
    pub fn id(&self) -> &PathwayId {
        &self.id
    }

    /// The society that publishes it.
    pub fn society(&self) -> &SocietyId {
        &self.society
    }

    /// Its title.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// The version label, e.g. `2016/2020`.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The day from which this version applies to people entering the pathway.
    pub fn effective_from(&self) -> NaiveDate {
        self.effective_from
    }

    /// A description of the pathway.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// The backgrounds requirements may branch on (e.g. `psychodynamic_training`).
    pub fn backgrounds(&self) -> &[String] {
        &self.backgrounds
    }

    /// The tiers, in order.
    pub fn tiers(&self) -> &[Tier] {
        &self.tiers
    }

    /// One tier by id.
    pub fn tier(&self, id: &TierId) -> Option<&Tier> {
        self.tiers.iter().find(|t| &t.id == id)
    }
}

impl<'de> Deserialize<'de> for Pathway {
    /// Deserializes through the validating parser, so an invalid pathway
    /// cannot be deserialized either.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        Pathway::from_json_value(value).map_err(serde::de::Error::custom)
    }
}

/// Picks the version of a pathway that applies to someone who entered the
/// pathway on `entered`: the latest version whose `effective_from` is on or
/// before that day (grandfathering: rules published later do not apply to
/// those already on the pathway, as with the UK Balint Society's 2023
/// criteria). Someone who entered before the first version gets the earliest
/// one. Between versions with the same effective date, the later in the
/// slice wins. `None` only when `versions` is empty.
pub fn applicable_version(versions: &[Pathway], entered: NaiveDate) -> Option<&Pathway> {
    applicable_among(versions, entered, Pathway::effective_from)
}

/// [`applicable_version`]'s rule over anything that knows the effective
/// date of the version it stands for (a stored version's summary, say),
/// so that the version can be chosen before its document is read.
///
/// ```
/// use balint_core::pathway::applicable_among;
/// use chrono::NaiveDate;
///
/// let day = |s: &str| s.parse::<NaiveDate>().unwrap();
/// // (version number, effective from), in the order they were uploaded.
/// let versions = [(1, day("2016-01-01")), (2, day("2023-01-01"))];
/// let chosen = |entered| applicable_among(&versions, day(entered), |v| v.1).map(|v| v.0);
/// assert_eq!(chosen("2020-06-01"), Some(1)); // grandfathered
/// assert_eq!(chosen("2023-01-01"), Some(2));
/// assert_eq!(chosen("2010-01-01"), Some(1)); // before any: the earliest
/// ```
pub fn applicable_among<T>(
    versions: &[T],
    entered: NaiveDate,
    effective_from: impl Fn(&T) -> NaiveDate,
) -> Option<&T> {
    let in_force = versions
        .iter()
        .filter(|v| effective_from(v) <= entered)
        .fold(None::<&T>, |best, v| match best {
            Some(b) if effective_from(b) > effective_from(v) => Some(b),
            _ => Some(v),
        });
    in_force.or_else(|| {
        versions.iter().fold(None::<&T>, |best, v| match best {
            Some(b) if effective_from(b) <= effective_from(v) => Some(b),
            _ => Some(v),
        })
    })
}

word_enum! {
    /// How a tier is reached.
    pub enum Entry ("entry") {
        /// The candidate applies when the requirements are met.
        Application => "application",
        /// The society invites (e.g. BSANZ Leader Trainee).
        Invitation => "invitation",
        /// Reached on entering the pathway (e.g. BSANZ pathway trainee): held
        /// from the day the person entered it, with no application; trainees
        /// are not on the register.
        Enrolment => "enrolment",
    }
}

word_enum! {
    /// Whether a requirement must be met, or is only desirable.
    pub enum Level ("level") {
        /// Must be met to be eligible.
        Mandatory => "mandatory",
        /// Reported, but not needed for eligibility.
        Desirable => "desirable",
    }
}

/// One tier of a pathway, e.g. *Accredited Leader*.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tier {
    /// Its id, unique in the pathway.
    pub id: TierId,
    /// Its name as the society writes it.
    pub name: String,
    /// By application or by invitation.
    pub entry: Entry,
    /// Free text shown with the tier (who decides, what else happens).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Tiers that must be held first, with a minimum time held.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub prerequisites: Vec<TierPrerequisite>,
    /// What must (or should) be done to reach the tier.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub requirements: Vec<Requirement>,
    /// How the tier is kept, where the society sets a cycle.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renewal: Option<Renewal>,
}

/// A tier that must be held before another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TierPrerequisite {
    /// The tier.
    pub tier: TierId,
    /// Held for at least this many months (BSANZ: 24 accredited before trainer).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_months: Option<u32>,
}

/// How a tier is kept: a cycle, its requirements, and a grace period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Renewal {
    /// Cycle length in months.
    pub cycle_months: u32,
    /// Months after the cycle ends before the entry lapses.
    pub grace_months: u32,
    /// What must be done within each cycle (windows are the cycle).
    pub requirements: Vec<Requirement>,
    /// Free text, e.g. where the society leaves the cycle to judgement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Renewal {
    /// The day a cycle starting on `start` ends (exclusive).
    pub fn cycle_end(&self, start: NaiveDate) -> NaiveDate {
        start
            .checked_add_months(Months::new(self.cycle_months))
            .unwrap_or(NaiveDate::MAX)
    }

    /// The first day an entry is lapsed if the cycle starting on `start` is
    /// not renewed: the cycle end plus the grace period.
    pub fn lapses_on(&self, start: NaiveDate) -> NaiveDate {
        self.cycle_end(start)
            .checked_add_months(Months::new(self.grace_months))
            .unwrap_or(NaiveDate::MAX)
    }
}

/// A requirement: a leaf counting activities, or a combination of requirements.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Requirement {
    /// Its id, unique within the tier (overrides refer to it).
    pub id: RequirementId,
    /// What it is, in the society's words.
    pub title: String,
    /// Mandatory or desirable (nested requirements take their parent's level).
    pub level: Level,
    /// Free text shown with the result.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Where the figure is a guideline the committee may weigh, how so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discretion: Option<String>,
    /// What is counted, or how the parts combine.
    #[serde(flatten)]
    pub rule: Rule,
}

/// How a requirement is met.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Rule {
    /// Count activities.
    Activity(ActivityRule),
    /// Every part must be met.
    AllOf {
        /// The parts.
        requirements: Vec<Requirement>,
    },
    /// At least one part must be met.
    AnyOf {
        /// The parts.
        requirements: Vec<Requirement>,
    },
    /// At least `count` parts must be met.
    AtLeast {
        /// How many parts.
        count: u32,
        /// The parts.
        requirements: Vec<Requirement>,
    },
    /// The first branch matching one of the candidate's backgrounds applies,
    /// else `otherwise`.
    ByBackground {
        /// The branches, in order.
        branches: Vec<Branch>,
        /// The requirement when no branch matches.
        #[serde(skip_serializing_if = "Option::is_none")]
        otherwise: Option<Box<Requirement>>,
    },
}

/// One branch on the candidate's background.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Branch {
    /// The backgrounds this branch is for.
    pub backgrounds: Vec<String>,
    /// The requirement that applies.
    pub requirement: Requirement,
}

/// A leaf requirement: which records count and how much is needed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActivityRule {
    /// The kinds of activity counted.
    pub kinds: Vec<ActivityKind>,
    /// What is counted.
    pub unit: CountUnit,
    /// How much is needed (positive).
    pub minimum: Amount,
    /// Which dates count.
    #[serde(skip_serializing_if = "Window::is_unbounded")]
    pub window: Window,
    /// A rate to keep up, e.g. at least 1 a month for 24 months.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate: Option<Rate>,
    /// Conditions every counted record meets.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
    /// Limits on how much may come from some records.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub caps: Vec<Cap>,
}

word_enum! {
    /// What a leaf requirement counts: an amount in a [`Unit`], or a number
    /// of distinct groups, co-leaders or settings.
    pub enum CountUnit ("unit") {
        /// Sessions.
        Sessions => "sessions",
        /// 90-minute double sessions.
        DoubleSessions => "double_sessions",
        /// Minutes.
        Minutes => "minutes",
        /// Hours.
        Hours => "hours",
        /// Cases.
        Cases => "cases",
        /// Meetings.
        Meetings => "meetings",
        /// Events.
        Events => "events",
        /// Days.
        Days => "days",
        /// Distinct groups (by the records' `group`).
        DistinctGroups => "distinct_groups",
        /// Distinct co-leaders.
        DistinctCoLeaders => "distinct_co_leaders",
        /// Distinct settings.
        DistinctSettings => "distinct_settings",
    }
}

impl CountUnit {
    /// The ledger unit, for the units that are amounts.
    pub const fn unit(self) -> Option<Unit> {
        match self {
            CountUnit::Sessions => Some(Unit::Sessions),
            CountUnit::DoubleSessions => Some(Unit::DoubleSessions),
            CountUnit::Minutes => Some(Unit::Minutes),
            CountUnit::Hours => Some(Unit::Hours),
            CountUnit::Cases => Some(Unit::Cases),
            CountUnit::Meetings => Some(Unit::Meetings),
            CountUnit::Events => Some(Unit::Events),
            CountUnit::Days => Some(Unit::Days),
            CountUnit::DistinctGroups
            | CountUnit::DistinctCoLeaders
            | CountUnit::DistinctSettings => None,
        }
    }
}

/// Which record dates count. All given bounds apply together.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Window {
    /// Only records within this many months before the assessment date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub within_months: Option<u32>,
    /// Only records on or after this milestone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<Milestone>,
    /// Only records before this milestone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<Milestone>,
}

impl Window {
    /// Whether no bound is set.
    pub fn is_unbounded(&self) -> bool {
        self.within_months.is_none() && self.after.is_none() && self.before.is_none()
    }
}

/// A day in the candidate's path that a window can start or end at.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Milestone {
    /// The day the candidate entered the pathway (started leader training).
    PathwayEntry,
    /// The day the candidate reached a tier.
    TierReached(TierId),
}

word_enum! {
    /// The length of a rate's period.
    pub enum Period ("period") {
        /// A calendar month.
        Month => "month",
        /// Three calendar months.
        Quarter => "quarter",
        /// Six calendar months.
        HalfYear => "half_year",
        /// Twelve calendar months.
        Year => "year",
    }
}

impl Period {
    /// Its length in months.
    pub const fn months(self) -> u32 {
        match self {
            Period::Month => 1,
            Period::Quarter => 3,
            Period::HalfYear => 6,
            Period::Year => 12,
        }
    }
}

word_enum! {
    /// Where a rate's periods begin.
    pub enum RateAnchor ("rate anchor") {
        /// Any month: a run of periods may begin on the first day of any
        /// calendar month, before the first record included ("at least
        /// monthly for two years" is any 24 consecutive months).
        Rolling => "rolling",
        /// The day the candidate entered the pathway: periods are years (or
        /// months, quarters, half years) of training, the first beginning on
        /// that day ("10 a year" for each year of training). Records dated
        /// before it fall in no period.
        PathwayEntry => "pathway_entry",
        /// The calendar: years from 1 January, half years from 1 January and
        /// 1 July, quarters from 1 January, 1 April, 1 July and 1 October,
        /// months from their first day.
        Calendar => "calendar",
    }
}

/// A rate: at least `at_least` in each of `periods` consecutive periods.
///
/// A period is `per` long (a month, a quarter, a half year or a year,
/// counted in calendar months) and begins where the `anchor` says. The rate
/// is met as soon as some run of `periods` consecutive periods holds at
/// least `at_least` of the counted records in each period. Records dated
/// after the assessment date never count, so a period still under way on
/// that date is met once it already holds enough, and a period that has
/// not begun holds nothing.
///
/// With [`RateAnchor::PathwayEntry`], a period that begins on a day the
/// month does not have (entering on 31 January: the next month begins on
/// 28 or 29 February) begins on that month's last day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rate {
    /// How much in each period, in the requirement's unit.
    pub at_least: Amount,
    /// The period.
    pub per: Period,
    /// How many consecutive periods.
    pub periods: u32,
    /// Where periods begin (`rolling` when a document does not say).
    pub anchor: RateAnchor,
}

/// A condition on the records that count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    /// The co-leader held one of these tiers on the record's date.
    CoLeaderHeld(Vec<TierId>),
    /// The supervisor held one of these tiers on the record's date.
    SupervisorHeld(Vec<TierId>),
    /// The event was of one of these types.
    EventType(Vec<EventType>),
    /// The event was run by one of these providers.
    Provider(Vec<String>),
    /// The provider was (or was not) approved by the society.
    ProviderApproved(bool),
    /// The delivery mode.
    Delivery(Delivery),
    /// The supervision format.
    SupervisionFormat(Vec<SupervisionFormat>),
    /// The report or evaluation type.
    ReportType(Vec<ReportType>),
    /// The prerequisite type.
    PrerequisiteType(Vec<PrerequisiteType>),
    /// The group was (or was not) an ongoing group.
    OngoingGroup(bool),
    /// The event ran for at least this many days (see
    /// [`Activity::length_in_days`](crate::ledger::Activity::length_in_days)).
    MinDays(u32),
    /// The inner condition does not hold.
    Not(Box<Condition>),
}

/// A cap: records matching `when` count for at most `max_percent` percent of
/// the requirement's minimum ("at most half online": 50, delivery online).
/// Records are taken earliest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cap {
    /// The share of the minimum, 1 to 100.
    pub max_percent: u32,
    /// Which records are capped.
    pub when: Condition,
    /// Free text, e.g. where the society leaves the share to judgement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Requirement {
    /// This requirement and every nested one, depth first.
    pub fn walk(&self) -> Vec<&Requirement> {
        let mut out = Vec::new();
        self.walk_into(&mut out);
        out
    }

    fn walk_into<'a>(&'a self, out: &mut Vec<&'a Requirement>) {
        out.push(self);
        match &self.rule {
            Rule::Activity(_) => {}
            Rule::AllOf { requirements }
            | Rule::AnyOf { requirements }
            | Rule::AtLeast { requirements, .. } => {
                for r in requirements {
                    r.walk_into(out);
                }
            }
            Rule::ByBackground {
                branches,
                otherwise,
            } => {
                for b in branches {
                    b.requirement.walk_into(out);
                }
                if let Some(o) = otherwise {
                    o.walk_into(out);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
