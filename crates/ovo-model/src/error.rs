//! Typed errors that name the offending field, so a provider (or our sandbox) can answer
//! `400xx01 Invalid Field Format {field}` or `400xx02 Invalid Mandatory Field {field}` from them.

use std::fmt;

/// What is wrong with one field.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FieldErrorKind {
    /// A mandatory field is absent, `null` or an empty string.
    Missing,
    /// None of several alternative fields is present (`fields` lists them).
    MissingOneOf {
        /// The alternatives, comma-separated.
        fields: &'static str,
    },
    /// Longer than the documented maximum, in characters.
    TooLong {
        /// The documented maximum.
        max: usize,
        /// The length found, in characters.
        actual: usize,
    },
    /// Shorter than the documented minimum, in characters.
    TooShort {
        /// The documented minimum.
        min: usize,
        /// The length found, in characters.
        actual: usize,
    },
    /// Does not match the documented pattern.
    Pattern {
        /// The pattern, in words or as a character class.
        expected: &'static str,
    },
    /// A value outside what the field allows (a currency other than IDR, a negative quantity...).
    InvalidValue {
        /// What is allowed.
        expected: &'static str,
    },
    /// The JSON value has the wrong type or form for the field (serde's description).
    WrongType {
        /// What the parser reported; never contains a secret (values of secret fields are strings
        /// of any form, so they cannot be of a wrong form).
        detail: String,
    },
}

/// A field rule violation, with the field's path (`order.invoice_number`, `urlParams[0].url`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {kind}")]
pub struct FieldError {
    /// The dotted path of the field, in the wire names.
    pub path: String,
    /// What is wrong with it.
    pub kind: FieldErrorKind,
}

impl FieldError {
    /// A new error at `path`.
    ///
    /// ```
    /// use ovo_model::{FieldError, FieldErrorKind};
    ///
    /// let error = FieldError::new("order.invoice_number", FieldErrorKind::TooShort { min: 3, actual: 2 });
    /// assert_eq!(error.to_string(), "order.invoice_number: 2 characters, fewer than the minimum of 3");
    /// ```
    pub fn new(path: impl Into<String>, kind: FieldErrorKind) -> Self {
        Self {
            path: path.into(),
            kind,
        }
    }

    /// Whether SNAP reports this as a mandatory-field error (`400xx02`) rather than a format
    /// error (`400xx01`).
    ///
    /// ```
    /// use ovo_model::{FieldError, FieldErrorKind};
    ///
    /// assert!(FieldError::new("amount", FieldErrorKind::Missing).is_mandatory());
    /// assert!(!FieldError::new("amount.value", FieldErrorKind::Pattern { expected: "x" }).is_mandatory());
    /// ```
    pub fn is_mandatory(&self) -> bool {
        matches!(
            self.kind,
            FieldErrorKind::Missing | FieldErrorKind::MissingOneOf { .. }
        )
    }
}

impl fmt::Display for FieldErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing => f.write_str("mandatory field is missing or empty"),
            Self::MissingOneOf { fields } => write!(f, "one of {fields} is mandatory"),
            Self::TooLong { max, actual } => {
                write!(f, "{actual} characters, more than the maximum of {max}")
            }
            Self::TooShort { min, actual } => {
                write!(f, "{actual} characters, fewer than the minimum of {min}")
            }
            Self::Pattern { expected } => write!(f, "does not match {expected}"),
            Self::InvalidValue { expected } => write!(f, "invalid value, expected {expected}"),
            Self::WrongType { detail } => write!(f, "invalid format: {detail}"),
        }
    }
}

/// Why bytes did not become a valid message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// Not JSON at all, or truncated.
    #[error("malformed JSON at line {line}, column {column}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// JSON, but a field breaks a rule.
    #[error(transparent)]
    Field(#[from] FieldError),
}

impl ModelError {
    /// The field error, if this is one.
    pub fn field(&self) -> Option<&FieldError> {
        match self {
            Self::Field(error) => Some(error),
            Self::Syntax { .. } => None,
        }
    }
}
