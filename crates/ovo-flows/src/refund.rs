//! A SNAP refund with the partner's B2B token, as a state machine: sent once; an unknown outcome
//! is resolved from the payment's `refundHistory` in a status inquiry, never by re-sending.

use ovo_model::ResponseCode;
use ovo_model::snap::{DebitStatusResponse, RefundRequest, RefundResponse, TransactionStatus};

use crate::answer::{Answer, read_snap};
use crate::call::{Authorization, Call, Received, Target};
use crate::calls;
use crate::config::SnapEndpoint;
use crate::debit::DEFAULT_MAX_INQUIRIES;
use crate::error::FlowError;

/// How a refund ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundOutcome {
    /// Refunded.
    Refunded {
        /// OVO's refund reference, when known.
        refund_no: Option<String>,
    },
    /// OVO refused it (over the capture, the window or the daily limit...): nothing moved.
    Refused {
        /// OVO's code.
        code: ResponseCode,
        /// OVO's message.
        message: String,
    },
    /// The status inquiry shows no such refund: nothing moved.
    NotRefunded,
    /// Inquiries did not settle it.
    Unknown,
}

/// What the driver must do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundAction {
    /// Sign (with the B2B token) and send this call.
    Send(Call),
    /// A call is in flight.
    Wait,
    /// Finished.
    Done(RefundOutcome),
}

#[derive(Debug, Clone)]
enum Phase {
    Start,
    AwaitingRefund,
    Inquire,
    AwaitingStatus,
    Done(RefundOutcome),
}

/// One refund.
///
/// ```
/// use ovo_flows::{Refund, RefundAction};
/// use ovo_model::{Idr, SnapMoney, snap::RefundRequest};
///
/// let mut refund = Refund::new(&RefundRequest::new("INV-1", "RF-1", SnapMoney::idr(Idr::from_rupiah(500))))?;
/// let RefundAction::Send(call) = refund.poll() else { panic!() };
/// assert!(call.moves_money);
/// # Ok::<(), ovo_flows::FlowError>(())
/// ```
#[derive(Clone)]
pub struct Refund {
    original: String,
    refund_no: String,
    body: Vec<u8>,
    phase: Phase,
    inquiries: u32,
    max_inquiries: u32,
}

impl Refund {
    /// A refund of `request`, validated and serialized once.
    pub fn new(request: &RefundRequest) -> Result<Self, FlowError> {
        Ok(Self {
            original: request.original_partner_reference_no.clone(),
            refund_no: request.partner_refund_no.clone(),
            body: calls::body(request)?,
            phase: Phase::Start,
            inquiries: 0,
            max_inquiries: DEFAULT_MAX_INQUIRIES,
        })
    }

    /// The next thing to do.
    pub fn poll(&mut self) -> RefundAction {
        match &self.phase {
            Phase::Start => {
                self.phase = Phase::AwaitingRefund;
                RefundAction::Send(Call {
                    method: http::Method::POST,
                    target: Target::Snap(SnapEndpoint::Refund),
                    body: self.body.clone(),
                    authorization: Authorization::B2b,
                    moves_money: true,
                })
            }
            Phase::Inquire => match calls::status(Authorization::B2b, &self.original) {
                Ok(call) => {
                    self.phase = Phase::AwaitingStatus;
                    RefundAction::Send(call)
                }
                Err(_) => self.finish(RefundOutcome::Unknown),
            },
            Phase::Done(outcome) => RefundAction::Done(outcome.clone()),
            Phase::AwaitingRefund | Phase::AwaitingStatus => RefundAction::Wait,
        }
    }

    /// Reports what happened to the call last sent.
    pub fn on_received(&mut self, received: Received) -> Result<(), FlowError> {
        let phase = std::mem::replace(&mut self.phase, Phase::Inquire);
        self.phase = match (phase, received) {
            (Phase::AwaitingRefund, Received::Response(response)) => {
                match read_snap::<RefundResponse>(&response) {
                    Answer::Success(answer) if !answer.response_code.is_in_progress() => {
                        Phase::Done(RefundOutcome::Refunded {
                            refund_no: Some(answer.refund_no),
                        })
                    }
                    Answer::Refused { code, message } => {
                        Phase::Done(RefundOutcome::Refused { code, message })
                    }
                    Answer::Success(_) | Answer::Unknown { .. } => Phase::Inquire,
                }
            }
            (
                Phase::AwaitingRefund,
                Received::Failed {
                    may_have_reached: false,
                },
            ) => Phase::Start,
            (Phase::AwaitingRefund, Received::Failed { .. }) => Phase::Inquire,
            (Phase::AwaitingStatus, Received::Response(response)) => {
                self.on_status(read_snap(&response))
            }
            (Phase::AwaitingStatus, Received::Failed { .. }) => {
                self.on_status(Answer::Unknown { http_status: 0 })
            }
            (phase, _) => {
                self.phase = phase;
                return Err(FlowError::UnexpectedEvent(
                    "no call of this refund is in flight",
                ));
            }
        };
        Ok(())
    }

    fn on_status(&mut self, answer: Answer<DebitStatusResponse>) -> Phase {
        self.inquiries += 1;
        if let Answer::Success(status) = answer {
            let ours = status
                .refund_history
                .iter()
                .find(|r| r.partner_refund_no.as_deref() == Some(self.refund_no.as_str()));
            match ours.and_then(|r| r.refund_status.clone()) {
                Some(TransactionStatus::Success) | None if ours.is_some() => {
                    return Phase::Done(RefundOutcome::Refunded {
                        refund_no: ours.and_then(|r| r.refund_no.clone()),
                    });
                }
                Some(TransactionStatus::Failed) => return Phase::Done(RefundOutcome::NotRefunded),
                None => return Phase::Done(RefundOutcome::NotRefunded),
                _ => {}
            }
        }
        if self.inquiries >= self.max_inquiries {
            Phase::Done(RefundOutcome::Unknown)
        } else {
            Phase::Inquire
        }
    }

    fn finish(&mut self, outcome: RefundOutcome) -> RefundAction {
        self.phase = Phase::Done(outcome.clone());
        RefundAction::Done(outcome)
    }
}

impl std::fmt::Debug for Refund {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Refund")
            .field("phase", &self.phase)
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}
