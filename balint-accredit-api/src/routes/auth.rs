//! Login, logout, and who am I.

use std::fmt;
use std::net::IpAddr;

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::app::AppState;
use crate::auth::{password, permissions, throttle, tokens, AuthenticatedUser, Caller, Role};
use crate::db::{self, sessions, users};
use crate::edge::Json;
use crate::error::{ApiError, Problem};
use crate::routes::{utc, validated};

/// Email and password.
#[derive(Deserialize, Validate, ToSchema)]
pub struct LoginRequest {
    #[validate(email)]
    pub email: String,
    #[validate(length(min = 1, max = 1024))]
    pub password: String,
}

impl fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginRequest")
            .field("email", &self.email)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// A new session.
#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    /// The bearer token: send it as `Authorization: Bearer <token>`. It is
    /// shown only here.
    pub token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// When the token stops working.
    pub expires_at: DateTime<Utc>,
    /// Who logged in.
    pub user: Me,
}

impl fmt::Debug for LoginResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginResponse")
            .field("token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .field("user", &self.user)
            .finish()
    }
}

/// A login and its roles.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub id: String,
    pub email: String,
    pub is_platform_admin: bool,
    /// Roles, by society slug.
    pub roles: Vec<MyRole>,
}

/// One role of the caller.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyRole {
    /// The society's slug.
    pub society: String,
    pub role: Role,
    /// The caller's person record in that society, if linked.
    pub person_id: Option<String>,
}

impl From<&AuthenticatedUser> for Me {
    fn from(user: &AuthenticatedUser) -> Self {
        Self {
            id: user.user_id.clone(),
            email: user.email.clone(),
            is_platform_admin: user.is_platform_admin,
            roles: user
                .roles
                .iter()
                .map(|r| MyRole {
                    society: r.society_slug.clone(),
                    role: r.role,
                    person_id: r.person_id.clone(),
                })
                .collect(),
        }
    }
}

/// Log in with email and password; answers a bearer token.
///
/// Failed logins slow further attempts down (the numbers are the server's
/// defaults; `serve --help` names the settings). Each attempt is counted
/// before its password is checked, against the email and against the
/// client's address. After 5 failures for one email, or 20 from one
/// address whatever the emails, each further attempt, right or wrong, must
/// come a back-off after the last one counted: 1 second, doubling with
/// each further failure, at most 5 minutes. An attempt before that is
/// answered 429 with `Retry-After` (seconds) and is not counted. The right
/// password after the back-off logs in and clears the email's failures.
/// Failures are forgotten an hour after the last attempt.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = LoginResponse),
        (status = 401, description = "Wrong email or password", body = Problem, content_type = "application/problem+json"),
        (status = 400, description = "Unreadable body, or not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed logins for this email or from this address: try again after the back-off",
            body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds until the next attempt is taken"))),
    ))]
pub async fn login(
    request: HttpRequest,
    state: web::Data<AppState>,
    body: Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = validated(body.into_inner())?;
    let client = throttle::client_address(
        request.peer_addr().map(|a| a.ip()),
        request.headers(),
        &state.settings.trusted_proxies,
    );
    let opened = open_session(&state, &body.email, body.password, client).await?;
    Ok(HttpResponse::Ok().json(LoginResponse {
        token: opened.token,
        token_type: "Bearer",
        expires_at: utc(opened.expires_at),
        user: Me::from(&opened.user),
    }))
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
/// [`crate::auth::throttle`]) and open a session: what both the API's
/// login and the web sign-in form do. `client` is the caller's address,
/// counted apart from the account.
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
    let matches = web::block(move || match stored {
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

/// Revoke the token this request carries.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Logged out; the token no longer works"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn logout(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let user = permissions::require_user(&caller)?;
    let digest = user.token_digest.clone();
    db::run(&state.pool, move |conn| {
        sessions::revoke(conn, &digest, db::now())?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The caller's login and roles.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller", body = Me),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn me(caller: Caller) -> Result<web::Json<Me>, ApiError> {
    let user = permissions::require_user(&caller)?;
    Ok(web::Json(Me::from(user)))
}
