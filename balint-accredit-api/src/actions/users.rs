//! Logins within a society.

use std::fmt;

use serde_json::json;
use validator::Validate;

use crate::auth::{password, permissions, Caller, Role};
use crate::db::{self, audit, societies::Society, users, users::User};
use crate::error::ApiError;
use crate::state::AppState;

/// A new login for someone in the society.
#[derive(Validate)]
pub struct NewLogin {
    /// The login's email.
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

impl fmt::Debug for NewLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewLogin")
            .field("email", &self.email)
            .field("password", &"<redacted>")
            .field("role", &self.role)
            .field("person_id", &self.person_id)
            .finish()
    }
}

/// A login created, with its role.
#[derive(Debug)]
pub struct Created {
    /// The login.
    pub user: User,
    /// Its role in the society.
    pub role: Role,
    /// The person it belongs to, if any.
    pub person_id: Option<String>,
}

/// Create a login with a role in society `slug`: registrars add members,
/// platform administrators anyone. Unprocessable with every problem of
/// `body`, or for a person who is not in the society; a conflict for an
/// email taken or a person who has a login already. The audit log keeps
/// it (without the password).
pub async fn create(
    state: &AppState,
    caller: &Caller,
    slug: String,
    body: NewLogin,
) -> Result<(Society, Created), ApiError> {
    permissions::require_user(caller)?;
    let society = crate::actions::society(state, slug).await?;
    let actor = permissions::require_may_grant(caller, &society.id, body.role)?
        .user_id
        .clone();
    body.validate()?;
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
    let password_hash = tokio::task::spawn_blocking(move || password::hash(&password, cost))
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
    let created = Created {
        user: user.clone(),
        role,
        person_id: person_id.clone(),
    };
    let answer = society.clone();
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
    Ok((answer, created))
}
