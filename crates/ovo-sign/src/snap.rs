//! Bank Indonesia SNAP signatures, as OVO uses them.
//!
//! | call | scheme | string-to-sign |
//! |---|---|---|
//! | access token B2B and B2B2C | SHA256withRSA, base64 | `client_id|X-TIMESTAMP` |
//! | account binding, notifications | SHA256withRSA, base64 | `METHOD:path:lowerhex(sha256(minify(body))):X-TIMESTAMP` |
//! | every other service call | HMAC-SHA512 (client secret), base64 or hex | `METHOD:path:accessToken:lowerhex(sha256(minify(body))):X-TIMESTAMP` |
//!
//! Every component is signed verbatim: the timestamp must be the very string sent in
//! `X-TIMESTAMP`, the path the one requested (with its query string, if any), the token the one
//! in `Authorization` without `Bearer `. OVO's FAQ writes the binding formula without the colon
//! after the path; the colon is kept here, as in every other SNAP source and in the issue that
//! specified this crate (see `docs/signing.md`).

use std::fmt;

use crate::backend::hmac::{self, HMAC_SHA512};

use crate::checks;
use crate::encoding::{
    SignatureEncoding, decode_base64_signature, push_sha256_lower_hex, sha256_lower_hex_bytes,
};
use crate::error::{InputError, SignError, VerifyError};
use crate::keys::{PrivateKey, PublicKey};
use crate::minify::minify;
use crate::primitives::{hmac_sign, hmac_verify_any, rsa_verify_any};
use crate::secret::ClientSecret;
use crate::signature::Signature;

/// The string-to-sign of the access-token calls (B2B and B2B2C): `client_id|X-TIMESTAMP`.
///
/// ```
/// assert_eq!(
///     ovo_sign::snap::token_string_to_sign("oamerchantg", "2022-10-24T13:42:13.092+07:00")?,
///     "oamerchantg|2022-10-24T13:42:13.092+07:00"
/// );
/// # Ok::<(), ovo_sign::InputError>(())
/// ```
pub fn token_string_to_sign(client_id: &str, timestamp: &str) -> Result<String, InputError> {
    checks::text_without("client_id", client_id, '|')?;
    checks::text("timestamp", timestamp)?;
    Ok(format!("{client_id}|{timestamp}"))
}

/// Signs an access-token request (`X-SIGNATURE` of `access-token/b2b` and `access-token/b2b2c`).
///
/// ```
/// # let pem = std::fs::read("tests/vectors/keys/rsa2048-pkcs1.pem").unwrap();
/// use ovo_sign::{PrivateKey, snap};
///
/// let key = PrivateKey::from_pem(&pem)?;
/// let signed = snap::sign_token(&key, "oamerchantg", "2022-10-24T13:42:13.092+07:00")?;
/// assert_eq!(signed.header_value().len(), 344); // 256 bytes, base64
/// snap::verify_token(&[key.public_key()], "oamerchantg", "2022-10-24T13:42:13.092+07:00", signed.header_value())?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn sign_token(
    key: &PrivateKey,
    client_id: &str,
    timestamp: &str,
) -> Result<Signature, SignError> {
    rsa_sign(key, token_string_to_sign(client_id, timestamp)?)
}

/// Verifies an access-token request's `X-SIGNATURE` against any of `keys` (several during rotation).
pub fn verify_token(
    keys: &[PublicKey],
    client_id: &str,
    timestamp: &str,
    signature: &str,
) -> Result<(), VerifyError> {
    let message = token_string_to_sign(client_id, timestamp)?;
    rsa_verify_any(
        keys,
        message.as_bytes(),
        &decode_base64_signature(signature)?,
    )
}

/// The inputs of a symmetric (HMAC-SHA512) service signature.
///
/// `Debug` redacts the access token.
///
/// ```
/// use ovo_sign::snap::ServiceRequest;
///
/// let request = ServiceRequest {
///     method: "POST",
///     path: "/OVOSNAP/v2.0/debit/status",
///     access_token: "b2b-token",
///     body: br#"{ "serviceCode": "54" }"#,
///     timestamp: "2022-10-24T13:42:13.092+07:00",
/// };
/// // The body is minified before hashing: the spaces above are not part of the hash.
/// let hash = ovo_sign::sha256_lower_hex(br#"{"serviceCode":"54"}"#);
/// assert_eq!(
///     request.string_to_sign()?,
///     format!("POST:/OVOSNAP/v2.0/debit/status:b2b-token:{hash}:2022-10-24T13:42:13.092+07:00")
/// );
/// # Ok::<(), ovo_sign::InputError>(())
/// ```
#[derive(Clone, Copy)]
pub struct ServiceRequest<'a> {
    /// HTTP method, upper case (`POST`).
    pub method: &'a str,
    /// The path as requested, without scheme and host, with the query string if one is sent.
    pub path: &'a str,
    /// The token sent in `Authorization`, without `Bearer `.
    pub access_token: &'a str,
    /// The body bytes exactly as sent; they are minified for the hash.
    pub body: &'a [u8],
    /// The `X-TIMESTAMP` header value, verbatim.
    pub timestamp: &'a str,
}

impl ServiceRequest<'_> {
    /// `METHOD:path:accessToken:lowerhex(sha256(minify(body))):X-TIMESTAMP`.
    pub fn string_to_sign(&self) -> Result<String, InputError> {
        self.string_to_sign_over(&minify(self.body)?)
    }

    fn string_to_sign_over(&self, minified: &[u8]) -> Result<String, InputError> {
        checks::token(self.access_token)?;
        service_string(
            self.method,
            self.path,
            Some(self.access_token),
            minified,
            self.timestamp,
        )
    }
}

impl fmt::Debug for ServiceRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("access_token", &"[redacted]")
            .field("body_len", &self.body.len())
            .field("timestamp", &self.timestamp)
            .finish()
    }
}

/// Signs a service call with HMAC-SHA512 keyed by the client secret.
///
/// ```
/// use ovo_sign::{ClientSecret, SignatureEncoding, snap};
///
/// let secret = ClientSecret::new("client-secret")?;
/// let request = snap::ServiceRequest {
///     method: "POST",
///     path: "/OVOSNAP/v2.0/balance-inquiry",
///     access_token: "b2b-token",
///     body: b"{}",
///     timestamp: "2022-10-24T13:42:13.092+07:00",
/// };
/// let base64 = snap::sign_service(&secret, &request, SignatureEncoding::Base64)?;
/// let hex = snap::sign_service(&secret, &request, SignatureEncoding::HexLower)?;
/// assert_eq!((base64.header_value().len(), hex.header_value().len()), (88, 128));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn sign_service(
    secret: &ClientSecret,
    request: &ServiceRequest<'_>,
    encoding: SignatureEncoding,
) -> Result<Signature, SignError> {
    let message = request.string_to_sign()?;
    let tag = hmac_sign(HMAC_SHA512, secret, message.as_bytes());
    Ok(Signature::new(message, encoding.encode(tag.as_ref())))
}

/// Signs a service call whose body the caller serialized compactly itself (`serde_json::to_vec`
/// writes no whitespace outside strings), so it is hashed as it is, without [`minify`](crate::minify).
///
/// The signature is the one [`sign_service`] computes for the same request: for a compact body,
/// minify returns the body unchanged. What is skipped is only the scan that finds that out. Use
/// [`sign_service`] for any body you did not serialize yourself (or one pretty-printed): a body
/// with whitespace between tokens would be hashed with it, and the provider would not accept the
/// signature.
///
/// ```
/// use ovo_sign::{ClientSecret, SignatureEncoding, snap};
///
/// #[derive(serde::Serialize)]
/// struct Inquiry<'a> { #[serde(rename = "serviceCode")] service_code: &'a str }
///
/// let body = serde_json::to_vec(&Inquiry { service_code: "54" })?; // compact: {"serviceCode":"54"}
/// let request = snap::ServiceRequest {
///     method: "POST",
///     path: "/OVOSNAP/v2.0/debit/status",
///     access_token: "b2b-token",
///     body: &body,
///     timestamp: "2022-10-24T13:42:13.092+07:00",
/// };
/// let secret = ClientSecret::new("client-secret")?;
/// let fast = snap::sign_service_compact(&secret, &request, SignatureEncoding::Base64)?;
/// let full = snap::sign_service(&secret, &request, SignatureEncoding::Base64)?;
/// assert_eq!(fast, full);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn sign_service_compact(
    secret: &ClientSecret,
    request: &ServiceRequest<'_>,
    encoding: SignatureEncoding,
) -> Result<Signature, SignError> {
    let message = request.string_to_sign_over(request.body)?;
    let tag = hmac_sign(HMAC_SHA512, secret, message.as_bytes());
    Ok(Signature::new(message, encoding.encode(tag.as_ref())))
}

/// The `X-SIGNATURE` value alone of a service call whose body the caller serialized compactly:
/// the header value [`sign_service_compact`] gives, with the string-to-sign streamed into the
/// HMAC part by part instead of built. Nothing is allocated but the value, and no copy of the
/// access token is left to wipe. For a signer that sends the header and needs no
/// [`Signature::string_to_sign`] to show.
///
/// ```
/// use ovo_sign::{ClientSecret, SignatureEncoding, snap};
///
/// let request = snap::ServiceRequest {
///     method: "POST",
///     path: "/OVOSNAP/v2.0/debit/status",
///     access_token: "b2b-token",
///     body: br#"{"serviceCode":"54"}"#,
///     timestamp: "2022-10-24T13:42:13.092+07:00",
/// };
/// let secret = ClientSecret::new("client-secret")?;
/// let value = snap::service_signature_compact(&secret, &request, SignatureEncoding::Base64)?;
/// let signed = snap::sign_service_compact(&secret, &request, SignatureEncoding::Base64)?;
/// assert_eq!(value, signed.header_value());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn service_signature_compact(
    secret: &ClientSecret,
    request: &ServiceRequest<'_>,
    encoding: SignatureEncoding,
) -> Result<String, SignError> {
    checks::token(request.access_token)?;
    check_service_parts(request.method, request.path, request.timestamp)?;
    let hex = sha256_lower_hex_bytes(request.body);
    let key = secret.hmac_key(HMAC_SHA512);
    let mut context = hmac::Context::with_key(&key);
    for part in [
        request.method.as_bytes(),
        b":",
        request.path.as_bytes(),
        b":",
        request.access_token.as_bytes(),
        b":",
        &hex,
        b":",
        request.timestamp.as_bytes(),
    ] {
        context.update(part);
    }
    Ok(encoding.encode(context.sign().as_ref()))
}

/// Verifies a service call's `X-SIGNATURE` against any of `secrets`, in constant time.
pub fn verify_service(
    secrets: &[ClientSecret],
    request: &ServiceRequest<'_>,
    encoding: SignatureEncoding,
    signature: &str,
) -> Result<(), VerifyError> {
    let message = request.string_to_sign()?;
    hmac_verify_any(
        HMAC_SHA512,
        secrets,
        message.as_bytes(),
        &encoding.decode(signature)?,
    )
}

/// The inputs of an asymmetric (SHA256withRSA) service signature: account binding, and the
/// notifications OVO sends to the partner.
///
/// ```
/// let request = ovo_sign::snap::RsaServiceRequest {
///     method: "POST",
///     path: "/OVOSNAP/v2.0/oauth/account/registration-account-binding",
///     body: b"{}",
///     timestamp: "2022-10-24T13:42:13.092+07:00",
/// };
/// assert_eq!(
///     request.string_to_sign()?,
///     format!(
///         "POST:/OVOSNAP/v2.0/oauth/account/registration-account-binding:{}:2022-10-24T13:42:13.092+07:00",
///         ovo_sign::sha256_lower_hex(b"{}")
///     )
/// );
/// # Ok::<(), ovo_sign::InputError>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct RsaServiceRequest<'a> {
    /// HTTP method, upper case (`POST`).
    pub method: &'a str,
    /// The path as requested, without scheme and host.
    pub path: &'a str,
    /// The body bytes exactly as sent; they are minified for the hash.
    pub body: &'a [u8],
    /// The `X-TIMESTAMP` header value, verbatim.
    pub timestamp: &'a str,
}

impl RsaServiceRequest<'_> {
    /// `METHOD:path:lowerhex(sha256(minify(body))):X-TIMESTAMP`.
    pub fn string_to_sign(&self) -> Result<String, InputError> {
        service_string(
            self.method,
            self.path,
            None,
            &minify(self.body)?,
            self.timestamp,
        )
    }
}

/// Signs an asymmetric service call (account binding) with SHA256withRSA.
///
/// ```
/// # let pem = std::fs::read("tests/vectors/keys/rsa2048-pkcs8.pem").unwrap();
/// use ovo_sign::{PrivateKey, snap};
///
/// let key = PrivateKey::from_pem(&pem)?;
/// let request = snap::RsaServiceRequest {
///     method: "POST",
///     path: "/OVOSNAP/v2.0/oauth/account/registration-account-binding",
///     body: br#"{"phoneNo":"081234567890"}"#,
///     timestamp: "2022-10-24T13:42:13.092+07:00",
/// };
/// let signed = snap::sign_rsa_service(&key, &request)?;
/// snap::verify_rsa_service(&[key.public_key()], &request, signed.header_value())?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn sign_rsa_service(
    key: &PrivateKey,
    request: &RsaServiceRequest<'_>,
) -> Result<Signature, SignError> {
    rsa_sign(key, request.string_to_sign()?)
}

/// Verifies an asymmetric service call's `X-SIGNATURE` against any of `keys`.
pub fn verify_rsa_service(
    keys: &[PublicKey],
    request: &RsaServiceRequest<'_>,
    signature: &str,
) -> Result<(), VerifyError> {
    let message = request.string_to_sign()?;
    rsa_verify_any(
        keys,
        message.as_bytes(),
        &decode_base64_signature(signature)?,
    )
}

/// The parts of every service string-to-sign that are checked the same way.
fn check_service_parts(method: &str, path: &str, timestamp: &str) -> Result<(), InputError> {
    checks::method(method)?;
    checks::path("path", path)?;
    checks::text("timestamp", timestamp)
}

/// `METHOD:path[:accessToken]:lowerhex(sha256(minified)):X-TIMESTAMP`, over a body already minified.
fn service_string(
    method: &str,
    path: &str,
    access_token: Option<&str>,
    minified: &[u8],
    timestamp: &str,
) -> Result<String, InputError> {
    check_service_parts(method, path, timestamp)?;
    let token_len = access_token.map_or(0, |token| token.len() + 1);
    let mut text =
        String::with_capacity(method.len() + path.len() + token_len + 64 + timestamp.len() + 3);
    for part in [method, ":", path, ":"] {
        text.push_str(part);
    }
    if let Some(token) = access_token {
        text.push_str(token);
        text.push(':');
    }
    push_sha256_lower_hex(&mut text, minified);
    text.push(':');
    text.push_str(timestamp);
    Ok(text)
}

fn rsa_sign(key: &PrivateKey, message: String) -> Result<Signature, SignError> {
    let signature = key.sign_sha256(message.as_bytes())?;
    Ok(Signature::new(
        message,
        SignatureEncoding::Base64.encode(&signature),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_service_request_debugs_its_shape_not_its_token() {
        let request = ServiceRequest {
            method: "POST",
            path: "/v1.0/balance-inquiry",
            access_token: "tok-canary-1234",
            body: b"{}",
            timestamp: "2024-01-01T07:00:00.000+07:00",
        };
        let debug = format!("{request:?}");
        assert!(!debug.contains("tok-canary-1234"), "{debug}");
        assert!(
            debug.contains("[redacted]") && debug.contains("body_len: 2"),
            "{debug}"
        );
        assert!(debug.contains("/v1.0/balance-inquiry"), "{debug}");
    }
}
