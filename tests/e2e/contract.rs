//! The HTTP conventions every route keeps (the README's "HTTP
//! conventions"): the caller is checked before the input; HEAD answers
//! as GET and a method a path does not take is 405 with `Allow`; security
//! headers on every answer; list bounds documented and enforced; no
//! database text in an answer, and a 500 that names its request id.

use diesel::RunQueryDsl;
use reqwest::Method;
use serde_json::Value;

use super::*;

const PEOPLE: &str = "/api/v1/societies/bsanz/people";

e2e_test!(
    async fn the_caller_is_checked_before_the_input(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let unauthenticated = problem(
            401,
            "unauthenticated",
            "Authentication required",
            "authentication required",
        );
        // An unreadable body, one that breaks the rules, and a bad query
        // string: no token, or one that is no login's, is 401 first.
        for token in [None, Some("not-a-token")] {
            for body in ["{", r#"{"family_name": 7}"#, r#"{"nonsense": true}"#] {
                let (status, answer) = app.post_raw(PEOPLE, token, body).await;
                assert_eq!(
                    status,
                    StatusCode::UNAUTHORIZED,
                    "{token:?} {body}: {answer}"
                );
                assert_eq!(answer, unauthenticated);
            }
            let (status, answer) = app.get(&format!("{PEOPLE}?per_page=0"), token).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
            let (status, answer) = app
                .post_raw(
                    "/api/v1/societies/bsanz/activities/x/attestation",
                    token,
                    r#"{"decision": "grant"}"#,
                )
                .await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
        }
        // Where a token is optional, one that is no login's is 401 too,
        // before the query string is read.
        let (status, answer) = app
            .get(
                "/api/v1/societies/bsanz/register/export?format=xml",
                Some("not-a-token"),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
        // With a valid token the input is read as before.
        let (status, answer) = app.post_raw(PEOPLE, Some(&cast.registrar.token), "{").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
        let (status, answer) = app
            .get("/api/v1/societies/bsanz/register/export?format=xml", None)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    }
);

e2e_test!(
    async fn head_answers_as_get_and_other_methods_are_405(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let head = |path: &str, token: Option<&str>| app.builder(Method::HEAD, path, token).send();
        let response = head("/healthz", None).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "application/json");
        assert_eq!(response.text().await.unwrap(), "");
        for path in [
            "/api/v1/societies",
            "/api/v1/openapi.json",
            "/societies/bsanz/register",
            "/",
        ] {
            let response = head(path, None).await.unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            assert_eq!(response.text().await.unwrap(), "", "{path}");
        }
        let response = head(PEOPLE, Some(&cast.registrar.token)).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let response = head(PEOPLE, None).await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

        // A method the path does not take.
        for (method, path, allow) in [
            (Method::DELETE, "/api/v1/societies", "POST, GET, HEAD"),
            (Method::PUT, "/healthz", "GET, HEAD"),
            (Method::GET, "/api/v1/auth/login", "POST"),
            (Method::HEAD, "/api/v1/auth/login", "POST"),
            (
                Method::POST,
                "/api/v1/societies/bsanz/register/due",
                "GET, HEAD",
            ),
            (
                Method::PUT,
                "/api/v1/societies/bsanz/activities/x",
                "GET, PATCH, DELETE, HEAD",
            ),
        ] {
            let response = app
                .builder(method.clone(), path, Some(&cast.registrar.token))
                .send()
                .await
                .unwrap();
            assert_eq!(
                response.status(),
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path}"
            );
            assert_eq!(response.headers()["allow"], allow, "{method} {path}");
            assert_eq!(
                response.headers()["content-type"],
                "application/problem+json",
                "{method} {path}"
            );
            if method != Method::HEAD {
                let body: Value = response.json().await.unwrap();
                assert_eq!(
                    body,
                    problem(
                        405,
                        "method-not-allowed",
                        "Method not allowed",
                        &format!("this resource takes only {allow}")
                    )
                );
            }
        }
        // A web page's path answers with a page.
        let response = app
            .builder(Method::PUT, "/login", None)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(response.headers()["allow"], "GET, POST, HEAD");
        assert!(response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        // A path no route takes is still 404, whatever the method.
        for method in [Method::GET, Method::DELETE] {
            let response = app
                .builder(method, "/api/v1/no-such-thing", None)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::NOT_FOUND);
        }
    }
);

fn assert_secure(response: &reqwest::Response, what: &str) {
    let headers = response.headers();
    assert_eq!(headers["x-content-type-options"], "nosniff", "{what}");
    let policy = headers["content-security-policy"].to_str().unwrap();
    assert!(
        policy.contains("frame-ancestors 'none'"),
        "{what}: {policy}"
    );
    assert!(headers.contains_key("referrer-policy"), "{what}");
    assert_eq!(headers["x-frame-options"], "DENY", "{what}");
}

e2e_test!(
    async fn every_answer_carries_the_security_headers(app: TestApp) {
        let admin = app.create_admin().await;
        app.create_society(&admin, "bsanz").await;
        for path in [
            "/api/v1/societies",
            "/api/v1/openapi.json",
            "/api/v1/docs",
            "/api/v1/societies/bsanz/register/export?format=csv",
            "/api/v1/no-such-thing",
            "/healthz",
            "/societies/bsanz/register",
            "/no-such-page%00",
        ] {
            let response = app.get_response(path, None).await;
            assert_secure(&response, path);
            assert!(
                !response.headers().contains_key("strict-transport-security"),
                "{path}: not over HTTPS"
            );
        }
        // The docs page keeps its own style, and loads nothing else.
        let docs = app.get_response("/api/v1/docs", None).await;
        let policy = docs.headers()["content-security-policy"].to_str().unwrap();
        assert!(policy.starts_with("default-src 'none'"), "{policy}");
        // A client saying X-Forwarded-Proto is not believed unless it is
        // a trusted proxy.
        let response = app
            .client
            .get(format!("{}/api/v1/societies", app.base_url))
            .header("x-forwarded-proto", "https")
            .send()
            .await
            .unwrap();
        assert!(!response.headers().contains_key("strict-transport-security"));
    }
);

e2e_test!(
    async fn a_trusted_proxy_saying_https_gets_hsts(app: TestApp) with |settings| {
        settings.trusted_proxies = "127.0.0.1".parse().unwrap();
    }; {
        for (proto, hsts) in [("https", true), ("http", false), ("http, https", true)] {
            let response = app
                .client
                .get(format!("{}/api/v1/societies", app.base_url))
                .header("x-forwarded-proto", proto)
                .send()
                .await
                .unwrap();
            assert_secure(&response, proto);
            assert_eq!(
                response.headers().get("strict-transport-security").map(|v| v.to_str().unwrap()),
                hsts.then_some("max-age=31536000"),
                "{proto}"
            );
        }
    }
);

e2e_test!(
    async fn list_bounds_are_documented_and_kept(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let (_, document) = app.get("/api/v1/openapi.json", None).await;
        let mut lists = 0;
        for (path, item) in document["paths"].as_object().unwrap() {
            let Some(parameters) = item["get"]["parameters"].as_array() else {
                continue;
            };
            let bounds = |name: &str| {
                parameters.iter().find(|p| p["name"] == name).map(|p| {
                    (
                        p["schema"]["minimum"].clone(),
                        p["schema"]["maximum"].clone(),
                        p["schema"]["default"].clone(),
                    )
                })
            };
            if let Some(per_page) = bounds("per_page") {
                lists += 1;
                assert_eq!(per_page, (json!(1), json!(100), json!(25)), "{path}");
                assert_eq!(
                    bounds("page"),
                    Some((json!(1), json!(1_000_000), json!(1))),
                    "{path}"
                );
            }
        }
        assert!(lists >= 10, "{lists} lists");

        let token = Some(cast.registrar.token.as_str());
        for (query, field, message) in [
            ("page=0", "page", "must be between 1 and 1000000"),
            ("page=1000001", "page", "must be between 1 and 1000000"),
            ("per_page=0", "per_page", "must be between 1 and 100"),
            ("per_page=101", "per_page", "must be between 1 and 100"),
        ] {
            for list in [
                PEOPLE,
                "/api/v1/societies",
                "/api/v1/societies/bsanz/register",
                "/api/v1/pathway-presets",
            ] {
                let (status, body) = app.get(&format!("{list}?{query}"), token).await;
                assert_eq!(status, StatusCode::BAD_REQUEST, "{list}?{query}: {body}");
                assert_eq!(
                    body["errors"],
                    json!([{ "field": field, "message": message }]),
                    "{list}?{query}"
                );
            }
        }
        let (status, body) = app
            .get(&format!("{PEOPLE}?page=1000000&per_page=100"), token)
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["items"], json!([]));
        let (status, body) = app.get(&format!("{PEOPLE}?per_page=many"), token).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["errors"][0]["field"], "per_page");
    }
);

/// What the database says, which must never reach a client.
const DATABASE_WORDS: [&str; 8] = [
    "duplicate key",
    "constraint",
    "pkey",
    "UNIQUE",
    "relation",
    "no such table",
    "societies_gone",
    "SQL",
];

fn assert_no_database_words(body: &Value) {
    let text = body.to_string();
    for words in DATABASE_WORDS {
        assert!(!text.contains(words), "{words:?} in {text}");
    }
}

e2e_test!(
    async fn a_unique_violation_is_409_in_our_words(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        super::register::adopt_pathway(&app, &cast).await;
        let ann = super::register::person(&app, &cast, "Ann", "Carter", json!({})).await;
        super::register::grant(&app, &cast, &ann, "2024-03-01").await;
        // An import naming a person of another society: the database
        // refuses their record a second time.
        let (status, mut file) = app
            .get(
                "/api/v1/societies/bsanz/register/export?format=json",
                Some(&cast.registrar.token),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let mut entry = file["entries"][0].clone();
        entry["registration"] = json!("BSANZ-0009");
        entry["person"]["id"] = json!(cast.other_member_person);
        file["entries"] = json!([entry]);
        let (status, body) = app
            .post_json(
                "/api/v1/societies/bsanz/register/import",
                Some(&cast.registrar.token),
                &file,
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(
            body,
            problem(
                409,
                "conflict",
                "Conflict",
                "a record with the same identity already exists"
            )
        );
        assert_no_database_words(&body);
    }
);

e2e_test!(
    async fn a_database_failure_is_a_500_naming_the_request_only(app: TestApp) {
        let admin = app.create_admin().await;
        app.create_society(&admin, "bsanz").await;
        // The database loses a table under the running server.
        let database = app.settings.database.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = balint_accredit_api::db::connect_for_job(&database).unwrap();
            diesel::sql_query("ALTER TABLE societies RENAME TO societies_gone")
                .execute(&mut *conn)
                .unwrap();
        })
        .await
        .unwrap();
        let response = app.get_response("/api/v1/societies", None).await;
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
        let id = response.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_owned();
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            body,
            json!({
                "type": "/problems/internal",
                "title": "Internal error",
                "status": 500,
                "detail": "internal error",
                "request_id": id,
            })
        );
        assert_no_database_words(&body);
    }
);
