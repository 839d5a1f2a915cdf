//! Closed vocabularies spelled as snake_case words (activity kinds, units,
//! event types, ...), with one macro so that parsing, display, serde and the
//! "expected one of" lists in error messages always agree.

use std::fmt;

/// A word that is not in a closed vocabulary, e.g. an unknown activity kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {vocabulary} {found:?} (expected one of: {expected})")]
pub struct UnknownWord {
    /// Which vocabulary was expected, e.g. `activity kind`.
    pub vocabulary: &'static str,
    /// The word found.
    pub found: String,
    /// The accepted words, comma separated.
    pub expected: String,
}

pub(crate) fn expected_list(words: &[&'static str]) -> String {
    words.join(", ")
}

/// Writes a word list for messages ("a, b or c").
pub(crate) struct Words<'a>(pub &'a [&'static str]);

impl fmt::Display for Words<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            [] => Ok(()),
            [one] => f.write_str(one),
            [init @ .., last] => write!(f, "{} or {}", init.join(", "), last),
        }
    }
}

macro_rules! word_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident ($vocabulary:literal) {
            $( $(#[$vmeta:meta])* $variant:ident => $word:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];
            /// Every value's word, in declaration order.
            pub const WORDS: &'static [&'static str] = &[$($word),+];

            /// The snake_case word used in documents and JSON.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $word),+
                }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::ledger::UnknownWord;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($word => Ok(Self::$variant),)+
                    _ => Err($crate::ledger::UnknownWord {
                        vocabulary: $vocabulary,
                        found: s.to_owned(),
                        expected: $crate::ledger::words::expected_list(Self::WORDS),
                    }),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(d)?;
                s.parse().map_err(::serde::de::Error::custom)
            }
        }
    };
}

pub(crate) use word_enum;
