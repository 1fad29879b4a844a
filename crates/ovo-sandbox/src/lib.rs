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
//!
//! Sources are marked on each fact: **\[S\]** a seed document (the provider pages the project
//! started from), **\[P\]** a public provider document, **\[I\]** our inference: a documented
//! default, never a hidden assumption.
//! From Rust, the same control plane is [`SandboxHandle`]'s methods, taking the same types the
//! control API reads as JSON:
//!
//! ```no_run
//! use ovo_model::Idr;
//! use ovo_sandbox::{AccountSpec, FaultAction, FaultRule, PartnerSpec, Sandbox};
//!
//! # async fn demo(public_key_pem: String) -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = Sandbox::start().await?;
//! let callback = format!("{}/_sandbox/callback", sandbox.base_url());
//! sandbox.enroll_partner(
//!     &PartnerSpec::new("oamerchant", "client-secret", public_key_pem).callback_url(callback),
//! )?;
//! sandbox.add_account(&AccountSpec::new("6281234567890", "246810", Idr::from_rupiah(100_000)))?;
//! sandbox.plan_faults([FaultRule::new("debit", FaultAction::DropAfterCommit)])?;
//! // ... run your client against sandbox.base_url() ...
//! println!("{:?}", sandbox.account("6281234567890")?.cash);
//! println!("{} ledger entries", sandbox.ledger().len());
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::sync::watch;
use tokio::task::JoinHandle;

mod config;
mod customer;
mod http;
mod provider;
#[cfg(all(feature = "webdriver", unix))]
pub mod webdriver;

pub use config::{AcceptedEncoding, DokuPinRule, SandboxConfig};
pub use customer::{Completed, Customer, WebviewError};
pub use http::control::{
    AccountInfo, AccountSpec, AccountStatus, ControlError, DokuPartnerSpec, PartnerSpec,
};
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

    /// The ledger, in order: every capture and refund (`GET /_sandbox/ledger`).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let sandbox = ovo_sandbox::Sandbox::start().await?;
    /// assert!(sandbox.ledger().is_empty());
    /// # Ok(()) }
    /// ```
    pub fn ledger(&self) -> Vec<Entry> {
        self.shared.state().ledger.entries().to_vec()
    }

    /// Enrolls a SNAP partner, or replaces the one with the same client id
    /// (`POST /_sandbox/partners`). Refused when a secret or key is unusable, or none is given.
    ///
    /// ```no_run
    /// # async fn run(public_key_pem: String) -> Result<(), Box<dyn std::error::Error>> {
    /// let sandbox = ovo_sandbox::Sandbox::start().await?;
    /// let callback = format!("{}/_sandbox/callback", sandbox.base_url());
    /// let spec = ovo_sandbox::PartnerSpec::new("oamerchant", "client-secret", public_key_pem)
    ///     .callback_url(callback);
    /// sandbox.enroll_partner(&spec)?;
    /// # Ok(()) }
    /// ```
    pub fn enroll_partner(&self, spec: &PartnerSpec) -> Result<(), ControlError> {
        self.persisting(http::control::enroll_partner(&self.shared, spec))
    }

    /// Enrolls a DOKU partner, or replaces the one with the same client id
    /// (`POST /_sandbox/doku/partners`).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sandbox = ovo_sandbox::Sandbox::start().await?;
    /// sandbox.enroll_doku_partner(&ovo_sandbox::DokuPartnerSpec::new("BRN-0201-1", "SK-secret"))?;
    /// # Ok(()) }
    /// ```
    pub fn enroll_doku_partner(&self, spec: &DokuPartnerSpec) -> Result<(), ControlError> {
        self.persisting(http::control::enroll_doku_partner(&self.shared, spec))
    }

    /// Opens a customer's OVO account with its balances (`POST /_sandbox/accounts`). Refused if
    /// the phone is not all digits or already has an account.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use ovo_model::Idr;
    /// let sandbox = ovo_sandbox::Sandbox::start().await?;
    /// let spec = ovo_sandbox::AccountSpec::new("6281234567890", "246810", Idr::from_rupiah(100_000));
    /// sandbox.add_account(&spec)?;
    /// assert!(sandbox.add_account(&spec).is_err()); // the phone is taken
    /// # Ok(()) }
    /// ```
    pub fn add_account(&self, spec: &AccountSpec) -> Result<(), ControlError> {
        self.persisting(http::control::add_account(&self.shared, spec))
    }

    /// The account with phone `phone`: its balances, status and the partner it is linked to
    /// (`GET /_sandbox/accounts/{phone}`).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use ovo_model::Idr;
    /// let sandbox = ovo_sandbox::Sandbox::start().await?;
    /// sandbox.add_account(&ovo_sandbox::AccountSpec::new("6281234567890", "246810", Idr::from_rupiah(10)))?;
    /// let account = sandbox.account("6281234567890")?;
    /// assert_eq!((account.cash, account.points), (Idr::from_rupiah(10), Idr::ZERO));
    /// # Ok(()) }
    /// ```
    pub fn account(&self, phone: &str) -> Result<AccountInfo, ControlError> {
        http::control::account(&self.shared, phone)
    }

    /// The sandbox's current time (`GET /_sandbox/clock`).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let sandbox = ovo_sandbox::Sandbox::start().await?;
    /// assert!(sandbox.now() >= time::OffsetDateTime::now_utc() - time::Duration::seconds(1));
    /// # Ok(()) }
    /// ```
    pub fn now(&self) -> time::OffsetDateTime {
        self.shared.clock.now()
    }

    /// Moves the sandbox clock forward by `by` and answers its new time
    /// (`POST /_sandbox/clock/advance`): tokens, webviews and refund windows expire as if that
    /// time had passed. At most 100 years ahead of real time in total; a larger move is refused
    /// and changes nothing.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sandbox = ovo_sandbox::Sandbox::start().await?;
    /// let later = sandbox.advance_clock(std::time::Duration::from_secs(16 * 60))?;
    /// assert!(later >= time::OffsetDateTime::now_utc() + time::Duration::minutes(15));
    /// # Ok(()) }
    /// ```
    pub fn advance_clock(
        &self,
        by: std::time::Duration,
    ) -> Result<time::OffsetDateTime, ControlError> {
        self.persisting(http::control::advance_clock(&self.shared, by))
    }

    /// Replaces the fault plan with `rules`, restarting its counters (`PUT /_sandbox/faults`).
    /// Refused (the plan unchanged) if a rule's `every` is 0.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use ovo_sandbox::{FaultAction, FaultRule};
    /// let sandbox = ovo_sandbox::Sandbox::start().await?;
    /// sandbox.plan_faults([
    ///     FaultRule::new("debit", FaultAction::DropAfterCommit),
    ///     FaultRule::new("status", FaultAction::status(500)).every(2),
    /// ])?;
    /// assert_eq!(sandbox.faults().len(), 2);
    /// # Ok(()) }
    /// ```
    pub fn plan_faults(
        &self,
        rules: impl IntoIterator<Item = FaultRule>,
    ) -> Result<(), ControlError> {
        self.persisting(http::control::plan_faults(
            &self.shared,
            rules.into_iter().collect(),
        ))
    }

    /// Removes every fault (`DELETE /_sandbox/faults`).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sandbox = ovo_sandbox::Sandbox::start().await?;
    /// sandbox.plan_faults([ovo_sandbox::FaultRule::new("refund", ovo_sandbox::FaultAction::Hang)])?;
    /// sandbox.clear_faults();
    /// assert!(sandbox.faults().is_empty());
    /// # Ok(()) }
    /// ```
    pub fn clear_faults(&self) {
        self.shared.faults().set(Vec::new());
        self.shared.persist();
    }

    /// The fault plan in force (`GET /_sandbox/faults`).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let sandbox = ovo_sandbox::Sandbox::start().await?;
    /// assert!(sandbox.faults().is_empty());
    /// # Ok(()) }
    /// ```
    pub fn faults(&self) -> Vec<FaultRule> {
        self.shared.faults().rules().to_vec()
    }

    /// Writes the state directory (if any) after a control call, as the control API does.
    fn persisting<T>(&self, outcome: Result<T, ControlError>) -> Result<T, ControlError> {
        self.shared.persist();
        outcome
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
