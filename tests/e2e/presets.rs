//! The built-in pathways of real societies: public, ready to adopt.

use super::*;

e2e_test!(
    async fn everyone_lists_and_reads_the_presets(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        for who in EVERYONE {
            let (status, list) = app.get("/api/v1/pathway-presets", cast.token(who)).await;
            assert_eq!(status, StatusCode::OK, "{who:?}");
            assert_eq!(list["total"], 5);
            let ids: Vec<&str> = list["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["id"].as_str().unwrap())
                .collect();
            assert_eq!(
                ids,
                [
                    "abs-credentialed-leader",
                    "uk-2016",
                    "bsanz-leader",
                    "dbg-leader",
                    "rcpsych-core-balint"
                ]
            );
            let bsanz = &list["items"][2];
            assert_eq!(
                bsanz["society"],
                "Balint Society of Australia and New Zealand"
            );
            assert!(!bsanz["title"].as_str().unwrap().is_empty());
            assert!(!bsanz["description"].as_str().unwrap().is_empty());
            assert!(bsanz.get("document").is_none());
        }
        let (_, page) = app
            .get("/api/v1/pathway-presets?per_page=2&page=3", None)
            .await;
        assert_eq!(page["items"][0]["id"], "rcpsych-core-balint");
        assert_eq!(page["items"].as_array().unwrap().len(), 1);

        let (status, preset) = app.get("/api/v1/pathway-presets/uk-2016", None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(preset["id"], "uk-2016");
        assert_eq!(preset["society"], "UK Balint Society");
        assert_eq!(preset["document"]["id"], "uk-2016");
        assert_eq!(preset["document"]["version"], "2016/2020");
        assert_eq!(preset["document"]["tiers"][1]["id"], "accredited-leader");
        assert_eq!(preset["source_format"], "toml");
        assert!(preset["source"]
            .as_str()
            .unwrap()
            .contains("id = \"uk-2016\""));
    }
);

e2e_test!(
    async fn an_unknown_preset_is_not_found(app: TestApp) {
        let (status, body) = app.get("/api/v1/pathway-presets/nope", None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(
            body,
            problem(404, "not-found", "Not found", "preset nope not found")
        );
        let (status, body) = app.get("/api/v1/pathway-presets?per_page=500", None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(
            body["errors"],
            json!([{ "field": "per_page", "message": "must be between 1 and 100" }])
        );
    }
);
