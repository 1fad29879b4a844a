//! One store conformance suite, run against the in-memory stores of ovo-flows, SQLite and
//! PostgreSQL (`OVO_TEST_DATABASE_URL`, or a throwaway server started from the system's
//! binaries). Then what only the databases do: sealing at rest, corrupt and unknown-key rows,
//! schema versions, key rotation, leases and the shared B2B token.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use ovo_flows::{
    Claim, CustomerTokens, DedupStore, FlowKind, FlowStore, MemoryDedup, MemoryFlowStore,
    MemoryTokenStore, SecretSlot, StoreError, StoredFlow, TokenStore,
};
use ovo_model::Secret;
use ovo_store::{Error, SqlStore, StoreKey, StoreOptions};
use time::OffsetDateTime;
use time::macros::datetime;

const T0: OffsetDateTime = datetime!(2026-12-01 10:00:00.123456789 UTC);

struct Stores {
    tokens: Arc<dyn TokenStore>,
    flows: Arc<dyn FlowStore>,
    dedup: Arc<dyn DedupStore>,
}

fn memory() -> Stores {
    Stores {
        tokens: Arc::new(MemoryTokenStore::default()),
        flows: Arc::new(MemoryFlowStore::default()),
        dedup: Arc::new(MemoryDedup::default()),
    }
}

fn of(store: SqlStore) -> Stores {
    let store = Arc::new(store);
    Stores {
        tokens: store.clone(),
        flows: store.clone(),
        dedup: store,
    }
}

fn key_text() -> String {
    StoreKey::generate().unwrap()
}

fn key(text: &str) -> StoreKey {
    StoreKey::parse(text).unwrap()
}

/// A fresh SQLite file in a temporary directory (removed on drop).
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "ovo-store-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn url(&self) -> String {
        format!("sqlite:{}", self.0.join("ovo.db").display())
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn pg_url() -> String {
    match ovo_store::testing::database().await {
        Ok(url) => url,
        Err(hint) => panic!("{hint}"),
    }
}

fn tokens(access: &str, refresh: &str) -> CustomerTokens {
    CustomerTokens::issued(Secret::new(access), Some(Secret::new(refresh)), T0)
}

// ---------------------------------------------------------------------------------------------
// The suite.

async fn conformance(stores: Stores) {
    tokens_put_get_remove(&stores).await;
    concurrent_token_updates(&stores).await;
    flow_round_trip_and_cas(&stores).await;
    concurrent_flow_writers_lose_nothing(&stores).await;
    unsettled_lists_exactly_the_unsettled(&stores).await;
    claims_expire_and_commit(&stores).await;
    one_claim_among_concurrent_deliveries(&stores).await;
}

async fn tokens_put_get_remove(s: &Stores) {
    assert_eq!(s.tokens.get("alice").await.unwrap(), None);
    let first = tokens("access-1", "refresh-1");
    s.tokens.put("alice", &first).await.unwrap();
    assert_eq!(s.tokens.get("alice").await.unwrap(), Some(first.clone()));
    let second = CustomerTokens {
        refresh: None,
        ..tokens("access-2", "unused")
    };
    s.tokens.put("alice", &second).await.unwrap();
    assert_eq!(s.tokens.get("alice").await.unwrap(), Some(second));
    s.tokens.put("bob", &first).await.unwrap();
    s.tokens.remove("alice").await.unwrap();
    assert_eq!(s.tokens.get("alice").await.unwrap(), None);
    s.tokens.remove("alice").await.unwrap();
    assert_eq!(s.tokens.get("bob").await.unwrap(), Some(first));
}

async fn concurrent_token_updates(s: &Stores) {
    // 16 tasks each write 5 refreshes of one customer. Every put succeeds (last write wins), and
    // the final state is the last value some task wrote: no write is torn or lost in between.
    let mut tasks = Vec::new();
    for task in 0..16 {
        let store = s.tokens.clone();
        tasks.push(tokio::spawn(async move {
            for round in 0..5 {
                let value = tokens(&format!("a-{task}-{round}"), &format!("r-{task}-{round}"));
                store.put("carol", &value).await.unwrap();
                // Each writer reads back something someone wrote.
                let seen = store.get("carol").await.unwrap().unwrap();
                let suffix = seen.access.expose().strip_prefix("a-").unwrap();
                assert_eq!(seen.refresh.unwrap().expose(), format!("r-{suffix}"));
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let last: BTreeSet<String> = (0..16).map(|t| format!("a-{t}-4")).collect();
    let final_tokens = s.tokens.get("carol").await.unwrap().unwrap();
    assert!(
        last.contains(final_tokens.access.expose()),
        "final state is not any writer's last write"
    );
}

fn flow(id: &str) -> StoredFlow {
    let mut flow = StoredFlow::new(id, FlowKind::Debit, Some("alice".into()));
    flow.state = r#"{"version":1,"n":0}"#.into();
    flow.secrets
        .set(SecretSlot::SingleUse, Secret::new("single-use-token"));
    flow.secrets
        .set(SecretSlot::WebviewUrl, Secret::new("https://webview/?t=x"));
    flow.wake_at = Some(T0 + Duration::from_secs(600));
    flow
}

async fn flow_round_trip_and_cas(s: &Stores) {
    assert_eq!(s.flows.get("f1").await.unwrap(), None);
    let mut f = flow("f1");
    f.revision = s.flows.put(&f).await.unwrap();
    assert_eq!(f.revision, 1);
    assert_eq!(s.flows.get("f1").await.unwrap(), Some(f.clone()));
    // Creating it again is a conflict.
    let mut again = flow("f1");
    again.state = "other".into();
    assert_eq!(s.flows.put(&again).await, Err(StoreError::Conflict));
    // A revision ahead of the stored one, or of a flow never written, is a conflict.
    let mut ahead = f.clone();
    ahead.revision = 5;
    assert_eq!(s.flows.put(&ahead).await, Err(StoreError::Conflict));
    let mut ghost = flow("never-written");
    ghost.revision = 3;
    assert_eq!(s.flows.put(&ghost).await, Err(StoreError::Conflict));
    assert_eq!(s.flows.get("never-written").await.unwrap(), None);
    // Two writers from revision 1: exactly one wins, and the store holds the winner's write.
    let (mut a, mut b) = (f.clone(), f.clone());
    a.state = "writer a".into();
    a.settled = true;
    a.wake_at = None;
    a.secrets = Default::default();
    b.state = "writer b".into();
    let (ra, rb) = tokio::join!(s.flows.put(&a), s.flows.put(&b));
    let winner = match (ra, rb) {
        (Ok(2), Err(StoreError::Conflict)) => a,
        (Err(StoreError::Conflict), Ok(2)) => b,
        other => panic!("two writers from one revision: {other:?}"),
    };
    let stored = s.flows.get("f1").await.unwrap().unwrap();
    assert_eq!(stored.revision, 2);
    assert_eq!(stored.state, winner.state);
    assert_eq!(stored.settled, winner.settled);
    assert_eq!(stored.wake_at, winner.wake_at);
    assert_eq!(stored.secrets, winner.secrets);
    assert_eq!(stored.customer.as_deref(), Some("alice"));
    assert_eq!(stored.kind, FlowKind::Debit);
}

async fn concurrent_flow_writers_lose_nothing(s: &Stores) {
    // 8 writers each advance one flow 10 times by read, modify, compare-and-swap, retrying on
    // conflict: the counter ends at 80.
    let mut f = flow("counter");
    f.state = "0".into();
    s.flows.put(&f).await.unwrap();
    let conflicts = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let store = s.flows.clone();
        let conflicts = conflicts.clone();
        tasks.push(tokio::spawn(async move {
            let mut done = 0;
            while done < 10 {
                let mut f = store.get("counter").await.unwrap().unwrap();
                let n: u64 = f.state.parse().unwrap();
                f.state = (n + 1).to_string();
                match store.put(&f).await {
                    Ok(revision) => {
                        assert_eq!(revision, f.revision + 1);
                        done += 1;
                    }
                    Err(StoreError::Conflict) => {
                        conflicts.fetch_add(1, Ordering::Relaxed);
                        tokio::task::yield_now().await;
                    }
                    Err(e) => panic!("{e}"),
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let f = s.flows.get("counter").await.unwrap().unwrap();
    assert_eq!(f.state, "80");
    assert_eq!(f.revision, 81);
}

async fn unsettled_lists_exactly_the_unsettled(s: &Stores) {
    let before: BTreeSet<String> = s
        .flows
        .unsettled()
        .await
        .unwrap()
        .into_iter()
        .map(|f| f.id)
        .collect();
    let mut open = flow("u-open");
    open.revision = s.flows.put(&open).await.unwrap();
    let mut done = flow("u-done");
    done.settled = true;
    s.flows.put(&done).await.unwrap();
    let mut later = flow("u-later");
    later.revision = s.flows.put(&later).await.unwrap();
    later.settled = true;
    s.flows.put(&later).await.unwrap();
    let unsettled = s.flows.unsettled().await.unwrap();
    let ids: BTreeSet<String> = unsettled.iter().map(|f| f.id.clone()).collect();
    let mut expected = before;
    expected.insert("u-open".into());
    assert_eq!(ids, expected);
    let listed = unsettled.into_iter().find(|f| f.id == "u-open").unwrap();
    assert_eq!(
        listed, open,
        "unsettled flows come back whole, secrets included"
    );
}

async fn claims_expire_and_commit(s: &Stores) {
    let ttl = Duration::from_secs(30);
    let d = &s.dedup;
    assert_eq!(d.claim("n1", T0, ttl).await.unwrap(), Claim::Claimed);
    assert_eq!(
        d.claim("n1", T0 + Duration::from_secs(29), ttl)
            .await
            .unwrap(),
        Claim::InProgress
    );
    // The handler crashed: the claim expires and the provider's retry is handled.
    let t1 = T0 + Duration::from_secs(30);
    assert_eq!(d.claim("n1", t1, ttl).await.unwrap(), Claim::Claimed);
    d.commit("n1", t1).await.unwrap();
    assert_eq!(
        d.claim("n1", t1 + Duration::from_secs(3600), ttl)
            .await
            .unwrap(),
        Claim::Done
    );
    // Releasing a handled id changes nothing.
    d.release("n1").await.unwrap();
    assert_eq!(
        d.claim("n1", t1 + Duration::from_secs(7200), ttl)
            .await
            .unwrap(),
        Claim::Done
    );
    // A released claim is claimed again at once.
    assert_eq!(d.claim("n2", T0, ttl).await.unwrap(), Claim::Claimed);
    d.release("n2").await.unwrap();
    assert_eq!(d.claim("n2", T0, ttl).await.unwrap(), Claim::Claimed);
    // Handled ids are remembered a day, then forgotten.
    let day = Duration::from_secs(24 * 3600);
    assert_eq!(
        d.claim("n1", t1 + day - Duration::from_secs(1), ttl)
            .await
            .unwrap(),
        Claim::Done
    );
    assert_eq!(
        d.claim("n1", t1 + day + Duration::from_secs(1), ttl)
            .await
            .unwrap(),
        Claim::Claimed
    );
}

async fn one_claim_among_concurrent_deliveries(s: &Stores) {
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let d = s.dedup.clone();
        tasks.push(tokio::spawn(async move {
            d.claim("burst", T0, Duration::from_secs(30)).await.unwrap()
        }));
    }
    let mut claimed = 0;
    for task in tasks {
        match task.await.unwrap() {
            Claim::Claimed => claimed += 1,
            Claim::InProgress => {}
            Claim::Done => panic!("never committed"),
        }
    }
    assert_eq!(claimed, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_stores_conform() {
    conformance(memory()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_conforms() {
    let dir = TempDir::new();
    conformance(of(SqlStore::connect(&dir.url(), key(&key_text()))
        .await
        .unwrap()))
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_conforms() {
    let url = pg_url().await;
    conformance(of(SqlStore::connect(&url, key(&key_text())).await.unwrap())).await;
}

// ---------------------------------------------------------------------------------------------
// Only the databases: what is at rest.

/// Every table's rows as text (SQLite: plus the database and WAL files' bytes).
async fn dump(store: &SqlStore) -> String {
    let mut out = String::new();
    if let Some(pool) = store.sqlite_pool() {
        let tables: Vec<String> =
            sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
                .fetch_all(pool)
                .await
                .unwrap();
        assert!(tables.contains(&"ovo_customer_tokens".to_string()));
        for table in tables {
            let columns: Vec<String> =
                sqlx::query_scalar(&format!("SELECT name FROM pragma_table_info('{table}')"))
                    .fetch_all(pool)
                    .await
                    .unwrap();
            for column in columns {
                // quote() renders text as text and blobs as X'hex' (searched for tokens as hex).
                let sql = format!("SELECT quote(\"{column}\") FROM \"{table}\"");
                let values: Vec<String> = sqlx::query_scalar(&sql).fetch_all(pool).await.unwrap();
                out.push_str(&values.join("\n"));
                out.push('\n');
            }
        }
    }
    if let Some(pool) = store.pg_pool() {
        let tables: Vec<String> =
            sqlx::query_scalar("SELECT tablename::text FROM pg_tables WHERE schemaname = 'public'")
                .fetch_all(pool)
                .await
                .unwrap();
        assert!(tables.contains(&"ovo_customer_tokens".to_string()));
        for table in tables {
            let sql = format!("SELECT t::text FROM \"{table}\" t");
            let rows: Vec<String> = sqlx::query_scalar(&sql).fetch_all(pool).await.unwrap();
            out.push_str(&rows.join("\n"));
            out.push('\n');
        }
    }
    out
}

fn assert_absent(haystack: &[u8], secrets: &[&str], what: &str) {
    let text = String::from_utf8_lossy(haystack).to_lowercase();
    for secret in secrets {
        assert!(
            !text.contains(&secret.to_lowercase()),
            "{what} holds a token in clear"
        );
        assert!(
            !text.contains(&hex::encode(secret.as_bytes())),
            "{what} holds a token in clear, as hex"
        );
    }
}

async fn no_token_in_clear(store: SqlStore, files: Option<&TempDir>) {
    let secrets = [
        "ACCESS-7f3a9c-customer-access-token",
        "REFRESH-2b8e41-customer-refresh-token",
        "SINGLEUSE-93d0aa-one-time",
        "LINKAGE-55e1f0-linkage",
        "WEBVIEW-c0ffee-session",
        "B2B-a1b2c3-partner-token",
    ];
    TokenStore::put(&store, "dave", &tokens(secrets[0], secrets[1]))
        .await
        .unwrap();
    let mut f = flow("sealed-flow");
    f.secrets
        .set(SecretSlot::SingleUse, Secret::new(secrets[2]));
    f.secrets.set(SecretSlot::Linkage, Secret::new(secrets[3]));
    f.secrets
        .set(SecretSlot::WebviewUrl, Secret::new(secrets[4]));
    FlowStore::put(&store, &f).await.unwrap();
    store
        .put_b2b_token(
            "client-1",
            &Secret::new(secrets[5]),
            T0 + Duration::from_secs(840),
        )
        .await
        .unwrap();
    // The values are really there, and the dump really reads the rows.
    assert_eq!(
        TokenStore::get(&store, "dave")
            .await
            .unwrap()
            .unwrap()
            .access
            .expose(),
        secrets[0]
    );
    let dumped = dump(&store).await;
    assert!(
        dumped.contains("sealed-flow") && dumped.contains("dave") && dumped.contains("client-1")
    );
    assert_absent(dumped.as_bytes(), &secrets, "a table");
    if let Some(dir) = files {
        for entry in std::fs::read_dir(&dir.0).unwrap() {
            let path = entry.unwrap().path();
            assert_absent(
                &std::fs::read(&path).unwrap(),
                &secrets,
                "the database files",
            );
        }
    }
}

#[tokio::test]
async fn sqlite_holds_no_token_in_clear() {
    let dir = TempDir::new();
    let store = SqlStore::connect(&dir.url(), key(&key_text()))
        .await
        .unwrap();
    no_token_in_clear(store, Some(&dir)).await;
}

#[tokio::test]
async fn postgres_holds_no_token_in_clear() {
    let store = SqlStore::connect(&pg_url().await, key(&key_text()))
        .await
        .unwrap();
    no_token_in_clear(store, None).await;
}

/// Runs a statement on the store's own database.
async fn execute(store: &SqlStore, sql: &str) {
    if let Some(pool) = store.sqlite_pool() {
        sqlx::query(sql).execute(pool).await.unwrap();
    } else if let Some(pool) = store.pg_pool() {
        sqlx::query(sql).execute(pool).await.unwrap();
    }
}

fn corrupt_one_line(result: Result<impl std::fmt::Debug, StoreError>, needle: &str) {
    match result {
        Err(StoreError::Corrupt(message)) => {
            assert!(!message.contains('\n'), "{message}");
            assert!(message.contains(needle), "{message} lacks {needle}");
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

async fn bad_rows_are_typed_errors(url: &str) {
    let text = key_text();
    let store = SqlStore::connect(url, key(&text)).await.unwrap();
    TokenStore::put(&store, "erin", &tokens("access-e", "refresh-e"))
        .await
        .unwrap();
    TokenStore::put(&store, "frank", &tokens("access-f", "refresh-f"))
        .await
        .unwrap();
    FlowStore::put(&store, &flow("bad-kind")).await.unwrap();
    FlowStore::put(&store, &flow("bad-secrets")).await.unwrap();
    FlowStore::put(&store, &flow("good")).await.unwrap();

    // A row sealed under a key this process lacks.
    execute(
        &store,
        "UPDATE ovo_customer_tokens SET key_id = 'deadbeef' WHERE customer = 'erin'",
    )
    .await;
    corrupt_one_line(TokenStore::get(&store, "erin").await, "deadbeef");
    // A sealed value copied from another customer's row does not open.
    execute(
        &store,
        "UPDATE ovo_customer_tokens SET sealed = (SELECT sealed FROM ovo_customer_tokens \
         WHERE customer = 'frank') WHERE customer = 'erin'",
    )
    .await;
    execute(
        &store,
        &format!(
            "UPDATE ovo_customer_tokens SET key_id = '{}' WHERE customer = 'erin'",
            store_key_id(&text)
        ),
    )
    .await;
    corrupt_one_line(TokenStore::get(&store, "erin").await, "erin");
    // Tampered, truncated, or unknown kinds.
    let bytes = if store.engine() == ovo_store::Engine::Postgres {
        "'\\x0102'::bytea"
    } else {
        "X'0102'"
    };
    execute(
        &store,
        &format!("UPDATE ovo_flows SET secrets = {bytes} WHERE id = 'bad-secrets'"),
    )
    .await;
    corrupt_one_line(FlowStore::get(&store, "bad-secrets").await, "bad-secrets");
    execute(
        &store,
        "UPDATE ovo_flows SET kind = 'teleport' WHERE id = 'bad-kind'",
    )
    .await;
    corrupt_one_line(FlowStore::get(&store, "bad-kind").await, "teleport");
    corrupt_one_line(store.unsettled().await, "bad-");
    // The other rows still read.
    assert!(TokenStore::get(&store, "frank").await.unwrap().is_some());
    assert!(FlowStore::get(&store, "good").await.unwrap().is_some());
    store.close().await;
}

fn store_key_id(text: &str) -> String {
    key(text).sealing_key_id().to_owned()
}

#[tokio::test]
async fn sqlite_bad_rows_are_typed_errors() {
    let dir = TempDir::new();
    bad_rows_are_typed_errors(&dir.url()).await;
}

#[tokio::test]
async fn postgres_bad_rows_are_typed_errors() {
    bad_rows_are_typed_errors(&pg_url().await).await;
}

async fn keys_rotate_and_wrong_keys_fail_at_connect(url: &str) {
    let (old, new) = (key_text(), key_text());
    let store = SqlStore::connect(url, key(&old)).await.unwrap();
    TokenStore::put(&store, "gina", &tokens("access-g", "refresh-g"))
        .await
        .unwrap();
    FlowStore::put(&store, &flow("rot")).await.unwrap();
    store.close().await;
    // A wrong key is refused at connect, in one line naming key ids only.
    let err = SqlStore::connect(url, key(&new)).await.unwrap_err();
    assert!(matches!(err, Error::UnknownKeys { .. }), "{err}");
    let message = err.to_string();
    assert!(
        message.contains(&store_key_id(&old)) && !message.contains(&old) && !message.contains('\n'),
        "{message}"
    );
    // New key first, old key kept: everything opens; re-sealing moves every row to the new key.
    let store = SqlStore::connect(url, key(&format!("{new},{old}")))
        .await
        .unwrap();
    assert_eq!(
        TokenStore::get(&store, "gina")
            .await
            .unwrap()
            .unwrap()
            .access
            .expose(),
        "access-g"
    );
    assert_eq!(store.reseal().await.unwrap(), 2);
    assert_eq!(store.reseal().await.unwrap(), 0);
    store.close().await;
    // Now the old key can go.
    let store = SqlStore::connect(url, key(&new)).await.unwrap();
    assert_eq!(
        TokenStore::get(&store, "gina")
            .await
            .unwrap()
            .unwrap()
            .access
            .expose(),
        "access-g"
    );
    assert!(FlowStore::get(&store, "rot").await.unwrap().is_some());
    store.close().await;
}

#[tokio::test]
async fn sqlite_keys_rotate() {
    let dir = TempDir::new();
    keys_rotate_and_wrong_keys_fail_at_connect(&dir.url()).await;
}

#[tokio::test]
async fn postgres_keys_rotate() {
    keys_rotate_and_wrong_keys_fail_at_connect(&pg_url().await).await;
}

async fn newer_schema_is_refused(url: &str) {
    let text = key_text();
    let store = SqlStore::connect(url, key(&text)).await.unwrap();
    // Connecting again is fine: migrations are idempotent.
    SqlStore::connect(url, key(&text))
        .await
        .unwrap()
        .close()
        .await;
    let future = if store.engine() == ovo_store::Engine::Postgres {
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (99990101, 'from the future', TRUE, '\\x00'::bytea, 0)"
    } else {
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (99990101, 'from the future', TRUE, X'00', 0)"
    };
    execute(&store, future).await;
    store.close().await;
    let err = SqlStore::connect(url, key(&text)).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::NewerSchema {
                version: 99990101,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("upgrade ovo-store"), "{err}");
}

#[tokio::test]
async fn sqlite_newer_schema_is_refused() {
    let dir = TempDir::new();
    newer_schema_is_refused(&dir.url()).await;
}

#[tokio::test]
async fn postgres_newer_schema_is_refused() {
    newer_schema_is_refused(&pg_url().await).await;
}

#[tokio::test]
async fn bad_input_is_one_clear_line() {
    let err = SqlStore::connect("mysql://x", key(&key_text()))
        .await
        .unwrap_err();
    assert!(
        err.to_string().starts_with("database URL must start with"),
        "{err}"
    );
    // Nothing listens on port 1.
    let err = SqlStore::connect("postgres://u:hunter2@127.0.0.1:1/db", key(&key_text()))
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(
        matches!(err, Error::Connect(_)) && !message.contains("hunter2") && !message.contains('\n'),
        "{message}"
    );
    // A wrong password on a real server (the throwaway one checks passwords on loopback).
    let url = pg_url().await;
    if std::env::var(ovo_store::testing::URL_VARIABLE).is_err() {
        let wrong = url.replace(ovo_store::testing::PASSWORD, "wrong-pw-314");
        let err = SqlStore::connect(&wrong, key(&key_text()))
            .await
            .unwrap_err();
        let message = err.to_string();
        assert!(matches!(err, Error::Connect(_)), "{message}");
        assert!(
            message.contains("password authentication failed"),
            "{message}"
        );
        assert!(
            !message.contains("wrong-pw-314") && !message.contains('\n'),
            "{message}"
        );
    }
    let err = StoreKey::parse("not base64!").unwrap_err();
    assert_eq!(
        err.to_string(),
        "OVO_STORE_KEY: key 1 is not base64 of 32 bytes"
    );
}

// ---------------------------------------------------------------------------------------------
// Across instances: leases, the shared B2B token, single-flight refresh.

async fn instances(url: &str, n: usize) -> Vec<SqlStore> {
    let text = key_text();
    let mut stores = Vec::new();
    for _ in 0..n {
        let mut options = ovo_store::StoreOptions::default();
        options.max_connections = 4;
        stores.push(
            SqlStore::connect_with(url, key(&text), options)
                .await
                .unwrap(),
        );
    }
    stores
}

async fn one_b2b_fetch_per_lifetime(url: &str) {
    let stores = instances(url, 8).await;
    let fetches = Arc::new(AtomicUsize::new(0));
    let now = Arc::new(std::sync::Mutex::new(T0));
    for lifetime in 1..=3usize {
        let mut tasks = Vec::new();
        for store in &stores {
            for _ in 0..8 {
                let (store, fetches, now) = (store.clone(), fetches.clone(), now.clone());
                tasks.push(tokio::spawn(async move {
                    let clock = || *now.lock().unwrap();
                    let token = store
                        .shared_b2b_token("client-x", clock, Duration::from_secs(10), || async {
                            let n = fetches.fetch_add(1, Ordering::SeqCst) + 1;
                            // OVO takes a while to answer: the others must wait, not fetch.
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            Ok::<_, String>((
                                Secret::new(format!("b2b-{n}")),
                                clock() + Duration::from_secs(840),
                            ))
                        })
                        .await
                        .unwrap();
                    token.token.expose().to_owned()
                }));
            }
        }
        let mut seen = BTreeSet::new();
        for task in tasks {
            seen.insert(task.await.unwrap());
        }
        assert_eq!(
            fetches.load(Ordering::SeqCst),
            lifetime,
            "one fetch per token lifetime"
        );
        assert_eq!(seen.len(), 1, "every instance used the one token");
        // The token's lifetime passes.
        *now.lock().unwrap() += Duration::from_secs(841);
    }
    for store in stores {
        store.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_one_b2b_fetch_per_lifetime() {
    let dir = TempDir::new();
    one_b2b_fetch_per_lifetime(&dir.url()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_one_b2b_fetch_per_lifetime() {
    one_b2b_fetch_per_lifetime(&pg_url().await).await;
}

async fn refresh_is_single_flight(url: &str) {
    let stores = instances(url, 8).await;
    TokenStore::put(&stores[0], "hana", &tokens("access-0", "refresh-0"))
        .await
        .unwrap();
    let refreshes = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for store in &stores {
        for _ in 0..4 {
            let (store, refreshes) = (store.clone(), refreshes.clone());
            tasks.push(tokio::spawn(async move {
                store
                    .refresh_once(
                        "hana",
                        &Secret::new("access-0"),
                        || T0,
                        Duration::from_secs(10),
                        |old| async move {
                            // A rotating refresh token: spending it twice would be refused.
                            assert_eq!(
                                old.refresh
                                    .as_ref()
                                    .map(|r| r.expose().to_owned())
                                    .as_deref(),
                                Some("refresh-0")
                            );
                            refreshes.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            Ok::<_, String>(tokens("access-1", "refresh-1"))
                        },
                    )
                    .await
                    .unwrap()
            }));
        }
    }
    for task in tasks {
        assert_eq!(task.await.unwrap().access.expose(), "access-1");
    }
    assert_eq!(refreshes.load(Ordering::SeqCst), 1);
    // A lease whose holder crashed ends by itself.
    let lease = stores[1]
        .lease("refresh:hana", T0, Duration::from_secs(10))
        .await
        .unwrap();
    assert!(lease.is_some());
    assert!(
        stores[2]
            .lease(
                "refresh:hana",
                T0 + Duration::from_secs(9),
                Duration::from_secs(10)
            )
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        stores[2]
            .lease(
                "refresh:hana",
                T0 + Duration::from_secs(10),
                Duration::from_secs(10)
            )
            .await
            .unwrap()
            .is_some()
    );
    for store in stores {
        store.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_refresh_is_single_flight() {
    let dir = TempDir::new();
    refresh_is_single_flight(&dir.url()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_refresh_is_single_flight() {
    refresh_is_single_flight(&pg_url().await).await;
}

// ---------------------------------------------------------------------------------------------
// Connections the server dropped (a restart, a firewall cutting idle connections).

/// Ends every other session on the store's PostgreSQL database, as a server restart or a
/// firewall would.
async fn drop_connections(url: &str) {
    let admin = sqlx::PgPool::connect(url).await.unwrap();
    sqlx::query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE pid <> pg_backend_pid() AND datname = current_database()",
    )
    .execute(&admin)
    .await
    .unwrap();
    admin.close().await;
}

/// With `ping_when_idle_for` reached, a connection the server dropped is found out by the ping
/// and replaced: the statement succeeds. Without a ping, each dropped connection fails the one
/// statement that finds it out, with a typed error, and is replaced: the pool holds at most twice
/// `max_connections` (the store's and as many for the merchant's queries), so by then a
/// statement succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_dropped_connections_are_replaced() {
    let url = pg_url().await;
    let text = key_text();
    for ping in [Some(Duration::ZERO), None] {
        let mut options = StoreOptions::default();
        options.max_connections = 1;
        options.ping_when_idle_for = ping;
        let store = SqlStore::connect_with(&url, key(&text), options)
            .await
            .unwrap();
        TokenStore::put(&store, "dropped", &tokens("a", "r"))
            .await
            .unwrap();
        drop_connections(&url).await;
        let first = TokenStore::get(&store, "dropped").await;
        let mut failed = usize::from(first.is_err());
        match ping {
            Some(_) => assert!(
                first.unwrap().is_some(),
                "pinged: the first statement succeeds"
            ),
            None => assert!(
                matches!(first, Err(StoreError::Unavailable(_))),
                "unpinged: the first statement fails typed, got {first:?}"
            ),
        }
        let second = loop {
            match TokenStore::get(&store, "dropped").await {
                Err(StoreError::Unavailable(_)) if failed < 2 => failed += 1,
                other => break other,
            }
        };
        assert!(
            second.unwrap().is_some(),
            "the dropped connections were replaced"
        );
    }
}

/// The default's branch: a connection idle for `ping_when_idle_for` is pinged (and so replaced
/// when the server dropped it), one used more recently is not (and so fails the one statement).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_pings_only_connections_idle_long_enough() {
    let url = pg_url().await;
    let text = key_text();
    // Long enough that dropping the connections (a new pool and one statement) takes less,
    // even on a loaded machine.
    let idle = Duration::from_secs(3);
    for waited in [Duration::from_millis(3_500), Duration::ZERO] {
        let mut options = StoreOptions::default();
        options.max_connections = 1;
        options.ping_when_idle_for = Some(idle);
        let store = SqlStore::connect_with(&url, key(&text), options)
            .await
            .unwrap();
        TokenStore::put(&store, "idle", &tokens("a", "r"))
            .await
            .unwrap();
        drop_connections(&url).await;
        tokio::time::sleep(waited).await;
        let first = TokenStore::get(&store, "idle").await;
        if waited >= idle {
            assert!(
                first.unwrap().is_some(),
                "idle long enough: pinged and replaced"
            );
        } else {
            assert!(
                matches!(first, Err(StoreError::Unavailable(_))),
                "used just now: not pinged, got {first:?}"
            );
        }
    }
}
