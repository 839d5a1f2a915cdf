//! Verifying a registration as of a day, with a stable link to the
//! answer.

use crate::actions::register::public as register;
use crate::actions::register::verify::{self as verification, Answer};
use crate::actions::today;
use crate::day::Day;
use crate::edge::Query;
use crate::error::{ApiError, FieldProblem};
use crate::state::AppState;
use crate::web::dates::DateStyle;
use crate::web::layout::{self, date, day_words, FormErrors};
use crate::web::{encode, finish, page_response, words, PageError, TierNames, Viewer};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use maud::html;
use serde::Deserialize;

use super::{full_name, given, place};

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
    // The society and its tiers' names, from the public register in memory.
    let facts = register::society(state, slug.clone()).await?;
    let society = &facts.society;
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
    let answer = verification::answer(state, slug.clone(), registration.clone(), Some(as_of)).await;
    // Good standing, not, and not known look different, in words as well.
    let (status, verdict, details, standing) = match answer {
        Ok(found) => {
            let v = Verification::from(found);
            let names = TierNames::new(&facts.tiers);
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
            let standing = match v.status.as_deref() {
                Some("accredited") => "standing-good",
                Some(_) => "standing-not",
                None => "standing-unknown",
            };
            (StatusCode::OK, words, details, standing)
        }
        Err(ApiError::NotFound(_)) => (
            StatusCode::NOT_FOUND,
            format!(
                "{registration} is not on the public register of {}.",
                society.name
            ),
            html! {
                p { "The public register lists only leaders who agreed to be listed, so a registration can exist without being shown here. Check the number, or ask the society's registrar to confirm it." }
                p { a href={ "/societies/" (slug) "/register" } { "Search the register" } }
            },
            "standing-unknown",
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
            p class={ "verdict standing " (standing) } { (verdict) }
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

impl From<Answer> for Verification {
    fn from(answer: Answer) -> Self {
        Self {
            registration: answer.registration,
            title: answer.title,
            name: answer.name,
            city: answer.city,
            region: answer.region,
            status: answer.status.map(|s| s.as_str().to_owned()),
            tier: answer.tier,
            first_accredited: answer.first_accredited,
            valid_until: answer.valid_until,
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
