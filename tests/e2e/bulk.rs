//! Bulk uploads to a ledger within bounds: a row limit per upload, one
//! upload per person at a time (also across servers on one PostgreSQL
//! database), and other users still answered while a large one runs.

use std::sync::atomic::{AtomicBool, Ordering};

use super::ledger_setup::*;
use super::*;

/// `rows` participation records attested by `leader`, one a day from the
/// start of 2024.
fn logbook(leader: &str, rows: usize) -> serde_json::Value {
    let first = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    let days: Vec<serde_json::Value> = (0..rows)
        .map(|i| {
            let date = first + chrono::Days::new(u64::try_from(i % 700).unwrap());
            json!({
                "kind": "participation", "date": date.to_string(), "amount": 1,
                "unit": "sessions", "attestor": leader, "group": "Tuesday GP group",
            })
        })
        .collect();
    json!(days)
}

/// A request uploading `body` to `person`'s ledger as `token`.
fn upload(
    app: &TestApp,
    token: &str,
    person: &str,
    body: &serde_json::Value,
) -> reqwest::RequestBuilder {
    app.builder(
        reqwest::Method::POST,
        &format!("{}/bulk", ledger_path("bsanz", person)),
        Some(token),
    )
    .json(body)
}

fn bulk_running() -> serde_json::Value {
    problem(
        409,
        "conflict",
        "Conflict",
        "a bulk upload to this person's ledger is running already; send the next one when it is done",
    )
}

/// How many of `answers` have each status: (201, 409).
fn created_and_refused(answers: &[(StatusCode, serde_json::Value)]) -> (usize, usize) {
    let created = answers
        .iter()
        .filter(|(status, _)| *status == StatusCode::CREATED)
        .count();
    let refused = answers
        .iter()
        .filter(|(status, body)| *status == StatusCode::CONFLICT && *body == bulk_running())
        .count();
    assert_eq!(created + refused, answers.len(), "{answers:?}");
    (created, refused)
}

async fn ledger_total(app: &TestApp, token: &str, person: &str) -> u64 {
    let (status, list) = app.get(&ledger_path("bsanz", person), Some(token)).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list["total"].as_u64().unwrap()
}

e2e_test!(
    async fn an_upload_over_the_row_limit_is_refused_whole(app: TestApp)
    with |settings| settings.bulk_max_rows = 50;
    {
        let cast = Cast::assemble(&app).await;
        let (leader, _) = person_with_login(&app, &cast.registrar, "bsanz", "Leader").await;
        let token = &cast.member.token;
        let (status, body) = app
            .send(upload(&app, token, &cast.member_person, &logbook(&leader, 51)))
            .await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(
            body,
            problem(
                413,
                "too-many-rows",
                "Too many rows",
                "the upload has 51 records; at most 50 are taken at once, so send it in parts"
            )
        );
        assert_eq!(ledger_total(&app, token, &cast.member_person).await, 0);
        let (status, body) = app
            .send(upload(&app, token, &cast.member_person, &logbook(&leader, 50)))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["recorded"], 50);
        assert_eq!(ledger_total(&app, token, &cast.member_person).await, 50);
    }
);

e2e_test!(
    async fn two_uploads_for_one_person_at_once_one_is_refused(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let (leader, _) = person_with_login(&app, &cast.registrar, "bsanz", "Leader").await;
        let book = logbook(&leader, 5000);
        // The member and the registrar, for the same person.
        let answers = app
            .send_all(vec![
                upload(&app, &cast.member.token, &cast.member_person, &book),
                upload(&app, &cast.registrar.token, &cast.member_person, &book),
            ])
            .await;
        assert_eq!(created_and_refused(&answers), (1, 1));
        assert_eq!(
            ledger_total(&app, &cast.member.token, &cast.member_person).await,
            5000
        );
        // Once it is done, the next one is taken.
        let (status, body) = app
            .send(upload(
                &app,
                &cast.member.token,
                &cast.member_person,
                &logbook(&leader, 3),
            ))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
);

e2e_test!(
    async fn while_a_large_upload_runs_other_users_are_answered(app: TestApp) {
        let cast = Cast::assemble(&app).await;
        let (leader, _) = person_with_login(&app, &cast.registrar, "bsanz", "Leader").await;
        let book = logbook(&leader, 10_000);
        // The member sends the same large logbook four times at once: as
        // many as the server has database connections in these tests.
        let uploads = (0..4)
            .map(|_| upload(&app, &cast.member.token, &cast.member_person, &book))
            .collect();
        let done = AtomicBool::new(false);
        let uploading = async {
            let answers = app.send_all(uploads).await;
            done.store(true, Ordering::SeqCst);
            answers
        };
        // Meanwhile the other society's people go about their business.
        let others = async {
            let mut answered = 0;
            while !done.load(Ordering::SeqCst) {
                for (path, token) in [
                    ("/api/v1/auth/me", &cast.other_registrar.token),
                    ("/api/v1/societies/dbg/people", &cast.other_registrar.token),
                    (
                        &*ledger_path("dbg", &cast.other_member_person),
                        &cast.other_member.token,
                    ),
                ] {
                    let (status, body) = app.get(path, Some(token)).await;
                    assert_eq!(status, StatusCode::OK, "{path} during the uploads: {body}");
                    answered += 1;
                }
            }
            answered
        };
        let (answers, answered) = tokio::join!(uploading, others);
        assert!(answered > 0);
        assert_eq!(created_and_refused(&answers), (1, 3));
        assert_eq!(
            ledger_total(&app, &cast.member.token, &cast.member_person).await,
            10_000
        );
    }
);

// Two servers on one PostgreSQL database: the second upload is refused by
// the database's lock, not by either server's memory.
#[tokio::test]
async fn two_servers_take_one_upload_per_person_at_a_time() {
    let first = TestApp::spawn(Backend::Postgres).await;
    let second = TestApp::start(first.settings.clone(), Backend::Postgres).await;
    let cast = Cast::assemble(&first).await;
    let (leader, _) = person_with_login(&first, &cast.registrar, "bsanz", "Leader").await;
    let book = logbook(&leader, 10_000);
    let answers = first
        .send_all(vec![
            upload(&first, &cast.member.token, &cast.member_person, &book),
            upload(&second, &cast.member.token, &cast.member_person, &book),
        ])
        .await;
    assert_eq!(created_and_refused(&answers), (1, 1));
    assert_eq!(
        ledger_total(&second, &cast.member.token, &cast.member_person).await,
        10_000
    );
    drop(second);
}
