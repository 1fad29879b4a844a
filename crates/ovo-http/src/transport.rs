//! The transport: send one request, get one response, within a deadline. Plug in your own (a
//! closure is one); the default is hyper-util with rustls (ring), HTTP/1.1.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

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
    /// The request could not be built (a bad URL).
    #[error("the request is malformed")]
    Malformed,
}

impl TransportError {
    /// An error of this kind.
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

    /// Its kind.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// Whether the provider may have received the request (so a money-moving call must not be
    /// re-sent).
    pub fn may_have_reached(&self) -> bool {
        matches!(
            self.kind,
            TransportErrorKind::Timeout | TransportErrorKind::Interrupted
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

/// The default transport: hyper-util's pooled client, rustls with ring (or aws-lc-rs, under that feature) and the webpki roots,
/// HTTPS or plain HTTP (for the local sandbox). No OpenSSL, no process-wide crypto provider.
#[derive(Clone, Debug)]
pub struct HyperTransport {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
}

impl HyperTransport {
    /// A transport trusting the webpki root certificates.
    pub fn new() -> Result<Self, rustls::Error> {
        let roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        #[cfg(feature = "aws-lc-rs")]
        let provider = rustls::crypto::aws_lc_rs::default_provider();
        #[cfg(not(feature = "aws-lc-rs"))]
        let provider = rustls::crypto::ring::default_provider();
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(provider))
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(config)
            .https_or_http()
            .enable_http1()
            .build();
        Ok(Self {
            client: Client::builder(TokioExecutor::new()).build(connector),
        })
    }
}

impl Transport for HyperTransport {
    async fn send(
        &self,
        request: http::Request<Bytes>,
        deadline: Duration,
    ) -> Result<http::Response<Bytes>, TransportError> {
        let (parts, body) = request.into_parts();
        let request = http::Request::from_parts(parts, Full::new(body));
        let exchange = async {
            let response = self.client.request(request).await.map_err(|error| {
                let kind = if error.is_connect() {
                    TransportErrorKind::Connect
                } else {
                    TransportErrorKind::Interrupted
                };
                TransportError::with_source(kind, error)
            })?;
            let (parts, body) = response.into_parts();
            let body = body
                .collect()
                .await
                .map_err(|error| {
                    TransportError::with_source(TransportErrorKind::Interrupted, error)
                })?
                .to_bytes();
            Ok(http::Response::from_parts(parts, body))
        };
        tokio::time::timeout(deadline, exchange)
            .await
            .map_err(|_| TransportError::new(TransportErrorKind::Timeout))?
    }
}
