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

/// The id of `email`'s login in bsanz's list, as `by` reads it.
async fn login_id(app: &TestApp, by: &Login, email: &str) -> String {
    let (status, body) = app
        .get("/api/v1/societies/bsanz/users", Some(&by.token))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["email"] == email)
        .unwrap_or_else(|| panic!("{email} not in {body}"))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

e2e_test!(
    async fn a_disabled_login_cannot_sign_in_nor_use_its_tokens_until_enabled(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let (status, list) = app
            .get("/api/v1/societies/bsanz/users", Some(&cast.registrar.token))
            .await;
        assert_eq!(status, StatusCode::OK, "{list}");
        assert_eq!(list["total"], 2, "the registrar and the member: {list}");
        let member = &list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["email"] == cast.member.email.as_str())
            .unwrap();
        assert_eq!(member["role"], "member");
        assert_eq!(member["person_id"], cast.member_person.as_str());
        assert_eq!(member["disabled"], false);
        assert!(member["last_signed_in"].is_string());
        for (who, expected) in [
            (Who::Anonymous, StatusCode::UNAUTHORIZED),
            (Who::Member, StatusCode::FORBIDDEN),
            (Who::OtherRegistrar, StatusCode::NOT_FOUND),
            (Who::PlatformAdmin, StatusCode::OK),
        ] {
            let (status, _) = app
                .get("/api/v1/societies/bsanz/users", cast.token(who))
                .await;
            assert_eq!(status, expected, "{who:?}");
        }

        let id = member["id"].as_str().unwrap().to_owned();
        let disable = format!("/api/v1/societies/bsanz/users/{id}/disable");
        let (status, _) = app
            .post_json(&disable, Some(&cast.other_registrar.token), &json!({}))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = app
            .post_json(&disable, Some(&cast.member.token), &json!({}))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, disabled) = app
            .post_json(&disable, Some(&cast.registrar.token), &json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{disabled}");
        assert_eq!(disabled["disabled"], true);
        assert!(disabled["disabled_at"].is_string());

        // Its token is dead, and signing in is refused: 403 with the right
        // password only.
        let (status, _) = app.get("/api/v1/auth/me", Some(&cast.member.token)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _) = app
            .post_json(
                "/api/v1/auth/login",
                None,
                &json!({ "email": cast.member.email, "password": PASSWORD }),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = app
            .post_json(
                "/api/v1/auth/login",
                None,
                &json!({ "email": cast.member.email, "password": "not the password at all" }),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        // Disabling again changes nothing.
        let (status, again) = app
            .post_json(&disable, Some(&cast.registrar.token), &json!({}))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(again["disabled_at"], disabled["disabled_at"]);
        // No password link for a disabled login.
        let (status, _) = app
            .post_json(
                &format!("/api/v1/societies/bsanz/users/{id}/password-reset"),
                Some(&cast.registrar.token),
                &json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT);

        let (status, enabled) = app
            .post_json(
                &format!("/api/v1/societies/bsanz/users/{id}/enable"),
                Some(&cast.registrar.token),
                &json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{enabled}");
        assert_eq!(enabled["disabled"], false);
        let (status, _) = app.get("/api/v1/auth/me", Some(&cast.member.token)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "old tokens stay revoked");
        app.login(&cast.member.email, PASSWORD).await;

        // The audit log keeps both changes.
        let (_, log) = app
            .get(
                &format!(
                    "/api/v1/societies/bsanz/audit?entity_type=user&entity_id={id}&action=update"
                ),
                Some(&cast.registrar.token),
            )
            .await;
        assert_eq!(log["total"], 2, "{log}");
        assert_eq!(log["items"][0]["after"]["disabled"], false);
        assert_eq!(log["items"][1]["after"]["disabled"], true);
    }
);

e2e_test!(
    async fn registrars_manage_members_logins_only_and_never_their_own(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let second = app
            .create_user(&cast.admin, "bsanz", "registrar", None)
            .await;
        let own = login_id(&app, &cast.registrar, &cast.registrar.email).await;
        let other = login_id(&app, &cast.registrar, &second.email).await;
        let (status, _) = app
            .post_json(
                &format!("/api/v1/societies/bsanz/users/{own}/disable"),
                Some(&cast.registrar.token),
                &json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT);
        for action in ["disable", "password-reset"] {
            let (status, _) = app
                .post_json(
                    &format!("/api/v1/societies/bsanz/users/{other}/{action}"),
                    Some(&cast.registrar.token),
                    &json!({}),
                )
                .await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{action}");
        }
        let (status, _) = app
            .post_json(
                &format!("/api/v1/societies/bsanz/users/{other}/disable"),
                Some(&cast.admin.token),
                &json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = app
            .post_json(
                "/api/v1/societies/bsanz/users/no-such-login/disable",
                Some(&cast.registrar.token),
                &json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
);

e2e_test!(
    async fn a_password_link_sets_a_new_password_once_and_revokes_the_sessions(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let id = login_id(&app, &cast.registrar, &cast.member.email).await;
        let issue = format!("/api/v1/societies/bsanz/users/{id}/password-reset");
        let (status, first) = app
            .post_json(&issue, Some(&cast.registrar.token), &json!({}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{first}");
        let (_, issued) = app
            .post_json(&issue, Some(&cast.registrar.token), &json!({}))
            .await;
        let token = issued["token"].as_str().unwrap();
        assert_eq!(issued["path"], format!("/reset/{token}"));
        assert_eq!(issued["user"], id.as_str());
        let set = |token: &str, password: &str| json!({ "token": token, "password": password });

        // The first link was closed by the second.
        let (status, _) = app
            .post_json(
                "/api/v1/auth/password-reset",
                None,
                &set(first["token"].as_str().unwrap(), "a new long passphrase"),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // A password the rules refuse leaves the link open.
        let (status, body) = app
            .post_json("/api/v1/auth/password-reset", None, &set(token, "short"))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["errors"][0]["field"], "password");
        let (status, _) = app
            .post_json(
                "/api/v1/auth/password-reset",
                None,
                &set(token, "a new long passphrase"),
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        // Once only.
        let (status, _) = app
            .post_json(
                "/api/v1/auth/password-reset",
                None,
                &set(token, "yet another passphrase"),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        let (status, _) = app.get("/api/v1/auth/me", Some(&cast.member.token)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "sessions are revoked");
        let (status, _) = app
            .post_json(
                "/api/v1/auth/login",
                None,
                &json!({ "email": cast.member.email, "password": PASSWORD }),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "the old password is gone");
        app.login(&cast.member.email, "a new long passphrase").await;

        // The log says a link was issued and used, never the token.
        let (_, log) = app
            .get(
                &format!("/api/v1/societies/bsanz/audit?entity_id={id}"),
                Some(&cast.registrar.token),
            )
            .await;
        let text = log.to_string();
        assert!(!text.contains(token));
        assert!(text.contains("set with a reset link"));
        assert!(text.contains("password_reset_issued_until"));
    }
);
