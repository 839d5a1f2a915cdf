//! Recording a record and attesting it: who may, once, and what is kept.

use balint_accredit_api::actions::ledger::{self, AttestError, Attestation, Verdict};
use balint_accredit_api::actions::refusal::Access;
use balint_accredit_api::auth::Caller;
use balint_accredit_api::db::activities::{Status, StoredActivity};
use balint_accredit_api::ledger as records;
use balint_accredit_api::ApiError;
use serde_json::json;

use crate::fixture::{day, Fixture, SLUG, SUPERVISOR, TRAINEE};

/// A supervision session on `date`, recorded by the trainee, naming the
/// supervisor as attestor.
async fn supervision(f: &Fixture, date: &str) -> StoredActivity {
    recorded(f, supervision_fields(date, Some(SUPERVISOR))).await
}

/// The fields of a supervision session with the supervisor on `date`,
/// naming `attestor` (if any).
fn supervision_fields(date: &str, attestor: Option<&str>) -> serde_json::Value {
    let mut fields = json!({
        "kind": "supervision",
        "date": date,
        "amount": 1,
        "unit": "sessions",
        "supervisor": SUPERVISOR,
    });
    if let Some(attestor) = attestor {
        fields["attestor"] = json!(attestor);
    }
    fields
}

/// The record of `fields`, recorded by the trainee on their ledger.
async fn recorded(f: &Fixture, fields: serde_json::Value) -> StoredActivity {
    let (draft, problems) = records::read(fields.as_object().unwrap(), "", day("2026-12-01"));
    ledger::record(
        &f.state,
        &f.trainee,
        SLUG.to_owned(),
        TRAINEE.to_owned(),
        draft,
        problems,
    )
    .await
    .unwrap()
    .stored
}

fn confirm() -> Attestation {
    Attestation {
        verdict: Verdict::Confirm,
        comment: None,
    }
}

async fn attest(
    f: &Fixture,
    who: &Caller,
    record: &StoredActivity,
    attestation: Attestation,
) -> Result<StoredActivity, AttestError> {
    ledger::attest(
        &f.state,
        who,
        SLUG.to_owned(),
        record.activity.id.to_string(),
        attestation,
    )
    .await
    .map(|(slug, decided)| {
        assert_eq!(slug, SLUG);
        decided
    })
}

#[actix_web::test]
async fn a_record_starts_pending_and_is_audited() {
    let f = Fixture::new();
    let record = supervision(&f, "2025-12-31").await;
    assert_eq!(record.status, Status::Pending);
    assert_eq!(record.activity.date, day("2025-12-31"));
    let id = record.activity.id.to_string();
    assert!(f
        .audit()
        .contains(&("activity".to_owned(), id, "create".to_owned())));
}

#[actix_web::test]
async fn a_record_is_refused_with_every_problem_and_nothing_stored() {
    let f = Fixture::new();
    let fields = json!({ "kind": "supervision", "date": "2025-02-30", "amount": -1 });
    let (draft, problems) = records::read(fields.as_object().unwrap(), "", day("2026-12-01"));
    let refused = ledger::record(
        &f.state,
        &f.trainee,
        SLUG.to_owned(),
        TRAINEE.to_owned(),
        draft,
        problems,
    )
    .await;
    let Err(ApiError::Unprocessable { errors, .. }) = refused else {
        panic!("expected a refusal, got {refused:?}");
    };
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert!(fields.contains(&"date"), "{fields:?}");
    assert!(fields.contains(&"amount"), "{fields:?}");
    assert!(fields.contains(&"unit"), "{fields:?}");
    assert!(f.audit().is_empty());
}

#[actix_web::test]
async fn only_a_member_or_the_registrar_records_on_a_ledger() {
    let f = Fixture::new();
    let fields =
        json!({ "kind": "supervision", "date": "2025-03-01", "amount": 1, "unit": "sessions" });
    let read = || records::read(fields.as_object().unwrap(), "", day("2026-12-01"));
    let (draft, problems) = read();
    let by_supervisor = ledger::record(
        &f.state,
        &f.supervisor,
        SLUG.to_owned(),
        TRAINEE.to_owned(),
        draft,
        problems,
    )
    .await;
    assert!(matches!(by_supervisor, Err(ApiError::Forbidden)));
    let (draft, problems) = read();
    let by_registrar = ledger::record(
        &f.state,
        &f.registrar,
        SLUG.to_owned(),
        TRAINEE.to_owned(),
        draft,
        problems,
    )
    .await;
    assert!(by_registrar.is_ok());
}

#[actix_web::test]
async fn the_named_attestor_confirms_once() {
    let f = Fixture::new();
    let record = supervision(&f, "2025-12-31").await;
    let decided = attest(&f, &f.supervisor, &record, confirm()).await.unwrap();
    assert_eq!(decided.status, Status::Confirmed);
    let decision = decided.decision.unwrap();
    assert_eq!(decision.by_user_id.as_deref(), Some("supervisor"));
    assert_eq!(decision.by_person_id.as_deref(), Some(SUPERVISOR));
    let id = record.activity.id.to_string();
    assert!(f
        .audit()
        .contains(&("activity".to_owned(), id, "update".to_owned())));
    // A second decision, by the attestor or the registrar, is refused.
    let again = attest(&f, &f.supervisor, &record, confirm()).await;
    assert!(
        matches!(again, Err(AttestError::AlreadyDecided)),
        "{again:?}"
    );
    // The API answers it as a conflict, in the same words.
    let answer = ApiError::from(again.unwrap_err());
    assert!(
        matches!(&answer, ApiError::Conflict(why) if why == "the record has already been decided (or withdrawn)"),
        "{answer:?}"
    );
    let reject = Attestation {
        verdict: Verdict::Reject,
        comment: Some("not this date".to_owned()),
    };
    let by_registrar = attest(&f, &f.registrar, &record, reject).await;
    assert!(
        matches!(by_registrar, Err(AttestError::AlreadyDecided)),
        "{by_registrar:?}"
    );
}

#[actix_web::test]
async fn the_owner_never_attests_their_own_record() {
    let f = Fixture::new();
    let record = supervision(&f, "2025-03-01").await;
    let own = attest(&f, &f.trainee, &record, confirm()).await;
    assert!(matches!(own, Err(AttestError::OwnRecord)), "{own:?}");
    assert!(matches!(
        ApiError::from(own.unwrap_err()),
        ApiError::Forbidden
    ));
    // Nor may a member the record does not name as its attestor.
    let unattested = recorded(&f, supervision_fields("2025-03-01", None)).await;
    let unnamed = attest(&f, &f.supervisor, &unattested, confirm()).await;
    assert!(
        matches!(unnamed, Err(AttestError::NotAttestor)),
        "{unnamed:?}"
    );
}

#[actix_web::test]
async fn the_registrar_may_attest_in_place_of_the_attestor() {
    let f = Fixture::new();
    let record = supervision(&f, "2025-03-01").await;
    let decided = attest(&f, &f.registrar, &record, confirm()).await.unwrap();
    assert_eq!(decided.status, Status::Confirmed);
    // The registrar is no person of the society.
    assert_eq!(decided.decision.unwrap().by_person_id, None);
}

#[actix_web::test]
async fn a_login_of_another_society_learns_nothing() {
    let f = Fixture::new();
    let record = supervision(&f, "2025-03-01").await;
    let outside = attest(&f, &f.stranger, &record, confirm()).await;
    let Err(refused) = outside else {
        panic!("expected a refusal")
    };
    assert!(
        matches!(refused, AttestError::Access(Access::NotInSociety)),
        "{refused:?}"
    );
    assert!(ApiError::from(refused).is_unknown_resource());
    let anonymous = attest(&f, &Caller::Anonymous, &record, confirm()).await;
    assert!(
        matches!(anonymous, Err(AttestError::Access(Access::NotSignedIn))),
        "{anonymous:?}"
    );
}

#[actix_web::test]
async fn a_rejection_says_why_in_at_most_2000_characters() {
    let f = Fixture::new();
    let record = supervision(&f, "2025-03-01").await;
    for comment in [None, Some("   ".to_owned()), Some("x".repeat(2001))] {
        let refused = attest(
            &f,
            &f.supervisor,
            &record,
            Attestation {
                verdict: Verdict::Reject,
                comment,
            },
        )
        .await;
        let Err(AttestError::Invalid(errors)) = refused else {
            panic!("expected a refusal, got {refused:?}");
        };
        assert_eq!(errors[0].field, "comment");
    }
    // Still pending: nothing was decided.
    let decided = attest(
        &f,
        &f.supervisor,
        &record,
        Attestation {
            verdict: Verdict::Reject,
            comment: Some("x".repeat(2000)),
        },
    )
    .await
    .unwrap();
    assert_eq!(decided.status, Status::Rejected);
}

#[actix_web::test]
async fn the_attestor_sees_what_waits_for_them() {
    let f = Fixture::new();
    let first = supervision(&f, "2025-03-01").await;
    let second = supervision(&f, "2025-04-01").await;
    attest(&f, &f.supervisor, &first, confirm()).await.unwrap();
    let page = balint_accredit_api::pagination::PageRequest {
        page: 1,
        per_page: 25,
    };
    let waiting = ledger::waiting(&f.state, &f.supervisor, Ok((page, Some(Status::Pending))))
        .await
        .unwrap();
    let ids: Vec<String> = waiting
        .page
        .items
        .iter()
        .map(|r| r.activity.id.to_string())
        .collect();
    assert_eq!(ids, [second.activity.id.to_string()]);
    assert_eq!(waiting.slug_of(&waiting.page.items[0]), SLUG);
    // Nobody waits on the trainee.
    let none = ledger::waiting(&f.state, &f.trainee, Ok((page, None)))
        .await
        .unwrap();
    assert_eq!(none.page.total, 0);
}

/// The ledger evaluation reads, as the server keeps it and as the database
/// has it now; and whether the kept one was read again.
fn ledgers_now(
    f: &Fixture,
    before: Option<&std::sync::Arc<Vec<balint_core::ledger::Activity>>>,
) -> bool {
    let mut conn = f.state.pool.get().unwrap();
    let kept = f.state.ledgers.ledger(&mut conn, TRAINEE).unwrap();
    let fresh = balint_accredit_api::db::activities::ledger(&mut conn, TRAINEE).unwrap();
    assert_eq!(*kept, fresh, "the ledger kept is the ledger stored");
    before.is_none_or(|before| !std::sync::Arc::ptr_eq(before, &kept))
}

#[actix_web::test]
async fn a_ledger_kept_for_progress_is_read_again_after_any_write_to_it() {
    use diesel::connection::SimpleConnection;
    let f = Fixture::new();
    let kept = |f: &Fixture| {
        let mut conn = f.state.pool.get().unwrap();
        f.state.ledgers.ledger(&mut conn, TRAINEE).unwrap()
    };
    // Nothing yet; asked twice, read once.
    assert!(ledgers_now(&f, None));
    let empty = kept(&f);
    assert!(
        !ledgers_now(&f, Some(&empty)),
        "read again with nothing written"
    );
    // Recorded through the service.
    let record = supervision(&f, "2025-03-01").await;
    assert!(ledgers_now(&f, Some(&empty)));
    let one = kept(&f);
    // Attested (an update).
    attest(&f, &f.supervisor, &record, confirm()).await.unwrap();
    assert!(ledgers_now(&f, Some(&one)));
    let confirmed = kept(&f);
    assert!(!ledgers_now(&f, Some(&confirmed)));
    // Written by someone else (another server, the command line): seen too.
    let mut conn = f.state.pool.get().unwrap();
    conn.batch_execute(&format!(
        "UPDATE activities SET amount_thousandths = 2000 WHERE id = '{}'",
        record.activity.id
    ))
    .unwrap();
    drop(conn);
    assert!(ledgers_now(&f, Some(&confirmed)));
    let changed = kept(&f);
    let mut conn = f.state.pool.get().unwrap();
    conn.batch_execute("DELETE FROM activities").unwrap();
    drop(conn);
    assert!(ledgers_now(&f, Some(&changed)));
    assert!(kept(&f).is_empty());
}
