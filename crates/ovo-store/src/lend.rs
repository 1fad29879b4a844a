//! Connections the store borrows from sqlx's pool and keeps between its statements.
//!
//! sqlx tests every connection that goes back to its pool with a ping (sqlx-core 0.8,
//! `pool/connection.rs`, `Floating::return_to_pool`; 0.9 does the same), in a task of its own,
//! so each statement run on a `&Pool` costs a second round trip to the database and two more
//! task wake-ups. The store runs up to eight statements per two-phase debit, so at concurrency 32
//! those pings were half the database's work. Here a connection that served a statement without
//! error is kept, idle, for the next one; a connection whose statement failed or was cancelled is
//! dropped into the pool, which tests it as before (it may have been left mid-protocol).
//!
//! What the pool did for its idle connections is done here for the kept ones: a connection idle
//! longer than [`StoreOptions::ping_when_idle_for`](crate::StoreOptions::ping_when_idle_for) is
//! pinged before use, within the acquire timeout (and replaced if the ping fails or hangs), and
//! one the store has used for [`MAX_LIFETIME`] goes back to the pool, which closes it. Kept
//! connections are not closed for being idle: at most `max_connections` of them stay open. At
//! most `max_connections` statements run at once.
//!
//! SQLite's writers are not made to take turns here: an async lock around them was measured
//! (`cargo bench -p ovo-e2e --bench stores`, two alternating runs) at 759 and 772 debits/s at
//! concurrency 32 against 904 and 1,128 without it. Each statement's hand-off to sqlx's SQLite
//! worker thread overlaps others' only when writers run side by side; the busy handler's waits
//! were the smaller cost.

use std::ops::{Deref, DerefMut};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use sqlx::pool::PoolConnection;
use sqlx::{Connection as _, Database, Pool};
use tokio::sync::{Semaphore, SemaphorePermit};

/// How long the store reuses a connection it took from the pool before handing it back. The
/// pool's `max_lifetime` (sqlx's default, the same 30 minutes) counts from when the connection
/// was opened, earlier still, so the pool then closes it.
pub(crate) const MAX_LIFETIME: Duration = Duration::from_secs(30 * 60);

/// What to do with a kept connection before its next statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reuse {
    /// Use it as it is.
    AsIs,
    /// Ping it first: it sat idle long enough for a firewall or the server to have cut it.
    Ping,
    /// Hand it back to the pool, which closes it: it has lived [`MAX_LIFETIME`].
    Retire,
}

/// The decision for a connection the store took from the pool `age` ago and last used `idle`
/// ago.
pub(crate) fn reuse(age: Duration, idle: Duration, ping_after: Option<Duration>) -> Reuse {
    if age >= MAX_LIFETIME {
        Reuse::Retire
    } else if ping_after.is_some_and(|after| idle >= after) {
        Reuse::Ping
    } else {
        Reuse::AsIs
    }
}

struct Kept<DB: Database> {
    connection: PoolConnection<DB>,
    /// When the store took it from the pool.
    borrowed: Instant,
    /// When its last statement ended.
    used: Instant,
}

/// The kept connections, and whether [`Connections::close`] was called: a statement that ends
/// after it hands its connection back rather than keeping it, or the pool's close would wait for
/// it forever.
struct Idle<DB: Database> {
    kept: Vec<Kept<DB>>,
    closed: bool,
}

/// A pool, and the connections the store keeps out of it between statements.
pub(crate) struct Connections<DB: Database> {
    pool: Pool<DB>,
    idle: Mutex<Idle<DB>>,
    permits: Semaphore,
    acquire_timeout: Duration,
    ping_after: Option<Duration>,
    /// Off for SQLite's in-memory database: its one connection is the database, and the pool
    /// keeps it (`min_connections`) better than a `Vec` dropped without a runtime could.
    keep: bool,
}

impl<DB: Database> Connections<DB> {
    pub(crate) fn new(
        pool: Pool<DB>,
        max_connections: u32,
        acquire_timeout: Duration,
        ping_after: Option<Duration>,
        keep: bool,
    ) -> Self {
        Self {
            pool,
            idle: Mutex::new(Idle {
                kept: Vec::new(),
                closed: false,
            }),
            permits: Semaphore::new(max_connections.max(1) as usize),
            acquire_timeout,
            ping_after,
            keep,
        }
    }

    /// The pool itself, for the merchant's own queries and for migrations.
    pub(crate) fn pool(&self) -> &Pool<DB> {
        &self.pool
    }

    /// A connection for one statement: the most recently kept one, or a new one from the pool.
    pub(crate) async fn lend(&self) -> Result<Lent<'_, DB>, sqlx::Error> {
        let permit = tokio::time::timeout(self.acquire_timeout, self.permits.acquire())
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)?
            .map_err(|_| sqlx::Error::PoolClosed)?;
        loop {
            let kept = self
                .idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .kept
                .pop();
            let Some(mut kept) = kept else {
                let connection = self.pool.acquire().await?;
                let now = Instant::now();
                return Ok(Lent {
                    kept: Kept {
                        connection,
                        borrowed: now,
                        used: now,
                    },
                    owner: self,
                    _permit: permit,
                });
            };
            let usable = match reuse(
                kept.borrowed.elapsed(),
                kept.used.elapsed(),
                self.ping_after,
            ) {
                Reuse::AsIs => true,
                Reuse::Ping => {
                    let ping = tokio::time::timeout(self.acquire_timeout, kept.connection.ping());
                    let alive = matches!(ping.await, Ok(Ok(())));
                    if !alive {
                        // Broken or cut off: closed, not handed back to be pinged again.
                        kept.connection.close_on_drop();
                    }
                    alive
                }
                Reuse::Retire => false,
            };
            if usable {
                return Ok(Lent {
                    kept,
                    owner: self,
                    _permit: permit,
                });
            }
            drop(kept);
        }
    }

    /// Hands every kept connection back and closes the pool.
    pub(crate) async fn close(&self) {
        self.permits.close();
        let kept = {
            let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
            idle.closed = true;
            std::mem::take(&mut idle.kept)
        };
        drop(kept);
        self.pool.close().await;
    }
}

impl<DB: Database> Drop for Connections<DB> {
    fn drop(&mut self) {
        let idle = self.idle.get_mut().unwrap_or_else(PoisonError::into_inner);
        let kept = std::mem::take(&mut idle.kept);
        if tokio::runtime::Handle::try_current().is_err() {
            // A connection dropped into its pool spawns a task; without a runtime there is
            // none to spawn on, so the connections are closed where they are.
            for kept in kept {
                drop(kept.connection.detach());
            }
        }
    }
}

/// A connection lent for one statement. [`keep`](Self::keep) it when the statement succeeded;
/// dropped otherwise, it goes back to the pool, which tests it.
pub(crate) struct Lent<'a, DB: Database> {
    kept: Kept<DB>,
    owner: &'a Connections<DB>,
    _permit: SemaphorePermit<'a>,
}

impl<DB: Database> Lent<'_, DB> {
    /// Keeps the connection for the next statement.
    pub(crate) fn keep(self) {
        let Lent {
            mut kept, owner, ..
        } = self;
        if !owner.keep {
            return;
        }
        kept.used = Instant::now();
        let mut idle = owner.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.closed {
            drop(idle);
            // Dropped into the pool, which is closing and closes it.
            drop(kept);
        } else {
            idle.kept.push(kept);
        }
    }
}

impl<DB: Database> Deref for Lent<'_, DB> {
    type Target = DB::Connection;

    fn deref(&self) -> &Self::Target {
        &self.kept.connection
    }
}

impl<DB: Database> DerefMut for Lent<'_, DB> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.kept.connection
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_connection_is_reused_pinged_or_retired() {
        let s = Duration::from_secs;
        let thirty = Some(s(30));
        let table = [
            // (age, idle, ping_after, decision)
            (s(1), s(0), thirty, Reuse::AsIs),
            (s(100), s(29), thirty, Reuse::AsIs),
            (s(100), s(30), thirty, Reuse::Ping),
            (s(100), s(0), Some(Duration::ZERO), Reuse::Ping),
            (s(100), s(3600), None, Reuse::AsIs),
            (MAX_LIFETIME, s(0), thirty, Reuse::Retire),
            (MAX_LIFETIME, s(60), thirty, Reuse::Retire),
            (MAX_LIFETIME - s(1), s(60), None, Reuse::AsIs),
        ];
        for (age, idle, ping_after, expected) in table {
            assert_eq!(
                reuse(age, idle, ping_after),
                expected,
                "{age:?} {idle:?} {ping_after:?}"
            );
        }
    }

    async fn connections(keep: bool) -> (Connections<sqlx::Sqlite>, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!(
            "ovo-lend-{}-{keep}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.join("lend.db").display());
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(4)
            .connect(&url)
            .await
            .unwrap();
        (
            Connections::new(pool, 2, Duration::from_secs(5), None, keep),
            dir,
        )
    }

    fn idle<DB: Database>(connections: &Connections<DB>) -> usize {
        connections.idle.lock().unwrap().kept.len()
    }

    #[tokio::test]
    async fn a_connection_is_kept_after_success_and_handed_back_after_failure() {
        let (connections, dir) = connections(true).await;
        let mut lent = connections.lend().await.unwrap();
        sqlx::query("SELECT 1").execute(&mut *lent).await.unwrap();
        lent.keep();
        assert_eq!(
            idle(&connections),
            1,
            "kept after a statement that succeeded"
        );
        // The next statement takes the kept connection rather than one from the pool.
        let mut lent = connections.lend().await.unwrap();
        assert_eq!(idle(&connections), 0);
        let failed = sqlx::query("SELECT * FROM no_such_table")
            .execute(&mut *lent)
            .await;
        assert!(failed.is_err());
        drop(lent);
        assert_eq!(
            idle(&connections),
            0,
            "a failed statement's connection goes back to the pool"
        );
        connections.close().await;
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn without_keeping_every_connection_goes_back_to_the_pool() {
        let (connections, dir) = connections(false).await;
        let mut lent = connections.lend().await.unwrap();
        sqlx::query("SELECT 1").execute(&mut *lent).await.unwrap();
        lent.keep();
        assert_eq!(idle(&connections), 0);
        connections.close().await;
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn no_more_statements_run_at_once_than_permitted() {
        let (connections, dir) = connections(true).await;
        let first = connections.lend().await.unwrap();
        let second = connections.lend().await.unwrap();
        let third = tokio::time::timeout(Duration::from_millis(200), connections.lend()).await;
        assert!(third.is_err(), "a third waits while two are lent");
        first.keep();
        let third = tokio::time::timeout(Duration::from_secs(5), connections.lend()).await;
        assert!(matches!(third, Ok(Ok(_))), "and gets the one kept");
        drop((second, third));
        connections.close().await;
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn closing_while_a_statement_is_lent_does_not_wait_for_it_forever() {
        let (connections, dir) = connections(true).await;
        let mut lent = connections.lend().await.unwrap();
        sqlx::query("SELECT 1").execute(&mut *lent).await.unwrap();
        let connections = &connections;
        let closing = async move { connections.close().await };
        let finishing = async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            lent.keep();
        };
        let both = async { tokio::join!(closing, finishing) };
        tokio::time::timeout(Duration::from_secs(10), both)
            .await
            .expect("close returns once the lent connection is handed back");
        assert_eq!(idle(connections), 0);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
