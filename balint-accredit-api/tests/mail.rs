//! E-mail through a real SMTP peer, with `balint-accredit serve` run as an
//! operator runs it, on SQLite and on PostgreSQL: a mail server
//! (`aiosmtpd` from PyPI, `tests/webhooks/smtp_server.py`) on 127.0.0.1
//! receives what the server sends. While it is down the messages stay
//! pending and are tried again; once it is up they go. Checked: the
//! headers (sender, reply-to, `List-Unsubscribe` and its one-click post),
//! both parts of multipart/alternative, one digest for the records
//! waiting for an attestor, the unsubscribe link stopping its kind
//! only, and a watchlist's confirmation and alert.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../tests/webhooks/receiver.rs"]
#[allow(dead_code)]
mod receiver;
#[allow(dead_code)]
mod serving;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use serving::{call, Database};

/// The tests' mail server, on `port`, keeping what it receives in `file`;
/// stopped when dropped.
struct MailServer {
    child: Child,
}

impl MailServer {
    fn start(port: u16, file: &std::path::Path) -> Self {
        let mut child = Command::new(receiver::python())
            .arg(receiver::folder().join("smtp_server.py"))
            .arg(port.to_string())
            .arg(file)
            .stdout(Stdio::piped())
            .stdin(Stdio::null())
            .spawn()
            .expect("starting the mail server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("its output"))
            .read_line(&mut line)
            .expect("reading that the mail server is ready");
        assert_eq!(line.trim(), "ready");
        Self { child }
    }
}

impl Drop for MailServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the mail server received, in order.
fn received(file: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Wait (up to a minute) until the mail server received `count` messages.
async fn wait_for(file: &std::path::Path, count: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let got = received(file);
        if got.len() >= count {
            return got;
        }
        assert!(
            Instant::now() < deadline,
            "{} of {count} messages arrived: {got:#?}",
            got.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn get(base: &str, token: &str, path: &str) -> Value {
    call(base, reqwest::Method::GET, path, Some(token), Value::Null).await
}

async fn post(base: &str, token: &str, path: &str, body: Value) -> Value {
    call(base, reqwest::Method::POST, path, Some(token), body).await
}

async fn person(base: &str, token: &str, given: &str, email: &str) -> String {
    post(
        base,
        token,
        "/societies/bsanz/people",
        json!({ "given_name": given, "family_name": "Test", "email": email, "entered_pathway_on": "2022-01-10" }),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn waiting_for(base: &str, token: &str, person: &str, attestor: &str) {
    post(
        base,
        token,
        &format!("/societies/bsanz/people/{person}/activities"),
        json!({ "kind": "participation", "date": "2026-10-04", "amount": 1,
                "unit": "double_sessions", "attestor": attestor }),
    )
    .await;
}

async fn declined(base: &str, token: &str, person: &str) {
    let application = post(
        base,
        token,
        &format!("/societies/bsanz/people/{person}/applications"),
        json!({ "tier": "accredited-leader", "override": { "reason": "committee discretion" } }),
    )
    .await;
    post(
        base,
        token,
        &format!(
            "/societies/bsanz/applications/{}/decision",
            application["id"].as_str().unwrap()
        ),
        json!({ "decision": "decline", "effective": "2026-11-01", "reason": "not yet", "visibility": "confidential" }),
    )
    .await;
}

fn by_kind<'a>(messages: &'a [Value], kind: &str) -> Vec<&'a Value> {
    messages
        .iter()
        .filter(|m| m["headers"]["x-balint-kind"] == kind)
        .collect()
}

async fn through_a_real_mail_server(database: Database) {
    let url = database.url();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let file: PathBuf = std::env::temp_dir().join(format!(
        "balint-mail-{}.jsonl",
        uuid::Uuid::new_v4().simple()
    ));
    let smtp_url = format!("smtp://127.0.0.1:{port}");
    let (server, token) = serving::admin_served(
        &url,
        &[
            ("SMTP_URL", &smtp_url),
            ("SMTP_FROM", "BSANZ register <register@example.org>"),
            ("SMTP_TIMEOUT_SECS", "2"),
            ("MAIL_DIGEST_SECS", "3"),
            ("WEBHOOK_RETRY_SECS", &["1"; 60].join(",")),
        ],
    )
    .await;
    let (base, token) = (server.base.as_str(), token.as_str());
    post(
        base,
        token,
        "/societies",
        json!({ "slug": "bsanz", "name": "BSANZ", "country": "AU" }),
    )
    .await;
    post(
        base,
        token,
        "/societies/bsanz/pathway/adopt",
        json!({ "preset": "uk-2016" }),
    )
    .await;
    call(
        base,
        reqwest::Method::PUT,
        "/societies/bsanz/profile",
        Some(token),
        json!({ "contact_email": "office@bsanz.example" }),
    )
    .await;
    let ann = person(base, token, "Ann", "ann@example.org").await;
    let fay = person(base, token, "Fay", "fay@example.org").await;
    let gil = person(base, token, "Gil", "gil@example.org").await;

    // The mail server is down: the decision is tried, and waits.
    declined(base, token, &fay).await;
    waiting_for(base, token, &fay, &ann).await;
    waiting_for(base, token, &fay, &ann).await;
    waiting_for(base, token, &gil, &ann).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let log = get(base, token, "/societies/bsanz/mail?state=pending").await;
        let tried = log["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["kind"] == "application_decision" && m["attempts"].as_i64() >= Some(2));
        if let Some(tried) = tried {
            let result = tried["result"].as_str().unwrap();
            assert!(result.contains("onnect"), "{tried}");
            break;
        }
        assert!(Instant::now() < deadline, "{log}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(received(&file).is_empty());

    // Up: the decision goes, and the digest once its time has come.
    let smtp = MailServer::start(port, &file);
    let got = wait_for(&file, 2).await;
    let decision = by_kind(&got, "application_decision");
    assert_eq!(decision.len(), 1, "{got:#?}");
    let digest = by_kind(&got, "attestation_digest");
    assert_eq!(digest.len(), 1, "one digest for three records: {got:#?}");
    let digest = digest[0];
    assert_eq!(digest["rcpt_tos"], json!(["ann@example.org"]));
    assert_eq!(digest["mail_from"], "register@example.org");
    let headers = &digest["headers"];
    assert_eq!(headers["from"], "BSANZ register <register@example.org>");
    assert_eq!(headers["to"], "ann@example.org");
    assert_eq!(headers["reply-to"], "office@bsanz.example");
    assert_eq!(
        headers["subject"],
        "BSANZ: 3 records waiting for your attestation"
    );
    assert_eq!(
        headers["list-unsubscribe-post"],
        "List-Unsubscribe=One-Click"
    );
    assert_eq!(headers["auto-submitted"], "auto-generated");
    assert_eq!(digest["content_type"], "multipart/alternative");
    assert_eq!(digest["parts"], json!(["text/plain", "text/html"]));
    let text = digest["text"].as_str().unwrap().replace("\r\n", "\n");
    assert!(
        text.contains("- Fay Test: 2 records\n- Gil Test: 1 record\n"),
        "{text}"
    );
    assert!(text.contains("Contact: office@bsanz.example"), "{text}");
    let html = digest["html"].as_str().unwrap();
    assert!(html.contains("Fay Test: 2 records"), "{html}");
    assert!(html.contains("Stop receiving these messages"), "{html}");

    // Fay unsubscribes from decisions, by her mail client's one click on
    // the link in the header.
    let link = decision[0]["headers"]["list-unsubscribe"]
        .as_str()
        .unwrap()
        .trim_matches(|c| c == '<' || c == '>')
        .replace("localhost", "127.0.0.1");
    assert!(
        link.starts_with(&base.replace("localhost", "127.0.0.1")),
        "{link}"
    );
    let answer = reqwest::Client::new()
        .post(&link)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 200);
    // A decision is no longer written to her; a digest still is.
    declined(base, token, &gil).await;
    declined(base, token, &fay).await;
    waiting_for(base, token, &gil, &fay).await;
    wait_for(&file, 4).await;
    // Any fifth would have come by now.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let got = received(&file);
    assert_eq!(got.len(), 4, "{got:#?}");
    let to = |kind: &str| -> Vec<Value> {
        by_kind(&got, kind)
            .iter()
            .map(|m| m["rcpt_tos"][0].clone())
            .collect()
    };
    assert_eq!(
        to("application_decision"),
        vec![json!("fay@example.org"), json!("gil@example.org")]
    );
    assert_eq!(
        to("attestation_digest"),
        vec![json!("ann@example.org"), json!("fay@example.org")]
    );
    let log = get(base, token, "/societies/bsanz/mail?state=sent").await;
    assert_eq!(log["total"], 4, "{log}");
    assert!(
        log["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["result"].as_str().unwrap().starts_with("250")),
        "{log}"
    );

    // A watcher, on the register's public page: the one confirmation
    // through the server, then, once confirmed, the alert of a suspension
    // with its public reason.
    let lea = post(
        base,
        token,
        "/societies/bsanz/people",
        json!({ "given_name": "Lea", "family_name": "Leader", "public_listing": true,
                "email": "lea.private@example.org", "entered_pathway_on": "2022-01-10" }),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let granted = post(
        base,
        token,
        "/societies/bsanz/register",
        json!({ "person_id": lea, "tier": "accredited-leader", "effective": "2025-03-01", "reason": "council" }),
    )
    .await;
    let registration = granted["registration"].as_str().unwrap().to_owned();
    let web = reqwest::Client::new();
    let asked = web
        .post(format!("{base}/societies/bsanz/watch"))
        .form(&[
            ("email", "hr@employer.example"),
            ("registrations", &registration),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status().as_u16(), 200);
    let got = wait_for(&file, 5).await;
    let confirmation = by_kind(&got, "watch_confirmation");
    assert_eq!(confirmation.len(), 1, "{got:#?}");
    assert_eq!(confirmation[0]["rcpt_tos"], json!(["hr@employer.example"]));
    let text = confirmation[0]["text"]
        .as_str()
        .unwrap()
        .replace("\r\n", "\n");
    let link = text
        .lines()
        .find(|l| l.contains("/watch/confirm/"))
        .unwrap_or_else(|| panic!("a confirmation link: {text}"))
        .trim()
        .replace("localhost", "127.0.0.1");
    let confirmed = web.post(&link).send().await.unwrap();
    assert_eq!(confirmed.status().as_u16(), 200);
    post(
        base,
        token,
        &format!("/societies/bsanz/register/{registration}/status"),
        json!({ "action": "suspend", "effective": "2026-03-01",
                "reason": "Supervision requirements not met", "visibility": "public" }),
    )
    .await;
    let got = wait_for(&file, 6).await;
    let alert = by_kind(&got, "watch_alert");
    assert_eq!(alert.len(), 1, "{got:#?}");
    assert_eq!(alert[0]["rcpt_tos"], json!(["hr@employer.example"]));
    assert_eq!(
        alert[0]["headers"]["subject"],
        format!("BSANZ: {registration} (Lea Leader) is now suspended")
    );
    let text = alert[0]["text"].as_str().unwrap().replace("\r\n", "\n");
    assert!(
        text.contains("Reason: Supervision requirements not met\n"),
        "{text}"
    );
    assert!(!text.contains("lea.private@example.org"), "{text}");
    assert!(text.contains("/watch/"), "the manage link: {text}");

    drop(smtp);
    drop(server);
    let _ = std::fs::remove_file(&file);
}

#[tokio::test]
async fn mail_goes_through_a_real_smtp_server_once_it_is_up_sqlite() {
    through_a_real_mail_server(Database::sqlite()).await;
}

#[tokio::test]
async fn mail_goes_through_a_real_smtp_server_once_it_is_up_postgres() {
    through_a_real_mail_server(Database::postgres()).await;
}
