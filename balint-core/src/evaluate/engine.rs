//! The evaluation itself. One sorted pass over the ledger per leaf
//! requirement; no clock, no I/O.

use std::borrow::Cow;
use std::collections::BTreeSet;

use chrono::{Datelike, Months, NaiveDate};

use super::assessment::join;
use super::rate;
use super::wording::{self, Quantity, Spaced};
use super::{
    Assessment, CountedRecord, CycleWindow, IgnoredOverride, Inputs, NotCounted, NotCountedReason,
    Override, OverrideEffect, PrerequisiteResult, RateResult, RequirementResult, RuleSummary,
    ShortPeriod,
};
use crate::ids::{PersonId, TierId};
use crate::ledger::{
    Activity, ActivityKind, Amount, Attestation, Delivery, EventType, PrerequisiteType, ReportType,
    SupervisionFormat, Unit,
};
use crate::pathway::{
    ActivityRule, Condition, CountUnit, Level, Milestone, Pathway, Requirement, Rule, Tier,
};

/// `'l`: the ledger, whose ids the assessment borrows; `'i`: this
/// evaluation's hold on the other inputs.
struct Ctx<'i, 'l> {
    inputs: &'i Inputs<'i, 'l>,
    /// The candidate's records as compact views, by (date, id), so every
    /// result is independent of input order.
    views: Vec<Rec<'l>>,
    /// Where each kind's records are in `views` (indexed by
    /// `ActivityKind as usize`), so a leaf counting one kind reads only its
    /// records.
    by_kind: Vec<Vec<usize>>,
    /// The same, for each set of kinds a leaf counts together (e.g. leading
    /// and co-leading), built the first time a leaf asks for it.
    by_kinds: Vec<(KindSet, Vec<usize>)>,
    /// Records of other people in the ledger, by (date, id).
    others: Vec<Rec<'l>>,
    /// The co-leaders and supervisors the views name (see [`People`]).
    people: People<'l>,
    cycle: Option<CycleWindow>,
    /// Overrides that may apply (recorded on or before `as_of`), with
    /// whether each was used.
    overrides: Vec<(&'i Override, bool)>,
}

const KINDS: usize = ActivityKind::ALL.len();

/// A set of activity kinds, one bit per kind.
type KindSet = u16;

fn kind_set(kinds: &[ActivityKind]) -> KindSet {
    kinds.iter().fold(0, |set, k| set | (1 << *k as usize))
}

/// What evaluation reads of a record, copied once into 40 bytes (the record
/// is 264), so that each leaf's pass reads small views held together in
/// date order rather than records spread over the ledger. The record itself
/// is read through `a` only for what few passes need: its id's address, the
/// people and provider named on it, its group and setting, a rejection's
/// reason, and whatever goes into a reason for not counting it.
#[derive(Clone, Copy)]
struct Rec<'l> {
    a: &'l Activity,
    amount: Amount,
    date: NaiveDate,
    /// `a.cases` when [`HAS_CASES`].
    cases: u32,
    /// `a.duration_minutes` when [`HAS_DURATION`].
    duration_minutes: u32,
    kind: ActivityKind,
    unit: Unit,
    /// [`CONFIRMED`], [`HAS_CASES`], [`HAS_DURATION`], [`ONGOING_GROUP`],
    /// [`PROVIDER_APPROVED`], one bit each.
    flags: u8,
    delivery: Delivery,
    event_type: Option<EventType>,
    supervision_format: Option<SupervisionFormat>,
    report_type: Option<ReportType>,
    prerequisite_type: Option<PrerequisiteType>,
    /// `a.co_leader`, as a place in [`People`].
    co_leader: u8,
    /// `a.supervisor`, as a place in [`People`].
    supervisor: u8,
}

// Kept small: the point of the view.
const _: () = assert!(std::mem::size_of::<Rec<'static>>() <= 40);

/// The record is confirmed.
const CONFIRMED: u8 = 1;
/// `cases` holds the record's cases.
const HAS_CASES: u8 = 1 << 1;
/// `duration_minutes` holds the record's duration.
const HAS_DURATION: u8 = 1 << 2;
/// The record is in an ongoing group.
const ONGOING_GROUP: u8 = 1 << 3;
/// The record's provider is approved.
const PROVIDER_APPROVED: u8 = 1 << 4;

/// The co-leaders and supervisors named in a ledger, each held once: a
/// ledger names the same few people on many records, each record with its
/// own copy of the id. Register conditions then read one copy, which stays
/// in cache, rather than each record's copy in turn (in date order, all
/// over the ledger's memory).
#[derive(Default)]
struct People<'l> {
    list: Vec<&'l PersonId>,
    /// Where the last person looked up is in `list`.
    last: usize,
}

/// No one named.
const NOBODY: u8 = u8::MAX;
/// Someone not in [`People`] (a ledger naming many): read from the record.
const UNLISTED: u8 = u8::MAX - 1;

impl<'l> People<'l> {
    /// The most people held: past this, records are read instead (a search
    /// of the list costs a comparison per person held).
    const MAX: usize = 16;

    /// Where `person` is held, adding them if there is room.
    #[inline]
    fn place(&mut self, person: Option<&'l PersonId>) -> u8 {
        match person {
            None => NOBODY,
            Some(person) => self.place_someone(person),
        }
    }

    fn place_someone(&mut self, person: &'l PersonId) -> u8 {
        if self.list.get(self.last).is_some_and(|p| *p == person) {
            return self.last as u8;
        }
        if let Some(i) = self.list.iter().position(|p| *p == person) {
            self.last = i;
        } else if self.list.len() < Self::MAX {
            self.last = self.list.len();
            self.list.push(person);
        } else {
            return UNLISTED;
        }
        self.last as u8
    }

    /// The person at `place`, or the record's own copy (`given`).
    #[inline]
    fn at(&self, place: u8, given: &'l Option<PersonId>) -> Option<&'l PersonId> {
        match place {
            NOBODY => None,
            UNLISTED => given.as_ref(),
            i => self.list.get(usize::from(i)).copied(),
        }
    }
}

impl<'l> Rec<'l> {
    fn new(a: &'l Activity, people: &mut People<'l>) -> Self {
        Rec {
            co_leader: people.place(a.co_leader.as_ref()),
            supervisor: people.place(a.supervisor.as_ref()),
            a,
            amount: a.amount,
            date: a.date,
            cases: a.cases.unwrap_or(0),
            duration_minutes: a.duration_minutes.unwrap_or(0),
            kind: a.kind,
            unit: a.unit,
            flags: [
                (a.attestation.is_confirmed(), CONFIRMED),
                (a.cases.is_some(), HAS_CASES),
                (a.duration_minutes.is_some(), HAS_DURATION),
                (a.ongoing_group, ONGOING_GROUP),
                (a.provider_approved, PROVIDER_APPROVED),
            ]
            .iter()
            .fold(
                0,
                |flags, &(on, flag)| if on { flags | flag } else { flags },
            ),
            delivery: a.delivery,
            event_type: a.event_type,
            supervision_format: a.supervision_format,
            report_type: a.report_type,
            prerequisite_type: a.prerequisite_type,
        }
    }

    /// Whether `flag` is set.
    #[inline]
    fn is(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }

    /// [`Activity::amount_in`], from the view.
    #[inline]
    fn amount_in(&self, unit: Unit) -> Option<Amount> {
        crate::ledger::amount_in(
            self.amount,
            self.unit,
            self.is(HAS_CASES).then_some(self.cases),
            self.is(HAS_DURATION).then_some(self.duration_minutes),
            unit,
        )
    }
}

/// Views of the records of `ledger`, in ledger order, each with the first
/// eight bytes of its record's id (see [`id_prefix`]), and whether every
/// record is `person`'s. The ledger is read once, in its own order, which is
/// the order of its memory: every later step reads the views.
fn views_of<'l>(
    ledger: &'l [Activity],
    person: &PersonId,
    people: &mut People<'l>,
) -> (Vec<(Rec<'l>, u64)>, bool) {
    let mut only_candidates = true;
    let mut views = Vec::with_capacity(ledger.len());
    views.extend(ledger.iter().map(|a| {
        only_candidates &= &a.person == person;
        (Rec::new(a, people), id_prefix(a.id.as_str()))
    }));
    (views, only_candidates)
}

/// `views` (in ledger order, with their ids' prefixes) ordered by date,
/// then id, then position in the ledger.
///
/// A ledger spans a few years of dates, so views are placed by day
/// (counting sort, linear time) and only views sharing a day are compared
/// by id; a ledger with few records over a long span is sorted directly.
fn by_date_then_id<'l>(views: &[(Rec<'l>, u64)]) -> Vec<Rec<'l>> {
    // The first and last dates.
    let Some((first, last)) = views.iter().fold(None, |span, (r, _)| {
        Some(
            span.map_or((r.date, r.date), |(first, last): (NaiveDate, NaiveDate)| {
                (first.min(r.date), last.max(r.date))
            }),
        )
    }) else {
        return Vec::new();
    };
    let kept = views.len();
    // Days are numbered 366 to a year from the first record's year: in date
    // order, and cheaper to work out than a count of days since a fixed day.
    let first_year = first.year();
    let day = |date: NaiveDate| {
        usize::try_from(date.year() - first_year).map_or(0, |years| years * 366)
            + date.ordinal0() as usize
    };
    let span = day(last) + 1;
    if kept < 2 || span > 4 * kept + 366 {
        let mut sorted = views.to_vec();
        sorted.sort_by(|(x, px), (y, py)| {
            x.date
                .cmp(&y.date)
                .then_with(|| px.cmp(py))
                .then_with(|| id_order(x.a.id.as_str(), y.a.id.as_str()))
        });
        return sorted.into_iter().map(|(r, _)| r).collect();
    }
    // next[d]: where the next view of day d goes.
    let mut next = vec![0usize; span];
    for (r, _) in views {
        next[day(r.date)] += 1;
    }
    let mut start = 0;
    for slot in &mut next {
        let count = *slot;
        *slot = start;
        start += count;
    }
    // Positions in `views`, placed by day: small to move while sorting.
    let mut order = vec![0usize; kept];
    for (i, (r, _)) in views.iter().enumerate() {
        let slot = &mut next[day(r.date)];
        order[*slot] = i;
        *slot += 1;
    }
    // Each day's views by id. `next[d]` is now where day d ends, so days are
    // found without reading dates again. A day whose prefixes already rise
    // is in order; others are sorted, stably, so equal ids keep their ledger
    // order.
    let mut keyed: Vec<(u64, usize)> = Vec::new();
    let mut start = 0;
    for &end in &next {
        if end - start > 1 {
            let day = &mut order[start..end];
            keyed.clear();
            keyed.extend(day.iter().map(|&i| (views[i].1, i)));
            if !keyed.windows(2).all(|w| w[0].0 < w[1].0) {
                keyed.sort_by(|&(pa, a), &(pb, b)| {
                    pa.cmp(&pb)
                        .then_with(|| id_order(views[a].0.a.id.as_str(), views[b].0.a.id.as_str()))
                });
                for (slot, &(_, i)) in day.iter_mut().zip(&keyed) {
                    *slot = i;
                }
            }
        }
        start = end;
    }
    order.iter().map(|&i| views[i].0).collect()
}

/// The same order as comparing `a` and `b` as strings, but the first eight
/// bytes are compared as one number, which settles almost every pair of ids
/// (UUIDs, numbered ids) without a call to compare bytes.
#[inline]
fn id_order(a: &str, b: &str) -> std::cmp::Ordering {
    id_prefix(a)
        .cmp(&id_prefix(b))
        .then_with(|| a.as_bytes().get(8..).cmp(&b.as_bytes().get(8..)))
}

/// The first eight bytes of an id as a big-endian number, padded with zero
/// bytes. Ids hold no zero byte, so a shorter id that starts another
/// compares lower, as it does as a string.
#[inline]
fn id_prefix(id: &str) -> u64 {
    let bytes = id.as_bytes();
    if let Some(first) = bytes.first_chunk::<8>() {
        return u64::from_be_bytes(*first);
    }
    let mut prefix = [0u8; 8];
    for (to, from) in prefix.iter_mut().zip(bytes) {
        *to = *from;
    }
    u64::from_be_bytes(prefix)
}

pub(super) fn assess<'l>(
    inputs: &Inputs<'_, 'l>,
    tier: &Tier,
    requirements: &[Requirement],
    cycle: Option<CycleWindow>,
) -> Assessment<'l> {
    // Other people's records are set apart once, so the per-leaf loop does
    // not compare people; they are reported where their kind is counted.
    // A ledger normally holds only the candidate's records: people are
    // compared once per record to find out, not once per pass of the sort.
    let person = &inputs.candidate.person;
    let mut people = People::default();
    let (all, only_candidates) = views_of(inputs.ledger, person, &mut people);
    let (views, others) = if only_candidates {
        (by_date_then_id(&all), Vec::new())
    } else {
        let (mine, theirs): (Vec<_>, Vec<_>) =
            all.into_iter().partition(|(r, _)| &r.a.person == person);
        (by_date_then_id(&mine), by_date_then_id(&theirs))
    };

    let mut ignored = Vec::new();
    let mut overrides = Vec::new();
    let mut sorted_overrides: Vec<&Override> = inputs.overrides.iter().collect();
    sorted_overrides.sort_by(|a, b| {
        (&a.requirement, a.recorded_on, &a.reason).cmp(&(&b.requirement, b.recorded_on, &b.reason))
    });
    for o in sorted_overrides {
        if o.recorded_on > inputs.as_of {
            ignored.push(IgnoredOverride {
                recorded: o.clone(),
                why: "recorded after the assessment date".to_owned(),
            });
        } else {
            overrides.push((o, false));
        }
    }

    let mut per_kind = [0usize; KINDS];
    for r in &views {
        per_kind[r.kind as usize] += 1;
    }
    let mut by_kind: Vec<Vec<usize>> = per_kind.iter().map(|&n| Vec::with_capacity(n)).collect();
    for (i, r) in views.iter().enumerate() {
        by_kind[r.kind as usize].push(i);
    }
    let mut ctx = Ctx {
        inputs,
        views,
        others,
        people,
        by_kind,
        by_kinds: Vec::new(),
        cycle,
        overrides,
    };

    let prerequisites = if cycle.is_some() {
        Vec::new()
    } else {
        tier.prerequisites
            .iter()
            .map(|p| {
                let held_since = inputs.held_since(&p.tier);
                let met = held_since.is_some_and(|since| {
                    let needed = p
                        .min_months
                        .map_or(Some(since), |m| since.checked_add_months(Months::new(m)));
                    needed.is_some_and(|d| d <= inputs.as_of)
                });
                PrerequisiteResult {
                    tier: p.tier.clone(),
                    tier_name: inputs
                        .pathway
                        .tier(&p.tier)
                        .map_or_else(|| p.tier.to_string(), |t| t.name.clone()),
                    min_months: p.min_months,
                    held_since,
                    met,
                }
            })
            .collect()
    };

    let mut mandatory = Vec::new();
    let mut desirable = Vec::new();
    for r in requirements {
        let result = ctx.requirement(r);
        match r.level {
            Level::Mandatory => mandatory.push(result),
            Level::Desirable => desirable.push(result),
        }
    }

    for (o, used) in &ctx.overrides {
        if !used {
            ignored.push(IgnoredOverride {
                recorded: (*o).clone(),
                why: if requirements
                    .iter()
                    .flat_map(Requirement::walk)
                    .any(|r| r.id == o.requirement)
                {
                    "a credit applies only to a requirement that counts activities; waive a combination instead".to_owned()
                } else {
                    format!("no requirement {:?} in this {}", o.requirement.as_str(), if cycle.is_some() { "renewal" } else { "tier" })
                },
            });
        }
    }

    let eligible = prerequisites.iter().all(|p| p.met)
        && mandatory.iter().all(|r: &RequirementResult<'_>| r.met);

    Assessment {
        pathway: inputs.pathway.id().clone(),
        pathway_title: inputs.pathway.title().to_owned(),
        pathway_version: inputs.pathway.version().to_owned(),
        tier: tier.id.clone(),
        tier_name: tier.name.clone(),
        entry: tier.entry,
        person: inputs.candidate.person.clone(),
        as_of: inputs.as_of,
        renewal_cycle: cycle,
        eligible,
        prerequisites,
        mandatory,
        desirable,
        ignored_overrides: ignored,
    }
}

fn empty_result<'l>(r: &Requirement, rule: RuleSummary) -> RequirementResult<'l> {
    RequirementResult {
        id: r.id.clone(),
        title: r.title.clone(),
        level: r.level,
        rule,
        met: false,
        unit: None,
        required: None,
        achieved: None,
        missing: None,
        rate: None,
        counted: Vec::new(),
        pending: Vec::new(),
        not_counted: Vec::new(),
        children: Vec::new(),
        background: None,
        overrides: Vec::new(),
        note: r.note.clone(),
        discretion: r.discretion.clone(),
        shortfalls: Vec::new(),
    }
}

impl<'l> Ctx<'_, 'l> {
    fn requirement(&mut self, r: &Requirement) -> RequirementResult<'l> {
        let mut result = match &r.rule {
            Rule::Activity(rule) => self.leaf(r, rule),
            Rule::AllOf { requirements } => {
                let mut res = empty_result(r, RuleSummary::AllOf);
                res.children = requirements.iter().map(|c| self.requirement(c)).collect();
                // Each unmet part says what it misses; the whole adds nothing.
                res.met = res.children.iter().all(|c| c.met);
                res
            }
            Rule::AnyOf { requirements } => self.choice(r, requirements, 1, RuleSummary::AnyOf),
            Rule::AtLeast {
                count,
                requirements,
            } => self.choice(r, requirements, *count, RuleSummary::AtLeast(*count)),
            Rule::ByBackground {
                branches,
                otherwise,
            } => {
                let mut res = empty_result(r, RuleSummary::ByBackground);
                let backgrounds = &self.inputs.candidate.backgrounds;
                let chosen = branches.iter().find_map(|b| {
                    b.backgrounds
                        .iter()
                        .find(|bg| backgrounds.contains(bg))
                        .map(|bg| (Some(bg.clone()), &b.requirement))
                });
                let chosen = chosen.or_else(|| otherwise.as_deref().map(|o| (None, o)));
                match chosen {
                    Some((bg, req)) => {
                        // The branch says what it misses.
                        let child = self.requirement(req);
                        res.met = child.met;
                        res.background = bg;
                        res.children.push(child);
                    }
                    None => res.shortfalls.push(if backgrounds.is_empty() {
                        "it depends on the candidate's professional background, which is not recorded".to_owned()
                    } else {
                        format!(
                            "no branch applies to the candidate's background ({})",
                            backgrounds.join(", ")
                        )
                    }),
                }
                res
            }
        };
        // Waivers apply to any requirement; credits were applied in `leaf`.
        for (o, used) in &mut self.overrides {
            if o.requirement == r.id && o.effect == OverrideEffect::Waive {
                *used = true;
                result.met = true;
                result.shortfalls.clear();
                result.overrides.push((*o).clone());
            }
        }
        result
    }

    fn choice(
        &mut self,
        r: &Requirement,
        parts: &[Requirement],
        needed: u32,
        rule: RuleSummary,
    ) -> RequirementResult<'l> {
        let mut res = empty_result(r, rule);
        res.children = parts.iter().map(|c| self.requirement(c)).collect();
        let met = res.children.iter().filter(|c| c.met).count();
        res.met = met >= needed as usize;
        if !res.met {
            let titles: Vec<String> = res.children.iter().map(|c| c.title.clone()).collect();
            let parts = titles.len();
            res.shortfalls.push(if needed == 1 {
                format!("needs one of these, none met yet: {}", titles.join("; "))
            } else {
                format!(
                    "needs {needed} of these {parts}, {met} met so far: {}",
                    titles.join("; ")
                )
            });
        }
        res
    }

    fn milestone_date(&self, m: &Milestone) -> Option<NaiveDate> {
        match m {
            Milestone::PathwayEntry => self.inputs.candidate.entered_pathway,
            Milestone::TierReached(t) => self.inputs.held_since(t),
        }
    }

    fn leaf(&mut self, r: &Requirement, rule: &ActivityRule) -> RequirementResult<'l> {
        let inputs = self.inputs;
        let as_of = inputs.as_of;
        let mut res = empty_result(r, RuleSummary::Activity);
        res.unit = Some(rule.unit);

        // Amounts are summed in a base unit: minutes for lengths of time (so
        // hours and double sessions add exactly), else the unit itself.
        let ledger_unit = rule.unit.unit();
        let factor = ledger_unit.and_then(Unit::minutes).unwrap_or(1);
        let base_unit = if factor > 1 || ledger_unit == Some(Unit::Minutes) {
            Some(Unit::Minutes)
        } else {
            ledger_unit
        };
        // Most units are their own base: skip the division (one per record listed).
        let to_unit = |base: u64| {
            crate::ledger::Amount::from_thousandths(if factor == 1 { base } else { base / factor })
        };
        let required = rule.minimum.thousandths().saturating_mul(factor);

        let counts_from = rule.window.within_months.map(|m| {
            as_of
                .checked_sub_months(Months::new(m))
                .unwrap_or(NaiveDate::MIN)
        });
        let after = rule
            .window
            .after
            .as_ref()
            .map(|m| (m, self.milestone_date(m)));
        let before = rule
            .window
            .before
            .as_ref()
            .map(|m| (m, self.milestone_date(m)));

        let allowances: Vec<u64> = rule
            .caps
            .iter()
            .map(|c| required.saturating_mul(u64::from(c.max_percent)) / 100)
            .collect();
        let mut cap_used = vec![0u64; rule.caps.len()];
        // Which caps the record in hand is under, worked out once per record.
        let mut capped_by = vec![false; rule.caps.len()];
        let mut distinct: BTreeSet<&str> = BTreeSet::new();
        let mut achieved = 0u64;
        // (date, base amount) of counted records, in date order, for the rate.
        let mut counted_amounts: Vec<(NaiveDate, u64)> = Vec::new();

        let kinds = kind_set(&rule.kinds);
        for r in &self.others {
            if kinds & (1 << r.kind as usize) != 0 {
                res.not_counted.push(NotCounted {
                    activity: Cow::Borrowed(&r.a.id),
                    date: r.date,
                    reason: NotCountedReason::AnotherPerson {
                        person: r.a.person.clone(),
                    },
                });
            }
        }
        let candidates: &[usize] = match rule.kinds.as_slice() {
            [one] => &self.by_kind[*one as usize],
            _ => {
                let i = match self.by_kinds.iter().position(|(set, _)| *set == kinds) {
                    Some(i) => i,
                    None => {
                        let mut list = Vec::with_capacity(
                            rule.kinds
                                .iter()
                                .map(|&k| self.by_kind[k as usize].len())
                                .sum(),
                        );
                        list.extend(
                            self.views
                                .iter()
                                .enumerate()
                                .filter(|(_, r)| kinds & (1 << r.kind as usize) != 0)
                                .map(|(i, _)| i),
                        );
                        self.by_kinds.push((kinds, list));
                        self.by_kinds.len() - 1
                    }
                };
                &self.by_kinds[i].1
            }
        };
        // Conditions and caps in words, written once per leaf, not per record.
        let mut condition_words: Vec<Option<String>> = vec![None; rule.conditions.len()];
        let mut cap_words: Vec<Option<String>> = vec![None; rule.caps.len()];
        // What the leaf asks of every record, settled once here rather than
        // per record: the days that pass every date check (a record dated
        // outside them is sent to `excluded` for the reason), the field that
        // must be distinct, whether caps or a rate apply.
        let days = self.counted_days(counts_from, after, before);
        let distinct_field = match rule.unit {
            CountUnit::DistinctGroups => Some(Distinct::Group),
            CountUnit::DistinctCoLeaders => Some(Distinct::CoLeader),
            CountUnit::DistinctSettings => Some(Distinct::Setting),
            _ => None,
        };
        let capped = !rule.caps.is_empty();
        let rated = rule.rate.is_some();
        // Sized for the usual case, where most records of the kinds counted
        // do count: no growing while listing thousands.
        res.counted.reserve_exact(candidates.len());
        let people = &self.people;
        for &i in candidates {
            let r = &self.views[i];
            let a = r.a;
            let not_counted = |reason| NotCounted {
                activity: Cow::Borrowed(&a.id),
                date: r.date,
                reason,
            };
            let failed = if days.is_some_and(|(from, to)| from <= r.date && r.date <= to) {
                rule.conditions
                    .iter()
                    .zip(&mut condition_words)
                    .find(|(c, _)| !matches(c, r, people, inputs))
                    .map(|(c, words)| failure(c, a, words, inputs.pathway))
            } else {
                self.excluded(r, rule, counts_from, after, before, &mut condition_words)
            };
            if let Some(reason) = failed {
                res.not_counted.push(not_counted(reason));
                continue;
            }
            let amount = match base_unit {
                Some(u) => match r.amount_in(u) {
                    Some(x) => x.thousandths(),
                    None => {
                        res.not_counted
                            .push(not_counted(NotCountedReason::UnitCannotConvert {
                                from: r.unit,
                                to: ledger_unit.unwrap_or(u),
                            }));
                        continue;
                    }
                },
                // One per distinct group, co-leader or setting.
                None => 1000,
            };
            let distinct_key = distinct_field.map(|field| field.of(a));
            if let Some((detail, None)) = distinct_key {
                res.not_counted
                    .push(not_counted(NotCountedReason::MissingDetail {
                        detail: detail.to_owned(),
                    }));
                continue;
            }
            if !r.is(CONFIRMED) {
                // Pending or rejected: the record itself says which.
                if let Attestation::Rejected { reason, .. } = &a.attestation {
                    res.not_counted
                        .push(not_counted(NotCountedReason::Rejected {
                            reason: reason.clone(),
                        }));
                } else {
                    res.pending.push(CountedRecord {
                        activity: Cow::Borrowed(&a.id),
                        date: r.date,
                        amount: to_unit(amount),
                    });
                }
                continue;
            }
            if let Some((detail, Some(value))) = distinct_key {
                if !distinct.insert(value) {
                    res.not_counted
                        .push(not_counted(NotCountedReason::AlreadyCounted {
                            value: format!("{detail} {value}"),
                        }));
                    continue;
                }
            }
            let mut take = amount;
            if capped {
                let mut limiting = None;
                for (on, cap) in capped_by.iter_mut().zip(&rule.caps) {
                    *on = matches(&cap.when, r, people, inputs);
                }
                for (i, _) in capped_by.iter().enumerate().filter(|(_, &on)| on) {
                    let room = allowances[i].saturating_sub(cap_used[i]);
                    if room < take {
                        take = room;
                        limiting = Some(i);
                    }
                }
                if let Some(i) = limiting {
                    res.not_counted.push(not_counted(NotCountedReason::OverCap {
                        max_percent: rule.caps[i].max_percent,
                        capped: cap_words[i]
                            .get_or_insert_with(|| describe(&rule.caps[i].when, inputs.pathway))
                            .clone(),
                        not_counted: to_unit(amount - take),
                    }));
                    if take == 0 {
                        continue;
                    }
                }
                for (used, _) in cap_used.iter_mut().zip(&capped_by).filter(|(_, &on)| on) {
                    *used += take;
                }
            }
            achieved += take;
            if rated {
                counted_amounts.push((r.date, take));
            }
            res.counted.push(CountedRecord {
                activity: Cow::Borrowed(&a.id),
                date: r.date,
                amount: to_unit(take),
            });
        }

        for (o, used) in &mut self.overrides {
            if o.requirement == r.id {
                if let OverrideEffect::Credit(amount) = o.effect {
                    *used = true;
                    achieved = achieved.saturating_add(amount.thousandths().saturating_mul(factor));
                    res.overrides.push((*o).clone());
                }
            }
        }

        let missing = required.saturating_sub(achieved);
        res.required = Some(rule.minimum);
        res.achieved = Some(to_unit(achieved));
        // Round the shortfall up, so "0.5 more" is never shown as "0 more".
        res.missing = Some(crate::ledger::Amount::from_thousandths(
            missing.div_ceil(factor),
        ));
        let mut met = missing == 0;
        if !met {
            let pending: u64 = res.pending.iter().map(|p| p.amount.thousandths()).sum();
            let short = crate::ledger::Amount::from_thousandths(missing.div_ceil(factor));
            let mut s = format!(
                "{short} more {} needed ({} of {})",
                wording::count_unit(rule.unit, short == crate::ledger::Amount::from_whole(1)),
                to_unit(achieved),
                rule.minimum
            );
            if pending > 0 {
                s.push_str(&format!(
                    "; {} pending attestation",
                    Quantity(crate::ledger::Amount::from_thousandths(pending), rule.unit)
                ));
            }
            res.shortfalls.push(s);
        }

        if let Some(rate) = &rule.rate {
            let outcome = rate::assess(
                rate,
                rate.at_least.thousandths().saturating_mul(factor),
                &counted_amounts,
                inputs.candidate.entered_pathway,
                as_of,
            );
            if !outcome.met {
                res.shortfalls
                    .push(wording::rate_shortfall(rate, rule.unit, &outcome, to_unit));
            }
            met &= outcome.met;
            res.rate = Some(RateResult {
                at_least: rate.at_least,
                per: rate.per,
                periods: rate.periods,
                anchor: rate.anchor,
                best_run: outcome.best.map_or(0, |b| b.length),
                best_run_from: outcome.best.map(|b| b.from),
                best_run_until: outcome.best.map(|b| b.until),
                current_run: outcome.current_run,
                met: outcome.met,
                short_periods: outcome
                    .short
                    .iter()
                    .map(|p| ShortPeriod {
                        from: p.from,
                        until: p.until,
                        achieved: to_unit(p.achieved),
                        in_progress: p.in_progress,
                    })
                    .collect(),
            });
        }
        res.met = met;
        res
    }

    /// The days (first and last) on which a record passes every date check
    /// of [`excluded`](Self::excluded): none when no day does.
    fn counted_days(
        &self,
        counts_from: Option<NaiveDate>,
        after: Option<(&Milestone, Option<NaiveDate>)>,
        before: Option<(&Milestone, Option<NaiveDate>)>,
    ) -> Option<(NaiveDate, NaiveDate)> {
        let mut from = counts_from.unwrap_or(NaiveDate::MIN);
        let mut to = self.inputs.as_of;
        if let Some(cycle) = &self.cycle {
            from = from.max(cycle.starts);
            to = to.min(cycle.ends.pred_opt()?);
        }
        match after {
            Some((_, None)) => return None,
            Some((_, Some(on))) => from = from.max(on),
            None => {}
        }
        match before {
            Some((Milestone::PathwayEntry, None)) => return None,
            Some((_, Some(on))) => to = to.min(on.pred_opt()?),
            _ => {}
        }
        (from <= to).then_some((from, to))
    }

    /// The first reason a record is excluded by date, window or condition.
    fn excluded(
        &self,
        r: &Rec<'_>,
        rule: &ActivityRule,
        counts_from: Option<NaiveDate>,
        after: Option<(&Milestone, Option<NaiveDate>)>,
        before: Option<(&Milestone, Option<NaiveDate>)>,
        condition_words: &mut [Option<String>],
    ) -> Option<NotCountedReason> {
        let inputs = self.inputs;
        let people = &self.people;
        if r.date > inputs.as_of {
            return Some(NotCountedReason::AfterAssessmentDate);
        }
        if let Some(from) = counts_from {
            if r.date < from {
                return Some(NotCountedReason::OutsideWindow { counts_from: from });
            }
        }
        if let Some(cycle) = &self.cycle {
            if r.date < cycle.starts || r.date >= cycle.ends {
                return Some(NotCountedReason::OutsideCycle {
                    starts: cycle.starts,
                    ends: cycle.ends,
                });
            }
        }
        match after {
            Some((m, None)) => {
                return Some(NotCountedReason::MilestoneNotReached {
                    milestone: m.clone(),
                })
            }
            Some((m, Some(on))) if r.date < on => {
                return Some(NotCountedReason::BeforeMilestone {
                    milestone: m.clone(),
                    on,
                })
            }
            _ => {}
        }
        match before {
            // A tier not reached yet: everything so far is before it.
            Some((m @ Milestone::PathwayEntry, None)) => {
                return Some(NotCountedReason::MilestoneNotReached {
                    milestone: m.clone(),
                })
            }
            Some((m, Some(on))) if r.date >= on => {
                return Some(NotCountedReason::NotBeforeMilestone {
                    milestone: m.clone(),
                    on,
                })
            }
            _ => {}
        }
        for (c, words) in rule.conditions.iter().zip(condition_words) {
            if !matches(c, r, people, inputs) {
                return Some(failure(c, r.a, words, inputs.pathway));
            }
        }
        None
    }
}

/// The field a leaf counting distinct values reads.
#[derive(Clone, Copy)]
enum Distinct {
    Group,
    CoLeader,
    Setting,
}

impl Distinct {
    /// The detail's name, and its value on `a` if given.
    fn of(self, a: &Activity) -> (&'static str, Option<&str>) {
        match self {
            Distinct::Group => ("group", a.group.as_deref()),
            Distinct::CoLeader => ("co-leader", a.co_leader.as_ref().map(|p| p.as_str())),
            Distinct::Setting => ("setting", a.setting.as_deref()),
        }
    }
}

/// Whether `r` meets `c`. The conditions read from the view are decided
/// here, where they can be inlined into the passes; those that read the
/// record or the register, or nest, are left to [`matches_record`].
#[inline]
fn matches<'l>(c: &Condition, r: &Rec<'l>, people: &People<'l>, inputs: &Inputs<'_, '_>) -> bool {
    match c {
        Condition::EventType(types) => r.event_type.is_some_and(|e| types.contains(&e)),
        Condition::ProviderApproved(b) => r.is(PROVIDER_APPROVED) == *b,
        Condition::Delivery(d) => r.delivery == *d,
        Condition::SupervisionFormat(f) => r.supervision_format.is_some_and(|x| f.contains(&x)),
        Condition::ReportType(t) => r.report_type.is_some_and(|x| t.contains(&x)),
        Condition::PrerequisiteType(t) => r.prerequisite_type.is_some_and(|x| t.contains(&x)),
        Condition::OngoingGroup(b) => r.is(ONGOING_GROUP) == *b,
        _ => matches_record(c, r, people, inputs),
    }
}

#[inline(never)]
fn matches_record<'l>(
    c: &Condition,
    r: &Rec<'l>,
    people: &People<'l>,
    inputs: &Inputs<'_, '_>,
) -> bool {
    match c {
        Condition::CoLeaderHeld(tiers) => people.at(r.co_leader, &r.a.co_leader).is_some_and(|p| {
            tiers
                .iter()
                .any(|t| inputs.register.held_tier_on(p, t, r.date))
        }),
        Condition::SupervisorHeld(tiers) => {
            people.at(r.supervisor, &r.a.supervisor).is_some_and(|p| {
                tiers
                    .iter()
                    .any(|t| inputs.register.held_tier_on(p, t, r.date))
            })
        }
        Condition::Provider(providers) => {
            r.a.provider
                .as_ref()
                .is_some_and(|p| providers.iter().any(|q| q == p))
        }
        Condition::MinDays(days) => {
            r.a.length_in_days()
                .is_some_and(|length| length >= Amount::from_whole(u64::from(*days)))
        }
        Condition::Not(inner) => !matches(inner, r, people, inputs),
        other => matches(other, r, people, inputs),
    }
}

/// Why `a` fails `c`; `words` keeps `c` in words once written.
fn failure(
    c: &Condition,
    a: &Activity,
    words: &mut Option<String>,
    pathway: &Pathway,
) -> NotCountedReason {
    match c {
        Condition::CoLeaderHeld(tiers) => NotCountedReason::CoLeaderDidNotHoldTier {
            co_leader: a.co_leader.clone(),
            tiers: tiers.clone(),
        },
        Condition::SupervisorHeld(tiers) => NotCountedReason::SupervisorDidNotHoldTier {
            supervisor: a.supervisor.clone(),
            tiers: tiers.clone(),
        },
        Condition::EventType(types) => NotCountedReason::EventType {
            found: a.event_type,
            expected: types.clone(),
        },
        Condition::Provider(providers) => NotCountedReason::Provider {
            found: a.provider.clone(),
            expected: providers.clone(),
        },
        Condition::ProviderApproved(true) => NotCountedReason::ProviderNotApproved,
        Condition::Delivery(d) => NotCountedReason::DeliveryMode {
            found: a.delivery,
            required: *d,
        },
        other => NotCountedReason::ConditionNotMet {
            condition: words
                .get_or_insert_with(|| describe(other, pathway))
                .clone(),
        },
    }
}

/// A condition in words, e.g. `delivered online`, tiers by their names.
pub(super) fn describe(c: &Condition, pathway: &Pathway) -> String {
    match c {
        Condition::CoLeaderHeld(t) => {
            format!("co-led with someone holding {}", tier_names(t, pathway))
        }
        Condition::SupervisorHeld(t) => {
            format!("supervised by someone holding {}", tier_names(t, pathway))
        }
        Condition::EventType(t) => format!("an event of type {}", spaced(t, EventType::as_str)),
        Condition::Provider(p) => format!("run by {}", join(p, " or ")),
        Condition::ProviderApproved(true) => "run by an approved provider".to_owned(),
        Condition::ProviderApproved(false) => "run by a provider not approved".to_owned(),
        Condition::Delivery(d) => format!("delivered {}", Spaced(d.as_str())),
        Condition::SupervisionFormat(f) => format!("{} supervision", join(f, " or ")),
        Condition::ReportType(t) => format!("a report of type {}", spaced(t, ReportType::as_str)),
        Condition::PrerequisiteType(t) => {
            format!(
                "a prerequisite of type {}",
                spaced(t, PrerequisiteType::as_str)
            )
        }
        Condition::OngoingGroup(true) => "in an ongoing group".to_owned(),
        Condition::OngoingGroup(false) => "not in an ongoing group".to_owned(),
        Condition::MinDays(days) => format!(
            "lasting at least {}",
            wording::Count(u64::from(*days), "day", "days")
        ),
        Condition::Not(inner) => format!("not {}", describe(inner, pathway)),
    }
}

/// Tiers by their names in the pathway (their ids where it has none),
/// joined with "or".
pub(super) fn tier_names(tiers: &[TierId], pathway: &Pathway) -> String {
    let names: Vec<&str> = tiers
        .iter()
        .map(|t| {
            pathway
                .tier(t)
                .map_or(t.as_str(), |tier| tier.name.as_str())
        })
        .collect();
    join(&names, " or ")
}

/// Words joined with "or", underscores as spaces: `training day or congress`.
fn spaced<T: Copy>(words: &[T], word: fn(T) -> &'static str) -> String {
    let words: Vec<Spaced<'_>> = words.iter().map(|w| Spaced(word(*w))).collect();
    join(&words, " or ")
}
