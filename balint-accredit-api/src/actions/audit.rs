//! A society's audit log: every change, by whom, before and after.

use crate::auth::{permissions, Caller};
use crate::db::{self, audit::AuditRecord};
use crate::error::ApiError;
use crate::pagination::{Page, PageRequest};
use crate::state::AppState;

/// A page of the audit log of society `slug`, newest first (registrars).
/// `page` as the adapter read it, refused once the caller is known to be
/// signed in.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    slug: String,
    page: Result<PageRequest, ApiError>,
) -> Result<Page<AuditRecord>, ApiError> {
    permissions::require_user(caller)?;
    let page = page?;
    let society = crate::actions::society(state, slug).await?;
    permissions::require_registrar(caller, &society.id)?;
    db::run(&state.pool, move |conn| {
        Ok(db::audit::list_for_society(conn, &society.id, page)?)
    })
    .await
}
