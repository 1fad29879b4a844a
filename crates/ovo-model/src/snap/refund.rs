//! Direct debit refund (service 58), with a B2B token \[S\].

use serde::{Deserialize, Serialize};

use super::binding::MERCHANT_ID_MAX;
use super::debit::positive;
use super::{AdditionalInfo, PARTNER_REFERENCE_MAX, check_message};
use crate::error::FieldError;
use crate::money::SnapMoney;
use crate::response_code::ResponseCode;
use crate::validate::{FieldPath, Validate, check};

/// `partnerRefundNo` is at most 64 characters \[P\].
const PARTNER_REFUND_MAX: usize = 64;
/// `reason` is at most 256 characters \[P\].
const REASON_MAX: usize = 256;

/// `POST /OVOSNAP/v2.0/debit/refund` body. Full or partial, within 60 days by default and the
/// partner's daily refund limit; allowed after unbinding \[S\]\[P\].
///
/// ```
/// use ovo_model::{Idr, SnapMoney, Validate, snap::RefundRequest};
///
/// let refund = RefundRequest::new("INV-2024-0001", "RF-1", SnapMoney::idr(Idr::from_rupiah(2_500)));
/// assert!(refund.validate().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundRequest {
    /// `merchantId`: the merchant id OVO assigned, optional in ASPI's refund \[P\]; ≤ 64 characters
    /// \[I\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_id: Option<String>,
    /// `subMerchantId`: the sub-merchant under `merchantId`, optional in ASPI \[P\]; not checked
    /// here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_merchant_id: Option<String>,
    /// The payment's `partnerReferenceNo` (≤ 32 for OVO \[P\]).
    pub original_partner_reference_no: String,
    /// OVO's reference of the payment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_reference_no: Option<String>,
    /// The payment request's `X-EXTERNAL-ID`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_external_id: Option<String>,
    /// The partner's unique reference of this refund (≤ 64).
    pub partner_refund_no: String,
    /// `refundAmount`: more than `0.00` IDR \[P\]; a partial refund is allowed \[P\]. The total is
    /// bounded by what was paid \[I\] and by the daily refund limit agreed with OVO \[S\].
    pub refund_amount: SnapMoney,
    /// `externalStoreId`: the partner's store or outlet id, optional in ASPI \[P\]; not checked
    /// here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_store_id: Option<String>,
    /// `reason`: free text for the refund, ≤ 256 characters \[P\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// `additionalInfo`, sent as given; the seeds name no key for this request \[I\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<AdditionalInfo>,
}

impl RefundRequest {
    /// A refund of `amount` of the payment `original_partner_reference_no`.
    pub fn new(
        original_partner_reference_no: impl Into<String>,
        partner_refund_no: impl Into<String>,
        amount: SnapMoney,
    ) -> Self {
        Self {
            merchant_id: None,
            sub_merchant_id: None,
            original_partner_reference_no: original_partner_reference_no.into(),
            original_reference_no: None,
            original_external_id: None,
            partner_refund_no: partner_refund_no.into(),
            refund_amount: amount,
            external_store_id: None,
            reason: None,
            additional_info: None,
        }
    }
}

impl Validate for RefundRequest {
    fn validate_at(&self, at: &FieldPath) -> Result<(), FieldError> {
        check::optional(
            &at.field("merchantId"),
            self.merchant_id.as_deref(),
            MERCHANT_ID_MAX,
        )?;
        check::required(
            &at.field("originalPartnerReferenceNo"),
            &self.original_partner_reference_no,
            PARTNER_REFERENCE_MAX,
        )?;
        check::required(
            &at.field("partnerRefundNo"),
            &self.partner_refund_no,
            PARTNER_REFUND_MAX,
        )?;
        positive(&at.field("refundAmount"), &self.refund_amount)?;
        check::optional(&at.field("reason"), self.reason.as_deref(), REASON_MAX)
    }
}

/// The refund answer (`2005800`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundResponse {
    /// `responseCode`: `2005800` (HTTP 200, service 58, case 00) once refunded \[P\].
    pub response_code: ResponseCode,
    /// `responseMessage`; ≤ 150 characters \[P\]. For logs, not for branching.
    pub response_message: String,
    /// `originalPartnerReferenceNo`: the refunded payment's `partnerReferenceNo`, echoed \[P\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_partner_reference_no: Option<String>,
    /// OVO's reference of the payment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_reference_no: Option<String>,
    /// The payment request's `X-EXTERNAL-ID`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_external_id: Option<String>,
    /// `partnerTrxId`: a transaction id ASPI lists in the answer \[P\]; its meaning for OVO is not
    /// documented, and the flow ignores it \[I\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_trx_id: Option<String>,
    /// `refundNo`: OVO's id of this refund, mandatory \[P\], ≤ 64 characters \[I\]. Keep it for
    /// reconciliation and support.
    pub refund_no: String,
    /// The partner's refund reference, echoed.
    pub partner_refund_no: String,
    /// `refundAmount`: what OVO refunded, when it says \[P\]; compare it with the amount asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_amount: Option<SnapMoney>,
    /// When the refund happened (ISO-8601).
    pub refund_time: String,
    /// `additionalInfo`, as received; the seeds name no key for this answer \[I\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<AdditionalInfo>,
}

impl Validate for RefundResponse {
    fn validate_at(&self, at: &FieldPath) -> Result<(), FieldError> {
        check_message(at, &self.response_message)?;
        check::required(&at.field("refundNo"), &self.refund_no, 64)?;
        check::required(
            &at.field("partnerRefundNo"),
            &self.partner_refund_no,
            PARTNER_REFUND_MAX,
        )?;
        check::required(&at.field("refundTime"), &self.refund_time, 64)?;
        self.refund_amount.as_ref().map_or(Ok(()), |amount| {
            amount.validate_at(&at.field("refundAmount"))
        })
    }
}
