//! The public pages: the list of registers, a society's register with its
//! search, one entry with its public history, and verification.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use balint_core::register::{Status, Visibility};
use chrono::NaiveDate;
use maud::{html, Markup};
use serde::Deserialize;

use crate::actions::register::public::{self as register, SearchInput, Shown};
use crate::actions::register::verify::{self as verification, Verified};
use crate::actions::today;
use crate::auth::permissions;
use crate::day::Day;
use crate::db;
use crate::edge::Query;
use crate::error::{ApiError, FieldProblem};
use crate::pagination::PageRequest;
use crate::state::AppState;
use crate::web::dates::DateStyle;
use crate::web::layout::{self, date, day_words, maybe_date, FormErrors};
use crate::web::registrar::{self, StatusForm};
use crate::web::{
    capitalised, encode, finish, ok, page_response, society, tier_names, words, PageError,
    TierNames, Viewer,
};

/// Entries per page of the public register.
const PER_PAGE: u32 = 20;

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

/// The public register's search.
#[derive(Debug, Default, Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
    region: Option<String>,
    tier: Option<String>,
    page: Option<String>,
}

fn given(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
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
    let society = society(state, slug.clone()).await?;
    let style = DateStyle::for_country(society.country.as_deref());
    let society_id = society.id.clone();
    let tiers = db::run(&state.pool, move |conn| {
        tier_names(conn, &society_id, today())
    })
    .await?;
    let names = TierNames::new(&tiers);
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
            status: None,
            region: region.clone(),
        },
    )
    .await?;
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
            p { "Accredited Balint group leaders of " (society.name) " who agreed to be listed. To check a registration on a given day, open the entry and choose “Verify”." }
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
                    label for="tier" { "Tier" }
                    select id="tier" name="tier" {
                        option value="" { "Any tier" }
                        @for (id, name) in &tiers {
                            option value=(id) selected[tier.as_deref() == Some(id.as_str())] { (name) }
                        }
                    }
                }
                div class="field" { button type="submit" { "Search" } }
            }
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

/// `GET /societies/{society}/register/{registration}`: the public entry
/// with its public history; the registrar also sees the whole history and a
/// form to change the status. Unknown and unlisted entries get the same
/// 404 page.
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
    let society = society(state, slug.clone()).await?;
    let style = DateStyle::for_country(society.country.as_deref());
    let answer = register::entry(state, &viewer.caller, slug.clone(), registration.clone()).await?;
    let society_id = society.id.clone();
    let tiers = db::run(&state.pool, move |conn| {
        tier_names(conn, &society_id, today())
    })
    .await?;
    let names = TierNames::new(&tiers);
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
                    dl class="facts" {
                        dt { "Registration" } dd { (e.registration) }
                        dt { "Tier" } dd { (names.name(&e.tier)) }
                        dt { "Status" } dd { (status_word(e.status.as_str())) }
                        dt { "City or region" } dd { (place(e.city.as_deref(), e.region.as_deref())) }
                        dt { "First accredited" } dd { (date(style, e.first_accredited)) }
                        dt { "Valid until" } dd { (maybe_date(style, e.valid_until)) }
                    }
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

/// "Dr Ada Moreau".
pub fn full_name(title: Option<&str>, name: &str) -> String {
    match title {
        Some(t) if !t.trim().is_empty() => format!("{t} {name}"),
        _ => name.to_owned(),
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

/// `?as_of=` of the verification page.
#[derive(Debug, Default, Deserialize)]
pub struct VerifyQuery {
    as_of: Option<String>,
}

/// `GET /verify/{society}/{registration}?as_of=DATE`: was registration X
/// valid on day D, in plain words, with a stable link to the answer.
pub async fn verify(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
    query: Query<VerifyQuery>,
) -> HttpResponse {
    let (slug, registration) = path.into_inner();
    let result = verify_page(
        &req,
        &state,
        &viewer,
        slug,
        registration,
        query.into_inner(),
    )
    .await;
    finish(&req, &viewer, result)
}

async fn verify_page(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    viewer: &Viewer,
    slug: String,
    registration: String,
    query: VerifyQuery,
) -> Result<HttpResponse, PageError> {
    let society = society(state, slug.clone()).await?;
    let style = DateStyle::for_country(society.country.as_deref());
    let today = today();
    let typed = given(&query.as_of);
    let as_of = match typed.as_deref() {
        None => Ok(today),
        Some(text) => Day::parse(text)
            .map(Day::date)
            .map_err(|e| (text.to_owned(), e)),
    };
    let title = format!("Verify registration {registration}");
    let form = |value: &str, errors: &FormErrors| {
        html! {
            form class="stacked no-print" method="get" action={ "/verify/" (slug) "/" (registration) } {
                (errors.summary())
                div class="field" {
                    label for="as_of" { "Date" span class="hint" { "The day to check, for example 2026-03-03" } }
                    (errors.next_to("as_of"))
                    input type="date" id="as_of" name="as_of" value=(value)
                        aria-describedby=[errors.described_by("as_of")] aria-invalid=[errors.invalid("as_of")];
                }
                button type="submit" { "Check this date" }
            }
        }
    };
    let as_of = match as_of {
        Ok(day) => day,
        Err((text, error)) => {
            let errors = FormErrors::new(
                vec![FieldProblem::new("as_of", day_words(error))],
                &[("as_of", "Date")],
            );
            let body = layout::page(
                viewer,
                &title,
                html! { h1 { (title) } (form(&text, &errors)) },
            );
            return Ok(page_response(StatusCode::BAD_REQUEST, body));
        }
    };
    let answer = verification::verify(state, slug.clone(), registration.clone(), Some(as_of)).await;
    let (status, verdict, details) = match answer {
        Ok(found) => {
            let v = Verification::from(found);
            let society_id = society.id.clone();
            let tiers = db::run(&state.pool, move |conn| {
                tier_names(conn, &society_id, today)
            })
            .await?;
            let names = TierNames::new(&tiers);
            let words = verdict_words(&v, &style.format(as_of), &names);
            let details = html! {
                dl class="facts" {
                    dt { "Registration" } dd { (v.registration) }
                    dt { "Name" } dd { (full_name(v.title.as_deref(), &v.name)) }
                    dt { "City or region" } dd { (place(v.city.as_deref(), v.region.as_deref())) }
                    dt { "First accredited" } dd { (date(style, v.first_accredited)) }
                    @if let Some(until) = v.valid_until { dt { "Cycle ran until" } dd { (date(style, until)) } }
                }
                p class="no-print" { a href={ "/societies/" (slug) "/register/" (encode(&v.registration)) } { "See the register entry and its history" } }
            };
            (StatusCode::OK, words, details)
        }
        Err(ApiError::NotFound(_)) => (
            StatusCode::NOT_FOUND,
            format!(
                "There is no registration {registration} on the register of {}.",
                society.name
            ),
            html! { p { "Check the number, or " a href={ "/societies/" (slug) "/register" } { "search the register" } "." } },
        ),
        Err(other) => return Err(other.into()),
    };
    let stable = format!(
        "{}/verify/{slug}/{}?as_of={as_of}",
        origin(req),
        encode(&registration)
    );
    let body = layout::page(
        viewer,
        &title,
        html! {
            h1 { (title) }
            p class="verdict" { (verdict) }
            p class="muted" { "Checked against the register of " (society.name) " on " (date(style, today)) "." }
            (details)
            p class="stable-link" { "A stable link to this answer: " a href=(stable) { (stable) } }
            h2 class="no-print" { "Check another date" }
            (form(&as_of.to_string(), &FormErrors::default()))
        },
    );
    Ok(page_response(status, body))
}

fn origin(req: &HttpRequest) -> String {
    let info = req.connection_info();
    format!("{}://{}", info.scheme(), info.host())
}

/// What the verification page says of a registration on a day.
#[derive(Debug)]
pub struct Verification {
    pub registration: String,
    pub title: Option<String>,
    pub name: String,
    pub city: Option<String>,
    pub region: Option<String>,
    /// The status that day (none before the first grant).
    pub status: Option<String>,
    /// The tier most recently granted by that day.
    pub tier: Option<String>,
    pub first_accredited: NaiveDate,
    /// The last day of the cycle the entry was running under that day.
    pub valid_until: Option<NaiveDate>,
}

impl From<Verified> for Verification {
    fn from(verified: Verified) -> Self {
        let Verified {
            stored,
            person,
            standing,
            ..
        } = verified;
        let entry = &stored.entry;
        Self {
            registration: entry.registration().as_str().to_owned(),
            name: person.name(),
            title: person.title,
            city: person.city,
            region: person.region,
            status: standing.as_ref().map(|s| s.status.as_str().to_owned()),
            tier: standing.as_ref().map(|s| s.tier.as_str().to_owned()),
            first_accredited: entry.first_accredited(),
            valid_until: standing.and_then(|s| s.valid_until),
        }
    }
}

/// The answer in plain words.
pub fn verdict_words(v: &Verification, day: &str, names: &TierNames) -> String {
    let who = format!(
        "{} ({})",
        v.registration,
        full_name(v.title.as_deref(), &v.name)
    );
    let tier = v.tier.as_deref().map(|t| names.name(t));
    match (v.status.as_deref(), tier) {
        (None, _) => format!("On {day}, {who} was not on the register."),
        (Some("accredited"), Some(tier)) => {
            format!(
                "On {day}, {who} was {} {tier} in good standing.",
                article(&tier)
            )
        }
        (Some("accredited"), None) => format!("On {day}, {who} was accredited in good standing."),
        (Some("suspended"), _) => {
            format!("On {day}, {who} was suspended, and not in good standing.")
        }
        (Some("lapsed"), _) => format!("On {day}, {who} had lapsed, and was not in good standing."),
        (Some("revoked"), _) => {
            format!("On {day}, {who} had been revoked, and was not accredited.")
        }
        (Some("retired"), _) => {
            format!("On {day}, {who} had retired, and was not practising as an accredited leader.")
        }
        (Some("deceased"), _) => format!("On {day}, {who} was recorded as deceased."),
        (Some(other), _) => format!("On {day}, {who} was {}.", words(other)),
    }
}

fn article(noun: &str) -> &'static str {
    match noun.chars().next().map(|c| c.to_ascii_lowercase()) {
        Some('a' | 'e' | 'i' | 'o' | 'u') => "an",
        _ => "a",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn verification(status: Option<&str>) -> Verification {
        Verification {
            registration: "BSANZ-0001".into(),
            title: Some("Dr".into()),
            name: "Ada Moreau".into(),
            city: None,
            region: None,
            status: status.map(str::to_owned),
            tier: status.map(|_| "accredited-leader".to_owned()),
            first_accredited: NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default(),
            valid_until: None,
        }
    }

    #[test]
    fn the_verdict_reads_as_a_sentence() {
        let names = TierNames::new(&[("accredited-leader".into(), "Accredited Leader".into())]);
        assert_eq!(
            verdict_words(&verification(Some("accredited")), "3 March 2026", &names),
            "On 3 March 2026, BSANZ-0001 (Dr Ada Moreau) was an Accredited Leader in good standing."
        );
        assert_eq!(
            verdict_words(&verification(Some("suspended")), "3 March 2026", &names),
            "On 3 March 2026, BSANZ-0001 (Dr Ada Moreau) was suspended, and not in good standing."
        );
        assert_eq!(
            verdict_words(&verification(None), "3 March 2026", &names),
            "On 3 March 2026, BSANZ-0001 (Dr Ada Moreau) was not on the register."
        );
    }
}
