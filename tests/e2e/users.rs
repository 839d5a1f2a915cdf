//! Logins within a society: registrars add members, platform
//! administrators appoint registrars.

use super::*;

fn new_user(role: &str) -> serde_json::Value {
    json!({ "email": format!("{role}-{}@example.org", short_id()), "password": PASSWORD, "role": role })
}

e2e_test!(
    async fn who_may_create_which_logins(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let path = format!("/api/v1/societies/{}/users", cast.society);
        for (who, role, expected) in [
            (Who::Anonymous, "member", StatusCode::UNAUTHORIZED),
            (Who::Member, "member", StatusCode::FORBIDDEN),
            (Who::OtherRegistrar, "member", StatusCode::NOT_FOUND),
            (Who::Registrar, "member", StatusCode::CREATED),
            (Who::PlatformAdmin, "member", StatusCode::CREATED),
            (Who::Anonymous, "registrar", StatusCode::UNAUTHORIZED),
            (Who::Member, "registrar", StatusCode::FORBIDDEN),
            (Who::OtherRegistrar, "registrar", StatusCode::NOT_FOUND),
            (Who::Registrar, "registrar", StatusCode::FORBIDDEN),
            (Who::PlatformAdmin, "registrar", StatusCode::CREATED),
        ] {
            let body = new_user(role);
            let (status, answer) = app.post_json(&path, cast.token(who), &body).await;
            assert_eq!(status, expected, "{who:?} creating a {role}: {answer}");
            if status == StatusCode::CREATED {
                assert_eq!(answer["email"], body["email"]);
                assert_eq!(answer["role"], role);
                assert_eq!(answer["society"], "bsanz");
                assert!(answer.get("password").is_none() && answer.get("password_hash").is_none());
                // The new login works and holds the role.
                let token = app.login(body["email"].as_str().unwrap(), PASSWORD).await;
                let (_, me) = app.get("/api/v1/auth/me", Some(&token)).await;
                assert_eq!(me["roles"][0]["role"], role);
            } else {
                // A refused login does not exist.
                let (status, _) = app
                    .post_json(
                        "/api/v1/auth/login",
                        None,
                        &json!({ "email": body["email"], "password": PASSWORD }),
                    )
                    .await;
                assert_eq!(status, StatusCode::UNAUTHORIZED);
            }
        }
    }
);

e2e_test!(
    async fn a_new_registrar_acts_in_their_own_society_only(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        // The registrar of dbg cannot add members to bsanz, but can to dbg.
        let (status, _) = app
            .post_json(
                "/api/v1/societies/bsanz/users",
                Some(&cast.other_registrar.token),
                &new_user("member"),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = app
            .post_json(
                "/api/v1/societies/dbg/users",
                Some(&cast.other_registrar.token),
                &new_user("member"),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
);

e2e_test!(
    async fn bad_logins_are_refused_with_every_problem(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let path = "/api/v1/societies/bsanz/users";
        let token = Some(cast.registrar.token.as_str());
        let (status, body) = app
        .post_json(path, token, &json!({ "email": "nobody", "password": "short", "role": "member", "person_id": "" }))
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            body,
            json!({
                "type": "/problems/invalid-input", "title": "Invalid input", "status": 422,
                "detail": "the request has invalid fields",
                "errors": [
                    { "field": "email", "message": "must be an email address" },
                    { "field": "password", "message": "must be between 12 and 1024 characters" },
                    { "field": "person_id", "message": "must be between 1 and 64 characters" },
                ],
            })
        );

        let (status, body) = app
            .post_json(
                path,
                token,
                &json!({ "email": "a@example.org", "password": PASSWORD, "role": "king" }),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(
            body["errors"],
            json!([{ "field": "body", "message": "unknown variant `king`, expected `registrar` or `member` at line 1 column 74" }])
        );

        let (status, body) = app
        .post_json(path, token, &json!({ "email": cast.member.email.to_uppercase(), "password": PASSWORD, "role": "member" }))
        .await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(
            body,
            problem(
                409,
                "conflict",
                "Conflict",
                &format!(
                    "a login with the email {} already exists",
                    cast.member.email
                )
            )
        );

        let (status, _) = app
            .post_json("/api/v1/societies/nope/users", token, &new_user("member"))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
);

e2e_test!(
    async fn a_person_has_at_most_one_login(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let path = format!("/api/v1/societies/{}/users", cast.society);
        let token = Some(cast.registrar.token.as_str());
        // The member's person already has the member's login.
        let mut second = new_user("member");
        second["person_id"] = json!(cast.member_person);
        let (status, body) = app.post_json(&path, token, &second).await;
        assert_eq!(
            (status, body),
            (
                StatusCode::CONFLICT,
                problem(
                    409,
                    "conflict",
                    "Conflict",
                    &format!("the person {} already has a login", cast.member_person)
                )
            )
        );
        // Nothing was created, and the member still acts as that person.
        let (status, _) = app
            .post_json(
                "/api/v1/auth/login",
                None,
                &json!({ "email": second["email"], "password": PASSWORD }),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (_, me) = app.get("/api/v1/auth/me", Some(&cast.member.token)).await;
        assert_eq!(me["roles"][0]["person_id"], json!(cast.member_person));
    }
);
