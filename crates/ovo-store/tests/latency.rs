//! Token get latency on a warm store (issue 11's figure: PostgreSQL p50 <= 0.5 ms, p99 <= 2 ms on
//! loopback). Ignored by default (timing on a shared machine); run with
//! `cargo test -p ovo-store --release --test latency -- --ignored --nocapture`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

use std::time::{Duration, Instant};

use ovo_flows::{CustomerTokens, FlowKind, FlowStore, StoredFlow, TokenStore};
use ovo_model::Secret;
use ovo_store::{SqlStore, StoreKey};

async fn measure(store: &SqlStore) -> (Duration, Duration) {
    let now = time::OffsetDateTime::now_utc();
    let tokens = CustomerTokens::issued(Secret::new("access"), Some(Secret::new("refresh")), now);
    TokenStore::put(store, "alice", &tokens).await.unwrap();
    for _ in 0..200 {
        TokenStore::get(store, "alice").await.unwrap().unwrap();
    }
    let mut samples = Vec::with_capacity(5000);
    for _ in 0..5000 {
        let start = Instant::now();
        TokenStore::get(store, "alice").await.unwrap().unwrap();
        samples.push(start.elapsed());
    }
    samples.sort();
    (
        samples[samples.len() / 2],
        samples[samples.len() * 99 / 100],
    )
}

/// p50 and p99 of a flow's update (the write a debit makes ahead of each call), each sample a
/// new revision of one flow with a debit-sized state.
async fn measure_flow_put(store: &SqlStore) -> (Duration, Duration) {
    let mut flow = StoredFlow::new("latency-flow", FlowKind::Debit, Some("alice".into()));
    flow.state = format!("{{\"v\":1,\"body\":\"{}\"}}", "x".repeat(600));
    flow.revision = FlowStore::put(store, &flow).await.unwrap();
    let mut samples = Vec::with_capacity(3000);
    for i in 0..3200 {
        let start = Instant::now();
        flow.revision = FlowStore::put(store, &flow).await.unwrap();
        if i >= 200 {
            samples.push(start.elapsed());
        }
    }
    samples.sort();
    (
        samples[samples.len() / 2],
        samples[samples.len() * 99 / 100],
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "timing: run on demand with --release"]
async fn token_get_latency() {
    let key = StoreKey::parse(&StoreKey::generate().unwrap()).unwrap();
    let pg = SqlStore::connect(&ovo_store::testing::database().await.unwrap(), key)
        .await
        .unwrap();
    let (p50, p99) = measure(&pg).await;
    println!("postgres token get: p50 {p50:?}, p99 {p99:?}");
    let (p50, p99) = measure_flow_put(&pg).await;
    println!("postgres flow put: p50 {p50:?}, p99 {p99:?}");
    let dir = std::env::temp_dir().join(format!("ovo-latency-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let key = StoreKey::parse(&StoreKey::generate().unwrap()).unwrap();
    let url = format!("sqlite:{}", dir.join("ovo.db").display());
    let sqlite = SqlStore::connect(&url, key).await.unwrap();
    let (p50, p99) = measure(&sqlite).await;
    println!("sqlite token get: p50 {p50:?}, p99 {p99:?}");
    let (p50, p99) = measure_flow_put(&sqlite).await;
    println!("sqlite flow put: p50 {p50:?}, p99 {p99:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}
