//! OVO's two-phase direct debit as a state machine \[S\]:
//!
//! 1. call 1 with the customer's access token: `2025400`, nothing moves;
//! 2. the customer confirms in the PIN webview; the callback carries an `authCode`;
//! 3. Generate Token turns it into a single-use token (15 minutes);
//! 4. call 2, the identical body, with the single-use token: the money moves.
//!
//! The machine never re-sends a call whose bytes may have reached OVO: any unknown outcome of a
//! debit call is resolved by status inquiry. Call 2 is sent at most once, and never after the
//! single-use token's lifetime. A recurring debit (`subTransactionType: AUTO`) may be captured by
//! call 1 itself.

use std::time::Duration;

use ovo_model::snap::{
    DebitStatusResponse, DirectDebitRequest, DirectDebitResponse, GenerateTokenResponse,
    TransactionStatus,
};
use ovo_model::{ResponseCode, Secret};
use time::OffsetDateTime;

use crate::answer::{Answer, read_snap};
use crate::call::{Authorization, Call, Received, Target};
use crate::calls;
use crate::config::SnapEndpoint;
use crate::error::FlowError;
use crate::tokens::{RENEW_MARGIN, SINGLE_USE_LIFETIME};
use crate::webview::auth_code;

/// How a debit ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DebitOutcome {
    /// Captured.
    Paid {
        /// OVO's reference of the payment, when known.
        reference_no: Option<String>,
    },
    /// OVO refused the debit: nothing was captured.
    Refused {
        /// OVO's code (`403xx14` insufficient funds, ...).
        code: ResponseCode,
        /// OVO's message.
        message: String,
    },
    /// Certainly nothing was captured: the customer did not confirm, the single-use token lapsed
    /// before call 2, or the status inquiry showed the payment failed or never started.
    Abandoned {
        /// Why.
        reason: &'static str,
    },
    /// Status inquiries did not settle it: the money may or may not have moved. Reconcile later
    /// with the status inquiry or OVO's settlement file; never pay again blindly.
    Unknown,
}

/// What the driver must do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DebitAction {
    /// Sign and send this call, then report with [`Debit::on_received`].
    Send(Call),
    /// Send the customer to this URL (the partner adds `destination` and `state`), then report the
    /// callback with [`Debit::on_callback`].
    OpenWebview(String),
    /// A call is in flight, or the customer is in the webview: nothing to do until an event.
    Wait,
    /// Finished.
    Done(DebitOutcome),
}

#[derive(Debug, Clone)]
enum Phase {
    Start,
    AwaitingFirst,
    Webview {
        url: String,
        opened: bool,
    },
    Generate {
        code: Secret,
    },
    AwaitingGenerate {
        code: Secret,
    },
    Second {
        token: Secret,
        usable_until: OffsetDateTime,
    },
    AwaitingSecond,
    Inquire,
    AwaitingStatus,
    Done(DebitOutcome),
}

/// One direct debit, from call 1 to a settled outcome.
///
/// ```
/// use ovo_flows::{Debit, DebitAction};
/// use ovo_model::{Idr, Secret, SnapMoney, snap::DirectDebitRequest};
///
/// let request = DirectDebitRequest::new("INV-1", SnapMoney::idr(Idr::from_rupiah(10_000)));
/// let mut debit = Debit::new(&request)?;
/// let now = time::OffsetDateTime::now_utc();
/// let access = Secret::new("access-token");
/// let DebitAction::Send(call) = debit.poll(now, &access) else { panic!() };
/// assert!(call.moves_money);
/// assert_eq!(debit.poll(now, &access), DebitAction::Wait, "one call at a time");
/// # Ok::<(), ovo_flows::FlowError>(())
/// ```
#[derive(Clone)]
pub struct Debit {
    reference: String,
    body: Vec<u8>,
    phase: Phase,
    /// A recurring debit may be captured by call 1 itself.
    recurring: bool,
    second_sent: bool,
    inquiries: u32,
    max_inquiries: u32,
    generate_attempts: u32,
}

/// Status inquiries before the outcome is declared unknown.
pub const DEFAULT_MAX_INQUIRIES: u32 = 5;

impl Debit {
    /// A debit of `request`, whose body is validated and serialized here, once: call 2 repeats
    /// these exact bytes \[S\].
    pub fn new(request: &DirectDebitRequest) -> Result<Self, FlowError> {
        Ok(Self {
            reference: request.partner_reference_no.clone(),
            body: calls::body(request)?,
            phase: Phase::Start,
            recurring: request.is_recurring(),
            second_sent: false,
            inquiries: 0,
            max_inquiries: DEFAULT_MAX_INQUIRIES,
            generate_attempts: 0,
        })
    }

    /// Sets how many status inquiries to make before giving up with [`DebitOutcome::Unknown`].
    pub fn with_max_inquiries(mut self, max: u32) -> Self {
        self.max_inquiries = max.max(1);
        self
    }

    /// The payment's `partnerReferenceNo`.
    pub fn reference(&self) -> &str {
        &self.reference
    }

    /// The body both debit calls send.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// Whether a call that can capture was sent: call 2, or call 1 of a recurring debit.
    pub fn capture_possible(&self) -> bool {
        self.second_sent || self.recurring
    }

    /// The next thing to do at `now`; `access` is the customer's access token.
    pub fn poll(&mut self, now: OffsetDateTime, access: &Secret) -> DebitAction {
        match &self.phase {
            Phase::Start => {
                self.phase = Phase::AwaitingFirst;
                DebitAction::Send(self.debit_call(access.clone()))
            }
            Phase::Webview { url, opened: false } => {
                let url = url.clone();
                self.phase = Phase::Webview {
                    url: url.clone(),
                    opened: true,
                };
                DebitAction::OpenWebview(url)
            }
            Phase::Generate { code } => {
                let call = calls::generate_token(access.clone(), code);
                self.phase = Phase::AwaitingGenerate { code: code.clone() };
                DebitAction::Send(call)
            }
            Phase::Second {
                token,
                usable_until,
            } => {
                if now < *usable_until && !self.second_sent {
                    let call = self.debit_call(token.clone());
                    self.second_sent = true;
                    self.phase = Phase::AwaitingSecond;
                    DebitAction::Send(call)
                } else {
                    self.finish(DebitOutcome::Abandoned {
                        reason: "the single-use token lapsed before call 2",
                    })
                }
            }
            Phase::Inquire => {
                match calls::status(Authorization::Bearer(access.clone()), &self.reference) {
                    Ok(call) => {
                        self.phase = Phase::AwaitingStatus;
                        DebitAction::Send(call)
                    }
                    Err(_) => self.finish(DebitOutcome::Unknown),
                }
            }
            Phase::Done(outcome) => DebitAction::Done(outcome.clone()),
            Phase::Webview { opened: true, .. }
            | Phase::AwaitingFirst
            | Phase::AwaitingGenerate { .. }
            | Phase::AwaitingSecond
            | Phase::AwaitingStatus => DebitAction::Wait,
        }
    }

    /// Reports what happened to the call last sent.
    pub fn on_received(
        &mut self,
        now: OffsetDateTime,
        received: Received,
    ) -> Result<(), FlowError> {
        let phase = std::mem::replace(&mut self.phase, Phase::Inquire);
        self.phase = match (phase, received) {
            (Phase::AwaitingFirst, Received::Response(response)) => {
                match read_snap::<DirectDebitResponse>(&response) {
                    Answer::Success(answer) if answer.response_code.is_in_progress() => {
                        match answer.web_redirect_url {
                            Some(url) => Phase::Webview { url, opened: false },
                            None => Phase::Inquire,
                        }
                    }
                    Answer::Success(answer) => Phase::Done(DebitOutcome::Paid {
                        reference_no: answer.reference_no,
                    }),
                    Answer::Refused { code, message } => {
                        Phase::Done(DebitOutcome::Refused { code, message })
                    }
                    Answer::Unknown { .. } => Phase::Inquire,
                }
            }
            (
                Phase::AwaitingFirst,
                Received::Failed {
                    may_have_reached: false,
                },
            ) => Phase::Start,
            (Phase::AwaitingGenerate { code }, Received::Response(response)) => {
                match read_snap::<GenerateTokenResponse>(&response) {
                    Answer::Success(answer) => {
                        let lifetime = answer.expires_in.map_or(SINGLE_USE_LIFETIME, |e| {
                            Duration::from_secs(e.0).min(SINGLE_USE_LIFETIME)
                        });
                        Phase::Second {
                            token: answer.single_use_token,
                            usable_until: now + lifetime.saturating_sub(RENEW_MARGIN),
                        }
                    }
                    Answer::Refused { code, message } => {
                        Phase::Done(DebitOutcome::Refused { code, message })
                    }
                    Answer::Unknown { .. } => self.retry_generate(code),
                }
            }
            (Phase::AwaitingGenerate { code }, Received::Failed { .. }) => {
                self.retry_generate(code)
            }
            (Phase::AwaitingSecond, Received::Response(response)) => {
                match read_snap::<DirectDebitResponse>(&response) {
                    Answer::Success(answer) if !answer.response_code.is_in_progress() => {
                        Phase::Done(DebitOutcome::Paid {
                            reference_no: answer.reference_no,
                        })
                    }
                    Answer::Refused { code, message } => {
                        Phase::Done(DebitOutcome::Refused { code, message })
                    }
                    Answer::Success(_) | Answer::Unknown { .. } => Phase::Inquire,
                }
            }
            (Phase::AwaitingStatus, Received::Response(response)) => {
                self.on_status(read_snap::<DebitStatusResponse>(&response))
            }
            (Phase::AwaitingStatus, Received::Failed { .. }) => {
                self.on_status(Answer::Unknown { http_status: 0 })
            }
            // Call 1 or call 2 may have reached OVO: inquire, never re-send.
            (Phase::AwaitingFirst | Phase::AwaitingSecond, Received::Failed { .. }) => {
                Phase::Inquire
            }
            (phase, _) => {
                self.phase = phase;
                return Err(FlowError::UnexpectedEvent(
                    "no call of this debit is in flight",
                ));
            }
        };
        Ok(())
    }

    /// Reports the webview's redirect back to the partner.
    pub fn on_callback(&mut self, callback_url: &str) -> Result<(), FlowError> {
        let Phase::Webview { .. } = self.phase else {
            return Err(FlowError::UnexpectedEvent(
                "the debit is not waiting for the webview",
            ));
        };
        self.phase = match auth_code(callback_url) {
            Ok(code) => Phase::Generate { code },
            Err(_) => Phase::Done(DebitOutcome::Abandoned {
                reason: "the customer did not confirm in the webview",
            }),
        };
        Ok(())
    }

    fn debit_call(&self, token: Secret) -> Call {
        Call {
            method: http::Method::POST,
            target: Target::Snap(SnapEndpoint::Debit),
            body: self.body.clone(),
            authorization: Authorization::Bearer(token),
            moves_money: true,
        }
    }

    fn retry_generate(&mut self, code: Secret) -> Phase {
        self.generate_attempts += 1;
        if self.generate_attempts < 3 {
            Phase::Generate { code }
        } else {
            Phase::Done(DebitOutcome::Abandoned {
                reason: "no single-use token could be generated, so call 2 was never sent",
            })
        }
    }

    fn on_status(&mut self, answer: Answer<DebitStatusResponse>) -> Phase {
        self.inquiries += 1;
        let status = match answer {
            Answer::Success(status) => Some(status.latest_transaction_status),
            _ => None,
        };
        match status {
            Some(TransactionStatus::Success | TransactionStatus::Refunded) => {
                Phase::Done(DebitOutcome::Paid { reference_no: None })
            }
            Some(TransactionStatus::Failed | TransactionStatus::Canceled) => {
                Phase::Done(DebitOutcome::Abandoned {
                    reason: "the status inquiry shows the payment failed",
                })
            }
            Some(TransactionStatus::NotFound) if !self.capture_possible() => {
                Phase::Done(DebitOutcome::Abandoned {
                    reason: "the status inquiry does not know the payment",
                })
            }
            // Without call 2, a pending one-off payment moves nothing; a recurring one may still
            // be captured by OVO, so it is inquired again.
            Some(
                TransactionStatus::Initiated
                | TransactionStatus::Paying
                | TransactionStatus::Pending,
            ) if !self.capture_possible() => Phase::Done(DebitOutcome::Abandoned {
                reason: "the payment was never confirmed, and call 2 was never sent",
            }),
            _ if self.inquiries >= self.max_inquiries => Phase::Done(DebitOutcome::Unknown),
            _ => Phase::Inquire,
        }
    }

    fn finish(&mut self, outcome: DebitOutcome) -> DebitAction {
        self.phase = Phase::Done(outcome.clone());
        DebitAction::Done(outcome)
    }
}

impl std::fmt::Debug for Debit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Debit")
            .field("phase", &self.phase)
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}
