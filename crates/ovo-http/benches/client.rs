//! Client overhead per call: building and signing requests, and full round trips against the
//! loopback sandbox. After the criterion benches, the signing step of a debit call is timed next
//! to its crypto floor in the same run (SHA-256 of the body and HMAC-SHA512 of a message as long
//! as the string-to-sign, on the backend in use, as `ovo-sign/benches/floor.rs` does), and the
//! ratio is printed. Results are in `docs/performance.md`.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

#[cfg(feature = "aws-lc-rs")]
use aws_lc_rs as backend;
#[cfg(all(feature = "ring", not(feature = "aws-lc-rs")))]
use ring as backend;

use criterion::{Criterion, criterion_group};
use ovo_flows::{Action, Debit, Flow as _, SnapConfig, SnapCredentials, SnapSigner, Stamp, calls};
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
    let signer = SnapSigner::new(config.clone());
    c.bench_function("sign a debit call (HMAC-SHA512, headers, timestamp)", |b| {
        b.iter(|| {
            signer
                .sign(&credentials, black_box(&call), Some(&access), &stamp)
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

/// Median nanoseconds per call of `a` and of `b`, in alternating batches of about 0.2 ms over
/// `total` (the method of `ovo-sign/benches/floor.rs`: a neighbour's load hits both alike, and
/// batches that were preempted fall outside the median).
fn race(total: Duration, mut a: impl FnMut(), mut b: impl FnMut()) -> (f64, f64) {
    let once = {
        let start = Instant::now();
        for _ in 0..16 {
            a();
            b();
        }
        start.elapsed().as_secs_f64() / 32.0
    };
    let batch = ((0.0002 / once.max(1e-9)) as u32).clamp(1, 100_000);
    let (mut times_a, mut times_b) = (Vec::new(), Vec::new());
    let start = Instant::now();
    while start.elapsed() < total || times_a.len() < 5 {
        for (f, times) in [
            (&mut a as &mut dyn FnMut(), &mut times_a),
            (&mut b as &mut dyn FnMut(), &mut times_b),
        ] {
            let t = Instant::now();
            for _ in 0..batch {
                f();
            }
            times.push(t.elapsed().as_secs_f64() * 1e9 / f64::from(batch));
        }
    }
    let median = |mut times: Vec<f64>| {
        times.sort_by(f64::total_cmp);
        times[times.len() / 2]
    };
    (median(times_a), median(times_b))
}

/// The client's signing step of a debit call (its `ovo_flows::SnapSigner`: timestamp, URI,
/// headers, HMAC-SHA512 over the body it serialized) against the cryptography it cannot avoid.
fn signing_against_the_floor() {
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
    let mut debit = Debit::new(&request(), CALLBACK).unwrap();
    let Action::Send(call) = debit.poll(stamp.now) else {
        unreachable!()
    };
    let signer = SnapSigner::new(config);
    let signed = signer
        .sign(&credentials, &call, Some(&access), &stamp)
        .unwrap();
    // METHOD:path:token:lowerhex(sha256(body)):X-TIMESTAMP
    let message_len = signed.method().as_str().len()
        + signed.uri().path_and_query().unwrap().as_str().len()
        + access.expose().len()
        + 64
        + signed.headers()["X-TIMESTAMP"].len()
        + 4;
    let message = vec![b'x'; message_len];
    let (ours, floor) = race(
        Duration::from_secs(3),
        || {
            black_box(
                signer
                    .sign(&credentials, black_box(&call), Some(&access), &stamp)
                    .unwrap(),
            );
        },
        || {
            use backend::{digest, hmac};
            black_box(digest::digest(&digest::SHA256, black_box(&call.body)));
            let key = hmac::Key::new(hmac::HMAC_SHA512, b"client-secret");
            black_box(hmac::sign(&key, black_box(&message)));
        },
    );
    println!(
        "sign a debit call ({} B body, backend {}): {:.3} µs, crypto floor {:.3} µs, ratio = {:.2}",
        call.body.len(),
        ovo_sign::CRYPTO_BACKEND,
        ours / 1e3,
        floor / 1e3,
        ours / floor
    );
}

criterion_group!(client, benches);

fn main() {
    client();
    Criterion::default().configure_from_args().final_summary();
    signing_against_the_floor();
}
