//! E-mail as stored: the messages made from the outbox's events, each try
//! of sending one, and the kinds of message an address no longer wants.
//!
//! A message is written in the transaction that fans its event out
//! (`crate::mail::fan_out`), so it is never lost: with no mail server set
//! it stays pending. It is sent by one server at a time, as a webhook
//! delivery is: [`claim_due`] leases it (`leased_until`) in a short
//! transaction, the SMTP conversation happens outside any transaction, and
//! [`finish_try`] stores what the server said.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{
    mail_attempts, mail_messages, mail_unsubscribes, people, society_roles, users,
};
use super::DbConnection;
use crate::error::ApiError;

/// The kinds of message, each unsubscribed from on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MailKind {
    /// An attestor's daily digest of the records waiting for their answer.
    AttestationDigest,
    /// A leader's reminder that their accreditation ends in 90, 30 or 7
    /// days.
    RenewalReminder,
    /// An applicant's application granted or declined.
    ApplicationDecision,
    /// The one message to an address not confirmed: the link that
    /// confirms it watches numbers of the register.
    WatchConfirmation,
    /// A watched entry of the register changed status.
    WatchAlert,
}

impl MailKind {
    /// Every kind.
    pub const ALL: [MailKind; 5] = [
        MailKind::AttestationDigest,
        MailKind::RenewalReminder,
        MailKind::ApplicationDecision,
        MailKind::WatchConfirmation,
        MailKind::WatchAlert,
    ];

    /// As stored and shown, e.g. `renewal_reminder`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AttestationDigest => "attestation_digest",
            Self::RenewalReminder => "renewal_reminder",
            Self::ApplicationDecision => "application_decision",
            Self::WatchConfirmation => "watch_confirmation",
            Self::WatchAlert => "watch_alert",
        }
    }

    /// In words, for the pages and the unsubscribe page ("you will no
    /// longer receive …").
    pub fn describe(self) -> &'static str {
        match self {
            Self::AttestationDigest => "the daily digest of records waiting for your attestation",
            Self::RenewalReminder => "reminders that your accreditation is due for renewal",
            Self::ApplicationDecision => "the decisions on your applications",
            Self::WatchConfirmation => "requests to confirm watching entries of the register",
            Self::WatchAlert => "alerts of changes to the register entries you watch",
        }
    }
}

impl std::str::FromStr for MailKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("{s:?} is not a kind of message"))
    }
}

/// Where a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MailState {
    /// To be sent (again), or gathering (a digest before its time).
    Pending,
    /// The mail server took it.
    Sent,
    /// Not tried again: its tries used up, or refused for good.
    Dead,
    /// Not sent: its recipient unsubscribed from its kind meanwhile.
    Withdrawn,
}

impl MailState {
    /// Every state.
    pub const ALL: [MailState; 4] = [
        MailState::Pending,
        MailState::Sent,
        MailState::Dead,
        MailState::Withdrawn,
    ];

    /// As stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Dead => "dead",
            Self::Withdrawn => "withdrawn",
        }
    }
}

impl std::str::FromStr for MailState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("{s:?} is not a message state"))
    }
}

/// A message as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = mail_messages)]
pub struct Message {
    /// `mail_` and 32 hex digits.
    pub id: String,
    pub society_id: String,
    /// A [`MailKind`], as stored.
    pub kind: String,
    pub person_id: Option<String>,
    pub recipient: String,
    pub reply_to: Option<String>,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    /// A digest's lines, as JSON.
    pub digest: Option<String>,
    pub unsubscribe_token: String,
    /// A [`MailState`], as stored.
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub leased_until: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
    pub last_result: Option<String>,
}

/// One try of sending a message.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = mail_attempts)]
pub struct MailAttempt {
    pub message_id: String,
    /// 1 for the first try.
    pub attempt: i32,
    pub tried_at: NaiveDateTime,
    /// Whether the server took the message.
    pub sent: bool,
    /// The server's answer, or why there was none.
    pub result: String,
}

/// The address person `person_id` of `society_id` is written to: their
/// contact e-mail, else their login's; none when they have neither.
pub fn address_of(
    conn: &mut DbConnection,
    society_id: &str,
    person_id: &str,
) -> Result<Option<String>, ApiError> {
    let contact: Option<Option<String>> = people::table
        .filter(people::society_id.eq(society_id))
        .filter(people::id.eq(person_id))
        .select(people::email)
        .first(conn)
        .optional()?;
    if let Some(email) = contact.flatten().filter(|e| !e.trim().is_empty()) {
        return Ok(Some(email));
    }
    Ok(society_roles::table
        .inner_join(users::table)
        .filter(society_roles::society_id.eq(society_id))
        .filter(society_roles::person_id.eq(person_id))
        .order(users::email.asc())
        .select(users::email)
        .first(conn)
        .optional()?)
}

/// Whether `recipient` unsubscribed from `kind` of `society_id`'s messages.
pub fn unsubscribed(
    conn: &mut DbConnection,
    society_id: &str,
    recipient: &str,
    kind: MailKind,
) -> Result<bool, ApiError> {
    Ok(diesel::select(diesel::dsl::exists(
        mail_unsubscribes::table
            .filter(mail_unsubscribes::society_id.eq(society_id))
            .filter(mail_unsubscribes::recipient.eq(recipient))
            .filter(mail_unsubscribes::kind.eq(kind.as_str())),
    ))
    .get_result(conn)?)
}

/// Store that `recipient` no longer receives `kind` from `society_id`
/// (again is no change).
pub fn unsubscribe(
    conn: &mut DbConnection,
    society_id: &str,
    recipient: &str,
    kind: &str,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    crate::db::on_connection!(conn, |c| diesel::insert_into(mail_unsubscribes::table)
        .values((
            mail_unsubscribes::society_id.eq(society_id),
            mail_unsubscribes::recipient.eq(recipient),
            mail_unsubscribes::kind.eq(kind),
            mail_unsubscribes::created_at.eq(now),
        ))
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(())
}

/// Withdraw the messages of `kind` to `recipient` from `society_id` not
/// yet sent (one being sent at this moment may still go).
pub fn withdraw(
    conn: &mut DbConnection,
    society_id: &str,
    recipient: &str,
    kind: &str,
) -> Result<usize, ApiError> {
    Ok(diesel::update(
        mail_messages::table
            .filter(mail_messages::society_id.eq(society_id))
            .filter(mail_messages::recipient.eq(recipient))
            .filter(mail_messages::kind.eq(kind))
            .filter(mail_messages::state.eq(MailState::Pending.as_str())),
    )
    .set((
        mail_messages::state.eq(MailState::Withdrawn.as_str()),
        mail_messages::last_result.eq(Some("not sent: the recipient unsubscribed")),
    ))
    .execute(conn)?)
}

/// Store a new message.
pub fn insert(conn: &mut DbConnection, message: &Message) -> Result<(), ApiError> {
    diesel::insert_into(mail_messages::table)
        .values(message)
        .execute(conn)?;
    Ok(())
}

/// The digest of `kind` to `recipient` still gathering at `now` (pending,
/// never tried, its time not come), locked for this transaction on
/// PostgreSQL.
pub fn gathering(
    conn: &mut DbConnection,
    society_id: &str,
    recipient: &str,
    kind: MailKind,
    now: NaiveDateTime,
) -> Result<Option<Message>, ApiError> {
    macro_rules! query {
        () => {
            mail_messages::table
                .filter(mail_messages::society_id.eq(society_id))
                .filter(mail_messages::recipient.eq(recipient))
                .filter(mail_messages::kind.eq(kind.as_str()))
                .filter(mail_messages::state.eq(MailState::Pending.as_str()))
                .filter(mail_messages::attempts.eq(0))
                .filter(mail_messages::leased_until.is_null())
                .filter(mail_messages::next_attempt_at.gt(now))
                .order(mail_messages::created_at.asc())
                .select(Message::as_select())
        };
    }
    Ok(match conn {
        DbConnection::Postgres(c) => query!().for_update().first(c).optional()?,
        DbConnection::Sqlite(c) => query!().first(c).optional()?,
    })
}

/// Store a digest's new words and lines.
pub fn update_digest(conn: &mut DbConnection, message: &Message) -> Result<(), ApiError> {
    diesel::update(mail_messages::table.find(&message.id))
        .set((
            mail_messages::subject.eq(&message.subject),
            mail_messages::body_text.eq(&message.body_text),
            mail_messages::body_html.eq(&message.body_html),
            mail_messages::digest.eq(&message.digest),
        ))
        .execute(conn)?;
    Ok(())
}

/// The messages due: pending, their time come, not leased (or their lease
/// run out).
macro_rules! due {
    ($now:expr) => {
        mail_messages::table
            .filter(mail_messages::state.eq("pending"))
            .filter(mail_messages::next_attempt_at.le($now))
            .filter(
                mail_messages::leased_until
                    .is_null()
                    .or(mail_messages::leased_until.lt($now)),
            )
    };
}

/// Whether any message is due (a read, so an idle worker never takes the
/// write lock).
pub fn any_due(conn: &mut DbConnection, now: NaiveDateTime) -> Result<bool, ApiError> {
    Ok(diesel::select(diesel::dsl::exists(due!(now))).get_result(conn)?)
}

/// Lease at most `limit` due messages to this server until
/// `leased_until`, the most overdue first (`FOR UPDATE SKIP LOCKED` on
/// PostgreSQL; SQLite's write lock lets one server lease at a time). Call
/// it inside [`crate::db::write`].
pub fn claim_due(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    leased_until: NaiveDateTime,
    limit: i64,
) -> Result<Vec<Message>, ApiError> {
    macro_rules! query {
        () => {
            due!(now)
                .order((
                    mail_messages::next_attempt_at.asc(),
                    mail_messages::id.asc(),
                ))
                .limit(limit)
                .select(Message::as_select())
        };
    }
    let mut rows: Vec<Message> = match conn {
        DbConnection::Postgres(c) => query!().for_update().skip_locked().load(c)?,
        DbConnection::Sqlite(c) => query!().load(c)?,
    };
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    diesel::update(mail_messages::table.filter(mail_messages::id.eq_any(&ids)))
        .set(mail_messages::leased_until.eq(leased_until))
        .execute(conn)?;
    for row in &mut rows {
        row.leased_until = Some(leased_until);
    }
    Ok(rows)
}

/// Store a try of `leased` (as leased by this server) and where the
/// message stands after it: `next` for a message to be tried again then,
/// else sent or dead as `state` says. A try whose lease another server
/// took over meanwhile is logged but leaves the message to the other. Call
/// it inside [`crate::db::write`].
pub fn finish_try(
    conn: &mut DbConnection,
    leased: &Message,
    attempt: &MailAttempt,
    state: MailState,
    next: NaiveDateTime,
) -> Result<(), ApiError> {
    let numbered: Option<i32> = mail_attempts::table
        .filter(mail_attempts::message_id.eq(&leased.id))
        .select(diesel::dsl::max(mail_attempts::attempt))
        .get_result(conn)?;
    let attempt = MailAttempt {
        attempt: numbered.unwrap_or(0) + 1,
        ..attempt.clone()
    };
    diesel::insert_into(mail_attempts::table)
        .values(&attempt)
        .execute(conn)?;
    let sent_at = (state == MailState::Sent).then_some(attempt.tried_at);
    diesel::update(
        mail_messages::table
            .find(&leased.id)
            .filter(mail_messages::leased_until.eq(leased.leased_until))
            .filter(mail_messages::state.eq("pending")),
    )
    .set((
        mail_messages::state.eq(state.as_str()),
        mail_messages::next_attempt_at.eq(next),
        mail_messages::leased_until.eq(None::<NaiveDateTime>),
        mail_messages::sent_at.eq(sent_at),
        mail_messages::attempts.eq(mail_messages::attempts + 1),
        mail_messages::last_result.eq(Some(&attempt.result)),
    ))
    .execute(conn)?;
    Ok(())
}

/// Filters of the mail log.
#[derive(Debug, Clone, Default)]
pub struct MailFilter {
    /// In this state.
    pub state: Option<MailState>,
}

/// A page of a society's messages, newest first, and how many match.
pub fn log(
    conn: &mut DbConnection,
    society_id: &str,
    filter: &MailFilter,
    offset: i64,
    limit: i64,
) -> Result<(Vec<Message>, i64), ApiError> {
    let matching = || {
        let mut query = mail_messages::table
            .filter(mail_messages::society_id.eq(society_id.to_owned()))
            .into_boxed();
        if let Some(state) = filter.state {
            query = query.filter(mail_messages::state.eq(state.as_str()));
        }
        query
    };
    let total = matching().count().get_result(conn)?;
    let rows = matching()
        .order((mail_messages::created_at.desc(), mail_messages::id.desc()))
        .offset(offset)
        .limit(limit)
        .select(Message::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// The message whose unsubscribe link carries `token`.
pub fn by_token(conn: &mut DbConnection, token: &str) -> Result<Option<Message>, ApiError> {
    Ok(mail_messages::table
        .filter(mail_messages::unsubscribe_token.eq(token))
        .select(Message::as_select())
        .first(conn)
        .optional()?)
}

/// How the mail stands, for operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MailDepth {
    /// Messages still to be sent (a digest gathering among them).
    pub pending: i64,
    /// Messages that will not be tried again (tries used up, refused for
    /// good), until replayed or dropped.
    pub dead: i64,
    /// When the oldest message still to be sent was made.
    pub oldest_pending: Option<NaiveDateTime>,
}

/// The mail's depth, of one society or of all.
pub fn depth(conn: &mut DbConnection, society_id: Option<&str>) -> Result<MailDepth, ApiError> {
    let in_state = |state: MailState| {
        let mut query = mail_messages::table
            .filter(mail_messages::state.eq(state.as_str()))
            .into_boxed();
        if let Some(id) = society_id {
            query = query.filter(mail_messages::society_id.eq(id.to_owned()));
        }
        query
    };
    Ok(MailDepth {
        pending: in_state(MailState::Pending).count().get_result(conn)?,
        dead: in_state(MailState::Dead).count().get_result(conn)?,
        oldest_pending: in_state(MailState::Pending)
            .select(diesel::dsl::min(mail_messages::created_at))
            .get_result(conn)?,
    })
}

/// Message `id`.
pub fn by_id(conn: &mut DbConnection, id: &str) -> Result<Option<Message>, ApiError> {
    Ok(mail_messages::table
        .find(id)
        .select(Message::as_select())
        .first(conn)
        .optional()?)
}

/// Send message `id` again from now: pending, its tries counted afresh
/// (the log of its tries kept).
pub fn replay(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> Result<(), ApiError> {
    diesel::update(mail_messages::table.find(id))
        .set((
            mail_messages::state.eq(MailState::Pending.as_str()),
            mail_messages::attempts.eq(0),
            mail_messages::next_attempt_at.eq(now),
            mail_messages::leased_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(())
}

/// Give message `id` up: withdrawn, never sent (unless replayed).
pub fn drop_message(conn: &mut DbConnection, id: &str) -> Result<(), ApiError> {
    diesel::update(mail_messages::table.find(id))
        .set((
            mail_messages::state.eq(MailState::Withdrawn.as_str()),
            mail_messages::leased_until.eq(None::<NaiveDateTime>),
            mail_messages::last_result.eq(Some("not sent: dropped by the operator")),
        ))
        .execute(conn)?;
    Ok(())
}

/// Delete society `society_id`'s messages finished before `before`, with
/// their tries: sent before then, or made before then and dead or
/// withdrawn. One still waiting to be sent stays, however old. Their
/// unsubscribe links go with them (every newer message carries its own).
/// Returns how many messages went. Call it inside [`crate::db::write`].
pub fn forget_finished(
    conn: &mut DbConnection,
    society_id: &str,
    before: NaiveDateTime,
) -> Result<usize, ApiError> {
    macro_rules! finished {
        () => {
            mail_messages::table
                .filter(mail_messages::society_id.eq(society_id))
                .filter(mail_messages::state.ne("pending"))
                .filter(
                    mail_messages::sent_at.lt(before).or(mail_messages::sent_at
                        .is_null()
                        .and(mail_messages::created_at.lt(before))),
                )
        };
    }
    diesel::delete(
        mail_attempts::table
            .filter(mail_attempts::message_id.eq_any(finished!().select(mail_messages::id))),
    )
    .execute(conn)?;
    Ok(diesel::delete(finished!()).execute(conn)?)
}
