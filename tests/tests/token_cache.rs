//! The SNAP client's cache of customers' tokens (`ClientOptions::token_cache_ttl`) against the
//! sandbox, with several instances sharing one token store: a refresh or an unbinding on one
//! instance never leaves another with a token that fails its calls, a refresh is never repeated,
//! and the cache serves nothing stale (past its TTL, or an expired access token).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use ovo_e2e::E2e;
use ovo_e2e::counted::CountedStores;
use ovo_flows::{FlowStore, MemoryFlowStore, MemoryTokenStore, TokenStore};
use ovo_http::{ClientError, ClientOptions, OvoClient, Transport, UnbindingProgress};
use ovo_model::snap::{BindingRequest, ErrorEnvelope};
use ovo_model::{ResponseCode, Secret, ServiceCode};

const PHONE: &str = "6281500000041";
const CUSTOMER: &str = "cached";
const BALANCE: &str = "/balance-inquiry";
const REFRESH: &str = "/access-token/b2b2c";

/// One exchange as an instance's transport saw it.
#[derive(Debug, Clone)]
struct Sent {
    path: String,
    /// The `Authorization` bearer (the customer's access token on a customer call).
    bearer: Option<String>,
    /// The answer's HTTP status; `None` when no answer came.
    status: Option<u16>,
}

/// What one instance sent.
#[derive(Debug, Clone, Default)]
struct Log(Arc<Mutex<Vec<Sent>>>);

impl Log {
    fn to(&self, path_end: &str) -> Vec<Sent> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|sent| sent.path.ends_with(path_end))
            .cloned()
            .collect()
    }
}

/// One client instance of a deployment whose instances share a token store and a flow store.
struct Instance<T> {
    client: OvoClient<T>,
    store: Arc<CountedStores>,
    log: Log,
    /// Access tokens this instance's "provider" refuses (see [`instance`]).
    revoked: Arc<Mutex<HashSet<String>>>,
}

impl<T> Instance<T> {
    fn gets(&self) -> usize {
        self.store.snapshot()[2]
    }

    fn revoke(&self, access: &Secret) {
        self.revoked
            .lock()
            .unwrap()
            .insert(access.expose().to_owned());
    }
}

/// The stores every instance shares.
#[derive(Default)]
struct Shared {
    tokens: Arc<MemoryTokenStore>,
    flows: Arc<MemoryFlowStore>,
}

impl Shared {
    async fn access(&self) -> Option<Secret> {
        self.tokens.get(CUSTOMER).await.unwrap().map(|t| t.access)
    }
}

/// An instance on `shared`'s stores and the sandbox's clock, logging what it sends. A customer
/// call whose access token is in its `revoked` set is answered `401 Invalid Customer Token`
/// without reaching the sandbox: a stand-in for a provider that revokes an access token when it
/// issues the next one (the sandbox does not, see the first test).
fn instance(
    e2e: &E2e,
    shared: &Shared,
    options: ClientOptions,
) -> Instance<impl Transport + use<>> {
    let log = Log::default();
    let revoked: Arc<Mutex<HashSet<String>>> = Arc::default();
    let inner = e2e.transport();
    let (sent, refused) = (log.clone(), Arc::clone(&revoked));
    let transport = move |request: http::Request<Bytes>, deadline: Duration| {
        let (inner, sent, refused) = (inner.clone(), sent.clone(), Arc::clone(&refused));
        async move {
            let path = request.uri().path().to_owned();
            let bearer = request
                .headers()
                .get(http::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::to_owned);
            let revoked = path.ends_with(BALANCE)
                && bearer
                    .as_ref()
                    .is_some_and(|b| refused.lock().unwrap().contains(b));
            let answer = if revoked {
                let envelope = ErrorEnvelope {
                    response_code: ResponseCode::new(401, ServiceCode::BALANCE_INQUIRY, 2),
                    response_message: "Invalid Customer Token".to_owned(),
                };
                let body = serde_json::to_vec(&envelope).unwrap();
                Ok(http::Response::builder()
                    .status(401)
                    .header("content-type", "application/json")
                    .body(Bytes::from(body))
                    .unwrap())
            } else {
                inner.send(request, deadline).await
            };
            let status = answer.as_ref().ok().map(|r| r.status().as_u16());
            sent.0.lock().unwrap().push(Sent {
                path,
                bearer,
                status,
            });
            answer
        }
    };
    let store = Arc::new(CountedStores::over(
        Arc::default(),
        Arc::clone(&shared.tokens),
    ));
    let client = e2e
        .builder_with(transport)
        .options(options)
        .token_store(store.clone())
        .flow_store(shared.flows.clone() as Arc<dyn FlowStore>)
        .build();
    Instance {
        client,
        store,
        log,
        revoked,
    }
}

/// Links the customer through `client` (which then holds their tokens in its cache).
async fn link<T: Transport>(e2e: &E2e, client: &OvoClient<T>) {
    let request = BindingRequest {
        partner_reference_no: Some(format!("BIND-{CUSTOMER}")),
        merchant_id: ovo_e2e::CLIENT_ID.to_owned(),
        phone_no: Some(PHONE.to_owned()),
        ..Default::default()
    };
    let pending = client.begin_linking(CUSTOMER, &request).await.unwrap();
    let callback = e2e.complete_webview(&pending.webview_url, PHONE).await;
    let outcome = client.finish_linking(&pending.id, &callback).await.unwrap();
    assert!(
        matches!(outcome, ovo_flows::LinkingOutcome::Linked(_)),
        "{outcome:?}"
    );
}

async fn setup() -> (E2e, Shared) {
    let e2e = E2e::start().await;
    e2e.account(PHONE, "100000.00", "0.00").await;
    (e2e, Shared::default())
}

/// B refreshes the customer while A holds the previous access token in its cache. The sandbox
/// does not revoke an access token when it issues the next one (each lives its 15 days), so A's
/// call with the superseded token is simply answered: one refresh in all, no refusal, and A reads
/// no store.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_on_another_instance_leaves_the_cached_token_answered() {
    let (e2e, shared) = setup().await;
    let a = instance(&e2e, &shared, ClientOptions::default());
    let b = instance(&e2e, &shared, ClientOptions::default());
    link(&e2e, &a.client).await;
    let t1 = shared.access().await.unwrap();
    let (refreshes, a_gets) = (a.log.to(REFRESH).len() + b.log.to(REFRESH).len(), a.gets());

    let t2 = b.client.refresh(CUSTOMER).await.unwrap();
    assert_ne!(t2, t1, "renewed");
    assert_eq!(shared.access().await, Some(t2.clone()), "stored");

    a.client.balance(CUSTOMER).await.unwrap();
    let balances = a.log.to(BALANCE);
    assert_eq!(balances.len(), 1, "answered the first time: {balances:?}");
    assert_eq!(
        balances[0].bearer.as_deref(),
        Some(t1.expose()),
        "A's cache served the token it stored"
    );
    assert_eq!(
        balances[0].status,
        Some(200),
        "the sandbox still takes the superseded access token"
    );
    assert_eq!(
        a.log.to(REFRESH).len() + b.log.to(REFRESH).len() - refreshes,
        1,
        "exactly one refresh in total"
    );
    assert_eq!(a.gets() - a_gets, 0, "A read no store");
}

/// The same, against a provider that revokes the superseded token (the sandbox does not: A's
/// transport refuses it in the sandbox's place). A's call with its cached T1 is refused once; the
/// refresh path reads the store, finds B's T2, and re-signs with it, without a second refresh.
/// From then on A's cache serves T2.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_cached_token_is_replaced_from_the_store_without_a_second_refresh() {
    let (e2e, shared) = setup().await;
    let a = instance(&e2e, &shared, ClientOptions::default());
    let b = instance(&e2e, &shared, ClientOptions::default());
    link(&e2e, &a.client).await;
    let t1 = shared.access().await.unwrap();
    let (refreshes, a_gets) = (a.log.to(REFRESH).len() + b.log.to(REFRESH).len(), a.gets());

    let t2 = b.client.refresh(CUSTOMER).await.unwrap();
    a.revoke(&t1);
    a.client.balance(CUSTOMER).await.unwrap();

    let balances: Vec<_> = a
        .log
        .to(BALANCE)
        .into_iter()
        .map(|sent| (sent.bearer, sent.status))
        .collect();
    assert_eq!(
        balances,
        [
            (Some(t1.expose().to_owned()), Some(401)),
            (Some(t2.expose().to_owned()), Some(200))
        ],
        "refused with the cached token, re-signed once with the stored one"
    );
    assert_eq!(
        a.log.to(REFRESH).len() + b.log.to(REFRESH).len() - refreshes,
        1,
        "B's refresh only"
    );
    assert_eq!(a.gets() - a_gets, 1, "the refresh path read the store once");

    a.client.balance(CUSTOMER).await.unwrap();
    let last = a.log.to(BALANCE).pop().unwrap();
    assert_eq!(last.bearer.as_deref(), Some(t2.expose()));
    assert_eq!(a.gets() - a_gets, 1, "T2 came from A's cache");
}

/// B unbinds the customer while A holds their tokens in its cache: A's next call is refused by
/// the provider, the store holds no tokens, and A ends `NotBound` without a refresh; its cache no
/// longer serves the customer (the call after that reads the store and sends nothing).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unbinding_on_another_instance_ends_not_bound() {
    let (e2e, shared) = setup().await;
    let a = instance(&e2e, &shared, ClientOptions::default());
    let b = instance(&e2e, &shared, ClientOptions::default());
    link(&e2e, &a.client).await;
    let t1 = shared.access().await.unwrap();
    a.client.balance(CUSTOMER).await.unwrap();

    match b
        .client
        .begin_unbinding(CUSTOMER, Some("UNB-CACHE".into()))
        .await
        .unwrap()
    {
        UnbindingProgress::Webview(pending) => {
            let callback = e2e.complete_webview(&pending.webview_url, PHONE).await;
            let outcome = b
                .client
                .finish_unbinding(&pending.id, &callback)
                .await
                .unwrap();
            assert_eq!(outcome, ovo_flows::UnbindingOutcome::Unbound);
        }
        UnbindingProgress::Done(outcome) => {
            assert_eq!(outcome, ovo_flows::UnbindingOutcome::Unbound);
        }
    }
    assert_eq!(shared.access().await, None, "B removed the tokens");
    let (refreshes, a_gets, a_balances) = (
        a.log.to(REFRESH).len() + b.log.to(REFRESH).len(),
        a.gets(),
        a.log.to(BALANCE).len(),
    );

    let error = a.client.balance(CUSTOMER).await.unwrap_err();
    assert!(matches!(error, ClientError::NotBound { .. }), "{error:?}");
    let balances = a.log.to(BALANCE);
    assert_eq!(
        balances.len(),
        a_balances + 1,
        "one call, with the cached token"
    );
    let last = balances.last().unwrap();
    assert_eq!(last.bearer.as_deref(), Some(t1.expose()));
    assert_eq!(
        last.status,
        Some(401),
        "the sandbox refuses a revoked token"
    );
    assert_eq!(
        a.log.to(REFRESH).len() + b.log.to(REFRESH).len(),
        refreshes,
        "no refresh: the store holds no tokens"
    );
    assert_eq!(a.gets() - a_gets, 1, "the refresh path read the store");

    let error = a.client.balance(CUSTOMER).await.unwrap_err();
    assert!(matches!(error, ClientError::NotBound { .. }), "{error:?}");
    assert_eq!(a.log.to(BALANCE).len(), a_balances + 1, "nothing sent");
    assert_eq!(
        a.gets() - a_gets,
        2,
        "not served from the cache: read the store"
    );
}

/// With the cache off (a zero TTL, or a zero capacity), every customer call reads the store; with
/// the default options, only the first call of an instance that has not cached the customer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_cache_off_every_call_reads_the_store() {
    let (e2e, shared) = setup().await;
    let mut no_ttl = ClientOptions::default();
    no_ttl.token_cache_ttl = Duration::ZERO;
    let mut no_room = ClientOptions::default();
    no_room.token_cache_capacity = 0;
    let linker = instance(&e2e, &shared, ClientOptions::default());
    link(&e2e, &linker.client).await;

    for (options, reads) in [(no_ttl, 3), (no_room, 3), (ClientOptions::default(), 1)] {
        let what = format!(
            "ttl {:?}, capacity {}",
            options.token_cache_ttl, options.token_cache_capacity
        );
        let instance = instance(&e2e, &shared, options);
        for _ in 0..3 {
            instance.client.balance(CUSTOMER).await.unwrap();
        }
        assert_eq!(instance.gets(), reads, "{what}");
        assert_eq!(instance.log.to(BALANCE).len(), 3, "{what}");
    }
}

/// A cached entry whose access token has expired (15 days on the client's clock) is not served,
/// however young the entry: the client reads the store and refreshes before the call, which is
/// therefore answered the first time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cached_access_token_past_its_expiry_is_refreshed_not_sent() {
    let (e2e, shared) = setup().await;
    let a = instance(&e2e, &shared, ClientOptions::default());
    link(&e2e, &a.client).await;
    let t1 = shared.access().await.unwrap();
    let refreshes = a.log.to(REFRESH).len();

    // Both clocks move past the access token's 15 days; the cache entry is a moment old.
    e2e.advance(Duration::from_secs(15 * 24 * 3600 + 120)).await;
    a.client.balance(CUSTOMER).await.unwrap();

    let balances = a.log.to(BALANCE);
    assert_eq!(balances.len(), 1, "answered the first time: {balances:?}");
    assert_eq!(balances[0].status, Some(200));
    let t2 = shared.access().await.unwrap();
    assert_ne!(t2, t1, "refreshed");
    assert_eq!(balances[0].bearer.as_deref(), Some(t2.expose()));
    assert_eq!(a.log.to(REFRESH).len() - refreshes, 1, "one refresh");
}

/// An entry older than the TTL is not served: the next call reads the store again (and caches
/// what it read).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_entry_older_than_the_ttl_is_read_again() {
    let (e2e, shared) = setup().await;
    let mut options = ClientOptions::default();
    options.token_cache_ttl = Duration::from_secs(2);
    let a = instance(&e2e, &shared, options);
    link(&e2e, &a.client).await;
    let gets = a.gets();

    a.client.balance(CUSTOMER).await.unwrap();
    assert_eq!(a.gets() - gets, 0, "cached by linking");
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    a.client.balance(CUSTOMER).await.unwrap();
    assert_eq!(a.gets() - gets, 1, "past the TTL: read again");
    a.client.balance(CUSTOMER).await.unwrap();
    assert_eq!(a.gets() - gets, 1, "cached again");
}
