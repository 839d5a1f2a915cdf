//! Societies: created by platform administrators, listed publicly.

use serde_json::json;
use validator::{Validate, ValidationError};

use crate::auth::{permissions, Caller};
use crate::db::{self, audit, societies::Society};
use crate::error::ApiError;
use crate::pagination::{Page, PageRequest};
use crate::state::AppState;

/// A new society, as the administrator names it.
#[derive(Debug, Validate)]
pub struct NewSociety {
    /// Short lowercase name used in URLs, e.g. `bsanz`: 2 to 32 letters,
    /// digits or `-`, starting with a letter.
    #[validate(custom(function = "check_slug"))]
    pub slug: String,
    /// Full name, 1 to 200 characters.
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    /// Country or region served, 1 to 100 characters.
    #[validate(length(min = 1, max = 100))]
    pub country: Option<String>,
}

fn check_slug(slug: &str) -> Result<(), ValidationError> {
    let ok = (2..=32).contains(&slug.len())
        && slug.starts_with(|c: char| c.is_ascii_lowercase())
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(ValidationError::new("slug").with_message(
            "must be 2 to 32 lowercase letters, digits or '-', starting with a letter".into(),
        ))
    }
}

/// Create a society (platform administrators): unprocessable with every
/// problem of `new`, a conflict when its slug is taken. The audit log keeps
/// it.
pub async fn create(
    state: &AppState,
    caller: &Caller,
    new: NewSociety,
) -> Result<Society, ApiError> {
    let actor = permissions::require_platform_admin(caller)?.user_id.clone();
    new.validate()?;
    let body = new;
    let society = Society {
        id: uuid::Uuid::new_v4().to_string(),
        slug: body.slug,
        name: body.name,
        country: body.country,
        created_at: db::now(),
    };
    let stored = society.clone();
    db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            db::societies::insert(conn, &stored)?;
            audit::record(
                conn,
                audit::Change {
                    actor_user_id: Some(&actor),
                    society_id: Some(&stored.id),
                    action: audit::Action::Create,
                    entity: audit::Entity::Society,
                    entity_id: &stored.id,
                    before: None,
                    after: Some(json!({
                        "slug": stored.slug, "name": stored.name, "country": stored.country,
                    })),
                    at: stored.created_at,
                },
            )?;
            Ok(())
        })
    })
    .await?;
    Ok(society)
}

/// A page of the societies, by slug (public).
pub async fn list(state: &AppState, page: PageRequest) -> Result<Page<Society>, ApiError> {
    db::run(&state.pool, move |conn| {
        Ok(db::societies::list(conn, page)?)
    })
    .await
}
