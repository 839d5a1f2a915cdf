//! A register in and out of files: export (registrar: everything; public:
//! listed people and public fields), import through the API and the
//! command line, all or nothing, idempotent, and an exact round trip into
//! an empty database.

use balint_accredit_api::cli::register_io::{ImportArgs, LapseArgs};
use serde_json::Value;

use super::register::{adopt_pathway, grant, person};
use super::*;

const REGISTER: &str = "/api/v1/societies/bsanz/register";

async fn export(app: &TestApp, token: Option<&str>, format: &str) -> String {
    let response = app
        .get_response(&format!("{REGISTER}/export?format={format}"), token)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.unwrap()
}

async fn import(
    app: &TestApp,
    token: &str,
    content_type: &str,
    body: String,
) -> (StatusCode, Value) {
    app.send(
        app.builder(
            reqwest::Method::POST,
            &format!("{REGISTER}/import"),
            Some(token),
        )
        .header("content-type", content_type)
        .body(body),
    )
    .await
}

/// bsanz with two leaders: Ann (listed; suspended in confidence, then
/// reinstated) and Bob (not listed; lapsed).
async fn a_register(app: &TestApp) -> Cast {
    let cast = Cast::assemble(app).await;
    adopt_pathway(app, &cast).await;
    let ann = person(app, &cast, "Ann", "Carter",
        json!({ "city": "Hobart", "region": "TAS", "public_listing": true, "email": "ann@example.org", "backgrounds": ["psychodynamic_training"] })).await;
    let bob = person(
        app,
        &cast,
        "Bob",
        "Abbott",
        json!({ "public_listing": false }),
    )
    .await;
    grant(app, &cast, &ann, "2024-03-01").await;
    grant(app, &cast, &bob, "2024-04-01").await;
    for (action, effective, reason, visibility) in [
        (
            "suspend",
            "2024-06-01",
            "complaint under review",
            "confidential",
        ),
        ("reinstate", "2024-07-01", "complaint dismissed", "public"),
    ] {
        let (status, body) = app
            .post_json(
                &format!("{REGISTER}/BSANZ-0001/status"),
                Some(&cast.registrar.token),
                &json!({ "action": action, "effective": effective, "reason": reason, "visibility": visibility }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    // Renewing through the API asks for the membership the pathway's
    // renewal rule requires; importing the renewal below does not (the
    // people imported have no ledger: imported history is authoritative).
    super::register::membership(app, &cast, &ann, "2024-09-01", true).await;
    let (status, body) = app
        .post_json(
            &format!("{REGISTER}/BSANZ-0001/renewals"),
            Some(&cast.registrar.token),
            &json!({ "effective": "2025-02-01", "reason": "membership kept" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = app
        .post_json(
            &format!("{REGISTER}/lapse?as_of=2025-08-01"),
            Some(&cast.registrar.token),
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    cast
}

/// A fresh database with bsanz, its registrar and the same pathway.
async fn an_empty_database(backend: Backend) -> (TestApp, Cast) {
    let app = TestApp::spawn(backend).await;
    let cast = Cast::assemble(&app).await;
    adopt_pathway(&app, &cast).await;
    (app, cast)
}

e2e_test!(
    async fn export_then_import_into_an_empty_database_round_trips_exactly(app: TestApp) {
        let cast = a_register(&app).await;
        let json_export = export(&app, Some(&cast.registrar.token), "json").await;
        let csv_export = export(&app, Some(&cast.registrar.token), "csv").await;
        let file: Value = serde_json::from_str(&json_export).unwrap();
        assert_eq!(file["entries"].as_array().unwrap().len(), 2);
        assert_eq!(
            file["entries"][0]["history"][1]["reason"],
            "complaint under review"
        );
        assert_eq!(file["entries"][1]["history"][1]["action"], "lapse");
        // Ann's renewal is imported below as given, into a database where she
        // has no records: an import does not assess renewal requirements.
        assert_eq!(file["entries"][0]["history"][3]["action"], "renew");

        for (content_type, body) in [
            ("application/json", &json_export),
            ("text/csv", &csv_export),
        ] {
            let (other, other_cast) = an_empty_database(app.backend).await;
            let token = other_cast.registrar.token.clone();
            let (status, report) = import(&other, &token, content_type, body.clone()).await;
            assert_eq!(status, StatusCode::OK, "{content_type}: {report}");
            assert_eq!(
                report,
                json!({ "created": 2, "extended": 0, "unchanged": 0, "people_created": 2 })
            );
            assert_eq!(
                export(&other, Some(&token), "json").await,
                json_export,
                "{content_type}"
            );

            // Again: nothing changes.
            let (status, report) = import(&other, &token, content_type, body.clone()).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(
                report,
                json!({ "created": 0, "extended": 0, "unchanged": 2, "people_created": 0 })
            );
            assert_eq!(export(&other, Some(&token), "json").await, json_export);

            // Imported numbers are never issued again.
            let carl = person(&other, &other_cast, "Carl", "Dunn", json!({})).await;
            assert_eq!(
                grant(&other, &other_cast, &carl, "2025-01-01").await["registration"],
                "BSANZ-0003"
            );
        }
    }
);

e2e_test!(
    async fn the_public_export_holds_only_listed_people_and_public_fields(app: TestApp) {
        let cast = a_register(&app).await;
        let public: Value = serde_json::from_str(&export(&app, None, "json").await).unwrap();
        let entries = public["entries"].as_array().unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0]["registration"], "BSANZ-0001");
        assert_eq!(entries[0]["name"], "Ann Carter");
        let text = public.to_string();
        for private in [
            "complaint under review",
            "ann@example.org",
            "Abbott",
            "psychodynamic_training",
        ] {
            assert!(!text.contains(private), "{private} leaked: {text}");
        }
        let csv = export(&app, Some(&cast.member.token), "csv").await;
        assert_eq!(
            csv,
            "registration,title,name,city,region,tier,status,first_accredited,valid_until\n\
             BSANZ-0001,Dr,Ann Carter,Hobart,TAS,accredited-leader,accredited,2024-03-01,2026-02-28\n"
        );
        let (status, body) = app
            .get(&format!("{REGISTER}/export?format=xml"), None)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    }
);

e2e_test!(
    async fn a_bad_file_is_refused_whole_with_every_bad_row(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let csv = "\
registration,person_id,title,given_name,family_name,city,region,public_listing,effective,action,tier,valid_until,grace_days,reason,visibility
BSANZ-0100,p-ann,Dr,Ann,Carter,Hobart,TAS,true,2020-01-01,grant,accredited-leader,,,council 2019/4,public
BSANZ-0100,p-ann,Dr,Ann,Carter,Hobart,TAS,true,2021-05-01,suspend,,,,complaint,confidential
BSANZ-0101,p-bob,Dr,Bob,Abbott,,,yes,2020-13-01,grant,accredited-leader,,,council,public
BSANZ-0102,p-cat,,Cat,,,,maybe,2020-01-01,promote,,,,,secret
BSANZ-0100,p-ann,Dr,Ann,Carter,Hobart,TAS,true,2021-06-01,reinstate,,,,appeal,public
BSANZ-0103,p-dan,,Dan,Dunn,,,false,2020-01-01,suspend,,,,first row is not a grant,public
";
        let (status, body) = import(&app, &cast.registrar.token, "text/csv", csv.to_owned()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            body,
            json!({
                "type": "/problems/invalid-input", "title": "Invalid input", "status": 422,
                "detail": "the register file has 7 problems; nothing was imported",
                "errors": [
                    { "field": "rows[3].effective", "message": "\"2020-13-01\" is not a date (YYYY-MM-DD)" },
                    { "field": "rows[4].action", "message": "\"promote\" is not one of grant, renew, suspend, reinstate, revoke, retire, lapse, mark_deceased" },
                    { "field": "rows[4].public_listing", "message": "\"maybe\" is not true or false" },
                    { "field": "rows[4].visibility", "message": "\"secret\" is not public or confidential" },
                    { "field": "rows[4].reason", "message": "is required" },
                    { "field": "rows[4].family_name", "message": "is required" },
                    { "field": "rows[6].action", "message": "an entry's first row must be its first grant" },
                ],
            })
        );
        let (_, listed) = app.get(REGISTER, None).await;
        assert_eq!(listed["total"], 0);

        // The good rows alone go in; the suspension is not public, its reason stays private.
        let good: String = csv
            .lines()
            .enumerate()
            .filter(|(i, _)| [0, 1, 2, 5].contains(i))
            .map(|(_, l)| format!("{l}\n"))
            .collect();
        let (status, report) = import(&app, &cast.registrar.token, "text/csv", good).await;
        assert_eq!(status, StatusCode::OK, "{report}");
        assert_eq!(report["created"], 1);
        let (status, ann) = app.get(&format!("{REGISTER}/BSANZ-0100"), None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(ann["status"], "accredited");
        assert_eq!(ann["history"][1]["reason"], Value::Null);
        assert_eq!(ann["history"][2]["reason"], "appeal");

        // Only the registrar imports.
        for who in [Who::Anonymous, Who::Member, Who::OtherRegistrar] {
            let response = app
                .builder(
                    reqwest::Method::POST,
                    &format!("{REGISTER}/import"),
                    cast.token(who),
                )
                .header("content-type", "text/csv")
                .body(csv.to_owned())
                .send()
                .await
                .unwrap();
            let expected = match who {
                Who::Anonymous => StatusCode::UNAUTHORIZED,
                Who::OtherRegistrar => StatusCode::NOT_FOUND,
                _ => StatusCode::FORBIDDEN,
            };
            assert_eq!(response.status(), expected, "{who:?}");
        }
    }
);

e2e_test!(
    async fn the_command_line_imports_and_lapses_idempotently(app: TestApp) {
        let source = a_register(&app).await;
        let file = std::env::temp_dir().join(format!("register-{}.json", short_id()));
        std::fs::write(
            &file,
            export(&app, Some(&source.registrar.token), "json").await,
        )
        .unwrap();

        let (other, cast) = an_empty_database(app.backend).await;
        let database = other.settings.database.clone();
        let args = ImportArgs {
            society: "bsanz".into(),
            format: None,
            file: file.clone(),
            database: database.clone(),
        };
        let report = tokio::task::spawn_blocking(move || {
            let first = balint_accredit_api::cli::register_io::import(&args).unwrap();
            let second = balint_accredit_api::cli::register_io::import(&args).unwrap();
            (first, second)
        })
        .await
        .unwrap();
        assert_eq!(
            (report.0.created, report.1.created, report.1.unchanged),
            (2, 0, 2)
        );
        let _ = std::fs::remove_file(&file);

        // Ann's renewed cycle runs to 2026-02-28 and lapses on 2026-06-01.
        let lapse = |as_of: &str| {
            let args = LapseArgs {
                as_of: Some(as_of.parse().unwrap()),
                society: None,
                database: database.clone(),
            };
            move || {
                balint_accredit_api::cli::register_io::lapse(&args, "2000-01-01".parse().unwrap())
                    .unwrap()
            }
        };
        let out = tokio::task::spawn_blocking(lapse("2026-05-31"))
            .await
            .unwrap();
        assert_eq!(out, "Lapsed 0 entries as of 2026-05-31.\n");
        let out = tokio::task::spawn_blocking(lapse("2026-06-01"))
            .await
            .unwrap();
        assert_eq!(
            out,
            "Lapsed 1 entries as of 2026-06-01.\n  BSANZ-0001 lapsed on 2026-06-01\n"
        );
        let out = tokio::task::spawn_blocking(lapse("2026-06-01"))
            .await
            .unwrap();
        assert_eq!(out, "Lapsed 0 entries as of 2026-06-01.\n");

        let (_, ann) = other
            .get(
                &format!("{REGISTER}/BSANZ-0001"),
                Some(&cast.registrar.token),
            )
            .await;
        assert_eq!(ann["latest_status"], "lapsed");
    }
);

e2e_test!(
    async fn csv_exports_write_formulas_as_text_and_read_them_back(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        adopt_pathway(&app, &cast).await;
        let formula = r#"=HYPERLINK("http://evil.example","x")"#;
        let ann = person(&app, &cast, "+Ann", "-Smith",
            json!({ "city": "@SUM(A1)", "region": "=1+1", "public_listing": true, "title": "'-quoted" })).await;
        let (status, body) = app
            .post_json(
                REGISTER,
                Some(&cast.registrar.token),
                &json!({
                    "person_id": ann, "tier": "accredited-leader",
                    "effective": "2024-03-01", "reason": formula,
                }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");

        // The public register: every cell a spreadsheet would run starts
        // with a quote.
        let public = export(&app, None, "csv").await;
        assert_eq!(
            public,
            "registration,title,name,city,region,tier,status,first_accredited,valid_until\n\
             BSANZ-0001,''-quoted,'+Ann -Smith,'@SUM(A1),'=1+1,accredited-leader,accredited,2024-03-01,2025-02-28\n"
        );

        // The registrar's file, and back into an empty database: the same
        // register, the quotes gone.
        let full = export(&app, Some(&cast.registrar.token), "csv").await;
        for cell in [
            ",''-quoted,'+Ann,'-Smith,",
            ",'@SUM(A1),'=1+1,",
            r#","'=HYPERLINK(""http://evil.example"",""x"")","#,
        ] {
            assert!(full.contains(cell), "{cell} not in {full}");
        }
        let json_export = export(&app, Some(&cast.registrar.token), "json").await;
        let (other, other_cast) = an_empty_database(app.backend).await;
        let token = other_cast.registrar.token.clone();
        let (status, report) = import(&other, &token, "text/csv", full).await;
        assert_eq!(status, StatusCode::OK, "{report}");
        assert_eq!(export(&other, Some(&token), "json").await, json_export);
        let imported: Value = serde_json::from_str(&json_export).unwrap();
        let entry = &imported["entries"][0];
        assert_eq!(entry["person"]["region"], "=1+1");
        assert_eq!(entry["person"]["family_name"], "-Smith");
        assert_eq!(entry["person"]["title"], "'-quoted");
        assert_eq!(entry["history"][0]["reason"], formula);

        // A ledger's export too; a logbook uploaded with the quote a
        // spreadsheet shows as text is read without it.
        let ledger = format!("/api/v1/societies/bsanz/people/{ann}/activities");
        let (status, body) = app
            .send(
                app.builder(
                    reqwest::Method::POST,
                    &format!("{ledger}/bulk"),
                    Some(&cast.registrar.token),
                )
                .header("content-type", "text/csv")
                .body("kind,date,amount,unit,notes,setting\nparticipation,2025-01-10,1,sessions,'=1+1,-ward\n"),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let (_, listed) = app.get(&ledger, Some(&cast.registrar.token)).await;
        assert_eq!(listed["items"][0]["notes"], "=1+1");
        assert_eq!(listed["items"][0]["setting"], "-ward");
        let response = app
            .get_response(&format!("{ledger}/export"), Some(&cast.registrar.token))
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let csv = response.text().await.unwrap();
        assert!(csv.contains(",'-ward,"), "{csv}");
        assert!(csv.contains(",'=1+1,"), "{csv}");
    }
);

/// Entries in the file two imports send at once.
const ENTRIES: usize = 300;

e2e_test!(
    async fn identical_imports_sent_at_once_make_one_register(app: TestApp) {
        let cast = a_register(&app).await;
        // Ann's entry over and over, under other numbers and people: an
        // import long enough for the two to overlap.
        let mut file: Value =
            serde_json::from_str(&export(&app, Some(&cast.registrar.token), "json").await).unwrap();
        let ann = file["entries"][0].clone();
        let entries: Vec<Value> = (1..=ENTRIES)
            .map(|n| {
                let mut entry = ann.clone();
                entry["registration"] = json!(format!("BSANZ-{n:04}"));
                entry["person"]["id"] = json!(uuid::Uuid::new_v4().to_string());
                entry["person"]["family_name"] = json!(format!("Carter {n}"));
                entry
            })
            .collect();
        file["entries"] = json!(entries);
        let file = file.to_string();
        let (other, other_cast) = an_empty_database(app.backend).await;
        let send = || {
            other
                .builder(
                    reqwest::Method::POST,
                    &format!("{REGISTER}/import"),
                    Some(&other_cast.registrar.token),
                )
                .header("content-type", "application/json")
                .body(file.clone())
        };
        let mut reports: Vec<Value> = other
            .send_all(vec![send(), send()])
            .await
            .into_iter()
            .map(|(status, report)| {
                assert_eq!(status, StatusCode::OK, "{report}");
                report
            })
            .collect();
        reports.sort_by_key(|r| r["created"].as_u64());
        // The second waits for the first and finds its entries there.
        assert_eq!(
            reports,
            [
                json!({ "created": 0, "extended": 0, "unchanged": ENTRIES, "people_created": 0 }),
                json!({ "created": ENTRIES, "extended": 0, "unchanged": 0, "people_created": ENTRIES }),
            ]
        );
    }
);
