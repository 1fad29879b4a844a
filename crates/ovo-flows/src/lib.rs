//! Pure state machines for OVO payments: binding, the two-phase direct debit, refunds, unbinding
//! and token lifetimes for OVO direct (SNAP), and DOKU OVO Recurring's calls.
//!
//! Nothing here does IO or reads a clock. A flow emits a [`Call`] (with its body bytes fixed
//! once), the driver signs it ([`sign_snap`], [`sign_doku`]) with a fresh timestamp and sends it,
//! and reports back what happened ([`Received`]) or the webview's callback URL. The flows hold the
//! money rules: a call that moves money is never re-sent once it may have reached the provider; its
//! unknown outcome is resolved by status inquiry, and stays a typed `Unknown` if that fails.
//!
//! `ovo-http` drives these flows over HTTP; any other driver (a job queue, a test) can too.

#![forbid(unsafe_code)]

mod answer;
mod call;
pub mod calls;
mod config;
mod debit;
pub mod doku;
mod error;
mod linking;
mod refund;
mod sign;
mod tokens;
mod unbinding;
mod webview;

pub use answer::{Answer, read_doku, read_snap};
pub use call::{Authorization, Call, Received, Target};
pub use config::{DokuConfig, SnapConfig, SnapEndpoint};
pub use debit::{DEFAULT_MAX_INQUIRIES, Debit, DebitAction, DebitOutcome};
pub use error::FlowError;
pub use linking::{Linking, LinkingAction, LinkingOutcome};
pub use refund::{Refund, RefundAction, RefundOutcome};
pub use sign::{SnapCredentials, Stamp, sign_doku, sign_snap};
pub use tokens::{
    ACCESS_LIFETIME, B2bTokenCache, CustomerTokens, Expiring, RENEW_MARGIN, SINGLE_USE_LIFETIME,
};
pub use unbinding::{Unbinding, UnbindingAction, UnbindingOutcome};
pub use webview::webview_url;
