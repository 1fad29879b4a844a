//! The HTTP server: accept within the connection cap (with backoff), serve each connection with
//! hyper's HTTP/1.1 server and its header read timeout, answer through the axum router
//! (`route.rs`); for the provider's endpoints, read the body within its limit and time, apply the
//! fault plan and dispatch to the rule.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use http::StatusCode;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use ovo_model::{Case, ResponseCode};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tower::ServiceExt as _;

use crate::config::SandboxConfig;
use crate::http::clock::Clock;
use crate::http::faults::{FaultAction, FaultPlan};
use crate::http::route::{self, Endpoint};
use crate::http::{delivery, pages};
use crate::provider::exchange::{Incoming, Reply};
use crate::provider::state::State;
use crate::provider::{Env, doku, snap, webview};

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
            let snapshot = crate::http::persist::SnapshotRef {
                clock_offset_secs: self.clock.offset().as_secs(),
                state: &state,
            };
            crate::http::persist::save(dir, &snapshot)
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

/// A connection closed on purpose (a fault), without an answer: a response carrying it in its
/// extensions becomes an error of the connection's service, and hyper closes the connection.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dropped;

/// Marks a response the sandbox wrote itself (not a middleware's default answer).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Answered;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by the sandbox's fault plan")
    }
}

impl std::error::Error for Dropped {}

/// Serves until `shutdown` turns true: each connection (at most `max_connections` at once) is
/// an HTTP/1.1 connection of hyper with the header read timeout, answered by the axum router.
pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    let app = route::router(&shared);
    let slots = Arc::new(Semaphore::new(shared.config.max_connections.max(1)));
    let header_timeout = shared.config.header_read_timeout;
    loop {
        let accepted = tokio::select! {
            accepted = next_connection(&listener, &slots) => accepted,
            _ = shutdown.changed() => return,
        };
        let Some((stream, slot)) = accepted else {
            return;
        };
        let app = app.clone();
        let mut connection_shutdown = shutdown.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request: http::Request<hyper::body::Incoming>| {
                let app = app.clone();
                async move {
                    let response = app
                        .oneshot(request)
                        .await
                        .unwrap_or_else(|never| match never {});
                    match response.extensions().get::<Dropped>() {
                        Some(dropped) => Err(*dropped),
                        None => Ok(response),
                    }
                }
            });
            let connection = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                _ = connection => {}
                _ = connection_shutdown.changed() => {}
            }
            drop(slot);
        });
    }
}

/// The next connection, once a connection slot is free; `None` if the slots are gone.
async fn next_connection(
    listener: &TcpListener,
    slots: &Arc<Semaphore>,
) -> Option<(TcpStream, OwnedSemaphorePermit)> {
    let slot = Arc::clone(slots).acquire_owned().await.ok()?;
    let (stream, _peer) = accept_with_backoff(|| listener.accept()).await;
    Some((stream, slot))
}

/// Accepts, and after a failure (out of file descriptors, most often) waits before trying again
/// instead of spinning: 10 ms, doubling up to 1 s while the failures last.
pub(crate) async fn accept_with_backoff<T, F, Fut>(mut accept: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = std::io::Result<T>>,
{
    let mut failures: u32 = 0;
    loop {
        match accept().await {
            Ok(accepted) => return accepted,
            Err(_) => {
                tokio::time::sleep(accept_backoff(failures)).await;
                failures = failures.saturating_add(1);
            }
        }
    }
}

/// The wait after `failures` failed accepts in a row (0 for the first).
fn accept_backoff(failures: u32) -> Duration {
    const FIRST: Duration = Duration::from_millis(10);
    const CAP: Duration = Duration::from_secs(1);
    FIRST
        .checked_mul(1 << failures.min(10))
        .map_or(CAP, |wait| wait.min(CAP))
}

/// Binds `addr` and returns the listener and its actual address.
pub(crate) async fn bind(addr: SocketAddr) -> std::io::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    Ok((listener, local))
}

/// Reads a body within `max_body_bytes` and `body_read_timeout`; else the endpoint's
/// "too large" answer, or `408`.
pub(crate) async fn read_body(
    config: &SandboxConfig,
    endpoint: Endpoint,
    body: Body,
) -> Result<Vec<u8>, Reply> {
    let limited = axum::body::to_bytes(body, config.max_body_bytes);
    match tokio::time::timeout(config.body_read_timeout, limited).await {
        Ok(Ok(bytes)) => Ok(bytes.to_vec()),
        Ok(Err(_)) => Err(too_large(endpoint)),
        Err(_elapsed) => Err(too_slow()),
    }
}

/// Answers a request for one of the provider's endpoints or pages: reads the body, applies the
/// fault plan, runs the rule under the state's lock, writes the state directory and starts
/// delivering what the rule queued.
pub(crate) async fn answer(
    shared: &Shared,
    endpoint: Endpoint,
    page: String,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let body = match read_body(&shared.config, endpoint, body).await {
        Ok(body) => body,
        Err(refused) => return into_response(refused),
    };
    let incoming = Incoming {
        method: parts.method,
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().unwrap_or_default().to_owned(),
        headers: parts.headers,
        body,
        page,
    };
    let fault = shared.faults().next(endpoint.name());
    if let Some(delay) = fault.and_then(FaultAction::delay) {
        tokio::time::sleep(delay).await;
    }
    if let Some(FaultAction::Status {
        status,
        commit: false,
    }) = fault
    {
        return into_response(faulty_status(endpoint, status));
    }
    let reply = {
        let env = Env {
            now: shared.clock.now(),
            config: &shared.config,
            base_url: &shared.base_url,
            provider_key: &shared.provider_key,
        };
        dispatch(&mut shared.state(), &env, endpoint, &incoming)
    };
    shared.persist();
    delivery::flush(shared);
    match fault {
        Some(FaultAction::DropAfterCommit) => dropped(),
        Some(FaultAction::Hang) => {
            tokio::time::sleep(shared.config.hang).await;
            dropped()
        }
        Some(FaultAction::Status {
            status,
            commit: true,
        }) => into_response(faulty_status(endpoint, status)),
        _ => into_response(reply),
    }
}

/// A response that closes the connection without answering.
fn dropped() -> Response {
    let mut response = Response::new(Body::empty());
    response.extensions_mut().insert(Dropped);
    response
}

/// Runs the provider's rule for `endpoint`.
fn dispatch(state: &mut State, env: &Env<'_>, endpoint: Endpoint, request: &Incoming) -> Reply {
    use ovo_model::endpoint::{DokuEndpoint as D, OvoEndpoint as O};
    let result = match endpoint {
        Endpoint::Ovo(O::B2bToken) => snap::tokens::b2b(state, env, request),
        Endpoint::Ovo(O::B2b2cToken) => snap::tokens::b2b2c(state, env, request),
        Endpoint::Ovo(O::Lookup) => snap::linking::lookup(state, env, request),
        Endpoint::Ovo(O::Binding) => snap::linking::binding(state, env, request),
        Endpoint::Ovo(O::Unbinding) => snap::linking::unbinding(state, env, request),
        Endpoint::Ovo(O::Balance) => snap::payment::balance(state, env, request),
        Endpoint::Ovo(O::Debit) => snap::payment::debit(state, env, request),
        Endpoint::Ovo(O::GenerateToken) => snap::payment::generate_token(state, env, request),
        Endpoint::Ovo(O::Status) => snap::payment::status(state, env, request),
        Endpoint::Ovo(O::Refund) => snap::payment::refund(state, env, request),
        Endpoint::TopUpOptions => snap::linking::top_up_options(state, env, request),
        Endpoint::WebviewPage => webview::page(state, env, request),
        Endpoint::WebviewSubmit => webview::submit(state, env, request),
        Endpoint::Doku(D::Binding) => doku::binding(state, env, request),
        Endpoint::Doku(D::Tokens) => doku::tokens(state, env, request),
        Endpoint::Doku(D::Balance) => doku::balance(state, env, request),
        Endpoint::Doku(D::Payment) => doku::payment(state, env, request),
        Endpoint::Doku(D::Refund) => doku::refund(state, env, request),
        Endpoint::Doku(D::Unbind) => doku::unbind(state, env, request),
        Endpoint::DokuRegistrationPage => doku::registration_page(state, env, request),
        Endpoint::DokuRegistrationSubmit => doku::registration_submit(state, env, request),
        Endpoint::DokuPaymentPage => doku::payment_page(state, env, request),
        Endpoint::DokuPaymentSubmit => doku::payment_submit(state, env, request),
        // The catalogue is non-exhaustive: an endpoint added there is not served until here.
        _ => Ok(Reply::text(StatusCode::NOT_FOUND, "no such endpoint")),
    };
    result.unwrap_or_else(|error| error)
}

/// A body over `max_body_bytes`: the endpoint's envelope (DOKU's 413, SNAP's `400xx00`).
pub(crate) fn too_large(endpoint: Endpoint) -> Reply {
    if endpoint.is_doku() {
        doku::error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "invalid_request",
            "request body too large",
        )
    } else {
        snap::fail(
            endpoint.error_service(),
            Case::BadRequest,
            "request body too large",
        )
    }
}

/// A body that did not arrive within `body_read_timeout`: 408, and the connection closes.
fn too_slow() -> Reply {
    let mut reply = Reply::text(
        StatusCode::REQUEST_TIMEOUT,
        "the request body did not arrive in time",
    );
    reply.headers.push(("connection", "close".to_owned()));
    reply
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
    let code = ResponseCode::new(status, endpoint.error_service(), 0);
    let message = match code.case() {
        Case::Unknown => "Sandbox fault",
        case => case.message(),
    };
    snap::envelope(code, message)
}

/// A reply as an HTTP response, marked [`Answered`].
pub(crate) fn into_response(reply: Reply) -> Response {
    let body = match &reply.page {
        Some(page) => pages::render(page).into_bytes(),
        None => reply.body,
    };
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = reply.status;
    for (name, value) in reply.headers {
        if let Ok(value) = http::HeaderValue::from_str(&value) {
            response.headers_mut().append(name, value);
        }
    }
    response.extensions_mut().insert(Answered);
    response
}

#[cfg(test)]
mod tests {
    use std::io;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn failed_accepts_wait_ever_longer_instead_of_spinning() {
        let start = tokio::time::Instant::now();
        let mut calls = 0;
        let accepted = accept_with_backoff(|| {
            calls += 1;
            let result = if calls <= 5 {
                Err(io::Error::from_raw_os_error(24)) // EMFILE
            } else {
                Ok(calls)
            };
            async move { result }
        })
        .await;
        assert_eq!(accepted, 6);
        // 10 + 20 + 40 + 80 + 160 ms of (virtual) waiting: no busy loop.
        assert_eq!(start.elapsed(), Duration::from_millis(310));
    }

    #[test]
    fn the_backoff_doubles_and_stops_at_one_second() {
        assert_eq!(accept_backoff(0), Duration::from_millis(10));
        assert_eq!(accept_backoff(3), Duration::from_millis(80));
        assert_eq!(accept_backoff(7), Duration::from_secs(1));
        assert_eq!(accept_backoff(u32::MAX), Duration::from_secs(1));
    }
}
