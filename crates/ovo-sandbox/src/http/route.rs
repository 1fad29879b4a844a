//! Which endpoint a request is for: the provider's endpoints from `ovo-model`'s catalogue, plus
//! the pages and the control API that only the sandbox has.

use http::Method;
use ovo_model::ServiceCode;
use ovo_model::endpoint::{DokuEndpoint, OvoEndpoint};

use crate::config::SandboxConfig;
use crate::provider::exchange::Incoming;
use crate::provider::{
    DOKU_PAYMENT_PAGE, DOKU_REGISTRATION, TOP_UP_OPTIONS, WEBVIEW_PAGE, WEBVIEW_SUBMIT,
};

/// Every endpoint the sandbox serves; the names are the fault plan's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Endpoint {
    /// An OVO endpoint of the catalogue (SNAP, lookup, Generate Token).
    Ovo(OvoEndpoint),
    /// A DOKU endpoint of the catalogue.
    Doku(DokuEndpoint),
    /// `GET /reference/v1/topup/options`: OVO's Top Up Instruction, listed in the FAQ \[S\] but not
    /// in the catalogue (the SDK does not call it).
    TopUpOptions,
    WebviewPage,
    WebviewSubmit,
    DokuRegistrationPage,
    DokuRegistrationSubmit,
    DokuPaymentPage,
    DokuPaymentSubmit,
    Control,
}

impl Endpoint {
    /// The endpoint's name in the fault plan and the docs.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Ovo(endpoint) => endpoint.name(),
            Self::Doku(endpoint) => endpoint.name(),
            Self::TopUpOptions => "topup-options",
            Self::WebviewPage => "webview",
            Self::WebviewSubmit => "webview-submit",
            Self::DokuRegistrationPage => "doku-registration",
            Self::DokuRegistrationSubmit => "doku-registration-submit",
            Self::DokuPaymentPage => "doku-payment-page",
            Self::DokuPaymentSubmit => "doku-payment-submit",
            Self::Control => "control",
        }
    }

    /// Whether errors are answered in DOKU's envelope (else SNAP's, or plain for pages).
    pub(crate) fn is_doku(self) -> bool {
        matches!(self, Self::Doku(_))
    }

    /// The SNAP service code of the endpoint's error answers. An unbinding's errors carry `07`
    /// (binding), as OVO's published unbinding example answers `4010700` \[S\], where the SNAP
    /// tables would give `09`.
    pub(crate) fn error_service(self) -> ServiceCode {
        match self {
            Self::Ovo(OvoEndpoint::Unbinding) => ServiceCode::ACCOUNT_BINDING,
            Self::Ovo(endpoint) => endpoint.service_code().unwrap_or(ServiceCode(0)),
            _ => ServiceCode(0),
        }
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
            let endpoint = OvoEndpoint::from_snap_name(name)?;
            return (post && config.serves_snap_version(name, version))
                .then_some(Self::Ovo(endpoint));
        }
        if let Some(endpoint) = OvoEndpoint::from_fixed_path(path) {
            let allowed = match endpoint {
                // Generate Token is a GET \[S\]; a POST with the same query is accepted too.
                OvoEndpoint::GenerateToken => get || post,
                _ => get,
            };
            return allowed.then_some(Self::Ovo(endpoint));
        }
        if let Some(endpoint) = DokuEndpoint::from_path(path) {
            return post.then_some(Self::Doku(endpoint));
        }
        let endpoint = match (path, get, post) {
            (TOP_UP_OPTIONS, true, _) => Self::TopUpOptions,
            (WEBVIEW_PAGE, true, _) => Self::WebviewPage,
            (WEBVIEW_SUBMIT, _, true) => Self::WebviewSubmit,
            (p, true, _) if p.starts_with(DOKU_REGISTRATION) => Self::DokuRegistrationPage,
            (p, _, true) if p.starts_with(DOKU_REGISTRATION) => Self::DokuRegistrationSubmit,
            (p, true, _) if p.starts_with(DOKU_PAYMENT_PAGE) => Self::DokuPaymentPage,
            (p, _, true) if p.starts_with(DOKU_PAYMENT_PAGE) => Self::DokuPaymentSubmit,
            _ => return None,
        };
        Some(endpoint)
    }
}
