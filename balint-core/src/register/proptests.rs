//! Property tests: whatever valid history an entry has, "as of" queries
//! agree with it, refused changes change nothing, the lapse job is
//! idempotent, and entries survive storage.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Days, NaiveDate};
use proptest::prelude::*;

use super::*;

const TIERS: [&str; 3] = ["accredited-leader", "leader-trainee", "leader-trainer"];

/// One attempted step: which action (an index into the actions allowed from
/// the current status, or into all actions when `force` is set, so that
/// refused changes are tried too), how many days after the latest change,
/// and the details a grant or renewal needs.
#[derive(Debug, Clone)]
struct Step {
    pick: usize,
    force: bool,
    gap_days: u64,
    tier: usize,
    cycle_days: Option<u64>,
    grace_days: u32,
    confidential: bool,
}

fn step() -> impl Strategy<Value = Step> {
    (
        0usize..16,
        prop::bool::weighted(0.2),
        prop_oneof![Just(0u64), 1u64..30, 30u64..800],
        0usize..TIERS.len(),
        prop::option::weighted(0.8, 30u64..1500),
        0u32..120,
        any::<bool>(),
    )
        .prop_map(
            |(pick, force, gap_days, tier, cycle_days, grace_days, confidential)| Step {
                pick,
                force,
                gap_days,
                tier,
                cycle_days,
                grace_days,
                confidential,
            },
        )
}

fn start() -> NaiveDate {
    NaiveDate::from_ymd_opt(2000, 1, 1).unwrap()
}

fn plus(date: NaiveDate, days: u64) -> NaiveDate {
    date.checked_add_days(Days::new(days)).unwrap()
}

fn visibility(confidential: bool) -> Visibility {
    if confidential {
        Visibility::Confidential
    } else {
        Visibility::Public
    }
}

/// Try one step; returns whether it was applied. A refused step must leave
/// the entry exactly as it was.
fn attempt(entry: &mut RegisterEntry, step: &Step) -> bool {
    let status = entry.status();
    let action = if step.force {
        StatusAction::ALL[step.pick % StatusAction::ALL.len()]
    } else {
        let allowed: Vec<StatusAction> = StatusAction::ALL
            .into_iter()
            .filter(|a| a.target(Some(status)).is_ok())
            .collect();
        if allowed.is_empty() {
            return false;
        }
        allowed[step.pick % allowed.len()]
    };
    let effective = plus(entry.latest_change().effective, step.gap_days);
    let reason = format!("{action} on {effective}");
    let vis = visibility(step.confidential);
    let before = entry.clone();
    let result = match action {
        StatusAction::Grant => entry
            .grant(Grant {
                effective,
                tier: TIERS[step.tier].parse().unwrap(),
                cycle: step.cycle_days.map(|days| RenewalCycle {
                    valid_until: plus(effective, days),
                    grace_days: step.grace_days,
                }),
                reason,
                visibility: vis,
            })
            .map(|_| ()),
        StatusAction::Renew => {
            let from = entry
                .valid_until()
                .map_or(effective, |until| until.max(effective));
            entry
                .renew(Renewal {
                    effective,
                    cycle: RenewalCycle {
                        valid_until: plus(from, step.cycle_days.unwrap_or(365)),
                        grace_days: step.grace_days,
                    },
                    reason,
                    visibility: vis,
                })
                .map(|_| ())
        }
        StatusAction::Lapse if step.confidential => {
            // Half the lapses come from the daily job instead of the registrar.
            return entry.lapse_if_due(effective).is_some();
        }
        StatusAction::Suspend => entry
            .change_status(RegistrarAction::Suspend, effective, reason, vis)
            .map(|_| ()),
        StatusAction::Reinstate => entry
            .change_status(RegistrarAction::Reinstate, effective, reason, vis)
            .map(|_| ()),
        StatusAction::Revoke => entry
            .change_status(RegistrarAction::Revoke, effective, reason, vis)
            .map(|_| ()),
        StatusAction::Retire => entry
            .change_status(RegistrarAction::Retire, effective, reason, vis)
            .map(|_| ()),
        StatusAction::Lapse => entry
            .change_status(RegistrarAction::Lapse, effective, reason, vis)
            .map(|_| ()),
        StatusAction::MarkDeceased => entry
            .change_status(RegistrarAction::MarkDeceased, effective, reason, vis)
            .map(|_| ()),
    };
    if result.is_err() {
        assert_eq!(*entry, before, "a refused {action} changed the entry");
    }
    result.is_ok()
}

fn entry_with(first_offset: u64, first_cycle: Option<u64>, steps: &[Step]) -> RegisterEntry {
    let effective = plus(start(), first_offset);
    let mut entry = RegisterEntry::accredit(
        "SOC-0001".parse().unwrap(),
        "p-1".parse().unwrap(),
        Grant {
            effective,
            tier: TIERS[0].parse().unwrap(),
            cycle: first_cycle.map(|days| RenewalCycle {
                valid_until: plus(effective, days),
                grace_days: 60,
            }),
            reason: "first grant".into(),
            visibility: Visibility::Public,
        },
    )
    .unwrap();
    for step in steps {
        attempt(&mut entry, step);
    }
    entry
}

fn entry() -> impl Strategy<Value = RegisterEntry> {
    (
        0u64..3650,
        prop::option::of(30u64..1500),
        prop::collection::vec(step(), 0..25),
    )
        .prop_map(|(offset, cycle, steps)| entry_with(offset, cycle, &steps))
}

/// The status on `date` computed the slow, obvious way: walk the whole
/// history and keep the last status set on or before that day.
fn status_by_walking(history: &[StatusChange], date: NaiveDate) -> Option<Status> {
    let mut status = None;
    for change in history {
        if change.effective <= date {
            status = Some(change.to);
        }
    }
    status
}

proptest! {
    #[test]
    fn status_as_of_agrees_with_the_history_for_every_date(entry in entry()) {
        let history = entry.history();
        let first = history[0].effective;
        let last = entry.latest_change().effective;
        let mut date = first - Days::new(3);
        while date <= last + Days::new(3) {
            prop_assert_eq!(entry.status_as_of(date), status_by_walking(history, date), "on {}", date);
            let holds_any = TIERS.iter().any(|t| entry.holds_tier_on(&t.parse().unwrap(), date));
            if holds_any {
                prop_assert_eq!(entry.status_as_of(date), Some(Status::Accredited));
            }
            prop_assert_eq!(entry.standing_on(date).map(|s| s.status), entry.status_as_of(date));
            date = date + Days::new(1);
        }
        prop_assert_eq!(entry.status_as_of(first - Days::new(1)), None);
        prop_assert_eq!(entry.status_as_of(last), Some(entry.status()));
    }

    #[test]
    fn the_history_chains_and_follows_the_table(entry in entry()) {
        let history = entry.history();
        prop_assert_eq!(history[0].from, None);
        prop_assert_eq!(history[0].action, StatusAction::Grant);
        for pair in history.windows(2) {
            prop_assert!(pair[0].effective <= pair[1].effective);
            prop_assert_eq!(pair[1].from, Some(pair[0].to));
        }
        for change in history {
            prop_assert_eq!(change.action.target(change.from), Ok(change.to));
        }
    }

    #[test]
    fn lapse_if_due_is_idempotent(entry in entry(), days_after in 0u64..3000) {
        let mut entry = entry;
        let as_of = plus(entry.latest_change().effective, days_after);
        let first = entry.lapse_if_due(as_of);
        let after_first = entry.clone();
        prop_assert_eq!(entry.lapse_if_due(as_of), None);
        prop_assert_eq!(&entry, &after_first);
        if let Some(change) = first {
            prop_assert!(change.effective <= as_of);
            prop_assert_eq!(Some(change.effective), after_first.lapses_on().map(|d| d.max(change.effective)));
            prop_assert_eq!(entry.status_as_of(as_of), Some(Status::Lapsed));
            // Later runs find nothing to do either.
            prop_assert_eq!(entry.lapse_if_due(plus(as_of, 400)), None);
        } else if let Some(lapses_on) = entry.lapses_on() {
            // Nothing happened: either not due yet, or nothing left to lapse.
            prop_assert!(
                as_of < lapses_on
                    || !matches!(entry.status(), Status::Accredited | Status::Suspended)
            );
        }
    }

    #[test]
    fn entries_survive_storage(entry in entry()) {
        let json = serde_json::to_string(&entry).unwrap();
        let back: RegisterEntry = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(&back, &entry);
        let rebuilt = RegisterEntry::from_history(
            entry.registration().clone(),
            entry.person().clone(),
            entry.history().to_vec(),
        );
        prop_assert_eq!(rebuilt, Ok(entry));
    }

    #[test]
    fn the_public_history_withholds_exactly_the_confidential_reasons(entry in entry()) {
        let public = entry.public_history();
        prop_assert_eq!(public.len(), entry.history().len());
        for (shown, change) in public.iter().zip(entry.history()) {
            prop_assert_eq!((shown.effective, shown.to), (change.effective, change.to));
            match change.visibility {
                Visibility::Public => prop_assert_eq!(shown.reason.as_ref(), Some(&change.reason)),
                Visibility::Confidential => prop_assert_eq!(&shown.reason, &None),
            }
        }
    }
}
