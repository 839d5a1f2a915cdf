//! A society's pathway: uploaded in versions by the registrar, validated in
//! full, readable by everyone.

use serde_json::Value;

use super::*;

const PATHWAY: &str = "/api/v1/societies/bsanz/pathway";

/// The BSANZ preset's document, as the API serves it.
async fn bsanz_document(app: &TestApp) -> Value {
    let (status, preset) = app.get("/api/v1/pathway-presets/bsanz-leader", None).await;
    assert_eq!(status, StatusCode::OK, "{preset}");
    preset["document"].clone()
}

async fn put_json(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    body: &Value,
) -> (StatusCode, Value) {
    app.send(app.builder(reqwest::Method::PUT, path, token).json(body))
        .await
}

async fn put_text(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    content_type: &str,
    body: String,
) -> (StatusCode, Value) {
    app.send(
        app.builder(reqwest::Method::PUT, path, token)
            .header("content-type", content_type)
            .body(body),
    )
    .await
}

e2e_test!(
    async fn uploads_make_numbered_versions_and_the_one_in_force_is_current(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let token = Some(cast.registrar.token.as_str());
        let first = bsanz_document(&app).await;

        let response = app
            .builder(reqwest::Method::PUT, PATHWAY, token)
            .json(&first)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        assert_eq!(
            response.headers()["location"],
            "/api/v1/societies/bsanz/pathway/versions/1"
        );
        let stored: Value = response.json().await.unwrap();
        assert_eq!(stored["number"], 1);
        assert_eq!(stored["pathway_id"], "bsanz-leader");
        assert_eq!(stored["version_label"], "2024");
        assert_eq!(stored["effective_from"], "2020-01-01");
        assert_eq!(stored["preset"], Value::Null);
        assert_eq!(stored["document"], first);
        let (_, me) = app.get("/api/v1/auth/me", token).await;
        assert_eq!(stored["uploaded_by"], me["id"]);

        // A revision in force since 2024, then one that is not yet in force.
        let mut second = first.clone();
        second["version"] = json!("2024 revision");
        second["effective_from"] = json!("2024-06-01");
        second["tiers"][1]["requirements"][0]["minimum"] = json!(32);
        let (status, body) = put_json(&app, PATHWAY, token, &second).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["number"], 2);
        let mut third = first.clone();
        third["version"] = json!("2999");
        third["effective_from"] = json!("2199-01-01");
        let (status, body) = put_json(&app, PATHWAY, Some(&cast.admin.token), &third).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["number"], 3);

        // The current pathway is the one in force today, not the newest.
        let (status, current) = app.get(PATHWAY, None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(current["number"], 2);
        assert_eq!(current["document"], second);
        assert_eq!(
            current["document"]["tiers"][1]["requirements"][0]["minimum"],
            32
        );

        // Every version stays readable.
        let (status, list) = app
            .get(&format!("{PATHWAY}/versions?per_page=2"), None)
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(list["total"], 3);
        let numbers: Vec<i64> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["number"].as_i64().unwrap())
            .collect();
        assert_eq!(numbers, [3, 2]);
        assert_eq!(list["items"][0]["version_label"], "2999");
        assert_eq!(list["items"][0]["effective_from"], "2199-01-01");
        assert!(list["items"][0].get("document").is_none());
        let (_, page2) = app
            .get(&format!("{PATHWAY}/versions?per_page=2&page=2"), None)
            .await;
        assert_eq!(page2["items"][0]["number"], 1);

        let (status, old) = app.get(&format!("{PATHWAY}/versions/1"), None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(old["document"], first);
        assert_eq!(old["version_label"], "2024");

        let (status, body) = app.get(&format!("{PATHWAY}/versions/9"), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(
            body,
            problem(
                404,
                "not-found",
                "Not found",
                "version 9 of the pathway of society bsanz not found"
            )
        );
        let (status, _) = app.get(&format!("{PATHWAY}/versions/first"), None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);

        // Each upload is in the audit log.
        let (_, log) = app
            .get("/api/v1/societies/bsanz/audit?per_page=3", token)
            .await;
        let entry = &log["items"][0];
        assert_eq!(entry["entity_type"], "pathway");
        assert_eq!(entry["action"], "create");
        assert_eq!(entry["after"]["number"], 3);
        assert_eq!(entry["after"]["effective_from"], "2199-01-01");
        assert_eq!(log["items"][2]["after"]["version_label"], "2024");
    }
);

e2e_test!(
    async fn a_society_without_a_pathway_has_none_to_show(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let (status, body) = app.get(PATHWAY, Some(&cast.registrar.token)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(
            body,
            problem(
                404,
                "not-found",
                "Not found",
                "pathway of society bsanz not found"
            )
        );
        let (_, list) = app.get(&format!("{PATHWAY}/versions"), None).await;
        assert_eq!(list["total"], 0);
        let (status, body) = app.get("/api/v1/societies/nope/pathway", None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(
            body,
            problem(404, "not-found", "Not found", "society nope not found")
        );
    }
);

e2e_test!(
    async fn a_toml_document_is_accepted_too(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let (_, preset) = app.get("/api/v1/pathway-presets/dbg-leader", None).await;
        assert_eq!(preset["source_format"], "toml");
        let source = preset["source"].as_str().unwrap().to_owned();
        let path = "/api/v1/societies/dbg/pathway";
        let token = Some(cast.other_registrar.token.as_str());
        let (status, body) = put_text(&app, path, token, "application/toml", source).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["pathway_id"], "dbg-leader");
        assert_eq!(body["document"], preset["document"]);

        let (status, body) = put_text(
            &app,
            path,
            token,
            "application/toml",
            "id = [unclosed".to_owned(),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["type"], "/problems/bad-request");
        assert_eq!(body["errors"][0]["field"], "body");
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .starts_with("not valid TOML"),
            "{body}"
        );

        let (status, body) = put_text(&app, path, token, "text/plain", "id = 1".to_owned()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(
            body["errors"],
            json!([{ "field": "body", "message": "the body must be a pathway document (Content-Type: application/json or application/toml)" }])
        );
        let (status, body) = put_text(
            &app,
            path,
            token,
            "application/json",
            "{\"id\": ".to_owned(),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["errors"][0]["field"], "body");
        // Nothing bad was stored.
        let (_, list) = app.get(&format!("{path}/versions"), None).await;
        assert_eq!(list["total"], 1);
    }
);

e2e_test!(
    async fn a_bad_document_is_refused_with_every_problem_by_path(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let document = json!({
            "id": "bsanz leader",
            "society": "dbg",
            "title": "BSANZ",
            "version": "1",
            "effective_from": "someday",
            "tiers": [{
                "id": "leader",
                "name": "Leader",
                "requirements": [{
                    "id": "leading", "title": "Lead", "kind": "leading",
                    "unit": "sessions", "minimum": -3
                }]
            }]
        });
        let (status, body) = put_json(&app, PATHWAY, Some(&cast.registrar.token), &document).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            body,
            json!({
                "type": "/problems/invalid-input", "title": "Invalid input", "status": 422,
                "detail": "the pathway document has 4 problems",
                "errors": [
                    { "field": "id", "message": "not a valid id: may contain only ASCII letters, digits, '-', '_' and '.' (found ' ')" },
                    { "field": "effective_from", "message": "\"someday\" is not a date (YYYY-MM-DD)" },
                    { "field": "tiers[0].requirements[0].minimum", "message": "must be positive" },
                    { "field": "society", "message": "the document is for society \"dbg\", not \"bsanz\"" },
                ],
            })
        );
        let (_, list) = app.get(&format!("{PATHWAY}/versions"), None).await;
        assert_eq!(list["total"], 0);
    }
);

e2e_test!(
    async fn only_the_registrar_and_admins_change_a_pathway_that_everyone_reads(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let document = bsanz_document(&app).await;
        let mut stored = 0;
        for (who, expected) in [
            (Who::Anonymous, StatusCode::UNAUTHORIZED),
            (Who::Member, StatusCode::FORBIDDEN),
            (Who::OtherRegistrar, StatusCode::NOT_FOUND),
            (Who::Registrar, StatusCode::CREATED),
            (Who::PlatformAdmin, StatusCode::CREATED),
        ] {
            let (status, body) = put_json(&app, PATHWAY, cast.token(who), &document).await;
            assert_eq!(status, expected, "{who:?} uploading: {body}");
            let (status, body) = app
                .post_json(
                    &format!("{PATHWAY}/adopt"),
                    cast.token(who),
                    &json!({ "preset": "bsanz-leader" }),
                )
                .await;
            assert_eq!(status, expected, "{who:?} adopting: {body}");
            if expected == StatusCode::CREATED {
                stored += 2;
            }
            let (_, list) = app.get(&format!("{PATHWAY}/versions"), None).await;
            assert_eq!(list["total"], stored, "{who:?}");
        }
        for who in EVERYONE {
            for path in [
                PATHWAY.to_owned(),
                format!("{PATHWAY}/versions"),
                format!("{PATHWAY}/versions/1"),
            ] {
                let (status, _) = app.get(&path, cast.token(who)).await;
                assert_eq!(status, StatusCode::OK, "{who:?} reading {path}");
            }
        }
        // The other society's registrar uploads only to their own society.
        let (status, _) = app
            .post_json(
                "/api/v1/societies/dbg/pathway/adopt",
                Some(&cast.other_registrar.token),
                &json!({ "preset": "dbg-leader" }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
        let (_, list) = app.get(&format!("{PATHWAY}/versions"), None).await;
        assert_eq!(list["total"], stored);
    }
);

e2e_test!(
    async fn a_preset_is_adopted_as_the_societys_own(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let token = Some(cast.registrar.token.as_str());
        let response = app
            .builder(reqwest::Method::POST, &format!("{PATHWAY}/adopt"), token)
            .json(&json!({ "preset": "uk-2016", "effective_from": "2023-06-01" }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        assert_eq!(
            response.headers()["location"],
            "/api/v1/societies/bsanz/pathway/versions/1"
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["preset"], "uk-2016");
        assert_eq!(body["pathway_id"], "uk-2016");
        assert_eq!(body["effective_from"], "2023-06-01");
        assert_eq!(body["document"]["society"], "bsanz");
        assert_eq!(
            body["document"]["backgrounds"],
            json!(["psychodynamic_training"])
        );
        let (_, current) = app.get(PATHWAY, None).await;
        assert_eq!(current["preset"], "uk-2016");

        let (status, body) = app
            .post_json(
                &format!("{PATHWAY}/adopt"),
                token,
                &json!({ "preset": "nope" }),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            body,
            json!({
                "type": "/problems/invalid-input", "title": "Invalid input", "status": 422,
                "detail": "the request has invalid fields",
                "errors": [{ "field": "preset", "message": "no built-in pathway has this id" }],
            })
        );
        let (status, body) = app
            .post_json(
                &format!("{PATHWAY}/adopt"),
                token,
                &json!({ "preset": "uk-2016", "effective_from": "June" }),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(
            body["errors"],
            json!([{ "field": "effective_from", "message": "must be a date (YYYY-MM-DD)" }])
        );
        let (_, list) = app.get(&format!("{PATHWAY}/versions"), None).await;
        assert_eq!(list["total"], 1);
    }
);

e2e_test!(
    async fn uploads_at_the_same_moment_each_get_their_own_number(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let document = bsanz_document(&app).await;
        let uploads = (0..8)
            .map(|i| {
                let mut revision = document.clone();
                revision["version"] = json!(format!("revision {i}"));
                app.builder(reqwest::Method::PUT, PATHWAY, Some(&cast.registrar.token))
                    .json(&revision)
            })
            .collect();
        let mut numbers = Vec::new();
        for (status, body) in app.send_all(uploads).await {
            assert_eq!(status, StatusCode::CREATED, "{body}");
            numbers.push(body["number"].as_i64().unwrap());
        }
        numbers.sort_unstable();
        assert_eq!(numbers, (1..=8).collect::<Vec<i64>>());
        let (status, versions) = app.get(&format!("{PATHWAY}/versions"), None).await;
        assert_eq!(status, StatusCode::OK, "{versions}");
        let labels: std::collections::BTreeSet<&str> = versions["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["version_label"].as_str().unwrap())
            .collect();
        assert_eq!(labels.len(), 8, "{versions}");
    }
);
