//! Direct debit payment (service 54), OVO's two-phase debit \[S\].

use serde::{Deserialize, Serialize};

use super::binding::MERCHANT_ID_MAX;
use super::{AdditionalInfo, PARTNER_REFERENCE_MAX, URL_MAX, check_message};
use crate::error::{FieldError, FieldErrorKind};
use crate::money::SnapMoney;
use crate::open_enum::open_enum;
use crate::response_code::ResponseCode;
use crate::secret::Secret;
use crate::validate::{FieldPath, Validate, check};

/// `POST /OVOSNAP/v2.0/debit/payment-host-to-host` body.
///
/// OVO's debit takes two calls with the *identical* body \[S\]: first with the customer's access
/// token (answer `2025400`, nothing moves), then, after the PIN webview and Generate Token, with
/// the single-use token; only then is the balance deducted. Serialize the body once and send those
/// exact bytes both times.
///
/// ```
/// use ovo_model::{Idr, SnapMoney, Validate, snap::DirectDebitRequest};
///
/// let request = DirectDebitRequest::new("INV-2024-0001", SnapMoney::idr(Idr::from_rupiah(10_000)));
/// assert!(request.validate().is_ok());
/// assert_eq!(
///     serde_json::to_string(&request).unwrap(),
///     r#"{"partnerReferenceNo":"INV-2024-0001","amount":{"value":"10000.00","currency":"IDR"}}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectDebitRequest {
    /// The partner's unique reference of this payment \[S\]; kept across retries and inquiries.
    pub partner_reference_no: String,
    /// `merchantId`: the merchant id OVO assigned, optional in ASPI's debit \[P\]; ≤ 64
    /// characters \[I\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_id: Option<String>,
    /// `subMerchantId`: the sub-merchant under `merchantId`, optional in ASPI \[P\]; ≤ 64
    /// characters \[I\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_merchant_id: Option<String>,
    /// `externalStoreId`: the partner's store or outlet id, optional in ASPI \[P\]; not checked
    /// here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_store_id: Option<String>,
    /// `amount`: what the customer pays, more than `0.00` IDR \[P\]. OVO advises a
    /// `balance-inquiry` first, to avoid failing on insufficient funds \[S\].
    pub amount: SnapMoney,
    /// Expiry of the payment request (ISO-8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_up_to: Option<String>,
    /// Where the payment was initiated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub point_of_initiation: Option<String>,
    /// `urlParams`: where the customer returns (`PAY_RETURN`) and where the result is posted
    /// (`PAY_NOTIFY`) \[P\]; the sandbox posts its debit notification to the `PAY_NOTIFY` URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url_params: Option<Vec<UrlParam>>,
    /// How the amount is paid (cash, points).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pay_option_details: Option<Vec<PayOptionDetail>>,
    /// `subTransactionType: AUTO` marks a recurring debit \[S\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<DebitAdditionalInfo>,
}

impl DirectDebitRequest {
    /// A debit of `amount` under `partner_reference_no`, with no optional field.
    pub fn new(partner_reference_no: impl Into<String>, amount: SnapMoney) -> Self {
        Self {
            partner_reference_no: partner_reference_no.into(),
            merchant_id: None,
            sub_merchant_id: None,
            external_store_id: None,
            amount,
            valid_up_to: None,
            point_of_initiation: None,
            url_params: None,
            pay_option_details: None,
            additional_info: None,
        }
    }

    /// Whether this is a recurring debit (`additionalInfo.subTransactionType` = `AUTO`).
    pub fn is_recurring(&self) -> bool {
        self.additional_info
            .as_ref()
            .is_some_and(|info| info.sub_transaction_type == Some(SubTransactionType::Auto))
    }
}

impl Validate for DirectDebitRequest {
    fn validate_at(&self, at: &FieldPath) -> Result<(), FieldError> {
        check::required(
            &at.field("partnerReferenceNo"),
            &self.partner_reference_no,
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
        )?;
        positive(&at.field("amount"), &self.amount)?;
        check::each(&at.field("urlParams"), self.url_params.as_deref())?;
        check::each(
            &at.field("payOptionDetails"),
            self.pay_option_details.as_deref(),
        )
    }
}

/// A money field that must be a positive IDR amount.
pub(crate) fn positive(at: &FieldPath, money: &SnapMoney) -> Result<(), FieldError> {
    money.validate_at(at)?;
    if money.value.sen() == 0 {
        return Err(at.field("value").error(FieldErrorKind::InvalidValue {
            expected: "an amount greater than 0.00",
        }));
    }
    Ok(())
}

open_enum! {
    /// `urlParams[].type`: which URL an entry is \[P\]; any other value fails validation.
    UrlParamType {
        /// Where the customer returns after paying.
        PayReturn = "PAY_RETURN",
        /// Where the result is notified.
        PayNotify = "PAY_NOTIFY",
    }
}

/// One entry of `urlParams` \[P\].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UrlParam {
    /// `url`: absolute `http(s)` URL, ≤ 2048 characters \[I\]; OVO only calls back URLs registered
    /// with it beforehand \[S\].
    pub url: String,
    /// `type`: `PAY_RETURN` or `PAY_NOTIFY` \[P\].
    #[serde(rename = "type")]
    pub kind: UrlParamType,
    /// `isDeeplink`: `Y` if `url` is an app deep link, `N` for a web URL \[P\]; anything else fails
    /// validation.
    pub is_deeplink: String,
}

impl Validate for UrlParam {
    fn validate_at(&self, at: &FieldPath) -> Result<(), FieldError> {
        check::url(&at.field("url"), &self.url, URL_MAX)?;
        if let UrlParamType::Other(_) = self.kind {
            return Err(at.field("type").error(FieldErrorKind::InvalidValue {
                expected: "PAY_RETURN or PAY_NOTIFY",
            }));
        }
        if self.is_deeplink != "Y" && self.is_deeplink != "N" {
            return Err(at
                .field("isDeeplink")
                .error(FieldErrorKind::InvalidValue { expected: "Y or N" }));
        }
        Ok(())
    }
}

/// One entry of `payOptionDetails` \[P\].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PayOptionDetail {
    /// The payment method (for OVO: cash or points) \[I: OVO's values are not public\].
    pub pay_method: String,
    /// The option within the method.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pay_option: Option<String>,
    /// The amount paid this way.
    pub trans_amount: SnapMoney,
    /// `feeAmount`: the fee on this part, in IDR \[P\]; optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee_amount: Option<SnapMoney>,
    /// A card token, where used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_token: Option<Secret>,
    /// A merchant token, where used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_token: Option<Secret>,
    /// `additionalInfo` of this part, sent as given \[P\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<AdditionalInfo>,
}

impl Validate for PayOptionDetail {
    fn validate_at(&self, at: &FieldPath) -> Result<(), FieldError> {
        check::required(&at.field("payMethod"), &self.pay_method, 64)?;
        self.trans_amount.validate_at(&at.field("transAmount"))?;
        self.fee_amount
            .as_ref()
            .map_or(Ok(()), |fee| fee.validate_at(&at.field("feeAmount")))
    }
}

open_enum! {
    /// `additionalInfo.subTransactionType` \[S\].
    SubTransactionType {
        /// `AUTO`: a recurring debit \[S\]. OVO asks that it never be used for one-time payments
        /// \[S\].
        Auto = "AUTO",
    }
}

/// `additionalInfo` of a direct debit. Unknown keys are kept in `other`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DebitAdditionalInfo {
    /// `AUTO` for a recurring debit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_transaction_type: Option<SubTransactionType>,
    /// Other keys, as received.
    #[serde(flatten)]
    pub other: AdditionalInfo,
}

/// The debit answer: `2025400` "Transaction still on process" after the first call, `2005400`
/// after the second \[S\].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectDebitResponse {
    /// `responseCode`: `2025400` after the first call (webview next, nothing deducted \[S\]) or
    /// `2005400` once paid (the codes \[P\]).
    pub response_code: ResponseCode,
    /// `responseMessage`, e.g. `Transaction still on process` with `2025400` \[S\]; ≤ 150
    /// characters \[P\]. For logs, not for branching.
    pub response_message: String,
    /// OVO's reference of the payment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_no: Option<String>,
    /// `partnerReferenceNo`, echoed from the request \[P\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_reference_no: Option<String>,
    /// `approvalCode`: the issuer's approval code, conditional in ASPI \[P\]; the flow does not
    /// use it \[I\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_code: Option<String>,
    /// Deep link to continue in the app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_redirect_url: Option<String>,
    /// `webRedirectUrl`: with `2025400`, the PIN webview the customer must open before the second
    /// call \[P\]\[I\]; the flow adds the return URL and state to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_redirect_url: Option<String>,
    /// `additionalInfo`, as received; the seeds name no key for this answer \[I\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<AdditionalInfo>,
}

impl Validate for DirectDebitResponse {
    fn validate_at(&self, at: &FieldPath) -> Result<(), FieldError> {
        check_message(at, &self.response_message)
    }
}
