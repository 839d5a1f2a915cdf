//! A society's audit log: every change, by whom, before and after; read
//! whole or filtered by who made the change, the kind and id of what was
//! changed, the person it is about, the kind of change and a range of
//! days.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::auth::{permissions, Caller};
use crate::day::Day;
use crate::db::{self, audit::AuditRecord, audit::Filter, DbConnection};
use crate::error::{ApiError, FieldProblem};
use crate::pagination::{Page, PageRequest};
use crate::state::AppState;

pub use crate::db::audit::{Action, Entity};

/// A filter of the audit log as typed: each part empty or absent for
/// "any".
#[derive(Debug, Clone, Default)]
pub struct FilterInput {
    /// The login that made the change (its id).
    pub actor: Option<String>,
    /// `person`, `user`, `activity`, ... (see [`Entity::ALL`]).
    pub entity_type: Option<String>,
    /// The id of the thing changed.
    pub entity_id: Option<String>,
    /// The person the changes are about (their id).
    pub person: Option<String>,
    /// `create`, `update` or `delete`.
    pub action: Option<String>,
    /// The first day, `YYYY-MM-DD`.
    pub from: Option<String>,
    /// The last day, `YYYY-MM-DD`.
    pub to: Option<String>,
}

/// `input` read as a [`Filter`], or every problem with it, each named by
/// its parameter (`actor`, `entity_type`, `entity_id`, `person`, `action`,
/// `from`, `to`).
pub fn filter(input: FilterInput) -> Result<Filter, Vec<FieldProblem>> {
    fn given(text: Option<String>) -> Option<String> {
        text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
    }
    let mut problems = Vec::new();
    let entity_type = given(input.entity_type);
    if let Some(kind) = &entity_type {
        if !Entity::ALL.iter().any(|e| e.as_str() == kind) {
            let known: Vec<&str> = Entity::ALL.iter().map(|e| e.as_str()).collect();
            problems.push(FieldProblem::new(
                "entity_type",
                format!("must be one of {}", known.join(", ")),
            ));
        }
    }
    let action = given(input.action);
    if let Some(action) = &action {
        if !Action::ALL.iter().any(|a| a.as_str() == action) {
            problems.push(FieldProblem::new(
                "action",
                "must be one of create, update, delete",
            ));
        }
    }
    let mut day = |field: &str, text: Option<String>| {
        given(text).and_then(|t| match Day::parse(&t) {
            Ok(day) => Some(day.date()),
            Err(e) => {
                problems.push(FieldProblem::new(field, e.to_string()));
                None
            }
        })
    };
    let from = day("from", input.from);
    let to = day("to", input.to);
    if let (Some(from), Some(to)) = (from, to) {
        if from > to {
            problems.push(FieldProblem::new("to", "must not be before from"));
        }
    }
    if problems.is_empty() {
        Ok(Filter {
            actor: given(input.actor),
            entity_type,
            entity_id: given(input.entity_id),
            person: given(input.person),
            action,
            from,
            to,
        })
    } else {
        Err(problems)
    }
}

/// A page of the audit log of society `slug` that passes the filter,
/// newest first (registrars). `query` as the adapter read it, refused once
/// the caller is known to be signed in.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    slug: String,
    query: Result<(PageRequest, Filter), ApiError>,
) -> Result<Page<AuditRecord>, ApiError> {
    permissions::require_user(caller)?;
    let (page, filter) = query?;
    let society = crate::actions::society(state, slug).await?;
    permissions::require_registrar(caller, &society.id)?;
    let counts = Arc::clone(&state.audit_counts);
    db::run(&state.pool, move |conn| {
        if filter == Filter::default() {
            let total = counts.count(conn, &society.id)?;
            Ok(db::audit::list_page(
                conn,
                &society.id,
                &filter,
                page,
                total,
            )?)
        } else {
            Ok(db::audit::list_filtered(conn, &society.id, &filter, page)?)
        }
    })
    .await
}

/// How many entries each society's audit log holds, kept with the id of
/// the newest counted: the log is only appended to, so a page of it
/// counts only the entries written since (one seek for the newest id),
/// not the whole log.
#[derive(Debug, Default)]
pub struct AuditCounts {
    held: Mutex<HashMap<String, (i64, i64)>>,
}

impl AuditCounts {
    /// The number of entries in `society_id`'s log.
    pub fn count(&self, conn: &mut DbConnection, society_id: &str) -> Result<i64, ApiError> {
        let Some(newest) = db::audit::newest_id(conn, society_id)? else {
            return Ok(0);
        };
        let kept = {
            let held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
            held.get(society_id).copied()
        };
        let total = match kept {
            Some((through, counted)) if through == newest => return Ok(counted),
            Some((through, counted)) if through < newest => {
                counted + db::audit::count_between(conn, society_id, through, newest)?
            }
            _ => db::audit::count_between(conn, society_id, 0, newest)?,
        };
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        let newer = held
            .get(society_id)
            .is_some_and(|(through, _)| *through > newest);
        if !newer {
            held.insert(society_id.to_owned(), (newest, total));
        }
        Ok(total)
    }
}

/// The logins that made a change in society `slug`'s log, as (id, email),
/// by email (registrars): whom the log can be filtered by.
pub async fn actors(
    state: &AppState,
    caller: &Caller,
    slug: String,
) -> Result<Vec<(String, String)>, ApiError> {
    let (society, _) = crate::actions::as_registrar(state, caller, slug).await?;
    db::run(&state.pool, move |conn| {
        let mut found = Vec::new();
        for id in db::audit::actors(conn, &society.id)? {
            let email = db::users::find(conn, &id)?.map_or_else(|| id.clone(), |u| u.email);
            found.push((id, email));
        }
        found.sort_by(|a, b| a.1.cmp(&b.1));
        Ok(found)
    })
    .await
}
