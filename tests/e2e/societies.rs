//! Societies: created by platform administrators, visible to everyone.

use super::*;

e2e_test!(
    async fn a_platform_admin_creates_a_society_everyone_can_see(app: TestApp) {
        let admin = app.create_admin().await;
        let response = app
        .builder(reqwest::Method::POST, "/api/v1/societies", Some(&admin.token))
        .json(&json!({ "slug": "bsanz", "name": "Balint Society of Australia and New Zealand", "country": "AU/NZ" }))
        .send()
        .await
        .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        assert_eq!(response.headers()["location"], "/api/v1/societies/bsanz");
        let created: serde_json::Value = response.json().await.unwrap();

        let (status, shown) = app.get("/api/v1/societies/bsanz", None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(shown, created);
        assert_eq!(shown["name"], "Balint Society of Australia and New Zealand");
        assert_eq!(shown["country"], "AU/NZ");
    }
);

e2e_test!(
    async fn societies_are_listed_in_pages_by_slug(app: TestApp) {
        let admin = app.create_admin().await;
        for slug in ["ubs", "abs", "dbg"] {
            app.create_society(&admin, slug).await;
        }
        let (status, body) = app.get("/api/v1/societies?per_page=2", None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["total"], 3);
        assert_eq!(body["page"], 1);
        assert_eq!(body["per_page"], 2);
        let slugs: Vec<&str> = body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["slug"].as_str().unwrap())
            .collect();
        assert_eq!(slugs, ["abs", "dbg"]);
        let (_, body) = app.get("/api/v1/societies?per_page=2&page=2", None).await;
        assert_eq!(body["items"][0]["slug"], "ubs");
        assert_eq!(body["items"].as_array().unwrap().len(), 1);

        let (status, body) = app.get("/api/v1/societies?per_page=0&page=0", None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(
            body,
            json!({
                "type": "/problems/bad-request", "title": "Bad request", "status": 400,
                "detail": "invalid query parameters",
                "errors": [
                    { "field": "page", "message": "must be between 1 and 1000000" },
                    { "field": "per_page", "message": "must be between 1 and 100" },
                ],
            })
        );
    }
);

e2e_test!(
    async fn only_platform_admins_create_societies(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        for (who, expected) in [
            (Who::Anonymous, StatusCode::UNAUTHORIZED),
            (Who::Member, StatusCode::FORBIDDEN),
            (Who::OtherRegistrar, StatusCode::FORBIDDEN),
            (Who::Registrar, StatusCode::FORBIDDEN),
            (Who::PlatformAdmin, StatusCode::CREATED),
        ] {
            let slug = format!("s-{}", short_id());
            let (status, body) = app
                .post_json(
                    "/api/v1/societies",
                    cast.token(who),
                    &json!({ "slug": slug, "name": "A society" }),
                )
                .await;
            assert_eq!(status, expected, "{who:?}: {body}");
            if expected == StatusCode::FORBIDDEN {
                assert_eq!(
                    body,
                    problem(
                        403,
                        "forbidden",
                        "Forbidden",
                        "you are not allowed to do this"
                    )
                );
            }
            let (status, _) = app.get(&format!("/api/v1/societies/{slug}"), None).await;
            let visible = if expected == StatusCode::CREATED {
                StatusCode::OK
            } else {
                StatusCode::NOT_FOUND
            };
            assert_eq!(status, visible, "{who:?}");
        }
        // Reading is public, for every caller.
        for who in EVERYONE {
            let (status, _) = app.get("/api/v1/societies/dbg", cast.token(who)).await;
            assert_eq!(status, StatusCode::OK, "{who:?}");
            let (status, _) = app.get("/api/v1/societies", cast.token(who)).await;
            assert_eq!(status, StatusCode::OK, "{who:?}");
        }
    }
);

e2e_test!(
    async fn bad_societies_are_refused_with_every_problem(app: TestApp) {
        let admin = app.create_admin().await;
        let (status, body) = app
            .post_json(
                "/api/v1/societies",
                Some(&admin.token),
                &json!({ "slug": "Not A Slug", "name": "", "country": "" }),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            body,
            json!({
                "type": "/problems/invalid-input", "title": "Invalid input", "status": 422,
                "detail": "the request has invalid fields",
                "errors": [
                    { "field": "country", "message": "must be between 1 and 100 characters" },
                    { "field": "name", "message": "must be between 1 and 200 characters" },
                    { "field": "slug", "message": "must be 2 to 32 lowercase letters, digits or '-', starting with a letter" },
                ],
            })
        );

        app.create_society(&admin, "bsanz").await;
        let (status, body) = app
            .post_json(
                "/api/v1/societies",
                Some(&admin.token),
                &json!({ "slug": "bsanz", "name": "Again" }),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(
            body,
            problem(
                409,
                "conflict",
                "Conflict",
                "a society with the slug bsanz already exists"
            )
        );

        let (status, body) = app.get("/api/v1/societies/nope", None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(
            body,
            problem(404, "not-found", "Not found", "society nope not found")
        );
    }
);
