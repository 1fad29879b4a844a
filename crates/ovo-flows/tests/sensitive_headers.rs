//! Every header that carries a secret or a signature is marked sensitive (so `http`'s `Debug`
//! and well-behaved loggers hide it); the others are not, so they stay visible for debugging.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

use ovo_flows::{DokuConfig, SnapConfig, SnapCredentials, Stamp, calls};
use ovo_model::Secret;
use ovo_model::snap::{BalanceInquiryRequest, ExternalId};
use ovo_sign::{ClientSecret, PrivateKey};
use time::OffsetDateTime;

#[test]
fn tokens_and_signatures_are_sensitive_and_nothing_else_is() {
    let pem = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../ovo-sign/tests/vectors/keys/rsa2048-pkcs8.pem"),
    )
    .unwrap();
    let credentials = SnapCredentials {
        private_key: PrivateKey::from_pem(&pem).unwrap(),
        client_secret: ClientSecret::new("secret").unwrap(),
    };
    let config = SnapConfig::new("http://127.0.0.1:9", "partner");
    let stamp = Stamp {
        now: OffsetDateTime::now_utc(),
        external_id: ExternalId::new("1700000000000000001").unwrap(),
    };
    let call = calls::balance(
        Secret::new("customer-access-token"),
        &BalanceInquiryRequest::default(),
    )
    .unwrap();
    let b2b = Secret::new("b2b-token");
    let request = ovo_flows::sign_snap(&config, &credentials, &call, Some(&b2b), &stamp).unwrap();
    let sensitive: Vec<&str> = request
        .headers()
        .iter()
        .filter(|(_, value)| value.is_sensitive())
        .map(|(name, _)| name.as_str())
        .collect();
    assert!(sensitive.contains(&"x-signature"), "{sensitive:?}");
    assert!(
        sensitive.contains(&"authorization") || sensitive.contains(&"authorization-customer"),
        "{sensitive:?}"
    );
    for (name, value) in request.headers() {
        let secret = name == "x-signature" || name.as_str().starts_with("authorization");
        assert_eq!(value.is_sensitive(), secret, "{name}");
    }
    let debug = format!("{:?}", request.headers());
    assert!(
        !debug.contains("customer-access-token") && !debug.contains("b2b-token"),
        "{debug}"
    );

    let doku = ovo_flows::sign_doku(
        &DokuConfig::new("http://127.0.0.1:9", "BRN-0201-1"),
        &ClientSecret::new("SK-doku").unwrap(),
        "/ovo-open-api/v1/balance",
        b"{}".to_vec(),
        "req-1",
        OffsetDateTime::now_utc(),
    )
    .unwrap();
    for (name, value) in doku.headers() {
        assert_eq!(value.is_sensitive(), name == "signature", "{name}");
    }
}
