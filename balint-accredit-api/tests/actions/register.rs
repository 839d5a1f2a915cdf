//! The register's use cases with the most rules, called directly: the
//! status change and the renewal, each on a fresh SQLite database in a
//! temporary directory, with no server and no HTTP in between.
//!
//! The society adopts the UK 2016 pathway (the accredited leader tier: a
//! 12-month cycle with 3 months' grace, renewed by keeping the society's
//! membership); Dr Ada Moreau entered it on 2022-01-10 and is granted the
//! tier on 2024-03-01, so her first cycle runs to 2025-02-28.

use std::path::PathBuf;

use balint_accredit_api::actions::refusal::Access;
use balint_accredit_api::actions::register::grant::{grant, GrantError, GrantInput};
use balint_accredit_api::actions::register::renew::{
    renew, Basis, NotNeeded, RenewError, RenewalInput,
};
use balint_accredit_api::actions::register::status::{change_status, StatusError, StatusInput};
use balint_accredit_api::actions::register::Entry;
use balint_accredit_api::auth::{AuthenticatedUser, Caller, Role};
use balint_accredit_api::db::{self, activities, audit, people::Person, societies::Society};
use balint_accredit_api::pagination::PageRequest;
use balint_accredit_api::{ApiError, AppState};
use balint_core::ledger::{Activity, Attestation};
use balint_core::pathway::Pathway;
use balint_core::register::{RegisterError, RegistrarAction, Status, StatusAction, Visibility};
use serde_json::{json, Value};

use crate::fixture::day;

const SOCIETY: &str = "bsanz";
const REGISTRATION: &str = "BSANZ-0001";

/// A society with its registrar, a member, and one leader on the register,
/// on a database of its own (removed when the test ends).
struct World {
    state: AppState,
    dir: PathBuf,
    society: Society,
    registrar: Caller,
    member: Caller,
    leader: String,
}

impl Drop for World {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl World {
    /// A fresh database, migrated and seeded; the leader granted the
    /// accredited leader tier on 2024-03-01 by the registrar.
    async fn new() -> Self {
        let (dir, state) = crate::fixture::database();
        let (society, registrar, member, leader) = db::run(&state.pool, |conn| {
            let now = db::now();
            let society = Society {
                id: uuid::Uuid::new_v4().to_string(),
                slug: SOCIETY.to_owned(),
                name: "Balint Society of Australia and New Zealand".to_owned(),
                country: Some("AU".to_owned()),
                created_at: now,
            };
            db::societies::insert(conn, &society)?;
            let leader = Person {
                id: uuid::Uuid::new_v4().to_string(),
                society_id: society.id.clone(),
                title: Some("Dr".to_owned()),
                given_name: Some("Ada".to_owned()),
                family_name: "Moreau".to_owned(),
                display_name: None,
                backgrounds: Vec::new(),
                city: Some("Hobart".to_owned()),
                region: Some("TAS".to_owned()),
                email: None,
                public_listing: true,
                entered_pathway_on: Some(day("2022-01-10")),
                created_at: now,
                updated_at: now,
            };
            db::people::insert(conn, &leader)?;
            let registrar = login(
                conn,
                &society,
                "registrar@example.org",
                Role::Registrar,
                None,
            )?;
            let member = login(
                conn,
                &society,
                "ada@example.org",
                Role::Member,
                Some(&leader.id),
            )?;
            let preset = balint_core::presets::get("uk-2016").unwrap();
            let mut document = serde_json::to_value(preset.try_pathway().unwrap()).unwrap();
            document["society"] = json!(SOCIETY);
            let pathway = Pathway::from_json_value(document).unwrap();
            db::pathways::insert(conn, &society.id, &pathway, Some("uk-2016"), None, now)?;
            Ok((society, registrar, member, leader.id))
        })
        .await
        .unwrap();
        let world = Self {
            state,
            dir,
            society,
            registrar,
            member,
            leader,
        };
        let granted = grant(
            &world.state,
            &world.registrar,
            SOCIETY.to_owned(),
            GrantInput {
                person_id: world.leader.clone(),
                tier: "accredited-leader".to_owned(),
                effective: day("2024-03-01"),
                reason: "council decision".to_owned(),
                visibility: None,
                override_prerequisites: None,
            },
        )
        .await
        .unwrap();
        assert!(granted.created);
        let entry = &granted.entry.stored.entry;
        assert_eq!(entry.registration().as_str(), REGISTRATION);
        assert_eq!(entry.valid_until(), Some(day("2025-02-28")));
        world
    }

    async fn change(
        &self,
        caller: &Caller,
        registration: &str,
        input: StatusInput,
    ) -> Result<Entry, StatusError> {
        change_status(
            &self.state,
            caller,
            SOCIETY.to_owned(),
            registration.to_owned(),
            input,
        )
        .await
    }

    async fn renew(
        &self,
        input: RenewalInput,
    ) -> Result<balint_accredit_api::actions::register::renew::Renewed, RenewError> {
        renew(
            &self.state,
            &self.registrar,
            SOCIETY.to_owned(),
            REGISTRATION.to_owned(),
            input,
        )
        .await
    }

    /// The entry as stored now.
    async fn stored(&self) -> db::register::StoredEntry {
        let society_id = self.society.id.clone();
        db::run(&self.state.pool, move |conn| {
            db::register::by_registration(conn, &society_id, REGISTRATION)
        })
        .await
        .unwrap()
        .unwrap()
    }

    /// The society's audit log, newest first.
    async fn audit(&self) -> Vec<audit::AuditRecord> {
        let society_id = self.society.id.clone();
        db::run(&self.state.pool, move |conn| {
            Ok(audit::list_for_society(
                conn,
                &society_id,
                PageRequest {
                    page: 1,
                    per_page: 100,
                },
            )?)
        })
        .await
        .unwrap()
        .items
    }

    /// Record that the leader kept her membership on `date`, confirmed by
    /// the registrar unless `pending`.
    async fn membership(&self, date: &str, pending: bool) {
        let leader = self.leader.clone();
        let society_id = self.society.id.clone();
        let registrar = user_id(&self.registrar);
        let date = day(date);
        db::run(&self.state.pool, move |conn| {
            let now = db::now();
            let activity: Activity = serde_json::from_value(json!({
                "id": uuid::Uuid::new_v4().to_string(),
                "person": leader,
                "kind": "prerequisite",
                "date": date,
                "amount": 1,
                "unit": "events",
                "prerequisite_type": "membership",
            }))
            .unwrap();
            assert_eq!(activity.attestation, Attestation::Pending);
            let id = activity.id.as_str().to_owned();
            let record = activities::StoredActivity::pending(
                activity,
                &society_id,
                None,
                Some(registrar.clone()),
                now,
            );
            activities::insert(conn, &record)?;
            if !pending {
                let decided = activities::decide(
                    conn,
                    &id,
                    &activities::Decision {
                        status: activities::Status::Confirmed,
                        by_user_id: Some(registrar),
                        by_person_id: None,
                        at: now,
                        comment: Some("membership checked".to_owned()),
                    },
                )?;
                assert!(decided);
            }
            Ok(())
        })
        .await
        .unwrap();
    }
}

/// A login with one role in `society`, as the caller its session would be.
fn login(
    conn: &mut db::DbConnection,
    society: &Society,
    email: &str,
    role: Role,
    person_id: Option<&str>,
) -> Result<Caller, ApiError> {
    let now = db::now();
    let user = db::users::User {
        id: uuid::Uuid::new_v4().to_string(),
        email: email.to_owned(),
        password_hash: String::new(),
        is_platform_admin: false,
        created_at: now,
    };
    db::users::insert(conn, &user)?;
    db::users::grant_role(conn, &user.id, &society.id, role, person_id, now)?;
    Ok(Caller::User(AuthenticatedUser {
        roles: db::users::roles_of(conn, &user.id)?,
        user_id: user.id,
        email: user.email,
        is_platform_admin: false,
        token_digest: String::new(),
    }))
}

fn user_id(caller: &Caller) -> String {
    match caller {
        Caller::User(user) => user.user_id.clone(),
        Caller::Anonymous => unreachable!("a signed-in caller"),
    }
}

fn suspend(effective: &str) -> StatusInput {
    StatusInput {
        action: RegistrarAction::Suspend,
        effective: day(effective),
        reason: "complaint under investigation".to_owned(),
        visibility: Visibility::Confidential,
    }
}

fn after(record: &audit::AuditRecord) -> Value {
    serde_json::from_str(record.after_json.as_deref().unwrap()).unwrap()
}

fn on_time(effective: &str) -> RenewalInput {
    RenewalInput {
        effective: day(effective),
        reason: "membership kept".to_owned(),
        visibility: None,
        overriding: None,
    }
}

/// The field problems of a refusal, as the API answers it (422).
fn field_problems(error: impl Into<ApiError>) -> Vec<(String, String)> {
    match error.into() {
        ApiError::Unprocessable { errors, .. } => errors
            .iter()
            .map(|p| (p.field.clone(), p.message.clone()))
            .collect(),
        other => panic!("expected 422, got {other:?}"),
    }
}

#[actix_web::test]
async fn an_allowed_status_change_is_stored_with_its_audit_record() {
    let world = World::new().await;
    let before = world.audit().await.len();
    let changed = world
        .change(&world.registrar, REGISTRATION, suspend("2024-06-01"))
        .await
        .unwrap();
    let entry = &changed.stored.entry;
    assert_eq!(entry.status(), Status::Suspended);
    assert_eq!(
        entry.status_as_of(day("2024-05-31")),
        Some(Status::Accredited)
    );
    assert_eq!(
        entry.status_as_of(day("2024-06-01")),
        Some(Status::Suspended)
    );
    assert_eq!(changed.person.id, world.leader);
    let latest = entry.history().last().unwrap();
    assert_eq!(latest.reason, "complaint under investigation");
    assert_eq!(latest.visibility, Visibility::Confidential);
    assert_eq!(world.stored().await.entry, *entry, "stored as answered");

    let log = world.audit().await;
    assert_eq!(log.len(), before + 1, "one audit record for the change");
    let record = &log[0];
    assert_eq!(record.entity_type, "register_entry");
    assert_eq!(record.action, "update");
    assert_eq!(
        record.actor_user_id.as_deref(),
        Some(user_id(&world.registrar).as_str())
    );
    let written = after(record);
    assert_eq!(written["status"], "suspended");
    assert_eq!(written["added"][0]["action"], "suspend");
    assert_eq!(written["added"][0]["effective"], "2024-06-01");

    // Reinstated on the same day: a change may share the latest one's date.
    let reinstated = world
        .change(
            &world.registrar,
            REGISTRATION,
            StatusInput {
                action: RegistrarAction::Reinstate,
                ..suspend("2024-06-01")
            },
        )
        .await
        .unwrap();
    assert_eq!(reinstated.stored.entry.status(), Status::Accredited);
}

#[actix_web::test]
async fn a_refused_status_change_is_a_conflict_and_changes_nothing() {
    let world = World::new().await;
    let before = world.stored().await;
    let logged = world.audit().await.len();

    // Only a suspended entry is reinstated.
    let refused = world
        .change(
            &world.registrar,
            REGISTRATION,
            StatusInput {
                action: RegistrarAction::Reinstate,
                ..suspend("2024-06-01")
            },
        )
        .await
        .unwrap_err();
    match &refused {
        StatusError::Refused(RegisterError::IllegalTransition(illegal)) => {
            assert_eq!(illegal.action, StatusAction::Reinstate);
            assert_eq!(illegal.from, Some(Status::Accredited));
        }
        other => panic!("expected a refused transition, got {other:?}"),
    }
    // The API answers it as a conflict, in the register's words.
    let said = refused.to_string();
    match ApiError::from(refused) {
        ApiError::Conflict(why) => assert_eq!(why, said),
        other => panic!("expected 409, got {other:?}"),
    }

    // A change dated the day before the latest (the grant) is refused.
    let backdated = world
        .change(&world.registrar, REGISTRATION, suspend("2024-02-29"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            backdated,
            StatusError::Refused(RegisterError::BackDated { .. })
        ),
        "{backdated:?}"
    );
    assert!(matches!(ApiError::from(backdated), ApiError::Conflict(_)));

    assert_eq!(world.stored().await, before, "nothing changed");
    assert_eq!(world.audit().await.len(), logged, "nothing logged");
}

#[actix_web::test]
async fn a_status_change_is_the_registrars_and_needs_an_entry_and_a_reason() {
    let world = World::new().await;
    let before = world.stored().await;

    let anonymous = world
        .change(&Caller::Anonymous, REGISTRATION, suspend("2024-06-01"))
        .await
        .unwrap_err();
    assert!(
        matches!(anonymous, StatusError::Access(Access::NotSignedIn)),
        "{anonymous:?}"
    );
    assert!(matches!(
        ApiError::from(anonymous),
        ApiError::Unauthenticated
    ));

    // The leader herself may not change her entry.
    let member = world
        .change(&world.member, REGISTRATION, suspend("2024-06-01"))
        .await
        .unwrap_err();
    assert!(
        matches!(member, StatusError::Access(Access::NotRegistrar)),
        "{member:?}"
    );
    assert!(matches!(ApiError::from(member), ApiError::Forbidden));

    let unknown = world
        .change(&world.registrar, "BSANZ-9999", suspend("2024-06-01"))
        .await
        .unwrap_err();
    assert!(
        matches!(&unknown, StatusError::NoSuchEntry(r) if r == "BSANZ-9999"),
        "{unknown:?}"
    );
    match ApiError::from(unknown) {
        ApiError::NotFound(what) => assert_eq!(what, "registration BSANZ-9999"),
        other => panic!("expected 404, got {other:?}"),
    }

    // The entry is found before the reason is asked for.
    let mut unreasoned = suspend("2024-06-01");
    unreasoned.reason = "   ".to_owned();
    let unknown = world
        .change(&world.registrar, "BSANZ-9999", unreasoned.clone())
        .await
        .unwrap_err();
    assert!(
        matches!(unknown, StatusError::NoSuchEntry(_)),
        "{unknown:?}"
    );
    let refused = world
        .change(&world.registrar, REGISTRATION, unreasoned)
        .await
        .unwrap_err();
    assert!(matches!(refused, StatusError::NoReason), "{refused:?}");
    assert_eq!(
        field_problems(refused),
        vec![("reason".to_owned(), "is required".to_owned())]
    );

    assert_eq!(world.stored().await, before, "nothing changed");
}

#[actix_web::test]
async fn a_renewal_counts_the_cycles_last_day_and_not_the_day_before_it() {
    let world = World::new().await;
    // The day before the cycle began does not count.
    world.membership("2024-02-29", false).await;
    let before = world.stored().await;
    let refused = world.renew(on_time("2025-02-28")).await.unwrap_err();
    match &refused {
        RenewError::NotMet {
            tier_name,
            first_day,
            last_day,
            shortfalls,
        } => {
            assert_eq!(tier_name, "Accredited Leader");
            assert_eq!(*first_day, day("2024-03-01"));
            assert_eq!(*last_day, day("2025-02-28"));
            assert_eq!(shortfalls.len(), 1);
        }
        other => panic!("expected the requirements not met, got {other:?}"),
    }
    match &ApiError::from(refused) {
        ApiError::Unprocessable { detail, errors } => {
            assert_eq!(
                detail,
                "renewal requirements of Accredited Leader not met over the cycle 2024-03-01 to 2025-02-28: 1 shortfall(s); the registrar may renew with an override and a reason"
            );
            assert_eq!(errors.len(), 1);
            assert_eq!(errors[0].field, "requirements.membership-kept");
        }
        other => panic!("expected 422, got {other:?}"),
    }
    assert_eq!(world.stored().await, before, "nothing changed");

    // The cycle's last day does, renewed on that day.
    world.membership("2025-02-28", false).await;
    let renewed = world.renew(on_time("2025-02-28")).await.unwrap();
    let entry = &renewed.entry.stored.entry;
    assert_eq!(entry.status(), Status::Accredited);
    // On time: the next cycle follows without a gap.
    assert_eq!(entry.valid_until(), Some(day("2026-02-28")));
    assert_eq!(entry.lapses_on(), Some(day("2026-06-01")));
    let renewal = &renewed.renewal;
    assert_eq!(renewal.basis, Basis::Met);
    assert_eq!(renewal.override_reason, None);
    assert_eq!(renewal.tier.as_str(), "accredited-leader");
    assert_eq!(renewal.pathway_version_number, 1);
    assert_eq!(renewal.cycle_first_day, day("2024-03-01"));
    assert_eq!(renewal.cycle_last_day, day("2025-02-28"));
    assert!(renewal.assessment.as_ref().unwrap().eligible);
    let latest = entry.history().last().unwrap();
    assert_eq!(latest.reason, "membership kept");
    assert_eq!(latest.visibility, Visibility::Public);

    let log = world.audit().await;
    let record = log.iter().find(|r| r.entity_type == "renewal").unwrap();
    let written = after(record);
    assert_eq!(written["registration"], REGISTRATION);
    assert_eq!(written["effective"], "2025-02-28");
    assert_eq!(written["valid_until"], "2026-02-28");
    assert_eq!(written["renewal"]["basis"], "met");
    assert_eq!(written["renewal"]["cycle_first_day"], "2024-03-01");
    assert_eq!(written["renewal"]["assessment"]["eligible"], true);
}

#[actix_web::test]
async fn a_renewal_the_day_after_the_cycle_is_still_assessed_over_the_cycle() {
    let world = World::new().await;
    // Membership paid the day after the cycle ended, and a pending one
    // inside it: neither counts for the cycle being renewed.
    world.membership("2025-03-01", false).await;
    world.membership("2024-09-01", true).await;
    let refused = world.renew(on_time("2025-03-01")).await.unwrap_err();
    assert!(matches!(refused, RenewError::NotMet { .. }), "{refused:?}");
    assert_eq!(
        field_problems(refused),
        vec![(
            "requirements.membership-kept".to_owned(),
            "Society membership kept: 1 more event needed (0 of 1); 1 event pending attestation"
                .to_owned()
        )]
    );
}

#[actix_web::test]
async fn an_override_is_refused_when_not_needed_and_kept_confidential_when_it_is() {
    let world = World::new().await;
    let overriding = |why: &str| RenewalInput {
        overriding: Some(why.to_owned()),
        ..on_time("2025-02-10")
    };

    // Not met: the registrar renews by override, with a reason.
    let renewed = world.renew(overriding("a year of illness")).await.unwrap();
    assert_eq!(renewed.renewal.basis, Basis::Override);
    assert_eq!(
        renewed.renewal.override_reason.as_deref(),
        Some("a year of illness")
    );
    assert!(!renewed.renewal.assessment.as_ref().unwrap().eligible);
    let entry = &renewed.entry.stored.entry;
    assert_eq!(entry.valid_until(), Some(day("2026-02-28")));
    let latest = entry.history().last().unwrap();
    assert_eq!(
        latest.reason,
        "membership kept (renewed by override, the renewal requirements not met: a year of illness)"
    );
    assert_eq!(latest.visibility, Visibility::Confidential);
    let log = world.audit().await;
    let record = log.iter().find(|r| r.entity_type == "renewal").unwrap();
    assert_eq!(after(record)["renewal"]["basis"], "override");
    assert_eq!(
        after(record)["renewal"]["override_reason"],
        "a year of illness"
    );

    // Met over the next cycle: an override is not needed, and refused.
    world.membership("2026-02-28", false).await;
    let before = world.stored().await;
    let refused = world
        .renew(RenewalInput {
            overriding: Some("committee discretion".to_owned()),
            ..on_time("2026-02-28")
        })
        .await
        .unwrap_err();
    assert!(
        matches!(refused, RenewError::OverrideNotNeeded(NotNeeded::Met)),
        "{refused:?}"
    );
    assert_eq!(
        field_problems(refused),
        vec![(
            "override".to_owned(),
            "is not needed: the renewal requirements are met".to_owned()
        )]
    );
    assert_eq!(world.stored().await, before, "nothing changed");

    // An empty override reason is an invalid field, before anything else.
    let refused = world.renew(overriding("  ")).await.unwrap_err();
    assert!(matches!(&refused, RenewError::Invalid(_)), "{refused:?}");
    assert_eq!(
        field_problems(refused),
        vec![("override.reason".to_owned(), "is required".to_owned())]
    );
}

#[actix_web::test]
async fn a_renewal_is_the_registrars() {
    let world = World::new().await;
    let refused = renew(
        &world.state,
        &world.member,
        SOCIETY.to_owned(),
        REGISTRATION.to_owned(),
        on_time("2025-02-10"),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(refused, RenewError::Access(Access::NotRegistrar)),
        "{refused:?}"
    );
    assert!(matches!(ApiError::from(refused), ApiError::Forbidden));
}

#[actix_web::test]
async fn a_revoked_entry_is_not_renewed_and_an_unknown_one_not_found() {
    let world = World::new().await;
    world
        .change(
            &world.registrar,
            REGISTRATION,
            StatusInput {
                action: RegistrarAction::Revoke,
                ..suspend("2024-06-01")
            },
        )
        .await
        .unwrap();
    let before = world.stored().await;
    // Refused by the register's rules, before the requirements are
    // assessed (they are not met either).
    let refused = world.renew(on_time("2025-02-10")).await.unwrap_err();
    match &refused {
        RenewError::Refused(RegisterError::IllegalTransition(illegal)) => {
            assert_eq!(illegal.action, StatusAction::Renew);
            assert_eq!(illegal.from, Some(Status::Revoked));
        }
        other => panic!("expected a refused renewal, got {other:?}"),
    }
    assert!(matches!(ApiError::from(refused), ApiError::Conflict(_)));
    assert_eq!(world.stored().await, before, "nothing changed");

    let unknown = renew(
        &world.state,
        &world.registrar,
        SOCIETY.to_owned(),
        "BSANZ-9999".to_owned(),
        on_time("2025-02-10"),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&unknown, RenewError::NoSuchEntry(r) if r == "BSANZ-9999"),
        "{unknown:?}"
    );
    assert_eq!(
        ApiError::from(unknown).to_string(),
        "registration BSANZ-9999 not found"
    );
}

#[actix_web::test]
async fn a_grant_names_what_it_refuses() {
    let world = World::new().await;
    let input = |person_id: &str, tier: &str| GrantInput {
        person_id: person_id.to_owned(),
        tier: tier.to_owned(),
        effective: day("2024-06-01"),
        reason: "council decision".to_owned(),
        visibility: None,
        override_prerequisites: None,
    };
    let refuse =
        |input: GrantInput| grant(&world.state, &world.registrar, SOCIETY.to_owned(), input);
    let before = world.stored().await;

    // The tier held already: the register's rules refuse it.
    let again = refuse(input(&world.leader, "accredited-leader"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            again,
            GrantError::Refused(RegisterError::TierAlreadyHeld { .. })
        ),
        "{again:?}"
    );
    assert!(matches!(ApiError::from(again), ApiError::Conflict(_)));

    let nobody = refuse(input("p-nobody", "accredited-leader"))
        .await
        .unwrap_err();
    assert!(matches!(nobody, GrantError::NoSuchPerson), "{nobody:?}");
    assert_eq!(
        field_problems(nobody),
        vec![(
            "person_id".to_owned(),
            "no such person in this society".to_owned()
        )]
    );

    let unknown = refuse(input(&world.leader, "grand-master"))
        .await
        .unwrap_err();
    assert!(
        matches!(&unknown, GrantError::NoSuchTier { tier, .. } if tier.as_str() == "grand-master"),
        "{unknown:?}"
    );

    let mut unreasoned = input(&world.leader, "accredited-leader");
    unreasoned.reason = " ".to_owned();
    let unreasoned = refuse(unreasoned).await.unwrap_err();
    assert!(
        matches!(&unreasoned, GrantError::Invalid(_)),
        "{unreasoned:?}"
    );
    assert_eq!(
        field_problems(unreasoned),
        vec![("reason".to_owned(), "is required".to_owned())]
    );

    let member = grant(
        &world.state,
        &world.member,
        SOCIETY.to_owned(),
        input(&world.leader, "accredited-leader"),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(member, GrantError::Access(Access::NotRegistrar)),
        "{member:?}"
    );
    assert_eq!(world.stored().await, before, "nothing changed");
}
