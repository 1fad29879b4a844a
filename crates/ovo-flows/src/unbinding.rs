//! Unbinding \[S\]: the first call with the access token; if OVO answers a linkage token, the
//! customer confirms in the webview and a second call with that token and the `authCode` ends the
//! binding \[P\]. Afterwards no customer token may be used.

use ovo_model::endpoint::OvoEndpoint;
use ovo_model::snap::{UnbindingRequest, UnbindingResponse};
use ovo_model::{ResponseCode, Secret};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::answer::{Answer, read_snap_received};
use crate::call::{Authorization, Call, Resend};
use crate::calls;
use crate::error::FlowError;
use crate::flow::{Action, Event, Flow, FlowKind, FlowSecrets, SecretSlot, Version};
use crate::reason::{Pacing, Reason};
use crate::tokens::later;
use crate::webview::{auth_code, linkage_webview};

/// How unbinding ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum UnbindingOutcome {
    /// Unbound: forget the customer's tokens.
    Unbound,
    /// OVO refused the unbinding; the binding and the customer's tokens still stand.
    Refused {
        /// OVO's `responseCode`; its case says why.
        code: ResponseCode,
        /// OVO's `responseMessage` with `code`, for logs and support; branch on `code`.
        message: String,
    },
    /// Not finished (the webview was abandoned or an answer lost); the binding may still stand.
    NotUnbound {
        /// Which step stopped it: the confirmation webview (timed out or not confirmed), a lost
        /// answer, lost secrets or a cancel.
        reason: Reason,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
enum Phase {
    Start,
    AwaitingFirst,
    Webview {
        opened: bool,
        #[serde(with = "time::serde::rfc3339")]
        until: OffsetDateTime,
    },
    Confirm,
    AwaitingSecond,
    Done {
        outcome: UnbindingOutcome,
    },
}

/// One unbinding.
///
/// ```
/// use ovo_flows::{Action, Flow, Unbinding};
///
/// let mut unbinding = Unbinding::new(Some("UNB-1".into()), "https://merchant.example/ovo/callback", None);
/// let Action::Send(call) = unbinding.poll(time::OffsetDateTime::now_utc()) else { panic!() };
/// assert_eq!(call.body, &br#"{"partnerReferenceNo":"UNB-1"}"#[..]);
/// ```
#[derive(Clone, Serialize, Deserialize)]
pub struct Unbinding {
    version: Version,
    reference: Option<String>,
    destination: String,
    state: Option<String>,
    pacing: Pacing,
    phase: Phase,
    #[serde(skip)]
    secrets: FlowSecrets,
}

impl Unbinding {
    /// An unbinding under `partner_reference_no`; a confirmation webview returns to
    /// `destination` with `state`.
    pub fn new(
        partner_reference_no: Option<String>,
        destination: &str,
        state: Option<String>,
    ) -> Self {
        Self {
            version: Version::default(),
            reference: partner_reference_no,
            destination: destination.to_owned(),
            state,
            pacing: Pacing::default(),
            phase: Phase::Start,
            secrets: FlowSecrets::default(),
        }
    }

    /// Sets the webview timeout.
    pub fn with_pacing(mut self, pacing: Pacing) -> Self {
        self.pacing = pacing;
        self
    }

    fn call(
        &self,
        authorization: Authorization,
        auth_code: Option<Secret>,
    ) -> Result<Call, FlowError> {
        let request = UnbindingRequest {
            partner_reference_no: self.reference.clone(),
            auth_code,
            ..UnbindingRequest::default()
        };
        Ok(Call::ovo(
            OvoEndpoint::Unbinding,
            calls::body(&request)?,
            authorization,
        ))
    }

    fn end(&mut self, outcome: UnbindingOutcome) -> Phase {
        self.secrets = FlowSecrets::default();
        Phase::Done { outcome }
    }

    fn send(&mut self, call: Result<Call, FlowError>, next: Phase) -> Action<UnbindingOutcome> {
        match call {
            Ok(call) => {
                self.phase = next;
                Action::Send(call)
            }
            Err(_) => {
                let reason = Reason::SecretsLost;
                self.phase = self.end(UnbindingOutcome::NotUnbound { reason });
                Action::Done(UnbindingOutcome::NotUnbound { reason })
            }
        }
    }
}

fn not_unbound(reason: Reason) -> UnbindingOutcome {
    UnbindingOutcome::NotUnbound { reason }
}

impl Flow for Unbinding {
    type Outcome = UnbindingOutcome;

    fn poll(&mut self, now: OffsetDateTime) -> Action<UnbindingOutcome> {
        match self.phase.clone() {
            Phase::Start => {
                let call = self.call(Authorization::Customer, None);
                self.send(call, Phase::AwaitingFirst)
            }
            Phase::Webview { until, .. } if now >= until => {
                self.phase = self.end(not_unbound(Reason::WebviewTimedOut));
                self.poll(now)
            }
            Phase::Webview {
                opened: false,
                until,
            } => {
                self.phase = Phase::Webview {
                    opened: true,
                    until,
                };
                match self.secrets.get(SecretSlot::WebviewUrl) {
                    Some(url) => Action::OpenWebview(url.clone()),
                    None => {
                        self.phase = self.end(not_unbound(Reason::SecretsLost));
                        self.poll(now)
                    }
                }
            }
            Phase::Webview {
                opened: true,
                until,
            } => Action::WakeAt(until),
            Phase::Confirm => {
                let code = self.secrets.take(SecretSlot::AuthCode);
                let linkage = self.secrets.take(SecretSlot::Linkage);
                let call = match (code, linkage) {
                    (Some(code), Some(linkage)) => self
                        .call(Authorization::Bearer(linkage), Some(code))
                        .map(|mut call| {
                            call.resend = Resend::OnlyIfNotSent;
                            call
                        }),
                    _ => Err(FlowError::MissingSecret(SecretSlot::AuthCode)),
                };
                self.send(call, Phase::AwaitingSecond)
            }
            Phase::Done { outcome } => Action::Done(outcome),
            Phase::AwaitingFirst | Phase::AwaitingSecond => Action::Wait,
        }
    }

    fn handle(&mut self, now: OffsetDateTime, event: Event) -> Result<(), FlowError> {
        // Reconciling with a call in flight: the call was lost, and may have reached OVO.
        let event = event.reconciled(matches!(
            self.phase,
            Phase::AwaitingFirst | Phase::AwaitingSecond
        ));
        self.phase = match (&self.phase, event) {
            (_, Event::Timer | Event::Reconcile) => return Ok(()),
            (Phase::AwaitingFirst | Phase::AwaitingSecond | Phase::Done { .. }, Event::Cancel) => {
                return Ok(());
            }
            (_, Event::Cancel) => self.end(not_unbound(Reason::Cancelled)),
            (Phase::Webview { .. }, Event::Callback(url)) => {
                self.secrets.take(SecretSlot::WebviewUrl);
                match auth_code(&url) {
                    Ok(code) => {
                        self.secrets.set(SecretSlot::AuthCode, code);
                        Phase::Confirm
                    }
                    Err(_) => self.end(not_unbound(Reason::CustomerDidNotConfirm)),
                }
            }
            (_, Event::Callback(_)) => {
                return Err(FlowError::UnexpectedEvent(
                    "the unbinding is not waiting for the webview",
                ));
            }
            (Phase::AwaitingFirst, Event::Received(received)) => {
                match read_snap_received::<UnbindingResponse>(&received) {
                    Answer::Success(answer) => match linkage_webview(
                        answer.linkage_token,
                        answer.redirect_url,
                        answer.additional_info.as_ref(),
                        &self.destination,
                        self.state.as_deref(),
                    ) {
                        Some((url, linkage)) => {
                            self.secrets.set(SecretSlot::WebviewUrl, Secret::new(url));
                            self.secrets.set(SecretSlot::Linkage, linkage);
                            Phase::Webview {
                                opened: false,
                                until: later(now, self.pacing.webview_timeout),
                            }
                        }
                        None => self.end(UnbindingOutcome::Unbound),
                    },
                    Answer::Refused { code, message } => {
                        self.end(UnbindingOutcome::Refused { code, message })
                    }
                    Answer::Unknown { .. } => self.end(not_unbound(Reason::AnswerLost)),
                }
            }
            (Phase::AwaitingSecond, Event::Received(received)) => {
                match read_snap_received::<UnbindingResponse>(&received) {
                    Answer::Success(_) => self.end(UnbindingOutcome::Unbound),
                    Answer::Refused { code, message } => {
                        self.end(UnbindingOutcome::Refused { code, message })
                    }
                    Answer::Unknown { .. } => self.end(not_unbound(Reason::AnswerLost)),
                }
            }
            (_, Event::Received(_)) => {
                return Err(FlowError::UnexpectedEvent(
                    "no call of this unbinding is in flight",
                ));
            }
        };
        Ok(())
    }

    fn unsettled_outcome(&self) -> Option<UnbindingOutcome> {
        match &self.phase {
            Phase::Done { outcome } => Some(outcome.clone()),
            _ => None,
        }
    }

    fn is_done(&self) -> bool {
        matches!(self.phase, Phase::Done { .. })
    }

    fn secrets(&self) -> &FlowSecrets {
        &self.secrets
    }

    fn restore_secrets(&mut self, secrets: FlowSecrets) {
        self.secrets = secrets;
    }

    fn kind(&self) -> FlowKind {
        FlowKind::Unbinding
    }
}

impl std::fmt::Debug for Unbinding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Unbinding")
            .field("phase", &self.phase)
            .field("secrets", &self.secrets)
            .finish_non_exhaustive()
    }
}
