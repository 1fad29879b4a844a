use serde::{Deserialize, Serialize};

use super::AdditionalInfo;
use crate::error::FieldError;
use crate::open_enum::open_enum;
use crate::validate::{FieldPath, Validate};

open_enum! {
    /// The eligibility a phone lookup reports. Only `CAN_REGISTER` is documented \[S\]; `CAN_LINK`
    /// is the sandbox's word for "may be linked" \[I\]; every other value is kept as received.
    LookupStatus {
        /// The phone has an OVO account that may be linked \[I\].
        CanLink = "CAN_LINK",
        /// The phone has no OVO account yet: the customer must register in the OVO app first.
        CanRegister = "CAN_REGISTER",
    }
}

/// The answer of OVO's phone lookup (`GET /user/v2/account/lookup?phone=...`), mandatory before
/// linking \[S\]. The API is OVO-signed and non-SNAP and its body is not public: the status is read
/// from `status` and every other field is kept in `other` \[I\].
///
/// ```
/// use ovo_model::snap::{LookupResponse, LookupStatus};
///
/// let answer: LookupResponse = ovo_model::from_json(br#"{"status":"CAN_REGISTER","name":"x"}"#)?;
/// assert_eq!(answer.status, LookupStatus::CanRegister);
/// assert_eq!(answer.other["name"], "x");
/// # Ok::<(), ovo_model::ModelError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LookupResponse {
    /// Whether the phone can be linked.
    pub status: LookupStatus,
    /// Every other field, as received.
    #[serde(flatten)]
    pub other: AdditionalInfo,
}

impl Validate for LookupResponse {
    fn validate_at(&self, _at: &FieldPath) -> Result<(), FieldError> {
        Ok(())
    }
}
