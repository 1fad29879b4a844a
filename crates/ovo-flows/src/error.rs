//! Errors of building calls and of driving flows: never a secret in them.

use crate::flow::SecretSlot;

/// Why a call could not be built or a flow cannot go on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FlowError {
    /// A message broke a field rule before it was sent.
    #[error("invalid message: {0}")]
    Invalid(ovo_model::FieldError),
    /// Signing failed (a malformed input such as a path without `/`).
    #[error("signing: {0}")]
    Sign(ovo_sign::SignError),
    /// A timestamp could not be written.
    #[error("timestamp: {0}")]
    Timestamp(ovo_sign::TimestampError),
    /// A header value is not valid visible ASCII.
    #[error("a header value is not valid")]
    InvalidHeader,
    /// A call needs a credential the driver did not supply.
    #[error("this call needs the {0}, which was not supplied")]
    MissingCredential(&'static str),
    /// The flow was given an event it cannot take in its current state.
    #[error("the flow cannot take this event now: {0}")]
    UnexpectedEvent(&'static str),
    /// A restored flow lacks a secret its state needs (its secrets were not restored).
    #[error("the flow's {0:?} secret is missing: restore its secrets with its state")]
    MissingSecret(SecretSlot),
    /// A body could not be serialized.
    #[error("serializing a body: {0}")]
    Serialize(String),
    /// A stored flow state could not be read.
    #[error("stored flow state: {0}")]
    State(String),
    /// A stored flow state was written by another version of this crate.
    #[error("stored flow state has version {0:?}; this build reads version {v}", v = crate::flow::STATE_VERSION)]
    UnsupportedVersion(Option<u64>),
}

// The cause is in the message, so it is not also a `source()`: an error report that walks the
// chain (anyhow's `{:#}`, eyre) would print it twice.
impl From<ovo_model::FieldError> for FlowError {
    fn from(error: ovo_model::FieldError) -> Self {
        Self::Invalid(error)
    }
}

impl From<ovo_sign::SignError> for FlowError {
    fn from(error: ovo_sign::SignError) -> Self {
        Self::Sign(error)
    }
}

impl From<ovo_sign::TimestampError> for FlowError {
    fn from(error: ovo_sign::TimestampError) -> Self {
        Self::Timestamp(error)
    }
}
