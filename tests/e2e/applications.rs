//! Applications and decisions: the assessment frozen when a person
//! applies, shortfalls refused, the registrar's overrides and conferrals,
//! decisions made once, grants that put people on the register with
//! registration numbers that concurrent grants never share.

use serde_json::Value;

use super::ledger_setup::*;
use super::*;

const QUEUE: &str = "/api/v1/societies/bsanz/applications";

/// A small pathway: Accredited Leader needs 2 double sessions of
/// participation and 1 supervision session and renews every 36 months;
/// Leader Trainee is by invitation; Pathway Trainee needs nothing.
fn pathway() -> Value {
    json!({
        "id": "bsanz-short", "society": "bsanz", "title": "A short pathway",
        "version": "2020", "effective_from": "2020-01-01",
        "tiers": [
            { "id": "pathway-trainee", "name": "Pathway Trainee" },
            { "id": "accredited-leader", "name": "Accredited Leader",
              "requirements": [
                  { "id": "participation", "title": "Attend 2 double sessions",
                    "kind": "participation", "unit": "double_sessions", "minimum": 2 },
                  { "id": "supervision", "title": "1 supervision session",
                    "kind": "supervision", "unit": "sessions", "minimum": 1 },
              ],
              "renewal": { "cycle_months": 36, "grace_months": 6, "requirements": [
                  { "id": "keep-attending", "title": "Keep attending",
                    "kind": "participation", "unit": "double_sessions", "minimum": 1 },
              ] } },
            { "id": "leader-trainee", "name": "Leader Trainee", "entry": "invitation",
              "prerequisites": ["accredited-leader"] },
        ],
    })
}

pub(crate) async fn upload_pathway(app: &TestApp, cast: &Cast) {
    let (status, body) = app
        .send(
            app.builder(
                reqwest::Method::PUT,
                "/api/v1/societies/bsanz/pathway",
                Some(&cast.registrar.token),
            )
            .json(&pathway()),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "uploading the pathway: {body}");
}

fn applications_path(person: &str) -> String {
    format!("/api/v1/societies/bsanz/people/{person}/applications")
}

fn decision_path(id: &str) -> String {
    format!("{QUEUE}/{id}/decision")
}

/// Apply as `token`; returns the status and the answer.
async fn apply(
    app: &TestApp,
    token: Option<&str>,
    person: &str,
    body: Value,
) -> (StatusCode, Value) {
    app.post_json(&applications_path(person), token, &body)
        .await
}

/// Apply for the Pathway Trainee tier (no requirements) as the registrar
/// for `person`; returns the application's id.
async fn pending_application(app: &TestApp, cast: &Cast, person: &str) -> String {
    let (status, body) = apply(
        app,
        Some(&cast.registrar.token),
        person,
        json!({ "tier": "pathway-trainee" }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "applying: {body}");
    body["id"].as_str().unwrap().to_owned()
}

/// Record one activity on the member's ledger and have the registrar confirm it.
pub(crate) async fn attested(app: &TestApp, cast: &Cast, body: Value) {
    let record = record(app, &cast.member.token, "bsanz", &cast.member_person, body).await;
    let (status, answer) = decide(
        app,
        Some(&cast.registrar.token),
        "bsanz",
        record["id"].as_str().unwrap(),
        "confirm",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "confirming: {answer}");
}

pub(crate) fn session(leader: &str, date: &str) -> Value {
    json!({ "kind": "participation", "date": date, "amount": 1, "unit": "double_sessions",
            "attestor": leader, "group": "Tuesday GP group" })
}

pub(crate) fn supervision(leader: &str, date: &str) -> Value {
    json!({ "kind": "supervision", "date": date, "amount": 1, "unit": "sessions",
            "supervisor": leader, "attestor": leader })
}

fn requirement<'a>(assessment: &'a Value, id: &str) -> &'a Value {
    assessment["mandatory"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no requirement {id} in {assessment}"))
}

e2e_test!(
    async fn an_eligible_application_granted_puts_the_person_on_the_register(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        upload_pathway(&app, &cast).await;
        let leader = app.create_person(&cast.registrar, "bsanz", "Leader").await;
        let (status, body) = app
            .send(
                app.builder(
                    reqwest::Method::PATCH,
                    &format!("/api/v1/societies/bsanz/people/{}", cast.member_person),
                    Some(&cast.member.token),
                )
                .json(&json!({ "public_listing": true, "city": "Sydney" })),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");

        // Nothing attested yet: refused with every shortfall, nothing stored.
        let path = applications_path(&cast.member_person);
        let (status, body) = apply(
            &app,
            Some(&cast.member.token),
            &cast.member_person,
            json!({ "tier": "accredited-leader" }),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let mut expected = problem(
            422,
            "invalid-input",
            "Invalid input",
            "not eligible for Accredited Leader: 2 shortfall(s); the registrar may record an override with a reason",
        );
        expected["errors"] = json!([
            { "field": "requirements.participation",
              "message": "Attend 2 double sessions: 2 more double sessions needed (0 of 2)" },
            { "field": "requirements.supervision",
              "message": "1 supervision session: 1 more session needed (0 of 1)" },
        ]);
        assert_eq!(body, expected);
        let (status, list) = app.get(&path, Some(&cast.member.token)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(list["total"], 0, "{list}");

        // Once the records are attested the member applies.
        attested(&app, &cast, session(&leader, "2025-03-04")).await;
        attested(&app, &cast, session(&leader, "2025-04-01")).await;
        attested(&app, &cast, supervision(&leader, "2025-04-15")).await;
        let (status, applied) = apply(
            &app,
            Some(&cast.member.token),
            &cast.member_person,
            json!({ "tier": "accredited-leader", "note": "Two years in the Tuesday group" }),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{applied}");
        assert_eq!(applied["status"], "pending");
        assert_eq!(applied["basis"], "eligible");
        assert_eq!(applied["basis_reason"], Value::Null);
        assert_eq!(applied["eligible"], true);
        assert_eq!(applied["tier"], "accredited-leader");
        assert_eq!(applied["tier_name"], "Accredited Leader");
        assert_eq!(applied["person_name"], "Member");
        assert_eq!(applied["note"], "Two years in the Tuesday group");
        assert_eq!(applied["pathway_version_number"], 1);
        assert_eq!(applied["decision"], Value::Null);
        assert_eq!(applied["assessment"]["eligible"], true);
        let id = applied["id"].as_str().unwrap().to_owned();

        // A second one for the same tier while it is pending conflicts.
        let (status, body) = apply(
            &app,
            Some(&cast.member.token),
            &cast.member_person,
            json!({ "tier": "accredited-leader" }),
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(
            body,
            problem(
                409,
                "conflict",
                "Conflict",
                &format!(
                    "person {} already has a pending application for tier accredited-leader",
                    cast.member_person
                )
            )
        );

        // Later records do not rewrite the frozen assessment.
        attested(&app, &cast, session(&leader, "2025-05-06")).await;
        let (status, shown) = app
            .get(&format!("{QUEUE}/{id}"), Some(&cast.member.token))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(shown["assessment"], applied["assessment"]);
        assert_eq!(
            requirement(&shown["assessment"], "participation")["counted"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        let (_, progress) = app
            .get(
                &format!(
                    "/api/v1/societies/bsanz/people/{}/progress?tier=accredited-leader",
                    cast.member_person
                ),
                Some(&cast.member.token),
            )
            .await;
        assert_eq!(
            requirement(&progress["assessment"], "participation")["counted"]
                .as_array()
                .unwrap()
                .len(),
            3
        );

        // The registrar's queue, oldest first, without the assessments.
        let (status, queue) = app
            .get(
                &format!("{QUEUE}?status=pending"),
                Some(&cast.registrar.token),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(queue["total"], 1);
        assert_eq!(queue["items"][0]["id"], id.as_str());
        assert_eq!(queue["items"][0].get("assessment"), None);

        // The grant: a registration number and the end of the first cycle.
        let (status, decided) = app
            .post_json(
                &decision_path(&id),
                Some(&cast.registrar.token),
                &json!({ "decision": "grant", "effective": "2025-06-01",
                         "reason": "Council resolution 2025/14" }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{decided}");
        assert_eq!(decided["status"], "granted");
        assert_eq!(decided["decision"]["decision"], "grant");
        assert_eq!(decided["decision"]["effective"], "2025-06-01");
        assert_eq!(decided["decision"]["reason"], "Council resolution 2025/14");
        assert_eq!(decided["decision"]["registration"], "BSANZ-0001");
        assert_eq!(decided["decision"]["valid_until"], "2028-05-31");

        // The public register shows the consenting person with the tier.
        let (status, entry) = app
            .get("/api/v1/societies/bsanz/register/BSANZ-0001", None)
            .await;
        assert_eq!(status, StatusCode::OK, "{entry}");
        assert_eq!(entry["name"], "Member");
        assert_eq!(entry["city"], "Sydney");
        assert_eq!(entry["tier"], "accredited-leader");
        assert_eq!(entry["status"], "accredited");
        assert_eq!(entry["first_accredited"], "2025-06-01");
        assert_eq!(entry["valid_until"], "2028-05-31");
        assert_eq!(entry["history"][0]["reason"], "Council resolution 2025/14");

        // Decided once.
        let (status, body) = app
            .post_json(
                &decision_path(&id),
                Some(&cast.registrar.token),
                &json!({ "decision": "decline", "effective": "2025-06-02", "reason": "second thoughts" }),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(
            body,
            problem(
                409,
                "conflict",
                "Conflict",
                &format!("application {id} has been decided already")
            )
        );
        // Holding the tier, the person cannot apply for it again.
        let (status, _) = apply(
            &app,
            Some(&cast.member.token),
            &cast.member_person,
            json!({ "tier": "accredited-leader" }),
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT);

        // The member sees the decision; the queue is empty; both steps audited.
        let (_, mine) = app.get(&path, Some(&cast.member.token)).await;
        assert_eq!(mine["total"], 1);
        assert_eq!(mine["items"][0]["status"], "granted");
        assert_eq!(mine["items"][0]["decision"]["registration"], "BSANZ-0001");
        let (_, queue) = app
            .get(
                &format!("{QUEUE}?status=pending"),
                Some(&cast.registrar.token),
            )
            .await;
        assert_eq!(queue["total"], 0);
        let (_, audit) = app
            .get(
                "/api/v1/societies/bsanz/audit?per_page=100",
                Some(&cast.registrar.token),
            )
            .await;
        let actions: Vec<&str> = audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["entity_type"] == "application" && e["entity_id"] == id.as_str())
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(actions, ["update", "create"]);
    }
);

e2e_test!(
    async fn registrars_override_confer_and_decline_with_reasons(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        upload_pathway(&app, &cast).await;

        // The member may not override their own shortfalls.
        let overriding = json!({ "tier": "accredited-leader",
            "override": { "reason": "Recognition of prior learning: 10 years leading in the UK" } });
        let (status, _) = apply(
            &app,
            Some(&cast.member.token),
            &cast.member_person,
            overriding.clone(),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, applied) = apply(
            &app,
            Some(&cast.registrar.token),
            &cast.member_person,
            overriding,
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{applied}");
        assert_eq!(applied["basis"], "override");
        assert_eq!(
            applied["basis_reason"],
            "Recognition of prior learning: 10 years leading in the UK"
        );
        assert_eq!(applied["eligible"], false);
        assert_eq!(applied["assessment"]["eligible"], false);

        // Declined: nobody is put on the register.
        let id = applied["id"].as_str().unwrap();
        let (status, decided) = app
            .post_json(
                &decision_path(id),
                Some(&cast.registrar.token),
                &json!({ "decision": "decline", "effective": "2026-03-01",
                         "reason": "The committee wants supervision first" }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{decided}");
        assert_eq!(decided["status"], "declined");
        assert_eq!(decided["decision"]["decision"], "decline");
        assert_eq!(decided["decision"]["registration"], Value::Null);
        let (status, _) = app.get("/api/v1/verify/bsanz/BSANZ-0001", None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        // No override is needed where the person is eligible.
        let (status, body) = apply(
            &app,
            Some(&cast.registrar.token),
            &cast.member_person,
            json!({ "tier": "pathway-trainee", "override": { "reason": "just in case" } }),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            body["errors"],
            json!([{ "field": "override", "message": "is not needed: the person is eligible" }])
        );

        // An invitation-only tier is not applied for...
        let (status, body) = apply(
            &app,
            Some(&cast.member.token),
            &cast.member_person,
            json!({ "tier": "leader-trainee" }),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let mut expected = problem(
            422,
            "invalid-input",
            "Invalid input",
            "Leader Trainee is conferred by invitation; it cannot be applied for",
        );
        expected["errors"] = json!([{ "field": "tier",
            "message": "Leader Trainee is conferred by invitation: the registrar confers it with a reason" }]);
        assert_eq!(body, expected);
        // ... nor with an override...
        let (status, _) = apply(
            &app,
            Some(&cast.registrar.token),
            &cast.member_person,
            json!({ "tier": "leader-trainee", "override": { "reason": "invited" } }),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        // ... the registrar confers it, and only such tiers are conferred.
        let (status, body) = apply(
            &app,
            Some(&cast.registrar.token),
            &cast.member_person,
            json!({ "tier": "accredited-leader", "conferred": { "reason": "invited" } }),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            body["errors"],
            json!([{ "field": "conferred",
                "message": "Accredited Leader is reached by application; only invitation-only tiers are conferred" }])
        );
        let (status, conferred) = apply(
            &app,
            Some(&cast.registrar.token),
            &cast.member_person,
            json!({ "tier": "leader-trainee", "conferred": { "reason": "Invited by the council, March 2026" } }),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{conferred}");
        assert_eq!(conferred["basis"], "conferred");
        assert_eq!(
            conferred["basis_reason"],
            "Invited by the council, March 2026"
        );
        let (status, granted) = app
            .post_json(
                &decision_path(conferred["id"].as_str().unwrap()),
                Some(&cast.registrar.token),
                &json!({ "decision": "grant", "effective": "2026-03-01",
                         "reason": "Conferred by the council", "visibility": "confidential" }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{granted}");
        assert_eq!(granted["decision"]["registration"], "BSANZ-0001");
        // Leader Trainee has no renewal cycle: the entry has no end date.
        assert_eq!(granted["decision"]["valid_until"], Value::Null);
        assert_eq!(granted["decision"]["visibility"], "confidential");

        let (_, mine) = app
            .get(
                &format!("{}?status=declined", applications_path(&cast.member_person)),
                Some(&cast.member.token),
            )
            .await;
        assert_eq!(mine["total"], 1);
        assert_eq!(
            mine["items"][0]["decision"]["reason"],
            "The committee wants supervision first"
        );
    }
);

e2e_test!(
    async fn concurrent_grants_get_distinct_registration_numbers(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        upload_pathway(&app, &cast).await;
        let mut ids = Vec::new();
        for i in 0..8 {
            let person = app
                .create_person(&cast.registrar, "bsanz", &format!("Parallel{i}"))
                .await;
            ids.push(pending_application(&app, &cast, &person).await);
        }
        let decisions = ids
            .iter()
            .map(|id| {
                app.builder(
                    reqwest::Method::POST,
                    &decision_path(id),
                    Some(&cast.registrar.token),
                )
                .json(
                    &json!({ "decision": "grant", "effective": "2026-01-05", "reason": "council" }),
                )
            })
            .collect();
        let mut numbers = Vec::new();
        for (status, body) in app.send_all(decisions).await {
            assert_eq!(status, StatusCode::OK, "{body}");
            numbers.push(
                body["decision"]["registration"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        }
        numbers.sort();
        let expected: Vec<String> = (1..=8).map(|n| format!("BSANZ-{n:04}")).collect();
        assert_eq!(numbers, expected);
        let (_, register) = app
            .get(
                "/api/v1/societies/bsanz/register/BSANZ-0008",
                Some(&cast.registrar.token),
            )
            .await;
        assert_eq!(register["tier"], "pathway-trainee", "{register}");
    }
);

e2e_test!(
    async fn who_may_apply_read_and_decide(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        upload_pathway(&app, &cast).await;
        let someone = app.create_person(&cast.registrar, "bsanz", "Someone").await;

        // Applying: the person themself, or the registrar.
        for (who, expected) in [
            (Who::Anonymous, StatusCode::UNAUTHORIZED),
            (Who::Member, StatusCode::CREATED),
            (Who::OtherRegistrar, StatusCode::NOT_FOUND),
            (Who::Registrar, StatusCode::CREATED),
            (Who::PlatformAdmin, StatusCode::CREATED),
        ] {
            let person = if who == Who::Member {
                cast.member_person.clone()
            } else {
                app.create_person(&cast.registrar, "bsanz", "Applicant")
                    .await
            };
            let (status, body) = apply(
                &app,
                cast.token(who),
                &person,
                json!({ "tier": "pathway-trainee" }),
            )
            .await;
            assert_eq!(status, expected, "{who:?} applying: {body}");
        }
        let (status, _) = apply(
            &app,
            Some(&cast.member.token),
            &someone,
            json!({ "tier": "pathway-trainee" }),
        )
        .await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "a member applying for someone else"
        );

        // The person's list and one application: the person or the registrar.
        let (_, mine) = app
            .get(
                &applications_path(&cast.member_person),
                Some(&cast.member.token),
            )
            .await;
        let member_application = mine["items"][0]["id"].as_str().unwrap().to_owned();
        let someones = pending_application(&app, &cast, &someone).await;
        for (who, expected) in [
            (Who::Anonymous, StatusCode::UNAUTHORIZED),
            (Who::Member, StatusCode::OK),
            (Who::OtherRegistrar, StatusCode::NOT_FOUND),
            (Who::Registrar, StatusCode::OK),
            (Who::PlatformAdmin, StatusCode::OK),
        ] {
            let (status, body) = app
                .get(&applications_path(&cast.member_person), cast.token(who))
                .await;
            assert_eq!(status, expected, "{who:?} listing: {body}");
            let (status, body) = app
                .get(&format!("{QUEUE}/{member_application}"), cast.token(who))
                .await;
            assert_eq!(status, expected, "{who:?} reading: {body}");
        }
        let (status, _) = app
            .get(&applications_path(&someone), Some(&cast.member.token))
            .await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "a member listing someone else's"
        );
        let (status, _) = app
            .get(&format!("{QUEUE}/{someones}"), Some(&cast.member.token))
            .await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "a member reading someone else's"
        );

        // The society's queue: the registrar.
        for (who, expected) in [
            (Who::Anonymous, StatusCode::UNAUTHORIZED),
            (Who::Member, StatusCode::FORBIDDEN),
            (Who::OtherRegistrar, StatusCode::NOT_FOUND),
            (Who::Registrar, StatusCode::OK),
            (Who::PlatformAdmin, StatusCode::OK),
        ] {
            let (status, body) = app.get(QUEUE, cast.token(who)).await;
            assert_eq!(status, expected, "{who:?} reading the queue: {body}");
            if status == StatusCode::OK {
                assert_eq!(body["total"], 4, "{body}");
            }
        }

        // Deciding: the registrar.
        for (who, expected) in [
            (Who::Anonymous, StatusCode::UNAUTHORIZED),
            (Who::Member, StatusCode::FORBIDDEN),
            (Who::OtherRegistrar, StatusCode::NOT_FOUND),
            (Who::Registrar, StatusCode::OK),
            (Who::PlatformAdmin, StatusCode::OK),
        ] {
            let person = app.create_person(&cast.registrar, "bsanz", "Decided").await;
            let id = pending_application(&app, &cast, &person).await;
            let (status, body) = app
                .post_json(
                    &decision_path(&id),
                    cast.token(who),
                    &json!({ "decision": "decline", "effective": "2026-02-01", "reason": "not yet" }),
                )
                .await;
            assert_eq!(status, expected, "{who:?} deciding: {body}");
        }
        // Nothing of one society is reached through another's.
        let (status, _) = app
            .get(
                &format!("/api/v1/societies/dbg/applications/{someones}"),
                Some(&cast.other_registrar.token),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
);

e2e_test!(
    async fn bad_input_is_answered_with_exact_problems(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let registrar = Some(cast.registrar.token.as_str());

        // A society without a pathway has nothing to apply for.
        let (status, body) = apply(
            &app,
            registrar,
            &cast.member_person,
            json!({ "tier": "pathway-trainee" }),
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(
            body,
            problem(
                409,
                "conflict",
                "Conflict",
                "the society has no pathway yet"
            )
        );
        upload_pathway(&app, &cast).await;

        let (status, body) = apply(
            &app,
            registrar,
            &cast.member_person,
            json!({ "tier": "grand-master" }),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let mut expected = problem(
            422,
            "invalid-input",
            "Invalid input",
            "the request has invalid fields",
        );
        expected["errors"] = json!([{ "field": "tier",
            "message": "the pathway has no tier grand-master (tiers: pathway-trainee, accredited-leader, leader-trainee)" }]);
        assert_eq!(body, expected);

        // Every problem at once.
        let (status, body) = apply(
            &app,
            registrar,
            &cast.member_person,
            json!({ "tier": "pathway-trainee", "note": "x".repeat(2001),
                    "override": { "reason": " " }, }),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        expected["errors"] = json!([
            { "field": "note", "message": "must be at most 2000 characters" },
            { "field": "override.reason", "message": "is required" },
        ]);
        assert_eq!(body, expected);
        let (status, body) = apply(
            &app,
            registrar,
            &cast.member_person,
            json!({ "tier": "pathway-trainee", "override": { "reason": "a" }, "conferred": { "reason": "b" } }),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        expected["errors"] = json!([{ "field": "conferred", "message": "give either override or conferred, not both" }]);
        assert_eq!(body, expected);

        // Unreadable bodies are 400.
        let (status, body) = apply(
            &app,
            registrar,
            &cast.member_person,
            json!({ "note": "no tier" }),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["type"], "/problems/bad-request");
        let id = pending_application(&app, &cast, &cast.member_person).await;
        let (status, body) = app
            .post_json(
                &decision_path(&id),
                registrar,
                &json!({ "decision": "maybe", "effective": "2026-02-01", "reason": "r" }),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["errors"][0]["field"], "body");

        // A decision without a reason.
        let (status, body) = app
            .post_json(
                &decision_path(&id),
                registrar,
                &json!({ "decision": "grant", "effective": "2026-02-01", "reason": "  " }),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        expected["errors"] = json!([{ "field": "reason", "message": "is required" }]);
        assert_eq!(body, expected);

        // Unknown things are 404; bad filters 400.
        let (status, body) = app.get(&format!("{QUEUE}/nope"), registrar).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(
            body,
            problem(404, "not-found", "Not found", "application nope not found")
        );
        let (status, body) = app
            .post_json(
                &decision_path("nope"),
                registrar,
                &json!({ "decision": "grant", "effective": "2026-02-01", "reason": "r" }),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        let (status, body) = apply(
            &app,
            registrar,
            "nobody",
            json!({ "tier": "pathway-trainee" }),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(
            body,
            problem(404, "not-found", "Not found", "person nobody not found")
        );
        let (status, body) = app.get(&format!("{QUEUE}?status=waiting"), registrar).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let mut expected = problem(
            400,
            "bad-request",
            "Bad request",
            "invalid query parameters",
        );
        expected["errors"] = json!([{ "field": "status",
            "message": "\"waiting\" is not one of: pending, granted, declined" }]);
        assert_eq!(body, expected);
        let (status, _) = app
            .get(
                "/api/v1/societies/nope/applications",
                Some(&cast.admin.token),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
);

e2e_test!(
    async fn recorded_overrides_count_in_progress_and_in_applications(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        upload_pathway(&app, &cast).await;
        let leader = app.create_person(&cast.registrar, "bsanz", "Leader").await;
        attested(&app, &cast, session(&leader, "2025-03-04")).await;
        attested(&app, &cast, session(&leader, "2025-04-01")).await;
        let path = format!(
            "/api/v1/societies/bsanz/people/{}/overrides",
            cast.member_person
        );
        let credit = json!({ "tier": "accredited-leader", "requirement": "supervision",
            "kind": "recognition_of_prior_learning", "effect": "credit", "amount": 1,
            "reason": "Supervised for a year by the UK society" });

        // The registrar records overrides; the person reads them.
        for (who, expected) in [
            (Who::Anonymous, StatusCode::UNAUTHORIZED),
            (Who::Member, StatusCode::FORBIDDEN),
            (Who::OtherRegistrar, StatusCode::NOT_FOUND),
        ] {
            let (status, body) = app.post_json(&path, cast.token(who), &credit).await;
            assert_eq!(status, expected, "{who:?} recording: {body}");
        }
        let (status, recorded) = app
            .post_json(&path, Some(&cast.registrar.token), &credit)
            .await;
        assert_eq!(status, StatusCode::CREATED, "{recorded}");
        assert_eq!(recorded["requirement"], "supervision");
        assert_eq!(recorded["kind"], "recognition_of_prior_learning");
        assert_eq!(recorded["effect"], "credit");
        assert_eq!(recorded["amount"], 1);
        let (status, waived) = app
            .post_json(
                &path,
                Some(&cast.admin.token),
                &json!({ "tier": "accredited-leader", "requirement": "participation",
                    "kind": "committee_discretion", "effect": "waive",
                    "reason": "Ten years as a group member" }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{waived}");
        for (who, expected) in [
            (Who::Anonymous, StatusCode::UNAUTHORIZED),
            (Who::Member, StatusCode::OK),
            (Who::OtherRegistrar, StatusCode::NOT_FOUND),
            (Who::Registrar, StatusCode::OK),
            (Who::PlatformAdmin, StatusCode::OK),
        ] {
            let (status, body) = app.get(&path, cast.token(who)).await;
            assert_eq!(status, expected, "{who:?} listing: {body}");
            if status == StatusCode::OK {
                assert_eq!(body["total"], 2);
                assert_eq!(
                    body["items"][0]["reason"],
                    "Supervised for a year by the UK society"
                );
            }
        }

        // Bad overrides, every problem at once.
        let (status, body) = app
            .post_json(
                &path,
                Some(&cast.registrar.token),
                &json!({ "tier": "accredited-leader", "requirement": "supervision",
                    "kind": "committee_discretion", "effect": "credit", "reason": " " }),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let mut expected = problem(
            422,
            "invalid-input",
            "Invalid input",
            "the request has invalid fields",
        );
        expected["errors"] = json!([
            { "field": "amount", "message": "is required for a credit" },
            { "field": "reason", "message": "is required" },
        ]);
        assert_eq!(body, expected);
        let (status, body) = app
            .post_json(
                &path,
                Some(&cast.registrar.token),
                &json!({ "tier": "accredited-leader", "requirement": "intensives",
                    "kind": "committee_discretion", "effect": "waive", "reason": "r" }),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        expected["errors"] = json!([{ "field": "requirement",
            "message": "tier accredited-leader has no requirement intensives" }]);
        assert_eq!(body, expected);

        // Progress applies them, and so does the member's application.
        let (_, progress) = app
            .get(
                &format!(
                    "/api/v1/societies/bsanz/people/{}/progress?tier=accredited-leader",
                    cast.member_person
                ),
                Some(&cast.member.token),
            )
            .await;
        assert_eq!(progress["assessment"]["eligible"], true, "{progress}");
        let (status, applied) = apply(
            &app,
            Some(&cast.member.token),
            &cast.member_person,
            json!({ "tier": "accredited-leader" }),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{applied}");
        assert_eq!(applied["basis"], "eligible");
        let supervision = requirement(&applied["assessment"], "supervision");
        assert_eq!(supervision["met"], true);
        assert_eq!(
            supervision["overrides"][0]["reason"],
            "Supervised for a year by the UK society"
        );
        assert_eq!(
            requirement(&applied["assessment"], "participation")["overrides"][0]["kind"],
            "committee_discretion"
        );
    }
);

e2e_test!(
    async fn a_tier_reached_on_entering_the_pathway_is_held_from_that_day_and_not_applied_for(
        app: TestApp,
    ) {
        let cast = Cast::assemble(&app).await;
        let mut document = pathway();
        document["tiers"][0]["entry"] = json!("enrolment");
        document["tiers"][1]["prerequisites"] =
            json!([{ "tier": "pathway-trainee", "min_months": 12 }]);
        let (status, body) = app
            .send(
                app.builder(
                    reqwest::Method::PUT,
                    "/api/v1/societies/bsanz/pathway",
                    Some(&cast.registrar.token),
                )
                .json(&document),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let (status, body) = app
            .send(
                app.builder(
                    reqwest::Method::PATCH,
                    &format!("/api/v1/societies/bsanz/people/{}", cast.member_person),
                    Some(&cast.registrar.token),
                )
                .json(&json!({ "entered_pathway_on": "2024-02-01" })),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");

        // Nobody applies for the trainee tier: entering the pathway is holding it.
        let (status, body) = apply(
            &app,
            Some(&cast.member.token),
            &cast.member_person,
            json!({ "tier": "pathway-trainee" }),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"][0]["field"], "tier", "{body}");
        assert_eq!(
            body["errors"][0]["message"],
            "Pathway Trainee is held from the day of entering the pathway (the person's entered_pathway_on); it is not applied for"
        );

        // Progress counts the trainee tier as held since the day of entry,
        // without any register entry.
        let progress = format!(
            "/api/v1/societies/bsanz/people/{}/progress?tier=accredited-leader",
            cast.member_person
        );
        let (status, early) = app
            .get(
                &format!("{progress}&as_of=2025-01-31"),
                Some(&cast.member.token),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{early}");
        let prerequisite = &early["assessment"]["prerequisites"][0];
        assert_eq!(prerequisite["held_since"], "2024-02-01", "{early}");
        assert_eq!(prerequisite["met"], false, "11 months of the 12: {early}");
        let (status, later) = app
            .get(
                &format!("{progress}&as_of=2025-02-01"),
                Some(&cast.member.token),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{later}");
        assert_eq!(
            later["assessment"]["prerequisites"][0]["met"], true,
            "{later}"
        );
    }
);
