//! One society never sees another's non-public data: a signed-in caller
//! with no role in a society is told 404 for everything of that society's
//! that is not public, the same answer as for a record that does not
//! exist, never 403 (which would say it exists and is refused).

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::Value;

use super::ledger_setup::*;
use super::*;

/// Every route under `/api/v1/societies/{society}` that is not public,
/// with a body of the right shape (so that the answer is about the
/// caller, not the body).
///
/// Keep it complete: every route registered in
/// `balint-accredit-api/src/routes/mod.rs` under `society_routes` (and the
/// scopes it configures) is here or in [`PUBLIC`]. The test fails when the
/// OpenAPI document lists a society route that neither table has, or when
/// `routes/mod.rs` registers a route the OpenAPI document does not list.
fn private_routes() -> Vec<(Method, &'static str, Option<Value>)> {
    let post = |path, body| (Method::POST, path, Some(body));
    vec![
        post(
            "/users",
            json!({ "email": "someone@example.org", "password": PASSWORD, "role": "member" }),
        ),
        (Method::GET, "/audit", None),
        (Method::PUT, "/pathway", Some(json!({}))),
        post("/pathway/adopt", json!({ "preset": "dbg-leader" })),
        post("/people", json!({ "family_name": "Intruder" })),
        (Method::GET, "/people", None),
        (Method::GET, "/people/{person}", None),
        (
            Method::PATCH,
            "/people/{person}",
            Some(json!({ "city": "Elsewhere" })),
        ),
        post(
            "/people/{person}/activities",
            json!({ "kind": "participation", "date": "2025-03-04", "amount": 1, "unit": "sessions" }),
        ),
        (Method::GET, "/people/{person}/activities", None),
        (Method::GET, "/people/{person}/data-export", None),
        (Method::POST, "/people/{person}/erasure", None),
        (
            Method::POST,
            "/people/{person}/activities/bulk",
            Some(json!([])),
        ),
        (Method::GET, "/people/{person}/activities/export", None),
        (
            Method::GET,
            "/people/{person}/progress?tier=balint-group-leader",
            None,
        ),
        post(
            "/people/{person}/applications",
            json!({ "tier": "balint-group-leader" }),
        ),
        (Method::GET, "/people/{person}/applications", None),
        post(
            "/people/{person}/overrides",
            json!({ "tier": "balint-group-leader", "requirement": "participation",
                    "kind": "committee_discretion", "effect": "waive", "reason": "r" }),
        ),
        (Method::GET, "/people/{person}/overrides", None),
        post(
            "/people/{person}/certificates",
            json!({ "from": "2025-01-01", "to": "2025-12-31" }),
        ),
        (Method::GET, "/people/{person}/certificates", None),
        (Method::POST, "/people/{person}/calendar", None),
        (Method::GET, "/people/{person}/calendar", None),
        (Method::DELETE, "/people/{person}/calendar", None),
        post(
            "/programmes",
            json!({ "id": "p", "name": "P", "sessions_required": 30, "assessment_months": 6 }),
        ),
        (Method::GET, "/programmes", None),
        post(
            "/programmes/{programme}/trainees",
            json!({ "person_id": "someone", "joined_on": "2025-01-01" }),
        ),
        (Method::GET, "/programmes/{programme}/attendance", None),
        (
            Method::GET,
            "/programmes/{programme}/attendance/export",
            None,
        ),
        (Method::GET, "/activities/{activity}", None),
        (
            Method::PATCH,
            "/activities/{activity}",
            Some(json!({ "amount": 2 })),
        ),
        (Method::DELETE, "/activities/{activity}", None),
        post(
            "/activities/{activity}/attestation",
            json!({ "decision": "confirm" }),
        ),
        post(
            "/register",
            json!({ "person_id": "someone", "tier": "balint-group-leader",
                    "effective": "2025-01-01", "reason": "r" }),
        ),
        (Method::GET, "/register/due", None),
        (Method::POST, "/register/lapse", None),
        (
            Method::POST,
            "/register/import",
            Some(json!({ "entries": [] })),
        ),
        post(
            "/register/{registration}/status",
            json!({ "action": "suspend", "effective": "2025-06-01", "reason": "r", "visibility": "public" }),
        ),
        post(
            "/register/{registration}/renewals",
            json!({ "effective": "2025-06-01", "reason": "r" }),
        ),
        (Method::GET, "/register/{registration}/credential", None),
        (Method::GET, "/register/{registration}/credential.svg", None),
        (Method::GET, "/register/{registration}/credential.png", None),
        (Method::POST, "/issuer/keys", None),
        (Method::GET, "/applications", None),
        (Method::GET, "/applications/{application}", None),
        (Method::GET, "/users", None),
        (Method::PUT, "/profile", Some(json!({ "phone": "1" }))),
        (Method::GET, "/retention", None),
        (
            Method::PUT,
            "/retention",
            Some(json!({ "sessions_days": 10 })),
        ),
        (Method::POST, "/users/{user}/disable", None),
        (Method::POST, "/users/{user}/enable", None),
        (Method::POST, "/users/{user}/password-reset", None),
        post(
            "/attestations/bulk",
            json!({ "decisions": [{ "activity": "x", "decision": "confirm" }] }),
        ),
        post(
            "/groups",
            json!({ "name": "Intruders", "term": "ongoing", "delivery": "online", "usual_minutes": 90 }),
        ),
        (Method::GET, "/groups", None),
        (Method::GET, "/groups/{group}", None),
        (
            Method::PATCH,
            "/groups/{group}",
            Some(json!({ "name": "Renamed" })),
        ),
        post(
            "/groups/{group}/leaders",
            json!({ "person": "someone", "role": "leader", "from": "2025-01-01" }),
        ),
        post(
            "/groups/{group}/leaders/{leader}/end",
            json!({ "last_day": "2025-06-01" }),
        ),
        post(
            "/groups/{group}/members",
            json!({ "person": "someone", "joined_on": "2025-01-01" }),
        ),
        post(
            "/groups/{group}/members/{member}/end",
            json!({ "last_day": "2025-06-01" }),
        ),
        post(
            "/groups/{group}/sessions",
            json!({ "date": "2025-03-11", "attended": [] }),
        ),
        (Method::GET, "/groups/{group}/sessions", None),
        (Method::GET, "/groups/{group}/sessions/{session}", None),
        (
            Method::PATCH,
            "/groups/{group}/sessions/{session}",
            Some(json!({ "minutes": 60 })),
        ),
        post(
            "/groups/{group}/planned-sessions",
            json!({ "starts_at": "2099-03-11T19:00:00+01:00" }),
        ),
        (Method::GET, "/groups/{group}/planned-sessions", None),
        (
            Method::PATCH,
            "/groups/{group}/planned-sessions/{plan}",
            Some(json!({ "minutes": 60 })),
        ),
        (
            Method::POST,
            "/groups/{group}/planned-sessions/{plan}/cancel",
            None,
        ),
        post(
            "/applications/{application}/decision",
            json!({ "decision": "grant", "effective": "2025-06-01", "reason": "r" }),
        ),
        post(
            "/webhooks",
            json!({ "url": "https://hooks.example.org/x", "event_types": ["renewal.due"] }),
        ),
        (Method::GET, "/webhooks", None),
        (Method::GET, "/webhooks/{endpoint}", None),
        (Method::DELETE, "/webhooks/{endpoint}", None),
        (Method::POST, "/webhooks/{endpoint}/enable", None),
        (Method::POST, "/webhooks/{endpoint}/rotate-secret", None),
        (Method::GET, "/webhook-deliveries", None),
        (Method::GET, "/webhook-deliveries/{delivery}", None),
        (Method::POST, "/webhook-deliveries/{delivery}/replay", None),
        (Method::GET, "/outbox", None),
        (Method::GET, "/mail", None),
    ]
}

/// The public routes under `/api/v1/societies/{society}`: a caller with
/// no role there gets what the public gets.
const PUBLIC: [&str; 9] = [
    "",
    "/profile",
    "/pathway",
    "/pathway/versions",
    "/pathway/versions/{number}",
    "/register",
    "/register/{registration}",
    "/register/export",
    "/status-lists/{purpose}",
];

/// The records of dbg that the table's paths name.
struct Theirs {
    person: String,
    activity: String,
    application: String,
    registration: String,
    /// A member's login.
    user: String,
    /// A webhook endpoint, and a delivery to it.
    endpoint: String,
    delivery: String,
    /// A group, its leadership and membership, and a session of it.
    group: String,
    leader: String,
    member: String,
    session: String,
    /// A session of the group planned ahead.
    plan: String,
}

impl Theirs {
    /// `template` under `/api/v1/societies/dbg`, naming these records.
    fn path(&self, template: &str) -> String {
        let path = template
            .replace("{person}", &self.person)
            .replace("{activity}", &self.activity)
            .replace("{application}", &self.application)
            .replace("{registration}", &self.registration)
            .replace("{user}", &self.user)
            .replace("{endpoint}", &self.endpoint)
            .replace("{delivery}", &self.delivery)
            .replace("{programme}", "core-psych")
            .replace("{group}", &self.group)
            .replace("{leader}", &self.leader)
            .replace("{member}", &self.member)
            .replace("{session}", &self.session)
            .replace("{plan}", &self.plan)
            .replace("{number}", "1")
            .replace("{purpose}", "revocation");
        format!("/api/v1/societies/dbg{path}")
    }

    /// Ids of the same shapes that name nothing.
    fn missing() -> Self {
        Self {
            person: "no-such-person".to_owned(),
            activity: "no-such-activity".to_owned(),
            application: "no-such-application".to_owned(),
            registration: "DBG-9999".to_owned(),
            user: "no-such-user".to_owned(),
            endpoint: "ep_00000000000000000000000000000000".to_owned(),
            delivery: "msg_00000000000000000000000000000000".to_owned(),
            group: "no-such-group".to_owned(),
            leader: "no-such-leader".to_owned(),
            member: "no-such-member".to_owned(),
            session: "no-such-session".to_owned(),
            plan: "no-such-plan".to_owned(),
        }
    }
}

/// dbg's pathway, a person on its register with a pending record and an
/// override, and another person's pending application, as dbg's
/// registrar makes them.
async fn their_records(app: &TestApp, cast: &Cast) -> Theirs {
    let registrar = Some(cast.other_registrar.token.as_str());
    let (status, body) = app
        .post_json(
            "/api/v1/societies/dbg/pathway/adopt",
            registrar,
            &json!({ "preset": "dbg-leader" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let mut people = Vec::new();
    for family in ["Leiter", "Bewerber"] {
        let (status, body) = app
            .post_json(
                "/api/v1/societies/dbg/people",
                registrar,
                &json!({ "family_name": family, "entered_pathway_on": "2022-01-10" }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        people.push(body["id"].as_str().unwrap().to_owned());
    }
    let (leader, applicant) = (people[0].clone(), people[1].clone());
    // An endpoint (a name that never resolves), so that the grant below
    // is delivered to it.
    let (status, endpoint) = app
        .post_json(
            "/api/v1/societies/dbg/webhooks",
            registrar,
            &json!({ "url": "https://hooks.dbg.invalid/balint", "event_types": ["register_entry.granted"] }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{endpoint}");

    let (status, entry) = app
        .post_json(
            "/api/v1/societies/dbg/register",
            registrar,
            &json!({ "person_id": leader, "tier": "balint-group-leader",
                    "effective": "2024-01-01", "reason": "Vorstandsbeschluss" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{entry}");
    let activity = record(
        app,
        &cast.other_registrar.token,
        "dbg",
        &leader,
        json!({ "kind": "participation", "date": "2025-03-04", "amount": 1, "unit": "sessions",
                "attestor": cast.other_member_person }),
    )
    .await;
    let (status, body) = app
        .post_json(
            &format!("/api/v1/societies/dbg/people/{leader}/overrides"),
            registrar,
            &json!({ "tier": "balint-group-leader", "requirement": "participation",
                    "kind": "committee_discretion", "effect": "waive", "reason": "r" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, application) = app
        .post_json(
            &format!("/api/v1/societies/dbg/people/{applicant}/applications"),
            registrar,
            &json!({ "tier": "balint-group-leader", "override": { "reason": "committee" } }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{application}");
    let (status, login) = app
        .post_json(
            "/api/v1/societies/dbg/users",
            registrar,
            &json!({ "email": "bewerber@dbg.example.org", "password": "a long passphrase of theirs",
                     "role": "member", "person_id": applicant }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{login}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let delivery = loop {
        let (_, log) = app
            .get("/api/v1/societies/dbg/webhook-deliveries", registrar)
            .await;
        if let Some(id) = log["items"][0]["id"].as_str() {
            break id.to_owned();
        }
        assert!(std::time::Instant::now() < deadline, "no delivery: {log}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    // A group led by dbg's member, with the applicant in it, and a session.
    let (status, group) = app
        .post_json(
            "/api/v1/societies/dbg/groups",
            registrar,
            &json!({ "name": "Dienstagsgruppe", "term": "ongoing", "delivery": "in_person",
                     "usual_minutes": 90 }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{group}");
    let group_path = format!(
        "/api/v1/societies/dbg/groups/{}",
        group["id"].as_str().unwrap()
    );
    let (status, body) = app
        .post_json(
            &format!("{group_path}/leaders"),
            registrar,
            &json!({ "person": cast.other_member_person, "role": "leader", "from": "2025-01-01" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = app
        .post_json(
            &format!("{group_path}/members"),
            registrar,
            &json!({ "person": applicant, "joined_on": "2025-01-01" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, session) = app
        .post_json(
            &format!("{group_path}/sessions"),
            Some(&cast.other_member.token),
            &json!({ "date": "2025-03-04", "attended": [applicant] }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{session}");
    let (status, plan) = app
        .post_json(
            &format!("{group_path}/planned-sessions"),
            registrar,
            &json!({ "starts_at": "2099-03-11T19:00:00+01:00" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{plan}");
    Theirs {
        plan: plan["id"].as_str().unwrap().to_owned(),
        endpoint: endpoint["id"].as_str().unwrap().to_owned(),
        delivery,
        group: body["id"].as_str().unwrap().to_owned(),
        leader: body["leaders"][0]["id"].as_str().unwrap().to_owned(),
        member: body["members"][0]["id"].as_str().unwrap().to_owned(),
        session: session["id"].as_str().unwrap().to_owned(),
        person: leader,
        activity: activity["id"].as_str().unwrap().to_owned(),
        application: application["id"].as_str().unwrap().to_owned(),
        registration: entry["registration"].as_str().unwrap().to_owned(),
        user: login["id"].as_str().unwrap().to_owned(),
    }
}

/// The status, content type and JSON body of `method path` as `token`.
async fn ask(
    app: &TestApp,
    method: &Method,
    path: &str,
    body: Option<&Value>,
    token: Option<&str>,
) -> (StatusCode, String, Value) {
    let mut request = app.builder(method.clone(), path, token);
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let text = response.text().await.unwrap();
    (
        status,
        content_type,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    )
}

e2e_test!(
    async fn another_societys_registrar_and_member_are_told_nothing_is_there(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let theirs = their_records(&app, &cast).await;
        let (_, before) = app
            .get(
                "/api/v1/societies/dbg/audit?per_page=1",
                Some(&cast.other_registrar.token),
            )
            .await;

        let not_there = problem(404, "not-found", "Not found", "resource not found");
        for (who, token) in [
            ("bsanz's registrar", cast.registrar.token.as_str()),
            ("bsanz's member", cast.member.token.as_str()),
        ] {
            for (method, template, body) in private_routes() {
                // The same answer for their records and for made-up ids:
                // it tells nothing of what exists.
                for ids in [&theirs, &Theirs::missing()] {
                    let path = ids.path(template);
                    let (status, content_type, answer) =
                        ask(&app, &method, &path, body.as_ref(), Some(token)).await;
                    assert_eq!(
                        (status, content_type.as_str(), &answer),
                        (
                            StatusCode::NOT_FOUND,
                            "application/problem+json",
                            &not_there
                        ),
                        "{who}: {method} {path}"
                    );
                }
            }
            // Where the public may look, they are the public.
            for template in PUBLIC {
                let path = theirs.path(template);
                let public = ask(&app, &Method::GET, &path, None, None).await;
                let theirs_to_them = ask(&app, &Method::GET, &path, None, Some(token)).await;
                assert_ne!(public.0, StatusCode::FORBIDDEN, "GET {path}");
                assert_eq!(theirs_to_them, public, "{who}: GET {path}");
            }
        }

        // None of it changed anything.
        let (_, after) = app
            .get(
                "/api/v1/societies/dbg/audit?per_page=1",
                Some(&cast.other_registrar.token),
            )
            .await;
        assert_eq!(after["total"], before["total"]);
        let (status, record) = app
            .get(
                &record_path("dbg", &theirs.activity),
                Some(&cast.other_registrar.token),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(record["status"], "pending");
    }
);

/// `(METHOD, path)` of every operation in the OpenAPI document under
/// `/api/v1/societies/{society}`, path relative to it.
fn society_operations(document: &Value) -> BTreeSet<(String, String)> {
    let prefix = "/api/v1/societies/{society}";
    let mut found = BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        let Some(rest) = path.strip_prefix(prefix) else {
            continue;
        };
        for method in item.as_object().unwrap().keys() {
            found.insert((method.to_uppercase(), rest.to_owned()));
        }
    }
    found
}

#[tokio::test]
async fn the_visibility_table_covers_every_society_route() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (_, document) = app.get("/api/v1/openapi.json", None).await;

    // Every route registered is in the OpenAPI document: one operation per
    // method handler in routes/mod.rs.
    let routes = include_str!("../../balint-accredit-api/src/routes/mod.rs");
    let registered: usize = ["get", "post", "put", "patch", "delete"]
        .iter()
        .map(|m| routes.matches(&format!("web::{m}()")).count())
        .sum();
    let documented: usize = document["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|item| item.as_object().unwrap().len())
        .sum();
    assert_eq!(registered, documented, "a route is missing from openapi.rs");

    // Every society route of the document is in one of the two tables.
    let mut tabled: BTreeSet<(String, String)> = private_routes()
        .into_iter()
        .map(|(method, path, _)| {
            let path = path.split('?').next().unwrap_or(path);
            (method.to_string(), path.to_owned())
        })
        .collect();
    let private = tabled.len();
    tabled.extend(PUBLIC.iter().map(|p| ("GET".to_owned(), (*p).to_owned())));
    assert_eq!(
        tabled.len(),
        private + PUBLIC.len(),
        "a route is in both tables"
    );
    let documented = society_operations(&document);
    assert_eq!(
        tabled.difference(&documented).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "in the tables but not the API"
    );
    assert_eq!(
        documented.difference(&tabled).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "society routes missing from the visibility tables"
    );
}
