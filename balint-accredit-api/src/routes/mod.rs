//! The HTTP resources, one module each. Handlers are thin: parse, check
//! permissions (`auth::permissions`), call the queries in `db`, answer.

pub mod activities;
pub mod applications;
pub mod attestations;
pub mod audit;
pub mod auth;
pub mod calendars;
pub mod certificates;
pub mod credentials;
pub mod docs;
pub mod groups;
pub mod health;
pub mod mail;
pub mod overrides;
pub mod pathways;
pub mod people;
pub mod presets;
pub mod programmes;
pub mod progress;
pub mod register;
pub mod societies;
pub mod users;
pub mod verify;
pub mod watchlists;
pub mod webhooks;

use actix_web::body::BoxBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::from_fn;
use actix_web::{web, Resource};
use chrono::{DateTime, NaiveDateTime, Utc};
use validator::Validate;

use crate::error::ApiError;

/// Register every route.
///
/// Each path is one resource holding its routes by method, so a method
/// the path does not take is answered 405 with an `Allow` header (made
/// problem+json by `crate::conventions`), and a HEAD is answered as its
/// GET. Every resource of the API passes the authentication step
/// ([`crate::auth::caller::authenticate`]) first, once it is matched and
/// before its handler reads anything.
///
/// Paths sharing a prefix are nested in scopes, so a request is matched
/// against its prefix first and then only against the few paths under it
/// (each pattern is a regular expression tried in turn). A path no
/// resource takes falls through to the app's default service (404). A
/// scope that matches takes the request, so every route under a scope's
/// prefix must be inside that scope.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/healthz").route(web::get().to(health::healthz)))
        .service(resource("/readyz").route(web::get().to(health::readyz)))
        .service(resource("/.well-known/did.json").route(web::get().to(credentials::host_did)))
        .service(
            resource("/societies/{society}/did.json")
                .route(web::get().to(credentials::society_did)),
        )
        .service(
            web::scope("/api/v1")
                .service(resource("/openapi.json").route(web::get().to(docs::openapi_json)))
                .service(resource("/docs").route(web::get().to(docs::docs_page)))
                .service(resource("/auth/login").route(web::post().to(auth::login)))
                .service(resource("/auth/logout").route(web::post().to(auth::logout)))
                .service(resource("/auth/me").route(web::get().to(auth::me)))
                .service(
                    resource("/auth/password-reset").route(web::post().to(users::set_password)),
                )
                .service(
                    resource("/societies")
                        .route(web::post().to(societies::create))
                        .route(web::get().to(societies::list)),
                )
                .service(web::scope("/societies/{society}").configure(society_routes))
                .service(resource("/pathway-presets").route(web::get().to(presets::list)))
                .service(resource("/pathway-presets/{id}").route(web::get().to(presets::show)))
                .service(resource("/cpd-schemes").route(web::get().to(certificates::schemes)))
                .service(resource("/cpd-schemes/{id}").route(web::get().to(certificates::scheme)))
                .service(
                    resource("/certificates/{code}").route(web::get().to(certificates::verify)),
                )
                .service(resource("/me/attestations").route(web::get().to(attestations::mine)))
                .service(
                    resource("/watchlists")
                        .route(web::post().to(watchlists::create))
                        .route(web::get().to(watchlists::list)),
                )
                .service(
                    resource("/watchlists/{watchlist}")
                        .route(web::get().to(watchlists::show))
                        .route(web::delete().to(watchlists::delete)),
                )
                .service(
                    resource("/watchlists/{watchlist}/registrations")
                        .route(web::post().to(watchlists::add)),
                )
                .service(
                    resource("/watchlists/{watchlist}/registrations/{registration}")
                        .route(web::delete().to(watchlists::remove)),
                )
                .service(
                    resource("/verify/{society}/{registration}")
                        .route(web::get().to(verify::verify)),
                )
                .service(resource("/credentials/verify").route(web::post().to(credentials::verify)))
                .service(
                    resource("/credentials/standards/{name}")
                        .route(web::get().to(credentials::standard)),
                ),
        );
}

/// One path of the API, behind the authentication step.
fn resource(
    path: &str,
) -> Resource<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<BoxBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    web::resource(path).wrap(from_fn(crate::auth::caller::authenticate))
}

/// Everything under `/societies/{society}`.
fn society_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("").route(web::get().to(societies::show)))
        .service(
            resource("/profile")
                .route(web::get().to(societies::profile))
                .route(web::put().to(societies::set_profile)),
        )
        .service(
            resource("/retention")
                .route(web::get().to(societies::retention))
                .route(web::put().to(societies::set_retention)),
        )
        .service(
            resource("/users")
                .route(web::post().to(users::create))
                .route(web::get().to(users::list)),
        )
        .service(resource("/users/{user}/disable").route(web::post().to(users::disable)))
        .service(resource("/users/{user}/enable").route(web::post().to(users::enable)))
        .service(
            resource("/users/{user}/password-reset").route(web::post().to(users::password_reset)),
        )
        .service(resource("/audit").route(web::get().to(audit::list)))
        .service(resource("/status-lists/{purpose}").route(web::get().to(credentials::status_list)))
        .service(resource("/issuer/keys").route(web::post().to(credentials::rotate_key)))
        .service(
            resource("/webhooks")
                .route(web::post().to(webhooks::create))
                .route(web::get().to(webhooks::list)),
        )
        .service(
            resource("/webhooks/{endpoint}")
                .route(web::get().to(webhooks::show))
                .route(web::delete().to(webhooks::delete)),
        )
        .service(resource("/webhooks/{endpoint}/enable").route(web::post().to(webhooks::enable)))
        .service(
            resource("/webhooks/{endpoint}/rotate-secret")
                .route(web::post().to(webhooks::rotate_secret)),
        )
        .service(resource("/webhook-deliveries").route(web::get().to(webhooks::deliveries)))
        .service(
            resource("/webhook-deliveries/{delivery}").route(web::get().to(webhooks::delivery)),
        )
        .service(
            resource("/webhook-deliveries/{delivery}/replay")
                .route(web::post().to(webhooks::replay)),
        )
        .service(resource("/outbox").route(web::get().to(webhooks::outbox)))
        .service(resource("/mail").route(web::get().to(mail::list)))
        .service(
            web::scope("/pathway")
                .service(
                    resource("")
                        .route(web::put().to(pathways::upload))
                        .route(web::get().to(pathways::current)),
                )
                .service(resource("/adopt").route(web::post().to(pathways::adopt)))
                .service(resource("/versions").route(web::get().to(pathways::versions)))
                .service(resource("/versions/{number}").route(web::get().to(pathways::version))),
        )
        .service(
            web::scope("/people")
                .service(
                    resource("")
                        .route(web::post().to(people::create))
                        .route(web::get().to(people::list)),
                )
                .service(web::scope("/{person}").configure(person_routes)),
        )
        .service(
            web::scope("/programmes")
                .service(
                    resource("")
                        .route(web::post().to(programmes::create))
                        .route(web::get().to(programmes::list)),
                )
                .service(
                    resource("/{programme}/trainees")
                        .route(web::post().to(programmes::add_trainee)),
                )
                .service(
                    resource("/{programme}/attendance")
                        .route(web::get().to(programmes::attendance)),
                )
                .service(
                    resource("/{programme}/attendance/export")
                        .route(web::get().to(programmes::export)),
                ),
        )
        .service(web::scope("/activities/{activity}").configure(activity_routes))
        .service(resource("/attestations/bulk").route(web::post().to(attestations::bulk)))
        .service(web::scope("/groups").configure(group_routes))
        .service(web::scope("/register").configure(register_routes))
        .service(web::scope("/applications").configure(application_routes));
}

/// Under `/societies/{society}/people/{person}`: the person, their ledger,
/// progress, applications and overrides.
fn person_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("")
            .route(web::get().to(people::show))
            .route(web::patch().to(people::update)),
    )
    .service(resource("/data-export").route(web::get().to(people::data_export)))
    .service(resource("/erasure").route(web::post().to(people::erasure)))
    .service(
        resource("/activities")
            .route(web::post().to(activities::create))
            .route(web::get().to(activities::list)),
    )
    .service(resource("/activities/bulk").route(web::post().to(activities::bulk)))
    .service(resource("/activities/export").route(web::get().to(activities::export)))
    .service(resource("/progress").route(web::get().to(progress::show)))
    .service(
        resource("/calendar")
            .route(web::post().to(calendars::make))
            .route(web::get().to(calendars::show))
            .route(web::delete().to(calendars::revoke)),
    )
    .service(
        resource("/certificates")
            .route(web::post().to(certificates::issue))
            .route(web::get().to(certificates::list)),
    )
    .service(
        resource("/applications")
            .route(web::post().to(applications::apply))
            .route(web::get().to(applications::list_for_person)),
    )
    .service(
        resource("/overrides")
            .route(web::post().to(overrides::record))
            .route(web::get().to(overrides::list)),
    );
}

/// Under `/societies/{society}/activities/{activity}`: one ledger record
/// and its attestation.
fn activity_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("")
            .route(web::get().to(activities::show))
            .route(web::patch().to(activities::update))
            .route(web::delete().to(activities::withdraw)),
    )
    .service(resource("/attestation").route(web::post().to(attestations::attest)));
}

/// Under `/societies/{society}/groups`: the groups, their leaders and
/// members, their sessions, and the sessions planned ahead.
fn group_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("")
            .route(web::post().to(groups::create))
            .route(web::get().to(groups::list)),
    )
    .service(
        web::scope("/{group}")
            .service(
                resource("")
                    .route(web::get().to(groups::show))
                    .route(web::patch().to(groups::update)),
            )
            .service(resource("/leaders").route(web::post().to(groups::add_leader)))
            .service(resource("/leaders/{leader}/end").route(web::post().to(groups::end_leader)))
            .service(resource("/members").route(web::post().to(groups::add_member)))
            .service(resource("/members/{member}/end").route(web::post().to(groups::end_member)))
            .service(
                resource("/sessions")
                    .route(web::post().to(groups::record_session))
                    .route(web::get().to(groups::sessions_list)),
            )
            .service(
                resource("/sessions/{session}")
                    .route(web::get().to(groups::session_show))
                    .route(web::patch().to(groups::session_correct)),
            )
            .service(
                resource("/planned-sessions")
                    .route(web::post().to(groups::plan_schedule))
                    .route(web::get().to(groups::plans_list)),
            )
            .service(
                resource("/planned-sessions/{plan}").route(web::patch().to(groups::plan_change)),
            )
            .service(
                resource("/planned-sessions/{plan}/cancel")
                    .route(web::post().to(groups::plan_cancel)),
            ),
    );
}

/// Under `/societies/{society}/register`. The fixed paths come before
/// `{registration}`.
fn register_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("")
            .route(web::get().to(register::list))
            .route(web::post().to(register::grant)),
    )
    .service(resource("/due").route(web::get().to(register::due)))
    .service(resource("/lapse").route(web::post().to(register::lapse)))
    .service(resource("/export").route(web::get().to(register::export)))
    .service(resource("/import").route(web::post().to(register::import)))
    .service(
        web::scope("/{registration}")
            .service(resource("").route(web::get().to(register::show)))
            .service(resource("/status").route(web::post().to(register::change_status)))
            .service(resource("/renewals").route(web::post().to(register::renew)))
            .service(resource("/credential").route(web::get().to(credentials::download)))
            .service(resource("/credential.svg").route(web::get().to(credentials::badge)))
            .service(resource("/credential.png").route(web::get().to(credentials::badge_png))),
    );
}

/// Under `/societies/{society}/applications`: the registrar's list and
/// decisions.
fn application_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("").route(web::get().to(applications::list)))
        .service(resource("/{application}").route(web::get().to(applications::show)))
        .service(resource("/{application}/decision").route(web::post().to(applications::decide)));
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
