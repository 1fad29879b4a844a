//! Which endpoint a request is for.

use http::Method;

use crate::config::SandboxConfig;
use crate::exchange::Incoming;

/// Every provider endpoint the sandbox serves; the names are the fault plan's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Endpoint {
    B2bToken,
    B2b2cToken,
    Lookup,
    Binding,
    Unbinding,
    Balance,
    Debit,
    GenerateToken,
    Status,
    Refund,
    WebviewPage,
    WebviewSubmit,
    DokuBinding,
    DokuTokens,
    DokuBalance,
    DokuPayment,
    DokuRefund,
    DokuUnbind,
    DokuRegistrationPage,
    DokuRegistrationSubmit,
    Control,
}

/// The SNAP endpoints under `/OVOSNAP/{version}/`.
const SNAP: &[(&str, Endpoint)] = &[
    ("access-token/b2b", Endpoint::B2bToken),
    ("access-token/b2b2c", Endpoint::B2b2cToken),
    (
        "oauth/account/registration-account-binding",
        Endpoint::Binding,
    ),
    (
        "oauth/account/registration-account-unbinding",
        Endpoint::Unbinding,
    ),
    ("balance-inquiry", Endpoint::Balance),
    ("debit/payment-host-to-host", Endpoint::Debit),
    ("debit/status", Endpoint::Status),
    ("debit/refund", Endpoint::Refund),
];

/// Webview paths, modelled on OVO's `/cellblockui/partner/activation` \[S\].
pub(crate) const WEBVIEW_PAGE: &str = "/cellblockui/partner/activation";
pub(crate) const WEBVIEW_SUBMIT: &str = "/cellblockui/partner/submit";
/// DOKU's registration page.
pub(crate) const DOKU_REGISTRATION: &str = "/ovo-open-api/registration/";

impl Endpoint {
    /// The endpoint's name in the fault plan and the docs.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::B2bToken => "b2b-token",
            Self::B2b2cToken => "b2b2c-token",
            Self::Lookup => "lookup",
            Self::Binding => "binding",
            Self::Unbinding => "unbinding",
            Self::Balance => "balance",
            Self::Debit => "debit",
            Self::GenerateToken => "generate-token",
            Self::Status => "status",
            Self::Refund => "refund",
            Self::WebviewPage => "webview",
            Self::WebviewSubmit => "webview-submit",
            Self::DokuBinding => "doku-binding",
            Self::DokuTokens => "doku-tokens",
            Self::DokuBalance => "doku-balance",
            Self::DokuPayment => "doku-payment",
            Self::DokuRefund => "doku-refund",
            Self::DokuUnbind => "doku-unbind",
            Self::DokuRegistrationPage => "doku-registration",
            Self::DokuRegistrationSubmit => "doku-registration-submit",
            Self::Control => "control",
        }
    }

    /// Whether errors are answered in DOKU's envelope (else SNAP's, or plain for pages).
    pub(crate) fn is_doku(self) -> bool {
        matches!(
            self,
            Self::DokuBinding
                | Self::DokuTokens
                | Self::DokuBalance
                | Self::DokuPayment
                | Self::DokuRefund
                | Self::DokuUnbind
        )
    }

    /// Finds the endpoint of a request; `None` is a 404.
    pub(crate) fn of(config: &SandboxConfig, request: &Incoming) -> Option<Self> {
        let path = request.path.as_str();
        let post = request.method == Method::POST;
        let get = request.method == Method::GET;
        if path.starts_with("/_sandbox/") {
            return Some(Self::Control);
        }
        if let Some(rest) = path.strip_prefix("/OVOSNAP/") {
            let (version, name) = rest.split_once('/')?;
            let &(_, endpoint) = SNAP.iter().find(|(n, _)| *n == name)?;
            return (post && config.snap_version(name) == version).then_some(endpoint);
        }
        let endpoint = match (path, get, post) {
            ("/user/v2/account/lookup", true, _) => Self::Lookup,
            ("/user/v1/oauth/token", true, _) | ("/user/v1/oauth/token", _, true) => {
                Self::GenerateToken
            }
            (WEBVIEW_PAGE, true, _) => Self::WebviewPage,
            (WEBVIEW_SUBMIT, _, true) => Self::WebviewSubmit,
            ("/ovo-open-api/v1/token", _, true) => Self::DokuBinding,
            ("/tokenization/v1/tokens", _, true) => Self::DokuTokens,
            ("/ovo-open-api/v1/balance", _, true) => Self::DokuBalance,
            ("/ovo-open-api/v1/payment-recurring", _, true) => Self::DokuPayment,
            ("/ovo-open-api/v1/payment-refund", _, true) => Self::DokuRefund,
            ("/ovo-open-api/v1/token-delete", _, true) => Self::DokuUnbind,
            (p, true, _) if p.starts_with(DOKU_REGISTRATION) => Self::DokuRegistrationPage,
            (p, _, true) if p.starts_with(DOKU_REGISTRATION) => Self::DokuRegistrationSubmit,
            _ => return None,
        };
        Some(endpoint)
    }
}
