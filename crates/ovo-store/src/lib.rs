//! Durable stores for ovo-rs: customers' tokens, pending flows and the ids of handled
//! notifications, in **SQLite** (feature `sqlite`, the default: one file, WAL mode) or
//! **PostgreSQL** (feature `postgres`: for merchants who run several instances).
//!
//! [`SqlStore`] implements [`ovo_flows::TokenStore`], [`ovo_flows::FlowStore`] and
//! [`ovo_flows::DedupStore`] on either engine, so an [`Arc`](std::sync::Arc) of one store is given
//! to `OvoClient::builder(..).token_store(..).flow_store(..)` and to the notification verifiers'
//! `with_dedup(..)`. It behaves as the in-memory stores of `ovo-flows` do: one conformance suite
//! (`tests/conformance.rs`) runs against all three.
//!
//! - **Secrets are sealed at rest** with AES-256-GCM (`ring::aead`) under a [`StoreKey`] the
//!   merchant provides (`OVO_STORE_KEY`: 32 bytes in base64; several, comma-separated, to rotate:
//!   the first seals, all open). Customers' access and refresh tokens, flows' secrets and the
//!   shared B2B token are stored sealed; each row names its key. A row that does not open (an
//!   unknown key, or corrupt) is [`ovo_flows::StoreError::Corrupt`].
//! - **Flows are written compare-and-swap** on a revision column: two instances never both
//!   advance one flow; the loser gets [`ovo_flows::StoreError::Conflict`].
//! - **Migrations** (`sqlx::migrate!`, committed under `migrations/`) run at [`SqlStore::connect`]
//!   and are idempotent; a database migrated by a newer ovo-store is refused with
//!   [`Error::NewerSchema`].
//! - **Across instances** (either engine; PostgreSQL for several machines): [`SqlStore::lease`]
//!   is a crash-safe lock with an end, [`SqlStore::shared_b2b_token`] fetches the partner's B2B
//!   token once for all instances, and [`SqlStore::refresh_once`] refreshes a customer's tokens
//!   once for all instances.
//! - **One round trip per statement.** The store keeps up to `max_connections` connections open
//!   between its statements rather than handing each back to sqlx's pool, which tests every
//!   returned connection with a ping (a second round trip). A connection idle longer than
//!   [`StoreOptions::ping_when_idle_for`] is pinged before use; one whose statement failed goes
//!   back to the pool to be tested.
//!
//! **Minimum Rust version:** 1.88, the workspace's: this crate uses sqlx **0.8** (sqlx 0.9 needs
//! Rust 1.94). Queries are checked at run time (no database at build time). TLS to PostgreSQL is
//! rustls with ring and the webpki roots; nothing links OpenSSL.
//!
//! ```no_run
//! # async fn run() -> Result<(), ovo_store::Error> {
//! use std::sync::Arc;
//! use ovo_store::{SqlStore, StoreKey};
//!
//! let key = StoreKey::from_env()?;
//! let store = Arc::new(SqlStore::connect("sqlite:///var/lib/shop/ovo.db", key).await?);
//! // let client = OvoClient::builder(config, creds, transport)
//! //     .token_store(store.clone())
//! //     .flow_store(store.clone())
//! //     .build();
//! # let _ = store; Ok(()) }
//! ```
//!
//! URLs: `sqlite:PATH` or `sqlite://PATH` (the file is created, mode 0600 on Unix),
//! `sqlite::memory:` (one connection, for tests), `postgres://user:password@host:port/db`
//! (options such as `sslmode=require` as sqlx reads them).

#![forbid(unsafe_code)]

#[cfg(not(any(feature = "sqlite", feature = "postgres")))]
compile_error!("ovo-store needs the `sqlite` feature, the `postgres` feature, or both");

mod key;
mod lend;
mod shared;
mod store;
#[cfg(feature = "test-util")]
pub mod testing;

pub use key::{KEY_VARIABLE, KeyError, StoreKey};
pub use shared::{Lease, SharedError};
pub use store::{Engine, Error, SqlStore, StoreOptions};

/// The crate's README, compiled as a doc-test.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
