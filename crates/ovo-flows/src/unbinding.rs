//! Unbinding \[S\]: the first call with the access token; if OVO answers a linkage token, the
//! customer confirms in the webview and a second call with that token and the `authCode` ends the
//! binding \[P\]. Afterwards no customer token may be used.

use ovo_model::snap::{UnbindingRequest, UnbindingResponse};
use ovo_model::{ResponseCode, Secret};

use crate::answer::{Answer, read_snap};
use crate::call::{Authorization, Call, Received, Target};
use crate::calls;
use crate::config::{SnapConfig, SnapEndpoint};
use crate::error::FlowError;
use crate::webview::{auth_code, linkage_webview};

/// How unbinding ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnbindingOutcome {
    /// Unbound: forget the customer's tokens.
    Unbound,
    /// OVO refused.
    Refused {
        /// OVO's code.
        code: ResponseCode,
        /// OVO's message.
        message: String,
    },
    /// Not finished (the webview was abandoned or an answer lost); the binding may still stand.
    NotUnbound {
        /// Why.
        reason: &'static str,
    },
}

/// What the driver must do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnbindingAction {
    /// Sign and send this call.
    Send(Call),
    /// Send the customer to this webview URL.
    OpenWebview(String),
    /// A call is in flight, or the customer is in the webview.
    Wait,
    /// Finished.
    Done(UnbindingOutcome),
}

impl std::fmt::Debug for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Start => "Start",
            Self::AwaitingFirst => "AwaitingFirst",
            Self::Webview { .. } => "Webview",
            Self::Confirm { .. } => "Confirm",
            Self::AwaitingSecond => "AwaitingSecond",
            Self::Done { .. } => "Done",
        })
    }
}

/// `Debug` names the phase only: the webview URL carries the linkage token.
#[derive(Clone)]
enum Phase {
    Start,
    AwaitingFirst,
    Webview {
        url: String,
        linkage: Secret,
        opened: bool,
    },
    Confirm {
        code: Secret,
        linkage: Secret,
    },
    AwaitingSecond,
    Done(UnbindingOutcome),
}

/// One unbinding.
///
/// ```
/// use ovo_flows::{Unbinding, UnbindingAction};
///
/// let mut unbinding = Unbinding::new(Some("UNB-1".into()), None);
/// let UnbindingAction::Send(call) = unbinding.poll(&ovo_model::Secret::new("access")) else { panic!() };
/// assert_eq!(call.body, br#"{"partnerReferenceNo":"UNB-1"}"#);
/// ```
#[derive(Debug, Clone)]
pub struct Unbinding {
    reference: Option<String>,
    state: Option<String>,
    phase: Phase,
}

impl Unbinding {
    /// An unbinding under `partner_reference_no`; `state` identifies it on the callback.
    pub fn new(partner_reference_no: Option<String>, state: Option<String>) -> Self {
        Self {
            reference: partner_reference_no,
            state,
            phase: Phase::Start,
        }
    }

    fn call(&self, token: Secret, auth_code: Option<Secret>) -> Result<Call, FlowError> {
        let request = UnbindingRequest {
            partner_reference_no: self.reference.clone(),
            auth_code,
            ..UnbindingRequest::default()
        };
        Ok(Call {
            method: http::Method::POST,
            target: Target::Snap(SnapEndpoint::Unbinding),
            body: calls::body(&request)?,
            authorization: Authorization::Bearer(token),
            moves_money: false,
        })
    }

    /// The next thing to do; `access` is the customer's access token.
    pub fn poll(&mut self, access: &Secret) -> UnbindingAction {
        let next = match &self.phase {
            Phase::Start => self
                .call(access.clone(), None)
                .map(|c| (Phase::AwaitingFirst, UnbindingAction::Send(c))),
            Phase::Webview {
                url,
                linkage,
                opened: false,
            } => Ok((
                Phase::Webview {
                    url: url.clone(),
                    linkage: linkage.clone(),
                    opened: true,
                },
                UnbindingAction::OpenWebview(url.clone()),
            )),
            Phase::Confirm { code, linkage } => self
                .call(linkage.clone(), Some(code.clone()))
                .map(|c| (Phase::AwaitingSecond, UnbindingAction::Send(c))),
            Phase::Done(outcome) => return UnbindingAction::Done(outcome.clone()),
            _ => return UnbindingAction::Wait,
        };
        match next {
            Ok((phase, action)) => {
                self.phase = phase;
                action
            }
            Err(_) => {
                let outcome = UnbindingOutcome::NotUnbound {
                    reason: "the request could not be built",
                };
                self.phase = Phase::Done(outcome.clone());
                UnbindingAction::Done(outcome)
            }
        }
    }

    /// Reports what happened to the call last sent.
    pub fn on_received(
        &mut self,
        config: &SnapConfig,
        received: Received,
    ) -> Result<(), FlowError> {
        let phase = std::mem::replace(&mut self.phase, Phase::Start);
        self.phase = match (phase, received) {
            (Phase::AwaitingFirst, Received::Response(response)) => {
                match read_snap::<UnbindingResponse>(&response) {
                    Answer::Success(answer) => match linkage_webview(
                        answer.linkage_token,
                        answer.redirect_url,
                        answer.additional_info.as_ref(),
                        &config.callback_url,
                        self.state.as_deref(),
                    ) {
                        Some((url, linkage)) => Phase::Webview {
                            url,
                            linkage,
                            opened: false,
                        },
                        None => Phase::Done(UnbindingOutcome::Unbound),
                    },
                    Answer::Refused { code, message } => {
                        Phase::Done(UnbindingOutcome::Refused { code, message })
                    }
                    Answer::Unknown { .. } => Phase::Done(UnbindingOutcome::NotUnbound {
                        reason: "the answer was lost",
                    }),
                }
            }
            (Phase::AwaitingSecond, Received::Response(response)) => {
                match read_snap::<UnbindingResponse>(&response) {
                    Answer::Success(_) => Phase::Done(UnbindingOutcome::Unbound),
                    Answer::Refused { code, message } => {
                        Phase::Done(UnbindingOutcome::Refused { code, message })
                    }
                    Answer::Unknown { .. } => Phase::Done(UnbindingOutcome::NotUnbound {
                        reason: "the answer was lost",
                    }),
                }
            }
            (Phase::AwaitingFirst | Phase::AwaitingSecond, Received::Failed { .. }) => {
                Phase::Done(UnbindingOutcome::NotUnbound {
                    reason: "the provider did not answer",
                })
            }
            (phase, _) => {
                self.phase = phase;
                return Err(FlowError::UnexpectedEvent(
                    "no call of this unbinding is in flight",
                ));
            }
        };
        Ok(())
    }

    /// Reports the webview's redirect back to the partner.
    pub fn on_callback(&mut self, callback_url: &str) -> Result<(), FlowError> {
        let Phase::Webview { linkage, .. } = &self.phase else {
            return Err(FlowError::UnexpectedEvent(
                "the unbinding is not waiting for the webview",
            ));
        };
        let linkage = linkage.clone();
        self.phase = match auth_code(callback_url) {
            Ok(code) => Phase::Confirm { code, linkage },
            Err(_) => Phase::Done(UnbindingOutcome::NotUnbound {
                reason: "the customer did not confirm",
            }),
        };
        Ok(())
    }
}
