//! One dated change in a register entry's history, and what the public sees
//! of it.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::ids::TierId;

use super::{RenewalCycle, Status, StatusAction};

/// Who may see a change's reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// The reason is shown on the public register.
    Public,
    /// The reason is for the registrar only; the public sees that the
    /// status changed, and to what, but not why.
    Confidential,
}

/// One change in a register entry's history. The history is append-only:
/// changes are never edited or removed.
///
/// The fields are plain data so a service can store and load them; a
/// [`super::RegisterEntry`] only accepts a list of them that replays under
/// the rules ([`super::RegisterEntry::from_history`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    /// The day the change takes effect; on that day the entry already has
    /// the new status.
    pub effective: NaiveDate,
    /// What happened.
    pub action: StatusAction,
    /// The status before (`None` for the first grant).
    pub from: Option<Status>,
    /// The status after.
    pub to: Status,
    /// Why, in the registrar's words.
    pub reason: String,
    /// Whether the reason may be shown to the public.
    pub visibility: Visibility,
    /// The tier granted; present exactly on grants.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<TierId>,
    /// The cycle the entry runs under from this change on; set on renewals,
    /// and on grants where the pathway has a renewal cycle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cycle: Option<RenewalCycle>,
}

impl StatusChange {
    /// What the public register shows of this change: the date, the action,
    /// the statuses, the tier and the cycle end are always public (the
    /// register must not show a suspended leader as accredited); the reason
    /// only when the change is public.
    pub fn public_view(&self) -> PublicStatusChange {
        PublicStatusChange {
            effective: self.effective,
            action: self.action,
            from: self.from,
            to: self.to,
            tier: self.tier.clone(),
            valid_until: self.cycle.map(|c| c.valid_until),
            reason: match self.visibility {
                Visibility::Public => Some(self.reason.clone()),
                Visibility::Confidential => None,
            },
        }
    }
}

/// A change as the public register shows it; see [`StatusChange::public_view`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicStatusChange {
    /// The day the change took effect.
    pub effective: NaiveDate,
    /// What happened.
    pub action: StatusAction,
    /// The status before (`None` for the first grant).
    pub from: Option<Status>,
    /// The status after.
    pub to: Status,
    /// The tier granted, on grants.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<TierId>,
    /// The date the entry runs to from this change on, on renewals and
    /// grants with a cycle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<NaiveDate>,
    /// The reason, or `None` when it is confidential.
    pub reason: Option<String>,
}
