//! The public pages: the list of registers, a society's register with its
//! search, one entry with its public history, and verification.

mod entry;
mod search;
mod verify;

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
        .service(web::resource("/verify/{society}/{registration}").route(web::get().to(verify)));
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
