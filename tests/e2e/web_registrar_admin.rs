//! The registrar's pages for running the society over HTTP: the pathway
//! (adopt, upload with problems by path, versions, compare). Each form
//! calls the same action as the API, so what it does is read back there.

use serde_json::Value;

use super::web::{csrf_of, open, sign_in, submit};
use super::*;

e2e_test!(
    async fn the_registrar_adopts_uploads_and_compares_pathway_versions(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let member = sign_in(&app, &cast.member).await;
        let refused = open(&app, "/societies/bsanz/pathway", Some(&member)).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let other = sign_in(&app, &cast.other_registrar).await;
        let elsewhere = open(&app, "/societies/bsanz/pathway", Some(&other)).await;
        assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);

        let registrar = sign_in(&app, &cast.registrar).await;
        let empty = open(&app, "/societies/bsanz/pathway", Some(&registrar)).await;
        assert_eq!(empty.status, StatusCode::OK);
        assert!(empty.html.contains("<h1>Pathway: Society bsanz</h1>"));
        assert!(empty.html.contains("No pathway has been published yet."));
        let csrf = csrf_of(&empty.html);

        // Without the form's token nothing is adopted.
        let forged = submit(
            &app,
            "/societies/bsanz/pathway/adopt",
            Some(&registrar),
            &[("csrf", "x"), ("preset", "bsanz-leader")],
        )
        .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);

        let unknown = submit(
            &app,
            "/societies/bsanz/pathway/adopt",
            Some(&registrar),
            &[("csrf", &csrf), ("preset", "nope"), ("effective_from", "")],
        )
        .await;
        assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(unknown
            .html
            .contains("Built-in pathway: no built-in pathway has this id"));

        let adopted = submit(
            &app,
            "/societies/bsanz/pathway/adopt",
            Some(&registrar),
            &[
                ("csrf", &csrf),
                ("preset", "bsanz-leader"),
                ("effective_from", "2024-07-01"),
            ],
        )
        .await;
        assert_eq!(adopted.status, StatusCode::SEE_OTHER, "{}", adopted.html);
        assert_eq!(
            adopted.location.as_deref(),
            Some("/societies/bsanz/pathway/versions/1?published=1")
        );
        let (status, v1) = app
            .get("/api/v1/societies/bsanz/pathway/versions/1", None)
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(v1["preset"], "bsanz-leader");
        assert_eq!(v1["effective_from"], "2024-07-01");
        assert!(v1["uploaded_by"].is_string());

        // Every problem of a document, by its path.
        let mut broken = v1["document"].clone();
        broken["society"] = json!("dbg");
        broken["tiers"][1]["requirements"][0]["min"] = json!("many");
        let refused = submit(
            &app,
            "/societies/bsanz/pathway/upload",
            Some(&registrar),
            &[
                ("csrf", &csrf),
                ("format", "json"),
                ("document", &broken.to_string()),
            ],
        )
        .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused
            .html
            .contains("At society: the document is for society"));
        assert!(refused.html.contains("At tiers[1].requirements[0]"));
        let toml = submit(
            &app,
            "/societies/bsanz/pathway/upload",
            Some(&registrar),
            &[
                ("csrf", &csrf),
                ("format", "toml"),
                ("document", "id = = 3"),
            ],
        )
        .await;
        assert_eq!(toml.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(toml.html.contains("Pathway document: not valid TOML"));
        let (_, versions) = app
            .get("/api/v1/societies/bsanz/pathway/versions", None)
            .await;
        assert_eq!(versions["total"], 1, "nothing refused was published");

        let mut changed = v1["document"].clone();
        changed["title"] = json!("Revised pathway");
        let published = submit(
            &app,
            "/societies/bsanz/pathway/upload",
            Some(&registrar),
            &[
                ("csrf", &csrf),
                ("format", "json"),
                ("document", &changed.to_string()),
            ],
        )
        .await;
        assert_eq!(
            published.status,
            StatusCode::SEE_OTHER,
            "{}",
            published.html
        );
        let (_, v2): (_, Value) = app
            .get("/api/v1/societies/bsanz/pathway/versions/2", None)
            .await;
        assert_eq!(v2["title"], "Revised pathway");
        assert_eq!(v2["preset"], Value::Null);

        let shown = open(
            &app,
            "/societies/bsanz/pathway/versions/2?published=1",
            Some(&registrar),
        )
        .await;
        assert_eq!(shown.status, StatusCode::OK);
        assert!(shown.html.contains("Version 2 was published."));
        assert!(shown.html.contains(&cast.registrar.email));

        let compared = open(
            &app,
            "/societies/bsanz/pathway/compare?from=1&to=2",
            Some(&registrar),
        )
        .await;
        assert_eq!(compared.status, StatusCode::OK);
        assert!(compared.html.contains("1 line added and 1 line removed."));
        assert!(compared.html.contains("Revised pathway"));
        let same = open(
            &app,
            "/societies/bsanz/pathway/compare?from=2&to=2",
            Some(&registrar),
        )
        .await;
        assert!(same.html.contains("The two documents are the same."));
        let missing = open(
            &app,
            "/societies/bsanz/pathway/compare?from=1&to=7",
            Some(&registrar),
        )
        .await;
        assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(missing.html.contains("To version: There is no version 7"));
    }
);

e2e_test!(
    async fn the_registrar_reads_the_audit_log_filtered_as_the_api_filters_it(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let member = sign_in(&app, &cast.member).await;
        let refused = open(&app, "/societies/bsanz/audit", Some(&member)).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);

        let registrar = sign_in(&app, &cast.registrar).await;
        let all = open(&app, "/societies/bsanz/audit", Some(&registrar)).await;
        assert_eq!(all.status, StatusCode::OK);
        assert!(all.html.contains("<h1>Audit log: Society bsanz</h1>"));
        assert!(all.html.contains("4 changes."), "{}", all.html);
        // Who did it, by email; the member's login as a choice of "Made by".
        assert!(all.html.contains(&cast.registrar.email));
        assert!(all.html.contains(&cast.admin.email));

        let query = format!(
            "entity_type=person&entity_id={}&action=create&from=2000-01-01",
            cast.member_person
        );
        let people = open(
            &app,
            &format!("/societies/bsanz/audit?{query}"),
            Some(&registrar),
        )
        .await;
        assert_eq!(people.status, StatusCode::OK);
        assert!(people.html.contains("1 change matches this filter."));
        assert!(people.html.contains(&cast.member_person));
        let (_, api) = app
            .get(
                &format!("/api/v1/societies/bsanz/audit?{query}"),
                Some(&cast.registrar.token),
            )
            .await;
        assert_eq!(api["total"], 1);

        let wrong = open(
            &app,
            "/societies/bsanz/audit?from=2026-02-30&to=",
            Some(&registrar),
        )
        .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(wrong.html.contains("From: must be a date (YYYY-MM-DD)"));
        let none = open(
            &app,
            "/societies/bsanz/audit?action=delete",
            Some(&registrar),
        )
        .await;
        assert!(none.html.contains("No change matches this filter."));
    }
);
