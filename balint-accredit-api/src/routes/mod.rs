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
///
/// Routes sharing a prefix are nested in scopes, so a request is matched
/// against its prefix first and then only against the few routes under it
/// (each pattern is a regular expression tried in turn). Every route stays
/// its own resource guarded by its method, exactly as `.route()` makes it:
/// a request no route takes, whatever its method, falls through to the
/// app's default service (404). A scope that matches takes the request, so
/// every route under a scope's prefix must be inside that scope.
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
                .service(web::scope("/societies/{society}").configure(society_routes))
                .route("/pathway-presets", web::get().to(presets::list))
                .route("/pathway-presets/{id}", web::get().to(presets::show))
                .route("/me/attestations", web::get().to(attestations::mine))
                .route(
                    "/verify/{society}/{registration}",
                    web::get().to(verify::verify),
                ),
        );
}

/// Everything under `/societies/{society}`.
fn society_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(societies::show))
        .route("/users", web::post().to(users::create))
        .route("/audit", web::get().to(audit::list))
        .service(
            web::scope("/pathway")
                .route("", web::put().to(pathways::upload))
                .route("", web::get().to(pathways::current))
                .route("/adopt", web::post().to(pathways::adopt))
                .route("/versions", web::get().to(pathways::versions))
                .route("/versions/{number}", web::get().to(pathways::version)),
        )
        .service(
            web::scope("/people")
                .route("", web::post().to(people::create))
                .route("", web::get().to(people::list))
                .service(web::scope("/{person}").configure(person_routes)),
        )
        .service(web::scope("/activities/{activity}").configure(activity_routes))
        .service(web::scope("/register").configure(register_routes))
        .service(web::scope("/applications").configure(application_routes));
}

/// Under `/societies/{society}/people/{person}`: the person, their ledger,
/// progress, applications and overrides.
fn person_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(people::show))
        .route("", web::patch().to(people::update))
        .route("/activities", web::post().to(activities::create))
        .route("/activities", web::get().to(activities::list))
        .route("/activities/bulk", web::post().to(activities::bulk))
        .route("/activities/export", web::get().to(activities::export))
        .route("/progress", web::get().to(progress::show))
        .route("/applications", web::post().to(applications::apply))
        .route(
            "/applications",
            web::get().to(applications::list_for_person),
        )
        .route("/overrides", web::post().to(overrides::record))
        .route("/overrides", web::get().to(overrides::list));
}

/// Under `/societies/{society}/activities/{activity}`: one ledger record
/// and its attestation.
fn activity_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(activities::show))
        .route("", web::patch().to(activities::update))
        .route("", web::delete().to(activities::withdraw))
        .route("/attestation", web::post().to(attestations::attest));
}

/// Under `/societies/{society}/register`. The fixed paths come before
/// `{registration}`.
fn register_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(register::list))
        .route("", web::post().to(register::grant))
        .route("/due", web::get().to(register::due))
        .route("/lapse", web::post().to(register::lapse))
        .route("/export", web::get().to(register::export))
        .route("/import", web::post().to(register::import))
        .service(
            web::scope("/{registration}")
                .route("", web::get().to(register::show))
                .route("/status", web::post().to(register::change_status))
                .route("/renewals", web::post().to(register::renew)),
        );
}

/// Under `/societies/{society}/applications`: the registrar's list and
/// decisions.
fn application_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(applications::list))
        .route("/{application}", web::get().to(applications::show))
        .route(
            "/{application}/decision",
            web::post().to(applications::decide),
        );
}

/// Any path no route matches.
pub async fn not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::unknown_resource())
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
