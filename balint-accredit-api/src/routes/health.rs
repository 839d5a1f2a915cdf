//! Probes for operators.

use std::time::Duration;

use actix_web::{web, HttpResponse};
use diesel::r2d2::R2D2Connection;
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::db;
use crate::error::ApiError;

/// A probe's answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` or `ready`.
    pub status: &'static str,
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "The process is up", body = Health)))]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

/// How long `/readyz` waits for the database before it answers 503.
pub const READY_WITHIN: Duration = Duration::from_millis(1500);

/// The database is reachable: it answered a ping within 1.5 seconds.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "The database answers", body = Health),
        (status = 503, description = "The database did not answer within 1.5 seconds", body = crate::error::Problem,
            content_type = "application/problem+json"),
    ))]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let within = READY_WITHIN.min(state.pool.deadline());
    db::run_within(&state.pool, within, |conn| {
        conn.ping().map_err(|e| ApiError::Unavailable(e.into()))
    })
    .await?;
    Ok(HttpResponse::Ok().json(Health { status: "ready" }))
}
