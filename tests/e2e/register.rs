//! The register: grants, status changes with public or confidential
//! reasons, the public register and its search, lapse, renewals, the
//! renewals coming due, and registration numbers under concurrent grants.

use serde_json::Value;

use super::*;

const REGISTER: &str = "/api/v1/societies/bsanz/register";

/// Adopt the UK 2016 pathway (accredited leader: a 12-month cycle with 3
/// months' grace) as bsanz's rules.
pub async fn adopt_pathway(app: &TestApp, cast: &Cast) {
    let (status, body) = app
        .post_json(
            "/api/v1/societies/bsanz/pathway/adopt",
            Some(&cast.registrar.token),
            &json!({ "preset": "uk-2016" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "adopting: {body}");
}

/// Add a person to bsanz; returns their id.
pub async fn person(app: &TestApp, cast: &Cast, given: &str, family: &str, extra: Value) -> String {
    let mut body = json!({
        "title": "Dr", "given_name": given, "family_name": family,
        "entered_pathway_on": "2022-01-10",
    });
    for (key, value) in extra.as_object().unwrap() {
        body[key] = value.clone();
    }
    let (status, created) = app
        .post_json(
            "/api/v1/societies/bsanz/people",
            Some(&cast.registrar.token),
            &body,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "adding {given}: {created}");
    created["id"].as_str().unwrap().to_owned()
}

/// Grant `person` the accredited leader tier on `effective`.
pub async fn grant(app: &TestApp, cast: &Cast, person: &str, effective: &str) -> Value {
    let (status, body) = app
        .post_json(
            REGISTER,
            Some(&cast.registrar.token),
            &json!({
                "person_id": person, "tier": "accredited-leader",
                "effective": effective, "reason": "council decision",
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "granting: {body}");
    body
}

async fn change(
    app: &TestApp,
    cast: &Cast,
    registration: &str,
    action: &str,
    effective: &str,
    reason: &str,
    visibility: &str,
) -> (StatusCode, Value) {
    app.post_json(
        &format!("{REGISTER}/{registration}/status"),
        Some(&cast.registrar.token),
        &json!({ "action": action, "effective": effective, "reason": reason, "visibility": visibility }),
    )
    .await
}

async fn verify(app: &TestApp, registration: &str, as_of: &str) -> Value {
    let (status, body) = app
        .get(
            &format!("/api/v1/verify/bsanz/{registration}?as_of={as_of}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "verifying on {as_of}: {body}");
    body
}

async fn lapse(app: &TestApp, cast: &Cast, as_of: &str) -> (StatusCode, Value) {
    app.post_json(
        &format!("{REGISTER}/lapse?as_of={as_of}"),
        Some(&cast.registrar.token),
        &json!({}),
    )
    .await
}

async fn due(app: &TestApp, cast: &Cast, query: &str) -> (StatusCode, Value) {
    app.get(
        &format!("{REGISTER}/due?{query}"),
        Some(&cast.registrar.token),
    )
    .await
}

/// Record that `person` kept their society membership on `date` (the UK
/// 2016 renewal requirement), as the registrar; returns the record's id.
/// The record stays pending unless `confirm`.
pub async fn membership(
    app: &TestApp,
    cast: &Cast,
    person: &str,
    date: &str,
    confirm: bool,
) -> String {
    let (status, record) = app
        .post_json(
            &format!("/api/v1/societies/bsanz/people/{person}/activities"),
            Some(&cast.registrar.token),
            &json!({ "kind": "prerequisite", "date": date, "amount": 1, "unit": "events",
                     "prerequisite_type": "membership", "notes": "annual subscription paid" }),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "recording membership: {record}"
    );
    let id = record["id"].as_str().unwrap().to_owned();
    if confirm {
        let (status, body) = app
            .post_json(
                &format!("/api/v1/societies/bsanz/activities/{id}/attestation"),
                Some(&cast.registrar.token),
                &json!({ "decision": "confirm", "comment": "membership checked" }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "confirming membership: {body}");
    }
    id
}

async fn renew(
    app: &TestApp,
    token: Option<&str>,
    registration: &str,
    body: Value,
) -> (StatusCode, Value) {
    app.post_json(&format!("{REGISTER}/{registration}/renewals"), token, &body)
        .await
}

e2e_test!(
    async fn a_leaders_history_reads_right_on_every_date(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        adopt_pathway(&app, &cast).await;
        let ann = person(
            &app,
            &cast,
            "Ann",
            "Carter",
            json!({ "city": "Hobart", "region": "TAS", "public_listing": true, "email": "ann@example.org" }),
        )
        .await;

        let granted = grant(&app, &cast, &ann, "2024-03-01").await;
        assert_eq!(granted["registration"], "BSANZ-0001");
        assert_eq!(granted["status"], "accredited");
        assert_eq!(granted["tier"], "accredited-leader");
        assert_eq!(granted["first_accredited"], "2024-03-01");
        // Twelve months to the day before the anniversary, three months' grace.
        assert_eq!(granted["valid_until"], "2025-02-28");
        assert_eq!(granted["lapses_on"], "2025-06-01");

        let (status, suspended) = change(
            &app,
            &cast,
            "BSANZ-0001",
            "suspend",
            "2024-06-01",
            "complaint under review",
            "confidential",
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{suspended}");
        assert_eq!(suspended["status"], "suspended");

        // The public sees that she is suspended, never why.
        let (status, public) = app.get(&format!("{REGISTER}/BSANZ-0001"), None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(public["status"], "suspended");
        assert_eq!(public["name"], "Ann Carter");
        assert_eq!(public["history"][1]["action"], "suspend");
        assert_eq!(public["history"][1]["reason"], Value::Null);
        assert!(!public.to_string().contains("complaint"), "{public}");
        assert!(!public.to_string().contains("ann@example.org"), "{public}");
        // A member of the society is the public here too.
        let (_, as_member) = app
            .get(&format!("{REGISTER}/BSANZ-0001"), Some(&cast.member.token))
            .await;
        assert_eq!(as_member, public);

        let (status, reinstated) = change(
            &app,
            &cast,
            "BSANZ-0001",
            "reinstate",
            "2024-07-01",
            "complaint dismissed",
            "public",
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{reinstated}");
        assert_eq!(reinstated["status"], "accredited");

        // The lapse job: nothing before the grace period ends, then once.
        let (status, report) = lapse(&app, &cast, "2025-05-31").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(report, json!({ "as_of": "2025-05-31", "lapsed": [] }));
        let (_, report) = lapse(&app, &cast, "2025-06-01").await;
        assert_eq!(
            report,
            json!({ "as_of": "2025-06-01", "lapsed": [{ "registration": "BSANZ-0001", "effective": "2025-06-01" }] })
        );
        let (_, again) = lapse(&app, &cast, "2025-06-01").await;
        assert_eq!(again["lapsed"], json!([]));

        // Verify, before, during and after each change.
        for (as_of, on_register, status, accredited) in [
            ("2024-02-29", false, Value::Null, false),
            ("2024-03-01", true, json!("accredited"), true),
            ("2024-05-31", true, json!("accredited"), true),
            ("2024-06-01", true, json!("suspended"), false),
            ("2024-06-30", true, json!("suspended"), false),
            ("2024-07-01", true, json!("accredited"), true),
            ("2025-05-31", true, json!("accredited"), true),
            ("2025-06-01", true, json!("lapsed"), false),
        ] {
            let answer = verify(&app, "BSANZ-0001", as_of).await;
            assert_eq!(answer["on_register"], on_register, "on {as_of}: {answer}");
            assert_eq!(answer["status"], status, "on {as_of}: {answer}");
            assert_eq!(answer["accredited"], accredited, "on {as_of}: {answer}");
        }
        let answer = verify(&app, "BSANZ-0001", "2024-06-15").await;
        assert_eq!(answer["registration"], "BSANZ-0001");
        assert_eq!(answer["name"], "Ann Carter");
        assert_eq!(answer["tier"], "accredited-leader");
        assert_eq!(answer["valid_until"], "2025-02-28");
        assert!(!answer.to_string().contains("complaint"));

        // Only the transitions the rules allow.
        let (status, body) = change(
            &app,
            &cast,
            "BSANZ-0001",
            "reinstate",
            "2025-07-01",
            "appeal",
            "public",
        )
        .await;
        assert_eq!(
            (status, body),
            (
                StatusCode::CONFLICT,
                problem(409, "conflict", "Conflict",
                    "a lapsed entry cannot be reinstated: a lapsed entry returns by renewal or a new grant"),
            )
        );
        let (status, _) = change(
            &app,
            &cast,
            "BSANZ-0001",
            "revoke",
            "2025-08-01",
            "council decision 2025/3",
            "public",
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let (status, body) = change(
            &app,
            &cast,
            "BSANZ-0001",
            "reinstate",
            "2025-09-01",
            "appeal",
            "public",
        )
        .await;
        assert_eq!(
            (status, body),
            (
                StatusCode::CONFLICT,
                problem(409, "conflict", "Conflict",
                    "a revoked entry cannot be reinstated: revocation is final; no change follows it"),
            )
        );
        let (status, body) = change(
            &app,
            &cast,
            "BSANZ-0001",
            "retire",
            "2025-01-01",
            "back-dated",
            "public",
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");

        // The registrar sees the whole history, confidential reasons included.
        let (status, full) = app
            .get(
                &format!("{REGISTER}/BSANZ-0001"),
                Some(&cast.registrar.token),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let actions: Vec<&str> = full["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["action"].as_str().unwrap())
            .collect();
        assert_eq!(
            actions,
            ["grant", "suspend", "reinstate", "lapse", "revoke"]
        );
        assert_eq!(full["history"][1]["reason"], "complaint under review");
        assert_eq!(full["history"][1]["visibility"], "confidential");
        assert_eq!(full["status"], "revoked");
        assert_eq!(full["person_id"], ann.as_str());
    }
);

e2e_test!(
    async fn the_public_register_shows_only_consenting_people_and_public_fields(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        adopt_pathway(&app, &cast).await;
        let ann = person(
            &app,
            &cast,
            "Ann",
            "Carter",
            json!({ "city": "Hobart", "region": "TAS", "public_listing": true }),
        )
        .await;
        let bob = person(
            &app,
            &cast,
            "Bob",
            "Abbott",
            json!({ "city": "Sydney", "region": "NSW", "public_listing": true }),
        )
        .await;
        let cat = person(
            &app,
            &cast,
            "Cat",
            "Brown",
            json!({ "city": "Hobart", "region": "TAS", "public_listing": false }),
        )
        .await;
        grant(&app, &cast, &ann, "2025-03-01").await;
        grant(&app, &cast, &bob, "2025-04-01").await;
        grant(&app, &cast, &cat, "2025-05-01").await;
        let (status, _) = change(
            &app,
            &cast,
            "BSANZ-0002",
            "suspend",
            "2025-06-01",
            "fees unpaid",
            "public",
        )
        .await;
        assert_eq!(status, StatusCode::OK);

        let (status, page) = app.get(REGISTER, None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(page["total"], 2);
        assert_eq!(
            page["items"],
            json!([
                { "registration": "BSANZ-0002", "title": "Dr", "name": "Bob Abbott", "city": "Sydney", "region": "NSW",
                  "tier": "accredited-leader", "status": "suspended", "first_accredited": "2025-04-01", "valid_until": "2026-03-31" },
                { "registration": "BSANZ-0001", "title": "Dr", "name": "Ann Carter", "city": "Hobart", "region": "TAS",
                  "tier": "accredited-leader", "status": "accredited", "first_accredited": "2025-03-01", "valid_until": "2026-02-28" },
            ])
        );

        let registrations = |page: &Value| -> Vec<String> {
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["registration"].as_str().unwrap().to_owned())
                .collect()
        };
        for (query, expected) in [
            ("q=carT", vec!["BSANZ-0001"]),
            ("region=tas", vec!["BSANZ-0001"]),
            ("region=Sydney", vec!["BSANZ-0002"]),
            ("status=suspended", vec!["BSANZ-0002"]),
            (
                "tier=accredited-leader&per_page=1&page=2",
                vec!["BSANZ-0001"],
            ),
            ("tier=leader-trainer", vec![]),
            ("q=brown", vec![]),
        ] {
            let (status, page) = app.get(&format!("{REGISTER}?{query}"), None).await;
            assert_eq!(status, StatusCode::OK, "{query}: {page}");
            assert_eq!(registrations(&page), expected, "{query}");
        }
        let (status, body) = app.get(&format!("{REGISTER}?status=dormant"), None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

        // Unlisted and unknown numbers: the same 404, on the entry and on verify.
        for registration in ["BSANZ-0003", "BSANZ-0999"] {
            let (status, body) = app.get(&format!("{REGISTER}/{registration}"), None).await;
            assert_eq!(
                (status, body),
                (
                    StatusCode::NOT_FOUND,
                    problem(
                        404,
                        "not-found",
                        "Not found",
                        &format!("registration {registration} not found")
                    ),
                )
            );
            let (status, body) = app
                .get(
                    &format!("/api/v1/verify/bsanz/{registration}?as_of=2025-06-01"),
                    None,
                )
                .await;
            assert_eq!(
                (status, body),
                (
                    StatusCode::NOT_FOUND,
                    problem(
                        404,
                        "not-found",
                        "Not found",
                        &format!("registration {registration} not found")
                    ),
                )
            );
        }
        // The registrar sees the unlisted entry.
        let (status, full) = app
            .get(
                &format!("{REGISTER}/BSANZ-0003"),
                Some(&cast.registrar.token),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(full["public_listing"], false);
        // Another society's registrar is the public there.
        let (status, _) = app
            .get(
                &format!("{REGISTER}/BSANZ-0003"),
                Some(&cast.other_registrar.token),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // A public reason is public.
        let (_, bob_entry) = app.get(&format!("{REGISTER}/BSANZ-0002"), None).await;
        assert_eq!(bob_entry["history"][1]["reason"], "fees unpaid");
        assert_eq!(bob_entry.get("person_id"), None);
    }
);

e2e_test!(
    async fn only_the_registrar_changes_the_register(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        adopt_pathway(&app, &cast).await;
        let ann = person(
            &app,
            &cast,
            "Ann",
            "Carter",
            json!({ "public_listing": true }),
        )
        .await;
        let mut effective = 0;
        for (who, expected) in [
            (Who::Anonymous, StatusCode::UNAUTHORIZED),
            (Who::Member, StatusCode::FORBIDDEN),
            (Who::OtherRegistrar, StatusCode::NOT_FOUND),
            (Who::Registrar, StatusCode::CREATED),
            (Who::PlatformAdmin, StatusCode::CONFLICT),
        ] {
            let (status, body) = app
                .post_json(
                    REGISTER,
                    cast.token(who),
                    &json!({ "person_id": ann, "tier": "accredited-leader", "effective": "2025-03-01", "reason": "council" }),
                )
                .await;
            assert_eq!(status, expected, "{who:?} granting: {body}");
        }
        for (who, expected) in [
            (Who::Anonymous, StatusCode::UNAUTHORIZED),
            (Who::Member, StatusCode::FORBIDDEN),
            (Who::OtherRegistrar, StatusCode::NOT_FOUND),
            (Who::Registrar, StatusCode::OK),
            (Who::PlatformAdmin, StatusCode::OK),
        ] {
            effective += 1;
            // The registrar suspends; the administrator then reinstates.
            let action = if who == Who::PlatformAdmin {
                "reinstate"
            } else {
                "suspend"
            };
            let (status, body) = app
                .post_json(
                    &format!("{REGISTER}/BSANZ-0001/status"),
                    cast.token(who),
                    &json!({ "action": action, "effective": format!("2025-04-0{effective}"), "reason": "r", "visibility": "public" }),
                )
                .await;
            assert_eq!(status, expected, "{who:?} changing status: {body}");
            let (status, body) = app
                .post_json(
                    &format!("{REGISTER}/lapse?as_of=2025-05-01"),
                    cast.token(who),
                    &json!({}),
                )
                .await;
            assert_eq!(status, expected, "{who:?} running the lapse job: {body}");
            let (status, body) = app.get(&format!("{REGISTER}/due"), cast.token(who)).await;
            assert_eq!(status, expected, "{who:?} listing renewals due: {body}");
        }

        // Bad input: every problem at once.
        let (status, body) = app
            .post_json(
                REGISTER,
                Some(&cast.registrar.token),
                &json!({ "person_id": "no spaces", "tier": "", "effective": "2025-03-01", "reason": " " }),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            body["errors"],
            json!([
                { "field": "person_id", "message": "may contain only ASCII letters, digits, '-', '_' and '.' (found ' ')" },
                { "field": "tier", "message": "must not be empty" },
                { "field": "reason", "message": "is required" },
            ])
        );
        let (status, body) = app
            .post_json(
                REGISTER,
                Some(&cast.registrar.token),
                &json!({ "person_id": ann, "tier": "leader-trainer", "effective": "2025-03-01", "reason": "council" }),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            body["errors"],
            json!([{ "field": "tier", "message": "the pathway uk-2016 has no tier leader-trainer" }])
        );
    }
);

e2e_test!(
    async fn renewals_extend_the_cycle_and_the_due_list_counts_down(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        adopt_pathway(&app, &cast).await;
        let ann = person(
            &app,
            &cast,
            "Ann",
            "Carter",
            json!({ "public_listing": true }),
        )
        .await;
        let bob = person(
            &app,
            &cast,
            "Bob",
            "Abbott",
            json!({ "public_listing": true }),
        )
        .await;
        grant(&app, &cast, &ann, "2025-03-01").await; // to 2026-02-28
        grant(&app, &cast, &bob, "2025-05-01").await; // to 2026-04-30
                                                      // Both kept their membership (the pathway's renewal requirement).
        membership(&app, &cast, &ann, "2025-04-01", true).await;
        membership(&app, &cast, &bob, "2026-06-01", true).await;

        let (status, list) = due(&app, &cast, "as_of=2026-01-01&within_days=90").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
        assert_eq!(list[0]["registration"], "BSANZ-0001");
        assert_eq!(list[0]["days_left"], 58);
        assert_eq!(list[0]["name"], "Ann Carter");
        let (_, list) = due(&app, &cast, "as_of=2026-01-01&within_days=30").await;
        assert_eq!(list, json!([]));
        let (_, list) = due(&app, &cast, "as_of=2026-03-01&within_days=60").await;
        let due_now: Vec<&str> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["registration"].as_str().unwrap())
            .collect();
        assert_eq!(due_now, ["BSANZ-0001", "BSANZ-0002"]);
        let (status, _) = due(&app, &cast, "within_days=0").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);

        // Renewed on time: the next cycle follows without a gap.
        let (status, renewed) = app
            .post_json(
                &format!("{REGISTER}/BSANZ-0001/renewals"),
                Some(&cast.registrar.token),
                &json!({ "effective": "2026-02-10", "reason": "membership kept" }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{renewed}");
        assert_eq!(renewed["valid_until"], "2027-02-28");
        assert_eq!(renewed["history"][1]["action"], "renew");
        let (_, list) = due(&app, &cast, "as_of=2026-01-01&within_days=90").await;
        assert_eq!(list, json!([]));

        // Lapsed, then renewed late: a new cycle from the renewal.
        let (_, report) = app
            .post_json(
                &format!("{REGISTER}/lapse?as_of=2026-09-01"),
                Some(&cast.registrar.token),
                &json!({}),
            )
            .await;
        assert_eq!(
            report["lapsed"],
            json!([{ "registration": "BSANZ-0002", "effective": "2026-08-01" }])
        );
        let (status, renewed) = app
            .post_json(
                &format!("{REGISTER}/BSANZ-0002/renewals"),
                Some(&cast.registrar.token),
                &json!({ "effective": "2026-09-15", "reason": "membership restored", "visibility": "confidential" }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{renewed}");
        assert_eq!(renewed["status"], "accredited");
        assert_eq!(renewed["valid_until"], "2027-09-14");
        // Assessed over the year before its return: Bob's membership of
        // June 2026 counted although his lapsed cycle had ended.
        assert_eq!(renewed["renewal"]["basis"], "met");
        assert_eq!(renewed["renewal"]["cycle_first_day"], "2025-09-16");
        assert_eq!(renewed["renewal"]["cycle_last_day"], "2026-09-15");
        assert_eq!(
            verify(&app, "BSANZ-0002", "2026-09-01").await["status"],
            "lapsed"
        );
        assert_eq!(
            verify(&app, "BSANZ-0002", "2026-09-15").await["status"],
            "accredited"
        );

        // A suspended entry is not renewed.
        change(
            &app,
            &cast,
            "BSANZ-0001",
            "suspend",
            "2026-10-01",
            "complaint",
            "confidential",
        )
        .await;
        let (status, body) = app
            .post_json(
                &format!("{REGISTER}/BSANZ-0001/renewals"),
                Some(&cast.registrar.token),
                &json!({ "effective": "2026-10-02", "reason": "membership kept" }),
            )
            .await;
        assert_eq!(
            (status, body),
            (
                StatusCode::CONFLICT,
                problem(409, "conflict", "Conflict",
                    "a suspended entry cannot be renewed: renewal does not end a suspension; reinstate the entry first"),
            )
        );
    }
);

e2e_test!(
    async fn a_renewal_is_assessed_over_the_attested_records_of_its_cycle(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        adopt_pathway(&app, &cast).await;
        // The leader is the member: she has a login of her own. She entered
        // the pathway (the accredited leader tier's prerequisite) in 2022.
        let leader = cast.member_person.clone();
        let registrar = Some(cast.registrar.token.as_str());
        let (status, body) = app
            .send(
                app.builder(
                    reqwest::Method::PATCH,
                    &format!("/api/v1/societies/bsanz/people/{leader}"),
                    registrar,
                )
                .json(&json!({ "entered_pathway_on": "2022-01-10" })),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        grant(&app, &cast, &leader, "2024-03-01").await; // cycle 2024-03-01 to 2025-02-28
        let on_time = json!({ "effective": "2025-02-10", "reason": "membership kept" });

        // Membership paid before the cycle began does not count.
        let before = membership(&app, &cast, &leader, "2024-02-01", true).await;
        let (status, body) = renew(&app, registrar, "BSANZ-0001", on_time.clone()).await;
        let mut refused = problem(
            422,
            "invalid-input",
            "Invalid input",
            "renewal requirements of Accredited Leader not met over the cycle 2024-03-01 to 2025-02-28: 1 shortfall(s); the registrar may renew with an override and a reason",
        );
        refused["errors"] = json!([{ "field": "requirements.membership-kept",
            "message": "Society membership kept: 1 more event needed (0 of 1)" }]);
        assert_eq!(
            (status, &body),
            (StatusCode::UNPROCESSABLE_ENTITY, &refused)
        );

        // Nor does a record inside the cycle that is still pending.
        let inside = membership(&app, &cast, &leader, "2024-09-01", false).await;
        let (status, body) = renew(&app, registrar, "BSANZ-0001", on_time.clone()).await;
        refused["errors"][0]["message"] = json!(
            "Society membership kept: 1 more event needed (0 of 1); 1 event pending attestation"
        );
        assert_eq!(
            (status, &body),
            (StatusCode::UNPROCESSABLE_ENTITY, &refused)
        );
        let (_, entry) = app.get(&format!("{REGISTER}/BSANZ-0001"), registrar).await;
        assert_eq!(
            entry["valid_until"], "2025-02-28",
            "nothing changed: {entry}"
        );
        assert_eq!(entry["history"].as_array().unwrap().len(), 1);

        // Only the registrar renews and overrides: the leader may not
        // override her own shortfall.
        let mut overriding = on_time.clone();
        overriding["override"] = json!({ "reason": "I was unwell" });
        for (who, expected) in [
            (Who::Anonymous, StatusCode::UNAUTHORIZED),
            (Who::Member, StatusCode::FORBIDDEN),
            (Who::OtherRegistrar, StatusCode::NOT_FOUND),
        ] {
            let (status, body) =
                renew(&app, cast.token(who), "BSANZ-0001", overriding.clone()).await;
            assert_eq!(status, expected, "{who:?} overriding: {body}");
        }
        let (status, _) = renew(
            &app,
            Some(&cast.member.token),
            "BSANZ-0001",
            on_time.clone(),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        // Once attested the record counts, and an override is not needed.
        let (status, body) = app
            .post_json(
                &format!("/api/v1/societies/bsanz/activities/{inside}/attestation"),
                registrar,
                &json!({ "decision": "confirm", "comment": "membership checked" }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let mut not_needed = overriding.clone();
        not_needed["override"]["reason"] = json!("committee discretion");
        let (status, body) = renew(&app, registrar, "BSANZ-0001", not_needed).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            body["errors"],
            json!([{ "field": "override", "message": "is not needed: the renewal requirements are met" }])
        );
        let (status, renewed) = renew(&app, registrar, "BSANZ-0001", on_time.clone()).await;
        assert_eq!(status, StatusCode::OK, "{renewed}");
        // On time: the next cycle follows without a gap.
        assert_eq!(renewed["valid_until"], "2026-02-28");
        assert_eq!(renewed["lapses_on"], "2026-06-01");
        assert_eq!(renewed["history"][1]["action"], "renew");
        assert_eq!(renewed["history"][1]["reason"], "membership kept");
        assert_eq!(renewed["history"][1]["visibility"], "public");
        let renewal = &renewed["renewal"];
        assert_eq!(renewal["basis"], "met");
        assert_eq!(renewal["override_reason"], Value::Null);
        assert_eq!(renewal["tier"], "accredited-leader");
        assert_eq!(renewal["pathway_version_number"], 1);
        assert_eq!(renewal["cycle_first_day"], "2024-03-01");
        assert_eq!(renewal["cycle_last_day"], "2025-02-28");
        let requirement = &renewal["assessment"]["mandatory"][0];
        assert_eq!(requirement["id"], "membership-kept");
        assert_eq!(requirement["met"], true);
        assert_eq!(requirement["counted"][0]["activity"], inside.as_str());
        assert_eq!(requirement["counted"].as_array().unwrap().len(), 1);
        assert_eq!(requirement["not_counted"][0]["activity"], before.as_str());
        assert_eq!(
            requirement["not_counted"][0]["reason"]["code"],
            "outside_cycle"
        );

        // The next cycle, 2025-03-01 to 2026-02-28, has no membership: the
        // registrar renews by override, with every problem reported first.
        let (status, body) = renew(
            &app,
            registrar,
            "BSANZ-0001",
            json!({ "effective": "2026-02-01", "reason": " ", "override": { "reason": "" } }),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            body["errors"],
            json!([
                { "field": "reason", "message": "is required" },
                { "field": "override.reason", "message": "is required" },
            ])
        );
        let (status, body) = renew(
            &app,
            registrar,
            "BSANZ-0001",
            json!({ "effective": "2026-02-01", "reason": "renewed by the committee" }),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            body["detail"],
            "renewal requirements of Accredited Leader not met over the cycle 2025-03-01 to 2026-02-28: 1 shortfall(s); the registrar may renew with an override and a reason"
        );
        let why = "membership lapsed during a year abroad; committee discretion";
        let (status, renewed) = renew(
            &app,
            registrar,
            "BSANZ-0001",
            json!({ "effective": "2026-02-01", "reason": "renewed by the committee",
                    "override": { "reason": why } }),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{renewed}");
        assert_eq!(renewed["valid_until"], "2027-02-28");
        assert_eq!(renewed["renewal"]["basis"], "override");
        assert_eq!(renewed["renewal"]["override_reason"], why);
        assert_eq!(renewed["renewal"]["assessment"]["eligible"], false);
        let change = &renewed["history"][2];
        assert_eq!(change["action"], "renew");
        assert_eq!(
            change["reason"],
            format!("renewed by the committee (renewed by override, the renewal requirements not met: {why})")
        );
        // Why the requirements were not met is kept from the public unless asked.
        assert_eq!(change["visibility"], "confidential");

        // The audit log keeps each renewal's assessment and basis.
        let (status, log) = app.get("/api/v1/societies/bsanz/audit", registrar).await;
        assert_eq!(status, StatusCode::OK);
        let renewals: Vec<&Value> = log["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["entity_type"] == "renewal")
            .collect();
        assert_eq!(renewals.len(), 2, "{log}");
        assert_eq!(renewals[0]["entity_id"], renewals[1]["entity_id"]);
        let (_, me) = app.get("/api/v1/auth/me", registrar).await;
        assert_eq!(renewals[0]["actor_user_id"], me["id"]);
        let by_override = &renewals[0]["after"];
        assert_eq!(by_override["registration"], "BSANZ-0001");
        assert_eq!(by_override["valid_until"], "2027-02-28");
        assert_eq!(by_override["renewal"]["basis"], "override");
        assert_eq!(by_override["renewal"]["override_reason"], why);
        let met = &renewals[1]["after"]["renewal"];
        assert_eq!(met["basis"], "met");
        assert_eq!(
            met["assessment"]["mandatory"][0]["counted"][0]["activity"],
            inside.as_str()
        );
    }
);

e2e_test!(
    async fn a_renewal_rule_without_requirements_renews_as_before(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let (status, body) = app
            .send(
                app.builder(
                    reqwest::Method::PUT,
                    "/api/v1/societies/bsanz/pathway",
                    Some(&cast.registrar.token),
                )
                .json(&json!({
                    "id": "bsanz-cycle", "society": "bsanz", "title": "A cycle without requirements",
                    "version": "1", "effective_from": "2020-01-01",
                    "tiers": [{ "id": "accredited-leader", "name": "Accredited Leader",
                                "renewal": { "cycle_months": 24, "grace_months": 2, "requirements": [] } }],
                })),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "uploading: {body}");
        let ann = person(&app, &cast, "Ann", "Carter", json!({})).await;
        assert_eq!(
            grant(&app, &cast, &ann, "2024-01-01").await["valid_until"],
            "2025-12-31"
        );
        let registrar = Some(cast.registrar.token.as_str());

        let (status, body) = renew(
            &app,
            registrar,
            "BSANZ-0001",
            json!({ "effective": "2025-12-01", "reason": "renewed", "override": { "reason": "just in case" } }),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            body["errors"],
            json!([{ "field": "override", "message": "is not needed: the renewal rule sets no requirements" }])
        );
        let (status, renewed) = renew(
            &app,
            registrar,
            "BSANZ-0001",
            json!({ "effective": "2025-12-01", "reason": "renewed" }),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{renewed}");
        assert_eq!(renewed["valid_until"], "2027-12-31");
        assert_eq!(renewed["renewal"]["basis"], "no_requirements");
        assert_eq!(renewed["renewal"]["assessment"], Value::Null);
        assert_eq!(renewed["renewal"]["cycle_first_day"], "2024-01-01");
        assert_eq!(renewed["renewal"]["cycle_last_day"], "2025-12-31");
    }
);

e2e_test!(
    async fn concurrent_grants_never_share_a_registration_number(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        adopt_pathway(&app, &cast).await;
        let mut people = Vec::new();
        for i in 0..8 {
            people.push(person(&app, &cast, &format!("P{i}"), "Leader", json!({})).await);
        }
        let grants = people
            .iter()
            .map(|id| {
                app.builder(reqwest::Method::POST, REGISTER, Some(&cast.registrar.token))
                    .json(&json!({ "person_id": id, "tier": "accredited-leader", "effective": "2025-03-01", "reason": "council" }))
            })
            .collect();
        let mut numbers = Vec::new();
        for (status, body) in app.send_all(grants).await {
            assert_eq!(status, StatusCode::CREATED, "{body}");
            numbers.push(body["registration"].as_str().unwrap().to_owned());
        }
        numbers.sort();
        let expected: Vec<String> = (1..=8).map(|n| format!("BSANZ-{n:04}")).collect();
        assert_eq!(numbers, expected);
    }
);
