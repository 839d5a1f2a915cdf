//! A society's e-mail: the log of the messages made from its events,
//! waiting or sent, for its registrar; and a recipient's unsubscribe link,
//! which stops one kind of message from that society to that address. The
//! messages are written and sent by the outbox's worker (`crate::mail`).

use crate::actions::webhooks::Again;
use crate::actions::{as_registrar, Operator};
use crate::auth::Caller;
use crate::db::mail::{self as stored, MailDepth, MailFilter, MailKind, MailState, Message};
use crate::db::{self, schema::societies};
use crate::error::ApiError;
use crate::pagination::PageRequest;
use crate::state::AppState;

/// A page of the mail log.
#[derive(Debug, Clone)]
pub struct MailLog {
    pub messages: Vec<Message>,
    pub total: i64,
    /// Whether a mail server is set (`SMTP_URL`): with none, pending
    /// messages wait for one.
    pub server_set: bool,
    /// What waits, what failed, the oldest waiting.
    pub depth: MailDepth,
}

/// Whether this server sends e-mail.
pub fn server_set(state: &AppState) -> bool {
    state
        .settings
        .mail
        .smtp_url
        .as_deref()
        .is_some_and(|u| !u.trim().is_empty())
}

/// The society's messages, newest first (registrar).
pub async fn log(
    state: &AppState,
    caller: &Caller,
    slug: String,
    filter: MailFilter,
    page: PageRequest,
) -> Result<MailLog, ApiError> {
    let (society, _) = as_registrar(state, caller, slug).await?;
    let server_set = server_set(state);
    db::run(&state.pool, move |conn| {
        let (messages, total) =
            stored::log(conn, &society.id, &filter, page.offset(), page.limit())?;
        Ok(MailLog {
            messages,
            total,
            server_set,
            depth: stored::depth(conn, Some(&society.id))?,
        })
    })
    .await
}

/// What an unsubscribe link stops.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsubscription {
    /// The society's name.
    pub society: String,
    /// The address.
    pub recipient: String,
    pub kind: MailKind,
    /// Whether it is already stopped.
    pub done: bool,
}

fn no_link() -> ApiError {
    ApiError::NotFound("this unsubscribe link is not one of ours".to_owned())
}

/// What the link with `token` stops, and whether it is stopped already
/// (anyone holding the link: it is the recipient's).
pub async fn unsubscription(state: &AppState, token: String) -> Result<Unsubscription, ApiError> {
    db::run(&state.pool, move |conn| read(conn, &token)).await
}

fn read(conn: &mut db::DbConnection, token: &str) -> Result<Unsubscription, ApiError> {
    use diesel::prelude::*;
    let message = stored::by_token(conn, token)?.ok_or_else(no_link)?;
    let kind = message.kind.parse::<MailKind>().map_err(|_| no_link())?;
    let society: String = societies::table
        .find(&message.society_id)
        .select(societies::name)
        .first(conn)?;
    let done = stored::unsubscribed(conn, &message.society_id, &message.recipient, kind)?;
    Ok(Unsubscription {
        society,
        recipient: message.recipient,
        kind,
        done,
    })
}

/// Stop the kind of message the link with `token` came with, from that
/// society to that address (again is no change): no new ones are
/// written, and those waiting are withdrawn.
pub async fn unsubscribe(state: &AppState, token: String) -> Result<Unsubscription, ApiError> {
    db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let message = stored::by_token(conn, &token)?.ok_or_else(no_link)?;
            stored::unsubscribe(
                conn,
                &message.society_id,
                &message.recipient,
                &message.kind,
                db::now(),
            )?;
            stored::withdraw(conn, &message.society_id, &message.recipient, &message.kind)?;
            read(conn, &token)
        })
    })
    .await
}

/// The e-mail's depth over every society (the operator).
pub fn depth_for_operator(
    conn: &mut db::DbConnection,
    _operator: Operator,
) -> Result<MailDepth, ApiError> {
    stored::depth(conn, None)
}

/// Replay message `id` (send it again from now, its tries counted
/// afresh) or drop it (never sent, unless replayed), of any society (the
/// operator, from the command line); audited as the command line. A
/// message sent already is neither.
pub fn again_for_operator(
    conn: &mut db::DbConnection,
    operator: Operator,
    id: &str,
    what: Again,
) -> Result<Message, ApiError> {
    use crate::db::audit;
    db::write(conn, |conn| {
        let before = stored::by_id(conn, id)?
            .ok_or_else(|| ApiError::NotFound(format!("no message {id}")))?;
        if before.state == MailState::Sent.as_str() {
            return Err(ApiError::Conflict(format!(
                "message {id} was sent; there is nothing to replay or drop"
            )));
        }
        let now = db::now();
        let after = match what {
            Again::Replay => {
                stored::replay(conn, id, now)?;
                MailState::Pending
            }
            Again::Drop => {
                stored::drop_message(conn, id)?;
                MailState::Withdrawn
            }
        };
        audit::record(
            conn,
            audit::Change {
                actor_user_id: operator.actor(),
                society_id: Some(&before.society_id),
                action: audit::Action::Update,
                entity: audit::Entity::MailMessage,
                entity_id: id,
                before: Some(serde_json::json!({ "state": before.state })),
                after: Some(serde_json::json!({ "state": after.as_str() })),
                at: now,
            },
        )?;
        stored::by_id(conn, id)?.ok_or_else(|| ApiError::NotFound(format!("no message {id}")))
    })
}
