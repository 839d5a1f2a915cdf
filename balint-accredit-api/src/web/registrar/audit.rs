//! The registrar's audit log page: every change in the society, newest
//! first, paginated, filtered by who made it, the kind and id of what was
//! changed, the person it is about, the kind of change and a range of
//! days. It reads the log with
//! the same action as `GET /api/v1/societies/{society}/audit`
//! ([`crate::actions::audit`]), filter for filter.

use std::collections::BTreeSet;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::Value;

use crate::actions::as_registrar;
use crate::actions::audit::{self, Action, Entity, FilterInput};
use crate::app::AppState;
use crate::db::audit::{AuditRecord, Filter};
use crate::edge::Query;
use crate::pagination::PageRequest;
use crate::web::dates::DateStyle;
use crate::web::layout::{self, date, FormErrors};
use crate::web::{encode, finish, page_response, PageError, Viewer};

/// Changes listed on one page.
const PER_PAGE: u32 = 50;

const LABELS: [(&str, &str); 7] = [
    ("actor", "Made by"),
    ("entity_type", "Kind of record"),
    ("entity_id", "Record id"),
    ("person", "About the person"),
    ("action", "Change"),
    ("from", "From"),
    ("to", "To"),
];

/// The page's query: the filter as typed, and the page.
#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    actor: Option<String>,
    entity_type: Option<String>,
    entity_id: Option<String>,
    person: Option<String>,
    action: Option<String>,
    from: Option<String>,
    to: Option<String>,
    page: Option<String>,
}

impl AuditQuery {
    /// The filter's part of the query string, for the pages' links.
    fn filter_query(&self) -> String {
        [
            ("actor", &self.actor),
            ("entity_type", &self.entity_type),
            ("entity_id", &self.entity_id),
            ("person", &self.person),
            ("action", &self.action),
            ("from", &self.from),
            ("to", &self.to),
        ]
        .into_iter()
        .filter_map(|(name, value)| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(|v| format!("{name}={}&", encode(v)))
        })
        .collect()
    }
}

/// How a kind of record is called on the page.
fn entity_label(entity: &str) -> &str {
    match entity {
        "person" => "Person",
        "user" => "Login",
        "activity" => "Ledger record",
        "application" => "Application",
        "register_entry" => "Register entry",
        "renewal" => "Renewal",
        "requirement_override" => "Requirement override",
        "prerequisite_override" => "Prerequisite override",
        "pathway" => "Pathway version",
        "society" => "Society",
        "attendance_certificate" => "Certificate of attendance",
        "training_programme" => "Training programme",
        "group" => "Group",
        "group_session" => "Group session",
        other => other,
    }
}

/// How a kind of change is called on the page.
fn action_label(action: &str) -> &str {
    match action {
        "create" => "Created",
        "update" => "Changed",
        "delete" => "Deleted",
        other => other,
    }
}

/// `GET /societies/{society}/audit`: the log, filtered and paginated.
pub async fn audit_log(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
    query: Query<AuditQuery>,
) -> HttpResponse {
    let result = audit_page(&state, &viewer, path.into_inner(), query.into_inner()).await;
    finish(&req, &viewer, result)
}

async fn audit_page(
    state: &AppState,
    viewer: &Viewer,
    slug: String,
    query: AuditQuery,
) -> Result<HttpResponse, PageError> {
    let (society, _) = as_registrar(state, &viewer.caller, slug.clone()).await?;
    let style = DateStyle::for_country(society.country.as_deref());
    let actors = audit::actors(state, &viewer.caller, slug.clone()).await?;
    let page = query
        .page
        .as_deref()
        .and_then(|p| p.trim().parse::<u32>().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    let (filter, errors) = match audit::filter(FilterInput {
        actor: query.actor.clone(),
        entity_type: query.entity_type.clone(),
        entity_id: query.entity_id.clone(),
        person: query.person.clone(),
        action: query.action.clone(),
        from: query.from.clone(),
        to: query.to.clone(),
    }) {
        Ok(filter) => (Some(filter), FormErrors::default()),
        Err(problems) => (None, FormErrors::new(problems, &LABELS)),
    };
    let found = match &filter {
        Some(filter) => Some(
            audit::list(
                state,
                &viewer.caller,
                slug.clone(),
                Ok((
                    PageRequest {
                        page,
                        per_page: PER_PAGE,
                    },
                    filter.clone(),
                )),
            )
            .await?,
        ),
        None => None,
    };
    let email = |id: &Option<String>| -> String {
        match id {
            Some(id) => actors
                .iter()
                .find(|(a, _)| a == id)
                .map_or_else(|| id.clone(), |(_, e)| e.clone()),
            None => "The command line".to_owned(),
        }
    };
    let filtered = filter.as_ref().is_some_and(|f| *f != Filter::default());
    let links = query.filter_query();
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    let title = format!("Audit log: {}", society.name);
    let status = if filter.is_some() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(page_response(
        status,
        layout::page(
            viewer,
            &title,
            html! {
                h1 { (title) }
                (super::nav(&slug, "audit"))
                p { "Every change made in the society, newest first: who made it, when, and the values before and after. Times are UTC." }
                form class="search-form" method="get" action={ "/societies/" (slug) "/audit" } {
                    (errors.summary())
                    div class="field" {
                        label for="actor" { "Made by" }
                        (errors.next_to("actor"))
                        select id="actor" name="actor" {
                            option value="" { "Anyone" }
                            @for (id, address) in &actors {
                                option value=(id) selected[query.actor.as_deref() == Some(id.as_str())] { (address) }
                            }
                        }
                    }
                    div class="field" {
                        label for="entity_type" { "Kind of record" }
                        (errors.next_to("entity_type"))
                        select id="entity_type" name="entity_type" aria-invalid=[errors.invalid("entity_type")] aria-describedby=[errors.described_by("entity_type")] {
                            option value="" { "Any" }
                            @for e in Entity::ALL {
                                option value=(e.as_str()) selected[query.entity_type.as_deref() == Some(e.as_str())] { (entity_label(e.as_str())) }
                            }
                        }
                    }
                    div class="field" {
                        label for="entity_id" { "Record id" }
                        input type="text" id="entity_id" name="entity_id" value=(value(&query.entity_id));
                    }
                    div class="field" {
                        label for="person" { "About the person" span class="hint" { "Their id: their record, ledger, applications, entries, login." } }
                        input type="text" id="person" name="person" value=(value(&query.person));
                    }
                    div class="field" {
                        label for="action" { "Change" }
                        (errors.next_to("action"))
                        select id="action" name="action" aria-invalid=[errors.invalid("action")] aria-describedby=[errors.described_by("action")] {
                            option value="" { "Any" }
                            @for a in Action::ALL {
                                option value=(a.as_str()) selected[query.action.as_deref() == Some(a.as_str())] { (action_label(a.as_str())) }
                            }
                        }
                    }
                    div class="field" {
                        label for="from" { "From" }
                        (errors.next_to("from"))
                        input type="date" id="from" name="from" value=(value(&query.from))
                            aria-invalid=[errors.invalid("from")] aria-describedby=[errors.described_by("from")];
                    }
                    div class="field" {
                        label for="to" { "To" }
                        (errors.next_to("to"))
                        input type="date" id="to" name="to" value=(value(&query.to))
                            aria-invalid=[errors.invalid("to")] aria-describedby=[errors.described_by("to")];
                    }
                    div class="field actions" {
                        button type="submit" { "Filter" }
                        @if filtered { a href={ "/societies/" (slug) "/audit" } { "Show every change" } }
                    }
                }
                @if let Some(found) = &found {
                    @let pages = u32::try_from((found.total + i64::from(PER_PAGE) - 1) / i64::from(PER_PAGE)).unwrap_or(1);
                    @if found.items.is_empty() {
                        p { @if filtered { "No change matches this filter." } @else { "No change has been recorded yet." } }
                    } @else {
                        p { (found.total) " change" @if found.total != 1 { "s" } @if filtered { " match" @if found.total == 1 { "es" } " this filter" } "." }
                        table class="stack" {
                            thead { tr {
                                th scope="col" { "When" } th scope="col" { "By" } th scope="col" { "Change" } th scope="col" { "Record" } th scope="col" { "Values" }
                            } }
                            tbody {
                                @for r in &found.items {
                                    tr {
                                        td data-label="When" { (date(style, r.occurred_at.date())) " " (r.occurred_at.format("%H:%M:%S")) }
                                        td data-label="By" { (email(&r.actor_user_id)) }
                                        td data-label="Change" { (action_label(&r.action)) }
                                        td data-label="Record" {
                                            (entity_label(&r.entity_type)) br;
                                            a href={ "/societies/" (slug) "/audit?entity_type=" (encode(&r.entity_type)) "&entity_id=" (encode(&r.entity_id)) } {
                                                span class="visually-hidden" { "Every change of this record: " }
                                                code { (r.entity_id) }
                                            }
                                            @if r.entity_type == "person" {
                                                br;
                                                a href={ "/societies/" (slug) "/audit?person=" (encode(&r.entity_id)) } { "Everything about this person" }
                                            }
                                        }
                                        td data-label="Values" { (values(r)) }
                                    }
                                }
                            }
                        }
                    }
                    @if pages > 1 {
                        nav class="pagination" aria-label="Pages of changes" {
                            ul {
                                @if page > 1 { li { a href={ "/societies/" (slug) "/audit?" (links) "page=" (page - 1) } rel="prev" { "Previous page" } } }
                                li { "Page " (page) " of " (pages) }
                                @if page < pages { li { a href={ "/societies/" (slug) "/audit?" (links) "page=" (page + 1) } rel="next" { "Next page" } } }
                            }
                        }
                    }
                }
            },
        ),
    ))
}

/// A value of the log as a person reads it.
fn shown(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => "—".to_owned(),
        Some(Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
    }
}

/// An entry's values before and after, field by field, folded away.
fn values(record: &AuditRecord) -> Markup {
    let parse = |text: &Option<String>| -> Option<Value> {
        text.as_deref()
            .map(|t| serde_json::from_str(t).unwrap_or_else(|_| Value::String(t.to_owned())))
    };
    let (before, after) = (parse(&record.before_json), parse(&record.after_json));
    let fields: BTreeSet<String> = [&before, &after]
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .flat_map(|o| o.keys().cloned())
        .collect();
    let both = before.is_some() && after.is_some();
    html! {
        @if fields.is_empty() {
            @if let Some(v) = after.as_ref().or(before.as_ref()) { (shown(Some(v))) } @else { "—" }
        } @else {
            details {
                summary { (fields.len()) " field" @if fields.len() != 1 { "s" } }
                dl class="facts" {
                    @for field in &fields {
                        dt { (field) }
                        dd {
                            @if both {
                                (shown(before.as_ref().and_then(|v| v.get(field)))) " → " (shown(after.as_ref().and_then(|v| v.get(field))))
                            } @else {
                                (shown(after.as_ref().or(before.as_ref()).and_then(|v| v.get(field))))
                            }
                        }
                    }
                }
            }
        }
    }
}
