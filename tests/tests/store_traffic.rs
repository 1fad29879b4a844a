//! How many times one operation reads and writes its stores (issue 11: every store round trip
//! costs a debit latency and throughput). The counts are pinned, so a change that adds a write
//! shows here, and so does one that drops a write-ahead write money safety needs. The customer's
//! tokens come from the client's cache (`ClientOptions::token_cache_ttl`) once it has them, and a
//! flow finished on the instance that began it from that client's flow cache
//! (`ClientOptions::flow_cache_capacity`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use ovo_e2e::E2e;
use ovo_e2e::counted::{CountedStores, diff};
use ovo_http::{ClientOptions, DebitOutcome, DebitProgress, OvoClient, Transport};
use ovo_model::snap::DirectDebitRequest;
use ovo_model::{Idr, SnapMoney};

const PHONE: &str = "6281500000031";
const CUSTOMER: &str = "counted";

/// One two-phase debit of `reference` through `client`, paid: the store traffic of `begin_debit`
/// and of `finish_debit`.
async fn debit<T: Transport>(
    e2e: &E2e,
    client: &OvoClient<T>,
    counted: &CountedStores,
    reference: &str,
) -> ([usize; 4], [usize; 4]) {
    let before = counted.snapshot();
    let request = DirectDebitRequest::new(reference, SnapMoney::idr(Idr::from_rupiah(1_000)));
    let DebitProgress::Webview(pending) = client.begin_debit(CUSTOMER, &request).await.unwrap()
    else {
        panic!("a two-phase debit asks for the PIN")
    };
    let begun = counted.snapshot();
    let callback = e2e.complete_webview(&pending.webview_url, PHONE).await;
    let outcome = client.finish_debit(&pending.id, &callback).await.unwrap();
    assert!(matches!(outcome, DebitOutcome::Paid { .. }), "{outcome:?}");
    let done = counted.snapshot();
    (diff(before, begun), diff(begun, done))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_phase_debit_store_round_trips() {
    let mut e2e = E2e::start().await;
    let counted = Arc::new(CountedStores::default());
    e2e.client = e2e
        .builder_with(e2e.transport())
        .token_store(counted.clone())
        .flow_store(counted.clone())
        .build();
    e2e.account(PHONE, "1000000.00", "0.00").await;
    e2e.link(CUSTOMER, PHONE).await;

    // [flow gets, flow puts, token gets, token writes]
    // Warm: the client that linked the customer cached the tokens it stored, so no call reads
    // them. begin: the flow written ahead of call 1 (a recurring debit captures in call 1) and
    // again where it stops for the webview.
    let (begin, finish) = debit(&e2e, &e2e.client, &counted, "COUNT-1").await;
    assert_eq!(begin, [0, 2, 0, 0], "begin_debit, warm");
    // finish: the flow comes from the client's flow cache (it wrote it in begin_debit), not the
    // store; written ahead of Generate Token (its revision claims the callback: a second
    // instance with the same callback stops there) and ahead of call 2 (it captures), and once
    // with the outcome.
    assert_eq!(finish, [0, 3, 0, 0], "finish_debit, warm");

    // Cold: another instance on the same stores has cached nothing yet. Its first call with the
    // customer's token (call 1) reads the tokens once; Generate Token is served from its cache.
    let cold = e2e
        .builder_with(e2e.transport())
        .token_store(counted.clone())
        .flow_store(counted.clone())
        .build();
    let (begin, finish) = debit(&e2e, &cold, &counted, "COUNT-2").await;
    assert_eq!(begin, [0, 2, 1, 0], "begin_debit, cold");
    assert_eq!(finish, [0, 3, 0, 0], "finish_debit, after the cold start");
    let (begin, finish) = debit(&e2e, &cold, &counted, "COUNT-3").await;
    assert_eq!(begin, [0, 2, 0, 0], "begin_debit, warmed");
    assert_eq!(finish, [0, 3, 0, 0], "finish_debit, warmed");

    // A debit begun on one instance and finished on a cold one: the finishing instance reads
    // the flow from the store (it has not cached it) and the tokens once, for Generate Token.
    let finisher = e2e
        .builder_with(e2e.transport())
        .token_store(counted.clone())
        .flow_store(counted.clone())
        .build();
    let before = counted.snapshot();
    let request = DirectDebitRequest::new("COUNT-4", SnapMoney::idr(Idr::from_rupiah(1_000)));
    let DebitProgress::Webview(pending) = cold.begin_debit(CUSTOMER, &request).await.unwrap()
    else {
        panic!("a two-phase debit asks for the PIN")
    };
    let begun = counted.snapshot();
    let callback = e2e.complete_webview(&pending.webview_url, PHONE).await;
    let outcome = finisher.finish_debit(&pending.id, &callback).await.unwrap();
    assert!(matches!(outcome, DebitOutcome::Paid { .. }), "{outcome:?}");
    let done = counted.snapshot();
    assert_eq!(
        diff(before, begun),
        [0, 2, 0, 0],
        "begin_debit on the warm instance"
    );
    assert_eq!(
        diff(begun, done),
        [1, 3, 1, 0],
        "finish_debit on a cold instance"
    );

    // Without the flow cache, finishing on the instance that began the debit reads the flow.
    let mut options = ClientOptions::default();
    options.flow_cache_capacity = 0;
    let uncached = e2e
        .builder_with(e2e.transport())
        .token_store(counted.clone())
        .flow_store(counted.clone())
        .options(options)
        .build();
    let (begin, finish) = debit(&e2e, &uncached, &counted, "COUNT-5").await;
    assert_eq!(begin, [0, 2, 1, 0], "begin_debit, cold, no flow cache");
    assert_eq!(finish, [1, 3, 0, 0], "finish_debit, no flow cache");
}
