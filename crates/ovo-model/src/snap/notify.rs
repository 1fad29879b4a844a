//! Direct debit notify (service 56): OVO's notification to the partner, RSA-signed \[P\].

use serde::{Deserialize, Serialize};

use super::status::TransactionStatus;
use crate::error::FieldError;
use crate::money::SnapMoney;
use crate::validate::{FieldPath, Validate, check};

/// A debit result notification, as DOKU's SNAP sample shows it \[P\].
///
/// ```
/// let notify: ovo_model::snap::DebitNotify = ovo_model::from_json(br#"{
///   "originalPartnerReferenceNo":"INV-1","originalReferenceNo":"OVO-1","originalExternalId":"1",
///   "latestTransactionStatus":"00","transactionStatusDesc":"Success",
///   "amount":{"value":"10000.00","currency":"IDR"},
///   "additionalInfo":{"custIdMerchant":"C1","accountType":"WALLET"}}"#)?;
/// assert_eq!(notify.additional_info.unwrap()["accountType"], "WALLET");
/// # Ok::<(), ovo_model::ModelError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DebitNotify {
    /// `originalPartnerReferenceNo`: the notified payment's `partnerReferenceNo`; match the
    /// notification to your payment by it \[P\]\[I\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_partner_reference_no: Option<String>,
    /// OVO's reference of the payment.
    pub original_reference_no: String,
    /// The payment request's `X-EXTERNAL-ID`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_external_id: Option<String>,
    /// `merchantId`: the merchant id the payment was made under, when sent \[P\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_id: Option<String>,
    /// `amount`: the payment's amount, when sent \[P\]; compare it with what you asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<SnapMoney>,
    /// `latestTransactionStatus`: the payment's state, mandatory \[P\]; `00` means paid.
    pub latest_transaction_status: TransactionStatus,
    /// `transactionStatusDesc`: text for `latestTransactionStatus` (`Success` in DOKU's sample)
    /// \[P\]. For logs, not for branching.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_status_desc: Option<String>,
    /// When the payment was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_time: Option<String>,
    /// `finishedTime`: when the payment reached its final state (ISO-8601), when sent \[P\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_time: Option<String>,
    /// Optional extra data (`custIdMerchant`, `accountType`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<super::AdditionalInfo>,
}

impl Validate for DebitNotify {
    fn validate_at(&self, at: &FieldPath) -> Result<(), FieldError> {
        check::required(
            &at.field("originalReferenceNo"),
            &self.original_reference_no,
            64,
        )?;
        self.amount
            .as_ref()
            .map_or(Ok(()), |amount| amount.validate_at(&at.field("amount")))
    }
}
