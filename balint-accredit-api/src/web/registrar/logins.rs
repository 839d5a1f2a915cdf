//! The registrar's logins page: the society's logins (email, role, person,
//! last sign-in, disabled), a new login for a person, disabling and
//! enabling one, and a one-time link to set a password that the registrar
//! passes on; and the page the link opens, `/reset/{token}`, where the
//! person sets their password.
//!
//! `?person={id}` chooses the person of the new login (for a link from
//! their record). A new login made here gets a random password nobody knows and, at
//! once, a link for its person to set their own. The pages call the same
//! actions as the API ([`crate::actions::users::create`] and
//! [`crate::actions::logins`]). The reset page needs no session and no
//! CSRF token: the link's token is itself the secret a forged form would
//! need.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDateTime;
use maud::{html, Markup};
use serde::Deserialize;

use crate::actions::logins::{self, IssuedReset, RESET_HOURS};
use crate::actions::users::{self, NewLogin};
use crate::app::AppState;
use crate::auth::{tokens, Role};
use crate::db;
use crate::db::people::PersonFilter;
use crate::edge::{Form, Query};
use crate::error::{ApiError, FieldProblem};
use crate::pagination::PageRequest;
use crate::web::dates::DateStyle;
use crate::web::layout::{self, csrf_field, date, notice, FormErrors};
use crate::web::{capitalised, finish, page_response, see_other, PageError, Viewer};

/// The most people offered in the new login's list of people.
const MAX_PEOPLE: u32 = 1000;

const LABELS: [(&str, &str); 3] = [
    ("email", "Email"),
    ("role", "Role"),
    ("person_id", "Person"),
];

const RESET_LABELS: [(&str, &str); 2] = [
    ("password", "New password"),
    ("repeat", "Repeat the new password"),
];

/// The new login form, as typed.
#[derive(Debug, Default, Deserialize)]
pub struct NewLoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    person_id: String,
}

/// A form with only its CSRF token.
#[derive(Debug, Default, Deserialize)]
pub struct ButtonForm {
    #[serde(default)]
    csrf: String,
}

/// The list's query: what was just done.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    done: Option<String>,
    /// The person a new login is for, chosen already (a link from their
    /// record).
    person: Option<String>,
}

/// `GET /societies/{society}/logins`.
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
    query: Query<ListQuery>,
) -> HttpResponse {
    let message = match query.done.as_deref() {
        Some("disabled") => Some("The login was disabled. Its sessions and tokens no longer work."),
        Some("enabled") => Some("The login was enabled. It signs in with its password as before."),
        _ => None,
    };
    let form = NewLoginForm {
        person_id: query.person.clone().unwrap_or_default(),
        ..NewLoginForm::default()
    };
    let result = logins_page(
        &req,
        &state,
        &viewer,
        path.into_inner(),
        Extras {
            message,
            form,
            ..Extras::default()
        },
    )
    .await;
    finish(&req, &viewer, result)
}

/// What the logins page shows besides the list.
#[derive(Default)]
struct Extras {
    message: Option<&'static str>,
    form: NewLoginForm,
    errors: FormErrors,
    issued: Option<IssuedReset>,
    status: Option<StatusCode>,
}

/// The address of a reset link on this site.
fn reset_url(req: &HttpRequest, token: &str) -> String {
    let info = req.connection_info();
    format!("{}://{}/reset/{token}", info.scheme(), info.host())
}

/// When, in the society's style and UTC time.
fn moment(style: DateStyle, at: NaiveDateTime) -> Markup {
    html! { (date(style, at.date())) " " (at.format("%H:%M")) " UTC" }
}

/// A link just issued, for the registrar to pass on.
fn issued_link(req: &HttpRequest, style: DateStyle, issued: &IssuedReset) -> Markup {
    let url = reset_url(req, &issued.token);
    html! {
        div class="notice" role="status" {
            h2 { "A password link for " (issued.login.email) }
            p { "Pass this link on to its owner. It works once, until " (moment(style, issued.expires_at)) " (" (RESET_HOURS) " hours); it is shown only now." }
            p class="stable-link" { code { (url) } }
        }
    }
}

async fn logins_page(
    req: &HttpRequest,
    state: &AppState,
    viewer: &Viewer,
    slug: String,
    extras: Extras,
) -> Result<HttpResponse, PageError> {
    let (society, logins) = logins::list(state, &viewer.caller, slug.clone()).await?;
    let style = DateStyle::for_country(society.country.as_deref());
    let me = viewer.user().map(|u| u.user_id.clone()).unwrap_or_default();
    let admin = viewer.user().is_some_and(|u| u.is_platform_admin);
    let society_id = society.id.clone();
    let linked: Vec<String> = logins.iter().filter_map(|l| l.person_id.clone()).collect();
    let (names, people) = db::run(&state.pool, move |conn| {
        let named = db::people::named(conn, &society_id, &linked)?;
        let people = db::people::list(
            conn,
            &society_id,
            &PersonFilter::default(),
            PageRequest {
                page: 1,
                per_page: MAX_PEOPLE,
            },
        )?;
        Ok((named, people))
    })
    .await?;
    let names: BTreeMap<String, String> = names
        .into_iter()
        .map(|p| (p.id.clone(), p.name()))
        .collect();
    let without_login: Vec<(String, String)> = people
        .items
        .iter()
        .filter(|p| {
            !logins
                .iter()
                .any(|l| l.person_id.as_deref() == Some(p.id.as_str()))
        })
        .map(|p| (p.id.clone(), p.name()))
        .collect();
    let many = people.total > i64::from(MAX_PEOPLE);
    let csrf = viewer.csrf().unwrap_or_default();
    let Extras {
        message,
        form,
        errors,
        issued,
        status,
    } = extras;
    let title = format!("Logins: {}", society.name);
    Ok(page_response(
        status.unwrap_or(StatusCode::OK),
        layout::page(
            viewer,
            &title,
            html! {
                h1 { (title) }
                (super::nav(&slug, "logins"))
                @if let Some(message) = message { (notice(message)) }
                @if let Some(issued) = &issued { (issued_link(req, style, issued)) }
                p { "Who can sign in to the society's pages and the API. A disabled login can neither sign in nor use its tokens. No e-mail is sent: a password link is shown here for you to pass on." }
                table class="stack" {
                    thead { tr {
                        th scope="col" { "Email" } th scope="col" { "Role" } th scope="col" { "Person" }
                        th scope="col" { "Last signed in" } th scope="col" { "Status" } th scope="col" { "Actions" }
                    } }
                    tbody {
                        @for l in &logins {
                            tr {
                                td data-label="Email" { (l.email) }
                                td data-label="Role" { (capitalised(&l.role)) }
                                td data-label="Person" {
                                    @match &l.person_id {
                                        Some(id) => (names.get(id).cloned().unwrap_or_else(|| id.clone())),
                                        None => "—",
                                    }
                                }
                                td data-label="Last signed in" {
                                    @match l.last_signed_in { Some(at) => (moment(style, at)), None => "Never" }
                                }
                                td data-label="Status" {
                                    @match l.disabled_at {
                                        Some(at) => { strong { "Disabled" } " since " (date(style, at.date())) }
                                        None => "Active",
                                    }
                                }
                                td data-label="Actions" {
                                    @if l.user_id == me {
                                        span class="muted" { "Your login" }
                                    } @else if !admin && l.role == "registrar" {
                                        span class="muted" { "A platform administrator manages it" }
                                    } @else {
                                        div class="actions" {
                                            @if l.disabled_at.is_some() {
                                                form method="post" action={ "/societies/" (slug) "/logins/" (l.user_id) "/enable" } {
                                                    (csrf_field(&csrf))
                                                    button type="submit" class="button-secondary" { "Enable" span class="visually-hidden" { " " (l.email) } }
                                                }
                                            } @else {
                                                form method="post" action={ "/societies/" (slug) "/logins/" (l.user_id) "/password-link" } {
                                                    (csrf_field(&csrf))
                                                    button type="submit" class="button-secondary" { "Password link" span class="visually-hidden" { " for " (l.email) } }
                                                }
                                                form method="post" action={ "/societies/" (slug) "/logins/" (l.user_id) "/disable" } {
                                                    (csrf_field(&csrf))
                                                    button type="submit" class="button-danger" { "Disable" span class="visually-hidden" { " " (l.email) } }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                h2 id="new-login" { "A new login" }
                p { "The login gets a password nobody knows, and a link is shown for its owner to set their own." }
                form class="stacked" method="post" action={ "/societies/" (slug) "/logins" } {
                    (csrf_field(&csrf))
                    (errors.summary())
                    div class="field" {
                        label for="email" { "Email" }
                        (errors.next_to("email"))
                        input type="email" id="email" name="email" value=(form.email) required autocomplete="off"
                            aria-describedby=[errors.described_by("email")] aria-invalid=[errors.invalid("email")];
                    }
                    div class="field" {
                        label for="role" { "Role" }
                        (errors.next_to("role"))
                        select id="role" name="role" aria-describedby=[errors.described_by("role")] aria-invalid=[errors.invalid("role")] {
                            option value="member" selected[form.role != "registrar"] { "Member (trainee, leader, supervisor)" }
                            @if admin {
                                option value="registrar" selected[form.role == "registrar"] { "Registrar" }
                            }
                        }
                    }
                    div class="field" {
                        @if many {
                            label for="person_id" { "Person" span class="hint" { "The person's id, from their record. Leave empty for a login of no person." } }
                            (errors.next_to("person_id"))
                            input type="text" id="person_id" name="person_id" value=(form.person_id)
                                aria-describedby=[errors.described_by("person_id")] aria-invalid=[errors.invalid("person_id")];
                        } @else {
                            label for="person_id" { "Person" span class="hint" { "People who have no login yet." } }
                            (errors.next_to("person_id"))
                            select id="person_id" name="person_id" aria-describedby=[errors.described_by("person_id")] aria-invalid=[errors.invalid("person_id")] {
                                option value="" { "No person (e.g. a registrar's login)" }
                                @for (id, name) in &without_login {
                                    option value=(id) selected[form.person_id == *id] { (name) }
                                }
                            }
                        }
                    }
                    button type="submit" { "Create the login" }
                }
            },
        ),
    ))
}

/// `POST /societies/{society}/logins`: a new login, with a password link.
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
    form: Form<NewLoginForm>,
) -> HttpResponse {
    let slug = path.into_inner();
    let form = form.into_inner();
    let result = async {
        viewer.check_csrf(&form.csrf)?;
        let role = match form.role.as_str() {
            "registrar" => Role::Registrar,
            _ => Role::Member,
        };
        let person_id = Some(form.person_id.trim().to_owned()).filter(|p| !p.is_empty());
        let login = NewLogin {
            email: form.email.trim().to_owned(),
            password: tokens::generate(),
            role,
            person_id,
        };
        let answer = match users::create(&state, &viewer.caller, slug.clone(), login).await {
            Ok((_, created)) => {
                logins::issue_reset(&state, &viewer.caller, slug.clone(), created.user.id).await
            }
            Err(e) => Err(e),
        };
        let extras = match answer {
            Ok(issued) => Extras {
                issued: Some(issued),
                message: Some("The login was created."),
                ..Extras::default()
            },
            Err(ApiError::Unprocessable { errors, .. }) => Extras {
                errors: FormErrors::new(
                    errors
                        .into_iter()
                        .map(|p| match p.field.as_str() {
                            "email" => FieldProblem::new(
                                "email",
                                "Enter an email address, like name@example.org",
                            ),
                            _ => p,
                        })
                        .collect(),
                    &LABELS,
                ),
                form,
                status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                ..Extras::default()
            },
            Err(ApiError::Conflict(why)) => {
                let field = if why.contains("person") {
                    "person_id"
                } else {
                    "email"
                };
                Extras {
                    errors: FormErrors::new(
                        vec![FieldProblem::new(field, capitalised(&why))],
                        &LABELS,
                    ),
                    form,
                    status: Some(StatusCode::CONFLICT),
                    ..Extras::default()
                }
            }
            Err(other) => return Err(other.into()),
        };
        logins_page(&req, &state, &viewer, slug.clone(), extras).await
    }
    .await;
    finish(&req, &viewer, result)
}

/// `POST /societies/{society}/logins/{user}/disable`.
pub async fn disable(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
    form: Form<ButtonForm>,
) -> HttpResponse {
    switch(req, state, viewer, path, form, true).await
}

/// `POST /societies/{society}/logins/{user}/enable`.
pub async fn enable(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
    form: Form<ButtonForm>,
) -> HttpResponse {
    switch(req, state, viewer, path, form, false).await
}

async fn switch(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
    form: Form<ButtonForm>,
    disabled: bool,
) -> HttpResponse {
    let (slug, user) = path.into_inner();
    let result = async {
        viewer.check_csrf(&form.csrf)?;
        logins::set_disabled(&state, &viewer.caller, slug.clone(), user, disabled).await?;
        let done = if disabled { "disabled" } else { "enabled" };
        Ok(see_other(&format!("/societies/{slug}/logins?done={done}")))
    }
    .await;
    finish(&req, &viewer, result)
}

/// `POST /societies/{society}/logins/{user}/password-link`: issue a link
/// and show it, once.
pub async fn password_link(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
    form: Form<ButtonForm>,
) -> HttpResponse {
    let (slug, user) = path.into_inner();
    let result = async {
        viewer.check_csrf(&form.csrf)?;
        let issued = logins::issue_reset(&state, &viewer.caller, slug.clone(), user).await?;
        logins_page(
            &req,
            &state,
            &viewer,
            slug.clone(),
            Extras {
                issued: Some(issued),
                ..Extras::default()
            },
        )
        .await
    }
    .await;
    finish(&req, &viewer, result)
}

/// The reset form, as typed.
#[derive(Default, Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    repeat: String,
}

/// `GET /reset/{token}`: the form to set a new password.
pub async fn reset_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
) -> HttpResponse {
    let token = path.into_inner();
    let result = async {
        if !logins::reset_is_open(&state, token.clone()).await? {
            return Err(closed_link().into());
        }
        Ok(reset_page(
            &viewer,
            &token,
            &FormErrors::default(),
            StatusCode::OK,
        ))
    }
    .await;
    finish(&req, &viewer, result)
}

fn closed_link() -> ApiError {
    ApiError::NotFound(
        "this password link: it was used already or has expired. Ask your society's registrar for a new one".to_owned(),
    )
}

fn reset_page(
    viewer: &Viewer,
    token: &str,
    errors: &FormErrors,
    status: StatusCode,
) -> HttpResponse {
    let title = "Set your password";
    page_response(
        status,
        layout::page(
            viewer,
            title,
            html! {
                h1 { (title) }
                p { "Choose a password of at least 12 characters; a few words you will remember are best. Signing in anywhere with the old password stops working." }
                form class="stacked" method="post" action={ "/reset/" (token) } {
                    (errors.summary())
                    div class="field" {
                        label for="password" { "New password" }
                        (errors.next_to("password"))
                        input type="password" id="password" name="password" autocomplete="new-password" required minlength="12"
                            aria-describedby=[errors.described_by("password")] aria-invalid=[errors.invalid("password")];
                    }
                    div class="field" {
                        label for="repeat" { "Repeat the new password" }
                        (errors.next_to("repeat"))
                        input type="password" id="repeat" name="repeat" autocomplete="new-password" required
                            aria-describedby=[errors.described_by("repeat")] aria-invalid=[errors.invalid("repeat")];
                    }
                    button type="submit" { "Set the password" }
                }
            },
        ),
    )
}

/// `POST /reset/{token}`: set the password, or show what is wrong.
pub async fn reset(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
    form: Form<ResetForm>,
) -> HttpResponse {
    let token = path.into_inner();
    let form = form.into_inner();
    let result = async {
        let mut problems: Vec<FieldProblem> = logins::password_problem(&form.password)
            .map(|p| FieldProblem::new("password", capitalised(&p.message)))
            .into_iter()
            .collect();
        if problems.is_empty() && form.password != form.repeat {
            problems.push(FieldProblem::new(
                "repeat",
                "The two passwords are not the same",
            ));
        }
        if !problems.is_empty() {
            if !logins::reset_is_open(&state, token.clone()).await? {
                return Err(closed_link().into());
            }
            let errors = FormErrors::new(problems, &RESET_LABELS);
            return Ok(reset_page(
                &viewer,
                &token,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            ));
        }
        match logins::reset_password(&state, token.clone(), form.password.clone()).await {
            Ok(()) => {}
            Err(ApiError::NotFound(_)) => return Err(closed_link().into()),
            Err(other) => return Err(other.into()),
        }
        let title = "Your password is set";
        Ok(page_response(
            StatusCode::OK,
            layout::page(
                &viewer,
                title,
                html! {
                    h1 { (title) }
                    (notice("Sign in with your email and the new password."))
                    p { a href="/login" { "Sign in" } }
                },
            ),
        ))
    }
    .await;
    finish(&req, &viewer, result)
}
