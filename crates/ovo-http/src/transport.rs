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
/// feature) and the webpki roots, HTTPS or plain HTTP (for the local sandbox). No OpenSSL, no
/// process-wide crypto provider. Answers larger than a limit (1 MiB by default) are refused.
#[derive(Clone, Debug)]
pub struct HyperTransport {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    max_body_bytes: usize,
}

/// Builds a [`HyperTransport`]: extra root certificates (a private CA in front of the provider,
/// a TLS-inspecting egress), and the largest answer accepted.
///
/// ```
/// let transport = ovo_http::HyperTransport::builder()
///     .max_body_bytes(64 * 1024)
///     .build()?;
/// # let _ = transport;
/// # Ok::<(), ovo_http::TransportError>(())
/// ```
#[derive(Debug)]
pub struct HyperTransportBuilder {
    roots: rustls::RootCertStore,
    max_body_bytes: usize,
}

/// The largest answer [`HyperTransport`] accepts by default: 1 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

impl HyperTransportBuilder {
    /// Trusts the certificates in `pem` as well as the webpki roots.
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
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = limit;
        self
    }

    /// The transport.
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
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(config)
            .https_or_http()
            .enable_http1()
            .build();
        Ok(HyperTransport {
            client: Client::builder(TokioExecutor::new()).build(connector),
            max_body_bytes: self.max_body_bytes,
        })
    }
}

impl HyperTransport {
    /// A transport trusting the webpki root certificates, accepting answers up to 1 MiB.
    pub fn new() -> Result<Self, TransportError> {
        Self::builder().build()
    }

    /// A builder, for extra root certificates or another body limit.
    pub fn builder() -> HyperTransportBuilder {
        HyperTransportBuilder {
            roots: rustls::RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            },
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }
}

/// Whether a connection failure came from TLS (a certificate the roots do not trust, a handshake
/// refused), found in the error's sources.
fn is_tls(error: &(dyn std::error::Error + 'static)) -> bool {
    if error.downcast_ref::<rustls::Error>().is_some() {
        return true;
    }
    // `io::Error::source` skips the error it wraps: look inside it too.
    if let Some(inner) = error
        .downcast_ref::<std::io::Error>()
        .and_then(std::io::Error::get_ref)
        && is_tls(inner)
    {
        return true;
    }
    error.source().is_some_and(is_tls)
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
                // Only a failure while connecting (the handshake included) proves the request
                // never left; a TLS error on a pooled connection may come after it was written.
                let kind = match (error.is_connect(), is_tls(&error)) {
                    (true, true) => TransportErrorKind::Tls,
                    (true, false) => TransportErrorKind::Connect,
                    (false, _) => TransportErrorKind::Interrupted,
                };
                TransportError::with_source(kind, error)
            })?;
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
                    TransportError::new(kind)
                })?
                .to_bytes();
            Ok(http::Response::from_parts(parts, body))
        };
        tokio::time::timeout(deadline, exchange)
            .await
            .map_err(|_| TransportError::new(TransportErrorKind::Timeout))?
    }
}
