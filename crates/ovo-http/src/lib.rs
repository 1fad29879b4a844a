//! The async OVO client: one driver for every flow of `ovo-flows` over a pluggable [`Transport`].
//!
//! - [`OvoClient`] (OVO direct, SNAP): the B2B token cached and fetched single-flight; customers'
//!   tokens in a [`TokenStore`] (and in memory for a minute, [`ClientOptions::token_cache_ttl`]),
//!   refreshed once per customer for all callers and forgotten only when the binding is gone; linking, balance, the two-phase debit, status, refund and
//!   unbinding. Multi-step operations are flows stored in a [`FlowStore`] and resumed by id on any
//!   instance (`begin_*` / `finish_*`, [`OvoClient::resume`]); the instance that began a flow
//!   finishes it without reading it back ([`ClientOptions::flow_cache_capacity`]).
//! - [`DokuClient`] (DOKU OVO Recurring): binding, token list, balance, payment, refund, unbinding.
//! - One retry policy ([`RetryPolicy`]) for both APIs: calls that move no money are retried with
//!   backoff and jitter; a call that moves money or spends a single-use code is sent once, and its
//!   unknown outcome is resolved by paced status inquiries (SNAP) or reported `Unknown` (DOKU,
//!   which has no status API), never as an error once money may have moved.
//! - [`HyperTransport`] is the default transport (hyper-util, rustls, no OpenSSL); a closure is a
//!   transport too.
//! - [`DokuNotificationVerifier`] and [`SnapNotifyVerifier`] check what the provider sends you,
//!   over the raw bytes, with a timestamp window, and claim each notification until your handler
//!   commits it.
//! - [`RecordingTransport`] writes every exchange in cURL form with all headers, as BI's
//!   functional test asks; opt-in only, since the records hold credentials.
//! - Every call runs in a `tracing` span; no header, token or secret is ever logged.
//!
//! Sources are marked on each fact: **\[S\]** a seed document (the provider pages the project
//! started from), **\[P\]** a public provider document, **\[I\]** our inference: a documented
//! default, never a hidden assumption.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use ovo_http::ovo_sign::{ClientSecret, FilePermissions, PrivateKey};
//! use ovo_http::{HyperTransport, OvoClient, SnapConfig, SnapCredentials};
//!
//! let config = SnapConfig::staging("your-client-id")
//!     .callback_url("https://merchant.example/ovo/callback")
//!     .build()?;
//! let credentials = SnapCredentials {
//!     private_key: PrivateKey::from_pem_file("private.pem".as_ref(), FilePermissions::Strict)?,
//!     client_secret: ClientSecret::from_file("client-secret.txt".as_ref(), FilePermissions::Strict)?,
//! };
//! let client = OvoClient::new(config, credentials, HyperTransport::new()?);
//! let lookup = client.lookup("6281234567890").await?;
//! # let _ = lookup; Ok(()) }
//! ```

#![forbid(unsafe_code)]

mod bounded;
mod client;
mod clock;
mod doku;
mod driver;
mod error;
mod exchange;
mod flow_cache;
mod ids;
mod inbound;
mod options;
mod recorder;
mod single_flight;
mod snap_ops;
mod token_cache;
mod transport;

pub use client::{OvoClient, OvoClientBuilder};
pub use clock::{Clock, SystemClock};
pub use doku::DokuClient;
pub use error::ClientError;
pub use inbound::{
    DokuNotificationVerifier, DokuScheme, NotificationError, NotificationVerifier,
    SnapNotifyVerifier, SnapScheme, Verified, Window,
};
pub use options::ClientOptions;
pub use recorder::{Exchange, ExchangeSink, FileSink, MemorySink, RecordingTransport, to_curl};
pub use snap_ops::{
    DebitProgress, PendingDebit, PendingLink, PendingUnbinding, Resumed, UnbindingProgress,
};
pub use transport::{
    DEFAULT_MAX_BODY_BYTES, HyperTransport, HyperTransportBuilder, Transport, TransportError,
    TransportErrorKind,
};

/// What the client's signatures use, re-exported so the common case needs `ovo-http` alone.
pub use ovo_flows::{
    Claim, CustomerTokens, DebitOutcome, DedupStore, DokuConfig, DokuOutcome, FlowStore,
    LinkingOutcome, MemoryDedup, MemoryFlowStore, MemorySharedTokens, MemoryTokenStore, Pacing,
    Reason, RefundOutcome, RetryPolicy, SharedLease, SharedTokens, SnapConfig, SnapCredentials,
    StoreError, StoredFlow, TokenStore, UnbindingOutcome,
};
/// The models (`ovo_model::snap`, `ovo_model::doku`), re-exported.
pub use ovo_model;
/// The signing layer (keys, secrets), re-exported.
pub use ovo_sign;

/// The README and the docs, compiled as doc-tests: every Rust block in them builds in CI.
#[cfg(doctest)]
pub mod doc_files {
    #[doc = include_str!("../README.md")]
    pub struct CrateReadme;
    #[doc = include_str!("../../../README.md")]
    pub struct Readme;
    #[doc = include_str!("../../../docs/client.md")]
    pub struct Client;
    #[doc = include_str!("../../../docs/sandbox.md")]
    pub struct Sandbox;
    #[doc = include_str!("../../../docs/key-setup.md")]
    pub struct KeySetup;
}

/// The `http` crate, re-exported: the transport trait speaks its types.
pub use http;
