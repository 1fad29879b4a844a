//! Pure state machines for OVO payments: binding, the two-phase direct debit, refunds, unbinding
//! and token lifetimes for OVO direct (SNAP), and DOKU OVO Recurring's calls.
//!
//! Nothing here does IO or reads a clock. Every flow has one shape ([`Flow`]): the driver asks
//! [`Flow::poll`] what to do at `now` ([`Action`]: send a [`Call`], open the webview, wake at a
//! time, or done) and reports what happened with [`Flow::handle`] ([`Event`]: an answer, a
//! transport failure, the webview's callback, a timer). A flow's state serializes without its
//! secrets ([`to_state`], [`FlowSecrets`]), so one process can begin it and another finish it.
//!
//! The rules live here as pure functions: the money rules inside the flows (a call that moves
//! money is never re-sent once it may have reached the provider; its unknown outcome is resolved
//! by paced status inquiries), one [`RetryPolicy`] for both APIs, and the [`token_verdict`] on a
//! customer's binding. `ovo-http` drives these flows over HTTP; `docs/driver.md` shows how to write
//! another driver.
//!
//! Sources are marked on each fact: **\[S\]** a seed document (the provider pages the project
//! started from), **\[P\]** a public provider document, **\[I\]** our inference: a documented
//! default, never a hidden assumption.
//!
//! ```
//! use ovo_flows::{Action, Debit, Event, Flow, Received};
//! use ovo_model::{Idr, SnapMoney, snap::DirectDebitRequest};
//!
//! let request = DirectDebitRequest::new("INV-1", SnapMoney::idr(Idr::from_rupiah(10_000)));
//! let mut debit = Debit::new(&request, "https://merchant.example/ovo/callback")?;
//! let now = time::OffsetDateTime::now_utc();
//! let Action::Send(call) = debit.poll(now) else { unreachable!() };
//! // ... sign `call` (ovo_flows::sign_snap) with the customer's access token, send it ...
//! debit.handle(now, Event::Received(Received::Failed { may_have_reached: true }))?;
//! // Call 1 may have arrived: the debit inquires, it never re-sends.
//! let Action::Send(inquiry) = debit.poll(now) else { unreachable!() };
//! assert_eq!(inquiry.target.label(), "status");
//! # Ok::<(), ovo_flows::FlowError>(())
//! ```

#![forbid(unsafe_code)]

mod answer;
mod call;
pub mod calls;
mod config;
mod debit;
mod doku;
mod error;
mod flow;
mod linking;
mod reason;
mod refund;
mod retry;
mod sign;
mod store;
mod tokens;
mod unbinding;
mod verdict;
mod webview;

pub use answer::{Answer, read_doku, read_snap, read_snap_received};
pub use call::{Authorization, Call, Received, Resend, Target};
pub use config::{ConfigError, DokuConfig, SnapConfig, SnapConfigBuilder};
pub use debit::{Debit, DebitOutcome};
pub use doku::{DokuOperation, DokuOutcome, DokuRequest};
pub use error::FlowError;
pub use flow::{
    Action, Event, Flow, FlowKind, FlowSecrets, STATE_VERSION, SecretSlot, Version, from_state,
    to_state,
};
pub use linking::{Linking, LinkingOutcome};
pub use reason::{DEFAULT_MAX_INQUIRIES, Pacing, Reason};
pub use refund::{Refund, RefundOutcome};
pub use retry::{Retry, RetryPolicy, retry_after};
pub use sign::{SnapCredentials, SnapSigner, Stamp, sign_doku, sign_snap};
pub use store::{
    BoxFuture, Claim, DedupStore, FlowStore, MemoryDedup, MemoryFlowStore, MemorySharedTokens,
    MemoryTokenStore, SharedLease, SharedTokens, StoreError, StoredFlow, TokenStore,
};
pub use tokens::{
    ACCESS_LIFETIME, B2bTokenCache, CustomerTokens, Expiring, RENEW_MARGIN, SINGLE_USE_LIFETIME,
    later,
};
pub use unbinding::{Unbinding, UnbindingOutcome};
pub use verdict::{CustomerCredential, TokenVerdict, b2b_token_refused, token_verdict};
pub use webview::{payment_webview, webview_url};

/// `docs/driver.md`, compiled as a doc-test.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/driver.md")]
pub struct DriverDoc;

/// The endpoint catalogue, from `ovo-model`.
pub use ovo_model::endpoint::{DokuEndpoint, OvoEndpoint};

/// The crate's README, compiled as a doc-test.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
