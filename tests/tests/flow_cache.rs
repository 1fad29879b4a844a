//! The SNAP client's cache of the flows it wrote (`ClientOptions::flow_cache_capacity`) against
//! the sandbox, with two instances sharing one flow store and one token store: a callback that
//! reaches the instance that began a debit after another instance advanced or finished it gets
//! the answer a store read gives (`FlowFinished`, `FlowNotWaiting`, `FlowExpired`...), sends
//! nothing, and money moves once; a cached copy that is merely stale (the flow still waits) costs
//! one conflicting write and one store read, then the debit is captured once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use ovo_e2e::E2e;
use ovo_e2e::counted::{CountedStores, diff};
use ovo_flows::{FlowStore, MemoryFlowStore, MemoryTokenStore};
use ovo_http::{ClientError, DebitOutcome, DebitProgress, OvoClient, PendingDebit, Transport};
use ovo_model::snap::{BindingRequest, DirectDebitRequest};
use ovo_model::{Idr, SnapMoney};
use tokio::sync::Notify;

const PHONE: &str = "6281500000051";
const CUSTOMER: &str = "flow-cached";

/// Holds an instance's first request after [`Gate::arm`] until [`Gate::open`].
#[derive(Debug, Default)]
struct Gate {
    armed: AtomicBool,
    reached: Notify,
    open: Notify,
}

impl Gate {
    fn arm(&self) {
        self.armed.store(true, Ordering::SeqCst);
    }

    /// Waits until a request is held.
    async fn reached(&self) {
        self.reached.notified().await;
    }

    fn open(&self) {
        self.open.notify_one();
    }
}

/// One instance of a deployment whose instances share the flow and token stores.
struct Instance<T> {
    client: OvoClient<T>,
    flows: Arc<CountedStores>,
    /// The paths of the requests it sent.
    sent: Arc<Mutex<Vec<String>>>,
    gate: Arc<Gate>,
}

impl<T> Instance<T> {
    /// `[flow gets, flow puts, requests sent]` so far.
    fn traffic(&self) -> [usize; 3] {
        let [flow_gets, flow_puts, ..] = self.flows.snapshot();
        [flow_gets, flow_puts, self.sent.lock().unwrap().len()]
    }
}

/// The stores every instance shares.
#[derive(Default)]
struct Shared {
    tokens: Arc<MemoryTokenStore>,
    flows: Arc<MemoryFlowStore>,
}

fn instance(e2e: &E2e, shared: &Shared) -> Instance<impl Transport + use<>> {
    let sent: Arc<Mutex<Vec<String>>> = Arc::default();
    let gate = Arc::new(Gate::default());
    let inner = e2e.transport();
    let (log, held) = (Arc::clone(&sent), Arc::clone(&gate));
    let transport = move |request: http::Request<Bytes>, deadline: Duration| {
        let (inner, log, held) = (inner.clone(), Arc::clone(&log), Arc::clone(&held));
        async move {
            log.lock().unwrap().push(request.uri().path().to_owned());
            if held.armed.swap(false, Ordering::SeqCst) {
                held.reached.notify_one();
                held.open.notified().await;
            }
            inner.send(request, deadline).await
        }
    };
    let flows = Arc::new(CountedStores::over(
        Arc::clone(&shared.flows),
        Arc::clone(&shared.tokens),
    ));
    let client = e2e
        .builder_with(transport)
        .token_store(shared.tokens.clone())
        .flow_store(flows.clone())
        .build();
    Instance {
        client,
        flows,
        sent,
        gate,
    }
}

/// The sandbox, the shared stores, and instances A and B on them, the customer linked by A.
async fn setup() -> (
    E2e,
    Shared,
    Instance<impl Transport + use<>>,
    Instance<impl Transport + use<>>,
) {
    let e2e = E2e::start().await;
    e2e.account(PHONE, "1000000.00", "0.00").await;
    let shared = Shared::default();
    let (a, b) = (instance(&e2e, &shared), instance(&e2e, &shared));
    let request = BindingRequest {
        partner_reference_no: Some(format!("BIND-{CUSTOMER}")),
        merchant_id: ovo_e2e::CLIENT_ID.to_owned(),
        phone_no: Some(PHONE.to_owned()),
        ..Default::default()
    };
    let pending = a.client.begin_linking(CUSTOMER, &request).await.unwrap();
    let callback = e2e.complete_webview(&pending.webview_url, PHONE).await;
    a.client
        .finish_linking(&pending.id, &callback)
        .await
        .unwrap();
    (e2e, shared, a, b)
}

/// Begins a two-phase debit of `reference` on `client` and completes its PIN webview: the
/// pending debit and its callback URL.
async fn begin<T: Transport>(
    e2e: &E2e,
    client: &OvoClient<T>,
    reference: &str,
) -> (PendingDebit, String) {
    let request = DirectDebitRequest::new(reference, SnapMoney::idr(Idr::from_rupiah(1_000)));
    let DebitProgress::Webview(pending) = client.begin_debit(CUSTOMER, &request).await.unwrap()
    else {
        panic!("a two-phase debit asks for the PIN")
    };
    let callback = e2e.complete_webview(&pending.webview_url, PHONE).await;
    (pending, callback)
}

/// The sandbox ledger's captures of `reference`.
async fn captures(e2e: &E2e, reference: &str) -> usize {
    e2e.ledger()
        .await
        .iter()
        .filter(|entry| entry["kind"] == "capture" && entry["reference"] == reference)
        .count()
}

fn paid(outcome: &DebitOutcome) -> bool {
    matches!(outcome, DebitOutcome::Paid { .. })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_reaching_the_beginner_after_another_instance_settled_the_debit_is_finished() {
    let (e2e, _shared, a, b) = setup().await;
    let (pending, callback) = begin(&e2e, &a.client, "FC-SETTLED").await;
    let outcome = b.client.finish_debit(&pending.id, &callback).await.unwrap();
    assert!(paid(&outcome), "{outcome:?}");

    // A's cached copy (written by begin_debit) still waits for this callback: its write-ahead
    // conflicts, nothing is sent, and the store says the flow is finished.
    let before = a.traffic();
    let again = a.client.finish_debit(&pending.id, &callback).await;
    assert!(
        matches!(again, Err(ClientError::FlowFinished { .. })),
        "{again:?}"
    );
    assert_eq!(
        diff(before, a.traffic()),
        [1, 1, 0],
        "one conflicting write-ahead, one store read, no request"
    );
    assert_eq!(captures(&e2e, "FC-SETTLED").await, 1);

    // The entry is gone: the next callback on A reads the store straight away.
    let before = a.traffic();
    let third = a.client.finish_debit(&pending.id, &callback).await;
    assert!(
        matches!(third, Err(ClientError::FlowFinished { .. })),
        "{third:?}"
    );
    assert_eq!(diff(before, a.traffic()), [1, 0, 0]);
}

/// A failure callback (the customer's cancel, replayed or sent by hand) reaching A after B
/// settled the debit as paid: A's cached copy would end `Abandoned` without sending anything,
/// but that outcome cannot be stored over B's, so it is not reported: the store says finished.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_callback_reaching_the_beginner_after_another_instance_was_paid_is_finished() {
    let (e2e, _shared, a, b) = setup().await;
    let (pending, callback) = begin(&e2e, &a.client, "FC-DECLINED").await;
    let outcome = b.client.finish_debit(&pending.id, &callback).await.unwrap();
    assert!(paid(&outcome), "{outcome:?}");
    let declined = format!(
        "{}/_sandbox/callback?response=%7B%22displayMsg%22%3A%22CANCEL%22%2C%22errorCode%22%3A%22U01%22%7D",
        e2e.base()
    );
    let before = a.traffic();
    let late = a.client.finish_debit(&pending.id, &declined).await;
    assert!(
        matches!(late, Err(ClientError::FlowFinished { .. })),
        "a paid debit must not read as abandoned: {late:?}"
    );
    assert_eq!(
        diff(before, a.traffic()),
        [1, 1, 0],
        "one conflicting write of the outcome, one store read, no request"
    );
    assert_eq!(captures(&e2e, "FC-DECLINED").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_reaching_the_beginner_while_another_instance_finishes_is_not_waiting() {
    let (e2e, _shared, a, b) = setup().await;
    let (pending, callback) = begin(&e2e, &a.client, "FC-MIDWAY").await;

    // B takes the callback and writes the flow ahead of its first request, which is held.
    b.gate.arm();
    let finishing = {
        let (client, id, callback) = (b.client.clone(), pending.id.clone(), callback.clone());
        tokio::spawn(async move { client.finish_debit(&id, &callback).await })
    };
    b.gate.reached().await;

    // The same callback at A: what a store read gives today (the flow is B's, mid-way).
    let before = a.traffic();
    let at_a = a.client.finish_debit(&pending.id, &callback).await;
    assert!(
        matches!(at_a, Err(ClientError::FlowNotWaiting { .. })),
        "{at_a:?}"
    );
    assert_eq!(
        diff(before, a.traffic()),
        [1, 1, 0],
        "one conflicting write-ahead, one store read, no request"
    );

    b.gate.open();
    let outcome = finishing.await.unwrap().unwrap();
    assert!(paid(&outcome), "{outcome:?}");
    assert_eq!(captures(&e2e, "FC-MIDWAY").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_copy_of_a_flow_still_waiting_costs_one_conflict_and_one_store_read() {
    let (e2e, shared, a, b) = setup().await;
    let (pending, callback) = begin(&e2e, &a.client, "FC-STALE").await;

    // Another instance writes a new revision of the flow without advancing it.
    let stored = shared.flows.get(&pending.id).await.unwrap().unwrap();
    let revision = shared.flows.put(&stored).await.unwrap();
    assert!(revision > stored.revision);

    let before = a.traffic();
    let outcome = a.client.finish_debit(&pending.id, &callback).await.unwrap();
    assert!(paid(&outcome), "{outcome:?}");
    let [gets, puts, _] = diff(before, a.traffic());
    assert_eq!(
        [gets, puts],
        [1, 1 + 3],
        "one conflicting write-ahead and one store read, then a debit's 3 writes"
    );
    assert_eq!(captures(&e2e, "FC-STALE").await, 1);
    assert!(b.traffic() == [0, 0, 0], "B did nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_after_the_webview_deadline_gets_what_the_store_says() {
    let (e2e, _shared, a, b) = setup().await;

    // Settled on B, then the callback reaches A after A's copy's webview deadline: finished, not
    // expired.
    let (pending, callback) = begin(&e2e, &a.client, "FC-LATE").await;
    let outcome = b.client.finish_debit(&pending.id, &callback).await.unwrap();
    assert!(paid(&outcome), "{outcome:?}");
    e2e.advance(Duration::from_secs(16 * 60)).await;
    let before = a.traffic();
    let late = a.client.finish_debit(&pending.id, &callback).await;
    assert!(
        matches!(late, Err(ClientError::FlowFinished { .. })),
        "{late:?}"
    );
    assert_eq!(diff(before, a.traffic()), [1, 0, 0], "one store read");
    assert_eq!(captures(&e2e, "FC-LATE").await, 1);

    // Not finished anywhere: expired, as from the store, and nothing is sent.
    let (pending, callback) = begin(&e2e, &a.client, "FC-EXPIRED").await;
    e2e.advance(Duration::from_secs(16 * 60)).await;
    let before = a.traffic();
    let expired = a.client.finish_debit(&pending.id, &callback).await;
    assert!(
        matches!(expired, Err(ClientError::FlowExpired { .. })),
        "{expired:?}"
    );
    let [gets, _, sent] = diff(before, a.traffic());
    assert_eq!([gets, sent], [1, 0], "one store read, no request");
    assert_eq!(captures(&e2e, "FC-EXPIRED").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_finish_whose_flow_another_instance_wrote_mid_drive_stops_without_reading_again() {
    let (e2e, shared, a, _b) = setup().await;
    let (pending, callback) = begin(&e2e, &a.client, "FC-MIDDRIVE").await;

    // A takes the callback from its cache and writes the flow ahead of Generate Token; while
    // that request is held, another instance writes a new revision of the flow.
    a.gate.arm();
    let before = a.traffic();
    let finishing = {
        let (client, id, callback) = (a.client.clone(), pending.id.clone(), callback.clone());
        tokio::spawn(async move { client.finish_debit(&id, &callback).await })
    };
    a.gate.reached().await;
    let stored = shared.flows.get(&pending.id).await.unwrap().unwrap();
    shared.flows.put(&stored).await.unwrap();
    a.gate.open();

    // A's write ahead of call 2 conflicts: a write of this finish had succeeded, so it is not a
    // stale cached copy and the store is not read again; call 2 is never sent.
    let outcome = finishing.await.unwrap();
    assert!(
        matches!(outcome, Err(ClientError::FlowNotWaiting { .. })),
        "{outcome:?}"
    );
    let [gets, puts, _] = diff(before, a.traffic());
    assert_eq!(
        [gets, puts],
        [0, 2],
        "no store read; two write-aheads, the second refused"
    );
    assert_eq!(captures(&e2e, "FC-MIDDRIVE").await, 0);
}
