//! A tier put on the register directly by the registrar needs its
//! prerequisite tiers held on the day it takes effect, as an application
//! does, unless the registrar overrides them with a reason.

use serde_json::Value;

use super::register::person;
use super::*;

const REGISTER: &str = "/api/v1/societies/bsanz/register";

async fn adopt(app: &TestApp, cast: &Cast, preset: &str) {
    let (status, body) = app
        .post_json(
            "/api/v1/societies/bsanz/pathway/adopt",
            Some(&cast.registrar.token),
            &json!({ "preset": preset }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "adopting {preset}: {body}");
}

async fn grant(app: &TestApp, cast: &Cast, body: Value) -> (StatusCode, Value) {
    app.post_json(REGISTER, Some(&cast.registrar.token), &body)
        .await
}

/// Grant `tier` to `person` on `effective`; panics unless it succeeds.
async fn granted(app: &TestApp, cast: &Cast, person: &str, tier: &str, effective: &str) -> Value {
    let (status, body) = grant(
        app,
        cast,
        json!({ "person_id": person, "tier": tier, "effective": effective, "reason": "council decision" }),
    )
    .await;
    assert!(status.is_success(), "granting {tier}: {body}");
    body
}

fn refused(tier_name: &str, effective: &str, errors: Value) -> Value {
    let count = errors.as_array().unwrap().len();
    json!({
        "type": "/problems/invalid-input",
        "title": "Invalid input",
        "status": 422,
        "detail": format!(
            "the prerequisites of {tier_name} are not held on {effective}: {count} shortfall(s); the registrar may grant with override_prerequisites and a reason"
        ),
        "errors": errors,
    })
}

e2e_test!(
    async fn a_listed_supervisor_must_be_a_credentialed_leader_first(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        adopt(&app, &cast, "abs-credentialed-leader").await;
        let pat = person(&app, &cast, "Pat", "Ng", json!({})).await;

        let supervisor = json!({
            "person_id": pat, "tier": "listed-supervisor",
            "effective": "2024-03-01", "reason": "council decision",
        });
        let (status, body) = grant(&app, &cast, supervisor.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(
            body,
            refused(
                "Listed supervisor",
                "2024-03-01",
                json!([{ "field": "prerequisites.credentialed-leader", "message": "Credentialed Leader must be held first" }]),
            )
        );
        // Nothing was stored, and no registration number was used up.
        let (_, log) = app
            .get("/api/v1/societies/bsanz/audit", Some(&cast.registrar.token))
            .await;
        assert!(
            log["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|e| e["entity_type"] != "register_entry"),
            "{log}"
        );

        // Member, candidate, credentialed leader: each needs the one before.
        granted(&app, &cast, &pat, "member", "2020-01-01").await;
        let (status, body) = grant(
            &app,
            &cast,
            json!({ "person_id": pat, "tier": "credentialed-leader", "effective": "2021-01-01", "reason": "council" }),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            body["errors"],
            json!([{ "field": "prerequisites.candidate", "message": "Candidate must be held first" }])
        );
        granted(&app, &cast, &pat, "candidate", "2021-01-01").await;
        granted(&app, &cast, &pat, "credentialed-leader", "2022-01-01").await;
        let entry = granted(&app, &cast, &pat, "listed-supervisor", "2024-03-01").await;
        assert_eq!(entry["registration"], "BSANZ-0001");
        assert_eq!(entry["tier"], "listed-supervisor");
        assert_eq!(entry["history"][3]["reason"], "council decision");
        assert_eq!(entry["history"][3]["visibility"], "public");

        // An override is refused where nothing needs overriding.
        let kim = person(&app, &cast, "Kim", "Lee", json!({})).await;
        let (status, body) = grant(
            &app,
            &cast,
            json!({ "person_id": kim, "tier": "member", "effective": "2024-03-01", "reason": "council",
                    "override_prerequisites": { "reason": "not needed" } }),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            body["errors"],
            json!([{ "field": "override_prerequisites", "message": "is not needed: the prerequisites of Member are held on 2024-03-01" }])
        );
    }
);

e2e_test!(
    async fn a_prerequisite_held_for_months_counts_from_its_grant_and_enrolment_from_entry(
        app: TestApp,
    ) {
        let cast = Cast::assemble(&app).await;
        adopt(&app, &cast, "bsanz-leader").await;
        // Entered the pathway (and so holds pathway-trainee) on 2022-01-10.
        let ada = person(&app, &cast, "Ada", "Moreau", json!({})).await;
        let (status, body) = grant(
            &app,
            &cast,
            json!({ "person_id": ada, "tier": "accredited-leader", "effective": "2022-01-09", "reason": "council" }),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            body,
            refused(
                "Accredited Leader",
                "2022-01-09",
                json!([{ "field": "prerequisites.pathway-trainee", "message": "Pathway trainee must be held first (held only from 2022-01-10)" }]),
            )
        );
        // Someone who never entered the pathway does not hold it at all.
        let ben = person(
            &app,
            &cast,
            "Ben",
            "Okafor",
            json!({ "entered_pathway_on": null }),
        )
        .await;
        let (status, body) = grant(
            &app,
            &cast,
            json!({ "person_id": ben, "tier": "accredited-leader", "effective": "2023-01-01", "reason": "council" }),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            body["errors"],
            json!([{ "field": "prerequisites.pathway-trainee", "message": "Pathway trainee must be held first" }])
        );

        granted(&app, &cast, &ada, "accredited-leader", "2023-01-01").await;
        // A trainer: accredited leader for 24 months, and leader trainee.
        let (status, body) = grant(
            &app,
            &cast,
            json!({ "person_id": ada, "tier": "accredited-leader-trainer", "effective": "2024-06-01", "reason": "council" }),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            body,
            refused(
                "Accredited Leader Trainer",
                "2024-06-01",
                json!([
                    { "field": "prerequisites.accredited-leader", "message": "Accredited Leader must be held for at least 24 months (held since 2023-01-01)" },
                    { "field": "prerequisites.leader-trainee", "message": "Leader Trainee must be held first" },
                ]),
            )
        );
        granted(&app, &cast, &ada, "leader-trainee", "2024-07-01").await;
        let (status, body) = grant(
            &app,
            &cast,
            json!({ "person_id": ada, "tier": "accredited-leader-trainer", "effective": "2024-12-31", "reason": "council" }),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            body["errors"],
            json!([{ "field": "prerequisites.accredited-leader", "message": "Accredited Leader must be held for at least 24 months (held since 2023-01-01)" }])
        );
        // 24 months to the day.
        let entry = granted(&app, &cast, &ada, "accredited-leader-trainer", "2025-01-01").await;
        assert_eq!(entry["tier"], "accredited-leader-trainer");

        // A suspended leader holds no tier; the entry's state refusing the
        // grant is what they are told.
        let (status, _) = app
            .post_json(
                &format!("{REGISTER}/BSANZ-0001/status"),
                Some(&cast.registrar.token),
                &json!({ "action": "suspend", "effective": "2025-02-01", "reason": "r", "visibility": "public" }),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let (status, body) = grant(
            &app,
            &cast,
            json!({ "person_id": ada, "tier": "accredited-leader-trainer", "effective": "2025-03-01", "reason": "council" }),
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
    }
);

e2e_test!(
    async fn an_override_grants_without_the_prerequisites_and_is_audited(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        adopt(&app, &cast, "abs-credentialed-leader").await;
        let pat = person(&app, &cast, "Pat", "Ng", json!({ "public_listing": true })).await;

        // Every problem of the request at once.
        let (status, body) = grant(
            &app,
            &cast,
            json!({ "person_id": pat, "tier": "listed-supervisor", "effective": "2024-03-01", "reason": " ",
                    "override_prerequisites": { "reason": "" } }),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            body["errors"],
            json!([
                { "field": "reason", "message": "is required" },
                { "field": "override_prerequisites.reason", "message": "is required" },
            ])
        );

        let why = "credentialed by the Balint Society of Canada; council minute 2024/7";
        let (status, entry) = grant(
            &app,
            &cast,
            json!({ "person_id": pat, "tier": "listed-supervisor", "effective": "2024-03-01",
                    "reason": "council decision", "override_prerequisites": { "reason": why } }),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{entry}");
        assert_eq!(entry["tier"], "listed-supervisor");
        let change = &entry["history"][0];
        assert_eq!(
            change["reason"],
            format!("council decision (granted by override, the prerequisites not held: {why})")
        );
        // Why the prerequisites were not held is kept from the public unless asked.
        assert_eq!(change["visibility"], "confidential");
        let (status, public) = app.get(&format!("{REGISTER}/BSANZ-0001"), None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(public["tier"], "listed-supervisor");
        assert_eq!(public["history"][0]["reason"], Value::Null);

        // The audit log keeps who overrode what, and why.
        let (_, log) = app
            .get("/api/v1/societies/bsanz/audit", Some(&cast.registrar.token))
            .await;
        let overrides: Vec<&Value> = log["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["entity_type"] == "prerequisite_override")
            .collect();
        assert_eq!(overrides.len(), 1, "{log}");
        let (_, me) = app
            .get("/api/v1/auth/me", Some(&cast.registrar.token))
            .await;
        assert_eq!(overrides[0]["actor_user_id"], me["id"]);
        assert_eq!(overrides[0]["action"], "create");
        assert_eq!(
            overrides[0]["after"],
            json!({
                "registration": "BSANZ-0001",
                "person_id": pat,
                "tier": "listed-supervisor",
                "effective": "2024-03-01",
                "override_reason": why,
                "unmet_prerequisites": [{ "tier": "credentialed-leader", "tier_name": "Credentialed Leader", "met": false }],
            })
        );
        let entry_log = log["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["entity_type"] == "register_entry")
            .unwrap();
        assert_eq!(overrides[0]["entity_id"], entry_log["entity_id"]);

        // A public reason when the registrar asks for one.
        let kim = person(&app, &cast, "Kim", "Lee", json!({})).await;
        let (status, entry) = grant(
            &app,
            &cast,
            json!({ "person_id": kim, "tier": "candidate", "effective": "2024-03-01",
                    "reason": "council decision", "visibility": "public",
                    "override_prerequisites": { "reason": "member of a sister society" } }),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{entry}");
        assert_eq!(entry["history"][0]["visibility"], "public");
    }
);
