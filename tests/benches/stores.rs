//! Two-phase debits through the client on each store (issue 11): in memory, SQLite (a file) and
//! PostgreSQL (a throwaway server on loopback, or `OVO_TEST_DATABASE_URL`), at concurrency 32,
//! against the loopback sandbox. `cargo bench -p ovo-e2e --bench stores`; the figures are in
//! docs/performance.md. Under `cargo test --benches` nothing is run.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::sync::Arc;

use ovo_e2e::E2e;
use ovo_e2e::load::{self, Load, TABLE_HEADER};
use ovo_store::{SqlStore, StoreKey, StoreOptions};

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
    let secret = StoreKey::generate().unwrap();
    let key = || StoreKey::parse(&secret).unwrap();
    let dir = std::env::temp_dir().join(format!("ovo-store-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let postgres = ovo_store::testing::database().await.unwrap();
    // The default options, and beside them the options that cost or save round trips, so that
    // their effect is measured in the same run.
    let options = |connections: u32, ping: bool| {
        let mut options = StoreOptions::default();
        options.max_connections = connections;
        options.ping_when_idle_for = ping.then_some(std::time::Duration::ZERO);
        options
    };
    let sqlite_file = |name: &str| format!("sqlite://{}", dir.join(name).display());
    let stores: [(&str, Option<(String, StoreOptions)>); 5] = [
        ("memory", None),
        (
            "SQLite",
            Some((sqlite_file("a.db"), StoreOptions::default())),
        ),
        (
            "SQLite, 1 connection",
            Some((sqlite_file("b.db"), options(1, false))),
        ),
        (
            "PostgreSQL",
            Some((postgres.clone(), StoreOptions::default())),
        ),
        (
            "PostgreSQL, ping before use",
            Some((postgres, options(10, true))),
        ),
    ];
    println!("{TABLE_HEADER}");
    for (name, url) in stores {
        let store = match url {
            Some((url, options)) => Some(Arc::new(
                SqlStore::connect_with(&url, key(), options).await.unwrap(),
            )),
            None => None,
        };
        let e2e = e2e_on(store).await;
        // Warm up at the highest concurrency: the B2B token, and every connection of the
        // pools, so that the rows measure steady state, not connections being opened.
        let warm = Load {
            requests: 300,
            concurrency: 32,
        };
        load::two_phase_debits(Arc::clone(&e2e), CUSTOMER, PHONE, "WARM", 1_000, warm).await;
        for concurrency in [1, 32] {
            let load = Load {
                requests: 2_000,
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
