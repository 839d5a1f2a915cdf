//! Watchlists' alerts, made from the outbox's events in the transaction
//! that fans them out (beside `crate::mail::fan_out`), so an alert is
//! written exactly when its event is fanned out and then sent by the same
//! worker as every other message or delivery: its retries, leases, logs,
//! retention and unsubscribe rules are theirs.
//!
//! An alert tells only what the public register shows: the registration
//! number, the name as published, the new status, the day it took effect,
//! the reason where the change's reason is public, and a link to the
//! public entry. An entry not on the public register (its person not
//! listed) is not told of at all, and a watchlist whose address is not
//! confirmed is told nothing.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::db::mail::{self as stored_mail, MailKind, MailState, Message};
use crate::db::outbox::{EventType, StoredEvent};
use crate::db::schema::{people, register_entries};
use crate::db::watchlists::{self, Watchlist};
use crate::db::{self, DbConnection};
use crate::error::ApiError;
use crate::mail::compose::{self, WatchAlert, Words};
use crate::mail::{self, Context};

/// The changes of status a watchlist is told of.
pub const WATCHED: [EventType; 6] = [
    EventType::EntryGranted,
    EventType::EntryRenewed,
    EventType::EntrySuspended,
    EventType::EntryReinstated,
    EventType::EntryRevoked,
    EventType::EntryLapsed,
];

/// The link that manages the watchlist with `token`.
pub fn manage_url(base_url: &str, token: &str) -> String {
    format!("{base_url}/watch/{token}")
}

/// The link that confirms the watchlist with `token`.
pub fn confirm_url(base_url: &str, token: &str) -> String {
    format!("{base_url}/watch/confirm/{token}")
}

/// The public entry's page.
pub fn entry_url(base_url: &str, slug: &str, registration: &str) -> String {
    format!("{base_url}/societies/{slug}/register/{registration}")
}

/// What the public register shows of the change `event` tells of; none
/// when the entry is not on the public register.
fn public_alert(
    conn: &mut DbConnection,
    event: &StoredEvent,
    data: &Value,
    base_url: &str,
) -> Result<Option<WatchAlert>, ApiError> {
    let text = |key: &str| data[key].as_str().unwrap_or_default().to_owned();
    let registration = text("registration");
    let listed: Option<(bool, Option<String>, Option<String>, String)> = register_entries::table
        .inner_join(people::table.on(people::id.eq(register_entries::person_id)))
        .filter(register_entries::society_id.eq(&event.society_id))
        .filter(register_entries::registration.eq(&registration))
        .select((
            people::public_listing,
            people::display_name,
            people::given_name,
            people::family_name,
        ))
        .first(conn)
        .optional()?;
    let Some((true, display, given, family)) = listed else {
        return Ok(None);
    };
    let status = text("status");
    let effective = text("effective");
    // The change the event tells of, for its reason where that is public.
    let reason =
        db::register::by_registration(conn, &event.society_id, &registration)?.and_then(|stored| {
            stored
                .entry
                .history()
                .iter()
                .rev()
                .find(|c| c.effective.to_string() == effective && c.to.as_str() == status)
                .and_then(|c| c.public_view().reason)
        });
    Ok(Some(WatchAlert {
        name: db::people::shown_name(display.as_deref(), given.as_deref(), &family),
        entry_url: entry_url(base_url, &text("society"), &registration),
        registration,
        status,
        effective,
        reason,
        manage_url: String::new(),
    }))
}

/// Write the alerts `events` make for the confirmed watchlists watching
/// their entries: an e-mail to a watchlist's address (unless it
/// unsubscribed from alerts), a delivery to its endpoint. Returns how many.
/// Call it inside the transaction that fans the events out.
pub fn fan_out(
    conn: &mut DbConnection,
    events: &[StoredEvent],
    now: NaiveDateTime,
    context: &Context,
) -> Result<usize, ApiError> {
    let mut written = 0;
    for event in events {
        let Ok(kind) = event.event_type.parse::<EventType>() else {
            continue;
        };
        if !WATCHED.contains(&kind) {
            continue;
        }
        let data: Value = serde_json::from_str(&event.payload).unwrap_or(Value::Null);
        let Some(registration) = data["registration"].as_str() else {
            continue;
        };
        let watchers =
            watchlists::watching(conn, &event.society_id, registration, event.created_at)?;
        if watchers.is_empty() {
            continue;
        }
        let Some(alert) = public_alert(conn, event, &data, &context.base_url)? else {
            continue;
        };
        let society = mail::society_of(conn, &event.society_id)?;
        for watcher in &watchers {
            let alert = WatchAlert {
                manage_url: manage_url(&context.base_url, &watcher.manage_token),
                ..alert.clone()
            };
            if let Some(endpoint_id) = &watcher.endpoint_id {
                let body = json!({
                    "type": event.event_type,
                    "timestamp": chrono::DateTime::<chrono::Utc>::from_naive_utc_and_offset(event.created_at, chrono::Utc)
                        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    "data": {
                        "society": data["society"],
                        "watchlist": watcher.id,
                        "registration": alert.registration,
                        "name": alert.name,
                        "status": alert.status,
                        "effective": alert.effective,
                        "reason": alert.reason,
                        "url": alert.entry_url,
                    },
                });
                db::webhooks::insert_delivery(conn, endpoint_id, event, body.to_string(), now)?;
                written += 1;
            } else if let Some(email) = &watcher.email {
                if stored_mail::unsubscribed(conn, &event.society_id, email, MailKind::WatchAlert)?
                {
                    continue;
                }
                write_message(
                    conn,
                    watcher,
                    email,
                    MailKind::WatchAlert,
                    &society,
                    &Words::WatchAlert(alert),
                    context,
                    now,
                )?;
                written += 1;
            }
        }
    }
    Ok(written)
}

/// Store a message of `kind` saying `words` to `email` for `watcher`, due
/// at once.
#[allow(clippy::too_many_arguments)]
pub fn write_message(
    conn: &mut DbConnection,
    watcher: &Watchlist,
    email: &str,
    kind: MailKind,
    society: &compose::Society,
    words: &Words,
    context: &Context,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    let (id, token) = mail::new_ids();
    let composed = compose::compose(
        society,
        email,
        words,
        &context.base_url,
        &context.unsubscribe_url(&token),
    );
    stored_mail::insert(
        conn,
        &Message {
            id,
            society_id: watcher.society_id.clone(),
            kind: kind.as_str().to_owned(),
            person_id: None,
            recipient: email.to_owned(),
            reply_to: society.contact_email.clone(),
            subject: composed.subject,
            body_text: composed.text,
            body_html: composed.html,
            digest: None,
            unsubscribe_token: token,
            state: MailState::Pending.as_str().to_owned(),
            attempts: 0,
            next_attempt_at: now,
            leased_until: None,
            created_at: now,
            sent_at: None,
            last_result: None,
        },
    )
}
