//! What the ledger scenarios share: people with logins, recording,
//! attesting, and putting people on the register.

use balint_accredit_api::db;
use balint_core::register::{Grant, Visibility};
use serde_json::Value;

use super::*;

/// `/api/v1/societies/{society}/people/{person}/activities`
pub fn ledger_path(society: &str, person: &str) -> String {
    format!("/api/v1/societies/{society}/people/{person}/activities")
}

/// `/api/v1/societies/{society}/activities/{id}`
pub fn record_path(society: &str, id: &str) -> String {
    format!("/api/v1/societies/{society}/activities/{id}")
}

/// A person of `society` with a member login linked to them.
pub async fn person_with_login(
    app: &TestApp,
    registrar: &Login,
    society: &str,
    name: &str,
) -> (String, Login) {
    let person = app.create_person(registrar, society, name).await;
    let login = app
        .create_user(registrar, society, "member", Some(&person))
        .await;
    (person, login)
}

/// Record `body` on `person`'s ledger as `token`; panics unless created.
pub async fn record(app: &TestApp, token: &str, society: &str, person: &str, body: Value) -> Value {
    let (status, answer) = app
        .post_json(&ledger_path(society, person), Some(token), &body)
        .await;
    assert_eq!(status, StatusCode::CREATED, "recording {body}: {answer}");
    answer
}

/// Confirm (or reject, with a comment) record `id` as `token`.
pub async fn decide(
    app: &TestApp,
    token: Option<&str>,
    society: &str,
    id: &str,
    decision: &str,
) -> (StatusCode, Value) {
    app.post_json(
        &format!("{}/attestation", record_path(society, id)),
        token,
        &json!({ "decision": decision, "comment": format!("{decision}ed by the attestor") }),
    )
    .await
}

/// Put `person` on `society`'s register with `tier` from `effective`, as
/// a granted application would (a further tier when already on it).
pub async fn grant(app: &TestApp, society: &str, person: &str, tier: &str, effective: &str) {
    let database = app.settings.database.clone();
    let (society, person, tier, effective) = (
        society.to_owned(),
        person.to_owned(),
        tier.to_owned(),
        effective.to_owned(),
    );
    tokio::task::spawn_blocking(move || {
        let pool = db::pool(&database);
        let mut conn = pool.get().unwrap();
        db::write(&mut conn, |conn| {
            let society = db::societies::by_slug(conn, &society)?;
            db::register::grant(
                conn,
                &society,
                &person.parse().unwrap(),
                Grant {
                    effective: effective.parse().unwrap(),
                    tier: tier.parse().unwrap(),
                    cycle: None,
                    reason: "council decision".into(),
                    visibility: Visibility::Public,
                },
                None,
                db::now(),
            )?;
            Ok(())
        })
        .unwrap();
    })
    .await
    .unwrap();
}

/// Adopt the BSANZ preset as the society's pathway.
pub async fn adopt_bsanz(app: &TestApp, registrar: &Login) {
    let (status, body) = app
        .post_json(
            "/api/v1/societies/bsanz/pathway/adopt",
            Some(&registrar.token),
            &json!({ "preset": "bsanz-leader" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "adopting bsanz-leader: {body}");
}
