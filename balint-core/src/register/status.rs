//! Statuses of a register entry and the transitions allowed between them.
//!
//! The whole rule is [`StatusAction::target`]; the table in the module docs
//! of [`crate::register`] is its human-readable form.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Where a register entry stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// In good standing: may lead, co-lead and (at a trainer tier) supervise.
    Accredited,
    /// Temporarily not in good standing, pending reinstatement or revocation.
    Suspended,
    /// The renewal cycle ended and was not renewed within the grace period
    /// (or the registrar marked it lapsed, e.g. membership not kept).
    Lapsed,
    /// Withdrawn by the society. Final.
    Revoked,
    /// The leader has stopped practising. A new grant may bring them back.
    Retired,
    /// The leader has died. Final.
    Deceased,
}

impl Status {
    /// Every status, in declaration order.
    pub const ALL: [Status; 6] = [
        Status::Accredited,
        Status::Suspended,
        Status::Lapsed,
        Status::Revoked,
        Status::Retired,
        Status::Deceased,
    ];

    /// The status as its snake_case name, as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Accredited => "accredited",
            Status::Suspended => "suspended",
            Status::Lapsed => "lapsed",
            Status::Revoked => "revoked",
            Status::Retired => "retired",
            Status::Deceased => "deceased",
        }
    }

    /// Whether no change can follow this status (revoked, deceased).
    pub fn is_final(self) -> bool {
        matches!(self, Status::Revoked | Status::Deceased)
    }

    /// Whether an entry with this status counts as holding its tiers, e.g.
    /// as a co-leader or supervisor of a trainee. Only `accredited` does.
    pub fn holds_tiers(self) -> bool {
        self == Status::Accredited
    }

    fn with_article(self) -> &'static str {
        match self {
            Status::Accredited => "an accredited entry",
            Status::Suspended => "a suspended entry",
            Status::Lapsed => "a lapsed entry",
            Status::Revoked => "a revoked entry",
            Status::Retired => "a retired entry",
            Status::Deceased => "a deceased entry",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not one of the statuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown status {0:?}; expected one of accredited, suspended, lapsed, revoked, retired, deceased")]
pub struct UnknownStatus(pub String);

impl FromStr for Status {
    type Err = UnknownStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Status::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| UnknownStatus(s.to_owned()))
    }
}

/// What a change in an entry's history did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusAction {
    /// A tier was granted: the first accreditation, a higher tier (e.g.
    /// leader trainer), or re-accreditation after a lapse or retirement.
    Grant,
    /// The entry was renewed for a further cycle.
    Renew,
    /// The entry was suspended.
    Suspend,
    /// A suspension ended and the entry is accredited again.
    Reinstate,
    /// The accreditation was revoked.
    Revoke,
    /// The leader retired.
    Retire,
    /// The entry lapsed (cycle not renewed, or marked lapsed by the registrar).
    Lapse,
    /// The leader was recorded as deceased.
    MarkDeceased,
}

impl StatusAction {
    /// Every action, in declaration order.
    pub const ALL: [StatusAction; 8] = [
        StatusAction::Grant,
        StatusAction::Renew,
        StatusAction::Suspend,
        StatusAction::Reinstate,
        StatusAction::Revoke,
        StatusAction::Retire,
        StatusAction::Lapse,
        StatusAction::MarkDeceased,
    ];

    /// The action as its snake_case name, as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusAction::Grant => "grant",
            StatusAction::Renew => "renew",
            StatusAction::Suspend => "suspend",
            StatusAction::Reinstate => "reinstate",
            StatusAction::Revoke => "revoke",
            StatusAction::Retire => "retire",
            StatusAction::Lapse => "lapse",
            StatusAction::MarkDeceased => "mark_deceased",
        }
    }

    fn past_participle(self) -> &'static str {
        match self {
            StatusAction::Grant => "granted a tier",
            StatusAction::Renew => "renewed",
            StatusAction::Suspend => "suspended",
            StatusAction::Reinstate => "reinstated",
            StatusAction::Revoke => "revoked",
            StatusAction::Retire => "retired",
            StatusAction::Lapse => "lapsed",
            StatusAction::MarkDeceased => "marked deceased",
        }
    }

    /// The status this action leads to from `from` (`None`: the person is not
    /// on the register yet), or why it is not allowed. This is the whole
    /// transition table; anything it refuses is an error, never a silent
    /// change.
    pub fn target(self, from: Option<Status>) -> Result<Status, IllegalTransition> {
        use Status::{Accredited, Deceased, Lapsed, Retired, Revoked, Suspended};
        use StatusAction as A;
        let refuse = |why: &'static str| {
            Err(IllegalTransition {
                action: self,
                from,
                why,
            })
        };
        match (self, from) {
            (_, Some(Deceased)) => refuse("a death is final; no change follows it"),
            (_, Some(Revoked)) => refuse("revocation is final; no change follows it"),
            (A::Grant, None | Some(Accredited | Lapsed | Retired)) => Ok(Accredited),
            (A::Grant, Some(Suspended)) => {
                refuse("the suspension must end (reinstate or revoke) before any grant")
            }
            (_, None) => refuse("there is no register entry before a first grant"),
            (A::Renew, Some(Accredited | Lapsed)) => Ok(Accredited),
            (A::Renew, Some(Suspended)) => {
                refuse("renewal does not end a suspension; reinstate the entry first")
            }
            (A::Renew, Some(Retired)) => {
                refuse("a retired leader returns by a new grant, not by renewal")
            }
            (A::Suspend, Some(Accredited)) => Ok(Suspended),
            (A::Suspend, Some(Suspended)) => refuse("it is already suspended"),
            (A::Suspend, Some(Lapsed | Retired)) => {
                refuse("only an accredited entry can be suspended")
            }
            (A::Reinstate, Some(Suspended)) => Ok(Accredited),
            (A::Reinstate, Some(Accredited)) => {
                refuse("it is not suspended; only a suspension is ended by reinstatement")
            }
            (A::Reinstate, Some(Lapsed)) => {
                refuse("a lapsed entry returns by renewal or a new grant")
            }
            (A::Reinstate, Some(Retired)) => refuse("a retired leader returns by a new grant"),
            (A::Revoke, Some(Accredited | Suspended | Lapsed | Retired)) => Ok(Revoked),
            (A::Retire, Some(Accredited | Lapsed)) => Ok(Retired),
            (A::Retire, Some(Suspended)) => {
                refuse("the suspension must end (reinstate or revoke) before retirement")
            }
            (A::Retire, Some(Retired)) => refuse("it is already retired"),
            (A::Lapse, Some(Accredited | Suspended)) => Ok(Lapsed),
            (A::Lapse, Some(Lapsed)) => refuse("it has already lapsed"),
            (A::Lapse, Some(Retired)) => refuse("a retired entry has no cycle to lapse"),
            (A::MarkDeceased, Some(Accredited | Suspended | Lapsed | Retired)) => Ok(Deceased),
        }
    }
}

impl fmt::Display for StatusAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The status changes a registrar orders directly (`POST .../status`): every
/// action except grants and renewals, which need a tier or a cycle and go
/// through [`super::RegisterEntry::grant`] and [`super::RegisterEntry::renew`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegistrarAction {
    /// Suspend an accredited entry.
    Suspend,
    /// End a suspension.
    Reinstate,
    /// Revoke the accreditation.
    Revoke,
    /// Record the leader's retirement.
    Retire,
    /// Mark the entry lapsed.
    Lapse,
    /// Record the leader's death.
    MarkDeceased,
}

impl From<RegistrarAction> for StatusAction {
    fn from(action: RegistrarAction) -> Self {
        match action {
            RegistrarAction::Suspend => StatusAction::Suspend,
            RegistrarAction::Reinstate => StatusAction::Reinstate,
            RegistrarAction::Revoke => StatusAction::Revoke,
            RegistrarAction::Retire => StatusAction::Retire,
            RegistrarAction::Lapse => StatusAction::Lapse,
            RegistrarAction::MarkDeceased => StatusAction::MarkDeceased,
        }
    }
}

/// A status change the transition table does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{subject} cannot be {done}: {why}", subject = subject(.from), done = .action.past_participle())]
pub struct IllegalTransition {
    /// What was attempted.
    pub action: StatusAction,
    /// The status it was attempted from (`None`: not on the register).
    pub from: Option<Status>,
    /// Why the table refuses it, in the registrar's words.
    pub why: &'static str,
}

fn subject(from: &Option<Status>) -> &'static str {
    from.map_or("a person not on the register", Status::with_article)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use Status::{Accredited, Deceased, Lapsed, Retired, Revoked, Suspended};
    use StatusAction as A;

    /// The transition table, written out in full: every (action, from) pair
    /// with the status it leads to, `None` where it is refused.
    const TABLE: &[(StatusAction, Option<Status>, Option<Status>)] = &[
        // grant
        (A::Grant, None, Some(Accredited)),
        (A::Grant, Some(Accredited), Some(Accredited)),
        (A::Grant, Some(Suspended), None),
        (A::Grant, Some(Lapsed), Some(Accredited)),
        (A::Grant, Some(Revoked), None),
        (A::Grant, Some(Retired), Some(Accredited)),
        (A::Grant, Some(Deceased), None),
        // renew
        (A::Renew, None, None),
        (A::Renew, Some(Accredited), Some(Accredited)),
        (A::Renew, Some(Suspended), None),
        (A::Renew, Some(Lapsed), Some(Accredited)),
        (A::Renew, Some(Revoked), None),
        (A::Renew, Some(Retired), None),
        (A::Renew, Some(Deceased), None),
        // suspend
        (A::Suspend, None, None),
        (A::Suspend, Some(Accredited), Some(Suspended)),
        (A::Suspend, Some(Suspended), None),
        (A::Suspend, Some(Lapsed), None),
        (A::Suspend, Some(Revoked), None),
        (A::Suspend, Some(Retired), None),
        (A::Suspend, Some(Deceased), None),
        // reinstate
        (A::Reinstate, None, None),
        (A::Reinstate, Some(Accredited), None),
        (A::Reinstate, Some(Suspended), Some(Accredited)),
        (A::Reinstate, Some(Lapsed), None),
        (A::Reinstate, Some(Revoked), None),
        (A::Reinstate, Some(Retired), None),
        (A::Reinstate, Some(Deceased), None),
        // revoke
        (A::Revoke, None, None),
        (A::Revoke, Some(Accredited), Some(Revoked)),
        (A::Revoke, Some(Suspended), Some(Revoked)),
        (A::Revoke, Some(Lapsed), Some(Revoked)),
        (A::Revoke, Some(Revoked), None),
        (A::Revoke, Some(Retired), Some(Revoked)),
        (A::Revoke, Some(Deceased), None),
        // retire
        (A::Retire, None, None),
        (A::Retire, Some(Accredited), Some(Retired)),
        (A::Retire, Some(Suspended), None),
        (A::Retire, Some(Lapsed), Some(Retired)),
        (A::Retire, Some(Revoked), None),
        (A::Retire, Some(Retired), None),
        (A::Retire, Some(Deceased), None),
        // lapse
        (A::Lapse, None, None),
        (A::Lapse, Some(Accredited), Some(Lapsed)),
        (A::Lapse, Some(Suspended), Some(Lapsed)),
        (A::Lapse, Some(Lapsed), None),
        (A::Lapse, Some(Revoked), None),
        (A::Lapse, Some(Retired), None),
        (A::Lapse, Some(Deceased), None),
        // mark deceased
        (A::MarkDeceased, None, None),
        (A::MarkDeceased, Some(Accredited), Some(Deceased)),
        (A::MarkDeceased, Some(Suspended), Some(Deceased)),
        (A::MarkDeceased, Some(Lapsed), Some(Deceased)),
        (A::MarkDeceased, Some(Revoked), None),
        (A::MarkDeceased, Some(Retired), Some(Deceased)),
        (A::MarkDeceased, Some(Deceased), None),
    ];

    #[test]
    fn the_table_covers_every_action_from_every_status() {
        assert_eq!(
            TABLE.len(),
            StatusAction::ALL.len() * (Status::ALL.len() + 1)
        );
        for action in StatusAction::ALL {
            for from in std::iter::once(None).chain(Status::ALL.map(Some)) {
                assert!(
                    TABLE.iter().any(|(a, f, _)| *a == action && *f == from),
                    "{action} from {from:?} missing from the table"
                );
            }
        }
    }

    #[test]
    fn every_transition_follows_the_table() {
        for &(action, from, expected) in TABLE {
            let got = action.target(from);
            match expected {
                Some(to) => assert_eq!(got, Ok(to), "{action} from {from:?}"),
                None => {
                    let err = got.expect_err(&format!("{action} from {from:?} must be refused"));
                    assert_eq!((err.action, err.from), (action, from));
                }
            }
        }
    }

    #[test]
    fn revoked_and_deceased_are_final() {
        for action in StatusAction::ALL {
            assert!(action.target(Some(Revoked)).is_err());
            assert!(action.target(Some(Deceased)).is_err());
        }
        assert!(Revoked.is_final() && Deceased.is_final());
        assert!(!Suspended.is_final());
    }

    #[test]
    fn refusals_say_from_what_and_why() {
        let err = A::Reinstate.target(Some(Revoked)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "a revoked entry cannot be reinstated: revocation is final; no change follows it"
        );
        let err = A::Suspend.target(None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "a person not on the register cannot be suspended: there is no register entry before a first grant"
        );
        let err = A::Reinstate.target(Some(Lapsed)).unwrap_err();
        assert!(err.to_string().contains("renewal or a new grant"), "{err}");
    }

    #[test]
    fn only_accredited_holds_tiers() {
        let holding: Vec<Status> = Status::ALL
            .into_iter()
            .filter(|s| s.holds_tiers())
            .collect();
        assert_eq!(holding, vec![Accredited]);
    }

    #[test]
    fn names_round_trip_through_serde_and_from_str() {
        for status in Status::ALL {
            let json = serde_json::to_string(&status).unwrap();
            assert_eq!(json, format!("\"{}\"", status.as_str()));
            assert_eq!(serde_json::from_str::<Status>(&json).unwrap(), status);
            assert_eq!(status.as_str().parse::<Status>(), Ok(status));
        }
        for action in StatusAction::ALL {
            let json = serde_json::to_string(&action).unwrap();
            assert_eq!(json, format!("\"{}\"", action.as_str()));
        }
        assert_eq!(
            serde_json::from_str::<RegistrarAction>("\"mark_deceased\"").unwrap(),
            RegistrarAction::MarkDeceased
        );
        assert!("active".parse::<Status>().is_err());
    }
}
