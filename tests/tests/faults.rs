//! 200 concurrent debits while the sandbox drops answers after committing, answers 500/504/202
//! and hangs past the client's deadline: no intent is captured twice, every intent ends settled or
//! as a typed unknown, and `Paid` means money moved while `Refused`/`Abandoned` mean it did not.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use ovo_e2e::E2e;
use ovo_flows::DebitOutcome;
use ovo_http::{ClientOptions, DebitProgress};
use ovo_model::snap::DirectDebitRequest;
use ovo_model::{Idr, SnapMoney};
use ovo_sandbox::SandboxConfig;
use serde_json::json;

const PHONE: &str = "6281500000003";
const INTENTS: usize = 200;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_debits_under_faults_never_lose_or_double_money() {
    let sandbox = SandboxConfig {
        hang: Duration::from_secs(2),
        ..SandboxConfig::default()
    };
    let mut options = ovo_e2e::quick_inquiries(ClientOptions::default());
    options.call_timeout = Duration::from_secs(1);
    options.retry.backoff = Duration::from_millis(10);
    options.retry.backoff_max = Duration::from_millis(50);
    let e2e = Arc::new(E2e::with(sandbox, options, "fault-secret", "SK-fault").await);
    e2e.account(PHONE, "10000000.00", "0.00").await;
    e2e.link("faulty", PHONE).await;
    e2e.control("PUT", "faults", json!({"rules": [
        {"endpoint": "debit", "every": 3, "action": {"kind": "drop_after_commit"}},
        {"endpoint": "debit", "every": 5, "action": {"kind": "status", "status": 500, "commit": true}},
        {"endpoint": "debit", "every": 7, "action": {"kind": "status", "status": 504}},
        {"endpoint": "debit", "every": 11, "action": {"kind": "status", "status": 202, "commit": true}},
        {"endpoint": "debit", "every": 13, "action": {"kind": "hang"}},
    ]})).await;

    let tasks: Vec<_> = (0..INTENTS)
        .map(|i| {
            let e2e = Arc::clone(&e2e);
            tokio::spawn(async move {
                let reference = format!("INV-F-{i:03}");
                let request =
                    DirectDebitRequest::new(&reference, SnapMoney::idr(Idr::from_rupiah(1_000)));
                let outcome = match e2e.client.begin_debit("faulty", &request).await.unwrap() {
                    DebitProgress::Webview(pending) => {
                        let callback = e2e.complete_webview(&pending.webview_url, PHONE).await;
                        e2e.client
                            .finish_debit(&pending.id, &callback)
                            .await
                            .unwrap()
                    }
                    DebitProgress::Done(outcome) => outcome,
                };
                (reference, outcome)
            })
        })
        .collect();
    let mut outcomes = HashMap::new();
    for task in tasks {
        let (reference, outcome) = task.await.unwrap();
        outcomes.insert(reference, outcome);
    }

    let mut captures: HashMap<String, usize> = HashMap::new();
    for entry in e2e.ledger().await {
        assert_eq!(entry["kind"], "capture");
        *captures
            .entry(entry["reference"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    let mut tally: HashMap<&'static str, usize> = HashMap::new();
    for (reference, outcome) in &outcomes {
        let captured = captures.get(reference).copied().unwrap_or(0);
        assert!(captured <= 1, "{reference} captured {captured} times");
        let kind = match outcome {
            DebitOutcome::Paid { .. } => {
                assert_eq!(captured, 1, "{reference}: Paid without a capture");
                "paid"
            }
            DebitOutcome::Refused { .. } => {
                assert_eq!(captured, 0, "{reference}: Refused but captured");
                "refused"
            }
            DebitOutcome::Abandoned { .. } => {
                assert_eq!(captured, 0, "{reference}: Abandoned but captured");
                "abandoned"
            }
            DebitOutcome::Unknown => "unknown",
        };
        *tally.entry(kind).or_default() += 1;
    }
    assert_eq!(outcomes.len(), INTENTS);
    let captured_total: usize = captures.values().sum();
    let (cash, _) = e2e.balances(PHONE).await;
    assert_eq!(
        cash,
        Idr::from_rupiah(10_000_000 - 1_000 * captured_total as u64).to_snap_value(),
        "balance matches the ledger"
    );
    // The faults really hit, and both paths were taken: captured payments (some resolved by
    // inquiry after a lost answer) and intents abandoned with nothing captured (a lost call 1 is
    // never re-sent, so the customer never saw the webview).
    assert!(tally.get("paid").copied().unwrap_or(0) > 0, "{tally:?}");
    assert!(
        tally.get("abandoned").copied().unwrap_or(0) > 0,
        "{tally:?}"
    );
    assert!(
        captured_total >= tally.get("paid").copied().unwrap_or(0),
        "{tally:?}"
    );
    eprintln!("outcomes: {tally:?}; captures: {captured_total}");
}
