//! A fixed amount of signing work, for counting instructions (the counts do not change with the
//! machine's load, unlike times): run one step `N` times under callgrind, and again `2N` times;
//! the difference over `N` is the step's cost per call, without start-up.
//!
//! ```sh
//! cargo build --release -p ovo-sign --example instructions
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null target/release/examples/instructions sign-pretty 1000
//! ```
//!
//! Steps: `minify-compact`, `minify-pretty` (the two bodies of `benches/`), `sign-compact`,
//! `sign-pretty` (`snap::sign_service`), `sign-compact-fast` (`snap::sign_service_compact`),
//! `floor-compact`, `floor-pretty` (SHA-256 of the body and HMAC-SHA512 of a message as long as
//! the string-to-sign, as `benches/floor.rs` times them).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;

#[cfg(feature = "aws-lc-rs")]
use aws_lc_rs as backend;
#[cfg(all(feature = "ring", not(feature = "aws-lc-rs")))]
use ring as backend;

use backend::digest::{SHA256, digest};
use backend::hmac;
use ovo_sign::{ClientSecret, SignatureEncoding, minify, snap};

const SECRET: &str = "0f1e2d3c-client-secret";
const DEBIT_COMPACT: &[u8] = include_bytes!("../benches/debit-953.json");
const DEBIT_PRETTY: &[u8] = include_bytes!("../benches/debit-pretty-1024.json");

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let step = args.get(1).map_or("sign-pretty", String::as_str);
    let times: u32 = args.get(2).map_or(1000, |n| n.parse().unwrap());
    let body = if step.ends_with("compact") || step.ends_with("fast") {
        DEBIT_COMPACT
    } else {
        DEBIT_PRETTY
    };
    let secret = ClientSecret::new(SECRET).unwrap();
    let request = snap::ServiceRequest {
        method: "POST",
        path: "/OVOSNAP/v2.0/debit/payment-host-to-host",
        access_token: "eyJhbGciOiJSUzI1NiJ9.b2b-access-token.signature",
        body,
        timestamp: "2022-10-24T13:42:13.092+07:00",
    };
    let message = vec![b'x'; request.string_to_sign().unwrap().len()];
    for _ in 0..times {
        match step {
            "minify-compact" | "minify-pretty" => {
                black_box(minify(black_box(body)).unwrap());
            }
            "sign-compact" | "sign-pretty" => {
                black_box(
                    snap::sign_service(&secret, black_box(&request), SignatureEncoding::Base64)
                        .unwrap(),
                );
            }
            "sign-compact-fast" => {
                black_box(
                    snap::sign_service_compact(
                        &secret,
                        black_box(&request),
                        SignatureEncoding::Base64,
                    )
                    .unwrap(),
                );
            }
            "floor-compact" | "floor-pretty" => {
                black_box(digest(&SHA256, black_box(body)));
                let key = hmac::Key::new(hmac::HMAC_SHA512, SECRET.as_bytes());
                black_box(hmac::sign(&key, black_box(&message)));
            }
            other => panic!("unknown step {other}"),
        }
    }
}
