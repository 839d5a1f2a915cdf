//! What people do with the service, one module per action: the use cases.
//!
//! Each action takes the caller and a typed, already-parsed input, checks
//! permission, runs its transaction, writes the audit record and returns a
//! typed result. It knows nothing of HTTP, HTML, JSON bodies or terminals:
//! the adapters (`routes` for the JSON API, `web` for the pages, `cli` for
//! the command line) parse their input, call the action, and render its
//! answer. An action's refusals are [`ApiError`](crate::error::ApiError)
//! values; `routes` answers them as problem+json, `web` as a page's
//! message.
//!
//! - [`ledger`]: recording experience and attesting it.
//! - [`overrides`]: overrides of a person's requirements.
//! - [`pathways`]: a society's pathway, published as numbered versions.
//! - [`people`]: a society's records of people.
//! - [`progress`]: a person's progress towards a tier, as balint-core
//!   assesses it.
//! - [`applications`]: applying for a tier and the registrar's decision.
//! - [`register`]: the register: grants, status changes, renewals, the
//!   lapse job, the renewals due, the public register and verification.
//! - [`account`]: signing in.
//! - [`societies`], [`users`] and [`audit`]: societies, their logins and
//!   their audit log; [`logins`]: the registrar's management of the
//!   logins (disable, enable, one-time password links).

pub mod account;
pub mod applications;
pub mod audit;
pub mod ledger;
pub mod logins;
pub mod overrides;
pub mod pathways;
pub mod people;
pub mod progress;
pub mod register;
pub mod societies;
pub mod users;

use chrono::NaiveDate;

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
/// administrator.
pub async fn as_registrar(
    state: &crate::state::AppState,
    caller: &crate::auth::Caller,
    slug: String,
) -> Result<(crate::db::societies::Society, String), crate::error::ApiError> {
    crate::auth::permissions::require_user(caller)?;
    let society = society(state, slug).await?;
    let actor = crate::auth::permissions::require_registrar(caller, &society.id)?
        .user_id
        .clone();
    Ok((society, actor))
}
