//! The outbox and its webhooks: every event type delivered, signed as the
//! Standard Webhooks specification says (checked by the `standardwebhooks`
//! library from PyPI, in `tests/webhooks/receiver.py`); retries, 410,
//! replay, the delivery log, and endpoints refused on local addresses.

use std::collections::BTreeSet;
use std::time::Duration;

use balint_accredit_api::config::Settings;
use balint_e2e::receiver::Receiver;
use serde_json::Value;

use super::register::{adopt_pathway, grant, membership, person};
use super::*;

const HOOKS: &str = "/api/v1/societies/bsanz/webhooks";
const DELIVERIES: &str = "/api/v1/societies/bsanz/webhook-deliveries";
const REGISTER: &str = "/api/v1/societies/bsanz/register";

/// Every event type, as deliveries name them.
const ALL_TYPES: [&str; 11] = [
    "register_entry.granted",
    "register_entry.renewed",
    "register_entry.suspended",
    "register_entry.reinstated",
    "register_entry.revoked",
    "register_entry.retired",
    "register_entry.lapsed",
    "register_entry.deceased",
    "application.decided",
    "attestation.requested",
    "renewal.due",
];

/// Test settings for webhooks to the local receiver: local addresses
/// allowed, a quick worker, retries at once.
fn local(settings: &mut Settings) {
    settings.webhooks.webhook_allow_private = true;
    settings.webhooks.outbox_poll_ms = 50;
    settings.webhooks.webhook_timeout_secs = 5;
    settings.webhooks.webhook_retry_secs = "0,0,0,0".parse().unwrap();
}

/// Subscribe the receiver's hook `name` to `types`; returns the endpoint.
async fn subscribe(
    app: &TestApp,
    cast: &Cast,
    receiver: &Receiver,
    name: &str,
    types: &[&str],
    answers: &[u16],
) -> Value {
    let (status, endpoint) = app
        .post_json(
            HOOKS,
            Some(&cast.registrar.token),
            &json!({ "url": receiver.url(name), "description": name, "event_types": types }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{endpoint}");
    let secret = endpoint["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_"), "{endpoint}");
    receiver
        .configure(name, secret, answers, 0, Duration::ZERO)
        .await;
    endpoint
}

async fn change(app: &TestApp, cast: &Cast, registration: &str, action: &str, effective: &str) {
    let (status, body) = app
        .post_json(
            &format!("{REGISTER}/{registration}/status"),
            Some(&cast.registrar.token),
            &json!({ "action": action, "effective": effective, "reason": "committee", "visibility": "confidential" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{action}: {body}");
}

/// Wait until the outbox has nothing waiting or pending.
pub async fn drained(app: &TestApp, cast: &Cast) -> Value {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let (status, outbox) = app
            .get(
                "/api/v1/societies/bsanz/outbox",
                Some(&cast.registrar.token),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{outbox}");
        if outbox["events_waiting"] == 0 && outbox["deliveries_pending"] == 0 {
            return outbox;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the outbox did not drain: {outbox}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

e2e_test!(
    async fn every_event_type_is_delivered_signed_with_a_thin_payload(app: TestApp) with local; {
        let cast = Cast::assemble(&app).await;
        adopt_pathway(&app, &cast).await;
        let receiver = Receiver::start();
        subscribe(&app, &cast, &receiver, "all", &ALL_TYPES, &[]).await;

        let ann = person(&app, &cast, "Ann", "Carter", json!({})).await;
        let bob = person(&app, &cast, "Bob", "Abbott", json!({})).await;
        let cat = person(&app, &cast, "Cat", "Chen", json!({})).await;
        let dan = person(&app, &cast, "Dan", "Dunn", json!({})).await;
        let eve = person(&app, &cast, "Eve", "Evans", json!({})).await;
        let fay = person(&app, &cast, "Fay", "Fox", json!({})).await;

        // Granted, renewed, suspended, reinstated, retired.
        grant(&app, &cast, &ann, "2025-03-01").await; // BSANZ-0001, to 2026-02-28
        membership(&app, &cast, &ann, "2025-04-01", true).await;
        let (status, body) = app
            .post_json(
                &format!("{REGISTER}/BSANZ-0001/renewals"),
                Some(&cast.registrar.token),
                &json!({ "effective": "2026-02-10", "reason": "membership kept" }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        change(&app, &cast, "BSANZ-0001", "suspend", "2026-03-01").await;
        change(&app, &cast, "BSANZ-0001", "reinstate", "2026-03-10").await;
        change(&app, &cast, "BSANZ-0001", "retire", "2026-04-01").await;
        // Lapsed by the daily job.
        grant(&app, &cast, &bob, "2025-05-01").await; // BSANZ-0002, lapses 2026-08-01
        let (status, body) = app
            .post_json(
                &format!("{REGISTER}/lapse?as_of=2026-09-01"),
                Some(&cast.registrar.token),
                &json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        // Revoked; recorded as deceased.
        grant(&app, &cast, &cat, "2025-06-01").await; // BSANZ-0003
        change(&app, &cast, "BSANZ-0003", "revoke", "2026-01-01").await;
        grant(&app, &cast, &dan, "2025-06-01").await; // BSANZ-0004
        change(&app, &cast, "BSANZ-0004", "mark_deceased", "2026-01-01").await;
        // A renewal due: the cycle ends 2027-01-14, 25 days after
        // 2026-12-20, so the 30-day reminder, once however often it runs.
        grant(&app, &cast, &eve, "2026-01-15").await; // BSANZ-0005
        let mut conn =
            balint_accredit_api::db::connect_for_job(&app.settings.database).unwrap();
        let as_of = chrono::NaiveDate::from_ymd_opt(2026, 12, 20).unwrap();
        let mut remind = || {
            balint_accredit_api::actions::webhooks::remind_for_operator(
                &mut conn,
                balint_accredit_api::actions::Operator,
                as_of,
            )
            .unwrap()
        };
        assert_eq!(remind(), 1);
        assert_eq!(remind(), 0, "a reminder is recorded once");
        drop(conn);
        // An application decided.
        let (status, application) = app
            .post_json(
                &format!("/api/v1/societies/bsanz/people/{fay}/applications"),
                Some(&cast.registrar.token),
                &json!({ "tier": "accredited-leader", "override": { "reason": "committee discretion" } }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{application}");
        let (status, body) = app
            .post_json(
                &format!(
                    "/api/v1/societies/bsanz/applications/{}/decision",
                    application["id"].as_str().unwrap()
                ),
                Some(&cast.registrar.token),
                &json!({ "decision": "decline", "effective": "2026-11-01", "reason": "not yet", "visibility": "confidential" }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        // A record waiting for its attestor.
        let (status, record) = app
            .post_json(
                &format!("/api/v1/societies/bsanz/people/{fay}/activities"),
                Some(&cast.registrar.token),
                &json!({ "kind": "participation", "date": "2026-10-04", "amount": 1,
                         "unit": "double_sessions", "attestor": ann }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{record}");

        let outbox = drained(&app, &cast).await;
        let (_, log) = app
            .get(&format!("{DELIVERIES}?per_page=100"), Some(&cast.registrar.token))
            .await;
        let delivered = log["total"].as_i64().unwrap();
        assert_eq!(delivered, 15, "{log}");
        assert!(log["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["state"] == "delivered" && d["attempts"] == 1));
        let received = receiver
            .wait_for("all", usize::try_from(delivered).unwrap(), Duration::from_secs(20))
            .await;
        let requests = received["requests"].as_array().unwrap();
        assert!(requests.iter().all(|r| r["verified"] == true), "{received:#}");
        assert_eq!(requests.len(), received["taken"].as_array().unwrap().len());
        let types: BTreeSet<&str> = requests
            .iter()
            .map(|r| r["body"]["type"].as_str().unwrap())
            .collect();
        assert_eq!(types, ALL_TYPES.into_iter().collect(), "{received:#}");
        assert_eq!(outbox["recent"].as_array().unwrap().len(), requests.len());

        // Thin payloads: ids, statuses and dates, never a reason or a name.
        let body = |kind: &str| -> Vec<&Value> {
            requests
                .iter()
                .map(|r| &r["body"])
                .filter(|b| b["type"] == kind)
                .collect()
        };
        let suspended = body("register_entry.suspended");
        assert_eq!(
            suspended[0]["data"],
            json!({ "society": "bsanz", "registration": "BSANZ-0001",
                    "status": "suspended", "effective": "2026-03-01" })
        );
        assert_eq!(
            body("register_entry.lapsed")[0]["data"],
            json!({ "society": "bsanz", "registration": "BSANZ-0002",
                    "status": "lapsed", "effective": "2026-08-01" })
        );
        assert_eq!(
            body("renewal.due")
                .iter()
                .map(|b| b["data"].clone())
                .collect::<Vec<_>>(),
            [json!({ "society": "bsanz", "registration": "BSANZ-0005",
                     "valid_until": "2027-01-14", "days": 30 })]
        );
        assert_eq!(
            body("application.decided")[0]["data"],
            json!({ "society": "bsanz", "application": application["id"],
                    "person": fay, "outcome": "declined" })
        );
        assert_eq!(
            body("attestation.requested")[0]["data"],
            json!({ "society": "bsanz", "person": fay, "attestor": ann,
                    "records": 1, "activity": record["id"] })
        );
        let text = serde_json::to_string(requests).unwrap();
        for secret in ["committee", "Carter", "not yet", "council decision"] {
            assert!(!text.contains(secret), "{secret} was sent");
        }
    }
);

e2e_test!(
    async fn a_whole_register_due_for_renewal_is_reminded_once_per_threshold(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        // Entries whose cycles end these many days after `as_of`, a whole
        // register's worth (more than one batch of reminders), and one
        // entry suspended among them, which is not reminded.
        const OFFSETS: [i64; 13] = [-1, 0, 1, 6, 7, 8, 29, 30, 31, 89, 90, 91, 200];
        const ROUNDS: usize = 93;
        let as_of = chrono::NaiveDate::from_ymd_opt(2031, 6, 1).unwrap();
        let mut csv = String::from(
            "registration,person_id,given_name,family_name,public_listing,effective,action,tier,valid_until,grace_days,reason,visibility\n",
        );
        for i in 0..ROUNDS * OFFSETS.len() {
            let ends = as_of + chrono::Duration::days(OFFSETS[i % OFFSETS.len()]);
            csv.push_str(&format!(
                "BSANZ-{i:05},p-{i},Lee,Leader {i},true,2030-01-01,grant,accredited-leader,{ends},30,council,public\n"
            ));
        }
        csv.push_str(
            "BSANZ-90000,p-s,Sam,Suspended,true,2030-01-01,grant,accredited-leader,2031-06-08,30,council,public\n\
             BSANZ-90000,p-s,Sam,Suspended,true,2031-01-01,suspend,,,,complaint,confidential\n",
        );
        let (status, report) = app
            .send(
                app.builder(
                    reqwest::Method::POST,
                    &format!("{REGISTER}/import"),
                    Some(&cast.registrar.token),
                )
                .header("content-type", "text/csv")
                .body(csv),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{report}");

        let mut conn = balint_accredit_api::db::connect_for_job(&app.settings.database).unwrap();
        let mut remind = |day: chrono::NaiveDate| {
            balint_accredit_api::actions::webhooks::remind_for_operator(
                &mut conn,
                balint_accredit_api::actions::Operator,
                day,
            )
            .unwrap()
        };
        // The cycles ending on the day up to 90 days on: 7 days' notice for
        // 0, 1, 6 and 7 days left, 30 for 8, 29 and 30, 90 for 31, 89, 90.
        assert_eq!(remind(as_of), 10 * ROUNDS);
        assert_eq!(remind(as_of), 0, "a reminder is recorded once");
        // A day on, only those crossing a threshold are new (8 to 7 days
        // left, 31 to 30, 91 to 90); the rest were reminded of theirs.
        let next = as_of + chrono::Duration::days(1);
        assert_eq!(remind(next), 3 * ROUNDS);
        assert_eq!(remind(next), 0);

        let society = balint_accredit_api::db::societies::by_slug(&mut conn, "bsanz").unwrap();
        let events =
            balint_accredit_api::db::outbox::recent(&mut conn, &society.id, 100_000).unwrap();
        let mut by_days = std::collections::BTreeMap::<i64, usize>::new();
        let mut reminded = BTreeSet::new();
        for event in events.iter().filter(|e| e.event_type == "renewal.due") {
            let payload: Value = serde_json::from_str(&event.payload).unwrap();
            assert_eq!(payload["society"], "bsanz", "{payload}");
            assert_ne!(
                payload["registration"], "BSANZ-90000",
                "suspended: {payload}"
            );
            assert!(
                event.person_id.is_some(),
                "a reminder names its person: {payload}"
            );
            *by_days
                .entry(payload["days"].as_i64().unwrap())
                .or_default() += 1;
            reminded.insert((
                payload["registration"].as_str().unwrap().to_owned(),
                payload["days"].as_i64().unwrap(),
            ));
        }
        assert_eq!(
            by_days,
            [(7, 5 * ROUNDS), (30, 4 * ROUNDS), (90, 4 * ROUNDS)].into(),
        );
        assert_eq!(
            reminded.len(),
            13 * ROUNDS,
            "one event per entry and threshold"
        );
    }
);

e2e_test!(
    async fn a_failing_endpoint_gets_it_once_after_four_tries_all_logged(app: TestApp) with local; {
        let cast = Cast::assemble(&app).await;
        adopt_pathway(&app, &cast).await;
        let receiver = Receiver::start();
        let endpoint = subscribe(
            &app,
            &cast,
            &receiver,
            "flaky",
            &["register_entry.granted"],
            &[500, 500, 500],
        )
        .await;
        let ann = person(&app, &cast, "Ann", "Carter", json!({})).await;
        grant(&app, &cast, &ann, "2025-03-01").await;

        let received = receiver
            .wait_for("flaky", 1, Duration::from_secs(20))
            .await;
        drained(&app, &cast).await;
        let requests = received["requests"].as_array().unwrap();
        let statuses: Vec<&Value> = requests.iter().map(|r| &r["status"]).collect();
        assert_eq!(statuses, [500, 500, 500, 200]);
        assert!(requests.iter().all(|r| r["verified"] == true));
        assert!(requests.iter().all(|r| r["id"] == requests[0]["id"]), "one webhook-id on every try");
        assert_eq!(received["taken"].as_array().unwrap().len(), 1);

        let (status, log) = app
            .get(
                &format!("{DELIVERIES}?endpoint={}", endpoint["id"].as_str().unwrap()),
                Some(&cast.registrar.token),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(log["total"], 1, "{log}");
        assert_eq!(log["items"][0]["state"], "delivered");
        assert_eq!(log["items"][0]["attempts"], 4);
        assert_eq!(log["items"][0]["id"], requests[0]["id"]);
        let (status, detail) = app
            .get(
                &format!("{DELIVERIES}/{}", log["items"][0]["id"].as_str().unwrap()),
                Some(&cast.registrar.token),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{detail}");
        let tries: Vec<(i64, Value)> = detail["tries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (t["attempt"].as_i64().unwrap(), t["status"].clone()))
            .collect();
        assert_eq!(
            tries,
            [(1, json!(500)), (2, json!(500)), (3, json!(500)), (4, json!(200))]
        );
        assert_eq!(detail["payload"]["type"], "register_entry.granted");
        assert_eq!(detail["payload"], requests[0]["body"]);
    }
);

e2e_test!(
    async fn gone_disables_the_endpoint_and_replay_sends_again(app: TestApp) with local; {
        let cast = Cast::assemble(&app).await;
        adopt_pathway(&app, &cast).await;
        let receiver = Receiver::start();
        let endpoint = subscribe(
            &app,
            &cast,
            &receiver,
            "gone",
            &["register_entry.granted", "register_entry.suspended"],
            &[410],
        )
        .await;
        let id = endpoint["id"].as_str().unwrap();
        let ann = person(&app, &cast, "Ann", "Carter", json!({})).await;
        grant(&app, &cast, &ann, "2025-03-01").await;
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        let endpoint = loop {
            let (_, endpoint) = app
                .get(&format!("{HOOKS}/{id}"), Some(&cast.registrar.token))
                .await;
            if endpoint["enabled"] == false {
                break endpoint;
            }
            assert!(std::time::Instant::now() < deadline, "{endpoint}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        assert_eq!(
            endpoint["disabled_reason"],
            "the endpoint answered 410 Gone"
        );
        let (_, log) = app
            .get(DELIVERIES, Some(&cast.registrar.token))
            .await;
        assert_eq!(log["items"][0]["state"], "dead", "{log}");
        let (_, outbox) = app
            .get("/readyz", None)
            .await;
        assert_eq!(outbox["outbox"]["deliveries_dead"], 1, "{outbox}");

        // A disabled endpoint is sent nothing more.
        change(&app, &cast, "BSANZ-0001", "suspend", "2026-03-01").await;
        drained(&app, &cast).await;
        let (_, log) = app
            .get(DELIVERIES, Some(&cast.registrar.token))
            .await;
        assert_eq!(log["total"], 1, "{log}");

        // Enabled again and replayed: delivered, with the same webhook-id.
        let (status, enabled) = app
            .post_json(&format!("{HOOKS}/{id}/enable"), Some(&cast.registrar.token), &json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{enabled}");
        assert_eq!(enabled["enabled"], true);
        let delivery = log["items"][0]["id"].as_str().unwrap();
        let (status, replayed) = app
            .post_json(
                &format!("{DELIVERIES}/{delivery}/replay"),
                Some(&cast.registrar.token),
                &json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{replayed}");
        assert_eq!(replayed["state"], "pending");
        let received = receiver.wait_for("gone", 1, Duration::from_secs(20)).await;
        assert_eq!(received["taken"], json!([delivery]));
        let (_, detail) = app
            .get(&format!("{DELIVERIES}/{delivery}"), Some(&cast.registrar.token))
            .await;
        assert_eq!(detail["state"], "delivered");
        assert_eq!(detail["tries"].as_array().unwrap().len(), 2, "{detail}");
        let (_, audit) = app
            .get(
                "/api/v1/societies/bsanz/audit?entity_type=webhook_delivery",
                Some(&cast.registrar.token),
            )
            .await;
        assert_eq!(audit["total"], 1, "{audit}");
    }
);

e2e_test!(
    async fn endpoints_on_local_addresses_and_unknown_types_are_refused(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let (status, body) = app
            .post_json(
                HOOKS,
                Some(&cast.registrar.token),
                &json!({ "url": "http://127.0.0.1:9/hook", "event_types": ["register_entry.granted", "nothing.happened"] }),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(
            body["errors"],
            json!([
                { "field": "url", "message": "is on a loopback, private or link-local address, which this server does not send to" },
                { "field": "event_types[1]", "message": "\"nothing.happened\" is not an event type" },
            ])
        );
        let (status, created) = app
            .post_json(
                HOOKS,
                Some(&cast.registrar.token),
                &json!({ "url": "https://hooks.example.org/balint", "event_types": ["renewal.due"] }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        // The list leaves the secret out; only the registrar sees it.
        let (_, list) = app.get(HOOKS, Some(&cast.registrar.token)).await;
        assert_eq!(list["total"], 1);
        assert_eq!(list["items"][0]["secret"], Value::Null);
        let (status, _) = app.get(HOOKS, Some(&cast.member.token)).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = app.get(HOOKS, Some(&cast.other_registrar.token)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let path = format!("{HOOKS}/{}", created["id"].as_str().unwrap());
        let (status, _) = app
            .send(app.builder(reqwest::Method::DELETE, &path, Some(&cast.registrar.token)))
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, _) = app.get(&path, Some(&cast.registrar.token)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
);

e2e_test!(
    async fn an_endpoint_that_does_not_answer_is_given_up_on_at_the_timeout(app: TestApp) with |s| {
        local(s);
        s.webhooks.webhook_timeout_secs = 1;
    }; {
        let cast = Cast::assemble(&app).await;
        adopt_pathway(&app, &cast).await;
        let receiver = Receiver::start();
        let endpoint = subscribe(
            &app,
            &cast,
            &receiver,
            "slow",
            &["register_entry.granted"],
            &[],
        )
        .await;
        // The first delivery is held 4 s, past the 1 s timeout.
        receiver
            .configure(
                "slow",
                endpoint["secret"].as_str().unwrap(),
                &[],
                1,
                Duration::from_secs(4),
            )
            .await;
        let ann = person(&app, &cast, "Ann", "Carter", json!({})).await;
        grant(&app, &cast, &ann, "2025-03-01").await;
        let received = receiver.wait_for("slow", 1, Duration::from_secs(20)).await;
        drained(&app, &cast).await;
        let id = received["taken"][0].as_str().unwrap();
        let (_, detail) = app
            .get(&format!("{DELIVERIES}/{id}"), Some(&cast.registrar.token))
            .await;
        assert_eq!(detail["state"], "delivered", "{detail}");
        let tries = detail["tries"].as_array().unwrap();
        assert_eq!(tries.len(), 2, "{detail}");
        assert_eq!(tries[0]["status"], Value::Null);
        assert!(
            tries[0]["duration_ms"].as_i64().unwrap() < 4000,
            "the first try was cut at the timeout: {detail}"
        );
        assert!(
            tries[0]["response"].as_str().unwrap().contains("timed out")
                || tries[0]["response"].as_str().unwrap().contains("no answer"),
            "{detail}"
        );
        assert_eq!(tries[1]["status"], 200);
    }
);
