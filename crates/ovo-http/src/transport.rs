//! The transport: send one request, get one response, within a deadline. Plug in your own (a
//! closure is one); the default is hyper-util with rustls (ring), HTTP/1.1, directly or through
//! an HTTP proxy.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpStream;
use tower_service::Service;

/// Why no response came back. It keeps the underlying error as its `source()`, so a TLS failure
/// and a refused connection read differently.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{kind}")]
pub struct TransportError {
    kind: TransportErrorKind,
    #[source]
    source: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

/// The kinds of transport failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// No connection was made: the request never left.
    #[error("could not connect")]
    Connect,
    /// The deadline passed: the request may have reached the provider.
    #[error("no answer before the deadline")]
    Timeout,
    /// The connection failed after it was made: the request may have reached the provider.
    #[error("the connection failed while the request was in flight")]
    Interrupted,
    /// The request could not be built (a bad URL), or the transport's configuration is invalid
    /// (a root certificate that does not parse).
    #[error("the request or the transport's configuration is malformed")]
    Malformed,
    /// TLS failed: the server's certificate is not trusted, or the handshake was refused. The
    /// request never left.
    #[error("TLS failed (certificate not trusted, or handshake refused)")]
    Tls,
    /// The answer's body is larger than the transport accepts. The request reached the provider.
    #[error("the answer is larger than the transport accepts")]
    BodyTooLarge,
    /// The HTTP proxy could not be reached, or it refused to open the tunnel (or to forward a
    /// plain-HTTP request): `407 Proxy Authentication Required`, a destination it does not allow.
    /// The request never left for the provider; the `source()` tells which.
    #[error("the HTTP proxy could not be reached or refused the request")]
    Proxy,
}

impl TransportError {
    /// An error of this kind.
    ///
    /// ```
    /// use ovo_http::{TransportError, TransportErrorKind};
    /// let error = TransportError::new(TransportErrorKind::Timeout);
    /// assert!(error.may_have_reached());
    /// ```
    pub fn new(kind: TransportErrorKind) -> Self {
        Self { kind, source: None }
    }

    /// An error of this kind, caused by `source`.
    ///
    /// ```
    /// use ovo_http::{TransportError, TransportErrorKind};
    /// let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
    /// let error = TransportError::with_source(TransportErrorKind::Connect, io);
    /// assert!(std::error::Error::source(&error).is_some());
    /// ```
    pub fn with_source(
        kind: TransportErrorKind,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self {
            kind,
            source: Some(Arc::new(source)),
        }
    }

    /// What failed (connect, TLS, timeout...), which decides whether the request may have
    /// reached the provider.
    ///
    /// ```
    /// use ovo_http::{TransportError, TransportErrorKind};
    /// let error = TransportError::new(TransportErrorKind::Proxy);
    /// assert_eq!(error.kind(), TransportErrorKind::Proxy);
    /// ```
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// Whether the provider may have received the request (so a money-moving call must not be
    /// re-sent). False only when it certainly never left: no connection, a TLS handshake that
    /// failed, a proxy that would not open the way, a request that could not be built.
    ///
    /// ```
    /// use ovo_http::{TransportError, TransportErrorKind};
    /// assert!(!TransportError::new(TransportErrorKind::Proxy).may_have_reached());
    /// assert!(TransportError::new(TransportErrorKind::Interrupted).may_have_reached());
    /// ```
    pub fn may_have_reached(&self) -> bool {
        matches!(
            self.kind,
            TransportErrorKind::Timeout
                | TransportErrorKind::Interrupted
                | TransportErrorKind::BodyTooLarge
        )
    }
}

/// Sends one request and returns its response, giving up after `deadline`.
///
/// A closure `Fn(http::Request<Bytes>, Duration) -> impl Future<Output = Result<..>>` is a
/// transport, so a test double is one line.
pub trait Transport: Send + Sync {
    /// Sends `request`.
    fn send(
        &self,
        request: http::Request<Bytes>,
        deadline: Duration,
    ) -> impl Future<Output = Result<http::Response<Bytes>, TransportError>> + Send;
}

impl<F, Fut> Transport for F
where
    F: Fn(http::Request<Bytes>, Duration) -> Fut + Send + Sync,
    Fut: Future<Output = Result<http::Response<Bytes>, TransportError>> + Send,
{
    fn send(
        &self,
        request: http::Request<Bytes>,
        deadline: Duration,
    ) -> impl Future<Output = Result<http::Response<Bytes>, TransportError>> + Send {
        self(request, deadline)
    }
}

/// The default transport: hyper-util's pooled client, rustls with ring (or aws-lc-rs, under that
/// feature) and the webpki roots, HTTPS or plain HTTP (for the local sandbox), directly or
/// through an HTTP proxy ([`HyperTransportBuilder::proxy`]). No OpenSSL, no process-wide crypto
/// provider. Answers larger than a limit (1 MiB by default) are refused.
///
/// ```
/// let transport = ovo_http::HyperTransport::new()?;
/// # let _ = transport;
/// # Ok::<(), ovo_http::TransportError>(())
/// ```
#[derive(Clone, Debug)]
pub struct HyperTransport {
    client: Client<HttpsConnector<ProxyConnector>, Full<Bytes>>,
    /// Which destinations go through which proxy (no credentials in its `Debug`).
    proxy: Option<Arc<Matcher>>,
    max_body_bytes: usize,
}

/// Builds a [`HyperTransport`]: extra root certificates (a private CA in front of the provider,
/// a TLS-inspecting egress), an HTTP proxy, and the largest answer accepted.
///
/// ```
/// let transport = ovo_http::HyperTransport::builder()
///     .max_body_bytes(64 * 1024)
///     .build()?;
/// # let _ = transport;
/// # Ok::<(), ovo_http::TransportError>(())
/// ```
///
/// Through the egress proxy of the merchant's network, with credentials (they are sent as
/// `Proxy-Authorization: Basic`, and never shown by `Debug` or in an error):
///
/// ```
/// let transport = ovo_http::HyperTransport::builder()
///     .proxy("http://merchant:s3cret@egress.internal:3128")?
///     .no_proxy("localhost, 127.0.0.1, .internal")
///     .build()?;
/// assert!(!format!("{transport:?}").contains("s3cret"));
/// # Ok::<(), ovo_http::TransportError>(())
/// ```
#[derive(Debug)]
pub struct HyperTransportBuilder {
    roots: rustls::RootCertStore,
    max_body_bytes: usize,
    proxy: ProxySetting,
    /// `no_proxy`'s hosts, kept apart from the proxy so that the order of the calls is free.
    no_proxy: String,
}

/// Where the proxy comes from.
#[derive(Debug)]
enum ProxySetting {
    /// No proxy: every connection goes straight to its destination.
    Direct,
    /// `HyperTransportBuilder::proxy` (with `no_proxy`'s exceptions, whenever it was called).
    Url(ProxyUrl),
    /// `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY`, read by `build`.
    Environment,
}

/// A proxy URL, credentials included; its `Debug` shows the proxy without them.
struct ProxyUrl {
    url: String,
    shown: http::Uri,
}

impl std::fmt::Debug for ProxyUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.shown)
    }
}

/// Why a proxy setting is unusable. Never quotes the URL, which may hold credentials.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct ProxySettingError(&'static str);

/// The largest answer [`HyperTransport`] accepts by default: 1 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// Checks that `matcher` sends both schemes to a plain-HTTP proxy (or nowhere): HTTPS goes through
/// a CONNECT tunnel, HTTP is forwarded. A SOCKS or an HTTPS proxy is not supported.
fn check_proxies(matcher: &Matcher) -> Result<(), TransportError> {
    for probe in ["https://ovo.invalid/", "http://ovo.invalid/"] {
        let probe = http::Uri::from_static(probe);
        if let Some(intercept) = matcher.intercept(&probe)
            && intercept.uri().scheme() != Some(&http::uri::Scheme::HTTP)
        {
            return Err(TransportError::with_source(
                TransportErrorKind::Malformed,
                ProxySettingError("only an http:// proxy is supported (not https:// nor SOCKS)"),
            ));
        }
    }
    Ok(())
}

/// The proxy variables [`HyperTransportBuilder::proxy_from_env`] reads, each with the names
/// hyper-util's matcher tries in turn (`NO_PROXY` aside).
const PROXY_VARIABLES: [[&str; 2]; 3] = [
    ["HTTPS_PROXY", "https_proxy"],
    ["HTTP_PROXY", "http_proxy"],
    ["ALL_PROXY", "all_proxy"],
];

/// The values of [`PROXY_VARIABLES`] as hyper-util's matcher reads them (the first name set,
/// empty when none is), paired with the first name; none in a CGI program (`REQUEST_METHOD`
/// set), where the matcher reads none either.
fn environment_proxies() -> Vec<(&'static str, String)> {
    if std::env::var_os("REQUEST_METHOD").is_some() {
        return Vec::new();
    }
    PROXY_VARIABLES
        .iter()
        .map(|[upper, lower]| {
            let value = std::env::var(upper)
                .or_else(|_| std::env::var(lower))
                .unwrap_or_default();
            (*upper, value)
        })
        .collect()
}

/// Refuses a proxy variable that is set but that hyper-util's matcher would silently ignore
/// (not a URL, a scheme it does not know): requests would go straight out instead of through
/// the proxy the deployment asked for. The error names the variable and never quotes its value,
/// which may hold credentials.
fn check_environment_proxies(variables: &[(&str, String)]) -> Result<(), TransportError> {
    for (name, value) in variables {
        if value.trim().is_empty() {
            continue;
        }
        let matcher = Matcher::builder().all(value.as_str()).build();
        if matcher
            .intercept(&http::Uri::from_static("https://ovo.invalid/"))
            .is_none()
        {
            return Err(TransportError::with_source(
                TransportErrorKind::Malformed,
                UnusableProxyVariable((*name).to_owned()),
            ));
        }
    }
    Ok(())
}

/// A proxy variable whose value is not a proxy URL. Never quotes the value.
#[derive(Debug, thiserror::Error)]
#[error("{0} is set but is not a proxy URL like http://host:port")]
struct UnusableProxyVariable(String);

impl HyperTransportBuilder {
    /// Trusts the certificates in `pem` as well as the webpki roots.
    ///
    /// ```
    /// let not_pem = ovo_http::HyperTransport::builder().add_root_certificates_pem(b"not PEM");
    /// assert_eq!(
    ///     not_pem.unwrap_err().kind(),
    ///     ovo_http::TransportErrorKind::Malformed
    /// );
    /// ```
    pub fn add_root_certificates_pem(mut self, pem: &[u8]) -> Result<Self, TransportError> {
        use rustls::pki_types::CertificateDer;
        use rustls::pki_types::pem::PemObject as _;
        let mut added = 0;
        for certificate in CertificateDer::pem_slice_iter(pem) {
            let certificate = certificate
                .map_err(|e| TransportError::with_source(TransportErrorKind::Malformed, e))?;
            self.roots
                .add(certificate)
                .map_err(|e| TransportError::with_source(TransportErrorKind::Malformed, e))?;
            added += 1;
        }
        if added == 0 {
            return Err(TransportError::new(TransportErrorKind::Malformed));
        }
        Ok(self)
    }

    /// The largest answer body accepted; a larger one is [`TransportErrorKind::BodyTooLarge`].
    ///
    /// ```
    /// let transport = ovo_http::HyperTransport::builder().max_body_bytes(64 * 1024).build()?;
    /// # let _ = transport;
    /// # Ok::<(), ovo_http::TransportError>(())
    /// ```
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = limit;
        self
    }

    /// Sends every request through the HTTP proxy at `url` (`http://host:port`, with
    /// `http://user:password@host:port` for Basic proxy authentication; percent-encode reserved
    /// characters in them). HTTPS requests go through a `CONNECT` tunnel, so the proxy sees the
    /// provider's host name and nothing else; plain-HTTP requests (the local sandbox) are
    /// forwarded to it. [`no_proxy`](Self::no_proxy) lists the hosts reached directly.
    ///
    /// A proxy that cannot be reached or refuses the tunnel (`407 Proxy Authentication Required`,
    /// a host it does not allow) is [`TransportErrorKind::Proxy`]: the request never left. The
    /// credentials are never shown by `Debug` nor in an error.
    ///
    /// A forwarded plain-HTTP request has no tunnel to tell the proxy's answers from the
    /// provider's: only a `407` is read as the proxy's own. A `502`, `503` or `504` the proxy
    /// writes itself (the sandbox is down, say) is read as the provider's answer. Plain HTTP is
    /// for the local sandbox only; every provider call is HTTPS, through a tunnel.
    ///
    /// A URL that is not an `http://` URL (an `https://` or SOCKS proxy) is
    /// [`TransportErrorKind::Malformed`].
    ///
    /// ```
    /// use ovo_http::{HyperTransport, TransportErrorKind};
    ///
    /// let transport = HyperTransport::builder()
    ///     .proxy("http://merchant:s3cret@egress.internal:3128")?
    ///     .build()?;
    /// # let _ = transport;
    /// let socks = HyperTransport::builder().proxy("socks5://egress.internal:1080");
    /// assert_eq!(socks.unwrap_err().kind(), TransportErrorKind::Malformed);
    /// # Ok::<(), ovo_http::TransportError>(())
    /// ```
    pub fn proxy(mut self, url: &str) -> Result<Self, TransportError> {
        let malformed = |why| {
            TransportError::with_source(TransportErrorKind::Malformed, ProxySettingError(why))
        };
        let matcher = Matcher::builder().all(url).build();
        check_proxies(&matcher)?;
        let shown = matcher
            .intercept(&http::Uri::from_static("https://ovo.invalid/"))
            .map(|intercept| intercept.uri().clone())
            .ok_or_else(|| malformed("the proxy URL is not a URL like http://host:port"))?;
        self.proxy = ProxySetting::Url(ProxyUrl {
            url: url.to_owned(),
            shown,
        });
        Ok(self)
    }

    /// The hosts reached without the [`proxy`](Self::proxy): a comma-separated list as in
    /// `NO_PROXY` (`example.com` also matches its subdomains, `.example.com` likewise; IP
    /// addresses and networks such as `10.0.0.0/8`; `*` for every host). It may come before or
    /// after [`proxy`](Self::proxy); a second call replaces the first. Without a proxy, or with
    /// [`proxy_from_env`](Self::proxy_from_env) (which reads `NO_PROXY` itself), it does
    /// nothing.
    ///
    /// ```
    /// let transport = ovo_http::HyperTransport::builder()
    ///     .no_proxy("localhost, 127.0.0.1, sandbox.internal")
    ///     .proxy("http://egress.internal:3128")?
    ///     .build()?;
    /// # let _ = transport;
    /// # Ok::<(), ovo_http::TransportError>(())
    /// ```
    pub fn no_proxy(mut self, hosts: &str) -> Self {
        hosts.clone_into(&mut self.no_proxy);
        self
    }

    /// Takes the proxy from the environment when [`build`](Self::build) runs, as curl does:
    /// `HTTPS_PROXY` (or `https_proxy`) for HTTPS, `HTTP_PROXY` (or `http_proxy`) for HTTP,
    /// `ALL_PROXY` for both when those are unset, and `NO_PROXY` for the hosts reached directly.
    /// Without those variables, requests go directly. Opt-in: [`HyperTransport::new`] ignores
    /// the environment. (As a guard against "httpoxy", nothing is read when `REQUEST_METHOD` is
    /// set, that is in a CGI program.) Replaces a [`proxy`](Self::proxy) set before.
    ///
    /// ```
    /// let transport = ovo_http::HyperTransport::builder().proxy_from_env().build()?;
    /// # let _ = transport;
    /// # Ok::<(), ovo_http::TransportError>(())
    /// ```
    pub fn proxy_from_env(mut self) -> Self {
        self.proxy = ProxySetting::Environment;
        self
    }

    /// The transport. With [`proxy_from_env`](Self::proxy_from_env), a variable naming a
    /// proxy other than `http://`, or one that is set but not a proxy URL at all, is
    /// [`TransportErrorKind::Malformed`] (naming the variable, never quoting its value).
    ///
    /// ```
    /// let transport = ovo_http::HyperTransport::builder().build()?;
    /// # let _ = transport;
    /// # Ok::<(), ovo_http::TransportError>(())
    /// ```
    pub fn build(self) -> Result<HyperTransport, TransportError> {
        #[cfg(feature = "aws-lc-rs")]
        let provider = rustls::crypto::aws_lc_rs::default_provider();
        #[cfg(not(feature = "aws-lc-rs"))]
        let provider = rustls::crypto::ring::default_provider();
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(provider))
            .with_safe_default_protocol_versions()
            .map_err(|e| TransportError::with_source(TransportErrorKind::Tls, e))?
            .with_root_certificates(self.roots)
            .with_no_client_auth();
        let proxy = match self.proxy {
            ProxySetting::Direct => None,
            ProxySetting::Url(url) => Some(
                Matcher::builder()
                    .all(url.url.as_str())
                    .no(self.no_proxy.as_str())
                    .build(),
            ),
            ProxySetting::Environment => {
                check_environment_proxies(&environment_proxies())?;
                Some(Matcher::from_env())
            }
        };
        if let Some(matcher) = &proxy {
            check_proxies(matcher)?;
        }
        let proxy = proxy.map(Arc::new);
        let mut http = HttpConnector::new();
        // The destination may be https: TLS is layered on top by the HttpsConnector.
        http.enforce_http(false);
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(config)
            .https_or_http()
            .enable_http1()
            .wrap_connector(ProxyConnector {
                http,
                proxy: proxy.clone(),
            });
        Ok(HyperTransport {
            client: Client::builder(TokioExecutor::new()).build(connector),
            proxy,
            max_body_bytes: self.max_body_bytes,
        })
    }
}

impl HyperTransport {
    /// A transport trusting the webpki root certificates, accepting answers up to 1 MiB,
    /// connecting directly (no proxy, whatever the environment says).
    ///
    /// ```
    /// let transport = ovo_http::HyperTransport::new()?;
    /// # let _ = transport;
    /// # Ok::<(), ovo_http::TransportError>(())
    /// ```
    pub fn new() -> Result<Self, TransportError> {
        Self::builder().build()
    }

    /// A builder, for extra root certificates, a proxy or another body limit.
    ///
    /// ```
    /// let transport = ovo_http::HyperTransport::builder()
    ///     .proxy_from_env()
    ///     .max_body_bytes(256 * 1024)
    ///     .build()?;
    /// # let _ = transport;
    /// # Ok::<(), ovo_http::TransportError>(())
    /// ```
    pub fn builder() -> HyperTransportBuilder {
        HyperTransportBuilder {
            roots: rustls::RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            },
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            proxy: ProxySetting::Direct,
            no_proxy: String::new(),
        }
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type Connecting<T> = Pin<Box<dyn Future<Output = Result<T, BoxError>> + Send>>;

/// A proxy failure: the request never left for its destination.
#[derive(Debug, thiserror::Error)]
enum ProxyFailure {
    /// No connection to the proxy.
    #[error("could not connect to the HTTP proxy")]
    Unreachable(#[source] BoxError),
    /// The proxy answered the `CONNECT` with something other than 200 (407 included).
    #[error("the HTTP proxy did not open the tunnel")]
    Refused(#[source] BoxError),
    /// The proxy answered a forwarded request with 407.
    #[error("the HTTP proxy asks for credentials (407 Proxy Authentication Required)")]
    AuthenticationRequired,
}

/// The connector under TLS: straight to the destination, through a `CONNECT` tunnel of the
/// proxy (HTTPS), or to the proxy itself, which forwards the request (plain HTTP).
#[derive(Clone, Debug)]
struct ProxyConnector {
    http: HttpConnector,
    proxy: Option<Arc<Matcher>>,
}

/// The connection to the proxy under a tunnel: its failure is [`ProxyFailure::Unreachable`].
#[derive(Clone, Debug)]
struct ToProxy(HttpConnector);

impl Service<http::Uri> for ToProxy {
    type Response = TokioIo<TcpStream>;
    type Error = ProxyFailure;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, ProxyFailure>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), ProxyFailure>> {
        self.0
            .poll_ready(cx)
            .map_err(|e| ProxyFailure::Unreachable(e.into()))
    }

    fn call(&mut self, proxy: http::Uri) -> Self::Future {
        let connecting = self.0.call(proxy);
        Box::pin(async move {
            connecting
                .await
                .map_err(|e| ProxyFailure::Unreachable(e.into()))
        })
    }
}

impl Service<http::Uri> for ProxyConnector {
    type Response = ProxiedStream;
    type Error = BoxError;
    type Future = Connecting<ProxiedStream>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.http.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, destination: http::Uri) -> Self::Future {
        let intercept = self
            .proxy
            .as_ref()
            .and_then(|matcher| matcher.intercept(&destination));
        let mut http = self.http.clone();
        Box::pin(async move {
            let Some(intercept) = intercept else {
                let io = http.call(destination).await?;
                return Ok(ProxiedStream {
                    io,
                    forwarded: false,
                });
            };
            if destination.scheme() == Some(&http::uri::Scheme::HTTPS) {
                let mut tunnel = Tunnel::new(intercept.uri().clone(), ToProxy(http));
                if let Some(credentials) = intercept.basic_auth() {
                    tunnel = tunnel.with_auth(credentials.clone());
                }
                let io = tunnel.call(destination).await.map_err(|error| {
                    // A failure to reach the proxy is kept as it is (its cause is a
                    // `ProxyFailure::Unreachable`); anything else is the proxy's refusal.
                    let unreachable = std::error::Error::source(&error)
                        .is_some_and(|cause| cause.is::<ProxyFailure>());
                    if unreachable {
                        Box::new(error) as BoxError
                    } else {
                        Box::new(ProxyFailure::Refused(Box::new(error)))
                    }
                })?;
                Ok(ProxiedStream {
                    io,
                    forwarded: false,
                })
            } else {
                let io = http
                    .call(intercept.uri().clone())
                    .await
                    .map_err(|e| ProxyFailure::Unreachable(e.into()))?;
                Ok(ProxiedStream {
                    io,
                    forwarded: true,
                })
            }
        })
    }
}

/// A connection, marked as one to a forwarding proxy when it is (so that hyper writes requests
/// in absolute form: `GET http://host/path`).
#[derive(Debug)]
struct ProxiedStream {
    io: TokioIo<TcpStream>,
    forwarded: bool,
}

impl Connection for ProxiedStream {
    fn connected(&self) -> Connected {
        self.io.connected().proxy(self.forwarded)
    }
}

impl hyper::rt::Read for ProxiedStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_read(cx, buf)
    }
}

impl hyper::rt::Write for ProxiedStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }
}

/// Whether `error` or one of its sources is a `T`, looking inside `io::Error`s too (their
/// `source()` skips the error they wrap).
fn caused_by<T: std::error::Error + 'static>(error: &(dyn std::error::Error + 'static)) -> bool {
    if error.is::<T>() {
        return true;
    }
    if let Some(inner) = error
        .downcast_ref::<std::io::Error>()
        .and_then(std::io::Error::get_ref)
        && caused_by::<T>(inner)
    {
        return true;
    }
    error.source().is_some_and(caused_by::<T>)
}

impl Transport for HyperTransport {
    async fn send(
        &self,
        request: http::Request<Bytes>,
        deadline: Duration,
    ) -> Result<http::Response<Bytes>, TransportError> {
        let (mut parts, body) = request.into_parts();
        // A plain-HTTP request forwarded by the proxy carries the proxy's credentials itself (an
        // HTTPS one has them on its tunnel's CONNECT only).
        let forwarded = match &self.proxy {
            Some(matcher) if parts.uri.scheme() == Some(&http::uri::Scheme::HTTP) => {
                matcher.intercept(&parts.uri)
            }
            _ => None,
        };
        if let Some(credentials) = forwarded.as_ref().and_then(|i| i.basic_auth()) {
            let mut credentials = credentials.clone();
            credentials.set_sensitive(true);
            parts
                .headers
                .insert(http::header::PROXY_AUTHORIZATION, credentials);
        }
        let request = http::Request::from_parts(parts, Full::new(body));
        let exchange = async {
            let response = self.client.request(request).await.map_err(|error| {
                // Only a failure while connecting (the handshake and the proxy's tunnel included)
                // proves the request never left; a TLS error on a pooled connection may come
                // after it was written.
                let kind = if !error.is_connect() {
                    TransportErrorKind::Interrupted
                } else if caused_by::<ProxyFailure>(&error) {
                    TransportErrorKind::Proxy
                } else if caused_by::<rustls::Error>(&error) {
                    TransportErrorKind::Tls
                } else {
                    TransportErrorKind::Connect
                };
                TransportError::with_source(kind, error)
            })?;
            if forwarded.is_some()
                && response.status() == http::StatusCode::PROXY_AUTHENTICATION_REQUIRED
            {
                // The proxy refused to forward it: it never reached the provider.
                return Err(TransportError::with_source(
                    TransportErrorKind::Proxy,
                    ProxyFailure::AuthenticationRequired,
                ));
            }
            let (parts, body) = response.into_parts();
            let body = http_body_util::Limited::new(body, self.max_body_bytes)
                .collect()
                .await
                .map_err(|error| {
                    let kind = if error.is::<http_body_util::LengthLimitError>() {
                        TransportErrorKind::BodyTooLarge
                    } else {
                        TransportErrorKind::Interrupted
                    };
                    // hyper's or the limit's error, kept as the cause.
                    TransportError {
                        kind,
                        source: Some(Arc::from(error)),
                    }
                })?
                .to_bytes();
            Ok(http::Response::from_parts(parts, body))
        };
        tokio::time::timeout(deadline, exchange)
            .await
            .map_err(|_| TransportError::new(TransportErrorKind::Timeout))?
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    fn variables(https: &str, http: &str, all: &str) -> Vec<(&'static str, String)> {
        vec![
            ("HTTPS_PROXY", https.to_owned()),
            ("HTTP_PROXY", http.to_owned()),
            ("ALL_PROXY", all.to_owned()),
        ]
    }

    #[test]
    fn a_proxy_variable_the_matcher_would_ignore_is_malformed_and_never_quoted() {
        for value in [
            "ftp://merchant:s3cret@egress.internal:21",
            "http://merchant:s3cret@egress internal:3128",
            "merchant:s3cret@",
        ] {
            for (at, name) in [(0, "HTTPS_PROXY"), (1, "HTTP_PROXY"), (2, "ALL_PROXY")] {
                let mut set = variables("", "", "");
                set[at].1 = value.to_owned();
                let error = check_environment_proxies(&set).unwrap_err();
                assert_eq!(error.kind(), TransportErrorKind::Malformed, "{value}");
                let cause = std::error::Error::source(&error).unwrap().to_string();
                assert!(cause.contains(name), "{cause}");
                let shown = format!("{error} {error:?} {cause}");
                assert!(!shown.contains("s3cret"), "{shown}");
            }
        }
    }

    #[test]
    fn unset_empty_and_usable_proxy_variables_pass() {
        for https in [
            "",
            "  ",
            "http://egress.internal:3128",
            "http://merchant:s3cret@egress.internal:3128",
            "egress.internal:3128",
        ] {
            check_environment_proxies(&variables(https, https, "")).unwrap();
            check_environment_proxies(&variables("", "", https)).unwrap();
        }
        check_environment_proxies(&[]).unwrap();
    }

    #[test]
    fn no_proxy_holds_whether_it_comes_before_or_after_the_proxy() {
        let before = HyperTransport::builder()
            .no_proxy("sandbox.internal")
            .proxy("http://egress.internal:3128")
            .unwrap();
        let after = HyperTransport::builder()
            .proxy("http://egress.internal:3128")
            .unwrap()
            .no_proxy("sandbox.internal");
        let replaced = HyperTransport::builder()
            .no_proxy("sandbox.internal")
            .proxy("http://first.internal:3128")
            .unwrap()
            .proxy("http://egress.internal:3128")
            .unwrap();
        for builder in [before, after, replaced] {
            let transport = builder.build().unwrap();
            let matcher = transport.proxy.as_ref().unwrap();
            let direct = http::Uri::from_static("https://sandbox.internal/");
            assert!(matcher.intercept(&direct).is_none());
            let proxied = matcher
                .intercept(&http::Uri::from_static("https://api.ovo.id/"))
                .unwrap();
            assert_eq!(proxied.uri().host(), Some("egress.internal"));
        }
    }
}
