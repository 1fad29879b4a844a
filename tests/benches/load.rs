//! The bounded load test: a fixed number of signed calls through the real client against the
//! loopback sandbox, at concurrency 1 and 32, reporting throughput and p50/p99/max latency as the
//! Markdown table in `docs/performance.md`.
//!
//! ```text
//! cargo bench -p ovo-e2e --bench load
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::sync::Arc;

use ovo_e2e::E2e;
use ovo_e2e::load::{self, Load, TABLE_HEADER};

const PHONE: &str = "6281500000088";
const CUSTOMER: &str = "loaded";

fn main() {
    // `cargo bench` passes `--bench`; under `cargo test --benches` the load is not run.
    if !std::env::args().any(|arg| arg == "--bench") {
        println!("the load test runs under `cargo bench -p ovo-e2e --bench load`");
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run());
}

async fn run() {
    let e2e = Arc::new(E2e::start().await);
    e2e.account(PHONE, "100000000.00", "0.00").await;
    e2e.link(CUSTOMER, PHONE).await;
    // Warm up: the B2B token, the allocator, and a connection for each of the 32 callers, so
    // that the rows measure steady state, not the pool opening connections.
    load::balance_inquiries(
        Arc::clone(&e2e),
        CUSTOMER,
        Load {
            requests: 2_000,
            concurrency: 32,
        },
    )
    .await;

    println!("{TABLE_HEADER}");
    for concurrency in [1, 32] {
        // Balance inquiries are the cheapest call: 20,000 of them make a run of seconds, long
        // enough that one stall of the machine does not decide the row.
        let inquiries = Load {
            requests: 20_000,
            concurrency,
        };
        let report = load::balance_inquiries(Arc::clone(&e2e), CUSTOMER, inquiries).await;
        println!("{}", report.row());
        let load = Load {
            requests: 2_000,
            concurrency,
        };
        let prefix = if concurrency == 1 { "REC-1" } else { "REC-32" };
        let report = load::recurring_debits(Arc::clone(&e2e), CUSTOMER, prefix, 1_000, load).await;
        println!("{}", report.row());
        let load = Load {
            requests: 500,
            concurrency,
        };
        let prefix = if concurrency == 1 { "TWO-1" } else { "TWO-32" };
        let report =
            load::two_phase_debits(Arc::clone(&e2e), CUSTOMER, PHONE, prefix, 1_000, load).await;
        println!("{}", report.row());
    }
    let captures = e2e.ledger().await.len();
    assert_eq!(captures, 2 * (2_000 + 500), "every debit captured once");
    println!(
        "\nledger: {captures} captures, balance {}",
        e2e.balances(PHONE).await.0
    );
}
