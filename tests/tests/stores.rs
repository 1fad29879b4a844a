//! The client on the durable stores of `ovo-store`: a debit begun on one instance is finished on
//! another that shares only the database (PostgreSQL, as merchants with several instances run it,
//! and SQLite), and the database never holds a token in clear.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use ovo_e2e::E2e;
use ovo_flows::{DebitOutcome, FlowStore as _, LinkingOutcome, TokenStore};
use ovo_http::{ClientError, DebitProgress, OvoClient, Transport};
use ovo_model::snap::{BindingRequest, DirectDebitRequest};
use ovo_model::{Idr, SnapMoney};
use ovo_store::{SqlStore, StoreKey};
use time::OffsetDateTime;

/// One instance: its own client and its own connection pool to the shared database.
async fn instance<T: Transport>(
    e2e: &E2e,
    url: &str,
    key: &str,
    transport: T,
) -> (OvoClient<T>, Arc<SqlStore>) {
    let store = Arc::new(
        SqlStore::connect(url, StoreKey::parse(key).unwrap())
            .await
            .unwrap(),
    );
    let client = e2e
        .builder_with(transport)
        .token_store(store.clone())
        .flow_store(store.clone())
        .build();
    (client, store)
}

async fn debit_begun_on_a_is_finished_on_b(url: &str, phone: &str) {
    let e2e = E2e::start().await;
    e2e.account(phone, "100000.00", "0.00").await;
    let key = StoreKey::generate().unwrap();
    let (a, store_a) = instance(&e2e, url, &key, e2e.transport()).await;
    let (b, store_b) = instance(&e2e, url, &key, e2e.transport()).await;

    let binding = BindingRequest {
        merchant_id: ovo_e2e::CLIENT_ID.to_owned(),
        phone_no: Some(phone.to_owned()),
        ..Default::default()
    };
    let pending = a.begin_linking("cust-db", &binding).await.unwrap();
    let callback = e2e.complete_webview(&pending.webview_url, phone).await;
    let LinkingOutcome::Linked(tokens) = a.finish_linking(&pending.id, &callback).await.unwrap()
    else {
        panic!("not linked")
    };
    // B reads the binding A stored.
    assert_eq!(
        ovo_flows::TokenStore::get(&*store_b, "cust-db")
            .await
            .unwrap()
            .as_ref(),
        Some(&tokens)
    );

    let request = DirectDebitRequest::new("INV-DB-1", SnapMoney::idr(Idr::from_rupiah(25_000)));
    let DebitProgress::Webview(pending) = a.begin_debit("cust-db", &request).await.unwrap() else {
        panic!("a two-phase debit asks for the PIN")
    };
    assert!(e2e.ledger().await.is_empty(), "call 1 moves nothing");
    assert_eq!(
        store_b.unsettled().await.unwrap().len(),
        1,
        "the pending debit is in the database"
    );

    // The customer confirms; the callback lands on B.
    let callback = e2e.complete_webview(&pending.webview_url, phone).await;
    let outcome = b.finish_debit(&pending.id, &callback).await.unwrap();
    assert!(matches!(outcome, DebitOutcome::Paid { .. }), "{outcome:?}");
    let ledger = e2e.ledger().await;
    assert_eq!(ledger.len(), 1, "exactly one capture: {ledger:?}");
    assert_eq!(ledger[0]["reference"], "INV-DB-1");
    assert_eq!(e2e.balances(phone).await.0, "75000.00");
    // Settled in the database: A cannot finish it again, and nothing is left to reconcile.
    assert!(matches!(
        a.finish_debit(&pending.id, &callback).await,
        Err(ClientError::FlowFinished { id }) if id == pending.id
    ));
    assert_eq!(e2e.ledger().await.len(), 1);
    assert!(store_a.unsettled().await.unwrap().is_empty());
    store_a.close().await;
    store_b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_debit_begun_on_one_instance_is_finished_on_another() {
    let url = ovo_store::testing::database()
        .await
        .unwrap_or_else(|hint| panic!("{hint}"));
    debit_begun_on_a_is_finished_on_b(&url, "6281920000001").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_debit_begun_on_one_instance_is_finished_on_another() {
    let dir = std::env::temp_dir().join(format!("ovo-e2e-stores-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite:{}", dir.join("ovo.db").display());
    debit_begun_on_a_is_finished_on_b(&url, "6281920000002").await;
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The default transport, counting the requests whose path ends with `path` in `count`.
fn counting(e2e: &E2e, path: &'static str, count: Arc<AtomicUsize>) -> impl Transport + use<> {
    let inner = e2e.transport();
    move |request: http::Request<Bytes>, deadline: Duration| {
        let (inner, count) = (inner.clone(), Arc::clone(&count));
        async move {
            if request.uri().path().ends_with(path) {
                count.fetch_add(1, Ordering::SeqCst);
            }
            inner.send(request, deadline).await
        }
    }
}

/// One instance of a deployment on `url`, sharing tokens through its own pool to the database.
async fn shared_instance<T: Transport>(
    e2e: &E2e,
    url: &str,
    key: &str,
    transport: T,
) -> (OvoClient<T>, Arc<SqlStore>) {
    let store = Arc::new(
        SqlStore::connect(url, StoreKey::parse(key).unwrap())
            .await
            .unwrap(),
    );
    let client = e2e
        .builder_with(transport)
        .token_store(store.clone())
        .flow_store(store.clone())
        .shared_tokens(store.clone())
        .build();
    (client, store)
}

/// 8 instances hammer one client id at once, twice per token lifetime: each lifetime, one of
/// them fetches the B2B token and the others use the stored one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_eight_instances_fetch_one_b2b_token_per_lifetime() {
    let url = ovo_store::testing::database()
        .await
        .unwrap_or_else(|hint| panic!("{hint}"));
    let e2e = E2e::start().await;
    e2e.account("6281920000003", "1000.00", "0.00").await;
    let key = StoreKey::generate().unwrap();
    let fetched = Arc::new(AtomicUsize::new(0));
    let mut instances = Vec::new();
    for _ in 0..8 {
        let transport = counting(&e2e, "/access-token/b2b", Arc::clone(&fetched));
        instances.push(shared_instance(&e2e, &url, &key, transport).await);
    }
    let hammer = |instances: &[(OvoClient<_>, Arc<SqlStore>)]| {
        let mut calls = tokio::task::JoinSet::new();
        for (client, _) in instances {
            for _ in 0..16 {
                let client = client.clone();
                calls.spawn(async move { client.b2b_token().await.unwrap() });
            }
        }
        calls
    };
    for lifetime in 1..=2 {
        for _ in 0..3 {
            let tokens = hammer(&instances).join_all().await;
            assert_eq!(tokens.len(), 128);
            assert!(
                tokens.windows(2).all(|w| w[0].token == w[1].token),
                "every instance uses the one token"
            );
        }
        assert_eq!(
            fetched.load(Ordering::SeqCst),
            lifetime,
            "one B2B token request per token lifetime across 8 instances"
        );
        // The shared token works: a lookup (B2B-authorized) on another instance succeeds.
        instances[lifetime + 2]
            .0
            .lookup("6281920000003")
            .await
            .unwrap();
        // The token's lifetime (15 minutes, renewed a minute early) passes.
        e2e.advance(Duration::from_secs(15 * 60)).await;
    }
    for (_, store) in &instances {
        store.close().await;
    }
}

/// A customer's expired access token, needed at once by 4 instances: one refresh request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_customers_refresh_across_four_instances_is_one_request() {
    let url = ovo_store::testing::database()
        .await
        .unwrap_or_else(|hint| panic!("{hint}"));
    let phone = "6281920000004";
    let e2e = E2e::start().await;
    e2e.account(phone, "100000.00", "0.00").await;
    let key = StoreKey::generate().unwrap();
    let refreshes = Arc::new(AtomicUsize::new(0));
    let mut instances = Vec::new();
    for _ in 0..4 {
        let transport = counting(&e2e, "/access-token/b2b2c", Arc::clone(&refreshes));
        instances.push(shared_instance(&e2e, &url, &key, transport).await);
    }
    // Linked through a fifth instance: the four above have cached no tokens, so each of them
    // reads the stored (expired) ones.
    let fifth = shared_instance(&e2e, &url, &key, e2e.transport()).await;
    let (linker, store) = &fifth;
    let binding = BindingRequest {
        merchant_id: ovo_e2e::CLIENT_ID.to_owned(),
        phone_no: Some(phone.to_owned()),
        ..Default::default()
    };
    let pending = linker
        .begin_linking("cust-refresh", &binding)
        .await
        .unwrap();
    let callback = e2e.complete_webview(&pending.webview_url, phone).await;
    let LinkingOutcome::Linked(_) = linker.finish_linking(&pending.id, &callback).await.unwrap()
    else {
        panic!("not linked")
    };
    // The stored access token has expired (its refresh token has not).
    let mut tokens = TokenStore::get(&**store, "cust-refresh")
        .await
        .unwrap()
        .unwrap();
    tokens.access_usable_until = OffsetDateTime::now_utc() - Duration::from_secs(1);
    TokenStore::put(&**store, "cust-refresh", &tokens)
        .await
        .unwrap();
    let before = refreshes.load(Ordering::SeqCst);

    let mut calls = tokio::task::JoinSet::new();
    for (client, _) in &instances {
        for _ in 0..4 {
            let client = client.clone();
            calls.spawn(async move { client.balance("cust-refresh").await.unwrap() });
        }
    }
    assert_eq!(calls.join_all().await.len(), 16);
    assert_eq!(
        refreshes.load(Ordering::SeqCst) - before,
        1,
        "one refresh across 4 instances"
    );
    let renewed = TokenStore::get(&**store, "cust-refresh")
        .await
        .unwrap()
        .unwrap();
    assert_ne!(renewed.access, tokens.access, "the renewed token is stored");
    store.close().await;
    for (_, store) in &instances {
        store.close().await;
    }
}
