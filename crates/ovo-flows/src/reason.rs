//! Why a flow ended without moving anything: a closed list, so callers can match on it.

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Why a flow ended without moving anything (or without binding).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Reason {
    /// The customer cancelled or failed the webview.
    CustomerDidNotConfirm,
    /// The customer did not come back from the webview in time.
    WebviewTimedOut,
    /// The single-use token lapsed before call 2.
    SingleUseTokenLapsed,
    /// No single-use token came back (refused, or its answer lost: the `authCode` is never sent
    /// twice), so call 2 was never sent.
    SingleUseTokenNotIssued,
    /// The call certainly never reached the provider (the connection was refused).
    NeverSent,
    /// The status inquiry shows the payment failed or was cancelled.
    StatusShowsFailed,
    /// The status inquiry does not know the payment.
    StatusDoesNotKnowPayment,
    /// The payment was never confirmed, and call 2 was never sent.
    NeverConfirmed,
    /// The provider's answer was lost or unreadable (nothing that moves money was involved).
    AnswerLost,
    /// The answer carried no linkage token or webview URL.
    NoLinkageToken,
    /// A restored flow's secrets were not given back, so it could not go on.
    SecretsLost,
    /// The driver gave up on the flow before anything that moves money was sent.
    Cancelled,
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::CustomerDidNotConfirm => "the customer did not confirm in the webview",
            Self::WebviewTimedOut => "the customer did not come back from the webview in time",
            Self::SingleUseTokenLapsed => "the single-use token lapsed before call 2",
            Self::SingleUseTokenNotIssued => {
                "no single-use token was issued, so call 2 was never sent"
            }
            Self::NeverSent => "the call never reached the provider",
            Self::StatusShowsFailed => "the status inquiry shows the payment failed",
            Self::StatusDoesNotKnowPayment => "the status inquiry does not know the payment",
            Self::NeverConfirmed => "the payment was never confirmed, and call 2 was never sent",
            Self::AnswerLost => "the provider's answer was lost",
            Self::NoLinkageToken => "the answer carried no linkage token",
            Self::SecretsLost => "the restored flow's secrets were not given back",
            Self::Cancelled => "the driver gave up before anything that moves money was sent",
        })
    }
}

/// The timing rules of flows: how long the customer has in the webview, and how status inquiries
/// are paced. Stored with each flow, so a resumed flow keeps the rules it began with.
///
/// ```
/// let pacing = ovo_flows::Pacing::default();
/// assert_eq!(pacing.inquiry_wait(1), std::time::Duration::from_secs(1));
/// assert_eq!(pacing.inquiry_wait(3), std::time::Duration::from_secs(4));
/// assert_eq!(pacing.inquiry_wait(30), std::time::Duration::from_secs(30));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Pacing {
    /// Status inquiries before an outcome is declared unknown.
    pub max_inquiries: u32,
    /// The wait before the second inquiry; it doubles per inquiry (the first goes at once).
    pub inquiry_backoff: Duration,
    /// The longest wait between inquiries.
    pub inquiry_backoff_max: Duration,
    /// How long the customer has in the webview: OVO's single-use and linkage lifetimes are 15
    /// and 5 minutes \[S\]; 15 minutes by default \[I\].
    pub webview_timeout: Duration,
    /// How long after a refund call was sent its request could still reach the provider. A
    /// refund absent from the payment's refund history at an inquiry made later than this is
    /// not refunded; before, its absence proves nothing (the request may be late). 5 minutes by
    /// default \[I\]: far beyond any gateway's request timeout.
    pub arrival_horizon: Duration,
}

/// Status inquiries before an outcome is declared unknown, by default.
pub const DEFAULT_MAX_INQUIRIES: u32 = 5;

impl Default for Pacing {
    fn default() -> Self {
        Self {
            max_inquiries: DEFAULT_MAX_INQUIRIES,
            inquiry_backoff: Duration::from_secs(1),
            inquiry_backoff_max: Duration::from_secs(30),
            webview_timeout: Duration::from_secs(15 * 60),
            arrival_horizon: Duration::from_secs(5 * 60),
        }
    }
}

impl Pacing {
    /// The wait after inquiry number `done` (from 1) before the next one.
    pub fn inquiry_wait(&self, done: u32) -> Duration {
        self.inquiry_backoff
            .saturating_mul(1 << done.saturating_sub(1).min(16))
            .min(self.inquiry_backoff_max)
    }
}
