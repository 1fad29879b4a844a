//! Turning a [`Call`] into a signed `http::Request`: the only place headers are written.

use std::borrow::Cow;
use std::fmt;

use bytes::Bytes;
use http::header::{AUTHORIZATION, CONTENT_TYPE};
use http::{HeaderMap, HeaderName, HeaderValue, Request, Uri};
use ovo_model::Secret;
use ovo_model::snap::ExternalId;
use ovo_sign::{ClientSecret, PrivateKey, snap};
use time::OffsetDateTime;

use crate::OvoEndpoint;
use crate::call::{Authorization, Call, Target};
use crate::config::{DokuConfig, SnapConfig};
use crate::error::FlowError;

/// The catalogue's header names (`ovo_model::endpoint::header`) as `HeaderName`s made at compile
/// time, so that signing a call parses no header name. Lowercase, as hyper writes them: header
/// names are case-insensitive, and a test checks each against the catalogue.
mod header {
    use http::HeaderName;

    pub(super) const X_TIMESTAMP: HeaderName = HeaderName::from_static("x-timestamp");
    pub(super) const X_SIGNATURE: HeaderName = HeaderName::from_static("x-signature");
    pub(super) const X_CLIENT_KEY: HeaderName = HeaderName::from_static("x-client-key");
    pub(super) const X_PARTNER_ID: HeaderName = HeaderName::from_static("x-partner-id");
    pub(super) const X_EXTERNAL_ID: HeaderName = HeaderName::from_static("x-external-id");
    pub(super) const CHANNEL_ID: HeaderName = HeaderName::from_static("channel-id");
    pub(super) const X_DEVICE_ID: HeaderName = HeaderName::from_static("x-device-id");
    pub(super) const CLIENT_ID: HeaderName = HeaderName::from_static("client-id");
    pub(super) const REQUEST_ID: HeaderName = HeaderName::from_static("request-id");
    pub(super) const REQUEST_TIMESTAMP: HeaderName = HeaderName::from_static("request-timestamp");
    pub(super) const SIGNATURE: HeaderName = HeaderName::from_static("signature");

    #[cfg(test)]
    mod tests {
        use ovo_model::endpoint::header as catalogue;

        #[test]
        fn typed_names_are_the_catalogues() {
            let pairs = [
                (super::X_TIMESTAMP, catalogue::X_TIMESTAMP),
                (super::X_SIGNATURE, catalogue::X_SIGNATURE),
                (super::X_CLIENT_KEY, catalogue::X_CLIENT_KEY),
                (super::X_PARTNER_ID, catalogue::X_PARTNER_ID),
                (super::X_EXTERNAL_ID, catalogue::X_EXTERNAL_ID),
                (super::CHANNEL_ID, catalogue::CHANNEL_ID),
                (super::X_DEVICE_ID, catalogue::X_DEVICE_ID),
                (super::CLIENT_ID, catalogue::CLIENT_ID),
                (super::REQUEST_ID, catalogue::REQUEST_ID),
                (super::REQUEST_TIMESTAMP, catalogue::REQUEST_TIMESTAMP),
                (super::SIGNATURE, catalogue::SIGNATURE),
            ];
            for (typed, name) in pairs {
                // `HeaderName == &str` ignores case, as HTTP does.
                assert_eq!(typed, name);
                assert_eq!(typed.as_str(), name.to_ascii_lowercase());
            }
        }
    }
}

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
    let mut value = plain(value)?;
    value.set_sensitive(true);
    Ok(value)
}

fn plain(value: &str) -> Result<HeaderValue, FlowError> {
    HeaderValue::from_str(value).map_err(|_| FlowError::InvalidHeader)
}

/// A header value made from a `String` it takes over, so the bytes are not copied again.
fn owned(value: String, is_sensitive: bool) -> Result<HeaderValue, FlowError> {
    let mut value = HeaderValue::try_from(value).map_err(|_| FlowError::InvalidHeader)?;
    value.set_sensitive(is_sensitive);
    Ok(value)
}

/// Signs SNAP calls for one configuration, with what every call shares made once: each
/// endpoint's path and URI, and the header values of the client id, `CHANNEL-ID` and
/// `X-DEVICE-ID`. [`sign`](Self::sign) gives the same request as [`sign_snap`] with less work per
/// call (no URI parsed, no constant header copied); the client signs with one.
///
/// ```
/// # let pem = std::fs::read("../ovo-sign/tests/vectors/keys/rsa2048-pkcs8.pem").unwrap();
/// use ovo_flows::{SnapConfig, SnapCredentials, SnapSigner, Stamp};
///
/// let config = SnapConfig::builder("http://127.0.0.1:9", "oamerchantg")
///     .callback_url("https://merchant.example/cb").build()?;
/// let credentials = SnapCredentials {
///     private_key: ovo_sign::PrivateKey::from_pem(&pem)?,
///     client_secret: ovo_sign::ClientSecret::new("secret")?,
/// };
/// let signer = SnapSigner::new(config);
/// let call = ovo_flows::calls::b2b_token()?;
/// let stamp = Stamp { now: time::OffsetDateTime::now_utc(), external_id: ovo_model::snap::ExternalId::new("1")? };
/// let request = signer.sign(&credentials, &call, None, &stamp)?;
/// assert_eq!(request.uri(), "http://127.0.0.1:9/OVOSNAP/v1.0/access-token/b2b");
/// let same = ovo_flows::sign_snap(signer.config(), &credentials, &call, None, &stamp)?;
/// assert_eq!((request.uri(), request.headers()), (same.uri(), same.headers()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct SnapSigner {
    config: SnapConfig,
    prepared: Prepared,
}

impl SnapSigner {
    /// Prepares `config`. What cannot be prepared (a value no header may carry) is left to each
    /// call, which reports it as [`sign_snap`] does.
    pub fn new(config: SnapConfig) -> Self {
        let prepared = Prepared::new(&config);
        Self { config, prepared }
    }

    /// The configuration it signs for.
    pub fn config(&self) -> &SnapConfig {
        &self.config
    }

    /// Signs a SNAP call, as [`sign_snap`] does with this signer's configuration.
    pub fn sign(
        &self,
        credentials: &SnapCredentials,
        call: &Call,
        token: Option<&Secret>,
        stamp: &Stamp,
    ) -> Result<Request<Bytes>, FlowError> {
        sign_with(
            &self.config,
            Some(&self.prepared),
            credentials,
            call,
            token,
            stamp,
        )
    }
}

/// What [`SnapSigner`] makes once.
#[derive(Debug, Clone)]
struct Prepared {
    /// One per endpoint of [`OvoEndpoint::ALL`].
    routes: Vec<Route>,
    /// Per kind of call (service or token call, with or without a bearer token), its headers:
    /// the constant ones with their values, then the call's own with empty values, to be filled
    /// in place; and how many are constant. `None` when a constant value cannot be a header value.
    templates: [Option<(HeaderMap, usize)>; 4],
}

/// An endpoint's signed path, and its URI without a query when it parses.
#[derive(Debug, Clone)]
struct Route {
    endpoint: OvoEndpoint,
    path: String,
    uri: Option<Uri>,
}

impl Prepared {
    fn new(config: &SnapConfig) -> Self {
        let routes = OvoEndpoint::ALL
            .iter()
            .map(|&endpoint| {
                let path = config.path(endpoint);
                let uri = full_uri(config, &path);
                Route {
                    endpoint,
                    path,
                    uri,
                }
            })
            .collect();
        let template = |token_call: bool, bearer: bool| {
            let mut headers = constant_headers(config, token_call).ok()?;
            let constant = headers.len();
            let empty = || HeaderValue::from_static("");
            headers.insert(header::X_TIMESTAMP, empty());
            if !token_call {
                headers.insert(header::X_EXTERNAL_ID, empty());
            }
            headers.insert(header::X_SIGNATURE, empty());
            if bearer {
                headers.insert(AUTHORIZATION, empty());
            }
            Some((headers, constant))
        };
        Self {
            routes,
            templates: [
                template(false, false),
                template(false, true),
                template(true, false),
                template(true, true),
            ],
        }
    }

    fn route(&self, endpoint: OvoEndpoint) -> Option<&Route> {
        self.routes.iter().find(|route| route.endpoint == endpoint)
    }

    /// The template for a kind of call, and how many of its headers are constant.
    fn template(&self, token_call: bool, bearer: bool) -> Option<&(HeaderMap, usize)> {
        self.templates[usize::from(token_call) * 2 + usize::from(bearer)].as_ref()
    }
}

/// The configuration's base URL followed by `path` (with its query, if any), if that is a URI.
fn full_uri(config: &SnapConfig, path: &str) -> Option<Uri> {
    let mut uri = String::with_capacity(config.base_url.len() + path.len());
    uri.push_str(&config.base_url);
    uri.push_str(path);
    Uri::try_from(uri).ok()
}

/// The headers that are the same on every call of a kind: `Content-Type`, and the client id as
/// `X-CLIENT-KEY` (token calls) or as `X-PARTNER-ID` with `CHANNEL-ID` and `X-DEVICE-ID` (service
/// calls). The table has room for the four a call adds, so it never grows.
fn constant_headers(config: &SnapConfig, token_call: bool) -> Result<HeaderMap, FlowError> {
    let mut headers = HeaderMap::with_capacity(12);
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if token_call {
        headers.insert(header::X_CLIENT_KEY, plain(&config.client_id)?);
    } else {
        headers.insert(header::X_PARTNER_ID, plain(&config.client_id)?);
        headers.insert(header::CHANNEL_ID, plain(config.channel_id.as_str())?);
        headers.insert(header::X_DEVICE_ID, plain(config.device_id.as_str())?);
    }
    Ok(headers)
}

/// Signs a SNAP call. `token` is the credential the driver supplies for
/// [`Authorization::B2b`] (the partner's B2B token) and [`Authorization::Customer`] (the
/// customer's access token); other calls carry their own or need none. A driver signing many
/// calls with one configuration uses a [`SnapSigner`], which gives the same requests faster.
///
/// ```
/// # let pem = std::fs::read("../ovo-sign/tests/vectors/keys/rsa2048-pkcs8.pem").unwrap();
/// use ovo_flows::{SnapConfig, SnapCredentials, Stamp};
///
/// let config = SnapConfig::builder("http://127.0.0.1:9", "oamerchantg")
///     .callback_url("https://merchant.example/cb").build()?;
/// let credentials = SnapCredentials {
///     private_key: ovo_sign::PrivateKey::from_pem(&pem)?,
///     client_secret: ovo_sign::ClientSecret::new("secret")?,
/// };
/// let call = ovo_flows::calls::b2b_token()?;
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
    token: Option<&Secret>,
    stamp: &Stamp,
) -> Result<Request<Bytes>, FlowError> {
    sign_with(config, None, credentials, call, token, stamp)
}

fn sign_with(
    config: &SnapConfig,
    prepared: Option<&Prepared>,
    credentials: &SnapCredentials,
    call: &Call,
    token: Option<&Secret>,
    stamp: &Stamp,
) -> Result<Request<Bytes>, FlowError> {
    let Target::Ovo { endpoint, query } = &call.target else {
        return Err(FlowError::UnexpectedEvent(
            "a DOKU call is signed with sign_doku",
        ));
    };
    let route = prepared.and_then(|p| p.route(*endpoint));
    // OVO's own GET endpoints sign the path with its query [I].
    let (signed_path, uri) = match (route, query) {
        (
            Some(Route {
                path,
                uri: Some(uri),
                ..
            }),
            None,
        ) => (Cow::Borrowed(path.as_str()), uri.clone()),
        (route, query) => {
            let mut path = route.map_or_else(|| config.path(*endpoint), |r| r.path.clone());
            if let Some(query) = query {
                path.push('?');
                path.push_str(query);
            }
            let uri = full_uri(config, &path).ok_or(FlowError::InvalidHeader)?;
            (Cow::Owned(path), uri)
        }
    };
    let timestamp = config.timestamp_format.format(stamp.now)?;
    let method = call.method();
    let bearer: Option<&Secret> = match &call.authorization {
        Authorization::TokenCall(bearer) => bearer.as_ref(),
        Authorization::Rsa => None,
        Authorization::Bearer(token) => Some(token),
        Authorization::B2b => {
            Some(token.ok_or(FlowError::MissingCredential("partner's B2B token"))?)
        }
        Authorization::Customer => {
            Some(token.ok_or(FlowError::MissingCredential("customer's access token"))?)
        }
        Authorization::Doku => {
            return Err(FlowError::UnexpectedEvent(
                "a DOKU call is signed with sign_doku",
            ));
        }
    };
    let token_call = matches!(call.authorization, Authorization::TokenCall(_));
    let signature = match &call.authorization {
        Authorization::TokenCall(_) => {
            snap::sign_token(&credentials.private_key, &config.client_id, &timestamp)?
                .into_header_value()
        }
        Authorization::Rsa => {
            let signed = snap::RsaServiceRequest {
                method: method.as_str(),
                path: &signed_path,
                body: &call.body,
                timestamp: &timestamp,
            };
            snap::sign_rsa_service(&credentials.private_key, &signed)?.into_header_value()
        }
        _ => {
            let signed = snap::ServiceRequest {
                method: method.as_str(),
                path: &signed_path,
                access_token: bearer.map_or("", |t| t.expose()),
                body: &call.body,
                timestamp: &timestamp,
            };
            // Only the value is sent: the string-to-sign is streamed into the HMAC, not built.
            snap::service_signature_compact(
                &credentials.client_secret,
                &signed,
                config.signature_encoding,
            )?
        }
    };
    let authorization = match bearer {
        Some(token) => {
            let mut value = String::with_capacity(7 + token.expose().len());
            value.push_str("Bearer ");
            value.push_str(token.expose());
            Some(owned(value, true)?)
        }
        None => None,
    };
    let external_id = if token_call {
        None
    } else {
        Some(plain(stamp.external_id.as_str())?)
    };
    let own = [
        (header::X_TIMESTAMP, Some(owned(timestamp, false)?)),
        (header::X_EXTERNAL_ID, external_id),
        (header::X_SIGNATURE, Some(owned(signature, true)?)),
        (AUTHORIZATION, authorization),
    ];
    let headers = match prepared.and_then(|p| p.template(token_call, bearer.is_some())) {
        Some((template, constant)) => fill(template.clone(), *constant, own),
        None => {
            let headers = constant_headers(config, token_call)?;
            let constant = headers.len();
            fill(headers, constant, own)
        }
    };
    let mut request = Request::new(call.body.clone());
    *request.method_mut() = method;
    *request.uri_mut() = uri;
    *request.headers_mut() = headers;
    Ok(request)
}

/// Writes a call's own header values into `headers`: in place where the map already has the
/// name (a prepared template, so nothing is hashed or moved), else inserted after the others.
/// The first `constant` headers are not looked at: the template writes them first. (Were they
/// in another order, a value not found in place is inserted, which replaces the empty one.)
fn fill(
    mut headers: HeaderMap,
    constant: usize,
    mut own: [(HeaderName, Option<HeaderValue>); 4],
) -> HeaderMap {
    for (name, value) in headers.iter_mut().skip(constant) {
        if let Some((_, slot)) = own.iter_mut().find(|(own, _)| own == name)
            && let Some(own) = slot.take()
        {
            *value = own;
        }
    }
    for (name, value) in own {
        if let Some(value) = value {
            headers.insert(name, value);
        }
    }
    // Every template value is a placeholder until filled: one left empty is a template that
    // names a header this kind of call does not send.
    debug_assert!(
        headers.values().all(|value| !value.is_empty()),
        "a prepared header was left empty (names: {:?})",
        headers.keys().collect::<Vec<_>>()
    );
    headers
}

/// Signs a DOKU call: `Client-Id`, `Request-Id` (the call's), `Request-Timestamp`, `Signature`
/// over the exact body bytes.
///
/// ```
/// use ovo_flows::{Authorization, Call, Resend, Target};
/// let config = ovo_flows::DokuConfig::new("http://127.0.0.1:9", "MCH-0001-10791114622547")?;
/// let secret = ovo_sign::ClientSecret::new("SK-9sCrJ1kdYUJAYlsJKlqz")?;
/// let now = time::macros::datetime!(2020-08-11 08:45:42 UTC);
/// let call = Call {
///     target: Target::Doku { endpoint: ovo_flows::DokuEndpoint::Balance, request_id: "15022aab-444f-4b04-afa8-ddfce89432ec".into() },
///     body: bytes::Bytes::new(), authorization: Authorization::Doku, resend: Resend::Safe,
/// };
/// let request = ovo_flows::sign_doku(&config, &secret, &call, now)?;
/// assert_eq!(request.headers()["Signature"], "HMACSHA256=OQ6oQjPrc9Rt11JGTQyeh9n+dRFdlAB43B0AZj6kwz4=");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn sign_doku(
    config: &DokuConfig,
    secret: &ClientSecret,
    call: &Call,
    now: OffsetDateTime,
) -> Result<Request<Bytes>, FlowError> {
    let Target::Doku {
        endpoint,
        request_id,
    } = &call.target
    else {
        return Err(FlowError::UnexpectedEvent(
            "a SNAP call is signed with sign_snap",
        ));
    };
    let path = endpoint.path();
    let timestamp = ovo_sign::format_doku_timestamp(now)?;
    let components = ovo_sign::doku::Components::post(
        &config.client_id,
        request_id,
        &timestamp,
        path,
        &call.body,
    );
    let signature = ovo_sign::doku::sign(secret, &components)?;
    let mut request = Request::post(format!("{}{path}", config.base_url))
        .body(call.body.clone())
        .map_err(|_| FlowError::InvalidHeader)?;
    let headers = request.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(header::CLIENT_ID, plain(&config.client_id)?);
    headers.insert(header::REQUEST_ID, plain(request_id)?);
    headers.insert(header::REQUEST_TIMESTAMP, plain(&timestamp)?);
    headers.insert(header::SIGNATURE, sensitive(signature.header_value())?);
    Ok(request)
}
