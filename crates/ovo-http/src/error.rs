//! The client's errors. None carries a token, a secret or a request header.

use std::sync::Arc;

use ovo_flows::FlowError;
use ovo_model::ResponseCode;

use crate::transport::TransportError;

/// Why an operation did not complete. Money-moving operations report their outcome in their
/// result type instead (paid, refused, abandoned, unknown): an error from them means nothing was
/// sent that could move money.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The provider refused.
    #[error("refused: {code} {message}")]
    Refused {
        /// The provider's code.
        code: ResponseCode,
        /// Its message.
        message: String,
    },
    /// The provider's answer is unknown (5xx, or unreadable) after the allowed retries.
    #[error("no usable answer (HTTP {http_status})")]
    Unknown {
        /// The last HTTP status, 0 if none.
        http_status: u16,
    },
    /// No answer came back after the allowed retries.
    #[error("transport: {0}")]
    Transport(#[from] TransportError),
    /// A request could not be built or a flow could not continue.
    #[error("{0}")]
    Flow(Arc<FlowError>),
    /// The customer has no (valid) binding: link them first.
    #[error("customer {customer} is not bound")]
    NotBound {
        /// The customer id.
        customer: String,
    },
    /// Getting the B2B token failed; every caller waiting for it gets this same error.
    #[error("B2B token: {0}")]
    B2bToken(Arc<ClientError>),
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
