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
    /// The service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<IdRef>,
    /// The acquirer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acquirer: Option<IdRef>,
    /// The channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<IdRef>,
    /// The order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<NotificationOrder>,
    /// The transaction's result.
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
    /// The invoice number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice_number: Option<String>,
    /// The amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<DokuAmount>,
}

/// `transaction` of a notification.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NotificationTransaction {
    /// `SUCCESS`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// When (`2021-01-27T03:24:23Z`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// The `Request-Id` of the payment request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_request_id: Option<String>,
}

/// A reference in a notification, kept for callers that match on ids.
pub type NotificationRef = IdRef;
