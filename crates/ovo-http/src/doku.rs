//! The DOKU OVO Recurring client: each call is a [`DokuOperation`] driven by the same loop and
//! retry policy as OVO direct's flows.

use std::sync::{Arc, Mutex, PoisonError};

use ovo_flows::{Call, DokuConfig, DokuOperation, DokuOutcome, Received};
use ovo_model::Validate;
use ovo_model::doku::{
    BalanceRequest, BalanceResponse, BindingRequest, BindingResponse, PaymentRequest,
    PaymentResponse, RefundRequest, RefundResponse, TokenListRequest, TokenListResponse,
    UnbindRequest, UnbindResponse,
};
use ovo_sign::ClientSecret;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;
use tracing::Instrument as _;

use crate::clock::{Clock, SystemClock};
use crate::driver::{Caller, Step, drive};
use crate::error::ClientError;
use crate::exchange::{Exchanged, wait_to_retry};
use crate::ids::Ids;
use crate::options::ClientOptions;
use crate::transport::{Transport, TransportError};

struct Inner<T> {
    config: DokuConfig,
    secret: ClientSecret,
    transport: T,
    options: ClientOptions,
    clock: Arc<dyn Clock>,
    ids: Ids,
}

/// The DOKU OVO Recurring client. Cloning it is cheap (an `Arc` inside).
pub struct DokuClient<T> {
    inner: Arc<Inner<T>>,
}

impl<T> Clone for DokuClient<T> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<T> std::fmt::Debug for DokuClient<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DokuClient")
            .field("base_url", &self.inner.config.base_url)
            .field("client_id", &self.inner.config.client_id)
            .field("secret", &self.inner.secret)
            .finish_non_exhaustive()
    }
}

impl<T: Transport> DokuClient<T> {
    /// A client with the system clock and default options.
    pub fn new(config: DokuConfig, secret: ClientSecret, transport: T) -> Self {
        Self::with(
            config,
            secret,
            transport,
            ClientOptions::default(),
            Arc::new(SystemClock),
        )
    }

    /// A client with these options and clock.
    pub fn with(
        config: DokuConfig,
        secret: ClientSecret,
        transport: T,
        options: ClientOptions,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                config,
                secret,
                transport,
                options,
                clock,
                ids: Ids::default(),
            }),
        }
    }

    /// Sends one call: a call that moves no money is retried as the policy says (same
    /// `Request-Id`, freshly signed); a payment or refund only if it certainly never left. What
    /// came of the last attempt keeps the transport's error when no answer came.
    async fn send_call(&self, call: &Call) -> Result<Exchanged, ClientError> {
        let mut attempt = 0;
        loop {
            let request =
                ovo_flows::sign_doku(&self.inner.config, &self.inner.secret, call, self.now())?;
            let sent = self
                .inner
                .transport
                .send(request, self.inner.options.call_timeout)
                .await;
            let exchanged = Exchanged::new(sent);
            let retry = &self.inner.options.retry;
            if !wait_to_retry(retry, call, &exchanged.received, self.now(), &mut attempt).await {
                return Ok(exchanged);
            }
        }
    }

    fn now(&self) -> OffsetDateTime {
        self.inner.clock.now()
    }

    async fn run<R>(&self, operation: DokuOperation<R>) -> Result<DokuOutcome<R>, ClientError>
    where
        R: DeserializeOwned + Validate + Clone + std::fmt::Debug + PartialEq + Send,
    {
        Ok(self.run_keeping_failure(operation).await?.0)
    }

    /// Drives `operation`; returns its outcome and the transport's error of its last call, if
    /// that call got no answer.
    async fn run_keeping_failure<R>(
        &self,
        mut operation: DokuOperation<R>,
    ) -> Result<(DokuOutcome<R>, Option<TransportError>), ClientError>
    where
        R: DeserializeOwned + Validate + Clone + std::fmt::Debug + PartialEq + Send,
    {
        let caller = KeepingFailure {
            client: self,
            failure: Mutex::default(),
        };
        match drive(&caller, &self.inner.options, &mut operation, &mut None).await? {
            Step::Done(outcome) => Ok((
                outcome,
                caller
                    .failure
                    .into_inner()
                    .unwrap_or_else(PoisonError::into_inner),
            )),
            Step::Webview(_) | Step::Pending => Err(ClientError::DeadlinePassed),
        }
    }

    /// A call that must succeed: its answer, or the error; the transport's own (kind and cause
    /// kept) when no answer came, [`ClientError::DeadlinePassed`] when none could be sent in time.
    async fn safe<R>(&self, operation: DokuOperation<R>) -> Result<R, ClientError>
    where
        R: DeserializeOwned + Validate + Clone + std::fmt::Debug + PartialEq + Send,
    {
        let (outcome, failure) = self.run_keeping_failure(operation).await?;
        match (outcome, failure) {
            (DokuOutcome::Answered(body), _) => Ok(body),
            (DokuOutcome::Refused { code, message }, _) => {
                Err(ClientError::Refused { code, message })
            }
            (DokuOutcome::Unknown { .. } | DokuOutcome::NotSent, Some(error)) => {
                Err(ClientError::Transport(error))
            }
            // Nothing sent and no transport error: the operation's deadline passed before a
            // call could go out.
            (DokuOutcome::NotSent, None) => Err(ClientError::DeadlinePassed),
            (DokuOutcome::Unknown { .. }, None) => Err(ClientError::Unknown { status: None }),
        }
    }

    /// Customer binding: 201 with the registration page \[S\].
    pub async fn bind(&self, request: &BindingRequest) -> Result<BindingResponse, ClientError> {
        let operation = DokuOperation::binding(request, &self.inner.ids.request_id())?;
        self.safe(operation)
            .instrument(tracing::info_span!("doku.bind"))
            .await
    }

    /// The customer's OVO token.
    pub async fn tokens(
        &self,
        request: &TokenListRequest,
    ) -> Result<TokenListResponse, ClientError> {
        let operation = DokuOperation::tokens(request, &self.inner.ids.request_id())?;
        self.safe(operation)
            .instrument(tracing::info_span!("doku.tokens"))
            .await
    }

    /// The customer's OVO Cash and OVO Points balances, through their binding's token \[S\];
    /// re-sent as the retry policy says, since it moves nothing.
    pub async fn balance(&self, request: &BalanceRequest) -> Result<BalanceResponse, ClientError> {
        let operation = DokuOperation::balance(request, &self.inner.ids.request_id())?;
        self.safe(operation)
            .instrument(tracing::info_span!("doku.balance"))
            .await
    }

    /// A recurring payment, sent once. Returns the outcome and the payment's `Request-Id`, which
    /// its refund refers to \[S\]. [`DokuOutcome::NotSent`] means nothing was sent: it is safe to
    /// try again.
    pub async fn pay(
        &self,
        request: &PaymentRequest,
    ) -> Result<(DokuOutcome<PaymentResponse>, String), ClientError> {
        let request_id = self.inner.ids.request_id();
        let operation = DokuOperation::payment(request, &request_id)?;
        let span = tracing::info_span!("doku.pay", invoice = %request.order.invoice_number);
        let outcome = self.run(operation).instrument(span).await?;
        Ok((outcome, request_id))
    }

    /// A refund, sent once.
    pub async fn refund(
        &self,
        request: &RefundRequest,
    ) -> Result<DokuOutcome<RefundResponse>, ClientError> {
        let operation = DokuOperation::refund(request, &self.inner.ids.request_id())?;
        self.run(operation)
            .instrument(tracing::info_span!("doku.refund"))
            .await
    }

    /// Ends the customer's binding: its `token_id` is unbound from the customer \[S\]. Re-sent as
    /// the retry policy says, since an unbinding repeated leaves the same state \[I\].
    pub async fn unbind(&self, request: &UnbindRequest) -> Result<UnbindResponse, ClientError> {
        let operation = DokuOperation::unbind(request, &self.inner.ids.request_id())?;
        self.safe(operation)
            .instrument(tracing::info_span!("doku.unbind"))
            .await
    }
}

/// The caller of one operation: it keeps the transport's error of the last call, which the flow
/// driver does not see, for [`DokuClient::safe`] to report.
struct KeepingFailure<'c, T> {
    client: &'c DokuClient<T>,
    failure: Mutex<Option<TransportError>>,
}

impl<T> KeepingFailure<'_, T> {
    fn keep(&self, failure: Option<TransportError>) {
        *self.failure.lock().unwrap_or_else(PoisonError::into_inner) = failure;
    }
}

impl<T: Transport> Caller for KeepingFailure<'_, T> {
    async fn call<'a>(
        &'a self,
        call: &'a Call,
        _customer: Option<&'a str>,
    ) -> Result<Received, ClientError> {
        // A call cut short by the operation's deadline leaves no error behind.
        self.keep(None);
        let exchanged = self.client.send_call(call).await?;
        self.keep(exchanged.failure);
        Ok(exchanged.received)
    }

    fn now(&self) -> OffsetDateTime {
        self.client.now()
    }
}
