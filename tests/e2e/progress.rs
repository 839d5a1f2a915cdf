//! Progress: a BSANZ trainee's two years of records, attested by a Leader
//! Trainer, evaluated against the pathway that applies to them, with the
//! register consulted as of each session's date.

use serde_json::Value;

use super::ledger_setup::*;
use super::*;

/// The last day of the trainee's second training year (they entered the
/// pathway on 1 January 2024): the day a committee judges "10 a year".
const AS_OF: &str = "2025-12-31";

/// A BSANZ trainee's two training years: 20 co-led meetings (2 cases
/// each), 10 supervision sessions in each year (February to November), 2
/// BSANZ intensives, a progress report in each half year, a training record
/// for each year and, last, the final suitability report. The co-leader of
/// the meetings numbered in `with_cole` is Cole instead of the trainer.
fn two_years(trainer: &str, cole: &str, with_cole: &[usize]) -> Vec<Value> {
    let mut rows = Vec::new();
    for i in 0..20 {
        let (year, month) = (2024 + (i + 1) / 12, (i + 1) % 12 + 1);
        let co_leader = if with_cole.contains(&i) {
            cole
        } else {
            trainer
        };
        rows.push(
            json!({ "kind": "co_leading", "date": format!("{year}-{month:02}-15"), "amount": 1,
            "unit": "meetings", "cases": 2, "co_leader": co_leader, "attestor": trainer,
            "group": "Hospital registrars" }),
        );
    }
    for year in [2024, 2025] {
        for month in 2..=11 {
            rows.push(json!({ "kind": "supervision", "date": format!("{year}-{month:02}-20"), "amount": 1,
                "unit": "sessions", "supervisor": trainer, "attestor": trainer, "supervision_format": "group" }));
        }
        rows.push(json!({ "kind": "workshop", "date": format!("{year}-05-10"), "amount": 1, "unit": "events",
            "event_type": "intensive", "provider": "bsanz", "attestor": trainer }));
    }
    for date in ["2024-06-30", "2024-12-31", "2025-06-30", "2025-12-01"] {
        rows.push(
            json!({ "kind": "report", "date": date, "amount": 1, "unit": "events",
            "report_type": "progress", "supervisor": trainer, "attestor": trainer }),
        );
    }
    for date in ["2024-12-10", "2025-12-10"] {
        rows.push(
            json!({ "kind": "report", "date": date, "amount": 1, "unit": "events",
            "report_type": "training_record", "attestor": trainer }),
        );
    }
    rows.push(
        json!({ "kind": "report", "date": "2025-12-15", "amount": 1, "unit": "events",
        "report_type": "final_suitability", "supervisor": trainer, "attestor": trainer }),
    );
    rows
}

struct Scene {
    cast: Cast,
    trainer: Login,
    cole: String,
    ids: Vec<String>,
}

/// The society on the BSANZ pathway, a Leader Trainer and an accredited
/// leader (Cole, from 2024-07-01) on the register, and the member's two
/// years recorded in one logbook.
async fn scene(app: &TestApp, with_cole: &[usize]) -> Scene {
    let cast = Cast::assemble(app).await;
    adopt_bsanz(app, &cast.registrar).await;
    let (trainer_person, trainer) =
        person_with_login(app, &cast.registrar, "bsanz", "Trainer").await;
    let cole = app.create_person(&cast.registrar, "bsanz", "Cole").await;
    grant(
        app,
        "bsanz",
        &trainer_person,
        "accredited-leader",
        "2012-03-01",
    )
    .await;
    grant(
        app,
        "bsanz",
        &trainer_person,
        "accredited-leader-trainer",
        "2016-03-01",
    )
    .await;
    grant(app, "bsanz", &cole, "accredited-leader", "2024-07-01").await;
    grant(
        app,
        "bsanz",
        &cast.member_person,
        "pathway-trainee",
        "2024-01-01",
    )
    .await;
    let (status, body) = app
        .send(
            app.builder(
                reqwest::Method::PATCH,
                &format!("/api/v1/societies/bsanz/people/{}", cast.member_person),
                Some(&cast.registrar.token),
            )
            .json(&json!({ "entered_pathway_on": "2024-01-01" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = app
        .post_json(
            &format!("{}/bulk", ledger_path("bsanz", &cast.member_person)),
            Some(&cast.member.token),
            &json!(two_years(&trainer_person, &cole, with_cole)),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let ids = body["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_str().unwrap().to_owned())
        .collect();
    Scene {
        cast,
        trainer,
        cole,
        ids,
    }
}

async fn progress(app: &TestApp, token: &str, person: &str, query: &str) -> (StatusCode, Value) {
    app.get(
        &format!("/api/v1/societies/bsanz/people/{person}/progress?{query}"),
        Some(token),
    )
    .await
}

fn requirement<'a>(assessment: &'a Value, id: &str) -> &'a Value {
    ["mandatory", "desirable"]
        .iter()
        .flat_map(|level| assessment[level].as_array().unwrap())
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no requirement {id} in {assessment}"))
}

e2e_test!(
    async fn eligible_exactly_when_the_last_record_is_confirmed(app: TestApp) {
        let s = scene(&app, &[]).await;
        let member = s.cast.member.token.as_str();
        let person = s.cast.member_person.as_str();
        let query = format!("tier=accredited-leader&as_of={AS_OF}");

        // Nothing attested yet: everything is "would count once attested".
        let (status, body) = progress(&app, member, person, &query).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["pathway_version_number"], 1);
        let assessment = &body["assessment"];
        assert_eq!(assessment["eligible"], false);
        assert_eq!(assessment["prerequisites"][0]["met"], true);
        let meetings = requirement(assessment, "meetings");
        assert_eq!(meetings["achieved"], 0);
        assert_eq!(meetings["pending"].as_array().unwrap().len(), 20);

        // The Leader Trainer confirms all but the final suitability report.
        let (last, rest) = s.ids.split_last().unwrap();
        for id in rest {
            let (status, body) = decide(&app, Some(&s.trainer.token), "bsanz", id, "confirm").await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        let (_, body) = progress(&app, member, person, &query).await;
        let assessment = &body["assessment"];
        assert_eq!(assessment["eligible"], false);
        for met in [
            "case-discussions",
            "meetings",
            "supervision",
            "intensives",
            "progress-reports",
            "annual-training-record",
        ] {
            assert_eq!(
                requirement(assessment, met)["met"],
                true,
                "{met}: {assessment}"
            );
        }
        let cases = requirement(assessment, "case-discussions");
        assert_eq!(
            (cases["required"].clone(), cases["achieved"].clone()),
            (json!(30), json!(40))
        );
        let report = requirement(assessment, "final-suitability-report");
        assert_eq!(report["met"], false);
        assert_eq!(report["missing"], 1);
        assert_eq!(
            report["pending"][0]["activity"],
            last.as_str(),
            "would count once attested"
        );
        assert!(!report["shortfalls"].as_array().unwrap().is_empty());
        // Desirable requirements are reported apart and do not decide.
        assert_eq!(
            requirement(assessment, "ongoing-group-member")["level"],
            "desirable"
        );

        let (status, _) = decide(&app, Some(&s.trainer.token), "bsanz", last, "confirm").await;
        assert_eq!(status, StatusCode::OK);
        let (_, body) = progress(&app, member, person, &query).await;
        assert_eq!(body["assessment"]["eligible"], true, "{body}");
        // Ten a year over the two training years, judged on the last day of
        // the second.
        let supervision = requirement(&body["assessment"], "supervision");
        assert_eq!(
            supervision["rate"],
            json!({ "at_least": 10, "per": "year", "periods": 2, "anchor": "pathway_entry",
                    "best_run": 2, "best_run_from": "2024-01-01", "best_run_until": "2025-12-31",
                    "current_run": 2, "met": true })
        );
        // The day before the tenth session of the second year, that year is
        // short, and the trainee is told so.
        let (_, before) = progress(
            &app,
            member,
            person,
            "tier=accredited-leader&as_of=2025-11-19",
        )
        .await;
        let supervision = requirement(&before["assessment"], "supervision");
        assert_eq!(supervision["met"], false);
        assert_eq!(
            supervision["rate"]["short_periods"],
            json!([{ "from": "2025-01-01", "until": "2025-12-31", "achieved": 9, "in_progress": true }])
        );
        assert!(
            supervision["shortfalls"][1].as_str().unwrap().contains(
                "short: training year 2 (1 January 2025 to 31 December 2025) has 9 sessions so far"
            ),
            "{supervision}"
        );
        assert_eq!(
            requirement(&body["assessment"], "final-suitability-report")["counted"][0]["activity"],
            last.as_str()
        );

        // As of a day before the report, it did not count yet.
        let (_, earlier) = progress(
            &app,
            member,
            person,
            "tier=accredited-leader&as_of=2025-12-14",
        )
        .await;
        assert_eq!(earlier["assessment"]["eligible"], false);

        // The registrar sees it; nobody else does.
        let (status, _) = progress(&app, &s.cast.registrar.token, person, &query).await;
        assert_eq!(status, StatusCode::OK);
        for (token, expected) in [
            (s.trainer.token.as_str(), StatusCode::FORBIDDEN),
            // Another society's registrar is not told the person exists.
            (s.cast.other_registrar.token.as_str(), StatusCode::NOT_FOUND),
        ] {
            let (status, _) = progress(&app, token, person, &query).await;
            assert_eq!(status, expected);
        }
        let (status, body) = progress(&app, member, person, &format!("as_of={AS_OF}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(
            body["errors"],
            json!([{ "field": "tier", "message": "is required" }])
        );
        let (status, body) = progress(&app, member, person, "tier=grand-master").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["errors"][0]["field"], "tier");
    }
);

e2e_test!(
    async fn a_co_leader_not_yet_accredited_that_day_does_not_count(app: TestApp) {
        // Meeting 1 is in March 2024, before Cole's accreditation; meeting 8
        // is in October 2024, after it.
        let s = scene(&app, &[1, 8]).await;
        for id in &s.ids {
            decide(&app, Some(&s.trainer.token), "bsanz", id, "confirm").await;
        }
        let (status, body) = progress(
            &app,
            &s.cast.member.token,
            &s.cast.member_person,
            &format!("tier=accredited-leader&as_of={AS_OF}"),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let assessment = &body["assessment"];
        // Co-led meetings count as led, whoever co-led.
        assert_eq!(assessment["eligible"], true);
        assert_eq!(requirement(assessment, "meetings")["achieved"], 20);
        let with_leader = requirement(assessment, "co-leading-with-accredited-leader");
        assert_eq!(with_leader["achieved"], 19);
        assert_eq!(with_leader["met"], false);
        let march = &s.ids[1];
        let not_counted = with_leader["not_counted"].as_array().unwrap();
        assert_eq!(not_counted.len(), 1, "{with_leader}");
        assert_eq!(not_counted[0]["activity"], march.as_str());
        assert_eq!(not_counted[0]["date"], "2024-03-15");
        assert_eq!(
            not_counted[0]["reason"],
            json!({ "code": "co_leader_did_not_hold_tier", "co_leader": s.cole,
                    "tiers": ["accredited-leader", "accredited-leader-trainer"] })
        );
        assert!(with_leader["counted"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["activity"] == s.ids[8].as_str()));
    }
);
