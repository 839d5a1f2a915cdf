//! The HTTP resources, one module each. Handlers are thin: parse, check
//! permissions (`auth::permissions`), call the queries in `db`, answer.

pub mod activities;
pub mod applications;
pub mod attestations;
pub mod audit;
pub mod auth;
pub mod docs;
pub mod health;
pub mod overrides;
pub mod pathways;
pub mod people;
pub mod presets;
pub mod progress;
pub mod register;
pub mod societies;
pub mod users;
pub mod verify;

use actix_web::web;
use chrono::{DateTime, NaiveDateTime, Utc};
use validator::Validate;

use crate::error::ApiError;

/// Register every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .service(
            web::scope("/api/v1")
                .route("/openapi.json", web::get().to(docs::openapi_json))
                .route("/docs", web::get().to(docs::docs_page))
                .route("/auth/login", web::post().to(auth::login))
                .route("/auth/logout", web::post().to(auth::logout))
                .route("/auth/me", web::get().to(auth::me))
                .route("/societies", web::post().to(societies::create))
                .route("/societies", web::get().to(societies::list))
                .route("/societies/{society}", web::get().to(societies::show))
                .route("/societies/{society}/users", web::post().to(users::create))
                .route("/societies/{society}/audit", web::get().to(audit::list))
                .route(
                    "/societies/{society}/pathway",
                    web::put().to(pathways::upload),
                )
                .route(
                    "/societies/{society}/pathway",
                    web::get().to(pathways::current),
                )
                .route(
                    "/societies/{society}/pathway/adopt",
                    web::post().to(pathways::adopt),
                )
                .route(
                    "/societies/{society}/pathway/versions",
                    web::get().to(pathways::versions),
                )
                .route(
                    "/societies/{society}/pathway/versions/{number}",
                    web::get().to(pathways::version),
                )
                .route("/pathway-presets", web::get().to(presets::list))
                .route("/pathway-presets/{id}", web::get().to(presets::show))
                .route(
                    "/societies/{society}/people",
                    web::post().to(people::create),
                )
                .route("/societies/{society}/people", web::get().to(people::list))
                .route(
                    "/societies/{society}/people/{person}",
                    web::get().to(people::show),
                )
                .route(
                    "/societies/{society}/people/{person}",
                    web::patch().to(people::update),
                )
                .configure(ledger_routes)
                .configure(register_routes)
                .configure(application_routes),
        );
}

/// The ledger: activities, attestation, progress.
fn ledger_routes(cfg: &mut web::ServiceConfig) {
    let person = "/societies/{society}/people/{person}";
    let record = "/societies/{society}/activities/{activity}";
    cfg.route(
        &format!("{person}/activities"),
        web::post().to(activities::create),
    )
    .route(
        &format!("{person}/activities"),
        web::get().to(activities::list),
    )
    .route(
        &format!("{person}/activities/bulk"),
        web::post().to(activities::bulk),
    )
    .route(
        &format!("{person}/activities/export"),
        web::get().to(activities::export),
    )
    .route(&format!("{person}/progress"), web::get().to(progress::show))
    .route(record, web::get().to(activities::show))
    .route(record, web::patch().to(activities::update))
    .route(record, web::delete().to(activities::withdraw))
    .route(
        &format!("{record}/attestation"),
        web::post().to(attestations::attest),
    )
    .route("/me/attestations", web::get().to(attestations::mine));
}

/// The register. The fixed paths come before `{registration}`.
fn register_routes(cfg: &mut web::ServiceConfig) {
    let register = "/societies/{society}/register";
    let entry = "/societies/{society}/register/{registration}";
    cfg.route(register, web::get().to(register::list))
        .route(register, web::post().to(register::grant))
        .route(&format!("{register}/due"), web::get().to(register::due))
        .route(
            &format!("{register}/lapse"),
            web::post().to(register::lapse),
        )
        .route(
            &format!("{register}/export"),
            web::get().to(register::export),
        )
        .route(
            &format!("{register}/import"),
            web::post().to(register::import),
        )
        .route(entry, web::get().to(register::show))
        .route(
            &format!("{entry}/status"),
            web::post().to(register::change_status),
        )
        .route(
            &format!("{entry}/renewals"),
            web::post().to(register::renew),
        )
        .route(
            "/verify/{society}/{registration}",
            web::get().to(verify::verify),
        );
}

/// Applications for a tier and the registrar's decisions.
fn application_routes(cfg: &mut web::ServiceConfig) {
    let applications = "/societies/{society}/applications";
    cfg.route(
        "/societies/{society}/people/{person}/applications",
        web::post().to(applications::apply),
    )
    .route(
        "/societies/{society}/people/{person}/applications",
        web::get().to(applications::list_for_person),
    )
    .route(applications, web::get().to(applications::list))
    .route(
        &format!("{applications}/{{application}}"),
        web::get().to(applications::show),
    )
    .route(
        &format!("{applications}/{{application}}/decision"),
        web::post().to(applications::decide),
    )
    .route(
        "/societies/{society}/people/{person}/overrides",
        web::post().to(overrides::record),
    )
    .route(
        "/societies/{society}/people/{person}/overrides",
        web::get().to(overrides::list),
    );
}

/// Any path no route matches.
pub async fn not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::NotFound("resource".to_owned()))
}

/// Validate a request body: every field problem becomes one entry of a 422.
pub fn validated<T: Validate>(body: T) -> Result<T, ApiError> {
    body.validate()?;
    Ok(body)
}

/// A stored timestamp as UTC.
pub fn utc(at: NaiveDateTime) -> DateTime<Utc> {
    at.and_utc()
}
