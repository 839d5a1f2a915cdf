//! The documents: an issuer's DID document, an Open Badges 3.0 credential
//! for a register entry, and a Bitstring Status List credential, each
//! before its proof.

use chrono::{NaiveDate, NaiveDateTime};
use serde_json::{json, Value};

use super::{bitstring, keys, standards, Purpose};

/// The DID core context.
pub const DID_CONTEXT: &str = "https://www.w3.org/ns/did/v1";
/// The Multikey context.
pub const MULTIKEY_CONTEXT: &str = "https://w3id.org/security/multikey/v1";

/// The verification method of key `number` of `did`.
pub fn verification_method(did: &str, number: i32) -> String {
    format!("{did}#key-{number}")
}

/// The number of the key a verification method of `did` names.
pub fn key_number(did: &str, verification_method: &str) -> Option<i32> {
    verification_method
        .strip_prefix(did)?
        .strip_prefix("#key-")?
        .parse()
        .ok()
}

/// The DID document of `did` with its keys (number, public key), oldest
/// first: every key may assert, the newest signs from now on.
pub fn did_document(did: &str, keys: &[(i32, Vec<u8>)]) -> Value {
    let methods: Vec<Value> = keys
        .iter()
        .map(|(number, public)| {
            json!({
                "id": verification_method(did, *number),
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": keys::multikey(public),
            })
        })
        .collect();
    let ids: Vec<Value> = keys
        .iter()
        .map(|(number, _)| json!(verification_method(did, *number)))
        .collect();
    json!({
        "@context": [DID_CONTEXT, MULTIKEY_CONTEXT],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": ids,
    })
}

/// An instant as a credential writes it: RFC 3339, UTC, to the second.
pub fn instant(at: NaiveDateTime) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// What an Open Badges 3.0 credential for a register entry says.
#[derive(Debug, Clone)]
pub struct Accreditation {
    /// The credential's id (`urn:uuid:...`).
    pub id: String,
    /// The issuer's DID.
    pub issuer_did: String,
    /// The society's name.
    pub society_name: String,
    /// The society's public register.
    pub register_url: String,
    /// The leader's name as the register shows it.
    pub holder_name: String,
    /// The registration number.
    pub registration: String,
    /// The tier's id.
    pub tier: String,
    /// The tier's name.
    pub tier_name: String,
    /// What the tier asks for, in words (the pathway's requirements).
    pub criteria: String,
    /// The day the grant or renewal took effect.
    pub valid_from: NaiveDate,
    /// The last day of the renewal cycle, where there is one.
    pub valid_until: Option<NaiveDate>,
    /// The status lists' URLs, and the entry's index in them.
    pub status: Vec<(Purpose, String, i32)>,
}

/// The credential for `accreditation`, before its proof.
pub fn achievement_credential(a: &Accreditation) -> Value {
    let statuses: Vec<Value> = a
        .status
        .iter()
        .map(|(purpose, list, index)| {
            json!({
                "id": format!("{list}#{index}"),
                "type": "BitstringStatusListEntry",
                "statusPurpose": purpose.as_str(),
                "statusListIndex": index.to_string(),
                "statusListCredential": list,
            })
        })
        .collect();
    let mut credential = json!({
        "@context": [standards::CREDENTIALS_V2.url, standards::OPEN_BADGES_V3.url],
        "id": a.id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": format!("{}: {}", a.society_name, a.tier_name),
        "description": format!(
            "{} holds registration {} on the register of {} as {}.",
            a.holder_name, a.registration, a.society_name, a.tier_name
        ),
        "issuer": {
            "id": a.issuer_did,
            "type": ["Profile"],
            "name": a.society_name,
            "url": a.register_url,
        },
        "validFrom": format!("{}T00:00:00Z", a.valid_from),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{
                "type": "IdentityObject",
                "identityType": "name",
                "hashed": false,
                "identityHash": a.holder_name,
            }],
            "licenseNumber": a.registration,
            "achievement": {
                "id": format!("{}?tier={}", a.register_url, a.tier),
                "type": ["Achievement"],
                "achievementType": "Certification",
                "name": a.tier_name,
                "description": format!(
                    "{} on the register of accredited Balint group leaders of {}.",
                    a.tier_name, a.society_name
                ),
                "criteria": {"narrative": a.criteria},
                "humanCode": a.tier,
            },
        },
        "credentialStatus": statuses,
    });
    if let (Some(until), Value::Object(members)) = (a.valid_until, &mut credential) {
        members.insert("validUntil".to_owned(), json!(format!("{until}T23:59:59Z")));
    }
    credential
}

/// The status list credential of `purpose` at `url`, issued by `did`,
/// with the bits of `set` on, valid from `from` until `until`.
pub fn status_list_credential(
    url: &str,
    did: &str,
    purpose: Purpose,
    set: impl IntoIterator<Item = usize>,
    from: NaiveDateTime,
    until: NaiveDateTime,
) -> Value {
    json!({
        "@context": [standards::CREDENTIALS_V2.url],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": did,
        "validFrom": instant(from),
        "validUntil": instant(until),
        "credentialSubject": {
            "id": format!("{url}#list"),
            "type": "BitstringStatusList",
            "statusPurpose": purpose.as_str(),
            "encodedList": bitstring::encode(set),
        },
    })
}

/// Text as XML character data.
fn xml_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A baked badge: an SVG image of the accreditation with the signed
/// credential inside it, as Open Badges 3.0 bakes one
/// (`<openbadges:credential>` holding the credential's JSON).
pub fn baked_svg(credential: &Value, signed_json: &str) -> String {
    let text = |pointer: &str| {
        xml_text(
            credential
                .pointer(pointer)
                .and_then(Value::as_str)
                .unwrap_or_default(),
        )
    };
    let holder = text("/credentialSubject/identifier/0/identityHash");
    let tier = text("/credentialSubject/achievement/name");
    let issuer = text("/issuer/name");
    let registration = text("/credentialSubject/licenseNumber");
    let until = credential
        .get("validUntil")
        .and_then(Value::as_str)
        .and_then(|d| d.get(..10))
        .map(|d| format!("Valid until {d}"))
        .unwrap_or_else(|| "No end date".to_owned());
    // "]]>" cannot stand in character data: split it across two sections.
    let embedded = signed_json.replace("]]>", "]]]]><![CDATA[>");
    format!(
        r##"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0" width="400" height="400" viewBox="0 0 400 400" role="img" aria-label="{tier}: {holder}, {issuer}">
  <openbadges:credential><![CDATA[{embedded}]]></openbadges:credential>
  <circle cx="200" cy="200" r="190" fill="#f4f1ea" stroke="#2f4858" stroke-width="12"/>
  <circle cx="200" cy="200" r="160" fill="none" stroke="#2f4858" stroke-width="2"/>
  <text x="200" y="120" text-anchor="middle" font-family="Georgia, serif" font-size="18" fill="#2f4858">{issuer}</text>
  <text x="200" y="185" text-anchor="middle" font-family="Georgia, serif" font-size="28" font-weight="bold" fill="#1b2a33">{tier}</text>
  <text x="200" y="230" text-anchor="middle" font-family="Georgia, serif" font-size="22" fill="#1b2a33">{holder}</text>
  <text x="200" y="265" text-anchor="middle" font-family="Georgia, serif" font-size="16" fill="#2f4858">{registration}</text>
  <text x="200" y="295" text-anchor="middle" font-family="Georgia, serif" font-size="14" fill="#2f4858">{until}</text>
</svg>
"##
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_baked_badge_holds_the_credential_whole() {
        let credential = json!({"issuer": {"name": "A & B"}, "name": "x ]]> y"});
        let signed = credential.to_string();
        let svg = baked_svg(&credential, &signed);
        assert!(svg.contains("A &amp; B"));
        let start = svg.find("<![CDATA[").unwrap() + 9;
        let end = svg.find("</openbadges:credential>").unwrap();
        let inside = svg[start..end]
            .trim_end_matches("]]>")
            .replace("]]]]><![CDATA[>", "]]>");
        assert_eq!(serde_json::from_str::<Value>(&inside).unwrap(), credential);
    }

    #[test]
    fn key_numbers_read_back_from_their_methods() {
        let did = "did:web:example.org:societies:bsanz";
        assert_eq!(key_number(did, &verification_method(did, 3)), Some(3));
        assert_eq!(key_number(did, "did:web:example.org#key-3"), None);
    }

    #[test]
    fn a_did_document_lists_every_key_for_assertion() {
        let (_, one) = keys::generate();
        let (_, two) = keys::generate();
        let doc = did_document("did:web:h", &[(1, one.to_vec()), (2, two.to_vec())]);
        assert_eq!(
            doc["assertionMethod"],
            json!(["did:web:h#key-1", "did:web:h#key-2"])
        );
        assert_eq!(doc["verificationMethod"][1]["type"], "Multikey");
    }
}
