//! Errors of building calls: never a secret in them.

/// Why a call could not be built or a flow cannot go on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FlowError {
    /// A message broke a field rule before it was sent.
    #[error("invalid message: {0}")]
    Invalid(#[from] ovo_model::FieldError),
    /// Signing failed (a malformed input such as a path without `/`).
    #[error("signing: {0}")]
    Sign(#[from] ovo_sign::SignError),
    /// A timestamp could not be written.
    #[error("timestamp: {0}")]
    Timestamp(#[from] ovo_sign::TimestampError),
    /// A header value is not valid visible ASCII.
    #[error("a header value is not valid")]
    InvalidHeader,
    /// A call needs the partner's B2B token and none was given.
    #[error("this call needs the partner's B2B token")]
    MissingB2bToken,
    /// The flow was given an event it cannot take in its current state.
    #[error("the flow cannot take this event now: {0}")]
    UnexpectedEvent(&'static str),
    /// A body could not be serialized.
    #[error("serializing a body: {0}")]
    Serialize(String),
}
