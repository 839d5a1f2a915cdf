//! Login, logout, and who am I.

use std::fmt;

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::app::AppState;
use crate::auth::{password, permissions, tokens, AuthenticatedUser, Caller, Role};
use crate::db::{self, sessions, users};
use crate::edge::Json;
use crate::error::{ApiError, Problem};
use crate::routes::{utc, validated};

/// Failed logins for one email allowed within [`FAILURE_WINDOW_MINUTES`]
/// before further attempts are refused.
pub const MAX_FAILED_LOGINS: usize = 5;
/// How long failed logins are remembered.
pub const FAILURE_WINDOW_MINUTES: i64 = 15;

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
/// After 5 failed attempts for one email within 15 minutes, further
/// attempts are refused with 429 until the window has passed.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = LoginResponse),
        (status = 401, description = "Wrong email or password", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed logins", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn login(
    state: web::Data<AppState>,
    body: Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = validated(body.into_inner())?;
    let opened = open_session(&state, &body.email, body.password).await?;
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

/// Check `email` and `password` under the throttling rules and open a
/// session: what both the API's login and the web sign-in form do.
pub async fn open_session(
    state: &AppState,
    email: &str,
    password: String,
) -> Result<OpenedSession, ApiError> {
    let email = users::normalise_email(email);
    let now = db::now();
    let window_start = now - chrono::Duration::minutes(FAILURE_WINDOW_MINUTES);

    let lookup_email = email.clone();
    let (failures, user) = db::run(&state.pool, move |conn| {
        let failures = sessions::failures_since(conn, &lookup_email, window_start)?;
        let user = users::find_by_email(conn, &lookup_email)?;
        Ok((failures, user))
    })
    .await?;
    if failures.len() >= MAX_FAILED_LOGINS {
        let oldest = failures.first().copied().unwrap_or(now);
        let until = oldest + chrono::Duration::minutes(FAILURE_WINDOW_MINUTES);
        let retry_after_secs = u64::try_from((until - now).num_seconds())
            .unwrap_or(0)
            .max(1);
        tracing::warn!(
            failures = failures.len(),
            "login refused: too many failures"
        );
        return Err(ApiError::TooManyRequests { retry_after_secs });
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

    let user = match user {
        Some(user) if matches => user,
        _ => {
            db::run(&state.pool, move |conn| {
                db::write(conn, |conn| {
                    Ok(sessions::record_failure(conn, &email, now, window_start)?)
                })
            })
            .await?;
            return Err(ApiError::InvalidCredentials);
        }
    };

    let token = tokens::generate();
    let digest = tokens::digest(&token);
    let expires_at = now + state.settings.token_lifetime();
    let authenticated = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            sessions::clear_failures(conn, &email)?;
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
