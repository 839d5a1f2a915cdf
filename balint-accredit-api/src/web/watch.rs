//! Watching entries of a register without a login: the register's "Watch
//! entries" page (an address and numbers), the confirmation link's page,
//! and the manage link's page (the numbers watched, add, remove, stop).
//!
//! The links are the address's secrets (no sign-in, no CSRF token, as the
//! unsubscribe link). The first form has no session to protect either: all
//! it can do is send one confirmation message, at most
//! [`CONFIRMATIONS_PER_DAY`] a day to an address.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::{html, Markup};
use serde::Deserialize;

use crate::actions::watchlists::{self, Change, Shown, CONFIRMATIONS_PER_DAY, MAX_NUMBERS};
use crate::app::AppState;
use crate::edge::Form;
use crate::error::{ApiError, FieldProblem};
use crate::web::layout::{self, notice};
use crate::web::{finish, page_response, see_other, PageError, Viewer};

/// Register the pages.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/societies/{society}/watch")
            .route(web::get().to(form))
            .route(web::post().to(request)),
    )
    .service(
        web::resource("/watch/confirm/{token}")
            .route(web::get().to(confirm_page))
            .route(web::post().to(confirm)),
    )
    .service(web::resource("/watch/{token}").route(web::get().to(manage)))
    .service(web::resource("/watch/{token}/add").route(web::post().to(add)))
    .service(web::resource("/watch/{token}/remove").route(web::post().to(remove)))
    .service(web::resource("/watch/{token}/stop").route(web::post().to(stop)));
}

/// The "Watch entries" form.
#[derive(Debug, Default, Deserialize)]
pub struct WatchForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    registrations: String,
}

/// A form naming numbers.
#[derive(Debug, Default, Deserialize)]
pub struct NumbersForm {
    #[serde(default)]
    registrations: String,
}

fn problems(list: &[FieldProblem]) -> Markup {
    html! {
        div class="error-summary" role="alert" {
            h2 { "There is a problem" }
            ul { @for p in list { li { (p.message) } } }
        }
    }
}

fn draw_form(
    viewer: &Viewer,
    slug: &str,
    society: &str,
    typed: &WatchForm,
    refused: &[FieldProblem],
) -> HttpResponse {
    let title = format!("Watch entries of the register of {society}");
    let status = if refused.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    page_response(
        status,
        layout::page(
            viewer,
            &title,
            html! {
                h1 { (title) }
                p { "Be told by e-mail when an entry you watch changes status: granted, renewed, suspended, reinstated, revoked or lapsed, with the reason where the register shows one. You are told only what the public register shows." }
                p { "We send one message to confirm the address, and nothing else until you confirm. Every alert has a link to change what you watch or stop. At most " (MAX_NUMBERS) " numbers; at most " (CONFIRMATIONS_PER_DAY) " confirmation messages to an address a day." }
                @if !refused.is_empty() { (problems(refused)) }
                form class="stacked" method="post" action={ "/societies/" (slug) "/watch" } {
                    div class="field" {
                        label for="email" { "Your e-mail address" }
                        input type="email" id="email" name="email" value=(typed.email) required;
                    }
                    div class="field" {
                        label for="registrations" { "Registration numbers" span class="hint" { "One or many, separated by spaces, commas or new lines, e.g. BSANZ-0042" } }
                        textarea id="registrations" name="registrations" rows="4" required { (typed.registrations) }
                    }
                    button type="submit" { "Watch these entries" }
                }
            },
        ),
    )
}

/// `GET /societies/{society}/watch`.
pub async fn form(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
) -> HttpResponse {
    let slug = path.into_inner();
    let result = async {
        let society = crate::actions::society(&state, slug.clone()).await?;
        Ok(draw_form(
            &viewer,
            &slug,
            &society.name,
            &WatchForm::default(),
            &[],
        ))
    }
    .await;
    finish(&req, &viewer, result)
}

/// `POST /societies/{society}/watch`: the address is sent its
/// confirmation; refused numbers listed one by one.
pub async fn request(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
    form: Form<WatchForm>,
) -> HttpResponse {
    let slug = path.into_inner();
    let typed = form.into_inner();
    let result = async {
        let society = crate::actions::society(&state, slug.clone()).await?;
        match watchlists::watch_by_email(
            &state,
            slug.clone(),
            typed.email.clone(),
            vec![typed.registrations.clone()],
        )
        .await
        {
            Ok(shown) => {
                let title = "Check your e-mail";
                Ok(page_response(
                    StatusCode::OK,
                    layout::page(
                        &viewer,
                        title,
                        html! {
                            h1 { (title) }
                            p { "We sent a message to " strong { (shown.watchlist.email.unwrap_or_default()) } " with a link to confirm you want to watch "
                                (shown.registrations.join(", ")) " on the register of " (society.name) "." }
                            p { "Nothing else is sent to the address until you confirm." }
                        },
                    ),
                ))
            }
            Err(ApiError::Unprocessable { errors, .. }) => {
                Ok(draw_form(&viewer, &slug, &society.name, &typed, &errors))
            }
            Err(e) => Err(PageError::from(e)),
        }
    }
    .await;
    finish(&req, &viewer, result)
}

/// `GET /watch/confirm/{token}`: a button that confirms (a link opened by
/// a mail scanner confirms nothing).
pub async fn confirm_page(
    req: HttpRequest,
    viewer: Viewer,
    path: web::Path<String>,
) -> HttpResponse {
    let token = path.into_inner();
    let title = "Confirm watching entries";
    finish(
        &req,
        &viewer,
        Ok(page_response(
            StatusCode::OK,
            layout::page(
                &viewer,
                title,
                html! {
                    h1 { (title) }
                    p { "Confirm that you want to be told by e-mail when the entries you named change status." }
                    form method="post" action={ "/watch/confirm/" (token) } {
                        button type="submit" { "Confirm" }
                    }
                },
            ),
        )),
    )
}

/// `POST /watch/confirm/{token}`: confirmed; on to the manage page.
pub async fn confirm(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
) -> HttpResponse {
    let result = async {
        let shown = watchlists::confirm(&state, path.into_inner()).await?;
        Ok(see_other(&format!(
            "/watch/{}?done=confirmed",
            shown.watchlist.manage_token
        )))
    }
    .await;
    finish(&req, &viewer, result)
}

/// The manage page's query: what was just done.
#[derive(Debug, Default, Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

fn draw_manage(
    viewer: &Viewer,
    token: &str,
    shown: &Shown,
    message: Option<&str>,
    refused: &[FieldProblem],
) -> HttpResponse {
    let title = format!(
        "Entries you watch on the register of {}",
        shown.society.name
    );
    let status = if refused.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    page_response(
        status,
        layout::page(
            viewer,
            &title,
            html! {
                h1 { (title) }
                @if let Some(message) = message { (notice(message)) }
                p { "Alerts go to " strong { (shown.watchlist.email.clone().unwrap_or_default()) } "."
                    @if shown.watchlist.confirmed_at.is_none() { " The address is not confirmed yet: nothing is sent until it is." } }
                @if shown.registrations.is_empty() {
                    p { "You watch no entries." }
                } @else {
                    table class="stack" {
                        thead { tr { th scope="col" { "Registration" } th scope="col" { "Actions" } } }
                        tbody {
                            @for number in &shown.registrations {
                                tr {
                                    td data-label="Registration" {
                                        a href={ "/societies/" (shown.society.slug) "/register/" (number) } { (number) }
                                    }
                                    td data-label="Actions" {
                                        form method="post" action={ "/watch/" (token) "/remove" } {
                                            input type="hidden" name="registrations" value=(number);
                                            button type="submit" class="button-secondary" { "Stop watching" span class="visually-hidden" { " " (number) } }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                h2 { "Watch more entries" }
                @if !refused.is_empty() { (problems(refused)) }
                form class="stacked" method="post" action={ "/watch/" (token) "/add" } {
                    div class="field" {
                        label for="registrations" { "Registration numbers" span class="hint" { "Separated by spaces, commas or new lines" } }
                        textarea id="registrations" name="registrations" rows="3" required {}
                    }
                    button type="submit" { "Watch" }
                }
                h2 { "Stop watching" }
                form method="post" action={ "/watch/" (token) "/stop" } {
                    button type="submit" class="button-danger" { "Stop watching every entry" }
                }
            },
        ),
    )
}

/// `GET /watch/{token}`: the numbers watched, and the forms.
pub async fn manage(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
    query: crate::edge::Query<DoneQuery>,
) -> HttpResponse {
    let token = path.into_inner();
    let message = match query.done.as_deref() {
        Some("confirmed") => {
            Some("Your address is confirmed: you will be told when these entries change status.")
        }
        Some("added") => Some("The entries were added."),
        Some("removed") => Some("You no longer watch that entry."),
        _ => None,
    };
    let result = async {
        let shown = watchlists::managed(&state, token.clone()).await?;
        Ok(draw_manage(&viewer, &token, &shown, message, &[]))
    }
    .await;
    finish(&req, &viewer, result)
}

/// `POST /watch/{token}/add`.
pub async fn add(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
    form: Form<NumbersForm>,
) -> HttpResponse {
    let token = path.into_inner();
    let typed = form.into_inner().registrations;
    let result = async {
        match watchlists::change_managed(&state, token.clone(), Change::Add(vec![typed])).await {
            Ok(_) => Ok(see_other(&format!("/watch/{token}?done=added"))),
            Err(ApiError::Unprocessable { errors, .. }) => {
                let shown = watchlists::managed(&state, token.clone()).await?;
                Ok(draw_manage(&viewer, &token, &shown, None, &errors))
            }
            Err(e) => Err(PageError::from(e)),
        }
    }
    .await;
    finish(&req, &viewer, result)
}

/// `POST /watch/{token}/remove`.
pub async fn remove(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
    form: Form<NumbersForm>,
) -> HttpResponse {
    let token = path.into_inner();
    let number = form.into_inner().registrations;
    let result = async {
        watchlists::change_managed(&state, token.clone(), Change::Remove(number)).await?;
        Ok(see_other(&format!("/watch/{token}?done=removed")))
    }
    .await;
    finish(&req, &viewer, result)
}

/// `POST /watch/{token}/stop`: the watchlist deleted.
pub async fn stop(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
) -> HttpResponse {
    let result = async {
        let society = watchlists::stop_managed(&state, path.into_inner()).await?;
        let title = "You no longer watch any entries";
        Ok(page_response(
            StatusCode::OK,
            layout::page(
                &viewer,
                title,
                html! {
                    h1 { (title) }
                    (notice(&format!("Nothing more is sent to you about the register of {}.", society.name)))
                },
            ),
        ))
    }
    .await;
    finish(&req, &viewer, result)
}
