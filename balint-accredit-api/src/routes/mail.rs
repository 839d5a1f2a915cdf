//! A society's e-mail log (registrar): the messages made from its
//! events, waiting or sent, and what the mail server said.

use actix_web::web;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::actions::mail;
use crate::app::AppState;
use crate::auth::{permissions, Caller};
use crate::db::mail::{MailFilter, MailState, Message};
use crate::edge::Query;
use crate::error::{ApiError, FieldProblem, Problem};
use crate::pagination::{Page, PageQuery};
use crate::routes::utc;

/// A message, as the mail log shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct MailView {
    pub id: String,
    /// `attestation_digest`, `renewal_reminder` or `application_decision`.
    pub kind: String,
    /// The address it is sent to.
    pub recipient: String,
    pub subject: String,
    /// `pending`, `sent`, `dead` (tries used up, or refused for good) or
    /// `withdrawn` (its recipient unsubscribed before it was sent).
    pub state: String,
    /// Tries made.
    pub attempts: i32,
    /// When it is to be sent (a digest gathers until then), while pending.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    /// What the last try came to: the mail server's answer, or why it
    /// did not take the message; for a message waiting with no mail
    /// server set, `not sent: no mail server set`.
    pub result: Option<String>,
}

/// What a pending message shows when no mail server is set.
pub const NO_SERVER: &str = "not sent: no mail server set";

impl MailView {
    /// The view of `m`, on a server with (`server_set`) or without a mail
    /// server.
    pub fn of(m: Message, server_set: bool) -> Self {
        let pending = m.state == MailState::Pending.as_str();
        let result = match (pending, server_set, m.last_result) {
            (true, false, _) => Some(NO_SERVER.to_owned()),
            (_, _, last) => last,
        };
        Self {
            next_attempt_at: pending.then(|| utc(m.next_attempt_at)),
            created_at: utc(m.created_at),
            sent_at: m.sent_at.map(utc),
            id: m.id,
            kind: m.kind,
            recipient: m.recipient,
            subject: m.subject,
            state: m.state,
            attempts: m.attempts,
            result,
        }
    }
}

/// The mail log's filter and paging.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MailQuery {
    /// Page number, from 1 to 1000000 (default 1); past the last page,
    /// no items.
    #[param(minimum = 1, maximum = 1_000_000, default = 1)]
    pub page: Option<u32>,
    /// Items per page, 1 to 100 (default 25).
    #[param(minimum = 1, maximum = 100, default = 25)]
    pub per_page: Option<u32>,
    /// Only those in this state: `pending`, `sent`, `dead` or
    /// `withdrawn`.
    pub state: Option<String>,
}

/// The society's e-mail, newest first: what waits, what was sent, and
/// what the mail server said (registrar).
#[utoipa::path(get, path = "/api/v1/societies/{society}/mail", operation_id = "mail_list", tag = "webhooks",
    security(("bearer" = [])),
    params(("society" = String, Path, description = "The society's slug"), MailQuery),
    responses(
        (status = 200, description = "A page of messages", body = Page<MailView>),
        (status = 400, description = "Invalid paging or filter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not this society's registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    query: Query<MailQuery>,
) -> Result<web::Json<Page<MailView>>, ApiError> {
    permissions::require_user(&caller)?;
    let query = query.into_inner();
    let filter = match query.state.as_deref().map(str::parse::<MailState>) {
        None => Ok(MailFilter { state: None }),
        Some(Ok(state)) => Ok(MailFilter { state: Some(state) }),
        Some(Err(_)) => Err(vec![FieldProblem::new(
            "state",
            "must be pending, sent, dead or withdrawn",
        )]),
    };
    let (page, filter) = PageQuery {
        page: query.page,
        per_page: query.per_page,
    }
    .with_filter(filter)?;
    let log = mail::log(&state, &caller, path.into_inner(), filter, page).await?;
    let server_set = log.server_set;
    Ok(web::Json(Page::new(
        log.messages
            .into_iter()
            .map(|m| MailView::of(m, server_set))
            .collect(),
        page,
        log.total,
    )))
}
