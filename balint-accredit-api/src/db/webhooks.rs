//! Webhooks as stored: a society's endpoints, the deliveries of the
//! outbox's events to them, and each try's answer.
//!
//! A delivery is sent by one server at a time: [`claim_due`] leases it
//! (`leased_until`) in a short transaction, the HTTP request is made
//! outside any transaction, and [`finish_try`] stores the answer. A server
//! that dies while sending leaves its lease to run out; another server then
//! sends it again, with the same webhook-id, which the receiver uses to
//! tell a repeat.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::outbox::StoredEvent;
use super::schema::{outbox_events, webhook_attempts, webhook_deliveries, webhook_endpoints};
use super::DbConnection;
use crate::error::ApiError;

/// An endpoint as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_endpoints)]
pub struct Endpoint {
    pub id: String,
    pub society_id: String,
    pub url: String,
    pub description: String,
    /// The event types subscribed to, space-separated.
    pub event_types: String,
    /// `whsec_` and the base64 of the signing key.
    pub secret: String,
    pub disabled_at: Option<NaiveDateTime>,
    pub disabled_reason: Option<String>,
    pub created_at: NaiveDateTime,
    /// The watchlist it tells, for a watchlist's endpoint (not one of the
    /// society's own: its registrar neither lists nor sees it).
    pub watchlist_id: Option<String>,
    /// The secret a rotation replaced, still signing beside [`Self::secret`]
    /// until [`Self::previous_secret_until`].
    pub previous_secret: Option<String>,
    pub previous_secret_until: Option<NaiveDateTime>,
}

impl Endpoint {
    /// Whether it takes events of type `kind` (and is enabled).
    pub fn takes(&self, kind: &str) -> bool {
        self.disabled_at.is_none() && self.event_types.split(' ').any(|t| t == kind)
    }

    /// The secrets a delivery made at `now` is signed with: the current
    /// one, and the one a rotation replaced while its grace lasts.
    pub fn secrets_at(&self, now: NaiveDateTime) -> Vec<&str> {
        let mut secrets = vec![self.secret.as_str()];
        if let (Some(previous), Some(until)) = (&self.previous_secret, self.previous_secret_until) {
            if now < until {
                secrets.push(previous);
            }
        }
        secrets
    }
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeliveryState {
    /// To be tried (again).
    Pending,
    /// The endpoint answered 2xx.
    Delivered,
    /// Not tried again: its tries used up, or the endpoint gone (410).
    Dead,
    /// Given up by the operator.
    Dropped,
}

impl DeliveryState {
    /// As stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Dead => "dead",
            Self::Dropped => "dropped",
        }
    }

    fn parse(s: &str) -> Result<Self, ApiError> {
        Ok(match s {
            "pending" => Self::Pending,
            "delivered" => Self::Delivered,
            "dead" => Self::Dead,
            "dropped" => Self::Dropped,
            other => {
                return Err(ApiError::Internal(anyhow::anyhow!(
                    "unknown delivery state {other:?}"
                )))
            }
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_deliveries)]
struct DeliveryRow {
    id: String,
    endpoint_id: String,
    event_id: String,
    society_id: String,
    state: String,
    attempts: i32,
    next_attempt_at: NaiveDateTime,
    leased_until: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
    finished_at: Option<NaiveDateTime>,
    body: Option<String>,
}

/// A delivery as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// `msg_` and 32 hex digits: the webhook-id.
    pub id: String,
    pub endpoint_id: String,
    pub event_id: String,
    pub society_id: String,
    pub state: DeliveryState,
    /// Tries made since it was made or last replayed.
    pub attempts: u32,
    pub next_attempt_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
    /// Its own body (a watchlist's alert), sent instead of its event's.
    pub body: Option<String>,
}

impl TryFrom<DeliveryRow> for Delivery {
    type Error = ApiError;
    fn try_from(row: DeliveryRow) -> Result<Self, ApiError> {
        Ok(Self {
            state: DeliveryState::parse(&row.state)?,
            attempts: u32::try_from(row.attempts).unwrap_or(0),
            id: row.id,
            endpoint_id: row.endpoint_id,
            event_id: row.event_id,
            society_id: row.society_id,
            next_attempt_at: row.next_attempt_at,
            created_at: row.created_at,
            finished_at: row.finished_at,
            body: row.body,
        })
    }
}

/// One try of a delivery, and the endpoint's answer.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_attempts)]
pub struct Attempt {
    pub delivery_id: String,
    /// 1 for the first try.
    pub attempt: i32,
    pub tried_at: NaiveDateTime,
    /// The HTTP status answered; none when there was no answer.
    pub status: Option<i32>,
    /// Why there was no answer, or the start of the answer's body.
    pub response: String,
    pub duration_ms: i64,
}

/// Store a new endpoint.
pub fn insert_endpoint(conn: &mut DbConnection, endpoint: &Endpoint) -> Result<(), ApiError> {
    diesel::insert_into(webhook_endpoints::table)
        .values(endpoint)
        .execute(conn)?;
    Ok(())
}

/// A society's endpoints, oldest first.
pub fn endpoints(conn: &mut DbConnection, society_id: &str) -> Result<Vec<Endpoint>, ApiError> {
    Ok(webhook_endpoints::table
        .filter(webhook_endpoints::society_id.eq(society_id))
        .filter(webhook_endpoints::watchlist_id.is_null())
        .order((
            webhook_endpoints::created_at.asc(),
            webhook_endpoints::id.asc(),
        ))
        .select(Endpoint::as_select())
        .load(conn)?)
}

/// Endpoint `id` of society `society_id`.
pub fn endpoint(
    conn: &mut DbConnection,
    society_id: &str,
    id: &str,
) -> Result<Option<Endpoint>, ApiError> {
    Ok(webhook_endpoints::table
        .find(id)
        .filter(webhook_endpoints::society_id.eq(society_id))
        .filter(webhook_endpoints::watchlist_id.is_null())
        .select(Endpoint::as_select())
        .first(conn)
        .optional()?)
}

/// Delete endpoint `id` with its deliveries and their tries; whether there
/// was one.
pub fn delete_endpoint(
    conn: &mut DbConnection,
    society_id: &str,
    id: &str,
) -> Result<bool, ApiError> {
    let ids = webhook_deliveries::table
        .filter(webhook_deliveries::endpoint_id.eq(id))
        .select(webhook_deliveries::id);
    diesel::delete(webhook_attempts::table.filter(webhook_attempts::delivery_id.eq_any(ids)))
        .execute(conn)?;
    diesel::delete(webhook_deliveries::table.filter(webhook_deliveries::endpoint_id.eq(id)))
        .execute(conn)?;
    let deleted = diesel::delete(
        webhook_endpoints::table
            .find(id)
            .filter(webhook_endpoints::society_id.eq(society_id)),
    )
    .execute(conn)?;
    Ok(deleted == 1)
}

/// Enable endpoint `id` again, or disable it with a reason.
pub fn set_disabled(
    conn: &mut DbConnection,
    id: &str,
    disabled: Option<(NaiveDateTime, &str)>,
) -> Result<(), ApiError> {
    diesel::update(webhook_endpoints::table.find(id))
        .set((
            webhook_endpoints::disabled_at.eq(disabled.map(|d| d.0)),
            webhook_endpoints::disabled_reason.eq(disabled.map(|d| d.1)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Make the deliveries of `events` (one per enabled endpoint of their
/// society subscribed to their type), due at once. Returns how many.
pub fn fan_out(
    conn: &mut DbConnection,
    events: &[StoredEvent],
    now: NaiveDateTime,
) -> Result<usize, ApiError> {
    let mut societies: Vec<&str> = events.iter().map(|e| e.society_id.as_str()).collect();
    societies.sort_unstable();
    societies.dedup();
    let endpoints: Vec<Endpoint> = webhook_endpoints::table
        .filter(webhook_endpoints::society_id.eq_any(&societies))
        .filter(webhook_endpoints::disabled_at.is_null())
        .filter(webhook_endpoints::watchlist_id.is_null())
        .select(Endpoint::as_select())
        .load(conn)?;
    let rows: Vec<DeliveryRow> = events
        .iter()
        .flat_map(|event| {
            endpoints
                .iter()
                .filter(|e| e.society_id == event.society_id && e.takes(&event.event_type))
                .map(|endpoint| DeliveryRow {
                    id: format!("msg_{}", uuid::Uuid::new_v4().simple()),
                    endpoint_id: endpoint.id.clone(),
                    event_id: event.id.clone(),
                    society_id: event.society_id.clone(),
                    state: DeliveryState::Pending.as_str().to_owned(),
                    attempts: 0,
                    next_attempt_at: now,
                    leased_until: None,
                    created_at: now,
                    finished_at: None,
                    body: None,
                })
        })
        .collect();
    for row in &rows {
        diesel::insert_into(webhook_deliveries::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(rows.len())
}

/// Make a delivery of `event` to endpoint `endpoint_id` carrying its own
/// `body` (a watchlist's alert), due at once.
pub fn insert_delivery(
    conn: &mut DbConnection,
    endpoint_id: &str,
    event: &StoredEvent,
    body: String,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    diesel::insert_into(webhook_deliveries::table)
        .values(&DeliveryRow {
            id: format!("msg_{}", uuid::Uuid::new_v4().simple()),
            endpoint_id: endpoint_id.to_owned(),
            event_id: event.id.clone(),
            society_id: event.society_id.clone(),
            state: DeliveryState::Pending.as_str().to_owned(),
            attempts: 0,
            next_attempt_at: now,
            leased_until: None,
            created_at: now,
            finished_at: None,
            body: Some(body),
        })
        .execute(conn)?;
    Ok(())
}

/// Endpoint `id`, whoever's it is.
pub fn endpoint_by_id(conn: &mut DbConnection, id: &str) -> Result<Option<Endpoint>, ApiError> {
    Ok(webhook_endpoints::table
        .find(id)
        .select(Endpoint::as_select())
        .first(conn)
        .optional()?)
}

/// Give endpoint `id` the new secret `secret`, the one it replaces
/// signing beside it until `until`.
pub fn rotate_secret(
    conn: &mut DbConnection,
    id: &str,
    secret: &str,
    until: NaiveDateTime,
) -> Result<(), ApiError> {
    diesel::update(webhook_endpoints::table.find(id))
        .set((
            webhook_endpoints::previous_secret.eq(webhook_endpoints::secret.nullable()),
            webhook_endpoints::previous_secret_until.eq(Some(until)),
            webhook_endpoints::secret.eq(secret),
        ))
        .execute(conn)?;
    Ok(())
}

/// A delivery leased to this server, with what it sends.
#[derive(Debug, Clone)]
pub struct Leased {
    pub delivery: Delivery,
    pub endpoint: Endpoint,
    pub event: StoredEvent,
    /// The lease this server holds it by: its finish is stored only while
    /// the lease is still this one.
    pub leased_until: NaiveDateTime,
}

/// The deliveries due: pending, their time come, not leased (or their
/// lease run out), to an enabled endpoint.
macro_rules! due {
    ($now:expr) => {
        webhook_deliveries::table
            .filter(webhook_deliveries::state.eq("pending"))
            .filter(webhook_deliveries::next_attempt_at.le($now))
            .filter(
                webhook_deliveries::leased_until
                    .is_null()
                    .or(webhook_deliveries::leased_until.lt($now)),
            )
            .filter(
                webhook_deliveries::endpoint_id.eq_any(
                    webhook_endpoints::table
                        .filter(webhook_endpoints::disabled_at.is_null())
                        .select(webhook_endpoints::id),
                ),
            )
    };
}

/// Whether any delivery is due (a read, so an idle worker never takes the
/// write lock).
pub fn any_due(conn: &mut DbConnection, now: NaiveDateTime) -> Result<bool, ApiError> {
    Ok(diesel::select(diesel::dsl::exists(due!(now))).get_result(conn)?)
}

/// Lease at most `limit` due deliveries to this server until
/// `leased_until`, the most overdue first. On PostgreSQL the rows another
/// server is leasing at the same moment are skipped (`FOR UPDATE SKIP
/// LOCKED`); on SQLite the transaction's write lock lets one server lease
/// at a time. Call it inside [`crate::db::write`].
pub fn claim_due(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    leased_until: NaiveDateTime,
    limit: i64,
) -> Result<Vec<Leased>, ApiError> {
    macro_rules! query {
        () => {
            due!(now)
                .order((
                    webhook_deliveries::next_attempt_at.asc(),
                    webhook_deliveries::id.asc(),
                ))
                .limit(limit)
                .select(DeliveryRow::as_select())
        };
    }
    let rows: Vec<DeliveryRow> = match conn {
        DbConnection::Postgres(c) => query!().for_update().skip_locked().load(c)?,
        DbConnection::Sqlite(c) => query!().load(c)?,
    };
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    diesel::update(webhook_deliveries::table.filter(webhook_deliveries::id.eq_any(&ids)))
        .set(webhook_deliveries::leased_until.eq(leased_until))
        .execute(conn)?;
    let mut leased = Vec::with_capacity(rows.len());
    for row in rows {
        let endpoint = webhook_endpoints::table
            .find(&row.endpoint_id)
            .select(Endpoint::as_select())
            .first(conn)?;
        let event = outbox_events::table
            .find(&row.event_id)
            .select(StoredEvent::as_select())
            .first(conn)?;
        leased.push(Leased {
            delivery: row.try_into()?,
            endpoint,
            event,
            leased_until,
        });
    }
    Ok(leased)
}

/// What a try came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The try's answer.
    pub attempt: Attempt,
    /// Where the delivery stands after it.
    pub state: DeliveryState,
    /// When to try again (pending).
    pub next_attempt_at: NaiveDateTime,
    /// Disable the endpoint, for this reason (it answered 410 Gone).
    pub disable_endpoint: Option<String>,
}

/// Store a try of `leased` and where the delivery stands after it. A try
/// made after this server's lease ran out and another server took the
/// delivery over is still logged, but leaves the delivery to the other.
/// Call it inside [`crate::db::write`].
pub fn finish_try(
    conn: &mut DbConnection,
    leased: &Leased,
    outcome: &Outcome,
) -> Result<(), ApiError> {
    let attempts: i32 = webhook_deliveries::table
        .find(&leased.delivery.id)
        .select(webhook_deliveries::attempts)
        .first(conn)?;
    let numbered: Option<i32> = webhook_attempts::table
        .filter(webhook_attempts::delivery_id.eq(&leased.delivery.id))
        .select(diesel::dsl::max(webhook_attempts::attempt))
        .get_result(conn)?;
    let attempt = Attempt {
        attempt: numbered.unwrap_or(0) + 1,
        ..outcome.attempt.clone()
    };
    diesel::insert_into(webhook_attempts::table)
        .values(&attempt)
        .execute(conn)?;
    let finished = matches!(
        outcome.state,
        DeliveryState::Delivered | DeliveryState::Dead
    )
    .then_some(attempt.tried_at);
    diesel::update(
        webhook_deliveries::table
            .find(&leased.delivery.id)
            .filter(webhook_deliveries::leased_until.eq(leased.leased_until))
            .filter(webhook_deliveries::state.eq("pending")),
    )
    .set((
        webhook_deliveries::state.eq(outcome.state.as_str()),
        webhook_deliveries::next_attempt_at.eq(outcome.next_attempt_at),
        webhook_deliveries::leased_until.eq(None::<NaiveDateTime>),
        webhook_deliveries::finished_at.eq(finished),
    ))
    .execute(conn)?;
    // Counted also when the lease was taken over meanwhile.
    diesel::update(webhook_deliveries::table.find(&leased.delivery.id))
        .set(webhook_deliveries::attempts.eq(attempts + 1))
        .execute(conn)?;
    if let Some(reason) = &outcome.disable_endpoint {
        diesel::update(
            webhook_endpoints::table
                .find(&leased.endpoint.id)
                .filter(webhook_endpoints::disabled_at.is_null()),
        )
        .set((
            webhook_endpoints::disabled_at.eq(Some(attempt.tried_at)),
            webhook_endpoints::disabled_reason.eq(Some(reason)),
        ))
        .execute(conn)?;
    }
    Ok(())
}

/// A delivery with its event's type, for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logged {
    pub delivery: Delivery,
    pub event_type: String,
    pub endpoint_url: String,
}

/// Filters of the delivery log.
#[derive(Debug, Clone, Default)]
pub struct LogFilter {
    /// One endpoint's.
    pub endpoint_id: Option<String>,
    /// In this state.
    pub state: Option<DeliveryState>,
}

/// A page of a society's deliveries, newest first, and how many match.
pub fn deliveries(
    conn: &mut DbConnection,
    society_id: &str,
    filter: &LogFilter,
    offset: i64,
    limit: i64,
) -> Result<(Vec<Logged>, i64), ApiError> {
    let matching = || {
        let mut query = webhook_deliveries::table
            .inner_join(outbox_events::table)
            .inner_join(webhook_endpoints::table)
            .filter(webhook_deliveries::society_id.eq(society_id.to_owned()))
            .filter(webhook_endpoints::watchlist_id.is_null())
            .into_boxed();
        if let Some(id) = &filter.endpoint_id {
            query = query.filter(webhook_deliveries::endpoint_id.eq(id.clone()));
        }
        if let Some(state) = filter.state {
            query = query.filter(webhook_deliveries::state.eq(state.as_str()));
        }
        query
    };
    let total = matching().count().get_result(conn)?;
    let rows: Vec<(DeliveryRow, String, String)> = matching()
        .order((
            webhook_deliveries::created_at.desc(),
            webhook_deliveries::id.desc(),
        ))
        .offset(offset)
        .limit(limit)
        .select((
            DeliveryRow::as_select(),
            outbox_events::event_type,
            webhook_endpoints::url,
        ))
        .load(conn)?;
    let logged = rows
        .into_iter()
        .map(|(row, event_type, endpoint_url)| {
            Ok(Logged {
                delivery: row.try_into()?,
                event_type,
                endpoint_url,
            })
        })
        .collect::<Result<_, ApiError>>()?;
    Ok((logged, total))
}

/// Delivery `id`, of society `society_id` when given.
pub fn delivery(
    conn: &mut DbConnection,
    society_id: Option<&str>,
    id: &str,
) -> Result<Option<Delivery>, ApiError> {
    let mut query = webhook_deliveries::table.find(id).into_boxed();
    if let Some(society_id) = society_id {
        query = query.filter(webhook_deliveries::society_id.eq(society_id.to_owned()));
    }
    query
        .select(DeliveryRow::as_select())
        .first(conn)
        .optional()?
        .map(Delivery::try_from)
        .transpose()
}

/// The tries of delivery `id`, first first.
pub fn attempts(conn: &mut DbConnection, id: &str) -> Result<Vec<Attempt>, ApiError> {
    Ok(webhook_attempts::table
        .filter(webhook_attempts::delivery_id.eq(id))
        .order(webhook_attempts::attempt.asc())
        .select(Attempt::as_select())
        .load(conn)?)
}

/// Send delivery `id` again from now, whatever became of it: its
/// back-off starts again (the log of its tries kept).
pub fn replay(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> Result<(), ApiError> {
    diesel::update(webhook_deliveries::table.find(id))
        .set((
            webhook_deliveries::state.eq(DeliveryState::Pending.as_str()),
            webhook_deliveries::attempts.eq(0),
            webhook_deliveries::next_attempt_at.eq(now),
            webhook_deliveries::leased_until.eq(None::<NaiveDateTime>),
            webhook_deliveries::finished_at.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(())
}

/// Give delivery `id` up.
pub fn drop_delivery(
    conn: &mut DbConnection,
    id: &str,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    diesel::update(webhook_deliveries::table.find(id))
        .set((
            webhook_deliveries::state.eq(DeliveryState::Dropped.as_str()),
            webhook_deliveries::leased_until.eq(None::<NaiveDateTime>),
            webhook_deliveries::finished_at.eq(Some(now)),
        ))
        .execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(previous: Option<(&str, NaiveDateTime)>) -> Endpoint {
        Endpoint {
            id: "ep_1".to_owned(),
            society_id: "s".to_owned(),
            url: "https://hooks.example/".to_owned(),
            description: String::new(),
            event_types: "register_entry.granted".to_owned(),
            secret: "whsec_new".to_owned(),
            disabled_at: None,
            disabled_reason: None,
            created_at: NaiveDateTime::default(),
            watchlist_id: None,
            previous_secret: previous.map(|p| p.0.to_owned()),
            previous_secret_until: previous.map(|p| p.1),
        }
    }

    #[test]
    fn the_old_secret_signs_until_the_grace_ends_and_not_from_then() {
        let until = NaiveDateTime::default() + chrono::Duration::hours(24);
        let rotated = endpoint(Some(("whsec_old", until)));
        let last = until - chrono::Duration::microseconds(1);
        assert_eq!(rotated.secrets_at(last), ["whsec_new", "whsec_old"]);
        assert_eq!(rotated.secrets_at(until), ["whsec_new"]);
        assert_eq!(endpoint(None).secrets_at(last), ["whsec_new"]);
    }
}
