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
    /// The payment's `partnerReferenceNo`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_partner_reference_no: Option<String>,
    /// OVO's reference of the payment.
    pub original_reference_no: String,
    /// The payment request's `X-EXTERNAL-ID`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_external_id: Option<String>,
    /// The merchant id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_id: Option<String>,
    /// The amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<SnapMoney>,
    /// The payment's state.
    pub latest_transaction_status: TransactionStatus,
    /// Its description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_status_desc: Option<String>,
    /// When the payment was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_time: Option<String>,
    /// When it finished.
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
