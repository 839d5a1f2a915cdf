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

/// The database answers, and how the outbox stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct Ready {
    /// `ready`.
    pub status: &'static str,
    /// The outbox of every society.
    pub outbox: OutboxDepth,
    /// The e-mail of every society.
    pub mail: MailDepth,
}

/// How the e-mail stands, for operators.
#[derive(Debug, Serialize, ToSchema)]
pub struct MailDepth {
    /// Messages still to be sent (all of them while no mail server is
    /// set).
    pub pending: i64,
    /// Messages that failed for good (tries used up, or refused), until
    /// replayed or dropped.
    pub dead: i64,
    /// When the oldest message still to be sent was made.
    pub oldest_pending: Option<chrono::DateTime<chrono::Utc>>,
}

/// How the outbox stands, for operators.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxDepth {
    /// Events not yet made into deliveries.
    pub events_waiting: i64,
    /// Webhook deliveries still to be tried.
    pub deliveries_pending: i64,
    /// Webhook deliveries that failed for good (tries used up, or the
    /// endpoint gone), until replayed or dropped.
    pub deliveries_dead: i64,
    /// When the oldest event or delivery still waiting was made.
    pub oldest_pending: Option<chrono::DateTime<chrono::Utc>>,
}

/// How long `/readyz` waits for the database before it answers 503.
pub const READY_WITHIN: Duration = Duration::from_millis(1500);

/// The database is reachable: it answered within 1.5 seconds; with the
/// outbox's depth, failed deliveries and oldest pending event, and the
/// e-mail's.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "The database answers", body = Ready),
        (status = 503, description = "The database did not answer within 1.5 seconds", body = crate::error::Problem,
            content_type = "application/problem+json"),
    ))]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let within = READY_WITHIN.min(state.pool.deadline());
    let (depth, mail) = db::run_within(&state.pool, within, |conn| {
        conn.ping().map_err(|e| ApiError::Unavailable(e.into()))?;
        Ok((db::outbox::depth(conn, None)?, db::mail::depth(conn, None)?))
    })
    .await?;
    Ok(HttpResponse::Ok().json(Ready {
        status: "ready",
        outbox: OutboxDepth {
            events_waiting: depth.events_waiting,
            deliveries_pending: depth.deliveries_pending,
            deliveries_dead: depth.deliveries_dead,
            oldest_pending: depth.oldest_pending.map(crate::routes::utc),
        },
        mail: MailDepth {
            pending: mail.pending,
            dead: mail.dead,
            oldest_pending: mail.oldest_pending.map(crate::routes::utc),
        },
    }))
}
