//! The registrar's management of logins, called as the logins page and
//! the API call it: disabling, enabling, and one-time password links,
//! including a link that has expired.

use balint_accredit_api::actions::logins;
use balint_accredit_api::actions::register::transfer;
use balint_accredit_api::db::{self, schema::password_resets};
use balint_accredit_api::register_io::{Audience, Format};
use balint_accredit_api::ApiError;
use diesel::prelude::*;

use crate::fixture::{Fixture, SLUG};

#[tokio::test]
async fn a_login_is_disabled_and_enabled_by_its_registrar_only() {
    let f = Fixture::new();
    let (_, listed) = logins::list(&f.state, &f.registrar, SLUG.to_owned())
        .await
        .unwrap();
    let emails: Vec<&str> = listed.iter().map(|l| l.email.as_str()).collect();
    assert_eq!(
        emails,
        [
            "registrar@example.org",
            "supervisor@example.org",
            "trainee@example.org"
        ]
    );
    let refused = logins::set_disabled(
        &f.state,
        &f.trainee,
        SLUG.to_owned(),
        "supervisor".to_owned(),
        true,
    )
    .await
    .unwrap_err();
    assert!(matches!(refused, ApiError::Forbidden), "{refused:?}");
    let own = logins::set_disabled(
        &f.state,
        &f.registrar,
        SLUG.to_owned(),
        "registrar".to_owned(),
        true,
    )
    .await
    .unwrap_err();
    assert!(matches!(own, ApiError::Conflict(_)), "{own:?}");

    let disabled = logins::set_disabled(
        &f.state,
        &f.registrar,
        SLUG.to_owned(),
        "trainee".to_owned(),
        true,
    )
    .await
    .unwrap();
    assert!(disabled.disabled_at.is_some());
    assert_eq!(
        f.audit()[0],
        ("user".to_owned(), "trainee".to_owned(), "update".to_owned())
    );
    let enabled = logins::set_disabled(
        &f.state,
        &f.registrar,
        SLUG.to_owned(),
        "trainee".to_owned(),
        false,
    )
    .await
    .unwrap();
    assert_eq!(enabled.disabled_at, None);
}

#[tokio::test]
async fn a_password_link_works_once_within_its_time_and_keeps_to_the_password_rules() {
    let f = Fixture::new();
    let issued = logins::issue_reset(
        &f.state,
        &f.registrar,
        SLUG.to_owned(),
        "trainee".to_owned(),
    )
    .await
    .unwrap();
    assert_eq!(issued.token.len(), 64);
    assert!(logins::reset_is_open(&f.state, issued.token.clone())
        .await
        .unwrap());
    let short = logins::reset_password(&f.state, issued.token.clone(), "too short".to_owned())
        .await
        .unwrap_err();
    assert!(matches!(short, ApiError::Unprocessable { .. }), "{short:?}");
    logins::reset_password(
        &f.state,
        issued.token.clone(),
        "a long enough passphrase".to_owned(),
    )
    .await
    .unwrap();
    let again = logins::reset_password(
        &f.state,
        issued.token.clone(),
        "a long enough passphrase".to_owned(),
    )
    .await
    .unwrap_err();
    assert!(matches!(again, ApiError::NotFound(_)), "{again:?}");

    // A link past its time is closed.
    let late = logins::issue_reset(
        &f.state,
        &f.registrar,
        SLUG.to_owned(),
        "trainee".to_owned(),
    )
    .await
    .unwrap();
    {
        let mut pooled = f.state.pool.get().unwrap();
        let conn: &mut db::DbConnection = &mut pooled;
        diesel::update(password_resets::table)
            .set(password_resets::expires_at.eq(db::now() - chrono::Duration::minutes(1)))
            .execute(conn)
            .unwrap();
    }
    assert!(!logins::reset_is_open(&f.state, late.token.clone())
        .await
        .unwrap());
    let expired =
        logins::reset_password(&f.state, late.token, "a long enough passphrase".to_owned())
            .await
            .unwrap_err();
    assert!(matches!(expired, ApiError::NotFound(_)), "{expired:?}");
}

#[tokio::test]
async fn the_registrar_exports_the_public_or_the_whole_register_others_only_the_public() {
    let f = Fixture::new();
    let public = transfer::export_for(
        &f.state,
        &f.registrar,
        SLUG.to_owned(),
        Format::Csv,
        Audience::Public,
    )
    .await
    .unwrap();
    assert_eq!(public.audience, Audience::Public);
    let full = transfer::export_for(
        &f.state,
        &f.registrar,
        SLUG.to_owned(),
        Format::Json,
        Audience::Registrar,
    )
    .await
    .unwrap();
    assert_eq!(full.audience, Audience::Registrar);
    let refused = transfer::export_for(
        &f.state,
        &f.trainee,
        SLUG.to_owned(),
        Format::Json,
        Audience::Registrar,
    )
    .await
    .unwrap_err();
    assert!(matches!(refused, ApiError::Forbidden), "{refused:?}");
}
