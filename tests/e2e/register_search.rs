//! The public register's search and entries, answered from the server's
//! memory: entries with a change dated ahead show as they stand today, in
//! their place in the order and in the count, and every write is seen.

use balint_accredit_api::cli::register_io::LapseArgs;
use serde_json::Value;

use super::register::{adopt_pathway, grant, person};
use super::*;

const REGISTER: &str = "/api/v1/societies/bsanz/register";

fn registrations(page: &Value) -> Vec<&str> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["registration"].as_str().unwrap())
        .collect()
}

e2e_test!(
    async fn changes_dated_ahead_do_not_show_before_their_day(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        adopt_pathway(&app, &cast).await;
        let listed = json!({ "city": "Hobart", "region": "TAS", "public_listing": true });
        let carter = person(&app, &cast, "Ann", "Carter", listed.clone()).await;
        let abbott = person(&app, &cast, "Bob", "Abbott", listed.clone()).await;
        let dixon = person(&app, &cast, "Dan", "Dixon", listed.clone()).await;
        let baker = person(&app, &cast, "Eve", "Baker", listed).await;
        grant(&app, &cast, &carter, "2025-03-01").await; // BSANZ-0001
        grant(&app, &cast, &abbott, "2025-03-02").await; // BSANZ-0002
        grant(&app, &cast, &dixon, "2025-03-03").await; // BSANZ-0003
                                                        // Accredited from a day still to come: not on the public register yet.
        grant(&app, &cast, &baker, "2099-01-01").await; // BSANZ-0004
                                                        // Bob's suspension takes effect in the future: today he is accredited.
        let (status, body) = app
            .post_json(
                &format!("{REGISTER}/BSANZ-0002/status"),
                Some(&cast.registrar.token),
                &json!({ "action": "suspend", "effective": "2099-01-01",
                         "reason": "fees unpaid", "visibility": "public" }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");

        let (status, page) = app.get(REGISTER, None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!(page["total"], 3, "{page}");
        assert_eq!(
            registrations(&page),
            ["BSANZ-0002", "BSANZ-0001", "BSANZ-0003"]
        );
        assert_eq!(page["items"][0]["status"], "accredited");

        for (query, total, expected) in [
            ("status=accredited&per_page=1&page=1", 3, vec!["BSANZ-0002"]),
            ("status=accredited&per_page=1&page=2", 3, vec!["BSANZ-0001"]),
            ("per_page=2&page=2", 3, vec!["BSANZ-0003"]),
            ("status=suspended", 0, vec![]),
            ("q=bob", 1, vec!["BSANZ-0002"]),
            ("q=eve", 0, vec![]),
            (
                "tier=accredited-leader&q=a",
                3,
                vec!["BSANZ-0002", "BSANZ-0001", "BSANZ-0003"],
            ),
        ] {
            let (status, page) = app.get(&format!("{REGISTER}?{query}"), None).await;
            assert_eq!(status, StatusCode::OK, "{query}: {page}");
            assert_eq!(page["total"], total, "{query}: {page}");
            assert_eq!(registrations(&page), expected, "{query}");
        }

        // The entry itself and its verification agree.
        let (status, entry) = app.get(&format!("{REGISTER}/BSANZ-0002"), None).await;
        assert_eq!(status, StatusCode::OK, "{entry}");
        assert_eq!(entry["status"], "accredited");
        let (status, _) = app.get(&format!("{REGISTER}/BSANZ-0004"), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
);

/// Each entry of the unfiltered public register as (number, name, status).
async fn listed(app: &TestApp, query: &str) -> Vec<(String, String, String)> {
    let (status, page) = app.get(&format!("{REGISTER}?{query}"), None).await;
    assert_eq!(status, StatusCode::OK, "{query}: {page}");
    let items = page["items"].as_array().unwrap();
    assert_eq!(page["total"], items.len(), "{query}: {page}");
    items
        .iter()
        .map(|e| {
            let text = |key: &str| e[key].as_str().unwrap().to_owned();
            (text("registration"), text("name"), text("status"))
        })
        .collect()
}

fn row(registration: &str, name: &str, status: &str) -> (String, String, String) {
    (registration.into(), name.into(), status.into())
}

/// The public entry `registration` as (name, status, each change's
/// (action, reason)), or `None` for a 404. Anyone not signed in is answered
/// from the server's memory, a signed-in member from the database: both
/// must see exactly the same.
async fn shown(
    app: &TestApp,
    cast: &Cast,
    registration: &str,
) -> Option<(String, String, Vec<(Value, Value)>)> {
    let path = format!("{REGISTER}/{registration}");
    let (status, entry) = app.get(&path, None).await;
    let (member_status, member_view) = app.get(&path, Some(&cast.member.token)).await;
    assert_eq!((status, &entry), (member_status, &member_view));
    if status == StatusCode::NOT_FOUND {
        return None;
    }
    assert_eq!(status, StatusCode::OK, "{entry}");
    let history = entry["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|change| (change["action"].clone(), change["reason"].clone()))
        .collect();
    Some((
        entry["name"].as_str().unwrap().to_owned(),
        entry["status"].as_str().unwrap().to_owned(),
        history,
    ))
}

e2e_test!(
    async fn the_search_sees_every_write_at_once(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        adopt_pathway(&app, &cast).await;
        let listed_in = json!({ "city": "Hobart", "region": "TAS", "public_listing": true });
        let carter = person(&app, &cast, "Ann", "Carter", listed_in.clone()).await;
        let abbott = person(&app, &cast, "Bob", "Abbott", listed_in).await;
        // Ann's cycle ended in 2026 and its grace period has passed; Bob's runs.
        assert_eq!(shown(&app, &cast, "BSANZ-0001").await, None);
        grant(&app, &cast, &carter, "2025-03-01").await; // BSANZ-0001
                                                         // No such society: the same 404 from memory as from the database.
        let elsewhere = "/api/v1/societies/nosuch/register/BSANZ-0001";
        let anonymous = app.get(elsewhere, None).await;
        assert_eq!(anonymous.0, StatusCode::NOT_FOUND);
        assert_eq!(
            anonymous,
            app.get(elsewhere, Some(&cast.member.token)).await
        );
        assert_eq!(
            listed(&app, "").await,
            [row("BSANZ-0001", "Ann Carter", "accredited")]
        );
        let granted = (json!("grant"), json!("council decision"));
        assert_eq!(
            shown(&app, &cast, "BSANZ-0001").await,
            Some((
                "Ann Carter".into(),
                "accredited".into(),
                vec![granted.clone()]
            ))
        );
        grant(&app, &cast, &abbott, "2026-10-01").await; // BSANZ-0002
        assert_eq!(
            listed(&app, "").await,
            [
                row("BSANZ-0002", "Bob Abbott", "accredited"),
                row("BSANZ-0001", "Ann Carter", "accredited"),
            ]
        );

        // A status change through the API.
        let (status, body) = app
            .post_json(
                &format!("{REGISTER}/BSANZ-0002/status"),
                Some(&cast.registrar.token),
                &json!({ "action": "suspend", "effective": "2026-11-01",
                         "reason": "a complaint under review", "visibility": "confidential" }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(
            listed(&app, "status=suspended").await,
            [row("BSANZ-0002", "Bob Abbott", "suspended")]
        );
        assert_eq!(
            shown(&app, &cast, "BSANZ-0002").await,
            Some((
                "Bob Abbott".into(),
                "suspended".into(),
                vec![granted.clone(), (json!("suspend"), Value::Null)]
            ))
        );

        // A person's name and consent, edited.
        let edit = |id: &str, body: Value| {
            let path = format!("/api/v1/societies/bsanz/people/{id}");
            let token = cast.registrar.token.clone();
            let app = &app;
            async move {
                let (status, body) = app
                    .send(
                        app.builder(reqwest::Method::PATCH, &path, Some(&token))
                            .json(&body),
                    )
                    .await;
                assert_eq!(status, StatusCode::OK, "{body}");
            }
        };
        edit(&carter, json!({ "family_name": "Zeller" })).await;
        assert_eq!(
            listed(&app, "").await,
            [
                row("BSANZ-0002", "Bob Abbott", "suspended"),
                row("BSANZ-0001", "Ann Zeller", "accredited"),
            ]
        );
        assert_eq!(listed(&app, "q=carter").await, []);
        assert_eq!(
            shown(&app, &cast, "BSANZ-0001").await.unwrap().0,
            "Ann Zeller".to_owned()
        );
        assert_eq!(
            listed(&app, "q=zell").await,
            [row("BSANZ-0001", "Ann Zeller", "accredited")]
        );
        edit(&abbott, json!({ "public_listing": false })).await;
        assert_eq!(
            listed(&app, "").await,
            [row("BSANZ-0001", "Ann Zeller", "accredited")]
        );
        assert_eq!(shown(&app, &cast, "BSANZ-0002").await, None);

        // A writer outside this server: the lapse command on its database.
        let args = LapseArgs {
            as_of: None,
            society: Some("bsanz".into()),
            database: app.settings.database.clone(),
        };
        let out = tokio::task::spawn_blocking(move || {
            let today = balint_accredit_api::db::now().date();
            balint_accredit_api::cli::register_io::lapse(&args, today).unwrap()
        })
        .await
        .unwrap();
        assert!(out.contains("BSANZ-0001 lapsed"), "{out}");
        // This server trusts its copy for the refresh time (1 s here) when
        // it did not write itself.
        let waited = std::time::Instant::now();
        while listed(&app, "").await != [row("BSANZ-0001", "Ann Zeller", "lapsed")] {
            assert!(
                waited.elapsed() < std::time::Duration::from_secs(10),
                "the lapse never reached the public register"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(listed(&app, "status=accredited").await, []);
        let (_, status, history) = shown(&app, &cast, "BSANZ-0001").await.unwrap();
        assert_eq!(status, "lapsed");
        assert_eq!(history.last().unwrap().0, "lapse");
    }
);
