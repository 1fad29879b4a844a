//! [`SqlStore`]: the three store traits on SQLite or PostgreSQL.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use ovo_flows::{
    BoxFuture, Claim, CustomerTokens, DedupStore, FlowKind, FlowSecrets, FlowStore, StoreError,
    StoredFlow, TokenStore,
};
use sqlx::Row as _;
use time::OffsetDateTime;

use crate::key::{KeyError, StoreKey};
use crate::lend::Connections;

#[cfg(feature = "sqlite")]
static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
#[cfg(feature = "postgres")]
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// The database engine behind a [`SqlStore`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Engine {
    /// SQLite: one file, WAL mode.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// Why [`SqlStore::connect`] failed: one line each, never a password or a key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The URL names no engine this build supports.
    #[error(
        "database URL must start with sqlite: or postgres:// (this build supports: {supported})"
    )]
    UnsupportedUrl {
        /// The engines this build was compiled with.
        supported: &'static str,
    },
    /// The URL is malformed.
    #[error("database URL is malformed: {0}")]
    BadUrl(String),
    /// The database cannot be reached, or refused the login.
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    /// The database was migrated by a newer ovo-store: this build does not know its schema.
    #[error(
        "the database has schema version {version}, newer than this ovo-store knows ({known}): upgrade ovo-store"
    )]
    NewerSchema {
        /// The newest migration applied in the database.
        version: i64,
        /// The newest migration this build carries.
        known: i64,
    },
    /// A migration could not be applied.
    #[error("database migration failed: {0}")]
    Migrate(String),
    /// The store key could not be loaded.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// Rows are sealed under keys the store key does not hold: `OVO_STORE_KEY` is wrong or lacks
    /// a rotated-out key.
    #[error(
        "rows in the database are sealed under key(s) {key_ids} that OVO_STORE_KEY does not hold (it holds {held})"
    )]
    UnknownKeys {
        /// The ids of the missing keys, comma-separated.
        key_ids: String,
        /// The ids of the keys held, comma-separated.
        held: String,
    },
    /// The database answered a check with an error.
    #[error("store unavailable: {0}")]
    Store(StoreError),
}

// The cause is in the message, so it is not also a `source()`: an error report that walks the
// chain (anyhow's `{:#}`, eyre) would print it twice.
impl From<StoreError> for Error {
    fn from(error: StoreError) -> Self {
        Self::Store(error)
    }
}

/// How a [`SqlStore`] connects and keeps data.
///
/// ```
/// use std::time::Duration;
/// let mut options = ovo_store::StoreOptions::default();
/// options.max_connections = 20;
/// options.keep_handled = Duration::from_secs(48 * 3600);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct StoreOptions {
    /// How many connections the store's own statements use at once (10 by default; SQLite's
    /// in-memory database always uses 1). The store keeps them open between statements; the
    /// pool holds as many again for the merchant's own queries, opened only when used.
    pub max_connections: u32,
    /// How long to wait for a connection (5 s by default).
    pub acquire_timeout: Duration,
    /// How long a handled notification id is remembered (24 h by default, as `MemoryDedup`).
    pub keep_handled: Duration,
    /// Whether [`SqlStore::connect`] refuses a database holding rows sealed under keys the
    /// store key lacks (true by default: a wrong `OVO_STORE_KEY` is an error at start, not at the
    /// first customer).
    pub check_keys: bool,
    /// A connection that sat idle in the pool longer than this is pinged before it is used
    /// (30 s by default); `Some(Duration::ZERO)` pings before every use, `None` never.
    ///
    /// A ping is a round trip of its own, as long as the statement it guards: pinging before
    /// every use (sqlx's default) makes a two-phase debit's eight round trips to the database
    /// sixteen. A busy pool's connections are never idle that long, so they go unpinged; one
    /// that waited (and that a firewall or load balancer may have cut meanwhile) is checked
    /// and replaced before a flow's write depends on it.
    pub ping_when_idle_for: Option<Duration>,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            max_connections: 10,
            acquire_timeout: Duration::from_secs(5),
            keep_handled: Duration::from_secs(24 * 3600),
            check_keys: true,
            ping_when_idle_for: Some(Duration::from_secs(30)),
        }
    }
}

pub(crate) enum Pool {
    #[cfg(feature = "sqlite")]
    Sqlite(Connections<sqlx::Sqlite>),
    #[cfg(feature = "postgres")]
    Postgres(Connections<sqlx::Postgres>),
}

pub(crate) struct Inner {
    pub(crate) pool: Pool,
    pub(crate) key: StoreKey,
    pub(crate) keep_handled: Duration,
    /// When expired notification ids were last purged (Unix seconds).
    last_purge: AtomicI64,
}

/// Durable [`TokenStore`], [`FlowStore`] and [`DedupStore`] on SQLite or PostgreSQL, with secrets
/// sealed under a [`StoreKey`]. Cloning is cheap and shares the pool.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use ovo_flows::{CustomerTokens, TokenStore};
/// use ovo_model::Secret;
/// use ovo_store::{SqlStore, StoreKey};
///
/// let key = StoreKey::parse(&StoreKey::generate()?)?;
/// let store = SqlStore::connect("sqlite::memory:", key).await?;
/// let now = time::OffsetDateTime::now_utc();
/// let tokens = CustomerTokens::issued(Secret::new("access"), Some(Secret::new("refresh")), now);
/// TokenStore::put(&store, "alice", &tokens).await?;
/// assert_eq!(TokenStore::get(&store, "alice").await?, Some(tokens));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct SqlStore {
    pub(crate) inner: Arc<Inner>,
}

impl fmt::Debug for SqlStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqlStore")
            .field("engine", &self.engine())
            .field("key", &self.inner.key)
            .finish_non_exhaustive()
    }
}

/// Runs `$body` with `$conn` bound to a connection lent by the concrete engine's
/// [`Connections`] (the body is compiled once per engine), and keeps the connection for the
/// next statement when the body succeeded.
macro_rules! on_connection {
    ($store:expr, $conn:ident => $body:expr) => {
        match &$store.inner.pool {
            #[cfg(feature = "sqlite")]
            $crate::store::Pool::Sqlite(connections) => {
                $crate::store::lent!(connections, $conn => $body)
            }
            #[cfg(feature = "postgres")]
            $crate::store::Pool::Postgres(connections) => {
                $crate::store::lent!(connections, $conn => $body)
            }
        }
    };
}
pub(crate) use on_connection;

/// One engine's arm of [`on_connection`].
macro_rules! lent {
    ($connections:expr, $conn:ident => $body:expr) => {
        match $connections.lend().await {
            Err(e) => Err(e),
            Ok(mut lent) => {
                let $conn = &mut *lent;
                let result = $body;
                if result.is_ok() {
                    lent.keep();
                }
                result
            }
        }
    };
}
pub(crate) use lent;

/// One line, for a store error.
pub(crate) fn unavailable(error: sqlx::Error) -> StoreError {
    StoreError::Unavailable(one_line(&error))
}

fn one_line(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = s.source();
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Unix nanoseconds (the stored form of every time).
pub(crate) fn nanos(time: OffsetDateTime) -> Result<i64, StoreError> {
    i64::try_from(time.unix_timestamp_nanos())
        .map_err(|_| StoreError::Unavailable(format!("time {time} is out of the storable range")))
}

pub(crate) fn from_nanos(context: &str, value: i64) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(value))
        .map_err(|_| StoreError::Corrupt(format!("{context} has an invalid time")))
}

pub(crate) fn revision(context: &str, value: i64) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("{context} has revision {value}")))
}

pub(crate) fn stored_revision(value: u64) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| StoreError::Conflict)
}

struct FlowRow {
    id: String,
    kind: String,
    customer: Option<String>,
    state: String,
    key_id: String,
    secrets: Vec<u8>,
    settled: bool,
    wake_at: Option<i64>,
    revision: i64,
}

macro_rules! flow_row {
    ($row:expr) => {{
        let row = $row;
        (|| -> Result<FlowRow, sqlx::Error> {
            Ok(FlowRow {
                id: row.try_get("id")?,
                kind: row.try_get("kind")?,
                customer: row.try_get("customer")?,
                state: row.try_get("state")?,
                key_id: row.try_get("key_id")?,
                secrets: row.try_get("secrets")?,
                settled: row.try_get("settled")?,
                wake_at: row.try_get("wake_at")?,
                revision: row.try_get("revision")?,
            })
        })()
    }};
}

const FLOW_COLUMNS: &str = "id, kind, customer, state, key_id, secrets, settled, wake_at, revision";

pub(crate) fn token_context(customer: &str) -> String {
    format!("customer tokens of {customer:?}")
}

fn flow_context(id: &str) -> String {
    format!("secrets of flow {id:?}")
}

impl SqlStore {
    /// Connects to `url` (`sqlite:PATH`, `sqlite::memory:` or `postgres://...`), runs the
    /// migrations, and checks that `key` opens every sealed row (see
    /// [`StoreOptions::check_keys`]).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use ovo_store::{SqlStore, StoreKey};
    /// let dir = std::env::temp_dir().join(format!("ovo-store-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let url = format!("sqlite:{}", dir.join("ovo.db").display());
    /// let key = StoreKey::generate()?;
    /// let store = SqlStore::connect(&url, StoreKey::parse(&key)?).await?;
    /// store.close().await;
    /// // Twice on one database: the migrations are idempotent.
    /// SqlStore::connect(&url, StoreKey::parse(&key)?).await?.close().await;
    /// // A different key does not open what the first sealed... once something is sealed.
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(()) }
    /// ```
    pub async fn connect(url: &str, key: StoreKey) -> Result<Self, Error> {
        Self::connect_with(url, key, StoreOptions::default()).await
    }

    /// [`Self::connect`] with options.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use ovo_store::{SqlStore, StoreKey, StoreOptions};
    /// let mut options = StoreOptions::default();
    /// options.max_connections = 4;
    /// let key = StoreKey::parse(&StoreKey::generate()?)?;
    /// let store = SqlStore::connect_with("sqlite::memory:", key, options).await?;
    /// assert_eq!(store.engine(), ovo_store::Engine::Sqlite);
    /// # Ok(()) }
    /// ```
    pub async fn connect_with(
        url: &str,
        key: StoreKey,
        options: StoreOptions,
    ) -> Result<Self, Error> {
        let pool = if url.starts_with("sqlite:") {
            connect_sqlite(url, &options).await?
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            connect_postgres(url, &options).await?
        } else {
            return Err(Error::UnsupportedUrl {
                supported: SUPPORTED,
            });
        };
        let store = Self {
            inner: Arc::new(Inner {
                pool,
                key,
                keep_handled: options.keep_handled,
                last_purge: AtomicI64::new(0),
            }),
        };
        store.migrate().await?;
        if options.check_keys {
            store.check_keys().await?;
        }
        Ok(store)
    }

    /// Which engine this store runs on.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let key = ovo_store::StoreKey::parse(&ovo_store::StoreKey::generate()?)?;
    /// let store = ovo_store::SqlStore::connect("sqlite::memory:", key).await?;
    /// assert_eq!(store.engine(), ovo_store::Engine::Sqlite);
    /// # Ok(()) }
    /// ```
    pub fn engine(&self) -> Engine {
        match &self.inner.pool {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(_) => Engine::Sqlite,
            #[cfg(feature = "postgres")]
            Pool::Postgres(_) => Engine::Postgres,
        }
    }

    /// The SQLite pool, for the merchant's own queries (health checks, reports).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let key = ovo_store::StoreKey::parse(&ovo_store::StoreKey::generate()?)?;
    /// let store = ovo_store::SqlStore::connect("sqlite::memory:", key).await?;
    /// let pool = store.sqlite_pool().ok_or("not sqlite")?;
    /// sqlx::query("SELECT 1").execute(pool).await?;
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "sqlite")]
    pub fn sqlite_pool(&self) -> Option<&sqlx::SqlitePool> {
        match &self.inner.pool {
            Pool::Sqlite(connections) => Some(connections.pool()),
            #[cfg(feature = "postgres")]
            Pool::Postgres(_) => None,
        }
    }

    /// The PostgreSQL pool, for the merchant's own queries (health checks, reports).
    ///
    /// ```
    /// # async fn f(store: ovo_store::SqlStore) -> Result<(), sqlx::Error> {
    /// if let Some(pool) = store.pg_pool() {
    ///     sqlx::query("SELECT 1").execute(pool).await?;
    /// }
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "postgres")]
    pub fn pg_pool(&self) -> Option<&sqlx::PgPool> {
        match &self.inner.pool {
            Pool::Postgres(connections) => Some(connections.pool()),
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(_) => None,
        }
    }

    /// Closes the pool (waits for connections in use to come back).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let key = ovo_store::StoreKey::parse(&ovo_store::StoreKey::generate()?)?;
    /// ovo_store::SqlStore::connect("sqlite::memory:", key).await?.close().await;
    /// # Ok(()) }
    /// ```
    pub async fn close(&self) {
        match &self.inner.pool {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(connections) => connections.close().await,
            #[cfg(feature = "postgres")]
            Pool::Postgres(connections) => connections.close().await,
        }
    }

    async fn migrate(&self) -> Result<(), Error> {
        let (migrator, result) = match &self.inner.pool {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(connections) => (
                &SQLITE_MIGRATIONS,
                SQLITE_MIGRATIONS.run(connections.pool()).await,
            ),
            #[cfg(feature = "postgres")]
            Pool::Postgres(connections) => (
                &POSTGRES_MIGRATIONS,
                POSTGRES_MIGRATIONS.run(connections.pool()).await,
            ),
        };
        let known = migrator.iter().map(|m| m.version).max().unwrap_or(0);
        let result = result.map_err(|e| (e, known));
        match result {
            Ok(()) => Ok(()),
            Err((sqlx::migrate::MigrateError::VersionMissing(version), known)) => {
                Err(Error::NewerSchema { version, known })
            }
            Err((sqlx::migrate::MigrateError::VersionTooNew(version, _), known)) => {
                Err(Error::NewerSchema { version, known })
            }
            Err((e, _)) => Err(Error::Migrate(one_line(&e))),
        }
    }

    async fn check_keys(&self) -> Result<(), Error> {
        const SQL: &str = "SELECT key_id FROM ovo_customer_tokens \
             UNION SELECT key_id FROM ovo_flows UNION SELECT key_id FROM ovo_b2b_tokens";
        let ids: Vec<String> = on_connection!(self, conn => {
            sqlx::query_scalar(SQL).fetch_all(conn).await
        })
        .map_err(unavailable)?;
        let unknown: Vec<String> = ids
            .into_iter()
            .filter(|id| !self.inner.key.knows(id))
            .collect();
        if unknown.is_empty() {
            return Ok(());
        }
        Err(Error::UnknownKeys {
            key_ids: unknown.join(", "),
            held: self.inner.key.key_ids().collect::<Vec<_>>().join(", "),
        })
    }

    /// Re-seals every row not sealed under the sealing key (after a rotation: put the new key
    /// first in `OVO_STORE_KEY`, call this, then drop the old key). Returns how many rows were
    /// re-sealed. Safe while other instances run: every rewrite is compare-and-swap.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let key = ovo_store::StoreKey::parse(&ovo_store::StoreKey::generate()?)?;
    /// let store = ovo_store::SqlStore::connect("sqlite::memory:", key).await?;
    /// assert_eq!(store.reseal().await?, 0);
    /// # Ok(()) }
    /// ```
    pub async fn reseal(&self) -> Result<u64, StoreError> {
        let sealing = self.inner.key.sealing_key_id().to_owned();
        let mut count = 0;
        let customers: Vec<(String, i64)> = on_connection!(self, conn => {
            sqlx::query_as("SELECT customer, revision FROM ovo_customer_tokens WHERE key_id <> $1")
                .bind(&sealing)
                .fetch_all(conn)
                .await
        })
        .map_err(unavailable)?;
        for (customer, revision) in customers {
            let Some(tokens) = self.get_tokens(&customer).await? else {
                continue;
            };
            let plain = zeroize::Zeroizing::new(
                serde_json::to_vec(&tokens)
                    .map_err(|e| StoreError::Unavailable(format!("encoding tokens: {e}")))?,
            );
            let (key_id, sealed) = self.inner.key.seal(&token_context(&customer), &plain)?;
            let changed = on_connection!(self, conn => {
                sqlx::query(
                    "UPDATE ovo_customer_tokens SET key_id = $1, sealed = $2, revision = revision + 1 \
                     WHERE customer = $3 AND revision = $4",
                )
                .bind(&key_id)
                .bind(&sealed)
                .bind(&customer)
                .bind(revision)
                .execute(conn)
                .await
                .map(|r| r.rows_affected())
            })
            .map_err(unavailable)?;
            count += changed;
        }
        let flows: Vec<String> = on_connection!(self, conn => {
            sqlx::query_scalar("SELECT id FROM ovo_flows WHERE key_id <> $1")
                .bind(&sealing)
                .fetch_all(conn)
                .await
        })
        .map_err(unavailable)?;
        for id in flows {
            if let Some(flow) = self.get_flow(&id).await? {
                match self.put_flow(&flow).await {
                    Ok(_) => count += 1,
                    Err(StoreError::Conflict) => {} // rewritten meanwhile, under the new key
                    Err(e) => return Err(e),
                }
            }
        }
        let b2b: Vec<String> = on_connection!(self, conn => {
            sqlx::query_scalar("DELETE FROM ovo_b2b_tokens WHERE key_id <> $1 RETURNING client_id")
                .bind(&sealing)
                .fetch_all(conn)
                .await
        })
        .map_err(unavailable)?;
        // B2B tokens live 15 minutes: dropping one costs one fetch.
        count += b2b.len() as u64;
        Ok(count)
    }

    pub(crate) async fn get_tokens(
        &self,
        customer: &str,
    ) -> Result<Option<CustomerTokens>, StoreError> {
        const SQL: &str = "SELECT key_id, sealed FROM ovo_customer_tokens WHERE customer = $1";
        let row: Option<(String, Vec<u8>)> = on_connection!(self, conn => {
            sqlx::query_as(SQL).bind(customer).fetch_optional(conn).await
        })
        .map_err(unavailable)?;
        let Some((key_id, sealed)) = row else {
            return Ok(None);
        };
        let context = token_context(customer);
        let plain = self.inner.key.open(&context, &key_id, &sealed)?;
        serde_json::from_slice(&plain)
            .map(Some)
            .map_err(|_| StoreError::Corrupt(format!("{context} are not valid tokens")))
    }

    pub(crate) async fn put_tokens(
        &self,
        customer: &str,
        tokens: &CustomerTokens,
    ) -> Result<(), StoreError> {
        const SQL: &str = "INSERT INTO ovo_customer_tokens (customer, key_id, sealed, revision) \
             VALUES ($1, $2, $3, 1) ON CONFLICT (customer) DO UPDATE SET \
             key_id = excluded.key_id, sealed = excluded.sealed, \
             revision = ovo_customer_tokens.revision + 1";
        let plain = zeroize::Zeroizing::new(
            serde_json::to_vec(tokens)
                .map_err(|e| StoreError::Unavailable(format!("encoding tokens: {e}")))?,
        );
        let (key_id, sealed) = self.inner.key.seal(&token_context(customer), &plain)?;
        on_connection!(self, conn => {
            sqlx::query(SQL)
                .bind(customer)
                .bind(&key_id)
                .bind(&sealed)
                .execute(conn)
                .await
                .map(|_| ())
        })
        .map_err(unavailable)
    }

    async fn remove_tokens(&self, customer: &str) -> Result<(), StoreError> {
        on_connection!(self, conn => {
            sqlx::query("DELETE FROM ovo_customer_tokens WHERE customer = $1")
                .bind(customer)
                .execute(conn)
                .await
                .map(|_| ())
        })
        .map_err(unavailable)
    }

    fn decode_flow(&self, row: FlowRow) -> Result<StoredFlow, StoreError> {
        let context = flow_context(&row.id);
        let kind = FlowKind::from_name(&row.kind).ok_or_else(|| {
            StoreError::Corrupt(format!("flow {:?} has kind {:?}", row.id, row.kind))
        })?;
        let plain = self.inner.key.open(&context, &row.key_id, &row.secrets)?;
        let secrets: FlowSecrets = serde_json::from_slice(&plain)
            .map_err(|_| StoreError::Corrupt(format!("{context} are not valid secrets")))?;
        let wake_at = row
            .wake_at
            .map(|t| from_nanos(&format!("flow {:?}", row.id), t))
            .transpose()?;
        let revision = revision(&format!("flow {:?}", row.id), row.revision)?;
        let mut flow = StoredFlow::new(row.id, kind, row.customer);
        flow.state = row.state;
        flow.secrets = secrets;
        flow.settled = row.settled;
        flow.wake_at = wake_at;
        flow.revision = revision;
        Ok(flow)
    }

    pub(crate) async fn get_flow(&self, id: &str) -> Result<Option<StoredFlow>, StoreError> {
        let sql = format!("SELECT {FLOW_COLUMNS} FROM ovo_flows WHERE id = $1");
        let row = on_connection!(self, conn => {
            match sqlx::query(&sql).bind(id).fetch_optional(conn).await {
                Ok(Some(row)) => flow_row!(row).map(Some),
                Ok(None) => Ok(None),
                Err(e) => Err(e),
            }
        })
        .map_err(unavailable)?;
        row.map(|r| self.decode_flow(r)).transpose()
    }

    pub(crate) async fn put_flow(&self, flow: &StoredFlow) -> Result<u64, StoreError> {
        const INSERT: &str = "INSERT INTO ovo_flows \
             (id, kind, customer, state, key_id, secrets, settled, wake_at, revision) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1) ON CONFLICT (id) DO NOTHING";
        const UPDATE: &str = "UPDATE ovo_flows SET kind = $2, customer = $3, state = $4, \
             key_id = $5, secrets = $6, settled = $7, wake_at = $8, revision = revision + 1 \
             WHERE id = $1 AND revision = $9";
        let plain = zeroize::Zeroizing::new(
            serde_json::to_vec(&flow.secrets)
                .map_err(|e| StoreError::Unavailable(format!("encoding secrets: {e}")))?,
        );
        let (key_id, sealed) = self.inner.key.seal(&flow_context(&flow.id), &plain)?;
        let wake_at = flow.wake_at.map(nanos).transpose()?;
        let current = stored_revision(flow.revision)?;
        let sql = if flow.revision == 0 { INSERT } else { UPDATE };
        let changed = on_connection!(self, conn => {
            let mut query = sqlx::query(sql)
                .bind(&flow.id)
                .bind(flow.kind.as_str())
                .bind(flow.customer.as_deref())
                .bind(&flow.state)
                .bind(&key_id)
                .bind(&sealed)
                .bind(flow.settled)
                .bind(wake_at);
            if flow.revision != 0 {
                query = query.bind(current);
            }
            query.execute(conn).await.map(|r| r.rows_affected())
        })
        .map_err(unavailable)?;
        if changed == 1 {
            Ok(flow.revision + 1)
        } else {
            Err(StoreError::Conflict)
        }
    }

    async fn unsettled_flows(&self) -> Result<Vec<StoredFlow>, StoreError> {
        let sql = format!("SELECT {FLOW_COLUMNS} FROM ovo_flows WHERE NOT settled ORDER BY id");
        let rows = on_connection!(self, conn => {
            match sqlx::query(&sql).fetch_all(conn).await {
                Ok(rows) => rows.into_iter().map(|row| flow_row!(row)).collect::<Result<Vec<_>, _>>(),
                Err(e) => Err(e),
            }
        })
        .map_err(unavailable)?;
        rows.into_iter().map(|r| self.decode_flow(r)).collect()
    }

    async fn claim_id(
        &self,
        id: &str,
        now: OffsetDateTime,
        ttl: Duration,
    ) -> Result<Claim, StoreError> {
        const CLAIM: &str = "INSERT INTO ovo_dedup (id, done, until) VALUES ($1, FALSE, $2) \
             ON CONFLICT (id) DO UPDATE SET done = FALSE, until = excluded.until \
             WHERE ovo_dedup.until <= $3";
        const STATE: &str = "SELECT done FROM ovo_dedup WHERE id = $1";
        let at = nanos(now)?;
        let until = nanos(ovo_flows::later(now, ttl))?;
        self.purge_dedup(now).await?;
        for _ in 0..3 {
            let claimed = on_connection!(self, conn => {
                sqlx::query(CLAIM)
                    .bind(id)
                    .bind(until)
                    .bind(at)
                    .execute(conn)
                    .await
                    .map(|r| r.rows_affected())
            })
            .map_err(unavailable)?;
            if claimed == 1 {
                return Ok(Claim::Claimed);
            }
            let done: Option<bool> = on_connection!(self, conn => {
                sqlx::query_scalar(STATE).bind(id).fetch_optional(conn).await
            })
            .map_err(unavailable)?;
            match done {
                Some(true) => return Ok(Claim::Done),
                Some(false) => return Ok(Claim::InProgress),
                None => {} // released between the two statements: claim again
            }
        }
        Ok(Claim::InProgress)
    }

    /// Deletes expired notification ids, at most once a minute per store.
    async fn purge_dedup(&self, now: OffsetDateTime) -> Result<(), StoreError> {
        let second = now.unix_timestamp();
        let last = self.inner.last_purge.load(Ordering::Relaxed);
        if second - last < 60
            || self
                .inner
                .last_purge
                .compare_exchange(last, second, Ordering::Relaxed, Ordering::Relaxed)
                .is_err()
        {
            return Ok(());
        }
        let at = nanos(now)?;
        on_connection!(self, conn => {
            sqlx::query("DELETE FROM ovo_dedup WHERE until <= $1")
                .bind(at)
                .execute(conn)
                .await
                .map(|_| ())
        })
        .map_err(unavailable)
    }

    async fn commit_id(&self, id: &str, now: OffsetDateTime) -> Result<(), StoreError> {
        const SQL: &str = "INSERT INTO ovo_dedup (id, done, until) VALUES ($1, TRUE, $2) \
             ON CONFLICT (id) DO UPDATE SET done = TRUE, until = excluded.until";
        let until = nanos(ovo_flows::later(now, self.inner.keep_handled))?;
        on_connection!(self, conn => {
            sqlx::query(SQL)
                .bind(id)
                .bind(until)
                .execute(conn)
                .await
                .map(|_| ())
        })
        .map_err(unavailable)
    }

    async fn release_id(&self, id: &str) -> Result<(), StoreError> {
        on_connection!(self, conn => {
            sqlx::query("DELETE FROM ovo_dedup WHERE id = $1 AND NOT done")
                .bind(id)
                .execute(conn)
                .await
                .map(|_| ())
        })
        .map_err(unavailable)
    }
}

impl TokenStore for SqlStore {
    fn get<'a>(
        &'a self,
        customer: &'a str,
    ) -> BoxFuture<'a, Result<Option<CustomerTokens>, StoreError>> {
        Box::pin(self.get_tokens(customer))
    }

    fn put<'a>(
        &'a self,
        customer: &'a str,
        tokens: &'a CustomerTokens,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(self.put_tokens(customer, tokens))
    }

    fn remove<'a>(&'a self, customer: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(self.remove_tokens(customer))
    }
}

impl FlowStore for SqlStore {
    fn get<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<StoredFlow>, StoreError>> {
        Box::pin(self.get_flow(id))
    }

    fn put<'a>(&'a self, flow: &'a StoredFlow) -> BoxFuture<'a, Result<u64, StoreError>> {
        Box::pin(self.put_flow(flow))
    }

    fn unsettled(&self) -> BoxFuture<'_, Result<Vec<StoredFlow>, StoreError>> {
        Box::pin(self.unsettled_flows())
    }
}

impl DedupStore for SqlStore {
    fn claim<'a>(
        &'a self,
        id: &'a str,
        now: OffsetDateTime,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<Claim, StoreError>> {
        Box::pin(self.claim_id(id, now, ttl))
    }

    fn commit<'a>(
        &'a self,
        id: &'a str,
        now: OffsetDateTime,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(self.commit_id(id, now))
    }

    fn release<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(self.release_id(id))
    }
}

const SUPPORTED: &str = match (cfg!(feature = "sqlite"), cfg!(feature = "postgres")) {
    (true, true) => "sqlite, postgres",
    (true, false) => "sqlite (build with the `postgres` feature for PostgreSQL)",
    _ => "postgres (build with the `sqlite` feature for SQLite)",
};

/// The pool's size: the store's statements keep up to `max_connections` connections out of it
/// between statements ([`Connections`]), so it has as many again for the merchant's own queries
/// ([`SqlStore::sqlite_pool`], [`SqlStore::pg_pool`]), which are never starved by the store's.
fn pool_size(max_connections: u32) -> u32 {
    max_connections.max(1).saturating_mul(2)
}

/// The pool's check before it hands out a connection: a ping, only for a connection idle longer
/// than `after` (see [`StoreOptions::ping_when_idle_for`]). A failed ping discards the
/// connection and the pool opens another.
fn ping_when_idle<C: sqlx::Connection>(
    after: Option<Duration>,
) -> impl for<'c> Fn(
    &'c mut C,
    sqlx::pool::PoolConnectionMetadata,
) -> BoxFuture<'c, Result<bool, sqlx::Error>>
+ Send
+ Sync
+ 'static {
    move |connection, metadata| {
        Box::pin(async move {
            if after.is_some_and(|after| metadata.idle_for >= after) {
                connection.ping().await?;
            }
            Ok(true)
        })
    }
}

#[cfg(feature = "sqlite")]
async fn connect_sqlite(url: &str, options: &StoreOptions) -> Result<Pool, Error> {
    use std::str::FromStr as _;

    use sqlx::sqlite::{
        SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
    };

    let connect = SqliteConnectOptions::from_str(url)
        .map_err(|e| Error::BadUrl(one_line(&e)))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(10))
        .foreign_keys(true);
    let memory = url.contains(":memory:") || url.contains("mode=memory");
    let store_connections = if memory { 1 } else { options.max_connections };
    let mut pool = SqlitePoolOptions::new()
        .max_connections(if memory {
            1
        } else {
            pool_size(options.max_connections)
        })
        .acquire_timeout(options.acquire_timeout)
        .test_before_acquire(false)
        .before_acquire(ping_when_idle(options.ping_when_idle_for));
    if memory {
        // The in-memory database lives as long as its one connection.
        pool = pool
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None);
    }
    let path = connect.get_filename().to_path_buf();
    let pool = pool
        .connect_with(connect)
        .await
        .map_err(|e| Error::Connect(one_line(&e)))?;
    if !memory {
        restrict_permissions(&path);
    }
    Ok(Pool::Sqlite(Connections::new(
        pool,
        store_connections,
        options.acquire_timeout,
        options.ping_when_idle_for,
        !memory,
    )))
}

#[cfg(not(feature = "sqlite"))]
async fn connect_sqlite(_: &str, _: &StoreOptions) -> Result<Pool, Error> {
    Err(Error::UnsupportedUrl {
        supported: SUPPORTED,
    })
}

/// The database file holds sealed tokens, but its other contents (customer ids, flow states) are
/// the merchant's business: readable by the owner only.
#[cfg(feature = "sqlite")]
fn restrict_permissions(path: &std::path::Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        for suffix in ["", "-wal", "-shm"] {
            let mut file = path.as_os_str().to_owned();
            file.push(suffix);
            // Best effort: a file we cannot chmod (not ours) keeps its mode.
            let _ = std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600));
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

#[cfg(feature = "postgres")]
async fn connect_postgres(url: &str, options: &StoreOptions) -> Result<Pool, Error> {
    use std::str::FromStr as _;

    use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

    let connect = PgConnectOptions::from_str(url).map_err(|e| Error::BadUrl(one_line(&e)))?;
    let pool = PgPoolOptions::new()
        .max_connections(pool_size(options.max_connections))
        .acquire_timeout(options.acquire_timeout)
        .test_before_acquire(false)
        .before_acquire(ping_when_idle(options.ping_when_idle_for))
        .connect_with(connect)
        .await
        .map_err(|e| Error::Connect(one_line(&e)))?;
    Ok(Pool::Postgres(Connections::new(
        pool,
        options.max_connections,
        options.acquire_timeout,
        options.ping_when_idle_for,
        true,
    )))
}

#[cfg(not(feature = "postgres"))]
async fn connect_postgres(_: &str, _: &StoreOptions) -> Result<Pool, Error> {
    Err(Error::UnsupportedUrl {
        supported: SUPPORTED,
    })
}
