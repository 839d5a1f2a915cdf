//! Command-line jobs on the database: migrating, creating the first
//! platform administrator.

use serde_json::json;

use crate::config::{DatabaseSettings, PasswordHashing};
use crate::db::{self, audit, users, users::User};

/// Shortest password accepted for any login.
pub const MIN_PASSWORD_LEN: usize = 12;

/// Apply pending migrations; returns their names.
pub fn migrate(settings: &DatabaseSettings) -> anyhow::Result<Vec<String>> {
    let mut conn = db::connect_for_job(settings)
        .map_err(|e| anyhow::anyhow!("cannot connect to the database: {e}"))?;
    db::run_migrations(&mut conn)
}

/// Migrate the database (which must be there already), then create a
/// platform administrator. Blocking.
pub fn create_platform_admin(
    settings: &DatabaseSettings,
    email: &str,
    password: &str,
    cost: PasswordHashing,
) -> anyhow::Result<User> {
    let email = users::normalise_email(email);
    if !validator::ValidateEmail::validate_email(&email) {
        anyhow::bail!("{email:?} is not an email address");
    }
    if password.chars().count() < MIN_PASSWORD_LEN {
        anyhow::bail!("the password must be at least {MIN_PASSWORD_LEN} characters");
    }
    let mut conn = db::open_existing(settings)?;
    let now = db::now();
    let user = User {
        id: uuid::Uuid::new_v4().to_string(),
        email,
        password_hash: crate::auth::password::hash(password, cost)?,
        is_platform_admin: true,
        created_at: now,
    };
    db::write(&mut conn, |conn| {
        users::insert(conn, &user)?;
        audit::record(
            conn,
            audit::Change {
                actor_user_id: None,
                society_id: None,
                action: audit::Action::Create,
                entity: audit::Entity::User,
                entity_id: &user.id,
                before: None,
                after: Some(json!({ "email": user.email, "is_platform_admin": true })),
                at: now,
            },
        )?;
        Ok(())
    })
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(user)
}
