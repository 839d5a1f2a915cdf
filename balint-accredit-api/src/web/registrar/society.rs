//! The society's own details, set by its registrar: how to reach it and
//! its logo, shown on its public register page. The same action as the
//! API's `PUT .../profile` (which sets all but the logo).

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use maud::html;
use serde::Deserialize;

use crate::actions::societies::{self, LogoChange, ProfileInput, LOGO_MAX_BYTES};
use crate::app::AppState;
use crate::db::society_profiles::Profile;
use crate::edge::Query;
use crate::error::{ApiError, FieldProblem};
use crate::web::layout::{self, csrf_field, notice, FormErrors};
use crate::web::multipart::multipart;
use crate::web::{finish, page_response, see_other, PageError, Viewer};

/// `?saved=1` after the details were saved.
#[derive(Debug, Default, Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
}

const LABELS: [(&str, &str); 4] = [
    ("contact_email", "Contact email"),
    ("website", "Website"),
    ("phone", "Telephone"),
    ("logo", "Logo"),
];

/// `GET /societies/{society}/settings`: the society's details and logo.
pub async fn form(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
    query: Query<SavedQuery>,
) -> HttpResponse {
    let slug = path.into_inner();
    let result = async {
        crate::actions::as_registrar(&state, &viewer.caller, slug.clone()).await?;
        let (society, profile) = societies::profile(&state, slug.clone()).await?;
        let typed = ProfileInput {
            contact_email: profile.contact_email.clone().unwrap_or_default(),
            website: profile.website.clone().unwrap_or_default(),
            phone: profile.phone.clone().unwrap_or_default(),
            logo: LogoChange::Keep,
        };
        Ok(settings_page(
            &viewer,
            &slug,
            &society.name,
            &profile,
            &typed,
            FormErrors::default(),
            query.saved.is_some(),
            StatusCode::OK,
        ))
    }
    .await;
    finish(&req, &viewer, result)
}

#[allow(clippy::too_many_arguments)] // a page's parts, each read once
fn settings_page(
    viewer: &Viewer,
    slug: &str,
    name: &str,
    profile: &Profile,
    typed: &ProfileInput,
    errors: FormErrors,
    saved: bool,
    status: StatusCode,
) -> HttpResponse {
    let title = format!("Society details: {name}");
    let input = |field: &'static str, label: &str, hint: &str, kind: &str, value: &str| {
        html! {
            div class="field" {
                label for=(field) { (label) span class="hint" { (hint) } }
                (errors.next_to(field))
                input type=(kind) id=(field) name=(field) value=(value)
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
                @if saved { (notice("The details were saved.")) }
                p { "Shown on the society's public register page, so that people who check a registration know whom to ask. Leave a field empty to show nothing." }
                form class="stacked" method="post" enctype="multipart/form-data" action={ "/societies/" (slug) "/settings" } {
                    (csrf_field(&viewer.csrf().unwrap_or_default()))
                    (errors.summary())
                    (input("contact_email", "Contact email", "Where people write to the society", "email", &typed.contact_email))
                    (input("website", "Website", "Starting with https://", "url", &typed.website))
                    (input("phone", "Telephone", "As people dial it, at most 40 characters", "tel", &typed.phone))
                    @if profile.logo.is_some() {
                        p { "The logo now: " img src={ "/societies/" (slug) "/logo" } alt={ "Logo of " (name) } height="64"; }
                        div class="field checkbox" {
                            input type="checkbox" id="remove_logo" name="remove_logo" value="yes";
                            label for="remove_logo" { "Remove the logo" }
                        }
                    }
                    div class="field" {
                        label for="logo" { "Logo" span class="hint" { "A PNG or JPEG image of at most " (LOGO_MAX_BYTES / 1024) " KiB; leave empty to keep the one there is" } }
                        (errors.next_to("logo"))
                        input type="file" id="logo" name="logo" accept="image/png,image/jpeg"
                            aria-describedby=[errors.described_by("logo")] aria-invalid=[errors.invalid("logo")];
                    }
                    button type="submit" { "Save the details" }
                }
                p { a href={ "/societies/" (slug) "/register" } { "See the public register page" } }
                p { a href={ "/societies/" (slug) "/retention" } { "How long logins never used and ended sessions are kept" } }
            },
        ),
    )
}

/// `POST /societies/{society}/settings`: save the details (a form with a
/// file, sent as `multipart/form-data`).
pub async fn save(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
    payload: web::Payload,
) -> HttpResponse {
    let slug = path.into_inner();
    let result = async {
        crate::actions::as_registrar(&state, &viewer.caller, slug.clone()).await?;
        // The logo's limit and room for the text fields.
        let limit = LOGO_MAX_BYTES * 2;
        let body = payload
            .to_bytes_limited(limit)
            .await
            .map_err(|_| ApiError::PayloadTooLarge { limit })?
            .map_err(|e| ApiError::bad_request("body", e.to_string()))?;
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let parts = multipart(content_type, &body)?;
        let text = |name: &str| {
            parts
                .iter()
                .find(|p| p.name == name)
                .map(|p| String::from_utf8_lossy(&p.data).into_owned())
                .unwrap_or_default()
        };
        viewer.check_csrf(&text("csrf"))?;
        let file = parts
            .iter()
            .find(|p| p.name == "logo")
            .filter(|p| !p.data.is_empty());
        let logo = match (file, text("remove_logo").is_empty()) {
            (Some(part), _) => LogoChange::Set(part.data.clone()),
            (None, false) => LogoChange::Remove,
            (None, true) => LogoChange::Keep,
        };
        let typed = ProfileInput {
            contact_email: text("contact_email"),
            website: text("website"),
            phone: text("phone"),
            logo,
        };
        let kept = ProfileInput {
            logo: LogoChange::Keep,
            ..typed.clone()
        };
        match societies::change_profile(&state, &viewer.caller, slug.clone(), typed).await {
            Ok(_) => Ok(see_other(&format!("/societies/{slug}/settings?saved=1"))),
            Err(ApiError::Unprocessable { errors, .. }) => {
                let (society, profile) = societies::profile(&state, slug.clone()).await?;
                let errors = errors
                    .into_iter()
                    .map(|p| FieldProblem::new(p.field, crate::web::capitalised(&p.message)))
                    .collect();
                Ok(settings_page(
                    &viewer,
                    &slug,
                    &society.name,
                    &profile,
                    &kept,
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
