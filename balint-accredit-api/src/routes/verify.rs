//! Verifying a registration: what it stood for on a given day, for
//! employers and other societies. Public, for listed people only.

use actix_web::web;
use balint_core::register::Status;
use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use crate::actions::register::verify::{self as action, Verified};
use crate::day::Day;
use crate::edge::Query;
use crate::error::{ApiError, Problem};
use crate::routes::register::{AsOfQuery, TierView};
use crate::state::AppState;

/// What a registration stood for on a day: the answer to "was this person
/// accredited on that date?".
#[derive(Debug, Serialize, ToSchema)]
pub struct Verification {
    /// The society's slug.
    pub society: String,
    pub registration: String,
    pub title: Option<String>,
    pub name: String,
    pub city: Option<String>,
    pub region: Option<String>,
    /// The day asked about.
    pub as_of: NaiveDate,
    /// Whether the entry existed that day (false before its first grant).
    pub on_register: bool,
    /// The status that day (null before the first grant).
    pub status: Option<String>,
    /// Whether the person was accredited (in good standing) that day.
    pub accredited: bool,
    /// The tier most recently granted by that day.
    pub tier: Option<String>,
    /// The tiers granted by that day (held only while accredited).
    pub tiers: Vec<TierView>,
    pub first_accredited: NaiveDate,
    /// The last day of the cycle the entry was running under that day.
    pub valid_until: Option<NaiveDate>,
}

/// Verify a registration (public): its status on `as_of` (default today).
/// Only people who consented to be listed can be verified; an unknown or
/// unlisted number gets the same 404.
#[utoipa::path(get, path = "/api/v1/verify/{society}/{registration}", tag = "register",
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("registration" = String, Path, description = "The registration number"),
        AsOfQuery,
    ),
    responses(
        (status = 200, description = "The registration on that day", body = Verification),
        (status = 400, description = "Invalid date", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such registration, or not listed", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn verify(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    query: Query<AsOfQuery>,
) -> Result<web::Json<Verification>, ApiError> {
    let (slug, registration) = path.into_inner();
    let verified = action::verify(&state, slug, registration, query.as_of.map(Day::date)).await?;
    Ok(web::Json(Verification::from(verified)))
}

impl From<Verified> for Verification {
    fn from(verified: Verified) -> Self {
        let Verified {
            society,
            stored,
            person,
            as_of,
            standing,
        } = verified;
        let entry = &stored.entry;
        Self {
            society: society.slug,
            registration: entry.registration().as_str().to_owned(),
            title: person.title.clone(),
            name: person.name(),
            city: person.city.clone(),
            region: person.region.clone(),
            as_of,
            on_register: standing.is_some(),
            status: standing.as_ref().map(|s| s.status.as_str().to_owned()),
            accredited: standing
                .as_ref()
                .is_some_and(|s| s.status == Status::Accredited),
            tier: standing.as_ref().map(|s| s.tier.as_str().to_owned()),
            tiers: standing
                .as_ref()
                .map(|s| {
                    s.tiers
                        .iter()
                        .map(|held| TierView {
                            tier: held.tier.as_str().to_owned(),
                            reached: held.reached,
                        })
                        .collect()
                })
                .unwrap_or_default(),
            first_accredited: entry.first_accredited(),
            valid_until: standing.and_then(|s| s.valid_until),
        }
    }
}
