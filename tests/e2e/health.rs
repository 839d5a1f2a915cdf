//! The probes, request ids, and the error envelope for unknown paths.

use super::*;

e2e_test!(
    async fn probes_answer_when_the_database_is_up(app: TestApp) {
        let (status, body) = app.get("/healthz", None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body, json!({ "status": "ok" }));

        let (status, body) = app.get("/readyz", None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            body,
            json!({
                "status": "ready",
                "outbox": {
                    "events_waiting": 0,
                    "deliveries_pending": 0,
                    "deliveries_dead": 0,
                    "oldest_pending": null,
                },
                "mail": {
                    "pending": 0,
                    "dead": 0,
                    "oldest_pending": null,
                },
            })
        );
    }
);

e2e_test!(
    async fn every_response_carries_a_request_id(app: TestApp) {
        let first = app.get_response("/healthz", None).await;
        let second = app.get_response("/api/v1/nothing-here", None).await;
        let id = |r: &reqwest::Response| {
            r.headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
                .expect("an x-request-id header")
        };
        let (a, b) = (id(&first), id(&second));
        assert_eq!(a.len(), 36, "a UUID: {a}");
        assert_ne!(a, b);
    }
);

e2e_test!(
    async fn unknown_paths_are_problem_json_404s(app: TestApp) {
        let response = app.get_response("/api/v1/nothing-here", None).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(
            body,
            problem(404, "not-found", "Not found", "resource not found")
        );
    }
);

e2e_test!(
    async fn oversized_and_non_json_bodies_are_refused_as_problems(app: TestApp) {
        let limit = app.settings.json_limit_bytes;
        let huge = format!("{{\"email\":\"{}\"}}", "a".repeat(limit));
        let (status, body) = app
            .send(
                app.builder(reqwest::Method::POST, "/api/v1/auth/login", None)
                    .header("content-type", "application/json")
                    .body(huge),
            )
            .await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(
            body,
            problem(
                413,
                "payload-too-large",
                "Payload too large",
                &format!("the request body is larger than {limit} bytes")
            )
        );

        let (status, body) = app
            .send(
                app.builder(reqwest::Method::POST, "/api/v1/auth/login", None)
                    .header("content-type", "text/plain")
                    .body("email=a"),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(
            body["errors"],
            json!([{ "field": "body", "message": "the body must be JSON (Content-Type: application/json)" }])
        );
    }
);
