//! A society's webhooks (registrar): endpoints, the delivery log with each
//! try's answer, replay, and the outbox's depth.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::actions::webhooks::{self, DeliveryDetail, EndpointInput};
use crate::app::AppState;
use crate::auth::{permissions, Caller};
use crate::db::outbox::StoredEvent;
use crate::db::webhooks::{Attempt, DeliveryState, Endpoint, LogFilter, Logged};
use crate::edge::{Json, Query};
use crate::error::{ApiError, FieldProblem, Problem};
use crate::pagination::{Page, PageQuery, PageRequest};
use crate::routes::utc;

/// A new webhook endpoint.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateEndpoint {
    /// Where to send: an http or https URL (not on a loopback or private
    /// address).
    pub url: String,
    /// What it is for (at most 200 characters).
    #[serde(default)]
    pub description: String,
    /// The event types it takes, at least one: `register_entry.granted`,
    /// `register_entry.renewed`, `register_entry.suspended`,
    /// `register_entry.reinstated`, `register_entry.revoked`,
    /// `register_entry.retired`, `register_entry.lapsed`,
    /// `register_entry.deceased`, `application.decided`,
    /// `attestation.requested`, `renewal.due`.
    pub event_types: Vec<String>,
}

/// A webhook endpoint.
#[derive(Debug, Serialize, ToSchema)]
pub struct EndpointView {
    pub id: String,
    pub url: String,
    pub description: String,
    /// The event types it takes.
    pub event_types: Vec<String>,
    /// The signing secret (`whsec_...`), shown when the endpoint is made
    /// and on its own page, not in the list.
    pub secret: Option<String>,
    /// Whether deliveries are sent to it.
    pub enabled: bool,
    /// Why it was disabled (it answered 410 Gone).
    pub disabled_reason: Option<String>,
    pub disabled_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// After a rotation: until when the secret it replaced still signs
    /// beside the new one.
    pub previous_secret_until: Option<DateTime<Utc>>,
}

impl EndpointView {
    fn of(e: Endpoint, with_secret: bool) -> Self {
        Self {
            event_types: e.event_types.split(' ').map(str::to_owned).collect(),
            secret: with_secret.then_some(e.secret),
            enabled: e.disabled_at.is_none(),
            disabled_reason: e.disabled_reason,
            disabled_at: e.disabled_at.map(utc),
            created_at: utc(e.created_at),
            previous_secret_until: e.previous_secret_until.map(utc),
            id: e.id,
            url: e.url,
            description: e.description,
        }
    }
}

/// Subscribe an endpoint to event types (registrar). Deliveries follow the
/// Standard Webhooks specification: `webhook-id`, `webhook-timestamp` and
/// `webhook-signature` headers, signed with the secret answered here.
#[utoipa::path(post, path = "/api/v1/societies/{society}/webhooks", operation_id = "webhooks_create", tag = "webhooks",
    security(("bearer" = [])),
    params(("society" = String, Path, description = "The society's slug")),
    request_body = CreateEndpoint,
    responses(
        (status = 201, description = "The endpoint, with its secret", body = EndpointView),
        (status = 400, description = "Unreadable body, or not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not this society's registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The society has as many endpoints as it may", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A URL refused, or an unknown event type", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: Json<CreateEndpoint>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let endpoint = webhooks::create_endpoint(
        &state,
        &caller,
        path.into_inner(),
        EndpointInput {
            url: body.url,
            description: body.description,
            event_types: body.event_types,
        },
    )
    .await?;
    Ok(HttpResponse::Created().json(EndpointView::of(endpoint, true)))
}

/// The society's webhook endpoints, oldest first (registrar).
#[utoipa::path(get, path = "/api/v1/societies/{society}/webhooks", operation_id = "webhooks_list", tag = "webhooks",
    security(("bearer" = [])),
    params(("society" = String, Path, description = "The society's slug"), PageQuery),
    responses(
        (status = 200, description = "A page of endpoints", body = Page<EndpointView>),
        (status = 400, description = "Invalid paging", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not this society's registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    query: Query<PageQuery>,
) -> Result<web::Json<Page<EndpointView>>, ApiError> {
    permissions::require_user(&caller)?;
    let page = PageRequest::try_from(&query.into_inner())?;
    let all = webhooks::endpoints(&state, &caller, path.into_inner()).await?;
    let total = i64::try_from(all.len()).unwrap_or(i64::MAX);
    let items = all
        .into_iter()
        .skip(usize::try_from(page.offset()).unwrap_or(usize::MAX))
        .take(usize::try_from(page.limit()).unwrap_or(0))
        .map(|e| EndpointView::of(e, false))
        .collect();
    Ok(web::Json(Page::new(items, page, total)))
}

/// One webhook endpoint, with its secret (registrar).
#[utoipa::path(get, path = "/api/v1/societies/{society}/webhooks/{endpoint}", operation_id = "webhooks_show", tag = "webhooks",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("endpoint" = String, Path, description = "The endpoint's id"),
    ),
    responses(
        (status = 200, description = "The endpoint", body = EndpointView),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not this society's registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society, or no such endpoint in it", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn show(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<web::Json<EndpointView>, ApiError> {
    let (slug, id) = path.into_inner();
    let endpoint = webhooks::endpoint(&state, &caller, slug, id).await?;
    Ok(web::Json(EndpointView::of(endpoint, true)))
}

/// Delete a webhook endpoint with its delivery log (registrar).
#[utoipa::path(delete, path = "/api/v1/societies/{society}/webhooks/{endpoint}", operation_id = "webhooks_delete", tag = "webhooks",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("endpoint" = String, Path, description = "The endpoint's id"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not this society's registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society, or no such endpoint in it", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    webhooks::delete_endpoint(&state, &caller, slug, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Enable an endpoint again after it was disabled for answering 410 Gone
/// (registrar). Enabling an enabled one changes nothing; its dead
/// deliveries stay dead until replayed.
#[utoipa::path(post, path = "/api/v1/societies/{society}/webhooks/{endpoint}/enable", operation_id = "webhooks_enable", tag = "webhooks",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("endpoint" = String, Path, description = "The endpoint's id"),
    ),
    responses(
        (status = 200, description = "The endpoint, enabled", body = EndpointView),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not this society's registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society, or no such endpoint in it", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn enable(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<web::Json<EndpointView>, ApiError> {
    let (slug, id) = path.into_inner();
    let endpoint = webhooks::enable_endpoint(&state, &caller, slug, id).await?;
    Ok(web::Json(EndpointView::of(endpoint, true)))
}

/// One delivery of an event to an endpoint.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    /// The `webhook-id` it is sent with, the same on every try.
    pub id: String,
    pub endpoint: String,
    pub endpoint_url: String,
    pub event: String,
    /// The event's type, e.g. `register_entry.suspended`.
    pub event_type: String,
    /// `pending`, `delivered`, `dead` (tries used up, or the endpoint gone)
    /// or `dropped`.
    pub state: String,
    /// Tries since it was made or last replayed.
    pub attempts: u32,
    /// When it is tried next, while pending.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl From<Logged> for DeliveryView {
    fn from(l: Logged) -> Self {
        let d = l.delivery;
        Self {
            next_attempt_at: (d.state == DeliveryState::Pending).then(|| utc(d.next_attempt_at)),
            state: d.state.as_str().to_owned(),
            attempts: d.attempts,
            created_at: utc(d.created_at),
            finished_at: d.finished_at.map(utc),
            id: d.id,
            endpoint: d.endpoint_id,
            endpoint_url: l.endpoint_url,
            event: d.event_id,
            event_type: l.event_type,
        }
    }
}

/// The delivery log's filter and paging.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// Page number, from 1 to 1000000 (default 1); past the last page,
    /// no items.
    #[param(minimum = 1, maximum = 1_000_000, default = 1)]
    pub page: Option<u32>,
    /// Items per page, 1 to 100 (default 25).
    #[param(minimum = 1, maximum = 100, default = 25)]
    pub per_page: Option<u32>,
    /// Only the deliveries to this endpoint (its id).
    pub endpoint: Option<String>,
    /// Only those in this state: `pending`, `delivered`, `dead` or
    /// `dropped`.
    pub state: Option<String>,
}

impl DeliveryQuery {
    fn parse(self) -> Result<(PageRequest, LogFilter), ApiError> {
        let page = PageRequest::try_from(&PageQuery {
            page: self.page,
            per_page: self.per_page,
        });
        let state = match self.state.as_deref() {
            None => Ok(None),
            Some("pending") => Ok(Some(DeliveryState::Pending)),
            Some("delivered") => Ok(Some(DeliveryState::Delivered)),
            Some("dead") => Ok(Some(DeliveryState::Dead)),
            Some("dropped") => Ok(Some(DeliveryState::Dropped)),
            Some(_) => Err(FieldProblem::new(
                "state",
                "must be pending, delivered, dead or dropped",
            )),
        };
        match (page, state) {
            (Ok(page), Ok(state)) => Ok((
                page,
                LogFilter {
                    endpoint_id: self.endpoint,
                    state,
                },
            )),
            (Err(ApiError::BadRequest { detail, mut errors }), state) => {
                errors.extend(state.err());
                Err(ApiError::BadRequest { detail, errors })
            }
            (Err(other), _) => Err(other),
            (Ok(_), Err(problem)) => Err(ApiError::BadRequest {
                detail: "invalid query parameters".to_owned(),
                errors: vec![problem],
            }),
        }
    }
}

/// The society's webhook deliveries, newest first (registrar).
#[utoipa::path(get, path = "/api/v1/societies/{society}/webhook-deliveries", operation_id = "webhook_deliveries_list", tag = "webhooks",
    security(("bearer" = [])),
    params(("society" = String, Path, description = "The society's slug"), DeliveryQuery),
    responses(
        (status = 200, description = "A page of deliveries", body = Page<DeliveryView>),
        (status = 400, description = "Invalid paging or filter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not this society's registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn deliveries(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    query: Query<DeliveryQuery>,
) -> Result<web::Json<Page<DeliveryView>>, ApiError> {
    permissions::require_user(&caller)?;
    let (page, filter) = query.into_inner().parse()?;
    let found = webhooks::deliveries(&state, &caller, path.into_inner(), filter, page).await?;
    Ok(web::Json(Page::new(
        found
            .deliveries
            .into_iter()
            .map(DeliveryView::from)
            .collect(),
        page,
        found.total,
    )))
}

/// One try of a delivery.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptView {
    /// 1 for the first.
    pub attempt: i32,
    pub tried_at: DateTime<Utc>,
    /// The HTTP status the endpoint answered; absent when it did not.
    pub status: Option<i32>,
    /// Why there was no answer, or the start of the answer's body (at most
    /// 1 KB).
    pub response: String,
    pub duration_ms: i64,
}

impl From<Attempt> for AttemptView {
    fn from(a: Attempt) -> Self {
        Self {
            attempt: a.attempt,
            tried_at: utc(a.tried_at),
            status: a.status,
            response: a.response,
            duration_ms: a.duration_ms,
        }
    }
}

/// A delivery with the body it sends and each try's answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryDetailView {
    /// The `webhook-id`.
    pub id: String,
    pub endpoint: String,
    pub event: String,
    pub event_type: String,
    /// `pending`, `delivered`, `dead` or `dropped`.
    pub state: String,
    pub attempts: u32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// The JSON body every try sends: `type`, `timestamp`, `data`.
    #[schema(value_type = Object)]
    pub payload: Value,
    /// Every try, first first.
    pub tries: Vec<AttemptView>,
}

impl From<DeliveryDetail> for DeliveryDetailView {
    fn from(d: DeliveryDetail) -> Self {
        let DeliveryDetail {
            delivery,
            event,
            attempts,
        } = d;
        Self {
            payload: payload(&event),
            next_attempt_at: (delivery.state == DeliveryState::Pending)
                .then(|| utc(delivery.next_attempt_at)),
            state: delivery.state.as_str().to_owned(),
            attempts: delivery.attempts,
            created_at: utc(delivery.created_at),
            finished_at: delivery.finished_at.map(utc),
            id: delivery.id,
            endpoint: delivery.endpoint_id,
            event: delivery.event_id,
            event_type: event.event_type,
            tries: attempts.into_iter().map(AttemptView::from).collect(),
        }
    }
}

fn payload(event: &StoredEvent) -> Value {
    serde_json::from_str(&event.body()).unwrap_or(Value::Null)
}

/// One webhook delivery, its body and every try's answer (registrar).
#[utoipa::path(get, path = "/api/v1/societies/{society}/webhook-deliveries/{delivery}", operation_id = "webhook_deliveries_show", tag = "webhooks",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("delivery" = String, Path, description = "The delivery's id (its webhook-id)"),
    ),
    responses(
        (status = 200, description = "The delivery", body = DeliveryDetailView),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not this society's registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society, or no such delivery in it", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delivery(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<web::Json<DeliveryDetailView>, ApiError> {
    let (slug, id) = path.into_inner();
    let found = webhooks::delivery(&state, &caller, slug, id).await?;
    Ok(web::Json(found.into()))
}

/// Send a delivery again from now, whatever became of it, with the same
/// `webhook-id` and a fresh back-off (registrar).
#[utoipa::path(post, path = "/api/v1/societies/{society}/webhook-deliveries/{delivery}/replay", operation_id = "webhook_deliveries_replay", tag = "webhooks",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("delivery" = String, Path, description = "The delivery's id (its webhook-id)"),
    ),
    responses(
        (status = 200, description = "The delivery, pending again", body = DeliveryDetailView),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not this society's registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society, or no such delivery in it", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn replay(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<web::Json<DeliveryDetailView>, ApiError> {
    let (slug, id) = path.into_inner();
    let found = webhooks::replay(&state, &caller, slug, id).await?;
    Ok(web::Json(found.into()))
}

/// An event in the outbox.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventView {
    pub id: String,
    /// e.g. `register_entry.suspended`.
    pub event_type: String,
    /// Its data, as deliveries carry it.
    #[schema(value_type = Object)]
    pub data: Value,
    pub created_at: DateTime<Utc>,
    /// When its deliveries were made; absent while it waits.
    pub fanned_out_at: Option<DateTime<Utc>>,
}

/// The society's outbox: what waits and what failed.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxView {
    /// Events not yet made into deliveries.
    pub events_waiting: i64,
    /// Deliveries still to be tried.
    pub deliveries_pending: i64,
    /// Deliveries that will not be tried again unless replayed.
    pub deliveries_dead: i64,
    /// When the oldest event or delivery still waiting was made.
    pub oldest_pending: Option<DateTime<Utc>>,
    /// The latest 50 events, newest first.
    pub recent: Vec<EventView>,
}

/// The society's outbox: its depth, failures, oldest waiting, and the
/// latest events (registrar).
#[utoipa::path(get, path = "/api/v1/societies/{society}/outbox", operation_id = "outbox_show", tag = "webhooks",
    security(("bearer" = [])),
    params(("society" = String, Path, description = "The society's slug")),
    responses(
        (status = 200, description = "The outbox", body = OutboxView),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not this society's registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn outbox(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<web::Json<OutboxView>, ApiError> {
    let view = webhooks::outbox(&state, &caller, path.into_inner()).await?;
    Ok(web::Json(OutboxView {
        events_waiting: view.depth.events_waiting,
        deliveries_pending: view.depth.deliveries_pending,
        deliveries_dead: view.depth.deliveries_dead,
        oldest_pending: view.depth.oldest_pending.map(utc),
        recent: view
            .recent
            .into_iter()
            .map(|e| EventView {
                data: serde_json::from_str(&e.payload).unwrap_or(Value::Null),
                id: e.id,
                event_type: e.event_type,
                created_at: utc(e.created_at),
                fanned_out_at: e.fanned_out_at.map(utc),
            })
            .collect(),
    }))
}

/// Give an endpoint a new signing secret (registrar). For 24 hours its
/// deliveries are signed with both the new and the old secret (two `v1,`
/// signatures in `webhook-signature`), so the receiver can change over
/// without a delivery failing; then with the new one only.
#[utoipa::path(post, path = "/api/v1/societies/{society}/webhooks/{endpoint}/rotate-secret", operation_id = "webhooks_rotate_secret", tag = "webhooks",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("endpoint" = String, Path, description = "The endpoint's id"),
    ),
    responses(
        (status = 200, description = "The endpoint, with its new secret and until when the old one still signs", body = EndpointView),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not this society's registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society, or no such endpoint in it", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn rotate_secret(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<web::Json<EndpointView>, ApiError> {
    let (slug, id) = path.into_inner();
    let endpoint = webhooks::rotate_secret(&state, &caller, slug, id).await?;
    Ok(web::Json(EndpointView::of(endpoint, true)))
}
