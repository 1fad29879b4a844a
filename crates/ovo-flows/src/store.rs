//! Where a driver keeps what must outlive a request: customers' tokens, pending flows, and the
//! ids of notifications already handled. The traits are async and fallible, so a database can back
//! them (`ovo-store`: SQLite and PostgreSQL); the in-memory stores here serve tests and one-process
//! programs. The traits use boxed futures so they can be used as `dyn` objects.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use ovo_model::Secret;
use time::OffsetDateTime;

use crate::flow::{FlowKind, FlowSecrets};
use crate::tokens::{CustomerTokens, Expiring};

/// A boxed, sendable future: what the store traits return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Why a store could not do what it was asked. Never carries a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The store cannot be reached or refused the operation (connection, permission, disk).
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// Another writer changed the record since it was read: reload and decide again.
    #[error("the record was changed by another writer")]
    Conflict,
    /// A stored record cannot be read (corrupt, or sealed under a key this process lacks).
    #[error("stored record cannot be read: {0}")]
    Corrupt(String),
}

/// Customers' tokens. OVO asks partners to keep every customer token \[S\]; a binding is removed
/// only when it is gone.
pub trait TokenStore: Send + Sync + fmt::Debug {
    /// The tokens of `customer`, if bound.
    fn get<'a>(
        &'a self,
        customer: &'a str,
    ) -> BoxFuture<'a, Result<Option<CustomerTokens>, StoreError>>;
    /// Stores (or replaces) the tokens of `customer`.
    fn put<'a>(
        &'a self,
        customer: &'a str,
        tokens: &'a CustomerTokens,
    ) -> BoxFuture<'a, Result<(), StoreError>>;
    /// Forgets `customer`'s tokens: unbound, or the binding is gone.
    fn remove<'a>(&'a self, customer: &'a str) -> BoxFuture<'a, Result<(), StoreError>>;
}

/// A flow as stored: its kind, its state (JSON, no secret), its secrets (to be sealed), and a
/// revision that grows with every write, so two instances never both advance one flow.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoredFlow {
    /// The flow's id, chosen by the caller: the key the store reads and writes it under.
    pub id: String,
    /// Which flow the state is, so a resuming driver knows what to deserialize it as.
    pub kind: FlowKind,
    /// The customer it runs for, if any.
    pub customer: Option<String>,
    /// The flow's state as [`crate::to_state`] writes it: JSON without secrets, safe to store
    /// unsealed.
    pub state: String,
    /// The secrets the state leaves out.
    pub secrets: FlowSecrets,
    /// Whether the flow has a final outcome (settled flows are kept, so a second callback is
    /// told the flow is finished).
    pub settled: bool,
    /// When the flow wants to be woken (its webview deadline or next inquiry), if it waits.
    pub wake_at: Option<OffsetDateTime>,
    /// The revision this record was read at (0: never written).
    pub revision: u64,
}

impl StoredFlow {
    /// A record of a new flow, not yet written.
    pub fn new(id: impl Into<String>, kind: FlowKind, customer: Option<String>) -> Self {
        Self {
            id: id.into(),
            kind,
            customer,
            state: String::new(),
            secrets: FlowSecrets::default(),
            settled: false,
            wake_at: None,
            revision: 0,
        }
    }
}

impl fmt::Debug for StoredFlow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredFlow")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("customer", &self.customer)
            .field("settled", &self.settled)
            .field("revision", &self.revision)
            .field("secrets", &self.secrets)
            .finish_non_exhaustive()
    }
}

/// Pending and finished flows by id.
pub trait FlowStore: Send + Sync + fmt::Debug {
    /// The flow `id`, if stored.
    fn get<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<StoredFlow>, StoreError>>;
    /// Writes `flow` if the stored revision is still `flow.revision` (0: it must not exist yet),
    /// and returns the new revision; else [`StoreError::Conflict`].
    fn put<'a>(&'a self, flow: &'a StoredFlow) -> BoxFuture<'a, Result<u64, StoreError>>;
    /// Every flow not yet settled (for reconciliation after a crash).
    fn unsettled(&self) -> BoxFuture<'_, Result<Vec<StoredFlow>, StoreError>>;
}

/// What a claim on a notification id found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// First seen (or an earlier claim expired): handle it, then [`DedupStore::commit`].
    Claimed,
    /// Being handled by another delivery right now: answer so the provider retries later.
    InProgress,
    /// Handled already: acknowledge it, do nothing.
    Done,
}

/// The ids of notifications being handled and handled: verify → claim → handle → commit. A claim
/// expires, so a handler that crashed does not block the provider's retry forever.
pub trait DedupStore: Send + Sync + fmt::Debug {
    /// Claims `id` at `now` for `ttl`.
    fn claim<'a>(
        &'a self,
        id: &'a str,
        now: OffsetDateTime,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<Claim, StoreError>>;
    /// Marks `id` handled at `now`.
    fn commit<'a>(
        &'a self,
        id: &'a str,
        now: OffsetDateTime,
    ) -> BoxFuture<'a, Result<(), StoreError>>;
    /// Gives up a claim (the handler failed): the provider's retry will be handled.
    fn release<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), StoreError>>;
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn ready<'a, T: Send + 'a>(value: T) -> BoxFuture<'a, T> {
    Box::pin(std::future::ready(value))
}

/// An in-memory [`TokenStore`]: for tests and one-process programs (tokens are lost on exit).
#[derive(Debug, Default)]
pub struct MemoryTokenStore {
    tokens: Mutex<HashMap<String, CustomerTokens>>,
}

impl TokenStore for MemoryTokenStore {
    fn get<'a>(
        &'a self,
        customer: &'a str,
    ) -> BoxFuture<'a, Result<Option<CustomerTokens>, StoreError>> {
        ready(Ok(lock(&self.tokens).get(customer).cloned()))
    }

    fn put<'a>(
        &'a self,
        customer: &'a str,
        tokens: &'a CustomerTokens,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        lock(&self.tokens).insert(customer.to_owned(), tokens.clone());
        ready(Ok(()))
    }

    fn remove<'a>(&'a self, customer: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        lock(&self.tokens).remove(customer);
        ready(Ok(()))
    }
}

/// An in-memory [`FlowStore`]. A write against a stale revision is a conflict.
///
/// ```
/// use std::future::Future;
/// use std::task::{Context, Poll, Waker};
/// use ovo_flows::{FlowKind, FlowStore, MemoryFlowStore, StoreError, StoredFlow};
///
/// // The memory store's futures are ready at once.
/// fn now<T>(future: ovo_flows::BoxFuture<'_, T>) -> T {
///     match std::pin::pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
///         Poll::Ready(value) => value,
///         Poll::Pending => unreachable!(),
///     }
/// }
/// let store = MemoryFlowStore::default();
/// let mut flow = StoredFlow::new("f1", FlowKind::Debit, None);
/// flow.revision = now(store.put(&flow))?;
/// assert_eq!(flow.revision, 1);
/// let mut stale = flow.clone();
/// stale.revision = 0;
/// assert_eq!(now(store.put(&stale)), Err(StoreError::Conflict));
/// # Ok::<(), StoreError>(())
/// ```
#[derive(Debug, Default)]
pub struct MemoryFlowStore {
    flows: Mutex<HashMap<String, StoredFlow>>,
}

impl FlowStore for MemoryFlowStore {
    fn get<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<StoredFlow>, StoreError>> {
        ready(Ok(lock(&self.flows).get(id).cloned()))
    }

    fn put<'a>(&'a self, flow: &'a StoredFlow) -> BoxFuture<'a, Result<u64, StoreError>> {
        let mut flows = lock(&self.flows);
        let current = flows.get(&flow.id).map_or(0, |f| f.revision);
        if current != flow.revision {
            return ready(Err(StoreError::Conflict));
        }
        let mut stored = flow.clone();
        stored.revision = current + 1;
        flows.insert(flow.id.clone(), stored);
        ready(Ok(current + 1))
    }

    fn unsettled(&self) -> BoxFuture<'_, Result<Vec<StoredFlow>, StoreError>> {
        let flows = lock(&self.flows);
        ready(Ok(flows.values().filter(|f| !f.settled).cloned().collect()))
    }
}

#[derive(Debug, Clone, Copy)]
enum DedupEntry {
    Claimed { until: OffsetDateTime },
    Done { at: OffsetDateTime },
}

/// An in-memory [`DedupStore`] that forgets handled ids after `keep` (a day by default: DOKU and
/// OVO retry within hours).
#[derive(Debug)]
pub struct MemoryDedup {
    keep: Duration,
    entries: Mutex<HashMap<String, DedupEntry>>,
}

impl Default for MemoryDedup {
    fn default() -> Self {
        Self::keeping(Duration::from_secs(24 * 3600))
    }
}

impl MemoryDedup {
    /// A store that keeps handled ids for `keep`.
    pub fn keeping(keep: Duration) -> Self {
        Self {
            keep,
            entries: Mutex::new(HashMap::new()),
        }
    }
}

impl DedupStore for MemoryDedup {
    fn claim<'a>(
        &'a self,
        id: &'a str,
        now: OffsetDateTime,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<Claim, StoreError>> {
        let mut entries = lock(&self.entries);
        let keep = self.keep;
        entries.retain(|_, e| match e {
            DedupEntry::Claimed { until } => *until > now,
            DedupEntry::Done { at } => crate::tokens::later(*at, keep) > now,
        });
        let claim = match entries.get(id) {
            Some(DedupEntry::Done { .. }) => Claim::Done,
            Some(DedupEntry::Claimed { .. }) => Claim::InProgress,
            None => {
                entries.insert(
                    id.to_owned(),
                    DedupEntry::Claimed {
                        until: crate::tokens::later(now, ttl),
                    },
                );
                Claim::Claimed
            }
        };
        ready(Ok(claim))
    }

    fn commit<'a>(
        &'a self,
        id: &'a str,
        now: OffsetDateTime,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        lock(&self.entries).insert(id.to_owned(), DedupEntry::Done { at: now });
        ready(Ok(()))
    }

    fn release<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        let mut entries = lock(&self.entries);
        if let Some(DedupEntry::Claimed { .. }) = entries.get(id) {
            entries.remove(id);
        }
        ready(Ok(()))
    }
}

/// A lease taken through [`SharedTokens::lease`]: until [`SharedLease::until`], no other holder
/// of the same name. Give it back with [`SharedTokens::release`]; a lease never released (its
/// holder crashed) ends by itself at `until`.
#[derive(Clone, PartialEq, Eq)]
pub struct SharedLease {
    name: String,
    owner: String,
    until: OffsetDateTime,
}

impl SharedLease {
    /// A lease named `name`, held by `owner` (an id unique to this holder) until `until`. For
    /// implementations of [`SharedTokens`].
    ///
    /// ```
    /// let until = time::OffsetDateTime::now_utc();
    /// let lease = ovo_flows::SharedLease::new("b2b:client", "owner-1", until);
    /// assert_eq!((lease.name(), lease.owner(), lease.until()), ("b2b:client", "owner-1", until));
    /// ```
    pub fn new(name: impl Into<String>, owner: impl Into<String>, until: OffsetDateTime) -> Self {
        Self {
            name: name.into(),
            owner: owner.into(),
            until,
        }
    }

    /// The lease's name.
    ///
    /// ```
    /// let lease = ovo_flows::SharedLease::new("refresh:alice", "o", time::OffsetDateTime::UNIX_EPOCH);
    /// assert_eq!(lease.name(), "refresh:alice");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Who holds it.
    ///
    /// ```
    /// let lease = ovo_flows::SharedLease::new("n", "owner-9", time::OffsetDateTime::UNIX_EPOCH);
    /// assert_eq!(lease.owner(), "owner-9");
    /// ```
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// When it ends if not released.
    ///
    /// ```
    /// let lease = ovo_flows::SharedLease::new("n", "o", time::OffsetDateTime::UNIX_EPOCH);
    /// assert_eq!(lease.until(), time::OffsetDateTime::UNIX_EPOCH);
    /// ```
    pub fn until(&self) -> OffsetDateTime {
        self.until
    }
}

impl fmt::Debug for SharedLease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedLease")
            .field("name", &self.name)
            .field("until", &self.until)
            .finish_non_exhaustive()
    }
}

/// What several instances of one deployment share so that the partner's B2B token is fetched
/// once for all of them and a customer's refresh token is spent once: the B2B token by client id
/// (sealed at rest by `ovo-store`), and leases that decide who fetches or refreshes. Give one to
/// `OvoClientBuilder::shared_tokens`; `ovo-store`'s `SqlStore` implements it.
///
/// ```
/// use std::time::Duration;
/// use ovo_flows::{MemorySharedTokens, SharedTokens};
/// use ovo_model::Secret;
///
/// # fn now<T>(future: ovo_flows::BoxFuture<'_, T>) -> T {
/// #     use std::future::Future;
/// #     use std::task::{Context, Poll, Waker};
/// #     match std::pin::pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
/// #         Poll::Ready(value) => value,
/// #         Poll::Pending => unreachable!(),
/// #     }
/// # }
/// let shared = MemorySharedTokens::default();
/// let at = time::OffsetDateTime::now_utc();
/// let lease = now(shared.lease("b2b:client", at, Duration::from_secs(10)))?.ok_or("free")?;
/// assert!(now(shared.lease("b2b:client", at, Duration::from_secs(10)))?.is_none(), "held");
/// let until = at + Duration::from_secs(840);
/// let token = now(shared.put_b2b_token("client", &Secret::new("t"), until))?;
/// now(shared.release(lease))?;
/// assert_eq!(now(shared.b2b_token("client", at))?, Some(token.clone()));
/// now(shared.invalidate_b2b_token("client", token.generation))?;
/// assert_eq!(now(shared.b2b_token("client", at))?, None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait SharedTokens: Send + Sync + fmt::Debug {
    /// The B2B token of `client_id`, if one is usable at `now`.
    fn b2b_token<'a>(
        &'a self,
        client_id: &'a str,
        now: OffsetDateTime,
    ) -> BoxFuture<'a, Result<Option<Expiring>, StoreError>>;
    /// Stores a new B2B token of `client_id`, usable until `usable_until`; returns it with its
    /// generation (one more than the token it replaces).
    fn put_b2b_token<'a>(
        &'a self,
        client_id: &'a str,
        token: &'a Secret,
        usable_until: OffsetDateTime,
    ) -> BoxFuture<'a, Result<Expiring, StoreError>>;
    /// Forgets the B2B token of `generation` (the provider refused it); a newer one is kept.
    fn invalidate_b2b_token<'a>(
        &'a self,
        client_id: &'a str,
        generation: u64,
    ) -> BoxFuture<'a, Result<(), StoreError>>;
    /// Takes the lease `name` for `ttl` from `now`, unless another holder has it: `None` then.
    fn lease<'a>(
        &'a self,
        name: &'a str,
        now: OffsetDateTime,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<Option<SharedLease>, StoreError>>;
    /// Releases `lease` (if another holder took it after it ended, theirs is kept).
    fn release(&self, lease: SharedLease) -> BoxFuture<'_, Result<(), StoreError>>;
}

/// In-memory [`SharedTokens`]: for tests, and for several clients in one process.
#[derive(Debug, Default)]
pub struct MemorySharedTokens {
    b2b: Mutex<HashMap<String, (Option<Expiring>, u64)>>,
    leases: Mutex<HashMap<String, (String, OffsetDateTime)>>,
    owners: AtomicU64,
}

impl SharedTokens for MemorySharedTokens {
    fn b2b_token<'a>(
        &'a self,
        client_id: &'a str,
        now: OffsetDateTime,
    ) -> BoxFuture<'a, Result<Option<Expiring>, StoreError>> {
        let tokens = lock(&self.b2b);
        let token = tokens
            .get(client_id)
            .and_then(|(token, _)| token.as_ref())
            .filter(|token| now < token.usable_until)
            .cloned();
        ready(Ok(token))
    }

    fn put_b2b_token<'a>(
        &'a self,
        client_id: &'a str,
        token: &'a Secret,
        usable_until: OffsetDateTime,
    ) -> BoxFuture<'a, Result<Expiring, StoreError>> {
        let mut tokens = lock(&self.b2b);
        let entry = tokens.entry(client_id.to_owned()).or_insert((None, 0));
        entry.1 += 1;
        let stored = Expiring {
            token: token.clone(),
            usable_until,
            generation: entry.1,
        };
        entry.0 = Some(stored.clone());
        ready(Ok(stored))
    }

    fn invalidate_b2b_token<'a>(
        &'a self,
        client_id: &'a str,
        generation: u64,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        let mut tokens = lock(&self.b2b);
        if let Some((token, _)) = tokens.get_mut(client_id)
            && token.as_ref().is_some_and(|t| t.generation == generation)
        {
            *token = None;
        }
        ready(Ok(()))
    }

    fn lease<'a>(
        &'a self,
        name: &'a str,
        now: OffsetDateTime,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<Option<SharedLease>, StoreError>> {
        let mut leases = lock(&self.leases);
        if leases.get(name).is_some_and(|(_, until)| *until > now) {
            return ready(Ok(None));
        }
        let owner = self.owners.fetch_add(1, Ordering::Relaxed).to_string();
        let until = crate::tokens::later(now, ttl);
        leases.insert(name.to_owned(), (owner.clone(), until));
        ready(Ok(Some(SharedLease::new(name, owner, until))))
    }

    fn release(&self, lease: SharedLease) -> BoxFuture<'_, Result<(), StoreError>> {
        let mut leases = lock(&self.leases);
        if leases
            .get(&lease.name)
            .is_some_and(|(owner, _)| *owner == lease.owner)
        {
            leases.remove(&lease.name);
        }
        ready(Ok(()))
    }
}
