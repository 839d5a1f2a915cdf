#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::borrow::Cow;

use serde_json::json;

use super::*;
use crate::ledger::{ActivityKind, Attestation, Delivery, EventType, Unit};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn pathway(requirements: serde_json::Value) -> Pathway {
    Pathway::from_json_value(json!({
        "id": "t", "society": "s", "title": "Test", "version": "1", "effective_from": "2020-01-01",
        "backgrounds": ["psychodynamic_training"],
        "tiers": [
            {"id": "leader", "name": "Leader"},
            {"id": "trainer", "name": "Trainer", "prerequisites": [{"tier": "leader", "min_months": 24}],
             "requirements": requirements,
             "renewal": {"cycle_months": 12, "grace_months": 3, "requirements": [
                {"id": "keep-leading", "title": "Keep leading", "kind": "leading", "unit": "sessions", "minimum": 2}
             ]}}
        ]
    }))
    .unwrap()
}

fn confirmed() -> Attestation {
    Attestation::Confirmed {
        by: "att".parse().unwrap(),
        on: d("2024-12-31"),
    }
}

fn rec(id: &str, kind: ActivityKind, date: &str, amount: u64, unit: Unit) -> Activity {
    let mut a = Activity::new(
        id.parse().unwrap(),
        "cand".parse().unwrap(),
        kind,
        d(date),
        Amount::from_whole(amount),
        unit,
    );
    a.attestation = confirmed();
    a
}

fn candidate() -> Candidate {
    Candidate {
        person: "cand".parse().unwrap(),
        backgrounds: vec![],
        entered_pathway: Some(d("2021-01-01")),
        tiers_held: vec![HeldTier {
            tier: "leader".parse().unwrap(),
            since: d("2022-01-01"),
        }],
    }
}

fn trainer() -> TierId {
    "trainer".parse().unwrap()
}

fn run<'l>(p: &Pathway, ledger: &'l [Activity], as_of: &str) -> Assessment<'l> {
    Inputs::new(p, &candidate(), ledger, d(as_of))
        .evaluate(&trainer())
        .unwrap()
}

fn leading_20_sessions() -> serde_json::Value {
    json!([{"id": "leading", "title": "Lead groups", "kind": "leading", "unit": "sessions", "minimum": 3}])
}

#[test]
fn counts_confirmed_records_and_explains_the_rest() {
    let p = pathway(leading_20_sessions());
    let mut pending = rec("a3", ActivityKind::Leading, "2024-03-01", 1, Unit::Sessions);
    pending.attestation = Attestation::Pending;
    let mut rejected = rec("a4", ActivityKind::Leading, "2024-04-01", 1, Unit::Sessions);
    rejected.attestation = Attestation::Rejected {
        by: "att".parse().unwrap(),
        on: d("2024-04-02"),
        reason: "I was not there".into(),
    };
    let ledger = vec![
        rec("a2", ActivityKind::Leading, "2024-02-01", 1, Unit::Sessions),
        rec("a1", ActivityKind::Leading, "2024-01-01", 1, Unit::Sessions),
        pending,
        rejected,
        rec("a5", ActivityKind::Leading, "2025-06-01", 1, Unit::Sessions),
        rec(
            "p1",
            ActivityKind::Participation,
            "2024-01-01",
            9,
            Unit::Sessions,
        ),
    ];
    let a = run(&p, &ledger, "2025-01-01");
    let r = &a.mandatory[0];
    assert!(!r.met);
    assert_eq!(r.required, Some(Amount::from_whole(3)));
    assert_eq!(r.achieved, Some(Amount::from_whole(2)));
    assert_eq!(r.missing, Some(Amount::from_whole(1)));
    let counted: Vec<&str> = r.counted.iter().map(|c| c.activity.as_str()).collect();
    assert_eq!(counted, ["a1", "a2"], "by date, whatever the ledger order");
    assert_eq!(r.pending[0].activity.as_str(), "a3");
    let reasons: Vec<String> = r.not_counted.iter().map(|n| n.reason.to_string()).collect();
    assert_eq!(
        reasons,
        [
            "rejected by the attestor: I was not there",
            "dated after the assessment date"
        ]
    );
    assert_eq!(
        a.missing(),
        ["Lead groups: 1 more session needed (2 of 3); 1 session pending attestation."]
    );
    assert!(!a.eligible);
}

#[test]
fn prerequisite_tiers_need_their_minimum_time() {
    let p = pathway(json!([]));
    assert!(!run(&p, &[], "2023-12-31").eligible, "held 23 months");
    let a = run(&p, &[], "2024-01-01");
    assert!(a.eligible, "held 24 months");
    assert_eq!(a.prerequisites[0].held_since, Some(d("2022-01-01")));
}

#[test]
fn double_sessions_count_minutes_hours_and_timed_sessions_exactly() {
    let p = pathway(json!([
        {"id": "ds", "title": "Participation", "kind": "participation", "unit": "double_sessions", "minimum": 3}
    ]));
    let mut timed = rec(
        "a3",
        ActivityKind::Participation,
        "2024-01-03",
        1,
        Unit::Sessions,
    );
    timed.duration_minutes = Some(90);
    let untimed = rec(
        "a4",
        ActivityKind::Participation,
        "2024-01-04",
        1,
        Unit::Sessions,
    );
    let ledger = vec![
        rec(
            "a1",
            ActivityKind::Participation,
            "2024-01-01",
            45,
            Unit::Minutes,
        ),
        rec(
            "a2",
            ActivityKind::Participation,
            "2024-01-02",
            45,
            Unit::Minutes,
        ),
        rec(
            "a5",
            ActivityKind::Participation,
            "2024-01-05",
            1,
            Unit::DoubleSessions,
        ),
        timed,
        untimed,
    ];
    let a = run(&p, &ledger, "2025-01-01");
    let r = &a.mandatory[0];
    assert_eq!(
        r.achieved,
        Some(Amount::from_whole(3)),
        "45 + 45 minutes are exactly 1"
    );
    assert!(r.met);
    assert_eq!(
        r.not_counted[0].reason,
        NotCountedReason::UnitCannotConvert {
            from: Unit::Sessions,
            to: Unit::DoubleSessions
        }
    );
}

#[test]
fn co_leader_must_hold_the_tier_on_the_day_of_the_session() {
    let p = pathway(json!([
        {"id": "co", "title": "Co-lead with a leader", "kind": "co_leading", "unit": "sessions",
         "minimum": 2, "conditions": [{"co_leader_held": "leader"}]}
    ]));
    let mut register = RegisterSnapshot::new();
    register.add(
        "x".parse().unwrap(),
        "leader".parse().unwrap(),
        d("2024-02-01"),
        Some(d("2024-06-01")),
    );
    let with = |id: &str, date: &str| {
        let mut a = rec(id, ActivityKind::CoLeading, date, 1, Unit::Sessions);
        a.co_leader = Some("x".parse().unwrap());
        a
    };
    let ledger = vec![
        with("before", "2024-01-15"),
        with("during", "2024-03-01"),
        with("after", "2024-06-01"),
    ];
    let c = candidate();
    let a = Inputs::new(&p, &c, &ledger, d("2025-01-01"))
        .with_register(&register)
        .evaluate(&trainer())
        .unwrap();
    let r = &a.mandatory[0];
    assert_eq!(r.achieved, Some(Amount::from_whole(1)));
    assert_eq!(r.counted[0].activity.as_str(), "during");
    assert_eq!(r.not_counted.len(), 2);
    assert_eq!(
        r.not_counted[0].reason.to_string(),
        "co-leader x did not hold leader on that date"
    );
}

#[test]
fn each_of_many_co_leaders_and_supervisors_is_checked_as_named() {
    // More people than evaluation holds apart (sixteen), named in turn and
    // repeated, so each record must be checked against its own person.
    let p = pathway(json!([
        {"id": "co", "title": "Co-lead with a leader", "kind": "co_leading", "unit": "sessions",
         "minimum": 1, "conditions": [{"co_leader_held": "leader"}]},
        {"id": "sup", "title": "Supervised by a trainer", "kind": "supervision", "unit": "sessions",
         "minimum": 1, "conditions": [{"supervisor_held": "trainer"}]}
    ]));
    let mut register = RegisterSnapshot::new();
    for i in (0..40).step_by(3) {
        register.add(
            format!("co-{i}").parse().unwrap(),
            "leader".parse().unwrap(),
            d("2024-01-01"),
            None,
        );
        register.add(
            format!("sup-{i}").parse().unwrap(),
            "trainer".parse().unwrap(),
            d("2024-01-01"),
            None,
        );
    }
    let mut ledger = Vec::new();
    for n in 0..120 {
        let i = (n * 7) % 40;
        let date = format!("2024-{:02}-{:02}", 1 + n % 12, 1 + n % 28);
        let mut co = rec(
            &format!("c{n:03}"),
            ActivityKind::CoLeading,
            &date,
            1,
            Unit::Sessions,
        );
        co.co_leader = Some(format!("co-{i}").parse().unwrap());
        co.supervisor = Some(format!("sup-{}", (i + 1) % 40).parse().unwrap());
        let mut sup = rec(
            &format!("s{n:03}"),
            ActivityKind::Supervision,
            &date,
            1,
            Unit::Sessions,
        );
        sup.supervisor = Some(format!("sup-{i}").parse().unwrap());
        ledger.push(co);
        ledger.push(sup);
    }
    let c = candidate();
    let a = Inputs::new(&p, &c, &ledger, d("2025-01-01"))
        .with_register(&register)
        .evaluate(&trainer())
        .unwrap();
    for (r, role) in [(&a.mandatory[0], "co"), (&a.mandatory[1], "sup")] {
        let person = |id: &str| {
            let l = ledger.iter().find(|x| x.id.as_str() == id).unwrap();
            if role == "co" {
                l.co_leader.clone()
            } else {
                l.supervisor.clone()
            }
            .unwrap()
        };
        let held = |id: &str| {
            let p = person(id);
            p.as_str()[role.len() + 1..].parse::<u32>().unwrap() % 3 == 0
        };
        assert_eq!(r.counted.len() + r.not_counted.len(), 120);
        assert!(!r.counted.is_empty() && !r.not_counted.is_empty());
        for x in &r.counted {
            assert!(held(x.activity.as_str()), "{}", x.activity);
        }
        for x in &r.not_counted {
            assert!(!held(x.activity.as_str()), "{}", x.activity);
            let named = match &x.reason {
                NotCountedReason::CoLeaderDidNotHoldTier { co_leader, .. } => co_leader.clone(),
                NotCountedReason::SupervisorDidNotHoldTier { supervisor, .. } => supervisor.clone(),
                other => panic!("{other:?}"),
            };
            assert_eq!(named, Some(person(x.activity.as_str())));
        }
    }
}

#[test]
fn windows_and_milestones_limit_which_dates_count() {
    let p = pathway(json!([
        {"id": "recent", "title": "Recent", "kind": "leading", "unit": "sessions", "minimum": 1,
         "window": {"within_months": 12}},
        {"id": "since-leader", "title": "Since accredited", "kind": "leading", "unit": "sessions", "minimum": 1,
         "window": {"after": {"tier_reached": "leader"}}},
        {"id": "before-entry", "title": "Before training", "kind": "leading", "unit": "sessions", "minimum": 1,
         "window": {"before": "pathway_entry"}}
    ]));
    let ledger = vec![
        rec(
            "old",
            ActivityKind::Leading,
            "2020-06-01",
            1,
            Unit::Sessions,
        ),
        rec(
            "mid",
            ActivityKind::Leading,
            "2022-06-01",
            1,
            Unit::Sessions,
        ),
    ];
    let a = run(&p, &ledger, "2024-01-01");
    let by_id = |id: &str| a.requirement(&id.parse().unwrap()).unwrap();
    assert!(!by_id("recent").met);
    assert_eq!(
        by_id("recent").not_counted[0].reason,
        NotCountedReason::OutsideWindow {
            counts_from: d("2023-01-01")
        }
    );
    assert_eq!(by_id("since-leader").counted[0].activity.as_str(), "mid");
    assert_eq!(by_id("before-entry").counted[0].activity.as_str(), "old");
}

#[test]
fn caps_limit_the_online_share_earliest_first() {
    let p = pathway(json!([
        {"id": "led", "title": "Led", "kind": "leading", "unit": "sessions", "minimum": 4,
         "caps": [{"max_percent": 50, "when": {"delivery": "online"}}]}
    ]));
    let online = |id: &str, date: &str| {
        let mut a = rec(id, ActivityKind::Leading, date, 1, Unit::Sessions);
        a.delivery = Delivery::Online;
        a
    };
    let ledger = vec![
        online("o1", "2024-01-01"),
        online("o2", "2024-02-01"),
        online("o3", "2024-03-01"),
        rec("f1", ActivityKind::Leading, "2024-04-01", 1, Unit::Sessions),
    ];
    let a = run(&p, &ledger, "2025-01-01");
    let r = &a.mandatory[0];
    assert_eq!(r.achieved, Some(Amount::from_whole(3)));
    assert!(!r.met);
    assert_eq!(r.not_counted[0].activity.as_str(), "o3");
    assert_eq!(
        r.not_counted[0].reason.to_string(),
        "over the cap: at most 50% of the minimum may be delivered online (1 not counted)"
    );
}

#[test]
fn a_rate_needs_consecutive_periods_and_names_the_one_that_broke_the_run() {
    let p = pathway(json!([
        {"id": "monthly", "title": "Lead monthly", "kinds": ["leading", "co_leading"], "unit": "sessions",
         "minimum": 3, "rate": {"at_least": 1, "per": "month", "periods": 3}}
    ]));
    let gap = vec![
        rec("a", ActivityKind::Leading, "2024-01-10", 1, Unit::Sessions),
        rec("b", ActivityKind::Leading, "2024-02-10", 1, Unit::Sessions),
        rec("c", ActivityKind::Leading, "2024-04-10", 1, Unit::Sessions),
    ];
    // The last day of the month after the gap: March is the gap.
    let a = run(&p, &gap, "2024-04-30");
    let r = &a.mandatory[0];
    assert!(!r.met, "March is missing");
    let rate = r.rate.as_ref().unwrap();
    assert_eq!(rate.best_run, 2);
    assert_eq!(rate.best_run_from, Some(d("2024-01-01")));
    assert_eq!(rate.best_run_until, Some(d("2024-02-29")));
    assert_eq!(rate.current_run, 1);
    assert_eq!(
        rate.short_periods,
        [ShortPeriod {
            from: d("2024-03-01"),
            until: d("2024-03-31"),
            achieved: Amount::ZERO,
            in_progress: false
        }]
    );
    assert_eq!(
        r.shortfalls[0],
        "needs at least 1 session in each of 3 consecutive months; the longest run so far is 2 months (January to February 2024); short: March 2024 had no sessions; the current run has 1 of the 3 months needed"
    );
    // With March filled on its last day, the run is met on that day.
    let mut steady = gap.clone();
    steady[2].date = d("2024-03-31");
    let a = run(&p, &steady, "2024-03-31");
    assert!(a.mandatory[0].met);
    let rate = a.mandatory[0].rate.as_ref().unwrap();
    assert_eq!(rate.best_run, 3);
    assert_eq!(rate.best_run_from, Some(d("2024-01-01")));
    assert!(rate.short_periods.is_empty());
    // The day before, it is not: March is under way and holds nothing yet.
    let a = run(&p, &steady, "2024-03-30");
    let rate = a.mandatory[0].rate.as_ref().unwrap();
    assert!(!rate.met);
    assert_eq!(rate.current_run, 2, "March is still under way");
    assert!(rate.short_periods[0].in_progress);
    assert!(
        a.mandatory[0].shortfalls[1].contains("short: March 2024 has no sessions so far"),
        "{:?}",
        a.mandatory[0].shortfalls
    );
}

#[test]
fn a_rate_of_training_years_is_met_on_the_last_day_of_the_last_year() {
    // Ten supervision sessions in each of two training years, held February
    // to November; the trainee entered on 1 January 2024.
    let p = pathway(json!([
        {"id": "supervision", "title": "Supervision", "kind": "supervision", "unit": "sessions",
         "minimum": 20, "rate": {"at_least": 10, "per": "year", "periods": 2, "anchor": "pathway_entry"}}
    ]));
    let mut ledger = Vec::new();
    for year in [2024, 2025] {
        for month in 2..=11 {
            ledger.push(rec(
                &format!("s{year}{month:02}"),
                ActivityKind::Supervision,
                &format!("{year}-{month:02}-15"),
                1,
                Unit::Sessions,
            ));
        }
    }
    let mut c = candidate();
    c.entered_pathway = Some(d("2024-01-01"));
    let assess_for = |c: &Candidate, as_of: &str| {
        Inputs::new(&p, c, &ledger, d(as_of))
            .evaluate(&trainer())
            .unwrap()
            .into_owned()
    };
    let assess = |as_of: &str| assess_for(&c, as_of);
    let a = assess("2025-12-31");
    let rate = a.mandatory[0].rate.clone().unwrap();
    assert!(rate.met, "{}", a.render_text());
    assert_eq!(rate.best_run_from, Some(d("2024-01-01")));
    assert_eq!(rate.best_run_until, Some(d("2025-12-31")));
    // Already on the day of the tenth session of the second year.
    assert!(assess("2025-11-15").mandatory[0].met);
    // Not the day before: the second year holds 9 so far.
    let a = assess("2025-11-14");
    let r = &a.mandatory[0];
    assert!(!r.met);
    assert_eq!(
        r.shortfalls,
        [
            "1 more session needed (19 of 20)",
            "needs at least 10 sessions in each of 2 consecutive training years; the longest run so far is training year 1 (1 January 2024 to 31 December 2024); short: training year 2 (1 January 2025 to 31 December 2025) has 9 sessions so far; the current run has 1 of the 2 training years needed"
        ]
    );
    // Calendar years give the same here; rolling years too.
    for anchor in ["calendar", "rolling"] {
        let p = pathway(json!([
            {"id": "supervision", "title": "Supervision", "kind": "supervision", "unit": "sessions",
             "minimum": 20, "rate": {"at_least": 10, "per": "year", "periods": 2, "anchor": anchor}}
        ]));
        let a = Inputs::new(&p, &c, &ledger, d("2025-12-31"))
            .evaluate(&trainer())
            .unwrap();
        assert!(a.mandatory[0].met, "{anchor}: {}", a.render_text());
    }
    // Training years need the day of entering the pathway.
    let unknown = Candidate {
        entered_pathway: None,
        ..c.clone()
    };
    let a = assess_for(&unknown, "2025-12-31");
    assert!(!a.mandatory[0].met);
    assert!(a.mandatory[0].shortfalls[0].ends_with("which is not recorded"));
}

#[test]
fn records_before_entering_the_pathway_are_in_no_training_year() {
    let p = pathway(json!([
        {"id": "yearly", "title": "Yearly report", "kind": "report", "unit": "events",
         "minimum": 1, "rate": {"at_least": 1, "per": "year", "periods": 1, "anchor": "pathway_entry"}}
    ]));
    let mut c = candidate();
    c.entered_pathway = Some(d("2024-03-15"));
    let early = vec![rec(
        "r",
        ActivityKind::Report,
        "2024-03-14",
        1,
        Unit::Events,
    )];
    let a = Inputs::new(&p, &c, &early, d("2024-12-31"))
        .evaluate(&trainer())
        .unwrap();
    let r = &a.mandatory[0];
    assert!(!r.met, "counted, but in no training year");
    assert_eq!(r.achieved, Some(Amount::from_whole(1)));
    assert_eq!(
        r.shortfalls,
        ["needs at least 1 event in one training year; no training year has held enough yet; short: training year 1 (15 March 2024 to 14 March 2025) has no events so far"]
    );
}

#[test]
fn combinations_branches_and_distinct_counts() {
    let p = pathway(json!([
        {"id": "intensives", "title": "Intensives", "type": "any_of", "requirements": [
            {"id": "two-home", "title": "2 home intensives", "kind": "workshop", "unit": "events", "minimum": 2,
             "conditions": [{"provider": "s"}, {"event_type": "intensive"}]},
            {"id": "mixed", "title": "1 home + 1 approved", "type": "all_of", "requirements": [
                {"id": "one-home", "title": "1 home intensive", "kind": "workshop", "unit": "events", "minimum": 1,
                 "conditions": [{"provider": "s"}, {"event_type": "intensive"}]},
                {"id": "abroad", "title": "1 approved abroad", "kind": "workshop", "unit": "events", "minimum": 1,
                 "conditions": [{"provider_approved": true}, {"not": {"provider": "s"}}]}
            ]}
        ]},
        {"id": "membership", "title": "Membership", "type": "by_background",
         "branches": [{"backgrounds": "psychodynamic_training", "requirement":
            {"id": "m8", "title": "8 sessions", "kind": "participation", "unit": "sessions", "minimum": 8}}],
         "otherwise": {"id": "m20", "title": "20 sessions", "kind": "participation", "unit": "sessions", "minimum": 20}},
        {"id": "co-leaders", "title": "Varied co-leaders", "kind": "co_leading", "unit": "distinct_co_leaders", "minimum": 2}
    ]));
    let workshop = |id: &str, provider: &str, approved: bool| {
        let mut a = rec(id, ActivityKind::Workshop, "2024-01-01", 1, Unit::Events);
        a.provider = Some(provider.into());
        a.provider_approved = approved;
        a.event_type = Some(EventType::Intensive);
        a
    };
    let co = |id: &str, with: &str| {
        let mut a = rec(id, ActivityKind::CoLeading, "2024-02-01", 1, Unit::Sessions);
        a.co_leader = Some(with.parse().unwrap());
        a
    };
    let ledger = vec![
        workshop("w1", "s", true),
        workshop("w2", "ibf", true),
        rec(
            "p",
            ActivityKind::Participation,
            "2023-01-01",
            10,
            Unit::Sessions,
        ),
        co("c1", "x"),
        co("c2", "x"),
        co("c3", "y"),
    ];
    let mut c = candidate();
    let as_of = d("2025-01-01");
    let a = Inputs::new(&p, &c, &ledger, as_of)
        .evaluate(&trainer())
        .unwrap();
    fn by_id<'l>(a: &Assessment<'l>, id: &str) -> RequirementResult<'l> {
        a.requirement(&id.parse().unwrap()).unwrap().clone()
    }
    assert!(by_id(&a, "intensives").met, "1 home + 1 approved abroad");
    assert!(!by_id(&a, "two-home").met);
    assert!(!by_id(&a, "membership").met, "no background: 20 needed");
    assert_eq!(by_id(&a, "membership").background, None);
    assert!(by_id(&a, "co-leaders").met);
    assert_eq!(
        by_id(&a, "co-leaders").not_counted[0].reason,
        NotCountedReason::AlreadyCounted {
            value: "co-leader x".into()
        }
    );
    c.backgrounds = vec!["psychodynamic_training".into()];
    let a = Inputs::new(&p, &c, &ledger, as_of)
        .evaluate(&trainer())
        .unwrap();
    assert!(by_id(&a, "membership").met);
    assert_eq!(
        by_id(&a, "membership").background.as_deref(),
        Some("psychodynamic_training")
    );
}

#[test]
fn overrides_apply_with_their_reason_and_show() {
    let p = pathway(leading_20_sessions());
    let rpl = |effect, on: &str, req: &str| Override {
        requirement: req.parse().unwrap(),
        kind: OverrideKind::RecognitionOfPriorLearning,
        effect,
        reason: "led groups in another society".into(),
        recorded_by: "registrar".parse().unwrap(),
        recorded_on: d(on),
    };
    let overrides = vec![
        rpl(
            OverrideEffect::Credit(Amount::from_whole(2)),
            "2024-06-01",
            "leading",
        ),
        rpl(OverrideEffect::Waive, "2025-06-01", "leading"),
        rpl(OverrideEffect::Waive, "2024-06-01", "nonsense"),
    ];
    let ledger = vec![rec(
        "a1",
        ActivityKind::Leading,
        "2024-01-01",
        1,
        Unit::Sessions,
    )];
    let c = candidate();
    let a = Inputs::new(&p, &c, &ledger, d("2025-01-01"))
        .with_overrides(&overrides)
        .evaluate(&trainer())
        .unwrap();
    let r = &a.mandatory[0];
    assert!(r.met);
    assert_eq!(r.achieved, Some(Amount::from_whole(3)));
    assert_eq!(r.overrides, vec![overrides[0].clone()]);
    let why: Vec<&str> = a.ignored_overrides.iter().map(|i| i.why.as_str()).collect();
    assert_eq!(
        why,
        [
            "recorded after the assessment date",
            "no requirement \"nonsense\" in this tier"
        ]
    );
    assert!(a
        .render_text()
        .contains("recognition of prior learning: credit 2"));
}

#[test]
fn renewal_counts_only_the_cycle() {
    let p = pathway(json!([]));
    let ledger = vec![
        rec("a1", ActivityKind::Leading, "2023-12-31", 1, Unit::Sessions),
        rec("a2", ActivityKind::Leading, "2024-01-01", 1, Unit::Sessions),
        rec("a3", ActivityKind::Leading, "2024-12-31", 1, Unit::Sessions),
    ];
    let c = candidate();
    let inputs = Inputs::new(&p, &c, &ledger, d("2025-01-15"));
    let a = inputs
        .evaluate_renewal(&trainer(), d("2024-01-01"))
        .unwrap();
    assert!(a.eligible);
    assert_eq!(a.renewal_cycle.unwrap().lapses_on, d("2025-04-01"));
    assert_eq!(a.mandatory[0].counted.len(), 2);
    assert_eq!(
        inputs.evaluate_renewal(&"leader".parse().unwrap(), d("2024-01-01")),
        Err(EvaluateError::NoRenewal("leader".parse().unwrap()))
    );
    assert_eq!(
        inputs.evaluate(&"nope".parse().unwrap()),
        Err(EvaluateError::UnknownTier("nope".parse().unwrap()))
    );
}

#[test]
fn the_assessment_round_trips_through_json() {
    let p = pathway(leading_20_sessions());
    let ledger = vec![rec(
        "a1",
        ActivityKind::Leading,
        "2024-01-01",
        1,
        Unit::Sessions,
    )];
    let a = run(&p, &ledger, "2025-01-01");
    let json = serde_json::to_value(&a).unwrap();
    assert_eq!(json["mandatory"][0]["id"], "leading");
    assert_eq!(json["prerequisites"][0]["met"], true);
    assert_eq!(serde_json::from_value::<Assessment<'_>>(json).unwrap(), a);
}

#[test]
fn another_persons_record_is_listed_not_counted() {
    let p = pathway(leading_20_sessions());
    let mut theirs = rec(
        "theirs",
        ActivityKind::Leading,
        "2024-01-01",
        5,
        Unit::Sessions,
    );
    theirs.person = "someone-else".parse().unwrap();
    let ledger = vec![
        theirs,
        rec(
            "mine",
            ActivityKind::Leading,
            "2024-01-02",
            1,
            Unit::Sessions,
        ),
    ];
    let a = run(&p, &ledger, "2025-01-01");
    let r = &a.mandatory[0];
    assert_eq!(r.achieved, Some(Amount::from_whole(1)));
    assert_eq!(
        r.not_counted[0].reason.to_string(),
        "the record belongs to someone-else"
    );
}

/// The ids of the records counted for the first requirement, in the order listed.
fn counted_ids<'a>(a: &'a Assessment<'_>) -> Vec<&'a str> {
    a.mandatory[0]
        .counted
        .iter()
        .map(|c| c.activity.as_str())
        .collect()
}

#[test]
fn records_are_listed_by_date_then_id_whatever_the_ledger_order() {
    let p = pathway(leading_20_sessions());
    // A dense ledger (many records a day, ids out of order, two runs).
    let mut dense = Vec::new();
    for (id, date) in [
        ("b", "2024-01-02"),
        ("a10", "2024-01-01"),
        ("a9", "2024-01-01"),
        ("c", "2024-01-03"),
        ("a1", "2024-01-01"),
        ("z", "2023-12-31"),
    ] {
        dense.push(rec(id, ActivityKind::Leading, date, 1, Unit::Sessions));
    }
    let a = run(&p, &dense, "2025-01-01");
    assert_eq!(counted_ids(&a), ["z", "a1", "a10", "a9", "b", "c"]);

    // A sparse one (a few records over decades) gives the same order.
    let mut sparse = Vec::new();
    for (id, date) in [
        ("m", "2024-05-01"),
        ("b", "1990-01-01"),
        ("a", "2024-05-01"),
    ] {
        sparse.push(rec(id, ActivityKind::Leading, date, 1, Unit::Sessions));
    }
    let a = run(&p, &sparse, "2025-01-01");
    assert_eq!(counted_ids(&a), ["b", "a", "m"]);
}

#[test]
fn ids_sharing_a_day_are_ordered_as_strings_whatever_their_length() {
    // Ids are compared eight bytes at a time first: ids shorter than eight,
    // exactly eight, and longer ones sharing the first eight.
    let ids = [
        "abcdefgh2",
        "a",
        "abcdefgh",
        "abcdefgh10",
        "ab",
        "abcdefgg9",
        "b",
        "abcdefgh1",
        "a-1",
        "ab-",
        "A",
        "ab.cdefghij",
        "abcdefgz",
    ];
    let ledger: Vec<Activity> = ids
        .iter()
        .map(|id| rec(id, ActivityKind::Leading, "2024-01-01", 1, Unit::Sessions))
        .collect();
    let a = run(&pathway(leading_20_sessions()), &ledger, "2025-01-01");
    let mut expected = ids.to_vec();
    expected.sort_unstable();
    assert_eq!(counted_ids(&a), expected);
}

#[test]
fn an_owned_assessment_is_the_same_assessment() {
    let p = pathway(leading_20_sessions());
    let mut pending = rec("p1", ActivityKind::Leading, "2024-02-01", 1, Unit::Sessions);
    pending.attestation = Attestation::Pending;
    let mut ledger = vec![
        rec("a1", ActivityKind::Leading, "2024-01-01", 1, Unit::Sessions),
        rec(
            "late",
            ActivityKind::Leading,
            "2025-06-01",
            1,
            Unit::Sessions,
        ),
        pending,
    ];
    let borrowed = run(&p, &ledger, "2025-01-01");
    let json = serde_json::to_string(&borrowed).unwrap();
    let owned: Assessment<'static> = borrowed.clone().into_owned();
    assert_eq!(owned, borrowed);
    let r = &owned.mandatory[0];
    assert_eq!(
        (r.counted.len(), r.pending.len(), r.not_counted.len()),
        (1, 1, 1)
    );
    assert!(r
        .counted
        .iter()
        .chain(&r.pending)
        .map(|c| &c.activity)
        .chain(r.not_counted.iter().map(|n| &n.activity))
        .all(|id| matches!(id, Cow::Owned(_))));
    // It outlives the ledger and serializes as before.
    ledger.clear();
    drop(ledger);
    assert_eq!(serde_json::to_string(&owned).unwrap(), json);
}

#[test]
fn records_sharing_a_date_and_id_keep_their_ledger_order() {
    let p = pathway(
        json!([{"id": "leading", "title": "Lead groups", "kind": "leading",
        "unit": "sessions", "minimum": 4,
        "caps": [{"max_percent": 25, "when": {"delivery": "online"}}]}]),
    );
    let mut ledger = Vec::new();
    for (amount, online) in [(1, true), (2, true), (1, false)] {
        let mut r = rec(
            "dup",
            ActivityKind::Leading,
            "2024-01-01",
            amount,
            Unit::Sessions,
        );
        if online {
            r.delivery = Delivery::Online;
        }
        ledger.push(r);
    }
    // The cap (1 online session) takes the first online record in the
    // ledger; the second is over it.
    let a = run(&p, &ledger, "2025-01-01");
    let r = &a.mandatory[0];
    let amounts: Vec<Amount> = r.counted.iter().map(|c| c.amount).collect();
    assert_eq!(amounts, [Amount::from_whole(1), Amount::from_whole(1)]);
    assert_eq!(
        r.not_counted[0].reason.to_string(),
        "over the cap: at most 25% of the minimum may be delivered online (2 not counted)"
    );
}

#[test]
fn the_report_names_units_in_words_singular_after_one() {
    let p = pathway(json!([
        {"id": "settings", "title": "Varied settings", "kind": "leading",
         "unit": "distinct_settings", "minimum": 2},
        {"id": "one-session", "title": "One supervision session", "kind": "supervision",
         "unit": "sessions", "minimum": 1},
        {"id": "monthly", "title": "Lead monthly", "kind": "leading", "unit": "sessions",
         "minimum": 1, "rate": {"at_least": 1, "per": "month", "periods": 3}},
        {"id": "days", "title": "Training days", "kind": "workshop", "unit": "events",
         "minimum": 1, "conditions": [{"event_type": "training_day"}]}
    ]));
    let mut led = rec("a1", ActivityKind::Leading, "2024-01-10", 1, Unit::Sessions);
    led.setting = Some("gp".into());
    let mut supervision = rec(
        "s1",
        ActivityKind::Supervision,
        "2024-02-01",
        1,
        Unit::Sessions,
    );
    supervision.attestation = Attestation::Pending;
    let mut congress = rec("w1", ActivityKind::Workshop, "2024-03-01", 1, Unit::Events);
    congress.event_type = Some(EventType::Congress);
    let text = run(&p, &[led, supervision, congress], "2025-01-01").render_text();
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    for expected in [
        "[x] hold Leader for at least 24 months (held since 2022-01-01)",
        "[ ] Varied settings: 1 of 2 distinct settings",
        "[ ] One supervision session: 0 of 1 session",
        "1 pending record would count once attested",
        "[ ] Lead monthly: 1 of 1 session",
        "rate: at least 1 session a month for 3 months; longest run so far 1 month",
        "not counted: w1 (2024-03-01): event type is congress, needs training day",
        "- Varied settings: 1 more distinct setting needed (1 of 2).",
        "- One supervision session: 1 more session needed (0 of 1); 1 session pending attestation.",
        "- Lead monthly: needs at least 1 session in each of 3 consecutive months; the longest run so far is 1 month (January 2024); short: November 2024 to January 2025 has had no sessions so far.",
        "- Training days: 1 more event needed (0 of 1).",
    ] {
        assert!(lines.contains(&expected), "no line {expected:?} in:\n{text}");
    }
    assert!(!text.contains('_'), "a raw word in:\n{text}");
}

#[test]
fn the_report_words_other_records_and_units() {
    let p = pathway(json!([
        {"id": "online", "title": "Online hours", "kind": "leading", "unit": "hours",
         "minimum": 2, "conditions": [{"delivery": "online"}]}
    ]));
    let in_person = rec("a1", ActivityKind::Leading, "2024-01-10", 1, Unit::Hours);
    let mut in_cases = rec("a2", ActivityKind::Leading, "2024-01-11", 1, Unit::Cases);
    in_cases.delivery = Delivery::Online;
    let text = run(&p, &[in_person, in_cases], "2025-01-01").render_text();
    assert!(
        text.contains("a1 (2024-01-10): delivered in person, must be online"),
        "{text}"
    );
    assert!(
        text.contains("a2 (2024-01-11): recorded in cases, which cannot be counted as hours"),
        "{text}"
    );
    assert!(text.contains("0 of 2 hours"), "{text}");
    assert!(text.contains("2 more hours needed (0 of 2)"), "{text}");
}

#[test]
fn a_tier_reached_on_entering_the_pathway_is_held_from_that_day() {
    let p = Pathway::from_json_value(json!({
        "id": "t", "society": "s", "title": "Test", "version": "1", "effective_from": "2020-01-01",
        "tiers": [
            {"id": "trainee", "name": "Trainee", "entry": "enrolment"},
            {"id": "leader", "name": "Leader", "prerequisites": [{"tier": "trainee", "min_months": 12}]}
        ]
    }))
    .unwrap();
    let leader: TierId = "leader".parse().unwrap();
    let mut who = Candidate::new("cand".parse().unwrap());
    let not_entered = Inputs::new(&p, &who, &[], d("2024-01-01"))
        .evaluate(&leader)
        .unwrap();
    assert!(!not_entered.eligible, "no entry date: the tier is not held");
    assert_eq!(not_entered.prerequisites[0].held_since, None);

    who.entered_pathway = Some(d("2023-01-01"));
    let too_soon = Inputs::new(&p, &who, &[], d("2023-12-31"))
        .evaluate(&leader)
        .unwrap();
    assert!(!too_soon.eligible, "held 11 months of the 12");
    let a = Inputs::new(&p, &who, &[], d("2024-01-01"))
        .evaluate(&leader)
        .unwrap();
    assert!(a.eligible, "held 12 months from entering the pathway");
    assert_eq!(a.prerequisites[0].held_since, Some(d("2023-01-01")));
}

#[test]
fn entering_the_pathway_does_not_give_tiers_reached_otherwise() {
    // The fixture's first tier, `leader`, is reached by application: an
    // entry date before it was granted changes nothing.
    let p = pathway(json!([]));
    let a = run(&p, &[], "2024-01-01");
    assert_eq!(a.prerequisites[0].held_since, Some(d("2022-01-01")));
}

#[test]
fn outside_the_cycle_names_its_last_day() {
    // A cycle of 2024 is stored as [2024-01-01, 2025-01-01).
    let reason = NotCountedReason::OutsideCycle {
        starts: d("2024-01-01"),
        ends: d("2025-01-01"),
    };
    assert_eq!(
        reason.to_string(),
        "outside the renewal cycle 2024-01-01 to 2024-12-31"
    );
}
