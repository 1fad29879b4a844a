//! Two-phase debits through the client on each store (issue 11): in memory, SQLite (a file) and
//! PostgreSQL (a throwaway server on loopback, or `OVO_TEST_DATABASE_URL`), at concurrency 32,
//! against the loopback sandbox. `cargo bench -p ovo-e2e --bench stores`; the figures are in
//! docs/performance.md. Under `cargo test --benches` nothing is run.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::sync::Arc;

use ovo_e2e::E2e;
use ovo_e2e::load::{self, Load, TABLE_HEADER};
use ovo_store::{SqlStore, StoreKey};

const PHONE: &str = "6281500000077";
const CUSTOMER: &str = "stored";

fn main() {
    if !std::env::args().any(|arg| arg == "--bench") {
        println!("the store load test runs under `cargo bench -p ovo-e2e --bench stores`");
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run());
}

/// A sandbox whose client keeps its tokens and flows in `store` (none: in memory).
async fn e2e_on(store: Option<Arc<SqlStore>>) -> Arc<E2e> {
    let mut e2e = E2e::start().await;
    if let Some(store) = store {
        e2e.client = e2e
            .builder_with(e2e.transport())
            .token_store(store.clone())
            .flow_store(store)
            .build();
    }
    e2e.account(PHONE, "100000000.00", "0.00").await;
    e2e.link(CUSTOMER, PHONE).await;
    Arc::new(e2e)
}

async fn run() {
    let key = || StoreKey::parse(&StoreKey::generate().unwrap()).unwrap();
    let dir = std::env::temp_dir().join(format!("ovo-store-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let sqlite = format!("sqlite://{}", dir.join("bench.db").display());
    let postgres = ovo_store::testing::database().await.unwrap();
    let stores: [(&str, Option<String>); 3] = [
        ("memory", None),
        ("SQLite", Some(sqlite)),
        ("PostgreSQL", Some(postgres)),
    ];
    println!("{TABLE_HEADER}");
    for (name, url) in stores {
        let store = match url {
            Some(url) => Some(Arc::new(SqlStore::connect(&url, key()).await.unwrap())),
            None => None,
        };
        let e2e = e2e_on(store).await;
        // Warm up: the B2B token, connections, the pools.
        let warm = Load {
            requests: 50,
            concurrency: 8,
        };
        load::two_phase_debits(Arc::clone(&e2e), CUSTOMER, PHONE, "WARM", 1_000, warm).await;
        for concurrency in [1, 32] {
            let load = Load {
                requests: 500,
                concurrency,
            };
            let prefix = if concurrency == 1 { "ST-1" } else { "ST-32" };
            let report =
                load::two_phase_debits(Arc::clone(&e2e), CUSTOMER, PHONE, prefix, 1_000, load)
                    .await;
            println!("{} ({name})", report.row());
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
