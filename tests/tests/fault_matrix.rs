//! The fault matrix (issue 10): 200 concurrent two-phase debits and 200 refunds of captured
//! payments while the sandbox faults every Kth exchange (K = 2, 3, 5) of every endpoint the flows
//! use (`b2b-token`, `b2b2c-token`, `debit`, `generate-token`, `status`, `refund`), rotating
//! through every kind of fault it can plan. Every request is counted per money call by the
//! transport; the sandbox's ledger is the record. Per run: no intent captured twice, no money
//! call sent twice, no binding lost, no outcome that disagrees with the ledger; the `Unknown`
//! outcomes are counted, then resumed after the faults clear and checked against the ledger too.
//!
//! Each K is its own test; each prints its row of the table in `docs/reliability.md`
//! (`cargo test -p ovo-e2e --test fault_matrix -- --nocapture`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use ovo_e2e::{E2e, quick_inquiries};
use ovo_flows::{DebitOutcome, FlowKind, RefundOutcome};
use ovo_http::{
    ClientError, ClientOptions, DebitProgress, OvoClient, Resumed, Transport, TransportError,
    TransportErrorKind,
};
use ovo_model::snap::{DirectDebitRequest, RefundRequest};
use ovo_model::{Idr, SnapMoney};
use ovo_sandbox::SandboxConfig;
use serde_json::{Value, json};

/// Debits under faults, and refunds under faults (of as many payments captured beforehand).
const INTENTS: usize = 200;
/// Customers the intents are spread over.
const CUSTOMERS: usize = 50;
const PAYMENT: u64 = 10_000;
/// A partial refund, so that a refund applied twice would show in the ledger (a second full
/// refund would be refused by the ledger's own invariant and hide the re-send).
const REFUND: u64 = 4_000;
/// Past the customers' access tokens (15 days) and the B2B token (15 minutes): under faults,
/// every flow needs token calls, so their lost answers are part of the matrix.
const PAST_ACCESS_EXPIRY: Duration = Duration::from_secs(15 * 24 * 3600 + 120);

/// The endpoints the debit and refund flows use.
const ENDPOINTS: [&str; 6] = [
    "b2b-token",
    "b2b2c-token",
    "debit",
    "generate-token",
    "status",
    "refund",
];

/// Every kind of fault the sandbox can plan (`docs/sandbox.md`, "Fault plan"). The hang outlasts
/// the client's call timeout; so does the long delay, whose request is handled after the client
/// gave up on it.
fn kinds() -> Vec<Value> {
    vec![
        json!({"kind": "drop_after_commit"}),
        json!({"kind": "hang"}),
        json!({"kind": "status", "status": 500}),
        json!({"kind": "status", "status": 500, "commit": true}),
        json!({"kind": "status", "status": 504}),
        json!({"kind": "status", "status": 504, "commit": true}),
        json!({"kind": "status", "status": 202}),
        json!({"kind": "status", "status": 202, "commit": true}),
        json!({"kind": "delay", "ms": 200}),
        json!({"kind": "delay", "ms": 1_300}),
    ]
}

/// A fault on every `k`th request to every endpoint. The sandbox applies the first rule whose
/// period divides an endpoint's count, so with the periods `k·n, ..., 2k, k` (largest first), the
/// `m`th faulted request gets kind number `m` for `m = 1..=n`: every kind hits every endpoint
/// that sees at least `n·k` requests (asserted below), and later ones keep cycling.
fn plan(k: u64) -> Value {
    let kinds = kinds();
    let mut rules = Vec::new();
    for endpoint in ENDPOINTS {
        for (j, action) in kinds.iter().enumerate().rev() {
            rules
                .push(json!({"endpoint": endpoint, "every": k * (j as u64 + 1), "action": action}));
        }
    }
    json!({ "rules": rules })
}

/// The sandbox's endpoint name of a request path.
fn endpoint_of(path: &str) -> &'static str {
    if path.ends_with("access-token/b2b") {
        "b2b-token"
    } else if path.ends_with("access-token/b2b2c") {
        "b2b2c-token"
    } else if path.ends_with("debit/payment-host-to-host") {
        "debit"
    } else if path.ends_with("debit/status") {
        "status"
    } else if path.ends_with("debit/refund") {
        "refund"
    } else if path.ends_with("oauth/token") {
        "generate-token"
    } else {
        "other"
    }
}

/// Requests counted per money call. A request counts as sent unless the transport says it
/// certainly never reached the provider (a refused connection may be re-sent: nothing left).
#[derive(Debug, Default)]
struct Sends {
    /// Call 1 of a debit (before the customer's webview), per `partnerReferenceNo`.
    call1: HashMap<String, usize>,
    /// Call 2 of a debit (after the webview, with the single-use token), per `partnerReferenceNo`.
    call2: HashMap<String, usize>,
    /// Refunds, per `partnerRefundNo`.
    refunds: HashMap<String, usize>,
    /// Generate Token, per `authCode`.
    generate: HashMap<String, usize>,
    /// Every request per endpoint, sent or not.
    per_endpoint: HashMap<&'static str, usize>,
    /// What came of each refund and status request, per `partnerRefundNo` or
    /// `originalPartnerReferenceNo`, in order: the evidence when an outcome disagrees.
    log: HashMap<String, Vec<String>>,
}

impl Sends {
    fn max(&self) -> usize {
        [&self.call1, &self.call2, &self.refunds, &self.generate]
            .iter()
            .flat_map(|m| m.values().copied())
            .max()
            .unwrap_or(0)
    }

    fn over_one(&self) -> Vec<String> {
        let mut found = Vec::new();
        for (label, map) in [
            ("debit call 1", &self.call1),
            ("debit call 2", &self.call2),
            ("refund", &self.refunds),
            ("generate token", &self.generate),
        ] {
            for (key, n) in map {
                if *n > 1 {
                    found.push(format!("{label} {key} sent {n} times"));
                }
            }
        }
        found.sort();
        found
    }
}

#[derive(Debug, Default)]
struct Recorder {
    sends: Mutex<Sends>,
    /// Debits whose webview the customer completed: a debit request for one of these is call 2.
    approved: Mutex<HashSet<String>>,
}

impl Recorder {
    fn approve(&self, reference: &str) {
        self.approved.lock().unwrap().insert(reference.to_owned());
    }

    fn record(&self, request: &http::Request<Bytes>, reached: bool, what: String) {
        let endpoint = endpoint_of(request.uri().path());
        let field = |name: &str| {
            serde_json::from_slice::<Value>(request.body())
                .ok()
                .and_then(|body| body[name].as_str().map(str::to_owned))
                .unwrap_or_default()
        };
        let mut sends = self.sends.lock().unwrap();
        *sends.per_endpoint.entry(endpoint).or_default() += 1;
        let key = match endpoint {
            "refund" => Some(field("partnerRefundNo")),
            "status" => Some(field("originalPartnerReferenceNo")),
            _ => None,
        };
        if let Some(key) = key {
            sends
                .log
                .entry(key)
                .or_default()
                .push(format!("{endpoint}: {what}"));
        }
        if !reached {
            return;
        }
        match endpoint {
            "debit" => {
                let reference = field("partnerReferenceNo");
                let second = self.approved.lock().unwrap().contains(&reference);
                let map = if second {
                    &mut sends.call2
                } else {
                    &mut sends.call1
                };
                *map.entry(reference).or_default() += 1;
            }
            "refund" => *sends.refunds.entry(field("partnerRefundNo")).or_default() += 1,
            "generate-token" => {
                let code = form_urlencoded::parse(request.uri().query().unwrap_or("").as_bytes())
                    .find(|(k, _)| k == "code")
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default();
                *sends.generate.entry(code).or_default() += 1;
            }
            _ => {}
        }
    }
}

/// The default transport, recording every request in `recorder`.
fn recording(e2e: &E2e, recorder: &Arc<Recorder>) -> impl Transport + Clone + use<> {
    let inner = e2e.transport();
    let recorder = Arc::clone(recorder);
    move |request: http::Request<Bytes>, deadline: Duration| {
        let (inner, recorder) = (inner.clone(), Arc::clone(&recorder));
        async move {
            let copy = request.clone();
            let started = Instant::now();
            let answer = inner.send(request, deadline).await;
            let reached = answer
                .as_ref()
                .map_or_else(|e| e.may_have_reached(), |_| true);
            let what = match &answer {
                Ok(response) => format!(
                    "{} {} after {:?}",
                    response.status(),
                    String::from_utf8_lossy(response.body()),
                    started.elapsed()
                ),
                Err(error) => format!("{error} after {:?}", started.elapsed()),
            };
            recorder.record(&copy, reached, what);
            answer
        }
    }
}

/// Another instance of the same deployment (sharing the token and flow stores), on `transport`:
/// each fetches its own B2B token and refreshes customers' access tokens on its own.
fn instance<T: Transport>(e2e: &E2e, transport: T, options: ClientOptions) -> OvoClient<T> {
    e2e.builder_with(transport)
        .options(options)
        .token_store(Arc::clone(e2e.client.token_store()))
        .flow_store(Arc::clone(e2e.client.flow_store()))
        .build()
}

fn customer(i: usize) -> (String, String) {
    let c = i % CUSTOMERS;
    (format!("fm{c:02}"), format!("62817{c:08}"))
}

fn payment(reference: &str, rupiah: u64) -> DirectDebitRequest {
    DirectDebitRequest::new(reference, SnapMoney::idr(Idr::from_rupiah(rupiah)))
}

/// The whole two-phase debit; `approved` is told when the customer completed the webview.
async fn pay<T: Transport>(
    e2e: &E2e,
    client: &OvoClient<T>,
    i: usize,
    reference: &str,
    approved: Option<&Recorder>,
) -> Result<DebitOutcome, ClientError> {
    let (customer, phone) = customer(i);
    match client
        .begin_debit(&customer, &payment(reference, PAYMENT))
        .await?
    {
        DebitProgress::Webview(pending) => {
            let callback = e2e.complete_webview(&pending.webview_url, &phone).await;
            if let Some(recorder) = approved {
                recorder.approve(reference);
            }
            client.finish_debit(&pending.id, &callback).await
        }
        DebitProgress::Done(outcome) => Ok(outcome),
    }
}

/// The ledger's captures per payment and refunds per `partnerRefundNo`.
async fn ledger(e2e: &E2e) -> (HashMap<String, usize>, HashMap<String, usize>) {
    let (mut captures, mut refunds) = (HashMap::new(), HashMap::new());
    for entry in e2e.ledger().await {
        match entry["kind"].as_str() {
            Some("capture") => {
                *captures
                    .entry(entry["reference"].as_str().unwrap().to_owned())
                    .or_default() += 1;
            }
            Some("refund") => {
                *refunds
                    .entry(entry["refund_reference"].as_str().unwrap().to_owned())
                    .or_default() += 1;
            }
            other => panic!("ledger entry of kind {other:?}"),
        }
    }
    (captures, refunds)
}

/// Whether a debit's outcome disagrees with its captures: `Some(why)` if it does.
fn debit_disagrees(
    outcome: &Result<DebitOutcome, ClientError>,
    captured: usize,
) -> Option<&'static str> {
    match (outcome, captured) {
        (_, n) if n > 1 => Some("captured more than once"),
        (Ok(DebitOutcome::Paid { .. }), 0) => Some("Paid without a capture"),
        (Ok(DebitOutcome::Refused { .. }), 1) => Some("Refused but captured"),
        (Ok(DebitOutcome::Abandoned { .. }), 1) => Some("Abandoned but captured"),
        // An error promises nothing was sent that could move money.
        (Err(_), 1) => Some("Err but captured"),
        _ => None,
    }
}

/// Whether a refund's outcome disagrees with the ledger's refunds of it.
fn refund_disagrees(
    outcome: &Result<RefundOutcome, ClientError>,
    refunded: usize,
) -> Option<&'static str> {
    match (outcome, refunded) {
        (_, n) if n > 1 => Some("refunded more than once"),
        (Ok(RefundOutcome::Refunded { .. }), 0) => Some("Refunded but not in the ledger"),
        (Ok(RefundOutcome::Refused { .. }), 1) => Some("Refused but refunded"),
        (Ok(RefundOutcome::NotRefunded), 1) => Some("NotRefunded but refunded"),
        (Err(_), 1) => Some("Err but refunded"),
        _ => None,
    }
}

/// One row of the table.
#[derive(Debug, Default)]
struct Row {
    k: u64,
    debits: usize,
    refunds: usize,
    max_captures: usize,
    max_sends: usize,
    bindings_lost: usize,
    disagreements: Vec<String>,
    unknown: usize,
    errors: usize,
    /// The errors by kind, e.g. `DeadlinePassed`.
    error_kinds: HashMap<String, usize>,
    unsettled: usize,
    settled_by_resume: usize,
    resume_errors: Vec<String>,
    /// Flows a resume left unsettled, with what the ledger holds for them.
    still_unknown: Vec<String>,
    requests: Vec<(&'static str, usize)>,
    seconds: f64,
}

impl Row {
    fn error(&mut self, error: String) {
        self.errors += 1;
        let kind: String = error.chars().take(70).collect();
        *self.error_kinds.entry(kind).or_default() += 1;
    }

    fn print(&self) {
        eprintln!(
            "| K | debits | refunds | captures per intent (max) | sends per money call (max) | bindings lost | disagreements | Unknown | Err | unsettled | settled by a later resume | s |"
        );
        eprintln!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.1} |",
            self.k,
            self.debits,
            self.refunds,
            self.max_captures,
            self.max_sends,
            self.bindings_lost,
            self.disagreements.len(),
            self.unknown,
            self.errors,
            self.unsettled,
            self.settled_by_resume,
            self.seconds,
        );
        eprintln!("K={} requests per endpoint: {:?}", self.k, self.requests);
        let mut kinds: Vec<_> = self.error_kinds.iter().collect();
        kinds.sort();
        eprintln!("K={} errors: {kinds:?}", self.k);
        let lines = self.disagreements.iter().chain(&self.resume_errors);
        for line in lines.chain(&self.still_unknown) {
            eprintln!("K={}: {line}", self.k);
        }
    }
}

async fn run(k: u64) -> Row {
    let started = Instant::now();
    let sandbox = SandboxConfig {
        hang: Duration::from_millis(1_500),
        ..SandboxConfig::default()
    };
    let mut options = quick_inquiries(ClientOptions::default());
    options.call_timeout = Duration::from_secs(1);
    options.retry.backoff = Duration::from_millis(10);
    options.retry.backoff_max = Duration::from_millis(50);
    options.operation_deadline = Duration::from_secs(8);
    let secret = format!("matrix-secret-{k}");
    // The harness's own client (setup, then the resumes) keeps the default options.
    let e2e = Arc::new(E2e::with(sandbox, ClientOptions::default(), &secret, "SK-matrix").await);

    // Customers, linked, and the payments the refunds will refund: all before any fault.
    let setup: Vec<_> = (0..CUSTOMERS)
        .map(|i| {
            let e2e = Arc::clone(&e2e);
            tokio::spawn(async move {
                let (customer, phone) = customer(i);
                e2e.account(&phone, "10000000.00", "0.00").await;
                e2e.link(&customer, &phone).await;
            })
        })
        .collect();
    for task in setup {
        task.await.unwrap();
    }
    for batch in (0..INTENTS).collect::<Vec<_>>().chunks(50) {
        let paid: Vec<_> = batch
            .iter()
            .map(|&i| {
                let e2e = Arc::clone(&e2e);
                tokio::spawn(async move {
                    let outcome = pay(&e2e, &e2e.client, i, &format!("PAY-{i:03}"), None).await;
                    assert!(
                        matches!(outcome, Ok(DebitOutcome::Paid { .. })),
                        "{outcome:?}"
                    );
                })
            })
            .collect();
        for task in paid {
            task.await.unwrap();
        }
    }
    e2e.advance(PAST_ACCESS_EXPIRY).await;

    // Under faults: 200 debits and 200 refunds at once, on two instances per customer (one for
    // its debits, one for its refunds), so that token calls are many and concurrent.
    let recorder = Arc::new(Recorder::default());
    let transport = recording(&e2e, &recorder);
    let per_customer: Vec<_> = (0..CUSTOMERS)
        .map(|_| instance(&e2e, transport.clone(), options.clone()))
        .collect();
    let refunders: Vec<_> = (0..CUSTOMERS)
        .map(|_| instance(&e2e, transport.clone(), options.clone()))
        .collect();
    e2e.control("PUT", "faults", plan(k)).await;
    let debits: Vec<_> = (0..INTENTS)
        .map(|i| {
            let (e2e, recorder) = (Arc::clone(&e2e), Arc::clone(&recorder));
            let client = per_customer[i % CUSTOMERS].clone();
            tokio::spawn(async move {
                let reference = format!("INV-{i:03}");
                let outcome = pay(&e2e, &client, i, &reference, Some(&recorder)).await;
                (reference, outcome)
            })
        })
        .collect();
    let refunds: Vec<_> = (0..INTENTS)
        .map(|i| {
            let client = refunders[i % CUSTOMERS].clone();
            tokio::spawn(async move {
                let refund_no = format!("RF-{i:03}");
                let request = RefundRequest::new(
                    format!("PAY-{i:03}"),
                    &refund_no,
                    SnapMoney::idr(Idr::from_rupiah(REFUND)),
                );
                let outcome = client.refund(&customer(i).0, &request).await;
                (refund_no, outcome)
            })
        })
        .collect();
    let mut debit_outcomes = Vec::new();
    for task in debits {
        debit_outcomes.push(task.await.unwrap());
    }
    let mut refund_outcomes = Vec::new();
    for task in refunds {
        refund_outcomes.push(task.await.unwrap());
    }
    e2e.control("DELETE", "faults", Value::Null).await;

    let mut row = Row {
        k,
        debits: INTENTS,
        refunds: INTENTS,
        ..Row::default()
    };
    let (captures, refunded) = ledger(&e2e).await;
    for (reference, outcome) in &debit_outcomes {
        let captured = captures.get(reference).copied().unwrap_or(0);
        if let Some(why) = debit_disagrees(outcome, captured) {
            row.disagreements
                .push(format!("{reference}: {why}: {outcome:?}"));
        }
        match outcome {
            Ok(DebitOutcome::Unknown) => row.unknown += 1,
            Err(error) => row.error(format!("debit {error:?}")),
            Ok(_) => {}
        }
    }
    for (refund_no, outcome) in &refund_outcomes {
        let n = refunded.get(refund_no).copied().unwrap_or(0);
        if let Some(why) = refund_disagrees(outcome, n) {
            row.disagreements
                .push(format!("{refund_no}: {why}: {outcome:?}"));
        }
        match outcome {
            Ok(RefundOutcome::Unknown) => row.unknown += 1,
            Err(error) => row.error(format!("refund {error:?}")),
            Ok(_) => {}
        }
    }

    // No binding lost: every customer's tokens are stored and work once the faults are gone.
    let checker = instance(&e2e, transport.clone(), options.clone());
    for i in 0..CUSTOMERS {
        let (customer, _) = customer(i);
        let stored = checker
            .token_store()
            .get(&customer)
            .await
            .unwrap()
            .is_some();
        if !stored || checker.balance(&customer).await.is_err() {
            row.bindings_lost += 1;
        }
    }

    // Every unsettled debit or refund, resumed once the faults are gone (through the recording
    // transport: a resume must not send a money call again either).
    let unsettled: Vec<_> = checker
        .flow_store()
        .unsettled()
        .await
        .unwrap()
        .into_iter()
        .filter(|f| matches!(f.kind, FlowKind::Debit | FlowKind::Refund))
        .collect();
    row.unsettled = unsettled.len();
    let resumes: Vec<_> = unsettled
        .into_iter()
        .map(|flow| {
            let client = checker.clone();
            tokio::spawn(async move {
                let resumed = client.resume(&flow.id).await;
                (flow, resumed)
            })
        })
        .collect();
    let mut resumed = Vec::new();
    for task in resumes {
        resumed.push(task.await.unwrap());
    }
    let (captures, refunded) = ledger(&e2e).await;
    for (flow, outcome) in resumed {
        let state: Value = serde_json::from_str(&flow.state).unwrap();
        match outcome {
            Ok(Resumed::Debit(outcome)) => {
                let reference = state["reference"].as_str().unwrap();
                let captured = captures.get(reference).copied().unwrap_or(0);
                if outcome == DebitOutcome::Unknown {
                    row.still_unknown
                        .push(format!("debit {reference}: {captured} captures"));
                } else {
                    row.settled_by_resume += 1;
                }
                if let Some(why) = debit_disagrees(&Ok(outcome.clone()), captured) {
                    row.disagreements
                        .push(format!("resumed {reference}: {why}: {outcome:?}"));
                }
            }
            Ok(Resumed::Refund(outcome)) => {
                let refund_no = state["refund_no"].as_str().unwrap();
                let n = refunded.get(refund_no).copied().unwrap_or(0);
                if outcome == RefundOutcome::Unknown {
                    row.still_unknown
                        .push(format!("refund {refund_no}: {n} refunds"));
                } else {
                    row.settled_by_resume += 1;
                }
                if let Some(why) = refund_disagrees(&Ok(outcome.clone()), n) {
                    row.disagreements
                        .push(format!("resumed {refund_no}: {why}: {outcome:?}"));
                }
            }
            other => {
                let name = state["reference"].as_str().or(state["refund_no"].as_str());
                row.resume_errors.push(format!(
                    "resume of {:?} {} (stored in phase {}, first_sent {}, second_sent {}): {other:?}",
                    flow.kind,
                    name.unwrap_or("?"),
                    state["phase"]["phase"],
                    state["first_sent"],
                    state["second_sent"],
                ));
            }
        }
    }
    // The final ledger against the first outcomes too (a resume may have moved nothing new).
    for (reference, outcome) in &debit_outcomes {
        if let Some(why) = debit_disagrees(outcome, captures.get(reference).copied().unwrap_or(0)) {
            row.disagreements
                .push(format!("after resumes, {reference}: {why}: {outcome:?}"));
        }
    }
    for (refund_no, outcome) in &refund_outcomes {
        if let Some(why) = refund_disagrees(outcome, refunded.get(refund_no).copied().unwrap_or(0))
        {
            row.disagreements
                .push(format!("after resumes, {refund_no}: {why}: {outcome:?}"));
        }
    }
    row.disagreements.sort();
    row.disagreements.dedup();
    row.max_captures = captures.values().copied().max().unwrap_or(0);

    let sends = recorder.sends.lock().unwrap();
    row.max_sends = sends.max();
    let mut requests: Vec<_> = sends.per_endpoint.iter().map(|(e, n)| (*e, *n)).collect();
    requests.sort_unstable();
    row.requests = requests;
    row.disagreements.extend(sends.over_one());
    for (refund_no, outcome) in &refund_outcomes {
        if refund_disagrees(outcome, refunded.get(refund_no).copied().unwrap_or(0)).is_some() {
            let payment = refund_no.replace("RF-", "PAY-");
            let none = Vec::new();
            eprintln!(
                "K={k} evidence for {refund_no}: {:#?}\n{payment}: {:#?}",
                sends.log.get(refund_no).unwrap_or(&none),
                sends.log.get(&payment).unwrap_or(&none)
            );
        }
    }
    drop(sends);
    row.seconds = started.elapsed().as_secs_f64();
    row
}

/// The run's assertions, after its row is printed.
fn check(row: &Row) {
    row.print();
    assert!(row.max_captures <= 1, "captures per intent: {row:?}");
    assert!(row.max_sends <= 1, "sends per money call: {row:?}");
    assert_eq!(row.bindings_lost, 0, "bindings lost: {row:?}");
    assert!(
        row.disagreements.is_empty(),
        "outcomes that disagree with the ledger: {:#?}",
        row.disagreements
    );
    assert!(
        row.resume_errors.is_empty(),
        "resumes that failed: {:#?}",
        row.resume_errors
    );
    // Every kind of fault hit every endpoint: each saw at least n·K requests.
    let needed = kinds().len() * row.k as usize;
    for endpoint in ENDPOINTS {
        let seen = row
            .requests
            .iter()
            .find(|(e, _)| *e == endpoint)
            .map_or(0, |(_, n)| *n);
        assert!(
            seen >= needed,
            "{endpoint} saw {seen} requests, fewer than {needed}: not every kind of fault hit it"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_on_every_2nd_exchange() {
    check(&run(2).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_on_every_3rd_exchange() {
    check(&run(3).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_on_every_5th_exchange() {
    check(&run(5).await);
}

/// The refund found by the K = 2 matrix ("NotRefunded but refunded": the refund's request got
/// no answer within the 1 s call timeout, the first status inquiry showed an empty
/// `refundHistory`, and the provider handled the refund after that), made deterministic: the
/// refund request reaches the provider late (a slow network or proxy queue), after the client's
/// call timeout and after its first inquiry. The flow ends `NotRefunded`, "certainly not
/// refunded", while the ledger holds the refund; a merchant who believes it refunds again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refund_reaching_the_provider_late_is_not_reported_not_refunded() {
    let mut options = quick_inquiries(ClientOptions::default());
    options.call_timeout = Duration::from_secs(1);
    let e2e = E2e::with(
        SandboxConfig::default(),
        options.clone(),
        "late-refund-secret",
        "SK-late",
    )
    .await;
    let (customer, phone) = customer(0);
    e2e.account(&phone, "100000.00", "0.00").await;
    e2e.link(&customer, &phone).await;
    let paid = pay(&e2e, &e2e.client, 0, "INV-LATE-1", None).await;
    assert!(matches!(paid, Ok(DebitOutcome::Paid { .. })), "{paid:?}");
    // Refund requests arrive 1.5 s late; the client gives up on them after its call timeout.
    let inner = e2e.transport();
    let slow = move |request: http::Request<Bytes>, deadline: Duration| {
        let inner = inner.clone();
        async move {
            if !request.uri().path().ends_with("debit/refund") {
                return inner.send(request, deadline).await;
            }
            let late = inner.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(1_500)).await;
                let _ = late.send(request, Duration::from_secs(10)).await;
            });
            tokio::time::sleep(deadline).await;
            Err(TransportError::new(TransportErrorKind::Timeout))
        }
    };
    let client = instance(&e2e, slow, options);

    let request = RefundRequest::new(
        "INV-LATE-1",
        "RF-LATE-1",
        SnapMoney::idr(Idr::from_rupiah(REFUND)),
    );
    let outcome = client.refund(&customer, &request).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (_, refunds) = ledger(&e2e).await;
    let refunded = refunds.get("RF-LATE-1").copied().unwrap_or(0);
    assert_eq!(refunded, 1, "the provider handled the refund");
    assert_eq!(
        refund_disagrees(&outcome, refunded),
        None,
        "{outcome:?} while the ledger holds the refund"
    );
}
