//! The DOKU OVO Recurring client.

use std::sync::Arc;

use bytes::Bytes;
use ovo_flows::doku::{self, DokuCall};
use ovo_flows::{Answer, DokuConfig, read_doku};
use ovo_model::doku::{
    BalanceRequest, BalanceResponse, BindingRequest, BindingResponse, PaymentRequest,
    PaymentResponse, RefundRequest, RefundResponse, TokenListRequest, TokenListResponse,
    UnbindRequest, UnbindResponse,
};
use ovo_model::{ResponseCode, Validate};
use ovo_sign::ClientSecret;
use serde::de::DeserializeOwned;
use tracing::Instrument as _;

use crate::error::ClientError;
use crate::support::{ClientOptions, Clock, Ids, SystemClock};
use crate::transport::Transport;

/// How a DOKU payment or refund ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DokuOutcome<T> {
    /// DOKU answered (the payment's or refund's own status is in the body).
    Answered(T),
    /// DOKU refused it: nothing moved.
    Refused {
        /// HTTP status (DOKU's codes are not SNAP codes; the status is in the first digits).
        code: ResponseCode,
        /// DOKU's `code: message`.
        message: String,
    },
    /// No usable answer: the money may have moved. DOKU has no status inquiry for OVO
    /// Recurring: reconcile with its HTTP notification or back office; never re-send blindly.
    Unknown {
        /// The `Request-Id` the call was sent with (DOKU refunds refer to it).
        request_id: String,
    },
}

/// The DOKU OVO Recurring client.
pub struct DokuClient<T> {
    config: DokuConfig,
    secret: ClientSecret,
    transport: T,
    options: ClientOptions,
    clock: Arc<dyn Clock>,
    ids: Ids,
}

impl<T> std::fmt::Debug for DokuClient<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DokuClient")
            .field("base_url", &self.config.base_url)
            .field("client_id", &self.config.client_id)
            .field("secret", &self.secret)
            .finish_non_exhaustive()
    }
}

impl<T: Transport> DokuClient<T> {
    /// A client with the system clock and default options.
    pub fn new(config: DokuConfig, secret: ClientSecret, transport: T) -> Self {
        Self {
            config,
            secret,
            transport,
            options: ClientOptions::default(),
            clock: Arc::new(SystemClock),
            ids: Ids::default(),
        }
    }

    /// Replaces the options.
    pub fn with_options(mut self, options: ClientOptions) -> Self {
        self.options = options;
        self
    }

    /// Replaces the clock.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Sends one call; a call moving no money is retried with a fresh `Request-Id`. Returns the
    /// answer and the `Request-Id` of the last attempt.
    async fn exchange<R: DeserializeOwned + Validate>(
        &self,
        call: &DokuCall,
    ) -> Result<(Answer<R>, String), ClientError> {
        let mut attempt = 0;
        loop {
            let request_id = self.ids.request_id();
            let request = ovo_flows::sign_doku(
                &self.config,
                &self.secret,
                call.path,
                call.body.clone(),
                &request_id,
                self.clock.now(),
            )?;
            let mut retry_after = None;
            let answer = match self
                .transport
                .send(request.map(Bytes::from), self.options.call_timeout)
                .await
            {
                Ok(response) => {
                    retry_after = crate::support::retry_after(response.headers());
                    read_doku::<R>(&response.map(|b| b.to_vec()))
                }
                // A payment or refund that never left moved nothing: say so, rather than Unknown.
                Err(error) if !error.may_have_reached() && call.moves_money => {
                    return Err(ClientError::Transport(error));
                }
                Err(_) => Answer::Unknown { http_status: 0 },
            };
            let retry = matches!(answer, Answer::Unknown { .. })
                && !call.moves_money
                && attempt < self.options.max_retries;
            let wait = retry
                .then(|| self.options.retry_wait(attempt, retry_after))
                .flatten();
            let Some(wait) = wait else {
                return Ok((answer, request_id));
            };
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    async fn safe<R: DeserializeOwned + Validate>(&self, call: DokuCall) -> Result<R, ClientError> {
        match self.exchange::<R>(&call).await?.0 {
            Answer::Success(body) => Ok(body),
            Answer::Refused { code, message } => Err(ClientError::Refused { code, message }),
            Answer::Unknown { http_status } => Err(ClientError::Unknown { http_status }),
        }
    }

    async fn money<R: DeserializeOwned + Validate>(
        &self,
        call: DokuCall,
    ) -> Result<(DokuOutcome<R>, String), ClientError> {
        let (answer, request_id) = self.exchange::<R>(&call).await?;
        let outcome = match answer {
            Answer::Success(body) => DokuOutcome::Answered(body),
            Answer::Refused { code, message } => DokuOutcome::Refused { code, message },
            Answer::Unknown { .. } => DokuOutcome::Unknown {
                request_id: request_id.clone(),
            },
        };
        Ok((outcome, request_id))
    }

    /// Customer binding: 201 with the registration page \[S\].
    pub async fn bind(&self, request: &BindingRequest) -> Result<BindingResponse, ClientError> {
        self.safe(doku::binding(request)?)
            .instrument(tracing::info_span!("doku.bind"))
            .await
    }

    /// The customer's OVO token.
    pub async fn tokens(
        &self,
        request: &TokenListRequest,
    ) -> Result<TokenListResponse, ClientError> {
        self.safe(doku::tokens(request)?)
            .instrument(tracing::info_span!("doku.tokens"))
            .await
    }

    /// Balances.
    pub async fn balance(&self, request: &BalanceRequest) -> Result<BalanceResponse, ClientError> {
        self.safe(doku::balance(request)?)
            .instrument(tracing::info_span!("doku.balance"))
            .await
    }

    /// A recurring payment, sent once. Returns the outcome and the payment's `Request-Id`, which
    /// its refund refers to \[S\]. An `Err` means nothing that could move money was sent (for
    /// example, the connection was refused): it is safe to try again.
    pub async fn pay(
        &self,
        request: &PaymentRequest,
    ) -> Result<(DokuOutcome<PaymentResponse>, String), ClientError> {
        self.money(doku::payment(request)?)
            .instrument(tracing::info_span!("doku.pay", invoice = %request.order.invoice_number))
            .await
    }

    /// A refund, sent once.
    pub async fn refund(
        &self,
        request: &RefundRequest,
    ) -> Result<DokuOutcome<RefundResponse>, ClientError> {
        self.money(doku::refund(request)?)
            .instrument(tracing::info_span!("doku.refund"))
            .await
            .map(|(outcome, _)| outcome)
    }

    /// Unbinding.
    pub async fn unbind(&self, request: &UnbindRequest) -> Result<UnbindResponse, ClientError> {
        self.safe(doku::unbind(request)?)
            .instrument(tracing::info_span!("doku.unbind"))
            .await
    }
}
