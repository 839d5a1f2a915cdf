//! Data Integrity proofs of the `eddsa-jcs-2022` cryptosuite (W3C
//! vc-di-eddsa): the signed bytes are the SHA-256 of the canonical proof
//! options (with the document's `@context`) followed by the SHA-256 of the
//! canonical document without its proof, signed with Ed25519.

use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use super::{jcs, keys};

/// The proof's type.
pub const PROOF_TYPE: &str = "DataIntegrityProof";
/// The cryptosuite.
pub const CRYPTOSUITE: &str = "eddsa-jcs-2022";

/// What is signed: the hash of the canonical proof options, then the hash
/// of the canonical document.
fn hash_data(document: &Value, options: &Map<String, Value>) -> Vec<u8> {
    let mut config = options.clone();
    config.remove("proofValue");
    if let Some(context) = document.get("@context") {
        config.insert("@context".to_owned(), context.clone());
    }
    let config_hash = Sha256::digest(jcs::canonical(&Value::Object(config)).as_bytes());
    let document_hash = Sha256::digest(jcs::canonical(document).as_bytes());
    [config_hash.as_slice(), document_hash.as_slice()].concat()
}

/// `document` (without a proof) signed by the key of `seed`, named
/// `verification_method`, at `created` (RFC 3339, UTC).
pub fn sign(document: &Value, seed: &[u8; 32], verification_method: &str, created: &str) -> Value {
    let mut options = Map::new();
    options.insert("type".to_owned(), json!(PROOF_TYPE));
    options.insert("cryptosuite".to_owned(), json!(CRYPTOSUITE));
    options.insert("created".to_owned(), json!(created));
    options.insert("verificationMethod".to_owned(), json!(verification_method));
    options.insert("proofPurpose".to_owned(), json!("assertionMethod"));
    // The proof carries the document's context, as the cryptosuite's
    // first verifiers (e.g. @digitalbazaar/eddsa-jcs-2022-cryptosuite)
    // expect; the specification's own verifiers put it there anyway.
    if let Some(context) = document.get("@context") {
        options.insert("@context".to_owned(), context.clone());
    }
    let signature = keys::sign(seed, &hash_data(document, &options));
    options.insert(
        "proofValue".to_owned(),
        json!(keys::proof_value(&signature)),
    );
    let mut secured = document.clone();
    if let Value::Object(members) = &mut secured {
        members.insert("proof".to_owned(), Value::Object(options));
    }
    secured
}

/// `secured` with its proof as a proof set of one, the shape the Open
/// Badges 3.0 JSON Schema asks for (`"proof": [{...}]`).
pub fn as_proof_set(mut secured: Value) -> Value {
    if let Some(proof) = secured.get_mut("proof") {
        if proof.is_object() {
            *proof = Value::Array(vec![proof.take()]);
        }
    }
    secured
}

/// Why a proof does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// The document is not a JSON object with one proof (an object, or a
    /// list of one).
    #[error("the credential has no proof")]
    NoProof,
    /// The proof is not a DataIntegrityProof of eddsa-jcs-2022.
    #[error("the proof is not a DataIntegrityProof with the eddsa-jcs-2022 cryptosuite")]
    Unsupported,
    /// The proof is not for asserting (`proofPurpose` `assertionMethod`).
    #[error("the proof is not made for assertion (proofPurpose assertionMethod)")]
    WrongPurpose,
    /// A field of the proof is missing or cannot be read.
    #[error("the proof's {0} is missing or cannot be read")]
    Malformed(&'static str),
    /// The proof's `@context` is not where the document's starts.
    #[error("the proof's @context does not match the credential's")]
    ContextMismatch,
    /// The signature does not match the document: it was changed after
    /// signing, or signed by another key.
    #[error("the signature does not match: the credential was changed after it was signed, or signed with another key")]
    BadSignature,
}

/// The proof of `secured`, as read: its verification method and what is
/// needed to check it.
#[derive(Debug, Clone)]
pub struct Proof {
    /// The verification method named: a DID URL, `did:web:...#key-1`.
    pub verification_method: String,
    /// When it was made, as written.
    pub created: Option<String>,
    document: Value,
    options: Map<String, Value>,
    signature: Vec<u8>,
}

impl Proof {
    /// Read the proof of `secured`.
    pub fn read(secured: &Value) -> Result<Self, ProofError> {
        let Value::Object(members) = secured else {
            return Err(ProofError::NoProof);
        };
        let mut document = members.clone();
        // One proof, or a proof set of one (as Open Badges 3.0 writes it).
        let options = match document.remove("proof") {
            Some(Value::Object(options)) => options,
            Some(Value::Array(mut set)) if set.len() == 1 => match set.pop() {
                Some(Value::Object(options)) => options,
                _ => return Err(ProofError::NoProof),
            },
            _ => return Err(ProofError::NoProof),
        };
        if options.get("type") != Some(&json!(PROOF_TYPE))
            || options.get("cryptosuite") != Some(&json!(CRYPTOSUITE))
        {
            return Err(ProofError::Unsupported);
        }
        if options.get("proofPurpose") != Some(&json!("assertionMethod")) {
            return Err(ProofError::WrongPurpose);
        }
        let verification_method = options
            .get("verificationMethod")
            .and_then(Value::as_str)
            .ok_or(ProofError::Malformed("verificationMethod"))?
            .to_owned();
        let signature = options
            .get("proofValue")
            .and_then(Value::as_str)
            .and_then(keys::from_proof_value)
            .ok_or(ProofError::Malformed("proofValue"))?;
        let mut document = Value::Object(document);
        if let Some(context) = options.get("@context").cloned() {
            // The proof's context must be where the document's starts; the
            // document is then read with the proof's.
            let starts = match (&context, document.get("@context")) {
                (Value::Array(wanted), Some(Value::Array(has))) => has.starts_with(wanted),
                (wanted, Some(has)) => wanted == has,
                _ => false,
            };
            if !starts {
                return Err(ProofError::ContextMismatch);
            }
            if let Value::Object(members) = &mut document {
                members.insert("@context".to_owned(), context);
            }
        }
        Ok(Self {
            verification_method,
            created: options
                .get("created")
                .and_then(Value::as_str)
                .map(str::to_owned),
            document,
            options,
            signature,
        })
    }

    /// Whether the signature is `public`'s.
    pub fn check(&self, public: &[u8]) -> Result<(), ProofError> {
        if keys::verify(
            public,
            &hash_data(&self.document, &self.options),
            &self.signature,
        ) {
            Ok(())
        } else {
            Err(ProofError::BadSignature)
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_document_verifies_and_a_changed_one_does_not() {
        let (seed, public) = keys::generate();
        let document = json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "name": "x"});
        let secured = sign(
            &document,
            &seed,
            "did:web:example.org#key-1",
            "2026-01-01T00:00:00Z",
        );
        let proof = Proof::read(&secured).unwrap();
        assert_eq!(proof.verification_method, "did:web:example.org#key-1");
        assert_eq!(proof.check(&public), Ok(()));
        assert_eq!(secured["proof"]["@context"], document["@context"]);
        let set = as_proof_set(secured.clone());
        assert!(set["proof"].is_array());
        assert_eq!(Proof::read(&set).unwrap().check(&public), Ok(()));

        let mut changed = secured.clone();
        changed["name"] = json!("y");
        assert_eq!(
            Proof::read(&changed).unwrap().check(&public),
            Err(ProofError::BadSignature)
        );
        let mut moved = secured;
        moved["proof"]["created"] = json!("2027-01-01T00:00:00Z");
        assert_eq!(
            Proof::read(&moved).unwrap().check(&public),
            Err(ProofError::BadSignature)
        );
    }
}
