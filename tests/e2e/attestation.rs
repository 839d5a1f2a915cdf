//! Attestation: only the named attestor or a registrar decides, never the
//! trainee; a record is decided once, also under a race; attestors see
//! what waits for them.

use super::ledger_setup::*;
use super::*;

fn supervision(supervisor: &str, date: &str) -> serde_json::Value {
    json!({ "kind": "supervision", "date": date, "amount": 1, "unit": "sessions",
            "supervisor": supervisor, "attestor": supervisor, "supervision_format": "group" })
}

e2e_test!(
    async fn only_the_named_attestor_or_a_registrar_decides_never_the_trainee(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let (trainer, trainer_login) =
            person_with_login(&app, &cast.registrar, "bsanz", "Trainer").await;
        let (_, bystander) = person_with_login(&app, &cast.registrar, "bsanz", "Bystander").await;
        let token = cast.member.token.as_str();
        let callers: [(&str, Option<&str>, StatusCode); 6] = [
            ("anonymous", None, StatusCode::UNAUTHORIZED),
            ("the trainee", Some(token), StatusCode::FORBIDDEN),
            (
                "another member",
                Some(&bystander.token),
                StatusCode::FORBIDDEN,
            ),
            (
                "another society's registrar",
                Some(&cast.other_registrar.token),
                StatusCode::NOT_FOUND,
            ),
            (
                "the named attestor",
                Some(&trainer_login.token),
                StatusCode::OK,
            ),
            ("the registrar", Some(&cast.registrar.token), StatusCode::OK),
        ];
        for (who, caller, expected) in callers {
            let created = record(
                &app,
                token,
                "bsanz",
                &cast.member_person,
                supervision(&trainer, "2025-05-05"),
            )
            .await;
            let id = created["id"].as_str().unwrap();
            let (status, body) = decide(&app, caller, "bsanz", id, "confirm").await;
            assert_eq!(status, expected, "{who} confirming: {body}");
            let (_, now) = app.get(&record_path("bsanz", id), Some(token)).await;
            if expected == StatusCode::OK {
                assert_eq!(now["status"], "confirmed", "{who}");
                assert_eq!(now["decision"]["decision"], "confirm");
                assert_eq!(now["decision"]["comment"], "confirmed by the attestor");
                // Decided once: a second decision conflicts, whoever sends it.
                let (status, body) =
                    decide(&app, Some(&cast.registrar.token), "bsanz", id, "reject").await;
                assert_eq!(status, StatusCode::CONFLICT, "{body}");
                assert_eq!(
                    body,
                    problem(
                        409,
                        "conflict",
                        "Conflict",
                        "the record has already been decided (or withdrawn)"
                    )
                );
            } else {
                assert_eq!(now["status"], "pending", "{who}");
            }
        }
        // The trainee never attests their own record, even as a registrar
        // (whose one login is linked to their own person).
        let own = app
            .create_person(&cast.registrar, "bsanz", "Registrar-trainee")
            .await;
        let registrar_trainee = app
            .create_user(&cast.admin, "bsanz", "registrar", Some(&own))
            .await;
        let created = record(
            &app,
            &registrar_trainee.token,
            "bsanz",
            &own,
            supervision(&trainer, "2025-05-05"),
        )
        .await;
        let (status, _) = decide(
            &app,
            Some(&registrar_trainee.token),
            "bsanz",
            created["id"].as_str().unwrap(),
            "confirm",
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
);

e2e_test!(
    async fn of_many_concurrent_confirmations_exactly_one_wins(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let (trainer, trainer_login) =
            person_with_login(&app, &cast.registrar, "bsanz", "Trainer").await;
        let created = record(
            &app,
            &cast.member.token,
            "bsanz",
            &cast.member_person,
            supervision(&trainer, "2025-05-05"),
        )
        .await;
        let id = created["id"].as_str().unwrap().to_owned();
        let path = format!("{}/attestation", record_path("bsanz", &id));
        // Every request is sent before any answer is read.
        let attempts: Vec<_> = (0..16)
            .map(|i| {
                let token = if i % 2 == 0 {
                    &trainer_login.token
                } else {
                    &cast.registrar.token
                };
                let decision = if i % 3 == 0 { "reject" } else { "confirm" };
                let request = app
                    .builder(reqwest::Method::POST, &path, Some(token))
                    .json(&json!({ "decision": decision, "comment": "decided" }));
                tokio::spawn(async move {
                    let response = request.send().await.unwrap();
                    let status = response.status();
                    (status, response.json::<serde_json::Value>().await.unwrap())
                })
            })
            .collect();
        let mut results = Vec::new();
        for attempt in attempts {
            results.push(attempt.await.unwrap());
        }
        let won: Vec<_> = results
            .iter()
            .filter(|(s, _)| *s == StatusCode::OK)
            .collect();
        let lost = results
            .iter()
            .filter(|(s, _)| *s == StatusCode::CONFLICT)
            .count();
        assert_eq!(won.len(), 1, "{results:?}");
        assert_eq!(lost, 15, "{results:?}");
        // The stored decision is the winner's, and the audit log has one.
        let (_, stored) = app
            .get(&record_path("bsanz", &id), Some(&cast.member.token))
            .await;
        assert_eq!(stored["status"], won[0].1["status"]);
        let (_, audit) = app
            .get(
                "/api/v1/societies/bsanz/audit?per_page=100",
                Some(&cast.registrar.token),
            )
            .await;
        let decisions = audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["entity_id"] == id.as_str() && e["action"] == "update")
            .count();
        assert_eq!(decisions, 1);
    }
);

e2e_test!(
    async fn attestors_see_what_waits_for_them_oldest_first(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let (trainer, trainer_login) =
            person_with_login(&app, &cast.registrar, "bsanz", "Trainer").await;
        let (other, _) = person_with_login(&app, &cast.registrar, "bsanz", "Other").await;
        let token = cast.member.token.as_str();
        let mut mine = Vec::new();
        for date in ["2025-06-01", "2025-01-01", "2025-03-01"] {
            mine.push(
                record(
                    &app,
                    token,
                    "bsanz",
                    &cast.member_person,
                    supervision(&trainer, date),
                )
                .await["id"]
                    .clone(),
            );
        }
        record(
            &app,
            token,
            "bsanz",
            &cast.member_person,
            supervision(&other, "2025-02-01"),
        )
        .await;
        let (status, waiting) = app
            .get("/api/v1/me/attestations", Some(&trainer_login.token))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(waiting["total"], 3);
        let ids: Vec<_> = waiting["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].clone())
            .collect();
        assert_eq!(ids, mine, "oldest recorded first");
        assert_eq!(waiting["items"][0]["society"], "bsanz");

        // A rejection needs a reason; once decided, a record leaves the queue.
        let path = format!(
            "{}/attestation",
            record_path("bsanz", mine[0].as_str().unwrap())
        );
        let (status, body) = app
            .post_json(
                &path,
                Some(&trainer_login.token),
                &json!({ "decision": "reject" }),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            body["errors"],
            json!([{ "field": "comment", "message": "is required when rejecting: say why, for the trainee" }])
        );
        let (status, rejected) = app
            .post_json(
                &path,
                Some(&trainer_login.token),
                &json!({ "decision": "reject", "comment": "I was away that week" }),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(rejected["status"], "rejected");
        assert_eq!(rejected["decision"]["by_person"], trainer.as_str());
        let (_, waiting) = app
            .get("/api/v1/me/attestations", Some(&trainer_login.token))
            .await;
        assert_eq!(waiting["total"], 2);
        let (_, decided) = app
            .get(
                "/api/v1/me/attestations?status=rejected",
                Some(&trainer_login.token),
            )
            .await;
        assert_eq!(
            decided["items"][0]["decision"]["comment"],
            "I was away that week"
        );
        let (status, _) = app.get("/api/v1/me/attestations", None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        // The trainee is nobody's attestor here.
        let (_, none) = app.get("/api/v1/me/attestations", Some(token)).await;
        assert_eq!(none["total"], 0);
    }
);

e2e_test!(
    async fn a_supervisor_report_is_a_record_the_trainee_reads(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let (trainer, trainer_login) =
            person_with_login(&app, &cast.registrar, "bsanz", "Trainer").await;
        let report = record(
            &app,
            &cast.registrar.token,
            "bsanz",
            &cast.member_person,
            json!({ "kind": "report", "date": "2025-06-30", "amount": 1, "unit": "events",
                    "report_type": "final_suitability", "supervisor": trainer, "attestor": trainer,
                    "notes": "Holds the frame well; ready to lead alone." }),
        )
        .await;
        let id = report["id"].as_str().unwrap();
        let (status, _) = decide(&app, Some(&trainer_login.token), "bsanz", id, "confirm").await;
        assert_eq!(status, StatusCode::OK);
        let (status, read) = app
            .get(&record_path("bsanz", id), Some(&cast.member.token))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(read["report_type"], "final_suitability");
        assert_eq!(read["notes"], "Holds the frame well; ready to lead alone.");
        assert_eq!(read["status"], "confirmed");
        // Nobody outside the record reads it.
        let (_, bystander) = person_with_login(&app, &cast.registrar, "bsanz", "Bystander").await;
        let (status, _) = app
            .get(&record_path("bsanz", id), Some(&bystander.token))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = app
            .get(&record_path("dbg", id), Some(&cast.other_registrar.token))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
);
