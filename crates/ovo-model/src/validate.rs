//! Validation: every length, pattern and mandatory rule of the seeds, with field paths.

use serde::de::DeserializeOwned;

use crate::error::{FieldError, FieldErrorKind, ModelError};

/// A message whose field rules can be checked.
///
/// Parsing with [`from_json`] checks JSON types and presence; `validate` checks the rest
/// (lengths, patterns, allowed values, fields mandatory together). Build messages in code and call
/// `validate` before sending; the sandbox calls it on every message it receives.
pub trait Validate {
    /// Checks every rule, reporting the first violation with its path under `at`.
    fn validate_at(&self, at: &FieldPath) -> Result<(), FieldError>;

    /// Checks every rule, with paths from the message root.
    ///
    /// ```
    /// use ovo_model::{Validate, doku::RefundRequest};
    ///
    /// let mut refund: RefundRequest = ovo_model::from_json(
    ///     br#"{"order":{"invoice_number":"INV-1"},"payment":{"original_request_id":"r1"},"refund":{"amount":1000}}"#,
    /// )?;
    /// refund.refund.reason = Some("x".repeat(256));
    /// assert_eq!(refund.validate().unwrap_err().path, "refund.reason");
    /// # Ok::<(), ovo_model::ModelError>(())
    /// ```
    fn validate(&self) -> Result<(), FieldError> {
        self.validate_at(&FieldPath::root())
    }
}

/// Parses and validates a message, naming the field of any error.
///
/// ```
/// use ovo_model::{FieldErrorKind, ModelError, doku::PaymentRequest};
///
/// let bad = br#"{"customer":{"id":"C1"},"order":{"invoice_number":"A!","amount":1000},
///                "ovo_account":{"token_id":"t"}}"#;
/// match ovo_model::from_json::<PaymentRequest>(bad) {
///     Err(ModelError::Field(e)) => {
///         assert_eq!(e.path, "order.invoice_number");
///         assert!(matches!(e.kind, FieldErrorKind::TooShort { min: 3, actual: 2 }));
///     }
///     other => panic!("{other:?}"),
/// }
/// ```
pub fn from_json<T: DeserializeOwned + Validate>(bytes: &[u8]) -> Result<T, ModelError> {
    let message = from_json_unvalidated::<T>(bytes)?;
    message.validate()?;
    Ok(message)
}

/// Parses a message, checking JSON types and presence only (for example to read a provider's
/// response that breaks a documented limit without refusing it).
pub fn from_json_unvalidated<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ModelError> {
    // Most messages are well formed: they take serde_json's own path. Only a message that fails
    // is read again, tracking the path, to name its field (parsing is deterministic, so the
    // second reading fails at the same place).
    match serde_json::from_slice(bytes) {
        Ok(value) => Ok(value),
        Err(error) if error.is_syntax() || error.is_eof() => Err(syntax(&error)),
        // Should the tracked reading succeed after all, the error is still a data error (a field
        // refused), at a path that is not known.
        Err(error) => {
            Err(with_path::<T>(bytes).unwrap_or_else(|| field_error_from_serde("", &error).into()))
        }
    }
}

/// The error of a message that serde_json refused, with the path of the field it failed at;
/// `None` if the tracked reading unexpectedly succeeds.
fn with_path<T: DeserializeOwned>(bytes: &[u8]) -> Option<ModelError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let error = match serde_path_to_error::deserialize::<_, T>(&mut deserializer) {
        Ok(_) => return deserializer.end().err().map(|error| syntax(&error)),
        Err(error) => error,
    };
    let path = error.path().to_string();
    let inner = error.into_inner();
    Some(if inner.is_syntax() || inner.is_eof() {
        syntax(&inner)
    } else {
        field_error_from_serde(&path, &inner).into()
    })
}

fn syntax(error: &serde_json::Error) -> ModelError {
    ModelError::Syntax {
        line: error.line(),
        column: error.column(),
    }
}

/// Maps serde's data errors: a missing field becomes [`FieldErrorKind::Missing`] at the field's
/// own path; anything else is a [`FieldErrorKind::WrongType`] at the path serde reached.
fn field_error_from_serde(path: &str, error: &serde_json::Error) -> FieldError {
    let message = error.to_string();
    let base = if path == "." { "" } else { path };
    if let Some(rest) = message.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or_default();
        let full = if base.is_empty() {
            name.to_owned()
        } else {
            format!("{base}.{name}")
        };
        return FieldError::new(full, FieldErrorKind::Missing);
    }
    // serde appends " at line L column C"; the path already locates the field.
    let detail = message
        .rsplit_once(" at line ")
        .map_or(message.as_str(), |(head, _)| head)
        .to_owned();
    FieldError::new(base, FieldErrorKind::WrongType { detail })
}

/// The path of a field in wire names: `order.line_items[0].quantity`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FieldPath(String);

impl FieldPath {
    /// The message root.
    pub fn root() -> Self {
        Self(String::new())
    }

    /// The path of a named child field.
    pub fn field(&self, name: &str) -> Self {
        if self.0.is_empty() {
            Self(name.to_owned())
        } else {
            Self(format!("{}.{name}", self.0))
        }
    }

    /// The path of an array element.
    pub fn index(&self, index: usize) -> Self {
        Self(format!("{}[{index}]", self.0))
    }

    /// The path as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub(crate) fn error(&self, kind: FieldErrorKind) -> FieldError {
        FieldError::new(self.0.clone(), kind)
    }
}

/// Field checks used by the `Validate` implementations.
pub(crate) mod check {
    use super::{FieldError, FieldErrorKind, FieldPath};

    /// A mandatory string: present (by type) and not empty.
    pub(crate) fn required(at: &FieldPath, value: &str, max: usize) -> Result<(), FieldError> {
        if value.is_empty() {
            return Err(at.error(FieldErrorKind::Missing));
        }
        max_len(at, value, max)
    }

    /// An optional string within `max` characters.
    pub(crate) fn optional(
        at: &FieldPath,
        value: Option<&str>,
        max: usize,
    ) -> Result<(), FieldError> {
        value.map_or(Ok(()), |v| max_len(at, v, max))
    }

    /// At most `max` characters (Unicode scalar values).
    pub(crate) fn max_len(at: &FieldPath, value: &str, max: usize) -> Result<(), FieldError> {
        let actual = value.chars().count();
        if actual > max {
            return Err(at.error(FieldErrorKind::TooLong { max, actual }));
        }
        Ok(())
    }

    /// At least `min` characters.
    pub(crate) fn min_len(at: &FieldPath, value: &str, min: usize) -> Result<(), FieldError> {
        let actual = value.chars().count();
        if actual < min {
            return Err(at.error(FieldErrorKind::TooShort { min, actual }));
        }
        Ok(())
    }

    /// Every character satisfies `allowed`.
    pub(crate) fn chars(
        at: &FieldPath,
        value: &str,
        allowed: fn(char) -> bool,
        expected: &'static str,
    ) -> Result<(), FieldError> {
        if value.chars().all(allowed) {
            Ok(())
        } else {
            Err(at.error(FieldErrorKind::Pattern { expected }))
        }
    }

    /// A URL: `http://` or `https://`, within `max` characters.
    pub(crate) fn url(at: &FieldPath, value: &str, max: usize) -> Result<(), FieldError> {
        required(at, value, max)?;
        if value.starts_with("https://") || value.starts_with("http://") {
            Ok(())
        } else {
            Err(at.error(FieldErrorKind::Pattern {
                expected: "an http:// or https:// URL",
            }))
        }
    }

    /// Validates each element of an optional list.
    pub(crate) fn each<T: super::Validate>(
        at: &FieldPath,
        items: Option<&[T]>,
    ) -> Result<(), FieldError> {
        for (i, item) in items.unwrap_or_default().iter().enumerate() {
            item.validate_at(&at.index(i))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use std::sync::atomic::{AtomicBool, Ordering};

    use super::*;

    /// A message that refuses its first reading only (no real message does): the tracked
    /// re-reading then succeeds.
    #[derive(Debug)]
    struct RefusedOnce;

    static REFUSED: AtomicBool = AtomicBool::new(false);

    impl<'de> serde::Deserialize<'de> for RefusedOnce {
        fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            u8::deserialize(deserializer)?;
            if REFUSED.swap(true, Ordering::SeqCst) {
                Ok(Self)
            } else {
                Err(serde::de::Error::custom("refused once"))
            }
        }
    }

    #[test]
    fn a_data_error_the_tracked_reading_does_not_repeat_stays_a_data_error() {
        match from_json_unvalidated::<RefusedOnce>(b"7") {
            Err(ModelError::Field(error)) => {
                assert_eq!(error.path, "");
                assert!(
                    matches!(&error.kind, FieldErrorKind::WrongType { detail } if detail == "refused once"),
                    "{error:?}"
                );
            }
            other => panic!("want a field error, got {other:?}"),
        }
    }
}
