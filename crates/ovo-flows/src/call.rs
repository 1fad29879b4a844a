//! A call a flow wants made: what to send, with which token, and whether it moves money.
//! Signing it into an `http::Request` is [`crate::sign`]'s job, with a fresh timestamp.

use std::fmt;

use ovo_model::Secret;

use crate::config::SnapEndpoint;

/// Which credential authorizes (and is signed into) a call.
#[derive(Clone, PartialEq, Eq)]
pub enum Authorization {
    /// The access-token calls: RSA over `client_id|timestamp`, optionally with a bearer token
    /// (the linkage token of a B2B2C exchange \[P\]).
    TokenCall(Option<Secret>),
    /// Account binding: RSA over the request, no bearer token \[S\]\[P\].
    Rsa,
    /// HMAC-SHA512 with this bearer token: the partner's B2B token, a customer access token,
    /// a single-use token or a linkage token.
    Bearer(Secret),
    /// HMAC with the partner's B2B token, which the driver supplies (refund, lookup).
    B2b,
}

impl fmt::Debug for Authorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::TokenCall(_) => "TokenCall",
            Self::Rsa => "Rsa",
            Self::Bearer(_) => "Bearer([redacted])",
            Self::B2b => "B2b",
        })
    }
}

/// Where a SNAP call goes. `Debug` shows no query string.
#[derive(Clone, PartialEq, Eq)]
pub enum Target {
    /// A SNAP endpoint, `/OVOSNAP/{version}/...`.
    Snap(SnapEndpoint),
    /// A non-SNAP OVO path with its query (`/user/v2/account/lookup?phone=...`).
    Path(String),
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
    /// `POST` or `GET`.
    pub method: http::Method,
    /// Where.
    pub target: Target,
    /// The body bytes, serialized once by the flow: retries and the debit's second call send
    /// exactly these bytes.
    pub body: Vec<u8>,
    /// The credential.
    pub authorization: Authorization,
    /// Whether the call can move money. Such a call is never re-sent once its bytes may have
    /// reached the provider; its unknown outcome is resolved by status inquiry.
    pub moves_money: bool,
}

impl fmt::Debug for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call")
            .field("method", &self.method)
            .field("target", &self.target.label())
            .field("body_len", &self.body.len())
            .field("authorization", &self.authorization)
            .field("moves_money", &self.moves_money)
            .finish()
    }
}

impl Target {
    /// The endpoint without its query string, safe to log (Generate Token's query carries the
    /// webview's `authCode`).
    ///
    /// ```
    /// let target = ovo_flows::Target::Path("/user/v1/oauth/token?grantType=authorization_code&code=SECRET".into());
    /// assert_eq!(target.label(), "/user/v1/oauth/token");
    /// ```
    pub fn label(&self) -> String {
        match self {
            Self::Snap(endpoint) => endpoint.name().to_owned(),
            Self::Path(path) => path.split('?').next().unwrap_or_default().to_owned(),
        }
    }
}

/// What happened to a call. `Debug` shows the status, never the body (token answers carry
/// tokens).
pub enum Received {
    /// The provider answered.
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
