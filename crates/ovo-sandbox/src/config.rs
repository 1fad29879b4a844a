//! What the sandbox does where the provider's behaviour is configurable or not public.
//!
//! Every \[I\] default below is a documented choice (see `docs/sandbox.md`), never a hidden one.

use std::path::PathBuf;
use std::time::Duration;

/// How the sandbox accepts the symmetric signature's encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum AcceptedEncoding {
    /// Base64 or lower-case hex: OVO's expected encoding is not public \[I\] (the default).
    #[default]
    Either,
    /// Base64 only.
    Base64,
    /// Lower-case hex only.
    Hex,
}

/// Which DOKU OVO Recurring payments wait for the customer's PIN on OVO's page.
///
/// DOKU's document says the customer verifies a payment with the PIN on OVO's page and lists a
/// `PENDING` payment status \[S\]; which payments need it is not stated \[I\].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum DokuPinRule {
    /// A payment with `ovo_account.first_payment: true` (the first of a subscription) answers
    /// `PENDING` until the customer confirms it; later ones capture at once (the default).
    #[default]
    FirstPayment,
    /// Every payment waits for the PIN.
    Always,
    /// No payment waits: every one answers `SUCCESS` (or fails) at once.
    Never,
}

impl DokuPinRule {
    /// Whether a payment with this `first_payment` flag waits for the PIN.
    ///
    /// ```
    /// use ovo_sandbox::DokuPinRule;
    /// assert!(DokuPinRule::FirstPayment.needs_pin(Some(true)));
    /// assert!(!DokuPinRule::FirstPayment.needs_pin(None));
    /// assert!(!DokuPinRule::Never.needs_pin(Some(true)));
    /// ```
    pub fn needs_pin(self, first_payment: Option<bool>) -> bool {
        match self {
            Self::FirstPayment => first_payment == Some(true),
            Self::Always => true,
            Self::Never => false,
        }
    }
}

/// The sandbox's configuration.
///
/// ```
/// let config = ovo_sandbox::SandboxConfig::default();
/// assert_eq!(config.timestamp_window.as_secs(), 300);
/// assert_eq!(config.snap_version("access-token/b2b"), "v1.0");
/// assert_eq!(config.snap_version("debit/payment-host-to-host"), "v2.0");
/// ```
#[derive(Clone)]
pub struct SandboxConfig {
    /// How far `X-TIMESTAMP` / `Request-Timestamp` may be from the sandbox clock, either way.
    pub timestamp_window: Duration,
    /// Bodies larger than this are refused with the error envelope.
    pub max_body_bytes: usize,
    /// Per-endpoint SNAP version segment; endpoints not listed use `default_snap_version`.
    pub snap_versions: Vec<(String, String)>,
    /// The SNAP version of endpoints not in `snap_versions` (`v2.0`, OVO's current tech-doc \[P\]).
    pub default_snap_version: String,
    /// Versions every SNAP endpoint is served under as well as its own (`snap_versions`): by
    /// default `v1.0`, which the FAQ's examples use throughout \[S\], and `v2.0`, which the
    /// technical document gives \[P\]. Empty serves each endpoint under its own version only.
    pub served_snap_versions: Vec<String>,
    /// Symmetric signature encodings accepted.
    pub accepted_encoding: AcceptedEncoding,
    /// Whether a recurring debit (`subTransactionType: AUTO`) skips the PIN webview and captures on
    /// the first call. Not stated by OVO \[I\]; default `true`.
    pub recurring_skips_pin: bool,
    /// Which DOKU payments answer `PENDING` and wait for the customer's PIN.
    pub doku_pin: DokuPinRule,
    /// How long a "hang" fault holds a request before dropping it.
    pub hang: Duration,
    /// The scale of the notification retry schedule (DOKU's +30 min, +6 h, +12 h \[P\], also used
    /// for SNAP debit notifications, whose schedule OVO does not publish \[I\]): each delay is
    /// divided by this factor, so tests can see retries in milliseconds.
    pub notify_retry_compression: u32,
    /// Where to keep the state across restarts (`state.json`, mode 0600); `None` keeps it in
    /// memory only.
    pub state_dir: Option<PathBuf>,
    /// The secret every control call (`/_sandbox/...`) must carry, as `Authorization: Bearer
    /// <token>` or `X-Sandbox-Token: <token>`. `None` leaves the control API open, which the
    /// sandbox allows only on a loopback address: [`Sandbox::start_with`](crate::Sandbox::start_with)
    /// refuses any other address without a token.
    pub control_token: Option<String>,
    /// How long a client may take to send a request's headers (and how long an idle keep-alive
    /// connection stays open) before the connection is closed.
    pub header_read_timeout: Duration,
    /// How long a client may take to send a request's body: a slower body gets `408` and the
    /// connection is closed.
    pub body_read_timeout: Duration,
    /// How many connections are served at once; more wait in the listen queue.
    pub max_connections: usize,
}

impl std::fmt::Debug for SandboxConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxConfig")
            .field("timestamp_window", &self.timestamp_window)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("snap_versions", &self.snap_versions)
            .field("default_snap_version", &self.default_snap_version)
            .field("served_snap_versions", &self.served_snap_versions)
            .field("accepted_encoding", &self.accepted_encoding)
            .field("recurring_skips_pin", &self.recurring_skips_pin)
            .field("doku_pin", &self.doku_pin)
            .field("hang", &self.hang)
            .field("notify_retry_compression", &self.notify_retry_compression)
            .field("state_dir", &self.state_dir)
            .field(
                "control_token",
                &self.control_token.as_ref().map(|_| "[redacted]"),
            )
            .field("header_read_timeout", &self.header_read_timeout)
            .field("body_read_timeout", &self.body_read_timeout)
            .field("max_connections", &self.max_connections)
            .finish()
    }
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            timestamp_window: Duration::from_secs(300),
            max_body_bytes: 64 * 1024,
            snap_versions: vec![("access-token/b2b".to_owned(), "v1.0".to_owned())],
            default_snap_version: "v2.0".to_owned(),
            served_snap_versions: vec!["v1.0".to_owned(), "v2.0".to_owned()],
            accepted_encoding: AcceptedEncoding::Either,
            recurring_skips_pin: true,
            doku_pin: DokuPinRule::FirstPayment,
            hang: Duration::from_secs(30),
            notify_retry_compression: 1,
            state_dir: None,
            control_token: None,
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(10),
            max_connections: 1024,
        }
    }
}

impl SandboxConfig {
    /// The version segment of a SNAP endpoint (`access-token/b2b` → `v1.0`).
    pub fn snap_version(&self, endpoint: &str) -> &str {
        self.snap_versions
            .iter()
            .find(|(name, _)| name == endpoint)
            .map_or(self.default_snap_version.as_str(), |(_, version)| version)
    }

    /// Whether the SNAP endpoint `endpoint` is served under `version`: its own version or one of
    /// `served_snap_versions`.
    ///
    /// ```
    /// let config = ovo_sandbox::SandboxConfig::default();
    /// assert!(config.serves_snap_version("debit/status", "v1.0"));
    /// assert!(config.serves_snap_version("debit/status", "v2.0"));
    /// assert!(!config.serves_snap_version("debit/status", "v3.0"));
    /// ```
    pub fn serves_snap_version(&self, endpoint: &str, version: &str) -> bool {
        self.snap_version(endpoint) == version
            || self.served_snap_versions.iter().any(|v| v == version)
    }

    /// The full path of a SNAP endpoint: `/OVOSNAP/{version}/{endpoint}`.
    ///
    /// ```
    /// let config = ovo_sandbox::SandboxConfig::default();
    /// assert_eq!(config.snap_path("balance-inquiry"), "/OVOSNAP/v2.0/balance-inquiry");
    /// ```
    pub fn snap_path(&self, endpoint: &str) -> String {
        ovo_model::endpoint::snap_path(self.snap_version(endpoint), endpoint)
    }
}
