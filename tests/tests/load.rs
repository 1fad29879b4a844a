//! The load generator behind `benches/load.rs`, run small: every call succeeds, every debit is
//! captured exactly once, the balance falls by exactly what was captured, and the report holds one
//! latency per operation. (Timings are measured by the bench, never asserted.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

use std::sync::Arc;
use std::time::Duration;

use ovo_e2e::E2e;
use ovo_e2e::load::{self, Load};

const PHONE: &str = "6281500000077";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_load_generator_runs_every_call_and_captures_every_debit_once() {
    let e2e = Arc::new(E2e::start().await);
    e2e.account(PHONE, "1000000.00", "0.00").await;
    e2e.link("loaded", PHONE).await;
    let load = Load {
        requests: 40,
        concurrency: 8,
    };

    let balance = load::balance_inquiries(Arc::clone(&e2e), "loaded", load).await;
    let recurring = load::recurring_debits(Arc::clone(&e2e), "loaded", "LOAD-R", 1_000, load).await;
    let two_phase = load::two_phase_debits(
        Arc::clone(&e2e),
        "loaded",
        PHONE,
        "LOAD-T",
        2_000,
        Load {
            requests: 10,
            concurrency: 4,
        },
    )
    .await;

    for report in [&balance, &recurring] {
        assert_eq!(report.latencies.len(), 40, "{}", report.operation);
    }
    assert_eq!(two_phase.latencies.len(), 10);
    let mut captures: Vec<String> = e2e
        .ledger()
        .await
        .into_iter()
        .map(|entry| {
            assert_eq!(entry["kind"], "capture");
            entry["reference"].as_str().unwrap().to_owned()
        })
        .collect();
    captures.sort();
    let mut expected: Vec<String> = (0..40)
        .map(|i| format!("LOAD-R-{i}"))
        .chain((0..10).map(|i| format!("LOAD-T-{i}")))
        .collect();
    expected.sort();
    assert_eq!(captures, expected, "each debit captured exactly once");
    // 1,000,000 - 40 x 1,000 - 10 x 2,000
    assert_eq!(e2e.balances(PHONE).await.0, "940000.00");

    for report in [&balance, &recurring, &two_phase] {
        assert!(report.latencies.windows(2).all(|w| w[0] <= w[1]));
        assert!(report.percentile(50.0) <= report.percentile(99.0));
        assert!(report.percentile(99.0) <= *report.latencies.last().unwrap());
        assert!(
            report
                .row()
                .starts_with(&format!("| {} |", report.operation))
        );
    }
}

#[test]
fn percentiles_are_nearest_rank() {
    let report = load::Report {
        operation: "x",
        concurrency: 1,
        elapsed: Duration::from_secs(1),
        latencies: (1..=100).map(Duration::from_millis).collect(),
    };
    assert_eq!(report.percentile(50.0), Duration::from_millis(50));
    assert_eq!(report.percentile(99.0), Duration::from_millis(99));
    assert_eq!(report.percentile(100.0), Duration::from_millis(100));
    assert_eq!(report.percentile(0.1), Duration::from_millis(1));
    assert_eq!(report.throughput(), 100.0);
}
