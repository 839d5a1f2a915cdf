//! The register: accredited leaders and trainers, their statuses over time,
//! and renewal cycles.
//!
//! A [`RegisterEntry`] is one person's entry: a registration number, the
//! tiers granted, and an append-only, dated history of [`StatusChange`]s,
//! each with a reason and a [`Visibility`]. Everything else (status on a
//! day, tiers held on a day, the cycle end, the lapse day) is read from that
//! history. A [`Register`] is a society's collection of entries and answers
//! "did person P hold tier T on day D".
//!
//! # Transitions
//!
//! Only these changes are allowed ([`StatusAction::target`]); anything else
//! is a [`RegisterError::IllegalTransition`] saying from what, to what, and
//! why, and leaves the entry unchanged.
//!
//! | action \ from   | (none)     | accredited | suspended | lapsed     | retired    | revoked | deceased |
//! |-----------------|------------|------------|-----------|------------|------------|---------|----------|
//! | grant           | accredited | accredited¹| –         | accredited²| accredited²| –       | –        |
//! | renew           | –          | accredited | –         | accredited | –          | –       | –        |
//! | suspend         | –          | suspended  | –         | –          | –          | –       | –        |
//! | reinstate       | –          | –          | accredited| –          | –          | –       | –        |
//! | revoke          | –          | revoked    | revoked   | revoked    | revoked    | –       | –        |
//! | retire          | –          | retired    | –         | retired    | –          | –       | –        |
//! | lapse           | –          | lapsed     | lapsed    | –          | –          | –       | –        |
//! | mark_deceased   | –          | deceased   | deceased  | deceased   | deceased   | –       | –        |
//!
//! ¹ a further tier (e.g. leader trainer); granting a tier already held is
//! refused. ² re-accreditation through a new grant.
//!
//! In words: revoked and deceased are final; a suspension ends only by
//! reinstatement or revocation (it must end before a grant, renewal or
//! retirement); a lapsed entry comes back only by renewal or a new grant,
//! never by reinstatement; a retired leader comes back by a new grant.
//!
//! # Dates
//!
//! A change takes effect on its `effective` day: on that day the entry has
//! the new status. Changes may be dated in the future but never before the
//! entry's latest change ([`RegisterError::BackDated`]); several changes on
//! one day apply in the order recorded. Nothing here reads a clock: "today"
//! is always passed in.
//!
//! # Renewal
//!
//! Where a pathway sets a cycle ([`RenewalPolicy`]), each grant or renewal
//! carries a [`RenewalCycle`]: the day the entry runs to and the grace
//! period after it. An entry not renewed lapses on the day after the grace
//! period; [`RegisterEntry::lapse_if_due`] (and [`Register::lapse_due`] for a
//! whole register) records that lapse, dated the day it was due, and is
//! idempotent.
//!
//! # Public view
//!
//! The public register must never show a suspended or revoked leader as
//! accredited, so every change's date, action, statuses, tier and cycle end
//! are public; a [`Visibility::Confidential`] change withholds only its
//! reason ([`RegisterEntry::public_history`]).
//!
//! # Holding a tier
//!
//! An entry holds a tier on a day only if the tier was granted by then and
//! the entry was `accredited` that day. A suspended, lapsed, revoked,
//! retired or deceased leader does not count as an accredited co-leader or
//! supervisor, even for a tier they reached earlier.
//!
//! ```
//! use balint_core::register::{Grant, RegisterEntry, RegistrarAction, Status, Visibility};
//! use chrono::NaiveDate;
//!
//! let day = |s: &str| s.parse::<NaiveDate>().unwrap();
//! let mut entry = RegisterEntry::accredit(
//!     "BSANZ-0042".parse().unwrap(),
//!     "p-17".parse().unwrap(),
//!     Grant {
//!         effective: day("2024-03-01"),
//!         tier: "accredited-leader".parse().unwrap(),
//!         cycle: None,
//!         reason: "council decision 2024/7".into(),
//!         visibility: Visibility::Public,
//!     },
//! )?;
//! entry.change_status(RegistrarAction::Suspend, day("2025-05-10"), "complaint under review", Visibility::Confidential)?;
//! entry.change_status(RegistrarAction::Revoke, day("2025-09-01"), "council decision 2025/3", Visibility::Public)?;
//!
//! assert_eq!(entry.status_as_of(day("2024-02-29")), None);
//! assert_eq!(entry.status_as_of(day("2025-05-10")), Some(Status::Suspended));
//! let refused = entry.change_status(RegistrarAction::Reinstate, day("2025-10-01"), "appeal", Visibility::Public);
//! assert_eq!(
//!     refused.unwrap_err().to_string(),
//!     "a revoked entry cannot be reinstated: revocation is final; no change follows it",
//! );
//! # Ok::<(), balint_core::register::RegisterError>(())
//! ```

mod change;
mod entry;
mod error;
mod renewal;
mod status;

#[cfg(test)]
mod proptests;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::ids::{PersonId, RegistrationNumber, TierId};

pub use change::{PublicStatusChange, StatusChange, Visibility};
pub use entry::{Grant, PublicEntry, RegisterEntry, Renewal, Standing, TierHeld};
pub use error::RegisterError;
pub use renewal::{RenewalCycle, RenewalPolicy};
pub use status::{IllegalTransition, RegistrarAction, Status, StatusAction, UnknownStatus};

/// A society's register: its entries, one per person and per registration
/// number. Serialized as a list of entries ordered by registration number.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<RegisterEntry>", into = "Vec<RegisterEntry>")]
pub struct Register {
    entries: BTreeMap<RegistrationNumber, RegisterEntry>,
    by_person: BTreeMap<PersonId, RegistrationNumber>,
}

impl Register {
    /// An empty register.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add an entry; refused if its registration number or its person is
    /// already on the register.
    pub fn insert(&mut self, entry: RegisterEntry) -> Result<(), RegisterError> {
        if self.entries.contains_key(entry.registration()) {
            return Err(RegisterError::DuplicateRegistration(
                entry.registration().clone(),
            ));
        }
        if let Some(registration) = self.by_person.get(entry.person()) {
            return Err(RegisterError::PersonAlreadyRegistered {
                person: entry.person().clone(),
                registration: registration.clone(),
            });
        }
        self.by_person
            .insert(entry.person().clone(), entry.registration().clone());
        self.entries.insert(entry.registration().clone(), entry);
        Ok(())
    }

    /// The entry with this registration number.
    pub fn get(&self, registration: &RegistrationNumber) -> Option<&RegisterEntry> {
        self.entries.get(registration)
    }

    /// The entry with this registration number, to change it through its
    /// own methods (which keep its history valid).
    pub fn get_mut(&mut self, registration: &RegistrationNumber) -> Option<&mut RegisterEntry> {
        self.entries.get_mut(registration)
    }

    /// The person's entry, if they are on the register.
    pub fn entry_for(&self, person: &PersonId) -> Option<&RegisterEntry> {
        self.by_person
            .get(person)
            .and_then(|registration| self.entries.get(registration))
    }

    /// Every entry, ordered by registration number.
    pub fn entries(&self) -> impl Iterator<Item = &RegisterEntry> {
        self.entries.values()
    }

    /// How many entries there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the register has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The next free registration number of the form `{prefix}-NNNN`
    /// (e.g. `BSANZ-0042`): one more than the highest number already issued
    /// with that prefix, at least four digits.
    pub fn next_registration(&self, prefix: &str) -> Result<RegistrationNumber, RegisterError> {
        let highest = self
            .entries
            .keys()
            .filter_map(|registration| {
                registration
                    .as_str()
                    .strip_prefix(prefix)?
                    .strip_prefix('-')?
                    .parse::<u64>()
                    .ok()
            })
            .max()
            .unwrap_or(0);
        Ok(format!("{prefix}-{:04}", highest + 1).parse()?)
    }

    /// Record a granted application: a further tier or re-accreditation on
    /// the person's existing entry, or, if they are not on the register yet,
    /// a new entry numbered by [`Self::next_registration`] with `prefix`.
    /// Returns the entry as it now stands.
    pub fn grant(
        &mut self,
        person: &PersonId,
        grant: Grant,
        prefix: &str,
    ) -> Result<&RegisterEntry, RegisterError> {
        let registration = match self.by_person.get(person) {
            Some(registration) => {
                let registration = registration.clone();
                if let Some(entry) = self.entries.get_mut(&registration) {
                    entry.grant(grant)?;
                }
                registration
            }
            None => {
                let registration = self.next_registration(prefix)?;
                self.insert(RegisterEntry::accredit(
                    registration.clone(),
                    person.clone(),
                    grant,
                )?)?;
                registration
            }
        };
        // Present: it was either found through `by_person` or just inserted.
        Ok(&self.entries[&registration])
    }

    /// Whether `person` held `tier` on `date`: on the register, granted the
    /// tier by then, and accredited that day (see
    /// [`RegisterEntry::holds_tier_on`]).
    pub fn holds_tier_on(&self, person: &PersonId, tier: &TierId, date: NaiveDate) -> bool {
        self.entry_for(person)
            .is_some_and(|entry| entry.holds_tier_on(tier, date))
    }

    /// Entries due for renewal within `within_days` of `as_of` (see
    /// [`RegisterEntry::due_for_renewal`]), soonest cycle end first, then by
    /// registration number.
    pub fn due_for_renewal(&self, as_of: NaiveDate, within_days: u32) -> Vec<&RegisterEntry> {
        let mut due: Vec<&RegisterEntry> = self
            .entries()
            .filter(|entry| entry.due_for_renewal(as_of, within_days))
            .collect();
        // Stable sort keeps registration order among equal cycle ends.
        due.sort_by_key(|entry| entry.valid_until());
        due
    }

    /// The daily job: record the lapse of every entry due to lapse by
    /// `as_of`, and return the changes made with their registration
    /// numbers. Running it again on the same day changes nothing.
    pub fn lapse_due(&mut self, as_of: NaiveDate) -> Vec<(RegistrationNumber, StatusChange)> {
        self.entries
            .values_mut()
            .filter_map(|entry| {
                entry
                    .lapse_if_due(as_of)
                    .map(|change| (entry.registration().clone(), change))
            })
            .collect()
    }
}

impl TryFrom<Vec<RegisterEntry>> for Register {
    type Error = RegisterError;
    fn try_from(entries: Vec<RegisterEntry>) -> Result<Self, Self::Error> {
        let mut register = Register::new();
        for entry in entries {
            register.insert(entry)?;
        }
        Ok(register)
    }
}

impl From<Register> for Vec<RegisterEntry> {
    fn from(register: Register) -> Self {
        register.entries.into_values().collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn entry(
        registration: &str,
        person: &str,
        from: &str,
        valid_until: Option<&str>,
    ) -> RegisterEntry {
        RegisterEntry::accredit(
            registration.parse().unwrap(),
            person.parse().unwrap(),
            Grant {
                effective: day(from),
                tier: "accredited-leader".parse().unwrap(),
                cycle: valid_until.map(|until| RenewalCycle {
                    valid_until: day(until),
                    grace_days: 30,
                }),
                reason: "council decision".into(),
                visibility: Visibility::Public,
            },
        )
        .unwrap()
    }

    fn register() -> Register {
        let mut register = Register::new();
        register
            .insert(entry("BSANZ-0001", "ann", "2020-01-01", Some("2026-06-30")))
            .unwrap();
        register
            .insert(entry("BSANZ-0002", "bob", "2021-01-01", Some("2026-03-31")))
            .unwrap();
        register
            .insert(entry("BSANZ-0003", "cat", "2022-01-01", None))
            .unwrap();
        register
    }

    #[test]
    fn a_person_or_registration_number_appears_once() {
        let mut register = register();
        assert_eq!(
            register.insert(entry("BSANZ-0001", "dan", "2024-01-01", None)),
            Err(RegisterError::DuplicateRegistration(
                "BSANZ-0001".parse().unwrap()
            ))
        );
        let err = register
            .insert(entry("BSANZ-0009", "ann", "2024-01-01", None))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "person ann is already on the register as BSANZ-0001"
        );
        assert_eq!(register.len(), 3);
    }

    #[test]
    fn a_grant_numbers_a_new_entry_or_updates_the_existing_one() {
        let mut register = register();
        register
            .insert(entry("UKBS-12", "eve", "2020-01-01", None))
            .unwrap();
        assert_eq!(
            register.next_registration("BSANZ").unwrap().as_str(),
            "BSANZ-0004"
        );
        assert_eq!(
            register.next_registration("DBG").unwrap().as_str(),
            "DBG-0001"
        );
        assert!(matches!(
            register.next_registration("no spaces"),
            Err(RegisterError::InvalidRegistrationNumber(_))
        ));

        let grant = |tier: &str| Grant {
            effective: day("2025-02-01"),
            tier: tier.parse().unwrap(),
            cycle: None,
            reason: "council decision 2025/1".into(),
            visibility: Visibility::Public,
        };
        let dan = register
            .grant(&"dan".parse().unwrap(), grant("accredited-leader"), "BSANZ")
            .unwrap();
        assert_eq!(dan.registration().as_str(), "BSANZ-0004");
        assert_eq!(dan.first_accredited(), day("2025-02-01"));

        let ann = register
            .grant(&"ann".parse().unwrap(), grant("leader-trainer"), "BSANZ")
            .unwrap();
        assert_eq!(ann.registration().as_str(), "BSANZ-0001");
        assert_eq!(ann.tiers().len(), 2);
        assert_eq!(register.len(), 5);

        let err = register
            .grant(&"ann".parse().unwrap(), grant("leader-trainer"), "BSANZ")
            .unwrap_err();
        assert!(matches!(err, RegisterError::TierAlreadyHeld { .. }));
    }

    #[test]
    fn holds_tier_on_answers_for_a_person_and_a_day() {
        let mut register = register();
        let leader: TierId = "accredited-leader".parse().unwrap();
        let ann: PersonId = "ann".parse().unwrap();
        assert!(!register.holds_tier_on(&ann, &leader, day("2019-12-31")));
        assert!(register.holds_tier_on(&ann, &leader, day("2020-01-01")));
        assert!(!register.holds_tier_on(
            &ann,
            &"leader-trainer".parse().unwrap(),
            day("2024-01-01")
        ));
        assert!(!register.holds_tier_on(&"nobody".parse().unwrap(), &leader, day("2024-01-01")));

        register
            .get_mut(&"BSANZ-0001".parse().unwrap())
            .unwrap()
            .change_status(
                RegistrarAction::Suspend,
                day("2024-05-01"),
                "complaint",
                Visibility::Confidential,
            )
            .unwrap();
        assert!(register.holds_tier_on(&ann, &leader, day("2024-04-30")));
        assert!(!register.holds_tier_on(&ann, &leader, day("2024-05-01")));
    }

    #[test]
    fn evaluation_sees_a_suspended_supervisor_as_not_holding_the_tier() {
        use crate::evaluate::RegisterView;
        let mut register = register();
        let leader: TierId = "accredited-leader".parse().unwrap();
        let bob: PersonId = "bob".parse().unwrap();
        register
            .get_mut(&"BSANZ-0002".parse().unwrap())
            .unwrap()
            .change_status(
                RegistrarAction::Suspend,
                day("2024-05-01"),
                "complaint",
                Visibility::Confidential,
            )
            .unwrap();
        let view: &dyn RegisterView = &register;
        assert!(view.held_tier_on(&bob, &leader, day("2024-04-30")));
        assert!(!view.held_tier_on(&bob, &leader, day("2024-05-01")));
    }

    #[test]
    fn due_for_renewal_lists_the_soonest_first() {
        let register = register();
        let due: Vec<&str> = register
            .due_for_renewal(day("2026-01-01"), 200)
            .into_iter()
            .map(|e| e.registration().as_str())
            .collect();
        assert_eq!(due, vec!["BSANZ-0002", "BSANZ-0001"]);
        let due: Vec<&str> = register
            .due_for_renewal(day("2026-01-01"), 100)
            .into_iter()
            .map(|e| e.registration().as_str())
            .collect();
        assert_eq!(due, vec!["BSANZ-0002"]);
    }

    #[test]
    fn the_daily_lapse_job_is_idempotent() {
        let mut register = register();
        // bob: cycle to 2026-03-31, 30 days' grace, lapses on 2026-05-01.
        assert!(register.lapse_due(day("2026-04-30")).is_empty());
        let lapsed = register.lapse_due(day("2026-05-01"));
        assert_eq!(lapsed.len(), 1);
        assert_eq!(lapsed[0].0.as_str(), "BSANZ-0002");
        assert_eq!(lapsed[0].1.effective, day("2026-05-01"));
        let after_first = register.clone();
        assert!(register.lapse_due(day("2026-05-01")).is_empty());
        assert_eq!(register, after_first);

        // A late run picks up ann, dated from her own lapse day.
        let lapsed = register.lapse_due(day("2026-12-01"));
        assert_eq!(lapsed.len(), 1);
        assert_eq!(lapsed[0].1.effective, day("2026-07-31"));
        let cat = register.entry_for(&"cat".parse().unwrap()).unwrap();
        assert_eq!(cat.status(), Status::Accredited);
    }

    #[test]
    fn a_register_round_trips_through_json_and_refuses_duplicates() {
        let register = register();
        let json = serde_json::to_value(&register).unwrap();
        assert_eq!(json.as_array().unwrap().len(), 3);
        assert_eq!(json[0]["registration"], "BSANZ-0001");
        let back: Register = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(back, register);
        assert!(back.holds_tier_on(
            &"bob".parse().unwrap(),
            &"accredited-leader".parse().unwrap(),
            day("2022-01-01")
        ));

        let mut doubled = json.as_array().unwrap().clone();
        doubled.push(json[0].clone());
        let err = serde_json::from_value::<Register>(doubled.into()).unwrap_err();
        assert!(err.to_string().contains("already on the register"), "{err}");
    }
}
