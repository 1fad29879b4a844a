//! The async OVO client: drives `ovo-flows` over a pluggable [`Transport`].
//!
//! - [`OvoClient`] (OVO direct, SNAP): B2B token cached and fetched single-flight; customer tokens
//!   in a [`TokenStore`], refreshed when expired and removed when the binding breaks; linking,
//!   balance, the two-phase debit, status, refund and unbinding.
//! - [`DokuClient`] (DOKU OVO Recurring): binding, token list, balance, payment, refund, unbinding.
//! - Calls that move no money are retried with backoff and jitter; calls that move money are sent
//!   once, and their unknown outcome is resolved by status inquiry (SNAP) or reported as
//!   `Unknown` (DOKU, which has no status API).
//! - [`HyperTransport`] is the default transport (hyper-util, rustls with ring, no OpenSSL); a
//!   closure is a transport too.
//! - [`DokuNotificationVerifier`] and [`SnapNotifyVerifier`] check what the provider sends you,
//!   over the raw bytes, with a timestamp window and de-duplication.
//! - [`RecordingTransport`] writes every exchange in cURL form with all headers, as BI's
//!   functional test asks; opt-in only, since the records hold credentials.
//! - Every call runs in a `tracing` span; no header, token or secret is ever logged.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use ovo_flows::{SnapConfig, SnapCredentials};
//! use ovo_http::{HyperTransport, OvoClient};
//!
//! let mut config = SnapConfig::new("https://app.byte-stack.net", "your-client-id");
//! config.callback_url = "https://merchant.example/ovo/callback".into();
//! let credentials = SnapCredentials {
//!     private_key: ovo_sign::PrivateKey::from_pem_file("private.pem".as_ref(), ovo_sign::FilePermissions::Strict)?,
//!     client_secret: ovo_sign::ClientSecret::from_file("client-secret.txt".as_ref(), ovo_sign::FilePermissions::Strict)?,
//! };
//! let client = OvoClient::new(config, credentials, HyperTransport::new()?);
//! let lookup = client.lookup("6281234567890").await?;
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]

mod client;
mod doku;
mod driver;
mod error;
mod inbound;
mod recorder;
mod single_flight;
mod snap_ops;
mod support;
mod transport;

pub use client::{OvoClient, OvoClientBuilder};
pub use doku::DokuClient;
pub use error::ClientError;
pub use inbound::{
    DokuNotificationVerifier, DokuScheme, NotificationError, NotificationVerifier,
    SnapNotifyVerifier, SnapScheme, Verified, Window,
};
pub use recorder::{Exchange, ExchangeSink, FileSink, MemorySink, RecordingTransport, to_curl};
pub use snap_ops::{
    DebitProgress, PendingDebit, PendingLink, PendingUnbinding, Resumed, UnbindingProgress,
};
pub use support::{ClientOptions, Clock, SystemClock};
pub use transport::{HyperTransport, Transport, TransportError, TransportErrorKind};

/// What the client's signatures use, re-exported so the common case needs `ovo-http` alone.
pub use ovo_flows::{
    Claim, CustomerTokens, DebitOutcome, DedupStore, DokuConfig, DokuOutcome, FlowStore,
    LinkingOutcome, MemoryDedup, MemoryFlowStore, MemoryTokenStore, Pacing, Reason, RefundOutcome,
    RetryPolicy, SnapConfig, SnapCredentials, StoreError, StoredFlow, TokenStore, UnbindingOutcome,
};
/// The models (`ovo_model::snap`, `ovo_model::doku`), re-exported.
pub use ovo_model;
/// The signing layer (keys, secrets), re-exported.
pub use ovo_sign;

/// `docs/client.md`, compiled as a doc-test.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/client.md")]
pub struct ClientDoc;

/// The `http` crate, re-exported: the transport trait speaks its types.
pub use http;
