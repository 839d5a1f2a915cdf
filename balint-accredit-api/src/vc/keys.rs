//! The issuers' Ed25519 keys: made at random, their private half sealed
//! under the credential key of the settings (ChaCha20-Poly1305, bound to
//! the society and the key's number), their public half written as a
//! Multikey (`z6Mk...`).

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use rand::RngCore;

/// The multicodec prefix of an Ed25519 public key (`ed25519-pub`, 0xed).
const ED25519_PUB: [u8; 2] = [0xed, 0x01];

/// The key that seals the issuers' private keys: 32 bytes, from the
/// settings (an environment variable or a file), never from the database.
#[derive(Clone)]
pub struct CredentialKey([u8; 32]);

impl std::fmt::Debug for CredentialKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CredentialKey(..)")
    }
}

/// Why a credential key or a sealed key cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The credential key is not 64 hexadecimal digits.
    #[error("the credential key must be 64 hexadecimal digits (32 bytes)")]
    Malformed,
    /// A sealed key does not open with this credential key: another key
    /// sealed it, or it was changed.
    #[error("an issuer key does not open with this credential key")]
    WrongKey,
}

impl CredentialKey {
    /// A new key at random.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// The key as 64 hexadecimal digits (surrounding whitespace ignored).
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let bytes = hex::decode(text.trim()).map_err(|_| KeyError::Malformed)?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| KeyError::Malformed)?;
        Ok(Self(bytes))
    }

    /// The key as 64 hexadecimal digits, as a key file holds it.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Seal `secret` for the key numbered `number` of society `society_id`:
    /// a random nonce, then the ciphertext.
    pub fn seal(&self, society_id: &str, number: i32, secret: &[u8; 32]) -> Vec<u8> {
        let cipher = ChaCha20Poly1305::new((&self.0).into());
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let aad = bound_to(society_id, number);
        let sealed = cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: secret,
                    aad: &aad,
                },
            )
            // Encryption fails only for messages of gigabytes.
            .unwrap_or_default();
        [nonce.as_slice(), &sealed].concat()
    }

    /// Open what [`Self::seal`] sealed.
    pub fn open(&self, society_id: &str, number: i32, sealed: &[u8]) -> Result<[u8; 32], KeyError> {
        if sealed.len() < 12 {
            return Err(KeyError::WrongKey);
        }
        let (nonce, ciphertext) = sealed.split_at(12);
        let cipher = ChaCha20Poly1305::new((&self.0).into());
        let aad = bound_to(society_id, number);
        let secret = cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: &aad,
                },
            )
            .map_err(|_| KeyError::WrongKey)?;
        secret.try_into().map_err(|_| KeyError::WrongKey)
    }
}

/// What a sealed key is bound to: moved to another society or number, it
/// no longer opens.
fn bound_to(society_id: &str, number: i32) -> Vec<u8> {
    format!("balint issuer key {society_id} {number}").into_bytes()
}

/// A new Ed25519 key pair: the private seed and the public key.
pub fn generate() -> ([u8; 32], [u8; 32]) {
    let mut seed = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut seed);
    let public = SigningKey::from_bytes(&seed).verifying_key().to_bytes();
    (seed, public)
}

/// Sign `message` with the key of `seed`.
pub fn sign(seed: &[u8; 32], message: &[u8]) -> [u8; 64] {
    SigningKey::from_bytes(seed).sign(message).to_bytes()
}

/// Whether `signature` is `public`'s over `message`.
pub fn verify(public: &[u8], message: &[u8], signature: &[u8]) -> bool {
    let Ok(public) = <[u8; 32]>::try_from(public) else {
        return false;
    };
    let Ok(signature) = <[u8; 64]>::try_from(signature) else {
        return false;
    };
    let Ok(key) = VerifyingKey::from_bytes(&public) else {
        return false;
    };
    key.verify_strict(message, &ed25519_dalek::Signature::from_bytes(&signature))
        .is_ok()
}

/// A public key as a Multikey's `publicKeyMultibase`: base58btc (`z`) of
/// the multicodec prefix and the key.
pub fn multikey(public: &[u8]) -> String {
    let bytes = [ED25519_PUB.as_slice(), public].concat();
    format!("z{}", bs58::encode(bytes).into_string())
}

/// A `publicKeyMultibase` read back into the 32 bytes of an Ed25519 key.
pub fn from_multikey(text: &str) -> Option<[u8; 32]> {
    let bytes = bs58::decode(text.strip_prefix('z')?).into_vec().ok()?;
    let key = bytes.strip_prefix(ED25519_PUB.as_slice())?;
    key.try_into().ok()
}

/// A signature as a proof's `proofValue`: base58btc, `z` first.
pub fn proof_value(signature: &[u8]) -> String {
    format!("z{}", bs58::encode(signature).into_string())
}

/// A `proofValue` read back into its bytes.
pub fn from_proof_value(text: &str) -> Option<Vec<u8>> {
    bs58::decode(text.strip_prefix('z')?).into_vec().ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_key_opens_only_with_its_key_society_and_number() {
        let key = CredentialKey::generate();
        let (seed, _) = generate();
        let sealed = key.seal("s-1", 1, &seed);
        assert_eq!(key.open("s-1", 1, &sealed).ok(), Some(seed));
        assert!(key.open("s-2", 1, &sealed).is_err());
        assert!(key.open("s-1", 2, &sealed).is_err());
        assert!(CredentialKey::generate().open("s-1", 1, &sealed).is_err());
    }

    #[test]
    fn multikeys_start_z6mk_and_read_back() {
        let (seed, public) = generate();
        let text = multikey(&public);
        assert!(text.starts_with("z6Mk"), "{text}");
        assert_eq!(from_multikey(&text), Some(public));
        let signature = sign(&seed, b"hello");
        assert!(verify(&public, b"hello", &signature));
        assert!(!verify(&public, b"hullo", &signature));
    }

    #[test]
    fn credential_keys_are_64_hex_digits() {
        let key = CredentialKey::generate();
        assert!(CredentialKey::parse(&format!(" {}\n", key.to_hex())).is_ok());
        assert!(CredentialKey::parse("abcd").is_err());
    }
}
