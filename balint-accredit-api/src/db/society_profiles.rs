//! A society's own details: how to reach it and its logo.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::society_profiles;
use crate::db::DbConnection;
use crate::error::ApiError;

/// A society's details as stored; every field may be empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = society_profiles, treat_none_as_null = true)]
pub struct Profile {
    pub society_id: String,
    pub contact_email: Option<String>,
    pub website: Option<String>,
    pub phone: Option<String>,
    /// The logo's bytes, as sent.
    pub logo: Option<Vec<u8>>,
    /// Its media type: `image/png` or `image/jpeg`.
    pub logo_type: Option<String>,
    pub updated_at: NaiveDateTime,
}

/// What a society's public pages show of its details: how to reach it,
/// and whether it has a logo (its bytes are not read).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Card {
    pub contact_email: Option<String>,
    pub website: Option<String>,
    pub phone: Option<String>,
    pub has_logo: bool,
}

/// `society_id`'s card for its public pages (empty when its registrar set
/// no details), without reading the logo.
pub fn card(conn: &mut DbConnection, society_id: &str) -> Result<Card, ApiError> {
    type CardColumns = (Option<String>, Option<String>, Option<String>, bool);
    let found: Option<CardColumns> = society_profiles::table
        .find(society_id)
        .select((
            society_profiles::contact_email,
            society_profiles::website,
            society_profiles::phone,
            society_profiles::logo.is_not_null(),
        ))
        .first(conn)
        .optional()?;
    Ok(found
        .map(|(contact_email, website, phone, has_logo)| Card {
            contact_email,
            website,
            phone,
            has_logo,
        })
        .unwrap_or_default())
}

impl From<&Profile> for Card {
    fn from(profile: &Profile) -> Self {
        Self {
            contact_email: profile.contact_email.clone(),
            website: profile.website.clone(),
            phone: profile.phone.clone(),
            has_logo: profile.logo.is_some(),
        }
    }
}

/// `society_id`'s details, if its registrar set any.
pub fn find(conn: &mut DbConnection, society_id: &str) -> Result<Option<Profile>, ApiError> {
    Ok(society_profiles::table
        .find(society_id)
        .select(Profile::as_select())
        .first(conn)
        .optional()?)
}

/// Store `profile`, replacing what was there.
pub fn save(conn: &mut DbConnection, profile: &Profile) -> Result<(), ApiError> {
    let updated = diesel::update(society_profiles::table.find(&profile.society_id))
        .set(profile)
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(society_profiles::table)
            .values(profile)
            .execute(conn)?;
    }
    Ok(())
}
