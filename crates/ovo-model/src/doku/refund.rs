//! Refund: `POST /ovo-open-api/v1/payment-refund` \[S\]. Points are refunded first.

use serde::{Deserialize, Serialize};

use super::check_invoice_number;
use crate::error::{FieldError, FieldErrorKind};
use crate::money::DokuAmount;
use crate::open_enum::open_enum;
use crate::validate::{FieldPath, Validate, check};

/// Refunds a payment, found by its invoice number and its payment request's `Request-Id` \[S\].
///
/// ```
/// let refund: ovo_model::doku::RefundRequest = ovo_model::from_json(br#"{
///     "order": {"invoice_number": "INV_NUMBER_D009"},
///     "payment": {"original_request_id": "82014"},
///     "refund": {"amount": 1000, "reason": "Cancel Order"}}"#)?;
/// assert_eq!(refund.refund.amount.0, 1000);
/// # Ok::<(), ovo_model::ModelError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundRequest {
    /// `order.invoice_number`: the refunded payment's invoice number, as in its payment request
    /// \[S\].
    pub order: InvoiceRef,
    /// `payment.original_request_id`: the `Request-Id` header of the refunded payment's request
    /// \[S\]; keep it when paying.
    pub payment: OriginalRequest,
    /// `refund`: the amount to refund (more than 0) and an optional reason \[S\].
    pub refund: RefundDetail,
}

impl Validate for RefundRequest {
    fn validate_at(&self, at: &FieldPath) -> Result<(), FieldError> {
        check_invoice_number(
            &at.field("order").field("invoice_number"),
            &self.order.invoice_number,
        )?;
        self.payment.validate_at(&at.field("payment"))?;
        let refund = at.field("refund");
        if self.refund.amount.0 == 0 {
            return Err(refund.field("amount").error(FieldErrorKind::InvalidValue {
                expected: "an amount greater than 0",
            }));
        }
        self.refund.amount.validate_at(&refund.field("amount"))?;
        check::optional(&refund.field("reason"), self.refund.reason.as_deref(), 255)
    }
}

/// `order` holding only the invoice number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceRef {
    /// `invoice_number`: ≤ 32 characters, the same as in the payment request \[S\].
    pub invoice_number: String,
}

/// `payment` holding the payment request's `Request-Id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OriginalRequest {
    /// `original_request_id`: the `Request-Id` of the payment request being refunded, ≤ 128
    /// characters \[S\].
    pub original_request_id: String,
}

impl Validate for OriginalRequest {
    fn validate_at(&self, at: &FieldPath) -> Result<(), FieldError> {
        check::required(
            &at.field("original_request_id"),
            &self.original_request_id,
            128,
        )
    }
}

open_enum! {
    /// `refund.status` \[S\].
    RefundStatus {
        /// `SUCCESS`: the amount was refunded; OVO Points are refunded before OVO Cash \[S\].
        Success = "SUCCESS",
        /// Not refunded; `message` says why.
        Failed = "FAILED",
    }
}

/// `refund` of a request (amount, reason) and of an answer (plus status, message).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundDetail {
    /// Amount to refund, whole rupiah.
    pub amount: DokuAmount,
    /// `reason`: free text, ≤ 255 characters, optional \[S\]; echoed in the answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The result (answers only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<RefundStatus>,
    /// The reason of a failure (answers only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// The refund answer (HTTP 201) \[S\].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundResponse {
    /// `order`: the refunded payment's invoice number, echoed from the request \[S\].
    pub order: InvoiceRef,
    /// `payment`: the refunded payment's `Request-Id`, echoed from the request \[S\].
    pub payment: OriginalRequest,
    /// `refund`: the amount, reason, `status` (`SUCCESS` or `FAILED`) and, on failure, `message`
    /// \[S\].
    pub refund: RefundDetail,
}

impl Validate for RefundResponse {
    fn validate_at(&self, at: &FieldPath) -> Result<(), FieldError> {
        if self.refund.status.is_none() {
            return Err(at
                .field("refund")
                .field("status")
                .error(FieldErrorKind::Missing));
        }
        Ok(())
    }
}
