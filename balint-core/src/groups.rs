//! What one recorded meeting of a Balint group writes into its people's
//! ledgers.
//!
//! A leader records a session once. That gives every attendee a
//! participation record, already confirmed by the leader who records it
//! (the attestor), and every leader of the group on that day a leading
//! record (alone) or a co-leading record (naming the other leader). Nobody
//! attests their own record: the recording leader's own record waits for
//! the other leader's confirmation (so a trainee co-leader who records the
//! session waits for the accredited leader), and a sole leader's waits for
//! the registrar or a supervisor they name. A co-leader's record is
//! confirmed by the recording leader, who co-led with them.
//!
//! Sessions hold counts only (cases presented, follow-ups): no case
//! content is ever recorded.
//!
//! ```
//! use balint_core::groups::{Meeting, Written};
//! use balint_core::ledger::{ActivityKind, Delivery};
//! use balint_core::PersonId;
//!
//! let p = |s: &str| s.parse::<PersonId>().unwrap();
//! let meeting = Meeting {
//!     date: "2026-03-04".parse().unwrap(),
//!     minutes: 90,
//!     group: "Tuesday group".to_owned(),
//!     ongoing: true,
//!     cases: 2,
//! };
//! let (ada, ben, cy) = (p("ada"), p("ben"), p("cy"));
//!
//! // Cy attended in person; Ben recorded the session.
//! let (record, written) = meeting.participation(&cy, Delivery::InPerson, &ben);
//! assert_eq!(record.kind, ActivityKind::Participation);
//! assert_eq!(written, Written::Confirmed { by: ben.clone() });
//!
//! // Ada (a trainee) and Ben co-led: Ben's own record waits for Ada, Ada's
//! // is confirmed by Ben.
//! let leaders = meeting.leading(&[ada.clone(), ben.clone()], Delivery::InPerson, &ben);
//! assert_eq!(leaders[0].1, Written::Confirmed { by: ben.clone() });
//! assert_eq!(leaders[1].1, Written::Pending { attestor: Some(ada.clone()) });
//! assert_eq!(leaders[1].0.co_leader, Some(ada));
//! ```

use chrono::NaiveDate;

use crate::ids::{ActivityId, PersonId};
use crate::ledger::{Activity, ActivityKind, Amount, Delivery, Unit};

/// One meeting of a group, as its records need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meeting {
    /// The day it was held.
    pub date: NaiveDate,
    /// How long it ran, in minutes.
    pub minutes: u32,
    /// The group's name, as the records name it.
    pub group: String,
    /// Whether the group is an ongoing (standing) group.
    pub ongoing: bool,
    /// Cases presented (a count, never their content).
    pub cases: u32,
}

/// How a record a session writes starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Written {
    /// Confirmed already, by the leader who recorded the session.
    Confirmed {
        /// The recording leader.
        by: PersonId,
    },
    /// Pending: waiting for `attestor` (none: the registrar, or a
    /// supervisor the leader names).
    Pending {
        /// Who is asked to confirm it.
        attestor: Option<PersonId>,
    },
}

fn placeholder_id() -> ActivityId {
    ActivityId::try_from("new").unwrap_or_else(|_| unreachable!())
}

impl Meeting {
    fn record(&self, person: &PersonId, kind: ActivityKind, delivery: Delivery) -> Activity {
        let mut a = Activity::new(
            placeholder_id(),
            person.clone(),
            kind,
            self.date,
            Amount::from_whole(1),
            Unit::Sessions,
        );
        a.duration_minutes = Some(self.minutes);
        a.delivery = delivery;
        a.group = Some(self.group.clone());
        a.ongoing_group = self.ongoing;
        a
    }

    /// The participation record of `person`, who attended by `delivery`,
    /// in a session `recorder` recorded: one session of the meeting's
    /// length, confirmed by the recorder. Its id is a placeholder for the
    /// caller to replace.
    pub fn participation(
        &self,
        person: &PersonId,
        delivery: Delivery,
        recorder: &PersonId,
    ) -> (Activity, Written) {
        let mut a = self.record(person, ActivityKind::Participation, delivery);
        a.attestor = Some(recorder.clone());
        (
            a,
            Written::Confirmed {
                by: recorder.clone(),
            },
        )
    }

    /// The records of the meeting's `leaders` (in their order), as
    /// `recorder` (one of them) recorded it: one leader leads, two or more
    /// co-lead (each naming the next as co-leader, the last the first). The
    /// recorder's own record waits for their co-leader (or, alone, for
    /// nobody named); the others are confirmed by the recorder.
    pub fn leading(
        &self,
        leaders: &[PersonId],
        delivery: Delivery,
        recorder: &PersonId,
    ) -> Vec<(Activity, Written)> {
        let alone = leaders.len() < 2;
        leaders
            .iter()
            .enumerate()
            .map(|(i, leader)| {
                let kind = if alone {
                    ActivityKind::Leading
                } else {
                    ActivityKind::CoLeading
                };
                let mut a = self.record(leader, kind, delivery);
                a.cases = Some(self.cases);
                let other = (!alone).then(|| {
                    // The co-leader named: the recorder where the leader is
                    // not the recorder, else the next leader.
                    if leader != recorder && leaders.contains(recorder) {
                        recorder.clone()
                    } else {
                        leaders[(i + 1) % leaders.len()].clone()
                    }
                });
                a.co_leader = other.clone();
                if leader == recorder {
                    a.attestor = other.clone();
                    (a, Written::Pending { attestor: other })
                } else {
                    a.attestor = Some(recorder.clone());
                    (
                        a,
                        Written::Confirmed {
                            by: recorder.clone(),
                        },
                    )
                }
            })
            .collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn p(s: &str) -> PersonId {
        s.parse().unwrap()
    }

    fn meeting() -> Meeting {
        Meeting {
            date: "2026-03-04".parse().unwrap(),
            minutes: 90,
            group: "Tuesday".to_owned(),
            ongoing: false,
            cases: 1,
        }
    }

    #[test]
    fn a_sole_leaders_record_waits_for_nobody_named() {
        let led = meeting().leading(&[p("ben")], Delivery::Online, &p("ben"));
        assert_eq!(led.len(), 1);
        assert_eq!(led[0].0.kind, ActivityKind::Leading);
        assert_eq!(led[0].0.co_leader, None);
        assert_eq!(led[0].1, Written::Pending { attestor: None });
        assert!(led[0].0.problems().is_empty(), "{:?}", led[0].0.problems());
    }

    #[test]
    fn the_recorders_own_record_waits_for_the_co_leader() {
        let led = meeting().leading(&[p("ada"), p("ben")], Delivery::InPerson, &p("ada"));
        assert_eq!(
            led[0].1,
            Written::Pending {
                attestor: Some(p("ben"))
            }
        );
        assert_eq!(led[0].0.co_leader, Some(p("ben")));
        assert_eq!(led[1].1, Written::Confirmed { by: p("ada") });
        assert_eq!(led[1].0.co_leader, Some(p("ada")));
        for (a, _) in &led {
            assert_eq!(a.kind, ActivityKind::CoLeading);
            assert_eq!(a.cases, Some(1));
            assert!(a.problems().is_empty(), "{:?}", a.problems());
        }
    }

    #[test]
    fn participation_is_one_session_of_the_meetings_length() {
        let (a, w) = meeting().participation(&p("cy"), Delivery::Online, &p("ben"));
        assert_eq!(a.amount, Amount::from_whole(1));
        assert_eq!(a.amount_in(Unit::Minutes), Some(Amount::from_whole(90)));
        assert_eq!(a.delivery, Delivery::Online);
        assert_eq!(a.attestor, Some(p("ben")));
        assert_eq!(w, Written::Confirmed { by: p("ben") });
        assert!(a.problems().is_empty());
    }
}
