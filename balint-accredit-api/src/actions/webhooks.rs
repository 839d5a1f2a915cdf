//! A society's webhooks, kept by its registrar: endpoints subscribed to
//! event types, the delivery log with each try's answer, replay; the
//! outbox's depth; and the operator's replay or drop of a dead delivery
//! from the command line. The deliveries themselves are sent by
//! `crate::webhooks::worker`.

use std::collections::BTreeSet;

use crate::actions::{as_registrar, Operator};
use crate::auth::Caller;
use crate::db::outbox::{Depth, EventType, StoredEvent};
use crate::db::webhooks::{Attempt, Delivery, DeliveryState, Endpoint, LogFilter, Logged};
use crate::db::{self, audit, DbConnection};
use crate::error::{ApiError, FieldProblem};
use crate::pagination::PageRequest;
use crate::state::AppState;
use crate::webhooks::{address, sign};

/// Most endpoints a society may have.
pub const MAX_ENDPOINTS: usize = 20;

/// A new endpoint as the registrar describes it.
#[derive(Debug, Clone, Default)]
pub struct EndpointInput {
    /// Where to send: an http or https URL, not on a local address unless
    /// the server allows it.
    pub url: String,
    /// What it is for, in the registrar's words (at most 200 characters).
    pub description: String,
    /// The event types it takes (at least one), e.g.
    /// `register_entry.suspended`.
    pub event_types: Vec<String>,
}

/// Make an endpoint (registrar), with a new `whsec_` secret; refused with
/// every problem of its input at once (422). Audited without its secret.
pub async fn create_endpoint(
    state: &AppState,
    caller: &Caller,
    slug: String,
    input: EndpointInput,
) -> Result<Endpoint, ApiError> {
    let (society, actor) = as_registrar(state, caller, slug).await?;
    let mut problems = Vec::new();
    let url = input.url.trim().to_owned();
    if let Err(e) = address::check_url(&url, state.settings.webhooks.webhook_allow_private) {
        problems.push(FieldProblem::new("url", e.to_string()));
    }
    let description = input.description.trim().to_owned();
    if description.chars().count() > 200 {
        problems.push(FieldProblem::new(
            "description",
            "must be at most 200 characters",
        ));
    }
    let mut types = BTreeSet::new();
    for (i, kind) in input.event_types.iter().enumerate() {
        match kind.parse::<EventType>() {
            Ok(kind) => {
                types.insert(kind);
            }
            Err(e) => problems.push(FieldProblem::new(format!("event_types[{i}]"), e)),
        }
    }
    if input.event_types.is_empty() {
        problems.push(FieldProblem::new(
            "event_types",
            "name at least one event type",
        ));
    }
    if !problems.is_empty() {
        return Err(ApiError::Unprocessable {
            detail: "the endpoint has problems".to_owned(),
            errors: problems,
        });
    }
    let now = db::now();
    let endpoint = Endpoint {
        id: format!("ep_{}", uuid::Uuid::new_v4().simple()),
        society_id: society.id.clone(),
        url,
        description,
        event_types: types
            .iter()
            .map(|t| t.as_str())
            .collect::<Vec<_>>()
            .join(" "),
        secret: sign::new_secret(),
        disabled_at: None,
        disabled_reason: None,
        created_at: now,
        watchlist_id: None,
        previous_secret: None,
        previous_secret_until: None,
    };
    let stored = endpoint.clone();
    db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            if db::webhooks::endpoints(conn, &society.id)?.len() >= MAX_ENDPOINTS {
                return Err(ApiError::Conflict(format!(
                    "a society may have at most {MAX_ENDPOINTS} webhook endpoints; delete one first"
                )));
            }
            db::webhooks::insert_endpoint(conn, &stored)?;
            audit::record(
                conn,
                audit::Change {
                    actor_user_id: Some(&actor),
                    society_id: Some(&society.id),
                    action: audit::Action::Create,
                    entity: audit::Entity::WebhookEndpoint,
                    entity_id: &stored.id,
                    before: None,
                    after: Some(serde_json::json!({
                        "url": stored.url,
                        "description": stored.description,
                        "event_types": stored.event_types,
                    })),
                    at: now,
                },
            )?;
            Ok(())
        })
    })
    .await?;
    Ok(endpoint)
}

/// A society's endpoints (registrar), oldest first.
pub async fn endpoints(
    state: &AppState,
    caller: &Caller,
    slug: String,
) -> Result<Vec<Endpoint>, ApiError> {
    let (society, _) = as_registrar(state, caller, slug).await?;
    db::run(&state.pool, move |conn| {
        db::webhooks::endpoints(conn, &society.id)
    })
    .await
}

/// One endpoint (registrar); not found when the society has no such one.
pub async fn endpoint(
    state: &AppState,
    caller: &Caller,
    slug: String,
    id: String,
) -> Result<Endpoint, ApiError> {
    let (society, _) = as_registrar(state, caller, slug).await?;
    db::run(&state.pool, move |conn| {
        db::webhooks::endpoint(conn, &society.id, &id)?.ok_or_else(|| no_endpoint(&id))
    })
    .await
}

fn no_endpoint(id: &str) -> ApiError {
    ApiError::NotFound(format!("no webhook endpoint {id}"))
}

/// What a change made of an endpoint, and what its audit record says.
struct Changed<T> {
    /// What the use case answers.
    answer: T,
    /// The audit record's action, before and after; none when nothing
    /// changed (nothing is audited).
    audited: Option<(
        audit::Action,
        Option<serde_json::Value>,
        Option<serde_json::Value>,
    )>,
}

/// Change endpoint `id` of the society `slug` (registrar), in one
/// transaction: `change` gets the endpoint as stored and makes the
/// change; its audit record (if it says one) is written with it. Not
/// found when the society has no such endpoint.
async fn change_endpoint<T: Send + 'static>(
    state: &AppState,
    caller: &Caller,
    slug: String,
    id: String,
    change: impl FnOnce(&mut DbConnection, Endpoint) -> Result<Changed<T>, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let (society, actor) = as_registrar(state, caller, slug).await?;
    db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let endpoint =
                db::webhooks::endpoint(conn, &society.id, &id)?.ok_or_else(|| no_endpoint(&id))?;
            let Changed { answer, audited } = change(conn, endpoint)?;
            if let Some((action, before, after)) = audited {
                audit::record(
                    conn,
                    audit::Change {
                        actor_user_id: Some(&actor),
                        society_id: Some(&society.id),
                        action,
                        entity: audit::Entity::WebhookEndpoint,
                        entity_id: &id,
                        before,
                        after,
                        at: db::now(),
                    },
                )?;
            }
            Ok(answer)
        })
    })
    .await
}

/// Delete an endpoint with its delivery log (registrar); audited.
pub async fn delete_endpoint(
    state: &AppState,
    caller: &Caller,
    slug: String,
    id: String,
) -> Result<(), ApiError> {
    change_endpoint(state, caller, slug, id, |conn, endpoint| {
        db::webhooks::delete_endpoint(conn, &endpoint.society_id, &endpoint.id)?;
        let before = serde_json::json!({
            "url": endpoint.url,
            "event_types": endpoint.event_types,
        });
        Ok(Changed {
            answer: (),
            audited: Some((audit::Action::Delete, Some(before), None)),
        })
    })
    .await
}

/// Enable an endpoint disabled after it answered 410 (registrar); its
/// dead deliveries stay dead until replayed. Audited.
pub async fn enable_endpoint(
    state: &AppState,
    caller: &Caller,
    slug: String,
    id: String,
) -> Result<Endpoint, ApiError> {
    change_endpoint(state, caller, slug, id, |conn, endpoint| {
        if endpoint.disabled_at.is_none() {
            return Ok(Changed {
                answer: endpoint,
                audited: None,
            });
        }
        db::webhooks::set_disabled(conn, &endpoint.id, None)?;
        let before = serde_json::json!({ "disabled_reason": endpoint.disabled_reason });
        Ok(Changed {
            answer: Endpoint {
                disabled_at: None,
                disabled_reason: None,
                ..endpoint
            },
            audited: Some((
                audit::Action::Update,
                Some(before),
                Some(serde_json::json!({ "disabled_reason": null })),
            )),
        })
    })
    .await
}

/// How long a rotated endpoint's old secret still signs beside the new
/// one, so the receiver can change its secret in that time without a
/// delivery failing.
pub const ROTATION_GRACE: chrono::Duration = chrono::Duration::hours(24);

/// Give an endpoint a new secret (registrar): for [`ROTATION_GRACE`] its
/// deliveries carry a signature by each (the Standard Webhooks header
/// holds several, space-separated), then only by the new one. Rotating
/// again within the grace ends the oldest secret's at once. Audited
/// without the secrets.
pub async fn rotate_secret(
    state: &AppState,
    caller: &Caller,
    slug: String,
    id: String,
) -> Result<Endpoint, ApiError> {
    change_endpoint(state, caller, slug, id, |conn, endpoint| {
        let until = db::now() + ROTATION_GRACE;
        let secret = sign::new_secret();
        db::webhooks::rotate_secret(conn, &endpoint.id, &secret, until)?;
        let after = serde_json::json!({
            "secret": "rotated",
            "previous_secret_until": until,
        });
        Ok(Changed {
            answer: Endpoint {
                previous_secret: Some(endpoint.secret.clone()),
                previous_secret_until: Some(until),
                secret,
                ..endpoint
            },
            audited: Some((audit::Action::Update, None, Some(after))),
        })
    })
    .await
}

/// A page of the delivery log.
#[derive(Debug, Clone)]
pub struct DeliveryPage {
    /// Newest first.
    pub deliveries: Vec<Logged>,
    /// How many match.
    pub total: i64,
}

/// A page of a society's delivery log (registrar), newest first, of one
/// endpoint or all, in one state or all.
pub async fn deliveries(
    state: &AppState,
    caller: &Caller,
    slug: String,
    filter: LogFilter,
    page: PageRequest,
) -> Result<DeliveryPage, ApiError> {
    let (society, _) = as_registrar(state, caller, slug).await?;
    db::run(&state.pool, move |conn| {
        let (deliveries, total) =
            db::webhooks::deliveries(conn, &society.id, &filter, page.offset(), page.limit())?;
        Ok(DeliveryPage { deliveries, total })
    })
    .await
}

/// A delivery with its event and every try's answer.
#[derive(Debug, Clone)]
pub struct DeliveryDetail {
    pub delivery: Delivery,
    pub event: StoredEvent,
    pub attempts: Vec<Attempt>,
}

/// One delivery, its event and its tries (registrar).
pub async fn delivery(
    state: &AppState,
    caller: &Caller,
    slug: String,
    id: String,
) -> Result<DeliveryDetail, ApiError> {
    let (society, _) = as_registrar(state, caller, slug).await?;
    db::run(&state.pool, move |conn| {
        detail(conn, Some(&society.id), &id)
    })
    .await
}

fn no_delivery(id: &str) -> ApiError {
    ApiError::NotFound(format!("no webhook delivery {id}"))
}

fn detail(
    conn: &mut DbConnection,
    society_id: Option<&str>,
    id: &str,
) -> Result<DeliveryDetail, ApiError> {
    let delivery = db::webhooks::delivery(conn, society_id, id)?.ok_or_else(|| no_delivery(id))?;
    let event = db::outbox::find(conn, &delivery.society_id, &delivery.event_id)?
        .ok_or_else(|| no_delivery(id))?;
    let attempts = db::webhooks::attempts(conn, id)?;
    Ok(DeliveryDetail {
        delivery,
        event,
        attempts,
    })
}

/// Send a delivery again from now (registrar), whatever became of it
/// (delivered, dead or dropped): the same webhook-id, a fresh back-off.
/// Audited.
pub async fn replay(
    state: &AppState,
    caller: &Caller,
    slug: String,
    id: String,
) -> Result<DeliveryDetail, ApiError> {
    let (society, actor) = as_registrar(state, caller, slug).await?;
    db::run(&state.pool, move |conn| {
        again(conn, Some(&society.id), Some(&actor), &id, Again::Replay)
    })
    .await
}

/// What the operator does with a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Again {
    /// Send it again from now.
    Replay,
    /// Give it up: never sent again (unless replayed).
    Drop,
}

/// Replay or drop delivery `id` of any society (the operator, from the
/// command line); audited as the command line.
pub fn again_for_operator(
    conn: &mut DbConnection,
    operator: Operator,
    id: &str,
    what: Again,
) -> Result<DeliveryDetail, ApiError> {
    again(conn, None, operator.actor(), id, what)
}

fn again(
    conn: &mut DbConnection,
    society_id: Option<&str>,
    actor: Option<&str>,
    id: &str,
    what: Again,
) -> Result<DeliveryDetail, ApiError> {
    db::write(conn, |conn| {
        let before = detail(conn, society_id, id)?;
        if what == Again::Drop && before.delivery.state == DeliveryState::Delivered {
            return Err(ApiError::Conflict(format!(
                "delivery {id} was delivered; there is nothing to drop"
            )));
        }
        let now = db::now();
        match what {
            Again::Replay => db::webhooks::replay(conn, id, now)?,
            Again::Drop => db::webhooks::drop_delivery(conn, id, now)?,
        }
        audit::record(
            conn,
            audit::Change {
                actor_user_id: actor,
                society_id: Some(&before.delivery.society_id),
                action: audit::Action::Update,
                entity: audit::Entity::WebhookDelivery,
                entity_id: id,
                before: Some(serde_json::json!({ "state": before.delivery.state.as_str() })),
                after: Some(serde_json::json!({
                    "state": match what {
                        Again::Replay => DeliveryState::Pending.as_str(),
                        Again::Drop => DeliveryState::Dropped.as_str(),
                    },
                })),
                at: now,
            },
        )?;
        detail(conn, society_id, id)
    })
}

/// The outbox as the registrar sees it: its depth, and the latest events.
#[derive(Debug, Clone)]
pub struct OutboxView {
    pub depth: Depth,
    /// The latest events, newest first.
    pub recent: Vec<StoredEvent>,
}

/// The society's outbox (registrar): what waits, what failed, the oldest
/// waiting, and the latest 50 events.
pub async fn outbox(
    state: &AppState,
    caller: &Caller,
    slug: String,
) -> Result<OutboxView, ApiError> {
    let (society, _) = as_registrar(state, caller, slug).await?;
    db::run(&state.pool, move |conn| {
        Ok(OutboxView {
            depth: db::outbox::depth(conn, Some(&society.id))?,
            recent: db::outbox::recent(conn, &society.id, 50)?,
        })
    })
    .await
}

/// Record the renewal reminders due on `as_of` (the operator; the worker
/// of `serve` does the same every hour for today): one `renewal.due`
/// event per entry, cycle end and threshold (90, 30, 7 days), however
/// often it runs. Returns how many were recorded now.
pub fn remind_for_operator(
    conn: &mut DbConnection,
    _operator: Operator,
    as_of: chrono::NaiveDate,
) -> Result<usize, ApiError> {
    db::write(conn, |conn| db::outbox::remind_renewals(conn, as_of))
}

/// The outbox's depth over every society (the operator).
pub fn depth_for_operator(conn: &mut DbConnection, _operator: Operator) -> Result<Depth, ApiError> {
    db::outbox::depth(conn, None)
}
