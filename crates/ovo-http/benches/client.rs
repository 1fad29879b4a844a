//! Client overhead per call: building and signing requests, and full round trips against the
//! loopback sandbox. Results are in `docs/performance.md`.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use ovo_flows::{Action, Debit, Flow as _, SnapConfig, SnapCredentials, Stamp, calls};
use ovo_http::{HyperTransport, OvoClient, Transport as _};
use ovo_model::snap::{BindingRequest, DirectDebitRequest, ExternalId, UrlParam, UrlParamType};
use ovo_model::{Idr, Secret, SnapMoney};
use ovo_sign::{ClientSecret, PrivateKey};
use time::OffsetDateTime;

const CALLBACK: &str = "http://127.0.0.1:9/ovo/callback";
const PHONE: &str = "6281234500001";
const PIN: &str = "246810";

fn key() -> PrivateKey {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../ovo-sign/tests/vectors/keys/rsa2048-pkcs8.pem");
    PrivateKey::from_pem(&std::fs::read(path).unwrap()).unwrap()
}

fn snap_config(base: &str) -> SnapConfig {
    SnapConfig::builder(base, "oamerchantg")
        .callback_url(CALLBACK)
        .build()
        .unwrap()
}

fn request() -> DirectDebitRequest {
    let mut request =
        DirectDebitRequest::new("INV-2024-0001", SnapMoney::idr(Idr::from_rupiah(125_000)));
    request.url_params = Some(vec![UrlParam {
        url: "https://merchant.example/ovo/return?order=INV-2024-0001".into(),
        kind: UrlParamType::PayReturn,
        is_deeplink: "N".into(),
    }]);
    request
}

/// POSTs `body` to the sandbox's control API at `path`.
async fn control(base: &str, path: &str, body: serde_json::Value) {
    let request = http::Request::post(format!("{base}/_sandbox/{path}"))
        .header("content-type", "application/json")
        .body(bytes::Bytes::from(serde_json::to_vec(&body).unwrap()))
        .unwrap();
    let response = HyperTransport::new()
        .unwrap()
        .send(request, std::time::Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "control {path}");
}

fn benches(c: &mut Criterion) {
    let config = snap_config("http://127.0.0.1:9");
    let credentials = SnapCredentials {
        private_key: key(),
        client_secret: ClientSecret::new("client-secret").unwrap(),
    };
    let access = Secret::new("at-0123456789abcdef0123456789abcdef0123456789abcdef");
    let stamp = Stamp {
        now: OffsetDateTime::now_utc(),
        external_id: ExternalId::new("1700000000000000001abcdef").unwrap(),
    };

    c.bench_function(
        "debit flow: validate and serialize the body, emit call 1",
        |b| {
            b.iter(|| {
                let mut debit = Debit::new(black_box(&request()), CALLBACK).unwrap();
                matches!(debit.poll(stamp.now), Action::Send(_))
            })
        },
    );
    let mut debit = Debit::new(&request(), CALLBACK).unwrap();
    let Action::Send(call) = debit.poll(stamp.now) else {
        unreachable!()
    };
    c.bench_function("sign a debit call (HMAC-SHA512, headers, timestamp)", |b| {
        b.iter(|| {
            ovo_flows::sign_snap(
                &config,
                &credentials,
                black_box(&call),
                Some(&access),
                &stamp,
            )
            .unwrap()
        })
    });
    let token_call = calls::b2b_token().unwrap();
    c.bench_function("sign a B2B token call (RSA-2048)", |b| {
        b.iter(|| {
            ovo_flows::sign_snap(&config, &credentials, black_box(&token_call), None, &stamp)
                .unwrap()
        })
    });

    // Round trips against the loopback sandbox: the client's overhead plus the sandbox's. The
    // status takes the customer's access token, so a customer is linked first.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (sandbox, client) = runtime.block_on(async {
        let sandbox = ovo_sandbox::Sandbox::start().await.unwrap();
        let base = sandbox.base_url().to_owned();
        let public = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../ovo-sign/tests/vectors/keys/rsa2048-public-pkcs1.pem")).unwrap();
        control(&base, "partners", serde_json::json!({"client_id": "oamerchantg", "client_secrets": ["client-secret"], "public_keys": [public], "callback_urls": [CALLBACK]})).await;
        control(&base, "accounts", serde_json::json!({"phone": PHONE, "pin": PIN, "cash": "100000.00", "points": "0.00"})).await;
        let credentials = SnapCredentials { private_key: key(), client_secret: ClientSecret::new("client-secret").unwrap() };
        let client = OvoClient::new(snap_config(&base), credentials, HyperTransport::new().unwrap());
        let binding = BindingRequest {
            phone_no: Some(PHONE.to_owned()),
            ..BindingRequest::default()
        };
        let pending = client.begin_linking("bench", &binding).await.unwrap();
        let done = ovo_sandbox::Customer::new(PHONE, PIN).complete(&pending.webview_url).await.unwrap();
        let linked = client.finish_linking(&pending.id, &done.redirect).await.unwrap();
        assert!(matches!(linked, ovo_flows::LinkingOutcome::Linked(_)), "{linked:?}");
        (sandbox, client)
    });
    c.bench_function(
        "round trip: status inquiry against the loopback sandbox",
        |b| {
            b.iter(|| {
                runtime
                    .block_on(client.status("bench", black_box("INV-NONE")))
                    .unwrap()
            })
        },
    );
    drop(sandbox);
}

criterion_group!(client, benches);
criterion_main!(client);
