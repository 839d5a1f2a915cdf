//! A person's ledger to take away: the CSV download (the same file as the
//! API's export) and a printable portfolio of their progress (one page,
//! with a print stylesheet: no navigation, no forms).

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use balint_core::evaluate::Assessment;
use balint_core::pathway::Entry;
use maud::html;

use crate::actions::{ledger, progress};
use crate::app::AppState;
use crate::db::{self, activities::LedgerFilter};
use crate::error::ApiError;
use crate::web::dates::DateStyle;
use crate::web::layout::{self, date, maybe_date};
use crate::web::public::{full_name, status_word};
use crate::web::{finish, kind_label, ok, words, PageError, TierNames, Viewer};

use super::{trainee, PeopleNames, Standing};

/// `GET /societies/{society}/people/{person}/activities/export`: every
/// record as CSV, as the API's export writes it (a cell a spreadsheet
/// would run as a formula starts with `'`).
pub async fn csv(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let (slug, person_id) = path.into_inner();
    let result = async {
        let (person, records) = ledger::portfolio(
            &state,
            &viewer.caller,
            slug,
            person_id,
            LedgerFilter::default(),
        )
        .await?;
        let csv = crate::ledger::portfolio_csv(&records)
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("writing CSV: {e}")))?;
        Ok::<_, PageError>(
            HttpResponse::Ok()
                .content_type("text/csv; charset=utf-8")
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .insert_header((
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"ledger-{}.csv\"", person.id),
                ))
                .body(csv),
        )
    }
    .await;
    finish(&req, &viewer, result)
}

/// `GET /societies/{society}/people/{person}/portfolio`: where the person
/// stands, their progress towards each tier still ahead, and every record.
pub async fn portfolio(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let (slug, person_id) = path.into_inner();
    let result = portfolio_page(&state, &viewer, slug, person_id).await;
    finish(&req, &viewer, result)
}

async fn portfolio_page(
    state: &AppState,
    viewer: &Viewer,
    slug: String,
    person_id: String,
) -> Result<HttpResponse, PageError> {
    let (society, person) = trainee(state, viewer, slug.clone(), person_id.clone()).await?;
    let (_, records) = ledger::portfolio(
        state,
        &viewer.caller,
        slug.clone(),
        person_id.clone(),
        LedgerFilter::default(),
    )
    .await?;
    let style = DateStyle::for_country(society.country.as_deref());
    let today = crate::actions::today();
    let entered = person.entered_pathway_on.unwrap_or(today);
    let society_id = society.id.clone();
    let pid = person.id.clone();
    let named: Vec<String> = records
        .iter()
        .flat_map(|r| [&r.activity.attestor, &r.activity.co_leader])
        .flatten()
        .map(|p| p.as_str().to_owned())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let (tiers, standing, assessments, names) = db::run(&state.pool, move |conn| {
        let standing = Standing::read(conn, &society_id, &pid, today)?;
        let tiers: Vec<(String, String, Entry)> =
            db::pathways::applicable(conn, &society_id, entered)?
                .map(|v| {
                    v.pathway
                        .tiers()
                        .iter()
                        .map(|t| (t.id.as_str().to_owned(), t.name.clone(), t.entry))
                        .collect()
                })
                .unwrap_or_default();
        let mut assessments: Vec<Assessment<'static>> = Vec::new();
        for (id, _, entry) in standing.ahead(&tiers, |(id, _, _)| id.as_str()) {
            if *entry == Entry::Application {
                let tier = super::tier_id(id)?;
                let (_, assessment, _) =
                    progress::assess_with_ledger(conn, None, &society_id, &pid, &tier, today)?;
                assessments.push(assessment);
            }
        }
        let names = PeopleNames::new(db::people::named(conn, &society_id, &named)?);
        Ok((tiers, standing, assessments, names))
    })
    .await?;
    let tier_names = TierNames::new(
        &tiers
            .iter()
            .map(|(id, name, _)| (id.clone(), name.clone()))
            .collect::<Vec<_>>(),
    );
    let name = full_name(person.title.as_deref(), &person.name());
    let title = format!("Portfolio of {name}");
    let person_of = |id: Option<&balint_core::PersonId>| {
        id.map_or_else(|| "—".to_owned(), |p| names.name(p.as_str()))
    };
    Ok(ok(layout::page(
        viewer,
        &title,
        html! {
            div class="portfolio" {
                p class="no-print" {
                    a href={ "/societies/" (slug) "/people/" (person_id) "/progress" } { "Back to progress" }
                    " · Print this page, or save it as a PDF, from your browser's Print command."
                }
                h1 { (title) }
                dl class="facts" {
                    dt { "Society" } dd { (society.name) }
                    dt { "Prepared on" } dd { (date(style, today)) }
                    dt { "Entered the pathway" } dd { (maybe_date(style, person.entered_pathway_on)) }
                    dt { "Registration" }
                    dd {
                        @match &standing.registration {
                            Some((number, status)) => { (number) " · " (status_word(status.as_str())) }
                            None => "Not on the register",
                        }
                    }
                    @for (tier, day) in &standing.reached {
                        dt { (tier_names.name(tier)) } dd { "Reached on " (date(style, *day)) }
                    }
                    @for (tier, at) in &standing.pending {
                        dt { (tier_names.name(tier)) } dd { "Applied for on " (date(style, at.date())) " (pending)" }
                    }
                }
                @for a in &assessments {
                    section class="portfolio-tier" aria-labelledby={ "tier-" (a.tier.as_str()) } {
                        h2 id={ "tier-" (a.tier.as_str()) } { "Progress towards " (a.tier_name) }
                        p class="verdict" {
                            @if a.eligible { "Every mandatory requirement is met: eligible to apply." }
                            @else { "Not yet eligible." }
                        }
                        table {
                            caption { "Requirements, as of " (date(style, a.as_of)) }
                            thead { tr { th scope="col" { "Requirement" } th scope="col" { "Kind" } th scope="col" { "Achieved" } th scope="col" { "Met" } } }
                            tbody {
                                @for (r, level) in a.mandatory.iter().map(|r| (r, "Mandatory")).chain(a.desirable.iter().map(|r| (r, "Desirable"))) {
                                    tr {
                                        td { (r.title) }
                                        td { (level) }
                                        td {
                                            @match (r.achieved, r.required) {
                                                (Some(achieved), Some(required)) => { (achieved) " of " (required) @if let Some(u) = r.unit { " " (words(u.as_str())) } }
                                                _ => "—",
                                            }
                                        }
                                        td { @if r.met { span class="met" { "Met" } } @else { span class="unmet" { "Not met" } } }
                                    }
                                }
                            }
                        }
                    }
                }
                h2 id="records" { "Records" }
                @if records.is_empty() {
                    p { "No records yet." }
                } @else {
                    table class="stack" aria-describedby="records" {
                        thead { tr { th scope="col" { "Date" } th scope="col" { "Kind" } th scope="col" { "Amount" } th scope="col" { "Group" } th scope="col" { "Attestor" } th scope="col" { "Status" } } }
                        tbody {
                            @for r in &records {
                                tr {
                                    td data-label="Date" { (date(style, r.activity.date)) }
                                    td data-label="Kind" { (kind_label(r.activity.kind.as_str())) }
                                    td data-label="Amount" { (r.activity.amount) " " (words(r.activity.unit.as_str())) }
                                    td data-label="Group" { (r.activity.group.as_deref().unwrap_or("—")) }
                                    td data-label="Attestor" { (person_of(r.activity.attestor.as_ref())) }
                                    td data-label="Status" { span class={ "status status-" (r.status.as_str()) } { (crate::web::capitalised(r.status.as_str())) } }
                                }
                            }
                        }
                    }
                }
            }
        },
    )))
}
