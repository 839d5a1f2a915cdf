//! Groups and their sessions: who records a session on which day (the
//! last day of a leadership or membership, and the day after), what a
//! session writes and audits in one transaction, corrections, and many
//! decisions at once.

use balint_accredit_api::actions::groups::sessions::{self, SessionInput};
use balint_accredit_api::actions::groups::{self, GroupFields, Joining};
use balint_accredit_api::actions::ledger::{self, AttestError, Attestation, Verdict};
use balint_accredit_api::actions::people;
use balint_accredit_api::db::activities::Status;
use balint_accredit_api::db::groups::{Delivery, LeaderRole, Term};
use balint_accredit_api::ApiError;
use serde_json::json;

use crate::fixture::{day, Fixture, SLUG, SUPERVISOR, TRAINEE};

/// A group led by the supervisor, co-led by the trainee, from 2025-01-01,
/// with one member, Cy; the group's id and Cy's person id.
async fn group(f: &Fixture) -> (String, String) {
    let (_, detail) = groups::create(
        &f.state,
        &f.registrar,
        SLUG.to_owned(),
        GroupFields {
            name: Some("Thursday group".to_owned()),
            term: Some(Term::Ongoing),
            delivery: Some(Delivery::InPerson),
            usual_minutes: Some(90),
            ..GroupFields::default()
        },
    )
    .await
    .unwrap();
    let id = detail.group.id.clone();
    let (_, cy) = people::create(
        &f.state,
        &f.registrar,
        SLUG.to_owned(),
        json!({ "family_name": "Cy" }).as_object().unwrap().clone(),
    )
    .await
    .unwrap();
    for (person, role) in [
        (SUPERVISOR, Some(LeaderRole::Leader)),
        (TRAINEE, Some(LeaderRole::CoLeader)),
        (cy.id.as_str(), None),
    ] {
        groups::join(
            &f.state,
            &f.registrar,
            SLUG.to_owned(),
            id.clone(),
            Joining {
                person: person.to_owned(),
                role,
                from: day("2025-01-01"),
            },
        )
        .await
        .unwrap();
    }
    (id, cy.id)
}

fn meeting(date: &str, attended: &[&str]) -> SessionInput {
    SessionInput {
        date: Some(day(date)),
        attended: Some(attended.iter().map(|s| (*s).to_owned()).collect()),
        cases_presented: Some(2),
        ..SessionInput::default()
    }
}

#[tokio::test]
async fn a_member_is_in_the_group_on_their_last_day_and_not_the_day_after() {
    let f = Fixture::new();
    let (group, cy) = group(&f).await;
    let (_, detail) = groups::one(&f.state, &f.registrar, SLUG.to_owned(), group.clone())
        .await
        .unwrap();
    let membership = detail.members[0].id.clone();
    groups::end(
        &f.state,
        &f.registrar,
        SLUG.to_owned(),
        group.clone(),
        membership,
        day("2025-03-06"),
        false,
    )
    .await
    .unwrap();
    let refused = sessions::record(
        &f.state,
        &f.supervisor,
        SLUG.to_owned(),
        group.clone(),
        meeting("2025-03-07", &[&cy]),
    )
    .await
    .unwrap_err();
    match refused {
        ApiError::Unprocessable { errors, .. } => {
            assert_eq!(errors[0].field, "attended[0]");
            assert!(errors[0].message.contains("not a member"), "{errors:?}");
        }
        other => panic!("{other:?}"),
    }
    let (_, _, recorded) = sessions::record(
        &f.state,
        &f.supervisor,
        SLUG.to_owned(),
        group,
        meeting("2025-03-06", &[&cy]),
    )
    .await
    .unwrap();
    assert_eq!(recorded.records.len(), 3);
}

#[tokio::test]
async fn a_leader_records_up_to_their_last_day_and_not_the_day_after() {
    let f = Fixture::new();
    let (group, cy) = group(&f).await;
    let (_, detail) = groups::one(&f.state, &f.registrar, SLUG.to_owned(), group.clone())
        .await
        .unwrap();
    let trainee = detail
        .leaders
        .iter()
        .find(|l| l.person_id == TRAINEE)
        .unwrap()
        .id
        .clone();
    groups::end(
        &f.state,
        &f.registrar,
        SLUG.to_owned(),
        group.clone(),
        trainee,
        day("2025-05-01"),
        true,
    )
    .await
    .unwrap();
    let after = sessions::record(
        &f.state,
        &f.trainee,
        SLUG.to_owned(),
        group.clone(),
        meeting("2025-05-02", &[&cy]),
    )
    .await
    .unwrap_err();
    assert!(matches!(after, ApiError::Forbidden), "{after:?}");
    // The day after, the supervisor leads alone: a leading record.
    let (_, _, alone) = sessions::record(
        &f.state,
        &f.supervisor,
        SLUG.to_owned(),
        group.clone(),
        meeting("2025-05-02", &[&cy]),
    )
    .await
    .unwrap();
    let kinds: Vec<String> = alone
        .records
        .iter()
        .map(|(_, s)| s.activity.kind.to_string())
        .collect();
    assert_eq!(kinds.len(), 2, "{kinds:?}");
    assert!(kinds.contains(&"leading".to_owned()), "{kinds:?}");
    sessions::record(
        &f.state,
        &f.trainee,
        SLUG.to_owned(),
        group,
        meeting("2025-05-01", &[&cy]),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn a_session_and_its_records_are_written_and_audited_together_or_not_at_all() {
    let f = Fixture::new();
    let (group, cy) = group(&f).await;
    let before = f.audit().len();
    let (_, _, recorded) = sessions::record(
        &f.state,
        &f.trainee,
        SLUG.to_owned(),
        group.clone(),
        meeting("2025-03-04", &[&cy]),
    )
    .await
    .unwrap();
    let audit = f.audit();
    // The session, and the three records it wrote.
    assert_eq!(audit.len(), before + 4, "{audit:?}");
    assert!(audit
        .iter()
        .any(|(entity, id, action)| entity == "group_session"
            && *id == recorded.session.id
            && action == "create"));
    let record_of = |person: &str| {
        recorded
            .records
            .iter()
            .find(|(link, _)| link.person_id == person)
            .unwrap()
            .1
            .clone()
    };
    // The trainee recorded it: her own record waits for the supervisor;
    // his is confirmed by her.
    let own = record_of(TRAINEE);
    assert_eq!(own.status, Status::Pending);
    assert_eq!(own.activity.attestor.as_ref().unwrap().as_str(), SUPERVISOR);
    assert_eq!(record_of(SUPERVISOR).status, Status::Confirmed);
    assert_eq!(record_of(&cy).status, Status::Confirmed);

    // The same day again: refused, and nothing written.
    let again = sessions::record(
        &f.state,
        &f.supervisor,
        SLUG.to_owned(),
        group.clone(),
        meeting("2025-03-04", &[&cy]),
    )
    .await
    .unwrap_err();
    assert!(matches!(again, ApiError::Conflict(_)), "{again:?}");
    assert_eq!(f.audit().len(), audit.len());

    // A correction of the cases: the pending record changes in place, the
    // confirmed one is corrected by a new record.
    let (_, _, corrected) = sessions::correct(
        &f.state,
        &f.trainee,
        SLUG.to_owned(),
        group,
        recorded.session.id.clone(),
        SessionInput {
            cases_presented: Some(3),
            ..SessionInput::default()
        },
    )
    .await
    .unwrap();
    let now_of = |person: &str| {
        corrected
            .records
            .iter()
            .find(|(link, _)| link.person_id == person)
            .unwrap()
            .1
            .clone()
    };
    assert_eq!(now_of(TRAINEE).activity.id, own.activity.id);
    assert_eq!(now_of(TRAINEE).activity.cases, Some(3));
    let supervisor = now_of(SUPERVISOR);
    assert_ne!(supervisor.activity.id, record_of(SUPERVISOR).activity.id);
    assert_eq!(
        supervisor.corrects.as_deref(),
        Some(record_of(SUPERVISOR).activity.id.as_str())
    );
    assert_eq!(supervisor.activity.cases, Some(3));
    // Cy's record says nothing of cases: unchanged.
    assert_eq!(now_of(&cy).activity.id, record_of(&cy).activity.id);
}

#[tokio::test]
async fn many_decisions_each_answered_one_refused_not_undoing_the_others() {
    let f = Fixture::new();
    let (group, cy) = group(&f).await;
    let mut ids = Vec::new();
    for date in ["2025-03-04", "2025-03-11", "2025-03-18"] {
        let (_, _, s) = sessions::record(
            &f.state,
            &f.trainee,
            SLUG.to_owned(),
            group.clone(),
            meeting(date, &[&cy]),
        )
        .await
        .unwrap();
        let own = s
            .records
            .iter()
            .find(|(link, _)| link.person_id == TRAINEE)
            .unwrap();
        ids.push(own.1.activity.id.to_string());
    }
    let confirm = || Attestation {
        verdict: Verdict::Confirm,
        comment: None,
    };
    let mut decisions: Vec<(String, Attestation)> =
        ids.iter().map(|id| (id.clone(), confirm())).collect();
    // A rejection without a comment, in the middle.
    decisions[1].1 = Attestation {
        verdict: Verdict::Reject,
        comment: None,
    };
    decisions.push(("no-such-record".to_owned(), confirm()));
    let (slug, results) = ledger::attest_many(&f.state, &f.supervisor, SLUG.to_owned(), decisions)
        .await
        .unwrap();
    assert_eq!(slug, SLUG);
    assert_eq!(results[0].as_ref().unwrap().status, Status::Confirmed);
    assert!(matches!(results[1], Err(AttestError::Invalid(_))));
    assert_eq!(results[2].as_ref().unwrap().status, Status::Confirmed);
    assert!(matches!(results[3], Err(AttestError::NoSuchRecord(_))));
    // The trainee cannot decide her own; a stranger is told nothing.
    let (_, own) = ledger::attest_many(
        &f.state,
        &f.trainee,
        SLUG.to_owned(),
        vec![(ids[1].clone(), confirm())],
    )
    .await
    .unwrap();
    assert!(matches!(own[0], Err(AttestError::OwnRecord)));
    let stranger = ledger::attest_many(&f.state, &f.stranger, SLUG.to_owned(), vec![]).await;
    assert!(matches!(stranger, Err(AttestError::Access(_))));
}
