//! The fault plan: what goes wrong, on which endpoint, how often.

use std::collections::HashMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// What a fault does to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultAction {
    /// Wait before answering (the request is handled normally).
    Delay {
        /// Milliseconds.
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

/// One rule: every `every`-th request to `endpoint` (counting from 1) gets `action`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultRule {
    /// The endpoint's name, as in `docs/sandbox.md` (`debit`, `refund`, `b2b-token`, `doku-payment`, ...).
    pub endpoint: String,
    /// Period: 1 hits every request, 3 every third.
    pub every: u64,
    /// What happens.
    pub action: FaultAction,
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
