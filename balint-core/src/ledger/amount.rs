//! Exact amounts: fixed-point thousandths, so sums never depend on the order
//! of addition (as `f64` sums would).

use std::fmt;
use std::str::FromStr;

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

/// A non-negative amount with three decimal places, e.g. `12`, `1.5`, `0.333`.
///
/// Stored as an integer number of thousandths, so adding amounts is exact and
/// order independent. In JSON and TOML it is a plain number (`12`, `1.5`);
/// more than three decimals are rounded to the nearest thousandth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Amount(u64);

/// Why a number is not a valid [`Amount`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AmountError {
    /// The number was below zero.
    #[error("must not be negative")]
    Negative,
    /// The number was not finite, or too large to hold.
    #[error("must be a finite number below 10^15")]
    OutOfRange,
    /// The text was not a decimal number.
    #[error("is not a number")]
    NotANumber,
}

const SCALE: u64 = 1000;
const MAX_WHOLE: u64 = 1_000_000_000_000_000;

impl Amount {
    /// Zero.
    pub const ZERO: Amount = Amount(0);

    /// A whole amount, e.g. `Amount::from_whole(30)` for thirty cases.
    /// Saturates at the largest representable amount.
    pub const fn from_whole(n: u64) -> Self {
        Amount(n.saturating_mul(SCALE))
    }

    /// An amount given in thousandths: `Amount::from_thousandths(1500)` is 1.5.
    pub const fn from_thousandths(n: u64) -> Self {
        Amount(n)
    }

    /// The amount in thousandths.
    pub const fn thousandths(self) -> u64 {
        self.0
    }

    /// Whether the amount is zero.
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// Whether the amount is a whole number.
    pub const fn is_whole(self) -> bool {
        self.0 % SCALE == 0
    }

    /// The sum, saturating at the largest representable amount.
    #[must_use]
    pub const fn saturating_add(self, other: Amount) -> Amount {
        Amount(self.0.saturating_add(other.0))
    }

    /// The difference, or zero when `other` is larger.
    #[must_use]
    pub const fn saturating_sub(self, other: Amount) -> Amount {
        Amount(self.0.saturating_sub(other.0))
    }

    /// Multiplies by `num / den`, rounding down to the thousandth (`den` > 0).
    #[must_use]
    pub fn scale(self, num: u64, den: u64) -> Amount {
        let wide = u128::from(self.0) * u128::from(num) / u128::from(den.max(1));
        Amount(u64::try_from(wide).unwrap_or(u64::MAX))
    }

    /// Reads a number as written in a document (rounded to thousandths).
    pub fn from_f64(value: f64) -> Result<Self, AmountError> {
        if !value.is_finite() {
            return Err(AmountError::OutOfRange);
        }
        if value < 0.0 {
            return Err(AmountError::Negative);
        }
        if value >= MAX_WHOLE as f64 {
            return Err(AmountError::OutOfRange);
        }
        // Bounded above, so the cast cannot truncate.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        Ok(Amount((value * SCALE as f64).round() as u64))
    }

    /// Reads a whole number.
    pub fn from_u64(value: u64) -> Result<Self, AmountError> {
        if value >= MAX_WHOLE {
            return Err(AmountError::OutOfRange);
        }
        Ok(Amount(value * SCALE))
    }

    /// The amount as a float, for display and charts only.
    pub fn as_f64(self) -> f64 {
        self.0 as f64 / SCALE as f64
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whole = self.0 / SCALE;
        let frac = self.0 % SCALE;
        if frac == 0 {
            write!(f, "{whole}")
        } else {
            let digits = format!("{frac:03}");
            write!(f, "{whole}.{}", digits.trim_end_matches('0'))
        }
    }
}

impl FromStr for Amount {
    type Err = AmountError;

    /// Parses a plain decimal such as `12`, `1.5` or `0.333` exactly
    /// (more than three decimals are refused rather than rounded).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.starts_with('-') {
            return Err(AmountError::Negative);
        }
        let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
        if whole.is_empty() && frac.is_empty()
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
            || frac.len() > 3
        {
            return Err(AmountError::NotANumber);
        }
        let whole: u64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| AmountError::OutOfRange)?
        };
        if whole >= MAX_WHOLE {
            return Err(AmountError::OutOfRange);
        }
        let mut thousandths = 0;
        for (i, b) in frac.bytes().enumerate() {
            thousandths += u64::from(b - b'0') * 10u64.pow(2 - i as u32);
        }
        Ok(Amount(whole * SCALE + thousandths))
    }
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.is_whole() {
            s.serialize_u64(self.0 / SCALE)
        } else {
            s.serialize_f64(self.as_f64())
        }
    }
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl de::Visitor<'_> for Visitor {
            type Value = Amount;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a non-negative number")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Amount, E> {
                Amount::from_u64(v).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Amount, E> {
                let v = u64::try_from(v).map_err(|_| E::custom(AmountError::Negative))?;
                Amount::from_u64(v).map_err(E::custom)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Amount, E> {
                Amount::from_f64(v).map_err(E::custom)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Amount, E> {
                v.parse().map_err(E::custom)
            }
        }
        d.deserialize_any(Visitor)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn displays_without_trailing_zeros() {
        assert_eq!(Amount::from_whole(30).to_string(), "30");
        assert_eq!(Amount::from_thousandths(1500).to_string(), "1.5");
        assert_eq!(Amount::from_thousandths(333).to_string(), "0.333");
    }

    #[test]
    fn parses_decimals_exactly_and_refuses_negatives() {
        assert_eq!("1.5".parse::<Amount>(), Ok(Amount::from_thousandths(1500)));
        assert_eq!("-1".parse::<Amount>(), Err(AmountError::Negative));
        assert_eq!("1.2345".parse::<Amount>(), Err(AmountError::NotANumber));
        assert_eq!("x".parse::<Amount>(), Err(AmountError::NotANumber));
    }

    #[test]
    fn json_round_trips_whole_and_fractional_amounts() {
        for a in [Amount::from_whole(7), Amount::from_thousandths(1250)] {
            let json = serde_json::to_string(&a).unwrap();
            assert_eq!(serde_json::from_str::<Amount>(&json).unwrap(), a);
        }
        assert_eq!(serde_json::to_string(&Amount::from_whole(7)).unwrap(), "7");
        assert!(serde_json::from_str::<Amount>("-3").is_err());
    }

    #[test]
    fn scaling_rounds_down_to_the_thousandth() {
        // 100 minutes are 1.111 double sessions of 90 minutes.
        assert_eq!(
            Amount::from_whole(100).scale(1, 90),
            Amount::from_thousandths(1111)
        );
    }
}
