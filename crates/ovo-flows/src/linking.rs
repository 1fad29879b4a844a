//! Linking a customer's OVO account \[S\]: binding (RSA-signed) → the OTP/PIN webview → the B2B2C
//! token exchange, authorized by the linkage token \[P\].

use ovo_model::endpoint::OvoEndpoint;
use ovo_model::snap::{B2b2cTokenResponse, BindingRequest, BindingResponse};
use ovo_model::{ResponseCode, Secret};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::answer::{Answer, read_snap_received};
use crate::call::{Authorization, Call};
use crate::calls;
use crate::error::FlowError;
use crate::flow::{Action, Event, Flow, FlowKind, FlowSecrets, SecretSlot, Version};
use crate::reason::{Pacing, Reason};
use crate::tokens::{CustomerTokens, later};
use crate::webview::{auth_code, linkage_webview};

/// How linking ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkingOutcome {
    /// Bound: the customer's tokens.
    Linked(CustomerTokens),
    /// OVO refused (unknown phone, account linked elsewhere, expired code...).
    Refused {
        /// OVO's `responseCode`; its case says why (e.g. `404xx11` invalid account).
        code: ResponseCode,
        /// OVO's `responseMessage` with `code`, for logs and support; branch on `code`.
        message: String,
    },
    /// The customer did not complete the webview, or an answer was lost; start again.
    NotLinked {
        /// Which step stopped it: the webview (timed out or not confirmed), a lost answer, no
        /// linkage token, lost secrets or a cancel.
        reason: Reason,
    },
}

/// The stored form of the end: the tokens stay in the secrets.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
enum End {
    Linked {
        #[serde(with = "time::serde::rfc3339")]
        access_usable_until: OffsetDateTime,
    },
    Refused {
        code: ResponseCode,
        message: String,
    },
    NotLinked {
        reason: Reason,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
enum Phase {
    Start,
    AwaitingBinding,
    /// The webview (URL and linkage token in the secrets) until `until`.
    Webview {
        opened: bool,
        #[serde(with = "time::serde::rfc3339")]
        until: OffsetDateTime,
    },
    /// The `authCode` (in the secrets) is to be exchanged.
    Exchange,
    AwaitingTokens,
    Done {
        end: End,
    },
}

/// One linking attempt.
///
/// ```
/// use ovo_flows::{Action, Flow, Linking};
/// use ovo_model::snap::BindingRequest;
///
/// let request = BindingRequest { merchant_id: "oamerchantg".into(), phone_no: Some("6281234567890".into()), ..Default::default() };
/// let mut linking = Linking::new(&request, "https://merchant.example/ovo/callback", Some("attempt-1".into()))?;
/// let Action::Send(call) = linking.poll(time::OffsetDateTime::now_utc()) else { panic!() };
/// assert!(!call.moves_money());
/// # Ok::<(), ovo_flows::FlowError>(())
/// ```
#[derive(Clone, Serialize, Deserialize)]
pub struct Linking {
    version: Version,
    body: String,
    destination: String,
    state: Option<String>,
    pacing: Pacing,
    phase: Phase,
    #[serde(skip)]
    secrets: FlowSecrets,
}

impl Linking {
    /// Links with `request`; the webview returns to `destination` (a callback URL registered with
    /// OVO) with `state`, which identifies the attempt \[S\].
    pub fn new(
        request: &BindingRequest,
        destination: &str,
        state: Option<String>,
    ) -> Result<Self, FlowError> {
        Ok(Self {
            version: Version::default(),
            body: calls::body_text(request)?,
            destination: destination.to_owned(),
            state,
            pacing: Pacing::default(),
            phase: Phase::Start,
            secrets: FlowSecrets::default(),
        })
    }

    /// Sets the webview timeout.
    pub fn with_pacing(mut self, pacing: Pacing) -> Self {
        self.pacing = pacing;
        self
    }

    fn end(&mut self, end: End) -> Phase {
        self.secrets.take(SecretSlot::Linkage);
        self.secrets.take(SecretSlot::AuthCode);
        self.secrets.take(SecretSlot::WebviewUrl);
        Phase::Done { end }
    }

    fn outcome(&self, end: &End) -> LinkingOutcome {
        match end {
            End::Linked {
                access_usable_until,
            } => match self.secrets.get(SecretSlot::Access) {
                Some(access) => LinkingOutcome::Linked(CustomerTokens {
                    access: access.clone(),
                    access_usable_until: *access_usable_until,
                    refresh: self.secrets.get(SecretSlot::Refresh).cloned(),
                }),
                None => LinkingOutcome::NotLinked {
                    reason: Reason::SecretsLost,
                },
            },
            End::Refused { code, message } => LinkingOutcome::Refused {
                code: *code,
                message: message.clone(),
            },
            End::NotLinked { reason } => LinkingOutcome::NotLinked { reason: *reason },
        }
    }
}

fn not_linked(reason: Reason) -> End {
    End::NotLinked { reason }
}

impl Flow for Linking {
    type Outcome = LinkingOutcome;

    fn poll(&mut self, now: OffsetDateTime) -> Action<LinkingOutcome> {
        match self.phase.clone() {
            Phase::Start => {
                self.phase = Phase::AwaitingBinding;
                Action::Send(Call::ovo(
                    OvoEndpoint::Binding,
                    self.body.clone().into_bytes(),
                    Authorization::Rsa,
                ))
            }
            Phase::Webview { until, .. } if now >= until => {
                self.phase = self.end(not_linked(Reason::WebviewTimedOut));
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
                        self.phase = self.end(not_linked(Reason::SecretsLost));
                        self.poll(now)
                    }
                }
            }
            Phase::Webview {
                opened: true,
                until,
            } => Action::WakeAt(until),
            Phase::Exchange => {
                let code = self.secrets.take(SecretSlot::AuthCode);
                let linkage = self.secrets.get(SecretSlot::Linkage).cloned();
                let call = match (code, linkage) {
                    (Some(code), Some(linkage)) => calls::exchange_code(code, linkage).ok(),
                    _ => None,
                };
                match call {
                    Some(call) => {
                        self.phase = Phase::AwaitingTokens;
                        Action::Send(call)
                    }
                    None => {
                        self.phase = self.end(not_linked(Reason::SecretsLost));
                        self.poll(now)
                    }
                }
            }
            Phase::Done { end } => Action::Done(self.outcome(&end)),
            Phase::AwaitingBinding | Phase::AwaitingTokens => Action::Wait,
        }
    }

    fn handle(&mut self, now: OffsetDateTime, event: Event) -> Result<(), FlowError> {
        // Reconciling with a call in flight: the call was lost, and may have reached OVO.
        let event = event.reconciled(matches!(
            self.phase,
            Phase::AwaitingBinding | Phase::AwaitingTokens
        ));
        self.phase = match (&self.phase, event) {
            (_, Event::Timer | Event::Reconcile) => return Ok(()),
            (
                Phase::AwaitingBinding | Phase::AwaitingTokens | Phase::Done { .. },
                Event::Cancel,
            ) => return Ok(()),
            (_, Event::Cancel) => self.end(not_linked(Reason::Cancelled)),
            (Phase::Webview { .. }, Event::Callback(url)) => {
                self.secrets.take(SecretSlot::WebviewUrl);
                match auth_code(&url) {
                    Ok(code) => {
                        self.secrets.set(SecretSlot::AuthCode, code);
                        Phase::Exchange
                    }
                    Err(_) => self.end(not_linked(Reason::CustomerDidNotConfirm)),
                }
            }
            (_, Event::Callback(_)) => {
                return Err(FlowError::UnexpectedEvent(
                    "the linking is not waiting for the webview",
                ));
            }
            (Phase::AwaitingBinding, Event::Received(received)) => {
                match read_snap_received::<BindingResponse>(&received) {
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
                        None => self.end(not_linked(Reason::NoLinkageToken)),
                    },
                    Answer::Refused { code, message } => self.end(End::Refused { code, message }),
                    Answer::Unknown { .. } => self.end(not_linked(Reason::AnswerLost)),
                }
            }
            (Phase::AwaitingTokens, Event::Received(received)) => {
                match read_snap_received::<B2b2cTokenResponse>(&received) {
                    Answer::Success(answer) => {
                        let tokens =
                            CustomerTokens::issued(answer.access_token, answer.refresh_token, now);
                        self.secrets.set(SecretSlot::Access, tokens.access);
                        if let Some(refresh) = tokens.refresh {
                            self.secrets.set(SecretSlot::Refresh, refresh);
                        }
                        self.end(End::Linked {
                            access_usable_until: tokens.access_usable_until,
                        })
                    }
                    Answer::Refused { code, message } => self.end(End::Refused { code, message }),
                    Answer::Unknown { .. } => self.end(not_linked(Reason::AnswerLost)),
                }
            }
            (_, Event::Received(_)) => {
                return Err(FlowError::UnexpectedEvent(
                    "no call of this linking is in flight",
                ));
            }
        };
        Ok(())
    }

    fn unsettled_outcome(&self) -> Option<LinkingOutcome> {
        match &self.phase {
            Phase::Done { end } => Some(self.outcome(end)),
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
        FlowKind::Linking
    }
}

impl std::fmt::Debug for Linking {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Linking")
            .field("phase", &self.phase)
            .field("secrets", &self.secrets)
            .finish_non_exhaustive()
    }
}
