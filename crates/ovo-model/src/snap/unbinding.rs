//! Account unbinding (service 09).

use serde::{Deserialize, Serialize};

use super::binding::{BindingAdditionalInfo, MERCHANT_ID_MAX};
use super::{AdditionalInfo, PARTNER_REFERENCE_MAX, check_message};
use crate::error::FieldError;
use crate::response_code::ResponseCode;
use crate::secret::Secret;
use crate::validate::{FieldPath, Validate, check};

/// `POST /OVOSNAP/v2.0/oauth/account/registration-account-unbinding` body (symmetric signature,
/// the customer's access token) \[S\].
///
/// `merchantId` is mandatory in ASPI, but OVO's own FAQ sample omits it, so it is optional here
/// \[I\]. OVO may answer the first call with a linkage token for a confirmation webview; the second
/// call then carries the token it received, and the `authCode` from that webview \[P\]\[I\].
///
/// ```
/// let request: ovo_model::snap::UnbindingRequest =
///     ovo_model::from_json(br#"{"partnerReferenceNo":"085718159655","authCode":null}"#)?;
/// assert_eq!(request.partner_reference_no.as_deref(), Some("085718159655"));
/// assert!(request.auth_code.is_none());
/// # Ok::<(), ovo_model::ModelError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnbindingRequest {
    /// The partner's reference for this unbinding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_reference_no: Option<String>,
    /// The merchant id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_id: Option<String>,
    /// Sub-merchant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_merchant_id: Option<String>,
    /// The link to remove.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_id: Option<String>,
    /// The token to remove.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_id: Option<Secret>,
    /// The code from the confirmation webview, on the second call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_code: Option<Secret>,
    /// Optional extra data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<AdditionalInfo>,
}

impl Validate for UnbindingRequest {
    fn validate_at(&self, at: &FieldPath) -> Result<(), FieldError> {
        check::optional(
            &at.field("partnerReferenceNo"),
            self.partner_reference_no.as_deref(),
            PARTNER_REFERENCE_MAX,
        )?;
        check::optional(
            &at.field("merchantId"),
            self.merchant_id.as_deref(),
            MERCHANT_ID_MAX,
        )?;
        check::optional(
            &at.field("subMerchantId"),
            self.sub_merchant_id.as_deref(),
            MERCHANT_ID_MAX,
        )
    }
}

/// The unbinding answer (`2000900`, or a linkage token to confirm in the webview).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnbindingResponse {
    /// `2000900` on success.
    pub response_code: ResponseCode,
    /// Human-readable result.
    pub response_message: String,
    /// OVO's reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_no: Option<String>,
    /// The partner's reference, echoed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_reference_no: Option<String>,
    /// The merchant id, echoed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_id: Option<String>,
    /// Sub-merchant, echoed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_merchant_id: Option<String>,
    /// The link removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_id: Option<String>,
    /// The result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unlink_result: Option<String>,
    /// A linkage token when OVO asks for confirmation in the webview \[S\]\[P\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linkage_token: Option<Secret>,
    /// The confirmation webview's base URL, with `linkageToken`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<String>,
    /// The webview's query parameters, as for binding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<BindingAdditionalInfo>,
}

impl Validate for UnbindingResponse {
    fn validate_at(&self, at: &FieldPath) -> Result<(), FieldError> {
        check_message(at, &self.response_message)
    }
}
