//! Turning a [`Call`] into a signed `http::Request`: the only place headers are written.

use std::fmt;

use http::header::{AUTHORIZATION, CONTENT_TYPE};
use http::{HeaderValue, Request};
use ovo_model::Secret;
use ovo_model::snap::ExternalId;
use ovo_sign::{ClientSecret, PrivateKey, snap};
use time::OffsetDateTime;

use crate::call::{Authorization, Call, Target};
use crate::config::{DokuConfig, SnapConfig};
use crate::error::FlowError;

/// The partner's SNAP signing material.
pub struct SnapCredentials {
    /// Signs token and binding requests (SHA256withRSA).
    pub private_key: PrivateKey,
    /// Keys the symmetric signature (HMAC-SHA512).
    pub client_secret: ClientSecret,
}

impl fmt::Debug for SnapCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SnapCredentials")
            .field("private_key", &self.private_key)
            .field("client_secret", &self.client_secret)
            .finish()
    }
}

/// What changes per request: the time and a fresh `X-EXTERNAL-ID`.
#[derive(Debug, Clone)]
pub struct Stamp {
    /// Now, from the caller's clock.
    pub now: OffsetDateTime,
    /// Unique per day \[P\].
    pub external_id: ExternalId,
}

fn sensitive(value: &str) -> Result<HeaderValue, FlowError> {
    let mut value = HeaderValue::from_str(value).map_err(|_| FlowError::InvalidHeader)?;
    value.set_sensitive(true);
    Ok(value)
}

fn plain(value: &str) -> Result<HeaderValue, FlowError> {
    HeaderValue::from_str(value).map_err(|_| FlowError::InvalidHeader)
}

/// Signs a SNAP call. `b2b` is the partner's B2B token, needed for [`Authorization::B2b`].
///
/// ```
/// # let pem = std::fs::read("../ovo-sign/tests/vectors/keys/rsa2048-pkcs8.pem").unwrap();
/// use ovo_flows::{Authorization, Call, SnapConfig, SnapCredentials, SnapEndpoint, Stamp, Target};
///
/// let config = SnapConfig::new("http://127.0.0.1:9", "oamerchantg");
/// let credentials = SnapCredentials {
///     private_key: ovo_sign::PrivateKey::from_pem(&pem)?,
///     client_secret: ovo_sign::ClientSecret::new("secret")?,
/// };
/// let call = Call {
///     method: http::Method::POST,
///     target: Target::Snap(SnapEndpoint::B2bToken),
///     body: br#"{"grantType":"client_credentials"}"#.to_vec(),
///     authorization: Authorization::TokenCall(None),
///     moves_money: false,
/// };
/// let stamp = Stamp { now: time::OffsetDateTime::now_utc(), external_id: ovo_model::snap::ExternalId::new("1")? };
/// let request = ovo_flows::sign_snap(&config, &credentials, &call, None, &stamp)?;
/// assert_eq!(request.uri(), "http://127.0.0.1:9/OVOSNAP/v1.0/access-token/b2b");
/// assert!(request.headers()["X-SIGNATURE"].is_sensitive());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn sign_snap(
    config: &SnapConfig,
    credentials: &SnapCredentials,
    call: &Call,
    b2b: Option<&Secret>,
    stamp: &Stamp,
) -> Result<Request<Vec<u8>>, FlowError> {
    let path = match &call.target {
        Target::Snap(endpoint) => config.path(*endpoint),
        Target::Path(path) => path.clone(),
    };
    let timestamp = config.timestamp_format.format(stamp.now)?;
    let mut request = Request::builder()
        .method(call.method.clone())
        .uri(format!("{}{path}", config.base_url))
        .body(call.body.clone())
        .map_err(|_| FlowError::InvalidHeader)?;
    let headers = request.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert("X-TIMESTAMP", plain(&timestamp)?);
    let bearer = match &call.authorization {
        Authorization::TokenCall(bearer) => bearer.clone(),
        Authorization::Rsa => None,
        Authorization::Bearer(token) => Some(token.clone()),
        Authorization::B2b => Some(b2b.cloned().ok_or(FlowError::MissingB2bToken)?),
    };
    let signature = match (&call.authorization, &bearer) {
        (Authorization::TokenCall(_), _) => {
            headers.insert("X-CLIENT-KEY", plain(&config.client_id)?);
            snap::sign_token(&credentials.private_key, &config.client_id, &timestamp)?
        }
        (Authorization::Rsa, _) => {
            service_headers(headers, config, stamp)?;
            let signed = snap::RsaServiceRequest {
                method: call.method.as_str(),
                path: &path,
                body: &call.body,
                timestamp: &timestamp,
            };
            snap::sign_rsa_service(&credentials.private_key, &signed)?
        }
        (_, token) => {
            service_headers(headers, config, stamp)?;
            let signed = snap::ServiceRequest {
                method: call.method.as_str(),
                path: &path,
                access_token: token.as_ref().map_or("", |t| t.expose()),
                body: &call.body,
                timestamp: &timestamp,
            };
            snap::sign_service_compact(
                &credentials.client_secret,
                &signed,
                config.signature_encoding,
            )?
        }
    };
    let signature = signature.into_header_value();
    headers.insert("X-SIGNATURE", sensitive(&signature)?);
    if let Some(token) = bearer {
        headers.insert(
            AUTHORIZATION,
            sensitive(&format!("Bearer {}", token.expose()))?,
        );
    }
    Ok(request)
}

fn service_headers(
    headers: &mut http::HeaderMap,
    config: &SnapConfig,
    stamp: &Stamp,
) -> Result<(), FlowError> {
    headers.insert("X-PARTNER-ID", plain(&config.client_id)?);
    headers.insert("X-EXTERNAL-ID", plain(stamp.external_id.as_str())?);
    headers.insert("CHANNEL-ID", plain(&config.channel_id)?);
    headers.insert("X-DEVICE-ID", plain(&config.device_id)?);
    Ok(())
}

/// Signs a DOKU request: `Client-Id`, `Request-Id`, `Request-Timestamp`, `Signature` over the
/// exact body bytes.
///
/// ```
/// let config = ovo_flows::DokuConfig::new("http://127.0.0.1:9", "MCH-0001-10791114622547");
/// let secret = ovo_sign::ClientSecret::new("SK-9sCrJ1kdYUJAYlsJKlqz")?;
/// let now = time::macros::datetime!(2020-08-11 08:45:42 UTC);
/// let request = ovo_flows::sign_doku(&config, &secret, "/ovo-open-api/v1/balance", Vec::new(),
///     "15022aab-444f-4b04-afa8-ddfce89432ec", now)?;
/// assert_eq!(request.headers()["Signature"], "HMACSHA256=OQ6oQjPrc9Rt11JGTQyeh9n+dRFdlAB43B0AZj6kwz4=");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn sign_doku(
    config: &DokuConfig,
    secret: &ClientSecret,
    path: &str,
    body: Vec<u8>,
    request_id: &str,
    now: OffsetDateTime,
) -> Result<Request<Vec<u8>>, FlowError> {
    let timestamp = ovo_sign::format_doku_timestamp(now)?;
    let components =
        ovo_sign::doku::Components::post(&config.client_id, request_id, &timestamp, path, &body);
    let signature = ovo_sign::doku::sign(secret, &components)?;
    let mut request = Request::post(format!("{}{path}", config.base_url))
        .body(body)
        .map_err(|_| FlowError::InvalidHeader)?;
    let headers = request.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert("Client-Id", plain(&config.client_id)?);
    headers.insert("Request-Id", plain(request_id)?);
    headers.insert("Request-Timestamp", plain(&timestamp)?);
    headers.insert("Signature", sensitive(signature.header_value())?);
    Ok(request)
}
