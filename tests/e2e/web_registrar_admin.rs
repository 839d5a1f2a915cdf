//! The registrar's pages for running the society over HTTP: the pathway
//! (adopt, upload with problems by path, versions, compare), the audit
//! log, the register's export and import, and the logins with their
//! password links. Each form calls the same
//! action as the API, so what it does is read back there.

use serde_json::Value;

use super::register::{adopt_pathway, grant, person};
use super::web::{cookie_named, csrf_of, open, sign_in, submit, Page};
use super::*;

/// Send `file` (named `name`) to the import form as the browser does, as
/// `multipart/form-data`.
async fn upload(
    app: &TestApp,
    cookie: &str,
    csrf: &str,
    format: &str,
    name: &str,
    file: &str,
) -> Page {
    let boundary = "----balint-test-boundary";
    let mut body = String::new();
    for (field, filename, value) in [
        ("csrf", None, csrf),
        ("file", Some(name), file),
        ("format", None, format),
    ] {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\""
        ));
        if let Some(filename) = filename {
            body.push_str(&format!(
                "; filename=\"{filename}\"\r\nContent-Type: text/plain"
            ));
        }
        body.push_str(&format!("\r\n\r\n{value}\r\n"));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!(
            "{}/societies/bsanz/register-files/import",
            app.base_url
        ))
        .header("cookie", cookie)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    super::web::read(response).await
}

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
        let about = open(
            &app,
            &format!("/societies/bsanz/audit?person={}", cast.member_person),
            Some(&registrar),
        )
        .await;
        assert!(about.html.contains("2 changes match this filter."));
        assert!(about.html.contains("Everything about this person"));
        let none = open(
            &app,
            "/societies/bsanz/audit?action=delete",
            Some(&registrar),
        )
        .await;
        assert!(none.html.contains("No change matches this filter."));
    }
);

e2e_test!(
    async fn the_registrar_exports_and_imports_the_register_from_the_page(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        adopt_pathway(&app, &cast).await;
        let ann = person(
            &app,
            &cast,
            "Ann",
            "Carter",
            json!({ "public_listing": true }),
        )
        .await;
        let bob = person(&app, &cast, "Bob", "Hidden", json!({})).await;
        let ann_entry = grant(&app, &cast, &ann, "2024-03-01").await;
        grant(&app, &cast, &bob, "2024-03-01").await;
        let ann_number = ann_entry["registration"].as_str().unwrap().to_owned();

        let member = sign_in(&app, &cast.member).await;
        let refused = open(
            &app,
            "/societies/bsanz/register-files/export",
            Some(&member),
        )
        .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);

        let registrar = sign_in(&app, &cast.registrar).await;
        let page = open(&app, "/societies/bsanz/register-files", Some(&registrar)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.html.contains("<h1>Register files: Society bsanz</h1>"));
        let csrf = csrf_of(&page.html);

        // The whole register, as the API gives it to the registrar.
        let response = reqwest::Client::new()
            .get(format!(
                "{}/societies/bsanz/register-files/export?audience=full&format=csv",
                app.base_url
            ))
            .header("cookie", &registrar)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let disposition = response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            disposition.starts_with("attachment; filename=\"bsanz-register-"),
            "{disposition}"
        );
        assert!(disposition.ends_with(".csv\""));
        let full_csv = response.text().await.unwrap();
        let api_csv = app
            .get_response(
                "/api/v1/societies/bsanz/register/export?format=csv",
                Some(&cast.registrar.token),
            )
            .await
            .text()
            .await
            .unwrap();
        assert_eq!(full_csv, api_csv);
        assert!(full_csv.contains("Hidden"));
        let public = open(
            &app,
            "/societies/bsanz/register-files/export?audience=public&format=json",
            Some(&registrar),
        )
        .await;
        assert_eq!(public.status, StatusCode::OK);
        let public: Value = serde_json::from_str(&public.html).unwrap();
        let text = public.to_string();
        assert!(
            text.contains("Carter") && !text.contains("Hidden"),
            "{text}"
        );

        // The same file back: nothing changes.
        let again = upload(&app, &registrar, &csrf, "", "register.csv", &full_csv).await;
        assert_eq!(again.status, StatusCode::OK, "{}", again.html);
        assert!(again.html.contains(
            "Imported register.csv: 0 entries created, 0 extended, 2 unchanged; 0 people added."
        ), "{}", again.html);

        // A new entry for a new person.
        let header = full_csv.lines().next().unwrap();
        let row = full_csv
            .lines()
            .find(|l| l.starts_with(&ann_number))
            .unwrap()
            .replacen(&ann_number, "BSANZ-9001", 1)
            .replacen(&ann, "imported-person", 1);
        let created = upload(
            &app,
            &registrar,
            &csrf,
            "csv",
            "new.txt",
            &format!("{header}\n{row}\n"),
        )
        .await;
        assert_eq!(created.status, StatusCode::OK, "{}", created.html);
        assert!(
            created.html.contains(
                "Imported new.txt: 1 entry created, 0 extended, 0 unchanged; 1 person added."
            ),
            "{}",
            created.html
        );
        let (status, _) = app
            .get(
                "/api/v1/societies/bsanz/register/BSANZ-9001",
                Some(&cast.registrar.token),
            )
            .await;
        assert_eq!(status, StatusCode::OK);

        // Bad rows: every problem by row and field, nothing imported.
        let bad_row = row
            .replacen("BSANZ-9001", "BSANZ-9002", 1)
            .replacen("imported-person", "another-person", 1)
            .replacen("2024-03-01", "2024-02-30", 1);
        let bad = upload(
            &app,
            &registrar,
            &csrf,
            "",
            "bad.csv",
            &format!("{header}\n{bad_row}\n"),
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.html.contains("The register was not imported"));
        assert!(
            bad.html.contains("<code>rows[1].effective</code>"),
            "{}",
            bad.html
        );
        let (status, _) = app
            .get(
                "/api/v1/societies/bsanz/register/BSANZ-9002",
                Some(&cast.registrar.token),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        let nameless = upload(&app, &registrar, &csrf, "", "register", "x").await;
        assert_eq!(nameless.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(nameless.html.contains("Format: Choose CSV or JSON"));
        let forged = upload(&app, &registrar, "nope", "", "register.csv", &full_csv).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
    }
);

e2e_test!(
    async fn the_registrar_makes_a_login_whose_owner_sets_a_password_from_the_link(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let member = sign_in(&app, &cast.member).await;
        let refused = open(&app, "/societies/bsanz/logins", Some(&member)).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);

        let registrar = sign_in(&app, &cast.registrar).await;
        let page = open(&app, "/societies/bsanz/logins", Some(&registrar)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.html.contains(&cast.member.email));
        let csrf = csrf_of(&page.html);
        let taken = submit(
            &app,
            "/societies/bsanz/logins",
            Some(&registrar),
            &[
                ("csrf", &csrf),
                ("email", &cast.member.email),
                ("role", "member"),
                ("person_id", ""),
            ],
        )
        .await;
        assert_eq!(taken.status, StatusCode::CONFLICT);
        let created = submit(
            &app,
            "/societies/bsanz/logins",
            Some(&registrar),
            &[
                ("csrf", &csrf),
                ("email", "New.Person@Example.org"),
                ("role", "member"),
                ("person_id", ""),
            ],
        )
        .await;
        assert_eq!(created.status, StatusCode::OK, "{}", created.html);
        assert!(created
            .html
            .contains("A password link for new.person@example.org"));
        let start = created.html.find("/reset/").unwrap() + "/reset/".len();
        let token = created.html[start..start + 64].to_owned();

        let form = open(&app, &format!("/reset/{token}"), None).await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(form.html.contains("<h1>Set your password</h1>"));
        let reset = format!("/reset/{token}");
        let short = submit(
            &app,
            &reset,
            None,
            &[("password", "short"), ("repeat", "short")],
        )
        .await;
        assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(short.html.contains("Must be at least 12 characters"));
        let different = submit(
            &app,
            &reset,
            None,
            &[
                ("password", "a long new passphrase"),
                ("repeat", "another passphrase"),
            ],
        )
        .await;
        assert_eq!(different.status, StatusCode::UNPROCESSABLE_ENTITY);
        let done = submit(
            &app,
            &reset,
            None,
            &[
                ("password", "a long new passphrase"),
                ("repeat", "a long new passphrase"),
            ],
        )
        .await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.html);
        assert!(done.html.contains("Your password is set"));
        let used = open(&app, &reset, None).await;
        assert_eq!(used.status, StatusCode::NOT_FOUND);
        assert!(used.html.contains("used already or has expired"));
        let token = app
            .login("new.person@example.org", "a long new passphrase")
            .await;

        // Disabled from the page: the API sees it, the token is dead.
        let (_, list) = app
            .get("/api/v1/societies/bsanz/users", Some(&cast.registrar.token))
            .await;
        let id = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["email"] == "new.person@example.org")
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let forged = submit(
            &app,
            &format!("/societies/bsanz/logins/{id}/disable"),
            Some(&registrar),
            &[("csrf", "nope")],
        )
        .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        let disabled = submit(
            &app,
            &format!("/societies/bsanz/logins/{id}/disable"),
            Some(&registrar),
            &[("csrf", &csrf)],
        )
        .await;
        assert_eq!(disabled.status, StatusCode::SEE_OTHER);
        assert_eq!(
            disabled.location.as_deref(),
            Some("/societies/bsanz/logins?done=disabled")
        );
        let (status, _) = app.get("/api/v1/auth/me", Some(&token)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let sign_in_form = open(&app, "/login", None).await;
        let cookie = cookie_named(&sign_in_form, "balint_login_csrf").unwrap();
        let refused = submit(
            &app,
            "/login",
            Some(&cookie),
            &[
                ("csrf", &csrf_of(&sign_in_form.html)),
                ("email", "new.person@example.org"),
                ("password", "a long new passphrase"),
            ],
        )
        .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert!(refused.html.contains("This login is disabled"));
    }
);
