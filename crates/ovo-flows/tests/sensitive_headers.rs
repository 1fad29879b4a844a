//! Every header that carries a secret or a signature is marked sensitive (so `http`'s `Debug`
//! and well-behaved loggers hide it); the others are not, so they stay visible for debugging.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

use ovo_flows::{
    Authorization, Call, DokuConfig, DokuEndpoint, Resend, SnapConfig, Stamp, Target, calls,
};
use ovo_model::endpoint::OvoEndpoint;
use ovo_model::snap::{BalanceInquiryRequest, ExternalId};
use ovo_model::{Idr, Secret, SnapMoney};
use ovo_sign::ClientSecret;
use time::OffsetDateTime;

mod common;

use common::credentials;

#[test]
fn tokens_and_signatures_are_sensitive_and_nothing_else_is() {
    let credentials = credentials();
    let config = SnapConfig::builder("http://127.0.0.1:9", "partner")
        .callback_url("https://m.example/cb")
        .build()
        .unwrap();
    let stamp = Stamp {
        now: OffsetDateTime::now_utc(),
        external_id: ExternalId::new("1700000000000000001").unwrap(),
    };
    let access = Secret::new("customer-access-token");
    let b2b = Secret::new("b2b-token");
    let debit =
        ovo_model::snap::DirectDebitRequest::new("INV-1", SnapMoney::idr(Idr::from_rupiah(1)));
    let debit_body = serde_json::to_vec(&debit).unwrap();
    // Each kind of authorization, with the token the driver supplies for it.
    let cases: Vec<(Call, Option<&Secret>, &str)> = vec![
        (
            calls::balance(&BalanceInquiryRequest::default()).unwrap(),
            Some(&access),
            "customer-access-token",
        ),
        (
            Call::ovo(OvoEndpoint::Refund, b"{}".to_vec(), Authorization::B2b),
            Some(&b2b),
            "b2b-token",
        ),
        (
            Call::ovo(
                OvoEndpoint::Debit,
                debit_body,
                Authorization::Bearer(Secret::new("single-use-token")),
            ),
            None,
            "single-use-token",
        ),
        (
            calls::exchange_code(Secret::new("auth-code"), Secret::new("linkage-token")).unwrap(),
            None,
            "linkage-token",
        ),
    ];
    for (call, token, secret) in cases {
        let label = call.target.label();
        let request = ovo_flows::sign_snap(&config, &credentials, &call, token, &stamp).unwrap();
        let sensitive: Vec<&str> = request
            .headers()
            .iter()
            .filter(|(_, value)| value.is_sensitive())
            .map(|(name, _)| name.as_str())
            .collect();
        assert!(sensitive.contains(&"x-signature"), "{label}: {sensitive:?}");
        assert!(
            sensitive.contains(&"authorization"),
            "{label}: {sensitive:?}"
        );
        for (name, value) in request.headers() {
            let secret = name == "x-signature" || name.as_str().starts_with("authorization");
            assert_eq!(value.is_sensitive(), secret, "{label}: {name}");
        }
        let debug = format!("{:?}", request.headers());
        assert!(!debug.contains(secret), "{label}: {debug}");
    }

    let doku = ovo_flows::sign_doku(
        &DokuConfig::new("http://127.0.0.1:9", "BRN-0201-1").unwrap(),
        &ClientSecret::new("SK-doku").unwrap(),
        &Call {
            target: Target::Doku {
                endpoint: DokuEndpoint::Balance,
                request_id: "req-1".to_owned(),
            },
            body: bytes::Bytes::from_static(b"{}"),
            authorization: Authorization::Doku,
            resend: Resend::Safe,
        },
        OffsetDateTime::now_utc(),
    )
    .unwrap();
    assert!(doku.headers().contains_key("signature"));
    for (name, value) in doku.headers() {
        assert_eq!(value.is_sensitive(), name == "signature", "{name}");
    }
}

/// A call that needs a token the driver did not supply is a typed error, not an unsigned request.
#[test]
fn a_missing_credential_is_an_error() {
    let config = SnapConfig::builder("http://127.0.0.1:9", "partner")
        .callback_url("https://m.example/cb")
        .build()
        .unwrap();
    let stamp = Stamp {
        now: OffsetDateTime::now_utc(),
        external_id: ExternalId::new("1").unwrap(),
    };
    let call = calls::balance(&BalanceInquiryRequest::default()).unwrap();
    let error = ovo_flows::sign_snap(&config, &credentials(), &call, None, &stamp).unwrap_err();
    assert!(
        matches!(error, ovo_flows::FlowError::MissingCredential(_)),
        "{error:?}"
    );
}
