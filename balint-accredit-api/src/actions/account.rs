//! Signing in: email and password, checked under the login throttle, open
//! a session.

use std::fmt;
use std::net::IpAddr;

use validator::Validate;

use crate::auth::{password, throttle, tokens, AuthenticatedUser};
use crate::db::{self, sessions, users};
use crate::error::ApiError;
use crate::state::AppState;

/// Email and password, as the person typed them.
#[derive(Validate)]
pub struct Credentials {
    /// The login's email, in any case.
    #[validate(email)]
    pub email: String,
    /// The password, 1 to 1024 characters.
    #[validate(length(min = 1, max = 1024))]
    pub password: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("email", &self.email)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Sign in with `credentials`: unprocessable for an email that is not one
/// or an empty password, else as [`open_session`]. What both the API's
/// login and the web sign-in form do.
pub async fn sign_in(
    state: &AppState,
    credentials: Credentials,
    client: Option<IpAddr>,
) -> Result<OpenedSession, ApiError> {
    credentials.validate()?;
    open_session(state, &credentials.email, credentials.password, client).await
}

/// A session just opened by a login.
pub struct OpenedSession {
    /// The token, shown once (the database keeps its digest).
    pub token: String,
    /// When it stops working.
    pub expires_at: chrono::NaiveDateTime,
    /// Who logged in.
    pub user: AuthenticatedUser,
}

impl fmt::Debug for OpenedSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenedSession")
            .field("token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .field("user", &self.user)
            .finish()
    }
}

/// Check `email` and `password` under the login throttle (see
/// [`crate::auth::throttle`]) and open a session. `client` is the caller's
/// address, counted apart from the account.
pub async fn open_session(
    state: &AppState,
    email: &str,
    password: String,
    client: Option<IpAddr>,
) -> Result<OpenedSession, ApiError> {
    let email = users::normalise_email(email);
    let policy = state.settings.login.policy();
    let now = state.settings.login_clock.now();
    let account = format!("email:{email}");
    let address = client.map(|ip| format!("address:{ip}"));

    // Count the attempt before the password is checked, in one transaction
    // with the check of both counters (address first, then account, always
    // in this order so two attempts cannot wait on each other).
    let (counted, lookup_email) = ((account.clone(), address.clone()), email.clone());
    let (verdict, user) = db::run(&state.pool, move |conn| {
        let (account, address) = counted;
        let cutoff = now - chrono::Duration::from_std(throttle::FORGET_AFTER).unwrap_or_default();
        sessions::forget_counters_before(conn, cutoff)?;
        let verdict = db::write(conn, |conn| {
            let subjects = address
                .iter()
                .map(|a| (a.as_str(), policy.address_free))
                .chain([(account.as_str(), policy.account_free)]);
            let mut counted = Vec::new();
            let mut wait = None;
            for (subject, free) in subjects {
                let counter = sessions::lock_counter(conn, subject, now)?;
                match policy.judge(Some(counter), free, now) {
                    Ok(next) => counted.push((subject, next)),
                    Err(w) => wait = wait.max(Some(w)),
                }
            }
            if let Some(wait) = wait {
                return Ok(Err(wait));
            }
            for (subject, counter) in counted {
                sessions::store_counter(conn, subject, counter)?;
            }
            Ok(Ok(()))
        })?;
        let user = users::find_by_email(conn, &lookup_email)?;
        Ok((verdict, user))
    })
    .await?;
    if let Err(wait) = verdict {
        tracing::warn!(
            wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
            "login refused: too many failed logins for this account or address"
        );
        return Err(ApiError::TooManyRequests {
            retry_after_secs: throttle::retry_after_secs(wait),
        });
    }

    let cost = state.settings.password_hashing;
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let matches = tokio::task::spawn_blocking(move || match stored {
        Some(stored) => password::verify(&stored, &password),
        None => {
            password::verify_unknown_user(&password, cost);
            false
        }
    })
    .await
    .map_err(|e| ApiError::Internal(anyhow::anyhow!("password check failed: {e}")))?;

    // A wrong password was counted already.
    let user = match user {
        Some(user) if matches => user,
        _ => return Err(ApiError::InvalidCredentials),
    };

    let token = tokens::generate();
    let digest = tokens::digest(&token);
    let now = db::now();
    let expires_at = now + state.settings.token_lifetime();
    let authenticated = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            // Told only with the right password: a disabled login.
            if db::logins::disabled_at(conn, &user.id)?.is_some() {
                return Err(ApiError::Forbidden);
            }
            sessions::login_succeeded(conn, &account, address.as_deref())?;
            sessions::create(conn, &digest, &user.id, now, expires_at)?;
            sessions::authenticate(conn, &digest, now)?
                .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("new session not found")))
        })
    })
    .await?;
    tracing::info!(user_id = %authenticated.user_id, "logged in");
    Ok(OpenedSession {
        token,
        expires_at,
        user: authenticated,
    })
}
