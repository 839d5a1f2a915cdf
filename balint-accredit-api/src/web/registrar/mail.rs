//! The registrar's e-mail page: what waits to be sent (and, with no mail
//! server set, that it waits for one), and the sent log (when, to whom,
//! what kind, the subject, what the mail server said). It calls the same
//! action as the API ([`crate::actions::mail`]).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::html;
use serde::Deserialize;

use super::webhooks::moment;
use crate::actions::mail;
use crate::app::AppState;
use crate::db::mail::{MailFilter, MailKind, MailState};
use crate::edge::Query;
use crate::pagination::PageRequest;
use crate::routes::mail::NO_SERVER;
use crate::web::layout;
use crate::web::{finish, page_response, PageError, Viewer};

/// The page's query.
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    page: Option<String>,
}

fn kind_words(kind: &str) -> &str {
    match kind.parse::<MailKind>() {
        Ok(MailKind::AttestationDigest) => "Attestation digest",
        Ok(MailKind::RenewalReminder) => "Renewal reminder",
        Ok(MailKind::ApplicationDecision) => "Application decision",
        Ok(MailKind::WatchConfirmation) => "Watchlist confirmation",
        Ok(MailKind::WatchAlert) => "Watchlist alert",
        Err(_) => kind,
    }
}

/// `GET /societies/{society}/mail`.
pub async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
    query: Query<PageQuery>,
) -> HttpResponse {
    let slug = path.into_inner();
    let result = async {
        let number = super::page_number(query.page.as_deref())?;
        let page = |page| PageRequest { page, per_page: 50 };
        let waiting = mail::log(
            &state,
            &viewer.caller,
            slug.clone(),
            MailFilter {
                state: Some(MailState::Pending),
            },
            page(1),
        )
        .await?;
        let log = mail::log(
            &state,
            &viewer.caller,
            slug.clone(),
            MailFilter::default(),
            page(number),
        )
        .await?;
        let title = "E-mail";
        Ok::<_, PageError>(page_response(
            StatusCode::OK,
            layout::page(
                &viewer,
                title,
                html! {
                    h1 { (title) }
                    (super::nav(&slug, "mail"))
                    p { "People of the society with an e-mail address are written to: an attestor once a day with the records waiting for them, a leader 90, 30 and 7 days before their accreditation ends, an applicant when their application is decided, and whoever watches entries of the register when one changes status. Each message can be unsubscribed from, kind by kind. A message that fails is tried again over about a day." }
                    @if !waiting.server_set {
                        div class="notice" role="status" {
                            p { strong { "No mail server is set" } ": the messages are kept here and sent once one is (" code { "SMTP_URL" } ")." }
                        }
                    }
                    dl class="facts" {
                        dt { "Waiting to be sent" } dd { (waiting.depth.pending) }
                        dt { "Failed" } dd { (waiting.depth.dead) }
                        dt { "Oldest waiting since" } dd {
                            @match waiting.depth.oldest_pending { Some(at) => (moment(at)), None => "Nothing waits" }
                        }
                    }
                    h2 { "Waiting to be sent" }
                    @if waiting.messages.is_empty() {
                        p { "Nothing waits." }
                    } @else {
                        p { (waiting.total) " in all" @if waiting.total > 50 { "; the latest 50" } ":" }
                        table class="stack" {
                            thead { tr {
                                th scope="col" { "Due" } th scope="col" { "To" } th scope="col" { "Kind" }
                                th scope="col" { "Subject" } th scope="col" { "Why not yet" }
                            } }
                            tbody {
                                @for m in &waiting.messages {
                                    tr {
                                        td data-label="Due" { (moment(m.next_attempt_at)) }
                                        td data-label="To" { (m.recipient) }
                                        td data-label="Kind" { (kind_words(&m.kind)) }
                                        td data-label="Subject" { (m.subject) }
                                        td data-label="Why not yet" {
                                            @if !waiting.server_set { (NO_SERVER) }
                                            @else if let Some(last) = &m.last_result { "Tried " (m.attempts) " times: " (last) }
                                            @else { "Its time has not come" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    h2 { "Sent log" }
                    @if log.messages.is_empty() {
                        p { "No messages yet." }
                    } @else {
                        p { (log.total) " in all, newest first." }
                        table class="stack" {
                            thead { tr {
                                th scope="col" { "Made" } th scope="col" { "To" } th scope="col" { "Kind" }
                                th scope="col" { "Subject" } th scope="col" { "Status" } th scope="col" { "Result" }
                            } }
                            tbody {
                                @for m in &log.messages {
                                    tr {
                                        td data-label="Made" { (moment(m.created_at)) }
                                        td data-label="To" { (m.recipient) }
                                        td data-label="Kind" { (kind_words(&m.kind)) }
                                        td data-label="Subject" { (m.subject) }
                                        td data-label="Status" {
                                            @match m.sent_at { Some(at) => { "Sent " (moment(at)) }, None => (m.state) }
                                        }
                                        td data-label="Result" {
                                            @if m.state == MailState::Pending.as_str() && !log.server_set { (NO_SERVER) }
                                            @else { (m.last_result.clone().unwrap_or_default()) }
                                        }
                                    }
                                }
                            }
                        }
                        nav aria-label="Pages of the sent log" {
                            @if number > 1 { a href={ "/societies/" (slug) "/mail?page=" (number - 1) } { "Newer" } " " }
                            @if i64::from(number) * 50 < log.total { a href={ "/societies/" (slug) "/mail?page=" (number + 1) } { "Older" } }
                        }
                    }
                },
            ),
        ))
    }
    .await;
    finish(&req, &viewer, result)
}
