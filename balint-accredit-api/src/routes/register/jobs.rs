//! The registrar's jobs on the register: the lapse job, and the renewals
//! coming due.

use actix_web::web;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::actions::register::{due as due_action, lapse as lapse_action};
use crate::auth::Caller;
use crate::day::Day;
use crate::edge::Query;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// The day a job or list is for.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AsOfQuery {
    /// The day (default today), YYYY-MM-DD, 1900-01-01 to 2199-12-31.
    #[param(value_type = Option<String>, format = Date)]
    pub as_of: Option<Day>,
}

/// An entry the lapse job lapsed.
#[derive(Debug, Serialize, ToSchema)]
pub struct LapsedView {
    pub registration: String,
    /// The day it lapsed: the day after its grace period.
    pub effective: NaiveDate,
}

/// What the lapse job did.
#[derive(Debug, Serialize, ToSchema)]
pub struct LapseReport {
    pub as_of: NaiveDate,
    /// The entries lapsed by this run (none when run again the same day).
    pub lapsed: Vec<LapsedView>,
}

/// Lapse every entry whose cycle ended and whose grace period passed by
/// `as_of` (registrar). Safe to run daily and twice: a second run changes
/// nothing.
#[utoipa::path(post, path = "/api/v1/societies/{society}/register/lapse", tag = "register",
    security(("bearer" = [])),
    params(("society" = String, Path, description = "The society's slug"), AsOfQuery),
    responses(
        (status = 200, description = "The entries lapsed", body = LapseReport),
        (status = 400, description = "Invalid date", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not this society's registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn lapse(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    query: Query<AsOfQuery>,
) -> Result<web::Json<LapseReport>, ApiError> {
    let as_of = query.as_of.map(Day::date);
    let run = lapse_action::lapse(&state, &caller, path.into_inner(), as_of).await?;
    Ok(web::Json(LapseReport {
        as_of: run.as_of,
        lapsed: run
            .lapsed
            .into_iter()
            .map(|l| LapsedView {
                registration: l.registration.as_str().to_owned(),
                effective: l.change.effective,
            })
            .collect(),
    }))
}

/// The renewals list's horizon.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DueQuery {
    /// Entries whose cycle ends within this many days (1 to 366, default
    /// 90; the registrar's usual views are 90, 60 and 30).
    pub within_days: Option<u32>,
    /// The day counted from (default today), YYYY-MM-DD, 1900-01-01 to 2199-12-31.
    #[param(value_type = Option<String>, format = Date)]
    pub as_of: Option<Day>,
}

/// An entry due for renewal.
#[derive(Debug, Serialize, ToSchema)]
pub struct DueView {
    pub registration: String,
    pub person_id: String,
    pub name: String,
    pub email: Option<String>,
    pub tier: String,
    pub valid_until: NaiveDate,
    /// Days from `as_of` to `valid_until` (negative once it has passed and
    /// the entry is in its grace period).
    pub days_left: i64,
    /// The day it lapses if not renewed.
    pub lapses_on: Option<NaiveDate>,
}

/// Entries due for renewal within `within_days` (registrar): accredited,
/// with a cycle ending by then or already in its grace period, soonest
/// first.
#[utoipa::path(get, path = "/api/v1/societies/{society}/register/due", tag = "register",
    security(("bearer" = [])),
    params(("society" = String, Path, description = "The society's slug"), DueQuery),
    responses(
        (status = 200, description = "Entries due, soonest first", body = Vec<DueView>),
        (status = 400, description = "Invalid horizon", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not this society's registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn due(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    query: Query<DueQuery>,
) -> Result<web::Json<Vec<DueView>>, ApiError> {
    let input = due_action::DueInput {
        within_days: query.within_days,
        as_of: query.as_of.map(Day::date),
    };
    let due = due_action::due(&state, &caller, path.into_inner(), input).await?;
    Ok(web::Json(due.into_iter().map(DueView::from).collect()))
}

impl From<due_action::DueRenewal> for DueView {
    fn from(due: due_action::DueRenewal) -> Self {
        Self {
            registration: due.registration,
            person_id: due.person_id,
            name: due.name,
            email: due.email,
            tier: due.tier,
            valid_until: due.valid_until,
            days_left: due.days_left,
            lapses_on: due.lapses_on,
        }
    }
}
