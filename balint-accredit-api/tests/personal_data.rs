//! `balint-accredit person export` and `person erase` as the operator runs
//! them: the same document and erasure as the API's, audited as the
//! command line.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

use balint_accredit_api::config::DatabaseSettings;
use balint_accredit_api::db::{self, people::Person, societies::Society};

const BIN: &str = env!("CARGO_BIN_EXE_balint-accredit");

#[test]
fn the_operator_exports_and_erases_a_person() {
    let dir = std::env::temp_dir().join(format!("balint-pd-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("balint.db").display());
    let pool = db::pool(&DatabaseSettings::new(url.clone()));
    let now = db::now();
    {
        let mut conn = pool.get().unwrap();
        db::run_migrations(&mut conn).unwrap();
        db::write(&mut conn, |conn| {
            db::societies::insert(
                conn,
                &Society {
                    id: "s-1".into(),
                    slug: "bsanz".into(),
                    name: "BSANZ".into(),
                    country: None,
                    created_at: now,
                },
            )?;
            db::people::insert(
                conn,
                &Person {
                    id: "tess".to_owned(),
                    society_id: "s-1".to_owned(),
                    title: None,
                    given_name: Some("Tess".to_owned()),
                    family_name: "Trainee".to_owned(),
                    display_name: None,
                    backgrounds: vec![],
                    city: Some("Hobart".to_owned()),
                    region: None,
                    email: Some("tess@example.org".to_owned()),
                    public_listing: false,
                    entered_pathway_on: None,
                    created_at: now,
                    updated_at: now,
                },
            )
        })
        .unwrap();
    }
    let run = |args: &[&str]| -> Output {
        Command::new(BIN)
            .current_dir(&dir)
            .args(args)
            .env("DATABASE_URL", &url)
            .output()
            .unwrap()
    };
    std::fs::write(
        dir.join("logbook.json"),
        r#"[{"kind": "participation", "date": "2025-03-04", "amount": 1, "unit": "sessions", "notes": "mine"}]"#,
    )
    .unwrap();
    let imported = run(&[
        "ledger",
        "import",
        "--society",
        "bsanz",
        "--person",
        "tess",
        "logbook.json",
    ]);
    assert!(imported.status.success(), "{imported:?}");

    let who = ["--society", "bsanz", "--person", "tess"];
    let exported = run(&[&["person", "export"][..], &who].concat());
    assert!(exported.status.success(), "{exported:?}");
    let document: serde_json::Value = serde_json::from_slice(&exported.stdout).unwrap();
    assert_eq!(document["person"], "tess");
    assert_eq!(document["tables"]["people"][0]["email"], "tess@example.org");
    assert_eq!(document["tables"]["activities"][0]["notes"], "mine");

    let to_file = run(&[&["person", "export", "--output", "tess.json"][..], &who].concat());
    assert!(to_file.status.success(), "{to_file:?}");
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("tess.json")).unwrap()).unwrap();
    assert_eq!(
        written["tables"]["activities"],
        document["tables"]["activities"]
    );

    // An e-mail sent to her, and a kind she no longer receives.
    {
        use diesel::connection::SimpleConnection;
        let mut conn = pool.get().unwrap();
        let db::DbConnection::Sqlite(sqlite) = &mut **conn else {
            unreachable!()
        };
        sqlite
            .batch_execute(
                "INSERT INTO mail_messages (id, society_id, kind, person_id, recipient, subject, \
                 body_text, body_html, unsubscribe_token, state, attempts, next_attempt_at, \
                 created_at) VALUES ('m-1', 's-1', 'application_decision', 'tess', \
                 'tess@example.org', 'Your application', 'Decided', '<p>Decided</p>', 'u-1', \
                 'pending', 0, '2026-01-01 10:00:00', '2026-01-01 10:00:00'); \
                 INSERT INTO mail_unsubscribes (society_id, recipient, kind, created_at) VALUES \
                 ('s-1', 'tess@example.org', 'renewal_reminder', '2026-01-01 10:00:00');",
            )
            .unwrap();
    }
    let erased = run(&[&["person", "erase"][..], &who].concat());
    assert!(erased.status.success(), "{erased:?}");
    assert_eq!(
        String::from_utf8_lossy(&erased.stdout),
        "Erased of tess: email, city, region; 0 notes cleared, 1 ledger records, 0 applications \
         and 0 overrides deleted, 0 sessions ended, 1 audit records redacted.\n"
    );
    let after = run(&[&["person", "export"][..], &who].concat());
    let document: serde_json::Value = serde_json::from_slice(&after.stdout).unwrap();
    assert_eq!(
        document["tables"]["people"][0]["email"],
        serde_json::Value::Null
    );
    assert_eq!(document["tables"]["activities"], serde_json::json!([]));
    let audited = document["tables"]["audit_log"].as_array().unwrap();
    assert!(audited.iter().any(|r| r["action"] == "delete"
        && r["entity_type"] == "personal_data"
        && r["actor_user_id"].is_null()));
    // The ledger record's audit line keeps what was done, and when, but
    // not what it recorded; the chain still checks, the line redacted.
    // (The record is gone, so its line is no longer in the export.)
    let (action, after): (String, Option<String>) = {
        use balint_accredit_api::db::schema::audit_log;
        use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
        let mut conn = pool.get().unwrap();
        audit_log::table
            .filter(audit_log::entity_type.eq("activity"))
            .select((audit_log::action, audit_log::after_json))
            .first::<(String, Option<String>)>(&mut **conn)
            .unwrap()
    };
    assert_eq!(action, "create");
    let recorded: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&after.unwrap()).unwrap();
    assert!(recorded.contains_key("notes"), "{recorded:?}");
    assert!(
        recorded.values().all(|v| v.is_null() || v == "[erased]"),
        "{recorded:?}"
    );
    assert!(!document.to_string().contains("mine"), "{document}");
    assert!(
        !document.to_string().contains("tess@example.org"),
        "{document}"
    );
    assert_eq!(document["tables"]["mail_messages"][0]["state"], "withdrawn");
    let checked = run(&["check"]);
    assert_eq!(checked.status.code(), Some(0), "{checked:?}");
    assert!(String::from_utf8_lossy(&checked.stdout)
        .contains(" records (1 redacted by erasures), head record "));

    let nobody = run(&[
        "person",
        "erase",
        "--society",
        "bsanz",
        "--person",
        "nobody",
    ]);
    assert_eq!(nobody.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&nobody.stderr),
        "error: no such person nobody\n"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
