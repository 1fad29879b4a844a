//! What several instances share beyond the three store traits: leases (crash-safe locks with an
//! end), the partner's B2B token, and single-flight refresh of a customer's tokens.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use ovo_flows::{BoxFuture, CustomerTokens, Expiring, SharedLease, SharedTokens, StoreError};
use ovo_model::Secret;
use ring::rand::{SecureRandom, SystemRandom};
use time::OffsetDateTime;

use crate::store::{SqlStore, from_nanos, nanos, on_connection, revision, unavailable};

/// How often a waiting instance looks again while another holds the lease.
const POLL: Duration = Duration::from_millis(20);

/// A lease held by this process: until [`Lease::until`], no other holder of the same name.
/// Release it with [`SqlStore::release`]; a lease never released (a crash) ends at `until`.
#[derive(Clone, PartialEq, Eq)]
pub struct Lease {
    name: String,
    owner: String,
    until: OffsetDateTime,
}

impl fmt::Debug for Lease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lease")
            .field("name", &self.name)
            .field("until", &self.until)
            .finish_non_exhaustive()
    }
}

impl Lease {
    /// The lease's name.
    ///
    /// ```
    /// # async fn f(store: ovo_store::SqlStore) -> Result<(), ovo_flows::StoreError> {
    /// let now = time::OffsetDateTime::now_utc();
    /// if let Some(lease) = store.lease("nightly-report", now, std::time::Duration::from_secs(60)).await? {
    ///     assert_eq!(lease.name(), "nightly-report");
    /// }
    /// # Ok(()) }
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// When the lease ends if not released.
    ///
    /// ```
    /// # async fn f(store: ovo_store::SqlStore) -> Result<(), ovo_flows::StoreError> {
    /// let now = time::OffsetDateTime::now_utc();
    /// if let Some(lease) = store.lease("job", now, std::time::Duration::from_secs(60)).await? {
    ///     assert!(lease.until() > now);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn until(&self) -> OffsetDateTime {
        self.until
    }
}

/// Why a shared fetch or refresh failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SharedError<E> {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// This instance fetched (or refreshed) and the provider's call failed.
    #[error("fetch failed: {0}")]
    Fetch(E),
    /// Another instance held the lease and stored nothing before `wait` ran out.
    #[error("another instance is fetching and did not finish in time")]
    TimedOut,
    /// The customer has no stored tokens.
    #[error("the customer is not bound")]
    NotBound,
}

fn owner_id() -> Result<String, StoreError> {
    let mut bytes = [0u8; 16];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| StoreError::Unavailable("the random number generator failed".into()))?;
    Ok(hex::encode(bytes))
}

fn b2b_context(client_id: &str) -> String {
    format!("B2B token of client {client_id:?}")
}

impl SqlStore {
    /// Takes the lease `name` for `ttl` from `now`, unless another holder has it: `None` then.
    /// Works across processes and machines (one row per lease, taken with one conditional
    /// upsert).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use std::time::Duration;
    /// let key = ovo_store::StoreKey::parse(&ovo_store::StoreKey::generate()?)?;
    /// let store = ovo_store::SqlStore::connect("sqlite::memory:", key).await?;
    /// let now = time::OffsetDateTime::now_utc();
    /// let lease = store.lease("job", now, Duration::from_secs(10)).await?.ok_or("free")?;
    /// assert!(store.lease("job", now, Duration::from_secs(10)).await?.is_none());
    /// // A lease not released ends by itself.
    /// let later = now + Duration::from_secs(10);
    /// assert!(store.lease("job", later, Duration::from_secs(10)).await?.is_some());
    /// store.release(lease).await?; // no longer ours: nothing happens
    /// # Ok(()) }
    /// ```
    pub async fn lease(
        &self,
        name: &str,
        now: OffsetDateTime,
        ttl: Duration,
    ) -> Result<Option<Lease>, StoreError> {
        const SQL: &str = "INSERT INTO ovo_leases (name, owner, until) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, until = excluded.until \
             WHERE ovo_leases.until <= $4";
        let owner = owner_id()?;
        let until = ovo_flows::later(now, ttl);
        let (until_nanos, now_nanos) = (nanos(until)?, nanos(now)?);
        let taken = on_connection!(self, conn => {
            sqlx::query(SQL)
                .bind(name)
                .bind(&owner)
                .bind(until_nanos)
                .bind(now_nanos)
                .execute(conn)
                .await
                .map(|r| r.rows_affected())
        })
        .map_err(unavailable)?;
        Ok((taken == 1).then(|| Lease {
            name: name.to_owned(),
            owner,
            until,
        }))
    }

    /// Releases `lease` (if another holder took it after it ended, theirs is kept).
    ///
    /// ```
    /// # async fn f(store: ovo_store::SqlStore, lease: ovo_store::Lease) -> Result<(), ovo_flows::StoreError> {
    /// store.release(lease).await?;
    /// # Ok(()) }
    /// ```
    pub async fn release(&self, lease: Lease) -> Result<(), StoreError> {
        on_connection!(self, conn => {
            sqlx::query("DELETE FROM ovo_leases WHERE name = $1 AND owner = $2")
                .bind(&lease.name)
                .bind(&lease.owner)
                .execute(conn)
                .await
                .map(|_| ())
        })
        .map_err(unavailable)
    }

    /// The shared B2B token of `client_id`, if one is usable at `now`.
    ///
    /// ```
    /// # async fn f(store: ovo_store::SqlStore) -> Result<(), ovo_flows::StoreError> {
    /// let now = time::OffsetDateTime::now_utc();
    /// if let Some(token) = store.b2b_token("client", now).await? {
    ///     assert!(token.usable_until > now);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn b2b_token(
        &self,
        client_id: &str,
        now: OffsetDateTime,
    ) -> Result<Option<Expiring>, StoreError> {
        const SQL: &str = "SELECT key_id, sealed, usable_until, generation FROM ovo_b2b_tokens \
             WHERE client_id = $1 AND usable_until > $2";
        let at = nanos(now)?;
        let row: Option<(String, Vec<u8>, i64, i64)> = on_connection!(self, conn => {
            sqlx::query_as(SQL).bind(client_id).bind(at).fetch_optional(conn).await
        })
        .map_err(unavailable)?;
        let Some((key_id, sealed, usable_until, generation)) = row else {
            return Ok(None);
        };
        let context = b2b_context(client_id);
        let plain = self.inner.key.open(&context, &key_id, &sealed)?;
        let token = std::str::from_utf8(&plain)
            .map_err(|_| StoreError::Corrupt(format!("{context} is not text")))?;
        Ok(Some(Expiring {
            token: Secret::new(token),
            usable_until: from_nanos(&context, usable_until)?,
            generation: revision(&context, generation)?,
        }))
    }

    /// Stores a new B2B token for `client_id`, usable until `usable_until`; returns it with its
    /// generation (one more than the token it replaces).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let key = ovo_store::StoreKey::parse(&ovo_store::StoreKey::generate()?)?;
    /// let store = ovo_store::SqlStore::connect("sqlite::memory:", key).await?;
    /// let now = time::OffsetDateTime::now_utc();
    /// let until = now + time::Duration::minutes(14);
    /// let token = store.put_b2b_token("client", &ovo_model::Secret::new("t"), until).await?;
    /// assert_eq!(token.generation, 1);
    /// assert_eq!(store.b2b_token("client", now).await?, Some(token));
    /// # Ok(()) }
    /// ```
    pub async fn put_b2b_token(
        &self,
        client_id: &str,
        token: &Secret,
        usable_until: OffsetDateTime,
    ) -> Result<Expiring, StoreError> {
        const SQL: &str = "INSERT INTO ovo_b2b_tokens \
             (client_id, key_id, sealed, usable_until, generation) VALUES ($1, $2, $3, $4, 1) \
             ON CONFLICT (client_id) DO UPDATE SET key_id = excluded.key_id, \
             sealed = excluded.sealed, usable_until = excluded.usable_until, \
             generation = ovo_b2b_tokens.generation + 1 RETURNING generation";
        let context = b2b_context(client_id);
        let (key_id, sealed) = self.inner.key.seal(&context, token.expose().as_bytes())?;
        let until = nanos(usable_until)?;
        let generation: i64 = on_connection!(self, conn => {
            sqlx::query_scalar(SQL)
                .bind(client_id)
                .bind(&key_id)
                .bind(&sealed)
                .bind(until)
                .fetch_one(conn)
                .await
        })
        .map_err(unavailable)?;
        Ok(Expiring {
            token: token.clone(),
            usable_until,
            generation: revision(&context, generation)?,
        })
    }

    /// Forgets the B2B token of `generation` (OVO said it is invalid); a newer one is kept.
    ///
    /// ```
    /// # async fn f(store: ovo_store::SqlStore) -> Result<(), ovo_flows::StoreError> {
    /// store.invalidate_b2b_token("client", 3).await?;
    /// # Ok(()) }
    /// ```
    pub async fn invalidate_b2b_token(
        &self,
        client_id: &str,
        generation: u64,
    ) -> Result<(), StoreError> {
        let generation = i64::try_from(generation).unwrap_or(i64::MAX);
        on_connection!(self, conn => {
            sqlx::query("DELETE FROM ovo_b2b_tokens WHERE client_id = $1 AND generation = $2")
                .bind(client_id)
                .bind(generation)
                .execute(conn)
                .await
                .map(|_| ())
        })
        .map_err(unavailable)
    }

    /// The B2B token of `client_id`, fetched by one instance for all: the stored token if usable;
    /// else this instance takes the lease `b2b:<client_id>` and calls `fetch` (which returns the
    /// token and when it stops being usable), or waits for the holder to store one. `wait`
    /// bounds both the lease and the wait (a holder that crashed is replaced after it). `clock`
    /// gives the time.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use std::time::Duration;
    /// use ovo_model::Secret;
    /// let key = ovo_store::StoreKey::parse(&ovo_store::StoreKey::generate()?)?;
    /// let store = ovo_store::SqlStore::connect("sqlite::memory:", key).await?;
    /// let clock = time::OffsetDateTime::now_utc;
    /// let fetch = || async {
    ///     Ok::<_, std::io::Error>((Secret::new("b2b"), clock() + Duration::from_secs(840)))
    /// };
    /// let first = store.shared_b2b_token("client", clock, Duration::from_secs(10), fetch).await?;
    /// let again = store
    ///     .shared_b2b_token("client", clock, Duration::from_secs(10), || async {
    ///         Err::<(Secret, time::OffsetDateTime), _>(std::io::Error::other("not called"))
    ///     })
    ///     .await?;
    /// assert_eq!(first, again);
    /// # Ok(()) }
    /// ```
    pub async fn shared_b2b_token<F, Fut, E>(
        &self,
        client_id: &str,
        clock: impl Fn() -> OffsetDateTime,
        wait: Duration,
        fetch: F,
    ) -> Result<Expiring, SharedError<E>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(Secret, OffsetDateTime), E>>,
    {
        let name = format!("b2b:{client_id}");
        let started = std::time::Instant::now();
        loop {
            let now = clock();
            if let Some(token) = self.b2b_token(client_id, now).await? {
                return Ok(token);
            }
            if let Some(lease) = self.lease(&name, now, wait).await? {
                // Another instance may have stored one between our read and our lease.
                if let Some(token) = self.b2b_token(client_id, clock()).await? {
                    self.release(lease).await?;
                    return Ok(token);
                }
                let fetched = fetch().await;
                let result = match fetched {
                    Ok((token, until)) => self
                        .put_b2b_token(client_id, &token, until)
                        .await
                        .map_err(SharedError::Store),
                    Err(e) => Err(SharedError::Fetch(e)),
                };
                self.release(lease).await?;
                return result;
            }
            if started.elapsed() >= wait {
                return Err(SharedError::TimedOut);
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// A customer's tokens after a refresh done once for all instances: `rejected` is the access
    /// token that OVO refused (or that expired). If the stored access token differs from it and
    /// is usable at `clock()`, another instance refreshed already and it is returned; else this
    /// instance takes the lease `refresh:<customer>`, calls `refresh` with the stored tokens and
    /// stores what it returns, or waits for the holder. A refresh token is thereby never spent
    /// twice.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use std::time::Duration;
    /// use ovo_flows::{CustomerTokens, TokenStore};
    /// use ovo_model::Secret;
    /// let key = ovo_store::StoreKey::parse(&ovo_store::StoreKey::generate()?)?;
    /// let store = ovo_store::SqlStore::connect("sqlite::memory:", key).await?;
    /// let now = time::OffsetDateTime::now_utc();
    /// let old = CustomerTokens::issued(Secret::new("a1"), Some(Secret::new("r1")), now);
    /// TokenStore::put(&store, "alice", &old).await?;
    /// let new = store
    ///     .refresh_once("alice", &Secret::new("a1"), time::OffsetDateTime::now_utc, Duration::from_secs(10), |old| async move {
    ///         Ok::<_, std::io::Error>(CustomerTokens::issued(Secret::new("a2"), old.refresh, now))
    ///     })
    ///     .await?;
    /// assert_eq!(new.access.expose(), "a2");
    /// # Ok(()) }
    /// ```
    pub async fn refresh_once<F, Fut, E>(
        &self,
        customer: &str,
        rejected: &Secret,
        clock: impl Fn() -> OffsetDateTime,
        wait: Duration,
        refresh: F,
    ) -> Result<CustomerTokens, SharedError<E>>
    where
        F: FnOnce(CustomerTokens) -> Fut,
        Fut: Future<Output = Result<CustomerTokens, E>>,
    {
        let name = format!("refresh:{customer}");
        let started = std::time::Instant::now();
        let fresh =
            |tokens: &CustomerTokens, now| tokens.access != *rejected && tokens.access_usable(now);
        loop {
            let now = clock();
            let current = self
                .get_tokens(customer)
                .await?
                .ok_or(SharedError::NotBound)?;
            if fresh(&current, now) {
                return Ok(current);
            }
            if let Some(lease) = self.lease(&name, now, wait).await? {
                let current = match self.get_tokens(customer).await {
                    Ok(Some(current)) => current,
                    Ok(None) => {
                        self.release(lease).await?;
                        return Err(SharedError::NotBound);
                    }
                    Err(e) => {
                        self.release(lease).await?;
                        return Err(e.into());
                    }
                };
                if fresh(&current, clock()) {
                    self.release(lease).await?;
                    return Ok(current);
                }
                let result = match refresh(current).await {
                    Ok(tokens) => match self.put_tokens(customer, &tokens).await {
                        Ok(()) => Ok(tokens),
                        Err(e) => Err(SharedError::Store(e)),
                    },
                    Err(e) => Err(SharedError::Fetch(e)),
                };
                self.release(lease).await?;
                return result;
            }
            if started.elapsed() >= wait {
                return Err(SharedError::TimedOut);
            }
            tokio::time::sleep(POLL).await;
        }
    }
}

/// The store as the client's [`SharedTokens`]: thin wrappers over [`SqlStore::b2b_token`],
/// [`SqlStore::put_b2b_token`], [`SqlStore::invalidate_b2b_token`], [`SqlStore::lease`] and
/// [`SqlStore::release`], so that `OvoClientBuilder::shared_tokens(store.clone())` makes every
/// instance on one database fetch the B2B token once and refresh each customer once.
impl SharedTokens for SqlStore {
    fn b2b_token<'a>(
        &'a self,
        client_id: &'a str,
        now: OffsetDateTime,
    ) -> BoxFuture<'a, Result<Option<Expiring>, StoreError>> {
        Box::pin(SqlStore::b2b_token(self, client_id, now))
    }

    fn put_b2b_token<'a>(
        &'a self,
        client_id: &'a str,
        token: &'a Secret,
        usable_until: OffsetDateTime,
    ) -> BoxFuture<'a, Result<Expiring, StoreError>> {
        Box::pin(SqlStore::put_b2b_token(
            self,
            client_id,
            token,
            usable_until,
        ))
    }

    fn invalidate_b2b_token<'a>(
        &'a self,
        client_id: &'a str,
        generation: u64,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(SqlStore::invalidate_b2b_token(self, client_id, generation))
    }

    fn lease<'a>(
        &'a self,
        name: &'a str,
        now: OffsetDateTime,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<Option<SharedLease>, StoreError>> {
        Box::pin(async move {
            Ok(SqlStore::lease(self, name, now, ttl)
                .await?
                .map(|lease| SharedLease::new(lease.name, lease.owner, lease.until)))
        })
    }

    fn release(&self, lease: SharedLease) -> BoxFuture<'_, Result<(), StoreError>> {
        let lease = Lease {
            name: lease.name().to_owned(),
            owner: lease.owner().to_owned(),
            until: lease.until(),
        };
        Box::pin(SqlStore::release(self, lease))
    }
}
