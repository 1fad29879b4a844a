//! DOKU's non-SNAP ("Jokul") signature, used by the OVO Recurring API and its HTTP notifications.
//!
//! The component string is five lines joined by `\n`, with no trailing newline:
//!
//! ```text
//! Client-Id:<Client-Id>
//! Request-Id:<Request-Id>
//! Request-Timestamp:<Request-Timestamp>      (Response-Timestamp:<..> when signing a response)
//! Request-Target:<path>
//! Digest:<base64(sha256(body bytes))>        (POST only, also for an empty body; absent for GET)
//! ```
//!
//! and the `Signature` header is `HMACSHA256=` + base64(HMAC-SHA256(secret key, component string)).
//! The digest is over the exact body bytes (never minified): send the bytes you signed, and verify
//! notifications over the raw bytes received. The Request-Target of a notification is the path of
//! the merchant's own notification URL.

use crate::backend::hmac::HMAC_SHA256;

use crate::checks;
use crate::encoding::{SignatureEncoding, decode_base64_signature, sha256_base64};
use crate::error::{InputError, SignError, VerifyError};
use crate::primitives::{hmac_sign, hmac_verify_any};
use crate::secret::ClientSecret;
use crate::signature::Signature;

/// The prefix of the `Signature` header value.
pub const SIGNATURE_PREFIX: &str = "HMACSHA256=";

/// Which timestamp line the component string carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum TimestampLabel {
    /// `Request-Timestamp`: requests to DOKU and DOKU's notifications.
    #[default]
    Request,
    /// `Response-Timestamp`: DOKU's signed responses.
    Response,
}

impl TimestampLabel {
    /// The label as written in the component string.
    ///
    /// ```
    /// assert_eq!(ovo_sign::doku::TimestampLabel::Response.as_str(), "Response-Timestamp");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Request => "Request-Timestamp",
            Self::Response => "Response-Timestamp",
        }
    }
}

/// The signature components of one DOKU request, response or notification.
///
/// ```
/// let components = ovo_sign::doku::Components::get(
///     "MCH-0001-10791114622547",
///     "d895fb53-479c-4f77-a76a-ab81b40d77cb",
///     "2020-08-11T08:45:42Z",
///     "/orders/v1/status/INV-123123-12313",
/// );
/// assert_eq!(
///     components.component_string()?,
///     "Client-Id:MCH-0001-10791114622547\n\
///      Request-Id:d895fb53-479c-4f77-a76a-ab81b40d77cb\n\
///      Request-Timestamp:2020-08-11T08:45:42Z\n\
///      Request-Target:/orders/v1/status/INV-123123-12313"
/// );
/// # Ok::<(), ovo_sign::InputError>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Components<'a> {
    /// The `Client-Id` header value.
    pub client_id: &'a str,
    /// The `Request-Id` header value (of the request, also when signing its response).
    pub request_id: &'a str,
    /// The `Request-Timestamp` (or `Response-Timestamp`) header value, verbatim.
    pub timestamp: &'a str,
    /// Which timestamp label to write.
    pub timestamp_label: TimestampLabel,
    /// The request path, without scheme and host.
    pub target: &'a str,
    /// The exact body bytes of a POST (a `Digest` line, also when empty); `None` for a GET.
    pub body: Option<&'a [u8]>,
}

impl<'a> Components<'a> {
    /// The components of a POST, which carry a `Digest` of `body`.
    pub fn post(
        client_id: &'a str,
        request_id: &'a str,
        timestamp: &'a str,
        target: &'a str,
        body: &'a [u8],
    ) -> Self {
        Self {
            client_id,
            request_id,
            timestamp,
            timestamp_label: TimestampLabel::Request,
            target,
            body: Some(body),
        }
    }

    /// The components of a GET, which carry no `Digest`.
    pub fn get(
        client_id: &'a str,
        request_id: &'a str,
        timestamp: &'a str,
        target: &'a str,
    ) -> Self {
        Self {
            client_id,
            request_id,
            timestamp,
            timestamp_label: TimestampLabel::Request,
            target,
            body: None,
        }
    }

    /// The same components with another timestamp label (for DOKU's signed responses).
    pub fn with_timestamp_label(self, timestamp_label: TimestampLabel) -> Self {
        Self {
            timestamp_label,
            ..self
        }
    }

    /// The `Digest` component: base64(sha256(body)), or `None` for a GET.
    pub fn digest(&self) -> Option<String> {
        self.body.map(sha256_base64)
    }

    /// The component string that is signed.
    pub fn component_string(&self) -> Result<String, InputError> {
        checks::line("client_id", self.client_id)?;
        checks::line("request_id", self.request_id)?;
        checks::line("timestamp", self.timestamp)?;
        checks::line("target", self.target)?;
        checks::path("target", self.target)?;
        let mut text = format!(
            "Client-Id:{}\nRequest-Id:{}\n{}:{}\nRequest-Target:{}",
            self.client_id,
            self.request_id,
            self.timestamp_label.as_str(),
            self.timestamp,
            self.target
        );
        if let Some(digest) = self.digest() {
            text.push_str("\nDigest:");
            text.push_str(&digest);
        }
        Ok(text)
    }
}

/// Signs with DOKU's secret key; the header value is `HMACSHA256=<base64>`.
///
/// ```
/// use ovo_sign::{ClientSecret, doku};
///
/// let secret = ClientSecret::new("SK-9sCrJ1kdYUJAYlsJKlqz")?;
/// let components = doku::Components::post(
///     "MCH-0001-10791114622547",
///     "15022aab-444f-4b04-afa8-ddfce89432ec",
///     "2020-08-11T08:45:42Z",
///     "/ovo-open-api/v1/balance",
///     b"",
/// );
/// let signed = doku::sign(&secret, &components)?;
/// assert_eq!(signed.header_value(), "HMACSHA256=OQ6oQjPrc9Rt11JGTQyeh9n+dRFdlAB43B0AZj6kwz4=");
/// doku::verify(&[secret], &components, signed.header_value())?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn sign(secret: &ClientSecret, components: &Components<'_>) -> Result<Signature, SignError> {
    let message = components.component_string()?;
    let tag = hmac_sign(HMAC_SHA256, secret, message.as_bytes());
    let header = format!(
        "{SIGNATURE_PREFIX}{}",
        SignatureEncoding::Base64.encode(tag.as_ref())
    );
    Ok(Signature::new(message, header))
}

/// Verifies a `Signature` header value against any of `secrets`, in constant time.
pub fn verify(
    secrets: &[ClientSecret],
    components: &Components<'_>,
    header_value: &str,
) -> Result<(), VerifyError> {
    let encoded =
        header_value
            .strip_prefix(SIGNATURE_PREFIX)
            .ok_or(VerifyError::MalformedSignature {
                reason: "a DOKU signature starts with HMACSHA256=",
            })?;
    let message = components.component_string()?;
    hmac_verify_any(
        HMAC_SHA256,
        secrets,
        message.as_bytes(),
        &decode_base64_signature(encoded)?,
    )
}
