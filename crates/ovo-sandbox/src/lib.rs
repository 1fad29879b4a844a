//! A faithful local OVO (SNAP) and DOKU (OVO Recurring) provider.
//!
//! It checks every signature against the registered partner's key or secret, keeps tokens with
//! their real lifetimes, serves the OTP/PIN webview as a real HTML page, moves money in an
//! append-only ledger that never captures an intent twice nor refunds beyond a capture, enforces
//! the refund window and daily limit, and injects faults on demand. Tests, examples and users run
//! against it; nothing in this project needs the real provider.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let sandbox = ovo_sandbox::Sandbox::start().await?;
//! println!("sandbox listening on {}", sandbox.base_url());
//! sandbox.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! In your tests, [`Customer`] completes the webviews where a person would type the OTP and PIN,
//! and [`PROVIDER_PUBLIC_KEY_PEM`] verifies the SNAP debit notifications the sandbox sends.
//!
//! The control API (`/_sandbox/...`) and every endpoint are documented in `docs/sandbox.md`.

#![forbid(unsafe_code)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::sync::watch;
use tokio::task::JoinHandle;

mod config;
mod customer;
mod http;
mod provider;

pub use config::{AcceptedEncoding, DokuPinRule, SandboxConfig};
pub use customer::{Completed, Customer, WebviewError};
pub use http::control::{AccountSpec, DokuPartnerSpec, PartnerSpec};
pub use http::faults::{FaultAction, FaultRule};
pub use provider::ledger::{Channel, Entry, EntryKind};
pub use provider::outbox::Attempt;

/// The public key (SPKI PEM) of the sandbox's own provider key, which signs the SNAP debit
/// notifications it posts to a payment's `PAY_NOTIFY` URL. Give it to your notification verifier
/// (`ovo_http::SnapNotifyVerifier`) when testing against the sandbox; it is also served by
/// `GET /_sandbox/provider-key`.
///
/// The private half is published in the crate (`keys/provider-private.pem`): it protects
/// nothing and must never be trusted outside a sandbox.
///
/// ```
/// let key = ovo_sign::PublicKey::from_pem(ovo_sandbox::PROVIDER_PUBLIC_KEY_PEM.as_bytes())?;
/// assert_eq!(key.bits(), 2048);
/// # Ok::<(), ovo_sign::KeyError>(())
/// ```
pub const PROVIDER_PUBLIC_KEY_PEM: &str = include_str!("../keys/provider-public.pem");
const PROVIDER_PRIVATE_KEY_PEM: &[u8] = include_bytes!("../keys/provider-private.pem");

/// The OTP the sandbox's webviews expect for `phone`: its last four digits, as in OVO's staging
/// \[S\].
///
/// ```
/// assert_eq!(ovo_sandbox::otp("6281234567890"), "7890");
/// assert_eq!(ovo_sandbox::otp("12"), "12");
/// ```
pub fn otp(phone: &str) -> &str {
    phone
        .get(phone.len().saturating_sub(4)..)
        .unwrap_or_default()
}

/// Starts sandboxes.
#[derive(Debug)]
pub struct Sandbox;

impl Sandbox {
    /// Starts a sandbox with the default configuration on `127.0.0.1:0`, on the current Tokio
    /// runtime.
    pub async fn start() -> std::io::Result<SandboxHandle> {
        Self::start_with(
            SandboxConfig::default(),
            SocketAddr::from(([127, 0, 0, 1], 0)),
        )
        .await
    }

    /// Starts a sandbox with `config`, listening on `addr`.
    pub async fn start_with(
        config: SandboxConfig,
        addr: SocketAddr,
    ) -> std::io::Result<SandboxHandle> {
        check_control_token(&config, addr)?;
        let snapshot = match &config.state_dir {
            Some(dir) => http::persist::load(dir)?,
            None => None,
        };
        let (offset, state) = snapshot.map_or((0, provider::state::State::default()), |s| {
            (s.clock_offset_secs, s.state)
        });
        let (listener, local) = http::server::bind(addr).await?;
        let base_url = format!("http://{local}");
        let clock = http::clock::Clock::default();
        clock.set_offset(std::time::Duration::from_secs(offset));
        let provider_key = ovo_sign::PrivateKey::from_pem(PROVIDER_PRIVATE_KEY_PEM)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
        let shared = Arc::new_cyclic(|me| http::server::Shared {
            config,
            provider_key,
            clock,
            state: Mutex::new(state),
            faults: Mutex::new(http::faults::FaultPlan::default()),
            base_url: base_url.clone(),
            me: me.clone(),
            save_error: Mutex::new(None),
        });
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(http::server::serve(listener, Arc::clone(&shared), stopped));
        Ok(SandboxHandle {
            addr: local,
            base_url,
            stop,
            task: Some(task),
            shared,
        })
    }
}

/// Refuses a control API open to the network: a non-loopback address needs a token.
fn check_control_token(config: &SandboxConfig, addr: SocketAddr) -> std::io::Result<()> {
    let refuse = |why: &str| Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, why));
    match &config.control_token {
        Some(token) if token.trim().is_empty() => refuse("the control token must not be empty"),
        None if !addr.ip().is_loopback() => refuse(
            "a sandbox listening on a non-loopback address needs a control token (--control-token)",
        ),
        _ => Ok(()),
    }
}

/// A running sandbox. Dropping it stops the server.
///
/// Its `Debug` shows the address only: the state behind it holds PINs, secrets and tokens.
pub struct SandboxHandle {
    addr: SocketAddr,
    base_url: String,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
    shared: Arc<http::server::Shared>,
}

impl std::fmt::Debug for SandboxHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxHandle")
            .field("addr", &self.addr)
            .field("base_url", &self.base_url)
            .field("running", &self.task.is_some())
            .finish_non_exhaustive()
    }
}

impl SandboxHandle {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The ledger, in order.
    pub fn ledger(&self) -> Vec<Entry> {
        self.shared.state().ledger.entries().to_vec()
    }

    /// Stops the server and waits for it.
    pub async fn shutdown(mut self) {
        self.shutdown_ref().await;
    }

    /// Stops the server and waits for it, keeping the handle (its address stays readable).
    pub async fn shutdown_ref(&mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for SandboxHandle {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// The crate's README, compiled as a doc-test.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
