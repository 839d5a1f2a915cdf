//! Evaluation speed: one large ledger against the BSANZ accredited-leader
//! tier, and a whole register of people evaluated one after another.
//!
//! `cargo bench -p balint-core --bench evaluate`

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use balint_core::evaluate::{Candidate, HeldTier, Inputs, RegisterSnapshot};
use balint_core::ledger::{
    Activity, ActivityKind, Amount, Attestation, EventType, ReportType, Unit,
};
use balint_core::{presets, PersonId, TierId};
use chrono::{Days, NaiveDate};
use criterion::{black_box, criterion_group, criterion_main, Criterion};

fn start() -> NaiveDate {
    "2015-01-01".parse().unwrap()
}

/// `n` attested records for `person`, a realistic mix of the kinds BSANZ counts.
fn ledger(person: &PersonId, n: usize) -> Vec<Activity> {
    let confirmed = Attestation::Confirmed {
        by: "att".parse().unwrap(),
        on: start(),
    };
    (0..n)
        .map(|i| {
            let date = start() + Days::new((i as u64 * 3) % 3600);
            let (kind, unit) = match i % 10 {
                0..=3 => (ActivityKind::Leading, Unit::Meetings),
                4 | 5 => (ActivityKind::CoLeading, Unit::Meetings),
                6 | 7 => (ActivityKind::Supervision, Unit::Sessions),
                8 => (ActivityKind::Participation, Unit::Sessions),
                _ => {
                    if i % 20 == 9 {
                        (ActivityKind::Workshop, Unit::Events)
                    } else {
                        (ActivityKind::Report, Unit::Events)
                    }
                }
            };
            let mut a = Activity::new(
                format!("{person}-{i}").parse().unwrap(),
                person.clone(),
                kind,
                date,
                Amount::from_whole(1),
                unit,
            );
            a.cases = matches!(kind, ActivityKind::Leading | ActivityKind::CoLeading).then_some(2);
            a.co_leader = (kind == ActivityKind::CoLeading).then(|| "leader-a".parse().unwrap());
            a.supervisor =
                (kind == ActivityKind::Supervision).then(|| "trainer-t".parse().unwrap());
            a.event_type = (kind == ActivityKind::Workshop).then_some(EventType::Intensive);
            a.provider = (kind == ActivityKind::Workshop).then(|| "bsanz".into());
            a.report_type = (kind == ActivityKind::Report).then_some(if i % 3 == 0 {
                ReportType::Progress
            } else {
                ReportType::TrainingRecord
            });
            a.attestation = confirmed.clone();
            a
        })
        .collect()
}

fn candidate(person: PersonId) -> Candidate {
    Candidate {
        person,
        backgrounds: vec![],
        entered_pathway: Some(start()),
        tiers_held: vec![HeldTier {
            tier: "pathway-trainee".parse().unwrap(),
            since: start(),
        }],
    }
}

fn register() -> RegisterSnapshot {
    let mut r = RegisterSnapshot::new();
    r.add(
        "leader-a".parse().unwrap(),
        "accredited-leader".parse().unwrap(),
        start(),
        None,
    );
    r.add(
        "trainer-t".parse().unwrap(),
        "accredited-leader-trainer".parse().unwrap(),
        start(),
        None,
    );
    r
}

fn bench(c: &mut Criterion) {
    let pathway = presets::get("bsanz-leader").unwrap().pathway();
    let tier: TierId = "accredited-leader".parse().unwrap();
    let as_of: NaiveDate = "2025-01-01".parse().unwrap();
    let reg = register();

    let person: PersonId = "p-0".parse().unwrap();
    let big = ledger(&person, 10_000);
    let cand = candidate(person);
    c.bench_function("bsanz accredited leader, 10,000 records", |b| {
        b.iter(|| {
            Inputs::new(&pathway, &cand, black_box(&big), as_of)
                .with_register(&reg)
                .evaluate(&tier)
                .unwrap()
        })
    });

    let people: Vec<(Candidate, Vec<Activity>)> = (0..10_000)
        .map(|i| {
            let p: PersonId = format!("p-{i}").parse().unwrap();
            (candidate(p.clone()), ledger(&p, 200))
        })
        .collect();
    let mut group = c.benchmark_group("register");
    group.sample_size(10);
    group.bench_function("10,000 people x 200 records", |b| {
        b.iter(|| {
            people
                .iter()
                .filter(|(cand, l)| {
                    Inputs::new(&pathway, cand, black_box(l), as_of)
                        .with_register(&reg)
                        .evaluate(&tier)
                        .unwrap()
                        .eligible
                })
                .count()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
