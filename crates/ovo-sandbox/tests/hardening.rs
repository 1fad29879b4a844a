//! Hostile input and an exposed control API: every answer bounded, nothing left hanging.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

mod common;

use std::time::{Duration, Instant};

use common::{PIN, World};
use http::{Method, StatusCode};
use ovo_sandbox::{Sandbox, SandboxConfig};
use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

fn quick() -> SandboxConfig {
    SandboxConfig {
        header_read_timeout: Duration::from_millis(300),
        body_read_timeout: Duration::from_millis(300),
        ..SandboxConfig::default()
    }
}

/// Writes `bytes`, then reads until the server closes; returns what it answered and when.
async fn exchange(world: &World, bytes: &[u8]) -> (String, Duration) {
    let mut stream = TcpStream::connect(world.sandbox.addr()).await.unwrap();
    let start = Instant::now();
    stream.write_all(bytes).await.unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the connection was still open after 5 s");
    (
        String::from_utf8_lossy(&answer).into_owned(),
        start.elapsed(),
    )
}

#[tokio::test]
async fn partial_headers_are_cut_off_at_the_header_timeout() {
    let world = World::with_config(quick()).await;
    let (answer, after) = exchange(
        &world,
        b"POST /OVOSNAP/v2.0/balance-inquiry HTTP/1.1\r\nHost: sandbox\r\nX-PARTNER-ID: a",
    )
    .await;
    assert!(after < Duration::from_secs(3), "closed after {after:?}");
    assert!(!answer.contains("200 OK"), "{answer}");
}

#[tokio::test]
async fn a_huge_declared_body_is_refused_at_once_and_a_slow_one_at_the_body_timeout() {
    let world = World::with_config(quick()).await;
    let (answer, after) = exchange(
        &world,
        b"POST /OVOSNAP/v2.0/balance-inquiry HTTP/1.1\r\nHost: sandbox\r\nContent-Length: 1000000000000\r\nConnection: close\r\n\r\n{\"partnerReferenceNo\":",
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("4001100"), "{answer}");
    assert!(after < Duration::from_secs(2), "answered after {after:?}");

    let (answer, after) = exchange(
        &world,
        b"POST /OVOSNAP/v2.0/balance-inquiry HTTP/1.1\r\nHost: sandbox\r\nContent-Length: 1000\r\n\r\n{\"partnerReferenceNo\":",
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(after < Duration::from_secs(3), "answered after {after:?}");
}

#[tokio::test]
async fn deep_json_and_non_utf8_get_the_envelope() {
    let mut world = World::new().await;
    let path = world.snap_path("balance-inquiry");
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let answer = world
        .service_call(Method::POST, &path, "no-token", deep.as_bytes())
        .await;
    assert_eq!(answer.status.as_u16() / 100, 4, "{}", answer.text());
    let answer = world
        .service_call(Method::POST, &path, "no-token", &[0xff, 0xfe, b'{'])
        .await;
    assert_eq!(answer.status.as_u16() / 100, 4, "{}", answer.text());
}

#[tokio::test]
async fn a_huge_clock_move_is_refused_and_the_sandbox_keeps_answering() {
    let mut world = World::new().await;
    let answer = world
        .send(
            Method::POST,
            "/_sandbox/clock/advance",
            &[("content-type", "application/json".into())],
            br#"{"seconds": 300000000000}"#.to_vec(),
        )
        .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.text());
    assert!(answer.text().contains("seconds"), "{}", answer.text());
    // Moves that add up past the bound are refused too; smaller ones still work.
    world.advance(Duration::from_secs(3600)).await;
    let answer = world
        .send(
            Method::POST,
            "/_sandbox/clock/advance",
            &[("content-type", "application/json".into())],
            format!(r#"{{"seconds": {}}}"#, u64::MAX).into_bytes(),
        )
        .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.text());
    world.control(Method::GET, "clock", json!(null)).await;
    world.b2b_token().await;
}

#[tokio::test]
async fn the_handle_debug_shows_no_pin_and_no_token() {
    let mut world = World::new().await;
    let (access, refresh) = world.link().await;
    let shown = format!("{:?}", world.sandbox);
    assert!(shown.contains(&world.sandbox.addr().to_string()), "{shown}");
    for secret in [
        PIN,
        access.as_str(),
        refresh.as_str(),
        common::CLIENT_SECRET,
    ] {
        assert!(!shown.contains(secret), "{shown}");
    }
}

#[tokio::test]
async fn a_non_loopback_address_needs_a_control_token() {
    let refused = Sandbox::start_with(SandboxConfig::default(), ([0, 0, 0, 0], 0).into()).await;
    let error = refused.expect_err("started without a control token");
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
    assert!(error.to_string().contains("control token"), "{error}");
    let config = SandboxConfig {
        control_token: Some("s3cret-token".to_owned()),
        ..SandboxConfig::default()
    };
    let sandbox = Sandbox::start_with(config, ([0, 0, 0, 0], 0).into()).await;
    sandbox.unwrap().shutdown().await;
}

#[tokio::test]
async fn with_a_token_every_control_call_must_carry_it() {
    let config = SandboxConfig {
        control_token: Some("s3cret-token".to_owned()),
        ..SandboxConfig::default()
    };
    let world = World::resume(config).await;
    let body = br#"{"phone":"6281111111111","pin":"111111","cash":"1.00"}"#.to_vec();
    let json = ("content-type", "application/json".to_owned());
    for (method, path) in [
        (Method::GET, "/_sandbox/health"),
        (Method::POST, "/_sandbox/accounts"),
        (Method::GET, "/_sandbox/ledger"),
        (Method::GET, "/_sandbox/inbox"),
        (Method::GET, "/_sandbox/nothing-here"),
    ] {
        for headers in [
            vec![json.clone()],
            vec![json.clone(), ("authorization", "Bearer wrong".to_owned())],
            vec![
                json.clone(),
                ("x-sandbox-token", "s3cret-token2".to_owned()),
            ],
        ] {
            let answer = world
                .send(method.clone(), path, &headers, body.clone())
                .await;
            assert_eq!(
                answer.status,
                StatusCode::UNAUTHORIZED,
                "{path} {headers:?}"
            );
        }
    }
    let answer = world
        .send(
            Method::POST,
            "/_sandbox/accounts",
            &[
                json.clone(),
                ("authorization", "Bearer s3cret-token".to_owned()),
            ],
            body,
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let answer = world
        .send(
            Method::GET,
            "/_sandbox/accounts/6281111111111",
            &[("x-sandbox-token", "s3cret-token".to_owned())],
            Vec::new(),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    // The partner-side stand-ins only record, and the sandbox posts to its own inbox.
    let answer = world
        .send(Method::GET, "/_sandbox/callback?x=1", &[], Vec::new())
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
}

#[tokio::test]
async fn past_the_connection_cap_a_connection_waits_for_a_free_slot() {
    let config = SandboxConfig {
        max_connections: 1,
        header_read_timeout: Duration::from_millis(500),
        ..SandboxConfig::default()
    };
    let world = World::with_config(config).await;
    // The one slot: a connection that sends nothing, cut at the header timeout.
    let idle = TcpStream::connect(world.sandbox.addr()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let (answer, after) = exchange(
        &world,
        b"GET /_sandbox/health HTTP/1.1\r\nHost: sandbox\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        after >= Duration::from_millis(300),
        "answered after {after:?}, while the only slot was taken"
    );
    drop(idle);
}

#[tokio::test]
async fn unknown_paths_and_methods_are_404_and_control_bodies_are_bounded() {
    let world = World::with_config(quick()).await;
    for (method, path) in [
        (Method::GET, "/nowhere"),
        (Method::GET, "/OVOSNAP/v2.0/balance-inquiry"),
        (Method::POST, "/OVOSNAP/v9.9/balance-inquiry"),
        (Method::DELETE, "/_sandbox/health"),
        (Method::GET, "/_sandbox/nothing-here"),
    ] {
        let answer = world.send(method.clone(), path, &[], Vec::new()).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{method} {path}");
    }
    let (answer, after) = exchange(
        &world,
        b"POST /_sandbox/accounts HTTP/1.1\r\nHost: sandbox\r\nContent-Length: 1000000000000\r\nConnection: close\r\n\r\n{",
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(after < Duration::from_secs(2), "answered after {after:?}");
    // A DOKU endpoint refuses it in DOKU's envelope, at once.
    let (answer, after) = exchange(
        &world,
        b"POST /ovo-open-api/v1/payment-recurring HTTP/1.1\r\nHost: sandbox\r\nContent-Length: 1000000000000\r\nConnection: close\r\n\r\n{",
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(
        answer.contains("\"error\":{\"code\":\"invalid_request\""),
        "{answer}"
    );
    assert!(after < Duration::from_secs(2), "answered after {after:?}");
}

#[tokio::test]
async fn deep_json_and_non_utf8_are_refused_everywhere_without_a_panic() {
    let world = World::new().await;
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes();
    let deep_object = format!("{}1{}", "{\"a\":".repeat(20_000), "}".repeat(20_000)).into_bytes();
    let json = ("content-type", "application/json".to_owned());
    let doku = [
        ("client-id", "nobody".to_owned()),
        ("request-id", "r-1".to_owned()),
        ("request-timestamp", "2026-12-01T00:00:00Z".to_owned()),
        ("signature", "HMACSHA256=AAAA".to_owned()),
        json.clone(),
    ];
    for body in [
        deep.clone(),
        deep_object,
        vec![0xff, 0xfe, b'{'],
        b"{\"phone\":\"\xc3\x28\"}".to_vec(),
    ] {
        for (path, headers) in [
            ("/_sandbox/accounts", vec![json.clone()]),
            ("/_sandbox/faults", vec![json.clone()]),
            ("/_sandbox/clock/advance", vec![json.clone()]),
            ("/cellblockui/partner/submit", vec![json.clone()]),
            ("/cellblockui/partner/submit", vec![]),
            ("/ovo-open-api/v1/payment-recurring", doku.to_vec()),
            ("/ovo-open-api/registration/unknown", vec![json.clone()]),
        ] {
            let method = if path == "/_sandbox/faults" {
                Method::PUT
            } else {
                Method::POST
            };
            let answer = world.send(method, path, &headers, body.clone()).await;
            assert_eq!(answer.status.as_u16() / 100, 4, "{path}: {}", answer.text());
        }
    }
    // And the sandbox still answers.
    let answer = world
        .send(Method::GET, "/_sandbox/health", &[], Vec::new())
        .await;
    assert_eq!(answer.status, StatusCode::OK);
}

#[tokio::test]
async fn an_endless_chunked_body_is_cut_at_the_size_limit_or_the_body_timeout() {
    let world = World::with_config(quick()).await;
    for path in [
        "/OVOSNAP/v2.0/balance-inquiry",
        "/ovo-open-api/v1/payment-recurring",
    ] {
        // Fast and endless: refused once it passes `max_body_bytes` (64 KiB).
        let mut stream = TcpStream::connect(world.sandbox.addr()).await.unwrap();
        let start = Instant::now();
        let head =
            format!("POST {path} HTTP/1.1\r\nHost: sandbox\r\nTransfer-Encoding: chunked\r\n\r\n");
        stream.write_all(head.as_bytes()).await.unwrap();
        let chunk = format!("2000\r\n{}\r\n", "a".repeat(0x2000));
        let (mut reader, mut writer) = stream.into_split();
        let writing = tokio::spawn(async move {
            // At most 16 MiB, then give up: the server must have answered long before.
            for _ in 0..2048 {
                if writer.write_all(chunk.as_bytes()).await.is_err() {
                    return;
                }
            }
        });
        let mut answer = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(5), async {
            let mut buffer = [0u8; 4096];
            while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
                match reader.read(&mut buffer).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => answer.extend_from_slice(&buffer[..n]),
                }
            }
        })
        .await;
        writing.abort();
        assert!(read.is_ok(), "{path}: no answer within 5 s");
        let answer = String::from_utf8_lossy(&answer);
        assert!(
            answer.starts_with("HTTP/1.1 400") || answer.starts_with("HTTP/1.1 413"),
            "{path}: {answer}"
        );
        assert!(start.elapsed() < Duration::from_secs(3), "{path}");

        // Slow and endless: one small chunk, then nothing: 408 at the body timeout.
        let (answer, after) = exchange(
            &world,
            format!(
                "POST {path} HTTP/1.1\r\nHost: sandbox\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{{\"a\":\r\n"
            )
            .as_bytes(),
        )
        .await;
        assert!(answer.starts_with("HTTP/1.1 408"), "{path}: {answer}");
        assert!(after < Duration::from_secs(3), "{path}: {after:?}");
    }
}
