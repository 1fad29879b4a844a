//! `SnapSigner` makes each endpoint's URI and the constant headers once; what it signs must be
//! exactly what `sign_snap` signs, for every endpoint, credential, query and base URL, and a
//! configuration changed after it was built must fail the same way on both paths.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

use ovo_flows::{Authorization, Call, FlowError, SnapConfig, SnapSigner, Stamp, Target};
use ovo_model::Secret;
use ovo_model::endpoint::OvoEndpoint;
use ovo_model::snap::ExternalId;
use time::macros::datetime;

mod common;

use common::credentials;

fn stamp() -> Stamp {
    Stamp {
        now: datetime!(2026-12-01 12:00:00.123 UTC),
        external_id: ExternalId::new("1700000000000000001").unwrap(),
    }
}

/// Every kind of credential a SNAP call can carry.
fn authorizations() -> Vec<Authorization> {
    vec![
        Authorization::Customer,
        Authorization::B2b,
        Authorization::Bearer(Secret::new("single-use-token")),
        Authorization::Rsa,
        Authorization::TokenCall(None),
        Authorization::TokenCall(Some(Secret::new("linkage-token"))),
    ]
}

/// Method, URI, body, and every header with its bytes (signatures and tokens included: `Debug`
/// would print a sensitive value as `Sensitive`) and its sensitivity, in order.
fn shape(request: &http::Request<bytes::Bytes>) -> String {
    let mut text = format!("{} {}\n", request.method(), request.uri());
    for (name, value) in request.headers() {
        text.push_str(&format!(
            "{name}: {} sensitive={}\n",
            String::from_utf8_lossy(value.as_bytes()),
            value.is_sensitive()
        ));
    }
    text.push_str(&String::from_utf8_lossy(request.body()));
    text
}

#[test]
fn the_signer_signs_what_sign_snap_signs_for_every_endpoint_and_credential() {
    let credentials = credentials();
    let stamp = stamp();
    let token = Secret::new("customer-or-b2b-token");
    let mut compared = 0;
    for base in ["http://127.0.0.1:9", "https://gw.example/prefix"] {
        let config = SnapConfig::builder(base, "partner")
            .callback_url("https://m.example/cb")
            .version(OvoEndpoint::Balance, "v9.9")
            .build()
            .unwrap();
        let signer = SnapSigner::new(config.clone());
        for endpoint in OvoEndpoint::ALL {
            for query in [None, Some("phone=6281234500001&x=1".to_owned())] {
                for authorization in authorizations() {
                    let call = Call {
                        target: Target::Ovo {
                            endpoint,
                            query: query.clone(),
                        },
                        authorization,
                        ..Call::ovo(endpoint, &br#"{"a":"b"}"#[..], Authorization::B2b)
                    };
                    let direct =
                        ovo_flows::sign_snap(&config, &credentials, &call, Some(&token), &stamp)
                            .unwrap();
                    let prepared = signer
                        .sign(&credentials, &call, Some(&token), &stamp)
                        .unwrap();
                    assert_eq!(shape(&prepared), shape(&direct), "{base} {call:?}");
                    let expected_uri = match &query {
                        Some(query) => format!("{base}{}?{query}", config.path(endpoint)),
                        None => format!("{base}{}", config.path(endpoint)),
                    };
                    assert_eq!(prepared.uri().to_string(), expected_uri);
                    compared += 1;
                }
            }
        }
    }
    assert_eq!(
        compared,
        2 * OvoEndpoint::ALL.len() * 2 * authorizations().len()
    );
}

#[test]
fn a_service_call_carries_the_constant_headers_and_its_own() {
    let config = SnapConfig::builder("http://127.0.0.1:9", "partner")
        .callback_url("https://m.example/cb")
        .channel_id("12345")
        .device_id("till-7")
        .build()
        .unwrap();
    let signer = SnapSigner::new(config);
    let call = Call::ovo(OvoEndpoint::Status, &b"{}"[..], Authorization::B2b);
    let request = signer
        .sign(&credentials(), &call, Some(&Secret::new("b2b")), &stamp())
        .unwrap();
    let headers = request.headers();
    let names: Vec<&str> = headers.keys().map(http::HeaderName::as_str).collect();
    assert_eq!(
        names,
        [
            "content-type",
            "x-partner-id",
            "channel-id",
            "x-device-id",
            "x-timestamp",
            "x-external-id",
            "x-signature",
            "authorization"
        ]
    );
    assert_eq!(headers["x-partner-id"], "partner");
    assert_eq!(headers["channel-id"], "12345");
    assert_eq!(headers["x-device-id"], "till-7");
    assert_eq!(headers["x-timestamp"], "2026-12-01T19:00:00.123+07:00");
    assert_eq!(headers["x-external-id"], "1700000000000000001");
    assert_eq!(headers["authorization"], "Bearer b2b");
    // Each signed call gets its own values; the shared ones are not changed by a call.
    let again = signer
        .sign(&credentials(), &call, Some(&Secret::new("other")), &stamp())
        .unwrap();
    assert_eq!(again.headers()["authorization"], "Bearer other");
    assert_eq!(again.headers()["x-partner-id"], "partner");
}

#[test]
fn a_configuration_changed_into_an_invalid_one_fails_on_both_paths() {
    let credentials = credentials();
    let stamp = stamp();
    let call = Call::ovo(OvoEndpoint::Balance, &b"{}"[..], Authorization::B2b);
    let token = Secret::new("t");
    let valid = SnapConfig::builder("http://127.0.0.1:9", "partner")
        .callback_url("https://m.example/cb")
        .build()
        .unwrap();
    let mut bad_id = valid.clone();
    bad_id.client_id = "part\nner".into();
    let mut bad_url = valid.clone();
    bad_url.base_url = "http://exa mple".into();
    for config in [bad_id, bad_url] {
        let direct = ovo_flows::sign_snap(&config, &credentials, &call, Some(&token), &stamp);
        let prepared =
            SnapSigner::new(config.clone()).sign(&credentials, &call, Some(&token), &stamp);
        assert!(
            matches!(direct, Err(FlowError::InvalidHeader)),
            "{direct:?}"
        );
        assert!(
            matches!(prepared, Err(FlowError::InvalidHeader)),
            "{prepared:?}"
        );
    }
}
