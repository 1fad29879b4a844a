//! DOKU's HTTP notification to the merchant \[P\].

use serde::{Deserialize, Serialize};

use super::IdRef;
use crate::error::FieldError;
use crate::money::DokuAmount;
use crate::snap::AdditionalInfo;
use crate::validate::{FieldPath, Validate};

/// A DOKU HTTP notification. No OVO-Recurring-specific body is published; this reads DOKU's
/// generic shape leniently: every part optional, unknown fields kept in `other` \[P\]\[I\].
///
/// ```
/// let notification: ovo_model::doku::Notification = ovo_model::from_json(br#"{
///     "service": {"id": "VIRTUAL_ACCOUNT"},
///     "order": {"invoice_number": "INV-1", "amount": 150000},
///     "transaction": {"status": "SUCCESS", "date": "2021-01-27T03:24:23Z", "original_request_id": "r1"},
///     "virtual_account_info": {"virtual_account_number": "1"}}"#)?;
/// assert_eq!(notification.transaction.unwrap().status.as_deref(), Some("SUCCESS"));
/// assert!(notification.other.contains_key("virtual_account_info"));
/// # Ok::<(), ovo_model::ModelError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Notification {
    /// `service.id`: which DOKU product notifies (`VIRTUAL_ACCOUNT` in DOKU's sample) \[P\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<IdRef>,
    /// `acquirer.id`: the acquirer that processed the transaction, when sent \[P\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acquirer: Option<IdRef>,
    /// `channel.id`: the payment channel, when sent \[P\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<IdRef>,
    /// `order`: the merchant's invoice number and amount; match the notification to your order by
    /// it \[P\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<NotificationOrder>,
    /// `transaction`: the result, its date and the payment's `Request-Id` \[P\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction: Option<NotificationTransaction>,
    /// Every other field, as received.
    #[serde(flatten)]
    pub other: AdditionalInfo,
}

impl Validate for Notification {
    fn validate_at(&self, _at: &FieldPath) -> Result<(), FieldError> {
        Ok(())
    }
}

/// `order` of a notification.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NotificationOrder {
    /// `invoice_number`: the merchant's `order.invoice_number` from the payment request \[P\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice_number: Option<String>,
    /// `amount`: the order amount, in rupiah \[I\]; compare it with what you asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<DokuAmount>,
}

/// `transaction` of a notification.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NotificationTransaction {
    /// `status`: the result, `SUCCESS` in DOKU's sample \[P\]; other values are not listed, so it
    /// is kept as text \[I\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// `date`: when the transaction happened, UTC ISO-8601 (`2021-01-27T03:24:23Z`) \[P\]; not
    /// parsed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// The `Request-Id` of the payment request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_request_id: Option<String>,
}

/// A reference in a notification, kept for callers that match on ids.
pub type NotificationRef = IdRef;
