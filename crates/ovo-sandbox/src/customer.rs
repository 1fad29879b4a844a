//! The customer at the sandbox's webviews, played by a program: what an integration test does where
//! a person would type the OTP and PIN.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, StatusCode};
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};

use crate::provider::{WEBVIEW_PAGE, WEBVIEW_SUBMIT};

/// How long one page load or submit may take.
const DEADLINE: Duration = Duration::from_secs(10);

/// A sandbox customer who completes OVO's webviews: the SNAP binding, payment and unbinding pages
/// (the `redirectUrl`/`webRedirectUrl` your code would open) and DOKU's registration page.
///
/// Like a browser, it loads the page first (which starts the webview's clock and, for DOKU, sends
/// the OTP), then submits the OTP and PIN; it returns where the page sends the customer back to
/// your callback. The OTP is the phone's last four digits, as in OVO's staging \[S\], unless
/// [`Customer::with_otp`] says otherwise.
///
/// ```no_run
/// # async fn run(webview_url: &str) -> Result<(), ovo_sandbox::WebviewError> {
/// let customer = ovo_sandbox::Customer::new("6281234567890", "246810");
/// let done = customer.complete(webview_url).await?;
/// assert!(done.redirect.contains("response="));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Customer {
    phone: String,
    pin: String,
    otp: Option<String>,
    http: Client<HttpConnector, Full<Bytes>>,
}

impl fmt::Debug for Customer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Customer")
            .field("phone", &self.phone)
            .field("pin", &"[redacted]")
            .finish_non_exhaustive()
    }
}

/// A webview the customer got through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completed {
    /// Where the page sent the customer: your callback URL with `response` (and `state`) for
    /// SNAP, the success or failure URL for DOKU.
    pub redirect: String,
    /// Whether the page asked for an OTP (binding and DOKU registration do; payment and
    /// unbinding ask only for the PIN).
    pub asked_for_otp: bool,
}

/// Why a webview could not be completed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebviewError {
    /// The URL (shown without its query, which carries a token) is not one of the sandbox's
    /// webview pages, or is malformed.
    #[error("not a sandbox webview URL: {0}")]
    NotAWebview(String),
    /// The sandbox could not be reached, or did not answer in time.
    #[error("the webview could not be loaded: {0}")]
    Unreachable(String),
    /// The page answered something else than its form (expired, unknown destination, blocked).
    #[error("the webview page answered {status}: {body}")]
    Page {
        /// The HTTP status the page answered with.
        status: u16,
        /// The page's body as text, to show in a failing test.
        body: String,
    },
    /// The OTP or PIN was refused; the page stays open with `attempts_left`.
    #[error("the webview refused the customer: {message} ({attempts_left:?} attempts left)")]
    Refused {
        /// The page's error text, e.g. a wrong OTP or PIN, or a blocked account.
        message: String,
        /// Attempts left before the account is blocked, when the page says.
        attempts_left: Option<u64>,
    },
}

impl Customer {
    /// A customer with this phone number and PIN.
    ///
    /// ```
    /// let customer = ovo_sandbox::Customer::new("6281234567890", "246810");
    /// assert!(!format!("{customer:?}").contains("246810"));
    /// ```
    pub fn new(phone: impl Into<String>, pin: impl Into<String>) -> Self {
        Self {
            phone: phone.into(),
            pin: pin.into(),
            otp: None,
            http: Client::builder(TokioExecutor::new()).build_http(),
        }
    }

    /// Types this OTP instead of the phone's last four digits (to test a wrong one).
    ///
    /// ```
    /// let customer = ovo_sandbox::Customer::new("6281234567890", "246810").with_otp("0000");
    /// # let _ = customer;
    /// ```
    pub fn with_otp(mut self, otp: impl Into<String>) -> Self {
        self.otp = Some(otp.into());
        self
    }

    /// Loads the webview page at `url`, types the OTP (when asked) and the PIN, and returns where
    /// the page sends the customer.
    pub async fn complete(&self, url: &str) -> Result<Completed, WebviewError> {
        let parsed = url::Url::parse(url)
            .ok()
            .filter(|parsed| parsed.has_host() && matches!(parsed.scheme(), "http" | "https"))
            // Named without its query, which carries the session or linkage token.
            .ok_or_else(|| WebviewError::NotAWebview(without_query(url)))?;
        let page = {
            let mut page = parsed.clone();
            page.set_query(None);
            page.set_fragment(None);
            String::from(page)
        };
        let path = parsed.path();
        let query = parsed.query().unwrap_or_default();
        let loaded = self.send(Request::get(url), Bytes::new()).await?;
        if loaded.0 == StatusCode::FOUND {
            // DOKU's page sends a blocked customer straight to the failure URL.
            return Ok(Completed {
                redirect: loaded.2.unwrap_or_default(),
                asked_for_otp: false,
            });
        }
        let html = String::from_utf8_lossy(&loaded.1).into_owned();
        if loaded.0 != StatusCode::OK || !html.contains("id=\"pin\"") {
            return Err(WebviewError::Page {
                status: loaded.0.as_u16(),
                body: html,
            });
        }
        let asked_for_otp = html.contains("id=\"otp\"");
        let otp = self
            .otp
            .clone()
            .unwrap_or_else(|| crate::otp(&self.phone).to_owned());
        let (target, body) = if path == WEBVIEW_PAGE {
            let params: std::collections::HashMap<String, String> =
                form_urlencoded::parse(query.as_bytes())
                    .into_owned()
                    .collect();
            let param = |name: &str| params.get(name).cloned().unwrap_or_default();
            let session = params
                .get("token")
                .or_else(|| params.get("session"))
                .cloned()
                .unwrap_or_default();
            let state = params.get("state").cloned();
            let body = json!({"session": session, "destination": param("destination"),
                "state": state, "otp": otp, "pin": self.pin});
            let mut submit = parsed.clone();
            submit.set_path(WEBVIEW_SUBMIT);
            submit.set_query(None);
            (String::from(submit), body)
        } else {
            // DOKU's registration page posts to itself.
            (page, json!({"otp": otp, "pin": self.pin}))
        };
        let body =
            serde_json::to_vec(&body).map_err(|e| WebviewError::Unreachable(e.to_string()))?;
        let request = Request::post(target).header("content-type", "application/json");
        let (status, answer, _) = self.send(request, Bytes::from(body)).await?;
        let answer: Value = serde_json::from_slice(&answer).unwrap_or(Value::Null);
        if let Some(redirect) = answer.get("redirect").and_then(Value::as_str) {
            return Ok(Completed {
                redirect: redirect.to_owned(),
                asked_for_otp,
            });
        }
        match answer.get("error").and_then(Value::as_str) {
            Some(message) if status == StatusCode::OK => Err(WebviewError::Refused {
                message: message.to_owned(),
                attempts_left: answer.get("retryAttemptsLeft").and_then(Value::as_u64),
            }),
            _ => Err(WebviewError::Page {
                status: status.as_u16(),
                body: answer.to_string(),
            }),
        }
    }

    /// One request: status, body and `Location`.
    async fn send(
        &self,
        request: http::request::Builder,
        body: Bytes,
    ) -> Result<(StatusCode, Bytes, Option<String>), WebviewError> {
        let unreachable = |e: &dyn fmt::Display| WebviewError::Unreachable(e.to_string());
        let request = request
            .body(Full::new(body))
            .map_err(|e| WebviewError::NotAWebview(e.to_string()))?;
        let exchange = async {
            let response = self
                .http
                .request(request)
                .await
                .map_err(|e| unreachable(&e))?;
            let status = response.status();
            let location = response
                .headers()
                .get(http::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .map(str::to_owned);
            let bytes = response
                .into_body()
                .collect()
                .await
                .map_err(|e| unreachable(&e))?
                .to_bytes();
            Ok((status, bytes, location))
        };
        tokio::time::timeout(DEADLINE, exchange)
            .await
            .map_err(|e| unreachable(&e))?
    }
}

/// `url` without its query and fragment, for an error message.
fn without_query(url: &str) -> String {
    url.split(['?', '#']).next().unwrap_or_default().to_owned()
}
