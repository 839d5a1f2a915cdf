//! `balint-accredit ledger import` as a registrar runs it on a trainee's
//! logbook: all rows or none, every bad row named.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use balint_accredit_api::config::DatabaseSettings;
use balint_accredit_api::db::{self, activities::LedgerFilter, people::Person, societies::Society};

const BIN: &str = env!("CARGO_BIN_EXE_balint-accredit");

fn person(id: &str) -> Person {
    let now = db::now();
    Person {
        id: id.to_owned(),
        society_id: "s-1".to_owned(),
        title: None,
        given_name: Some("Tess".to_owned()),
        family_name: id.to_owned(),
        display_name: None,
        backgrounds: vec![],
        city: None,
        region: None,
        email: None,
        public_listing: false,
        entered_pathway_on: None,
        created_at: now,
        updated_at: now,
    }
}

#[test]
fn a_logbook_is_imported_whole_or_not_at_all() {
    let dir = std::env::temp_dir().join(format!("balint-ledger-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("balint.db").display());
    let pool = db::pool(&DatabaseSettings::new(url.clone()));
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
                    created_at: db::now(),
                },
            )?;
            db::people::insert(conn, &person("trainee"))?;
            db::people::insert(conn, &person("trainer"))?;
            Ok(())
        })
        .unwrap();
    }
    let import = |file: &str, text: &str| {
        let path = dir.join(file);
        std::fs::write(&path, text).unwrap();
        Command::new(BIN)
            .args([
                "ledger",
                "import",
                "--society",
                "bsanz",
                "--person",
                "trainee",
            ])
            .arg(&path)
            .env("DATABASE_URL", &url)
            .output()
            .unwrap()
    };
    let stored = || {
        let mut conn = pool.get().unwrap();
        db::activities::list_all(&mut conn, "trainee", &LedgerFilter::default())
            .unwrap()
            .len()
    };

    let bad = import(
        "bad.csv",
        "kind,date,amount,unit,attestor\n\
         participation,2025-02-01,1,sessions,trainer\n\
         supervision,2025-02-08,1,cases,trainee\n\
         participation,2025-02-15,1,sessions,nobody\n",
    );
    assert!(!bad.status.success());
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains("nothing was recorded: 3 problems in the rows"),
        "{stderr}"
    );
    assert!(
        stderr.contains("rows[2].attestor: the person cannot be their own attestor"),
        "{stderr}"
    );
    assert!(
        stderr.contains("rows[2].unit: a supervision record cannot be counted in cases"),
        "{stderr}"
    );
    assert!(
        stderr.contains("rows[3].attestor: nobody is not a person of this society"),
        "{stderr}"
    );
    assert_eq!(stored(), 0);

    let good: String = std::iter::once("kind,date,amount,unit,attestor\n".to_owned())
        .chain(
            (0..500).map(|i| format!("participation,2024-01-01,{},sessions,trainer\n", i % 3 + 1)),
        )
        .collect();
    let ok = import("logbook.csv", &good);
    assert!(ok.status.success(), "{ok:?}");
    assert_eq!(
        String::from_utf8_lossy(&ok.stdout),
        "Recorded 500 activities for Tess trainee (trainee) in bsanz, pending attestation.\n"
    );
    assert_eq!(stored(), 500);

    let json = import(
        "more.json",
        r#"[{"kind": "workshop", "date": "2024-05-10", "amount": 1, "unit": "events", "event_type": "intensive", "provider": "bsanz"}]"#,
    );
    assert!(json.status.success(), "{json:?}");
    assert_eq!(stored(), 501);
    drop(pool);
    let _ = std::fs::remove_dir_all(&dir);
}
