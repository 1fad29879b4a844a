//! The webview's redirect back to the partner: `destination?response=<url-encoded JSON>` \[S\].

use serde::{Deserialize, Serialize};

use crate::error::{FieldError, ModelError};
use crate::secret::Secret;
use crate::validate::{FieldPath, Validate, from_json};

/// The `response` JSON OVO's webview puts on the partner's callback URL \[S\]:
/// `{"displayMsg","displayHeader","retryAttemptsLeft","authCode","errorCode","enable_redirection"}`.
///
/// ```
/// use ovo_model::snap::WebviewCallback;
///
/// let url = "https://piswebblank.pis/?response=%7B%22displayMsg%22%3A%22SUCCESS%22%2C%22displayHeader%22%3A%22%22%2C%22retryAttemptsLeft%22%3A4%2C%22authCode%22%3A%22YOAKdzhRSviBfGyAc15_LQ%22%2C%22errorCode%22%3A%22%22%2C%22enable_redirection%22%3Afalse%7D&state=payment1234";
/// let (callback, state) = WebviewCallback::from_url(url)?;
/// assert!(callback.is_success());
/// assert_eq!(callback.auth_code.unwrap().expose(), "YOAKdzhRSviBfGyAc15_LQ");
/// assert_eq!(state.as_deref(), Some("payment1234"));
/// # Ok::<(), ovo_model::snap::WebviewCallbackError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct WebviewCallback {
    /// `SUCCESS`, or a message for the customer.
    #[serde(
        rename = "displayMsg",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub display_msg: Option<String>,
    /// A header for the customer.
    #[serde(
        rename = "displayHeader",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub display_header: Option<String>,
    /// OTP or PIN attempts left.
    #[serde(
        rename = "retryAttemptsLeft",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub retry_attempts_left: Option<i64>,
    /// The code for the B2B2C token call (binding) or Generate Token (payment).
    #[serde(rename = "authCode", default, skip_serializing_if = "Option::is_none")]
    pub auth_code: Option<Secret>,
    /// `errorCode`: empty (`""`) on success in OVO's sample \[S\]; otherwise OVO's error code,
    /// whose values are not documented \[I\].
    #[serde(rename = "errorCode", default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// Whether the webview redirects by itself (OVO's spelling, snake case).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_redirection: Option<bool>,
}

/// Why a callback URL could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebviewCallbackError {
    /// The URL has no `response` query parameter.
    #[error("the callback URL has no `response` parameter")]
    MissingResponse,
    /// The `response` parameter is not the documented JSON.
    #[error("the callback's `response`: {0}")]
    Response(ModelError),
}

// The cause is in the message, so it is not also a `source()`: an error report that walks the
// chain (anyhow's `{:#}`, eyre) would print it twice.
impl From<ModelError> for WebviewCallbackError {
    fn from(error: ModelError) -> Self {
        Self::Response(error)
    }
}

impl WebviewCallback {
    /// Reads the callback from the full redirect URL; returns it with the `state` parameter the
    /// partner put on the webview URL, if any.
    pub fn from_url(url: &str) -> Result<(Self, Option<String>), WebviewCallbackError> {
        let query = url.split_once('?').map_or("", |(_, q)| q);
        let query = query.split_once('#').map_or(query, |(q, _)| q);
        Self::from_query(query)
    }

    /// Reads the callback from the query string (without `?`).
    pub fn from_query(query: &str) -> Result<(Self, Option<String>), WebviewCallbackError> {
        let mut response = None;
        let mut state = None;
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            match name.as_ref() {
                "response" => response = Some(value.into_owned()),
                "state" => state = Some(value.into_owned()),
                _ => {}
            }
        }
        let response = response.ok_or(WebviewCallbackError::MissingResponse)?;
        Ok((from_json(response.as_bytes())?, state))
    }

    /// Success: an `authCode` is present and `errorCode` is empty.
    pub fn is_success(&self) -> bool {
        self.auth_code.as_ref().is_some_and(|code| !code.is_empty())
            && self.error_code.as_deref().unwrap_or_default().is_empty()
    }
}

impl Validate for WebviewCallback {
    fn validate_at(&self, _at: &FieldPath) -> Result<(), FieldError> {
        Ok(())
    }
}
