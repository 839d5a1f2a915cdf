//! Progress for a trainee with 5,000 attested records: what
//! `GET .../people/{person}/progress` does per request (load the person,
//! the pathway version, the ledger and the register entries it names, then
//! evaluate), on SQLite and, when reachable, PostgreSQL.
//!
//! `cargo bench -p balint-accredit-api --bench progress`
//! (PostgreSQL at `TEST_POSTGRES_URL`, default
//! `postgres://postgres@127.0.0.1:5432/postgres`; skipped when unreachable).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use balint_accredit_api::actions::progress;
use balint_accredit_api::config::DatabaseSettings;
use balint_accredit_api::db::activities::{Decision, Status, StoredActivity};
use balint_accredit_api::db::{self, people::Person, societies::Society, DbConnection};
use balint_core::ledger::{Activity, ActivityKind, Amount, EventType, ReportType, Unit};
use balint_core::register::{Grant, Visibility};
use balint_core::{presets, PersonId, TierId};
use chrono::{Days, NaiveDate};
use criterion::{criterion_group, criterion_main, Criterion};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

const RECORDS: usize = 5_000;

fn person(id: &str, society: &str) -> Person {
    let now = db::now();
    Person {
        id: id.to_owned(),
        society_id: society.to_owned(),
        title: None,
        given_name: None,
        family_name: id.to_owned(),
        display_name: None,
        backgrounds: vec![],
        city: None,
        region: None,
        email: None,
        public_listing: false,
        entered_pathway_on: Some("2015-01-01".parse().unwrap()),
        created_at: now,
        updated_at: now,
    }
}

/// A society on the BSANZ pathway, a trainer and a co-leader on the
/// register, and a trainee with `RECORDS` confirmed records.
fn populate(conn: &mut DbConnection) {
    db::run_migrations(conn).unwrap();
    let now = db::now();
    let society = Society {
        id: "s-1".into(),
        slug: "bsanz".into(),
        name: "BSANZ".into(),
        country: None,
        created_at: now,
    };
    db::write(conn, |conn| {
        db::societies::insert(conn, &society)?;
        db::users::insert(
            conn,
            &db::users::User {
                id: "bench".into(),
                email: "trainer@example.org".into(),
                password_hash: "-".into(),
                is_platform_admin: false,
                created_at: now,
            },
        )?;
        for id in ["trainee", "trainer", "leader"] {
            db::people::insert(conn, &person(id, &society.id))?;
        }
        let pathway = presets::get("bsanz-leader").unwrap().pathway();
        db::pathways::insert(conn, &society.id, &pathway, Some("bsanz-leader"), None, now)?;
        for (who, tier) in [
            ("trainer", "accredited-leader-trainer"),
            ("leader", "accredited-leader"),
            ("trainee", "pathway-trainee"),
        ] {
            let grant = Grant {
                effective: "2014-01-01".parse().unwrap(),
                tier: tier.parse().unwrap(),
                cycle: None,
                reason: "bench".into(),
                visibility: Visibility::Public,
            };
            db::register::grant(conn, &society, &who.parse().unwrap(), grant, None, now)?;
        }
        let trainee: PersonId = "trainee".parse().unwrap();
        let start: NaiveDate = "2015-01-01".parse().unwrap();
        for i in 0..RECORDS {
            let (kind, unit) = match i % 10 {
                0..=3 => (ActivityKind::Leading, Unit::Meetings),
                4 | 5 => (ActivityKind::CoLeading, Unit::Meetings),
                6 | 7 => (ActivityKind::Supervision, Unit::Sessions),
                8 => (ActivityKind::Participation, Unit::Sessions),
                _ if i % 20 == 9 => (ActivityKind::Workshop, Unit::Events),
                _ => (ActivityKind::Report, Unit::Events),
            };
            let mut a = Activity::new(
                balint_accredit_api::ledger::new_id(),
                trainee.clone(),
                kind,
                start + Days::new((i as u64 * 3) % 3600),
                Amount::from_whole(1),
                unit,
            );
            a.cases = matches!(kind, ActivityKind::Leading | ActivityKind::CoLeading).then_some(2);
            a.co_leader = (kind == ActivityKind::CoLeading).then(|| "leader".parse().unwrap());
            a.supervisor = (kind == ActivityKind::Supervision).then(|| "trainer".parse().unwrap());
            a.attestor = Some("trainer".parse().unwrap());
            a.report_type = (kind == ActivityKind::Report).then_some(match i % 3 {
                0 => ReportType::Progress,
                1 => ReportType::FinalSuitability,
                _ => ReportType::TrainingRecord,
            });
            if kind == ActivityKind::Workshop {
                a.event_type = Some(EventType::Intensive);
                a.provider = Some("bsanz".into());
            }
            let mut stored = StoredActivity::pending(a, &society.id, None, None, now);
            stored.status = Status::Confirmed;
            stored.decision = Some(Decision {
                status: Status::Confirmed,
                by_user_id: Some("bench".into()),
                by_person_id: Some("trainer".into()),
                at: now,
                comment: None,
            });
            db::activities::insert(conn, &stored)?;
        }
        Ok(())
    })
    .unwrap();
}

fn bench_on(c: &mut Criterion, name: &str, url: &str) {
    let pool = db::pool(&DatabaseSettings::new(url));
    let mut conn = pool.get().unwrap();
    populate(&mut conn);
    let tier: TierId = "accredited-leader".parse().unwrap();
    let as_of: NaiveDate = "2025-01-01".parse().unwrap();
    let (_, assessment) = progress::assess(&mut conn, "s-1", "trainee", &tier, as_of).unwrap();
    assert!(assessment.eligible, "the bench ledger meets the tier");
    c.bench_function(&format!("progress, {RECORDS} records, {name}"), |b| {
        b.iter(|| progress::assess(&mut conn, "s-1", "trainee", &tier, as_of).unwrap())
    });
    // The parts: reading the ledger alone.
    c.bench_function(
        &format!("reading the ledger, {RECORDS} records, {name}"),
        |b| b.iter(|| db::activities::ledger(&mut conn, "trainee").unwrap()),
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

criterion_group!(benches, bench);
criterion_main!(benches);
