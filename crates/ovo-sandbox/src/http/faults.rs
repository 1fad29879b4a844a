//! The fault plan: what goes wrong, on which endpoint, how often.

use std::collections::HashMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// What a fault does to a request: in JSON `{"kind": "delay", "ms": 500}`,
/// `{"kind": "drop_after_commit"}`, `{"kind": "hang"}` or `{"kind": "status", "status": 500,
/// "commit": false}`.
///
/// ```
/// use ovo_sandbox::FaultAction;
///
/// let action = FaultAction::status(500);
/// assert_eq!(serde_json::to_value(action)?, serde_json::json!({"kind": "status", "status": 500, "commit": false}));
/// let action: FaultAction = serde_json::from_str(r#"{"kind": "drop_after_commit"}"#)?;
/// assert_eq!(action, FaultAction::DropAfterCommit);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum FaultAction {
    /// Wait before answering (the request is handled normally).
    Delay {
        /// How long to wait before answering, in milliseconds.
        ms: u64,
    },
    /// Handle the request (money may move), then close the connection without an answer.
    DropAfterCommit,
    /// Handle the request, then hold the connection open past any sane deadline and drop it.
    Hang,
    /// Answer with this HTTP status and the matching error envelope (202: in progress).
    /// With `commit`, the request is handled first, so money may have moved.
    Status {
        /// 500, 504 or 202 (any status is accepted).
        status: u16,
        /// Whether the request is handled before the faulty answer.
        #[serde(default)]
        commit: bool,
    },
}

/// One rule: every `every`-th request to `endpoint` (counting from 1) gets `action`. A list of
/// them is the fault plan (`PUT /_sandbox/faults` `{"rules": [..]}`, or
/// [`SandboxHandle::plan_faults`](crate::SandboxHandle::plan_faults)).
///
/// ```
/// use ovo_sandbox::{FaultAction, FaultRule};
///
/// let rule = FaultRule::new("debit", FaultAction::DropAfterCommit).every(3);
/// let json = serde_json::json!({"endpoint": "debit", "every": 3, "action": {"kind": "drop_after_commit"}});
/// assert_eq!(serde_json::to_value(&rule)?, json);
/// assert_eq!(serde_json::from_value::<FaultRule>(json)?, rule);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FaultRule {
    /// The endpoint's name, as in `docs/sandbox.md` (`debit`, `refund`, `b2b-token`,
    /// `doku-payment`, ...).
    pub endpoint: String,
    /// Period: 1 hits every request, 3 every third.
    pub every: u64,
    /// What the sandbox does to a request this rule hits.
    pub action: FaultAction,
}

impl FaultRule {
    /// Every request to `endpoint` (a name from `docs/sandbox.md`: `debit`, `refund`,
    /// `b2b-token`, `doku-payment`, ...) gets `action`.
    ///
    /// ```
    /// let rule = ovo_sandbox::FaultRule::new("refund", ovo_sandbox::FaultAction::Hang);
    /// assert_eq!(rule.every, 1);
    /// ```
    pub fn new(endpoint: impl Into<String>, action: FaultAction) -> Self {
        Self {
            endpoint: endpoint.into(),
            every: 1,
            action,
        }
    }

    /// Only every `every`-th request (counting from 1) gets the fault; 0 is refused when the
    /// plan is set.
    ///
    /// ```
    /// let rule = ovo_sandbox::FaultRule::new("debit", ovo_sandbox::FaultAction::Hang).every(2);
    /// assert_eq!(rule.every, 2);
    /// ```
    #[must_use]
    pub fn every(mut self, every: u64) -> Self {
        self.every = every;
        self
    }
}

impl FaultAction {
    /// Answers `status`'s envelope without handling the request: nothing moves.
    ///
    /// ```
    /// use ovo_sandbox::FaultAction;
    /// assert_eq!(FaultAction::status(504), FaultAction::Status { status: 504, commit: false });
    /// ```
    pub fn status(status: u16) -> Self {
        Self::Status {
            status,
            commit: false,
        }
    }

    /// Handles the request (money may move), then answers `status`'s envelope instead of the
    /// real answer.
    ///
    /// ```
    /// use ovo_sandbox::FaultAction;
    /// assert_eq!(FaultAction::status_after_commit(202), FaultAction::Status { status: 202, commit: true });
    /// ```
    pub fn status_after_commit(status: u16) -> Self {
        Self::Status {
            status,
            commit: true,
        }
    }

    /// Waits `delay` (whole milliseconds) before answering normally.
    ///
    /// ```
    /// use ovo_sandbox::FaultAction;
    /// let action = FaultAction::delay_by(std::time::Duration::from_millis(250));
    /// assert_eq!(action, FaultAction::Delay { ms: 250 });
    /// ```
    pub fn delay_by(delay: Duration) -> Self {
        Self::Delay {
            ms: u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
        }
    }
}

/// The active rules and per-endpoint request counters.
#[derive(Debug, Default)]
pub(crate) struct FaultPlan {
    rules: Vec<FaultRule>,
    counters: HashMap<String, u64>,
}

impl FaultPlan {
    pub(crate) fn set(&mut self, rules: Vec<FaultRule>) {
        self.rules = rules;
        self.counters.clear();
    }

    pub(crate) fn rules(&self) -> &[FaultRule] {
        &self.rules
    }

    /// Counts a request to `endpoint` and returns the fault it gets, if any.
    pub(crate) fn next(&mut self, endpoint: &str) -> Option<FaultAction> {
        let count = self.counters.entry(endpoint.to_owned()).or_insert(0);
        *count += 1;
        let count = *count;
        self.rules
            .iter()
            .find(|rule| {
                rule.endpoint == endpoint && rule.every > 0 && count.is_multiple_of(rule.every)
            })
            .map(|rule| rule.action)
    }
}

impl FaultAction {
    pub(crate) fn delay(self) -> Option<Duration> {
        match self {
            Self::Delay { ms } => Some(Duration::from_millis(ms)),
            _ => None,
        }
    }
}
