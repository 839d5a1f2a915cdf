//! The registrar's dashboard: applications waiting, renewals due, recent
//! status changes, and every entry.

use actix_web::{web, HttpRequest, HttpResponse};
use maud::html;
use serde::Deserialize;

use crate::actions::applications;
use crate::actions::register::due::{self as renewals_due, DueInput};
use crate::actions::today;
use crate::app::AppState;
use crate::auth::permissions;
use crate::db;
use crate::db::applications::Status as ApplicationStatus;
use crate::edge::Query;
use crate::pagination::PageRequest;
use crate::web::dates::DateStyle;
use crate::web::layout::{self, date, maybe_date, pager};
use crate::web::public::{full_name, status_word};
use crate::web::{encode, finish, ok, society, tier_names, PageError, TierNames, Viewer};

/// Renewals due shown on the dashboard (the soonest).
const DUE_SHOWN: u32 = 20;
/// Entries per page of "every entry".
const ENTRIES_PER_PAGE: u32 = 50;

/// `?page=` of "every entry".
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    page: Option<String>,
}

/// `GET /societies/{society}/dashboard`: the registrar's overview.
pub async fn dashboard(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
    query: Query<PageQuery>,
) -> HttpResponse {
    let result = dashboard_page(&state, &viewer, path.into_inner(), query.into_inner()).await;
    finish(&req, &viewer, result)
}

async fn dashboard_page(
    state: &web::Data<AppState>,
    viewer: &Viewer,
    slug: String,
    query: PageQuery,
) -> Result<HttpResponse, PageError> {
    permissions::require_user(&viewer.caller)?;
    let society = society(state, slug.clone()).await?;
    permissions::require_registrar(&viewer.caller, &society.id)?;
    let entries_page = PageRequest {
        page: super::page_number(query.page.as_deref())?,
        per_page: ENTRIES_PER_PAGE,
    };
    let style = DateStyle::for_country(society.country.as_deref());
    let today = today();
    // The soonest few; the renewals page has them all, page by page.
    let renewals_due::DuePage {
        due,
        total: due_total,
        ..
    } = renewals_due::due_page(
        state,
        &viewer.caller,
        slug.clone(),
        DueInput {
            within_days: Some(90),
            as_of: None,
        },
        Some(PageRequest {
            page: 1,
            per_page: DUE_SHOWN,
        }),
    )
    .await?;
    let pending = PageRequest {
        page: 1,
        per_page: 100,
    };
    let waiting = applications::for_society(
        state,
        &viewer.caller,
        slug.clone(),
        Ok((pending, Some(ApplicationStatus::Pending))),
    )
    .await?
    .page;
    let society_id = society.id.clone();
    let (entries, recent, tiers) = db::run(&state.pool, move |conn| {
        let entries = db::register::page_with_people(conn, &society_id, entries_page)?;
        let recent = db::register::recent_changes(conn, &society_id, 20)?;
        let tiers = tier_names(conn, &society_id, today)?;
        Ok((entries, recent, tiers))
    })
    .await?;
    let names = TierNames::new(&tiers);
    let link_to = |n: u32| format!("/societies/{slug}/dashboard?page={n}#every-entry");
    let title = format!("Registrar dashboard: {}", society.name);
    Ok(ok(layout::page(
        viewer,
        &title,
        html! {
            h1 { (title) }
            (super::nav(&slug, "dashboard"))
            p { a href={ "/societies/" (slug) "/register" } { "The public register" } }
            h2 { "Applications waiting for a decision" }
            @if waiting.items.is_empty() {
                p { "No application is waiting." }
            } @else {
                p { (waiting.total) " waiting, oldest first. Each links to the application, its assessment and the decision form." }
                table class="stack" {
                    thead { tr { th scope="col" { "Applicant" } th scope="col" { "Tier" } th scope="col" { "Applied" } th scope="col" { "Basis" } } }
                    tbody {
                        @for named in &waiting.items {
                            @let a = &named.application;
                            tr {
                                td data-label="Applicant" { a href={ "/societies/" (slug) "/applications/" (a.id) } { (named.person_name) } }
                                td data-label="Tier" { (named.tier_name()) }
                                td data-label="Applied" { (date(style, a.applied_at.date())) }
                                td data-label="Basis" {
                                    (match a.basis.as_str() {
                                        "eligible" => "Eligible when applying",
                                        "override" => "Not eligible; override recorded",
                                        "conferred" => "Conferred by invitation",
                                        other => other,
                                    })
                                    @if let Some(r) = &a.basis_reason { br; span class="muted" { (r) } }
                                }
                            }
                        }
                    }
                }
            }
            h2 { "Due for renewal within 90 days" }
            @if due.is_empty() {
                p { "No entry is due for renewal in the next 90 days." }
            } @else {
                table class="stack" {
                    thead { tr { th scope="col" { "Entry" } th scope="col" { "Tier" } th scope="col" { "Valid until" } th scope="col" { "Days left" } th scope="col" { "Lapses on" } } }
                    tbody {
                        @for d in &due {
                            tr {
                                td data-label="Entry" { a href={ "/societies/" (slug) "/register/" (encode(&d.registration)) } { (d.name) } " (" (d.registration) ")" }
                                td data-label="Tier" { (names.name(&d.tier)) }
                                td data-label="Valid until" { (date(style, d.valid_until)) }
                                td data-label="Days left" { (d.days_left) }
                                td data-label="Lapses on" { (maybe_date(style, d.lapses_on)) }
                            }
                        }
                    }
                }
                @if due_total > i64::from(DUE_SHOWN) {
                    p { "The " (DUE_SHOWN) " soonest of " (due_total) ". " a href={ "/societies/" (slug) "/renewals" } { "All renewals due" } }
                }
            }
            h2 { "Recent status changes" }
            @if recent.is_empty() {
                p { "The register has no entries yet." }
            } @else {
                table class="stack" {
                    thead { tr { th scope="col" { "Date" } th scope="col" { "Entry" } th scope="col" { "Change" } th scope="col" { "Status after" } } }
                    tbody {
                        @for c in &recent {
                            tr {
                                td data-label="Date" { (date(style, c.effective)) }
                                td data-label="Entry" { a href={ "/societies/" (slug) "/register/" (encode(&c.registration)) } { (full_name(c.person.title.as_deref(), &c.person.name())) } " (" (c.registration) ")" }
                                td data-label="Change" { (crate::web::capitalised(&crate::web::words(&c.action))) }
                                td data-label="Status after" { (status_word(&c.to)) }
                            }
                        }
                    }
                }
            }
            h2 id="every-entry" { "Every entry" }
            @if entries.items.is_empty() {
                p { "The register has no entries yet." }
            } @else {
                table class="stack" {
                    thead { tr { th scope="col" { "Entry" } th scope="col" { "Tier" } th scope="col" { "Status today" } th scope="col" { "Listed publicly" } } }
                    tbody {
                        @for (stored, person) in &entries.items {
                            @let registration = stored.entry.registration().as_str();
                            tr {
                                td data-label="Entry" { a href={ "/societies/" (slug) "/register/" (encode(registration)) } { (full_name(person.title.as_deref(), &person.name())) } " (" (registration) ")" }
                                td data-label="Tier" { (db::register::current_tier(&stored.entry).map(|t| names.name(t.as_str())).unwrap_or_default()) }
                                td data-label="Status today" {
                                    @match stored.entry.status_as_of(today) {
                                        Some(s) => (status_word(s.as_str())),
                                        None => "Not yet in effect",
                                    }
                                }
                                td data-label="Listed publicly" { @if person.public_listing { "Yes" } @else { "No" } }
                            }
                        }
                    }
                }
            }
            (pager("Pages of entries", entries.page, entries.per_page, entries.total, link_to))
        },
    )))
}
