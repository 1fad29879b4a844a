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
    /// `error`: what DOKU rejected and why \[I\]: the shape a peer client (doku-ovo-proto3)
    /// observed from DOKU's sandbox; DOKU's documents give no error body for these endpoints.
    pub error: DokuError,
}

/// The `error` object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DokuError {
    /// `code`: the machine-readable error, e.g. `invalid_signature` (observed by a peer) \[I\];
    /// no complete list is published, so it is an open string \[I\].
    pub code: String,
    /// `message`: text for the error, e.g. `Invalid Header Signature` (observed by a peer)
    /// \[I\]. For logs, not for branching.
    pub message: String,
    /// `type`: the error family, e.g. `invalid_request_error` (observed by a peer) \[I\]; an
    /// open string \[I\].
    #[serde(rename = "type")]
    pub kind: String,
}

impl Validate for DokuErrorBody {
    fn validate_at(&self, _at: &FieldPath) -> Result<(), FieldError> {
        Ok(())
    }
}
