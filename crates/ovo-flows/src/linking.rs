//! Linking a customer's OVO account \[S\]: binding (RSA-signed) → the OTP/PIN webview → the B2B2C
//! token exchange, authorized by the linkage token \[P\].

use ovo_model::snap::{B2b2cTokenResponse, BindingRequest, BindingResponse};
use ovo_model::{ResponseCode, Secret};
use time::OffsetDateTime;

use crate::answer::{Answer, read_snap};
use crate::call::{Authorization, Call, Received, Target};
use crate::calls;
use crate::config::{SnapConfig, SnapEndpoint};
use crate::error::FlowError;
use crate::tokens::CustomerTokens;
use crate::webview::{auth_code, linkage_webview};

/// How linking ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkingOutcome {
    /// Bound: the customer's tokens.
    Linked(CustomerTokens),
    /// OVO refused (unknown phone, account linked elsewhere, expired code...).
    Refused {
        /// OVO's code.
        code: ResponseCode,
        /// OVO's message.
        message: String,
    },
    /// The customer did not complete the webview, or an answer was lost; start again.
    NotLinked {
        /// Why.
        reason: &'static str,
    },
}

/// What the driver must do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkingAction {
    /// Sign and send this call.
    Send(Call),
    /// Send the customer to this webview URL; report the callback with [`Linking::on_callback`].
    OpenWebview(String),
    /// A call is in flight, or the customer is in the webview.
    Wait,
    /// Finished.
    Done(LinkingOutcome),
}

impl std::fmt::Debug for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Start => "Start",
            Self::AwaitingBinding => "AwaitingBinding",
            Self::Webview { .. } => "Webview",
            Self::Exchange { .. } => "Exchange",
            Self::AwaitingTokens => "AwaitingTokens",
            Self::Done { .. } => "Done",
        })
    }
}

/// `Debug` names the phase only: the webview URL carries the linkage token.
#[derive(Clone)]
enum Phase {
    Start,
    AwaitingBinding,
    Webview {
        url: String,
        linkage: Secret,
        opened: bool,
    },
    Exchange {
        code: Secret,
        linkage: Secret,
    },
    AwaitingTokens,
    Done(LinkingOutcome),
}

/// One linking attempt.
///
/// ```
/// use ovo_flows::{Linking, LinkingAction};
/// use ovo_model::snap::BindingRequest;
///
/// let request = BindingRequest { merchant_id: "oamerchantg".into(), phone_no: Some("6281234567890".into()), ..Default::default() };
/// let mut linking = Linking::new(&request, Some("attempt-1".into()))?;
/// let LinkingAction::Send(call) = linking.poll() else { panic!() };
/// assert!(!call.moves_money);
/// # Ok::<(), ovo_flows::FlowError>(())
/// ```
#[derive(Clone)]
pub struct Linking {
    body: Vec<u8>,
    state: Option<String>,
    phase: Phase,
}

impl Linking {
    /// Links with `request`; `state` identifies the attempt on the callback \[S\].
    pub fn new(request: &BindingRequest, state: Option<String>) -> Result<Self, FlowError> {
        Ok(Self {
            body: calls::body(request)?,
            state,
            phase: Phase::Start,
        })
    }

    /// The next thing to do.
    pub fn poll(&mut self) -> LinkingAction {
        match &self.phase {
            Phase::Start => {
                self.phase = Phase::AwaitingBinding;
                LinkingAction::Send(Call {
                    method: http::Method::POST,
                    target: Target::Snap(SnapEndpoint::Binding),
                    body: self.body.clone(),
                    authorization: Authorization::Rsa,
                    moves_money: false,
                })
            }
            Phase::Webview {
                url,
                linkage,
                opened: false,
            } => {
                let (url, linkage) = (url.clone(), linkage.clone());
                self.phase = Phase::Webview {
                    url: url.clone(),
                    linkage,
                    opened: true,
                };
                LinkingAction::OpenWebview(url)
            }
            Phase::Exchange { code, linkage } => {
                match calls::exchange_code(code.clone(), linkage.clone()) {
                    Ok(call) => {
                        self.phase = Phase::AwaitingTokens;
                        LinkingAction::Send(call)
                    }
                    Err(_) => self.finish(LinkingOutcome::NotLinked {
                        reason: "the auth code is not valid",
                    }),
                }
            }
            Phase::Done(outcome) => LinkingAction::Done(outcome.clone()),
            Phase::AwaitingBinding
            | Phase::AwaitingTokens
            | Phase::Webview { opened: true, .. } => LinkingAction::Wait,
        }
    }

    /// Reports what happened to the call last sent; `config` gives the callback URL for the webview.
    pub fn on_received(
        &mut self,
        now: OffsetDateTime,
        config: &SnapConfig,
        received: Received,
    ) -> Result<(), FlowError> {
        let phase = std::mem::replace(&mut self.phase, Phase::Start);
        self.phase = match (phase, received) {
            (Phase::AwaitingBinding, Received::Response(response)) => {
                match read_snap::<BindingResponse>(&response) {
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
                        None => Phase::Done(LinkingOutcome::NotLinked {
                            reason: "the binding answer has no linkage token",
                        }),
                    },
                    Answer::Refused { code, message } => {
                        Phase::Done(LinkingOutcome::Refused { code, message })
                    }
                    Answer::Unknown { .. } => Phase::Done(LinkingOutcome::NotLinked {
                        reason: "the binding answer was lost",
                    }),
                }
            }
            (Phase::AwaitingTokens, Received::Response(response)) => {
                match read_snap::<B2b2cTokenResponse>(&response) {
                    Answer::Success(answer) => Phase::Done(LinkingOutcome::Linked(
                        CustomerTokens::issued(answer.access_token, answer.refresh_token, now),
                    )),
                    Answer::Refused { code, message } => {
                        Phase::Done(LinkingOutcome::Refused { code, message })
                    }
                    Answer::Unknown { .. } => Phase::Done(LinkingOutcome::NotLinked {
                        reason: "the token answer was lost",
                    }),
                }
            }
            (Phase::AwaitingBinding | Phase::AwaitingTokens, Received::Failed { .. }) => {
                Phase::Done(LinkingOutcome::NotLinked {
                    reason: "the provider did not answer",
                })
            }
            (phase, _) => {
                self.phase = phase;
                return Err(FlowError::UnexpectedEvent(
                    "no call of this linking is in flight",
                ));
            }
        };
        Ok(())
    }

    /// Reports the webview's redirect back to the partner.
    pub fn on_callback(&mut self, callback_url: &str) -> Result<(), FlowError> {
        let Phase::Webview { linkage, .. } = &self.phase else {
            return Err(FlowError::UnexpectedEvent(
                "the linking is not waiting for the webview",
            ));
        };
        let linkage = linkage.clone();
        self.phase = match auth_code(callback_url) {
            Ok(code) => Phase::Exchange { code, linkage },
            Err(_) => Phase::Done(LinkingOutcome::NotLinked {
                reason: "the customer did not complete the webview",
            }),
        };
        Ok(())
    }

    fn finish(&mut self, outcome: LinkingOutcome) -> LinkingAction {
        self.phase = Phase::Done(outcome.clone());
        LinkingAction::Done(outcome)
    }
}

impl std::fmt::Debug for Linking {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Linking")
            .field("phase", &self.phase)
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}
