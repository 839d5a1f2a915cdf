//! Verifiable credentials: each society issues as a `did:web` identity
//! (its DID document, its keys made on first use and rotated by the
//! registrar), an Open Badges 3.0 credential per grant and renewal
//! (downloaded by the leader and the registrar), its status lists, and the
//! verification of a credential anyone brings.
//!
//! - [`issue`]: what the register's actions call in their transaction:
//!   a credential issued, the status bits following the entry's status.
//! - [`verify`]: a credential checked, in plain words.
//!
//! The downloads ([`download`]) are the credential as issued; the adapters
//! bake it into a badge (PNG, SVG) or print its certificate from it.

pub mod issue;
pub mod verify;

use chrono::NaiveDateTime;
use serde_json::Value;

use crate::actions::refusal::find_society;
use crate::auth::{permissions, Caller};
use crate::db::{self, credentials as stored, societies::Society};
use crate::error::ApiError;
use crate::state::AppState;
use crate::vc::{documents, proof, Purpose};

/// The society `slug`, or 404.
fn society(conn: &mut db::DbConnection, slug: &str) -> Result<Society, ApiError> {
    find_society(conn, slug)?.ok_or_else(|| ApiError::NotFound(format!("society {slug}")))
}

/// The society's keys, the first made if it has none yet.
fn keys_made(
    conn: &mut db::DbConnection,
    issuer: &crate::vc::Issuer,
    society: &Society,
    now: NaiveDateTime,
) -> Result<Vec<stored::IssuerKey>, ApiError> {
    let keys = stored::keys(conn, &society.id)?;
    if !keys.is_empty() {
        return Ok(keys);
    }
    db::write(conn, |conn| {
        issue::keys_or_first(conn, issuer, society, now)
    })
}

/// The DID document (anyone): of the host (`slug` none: the society named
/// by `ISSUER_SOCIETY`), or of society `slug`. Every key the society has
/// had is in it; the first is made on first use.
pub async fn did_document(state: &AppState, slug: Option<String>) -> Result<Value, ApiError> {
    let issuer = std::sync::Arc::clone(&state.issuer);
    let slug = match slug {
        None => issuer.home_society().map(str::to_owned).ok_or_else(|| {
            ApiError::NotFound(
                "the host's DID: each society's DID document is at /societies/{slug}/did.json"
                    .to_owned(),
            )
        })?,
        // The society that issues as the host has no document of its own.
        Some(slug) if issuer.home_society() == Some(slug.as_str()) => {
            return Err(ApiError::NotFound(format!(
                "a DID document of {slug} here: it issues as {}",
                issuer.host_did()
            )))
        }
        Some(slug) => slug,
    };
    let now = db::now();
    db::run(&state.pool, move |conn| {
        let society = society(conn, &slug)?;
        let keys = keys_made(conn, &issuer, &society, now)?;
        let keys: Vec<(i32, Vec<u8>)> =
            keys.into_iter().map(|k| (k.number, k.public_key)).collect();
        Ok(documents::did_document(&issuer.did(&society.slug), &keys))
    })
    .await
}

/// A status list credential, signed, and the time it is valid until.
#[derive(Debug, Clone)]
pub struct StatusList {
    /// The credential.
    pub credential: Value,
    /// Its `validUntil`: what it may be cached until.
    pub valid_until: NaiveDateTime,
}

/// The status list credential of society `slug` for `purpose` (anyone),
/// as it stands now, signed with the society's newest key, valid until
/// the end of the current window of the lifetime of the settings.
pub async fn status_list(
    state: &AppState,
    slug: String,
    purpose: Purpose,
) -> Result<StatusList, ApiError> {
    let issuer = std::sync::Arc::clone(&state.issuer);
    let now = db::now();
    // The list is valid for one window of its lifetime, counted from the
    // epoch: every answer within a window is the same credential (Ed25519
    // signatures are deterministic), and every cache of it ends together.
    let window = issuer.status_list_lifetime.num_seconds().max(1);
    let start = now.and_utc().timestamp().div_euclid(window) * window;
    let from = chrono::DateTime::from_timestamp(start, 0)
        .map(|t| t.naive_utc())
        .unwrap_or(now);
    let until = from + issuer.status_list_lifetime;
    db::run(&state.pool, move |conn| {
        let society = society(conn, &slug)?;
        keys_made(conn, &issuer, &society, now)?;
        let (number, seed) = issue::signing_key(conn, &issuer, &society, now)?;
        let set = stored::indexes_set(conn, &society.id, purpose == Purpose::Revocation)?;
        let did = issuer.did(&society.slug);
        let url = issuer.status_list_url(&society.slug, purpose);
        let document = documents::status_list_credential(
            &url,
            &did,
            purpose,
            set.into_iter().filter_map(|i| usize::try_from(i).ok()),
            from,
            until,
        );
        let credential = proof::sign(
            &document,
            &seed,
            &documents::verification_method(&did, number),
            &documents::instant(from),
        );
        Ok(StatusList {
            credential,
            valid_until: until,
        })
    })
    .await
}

/// The latest credential of register entry `registration` (its leader, or
/// the society's registrar), as issued. An entry on the register before
/// credentials were issued gets its first now, if it is accredited.
/// Anyone else, and an entry without one, get 404.
pub async fn download(
    state: &AppState,
    caller: &Caller,
    slug: String,
    registration: String,
) -> Result<String, ApiError> {
    permissions::require_user(caller)?;
    let caller = caller.clone();
    let issuer = std::sync::Arc::clone(&state.issuer);
    let now = db::now();
    db::run(&state.pool, move |conn| {
        let not_found = || crate::actions::register::not_found(&registration);
        let society = society(conn, &slug)?;
        // Of another society: nothing is there.
        permissions::require_role_in(&caller, &society.id)?;
        let entry = db::register::by_registration(conn, &society.id, &registration)?
            .ok_or_else(not_found)?;
        let own =
            permissions::person_in(&caller, &society.id) == Some(entry.entry.person().as_str());
        if !own && !permissions::acts_as_registrar(&caller, &society.id) {
            return Err(not_found());
        }
        if let Some(issued) = stored::latest_for_entry(conn, &entry.id)? {
            return Ok(issued.document);
        }
        if entry.entry.status() != balint_core::register::Status::Accredited {
            return Err(ApiError::NotFound(format!(
                "a credential of {registration}: none was issued while it was accredited"
            )));
        }
        let actor = match &caller {
            Caller::User(user) => Some(user.user_id.clone()),
            Caller::Anonymous => None,
        };
        db::write(conn, |conn| {
            issue::issue(
                conn,
                &issuer,
                &society,
                &registration,
                actor.as_deref(),
                now,
            )
        })
        .map(|issued| issued.document)
    })
    .await
}

/// The credential of UUID `id`, as issued (anyone: its id is what the
/// link on its certificate, and that link's QR code, name; it is not
/// guessed). Neither a UUID nor issued here: 404.
pub async fn issued(state: &AppState, id: String) -> Result<Value, ApiError> {
    let not_found = || ApiError::NotFound(format!("credential {id}"));
    let uuid = uuid::Uuid::parse_str(id.trim()).map_err(|_| not_found())?;
    let found = db::run(&state.pool, move |conn| {
        stored::by_id(conn, &uuid.hyphenated().to_string())
    })
    .await?
    .ok_or_else(not_found)?;
    serde_json::from_str(&found.document)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored credential: {e}")))
}

/// A new signing key for society `slug` (registrar), audited: it signs
/// from now on;
/// the older keys stay in the DID document, so what they signed still
/// verifies. Answers the new key's verification method.
pub async fn rotate_key(
    state: &AppState,
    caller: &Caller,
    slug: String,
) -> Result<String, ApiError> {
    permissions::require_user(caller)?;
    let caller = caller.clone();
    let issuer = std::sync::Arc::clone(&state.issuer);
    let now = db::now();
    db::run(&state.pool, move |conn| {
        let society = society(conn, &slug)?;
        let actor = permissions::require_registrar(&caller, &society.id)?
            .user_id
            .clone();
        db::write(conn, |conn| {
            let next = stored::keys(conn, &society.id)?
                .last()
                .map_or(1, |k| k.number + 1);
            let key = issue::new_key(conn, &issuer, &society, next, now)?;
            let method = documents::verification_method(&issuer.did(&society.slug), next);
            db::audit::record(
                conn,
                db::audit::Change {
                    actor_user_id: Some(&actor),
                    society_id: Some(&society.id),
                    action: db::audit::Action::Create,
                    entity: db::audit::Entity::IssuerKey,
                    entity_id: &method,
                    before: None,
                    after: Some(serde_json::json!({
                        "number": next,
                        "public_key_multibase": crate::vc::keys::multikey(&key.public_key),
                    })),
                    at: now,
                },
            )?;
            Ok(method)
        })
    })
    .await
}
