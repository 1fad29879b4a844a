//! Inbound notifications: a real DOKU notification from the sandbox, and SNAP debit notifications,
//! verified over their raw bytes; replays, tampering, wrong paths and stale timestamps refused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use ovo_e2e::{DOKU_CLIENT, E2e};
use ovo_http::{DokuNotificationVerifier, NotificationError, SnapNotifyVerifier, Window};
use ovo_model::doku::{BindingAccount, BindingRequest, Customer, PaymentRequest, TokenListRequest};
use ovo_sign::{ClientSecret, PrivateKey, PublicKey, SnapTimestampFormat};
use time::OffsetDateTime;

/// Reads a whole request body.
async fn collect(body: hyper::body::Incoming) -> Vec<u8> {
    use http_body_util::BodyExt as _;
    body.collect().await.unwrap().to_bytes().to_vec()
}

type Seen = Arc<Mutex<Vec<(http::HeaderMap, Vec<u8>)>>>;

/// A merchant endpoint that records what it receives and answers 200.
async fn receiver() -> (String, Seen) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/payments/notifications",
        listener.local_addr().unwrap()
    );
    let seen: Seen = Arc::default();
    let record = Arc::clone(&seen);
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let record = Arc::clone(&record);
            tokio::spawn(async move {
                let service = hyper::service::service_fn(
                    move |request: http::Request<hyper::body::Incoming>| {
                        let record = Arc::clone(&record);
                        async move {
                            let (parts, body) = request.into_parts();
                            let bytes = collect(body).await;
                            record.lock().unwrap().push((parts.headers, bytes));
                            Ok::<_, std::convert::Infallible>(http::Response::new(
                                http_body_util::Full::new(Bytes::new()),
                            ))
                        }
                    },
                );
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (url, seen)
}

#[tokio::test]
async fn a_real_doku_notification_is_accepted_once_and_forgeries_are_refused() {
    let e2e = E2e::start().await;
    let (url, seen) = receiver().await;
    e2e.control("POST", "doku/partners", serde_json::json!({"client_id": DOKU_CLIENT, "secret_keys": [e2e.doku_secret], "notification_url": url})).await;
    e2e.account("6281700000005", "10000.00", "0.00").await;
    let base = e2e.base();
    let bind = e2e
        .doku
        .bind(&BindingRequest::recurring(
            Customer::with_id("N1"),
            BindingAccount::new("6281700000005", format!("{base}/ok"), format!("{base}/ko")),
        ))
        .await
        .unwrap();
    e2e.complete_registration(&bind.ovo_account.registration_url, "6281700000005")
        .await;
    let token = e2e
        .doku
        .tokens(&TokenListRequest::wallet_recurring("N1"))
        .await
        .unwrap()
        .wallet
        .token_id;
    let payment: PaymentRequest = serde_json::from_value(serde_json::json!({
        "customer": {"id": "N1"}, "order": {"invoice_number": "INV-N-1", "amount": 1500}, "ovo_account": {"token_id": token.expose()}
    })).unwrap();
    e2e.doku.pay(&payment).await.unwrap();
    let (headers, body) = loop {
        if let Some(first) = seen.lock().unwrap().first().cloned() {
            break first;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };

    let verifier = || {
        DokuNotificationVerifier::new(
            DOKU_CLIENT,
            vec![ClientSecret::new(e2e.doku_secret.as_str()).unwrap()],
            "/payments/notifications",
        )
    };
    let once = verifier();
    let now = OffsetDateTime::now_utc();
    let notification = once.verify(&headers, &body, now).unwrap();
    assert_eq!(
        notification.order.unwrap().invoice_number.as_deref(),
        Some("INV-N-1")
    );
    assert!(matches!(
        once.verify(&headers, &body, now),
        Err(NotificationError::Duplicate { .. })
    ));

    let mut tampered = body.clone();
    tampered[body.len() / 2] ^= 1;
    assert!(matches!(
        verifier().verify(&headers, &tampered, now),
        Err(NotificationError::BadSignature)
    ));
    let elsewhere = DokuNotificationVerifier::new(
        DOKU_CLIENT,
        vec![ClientSecret::new(e2e.doku_secret.as_str()).unwrap()],
        "/other/path",
    );
    assert!(matches!(
        elsewhere.verify(&headers, &body, now),
        Err(NotificationError::BadSignature)
    ));
    let late = now + Duration::from_secs(600);
    assert!(matches!(
        verifier().verify(&headers, &body, late),
        Err(NotificationError::StaleTimestamp)
    ));
    assert!(
        verifier()
            .with_window(Window::Unchecked)
            .verify(&headers, &body, late)
            .is_ok()
    );
}

#[tokio::test]
async fn snap_debit_notifications_are_verified_over_the_raw_body() {
    let ovo = PrivateKey::from_pem(&ovo_e2e::key("rsa2048-pkcs8.pem")).unwrap();
    let path = "/ovo/notify";
    let body = br#"{
        "originalPartnerReferenceNo": "INV-1", "originalReferenceNo": "OVO-1",
        "latestTransactionStatus": "00", "amount": {"value": "1000.00", "currency": "IDR"}
    }"#;
    let now = OffsetDateTime::now_utc();
    let timestamp = SnapTimestampFormat::OVO.format(now).unwrap();
    let signed = ovo_sign::snap::sign_rsa_service(
        &ovo,
        &ovo_sign::snap::RsaServiceRequest {
            method: "POST",
            path,
            body,
            timestamp: &timestamp,
        },
    )
    .unwrap();
    let mut headers = http::HeaderMap::new();
    headers.insert("X-TIMESTAMP", timestamp.parse().unwrap());
    headers.insert("X-SIGNATURE", signed.header_value().parse().unwrap());
    headers.insert("X-EXTERNAL-ID", "N-0001".parse().unwrap());
    let key = PublicKey::from_pem(&ovo_e2e::key("rsa2048-public-spki.pem")).unwrap();

    let verifier = SnapNotifyVerifier::new(vec![key.clone()], path);
    let notify = verifier.verify(&headers, body, now).unwrap();
    assert_eq!(notify.latest_transaction_status.as_str(), "00");
    assert!(matches!(
        verifier.verify(&headers, body, now),
        Err(NotificationError::Duplicate { .. })
    ));
    let changed = body
        .to_vec()
        .iter()
        .map(|&b| if b == b'1' { b'2' } else { b })
        .collect::<Vec<u8>>();
    assert!(matches!(
        SnapNotifyVerifier::new(vec![key.clone()], path).verify(&headers, &changed, now),
        Err(NotificationError::BadSignature)
    ));
    let other_key = PublicKey::from_pem(&ovo_e2e::key("rsa4096-public-pkcs1.pem")).unwrap();
    assert!(matches!(
        SnapNotifyVerifier::new(vec![other_key], path).verify(&headers, body, now),
        Err(NotificationError::BadSignature)
    ));
    headers.remove("X-EXTERNAL-ID");
    assert!(matches!(
        SnapNotifyVerifier::new(vec![key], path).verify(&headers, body, now),
        Err(NotificationError::MissingHeader("X-EXTERNAL-ID"))
    ));
}
