//! What people do with the service, one module per action: the use cases.
//!
//! Each action takes the caller and a typed, already-parsed input, checks
//! permission, runs its transaction, writes the audit record and returns a
//! typed result. It knows nothing of HTTP, HTML, JSON bodies or terminals:
//! the adapters (`routes` for the JSON API, `web` for the pages, `cli` for
//! the command line) parse their input, call the action, and render its
//! answer.
//!
//! The actions with the most rules refuse with an error of their own, in
//! the users' words and with no HTTP in it: [`ledger::AttestError`],
//! [`applications::ApplyError`], [`applications::DecideError`],
//! [`register::grant::GrantError`], [`register::status::StatusError`] and
//! [`register::renew::RenewError`]. Each carries the refusals many actions
//! share ([`refusal::Access`]: not signed in, no such society, not of it,
//! not its registrar) and the store failing under it
//! ([`refusal::Failure`]). `crate::error` maps them once to the API's
//! answers ([`ApiError`](crate::error::ApiError)): `routes` writes those as
//! problem+json, `web` as a page's message. The other actions answer
//! [`ApiError`](crate::error::ApiError) directly.
//!
//! The command line's jobs run as the [`Operator`]: on the command's own
//! connection, trusted with every society, audited as the command line.
//!
//! - [`credentials`]: the societies' verifiable credentials: issuer
//!   identities, credentials, status lists, verification.
//! - [`ledger`]: recording experience and attesting it.
//! - [`groups`]: a society's Balint groups, their leaders and members, and
//!   their sessions, which write their people's ledger records.
//! - [`overrides`]: overrides of a person's requirements.
//! - [`pathways`]: a society's pathway, published as numbered versions.
//! - [`people`]: a society's records of people.
//! - [`personal_data`]: a person's data-protection requests: their data
//!   exported, what may be erased erased.
//! - [`certificates`]: certificates of attendance, issued over a period
//!   (judged against a CPD scheme when one is chosen) and verified by code.
//! - [`programmes`]: training programmes (a cohort of trainees with the
//!   programme's numbers) and their attendance view.
//! - [`progress`]: a person's progress towards a tier, as balint-core
//!   assesses it.
//! - [`applications`]: applying for a tier and the registrar's decision.
//! - [`register`]: the register: grants, status changes, renewals, the
//!   lapse job, the renewals due, the public register and verification.
//! - [`retention`]: how long ended sessions and throttle counters are
//!   kept, and the job that applies it.
//! - [`account`]: signing in.
//! - [`operator`]: the operator on the server's machine, for whom the
//!   command line's jobs run.
//! - [`refusal`]: the refusals many actions share.
//! - [`societies`], [`users`] and [`audit`]: societies, their logins and
//!   their audit log; [`logins`]: the registrar's management of the
//!   logins (disable, enable, one-time password links).
//! - [`webhooks`]: a society's webhook endpoints, their delivery log and
//!   replay, and the outbox's depth.

pub mod account;
pub mod applications;
pub mod audit;
pub mod calendars;
pub mod certificates;
pub mod credentials;
pub mod groups;
pub mod ledger;
pub mod logins;
pub mod mail;
pub mod operator;
pub mod overrides;
pub mod pathways;
pub mod people;
pub mod personal_data;
pub mod programmes;
pub mod progress;
pub mod refusal;
pub mod register;
pub mod retention;
pub mod societies;
pub mod users;
pub mod watchlists;
pub mod webhooks;

use chrono::NaiveDate;

pub use operator::Operator;

/// Today, as the service counts it (UTC): the day an action is taken on,
/// and the default `as of` of every assessment.
pub fn today() -> NaiveDate {
    crate::db::now().date()
}

/// The society `slug`; not found when there is none.
pub async fn society(
    state: &crate::state::AppState,
    slug: String,
) -> Result<crate::db::societies::Society, crate::error::ApiError> {
    crate::db::run(&state.pool, move |conn| {
        crate::db::societies::by_slug(conn, &slug)
    })
    .await
}

/// The society `slug` and the login id of its registrar calling: the
/// check most registrar's actions start with. Unauthenticated without a
/// signed-in caller; not found for an unknown society (or one the caller
/// has no role in); forbidden to anyone but its registrar or a platform
/// administrator. [`refusal::registrar`] is the same check for an action
/// with an error type of its own.
pub async fn as_registrar(
    state: &crate::state::AppState,
    caller: &crate::auth::Caller,
    slug: String,
) -> Result<(crate::db::societies::Society, String), crate::error::ApiError> {
    refusal::registrar(state, caller, slug).await
}
