//! DOKU OVO Recurring calls, each a one-call flow. Payment and refund move money. DOKU documents
//! no status inquiry for these endpoints, so a lost payment or refund answer is an unknown
//! outcome the caller reconciles (DOKU's HTTP notification, its back office): never re-sent.

use std::marker::PhantomData;

use bytes::Bytes;
use ovo_model::endpoint::DokuEndpoint;
use ovo_model::{ResponseCode, Secret, Validate};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::answer::{Answer, read_doku};
use crate::call::{Authorization, Call, Received, Resend, Target};
use crate::calls::body_text;
use crate::error::FlowError;
use crate::flow::{Action, Event, Flow, FlowKind, FlowSecrets, SecretSlot, Version};

/// How a DOKU call ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DokuOutcome<T> {
    /// DOKU answered (a payment's or refund's own status is in the body).
    Answered(T),
    /// DOKU refused it: nothing moved.
    Refused {
        /// The HTTP status with service 00 (DOKU's codes are not SNAP codes).
        code: ResponseCode,
        /// DOKU's `code: message`.
        message: String,
    },
    /// No usable answer: the money may have moved. Reconcile with DOKU's notification or back
    /// office; never re-send blindly.
    Unknown {
        /// The `Request-Id` the call was sent with (DOKU refunds refer to it).
        request_id: String,
    },
    /// The call certainly never reached DOKU: nothing moved; it is safe to try again.
    NotSent,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
enum End {
    /// The answer's body is in the secrets (it may carry the customer's `token_id`).
    Answered,
    Refused {
        code: ResponseCode,
        message: String,
    },
    Unknown,
    NotSent,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
enum Phase {
    Start,
    Awaiting,
    Done { end: End },
}

/// One DOKU call answered by `R`. The body (it may carry the customer's `token_id`) and the
/// answer stay in the secrets.
///
/// ```
/// use ovo_flows::{Action, DokuOperation, Flow};
/// use ovo_model::doku::{PaymentRequest, PaymentResponse};
///
/// let request: PaymentRequest = ovo_model::from_json(br#"{"customer":{"id":"C"},
///     "order":{"invoice_number":"INV-1","amount":"1000"},"ovo_account":{"token_id":"t"}}"#)?;
/// let mut pay = DokuOperation::<PaymentResponse>::payment(&request, "req-1")?;
/// let Action::Send(call) = pay.poll(time::OffsetDateTime::now_utc()) else { panic!() };
/// assert!(call.moves_money());
/// assert_eq!(call.body, &br#"{"customer":{"id":"C"},"order":{"invoice_number":"INV-1","amount":1000},"ovo_account":{"token_id":"t"}}"#[..]);
/// assert!(!ovo_flows::to_state(&pay)?.contains("token_id"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Serialize, Deserialize)]
#[serde(bound = "")]
pub struct DokuOperation<R> {
    version: Version,
    endpoint: DokuEndpoint,
    request_id: String,
    phase: Phase,
    #[serde(skip)]
    secrets: FlowSecrets,
    #[serde(skip)]
    answer: PhantomData<fn() -> R>,
}

impl<R> Clone for DokuOperation<R> {
    fn clone(&self) -> Self {
        Self {
            version: self.version,
            endpoint: self.endpoint,
            request_id: self.request_id.clone(),
            phase: self.phase.clone(),
            secrets: self.secrets.clone(),
            answer: PhantomData,
        }
    }
}

impl<R> std::fmt::Debug for DokuOperation<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DokuOperation")
            .field("endpoint", &self.endpoint)
            .field("phase", &self.phase)
            .finish_non_exhaustive()
    }
}

macro_rules! constructors {
    ($($(#[$meta:meta])* $name:ident($request:ty) => $endpoint:ident;)+) => {$(
        impl DokuOperation<<$request as DokuRequest>::Answer> {
            $(#[$meta])*
            pub fn $name(request: &$request, request_id: &str) -> Result<Self, FlowError> {
                Self::new(DokuEndpoint::$endpoint, request, request_id)
            }
        }
    )+};
}

/// A DOKU request and the answer it gets.
pub trait DokuRequest: Serialize + Validate {
    /// The type a 2xx answer to this request parses and validates as.
    type Answer: DeserializeOwned + Validate;
}

macro_rules! requests {
    ($($request:ident => $answer:ident),+) => {$(
        impl DokuRequest for ovo_model::doku::$request {
            type Answer = ovo_model::doku::$answer;
        }
    )+};
}

requests!(
    BindingRequest => BindingResponse,
    TokenListRequest => TokenListResponse,
    BalanceRequest => BalanceResponse,
    PaymentRequest => PaymentResponse,
    RefundRequest => RefundResponse,
    UnbindRequest => UnbindResponse
);

constructors! {
    /// `POST /ovo-open-api/v1/token`: customer binding.
    binding(ovo_model::doku::BindingRequest) => Binding;
    /// `POST /tokenization/v1/tokens`: the customer's token list.
    tokens(ovo_model::doku::TokenListRequest) => Tokens;
    /// `POST /ovo-open-api/v1/balance`.
    balance(ovo_model::doku::BalanceRequest) => Balance;
    /// `POST /ovo-open-api/v1/payment-recurring`: moves money.
    payment(ovo_model::doku::PaymentRequest) => Payment;
    /// `POST /ovo-open-api/v1/payment-refund`: moves money.
    refund(ovo_model::doku::RefundRequest) => Refund;
    /// `POST /ovo-open-api/v1/token-delete`: unbinding.
    unbind(ovo_model::doku::UnbindRequest) => Unbind;
}

impl<R> DokuOperation<R> {
    /// A call to `endpoint` with `request` (validated and serialized once) under `request_id`.
    pub fn new<Q: Serialize + Validate>(
        endpoint: DokuEndpoint,
        request: &Q,
        request_id: &str,
    ) -> Result<Self, FlowError> {
        let mut secrets = FlowSecrets::default();
        secrets.set(SecretSlot::Body, Secret::new(body_text(request)?));
        Ok(Self {
            version: Version::default(),
            endpoint,
            request_id: request_id.to_owned(),
            phase: Phase::Start,
            secrets,
            answer: PhantomData,
        })
    }

    /// The `Request-Id` the call is sent with.
    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    fn outcome(&self, end: &End) -> DokuOutcome<R>
    where
        R: DeserializeOwned + Validate,
    {
        match end {
            End::Answered => match self
                .secrets
                .get(SecretSlot::Answer)
                .and_then(|body| ovo_model::from_json::<R>(body.expose().as_bytes()).ok())
            {
                Some(answer) => DokuOutcome::Answered(answer),
                None => DokuOutcome::Unknown {
                    request_id: self.request_id.clone(),
                },
            },
            End::Refused { code, message } => DokuOutcome::Refused {
                code: *code,
                message: message.clone(),
            },
            End::Unknown => DokuOutcome::Unknown {
                request_id: self.request_id.clone(),
            },
            End::NotSent => DokuOutcome::NotSent,
        }
    }

    fn finish(&mut self, end: End) {
        self.secrets.take(SecretSlot::Body);
        self.phase = Phase::Done { end };
    }
}

impl<R> Flow for DokuOperation<R>
where
    R: DeserializeOwned + Validate + Clone + std::fmt::Debug + PartialEq,
{
    type Outcome = DokuOutcome<R>;

    fn poll(&mut self, _now: OffsetDateTime) -> Action<DokuOutcome<R>> {
        match &self.phase {
            Phase::Start => match self.secrets.get(SecretSlot::Body) {
                Some(body) => {
                    let call = Call {
                        target: Target::Doku {
                            endpoint: self.endpoint,
                            request_id: self.request_id.clone(),
                        },
                        body: Bytes::copy_from_slice(body.expose().as_bytes()),
                        authorization: Authorization::Doku,
                        resend: if self.endpoint.moves_money() {
                            Resend::OnlyIfNotSent
                        } else {
                            Resend::Safe
                        },
                    };
                    self.phase = Phase::Awaiting;
                    Action::Send(call)
                }
                None => {
                    self.finish(End::NotSent);
                    Action::Done(DokuOutcome::NotSent)
                }
            },
            Phase::Awaiting => Action::Wait,
            Phase::Done { end } => Action::Done(self.outcome(end)),
        }
    }

    fn handle(&mut self, _now: OffsetDateTime, event: Event) -> Result<(), FlowError> {
        // Reconciling with a call in flight: the call was lost, and may have reached DOKU.
        let event = event.reconciled(matches!(self.phase, Phase::Awaiting));
        let received = match (&self.phase, event) {
            (_, Event::Timer | Event::Reconcile) => return Ok(()),
            (Phase::Start, Event::Cancel) => {
                self.finish(End::NotSent);
                return Ok(());
            }
            (_, Event::Cancel) => return Ok(()),
            (Phase::Awaiting, Event::Received(received)) => received,
            _ => {
                return Err(FlowError::UnexpectedEvent(
                    "no call of this DOKU operation is in flight",
                ));
            }
        };
        let end = match received {
            Received::Failed {
                may_have_reached: false,
            } => End::NotSent,
            Received::Failed { .. } => End::Unknown,
            Received::Response(response) => match read_doku::<R>(&response) {
                Answer::Success(_) => {
                    let body = String::from_utf8_lossy(response.body()).into_owned();
                    self.secrets.set(SecretSlot::Answer, Secret::new(body));
                    End::Answered
                }
                Answer::Refused { code, message } => End::Refused { code, message },
                Answer::Unknown { .. } => End::Unknown,
            },
        };
        self.finish(end);
        Ok(())
    }

    fn unsettled_outcome(&self) -> Option<DokuOutcome<R>> {
        match &self.phase {
            Phase::Done { end } => Some(self.outcome(end)),
            Phase::Awaiting if self.endpoint.moves_money() => Some(DokuOutcome::Unknown {
                request_id: self.request_id.clone(),
            }),
            Phase::Awaiting | Phase::Start => None,
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
        FlowKind::Doku
    }
}
