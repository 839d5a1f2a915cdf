//! Watchlists: an address watching entries of the public register from
//! its public page (double opt-in, refused numbers named one by one, the
//! manage link), told of a change of status with the public reason and
//! nothing confidential; a login's own watchlist told by a webhook signed
//! with its own secret (checked by the `standardwebhooks` library from
//! PyPI); and an endpoint's secret rotated, the receiver verifying with
//! either secret during the grace.

use std::time::Duration;

use balint_accredit_api::config::Settings;
use balint_accredit_api::db::schema::mail_messages;
use balint_e2e::receiver::Receiver;
use diesel::prelude::*;
use serde_json::Value;

use super::register::{adopt_pathway, grant, person};
use super::webhooks::drained;
use super::*;

const REGISTER: &str = "/api/v1/societies/bsanz/register";

fn quick(settings: &mut Settings) {
    settings.webhooks.outbox_poll_ms = 50;
}

fn local(settings: &mut Settings) {
    settings.webhooks.webhook_allow_private = true;
    settings.webhooks.outbox_poll_ms = 50;
    settings.webhooks.webhook_timeout_secs = 5;
    settings.webhooks.webhook_retry_secs = "0,0,0,0".parse().unwrap();
}

async fn change(
    app: &TestApp,
    cast: &Cast,
    registration: &str,
    action: &str,
    effective: &str,
    reason: &str,
    visibility: &str,
) {
    let (status, body) = app
        .post_json(
            &format!("{REGISTER}/{registration}/status"),
            Some(&cast.registrar.token),
            &json!({ "action": action, "effective": effective, "reason": reason, "visibility": visibility }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{action}: {body}");
}

/// POST a form to a page; the status and the page (redirects followed).
async fn form(app: &TestApp, path: &str, body: &str) -> (StatusCode, String) {
    let response = app
        .builder(reqwest::Method::POST, path, None)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

/// The messages stored to `recipient`, oldest first: kind, subject, text.
fn mail_to(app: &TestApp, recipient: &str) -> Vec<(String, String, String)> {
    let mut conn = balint_accredit_api::db::connect_for_job(&app.settings.database).unwrap();
    mail_messages::table
        .filter(mail_messages::recipient.eq(recipient))
        .order((mail_messages::created_at.asc(), mail_messages::id.asc()))
        .select((
            mail_messages::kind,
            mail_messages::subject,
            mail_messages::body_text,
        ))
        .load(&mut *conn)
        .unwrap()
}

/// The path of the link in `text` starting `/watch/...` after `marker`.
fn link_after(text: &str, marker: &str) -> String {
    let at = text
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in {text}"));
    text[at..].lines().next().unwrap().trim().to_owned()
}

e2e_test!(
    async fn a_confirmed_address_is_told_of_a_suspension_with_its_public_reason_and_nothing_confidential(app: TestApp) with quick; {
        let cast = Cast::assemble(&app).await;
        adopt_pathway(&app, &cast).await;
        let listed = json!({ "public_listing": true, "city": "Hobart", "email": "ann.private@example.org" });
        let ann = person(&app, &cast, "Ann", "Carter", listed).await;
        let hidden = person(&app, &cast, "Hal", "Hidden", json!({ "public_listing": false })).await;
        grant(&app, &cast, &ann, "2025-03-01").await; // BSANZ-0001
        grant(&app, &cast, &hidden, "2025-03-01").await; // BSANZ-0002, not listed

        // The register's page leads to the form.
        let register = app.get_response("/societies/bsanz/register", None).await.text().await.unwrap();
        assert!(register.contains("href=\"/societies/bsanz/watch\""), "{register}");
        let page = app.get_response("/societies/bsanz/watch", None).await;
        assert_eq!(page.status(), StatusCode::OK);

        // Numbers not on the public register are refused, each named;
        // nothing is written to the address.
        let (status, page) = form(
            &app,
            "/societies/bsanz/watch",
            "email=hr%40employer.example&registrations=BSANZ-0001+BSANZ-9999%0D%0ABSANZ-0002",
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
        assert!(page.contains("BSANZ-9999 is not on the register of"), "{page}");
        assert!(page.contains("BSANZ-0002 is not on the register of"), "{page}");
        assert!(!page.contains("BSANZ-0001 is not"), "{page}");
        assert!(mail_to(&app, "hr@employer.example").is_empty());

        // Accepted: the one message asking to confirm.
        let (status, page) = form(&app, "/societies/bsanz/watch", "email=HR%40employer.example&registrations=bsanz-0001").await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(page.contains("Check your e-mail"), "{page}");
        // Another address that never confirms.
        let (status, _) = form(&app, "/societies/bsanz/watch", "email=never%40elsewhere.example&registrations=BSANZ-0001").await;
        assert_eq!(status, StatusCode::OK);

        let asked = mail_to(&app, "hr@employer.example");
        assert_eq!(asked.len(), 1, "{asked:#?}");
        assert_eq!(asked[0].0, "watch_confirmation");
        let confirm = link_after(&asked[0].2, "/watch/confirm/");
        let shown = app.get_response(&confirm, None).await;
        assert_eq!(shown.status(), StatusCode::OK);
        let (status, managed) = form(&app, &confirm, "").await;
        assert_eq!(status, StatusCode::OK, "{managed}");
        assert!(managed.contains("Your address is confirmed"), "{managed}");
        assert!(managed.contains("BSANZ-0001"), "{managed}");
        let (status, _) = form(&app, &confirm, "").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "a confirmation link is used once");

        // A suspension with a public reason, then a reinstatement whose
        // reason is confidential.
        change(&app, &cast, "BSANZ-0001", "suspend", "2026-03-01", "Supervision requirements not met", "public").await;
        change(&app, &cast, "BSANZ-0001", "reinstate", "2026-03-10", "A private health matter resolved", "confidential").await;
        // The unlisted entry changes too: nobody may watch it.
        change(&app, &cast, "BSANZ-0002", "suspend", "2026-03-01", "Public reason", "public").await;
        drained(&app, &cast).await;

        let told = mail_to(&app, "hr@employer.example");
        assert_eq!(told.len(), 3, "{told:#?}");
        // The two alerts were written in one round, perhaps: found by what
        // they say.
        let alert = |status: &str| {
            told.iter()
                .find(|(kind, subject, _)| kind == "watch_alert" && subject.ends_with(status))
                .unwrap_or_else(|| panic!("an alert of {status}: {told:#?}"))
        };
        let (_, subject, text) = alert("is now suspended");
        assert_eq!(subject, "Society bsanz: BSANZ-0001 (Ann Carter) is now suspended");
        assert!(text.contains("The register entry BSANZ-0001 (Ann Carter) is now suspended, from 2026-03-01.\n"), "{text}");
        assert!(text.contains("Reason: Supervision requirements not met\n"), "{text}");
        assert!(text.contains("/societies/bsanz/register/BSANZ-0001\n"), "{text}");
        let manage = link_after(text, "/watch/");
        let (_, _, text) = alert("is now accredited");
        assert!(text.contains("is now accredited, from 2026-03-10."), "{text}");
        assert!(!text.contains("Reason:"), "{text}");
        for (_, _, text) in &told {
            for secret in ["private health", "ann.private@example.org", "Hobart", "Hidden"] {
                assert!(!text.contains(secret), "{secret} was told: {text}");
            }
        }
        // The address never confirmed got its confirmation and nothing else.
        let never = mail_to(&app, "never@elsewhere.example");
        assert_eq!(never.len(), 1, "{never:#?}");
        assert_eq!(never[0].0, "watch_confirmation");

        // The manage link: a number not on the register refused; removing
        // the only one stops the alerts.
        let (status, page) = form(&app, &format!("{manage}/add"), "registrations=BSANZ-0404").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
        assert!(page.contains("BSANZ-0404 is not on the register of"), "{page}");
        let (status, page) = form(&app, &format!("{manage}/remove"), "registrations=BSANZ-0001").await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(page.contains("You watch no entries."), "{page}");
        change(&app, &cast, "BSANZ-0001", "revoke", "2026-04-01", "Public revocation", "public").await;
        drained(&app, &cast).await;
        assert_eq!(mail_to(&app, "hr@employer.example").len(), 3, "no alert after unwatching");
        // A week on, the address that never confirmed is forgotten by the
        // retention job; the confirmed one stays. (A day short of it, it
        // stays too.)
        let retention = |database: balint_accredit_api::config::DatabaseSettings| async move {
            let args = balint_accredit_api::cli::retention::RetentionArgs {
                sessions_days: 30,
                throttle_days: 7,
                unused_logins_days: None,
                notifications_days: None,
                database,
            };
            tokio::task::spawn_blocking(move || balint_accredit_api::cli::retention::run(&args).unwrap())
                .await
                .unwrap()
        };
        let age = |days: i64| {
            let mut conn = balint_accredit_api::db::connect_for_job(&app.settings.database).unwrap();
            let at = chrono::Utc::now().naive_utc() - chrono::Duration::days(days);
            diesel::update(balint_accredit_api::db::schema::watchlists::table)
                .set(balint_accredit_api::db::schema::watchlists::created_at.eq(at))
                .execute(&mut *conn)
                .unwrap();
        };
        age(6);
        let said = retention(app.settings.database.clone()).await;
        assert!(!said.contains("never confirmed"), "{said}");
        age(8);
        let said = retention(app.settings.database.clone()).await;
        assert!(said.contains("Deleted 1 watchlists whose address was never confirmed.\n"), "{said}");
        let page = app.get_response(&manage, None).await;
        assert_eq!(page.status(), StatusCode::OK, "the confirmed one stays");

        let (status, page) = form(&app, &format!("{manage}/stop"), "").await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let gone = app.get_response(&manage, None).await;
        assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    }
);

e2e_test!(
    async fn a_logins_watchlist_is_told_by_its_own_signed_webhook(app: TestApp) with local; {
        let cast = Cast::assemble(&app).await;
        adopt_pathway(&app, &cast).await;
        let ann = person(&app, &cast, "Ann", "Carter", json!({ "public_listing": true })).await;
        grant(&app, &cast, &ann, "2025-03-01").await; // BSANZ-0001
        let receiver = Receiver::start();

        // Another society's registrar watches, by webhook.
        let token = Some(cast.other_registrar.token.as_str());
        let (status, refused) = app
            .post_json(
                "/api/v1/watchlists",
                token,
                &json!({ "society": "bsanz", "url": receiver.url("watch"), "registrations": ["BSANZ-0001", "BSANZ-0404"] }),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert_eq!(refused["errors"][0]["field"], "registrations[1]", "{refused}");
        let (status, watchlist) = app
            .post_json(
                "/api/v1/watchlists",
                token,
                &json!({ "society": "bsanz", "url": receiver.url("watch"), "registrations": ["bsanz-0001"] }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{watchlist}");
        assert_eq!(watchlist["registrations"], json!(["BSANZ-0001"]));
        assert_eq!(watchlist["confirmed"], true);
        let secret = watchlist["secret"].as_str().unwrap();
        assert!(secret.starts_with("whsec_"), "{watchlist}");
        receiver.configure("watch", secret, &[], 0, Duration::ZERO).await;

        // Not the society's endpoint: its registrar does not see it.
        let (_, endpoints) = app.get("/api/v1/societies/bsanz/webhooks", Some(&cast.registrar.token)).await;
        assert_eq!(endpoints["total"], 0, "{endpoints}");
        // Each login sees its own watchlists only.
        let id = watchlist["id"].as_str().unwrap();
        let (_, mine) = app.get("/api/v1/watchlists", token).await;
        assert_eq!(mine["items"].as_array().unwrap().len(), 1, "{mine}");
        assert!(mine["items"][0]["secret"].is_null(), "the secret is answered once");
        let (_, theirs) = app.get("/api/v1/watchlists", Some(&cast.registrar.token)).await;
        assert_eq!(theirs["items"], json!([]));
        let (status, _) = app.get(&format!("/api/v1/watchlists/{id}"), Some(&cast.registrar.token)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = app.get("/api/v1/watchlists", None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);

        change(&app, &cast, "BSANZ-0001", "suspend", "2026-03-01", "Supervision requirements not met", "public").await;
        let received = receiver.wait_for("watch", 1, Duration::from_secs(20)).await;
        let request = &received["requests"][0];
        assert_eq!(request["verified"], true, "{received:#}");
        let body: &Value = &request["body"];
        assert_eq!(body["type"], "register_entry.suspended");
        let data = &body["data"];
        let url = data["url"].as_str().unwrap();
        assert!(url.ends_with("/societies/bsanz/register/BSANZ-0001"), "{data}");
        assert_eq!(
            *data,
            json!({ "society": "bsanz", "watchlist": id, "registration": "BSANZ-0001",
                    "name": "Ann Carter", "status": "suspended", "effective": "2026-03-01",
                    "reason": "Supervision requirements not met", "url": url })
        );

        // Unwatched: nothing more.
        let (status, after) = app
            .send(app.builder(reqwest::Method::DELETE, &format!("/api/v1/watchlists/{id}/registrations/BSANZ-0001"), token))
            .await;
        assert_eq!(status, StatusCode::OK, "{after}");
        assert_eq!(after["registrations"], json!([]));
        change(&app, &cast, "BSANZ-0001", "reinstate", "2026-03-10", "Done", "public").await;
        drained(&app, &cast).await;
        let received = receiver.received("watch").await;
        assert_eq!(received["requests"].as_array().unwrap().len(), 1, "{received:#}");
        let (status, _) = app
            .send(app.builder(reqwest::Method::DELETE, &format!("/api/v1/watchlists/{id}"), token))
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);

        // By e-mail: the login's own address is told at once; another is
        // asked to confirm, three times a day at most.
        let member = Some(cast.other_member.token.as_str());
        let watch = |email: String| {
            json!({ "society": "bsanz", "email": email, "registrations": ["BSANZ-0001"] })
        };
        let (status, own) = app.post_json("/api/v1/watchlists", member, &watch(cast.other_member.email.clone())).await;
        assert_eq!(status, StatusCode::CREATED, "{own}");
        assert_eq!(own["confirmed"], true, "{own}");
        for n in 1..=3 {
            let (status, other) = app.post_json("/api/v1/watchlists", member, &watch("Boss@Employer.example".to_owned())).await;
            assert_eq!(status, StatusCode::CREATED, "confirmation {n}: {other}");
            assert_eq!(other["confirmed"], false);
            assert_eq!(other["email"], "boss@employer.example");
        }
        let (status, refused) = app.post_json("/api/v1/watchlists", member, &watch("boss@employer.example".to_owned())).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "the fourth in a day: {refused}");
        let (_, mine) = app.get("/api/v1/watchlists", member).await;
        assert_eq!(mine["items"].as_array().unwrap().len(), 4, "the refused one was not kept: {mine}");
        let (status, both) = app
            .post_json("/api/v1/watchlists", member, &json!({ "society": "bsanz", "email": "a@example.org", "url": receiver.url("x"), "registrations": ["BSANZ-0001"] }))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{both}");
    }
);

e2e_test!(
    async fn during_a_rotation_the_receiver_verifies_with_either_secret(app: TestApp) with local; {
        let cast = Cast::assemble(&app).await;
        adopt_pathway(&app, &cast).await;
        let receiver = Receiver::start();
        let (status, endpoint) = app
            .post_json(
                "/api/v1/societies/bsanz/webhooks",
                Some(&cast.registrar.token),
                &json!({ "url": receiver.url("old"), "event_types": ["register_entry.granted"] }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{endpoint}");
        let old = endpoint["secret"].as_str().unwrap().to_owned();
        let id = endpoint["id"].as_str().unwrap();
        let (status, rotated) = app
            .post_json(
                &format!("/api/v1/societies/bsanz/webhooks/{id}/rotate-secret"),
                Some(&cast.registrar.token),
                &json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{rotated}");
        let new = rotated["secret"].as_str().unwrap().to_owned();
        assert!(new.starts_with("whsec_") && new != old, "{rotated}");
        let until = chrono::DateTime::parse_from_rfc3339(rotated["previous_secret_until"].as_str().unwrap()).unwrap();
        let left = until.with_timezone(&chrono::Utc) - chrono::Utc::now();
        assert!(left > chrono::Duration::hours(23) && left <= chrono::Duration::hours(24), "{rotated}");

        // A receiver still holding the old secret verifies; so does one
        // holding the new.
        receiver.configure("old", &old, &[], 0, Duration::ZERO).await;
        let ann = person(&app, &cast, "Ann", "Carter", json!({})).await;
        grant(&app, &cast, &ann, "2025-03-01").await;
        let received = receiver.wait_for("old", 1, Duration::from_secs(20)).await;
        assert_eq!(received["requests"][0]["verified"], true, "{received:#}");
        receiver.configure("old", &new, &[], 0, Duration::ZERO).await;
        let bob = person(&app, &cast, "Bob", "Abbott", json!({})).await;
        grant(&app, &cast, &bob, "2025-03-01").await;
        let received = receiver.wait_for("old", 2, Duration::from_secs(20)).await;
        assert_eq!(received["requests"][1]["verified"], true, "{received:#}");
    }
);

e2e_test!(
    async fn the_registrar_rotates_a_secret_on_the_webhooks_page_and_sees_the_mail_waiting(app: TestApp) with quick; {
        use super::web::{csrf_of, open, sign_in, submit};
        let cast = Cast::assemble(&app).await;
        let (status, endpoint) = app
            .post_json(
                "/api/v1/societies/bsanz/webhooks",
                Some(&cast.registrar.token),
                &json!({ "url": "https://hooks.example.org/balint", "event_types": ["register_entry.granted"] }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{endpoint}");
        let (old, id) = (endpoint["secret"].as_str().unwrap(), endpoint["id"].as_str().unwrap());
        let session = sign_in(&app, &cast.registrar).await;
        let page = open(&app, "/societies/bsanz/webhooks", Some(&session)).await;
        assert!(page.html.contains(&format!("/societies/bsanz/webhooks/{id}/rotate")), "{}", page.html);
        let rotated = submit(&app, &format!("/societies/bsanz/webhooks/{id}/rotate"), Some(&session), &[("csrf", &csrf_of(&page.html))]).await;
        assert_eq!(rotated.status, StatusCode::SEE_OTHER, "{}", rotated.html);
        let shown = open(&app, rotated.location.as_deref().unwrap(), Some(&session)).await;
        let (_, now) = app.get(&format!("/api/v1/societies/bsanz/webhooks/{id}"), Some(&cast.registrar.token)).await;
        let new = now["secret"].as_str().unwrap();
        assert_ne!(new, old);
        assert!(shown.html.contains("The endpoint&#39;s new secret") || shown.html.contains("The endpoint's new secret"), "{}", shown.html);
        assert!(shown.html.contains(new), "{}", shown.html);
        assert!(shown.html.contains("The old secret signs too until"), "{}", shown.html);
        // Without the form's token, nothing changes.
        let refused = submit(&app, &format!("/societies/bsanz/webhooks/{id}/rotate"), Some(&session), &[("csrf", "x")]).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);

        // The mail page counts what waits and what failed.
        let (status, _) = app
            .post_json("/api/v1/watchlists", Some(&cast.member.token), &json!({ "society": "bsanz", "email": "someone.else@example.org", "registrations": ["BSANZ-0001"] }))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "nothing is on the register yet");
        let mail = open(&app, "/societies/bsanz/mail", Some(&session)).await;
        assert!(mail.html.contains("Failed"), "{}", mail.html);
        assert!(mail.html.contains("Oldest waiting since"), "{}", mail.html);
    }
);
