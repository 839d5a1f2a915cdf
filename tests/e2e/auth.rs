//! Logging in and out, who am I, and failed-login throttling.

use std::time::Duration;

use balint_accredit_api::auth::throttle::LoginClock;
use balint_accredit_api::Settings;

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

/// Test settings with the login throttle's clock stopped: back-offs pass
/// only when the test moves it on.
fn stopped_clock(settings: &mut Settings) {
    settings.login_clock = LoginClock::stopped_at(chrono::Utc::now().naive_utc());
}

fn too_many_requests() -> serde_json::Value {
    problem(
        429,
        "too-many-requests",
        "Too many requests",
        "too many failed logins; try again later",
    )
}

/// POST a login through `client`: the status and `Retry-After`, if any.
async fn attempt(
    app: &TestApp,
    client: &reqwest::Client,
    email: &str,
    password: &str,
) -> (StatusCode, Option<u64>) {
    let response = client
        .post(format!("{}{LOGIN}", app.base_url))
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().parse().unwrap());
    if status == StatusCode::TOO_MANY_REQUESTS {
        assert_eq!(
            response.json::<serde_json::Value>().await.unwrap(),
            too_many_requests()
        );
    }
    (status, retry_after)
}

e2e_test!(
    async fn after_five_failures_each_attempt_waits_a_growing_back_off(app: TestApp)
    with stopped_clock;
    {
        let admin = app.create_admin().await;
        let client = &app.client;
        for _ in 0..5 {
            let answer = attempt(&app, client, &admin.email, "wrong password").await;
            assert_eq!(answer, (StatusCode::UNAUTHORIZED, None));
        }
        // Now even the right password waits for the back-off: a second.
        assert_eq!(
            attempt(&app, client, &admin.email, &admin.password).await,
            (StatusCode::TOO_MANY_REQUESTS, Some(1))
        );
        // An attempt refused is not counted: the wait stays a second.
        assert_eq!(
            attempt(&app, client, &admin.email, "wrong password").await,
            (StatusCode::TOO_MANY_REQUESTS, Some(1))
        );
        // Each further failure doubles it.
        for wait in [1, 2, 4, 8] {
            app.settings.login_clock.advance(Duration::from_secs(wait));
            assert_eq!(
                attempt(&app, client, &admin.email, "wrong password").await,
                (StatusCode::UNAUTHORIZED, None)
            );
            assert_eq!(
                attempt(&app, client, &admin.email, &admin.password).await,
                (StatusCode::TOO_MANY_REQUESTS, Some(wait * 2))
            );
        }
        // After it, the right password logs in, and clears the failures.
        app.settings.login_clock.advance(Duration::from_secs(16));
        assert_eq!(
            attempt(&app, client, &admin.email, &admin.password).await.0,
            StatusCode::OK
        );
        for _ in 0..5 {
            let answer = attempt(&app, client, &admin.email, "wrong password").await;
            assert_eq!(answer, (StatusCode::UNAUTHORIZED, None));
        }
        // Another email is not affected.
        let other = app.create_admin().await;
        app.login(&other.email, &other.password).await;
    }
);

/// Send `count` wrong passwords for `email` at the same moment: how many
/// were checked (401) and how many refused (429).
async fn guesses_at_once(app: &TestApp, email: &str, count: usize) -> (usize, usize) {
    let guesses = (0..count)
        .map(|i| {
            app.builder(reqwest::Method::POST, LOGIN, None)
                .json(&json!({ "email": email, "password": format!("guess number {i}") }))
        })
        .collect();
    let answers = app.send_all(guesses).await;
    let checked = answers
        .iter()
        .filter(|(status, body)| {
            *status == StatusCode::UNAUTHORIZED && *body == invalid_credentials()
        })
        .count();
    let refused = answers
        .iter()
        .filter(|(status, body)| {
            *status == StatusCode::TOO_MANY_REQUESTS && *body == too_many_requests()
        })
        .count();
    assert_eq!(checked + refused, count, "{answers:?}");
    (checked, refused)
}

e2e_test!(
    async fn guesses_sent_at_once_are_counted_each(app: TestApp) with stopped_clock; {
        let admin = app.create_admin().await;
        // Twenty at once: five are checked, as one after another would be.
        assert_eq!(guesses_at_once(&app, &admin.email, 20).await, (5, 15));
        // Fifty more at once for another account: again five.
        let other = app.create_admin().await;
        assert_eq!(guesses_at_once(&app, &other.email, 50).await, (5, 45));
        // The right password waits for the back-off too.
        assert_eq!(
            attempt(&app, &app.client, &admin.email, &admin.password).await,
            (StatusCode::TOO_MANY_REQUESTS, Some(1))
        );
    }
);

e2e_test!(
    async fn one_address_trying_many_accounts_is_slowed_down(app: TestApp) with stopped_clock; {
        let admin = app.create_admin().await;
        let guesser = app.client_from("127.0.0.2");
        // One guess at each of twenty accounts: all checked. The address
        // it claims to send for is not believed (no trusted proxy).
        for n in 0..20 {
            let response = guesser
                .post(format!("{}{LOGIN}", app.base_url))
                .header("x-forwarded-for", format!("198.51.100.{n}"))
                .json(&json!({ "email": format!("someone-{n}@example.org"), "password": "Winter2026!" }))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "guess {n}");
        }
        // The next one from that address waits, whatever the account,
        // even with the right password.
        assert_eq!(
            attempt(&app, &guesser, "someone-20@example.org", "Winter2026!").await,
            (StatusCode::TOO_MANY_REQUESTS, Some(1))
        );
        assert_eq!(
            attempt(&app, &guesser, &admin.email, &admin.password).await,
            (StatusCode::TOO_MANY_REQUESTS, Some(1))
        );
        // Another address is not affected.
        let elsewhere = app.client_from("127.0.0.3");
        assert_eq!(
            attempt(&app, &elsewhere, "someone-21@example.org", "Winter2026!").await,
            (StatusCode::UNAUTHORIZED, None)
        );
        assert_eq!(
            attempt(&app, &elsewhere, &admin.email, &admin.password).await.0,
            StatusCode::OK
        );
    }
);

e2e_test!(
    async fn the_owner_gets_in_after_the_back_off_while_someone_keeps_guessing(app: TestApp)
    with stopped_clock;
    {
        let admin = app.create_admin().await;
        let attacker = app.client_from("127.0.0.2");
        let owner = app.client_from("127.0.0.3");
        for _ in 0..5 {
            let answer = attempt(&app, &attacker, &admin.email, "guess").await;
            assert_eq!(answer, (StatusCode::UNAUTHORIZED, None));
        }
        // The attacker has used the free failures: everyone waits a second.
        assert_eq!(
            attempt(&app, &attacker, &admin.email, "guess").await,
            (StatusCode::TOO_MANY_REQUESTS, Some(1))
        );
        assert_eq!(
            attempt(&app, &owner, &admin.email, &admin.password).await,
            (StatusCode::TOO_MANY_REQUESTS, Some(1))
        );
        // The attacker takes the next turn and fails: two seconds now.
        app.settings.login_clock.advance(Duration::from_secs(1));
        assert_eq!(
            attempt(&app, &attacker, &admin.email, "guess").await,
            (StatusCode::UNAUTHORIZED, None)
        );
        assert_eq!(
            attempt(&app, &attacker, &admin.email, "guess").await,
            (StatusCode::TOO_MANY_REQUESTS, Some(2))
        );
        // The owner, after the back-off, is let in with the right password,
        // not locked out for a quarter of an hour.
        app.settings.login_clock.advance(Duration::from_secs(2));
        assert_eq!(
            attempt(&app, &owner, &admin.email, &admin.password).await.0,
            StatusCode::OK
        );
    }
);

e2e_test!(
    async fn behind_a_trusted_proxy_the_forwarded_address_is_counted(app: TestApp)
    with |settings| {
        stopped_clock(settings);
        settings.trusted_proxies = "127.0.0.1".parse().unwrap();
    };
    {
        let through_proxy = |client_address: &'static str, n: usize| {
            app.builder(reqwest::Method::POST, LOGIN, None)
                .header("x-forwarded-for", client_address)
                .json(&json!({ "email": format!("someone-{n}@example.org"), "password": "Winter2026!" }))
        };
        for n in 0..20 {
            let (status, _) = app.send(through_proxy("198.51.100.7", n)).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "guess {n}");
        }
        let (status, _) = app.send(through_proxy("198.51.100.7", 20)).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        // Another client behind the same proxy is counted apart.
        let (status, _) = app.send(through_proxy("198.51.100.8", 21)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
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
