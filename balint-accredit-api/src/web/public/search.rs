//! The public register's search page: by name, place and tier (a tier
//! finds its holders and those of the tiers above it), and straight to a
//! registration number; with a legend of the statuses and the date the
//! register last changed.

use crate::actions::register::public::{self as register, SearchInput};
use crate::db;
use crate::edge::Query;
use crate::pagination::PageRequest;
use crate::state::AppState;
use crate::web::dates::DateStyle;
use crate::web::layout::{self, maybe_date};
use crate::web::{encode, finish, ok, see_other, PageError, TierNames, Viewer};
use actix_web::{web, HttpRequest, HttpResponse};
use maud::html;
use serde::Deserialize;

use super::{given, last_updated, place, status_legend, status_word, PER_PAGE};

/// The public register's search.
#[derive(Debug, Default, Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
    region: Option<String>,
    tier: Option<String>,
    page: Option<String>,
    /// A registration number to go straight to.
    registration: Option<String>,
}

/// `GET /societies/{society}/register`: search by name, city or region and
/// tier; paginated.
pub async fn register(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
    query: Query<SearchQuery>,
) -> HttpResponse {
    let result = register_page(&state, &viewer, path.into_inner(), query.into_inner()).await;
    finish(&req, &viewer, result)
}

async fn register_page(
    state: &web::Data<AppState>,
    viewer: &Viewer,
    slug: String,
    query: SearchQuery,
) -> Result<HttpResponse, PageError> {
    // The society, its details and its tiers' names, from the public
    // register in memory.
    let facts = register::society(state, slug.clone()).await?;
    let society = &facts.society;
    if let Some(number) = given(&query.registration) {
        // The entry's page says whether it is on the public register.
        return Ok(see_other(&format!(
            "/societies/{slug}/register/{}",
            encode(&number.to_uppercase())
        )));
    }
    let style = DateStyle::for_country(society.country.as_deref());
    let tiers = &facts.tiers;
    let names = TierNames::new(tiers);
    let (q, region, tier) = (given(&query.q), given(&query.region), given(&query.tier));
    let page_number = query
        .page
        .as_deref()
        .and_then(|p| p.trim().parse::<u32>().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    let found = register::search(
        state,
        slug.clone(),
        SearchInput {
            page: PageRequest {
                page: page_number,
                per_page: PER_PAGE,
            },
            q: q.clone(),
            tier: tier.clone(),
            // Holding a tier includes holding one above it.
            also: tier
                .as_ref()
                .and_then(|t| tiers.iter().position(|(id, _)| id == t))
                .map(|at| tiers[at + 1..].iter().map(|(id, _)| id.clone()).collect())
                .unwrap_or_default(),
            status: None,
            region: region.clone(),
        },
    )
    .await?;
    let updated = found.last_updated;
    let total = i64::try_from(found.total).unwrap_or(i64::MAX);
    let pages = u32::try_from((total + i64::from(PER_PAGE) - 1) / i64::from(PER_PAGE))
        .unwrap_or(1)
        .max(1);
    let link_to = |page: u32| {
        let mut parts = Vec::new();
        for (key, value) in [("q", &q), ("region", &region), ("tier", &tier)] {
            if let Some(value) = value {
                parts.push(format!("{key}={}", encode(value)));
            }
        }
        parts.push(format!("page={page}"));
        format!("/societies/{slug}/register?{}", parts.join("&"))
    };
    let title = format!("Register of {}", society.name);
    let searched = q.is_some() || region.is_some() || tier.is_some();
    Ok(ok(layout::page(
        viewer,
        &title,
        html! {
            h1 { (title) }
            (super::society_card(society, &facts.card))
            p { "Accredited Balint group leaders of " (society.name) " who agreed to be listed. To check a registration on a given day, open the entry and choose “Verify”." }
            (last_updated(style, updated))
            p { a href={ "/societies/" (slug) "/watch" } { "Watch entries" } ": be told by e-mail when an entry changes status." }
            form class="search-form" method="get" action={ "/societies/" (slug) "/register" } role="search" aria-label="Find a registration number" {
                div class="field" {
                    label for="registration" { "Registration number" span class="hint" { "For example " (db::register::prefix(society)) "-0042" } }
                    input type="search" id="registration" name="registration" autocomplete="off" spellcheck="false";
                }
                div class="field" { button type="submit" { "Find" } }
            }
            form class="search-form" method="get" action={ "/societies/" (slug) "/register" } role="search" aria-label="Search the register" {
                div class="field" {
                    label for="q" { "Name" }
                    input type="search" id="q" name="q" value=[q.as_deref()] autocomplete="off";
                }
                div class="field" {
                    label for="region" { "City or region" }
                    input type="text" id="region" name="region" value=[region.as_deref()];
                }
                div class="field" {
                    label for="tier" { "Tier" span class="hint" { "Finds holders of a higher tier too" } }
                    select id="tier" name="tier" {
                        option value="" { "Any tier" }
                        @for (id, name) in tiers {
                            option value=(id) selected[tier.as_deref() == Some(id.as_str())] { (name) }
                        }
                    }
                }
                div class="field" { button type="submit" { "Search" } }
            }
            (status_legend())
            h2 id="results" {
                @if total == 1 { "1 entry" } @else { (total) " entries" }
                @if searched { " found" }
            }
            @if found.items.is_empty() {
                p { "No entries match your search. Try fewer words, or another city or region." }
            } @else {
                div class="table-wrap" {
                    table class="stack" aria-describedby="results" {
                        thead { tr { th scope="col" { "Name" } th scope="col" { "Tier" } th scope="col" { "City or region" } th scope="col" { "Status" } th scope="col" { "Valid until" } } }
                        tbody {
                            @for e in &found.items {
                                tr {
                                    td data-label="Name" {
                                        a href={ "/societies/" (slug) "/register/" (e.registration) } {
                                            @if let Some(t) = &e.title { (t) " " } (e.name)
                                        }
                                        br; span class="muted" { (e.registration) }
                                    }
                                    td data-label="Tier" { (names.name(&e.tier)) }
                                    td data-label="City or region" { (place(e.city.as_deref(), e.region.as_deref())) }
                                    td data-label="Status" { (status_word(e.status.as_str())) }
                                    td data-label="Valid until" { (maybe_date(style, e.valid_until)) }
                                }
                            }
                        }
                    }
                }
            }
            @if pages > 1 {
                nav class="pagination" aria-label="Pages of results" {
                    ul {
                        @if page_number > 1 { li { a href=(link_to(page_number - 1)) rel="prev" { "Previous page" } } }
                        li { "Page " (page_number) " of " (pages) }
                        @if page_number < pages { li { a href=(link_to(page_number + 1)) rel="next" { "Next page" } } }
                    }
                }
            }
        },
    )))
}
