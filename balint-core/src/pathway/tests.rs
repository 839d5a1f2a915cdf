#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;

use super::*;

fn small() -> serde_json::Value {
    json!({
        "id": "demo",
        "society": "demo-society",
        "title": "Demo pathway",
        "version": "2024",
        "effective_from": "2024-01-01",
        "backgrounds": ["psychodynamic_training"],
        "tiers": [
            {"id": "trainee", "name": "Trainee"},
            {
                "id": "leader",
                "name": "Leader",
                "prerequisites": [{"tier": "trainee"}],
                "requirements": [
                    {
                        "id": "leading",
                        "title": "Lead or co-lead",
                        "kinds": ["leading", "co_leading"],
                        "unit": "sessions",
                        "minimum": 20,
                        "window": {"within_months": 36, "after": "pathway_entry"},
                        "rate": {"at_least": 1, "per": "month", "periods": 12},
                        "conditions": [{"co_leader_held": "leader"}],
                        "caps": [{"max_percent": 50, "when": {"delivery": "online"}}]
                    },
                    {
                        "id": "membership",
                        "title": "Group membership",
                        "type": "by_background",
                        "branches": [{
                            "backgrounds": "psychodynamic_training",
                            "requirement": {"id": "membership-8", "title": "8 sessions",
                                            "kind": "participation", "unit": "sessions", "minimum": 8}
                        }],
                        "otherwise": {"id": "membership-20", "title": "20 sessions",
                                      "kind": "participation", "unit": "sessions", "minimum": 20}
                    },
                    {
                        "id": "intensives",
                        "title": "Intensives",
                        "level": "desirable",
                        "type": "at_least",
                        "count": 1,
                        "requirements": [
                            {"id": "two-home", "title": "2 home intensives", "kind": "workshop",
                             "unit": "events", "minimum": 2,
                             "conditions": [{"event_type": "intensive"}, {"provider": "demo-society"}]},
                            {"id": "one-abroad", "title": "1 approved abroad", "kind": "workshop",
                             "unit": "events", "minimum": 1,
                             "conditions": [{"provider_approved": true}, {"not": {"provider": "demo-society"}}]}
                        ]
                    }
                ],
                "renewal": {"cycle_months": 36, "grace_months": 6, "requirements": [
                    {"id": "renewal-leading", "title": "Keep leading", "kind": "leading", "unit": "hours", "minimum": 10}
                ]}
            }
        ]
    })
}

fn problems_of(value: serde_json::Value) -> Vec<String> {
    Pathway::from_json_value(value)
        .expect_err("the document should be refused")
        .problems()
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn reads_a_complete_document() {
    let p = Pathway::from_json_value(small()).unwrap();
    assert_eq!(p.id().as_str(), "demo");
    assert_eq!(p.effective_from(), "2024-01-01".parse().unwrap());
    let leader = p.tier(&"leader".parse().unwrap()).unwrap();
    assert_eq!(leader.entry, Entry::Application);
    assert_eq!(leader.requirements.len(), 3);
    assert_eq!(leader.requirements[2].rule, {
        let Rule::AtLeast { count, .. } = &leader.requirements[2].rule else {
            panic!("expected at_least")
        };
        assert_eq!(*count, 1);
        leader.requirements[2].rule.clone()
    });
    // Nested requirements take the parent's level.
    let nested = leader.requirements[2].walk();
    assert!(nested.iter().all(|r| r.level == Level::Desirable));
    let Rule::Activity(leading) = &leader.requirements[0].rule else {
        panic!("expected an activity rule")
    };
    assert_eq!(
        leading.kinds,
        vec![ActivityKind::Leading, ActivityKind::CoLeading]
    );
    assert_eq!(leading.minimum, Amount::from_whole(20));
    assert_eq!(leading.window.after, Some(Milestone::PathwayEntry));
    assert_eq!(leader.renewal.as_ref().unwrap().grace_months, 6);
}

#[test]
fn serializes_back_to_a_document_that_reads_the_same() {
    let p = Pathway::from_json_value(small()).unwrap();
    let json = serde_json::to_string(&p).unwrap();
    assert_eq!(Pathway::from_json_str(&json).unwrap(), p);
    let via_serde: Pathway = serde_json::from_str(&json).unwrap();
    assert_eq!(via_serde, p);
}

#[test]
fn toml_reads_the_same_as_json() {
    let toml_text = r#"
id = "demo"
society = "demo-society"
title = "Demo pathway"
version = "2024"
effective_from = 2024-01-01

[[tiers]]
id = "trainee"
name = "Trainee"

[[tiers]]
id = "leader"
name = "Leader"
entry = "invitation"
prerequisites = [{ tier = "trainee", min_months = 24 }]

[[tiers.requirements]]
id = "supervision"
title = "Supervision"
kind = "supervision"
unit = "hours"
minimum = 7.5
"#;
    let p = Pathway::from_toml_str(toml_text).unwrap();
    let leader = &p.tiers()[1];
    assert_eq!(leader.entry, Entry::Invitation);
    assert_eq!(leader.prerequisites[0].min_months, Some(24));
    let Rule::Activity(rule) = &leader.requirements[0].rule else {
        panic!("expected an activity rule")
    };
    assert_eq!(rule.minimum, Amount::from_thousandths(7500));
}

#[test]
fn reports_every_problem_with_its_path() {
    let mut doc = small();
    doc["version"] = json!(2024);
    doc["effective_from"] = json!("2024-13-01");
    let leading = &mut doc["tiers"][1]["requirements"][0];
    leading["minimum"] = json!(-3);
    leading["kinds"] = json!(["leading", "lecturing"]);
    leading["rate"]["per"] = json!("fortnight");
    leading["conditions"][0] = json!({"co_leader_held": "grand-master"});
    leading["caps"][0]["max_percent"] = json!(150);
    leading["colour"] = json!("blue");
    doc["tiers"][1]["requirements"][1]["type"] = json!("one_of_these");
    doc["tiers"][1]["requirements"][2]["requirements"][1]["id"] = json!("two-home");
    doc["tiers"][1]["renewal"]["cycle_months"] = json!("three years");

    assert_eq!(
        problems_of(doc),
        vec![
            "version: expected a string, found a number",
            "effective_from: \"2024-13-01\" is not a date (YYYY-MM-DD)",
            "tiers[1].requirements[0].kinds[1]: unknown activity kind \"lecturing\" (expected one of: participation, leading, co_leading, supervision, workshop, report, evaluation, prerequisite)",
            "tiers[1].requirements[0].minimum: must be positive",
            "tiers[1].requirements[0].rate.per: unknown period \"fortnight\" (expected one of: month, quarter, half_year, year)",
            "tiers[1].requirements[0].caps[0].max_percent: must be at most 100",
            "tiers[1].requirements[0].colour: unknown field (expected one of: id, title, level, note, discretion, type, kinds, kind, unit, minimum, window, rate, conditions, caps)",
            "tiers[1].requirements[1].type: unknown requirement type \"one_of_these\" (expected one of: activity, all_of, any_of, at_least, by_background)",
            "tiers[1].requirements[2].requirements[1].id: duplicate requirement id \"two-home\" in this tier (also tiers[1].requirements[2].requirements[0])",
            "tiers[1].renewal.cycle_months: expected a whole number, found a string",
            "tiers[1].requirements[0].conditions[0].co_leader_held: unknown tier \"grand-master\"",
        ]
    );
}

#[test]
fn reports_prerequisite_cycles_and_unreachable_tiers() {
    let doc = json!({
        "id": "cyclic", "society": "s", "title": "t", "version": "1", "effective_from": "2020-01-01",
        "tiers": [
            {"id": "trainee", "name": "Trainee"},
            {"id": "a", "name": "A", "prerequisites": ["b"]},
            {"id": "b", "name": "B", "prerequisites": [{"tier": "a", "min_months": 12}]},
            {"id": "c", "name": "C", "prerequisites": ["b"]},
            {"id": "d", "name": "D", "prerequisites": ["nowhere"]},
            {"id": "trainee", "name": "Again"}
        ]
    });
    assert_eq!(
        problems_of(doc),
        vec![
            "tiers[5].id: duplicate tier id \"trainee\" (also tiers[0])",
            "tiers[4].prerequisites[0]: unknown tier \"nowhere\"",
            "tiers[1].prerequisites: prerequisite cycle: a -> b -> a",
            "tiers[3]: tier \"c\" is unreachable: it needs b, which can never be reached",
        ]
    );
}

#[test]
fn a_tier_reached_on_entering_the_pathway_has_no_prerequisites() {
    let doc = json!({
        "id": "p", "society": "s", "title": "t", "version": "1", "effective_from": "2020-01-01",
        "tiers": [
            {"id": "member", "name": "Member"},
            {"id": "trainee", "name": "Trainee", "entry": "enrolment", "prerequisites": ["member"]},
            {"id": "guest", "name": "Guest", "entry": "walk-in"}
        ]
    });
    assert_eq!(
        problems_of(doc),
        vec![
            "tiers[1].prerequisites: a tier reached on entering the pathway (entry \"enrolment\") cannot have prerequisite tiers",
            "tiers[2].entry: unknown entry \"walk-in\" (expected one of: application, invitation, enrolment)",
        ]
    );
}

#[test]
fn wrong_shapes_are_problems_not_panics() {
    for (doc, expected) in [
        (json!([]), "expected an object, found a list"),
        (json!({"id": "x"}), "society: is required"),
        (
            json!({"id": "x", "society": "s", "title": "t", "version": "1",
                   "effective_from": "2020-01-01", "tiers": []}),
            "tiers: must list at least one tier",
        ),
        (
            json!({"id": "x", "society": "s", "title": "t", "version": "1",
                   "effective_from": "2020-01-01", "tiers": [{"id": "t", "name": "T",
                   "requirements": [{"id": "r", "title": "R", "kind": "supervision", "unit": "cases", "minimum": 1}]}]}),
            "tiers[0].requirements[0].unit: supervision records are never counted in cases",
        ),
        (
            json!({"id": "x", "society": "s", "title": "t", "version": "1",
                   "effective_from": "2020-01-01", "tiers": [{"id": "t", "name": "T",
                   "requirements": [{"id": "r", "title": "R", "type": "by_background",
                     "branches": [{"backgrounds": "gp", "requirement":
                        {"id": "r2", "title": "R2", "kind": "leading", "unit": "cases", "minimum": 1}}]}]}]}),
            "tiers[0].requirements[0].branches[0].backgrounds: background \"gp\" is not declared: list the pathway's `backgrounds`",
        ),
    ] {
        let problems = problems_of(doc);
        assert!(
            problems.iter().any(|p| p == expected),
            "expected {expected:?} among {problems:?}"
        );
    }
    let bad_json = Pathway::from_json_str("{ not json").unwrap_err();
    assert!(bad_json.problems()[0].message.starts_with("not valid JSON"));
    let bad_toml = Pathway::from_toml_str("id = ").unwrap_err();
    assert!(bad_toml.problems()[0].message.starts_with("not valid TOML"));
}

#[test]
fn the_error_lists_all_problems_in_its_message() {
    let err = Pathway::from_json_value(json!({"id": "x"})).unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("the pathway document has 5 problems"),
        "{text}"
    );
    assert!(text.contains("\n- tiers: is required"), "{text}");
}

#[test]
fn the_version_in_force_when_the_trainee_entered_applies() {
    let mut old = small();
    old["version"] = json!("2016");
    old["effective_from"] = json!("2016-01-01");
    let mut new = small();
    new["version"] = json!("2023");
    new["effective_from"] = json!("2023-06-01");
    let versions = vec![
        Pathway::from_json_value(new).unwrap(),
        Pathway::from_json_value(old).unwrap(),
    ];
    let on = |d: &str| {
        applicable_version(&versions, d.parse().unwrap())
            .unwrap()
            .version()
            .to_owned()
    };
    assert_eq!(on("2020-05-01"), "2016");
    assert_eq!(on("2023-05-31"), "2016");
    assert_eq!(on("2023-06-01"), "2023");
    assert_eq!(on("2010-01-01"), "2016", "before any version: the earliest");
    assert!(applicable_version(&[], "2020-01-01".parse().unwrap()).is_none());
}

#[test]
fn renewal_cycle_and_lapse_dates() {
    let p = Pathway::from_json_value(small()).unwrap();
    let renewal = p.tiers()[1].renewal.as_ref().unwrap();
    let start = "2024-01-31".parse().unwrap();
    assert_eq!(renewal.cycle_end(start), "2027-01-31".parse().unwrap());
    assert_eq!(renewal.lapses_on(start), "2027-07-31".parse().unwrap());
}
