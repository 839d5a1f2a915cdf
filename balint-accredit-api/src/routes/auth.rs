//! Login, logout, and who am I.

use std::fmt;

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::actions::account::{self, Credentials};
use crate::app::AppState;
use crate::auth::{permissions, throttle, AuthenticatedUser, Caller, Role};
use crate::db::{self, sessions};
use crate::edge::Json;
use crate::error::{ApiError, Problem};
use crate::routes::utc;

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
        (status = 403, description = "The password is right but the login is disabled", body = Problem, content_type = "application/problem+json"),
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
    let body = body.into_inner();
    let client = throttle::client_address(
        request.peer_addr().map(|a| a.ip()),
        request.headers(),
        &state.settings.trusted_proxies,
    );
    let credentials = Credentials {
        email: body.email,
        password: body.password,
    };
    let opened = account::sign_in(&state, credentials, client).await?;
    Ok(HttpResponse::Ok().json(LoginResponse {
        token: opened.token,
        token_type: "Bearer",
        expires_at: utc(opened.expires_at),
        user: Me::from(&opened.user),
    }))
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
