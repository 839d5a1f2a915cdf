//! Societies: created by platform administrators, listed publicly.

use serde_json::json;
use validator::{Validate, ValidationError};

use crate::auth::{permissions, Caller};
use crate::db::{self, audit, societies::Society};
use crate::error::{ApiError, FieldProblem};
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

/// The largest logo taken, in bytes.
pub const LOGO_MAX_BYTES: usize = 256 * 1024;

/// What happens to a society's logo.
#[derive(Debug, Clone, Default)]
pub enum LogoChange {
    /// It stays as it is.
    #[default]
    Keep,
    /// It is removed.
    Remove,
    /// It is replaced by this image (PNG or JPEG, told by its first bytes).
    Set(Vec<u8>),
}

/// A society's details as its registrar sets them: empty text clears a
/// field.
#[derive(Debug, Clone, Default)]
pub struct ProfileInput {
    /// Where people write to the society; an email address.
    pub contact_email: String,
    /// Its website; an `https://` or `http://` address.
    pub website: String,
    /// A telephone number, as people dial it.
    pub phone: String,
    /// Its logo.
    pub logo: LogoChange,
}

/// The media type of a logo image, told by its first bytes: PNG and JPEG
/// only (an SVG may carry script, and other formats are not needed).
pub fn logo_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else {
        None
    }
}

/// Society `slug` and its details (anyone: they are shown on its public
/// pages); empty details when its registrar set none.
pub async fn profile(
    state: &AppState,
    slug: String,
) -> Result<(Society, db::society_profiles::Profile), ApiError> {
    db::run(&state.pool, move |conn| {
        let society = db::societies::by_slug(conn, &slug)?;
        let profile = db::society_profiles::find(conn, &society.id)?.unwrap_or_else(|| {
            db::society_profiles::Profile {
                society_id: society.id.clone(),
                updated_at: society.created_at,
                ..Default::default()
            }
        });
        Ok((society, profile))
    })
    .await
}

/// Set the details of society `slug` (its registrar): every problem is
/// refused at once and nothing changes; the audit log keeps the text
/// fields before and after, and whether the logo changed.
pub async fn change_profile(
    state: &AppState,
    caller: &Caller,
    slug: String,
    input: ProfileInput,
) -> Result<(Society, db::society_profiles::Profile), ApiError> {
    use validator::ValidateEmail;
    let (society, actor) = crate::actions::as_registrar(state, caller, slug).await?;
    let mut problems = Vec::new();
    let text = |value: &str| Some(value.trim().to_owned()).filter(|v| !v.is_empty());
    let contact_email = text(&input.contact_email);
    if let Some(email) = &contact_email {
        if !email.validate_email() {
            problems.push(FieldProblem::new(
                "contact_email",
                "must be an email address",
            ));
        }
    }
    let website = text(&input.website);
    if let Some(site) = &website {
        let scheme_ok = site.starts_with("https://") || site.starts_with("http://");
        if !scheme_ok || site.len() > 500 || site.contains(char::is_whitespace) {
            problems.push(FieldProblem::new(
                "website",
                "must be a web address starting with https:// (at most 500 characters)",
            ));
        }
    }
    let phone = text(&input.phone);
    if phone.as_ref().is_some_and(|p| p.chars().count() > 40) {
        problems.push(FieldProblem::new("phone", "must be at most 40 characters"));
    }
    if let LogoChange::Set(bytes) = &input.logo {
        if bytes.len() > LOGO_MAX_BYTES {
            problems.push(FieldProblem::new(
                "logo",
                format!("must be at most {} KiB", LOGO_MAX_BYTES / 1024),
            ));
        } else if logo_type(bytes).is_none() {
            problems.push(FieldProblem::new("logo", "must be a PNG or JPEG image"));
        }
    }
    if !problems.is_empty() {
        return Err(ApiError::Unprocessable {
            detail: "the society's details have problems".to_owned(),
            errors: problems,
        });
    }
    let now = db::now();
    let answer = society.clone();
    let profile = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let before = db::society_profiles::find(conn, &society.id)?;
            let (logo, logo_type) = match input.logo {
                LogoChange::Keep => before
                    .as_ref()
                    .map(|b| (b.logo.clone(), b.logo_type.clone()))
                    .unwrap_or_default(),
                LogoChange::Remove => (None, None),
                LogoChange::Set(bytes) => {
                    let kind = logo_type(&bytes).map(str::to_owned);
                    (Some(bytes), kind)
                }
            };
            let profile = db::society_profiles::Profile {
                society_id: society.id.clone(),
                contact_email,
                website,
                phone,
                logo,
                logo_type,
                updated_at: now,
            };
            let words = |p: Option<&db::society_profiles::Profile>| {
                json!({
                    "contact_email": p.and_then(|p| p.contact_email.clone()),
                    "website": p.and_then(|p| p.website.clone()),
                    "phone": p.and_then(|p| p.phone.clone()),
                    "logo": p.is_some_and(|p| p.logo.is_some()),
                })
            };
            db::society_profiles::save(conn, &profile)?;
            audit::record(
                conn,
                audit::Change {
                    actor_user_id: Some(&actor),
                    society_id: Some(&society.id),
                    action: audit::Action::Update,
                    entity: audit::Entity::Society,
                    entity_id: &society.id,
                    before: Some(words(before.as_ref())),
                    after: Some(words(Some(&profile))),
                    at: now,
                },
            )?;
            Ok(profile)
        })
    })
    .await?;
    Ok((answer, profile))
}
