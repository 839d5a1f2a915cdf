//! E-mail made from the outbox's events: who is written to, in the
//! society's words ([`compose`]), and sending through SMTP ([`send`]).
//!
//! [`fan_out`] runs in the transaction in which the outbox's worker fans
//! events out to webhooks, so a message is stored exactly when its event
//! is fanned out, and never lost: with no mail server set it stays
//! pending. Records waiting for an attestor gather into one digest per
//! attestor (`MAIL_DIGEST_SECS`, a day); a renewal due and a decided
//! application are a message each. A kind the recipient unsubscribed from
//! is not written. Another kind of message (a watchlist's alert) is a
//! [`MailKind`], a recipient's address and its words: nothing here is
//! particular to the three kinds but `recipient_of` and [`compose`].

pub mod compose;
pub mod send;

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::Value;

use crate::db::mail::{self as stored, MailKind, MailState, Message};
use crate::db::outbox::{EventType, StoredEvent};
use crate::db::schema::{applications, people, societies, society_profiles};
use crate::db::DbConnection;
use crate::error::ApiError;
use compose::{DigestLine, Society, Words};

/// What messages are made with: where the service is reached (the links),
/// and how long a digest gathers.
#[derive(Debug, Clone)]
pub struct Context {
    /// `https://HOST`, without a trailing slash.
    pub base_url: String,
    /// How long an attestor's digest gathers before it is sent.
    pub digest: chrono::Duration,
}

impl Context {
    /// The link that unsubscribes the recipient of a message with `token`.
    pub fn unsubscribe_url(&self, token: &str) -> String {
        format!("{}/mail/unsubscribe/{token}", self.base_url)
    }
}

/// Who an event is told to by e-mail, and as what kind: the attestor of
/// records waiting, the leader whose renewal is due, the applicant. (A
/// watchlist's alerts have their own rule: `crate::watch::fan_out`.)
fn recipient_of(event: &StoredEvent, data: &Value) -> Option<(MailKind, String)> {
    let kind = event.event_type.parse::<EventType>().ok()?;
    match kind {
        EventType::AttestationRequested => Some((
            MailKind::AttestationDigest,
            data["attestor"].as_str()?.to_owned(),
        )),
        EventType::RenewalDue => Some((MailKind::RenewalReminder, event.person_id.clone()?)),
        EventType::ApplicationDecided => {
            Some((MailKind::ApplicationDecision, event.person_id.clone()?))
        }
        _ => None,
    }
}

/// A digest's lines as stored.
fn as_json(lines: &[DigestLine]) -> Result<String, ApiError> {
    serde_json::to_string(lines).map_err(|e| ApiError::Internal(e.into()))
}

/// A new message's id, and the secret of its unsubscribe link.
pub(crate) fn new_ids() -> (String, String) {
    (
        format!("mail_{}", uuid::Uuid::new_v4().simple()),
        hex::encode(rand::random::<[u8; 24]>()),
    )
}

/// The name person `id` of society `society_id` is shown by.
fn name_of(conn: &mut DbConnection, society_id: &str, id: &str) -> Result<String, ApiError> {
    let row: Option<(Option<String>, Option<String>, String)> = people::table
        .filter(people::society_id.eq(society_id))
        .filter(people::id.eq(id))
        .select((
            people::display_name,
            people::given_name,
            people::family_name,
        ))
        .first(conn)
        .optional()?;
    Ok(row.map_or_else(
        || "someone no longer on the register".to_owned(),
        |(display, given, family)| {
            crate::db::people::shown_name(display.as_deref(), given.as_deref(), &family)
        },
    ))
}

/// A society's name and contact details.
pub(crate) fn society_of(conn: &mut DbConnection, society_id: &str) -> Result<Society, ApiError> {
    let name: String = societies::table
        .find(society_id)
        .select(societies::name)
        .first(conn)?;
    let profile: Option<(Option<String>, Option<String>, Option<String>)> = society_profiles::table
        .find(society_id)
        .select((
            society_profiles::contact_email,
            society_profiles::website,
            society_profiles::phone,
        ))
        .first(conn)
        .optional()?;
    let (contact_email, website, phone) = profile.unwrap_or_default();
    Ok(Society {
        name,
        contact_email,
        website,
        phone,
    })
}

/// What a message of `kind` about `event` says.
fn words_of(
    conn: &mut DbConnection,
    event: &StoredEvent,
    data: &Value,
    kind: MailKind,
) -> Result<Words, ApiError> {
    let text = |key: &str| data[key].as_str().unwrap_or_default().to_owned();
    Ok(match kind {
        MailKind::AttestationDigest => {
            let person = text("person");
            Words::Digest(vec![DigestLine {
                name: name_of(conn, &event.society_id, &person)?,
                person,
                records: data["records"].as_u64().unwrap_or(1),
            }])
        }
        MailKind::RenewalReminder => Words::Renewal {
            registration: text("registration"),
            valid_until: text("valid_until"),
            days: data["days"].as_i64().unwrap_or_default(),
        },
        MailKind::ApplicationDecision => {
            let tier: Option<String> = applications::table
                .find(text("application"))
                .select(applications::tier)
                .first(conn)
                .optional()?;
            Words::Decision {
                outcome: text("outcome"),
                tier: tier.unwrap_or_default(),
                registration: data["registration"].as_str().map(str::to_owned),
            }
        }
        // Not told to a person of the society: written by `crate::watch`.
        MailKind::WatchConfirmation | MailKind::WatchAlert => {
            return Err(ApiError::Internal(anyhow::anyhow!(
                "a watchlist's message is not made from a person's event"
            )))
        }
    })
}

/// Write the messages `events` make (see the module's notes); how many
/// were written or added to a digest. Call it inside the transaction that
/// fans the events out.
pub fn fan_out(
    conn: &mut DbConnection,
    events: &[StoredEvent],
    now: NaiveDateTime,
    context: &Context,
) -> Result<usize, ApiError> {
    let mut societies: BTreeMap<String, Society> = BTreeMap::new();
    let mut written = 0;
    for event in events {
        let data: Value = serde_json::from_str(&event.payload).unwrap_or(Value::Null);
        let Some((kind, person)) = recipient_of(event, &data) else {
            continue;
        };
        let Some(recipient) = stored::address_of(conn, &event.society_id, &person)? else {
            continue;
        };
        if stored::unsubscribed(conn, &event.society_id, &recipient, kind)? {
            continue;
        }
        if !societies.contains_key(&event.society_id) {
            let society = society_of(conn, &event.society_id)?;
            societies.insert(event.society_id.clone(), society);
        }
        let society = &societies[&event.society_id];
        let recipient_name = name_of(conn, &event.society_id, &person)?;
        let mut words = words_of(conn, event, &data, kind)?;
        if let Words::Digest(lines) = &mut words {
            if let Some(mut digest) =
                stored::gathering(conn, &event.society_id, &recipient, kind, now)?
            {
                let mut gathered: Vec<DigestLine> = digest
                    .digest
                    .as_deref()
                    .and_then(|d| serde_json::from_str(d).ok())
                    .unwrap_or_default();
                for line in lines.drain(..) {
                    match gathered.iter_mut().find(|l| l.person == line.person) {
                        Some(same) => same.records += line.records,
                        None => gathered.push(line),
                    }
                }
                let composed = compose::compose(
                    society,
                    &recipient_name,
                    &Words::Digest(gathered.clone()),
                    &context.base_url,
                    &context.unsubscribe_url(&digest.unsubscribe_token),
                );
                digest.subject = composed.subject;
                digest.body_text = composed.text;
                digest.body_html = composed.html;
                digest.digest = Some(as_json(&gathered)?);
                stored::update_digest(conn, &digest)?;
                written += 1;
                continue;
            }
        }
        let (id, token) = new_ids();
        let composed = compose::compose(
            society,
            &recipient_name,
            &words,
            &context.base_url,
            &context.unsubscribe_url(&token),
        );
        let (digest, next_attempt_at) = match &words {
            Words::Digest(lines) => (Some(as_json(lines)?), now + context.digest),
            _ => (None, now),
        };
        stored::insert(
            conn,
            &Message {
                id,
                society_id: event.society_id.clone(),
                kind: kind.as_str().to_owned(),
                person_id: Some(person),
                recipient,
                reply_to: society.contact_email.clone(),
                subject: composed.subject,
                body_text: composed.text,
                body_html: composed.html,
                digest,
                unsubscribe_token: token,
                state: MailState::Pending.as_str().to_owned(),
                attempts: 0,
                next_attempt_at,
                leased_until: None,
                created_at: now,
                sent_at: None,
                last_result: None,
            },
        )?;
        written += 1;
    }
    Ok(written)
}
