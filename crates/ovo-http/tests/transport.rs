//! The default transport's errors keep their meaning: a refused connection, a TLS failure, a
//! proxy's refusal and an answer too large read differently, and only the first three promise the
//! request never left. Requests go through an HTTP proxy (a `CONNECT` tunnel for HTTPS) when one
//! is set: an in-process proxy here, in front of a TLS server whose certificate a test CA signed.
//! The clients' calls that must succeed report these errors as they are, kind and cause kept.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use ovo_http::{HyperTransport, Transport, TransportErrorKind};
use tokio::net::TcpListener;

/// A plain-HTTP server on loopback answering every request with `size` bytes.
async fn server(size: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let service = service_fn(move |_request| async move {
                    Ok::<_, Infallible>(http::Response::new(Full::new(Bytes::from(vec![
                        b'x';
                        size
                    ]))))
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    format!("127.0.0.1:{}", addr.port())
}

fn get(url: String) -> http::Request<Bytes> {
    http::Request::get(url).body(Bytes::new()).unwrap()
}

#[tokio::test]
async fn an_answer_over_the_limit_is_a_typed_error() {
    let host = server(4096).await;
    let small = HyperTransport::builder()
        .max_body_bytes(1024)
        .build()
        .unwrap();
    let error = small
        .send(get(format!("http://{host}/")), Duration::from_secs(5))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), TransportErrorKind::BodyTooLarge);
    assert!(error.may_have_reached(), "the request did reach the server");
    let roomy = HyperTransport::new().unwrap();
    let response = roomy
        .send(get(format!("http://{host}/")), Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(response.body().len(), 4096);
}

#[tokio::test]
async fn an_answer_cut_short_is_interrupted_with_its_cause() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // A server that promises 100 bytes, sends 3 and hangs up.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut request = [0u8; 1024];
        let _ = stream.read(&mut request).await.unwrap();
        stream
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc")
            .await
            .unwrap();
    });
    let error = HyperTransport::new()
        .unwrap()
        .send(
            get(format!("http://127.0.0.1:{port}/")),
            Duration::from_secs(5),
        )
        .await
        .unwrap_err();
    assert_eq!(error.kind(), TransportErrorKind::Interrupted);
    assert!(error.may_have_reached());
    let cause = std::error::Error::source(&error).expect("hyper's error is kept");
    assert!(!cause.to_string().is_empty());
    // The limit's own error is kept likewise.
    let host = server(4096).await;
    let error = HyperTransport::builder()
        .max_body_bytes(1024)
        .build()
        .unwrap()
        .send(get(format!("http://{host}/")), Duration::from_secs(5))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), TransportErrorKind::BodyTooLarge);
    assert!(std::error::Error::source(&error).is_some());
}

#[tokio::test]
async fn a_tls_failure_and_a_refused_connection_read_differently() {
    // TLS to a server that speaks plain HTTP: the handshake fails.
    let host = server(10).await;
    let transport = HyperTransport::new().unwrap();
    let error = transport
        .send(get(format!("https://{host}/")), Duration::from_secs(5))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), TransportErrorKind::Tls, "{error:?}");
    assert!(!error.may_have_reached());
    assert!(
        std::error::Error::source(&error).is_some(),
        "the cause is kept"
    );

    // A port nobody listens on: refused.
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let error = transport
        .send(
            get(format!("http://127.0.0.1:{port}/")),
            Duration::from_secs(5),
        )
        .await
        .unwrap_err();
    assert_eq!(error.kind(), TransportErrorKind::Connect, "{error:?}");
    assert!(!error.may_have_reached());
}

#[test]
fn a_root_certificate_that_is_not_pem_is_refused() {
    let error = HyperTransport::builder()
        .add_root_certificates_pem(b"not a certificate")
        .unwrap_err();
    assert_eq!(error.kind(), TransportErrorKind::Malformed);
}

/// The test CA that signed `fixtures/server.pem` (see `fixtures/generate.sh`).
const TEST_CA: &[u8] = include_bytes!("fixtures/ca.pem");
/// `merchant:s3cret`, as Basic credentials.
const MERCHANT_CREDENTIALS: &str = "Basic bWVyY2hhbnQ6czNjcmV0";

/// A TLS server on loopback (certificate for 127.0.0.1, signed by the test CA) answering every
/// request with "hello over TLS", counting the requests it received.
async fn tls_server() -> (u16, Arc<AtomicUsize>) {
    use rustls::pki_types::pem::PemObject as _;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certificates =
        CertificateDer::pem_slice_iter(include_bytes!("fixtures/server.pem").as_slice())
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
    let key = PrivateKeyDer::from_pem_slice(include_bytes!("fixtures/server-key.pem")).unwrap();
    #[cfg(feature = "aws-lc-rs")]
    let provider = rustls::crypto::aws_lc_rs::default_provider();
    #[cfg(not(feature = "aws-lc-rs"))]
    let provider = rustls::crypto::ring::default_provider();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(provider))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certificates, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let requests = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&requests);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let counted = Arc::clone(&counted);
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(stream).await else {
                    return;
                };
                let service = service_fn(move |_request| {
                    counted.fetch_add(1, Ordering::SeqCst);
                    async {
                        Ok::<_, Infallible>(http::Response::new(Full::new(Bytes::from_static(
                            b"hello over TLS",
                        ))))
                    }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    (port, requests)
}

/// An HTTP proxy on loopback, built on hyper's server: it opens `CONNECT` tunnels and answers
/// forwarded plain-HTTP requests itself (with the absolute URI it was asked for). With
/// `required` set, it answers 407 to requests without exactly those credentials.
struct Proxy {
    port: u16,
    tunnels: Arc<AtomicUsize>,
    forwarded: Arc<AtomicUsize>,
    /// The `Proxy-Authorization` of each request, if any.
    credentials: Arc<Mutex<Vec<Option<String>>>>,
}

async fn proxy(required: Option<&'static str>) -> Proxy {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy = Proxy {
        port: listener.local_addr().unwrap().port(),
        tunnels: Arc::default(),
        forwarded: Arc::default(),
        credentials: Arc::default(),
    };
    let (tunnels, forwarded, credentials) = (
        Arc::clone(&proxy.tunnels),
        Arc::clone(&proxy.forwarded),
        Arc::clone(&proxy.credentials),
    );
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (tunnels, forwarded, credentials) = (
                Arc::clone(&tunnels),
                Arc::clone(&forwarded),
                Arc::clone(&credentials),
            );
            let service = service_fn(move |request: http::Request<hyper::body::Incoming>| {
                let (tunnels, forwarded, credentials) = (
                    Arc::clone(&tunnels),
                    Arc::clone(&forwarded),
                    Arc::clone(&credentials),
                );
                async move {
                    let given = request
                        .headers()
                        .get(http::header::PROXY_AUTHORIZATION)
                        .map(|v| v.to_str().unwrap().to_owned());
                    credentials.lock().unwrap().push(given.clone());
                    if required.is_some() && given.as_deref() != required {
                        let mut refused = http::Response::new(Full::new(Bytes::new()));
                        *refused.status_mut() = http::StatusCode::PROXY_AUTHENTICATION_REQUIRED;
                        return Ok::<_, Infallible>(refused);
                    }
                    if request.method() == http::Method::CONNECT {
                        tunnels.fetch_add(1, Ordering::SeqCst);
                        let target = request.uri().authority().unwrap().to_string();
                        tokio::spawn(async move {
                            let upgraded = hyper::upgrade::on(request).await.unwrap();
                            let mut target = tokio::net::TcpStream::connect(target).await.unwrap();
                            let _ = tokio::io::copy_bidirectional(
                                &mut TokioIo::new(upgraded),
                                &mut target,
                            )
                            .await;
                        });
                        return Ok(http::Response::new(Full::new(Bytes::new())));
                    }
                    forwarded.fetch_add(1, Ordering::SeqCst);
                    Ok(http::Response::new(Full::new(Bytes::from(
                        request.uri().to_string(),
                    ))))
                }
            });
            tokio::spawn(async move {
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .with_upgrades()
                    .await;
            });
        }
    });
    proxy
}

/// The whole `source()` chain of `error`, as text.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(next) = cause {
        text.push_str(": ");
        text.push_str(&next.to_string());
        cause = next.source();
    }
    text
}

#[tokio::test]
async fn https_goes_through_the_proxys_tunnel_with_its_credentials() {
    let (target, requests) = tls_server().await;
    let proxy = proxy(Some(MERCHANT_CREDENTIALS)).await;
    let builder = HyperTransport::builder()
        .add_root_certificates_pem(TEST_CA)
        .unwrap()
        .proxy(&format!("http://merchant:s3cret@127.0.0.1:{}", proxy.port))
        .unwrap();
    let shown = format!("{builder:?}");
    assert!(
        !shown.contains("s3cret") && !shown.contains("merchant") && shown.contains("127.0.0.1"),
        "the builder shows the proxy without its credentials"
    );
    let transport = builder.build().unwrap();
    assert!(
        !format!("{transport:?}").contains("s3cret"),
        "{transport:?}"
    );
    for _ in 0..2 {
        let response = transport
            .send(
                get(format!("https://127.0.0.1:{target}/v1.0/balance-inquiry")),
                Duration::from_secs(5),
            )
            .await
            .unwrap();
        assert_eq!(response.body().as_ref(), b"hello over TLS");
    }
    assert_eq!(
        proxy.tunnels.load(Ordering::SeqCst),
        1,
        "one tunnel, kept in the pool for the second request"
    );
    assert_eq!(requests.load(Ordering::SeqCst), 2);
    assert_eq!(
        *proxy.credentials.lock().unwrap(),
        [Some(MERCHANT_CREDENTIALS.to_owned())],
        "the CONNECT carried the credentials"
    );
}

#[tokio::test]
async fn a_proxy_refusing_the_credentials_is_a_proxy_error_and_nothing_was_sent() {
    let (target, requests) = tls_server().await;
    let proxy = proxy(Some(MERCHANT_CREDENTIALS)).await;
    for url in [
        format!("http://merchant:wrong-password@127.0.0.1:{}", proxy.port),
        format!("http://127.0.0.1:{}", proxy.port),
    ] {
        let transport = HyperTransport::builder()
            .add_root_certificates_pem(TEST_CA)
            .unwrap()
            .proxy(&url)
            .unwrap()
            .build()
            .unwrap();
        let error = transport
            .send(
                get(format!("https://127.0.0.1:{target}/")),
                Duration::from_secs(5),
            )
            .await
            .unwrap_err();
        assert_eq!(error.kind(), TransportErrorKind::Proxy, "{error:?}");
        assert!(!error.may_have_reached(), "a refused tunnel sends nothing");
        let text = chain(&error);
        assert!(text.contains("did not open the tunnel"), "{text}");
        assert!(text.contains("proxy authorization required"), "{text}");
        assert!(
            !text.contains("wrong-password") && !format!("{error:?}").contains("wrong-password")
        );
        // A plain-HTTP request the proxy would not forward: the same kind.
        let error = transport
            .send(
                get("http://sandbox.invalid/".to_owned()),
                Duration::from_secs(5),
            )
            .await
            .unwrap_err();
        assert_eq!(error.kind(), TransportErrorKind::Proxy, "{error:?}");
        assert!(!error.may_have_reached());
    }
    assert_eq!(proxy.tunnels.load(Ordering::SeqCst), 0);
    assert_eq!(
        requests.load(Ordering::SeqCst),
        0,
        "nothing reached the server"
    );
}

#[tokio::test]
async fn an_unreachable_proxy_reads_differently_from_a_tls_failure() {
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let transport = HyperTransport::builder()
        .proxy(&format!("http://merchant:s3cret@127.0.0.1:{port}"))
        .unwrap()
        .build()
        .unwrap();
    for url in ["https://api.ovo.invalid/", "http://sandbox.invalid/"] {
        let error = transport
            .send(get(url.to_owned()), Duration::from_secs(5))
            .await
            .unwrap_err();
        assert_eq!(error.kind(), TransportErrorKind::Proxy, "{error:?}");
        assert!(!error.may_have_reached(), "nothing was sent");
        let text = chain(&error);
        assert!(
            text.contains("could not connect to the HTTP proxy"),
            "{text}"
        );
        assert!(!text.contains("s3cret") && !format!("{error:?}").contains("s3cret"));
    }

    // Through a working tunnel to a server that does not speak TLS: a TLS failure, not the
    // proxy's.
    let plain = server(10).await;
    let proxy = proxy(None).await;
    let transport = HyperTransport::builder()
        .proxy(&format!("http://127.0.0.1:{}", proxy.port))
        .unwrap()
        .build()
        .unwrap();
    let error = transport
        .send(get(format!("https://{plain}/")), Duration::from_secs(5))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), TransportErrorKind::Tls, "{error:?}");
    assert!(!error.may_have_reached());
    assert_eq!(proxy.tunnels.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn plain_http_is_forwarded_by_the_proxy_and_no_proxy_hosts_go_direct() {
    let proxy = proxy(Some(MERCHANT_CREDENTIALS)).await;
    let direct = server(3).await;
    let transport = HyperTransport::builder()
        .proxy(&format!("http://merchant:s3cret@127.0.0.1:{}", proxy.port))
        .unwrap()
        .no_proxy("localhost, 127.0.0.1")
        .build()
        .unwrap();
    let response = transport
        .send(
            get("http://sandbox.invalid:8080/snap/v1.0/balance-inquiry".to_owned()),
            Duration::from_secs(5),
        )
        .await
        .unwrap();
    assert_eq!(
        response.body().as_ref(),
        b"http://sandbox.invalid:8080/snap/v1.0/balance-inquiry",
        "the proxy got the request in absolute form"
    );
    assert_eq!(proxy.forwarded.load(Ordering::SeqCst), 1);
    assert_eq!(
        *proxy.credentials.lock().unwrap(),
        [Some(MERCHANT_CREDENTIALS.to_owned())]
    );
    let response = transport
        .send(get(format!("http://{direct}/")), Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(
        response.body().as_ref(),
        b"xxx",
        "127.0.0.1 is reached directly"
    );
    assert_eq!(proxy.forwarded.load(Ordering::SeqCst), 1);
    assert_eq!(proxy.tunnels.load(Ordering::SeqCst), 0);
}

#[test]
fn a_proxy_url_that_is_not_http_is_refused_without_quoting_it() {
    for url in [
        "socks5://merchant:s3cret@egress.internal:1080",
        "https://merchant:s3cret@egress.internal:3128",
        "merchant:s3cret@ not a url",
    ] {
        let error = HyperTransport::builder().proxy(url).unwrap_err();
        assert_eq!(error.kind(), TransportErrorKind::Malformed, "{url}");
        assert!(!chain(&error).contains("s3cret"), "{}", chain(&error));
    }
}

/// A client of OVO direct at `base_url` over `transport`, without retries, with `customer-1`
/// bound (a usable access token in its store).
async fn snap_client(
    base_url: &str,
    transport: HyperTransport,
) -> ovo_http::OvoClient<HyperTransport> {
    use ovo_http::ovo_model::Secret;
    use ovo_http::ovo_sign::{ClientSecret, PrivateKey};
    use ovo_http::{CustomerTokens, MemoryTokenStore, SnapConfig, SnapCredentials, TokenStore};
    let key = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../ovo-sign/tests/vectors/keys/rsa2048-pkcs8.pem");
    let credentials = SnapCredentials {
        private_key: PrivateKey::from_pem(&std::fs::read(key).unwrap()).unwrap(),
        client_secret: ClientSecret::new("secret").unwrap(),
    };
    let config = SnapConfig::builder(base_url, "partner")
        .callback_url("http://merchant.test/ovo/callback")
        .build()
        .unwrap();
    let tokens = Arc::new(MemoryTokenStore::default());
    tokens
        .put(
            "customer-1",
            &CustomerTokens::issued(
                Secret::new("access-1"),
                Some(Secret::new("refresh-1")),
                time::OffsetDateTime::now_utc(),
            ),
        )
        .await
        .unwrap();
    let mut options = ovo_http::ClientOptions::default();
    options.retry.max_retries = 0;
    ovo_http::OvoClient::builder(config, credentials, transport)
        .options(options)
        .token_store(tokens)
        .build()
}

/// The transport error a client call failed with, or a panic naming what came instead.
fn transport_error<T: std::fmt::Debug>(
    result: Result<T, ovo_http::ClientError>,
) -> ovo_http::TransportError {
    match result {
        Err(ovo_http::ClientError::Transport(error)) => error,
        other => panic!("expected a transport error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_client_call_to_an_untrusted_certificate_reports_tls_with_its_cause() {
    // The server's certificate is signed by the test CA, which this transport does not trust.
    let (port, requests) = tls_server().await;
    let client = snap_client(
        &format!("https://127.0.0.1:{port}"),
        HyperTransport::new().unwrap(),
    )
    .await;

    let error = transport_error(client.balance("customer-1").await);
    assert_eq!(error.kind(), TransportErrorKind::Tls, "{error:?}");
    assert!(!error.may_have_reached());
    let client_error = ovo_http::ClientError::Transport(error);
    let text = chain(&client_error);
    assert!(
        text.starts_with("TLS failed (certificate not trusted, or handshake refused): "),
        "{text}"
    );
    assert!(text.contains("invalid peer certificate"), "{text}");
    assert_eq!(
        text.matches("TLS failed").count(),
        1,
        "each cause is said once: {text}"
    );

    // A call with the B2B token fails on fetching it: the same error, kept inside.
    match client.lookup("6281234567890").await {
        Err(ovo_http::ClientError::B2bToken(inner)) => {
            let ovo_http::ClientError::Transport(error) = inner.as_ref() else {
                panic!("{inner:?}");
            };
            assert_eq!(error.kind(), TransportErrorKind::Tls, "{error:?}");
            assert!(chain(error).contains("invalid peer certificate"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(requests.load(Ordering::SeqCst), 0, "no request was sent");
}

#[tokio::test]
async fn a_client_call_to_a_closed_port_reports_connect() {
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let base_url = format!("http://127.0.0.1:{port}");
    let client = snap_client(&base_url, HyperTransport::new().unwrap()).await;
    for error in [
        transport_error(client.balance("customer-1").await),
        transport_error(client.status("customer-1", "order-1").await),
    ] {
        assert_eq!(error.kind(), TransportErrorKind::Connect, "{error:?}");
        assert!(!error.may_have_reached());
        let text = chain(&ovo_http::ClientError::Transport(error));
        assert!(text.starts_with("could not connect: "), "{text}");
    }

    // DOKU's calls report the same.
    let mut options = ovo_http::ClientOptions::default();
    options.retry.max_retries = 0;
    let doku = ovo_http::DokuClient::with(
        ovo_http::DokuConfig::new(&base_url, "client").unwrap(),
        ovo_http::ovo_sign::ClientSecret::new("secret").unwrap(),
        HyperTransport::new().unwrap(),
        options,
        Arc::new(ovo_http::SystemClock),
    );
    let request = ovo_http::ovo_model::doku::TokenListRequest::wallet_recurring("customer-1");
    let error = transport_error(doku.tokens(&request).await);
    assert_eq!(error.kind(), TransportErrorKind::Connect, "{error:?}");
    assert!(
        std::error::Error::source(&error).is_some(),
        "the cause is kept"
    );
}

#[tokio::test]
async fn a_client_call_through_a_proxy_refusing_its_credentials_reports_proxy() {
    let (target, requests) = tls_server().await;
    let proxy = proxy(Some(MERCHANT_CREDENTIALS)).await;
    let transport = HyperTransport::builder()
        .add_root_certificates_pem(TEST_CA)
        .unwrap()
        .proxy(&format!(
            "http://merchant:wrong-password@127.0.0.1:{}",
            proxy.port
        ))
        .unwrap()
        .build()
        .unwrap();
    let client = snap_client(&format!("https://127.0.0.1:{target}"), transport).await;
    let error = transport_error(client.balance("customer-1").await);
    assert_eq!(error.kind(), TransportErrorKind::Proxy, "{error:?}");
    assert!(!error.may_have_reached());
    let client_error = ovo_http::ClientError::Transport(error);
    let text = chain(&client_error);
    assert!(
        text.starts_with("the HTTP proxy could not be reached or refused the request: "),
        "{text}"
    );
    assert!(text.contains("proxy authorization required"), "{text}");
    assert!(
        !text.contains("wrong-password") && !format!("{client_error:?}").contains("wrong-password")
    );
    assert_eq!(requests.load(Ordering::SeqCst), 0, "nothing reached OVO");
}

#[tokio::test]
async fn a_doku_call_without_an_answer_reports_the_transports_error_not_an_unknown_answer() {
    // A timeout may have reached DOKU: for a call that moves no money, the caller still reads
    // the transport's error (kind and cause), not an unknown answer.
    let transport = |_request: http::Request<Bytes>, _deadline: Duration| async {
        Err::<http::Response<Bytes>, _>(ovo_http::TransportError::with_source(
            TransportErrorKind::Timeout,
            std::io::Error::new(std::io::ErrorKind::TimedOut, "no answer in 10 s"),
        ))
    };
    let mut options = ovo_http::ClientOptions::default();
    options.retry.max_retries = 0;
    let doku = ovo_http::DokuClient::with(
        ovo_http::DokuConfig::new("http://doku.test", "client").unwrap(),
        ovo_http::ovo_sign::ClientSecret::new("secret").unwrap(),
        transport,
        options,
        Arc::new(ovo_http::SystemClock),
    );
    let request = ovo_http::ovo_model::doku::TokenListRequest::wallet_recurring("customer-1");
    let error = transport_error(doku.tokens(&request).await);
    assert_eq!(error.kind(), TransportErrorKind::Timeout, "{error:?}");
    assert_eq!(
        chain(&ovo_http::ClientError::Transport(error)),
        "no answer before the deadline: no answer in 10 s"
    );
}

#[tokio::test]
async fn a_doku_call_past_its_operation_deadline_is_deadline_passed_not_an_unknown_answer() {
    // No time left before the first call: nothing is sent, and the caller is told why.
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&calls);
    let transport = move |_request: http::Request<Bytes>, _deadline: Duration| {
        counted.fetch_add(1, Ordering::SeqCst);
        async { Ok::<_, ovo_http::TransportError>(http::Response::new(Bytes::new())) }
    };
    let mut options = ovo_http::ClientOptions::default();
    options.operation_deadline = Duration::ZERO;
    let doku = ovo_http::DokuClient::with(
        ovo_http::DokuConfig::new("http://doku.test", "client").unwrap(),
        ovo_http::ovo_sign::ClientSecret::new("secret").unwrap(),
        transport,
        options,
        Arc::new(ovo_http::SystemClock),
    );
    let request = ovo_http::ovo_model::doku::TokenListRequest::wallet_recurring("customer-1");
    let error = doku.tokens(&request).await.unwrap_err();
    assert!(
        matches!(error, ovo_http::ClientError::DeadlinePassed),
        "{error:?}"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 0, "nothing was sent");
}
