//! A person's register entry: registration number, dated history of status
//! changes, the tiers reached, and the renewal cycle.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::ids::{PersonId, RegistrationNumber, TierId};

use super::{
    PublicStatusChange, RegisterError, RegistrarAction, RenewalCycle, Status, StatusAction,
    StatusChange, Visibility,
};

/// A grant of a tier: the first accreditation, a higher tier, or
/// re-accreditation after a lapse or retirement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    /// The day the grant takes effect.
    pub effective: NaiveDate,
    /// The tier granted, e.g. `accredited-leader`.
    pub tier: TierId,
    /// The cycle the entry runs under from the grant on, where the pathway
    /// sets one; `None` means the entry has no end date from then on.
    pub cycle: Option<RenewalCycle>,
    /// Why (e.g. the application and decision it follows).
    pub reason: String,
    /// Whether the reason is public.
    pub visibility: Visibility,
}

/// A renewal for a further cycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Renewal {
    /// The day the renewal is recorded as taking effect.
    pub effective: NaiveDate,
    /// The new cycle; it must run beyond the current one.
    pub cycle: RenewalCycle,
    /// Why (e.g. the renewal requirements met).
    pub reason: String,
    /// Whether the reason is public.
    pub visibility: Visibility,
}

/// A tier an entry has reached, and the day it was first granted.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TierHeld {
    /// The tier.
    pub tier: TierId,
    /// The day it was first granted.
    pub reached: NaiveDate,
}

/// Where an entry stood on a given day: the answer to "verify".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Standing {
    /// The day asked about.
    pub on: NaiveDate,
    /// The status that day.
    pub status: Status,
    /// The tier most recently granted by that day.
    pub tier: TierId,
    /// Every tier granted by that day. Whether they count as held depends on
    /// `status` (only `accredited` holds tiers).
    pub tiers: Vec<TierHeld>,
    /// The last day of the cycle the entry was running under that day, if
    /// it had one.
    pub valid_until: Option<NaiveDate>,
}

/// What the public register shows of an entry on a day. The service adds
/// the person's title, name and city, and only for people who consented to
/// be listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicEntry {
    /// The registration number.
    pub registration: RegistrationNumber,
    /// The status that day.
    pub status: Status,
    /// The tier most recently granted by that day.
    pub tier: TierId,
    /// The day of the first grant.
    pub first_accredited: NaiveDate,
    /// The last day of the cycle the entry was running under that day.
    pub valid_until: Option<NaiveDate>,
    /// The changes up to that day, confidential reasons withheld.
    pub history: Vec<PublicStatusChange>,
}

/// One person's entry on a society's register.
///
/// Its history is the single source of truth: status, tiers and cycle on any
/// day are read from it, and it only grows, through methods that follow the
/// transition table. Every method that changes the entry either appends one
/// change or returns an error and changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "EntryRecord")]
pub struct RegisterEntry {
    registration: RegistrationNumber,
    person: PersonId,
    /// Never empty (starts with the first grant); dates never decrease.
    history: Vec<StatusChange>,
}

/// The stored form of an entry, checked by replaying it on the way in.
#[derive(Deserialize)]
struct EntryRecord {
    registration: RegistrationNumber,
    person: PersonId,
    history: Vec<StatusChange>,
}

impl TryFrom<EntryRecord> for RegisterEntry {
    type Error = RegisterError;
    fn try_from(record: EntryRecord) -> Result<Self, Self::Error> {
        RegisterEntry::from_history(record.registration, record.person, record.history)
    }
}

/// A change about to be appended, before it is checked.
struct Proposed {
    action: StatusAction,
    effective: NaiveDate,
    reason: String,
    visibility: Visibility,
    tier: Option<TierId>,
    cycle: Option<RenewalCycle>,
}

impl RegisterEntry {
    /// Put a person on the register with their first grant.
    pub fn accredit(
        registration: RegistrationNumber,
        person: PersonId,
        grant: Grant,
    ) -> Result<Self, RegisterError> {
        let first = next_change(&[], grant.into())?;
        Ok(Self {
            registration,
            person,
            history: vec![first],
        })
    }

    /// Rebuild an entry from a stored history, checking that it replays
    /// under the rules: it starts with a grant, dates never go back, every
    /// transition is allowed, and the recorded `from`/`to` are the ones the
    /// rules give.
    pub fn from_history(
        registration: RegistrationNumber,
        person: PersonId,
        history: Vec<StatusChange>,
    ) -> Result<Self, RegisterError> {
        if history.is_empty() {
            return Err(RegisterError::EmptyHistory);
        }
        let mut replayed: Vec<StatusChange> = Vec::with_capacity(history.len());
        for (index, recorded) in history.into_iter().enumerate() {
            let invalid = |problem: String| RegisterError::InvalidHistory { index, problem };
            if let Some(problem) = shape_problem(&recorded) {
                return Err(invalid(problem.into()));
            }
            let checked = next_change(
                &replayed,
                Proposed {
                    action: recorded.action,
                    effective: recorded.effective,
                    reason: recorded.reason.clone(),
                    visibility: recorded.visibility,
                    tier: recorded.tier.clone(),
                    cycle: recorded.cycle,
                },
            )
            .map_err(|err| invalid(err.to_string()))?;
            if checked != recorded {
                return Err(invalid(format!(
                    "recorded as {} -> {} but the rules give {} -> {}",
                    status_name(recorded.from),
                    recorded.to,
                    status_name(checked.from),
                    checked.to
                )));
            }
            replayed.push(checked);
        }
        Ok(Self {
            registration,
            person,
            history: replayed,
        })
    }

    /// The registration number, e.g. `BSANZ-0042`.
    pub fn registration(&self) -> &RegistrationNumber {
        &self.registration
    }

    /// The person the entry is for.
    pub fn person(&self) -> &PersonId {
        &self.person
    }

    /// Every change, oldest first, confidential reasons included.
    pub fn history(&self) -> &[StatusChange] {
        &self.history
    }

    /// The entry's latest change (the one that set [`Self::status`]).
    pub fn latest_change(&self) -> &StatusChange {
        // The history is never empty: every constructor starts it with a grant.
        &self.history[self.history.len() - 1]
    }

    /// The day of the first grant.
    pub fn first_accredited(&self) -> NaiveDate {
        self.history[0].effective
    }

    /// The status after the latest recorded change (which may be dated in
    /// the future); for a given day use [`Self::status_as_of`].
    pub fn status(&self) -> Status {
        self.latest_change().to
    }

    /// The status on `date`, read from the history: the status set by the
    /// last change effective on or before that day (on the day of a change,
    /// the new status), or `None` before the first grant.
    ///
    /// This reads what is recorded; an entry whose cycle ended shows as
    /// lapsed once [`Self::lapse_if_due`] has run (the lapse is then dated
    /// from the day it was due).
    pub fn status_as_of(&self, date: NaiveDate) -> Option<Status> {
        self.last_change_by(date).map(|change| change.to)
    }

    /// Every tier granted on or before `date`, with the day each was first
    /// granted, whatever the status that day.
    pub fn tiers_reached_by(&self, date: NaiveDate) -> Vec<TierHeld> {
        let mut tiers: Vec<TierHeld> = Vec::new();
        for change in self.changes_by(date) {
            if let Some(tier) = &change.tier {
                if !tiers.iter().any(|held| &held.tier == tier) {
                    tiers.push(TierHeld {
                        tier: tier.clone(),
                        reached: change.effective,
                    });
                }
            }
        }
        tiers
    }

    /// Every tier granted so far (including any grant dated in the future).
    pub fn tiers(&self) -> Vec<TierHeld> {
        self.tiers_reached_by(self.latest_change().effective)
    }

    /// The tiers the entry held on `date`: those reached by then, and only
    /// if it was accredited that day. A suspended, lapsed, revoked, retired
    /// or deceased leader holds no tier, so does not count as an accredited
    /// co-leader or supervisor for a trainee's record of that day.
    pub fn tiers_held_on(&self, date: NaiveDate) -> Vec<TierHeld> {
        match self.status_as_of(date) {
            Some(status) if status.holds_tiers() => self.tiers_reached_by(date),
            _ => Vec::new(),
        }
    }

    /// Whether the entry held `tier` on `date` (see [`Self::tiers_held_on`]).
    /// A tier is held only if it was itself granted: the register does not
    /// know how a pathway orders its tiers.
    pub fn holds_tier_on(&self, tier: &TierId, date: NaiveDate) -> bool {
        self.tiers_held_on(date)
            .iter()
            .any(|held| &held.tier == tier)
    }

    /// Where the entry stood on `date`, or `None` before its first grant
    /// ("not registered yet").
    pub fn standing_on(&self, date: NaiveDate) -> Option<Standing> {
        let status = self.status_as_of(date)?;
        let tier = self
            .changes_by(date)
            .rev()
            .find_map(|change| change.tier.clone())?;
        Some(Standing {
            on: date,
            status,
            tier,
            tiers: self.tiers_reached_by(date),
            valid_until: self.cycle_as_of(date).map(|cycle| cycle.valid_until),
        })
    }

    /// The cycle the entry runs under now (set by the latest grant or
    /// renewal), or `None` if it has no end date.
    pub fn cycle(&self) -> Option<RenewalCycle> {
        cycle_in(&self.history)
    }

    /// The cycle the entry was running under on `date`.
    pub fn cycle_as_of(&self, date: NaiveDate) -> Option<RenewalCycle> {
        let count = self.changes_by(date).len();
        cycle_in(&self.history[..count])
    }

    /// The last day of the current cycle: "accredited until".
    pub fn valid_until(&self) -> Option<NaiveDate> {
        self.cycle().map(|cycle| cycle.valid_until)
    }

    /// The day the entry lapses if it is not renewed: the day after the
    /// current cycle's grace period. `None` without a cycle.
    pub fn lapses_on(&self) -> Option<NaiveDate> {
        self.cycle().and_then(|cycle| cycle.lapses_on())
    }

    /// Whether the entry should be renewed soon: it is accredited, has a
    /// cycle that ends within `within_days` of `as_of` (or has already ended
    /// and is in its grace period), and has not reached its lapse day.
    pub fn due_for_renewal(&self, as_of: NaiveDate, within_days: u32) -> bool {
        let Some(cycle) = self.cycle() else {
            return false;
        };
        let horizon = as_of
            .checked_add_days(Days::new(u64::from(within_days)))
            .unwrap_or(NaiveDate::MAX);
        self.status() == Status::Accredited
            && cycle.valid_until <= horizon
            && cycle.lapses_on().is_none_or(|lapse| as_of < lapse)
    }

    /// Record the lapse of an entry whose cycle ended and whose grace period
    /// has passed by `as_of`, and return the change; `None` if nothing is
    /// due. Only accredited or suspended entries lapse. The lapse is dated
    /// from the day it was due (or the latest change, if that is later), so
    /// running the daily job late still gives the right history, and
    /// running it twice changes nothing.
    pub fn lapse_if_due(&mut self, as_of: NaiveDate) -> Option<StatusChange> {
        let cycle = self.cycle()?;
        let lapses_on = cycle.lapses_on()?;
        if !matches!(self.status(), Status::Accredited | Status::Suspended) {
            return None;
        }
        let effective = lapses_on.max(self.latest_change().effective);
        if effective > as_of {
            return None;
        }
        let reason = format!(
            "renewal cycle ended on {}; not renewed within the grace period of {} days",
            cycle.valid_until, cycle.grace_days
        );
        let proposed = Proposed {
            action: StatusAction::Lapse,
            effective,
            reason,
            visibility: Visibility::Public,
            tier: None,
            cycle: None,
        };
        self.append(proposed).ok().cloned()
    }

    /// Grant a tier to an entry already on the register: a higher tier
    /// while accredited, or re-accreditation after a lapse or retirement.
    /// The grant's cycle replaces the entry's cycle.
    pub fn grant(&mut self, grant: Grant) -> Result<&StatusChange, RegisterError> {
        self.append(grant.into())
    }

    /// Renew the entry for a further cycle (also brings a lapsed entry back
    /// to accredited). The new cycle must run beyond the current one.
    pub fn renew(&mut self, renewal: Renewal) -> Result<&StatusChange, RegisterError> {
        self.append(Proposed {
            action: StatusAction::Renew,
            effective: renewal.effective,
            reason: renewal.reason,
            visibility: renewal.visibility,
            tier: None,
            cycle: Some(renewal.cycle),
        })
    }

    /// A status change ordered by the registrar: suspend, reinstate, revoke,
    /// retire, mark lapsed or mark deceased.
    pub fn change_status(
        &mut self,
        action: RegistrarAction,
        effective: NaiveDate,
        reason: impl Into<String>,
        visibility: Visibility,
    ) -> Result<&StatusChange, RegisterError> {
        self.append(Proposed {
            action: action.into(),
            effective,
            reason: reason.into(),
            visibility,
            tier: None,
            cycle: None,
        })
    }

    /// The history as the public may see it: every change with its date and
    /// statuses (so the public status is never misleading), with the reason
    /// only for public changes.
    pub fn public_history(&self) -> Vec<PublicStatusChange> {
        self.history.iter().map(StatusChange::public_view).collect()
    }

    /// The entry as the public register shows it on `as_of`, or `None`
    /// before its first grant. Changes dated after `as_of` (e.g. a
    /// retirement recorded ahead) are not shown yet.
    pub fn public_view(&self, as_of: NaiveDate) -> Option<PublicEntry> {
        let standing = self.standing_on(as_of)?;
        Some(PublicEntry {
            registration: self.registration.clone(),
            status: standing.status,
            tier: standing.tier,
            first_accredited: self.first_accredited(),
            valid_until: standing.valid_until,
            history: self
                .changes_by(as_of)
                .map(StatusChange::public_view)
                .collect(),
        })
    }

    fn append(&mut self, proposed: Proposed) -> Result<&StatusChange, RegisterError> {
        let change = next_change(&self.history, proposed)?;
        self.history.push(change);
        Ok(self.latest_change())
    }

    /// The changes effective on or before `date`, oldest first.
    fn changes_by(&self, date: NaiveDate) -> std::slice::Iter<'_, StatusChange> {
        // Dates never decrease along the history, so this is a prefix.
        let count = self
            .history
            .partition_point(|change| change.effective <= date);
        self.history[..count].iter()
    }

    fn last_change_by(&self, date: NaiveDate) -> Option<&StatusChange> {
        self.changes_by(date).next_back()
    }
}

impl From<Grant> for Proposed {
    fn from(grant: Grant) -> Self {
        Proposed {
            action: StatusAction::Grant,
            effective: grant.effective,
            reason: grant.reason,
            visibility: grant.visibility,
            tier: Some(grant.tier),
            cycle: grant.cycle,
        }
    }
}

/// The cycle set by the latest grant or renewal in `history`.
fn cycle_in(history: &[StatusChange]) -> Option<RenewalCycle> {
    history
        .iter()
        .rev()
        .find(|change| matches!(change.action, StatusAction::Grant | StatusAction::Renew))
        .and_then(|change| change.cycle)
}

/// What is wrong with the details a stored change carries for its action:
/// a grant names a tier, a renewal gives a cycle, nothing else has either.
fn shape_problem(change: &StatusChange) -> Option<&'static str> {
    match (change.action, &change.tier, &change.cycle) {
        (StatusAction::Grant, None, _) => Some("a grant must name the tier granted"),
        (StatusAction::Grant, Some(_), _) => None,
        (StatusAction::Renew, _, None) => Some("a renewal must give the new cycle"),
        (StatusAction::Renew, Some(_), _) => Some("only a grant names a tier"),
        (StatusAction::Renew, None, Some(_)) => None,
        (_, None, None) => None,
        (_, _, _) => Some("only grants and renewals carry a tier or a cycle"),
    }
}

fn status_name(status: Option<Status>) -> &'static str {
    status.map_or("(not registered)", Status::as_str)
}

/// Check `proposed` against the rules and the history so far, and build the
/// change to append.
fn next_change(
    history: &[StatusChange],
    proposed: Proposed,
) -> Result<StatusChange, RegisterError> {
    let Proposed {
        action,
        effective,
        reason,
        visibility,
        tier,
        cycle,
    } = proposed;
    if reason.trim().is_empty() {
        return Err(RegisterError::MissingReason);
    }
    let latest = history.last();
    if let Some(latest) = latest {
        if effective < latest.effective {
            return Err(RegisterError::BackDated {
                effective,
                latest: latest.effective,
            });
        }
    }
    let from = latest.map(|change| change.to);
    let to = action.target(from)?;
    if let Some(cycle) = cycle {
        if cycle.valid_until < effective {
            return Err(RegisterError::CycleEndsBeforeEffective {
                valid_until: cycle.valid_until,
                effective,
            });
        }
    }
    if let (StatusAction::Grant, Some(Status::Accredited), Some(tier)) = (action, from, &tier) {
        if history
            .iter()
            .any(|change| change.tier.as_ref() == Some(tier))
        {
            return Err(RegisterError::TierAlreadyHeld { tier: tier.clone() });
        }
    }
    if let (StatusAction::Renew, Some(new), Some(current)) = (action, cycle, cycle_in(history)) {
        if new.valid_until <= current.valid_until {
            return Err(RegisterError::RenewalDoesNotExtend {
                current: current.valid_until,
                proposed: new.valid_until,
            });
        }
    }
    Ok(StatusChange {
        effective,
        action,
        from,
        to,
        reason,
        visibility,
        tier,
        cycle,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::register::RegistrarAction as R;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn tier(s: &str) -> TierId {
        s.parse().unwrap()
    }

    fn cycle(valid_until: &str, grace_days: u32) -> RenewalCycle {
        RenewalCycle {
            valid_until: day(valid_until),
            grace_days,
        }
    }

    fn grant(effective: &str, tier_id: &str, cycle: Option<RenewalCycle>) -> Grant {
        Grant {
            effective: day(effective),
            tier: tier(tier_id),
            cycle,
            reason: "council decision".into(),
            visibility: Visibility::Public,
        }
    }

    fn renewal(effective: &str, cycle: RenewalCycle) -> Renewal {
        Renewal {
            effective: day(effective),
            cycle,
            reason: "renewal requirements met".into(),
            visibility: Visibility::Public,
        }
    }

    /// Accredited leader from 2024-03-01, cycle to 2027-02-28 with 90 days' grace.
    fn leader() -> RegisterEntry {
        RegisterEntry::accredit(
            "BSANZ-0042".parse().unwrap(),
            "p-17".parse().unwrap(),
            grant(
                "2024-03-01",
                "accredited-leader",
                Some(cycle("2027-02-28", 90)),
            ),
        )
        .unwrap()
    }

    #[test]
    fn a_first_grant_puts_the_person_on_the_register() {
        let entry = leader();
        assert_eq!(entry.registration().as_str(), "BSANZ-0042");
        assert_eq!(entry.person().as_str(), "p-17");
        assert_eq!(entry.first_accredited(), day("2024-03-01"));
        assert_eq!(entry.status(), Status::Accredited);
        assert_eq!(entry.valid_until(), Some(day("2027-02-28")));
        assert_eq!(entry.lapses_on(), Some(day("2027-05-30")));
        let first = &entry.history()[0];
        assert_eq!(
            (first.action, first.from, first.to),
            (StatusAction::Grant, None, Status::Accredited)
        );
    }

    #[test]
    fn before_the_first_grant_the_person_is_not_registered() {
        let entry = leader();
        assert_eq!(entry.status_as_of(day("2024-02-29")), None);
        assert_eq!(entry.standing_on(day("2024-02-29")), None);
        assert_eq!(
            entry.status_as_of(day("2024-03-01")),
            Some(Status::Accredited)
        );
    }

    #[test]
    fn on_the_day_of_a_change_the_entry_has_the_new_status() {
        let mut entry = leader();
        entry
            .change_status(
                R::Suspend,
                day("2025-05-10"),
                "complaint",
                Visibility::Confidential,
            )
            .unwrap();
        entry
            .change_status(
                R::Reinstate,
                day("2025-06-01"),
                "cleared",
                Visibility::Public,
            )
            .unwrap();
        assert_eq!(
            entry.status_as_of(day("2025-05-09")),
            Some(Status::Accredited)
        );
        assert_eq!(
            entry.status_as_of(day("2025-05-10")),
            Some(Status::Suspended)
        );
        assert_eq!(
            entry.status_as_of(day("2025-05-31")),
            Some(Status::Suspended)
        );
        assert_eq!(
            entry.status_as_of(day("2025-06-01")),
            Some(Status::Accredited)
        );
        assert_eq!(entry.history().len(), 3);
    }

    #[test]
    fn same_day_changes_apply_in_the_order_recorded() {
        let mut entry = leader();
        entry
            .change_status(
                R::Suspend,
                day("2025-05-10"),
                "complaint",
                Visibility::Public,
            )
            .unwrap();
        entry
            .change_status(R::Revoke, day("2025-05-10"), "council", Visibility::Public)
            .unwrap();
        assert_eq!(entry.status_as_of(day("2025-05-10")), Some(Status::Revoked));
    }

    #[test]
    fn reinstating_a_revoked_entry_is_refused_and_changes_nothing() {
        let mut entry = leader();
        entry
            .change_status(
                R::Revoke,
                day("2025-01-01"),
                "misconduct",
                Visibility::Public,
            )
            .unwrap();
        let before = entry.clone();
        let err = entry
            .change_status(
                R::Reinstate,
                day("2025-02-01"),
                "appeal",
                Visibility::Public,
            )
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "a revoked entry cannot be reinstated: revocation is final; no change follows it"
        );
        assert!(matches!(err, RegisterError::IllegalTransition(_)));
        assert_eq!(entry, before);
    }

    #[test]
    fn back_dated_changes_are_refused() {
        let mut entry = leader();
        entry
            .change_status(
                R::Suspend,
                day("2025-05-10"),
                "complaint",
                Visibility::Public,
            )
            .unwrap();
        let err = entry
            .change_status(
                R::Reinstate,
                day("2025-05-09"),
                "cleared",
                Visibility::Public,
            )
            .unwrap_err();
        assert_eq!(
            err,
            RegisterError::BackDated {
                effective: day("2025-05-09"),
                latest: day("2025-05-10"),
            }
        );
        assert_eq!(entry.history().len(), 2);
    }

    #[test]
    fn every_change_needs_a_reason() {
        let mut entry = leader();
        let err = entry
            .change_status(R::Suspend, day("2025-05-10"), "  ", Visibility::Public)
            .unwrap_err();
        assert_eq!(err, RegisterError::MissingReason);
        let mut no_reason = grant("2024-03-01", "accredited-leader", None);
        no_reason.reason = String::new();
        assert_eq!(
            RegisterEntry::accredit("X-1".parse().unwrap(), "p-1".parse().unwrap(), no_reason),
            Err(RegisterError::MissingReason)
        );
    }

    #[test]
    fn a_higher_tier_is_added_with_the_date_it_was_reached() {
        let mut entry = leader();
        entry
            .grant(grant(
                "2026-04-01",
                "leader-trainer",
                Some(cycle("2029-03-31", 90)),
            ))
            .unwrap();
        let held = entry.tiers_held_on(day("2026-04-01"));
        assert_eq!(
            held,
            vec![
                TierHeld {
                    tier: tier("accredited-leader"),
                    reached: day("2024-03-01")
                },
                TierHeld {
                    tier: tier("leader-trainer"),
                    reached: day("2026-04-01")
                },
            ]
        );
        assert!(!entry.holds_tier_on(&tier("leader-trainer"), day("2026-03-31")));
        assert!(entry.holds_tier_on(&tier("accredited-leader"), day("2026-03-31")));
        assert_eq!(entry.valid_until(), Some(day("2029-03-31")));
        let standing = entry.standing_on(day("2026-05-01")).unwrap();
        assert_eq!(standing.tier, tier("leader-trainer"));
        assert_eq!(standing.valid_until, Some(day("2029-03-31")));
        let earlier = entry.standing_on(day("2025-05-01")).unwrap();
        assert_eq!(earlier.tier, tier("accredited-leader"));
        assert_eq!(earlier.valid_until, Some(day("2027-02-28")));
    }

    #[test]
    fn granting_a_tier_already_held_is_refused() {
        let mut entry = leader();
        let err = entry
            .grant(grant("2025-01-01", "accredited-leader", None))
            .unwrap_err();
        assert_eq!(
            err,
            RegisterError::TierAlreadyHeld {
                tier: tier("accredited-leader")
            }
        );
    }

    #[test]
    fn a_suspended_lapsed_or_retired_leader_holds_no_tier() {
        let t = tier("accredited-leader");
        let mut entry = leader();
        entry
            .change_status(
                R::Suspend,
                day("2025-01-01"),
                "complaint",
                Visibility::Public,
            )
            .unwrap();
        entry
            .change_status(
                R::Reinstate,
                day("2025-02-01"),
                "cleared",
                Visibility::Public,
            )
            .unwrap();
        entry
            .change_status(
                R::Lapse,
                day("2025-06-01"),
                "membership not kept",
                Visibility::Public,
            )
            .unwrap();
        entry
            .renew(renewal("2025-07-01", cycle("2028-02-29", 90)))
            .unwrap();
        entry
            .change_status(
                R::Retire,
                day("2026-01-01"),
                "stopped practising",
                Visibility::Public,
            )
            .unwrap();
        assert!(entry.holds_tier_on(&t, day("2024-12-31")));
        assert!(!entry.holds_tier_on(&t, day("2025-01-15")));
        assert!(entry.holds_tier_on(&t, day("2025-02-01")));
        assert!(!entry.holds_tier_on(&t, day("2025-06-15")));
        assert!(entry.holds_tier_on(&t, day("2025-07-01")));
        assert!(!entry.holds_tier_on(&t, day("2026-01-01")));
        // The verify answer still names the tier, with the status that day.
        let standing = entry.standing_on(day("2025-01-15")).unwrap();
        assert_eq!(
            (standing.status, standing.tier),
            (Status::Suspended, t.clone())
        );
    }

    #[test]
    fn a_suspended_entry_cannot_be_granted_renewed_or_retired() {
        let mut entry = leader();
        entry
            .change_status(
                R::Suspend,
                day("2025-01-01"),
                "complaint",
                Visibility::Public,
            )
            .unwrap();
        assert!(entry
            .grant(grant("2025-02-01", "leader-trainer", None))
            .is_err());
        assert!(entry
            .renew(renewal("2025-02-01", cycle("2030-02-28", 90)))
            .is_err());
        assert!(entry
            .change_status(R::Retire, day("2025-02-01"), "retiring", Visibility::Public)
            .is_err());
        assert_eq!(entry.status(), Status::Suspended);
        assert_eq!(entry.history().len(), 2);
    }

    #[test]
    fn renewal_extends_the_cycle() {
        let mut entry = leader();
        let change = entry
            .renew(renewal("2027-01-15", cycle("2030-02-28", 90)))
            .unwrap();
        assert_eq!(
            (change.action, change.from, change.to),
            (
                StatusAction::Renew,
                Some(Status::Accredited),
                Status::Accredited
            )
        );
        assert_eq!(entry.valid_until(), Some(day("2030-02-28")));
        assert_eq!(entry.lapses_on(), Some(day("2030-05-30")));
        // The cycle as of a day before the renewal is still the old one.
        assert_eq!(
            entry.cycle_as_of(day("2027-01-14")).map(|c| c.valid_until),
            Some(day("2027-02-28"))
        );
    }

    #[test]
    fn a_renewal_that_does_not_extend_is_refused() {
        let mut entry = leader();
        let err = entry
            .renew(renewal("2027-01-15", cycle("2027-02-28", 90)))
            .unwrap_err();
        assert_eq!(
            err,
            RegisterError::RenewalDoesNotExtend {
                current: day("2027-02-28"),
                proposed: day("2027-02-28"),
            }
        );
        let err = entry
            .renew(renewal("2031-01-15", cycle("2030-02-28", 90)))
            .unwrap_err();
        assert!(matches!(
            err,
            RegisterError::CycleEndsBeforeEffective { .. }
        ));
    }

    #[test]
    fn a_late_renewal_brings_a_lapsed_entry_back() {
        let mut entry = leader();
        entry.lapse_if_due(day("2027-06-01")).unwrap();
        assert_eq!(entry.status(), Status::Lapsed);
        entry
            .renew(renewal("2027-07-01", cycle("2030-06-30", 90)))
            .unwrap();
        assert_eq!(entry.status(), Status::Accredited);
        assert_eq!(entry.status_as_of(day("2027-06-15")), Some(Status::Lapsed));
    }

    #[test]
    fn an_entry_lapses_the_day_after_its_grace_period() {
        let mut entry = leader();
        // In the grace period: still accredited, due for renewal, not lapsed.
        assert_eq!(entry.lapse_if_due(day("2027-05-29")), None);
        assert!(entry.due_for_renewal(day("2027-05-29"), 0));
        let change = entry.lapse_if_due(day("2027-05-30")).unwrap();
        assert_eq!(change.effective, day("2027-05-30"));
        assert_eq!(
            (change.action, change.from, change.to),
            (
                StatusAction::Lapse,
                Some(Status::Accredited),
                Status::Lapsed
            )
        );
        assert_eq!(change.visibility, Visibility::Public);
        assert!(change.reason.contains("2027-02-28"), "{}", change.reason);
        assert_eq!(
            entry.status_as_of(day("2027-05-29")),
            Some(Status::Accredited)
        );
        assert_eq!(entry.status_as_of(day("2027-05-30")), Some(Status::Lapsed));
    }

    #[test]
    fn a_late_lapse_job_dates_the_lapse_when_it_was_due_and_is_idempotent() {
        let mut entry = leader();
        let change = entry.lapse_if_due(day("2027-09-01")).unwrap();
        assert_eq!(change.effective, day("2027-05-30"));
        let after_first = entry.clone();
        assert_eq!(entry.lapse_if_due(day("2027-09-01")), None);
        assert_eq!(entry.lapse_if_due(day("2027-09-02")), None);
        assert_eq!(entry, after_first);
    }

    #[test]
    fn a_suspended_entry_lapses_too_but_not_before_its_latest_change() {
        let mut entry = leader();
        entry
            .change_status(
                R::Suspend,
                day("2027-07-01"),
                "complaint",
                Visibility::Public,
            )
            .unwrap();
        // The job did not run between the lapse day and the suspension.
        let change = entry.lapse_if_due(day("2027-07-02")).unwrap();
        assert_eq!(change.effective, day("2027-07-01"));
        assert_eq!(change.from, Some(Status::Suspended));
    }

    #[test]
    fn entries_without_a_cycle_or_already_ended_never_lapse() {
        let mut open_ended = RegisterEntry::accredit(
            "UKBS-7".parse().unwrap(),
            "p-2".parse().unwrap(),
            grant("2010-01-01", "accredited-leader", None),
        )
        .unwrap();
        assert_eq!(open_ended.lapse_if_due(day("2099-01-01")), None);
        assert!(!open_ended.due_for_renewal(day("2099-01-01"), 365));

        let mut retired = leader();
        retired
            .change_status(R::Retire, day("2026-01-01"), "retired", Visibility::Public)
            .unwrap();
        assert_eq!(retired.lapse_if_due(day("2030-01-01")), None);
        assert_eq!(retired.status(), Status::Retired);
    }

    #[test]
    fn due_for_renewal_looks_ahead_by_the_given_days() {
        let entry = leader();
        // Cycle ends 2027-02-28.
        // 2026-11-30 + 90 days is 2027-02-28.
        assert!(!entry.due_for_renewal(day("2026-11-30"), 89));
        assert!(entry.due_for_renewal(day("2026-11-30"), 90));
        assert!(entry.due_for_renewal(day("2027-02-28"), 0));
        // Once the lapse day comes it is no longer "due": it lapses.
        assert!(!entry.due_for_renewal(day("2027-05-30"), 30));

        let mut suspended = leader();
        suspended
            .change_status(
                R::Suspend,
                day("2027-01-01"),
                "complaint",
                Visibility::Public,
            )
            .unwrap();
        assert!(!suspended.due_for_renewal(day("2027-01-15"), 90));
    }

    #[test]
    fn the_public_sees_a_confidential_suspension_but_not_why() {
        let mut entry = leader();
        entry
            .change_status(
                R::Suspend,
                day("2025-05-10"),
                "complaint by a group member",
                Visibility::Confidential,
            )
            .unwrap();
        let public = entry.public_history();
        assert_eq!(public.len(), 2);
        assert_eq!(public[0].reason.as_deref(), Some("council decision"));
        assert_eq!(public[0].tier, Some(tier("accredited-leader")));
        assert_eq!(public[0].valid_until, Some(day("2027-02-28")));
        assert_eq!(public[1].to, Status::Suspended);
        assert_eq!(public[1].effective, day("2025-05-10"));
        assert_eq!(public[1].reason, None);
        let json = serde_json::to_string(&public).unwrap();
        assert!(!json.contains("complaint"), "{json}");
        // The registrar still has the reason.
        assert_eq!(entry.history()[1].reason, "complaint by a group member");
    }

    #[test]
    fn the_public_view_shows_the_status_that_day_without_confidential_reasons() {
        let mut entry = leader();
        entry
            .change_status(
                R::Suspend,
                day("2025-05-10"),
                "complaint by a group member",
                Visibility::Confidential,
            )
            .unwrap();
        entry
            .change_status(R::Retire, day("2025-12-31"), "retiring", Visibility::Public)
            .unwrap_err();
        entry
            .change_status(
                R::Reinstate,
                day("2025-07-01"),
                "cleared",
                Visibility::Public,
            )
            .unwrap();
        entry
            .change_status(R::Retire, day("2025-12-31"), "retiring", Visibility::Public)
            .unwrap();

        assert_eq!(entry.public_view(day("2024-01-01")), None);
        let view = entry.public_view(day("2025-06-01")).unwrap();
        assert_eq!(view.status, Status::Suspended);
        assert_eq!(view.first_accredited, day("2024-03-01"));
        assert_eq!(view.valid_until, Some(day("2027-02-28")));
        assert_eq!(view.history.len(), 2);
        assert_eq!(view.history[1].reason, None);

        // The retirement recorded ahead shows only from its day.
        let view = entry.public_view(day("2025-12-30")).unwrap();
        assert_eq!(view.status, Status::Accredited);
        assert_eq!(view.history.len(), 3);
        let json = serde_json::to_string(&entry.public_view(day("2026-01-01")).unwrap()).unwrap();
        assert!(json.contains("\"status\":\"retired\""), "{json}");
        assert!(!json.contains("complaint"), "{json}");
    }

    #[test]
    fn an_entry_round_trips_through_json() {
        let mut entry = leader();
        entry
            .change_status(
                R::Suspend,
                day("2025-05-10"),
                "complaint",
                Visibility::Confidential,
            )
            .unwrap();
        entry
            .change_status(
                R::Reinstate,
                day("2025-06-01"),
                "cleared",
                Visibility::Public,
            )
            .unwrap();
        entry
            .grant(grant(
                "2026-04-01",
                "leader-trainer",
                Some(cycle("2029-03-31", 30)),
            ))
            .unwrap();
        let json = serde_json::to_value(&entry).unwrap();
        assert_eq!(json["registration"], "BSANZ-0042");
        assert_eq!(json["history"][1]["action"], "suspend");
        assert_eq!(json["history"][1]["to"], "suspended");
        assert_eq!(json["history"][1]["visibility"], "confidential");
        assert_eq!(json["history"][3]["cycle"]["valid_until"], "2029-03-31");
        let back: RegisterEntry = serde_json::from_value(json).unwrap();
        assert_eq!(back, entry);
    }

    #[test]
    fn a_tampered_history_is_refused_on_load() {
        let mut entry = leader();
        entry
            .change_status(
                R::Revoke,
                day("2025-01-01"),
                "misconduct",
                Visibility::Public,
            )
            .unwrap();
        let mut json = serde_json::to_value(&entry).unwrap();

        let mut relabelled = json.clone();
        relabelled["history"][1]["to"] = "suspended".into();
        let err = serde_json::from_value::<RegisterEntry>(relabelled).unwrap_err();
        assert!(err.to_string().contains("change #1"), "{err}");

        json["history"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!({
                "effective": "2025-02-01", "action": "reinstate", "from": "revoked",
                "to": "accredited", "reason": "appeal", "visibility": "public"
            }));
        let err = serde_json::from_value::<RegisterEntry>(json).unwrap_err();
        assert!(
            err.to_string()
                .contains("a revoked entry cannot be reinstated"),
            "{err}"
        );

        assert_eq!(
            RegisterEntry::from_history("X-1".parse().unwrap(), "p-1".parse().unwrap(), Vec::new()),
            Err(RegisterError::EmptyHistory)
        );
        let mut suspension_with_tier = leader().history().to_vec();
        suspension_with_tier.push(StatusChange {
            effective: day("2025-01-01"),
            action: StatusAction::Suspend,
            from: Some(Status::Accredited),
            to: Status::Suspended,
            reason: "complaint".into(),
            visibility: Visibility::Public,
            tier: Some(tier("leader-trainer")),
            cycle: None,
        });
        assert_eq!(
            RegisterEntry::from_history(
                "X-1".parse().unwrap(),
                "p-1".parse().unwrap(),
                suspension_with_tier
            ),
            Err(RegisterError::InvalidHistory {
                index: 1,
                problem: "only grants and renewals carry a tier or a cycle".into()
            })
        );
        let mut without_tier = leader().history().to_vec();
        without_tier[0].tier = None;
        assert!(matches!(
            RegisterEntry::from_history(
                "X-1".parse().unwrap(),
                "p-1".parse().unwrap(),
                without_tier
            ),
            Err(RegisterError::InvalidHistory { index: 0, .. })
        ));
    }
}
