//! The registrar's pages: the dashboard; people and their overrides;
//! applications and decisions; renewals and the lapse job; logins and
//! password links; training programmes and their attendance; the
//! pathway's versions; importing and exporting the register; the audit
//! log; webhooks and the outbox; e-mail waiting and sent; and changing an entry's status on its
//! page.
//! Every page here is for a society's registrar (or a platform
//! administrator) and says so by answering anyone else "not allowed".

mod applications;
mod audit;
mod dashboard;
mod files;
mod logins;
mod mail;
mod pathway;
mod people;
mod personal_data;
mod programmes;
mod renewals;
mod retention;
mod society;
mod status;
mod webhooks;

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
    )
    .service(
        web::resource(format!("{society}/people/{{person}}/data"))
            .route(web::get().to(personal_data::summary)),
    )
    .service(
        web::resource(format!("{society}/people/{{person}}/data/export.json"))
            .route(web::get().to(personal_data::download)),
    )
    .service(
        web::resource(format!("{society}/people/{{person}}/data/erasure"))
            .route(web::post().to(personal_data::erase)),
    )
    .service(web::resource(format!("{society}/pathway")).route(web::get().to(pathway::overview)))
    .service(
        web::resource(format!("{society}/pathway/adopt")).route(web::post().to(pathway::adopt)),
    )
    .service(
        web::resource(format!("{society}/pathway/upload")).route(web::post().to(pathway::upload)),
    )
    .service(
        web::resource(format!("{society}/pathway/versions/{{number}}"))
            .route(web::get().to(pathway::version)),
    )
    .service(
        web::resource(format!("{society}/pathway/compare")).route(web::get().to(pathway::compare)),
    )
    .service(web::resource(format!("{society}/audit")).route(web::get().to(audit::audit_log)))
    .service(
        web::resource(format!("{society}/programmes"))
            .route(web::get().to(programmes::list))
            .route(web::post().to(programmes::create)),
    )
    .service(
        web::resource(format!("{society}/programmes/{{programme}}"))
            .route(web::get().to(programmes::show)),
    )
    .service(
        web::resource(format!("{society}/programmes/{{programme}}/export"))
            .route(web::get().to(programmes::export)),
    )
    .service(
        web::resource(format!("{society}/programmes/{{programme}}/trainees"))
            .route(web::post().to(programmes::add_trainee)),
    )
    .service(
        web::resource(format!("{society}/settings"))
            .route(web::get().to(society::form))
            .route(web::post().to(society::save)),
    )
    .service(
        web::resource(format!("{society}/retention"))
            .route(web::get().to(retention::form))
            .route(web::post().to(retention::save)),
    )
    .service(web::resource(format!("{society}/register-files")).route(web::get().to(files::files)))
    .service(
        web::resource(format!("{society}/register-files/export"))
            .route(web::get().to(files::export)),
    )
    .service(
        web::resource(format!("{society}/register-files/import"))
            .route(web::post().to(files::import)),
    )
    .service(
        web::resource(format!("{society}/logins"))
            .route(web::get().to(logins::list))
            .route(web::post().to(logins::create)),
    )
    .service(
        web::resource(format!("{society}/logins/{{user}}/disable"))
            .route(web::post().to(logins::disable)),
    )
    .service(
        web::resource(format!("{society}/logins/{{user}}/enable"))
            .route(web::post().to(logins::enable)),
    )
    .service(
        web::resource(format!("{society}/logins/{{user}}/password-link"))
            .route(web::post().to(logins::password_link)),
    )
    .service(
        web::resource(format!("{society}/webhooks"))
            .route(web::get().to(webhooks::page))
            .route(web::post().to(webhooks::create)),
    )
    .service(
        web::resource(format!("{society}/webhooks/{{endpoint}}/delete"))
            .route(web::post().to(webhooks::delete)),
    )
    .service(
        web::resource(format!("{society}/webhooks/{{endpoint}}/enable"))
            .route(web::post().to(webhooks::enable)),
    )
    .service(
        web::resource(format!("{society}/webhooks/{{endpoint}}/rotate"))
            .route(web::post().to(webhooks::rotate)),
    )
    .service(
        web::resource(format!("{society}/webhook-deliveries/{{delivery}}"))
            .route(web::get().to(webhooks::delivery)),
    )
    .service(
        web::resource(format!("{society}/webhook-deliveries/{{delivery}}/replay"))
            .route(web::post().to(webhooks::replay)),
    )
    .service(web::resource(format!("{society}/mail")).route(web::get().to(mail::page)))
    .service(
        web::resource("/reset/{token}")
            .route(web::get().to(logins::reset_form))
            .route(web::post().to(logins::reset)),
    );
}

/// The registrar's pages, in the order of the navigation they share.
const SECTIONS: [(&str, &str); 13] = [
    ("dashboard", "Dashboard"),
    ("people", "People"),
    ("groups", "Groups"),
    ("applications", "Applications"),
    ("renewals", "Renewals"),
    ("programmes", "Training programmes"),
    ("logins", "Logins"),
    ("pathway", "Pathway"),
    ("register-files", "Import and export"),
    ("audit", "Audit log"),
    ("webhooks", "Webhooks"),
    ("mail", "E-mail"),
    ("settings", "Society details"),
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
