//! The registrar's pages: the dashboard, and changing an entry's status on
//! its page. Every page here is for a society's registrar (or a platform
//! administrator) and says so by answering anyone else "not allowed".

mod applications;
mod dashboard;
mod people;
mod renewals;
mod status;

use actix_web::web;

use crate::error::ApiError;
use maud::{html, Markup};

pub use status::{status_form, StatusForm};

/// Register the registrar's pages.
pub fn configure(cfg: &mut web::ServiceConfig) {
    let society = "/societies/{society}";
    cfg.service(
        web::resource(format!("{society}/register/{{registration}}/status"))
            .route(web::post().to(status::change_status)),
    )
    .service(
        web::resource(format!("{society}/dashboard")).route(web::get().to(dashboard::dashboard)),
    )
    .service(
        web::resource(format!("{society}/people"))
            .route(web::get().to(people::list))
            .route(web::post().to(people::create)),
    )
    .service(
        web::resource(format!("{society}/applications")).route(web::get().to(applications::list)),
    )
    .service(
        web::resource(format!("{society}/applications/{{application}}"))
            .route(web::get().to(applications::show))
            .route(web::post().to(applications::decide)),
    )
    .service(web::resource(format!("{society}/renewals")).route(web::get().to(renewals::list)))
    // Before `{registration}`, which would take "lapse" as a number.
    .service(
        web::resource(format!("{society}/renewals/lapse"))
            .route(web::post().to(renewals::run_lapse)),
    )
    .service(
        web::resource(format!("{society}/renewals/{{registration}}"))
            .route(web::get().to(renewals::form))
            .route(web::post().to(renewals::renew)),
    )
    // Before `{person}`, which would take "new" as a person's id.
    .service(web::resource(format!("{society}/people/new")).route(web::get().to(people::new_form)))
    .service(
        web::resource(format!("{society}/people/{{person}}"))
            .route(web::get().to(people::show))
            .route(web::post().to(people::change)),
    )
    .service(
        web::resource(format!("{society}/people/{{person}}/overrides"))
            .route(web::post().to(people::record_override)),
    );
}

/// The registrar's pages, in the order of the navigation they share.
const SECTIONS: [(&str, &str); 4] = [
    ("dashboard", "Dashboard"),
    ("people", "People"),
    ("applications", "Applications"),
    ("renewals", "Renewals"),
];

/// The navigation between the registrar's pages of society `slug`;
/// `current` is the section (the last part of its path) being shown.
pub fn nav(slug: &str, current: &str) -> Markup {
    html! {
        nav class="section-nav" aria-label="Registrar" {
            ul {
                @for (section, label) in SECTIONS {
                    li {
                        @if section == current {
                            a href={ "/societies/" (slug) "/" (section) } aria-current="page" { (label) }
                        } @else {
                            a href={ "/societies/" (slug) "/" (section) } { (label) }
                        }
                    }
                }
            }
        }
    }
}

/// The page number of `?page=` (1 when there is none); a bad one is
/// refused as the API refuses it.
pub(super) fn page_number(page: Option<&str>) -> Result<u32, ApiError> {
    match page.map(str::trim).filter(|p| !p.is_empty()) {
        None => Ok(1),
        Some(p) => p
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=1_000_000).contains(n))
            .ok_or_else(|| {
                ApiError::bad_request("page", "must be a whole number from 1 to 1000000")
            }),
    }
}
