//! A bounded load generator: a fixed number of signed calls through the real client, at a fixed
//! concurrency, against the loopback sandbox. Every call must succeed; each one's latency is kept.
//!
//! Used by `benches/load.rs` (the numbers in `docs/performance.md`) and by `tests/load.rs` (that
//! every call really succeeds and every debit is captured exactly once).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use ovo_flows::DebitOutcome;
use ovo_http::DebitProgress;
use ovo_model::snap::{DebitAdditionalInfo, DirectDebitRequest, SubTransactionType};
use ovo_model::{Idr, SnapMoney};

use crate::E2e;

/// How much load: `requests` operations in all, `concurrency` at a time.
#[derive(Debug, Clone, Copy)]
pub struct Load {
    pub requests: usize,
    pub concurrency: usize,
}

/// What one kind of operation did under load.
#[derive(Debug, Clone)]
pub struct Report {
    pub operation: &'static str,
    pub concurrency: usize,
    /// Wall time from the first call to the last answer.
    pub elapsed: Duration,
    /// One latency per operation, sorted.
    pub latencies: Vec<Duration>,
}

impl Report {
    fn new(
        operation: &'static str,
        concurrency: usize,
        elapsed: Duration,
        mut latencies: Vec<Duration>,
    ) -> Self {
        latencies.sort_unstable();
        Self {
            operation,
            concurrency,
            elapsed,
            latencies,
        }
    }

    /// Operations per second over the whole run.
    pub fn throughput(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64()
    }

    /// The nearest-rank percentile (`0 < p <= 100`): the smallest latency that at least `p`% of
    /// the operations did not exceed.
    pub fn percentile(&self, p: f64) -> Duration {
        let n = self.latencies.len();
        let rank = ((p / 100.0) * n as f64).ceil() as usize;
        self.latencies[rank.clamp(1, n) - 1]
    }

    /// One Markdown table row: operation, concurrency, count, throughput, p50, p99, max.
    pub fn row(&self) -> String {
        format!(
            "| {} | {} | {} | {:.0}/s | {:.2} ms | {:.2} ms | {:.2} ms |",
            self.operation,
            self.concurrency,
            self.latencies.len(),
            self.throughput(),
            ms(self.percentile(50.0)),
            ms(self.percentile(99.0)),
            ms(self.latencies[self.latencies.len() - 1]),
        )
    }
}

/// The header of the table [`Report::row`] fills.
pub const TABLE_HEADER: &str = "| operation | concurrency | operations | throughput | p50 | p99 | max |\n|---|---|---|---|---|---|---|";

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Runs `operation(i)` for `i` in `0..load.requests`, `load.concurrency` at a time, timing each.
async fn drive<F, Fut>(name: &'static str, load: Load, operation: F) -> Report
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send,
{
    let operation = Arc::new(operation);
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let workers: Vec<_> = (0..load.concurrency)
        .map(|_| {
            let operation = Arc::clone(&operation);
            let next = Arc::clone(&next);
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= load.requests {
                        return latencies;
                    }
                    let began = Instant::now();
                    operation(i).await;
                    latencies.push(began.elapsed());
                }
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(load.requests);
    for worker in workers {
        latencies.extend(worker.await.unwrap());
    }
    Report::new(name, load.concurrency, start.elapsed(), latencies)
}

/// Signed balance inquiries (B2B2C token, HMAC-SHA512) for a linked `customer`.
pub async fn balance_inquiries(e2e: Arc<E2e>, customer: &'static str, load: Load) -> Report {
    drive("balance inquiry", load, move |_| {
        let e2e = Arc::clone(&e2e);
        async move {
            let balance = e2e.client.balance(customer).await.unwrap();
            assert!(!balance.account_infos.is_empty());
        }
    })
    .await
}

/// Recurring debits of Rp `rupiah` each (`subTransactionType: AUTO`: one signed call that
/// captures), references `{prefix}-{i}`.
pub async fn recurring_debits(
    e2e: Arc<E2e>,
    customer: &'static str,
    prefix: &'static str,
    rupiah: u64,
    load: Load,
) -> Report {
    drive("recurring debit (1 call)", load, move |i| {
        let e2e = Arc::clone(&e2e);
        async move {
            let mut request = DirectDebitRequest::new(
                format!("{prefix}-{i}"),
                SnapMoney::idr(Idr::from_rupiah(rupiah)),
            );
            request.additional_info = Some(DebitAdditionalInfo {
                sub_transaction_type: Some(SubTransactionType::Auto),
                other: Default::default(),
            });
            let progress = e2e.client.begin_debit(customer, &request).await.unwrap();
            assert!(
                matches!(progress, DebitProgress::Done(DebitOutcome::Paid { .. })),
                "{progress:?}"
            );
        }
    })
    .await
}

/// Two-phase debits of Rp `rupiah` each: call 1, the PIN webview (page load and submit, by
/// `ovo_sandbox::Customer`), Generate Token, call 2: three signed calls and two webview requests
/// per debit, references `{prefix}-{i}`.
pub async fn two_phase_debits(
    e2e: Arc<E2e>,
    customer: &'static str,
    phone: &'static str,
    prefix: &'static str,
    rupiah: u64,
    load: Load,
) -> Report {
    // One customer (and so one connection pool) for the whole run, as one browser would be.
    let person = ovo_sandbox::Customer::new(phone, crate::PIN);
    drive("two-phase debit (webview, 3 calls)", load, move |i| {
        let e2e = Arc::clone(&e2e);
        let person = person.clone();
        async move {
            let request = DirectDebitRequest::new(
                format!("{prefix}-{i}"),
                SnapMoney::idr(Idr::from_rupiah(rupiah)),
            );
            let DebitProgress::Webview(pending) =
                e2e.client.begin_debit(customer, &request).await.unwrap()
            else {
                panic!("a two-phase debit asks for the PIN")
            };
            let done = person.complete(&pending.webview_url).await.unwrap();
            let outcome = e2e
                .client
                .finish_debit(&pending.id, &done.redirect)
                .await
                .unwrap();
            assert!(matches!(outcome, DebitOutcome::Paid { .. }), "{outcome:?}");
        }
    })
    .await
}
