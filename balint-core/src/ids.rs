//! Identifier newtypes.
//!
//! Every identifier in the domain is its own type, so a tier id can never be
//! passed where a person id is expected. Identifiers are short, non-empty
//! strings of ASCII letters, digits, `-`, `_` and `.`; they are built only
//! through [`std::str::FromStr`] / [`TryFrom`], so an invalid one cannot exist.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why a string is not a valid identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdError {
    /// The string was empty.
    #[error("must not be empty")]
    Empty,
    /// The string was longer than [`MAX_ID_LEN`] bytes.
    #[error("must be at most {MAX_ID_LEN} characters")]
    TooLong,
    /// The string contained a character other than ASCII letters, digits, `-`, `_`, `.`.
    #[error("may contain only ASCII letters, digits, '-', '_' and '.' (found {0:?})")]
    InvalidChar(char),
}

/// The longest identifier accepted, in bytes.
pub const MAX_ID_LEN: usize = 64;

fn check_id(s: &str) -> Result<(), IdError> {
    if s.is_empty() {
        return Err(IdError::Empty);
    }
    if s.len() > MAX_ID_LEN {
        return Err(IdError::TooLong);
    }
    if let Some(c) = s
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Err(IdError::InvalidChar(c));
    }
    Ok(())
}

macro_rules! string_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Eq, PartialOrd, Ord)]
        // Shared, so cloning an id does not allocate.
        pub struct $name(Arc<str>);

        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                // Copies of one id (a ledger's records all name the same
                // person) are equal without comparing their bytes.
                Arc::ptr_eq(&self.0, &other.0) || self.0 == other.0
            }
        }

        impl std::hash::Hash for $name {
            fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
                // As the string, which equal ids agree on.
                self.0.hash(state);
            }
        }

        impl $name {
            /// The identifier as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                check_id(s)?;
                Ok(Self(Arc::from(s)))
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                check_id(&s)?;
                Ok(Self(Arc::from(s)))
            }
        }

        impl TryFrom<&str> for $name {
            type Error = IdError;
            fn try_from(s: &str) -> Result<Self, Self::Error> {
                s.parse()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

string_id!(
    /// A person in a society's records (a trainee, leader, supervisor, ...).
    PersonId
);
string_id!(
    /// A tier of a pathway, e.g. `accredited-leader`.
    TierId
);
string_id!(
    /// A requirement within a pathway, unique within its tier.
    RequirementId
);
string_id!(
    /// One record in a person's ledger.
    ActivityId
);
string_id!(
    /// A society, by its short slug, e.g. `bsanz`.
    SocietyId
);
string_id!(
    /// A pathway (one society may publish several), e.g. `bsanz-leader`.
    PathwayId
);
string_id!(
    /// A CPD scheme, e.g. `aek-psychosomatic-basic-care`.
    SchemeId
);
string_id!(
    /// A registration number on a society's register, e.g. `BSANZ-0042`.
    RegistrationNumber
);

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn accepts_slugs_and_registration_numbers() {
        assert!("bsanz".parse::<SocietyId>().is_ok());
        assert!("BSANZ-0042".parse::<RegistrationNumber>().is_ok());
        assert!("leader_trainer.v2".parse::<TierId>().is_ok());
    }

    #[test]
    fn refuses_empty_long_and_odd_characters() {
        assert_eq!("".parse::<TierId>(), Err(IdError::Empty));
        assert_eq!("a".repeat(65).parse::<TierId>(), Err(IdError::TooLong));
        assert_eq!("a b".parse::<TierId>(), Err(IdError::InvalidChar(' ')));
    }

    #[test]
    fn serde_refuses_invalid_ids() {
        let ok: PersonId = serde_json::from_str("\"p-1\"").unwrap();
        assert_eq!(ok.as_str(), "p-1");
        assert!(serde_json::from_str::<PersonId>("\"p 1\"").is_err());
    }
}
