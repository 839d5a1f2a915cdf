//! Watchlists: an employer or another society watches registration numbers
//! of a society's public register and is told when one changes status.
//!
//! Two ways in. Without a login, on the register's public page: an
//! address and numbers; the address gets one message, the link that
//! confirms it (double opt-in), and nothing else until it is confirmed;
//! every alert then carries the watchlist's manage link (its secret) to
//! see, add and remove numbers and stop watching. With a login of one's
//! own, through the API: a watchlist told by e-mail (the login's own
//! address at once, another once confirmed) or by a webhook signed with a
//! `whsec_` secret of its own. The alerts themselves are written by
//! `crate::watch` from the outbox's events.
//!
//! Limits: [`MAX_NUMBERS`] numbers per watchlist; [`CONFIRMATIONS_PER_DAY`]
//! confirmation messages per address in any 24 hours, of every society.

use std::collections::BTreeSet;

use validator::ValidateEmail;

use crate::auth::{permissions, Caller};
use crate::db::mail::MailKind;
use crate::db::societies::Society;
use crate::db::watchlists::{self as stored, Watchlist};
use crate::db::webhooks::Endpoint;
use crate::db::{self, DbConnection};
use crate::error::{ApiError, FieldProblem};
use crate::mail::compose::Words;
use crate::mail::Context;
use crate::state::AppState;
use crate::webhooks::{address, sign};

/// The most numbers one watchlist watches.
pub const MAX_NUMBERS: usize = 500;
/// The most confirmation messages sent to one address in 24 hours.
pub const CONFIRMATIONS_PER_DAY: i64 = 3;

/// A watchlist with what it watches and whose register.
#[derive(Debug, Clone)]
pub struct Shown {
    pub watchlist: Watchlist,
    pub society: Society,
    /// The numbers watched, in order.
    pub registrations: Vec<String>,
    /// Its endpoint's URL, for a webhook watchlist.
    pub url: Option<String>,
    /// Its endpoint's signing secret, when it is made.
    pub secret: Option<String>,
}

/// Numbers as typed (one per item, or several separated by spaces, commas
/// or new lines), trimmed, upper-cased, each once, in the order typed.
pub fn numbers(typed: &[String]) -> Vec<String> {
    let mut seen = BTreeSet::new();
    typed
        .iter()
        .flat_map(|t| t.split(|c: char| c.is_whitespace() || c == ',' || c == ';'))
        .map(|n| n.trim().to_uppercase())
        .filter(|n| !n.is_empty() && seen.insert(n.clone()))
        .collect()
}

/// Refuse numbers not on `society`'s public register, each named (422),
/// and more than [`MAX_NUMBERS`] in all with `already` watched.
fn check_numbers(
    conn: &mut DbConnection,
    society: &Society,
    wanted: &[String],
    already: usize,
) -> Result<(), ApiError> {
    let mut problems = Vec::new();
    if wanted.is_empty() {
        problems.push(FieldProblem::new(
            "registrations",
            "name at least one registration number",
        ));
    }
    if wanted.len() + already > MAX_NUMBERS {
        problems.push(FieldProblem::new(
            "registrations",
            format!("a watchlist watches at most {MAX_NUMBERS} numbers"),
        ));
    }
    let found: BTreeSet<String> = stored::on_public_register(conn, &society.id, wanted)?
        .into_iter()
        .collect();
    for (i, number) in wanted.iter().enumerate() {
        if !found.contains(number) {
            problems.push(FieldProblem::new(
                format!("registrations[{i}]"),
                format!("{number} is not on the register of {}", society.name),
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Unprocessable {
            detail: "some numbers cannot be watched".to_owned(),
            errors: problems,
        })
    }
}

/// The address as typed, trimmed and lower-cased; refused unless it is
/// one.
fn address_of(email: &str) -> Result<String, ApiError> {
    let email = db::users::normalise_email(email);
    if email.validate_email() {
        Ok(email)
    } else {
        Err(ApiError::Unprocessable {
            detail: "the address has a problem".to_owned(),
            errors: vec![FieldProblem::new("email", "must be an e-mail address")],
        })
    }
}

fn secret() -> String {
    hex::encode(rand::random::<[u8; 24]>())
}

fn new_watchlist(society: &Society, now: chrono::NaiveDateTime) -> Watchlist {
    Watchlist {
        id: format!("wl_{}", uuid::Uuid::new_v4().simple()),
        society_id: society.id.clone(),
        owner_user_id: None,
        email: None,
        endpoint_id: None,
        manage_token: secret(),
        confirm_token: None,
        confirmed_at: None,
        created_at: now,
    }
}

/// Write the confirmation message of `watchlist` to `email`, unless the
/// address had its [`CONFIRMATIONS_PER_DAY`] today (429) or unsubscribed
/// from them.
fn ask_to_confirm(
    conn: &mut DbConnection,
    base_url: &str,
    watchlist: &Watchlist,
    email: &str,
    registrations: Vec<String>,
    now: chrono::NaiveDateTime,
) -> Result<(), ApiError> {
    if stored::confirmations_since(conn, email, now - chrono::Duration::days(1))?
        >= CONFIRMATIONS_PER_DAY
    {
        return Err(ApiError::TooManyRequests {
            retry_after_secs: 86_400,
        });
    }
    if db::mail::unsubscribed(
        conn,
        &watchlist.society_id,
        email,
        MailKind::WatchConfirmation,
    )? {
        return Ok(());
    }
    let token = watchlist.confirm_token.clone().unwrap_or_default();
    let context = Context {
        base_url: base_url.to_owned(),
        digest: chrono::Duration::zero(),
    };
    let society = crate::mail::society_of(conn, &watchlist.society_id)?;
    crate::watch::write_message(
        conn,
        watchlist,
        email,
        MailKind::WatchConfirmation,
        &society,
        &Words::WatchConfirmation {
            registrations,
            confirm_url: crate::watch::confirm_url(base_url, &token),
        },
        &context,
        now,
    )
}

fn base_url(state: &AppState) -> String {
    state.issuer.base_url().trim_end_matches('/').to_owned()
}

/// Watch numbers of society `slug`'s register by e-mail, without a login
/// (anyone): refused numbers each named (422); the address is sent the
/// one message asking to confirm, and nothing else until it does.
pub async fn watch_by_email(
    state: &AppState,
    slug: String,
    email: String,
    typed: Vec<String>,
) -> Result<Shown, ApiError> {
    let base_url = base_url(state);
    db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let society = db::societies::by_slug(conn, &slug)?;
            let email = address_of(&email)?;
            let wanted = numbers(&typed);
            check_numbers(conn, &society, &wanted, 0)?;
            let now = db::now();
            let watchlist = Watchlist {
                email: Some(email.clone()),
                confirm_token: Some(secret()),
                ..new_watchlist(&society, now)
            };
            stored::insert(conn, &watchlist)?;
            stored::add(conn, &watchlist.id, &wanted, now)?;
            ask_to_confirm(conn, &base_url, &watchlist, &email, wanted, now)?;
            shown(conn, watchlist, None)
        })
    })
    .await
}

fn shown(
    conn: &mut DbConnection,
    watchlist: Watchlist,
    secret: Option<String>,
) -> Result<Shown, ApiError> {
    let society = db::societies::by_id(conn, &watchlist.society_id)?;
    let registrations = stored::registrations(conn, &watchlist.id)?;
    let url = match &watchlist.endpoint_id {
        Some(id) => db::webhooks::endpoint_by_id(conn, id)?.map(|e| e.url),
        None => None,
    };
    Ok(Shown {
        watchlist,
        society,
        registrations,
        url,
        secret,
    })
}

fn no_link() -> ApiError {
    ApiError::NotFound("this watchlist link is not one of ours, or it was used".to_owned())
}

/// Confirm the address of the watchlist whose confirmation link carries
/// `token` (anyone holding the link: it is the address's).
pub async fn confirm(state: &AppState, token: String) -> Result<Shown, ApiError> {
    db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let watchlist = stored::by_confirm_token(conn, &token)?.ok_or_else(no_link)?;
            let now = db::now();
            stored::confirm(conn, &watchlist.id, now)?;
            shown(
                conn,
                Watchlist {
                    confirmed_at: Some(now),
                    confirm_token: None,
                    ..watchlist
                },
                None,
            )
        })
    })
    .await
}

/// The watchlist whose manage link carries `token` (anyone holding it).
pub async fn managed(state: &AppState, token: String) -> Result<Shown, ApiError> {
    db::run(&state.pool, move |conn| {
        let watchlist = stored::by_manage_token(conn, &token)?.ok_or_else(no_link)?;
        shown(conn, watchlist, None)
    })
    .await
}

/// What a change to a watchlist is.
#[derive(Debug, Clone)]
pub enum Change {
    /// Watch these numbers too.
    Add(Vec<String>),
    /// Stop watching this number.
    Remove(String),
}

fn apply(conn: &mut DbConnection, watchlist: Watchlist, change: Change) -> Result<Shown, ApiError> {
    db::write(conn, |conn| {
        match change {
            Change::Add(typed) => {
                let society = db::societies::by_id(conn, &watchlist.society_id)?;
                let already = stored::registrations(conn, &watchlist.id)?;
                let wanted: Vec<String> = numbers(&typed)
                    .into_iter()
                    .filter(|n| !already.contains(n))
                    .collect();
                if !wanted.is_empty() {
                    check_numbers(conn, &society, &wanted, already.len())?;
                    stored::add(conn, &watchlist.id, &wanted, db::now())?;
                }
            }
            Change::Remove(number) => {
                let number = number.trim().to_uppercase();
                if !stored::remove(conn, &watchlist.id, &number)? {
                    return Err(ApiError::NotFound(format!(
                        "the watchlist does not watch {number}"
                    )));
                }
            }
        }
        shown(conn, watchlist, None)
    })
}

/// Add or remove numbers of the watchlist whose manage link carries
/// `token`.
pub async fn change_managed(
    state: &AppState,
    token: String,
    change: Change,
) -> Result<Shown, ApiError> {
    db::run(&state.pool, move |conn| {
        let watchlist = stored::by_manage_token(conn, &token)?.ok_or_else(no_link)?;
        apply(conn, watchlist, change)
    })
    .await
}

fn remove_watchlist(conn: &mut DbConnection, watchlist: &Watchlist) -> Result<(), ApiError> {
    db::write(conn, |conn| {
        stored::delete(conn, &watchlist.id)?;
        if let Some(endpoint) = &watchlist.endpoint_id {
            db::webhooks::delete_endpoint(conn, &watchlist.society_id, endpoint)?;
        }
        Ok(())
    })
}

/// Stop watching: delete the watchlist whose manage link carries `token`.
pub async fn stop_managed(state: &AppState, token: String) -> Result<Society, ApiError> {
    db::run(&state.pool, move |conn| {
        let watchlist = stored::by_manage_token(conn, &token)?.ok_or_else(no_link)?;
        let society = db::societies::by_id(conn, &watchlist.society_id)?;
        remove_watchlist(conn, &watchlist)?;
        Ok(society)
    })
    .await
}

/// Where a watchlist made with a login tells.
#[derive(Debug, Clone)]
pub enum Told {
    /// By e-mail to this address.
    Email(String),
    /// By webhook to this URL.
    Webhook(String),
}

/// A watchlist as a signed-in caller makes it.
#[derive(Debug, Clone)]
pub struct WatchlistInput {
    /// The society (slug) whose register it watches.
    pub society: String,
    pub told: Told,
    /// The numbers, at least one.
    pub registrations: Vec<String>,
}

/// Make a watchlist (any signed-in caller: it is theirs). An address
/// other than the login's own is told nothing until confirmed; a webhook
/// gets its own `whsec_` secret, answered once.
pub async fn create(
    state: &AppState,
    caller: &Caller,
    input: WatchlistInput,
) -> Result<Shown, ApiError> {
    let user = permissions::require_user(caller)?.clone();
    let base_url = base_url(state);
    let allow_private = state.settings.webhooks.webhook_allow_private;
    db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let society = db::societies::by_slug(conn, &input.society)?;
            let wanted = numbers(&input.registrations);
            let now = db::now();
            let mut watchlist = Watchlist {
                owner_user_id: Some(user.user_id.clone()),
                ..new_watchlist(&society, now)
            };
            let mut secret_made = None;
            match &input.told {
                Told::Email(email) => {
                    let email = address_of(email)?;
                    check_numbers(conn, &society, &wanted, 0)?;
                    if email == db::users::normalise_email(&user.email) {
                        watchlist.confirmed_at = Some(now);
                    } else {
                        watchlist.confirm_token = Some(secret());
                    }
                    watchlist.email = Some(email);
                }
                Told::Webhook(url) => {
                    let url = url.trim().to_owned();
                    if let Err(e) = address::check_url(&url, allow_private) {
                        return Err(ApiError::Unprocessable {
                            detail: "the endpoint has problems".to_owned(),
                            errors: vec![FieldProblem::new("url", e.to_string())],
                        });
                    }
                    check_numbers(conn, &society, &wanted, 0)?;
                    let endpoint = Endpoint {
                        id: format!("ep_{}", uuid::Uuid::new_v4().simple()),
                        society_id: society.id.clone(),
                        url,
                        description: format!("watchlist {}", watchlist.id),
                        // It takes none of the society's events: its
                        // deliveries are the watchlist's alerts.
                        event_types: String::new(),
                        secret: sign::new_secret(),
                        disabled_at: None,
                        disabled_reason: None,
                        created_at: now,
                        watchlist_id: Some(watchlist.id.clone()),
                        previous_secret: None,
                        previous_secret_until: None,
                    };
                    db::webhooks::insert_endpoint(conn, &endpoint)?;
                    watchlist.endpoint_id = Some(endpoint.id);
                    watchlist.confirmed_at = Some(now);
                    secret_made = Some(endpoint.secret);
                }
            }
            stored::insert(conn, &watchlist)?;
            stored::add(conn, &watchlist.id, &wanted, now)?;
            if let (Some(email), None) = (&watchlist.email, watchlist.confirmed_at) {
                ask_to_confirm(conn, &base_url, &watchlist, email, wanted, now)?;
            }
            shown(conn, watchlist, secret_made)
        })
    })
    .await
}

fn not_yours(id: &str) -> ApiError {
    ApiError::NotFound(format!("no watchlist {id}"))
}

fn owned(conn: &mut DbConnection, user_id: &str, id: &str) -> Result<Watchlist, ApiError> {
    stored::by_id(conn, id)?
        .filter(|w| w.owner_user_id.as_deref() == Some(user_id))
        .ok_or_else(|| not_yours(id))
}

/// The caller's watchlists, oldest first.
pub async fn mine(state: &AppState, caller: &Caller) -> Result<Vec<Shown>, ApiError> {
    let user = permissions::require_user(caller)?.user_id.clone();
    db::run(&state.pool, move |conn| {
        stored::of_owner(conn, &user)?
            .into_iter()
            .map(|w| shown(conn, w, None))
            .collect()
    })
    .await
}

/// One of the caller's watchlists (another's is not found).
pub async fn one(state: &AppState, caller: &Caller, id: String) -> Result<Shown, ApiError> {
    let user = permissions::require_user(caller)?.user_id.clone();
    db::run(&state.pool, move |conn| {
        let watchlist = owned(conn, &user, &id)?;
        shown(conn, watchlist, None)
    })
    .await
}

/// Add or remove numbers of one of the caller's watchlists.
pub async fn change(
    state: &AppState,
    caller: &Caller,
    id: String,
    change: Change,
) -> Result<Shown, ApiError> {
    let user = permissions::require_user(caller)?.user_id.clone();
    db::run(&state.pool, move |conn| {
        let watchlist = owned(conn, &user, &id)?;
        apply(conn, watchlist, change)
    })
    .await
}

/// Delete one of the caller's watchlists (with its endpoint).
pub async fn delete(state: &AppState, caller: &Caller, id: String) -> Result<(), ApiError> {
    let user = permissions::require_user(caller)?.user_id.clone();
    db::run(&state.pool, move |conn| {
        let watchlist = owned(conn, &user, &id)?;
        remove_watchlist(conn, &watchlist)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_split_trimmed_upper_cased_and_each_once() {
        let typed = vec![
            " bsanz-0001, BSANZ-0002\nbsanz-0001 ".to_owned(),
            "BSANZ-0003".to_owned(),
        ];
        assert_eq!(
            numbers(&typed),
            vec!["BSANZ-0001", "BSANZ-0002", "BSANZ-0003"]
        );
        assert!(numbers(&[" ,, ".to_owned()]).is_empty());
    }
}
