//! OVO direct, over Bank Indonesia's SNAP: every request, response, callback and notification.
//!
//! Field names are SNAP's camelCase wire names. Success responses are typed per API; any answer
//! whose code is not a success parses as [`ErrorEnvelope`]. Unknown response fields are accepted
//! and dropped; unknown `additionalInfo` keys are kept. Limits cite their source: **\[S\]** a seed,
//! **\[P\]** a public provider doc, **\[I\]** our inference (see `docs/model.md`).

use serde_json::{Map, Value};

use crate::error::FieldError;
use crate::validate::{FieldPath, check};

mod balance;
mod binding;
mod debit;
mod envelope;
mod headers;
mod lookup;
mod notify;
mod refund;
mod status;
mod token;
mod unbinding;
mod webview;

pub use balance::{AccountInfo, BalanceInquiryRequest, BalanceInquiryResponse, BalanceType};
pub use binding::{
    AccountState, AccountStatus, BindingAdditionalInfo, BindingRequest, BindingResponse, QParams,
};
pub use debit::{
    DebitAdditionalInfo, DirectDebitRequest, DirectDebitResponse, PayOptionDetail,
    SubTransactionType, UrlParam, UrlParamType,
};
pub use envelope::ErrorEnvelope;
pub use headers::{ChannelId, DEFAULT_CHANNEL_ID, DeviceId, ExternalId};
pub use lookup::{LookupResponse, LookupStatus};
pub use notify::DebitNotify;
pub use refund::{RefundRequest, RefundResponse};
pub use status::{DebitStatusRequest, DebitStatusResponse, RefundHistory, TransactionStatus};
pub use token::{
    B2b2cGrantType, B2b2cTokenRequest, B2b2cTokenResponse, B2bTokenRequest, B2bTokenResponse,
    ExpiresIn, GenerateTokenResponse,
};
pub use unbinding::{UnbindingRequest, UnbindingResponse};
pub use webview::{WebviewCallback, WebviewCallbackError};

/// SNAP's `additionalInfo`: an open object whose unknown keys are kept as received.
pub type AdditionalInfo = Map<String, Value>;

/// `responseMessage` is at most 150 characters \[P\].
const RESPONSE_MESSAGE_MAX: usize = 150;
/// `partnerReferenceNo` for OVO: DOKU validates `originalPartnerReferenceNo` ≤ 32 for OVO refunds,
/// which bounds the reference OVO accepts \[I from P\].
const PARTNER_REFERENCE_MAX: usize = 32;
/// URLs are at most 2048 characters, as DOKU's OVO tables say for every URL \[S\]; applied to
/// SNAP's redirect and notify URLs \[I\].
const URL_MAX: usize = 2048;

/// The `responseCode`/`responseMessage` pair every SNAP response carries.
fn check_message(at: &FieldPath, message: &str) -> Result<(), FieldError> {
    check::max_len(&at.field("responseMessage"), message, RESPONSE_MESSAGE_MAX)
}
