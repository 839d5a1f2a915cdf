//! The public register's search when some entries have a change dated
//! ahead: those show as they stand today, in their place in the order, and
//! in the count.

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
