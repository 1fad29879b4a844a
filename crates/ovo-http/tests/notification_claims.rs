//! A notification is marked handled only when the merchant's handler succeeded (issue 10):
//! verify → claim → handle → commit. A handler that failed, or crashed, leaves the provider's retry
//! to be processed; a committed one is acknowledged as a duplicate.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

use std::path::Path;
use std::time::Duration;

use ovo_http::{NotificationError, SnapNotifyVerifier};
use ovo_sign::{PrivateKey, PublicKey, SnapTimestampFormat};
use time::OffsetDateTime;

const PATH: &str = "/ovo/notify";
const BODY: &[u8] = br#"{"originalPartnerReferenceNo":"INV-1","originalReferenceNo":"OVO-1","latestTransactionStatus":"00","amount":{"value":"1000.00","currency":"IDR"}}"#;

fn key(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../ovo-sign/tests/vectors/keys")
            .join(name),
    )
    .unwrap()
}

/// OVO's signed notification, as delivered at `at`.
fn delivery(at: OffsetDateTime) -> http::HeaderMap {
    let ovo = PrivateKey::from_pem(&key("rsa2048-pkcs8.pem")).unwrap();
    let timestamp = SnapTimestampFormat::OVO.format(at).unwrap();
    let request = ovo_sign::snap::RsaServiceRequest {
        method: "POST",
        path: PATH,
        body: BODY,
        timestamp: &timestamp,
    };
    let signed = ovo_sign::snap::sign_rsa_service(&ovo, &request).unwrap();
    let mut headers = http::HeaderMap::new();
    headers.insert("X-TIMESTAMP", timestamp.parse().unwrap());
    headers.insert("X-SIGNATURE", signed.header_value().parse().unwrap());
    headers.insert("X-EXTERNAL-ID", "N-RETRY-1".parse().unwrap());
    headers
}

fn verifier() -> SnapNotifyVerifier {
    let public = PublicKey::from_pem(&key("rsa2048-public-spki.pem")).unwrap();
    SnapNotifyVerifier::new(vec![public], PATH).with_claim_ttl(Duration::from_secs(60))
}

#[tokio::test]
async fn notification_retried_after_handler_failure_is_processed() {
    let verifier = verifier();
    let now = OffsetDateTime::now_utc();
    let mut handled = 0;

    // First delivery: the handler fails, so the claim is released, nothing is marked done.
    let first = verifier.verify(&delivery(now), BODY, now).await.unwrap();
    first.release().await.unwrap();

    // The provider retries: the notification is processed this time.
    let retry = verifier.verify(&delivery(now), BODY, now).await.unwrap();
    // While it is being handled, another delivery is told to come back later, not acknowledged.
    assert!(matches!(
        verifier.verify(&delivery(now), BODY, now).await,
        Err(NotificationError::InProgress { .. })
    ));
    handled += 1;
    let notification = retry.commit(now).await.unwrap();
    assert_eq!(notification.latest_transaction_status.as_str(), "00");

    // Once committed, a further retry is a duplicate: acknowledged, never processed twice.
    assert!(matches!(
        verifier.verify(&delivery(now), BODY, now).await,
        Err(NotificationError::Duplicate { .. })
    ));
    assert_eq!(handled, 1);
}

#[tokio::test]
async fn a_claim_left_by_a_crashed_handler_expires() {
    let verifier = verifier();
    let now = OffsetDateTime::now_utc();
    // The handler crashed: neither commit nor release.
    drop(verifier.verify(&delivery(now), BODY, now).await.unwrap());
    assert!(matches!(
        verifier.verify(&delivery(now), BODY, now).await,
        Err(NotificationError::InProgress { .. })
    ));
    // After the claim's time, the provider's retry is processed.
    let later = now + Duration::from_secs(61);
    let retry = verifier
        .verify(&delivery(later), BODY, later)
        .await
        .unwrap();
    retry.commit(later).await.unwrap();
}
