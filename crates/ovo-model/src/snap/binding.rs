//! Account binding (service 07).

use serde::{Deserialize, Serialize};

use super::token::optional_token_present;
use super::{AdditionalInfo, PARTNER_REFERENCE_MAX, URL_MAX, check_message};
use crate::error::FieldError;
use crate::open_enum::open_enum;
use crate::response_code::ResponseCode;
use crate::secret::Secret;
use crate::validate::{FieldPath, Validate, check};

/// `merchantId` and `subMerchantId` limits \[I: ASPI field tables were not obtained\].
pub(crate) const MERCHANT_ID_MAX: usize = 64;
/// Indonesian phone numbers, with country code: at most 20 characters, as DOKU's tables say \[S\].
const PHONE_MAX: usize = 20;

/// `POST /OVOSNAP/v2.0/oauth/account/registration-account-binding` body (asymmetric signature,
/// no `Authorization`) \[S\]\[P\].
///
/// ```
/// use ovo_model::{Validate, snap::BindingRequest};
///
/// let request = BindingRequest {
///     merchant_id: "oamerchantg".into(),
///     phone_no: Some("6281234567890".into()),
///     ..BindingRequest::default()
/// };
/// assert!(request.validate().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BindingRequest {
    /// The partner's reference for this binding attempt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_reference_no: Option<String>,
    /// The merchant id OVO assigned (mandatory in ASPI \[P\]).
    pub merchant_id: String,
    /// `subMerchantId`: the sub-merchant under `merchantId`, optional in ASPI \[P\]; ≤ 64
    /// characters \[I\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_merchant_id: Option<String>,
    /// The customer's OVO phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_no: Option<String>,
    /// `redirectUrl`: where the webview sends the customer back; OVO only redirects to callback
    /// URLs registered with it beforehand \[S\]. ≤ 2048 characters \[I\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<String>,
    /// `additionalInfo`, sent as given; the seeds name no key for this request \[I\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<AdditionalInfo>,
}

impl Validate for BindingRequest {
    fn validate_at(&self, at: &FieldPath) -> Result<(), FieldError> {
        check::optional(
            &at.field("partnerReferenceNo"),
            self.partner_reference_no.as_deref(),
            PARTNER_REFERENCE_MAX,
        )?;
        check::required(&at.field("merchantId"), &self.merchant_id, MERCHANT_ID_MAX)?;
        check::optional(
            &at.field("subMerchantId"),
            self.sub_merchant_id.as_deref(),
            MERCHANT_ID_MAX,
        )?;
        if let Some(phone) = &self.phone_no {
            let path = at.field("phoneNo");
            check::required(&path, phone, PHONE_MAX)?;
            check::chars(
                &path,
                phone,
                |c| c.is_ascii_digit() || c == '+',
                "digits, optionally a leading +",
            )?;
        }
        if let Some(url) = &self.redirect_url {
            check::url(&at.field("redirectUrl"), url, URL_MAX)?;
        }
        Ok(())
    }
}

/// The binding answer (`2000700`): the linkage token and the webview to open with it.
///
/// OVO's sample carries `linkageToken`, `redirectUrl` and `additionalInfo.qParams` \[S\].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BindingResponse {
    /// `responseCode`: `2000700` (HTTP 200, service 07, case 00) on success \[P\].
    pub response_code: ResponseCode,
    /// `responseMessage`, e.g. `Success`; ≤ 150 characters \[P\]. For logs, not for branching.
    pub response_message: String,
    /// `referenceNo`: OVO's id of this binding, conditional in ASPI \[P\]; absent in OVO's sample
    /// \[S\]. Keep it for support requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_no: Option<String>,
    /// The partner's reference, echoed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_reference_no: Option<String>,
    /// Opens the webview and authorizes the B2B2C token call; lives 5 minutes \[S\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linkage_token: Option<Secret>,
    /// The webview's base URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<String>,
    /// The account status and the webview's query parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<BindingAdditionalInfo>,
}

impl Validate for BindingResponse {
    fn validate_at(&self, at: &FieldPath) -> Result<(), FieldError> {
        check_message(at, &self.response_message)?;
        optional_token_present(&at.field("linkageToken"), self.linkage_token.as_ref())?;
        check::url(
            &at.field("redirectUrl"),
            self.redirect_url.as_deref().unwrap_or_default(),
            URL_MAX,
        )
    }
}

/// `additionalInfo` of a binding or unbinding answer. Unknown keys are kept in `other`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BindingAdditionalInfo {
    /// The OVO account's state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<AccountState>,
    /// Every query parameter the webview URL must carry \[S\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q_params: Option<QParams>,
    /// Other keys, as received.
    #[serde(flatten)]
    pub other: AdditionalInfo,
}

/// `additionalInfo.account`: the bound OVO account's state, `{"accountStatus":"ACTIVE"}` in
/// OVO's sample \[S\].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountState {
    /// `accountStatus`; `ACTIVE` in OVO's sample \[S\], unknown values kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_status: Option<AccountStatus>,
    /// Other keys, as received.
    #[serde(flatten)]
    pub other: AdditionalInfo,
}

open_enum! {
    /// An OVO account's status. `ACTIVE` is in OVO's sample \[S\]; `CLOSED` breaks tokens \[S\].
    AccountStatus {
        /// `ACTIVE`: the account can be linked and debited \[I from OVO's sample\].
        Active = "ACTIVE",
        /// Closed by the customer or OVO.
        Closed = "CLOSED",
    }
}

/// `additionalInfo.qParams`: the webview URL's query parameters, kept in order of the known keys
/// and then the unknown ones \[S\].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QParams {
    /// `action`: what the webview does, `otpLinkage` when binding \[S\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// `authType`: how the customer authenticates, `2FA` in OVO's sample \[S\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_type: Option<String>,
    /// `client-id`: the partner's OVO client id (`oamerchantam` in OVO's sample) \[S\].
    #[serde(default, rename = "client-id", skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The masked phone number (`08129376****`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// OVO's reference of this attempt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ref_id: Option<String>,
    /// Other parameters, as received; they go on the URL too.
    #[serde(flatten)]
    pub other: AdditionalInfo,
}

impl QParams {
    /// Every parameter as (name, value) text, known keys first, for building the webview URL.
    ///
    /// ```
    /// let q: ovo_model::snap::QParams =
    ///     serde_json::from_str(r#"{"action":"otpLinkage","client-id":"c","extra":1}"#).unwrap();
    /// assert_eq!(q.pairs(), vec![("action".into(), "otpLinkage".into()), ("client-id".into(), "c".into()), ("extra".into(), "1".into())]);
    /// ```
    pub fn pairs(&self) -> Vec<(String, String)> {
        let known = [
            ("action", &self.action),
            ("authType", &self.auth_type),
            ("client-id", &self.client_id),
            ("phoneNumber", &self.phone_number),
            ("refId", &self.ref_id),
        ];
        let mut pairs: Vec<(String, String)> = known
            .into_iter()
            .filter_map(|(name, value)| value.as_ref().map(|v| (name.to_owned(), v.clone())))
            .collect();
        pairs.extend(self.other.iter().map(|(name, value)| {
            let text = value
                .as_str()
                .map_or_else(|| value.to_string(), str::to_owned);
            (name.clone(), text)
        }));
        pairs
    }
}
