//! The ledger: recording, editing and withdrawing while pending, listing,
//! exporting, and bulk entry (all or nothing).

use super::ledger_setup::*;
use super::*;

fn session(attestor: &str, date: &str) -> serde_json::Value {
    json!({
        "kind": "participation", "date": date, "amount": 1, "unit": "double_sessions",
        "attestor": attestor, "group": "Tuesday GP group", "ongoing_group": true,
    })
}

e2e_test!(
    async fn members_record_their_own_activities_and_registrars_anyones(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let (leader, _) = person_with_login(&app, &cast.registrar, "bsanz", "Leader").await;
        let path = ledger_path("bsanz", &cast.member_person);
        for (who, expected) in [
            (Who::Anonymous, StatusCode::UNAUTHORIZED),
            (Who::Member, StatusCode::CREATED),
            (Who::OtherRegistrar, StatusCode::NOT_FOUND),
            (Who::Registrar, StatusCode::CREATED),
            (Who::PlatformAdmin, StatusCode::CREATED),
        ] {
            let (status, body) = app
                .post_json(&path, cast.token(who), &session(&leader, "2025-03-04"))
                .await;
            assert_eq!(status, expected, "{who:?} recording: {body}");
            if status == StatusCode::CREATED {
                assert_eq!(body["status"], "pending");
                assert_eq!(body["person"], cast.member_person.as_str());
                assert_eq!(body["kind"], "participation");
                assert_eq!(body["amount"], 1);
                assert_eq!(body["unit"], "double_sessions");
                assert_eq!(body["delivery"], "in_person");
                assert_eq!(body["attestor"], leader.as_str());
                assert_eq!(body["decision"], serde_json::Value::Null);
            }
        }
        // A member cannot record on someone else's ledger.
        let (status, _) = app
            .post_json(
                &ledger_path("bsanz", &leader),
                Some(&cast.member.token),
                &session(&cast.member_person, "2025-03-04"),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        // The member reads the three records; the other society sees nothing.
        let (status, list) = app.get(&path, Some(&cast.member.token)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(list["total"], 3);
        let (status, _) = app.get(&path, Some(&cast.other_registrar.token)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // Every record is in the audit log.
        let (_, audit) = app
            .get(
                "/api/v1/societies/bsanz/audit?per_page=100",
                Some(&cast.registrar.token),
            )
            .await;
        let created = audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["entity_type"] == "activity" && e["action"] == "create")
            .count();
        assert_eq!(created, 3);
    }
);

e2e_test!(
    async fn validation_says_exactly_what_is_wrong(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let tomorrow = (chrono::Utc::now().date_naive() + chrono::Days::new(1)).to_string();
        let today = chrono::Utc::now().date_naive().to_string();
        let path = ledger_path("bsanz", &cast.member_person);
        let (status, body) = app
            .post_json(
                &path,
                Some(&cast.member.token),
                &json!({
                    "kind": "co_leading", "date": tomorrow, "amount": 0, "unit": "days",
                    "attestor": cast.member_person, "co_leader": cast.other_member_person,
                }),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let mut expected = problem(
            422,
            "invalid-input",
            "Invalid input",
            "the record has invalid fields",
        );
        expected["errors"] = json!([
            { "field": "amount", "message": "the amount must be more than zero" },
            { "field": "attestor", "message": "the person cannot be their own attestor" },
            { "field": "co_leader", "message": format!("{} is not a person of this society", cast.other_member_person) },
            { "field": "date", "message": format!("must not be in the future (today is {today})") },
            { "field": "unit", "message": "a co_leading record cannot be counted in days (use one of: sessions, double_sessions, minutes, hours, cases, meetings or events)" },
        ]);
        assert_eq!(body, expected);

        // Unknown words, missing and unknown fields: all at once.
        let (status, body) = app
            .post_json(
                &path,
                Some(&cast.member.token),
                &json!({ "kind": "lecturing", "amount": "lots", "delivery": "by post", "mood": "good" }),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        expected["errors"] = json!([
            { "field": "amount", "message": "is not a number (a number with at most three decimals)" },
            { "field": "date", "message": "is required" },
            { "field": "delivery", "message": "must be one of: in_person, online" },
            { "field": "kind", "message": "must be one of: participation, leading, co_leading, supervision, workshop, report, evaluation, prerequisite" },
            { "field": "mood", "message": "unknown field" },
            { "field": "unit", "message": "is required" },
        ]);
        assert_eq!(body, expected);

        // Missing fields do not hide the rules the rest breaks: a rule
        // that reads a missing field is skipped, every other one runs.
        let (status, body) = app
            .post_json(
                &path,
                Some(&cast.member.token),
                &json!({ "kind": "co_leading", "amount": 0, "cases": 2, "attestor": cast.member_person }),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        expected["errors"] = json!([
            { "field": "amount", "message": "the amount must be more than zero" },
            { "field": "attestor", "message": "the person cannot be their own attestor" },
            { "field": "co_leader", "message": "a co-leading record names its co-leader" },
            { "field": "date", "message": "is required" },
            { "field": "unit", "message": "is required" },
        ]);
        assert_eq!(body, expected);
        let (status, body) = app
            .post_json(
                &path,
                Some(&cast.member.token),
                &json!({ "unit": "cases", "date": "2025-01-01", "amount": 1, "cases": 3, "supervisor": "nobody-here" }),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        expected["errors"] = json!([
            { "field": "kind", "message": "is required" },
            { "field": "supervisor", "message": "nobody-here is not a person of this society" },
        ]);
        assert_eq!(body, expected);
        // Nothing was stored.
        let (_, list) = app.get(&path, Some(&cast.member.token)).await;
        assert_eq!(list["total"], 0);
    }
);

e2e_test!(
    async fn pending_records_change_and_decided_ones_are_corrected(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let (leader, leader_login) =
            person_with_login(&app, &cast.registrar, "bsanz", "Leader").await;
        let token = cast.member.token.as_str();
        let first = record(
            &app,
            token,
            "bsanz",
            &cast.member_person,
            session(&leader, "2025-03-04"),
        )
        .await;
        let id = first["id"].as_str().unwrap();
        let path = record_path("bsanz", id);

        // Pending: the owner changes the date and clears the group.
        let (status, edited) = app
            .send(
                app.builder(reqwest::Method::PATCH, &path, Some(token))
                    .json(&json!({ "date": "2025-03-11", "group": null })),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{edited}");
        assert_eq!(edited["date"], "2025-03-11");
        assert_eq!(edited["group"], serde_json::Value::Null);
        assert_eq!(edited["ongoing_group"], true);

        // Confirmed: no more edits or withdrawal.
        let (status, _) = decide(&app, Some(&leader_login.token), "bsanz", id, "confirm").await;
        assert_eq!(status, StatusCode::OK);
        let (status, body) = app
            .send(
                app.builder(reqwest::Method::PATCH, &path, Some(token))
                    .json(&json!({ "amount": 2 })),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(
            body,
            problem(409, "conflict", "Conflict", "the record is confirmed; only a pending record can be changed (record a correction instead)")
        );
        let (status, _) = app
            .send(app.builder(reqwest::Method::DELETE, &path, Some(token)))
            .await;
        assert_eq!(status, StatusCode::CONFLICT);

        // A correction is a new record pointing at the decided one.
        let mut correction = session(&leader, "2025-03-11");
        correction["amount"] = json!(2);
        correction["corrects"] = json!(id);
        let corrected = record(&app, token, "bsanz", &cast.member_person, correction).await;
        assert_eq!(corrected["corrects"], id);
        assert_eq!(corrected["status"], "pending");
        // Only a decided record of the same person can be corrected.
        let mut bad = session(&leader, "2025-03-11");
        bad["corrects"] = corrected["id"].clone();
        let (status, body) = app
            .post_json(
                &ledger_path("bsanz", &cast.member_person),
                Some(token),
                &bad,
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["errors"][0]["field"], "corrects");

        // A pending record is withdrawn: gone.
        let second = record(
            &app,
            token,
            "bsanz",
            &cast.member_person,
            session(&leader, "2025-04-01"),
        )
        .await;
        let second_path = record_path("bsanz", second["id"].as_str().unwrap());
        let (status, _) = app
            .send(app.builder(reqwest::Method::DELETE, &second_path, Some(token)))
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, _) = app.get(&second_path, Some(token)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // Someone else may not edit or withdraw it.
        let (status, _) = app
            .send(app.builder(
                reqwest::Method::DELETE,
                &record_path("bsanz", corrected["id"].as_str().unwrap()),
                Some(&leader_login.token),
            ))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
);

e2e_test!(
    async fn the_ledger_is_listed_with_filters_and_exported_as_csv(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let (leader, leader_login) =
            person_with_login(&app, &cast.registrar, "bsanz", "Leader").await;
        let token = cast.member.token.as_str();
        let mut ids = Vec::new();
        for (i, date) in ["2025-01-10", "2025-02-10", "2025-03-10", "2025-04-10"]
            .iter()
            .enumerate()
        {
            let body = if i % 2 == 0 {
                session(&leader, date)
            } else {
                json!({ "kind": "supervision", "date": date, "amount": 60, "unit": "minutes",
                        "supervisor": leader, "attestor": leader, "delivery": "online" })
            };
            ids.push(
                record(&app, token, "bsanz", &cast.member_person, body).await["id"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        }
        decide(&app, Some(&leader_login.token), "bsanz", &ids[1], "confirm").await;
        let path = ledger_path("bsanz", &cast.member_person);
        let list = |query: &'static str| {
            let (app, path) = (&app, path.clone());
            async move { app.get(&format!("{path}?{query}"), Some(token)).await }
        };
        let (_, all) = list("per_page=2").await;
        assert_eq!(all["total"], 4);
        assert_eq!(all["items"].as_array().unwrap().len(), 2);
        assert_eq!(all["items"][0]["date"], "2025-01-10");
        let (_, supervision) = list("kind=supervision").await;
        assert_eq!(supervision["total"], 2);
        let (_, confirmed) = list("status=confirmed").await;
        assert_eq!(confirmed["total"], 1);
        assert_eq!(confirmed["items"][0]["id"], ids[1].as_str());
        let (_, range) = list("from=2025-02-01&to=2025-03-31").await;
        assert_eq!(range["total"], 2);
        let (status, bad) = list("kind=lecturing&status=maybe").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(bad["errors"].as_array().unwrap().len(), 2);

        let response = app
            .get_response(&format!("{path}/export?kind=supervision"), Some(token))
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv"));
        let csv = response.text().await.unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 3, "{csv}");
        assert!(
            lines[0].starts_with("id,status,kind,date,amount,unit,"),
            "{csv}"
        );
        assert!(
            lines[1].starts_with(&format!(
                "{},confirmed,supervision,2025-02-10,60,minutes,",
                ids[1]
            )),
            "{csv}"
        );
        assert!(
            lines[2].contains(",pending,supervision,2025-04-10,60,minutes,"),
            "{csv}"
        );
    }
);

e2e_test!(
    async fn a_logbook_with_bad_rows_stores_nothing_and_reports_each(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let (leader, _) = person_with_login(&app, &cast.registrar, "bsanz", "Leader").await;
        let token = Some(cast.member.token.as_str());
        let bulk = format!("{}/bulk", ledger_path("bsanz", &cast.member_person));
        let mut rows: Vec<serde_json::Value> = (1..=5)
            .map(|d| session(&leader, &format!("2025-01-0{d}")))
            .collect();
        rows[2] = json!({ "kind": "supervision", "date": "2025-01-03", "amount": 1, "unit": "cases",
                          "attestor": cast.member_person });
        rows[3]["co_leader"] = json!(cast.other_member_person);
        rows[4]["date"] = json!("2025-13-01");
        rows[4]["amount"] = json!(0);
        let (status, body) = app.post_json(&bulk, token, &json!(rows)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let mut expected = problem(
            422,
            "invalid-input",
            "Invalid input",
            "nothing was recorded: 5 problems in the rows",
        );
        expected["errors"] = json!([
            { "field": "rows[3].attestor", "message": "the person cannot be their own attestor" },
            { "field": "rows[3].unit", "message": "a supervision record cannot be counted in cases (use one of: sessions, double_sessions, minutes or hours)" },
            { "field": "rows[4].co_leader", "message": format!("{} is not a person of this society", cast.other_member_person) },
            { "field": "rows[5].amount", "message": "the amount must be more than zero" },
            { "field": "rows[5].date", "message": "must be a date (YYYY-MM-DD)" },
        ]);
        assert_eq!(body, expected);
        let (_, list) = app
            .get(&ledger_path("bsanz", &cast.member_person), token)
            .await;
        assert_eq!(list["total"], 0, "nothing is stored");

        // CSV: every bad row by number and field, then a good file lands whole.
        let csv = format!(
            "kind,date,amount,unit,attestor,group\n\
             participation,2025-02-01,1,sessions,{leader},Tuesday\n\
             participation,2025-02-08,0,sessions,{leader},Tuesday\n\
             supervision,2025-02-15,1,cases,{leader},\n"
        );
        let send_csv = |text: String| {
            let app = &app;
            let bulk = bulk.clone();
            async move {
                app.send(
                    app.builder(reqwest::Method::POST, &bulk, token)
                        .header("content-type", "text/csv")
                        .body(text),
                )
                .await
            }
        };
        let (status, body) = send_csv(csv).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(
            body["errors"],
            json!([
                { "field": "rows[2].amount", "message": "the amount must be more than zero" },
                { "field": "rows[3].unit", "message": "a supervision record cannot be counted in cases (use one of: sessions, double_sessions, minutes or hours)" },
            ])
        );
        let good: String =
            std::iter::once("kind,date,amount,unit,attestor,ongoing_group\n".to_owned())
                .chain(
                    (1..=28)
                        .map(|d| format!("participation,2025-02-{d:02},1,sessions,{leader},yes\n")),
                )
                .collect();
        let (status, body) = send_csv(good).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["recorded"], 28);
        let (_, list) = app
            .get(&ledger_path("bsanz", &cast.member_person), token)
            .await;
        assert_eq!(list["total"], 28);
        assert_eq!(list["items"][0]["ongoing_group"], true);
    }
);
