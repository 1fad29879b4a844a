//! Which endpoint a request is for: the provider's endpoints from `ovo-model`'s catalogue, plus
//! the pages and the control API that only the sandbox has, as an axum router.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::middleware::map_response;
use axum::response::{IntoResponse as _, Response};
use axum::routing::{MethodFilter, MethodRouter, on};
use http::StatusCode;
use ovo_model::ServiceCode;
use ovo_model::endpoint::{DokuEndpoint, OvoEndpoint};
use tower_http::limit::RequestBodyLimitLayer;

use crate::http::control;
use crate::http::server::{self, Answered, Shared};
use crate::provider::{
    DOKU_PAYMENT_PAGE, DOKU_REGISTRATION, TOP_UP_OPTIONS, WEBVIEW_PAGE, WEBVIEW_SUBMIT,
};

/// Every route the sandbox serves. A method or path it does not serve is `404 no such endpoint`.
pub(crate) fn router(shared: &Arc<Shared>) -> Router {
    let config = &shared.config;
    let mut router = Router::new();
    for endpoint in OvoEndpoint::ALL {
        if let Some(name) = endpoint.snap_name() {
            // Each SNAP endpoint under its own version and every served one (the FAQ's `v1.0`,
            // the tech-doc's `v2.0`); a version that is not one plain path segment is skipped.
            let versions: BTreeSet<&str> = std::iter::once(config.snap_version(name))
                .chain(config.served_snap_versions.iter().map(String::as_str))
                .filter(|version| is_plain_segment(version))
                .collect();
            for version in versions {
                let path = endpoint.path(version);
                router = router.route(
                    &path,
                    serve(shared, Endpoint::Ovo(endpoint), MethodFilter::POST),
                );
            }
        } else if let Some(path) = endpoint.fixed_path() {
            let methods = match endpoint {
                // Generate Token is a GET \[S\]; a POST with the same query is accepted too.
                OvoEndpoint::GenerateToken => MethodFilter::GET.or(MethodFilter::POST),
                _ => MethodFilter::GET,
            };
            router = router.route(path, serve(shared, Endpoint::Ovo(endpoint), methods));
        }
    }
    for endpoint in DokuEndpoint::ALL {
        router = router.route(
            endpoint.path(),
            serve(shared, Endpoint::Doku(endpoint), MethodFilter::POST),
        );
    }
    let page = |get: Endpoint, post: Endpoint| {
        serve_page(shared, get, MethodFilter::GET).merge(serve_page(
            shared,
            post,
            MethodFilter::POST,
        ))
    };
    router
        .route(
            TOP_UP_OPTIONS,
            serve(shared, Endpoint::TopUpOptions, MethodFilter::GET),
        )
        .route(
            WEBVIEW_PAGE,
            serve(shared, Endpoint::WebviewPage, MethodFilter::GET),
        )
        .route(
            WEBVIEW_SUBMIT,
            serve(shared, Endpoint::WebviewSubmit, MethodFilter::POST),
        )
        .route(
            &format!("{DOKU_REGISTRATION}{{page}}"),
            page(
                Endpoint::DokuRegistrationPage,
                Endpoint::DokuRegistrationSubmit,
            ),
        )
        .route(
            &format!("{DOKU_PAYMENT_PAGE}{{page}}"),
            page(Endpoint::DokuPaymentPage, Endpoint::DokuPaymentSubmit),
        )
        .nest("/_sandbox", control::routes(shared))
        .fallback(no_such_endpoint)
        .method_not_allowed_fallback(no_such_endpoint)
        .with_state(Arc::clone(shared))
}

/// `v1.0`, `v2.0`: letters, digits, `.`, `-`, `_`.
fn is_plain_segment(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

async fn no_such_endpoint() -> Response {
    (StatusCode::NOT_FOUND, "no such endpoint").into_response()
}

/// One endpoint's route: a body declared over `max_body_bytes` is refused before it is read
/// (tower-http's limit, answered in the endpoint's own envelope), then [`server::answer`].
fn serve(
    shared: &Arc<Shared>,
    endpoint: Endpoint,
    methods: MethodFilter,
) -> MethodRouter<Arc<Shared>> {
    limited(
        shared,
        endpoint,
        on(
            methods,
            move |State(shared): State<Arc<Shared>>, request: Request| async move {
                server::answer(&shared, endpoint, String::new(), request).await
            },
        ),
    )
}

/// A page's route, `.../{page}`: the page's id is its last path segment, decoded by the router.
fn serve_page(
    shared: &Arc<Shared>,
    endpoint: Endpoint,
    methods: MethodFilter,
) -> MethodRouter<Arc<Shared>> {
    limited(
        shared,
        endpoint,
        on(
            methods,
            move |State(shared): State<Arc<Shared>>, Path(page): Path<String>, request: Request| async move {
                server::answer(&shared, endpoint, page, request).await
            },
        ),
    )
}

/// The body limit of an endpoint's route, refused in the endpoint's own envelope.
fn limited(
    shared: &Arc<Shared>,
    endpoint: Endpoint,
    route: MethodRouter<Arc<Shared>>,
) -> MethodRouter<Arc<Shared>> {
    route
        .layer(RequestBodyLimitLayer::new(shared.config.max_body_bytes))
        .layer(map_response(move |response: Response| async move {
            let refused_by_limit = response.status() == StatusCode::PAYLOAD_TOO_LARGE
                && response.extensions().get::<Answered>().is_none();
            if refused_by_limit {
                server::into_response(server::too_large(endpoint))
            } else {
                response
            }
        }))
}

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
}
