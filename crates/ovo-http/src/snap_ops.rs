//! OVO direct operations: what merchants call.

use ovo_flows::{
    Authorization, CustomerTokens, Debit, DebitAction, DebitOutcome, FlowError, Linking,
    LinkingAction, LinkingOutcome, Refund, RefundAction, RefundOutcome, Unbinding, UnbindingAction,
    UnbindingOutcome, calls,
};
use ovo_model::snap::{
    B2b2cTokenResponse, BalanceInquiryRequest, BalanceInquiryResponse, BindingRequest,
    DebitStatusResponse, DirectDebitRequest, LookupResponse, RefundRequest,
};
use ovo_model::{ResponseCode, Secret};
use tracing::Instrument as _;

use crate::client::{OvoClient, expect_success};
use crate::error::ClientError;
use crate::transport::Transport;

/// A linking waiting for the customer in the webview.
pub struct PendingLink {
    /// Send the customer here.
    pub webview_url: String,
    customer: String,
    flow: Linking,
}

/// A debit waiting for the customer's PIN in the webview.
pub struct PendingDebit {
    /// Send the customer here.
    pub webview_url: String,
    customer: String,
    flow: Debit,
}

/// Where a debit stands after its first call.
#[derive(Debug)]
pub enum DebitProgress {
    /// The customer must confirm with the PIN; then call [`OvoClient::finish_debit`].
    Webview(PendingDebit),
    /// Settled already (a recurring debit captured by call 1, or a refusal).
    Done(DebitOutcome),
}

/// An unbinding waiting for the customer's confirmation.
pub struct PendingUnbinding {
    /// Send the customer here.
    pub webview_url: String,
    customer: String,
    flow: Unbinding,
}

/// Where an unbinding stands after its first call.
#[derive(Debug)]
pub enum UnbindingProgress {
    /// The customer must confirm; then call [`OvoClient::finish_unbinding`].
    Webview(PendingUnbinding),
    /// Finished.
    Done(UnbindingOutcome),
}

macro_rules! redacted_debug {
    ($($name:ident),+) => {$(
        /// `Debug` hides the webview URL: it carries a linkage token or session.
        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("customer", &self.customer)
                    .field("flow", &self.flow)
                    .finish_non_exhaustive()
            }
        }
    )+};
}

redacted_debug!(PendingLink, PendingDebit, PendingUnbinding);

fn unexpected(what: &'static str) -> ClientError {
    ClientError::from(FlowError::UnexpectedEvent(what))
}

/// Adds `destination`, `submissionType` and `state` to the PIN webview URL the debit answered.
fn with_destination(url: &str, destination: &str, state: &str) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("destination", destination)
        .append_pair("submissionType", "redirect")
        .append_pair("state", state)
        .finish();
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{query}")
}

impl<T: Transport> OvoClient<T> {
    /// Phone lookup, mandatory before linking \[S\].
    pub async fn lookup(&self, phone: &str) -> Result<LookupResponse, ClientError> {
        let received = self.drive(&calls::lookup(phone)).await?;
        expect_success(received)
    }

    /// Starts linking `customer` (your id for them) with `request`; returns the webview to send
    /// them to.
    pub async fn begin_linking(
        &self,
        customer: &str,
        request: &BindingRequest,
    ) -> Result<PendingLink, ClientError> {
        let flow = Linking::new(request, Some(customer.to_owned()))?;
        let span = tracing::info_span!("ovo.linking", customer);
        let pending = PendingLink {
            webview_url: String::new(),
            customer: customer.to_owned(),
            flow,
        };
        self.run_linking(pending)
            .instrument(span)
            .await
            .and_then(|progress| match progress {
                Ok(pending) => Ok(pending),
                Err(outcome) => Err(linking_error(outcome)),
            })
    }

    /// Finishes linking with the webview's redirect URL; stores the tokens on success.
    pub async fn finish_linking(
        &self,
        mut pending: PendingLink,
        callback_url: &str,
    ) -> Result<LinkingOutcome, ClientError> {
        pending.flow.on_callback(callback_url)?;
        match self.run_linking(pending).await? {
            Ok(_) => Err(unexpected("the linking asked for the webview twice")),
            Err(outcome) => Ok(outcome),
        }
    }

    async fn run_linking(
        &self,
        mut pending: PendingLink,
    ) -> Result<Result<PendingLink, LinkingOutcome>, ClientError> {
        loop {
            match pending.flow.poll() {
                LinkingAction::Send(call) => {
                    let received = self.drive(&call).await?;
                    pending
                        .flow
                        .on_received(self.now(), &self.config, received)?;
                }
                LinkingAction::OpenWebview(url) => {
                    pending.webview_url = url;
                    return Ok(Ok(pending));
                }
                LinkingAction::Done(outcome) => {
                    if let LinkingOutcome::Linked(tokens) = &outcome {
                        self.store.put(&pending.customer, tokens.clone());
                    }
                    return Ok(Err(outcome));
                }
                LinkingAction::Wait => {
                    return Err(unexpected("the linking is waiting with nothing in flight"));
                }
            }
        }
    }

    /// The customer's usable access token, refreshed if it expired. A refused refresh means the
    /// binding broke (unbinding, phone change, closure \[S\]): the tokens are removed.
    pub async fn access_token(&self, customer: &str) -> Result<Secret, ClientError> {
        let not_bound = || ClientError::NotBound {
            customer: customer.to_owned(),
        };
        let tokens = self.store.get(customer).ok_or_else(not_bound)?;
        if tokens.access_usable(self.now()) {
            return Ok(tokens.access);
        }
        self.refresh(customer).await
    }

    /// Renews the customer's access token with the refresh token.
    pub async fn refresh(&self, customer: &str) -> Result<Secret, ClientError> {
        let not_bound = || ClientError::NotBound {
            customer: customer.to_owned(),
        };
        let tokens = self.store.get(customer).ok_or_else(not_bound)?;
        let refresh = tokens.refresh.clone().ok_or_else(not_bound)?;
        let received = self.drive(&calls::refresh(refresh.clone())?).await?;
        match expect_success::<B2b2cTokenResponse>(received) {
            Ok(answer) => {
                let tokens = CustomerTokens::issued(
                    answer.access_token.clone(),
                    answer.refresh_token.or(Some(refresh)),
                    self.now(),
                );
                self.store.put(customer, tokens);
                Ok(answer.access_token)
            }
            Err(ClientError::Refused { code, .. })
                if code.is_invalid_customer_token() || code.is_unauthorized() =>
            {
                self.store.remove(customer);
                Err(not_bound())
            }
            Err(error) => Err(error),
        }
    }

    /// Forgets a customer whose token OVO refused as invalid (the binding broke \[S\]).
    fn forget_if_broken(&self, customer: &str, code: &ResponseCode) {
        if code.is_invalid_customer_token() {
            tracing::info!(
                customer,
                "the customer's token was refused; marking them unbound"
            );
            self.store.remove(customer);
        }
    }

    /// The customer's balances; to be called before each debit \[S\].
    pub async fn balance(&self, customer: &str) -> Result<BalanceInquiryResponse, ClientError> {
        let access = self.access_token(customer).await?;
        let received = self
            .drive(&calls::balance(access, &BalanceInquiryRequest::default())?)
            .await?;
        let answer = expect_success(received);
        if let Err(ClientError::Refused { code, .. }) = &answer {
            self.forget_if_broken(customer, code);
        }
        answer
    }

    /// Starts a direct debit: call 1. Returns the PIN webview to send the customer to, or the
    /// outcome if it is already settled.
    pub async fn begin_debit(
        &self,
        customer: &str,
        request: &DirectDebitRequest,
    ) -> Result<DebitProgress, ClientError> {
        let flow = Debit::new(request)?.with_max_inquiries(self.options.max_inquiries);
        let pending = PendingDebit {
            webview_url: String::new(),
            customer: customer.to_owned(),
            flow,
        };
        let span = tracing::info_span!("ovo.debit", reference = %request.partner_reference_no);
        self.run_debit(pending).instrument(span).await
    }

    /// Finishes a debit with the PIN webview's redirect URL: Generate Token, call 2, and status
    /// inquiries if its outcome is unknown.
    pub async fn finish_debit(
        &self,
        mut pending: PendingDebit,
        callback_url: &str,
    ) -> Result<DebitOutcome, ClientError> {
        pending.flow.on_callback(callback_url)?;
        let span = tracing::info_span!("ovo.debit", reference = %pending.flow.reference());
        match self.run_debit(pending).instrument(span).await? {
            DebitProgress::Done(outcome) => Ok(outcome),
            DebitProgress::Webview(_) => Err(unexpected("the debit asked for the webview twice")),
        }
    }

    async fn run_debit(&self, mut pending: PendingDebit) -> Result<DebitProgress, ClientError> {
        let access = self.access_token(&pending.customer).await?;
        loop {
            match pending.flow.poll(self.now(), &access) {
                DebitAction::Send(call) => {
                    let received = self.drive(&call).await?;
                    pending.flow.on_received(self.now(), received)?;
                }
                DebitAction::OpenWebview(url) => {
                    pending.webview_url =
                        with_destination(&url, &self.config.callback_url, pending.flow.reference());
                    return Ok(DebitProgress::Webview(pending));
                }
                DebitAction::Done(outcome) => {
                    if let DebitOutcome::Refused { code, .. } = &outcome {
                        self.forget_if_broken(&pending.customer, code);
                    }
                    tracing::info!(?outcome, "debit settled");
                    return Ok(DebitProgress::Done(outcome));
                }
                DebitAction::Wait => {
                    return Err(unexpected("the debit is waiting with nothing in flight"));
                }
            }
        }
    }

    /// A payment's status, with the partner's B2B token (works after unbinding).
    pub async fn status(
        &self,
        partner_reference_no: &str,
    ) -> Result<DebitStatusResponse, ClientError> {
        let received = self
            .drive(&calls::status(Authorization::B2b, partner_reference_no)?)
            .await?;
        expect_success(received)
    }

    /// A refund, with the partner's B2B token \[S\]; an unknown outcome is resolved by status
    /// inquiry, never by re-sending.
    pub async fn refund(&self, request: &RefundRequest) -> Result<RefundOutcome, ClientError> {
        let mut flow = Refund::new(request)?;
        let span = tracing::info_span!("ovo.refund", refund = %request.partner_refund_no);
        async {
            loop {
                match flow.poll() {
                    RefundAction::Send(call) => {
                        let received = self.drive(&call).await?;
                        flow.on_received(received)?;
                    }
                    RefundAction::Done(outcome) => return Ok(outcome),
                    RefundAction::Wait => {
                        return Err(unexpected("the refund is waiting with nothing in flight"));
                    }
                }
            }
        }
        .instrument(span)
        .await
    }

    /// Starts unbinding `customer`: returns the confirmation webview, or the outcome.
    pub async fn begin_unbinding(
        &self,
        customer: &str,
        partner_reference_no: Option<String>,
    ) -> Result<UnbindingProgress, ClientError> {
        let pending = PendingUnbinding {
            webview_url: String::new(),
            customer: customer.to_owned(),
            flow: Unbinding::new(partner_reference_no, Some(customer.to_owned())),
        };
        self.run_unbinding(pending).await
    }

    /// Finishes unbinding with the webview's redirect URL.
    pub async fn finish_unbinding(
        &self,
        mut pending: PendingUnbinding,
        callback_url: &str,
    ) -> Result<UnbindingOutcome, ClientError> {
        pending.flow.on_callback(callback_url)?;
        match self.run_unbinding(pending).await? {
            UnbindingProgress::Done(outcome) => Ok(outcome),
            UnbindingProgress::Webview(_) => {
                Err(unexpected("the unbinding asked for the webview twice"))
            }
        }
    }

    async fn run_unbinding(
        &self,
        mut pending: PendingUnbinding,
    ) -> Result<UnbindingProgress, ClientError> {
        let access = self.access_token(&pending.customer).await?;
        loop {
            match pending.flow.poll(&access) {
                UnbindingAction::Send(call) => {
                    let received = self.drive(&call).await?;
                    pending.flow.on_received(&self.config, received)?;
                }
                UnbindingAction::OpenWebview(url) => {
                    pending.webview_url = url;
                    return Ok(UnbindingProgress::Webview(pending));
                }
                UnbindingAction::Done(outcome) => {
                    if outcome == UnbindingOutcome::Unbound {
                        // No token survives unbinding [S].
                        self.store.remove(&pending.customer);
                    }
                    return Ok(UnbindingProgress::Done(outcome));
                }
                UnbindingAction::Wait => {
                    return Err(unexpected(
                        "the unbinding is waiting with nothing in flight",
                    ));
                }
            }
        }
    }
}

fn linking_error(outcome: LinkingOutcome) -> ClientError {
    match outcome {
        LinkingOutcome::Refused { code, message } => ClientError::Refused { code, message },
        LinkingOutcome::NotLinked { reason } => unexpected(reason),
        LinkingOutcome::Linked(_) => unexpected("linked without the webview"),
    }
}
