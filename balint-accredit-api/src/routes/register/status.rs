//! Status changes ordered by the registrar.

use actix_web::web;
use balint_core::register::{RegistrarAction, Visibility};
use serde::Deserialize;
use utoipa::ToSchema;

use super::entries::{registrar_view, RegistrarEntryView};
use crate::actions::register::status::{self as action, StatusInput};
use crate::auth::Caller;
use crate::day::Day;
use crate::edge::Json;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// A status change ordered by the registrar.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusRequest {
    /// `suspend`, `reinstate`, `revoke`, `retire`, `lapse` or
    /// `mark_deceased`.
    #[schema(value_type = String)]
    pub action: RegistrarAction,
    /// The day it takes effect (YYYY-MM-DD, 1900-01-01 to 2199-12-31); not before the
    /// entry's latest change.
    #[schema(value_type = String, format = Date)]
    pub effective: Day,
    /// Why.
    pub reason: String,
    /// `public` or `confidential`: whether the reason is shown on the
    /// public register (the new status always is).
    #[schema(value_type = String)]
    pub visibility: Visibility,
}

/// Change an entry's status (registrar). Only the transitions of the
/// register's rules are allowed; a refused one (e.g. reinstating a revoked
/// entry, or a change dated before the latest one) is a 409 saying why,
/// and changes nothing.
#[utoipa::path(post, path = "/api/v1/societies/{society}/register/{registration}/status", tag = "register",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("registration" = String, Path, description = "The registration number"),
    ),
    request_body = StatusRequest,
    responses(
        (status = 200, description = "The entry after the change", body = RegistrarEntryView),
        (status = 400, description = "Unreadable body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not this society's registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such entry", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The transition is not allowed from the entry's status", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn change_status(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: Json<StatusRequest>,
) -> Result<web::Json<RegistrarEntryView>, ApiError> {
    let body = body.into_inner();
    let (slug, registration) = path.into_inner();
    let input = StatusInput {
        action: body.action,
        effective: body.effective.date(),
        reason: body.reason,
        visibility: body.visibility,
    };
    let entry = action::change_status(&state, &caller, slug, registration, input).await?;
    Ok(web::Json(registrar_view(&entry)))
}
