//! The public pages: the list of registers, a society's register with its
//! search, one entry with its public history, verification of a
//! registration, and of a credential; a credential's files (its JSON, its
//! baked badges, its printable certificate).

mod credential_files;
mod credentials;
mod entry;
mod search;
mod verify;

pub use credential_files::*;
pub use credentials::*;
pub use entry::*;
pub use search::*;
pub use verify::*;

use actix_web::{web, HttpRequest, HttpResponse};
use maud::{html, Markup};

use crate::db;
use crate::pagination::PageRequest;
use crate::state::AppState;
use crate::web::layout::{self};
use crate::web::{capitalised, finish, ok, words, Viewer};

/// Entries per page of the public register.
pub(super) const PER_PAGE: u32 = 20;

/// Register the public pages: the list of registers, a register and its
/// search, an entry, verification, and the pages' static files.
pub fn configure(cfg: &mut web::ServiceConfig) {
    let society = "/societies/{society}";
    cfg.service(web::resource("/").route(web::get().to(home)))
        .service(web::resource("/static/{file}").route(web::get().to(crate::web::assets::serve)))
        .service(web::resource(format!("{society}/register")).route(web::get().to(register)))
        .service(
            web::resource(format!("{society}/register/{{registration}}"))
                .route(web::get().to(entry)),
        )
        .service(web::resource("/verify/{society}/{registration}").route(web::get().to(verify)))
        .service(
            web::resource(format!(
                "{society}/register/{{registration}}/credential.{{format}}"
            ))
            .route(web::get().to(credential_download)),
        )
        .service(
            web::resource(format!("{society}/register/{{registration}}/certificate"))
                .route(web::get().to(certificate)),
        )
        .service(
            web::resource(format!(
                "{society}/register/{{registration}}/certificate.pdf"
            ))
            .route(web::get().to(certificate_pdf)),
        )
        .service(
            web::resource("/credentials/verify")
                .route(web::get().to(credential_form))
                .route(web::post().to(verify_credential)),
        )
        .service(web::resource(format!("{society}/logo")).route(web::get().to(logo)));
}

/// `GET /`: the societies, each linking to its register.
pub async fn home(req: HttpRequest, state: web::Data<AppState>, viewer: Viewer) -> HttpResponse {
    let result = async {
        let societies = db::run(&state.pool, |conn| {
            Ok(db::societies::list(
                conn,
                PageRequest {
                    page: 1,
                    per_page: 100,
                },
            )?)
        })
        .await?;
        Ok(ok(layout::page(
            &viewer,
            "Registers of accredited Balint group leaders",
            html! {
                h1 { "Registers of accredited Balint group leaders" }
                p class="lead" { "Find an accredited Balint group leader, or check that a registration was valid on a given day." }
                h2 { "Societies" }
                @if societies.items.is_empty() {
                    p { "No society keeps its register here yet." }
                } @else {
                    ul {
                        @for s in &societies.items {
                            li { a href={ "/societies/" (s.slug) "/register" } { (s.name) " — register" } }
                        }
                    }
                }
            },
        )))
    }
    .await;
    finish(&req, &viewer, result)
}

/// Any path nothing else answers (the app's default service): a 404 page
/// for a browser (it accepts `text/html`) outside `/api/`; the API's
/// problem+json for everything else.
pub async fn not_found(req: HttpRequest, viewer: Viewer) -> HttpResponse {
    let wants_page = !req.path().starts_with("/api/")
        && req
            .headers()
            .get(actix_web::http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"));
    if wants_page {
        finish(
            &req,
            &viewer,
            Err(crate::error::ApiError::unknown_resource().into()),
        )
    } else {
        actix_web::ResponseError::error_response(&crate::error::ApiError::unknown_resource())
    }
}

/// "Hobart, TAS", or a dash.
pub fn place(city: Option<&str>, region: Option<&str>) -> String {
    match (city, region) {
        (Some(c), Some(r)) => format!("{c}, {r}"),
        (Some(one), None) | (None, Some(one)) => one.to_owned(),
        (None, None) => "—".to_owned(),
    }
}

/// A status in words, marked up so it does not rely on colour.
pub fn status_word(status: &str) -> Markup {
    html! { span class={ "status status-" (status) } { (capitalised(&words(status))) } }
}

/// What each status of the register means, for the public.
pub const STATUS_MEANINGS: [(&str, &str); 6] = [
    ("accredited", "In good standing: accredited by the society to lead Balint groups."),
    ("suspended", "Not in good standing for now: the accreditation is paused while the society looks into something. It may be reinstated."),
    ("lapsed", "Not in good standing: the accreditation was not renewed in time."),
    ("revoked", "Not in good standing: the society withdrew the accreditation. This is final."),
    ("retired", "No longer leading groups as an accredited leader."),
    ("deceased", "The leader has died."),
];

/// The legend of the statuses, folded under its summary.
pub fn status_legend() -> Markup {
    html! {
        details class="legend" {
            summary { "What each status means" }
            ul class="legend-list" {
                @for (status, meaning) in STATUS_MEANINGS {
                    li { (status_word(status)) ": " (meaning) }
                }
            }
        }
    }
}

/// The standing a status gives, in words with a mark and a class (not in
/// colour alone): in good standing, or not.
pub fn standing(status: &str) -> Markup {
    html! {
        @if status == "accredited" {
            p class="standing standing-good" { span aria-hidden="true" { "✓ " } "In good standing" }
        } @else {
            p class="standing standing-not" { span aria-hidden="true" { "✗ " } "Not in good standing: " (words(status)) }
        }
    }
}

/// The page for a registration number that is not on the public register:
/// it may not exist, or its holder may not have agreed to be listed, and
/// the page cannot tell which (nor may it).
pub fn not_listed(society_name: &str, slug: &str, registration: &str) -> Markup {
    html! {
        p class="standing standing-unknown" { span aria-hidden="true" { "? " } "Not on the public register" }
        p { (registration) " is not on the public register of " (society_name) "." }
        p {
            "The public register lists only leaders who agreed to be listed, so a registration can exist without being shown here. "
            "Check the number, or ask the society's registrar to confirm it."
        }
        p { a href={ "/societies/" (slug) "/register" } { "Search the register" } }
    }
}

/// "Last updated" for a time, in the society's style.
pub fn last_updated(
    style: crate::web::dates::DateStyle,
    at: Option<chrono::NaiveDateTime>,
) -> Markup {
    html! {
        @if let Some(at) = at {
            p class="muted last-updated" { "Last updated " (layout::date(style, at.date())) "." }
        }
    }
}

/// "Dr Ada Moreau".
pub fn full_name(title: Option<&str>, name: &str) -> String {
    match title {
        Some(t) if !t.trim().is_empty() => format!("{t} {name}"),
        _ => name.to_owned(),
    }
}

pub(super) fn given(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// The society's own details on its public pages: its logo, and how to
/// reach it, as its registrar set them (nothing when none are set).
pub fn society_card(
    society: &crate::db::societies::Society,
    profile: &crate::db::society_profiles::Card,
) -> Markup {
    let has_contact =
        profile.contact_email.is_some() || profile.website.is_some() || profile.phone.is_some();
    html! {
        @if has_contact || profile.has_logo {
            aside class="society-card" aria-label={ "About " (society.name) } {
                @if profile.has_logo {
                    img src={ "/societies/" (society.slug) "/logo" } alt={ "Logo of " (society.name) } height="64";
                }
                @if has_contact {
                    ul {
                        @if let Some(email) = &profile.contact_email {
                            li { "Email: " a href={ "mailto:" (email) } { (email) } }
                        }
                        @if let Some(site) = &profile.website {
                            li { "Website: " a href=(site) rel="external noopener" { (site) } }
                        }
                        @if let Some(phone) = &profile.phone {
                            li { "Telephone: " (phone) }
                        }
                    }
                }
            }
        }
    }
}

/// `GET /societies/{society}/logo`: the logo its registrar set, as sent
/// (PNG or JPEG); 404 when there is none.
pub async fn logo(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
) -> HttpResponse {
    let result = async {
        let (_, profile) = crate::actions::societies::profile(&state, path.into_inner()).await?;
        match (profile.logo, profile.logo_type) {
            (Some(bytes), Some(kind)) => Ok(HttpResponse::Ok()
                .insert_header((actix_web::http::header::CONTENT_TYPE, kind))
                .insert_header((
                    actix_web::http::header::CACHE_CONTROL,
                    "public, max-age=300",
                ))
                .insert_header((
                    actix_web::http::header::CONTENT_SECURITY_POLICY,
                    "default-src 'none'; sandbox",
                ))
                .body(bytes)),
            _ => Err(crate::error::ApiError::NotFound("logo".to_owned()).into()),
        }
    }
    .await;
    finish(&req, &viewer, result)
}
