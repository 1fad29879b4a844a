//! Each scheme next to its crypto floor, timed in the same run, with the ratio printed.
//!
//! The floor of a scheme is the cryptography it cannot avoid, called directly on the backend in
//! use (`ring` or `aws-lc-rs`), on inputs of the same sizes:
//! - SNAP symmetric: SHA-256 of the body as given + HMAC-SHA512 (key setup included) of a message
//!   as long as the real string-to-sign; and the same with the HMAC key set up once, outside the
//!   timing (the stricter floor: a `ClientSecret` keeps its key schedule, so ours sets it up once
//!   too);
//! - DOKU: SHA-256 of the body + HMAC-SHA256 of a message as long as the component string;
//! - SHA256withRSA: one RSASSA-PKCS1-v1_5 SHA-256 signature of a message as long as the
//!   string-to-sign (plus SHA-256 of the body for the binding call).
//!
//! Scheme and floor run in alternating batches, so that frequency changes and a neighbour's load
//! hit both alike; each is reported as the median of its batches. `cargo bench -p ovo-sign`
//! runs this after the criterion benches; `--measurement-time S` (as criterion takes it) sets the
//! seconds per comparison, `--rsa-only` prints only the RSA signing rates (for `compare.sh`).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

#[cfg(feature = "aws-lc-rs")]
use aws_lc_rs as backend;
#[cfg(all(feature = "ring", not(feature = "aws-lc-rs")))]
use ring as backend;

use backend::digest::{SHA256, digest};
use backend::hmac;
use backend::rand::SystemRandom;
use backend::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use ovo_sign::{ClientSecret, PrivateKey, SignatureEncoding, doku, snap};

const TIMESTAMP: &str = "2022-10-24T13:42:13.092+07:00";
const SECRET: &str = "0f1e2d3c-client-secret";
/// A realistic debit body as `serde_json::to_vec` writes it: 953 bytes of short fields.
const DEBIT_COMPACT: &[u8] = include_bytes!("debit-953.json");
/// The same kind of body pretty-printed (two-space indent, as `to_vec_pretty`): 1024 bytes.
const DEBIT_PRETTY: &[u8] = include_bytes!("debit-pretty-1024.json");

/// Median nanoseconds per call of `a` and of `b`, in alternating batches over `total`.
fn race(total: Duration, mut a: impl FnMut(), mut b: impl FnMut()) -> (f64, f64) {
    // A batch long enough (~0.2 ms) that reading the clock is noise, and short enough that on a
    // shared machine most batches run without being preempted: the median then ignores those
    // that were.
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
    (median(times_a), median(times_b))
}

fn median(mut times: Vec<f64>) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn report(scheme: &str, ours: f64, floor: f64) {
    println!(
        "{scheme:<58} {:>10} floor {:>10}  ratio = {:.2}",
        format_ns(ours),
        format_ns(floor),
        ours / floor
    );
}

fn format_ns(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.3} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.3} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

/// SHA-256 of `body` plus the HMAC of `message` under a key set up beforehand.
fn floor_prepared(key: &hmac::Key, body: &[u8], message: &[u8]) {
    black_box(digest(&SHA256, black_box(body)));
    black_box(hmac::sign(key, black_box(message)));
}

/// Races `ours` against the one-shot floor and against the prepared-key floor, and reports both.
fn against_both_floors(
    total: Duration,
    scheme: &str,
    mut ours: impl FnMut(),
    oneshot: impl Fn(),
    prepared: impl Fn(),
) {
    let (time, floor) = race(total, &mut ours, oneshot);
    report(scheme, time, floor);
    let (time, floor) = race(total, &mut ours, prepared);
    report("  the same, against the prepared-key floor", time, floor);
}

/// SHA-256 of `body` plus a one-shot HMAC (key setup included) of `message`.
fn floor_symmetric(algorithm: hmac::Algorithm, key: &[u8], body: &[u8], message: &[u8]) {
    black_box(digest(&SHA256, black_box(body)));
    black_box(hmac::sign(
        &hmac::Key::new(algorithm, key),
        black_box(message),
    ));
}

fn key_path(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors/keys")
        .join(name)
}

fn symmetric(total: Duration) {
    let secret = ClientSecret::new(SECRET).unwrap();
    for (name, body, compact) in [
        ("953 B compact debit", DEBIT_COMPACT, true),
        ("1 KiB pretty debit", DEBIT_PRETTY, false),
    ] {
        let request = snap::ServiceRequest {
            method: "POST",
            path: "/OVOSNAP/v2.0/debit/payment-host-to-host",
            access_token: "eyJhbGciOiJSUzI1NiJ9.b2b-access-token.signature",
            body,
            timestamp: TIMESTAMP,
        };
        let message = vec![b'x'; request.string_to_sign().unwrap().len()];
        let floor = || floor_symmetric(hmac::HMAC_SHA512, SECRET.as_bytes(), body, &message);
        let key = hmac::Key::new(hmac::HMAC_SHA512, SECRET.as_bytes());
        let prepared = || floor_prepared(&key, body, &message);
        against_both_floors(
            total,
            &format!("SNAP HMAC-SHA512 sign_service, {name}"),
            || {
                black_box(
                    snap::sign_service(&secret, black_box(&request), SignatureEncoding::Base64)
                        .unwrap(),
                );
            },
            floor,
            prepared,
        );
        if compact {
            against_both_floors(
                total,
                &format!("SNAP HMAC-SHA512 sign_service_compact, {name}"),
                || {
                    black_box(
                        snap::sign_service_compact(
                            &secret,
                            black_box(&request),
                            SignatureEncoding::Base64,
                        )
                        .unwrap(),
                    );
                },
                floor,
                prepared,
            );
        }
    }

    let components = doku::Components::post(
        "BRN-0201-1612345678901",
        "b1f3c6a0-7d7e-4f55-9d4b-1a2b3c4d5e6f",
        "2024-03-01T01:02:03Z",
        "/ovo-open-api/v1/payment-recurring",
        DEBIT_COMPACT,
    );
    let message = vec![b'x'; components.component_string().unwrap().len()];
    let (ours, base) = race(
        total,
        || {
            black_box(doku::sign(&secret, black_box(&components)).unwrap());
        },
        || {
            floor_symmetric(
                hmac::HMAC_SHA256,
                SECRET.as_bytes(),
                DEBIT_COMPACT,
                &message,
            )
        },
    );
    report("DOKU HMAC-SHA256 sign, 953 B body", ours, base);
}

/// Our SHA256withRSA signing rate per key size, next to the backend's own `RsaKeyPair::sign`.
fn rsa(total: Duration) {
    let rng = SystemRandom::new();
    for bits in [2048, 4096] {
        let path = key_path(&format!("rsa{bits}-pkcs8.pem"));
        let ours = PrivateKey::from_pem(&std::fs::read(&path).unwrap()).unwrap();
        let der = pem_rfc7468::decode_vec(&std::fs::read(&path).unwrap())
            .unwrap()
            .1;
        let raw = RsaKeyPair::from_pkcs8(&der).unwrap();
        let message = snap::token_string_to_sign("oamerchantg", TIMESTAMP).unwrap();
        let mut signature = vec![0; bits / 8];
        let (ours_ns, base) = race(
            total,
            || {
                black_box(snap::sign_token(&ours, black_box("oamerchantg"), TIMESTAMP).unwrap());
            },
            || {
                raw.sign(
                    &RSA_PKCS1_SHA256,
                    &rng,
                    black_box(message.as_bytes()),
                    &mut signature,
                )
                .unwrap();
            },
        );
        report(
            &format!("SNAP token SHA256withRSA-{bits} sign"),
            ours_ns,
            base,
        );
        println!("rsa{bits} sign/s = {:.0}", 1e9 / ours_ns);
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let seconds = args
        .iter()
        .position(|a| a == "--measurement-time")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse::<f64>().ok())
        .unwrap_or(3.0);
    let total = Duration::from_secs_f64(seconds);
    println!(
        "ovo-sign against its crypto floor, backend {}, {seconds} s per line",
        ovo_sign::CRYPTO_BACKEND
    );
    if !args.iter().any(|a| a == "--rsa-only") {
        symmetric(total);
    }
    rsa(total);
}
