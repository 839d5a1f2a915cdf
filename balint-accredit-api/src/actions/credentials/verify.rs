//! A credential checked (anyone), offline, against what this service
//! knows: whether its signature holds under the key its issuer's DID
//! document names, who issued it and for what, whether it is current,
//! suspended or revoked today by its status lists, and what the register
//! says of the entry today. In plain words as well as in fields.

use balint_core::register::Status;
use chrono::NaiveDate;
use serde_json::Value;

use crate::actions::today;
use crate::db::{self, credentials as stored};
use crate::error::ApiError;
use crate::state::AppState;
use crate::vc::{documents, proof, Purpose};

/// Whether the signature holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signature {
    /// It holds: signed by this key of the issuer, unchanged since.
    Valid {
        /// The verification method that signed it.
        verification_method: String,
    },
    /// It does not hold, and why.
    Invalid(String),
    /// Issued by someone this service does not speak for: not checked.
    UnknownIssuer,
}

/// Where the credential stands today by its dates and status lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// Signed, in its dates, neither suspended nor revoked.
    Current,
    /// The suspension bit is on.
    Suspended,
    /// The revocation bit is on.
    Revoked,
    /// Its `validUntil` has passed.
    Expired,
    /// Its `validFrom` is still ahead.
    NotYetValid,
    /// The signature does not hold, or the issuer is not known here: it
    /// proves nothing.
    NotVerified,
}

/// What the register says of the entry today.
#[derive(Debug, Clone)]
pub struct RegisterSays {
    /// The registration number.
    pub registration: String,
    /// The status today.
    pub status: Status,
    /// The tier most recently granted.
    pub tier: String,
    /// The last day of its current cycle, where it has one.
    pub valid_until: Option<NaiveDate>,
}

/// A credential checked.
#[derive(Debug, Clone)]
pub struct Verification {
    /// The day it was checked on.
    pub checked_on: NaiveDate,
    /// Whether the signature holds.
    pub signature: Signature,
    /// The issuer's DID, as the credential names it.
    pub issuer_id: Option<String>,
    /// The issuer's name, as the credential gives it.
    pub issuer_name: Option<String>,
    /// The credential's id.
    pub credential_id: Option<String>,
    /// The holder's name, as the credential gives it.
    pub holder: Option<String>,
    /// The registration number it is for.
    pub registration: Option<String>,
    /// What it was awarded for: the tier's name.
    pub achievement: Option<String>,
    /// Its `validFrom` and `validUntil`, as written.
    pub valid_from: Option<String>,
    /// See `valid_from`.
    pub valid_until: Option<String>,
    /// Whether its suspension bit is on, where its status list is this
    /// service's.
    pub suspended: Option<bool>,
    /// Whether its revocation bit is on, likewise.
    pub revoked: Option<bool>,
    /// Where it stands today.
    pub standing: Standing,
    /// What the register says of the entry today.
    pub register: Option<RegisterSays>,
    /// The same, in sentences.
    pub summary: Vec<String>,
}

fn text(value: &Value, pointer: &str) -> Option<String> {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// Check `credential` (anyone).
pub async fn verify(state: &AppState, credential: Value) -> Result<Verification, ApiError> {
    let issuer = std::sync::Arc::clone(&state.issuer);
    let today = today();
    let now = db::now();
    db::run(&state.pool, move |conn| {
        let issuer_id = text(&credential, "/issuer/id").or_else(|| text(&credential, "/issuer"));
        let mut found = Verification {
            checked_on: today,
            signature: Signature::UnknownIssuer,
            issuer_name: text(&credential, "/issuer/name"),
            credential_id: text(&credential, "/id"),
            holder: credential
                .pointer("/credentialSubject/identifier")
                .and_then(Value::as_array)
                .and_then(|ids| {
                    ids.iter()
                        .find(|i| i.get("identityType") == Some(&Value::from("name")))
                })
                .and_then(|i| text(i, "/identityHash")),
            registration: text(&credential, "/credentialSubject/licenseNumber"),
            achievement: text(&credential, "/credentialSubject/achievement/name"),
            valid_from: text(&credential, "/validFrom"),
            valid_until: text(&credential, "/validUntil"),
            issuer_id,
            suspended: None,
            revoked: None,
            standing: Standing::NotVerified,
            register: None,
            summary: Vec::new(),
        };
        let society = match found
            .issuer_id
            .as_deref()
            .and_then(|did| issuer.society_of(did))
        {
            Some(slug) => crate::actions::refusal::find_society(conn, &slug)?,
            None => None,
        };
        let Some(society) = society else {
            found.summary = summary(&found);
            return Ok(found);
        };
        let did = issuer.did(&society.slug);
        found.signature = match proof::Proof::read(&credential) {
            Err(e) => Signature::Invalid(e.to_string()),
            Ok(proof) => {
                let key = documents::key_number(&did, &proof.verification_method);
                let keys = stored::keys(conn, &society.id)?;
                match key.and_then(|n| keys.iter().find(|k| k.number == n)) {
                    None => Signature::Invalid(format!(
                        "the key {} is not in the DID document of {did}",
                        proof.verification_method
                    )),
                    Some(key) => match proof.check(&key.public_key) {
                        Ok(()) => Signature::Valid {
                            verification_method: proof.verification_method.clone(),
                        },
                        Err(e) => Signature::Invalid(e.to_string()),
                    },
                }
            }
        };
        if !matches!(found.signature, Signature::Valid { .. }) {
            found.summary = summary(&found);
            return Ok(found);
        }
        // The status lists: this society's, at the index the credential
        // names for each purpose.
        let entries = match credential.get("credentialStatus") {
            Some(Value::Array(entries)) => entries.clone(),
            Some(entry @ Value::Object(_)) => vec![entry.clone()],
            _ => Vec::new(),
        };
        for entry in &entries {
            let purpose = text(entry, "/statusPurpose").and_then(|p| Purpose::parse(&p));
            let index = text(entry, "/statusListIndex").and_then(|i| i.parse::<i32>().ok());
            let (Some(purpose), Some(index)) = (purpose, index) else {
                continue;
            };
            if text(entry, "/statusListCredential")
                != Some(issuer.status_list_url(&society.slug, purpose))
            {
                continue;
            }
            let bits = stored::status_at(conn, &society.id, index)?;
            let on = bits.as_ref().is_some_and(|b| match purpose {
                Purpose::Revocation => b.revoked,
                Purpose::Suspension => b.suspended,
            });
            match purpose {
                Purpose::Revocation => found.revoked = Some(on),
                Purpose::Suspension => found.suspended = Some(on),
            }
        }
        let day = |text: &Option<String>| {
            text.as_deref()
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.naive_utc())
        };
        found.standing = if found.revoked == Some(true) {
            Standing::Revoked
        } else if found.suspended == Some(true) {
            Standing::Suspended
        } else if day(&found.valid_until).is_some_and(|until| until < now) {
            Standing::Expired
        } else if day(&found.valid_from).is_some_and(|from| from > now) {
            Standing::NotYetValid
        } else {
            Standing::Current
        };
        if let Some(registration) = &found.registration {
            if let Some(entry) = db::register::by_registration(conn, &society.id, registration)? {
                if let Some(standing) = entry.entry.standing_on(today) {
                    found.register = Some(RegisterSays {
                        registration: registration.clone(),
                        status: standing.status,
                        tier: standing.tier.to_string(),
                        valid_until: standing.valid_until,
                    });
                }
            }
        }
        found.summary = summary(&found);
        Ok(found)
    })
    .await
}

/// The verification in sentences.
fn summary(v: &Verification) -> Vec<String> {
    let mut lines = Vec::new();
    let issuer = v
        .issuer_name
        .clone()
        .or_else(|| v.issuer_id.clone())
        .unwrap_or_else(|| "an unnamed issuer".to_owned());
    match &v.signature {
        Signature::UnknownIssuer => {
            lines.push(format!(
                "This credential names {issuer} as its issuer, which is not a society of this service: it cannot be checked here."
            ));
            return lines;
        }
        Signature::Invalid(why) => {
            lines.push(format!(
                "The signature does not hold: {why}. Do not rely on this credential."
            ));
            return lines;
        }
        Signature::Valid { .. } => lines.push(format!(
            "The signature holds: {issuer} issued this credential, and it has not been changed since."
        )),
    }
    let holder = v.holder.clone().unwrap_or_else(|| "its holder".to_owned());
    let achievement = v
        .achievement
        .clone()
        .unwrap_or_else(|| "an accreditation".to_owned());
    let registration = v
        .registration
        .as_deref()
        .map(|r| format!(" (registration {r})"))
        .unwrap_or_default();
    lines.push(format!(
        "It says that {holder}{registration} is {achievement}."
    ));
    let from = v.valid_from.as_deref().map(|d| d.get(..10).unwrap_or(d));
    let until = v.valid_until.as_deref().map(|d| d.get(..10).unwrap_or(d));
    match (from, until) {
        (Some(from), Some(until)) => lines.push(format!("It is valid from {from} to {until}.")),
        (Some(from), None) => lines.push(format!("It is valid from {from}, with no end date.")),
        _ => {}
    }
    lines.push(match v.standing {
        Standing::Current => format!(
            "Today ({}) it is current: neither suspended nor revoked.",
            v.checked_on
        ),
        Standing::Suspended => format!("Today ({}) it is suspended.", v.checked_on),
        Standing::Revoked => format!("It has been revoked (as of {}).", v.checked_on),
        Standing::Expired => "Its validity has ended: it has expired.".to_owned(),
        Standing::NotYetValid => "It is not valid yet.".to_owned(),
        Standing::NotVerified => "It proves nothing.".to_owned(),
    });
    match &v.register {
        Some(r) => lines.push(format!(
            "The register says that {} is {} today{}.",
            r.registration,
            r.status,
            r.valid_until
                .map(|d| format!(", accredited until {d}"))
                .unwrap_or_default()
        )),
        None => lines.push("The register has no entry under this registration.".to_owned()),
    }
    lines
}
