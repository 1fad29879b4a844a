//! Flows stored and resumed by id: a flow begun on one instance of a deployment is finished on
//! another that shares only the flow and token stores; a second or concurrent callback sends
//! nothing more and is told so with a typed error; an unsettled debit is settled by `resume`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use ovo_e2e::E2e;
use ovo_flows::{DebitOutcome, LinkingOutcome, OvoEndpoint};
use ovo_http::{
    ClientError, ClientOptions, Clock as _, DebitProgress, FlowStore as _, MemoryFlowStore,
    MemoryTokenStore, OvoClient, PendingDebit, Resumed, TokenStore as _, Transport,
};
use ovo_model::snap::{BindingRequest, DirectDebitRequest};
use ovo_model::{Idr, SnapMoney};
use serde_json::{Value, json};

/// What two instances of one deployment share: nothing but the stores.
#[derive(Default)]
struct Shared {
    flows: Arc<MemoryFlowStore>,
    tokens: Arc<MemoryTokenStore>,
}

impl Shared {
    /// One instance: its own client (own B2B token cache, own connections) over the shared stores.
    fn instance<T: Transport>(&self, e2e: &E2e, transport: T) -> OvoClient<T> {
        self.instance_with(e2e, transport, ClientOptions::default())
    }

    fn instance_with<T: Transport>(
        &self,
        e2e: &E2e,
        transport: T,
        options: ClientOptions,
    ) -> OvoClient<T> {
        OvoClient::builder(
            ovo_e2e::snap_config(&e2e.base()),
            ovo_e2e::credentials(&e2e.secret),
            transport,
        )
        .options(options)
        .clock(e2e.clock.clone())
        .flow_store(self.flows.clone())
        .token_store(self.tokens.clone())
        .build()
    }
}

/// Requests sent, by path.
type Paths = Arc<Mutex<HashMap<String, usize>>>;

/// The default transport, counting every request by path.
fn counting_paths(e2e: &E2e, paths: Paths) -> impl Transport + use<> {
    let inner = e2e.transport();
    move |request: http::Request<Bytes>, deadline: Duration| {
        let (inner, paths) = (inner.clone(), Arc::clone(&paths));
        async move {
            *paths
                .lock()
                .unwrap()
                .entry(request.uri().path().to_owned())
                .or_default() += 1;
            inner.send(request, deadline).await
        }
    }
}

fn sent_to(e2e: &E2e, paths: &Paths, endpoint: OvoEndpoint) -> usize {
    let path = ovo_e2e::snap_config(&e2e.base()).path(endpoint);
    paths.lock().unwrap().get(&path).copied().unwrap_or(0)
}

fn binding(phone: &str) -> BindingRequest {
    BindingRequest {
        merchant_id: ovo_e2e::CLIENT_ID.to_owned(),
        phone_no: Some(phone.to_owned()),
        ..Default::default()
    }
}

/// Links `customer` on `client`, through the webview.
async fn link<T: Transport>(e2e: &E2e, client: &OvoClient<T>, customer: &str, phone: &str) {
    let pending = client
        .begin_linking(customer, &binding(phone))
        .await
        .unwrap();
    let callback = e2e.complete_webview(&pending.webview_url, phone).await;
    let outcome = client.finish_linking(&pending.id, &callback).await.unwrap();
    assert!(matches!(outcome, LinkingOutcome::Linked(_)), "{outcome:?}");
}

/// Begins a two-phase debit of Rp `rupiah` on `client`: the PIN webview is pending.
async fn begin<T: Transport>(
    client: &OvoClient<T>,
    customer: &str,
    reference: &str,
    rupiah: u64,
) -> PendingDebit {
    let request = DirectDebitRequest::new(reference, SnapMoney::idr(Idr::from_rupiah(rupiah)));
    match client.begin_debit(customer, &request).await.unwrap() {
        DebitProgress::Webview(pending) => pending,
        DebitProgress::Done(outcome) => panic!("a two-phase debit asks for the PIN: {outcome:?}"),
    }
}

/// The ledger's captures, as (reference, amount).
async fn captures(e2e: &E2e) -> Vec<(String, Value)> {
    e2e.ledger()
        .await
        .into_iter()
        .map(|entry| {
            assert_eq!(entry["kind"], "capture", "{entry}");
            (
                entry["reference"].as_str().unwrap().to_owned(),
                entry["amount"].clone(),
            )
        })
        .collect()
}

#[tokio::test]
async fn debit_begun_on_one_instance_resumes_on_another() {
    const PHONE: &str = "6281910000001";
    let e2e = E2e::start().await;
    e2e.account(PHONE, "100000.00", "0.00").await;
    let shared = Shared::default();
    let a = shared.instance(&e2e, e2e.transport());
    let b = shared.instance(&e2e, e2e.transport());

    link(&e2e, &a, "cust-r1", PHONE).await;
    let pending = begin(&a, "cust-r1", "INV-RESUME-1", 25_000).await;
    assert!(e2e.ledger().await.is_empty(), "call 1 moves nothing");

    // The customer confirms; the callback lands on the other instance.
    let callback = e2e.complete_webview(&pending.webview_url, PHONE).await;
    let outcome = b.finish_debit(&pending.id, &callback).await.unwrap();
    assert!(matches!(outcome, DebitOutcome::Paid { .. }), "{outcome:?}");

    let captured = captures(&e2e).await;
    assert_eq!(captured.len(), 1, "exactly one capture: {captured:?}");
    assert_eq!(captured[0].0, "INV-RESUME-1");
    assert_eq!(e2e.balances(PHONE).await.0, "75000.00");
    // The flow is settled in the shared store: the first instance cannot finish it again.
    assert!(matches!(
        a.finish_debit(&pending.id, &callback).await,
        Err(ClientError::FlowFinished { id }) if id == pending.id
    ));
    assert_eq!(captures(&e2e).await.len(), 1);
}

#[tokio::test]
async fn linking_resumes_on_another_instance() {
    const PHONE: &str = "6281910000002";
    let e2e = E2e::start().await;
    e2e.account(PHONE, "64000.00", "500.00").await;
    let shared = Shared::default();
    let sent = Arc::new(AtomicUsize::new(0));
    let a = shared.instance(&e2e, e2e.counting_transport(Arc::clone(&sent)));
    let b = shared.instance(&e2e, e2e.transport());

    let pending = a.begin_linking("cust-r2", &binding(PHONE)).await.unwrap();
    // Still waiting for the customer: resuming it sends nothing and leaves it waiting.
    let before = sent.load(Ordering::SeqCst);
    assert_eq!(
        b.resume(&pending.id).await.unwrap(),
        Resumed::WaitingForCustomer
    );
    assert!(
        shared.tokens.get("cust-r2").await.unwrap().is_none(),
        "not linked yet"
    );

    let callback = e2e.complete_webview(&pending.webview_url, PHONE).await;
    let outcome = b.finish_linking(&pending.id, &callback).await.unwrap();
    let LinkingOutcome::Linked(tokens) = outcome else {
        panic!("{outcome:?}")
    };
    // B stored the tokens in the shared store...
    assert_eq!(
        shared.tokens.get("cust-r2").await.unwrap().as_ref(),
        Some(&tokens)
    );
    // ... so A, which began the linking, can use them.
    let balance = a.balance("cust-r2").await.unwrap();
    assert_eq!(
        balance.account_infos[0].amount.as_ref().unwrap().value,
        Idr::from_rupiah(64_000)
    );
    assert_eq!(
        a.access_token("cust-r2").await.unwrap(),
        tokens.access,
        "A uses the tokens B stored, unrefreshed"
    );
    assert_eq!(
        sent.load(Ordering::SeqCst),
        before + 1,
        "A sent the balance call alone after the begin"
    );
    // A second callback for the finished linking is refused, sending nothing.
    assert!(matches!(
        a.finish_linking(&pending.id, &callback).await,
        Err(ClientError::FlowFinished { id }) if id == pending.id
    ));
    assert_eq!(sent.load(Ordering::SeqCst), before + 1);
}

#[tokio::test]
async fn second_callback_on_resume_sends_nothing() {
    const PHONE: &str = "6281910000003";
    let e2e = E2e::start().await;
    e2e.account(PHONE, "50000.00", "0.00").await;
    let shared = Shared::default();
    let sent = Arc::new(AtomicUsize::new(0));
    let a = shared.instance(&e2e, e2e.counting_transport(Arc::clone(&sent)));
    let b = shared.instance(&e2e, e2e.counting_transport(Arc::clone(&sent)));

    link(&e2e, &a, "cust-r3", PHONE).await;
    let pending = begin(&a, "cust-r3", "INV-RESUME-3", 10_000).await;
    let callback = e2e.complete_webview(&pending.webview_url, PHONE).await;
    let outcome = b.finish_debit(&pending.id, &callback).await.unwrap();
    assert!(matches!(outcome, DebitOutcome::Paid { .. }), "{outcome:?}");
    let after_paid = sent.load(Ordering::SeqCst);

    // The same callback again, on either instance: finished, and nothing is sent.
    for (name, second) in [
        ("B", b.finish_debit(&pending.id, &callback).await),
        ("A", a.finish_debit(&pending.id, &callback).await),
    ] {
        assert!(
            matches!(&second, Err(ClientError::FlowFinished { id }) if *id == pending.id),
            "{name}: {second:?}"
        );
    }
    assert_eq!(
        sent.load(Ordering::SeqCst),
        after_paid,
        "the sandbox saw no further request"
    );
    // An id no instance ever issued.
    assert!(matches!(
        b.finish_debit("no-such-flow", &callback).await,
        Err(ClientError::FlowNotFound { id }) if id == "no-such-flow"
    ));
    assert_eq!(sent.load(Ordering::SeqCst), after_paid);
    let captured = captures(&e2e).await;
    assert_eq!(captured.len(), 1, "{captured:?}");
    assert_eq!(e2e.balances(PHONE).await.0, "40000.00");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_callbacks_on_resume_send_call_two_once() {
    const PHONE: &str = "6281910000004";
    const ROUNDS: usize = 6;
    let e2e = Arc::new(E2e::start().await);
    e2e.account(PHONE, "100000.00", "0.00").await;
    let shared = Shared::default();
    let paths: Paths = Arc::default();
    let a = shared.instance(&e2e, counting_paths(&e2e, Arc::clone(&paths)));
    let b = shared.instance(&e2e, counting_paths(&e2e, Arc::clone(&paths)));
    link(&e2e, &a, "cust-r4", PHONE).await;

    for round in 0..ROUNDS {
        let pending = begin(&a, "cust-r4", &format!("INV-RESUME-4-{round}"), 1_000).await;
        let callback = e2e.complete_webview(&pending.webview_url, PHONE).await;
        // Both instances get the callback at once (a browser retry, a duplicated redirect).
        let barrier = Arc::new(tokio::sync::Barrier::new(2));
        let racers: Vec<_> = [a.clone(), b.clone()]
            .into_iter()
            .map(|client| {
                let (id, callback, barrier) =
                    (pending.id.clone(), callback.clone(), Arc::clone(&barrier));
                tokio::spawn(async move {
                    barrier.wait().await;
                    client.finish_debit(&id, &callback).await
                })
            })
            .collect();
        let mut results = Vec::new();
        for racer in racers {
            results.push(racer.await.unwrap());
        }
        let paid = results
            .iter()
            .filter(|r| matches!(r, Ok(DebitOutcome::Paid { .. })))
            .count();
        assert_eq!(paid, 1, "round {round}: exactly one is paid: {results:?}");
        let refused = results
            .iter()
            .filter(|r| {
                matches!(r, Err(ClientError::FlowNotWaiting { id } | ClientError::FlowFinished { id })
                    if *id == pending.id)
            })
            .count();
        assert_eq!(
            refused, 1,
            "round {round}: the other is told, typed: {results:?}"
        );
    }

    let mut captured: Vec<String> = captures(&e2e).await.into_iter().map(|c| c.0).collect();
    captured.sort();
    let expected: Vec<String> = (0..ROUNDS).map(|r| format!("INV-RESUME-4-{r}")).collect();
    assert_eq!(captured, expected, "one capture per debit");
    assert_eq!(
        e2e.balances(PHONE).await.0,
        Idr::from_rupiah(100_000 - 1_000 * ROUNDS as u64).to_snap_value()
    );
    // Call 1 and call 2 once per debit; the single-use authCode exchanged once per debit.
    assert_eq!(sent_to(&e2e, &paths, OvoEndpoint::Debit), 2 * ROUNDS);
    assert_eq!(sent_to(&e2e, &paths, OvoEndpoint::GenerateToken), ROUNDS);
}

/// Call 2's answer is lost after the capture and every status inquiry fails: the debit ends
/// `Unknown` on the instance that had the callback. Once the provider answers again, another
/// instance's `resume` settles it by inquiry, never by sending call 2 again.
#[tokio::test]
async fn an_unknown_debit_resumes_by_inquiry_on_another_instance() {
    const PHONE: &str = "6281910000005";
    let e2e = E2e::start().await;
    e2e.account(PHONE, "30000.00", "0.00").await;
    let shared = Shared::default();
    let mut options = ovo_e2e::quick_inquiries(ClientOptions::default());
    options.retry.backoff = Duration::from_millis(5);
    options.retry.backoff_max = Duration::from_millis(20);
    let paths: Paths = Arc::default();
    let a = shared.instance_with(
        &e2e,
        counting_paths(&e2e, Arc::clone(&paths)),
        options.clone(),
    );
    let b = shared.instance_with(&e2e, counting_paths(&e2e, Arc::clone(&paths)), options);
    link(&e2e, &a, "cust-r5", PHONE).await;
    let pending = begin(&a, "cust-r5", "INV-RESUME-5", 7_000).await;
    let callback = e2e.complete_webview(&pending.webview_url, PHONE).await;

    e2e.control(
        "PUT",
        "faults",
        json!({"rules": [
            {"endpoint": "debit", "every": 1, "action": {"kind": "drop_after_commit"}},
            {"endpoint": "status", "every": 1, "action": {"kind": "status", "status": 500}},
        ]}),
    )
    .await;
    let outcome = b.finish_debit(&pending.id, &callback).await.unwrap();
    assert_eq!(
        outcome,
        DebitOutcome::Unknown,
        "captured, but nobody knows yet"
    );
    assert_eq!(captures(&e2e).await.len(), 1);
    // An unknown outcome is not settled: the flow stays stored unsettled, to be resumed.
    let stored = shared.flows.get(&pending.id).await.unwrap().unwrap();
    assert!(!stored.settled, "an Unknown debit was stored as settled");
    let unsettled = shared.flows.unsettled().await.unwrap();
    assert!(
        unsettled.iter().any(|f| f.id == pending.id),
        "the Unknown debit is listed for reconciliation"
    );

    e2e.control("PUT", "faults", json!({"rules": []})).await;
    let debit_calls = sent_to(&e2e, &paths, OvoEndpoint::Debit);
    assert_eq!(debit_calls, 2, "call 1 and call 2");
    let resumed = a.resume(&pending.id).await.unwrap();
    assert!(
        matches!(resumed, Resumed::Debit(DebitOutcome::Paid { .. })),
        "{resumed:?}"
    );
    assert_eq!(
        sent_to(&e2e, &paths, OvoEndpoint::Debit),
        debit_calls,
        "call 2 is never sent again"
    );
    assert_eq!(captures(&e2e).await.len(), 1, "still one capture");
    assert_eq!(e2e.balances(PHONE).await.0, "23000.00");
    // Settled now: a late callback is told so.
    assert!(matches!(
        b.finish_debit(&pending.id, &callback).await,
        Err(ClientError::FlowFinished { .. })
    ));
}

/// A flow stored with a call in flight belongs to the instance sending it until that instance's
/// operation deadline: another instance's `reconcile` (a periodic job) leaves it alone, so it
/// never settles by inquiry a capture that is still on its way. Past the deadline (the instance
/// crashed or gave up) it is taken over.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconcile_leaves_a_flow_in_flight_to_its_instance() {
    const PHONE: &str = "6281910000006";
    let e2e = E2e::start().await;
    e2e.account(PHONE, "30000.00", "0.00").await;
    let shared = Shared::default();
    let paths: Paths = Arc::default();
    let b = shared.instance(&e2e, counting_paths(&e2e, Arc::clone(&paths)));
    link(&e2e, &b, "cust-r6", PHONE).await;
    let pending = begin(&b, "cust-r6", "INV-RESUME-6", 7_000).await;
    let callback = e2e.complete_webview(&pending.webview_url, PHONE).await;

    // Instance A holds call 2 on its way until the test lets it go.
    let (reached, mut call_held) = tokio::sync::mpsc::channel::<()>(1);
    let release = Arc::new(tokio::sync::Notify::new());
    let inner = e2e.transport();
    let debit_path = ovo_e2e::snap_config(&e2e.base()).path(OvoEndpoint::Debit);
    let held = {
        let release = Arc::clone(&release);
        move |request: http::Request<Bytes>, deadline: Duration| {
            let (inner, release, reached) = (inner.clone(), Arc::clone(&release), reached.clone());
            let hold = request.uri().path() == debit_path;
            async move {
                if hold {
                    let _ = reached.send(()).await;
                    release.notified().await;
                }
                inner.send(request, deadline).await
            }
        }
    };
    let a = shared.instance(&e2e, held);
    let id = pending.id.clone();
    let finishing = tokio::spawn(async move { a.finish_debit(&id, &callback).await });
    call_held.recv().await.unwrap();

    // The periodic job on instance B, now: the flow is A's.
    let settled = b.reconcile(e2e.clock.now()).await.unwrap();
    assert!(
        settled.is_empty(),
        "took over a flow in flight: {settled:?}"
    );
    let statuses = sent_to(&e2e, &paths, OvoEndpoint::Status);
    assert_eq!(statuses, 0, "no inquiry about a capture still on its way");
    let stored = shared.flows.get(&pending.id).await.unwrap().unwrap();
    let wake_at = stored
        .wake_at
        .expect("a flow in flight is stored with A's deadline");
    assert!(wake_at > e2e.clock.now());
    // Resuming it by id (an order page reloaded) is told the same, and does nothing.
    assert_eq!(
        b.resume(&pending.id).await.unwrap(),
        Resumed::InFlight { until: wake_at }
    );
    assert_eq!(sent_to(&e2e, &paths, OvoEndpoint::Status), 0);

    // A's call goes out and A settles the flow.
    release.notify_one();
    let outcome = finishing.await.unwrap().unwrap();
    assert!(matches!(outcome, DebitOutcome::Paid { .. }), "{outcome:?}");
    assert_eq!(captures(&e2e).await.len(), 1);
    // Nothing is left for the job, even past A's deadline.
    let later = wake_at + time::Duration::seconds(1);
    assert!(b.reconcile(later).await.unwrap().is_empty());
}

/// Past the deadline of the instance that wrote a flow with a call in flight (it crashed), the
/// periodic job takes the flow over and settles it by inquiry, never sending the call again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconcile_takes_over_a_flow_in_flight_past_its_deadline() {
    const PHONE: &str = "6281910000007";
    let e2e = E2e::start().await;
    e2e.account(PHONE, "30000.00", "0.00").await;
    let shared = Shared::default();
    let paths: Paths = Arc::default();
    let b = shared.instance_with(
        &e2e,
        counting_paths(&e2e, Arc::clone(&paths)),
        ovo_e2e::quick_inquiries(ClientOptions::default()),
    );
    link(&e2e, &b, "cust-r7", PHONE).await;
    let pending = begin(&b, "cust-r7", "INV-RESUME-7", 7_000).await;
    let callback = e2e.complete_webview(&pending.webview_url, PHONE).await;

    // Instance A sends call 2 and dies before its answer comes back: the call never returns.
    let (reached, mut call_held) = tokio::sync::mpsc::channel::<()>(1);
    let inner = e2e.transport();
    let debit_path = ovo_e2e::snap_config(&e2e.base()).path(OvoEndpoint::Debit);
    let dying = move |request: http::Request<Bytes>, deadline: Duration| {
        let (inner, reached) = (inner.clone(), reached.clone());
        let hold = request.uri().path() == debit_path;
        async move {
            let answer = inner.send(request, deadline).await;
            if hold {
                let _ = reached.send(()).await;
                std::future::pending::<()>().await;
            }
            answer
        }
    };
    let a = shared.instance(&e2e, dying);
    let id = pending.id.clone();
    let crashed = tokio::spawn(async move { a.finish_debit(&id, &callback).await });
    call_held.recv().await.unwrap();
    crashed.abort();
    let debits = sent_to(&e2e, &paths, OvoEndpoint::Debit);

    let stored = shared.flows.get(&pending.id).await.unwrap().unwrap();
    let deadline = stored
        .wake_at
        .expect("stored with the dead instance's deadline");
    assert!(b.reconcile(e2e.clock.now()).await.unwrap().is_empty());
    let settled = b.reconcile(deadline).await.unwrap();
    assert!(
        matches!(
            settled.as_slice(),
            [(id, Resumed::Debit(DebitOutcome::Paid { .. }))] if *id == pending.id
        ),
        "{settled:?}"
    );
    assert_eq!(
        sent_to(&e2e, &paths, OvoEndpoint::Debit),
        debits,
        "call 2 never sent again"
    );
    assert!(
        sent_to(&e2e, &paths, OvoEndpoint::Status) >= 1,
        "settled by inquiry"
    );
    assert_eq!(captures(&e2e).await.len(), 1);
}
