//! How long a society keeps what is not a record: its registrar's
//! periods for logins never used, ended sessions and what it told, and the job
//! (`balint-accredit retention`) that applies them, a login in several
//! societies kept by the longest.

use balint_accredit_api::cli::retention::{run, RetentionArgs};
use balint_accredit_api::db;
use diesel::connection::SimpleConnection;
use serde_json::Value;

use super::*;

const PATH: &str = "/api/v1/societies/bsanz/retention";

/// `sql` run on the app's database, as a job would.
async fn execute(app: &TestApp, sql: String) {
    let database = app.settings.database.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = db::connect_for_job(&database).unwrap();
        conn.batch_execute(&sql).unwrap();
    })
    .await
    .unwrap();
}

/// `balint-accredit retention` with the defaults of its flags (sessions
/// 30 days, throttle counters 7, unused logins kept) and
/// `notifications_days`; what it printed.
async fn job(app: &TestApp, notifications_days: Option<u32>) -> String {
    let args = RetentionArgs {
        sessions_days: 30,
        throttle_days: 7,
        unused_logins_days: None,
        notifications_days,
        database: app.settings.database.clone(),
    };
    tokio::task::spawn_blocking(move || run(&args).unwrap())
        .await
        .unwrap()
}

/// The single text column `name` of each row `sql` selects, on the app's
/// database.
async fn names(app: &TestApp, sql: &'static str) -> Vec<String> {
    #[derive(diesel::QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    let database = app.settings.database.clone();
    tokio::task::spawn_blocking(move || {
        use diesel::RunQueryDsl;
        let mut conn = db::connect_for_job(&database).unwrap();
        diesel::sql_query(sql)
            .load::<Name>(&mut *conn)
            .unwrap()
            .into_iter()
            .map(|n| n.name)
            .collect()
    })
    .await
    .unwrap()
}

/// A moment `days` from now, as both databases read a timestamp.
fn days_from_now(days: i64) -> String {
    (db::now() + chrono::Duration::days(days))
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// A login made in `society` by `by` that never signed in; its id.
async fn unused_login(app: &TestApp, by: &Login, society: &str, email: &str) -> String {
    let (status, body) = app
        .post_json(
            &format!("/api/v1/societies/{society}/users"),
            Some(&by.token),
            &json!({ "email": email, "password": PASSWORD, "role": "member" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_str().unwrap().to_owned()
}

/// The emails of `society`'s logins, with when each last signed in.
async fn logins(app: &TestApp, token: &str, society: &str) -> Vec<(String, Value)> {
    let (status, body) = app
        .get(
            &format!("/api/v1/societies/{society}/users?per_page=100"),
            Some(token),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["email"].as_str().unwrap().to_owned(),
                l["last_signed_in"].clone(),
            )
        })
        .collect()
}

e2e_test!(
    async fn the_registrar_sets_the_periods_and_no_one_else(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let (status, body) = app.get(PATH, Some(&cast.registrar.token)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(
            body,
            json!({ "society": "bsanz", "unused_logins_days": null,
                    "sessions_days": null, "notifications_days": null, "updated_at": null })
        );
        for (who, status) in [
            (Who::Anonymous, StatusCode::UNAUTHORIZED),
            (Who::Member, StatusCode::FORBIDDEN),
            (Who::OtherRegistrar, StatusCode::NOT_FOUND),
        ] {
            let (got, body) = app.get(PATH, cast.token(who)).await;
            assert_eq!(got, status, "{who:?}: {body}");
        }

        // Every period out of range is named at once; nothing changes.
        let put = |token: &str, body: Value| {
            app.send(
                app.builder(reqwest::Method::PUT, PATH, Some(token))
                    .json(&body),
            )
        };
        let (status, body) = put(
            &cast.registrar.token,
            json!({ "unused_logins_days": 0, "sessions_days": 3651, "notifications_days": 0 }),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let fields: Vec<&str> = body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(
            fields,
            ["unused_logins_days", "sessions_days", "notifications_days"]
        );
        let (status, body) = put(&cast.member.token, json!({ "sessions_days": 5 })).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

        // The last days in range are taken, and audited.
        let (status, body) = put(
            &cast.registrar.token,
            json!({ "unused_logins_days": 1, "sessions_days": 3650, "notifications_days": 1 }),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["unused_logins_days"], 1);
        assert_eq!(body["sessions_days"], 3650);
        assert_eq!(body["notifications_days"], 1);
        assert!(body["updated_at"].is_string(), "{body}");
        let (_, got) = app.get(PATH, Some(&cast.registrar.token)).await;
        assert_eq!(got, body);
        let (_, audit) = app
            .get("/api/v1/societies/bsanz/audit", Some(&cast.registrar.token))
            .await;
        let newest = &audit["items"][0];
        assert_eq!(newest["entity_type"], "society", "{newest}");
        assert_eq!(
            newest["after"]["retention"],
            json!({ "unused_logins_days": 1, "sessions_days": 3650, "notifications_days": 1 })
        );
        // Empty again: the server's defaults.
        let (status, body) = put(&cast.registrar.token, json!({})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["unused_logins_days"], Value::Null);
    }
);

e2e_test!(
    async fn the_job_keeps_each_login_as_long_as_its_societies_say(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let put = |body: Value| {
            app.send(
                app.builder(reqwest::Method::PUT, PATH, Some(&cast.registrar.token))
                    .json(&body),
            )
        };
        let (status, body) = put(json!({ "unused_logins_days": 30, "sessions_days": 10 })).await;
        assert_eq!(status, StatusCode::OK, "{body}");

        // Three logins of bsanz nobody signed in with: one made 31 days
        // ago, one 29 days ago, and one 31 days ago that dbg, which set no
        // period, shares.
        let stale = unused_login(&app, &cast.registrar, "bsanz", "stale@example.org").await;
        unused_login(&app, &cast.registrar, "bsanz", "fresh@example.org").await;
        let shared = unused_login(&app, &cast.registrar, "bsanz", "shared@example.org").await;
        // And sessions that ended 15 days ago: bsanz keeps them 10 days,
        // dbg the server's 30.
        execute(
            &app,
            format!(
                "UPDATE users SET created_at = '{old}' WHERE id IN ('{stale}', '{shared}');
                 UPDATE users SET created_at = '{recent}' WHERE email = 'fresh@example.org';
                 INSERT INTO society_roles (user_id, society_id, role, person_id, created_at)
                   SELECT '{shared}', id, 'member', NULL, created_at FROM societies WHERE slug = 'dbg';
                 INSERT INTO sessions (token_hash, user_id, created_at, expires_at, revoked_at)
                   SELECT 'ended-bsanz', id, '{ended}', '{ended}', NULL FROM users WHERE email = '{member}';
                 INSERT INTO sessions (token_hash, user_id, created_at, expires_at, revoked_at)
                   SELECT 'ended-dbg', id, '{ended}', '{ended}', NULL FROM users WHERE email = '{other}';",
                old = days_from_now(-31),
                recent = days_from_now(-29),
                ended = days_from_now(-15),
                member = cast.member.email,
                other = cast.other_member.email,
            ),
        )
        .await;

        let said = job(&app, None).await;
        assert!(
            said.starts_with("Deleted 1 ended sessions ")
                && said.contains("Removed 1 logins that were never used."),
            "{said}"
        );

        // The stale login is gone, the young and the shared one stay, and
        // whoever signed in is still known to have, though the sessions
        // that told it may go.
        let left = logins(&app, &cast.registrar.token, "bsanz").await;
        let emails: Vec<&str> = left.iter().map(|(e, _)| e.as_str()).collect();
        assert!(!emails.contains(&"stale@example.org"), "{emails:?}");
        assert!(emails.contains(&"fresh@example.org"), "{emails:?}");
        assert!(emails.contains(&"shared@example.org"), "{emails:?}");
        for (email, last) in &left {
            let signed_in = [cast.member.email.as_str(), cast.registrar.email.as_str()];
            assert_eq!(
                last.is_string(),
                signed_in.contains(&email.as_str()),
                "{email}: {last}"
            );
        }
        // The member's live session still works.
        let (status, _) = app.get("/api/v1/auth/me", Some(&cast.member.token)).await;
        assert_eq!(status, StatusCode::OK);

        // The removal is in bsanz's audit log, without the address.
        let (_, audit) = app
            .get("/api/v1/societies/bsanz/audit", Some(&cast.registrar.token))
            .await;
        let removal = audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["entity_id"] == stale.as_str())
            .unwrap_or_else(|| panic!("no audit line for the removal: {audit}"));
        assert_eq!(removal["action"], "delete");
        assert_eq!(removal["actor_user_id"], Value::Null, "{removal}");
        assert_eq!(
            removal["before"]["removed"],
            "never signed in within 30 days"
        );
        assert!(!removal.to_string().contains("stale@"), "{removal}");

        // Run twice: nothing more goes.
        let again = job(&app, None).await;
        assert!(
            again.starts_with("Deleted 0 ended sessions ") && again.contains("Removed 0 logins"),
            "{again}"
        );
    }
);

e2e_test!(
    async fn what_a_society_told_is_kept_for_its_period_and_no_longer(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let (status, body) = app
            .send(
                app.builder(reqwest::Method::PUT, PATH, Some(&cast.registrar.token))
                    .json(&json!({ "notifications_days": 30 })),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");

        // bsanz keeps what it told 30 days; dbg set no period, and the
        // server's default (none) keeps everything.
        let day = |days: i64| days_from_now(days);
        let date = |days: i64| {
            (db::now() + chrono::Duration::days(days))
                .date()
                .to_string()
        };
        let (d29, d31, d40, d60) = (day(-29), day(-31), day(-40), day(-60));
        let (today, yesterday) = (date(0), date(-1));
        let mut sql = format!(
            "INSERT INTO webhook_endpoints (id, society_id, url, description, event_types, secret, disabled_at, disabled_reason, created_at)
               SELECT 'we-bsanz', id, 'https://hooks.example.org/in', '', 'register_entry.granted', 'whsec_x', NULL, NULL, '{d60}'
               FROM societies WHERE slug = 'bsanz';\n"
        );
        let quoted = |v: Option<&str>| v.map_or("NULL".to_owned(), |v| format!("'{v}'"));
        // An event of `slug`'s: made, and told (fanned out) if ever.
        let event = |id: &str, slug: &str, kind: &str, made: &str, told: Option<&str>| {
            format!(
                "INSERT INTO outbox_events (id, society_id, event_type, person_id, payload, dedup_key, created_at, fanned_out_at)
                   SELECT '{id}', id, '{kind}', NULL, '{{}}', NULL, '{made}', {told}
                   FROM societies WHERE slug = '{slug}';\n",
                told = quoted(told),
            )
        };
        let granted = "register_entry.granted";
        for (id, made, told) in [
            ("evt-told-31", &d31, Some(&d31)),
            ("evt-told-29", &d29, Some(&d29)),
            ("evt-pending-40", &d40, Some(&d40)),
            ("evt-dead-40", &d40, Some(&d40)),
            ("evt-waiting-60", &d60, None),
        ] {
            sql.push_str(&event(id, "bsanz", granted, made, told.map(String::as_str)));
        }
        let d400 = day(-400);
        sql.push_str(&event(
            "evt-none-31",
            "bsanz",
            "application.decided",
            &d31,
            Some(&d31),
        ));
        sql.push_str(&event("evt-dbg-400", "dbg", granted, &d400, Some(&d400)));
        // Renewal reminders told 60 days ago, for a cycle ending today and
        // one that ended yesterday.
        for (id, end) in [
            ("evt-reminder-current", &today),
            ("evt-reminder-ended", &yesterday),
        ] {
            sql.push_str(&format!(
                "INSERT INTO outbox_events (id, society_id, event_type, person_id, payload, dedup_key, created_at, fanned_out_at)
                   SELECT '{id}', id, 'renewal.due', NULL, '{{\"valid_until\": \"{end}\"}}', '{id}', '{d60}', '{d60}'
                   FROM societies WHERE slug = 'bsanz';\n"
            ));
        }
        // Each delivery (to bsanz's endpoint): id, event, state, made, finished.
        let deliveries = [
            ("msg-31", "evt-told-31", "delivered", &d31, Some(&d31)),
            ("msg-29", "evt-told-29", "delivered", &d29, Some(&d29)),
            ("msg-pending", "evt-pending-40", "pending", &d40, None),
            ("msg-dead", "evt-dead-40", "dead", &d40, Some(&d31)),
        ];
        for (id, event, state, made, finished) in deliveries {
            sql.push_str(&format!(
                "INSERT INTO webhook_deliveries (id, endpoint_id, event_id, society_id, state, attempts, next_attempt_at, leased_until, created_at, finished_at)
                   SELECT '{id}', 'we-bsanz', id, society_id, '{state}', 2, '{made}', NULL, '{made}', {finished}
                   FROM outbox_events WHERE id = '{event}';
                 INSERT INTO webhook_attempts (delivery_id, attempt, tried_at, status, response, duration_ms)
                   VALUES ('{id}', 1, '{made}', 500, 'no', 3), ('{id}', 2, '{made}', 200, 'ok', 3);\n",
                finished = quoted(finished.map(String::as_str)),
            ));
        }
        // Each e-mail of bsanz's: id, state, made, sent.
        for (id, state, made, sent) in [
            ("mail-sent-31", "sent", &d40, Some(&d31)),
            ("mail-sent-29", "sent", &d40, Some(&d29)),
            ("mail-dead-31", "dead", &d31, None),
            ("mail-pending-60", "pending", &d60, None),
        ] {
            sql.push_str(&format!(
                "INSERT INTO mail_messages (id, society_id, kind, person_id, recipient, reply_to, subject, body_text, body_html, digest, unsubscribe_token, state, attempts, next_attempt_at, leased_until, created_at, sent_at, last_result)
                   SELECT '{id}', id, 'renewal_reminder', NULL, 'ann@example.org', NULL, 's', 't', 'h', NULL, 'tok-{id}', '{state}', 1, '{made}', NULL, '{made}', {sent}, NULL
                   FROM societies WHERE slug = 'bsanz';
                 INSERT INTO mail_attempts (message_id, attempt, tried_at, sent, result)
                   VALUES ('{id}', 1, '{made}', {ok}, '250');\n",
                sent = quoted(sent.map(String::as_str)),
                ok = if state == "sent" { "TRUE" } else { "FALSE" },
            ));
        }
        execute(&app, sql).await;

        let said = job(&app, None).await;
        assert!(
            said.contains("Deleted 2 webhook deliveries, 2 e-mails and 4 outbox events told"),
            "{said}"
        );
        // Told 31 days ago: gone, with its tries; 29 days ago: kept. A
        // delivery still pending keeps its event, however old; an event
        // not yet fanned out stays; a reminder stays until its cycle ends.
        assert_eq!(
            names(&app, "SELECT id AS name FROM outbox_events ORDER BY id").await,
            [
                "evt-dbg-400",
                "evt-pending-40",
                "evt-reminder-current",
                "evt-told-29",
                "evt-waiting-60"
            ]
        );
        assert_eq!(
            names(
                &app,
                "SELECT id AS name FROM webhook_deliveries ORDER BY id"
            )
            .await,
            ["msg-29", "msg-pending"]
        );
        assert_eq!(
            names(
                &app,
                "SELECT DISTINCT delivery_id AS name FROM webhook_attempts ORDER BY 1"
            )
            .await,
            ["msg-29", "msg-pending"]
        );

        // An e-mail sent 31 days ago, or given up on then, is gone with
        // its tries; one sent 29 days ago, or still waiting, stays.
        assert_eq!(
            names(&app, "SELECT id AS name FROM mail_messages ORDER BY id").await,
            ["mail-pending-60", "mail-sent-29"]
        );
        assert_eq!(
            names(
                &app,
                "SELECT message_id AS name FROM mail_attempts ORDER BY 1"
            )
            .await,
            ["mail-pending-60", "mail-sent-29"]
        );

        // The server's default applies where a society set none.
        let said = job(&app, Some(365)).await;
        assert!(
            said.contains("Deleted 0 webhook deliveries, 0 e-mails and 1 outbox events told"),
            "{said}"
        );
        assert!(
            !names(&app, "SELECT id AS name FROM outbox_events ORDER BY id")
                .await
                .contains(&"evt-dbg-400".to_owned())
        );
    }
);
