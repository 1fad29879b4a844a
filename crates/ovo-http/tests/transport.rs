//! The default transport's errors keep their meaning: a refused connection, a TLS failure and an
//! answer too large read differently, and only the first two promise the request never left.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

use std::convert::Infallible;
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
