//! Certificates of attendance: issued by the participant (or the
//! registrar) over a period, judged against a CPD scheme, kept as issued
//! under a code anyone can check; the page and the PDF say the same.

use std::process::Command;

use super::ledger_setup::*;
use super::web::{csrf_of, open, sign_in, submit};
use super::*;

fn certificates_path(person: &str) -> String {
    format!("/api/v1/societies/bsanz/people/{person}/certificates")
}

/// Five double sessions (90 minutes each) led by `leader` on `date`.
fn sessions(leader: &str, date: &str, delivery: &str) -> serde_json::Value {
    json!({ "kind": "participation", "date": date, "amount": 5, "unit": "double_sessions",
            "delivery": delivery, "attestor": leader, "group": "Hobart Tuesday group" })
}

/// The member's ledger: 15 double sessions led by Dr Lena Leader, on
/// 2025-01-15 and 2025-07-15 in person and 2025-04-15 online, all
/// confirmed; and one pending record. Returns the leader's login.
async fn attended(app: &TestApp, cast: &Cast) -> Login {
    let (status, leader) = app
        .post_json(
            "/api/v1/societies/bsanz/people",
            Some(&cast.registrar.token),
            &json!({ "title": "Dr", "given_name": "Lena", "family_name": "Leader" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{leader}");
    let leader = leader["id"].as_str().unwrap().to_owned();
    let login = app
        .create_user(&cast.registrar, "bsanz", "member", Some(&leader))
        .await;
    for (date, delivery) in [
        ("2025-01-15", "in_person"),
        ("2025-04-15", "online"),
        ("2025-07-15", "in_person"),
    ] {
        let created = record(
            app,
            &cast.member.token,
            "bsanz",
            &cast.member_person,
            sessions(&leader, date, delivery),
        )
        .await;
        let (status, body) = decide(
            app,
            Some(&login.token),
            "bsanz",
            created["id"].as_str().unwrap(),
            "confirm",
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    record(
        app,
        &cast.member.token,
        "bsanz",
        &cast.member_person,
        sessions(&leader, "2025-08-15", "in_person"),
    )
    .await;
    login
}

/// The text of a PDF, as poppler's `pdftotext` reads it.
fn pdf_text(bytes: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("certificate-{}", short_id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("certificate.pdf");
    std::fs::write(&file, bytes).unwrap();
    let out = Command::new("pdftotext")
        .args(["-layout"])
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext (Debian: poppler-utils) is installed");
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(
        out.status.success(),
        "pdftotext: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

e2e_test!(
    async fn a_participant_certifies_a_period_that_meets_the_scheme_and_anyone_checks_it(
        app: TestApp,
    ) {
        let cast = Cast::assemble(&app).await;
        attended(&app, &cast).await;
        let (status, issued) = app
            .post_json(
                &certificates_path(&cast.member_person),
                Some(&cast.member.token),
                &json!({ "from": "2025-01-01", "to": "2025-12-31",
                         "scheme": "aek-psychosomatic-basic-care" }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{issued}");
        let code = issued["code"].as_str().unwrap().to_owned();
        assert_eq!(code.len(), 29, "{code}");
        assert_eq!(issued["person_name"], "Member");
        assert_eq!(issued["society_name"], "Society bsanz");
        // Ten double sessions in person, five online (the pending one not).
        assert_eq!(
            issued["sessions"],
            json!({ "in_person": 10, "online": 5, "total": 15 })
        );
        assert_eq!(
            issued["hours"],
            json!({ "in_person": 15, "online": 7.5, "total": 22.5 })
        );
        assert_eq!(issued["leaders"], json!(["Dr Lena Leader"]));
        assert_eq!(
            issued["scheme"],
            json!({ "id": "aek-psychosomatic-basic-care",
                    "title": "Basic psychosomatic care (Psychosomatische Grundversorgung): Balint group work",
                    "met": true })
        );
        // 30 hours of 45 minutes, 20 in person, 2025-01-15 to 2025-07-15.
        assert_eq!(issued["assessment"]["achieved"], 30);
        assert_eq!(issued["assessment"]["in_person"], 20);
        assert_eq!(issued["assessment"]["span"]["complete_on"], "2025-07-15");
        assert_eq!(
            issued["assessment"]["not_counted"][0]["reason"]["code"],
            "not_yet_attested"
        );

        // Anyone checks the code, however it is typed.
        for typed in [code.clone(), code.to_lowercase(), code.replace('-', "")] {
            let (status, checked) = app
                .get(&format!("/api/v1/certificates/{typed}"), None)
                .await;
            assert_eq!(status, StatusCode::OK, "{typed}: {checked}");
            assert_eq!(checked["code"], code.as_str());
            assert_eq!(checked["hours"], issued["hours"]);
            assert_eq!(checked["scheme"]["met"], true);
            assert!(checked.get("assessment").is_none());
        }
        // A changed code, or one that is not a code, is not found.
        let last = code.chars().last().unwrap();
        let tampered = format!(
            "{}{}",
            &code[..code.len() - 1],
            if last == '0' { '1' } else { '0' }
        );
        for wrong in [
            tampered.as_str(),
            "not-a-code",
            "0000-0000-0000-0000-0000-0000",
        ] {
            let (status, body) = app
                .get(&format!("/api/v1/certificates/{wrong}"), None)
                .await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{wrong}: {body}");
            assert_eq!(
                body,
                problem(
                    404,
                    "not-found",
                    "Not found",
                    "a certificate with this code not found"
                )
            );
            let page = open(&app, &format!("/certificates/{wrong}"), None).await;
            assert_eq!(page.status, StatusCode::NOT_FOUND);
            assert!(page.html.contains("No such certificate"), "{}", page.html);
        }

        // The public page, to print.
        let page = open(&app, &format!("/certificates/{code}"), None).await;
        assert_eq!(page.status, StatusCode::OK);
        for words in [
            "Certificate of attendance",
            "Member",
            "Dr Lena Leader",
            "Meets Basic psychosomatic care (Psychosomatische Grundversorgung): Balint group work for this period.",
            code.as_str(),
        ] {
            assert!(page.html.contains(words), "{words} in {}", page.html);
        }

        // The PDF says the same, as an independent reader extracts it.
        let response = app
            .get_response(&format!("/certificates/{code}/pdf"), None)
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "application/pdf");
        let text = pdf_text(&response.bytes().await.unwrap());
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        for words in [
            "Society bsanz",
            "Certificate of attendance",
            "In person: 10 sessions, 15 hours",
            "Online: 5 sessions, 7.5 hours",
            "In all: 15 sessions, 22.5 hours",
            "Group leaders: Dr Lena Leader",
            "Meets Basic psychosomatic care (Psychosomatische Grundversorgung): Balint group work for this period.",
            &format!("Verification code {code}"),
        ] {
            assert!(flat.contains(words), "{words:?} in {flat}");
        }
        let response = app
            .get_response(&format!("/certificates/{tampered}/pdf"), None)
            .await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);

        // The person's list, and the registrar's.
        for token in [&cast.member.token, &cast.registrar.token] {
            let (status, list) = app
                .get(&certificates_path(&cast.member_person), Some(token))
                .await;
            assert_eq!(status, StatusCode::OK, "{list}");
            assert_eq!(list["total"], 1);
            assert_eq!(list["items"][0]["code"], code.as_str());
        }
    }
);

e2e_test!(
    async fn a_period_a_day_short_of_six_months_does_not_say_it_meets_the_scheme(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        attended(&app, &cast).await;
        // The registrar issues it for the member.
        let (status, issued) = app
            .post_json(
                &certificates_path(&cast.member_person),
                Some(&cast.registrar.token),
                &json!({ "from": "2025-01-01", "to": "2025-07-14",
                         "scheme": "aek-psychosomatic-basic-care" }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{issued}");
        assert_eq!(issued["sessions"]["total"], 10);
        assert_eq!(issued["scheme"]["met"], false);
        assert_eq!(
            issued["assessment"]["missing"],
            json!([
                "10 more hours needed (20 of 30).",
                "5 more hours in person needed (10 of 15).",
                "The counted hours must span at least 6 months: from 2025-01-15, a counted record on or after 2025-07-15 is needed."
            ])
        );
        let code = issued["code"].as_str().unwrap();
        let page = open(&app, &format!("/certificates/{code}"), None).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.html.contains("Meets"), "{}", page.html);
        let response = app
            .get_response(&format!("/certificates/{code}/pdf"), None)
            .await;
        let text = pdf_text(&response.bytes().await.unwrap());
        assert!(text.contains("In all: 10 sessions, 15 hours"), "{text}");
        assert!(!text.contains("Meets"), "{text}");
    }
);

e2e_test!(
    async fn who_may_issue_and_what_is_refused(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        attended(&app, &cast).await;
        let (_, bystander) = person_with_login(&app, &cast.registrar, "bsanz", "Bystander").await;
        let body = json!({ "from": "2025-01-01", "to": "2025-12-31" });
        let path = certificates_path(&cast.member_person);
        for (who, token, expected) in [
            ("anonymous", None, StatusCode::UNAUTHORIZED),
            (
                "another member",
                Some(bystander.token.as_str()),
                StatusCode::FORBIDDEN,
            ),
            (
                "another society's registrar",
                Some(cast.other_registrar.token.as_str()),
                StatusCode::NOT_FOUND,
            ),
        ] {
            let (status, answer) = app.post_json(&path, token, &body).await;
            assert_eq!(status, expected, "{who}: {answer}");
            let (status, answer) = app.get(&path, token).await;
            assert_eq!(status, expected, "{who} listing: {answer}");
        }
        let token = Some(cast.member.token.as_str());
        let (status, answer) = app
            .post_json(
                &path,
                token,
                &json!({ "from": "2025-12-31", "to": "2025-01-01", "scheme": "nope" }),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        assert_eq!(
            answer["errors"],
            json!([
                { "field": "to", "message": "must not be before the period's first day (from)" },
                { "field": "scheme", "message": "no CPD scheme nope (schemes: aek-psychosomatic-basic-care)" }
            ])
        );
        let (status, answer) = app
            .post_json(
                &path,
                token,
                &json!({ "from": "2024-01-01", "to": "2024-12-31" }),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        assert_eq!(
            answer["errors"][0]["message"],
            "there is no confirmed group attendance in this period to certify"
        );
        let (status, answer) = app
            .post_json(&path, token, &json!({ "from": "2025-01-01" }))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
        // Nothing was issued.
        let (_, list) = app.get(&path, token).await;
        assert_eq!(list["total"], 0);
        // Issuing is in the audit log.
        let (status, _) = app.post_json(&path, token, &body).await;
        assert_eq!(status, StatusCode::CREATED);
        let (_, audit) = app
            .get(
                "/api/v1/societies/bsanz/audit?entity_type=attendance_certificate",
                Some(&cast.registrar.token),
            )
            .await;
        assert_eq!(audit["total"], 1, "{audit}");

        // Erased with the ledger it was made from, for someone who never
        // reached the register: the code is then not found.
        let (_, list) = app.get(&path, token).await;
        let code = list["items"][0]["code"].as_str().unwrap().to_owned();
        let (status, erased) = app
            .post_json(
                &format!(
                    "/api/v1/societies/bsanz/people/{}/erasure",
                    cast.member_person
                ),
                Some(&cast.registrar.token),
                &json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{erased}");
        let (status, _) = app.get(&format!("/api/v1/certificates/{code}"), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
);

e2e_test!(
    async fn the_participant_issues_one_on_their_page(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        attended(&app, &cast).await;
        let session = sign_in(&app, &cast.member).await;
        let here = format!(
            "/societies/bsanz/people/{}/certificates",
            cast.member_person
        );
        let form = open(&app, &here, Some(&session)).await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.html);
        assert!(form.html.contains("None yet."));
        let csrf = csrf_of(&form.html);
        let wrong = submit(
            &app,
            &here,
            Some(&session),
            &[
                ("csrf", &csrf),
                ("from", "2025-13-01"),
                ("to", "2025-12-31"),
                ("scheme", ""),
            ],
        )
        .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            wrong.html.contains("aria-invalid=\"true\""),
            "{}",
            wrong.html
        );
        let done = submit(
            &app,
            &here,
            Some(&session),
            &[
                ("csrf", &csrf),
                ("from", "2025-01-01"),
                ("to", "2025-12-31"),
                ("scheme", "aek-psychosomatic-basic-care"),
            ],
        )
        .await;
        // Sent, then shown: a reload does not issue another.
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
        let location = done.location.unwrap();
        assert!(
            location.starts_with(&format!("{here}?issued=")),
            "{location}"
        );
        let done = open(&app, &location, Some(&session)).await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.html);
        assert!(done.html.contains("Certificate issued."), "{}", done.html);
        assert!(
            done.html.contains("It meets Basic psychosomatic care"),
            "{}",
            done.html
        );
        // The form where anyone checks a code leads to the certificate.
        let (_, list) = app
            .get(
                &certificates_path(&cast.member_person),
                Some(&cast.member.token),
            )
            .await;
        let code = list["items"][0]["code"].as_str().unwrap().to_lowercase();
        let found = open(&app, &format!("/certificates?code={code}"), None).await;
        assert_eq!(found.status, StatusCode::SEE_OTHER);
        assert_eq!(
            found.location.as_deref(),
            Some(format!("/certificates/{}", code.to_uppercase()).as_str())
        );
        let wrong = open(&app, "/certificates?code=abc", None).await;
        assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    }
);

e2e_test!(
    async fn the_cpd_schemes_are_public(app: TestApp) {
        let (status, list) = app.get("/api/v1/cpd-schemes", None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(list["total"], 1);
        assert_eq!(list["items"][0]["id"], "aek-psychosomatic-basic-care");
        assert_eq!(
            list["items"][0]["body"],
            "German medical chambers (Landesärztekammern)"
        );
        let (status, scheme) = app
            .get("/api/v1/cpd-schemes/aek-psychosomatic-basic-care", None)
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(scheme["document"]["minimum"], 30);
        assert_eq!(scheme["document"]["hour_minutes"], 45);
        assert_eq!(scheme["document"]["min_span_months"], 6);
        let (status, _) = app.get("/api/v1/cpd-schemes/nope", None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
);
