//! Direct debit status (service 55): resolves every unknown outcome \[S\]\[P\].

use serde::{Deserialize, Serialize};

use super::binding::MERCHANT_ID_MAX;
use super::{AdditionalInfo, PARTNER_REFERENCE_MAX, check_message};
use crate::error::{FieldError, FieldErrorKind};
use crate::money::SnapMoney;
use crate::open_enum::open_enum;
use crate::response_code::ResponseCode;
use crate::validate::{FieldPath, Validate, check};

/// `POST /OVOSNAP/v2.0/debit/status` body.
///
/// ```
/// use ovo_model::{FieldErrorKind, Validate, snap::DebitStatusRequest};
///
/// let request = DebitStatusRequest::for_payment("INV-2024-0001");
/// assert_eq!(request.service_code, "54");
/// assert!(request.validate().is_ok());
/// let nothing = DebitStatusRequest { original_partner_reference_no: None, ..request };
/// assert!(matches!(nothing.validate().unwrap_err().kind, FieldErrorKind::MissingOneOf { .. }));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DebitStatusRequest {
    /// `originalPartnerReferenceNo`: the payment's `partnerReferenceNo`; the flow inquires by it.
    /// One of the three `original…` ids is required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_partner_reference_no: Option<String>,
    /// The payment's `referenceNo` from OVO.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_reference_no: Option<String>,
    /// The payment request's `X-EXTERNAL-ID`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_external_id: Option<String>,
    /// The service code of the original transaction: `54` for a payment \[P\].
    pub service_code: String,
    /// The original transaction's date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_date: Option<String>,
    /// `amount`: the payment's amount, optional in ASPI \[P\]; the flow sends none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<SnapMoney>,
    /// `merchantId`: the merchant id the payment was made under, optional in ASPI \[P\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_id: Option<String>,
    /// `subMerchantId`: the sub-merchant under `merchantId`, optional in ASPI \[P\]; not checked
    /// here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_merchant_id: Option<String>,
    /// `externalStoreId`: the partner's store or outlet id, optional in ASPI \[P\]; not checked
    /// here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_store_id: Option<String>,
    /// `additionalInfo`, sent as given; the seeds name no key for this request \[I\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<AdditionalInfo>,
}

impl DebitStatusRequest {
    /// The inquiry for a payment by its `partnerReferenceNo`.
    pub fn for_payment(partner_reference_no: impl Into<String>) -> Self {
        Self {
            original_partner_reference_no: Some(partner_reference_no.into()),
            original_reference_no: None,
            original_external_id: None,
            service_code: "54".to_owned(),
            transaction_date: None,
            amount: None,
            merchant_id: None,
            sub_merchant_id: None,
            external_store_id: None,
            additional_info: None,
        }
    }
}

impl Validate for DebitStatusRequest {
    fn validate_at(&self, at: &FieldPath) -> Result<(), FieldError> {
        check::optional(
            &at.field("originalPartnerReferenceNo"),
            self.original_partner_reference_no.as_deref(),
            PARTNER_REFERENCE_MAX,
        )?;
        if self.original_partner_reference_no.is_none()
            && self.original_reference_no.is_none()
            && self.original_external_id.is_none()
        {
            return Err(at.field("originalPartnerReferenceNo").error(
                FieldErrorKind::MissingOneOf {
                    fields: "originalPartnerReferenceNo, originalReferenceNo, originalExternalId",
                },
            ));
        }
        let code = at.field("serviceCode");
        check::required(&code, &self.service_code, 2)?;
        check::min_len(&code, &self.service_code, 2)?;
        check::chars(
            &code,
            &self.service_code,
            |c| c.is_ascii_digit(),
            "two digits",
        )?;
        check::optional(
            &at.field("merchantId"),
            self.merchant_id.as_deref(),
            MERCHANT_ID_MAX,
        )?;
        self.amount
            .as_ref()
            .map_or(Ok(()), |amount| amount.validate_at(&at.field("amount")))
    }
}

open_enum! {
    /// `latestTransactionStatus` and `refundStatus` \[P\].
    TransactionStatus {
        /// `00`: paid (or, in `refundStatus`, refunded) \[P\]. Final.
        Success = "00",
        /// `01`: initiated, not yet paying \[P\]; may still change.
        Initiated = "01",
        /// `02`: paying, e.g. the customer is in the PIN webview \[P\]\[I\]; may still change.
        Paying = "02",
        /// `03`: pending \[P\]; may still change. Inquire again later.
        Pending = "03",
        /// `04`: paid, then refunded \[P\].
        Refunded = "04",
        /// `05`: canceled; nothing was captured \[P\]\[I\].
        Canceled = "05",
        /// `06`: failed; nothing was captured \[P\]\[I\].
        Failed = "06",
        /// `07`: OVO has no such payment \[P\]; the debit flow ends `Abandoned` only once a capture
        /// is no longer possible.
        NotFound = "07",
    }
}

impl TransactionStatus {
    /// Whether the status can still change (initiated, paying, pending, or unknown).
    ///
    /// ```
    /// use ovo_model::snap::TransactionStatus;
    /// assert!(TransactionStatus::Pending.is_pending());
    /// assert!(!TransactionStatus::Success.is_pending());
    /// ```
    pub fn is_pending(&self) -> bool {
        matches!(
            self,
            Self::Initiated | Self::Paying | Self::Pending | Self::Other(_)
        )
    }
}

/// The status answer (`2005500`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DebitStatusResponse {
    /// `2005500` when the inquiry itself succeeded.
    pub response_code: ResponseCode,
    /// `responseMessage`; ≤ 150 characters \[P\]. Describes the inquiry, not the payment.
    pub response_message: String,
    /// `originalPartnerReferenceNo`: the payment's `partnerReferenceNo`, echoed \[P\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_partner_reference_no: Option<String>,
    /// OVO's reference of the payment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_reference_no: Option<String>,
    /// The payment request's `X-EXTERNAL-ID`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_external_id: Option<String>,
    /// `serviceCode`: the inquired transaction's service code, `54` for a payment \[P\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_code: Option<String>,
    /// `approvalCode`: the issuer's approval code, conditional in ASPI \[P\]; the flow does not
    /// use it \[I\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_code: Option<String>,
    /// `latestTransactionStatus`: the payment's state, mandatory \[P\]; what the debit flow
    /// decides on.
    pub latest_transaction_status: TransactionStatus,
    /// `transactionStatusDesc`: text for `latestTransactionStatus` \[P\]. For logs, not for
    /// branching.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_status_desc: Option<String>,
    /// The original call's response code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_response_code: Option<String>,
    /// The original call's response message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_response_message: Option<String>,
    /// When it was paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_time: Option<String>,
    /// Refunds of this payment.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refund_history: Vec<RefundHistory>,
    /// `amount`: the payment's amount, when sent \[P\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<SnapMoney>,
    /// `additionalInfo`, as received; the seeds name no key for this answer \[I\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<AdditionalInfo>,
}

impl Validate for DebitStatusResponse {
    fn validate_at(&self, at: &FieldPath) -> Result<(), FieldError> {
        check_message(at, &self.response_message)?;
        check::each(&at.field("refundHistory"), Some(&self.refund_history))?;
        self.amount
            .as_ref()
            .map_or(Ok(()), |amount| amount.validate_at(&at.field("amount")))
    }
}

/// One refund in a status answer \[P\]; `refundStatus` uses only 00, 03 and 06.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundHistory {
    /// `refundNo`: OVO's id of the refund \[P\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_no: Option<String>,
    /// The partner's refund reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_refund_no: Option<String>,
    /// `refundAmount`: the amount of this refund \[P\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_amount: Option<SnapMoney>,
    /// `refundStatus`: `00` refunded, `03` pending or `06` failed \[P\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_status: Option<TransactionStatus>,
    /// `refundDate`: when the refund was made, as OVO sends it \[P\]; not parsed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_date: Option<String>,
    /// `reason`: the reason given with the refund request \[P\]\[I\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Validate for RefundHistory {
    fn validate_at(&self, at: &FieldPath) -> Result<(), FieldError> {
        self.refund_amount.as_ref().map_or(Ok(()), |amount| {
            amount.validate_at(&at.field("refundAmount"))
        })
    }
}
