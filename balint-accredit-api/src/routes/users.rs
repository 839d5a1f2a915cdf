//! Logins within a society.

use std::fmt;

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use validator::Validate;

use crate::app::AppState;
use crate::auth::{password, permissions, Caller, Role};
use crate::db::{self, audit, users, users::User};
use crate::edge::Json;
use crate::error::{ApiError, Problem};
use crate::routes::{utc, validated};

/// A new login for someone in the society.
#[derive(Deserialize, Validate, ToSchema)]
pub struct CreateUser {
    #[validate(email)]
    pub email: String,
    /// The initial password, 12 to 1024 characters.
    #[validate(length(min = 12, max = 1024))]
    pub password: String,
    /// `registrar` (platform administrators only) or `member`.
    pub role: Role,
    /// The person record this login belongs to, if any: a person of this
    /// society.
    #[validate(length(min = 1, max = 64))]
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
    permissions::require_user(&caller)?;
    let slug = path.into_inner();
    let society = db::run(&state.pool, move |conn| db::societies::by_slug(conn, &slug)).await?;
    let body = body.into_inner();
    let actor = permissions::require_may_grant(&caller, &society.id, body.role)?
        .user_id
        .clone();
    let body = validated(body)?;
    if let Some(person_id) = body.person_id.clone() {
        let society_id = society.id.clone();
        let found = db::run(&state.pool, move |conn| {
            db::people::find(conn, &society_id, &person_id)
        })
        .await?;
        if found.is_none() {
            return Err(ApiError::unprocessable(
                "person_id",
                "no person in this society has this id",
            ));
        }
    }

    let cost = state.settings.password_hashing;
    let password = body.password;
    let password_hash = web::block(move || password::hash(&password, cost))
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("hashing failed: {e}")))?
        .map_err(ApiError::Internal)?;
    let now = db::now();
    let user = User {
        id: uuid::Uuid::new_v4().to_string(),
        email: users::normalise_email(&body.email),
        password_hash,
        is_platform_admin: false,
        created_at: now,
    };
    let role = body.role;
    let person_id = body.person_id;
    let view = UserView {
        id: user.id.clone(),
        email: user.email.clone(),
        society: society.slug.clone(),
        role,
        person_id: person_id.clone(),
        created_at: utc(now),
    };
    db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            if let Some(person_id) = person_id.as_deref() {
                // One login per person (a unique index keeps it under a race).
                if users::login_of(conn, &society.id, person_id)?.is_some() {
                    return Err(ApiError::Conflict(format!(
                        "the person {person_id} already has a login"
                    )));
                }
            }
            users::insert(conn, &user)?;
            users::grant_role(conn, &user.id, &society.id, role, person_id.as_deref(), now)?;
            audit::record(
                conn,
                audit::Change {
                    actor_user_id: Some(&actor),
                    society_id: Some(&society.id),
                    action: audit::Action::Create,
                    entity: audit::Entity::User,
                    entity_id: &user.id,
                    before: None,
                    after: Some(json!({
                        "email": user.email, "role": role.as_str(), "person_id": person_id,
                    })),
                    at: now,
                },
            )?;
            Ok(())
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(view))
}
