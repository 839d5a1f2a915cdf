//! Verifiable credentials in the open standards: the issuer's `did:web`
//! identity and DID document, Open Badges 3.0 credentials (W3C VC 2.0),
//! Bitstring Status Lists, and their Data Integrity proofs
//! (`eddsa-jcs-2022`). Formats and cryptography only: what is issued to
//! whom, and when, is [`crate::actions::credentials`]'.
//!
//! - [`jcs`]: RFC 8785 canonical JSON.
//! - [`keys`]: Ed25519 keys, sealed at rest under the credential key;
//!   Multikey and multibase.
//! - [`proof`]: signing and checking a proof.
//! - [`bitstring`]: a status list's compressed bits.
//! - [`documents`]: the DID document, the credential, the status list
//!   credential, the SVG badge.
//! - [`baking`]: the PNG badge, and the credential read back out of a
//!   file (JSON, or a baked PNG or SVG badge).
//! - [`standards`]: the contexts and the JSON Schema, local copies served
//!   by the service (nothing is fetched at run time).

pub mod baking;
pub mod bitstring;
pub mod documents;
pub mod jcs;
pub mod keys;
pub mod proof;
pub mod standards;

use chrono::Duration;

pub use keys::CredentialKey;

/// The two purposes of a register entry's status lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// Withdrawn for good: the entry was revoked.
    Revocation,
    /// Withdrawn for now: the entry is suspended; cleared on reinstatement.
    Suspension,
}

impl Purpose {
    /// Both, in the order a credential lists them.
    pub const ALL: [Purpose; 2] = [Purpose::Revocation, Purpose::Suspension];

    /// The `statusPurpose`, as the specification spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Revocation => "revocation",
            Purpose::Suspension => "suspension",
        }
    }

    /// The purpose named `text`.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == text)
    }
}

/// Who issues, and where: the service's public address, the society that
/// issues as the host's own DID (if any), the key that seals the issuers'
/// keys, and how long a status list is good for.
#[derive(Debug, Clone)]
pub struct Issuer {
    base_url: String,
    host_did: String,
    home_society: Option<String>,
    /// The key that seals the issuers' private keys.
    pub key: CredentialKey,
    /// How long a status list credential is valid (and may be cached).
    pub status_list_lifetime: Duration,
}

/// Why a public address cannot be used for `did:web`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("PUBLIC_URL must be http(s)://HOST or http(s)://HOST:PORT, without a path: {0:?}")]
pub struct BadPublicUrl(pub String);

impl Issuer {
    /// An issuer at `base_url` (`https://HOST[:PORT]`, no path: did:web
    /// puts the DID document of the host at `/.well-known/did.json`).
    pub fn new(
        base_url: &str,
        home_society: Option<String>,
        key: CredentialKey,
        status_list_lifetime: Duration,
    ) -> Result<Self, BadPublicUrl> {
        let trimmed = base_url.trim().trim_end_matches('/');
        let authority = trimmed
            .strip_prefix("https://")
            .or_else(|| trimmed.strip_prefix("http://"))
            .ok_or_else(|| BadPublicUrl(base_url.to_owned()))?;
        let valid = !authority.is_empty()
            && authority
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
        if !valid {
            return Err(BadPublicUrl(base_url.to_owned()));
        }
        Ok(Self {
            base_url: trimmed.to_owned(),
            // did:web writes a port's colon as %3A.
            host_did: format!("did:web:{}", authority.replace(':', "%3A")),
            home_society,
            key,
            status_list_lifetime,
        })
    }

    /// The service's public address, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The DID society `slug` issues as: the host's own for the home
    /// society, else `did:web:HOST:societies:SLUG` (its document at
    /// `/societies/SLUG/did.json`).
    pub fn did(&self, slug: &str) -> String {
        if self.home_society.as_deref() == Some(slug) {
            self.host_did.clone()
        } else {
            format!("{}:societies:{slug}", self.host_did)
        }
    }

    /// The host's own DID (`/.well-known/did.json`).
    pub fn host_did(&self) -> &str {
        &self.host_did
    }

    /// The society that issues as the host's own DID, if one does.
    pub fn home_society(&self) -> Option<&str> {
        self.home_society.as_deref()
    }

    /// The society whose DID `did` is, if it is one of this service's.
    pub fn society_of(&self, did: &str) -> Option<String> {
        if did == self.host_did {
            return self.home_society.clone();
        }
        let slug = did
            .strip_prefix(&self.host_did)?
            .strip_prefix(":societies:")?;
        let plain = !slug.is_empty()
            && slug
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        (plain && self.home_society.as_deref() != Some(slug)).then(|| slug.to_owned())
    }

    /// The status list credential of society `slug` for `purpose`.
    pub fn status_list_url(&self, slug: &str, purpose: Purpose) -> String {
        format!(
            "{}/api/v1/societies/{slug}/status-lists/{}",
            self.base_url,
            purpose.as_str()
        )
    }

    /// The public page that verifies a credential.
    pub fn verify_page_url(&self) -> String {
        format!("{}/credentials/verify", self.base_url)
    }

    /// The link that checks the credential `credential_id` (`urn:uuid:…`,
    /// as the credential names itself) on the verification page: what its
    /// certificate prints, and its QR code holds.
    pub fn check_link(&self, credential_id: &str) -> String {
        let uuid = credential_id
            .strip_prefix("urn:uuid:")
            .unwrap_or(credential_id);
        let query: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("id", uuid)
            .finish();
        format!("{}?{query}", self.verify_page_url())
    }

    /// The public register entry of `registration` in society `slug`.
    pub fn entry_url(&self, slug: &str, registration: &str) -> String {
        format!("{}/societies/{slug}/register/{registration}", self.base_url)
    }

    /// The public register of society `slug`.
    pub fn register_url(&self, slug: &str) -> String {
        format!("{}/societies/{slug}/register", self.base_url)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn issuer(url: &str, home: Option<&str>) -> Issuer {
        Issuer::new(
            url,
            home.map(str::to_owned),
            CredentialKey::generate(),
            Duration::minutes(10),
        )
        .unwrap()
    }

    #[test]
    fn societies_issue_under_the_host() {
        let issuer = issuer("https://balint.example.org/", None);
        assert_eq!(
            issuer.did("bsanz"),
            "did:web:balint.example.org:societies:bsanz"
        );
        assert_eq!(
            issuer.society_of("did:web:balint.example.org:societies:bsanz"),
            Some("bsanz".to_owned())
        );
        assert_eq!(issuer.society_of("did:web:balint.example.org"), None);
        assert_eq!(
            issuer.society_of("did:web:other.example:societies:bsanz"),
            None
        );
    }

    #[test]
    fn the_home_society_is_the_host_and_a_port_is_escaped() {
        let issuer = issuer("http://127.0.0.1:8080", Some("bsanz"));
        assert_eq!(issuer.did("bsanz"), "did:web:127.0.0.1%3A8080");
        assert_eq!(issuer.did("abs"), "did:web:127.0.0.1%3A8080:societies:abs");
        assert_eq!(
            issuer.society_of("did:web:127.0.0.1%3A8080"),
            Some("bsanz".to_owned())
        );
        assert_eq!(
            issuer.society_of("did:web:127.0.0.1%3A8080:societies:bsanz"),
            None
        );
    }

    #[test]
    fn a_credential_is_checked_by_its_uuid_on_the_verification_page() {
        let issuer = issuer("https://balint.example.org", None);
        assert_eq!(
            issuer.check_link("urn:uuid:0b5c2e9c-7c1f-4a53-9d2e-2f0c8e1a7b44"),
            "https://balint.example.org/credentials/verify?id=0b5c2e9c-7c1f-4a53-9d2e-2f0c8e1a7b44"
        );
    }

    #[test]
    fn a_public_url_with_a_path_is_refused() {
        let key = CredentialKey::generate;
        assert!(Issuer::new("https://host/balint", None, key(), Duration::minutes(1)).is_err());
        assert!(Issuer::new("ftp://host", None, key(), Duration::minutes(1)).is_err());
    }
}
