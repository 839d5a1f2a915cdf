//! People in a society's records: kept by the registrar; a member reads
//! their own record and changes their contact details and consent.

use serde_json::Value;

use super::*;

const PEOPLE: &str = "/api/v1/societies/bsanz/people";

fn invalid(errors: Value) -> Value {
    json!({
        "type": "/problems/invalid-input", "title": "Invalid input", "status": 422,
        "detail": "the request has invalid fields",
        "errors": errors,
    })
}

async fn patch(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    body: &Value,
) -> (StatusCode, Value) {
    app.send(app.builder(reqwest::Method::PATCH, path, token).json(body))
        .await
}

e2e_test!(
    async fn the_registrar_adds_a_person_and_reads_them_back(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let token = Some(cast.registrar.token.as_str());
        let response = app
            .builder(reqwest::Method::POST, PEOPLE, token)
            .json(&json!({
                "title": "Dr", "given_name": " Ann ", "family_name": "Carter",
                "backgrounds": ["general_practice"], "city": "Hobart", "region": "TAS",
                "email": "ann.carter@example.org", "public_listing": true,
                "entered_pathway_on": "2023-02-01",
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        let created: Value = response.json().await.unwrap();
        let id = created["id"].as_str().unwrap();
        assert_eq!(location, format!("{PEOPLE}/{id}"));
        assert_eq!(created["name"], "Ann Carter");
        assert_eq!(created["given_name"], "Ann");
        assert_eq!(created["society"], "bsanz");
        assert_eq!(created["backgrounds"], json!(["general_practice"]));
        assert_eq!(created["public_listing"], true);
        assert_eq!(created["entered_pathway_on"], "2023-02-01");

        let (status, shown) = app.get(&location, token).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(shown, created);

        // Defaults: not listed publicly, no backgrounds.
        let (status, plain) = app
            .post_json(
                PEOPLE,
                token,
                &json!({ "family_name": "Ng", "display_name": "Professor Ng" }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{plain}");
        assert_eq!(plain["public_listing"], false);
        assert_eq!(plain["backgrounds"], json!([]));
        assert_eq!(plain["name"], "Professor Ng");

        let (_, log) = app
            .get("/api/v1/societies/bsanz/audit?per_page=2", token)
            .await;
        let entry = &log["items"][1];
        assert_eq!(entry["entity_type"], "person");
        assert_eq!(entry["entity_id"], id);
        assert_eq!(entry["after"]["family_name"], "Carter");
        assert_eq!(entry["after"]["email"], "ann.carter@example.org");
    }
);

e2e_test!(
    async fn who_may_add_list_read_and_change_people(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let someone = app.create_person(&cast.registrar, "bsanz", "Someone").await;
        let own = format!("{PEOPLE}/{}", cast.member_person);
        let other = format!("{PEOPLE}/{someone}");
        for (who, add, read_own, read_other) in [
            (
                Who::Anonymous,
                StatusCode::UNAUTHORIZED,
                StatusCode::UNAUTHORIZED,
                StatusCode::UNAUTHORIZED,
            ),
            (
                Who::Member,
                StatusCode::FORBIDDEN,
                StatusCode::OK,
                StatusCode::FORBIDDEN,
            ),
            (
                Who::OtherRegistrar,
                StatusCode::NOT_FOUND,
                StatusCode::NOT_FOUND,
                StatusCode::NOT_FOUND,
            ),
            (
                Who::Registrar,
                StatusCode::CREATED,
                StatusCode::OK,
                StatusCode::OK,
            ),
            (
                Who::PlatformAdmin,
                StatusCode::CREATED,
                StatusCode::OK,
                StatusCode::OK,
            ),
        ] {
            let token = cast.token(who);
            let (status, body) = app
                .post_json(PEOPLE, token, &json!({ "family_name": format!("{who:?}") }))
                .await;
            assert_eq!(status, add, "{who:?} adding: {body}");
            let list = if add == StatusCode::CREATED {
                StatusCode::OK
            } else {
                add
            };
            let (status, body) = app.get(PEOPLE, token).await;
            assert_eq!(status, list, "{who:?} listing: {body}");
            if status == StatusCode::FORBIDDEN {
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

            let (status, body) = app.get(&own, token).await;
            assert_eq!(
                status, read_own,
                "{who:?} reading the member's record: {body}"
            );
            let (status, _) = app.get(&other, token).await;
            assert_eq!(status, read_other, "{who:?} reading another record");

            let (status, body) = patch(
                &app,
                &own,
                token,
                &json!({ "city": format!("{who:?} city") }),
            )
            .await;
            assert_eq!(
                status, read_own,
                "{who:?} changing the member's record: {body}"
            );
            let (status, _) = patch(&app, &other, token, &json!({ "city": "Elsewhere" })).await;
            assert_eq!(status, read_other, "{who:?} changing another record");
        }
        let (_, me) = app.get(&own, Some(&cast.registrar.token)).await;
        assert_eq!(me["city"], "PlatformAdmin city");
        let (_, list) = app.get(PEOPLE, Some(&cast.registrar.token)).await;
        // Member, Someone, and the two added by the registrar and the admin.
        assert_eq!(list["total"], 4);
    }
);

e2e_test!(
    async fn a_member_changes_only_their_contact_place_and_consent(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let own = format!("{PEOPLE}/{}", cast.member_person);
        let token = Some(cast.member.token.as_str());
        let (status, body) = patch(
            &app,
            &own,
            token,
            &json!({ "email": "me@example.org", "city": "Dunedin", "region": "Otago", "public_listing": true }),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["email"], "me@example.org");
        assert_eq!(body["region"], "Otago");
        assert_eq!(body["public_listing"], true);
        assert_ne!(body["updated_at"], body["created_at"]);

        let (status, body) = patch(
            &app,
            &own,
            token,
            &json!({ "family_name": "Renamed", "backgrounds": [], "city": null, "colour": "blue" }),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            body,
            invalid(json!([
                { "field": "backgrounds", "message": "only the registrar may change this" },
                { "field": "colour", "message": "unknown field" },
                { "field": "family_name", "message": "only the registrar may change this" },
            ]))
        );
        let (_, unchanged) = app.get(&own, token).await;
        assert_eq!(unchanged["family_name"], "Member");
        assert_eq!(unchanged["city"], "Dunedin");

        // The change is in the log with what it was before.
        let (_, log) = app
            .get(
                "/api/v1/societies/bsanz/audit?per_page=1",
                Some(&cast.registrar.token),
            )
            .await;
        let entry = &log["items"][0];
        assert_eq!(entry["action"], "update");
        assert_eq!(entry["entity_type"], "person");
        assert_eq!(entry["entity_id"], cast.member_person);
        assert_eq!(
            entry["before"],
            json!({ "email": null, "city": null, "region": null, "public_listing": false })
        );
        assert_eq!(
            entry["after"],
            json!({ "email": "me@example.org", "city": "Dunedin", "region": "Otago", "public_listing": true })
        );
        let (_, me) = app.get("/api/v1/auth/me", token).await;
        assert_eq!(entry["actor_user_id"], me["id"]);

        // Clearing a field, and a change that changes nothing is not logged.
        let (status, body) = patch(&app, &own, token, &json!({ "city": null })).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["city"], Value::Null);
        let (_, before) = app
            .get("/api/v1/societies/bsanz/audit", Some(&cast.registrar.token))
            .await;
        let (status, _) = patch(&app, &own, token, &json!({ "region": "Otago" })).await;
        assert_eq!(status, StatusCode::OK);
        let (_, after) = app
            .get("/api/v1/societies/bsanz/audit", Some(&cast.registrar.token))
            .await;
        assert_eq!(before["total"], after["total"]);
    }
);

e2e_test!(
    async fn bad_people_are_refused_with_every_problem(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let token = Some(cast.registrar.token.as_str());
        let (status, body) = app
            .post_json(
                PEOPLE,
                token,
                &json!({
                    "given_name": "", "email": "not an email", "public_listing": "yes",
                    "entered_pathway_on": "2999-01-01", "backgrounds": ["gp", "gp", 7],
                    "shoe_size": 42,
                }),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            body,
            invalid(json!([
                { "field": "backgrounds[1]", "message": "is listed twice" },
                { "field": "backgrounds[2]", "message": "must be a label of 1 to 64 characters" },
                { "field": "email", "message": "must be an email address" },
                { "field": "entered_pathway_on", "message": "must not be in the future" },
                { "field": "family_name", "message": "is required" },
                { "field": "given_name", "message": "must be between 1 and 100 characters" },
                { "field": "public_listing", "message": "must be true or false" },
                { "field": "shoe_size", "message": "unknown field" },
            ]))
        );

        let own = format!("{PEOPLE}/{}", cast.member_person);
        let (status, body) = patch(
            &app,
            &own,
            token,
            &json!({ "family_name": null, "entered_pathway_on": "01/02/2023", "title": 3, "nickname": "M" }),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            body,
            invalid(json!([
                { "field": "entered_pathway_on", "message": "must be a date (YYYY-MM-DD)" },
                { "field": "family_name", "message": "is required" },
                { "field": "nickname", "message": "unknown field" },
                { "field": "title", "message": "must be a string or null" },
            ]))
        );

        let (status, body) = patch(&app, &own, token, &json!(["not", "an", "object"])).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["type"], "/problems/bad-request");

        let (status, body) = app.get(&format!("{PEOPLE}/nobody"), token).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(
            body,
            problem(404, "not-found", "Not found", "person nobody not found")
        );
    }
);

e2e_test!(
    async fn backgrounds_are_the_ones_the_pathway_declares(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let token = Some(cast.registrar.token.as_str());
        // No pathway yet: any label.
        let (status, body) = app
            .post_json(
                PEOPLE,
                token,
                &json!({ "family_name": "Free", "backgrounds": ["psychodynamic"] }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");

        let (status, _) = app
            .post_json(
                "/api/v1/societies/bsanz/pathway/adopt",
                token,
                &json!({ "preset": "uk-2016" }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
        let (status, body) = app
            .post_json(
                PEOPLE,
                token,
                &json!({ "family_name": "Bound", "backgrounds": ["psychodynamic"] }),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            body,
            invalid(json!([{
                "field": "backgrounds[0]",
                "message": "is not a background the pathway declares (psychodynamic_training)",
            }]))
        );
        let (status, body) = app
            .post_json(
                PEOPLE,
                token,
                &json!({ "family_name": "Bound", "backgrounds": ["psychodynamic_training"] }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");

        // Someone's address can still change though their old label is not declared.
        let id = app.get(&format!("{PEOPLE}?q=free"), token).await.1["items"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let (status, body) = patch(
            &app,
            &format!("{PEOPLE}/{id}"),
            token,
            &json!({ "city": "Perth" }),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
);

e2e_test!(
    async fn people_are_listed_in_name_order_and_filtered(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let token = Some(cast.registrar.token.as_str());
        for (given, family, region) in [
            ("Ann", "Carter", "NSW"),
            ("Zoe", "Abbott", "VIC"),
            ("Adam", "abbott", "NSW"),
            ("Per_cent", "O'Brien", "VIC"),
        ] {
            let (status, body) = app
                .post_json(
                    PEOPLE,
                    token,
                    &json!({ "given_name": given, "family_name": family, "region": region }),
                )
                .await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
        }
        let names = |body: &Value| -> Vec<String> {
            body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["name"].as_str().unwrap().to_owned())
                .collect()
        };
        let (status, first) = app.get(&format!("{PEOPLE}?per_page=3"), token).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(first["total"], 5);
        assert_eq!(names(&first), ["Adam abbott", "Zoe Abbott", "Ann Carter"]);
        let (_, second) = app.get(&format!("{PEOPLE}?per_page=3&page=2"), token).await;
        assert_eq!(names(&second), ["Member", "Per_cent O'Brien"]);

        let (_, found) = app.get(&format!("{PEOPLE}?q=ABB"), token).await;
        assert_eq!(found["total"], 2);
        assert_eq!(names(&found), ["Adam abbott", "Zoe Abbott"]);
        let (_, found) = app.get(&format!("{PEOPLE}?q=ann%20car"), token).await;
        assert_eq!(names(&found), ["Ann Carter"]);
        let (_, found) = app.get(&format!("{PEOPLE}?region=NSW"), token).await;
        assert_eq!(names(&found), ["Adam abbott", "Ann Carter"]);
        let (_, found) = app.get(&format!("{PEOPLE}?region=VIC&q=o"), token).await;
        assert_eq!(names(&found), ["Zoe Abbott", "Per_cent O'Brien"]);
        // Wildcards are plain characters.
        let (_, found) = app.get(&format!("{PEOPLE}?q=%25"), token).await;
        assert_eq!(found["total"], 0);
        let (_, found) = app.get(&format!("{PEOPLE}?q=r_c"), token).await;
        assert_eq!(names(&found), ["Per_cent O'Brien"]);

        let (status, body) = app.get(&format!("{PEOPLE}?page=0"), token).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(
            body["errors"],
            json!([{ "field": "page", "message": "must be between 1 and 1000000" }])
        );
    }
);

e2e_test!(
    async fn another_societys_people_stay_invisible(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let theirs = &cast.other_member_person;
        // Through this society's address, their person does not exist here.
        let (status, _) = app
            .get(&format!("{PEOPLE}/{theirs}"), Some(&cast.registrar.token))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = patch(
            &app,
            &format!("{PEOPLE}/{theirs}"),
            Some(&cast.registrar.token),
            &json!({ "city": "Sydney" }),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // Through theirs, this registrar is nobody: told nothing is there,
        // exactly as for a person who does not exist.
        for person in [theirs.as_str(), "nobody"] {
            let (status, body) = app
                .get(
                    &format!("/api/v1/societies/dbg/people/{person}"),
                    Some(&cast.registrar.token),
                )
                .await;
            assert_eq!(
                (status, body),
                (
                    StatusCode::NOT_FOUND,
                    problem(404, "not-found", "Not found", "resource not found")
                )
            );
        }
        // Each registrar's list holds their own society's people only.
        let (_, ours) = app.get(PEOPLE, Some(&cast.registrar.token)).await;
        assert_eq!(ours["total"], 1);
        assert_eq!(ours["items"][0]["id"], cast.member_person);
        let (_, dbg) = app
            .get(
                "/api/v1/societies/dbg/people",
                Some(&cast.other_registrar.token),
            )
            .await;
        assert_eq!(dbg["total"], 1);
        assert_eq!(dbg["items"][0]["id"], *theirs);
        // A member of one society cannot reach their namesake record elsewhere.
        let (status, _) = app
            .get(
                &format!("/api/v1/societies/dbg/people/{}", cast.member_person),
                Some(&cast.member.token),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
);

e2e_test!(
    async fn a_login_links_only_to_a_person_of_its_society(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let path = "/api/v1/societies/bsanz/users";
        let token = Some(cast.registrar.token.as_str());
        for person in [cast.other_member_person.as_str(), "nobody"] {
            let (status, body) = app
                .post_json(
                    path,
                    token,
                    &json!({
                        "email": format!("m-{}@example.org", short_id()), "password": PASSWORD,
                        "role": "member", "person_id": person,
                    }),
                )
                .await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{person}: {body}");
            assert_eq!(
                body,
                invalid(
                    json!([{ "field": "person_id", "message": "no person in this society has this id" }])
                )
            );
        }
        let person = app.create_person(&cast.registrar, "bsanz", "Linked").await;
        let login = app
            .create_user(&cast.registrar, "bsanz", "member", Some(&person))
            .await;
        let (status, me) = app
            .get(&format!("{PEOPLE}/{person}"), Some(&login.token))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(me["family_name"], "Linked");
    }
);

e2e_test!(
    async fn backgrounds_follow_the_pathway_version_in_force_when_the_person_entered(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let token = Some(cast.registrar.token.as_str());
        // Version 1 from 2016 (UK criteria); version 2 from June 2023, with
        // other backgrounds.
        let (status, _) = app
            .post_json(
                "/api/v1/societies/bsanz/pathway/adopt",
                token,
                &json!({ "preset": "uk-2016", "effective_from": "2016-01-01" }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
        let (_, preset) = app.get("/api/v1/pathway-presets/bsanz-leader", None).await;
        let mut later = preset["document"].clone();
        later["effective_from"] = json!("2023-06-01");
        later["backgrounds"] = json!(["group_analysis"]);
        let (status, body) = app
            .send(
                app.builder(
                    reqwest::Method::PUT,
                    "/api/v1/societies/bsanz/pathway",
                    token,
                )
                .json(&later),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");

        // Entered in 2020: held to the 2016 rules and their backgrounds.
        let (status, body) = app
            .post_json(
                PEOPLE,
                token,
                &json!({ "family_name": "Early", "entered_pathway_on": "2020-03-01",
                         "backgrounds": ["psychodynamic_training"] }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        // Entered in 2024, or not yet: the 2023 rules.
        for entered in [json!("2024-01-15"), Value::Null] {
            let (status, body) = app
                .post_json(
                    PEOPLE,
                    token,
                    &json!({ "family_name": "Late", "entered_pathway_on": entered,
                             "backgrounds": ["psychodynamic_training"] }),
                )
                .await;
            assert_eq!(
                status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{entered}: {body}"
            );
            assert_eq!(
                body["errors"],
                json!([{ "field": "backgrounds[0]", "message": "is not a background the pathway declares (group_analysis)" }])
            );
        }
        // Moving the early person's entry date re-checks their backgrounds.
        let (_, found) = app.get(&format!("{PEOPLE}?q=early"), token).await;
        let early = format!("{PEOPLE}/{}", found["items"][0]["id"].as_str().unwrap());
        let (status, _) = patch(
            &app,
            &early,
            token,
            &json!({ "entered_pathway_on": "2024-01-15" }),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let (status, _) = patch(
            &app,
            &early,
            token,
            &json!({ "entered_pathway_on": "2024-01-15", "backgrounds": ["group_analysis"] }),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
    }
);

e2e_test!(
    async fn every_page_of_a_long_list_follows_the_order_after_adds_and_renames(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let token = Some(cast.registrar.token.as_str());
        let add = |family: String| {
            let app = &app;
            async move {
                let (status, body) = app
                    .post_json(PEOPLE, token, &json!({ "family_name": family }))
                    .await;
                assert_eq!(status, StatusCode::CREATED, "{body}");
                body["id"].as_str().unwrap().to_owned()
            }
        };
        // More people than the list keeps a mark for (every 50th), added out
        // of order.
        let mut ids = Vec::new();
        for n in 0..130 {
            ids.push(add(format!("Name{:03}", (n * 37) % 130)).await);
        }
        let listed = |per_page: u32| {
            let app = &app;
            async move {
                let mut names = Vec::new();
                let mut page = 1;
                loop {
                    let (status, body) = app
                        .get(&format!("{PEOPLE}?per_page={per_page}&page={page}"), token)
                        .await;
                    assert_eq!(status, StatusCode::OK, "{body}");
                    let items = body["items"].as_array().unwrap();
                    if items.is_empty() {
                        return (names, body["total"].as_i64().unwrap());
                    }
                    names.extend(items.iter().map(|p| p["name"].as_str().unwrap().to_owned()));
                    page += 1;
                }
            }
        };
        let mut expected: Vec<String> = (0..130).map(|n| format!("Name{n:03}")).collect();
        expected.push("Member".to_owned());
        expected.sort_by_key(|n| n.to_lowercase());
        for per_page in [7, 25, 50, 100] {
            assert_eq!(
                listed(per_page).await,
                (expected.clone(), 131),
                "{per_page}"
            );
        }

        // Someone added ahead of everyone, someone renamed to the end.
        add("Aaron".to_owned()).await;
        let renamed = &ids[0];
        let (status, body) = patch(
            &app,
            &format!("{PEOPLE}/{renamed}"),
            token,
            &json!({ "family_name": "Zz" }),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        expected.retain(|n| n != "Name000");
        expected.insert(0, "Aaron".to_owned());
        expected.push("Zz".to_owned());
        for per_page in [7, 50] {
            assert_eq!(
                listed(per_page).await,
                (expected.clone(), 132),
                "{per_page}"
            );
        }
        let (_, past) = app
            .get(&format!("{PEOPLE}?per_page=50&page=4"), token)
            .await;
        assert_eq!(past["items"], json!([]));
        assert_eq!(past["total"], 132);
    }
);
