//! How long the society keeps what is not a record of it: logins never
//! used, sessions that ended and what it told. The same action as the API's
//! `GET/PUT .../retention`; `balint-accredit retention` applies it.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::html;
use serde::Deserialize;

use crate::actions::retention::{self, SocietyRetention, MAX_DAYS};
use crate::app::AppState;
use crate::edge::{Form, Query};
use crate::error::{ApiError, FieldProblem};
use crate::web::layout::{self, csrf_field, notice, FormErrors};
use crate::web::{capitalised, finish, page_response, see_other, PageError, Viewer};

/// `?saved=1` after the periods were saved.
#[derive(Debug, Default, Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
}

/// The form: each period as typed (empty for the server's default).
#[derive(Debug, Default, Clone, Deserialize)]
pub struct RetentionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    unused_logins_days: String,
    #[serde(default)]
    sessions_days: String,
    #[serde(default)]
    notifications_days: String,
}

const LABELS: [(&str, &str); 3] = [
    ("unused_logins_days", "Logins never used"),
    ("sessions_days", "Ended sessions"),
    ("notifications_days", "What was told"),
];

fn typed(periods: &SocietyRetention) -> RetentionForm {
    let shown = |days: Option<u32>| days.map(|d| d.to_string()).unwrap_or_default();
    RetentionForm {
        csrf: String::new(),
        unused_logins_days: shown(periods.unused_logins_days),
        sessions_days: shown(periods.sessions_days),
        notifications_days: shown(periods.notifications_days),
    }
}

/// `GET /societies/{society}/retention`.
pub async fn form(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
    query: Query<SavedQuery>,
) -> HttpResponse {
    let slug = path.into_inner();
    let result = async {
        let (society, periods) = retention::settings(&state, &viewer.caller, slug.clone()).await?;
        Ok::<_, PageError>(page(
            &viewer,
            &slug,
            &society.name,
            &typed(&periods),
            FormErrors::default(),
            query.saved.is_some(),
            StatusCode::OK,
        ))
    }
    .await;
    finish(&req, &viewer, result)
}

fn page(
    viewer: &Viewer,
    slug: &str,
    name: &str,
    typed: &RetentionForm,
    errors: FormErrors,
    saved: bool,
    status: StatusCode,
) -> HttpResponse {
    let title = format!("Retention: {name}");
    let input = |field: &'static str, label: &str, hint: &str, value: &str| {
        html! {
            div class="field" {
                label for=(field) { (label) span class="hint" { (hint) } }
                (errors.next_to(field))
                input type="number" inputmode="numeric" min="1" max=(MAX_DAYS) id=(field) name=(field) value=(value)
                    aria-describedby=[errors.described_by(field)] aria-invalid=[errors.invalid(field)];
            }
        }
    };
    page_response(
        status,
        layout::page(
            viewer,
            &title,
            html! {
                h1 { (title) }
                (super::nav(slug, "settings"))
                @if saved { (notice("The periods were saved.")) }
                p { "How long the society keeps what is not a record of it. The daily "
                    code { "balint-accredit retention" } " job deletes what is older. People's records, the register and the audit log are never deleted by it." }
                p { "Leave a field empty for the server's default. A login that belongs to several societies is kept as long as the longest of their periods." }
                form class="stacked" method="post" action={ "/societies/" (slug) "/retention" } {
                    (csrf_field(&viewer.csrf().unwrap_or_default()))
                    (errors.summary())
                    (input("unused_logins_days", "Logins never used, in days",
                        "A login nobody ever signed in with is removed this many days after it was made (its password link expires long before)",
                        &typed.unused_logins_days))
                    (input("sessions_days", "Ended sessions, in days",
                        "A record of a signed-in session is deleted this many days after it expired or was signed out",
                        &typed.sessions_days))
                    (input("notifications_days", "What was told, in days",
                        "An event told (an entry granted, a record waiting, ...) and each webhook delivery and e-mail of it, with the answer to each try, are deleted this many days after they were told; one still being delivered is kept",
                        &typed.notifications_days))
                    button type="submit" { "Save the periods" }
                }
                p { a href={ "/societies/" (slug) "/settings" } { "Back to the society's details" } }
            },
        ),
    )
}

/// `POST /societies/{society}/retention`.
pub async fn save(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
    form: Form<RetentionForm>,
) -> HttpResponse {
    let slug = path.into_inner();
    let form = form.into_inner();
    let result = async {
        viewer.check_csrf(&form.csrf)?;
        let mut problems = Vec::new();
        let mut read = |field: &'static str, value: &str| -> Option<u32> {
            let value = value.trim();
            if value.is_empty() {
                return None;
            }
            match value.parse::<u32>() {
                Ok(days) => Some(days),
                Err(_) => {
                    problems.push(FieldProblem::new(
                        field,
                        format!("Must be a whole number of days from 1 to {MAX_DAYS}, or empty"),
                    ));
                    None
                }
            }
        };
        let periods = retention::Periods {
            unused_logins_days: read("unused_logins_days", &form.unused_logins_days),
            sessions_days: read("sessions_days", &form.sessions_days),
            notifications_days: read("notifications_days", &form.notifications_days),
        };
        // Every problem at once: what did not read, and what is out of range.
        problems.extend(retention::problems(periods));
        problems.sort_by_key(|p| LABELS.iter().position(|(field, _)| *field == p.field));
        let answer = if problems.is_empty() {
            retention::change_settings(&state, &viewer.caller, slug.clone(), periods)
                .await
                .map(|_| ())
        } else {
            Err(ApiError::Unprocessable {
                detail: String::new(),
                errors: problems,
            })
        };
        match answer {
            Ok(()) => Ok(see_other(&format!("/societies/{slug}/retention?saved=1"))),
            Err(ApiError::Unprocessable { errors, .. }) => {
                let (society, _) =
                    retention::settings(&state, &viewer.caller, slug.clone()).await?;
                let errors = errors
                    .into_iter()
                    .map(|p| FieldProblem::new(p.field, capitalised(&p.message)))
                    .collect();
                Ok(page(
                    &viewer,
                    &slug,
                    &society.name,
                    &form,
                    FormErrors::new(errors, &LABELS),
                    false,
                    StatusCode::UNPROCESSABLE_ENTITY,
                ))
            }
            Err(other) => Err::<HttpResponse, PageError>(other.into()),
        }
    }
    .await;
    finish(&req, &viewer, result)
}
