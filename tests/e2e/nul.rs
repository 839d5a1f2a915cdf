//! A NUL character (U+0000) never reaches the database: PostgreSQL cannot
//! store one in text (it was a 500, some of them without signing in),
//! SQLite would keep it. It is refused at the edge, alike on both: in a
//! path 404 (the answer for any unknown path), in a query string 400, in a
//! JSON body, a form or a file 422, each naming where it is.

use reqwest::Method;
use serde_json::Value;

use super::ledger_setup::*;
use super::register::{adopt_pathway, grant, person};
use super::*;

const NUL: &str = "must not contain the NUL character (U+0000)";

/// The web pages' routes with path parameters, as `web::configure`
/// registers them (keep it complete).
const PAGES: [(&str, &str); 99] = [
    ("GET", "/reset/{token}"),
    ("GET", "/mail/unsubscribe/{token}"),
    ("POST", "/mail/unsubscribe/{token}"),
    ("GET", "/societies/{society}/watch"),
    ("POST", "/societies/{society}/watch"),
    ("GET", "/watch/confirm/{token}"),
    ("POST", "/watch/confirm/{token}"),
    ("GET", "/watch/{token}"),
    ("POST", "/watch/{token}/add"),
    ("POST", "/watch/{token}/remove"),
    ("POST", "/watch/{token}/stop"),
    ("GET", "/societies/{society}/mail"),
    ("GET", "/societies/{society}/applications"),
    ("GET", "/societies/{society}/applications/{application}"),
    ("GET", "/societies/{society}/audit"),
    ("GET", "/societies/{society}/dashboard"),
    ("GET", "/societies/{society}/logins"),
    ("GET", "/societies/{society}/pathway"),
    ("GET", "/societies/{society}/pathway/compare"),
    ("GET", "/societies/{society}/pathway/versions/{number}"),
    ("GET", "/societies/{society}/people"),
    ("GET", "/societies/{society}/people/new"),
    ("GET", "/societies/{society}/people/{person}"),
    ("GET", "/societies/{society}/people/{person}/activities"),
    (
        "GET",
        "/societies/{society}/people/{person}/activities/export",
    ),
    (
        "GET",
        "/societies/{society}/people/{person}/activities/{activity}/edit",
    ),
    (
        "GET",
        "/societies/{society}/people/{person}/activities/{activity}/withdraw",
    ),
    ("GET", "/societies/{society}/people/{person}/portfolio"),
    ("GET", "/societies/{society}/people/{person}/certificates"),
    ("POST", "/societies/{society}/people/{person}/certificates"),
    ("GET", "/certificates/{code}"),
    ("GET", "/societies/{society}/programmes/{programme}"),
    ("GET", "/societies/{society}/programmes/{programme}/export"),
    (
        "POST",
        "/societies/{society}/programmes/{programme}/trainees",
    ),
    ("GET", "/certificates/{code}/pdf"),
    ("GET", "/societies/{society}/people/{person}/progress"),
    ("GET", "/societies/{society}/register"),
    (
        "GET",
        "/societies/{society}/register/{registration}/credential.json",
    ),
    (
        "GET",
        "/societies/{society}/register/{registration}/credential.png",
    ),
    (
        "GET",
        "/societies/{society}/register/{registration}/credential.svg",
    ),
    (
        "GET",
        "/societies/{society}/register/{registration}/certificate",
    ),
    (
        "GET",
        "/societies/{society}/register/{registration}/certificate.pdf",
    ),
    ("GET", "/societies/{society}/register-files"),
    ("GET", "/societies/{society}/register-files/export"),
    ("GET", "/societies/{society}/register/{registration}"),
    ("GET", "/societies/{society}/renewals"),
    ("GET", "/societies/{society}/renewals/{registration}"),
    ("GET", "/societies/{society}/settings"),
    ("GET", "/societies/{society}/retention"),
    ("GET", "/societies/{society}/people/{person}/data"),
    (
        "GET",
        "/societies/{society}/people/{person}/data/export.json",
    ),
    ("POST", "/societies/{society}/people/{person}/data/erasure"),
    ("POST", "/societies/{society}/settings"),
    ("POST", "/societies/{society}/retention"),
    ("GET", "/societies/{society}/logo"),
    ("GET", "/static/{file}"),
    ("GET", "/verify/{society}/{registration}"),
    ("POST", "/attestations/{activity}"),
    ("POST", "/reset/{token}"),
    ("POST", "/societies/{society}/applications/{application}"),
    ("POST", "/societies/{society}/logins"),
    ("POST", "/societies/{society}/logins/{user}/disable"),
    ("POST", "/societies/{society}/logins/{user}/enable"),
    ("POST", "/societies/{society}/logins/{user}/password-link"),
    ("POST", "/societies/{society}/pathway/adopt"),
    ("POST", "/societies/{society}/pathway/upload"),
    ("POST", "/societies/{society}/people"),
    ("POST", "/societies/{society}/people/{person}"),
    ("POST", "/societies/{society}/people/{person}/activities"),
    (
        "POST",
        "/societies/{society}/people/{person}/activities/{activity}/edit",
    ),
    (
        "POST",
        "/societies/{society}/people/{person}/activities/{activity}/withdraw",
    ),
    ("POST", "/societies/{society}/people/{person}/applications"),
    ("POST", "/societies/{society}/people/{person}/overrides"),
    ("POST", "/societies/{society}/register-files/import"),
    (
        "POST",
        "/societies/{society}/register/{registration}/status",
    ),
    ("POST", "/societies/{society}/renewals/lapse"),
    ("POST", "/societies/{society}/renewals/{registration}"),
    ("GET", "/societies/{society}/webhooks"),
    ("POST", "/societies/{society}/webhooks"),
    ("POST", "/societies/{society}/webhooks/{endpoint}/delete"),
    ("POST", "/societies/{society}/webhooks/{endpoint}/enable"),
    ("POST", "/societies/{society}/webhooks/{endpoint}/rotate"),
    ("GET", "/societies/{society}/webhook-deliveries/{delivery}"),
    (
        "POST",
        "/societies/{society}/webhook-deliveries/{delivery}/replay",
    ),
    ("GET", "/societies/{society}/groups/{group}"),
    ("GET", "/societies/{society}/groups/{group}/sessions/new"),
    ("POST", "/societies/{society}/groups"),
    ("POST", "/societies/{society}/groups/{group}"),
    ("POST", "/societies/{society}/groups/{group}/people"),
    ("POST", "/societies/{society}/groups/{group}/sessions/new"),
    (
        "GET",
        "/societies/{society}/groups/{group}/sessions/{session}",
    ),
    (
        "POST",
        "/societies/{society}/groups/{group}/sessions/{session}",
    ),
    (
        "GET",
        "/societies/{society}/groups/{group}/planned-sessions/new",
    ),
    (
        "POST",
        "/societies/{society}/groups/{group}/planned-sessions/new",
    ),
    (
        "GET",
        "/societies/{society}/groups/{group}/planned-sessions/{plan}",
    ),
    (
        "POST",
        "/societies/{society}/groups/{group}/planned-sessions/{plan}",
    ),
    ("GET", "/societies/{society}/people/{person}/calendar"),
    ("POST", "/societies/{society}/people/{person}/calendar"),
    ("GET", "/calendar/{token}.ics"),
];

/// Real values for every path parameter, so that only the one with the
/// NUL is wrong.
struct Names {
    values: Vec<(&'static str, String)>,
}

impl Names {
    /// `template` with every parameter named, `nul` given `a%00b`.
    fn path(&self, template: &str, nul: &str) -> String {
        let mut path = template.to_owned();
        for (name, value) in &self.values {
            let value = if *name == nul { "a%00b" } else { value };
            path = path.replace(&format!("{{{name}}}"), value);
        }
        path
    }
}

/// The parameters `{...}` of `template`.
fn parameters(template: &str) -> Vec<String> {
    template
        .split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_owned()))
        .collect()
}

async fn a_register(app: &TestApp, cast: &Cast) -> Names {
    adopt_pathway(app, cast).await;
    let ann = person(
        app,
        cast,
        "Ann",
        "Carter",
        json!({ "public_listing": true }),
    )
    .await;
    grant(app, cast, &ann, "2024-03-01").await;
    let activity = record(
        app,
        &cast.member.token,
        "bsanz",
        &cast.member_person,
        json!({ "kind": "participation", "date": "2025-03-04", "amount": 1, "unit": "sessions" }),
    )
    .await;
    let bob = person(app, cast, "Bob", "Abbott", json!({})).await;
    let (status, application) = app
        .post_json(
            &format!("/api/v1/societies/bsanz/people/{bob}/applications"),
            Some(&cast.registrar.token),
            &json!({ "tier": "accredited-leader", "override": { "reason": "committee" } }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{application}");
    let (status, logins) = app
        .get("/api/v1/societies/bsanz/users", Some(&cast.registrar.token))
        .await;
    assert_eq!(status, StatusCode::OK, "{logins}");
    let member = logins["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["email"] == cast.member.email.as_str())
        .expect("the member's login")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // A group the member leads, with Bob in it, and one session.
    let (status, group) = app
        .post_json(
            "/api/v1/societies/bsanz/groups",
            Some(&cast.registrar.token),
            &json!({ "name": "Tuesday", "term": "ongoing", "delivery": "online", "usual_minutes": 90 }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{group}");
    let group_path = format!(
        "/api/v1/societies/bsanz/groups/{}",
        group["id"].as_str().unwrap()
    );
    let (status, _) = app
        .post_json(
            &format!("{group_path}/leaders"),
            Some(&cast.registrar.token),
            &json!({ "person": cast.member_person, "role": "leader", "from": "2025-01-01" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, group) = app
        .post_json(
            &format!("{group_path}/members"),
            Some(&cast.registrar.token),
            &json!({ "person": bob, "joined_on": "2025-01-01" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{group}");
    let (status, session) = app
        .post_json(
            &format!("{group_path}/sessions"),
            Some(&cast.member.token),
            &json!({ "date": "2025-03-04", "attended": [bob] }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{session}");
    let (status, plan) = app
        .post_json(
            &format!("{group_path}/planned-sessions"),
            Some(&cast.member.token),
            &json!({ "starts_at": "2099-03-11T19:00:00+13:00" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{plan}");
    Names {
        values: vec![
            ("society", "bsanz".to_owned()),
            ("group", group["id"].as_str().unwrap().to_owned()),
            (
                "leader",
                group["leaders"][0]["id"].as_str().unwrap().to_owned(),
            ),
            (
                "member",
                group["members"][0]["id"].as_str().unwrap().to_owned(),
            ),
            ("session", session["id"].as_str().unwrap().to_owned()),
            ("plan", plan["id"].as_str().unwrap().to_owned()),
            ("person", ann),
            ("activity", activity["id"].as_str().unwrap().to_owned()),
            ("registration", "BSANZ-0001".to_owned()),
            (
                "application",
                application["id"].as_str().unwrap().to_owned(),
            ),
            ("number", "1".to_owned()),
            ("user", member),
            ("token", "a-password-link".to_owned()),
            ("id", "bsanz-leader".to_owned()),
            ("file", "style.css".to_owned()),
            ("endpoint", "ep_00000000000000000000000000000000".to_owned()),
            (
                "watchlist",
                "wl_00000000000000000000000000000000".to_owned(),
            ),
            (
                "delivery",
                "msg_00000000000000000000000000000000".to_owned(),
            ),
            ("code", "0000-0000-0000-0000-0000-0000".to_owned()),
            ("programme", "core-psych".to_owned()),
            ("purpose", "revocation".to_owned()),
            ("name", "credentials-v2.jsonld".to_owned()),
        ],
    }
}

/// A request whose body holds NUL characters, and the fields it names.
type Case<'a> = (Method, String, Option<&'a str>, Value, Vec<&'a str>);

/// The status, content type and body of `method path` as `token`, with a
/// JSON body for the methods that take one.
async fn ask(
    app: &TestApp,
    method: &str,
    path: &str,
    token: Option<&str>,
) -> (StatusCode, String, String) {
    let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
    let mut request = app.builder(method.clone(), path, token);
    if [Method::POST, Method::PUT, Method::PATCH].contains(&method) {
        request = request.json(&json!({}));
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, content_type, response.text().await.unwrap())
}

e2e_test!(
    async fn a_nul_in_any_path_parameter_is_an_unknown_path(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let names = a_register(&app, &cast).await;
        let (status, document) = app.get("/api/v1/openapi.json", None).await;
        assert_eq!(status, StatusCode::OK);
        let not_found = problem(404, "not-found", "Not found", "resource not found");
        let mut asked = 0;
        for (template, operations) in document["paths"].as_object().unwrap() {
            for method in operations.as_object().unwrap().keys() {
                for parameter in parameters(template) {
                    let path = names.path(template, &parameter);
                    for token in [None, Some(cast.admin.token.as_str())] {
                        let (status, content_type, body) = ask(&app, method, &path, token).await;
                        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {body}");
                        assert_eq!(content_type, "application/problem+json", "{path}");
                        assert_eq!(
                            serde_json::from_str::<Value>(&body).unwrap(),
                            not_found,
                            "{method} {path}"
                        );
                        asked += 1;
                    }
                }
            }
        }
        assert!(asked > 80, "only {asked} requests: is the document there?");

        let session = super::web::sign_in(&app, &cast.registrar).await;
        for (method, template) in PAGES {
            for parameter in parameters(template) {
                let path = names.path(template, &parameter);
                for cookie in [None, Some(session.as_str())] {
                    let mut request =
                        app.builder(Method::from_bytes(method.as_bytes()).unwrap(), &path, None);
                    if let Some(cookie) = cookie {
                        request = request.header("cookie", cookie);
                    }
                    if method == "POST" {
                        request = request.form(&[("csrf", "x")]);
                    }
                    let response = request.send().await.unwrap();
                    assert_eq!(response.status(), StatusCode::NOT_FOUND, "{method} {path}");
                    let content_type = response.headers()["content-type"].to_str().unwrap();
                    assert!(
                        content_type.starts_with("text/html"),
                        "{path}: {content_type}"
                    );
                    let html = response.text().await.unwrap();
                    assert!(
                        html.contains("We could not find this page."),
                        "{path}: {html}"
                    );
                }
            }
        }
        // Anywhere else, as any unknown path.
        let (status, _, body) = ask(&app, "get", "/nowhere%00", None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(serde_json::from_str::<Value>(&body).unwrap(), not_found);
    }
);

e2e_test!(
    async fn a_nul_in_a_query_parameter_is_400_naming_it(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let registrar = Some(cast.registrar.token.as_str());
        let ledger = ledger_path("bsanz", &cast.member_person);
        for (path, token, field) in [
            (
                "/api/v1/societies/bsanz/register?q=a%00b".to_owned(),
                None,
                "q",
            ),
            (
                "/api/v1/societies/bsanz/register?region=%00&q=x".to_owned(),
                None,
                "region",
            ),
            (
                "/api/v1/societies/bsanz/people?q=%00".to_owned(),
                registrar,
                "q",
            ),
            (format!("{ledger}?kind=x%00"), registrar, "kind"),
            (
                "/api/v1/verify/bsanz/BSANZ-0001?as_of=2025%00".to_owned(),
                None,
                "as_of",
            ),
            ("/societies/bsanz/register?q=a%00b".to_owned(), None, "q"),
            (
                "/verify/bsanz/BSANZ-0001?as_of=%00".to_owned(),
                None,
                "as_of",
            ),
        ] {
            let (status, body) = app.get(&path, token).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
            let mut expected = problem(
                400,
                "bad-request",
                "Bad request",
                "invalid query parameters",
            );
            expected["errors"] = json!([{ "field": field, "message": NUL }]);
            assert_eq!(body, expected, "{path}");
        }
    }
);

e2e_test!(
    async fn a_nul_in_a_json_body_is_422_naming_every_field(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let names = a_register(&app, &cast).await;
        let ann = &names.values[1].1;
        let activity = &names.values[2].1;
        let application = &names.values[4].1;
        let admin = Some(cast.admin.token.as_str());
        let registrar = Some(cast.registrar.token.as_str());
        let member = Some(cast.member.token.as_str());
        let society = "/api/v1/societies/bsanz";
        let ledger = ledger_path("bsanz", &cast.member_person);
        let row = json!({ "kind": "participation", "date": "2025-03-04", "amount": 1, "unit": "sessions" });
        let mut bad_row = row.clone();
        bad_row["notes"] = json!("notes\u{0}");
        let mut document = app.get(&format!("{society}/pathway"), None).await.1["document"].clone();
        document["tiers"][0]["name"] = json!("Leader\u{0}");
        let cases: Vec<Case<'_>> = vec![
            (
                Method::POST,
                "/api/v1/auth/login".to_owned(),
                None,
                json!({ "email": "a\u{0}@example.org", "password": "x" }),
                vec!["email"],
            ),
            (
                Method::POST,
                "/api/v1/societies".to_owned(),
                admin,
                json!({ "slug": "abs", "name": "A\u{0}" }),
                vec!["name"],
            ),
            (
                Method::POST,
                format!("{society}/users"),
                registrar,
                json!({ "email": "x@example.org", "password": "a long\u{0} password", "role": "member" }),
                vec!["password"],
            ),
            (
                Method::POST,
                format!("{society}/people"),
                registrar,
                json!({ "family_name": "Dunn\u{0}", "given_name": "\u{0}", "backgrounds": ["gp", "x\u{0}"] }),
                vec!["backgrounds[1]", "family_name", "given_name"],
            ),
            (
                Method::POST,
                format!("{society}/people"),
                registrar,
                json!({ "family_name": "Dunn", "na\u{0}me": "x" }),
                vec!["na\\0me"],
            ),
            (
                Method::PATCH,
                format!("{society}/people/{}", cast.member_person),
                member,
                json!({ "city": "Hobart\u{0}" }),
                vec!["city"],
            ),
            (
                Method::POST,
                ledger.clone(),
                member,
                json!({ "kind": "participation", "date": "2025-03-04", "amount": 1, "unit": "sessions", "notes": "\u{0}" }),
                vec!["notes"],
            ),
            (
                Method::PATCH,
                record_path("bsanz", activity),
                member,
                json!({ "setting": "ward\u{0}" }),
                vec!["setting"],
            ),
            (
                Method::POST,
                format!("{ledger}/bulk"),
                member,
                json!([row, row, bad_row]),
                vec!["rows[3].notes"],
            ),
            (
                Method::POST,
                format!("{}/attestation", record_path("bsanz", activity)),
                registrar,
                json!({ "decision": "reject", "comment": "no\u{0}" }),
                vec!["comment"],
            ),
            (
                Method::POST,
                format!("{society}/register"),
                registrar,
                json!({ "person_id": ann, "tier": "accredited-leader", "effective": "2025-01-01",
                        "reason": "r\u{0}", "override_prerequisites": { "reason": "\u{0}" } }),
                vec!["override_prerequisites.reason", "reason"],
            ),
            (
                Method::POST,
                format!("{society}/register/BSANZ-0001/status"),
                registrar,
                json!({ "action": "suspend", "effective": "2025-06-01", "reason": "\u{0}", "visibility": "public" }),
                vec!["reason"],
            ),
            (
                Method::POST,
                format!("{society}/register/BSANZ-0001/renewals"),
                registrar,
                json!({ "effective": "2025-06-01", "reason": "\u{0}" }),
                vec!["reason"],
            ),
            (
                Method::POST,
                format!("{society}/applications/{application}/decision"),
                registrar,
                json!({ "decision": "decline", "effective": "2025-06-01", "reason": "\u{0}" }),
                vec!["reason"],
            ),
            (
                Method::POST,
                format!("{society}/people/{ann}/applications"),
                registrar,
                json!({ "tier": "accredited-leader", "note": "\u{0}" }),
                vec!["note"],
            ),
            (
                Method::POST,
                format!("{society}/people/{ann}/overrides"),
                registrar,
                json!({ "tier": "accredited-leader", "requirement": "x", "kind": "committee_discretion",
                        "effect": "waive", "reason": "\u{0}" }),
                vec!["reason"],
            ),
            (
                Method::POST,
                format!("{society}/pathway/adopt"),
                registrar,
                json!({ "preset": "uk-2016\u{0}" }),
                vec!["preset"],
            ),
            (
                Method::PUT,
                format!("{society}/pathway"),
                registrar,
                document,
                vec!["tiers[0].name"],
            ),
            (
                Method::POST,
                format!("{society}/register/import"),
                registrar,
                json!({ "society": "bsanz", "entries": [{ "registration": "BSANZ-0100",
                    "person": { "family_name": "Abbott\u{0}" }, "history": [] }] }),
                vec!["entries[0].person.family_name"],
            ),
        ];
        for (method, path, token, body, fields) in cases {
            let (status, answer) = app
                .send(app.builder(method.clone(), &path, token).json(&body))
                .await;
            assert_eq!(
                status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{method} {path}: {answer}"
            );
            let named: Vec<&str> = answer["errors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["field"].as_str().unwrap())
                .collect();
            assert_eq!(named, fields, "{method} {path}: {answer}");
            assert!(
                answer["errors"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|p| p["message"] == NUL),
                "{answer}"
            );
        }
        // Nothing of it was stored.
        let (_, people) = app.get(&format!("{society}/people"), registrar).await;
        let text = people.to_string();
        assert!(!text.contains("\\u0000"), "{text}");
        assert_eq!(people["total"], 3);
        // The member's record, and their leading record of the group's session.
        let (_, records) = app.get(&ledger, member).await;
        assert_eq!(records["total"], 2);
        let (_, versions) = app.get(&format!("{society}/pathway/versions"), None).await;
        assert_eq!(versions["total"], 1);
    }
);

e2e_test!(
    async fn a_nul_in_an_uploaded_csv_file_is_422_naming_row_and_column(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        adopt_pathway(&app, &cast).await;
        let upload = |path: String, body: &'static str| {
            app.send(
                app.builder(Method::POST, &path, Some(&cast.registrar.token))
                    .header("content-type", "text/csv")
                    .body(body),
            )
        };
        let (status, answer) = upload(
            format!("{}/bulk", ledger_path("bsanz", &cast.member_person)),
            "kind,date,amount,unit,notes\n\
             participation,2025-03-04,1,sessions,fine\n\
             participation,2025-03-05,1,sessions,not\0fine\n",
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        assert_eq!(
            answer["errors"],
            json!([{ "field": "rows[2].notes", "message": NUL }])
        );
        let (status, answer) = upload(
            "/api/v1/societies/bsanz/register/import".to_owned(),
            "registration,given_name,family_name,effective,action,tier,reason\n\
             BSANZ-0100,A\0nn,Abbott,2024-01-01,grant,accredited-leader,council\n",
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        assert_eq!(
            answer["errors"],
            json!([{ "field": "rows[1].given_name", "message": NUL }])
        );
        let (_, records) = app
            .get(
                &ledger_path("bsanz", &cast.member_person),
                Some(&cast.registrar.token),
            )
            .await;
        assert_eq!(records["total"], 0);
        let (_, register) = app.get("/api/v1/societies/bsanz/register", None).await;
        assert_eq!(register["total"], 0);
    }
);
