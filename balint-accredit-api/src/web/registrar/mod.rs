//! The registrar's pages: the dashboard, and changing an entry's status on
//! its page. Every page here is for a society's registrar (or a platform
//! administrator) and says so by answering anyone else "not allowed".

mod audit;
mod dashboard;
mod files;
mod logins;
mod pathway;
mod status;

use actix_web::web;
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
        web::resource("/reset/{token}")
            .route(web::get().to(logins::reset_form))
            .route(web::post().to(logins::reset)),
    );
}

/// The registrar's pages, in the order of the navigation they share.
const SECTIONS: [(&str, &str); 5] = [
    ("dashboard", "Dashboard"),
    ("logins", "Logins"),
    ("pathway", "Pathway"),
    ("register-files", "Import and export"),
    ("audit", "Audit log"),
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
