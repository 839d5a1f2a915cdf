//! The web pages over HTTP: the public register and its privacy, the
//! verification page's words, signing in, CSRF, who may open what, form
//! errors, and a record's way from the form through attestation to the
//! progress bar.

use serde_json::Value;

mod registrar;

use super::applications::{attested, session, supervision, upload_pathway};
use super::ledger_setup::{person_with_login, record};
use super::register::{adopt_pathway, grant, person};
use super::*;

/// A client that shows redirects instead of following them, and keeps no
/// cookies: each test says which cookies it sends.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub(crate) struct Page {
    pub(crate) status: StatusCode,
    pub(crate) location: Option<String>,
    pub(crate) cookies: Vec<String>,
    pub(crate) html: String,
}

pub(crate) async fn read(response: reqwest::Response) -> Page {
    let status = response.status();
    let location = response
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned());
    let cookies = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let html = response.text().await.unwrap();
    Page {
        status,
        location,
        cookies,
        html,
    }
}

pub(crate) async fn open(app: &TestApp, path: &str, cookie: Option<&str>) -> Page {
    let mut request = browser().get(format!("{}{path}", app.base_url));
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    read(request.send().await.unwrap()).await
}

pub(crate) async fn submit(
    app: &TestApp,
    path: &str,
    cookie: Option<&str>,
    form: &[(&str, &str)],
) -> Page {
    let mut request = browser().post(format!("{}{path}", app.base_url)).form(form);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    read(request.send().await.unwrap()).await
}

/// The `name=value` of the cookie `name` set by `page`.
pub(crate) fn cookie_named(page: &Page, name: &str) -> Option<String> {
    page.cookies
        .iter()
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(|c| c.split(';').next().unwrap().to_owned())
}

/// The value of the first hidden CSRF field on the page.
pub(crate) fn csrf_of(html: &str) -> String {
    let start = html.find(r#"name="csrf" value=""#).expect("a CSRF field") + 19;
    html[start..start + 64].to_owned()
}

/// Sign in through the form; returns the session cookie.
pub(crate) async fn sign_in(app: &TestApp, login: &Login) -> String {
    let form = open(app, "/login", None).await;
    let login_cookie = cookie_named(&form, "balint_login_csrf").expect("a sign-in cookie");
    let signed_in = submit(
        app,
        "/login",
        Some(&login_cookie),
        &[
            ("csrf", &csrf_of(&form.html)),
            ("email", &login.email),
            ("password", &login.password),
        ],
    )
    .await;
    assert_eq!(
        signed_in.status,
        StatusCode::SEE_OTHER,
        "{}",
        signed_in.html
    );
    assert_eq!(signed_in.location.as_deref(), Some("/me"));
    let session = signed_in
        .cookies
        .iter()
        .find(|c| c.starts_with("balint_session="))
        .expect("a session cookie");
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/", "Secure"] {
        assert!(session.contains(flag), "{session} lacks {flag}");
    }
    cookie_named(&signed_in, "balint_session").unwrap()
}

async fn status_change(
    app: &TestApp,
    cast: &Cast,
    registration: &str,
    action: &str,
    effective: &str,
    reason: &str,
    visibility: &str,
) {
    let (status, body) = app
        .post_json(
            &format!("/api/v1/societies/bsanz/register/{registration}/status"),
            Some(&cast.registrar.token),
            &json!({ "action": action, "effective": effective, "reason": reason, "visibility": visibility }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{action}: {body}");
}

/// Ann (listed, in Hobart) and Bob (not listed), both accredited; Ann
/// suspended for a confidential reason.
async fn two_leaders(app: &TestApp, cast: &Cast) -> (String, String) {
    adopt_pathway(app, cast).await;
    let ann = person(
        app,
        cast,
        "Ann",
        "Carter",
        json!({ "city": "Hobart", "region": "TAS", "public_listing": true }),
    )
    .await;
    let bob = person(app, cast, "Bob", "Hidden", json!({ "city": "Hobart" })).await;
    let ann_entry: Value = grant(app, cast, &ann, "2024-03-01").await;
    let bob_entry: Value = grant(app, cast, &bob, "2024-03-01").await;
    let ann_number = ann_entry["registration"].as_str().unwrap().to_owned();
    status_change(
        app,
        cast,
        &ann_number,
        "suspend",
        "2025-01-10",
        "a confidential complaint under review",
        "confidential",
    )
    .await;
    (
        ann_number,
        bob_entry["registration"].as_str().unwrap().to_owned(),
    )
}

e2e_test!(
    async fn the_public_sees_only_consenting_people_and_no_confidential_reason(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let (ann, bob) = two_leaders(&app, &cast).await;

        let home = open(&app, "/", None).await;
        assert_eq!(home.status, StatusCode::OK);
        assert!(home.html.contains(r#"href="/societies/bsanz/register""#));

        let register = open(&app, "/societies/bsanz/register", None).await;
        assert_eq!(register.status, StatusCode::OK);
        assert!(register
            .html
            .starts_with("<!DOCTYPE html><html lang=\"en\">"));
        assert!(register.html.contains("Dr Ann Carter"));
        assert!(register.html.contains("Hobart, TAS"));
        assert!(register.html.contains("Suspended"));
        assert!(
            !register.html.contains("Hidden"),
            "an unlisted person is shown"
        );
        assert!(!register.html.contains(&bob));

        let by_place = open(
            &app,
            "/societies/bsanz/register?q=&region=hobart&tier=",
            None,
        )
        .await;
        assert!(by_place.html.contains("Dr Ann Carter"));
        let nobody = open(&app, "/societies/bsanz/register?q=zebedee", None).await;
        assert_eq!(nobody.status, StatusCode::OK);
        assert!(nobody.html.contains("No entries match your search"));
        assert!(!nobody.html.contains("Ann Carter"));

        let entry = open(&app, &format!("/societies/bsanz/register/{ann}"), None).await;
        assert_eq!(entry.status, StatusCode::OK);
        assert!(entry.html.contains("<h1>Dr Ann Carter</h1>"));
        assert!(
            entry.html.contains("council decision"),
            "a public reason is shown"
        );
        assert!(entry.html.contains("Not published"));
        assert!(!entry.html.contains("confidential complaint"));
        assert!(entry.html.contains("datetime=\"2025-01-10\""));
        assert!(entry.html.contains("10 January 2025"));

        // The registrar sees the reason, marked confidential, and the form.
        let registrar = sign_in(&app, &cast.registrar).await;
        let own = open(
            &app,
            &format!("/societies/bsanz/register/{ann}"),
            Some(&registrar),
        )
        .await;
        assert!(own.html.contains("a confidential complaint under review"));
        assert!(own.html.contains("(confidential)"));
        assert!(own.html.contains("Change status"));

        // Unknown and unlisted numbers get the same page.
        let unknown = open(&app, "/societies/bsanz/register/BSANZ-0099", None).await;
        let unlisted = open(&app, &format!("/societies/bsanz/register/{bob}"), None).await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
        assert_eq!(unlisted.status, StatusCode::NOT_FOUND);
        assert_eq!(
            unknown.html.replace("BSANZ-0099", "N"),
            unlisted.html.replace(&bob, "N")
        );
        assert!(!unlisted.html.contains("Hidden"));
        let bob_verified = open(&app, &format!("/verify/bsanz/{bob}"), None).await;
        assert_eq!(bob_verified.status, StatusCode::NOT_FOUND);
        assert!(bob_verified
            .html
            .contains(&format!("{bob} is not on the public register")));
        assert!(!bob_verified.html.contains("There is no"));
    }
);

e2e_test!(
    async fn verification_answers_in_words_before_during_and_after_a_suspension(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let (ann, _) = two_leaders(&app, &cast).await;
        status_change(
            &app,
            &cast,
            &ann,
            "reinstate",
            "2025-06-01",
            "cleared",
            "public",
        )
        .await;

        let words = [
            ("2024-01-01", "On 1 January 2024, BSANZ-0001 (Dr Ann Carter) was not on the register."),
            ("2024-06-01", "On 1 June 2024, BSANZ-0001 (Dr Ann Carter) was an Accredited Leader in good standing."),
            ("2025-02-01", "On 1 February 2025, BSANZ-0001 (Dr Ann Carter) was suspended, and not in good standing."),
            ("2025-07-01", "On 1 July 2025, BSANZ-0001 (Dr Ann Carter) was an Accredited Leader in good standing."),
        ];
        assert_eq!(ann, "BSANZ-0001");
        for (day, sentence) in words {
            let page = open(&app, &format!("/verify/bsanz/{ann}?as_of={day}"), None).await;
            assert_eq!(page.status, StatusCode::OK, "{day}");
            assert!(page.html.contains(sentence), "{day}: {}", page.html);
            let stable = format!("/verify/bsanz/{ann}?as_of={day}");
            assert!(page.html.contains(&stable), "no stable link on {day}");
            assert!(page.html.contains(r#"<label for="as_of">Date"#));
        }

        let unknown = open(&app, "/verify/bsanz/BSANZ-0099?as_of=2025-01-01", None).await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
        assert!(unknown
            .html
            .contains("BSANZ-0099 is not on the public register of Society bsanz."));
        assert!(unknown.html.contains("standing-unknown"));

        let bad_date = open(&app, &format!("/verify/bsanz/{ann}?as_of=yesterday"), None).await;
        assert_eq!(bad_date.status, StatusCode::BAD_REQUEST);
        assert!(bad_date.html.contains("Enter a real date"));
        assert!(bad_date.html.contains(r#"value="yesterday""#));
        for day in ["-262143-01-01", "1899-12-31", "9999-01-01"] {
            let outside = open(&app, &format!("/verify/bsanz/{ann}?as_of={day}"), None).await;
            assert_eq!(outside.status, StatusCode::BAD_REQUEST, "{day}");
            assert!(
                outside
                    .html
                    .contains("Enter a date from 1900-01-01 to 2199-12-31"),
                "{day}: {}",
                outside.html
            );
        }

        let css = app.get_response("/static/style.css", None).await;
        assert_eq!(css.status(), StatusCode::OK);
        assert!(css.text().await.unwrap().contains("@media print"));
    }
);

e2e_test!(
    async fn signing_in_shows_clear_errors_keeps_the_email_and_signs_out(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let form = open(&app, "/login", None).await;
        assert!(form.html.contains(r#"<label for="email">Email</label>"#));
        assert!(form
            .html
            .contains(r#"<label for="password">Password</label>"#));
        assert!(form.html.contains(">Sign in</button>"));
        let login_cookie = cookie_named(&form, "balint_login_csrf").unwrap();
        let csrf = csrf_of(&form.html);

        let wrong = submit(
            &app,
            "/login",
            Some(&login_cookie),
            &[
                ("csrf", &csrf),
                ("email", &cast.member.email),
                ("password", "not the password"),
            ],
        )
        .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert!(wrong.html.contains("There is a problem"));
        assert!(wrong.html.contains("The email or password is not correct"));
        assert!(wrong
            .html
            .contains(&format!(r#"value="{}""#, cast.member.email)));
        assert!(cookie_named(&wrong, "balint_session").is_none());

        // Without the sign-in form's cookie the form is refused.
        let forged = submit(
            &app,
            "/login",
            None,
            &[
                ("csrf", &csrf),
                ("email", &cast.member.email),
                ("password", PASSWORD),
            ],
        )
        .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        assert!(forged.html.contains("This form could not be accepted"));

        let session = sign_in(&app, &cast.member).await;
        let me = open(&app, "/me", Some(&session)).await;
        assert_eq!(me.status, StatusCode::OK);
        assert!(me.html.contains(&cast.member.email));
        assert!(me.html.contains(">Sign out</button>"));
        assert!(me.html.contains(&format!(
            "/societies/bsanz/people/{}/activities",
            cast.member_person
        )));
        assert!(!me.html.contains("Registrar dashboard"));

        let out = submit(
            &app,
            "/logout",
            Some(&session),
            &[("csrf", &csrf_of(&me.html))],
        )
        .await;
        assert_eq!(out.status, StatusCode::SEE_OTHER);
        let after = open(&app, "/me", Some(&session)).await;
        assert_eq!(
            after.status,
            StatusCode::SEE_OTHER,
            "the session still works"
        );
        assert_eq!(after.location.as_deref(), Some("/login?next=/me"));
    }
);

/// The hidden `next` field of the sign-in form.
fn next_of(html: &str) -> String {
    let start = html.find(r#"name="next" value=""#).expect("a next field") + 19;
    let end = html[start..].find('"').unwrap() + start;
    html[start..end].to_owned()
}

e2e_test!(
    async fn signing_in_goes_on_only_to_a_path_of_this_site(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        // As typed into the address bar: `?next=` decoded gives a tab, a
        // newline, a second slash...
        for (query, kept) in [
            ("/%09/evil.example", "/me"),
            ("/%0a/x", "/me"),
            ("/%0d%0aSet-Cookie:%20x=1", "/me"),
            ("//evil.example", "/me"),
            ("/%5Cevil.example", "/me"),
            ("https://evil.example/", "/me"),
            ("%252F%252Fevil.example", "/me"),
            (
                "/societies/bsanz/register%3Fq%3Da%2520b",
                "/societies/bsanz/register?q=a%20b",
            ),
        ] {
            let form = open(&app, &format!("/login?next={query}"), None).await;
            assert_eq!(form.status, StatusCode::OK, "{query}: {}", form.html);
            assert_eq!(next_of(&form.html), kept, "{query}");
        }
        // As a forged form sends it: whatever `next` says, the answer is a
        // redirect to this site, never a 500.
        let form = open(&app, "/login", None).await;
        let login_cookie = cookie_named(&form, "balint_login_csrf").unwrap();
        let csrf = csrf_of(&form.html);
        let long = format!("/{}", "a".repeat(5000));
        for (next, expected) in [
            ("/\t/evil.example", "/me"),
            ("/\n/x", "/me"),
            ("/\r\nSet-Cookie: x=1", "/me"),
            ("/\\evil.example", "/me"),
            (long.as_str(), "/me"),
            ("/societies/bsanz/register", "/societies/bsanz/register"),
        ] {
            let signed_in = submit(
                &app,
                "/login",
                Some(&login_cookie),
                &[
                    ("csrf", &csrf),
                    ("email", &cast.member.email),
                    ("password", &cast.member.password),
                    ("next", next),
                ],
            )
            .await;
            assert_eq!(signed_in.status, StatusCode::SEE_OTHER, "{next:?}");
            assert_eq!(signed_in.location.as_deref(), Some(expected), "{next:?}");
        }
    }
);

e2e_test!(
    async fn forms_without_the_csrf_token_are_refused_and_form_errors_are_listed(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let session = sign_in(&app, &cast.member).await;
        let ledger = format!("/societies/bsanz/people/{}/activities", cast.member_person);

        let forged = submit(
            &app,
            &ledger,
            Some(&session),
            &[
                ("kind", "participation"),
                ("date", "2025-01-01"),
                ("amount", "1"),
                ("unit", "sessions"),
            ],
        )
        .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        assert!(forged.html.contains("This form could not be accepted"));
        let page = open(&app, &ledger, Some(&session)).await;
        assert!(
            page.html.contains("No records yet."),
            "the forged form recorded something"
        );

        let csrf = csrf_of(&page.html);
        let wrong = submit(
            &app,
            &ledger,
            Some(&session),
            &[
                ("csrf", &csrf),
                ("kind", "supervision"),
                ("date", "2025-13-01"),
                ("amount", "lots"),
                ("unit", "sessions"),
                ("notes", "Tuesday group, kept as typed"),
            ],
        )
        .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(wrong.html.contains("There is a problem"));
        assert!(
            wrong
                .html
                .contains(r##"<a href="#date">Date: Must be a date (YYYY-MM-DD)</a>"##),
            "{}",
            wrong.html
        );
        assert!(wrong.html.contains(r##"<a href="#amount">Amount: "##));
        assert!(wrong.html.contains(r#"id="amount-error""#));
        assert!(wrong.html.contains(r#"aria-invalid="true""#));
        assert!(wrong.html.contains("Tuesday group, kept as typed"));
        assert!(wrong.html.contains(r#"value="lots""#));

        // Another society's member's ledger is not there, as far as they
        // can tell; another member's of their own is not theirs to see.
        let other = open(
            &app,
            &format!(
                "/societies/dbg/people/{}/activities",
                cast.other_member_person
            ),
            Some(&session),
        )
        .await;
        assert_eq!(other.status, StatusCode::NOT_FOUND);
        assert!(other.html.contains("We could not find this page."));
        let not_theirs = open(
            &app,
            &format!(
                "/societies/bsanz/people/{}/activities",
                cast.other_member_person
            ),
            Some(&session),
        )
        .await;
        assert_eq!(not_theirs.status, StatusCode::FORBIDDEN);
    }
);

e2e_test!(
    async fn only_the_registrar_opens_the_dashboard(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let anonymous = open(&app, "/societies/bsanz/dashboard", None).await;
        assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
        assert_eq!(
            anonymous.location.as_deref(),
            Some("/login?next=/societies/bsanz/dashboard")
        );

        let member = sign_in(&app, &cast.member).await;
        let refused = open(&app, "/societies/bsanz/dashboard", Some(&member)).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert!(refused.html.contains("<h1>Not allowed</h1>"));

        let other = sign_in(&app, &cast.other_registrar).await;
        let elsewhere = open(&app, "/societies/bsanz/dashboard", Some(&other)).await;
        assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);
        assert!(elsewhere.html.contains("<h1>Not found</h1>"));

        let registrar = sign_in(&app, &cast.registrar).await;
        let empty = open(&app, "/societies/bsanz/dashboard", Some(&registrar)).await;
        assert_eq!(empty.status, StatusCode::OK);
        assert!(empty
            .html
            .contains("<h1>Registrar dashboard: Society bsanz</h1>"));
        assert!(empty.html.contains("No application is waiting."));
        assert!(empty
            .html
            .contains("No entry is due for renewal in the next 90 days."));

        // An application waiting, and a leader whose 12-month cycle ends
        // within 90 days.
        adopt_pathway(&app, &cast).await;
        let (status, applied) = app
            .post_json(
                &format!("/api/v1/societies/bsanz/people/{}/applications", cast.member_person),
                Some(&cast.registrar.token),
                &json!({ "tier": "accredited-leader", "override": { "reason": "Recognition of prior learning" } }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{applied}");
        let eve = person(&app, &cast, "Eve", "Renewal", json!({})).await;
        let eleven_months_ago =
            (chrono::Utc::now().date_naive() - chrono::Duration::days(330)).to_string();
        let granted = grant(&app, &cast, &eve, &eleven_months_ago).await;
        let registration = granted["registration"].as_str().unwrap();

        let dashboard = open(&app, "/societies/bsanz/dashboard", Some(&registrar)).await;
        assert_eq!(dashboard.status, StatusCode::OK);
        let html = &dashboard.html;
        let waiting = &html
            [html.find("Applications waiting").unwrap()..html.find("Due for renewal").unwrap()];
        assert!(waiting.contains(&format!(
            "/societies/bsanz/applications/{}",
            applied["id"].as_str().unwrap()
        )));
        assert!(waiting.contains("Accredited Leader"));
        assert!(waiting.contains("Not eligible; override recorded"));
        assert!(waiting.contains("Recognition of prior learning"));
        let due = &html
            [html.find("Due for renewal").unwrap()..html.find("Recent status changes").unwrap()];
        assert!(
            due.contains(&format!("Eve Renewal</a> ({registration})")),
            "{due}"
        );
        let recent =
            &html[html.find("Recent status changes").unwrap()..html.find("Every entry").unwrap()];
        assert!(recent.contains("Dr Eve Renewal"));
        assert!(recent.contains("Grant"));
    }
);

e2e_test!(
    async fn a_registrar_suspends_an_entry_and_the_public_page_shows_it(app: TestApp) {
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
        let csrf = csrf_of(&page.html);
        let status = format!("{entry}/status");

        let forged = submit(
            &app,
            &status,
            Some(&registrar),
            &[
                ("action", "suspend"),
                ("effective", "2025-01-10"),
                ("reason", "x"),
                ("public", "yes"),
            ],
        )
        .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);

        let no_reason = submit(
            &app,
            &status,
            Some(&registrar),
            &[
                ("csrf", &csrf),
                ("action", "suspend"),
                ("effective", "2025-01-10"),
                ("reason", " "),
            ],
        )
        .await;
        assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(no_reason
            .html
            .contains(r##"<a href="#reason">Reason: Say why the status changes</a>"##));

        for day in ["-262143-01-01", "9999-01-10"] {
            let outside = submit(
                &app,
                &status,
                Some(&registrar),
                &[
                    ("csrf", &csrf),
                    ("action", "suspend"),
                    ("effective", day),
                    ("reason", "x"),
                ],
            )
            .await;
            assert_eq!(outside.status, StatusCode::UNPROCESSABLE_ENTITY, "{day}");
            assert!(
                outside.html.contains(
                    r##"<a href="#effective">Effective date: Enter a date from 1900-01-01 to 2199-12-31</a>"##
                ),
                "{day}: {}",
                outside.html
            );
        }

        let illegal = submit(
            &app,
            &status,
            Some(&registrar),
            &[
                ("csrf", &csrf),
                ("action", "reinstate"),
                ("effective", "2025-01-10"),
                ("reason", "oops"),
            ],
        )
        .await;
        assert_eq!(illegal.status, StatusCode::CONFLICT);
        assert!(illegal
            .html
            .contains("only a suspension is ended by reinstatement"));

        let done = submit(
            &app,
            &status,
            Some(&registrar),
            &[
                ("csrf", &csrf),
                ("action", "suspend"),
                ("effective", "2025-01-10"),
                ("reason", "practising conditions under review"),
                ("public", "yes"),
            ],
        )
        .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);

        let public = open(&app, entry, None).await;
        assert!(public
            .html
            .contains(r#"<span class="status status-suspended">Suspended</span>"#));
        assert!(public.html.contains("practising conditions under review"));

        // A member is no registrar: the same form is refused.
        let member = sign_in(&app, &cast.member).await;
        let member_page = open(&app, "/me", Some(&member)).await;
        let refused = submit(
            &app,
            &status,
            Some(&member),
            &[
                ("csrf", &csrf_of(&member_page.html)),
                ("action", "revoke"),
                ("effective", "2025-02-01"),
                ("reason", "x"),
            ],
        )
        .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
    }
);

e2e_test!(
    async fn a_record_goes_from_the_form_through_attestation_to_the_progress_bar(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        adopt_pathway(&app, &cast).await;
        let (leader, leader_login) =
            person_with_login(&app, &cast.registrar, "bsanz", "Leader").await;
        let trainee = sign_in(&app, &cast.member).await;
        let ledger = format!("/societies/bsanz/people/{}/activities", cast.member_person);
        let progress = format!(
            "/societies/bsanz/people/{}/progress?tier=accredited-leader",
            cast.member_person
        );

        let before = open(&app, &progress, Some(&trainee)).await;
        assert_eq!(before.status, StatusCode::OK, "{}", before.html);
        assert!(before.html.contains("0 of 20 sessions"));

        // An unlisted person is never offered to a member, not even one
        // who can attest; once listed, they are.
        let page = open(&app, &ledger, Some(&trainee)).await;
        assert!(!page.html.contains(&format!(r#"<option value="{leader}">"#)));
        list_publicly(&app, &cast, &leader).await;
        let page = open(&app, &ledger, Some(&trainee)).await;
        assert!(page
            .html
            .contains(&format!(r#"<option value="{leader}">Leader</option>"#)));
        let added = submit(
            &app,
            &ledger,
            Some(&trainee),
            &[
                ("csrf", &csrf_of(&page.html)),
                ("kind", "participation"),
                ("date", "2025-03-04"),
                ("amount", "3"),
                ("unit", "sessions"),
                ("delivery", "in_person"),
                ("attestor", &leader),
            ],
        )
        .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.html);
        let listed = open(&app, added.location.as_deref().unwrap(), Some(&trainee)).await;
        assert!(listed.html.contains("The record was added"));
        assert!(listed.html.contains(">Pending</span>"));
        let pending = open(&app, &progress, Some(&trainee)).await;
        assert!(pending.html.contains("would count once attested"));
        assert!(pending.html.contains("0 of 20 sessions"));

        let attestor = sign_in(&app, &leader_login).await;
        let queue = open(&app, "/attestations", Some(&attestor)).await;
        assert_eq!(queue.status, StatusCode::OK);
        assert!(queue.html.contains("Member: Participation"));
        let id_start = queue.html.find(r#"action="/attestations/"#).unwrap() + 22;
        let id = queue.html[id_start..].split('"').next().unwrap().to_owned();
        let decide = format!("/attestations/{id}");
        let csrf = csrf_of(&queue.html);

        let bare_reject = submit(
            &app,
            &decide,
            Some(&attestor),
            &[
                ("csrf", &csrf),
                ("society", "bsanz"),
                ("decision", "reject"),
                ("comment", ""),
            ],
        )
        .await;
        assert_eq!(bare_reject.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bare_reject.html.contains("Say why you reject the record"));

        let confirmed = submit(
            &app,
            &decide,
            Some(&attestor),
            &[
                ("csrf", &csrf),
                ("society", "bsanz"),
                ("decision", "confirm"),
                ("comment", ""),
            ],
        )
        .await;
        assert_eq!(
            confirmed.status,
            StatusCode::SEE_OTHER,
            "{}",
            confirmed.html
        );
        let emptied = open(&app, "/attestations?decided=confirm", Some(&attestor)).await;
        assert!(emptied.html.contains("The record was confirmed."));
        assert!(emptied.html.contains("Nothing is waiting for you."));

        // The trainee cannot attest their own record, even by forging the form.
        let own = submit(
            &app,
            &decide,
            Some(&trainee),
            &[
                ("csrf", &csrf_of(&listed.html)),
                ("society", "bsanz"),
                ("decision", "confirm"),
            ],
        )
        .await;
        assert_eq!(own.status, StatusCode::FORBIDDEN);

        let after = open(&app, &progress, Some(&trainee)).await;
        assert!(after.html.contains("3 of 20 sessions"), "{}", after.html);
        assert!(after.html.contains(r#"max="20" value="3""#));
        let confirmed_ledger = open(&app, &ledger, Some(&trainee)).await;
        assert!(confirmed_ledger.html.contains(">Confirmed</span>"));
    }
);

e2e_test!(
    async fn progress_and_ledger_name_people_and_tiers_not_their_ids(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        super::ledger_setup::adopt_bsanz(&app, &cast.registrar).await;
        // Not on the register: supervision with him does not count for
        // BSANZ, which asks for an Accredited Leader Trainer.
        let (leader, _) = person_with_login(&app, &cast.registrar, "bsanz", "Okafor").await;
        let registrar = cast.registrar.token.as_str();
        for body in [
            json!({ "kind": "supervision", "date": "2025-03-04", "amount": 1, "unit": "sessions",
                    "attestor": leader, "supervisor": leader }),
            json!({ "kind": "co_leading", "date": "2025-03-05", "amount": 1, "unit": "meetings",
                    "cases": 2, "attestor": leader, "co_leader": leader }),
        ] {
            let recorded =
                super::ledger_setup::record(&app, registrar, "bsanz", &cast.member_person, body)
                    .await;
            let (status, _) = super::ledger_setup::decide(
                &app,
                Some(registrar),
                "bsanz",
                recorded["id"].as_str().unwrap(),
                "confirm",
            )
            .await;
            assert_eq!(status, StatusCode::OK);
        }
        let trainee = sign_in(&app, &cast.member).await;

        let progress = open(
            &app,
            &format!(
                "/societies/bsanz/people/{}/progress?tier=accredited-leader",
                cast.member_person
            ),
            Some(&trainee),
        )
        .await;
        assert_eq!(progress.status, StatusCode::OK, "{}", progress.html);
        assert!(
            progress
                .html
                .contains("supervisor Okafor did not hold Accredited Leader Trainer on that date"),
            "{}",
            progress.html
        );
        assert!(!progress.html.contains(&leader), "{}", progress.html);
        assert!(progress.html.contains("hold Pathway trainee (not held)"));
        assert!(!progress.html.contains("hold pathway"));
        // What counted is unchanged.
        assert!(progress.html.contains("2 of 30 cases"));
        assert!(progress.html.contains("1 of 20 meetings"));

        let ledger = open(
            &app,
            &format!("/societies/bsanz/people/{}/activities", cast.member_person),
            Some(&trainee),
        )
        .await;
        assert_eq!(ledger.status, StatusCode::OK);
        assert!(
            ledger.html.contains("Co-leading with Okafor"),
            "{}",
            ledger.html
        );
        assert!(
            ledger
                .html
                .contains(r#"<td data-label="Attestor">Okafor</td>"#),
            "{}",
            ledger.html
        );
        // The API keeps the ids.
        let (_, progress_api) = app
            .get(
                &format!(
                    "/api/v1/societies/bsanz/people/{}/progress?tier=accredited-leader",
                    cast.member_person
                ),
                Some(&cast.member.token),
            )
            .await;
        assert!(progress_api.to_string().contains(&leader));
    }
);

e2e_test!(
    async fn a_nul_in_a_form_field_is_refused_naming_the_field(app: TestApp) {
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
        let refused = |page: &Page, field: &str| {
            assert_eq!(
                page.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{}",
                page.html
            );
            assert!(
                page.html.contains(&format!(
                    "<li>{field}: must not contain the NUL character (U+0000)</li>"
                )),
                "{}",
                page.html
            );
        };

        let form = open(&app, "/login", None).await;
        let login_cookie = cookie_named(&form, "balint_login_csrf").unwrap();
        let page = submit(
            &app,
            "/login",
            Some(&login_cookie),
            &[
                ("csrf", &csrf_of(&form.html)),
                ("email", &format!("{}\0", cast.member.email)),
                ("password", PASSWORD),
            ],
        )
        .await;
        refused(&page, "email");
        assert!(cookie_named(&page, "balint_session").is_none());

        let registrar = sign_in(&app, &cast.registrar).await;
        let entry = "/societies/bsanz/register/BSANZ-0001";
        let csrf = csrf_of(&open(&app, entry, Some(&registrar)).await.html);
        let page = submit(
            &app,
            &format!("{entry}/status"),
            Some(&registrar),
            &[
                ("csrf", &csrf),
                ("action", "suspend"),
                ("effective", "2025-01-10"),
                ("reason", "under\0review"),
            ],
        )
        .await;
        refused(&page, "reason");

        let member = sign_in(&app, &cast.member).await;
        let ledger = format!("/societies/bsanz/people/{}/activities", cast.member_person);
        let csrf = csrf_of(&open(&app, &ledger, Some(&member)).await.html);
        let page = submit(
            &app,
            &ledger,
            Some(&member),
            &[
                ("csrf", &csrf),
                ("kind", "participation"),
                ("date", "2025-03-04"),
                ("amount", "1"),
                ("unit", "sessions"),
                ("notes", "\0"),
            ],
        )
        .await;
        refused(&page, "notes");

        // Nothing changed.
        let (_, entry) = app
            .get("/api/v1/societies/bsanz/register/BSANZ-0001", None)
            .await;
        assert_eq!(entry["status"], "accredited");
        let (_, records) = app
            .get(
                &format!(
                    "/api/v1/societies/bsanz/people/{}/activities",
                    cast.member_person
                ),
                Some(&cast.member.token),
            )
            .await;
        assert_eq!(records["total"], 0);
    }
);

/// Make `person` consent to the public listing.
async fn list_publicly(app: &TestApp, cast: &Cast, person: &str) {
    let (status, body) = app
        .send(
            app.builder(
                reqwest::Method::PATCH,
                &format!("/api/v1/societies/bsanz/people/{person}"),
                Some(&cast.registrar.token),
            )
            .json(&json!({ "public_listing": true })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// The value of the form field `name` on the page (an input's `value`).
fn value_of(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!(r#"name="{name}" value=""#))? + name.len() + 15;
    Some(html[at..].split('"').next()?.to_owned())
}

e2e_test!(
    async fn a_trainee_applies_from_the_progress_page_and_the_api_shows_the_application(
        app: TestApp,
    ) {
        let cast = Cast::assemble(&app).await;
        upload_pathway(&app, &cast).await;
        let leader = app.create_person(&cast.registrar, "bsanz", "Leader").await;
        let trainee = sign_in(&app, &cast.member).await;
        let base = format!("/societies/bsanz/people/{}", cast.member_person);
        let progress = format!("{base}/progress?tier=accredited-leader");

        // Not eligible: the reasons, and no Apply button.
        let before = open(&app, &progress, Some(&trainee)).await;
        assert_eq!(before.status, StatusCode::OK, "{}", before.html);
        assert!(before.html.contains("so there is no Apply button yet"));
        assert!(before.html.contains("Attend 2 double sessions"));
        assert!(!before
            .html
            .contains(&format!(r#"action="{base}/applications""#)));
        // A form sent anyway is refused with the shortfalls, nothing stored.
        let forced = submit(
            &app,
            &format!("{base}/applications"),
            Some(&trainee),
            &[
                ("csrf", &csrf_of(&before.html)),
                ("tier", "accredited-leader"),
            ],
        )
        .await;
        assert_eq!(forced.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            forced.html.contains("2 more double sessions needed"),
            "{}",
            forced.html
        );

        attested(&app, &cast, session(&leader, "2025-03-04")).await;
        attested(&app, &cast, session(&leader, "2025-04-01")).await;
        attested(&app, &cast, supervision(&leader, "2025-04-15")).await;
        let eligible = open(&app, &progress, Some(&trainee)).await;
        assert!(eligible.html.contains("you are eligible to apply"));
        assert!(eligible
            .html
            .contains(">Apply for Accredited Leader</button>"));
        // What is met folds away.
        assert!(eligible
            .html
            .contains(r#"<details class="requirement-detail">"#));
        let applied = submit(
            &app,
            &format!("{base}/applications"),
            Some(&trainee),
            &[
                ("csrf", &csrf_of(&eligible.html)),
                ("tier", "accredited-leader"),
                ("note", "Two years in the Tuesday group"),
            ],
        )
        .await;
        assert_eq!(applied.status, StatusCode::SEE_OTHER, "{}", applied.html);
        let back = applied.location.unwrap();
        assert!(back.starts_with(&format!("{progress}&applied=")), "{back}");
        let after = open(&app, &back, Some(&trainee)).await;
        assert!(after.html.contains("Your application was sent"));
        assert!(after.html.contains("is pending: the registrar decides it"));
        assert!(!after.html.contains(">Apply for Accredited Leader</button>"));

        // The API shows the same application.
        let (status, list) = app
            .get(
                &format!(
                    "/api/v1/societies/bsanz/people/{}/applications",
                    cast.member_person
                ),
                Some(&cast.member.token),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(list["total"], 1, "{list}");
        let one = &list["items"][0];
        assert_eq!(one["tier"], "accredited-leader");
        assert_eq!(one["status"], "pending");
        assert_eq!(one["basis"], "eligible");
        assert_eq!(one["note"], "Two years in the Tuesday group");
        assert!(back.ends_with(one["id"].as_str().unwrap()));

        // Applying twice is a conflict.
        let again = submit(
            &app,
            &format!("{base}/applications"),
            Some(&trainee),
            &[
                ("csrf", &csrf_of(&after.html)),
                ("tier", "accredited-leader"),
            ],
        )
        .await;
        assert_eq!(again.status, StatusCode::CONFLICT);

        // Only the tiers ahead are offered; My pages shows the application.
        let start = open(&app, &format!("{base}/progress"), Some(&trainee)).await;
        assert!(
            !start.html.contains(r#"<option value="accredited-leader""#),
            "{}",
            start.html
        );
        assert!(start.html.contains(r#"<option value="leader-trainee""#));
        let invitation = open(
            &app,
            &format!("{base}/progress?tier=leader-trainee"),
            Some(&trainee),
        )
        .await;
        assert!(invitation.html.contains("is conferred by invitation"));
        let me = open(&app, "/me", Some(&trainee)).await;
        assert!(me.html.contains("Pending applications"));
        assert!(
            me.html.contains("Accredited Leader, applied for on"),
            "{}",
            me.html
        );
        assert!(me.html.contains("Not on the register yet"));
        assert!(!me.html.contains("My progress towards Accredited Leader"));
    }
);

e2e_test!(
    async fn a_trainee_changes_and_withdraws_a_pending_record_and_downloads_the_ledger(
        app: TestApp,
    ) {
        let cast = Cast::assemble(&app).await;
        adopt_pathway(&app, &cast).await;
        let (leader, _) = person_with_login(&app, &cast.registrar, "bsanz", "Leader").await;
        list_publicly(&app, &cast, &leader).await;
        // An unlisted person with a login, and a listed one without.
        let (hidden, _) = person_with_login(&app, &cast.registrar, "bsanz", "Hiddenlogin").await;
        let nologin = app.create_person(&cast.registrar, "bsanz", "Nologin").await;
        list_publicly(&app, &cast, &nologin).await;
        let member = cast.member.token.as_str();
        let first = record(
            &app,
            member,
            "bsanz",
            &cast.member_person,
            json!({ "kind": "participation", "date": "2025-03-04", "amount": 1,
                    "unit": "sessions", "attestor": leader, "notes": "=HYPERLINK(\"x\")" }),
        )
        .await;
        let second = record(
            &app,
            member,
            "bsanz",
            &cast.member_person,
            json!({ "kind": "participation", "date": "2025-03-11", "amount": 1,
                    "unit": "sessions", "attestor": leader }),
        )
        .await;
        let (first, second) = (
            first["id"].as_str().unwrap().to_owned(),
            second["id"].as_str().unwrap().to_owned(),
        );
        let trainee = sign_in(&app, &cast.member).await;
        let ledger = format!("/societies/bsanz/people/{}/activities", cast.member_person);

        let page = open(&app, &ledger, Some(&trainee)).await;
        assert!(page
            .html
            .contains(&format!(r#"href="{ledger}/{first}/edit""#)));
        assert!(page
            .html
            .contains(&format!(r#"href="{ledger}/{second}/withdraw""#)));
        // Who is offered: those who can attest and are listed.
        assert!(page.html.contains(&format!(r#"<option value="{leader}">"#)));
        assert!(!page.html.contains(&hidden), "an unlisted name is offered");
        assert!(
            !page.html.contains(&nologin),
            "someone who cannot attest is offered"
        );
        let as_registrar = open(&app, &ledger, Some(&sign_in(&app, &cast.registrar).await)).await;
        assert!(as_registrar
            .html
            .contains(&format!(r#"<option value="{hidden}">"#)));

        // Change: the form holds the record; a bad amount is shown, kept,
        // and the summary takes the focus.
        let edit = format!("{ledger}/{first}/edit");
        let form = open(&app, &edit, Some(&trainee)).await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.html);
        assert_eq!(value_of(&form.html, "amount").as_deref(), Some("1"));
        let csrf = csrf_of(&form.html);
        let fields = |amount: &'static str| {
            vec![
                ("csrf", csrf.clone()),
                ("kind", "participation".to_owned()),
                ("date", "2025-03-04".to_owned()),
                ("amount", amount.to_owned()),
                ("unit", "sessions".to_owned()),
                ("delivery", "in_person".to_owned()),
                ("attestor", "Leader".to_owned()),
                ("group", "Tuesday group".to_owned()),
            ]
        };
        let bad = fields("lots");
        let pairs: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let refused = submit(&app, &edit, Some(&trainee), &pairs).await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            refused.html
        );
        assert!(refused.html.contains(r#"tabindex="-1" autofocus"#));
        assert!(refused.html.contains(r#"value="lots""#));
        let good = fields("2");
        let pairs: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let changed = submit(&app, &edit, Some(&trainee), &pairs).await;
        assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.html);
        let (_, stored) = app
            .get(
                &format!("/api/v1/societies/bsanz/activities/{first}"),
                Some(member),
            )
            .await;
        assert_eq!(stored["amount"], 2, "{stored}");
        assert_eq!(stored["group"], "Tuesday group");
        assert_eq!(
            stored["attestor"],
            leader.as_str(),
            "the name was read as the person"
        );
        assert_eq!(stored["notes"], Value::Null, "an emptied field is cleared");

        // Withdraw, after a confirmation.
        let withdraw = format!("{ledger}/{second}/withdraw");
        let confirm = open(&app, &withdraw, Some(&trainee)).await;
        assert_eq!(confirm.status, StatusCode::OK);
        assert!(confirm.html.contains("Yes, withdraw the record"));
        let gone = submit(
            &app,
            &withdraw,
            Some(&trainee),
            &[("csrf", &csrf_of(&confirm.html))],
        )
        .await;
        assert_eq!(gone.status, StatusCode::SEE_OTHER, "{}", gone.html);
        let (status, _) = app
            .get(
                &format!("/api/v1/societies/bsanz/activities/{second}"),
                Some(member),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        // A decided record is not changed.
        super::ledger_setup::decide(
            &app,
            Some(&cast.registrar.token),
            "bsanz",
            &first,
            "confirm",
        )
        .await;
        let decided = open(&app, &edit, Some(&trainee)).await;
        assert_eq!(decided.status, StatusCode::CONFLICT);

        // The CSV is the API's export; the portfolio prints.
        let csv = browser()
            .get(format!("{}{ledger}/export", app.base_url))
            .header("cookie", &trainee)
            .send()
            .await
            .unwrap();
        assert_eq!(csv.status(), StatusCode::OK);
        assert!(csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv"));
        let csv = csv.text().await.unwrap();
        let api = app
            .get_response(&format!("/api/v1{ledger}/export"), Some(member))
            .await
            .text()
            .await
            .unwrap();
        assert_eq!(csv, api);
        assert!(csv.starts_with("id,status,kind,date,amount,unit"));
        let portfolio = open(
            &app,
            &format!("/societies/bsanz/people/{}/portfolio", cast.member_person),
            Some(&trainee),
        )
        .await;
        assert_eq!(portfolio.status, StatusCode::OK);
        assert!(portfolio.html.contains("Portfolio of"));
        assert!(portfolio.html.contains("Tuesday group"));
        assert!(portfolio.html.contains("Not on the register"));
    }
);

e2e_test!(
    async fn an_attestor_reads_each_record_in_full_and_decides_many_at_once(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        adopt_pathway(&app, &cast).await;
        let (leader, leader_login) =
            person_with_login(&app, &cast.registrar, "bsanz", "Leader").await;
        let co = app.create_person(&cast.registrar, "bsanz", "Colead").await;
        let member = cast.member.token.as_str();
        let mut ids = Vec::new();
        for day in 1..=22 {
            let recorded = record(
                &app,
                member,
                "bsanz",
                &cast.member_person,
                json!({ "kind": "co_leading", "date": format!("2025-03-{day:02}"), "amount": 1,
                        "unit": "meetings", "attestor": leader, "co_leader": co,
                        "group": "Tuesday group", "duration_minutes": 90,
                        "notes": format!("Meeting {day}") }),
            )
            .await;
            ids.push(recorded["id"].as_str().unwrap().to_owned());
        }
        let attestor = sign_in(&app, &leader_login).await;
        let me = open(&app, "/me", Some(&attestor)).await;
        assert!(
            me.html.contains("<strong>22 records</strong> waiting"),
            "{}",
            me.html
        );

        let queue = open(&app, "/attestations", Some(&attestor)).await;
        assert_eq!(queue.status, StatusCode::OK);
        assert!(queue.html.contains("<dt>Group</dt><dd>Tuesday group</dd>"));
        assert!(queue.html.contains("<dt>Co-leader</dt><dd>Colead</dd>"));
        assert!(queue.html.contains("<dt>Length</dt><dd>90 minutes</dd>"));
        assert!(queue.html.contains("<dd>Meeting 7</dd>"));
        let csrf = csrf_of(&queue.html);

        // Two rejected at once: one with a reason, one without; the one
        // without stays, ticked, and the other is decided.
        let (with_reason, without) = (&ids[20], &ids[21]);
        let reason_field = format!("comment-{with_reason}");
        let bare_field = format!("comment-{without}");
        let refused = submit(
            &app,
            "/attestations",
            Some(&attestor),
            &[
                ("csrf", &csrf),
                ("pick", with_reason),
                ("pick", without),
                (&reason_field, "I was not there that day"),
                (&bare_field, ""),
                ("decision", "reject"),
            ],
        )
        .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            refused.html
        );
        assert!(refused.html.contains("What became of each record"));
        assert!(
            refused.html.contains("<strong>Rejected</strong>"),
            "{}",
            refused.html
        );
        assert!(refused.html.contains("Say why you reject the record"));
        assert!(refused
            .html
            .contains(&format!(r#"name="pick" value="{without}" checked"#)));
        assert!(!refused.html.contains(&format!(r#"value="{with_reason}""#)));

        // Twenty confirmed at once, each said.
        let mut form: Vec<(&str, &str)> = vec![("csrf", &csrf), ("decision", "confirm")];
        for id in &ids[..20] {
            form.push(("pick", id));
        }
        let confirmed = submit(&app, "/attestations", Some(&attestor), &form).await;
        assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.html);
        assert_eq!(confirmed.html.matches("✓ Confirmed").count(), 20);
        assert!(confirmed.html.contains("1 record waiting"));
        let (_, ledger) = app
            .get(
                &format!(
                    "/api/v1/societies/bsanz/people/{}/activities?status=confirmed",
                    cast.member_person
                ),
                Some(member),
            )
            .await;
        assert_eq!(ledger["total"], 20, "{ledger}");

        // Nothing ticked: said, nothing decided.
        let none = submit(
            &app,
            "/attestations",
            Some(&attestor),
            &[("csrf", &csrf), ("decision", "confirm")],
        )
        .await;
        assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(none.html.contains("Select at least one record"));
    }
);

e2e_test!(
    async fn the_public_register_finds_numbers_explains_statuses_and_answers_unknown_pages(
        app: TestApp,
    ) {
        let cast = Cast::assemble(&app).await;
        let (ann, bob) = two_leaders(&app, &cast).await;
        let cleo = person(
            &app,
            &cast,
            "Cleo",
            "Trainer",
            json!({ "public_listing": true }),
        )
        .await;
        // A pathway with tiers above Accredited Leader.
        super::ledger_setup::adopt_bsanz(&app, &cast.registrar).await;
        for (tier, day) in [
            ("accredited-leader", "2024-03-01"),
            ("accredited-leader-trainer", "2025-03-01"),
        ] {
            super::ledger_setup::grant(&app, "bsanz", &cleo, tier, day).await;
        }
        let (_, listed) = app
            .get("/api/v1/societies/bsanz/register?q=cleo", None)
            .await;
        let cleo_number = listed["items"][0]["registration"]
            .as_str()
            .unwrap()
            .to_owned();

        let register = open(&app, "/societies/bsanz/register", None).await;
        assert!(register.html.contains("What each status means"));
        assert!(register.html.contains("Not in good standing for now"));
        assert!(register.html.contains("Last updated"));
        assert!(register
            .html
            .contains(r#"<label for="registration">Registration number"#));

        // By number: straight to the entry; an unlisted one is "not on the
        // public register", as an unknown one is.
        let found = open(
            &app,
            &format!(
                "/societies/bsanz/register?registration={}",
                ann.to_lowercase()
            ),
            None,
        )
        .await;
        assert_eq!(found.status, StatusCode::SEE_OTHER);
        assert_eq!(
            found.location.as_deref(),
            Some(format!("/societies/bsanz/register/{ann}").as_str())
        );
        let suspended = open(&app, &format!("/societies/bsanz/register/{ann}"), None).await;
        assert!(suspended.html.contains(r#"class="standing standing-not""#));
        assert!(suspended.html.contains("Not in good standing: suspended"));
        assert!(suspended.html.contains("Last updated"));
        let good = open(
            &app,
            &format!("/societies/bsanz/register/{cleo_number}"),
            None,
        )
        .await;
        assert!(good.html.contains(r#"class="standing standing-good""#));
        assert!(good.html.contains("In good standing"));
        let unlisted = open(&app, &format!("/societies/bsanz/register/{bob}"), None).await;
        assert_eq!(unlisted.status, StatusCode::NOT_FOUND);
        assert!(unlisted
            .html
            .contains(&format!("{bob} is not on the public register")));
        assert!(unlisted.html.contains("can exist without being shown here"));
        assert!(!unlisted.html.contains("Hidden"));

        // The tier filter finds the holders of a higher tier too.
        let leaders = open(
            &app,
            "/societies/bsanz/register?tier=accredited-leader",
            None,
        )
        .await;
        assert!(leaders.html.contains("Dr Ann Carter"));
        assert!(leaders.html.contains("Dr Cleo Trainer"), "{}", leaders.html);
        let trainers = open(
            &app,
            "/societies/bsanz/register?tier=accredited-leader-trainer",
            None,
        )
        .await;
        assert!(trainers.html.contains("Dr Cleo Trainer"));
        assert!(!trainers.html.contains("Dr Ann Carter"));

        // An unknown page: a page for a browser, a problem for the API.
        let page = browser()
            .get(format!("{}/no/such/page", app.base_url))
            .header("accept", "text/html,application/xhtml+xml")
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::NOT_FOUND);
        assert!(page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        assert!(page
            .text()
            .await
            .unwrap()
            .contains("We could not find this page."));
        for (path, accept) in [
            ("/api/v1/no/such", "text/html"),
            ("/no/such/page", "application/json"),
        ] {
            let problem = browser()
                .get(format!("{}{path}", app.base_url))
                .header("accept", accept)
                .send()
                .await
                .unwrap();
            assert_eq!(problem.status(), StatusCode::NOT_FOUND, "{path}");
            assert_eq!(
                problem.headers()["content-type"],
                "application/problem+json",
                "{path}"
            );
        }
    }
);

e2e_test!(
    async fn signing_in_over_plain_http_with_a_secure_cookie_says_what_to_do(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let from = |host: &'static str| {
            browser()
                .get(format!("{}/login", app.base_url))
                .header("host", host)
        };
        // A LAN address over plain HTTP: the browser would drop the cookie.
        let lan = read(from("192.168.1.20:8080").send().await.unwrap()).await;
        assert_eq!(lan.status, StatusCode::OK);
        assert!(lan
            .html
            .contains("Signing in will not work at this address"));
        assert!(lan.html.contains("--cookie-secure false"));
        // Browsers keep Secure cookies for localhost: no warning there.
        for host in ["localhost:8080", "127.0.0.2:8080", "[::1]:8080"] {
            let local = read(from(host).send().await.unwrap()).await;
            assert!(!local.html.contains("Signing in will not work"), "{host}");
        }
        let own = open(&app, "/login", None).await;
        assert!(!own.html.contains("Signing in will not work"));

        // The form sent without the cookie the browser dropped: why, not
        // "out of date".
        let sent = read(
            browser()
                .post(format!("{}/login", app.base_url))
                .header("host", "192.168.1.20:8080")
                .form(&[
                    ("csrf", csrf_of(&lan.html).as_str()),
                    ("email", cast.member.email.as_str()),
                    ("password", PASSWORD),
                ])
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(sent.status, StatusCode::FORBIDDEN);
        assert!(
            sent.html.contains("opened over plain HTTP"),
            "{}",
            sent.html
        );
        assert!(!sent.html.contains("This form could not be accepted"));
        assert!(cookie_named(&sent, "balint_session").is_none());
    }
);
