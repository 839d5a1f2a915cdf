//! Logging in and out, who am I, and failed-login throttling.

use super::*;

const LOGIN: &str = "/api/v1/auth/login";

fn invalid_credentials() -> serde_json::Value {
    problem(
        401,
        "invalid-credentials",
        "Invalid credentials",
        "the email or password is not correct",
    )
}

fn unauthenticated() -> serde_json::Value {
    problem(
        401,
        "unauthenticated",
        "Authentication required",
        "authentication required",
    )
}

e2e_test!(
    async fn a_login_answers_a_token_that_identifies_the_caller(app: TestApp) {
        let admin = app.create_admin().await;
        let (status, body) = app
            .post_json(
                LOGIN,
                None,
                &json!({ "email": admin.email.to_uppercase(), "password": admin.password }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["token"].as_str().unwrap().len(), 64);
        assert_eq!(body["user"]["email"], admin.email);

        let (status, me) = app.get("/api/v1/auth/me", Some(&admin.token)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(me["email"], admin.email);
        assert_eq!(me["is_platform_admin"], true);
        assert_eq!(me["roles"], json!([]));
    }
);

e2e_test!(
    async fn members_see_their_roles(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let (status, me) = app.get("/api/v1/auth/me", Some(&cast.member.token)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(me["is_platform_admin"], false);
        assert_eq!(
            me["roles"],
            json!([{ "society": "bsanz", "role": "member", "person_id": cast.member_person }])
        );
    }
);

e2e_test!(
    async fn wrong_passwords_and_unknown_emails_are_answered_alike(app: TestApp) {
        let admin = app.create_admin().await;
        let wrong = app
            .post_json(
                LOGIN,
                None,
                &json!({ "email": admin.email, "password": "nope nope nope" }),
            )
            .await;
        let unknown = app
            .post_json(
                LOGIN,
                None,
                &json!({ "email": "nobody@example.org", "password": "nope nope nope" }),
            )
            .await;
        assert_eq!(wrong, (StatusCode::UNAUTHORIZED, invalid_credentials()));
        assert_eq!(unknown, wrong);
    }
);

e2e_test!(
    async fn logout_revokes_the_token(app: TestApp) {
        let admin = app.create_admin().await;
        let second = app.login(&admin.email, &admin.password).await;
        let response = app
            .builder(
                reqwest::Method::POST,
                "/api/v1/auth/logout",
                Some(&admin.token),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NO_CONTENT);

        assert_eq!(
            app.get("/api/v1/auth/me", Some(&admin.token)).await,
            (StatusCode::UNAUTHORIZED, unauthenticated())
        );
        // Only that session ends.
        let (status, _) = app.get("/api/v1/auth/me", Some(&second)).await;
        assert_eq!(status, StatusCode::OK);
    }
);

e2e_test!(
    async fn missing_malformed_and_unknown_tokens_are_refused(app: TestApp) {
        assert_eq!(
            app.get("/api/v1/auth/me", None).await,
            (StatusCode::UNAUTHORIZED, unauthenticated())
        );
        assert_eq!(
            app.get("/api/v1/auth/me", Some(&"0".repeat(64))).await,
            (StatusCode::UNAUTHORIZED, unauthenticated())
        );
        let response = app
            .builder(reqwest::Method::GET, "/api/v1/auth/me", None)
            .header("authorization", "Basic YWxpY2U6c2VjcmV0")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.headers()["www-authenticate"], "Bearer");
        let response = app
            .builder(reqwest::Method::POST, "/api/v1/auth/logout", None)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
);

e2e_test!(
    async fn bad_login_input_lists_every_problem(app: TestApp) {
        let (status, body) = app
            .post_json(
                LOGIN,
                None,
                &json!({ "email": "not-an-email", "password": "" }),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            body,
            json!({
                "type": "/problems/invalid-input",
                "title": "Invalid input",
                "status": 422,
                "detail": "the request has invalid fields",
                "errors": [
                    { "field": "email", "message": "must be an email address" },
                    { "field": "password", "message": "must be between 1 and 1024 characters" },
                ],
            })
        );

        let (status, body) = app.post_raw(LOGIN, None, "{\"email\": ").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(
            body,
            json!({
                "type": "/problems/bad-request",
                "title": "Bad request",
                "status": 400,
                "detail": "the request could not be read",
                "errors": [{ "field": "body", "message": "EOF while parsing a value at line 1 column 10" }],
            })
        );

        let (status, body) = app
            .post_raw(LOGIN, None, "{\"email\": \"a@example.org\"}")
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(
            body["errors"],
            json!([{ "field": "body", "message": "missing field `password` at line 1 column 26" }])
        );
    }
);

e2e_test!(
    async fn repeated_failed_logins_are_refused_for_a_while(app: TestApp) {
        let admin = app.create_admin().await;
        let wrong = json!({ "email": admin.email, "password": "wrong password" });
        for _ in 0..5 {
            let (status, _) = app.post_json(LOGIN, None, &wrong).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED);
        }
        // Now even the right password is refused until the window passes.
        let response = app
            .builder(reqwest::Method::POST, LOGIN, None)
            .json(&json!({ "email": admin.email, "password": admin.password }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        let retry_after: u64 = response.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=900).contains(&retry_after), "{retry_after}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(
            body,
            problem(
                429,
                "too-many-requests",
                "Too many requests",
                "too many failed logins; try again later"
            )
        );
        // Another email is not affected.
        let other = app.create_admin().await;
        app.login(&other.email, &other.password).await;
    }
);

e2e_test!(
    async fn everyone_logged_in_may_ask_who_they_are(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        for who in EVERYONE {
            let (status, _) = app.get("/api/v1/auth/me", cast.token(who)).await;
            let expected = if who == Who::Anonymous {
                StatusCode::UNAUTHORIZED
            } else {
                StatusCode::OK
            };
            assert_eq!(status, expected, "{who:?}");
        }
    }
);
