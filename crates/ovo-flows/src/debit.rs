//! OVO's two-phase direct debit as a state machine \[S\]:
//!
//! 1. call 1 with the customer's access token: `2025400`, nothing moves;
//! 2. the customer confirms in the PIN webview; the callback carries an `authCode`;
//! 3. Generate Token turns it into a single-use token (15 minutes);
//! 4. call 2, the identical body, with the single-use token: the money moves.
//!
//! The machine never re-sends a call whose bytes may have reached OVO: any unknown outcome of a
//! debit call is resolved by status inquiries, paced by [`Pacing`]. Call 2 is sent at most once,
//! and never after the single-use token's lifetime; the `authCode` is sent once. A recurring debit
//! (`subTransactionType: AUTO`) may be captured by call 1 itself.

use std::time::Duration;

use ovo_model::endpoint::OvoEndpoint;
use ovo_model::snap::{
    DebitStatusResponse, DirectDebitRequest, DirectDebitResponse, GenerateTokenResponse,
    TransactionStatus,
};
use ovo_model::{ResponseCode, Secret};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::answer::{Answer, read_snap_received};
use crate::call::{Authorization, Call, Received};
use crate::calls;
use crate::error::FlowError;
use crate::flow::{Action, Event, Flow, FlowKind, FlowSecrets, SecretSlot, Version};
use crate::reason::{Pacing, Reason};
use crate::tokens::{RENEW_MARGIN, SINGLE_USE_LIFETIME, later};
use crate::webview::{auth_code, payment_webview};

/// How a debit ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum DebitOutcome {
    /// OVO took the money: a debit call answered `2005400`, or the status inquiry shows `00` (or
    /// `04`, refunded since).
    Paid {
        /// OVO's reference of the payment, when known.
        reference_no: Option<String>,
    },
    /// OVO refused the debit: nothing was captured.
    Refused {
        /// OVO's code (`403xx14` insufficient funds, ...).
        code: ResponseCode,
        /// OVO's `responseMessage` with `code`, for logs and support; branch on `code`.
        message: String,
    },
    /// Certainly nothing was captured.
    Abandoned {
        /// Which step ended the debit (webview, token, inquiry...); none of them captured money.
        reason: Reason,
    },
    /// Not settled yet: the money may or may not have moved. Resume the stored flow later (its
    /// status inquiries settle it), or reconcile with OVO's settlement file; never pay again
    /// blindly.
    Unknown,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
enum Phase {
    Start,
    AwaitingFirst,
    /// The PIN webview (its URL in the secrets) until `until`.
    Webview {
        opened: bool,
        #[serde(with = "time::serde::rfc3339")]
        until: OffsetDateTime,
    },
    /// The `authCode` (in the secrets) is to be exchanged.
    Generate,
    AwaitingGenerate,
    /// Call 2 may go with the single-use token (in the secrets) until `until`.
    Second {
        #[serde(with = "time::serde::rfc3339")]
        until: OffsetDateTime,
    },
    AwaitingSecond,
    Inquire {
        #[serde(with = "time::serde::rfc3339::option")]
        not_before: Option<OffsetDateTime>,
    },
    AwaitingStatus,
    Done {
        outcome: DebitOutcome,
    },
}

/// One direct debit, from call 1 to a settled outcome. It serializes without its secrets
/// ([`Flow::secrets`]); see [`crate::to_state`].
///
/// ```
/// use ovo_flows::{Action, Debit, Flow};
/// use ovo_model::{Idr, SnapMoney, snap::DirectDebitRequest};
///
/// let request = DirectDebitRequest::new("INV-1", SnapMoney::idr(Idr::from_rupiah(10_000)));
/// let mut debit = Debit::new(&request, "https://merchant.example/ovo/callback")?;
/// let now = time::OffsetDateTime::now_utc();
/// let Action::Send(call) = debit.poll(now) else { panic!() };
/// assert!(call.moves_money());
/// assert_eq!(debit.poll(now), Action::Wait, "one call at a time");
/// # Ok::<(), ovo_flows::FlowError>(())
/// ```
#[derive(Clone, Serialize, Deserialize)]
pub struct Debit {
    version: Version,
    reference: String,
    body: String,
    recurring: bool,
    destination: String,
    state: Option<String>,
    pacing: Pacing,
    phase: Phase,
    first_sent: bool,
    second_sent: bool,
    inquiries: u32,
    #[serde(skip)]
    secrets: FlowSecrets,
}

impl Debit {
    /// A debit of `request`, whose body is validated and serialized here, once: call 2 repeats
    /// these exact bytes \[S\]. `destination` is the callback URL the PIN webview returns to.
    pub fn new(request: &DirectDebitRequest, destination: &str) -> Result<Self, FlowError> {
        Ok(Self {
            version: Version::default(),
            reference: request.partner_reference_no.clone(),
            body: calls::body_text(request)?,
            recurring: request.is_recurring(),
            destination: destination.to_owned(),
            state: None,
            pacing: Pacing::default(),
            phase: Phase::Start,
            first_sent: false,
            second_sent: false,
            inquiries: 0,
            secrets: FlowSecrets::default(),
        })
    }

    /// Sets the `state` the PIN webview returns with (the payment's reference by default).
    pub fn with_state(mut self, state: &str) -> Self {
        self.state = Some(state.to_owned());
        self
    }

    /// Sets the webview timeout and the pacing of status inquiries.
    pub fn with_pacing(mut self, pacing: Pacing) -> Self {
        self.pacing = pacing;
        self
    }

    /// The payment's `partnerReferenceNo`.
    pub fn reference(&self) -> &str {
        &self.reference
    }

    /// The body both debit calls send.
    pub fn body(&self) -> &[u8] {
        self.body.as_bytes()
    }

    /// Whether a call that can capture was sent: call 2, or call 1 of a recurring debit.
    pub fn capture_possible(&self) -> bool {
        self.second_sent || (self.recurring && self.first_sent)
    }

    fn debit_call(&self, authorization: Authorization) -> Call {
        Call::ovo(
            OvoEndpoint::Debit,
            self.body.clone().into_bytes(),
            authorization,
        )
    }

    fn finish(&mut self, outcome: DebitOutcome) -> Action<DebitOutcome> {
        self.phase = Phase::Done {
            outcome: outcome.clone(),
        };
        // Nothing secret is needed after the end.
        self.secrets = FlowSecrets::default();
        Action::Done(outcome)
    }

    /// Ends the debit `Abandoned`, or, when a call that can capture was sent (call 1 of a
    /// recurring debit), settles it by inquiry instead: "abandoned" promises nothing moved.
    fn abandon(&mut self, now: OffsetDateTime, reason: Reason) -> Action<DebitOutcome> {
        match self.give_up(now, reason) {
            Phase::Done { outcome } => self.finish(outcome),
            phase => {
                self.phase = phase;
                self.poll(now)
            }
        }
    }

    /// The phase after giving up for `reason`: done `Abandoned` if nothing can have been
    /// captured, else status inquiries.
    fn give_up(&self, now: OffsetDateTime, reason: Reason) -> Phase {
        if self.capture_possible() {
            self.inquire_next(now)
        } else {
            done(DebitOutcome::Abandoned { reason })
        }
    }

    fn inquire_next(&self, now: OffsetDateTime) -> Phase {
        let not_before =
            (self.inquiries > 0).then(|| later(now, self.pacing.inquiry_wait(self.inquiries)));
        Phase::Inquire { not_before }
    }

    fn on_first(&mut self, now: OffsetDateTime, received: &Received) -> Phase {
        if let Received::Failed {
            may_have_reached: false,
        } = received
        {
            self.first_sent = false;
            return done(DebitOutcome::Abandoned {
                reason: Reason::NeverSent,
            });
        }
        match read_snap_received::<DirectDebitResponse>(received) {
            Answer::Success(answer) if answer.response_code.is_in_progress() => {
                match answer.web_redirect_url {
                    Some(url) => {
                        let state = self.state.as_deref().unwrap_or(&self.reference);
                        let url = payment_webview(&url, &self.destination, state);
                        self.secrets.set(SecretSlot::WebviewUrl, Secret::new(url));
                        Phase::Webview {
                            opened: false,
                            until: later(now, self.pacing.webview_timeout),
                        }
                    }
                    None => self.inquire_next(now),
                }
            }
            Answer::Success(answer) => done(DebitOutcome::Paid {
                reference_no: answer.reference_no,
            }),
            Answer::Refused { code, message } => done(DebitOutcome::Refused { code, message }),
            Answer::Unknown { .. } => self.inquire_next(now),
        }
    }

    fn on_generate(&mut self, now: OffsetDateTime, received: &Received) -> Phase {
        match read_snap_received::<GenerateTokenResponse>(received) {
            Answer::Success(answer) => {
                let lifetime = answer.expires_in.map_or(SINGLE_USE_LIFETIME, |e| {
                    Duration::from_secs(e.0).min(SINGLE_USE_LIFETIME)
                });
                self.secrets
                    .set(SecretSlot::SingleUse, answer.single_use_token);
                Phase::Second {
                    until: later(now, lifetime.saturating_sub(RENEW_MARGIN)),
                }
            }
            // Refused, lost or unreadable: the single-use `authCode` is never sent twice, and
            // without call 2 nothing moves.
            Answer::Refused { .. } | Answer::Unknown { .. } => {
                self.give_up(now, Reason::SingleUseTokenNotIssued)
            }
        }
    }

    fn on_second(&mut self, now: OffsetDateTime, received: &Received) -> Phase {
        if let Received::Failed {
            may_have_reached: false,
        } = received
        {
            self.second_sent = false;
            return self.give_up(now, Reason::NeverSent);
        }
        match read_snap_received::<DirectDebitResponse>(received) {
            Answer::Success(answer) if !answer.response_code.is_in_progress() => {
                done(DebitOutcome::Paid {
                    reference_no: answer.reference_no,
                })
            }
            Answer::Refused { code, message } => done(DebitOutcome::Refused { code, message }),
            Answer::Success(_) | Answer::Unknown { .. } => self.inquire_next(now),
        }
    }

    fn on_status(&mut self, now: OffsetDateTime, received: &Received) -> Phase {
        self.inquiries += 1;
        let status = match read_snap_received::<DebitStatusResponse>(received) {
            Answer::Success(status) => Some(status.latest_transaction_status),
            _ => None,
        };
        let abandoned = |reason| done(DebitOutcome::Abandoned { reason });
        match status {
            Some(TransactionStatus::Success | TransactionStatus::Refunded) => {
                done(DebitOutcome::Paid { reference_no: None })
            }
            Some(TransactionStatus::Failed | TransactionStatus::Canceled) => {
                abandoned(Reason::StatusShowsFailed)
            }
            Some(TransactionStatus::NotFound) if !self.capture_possible() => {
                abandoned(Reason::StatusDoesNotKnowPayment)
            }
            // Without call 2, a pending one-off payment moves nothing; a recurring one may still
            // be captured by OVO, so it is inquired again.
            Some(
                TransactionStatus::Initiated
                | TransactionStatus::Paying
                | TransactionStatus::Pending,
            ) if !self.capture_possible() => abandoned(Reason::NeverConfirmed),
            // Without a call that can capture, nothing moved, whatever the inquiries said.
            _ if self.inquiries >= self.pacing.max_inquiries && !self.capture_possible() => {
                abandoned(Reason::NeverConfirmed)
            }
            _ if self.inquiries >= self.pacing.max_inquiries => done(DebitOutcome::Unknown),
            _ => self.inquire_next(now),
        }
    }
}

fn done(outcome: DebitOutcome) -> Phase {
    Phase::Done { outcome }
}

impl Flow for Debit {
    type Outcome = DebitOutcome;

    fn poll(&mut self, now: OffsetDateTime) -> Action<DebitOutcome> {
        match self.phase.clone() {
            Phase::Start => {
                self.phase = Phase::AwaitingFirst;
                self.first_sent = true;
                Action::Send(self.debit_call(Authorization::Customer))
            }
            Phase::Webview { until, .. } if now >= until => {
                self.abandon(now, Reason::WebviewTimedOut)
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
                    None => self.abandon(now, Reason::SecretsLost),
                }
            }
            Phase::Webview {
                opened: true,
                until,
            } => Action::WakeAt(until),
            Phase::Generate => match self.secrets.take(SecretSlot::AuthCode) {
                Some(code) => {
                    self.phase = Phase::AwaitingGenerate;
                    Action::Send(calls::generate_token(&code))
                }
                None => self.abandon(now, Reason::SecretsLost),
            },
            Phase::Second { until } => {
                let token = self.secrets.take(SecretSlot::SingleUse);
                match token {
                    Some(token) if now < until && !self.second_sent => {
                        self.second_sent = true;
                        self.phase = Phase::AwaitingSecond;
                        Action::Send(self.debit_call(Authorization::Bearer(token)))
                    }
                    Some(_) => self.abandon(now, Reason::SingleUseTokenLapsed),
                    None => self.abandon(now, Reason::SecretsLost),
                }
            }
            Phase::Inquire {
                not_before: Some(at),
            } if now < at => Action::WakeAt(at),
            Phase::Inquire { .. } => {
                match calls::status(Authorization::Customer, &self.reference) {
                    Ok(call) => {
                        self.phase = Phase::AwaitingStatus;
                        Action::Send(call)
                    }
                    Err(_) => self.finish(DebitOutcome::Unknown),
                }
            }
            Phase::Done { outcome } => Action::Done(outcome),
            Phase::AwaitingFirst
            | Phase::AwaitingGenerate
            | Phase::AwaitingSecond
            | Phase::AwaitingStatus => Action::Wait,
        }
    }

    fn handle(&mut self, now: OffsetDateTime, event: Event) -> Result<(), FlowError> {
        // Reconciling with a call in flight: the call was lost, and may have reached OVO.
        let event = event.reconciled(matches!(
            self.phase,
            Phase::AwaitingFirst
                | Phase::AwaitingGenerate
                | Phase::AwaitingSecond
                | Phase::AwaitingStatus
        ));
        let next = match (&self.phase, event) {
            (_, Event::Timer) => return Ok(()),
            (
                Phase::Done {
                    outcome: DebitOutcome::Unknown,
                }
                | Phase::Inquire { .. },
                Event::Reconcile,
            ) => {
                self.inquiries = 0;
                Phase::Inquire { not_before: None }
            }
            (_, Event::Reconcile) => return Ok(()),
            (
                Phase::AwaitingFirst
                | Phase::AwaitingGenerate
                | Phase::AwaitingSecond
                | Phase::AwaitingStatus
                | Phase::Done { .. },
                Event::Cancel,
            ) => return Ok(()),
            (_, Event::Cancel) if self.capture_possible() => return Ok(()),
            (_, Event::Cancel) => done(DebitOutcome::Abandoned {
                reason: Reason::Cancelled,
            }),
            (Phase::Webview { .. }, Event::Callback(url)) => {
                self.secrets.take(SecretSlot::WebviewUrl);
                match auth_code(&url) {
                    Ok(code) => {
                        self.secrets.set(SecretSlot::AuthCode, code);
                        Phase::Generate
                    }
                    Err(_) => self.give_up(now, Reason::CustomerDidNotConfirm),
                }
            }
            (_, Event::Callback(_)) => {
                return Err(FlowError::UnexpectedEvent(
                    "the debit is not waiting for the webview",
                ));
            }
            (Phase::AwaitingFirst, Event::Received(r)) => self.on_first(now, &r),
            (Phase::AwaitingGenerate, Event::Received(r)) => self.on_generate(now, &r),
            (Phase::AwaitingSecond, Event::Received(r)) => self.on_second(now, &r),
            (Phase::AwaitingStatus, Event::Received(r)) => self.on_status(now, &r),
            (_, Event::Received(_)) => {
                return Err(FlowError::UnexpectedEvent(
                    "no call of this debit is in flight",
                ));
            }
        };
        if let Phase::Done { outcome } = &next {
            let outcome = outcome.clone();
            self.finish(outcome);
        } else {
            self.phase = next;
        }
        Ok(())
    }

    fn unsettled_outcome(&self) -> Option<DebitOutcome> {
        match &self.phase {
            Phase::Done { outcome } => Some(outcome.clone()),
            _ => self.capture_possible().then_some(DebitOutcome::Unknown),
        }
    }

    fn is_done(&self) -> bool {
        matches!(self.phase, Phase::Done { .. })
    }

    fn is_settled(&self) -> bool {
        matches!(&self.phase, Phase::Done { outcome } if *outcome != DebitOutcome::Unknown)
    }

    fn secrets(&self) -> &FlowSecrets {
        &self.secrets
    }

    fn restore_secrets(&mut self, secrets: FlowSecrets) {
        self.secrets = secrets;
    }

    fn kind(&self) -> FlowKind {
        FlowKind::Debit
    }
}

impl std::fmt::Debug for Debit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Debit")
            .field("reference", &self.reference)
            .field("phase", &self.phase)
            .field("secrets", &self.secrets)
            .finish_non_exhaustive()
    }
}
