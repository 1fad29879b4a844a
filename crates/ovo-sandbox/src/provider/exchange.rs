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

/// A reply: status, extra headers and body bytes.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: Vec<u8>,
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
        }
    }

    /// An HTML page.
    pub(crate) fn html(status: StatusCode, page: String) -> Self {
        Self {
            status,
            headers: vec![("content-type", "text/html; charset=utf-8".to_owned())],
            body: page.into_bytes(),
        }
    }

    /// A 302 redirect.
    pub(crate) fn redirect(location: String) -> Self {
        Self {
            status: StatusCode::FOUND,
            headers: vec![("location", location)],
            body: Vec::new(),
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
