//! Training programmes: the registrar follows a cohort's attendance from
//! the ledger, sessions against those required (29 is not 30) and the
//! Case-Based Discussion Group Assessment due every six months, as JSON, a
//! page and CSV.

use super::ledger_setup::*;
use super::web::{open, sign_in};
use super::*;

const PROGRAMME: &str = "/api/v1/societies/bsanz/programmes";

/// `sessions` group sessions on `date`, confirmed by `facilitator`.
async fn attended(
    app: &TestApp,
    trainee: &Login,
    person: &str,
    facilitator: &(String, Login),
    date: &str,
    sessions: u32,
    confirm: bool,
) {
    let created = record(
        app,
        &trainee.token,
        "bsanz",
        person,
        json!({ "kind": "participation", "date": date, "amount": sessions, "unit": "sessions",
                "duration_minutes": 60 * sessions, "attestor": facilitator.0 }),
    )
    .await;
    if confirm {
        let (status, body) = decide(
            app,
            Some(&facilitator.1.token),
            "bsanz",
            created["id"].as_str().unwrap(),
            "confirm",
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
}

/// A core psychiatry programme (30 sessions, an assessment every six
/// months) with two trainees who joined on 2025-01-06: Ann, with 30
/// sessions and an assessment on 2025-07-01; Bob, with 29 and one more
/// waiting, and no assessment.
async fn cohort(app: &TestApp, cast: &Cast) -> (String, String) {
    let registrar = Some(cast.registrar.token.as_str());
    let (status, created) = app
        .post_json(
            PROGRAMME,
            registrar,
            &json!({ "id": "core-psych", "name": "Core psychiatry training, 2025 intake",
                     "sessions_required": 30, "assessment_months": 6 }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["id"], "core-psych");
    let facilitator = person_with_login(app, &cast.registrar, "bsanz", "Facilitator").await;
    let (ann, ann_login) = person_with_login(app, &cast.registrar, "bsanz", "Ann").await;
    let (bob, bob_login) = person_with_login(app, &cast.registrar, "bsanz", "Bob").await;
    attended(app, &ann_login, &ann, &facilitator, "2025-02-01", 20, true).await;
    attended(app, &ann_login, &ann, &facilitator, "2025-06-01", 10, true).await;
    // Before joining: not counted.
    attended(app, &ann_login, &ann, &facilitator, "2025-01-05", 3, true).await;
    attended(app, &bob_login, &bob, &facilitator, "2025-02-01", 20, true).await;
    attended(app, &bob_login, &bob, &facilitator, "2025-06-01", 9, true).await;
    attended(app, &bob_login, &bob, &facilitator, "2025-06-08", 1, false).await;
    let assessment = record(
        app,
        &ann_login.token,
        "bsanz",
        &ann,
        json!({ "kind": "evaluation", "date": "2025-07-01", "amount": 1, "unit": "events",
                "report_type": "case_discussion_assessment", "attestor": facilitator.0 }),
    )
    .await;
    let (status, body) = decide(
        app,
        Some(&facilitator.1.token),
        "bsanz",
        assessment["id"].as_str().unwrap(),
        "confirm",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for person in [&ann, &bob] {
        let (status, body) = app
            .post_json(
                &format!("{PROGRAMME}/core-psych/trainees"),
                registrar,
                &json!({ "person_id": person, "joined_on": "2025-01-06" }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    (ann, bob)
}

e2e_test!(
    async fn thirty_sessions_complete_twenty_nine_do_not_and_assessments_fall_due(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let (ann, bob) = cohort(&app, &cast).await;
        let registrar = Some(cast.registrar.token.as_str());
        let (status, view) = app
            .get(
                &format!("{PROGRAMME}/core-psych/attendance?as_of=2025-07-06"),
                registrar,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{view}");
        assert_eq!(view["programme"]["sessions_required"], 30);
        let trainees = view["trainees"].as_array().unwrap();
        assert_eq!(trainees.len(), 2);
        let (a, b) = (&trainees[0], &trainees[1]);
        assert_eq!(a["person_id"], ann.as_str());
        assert_eq!(a["name"], "Ann");
        assert_eq!(a["sessions"], 30);
        assert_eq!(a["complete"], true);
        assert_eq!(a["assessments"], json!(["2025-07-01"]));
        assert_eq!(a["next_assessment_due"], "2026-01-01");
        assert_eq!(a["overdue"], false);
        assert_eq!(b["person_id"], bob.as_str());
        assert_eq!(b["sessions"], 29);
        assert_eq!(b["pending_sessions"], 1);
        assert_eq!(b["complete"], false);
        assert_eq!(b["assessments"], json!([]));
        // Six months from joining: due on 2025-07-06, overdue the day after.
        assert_eq!(b["next_assessment_due"], "2025-07-06");
        assert_eq!(b["overdue"], false);
        let (_, later) = app
            .get(
                &format!("{PROGRAMME}/core-psych/attendance?as_of=2025-07-07"),
                registrar,
            )
            .await;
        assert_eq!(later["trainees"][1]["overdue"], true);
        // Before the assessment, Ann's was due six months after joining.
        let (_, earlier) = app
            .get(
                &format!("{PROGRAMME}/core-psych/attendance?as_of=2025-06-30"),
                registrar,
            )
            .await;
        assert_eq!(earlier["trainees"][0]["assessments"], json!([]));
        assert_eq!(earlier["trainees"][0]["next_assessment_due"], "2025-07-06");

        // The same as CSV.
        let response = app
            .get_response(
                &format!("{PROGRAMME}/core-psych/attendance/export?as_of=2025-07-07"),
                registrar,
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()["content-type"],
            "text/csv; charset=utf-8"
        );
        let csv = response.text().await.unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines,
            [
                "person_id,name,joined_on,sessions,sessions_required,complete,pending_sessions,assessments,last_assessment,next_assessment_due,overdue,as_of",
                &format!("{ann},Ann,2025-01-06,30,30,true,0,1,2025-07-01,2026-01-01,false,2025-07-07"),
                &format!("{bob},Bob,2025-01-06,29,30,false,1,0,,2025-07-06,true,2025-07-07"),
            ]
        );

        // The registrar's page says the same.
        let session = sign_in(&app, &cast.registrar).await;
        let page = open(
            &app,
            "/societies/bsanz/programmes/core-psych?as_of=2025-07-07",
            Some(&session),
        )
        .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.html);
        for words in [
            "30 of 30 — complete",
            "29 of 30 (1 waiting for their attestor)",
            "1 with the 30 sessions required, 1 with an assessment overdue",
            "— overdue",
        ] {
            assert!(page.html.contains(words), "{words} in {}", page.html);
        }
        let csv_page = open(
            &app,
            "/societies/bsanz/programmes/core-psych/export?as_of=2025-07-07",
            Some(&session),
        )
        .await;
        assert_eq!(csv_page.html, csv);
    }
);

e2e_test!(
    async fn only_the_registrar_keeps_programmes_and_bad_input_is_refused(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let (ann, _) = cohort(&app, &cast).await;
        for (who, token, expected) in [
            ("anonymous", None, StatusCode::UNAUTHORIZED),
            (
                "a member",
                Some(cast.member.token.as_str()),
                StatusCode::FORBIDDEN,
            ),
            (
                "another society's registrar",
                Some(cast.other_registrar.token.as_str()),
                StatusCode::NOT_FOUND,
            ),
        ] {
            let (status, body) = app
                .get(&format!("{PROGRAMME}/core-psych/attendance"), token)
                .await;
            assert_eq!(status, expected, "{who}: {body}");
            let (status, _) = app.get(PROGRAMME, token).await;
            assert_eq!(status, expected, "{who} listing");
        }
        let registrar = Some(cast.registrar.token.as_str());
        let (status, list) = app.get(PROGRAMME, registrar).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(list[0]["name"], "Core psychiatry training, 2025 intake");
        let (status, _) = app
            .get(&format!("{PROGRAMME}/nope/attendance"), registrar)
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, body) = app
            .post_json(
                PROGRAMME,
                registrar,
                &json!({ "id": "Core Psych", "name": " ", "sessions_required": 0, "assessment_months": 61 }),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let fields: Vec<&str> = body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(
            fields,
            ["id", "name", "sessions_required", "assessment_months"]
        );
        let (status, _) = app
            .post_json(
                PROGRAMME,
                registrar,
                &json!({ "id": "core-psych", "name": "Again", "sessions_required": 30, "assessment_months": 6 }),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT);
        let trainees = format!("{PROGRAMME}/core-psych/trainees");
        let (status, _) = app
            .post_json(
                &trainees,
                registrar,
                &json!({ "person_id": ann, "joined_on": "2025-01-06" }),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT);
        let (status, body) = app
            .post_json(
                &trainees,
                registrar,
                &json!({ "person_id": cast.other_member_person, "joined_on": "2025-01-06" }),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let (status, _) = app
            .get(
                &format!("{PROGRAMME}/core-psych/attendance?as_of=2025-02-30"),
                registrar,
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }
);
