//! A person's calendar of their groups' sessions: the page on their own
//! pages to make a secret feed link (shown once), make a new one or
//! revoke it; and the feed itself, `GET /calendar/{token}.ics`
//! (iCalendar, no sign-in: the token is the key; an unknown or revoked
//! one is not found). The same actions as `actions::calendars`.

use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::html;
use serde::Deserialize;

use crate::actions::calendars;
use crate::app::AppState;
use crate::edge::Form;
use crate::web::dates::DateStyle;
use crate::web::layout::{self, csrf_field, date, notice};
use crate::web::{error_page_for_anyone, finish, page_response, see_other, PageError, Viewer};

/// Register the calendar page and the feed.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/calendar/{token}.ics").route(web::get().to(feed)))
        .service(
            web::resource("/societies/{society}/people/{person}/calendar")
                .route(web::get().to(page))
                .route(web::post().to(change)),
        );
}

/// `GET /calendar/{token}.ics`: the feed, as `text/calendar`.
pub async fn feed(state: web::Data<AppState>, path: web::Path<String>) -> HttpResponse {
    match calendars::feed(&state, path.into_inner()).await {
        Ok((name, events)) => HttpResponse::Ok()
            .content_type("text/calendar; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "private, no-cache"))
            .body(crate::ical::calendar(&name, &events)),
        Err(e) => error_page_for_anyone(e),
    }
}

/// `GET /societies/{society}/people/{person}/calendar`: the person's
/// calendar link, whether one is in use.
pub async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
    query: crate::edge::Query<super::groups::DoneQuery>,
) -> HttpResponse {
    let (slug, person) = path.into_inner();
    let done = match query.done.as_deref() {
        Some("revoked") => {
            Some("The calendar link was revoked: calendars using it get nothing more.")
        }
        _ => None,
    };
    let result = render(&req, &state, &viewer, slug, person, None, done).await;
    finish(&req, &viewer, result)
}

async fn render(
    req: &HttpRequest,
    state: &AppState,
    viewer: &Viewer,
    slug: String,
    person: String,
    token: Option<String>,
    done: Option<&str>,
) -> Result<HttpResponse, PageError> {
    let (society, current) =
        calendars::current(state, &viewer.caller, slug.clone(), person.clone()).await?;
    let style = DateStyle::for_country(society.country.as_deref());
    let csrf = viewer.csrf().unwrap_or_default();
    let action = format!("/societies/{slug}/people/{person}/calendar");
    let url = token.map(|t| format!("{}/calendar/{t}.ics", super::certificates::origin(req)));
    Ok(page_response(
        StatusCode::OK,
        layout::page(
            viewer,
            "My calendar of group sessions",
            html! {
                h1 { "My calendar of group sessions" }
                @if let Some(text) = done { (notice(text)) }
                p { "A private link your calendar application subscribes to: it lists the sessions planned for the Balint groups you lead or belong to, on the days you do, and shows moved and cancelled sessions as they change. Anyone with the link sees when and where your groups meet, so keep it to yourself; revoke it, or make a new one, if it is passed on." }
                @if let Some(url) = &url {
                    section aria-labelledby="new-link" {
                        h2 id="new-link" { "Your new calendar link" }
                        p { strong { "Copy it now: it is shown only this once." } " Add it to your calendar as a subscription (\"from URL\")." }
                        p { label for="feed-url" { "Calendar link" } }
                        input type="text" id="feed-url" readonly value=(url) size="80";
                    }
                }
                @match &current {
                    Some(feed) => {
                        p { "A calendar link is in use, made on " (date(style, feed.created_at.date())) "." }
                        form method="post" action=(action) {
                            (csrf_field(&csrf))
                            input type="hidden" name="action" value="new";
                            button type="submit" { "Make a new link (the old one stops working)" }
                        }
                        form method="post" action=(action) {
                            (csrf_field(&csrf))
                            input type="hidden" name="action" value="revoke";
                            button type="submit" { "Revoke the link" }
                        }
                    }
                    None => {
                        p { "You have no calendar link." }
                        form method="post" action=(action) {
                            (csrf_field(&csrf))
                            input type="hidden" name="action" value="new";
                            button type="submit" { "Make a calendar link" }
                        }
                    }
                }
                p { a href="/me" { "Back to My pages" } }
            },
        ),
    ))
}

/// The form: `action=new` or `action=revoke`.
#[derive(Debug, Default, Deserialize)]
pub struct CalendarForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
}

/// `POST /societies/{society}/people/{person}/calendar`: make a new link
/// (shown on the page answered, once) or revoke the one in use.
pub async fn change(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
    form: Form<CalendarForm>,
) -> HttpResponse {
    let (slug, person) = path.into_inner();
    let result = async {
        viewer.check_csrf(&form.csrf)?;
        if form.action == "revoke" {
            calendars::revoke(&state, &viewer.caller, slug.clone(), person.clone()).await?;
            return Ok(see_other(&format!(
                "/societies/{slug}/people/{person}/calendar?done=revoked"
            )));
        }
        let (_, token, _) =
            calendars::make(&state, &viewer.caller, slug.clone(), person.clone()).await?;
        render(&req, &state, &viewer, slug, person, Some(token), None).await
    }
    .await;
    finish(&req, &viewer, result)
}
