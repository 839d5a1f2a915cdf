//! Logins within a society.

use std::fmt;

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::actions::users::{self, NewLogin};
use crate::app::AppState;
use crate::auth::{Caller, Role};
use crate::edge::Json;
use crate::error::{ApiError, Problem};
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
