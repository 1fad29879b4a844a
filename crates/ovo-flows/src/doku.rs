//! DOKU OVO Recurring calls. Each is one request and one answer; payment and refund move money.
//! DOKU documents no status inquiry for these endpoints, so a lost payment or refund answer is an
//! unknown outcome the caller must reconcile (DOKU's HTTP notification, its back office): it is
//! never re-sent.

use ovo_model::Validate;
use ovo_model::doku::{
    BalanceRequest, BindingRequest, PaymentRequest, RefundRequest, TokenListRequest, UnbindRequest,
};
use serde::Serialize;

use crate::calls::body;
use crate::error::FlowError;

/// One DOKU call: path, body bytes (serialized once), and whether it moves money. `Debug` shows
/// the body's length only (bodies carry the customer's `token_id`).
#[derive(Clone, PartialEq, Eq)]
pub struct DokuCall {
    /// `/ovo-open-api/v1/...` or `/tokenization/v1/tokens` \[S\].
    pub path: &'static str,
    /// The exact bytes to sign and send.
    pub body: Vec<u8>,
    /// Payment and refund.
    pub moves_money: bool,
}

impl std::fmt::Debug for DokuCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DokuCall")
            .field("path", &self.path)
            .field("body_len", &self.body.len())
            .field("moves_money", &self.moves_money)
            .finish()
    }
}

fn call<T: Serialize + Validate>(
    path: &'static str,
    message: &T,
    moves_money: bool,
) -> Result<DokuCall, FlowError> {
    Ok(DokuCall {
        path,
        body: body(message)?,
        moves_money,
    })
}

/// `POST /ovo-open-api/v1/token`.
pub fn binding(request: &BindingRequest) -> Result<DokuCall, FlowError> {
    call("/ovo-open-api/v1/token", request, false)
}

/// `POST /tokenization/v1/tokens`.
pub fn tokens(request: &TokenListRequest) -> Result<DokuCall, FlowError> {
    call("/tokenization/v1/tokens", request, false)
}

/// `POST /ovo-open-api/v1/balance`.
pub fn balance(request: &BalanceRequest) -> Result<DokuCall, FlowError> {
    call("/ovo-open-api/v1/balance", request, false)
}

/// `POST /ovo-open-api/v1/payment-recurring`.
///
/// ```
/// let request: ovo_model::doku::PaymentRequest = ovo_model::from_json(br#"{"customer":{"id":"C"},
///     "order":{"invoice_number":"INV-1","amount":"1000"},"ovo_account":{"token_id":"t"}}"#)?;
/// let call = ovo_flows::doku::payment(&request)?;
/// assert!(call.moves_money);
/// assert_eq!(call.body, br#"{"customer":{"id":"C"},"order":{"invoice_number":"INV-1","amount":1000},"ovo_account":{"token_id":"t"}}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn payment(request: &PaymentRequest) -> Result<DokuCall, FlowError> {
    call("/ovo-open-api/v1/payment-recurring", request, true)
}

/// `POST /ovo-open-api/v1/payment-refund`.
pub fn refund(request: &RefundRequest) -> Result<DokuCall, FlowError> {
    call("/ovo-open-api/v1/payment-refund", request, true)
}

/// `POST /ovo-open-api/v1/token-delete`.
pub fn unbind(request: &UnbindRequest) -> Result<DokuCall, FlowError> {
    call("/ovo-open-api/v1/token-delete", request, false)
}
