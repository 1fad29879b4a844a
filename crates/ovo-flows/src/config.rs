//! Where the provider is and how to talk to it: base URLs, per-endpoint paths, header values,
//! signature encoding and timestamp format. Every \[I\] choice is a field here, not a constant.

use ovo_sign::{SignatureEncoding, SnapTimestampFormat};

/// A SNAP endpoint OVO serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SnapEndpoint {
    /// `access-token/b2b`.
    B2bToken,
    /// `access-token/b2b2c`.
    B2b2cToken,
    /// `oauth/account/registration-account-binding`.
    Binding,
    /// `oauth/account/registration-account-unbinding`.
    Unbinding,
    /// `balance-inquiry`.
    Balance,
    /// `debit/payment-host-to-host`.
    Debit,
    /// `debit/status`.
    Status,
    /// `debit/refund`.
    Refund,
}

impl SnapEndpoint {
    /// The path after `/OVOSNAP/{version}/`.
    pub fn name(self) -> &'static str {
        match self {
            Self::B2bToken => "access-token/b2b",
            Self::B2b2cToken => "access-token/b2b2c",
            Self::Binding => "oauth/account/registration-account-binding",
            Self::Unbinding => "oauth/account/registration-account-unbinding",
            Self::Balance => "balance-inquiry",
            Self::Debit => "debit/payment-host-to-host",
            Self::Status => "debit/status",
            Self::Refund => "debit/refund",
        }
    }
}

/// The configuration of OVO direct (SNAP).
///
/// ```
/// let config = ovo_flows::SnapConfig::new("https://app.byte-stack.net", "oamerchantg");
/// assert_eq!(config.path(ovo_flows::SnapEndpoint::B2bToken), "/OVOSNAP/v1.0/access-token/b2b");
/// assert_eq!(config.path(ovo_flows::SnapEndpoint::Debit), "/OVOSNAP/v2.0/debit/payment-host-to-host");
/// ```
#[derive(Debug, Clone)]
pub struct SnapConfig {
    /// `https://app.byte-stack.net` (staging) or `https://apigw.ovo.id` (production) \[P\].
    pub base_url: String,
    /// The client id: `X-CLIENT-KEY` and `X-PARTNER-ID` \[P\].
    pub client_id: String,
    /// `merchantId` in binding requests; OVO's client id unless told otherwise \[I\].
    pub merchant_id: String,
    /// `CHANNEL-ID`, at most 5 characters, assigned by the provider \[P\].
    pub channel_id: String,
    /// `X-DEVICE-ID`, mandatory for OVO \[P\].
    pub device_id: String,
    /// Version segment per endpoint: `v1.0` for the B2B token, `v2.0` for the rest \[P\].
    pub versions: Vec<(SnapEndpoint, String)>,
    /// The version of endpoints not in `versions`.
    pub default_version: String,
    /// Encoding of the symmetric signature: base64 by default; OVO's FAQ sample is hex \[I\].
    pub signature_encoding: SignatureEncoding,
    /// `X-TIMESTAMP` format: OVO's `yyyy-MM-ddTHH:mm:ss.SSS+07:00` \[P\].
    pub timestamp_format: SnapTimestampFormat,
    /// Where the webview returns to: one of the callback URLs registered with OVO \[S\].
    pub callback_url: String,
}

impl SnapConfig {
    /// A configuration with OVO's documented defaults.
    pub fn new(base_url: impl Into<String>, client_id: impl Into<String>) -> Self {
        let client_id = client_id.into();
        Self {
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            merchant_id: client_id.clone(),
            client_id,
            channel_id: "95221".to_owned(),
            device_id: "ovo-rs".to_owned(),
            versions: vec![(SnapEndpoint::B2bToken, "v1.0".to_owned())],
            default_version: "v2.0".to_owned(),
            signature_encoding: SignatureEncoding::Base64,
            timestamp_format: SnapTimestampFormat::OVO,
            callback_url: String::new(),
        }
    }

    /// OVO's staging, `https://app.byte-stack.net` \[P\].
    ///
    /// ```
    /// assert_eq!(ovo_flows::SnapConfig::staging("c").base_url, "https://app.byte-stack.net");
    /// ```
    pub fn staging(client_id: impl Into<String>) -> Self {
        Self::new("https://app.byte-stack.net", client_id)
    }

    /// OVO's production, `https://apigw.ovo.id` \[P\].
    pub fn production(client_id: impl Into<String>) -> Self {
        Self::new("https://apigw.ovo.id", client_id)
    }

    /// The path of an endpoint: `/OVOSNAP/{version}/{name}`.
    pub fn path(&self, endpoint: SnapEndpoint) -> String {
        let version = self
            .versions
            .iter()
            .find(|(e, _)| *e == endpoint)
            .map_or(self.default_version.as_str(), |(_, v)| v.as_str());
        format!("/OVOSNAP/{version}/{}", endpoint.name())
    }
}

/// The configuration of DOKU OVO Recurring.
///
/// ```
/// let config = ovo_flows::DokuConfig::new("https://api-sandbox.doku.com", "MCH-0001-10791114622547");
/// assert_eq!(config.client_id, "MCH-0001-10791114622547");
/// ```
#[derive(Debug, Clone)]
pub struct DokuConfig {
    /// `https://api-sandbox.doku.com` or `https://api.doku.com` \[S\].
    pub base_url: String,
    /// `Client-Id` from DOKU's back office \[S\].
    pub client_id: String,
}

impl DokuConfig {
    /// A configuration for `base_url` and `client_id`.
    pub fn new(base_url: impl Into<String>, client_id: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            client_id: client_id.into(),
        }
    }

    /// DOKU's sandbox, `https://api-sandbox.doku.com` \[S\].
    ///
    /// ```
    /// assert_eq!(ovo_flows::DokuConfig::sandbox("c").base_url, "https://api-sandbox.doku.com");
    /// ```
    pub fn sandbox(client_id: impl Into<String>) -> Self {
        Self::new("https://api-sandbox.doku.com", client_id)
    }

    /// DOKU's production, `https://api.doku.com` \[S\].
    pub fn production(client_id: impl Into<String>) -> Self {
        Self::new("https://api.doku.com", client_id)
    }
}
