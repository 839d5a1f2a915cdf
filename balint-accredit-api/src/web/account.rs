//! Signing in and out, and the signed-in person's starting page.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::html;
use serde::Deserialize;

use crate::actions::account::{self, Credentials};
use crate::app::AppState;
use crate::auth::{throttle, tokens, Role};
use crate::db;
use crate::db::activities::Status as ActivityStatus;
use crate::edge::{Form, Query};
use crate::error::{ApiError, FieldProblem};
use crate::pagination::PageRequest;
use crate::web::dates::DateStyle;
use crate::web::layout::date;
use crate::web::layout::{self, csrf_field, FormErrors};
use crate::web::public::status_word;
use crate::web::session::{self, LOGIN_CSRF_COOKIE, SESSION_COOKIE};
use crate::web::trainee::Standing;
use crate::web::{finish, page_response, see_other, tier_names, PageError, TierNames, Viewer};

/// Register signing in and out and "My pages".
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/login")
            .route(web::get().to(login_form))
            .route(web::post().to(login)),
    )
    .service(web::resource("/logout").route(web::post().to(logout)))
    .service(web::resource("/me").route(web::get().to(me)));
}

/// `?next=`: where to go after signing in.
#[derive(Debug, Default, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// The sign-in form, as typed.
#[derive(Default, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

impl std::fmt::Debug for LoginForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginForm")
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

/// Where signing in leads when `next` is missing or not a path of this site.
const DEFAULT_NEXT: &str = "/me";

/// The longest `next` followed; the service's own links are far shorter.
const NEXT_MAX_LEN: usize = 2048;

/// Where to go after signing in: `next` when it is a path of this site,
/// else the signed-in start page, so the form cannot send people elsewhere.
fn safe_next(next: Option<&str>) -> String {
    next.filter(|n| is_local_path(n))
        .unwrap_or(DEFAULT_NEXT)
        .to_owned()
}

/// Whether `next` is a path of this site and nothing a browser could read
/// as another site: it starts with one `/` (not `//` or `/\`, which
/// browsers take as "another host"), holds only visible ASCII (browsers
/// drop tabs and newlines, so `/<TAB>/evil.example` is `//evil.example`
/// to them; a newline cannot go into a `Location` header at all), no
/// backslash anywhere, and is not absurdly long. The same holds once its
/// percent escapes are decoded (`/%2F/evil`, `/%09/evil`), for a proxy in
/// front that decodes them.
fn is_local_path(next: &str) -> bool {
    let starts_as_path =
        |text: &[u8]| text.first() == Some(&b'/') && !matches!(text.get(1), Some(b'/' | b'\\'));
    let decoded = percent_decoded(next);
    next.len() <= NEXT_MAX_LEN
        && starts_as_path(next.as_bytes())
        && next.bytes().all(|b| b.is_ascii_graphic() && b != b'\\')
        && starts_as_path(&decoded)
        && !decoded.iter().any(|b| b.is_ascii_control() || *b == b'\\')
}

/// `text` with its `%XX` escapes decoded once (a `%` that starts no escape
/// is kept).
fn percent_decoded(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    out
}

/// What the sign-in page says when the browser will not keep the sign-in
/// cookies (see [`session::cookies_will_be_dropped`]).
fn plain_http_warning() -> maud::Markup {
    html! {
        div class="warning" id="plain-http" {
            h2 { "Signing in will not work at this address" }
            p {
                "This site was opened over plain HTTP, but it marks its sign-in cookie "
                code { "Secure" } ", so your browser will not keep it, and signing in fails "
                "with “the form was out of date”."
            }
            p {
                "Open the site at its " strong { "https://" } " address. On a private network "
                "without HTTPS, whoever runs the server can start it with "
                code { "--cookie-secure false" } " (or " code { "COOKIE_SECURE=false" } ")."
            }
        }
    }
}

fn login_page(
    viewer: &Viewer,
    csrf: &str,
    email: &str,
    next: &str,
    errors: &FormErrors,
    status: StatusCode,
    plain_http: bool,
) -> HttpResponse {
    page_response(
        status,
        layout::page(
            viewer,
            "Sign in",
            html! {
                h1 { "Sign in" }
                @if plain_http { (plain_http_warning()) }
                form class="stacked" method="post" action="/login" novalidate {
                    (csrf_field(csrf))
                    input type="hidden" name="next" value=(next);
                    (errors.summary())
                    div class="field" {
                        label for="email" { "Email" }
                        (errors.next_to("email"))
                        input type="email" id="email" name="email" value=(email) autocomplete="username" required
                            spellcheck="false" aria-describedby=[errors.described_by("email")] aria-invalid=[errors.invalid("email")];
                    }
                    div class="field" {
                        label for="password" { "Password" }
                        (errors.next_to("password"))
                        input type="password" id="password" name="password" autocomplete="current-password" required
                            aria-describedby=[errors.described_by("password")] aria-invalid=[errors.invalid("password")];
                    }
                    button type="submit" { "Sign in" }
                }
                p class="muted" { "Your society's registrar gives you a login. Ask them if you have forgotten your password." }
            },
        ),
    )
}

const LABELS: [(&str, &str); 2] = [("email", "Email"), ("password", "Password")];

/// `GET /login`.
pub async fn login_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    query: Query<NextQuery>,
) -> HttpResponse {
    let csrf = req
        .cookie(LOGIN_CSRF_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| v.len() == 64)
        .unwrap_or_else(tokens::generate);
    let next = safe_next(query.next.as_deref());
    let plain_http = session::cookies_will_be_dropped(&req, state.settings.cookie_secure);
    let mut response = login_page(
        &viewer,
        &csrf,
        "",
        &next,
        &FormErrors::default(),
        StatusCode::OK,
        plain_http,
    );
    let _ = response.add_cookie(&session::login_csrf_cookie(
        csrf,
        state.settings.cookie_secure,
    ));
    response
}

/// `POST /login`: the API's login rules (the same throttling), then the
/// session cookie.
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    form: Form<LoginForm>,
) -> HttpResponse {
    let form = form.into_inner();
    let expected = req.cookie(LOGIN_CSRF_COOKIE).map(|c| c.value().to_owned());
    let plain_http = session::cookies_will_be_dropped(&req, state.settings.cookie_secure);
    let result = async {
        match &expected {
            Some(expected) if session::same(expected, &form.csrf) => {}
            // The browser dropped the form's cookie: say why, not "out of date".
            None if plain_http => {
                return Ok(login_page(
                    &viewer,
                    &form.csrf,
                    form.email.trim(),
                    &safe_next(form.next.as_deref()),
                    &FormErrors::new(
                        vec![FieldProblem::new(
                            "",
                            "Your browser did not keep this site's sign-in cookie, because the site was opened over plain HTTP: see above",
                        )],
                        &LABELS,
                    ),
                    StatusCode::FORBIDDEN,
                    true,
                ))
            }
            _ => return Err(PageError::Csrf),
        }
        let next = safe_next(form.next.as_deref());
        let opened = async {
            let credentials = Credentials {
                email: form.email.trim().to_owned(),
                password: form.password.clone(),
            };
            let client = throttle::client_address(
                req.peer_addr().map(|a| a.ip()),
                req.headers(),
                &state.settings.trusted_proxies,
            );
            account::sign_in(&state, credentials, client).await
        }
        .await;
        let (status, problems) = match opened {
            Ok(opened) => {
                let mut response = see_other(&next);
                let _ = response.add_cookie(&session::session_cookie(
                    opened.token,
                    state.settings.token_lifetime(),
                    state.settings.cookie_secure,
                ));
                let _ = response.add_removal_cookie(&session::removal(
                    LOGIN_CSRF_COOKIE,
                    "/login",
                    state.settings.cookie_secure,
                ));
                return Ok(response);
            }
            Err(ApiError::Unprocessable { errors, .. }) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                errors
                    .into_iter()
                    .map(|p| match p.field.as_str() {
                        "email" => FieldProblem::new("email", "Enter your email address, like name@example.org"),
                        "password" => FieldProblem::new("password", "Enter your password"),
                        _ => p,
                    })
                    .collect(),
            ),
            Err(ApiError::InvalidCredentials) => (
                StatusCode::UNAUTHORIZED,
                vec![FieldProblem::new(
                    "email",
                    "The email or password is not correct",
                )],
            ),
            Err(ApiError::Forbidden) => (
                StatusCode::FORBIDDEN,
                vec![FieldProblem::new(
                    "email",
                    "This login is disabled. Ask your society's registrar to enable it",
                )],
            ),
            Err(ApiError::TooManyRequests { retry_after_secs }) => (
                StatusCode::TOO_MANY_REQUESTS,
                vec![FieldProblem::new(
                    "email",
                    format!(
                        "There were too many failed sign-ins for this email or from this network. Try again in {}",
                        wait_in_words(retry_after_secs)
                    ),
                )],
            ),
            Err(other) => return Err(other.into()),
        };
        Ok(login_page(
            &viewer,
            &form.csrf,
            form.email.trim(),
            &next,
            &FormErrors::new(problems, &LABELS),
            status,
            plain_http,
        ))
    }
    .await;
    finish(&req, &viewer, result)
}

/// The sign-out form.
#[derive(Debug, Default, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /logout`: revoke the session and forget the cookie.
pub async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    form: Form<CsrfForm>,
) -> HttpResponse {
    let result = async {
        let Some(user) = viewer.user() else {
            return Ok(see_other("/"));
        };
        viewer.check_csrf(&form.csrf)?;
        let digest = user.token_digest.clone();
        db::run(&state.pool, move |conn| {
            db::sessions::revoke(conn, &digest, db::now())?;
            Ok(())
        })
        .await?;
        let mut response = see_other("/");
        let _ = response.add_removal_cookie(&session::removal(
            SESSION_COOKIE,
            "/",
            state.settings.cookie_secure,
        ));
        Ok(response)
    }
    .await;
    finish(&req, &viewer, result)
}

/// What one society offers the signed-in login.
struct SocietyLinks {
    slug: String,
    name: String,
    registrar: bool,
    person: Option<String>,
    /// (tier id, tier name) of the pathway that applies to the person.
    tiers: Vec<(String, String)>,
    /// The person's registration and applications.
    standing: Standing,
    /// How dates are written in the society.
    style: DateStyle,
    /// The person's next planned group session, and its group's name.
    next_session: Option<(crate::db::groups::PlannedSession, String)>,
}

/// `GET /me`: links to what the signed-in login can do.
pub async fn me(req: HttpRequest, state: web::Data<AppState>, viewer: Viewer) -> HttpResponse {
    let result = async {
        let Some(user) = viewer.user().cloned() else {
            return Err(PageError::Api(ApiError::Unauthenticated));
        };
        let links = db::run(&state.pool, move |conn| {
            let today = db::now().date();
            let mut out = Vec::new();
            let mut slugs: Vec<(String, Option<Role>, Option<String>)> = user
                .roles
                .iter()
                .map(|r| (r.society_slug.clone(), Some(r.role), r.person_id.clone()))
                .collect();
            if user.is_platform_admin {
                let all = db::societies::list(conn, PageRequest { page: 1, per_page: 100 })?;
                for s in all.items {
                    if !slugs.iter().any(|(slug, _, _)| *slug == s.slug) {
                        slugs.push((s.slug, None, None));
                    }
                }
            }
            for (slug, role, person) in slugs {
                let society = db::societies::by_slug(conn, &slug)?;
                let next_session = match &person {
                    Some(person_id) => crate::actions::calendars::next_planned(
                        conn,
                        &society.id,
                        person_id,
                        db::now(),
                    )?,
                    None => None,
                };
                let (tiers, standing) = match &person {
                    Some(person_id) => {
                        let entered = db::people::find(conn, &society.id, person_id)?
                            .and_then(|p| p.entered_pathway_on)
                            .unwrap_or(today);
                        (
                            tier_names(conn, &society.id, entered)?,
                            Standing::read(conn, &society.id, person_id, today)?,
                        )
                    }
                    None => (Vec::new(), Standing::default()),
                };
                out.push(SocietyLinks {
                    slug,
                    style: DateStyle::for_country(society.country.as_deref()),
                    name: society.name,
                    registrar: user.is_platform_admin || role == Some(Role::Registrar),
                    person,
                    tiers,
                    standing,
                    next_session,
                });
            }
            Ok(out)
        })
        .await?;
        let email = viewer.user().map(|u| u.email.clone()).unwrap_or_default();
        let attests = links.iter().any(|l| l.person.is_some());
        // The records waiting for the login's signature, in every society.
        let waiting = if attests {
            crate::actions::ledger::waiting(
                &state,
                &viewer.caller,
                Ok((PageRequest { page: 1, per_page: 1 }, Some(ActivityStatus::Pending))),
            )
            .await?
            .page
            .total
        } else {
            0
        };
        Ok(crate::web::ok(layout::page(
            &viewer,
            "My pages",
            html! {
                h1 { "My pages" }
                p { "Signed in as " strong { (email) } "." }
                @if attests {
                    p {
                        a href="/attestations" { "Records waiting for my signature" }
                        ": "
                        @match waiting {
                            0 => { "none waiting." }
                            1 => { strong { "1 record" } " waiting." }
                            n => { strong { (n) " records" } " waiting." }
                        }
                    }
                }
                @if links.is_empty() {
                    p { "Your login has no role in a society yet. Ask your society's registrar." }
                }
                @for l in &links {
                    section aria-labelledby={ "society-" (l.slug) } {
                        h2 id={ "society-" (l.slug) } { (l.name) }
                        @if l.person.is_some() {
                            @let names = TierNames::new(&l.tiers);
                            dl class="facts" {
                                dt { "My registration" }
                                dd {
                                    @match &l.standing.registration {
                                        Some((number, status)) => {
                                            a href={ "/verify/" (l.slug) "/" (number) } { (number) }
                                            " · " (status_word(status.as_str()))
                                        }
                                        None => "Not on the register yet",
                                    }
                                }
                                @if let Some((number, _)) = &l.standing.registration {
                                    dt { "My credential" }
                                    dd { (crate::web::public::download_links(&l.slug, number)) }
                                }
                                @if !l.standing.reached.is_empty() {
                                    dt { "Tiers reached" }
                                    dd {
                                        @for (i, (tier, day)) in l.standing.reached.iter().enumerate() {
                                            @if i > 0 { "; " }
                                            (names.name(tier)) " on " (date(l.style, *day))
                                        }
                                    }
                                }
                                @if let Some((plan, group)) = &l.next_session {
                                    dt { "My next group session" }
                                    dd {
                                        (group) ": " (crate::web::plans::when(l.style, plan))
                                        ", " (plan.minutes) " minutes, "
                                        (crate::actions::calendars::delivery_words(plan.delivery))
                                        @if let Some(place) = &plan.place { ", " (place) }
                                    }
                                }
                                dt { "Pending applications" }
                                dd {
                                    @if l.standing.pending.is_empty() { "None" }
                                    @for (i, (tier, at)) in l.standing.pending.iter().enumerate() {
                                        @if i > 0 { "; " }
                                        (names.name(tier)) ", applied for on " (date(l.style, at.date()))
                                    }
                                }
                            }
                        }
                        ul {
                            @if let Some(person) = &l.person {
                                @for (id, name) in l.standing.ahead(&l.tiers, |(id, _)| id.as_str()) {
                                    li { a href={ "/societies/" (l.slug) "/people/" (person) "/progress?tier=" (id) } { "My progress towards " (name) } }
                                }
                                li { a href={ "/societies/" (l.slug) "/people/" (person) "/activities" } { "My ledger: records and adding a record" } }
                                li { a href={ "/societies/" (l.slug) "/people/" (person) "/portfolio" } { "My portfolio, to print" } }
                                li { a href={ "/societies/" (l.slug) "/people/" (person) "/certificates" } { "My certificates of attendance" } }
                                li { a href={ "/societies/" (l.slug) "/people/" (person) "/calendar" } { "My calendar of group sessions" } }
                            }
                            @if l.person.is_some() || l.registrar {
                                li { a href={ "/societies/" (l.slug) "/groups" } { "Balint groups" } }
                            }
                            @if l.registrar {
                                li { a href={ "/societies/" (l.slug) "/dashboard" } { "Registrar dashboard" } }
                            }
                            li { a href={ "/societies/" (l.slug) "/register" } { "The public register" } }
                        }
                    }
                }
            },
        )))
    }
    .await;
    finish(&req, &viewer, result)
}

/// A wait in seconds as the sign-in page says it.
fn wait_in_words(secs: u64) -> String {
    match secs {
        0 | 1 => "a second".to_owned(),
        2..=59 => format!("{secs} seconds"),
        60..=119 => "a minute".to_owned(),
        _ => format!("{} minutes", secs.div_ceil(60)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_of_this_site_are_followed() {
        for next in [
            "/me",
            "/",
            "/societies/bsanz/dashboard",
            "/societies/bsanz/register?q=a%20b&page=2",
            "/verify/bsanz/BSANZ-0042?as_of=2026-03-01",
            "/societies/bsanz/people/p-1/progress?tier=accredited-leader",
        ] {
            assert_eq!(safe_next(Some(next)), next, "{next:?}");
        }
    }

    #[test]
    fn anything_a_browser_could_take_elsewhere_goes_to_the_start_page() {
        let long = format!("/{}", "a".repeat(NEXT_MAX_LEN));
        for next in [
            "//evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/%09/evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "/%0a/x",
            "/%0d%0aSet-Cookie:x",
            "/\0/evil",
            "/%00/evil",
            "/%2F/evil.example",
            "/%2f%2fevil.example",
            "/%5Cevil.example",
            "%2F%2Fevil.example",
            "https://evil.example",
            "http:/evil.example",
            "javascript:alert(1)",
            "evil.example",
            "/ /evil.example",
            "/\u{a0}/evil.example",
            "/caf\u{e9}",
            "/a\\b",
            "",
            long.as_str(),
        ] {
            assert_eq!(safe_next(Some(next)), DEFAULT_NEXT, "{next:?}");
        }
        assert_eq!(safe_next(None), DEFAULT_NEXT);
    }
}
