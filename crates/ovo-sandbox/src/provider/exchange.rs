//! One request as the handlers see it, and the reply they give.

use std::collections::HashMap;

use http::{HeaderMap, Method, StatusCode};
use serde::Serialize;

use crate::provider::ids::RngUnavailable;

/// A request, read whole.
#[derive(Debug)]
pub(crate) struct Incoming {
    pub(crate) method: Method,
    pub(crate) path: String,
    /// The raw query string, without `?`.
    pub(crate) query: String,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
    /// A page's own id, from its path (`/ovo-open-api/registration/{session}`,
    /// `/ovo-open-api/payment/{page}`), as the router decoded it; empty elsewhere.
    pub(crate) page: String,
}

impl Incoming {
    /// A header's value as text, if present and visible ASCII.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// The path with its query, exactly as requested (what SNAP signs).
    pub(crate) fn path_and_query(&self) -> String {
        if self.query.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{}", self.path, self.query)
        }
    }

    /// The decoded query parameters (the last of repeated names wins).
    pub(crate) fn query_params(&self) -> HashMap<String, String> {
        form_urlencoded::parse(self.query.as_bytes())
            .into_owned()
            .collect()
    }

    /// The decoded form parameters of an `application/x-www-form-urlencoded` body.
    pub(crate) fn form_params(&self) -> HashMap<String, String> {
        form_urlencoded::parse(&self.body).into_owned().collect()
    }
}

/// A reply: status, extra headers and body bytes, or a page for the shell to render.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: Vec<u8>,
    /// An HTML page, as data: the HTTP shell renders it (`http/pages.rs`) in place of `body`.
    pub(crate) page: Option<Box<Page>>,
}

/// The pages the provider shows a customer, as data; the HTTP shell renders them as HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Page {
    /// OVO's webview, a message only: an expired page, a blocked account, a wrong destination.
    WebviewMessage {
        /// What the customer reads.
        message: String,
    },
    /// OVO's webview form: the OTP (binding, until it passed) and the PIN.
    WebviewForm {
        /// The linkage token or payment session.
        session: String,
        /// Where the customer goes on success.
        destination: String,
        /// The partner's `state`, returned with the redirect.
        state: Option<String>,
        /// Whether the OTP is asked.
        needs_otp: bool,
        /// The last entry's error, with the attempts left.
        error: Option<String>,
    },
    /// DOKU's registration page: OTP and PIN.
    DokuRegistration {
        /// The registration session (the page's last path segment).
        session: String,
        /// The last entry's error.
        error: Option<String>,
    },
    /// OVO's PIN page for a DOKU payment that waits for the customer.
    DokuPayment {
        /// The page's id (its last path segment).
        page: String,
        /// The last entry's error.
        error: Option<String>,
    },
    /// A DOKU payment's outcome after its PIN page.
    DokuPaymentDone {
        /// `SUCCESS`, `FAILED`...
        status: String,
    },
}

/// What a page's JSON submit answers: the sandbox's own test form of the pages (no provider
/// type: the real pages are HTML only).
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub(crate) enum Submitted<'a> {
    /// Passed: where the page sends the customer.
    Redirect {
        /// Where the page sends the customer: the partner's callback with `response` (SNAP), or the
        /// success or failure registration URL (DOKU).
        redirect: &'a str,
    },
    /// A wrong entry, a blocked account or an expired page.
    Refused {
        /// The error shown to the customer (wrong OTP or PIN, blocked, expired).
        error: &'a str,
        /// The attempts left, when the page stays open.
        #[serde(rename = "retryAttemptsLeft")]
        retry_attempts_left: Option<u32>,
    },
    /// A DOKU payment's outcome after its PIN.
    Done {
        /// `SUCCESS`, `FAILED`...
        status: &'a str,
    },
}

/// What every handler returns; an error is a reply too (the provider's error envelope).
pub(crate) type Handled = Result<Reply, Reply>;

impl Reply {
    /// A JSON reply.
    pub(crate) fn json(status: StatusCode, body: &impl Serialize) -> Self {
        match serde_json::to_vec(body) {
            Ok(bytes) => Self {
                status,
                headers: vec![("content-type", "application/json".to_owned())],
                body: bytes,
                page: None,
            },
            Err(_) => Self::text(StatusCode::INTERNAL_SERVER_ERROR, "serialization failed"),
        }
    }

    /// A plain-text reply.
    pub(crate) fn text(status: StatusCode, text: &str) -> Self {
        Self {
            status,
            headers: vec![("content-type", "text/plain; charset=utf-8".to_owned())],
            body: text.as_bytes().to_vec(),
            page: None,
        }
    }

    /// An HTML page, rendered by the shell.
    pub(crate) fn page(status: StatusCode, page: Page) -> Self {
        Self {
            status,
            headers: vec![("content-type", "text/html; charset=utf-8".to_owned())],
            body: Vec::new(),
            page: Some(Box::new(page)),
        }
    }

    /// A 302 redirect.
    pub(crate) fn redirect(location: String) -> Self {
        Self {
            status: StatusCode::FOUND,
            headers: vec![("location", location)],
            body: Vec::new(),
            page: None,
        }
    }
}

impl From<RngUnavailable> for Reply {
    fn from(_: RngUnavailable) -> Self {
        Self::text(
            StatusCode::INTERNAL_SERVER_ERROR,
            "random number generator unavailable",
        )
    }
}
