//! A register entry's credential as its leader and the registrar take it
//! away: the signed JSON, the badge baked as a PNG or an SVG image, and
//! the printable certificate (a page with a print stylesheet, and a PDF),
//! whose QR code links to the credential's check on the verification page.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use maud::{html, Markup, PreEscaped};
use serde_json::Value;

use crate::error::ApiError;
use crate::pdf::{Document, Style};
use crate::qr::Qr;
use crate::state::AppState;
use crate::vc::{baking, documents};
use crate::web::dates::DateStyle;
use crate::web::layout;
use crate::web::{capitalised, encode, finish, ok, PageError, Viewer};

/// The files of an entry's credential, each a path after
/// `/societies/{society}/register/{registration}/`, with what the links
/// call them.
pub const FILES: [(&str, &str); 5] = [
    (
        "credential.json",
        "the signed credential (Open Badges 3.0, JSON)",
    ),
    (
        "credential.png",
        "the badge as a PNG image, with the credential baked in",
    ),
    (
        "credential.svg",
        "the badge as an SVG image, with the credential baked in",
    ),
    ("certificate", "the certificate, to print"),
    ("certificate.pdf", "the certificate as a PDF"),
];

/// The links to every file of the credential of `registration` in society
/// `slug`: for the leader's own pages and the registrar's.
pub fn download_links(slug: &str, registration: &str) -> Markup {
    let base = format!(
        "/societies/{}/register/{}",
        encode(slug),
        encode(registration)
    );
    html! {
        ul class="downloads" {
            @for (file, words) in FILES {
                li {
                    @if file == "certificate" {
                        a href={ (base) "/" (file) } { (capitalised(words)) }
                    } @else {
                        a href={ (base) "/" (file) } download { (capitalised(words)) }
                    }
                }
            }
        }
    }
}

/// The entry's latest credential (its leader, or the registrar), as issued
/// and as read.
async fn latest(
    state: &AppState,
    viewer: &Viewer,
    slug: String,
    registration: String,
) -> Result<(String, String, Value), PageError> {
    let document =
        crate::actions::credentials::download(state, &viewer.caller, slug, registration.clone())
            .await?;
    let credential = serde_json::from_str(&document)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored credential: {e}")))?;
    Ok((registration, document, credential))
}

/// A file to keep: its type, its name, not cached.
fn attachment(content_type: &str, name: String, body: impl Into<Vec<u8>>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .body(body.into())
}

/// `GET /societies/{society}/register/{registration}/credential.{format}`:
/// the entry's latest credential as a file to keep (its leader, or the
/// registrar): `json`, the signed credential as issued; `png` and `svg`,
/// the badge as an image with the credential baked into it. Any other
/// format is not found.
pub async fn credential_download(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String, String)>,
) -> HttpResponse {
    let result = async {
        let (slug, registration, format) = path.into_inner();
        let format = Format::parse(&format).ok_or_else(ApiError::unknown_resource)?;
        let (registration, document, credential) =
            latest(&state, &viewer, slug, registration).await?;
        let name = file_name(&registration);
        Ok(match format {
            Format::Json => attachment(
                "application/json",
                format!("{name}.credential.json"),
                document,
            ),
            Format::Png => attachment(
                "image/png",
                format!("{name}.badge.png"),
                baking::baked_png(&document).map_err(|e| ApiError::Internal(anyhow::anyhow!(e)))?,
            ),
            Format::Svg => attachment(
                "image/svg+xml",
                format!("{name}.badge.svg"),
                documents::baked_svg(&credential, &document),
            ),
        })
    }
    .await;
    finish(&req, &viewer, result)
}

/// The forms a credential is downloaded in.
enum Format {
    Json,
    Png,
    Svg,
}

impl Format {
    fn parse(extension: &str) -> Option<Self> {
        match extension {
            "json" => Some(Self::Json),
            "png" => Some(Self::Png),
            "svg" => Some(Self::Svg),
            _ => None,
        }
    }
}

/// What a certificate of a credential says, read from the credential.
struct Words {
    society: String,
    holder: String,
    statement: String,
    validity: String,
    check: String,
    link: String,
    issuer: String,
    id: String,
}

const TITLE: &str = "Certificate of accreditation";

fn words(state: &AppState, credential: &Value) -> Words {
    let text = |pointer: &str| {
        credential
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let day = |pointer: &str| {
        credential
            .pointer(pointer)
            .and_then(Value::as_str)
            .and_then(|d| d.get(..10))
            .and_then(|d| d.parse::<NaiveDate>().ok())
            .map(|d| DateStyle::for_country(None).format(d))
    };
    let society = text("/issuer/name");
    let id = text("/id");
    Words {
        statement: format!(
            "is on the register of {society} as {}, registration {}.",
            text("/credentialSubject/achievement/name"),
            text("/credentialSubject/licenseNumber"),
        ),
        validity: match (day("/validFrom"), day("/validUntil")) {
            (Some(from), Some(until)) => format!("Valid from {from} until {until}."),
            (Some(from), None) => format!("Valid from {from}, with no end date."),
            _ => String::new(),
        },
        check: "It is a signed credential (Open Badges 3.0). To check that it is genuine, \
                and whether it is current, suspended or revoked today, scan the code or open:"
            .to_owned(),
        link: state.issuer.check_link(&id),
        issuer: format!("Issued by {society} as {}.", text("/issuer/id")),
        holder: text("/credentialSubject/identifier/0/identityHash"),
        society,
        id,
    }
}

/// `GET /societies/{society}/register/{registration}/certificate`: the
/// certificate of the entry's credential, to print (its leader, or the
/// registrar).
pub async fn certificate(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let result = async {
        let (slug, registration) = path.into_inner();
        let (_, _, credential) = latest(&state, &viewer, slug, registration).await?;
        let w = words(&state, &credential);
        let qr = Qr::new(&w.link).map_err(|e| ApiError::Internal(anyhow::anyhow!(e)))?;
        let pdf = format!(
            "{}/certificate.pdf",
            req.path().rsplit_once('/').map_or("", |(base, _)| base)
        );
        Ok(ok(layout::page(
            &viewer,
            TITLE,
            html! {
                article class="certificate" {
                    p class="certificate-society" { (w.society) }
                    h1 { (TITLE) }
                    p class="certificate-name" { (w.holder) }
                    p { (w.statement) }
                    @if !w.validity.is_empty() { p { (w.validity) } }
                    div class="certificate-qr" {
                        (PreEscaped(qr.svg(160, &format!("QR code of the link {}", w.link))))
                        p class="certificate-check" { (w.check) " " a href=(w.link) { (w.link) } }
                    }
                    p class="muted" { (w.issuer) " Credential " code { (w.id) } "." }
                }
                ul class="actions no-print" {
                    li { a href=(pdf) download { "Download as PDF" } }
                    li { "To print it, use your browser's print command: only the certificate is printed." }
                }
            },
        )))
    }
    .await;
    finish(&req, &viewer, result)
}

/// `GET /societies/{society}/register/{registration}/certificate.pdf`: the
/// certificate as a PDF, its QR code drawn in.
pub async fn certificate_pdf(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let result = async {
        let (slug, registration) = path.into_inner();
        let (registration, _, credential) = latest(&state, &viewer, slug, registration).await?;
        let w = words(&state, &credential);
        let qr = Qr::new(&w.link).map_err(|e| ApiError::Internal(anyhow::anyhow!(e)))?;
        let mut doc = Document::new(&format!("{TITLE} - {}", w.holder));
        doc.line(Style::Small, &w.society)
            .gap()
            .line(Style::Title, TITLE)
            .gap()
            .line(Style::Heading, &w.holder)
            .line(Style::Body, &w.statement)
            .line(Style::Body, &w.validity)
            .gap()
            .line(Style::Small, &w.check)
            .line(Style::Small, &w.link)
            .gap()
            .qr(&qr, 170)
            .gap()
            .line(Style::Small, &w.issuer)
            .line(Style::Small, &format!("Credential {}", w.id));
        Ok(attachment(
            "application/pdf",
            format!("{}.certificate.pdf", file_name(&registration)),
            doc.to_bytes(),
        ))
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
