use serde::{Deserialize, Serialize};

use crate::error::FieldError;
use crate::validate::{FieldPath, Validate};

/// DOKU's error answer: `{"error":{"code","message","type"}}` \[P\]. No complete list of codes is
/// published, so every part is open text (`invalid_signature` / `invalid_request_error` is the one
/// seen) \[I\].
///
/// ```
/// let error: ovo_model::doku::DokuErrorBody = ovo_model::from_json(
///     br#"{"error":{"code":"invalid_signature","message":"Invalid Header Signature","type":"invalid_request_error"}}"#,
/// )?;
/// assert_eq!(error.error.code, "invalid_signature");
/// # Ok::<(), ovo_model::ModelError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DokuErrorBody {
    /// The error.
    pub error: DokuError,
}

/// The `error` object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DokuError {
    /// Machine code (`invalid_signature`).
    pub code: String,
    /// Human-readable message.
    pub message: String,
    /// Error family (`invalid_request_error`).
    #[serde(rename = "type")]
    pub kind: String,
}

impl Validate for DokuErrorBody {
    fn validate_at(&self, _at: &FieldPath) -> Result<(), FieldError> {
        Ok(())
    }
}
