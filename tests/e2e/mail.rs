//! E-mail made from the outbox's events, on a server with no mail server
//! set: what the mail table holds for each kind (one digest per attestor
//! gathering every record waiting for them, a renewal reminder to the
//! leader, a decision to the applicant), kept pending and shown as not
//! sent; nothing for a person without an address; the unsubscribe link's
//! page, which withdraws what waits and stops that kind only.

use balint_accredit_api::config::Settings;
use balint_accredit_api::db::schema::mail_messages;
use diesel::prelude::*;
use serde_json::Value;

use super::register::{adopt_pathway, grant, person};
use super::webhooks::drained;
use super::*;

const MAIL: &str = "/api/v1/societies/bsanz/mail";

fn quick(settings: &mut Settings) {
    settings.webhooks.outbox_poll_ms = 50;
}

/// A record of `person` waiting for `attestor`.
async fn waiting_for(app: &TestApp, cast: &Cast, person: &str, attestor: &str) {
    let (status, record) = app
        .post_json(
            &format!("/api/v1/societies/bsanz/people/{person}/activities"),
            Some(&cast.registrar.token),
            &json!({ "kind": "participation", "date": "2026-10-04", "amount": 1,
                     "unit": "double_sessions", "attestor": attestor }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{record}");
}

/// Apply for `person` and decline it.
async fn declined(app: &TestApp, cast: &Cast, person: &str) {
    let (status, application) = app
        .post_json(
            &format!("/api/v1/societies/bsanz/people/{person}/applications"),
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
}

/// The society's messages, every one.
async fn messages(app: &TestApp, cast: &Cast) -> Vec<Value> {
    let (status, log) = app
        .get(&format!("{MAIL}?per_page=100"), Some(&cast.registrar.token))
        .await;
    assert_eq!(status, StatusCode::OK, "{log}");
    log["items"].as_array().unwrap().clone()
}

fn of_kind<'a>(messages: &'a [Value], kind: &str) -> Vec<&'a Value> {
    messages.iter().filter(|m| m["kind"] == kind).collect()
}

e2e_test!(
    async fn every_kind_of_message_is_kept_when_no_mail_server_is_set(app: TestApp) with quick; {
        let cast = Cast::assemble(&app).await;
        adopt_pathway(&app, &cast).await;
        let (status, body) = app
            .send(
                app.builder(reqwest::Method::PUT, "/api/v1/societies/bsanz/profile", Some(&cast.registrar.token))
                    .json(&json!({ "contact_email": "office@bsanz.example", "phone": "+61 2 5550 0000" })),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let ann = person(&app, &cast, "Ann", "Carter", json!({ "email": "ann@example.org" })).await;
        let fay = person(&app, &cast, "Fay", "Fox", json!({ "email": "fay@example.org" })).await;
        let gil = person(&app, &cast, "Gil", "Grey", json!({ "email": "gil@example.org" })).await;
        let eve = person(&app, &cast, "Eve", "Evans", json!({ "email": "eve@example.org" })).await;
        let nobody = person(&app, &cast, "Ned", "Noaddress", json!({})).await;

        // Three records waiting for Ann, one for a person without an
        // address: one digest, to Ann.
        waiting_for(&app, &cast, &fay, &ann).await;
        waiting_for(&app, &cast, &fay, &ann).await;
        waiting_for(&app, &cast, &gil, &ann).await;
        waiting_for(&app, &cast, &fay, &nobody).await;
        // A renewal due to Eve (her cycle ends 2027-01-14: the 30 days').
        grant(&app, &cast, &eve, "2026-01-15").await;
        let mut conn = balint_accredit_api::db::connect_for_job(&app.settings.database).unwrap();
        let as_of = chrono::NaiveDate::from_ymd_opt(2026, 12, 20).unwrap();
        assert_eq!(
            balint_accredit_api::actions::webhooks::remind_for_operator(
                &mut conn,
                balint_accredit_api::actions::Operator,
                as_of
            )
            .unwrap(),
            1
        );
        // A decision to Fay.
        declined(&app, &cast, &fay).await;
        drained(&app, &cast).await;

        let all = messages(&app, &cast).await;
        assert_eq!(all.len(), 3, "{all:#?}");
        let digest = of_kind(&all, "attestation_digest");
        assert_eq!(digest.len(), 1, "{all:#?}");
        let digest = digest[0];
        assert_eq!(digest["recipient"], "ann@example.org");
        assert_eq!(digest["subject"], "Society bsanz: 3 records waiting for your attestation");
        assert_eq!(digest["state"], "pending");
        assert_eq!(digest["result"], "not sent: no mail server set");
        let due = chrono::DateTime::parse_from_rfc3339(digest["next_attempt_at"].as_str().unwrap()).unwrap();
        let created = chrono::DateTime::parse_from_rfc3339(digest["created_at"].as_str().unwrap()).unwrap();
        assert_eq!(due - created, chrono::Duration::days(1), "a digest gathers for a day");

        let reminder = of_kind(&all, "renewal_reminder");
        assert_eq!(reminder.len(), 1, "{all:#?}");
        assert_eq!(reminder[0]["recipient"], "eve@example.org");
        assert_eq!(reminder[0]["subject"], "Society bsanz: Your accreditation BSANZ-0001 is due for renewal");
        let decision = of_kind(&all, "application_decision");
        assert_eq!(decision.len(), 1, "{all:#?}");
        assert_eq!(decision[0]["recipient"], "fay@example.org");
        assert_eq!(decision[0]["subject"], "Society bsanz: Your application was declined");
        assert!(all.iter().all(|m| m["state"] == "pending" && m["attempts"] == 0), "{all:#?}");

        // The bodies as stored: both parts, the society's words, the link.
        let stored: Vec<(String, String, String, String)> = mail_messages::table
            .filter(mail_messages::kind.eq_any(["attestation_digest", "application_decision"]))
            .order(mail_messages::kind.asc())
            .select((mail_messages::kind, mail_messages::body_text, mail_messages::body_html, mail_messages::unsubscribe_token))
            .load(&mut *conn)
            .unwrap();
        let (_, text, html, _) = &stored[1];
        assert!(text.starts_with("Dear Ann Carter,\n"), "{text}");
        assert!(text.contains("- Fay Fox: 2 records\n- Gil Grey: 1 record\n"), "{text}");
        assert!(text.contains("Contact: office@bsanz.example | +61 2 5550 0000\n"), "{text}");
        assert!(html.contains("Fay Fox: 2 records"), "{html}");
        let (_, text, _, token) = &stored[0];
        assert!(text.contains(&format!("/mail/unsubscribe/{token}\n")), "{text}");

        // The link's page, then unsubscribing: what waits is withdrawn,
        // and no new decision is written; the other kinds go on.
        let page = app.builder(reqwest::Method::GET, &format!("/mail/unsubscribe/{token}"), None).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let page = page.text().await.unwrap();
        assert!(page.contains("the decisions on your applications") && page.contains("fay@example.org"), "{page}");
        let done = app
            .builder(reqwest::Method::POST, &format!("/mail/unsubscribe/{token}"), None)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("List-Unsubscribe=One-Click")
            .send()
            .await
            .unwrap();
        assert_eq!(done.status(), StatusCode::OK);
        assert!(done.text().await.unwrap().contains("You are unsubscribed"));
        let missing = app.builder(reqwest::Method::GET, "/mail/unsubscribe/nothing", None).send().await.unwrap();
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);

        declined(&app, &cast, &fay).await;
        waiting_for(&app, &cast, &gil, &fay).await;
        drained(&app, &cast).await;
        let all = messages(&app, &cast).await;
        let decisions = of_kind(&all, "application_decision");
        assert_eq!(decisions.len(), 1, "no new decision: {all:#?}");
        assert_eq!(decisions[0]["state"], "withdrawn");
        let digests = of_kind(&all, "attestation_digest");
        assert_eq!(digests.len(), 2, "Fay still gets her digest: {all:#?}");
        let (status, pending) = app.get(&format!("{MAIL}?state=pending"), Some(&cast.registrar.token)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(pending["total"], 3, "{pending}");
        let (status, _) = app.get(&format!("{MAIL}?state=lost"), Some(&cast.registrar.token)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }
);

e2e_test!(
    async fn a_dead_message_is_counted_in_readyz_and_replayed_or_dropped_from_the_command_line(app: TestApp) with quick; {
        use balint_accredit_api::cli::outbox::{run, DeliveryArgs, OutboxCommand, StatusArgs};
        let cast = Cast::assemble(&app).await;
        adopt_pathway(&app, &cast).await;
        let fay = person(&app, &cast, "Fay", "Fox", json!({ "email": "fay@example.org" })).await;
        let gil = person(&app, &cast, "Gil", "Grey", json!({ "email": "gil@example.org" })).await;
        declined(&app, &cast, &fay).await;
        declined(&app, &cast, &gil).await;
        drained(&app, &cast).await;
        let (_, ready) = app.get("/readyz", None).await;
        assert_eq!(ready["mail"]["pending"], 2, "{ready}");
        assert_eq!(ready["mail"]["dead"], 0, "{ready}");
        assert!(ready["mail"]["oldest_pending"].is_string(), "{ready}");

        // Both die (as when the mail server refused them for good).
        let mut conn = balint_accredit_api::db::connect_for_job(&app.settings.database).unwrap();
        diesel::update(mail_messages::table)
            .set((mail_messages::state.eq("dead"), mail_messages::attempts.eq(8)))
            .execute(&mut *conn)
            .unwrap();
        let ids: Vec<(String, String)> = mail_messages::table
            .order(mail_messages::recipient.asc())
            .select((mail_messages::id, mail_messages::recipient))
            .load(&mut *conn)
            .unwrap();
        let (_, ready) = app.get("/readyz", None).await;
        assert_eq!(ready["mail"], json!({ "pending": 0, "dead": 2, "oldest_pending": null }), "{ready}");
        let database = || app.settings.database.clone();
        let status = run(&OutboxCommand::Status(StatusArgs { database: database() })).unwrap();
        assert!(status.contains("E-mail pending: 0\nE-mail dead: 2\n"), "{status}");

        // Fay's replayed: pending again, its tries counted afresh; Gil's
        // dropped: withdrawn.
        let replayed = run(&OutboxCommand::Replay(DeliveryArgs { delivery: ids[0].0.clone(), database: database() })).unwrap();
        assert_eq!(replayed, format!("E-mail {} to fay@example.org (application_decision): to be sent again now.\n", ids[0].0));
        let dropped = run(&OutboxCommand::Drop(DeliveryArgs { delivery: ids[1].0.clone(), database: database() })).unwrap();
        assert!(dropped.ends_with(": dropped.\n"), "{dropped}");
        let all = messages(&app, &cast).await;
        let of = |to: &str| all.iter().find(|m| m["recipient"] == to).unwrap().clone();
        assert_eq!(of("fay@example.org")["state"], "pending");
        assert_eq!(of("fay@example.org")["attempts"], 0);
        assert_eq!(of("gil@example.org")["state"], "withdrawn");
        let (_, ready) = app.get("/readyz", None).await;
        assert_eq!(ready["mail"]["pending"], 1, "{ready}");
        assert_eq!(ready["mail"]["dead"], 0, "{ready}");

        // A message sent is neither replayed nor dropped; an unknown one
        // is not found.
        diesel::update(mail_messages::table.find(&ids[0].0))
            .set(mail_messages::state.eq("sent"))
            .execute(&mut *conn)
            .unwrap();
        let sent = run(&OutboxCommand::Drop(DeliveryArgs { delivery: ids[0].0.clone(), database: database() }));
        assert!(sent.unwrap_err().to_string().contains("was sent"));
        assert!(run(&OutboxCommand::Replay(DeliveryArgs { delivery: "mail_none".to_owned(), database: database() })).is_err());
    }
);
