//! The client under real-world faults (issue 10): bindings are forgotten only when they are gone,
//! money that may have moved is never reported as an error, inquiries are paced and bounded.
//! Each test is named after the fault it pins; each failed on the client before the flow engine.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use ovo_e2e::{E2e, quick_inquiries};
use ovo_flows::{DebitOutcome, FlowKind, Reason, RefundOutcome};
use ovo_http::{
    ClientError, ClientOptions, DebitProgress, OvoClient, Resumed, Transport, TransportError,
};
use ovo_model::snap::{DirectDebitRequest, RefundRequest};
use ovo_model::{Idr, SnapMoney};
use ovo_sandbox::SandboxConfig;
use serde_json::json;

/// Every request's path and when it left.
type Sent = Arc<Mutex<Vec<(String, Instant)>>>;

/// The default transport, recording each request's path (no query) and time.
fn recording(e2e: &E2e) -> (impl Transport + Clone + use<>, Sent) {
    let sent: Sent = Arc::default();
    let log = Arc::clone(&sent);
    let inner = e2e.transport();
    let transport = move |request: http::Request<Bytes>, deadline: Duration| {
        let (inner, log) = (inner.clone(), Arc::clone(&log));
        async move {
            let path = request.uri().path().to_owned();
            log.lock().unwrap().push((path, Instant::now()));
            inner.send(request, deadline).await
        }
    };
    (transport, sent)
}

fn count(sent: &Sent, path_end: &str) -> usize {
    sent.lock()
        .unwrap()
        .iter()
        .filter(|(p, _)| p.ends_with(path_end))
        .count()
}

fn client<T: Transport>(e2e: &E2e, transport: T, options: ClientOptions) -> OvoClient<T> {
    e2e.builder_with(transport)
        .options(options)
        .token_store(Arc::clone(e2e.client.token_store()))
        .flow_store(Arc::clone(e2e.client.flow_store()))
        .build()
}

async fn faults(e2e: &E2e, rules: serde_json::Value) {
    e2e.control("PUT", "faults", json!({ "rules": rules }))
        .await;
}

async fn clear_faults(e2e: &E2e) {
    e2e.control("DELETE", "faults", serde_json::Value::Null)
        .await;
}

fn payment(reference: &str, rupiah: u64) -> DirectDebitRequest {
    DirectDebitRequest::new(reference, SnapMoney::idr(Idr::from_rupiah(rupiah)))
}

/// Pays `reference` through the whole two-phase debit with `client`.
async fn pay<T: Transport>(
    e2e: &E2e,
    client: &OvoClient<T>,
    customer: &str,
    phone: &str,
    reference: &str,
) -> DebitOutcome {
    match client
        .begin_debit(customer, &payment(reference, 10_000))
        .await
        .unwrap()
    {
        DebitProgress::Webview(pending) => {
            let callback = e2e.complete_webview(&pending.webview_url, phone).await;
            client.finish_debit(&pending.id, &callback).await.unwrap()
        }
        DebitProgress::Done(outcome) => outcome,
    }
}

fn captures(ledger: &[serde_json::Value], reference: &str, kind: &str) -> usize {
    ledger
        .iter()
        .filter(|e| e["kind"] == kind && e["reference"] == reference)
        .count()
}

/// Access tokens live 15 days [S]: past that, every call needs a refresh.
const PAST_ACCESS_EXPIRY: Duration = Duration::from_secs(15 * 24 * 3600 + 120);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_generate_token_answer_keeps_binding() {
    let e2e = E2e::start().await;
    e2e.account("6281600000001", "100000.00", "0.00").await;
    e2e.link("c1", "6281600000001").await;
    let (transport, sent) = recording(&e2e);
    let client = client(&e2e, transport, ClientOptions::default());
    faults(&e2e, json!([{"endpoint": "generate-token", "every": 1, "action": {"kind": "drop_after_commit"}}])).await;

    let outcome = pay(&e2e, &client, "c1", "6281600000001", "INV-GT-1").await;
    assert_eq!(
        outcome,
        DebitOutcome::Abandoned {
            reason: Reason::SingleUseTokenNotIssued
        }
    );
    assert_eq!(
        count(&sent, "/user/v1/oauth/token"),
        1,
        "the authCode is sent once"
    );
    assert_eq!(
        count(&sent, "debit/payment-host-to-host"),
        1,
        "call 2 was never sent"
    );
    assert_eq!(captures(&e2e.ledger().await, "INV-GT-1", "capture"), 0);

    clear_faults(&e2e).await;
    assert!(
        client.token_store().get("c1").await.unwrap().is_some(),
        "the binding stays"
    );
    client.balance("c1").await.unwrap();
    let again = pay(&e2e, &client, "c1", "6281600000001", "INV-GT-2").await;
    assert!(matches!(again, DebitOutcome::Paid { .. }), "{again:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clock_skew_at_token_expiry_keeps_binding() {
    let e2e = E2e::start().await;
    e2e.account("6281600000002", "100000.00", "0.00").await;
    e2e.link("c2", "6281600000002").await;
    // Both clocks move to 100 s before the access token expires: the client still trusts it
    // for 40 s (it renews a minute early)...
    e2e.advance(Duration::from_secs(15 * 24 * 3600 - 100)).await;
    // ... but the provider's clock runs 120 s ahead (inside the timestamp window): to OVO the
    // token expired 20 s ago.
    e2e.control("POST", "clock/advance", json!({"seconds": 120}))
        .await;
    let (transport, sent) = recording(&e2e);
    let client = client(&e2e, transport, ClientOptions::default());

    client
        .balance("c2")
        .await
        .expect("refreshed and re-signed once");
    assert_eq!(
        count(&sent, "balance-inquiry"),
        2,
        "refused once, then re-signed once"
    );
    assert_eq!(count(&sent, "access-token/b2b2c"), 1, "one refresh");
    assert!(
        client.token_store().get("c2").await.unwrap().is_some(),
        "the binding stays"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unauthorized_refresh_keeps_binding() {
    let e2e = E2e::start().await;
    e2e.account("6281600000003", "100000.00", "0.00").await;
    e2e.link("c3", "6281600000003").await;
    e2e.advance(PAST_ACCESS_EXPIRY).await;
    // The refresh is refused 401xx00 (a signature or clock fault, not a revocation).
    faults(&e2e, json!([{"endpoint": "b2b2c-token", "every": 1, "action": {"kind": "status", "status": 401}}])).await;

    let error = e2e.client.balance("c3").await.unwrap_err();
    let ClientError::Refused { code, .. } = &error else {
        panic!("a typed refusal, got {error:?}")
    };
    assert!(code.is_unauthorized(), "{code}");
    assert!(
        e2e.client.token_store().get("c3").await.unwrap().is_some(),
        "tokens kept"
    );

    clear_faults(&e2e).await;
    e2e.client
        .balance("c3")
        .await
        .expect("works once the fault is fixed");

    // Only a refused refresh token forgets the binding: the account closes [S].
    e2e.control(
        "POST",
        "accounts/6281600000003/close",
        serde_json::Value::Null,
    )
    .await;
    e2e.advance(PAST_ACCESS_EXPIRY).await;
    assert!(matches!(
        e2e.client.balance("c3").await,
        Err(ClientError::NotBound { .. })
    ));
    assert!(e2e.client.token_store().get("c3").await.unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customer_refresh_is_single_flight() {
    let e2e = E2e::start().await;
    e2e.account("6281600000004", "100000.00", "0.00").await;
    e2e.link("c4", "6281600000004").await;
    e2e.advance(PAST_ACCESS_EXPIRY).await;
    let (transport, sent) = recording(&e2e);
    let client = client(&e2e, transport, ClientOptions::default());

    let calls: Vec<_> = (0..100)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.balance("c4").await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(
        count(&sent, "access-token/b2b2c"),
        1,
        "exactly one refresh request"
    );
    assert_eq!(count(&sent, "balance-inquiry"), 100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn committed_refund_then_token_outage_is_unknown() {
    let e2e = E2e::with(
        SandboxConfig::default(),
        quick_inquiries(ClientOptions::default()),
        "outage-secret",
        "SK-outage",
    )
    .await;
    e2e.account("6281600000005", "100000.00", "0.00").await;
    e2e.link("c5", "6281600000005").await;
    assert!(matches!(
        pay(&e2e, &e2e.client, "c5", "6281600000005", "INV-RF-1").await,
        DebitOutcome::Paid { .. }
    ));
    // Both the B2B token and the customer's access token expire; the refund's answer is lost
    // after OVO committed it, and the token endpoint answers 503 during the status inquiry.
    e2e.advance(PAST_ACCESS_EXPIRY).await;
    faults(
        &e2e,
        json!([
            {"endpoint": "refund", "every": 1, "action": {"kind": "drop_after_commit"}},
            {"endpoint": "b2b2c-token", "every": 1, "action": {"kind": "status", "status": 503}},
        ]),
    )
    .await;

    let refund = RefundRequest::new("INV-RF-1", "RF-1", SnapMoney::idr(Idr::from_rupiah(4_000)));
    let outcome = e2e.client.refund("c5", &refund).await;
    assert_eq!(
        outcome.unwrap(),
        RefundOutcome::Unknown,
        "never an Err once money may have moved"
    );
    assert_eq!(
        captures(&e2e.ledger().await, "INV-RF-1", "refund"),
        1,
        "the ledger holds the refund"
    );

    // The flow stays stored, unsettled; resumed after the outage it settles from the ledger.
    clear_faults(&e2e).await;
    let unsettled = e2e.client.flow_store().unsettled().await.unwrap();
    let stored = unsettled
        .iter()
        .find(|f| f.kind == FlowKind::Refund)
        .expect("stored unsettled");
    let resumed = e2e.client.resume(&stored.id).await.unwrap();
    assert!(
        matches!(resumed, Resumed::Refund(RefundOutcome::Refunded { .. })),
        "{resumed:?}"
    );
    assert_eq!(
        captures(&e2e.ledger().await, "INV-RF-1", "refund"),
        1,
        "never refunded twice"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inquiries_are_paced() {
    let e2e = E2e::start().await;
    e2e.account("6281600000006", "100000.00", "0.00").await;
    e2e.link("c6", "6281600000006").await;
    // A provider that settles a second after call 2: until then its status answers 503.
    let settled_at: Arc<Mutex<Option<Instant>>> = Arc::default();
    let (recorder, sent) = recording(&e2e);
    let gate = Arc::clone(&settled_at);
    let transport = move |request: http::Request<Bytes>, deadline: Duration| {
        let (recorder, gate) = (recorder.clone(), Arc::clone(&gate));
        async move {
            let status = request.uri().path().ends_with("debit/status");
            let answer = recorder.send(request, deadline).await;
            let early = gate.lock().unwrap().is_some_and(|at| Instant::now() < at);
            if status && early {
                let busy = br#"{"responseCode":"5035500","responseMessage":"busy"}"#;
                return Ok::<_, TransportError>(
                    http::Response::builder()
                        .status(503)
                        .body(Bytes::from_static(busy))
                        .unwrap(),
                );
            }
            answer
        }
    };
    let mut options = ClientOptions::default();
    options.retry.max_retries = 0; // only the inquiries' own pacing, so it can be seen
    let client = client(&e2e, transport, options);
    faults(
        &e2e,
        json!([{"endpoint": "debit", "every": 2, "action": {"kind": "drop_after_commit"}}]),
    )
    .await;

    let DebitProgress::Webview(pending) = client
        .begin_debit("c6", &payment("INV-P-1", 1_000))
        .await
        .unwrap()
    else {
        panic!("call 1 asks for the PIN")
    };
    let callback = e2e
        .complete_webview(&pending.webview_url, "6281600000006")
        .await;
    *settled_at.lock().unwrap() = Some(Instant::now() + Duration::from_secs(1));
    let outcome = client.finish_debit(&pending.id, &callback).await.unwrap();
    assert!(
        matches!(outcome, DebitOutcome::Paid { .. }),
        "settled by a later inquiry: {outcome:?}"
    );
    let times: Vec<Instant> = sent
        .lock()
        .unwrap()
        .iter()
        .filter(|(p, _)| p.ends_with("debit/status"))
        .map(|(_, at)| *at)
        .collect();
    assert!(times.len() >= 2, "{times:?}");
    for pair in times.windows(2) {
        assert!(
            pair[1] - pair[0] >= Duration::from_millis(900),
            "inquiries {:?} apart",
            pair[1] - pair[0]
        );
    }
    assert_eq!(captures(&e2e.ledger().await, "INV-P-1", "capture"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operation_deadline_bounds_every_flow() {
    let sandbox = SandboxConfig {
        hang: Duration::from_secs(30),
        ..SandboxConfig::default()
    };
    let mut options = quick_inquiries(ClientOptions::default());
    options.call_timeout = Duration::from_secs(1);
    options.operation_deadline = Duration::from_secs(3);
    let e2e = E2e::with(sandbox, options.clone(), "deadline-secret", "SK-deadline").await;
    e2e.account("6281600000007", "100000.00", "0.00").await;
    e2e.link("c7", "6281600000007").await;
    let (transport, sent) = recording(&e2e);
    let client = client(&e2e, transport, options);
    faults(
        &e2e,
        json!([
            {"endpoint": "debit", "every": 2, "action": {"kind": "drop_after_commit"}},
            {"endpoint": "status", "every": 1, "action": {"kind": "hang"}},
        ]),
    )
    .await;

    let DebitProgress::Webview(pending) = client
        .begin_debit("c7", &payment("INV-D-1", 1_000))
        .await
        .unwrap()
    else {
        panic!("call 1 asks for the PIN")
    };
    let callback = e2e
        .complete_webview(&pending.webview_url, "6281600000007")
        .await;
    let started = Instant::now();
    let outcome = client.finish_debit(&pending.id, &callback).await.unwrap();
    let took = started.elapsed();
    assert_eq!(
        outcome,
        DebitOutcome::Unknown,
        "with what is known: call 2 may have captured"
    );
    // A 3 s deadline with 1 s calls leaves room for a handful of status requests, not 15.
    assert!(
        count(&sent, "debit/status") <= 5,
        "{} status requests",
        count(&sent, "debit/status")
    );
    assert!(
        took < Duration::from_secs(20),
        "bounded by the deadline: {took:?}"
    );

    // The stored flow settles once the provider answers again.
    clear_faults(&e2e).await;
    let resumed = client.resume(&pending.id).await.unwrap();
    assert!(
        matches!(resumed, Resumed::Debit(DebitOutcome::Paid { .. })),
        "{resumed:?}"
    );
    assert_eq!(captures(&e2e.ledger().await, "INV-D-1", "capture"), 1);
}
