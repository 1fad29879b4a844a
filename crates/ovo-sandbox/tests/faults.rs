//! The fault plan: money may move although the answer never comes, or comes as an error.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

mod common;

use std::time::{Duration, Instant};

use common::{PHONE, World, confirm, payment};
use http::Method;
use ovo_sandbox::SandboxConfig;
use serde_json::json;

async fn plan(world: &World, rules: serde_json::Value) {
    world
        .control(Method::PUT, "faults", json!({ "rules": rules }))
        .await;
}

#[tokio::test]
async fn a_dropped_answer_after_commit_leaves_a_capture_that_status_inquiry_finds() {
    let mut world = World::new().await;
    let (access, _) = world.link().await;
    let body = payment("INV-F1", "1000.00");
    let single_use = confirm(&mut world, &access, &body).await;
    plan(
        &world,
        json!([{"endpoint": "debit", "every": 1, "action": {"kind": "drop_after_commit"}}]),
    )
    .await;
    let path = world.snap_path("debit/payment-host-to-host");
    let outcome = world
        .try_service_call(Method::POST, &path, &single_use, &body)
        .await;
    assert!(
        outcome.is_err(),
        "the connection must close without an answer: {outcome:?}"
    );
    assert_eq!(world.ledger().await.len(), 1, "the money moved");
    let status = world
        .service_call(
            Method::POST,
            &world.snap_path("debit/status"),
            &access,
            br#"{"originalPartnerReferenceNo":"INV-F1","serviceCode":"54"}"#,
        )
        .await;
    assert_eq!(status.json()["latestTransactionStatus"], "00");
}

#[tokio::test]
async fn a_500_before_commit_moves_nothing_and_a_202_after_commit_hides_a_capture() {
    let mut world = World::new().await;
    let (access, _) = world.link().await;
    let path = world.snap_path("debit/payment-host-to-host");

    let body = payment("INV-F2", "1000.00");
    let single_use = confirm(&mut world, &access, &body).await;
    plan(
        &world,
        json!([{"endpoint": "debit", "every": 1, "action": {"kind": "status", "status": 500}}]),
    )
    .await;
    let failed = world
        .service_call(Method::POST, &path, &single_use, &body)
        .await;
    assert_eq!(
        (failed.status.as_u16(), failed.code()),
        (500, "5005400".to_owned())
    );
    assert!(world.ledger().await.is_empty());
    assert_eq!(world.account(PHONE).await["cash"], "100000.00");

    plan(&world, json!([{"endpoint": "debit", "every": 1, "action": {"kind": "status", "status": 202, "commit": true}}])).await;
    let pending = world
        .service_call(Method::POST, &path, &single_use, &body)
        .await;
    assert_eq!(pending.code(), "2025400");
    assert_eq!(world.ledger().await.len(), 1, "committed behind a 202");
}

#[tokio::test]
async fn every_kth_request_is_hit_and_hangs_end_in_a_dropped_connection() {
    let config = SandboxConfig {
        hang: Duration::from_millis(300),
        ..SandboxConfig::default()
    };
    let mut world = World::with_config(config).await;
    let (access, _) = world.link().await;
    plan(
        &world,
        json!([{"endpoint": "balance", "every": 3, "action": {"kind": "hang"}}]),
    )
    .await;
    let path = world.snap_path("balance-inquiry");
    let mut outcomes = Vec::new();
    for _ in 0..6 {
        let started = Instant::now();
        let result = world
            .try_service_call(Method::POST, &path, &access, b"{}")
            .await;
        outcomes.push((
            result.is_ok(),
            started.elapsed() >= Duration::from_millis(300),
        ));
    }
    assert_eq!(
        outcomes,
        vec![
            (true, false),
            (true, false),
            (false, true),
            (true, false),
            (true, false),
            (false, true)
        ]
    );
    world
        .control(Method::DELETE, "faults", serde_json::Value::Null)
        .await;
    assert!(
        world
            .try_service_call(Method::POST, &path, &access, b"{}")
            .await
            .is_ok()
    );
}
