//! Verifying a credential: anyone pastes one (the JSON the leader
//! downloaded) or uploads it (the JSON file, or a badge with the credential
//! baked in, PNG or SVG), or follows the link a certificate prints, and
//! reads, in plain words, whether its signature holds, who issued it and
//! for what, whether it is current, suspended or revoked today, and what
//! the register says.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use maud::{html, Markup};
use serde::Deserialize;

use crate::actions::credentials::verify::{self as check, Signature, Standing, Verification};
use crate::edge::Query;
use crate::error::{ApiError, FieldProblem};
use crate::state::AppState;
use crate::vc::baking;
use crate::web::layout::{self, FormErrors};
use crate::web::multipart::multipart;
use crate::web::{finish, ok, page_response, PageError, Viewer};

const TITLE: &str = "Verify a credential";

/// The largest body the form takes: a file of up to 2 MiB (a credential
/// is a few KiB, a badge image rarely more than a few hundred) and the
/// pasted text.
pub const UPLOAD_MAX_BYTES: usize = 2 * 1024 * 1024;

const LABELS: [(&str, &str); 2] = [("credential", "The credential"), ("file", "Or a file")];

/// `?id=`: the credential a certificate's link names.
#[derive(Debug, Default, Deserialize)]
pub struct CheckQuery {
    #[serde(default)]
    id: Option<String>,
}

fn form(text: &str, errors: &FormErrors) -> Markup {
    html! {
        form class="stacked" method="post" action="/credentials/verify" enctype="multipart/form-data" {
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
            div class="field" {
                label for="file" {
                    "Or a file"
                    span class="hint" { "Its JSON file, or a badge image with it baked in (PNG or SVG), of at most " (UPLOAD_MAX_BYTES / 1024 / 1024) " MiB" }
                }
                (errors.next_to("file"))
                input type="file" id="file" name="file" accept=".json,application/json,.png,image/png,.svg,image/svg+xml"
                    aria-describedby=[errors.described_by("file")] aria-invalid=[errors.invalid("file")];
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

/// `GET /credentials/verify`: the form; with `?id=`, the credential of
/// that id (the link its certificate prints) checked.
pub async fn credential_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    query: Query<CheckQuery>,
) -> HttpResponse {
    let result = async {
        let Some(id) = query.into_inner().id else {
            return Ok(ok(layout::page(
                &viewer,
                TITLE,
                html! { h1 { (TITLE) } (intro()) (form("", &FormErrors::default())) },
            )));
        };
        match crate::actions::credentials::issued(&state, id).await {
            Ok(credential) => {
                let checked = check::verify(&state, credential).await?;
                Ok(ok(verdict(&viewer, &checked)))
            }
            Err(ApiError::NotFound(_)) => Ok(page_response(
                StatusCode::NOT_FOUND,
                layout::page(
                    &viewer,
                    TITLE,
                    html! {
                        h1 { (TITLE) }
                        p class="standing standing-unknown" { "No credential issued here has this link. Check the link as it is printed on the certificate, or paste or upload the credential itself." }
                        (form("", &FormErrors::default()))
                    },
                ),
            )),
            Err(other) => Err(other.into()),
        }
    }
    .await;
    finish(&req, &viewer, result)
}

/// What the form sent: the pasted text, and the file's bytes if one was
/// chosen.
struct Sent {
    text: String,
    file: Option<Vec<u8>>,
}

/// The form as sent: `multipart/form-data` (the page's form, with its
/// file), or `application/x-www-form-urlencoded` (the text alone).
async fn sent(
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<Sent, (StatusCode, FieldProblem)> {
    let too_large = || {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            FieldProblem::new(
                "file",
                format!(
                    "The file is larger than {} MiB: a credential or a badge is much smaller",
                    UPLOAD_MAX_BYTES / 1024 / 1024
                ),
            ),
        )
    };
    let unreadable = || {
        (
            StatusCode::BAD_REQUEST,
            FieldProblem::new("credential", "The form could not be read: send it again"),
        )
    };
    let body = payload
        .to_bytes_limited(UPLOAD_MAX_BYTES + 64 * 1024)
        .await
        .map_err(|_| too_large())?
        .map_err(|_| unreadable())?;
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if content_type
        .trim_start()
        .to_ascii_lowercase()
        .starts_with("application/x-www-form-urlencoded")
    {
        let text = form_urlencoded::parse(&body)
            .find(|(k, _)| k == "credential")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        return Ok(Sent { text, file: None });
    }
    let parts = multipart(content_type, &body).map_err(|_| unreadable())?;
    let text = parts
        .iter()
        .find(|p| p.name == "credential")
        .map(|p| String::from_utf8_lossy(&p.data).into_owned())
        .unwrap_or_default();
    let file = parts
        .into_iter()
        .find(|p| p.name == "file" && !p.data.is_empty())
        .map(|p| p.data);
    if file.as_ref().is_some_and(|f| f.len() > UPLOAD_MAX_BYTES) {
        return Err(too_large());
    }
    Ok(Sent { text, file })
}

/// The credential the form holds: the file's if one was chosen, else the
/// pasted text's; or what is wrong, next to its field.
fn credential_of(sent: &Sent) -> Result<serde_json::Value, FieldProblem> {
    if let Some(file) = &sent.file {
        return match baking::credential_json(file) {
            Ok(Some(credential)) => Ok(credential),
            Ok(None) => Err(FieldProblem::new(
                "file",
                "This file holds no credential: its JSON is not a credential object",
            )),
            Err(why) => Err(FieldProblem::new(
                "file",
                crate::web::capitalised(&why.to_string()),
            )),
        };
    }
    let text = sent.text.trim();
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .filter(serde_json::Value::is_object)
        .ok_or_else(|| {
            FieldProblem::new(
                "credential",
                if text.is_empty() {
                    "Paste the credential, or choose a file"
                } else {
                    "This is not a credential: paste the whole JSON file, from { to }"
                },
            )
        })
}

/// `POST /credentials/verify`: the credential pasted or uploaded, checked,
/// in words. Nothing is stored.
pub async fn verify_credential(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    payload: web::Payload,
) -> HttpResponse {
    let result = async {
        let sent = sent(&req, payload).await;
        let (credential, text) = match sent {
            Ok(sent) => (
                credential_of(&sent).map_err(|p| (StatusCode::UNPROCESSABLE_ENTITY, p)),
                sent.text,
            ),
            Err(problem) => (Err(problem), String::new()),
        };
        let credential = match credential {
            Ok(credential) => credential,
            Err((status, problem)) => {
                let errors = FormErrors::new(vec![problem], &LABELS);
                return Ok::<_, PageError>(page_response(
                    status,
                    layout::page(
                        &viewer,
                        TITLE,
                        html! { h1 { (TITLE) } (intro()) (form(&text, &errors)) },
                    ),
                ));
            }
        };
        let checked = check::verify(&state, credential).await?;
        Ok(ok(verdict(&viewer, &checked)))
    }
    .await;
    finish(&req, &viewer, result)
}

/// The page of a credential checked.
fn verdict(viewer: &Viewer, checked: &Verification) -> Markup {
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
    layout::page(
        viewer,
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
    )
}
