//! Every preset against realistic ledgers: one that just meets each tier,
//! and, for each mandatory requirement, the same ledger short of exactly one
//! record, whose explanation must name that requirement.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use balint_core::evaluate::{Assessment, Candidate, HeldTier, Inputs, RegisterSnapshot};
use balint_core::ledger::{
    Activity, ActivityKind, Amount, Attestation, EventType, PrerequisiteType, ReportType, Unit,
};
use balint_core::pathway::Pathway;
use balint_core::presets;
use chrono::{Months, NaiveDate};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// Builds a confirmed ledger for one candidate.
struct Ledger {
    records: Vec<Activity>,
}

impl Ledger {
    fn new() -> Self {
        Ledger {
            records: Vec::new(),
        }
    }

    fn add(
        &mut self,
        kind: ActivityKind,
        date: NaiveDate,
        amount: u64,
        unit: Unit,
        edit: impl FnOnce(&mut Activity),
    ) {
        let n = self.records.len() + 1;
        let mut a = Activity::new(
            format!("r{n:04}").parse().unwrap(),
            "candidate".parse().unwrap(),
            kind,
            date,
            Amount::from_whole(amount),
            unit,
        );
        a.attestation = Attestation::Confirmed {
            by: "attestor".parse().unwrap(),
            on: date,
        };
        a.attestor = Some("attestor".parse().unwrap());
        edit(&mut a);
        self.records.push(a);
    }

    /// `count` records, one a month from `start`.
    fn monthly(
        &mut self,
        count: u32,
        start: &str,
        kind: ActivityKind,
        amount: u64,
        unit: Unit,
        edit: impl Fn(u32, &mut Activity),
    ) {
        for i in 0..count {
            let date = d(start).checked_add_months(Months::new(i)).unwrap();
            self.add(kind, date, amount, unit, |a| edit(i, a));
        }
    }
}

struct Case {
    preset: &'static str,
    tier: &'static str,
    candidate: Candidate,
    register: RegisterSnapshot,
    ledger: Vec<Activity>,
    as_of: NaiveDate,
}

fn candidate(entered: &str, held: &[(&str, &str)]) -> Candidate {
    Candidate {
        person: "candidate".parse().unwrap(),
        backgrounds: Vec::new(),
        entered_pathway: Some(d(entered)),
        tiers_held: held
            .iter()
            .map(|(t, since)| HeldTier {
                tier: t.parse().unwrap(),
                since: d(since),
            })
            .collect(),
    }
}

fn register(spans: &[(&str, &str, &str)]) -> RegisterSnapshot {
    let mut r = RegisterSnapshot::new();
    for (person, tier, from) in spans {
        r.add(
            person.parse().unwrap(),
            tier.parse().unwrap(),
            d(from),
            None,
        );
    }
    r
}

impl Case {
    fn assess<'l>(&self, pathway: &Pathway, ledger: &'l [Activity]) -> Assessment<'l> {
        Inputs::new(pathway, &self.candidate, ledger, self.as_of)
            .with_register(&self.register)
            .evaluate(&self.tier.parse().unwrap())
            .unwrap()
    }

    /// The ledger just meets the tier; without any one of the first records
    /// counted for a mandatory requirement, that requirement fails and the
    /// explanation names it.
    fn check(&self) {
        let pathway = presets::get(self.preset).unwrap().pathway();
        let met = self.assess(&pathway, &self.ledger);
        assert!(
            met.eligible,
            "{} {} should be met:\n{}",
            self.preset,
            self.tier,
            met.render_text()
        );
        assert!(met.missing().is_empty());
        assert!(!met.mandatory.is_empty());
        for requirement in &met.mandatory {
            let first_counted = std::iter::once(requirement)
                .chain(descendants(requirement))
                .find_map(|r| r.counted.first())
                .unwrap_or_else(|| panic!("{}: nothing counted", requirement.id));
            let short: Vec<Activity> = self
                .ledger
                .iter()
                .filter(|a| a.id != *first_counted.activity)
                .cloned()
                .collect();
            let missed = self.assess(&pathway, &short);
            assert!(
                !missed.eligible,
                "{} {}: without {} ({}) the tier should not be met",
                self.preset, self.tier, first_counted.activity, requirement.id
            );
            let result = missed.requirement(&requirement.id).unwrap();
            assert!(!result.met, "{} should be unmet", requirement.id);
            // The requirement, or the part of it that is short, is named.
            let missing = missed.missing();
            let result = missed.requirement(&requirement.id).unwrap();
            let titles: Vec<String> = std::iter::once(result)
                .chain(descendants(result))
                .map(|r| format!("{}: ", r.title))
                .collect();
            assert!(
                missing
                    .iter()
                    .any(|m| titles.iter().any(|t| m.starts_with(t.as_str()))),
                "{}: {missing:#?} should name one of {titles:?}",
                self.preset
            );
        }
    }
}

fn descendants<'a, 'l>(
    r: &'a balint_core::evaluate::RequirementResult<'l>,
) -> Vec<&'a balint_core::evaluate::RequirementResult<'l>> {
    let mut out = Vec::new();
    for c in &r.children {
        out.push(c);
        out.extend(descendants(c));
    }
    out
}

fn bsanz_accredited_leader() -> Case {
    let mut l = Ledger::new();
    // 20 meetings, 30 case discussions; the later ten co-led.
    l.monthly(
        20,
        "2022-03-05",
        ActivityKind::Leading,
        1,
        Unit::Meetings,
        |i, a| {
            a.cases = Some(if i < 10 { 2 } else { 1 });
            if i >= 10 {
                a.kind = ActivityKind::CoLeading;
                a.co_leader = Some("leader-a".parse().unwrap());
            }
        },
    );
    // 10 supervision sessions in each of two training years with a Leader
    // Trainer, held July to April.
    l.monthly(
        20,
        "2022-07-10",
        ActivityKind::Supervision,
        1,
        Unit::Sessions,
        |i, a| {
            a.supervisor = Some("trainer-t".parse().unwrap());
            // Ten in Jul 2022 - Jun 2023, ten in Jul 2023 - Jun 2024.
            a.date = d(if i < 10 { "2022-07-10" } else { "2023-07-10" })
                .checked_add_months(Months::new(i % 10))
                .unwrap();
        },
    );
    for date in ["2022-05-01", "2023-05-01"] {
        l.add(ActivityKind::Workshop, d(date), 1, Unit::Events, |a| {
            a.event_type = Some(EventType::Intensive);
            a.provider = Some("bsanz".into());
        });
    }
    // One progress report in each half year of training.
    l.monthly(
        4,
        "2022-09-01",
        ActivityKind::Report,
        1,
        Unit::Events,
        |i, a| {
            a.report_type = Some(ReportType::Progress);
            a.date = d("2022-09-01")
                .checked_add_months(Months::new(6 * i))
                .unwrap();
        },
    );
    l.add(
        ActivityKind::Report,
        d("2024-05-01"),
        1,
        Unit::Events,
        |a| {
            a.report_type = Some(ReportType::FinalSuitability);
        },
    );
    // A training record for each year of training, the second written on
    // the last day of the second year.
    for date in ["2023-06-01", "2024-06-30"] {
        l.add(ActivityKind::Report, d(date), 1, Unit::Events, |a| {
            a.report_type = Some(ReportType::TrainingRecord);
        });
    }
    // Training years run July to June; judged on the last day of the second.
    Case {
        preset: "bsanz-leader",
        tier: "accredited-leader",
        candidate: candidate("2022-07-01", &[("pathway-trainee", "2022-07-01")]),
        register: register(&[
            ("leader-a", "accredited-leader", "2015-01-01"),
            ("trainer-t", "accredited-leader-trainer", "2015-01-01"),
        ]),
        ledger: l.records,
        as_of: d("2024-06-30"),
    }
}

#[test]
fn bsanz_accredited_leader_just_met_and_each_miss() {
    bsanz_accredited_leader().check();
}

#[test]
fn bsanz_training_years_are_met_on_the_last_day_of_the_second_not_the_day_before() {
    let mut case = bsanz_accredited_leader();
    let pathway = presets::get("bsanz-leader").unwrap().pathway();
    let a = case.assess(&pathway, &case.ledger);
    let supervision = a.requirement(&"supervision".parse().unwrap()).unwrap();
    let rate = supervision.rate.as_ref().unwrap();
    assert!(rate.met);
    assert_eq!(
        (rate.best_run_from, rate.best_run_until),
        (Some(d("2022-07-01")), Some(d("2024-06-30")))
    );
    case.as_of = d("2024-06-29");
    let a = case.assess(&pathway, &case.ledger);
    assert!(!a.eligible);
    assert_eq!(
        a.missing(),
        [
            "An annual training record: 1 more event needed (1 of 2).",
            "An annual training record: needs at least 1 event in each of 2 consecutive training years; the longest run so far is training year 1 (1 July 2022 to 30 June 2023); short: training year 2 (1 July 2023 to 30 June 2024) has no events so far; the current run has 1 of the 2 training years needed."
        ]
    );
}

#[test]
fn bsanz_supervision_only_counts_while_the_supervisor_is_a_leader_trainer() {
    let mut case = bsanz_accredited_leader();
    case.register = register(&[
        ("leader-a", "accredited-leader", "2015-01-01"),
        ("trainer-t", "accredited-leader-trainer", "2022-08-01"),
    ]);
    let pathway = presets::get("bsanz-leader").unwrap().pathway();
    let a = case.assess(&pathway, &case.ledger);
    let supervision = a.requirement(&"supervision".parse().unwrap()).unwrap();
    assert!(!supervision.met);
    assert_eq!(supervision.not_counted.len(), 1, "the July 2022 session");
    assert_eq!(
        supervision.not_counted[0].reason.to_string(),
        "supervisor trainer-t did not hold accredited-leader-trainer on that date"
    );
    // Desirables are reported apart and do not decide eligibility.
    assert!(a
        .desirable
        .iter()
        .any(|r| r.id.as_str() == "co-leading-with-accredited-leader" && !r.met));
    assert!(a
        .missing_desirable()
        .iter()
        .any(|m| m.contains("ongoing group")));
}

#[test]
fn bsanz_intensive_plus_approved_international_workshop_also_meets() {
    let mut case = bsanz_accredited_leader();
    let second = case
        .ledger
        .iter_mut()
        .filter(|a| a.event_type == Some(EventType::Intensive))
        .nth(1)
        .unwrap();
    second.provider = Some("ibf".into());
    second.event_type = Some(EventType::Workshop);
    second.provider_approved = true;
    case.check();
    let pathway = presets::get("bsanz-leader").unwrap().pathway();
    let a = case.assess(&pathway, &case.ledger);
    let path = a
        .requirement(&"bsanz-and-international".parse().unwrap())
        .unwrap();
    assert!(path.met);
}

#[test]
fn bsanz_leader_trainer_just_met_and_each_miss() {
    let mut l = Ledger::new();
    // 10 meetings of two hours since accreditation: 20 hours.
    l.monthly(
        10,
        "2021-01-10",
        ActivityKind::Leading,
        1,
        Unit::Meetings,
        |i, a| {
            a.duration_minutes = Some(120);
            a.setting = Some(
                if i == 0 {
                    "hospital"
                } else {
                    "general-practice"
                }
                .into(),
            );
            if i == 0 {
                a.kind = ActivityKind::CoLeading;
                a.co_leader = Some("leader-a".parse().unwrap());
            }
            a.ongoing_group = i == 1;
        },
    );
    for date in ["2022-03-01", "2023-03-01"] {
        l.add(ActivityKind::CoLeading, d(date), 1, Unit::Events, |a| {
            a.event_type = Some(EventType::Residential);
            a.co_leader = Some("trainer-t".parse().unwrap());
        });
    }
    Case {
        preset: "bsanz-leader",
        tier: "accredited-leader-trainer",
        candidate: candidate(
            "2018-01-01",
            &[
                ("pathway-trainee", "2018-01-01"),
                ("accredited-leader", "2020-06-01"),
                ("leader-trainee", "2022-01-01"),
            ],
        ),
        register: register(&[("trainer-t", "accredited-leader-trainer", "2015-01-01")]),
        ledger: l.records,
        as_of: d("2024-06-30"),
    }
    .check();
}

#[test]
fn bsanz_leader_trainer_needs_two_years_accredited() {
    let pathway = presets::get("bsanz-leader").unwrap().pathway();
    let c = candidate(
        "2022-01-01",
        &[
            ("accredited-leader", "2023-01-01"),
            ("leader-trainee", "2023-06-01"),
        ],
    );
    let a = Inputs::new(&pathway, &c, &[], d("2024-06-30"))
        .evaluate(&"accredited-leader-trainer".parse().unwrap())
        .unwrap();
    assert!(!a.eligible);
    assert!(a.missing()[0].contains("Accredited Leader for at least 24 months"));
}

#[test]
fn abs_credentialed_leader_just_met_and_each_miss() {
    let mut l = Ledger::new();
    for date in ["2022-01-10", "2023-01-10"] {
        l.add(ActivityKind::Prerequisite, d(date), 1, Unit::Events, |a| {
            a.prerequisite_type = Some(PrerequisiteType::Membership);
        });
    }
    for date in ["2022-03-01", "2022-10-01", "2023-10-01"] {
        l.add(ActivityKind::Workshop, d(date), 1, Unit::Events, |a| {
            a.event_type = Some(EventType::Intensive);
            a.provider = Some("abs".into());
            a.duration_minutes = Some(4 * 8 * 60);
        });
    }
    l.add(
        ActivityKind::Evaluation,
        d("2023-10-04"),
        1,
        Unit::Events,
        |a| {
            a.report_type = Some(ReportType::ObservedLeading);
        },
    );
    l.monthly(
        24,
        "2022-01-20",
        ActivityKind::Leading,
        1,
        Unit::Sessions,
        |_, _| {},
    );
    // Every second month for two years: six a year.
    l.monthly(
        12,
        "2022-01-25",
        ActivityKind::Supervision,
        1,
        Unit::Sessions,
        |i, a| {
            a.supervisor = Some("supervisor-s".parse().unwrap());
            a.date = d("2022-01-25")
                .checked_add_months(Months::new(2 * i))
                .unwrap();
        },
    );
    // Two training years, 2022 and 2023, judged on the last day of 2023.
    Case {
        preset: "abs-credentialed-leader",
        tier: "credentialed-leader",
        candidate: candidate(
            "2022-01-01",
            &[("member", "2021-01-01"), ("candidate", "2022-01-01")],
        ),
        register: register(&[("supervisor-s", "listed-supervisor", "2010-01-01")]),
        ledger: l.records,
        as_of: d("2023-12-31"),
    }
    .check();
}

#[test]
fn abs_monthly_leading_fails_on_a_missed_month() {
    let pathway = presets::get("abs-credentialed-leader").unwrap().pathway();
    let mut l = Ledger::new();
    l.monthly(
        25,
        "2022-01-20",
        ActivityKind::Leading,
        1,
        Unit::Sessions,
        |i, a| {
            if i == 13 {
                // Two sessions in January 2023, none in February.
                a.date = d("2023-01-25");
            }
        },
    );
    let c = candidate("2021-06-01", &[("candidate", "2021-06-01")]);
    // The last day of the 24th month from the first session.
    let a = Inputs::new(&pathway, &c, &l.records, d("2024-01-31"))
        .evaluate(&"credentialed-leader".parse().unwrap())
        .unwrap();
    let monthly = a.requirement(&"monthly-leading".parse().unwrap()).unwrap();
    assert_eq!(monthly.achieved, Some(Amount::from_whole(25)));
    assert!(!monthly.met);
    assert_eq!(
        monthly.shortfalls,
        ["needs at least 1 session in each of 24 consecutive months; the longest run so far is 13 months (January 2022 to January 2023); short: February 2023 had no sessions; the current run has 11 of the 24 months needed"]
    );
}

fn uk_ledger(participation: u32) -> Vec<Activity> {
    let mut l = Ledger::new();
    l.monthly(
        participation,
        "2018-01-15",
        ActivityKind::Participation,
        1,
        Unit::Sessions,
        |_, _| {},
    );
    l.monthly(
        20,
        "2019-01-20",
        ActivityKind::CoLeading,
        1,
        Unit::Sessions,
        |_, a| {
            a.co_leader = Some("leader-a".parse().unwrap());
        },
    );
    for date in ["2019-05-10", "2020-05-10"] {
        l.add(ActivityKind::Workshop, d(date), 1, Unit::Events, |a| {
            a.event_type = Some(EventType::Weekend);
            a.provider = Some("uk-balint".into());
        });
    }
    l.add(
        ActivityKind::Report,
        d("2021-06-01"),
        1,
        Unit::Events,
        |a| {
            a.report_type = Some(ReportType::FinalSuitability);
        },
    );
    l.records
}

#[test]
fn uk_2016_without_psychodynamic_training_needs_20_sessions() {
    Case {
        preset: "uk-2016",
        tier: "accredited-leader",
        candidate: candidate("2018-01-01", &[("trainee", "2018-01-01")]),
        register: RegisterSnapshot::new(),
        ledger: uk_ledger(20),
        as_of: d("2022-01-01"),
    }
    .check();
}

#[test]
fn uk_2016_with_psychodynamic_training_needs_8_sessions() {
    let mut c = candidate("2018-01-01", &[("trainee", "2018-01-01")]);
    let case = Case {
        preset: "uk-2016",
        tier: "accredited-leader",
        candidate: c.clone(),
        register: RegisterSnapshot::new(),
        ledger: uk_ledger(8),
        as_of: d("2022-01-01"),
    };
    let pathway = presets::get("uk-2016").unwrap().pathway();
    assert!(
        !case.assess(&pathway, &case.ledger).eligible,
        "8 is not enough without"
    );
    c.backgrounds = vec!["psychodynamic_training".into()];
    let case = Case {
        candidate: c,
        ..case
    };
    let a = case.assess(&pathway, &case.ledger);
    // The guideline nature of the numbers is shown with the result.
    let membership = a.requirement(&"group-membership".parse().unwrap()).unwrap();
    assert_eq!(
        membership.discretion.as_deref(),
        Some("A guideline the committee may weigh.")
    );
    assert!(a
        .render_text()
        .contains("committee discretion: A guideline"));
    // The 8 sessions meet the branch for those with psychodynamic training.
    assert!(a.eligible, "{}", a.render_text());
}

#[test]
fn uk_2016_weekends_as_a_member_and_leadership_weekends_never_count_for_both() {
    let pathway = presets::get("uk-2016").unwrap().pathway();
    let mut c = candidate("2018-01-01", &[("trainee", "2018-01-01")]);
    c.backgrounds = vec!["psychodynamic_training".into()];
    let mut l = Ledger::new();
    // Two society weekends attended as a group member, and two leadership
    // weekends: one of a day, one of two days.
    for date in ["2019-03-02", "2019-09-07"] {
        l.add(ActivityKind::Participation, d(date), 1, Unit::Events, |a| {
            a.event_type = Some(EventType::Weekend);
            a.provider = Some("uk-balint".into());
        });
    }
    for (date, days) in [("2020-03-07", 1), ("2020-09-05", 2)] {
        l.add(ActivityKind::Workshop, d(date), 1, Unit::Events, |a| {
            a.event_type = Some(EventType::Weekend);
            a.provider = Some("uk-balint".into());
            a.days = Some(days);
        });
    }
    let assess = |ledger: &[Activity]| {
        Inputs::new(&pathway, &c, ledger, d("2021-01-01"))
            .evaluate(&"accredited-leader".parse().unwrap())
            .unwrap()
            .into_owned()
    };
    let a = assess(&l.records);
    let weekends = a
        .requirement(&"membership-2-weekends".parse().unwrap())
        .unwrap();
    let counted: Vec<NaiveDate> = weekends.counted.iter().map(|c| c.date).collect();
    assert_eq!(counted, [d("2019-03-02"), d("2019-09-07")]);
    let training = a
        .requirement(&"leadership-training".parse().unwrap())
        .unwrap();
    let counted: Vec<NaiveDate> = training.counted.iter().map(|c| c.date).collect();
    assert_eq!(counted, [d("2020-03-07"), d("2020-09-05")]);
    // The desirable two-day weekend: the weekend that ran two days.
    let two_days = a.requirement(&"two-day-weekend".parse().unwrap()).unwrap();
    assert!(two_days.met);
    let counted: Vec<NaiveDate> = two_days.counted.iter().map(|c| c.date).collect();
    assert_eq!(counted, [d("2020-09-05")]);
    assert_eq!(
        two_days.not_counted[0].reason.to_string(),
        "condition not met: lasting at least 2 days"
    );
    // Two weekends of a day each do not make one of two days; a weekend
    // counted in days gives its length.
    let mut short = l.records.clone();
    short[3].days = Some(1);
    assert!(!assess(&short)
        .desirable
        .iter()
        .any(|r| r.id.as_str() == "two-day-weekend" && r.met));
    short[3].days = None;
    short[3].unit = Unit::Days;
    short[3].amount = Amount::from_whole(2);
    let a = assess(&short);
    let two_days = a.requirement(&"two-day-weekend".parse().unwrap()).unwrap();
    assert!(!two_days.met, "counted in days, it is not an event");
    assert_eq!(
        two_days.not_counted.last().unwrap().reason.to_string(),
        "recorded in days, which cannot be counted as events"
    );
}

#[test]
fn uk_2016_renewal_needs_membership_in_the_cycle() {
    let pathway = presets::get("uk-2016").unwrap().pathway();
    let c = candidate("2018-01-01", &[("accredited-leader", "2022-01-01")]);
    let mut l = Ledger::new();
    l.add(
        ActivityKind::Prerequisite,
        d("2021-12-01"),
        1,
        Unit::Events,
        |a| {
            a.prerequisite_type = Some(PrerequisiteType::Membership);
        },
    );
    let tier = "accredited-leader".parse().unwrap();
    let inputs = Inputs::new(&pathway, &c, &l.records, d("2023-01-10"));
    let a = inputs.evaluate_renewal(&tier, d("2022-01-01")).unwrap();
    assert!(!a.eligible);
    assert!(a.missing()[0].starts_with("Society membership kept: "));
    assert_eq!(a.renewal_cycle.unwrap().lapses_on, d("2023-04-01"));
}

#[test]
fn dbg_leader_just_met_and_each_miss() {
    dbg_leader().check();
}

fn dbg_leader() -> Case {
    let mut l = Ledger::new();
    l.add(
        ActivityKind::Prerequisite,
        d("2015-01-01"),
        1,
        Unit::Events,
        |a| {
            a.prerequisite_type = Some(PrerequisiteType::ProfessionalQualification);
        },
    );
    l.add(
        ActivityKind::Prerequisite,
        d("2019-01-01"),
        1,
        Unit::Events,
        |a| {
            a.prerequisite_type = Some(PrerequisiteType::ClinicalExperience);
        },
    );
    // 35 double sessions before training: 25 recorded as such, 10 as 90 minutes.
    l.monthly(
        25,
        "2017-01-10",
        ActivityKind::Participation,
        1,
        Unit::DoubleSessions,
        |_, _| {},
    );
    l.monthly(
        10,
        "2019-02-10",
        ActivityKind::Participation,
        90,
        Unit::Minutes,
        |_, _| {},
    );
    // 70 after: 33 sessions of two double sessions, and 4 at a congress (a third is 35).
    l.monthly(
        33,
        "2020-02-10",
        ActivityKind::Participation,
        2,
        Unit::DoubleSessions,
        |_, _| {},
    );
    l.add(
        ActivityKind::Participation,
        d("2022-11-10"),
        4,
        Unit::DoubleSessions,
        |a| {
            a.event_type = Some(EventType::Congress);
        },
    );
    // 6 leader seminars of 5 double sessions each.
    l.monthly(
        6,
        "2020-03-01",
        ActivityKind::Workshop,
        1,
        Unit::Events,
        |_, a| {
            a.event_type = Some(EventType::Seminar);
            a.duration_minutes = Some(5 * 90);
        },
    );
    l.add(
        ActivityKind::Supervision,
        d("2021-05-01"),
        1,
        Unit::DoubleSessions,
        |a| {
            a.supervisor = Some("supervisor-s".parse().unwrap());
        },
    );
    l.add(
        ActivityKind::Evaluation,
        d("2023-03-01"),
        1,
        Unit::Events,
        |a| {
            a.report_type = Some(ReportType::Colloquium);
        },
    );
    Case {
        preset: "dbg-leader",
        tier: "balint-group-leader",
        candidate: candidate("2020-01-01", &[("leader-trainee", "2020-01-01")]),
        register: RegisterSnapshot::new(),
        ledger: l.records,
        as_of: d("2023-06-01"),
    }
}

#[test]
fn dbg_counts_only_a_third_from_congresses() {
    let pathway = presets::get("dbg-leader").unwrap().pathway();
    let mut l = Ledger::new();
    l.add(
        ActivityKind::Participation,
        d("2021-01-01"),
        60,
        Unit::DoubleSessions,
        |a| {
            a.event_type = Some(EventType::Congress);
        },
    );
    l.add(
        ActivityKind::Participation,
        d("2021-02-01"),
        70,
        Unit::DoubleSessions,
        |_| {},
    );
    let c = candidate("2020-01-01", &[("leader-trainee", "2020-01-01")]);
    let a = Inputs::new(&pathway, &c, &l.records, d("2023-06-01"))
        .evaluate(&"balint-group-leader".parse().unwrap())
        .unwrap();
    let participation = a.requirement(&"participation".parse().unwrap()).unwrap();
    // 33% of 105 double sessions is 34.65.
    assert_eq!(
        participation.achieved,
        Some(Amount::from_thousandths(104_650))
    );
    assert!(!participation.met);
    assert!(participation.not_counted[0]
        .reason
        .to_string()
        .starts_with("over the cap: at most 33% of the minimum may be an event of type congress"));
}

#[test]
fn rcpsych_attendance_just_met_and_each_miss() {
    rcpsych_attendance().check();
}

fn rcpsych_attendance() -> Case {
    let mut l = Ledger::new();
    l.monthly(
        25,
        "2023-08-07",
        ActivityKind::Participation,
        1,
        Unit::Sessions,
        |i, a| {
            // Weekly: 25 weeks from early August.
            a.date = d("2023-08-07") + chrono::Days::new(7 * u64::from(i));
        },
    );
    for date in ["2024-01-15", "2024-07-15"] {
        l.add(ActivityKind::Report, d(date), 1, Unit::Events, |a| {
            a.report_type = Some(ReportType::CaseDiscussionAssessment);
        });
    }
    Case {
        preset: "rcpsych-core-balint",
        tier: "balint-attendance-complete",
        candidate: candidate("2023-08-01", &[("core-trainee", "2023-08-01")]),
        register: RegisterSnapshot::new(),
        ledger: l.records,
        as_of: d("2024-08-01"),
    }
}

#[test]
fn abs_member_tier_just_met_and_each_miss() {
    let mut l = Ledger::new();
    l.add(
        ActivityKind::Prerequisite,
        d("2021-01-01"),
        1,
        Unit::Events,
        |a| {
            a.prerequisite_type = Some(PrerequisiteType::Membership);
        },
    );
    Case {
        preset: "abs-credentialed-leader",
        tier: "member",
        candidate: candidate("2021-01-01", &[]),
        register: RegisterSnapshot::new(),
        ledger: l.records,
        as_of: d("2021-02-01"),
    }
    .check();
}

#[test]
fn tiers_without_requirements_need_only_their_prerequisite_tiers() {
    for preset in presets::all() {
        let pathway = preset.pathway();
        for tier in pathway.tiers().iter().filter(|t| t.requirements.is_empty()) {
            let held: Vec<(&str, &str)> = tier
                .prerequisites
                .iter()
                .map(|p| (p.tier.as_str(), "2000-01-01"))
                .collect();
            let with = candidate("2000-01-01", &held);
            let a = Inputs::new(&pathway, &with, &[], d("2024-01-01"))
                .evaluate(&tier.id)
                .unwrap();
            assert!(a.eligible, "{} {}", preset.id, tier.id);
            if !tier.prerequisites.is_empty() {
                let without = candidate("2000-01-01", &[]);
                let a = Inputs::new(&pathway, &without, &[], d("2024-01-01"))
                    .evaluate(&tier.id)
                    .unwrap();
                assert!(!a.eligible, "{} {}", preset.id, tier.id);
                assert!(a.missing()[0].starts_with("Hold "));
            }
        }
    }
}

/// What a trainee part-way through reads, per preset: every sentence of
/// what is missing, and the whole report. A change of wording shows here.
#[test]
fn the_words_a_trainee_reads_part_way() {
    let part_way = |mut case: Case, as_of: &str| {
        case.as_of = d(as_of);
        let pathway = presets::get(case.preset).unwrap().pathway();
        let a = case.assess(&pathway, &case.ledger);
        let mut out = String::new();
        out.push_str("missing:\n");
        for m in a.missing() {
            out.push_str(&format!("- {m}\n"));
        }
        out.push_str("desirable, missing:\n");
        for m in a.missing_desirable() {
            out.push_str(&format!("- {m}\n"));
        }
        out.push_str("\nreport:\n");
        out.push_str(&a.render_text());
        // No id of a tier or requirement in a sentence a trainee reads.
        for r in a.requirements() {
            for line in a.missing().iter().chain(&a.missing_desirable()) {
                assert!(!line.contains(&format!("({})", r.id)), "{line}");
            }
        }
        // Tier ids that are not plain words (`accredited-leader`).
        for t in pathway
            .tiers()
            .iter()
            .filter(|t| t.id.as_str().contains('-'))
        {
            for line in a.missing() {
                assert!(!line.contains(t.id.as_str()), "{line}");
            }
        }
        out
    };
    let uk = Case {
        preset: "uk-2016",
        tier: "accredited-leader",
        candidate: candidate("2018-01-01", &[("trainee", "2018-01-01")]),
        register: RegisterSnapshot::new(),
        ledger: uk_ledger(20),
        as_of: d("2022-01-01"),
    };
    let abs = {
        let mut case = Case {
            preset: "abs-credentialed-leader",
            tier: "credentialed-leader",
            candidate: candidate(
                "2022-01-01",
                &[("member", "2021-01-01"), ("candidate", "2022-01-01")],
            ),
            register: register(&[("supervisor-s", "listed-supervisor", "2010-01-01")]),
            ledger: Vec::new(),
            as_of: d("2023-12-31"),
        };
        let mut l = Ledger::new();
        l.add(
            ActivityKind::Prerequisite,
            d("2022-01-10"),
            1,
            Unit::Events,
            |a| {
                a.prerequisite_type = Some(PrerequisiteType::Membership);
            },
        );
        l.monthly(
            16,
            "2022-01-20",
            ActivityKind::Leading,
            1,
            Unit::Sessions,
            |i, a| {
                if i >= 7 {
                    // A summer without leading.
                    a.date = d("2022-11-20")
                        .checked_add_months(Months::new(i - 7))
                        .unwrap();
                }
            },
        );
        l.monthly(
            7,
            "2022-02-25",
            ActivityKind::Supervision,
            1,
            Unit::Sessions,
            |_, a| {
                a.supervisor = Some("supervisor-s".parse().unwrap());
            },
        );
        case.ledger = l.records;
        case
    };
    insta::assert_snapshot!(
        "bsanz_accredited_leader",
        part_way(bsanz_accredited_leader(), "2023-12-31")
    );
    insta::assert_snapshot!("abs_credentialed_leader", part_way(abs, "2023-08-31"));
    insta::assert_snapshot!("uk_2016_accredited_leader", part_way(uk, "2019-06-30"));
    insta::assert_snapshot!(
        "dbg_balint_group_leader",
        part_way(dbg_leader(), "2021-06-30")
    );
    insta::assert_snapshot!(
        "rcpsych_attendance",
        part_way(rcpsych_attendance(), "2023-12-31")
    );
}
