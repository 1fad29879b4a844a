//! OVO through DOKU's "OVO Recurring" API (non-SNAP): every request, response and notification.
//!
//! Field names are DOKU's snake_case wire names. Every limit comes from the seed's tables \[S\];
//! where a table and its own sample disagree, both forms are accepted on input and the documented
//! type is sent (see `docs/model.md`).

use serde::{Deserialize, Serialize};

use crate::error::{FieldError, FieldErrorKind};
use crate::validate::{FieldPath, check};

mod binding;
mod customer;
mod error;
mod notification;
mod payment;
mod refund;
mod tokens;

pub use binding::{
    BindingAccount, BindingRequest, BindingResponse, RegistrationAccount, RegistrationStatus,
};
pub use customer::Customer;
pub use error::{DokuError, DokuErrorBody};
pub use notification::{Notification, NotificationOrder, NotificationRef, NotificationTransaction};
pub use payment::{
    BalanceRequest, BalanceResponse, Balances, LineItem, Order, PaymentAccount, PaymentRequest,
    PaymentResponse, PaymentResult, PaymentStatus,
};
pub use refund::{
    InvoiceRef, OriginalRequest, RefundDetail, RefundRequest, RefundResponse, RefundStatus,
};
pub use tokens::{
    TokenData, TokenListRequest, TokenListResponse, TokenRef, TokenType, UnbindRequest,
    UnbindResponse, UnbindResult, Wallet,
};

/// `token_id` is at most 128 characters \[S\].
const TOKEN_ID_MAX: usize = 128;
/// URLs are at most 2048 characters \[S\].
const URL_MAX: usize = 2048;

/// `order.invoice_number`: 3 to 32 characters of `[A-Za-z0-9_-]`, unique per client id \[S\].
fn check_invoice_number(at: &FieldPath, value: &str) -> Result<(), FieldError> {
    check::required(at, value, 32)?;
    check::min_len(at, value, 3)?;
    check::chars(
        at,
        value,
        |c| c.is_ascii_alphanumeric() || c == '_' || c == '-',
        "[A-Za-z0-9_-]",
    )
}

/// A DOKU token id: present and at most 128 characters.
fn check_token_id(at: &FieldPath, token: &crate::secret::Secret) -> Result<(), FieldError> {
    if token.is_empty() {
        return Err(at.error(FieldErrorKind::Missing));
    }
    check::max_len(at, token.expose(), TOKEN_ID_MAX)
}

/// An object holding just an `id` (DOKU's `service`, `acquirer`, `channel`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct IdRef {
    /// `id`: DOKU's identifier of the service, acquirer or channel (`VIRTUAL_ACCOUNT` …), when sent
    /// \[P\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}
