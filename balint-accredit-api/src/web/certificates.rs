//! Certificates of attendance: a person's page to issue one over a period
//! (for a CPD scheme when they choose one) and see those issued; the
//! public certificate itself, printable (a print stylesheet leaves only the
//! certificate) and as a PDF; and the form where anyone checks a code.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use balint_core::cpd::{self, CpdAssessment};
use maud::{html, Markup};
use serde::Deserialize;

use crate::actions::certificates::{self as action, IssueInput, Issued};
use crate::app::AppState;
use crate::day::Day;
use crate::db::certificates::Certificate;
use crate::edge::{Form, Query};
use crate::error::{ApiError, FieldProblem};
use crate::pdf::{Document, Style};
use crate::web::dates::DateStyle;
use crate::web::layout::{self, csrf_field, day_words, FormErrors};
use crate::web::{encode, finish, ok, page_response, see_other, PageError, Viewer};

/// Register the certificates' pages.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/societies/{society}/people/{person}/certificates")
            .route(web::get().to(mine))
            .route(web::post().to(issue)),
    )
    .service(web::resource("/certificates").route(web::get().to(lookup)))
    .service(web::resource("/certificates/{code}").route(web::get().to(show)))
    .service(web::resource("/certificates/{code}/pdf").route(web::get().to(pdf)));
}

/// The form that issues a certificate.
#[derive(Debug, Default, Deserialize)]
pub struct IssueForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    scheme: String,
}

const LABELS: &[(&str, &str)] = &[("from", "From"), ("to", "To"), ("scheme", "CPD scheme")];

/// `?issued=` of the certificates' page: the code of the one just issued.
#[derive(Debug, Default, Deserialize)]
pub struct MineQuery {
    issued: Option<String>,
}

/// `GET /societies/{society}/people/{person}/certificates`: the form and
/// the certificates issued so far; after issuing one, what the scheme
/// said of its period.
pub async fn mine(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
    query: Query<MineQuery>,
) -> HttpResponse {
    let (slug, person_id) = path.into_inner();
    let result = async {
        let issued = match query.into_inner().issued {
            Some(code) => action::assessment(
                &state,
                &viewer.caller,
                slug.clone(),
                person_id.clone(),
                code,
            )
            .await?
            .map(|(certificate, assessment)| {
                Ok(Issued {
                    certificate,
                    assessment,
                })
            }),
            None => None,
        };
        page(
            &state,
            &viewer,
            slug,
            person_id,
            &IssueForm::default(),
            issued,
        )
        .await
    }
    .await;
    finish(&req, &viewer, result)
}

/// `POST /societies/{society}/people/{person}/certificates`: issue one,
/// then back to the page, which shows it with what the scheme said; a
/// problem is shown next to its field.
pub async fn issue(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
    form: Form<IssueForm>,
) -> HttpResponse {
    let (slug, person_id) = path.into_inner();
    let form = form.into_inner();
    let result = async {
        viewer.check_csrf(&form.csrf)?;
        let mut problems = Vec::new();
        let mut day = |field: &str, text: &str| match Day::parse(text.trim()) {
            Ok(d) => Some(d.date()),
            Err(e) => {
                problems.push(FieldProblem::new(field, day_words(e)));
                None
            }
        };
        let (from, to) = (day("from", &form.from), day("to", &form.to));
        let outcome = match (from, to) {
            (Some(from), Some(to)) => {
                let scheme = Some(form.scheme.trim().to_owned()).filter(|s| !s.is_empty());
                action::issue(
                    &state,
                    &viewer.caller,
                    slug.clone(),
                    person_id.clone(),
                    IssueInput { from, to, scheme },
                )
                .await
            }
            _ => Err(ApiError::Unprocessable {
                detail: "the certificate's request has problems".to_owned(),
                errors: problems,
            }),
        };
        match outcome {
            Ok(issued) => Ok(see_other(&format!(
                "/societies/{slug}/people/{}/certificates?issued={}",
                encode(&person_id),
                issued.certificate.code
            ))),
            Err(ApiError::Unprocessable { errors, .. }) => {
                let mut response = page(
                    &state,
                    &viewer,
                    slug,
                    person_id,
                    &form,
                    Some(Err(FormErrors::new(errors, LABELS))),
                )
                .await?;
                *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
                Ok(response)
            }
            Err(other) => Err(other.into()),
        }
    }
    .await;
    finish(&req, &viewer, result)
}

async fn page(
    state: &AppState,
    viewer: &Viewer,
    slug: String,
    person_id: String,
    form: &IssueForm,
    outcome: Option<Result<Issued, FormErrors>>,
) -> Result<HttpResponse, PageError> {
    let (society, person) =
        crate::actions::ledger::owner(state, &viewer.caller, slug.clone(), person_id.clone())
            .await?;
    let issued = action::list(state, &viewer.caller, slug.clone(), person_id.clone()).await?;
    let style = DateStyle::for_country(society.country.as_deref());
    let csrf = viewer.csrf().unwrap_or_default();
    let name = crate::web::public::full_name(person.title.as_deref(), &person.name());
    let title = format!("Certificates of attendance of {name}");
    let (errors, just_issued) = match outcome {
        None => (FormErrors::new(Vec::new(), LABELS), None),
        Some(Ok(issued)) => (FormErrors::new(Vec::new(), LABELS), Some(issued)),
        Some(Err(errors)) => (errors, None),
    };
    let schemes: Vec<cpd::CpdScheme> = cpd::presets::all()
        .iter()
        .filter_map(|p| p.try_scheme().ok())
        .collect();
    let body = layout::page(
        viewer,
        &title,
        html! {
            p class="muted" { (society.name) }
            h1 { (title) }
            @if let Some(issued) = &just_issued {
                (issued_notice(issued, style))
            }
            p { "A certificate counts your confirmed group sessions (participation records) in the period you choose: sessions and hours, in person and online, and the leaders who confirmed them. It is kept as issued, with a code anyone can check on this site." }
            form class="stacked" method="post" action={ "/societies/" (slug) "/people/" (encode(&person_id)) "/certificates" } novalidate {
                (errors.summary())
                (csrf_field(&csrf))
                div class="field" {
                    label for="from" { "From" span class="hint" { "The first day, for example 2025-01-01" } }
                    (errors.next_to("from"))
                    input type="date" id="from" name="from" value=(form.from) required
                        aria-describedby=[errors.described_by("from")] aria-invalid=[errors.invalid("from")];
                }
                div class="field" {
                    label for="to" { "To" span class="hint" { "The last day, included" } }
                    (errors.next_to("to"))
                    input type="date" id="to" name="to" value=(form.to) required
                        aria-describedby=[errors.described_by("to")] aria-invalid=[errors.invalid("to")];
                }
                div class="field" {
                    label for="scheme" { "CPD scheme" span class="hint" { "Optional: the certificate says the scheme is met when your sessions meet it" } }
                    (errors.next_to("scheme"))
                    select id="scheme" name="scheme" aria-describedby=[errors.described_by("scheme")] aria-invalid=[errors.invalid("scheme")] {
                        option value="" { "None" }
                        @for s in &schemes {
                            option value=(s.id().as_str()) selected[form.scheme == s.id().as_str()] { (s.title()) }
                        }
                    }
                }
                button type="submit" { "Issue the certificate" }
            }
            h2 { "Certificates issued" }
            @if issued.is_empty() {
                p { "None yet." }
            } @else {
                div class="table-wrap" {
                    table {
                        caption class="visually-hidden" { "Certificates issued, newest first" }
                        thead { tr { th scope="col" { "Period" } th scope="col" { "Sessions" } th scope="col" { "Hours" } th scope="col" { "Code" } th scope="col" { "Issued" } } }
                        tbody {
                            @for c in &issued {
                                tr {
                                    td { (style.format(c.period_from)) " to " (style.format(c.period_to)) }
                                    td { (c.sessions().total()) }
                                    td { (c.hours().total()) }
                                    td { a href={ "/certificates/" (c.code) } { code { (c.code) } } }
                                    td { (style.format(c.issued_at.date())) }
                                }
                            }
                        }
                    }
                }
            }
        },
    );
    Ok(ok(body))
}

/// What was just issued, and what the scheme said of the period.
fn issued_notice(issued: &Issued, style: DateStyle) -> Markup {
    let c = &issued.certificate;
    html! {
        div class="notice" role="status" {
            p { strong { "Certificate issued." } " "
                a href={ "/certificates/" (c.code) } { "See and print it" } ", or "
                a href={ "/certificates/" (c.code) "/pdf" } { "download the PDF" } "." }
            @if let Some(a) = &issued.assessment {
                (assessment_words(a, style))
            }
        }
    }
}

fn assessment_words(a: &CpdAssessment, style: DateStyle) -> Markup {
    html! {
        @if a.met {
            p { "It meets " (a.title) ": " (a.achieved) " " (a.unit.word()) " counted." }
        } @else {
            p { "It does not meet " (a.title) " for " (style.format(a.from)) " to " (style.format(a.to)) ", so the certificate does not say so. Still missing:" }
            ul { @for line in &a.missing { li { (line) } } }
        }
    }
}

/// `?code=` of the form that checks a certificate.
#[derive(Debug, Default, Deserialize)]
pub struct LookupQuery {
    code: Option<String>,
}

/// `GET /certificates?code=`: the form where anyone checks a code; a code
/// goes to its certificate.
pub async fn lookup(req: HttpRequest, viewer: Viewer, query: Query<LookupQuery>) -> HttpResponse {
    let typed = query.into_inner().code.unwrap_or_default();
    if !typed.trim().is_empty() {
        if let Some(code) = action::normalise_code(&typed) {
            return see_other(&format!("/certificates/{code}"));
        }
    }
    let errors = if typed.trim().is_empty() {
        FormErrors::new(Vec::new(), &[("code", "Verification code")])
    } else {
        FormErrors::new(
            vec![FieldProblem::new(
                "code",
                "a code is six groups of four letters and digits, for example 3F9A-0C12-77D0-A1B2-C3D4-E5F6",
            )],
            &[("code", "Verification code")],
        )
    };
    let status = if typed.trim().is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let _ = &req;
    page_response(
        status,
        layout::page(
            &viewer,
            "Check a certificate of attendance",
            html! {
                h1 { "Check a certificate of attendance" }
                p { "Every certificate of attendance issued here carries a verification code. Enter it to see what the certificate says, as it was issued." }
                form class="stacked" method="get" action="/certificates" {
                    (errors.summary())
                    div class="field" {
                        label for="code" { "Verification code" }
                        (errors.next_to("code"))
                        input type="text" id="code" name="code" value=(typed) autocomplete="off" spellcheck="false"
                            aria-describedby=[errors.described_by("code")] aria-invalid=[errors.invalid("code")];
                    }
                    button type="submit" { "Check" }
                }
            },
        ),
    )
}

/// `GET /certificates/{code}`: the certificate, as issued (public: the
/// code is what its holder shows), to print.
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
) -> HttpResponse {
    let code = path.into_inner();
    let result = async {
        match action::verify(&state, code.clone()).await {
            Ok(c) => Ok(ok(certificate_page(&req, &viewer, &c))),
            Err(ApiError::NotFound(_)) => Ok(page_response(
                StatusCode::NOT_FOUND,
                layout::page(
                    &viewer,
                    "No such certificate",
                    html! {
                        h1 { "No such certificate" }
                        p class="standing standing-unknown" { "No certificate of attendance has the code " code { (code) } ". Check the code as it is printed on the certificate: a changed or mistyped code is not found." }
                        p { a href="/certificates" { "Check another code" } }
                    },
                ),
            )),
            Err(e) => Err(PageError::from(e)),
        }
    }
    .await;
    finish(&req, &viewer, result)
}

/// This site's scheme and host, as the request names them.
pub(crate) fn origin(req: &HttpRequest) -> String {
    let info = req.connection_info();
    format!("{}://{}", info.scheme(), info.host())
}

/// The certificate's words, shared by the page and the PDF.
struct Words {
    title: &'static str,
    statement: String,
    meets: Option<String>,
    leaders: String,
    check: String,
    issued: String,
}

fn words(c: &Certificate, origin: &str) -> Words {
    let style = DateStyle::for_country(None);
    let leaders = c.leader_names();
    Words {
        title: "Certificate of attendance",
        statement: format!(
            "This certifies that {} took part in Balint group sessions recorded with {} from {} to {}, as confirmed by the group leaders:",
            c.person_name,
            c.society_name,
            style.format(c.period_from),
            style.format(c.period_to)
        ),
        meets: match (c.scheme_met, &c.scheme_title) {
            (Some(true), Some(title)) => Some(format!(
                "Meets {title} for this period."
            )),
            _ => None,
        },
        leaders: if leaders.is_empty() {
            "Group leaders: not named".to_owned()
        } else {
            format!("Group leaders: {}", leaders.join(", "))
        },
        check: format!(
            "Verification code {}: check it at {origin}/certificates/{}",
            c.code, c.code
        ),
        issued: format!(
            "Issued on {} by {}.",
            style.format(c.issued_at.date()),
            c.society_name
        ),
    }
}

fn certificate_page(req: &HttpRequest, viewer: &Viewer, c: &Certificate) -> Markup {
    let w = words(c, &origin(req));
    let (sessions, hours) = (c.sessions(), c.hours());
    layout::page(
        viewer,
        w.title,
        html! {
            article class="certificate" {
                p class="certificate-society" { (c.society_name) }
                h1 { (w.title) }
                p class="certificate-name" { (c.person_name) }
                p { (w.statement) }
                div class="table-wrap" {
                    table {
                        caption { "Sessions attended and their hours" }
                        thead { tr { td {} th scope="col" { "Sessions" } th scope="col" { "Hours" } } }
                        tbody {
                            tr { th scope="row" { "In person" } td { (sessions.in_person) } td { (hours.in_person) } }
                            tr { th scope="row" { "Online" } td { (sessions.online) } td { (hours.online) } }
                            tr { th scope="row" { "In all" } td { (sessions.total()) } td { (hours.total()) } }
                        }
                    }
                }
                p { (w.leaders) }
                @if let Some(meets) = &w.meets {
                    p class="standing standing-good" { (meets) }
                }
                p class="certificate-check" { "Verification code " code { (c.code) } ": check it at " a href={ "/certificates/" (c.code) } { (origin(req)) "/certificates/" (c.code) } }
                p class="muted" { (w.issued) }
            }
            ul class="actions no-print" {
                li { a href={ "/certificates/" (c.code) "/pdf" } download { "Download as PDF" } }
                li { "To print it, use your browser's print command: only the certificate is printed." }
            }
        },
    )
}

/// `GET /certificates/{code}/pdf`: the certificate as a PDF.
pub async fn pdf(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
) -> HttpResponse {
    let code = path.into_inner();
    let result = async {
        let c = action::verify(&state, code).await?;
        let w = words(&c, &origin(&req));
        let (sessions, hours) = (c.sessions(), c.hours());
        let mut doc = Document::new(&format!("{} - {}", w.title, c.person_name));
        doc.line(Style::Small, &c.society_name)
            .gap()
            .line(Style::Title, w.title)
            .gap()
            .line(Style::Heading, &c.person_name)
            .gap()
            .line(Style::Body, &w.statement)
            .gap()
            .line(
                Style::Body,
                &format!(
                    "In person: {} sessions, {} hours",
                    sessions.in_person, hours.in_person
                ),
            )
            .line(
                Style::Body,
                &format!(
                    "Online: {} sessions, {} hours",
                    sessions.online, hours.online
                ),
            )
            .line(
                Style::Body,
                &format!(
                    "In all: {} sessions, {} hours",
                    sessions.total(),
                    hours.total()
                ),
            )
            .gap()
            .line(Style::Body, &w.leaders);
        if let Some(meets) = &w.meets {
            doc.gap().line(Style::Heading, meets);
        }
        doc.gap()
            .line(Style::Small, &w.check)
            .line(Style::Small, &w.issued);
        Ok::<_, PageError>(
            HttpResponse::Ok()
                .content_type("application/pdf")
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .insert_header((
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"certificate-{}.pdf\"", c.code),
                ))
                .body(doc.to_bytes()),
        )
    }
    .await;
    finish(&req, &viewer, result)
}
