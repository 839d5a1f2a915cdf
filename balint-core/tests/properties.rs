//! Invariants of evaluation and of pathway documents.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use balint_core::evaluate::{Assessment, Candidate, HeldTier, Inputs, RegisterSnapshot};
use balint_core::ledger::{
    Activity, ActivityKind, Amount, Attestation, Delivery, EventType, PrerequisiteType, ReportType,
    Unit,
};
use balint_core::pathway::Pathway;
use balint_core::presets;
use chrono::{Days, NaiveDate};
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::json;

fn base() -> NaiveDate {
    "2019-01-01".parse().unwrap()
}

fn as_of() -> NaiveDate {
    "2025-01-01".parse().unwrap()
}

fn attestation() -> impl Strategy<Value = Attestation> {
    prop_oneof![
        6 => Just(Attestation::Confirmed { by: "att".parse().unwrap(), on: base() }),
        1 => Just(Attestation::Pending),
        1 => Just(Attestation::Rejected { by: "att".parse().unwrap(), on: base(), reason: "no".into() }),
    ]
}

prop_compose! {
    fn record()(
        kind in select(ActivityKind::ALL.to_vec()),
        unit_pick in 0usize..8,
        day in 0u64..2500,
        amount in 1u64..5,
        duration in proptest::option::of(select(vec![60u32, 90, 120, 180])),
        cases in proptest::option::of(1u32..4),
        online in any::<bool>(),
        co_leader in proptest::option::of(select(vec!["al-1", "al-2", "tr-1", "nobody"])),
        supervisor in proptest::option::of(select(vec!["tr-1", "al-1"])),
        event in proptest::option::of(select(EventType::ALL.to_vec())),
        provider in proptest::option::of(select(vec!["bsanz", "ibf", "abs", "uk-balint"])),
        approved in any::<bool>(),
        report in proptest::option::of(select(ReportType::ALL.to_vec())),
        prerequisite in proptest::option::of(select(PrerequisiteType::ALL.to_vec())),
        setting in proptest::option::of(select(vec!["gp", "hospital", "training"])),
        ongoing in any::<bool>(),
        attestation in attestation(),
    ) -> Activity {
        let units = kind.units();
        let unit = units[unit_pick % units.len()];
        let mut a = Activity::new(
            "x".parse().unwrap(),
            "cand".parse().unwrap(),
            kind,
            base() + Days::new(day),
            Amount::from_whole(amount),
            unit,
        );
        a.duration_minutes = duration;
        a.cases = cases.filter(|_| matches!(kind, ActivityKind::Leading | ActivityKind::CoLeading));
        a.delivery = if online { Delivery::Online } else { Delivery::InPerson };
        a.co_leader = co_leader.map(|p| p.parse().unwrap());
        a.supervisor = supervisor.map(|p| p.parse().unwrap());
        a.event_type = event;
        a.provider = provider.map(Into::into);
        a.provider_approved = approved;
        a.report_type = report;
        a.prerequisite_type = prerequisite;
        a.setting = setting.map(Into::into);
        a.ongoing_group = ongoing;
        a.attestation = attestation;
        a
    }
}

fn ledger(max: usize) -> impl Strategy<Value = Vec<Activity>> {
    proptest::collection::vec(record(), 0..max).prop_map(|mut records| {
        for (i, r) in records.iter_mut().enumerate() {
            r.id = format!("r{i}").parse().unwrap();
        }
        records
    })
}

fn candidate() -> Candidate {
    Candidate {
        person: "cand".parse().unwrap(),
        backgrounds: vec![],
        entered_pathway: Some("2020-06-01".parse().unwrap()),
        tiers_held: [
            "pathway-trainee",
            "accredited-leader",
            "leader-trainee",
            "trainee",
            "leader-trainee",
            "core-trainee",
            "member",
            "candidate",
        ]
        .iter()
        .map(|t| HeldTier {
            tier: t.parse().unwrap(),
            since: "2020-06-01".parse().unwrap(),
        })
        .collect(),
    }
}

fn register() -> RegisterSnapshot {
    let mut r = RegisterSnapshot::new();
    let d = |s: &str| s.parse().unwrap();
    r.add(
        "al-1".parse().unwrap(),
        "accredited-leader".parse().unwrap(),
        d("2019-06-01"),
        None,
    );
    r.add(
        "al-2".parse().unwrap(),
        "accredited-leader".parse().unwrap(),
        d("2021-01-01"),
        Some(d("2023-01-01")),
    );
    r.add(
        "tr-1".parse().unwrap(),
        "accredited-leader-trainer".parse().unwrap(),
        d("2020-01-01"),
        None,
    );
    r.add(
        "tr-1".parse().unwrap(),
        "listed-supervisor".parse().unwrap(),
        d("2020-01-01"),
        None,
    );
    r
}

/// Every (pathway, tier) with requirements, from all presets.
fn targets() -> Vec<(Pathway, balint_core::TierId)> {
    let mut out = Vec::new();
    for p in presets::all() {
        let pathway = p.pathway();
        for t in pathway.tiers() {
            if !t.requirements.is_empty() {
                out.push((pathway.clone(), t.id.clone()));
            }
        }
    }
    out
}

fn assess<'l>(
    pathway: &Pathway,
    tier: &balint_core::TierId,
    ledger: &'l [Activity],
) -> Assessment<'l> {
    let c = candidate();
    let r = register();
    Inputs::new(pathway, &c, ledger, as_of())
        .with_register(&r)
        .evaluate(tier)
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn adding_an_attested_record_never_lowers_progress(records in ledger(60), extra in record()) {
        let mut extra = extra;
        extra.id = "extra".parse().unwrap();
        extra.attestation = Attestation::Confirmed { by: "att".parse().unwrap(), on: base() };
        let mut more = records.clone();
        more.push(extra);
        for (pathway, tier) in targets() {
            let before = assess(&pathway, &tier, &records);
            let after = assess(&pathway, &tier, &more);
            for (b, a) in before.requirements().into_iter().zip(after.requirements()) {
                prop_assert_eq!(&b.id, &a.id);
                prop_assert!(a.achieved >= b.achieved, "{} {}: {:?} -> {:?}", tier, b.id, b.achieved, a.achieved);
                prop_assert!(a.met || !b.met, "{} {} was met, is not", tier, b.id);
                if let (Some(rb), Some(ra)) = (&b.rate, &a.rate) {
                    prop_assert!(ra.best_run >= rb.best_run);
                }
            }
            prop_assert!(after.eligible || !before.eligible);
        }
    }

    #[test]
    fn evaluation_is_deterministic_and_independent_of_record_order(
        records in ledger(60),
        seed in any::<u64>(),
    ) {
        let mut shuffled = records.clone();
        // A deterministic shuffle from the seed.
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        for (pathway, tier) in targets() {
            let a = assess(&pathway, &tier, &records);
            prop_assert_eq!(&a, &assess(&pathway, &tier, &records));
            prop_assert_eq!(&a, &assess(&pathway, &tier, &shuffled));
        }
    }

    #[test]
    fn generated_pathways_round_trip(
        minimum in 1u64..200,
        thousandths in 0u64..1000,
        kinds in proptest::sample::subsequence(ActivityKind::ALL.to_vec(), 1..3),
        within in proptest::option::of(1u32..120),
        per in select(vec!["month", "quarter", "half_year", "year"]),
        periods in 1u32..30,
        percent in 1u32..=100,
        count in 1u32..=2,
        level in select(vec!["mandatory", "desirable"]),
        entry in select(vec!["application", "invitation"]),
        min_months in proptest::option::of(1u32..60),
    ) {
        // Workshops and leading both fit hours.
        let unit = "hours";
        let kinds: Vec<&str> = kinds.iter().filter(|k| k.fits(Unit::Hours)).map(|k| k.as_str()).collect();
        prop_assume!(!kinds.is_empty());
        let minimum = minimum as f64 + thousandths as f64 / 1000.0;
        let doc = json!({
            "id": "gen", "society": "s", "title": "Generated", "version": "v", "effective_from": "2024-02-29",
            "backgrounds": ["a", "b"],
            "tiers": [
                {"id": "t0", "name": "T0"},
                {"id": "t1", "name": "T1", "entry": entry,
                 "prerequisites": [{"tier": "t0", "min_months": min_months}],
                 "requirements": [
                    {"id": "leaf", "title": "Leaf", "level": level, "kinds": kinds, "unit": unit, "minimum": minimum,
                     "window": {"within_months": within, "after": {"tier_reached": "t0"}},
                     "rate": {"at_least": 1, "per": per, "periods": periods},
                     "conditions": [{"not": {"delivery": "online"}}, {"co_leader_held": ["t0", "t1"]}],
                     "caps": [{"max_percent": percent, "when": {"event_type": ["congress"]}}]},
                    {"id": "combo", "title": "Combo", "type": "at_least", "count": count, "requirements": [
                        {"id": "c1", "title": "C1", "kind": "report", "unit": "events", "minimum": 1},
                        {"id": "c2", "title": "C2", "type": "by_background",
                         "branches": [{"backgrounds": ["a"], "requirement": {"id": "c2a", "title": "A", "kind": "leading", "unit": "cases", "minimum": 3}}],
                         "otherwise": {"id": "c2o", "title": "O", "kind": "co_leading", "unit": "distinct_co_leaders", "minimum": 2}}
                    ]}
                 ],
                 "renewal": {"cycle_months": 12, "grace_months": 0, "requirements": [
                    {"id": "r1", "title": "R1", "kind": "prerequisite", "unit": "events", "minimum": 1}
                 ]}}
            ]
        });
        let pathway = Pathway::from_json_value(doc).unwrap();
        let json = serde_json::to_string(&pathway).unwrap();
        prop_assert_eq!(&Pathway::from_json_str(&json).unwrap(), &pathway);
        let value = serde_json::to_value(&pathway).unwrap();
        let toml_text = toml::to_string(&value).unwrap();
        prop_assert_eq!(&Pathway::from_toml_str(&toml_text).unwrap(), &pathway);
    }
}

#[test]
fn the_assessment_json_is_stable() {
    let (pathway, tier) = targets().into_iter().next().unwrap();
    let a = assess(&pathway, &tier, &[]);
    let once = serde_json::to_string(&a).unwrap();
    let back: Assessment<'_> = serde_json::from_str(&once).unwrap();
    assert_eq!(serde_json::to_string(&back).unwrap(), once);
}
