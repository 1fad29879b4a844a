//! Where the provider is and how to talk to it: base URLs, per-endpoint versions, header values,
//! signature encoding and timestamp format. Every \[I\] choice is a field here, not a constant.

use std::collections::BTreeMap;

use ovo_model::endpoint::OvoEndpoint;
use ovo_model::snap::{ChannelId, DeviceId};
use ovo_sign::{SignatureEncoding, SnapTimestampFormat};

/// Why a configuration was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A URL is not an absolute `http` or `https` URL with a host.
    #[error("{field} is not an absolute http(s) URL: {value}")]
    Url {
        /// The setting's name, e.g. `base_url`.
        field: &'static str,
        /// The value as given, for the error message.
        value: String,
    },
    /// A required setting is missing.
    #[error("{0} is required")]
    Missing(&'static str),
    /// A header value breaks its documented rule.
    #[error("{0}")]
    Header(ovo_model::FieldError),
}

// The cause is in the message, so it is not also a `source()`: an error report that walks the
// chain (anyhow's `{:#}`, eyre) would print it twice.
impl From<ovo_model::FieldError> for ConfigError {
    fn from(error: ovo_model::FieldError) -> Self {
        Self::Header(error)
    }
}

/// An absolute `http(s)` URL with a host, without a trailing `/`.
fn checked_url(field: &'static str, value: &str) -> Result<String, ConfigError> {
    let bad = || ConfigError::Url {
        field,
        value: value.to_owned(),
    };
    let uri: http::Uri = value.parse().map_err(|_| bad())?;
    let scheme_ok = matches!(uri.scheme_str(), Some("http" | "https"));
    if !scheme_ok || uri.host().is_none_or(str::is_empty) {
        return Err(bad());
    }
    Ok(value.trim_end_matches('/').to_owned())
}

/// The configuration of OVO direct (SNAP), built and checked by [`SnapConfigBuilder`].
///
/// ```
/// use ovo_model::endpoint::OvoEndpoint;
/// let config = ovo_flows::SnapConfig::builder("https://app.byte-stack.net", "oamerchantg")
///     .callback_url("https://merchant.example/ovo/callback")
///     .build()?;
/// assert_eq!(config.path(OvoEndpoint::B2bToken), "/OVOSNAP/v1.0/access-token/b2b");
/// assert_eq!(config.path(OvoEndpoint::Debit), "/OVOSNAP/v2.0/debit/payment-host-to-host");
/// assert!(ovo_flows::SnapConfig::builder("app.byte-stack.net", "c").callback_url("https://m.example/cb").build().is_err());
/// # Ok::<(), ovo_flows::ConfigError>(())
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SnapConfig {
    /// `https://app.byte-stack.net` (staging) or `https://apigw.ovo.id` (production) \[P\].
    pub base_url: String,
    /// The client id: `X-CLIENT-KEY` and `X-PARTNER-ID` \[P\].
    pub client_id: String,
    /// `merchantId` of binding requests: the client id unless told otherwise \[I\].
    pub merchant_id: String,
    /// `CHANNEL-ID`, at most 5 characters, assigned by the provider \[P\].
    pub channel_id: ChannelId,
    /// `X-DEVICE-ID`, mandatory for OVO \[P\].
    pub device_id: DeviceId,
    /// The version segment of each SNAP endpoint that differs from its documented default.
    pub versions: BTreeMap<OvoEndpoint, String>,
    /// Encoding of the symmetric signature: base64 by default; OVO's FAQ sample is hex \[I\].
    pub signature_encoding: SignatureEncoding,
    /// `X-TIMESTAMP` format: OVO's `yyyy-MM-ddTHH:mm:ss.SSS+07:00` \[P\].
    pub timestamp_format: SnapTimestampFormat,
    /// Where the webview returns to: one of the callback URLs registered with OVO \[S\].
    pub callback_url: String,
}

impl SnapConfig {
    /// A builder with OVO's documented defaults.
    pub fn builder(base_url: impl Into<String>, client_id: impl Into<String>) -> SnapConfigBuilder {
        SnapConfigBuilder {
            base_url: base_url.into(),
            client_id: client_id.into(),
            merchant_id: None,
            channel_id: ovo_model::snap::DEFAULT_CHANNEL_ID.to_owned(),
            device_id: "ovo-rs".to_owned(),
            versions: BTreeMap::new(),
            signature_encoding: SignatureEncoding::Base64,
            timestamp_format: SnapTimestampFormat::OVO,
            callback_url: None,
        }
    }

    /// A builder for OVO's staging, `https://app.byte-stack.net` \[P\].
    ///
    /// ```
    /// let config = ovo_flows::SnapConfig::staging("c").callback_url("https://m.example/cb").build()?;
    /// assert_eq!(config.base_url, "https://app.byte-stack.net");
    /// # Ok::<(), ovo_flows::ConfigError>(())
    /// ```
    pub fn staging(client_id: impl Into<String>) -> SnapConfigBuilder {
        Self::builder("https://app.byte-stack.net", client_id)
    }

    /// A builder for OVO's production, `https://apigw.ovo.id` \[P\].
    pub fn production(client_id: impl Into<String>) -> SnapConfigBuilder {
        Self::builder("https://apigw.ovo.id", client_id)
    }

    /// The version of an endpoint: the configured one, else the documented default.
    pub fn version(&self, endpoint: OvoEndpoint) -> &str {
        self.versions
            .get(&endpoint)
            .map_or(endpoint.default_version(), String::as_str)
    }

    /// The path of an endpoint (no query).
    pub fn path(&self, endpoint: OvoEndpoint) -> String {
        endpoint.path(self.version(endpoint))
    }
}

/// Builds a [`SnapConfig`]; [`build`](Self::build) checks it.
#[derive(Debug, Clone)]
pub struct SnapConfigBuilder {
    base_url: String,
    client_id: String,
    merchant_id: Option<String>,
    channel_id: String,
    device_id: String,
    versions: BTreeMap<OvoEndpoint, String>,
    signature_encoding: SignatureEncoding,
    timestamp_format: SnapTimestampFormat,
    callback_url: Option<String>,
}

impl SnapConfigBuilder {
    /// The callback URL registered with OVO (required).
    pub fn callback_url(mut self, url: impl Into<String>) -> Self {
        self.callback_url = Some(url.into());
        self
    }

    /// `merchantId` of binding requests, when OVO gave one other than the client id.
    pub fn merchant_id(mut self, id: impl Into<String>) -> Self {
        self.merchant_id = Some(id.into());
        self
    }

    /// `CHANNEL-ID` (default `95221`).
    pub fn channel_id(mut self, id: impl Into<String>) -> Self {
        self.channel_id = id.into();
        self
    }

    /// `X-DEVICE-ID` (default `ovo-rs`).
    pub fn device_id(mut self, id: impl Into<String>) -> Self {
        self.device_id = id.into();
        self
    }

    /// The version segment of one endpoint (the FAQ's examples use `v1.0` throughout \[S\]).
    pub fn version(mut self, endpoint: OvoEndpoint, version: impl Into<String>) -> Self {
        self.versions.insert(endpoint, version.into());
        self
    }

    /// The symmetric signature's encoding.
    pub fn signature_encoding(mut self, encoding: SignatureEncoding) -> Self {
        self.signature_encoding = encoding;
        self
    }

    /// The `X-TIMESTAMP` format.
    pub fn timestamp_format(mut self, format: SnapTimestampFormat) -> Self {
        self.timestamp_format = format;
        self
    }

    /// Checks and builds: the base and callback URLs must be absolute `http(s)` URLs, the client
    /// id and merchant id non-empty, the header values within their documented limits.
    pub fn build(self) -> Result<SnapConfig, ConfigError> {
        if self.client_id.trim().is_empty() {
            return Err(ConfigError::Missing("client_id"));
        }
        let callback = self
            .callback_url
            .ok_or(ConfigError::Missing("callback_url"))?;
        let merchant_id = self.merchant_id.unwrap_or_else(|| self.client_id.clone());
        if merchant_id.trim().is_empty() {
            return Err(ConfigError::Missing("merchant_id"));
        }
        Ok(SnapConfig {
            base_url: checked_url("base_url", &self.base_url)?,
            callback_url: checked_url("callback_url", &callback)?,
            merchant_id,
            client_id: self.client_id,
            channel_id: ChannelId::new(self.channel_id)?,
            device_id: DeviceId::new(self.device_id)?,
            versions: self.versions,
            signature_encoding: self.signature_encoding,
            timestamp_format: self.timestamp_format,
        })
    }
}

/// The configuration of DOKU OVO Recurring.
///
/// ```
/// let config = ovo_flows::DokuConfig::new("https://api-sandbox.doku.com", "MCH-0001-10791114622547")?;
/// assert_eq!(config.client_id, "MCH-0001-10791114622547");
/// # Ok::<(), ovo_flows::ConfigError>(())
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DokuConfig {
    /// `https://api-sandbox.doku.com` or `https://api.doku.com` \[S\].
    pub base_url: String,
    /// `Client-Id` from DOKU's back office \[S\].
    pub client_id: String,
}

impl DokuConfig {
    /// A configuration for `base_url` and `client_id`, checked.
    pub fn new(base_url: &str, client_id: impl Into<String>) -> Result<Self, ConfigError> {
        let client_id = client_id.into();
        if client_id.trim().is_empty() {
            return Err(ConfigError::Missing("client_id"));
        }
        Ok(Self {
            base_url: checked_url("base_url", base_url)?,
            client_id,
        })
    }

    /// DOKU's sandbox, `https://api-sandbox.doku.com` \[S\].
    ///
    /// ```
    /// assert_eq!(ovo_flows::DokuConfig::sandbox("c")?.base_url, "https://api-sandbox.doku.com");
    /// # Ok::<(), ovo_flows::ConfigError>(())
    /// ```
    pub fn sandbox(client_id: impl Into<String>) -> Result<Self, ConfigError> {
        Self::new("https://api-sandbox.doku.com", client_id)
    }

    /// DOKU's production, `https://api.doku.com` \[S\].
    pub fn production(client_id: impl Into<String>) -> Result<Self, ConfigError> {
        Self::new("https://api.doku.com", client_id)
    }
}
