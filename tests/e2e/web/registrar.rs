//! The registrar's pages over HTTP: people (list, add, change), applications
//! (read the frozen assessment, decide), renewals (due, renew, lapse), the
//! confirmation before a change that cannot be undone, and the dashboard a
//! page at a time. What a page does, the API shows the same.

use chrono::{Months, NaiveDate};

use super::super::register::{adopt_pathway, grant, membership, person};
use super::*;

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

e2e_test!(
    async fn a_revocation_is_confirmed_before_it_is_recorded(app: TestApp) {
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
        grant(&app, &cast, &ann, "2024-03-01").await;
        let entry = "/societies/bsanz/register/BSANZ-0001";
        let registrar = sign_in(&app, &cast.registrar).await;
        let page = open(&app, entry, Some(&registrar)).await;
        // A reason is confidential unless the registrar says otherwise.
        assert!(page
            .html
            .contains(r#"<input type="checkbox" id="public" name="public" value="yes">"#));
        let csrf = csrf_of(&page.html);
        let form = [
            ("csrf", csrf.as_str()),
            ("action", "revoke"),
            ("effective", "2025-01-10"),
            ("reason", "struck off by the medical board"),
        ];

        let asked = submit(&app, &format!("{entry}/status"), Some(&registrar), &form).await;
        assert_eq!(asked.status, StatusCode::OK, "{}", asked.html);
        assert!(asked
            .html
            .contains("Revoke the accreditation of entry BSANZ-0001?"));
        assert!(asked.html.contains("Yes, revoke"));
        assert!(asked.html.contains(r#"name="confirmed" value="yes""#));
        // Nothing changed yet.
        let (_, shown) = app
            .get(
                "/api/v1/societies/bsanz/register/BSANZ-0001",
                Some(&cast.registrar.token),
            )
            .await;
        assert_eq!(shown["status"], "accredited", "{shown}");

        let mut confirmed = form.to_vec();
        confirmed.push(("confirmed", "yes"));
        let done = submit(
            &app,
            &format!("{entry}/status"),
            Some(&registrar),
            &confirmed,
        )
        .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
        let (_, shown) = app
            .get(
                "/api/v1/societies/bsanz/register/BSANZ-0001",
                Some(&cast.registrar.token),
            )
            .await;
        assert_eq!(shown["status"], "revoked", "{shown}");
        // Unticked: the reason stays confidential.
        let public = open(&app, entry, None).await;
        assert!(!public.html.contains("struck off by the medical board"));

        // A suspension needs no second step.
        let bob = person(&app, &cast, "Bob", "Abbott", json!({})).await;
        grant(&app, &cast, &bob, "2024-03-01").await;
        let suspended = submit(
            &app,
            "/societies/bsanz/register/BSANZ-0002/status",
            Some(&registrar),
            &[
                ("csrf", &csrf),
                ("action", "suspend"),
                ("effective", "2025-01-10"),
                ("reason", "under review"),
            ],
        )
        .await;
        assert_eq!(
            suspended.status,
            StatusCode::SEE_OTHER,
            "{}",
            suspended.html
        );
    }
);

e2e_test!(
    async fn a_registrar_adds_finds_and_changes_a_person_in_the_pages(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        adopt_pathway(&app, &cast).await;
        let registrar = sign_in(&app, &cast.registrar).await;
        let list = open(&app, "/societies/bsanz/people", Some(&registrar)).await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.html);
        assert!(list.html.contains(r#"aria-current="page">People</a>"#));
        let csrf = csrf_of(&list.html);

        let form = open(&app, "/societies/bsanz/people/new", Some(&registrar)).await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.html);
        let refused = submit(
            &app,
            "/societies/bsanz/people",
            Some(&registrar),
            &[
                ("csrf", &csrf),
                ("given_name", "Nina"),
                ("email", "not-an-address"),
                ("entered_pathway_on", "2999-01-01"),
            ],
        )
        .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            refused.html
        );
        for problem in [
            r##"<a href="#family_name">Family name: is required</a>"##,
            r##"<a href="#email">Email: must be an email address</a>"##,
            r##"<a href="#entered_pathway_on">Entered the pathway on: must not be in the future</a>"##,
        ] {
            assert!(
                refused.html.contains(problem),
                "{problem}: {}",
                refused.html
            );
        }
        // What was typed is kept.
        assert!(refused.html.contains(r#"value="Nina""#));

        let added = submit(
            &app,
            "/societies/bsanz/people",
            Some(&registrar),
            &[
                ("csrf", &csrf),
                ("title", "Dr"),
                ("given_name", "Nina"),
                ("family_name", "Okafor"),
                ("email", "nina@example.org"),
                ("entered_pathway_on", "2023-02-01"),
                ("public_listing", "yes"),
            ],
        )
        .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.html);
        let location = added.location.unwrap();
        let id = location
            .trim_start_matches("/societies/bsanz/people/")
            .split('?')
            .next()
            .unwrap()
            .to_owned();
        let shown = open(&app, &location, Some(&registrar)).await;
        assert!(shown.html.contains("The person was added."));
        assert!(
            shown.html.contains("<h1>Dr Nina Okafor</h1>"),
            "{}",
            shown.html
        );

        let found = open(&app, "/societies/bsanz/people?q=okaf", Some(&registrar)).await;
        assert!(found.html.contains("Dr Nina Okafor"), "{}", found.html);
        assert!(found.html.contains("1 person match"));
        let none = open(&app, "/societies/bsanz/people?q=zzz", Some(&registrar)).await;
        assert!(none.html.contains("No one's name matches"));

        // Changed in the page, read through the API.
        let changed = submit(
            &app,
            &format!("/societies/bsanz/people/{id}"),
            Some(&registrar),
            &[
                ("csrf", &csrf),
                ("title", ""),
                ("given_name", "Nina"),
                ("family_name", "Okafor-Reid"),
                ("email", "nina@example.org"),
                ("city", "Hobart"),
                ("entered_pathway_on", "2023-02-01"),
            ],
        )
        .await;
        assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.html);
        let (status, record) = app
            .get(
                &format!("/api/v1/societies/bsanz/people/{id}"),
                Some(&cast.registrar.token),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(record["family_name"], "Okafor-Reid");
        assert_eq!(record["city"], "Hobart");
        assert_eq!(record["title"], Value::Null);
        assert_eq!(
            record["public_listing"], false,
            "unticked withdraws consent"
        );

        // A member is no registrar.
        let member = sign_in(&app, &cast.member).await;
        assert_eq!(
            open(&app, "/societies/bsanz/people", Some(&member))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        let member_csrf = csrf_of(&open(&app, "/me", Some(&member)).await.html);
        let refused = submit(
            &app,
            &format!("/societies/bsanz/people/{}", cast.member_person),
            Some(&member),
            &[("csrf", &member_csrf), ("family_name", "Changed")],
        )
        .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let bad_page = open(&app, "/societies/bsanz/people?page=0", Some(&registrar)).await;
        assert_eq!(bad_page.status, StatusCode::BAD_REQUEST);
    }
);

e2e_test!(
    async fn a_registrar_reads_an_application_and_grants_it_in_the_page(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        adopt_pathway(&app, &cast).await;
        let ann = person(&app, &cast, "Ann", "Carter", json!({})).await;
        let (status, applied) = app
            .post_json(
                &format!("/api/v1/societies/bsanz/people/{ann}/applications"),
                Some(&cast.registrar.token),
                &json!({ "tier": "accredited-leader",
                         "override": { "reason": "recognition of prior learning: led groups in Germany" } }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{applied}");
        let id = applied["id"].as_str().unwrap().to_owned();

        let registrar = sign_in(&app, &cast.registrar).await;
        let list = open(&app, "/societies/bsanz/applications", Some(&registrar)).await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.html);
        assert!(
            list.html.contains(&format!(
                r#"<a href="/societies/bsanz/applications/{id}">Ann Carter</a>"#
            )),
            "{}",
            list.html
        );
        let dashboard = open(&app, "/societies/bsanz/dashboard", Some(&registrar)).await;
        assert!(dashboard
            .html
            .contains(&format!("/societies/bsanz/applications/{id}")));

        let page = open(
            &app,
            &format!("/societies/bsanz/applications/{id}"),
            Some(&registrar),
        )
        .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.html);
        assert!(page.html.contains("Not eligible when they applied."));
        assert!(page.html.contains("What was missing"));
        assert!(page.html.contains("recognition of prior learning"));
        let csrf = csrf_of(&page.html);

        let incomplete = submit(
            &app,
            &format!("/societies/bsanz/applications/{id}"),
            Some(&registrar),
            &[
                ("csrf", &csrf),
                ("effective", "2025-02-30"),
                ("reason", " "),
            ],
        )
        .await;
        assert_eq!(incomplete.status, StatusCode::UNPROCESSABLE_ENTITY);
        for problem in [
            r##"<a href="#outcome">Decision: Choose grant or decline</a>"##,
            r##"<a href="#effective">Effective date: Enter a real date, for example 2026-03-03</a>"##,
            r##"<a href="#reason">Reason: Say why</a>"##,
        ] {
            assert!(
                incomplete.html.contains(problem),
                "{problem}: {}",
                incomplete.html
            );
        }

        let granted = submit(
            &app,
            &format!("/societies/bsanz/applications/{id}"),
            Some(&registrar),
            &[
                ("csrf", &csrf),
                ("outcome", "grant"),
                ("effective", "2025-03-01"),
                ("reason", "committee minute 12/2025"),
            ],
        )
        .await;
        assert_eq!(granted.status, StatusCode::SEE_OTHER, "{}", granted.html);
        let shown = open(&app, granted.location.as_deref().unwrap(), Some(&registrar)).await;
        assert!(shown.html.contains("The decision was recorded."));
        assert!(shown.html.contains("BSANZ-0001"));

        // The API tells the same.
        let (_, answer) = app
            .get(
                &format!("/api/v1/societies/bsanz/applications/{id}"),
                Some(&cast.registrar.token),
            )
            .await;
        assert_eq!(answer["status"], "granted", "{answer}");
        assert_eq!(answer["decision"]["registration"], "BSANZ-0001", "{answer}");

        // Once decided, a second decision is a conflict, shown on the page.
        let again = submit(
            &app,
            &format!("/societies/bsanz/applications/{id}"),
            Some(&registrar),
            &[
                ("csrf", &csrf),
                ("outcome", "decline"),
                ("effective", "2025-03-01"),
                ("reason", "x"),
            ],
        )
        .await;
        assert_eq!(again.status, StatusCode::CONFLICT);
        assert!(
            again.html.contains("has been decided already"),
            "{}",
            again.html
        );
    }
);

e2e_test!(
    async fn renewals_due_are_renewed_and_lapsed_from_the_pages(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        adopt_pathway(&app, &cast).await;
        let today = today();
        // A 12-month cycle granted eleven months ago ends within 90 days.
        let granted = today.checked_sub_months(Months::new(11)).unwrap();
        let long_ago = today.checked_sub_months(Months::new(18)).unwrap();
        let ann = person(&app, &cast, "Ann", "Carter", json!({})).await;
        let bob = person(&app, &cast, "Bob", "Abbott", json!({})).await;
        let cy = person(&app, &cast, "Cy", "Young", json!({})).await;
        grant(&app, &cast, &ann, &granted.to_string()).await; // BSANZ-0001
        grant(&app, &cast, &bob, &granted.to_string()).await; // BSANZ-0002
        grant(&app, &cast, &cy, &long_ago.to_string()).await; // BSANZ-0003, past its grace
        membership(&app, &cast, &ann, &today.to_string(), true).await;

        let registrar = sign_in(&app, &cast.registrar).await;
        let list = open(&app, "/societies/bsanz/renewals", Some(&registrar)).await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.html);
        assert!(
            list.html.contains("/societies/bsanz/renewals/BSANZ-0001"),
            "{}",
            list.html
        );
        assert!(list.html.contains("/societies/bsanz/renewals/BSANZ-0002"));
        let csrf = csrf_of(&list.html);

        let form = open(
            &app,
            "/societies/bsanz/renewals/BSANZ-0002",
            Some(&registrar),
        )
        .await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.html);
        // The assessment is shown before anything is renewed.
        assert!(
            form.html.contains("The renewal requirements are not met:"),
            "{}",
            form.html
        );
        let met = open(
            &app,
            "/societies/bsanz/renewals/BSANZ-0001",
            Some(&registrar),
        )
        .await;
        assert!(
            met.html.contains("The renewal requirements are met."),
            "{}",
            met.html
        );
        // Bob kept no membership: the page says what is missing, nothing changes.
        let short = submit(
            &app,
            "/societies/bsanz/renewals/BSANZ-0002",
            Some(&registrar),
            &[
                ("csrf", &csrf),
                ("effective", &today.to_string()),
                ("reason", "annual renewal"),
            ],
        )
        .await;
        assert_eq!(
            short.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            short.html
        );
        assert!(
            short.html.contains("The renewal requirements are not met"),
            "{}",
            short.html
        );
        // By override, with a reason, it goes through.
        let overridden = submit(
            &app,
            "/societies/bsanz/renewals/BSANZ-0002",
            Some(&registrar),
            &[
                ("csrf", &csrf),
                ("effective", &today.to_string()),
                ("reason", "annual renewal"),
                ("override_reason", "membership paid late, receipt seen"),
            ],
        )
        .await;
        assert_eq!(
            overridden.status,
            StatusCode::SEE_OTHER,
            "{}",
            overridden.html
        );
        let renewed = submit(
            &app,
            "/societies/bsanz/renewals/BSANZ-0001",
            Some(&registrar),
            &[
                ("csrf", &csrf),
                ("effective", &today.to_string()),
                ("reason", "annual renewal"),
            ],
        )
        .await;
        assert_eq!(renewed.status, StatusCode::SEE_OTHER, "{}", renewed.html);
        let after = open(&app, renewed.location.as_deref().unwrap(), Some(&registrar)).await;
        assert!(after.html.contains("Entry BSANZ-0001 was renewed."));
        assert!(!after
            .html
            .contains("/societies/bsanz/renewals/BSANZ-0001\""));
        let (_, entry) = app
            .get(
                "/api/v1/societies/bsanz/register/BSANZ-0001",
                Some(&cast.registrar.token),
            )
            .await;
        assert_eq!(entry["history"][1]["action"], "renew", "{entry}");

        let lapsed = submit(
            &app,
            "/societies/bsanz/renewals/lapse",
            Some(&registrar),
            &[("csrf", &csrf)],
        )
        .await;
        assert_eq!(lapsed.status, StatusCode::OK, "{}", lapsed.html);
        assert!(lapsed.html.contains("1 entry lapsed."), "{}", lapsed.html);
        assert!(lapsed.html.contains("BSANZ-0003"));
        let again = submit(
            &app,
            "/societies/bsanz/renewals/lapse",
            Some(&registrar),
            &[("csrf", &csrf)],
        )
        .await;
        assert!(again.html.contains("no entry was past its grace period"));
    }
);

e2e_test!(
    async fn the_dashboard_lists_every_entry_a_page_at_a_time(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        adopt_pathway(&app, &cast).await;
        for i in 0..51 {
            let p = person(&app, &cast, "Leader", &format!("Number{i:02}"), json!({})).await;
            grant(&app, &cast, &p, "2024-03-01").await;
        }
        let registrar = sign_in(&app, &cast.registrar).await;
        let first = open(&app, "/societies/bsanz/dashboard", Some(&registrar)).await;
        assert_eq!(first.status, StatusCode::OK);
        assert!(first.html.contains("Page 1 of 2"));
        // Sorted by name: Number00 to Number49 on the first page, Number50
        // on the second (and in "recent status changes" on both).
        assert!(first.html.contains("Dr Leader Number00</a>"));
        assert_eq!(first.html.matches("Dr Leader Number50</a>").count(), 1);
        let second = open(&app, "/societies/bsanz/dashboard?page=2", Some(&registrar)).await;
        assert!(second.html.contains("Page 2 of 2"));
        assert!(!second.html.contains("Dr Leader Number00</a>"));
        assert_eq!(second.html.matches("Dr Leader Number50</a>").count(), 2);
        // Recent changes: the latest 20, newest first.
        assert_eq!(
            first.html.matches("Grant</td>").count(),
            20,
            "{}",
            first.html
        );
    }
);

e2e_test!(
    async fn a_registrar_records_an_override_on_a_persons_page(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        adopt_pathway(&app, &cast).await;
        let ann = person(&app, &cast, "Ann", "Carter", json!({})).await;
        let registrar = sign_in(&app, &cast.registrar).await;
        let path = format!("/societies/bsanz/people/{ann}");
        let page = open(&app, &path, Some(&registrar)).await;
        assert!(page.html.contains("No override has been recorded."));
        assert!(
            page.html
                .contains(r#"<option value="accredited-leader/co-leading">"#),
            "{}",
            page.html
        );
        let csrf = csrf_of(&page.html);
        let overrides = format!("{path}/overrides");

        let refused = submit(
            &app,
            &overrides,
            Some(&registrar),
            &[
                ("csrf", &csrf),
                ("requirement", "accredited-leader/co-leading"),
                ("amount", "twelve"),
                ("reason", " "),
            ],
        )
        .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            refused.html
        );
        assert!(
            refused
                .html
                .contains(r##"<a href="#amount">Credit: Enter a number"##),
            "{}",
            refused.html
        );
        let no_reason = submit(
            &app,
            &overrides,
            Some(&registrar),
            &[
                ("csrf", &csrf),
                ("requirement", "accredited-leader/co-leading"),
                ("amount", "12"),
                ("reason", " "),
            ],
        )
        .await;
        assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            no_reason
                .html
                .contains(r##"<a href="#override-reason">Reason: Is required</a>"##),
            "{}",
            no_reason.html
        );

        let done = submit(
            &app,
            &overrides,
            Some(&registrar),
            &[
                ("csrf", &csrf),
                ("requirement", "accredited-leader/co-leading"),
                ("kind", "recognition_of_prior_learning"),
                ("amount", "12"),
                ("reason", "co-led 12 sessions in Germany, certificate seen"),
            ],
        )
        .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
        let shown = open(&app, done.location.as_deref().unwrap(), Some(&registrar)).await;
        assert!(shown.html.contains("The override was recorded."));
        assert!(
            shown
                .html
                .contains("Recognition of prior learning: credit 12"),
            "{}",
            shown.html
        );

        // The progress the API gives counts it.
        let (status, progress) = app
            .get(
                &format!("/api/v1/societies/bsanz/people/{ann}/progress?tier=accredited-leader"),
                Some(&cast.registrar.token),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{progress}");
        let co_leading = progress["assessment"]["mandatory"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == "co-leading")
            .unwrap();
        assert_eq!(
            co_leading["overrides"].as_array().unwrap().len(),
            1,
            "{co_leading}"
        );
    }
);

/// A 1×1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

/// The settings form as a browser sends it, with `logo` as its file.
async fn send_settings(
    app: &TestApp,
    cookie: &str,
    fields: &[(&str, &str)],
    logo: Option<&[u8]>,
) -> Page {
    // multipart/form-data written out, as a browser writes it.
    let boundary = "----balint-e2e-boundary";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    let file_name = if logo.is_some() { "logo.png" } else { "" };
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"logo\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(logo.unwrap_or_default());
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let response = browser()
        .post(format!("{}/societies/bsanz/settings", app.base_url))
        .header("cookie", cookie)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    read(response).await
}

e2e_test!(
    async fn a_registrar_sets_the_societys_details_and_logo_shown_on_its_register(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let registrar = sign_in(&app, &cast.registrar).await;
        let page = open(&app, "/societies/bsanz/settings", Some(&registrar)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.html);
        let csrf = csrf_of(&page.html);
        let public = open(&app, "/societies/bsanz/register", None).await;
        assert!(
            !public.html.contains("society-card"),
            "nothing set, nothing shown"
        );

        let refused = send_settings(
            &app,
            &registrar,
            &[
                ("csrf", &csrf),
                ("contact_email", "nope"),
                ("website", "ftp://x"),
            ],
            Some(b"GIF89a not a png"),
        )
        .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            refused.html
        );
        for problem in [
            r##"<a href="#contact_email">Contact email: Must be an email address</a>"##,
            r##"<a href="#website">Website: Must be a web address"##,
            r##"<a href="#logo">Logo: Must be a PNG or JPEG image</a>"##,
        ] {
            assert!(
                refused.html.contains(problem),
                "{problem}: {}",
                refused.html
            );
        }

        let saved = send_settings(
            &app,
            &registrar,
            &[
                ("csrf", &csrf),
                ("contact_email", "registrar@balint.org.au"),
                ("website", "https://balint.org.au"),
                ("phone", "+61 2 9999 0000"),
            ],
            Some(PNG),
        )
        .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.html);
        let logo = browser()
            .get(format!("{}/societies/bsanz/logo", app.base_url))
            .send()
            .await
            .unwrap();
        assert_eq!(logo.status(), StatusCode::OK);
        assert_eq!(logo.headers()["content-type"], "image/png");
        assert_eq!(logo.bytes().await.unwrap().as_ref(), PNG);
        let public = open(&app, "/societies/bsanz/register", None).await;
        assert!(
            public
                .html
                .contains(r#"<a href="mailto:registrar@balint.org.au">"#),
            "{}",
            public.html
        );
        assert!(public.html.contains(r#"src="/societies/bsanz/logo""#));

        // The API tells the same, and sets the text as the page does.
        let (status, profile) = app.get("/api/v1/societies/bsanz/profile", None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(profile["phone"], "+61 2 9999 0000");
        assert_eq!(profile["logo_url"], "/societies/bsanz/logo");
        let (status, changed) = app
            .send(
                app.builder(
                    reqwest::Method::PUT,
                    "/api/v1/societies/bsanz/profile",
                    Some(&cast.registrar.token),
                )
                .json(&json!({ "contact_email": "office@balint.org.au" })),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{changed}");
        assert_eq!(changed["contact_email"], "office@balint.org.au");
        assert_eq!(changed["website"], Value::Null, "a missing field clears it");
        assert_eq!(
            changed["logo_url"], "/societies/bsanz/logo",
            "the logo is kept"
        );
        let (status, _) = app
            .send(
                app.builder(
                    reqwest::Method::PUT,
                    "/api/v1/societies/bsanz/profile",
                    Some(&cast.member.token),
                )
                .json(&json!({})),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        // Removed from the page: no logo any more.
        let removed = send_settings(
            &app,
            &registrar,
            &[("csrf", &csrf), ("remove_logo", "yes")],
            None,
        )
        .await;
        assert_eq!(removed.status, StatusCode::SEE_OTHER, "{}", removed.html);
        let gone = open(&app, "/societies/bsanz/logo", None).await;
        assert_eq!(gone.status, StatusCode::NOT_FOUND);
    }
);

e2e_test!(
    async fn a_registrar_answers_a_data_protection_request_in_the_pages(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        adopt_pathway(&app, &cast).await;
        let nina = person(
            &app,
            &cast,
            "Nina",
            "Okafor",
            json!({ "email": "nina@example.org", "city": "Hobart" }),
        )
        .await;
        let registrar = sign_in(&app, &cast.registrar).await;
        let base = format!("/societies/bsanz/people/{nina}/data");

        let summary = open(&app, &base, Some(&registrar)).await;
        assert_eq!(summary.status, StatusCode::OK, "{}", summary.html);
        assert!(summary.html.contains("Data held about Dr Nina Okafor"));
        assert!(summary.html.contains(r#"<td data-label="Kind of record">people</td><td data-label="Rows about them">1</td>"#), "{}", summary.html);

        // The download is the API's document.
        let download = browser()
            .get(format!("{}{base}/export.json", app.base_url))
            .header("cookie", &registrar)
            .send()
            .await
            .unwrap();
        assert_eq!(download.status(), StatusCode::OK);
        assert!(download.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment"));
        let document: Value = download.json().await.unwrap();
        let (_, api) = app
            .get(
                &format!("/api/v1/societies/bsanz/people/{nina}/data-export"),
                Some(&cast.registrar.token),
            )
            .await;
        assert_eq!(document["tables"]["people"], api["tables"]["people"]);
        assert_eq!(document["person"], api["person"]);

        // Not erased without the box ticked.
        let csrf = csrf_of(&summary.html);
        let unticked = submit(
            &app,
            &format!("{base}/erasure"),
            Some(&registrar),
            &[("csrf", &csrf)],
        )
        .await;
        assert_eq!(unticked.status, StatusCode::SEE_OTHER);
        let (_, record) = app
            .get(
                &format!("/api/v1/societies/bsanz/people/{nina}"),
                Some(&cast.registrar.token),
            )
            .await;
        assert_eq!(record["email"], "nina@example.org");

        let erased = submit(
            &app,
            &format!("{base}/erasure"),
            Some(&registrar),
            &[("csrf", &csrf), ("confirm", "yes")],
        )
        .await;
        assert_eq!(erased.status, StatusCode::SEE_OTHER, "{}", erased.html);
        let after = open(&app, erased.location.as_deref().unwrap(), Some(&registrar)).await;
        assert!(after.html.contains("What the society may erase was erased"));
        let (_, record) = app
            .get(
                &format!("/api/v1/societies/bsanz/people/{nina}"),
                Some(&cast.registrar.token),
            )
            .await;
        assert_eq!(record["email"], Value::Null, "{record}");
        assert_eq!(record["city"], Value::Null, "{record}");

        // A member may not.
        let member = sign_in(&app, &cast.member).await;
        assert_eq!(
            open(&app, &base, Some(&member)).await.status,
            StatusCode::FORBIDDEN
        );
    }
);

e2e_test!(
    async fn a_registrar_sets_how_long_unused_logins_and_ended_sessions_are_kept(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let registrar = sign_in(&app, &cast.registrar).await;
        let settings = open(&app, "/societies/bsanz/settings", Some(&registrar)).await;
        assert!(settings
            .html
            .contains(r#"href="/societies/bsanz/retention""#));
        let page = open(&app, "/societies/bsanz/retention", Some(&registrar)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.html);
        let csrf = csrf_of(&page.html);

        let refused = submit(
            &app,
            "/societies/bsanz/retention",
            Some(&registrar),
            &[
                ("csrf", &csrf),
                ("unused_logins_days", "ninety"),
                ("sessions_days", "0"),
                ("notifications_days", "3651"),
            ],
        )
        .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        for problem in [
            r##"<a href="#unused_logins_days">Logins never used: Must be a whole number of days"##,
            r##"<a href="#sessions_days">Ended sessions: Must be a number of days from 1 to 3650"##,
            r##"<a href="#notifications_days">What was told: Must be a number of days from 1 to 3650"##,
        ] {
            assert!(
                refused.html.contains(problem),
                "{problem}: {}",
                refused.html
            );
        }
        assert!(
            refused.html.contains(r#"value="ninety""#),
            "what was typed stays"
        );

        let saved = submit(
            &app,
            "/societies/bsanz/retention",
            Some(&registrar),
            &[
                ("csrf", &csrf),
                ("unused_logins_days", "90"),
                ("sessions_days", ""),
                ("notifications_days", "365"),
            ],
        )
        .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.html);
        let (_, api) = app
            .get(
                "/api/v1/societies/bsanz/retention",
                Some(&cast.registrar.token),
            )
            .await;
        assert_eq!(api["unused_logins_days"], 90);
        assert_eq!(api["sessions_days"], serde_json::Value::Null);
        assert_eq!(api["notifications_days"], 365);
        let page = open(&app, "/societies/bsanz/retention?saved=1", Some(&registrar)).await;
        assert!(page.html.contains("The periods were saved."));
        assert!(page.html.contains(r#"value="90""#), "{}", page.html);

        // A member is refused, as everywhere on the registrar's pages.
        let member = sign_in(&app, &cast.member).await;
        let page = open(&app, "/societies/bsanz/retention", Some(&member)).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
    }
);
