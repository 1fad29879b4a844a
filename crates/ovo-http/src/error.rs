//! The client's errors. None carries a token, a secret or a request header.

use std::sync::Arc;

use ovo_flows::{FlowError, StoreError};
use ovo_model::ResponseCode;

use crate::transport::TransportError;

/// Why an operation did not complete.
///
/// Money-moving operations report their outcome in their result type (paid, refused, abandoned,
/// unknown). Once a call that moves money may have reached the provider, every later failure
/// (a lost answer, a token outage, a store error, the deadline) ends in that type's `Unknown`,
/// never in an error: an error from a money-moving operation means nothing was sent that could
/// move money.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The provider refused the call with a definite code: this call did nothing. Whether the
    /// same call would be refused again depends on the code (a limit or a balance can change).
    #[error("refused: {code} {message}")]
    Refused {
        /// The provider's `responseCode` (`4017300`, ...), typed.
        code: ResponseCode,
        /// The provider's `responseMessage`, as sent: for logs, not for matching.
        message: String,
    },
    /// The provider's answer is unknown (5xx, or unreadable) after the allowed retries.
    #[error("no usable answer (HTTP {})", status.map_or_else(|| "none".to_owned(), |s| s.as_u16().to_string()))]
    Unknown {
        /// The last HTTP status, if an answer came.
        status: Option<http::StatusCode>,
    },
    /// No answer came back after the allowed retries: the transport's last error, with its kind
    /// ([`TransportError::kind`]) and its cause as `source()` (it reads as that error: its
    /// `Display` and `source()` are the transport error's own).
    ///
    /// ```
    /// use ovo_http::{ClientError, TransportError, TransportErrorKind};
    ///
    /// let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
    /// let error = ClientError::from(TransportError::with_source(TransportErrorKind::Connect, io));
    /// match &error {
    ///     ClientError::Transport(transport) => {
    ///         assert_eq!(transport.kind(), TransportErrorKind::Connect);
    ///         assert!(!transport.may_have_reached());
    ///     }
    ///     other => panic!("{other}"),
    /// }
    /// assert_eq!(error.to_string(), "could not connect");
    /// let cause = std::error::Error::source(&error).map(ToString::to_string);
    /// assert_eq!(cause.as_deref(), Some("refused"));
    /// ```
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// A request could not be built or a flow could not continue.
    #[error("{0}")]
    Flow(Arc<FlowError>),
    /// The customer has no (valid) binding: link them first.
    #[error("customer {customer} is not bound")]
    NotBound {
        /// Your id for the customer, as passed to the call.
        customer: String,
    },
    /// Getting the B2B token failed; every caller waiting for it gets this same error.
    #[error("B2B token: {0}")]
    B2bToken(Arc<ClientError>),
    /// A store (tokens, flows, notification ids) failed.
    #[error("store: {0}")]
    Store(StoreError),
    /// No stored flow has this id.
    #[error("no flow {id} is stored")]
    FlowNotFound {
        /// The flow's id, as `begin_*` returned it.
        id: String,
    },
    /// The flow has finished already (a second callback, say): nothing was sent.
    #[error("flow {id} has finished already")]
    FlowFinished {
        /// The flow's id, as `begin_*` returned it.
        id: String,
    },
    /// The flow's webview expired before the callback came: it ended `Abandoned`.
    #[error("flow {id} expired before its callback came")]
    FlowExpired {
        /// The flow's id, as `begin_*` returned it.
        id: String,
    },
    /// The flow is not waiting for this (a callback while its call is in flight, or a flow of
    /// another kind), or another instance is advancing it right now: nothing was sent.
    #[error("flow {id} is not waiting for this")]
    FlowNotWaiting {
        /// The flow's id, as `begin_*` returned it.
        id: String,
    },
    /// The flow ended without completing (the customer did not confirm, an answer was lost...).
    #[error("not completed: {reason}")]
    NotCompleted {
        /// What stopped it, to match on.
        reason: ovo_flows::Reason,
    },
    /// The operation's deadline passed before anything that could move money was sent.
    #[error("the operation's deadline passed")]
    DeadlinePassed,
}

// The cause is in the message, so it is not also a `source()`: an error report that walks the
// chain (anyhow's `{:#}`, eyre) would print it twice.
impl From<StoreError> for ClientError {
    fn from(error: StoreError) -> Self {
        Self::Store(error)
    }
}

impl From<FlowError> for ClientError {
    fn from(error: FlowError) -> Self {
        Self::Flow(Arc::new(error))
    }
}

impl From<ovo_model::FieldError> for ClientError {
    fn from(error: ovo_model::FieldError) -> Self {
        Self::from(FlowError::Invalid(error))
    }
}

impl From<ovo_flows::ConfigError> for ClientError {
    fn from(error: ovo_flows::ConfigError) -> Self {
        Self::Flow(Arc::new(FlowError::State(error.to_string())))
    }
}
