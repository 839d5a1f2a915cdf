//! A society's logins as its registrar manages them: the list, disabling
//! and enabling a login, and a one-time link to set a new password that
//! the registrar passes on (no e-mail is sent).
//!
//! A disabled login can neither sign in (refused, once its password is
//! right, as not allowed) nor use a token it holds; its sessions and
//! unused reset links are revoked when it is disabled. A reset link is a
//! random token stored only as its SHA-256 digest, valid for
//! [`RESET_HOURS`] hours and once: setting the password closes it and
//! revokes every session of the login. A registrar manages the logins of
//! members of their society; a registrar's login, a login with a role in
//! another society too, and their own, are a platform administrator's.

use chrono::NaiveDateTime;
use serde_json::json;

use crate::auth::{password, permissions, tokens, Caller};
use crate::db::{self, audit, logins::Login, societies::Society};
use crate::error::{ApiError, FieldProblem};
use crate::state::AppState;

/// How long a reset link stays valid.
pub const RESET_HOURS: i64 = 72;

/// The shortest password (the same rule as a new login's).
pub const MIN_PASSWORD: usize = 12;
/// The longest password.
pub const MAX_PASSWORD: usize = 1024;

/// The logins of society `slug`, by email (its registrar).
pub async fn list(
    state: &AppState,
    caller: &Caller,
    slug: String,
) -> Result<(Society, Vec<Login>), ApiError> {
    let (society, _) = crate::actions::as_registrar(state, caller, slug).await?;
    let society_id = society.id.clone();
    let logins = db::run(&state.pool, move |conn| {
        Ok(db::logins::list(conn, &society_id)?)
    })
    .await?;
    Ok((society, logins))
}

/// Login `user_id` of society `slug`, once the caller may manage it: not
/// found if it has no role there; forbidden for the caller's own login,
/// and, unless the caller is a platform administrator, for a registrar's
/// login or one with a role in another society.
async fn managed(
    state: &AppState,
    caller: &Caller,
    slug: String,
    user_id: String,
) -> Result<(Society, String, Login), ApiError> {
    let (society, actor) = crate::actions::as_registrar(state, caller, slug).await?;
    let admin = permissions::require_user(caller)?.is_platform_admin;
    let society_id = society.id.clone();
    let wanted = user_id.clone();
    let (login, societies) = db::run(&state.pool, move |conn| {
        let login = db::logins::list(conn, &society_id)?
            .into_iter()
            .find(|l| l.user_id == wanted);
        let societies = db::logins::societies_of(conn, &wanted)?;
        Ok((login, societies))
    })
    .await?;
    let login =
        login.ok_or_else(|| ApiError::NotFound(format!("login {user_id} of this society")))?;
    if login.user_id == actor {
        return Err(ApiError::Conflict(
            "this is your own login; another registrar or a platform administrator manages it"
                .to_owned(),
        ));
    }
    if !admin && (login.role == "registrar" || societies.len() > 1) {
        return Err(ApiError::Forbidden);
    }
    Ok((society, actor, login))
}

/// Disable (`disabled`) or enable login `user_id` of society `slug`; the
/// login as it is now. Disabling revokes its sessions and reset links.
/// Doing what is done already changes nothing (and is not audited).
pub async fn set_disabled(
    state: &AppState,
    caller: &Caller,
    slug: String,
    user_id: String,
    disabled: bool,
) -> Result<Login, ApiError> {
    let (society, actor, login) = managed(state, caller, slug, user_id).await?;
    if login.disabled_at.is_some() == disabled {
        return Ok(login);
    }
    db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let now = db::now();
            if disabled {
                db::logins::disable(conn, &login.user_id, &actor, now)?;
            } else {
                db::logins::enable(conn, &login.user_id)?;
            }
            audit::record(
                conn,
                audit::Change {
                    actor_user_id: Some(&actor),
                    society_id: Some(&society.id),
                    action: audit::Action::Update,
                    entity: audit::Entity::User,
                    entity_id: &login.user_id,
                    before: Some(json!({ "disabled": !disabled })),
                    after: Some(json!({ "disabled": disabled })),
                    at: now,
                },
            )?;
            db::logins::list(conn, &society.id)?
                .into_iter()
                .find(|l| l.user_id == login.user_id)
                .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("login vanished")))
        })
    })
    .await
}

/// A reset link issued: the token to put in the link, once.
#[derive(Debug)]
pub struct IssuedReset {
    /// The login.
    pub login: Login,
    /// The token (only its digest is stored).
    pub token: String,
    /// Until when it may be used.
    pub expires_at: NaiveDateTime,
}

/// Issue a one-time link for login `user_id` of society `slug` to set a
/// new password, closing any issued before; audited without the token.
pub async fn issue_reset(
    state: &AppState,
    caller: &Caller,
    slug: String,
    user_id: String,
) -> Result<IssuedReset, ApiError> {
    let (society, actor, login) = managed(state, caller, slug, user_id).await?;
    if login.disabled_at.is_some() {
        return Err(ApiError::Conflict(
            "the login is disabled; enable it first".to_owned(),
        ));
    }
    let token = tokens::generate();
    let digest = tokens::digest(&token);
    let now = db::now();
    let expires_at = now + chrono::Duration::hours(RESET_HOURS);
    let user_id = login.user_id.clone();
    db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            db::logins::issue_reset(conn, &digest, &user_id, &actor, now, expires_at)?;
            audit::record(
                conn,
                audit::Change {
                    actor_user_id: Some(&actor),
                    society_id: Some(&society.id),
                    action: audit::Action::Update,
                    entity: audit::Entity::User,
                    entity_id: &user_id,
                    before: None,
                    after: Some(json!({ "password_reset_issued_until": expires_at })),
                    at: now,
                },
            )?;
            Ok(())
        })
    })
    .await?;
    Ok(IssuedReset {
        login,
        token,
        expires_at,
    })
}

/// Whether `token` is a reset link that can still be used.
pub async fn reset_is_open(state: &AppState, token: String) -> Result<bool, ApiError> {
    let digest = tokens::digest(&token);
    db::run(&state.pool, move |conn| {
        Ok(db::logins::reset_for(conn, &digest, db::now())?.is_some())
    })
    .await
}

/// The problem with a new password, if any.
pub fn password_problem(password: &str) -> Option<FieldProblem> {
    let n = password.chars().count();
    if n < MIN_PASSWORD {
        Some(FieldProblem::new(
            "password",
            format!("must be at least {MIN_PASSWORD} characters"),
        ))
    } else if n > MAX_PASSWORD {
        Some(FieldProblem::new(
            "password",
            format!("must be at most {MAX_PASSWORD} characters"),
        ))
    } else {
        None
    }
}

/// Set a new password with reset link `token`: not found for a link that
/// is unknown, used or expired; unprocessable for a password the rules
/// refuse (the link stays open). The link is closed and every session of
/// the login revoked; audited as the login's own change.
pub async fn reset_password(
    state: &AppState,
    token: String,
    new_password: String,
) -> Result<(), ApiError> {
    let digest = tokens::digest(&token);
    let lookup = digest.clone();
    let user_id = db::run(&state.pool, move |conn| {
        Ok(db::logins::reset_for(conn, &lookup, db::now())?)
    })
    .await?
    .ok_or_else(|| {
        ApiError::NotFound("this password link (it may be used or expired)".to_owned())
    })?;
    if let Some(problem) = password_problem(&new_password) {
        return Err(ApiError::Unprocessable {
            detail: "the request has invalid fields".to_owned(),
            errors: vec![problem],
        });
    }
    let cost = state.settings.password_hashing;
    let hash = tokio::task::spawn_blocking(move || password::hash(&new_password, cost))
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("hashing failed: {e}")))?
        .map_err(ApiError::Internal)?;
    db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let now = db::now();
            // Once: a link used meanwhile is not used again.
            if !db::logins::take_reset(conn, &digest, now)? {
                return Err(ApiError::NotFound(
                    "this password link (it may be used or expired)".to_owned(),
                ));
            }
            db::logins::use_reset(conn, &user_id, &hash, now)?;
            let societies = db::logins::societies_of(conn, &user_id)?;
            for society_id in &societies {
                audit::record(
                    conn,
                    audit::Change {
                        actor_user_id: Some(&user_id),
                        society_id: Some(society_id),
                        action: audit::Action::Update,
                        entity: audit::Entity::User,
                        entity_id: &user_id,
                        before: None,
                        after: Some(json!({ "password": "set with a reset link" })),
                        at: now,
                    },
                )?;
            }
            Ok(())
        })
    })
    .await
}
