//! The use cases of `balint_accredit_api::actions`, called as the adapters
//! call them, without HTTP: each test has a fresh SQLite database and no
//! server. The rules with the most cases are here (attestation, the
//! decision on an application, status changes, renewals; the pathway
//! adopted and uploaded; the audit log read through its filter; logins
//! disabled and password links; the register exported for an audience); the end-to-end
//! tests cover the same rules through the API on both databases.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fixture;

mod applications;
mod audit;
mod groups;
mod ledger;
mod logins;
mod pathways;
mod register;
