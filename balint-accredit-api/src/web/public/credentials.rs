//! Verifying a credential: anyone pastes one (the JSON the leader
//! downloaded) and reads, in plain words, whether its signature holds, who
//! issued it and for what, whether it is current, suspended or revoked
//! today, and what the register says.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::{html, Markup};
use serde::Deserialize;

use crate::actions::credentials::verify::{self as check, Signature, Standing};
use crate::edge::Form;
use crate::error::FieldProblem;
use crate::state::AppState;
use crate::web::layout::{self, FormErrors};
use crate::web::{finish, ok, page_response, Viewer};

const TITLE: &str = "Verify a credential";

/// The verification form.
#[derive(Debug, Default, Deserialize)]
pub struct CredentialForm {
    #[serde(default)]
    credential: String,
}

fn form(text: &str, errors: &FormErrors) -> Markup {
    html! {
        form class="stacked" method="post" action="/credentials/verify" {
            (errors.summary())
            div class="field" {
                label for="credential" {
                    "The credential"
                    span class="hint" { "Paste the whole credential file (JSON), as the leader downloaded it" }
                }
                (errors.next_to("credential"))
                textarea id="credential" name="credential" class="code" rows="14" spellcheck="false"
                    aria-describedby=[errors.described_by("credential")] aria-invalid=[errors.invalid("credential")] { (text) }
            }
            button type="submit" { "Verify" }
        }
    }
}

fn intro() -> Markup {
    html! {
        p class="lead" {
            "A leader's accreditation can be shown as a signed credential (an Open Badges 3.0 "
            "verifiable credential). Paste it here to check it: nothing is stored."
        }
    }
}

/// `GET /credentials/verify`: the form.
pub async fn credential_form(viewer: Viewer) -> HttpResponse {
    ok(layout::page(
        &viewer,
        TITLE,
        html! { h1 { (TITLE) } (intro()) (form("", &FormErrors::default())) },
    ))
}

/// `POST /credentials/verify`: the credential checked, in words.
pub async fn verify_credential(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    form_data: Form<CredentialForm>,
) -> HttpResponse {
    let text = form_data.into_inner().credential;
    let result = async {
        let parsed = serde_json::from_str::<serde_json::Value>(text.trim())
            .ok()
            .filter(serde_json::Value::is_object);
        let Some(credential) = parsed else {
            let errors = FormErrors::new(
                vec![FieldProblem::new(
                    "credential",
                    if text.trim().is_empty() {
                        "Paste the credential"
                    } else {
                        "This is not a credential: paste the whole JSON file, from { to }"
                    },
                )],
                &[("credential", "The credential")],
            );
            return Ok(page_response(
                StatusCode::UNPROCESSABLE_ENTITY,
                layout::page(
                    &viewer,
                    TITLE,
                    html! { h1 { (TITLE) } (intro()) (form(&text, &errors)) },
                ),
            ));
        };
        let checked = check::verify(&state, credential).await?;
        let standing = match (&checked.signature, checked.standing) {
            (Signature::Valid { .. }, Standing::Current) => "standing-good",
            (Signature::Valid { .. }, _) => "standing-not",
            _ => "standing-unknown",
        };
        let headline = match (&checked.signature, checked.standing) {
            (Signature::Valid { .. }, Standing::Current) => "Genuine and current",
            (Signature::Valid { .. }, Standing::Suspended) => "Genuine, but suspended",
            (Signature::Valid { .. }, Standing::Revoked) => "Genuine, but revoked",
            (Signature::Valid { .. }, Standing::Expired) => "Genuine, but expired",
            (Signature::Valid { .. }, _) => "Genuine, but not valid yet",
            (Signature::Invalid(_), _) => "Not genuine: the signature does not hold",
            (Signature::UnknownIssuer, _) => "Not checked: issued elsewhere",
        };
        Ok(ok(layout::page(
            &viewer,
            TITLE,
            html! {
                h1 { (TITLE) }
                p class={ "verdict standing " (standing) } { (headline) }
                @for line in &checked.summary { p { (line) } }
                dl class="facts" {
                    @if let Some(issuer) = &checked.issuer_name { dt { "Issued by" } dd { (issuer) } }
                    @if let Some(id) = &checked.issuer_id { dt { "Issuer's identity" } dd class="code" { (id) } }
                    @if let Some(holder) = &checked.holder { dt { "Holder" } dd { (holder) } }
                    @if let Some(registration) = &checked.registration { dt { "Registration" } dd { (registration) } }
                    @if let Some(achievement) = &checked.achievement { dt { "For" } dd { (achievement) } }
                    @if let Some(register) = &checked.register {
                        dt { "The register today" } dd { (register.status) }
                    }
                    dt { "Checked on" } dd { (checked.checked_on) }
                }
                h2 { "Verify another" }
                (form("", &FormErrors::default()))
            },
        )))
    }
    .await;
    finish(&req, &viewer, result)
}

/// `GET /societies/{society}/register/{registration}/credential.json`: the
/// entry's latest credential, as a file (its leader, or the registrar).
pub async fn credential_file(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let (slug, registration) = path.into_inner();
    let result = async {
        let document = crate::actions::credentials::download(
            &state,
            &viewer.caller,
            slug,
            registration.clone(),
        )
        .await?;
        Ok(HttpResponse::Ok()
            .content_type("application/json")
            .insert_header((
                actix_web::http::header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{}.credential.json\"",
                    file_name(&registration)
                ),
            ))
            .body(document))
    }
    .await;
    finish(&req, &viewer, result)
}

/// A registration number as a file name: letters, digits and `-` only.
fn file_name(registration: &str) -> String {
    registration
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}
