//! A SNAP refund with the partner's B2B token, as a state machine: sent once; an unknown outcome
//! is resolved from the payment's `refundHistory` in status inquiries (with the customer's token
//! \[S\]), paced by [`Pacing`], never by re-sending.

use ovo_model::ResponseCode;
use ovo_model::endpoint::OvoEndpoint;
use ovo_model::snap::{DebitStatusResponse, RefundRequest, RefundResponse, TransactionStatus};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::answer::{Answer, read_snap_received};
use crate::call::{Authorization, Call, Received};
use crate::calls;
use crate::error::FlowError;
use crate::flow::{Action, Event, Flow, FlowKind, FlowSecrets, Version};
use crate::reason::Pacing;
use crate::tokens::later;

/// How a refund ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum RefundOutcome {
    /// OVO refunded the amount: `2005800`, or the payment's `refundHistory` lists this
    /// `partnerRefundNo` as `00` (or without a status).
    Refunded {
        /// OVO's refund reference, when known.
        refund_no: Option<String>,
    },
    /// OVO refused it (over the capture, the window or the daily limit...): nothing moved.
    Refused {
        /// OVO's `responseCode`; its case says why (e.g. `403xx15` transaction not permitted).
        code: ResponseCode,
        /// OVO's `responseMessage` with `code`, for logs and support; branch on `code`.
        message: String,
    },
    /// Certainly not refunded: the call never left, or the status inquiry shows no such refund.
    NotRefunded,
    /// Not settled yet: resume the stored flow later, or reconcile; never refund again blindly.
    Unknown,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
enum Phase {
    Start,
    AwaitingRefund,
    Inquire {
        #[serde(with = "time::serde::rfc3339::option")]
        not_before: Option<OffsetDateTime>,
    },
    AwaitingStatus,
    Done {
        outcome: RefundOutcome,
    },
}

/// One refund.
///
/// ```
/// use ovo_flows::{Action, Flow, Refund};
/// use ovo_model::{Idr, SnapMoney, snap::RefundRequest};
///
/// let mut refund = Refund::new(&RefundRequest::new("INV-1", "RF-1", SnapMoney::idr(Idr::from_rupiah(500))))?;
/// let Action::Send(call) = refund.poll(time::OffsetDateTime::now_utc()) else { panic!() };
/// assert!(call.moves_money());
/// # Ok::<(), ovo_flows::FlowError>(())
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Refund {
    version: Version,
    original: String,
    refund_no: String,
    body: String,
    pacing: Pacing,
    phase: Phase,
    sent: bool,
    /// When the refund call was emitted (for [`Pacing::arrival_horizon`]).
    #[serde(default, with = "time::serde::rfc3339::option")]
    sent_at: Option<OffsetDateTime>,
    inquiries: u32,
    #[serde(skip)]
    secrets: FlowSecrets,
}

impl Refund {
    /// A refund of `request`, validated and serialized once.
    pub fn new(request: &RefundRequest) -> Result<Self, FlowError> {
        Ok(Self {
            version: Version::default(),
            original: request.original_partner_reference_no.clone(),
            refund_no: request.partner_refund_no.clone(),
            body: calls::body_text(request)?,
            pacing: Pacing::default(),
            phase: Phase::Start,
            sent: false,
            sent_at: None,
            inquiries: 0,
            secrets: FlowSecrets::default(),
        })
    }

    /// Sets the pacing of status inquiries.
    pub fn with_pacing(mut self, pacing: Pacing) -> Self {
        self.pacing = pacing;
        self
    }

    /// The refund's `partnerRefundNo`.
    pub fn refund_no(&self) -> &str {
        &self.refund_no
    }

    fn inquire_next(&self, now: OffsetDateTime) -> Phase {
        let not_before =
            (self.inquiries > 0).then(|| later(now, self.pacing.inquiry_wait(self.inquiries)));
        Phase::Inquire { not_before }
    }

    fn on_refund(&mut self, now: OffsetDateTime, received: &Received) -> Phase {
        if let Received::Failed {
            may_have_reached: false,
        } = received
        {
            self.sent = false;
            return done(RefundOutcome::NotRefunded);
        }
        match read_snap_received::<RefundResponse>(received) {
            Answer::Success(answer) if !answer.response_code.is_in_progress() => {
                done(RefundOutcome::Refunded {
                    refund_no: Some(answer.refund_no),
                })
            }
            Answer::Refused { code, message } => done(RefundOutcome::Refused { code, message }),
            Answer::Success(_) | Answer::Unknown { .. } => self.inquire_next(now),
        }
    }

    fn on_status(&mut self, now: OffsetDateTime, received: &Received) -> Phase {
        self.inquiries += 1;
        if let Answer::Success(status) = read_snap_received::<DebitStatusResponse>(received) {
            let ours = status
                .refund_history
                .iter()
                .find(|r| r.partner_refund_no.as_deref() == Some(self.refund_no.as_str()));
            match ours.map(|r| (r.refund_status.clone(), r.refund_no.clone())) {
                Some((Some(TransactionStatus::Success) | None, refund_no)) => {
                    return done(RefundOutcome::Refunded { refund_no });
                }
                Some((Some(TransactionStatus::Failed), _)) => {
                    return done(RefundOutcome::NotRefunded);
                }
                // Not in the history, long after the call could have arrived: not refunded.
                None if self
                    .sent_at
                    .is_some_and(|at| now >= later(at, self.pacing.arrival_horizon)) =>
                {
                    return done(RefundOutcome::NotRefunded);
                }
                // Not (yet) in the history: a refund whose answer was lost may still be on its
                // way to the provider, so its absence proves nothing. Inquire again; if the
                // inquiries run out first, the outcome stays Unknown, never NotRefunded.
                Some(_) | None => {}
            }
        }
        if self.inquiries >= self.pacing.max_inquiries {
            done(RefundOutcome::Unknown)
        } else {
            self.inquire_next(now)
        }
    }
}

fn done(outcome: RefundOutcome) -> Phase {
    Phase::Done { outcome }
}

impl Flow for Refund {
    type Outcome = RefundOutcome;

    fn poll(&mut self, now: OffsetDateTime) -> Action<RefundOutcome> {
        match self.phase.clone() {
            Phase::Start => {
                self.phase = Phase::AwaitingRefund;
                self.sent = true;
                self.sent_at = Some(now);
                Action::Send(Call::ovo(
                    OvoEndpoint::Refund,
                    self.body.clone().into_bytes(),
                    Authorization::B2b,
                ))
            }
            Phase::Inquire {
                not_before: Some(at),
            } if now < at => Action::WakeAt(at),
            Phase::Inquire { .. } => match calls::status(Authorization::Customer, &self.original) {
                Ok(call) => {
                    self.phase = Phase::AwaitingStatus;
                    Action::Send(call)
                }
                Err(_) => {
                    self.phase = done(RefundOutcome::Unknown);
                    Action::Done(RefundOutcome::Unknown)
                }
            },
            Phase::Done { outcome } => Action::Done(outcome),
            Phase::AwaitingRefund | Phase::AwaitingStatus => Action::Wait,
        }
    }

    fn handle(&mut self, now: OffsetDateTime, event: Event) -> Result<(), FlowError> {
        // Reconciling with a call in flight: the call was lost, and may have reached OVO.
        let event = event.reconciled(matches!(
            self.phase,
            Phase::AwaitingRefund | Phase::AwaitingStatus
        ));
        self.phase = match (&self.phase, event) {
            (_, Event::Timer) => return Ok(()),
            (
                Phase::Done {
                    outcome: RefundOutcome::Unknown,
                }
                | Phase::Inquire { .. },
                Event::Reconcile,
            ) => {
                self.inquiries = 0;
                Phase::Inquire { not_before: None }
            }
            (_, Event::Reconcile) => return Ok(()),
            (Phase::Start, Event::Cancel) => done(RefundOutcome::NotRefunded),
            (_, Event::Cancel) => return Ok(()),
            (Phase::AwaitingRefund, Event::Received(r)) => self.on_refund(now, &r),
            (Phase::AwaitingStatus, Event::Received(r)) => self.on_status(now, &r),
            (_, Event::Received(_)) => {
                return Err(FlowError::UnexpectedEvent(
                    "no call of this refund is in flight",
                ));
            }
            (_, Event::Callback(_)) => {
                return Err(FlowError::UnexpectedEvent("a refund has no webview"));
            }
        };
        Ok(())
    }

    fn unsettled_outcome(&self) -> Option<RefundOutcome> {
        match &self.phase {
            Phase::Done { outcome } => Some(outcome.clone()),
            _ => self.sent.then_some(RefundOutcome::Unknown),
        }
    }

    fn is_done(&self) -> bool {
        matches!(self.phase, Phase::Done { .. })
    }

    fn is_settled(&self) -> bool {
        matches!(&self.phase, Phase::Done { outcome } if *outcome != RefundOutcome::Unknown)
    }

    fn secrets(&self) -> &FlowSecrets {
        &self.secrets
    }

    fn restore_secrets(&mut self, secrets: FlowSecrets) {
        self.secrets = secrets;
    }

    fn kind(&self) -> FlowKind {
        FlowKind::Refund
    }
}
