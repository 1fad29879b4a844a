//! The HTTP server: accept, read the body within its limit, apply the fault plan, dispatch.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Incoming as Body;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use ovo_model::{Case, ResponseCode, ServiceCode};
use time::OffsetDateTime;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::clock::Clock;
use crate::config::SandboxConfig;
use crate::exchange::{Incoming, Reply};
use crate::faults::{FaultAction, FaultPlan};
use crate::route::Endpoint;
use crate::state::State;
use crate::{control, doku, notify, snap, webview};

/// What every connection shares.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: SandboxConfig,
    /// The key the sandbox signs as OVO with (SNAP notifications).
    pub(crate) provider_key: ovo_sign::PrivateKey,
    pub(crate) clock: Clock,
    pub(crate) state: Mutex<State>,
    pub(crate) faults: Mutex<FaultPlan>,
    pub(crate) base_url: String,
    /// A handle on itself, for tasks that outlive a request (notification delivery).
    pub(crate) me: std::sync::Weak<Shared>,
    /// The last failure to write the state directory, shown by `/_sandbox/health`.
    pub(crate) save_error: Mutex<Option<String>>,
}

impl Shared {
    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        // A handler never panics (the lints forbid it), so the lock cannot be poisoned in
        // practice; if it were, the state is still consistent: every handler mutates it only
        // after all its checks have passed.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Writes the state directory, if configured; a failure is kept for `/_sandbox/health`.
    pub(crate) fn persist(&self) {
        let Some(dir) = &self.config.state_dir else {
            return;
        };
        let result = {
            let state = self.state();
            let snapshot = crate::persist::SnapshotRef {
                clock_offset_secs: self.clock.offset().as_secs(),
                state: &state,
            };
            crate::persist::save(dir, &snapshot)
        };
        if let Ok(mut error) = self.save_error.lock() {
            *error = result.err().map(|e| format!("{}: {e}", dir.display()));
        }
    }

    pub(crate) fn me(&self) -> Option<Arc<Shared>> {
        self.me.upgrade()
    }

    pub(crate) fn faults(&self) -> MutexGuard<'_, FaultPlan> {
        self.faults
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The time and configuration a handler works with.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ctx<'a> {
    pub(crate) shared: &'a Shared,
    pub(crate) now: OffsetDateTime,
}

impl Ctx<'_> {
    pub(crate) fn config(&self) -> &SandboxConfig {
        &self.shared.config
    }
}

/// A connection closed on purpose (a fault), without an answer.
#[derive(Debug)]
pub(crate) struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by the sandbox's fault plan")
    }
}

impl std::error::Error for Dropped {}

/// Serves until `shutdown` turns true.
pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.changed() => return,
        };
        let Ok((stream, _peer)) = accepted else {
            continue;
        };
        let shared = Arc::clone(&shared);
        let mut connection_shutdown = shutdown.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                let shared = Arc::clone(&shared);
                async move { answer(&shared, request).await }
            });
            let connection = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                _ = connection => {}
                _ = connection_shutdown.changed() => {}
            }
        });
    }
}

/// Binds `addr` and returns the listener and its actual address.
pub(crate) async fn bind(addr: SocketAddr) -> std::io::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    Ok((listener, local))
}

async fn answer(shared: &Shared, request: Request<Body>) -> Result<Response<Full<Bytes>>, Dropped> {
    let (parts, body) = request.into_parts();
    let mut incoming = Incoming {
        method: parts.method,
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().unwrap_or_default().to_owned(),
        headers: parts.headers,
        body: Vec::new(),
    };
    let Some(endpoint) = Endpoint::of(&shared.config, &incoming) else {
        return Ok(into_response(Reply::text(
            StatusCode::NOT_FOUND,
            "no such endpoint",
        )));
    };
    match Limited::new(body, shared.config.max_body_bytes)
        .collect()
        .await
    {
        Ok(collected) => incoming.body = collected.to_bytes().to_vec(),
        Err(_) => return Ok(into_response(too_large(endpoint))),
    }
    if endpoint == Endpoint::Control {
        let reply = control::handle(shared, &incoming);
        shared.persist();
        return Ok(into_response(reply));
    }

    let fault = shared.faults().next(endpoint.name());
    if let Some(delay) = fault.and_then(FaultAction::delay) {
        tokio::time::sleep(delay).await;
    }
    if let Some(FaultAction::Status {
        status,
        commit: false,
    }) = fault
    {
        return Ok(into_response(faulty_status(endpoint, status)));
    }
    let ctx = Ctx {
        shared,
        now: shared.clock.now(),
    };
    let reply = dispatch(ctx, endpoint, &incoming);
    shared.persist();
    notify::flush(shared);
    match fault {
        Some(FaultAction::DropAfterCommit) => Err(Dropped),
        Some(FaultAction::Hang) => {
            tokio::time::sleep(shared.config.hang).await;
            Err(Dropped)
        }
        Some(FaultAction::Status {
            status,
            commit: true,
        }) => Ok(into_response(faulty_status(endpoint, status))),
        _ => Ok(into_response(reply)),
    }
}

fn dispatch(ctx: Ctx<'_>, endpoint: Endpoint, request: &Incoming) -> Reply {
    let result = match endpoint {
        Endpoint::B2bToken => snap::tokens::b2b(ctx, request),
        Endpoint::B2b2cToken => snap::tokens::b2b2c(ctx, request),
        Endpoint::Lookup => snap::linking::lookup(ctx, request),
        Endpoint::Binding => snap::linking::binding(ctx, request),
        Endpoint::Unbinding => snap::linking::unbinding(ctx, request),
        Endpoint::Balance => snap::payment::balance(ctx, request),
        Endpoint::Debit => snap::payment::debit(ctx, request),
        Endpoint::GenerateToken => snap::payment::generate_token(ctx, request),
        Endpoint::Status => snap::payment::status(ctx, request),
        Endpoint::Refund => snap::payment::refund(ctx, request),
        Endpoint::WebviewPage => webview::page(ctx, request),
        Endpoint::WebviewSubmit => webview::submit(ctx, request),
        Endpoint::DokuBinding => doku::binding(ctx, request),
        Endpoint::DokuTokens => doku::tokens(ctx, request),
        Endpoint::DokuBalance => doku::balance(ctx, request),
        Endpoint::DokuPayment => doku::payment(ctx, request),
        Endpoint::DokuRefund => doku::refund(ctx, request),
        Endpoint::DokuUnbind => doku::unbind(ctx, request),
        Endpoint::DokuRegistrationPage => doku::registration_page(ctx, request),
        Endpoint::DokuRegistrationSubmit => doku::registration_submit(ctx, request),
        Endpoint::Control => Ok(control::handle(ctx.shared, request)),
    };
    result.unwrap_or_else(|error| error)
}

/// The SNAP service code an endpoint's answers carry.
pub(crate) fn service_of(endpoint: Endpoint) -> ServiceCode {
    match endpoint {
        Endpoint::B2bToken => ServiceCode::ACCESS_TOKEN_B2B,
        Endpoint::B2b2cToken => ServiceCode::ACCESS_TOKEN_B2B2C,
        Endpoint::Binding => ServiceCode::ACCOUNT_BINDING,
        Endpoint::Unbinding => ServiceCode::ACCOUNT_UNBINDING,
        Endpoint::Balance => ServiceCode::BALANCE_INQUIRY,
        Endpoint::Debit => ServiceCode::DIRECT_DEBIT_PAYMENT,
        Endpoint::Status => ServiceCode::DIRECT_DEBIT_STATUS,
        Endpoint::Refund => ServiceCode::DIRECT_DEBIT_REFUND,
        _ => ServiceCode(0),
    }
}

fn too_large(endpoint: Endpoint) -> Reply {
    if endpoint.is_doku() {
        doku::error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "invalid_request",
            "request body too large",
        )
    } else {
        snap::fail(
            service_of(endpoint),
            Case::BadRequest,
            "request body too large",
        )
    }
}

/// The answer of a status fault: the provider's envelope for that status.
fn faulty_status(endpoint: Endpoint, status: u16) -> Reply {
    let status_code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if endpoint.is_doku() {
        return doku::error(
            status_code,
            "sandbox_fault",
            "fault injected by the sandbox",
        );
    }
    let code = ResponseCode::new(status, service_of(endpoint), 0);
    let message = match code.case() {
        Case::Unknown => "Sandbox fault",
        case => case.message(),
    };
    snap::envelope(code, message)
}

fn into_response(reply: Reply) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(reply.body)));
    *response.status_mut() = reply.status;
    for (name, value) in reply.headers {
        if let Ok(value) = http::HeaderValue::from_str(&value) {
            response.headers_mut().append(name, value);
        }
    }
    response
}
