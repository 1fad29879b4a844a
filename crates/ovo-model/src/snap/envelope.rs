use serde::{Deserialize, Serialize};

use super::check_message;
use crate::error::FieldError;
use crate::response_code::ResponseCode;
use crate::validate::{FieldPath, Validate};

/// The answer of any SNAP call that did not succeed: `{"responseCode","responseMessage"}`.
///
/// ```
/// let error: ovo_model::snap::ErrorEnvelope = ovo_model::from_json(
///     br#"{"responseCode":"4010700","responseMessage":"Unauthorized. Signature Failed: AGW-002-05."}"#,
/// )?;
/// assert!(error.response_code.is_unauthorized());
/// # Ok::<(), ovo_model::ModelError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorEnvelope {
    /// HTTP status + service + case.
    pub response_code: ResponseCode,
    /// Human-readable reason, ≤ 150 characters \[P\].
    pub response_message: String,
}

impl Validate for ErrorEnvelope {
    fn validate_at(&self, at: &FieldPath) -> Result<(), FieldError> {
        check_message(at, &self.response_message)
    }
}
