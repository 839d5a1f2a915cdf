//! Verifiable credentials: the issuers' DID documents, a register entry's
//! Open Badges 3.0 credential, the status lists, a credential verified,
//! and the standards the credentials name (served from local copies).

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use crate::actions::credentials as action;
use crate::actions::credentials::verify::{self as check, Signature};
use crate::auth::Caller;
use crate::edge::Json;
use crate::error::{ApiError, Problem};
use crate::state::AppState;
use crate::vc::{standards, Purpose};

/// The media type of a verifiable credential and of a DID document as
/// served: JSON.
const JSON: &str = "application/json";

/// The host's DID document (public): the society named by
/// `ISSUER_SOCIETY` issues as `did:web:HOST`. Without it, 404: each
/// society's document is at `/societies/{society}/did.json`.
#[utoipa::path(get, path = "/.well-known/did.json", operation_id = "credentials_host_did", tag = "credentials",
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The DID document: its Ed25519 keys as Multikey verification methods", body = Object),
        (status = 401, description = "An invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No society issues as the host", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn host_did(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let document = action::did_document(&state, None).await?;
    Ok(HttpResponse::Ok().content_type(JSON).json(document))
}

/// A society's DID document (public): `did:web:HOST:societies:{society}`,
/// with every key it has signed with. Its first key is made on first use.
#[utoipa::path(get, path = "/societies/{society}/did.json", operation_id = "credentials_society_did", tag = "credentials",
    security((), ("bearer" = [])),
    params(("society" = String, Path, description = "The society's slug")),
    responses(
        (status = 200, description = "The DID document: its Ed25519 keys as Multikey verification methods", body = Object),
        (status = 401, description = "An invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society, or it issues as the host", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn society_did(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let document = action::did_document(&state, Some(path.into_inner())).await?;
    Ok(HttpResponse::Ok().content_type(JSON).json(document))
}

/// A society's Bitstring Status List credential (public), for `revocation`
/// or `suspension`: 131,072 entries, signed by the society, valid for
/// `STATUS_LIST_MINUTES`; `Cache-Control` and `Expires` end at its
/// `validUntil`.
#[utoipa::path(get, path = "/api/v1/societies/{society}/status-lists/{purpose}", operation_id = "credentials_status_list", tag = "credentials",
    security((), ("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("purpose" = String, Path, description = "`revocation` or `suspension`"),
    ),
    responses(
        (status = 200, description = "The status list credential", body = Object,
            headers(
                ("Cache-Control" = String, description = "`public, max-age=N`: until the list's validUntil"),
                ("Expires" = String, description = "The list's validUntil"),
            )),
        (status = 401, description = "An invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society, or no such purpose", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn status_list(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, purpose) = path.into_inner();
    let purpose = Purpose::parse(&purpose).ok_or_else(|| {
        ApiError::NotFound(format!("status list {purpose:?}: revocation or suspension"))
    })?;
    let list = action::status_list(&state, slug, purpose).await?;
    let seconds = (list.valid_until - crate::db::now()).num_seconds().max(0);
    let expires = list
        .valid_until
        .and_utc()
        .format("%a, %d %b %Y %H:%M:%S GMT");
    Ok(HttpResponse::Ok()
        .content_type(JSON)
        .insert_header((header::CACHE_CONTROL, format!("public, max-age={seconds}")))
        .insert_header((header::EXPIRES, expires.to_string()))
        .json(list.credential))
}

/// A register entry's latest credential (its leader, or the registrar):
/// an Open Badges 3.0 `OpenBadgeCredential` (W3C VC 2.0) with a
/// `DataIntegrityProof` of the `eddsa-jcs-2022` cryptosuite, as issued on
/// its latest grant or renewal.
#[utoipa::path(get, path = "/api/v1/societies/{society}/register/{registration}/credential", operation_id = "credentials_download", tag = "credentials",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("registration" = String, Path, description = "The registration number"),
    ),
    responses(
        (status = 200, description = "The signed credential", body = Object),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such entry, not the caller's, or no credential", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn download(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, registration) = path.into_inner();
    let document = action::download(&state, &caller, slug, registration).await?;
    Ok(HttpResponse::Ok().content_type(JSON).body(document))
}

/// A register entry's latest credential baked into an SVG badge (its
/// leader, or the registrar): the image of the accreditation, with the
/// signed credential inside it (`<openbadges:credential>`), as Open Badges
/// 3.0 bakes one.
#[utoipa::path(get, path = "/api/v1/societies/{society}/register/{registration}/credential.svg", operation_id = "credentials_badge", tag = "credentials",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("registration" = String, Path, description = "The registration number"),
    ),
    responses(
        (status = 200, description = "The baked badge", body = String, content_type = "image/svg+xml"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such entry, not the caller's, or no credential", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn badge(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, registration) = path.into_inner();
    let document = action::download(&state, &caller, slug, registration).await?;
    let credential: serde_json::Value = serde_json::from_str(&document)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored credential: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("image/svg+xml")
        .body(crate::vc::documents::baked_svg(&credential, &document)))
}

/// A PNG image, as the bytes of the file.
#[derive(Debug, ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct PngImage(pub Vec<u8>);

/// A register entry's latest credential baked into a PNG badge (its
/// leader, or the registrar): the image of the accreditation, with the
/// signed credential, byte for byte as downloaded, in its `iTXt` chunk
/// `openbadgecredential`, as Open Badges 3.0 bakes one.
#[utoipa::path(get, path = "/api/v1/societies/{society}/register/{registration}/credential.png", operation_id = "credentials_badge_png", tag = "credentials",
    security(("bearer" = [])),
    params(
        ("society" = String, Path, description = "The society's slug"),
        ("registration" = String, Path, description = "The registration number"),
    ),
    responses(
        (status = 200, description = "The baked badge", body = PngImage, content_type = "image/png"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such entry, not the caller's, or no credential", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn badge_png(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, registration) = path.into_inner();
    let document = action::download(&state, &caller, slug, registration).await?;
    let png = crate::vc::baking::baked_png(&document)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!(e)))?;
    Ok(HttpResponse::Ok().content_type("image/png").body(png))
}

/// The society's new signing key.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuerKeyView {
    /// Its verification method, e.g. `did:web:HOST:societies:bsanz#key-2`.
    pub verification_method: String,
}

/// Rotate the society's signing key (registrar): a new key signs from now
/// on; the older ones stay in the DID document, so what they signed still
/// verifies.
#[utoipa::path(post, path = "/api/v1/societies/{society}/issuer/keys", operation_id = "credentials_rotate_key", tag = "credentials",
    security(("bearer" = [])),
    params(("society" = String, Path, description = "The society's slug")),
    responses(
        (status = 201, description = "The new key", body = IssuerKeyView),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the society's registrar", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such society", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn rotate_key(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let verification_method = action::rotate_key(&state, &caller, path.into_inner()).await?;
    Ok(HttpResponse::Created().json(IssuerKeyView {
        verification_method,
    }))
}

/// What the register says of the entry today.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegisterToday {
    pub registration: String,
    /// `accredited`, `suspended`, `lapsed`, `revoked`, `retired` or
    /// `deceased`.
    pub status: String,
    /// The tier most recently granted.
    pub tier: String,
    /// The last day of its current cycle, where it has one.
    pub valid_until: Option<NaiveDate>,
}

/// A credential checked, in fields and in plain words.
#[derive(Debug, Serialize, ToSchema)]
pub struct CredentialCheck {
    /// The day it was checked on.
    pub checked_on: NaiveDate,
    /// `valid`, `invalid`, or `unknown_issuer` (not a society of this
    /// service: not checked).
    pub signature: String,
    /// Why the signature does not hold, where it does not.
    pub signature_problem: Option<String>,
    /// The key that signed it, where the signature holds.
    pub verification_method: Option<String>,
    /// `current`, `suspended`, `revoked`, `expired`, `not_yet_valid`, or
    /// `not_verified` (the signature does not hold, or the issuer is not
    /// known here).
    pub standing: String,
    pub issuer_id: Option<String>,
    pub issuer_name: Option<String>,
    pub credential_id: Option<String>,
    /// The holder's name, as the credential gives it.
    pub holder: Option<String>,
    pub registration: Option<String>,
    /// The tier it was awarded for.
    pub achievement: Option<String>,
    pub valid_from: Option<String>,
    pub valid_until: Option<String>,
    /// Its suspension bit, where its status list is this service's.
    pub suspended: Option<bool>,
    /// Its revocation bit, likewise.
    pub revoked: Option<bool>,
    /// What the register says today, where the signature holds.
    pub register: Option<RegisterToday>,
    /// The same, in sentences.
    pub summary: Vec<String>,
}

impl From<check::Verification> for CredentialCheck {
    fn from(v: check::Verification) -> Self {
        let (signature, problem, method) = match v.signature {
            Signature::Valid {
                verification_method,
            } => ("valid", None, Some(verification_method)),
            Signature::Invalid(why) => ("invalid", Some(why), None),
            Signature::UnknownIssuer => ("unknown_issuer", None, None),
        };
        let standing = serde_json::to_value(v.standing)
            .ok()
            .and_then(|s| s.as_str().map(str::to_owned))
            .unwrap_or_default();
        Self {
            checked_on: v.checked_on,
            signature: signature.to_owned(),
            signature_problem: problem,
            verification_method: method,
            standing,
            issuer_id: v.issuer_id,
            issuer_name: v.issuer_name,
            credential_id: v.credential_id,
            holder: v.holder,
            registration: v.registration,
            achievement: v.achievement,
            valid_from: v.valid_from,
            valid_until: v.valid_until,
            suspended: v.suspended,
            revoked: v.revoked,
            register: v.register.map(|r| RegisterToday {
                registration: r.registration,
                status: r.status.as_str().to_owned(),
                tier: r.tier,
                valid_until: r.valid_until,
            }),
            summary: v.summary,
        }
    }
}

/// Verify a credential (public): the body is the credential itself, as
/// downloaded. Checked offline: its signature under the key its issuer's
/// DID document names (for this service's societies), its status lists,
/// its dates, and the register's entry today.
#[utoipa::path(post, path = "/api/v1/credentials/verify", operation_id = "credentials_verify", tag = "credentials",
    security((), ("bearer" = [])),
    request_body(content = Object, description = "The credential, as JSON"),
    responses(
        (status = 200, description = "What the credential is worth today", body = CredentialCheck),
        (status = 400, description = "Unreadable body, or not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "An invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a JSON object", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn verify(
    state: web::Data<AppState>,
    body: Json<serde_json::Value>,
) -> Result<web::Json<CredentialCheck>, ApiError> {
    let credential = body.into_inner();
    if !credential.is_object() {
        return Err(ApiError::unprocessable(
            "credential",
            "a credential is a JSON object",
        ));
    }
    let checked = check::verify(&state, credential).await?;
    Ok(web::Json(CredentialCheck::from(checked)))
}

/// A standard the credentials name, from the copy kept with the service
/// (public): `credentials-v2.jsonld` (the W3C VC 2.0 context),
/// `ob-context-3.0.3.json` (the Open Badges 3.0 context) or
/// `ob_v3p0_achievementcredential_schema.json` (1EdTech's JSON Schema).
#[utoipa::path(get, path = "/api/v1/credentials/standards/{name}", operation_id = "credentials_standard", tag = "credentials",
    security((), ("bearer" = [])),
    params(("name" = String, Path, description = "The document's name")),
    responses(
        (status = 200, description = "The document", body = Object),
        (status = 401, description = "An invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such document", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn standard(path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let name = path.into_inner();
    let standard =
        standards::by_name(&name).ok_or_else(|| ApiError::NotFound(format!("standard {name}")))?;
    Ok(HttpResponse::Ok()
        .content_type(JSON)
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(standard.body))
}
