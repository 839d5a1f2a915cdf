//! A society's register of accredited leaders: the public register, the
//! registrar's view of an entry with its whole history, grants, status
//! changes, renewals (assessed against the tier's renewal requirements over
//! the cycle's records), the lapse job and the renewals coming due.
//!
//! The public sees only people who consented to be listed, only public
//! fields, and never a confidential reason; an entry it may not see is
//! answered exactly like one that does not exist.
//!
//! The handlers parse the request, call the register's actions
//! ([`crate::actions::register`]) and render their answer; the files hold
//! one concern each: [`entries`] (the views, the search and one entry),
//! [`grants`], [`status`], [`renewals`], [`jobs`] (the lapse job and the
//! renewals due) and [`transfer`] (export and import).

pub mod entries;
pub mod grants;
pub mod jobs;
pub mod renewals;
pub mod status;
pub mod transfer;

pub use entries::*;
pub use grants::*;
pub use jobs::*;
pub use renewals::*;
pub use status::*;
pub use transfer::*;
