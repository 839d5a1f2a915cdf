//! A society's audit log: every change, by whom, before and after; read
//! whole or filtered by who made the change, the kind and id of what was
//! changed, the person it is about, the kind of change and a range of
//! days.

use crate::auth::{permissions, Caller};
use crate::day::Day;
use crate::db::{self, audit::AuditRecord, audit::Filter};
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
    db::run(&state.pool, move |conn| {
        Ok(db::audit::list_filtered(conn, &society.id, &filter, page)?)
    })
    .await
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
