//! The OVO direct (SNAP) client: drives `ovo-flows` over a [`Transport`].

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use ovo_flows::{
    Authorization, B2bTokenCache, Call, Expiring, Received, SnapConfig, SnapCredentials, Stamp,
    calls,
};
use ovo_model::Secret;
use ovo_model::snap::{B2bTokenResponse, ErrorEnvelope};
use time::OffsetDateTime;
use tokio::sync::watch;
use tracing::Instrument as _;

use crate::error::ClientError;
use crate::support::{
    ClientOptions, Clock, Ids, MemoryTokenStore, SystemClock, TokenStore, retry_after,
};
use crate::transport::Transport;

type Shared = Option<Result<Expiring, Arc<ClientError>>>;

#[derive(Debug, Default)]
struct B2bState {
    cache: B2bTokenCache,
    /// The fetch in flight, which every other caller waits for (single flight).
    inflight: Option<(u64, watch::Receiver<Shared>)>,
    next_fetch: u64,
}

/// The client of OVO direct (SNAP). Cheap to share behind an `Arc`; every method takes `&self`.
pub struct OvoClient<T> {
    pub(crate) config: SnapConfig,
    credentials: SnapCredentials,
    transport: T,
    pub(crate) options: ClientOptions,
    clock: Arc<dyn Clock>,
    pub(crate) store: Arc<dyn TokenStore>,
    ids: Ids,
    b2b: Mutex<B2bState>,
}

impl<T> std::fmt::Debug for OvoClient<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OvoClient")
            .field("base_url", &self.config.base_url)
            .field("client_id", &self.config.client_id)
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

impl<T: Transport> OvoClient<T> {
    /// A client with the system clock, an in-memory token store and default options.
    pub fn new(config: SnapConfig, credentials: SnapCredentials, transport: T) -> Self {
        Self {
            config,
            credentials,
            transport,
            options: ClientOptions::default(),
            clock: Arc::new(SystemClock),
            store: Arc::new(MemoryTokenStore::default()),
            ids: Ids::default(),
            b2b: Mutex::new(B2bState::default()),
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

    /// Replaces the token store.
    pub fn with_store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.store = store;
        self
    }

    /// The configuration.
    pub fn config(&self) -> &SnapConfig {
        &self.config
    }

    pub(crate) fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    fn b2b_state(&self) -> std::sync::MutexGuard<'_, B2bState> {
        self.b2b
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The partner's B2B token: cached until a minute before it expires, and fetched by one caller
    /// at a time: concurrent callers wait for that fetch and share its result, error included.
    pub async fn b2b_token(&self) -> Result<Expiring, ClientError> {
        enum Next {
            Ready(Expiring),
            Wait(watch::Receiver<Shared>),
            Fetch(u64, watch::Sender<Shared>),
        }
        loop {
            let next = {
                let mut state = self.b2b_state();
                if let Some(token) = state.cache.usable(self.now()) {
                    Next::Ready(token.clone())
                } else if let Some((_, receiver)) = &state.inflight {
                    Next::Wait(receiver.clone())
                } else {
                    state.next_fetch += 1;
                    let id = state.next_fetch;
                    let (sender, receiver) = watch::channel(None);
                    state.inflight = Some((id, receiver));
                    Next::Fetch(id, sender)
                }
            };
            match next {
                Next::Ready(token) => return Ok(token),
                Next::Fetch(id, sender) => return self.fetch_b2b(id, sender).await,
                Next::Wait(mut receiver) => loop {
                    if let Some(result) = receiver.borrow().clone() {
                        return result.map_err(ClientError::B2bToken);
                    }
                    if receiver.changed().await.is_err() {
                        break; // The fetching caller went away: try again (one of us fetches).
                    }
                },
            }
        }
    }

    async fn fetch_b2b(
        &self,
        id: u64,
        sender: watch::Sender<Shared>,
    ) -> Result<Expiring, ClientError> {
        /// Clears the in-flight marker even if this future is dropped mid-fetch.
        struct Clear<'a>(&'a Mutex<B2bState>, u64);
        impl Drop for Clear<'_> {
            fn drop(&mut self) {
                let mut state = self
                    .0
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                if state.inflight.as_ref().is_some_and(|(id, _)| *id == self.1) {
                    state.inflight = None;
                }
            }
        }
        let clear = Clear(&self.b2b, id);
        let result = async {
            let call = calls::b2b_token()?;
            // A token call moves no money: retried like the other safe calls.
            let received = self.drive(&call).await?;
            let answer: B2bTokenResponse = expect_success(received)?;
            Ok::<_, ClientError>(answer)
        }
        .instrument(tracing::info_span!("ovo.b2b_token"))
        .await;
        let shared = {
            let mut state = self.b2b_state();
            let shared = result.map(|answer| {
                state
                    .cache
                    .store(answer.access_token, answer.expires_in.0, self.now())
                    .clone()
            });
            drop(state);
            shared
        };
        drop(clear);
        let shared = shared.map_err(Arc::new);
        let _ = sender.send(Some(shared.clone()));
        shared.map_err(ClientError::B2bToken)
    }

    /// Signs and sends one call built with `ovo-flows` (for example a call with a deliberately
    /// wrong token, to record a negative scenario), under the same rules as every operation.
    pub async fn execute(&self, call: &Call) -> Result<Received, ClientError> {
        self.drive(call).await
    }

    /// Signs and sends one call. A call that moves no money is retried (fresh timestamp and
    /// `X-EXTERNAL-ID`) after a transport failure, a 5xx or a 429; a money-moving call is sent
    /// once, and what happened is returned for its flow to resolve. A call refused with
    /// `401xx01`/`401xx03` (B2B token invalid) is re-signed with a new token once: a refusal means
    /// nothing was done.
    pub(crate) async fn drive(&self, call: &Call) -> Result<Received, ClientError> {
        let span =
            tracing::info_span!("ovo.call", target = ?call.target, moves_money = call.moves_money);
        async {
            let mut attempt = 0;
            let mut renewed_token = false;
            loop {
                let b2b = match call.authorization {
                    // Boxed: fetching the token drives its own call through this loop.
                    Authorization::B2b => Some(Box::pin(self.b2b_token()).await?),
                    _ => None,
                };
                let received = self.send(call, b2b.as_ref().map(|t| &t.token)).await;
                match (&received, &b2b) {
                    (Ok(Received::Response(response)), Some(token))
                        if response.status() == 401 && !renewed_token =>
                    {
                        let invalid =
                            ovo_model::from_json_unvalidated::<ErrorEnvelope>(response.body())
                                .is_ok_and(|e| e.response_code.is_invalid_b2b_token());
                        if invalid {
                            tracing::debug!("B2B token refused; renewing it once");
                            self.b2b_state().cache.invalidate(token.generation);
                            renewed_token = true;
                            continue;
                        }
                    }
                    _ => {}
                }
                let (retryable, retry_after) = match &received {
                    Ok(Received::Response(response)) => (
                        response.status().is_server_error() || response.status() == 429,
                        retry_after(response.headers()),
                    ),
                    Ok(Received::Failed { .. }) => (true, None),
                    Err(_) => (false, None),
                };
                if call.moves_money || !retryable || attempt >= self.options.max_retries {
                    return received;
                }
                let Some(wait) = self.options.retry_wait(attempt, retry_after) else {
                    return received;
                };
                tracing::debug!(attempt, ?wait, "retrying a call that moves no money");
                tokio::time::sleep(wait).await;
                attempt += 1;
            }
        }
        .instrument(span)
        .await
    }

    /// One signed exchange, without retries.
    async fn send(&self, call: &Call, b2b: Option<&Secret>) -> Result<Received, ClientError> {
        let now = self.now();
        let stamp = Stamp {
            now,
            external_id: self.ids.external_id(now)?,
        };
        let request = ovo_flows::sign_snap(&self.config, &self.credentials, call, b2b, &stamp)?;
        let request = request.map(Bytes::from);
        Ok(
            match self
                .transport
                .send(request, self.options.call_timeout)
                .await
            {
                Ok(response) => {
                    tracing::debug!(status = response.status().as_u16(), "answered");
                    Received::Response(response.map(|body| body.to_vec()))
                }
                Err(error) => {
                    tracing::debug!(%error, "no answer");
                    Received::Failed {
                        may_have_reached: error.may_have_reached(),
                    }
                }
            },
        )
    }
}

/// The success body of a call that must succeed, or the error.
pub(crate) fn expect_success<B>(received: Received) -> Result<B, ClientError>
where
    B: serde::de::DeserializeOwned + ovo_model::Validate,
{
    match received {
        Received::Response(response) => match ovo_flows::read_snap::<B>(&response) {
            ovo_flows::Answer::Success(body) => Ok(body),
            ovo_flows::Answer::Refused { code, message } => {
                Err(ClientError::Refused { code, message })
            }
            ovo_flows::Answer::Unknown { http_status } => Err(ClientError::Unknown { http_status }),
        },
        Received::Failed { may_have_reached } => Err(ClientError::Transport(
            crate::transport::TransportError::new(if may_have_reached {
                crate::transport::TransportErrorKind::Interrupted
            } else {
                crate::transport::TransportErrorKind::Connect
            }),
        )),
    }
}
