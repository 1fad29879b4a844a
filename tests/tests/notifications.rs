//! Inbound notifications: real DOKU and SNAP debit notifications from the sandbox, and SNAP debit
//! notifications signed by a test key, verified over their raw bytes; replays, tampering, wrong
//! paths, other keys and stale timestamps refused.
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
    e2e.complete_webview(&bind.ovo_account.registration_url, "6281700000005")
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
    let verified = once.verify(&headers, &body, now).await.unwrap();
    // While it is being handled, another delivery is told to come back later.
    assert!(matches!(
        once.verify(&headers, &body, now).await,
        Err(NotificationError::InProgress { .. })
    ));
    let notification = verified.commit(now).await.unwrap();
    assert_eq!(
        notification.order.unwrap().invoice_number.as_deref(),
        Some("INV-N-1")
    );
    assert!(matches!(
        once.verify(&headers, &body, now).await,
        Err(NotificationError::Duplicate { .. })
    ));

    let mut tampered = body.clone();
    tampered[body.len() / 2] ^= 1;
    assert!(matches!(
        verifier().verify(&headers, &tampered, now).await,
        Err(NotificationError::BadSignature)
    ));
    let elsewhere = DokuNotificationVerifier::new(
        DOKU_CLIENT,
        vec![ClientSecret::new(e2e.doku_secret.as_str()).unwrap()],
        "/other/path",
    );
    assert!(matches!(
        elsewhere.verify(&headers, &body, now).await,
        Err(NotificationError::BadSignature)
    ));
    let late = now + Duration::from_secs(600);
    assert!(matches!(
        verifier().verify(&headers, &body, late).await,
        Err(NotificationError::StaleTimestamp)
    ));
    let unchecked = verifier().with_window(Window::Unchecked);
    assert!(unchecked.verify(&headers, &body, late).await.is_ok());
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
    let verified = verifier.verify(&headers, body, now).await.unwrap();
    assert_eq!(verified.id(), "N-0001");
    // A handler that failed releases the claim: the provider's retry is handled again.
    verified.release().await.unwrap();
    let notify = verifier
        .verify(&headers, body, now)
        .await
        .unwrap()
        .commit(now)
        .await
        .unwrap();
    assert_eq!(notify.latest_transaction_status.as_str(), "00");
    assert!(matches!(
        verifier.verify(&headers, body, now).await,
        Err(NotificationError::Duplicate { .. })
    ));
    let changed = body
        .to_vec()
        .iter()
        .map(|&b| if b == b'1' { b'2' } else { b })
        .collect::<Vec<u8>>();
    assert!(matches!(
        SnapNotifyVerifier::new(vec![key.clone()], path)
            .verify(&headers, &changed, now)
            .await,
        Err(NotificationError::BadSignature)
    ));
    let other_key = PublicKey::from_pem(&ovo_e2e::key("rsa4096-public-pkcs1.pem")).unwrap();
    assert!(matches!(
        SnapNotifyVerifier::new(vec![other_key], path)
            .verify(&headers, body, now)
            .await,
        Err(NotificationError::BadSignature)
    ));
    headers.remove("X-EXTERNAL-ID");
    assert!(matches!(
        SnapNotifyVerifier::new(vec![key], path)
            .verify(&headers, body, now)
            .await,
        Err(NotificationError::MissingHeader("X-EXTERNAL-ID"))
    ));
}

/// Waits until the receiver has seen `count` notifications.
async fn wait_for(seen: &Seen, count: usize) -> Vec<(http::HeaderMap, Vec<u8>)> {
    for _ in 0..250 {
        let got = seen.lock().unwrap().clone();
        if got.len() >= count {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{count} notifications did not arrive in 5 s");
}

#[tokio::test]
async fn the_sandbox_notifies_captured_debits_signed_with_its_provider_key() {
    use ovo_flows::DebitOutcome;
    use ovo_http::DebitProgress;
    use ovo_model::snap::{
        DebitAdditionalInfo, DirectDebitRequest, SubTransactionType, UrlParam, UrlParamType,
    };
    use ovo_model::{Idr, SnapMoney};

    const PHONE: &str = "6281700000056";
    let e2e = E2e::start().await;
    e2e.account(PHONE, "50000.00", "0.00").await;
    e2e.link("notified", PHONE).await;
    let (url, seen) = receiver().await;
    let served = e2e
        .control("GET", "provider-key", serde_json::Value::Null)
        .await;
    assert_eq!(served["public_key"], ovo_sandbox::PROVIDER_PUBLIC_KEY_PEM);
    let ovo = PublicKey::from_pem(ovo_sandbox::PROVIDER_PUBLIC_KEY_PEM.as_bytes()).unwrap();
    let with_notify = |reference: &str, rupiah: u64| {
        let mut request =
            DirectDebitRequest::new(reference, SnapMoney::idr(Idr::from_rupiah(rupiah)));
        request.url_params = Some(vec![UrlParam {
            url: url.clone(),
            kind: UrlParamType::PayNotify,
            is_deeplink: "N".into(),
        }]);
        request
    };

    // A debit without a PAY_NOTIFY URL is not notified.
    let quiet = DirectDebitRequest::new("INV-SN-0", SnapMoney::idr(Idr::from_rupiah(1_000)));
    let mut recurring_quiet = quiet.clone();
    recurring_quiet.additional_info = Some(DebitAdditionalInfo {
        sub_transaction_type: Some(SubTransactionType::Auto),
        other: Default::default(),
    });
    let DebitProgress::Done(DebitOutcome::Paid { .. }) = e2e
        .client
        .begin_debit("notified", &recurring_quiet)
        .await
        .unwrap()
    else {
        panic!("a recurring debit is captured by call 1")
    };

    // Nothing is notified before the capture: call 1 of a two-phase debit moves no money.
    let DebitProgress::Webview(pending) = e2e
        .client
        .begin_debit("notified", &with_notify("INV-SN-1", 12_500))
        .await
        .unwrap()
    else {
        panic!("a two-phase debit asks for the PIN")
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        seen.lock().unwrap().is_empty(),
        "notified before the capture"
    );
    let callback = e2e.complete_webview(&pending.webview_url, PHONE).await;
    let outcome = e2e
        .client
        .finish_debit(&pending.id, &callback)
        .await
        .unwrap();
    assert!(matches!(outcome, DebitOutcome::Paid { .. }), "{outcome:?}");
    let (headers, body) = wait_for(&seen, 1).await.remove(0);

    let verifier = SnapNotifyVerifier::new(vec![ovo.clone()], "/payments/notifications");
    let now = OffsetDateTime::now_utc();
    let notify = verifier
        .verify(&headers, &body, now)
        .await
        .unwrap()
        .commit(now)
        .await
        .unwrap();
    assert_eq!(
        notify.original_partner_reference_no.as_deref(),
        Some("INV-SN-1")
    );
    assert_eq!(notify.latest_transaction_status.as_str(), "00");
    assert_eq!(notify.amount.unwrap().value, Idr::from_rupiah(12_500));
    assert_eq!(notify.merchant_id.as_deref(), Some(ovo_e2e::CLIENT_ID));
    let status = e2e.client.status("notified", "INV-SN-1").await.unwrap();
    assert_eq!(
        status.original_reference_no.as_deref(),
        Some(notify.original_reference_no.as_str())
    );
    assert!(matches!(
        verifier.verify(&headers, &body, now).await,
        Err(NotificationError::Duplicate { .. })
    ));
    let merchant_key = PublicKey::from_pem(&ovo_e2e::key("rsa3072-cert.pem")).unwrap();
    assert!(matches!(
        SnapNotifyVerifier::new(vec![merchant_key], "/payments/notifications")
            .verify(&headers, &body, now)
            .await,
        Err(NotificationError::BadSignature)
    ));

    // A recurring debit is notified when call 1 captures it.
    let mut recurring = with_notify("INV-SN-2", 2_000);
    recurring.additional_info = recurring_quiet.additional_info.clone();
    e2e.client
        .begin_debit("notified", &recurring)
        .await
        .unwrap();
    let (headers, body) = wait_for(&seen, 2).await.remove(1);
    let notify = verifier
        .verify(&headers, &body, now)
        .await
        .unwrap()
        .commit(now)
        .await
        .unwrap();
    assert_eq!(
        notify.original_partner_reference_no.as_deref(),
        Some("INV-SN-2")
    );
    assert_eq!(
        seen.lock().unwrap().len(),
        2,
        "one notification per capture"
    );
    let attempts = e2e
        .control("GET", "notifications", serde_json::Value::Null)
        .await;
    assert_eq!(
        attempts["attempts"].as_array().unwrap().len(),
        2,
        "{attempts}"
    );
    assert!(
        attempts["attempts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["status"] == 200 && a["attempt"] == 1)
    );
}
