//! Recovery after a crash (issue 11, point 4): a real merchant process (this test binary,
//! re-invoked as a child) runs a two-phase debit or a refund on a SQLite `SqlStore` against a
//! sandbox the parent started, and is killed with `SIGKILL` at an exact point: its transport
//! prints a marker line and blocks there. The parent then starts a fresh client on the same
//! database, runs `reconcile`, finishes what a customer still could, and checks every flow
//! against the sandbox's ledger: no double capture or refund, nothing left unsettled, every
//! outcome equal to the ledger.
//!
//! `OVO_CRASH_RUNS` sets the runs per point (200 by default); `OVO_CRASH_PARALLEL` the children
//! at once (6). The figures are printed and recorded in `docs/reliability.md`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

use std::collections::HashMap;
use std::io::{BufRead as _, BufReader, Write as _};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use ovo_e2e::{E2e, TestClock};
use ovo_flows::{Action, Debit, Flow as _, FlowKind, Refund};
use ovo_http::{
    ClientOptions, DebitOutcome, DebitProgress, HyperTransport, OvoClient, RefundOutcome, Transport,
};
use ovo_model::snap::{DirectDebitRequest, RefundRequest};
use ovo_model::{Idr, SnapMoney};
use ovo_store::{SqlStore, StoreKey};
use serde_json::Value;

const CHILD: &str = "OVO_CRASH_CHILD";
const MARKER: &str = "CRASH-POINT-REACHED";
const CUSTOMER: &str = "cust-crash";
/// The child's PIN webview lasts this long (the stored deadline the restart honours).
const WEBVIEW: Duration = Duration::from_secs(600);
/// How long a refund request may still arrive after it was sent (`Pacing::arrival_horizon`),
/// short here so that the restarted instance's clock can pass it while staying inside the
/// provider's timestamp window.
const ARRIVAL: Duration = Duration::from_secs(20);
/// The operation deadline: a flow stored with a call in flight is the sending instance's until
/// then, and `reconcile` takes it over only after it (so the restart runs later than that).
const DEADLINE: Duration = Duration::from_secs(20);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Point {
    /// Debit: stored, call 1 about to go.
    DebitStored,
    /// Debit: call 1 answered by the sandbox, its answer not stored.
    DebitSent1,
    /// Debit: the customer is in the PIN webview (call 1's answer stored).
    DebitWebview,
    /// Debit: call 2 answered by the sandbox, its answer not stored.
    DebitSent2,
    /// Debit: the outcome is stored.
    DebitSettled,
    /// Refund: stored, the refund call about to go.
    RefundStored,
    /// Refund: answered by the sandbox, the answer not stored.
    RefundSent,
    /// Refund: the outcome is stored.
    RefundSettled,
}

const POINTS: [Point; 8] = [
    Point::DebitStored,
    Point::DebitSent1,
    Point::DebitWebview,
    Point::DebitSent2,
    Point::DebitSettled,
    Point::RefundStored,
    Point::RefundSent,
    Point::RefundSettled,
];

impl Point {
    fn name(self) -> &'static str {
        match self {
            Self::DebitStored => "debit-stored",
            Self::DebitSent1 => "debit-sent1",
            Self::DebitWebview => "debit-webview",
            Self::DebitSent2 => "debit-sent2",
            Self::DebitSettled => "debit-settled",
            Self::RefundStored => "refund-stored",
            Self::RefundSent => "refund-sent",
            Self::RefundSettled => "refund-settled",
        }
    }

    fn parse(name: &str) -> Self {
        POINTS.into_iter().find(|p| p.name() == name).unwrap()
    }

    fn is_refund(self) -> bool {
        matches!(
            self,
            Self::RefundStored | Self::RefundSent | Self::RefundSettled
        )
    }
}

/// Prints the marker and blocks: the parent kills the process here.
async fn crash_here() -> ! {
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "\n{MARKER}").unwrap();
        out.flush().unwrap();
    }
    std::future::pending::<()>().await;
    unreachable!()
}

/// The child's transport: the real one, stopping at the chosen point.
fn crashing(point: Point) -> impl Transport + use<> {
    let inner = HyperTransport::new().unwrap();
    let debits = Arc::new(AtomicUsize::new(0));
    move |request: http::Request<Bytes>, deadline: Duration| {
        let (inner, debits) = (inner.clone(), Arc::clone(&debits));
        async move {
            let path = request.uri().path().to_owned();
            let debit = path.ends_with("/debit/payment-host-to-host");
            let refund = path.ends_with("/debit/refund");
            let n = if debit {
                debits.fetch_add(1, Ordering::SeqCst) + 1
            } else {
                0
            };
            if (point == Point::DebitStored && n == 1) || (point == Point::RefundStored && refund) {
                crash_here().await;
            }
            let answer = inner.send(request, deadline).await;
            if (point == Point::DebitSent1 && n == 1)
                || (point == Point::DebitSent2 && n == 2)
                || (point == Point::RefundSent && refund)
            {
                crash_here().await;
            }
            answer
        }
    }
}

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set"))
}

/// The child process: runs only when re-invoked by the parent.
#[test]
fn crash_child() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    // Never outlive a parent that failed to kill us.
    std::thread::spawn(|| {
        std::thread::sleep(Duration::from_secs(120));
        std::process::exit(3);
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(child());
}

async fn child() {
    let point = Point::parse(&var("OVO_CRASH_POINT"));
    let base = var("OVO_CRASH_BASE");
    let store = Arc::new(
        SqlStore::connect(&var("OVO_CRASH_DB"), StoreKey::from_env().unwrap())
            .await
            .unwrap(),
    );
    let mut options = ovo_e2e::quick_inquiries(ClientOptions::default());
    options.pacing.webview_timeout = WEBVIEW;
    options.pacing.arrival_horizon = ARRIVAL;
    options.operation_deadline = DEADLINE;
    let client = OvoClient::builder(
        ovo_e2e::snap_config(&base),
        ovo_e2e::credentials(&var("OVO_CRASH_SECRET")),
        crashing(point),
    )
    .options(options)
    .token_store(store.clone())
    .flow_store(store.clone())
    .build();
    let reference = var("OVO_CRASH_REF");
    if point.is_refund() {
        let request = RefundRequest::new(
            var("OVO_CRASH_PAID"),
            &reference,
            SnapMoney::idr(Idr::from_rupiah(1_000)),
        );
        let outcome = client.refund(CUSTOMER, &request).await.unwrap();
        assert!(
            matches!(outcome, RefundOutcome::Refunded { .. }),
            "{outcome:?}"
        );
    } else {
        let request = DirectDebitRequest::new(&reference, SnapMoney::idr(Idr::from_rupiah(1_000)));
        let DebitProgress::Webview(pending) = client.begin_debit(CUSTOMER, &request).await.unwrap()
        else {
            panic!("a two-phase debit asks for the PIN")
        };
        if point == Point::DebitWebview {
            crash_here().await;
        }
        let callback = ovo_sandbox::Customer::new(var("OVO_CRASH_PHONE"), ovo_e2e::PIN)
            .complete(&pending.webview_url)
            .await
            .unwrap()
            .redirect;
        let outcome = client.finish_debit(&pending.id, &callback).await.unwrap();
        assert!(matches!(outcome, DebitOutcome::Paid { .. }), "{outcome:?}");
    }
    if matches!(point, Point::DebitSettled | Point::RefundSettled) {
        crash_here().await;
    }
    panic!("the child passed its crash point {point:?}");
}

/// What came of one run, once the parent recovered it.
#[derive(Debug, Default)]
struct Tally {
    runs: usize,
    double: usize,
    unsettled: usize,
    disagreements: Vec<String>,
    outcomes: HashMap<String, usize>,
}

/// Starts a child at `point` on `db` and kills it (`SIGKILL`) at its marker.
fn run_child(point: Point, e2e_base: &str, db: &str, key: &str, reference: &str, paid: &str) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "crash_child", "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .env("OVO_CRASH_POINT", point.name())
        .env("OVO_CRASH_BASE", e2e_base)
        .env("OVO_CRASH_SECRET", "e2e-client-secret")
        .env("OVO_CRASH_DB", db)
        .env(ovo_store::KEY_VARIABLE, key)
        .env("OVO_CRASH_REF", reference)
        .env("OVO_CRASH_PAID", paid)
        .env("OVO_CRASH_PHONE", phone(point))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let reached = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .any(|line| line.contains(MARKER));
    child.kill().unwrap(); // SIGKILL
    let output = child.wait_with_output().unwrap();
    assert!(
        reached,
        "the child at {} ended before its crash point: {}",
        point.name(),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn phone(point: Point) -> String {
    format!(
        "62819300000{:02}",
        POINTS.iter().position(|p| *p == point).unwrap()
    )
}

/// The outcome stored for a settled flow, as its own text.
fn stored_outcome(kind: FlowKind, state: &str, secrets: ovo_flows::FlowSecrets) -> String {
    let now = time::OffsetDateTime::now_utc();
    match kind {
        FlowKind::Debit => {
            let mut flow: Debit = ovo_flows::from_state(state, secrets).unwrap();
            match flow.poll(now) {
                Action::Done(outcome) => format!("{outcome:?}"),
                other => panic!("a settled debit is not done: {other:?}"),
            }
        }
        FlowKind::Refund => {
            let mut flow: Refund = ovo_flows::from_state(state, secrets).unwrap();
            match flow.poll(now) {
                Action::Done(outcome) => format!("{outcome:?}"),
                other => panic!("a settled refund is not done: {other:?}"),
            }
        }
        other => panic!("unexpected flow {other:?}"),
    }
}

/// One run at `point`, from a fresh database to the ledger check.
async fn one_run(
    e2e: &E2e,
    point: Point,
    run: usize,
    dir: &std::path::Path,
    key: &str,
    tokens: &ovo_flows::CustomerTokens,
    tally: &Arc<std::sync::Mutex<Tally>>,
) {
    let db = format!("sqlite:{}", dir.join(format!("{run}.db")).display());
    let store = Arc::new(
        SqlStore::connect(&db, StoreKey::parse(key).unwrap())
            .await
            .unwrap(),
    );
    ovo_flows::TokenStore::put(&*store, CUSTOMER, tokens)
        .await
        .unwrap();
    let reference = format!("CR-{}-{run}", point.name());
    let mut options = ovo_e2e::quick_inquiries(ClientOptions::default());
    options.pacing.webview_timeout = WEBVIEW;
    options.pacing.arrival_horizon = ARRIVAL;
    options.operation_deadline = DEADLINE;
    let client = |clock: Arc<TestClock>| {
        e2e.builder_with(e2e.transport())
            .options(options.clone())
            .clock(clock)
            .token_store(store.clone())
            .flow_store(store.clone())
            .build()
    };
    // A refund needs a captured payment first (paid in memory, on a client that does not
    // crash, so the run's database holds the refund alone).
    let paid = format!("CRP-{}-{run}", point.name());
    if point.is_refund() {
        pay(e2e, &e2e.client, &paid, &phone(point)).await;
    }

    let (base, key_owned, db_owned, reference_owned, paid_owned) = (
        e2e.base(),
        key.to_owned(),
        db.clone(),
        reference.clone(),
        paid.clone(),
    );
    tokio::task::spawn_blocking(move || {
        run_child(
            point,
            &base,
            &db_owned,
            &key_owned,
            &reference_owned,
            &paid_owned,
        );
    })
    .await
    .unwrap();

    // The restart: a fresh client on the same database. In the webview, every other customer
    // comes back and confirms; the rest never do, and their webview's deadline passes (the
    // restarted instance's clock is past it).
    let customer_returns = point == Point::DebitWebview && run.is_multiple_of(2);
    let clock = if point == Point::DebitWebview && !customer_returns {
        Arc::new(TestClock::skewed(WEBVIEW.as_secs() as i64 + 60))
    } else {
        // The reconciliation job runs after the killed instance's operation deadline (before
        // it, a flow with a call in flight is still that instance's), and later than a refund
        // request could still arrive (`Pacing::arrival_horizon`): a refund absent from the
        // history then was never made.
        Arc::new(TestClock::skewed(
            ARRIVAL.max(DEADLINE).as_secs() as i64 + 10,
        ))
    };
    let restarted = client(Arc::clone(&clock));
    let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM ovo_flows")
        .fetch_all(store.sqlite_pool().unwrap())
        .await
        .unwrap();
    restarted.reconcile(clock_now(&clock)).await.unwrap();
    if customer_returns {
        // The customer completes the webview the killed process had sent them to; the callback
        // reaches the restarted instance.
        let unsettled = ovo_flows::FlowStore::unsettled(&*store).await.unwrap();
        for flow in unsettled {
            let url = flow
                .secrets
                .get(ovo_flows::SecretSlot::WebviewUrl)
                .map(|s| s.expose().to_owned())
                .unwrap();
            let callback = e2e.complete_webview(&url, &phone(point)).await;
            let outcome = restarted.finish_debit(&flow.id, &callback).await.unwrap();
            assert!(matches!(outcome, DebitOutcome::Paid { .. }), "{outcome:?}");
        }
    }

    // Every flow of the run, against the ledger.
    let ledger = e2e.ledger().await;
    let captures = count(&ledger, "capture", "reference", &reference);
    let refunds = count(&ledger, "refund", "refund_reference", &reference);
    let mut flows = Vec::new();
    for id in &ids {
        flows.push(futures_get(&store, id).await);
    }
    store.close().await;
    let mut tally = tally.lock().unwrap();
    tally.runs += 1;
    let moved = if point.is_refund() { refunds } else { captures };
    if moved > 1 {
        tally.double += 1;
    }
    if point.is_refund() && count(&ledger, "capture", "reference", &paid) != 1 {
        tally.double += 1;
    }
    let mut outcome = String::from("none stored");
    for flow in flows {
        if !flow.settled {
            tally.unsettled += 1;
            continue;
        }
        outcome = stored_outcome(flow.kind, &flow.state, flow.secrets.clone());
        let agrees = match flow.kind {
            FlowKind::Debit => outcome.starts_with("Paid") == (captures == 1),
            _ => outcome.starts_with("Refunded") == (refunds == 1),
        };
        if !agrees {
            tally.disagreements.push(format!(
                "{} run {run}: stored {outcome}, ledger moved {moved}",
                point.name()
            ));
        }
    }
    if ids.is_empty() && moved != 0 {
        tally.disagreements.push(format!(
            "{} run {run}: no flow stored, ledger moved {moved}",
            point.name()
        ));
    }
    let label = outcome
        .split([' ', '{', '('])
        .next()
        .unwrap_or("")
        .to_owned();
    *tally.outcomes.entry(label).or_default() += 1;
}

fn clock_now(clock: &TestClock) -> time::OffsetDateTime {
    ovo_http::Clock::now(clock)
}

async fn futures_get(store: &SqlStore, id: &str) -> ovo_flows::StoredFlow {
    ovo_flows::FlowStore::get(store, id).await.unwrap().unwrap()
}

fn count(ledger: &[Value], kind: &str, field: &str, reference: &str) -> usize {
    ledger
        .iter()
        .filter(|e| e["kind"] == kind && e[field] == reference)
        .count()
}

/// A paid debit `reference`, through the whole two-phase flow.
async fn pay<T: Transport>(e2e: &E2e, client: &OvoClient<T>, reference: &str, phone: &str) {
    let request = DirectDebitRequest::new(reference, SnapMoney::idr(Idr::from_rupiah(1_000)));
    let DebitProgress::Webview(pending) = client.begin_debit(CUSTOMER, &request).await.unwrap()
    else {
        panic!("a two-phase debit asks for the PIN")
    };
    let callback = e2e.complete_webview(&pending.webview_url, phone).await;
    let outcome = client.finish_debit(&pending.id, &callback).await.unwrap();
    assert!(matches!(outcome, DebitOutcome::Paid { .. }), "{outcome:?}");
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_at_every_point_then_reconcile_settles_everything() {
    if std::env::var_os(CHILD).is_some() {
        return;
    }
    let runs = env_usize("OVO_CRASH_RUNS", 200);
    let parallel = env_usize("OVO_CRASH_PARALLEL", 6).max(1);
    let key = StoreKey::generate().unwrap();
    let root = std::env::temp_dir().join(format!("ovo-crash-{}", std::process::id()));
    let mut report = Vec::new();
    let mut failures = Vec::new();
    for point in POINTS {
        let started = Instant::now();
        let e2e = Arc::new(E2e::start().await);
        let phone = phone(point);
        e2e.account(&phone, "100000000.00", "0.00").await;
        e2e.link(CUSTOMER, &phone).await;
        let tokens = e2e
            .client
            .token_store()
            .get(CUSTOMER)
            .await
            .unwrap()
            .unwrap();
        let dir = root.join(point.name());
        std::fs::create_dir_all(&dir).unwrap();
        let tally = Arc::new(std::sync::Mutex::new(Tally::default()));
        let next = Arc::new(AtomicUsize::new(0));
        let mut workers = tokio::task::JoinSet::new();
        for _ in 0..parallel {
            let (e2e, dir, key, tokens, tally, next) = (
                Arc::clone(&e2e),
                dir.clone(),
                key.clone(),
                tokens.clone(),
                Arc::clone(&tally),
                Arc::clone(&next),
            );
            workers.spawn(async move {
                loop {
                    let run = next.fetch_add(1, Ordering::SeqCst);
                    if run >= runs {
                        return;
                    }
                    one_run(&e2e, point, run, &dir, &key, &tokens, &tally).await;
                }
            });
        }
        while let Some(joined) = workers.join_next().await {
            joined.unwrap();
        }
        let tally = tally.lock().unwrap();
        let line = format!(
            "| {} | {} | {} | {} | {} | {:.1} s | {:?} |",
            point.name(),
            tally.runs,
            tally.double,
            tally.unsettled,
            tally.disagreements.len(),
            started.elapsed().as_secs_f64(),
            tally.outcomes
        );
        println!("{line}");
        report.push(line);
        if tally.runs < runs || tally.double > 0 || tally.unsettled > 0 {
            failures.push(format!("{}: {tally:?}", point.name()));
        }
        failures.extend(tally.disagreements.iter().cloned());
        drop(tally);
        std::fs::remove_dir_all(&dir).unwrap();
    }
    let _ = std::fs::remove_dir_all(&root);
    println!(
        "| point | runs | double captures/refunds | unsettled | disagreements | wall time | outcomes |"
    );
    for line in &report {
        println!("{line}");
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
