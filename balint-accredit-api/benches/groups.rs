//! A group's session and a programme's attendance, on SQLite and, when
//! reachable, PostgreSQL:
//!
//! - recording a session of 10 attendees: the session use case (the
//!   checks, then the session, its people, its audit records and the 11
//!   ledger records it writes, in one transaction), through its command
//!   line entry (`sessions import` records each session this way);
//! - a training programme's attendance view of 200 trainees, each with 40
//!   records (what `GET .../programmes/{programme}/attendance` does after
//!   the registrar's check), and its ledgers read one query per trainee (as
//!   the view did before) against one query for them all.
//!
//! `cargo bench -p balint-accredit-api --bench groups`
//! (PostgreSQL at `TEST_POSTGRES_URL`, default
//! `postgres://postgres@127.0.0.1:5432/postgres`; skipped when unreachable).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Duration;

use balint_accredit_api::actions::groups::group_for_operator;
use balint_accredit_api::actions::groups::sessions::{
    check_for_operator, record_for_operator, SessionInput, SheetSession,
};
use balint_accredit_api::actions::{programmes, Operator};
use balint_accredit_api::config::DatabaseSettings;
use balint_accredit_api::db::activities::{Decision, Status, StoredActivity};
use balint_accredit_api::db::groups::{Delivery, Group, Leader, LeaderRole, Member, Term};
use balint_accredit_api::db::programmes::{Programme, Trainee};
use balint_accredit_api::db::{self, people::Person, societies::Society, DbConnection};
use balint_core::ledger::{Activity, ActivityKind, Amount, ReportType, Unit};
use balint_core::PersonId;
use chrono::{Days, NaiveDate};
use criterion::{criterion_group, criterion_main, Criterion};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

const ATTENDEES: usize = 10;
const TRAINEES: usize = 200;
const RECORDS_EACH: usize = 40;

fn person(id: &str) -> Person {
    let now = db::now();
    Person {
        id: id.to_owned(),
        society_id: "s-1".to_owned(),
        title: None,
        given_name: None,
        family_name: id.to_owned(),
        display_name: None,
        backgrounds: vec![],
        city: None,
        region: None,
        email: None,
        public_listing: false,
        entered_pathway_on: None,
        created_at: now,
        updated_at: now,
    }
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// A society with a group (a leader, 10 members, since 1990) and a
/// programme of 200 trainees, each with 40 confirmed participation records
/// and two assessments.
fn populate(conn: &mut DbConnection) {
    db::run_migrations(conn).unwrap();
    let now = db::now();
    db::write(conn, |conn| {
        db::societies::insert(
            conn,
            &Society {
                id: "s-1".into(),
                slug: "bsanz".into(),
                name: "BSANZ".into(),
                country: None,
                created_at: now,
            },
        )?;
        let since = day("1990-01-01");
        db::people::insert(conn, &person("lead"))?;
        db::groups::insert(
            conn,
            &Group {
                id: "g-1".into(),
                society_id: "s-1".into(),
                name: "Tuesday group".into(),
                audience: None,
                term: Term::Ongoing,
                starts_on: Some(since),
                ends_on: None,
                delivery: Delivery::InPerson,
                usual_minutes: 90,
                created_at: now,
                updated_at: now,
            },
        )?;
        db::groups::insert_leader(
            conn,
            &Leader {
                id: "l-1".into(),
                group_id: "g-1".into(),
                person_id: "lead".into(),
                role: LeaderRole::Leader,
                from_on: since,
                to_on: None,
            },
        )?;
        for i in 0..ATTENDEES {
            let id = format!("m{i}");
            db::people::insert(conn, &person(&id))?;
            db::groups::insert_member(
                conn,
                &Member {
                    id: format!("gm-{i}"),
                    group_id: "g-1".into(),
                    person_id: id,
                    joined_on: since,
                    left_on: None,
                },
            )?;
        }
        db::programmes::insert(
            conn,
            &Programme {
                id: "p-1".into(),
                society_id: "s-1".into(),
                slug: "core-psych".into(),
                name: "Core psychiatry".into(),
                sessions_required: 30,
                assessment_months: 6,
                created_at: now,
            },
        )?;
        let start = day("2024-01-01");
        for t in 0..TRAINEES {
            let id = format!("t{t:03}");
            db::people::insert(conn, &person(&id))?;
            db::programmes::add_trainee(
                conn,
                &Trainee {
                    programme_id: "p-1".into(),
                    person_id: id.clone(),
                    joined_on: start,
                },
            )?;
            let owner: PersonId = id.parse().unwrap();
            for i in 0..RECORDS_EACH {
                let assessment = i % 20 == 19;
                let (kind, unit) = if assessment {
                    (ActivityKind::Evaluation, Unit::Events)
                } else {
                    (ActivityKind::Participation, Unit::Sessions)
                };
                let mut a = Activity::new(
                    balint_accredit_api::ledger::new_id(),
                    owner.clone(),
                    kind,
                    start + Days::new(i as u64 * 7),
                    Amount::from_whole(1),
                    unit,
                );
                a.report_type = assessment.then_some(ReportType::CaseDiscussionAssessment);
                a.duration_minutes = (!assessment).then_some(90);
                a.group = (!assessment).then(|| "Tuesday group".to_owned());
                a.attestor = Some("lead".parse().unwrap());
                let mut stored = StoredActivity::pending(a, "s-1", None, None, now);
                if i % 10 != 4 {
                    stored.status = Status::Confirmed;
                    stored.decision = Some(Decision {
                        status: Status::Confirmed,
                        by_user_id: None,
                        by_person_id: Some("lead".into()),
                        at: now,
                        comment: None,
                    });
                }
                db::activities::insert(conn, &stored)?;
            }
        }
        Ok(())
    })
    .unwrap();
}

fn bench_on(c: &mut Criterion, name: &str, url: &str) {
    let pool = db::pool(&DatabaseSettings::new(url));
    let mut conn = pool.get().unwrap();
    populate(&mut conn);
    let society = Operator.society(&mut conn, "bsanz").unwrap();
    let group = group_for_operator(&mut conn, Operator, &society, "g-1").unwrap();
    let attendees: Vec<String> = (0..ATTENDEES).map(|i| format!("m{i}")).collect();
    let today = chrono::Utc::now().date_naive();
    // Each session on a day of its own, from 1990 on.
    let mut next = day("1990-01-01");
    let mut record = |conn: &mut DbConnection| {
        next = next + Days::new(1);
        let input = SessionInput {
            date: Some(next),
            attended: Some(attendees.clone()),
            presenters: Some(vec![attendees[0].clone()]),
            cases_presented: Some(1),
            ..SessionInput::default()
        };
        let SheetSession::New(checked) =
            check_for_operator(conn, Operator, &group, "lead", input, today).unwrap()
        else {
            panic!("a new session")
        };
        let stored = record_for_operator(conn, Operator, &group, &[*checked], &mut |_| {}).unwrap();
        assert_eq!(stored[0].records.len(), ATTENDEES + 1);
    };
    c.bench_function(
        &format!("recording a session of {ATTENDEES} attendees, {name}"),
        |b| b.iter(|| record(&mut conn)),
    );

    let as_of = day("2025-06-30");
    let view = programmes::attendance_of(&mut conn, "s-1", "core-psych", as_of).unwrap();
    assert_eq!(view.trainees.len(), TRAINEES);
    assert_eq!(view.trainees[0].assessments.len(), 2);
    c.bench_function(
        &format!("a programme's attendance view, {TRAINEES} trainees, {name}"),
        |b| b.iter(|| programmes::attendance_of(&mut conn, "s-1", "core-psych", as_of).unwrap()),
    );
    let ids: Vec<String> = (0..TRAINEES).map(|t| format!("t{t:03}")).collect();
    c.bench_function(
        &format!("{TRAINEES} ledgers, one query each (before), {name}"),
        |b| {
            b.iter(|| {
                ids.iter()
                    .map(|id| db::activities::ledger(&mut conn, id).unwrap().len())
                    .sum::<usize>()
            })
        },
    );
    c.bench_function(
        &format!("{TRAINEES} ledgers, one query (after), {name}"),
        |b| b.iter(|| db::activities::ledgers(&mut conn, &ids).unwrap().len()),
    );
}

fn bench(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("balint-bench-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    bench_on(
        c,
        "SQLite",
        &format!("sqlite://{}", dir.join("bench.db").display()),
    );
    let _ = std::fs::remove_dir_all(&dir);

    let server = std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let Ok(mut admin) = PgConnection::establish(&server) else {
        eprintln!("PostgreSQL not reachable at {server}: skipped");
        return;
    };
    let name = format!("bench_{}", uuid::Uuid::new_v4().simple());
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap();
    let url = match server.rsplit_once('/') {
        Some((base, _)) => format!("{base}/{name}"),
        None => server.clone(),
    };
    bench_on(c, "PostgreSQL", &url);
    let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
}

fn config() -> Criterion {
    // A shared 2-core machine: fewer, longer samples.
    Criterion::default()
        .sample_size(20)
        .measurement_time(Duration::from_secs(8))
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench
}
criterion_main!(benches);
