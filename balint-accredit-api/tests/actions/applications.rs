//! Applying for a tier and the registrar's decision: who may, once, and
//! what a grant puts on the register.

use balint_accredit_api::actions::applications::{
    self, ApplicationRequest, ApplyError, DecideError, DecisionRequest, Named, Outcome,
};
use balint_accredit_api::actions::refusal::Access;
use balint_accredit_api::auth::Caller;
use balint_accredit_api::db::{self, applications::Status};
use balint_accredit_api::ApiError;
use balint_core::register::Visibility;

use crate::fixture::{day, Fixture, SLUG, TRAINEE};

const TIER: &str = "accredited-leader";

/// The registrar applies for the trainee, who is not eligible, by
/// override.
async fn by_override(f: &Fixture) -> Named {
    let request = ApplicationRequest {
        tier: TIER.to_owned(),
        note: Some("  ".to_owned()),
        overriding: Some("  the committee's discretion ".to_owned()),
        conferred: None,
    };
    let applied = applications::apply(
        &f.state,
        &f.registrar,
        SLUG.to_owned(),
        TRAINEE.to_owned(),
        request,
    )
    .await
    .unwrap();
    applied.named
}

fn grant(effective: &str, reason: &str) -> DecisionRequest {
    DecisionRequest {
        outcome: Outcome::Grant,
        effective: day(effective),
        reason: reason.to_owned(),
        visibility: Visibility::Public,
    }
}

async fn decide(
    f: &Fixture,
    who: &Caller,
    named: &Named,
    request: DecisionRequest,
) -> Result<Named, DecideError> {
    applications::decide(
        &f.state,
        who,
        SLUG.to_owned(),
        named.application.id.clone(),
        request,
    )
    .await
    .map(|(_, named)| named)
}

#[actix_web::test]
async fn a_trainee_who_is_not_eligible_is_told_every_shortfall() {
    let f = Fixture::new();
    let request = ApplicationRequest {
        tier: TIER.to_owned(),
        ..ApplicationRequest::default()
    };
    let refused = applications::apply(
        &f.state,
        &f.trainee,
        SLUG.to_owned(),
        TRAINEE.to_owned(),
        request,
    )
    .await;
    let Err(ApplyError::NotEligible {
        tier_name,
        shortfalls,
    }) = &refused
    else {
        panic!("expected not eligible, got {refused:?}");
    };
    assert_eq!(tier_name, "Accredited Leader");
    let count = shortfalls.len();
    let Err(refused) = refused else {
        unreachable!()
    };
    let ApiError::Unprocessable { errors, detail } = ApiError::from(refused) else {
        panic!("expected a 422");
    };
    assert_eq!(
        detail,
        format!("not eligible for Accredited Leader: {count} shortfall(s); the registrar may record an override with a reason")
    );
    assert!(
        errors.iter().all(|e| e.field.starts_with("requirements.")),
        "{errors:?}"
    );
    assert!(errors.len() >= 3, "{errors:?}");
    // Nothing stored, nothing audited.
    assert!(f.audit().is_empty());
}

#[actix_web::test]
async fn only_the_registrar_applies_by_override() {
    let f = Fixture::new();
    let request = ApplicationRequest {
        tier: TIER.to_owned(),
        overriding: Some("please".to_owned()),
        ..ApplicationRequest::default()
    };
    let refused = applications::apply(
        &f.state,
        &f.trainee,
        SLUG.to_owned(),
        TRAINEE.to_owned(),
        request,
    )
    .await;
    assert!(
        matches!(refused, Err(ApplyError::OnlyRegistrar)),
        "{refused:?}"
    );
    let named = by_override(&f).await;
    let application = &named.application;
    assert_eq!(application.status, Status::Pending);
    assert!(!application.eligible);
    assert_eq!(application.basis.as_str(), "override");
    assert_eq!(
        application.basis_reason.as_deref(),
        Some("the committee's discretion")
    );
    assert_eq!(application.note, None);
    assert_eq!(named.tier_name(), "Accredited Leader");
}

#[actix_web::test]
async fn a_grant_puts_the_tier_on_the_register_once() {
    let f = Fixture::new();
    let named = by_override(&f).await;
    let granted = decide(
        &f,
        &f.registrar,
        &named,
        grant("2025-12-31", "council, 12 December"),
    )
    .await
    .unwrap();
    assert_eq!(granted.application.status, Status::Granted);
    let decision = granted.application.decision.unwrap();
    assert_eq!(decision.effective, day("2025-12-31"));
    assert_eq!(decision.decided_by.as_deref(), Some("registrar"));
    let registration = decision.registration.expect("a registration number");
    let mut conn = f.state.pool.get().unwrap();
    let entry = db::register::by_registration(&mut conn, &f.society.id, &registration)
        .unwrap()
        .expect("the entry");
    assert_eq!(entry.entry.person().as_str(), TRAINEE);
    assert!(entry
        .entry
        .holds_tier_on(&TIER.parse().unwrap(), day("2025-12-31")));
    assert!(!entry
        .entry
        .holds_tier_on(&TIER.parse().unwrap(), day("2025-12-30")));
    drop(conn);
    // Decided once: a second decision, a decline too, is refused.
    let again = decide(&f, &f.registrar, &named, grant("2026-01-01", "again")).await;
    let id = &named.application.id;
    assert!(
        matches!(&again, Err(DecideError::AlreadyDecided(which)) if which == id),
        "{again:?}"
    );
    let answer = ApiError::from(again.unwrap_err());
    assert!(
        matches!(&answer, ApiError::Conflict(why) if *why == format!("application {id} has been decided already")),
        "{answer:?}"
    );
    let decline = DecisionRequest {
        outcome: Outcome::Decline,
        ..grant("2026-01-01", "no")
    };
    let again = decide(&f, &f.registrar, &named, decline).await;
    assert!(
        matches!(again, Err(DecideError::AlreadyDecided(_))),
        "{again:?}"
    );
}

#[actix_web::test]
async fn only_the_registrar_decides_and_says_why() {
    let f = Fixture::new();
    let named = by_override(&f).await;
    let by_trainee = decide(&f, &f.trainee, &named, grant("2025-12-31", "me")).await;
    assert!(
        matches!(by_trainee, Err(DecideError::Access(Access::NotRegistrar))),
        "{by_trainee:?}"
    );
    // A login of another society learns nothing of it.
    let outside = decide(&f, &f.stranger, &named, grant("2025-12-31", "us")).await;
    assert!(
        matches!(outside, Err(DecideError::Access(Access::NotInSociety))),
        "{outside:?}"
    );
    let anonymous = decide(&f, &Caller::Anonymous, &named, grant("2025-12-31", "x")).await;
    assert!(
        matches!(anonymous, Err(DecideError::Access(Access::NotSignedIn))),
        "{anonymous:?}"
    );
    for reason in ["", "   ", &"x".repeat(2001)] {
        let refused = decide(&f, &f.registrar, &named, grant("2025-12-31", reason)).await;
        let Err(DecideError::Invalid(errors)) = refused else {
            panic!("expected a refusal, got {refused:?}");
        };
        assert_eq!(errors[0].field, "reason");
    }
    // Still pending: a decline is taken, and puts nothing on the register.
    let decline = DecisionRequest {
        outcome: Outcome::Decline,
        ..grant("2025-12-31", "not yet: more supervision first")
    };
    let declined = decide(&f, &f.registrar, &named, decline).await.unwrap();
    assert_eq!(declined.application.status, Status::Declined);
    assert_eq!(declined.application.decision.unwrap().registration, None);
    let mut conn = f.state.pool.get().unwrap();
    assert!(db::register::by_person(&mut conn, &f.society.id, TRAINEE)
        .unwrap()
        .is_none());
}

#[actix_web::test]
async fn an_unknown_application_is_not_found() {
    let f = Fixture::new();
    let refused = applications::decide(
        &f.state,
        &f.registrar,
        SLUG.to_owned(),
        "no-such-application".to_owned(),
        grant("2025-12-31", "x"),
    )
    .await;
    assert!(
        matches!(&refused, Err(DecideError::NoSuchApplication(id)) if id == "no-such-application"),
        "{refused:?}"
    );
    let answer = ApiError::from(refused.unwrap_err());
    assert_eq!(
        answer.to_string(),
        "application no-such-application not found"
    );
    let elsewhere = applications::decide(
        &f.state,
        &f.registrar,
        "no-such-society".to_owned(),
        "no-such-application".to_owned(),
        grant("2025-12-31", "x"),
    )
    .await;
    assert!(
        matches!(&elsewhere, Err(DecideError::Access(Access::NoSuchSociety(slug))) if slug == "no-such-society"),
        "{elsewhere:?}"
    );
}
