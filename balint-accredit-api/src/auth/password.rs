//! Argon2id password hashes.

use std::sync::OnceLock;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::config::PasswordHashing;

fn hasher(cost: PasswordHashing) -> anyhow::Result<Argon2<'static>> {
    let params = match cost {
        PasswordHashing::Standard => Params::default(),
        PasswordHashing::Fast => Params::new(Params::MIN_M_COST, 1, 1, None)
            .map_err(|e| anyhow::anyhow!("argon2 parameters: {e}"))?,
    };
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hash `password` with Argon2id and a fresh random salt (PHC string).
/// Slow on purpose: call it off the async workers.
pub fn hash(password: &str, cost: PasswordHashing) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    let hash = hasher(cost)?
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hashing a password failed: {e}"))?;
    Ok(hash.to_string())
}

/// Whether `password` matches `stored` (the parameters come from the hash).
pub fn verify(stored: &str, password: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Verify against a hash nobody can match, so an unknown email costs as
/// much time as a wrong password and timing does not reveal accounts.
pub fn verify_unknown_user(password: &str, cost: PasswordHashing) {
    static DUMMY: OnceLock<Option<String>> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash("not a password of anyone", cost).ok());
    if let Some(dummy) = dummy {
        let _ = verify(dummy, password);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let stored = hash("correct horse battery", PasswordHashing::Fast).unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify(&stored, "correct horse battery"));
        assert!(!verify(&stored, "correct horse battery!"));
        assert!(!verify("not a hash", "anything"));
    }
}
