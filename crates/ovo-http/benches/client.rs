//! Client overhead per call: building and signing requests, and full round trips against the
//! loopback sandbox. Results are in `docs/performance.md`.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use ovo_flows::{
    Authorization, Call, Debit, DebitAction, SnapConfig, SnapCredentials, SnapEndpoint, Stamp,
    Target,
};
use ovo_http::{HyperTransport, OvoClient};
use ovo_model::snap::{DirectDebitRequest, ExternalId, UrlParam, UrlParamType};
use ovo_model::{Idr, Secret, SnapMoney};
use ovo_sign::{ClientSecret, PrivateKey};
use time::OffsetDateTime;

fn key() -> PrivateKey {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../ovo-sign/tests/vectors/keys/rsa2048-pkcs8.pem");
    PrivateKey::from_pem(&std::fs::read(path).unwrap()).unwrap()
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

fn benches(c: &mut Criterion) {
    let config = SnapConfig::new("http://127.0.0.1:9", "oamerchantg");
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
                let mut debit = Debit::new(black_box(&request())).unwrap();
                matches!(debit.poll(stamp.now, &access), DebitAction::Send(_))
            })
        },
    );
    let mut debit = Debit::new(&request()).unwrap();
    let DebitAction::Send(call) = debit.poll(stamp.now, &access) else {
        unreachable!()
    };
    c.bench_function("sign a debit call (HMAC-SHA512, headers, timestamp)", |b| {
        b.iter(|| {
            ovo_flows::sign_snap(&config, &credentials, black_box(&call), None, &stamp).unwrap()
        })
    });
    let token_call = Call {
        method: http::Method::POST,
        target: Target::Snap(SnapEndpoint::B2bToken),
        body: br#"{"grantType":"client_credentials"}"#.to_vec(),
        authorization: Authorization::TokenCall(None),
        moves_money: false,
    };
    c.bench_function("sign a B2B token call (RSA-2048)", |b| {
        b.iter(|| {
            ovo_flows::sign_snap(&config, &credentials, black_box(&token_call), None, &stamp)
                .unwrap()
        })
    });

    // Round trips against the loopback sandbox: the client's overhead plus the sandbox's.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (sandbox, client) = runtime.block_on(async {
        let sandbox = ovo_sandbox::Sandbox::start().await.unwrap();
        let public = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../ovo-sign/tests/vectors/keys/rsa2048-public-pkcs1.pem")).unwrap();
        let body = serde_json::json!({"client_id": "oamerchantg", "client_secrets": ["client-secret"], "public_keys": [public], "callback_urls": ["http://x"]});
        let request = http::Request::post(format!("{}/_sandbox/partners", sandbox.base_url())).body(bytes::Bytes::from(serde_json::to_vec(&body).unwrap())).unwrap();
        ovo_http::Transport::send(&HyperTransport::new().unwrap(), request, std::time::Duration::from_secs(5)).await.unwrap();
        let config = SnapConfig::new(sandbox.base_url(), "oamerchantg");
        let credentials = SnapCredentials { private_key: key(), client_secret: ClientSecret::new("client-secret").unwrap() };
        let client = OvoClient::new(config, credentials, HyperTransport::new().unwrap());
        client.b2b_token().await.unwrap();
        (sandbox, client)
    });
    c.bench_function(
        "round trip: status inquiry against the loopback sandbox",
        |b| {
            b.iter(|| {
                runtime
                    .block_on(client.status(black_box("INV-NONE")))
                    .unwrap()
            })
        },
    );
    drop(sandbox);
}

criterion_group!(client, benches);
criterion_main!(client);
