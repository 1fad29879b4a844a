//! OVO direct operations: what merchants call. Every multi-step operation is a stored flow with an
//! id: `begin_*` stores it and returns the id with the webview URL; `finish_*` loads it by id (on
//! any instance sharing the flow store), applies the webview's callback and drives it on.

use ovo_flows::{
    Authorization, Debit, DebitOutcome, Event, Flow, FlowKind, Linking, LinkingOutcome, Reason,
    Refund, RefundOutcome, StoreError, StoredFlow, Unbinding, UnbindingOutcome, calls,
};
use ovo_model::snap::{
    BalanceInquiryRequest, BalanceInquiryResponse, BindingRequest, DebitStatusResponse,
    DirectDebitRequest, LookupResponse, RefundRequest,
};
use time::OffsetDateTime;
use tracing::Instrument as _;

use crate::client::OvoClient;
use crate::driver::{Record, Step, drive};
use crate::error::ClientError;
use crate::transport::Transport;

macro_rules! pending {
    ($($(#[$meta:meta])* $name:ident;)+) => {$(
        $(#[$meta])*
        #[derive(Clone)]
        pub struct $name {
            /// The flow's id: give it to the `finish_*` call with the callback URL. It is also the
            /// `state` of the callback, so the callback route can find it.
            pub id: String,
            /// Send the customer here. It carries a token: do not log it.
            pub webview_url: String,
        }

        /// `Debug` hides the webview URL: it carries a linkage token or session.
        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("id", &self.id)
                    .finish_non_exhaustive()
            }
        }
    )+};
}

pending! {
    /// A linking waiting for the customer in the webview.
    PendingLink;
    /// A debit waiting for the customer's PIN in the webview.
    PendingDebit;
    /// An unbinding waiting for the customer's confirmation.
    PendingUnbinding;
}

/// Where a debit stands after its first call.
#[derive(Debug)]
pub enum DebitProgress {
    /// The customer must confirm with the PIN; then call [`OvoClient::finish_debit`].
    Webview(PendingDebit),
    /// Settled already (a recurring debit captured by call 1, or a refusal).
    Done(DebitOutcome),
}

/// Where an unbinding stands after its first call.
#[derive(Debug)]
pub enum UnbindingProgress {
    /// The customer must confirm; then call [`OvoClient::finish_unbinding`].
    Webview(PendingUnbinding),
    /// Settled by the first call: unbound at once (OVO asked for no confirmation), refused, or
    /// not unbound (its answer was lost).
    Done(UnbindingOutcome),
}

/// What resuming a stored flow found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Resumed {
    /// A debit's outcome (`Unknown` if it is still not settled).
    Debit(DebitOutcome),
    /// A refund's outcome (`Unknown` if it is still not settled).
    Refund(RefundOutcome),
    /// A linking or unbinding still waits for the customer's callback.
    WaitingForCustomer,
    /// A linking or unbinding ended without the customer (its webview expired).
    Ended,
    /// A call of the flow is on its way, sent by an instance (this one or another) whose
    /// operation deadline has not passed: nothing was done. The flow is that instance's until
    /// `until`; resume it after that, when its instance has settled it or crashed.
    InFlight {
        /// When the sending instance's operation deadline passes.
        until: OffsetDateTime,
    },
}

/// What resuming a debit or refund came to.
enum Resumption<O> {
    /// Driven: its outcome (`Unknown` if still not settled).
    Driven(O),
    /// Left to the instance sending its call, until then.
    Held(OffsetDateTime),
}

impl<T: Transport> OvoClient<T> {
    /// Phone lookup, mandatory before linking \[S\].
    pub async fn lookup(&self, phone: &str) -> Result<LookupResponse, ClientError> {
        self.expect_success(&calls::lookup(phone), None).await
    }

    /// Stores a new flow and drives it until it needs the customer or ends.
    async fn start<F: Flow + Send>(
        &self,
        id: String,
        customer: &str,
        flow: &mut F,
    ) -> Result<Step<F::Outcome>, ClientError> {
        let stored = StoredFlow::new(id, flow.kind(), Some(customer.to_owned()));
        drive(
            self,
            &self.inner.options,
            flow,
            &mut Some(self.record(stored)),
        )
        .await
    }

    /// The record of `flow` in the flow store, whose writes this client's flow cache learns.
    fn record(&self, flow: StoredFlow) -> Record<'_> {
        Record {
            store: self.inner.flows.as_ref(),
            flow,
            cache: Some(&self.inner.flow_cache),
        }
    }

    /// Loads the stored flow `id` of `kind` from the flow store (never the cache).
    async fn load<F: Flow>(
        &self,
        id: &str,
        kind: FlowKind,
    ) -> Result<(F, StoredFlow), ClientError> {
        let stored = self
            .inner
            .flows
            .get(id)
            .await?
            .ok_or_else(|| ClientError::FlowNotFound { id: id.to_owned() })?;
        open(id, kind, stored)
    }

    /// Loads flow `id`, gives it the webview's callback, and drives it on. A callback for an
    /// unknown, finished or expired flow, or one that is not waiting for it (a second callback,
    /// or one being handled by another instance right now), is a typed error and sends nothing.
    ///
    /// The flow comes from this client's flow cache when this client wrote it last (it began
    /// it): then the flow store is not read. If the cached copy turns out stale (its first write
    /// conflicts, before anything is sent) or the callback is not taken (expired, not waiting:
    /// the store may know why), the entry is dropped and the callback handled once more from
    /// the store, so the answer is the one a store read gives.
    async fn finish<F: Flow + Send>(
        &self,
        id: &str,
        kind: FlowKind,
        callback_url: &str,
    ) -> Result<(F::Outcome, Option<String>), ClientError> {
        let cached = self.flow_cache().get(id, std::time::Instant::now());
        if let Some(loaded) = cached.and_then(|stored| open::<F>(id, kind, stored).ok())
            && let Some(finished) = self.callback(id, callback_url, loaded, true).await?
        {
            return Ok(finished);
        }
        // Not cached, or stale: the store decides.
        self.flow_cache().remove(id);
        let loaded = self.load::<F>(id, kind).await?;
        self.callback(id, callback_url, loaded, false)
            .await?
            .ok_or_else(|| ClientError::FlowNotWaiting { id: id.to_owned() })
    }

    /// Gives the loaded flow the webview's callback and drives it on. `Ok(None)` only for a
    /// flow `from_cache` that this drive could not advance (the callback not taken, or its
    /// first write in conflict): nothing was written or sent, and the caller reads the store.
    async fn callback<F: Flow + Send>(
        &self,
        id: &str,
        callback_url: &str,
        (mut flow, stored): (F, StoredFlow),
        from_cache: bool,
    ) -> Result<Option<(F::Outcome, Option<String>)>, ClientError> {
        let now = self.now();
        let customer = stored.customer.clone();
        let read_at = stored.revision;
        let not_waiting = || ClientError::FlowNotWaiting { id: id.to_owned() };
        if let ovo_flows::Action::Done(_) = flow.poll(now) {
            if from_cache {
                // Expired as this client last wrote it; another instance may have finished it.
                return Ok(None);
            }
            // The webview's time ran out before the customer came back.
            drive(
                self,
                &self.inner.options,
                &mut flow,
                &mut Some(self.record(stored)),
            )
            .await?;
            return Err(ClientError::FlowExpired { id: id.to_owned() });
        }
        if flow
            .handle(now, Event::Callback(callback_url.to_owned()))
            .is_err()
        {
            return if from_cache {
                Ok(None)
            } else {
                Err(not_waiting())
            };
        }
        let mut record = Some(self.record(stored));
        match drive(self, &self.inner.options, &mut flow, &mut record).await {
            Ok(Step::Done(outcome)) => Ok(Some((outcome, customer))),
            Ok(Step::Webview(_) | Step::Pending) => Err(not_waiting()),
            Err(ClientError::Store(StoreError::Conflict)) => {
                // Another instance wrote the flow after the revision it was read at. If this
                // drive wrote nothing (its write-ahead conflicted: nothing was sent) and the
                // flow came from the cache, the cached copy was stale: read the store.
                let wrote = record
                    .as_ref()
                    .is_some_and(|record| record.flow.revision != read_at);
                if from_cache && !wrote {
                    tracing::debug!("the cached flow was stale; reading the store");
                    Ok(None)
                } else {
                    Err(not_waiting())
                }
            }
            Err(error) => Err(error),
        }
    }

    /// Starts linking `customer` (your id for them) with `request` (its `merchantId` is the
    /// configuration's when empty); returns the webview to send them to.
    pub async fn begin_linking(
        &self,
        customer: &str,
        request: &BindingRequest,
    ) -> Result<PendingLink, ClientError> {
        let mut request = request.clone();
        if request.merchant_id.is_empty() {
            request.merchant_id.clone_from(&self.config().merchant_id);
        }
        let id = self.inner.ids.flow_id();
        let mut flow = Linking::new(&request, &self.config().callback_url, Some(id.clone()))?
            .with_pacing(self.inner.options.pacing);
        let span = tracing::info_span!("ovo.linking", customer, flow = %id);
        match self
            .start(id.clone(), customer, &mut flow)
            .instrument(span)
            .await?
        {
            Step::Webview(url) => Ok(PendingLink {
                id,
                webview_url: url.expose().to_owned(),
            }),
            Step::Done(LinkingOutcome::Refused { code, message }) => {
                Err(ClientError::Refused { code, message })
            }
            Step::Done(LinkingOutcome::NotLinked { reason }) => {
                Err(ClientError::NotCompleted { reason })
            }
            Step::Done(LinkingOutcome::Linked(_)) | Step::Pending => {
                Err(ClientError::NotCompleted {
                    reason: Reason::NoLinkageToken,
                })
            }
        }
    }

    /// Finishes linking flow `id` with the webview's redirect URL, on any instance sharing the
    /// flow store; stores the tokens on success.
    pub async fn finish_linking(
        &self,
        id: &str,
        callback_url: &str,
    ) -> Result<LinkingOutcome, ClientError> {
        let span = tracing::info_span!("ovo.linking", flow = %id);
        let (outcome, customer) = self
            .finish::<Linking>(id, FlowKind::Linking, callback_url)
            .instrument(span)
            .await?;
        if let (LinkingOutcome::Linked(tokens), Some(customer)) = (&outcome, customer) {
            self.put_tokens(&customer, tokens).await?;
            // The tokens live in the token store from now on: the finished flow's row keeps
            // no copy of them.
            if let Some(mut stored) = self.inner.flows.get(id).await? {
                stored.secrets = ovo_flows::FlowSecrets::default();
                match self.inner.flows.put(&stored).await {
                    Ok(revision) => {
                        stored.revision = revision;
                        self.flow_cache()
                            .written(&stored, std::time::Instant::now());
                    }
                    Err(error) => {
                        self.flow_cache().remove(id);
                        tracing::warn!(%error, "the linked flow's copy of the tokens was not cleared");
                    }
                }
            }
        }
        Ok(outcome)
    }

    /// The customer's balances; to be called before each debit \[S\].
    pub async fn balance(&self, customer: &str) -> Result<BalanceInquiryResponse, ClientError> {
        let call = calls::balance(&BalanceInquiryRequest::default())?;
        self.expect_success(&call, Some(customer)).await
    }

    /// Starts a direct debit: call 1. Returns the PIN webview to send the customer to, or the
    /// outcome if it is already settled.
    pub async fn begin_debit(
        &self,
        customer: &str,
        request: &DirectDebitRequest,
    ) -> Result<DebitProgress, ClientError> {
        let id = self.inner.ids.flow_id();
        let mut flow = Debit::new(request, &self.config().callback_url)?
            .with_state(&id)
            .with_pacing(self.inner.options.pacing);
        let span =
            tracing::info_span!("ovo.debit", reference = %request.partner_reference_no, flow = %id);
        match self
            .start(id.clone(), customer, &mut flow)
            .instrument(span)
            .await?
        {
            Step::Webview(url) => Ok(DebitProgress::Webview(PendingDebit {
                id,
                webview_url: url.expose().to_owned(),
            })),
            Step::Done(outcome) => Ok(DebitProgress::Done(outcome)),
            Step::Pending => Err(ClientError::DeadlinePassed),
        }
    }

    /// Finishes debit flow `id` with the PIN webview's redirect URL, on any instance sharing the
    /// flow store: Generate Token, call 2, and status inquiries if its outcome is unknown.
    pub async fn finish_debit(
        &self,
        id: &str,
        callback_url: &str,
    ) -> Result<DebitOutcome, ClientError> {
        let span = tracing::info_span!("ovo.debit", flow = %id);
        let (outcome, _) = self
            .finish::<Debit>(id, FlowKind::Debit, callback_url)
            .instrument(span)
            .await?;
        tracing::info!(?outcome, "debit settled");
        Ok(outcome)
    }

    /// Resumes stored flow `id` without a callback: a debit or refund left `Unknown` (after a
    /// crash, a deadline or an outage) is settled by status inquiries; a flow waiting for the
    /// customer is left waiting (or ended, if its webview expired); a flow with a call in flight
    /// is left to the instance sending it until that instance's operation deadline
    /// ([`Resumed::InFlight`]).
    pub async fn resume(&self, id: &str) -> Result<Resumed, ClientError> {
        self.resume_at(id, self.now()).await
    }

    /// [`OvoClient::resume`] as of `now`: `reconcile`'s time decides whether a call in flight is
    /// still its sender's.
    async fn resume_at(&self, id: &str, now: OffsetDateTime) -> Result<Resumed, ClientError> {
        let stored = self
            .inner
            .flows
            .get(id)
            .await?
            .ok_or_else(|| ClientError::FlowNotFound { id: id.to_owned() })?;
        match stored.kind {
            FlowKind::Debit => match self.resume_as::<Debit>(id, stored.kind, now).await {
                Ok(Resumption::Driven(outcome)) => Ok(Resumed::Debit(outcome)),
                Ok(Resumption::Held(until)) => Ok(Resumed::InFlight { until }),
                // The customer is still in the PIN webview and its deadline has not passed.
                Err(ClientError::FlowNotWaiting { .. }) => Ok(Resumed::WaitingForCustomer),
                Err(error) => Err(error),
            },
            FlowKind::Refund => Ok(
                match self.resume_as::<Refund>(id, stored.kind, now).await? {
                    Resumption::Driven(outcome) => Resumed::Refund(outcome),
                    Resumption::Held(until) => Resumed::InFlight { until },
                },
            ),
            FlowKind::Linking => self.resume_waiting::<Linking>(id, stored.kind).await,
            FlowKind::Unbinding => self.resume_waiting::<Unbinding>(id, stored.kind).await,
            _ => Err(ClientError::FlowNotWaiting { id: id.to_owned() }),
        }
    }

    /// Settles what a crash, a restart or an outage left behind: every unsettled stored flow
    /// that is past its `wake_at` at `now`, or has none (it ended `Unknown`), is resumed as
    /// [`OvoClient::resume`] does. A flow's `wake_at` is its webview deadline, its next inquiry,
    /// or, while a call is in flight, the operation deadline of the instance sending it: a flow
    /// still being driven is left to its instance, and one whose instance crashed or gave up is
    /// taken over once that deadline passed. A call stored in flight is then taken as lost: a
    /// debit or refund is settled by status inquiries and never sent again; a flow whose
    /// customer has not come back stays waiting until its webview deadline, then ends. Returns
    /// each flow resumed with what came of it.
    ///
    /// A flow another instance advanced meanwhile (a [`StoreError::Conflict`]) or finished is
    /// skipped. A store failure ends the pass with the error (run it again later); any other
    /// failure of one flow is logged and the flow stays unsettled for the next pass, so one bad
    /// flow never blocks the others. Run it at start-up and then periodically.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use ovo_http::ovo_sign::{ClientSecret, PrivateKey};
    /// use ovo_http::{OvoClient, SnapConfig, SnapCredentials, TransportError, TransportErrorKind};
    /// use ovo_http::http;
    ///
    /// let pem = std::fs::read(concat!(
    ///     env!("CARGO_MANIFEST_DIR"),
    ///     "/../ovo-sign/tests/vectors/keys/rsa3072-pkcs1.pem"
    /// ))?;
    /// let credentials = SnapCredentials {
    ///     private_key: PrivateKey::from_pem(&pem)?,
    ///     client_secret: ClientSecret::new("secret")?,
    /// };
    /// let config = SnapConfig::staging("client").callback_url("https://shop.example/cb").build()?;
    /// // Nothing unsettled is stored, so nothing is sent.
    /// let transport = |_: http::Request<bytes::Bytes>, _: std::time::Duration| async {
    ///     Err::<http::Response<bytes::Bytes>, _>(TransportError::new(TransportErrorKind::Connect))
    /// };
    /// let client = OvoClient::new(config, credentials, transport);
    /// let settled = client.reconcile(time::OffsetDateTime::now_utc()).await?;
    /// for (id, resumed) in &settled {
    ///     println!("{id}: {resumed:?}");
    /// }
    /// assert!(settled.is_empty());
    /// # Ok(()) }
    /// ```
    pub async fn reconcile(
        &self,
        now: OffsetDateTime,
    ) -> Result<Vec<(String, Resumed)>, ClientError> {
        let due: Vec<StoredFlow> = self
            .inner
            .flows
            .unsettled()
            .await?
            .into_iter()
            .filter(|flow| flow.wake_at.is_none_or(|at| at <= now))
            .collect();
        let mut resumed = Vec::with_capacity(due.len());
        for flow in due {
            let span = tracing::info_span!("ovo.reconcile", flow = %flow.id);
            match self.resume_at(&flow.id, now).instrument(span).await {
                Ok(Resumed::InFlight { .. }) => {
                    // Written ahead of a call again since it was listed: its sender's.
                    tracing::debug!(flow = %flow.id, "a call of it is in flight; skipped");
                }
                Ok(result) => resumed.push((flow.id, result)),
                Err(
                    ClientError::Store(StoreError::Conflict)
                    | ClientError::FlowFinished { .. }
                    | ClientError::FlowNotFound { .. },
                ) => {
                    tracing::debug!(flow = %flow.id, "advanced by another instance; skipped");
                }
                Err(ClientError::Store(error)) => return Err(ClientError::Store(error)),
                Err(error) => {
                    tracing::warn!(flow = %flow.id, %error, "could not reconcile the flow");
                }
            }
        }
        Ok(resumed)
    }

    async fn resume_as<F>(
        &self,
        id: &str,
        kind: FlowKind,
        held_at: OffsetDateTime,
    ) -> Result<Resumption<F::Outcome>, ClientError>
    where
        F: Flow + Send,
    {
        let (mut flow, stored): (F, _) = self.load(id, kind).await?;
        // A call in flight whose sender's deadline (stored when the flow was written ahead of
        // the call) has not passed is still that instance's: taking it as lost now would
        // inquire about a capture or refund that may be still on its way. (`held_at` is the
        // time `reconcile` was asked about; the flow itself runs on the client's clock.)
        if let (ovo_flows::Action::Wait, Some(until)) = (flow.poll(held_at), stored.wake_at)
            && until > held_at
        {
            return Ok(Resumption::Held(until));
        }
        flow.handle(self.now(), Event::Reconcile)?;
        let mut record = Some(self.record(stored));
        match drive(self, &self.inner.options, &mut flow, &mut record).await? {
            Step::Done(outcome) => Ok(Resumption::Driven(outcome)),
            Step::Webview(_) | Step::Pending => {
                Err(ClientError::FlowNotWaiting { id: id.to_owned() })
            }
        }
    }

    async fn resume_waiting<F: Flow + Send>(
        &self,
        id: &str,
        kind: FlowKind,
    ) -> Result<Resumed, ClientError> {
        let (mut flow, stored): (F, _) = self.load(id, kind).await?;
        let mut record = Some(self.record(stored));
        Ok(
            match drive(self, &self.inner.options, &mut flow, &mut record).await? {
                Step::Done(_) => Resumed::Ended,
                Step::Webview(_) | Step::Pending => Resumed::WaitingForCustomer,
            },
        )
    }

    /// A payment's status, with the customer's access token (the B2B token "will be use only for
    /// refund" \[S\]).
    pub async fn status(
        &self,
        customer: &str,
        partner_reference_no: &str,
    ) -> Result<DebitStatusResponse, ClientError> {
        let call = calls::status(Authorization::Customer, partner_reference_no)?;
        self.expect_success(&call, Some(customer)).await
    }

    /// A refund of `customer`'s payment, with the partner's B2B token \[S\]; an unknown outcome is
    /// resolved by status inquiries with the customer's token, never by re-sending. The refund is
    /// a stored flow: one left `Unknown` can be resumed by its id ([`OvoClient::resume`]).
    pub async fn refund(
        &self,
        customer: &str,
        request: &RefundRequest,
    ) -> Result<RefundOutcome, ClientError> {
        let id = self.inner.ids.flow_id();
        let mut flow = Refund::new(request)?.with_pacing(self.inner.options.pacing);
        let span =
            tracing::info_span!("ovo.refund", refund = %request.partner_refund_no, flow = %id);
        match self.start(id, customer, &mut flow).instrument(span).await? {
            Step::Done(outcome) => Ok(outcome),
            Step::Webview(_) | Step::Pending => Ok(RefundOutcome::Unknown),
        }
    }

    /// Starts unbinding `customer`: returns the confirmation webview, or the outcome.
    pub async fn begin_unbinding(
        &self,
        customer: &str,
        partner_reference_no: Option<String>,
    ) -> Result<UnbindingProgress, ClientError> {
        let id = self.inner.ids.flow_id();
        let mut flow = Unbinding::new(
            partner_reference_no,
            &self.config().callback_url,
            Some(id.clone()),
        )
        .with_pacing(self.inner.options.pacing);
        let span = tracing::info_span!("ovo.unbinding", customer, flow = %id);
        match self
            .start(id.clone(), customer, &mut flow)
            .instrument(span)
            .await?
        {
            Step::Webview(url) => Ok(UnbindingProgress::Webview(PendingUnbinding {
                id,
                webview_url: url.expose().to_owned(),
            })),
            Step::Done(outcome) => {
                self.unbound(customer, &outcome).await?;
                Ok(UnbindingProgress::Done(outcome))
            }
            Step::Pending => Err(ClientError::DeadlinePassed),
        }
    }

    /// Finishes unbinding flow `id` with the webview's redirect URL.
    pub async fn finish_unbinding(
        &self,
        id: &str,
        callback_url: &str,
    ) -> Result<UnbindingOutcome, ClientError> {
        let (outcome, customer) = self
            .finish::<Unbinding>(id, FlowKind::Unbinding, callback_url)
            .await?;
        if let Some(customer) = customer {
            self.unbound(&customer, &outcome).await?;
        }
        Ok(outcome)
    }

    /// No token survives unbinding \[S\].
    async fn unbound(&self, customer: &str, outcome: &UnbindingOutcome) -> Result<(), ClientError> {
        if *outcome == UnbindingOutcome::Unbound {
            self.remove_tokens(customer).await?;
        }
        Ok(())
    }
}

/// Flow `id` of `kind` from its stored record: a typed error if it is of another kind or
/// settled, wherever the record came from (the store or the cache).
fn open<F: Flow>(
    id: &str,
    kind: FlowKind,
    stored: StoredFlow,
) -> Result<(F, StoredFlow), ClientError> {
    if stored.kind != kind {
        return Err(ClientError::FlowNotWaiting { id: id.to_owned() });
    }
    if stored.settled {
        return Err(ClientError::FlowFinished { id: id.to_owned() });
    }
    let flow = ovo_flows::from_state(&stored.state, stored.secrets.clone())?;
    Ok((flow, stored))
}
