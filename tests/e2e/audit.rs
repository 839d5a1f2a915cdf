//! The audit log: every mutation, readable by the society's registrar.

use super::*;

e2e_test!(
    async fn registrars_read_their_societys_changes_newest_first(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let (status, body) = app
            .get("/api/v1/societies/bsanz/audit", Some(&cast.registrar.token))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        // The society, its registrar, the member's person record and login;
        // nothing of dbg.
        assert_eq!(body["total"], 4);
        let entries = body["items"].as_array().unwrap();
        let kinds: Vec<(&str, &str)> = entries
            .iter()
            .map(|e| {
                (
                    e["action"].as_str().unwrap(),
                    e["entity_type"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            kinds,
            [
                ("create", "user"),
                ("create", "person"),
                ("create", "user"),
                ("create", "society")
            ]
        );
        assert_eq!(entries[0]["after"]["email"], cast.member.email);
        assert_eq!(entries[0]["after"]["role"], "member");
        assert_eq!(entries[0]["before"], serde_json::Value::Null);
        assert_eq!(entries[1]["entity_id"], cast.member_person);
        assert_eq!(entries[3]["after"]["slug"], "bsanz");
        assert!(entries[0]["id"].as_i64() > entries[1]["id"].as_i64());

        // Who did it.
        let (_, registrar) = app
            .get("/api/v1/auth/me", Some(&cast.registrar.token))
            .await;
        let (_, admin) = app.get("/api/v1/auth/me", Some(&cast.admin.token)).await;
        assert_eq!(entries[0]["actor_user_id"], registrar["id"]);
        assert_eq!(entries[1]["actor_user_id"], registrar["id"]);
        assert_eq!(entries[2]["actor_user_id"], admin["id"]);

        // No secret is ever written to the log.
        let text = body.to_string();
        assert!(!text.contains("argon2") && !text.contains(PASSWORD));

        let (_, page) = app
            .get(
                "/api/v1/societies/bsanz/audit?per_page=1&page=4",
                Some(&cast.registrar.token),
            )
            .await;
        assert_eq!(page["items"][0]["entity_type"], "society");
    }
);

e2e_test!(
    async fn only_the_registrar_and_admins_read_the_audit_log(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        for (who, expected) in [
            (Who::Anonymous, StatusCode::UNAUTHORIZED),
            (Who::Member, StatusCode::FORBIDDEN),
            (Who::OtherRegistrar, StatusCode::NOT_FOUND),
            (Who::Registrar, StatusCode::OK),
            (Who::PlatformAdmin, StatusCode::OK),
        ] {
            let (status, body) = app
                .get("/api/v1/societies/bsanz/audit", cast.token(who))
                .await;
            assert_eq!(status, expected, "{who:?}: {body}");
        }
        // The other society's registrar sees only their own society's log.
        let (status, body) = app
            .get(
                "/api/v1/societies/dbg/audit",
                Some(&cast.other_registrar.token),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["total"], 4);
        assert!(!body.to_string().contains(&cast.member.email));
        assert!(!body.to_string().contains(&cast.registrar.email));
        let (status, _) = app
            .get(
                "/api/v1/societies/dbg/audit",
                Some(&cast.other_member.token),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
);

e2e_test!(
    async fn the_audit_log_is_filtered_by_actor_record_change_and_days(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let token = Some(cast.registrar.token.as_str());
        let (_, registrar) = app.get("/api/v1/auth/me", token).await;
        let registrar_id = registrar["id"].as_str().unwrap();
        let list = |query: String| {
            let app = &app;
            async move {
                let (status, body) = app
                    .get(&format!("/api/v1/societies/bsanz/audit?{query}"), token)
                    .await;
                assert_eq!(status, StatusCode::OK, "{query}: {body}");
                body
            }
        };

        let by_registrar = list(format!("actor={registrar_id}")).await;
        assert_eq!(by_registrar["total"], 2, "{by_registrar}");
        let people = list("entity_type=person".to_owned()).await;
        assert_eq!(people["total"], 1);
        assert_eq!(people["items"][0]["entity_id"], cast.member_person);
        let one = list(format!(
            "entity_type=person&entity_id={}&action=create",
            cast.member_person
        ))
        .await;
        assert_eq!(one["total"], 1);
        assert_eq!(list("action=update".to_owned()).await["total"], 0);
        let today = chrono::Utc::now().date_naive();
        let all_today = list(format!("from={today}&to={today}")).await;
        assert_eq!(all_today["total"], 4);
        let tomorrow = today.succ_opt().unwrap();
        assert_eq!(list(format!("from={tomorrow}")).await["total"], 0);
        assert_eq!(
            list(format!("to={}", today.pred_opt().unwrap())).await["total"],
            0
        );
        // Filters and paging together.
        let paged = list(format!("actor={registrar_id}&per_page=1&page=2")).await;
        assert_eq!(paged["total"], 2);
        assert_eq!(paged["items"][0]["entity_type"], "person");

        let (status, body) = app
            .get(
                "/api/v1/societies/bsanz/audit?entity_type=people&action=remove&from=2026-02-30&per_page=0",
                token,
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        let fields: Vec<&str> = body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["per_page", "entity_type", "action", "from"]);
        let (status, body) = app
            .get(
                "/api/v1/societies/bsanz/audit?from=2026-03-02&to=2026-03-01",
                token,
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["errors"][0]["field"], "to");
    }
);

e2e_test!(
    async fn the_audit_log_gathers_everything_about_a_person(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        super::register::adopt_pathway(&app, &cast).await;
        let ann = super::register::person(&app, &cast, "Ann", "Carter", json!({})).await;
        let entry = super::register::grant(&app, &cast, &ann, "2024-03-01").await;
        let bob = super::register::person(&app, &cast, "Bob", "Other", json!({})).await;
        super::register::grant(&app, &cast, &bob, "2024-03-01").await;
        let about = |person: String| {
            let app = &app;
            let token = cast.registrar.token.clone();
            async move {
                let (status, body) = app
                    .get(
                        &format!("/api/v1/societies/bsanz/audit?person={person}"),
                        Some(&token),
                    )
                    .await;
                assert_eq!(status, StatusCode::OK, "{body}");
                body
            }
        };
        let kinds = |body: &serde_json::Value| -> Vec<String> {
            body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["entity_type"].as_str().unwrap().to_owned())
                .collect()
        };
        // Ann's entry and record; nothing of Bob's.
        let anns = about(ann.clone()).await;
        assert_eq!(kinds(&anns), ["register_entry", "person"], "{anns}");
        assert_eq!(
            anns["items"][0]["after"]["registration"],
            entry["registration"]
        );
        // The member's login and record.
        let members = about(cast.member_person.clone()).await;
        assert_eq!(kinds(&members), ["user", "person"], "{members}");
        assert_eq!(about("nobody".to_owned()).await["total"], 0);
    }
);
