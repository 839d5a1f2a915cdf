//! Webhook deliveries under faults, with `balint-accredit serve` run as an
//! operator runs it, on SQLite and on PostgreSQL: a server killed while it
//! delivers and started again delivers what it held (the receiver sees that
//! webhook-id at most twice, and takes it once); two servers on one
//! database deliver 1,000 events exactly once between them. Every delivery
//! is checked by the `standardwebhooks` library from PyPI
//! (`tests/webhooks/receiver.py`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../tests/webhooks/receiver.rs"]
mod receiver;
mod serving;

use std::collections::BTreeMap;
use std::process::Command;
use std::time::{Duration, Instant};

use balint_accredit_api::config::DatabaseSettings;
use balint_accredit_api::db::{self, schema::outbox_events, schema::societies};
use diesel::prelude::*;
use receiver::Receiver;
use serde_json::{json, Value};
use serving::{call, Database, Server, BIN};

/// A migrated database with an administrator, served; the society bsanz
/// on the UK 2016 pathway with one person, and an endpoint on the
/// receiver's hook `hook` for grants. Returns the server, the token and
/// the person's id.
async fn set_up(
    url: &str,
    receiver: &Receiver,
    hook: &str,
    hangs: u32,
    hang: Duration,
) -> (Server, String, String) {
    let (server, token) = serving::admin_served(url, &[]).await;
    let base = server.base.clone();
    let post = reqwest::Method::POST;
    let token = token.as_str();
    call(
        &base,
        post.clone(),
        "/societies",
        Some(token),
        json!({ "slug": "bsanz", "name": "BSANZ", "country": "AU" }),
    )
    .await;
    call(
        &base,
        post.clone(),
        "/societies/bsanz/pathway/adopt",
        Some(token),
        json!({ "preset": "uk-2016" }),
    )
    .await;
    let person = call(
        &base,
        post.clone(),
        "/societies/bsanz/people",
        Some(token),
        json!({ "given_name": "Ann", "family_name": "Carter", "entered_pathway_on": "2022-01-10" }),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let endpoint = call(
        &base,
        post,
        "/societies/bsanz/webhooks",
        Some(token),
        json!({ "url": receiver.url(hook), "event_types": ["register_entry.granted"] }),
    )
    .await;
    receiver
        .configure(hook, endpoint["secret"].as_str().unwrap(), &[], hangs, hang)
        .await;
    (server, token.to_owned(), person)
}

/// How many requests hook `hook` received of each webhook-id, and whether
/// all verified.
fn by_id(received: &Value) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for request in received["requests"].as_array().unwrap() {
        assert_eq!(request["verified"], true, "{request}");
        *counts
            .entry(request["id"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    counts
}

async fn killed_during_a_delivery(database: Database) {
    let url = database.url();
    let receiver = Receiver::start();
    // The first delivery is held for 8 s: the server is killed meanwhile.
    let (server, token, person) = set_up(&url, &receiver, "kill", 1, Duration::from_secs(8)).await;
    call(&server.base, reqwest::Method::POST, "/societies/bsanz/register", Some(&token),
        json!({ "person_id": person, "tier": "accredited-leader", "effective": "2025-03-01", "reason": "council" })).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while receiver.received("kill").await["requests"]
        .as_array()
        .unwrap()
        .is_empty()
    {
        assert!(Instant::now() < deadline, "the delivery never arrived");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server.kill();

    // Started again: once the dead server's lease runs out, it is sent
    // again, with the same webhook-id, and taken.
    let server = Server::start(&url).await;
    let received = receiver.wait_for("kill", 1, Duration::from_secs(30)).await;
    let id = received["taken"][0].as_str().unwrap().to_owned();
    // The held request ends too (its answer goes nowhere).
    let deadline = Instant::now() + Duration::from_secs(20);
    let received = loop {
        let received = receiver.received("kill").await;
        if received["requests"].as_array().unwrap().len() >= 2 {
            break received;
        }
        assert!(Instant::now() < deadline, "{received:#}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        by_id(&received),
        BTreeMap::from([(id.clone(), 2)]),
        "{received:#}"
    );
    assert_eq!(received["taken"], json!([id]));
    let detail = call(
        &server.base,
        reqwest::Method::GET,
        &format!("/societies/bsanz/webhook-deliveries/{id}"),
        Some(&token),
        Value::Null,
    )
    .await;
    assert_eq!(detail["state"], "delivered", "{detail}");
}

async fn two_servers_deliver_each_event_once(database: Database) {
    const EVENTS: usize = 1000;
    let url = database.url();
    let receiver = Receiver::start();
    let (first, token, _) = set_up(&url, &receiver, "many", 0, Duration::ZERO).await;
    let second = Server::start(&url).await;

    // A thousand events at once, as a busy day's changes would leave them.
    let mut conn = db::connect_for_job(&DatabaseSettings::new(url.clone())).unwrap();
    db::write(&mut conn, |conn| {
        let society: String = societies::table
            .filter(societies::slug.eq("bsanz"))
            .select(societies::id)
            .first(conn)?;
        let now = db::now();
        for n in 0..EVENTS {
            diesel::insert_into(outbox_events::table)
                .values((
                    outbox_events::id.eq(format!("evt_load{n:06}")),
                    outbox_events::society_id.eq(&society),
                    outbox_events::event_type.eq("register_entry.granted"),
                    outbox_events::payload
                        .eq(json!({ "registration": format!("BSANZ-{n:04}") }).to_string()),
                    outbox_events::created_at.eq(now),
                ))
                .execute(conn)?;
        }
        Ok(())
    })
    .unwrap();
    drop(conn);

    let received = receiver
        .wait_for("many", EVENTS, Duration::from_secs(180))
        .await;
    // Any late repeat would have arrived by now.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let received = {
        let again = receiver.received("many").await;
        assert!(
            again["requests"].as_array().unwrap().len()
                >= received["requests"].as_array().unwrap().len()
        );
        again
    };
    let counts = by_id(&received);
    assert_eq!(counts.len(), EVENTS);
    let repeated: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        repeated.is_empty(),
        "delivered more than once: {repeated:?}"
    );
    let events: std::collections::BTreeSet<&str> = received["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["body"]["data"]["registration"].as_str().unwrap())
        .collect();
    assert_eq!(events.len(), EVENTS, "every event once");
    let log = call(
        &second.base,
        reqwest::Method::GET,
        "/societies/bsanz/webhook-deliveries?state=delivered&per_page=1",
        Some(&token),
        Value::Null,
    )
    .await;
    assert_eq!(log["total"], EVENTS);
    drop(first);
}

#[tokio::test]
async fn a_server_killed_during_a_delivery_delivers_it_after_restart_sqlite() {
    killed_during_a_delivery(Database::sqlite()).await;
}

#[tokio::test]
async fn a_server_killed_during_a_delivery_delivers_it_after_restart_postgres() {
    killed_during_a_delivery(Database::postgres()).await;
}

#[tokio::test]
async fn two_servers_deliver_a_thousand_events_once_each_sqlite() {
    two_servers_deliver_each_event_once(Database::sqlite()).await;
}

#[tokio::test]
async fn two_servers_deliver_a_thousand_events_once_each_postgres() {
    two_servers_deliver_each_event_once(Database::postgres()).await;
}

fn cli(url: &str, args: &[&str]) -> String {
    let out = Command::new(BIN)
        .args(args)
        .env("DATABASE_URL", url)
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// The operator's commands on a dead delivery: its depth shown, dropped,
/// replayed and then delivered; the renewal reminders of a day recorded
/// once.
#[tokio::test]
async fn the_operator_drops_and_replays_a_dead_delivery() {
    let database = Database::sqlite();
    let url = database.url();
    let receiver = Receiver::start();
    let (server, token, person) = set_up(&url, &receiver, "gone", 0, Duration::ZERO).await;
    let endpoint = call(
        &server.base,
        reqwest::Method::GET,
        "/societies/bsanz/webhooks",
        Some(&token),
        Value::Null,
    )
    .await["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let secret = call(
        &server.base,
        reqwest::Method::GET,
        &format!("/societies/bsanz/webhooks/{endpoint}"),
        Some(&token),
        Value::Null,
    )
    .await["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    receiver
        .configure("gone", &secret, &[410], 0, Duration::ZERO)
        .await;
    call(&server.base, reqwest::Method::POST, "/societies/bsanz/register", Some(&token),
        json!({ "person_id": person, "tier": "accredited-leader", "effective": "2026-01-15", "reason": "council" })).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    let dead = loop {
        let log = call(
            &server.base,
            reqwest::Method::GET,
            "/societies/bsanz/webhook-deliveries?state=dead",
            Some(&token),
            Value::Null,
        )
        .await;
        if let Some(id) = log["items"][0]["id"].as_str() {
            break id.to_owned();
        }
        assert!(Instant::now() < deadline, "{log}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let status = cli(&url, &["outbox", "status"]);
    assert!(status.contains("Deliveries dead: 1\n"), "{status}");
    let dropped = cli(&url, &["outbox", "drop", &dead]);
    assert!(dropped.ends_with(": dropped.\n"), "{dropped}");
    assert!(cli(&url, &["outbox", "status"]).contains("Deliveries dead: 0\n"));
    let missing = Command::new(BIN)
        .args(["outbox", "replay", "msg_none"])
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(!missing.status.success());

    // Replayed once the endpoint is enabled again: delivered.
    call(
        &server.base,
        reqwest::Method::POST,
        &format!("/societies/bsanz/webhooks/{endpoint}/enable"),
        Some(&token),
        Value::Null,
    )
    .await;
    let replayed = cli(&url, &["outbox", "replay", &dead]);
    assert!(
        replayed.ends_with(": to be sent again now.\n"),
        "{replayed}"
    );
    let received = receiver.wait_for("gone", 1, Duration::from_secs(20)).await;
    assert_eq!(received["taken"], json!([dead]));

    // The grant's cycle ends 2027-01-14: seven days' notice on 2027-01-10,
    // once.
    assert_eq!(
        cli(&url, &["outbox", "remind", "--as-of", "2027-01-10"]),
        "Renewal reminders recorded for 2027-01-10: 1.\n"
    );
    assert_eq!(
        cli(&url, &["outbox", "remind", "--as-of", "2027-01-10"]),
        "Renewal reminders recorded for 2027-01-10: 0.\n"
    );
    drop(server);
}
