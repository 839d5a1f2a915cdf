//! A person's data-protection requests: everything held about them as one
//! document, for the registrar only; the erasure of what may be erased,
//! leaving the public register's answer as it was. Both audited.

use balint_accredit_api::db::{self, personal_data};
use serde_json::Value;

use super::ledger_setup::record;
use super::register::{adopt_pathway, grant, person};
use super::*;

fn export_path(person: &str) -> String {
    format!("/api/v1/societies/bsanz/people/{person}/data-export")
}

fn erasure_path(person: &str) -> String {
    format!("/api/v1/societies/bsanz/people/{person}/erasure")
}

/// The tables of the app's database.
async fn tables(app: &TestApp) -> Vec<String> {
    let database = app.settings.database.clone();
    tokio::task::spawn_blocking(move || {
        let pool = db::pool(&database);
        let mut conn = pool.get().unwrap();
        personal_data::tables(&mut conn).unwrap()
    })
    .await
    .unwrap()
}

/// The newest entries of bsanz's audit log.
async fn audit(app: &TestApp, cast: &Cast) -> Vec<Value> {
    let (status, page) = app
        .get("/api/v1/societies/bsanz/audit", Some(&cast.registrar.token))
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["items"].as_array().unwrap().clone()
}

e2e_test!(
    async fn everything_held_about_a_person_is_exported_to_the_registrar_only(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        adopt_pathway(&app, &cast).await;
        let recorded = record(
            &app,
            &cast.member.token,
            "bsanz",
            &cast.member_person,
            json!({ "kind": "participation", "date": "2025-03-04", "amount": 1,
                    "unit": "sessions", "notes": "a difficult group" }),
        )
        .await;
        let path = export_path(&cast.member_person);
        for (who, status) in [
            (Who::Anonymous, StatusCode::UNAUTHORIZED),
            (Who::Member, StatusCode::FORBIDDEN),
            (Who::OtherRegistrar, StatusCode::NOT_FOUND),
        ] {
            let (got, body) = app.get(&path, cast.token(who)).await;
            assert_eq!(got, status, "{who:?}: {body}");
        }
        let (status, missing) = app
            .get(&export_path("nobody"), Some(&cast.registrar.token))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");

        let (status, data) = app.get(&path, Some(&cast.registrar.token)).await;
        assert_eq!(status, StatusCode::OK, "{data}");
        assert_eq!(data["society"], "bsanz");
        assert_eq!(data["person"], cast.member_person.as_str());
        let exported = data["tables"].as_object().unwrap();
        // Every table of the database is exported, or said to hold nothing
        // about a person: a new table must be one or the other.
        for table in tables(&app).await {
            assert!(
                exported.contains_key(&table)
                    || personal_data::NOT_ABOUT_PEOPLE.contains(&table.as_str()),
                "table {table} is neither in the data export nor listed as holding nothing about a person"
            );
        }
        assert_eq!(exported["people"][0]["family_name"], "Member");
        assert_eq!(exported["society_roles"].as_array().unwrap().len(), 1);
        let users = exported["users"].as_array().unwrap();
        assert_eq!(users.len(), 1);
        assert!(users[0].get("email").is_some());
        assert!(users[0].get("password_hash").is_none(), "{}", users[0]);
        assert!(exported["sessions"].as_array().unwrap()[0]
            .get("token_hash")
            .is_none());
        let ledger = exported["activities"].as_array().unwrap();
        assert_eq!(ledger.len(), 1);
        assert_eq!(ledger[0]["id"], recorded["id"]);
        assert_eq!(ledger[0]["notes"], "a difficult group");
        let audited = exported["audit_log"].as_array().unwrap();
        assert!(
            audited
                .iter()
                .any(|r| r["entity_id"] == recorded["id"] && r["action"] == "create"),
            "{audited:?}"
        );
        assert!(exported["register_entries"].as_array().unwrap().is_empty());

        // Another society's person is not there to be exported.
        let (status, _) = app
            .get(
                &export_path(&cast.other_member_person),
                Some(&cast.registrar.token),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        let newest = &audit(&app, &cast).await[0];
        assert_eq!(newest["action"], "export");
        assert_eq!(newest["entity_type"], "personal_data");
        assert_eq!(newest["entity_id"], cast.member_person.as_str());
    }
);

e2e_test!(
    async fn erasure_keeps_the_public_register_and_erases_the_rest(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        adopt_pathway(&app, &cast).await;
        let ann = person(
            &app,
            &cast,
            "Ann",
            "Carter",
            json!({ "city": "Hobart", "region": "TAS", "public_listing": true,
                    "email": "ann@example.org" }),
        )
        .await;
        let granted = grant(&app, &cast, &ann, "2024-03-01").await;
        let registration = granted["registration"].as_str().unwrap().to_owned();
        let public = "/api/v1/societies/bsanz/register";
        let entry = format!("{public}/{registration}");
        let (_, list_before) = app.get(public, None).await;
        let (status, entry_before) = app.get(&entry, None).await;
        assert_eq!(status, StatusCode::OK, "{entry_before}");

        // Only the registrar erases.
        let (status, _) = app
            .post_json(&erasure_path(&ann), Some(&cast.member.token), &json!({}))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        let (status, erased) = app
            .post_json(&erasure_path(&ann), Some(&cast.registrar.token), &json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{erased}");
        assert_eq!(erased["on_register"], true);
        assert_eq!(erased["cleared"], json!(["email"]));
        assert_eq!(erased["ledger_records_deleted"], 0);
        assert_eq!(app.get(public, None).await.1, list_before);
        assert_eq!(app.get(&entry, None).await.1, entry_before);
        let (_, shown) = app
            .get(
                &format!("/api/v1/societies/bsanz/people/{ann}"),
                Some(&cast.registrar.token),
            )
            .await;
        assert_eq!(shown["email"], Value::Null);
        assert_eq!(shown["city"], "Hobart");

        // Someone who never reached the register: their ledger goes too.
        record(
            &app,
            &cast.member.token,
            "bsanz",
            &cast.member_person,
            json!({ "kind": "participation", "date": "2025-03-04", "amount": 1,
                    "unit": "sessions", "notes": "private" }),
        )
        .await;
        let (status, erased) = app
            .post_json(
                &erasure_path(&cast.member_person),
                Some(&cast.registrar.token),
                &json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{erased}");
        assert_eq!(erased["on_register"], false);
        assert_eq!(erased["cleared"], json!(["email", "city", "region"]));
        assert_eq!(erased["ledger_records_deleted"], 1);
        assert_eq!(erased["sessions_ended"], 1);
        // Their login's session ended with it.
        let (status, _) = app
            .get(
                &format!("/api/v1/societies/bsanz/people/{}", cast.member_person),
                Some(&cast.member.token),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (_, data) = app
            .get(
                &export_path(&cast.member_person),
                Some(&cast.registrar.token),
            )
            .await;
        assert!(data["tables"]["activities"].as_array().unwrap().is_empty());

        let audited = audit(&app, &cast).await;
        let erasure = audited
            .iter()
            .find(|r| r["entity_id"] == cast.member_person.as_str() && r["action"] == "delete")
            .unwrap();
        assert_eq!(erasure["entity_type"], "personal_data");
        assert!(!erasure.to_string().contains("private"));
    }
);

/// Every entry of bsanz's audit log, as its API answers them.
async fn whole_audit(app: &TestApp, cast: &Cast) -> Vec<Value> {
    let mut all = Vec::new();
    for page in 1.. {
        let (status, body) = app
            .get(
                &format!("/api/v1/societies/bsanz/audit?per_page=100&page={page}"),
                Some(&cast.registrar.token),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let items = body["items"].as_array().unwrap();
        all.extend(items.iter().cloned());
        if items.len() < 100 {
            return all;
        }
    }
    all
}

/// What `balint-accredit check` finds in the audit chain of the app's
/// database: how many records it holds redacted, and every problem.
async fn audit_chain(app: &TestApp) -> (usize, Vec<String>) {
    let database = app.settings.database.clone();
    tokio::task::spawn_blocking(move || {
        let pool = db::pool(&database);
        let mut conn = pool.get().unwrap();
        let chain = db::audit::check_chain(&mut conn).unwrap();
        let (_, head) = db::audit::check_head(&mut conn).unwrap();
        (chain.redacted, [chain.problems, head].concat())
    })
    .await
    .unwrap()
}

e2e_test!(
    async fn erasure_takes_the_persons_details_out_of_the_audit_log_and_the_chain_still_checks(
        app: TestApp,
    ) {
        let cast = Cast::assemble(&app).await;
        adopt_pathway(&app, &cast).await;
        let ann = person(
            &app,
            &cast,
            "Ann",
            "Carter",
            json!({ "city": "Hobart", "region": "TAS", "public_listing": true,
                    "email": "ann@example.org" }),
        )
        .await;
        // Her address changed once: the log holds the old and the new.
        let (status, changed) = app
            .send(
                app.builder(
                    reqwest::Method::PATCH,
                    &format!("/api/v1/societies/bsanz/people/{ann}"),
                    Some(&cast.registrar.token),
                )
                .json(&json!({ "email": "ann.carter@example.org" })),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{changed}");
        grant(&app, &cast, &ann, "2024-03-01").await;
        let public = "/api/v1/societies/bsanz/register";
        let (_, list_before) = app.get(public, None).await;
        // The member, never on the register, with a note in their ledger.
        record(
            &app,
            &cast.member.token,
            "bsanz",
            &cast.member_person,
            json!({ "kind": "participation", "date": "2025-03-04", "amount": 1,
                    "unit": "sessions", "notes": "a private matter" }),
        )
        .await;
        let before = whole_audit(&app, &cast).await;
        let told = |lines: &[Value], what: &str| {
            lines
                .iter()
                .filter(|l| l.to_string().contains(what))
                .count()
        };
        assert_eq!(told(&before, "ann@example.org"), 2, "{before:?}");
        assert_eq!(told(&before, "ann.carter@example.org"), 1);
        assert_eq!(told(&before, "a private matter"), 1);
        assert_eq!(audit_chain(&app).await, (0, vec![]));

        let (status, erased) = app
            .post_json(&erasure_path(&ann), Some(&cast.registrar.token), &json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{erased}");
        // Her record's creation and its change; nothing of the register.
        let redacted = erased["audit_records_redacted"].as_array().unwrap().clone();
        assert_eq!(redacted.len(), 2, "{erased}");
        let (status, erased_member) = app
            .post_json(
                &erasure_path(&cast.member_person),
                Some(&cast.registrar.token),
                &json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{erased_member}");
        assert!(!erased_member["audit_records_redacted"]
            .as_array()
            .unwrap()
            .is_empty());

        // No line of the log, and nothing exported, holds what was erased.
        let after = whole_audit(&app, &cast).await;
        assert_eq!(after.len(), before.len() + 2);
        for erased_detail in [
            "ann@example.org",
            "ann.carter@example.org",
            "a private matter",
        ] {
            assert_eq!(told(&after, erased_detail), 0, "{erased_detail}: {after:?}");
        }
        let (_, data) = app
            .get(&export_path(&ann), Some(&cast.registrar.token))
            .await;
        assert!(!data.to_string().contains("ann@example.org"), "{data}");
        assert!(
            !data.to_string().contains("ann.carter@example.org"),
            "{data}"
        );
        let (_, data) = app
            .get(
                &export_path(&cast.member_person),
                Some(&cast.registrar.token),
            )
            .await;
        assert!(!data.to_string().contains("a private matter"), "{data}");
        // What was done, by whom, to what and when stays: the creation of
        // Ann's record, by the registrar, with her name (the register
        // shows it) and the address marked as erased.
        let created = after
            .iter()
            .find(|l| l["entity_id"] == ann.as_str() && l["action"] == "create")
            .unwrap();
        let was = before.iter().find(|l| l["id"] == created["id"]).unwrap();
        for kept in [
            "occurred_at",
            "actor_user_id",
            "action",
            "entity_type",
            "entity_id",
        ] {
            assert_eq!(created[kept], was[kept], "{kept}");
        }
        assert!(created.to_string().contains("[erased]"), "{created}");
        assert!(created.to_string().contains("Carter"), "{created}");
        // The erasure's own line names the lines it redacted.
        let erasure = after
            .iter()
            .find(|l| l["entity_id"] == ann.as_str() && l["entity_type"] == "personal_data")
            .unwrap();
        let named: Vec<Value> = erasure["after"]["audit_redacted"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].clone())
            .collect();
        assert_eq!(named, redacted, "{erasure}");
        // The public register answers as before, and the chain checks.
        assert_eq!(app.get(public, None).await.1, list_before);
        let (redacted_now, problems) = audit_chain(&app).await;
        assert!(problems.is_empty(), "{problems:?}");
        assert!(redacted_now >= 3, "{redacted_now}");
    }
);
