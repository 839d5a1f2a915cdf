//! One entry of the register: its public page, or the registrar's with
//! the whole history and the status form.

use crate::actions::register::public::{self as register, Shown};
use crate::auth::permissions;
use crate::db;
use crate::edge::Query;
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::dates::DateStyle;
use crate::web::layout::{self, date, maybe_date, FormErrors};
use crate::web::registrar::{self, StatusForm};
use crate::web::{capitalised, encode, finish, page_response, words, PageError, TierNames, Viewer};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use balint_core::register::{Status, Visibility};
use chrono::NaiveDate;
use maud::html;
use serde::Deserialize;

use super::{full_name, last_updated, not_listed, place, standing, status_legend, status_word};

/// `GET /societies/{society}/register/{registration}`: the public entry
/// with its public history; the registrar also sees the whole history and a
/// form to change the status. Unknown and unlisted entries get the same
/// 404 page, which says the number is not on the public register (not
/// that it does not exist).
pub async fn entry(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
    query: Query<ChangedQuery>,
) -> HttpResponse {
    let (slug, registration) = path.into_inner();
    let notice = query.changed.is_some();
    let result = entry_page(
        &state,
        &viewer,
        slug,
        registration,
        EntryExtras {
            form: StatusForm::default(),
            errors: FormErrors::default(),
            status: StatusCode::OK,
            notice,
        },
    )
    .await;
    finish(&req, &viewer, result)
}

/// `?changed=1` after a status change.
#[derive(Debug, Default, Deserialize)]
pub struct ChangedQuery {
    changed: Option<String>,
}

/// What the entry page shows besides the entry: the registrar's form as
/// typed, its problems, and whether a change was just made.
#[derive(Debug)]
pub struct EntryExtras {
    pub form: StatusForm,
    pub errors: FormErrors,
    pub status: StatusCode,
    pub notice: bool,
}

/// The entry page, as `viewer` may see it.
pub async fn entry_page(
    state: &web::Data<AppState>,
    viewer: &Viewer,
    slug: String,
    registration: String,
    extras: EntryExtras,
) -> Result<HttpResponse, PageError> {
    // The society and its tiers' names, from the public register in memory.
    let facts = register::society(state, slug.clone()).await?;
    let society = &facts.society;
    let style = DateStyle::for_country(society.country.as_deref());
    let answer = match register::entry(state, &viewer.caller, slug.clone(), registration.clone())
        .await
    {
        Ok(answer) => answer,
        // Unknown and unlisted alike (the society is known).
        Err(ApiError::NotFound(_)) => {
            let title = "Not on the public register";
            let body = layout::page(
                viewer,
                title,
                html! {
                    p class="muted" { a href={ "/societies/" (slug) "/register" } { "Register of " (society.name) } }
                    h1 { (title) }
                    (not_listed(&society.name, &slug, &registration))
                },
            );
            return Ok(page_response(StatusCode::NOT_FOUND, body));
        }
        Err(other) => return Err(other.into()),
    };
    let society_id = society.id.clone();
    let number = registration.clone();
    // The public entry read from memory knows when it was last written.
    let known = match &answer {
        Shown::Public(detail) => detail.updated,
        Shown::Registrar(_) => None,
    };
    let updated = match known {
        Some(at) => Some(at),
        None => {
            db::run(&state.pool, move |conn| {
                db::register::last_updated(conn, &society_id, Some(&number))
            })
            .await?
        }
    };
    let names = TierNames::new(&facts.tiers);
    let as_registrar = permissions::acts_as_registrar(&viewer.caller, &society.id);
    let verify_link = format!("/verify/{slug}/{}", encode(&registration));
    let body = match &answer {
        Shown::Public(detail) => {
            let e = &detail.listed;
            let name = full_name(e.title.as_deref(), &e.name);
            layout::page(
                viewer,
                &name,
                html! {
                    p class="muted" { a href={ "/societies/" (slug) "/register" } { "Register of " (society.name) } }
                    h1 { (name) }
                    (standing(e.status.as_str()))
                    dl class="facts" {
                        dt { "Registration" } dd { (e.registration) }
                        dt { "Tier" } dd { (names.name(&e.tier)) }
                        dt { "Status" } dd { (status_word(e.status.as_str())) }
                        dt { "City or region" } dd { (place(e.city.as_deref(), e.region.as_deref())) }
                        dt { "First accredited" } dd { (date(style, e.first_accredited)) }
                        dt { "Valid until" } dd { (maybe_date(style, e.valid_until)) }
                    }
                    (status_legend())
                    (last_updated(style, updated))
                    p { a href=(verify_link) { "Verify this registration on a given date" } }
                    h2 { "History" }
                    table class="stack" {
                        thead { tr { th scope="col" { "Date" } th scope="col" { "Change" } th scope="col" { "Status" } th scope="col" { "Reason" } } }
                        tbody {
                            @for c in &detail.history {
                                tr {
                                    td data-label="Date" { (date(style, c.effective)) }
                                    td data-label="Change" { (change_words(c.action.as_str(), c.tier.as_ref().map(|t| t.as_str()), &names)) }
                                    td data-label="Status" { (status_word(c.to.as_str())) }
                                    td data-label="Reason" {
                                        @match &c.reason { Some(r) => (r), None => span class="muted" { "Not published" } }
                                    }
                                }
                            }
                        }
                    }
                },
            )
        }
        Shown::Registrar(shown) => {
            let e = RegistrarEntry::from(&**shown);
            let name = full_name(e.title, &e.name);
            layout::page(
                viewer,
                &name,
                html! {
                    p class="muted" { a href={ "/societies/" (slug) "/register" } { "Register of " (society.name) } " · " a href={ "/societies/" (slug) "/dashboard" } { "Registrar dashboard" } }
                    h1 { (name) }
                    @if extras.notice { (layout::notice("The status change was recorded.")) }
                    @if !e.public_listing {
                        div class="warning" { p { "This person has not agreed to be listed: the public sees no entry and cannot verify it." } }
                    }
                    dl class="facts" {
                        dt { "Registration" } dd { (e.registration) }
                        dt { "Tier" } dd { (names.name(e.tier)) }
                        dt { "Status" } dd {
                            @match e.status { Some(s) => (status_word(s.as_str())), None => "Not yet on the register" }
                            @if e.status != Some(e.latest_status) {
                                " (from a later date: " (status_word(e.latest_status.as_str())) ")"
                            }
                        }
                        dt { "City or region" } dd { (place(e.city, e.region)) }
                        dt { "First accredited" } dd { (date(style, e.first_accredited)) }
                        dt { "Valid until" } dd { (maybe_date(style, e.valid_until)) }
                        dt { "Lapses on" } dd { (maybe_date(style, e.lapses_on)) }
                    }
                    p { a href=(verify_link) { "Verify this registration on a given date" } }
                    h2 { "The credential" }
                    p { "The leader's latest signed credential, as issued on the latest grant or renewal, and its certificate. " a href="/credentials/verify" { "Verify a credential" } }
                    (super::download_links(&slug, e.registration))
                    h2 { "History" }
                    p class="muted" { "Confidential reasons are shown to the registrar only." }
                    table class="stack" {
                        thead { tr { th scope="col" { "Date" } th scope="col" { "Change" } th scope="col" { "Status" } th scope="col" { "Reason" } } }
                        tbody {
                            @for c in e.history {
                                tr {
                                    td data-label="Date" { (date(style, c.effective)) }
                                    td data-label="Change" { (change_words(c.action.as_str(), c.tier.as_ref().map(|t| t.as_str()), &names)) }
                                    td data-label="Status" { (status_word(c.to.as_str())) }
                                    td data-label="Reason" {
                                        (c.reason)
                                        @if c.visibility == Visibility::Confidential { " " span class="muted" { "(confidential)" } }
                                    }
                                }
                            }
                        }
                    }
                    @if as_registrar {
                        (registrar::status_form(viewer, &slug, e.registration, &extras.form, &extras.errors))
                    }
                },
            )
        }
    };
    Ok(page_response(extras.status, body))
}

/// What the entry page shows the registrar of an entry.
struct RegistrarEntry<'a> {
    registration: &'a str,
    title: Option<&'a str>,
    name: String,
    city: Option<&'a str>,
    region: Option<&'a str>,
    public_listing: bool,
    tier: &'a str,
    /// The status today.
    status: Option<Status>,
    /// The status after the latest recorded change.
    latest_status: Status,
    first_accredited: NaiveDate,
    valid_until: Option<NaiveDate>,
    lapses_on: Option<NaiveDate>,
    history: &'a [balint_core::register::StatusChange],
}

impl<'a> From<&'a crate::actions::register::Entry> for RegistrarEntry<'a> {
    fn from(shown: &'a crate::actions::register::Entry) -> Self {
        let entry = &shown.stored.entry;
        let person = &shown.person;
        Self {
            registration: entry.registration().as_str(),
            title: person.title.as_deref(),
            name: person.name(),
            city: person.city.as_deref(),
            region: person.region.as_deref(),
            public_listing: person.public_listing,
            tier: db::register::current_tier(entry).map_or("", |t| t.as_str()),
            status: entry.status_as_of(shown.today),
            latest_status: entry.status(),
            first_accredited: entry.first_accredited(),
            valid_until: entry.valid_until(),
            lapses_on: entry.lapses_on(),
            history: entry.history(),
        }
    }
}

fn change_words(action: &str, tier: Option<&str>, names: &TierNames) -> String {
    match (action, tier) {
        ("grant", Some(t)) => format!("Granted {}", names.name(t)),
        ("mark_deceased", _) => "Marked deceased".to_owned(),
        (other, _) => capitalised(&past_tense(other)),
    }
}

fn past_tense(action: &str) -> String {
    match action {
        "grant" => "granted".to_owned(),
        "renew" => "renewed".to_owned(),
        "suspend" => "suspended".to_owned(),
        "reinstate" => "reinstated".to_owned(),
        "revoke" => "revoked".to_owned(),
        "retire" => "retired".to_owned(),
        "lapse" => "lapsed".to_owned(),
        other => words(other),
    }
}
