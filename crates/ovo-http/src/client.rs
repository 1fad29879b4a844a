//! The OVO direct (SNAP) client: credentials, tokens and the one call loop; the operations are in
//! `snap_ops`.

use std::sync::{Arc, Mutex, PoisonError};

use ovo_flows::{
    Answer, Authorization, B2bTokenCache, Call, CustomerCredential, CustomerTokens, Expiring,
    FlowStore, MemoryFlowStore, MemoryTokenStore, OvoEndpoint, Received, SharedTokens, SnapConfig,
    SnapCredentials, SnapSigner, Stamp, StoreError, Target, TokenStore, TokenVerdict, calls,
};
use ovo_model::Secret;
use ovo_model::snap::{B2b2cTokenResponse, B2bTokenResponse, ErrorEnvelope};
use time::OffsetDateTime;
use tracing::Instrument as _;

use crate::clock::{Clock, SystemClock};
use crate::driver::Caller;
use crate::error::ClientError;
use crate::exchange::{Exchanged, wait_to_retry};
use crate::flow_cache::FlowCache;
use crate::ids::Ids;
use crate::options::ClientOptions;
use crate::single_flight::SingleFlight;
use crate::token_cache::TokenCache;
use crate::transport::Transport;

pub(crate) struct Inner<T> {
    /// The configuration, with what every signed call shares made once.
    snap: SnapSigner,
    credentials: SnapCredentials,
    transport: T,
    pub(crate) options: ClientOptions,
    clock: Arc<dyn Clock>,
    pub(crate) tokens: Arc<dyn TokenStore>,
    /// Customers' tokens as this client last read or wrote them in `tokens`; never held across
    /// an await.
    customer_tokens: Mutex<TokenCache>,
    pub(crate) flows: Arc<dyn FlowStore>,
    /// The unsettled flows this client last wrote to `flows`, for the webview's callback;
    /// never held across an await.
    pub(crate) flow_cache: Mutex<FlowCache>,
    shared: Option<Arc<dyn SharedTokens>>,
    pub(crate) ids: Ids,
    b2b: Mutex<B2bTokenCache>,
    b2b_fetch: SingleFlight<(), Expiring>,
    refreshes: SingleFlight<String, Secret>,
}

/// The client of OVO direct (SNAP). Cloning it is cheap (an `Arc` inside); every method takes
/// `&self`. Customers' tokens live in a [`TokenStore`] and pending flows in a [`FlowStore`]: in
/// memory by default, in a database with `ovo-store`, so that a flow begun by one instance is
/// finished by another. Each client also keeps the customers' tokens it read or wrote in memory
/// for [`ClientOptions::token_cache_ttl`], so that a call does not read the token store each
/// time, and the unsettled flows it wrote ([`ClientOptions::flow_cache_capacity`]), so that the
/// callback that finishes a flow on the instance that began it does not read the flow store.
pub struct OvoClient<T> {
    pub(crate) inner: Arc<Inner<T>>,
}

impl<T> Clone for OvoClient<T> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<T> std::fmt::Debug for OvoClient<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OvoClient")
            .field("base_url", &self.inner.snap.config().base_url)
            .field("client_id", &self.inner.snap.config().client_id)
            .field("credentials", &self.inner.credentials)
            .finish_non_exhaustive()
    }
}

/// Builds an [`OvoClient`]: the stores, clock and options are optional.
pub struct OvoClientBuilder<T> {
    config: SnapConfig,
    credentials: SnapCredentials,
    transport: T,
    options: ClientOptions,
    clock: Arc<dyn Clock>,
    tokens: Arc<dyn TokenStore>,
    flows: Arc<dyn FlowStore>,
    shared: Option<Arc<dyn SharedTokens>>,
}

/// How long a lease on a shared fetch lasts, and how long another instance waits for its holder
/// to store what it fetched before giving up.
const SHARED_WAIT: std::time::Duration = std::time::Duration::from_secs(30);
/// How often an instance waiting for another's fetch looks again.
const SHARED_POLL: std::time::Duration = std::time::Duration::from_millis(20);

impl<T> std::fmt::Debug for OvoClientBuilder<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OvoClientBuilder")
            .field("client_id", &self.config.client_id)
            .finish_non_exhaustive()
    }
}

impl<T: Transport> OvoClientBuilder<T> {
    /// Replaces the options (timeouts, retries, pacing, deadline, caches;
    /// [`ClientOptions::default`] otherwise).
    pub fn options(mut self, options: ClientOptions) -> Self {
        self.options = options;
        self
    }

    /// Replaces the clock ([`SystemClock`] otherwise): a clock that drifts from OVO's makes its
    /// timestamps refused, so give one only to test or to correct a known skew.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Replaces the customer token store.
    pub fn token_store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.tokens = store;
        self
    }

    /// Replaces the flow store.
    pub fn flow_store(mut self, store: Arc<dyn FlowStore>) -> Self {
        self.flows = store;
        self
    }

    /// Shares the partner's B2B token and customers' refreshes with the other instances that use
    /// the same `shared` store (`ovo-store`'s `SqlStore` on one database): the B2B token is
    /// fetched by one instance for all, under the lease `b2b:{client_id}`, and a customer's
    /// refresh token is spent by one instance, under the lease `refresh:{customer}`. Within one
    /// instance, concurrent callers still share one fetch first. Without it, each instance
    /// fetches its own B2B token and refreshes on its own.
    ///
    /// ```
    /// # fn f<T: ovo_http::Transport>(builder: ovo_http::OvoClientBuilder<T>) {
    /// use std::sync::Arc;
    /// // In production: one `Arc<ovo_store::SqlStore>` for the token, flow and shared stores.
    /// let shared = Arc::new(ovo_http::MemorySharedTokens::default());
    /// let client = builder.shared_tokens(shared).build();
    /// # let _ = client; }
    /// ```
    pub fn shared_tokens(mut self, shared: Arc<dyn SharedTokens>) -> Self {
        self.shared = Some(shared);
        self
    }

    /// Builds the client; nothing is sent until its first call.
    pub fn build(self) -> OvoClient<T> {
        let customer_tokens = TokenCache::new(
            self.options.token_cache_ttl,
            self.options.token_cache_capacity,
        );
        let flow_cache = FlowCache::new(
            self.options.pacing.webview_timeout,
            self.options.flow_cache_capacity,
        );
        OvoClient {
            inner: Arc::new(Inner {
                snap: SnapSigner::new(self.config),
                credentials: self.credentials,
                transport: self.transport,
                options: self.options,
                clock: self.clock,
                tokens: self.tokens,
                customer_tokens: Mutex::new(customer_tokens),
                flows: self.flows,
                flow_cache: Mutex::new(flow_cache),
                shared: self.shared,
                ids: Ids::default(),
                b2b: Mutex::new(B2bTokenCache::default()),
                b2b_fetch: SingleFlight::default(),
                refreshes: SingleFlight::default(),
            }),
        }
    }
}

/// Which customer credential a customer-authorized call spends, for the token verdict.
fn credential_of(call: &Call) -> CustomerCredential {
    match call.target {
        // Generate Token spends the single-use `authCode`: its refusal says nothing about the
        // binding, and the code is never sent twice.
        Target::Ovo {
            endpoint: OvoEndpoint::GenerateToken,
            ..
        } => CustomerCredential::SingleUse,
        _ => CustomerCredential::Access,
    }
}

/// The SNAP code of a refusal, if the answer is one.
fn refusal_code(received: &Received) -> Option<ovo_model::ResponseCode> {
    let Received::Response(response) = received else {
        return None;
    };
    if !response.status().is_client_error() {
        return None;
    }
    ovo_model::from_json_unvalidated::<ErrorEnvelope>(response.body())
        .ok()
        .map(|e| e.response_code)
}

impl<T: Transport> OvoClient<T> {
    /// A client with the system clock, in-memory stores and default options.
    pub fn new(config: SnapConfig, credentials: SnapCredentials, transport: T) -> Self {
        Self::builder(config, credentials, transport).build()
    }

    /// A builder, to set stores, the clock or options.
    pub fn builder(
        config: SnapConfig,
        credentials: SnapCredentials,
        transport: T,
    ) -> OvoClientBuilder<T> {
        OvoClientBuilder {
            config,
            credentials,
            transport,
            options: ClientOptions::default(),
            clock: Arc::new(SystemClock),
            tokens: Arc::new(MemoryTokenStore::default()),
            flows: Arc::new(MemoryFlowStore::default()),
            shared: None,
        }
    }

    /// The SNAP configuration it signs and addresses its calls with.
    pub fn config(&self) -> &SnapConfig {
        self.inner.snap.config()
    }

    /// The options it was built with.
    pub fn options(&self) -> &ClientOptions {
        &self.inner.options
    }

    /// The customer token store.
    pub fn token_store(&self) -> &Arc<dyn TokenStore> {
        &self.inner.tokens
    }

    /// Where it stores its flows, to resume them on any instance sharing the store.
    pub fn flow_store(&self) -> &Arc<dyn FlowStore> {
        &self.inner.flows
    }

    pub(crate) fn now(&self) -> OffsetDateTime {
        self.inner.clock.now()
    }

    fn usable_b2b(&self) -> Option<Expiring> {
        let cache = self
            .inner
            .b2b
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        cache.usable(self.now()).cloned()
    }

    /// The partner's B2B token: cached until a minute before it expires, and fetched by one caller
    /// at a time: concurrent callers wait for that fetch and share its result, error included.
    pub async fn b2b_token(&self) -> Result<Expiring, ClientError> {
        if let Some(token) = self.usable_b2b() {
            return Ok(token);
        }
        self.inner
            .b2b_fetch
            .run((), || async {
                if let Some(token) = self.usable_b2b() {
                    return Ok(token);
                }
                if let Some(shared) = &self.inner.shared {
                    let token = self.shared_b2b_token(shared.as_ref()).await?;
                    let mut cache = self
                        .inner
                        .b2b
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner);
                    return Ok(cache.adopt(token).clone());
                }
                let answer = self.fetch_b2b_token().await?;
                let mut cache = self
                    .inner
                    .b2b
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                Ok(cache
                    .store(answer.access_token, answer.expires_in.0, self.now())
                    .clone())
            })
            .instrument(tracing::info_span!("ovo.b2b_token"))
            .await
            .map_err(ClientError::B2bToken)
    }

    /// Asks OVO for a B2B token.
    async fn fetch_b2b_token(&self) -> Result<B2bTokenResponse, ClientError> {
        self.expect_success(&calls::b2b_token()?, None).await
    }

    /// The B2B token shared by every instance: the stored one if usable; else the instance that
    /// takes the lease `b2b:{client_id}` looks again, fetches and stores it, while the others
    /// poll the store until it is there (or the lease ends and one of them takes it).
    async fn shared_b2b_token(&self, shared: &dyn SharedTokens) -> Result<Expiring, ClientError> {
        let client_id = self.config().client_id.as_str();
        let name = format!("b2b:{client_id}");
        let started = std::time::Instant::now();
        loop {
            let now = self.now();
            if let Some(token) = shared.b2b_token(client_id, now).await? {
                return Ok(token);
            }
            if let Some(lease) = shared.lease(&name, now, SHARED_WAIT).await? {
                let fetched = async {
                    // Another instance may have stored one between our read and our lease.
                    if let Some(token) = shared.b2b_token(client_id, self.now()).await? {
                        return Ok(token);
                    }
                    let answer = self.fetch_b2b_token().await?;
                    let until = B2bTokenCache::usable_until(answer.expires_in.0, self.now());
                    Ok(shared
                        .put_b2b_token(client_id, &answer.access_token, until)
                        .await?)
                }
                .await;
                release(shared, lease).await;
                return fetched;
            }
            if started.elapsed() >= SHARED_WAIT {
                return Err(ClientError::Store(StoreError::Unavailable(format!(
                    "another instance holds the lease {name} and stored no B2B token in time"
                ))));
            }
            tokio::time::sleep(SHARED_POLL).await;
        }
    }

    /// The customer's usable access token, refreshed if it expired: from the client's cache
    /// while its entry is younger than [`ClientOptions::token_cache_ttl`] and the token usable,
    /// else from the token store.
    pub async fn access_token(&self, customer: &str) -> Result<Secret, ClientError> {
        let now = self.now();
        if let Some(access) = self
            .token_cache()
            .access(customer, std::time::Instant::now(), now)
        {
            return Ok(access);
        }
        let tokens = self.stored_tokens(customer).await?;
        if tokens.access_usable(self.now()) {
            return Ok(tokens.access);
        }
        self.refresh_customer(customer, None).await
    }

    /// Renews the customer's access token with the refresh token, whatever its expiry. Reads the
    /// token store, never the cache: the token to renew is the stored one.
    pub async fn refresh(&self, customer: &str) -> Result<Secret, ClientError> {
        let tokens = self.stored_tokens(customer).await?;
        self.refresh_customer(customer, Some(tokens.access)).await
    }

    /// The cache of the flows this client wrote, locked: never hold it across an await.
    pub(crate) fn flow_cache(&self) -> std::sync::MutexGuard<'_, FlowCache> {
        self.inner
            .flow_cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The cache of customers' tokens, locked: never hold it across an await.
    fn token_cache(&self) -> std::sync::MutexGuard<'_, TokenCache> {
        self.inner
            .customer_tokens
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The customer's tokens as the token store holds them now (never the cache's). The cache
    /// learns what was read: the tokens, or that there are none.
    async fn stored_tokens(&self, customer: &str) -> Result<CustomerTokens, ClientError> {
        let (since, read_at) = (self.token_cache().since(), std::time::Instant::now());
        match self.inner.tokens.get(customer).await? {
            Some(tokens) => {
                self.token_cache()
                    .cache_read(customer, &tokens, since, read_at);
                Ok(tokens)
            }
            None => {
                self.token_cache().remove(customer);
                Err(ClientError::NotBound {
                    customer: customer.to_owned(),
                })
            }
        }
    }

    /// Stores the customer's tokens and caches them. If the store fails, the write may or may
    /// not have happened: the customer is dropped from the cache, so the next call reads the
    /// store.
    pub(crate) async fn put_tokens(
        &self,
        customer: &str,
        tokens: &CustomerTokens,
    ) -> Result<(), ClientError> {
        let (since, written_at) = (self.token_cache().since(), std::time::Instant::now());
        match self.inner.tokens.put(customer, tokens).await {
            Ok(()) => {
                self.token_cache()
                    .cache_written(customer, tokens, since, written_at);
                Ok(())
            }
            Err(error) => {
                self.token_cache().remove(customer);
                Err(error.into())
            }
        }
    }

    /// Removes the customer's tokens from the store, then from the cache (in that order, so that
    /// a store read racing with the removal cannot cache them again), whether or not the store
    /// succeeded.
    pub(crate) async fn remove_tokens(&self, customer: &str) -> Result<(), ClientError> {
        let removed = self.inner.tokens.remove(customer).await;
        self.token_cache().remove(customer);
        Ok(removed?)
    }

    /// Refreshes `customer`'s access token once for all concurrent callers. `refused` is the
    /// access token the provider refused (refresh unless another caller replaced it meanwhile);
    /// without it, refresh unless the stored token is usable. A refresh refused as invalid means
    /// the binding is gone: the tokens are removed. Any other failure keeps them.
    async fn refresh_customer(
        &self,
        customer: &str,
        refused: Option<Secret>,
    ) -> Result<Secret, ClientError> {
        let refresh = || async {
            match &self.inner.shared {
                None => self.refresh_stale(customer, refused.as_ref()).await,
                Some(shared) => {
                    self.refresh_shared(shared.as_ref(), customer, refused.as_ref())
                        .await
                }
            }
        };
        self.inner
            .refreshes
            .run(customer.to_owned(), refresh)
            .instrument(tracing::info_span!("ovo.refresh", customer))
            .await
            .map_err(|error| (*error).clone())
    }

    /// Whether `tokens` need a refresh: `refused` is still the stored access token, or (without
    /// one) the stored one is no longer usable.
    fn stale(&self, tokens: &CustomerTokens, refused: Option<&Secret>) -> bool {
        match refused {
            Some(refused) => tokens.access == *refused,
            None => !tokens.access_usable(self.now()),
        }
    }

    /// The refresh under the lease `refresh:{customer}`, held by one instance at a time: whoever
    /// holds it re-reads the stored tokens and refreshes only if they are still stale; the others
    /// wait, then find the renewed token in the store.
    async fn refresh_shared(
        &self,
        shared: &dyn SharedTokens,
        customer: &str,
        refused: Option<&Secret>,
    ) -> Result<Secret, ClientError> {
        let name = format!("refresh:{customer}");
        let started = std::time::Instant::now();
        loop {
            let tokens = self.stored_tokens(customer).await?;
            if !self.stale(&tokens, refused) {
                return Ok(tokens.access);
            }
            if let Some(lease) = shared.lease(&name, self.now(), SHARED_WAIT).await? {
                let refreshed = self.refresh_stale(customer, refused).await;
                release(shared, lease).await;
                return refreshed;
            }
            if started.elapsed() >= SHARED_WAIT {
                return Err(ClientError::Store(StoreError::Unavailable(format!(
                    "another instance holds the lease {name} and did not refresh in time"
                ))));
            }
            tokio::time::sleep(SHARED_POLL).await;
        }
    }

    /// Refreshes `customer`'s tokens if the stored ones are still stale.
    async fn refresh_stale(
        &self,
        customer: &str,
        refused: Option<&Secret>,
    ) -> Result<Secret, ClientError> {
        {
            let tokens = self.stored_tokens(customer).await?;
            if !self.stale(&tokens, refused) {
                return Ok(tokens.access);
            }
            let not_bound = || ClientError::NotBound {
                customer: customer.to_owned(),
            };
            let refresh = tokens.refresh.clone().ok_or_else(not_bound)?;
            let received = self
                .send_call(&calls::refresh(refresh.clone())?, None)
                .await?
                .answered()?;
            match ovo_flows::read_snap_received(&received) {
                Answer::Success(answer) => {
                    let answer: B2b2cTokenResponse = answer;
                    let renewed = CustomerTokens::issued(
                        answer.access_token.clone(),
                        answer.refresh_token.or(Some(refresh)),
                        self.now(),
                    );
                    self.put_tokens(customer, &renewed).await?;
                    Ok(answer.access_token)
                }
                Answer::Refused { code, message } => {
                    match ovo_flows::token_verdict(CustomerCredential::Refresh, code) {
                        TokenVerdict::Forget => {
                            tracing::info!(customer, "the refresh token was refused: unbound");
                            self.remove_tokens(customer).await?;
                            Err(not_bound())
                        }
                        TokenVerdict::Keep | TokenVerdict::Refresh => {
                            Err(ClientError::Refused { code, message })
                        }
                    }
                }
                Answer::Unknown { status } => Err(ClientError::Unknown { status }),
            }
        }
    }

    /// Signs and sends one call built with `ovo-flows` (for example a call with a deliberately
    /// wrong token, to record a negative scenario), under the same rules as every operation.
    /// `customer` supplies the access token of [`Authorization::Customer`] calls. A body with
    /// whitespace between JSON tokens is minified first, so the bytes sent are the bytes signed.
    pub async fn execute(
        &self,
        call: &Call,
        customer: Option<&str>,
    ) -> Result<Received, ClientError> {
        let minified = ovo_sign::minify(&call.body).map_err(|e| {
            ClientError::from(ovo_flows::FlowError::Sign(
                ovo_sign::InputError::from(e).into(),
            ))
        })?;
        let exchanged = match minified {
            std::borrow::Cow::Borrowed(_) => self.send_call(call, customer).await,
            std::borrow::Cow::Owned(body) => {
                let call = Call {
                    body: body.into(),
                    ..call.clone()
                };
                self.send_call(&call, customer).await
            }
        };
        Ok(exchanged?.received)
    }

    /// The one call loop: supplies the credential, signs, sends, and retries as
    /// [`ovo_flows::RetryPolicy`] decides. A refused B2B token is renewed and the call re-signed
    /// once; a refused customer access token is refreshed and the call re-signed once (not
    /// Generate Token, whose code is single-use): a refusal means nothing was done. What came of
    /// the last attempt keeps the transport's error when no answer came.
    pub(crate) async fn send_call(
        &self,
        call: &Call,
        customer: Option<&str>,
    ) -> Result<Exchanged, ClientError> {
        let span = tracing::info_span!(
            "ovo.call",
            target = call.target.label(),
            moves_money = call.moves_money()
        );
        async {
            let mut attempt = 0;
            let mut renewed_b2b = false;
            let mut refreshed = false;
            // The access token the refresh below gave, for the attempt it re-signs.
            let mut renewed: Option<Secret> = None;
            loop {
                let (token, b2b_generation) =
                    self.credential(call, customer, renewed.take()).await?;
                let exchanged = self.exchange(call, token.as_ref()).await?;
                if let Some(code) = refusal_code(&exchanged.received) {
                    if let Some(generation) = b2b_generation
                        && ovo_flows::b2b_token_refused(code)
                        && !renewed_b2b
                    {
                        tracing::debug!("B2B token refused; renewing it once");
                        self.inner
                            .b2b
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .invalidate(generation);
                        if let Some(shared) = &self.inner.shared {
                            shared
                                .invalidate_b2b_token(&self.config().client_id, generation)
                                .await?;
                        }
                        renewed_b2b = true;
                        continue;
                    }
                    if let (Authorization::Customer, Some(customer)) =
                        (&call.authorization, customer)
                        && ovo_flows::token_verdict(credential_of(call), code)
                            == TokenVerdict::Refresh
                        && !refreshed
                    {
                        tracing::debug!("the customer's access token was refused; refreshing once");
                        refreshed = true;
                        renewed = Some(Box::pin(self.refresh_customer(customer, token)).await?);
                        continue;
                    }
                }
                let retry = &self.inner.options.retry;
                if !wait_to_retry(retry, call, &exchanged.received, self.now(), &mut attempt).await
                {
                    return Ok(exchanged);
                }
            }
        }
        .instrument(span)
        .await
    }

    /// The bearer token `call` is signed with, and the B2B token's generation when it is one:
    /// the B2B token, the customer's access token (`renewed` if a refresh just gave one), or none.
    async fn credential(
        &self,
        call: &Call,
        customer: Option<&str>,
        renewed: Option<Secret>,
    ) -> Result<(Option<Secret>, Option<u64>), ClientError> {
        Ok(match &call.authorization {
            // Boxed: fetching the token drives its own call through the call loop.
            Authorization::B2b => {
                let token = Box::pin(self.b2b_token()).await?;
                (Some(token.token), Some(token.generation))
            }
            Authorization::Customer => {
                let customer = customer.ok_or(ovo_flows::FlowError::MissingCredential(
                    "customer's access token",
                ))?;
                let token = match renewed {
                    Some(token) => token,
                    None => Box::pin(self.access_token(customer)).await?,
                };
                (Some(token), None)
            }
            _ => (None, None),
        })
    }

    /// One signed exchange, without retries.
    async fn exchange(
        &self,
        call: &Call,
        token: Option<&Secret>,
    ) -> Result<Exchanged, ClientError> {
        let now = self.now();
        let stamp = Stamp {
            now,
            external_id: self.inner.ids.external_id(now)?,
        };
        let request = self
            .inner
            .snap
            .sign(&self.inner.credentials, call, token, &stamp)?;
        let sent = self
            .inner
            .transport
            .send(request, self.inner.options.call_timeout)
            .await;
        Ok(Exchanged::new(sent))
    }

    /// Sends a call that must succeed (with retries, as every call): its success body; a refusal,
    /// an unusable answer, or the transport's error (kind and cause kept) when no answer came.
    pub(crate) async fn expect_success<B>(
        &self,
        call: &Call,
        customer: Option<&str>,
    ) -> Result<B, ClientError>
    where
        B: serde::de::DeserializeOwned + ovo_model::Validate,
    {
        let received = self.send_call(call, customer).await?.answered()?;
        match ovo_flows::read_snap_received(&received) {
            Answer::Success(body) => Ok(body),
            Answer::Refused { code, message } => Err(ClientError::Refused { code, message }),
            Answer::Unknown { status } => Err(ClientError::Unknown { status }),
        }
    }
}

impl<T: Transport> Caller for OvoClient<T> {
    async fn call<'a>(
        &'a self,
        call: &'a Call,
        customer: Option<&'a str>,
    ) -> Result<Received, ClientError> {
        Ok(self.send_call(call, customer).await?.received)
    }

    fn now(&self) -> OffsetDateTime {
        self.inner.clock.now()
    }
}

/// Gives a lease back; a failure only delays the others until the lease ends by itself.
async fn release(shared: &dyn SharedTokens, lease: ovo_flows::SharedLease) {
    if let Err(error) = shared.release(lease).await {
        tracing::warn!(%error, "a lease could not be released; it ends by itself");
    }
}
