//! Money: exact IDR amounts, never floats.

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{FieldError, FieldErrorKind};
use crate::open_enum::open_enum;
use crate::validate::{FieldPath, Validate};

/// The largest SNAP amount: 16 integer digits, two decimals \[P\].
const SNAP_MAX_SEN: u64 = 999_999_999_999_999_999;

/// An exact amount of Indonesian rupiah, held in sen (1/100 rupiah).
///
/// ```
/// use ovo_model::Idr;
///
/// let price = Idr::from_rupiah(10_000);
/// assert_eq!(price.sen(), 1_000_000);
/// assert_eq!(price.to_snap_value(), "10000.00");
/// assert_eq!(Idr::parse_snap_value("10000.50"), Ok(Idr::from_sen(1_000_050)));
/// assert!(Idr::parse_snap_value("10000.5").is_err());
/// assert!(Idr::parse_snap_value("1e4").is_err());
/// assert_eq!(serde_json::to_string(&price).unwrap(), "\"10000.00\"");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Idr {
    sen: u64,
}

/// Why a text is not a SNAP amount value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a SNAP amount: 1 to 16 digits, a dot and exactly 2 decimals (\"10000.00\")")]
pub struct AmountFormatError;

impl Idr {
    /// Zero rupiah.
    pub const ZERO: Self = Self { sen: 0 };

    /// An amount in sen.
    pub const fn from_sen(sen: u64) -> Self {
        Self { sen }
    }

    /// An amount in whole rupiah (saturating at `u64::MAX` sen).
    pub const fn from_rupiah(rupiah: u64) -> Self {
        Self {
            sen: rupiah.saturating_mul(100),
        }
    }

    /// The amount in sen.
    pub const fn sen(self) -> u64 {
        self.sen
    }

    /// The whole rupiah, if the amount has no sen part.
    ///
    /// ```
    /// assert_eq!(ovo_model::Idr::from_sen(150).whole_rupiah(), None);
    /// assert_eq!(ovo_model::Idr::from_rupiah(7).whole_rupiah(), Some(7));
    /// ```
    pub const fn whole_rupiah(self) -> Option<u64> {
        if self.sen.is_multiple_of(100) {
            Some(self.sen / 100)
        } else {
            None
        }
    }

    /// Adds, or `None` on overflow.
    pub fn checked_add(self, other: Self) -> Option<Self> {
        self.sen.checked_add(other.sen).map(Self::from_sen)
    }

    /// Subtracts, or `None` if `other` is larger.
    pub fn checked_sub(self, other: Self) -> Option<Self> {
        self.sen.checked_sub(other.sen).map(Self::from_sen)
    }

    /// SNAP's text form: integer digits, a dot, exactly two decimals.
    pub fn to_snap_value(self) -> String {
        format!("{}.{:02}", self.sen / 100, self.sen % 100)
    }

    /// Reads SNAP's text form, `^\d{1,16}\.\d{2}$` \[P\].
    pub fn parse_snap_value(text: &str) -> Result<Self, AmountFormatError> {
        let (whole, fraction) = text.split_once('.').ok_or(AmountFormatError)?;
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || whole.len() > 16 || fraction.len() != 2 || !digits(fraction) {
            return Err(AmountFormatError);
        }
        let whole: u64 = whole.parse().map_err(|_| AmountFormatError)?;
        let fraction: u64 = fraction.parse().map_err(|_| AmountFormatError)?;
        Ok(Self::from_sen(whole * 100 + fraction))
    }
}

/// `Idr` serializes as SNAP's text form, `"10000.00"`, and reads it back strictly.
impl Serialize for Idr {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_snap_value())
    }
}

impl<'de> Deserialize<'de> for Idr {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Idr::parse_snap_value(&text).map_err(de::Error::custom)
    }
}

impl fmt::Display for Idr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IDR {}", self.to_snap_value())
    }
}

open_enum! {
    /// An ISO 4217 currency code; OVO and DOKU use only `IDR`.
    Currency {
        /// Indonesian rupiah.
        Idr = "IDR",
    }
}

/// SNAP's money object, `{"value":"10000.00","currency":"IDR"}` \[P\].
///
/// ```
/// use ovo_model::{Idr, SnapMoney};
///
/// let money: SnapMoney = serde_json::from_str(r#"{"value":"10000.00","currency":"IDR"}"#).unwrap();
/// assert_eq!(money.value, Idr::from_rupiah(10_000));
/// assert_eq!(serde_json::to_string(&SnapMoney::idr(Idr::from_sen(5))).unwrap(),
///            r#"{"value":"0.05","currency":"IDR"}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapMoney {
    /// The amount, written with exactly two decimals.
    #[serde(with = "snap_value")]
    pub value: Idr,
    /// The currency; validation accepts only IDR.
    pub currency: Currency,
}

impl SnapMoney {
    /// An amount in rupiah.
    pub fn idr(value: Idr) -> Self {
        Self {
            value,
            currency: Currency::Idr,
        }
    }
}

impl Validate for SnapMoney {
    fn validate_at(&self, at: &FieldPath) -> Result<(), FieldError> {
        if self.value.sen() > SNAP_MAX_SEN {
            return Err(at.field("value").error(FieldErrorKind::InvalidValue {
                expected: "at most 16 integer digits",
            }));
        }
        if self.currency != Currency::Idr {
            return Err(at
                .field("currency")
                .error(FieldErrorKind::InvalidValue { expected: "IDR" }));
        }
        Ok(())
    }
}

mod snap_value {
    use serde::{Deserialize, Deserializer, Serializer};

    use super::Idr;

    pub(super) fn serialize<S: Serializer>(value: &Idr, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&value.to_snap_value())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Idr, D::Error> {
        let text = String::deserialize(deserializer)?;
        Idr::parse_snap_value(&text).map_err(serde::de::Error::custom)
    }
}

/// A DOKU amount in whole rupiah, "number (10)" \[S\].
///
/// DOKU's own samples send it both as a number (`100000`) and as a string (`"100000"`), so both are
/// accepted; it is always sent as a number, the documented type. Fractions are refused.
///
/// ```
/// use ovo_model::DokuAmount;
///
/// let a: DokuAmount = serde_json::from_str("100000").unwrap();
/// let b: DokuAmount = serde_json::from_str("\"100000\"").unwrap();
/// assert_eq!(a, b);
/// assert_eq!(serde_json::to_string(&b).unwrap(), "100000");
/// assert!(serde_json::from_str::<DokuAmount>("1000.5").is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct DokuAmount(pub u64);

impl DokuAmount {
    /// The largest value of ten digits.
    pub const MAX: u64 = 9_999_999_999;

    /// The amount as [`Idr`].
    pub fn idr(self) -> Idr {
        Idr::from_rupiah(self.0)
    }
}

impl Validate for DokuAmount {
    fn validate_at(&self, at: &FieldPath) -> Result<(), FieldError> {
        if self.0 > Self::MAX {
            return Err(at.error(FieldErrorKind::InvalidValue {
                expected: "a number of at most 10 digits",
            }));
        }
        Ok(())
    }
}

impl Serialize for DokuAmount {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(self.0)
    }
}

impl<'de> Deserialize<'de> for DokuAmount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct AmountVisitor;

        impl Visitor<'_> for AmountVisitor {
            type Value = DokuAmount;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a whole number of rupiah, as a number or a string of digits")
            }

            fn visit_u64<E: de::Error>(self, value: u64) -> Result<DokuAmount, E> {
                Ok(DokuAmount(value))
            }

            fn visit_i64<E: de::Error>(self, value: i64) -> Result<DokuAmount, E> {
                u64::try_from(value)
                    .map(DokuAmount)
                    .map_err(|_| E::custom("a negative amount"))
            }

            fn visit_f64<E: de::Error>(self, _value: f64) -> Result<DokuAmount, E> {
                Err(E::custom(
                    "a fractional amount; DOKU amounts are whole rupiah",
                ))
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<DokuAmount, E> {
                if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(E::custom("a string that is not only digits"));
                }
                value
                    .parse()
                    .map(DokuAmount)
                    .map_err(|_| E::custom("an amount too large"))
            }
        }

        deserializer.deserialize_any(AmountVisitor)
    }
}

/// A flag DOKU documents as "string (5)" (`"true"`/`"false"`) but whose sample sends as a JSON
/// boolean: both are accepted, and it is sent as the documented string.
///
/// ```
/// use ovo_model::FlexBool;
///
/// assert_eq!(serde_json::from_str::<FlexBool>("false").unwrap(), FlexBool(false));
/// assert_eq!(serde_json::from_str::<FlexBool>("\"true\"").unwrap(), FlexBool(true));
/// assert_eq!(serde_json::to_string(&FlexBool(true)).unwrap(), "\"true\"");
/// assert!(serde_json::from_str::<FlexBool>("\"yes\"").is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FlexBool(pub bool);

impl Serialize for FlexBool {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(if self.0 { "true" } else { "false" })
    }
}

impl<'de> Deserialize<'de> for FlexBool {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FlagVisitor;

        impl Visitor<'_> for FlagVisitor {
            type Value = FlexBool;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("true or false, as a boolean or a string")
            }

            fn visit_bool<E: de::Error>(self, value: bool) -> Result<FlexBool, E> {
                Ok(FlexBool(value))
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<FlexBool, E> {
                match value.to_ascii_lowercase().as_str() {
                    "true" => Ok(FlexBool(true)),
                    "false" => Ok(FlexBool(false)),
                    _ => Err(E::custom("a string other than \"true\" or \"false\"")),
                }
            }
        }

        deserializer.deserialize_any(FlagVisitor)
    }
}
