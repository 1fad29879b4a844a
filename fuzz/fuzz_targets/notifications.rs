//! The notification verifiers (DOKU HMAC, SNAP RSA) on arbitrary headers and bodies: a typed
//! refusal, never a panic, and nothing unsigned is ever accepted.
#![no_main]

use std::future::Future;
use std::task::{Context, Poll, Waker};

use libfuzzer_sys::fuzz_target;
use ovo_http::{DokuNotificationVerifier, SnapNotifyVerifier, Window};
use time::OffsetDateTime;

/// The in-memory de-duplication store answers at once: poll the verifier's future once.
fn ready<T>(future: impl Future<Output = T>) -> Option<T> {
    match std::pin::pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(value) => Some(value),
        Poll::Pending => None,
    }
}

const HEADERS: [&str; 7] = [
    "Client-Id",
    "Request-Id",
    "Request-Timestamp",
    "Signature",
    "X-TIMESTAMP",
    "X-SIGNATURE",
    "X-EXTERNAL-ID",
];

fuzz_target!(|data: &[u8]| {
    // Up to seven header values separated by newlines, then the body.
    let mut parts = data.splitn(HEADERS.len() + 1, |&b| b == b'\n');
    let mut headers = http::HeaderMap::new();
    for name in HEADERS {
        let Some(value) = parts.next() else { break };
        if let Ok(value) = http::HeaderValue::from_bytes(value) {
            headers.insert(name, value);
        }
    }
    let body = parts.next().unwrap_or_default();
    let now = OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);

    let Ok(secret) = ovo_sign::ClientSecret::new("SK-fuzz-secret") else {
        return;
    };
    let doku = DokuNotificationVerifier::new("BRN-FUZZ", vec![secret], "/notify")
        .with_window(Window::Unchecked);
    if let Some(result) = ready(doku.verify(&headers, body, now)) {
        assert!(
            result.is_err(),
            "an unsigned DOKU notification was accepted"
        );
    }
    let key = include_bytes!("../../crates/ovo-sign/tests/vectors/keys/rsa2048-public-spki.pem");
    let Ok(key) = ovo_sign::PublicKey::from_pem(key) else {
        return;
    };
    let snap = SnapNotifyVerifier::new(vec![key], "/notify").with_window(Window::Unchecked);
    if let Some(result) = ready(snap.verify(&headers, body, now)) {
        assert!(
            result.is_err(),
            "an unsigned SNAP notification was accepted"
        );
    }
});
