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
    /// `merchantId`: the merchant id OVO assigned; mandatory in ASPI \[P\], optional here because
    /// OVO's sample omits it \[S\]. The unbinding flow leaves it out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_id: Option<String>,
    /// `subMerchantId`: the sub-merchant under `merchantId`, optional in ASPI \[P\]; ≤ 64
    /// characters \[I\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_merchant_id: Option<String>,
    /// `linkId`: ASPI's id of the account link to remove, optional \[P\]; OVO identifies the link
    /// by the access token in `Authorization` instead \[I\], so the flow leaves it out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_id: Option<String>,
    /// `tokenId`: ASPI's id of the token to revoke, optional \[P\]; unused by the flow, which
    /// revokes the token in `Authorization` \[I\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_id: Option<Secret>,
    /// The code from the confirmation webview, on the second call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_code: Option<Secret>,
    /// `additionalInfo`, sent as given; the seeds name no key for this request \[I\].
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
    /// `responseCode`: `2000900` (HTTP 200, service 09, case 00) once unbound \[P\]; a 2xx carrying
    /// `linkageToken` means confirm in the webview first.
    pub response_code: ResponseCode,
    /// `responseMessage`; ≤ 150 characters \[P\]. For logs, not for branching.
    pub response_message: String,
    /// `referenceNo`: OVO's id of this unbinding, when it sends one \[P\]. Keep it for support
    /// requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_no: Option<String>,
    /// `partnerReferenceNo`, echoed from the request \[P\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_reference_no: Option<String>,
    /// `merchantId`, echoed from the request \[P\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_id: Option<String>,
    /// `subMerchantId`, echoed from the request \[P\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_merchant_id: Option<String>,
    /// `linkId`: ASPI's id of the link removed, when OVO sends one \[P\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_id: Option<String>,
    /// `unlinkResult`: ASPI's free-text outcome of the unlinking \[P\]; the flow decides on
    /// `responseCode`, not on this text \[I\].
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
