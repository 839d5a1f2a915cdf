//! Logins within a society: creating them, the list, disabling and
//! enabling, and one-time links to set a new password.

use std::fmt;

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::actions::logins;
use crate::actions::users::{self, NewLogin};
use crate::app::AppState;
use crate::auth::{permissions, Caller, Role};
use crate::db::logins::Login;
use crate::edge::{Json, Query};
use crate::error::{ApiError, Problem};
use crate::pagination::{Page, PageQuery, PageRequest};
use crate::routes::utc;

/// A new login for someone in the society.
#[derive(Deserialize, ToSchema)]
pub struct CreateUser {
    pub email: String,
    /// The initial password, 12 to 1024 characters.
    pub password: String,
    /// `registrar` (platform administrators only) or `member`.
    pub role: Role,
    /// The person record this login belongs to, if any: a person of this
    /// society.
    pub person_id: Option<String>,
}

impl fmt::Debug for CreateUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreateUser")
            .field("email", &self.email)
            .field("password", &"<redacted>")
            .field("role", &self.role)
            .field("person_id", &self.person_id)
            .finish()
    }
}

/// A login, without secrets.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: String,
    pub email: String,
    /// The society's slug.
    pub society: String,
    pub role: Role,
    pub person_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Create a login with a role in this society. Registrars add members;
/// platform administrators also appoint registrars.
#[utoipa::path(post, path = "/api/v1/societies/{society}/users", operation_id = "users_create", tag = "users",
    security(("bearer" = [])),
    params(("society" = String, Path, description = "The society's slug")),
    request_body = CreateUser,
    responses(
        (status = 201, description = "Created", body = UserView),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not allowed to grant this role here", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The email already has a login, or the person already has one", body = Problem, content_type = "application/problem+json"),
        (status = 400, description = "Unreadable body, or not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: Json<CreateUser>,
) -> Result<HttpResponse, ApiError> {
    let slug = path.into_inner();
    let body = body.into_inner();
    let login = NewLogin {
        email: body.email,
        password: body.password,
        role: body.role,
        person_id: body.person_id,
    };
    let (society, user) = users::create(&state, &caller, slug, login).await?;
    let view = UserView {
        id: user.user.id,
        email: user.user.email,
        society: society.slug,
        role: user.role,
        person_id: user.person_id,
        created_at: utc(user.user.created_at),
    };
    Ok(HttpResponse::Created().json(view))
}

/// A login of the society as its registrar sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoginView {
    pub id: String,
    pub email: String,
    /// `registrar` or `member`.
    pub role: String,
    /// The person record this login belongs to, if any.
    pub person_id: Option<String>,
    pub created_at: DateTime<Utc>,
    /// When it last signed in, if ever.
    pub last_signed_in: Option<DateTime<Utc>>,
    /// Whether it is disabled: it can neither sign in nor use its tokens.
    pub disabled: bool,
    /// When it was disabled.
    pub disabled_at: Option<DateTime<Utc>>,
}

impl From<Login> for LoginView {
    fn from(l: Login) -> Self {
        Self {
            id: l.user_id,
            email: l.email,
            role: l.role,
            person_id: l.person_id,
            created_at: utc(l.created_at),
            last_signed_in: l.last_signed_in.map(utc),
            disabled: l.disabled_at.is_some(),
            disabled_at: l.disabled_at.map(utc),
        }
    }
}

/// The society's logins, by email (registrar or platform administrator).
#[utoipa::path(get, path = "/api/v1/societies/{society}/users", operation_id = "users_list", tag = "users",
    security(("bearer" = [])),
    params(("society" = String, Path, description = "The society's slug"), PageQuery),
    responses(
        (status = 200, description = "A page of logins", body = Page<LoginView>),
        (status = 400, description = "Invalid paging", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not this society's registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    query: Query<PageQuery>,
) -> Result<web::Json<Page<LoginView>>, ApiError> {
    permissions::require_user(&caller)?;
    let page = PageRequest::try_from(&query.into_inner())?;
    let (_, all) = logins::list(&state, &caller, path.into_inner()).await?;
    let total = i64::try_from(all.len()).unwrap_or(i64::MAX);
    let items = all
        .into_iter()
        .skip(usize::try_from(page.offset()).unwrap_or(usize::MAX))
        .take(usize::try_from(page.limit()).unwrap_or(0))
        .map(LoginView::from)
        .collect();
    Ok(web::Json(Page::new(items, page, total)))
}

/// Disable a login: it can no longer sign in, and its tokens and unused
/// password links stop working at once (registrar, for a member's login
/// of this society only; platform administrators for any). Disabling a
/// disabled login changes nothing.
#[utoipa::path(post, path = "/api/v1/societies/{society}/users/{user}/disable", operation_id = "users_disable", tag = "users",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("user" = String, Path, description = "The login's id"),
    ),
    responses(
        (status = 200, description = "The login, disabled", body = LoginView),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not allowed to manage this login", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society, or no such login in it", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The caller's own login", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn disable(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<web::Json<LoginView>, ApiError> {
    let (slug, user) = path.into_inner();
    let login = logins::set_disabled(&state, &caller, slug, user, true).await?;
    Ok(web::Json(login.into()))
}

/// Enable a disabled login again (as for disabling). Its password is
/// unchanged; its old tokens stay revoked.
#[utoipa::path(post, path = "/api/v1/societies/{society}/users/{user}/enable", operation_id = "users_enable", tag = "users",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("user" = String, Path, description = "The login's id"),
    ),
    responses(
        (status = 200, description = "The login, enabled", body = LoginView),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not allowed to manage this login", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society, or no such login in it", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The caller's own login", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn enable(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<web::Json<LoginView>, ApiError> {
    let (slug, user) = path.into_inner();
    let login = logins::set_disabled(&state, &caller, slug, user, false).await?;
    Ok(web::Json(login.into()))
}

/// A one-time link to set a new password.
#[derive(Debug, Serialize, ToSchema)]
pub struct PasswordResetView {
    /// The login's id.
    pub user: String,
    /// The token, shown only now (the service keeps only its digest).
    pub token: String,
    /// The page where the person sets their password, on this site.
    pub path: String,
    /// After this the link no longer works.
    pub expires_at: DateTime<Utc>,
}

/// Issue a one-time link for a login to set a new password, for the
/// registrar to pass on (no e-mail is sent). Valid for 72 hours and once;
/// issuing another closes the earlier ones. Using it revokes the login's
/// sessions and tokens (as for disabling, who may issue it).
#[utoipa::path(post, path = "/api/v1/societies/{society}/users/{user}/password-reset", operation_id = "users_password_reset", tag = "users",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("user" = String, Path, description = "The login's id"),
    ),
    responses(
        (status = 201, description = "The link, shown once", body = PasswordResetView),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not allowed to manage this login", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society, or no such login in it", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The caller's own login, or a disabled one", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn password_reset(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, user) = path.into_inner();
    let issued = logins::issue_reset(&state, &caller, slug, user).await?;
    Ok(HttpResponse::Created().json(PasswordResetView {
        user: issued.login.user_id,
        path: format!("/reset/{}", issued.token),
        token: issued.token,
        expires_at: utc(issued.expires_at),
    }))
}

/// A new password, set with a one-time link.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetPassword {
    /// The link's token.
    pub token: String,
    /// The new password, 12 to 1024 characters.
    pub password: String,
}

impl fmt::Debug for SetPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SetPassword")
            .field("token", &"<redacted>")
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Set a new password with a one-time link a registrar issued. The link
/// is then used up, and every session and token of the login is revoked.
#[utoipa::path(post, path = "/api/v1/auth/password-reset", operation_id = "auth_password_reset", tag = "auth",
    request_body = SetPassword,
    responses(
        (status = 204, description = "The password is set; sign in with it"),
        (status = 400, description = "Unreadable body, or not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such link, or it was used or has expired", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The password breaks the rules; the link stays open", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn set_password(
    state: web::Data<AppState>,
    body: Json<SetPassword>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    logins::reset_password(&state, body.token, body.password).await?;
    Ok(HttpResponse::NoContent().finish())
}
