//! The one shape every flow has, in the sans-IO style of `quinn-proto`: the driver asks
//! [`Flow::poll`] what to do at `now` and reports what happened with [`Flow::handle`]. Time is an
//! input; nothing here reads a clock, sleeps or does IO.
//!
//! A flow's state serializes (serde), so a flow begun in one process is finished in another. Its
//! secrets (linkage token, `authCode`, single-use token, the webview URL that carries them) are not
//! in that form: they are kept apart in [`FlowSecrets`], for the caller to store sealed, and are
//! given back with [`Flow::restore_secrets`].

use std::collections::BTreeMap;
use std::fmt;

use ovo_model::Secret;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::call::{Call, Received};
use crate::error::FlowError;

/// What the driver must do next.
#[derive(Clone, PartialEq, Eq)]
pub enum Action<O> {
    /// Sign and send this call (supplying the credential it names), then report what happened
    /// with [`Event::Received`].
    Send(Call),
    /// Send the customer to this URL (it carries a token: never log it), then report the webview's
    /// redirect with [`Event::Callback`]. Asked once; later polls answer [`Action::WakeAt`] with
    /// the time the flow stops waiting.
    OpenWebview(Secret),
    /// Nothing to do before this time (the next status inquiry, or the end of the customer's time
    /// in the webview): report [`Event::Timer`] then, or an event before.
    WakeAt(OffsetDateTime),
    /// A call is in flight: report what happened to it first.
    Wait,
    /// Finished, with this outcome; every later poll answers the same.
    Done(O),
}

impl<O: fmt::Debug> fmt::Debug for Action<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Send(call) => f.debug_tuple("Send").field(call).finish(),
            Self::OpenWebview(_) => f.write_str("OpenWebview([redacted])"),
            Self::WakeAt(at) => f.debug_tuple("WakeAt").field(at).finish(),
            Self::Wait => f.write_str("Wait"),
            Self::Done(outcome) => f.debug_tuple("Done").field(outcome).finish(),
        }
    }
}

/// What happened, reported to a flow.
#[derive(Debug)]
pub enum Event {
    /// What came of the call last sent.
    Received(Received),
    /// The webview redirected the customer back to this URL (the partner's callback, with the
    /// `authCode` or the error).
    Callback(String),
    /// The time a [`Action::WakeAt`] named has come.
    Timer,
    /// Settle now: a debit or refund left `Unknown`, or waiting for its next status inquiry,
    /// inquires again at once (after a crash, an outage, or when an operator asks). Other flows
    /// ignore it.
    Reconcile,
    /// The driver gives up on the flow (its deadline passed before anything that moves money
    /// went out). A flow that can still end without moving money ends now and drops its secrets,
    /// so that nothing is ever sent for it later (no Generate Token, no call 2, no refund); a
    /// flow that may have moved money, or has a call in flight, ignores it.
    Cancel,
}

impl Event {
    /// The event as a flow reads it. A flow stored with a call in flight (`call_in_flight`: it
    /// polls [`Action::Wait`]) and reconciled after a crash or a lost process has lost that
    /// call's answer, and the call may have reached the provider: [`Event::Reconcile`] then
    /// means exactly what [`Received::Failed`] with `may_have_reached` means. Every other event
    /// is itself.
    pub(crate) fn reconciled(self, call_in_flight: bool) -> Self {
        match self {
            Self::Reconcile if call_in_flight => Self::Received(Received::Failed {
                may_have_reached: true,
            }),
            other => other,
        }
    }
}

/// A protocol flow: linking, a debit, a refund, an unbinding, a DOKU call.
pub trait Flow: Serialize + for<'de> Deserialize<'de> {
    /// How the flow ends.
    type Outcome: Clone + fmt::Debug + PartialEq;

    /// The next thing to do at `now`.
    fn poll(&mut self, now: OffsetDateTime) -> Action<Self::Outcome>;

    /// Reports an event. An event the flow cannot take now (a second callback, an answer with no
    /// call in flight) is a typed error and changes nothing.
    fn handle(&mut self, now: OffsetDateTime, event: Event) -> Result<(), FlowError>;

    /// The outcome to report when the flow cannot go on (the driver's deadline passed, or a
    /// credential or the store failed): `None` while nothing that moves money may have reached the
    /// provider (the operation can simply fail), else the flow's `Unknown`, to be settled later.
    fn unsettled_outcome(&self) -> Option<Self::Outcome>;

    /// Whether the flow has its final outcome.
    fn is_done(&self) -> bool;

    /// Whether the flow's outcome is final and known: done, and not `Unknown` (an `Unknown`
    /// debit or refund can be settled later with [`Event::Reconcile`]).
    fn is_settled(&self) -> bool {
        self.is_done()
    }

    /// The secrets the serialized state leaves out.
    fn secrets(&self) -> &FlowSecrets;

    /// Gives back the secrets of a flow restored from its serialized state.
    fn restore_secrets(&mut self, secrets: FlowSecrets);

    /// What kind of flow this is (stored beside its state).
    fn kind(&self) -> FlowKind;
}

/// The kinds of flows, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FlowKind {
    /// [`crate::Linking`].
    Linking,
    /// [`crate::Debit`].
    Debit,
    /// [`crate::Refund`].
    Refund,
    /// [`crate::Unbinding`].
    Unbinding,
    /// [`crate::DokuOperation`].
    Doku,
}

impl FlowKind {
    /// Its stored name.
    ///
    /// ```
    /// assert_eq!(ovo_flows::FlowKind::Debit.as_str(), "debit");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Linking => "linking",
            Self::Debit => "debit",
            Self::Refund => "refund",
            Self::Unbinding => "unbinding",
            Self::Doku => "doku",
        }
    }

    /// The kind stored as `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        [
            Self::Linking,
            Self::Debit,
            Self::Refund,
            Self::Unbinding,
            Self::Doku,
        ]
        .into_iter()
        .find(|k| k.as_str() == name)
    }
}

/// Which secret a flow holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SecretSlot {
    /// The linkage token of a binding or unbinding.
    Linkage,
    /// The webview's `authCode`, until it is exchanged.
    AuthCode,
    /// The debit's single-use token, until call 2.
    SingleUse,
    /// The webview URL (it carries the linkage token or OVO's payment session).
    WebviewUrl,
    /// A linked customer's access token, until the driver stores it.
    Access,
    /// A linked customer's refresh token, until the driver stores it.
    Refresh,
    /// A request body that carries a secret (DOKU's `token_id`).
    Body,
    /// An answer that carries a secret (DOKU's `token_id`).
    Answer,
}

/// The secrets a flow holds, kept out of its serialized state. Serialize it only into storage
/// that seals it (`ovo-store` encrypts it with AES-256-GCM); `Debug` shows the slot names only.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FlowSecrets(BTreeMap<SecretSlot, Secret>);

impl FlowSecrets {
    /// The secret in `slot`.
    ///
    /// ```
    /// use ovo_flows::{FlowSecrets, SecretSlot};
    /// let mut secrets = FlowSecrets::default();
    /// secrets.set(SecretSlot::Linkage, ovo_model::Secret::new("LT"));
    /// assert_eq!(secrets.get(SecretSlot::Linkage).map(|s| s.expose()), Some("LT"));
    /// assert_eq!(format!("{secrets:?}"), "FlowSecrets([Linkage])");
    /// ```
    pub fn get(&self, slot: SecretSlot) -> Option<&Secret> {
        self.0.get(&slot)
    }

    /// Puts a secret in `slot`.
    pub fn set(&mut self, slot: SecretSlot, secret: Secret) {
        self.0.insert(slot, secret);
    }

    /// Removes and returns the secret in `slot`.
    pub fn take(&mut self, slot: SecretSlot) -> Option<Secret> {
        self.0.remove(&slot)
    }

    /// Whether no secret is held.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every secret held, with its slot.
    pub fn iter(&self) -> impl Iterator<Item = (SecretSlot, &Secret)> {
        self.0.iter().map(|(slot, secret)| (*slot, secret))
    }
}

impl fmt::Debug for FlowSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("FlowSecrets")
            .field(&self.0.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// The version of the stored form this build writes and reads.
pub const STATE_VERSION: u32 = 1;

/// The `version` field of every stored flow: it deserializes only from [`STATE_VERSION`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Version(u32);

impl Default for Version {
    fn default() -> Self {
        Self(STATE_VERSION)
    }
}

impl<'de> Deserialize<'de> for Version {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let found = u32::deserialize(deserializer)?;
        if found == STATE_VERSION {
            Ok(Self(found))
        } else {
            Err(serde::de::Error::custom(format_args!(
                "unsupported flow state version {found} (this build reads {STATE_VERSION})"
            )))
        }
    }
}

/// A flow's state as JSON, without its secrets.
///
/// ```
/// use ovo_flows::{Flow, Refund};
/// use ovo_model::{Idr, SnapMoney, snap::RefundRequest};
///
/// let refund = Refund::new(&RefundRequest::new("INV-1", "RF-1", SnapMoney::idr(Idr::from_rupiah(500))))?;
/// let json = ovo_flows::to_state(&refund)?;
/// assert!(json.starts_with(r#"{"version":1,"#));
/// let back: Refund = ovo_flows::from_state(&json, refund.secrets().clone())?;
/// assert_eq!(ovo_flows::to_state(&back)?, json);
/// # Ok::<(), ovo_flows::FlowError>(())
/// ```
pub fn to_state<F: Flow>(flow: &F) -> Result<String, FlowError> {
    serde_json::to_string(flow).map_err(|e| FlowError::State(e.to_string()))
}

/// A flow restored from [`to_state`]'s JSON and its secrets. A state of another version is
/// [`FlowError::UnsupportedVersion`]; a malformed one is [`FlowError::State`].
pub fn from_state<F: Flow>(json: &str, secrets: FlowSecrets) -> Result<F, FlowError> {
    #[derive(Deserialize)]
    struct Probe {
        version: Option<serde_json::Value>,
    }
    let probe: Probe = serde_json::from_str(json).map_err(|e| FlowError::State(e.to_string()))?;
    let found = probe.version.as_ref().and_then(serde_json::Value::as_u64);
    if found != Some(u64::from(STATE_VERSION)) {
        return Err(FlowError::UnsupportedVersion(found));
    }
    let mut flow: F = serde_json::from_str(json).map_err(|e| FlowError::State(e.to_string()))?;
    flow.restore_secrets(secrets);
    Ok(flow)
}
