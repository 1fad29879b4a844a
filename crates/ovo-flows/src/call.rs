//! A call a flow wants made: where, the exact body bytes, which credential, and whether it may be
//! sent again. Signing it into an `http::Request` is [`crate::sign`]'s job, with a fresh timestamp.

use std::fmt;

use bytes::Bytes;

use ovo_model::Secret;
use ovo_model::endpoint::{DokuEndpoint, OvoEndpoint};

/// Which credential authorizes (and is signed into) a call. The driver supplies the partner's B2B
/// token and the customer's access token per call; a flow holds only the tokens it was given for
/// itself (a linkage or single-use token).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Authorization {
    /// The access-token calls: RSA over `client_id|timestamp`, optionally with a bearer token
    /// (the linkage token of a B2B2C exchange \[P\]).
    TokenCall(Option<Secret>),
    /// Account binding: RSA over the request, no bearer token \[S\]\[P\].
    Rsa,
    /// HMAC with the partner's B2B token, which the driver supplies (refund, lookup).
    B2b,
    /// HMAC with the customer's access token, which the driver supplies (balance, debit call 1,
    /// status, unbinding, Generate Token).
    Customer,
    /// HMAC-SHA512 with a token the flow holds: a single-use token or a linkage token.
    Bearer(Secret),
    /// DOKU's HMAC-SHA256 with the merchant's secret key.
    Doku,
}

impl fmt::Debug for Authorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::TokenCall(_) => "TokenCall",
            Self::Rsa => "Rsa",
            Self::B2b => "B2b",
            Self::Customer => "Customer",
            Self::Bearer(_) => "Bearer([redacted])",
            Self::Doku => "Doku",
        })
    }
}

/// Whether a call may be sent again after a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resend {
    /// It changes nothing at the provider (or changes it the same way twice): retry with backoff
    /// after a transport failure, a 5xx, a 408 or a 429.
    Safe,
    /// It moves money or spends a single-use code: sent again only when it certainly never left
    /// (the connection was refused). Its unknown outcome is resolved by status inquiry.
    OnlyIfNotSent,
}

/// Where a call goes.
#[derive(Clone, PartialEq, Eq)]
pub enum Target {
    /// An OVO endpoint, with a query string for OVO's own GET endpoints (Generate Token's carries
    /// the `authCode`: `Debug` never shows it).
    Ovo {
        /// The OVO endpoint; the configured base URL and version make its path.
        endpoint: OvoEndpoint,
        /// The query string, without `?`, for OVO's GET endpoints; `None` for every SNAP POST. It
        /// is sent and signed as is.
        query: Option<String>,
    },
    /// A DOKU endpoint, with the `Request-Id` to send (a DOKU refund refers to its payment's).
    Doku {
        /// The DOKU endpoint; its path is also the signed `Request-Target`.
        endpoint: DokuEndpoint,
        /// The `Request-Id` header to send and sign: unique, ≤ 128 characters \[S\]. Keep a
        /// payment's: its refund refers to it.
        request_id: String,
    },
}

impl Target {
    /// The endpoint's name, safe to log.
    ///
    /// ```
    /// use ovo_model::endpoint::OvoEndpoint;
    /// let target = ovo_flows::Target::Ovo { endpoint: OvoEndpoint::GenerateToken, query: Some("code=SECRET".into()) };
    /// assert_eq!(target.label(), "generate-token");
    /// assert!(!format!("{target:?}").contains("SECRET"));
    /// ```
    pub fn label(&self) -> &'static str {
        match self {
            Self::Ovo { endpoint, .. } => endpoint.name(),
            Self::Doku { endpoint, .. } => endpoint.name(),
        }
    }

    /// Whether a call here can move money.
    pub fn moves_money(&self) -> bool {
        match self {
            Self::Ovo { endpoint, .. } => endpoint.moves_money(),
            Self::Doku { endpoint, .. } => endpoint.moves_money(),
        }
    }
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Target({})", self.label())
    }
}

/// One call to make. `Debug` shows the body's length, never its bytes (a refresh call carries a
/// token).
#[derive(Clone, PartialEq, Eq)]
pub struct Call {
    /// The endpoint and, for OVO GETs, the query; decides the signature and whether the call moves
    /// money.
    pub target: Target,
    /// The body bytes, serialized once by the flow: retries and the debit's second call send
    /// exactly these bytes. They are compact JSON (as `serde_json` writes it), so
    /// [`crate::sign_snap`] signs them without minifying; a body built by hand must be compact too
    /// (`OvoClient::execute` minifies one for you). Shared, so signing and re-sending a call copy
    /// no body.
    pub body: Bytes,
    /// Which signature and bearer token the driver adds when it signs the call.
    pub authorization: Authorization,
    /// Whether it may be sent again.
    pub resend: Resend,
}

impl Call {
    /// A call to an OVO endpoint; money-moving endpoints are never re-sent once they may have
    /// reached OVO.
    ///
    /// ```
    /// use ovo_flows::{Authorization, Call, Resend};
    /// use ovo_model::endpoint::OvoEndpoint;
    /// let call = Call::ovo(OvoEndpoint::Refund, b"{}".to_vec(), Authorization::B2b);
    /// assert_eq!(call.resend, Resend::OnlyIfNotSent);
    /// assert!(call.moves_money());
    /// ```
    pub fn ovo(
        endpoint: OvoEndpoint,
        body: impl Into<Bytes>,
        authorization: Authorization,
    ) -> Self {
        Self {
            target: Target::Ovo {
                endpoint,
                query: None,
            },
            body: body.into(),
            authorization,
            resend: if endpoint.moves_money() {
                Resend::OnlyIfNotSent
            } else {
                Resend::Safe
            },
        }
    }

    /// Whether the call can move money.
    pub fn moves_money(&self) -> bool {
        self.target.moves_money()
    }

    /// `GET` for OVO's own GET endpoints (lookup, Generate Token), `POST` for everything else.
    pub fn method(&self) -> http::Method {
        match &self.target {
            Target::Ovo { endpoint, .. } if endpoint.method() == "GET" => http::Method::GET,
            _ => http::Method::POST,
        }
    }
}

impl fmt::Debug for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call")
            .field("target", &self.target)
            .field("body_len", &self.body.len())
            .field("authorization", &self.authorization)
            .field("resend", &self.resend)
            .finish()
    }
}

/// What happened to a call. `Debug` shows the status, never the body (token answers carry
/// tokens).
pub enum Received {
    /// The provider answered, with any status: the flow reads the status and body, 4xx and 5xx
    /// included.
    Response(http::Response<Vec<u8>>),
    /// No answer. `may_have_reached` is false only when the request certainly never left (for
    /// example, the connection was refused): then a money-moving call may be sent again.
    Failed {
        /// Whether the provider may have received the request.
        may_have_reached: bool,
    },
}

impl fmt::Debug for Received {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Response(response) => write!(
                f,
                "Response({}, {} bytes)",
                response.status(),
                response.body().len()
            ),
            Self::Failed { may_have_reached } => {
                write!(f, "Failed {{ may_have_reached: {may_have_reached} }}")
            }
        }
    }
}
