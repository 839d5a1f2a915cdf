//! A person's calendar of their groups' sessions: a secret feed URL they
//! make (a random token, shown once and kept only as its SHA-256), revoke
//! or make anew; the feed itself, read with the token and no sign-in; and
//! their next planned session, for their own start page.
//!
//! The feed lists, for every group the person leads or belongs to, the
//! sessions planned (and cancelled, and held) on the days they lead or
//! belong to it, and the sessions recorded on those days that had no
//! plan (as whole days: their time is not known).

use std::collections::HashSet;

use chrono::{NaiveDate, NaiveDateTime};
use serde_json::json;

use crate::auth::{permissions, tokens, Caller};
use crate::db::calendars::{Feed, Span};
use crate::db::groups::{Delivery, PlanStatus, PlannedSession};
use crate::db::{self, audit, societies::Society, DbConnection};
use crate::error::ApiError;
use crate::ical::{Event, Status, When};
use crate::state::AppState;

/// The person themself, of society `slug`: a registrar is refused (the
/// link is the person's own secret), anyone with no role there is told
/// it is not there.
async fn own(
    state: &AppState,
    caller: &Caller,
    slug: String,
    person: &str,
) -> Result<(Society, String), ApiError> {
    let user = permissions::require_user(caller)?;
    let society = crate::actions::society(state, slug).await?;
    permissions::require_role_in(caller, &society.id)?;
    if permissions::person_in(caller, &society.id) != Some(person) {
        return Err(ApiError::Forbidden);
    }
    Ok((society, user.user_id.clone()))
}

fn audit_feed(
    conn: &mut DbConnection,
    actor: &str,
    society: &str,
    person: &str,
    what: &str,
    at: NaiveDateTime,
) -> Result<(), ApiError> {
    audit::record(
        conn,
        audit::Change {
            actor_user_id: Some(actor),
            society_id: Some(society),
            action: audit::Action::Update,
            entity: audit::Entity::Person,
            entity_id: person,
            before: None,
            after: Some(json!({ "calendar_feed": what })),
            at,
        },
    )?;
    Ok(())
}

/// Make person `person`'s calendar feed (the person themself), revoking
/// the one in use: its token, shown this once, and when it was made.
pub async fn make(
    state: &AppState,
    caller: &Caller,
    slug: String,
    person: String,
) -> Result<(Society, String, NaiveDateTime), ApiError> {
    let (society, actor) = own(state, caller, slug, &person).await?;
    let token = tokens::generate();
    let now = db::now();
    let feed = Feed {
        id: uuid::Uuid::new_v4().to_string(),
        society_id: society.id.clone(),
        person_id: person,
        token_hash: tokens::digest(&token),
        created_at: now,
        revoked_at: None,
    };
    db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            db::calendars::revoke(conn, &feed.society_id, &feed.person_id, now)?;
            db::calendars::insert(conn, &feed)?;
            audit_feed(conn, &actor, &feed.society_id, &feed.person_id, "made", now)
        })
    })
    .await?;
    Ok((society, token, now))
}

/// Revoke person `person`'s calendar feed (the person themself): whether
/// there was one in use.
pub async fn revoke(
    state: &AppState,
    caller: &Caller,
    slug: String,
    person: String,
) -> Result<bool, ApiError> {
    let (society, actor) = own(state, caller, slug, &person).await?;
    db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let now = db::now();
            let revoked = db::calendars::revoke(conn, &society.id, &person, now)? > 0;
            if revoked {
                audit_feed(conn, &actor, &society.id, &person, "revoked", now)?;
            }
            Ok(revoked)
        })
    })
    .await
}

/// Person `person`'s calendar feed in use, if any (the person themself).
pub async fn current(
    state: &AppState,
    caller: &Caller,
    slug: String,
    person: String,
) -> Result<(Society, Option<Feed>), ApiError> {
    let (society, _) = own(state, caller, slug, &person).await?;
    let society_id = society.id.clone();
    let feed = db::run(&state.pool, move |conn| {
        db::calendars::active(conn, &society_id, &person)
    })
    .await?;
    Ok((society, feed))
}

/// How a session meets, in words within a sentence.
pub fn delivery_words(d: Delivery) -> &'static str {
    match d {
        Delivery::InPerson => "in person",
        Delivery::Online => "online",
        Delivery::Hybrid => "hybrid (in person and online)",
    }
}

/// The calendar's name and events for the feed with `token`; not found
/// for a token unknown or revoked.
pub async fn feed(state: &AppState, token: String) -> Result<(String, Vec<Event>), ApiError> {
    let hash = tokens::digest(&token);
    db::run(&state.pool, move |conn| {
        let feed = db::calendars::by_token_hash(conn, &hash)?
            .ok_or_else(|| ApiError::NotFound("calendar".to_owned()))?;
        let society = db::societies::by_id(conn, &feed.society_id)?;
        let spans = db::calendars::spans(conn, &feed.society_id, &feed.person_id)?;
        let mut ids: Vec<String> = spans.iter().map(|s| s.group_id.clone()).collect();
        ids.sort();
        ids.dedup();
        let name_of = |group: &str| {
            spans
                .iter()
                .find(|s| s.group_id == group)
                .map_or_else(String::new, |s| s.group_name.clone())
        };
        let covered =
            |group: &str, day: NaiveDate| spans.iter().any(|s| s.group_id == group && s.on(day));
        let mut events = Vec::new();
        let mut planned_sessions = HashSet::new();
        for p in db::groups::plans_from(conn, &ids, None, None)? {
            if let Some(s) = &p.session_id {
                planned_sessions.insert(s.clone());
            }
            if !covered(&p.group_id, p.on_day) {
                continue;
            }
            let group = name_of(&p.group_id);
            let mut description = format!(
                "Balint group session of {group} ({}), {} minutes.",
                delivery_words(p.delivery),
                p.minutes
            );
            if let Some(note) = &p.note {
                description.push('\n');
                description.push_str(note);
            }
            events.push(Event {
                uid: format!("plan-{}@balint-accredit", p.id),
                changed: p.updated_at,
                when: When::At {
                    start: p.starts_at,
                    minutes: p.minutes,
                },
                summary: match p.status {
                    PlanStatus::Cancelled => format!("Cancelled: {group}"),
                    _ => group,
                },
                location: p.place.clone(),
                description: Some(description),
                status: if p.status == PlanStatus::Cancelled {
                    Status::Cancelled
                } else {
                    Status::Confirmed
                },
                sequence: p.sequence,
            });
        }
        for (id, group_id, day, minutes, delivery, changed) in db::calendars::held(conn, &ids)? {
            if planned_sessions.contains(&id) || !covered(&group_id, day) {
                continue;
            }
            let group = name_of(&group_id);
            let delivery = delivery.parse::<Delivery>().map_or("", delivery_words);
            events.push(Event {
                uid: format!("session-{id}@balint-accredit"),
                changed,
                when: When::Day(day),
                summary: group.clone(),
                location: None,
                description: Some(format!(
                    "Balint group session of {group} ({delivery}), {minutes} minutes: held."
                )),
                status: Status::Confirmed,
                sequence: 0,
            });
        }
        Ok((format!("Balint groups: {}", society.name), events))
    })
    .await
}

/// A person's next planned session (not cancelled, not held), of a
/// group they lead or belong to on its day, from `now` on: the plan and
/// its group's name.
pub fn next_planned(
    conn: &mut DbConnection,
    society_id: &str,
    person_id: &str,
    now: NaiveDateTime,
) -> Result<Option<(PlannedSession, String)>, ApiError> {
    let spans: Vec<Span> = db::calendars::spans(conn, society_id, person_id)?;
    let mut ids: Vec<String> = spans.iter().map(|s| s.group_id.clone()).collect();
    ids.sort();
    ids.dedup();
    if ids.is_empty() {
        return Ok(None);
    }
    // Plans from yesterday's local day: a start later today in UTC may
    // fall on yesterday's date where the group meets.
    let from = now.date().pred_opt().unwrap_or(now.date());
    Ok(db::groups::plans_from(conn, &ids, Some(from), Some(200))?
        .into_iter()
        .filter(|p| p.status == PlanStatus::Planned && p.starts_at >= now)
        .find_map(|p| {
            let span = spans
                .iter()
                .find(|s| s.group_id == p.group_id && s.on(p.on_day))?;
            let name = span.group_name.clone();
            Some((p, name))
        }))
}
