//! The registrar's webhooks page: the outbox's depth (events waiting,
//! deliveries pending and dead, the oldest waiting), the society's
//! endpoints (a new one, its secret shown on the page it leads to, enabling one disabled by a
//! 410, deleting one), the latest deliveries and events; and a delivery's
//! own page with every try's answer and a replay button. They call the
//! same actions as the API ([`crate::actions::webhooks`]).

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDateTime;
use maud::{html, Markup};
use serde::Deserialize;

use crate::actions::webhooks::{self, EndpointInput};
use crate::app::AppState;
use crate::db::outbox::EventType;
use crate::db::webhooks::{DeliveryState, Endpoint, LogFilter};
use crate::edge::{Form, Query};
use crate::error::ApiError;
use crate::pagination::PageRequest;
use crate::web::layout::{self, csrf_field, notice, FormErrors};
use crate::web::{finish, page_response, see_other, PageError, Viewer};

const LABELS: [(&str, &str); 3] = [
    ("url", "URL"),
    ("description", "What it is for"),
    ("event_types", "Events"),
];

/// A form with only its CSRF token.
#[derive(Debug, Default, Deserialize)]
pub struct ButtonForm {
    #[serde(default)]
    csrf: String,
}

/// The page's query: what was just done.
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    done: Option<String>,
    /// The endpoint just added, whose secret is shown.
    added: Option<String>,
}

/// When, in UTC.
pub(super) fn moment(at: NaiveDateTime) -> Markup {
    html! { time datetime=(at.and_utc().to_rfc3339()) { (at.format("%Y-%m-%d %H:%M:%S")) " UTC" } }
}

fn state_word(state: DeliveryState) -> Markup {
    match state {
        DeliveryState::Delivered => html! { "Delivered" },
        DeliveryState::Pending => html! { "Pending" },
        DeliveryState::Dead => html! { strong { "Failed" } },
        DeliveryState::Dropped => html! { "Dropped" },
    }
}

/// What the page shows besides its lists.
#[derive(Default)]
struct Extras {
    message: Option<&'static str>,
    /// An endpoint just made, with its secret.
    created: Option<Endpoint>,
    form: BTreeMap<String, String>,
    errors: FormErrors,
    status: Option<StatusCode>,
}

/// `GET /societies/{society}/webhooks`.
pub async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
    query: Query<PageQuery>,
) -> HttpResponse {
    let message = match query.done.as_deref() {
        Some("deleted") => Some("The endpoint was deleted, with its deliveries."),
        Some("enabled") => Some("The endpoint was enabled. New events are sent to it again."),
        Some("rotated") => Some("The endpoint has a new secret. For a day every delivery is signed with both the new and the old one, so the receiver can change over; then with the new one only."),
        _ => None,
    };
    let slug = path.into_inner();
    let result = async {
        let created = match &query.added {
            Some(id) => {
                Some(webhooks::endpoint(&state, &viewer.caller, slug.clone(), id.clone()).await?)
            }
            None => None,
        };
        draw(
            &state,
            &viewer,
            slug,
            Extras {
                message,
                created,
                ..Extras::default()
            },
        )
        .await
    }
    .await;
    finish(&req, &viewer, result)
}

async fn draw(
    state: &AppState,
    viewer: &Viewer,
    slug: String,
    extras: Extras,
) -> Result<HttpResponse, PageError> {
    let endpoints = webhooks::endpoints(state, &viewer.caller, slug.clone()).await?;
    let outbox = webhooks::outbox(state, &viewer.caller, slug.clone()).await?;
    let log = webhooks::deliveries(
        state,
        &viewer.caller,
        slug.clone(),
        LogFilter::default(),
        PageRequest {
            page: 1,
            per_page: 25,
        },
    )
    .await?;
    let csrf = viewer.csrf().unwrap_or_default();
    let Extras {
        message,
        created,
        form,
        errors,
        status,
    } = extras;
    let depth = outbox.depth;
    let title = "Webhooks and the outbox";
    Ok(page_response(
        status.unwrap_or(StatusCode::OK),
        layout::page(
            viewer,
            title,
            html! {
                h1 { (title) }
                (super::nav(&slug, "webhooks"))
                @if let Some(message) = message { (notice(message)) }
                @if let Some(created) = &created {
                    div class="notice" role="status" {
                        h2 { @if message.is_some() { "The endpoint's new secret" } @else { "The endpoint was added" } }
                        p { "Deliveries to " code { (created.url) } " are signed with this secret (Standard Webhooks). Give it to whoever runs the endpoint; it is shown again on this page." }
                        p class="stable-link" { code { (created.secret) } }
                    }
                }
                p { "Every change worth telling (a grant, a renewal, a status change, a decision, records waiting for an attestor, a renewal coming due) is kept in the outbox and sent to the endpoints that take its kind, signed as the Standard Webhooks specification says. A delivery that fails is tried again over about a day; an endpoint that answers 410 Gone is disabled." }
                h2 { "The outbox" }
                dl class="facts" {
                    dt { "Events waiting to be sent out" } dd { (depth.events_waiting) }
                    dt { "Deliveries pending" } dd { (depth.deliveries_pending) }
                    dt { "Deliveries failed" } dd { (depth.deliveries_dead) }
                    dt { "Oldest waiting since" } dd {
                        @match depth.oldest_pending { Some(at) => (moment(at)), None => "Nothing waits" }
                    }
                }
                h2 { "Endpoints" }
                @if endpoints.is_empty() {
                    p { "No endpoints yet." }
                } @else {
                    table class="stack" {
                        thead { tr {
                            th scope="col" { "URL" } th scope="col" { "Events" } th scope="col" { "Status" }
                            th scope="col" { "Secret" } th scope="col" { "Actions" }
                        } }
                        tbody {
                            @for e in &endpoints {
                                tr {
                                    td data-label="URL" { code { (e.url) } @if !e.description.is_empty() { br; span class="muted" { (e.description) } } }
                                    td data-label="Events" { (e.event_types.split(' ').count()) " of " (EventType::ALL.len()) }
                                    td data-label="Status" {
                                        @match &e.disabled_reason {
                                            Some(why) => { strong { "Disabled" } ": " (why) }
                                            None => "Enabled",
                                        }
                                    }
                                    td data-label="Secret" {
                                        details { summary { "Show" span class="visually-hidden" { " the secret of " (e.url) } } code { (e.secret) } }
                                        @if let Some(until) = e.previous_secret_until.filter(|u| *u > chrono::Utc::now().naive_utc()) {
                                            br; span class="muted" { "The old secret signs too until " (moment(until)) }
                                        }
                                    }
                                    td data-label="Actions" {
                                        div class="actions" {
                                            @if e.disabled_at.is_some() {
                                                form method="post" action={ "/societies/" (slug) "/webhooks/" (e.id) "/enable" } {
                                                    (csrf_field(&csrf))
                                                    button type="submit" class="button-secondary" { "Enable" span class="visually-hidden" { " " (e.url) } }
                                                }
                                            }
                                            form method="post" action={ "/societies/" (slug) "/webhooks/" (e.id) "/rotate" } {
                                                (csrf_field(&csrf))
                                                button type="submit" class="button-secondary" { "Rotate the secret" span class="visually-hidden" { " of " (e.url) } }
                                            }
                                            form method="post" action={ "/societies/" (slug) "/webhooks/" (e.id) "/delete" } {
                                                (csrf_field(&csrf))
                                                button type="submit" class="button-danger" { "Delete" span class="visually-hidden" { " " (e.url) } }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                h2 id="new-endpoint" { "A new endpoint" }
                form class="stacked" method="post" action={ "/societies/" (slug) "/webhooks" } {
                    (csrf_field(&csrf))
                    (errors.summary())
                    div class="field" {
                        label for="url" { "URL" span class="hint" { "Where to send, e.g. https://hr.example.org/balint-hooks" } }
                        (errors.next_to("url"))
                        input type="url" id="url" name="url" value=(form.get("url").cloned().unwrap_or_default()) required
                            aria-describedby=[errors.described_by("url")] aria-invalid=[errors.invalid("url")];
                    }
                    div class="field" {
                        label for="description" { "What it is for" span class="hint" { "Optional, for you." } }
                        (errors.next_to("description"))
                        input type="text" id="description" name="description" value=(form.get("description").cloned().unwrap_or_default())
                            aria-describedby=[errors.described_by("description")] aria-invalid=[errors.invalid("description")];
                    }
                    fieldset id="event_types" aria-describedby=[errors.described_by("event_types")] {
                        legend { "Events" }
                        (errors.next_to("event_types"))
                        @for kind in EventType::ALL {
                            @let name = format!("type:{}", kind.as_str());
                            div class="checkbox" {
                                input type="checkbox" id=(name) name=(name) value="on" checked[form.contains_key(&name) || form.is_empty()];
                                label for=(name) { (kind.describe()) " " span class="muted" { "(" code { (kind.as_str()) } ")" } }
                            }
                        }
                    }
                    button type="submit" { "Add the endpoint" }
                }
                h2 { "Latest deliveries" }
                @if log.deliveries.is_empty() {
                    p { "Nothing was sent yet." }
                } @else {
                    p { (log.total) " in all; the latest 25:" }
                    table class="stack" {
                        thead { tr {
                            th scope="col" { "Made" } th scope="col" { "Event" } th scope="col" { "To" }
                            th scope="col" { "Status" } th scope="col" { "Tries" }
                        } }
                        tbody {
                            @for d in &log.deliveries {
                                tr {
                                    td data-label="Made" { a href={ "/societies/" (slug) "/webhook-deliveries/" (d.delivery.id) } { (moment(d.delivery.created_at)) } }
                                    td data-label="Event" { code { (d.event_type) } }
                                    td data-label="To" { code { (d.endpoint_url) } }
                                    td data-label="Status" { (state_word(d.delivery.state)) }
                                    td data-label="Tries" { (d.delivery.attempts) }
                                }
                            }
                        }
                    }
                }
                h2 { "Latest events" }
                @if outbox.recent.is_empty() {
                    p { "No events yet." }
                } @else {
                    table class="stack" {
                        thead { tr { th scope="col" { "When" } th scope="col" { "Event" } th scope="col" { "Data" } th scope="col" { "Sent out" } } }
                        tbody {
                            @for e in outbox.recent.iter().take(20) {
                                tr {
                                    td data-label="When" { (moment(e.created_at)) }
                                    td data-label="Event" { code { (e.event_type) } }
                                    td data-label="Data" { code { (e.payload) } }
                                    td data-label="Sent out" { @match e.fanned_out_at { Some(_) => "Yes", None => "Waiting" } }
                                }
                            }
                        }
                    }
                }
            },
        ),
    ))
}

/// `POST /societies/{society}/webhooks`: a new endpoint; its secret shown.
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
    form: Form<BTreeMap<String, String>>,
) -> HttpResponse {
    let slug = path.into_inner();
    let form = form.into_inner();
    let result = async {
        viewer.check_csrf(form.get("csrf").map_or("", String::as_str))?;
        let input = EndpointInput {
            url: form.get("url").cloned().unwrap_or_default(),
            description: form.get("description").cloned().unwrap_or_default(),
            event_types: form
                .keys()
                .filter_map(|k| k.strip_prefix("type:"))
                .map(str::to_owned)
                .collect(),
        };
        let extras =
            match webhooks::create_endpoint(&state, &viewer.caller, slug.clone(), input).await {
                // Shown by a page of its own address, so that reloading it
                // adds nothing.
                Ok(created) => {
                    return Ok(see_other(&format!(
                        "/societies/{slug}/webhooks?added={}",
                        created.id
                    )))
                }
                Err(ApiError::Unprocessable { errors, .. }) => Extras {
                    errors: FormErrors::new(
                        errors
                            .into_iter()
                            .map(|mut p| {
                                if p.field.starts_with("event_types") {
                                    p.field = "event_types".to_owned();
                                }
                                p
                            })
                            .collect(),
                        &LABELS,
                    ),
                    form,
                    status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                    ..Extras::default()
                },
                Err(other) => return Err(other.into()),
            };
        draw(&state, &viewer, slug.clone(), extras).await
    }
    .await;
    finish(&req, &viewer, result)
}

/// The buttons of an endpoint on the webhooks page.
#[derive(Debug, Clone, Copy)]
enum Button {
    Delete,
    Enable,
    Rotate,
}

/// A button pressed on endpoint `path`: the form's token checked, its
/// change made, and back to the webhooks page saying what was done.
async fn press(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
    form: Form<ButtonForm>,
    button: Button,
) -> HttpResponse {
    let (slug, id) = path.into_inner();
    let result = async {
        viewer.check_csrf(&form.csrf)?;
        let (caller, society) = (&viewer.caller, slug.clone());
        let done = match button {
            Button::Delete => {
                webhooks::delete_endpoint(&state, caller, society, id).await?;
                "deleted".to_owned()
            }
            Button::Enable => {
                webhooks::enable_endpoint(&state, caller, society, id).await?;
                "enabled".to_owned()
            }
            Button::Rotate => {
                webhooks::rotate_secret(&state, caller, society, id.clone()).await?;
                format!("rotated&added={id}")
            }
        };
        Ok(see_other(&format!(
            "/societies/{slug}/webhooks?done={done}"
        )))
    }
    .await;
    finish(&req, &viewer, result)
}

/// `POST /societies/{society}/webhooks/{endpoint}/delete`.
pub async fn delete(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
    form: Form<ButtonForm>,
) -> HttpResponse {
    press(req, state, viewer, path, form, Button::Delete).await
}

/// `POST /societies/{society}/webhooks/{endpoint}/enable`.
pub async fn enable(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
    form: Form<ButtonForm>,
) -> HttpResponse {
    press(req, state, viewer, path, form, Button::Enable).await
}

/// `POST /societies/{society}/webhooks/{endpoint}/rotate`: a new secret,
/// shown; the old one signs beside it for a day.
pub async fn rotate(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
    form: Form<ButtonForm>,
) -> HttpResponse {
    press(req, state, viewer, path, form, Button::Rotate).await
}

/// `GET /societies/{society}/webhook-deliveries/{delivery}`.
pub async fn delivery(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
    query: Query<PageQuery>,
) -> HttpResponse {
    let (slug, id) = path.into_inner();
    let message = (query.done.as_deref() == Some("replayed"))
        .then_some("The delivery will be sent again now, with the same webhook-id.");
    let result = async {
        let detail = webhooks::delivery(&state, &viewer.caller, slug.clone(), id).await?;
        let csrf = viewer.csrf().unwrap_or_default();
        let d = &detail.delivery;
        let payload = serde_json::from_str::<serde_json::Value>(&detail.event.body())
            .and_then(|v| serde_json::to_string_pretty(&v))
            .unwrap_or_default();
        let title = format!("Delivery of {}", detail.event.event_type);
        Ok(page_response(
            StatusCode::OK,
            layout::page(
                &viewer,
                &title,
                html! {
                    h1 { (title) }
                    (super::nav(&slug, "webhooks"))
                    @if let Some(message) = message { (notice(message)) }
                    p { a href={ "/societies/" (slug) "/webhooks" } { "Back to webhooks" } }
                    dl class="facts" {
                        dt { "webhook-id" } dd { code { (d.id) } }
                        dt { "Status" } dd { (state_word(d.state)) }
                        dt { "Made" } dd { (moment(d.created_at)) }
                        @if d.state == DeliveryState::Pending {
                            dt { "Next try" } dd { (moment(d.next_attempt_at)) }
                        }
                        dt { "Tries since made or replayed" } dd { (d.attempts) }
                    }
                    form method="post" action={ "/societies/" (slug) "/webhook-deliveries/" (d.id) "/replay" } {
                        (csrf_field(&csrf))
                        button type="submit" class="button-secondary" { "Send it again" }
                    }
                    h2 { "What is sent" }
                    pre { code { (payload) } }
                    h2 { "Tries" }
                    @if detail.attempts.is_empty() {
                        p { "Not tried yet." }
                    } @else {
                        table class="stack" {
                            thead { tr {
                                th scope="col" { "Try" } th scope="col" { "When" } th scope="col" { "Answer" }
                                th scope="col" { "Took" } th scope="col" { "What came back" }
                            } }
                            tbody {
                                @for a in &detail.attempts {
                                    tr {
                                        td data-label="Try" { (a.attempt) }
                                        td data-label="When" { (moment(a.tried_at)) }
                                        td data-label="Answer" { @match a.status { Some(s) => (s), None => "No answer" } }
                                        td data-label="Took" { (a.duration_ms) " ms" }
                                        td data-label="What came back" { code { (a.response) } }
                                    }
                                }
                            }
                        }
                    }
                },
            ),
        ))
    }
    .await;
    finish(&req, &viewer, result)
}

/// `POST /societies/{society}/webhook-deliveries/{delivery}/replay`.
pub async fn replay(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
    form: Form<ButtonForm>,
) -> HttpResponse {
    let (slug, id) = path.into_inner();
    let result = async {
        viewer.check_csrf(&form.csrf)?;
        let done = webhooks::replay(&state, &viewer.caller, slug.clone(), id).await?;
        Ok(see_other(&format!(
            "/societies/{slug}/webhook-deliveries/{}?done=replayed",
            done.delivery.id
        )))
    }
    .await;
    finish(&req, &viewer, result)
}
