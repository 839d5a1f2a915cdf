//! Reading applications: a person's, the society's queue, and one.

use super::{names, Named};
use crate::auth::{permissions, Caller};
use crate::db::applications::{Application, Status};
use crate::db::{self, societies::Society, DbConnection};
use crate::error::ApiError;
use crate::pagination::{Page, PageRequest};
use crate::state::AppState;

/// A page of applications, each with its person's name.
#[derive(Debug)]
pub struct Listed {
    /// The society they belong to.
    pub society: Society,
    /// The page, oldest application first.
    pub page: Page<Named>,
}

/// One application, with its person's name.
#[derive(Debug)]
pub struct Shown {
    /// The society it belongs to.
    pub society: Society,
    /// The application.
    pub named: Named,
}

fn named(
    conn: &mut DbConnection,
    society_id: &str,
    page: Page<Application>,
) -> Result<Page<Named>, ApiError> {
    let names = names(conn, society_id, &page.items)?;
    Ok(page.map(|application| {
        let person_name = names
            .get(&application.person_id)
            .cloned()
            .unwrap_or_default();
        Named {
            application,
            person_name,
        }
    }))
}

/// The applications of person `person_id` of society `slug`, oldest
/// first, optionally only those with `status`: the person themself, or
/// the registrar. Not found for an unknown society or person.
///
/// `query` is the paging and status as the adapter read them; a query the
/// adapter could not read is refused only once the caller may see the
/// list, so that a caller who may not is told so first.
pub async fn for_person(
    state: &AppState,
    caller: &Caller,
    slug: String,
    person_id: String,
    query: Result<(PageRequest, Option<Status>), ApiError>,
) -> Result<Listed, ApiError> {
    permissions::require_user(caller)?;
    let society = crate::actions::society(state, slug).await?;
    permissions::require_member_or_registrar(caller, &society.id, &person_id)?;
    let (page, status) = query?;
    let society_id = society.id.clone();
    let page = db::run(&state.pool, move |conn| {
        db::people::find(conn, &society_id, &person_id)?
            .ok_or_else(|| ApiError::NotFound(format!("person {person_id}")))?;
        let page = db::applications::list_for_person(conn, &society_id, &person_id, status, page)?;
        named(conn, &society_id, page)
    })
    .await?;
    Ok(Listed { society, page })
}

/// The applications of society `slug`, oldest first, optionally only
/// those with `status` (the registrar's queue is the pending ones): the
/// registrar. `query` as for [`for_person`].
pub async fn for_society(
    state: &AppState,
    caller: &Caller,
    slug: String,
    query: Result<(PageRequest, Option<Status>), ApiError>,
) -> Result<Listed, ApiError> {
    let (society, _) = crate::actions::as_registrar(state, caller, slug).await?;
    let (page, status) = query?;
    let society_id = society.id.clone();
    let page = db::run(&state.pool, move |conn| {
        let page = db::applications::list_for_society(conn, &society_id, status, page)?;
        named(conn, &society_id, page)
    })
    .await?;
    Ok(Listed { society, page })
}

/// Application `id` of society `slug` with its frozen assessment: the
/// person it is for, or the registrar. Nobody outside the society learns
/// whether it exists.
pub async fn one(
    state: &AppState,
    caller: &Caller,
    slug: String,
    id: String,
) -> Result<Shown, ApiError> {
    permissions::require_user(caller)?;
    let society = crate::actions::society(state, slug).await?;
    permissions::require_role_in(caller, &society.id)?;
    let society_id = society.id.clone();
    let (application, names) = db::run(&state.pool, move |conn| {
        let application = db::applications::find(conn, &society_id, &id)?
            .ok_or_else(|| ApiError::NotFound(format!("application {id}")))?;
        let names = names(conn, &society_id, std::slice::from_ref(&application))?;
        Ok((application, names))
    })
    .await?;
    permissions::require_member_or_registrar(caller, &society.id, &application.person_id)?;
    let person_name = names
        .get(&application.person_id)
        .cloned()
        .unwrap_or_default();
    Ok(Shown {
        society,
        named: Named {
            application,
            person_name,
        },
    })
}
