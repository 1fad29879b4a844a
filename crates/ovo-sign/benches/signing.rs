//! Criterion benches: each signature scheme on a 1 KiB body, and minify. The `floor` bench puts
//! each scheme next to the bare cryptography it needs and prints the ratio.
//! Results and the machine they ran on are in `docs/performance.md`.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use ovo_sign::{ClientSecret, PrivateKey, SignatureEncoding, doku, minify, snap};

const TIMESTAMP: &str = "2022-10-24T13:42:13.092+07:00";
/// A realistic debit body as `serde_json::to_vec` writes it: 953 bytes of short fields.
const DEBIT_COMPACT: &[u8] = include_bytes!("debit-953.json");
/// The same kind of body pretty-printed: 1024 bytes.
const DEBIT_PRETTY: &[u8] = include_bytes!("debit-pretty-1024.json");

/// A pretty-printed payment body of exactly 1024 bytes (padded inside a string).
fn body_1k() -> Vec<u8> {
    let head = "{\n  \"partnerReferenceNo\": \"INV-2024-0001\",\n  \"amount\": { \"value\": \"10000.00\", \"currency\": \"IDR\" },\n  \"additionalInfo\": { \"note\": \"";
    let tail = "\" }\n}\n";
    let pad = 1024 - head.len() - tail.len();
    format!(
        "{head}{}{tail}",
        "x ".repeat(pad / 2) + &"x".repeat(pad % 2)
    )
    .into_bytes()
}

/// A pretty-printed body of many short fields (the realistic shape), about 1 KiB.
fn body_fields() -> Vec<u8> {
    let fields: Vec<String> = (0..36)
        .map(|i| format!("    \"field{i:02}\": \"v{i}\""))
        .collect();
    format!("{{\n{}\n}}\n", fields.join(",\n")).into_bytes()
}

fn key(name: &str) -> PrivateKey {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors/keys")
        .join(name);
    PrivateKey::from_pem(&std::fs::read(path).unwrap()).unwrap()
}

fn benches(c: &mut Criterion) {
    let body = body_1k();
    assert_eq!(body.len(), 1024);
    let compact = minify(&body).unwrap().into_owned();
    let secret = ClientSecret::new("0f1e2d3c-client-secret").unwrap();
    let secrets = [secret.clone()];

    let mut group = c.benchmark_group("minify");
    group.bench_function("1KiB pretty", |b| {
        b.iter(|| minify(black_box(&body)).unwrap().len())
    });
    group.bench_function("1KiB already compact", |b| {
        b.iter(|| minify(black_box(&compact)).unwrap().len())
    });
    let fields = body_fields();
    group.bench_function(
        format!("{}B of 36 short fields, pretty", fields.len()),
        |b| b.iter(|| minify(black_box(&fields)).unwrap().len()),
    );
    group.bench_function("953B debit, compact", |b| {
        b.iter(|| minify(black_box(DEBIT_COMPACT)).unwrap().len())
    });
    group.bench_function("1KiB debit, pretty", |b| {
        b.iter(|| minify(black_box(DEBIT_PRETTY)).unwrap().len())
    });
    group.finish();

    let service = snap::ServiceRequest {
        method: "POST",
        path: "/OVOSNAP/v2.0/debit/payment-host-to-host",
        access_token: "eyJhbGciOi.b2b-token.sig",
        body: &body,
        timestamp: TIMESTAMP,
    };
    let hmac = snap::sign_service(&secret, &service, SignatureEncoding::Base64).unwrap();
    let mut group = c.benchmark_group("snap-service HMAC-SHA512");
    group.bench_function("sign 1KiB", |b| {
        b.iter(|| {
            snap::sign_service(&secret, black_box(&service), SignatureEncoding::Base64).unwrap()
        })
    });
    let debit = snap::ServiceRequest {
        body: DEBIT_COMPACT,
        ..service
    };
    group.bench_function("sign 953B compact debit", |b| {
        b.iter(|| {
            snap::sign_service(&secret, black_box(&debit), SignatureEncoding::Base64).unwrap()
        })
    });
    group.bench_function("sign_service_compact 953B compact debit", |b| {
        b.iter(|| {
            snap::sign_service_compact(&secret, black_box(&debit), SignatureEncoding::Base64)
                .unwrap()
        })
    });
    group.bench_function("verify 1KiB", |b| {
        b.iter(|| {
            snap::verify_service(
                &secrets,
                black_box(&service),
                SignatureEncoding::Base64,
                hmac.header_value(),
            )
            .unwrap()
        })
    });
    group.finish();

    for bits in [2048, 4096] {
        let private = key(&format!("rsa{bits}-pkcs8.pem"));
        let public = [private.public_key()];
        let token = snap::sign_token(&private, "oamerchantg", TIMESTAMP).unwrap();
        let binding = snap::RsaServiceRequest {
            method: "POST",
            path: "/OVOSNAP/v2.0/oauth/account/registration-account-binding",
            body: &body,
            timestamp: TIMESTAMP,
        };
        let mut group = c.benchmark_group(format!("SHA256withRSA-{bits}"));
        group.sample_size(if bits == 4096 { 20 } else { 50 });
        group.bench_function("snap-token sign", |b| {
            b.iter(|| snap::sign_token(&private, black_box("oamerchantg"), TIMESTAMP).unwrap())
        });
        group.bench_function("snap-token verify", |b| {
            b.iter(|| {
                snap::verify_token(
                    &public,
                    black_box("oamerchantg"),
                    TIMESTAMP,
                    token.header_value(),
                )
                .unwrap()
            })
        });
        group.bench_function("snap-rsa-service sign 1KiB", |b| {
            b.iter(|| snap::sign_rsa_service(&private, black_box(&binding)).unwrap())
        });
        group.finish();
    }

    let components = doku::Components::post(
        "BRN-0201-1612345678901",
        "b1f3c6a0-7d7e-4f55-9d4b-1a2b3c4d5e6f",
        "2024-03-01T01:02:03Z",
        "/ovo-open-api/v1/payment-recurring",
        &body,
    );
    let doku_sig = doku::sign(&secret, &components).unwrap();
    let mut group = c.benchmark_group("doku HMAC-SHA256");
    group.bench_function("sign 1KiB", |b| {
        b.iter(|| doku::sign(&secret, black_box(&components)).unwrap())
    });
    group.bench_function("verify 1KiB", |b| {
        b.iter(|| doku::verify(&secrets, black_box(&components), doku_sig.header_value()).unwrap())
    });
    group.finish();
}

criterion_group!(signing, benches);
criterion_main!(signing);
