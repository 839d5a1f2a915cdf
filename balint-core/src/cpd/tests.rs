#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::NaiveDate;

use super::*;
use crate::ledger::{Activity, ActivityKind, Amount, Attestation, Delivery, Unit};

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn aek() -> CpdScheme {
    presets::get("aek-psychosomatic-basic-care")
        .unwrap()
        .scheme()
}

/// A confirmed participation record of `minutes` on `day`.
fn session(n: usize, day: &str, minutes: u64, delivery: Delivery) -> Activity {
    let mut a = Activity::new(
        format!("s-{n}").parse().unwrap(),
        "p-1".parse().unwrap(),
        ActivityKind::Participation,
        date(day),
        Amount::from_whole(minutes),
        Unit::Minutes,
    );
    a.delivery = delivery;
    a.attestation = Attestation::Confirmed {
        by: "p-9".parse().unwrap(),
        on: date(day),
    };
    a
}

/// 30 hours of 45 minutes: 15 double sessions, ten in person and five
/// online, from 2025-01-15, the last on `last`.
fn fifteen_double_sessions(last: &str) -> Vec<Activity> {
    let mut ledger: Vec<Activity> = (0..14)
        .map(|n| {
            let delivery = if n < 10 {
                Delivery::InPerson
            } else {
                Delivery::Online
            };
            session(n, &format!("2025-0{}-15", 1 + n / 3), 90, delivery)
        })
        .collect();
    ledger.push(session(14, last, 90, Delivery::Online));
    ledger
}

fn whole_year(scheme: &CpdScheme, ledger: &[Activity]) -> CpdAssessment {
    scheme.evaluate(ledger, date("2025-01-01"), date("2025-12-31"))
}

#[test]
fn the_preset_parses_and_reads_back() {
    for preset in presets::all() {
        let scheme = preset.try_scheme().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(scheme.id().as_str(), preset.id);
        let json = serde_json::to_value(&scheme).unwrap();
        assert_eq!(CpdScheme::from_json_value(&json).unwrap(), scheme);
    }
    let aek = aek();
    assert_eq!(aek.unit(), CountedIn::Hours { hour_minutes: 45 });
    assert_eq!(aek.minimum(), Amount::from_whole(30));
    assert_eq!(aek.min_in_person(), Some(Amount::from_whole(15)));
    assert_eq!(aek.min_span_months(), Some(6));
}

#[test]
fn six_months_are_complete_on_the_same_day_six_months_later() {
    // First counted session 2025-01-15: complete on 2025-07-15.
    let met = whole_year(&aek(), &fifteen_double_sessions("2025-07-15"));
    assert!(met.met, "{:?}", met.missing);
    let span = met.span.unwrap();
    assert_eq!(span.complete_on, Some(date("2025-07-15")));
    assert!(span.met);

    let day_before = whole_year(&aek(), &fifteen_double_sessions("2025-07-14"));
    assert!(!day_before.met);
    assert_eq!(day_before.achieved, Amount::from_whole(30));
    assert_eq!(
        day_before.missing,
        ["The counted hours must span at least 6 months: from 2025-01-15, a counted record on or after 2025-07-15 is needed."]
    );
}

#[test]
fn six_months_from_the_end_of_a_month_end_on_the_last_day_of_february() {
    let scheme = aek();
    let mut ledger = fifteen_double_sessions("2026-02-28");
    ledger[0].date = date("2025-08-31");
    for a in ledger.iter_mut().skip(1).take(13) {
        a.date = date("2025-10-01");
    }
    let result = scheme.evaluate(&ledger, date("2025-08-01"), date("2026-03-31"));
    assert_eq!(result.span.unwrap().complete_on, Some(date("2026-02-28")));
    assert!(result.met, "{:?}", result.missing);
}

#[test]
fn exactly_fifteen_hours_in_person_is_enough_and_a_minute_less_is_not() {
    let scheme = aek();
    // 15 hours of 45 minutes = 675 minutes in person; 1,350 in all.
    let mut ledger = vec![
        session(1, "2025-01-10", 675, Delivery::InPerson),
        session(2, "2025-08-10", 675, Delivery::Online),
    ];
    let exactly = whole_year(&scheme, &ledger);
    assert!(exactly.met, "{:?}", exactly.missing);
    assert_eq!(exactly.in_person, Amount::from_whole(15));
    assert_eq!(exactly.online, Amount::from_whole(15));

    ledger[0].amount = Amount::from_whole(674);
    ledger[1].amount = Amount::from_whole(676);
    let under = whole_year(&scheme, &ledger);
    assert!(!under.met);
    // 674 / 45 = 14.977... hours, shown rounded down.
    assert_eq!(under.in_person, Amount::from_thousandths(14_977));
    assert_eq!(
        under.missing,
        ["0.023 more hours in person needed (14.977 of 15)."]
    );
}

#[test]
fn thirty_hours_exactly_and_just_under() {
    let scheme = aek();
    let exactly = whole_year(&scheme, &fifteen_double_sessions("2025-09-01"));
    assert!(exactly.met);
    let mut short = fifteen_double_sessions("2025-09-01");
    short[14].amount = Amount::from_whole(89);
    let result = whole_year(&scheme, &short);
    assert!(!result.met);
    assert_eq!(result.missing.len(), 1);
    assert!(
        result.missing[0].starts_with("0.023 more hours needed"),
        "{:?}",
        result.missing
    );
}

#[test]
fn explains_what_did_not_count_and_leaves_the_period_alone() {
    let scheme = aek();
    let mut ledger = fifteen_double_sessions("2025-09-01");
    let mut pending = session(20, "2025-03-01", 90, Delivery::InPerson);
    pending.attestation = Attestation::Pending;
    let mut rejected = session(21, "2025-03-02", 90, Delivery::InPerson);
    rejected.attestation = Attestation::Rejected {
        by: "p-9".parse().unwrap(),
        on: date("2025-03-03"),
        reason: "not there".to_owned(),
    };
    let mut led = session(22, "2025-03-03", 90, Delivery::InPerson);
    led.kind = ActivityKind::Leading;
    let mut no_length = session(23, "2025-03-04", 1, Delivery::InPerson);
    no_length.unit = Unit::Sessions;
    let before = session(24, "2024-12-31", 90, Delivery::InPerson);
    ledger.extend([pending, rejected, led, no_length, before]);
    let result = whole_year(&scheme, &ledger);
    assert_eq!(result.counted.len(), 15);
    let reasons: Vec<(String, String)> = result
        .not_counted
        .iter()
        .map(|n| (n.activity.to_string(), n.reason.to_string()))
        .collect();
    assert_eq!(
        reasons,
        [
            ("s-20".to_owned(), "not yet attested".to_owned()),
            ("s-21".to_owned(), "rejected by its attestor".to_owned()),
            (
                "s-22".to_owned(),
                "leading records do not count towards this scheme".to_owned()
            ),
            (
                "s-23".to_owned(),
                "no length recorded, so it cannot count as hours".to_owned()
            ),
        ]
    );
}

#[test]
fn a_session_with_its_duration_counts_as_hours() {
    let scheme = aek();
    let mut a = session(1, "2025-02-01", 1, Delivery::InPerson);
    a.unit = Unit::Sessions;
    a.duration_minutes = Some(90);
    let result = whole_year(&scheme, &[a]);
    assert_eq!(result.achieved, Amount::from_whole(2));
}

#[test]
fn a_scheme_in_sessions_counts_sessions() {
    let scheme = CpdScheme::from_json_str(
        r#"{"id": "s", "title": "T", "body": "B", "kind": "participation", "unit": "sessions", "minimum": 2}"#,
    )
    .unwrap();
    let mut a = session(1, "2025-02-01", 1, Delivery::Online);
    a.unit = Unit::Sessions;
    let b = session(2, "2025-02-02", 90, Delivery::Online);
    let result = whole_year(&scheme, &[a]);
    assert_eq!(result.missing, ["1 more sessions needed (1 of 2)."]);
    let result = whole_year(&scheme, &[b]);
    assert_eq!(
        result.not_counted[0].reason,
        NotCountedReason::NotInSessions
    );
}

#[test]
fn every_problem_is_listed_with_its_path() {
    let errors = CpdScheme::from_toml_str(
        r#"
id = "bad id"
title = ""
kinds = ["participation", "particpation"]
unit = "sessions"
hour_minutes = 45
minimum = -3
min_span_months = 0
colour = "red"
"#,
    )
    .unwrap_err();
    let got: Vec<String> = errors.problems().iter().map(ToString::to_string).collect();
    assert_eq!(
        got,
        [
            "id: not a valid id: may contain only ASCII letters, digits, '-', '_' and '.' (found ' ')",
            "title: must not be empty",
            "body: is required",
            "kinds[1]: unknown activity kind \"particpation\" (expected one of: participation, leading, co_leading, supervision, workshop, report, evaluation, prerequisite)",
            "hour_minutes: only a scheme counted in hours has an hour length",
            "minimum: must be positive",
            "min_span_months: must be positive",
            "colour: unknown field (expected one of: format, id, title, body, description, note, kinds, kind, unit, hour_minutes, minimum, min_in_person, min_span_months)",
        ]
    );
}

#[test]
fn in_person_may_not_exceed_the_minimum() {
    let errors = CpdScheme::from_json_str(
        r#"{"id": "s", "title": "T", "body": "B", "kind": "participation", "unit": "hours", "minimum": 10, "min_in_person": 12}"#,
    )
    .unwrap_err();
    assert_eq!(
        errors.to_string(),
        "the CPD scheme has 1 problem\n- min_in_person: must not be more than the minimum (10)"
    );
}
