//! The control API under `/_sandbox/`: register partners and accounts, read balances and the
//! ledger, advance the clock, break accounts, plan faults. Documented in `docs/sandbox.md`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{FromRequest, Path, RawQuery, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse as _, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use http::{HeaderMap, Method, StatusCode};
use ovo_model::Idr;
use ovo_sign::{ClientSecret, PublicKey};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;
use tower_http::limit::RequestBodyLimitLayer;

use crate::config::SandboxConfig;
use crate::http::faults::FaultRule;
use crate::http::route::Endpoint;
use crate::http::server::{self, Shared};
use crate::provider::exchange::Reply;
use crate::provider::snap::linking::unbind;
use crate::provider::state::{Account, AccountStatus as Status, DokuPartner, Partner};

/// A SNAP partner to enroll: the body of `POST /_sandbox/partners`, or
/// [`SandboxHandle::enroll_partner`](crate::SandboxHandle::enroll_partner)'s argument.
///
/// Build it with [`PartnerSpec::new`] and the setters; it serializes to (and reads from) the
/// control API's JSON.
///
/// ```
/// use ovo_model::Idr;
/// use ovo_sandbox::PartnerSpec;
///
/// let spec = PartnerSpec::new("oamerchant", "client-secret", "-----BEGIN PUBLIC KEY-----...")
///     .callback_url("https://merchant.example/ovo/callback")
///     .daily_refund_limit(Idr::from_rupiah(50_000));
/// let json = serde_json::to_value(&spec)?;
/// assert_eq!(json["daily_refund_limit"], "50000.00");
/// assert_eq!(serde_json::from_value::<PartnerSpec>(json)?, spec);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PartnerSpec {
    /// The client id (`X-CLIENT-KEY`, `X-PARTNER-ID`).
    pub client_id: String,
    /// The client secret(s): several during rotation.
    pub client_secrets: Vec<String>,
    /// PEM public key(s) for signature verification: PKCS#1, SPKI or X.509.
    pub public_keys: Vec<String>,
    /// Callback URLs the webview may redirect to.
    pub callback_urls: Vec<String>,
    /// Daily refund limit; [`PartnerSpec::DEFAULT_DAILY_REFUND_LIMIT`] when absent.
    #[serde(default = "default_limit")]
    pub daily_refund_limit: Idr,
    /// Merchant id; defaults to the client id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_id: Option<String>,
}

fn default_limit() -> Idr {
    PartnerSpec::DEFAULT_DAILY_REFUND_LIMIT
}

impl PartnerSpec {
    /// The daily refund limit of a partner enrolled without one: IDR 10,000,000.00 \[I\].
    pub const DEFAULT_DAILY_REFUND_LIMIT: Idr = Idr::from_rupiah(10_000_000);

    /// A partner with one client secret and one public key (PEM: PKCS#1, SPKI or X.509), no
    /// callback URL yet, the default daily refund limit and its client id as merchant id.
    ///
    /// ```
    /// let spec = ovo_sandbox::PartnerSpec::new("oamerchant", "secret", "PEM");
    /// assert_eq!(spec.client_secrets, ["secret"]);
    /// assert!(spec.callback_urls.is_empty());
    /// ```
    pub fn new(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        public_key_pem: impl Into<String>,
    ) -> Self {
        Self {
            client_id: client_id.into(),
            client_secrets: vec![client_secret.into()],
            public_keys: vec![public_key_pem.into()],
            callback_urls: Vec::new(),
            daily_refund_limit: Self::DEFAULT_DAILY_REFUND_LIMIT,
            merchant_id: None,
        }
    }

    /// Adds a client secret (several are accepted during a rotation).
    ///
    /// ```
    /// let spec = ovo_sandbox::PartnerSpec::new("oamerchant", "old", "PEM").client_secret("new");
    /// assert_eq!(spec.client_secrets, ["old", "new"]);
    /// ```
    #[must_use]
    pub fn client_secret(mut self, secret: impl Into<String>) -> Self {
        self.client_secrets.push(secret.into());
        self
    }

    /// Adds a public key (PEM) that signatures may verify with.
    ///
    /// ```
    /// let spec = ovo_sandbox::PartnerSpec::new("oamerchant", "secret", "A").public_key("B");
    /// assert_eq!(spec.public_keys, ["A", "B"]);
    /// ```
    #[must_use]
    pub fn public_key(mut self, pem: impl Into<String>) -> Self {
        self.public_keys.push(pem.into());
        self
    }

    /// Adds a callback URL the webview may send the customer back to.
    ///
    /// ```
    /// let spec = ovo_sandbox::PartnerSpec::new("oamerchant", "secret", "PEM")
    ///     .callback_url("https://merchant.example/ovo/callback");
    /// assert_eq!(spec.callback_urls, ["https://merchant.example/ovo/callback"]);
    /// ```
    #[must_use]
    pub fn callback_url(mut self, url: impl Into<String>) -> Self {
        self.callback_urls.push(url.into());
        self
    }

    /// Sets the daily refund limit.
    ///
    /// ```
    /// use ovo_model::Idr;
    /// let spec = ovo_sandbox::PartnerSpec::new("oamerchant", "secret", "PEM")
    ///     .daily_refund_limit(Idr::from_rupiah(1_000));
    /// assert_eq!(spec.daily_refund_limit, Idr::from_rupiah(1_000));
    /// ```
    #[must_use]
    pub fn daily_refund_limit(mut self, limit: Idr) -> Self {
        self.daily_refund_limit = limit;
        self
    }

    /// Sets a merchant id other than the client id.
    ///
    /// ```
    /// let spec = ovo_sandbox::PartnerSpec::new("oamerchant", "secret", "PEM").merchant_id("M1");
    /// assert_eq!(spec.merchant_id.as_deref(), Some("M1"));
    /// ```
    #[must_use]
    pub fn merchant_id(mut self, merchant_id: impl Into<String>) -> Self {
        self.merchant_id = Some(merchant_id.into());
        self
    }
}

/// Shows the ids and URLs, not the secrets.
impl std::fmt::Debug for PartnerSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PartnerSpec")
            .field("client_id", &self.client_id)
            .field(
                "client_secrets",
                &format_args!("[{} hidden]", self.client_secrets.len()),
            )
            .field("public_keys", &self.public_keys.len())
            .field("callback_urls", &self.callback_urls)
            .field("daily_refund_limit", &self.daily_refund_limit)
            .field("merchant_id", &self.merchant_id)
            .finish()
    }
}

/// A DOKU partner to enroll: the body of `POST /_sandbox/doku/partners`, or
/// [`SandboxHandle::enroll_doku_partner`](crate::SandboxHandle::enroll_doku_partner)'s argument.
///
/// ```
/// use ovo_sandbox::DokuPartnerSpec;
///
/// let spec = DokuPartnerSpec::new("BRN-0201-1", "SK-secret")
///     .notification_url("https://merchant.example/doku/notify");
/// let json = serde_json::json!({
///     "client_id": "BRN-0201-1", "secret_keys": ["SK-secret"],
///     "notification_url": "https://merchant.example/doku/notify"
/// });
/// assert_eq!(serde_json::to_value(&spec)?, json);
/// assert_eq!(serde_json::from_value::<DokuPartnerSpec>(json)?, spec);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DokuPartnerSpec {
    /// DOKU `Client-Id`.
    pub client_id: String,
    /// DOKU secret key(s).
    pub secret_keys: Vec<String>,
    /// Where signed HTTP notifications go.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification_url: Option<String>,
}

impl DokuPartnerSpec {
    /// A DOKU partner with one secret key and no notification URL.
    ///
    /// ```
    /// let spec = ovo_sandbox::DokuPartnerSpec::new("BRN-0201-1", "SK-secret");
    /// assert_eq!(spec.secret_keys, ["SK-secret"]);
    /// assert_eq!(spec.notification_url, None);
    /// ```
    pub fn new(client_id: impl Into<String>, secret_key: impl Into<String>) -> Self {
        Self {
            client_id: client_id.into(),
            secret_keys: vec![secret_key.into()],
            notification_url: None,
        }
    }

    /// Adds a secret key (several are accepted during a rotation).
    ///
    /// ```
    /// let spec = ovo_sandbox::DokuPartnerSpec::new("BRN-0201-1", "SK-old").secret_key("SK-new");
    /// assert_eq!(spec.secret_keys, ["SK-old", "SK-new"]);
    /// ```
    #[must_use]
    pub fn secret_key(mut self, secret: impl Into<String>) -> Self {
        self.secret_keys.push(secret.into());
        self
    }

    /// Sets where the sandbox posts this partner's signed notifications (for example
    /// `{base_url}/_sandbox/inbox`, the stand-in merchant endpoint).
    ///
    /// ```
    /// let spec = ovo_sandbox::DokuPartnerSpec::new("BRN-0201-1", "SK-secret")
    ///     .notification_url("https://merchant.example/doku/notify");
    /// assert!(spec.notification_url.is_some());
    /// ```
    #[must_use]
    pub fn notification_url(mut self, url: impl Into<String>) -> Self {
        self.notification_url = Some(url.into());
        self
    }
}

/// Shows the ids and URL, not the secrets.
impl std::fmt::Debug for DokuPartnerSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DokuPartnerSpec")
            .field("client_id", &self.client_id)
            .field(
                "secret_keys",
                &format_args!("[{} hidden]", self.secret_keys.len()),
            )
            .field("notification_url", &self.notification_url)
            .finish()
    }
}

/// A customer's OVO account to create: the body of `POST /_sandbox/accounts`, or
/// [`SandboxHandle::add_account`](crate::SandboxHandle::add_account)'s argument.
///
/// ```
/// use ovo_model::Idr;
/// use ovo_sandbox::AccountSpec;
///
/// let spec = AccountSpec::new("6281234567890", "246810", Idr::from_rupiah(100_000))
///     .points(Idr::from_rupiah(5_000));
/// let json = serde_json::json!({
///     "phone": "6281234567890", "pin": "246810", "cash": "100000.00", "points": "5000.00"
/// });
/// assert_eq!(serde_json::to_value(&spec)?, json);
/// assert_eq!(serde_json::from_value::<AccountSpec>(json)?, spec);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AccountSpec {
    /// Phone number, `6281234567890`: digits only.
    pub phone: String,
    /// The security PIN the webview asks for; three wrong entries block the account for an hour,
    /// six for good \[S\].
    pub pin: String,
    /// The starting OVO Cash balance.
    pub cash: Idr,
    /// OVO Points; none when absent.
    #[serde(default)]
    pub points: Idr,
}

impl AccountSpec {
    /// An active account holding `cash` and no points.
    ///
    /// ```
    /// use ovo_model::Idr;
    /// let spec = ovo_sandbox::AccountSpec::new("6281234567890", "246810", Idr::from_rupiah(10));
    /// assert_eq!(spec.points, Idr::ZERO);
    /// ```
    pub fn new(phone: impl Into<String>, pin: impl Into<String>, cash: Idr) -> Self {
        Self {
            phone: phone.into(),
            pin: pin.into(),
            cash,
            points: Idr::ZERO,
        }
    }

    /// Sets the OVO Points balance.
    ///
    /// ```
    /// use ovo_model::Idr;
    /// let spec = ovo_sandbox::AccountSpec::new("6281234567890", "246810", Idr::ZERO)
    ///     .points(Idr::from_rupiah(500));
    /// assert_eq!(spec.points, Idr::from_rupiah(500));
    /// ```
    #[must_use]
    pub fn points(mut self, points: Idr) -> Self {
        self.points = points;
        self
    }
}

/// Shows the phone and balances, not the PIN.
impl std::fmt::Debug for AccountSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountSpec")
            .field("phone", &self.phone)
            .field("pin", &"<hidden>")
            .field("cash", &self.cash)
            .field("points", &self.points)
            .finish()
    }
}

/// An account as the sandbox holds it: the answer of `GET /_sandbox/accounts/{phone}`, or of
/// [`SandboxHandle::account`](crate::SandboxHandle::account).
///
/// ```
/// use ovo_model::Idr;
/// let json = serde_json::json!({
///     "phone": "6281234567890", "cash": "75000.00", "points": "0.00",
///     "status": "ACTIVE", "bound_to": "oamerchant"
/// });
/// let account: ovo_sandbox::AccountInfo = serde_json::from_value(json.clone())?;
/// assert_eq!(account.cash, Idr::from_rupiah(75_000));
/// assert_eq!(account.status, ovo_sandbox::AccountStatus::Active);
/// assert_eq!(serde_json::to_value(&account)?, json);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AccountInfo {
    /// The account's phone number, digits only (`6281234567890`).
    pub phone: String,
    /// The OVO Cash balance now.
    pub cash: Idr,
    /// The OVO Points balance now.
    pub points: Idr,
    /// `ACTIVE`, or `CLOSED` once closed: then every token of it is dead \[S\].
    pub status: AccountStatus,
    /// The SNAP partner (client id) the account is linked to, if any.
    pub bound_to: Option<String>,
}

/// Whether an account is open: `"ACTIVE"` or `"CLOSED"` in JSON.
///
/// ```
/// assert_eq!(serde_json::to_value(ovo_sandbox::AccountStatus::Closed)?, "CLOSED");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum AccountStatus {
    /// Open: it can link, pay and be refunded.
    Active,
    /// Closed: every token of it is dead.
    Closed,
}

/// Why a control call was refused: the same message the control API answers with `400
/// {"error"}`.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let sandbox = ovo_sandbox::Sandbox::start().await?;
/// let refused = sandbox.account("6280000000000").unwrap_err();
/// assert_eq!(refused.to_string(), "no such account");
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ControlError(pub(crate) String);

impl ControlError {
    /// The message, as the control API words it.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let sandbox = ovo_sandbox::Sandbox::start().await?;
    /// assert_eq!(sandbox.account("6280").unwrap_err().message(), "no such account");
    /// # Ok(()) }
    /// ```
    pub fn message(&self) -> &str {
        &self.0
    }
}

impl From<ControlError> for String {
    fn from(error: ControlError) -> Self {
        error.0
    }
}

fn refuse<T>(message: impl Into<String>) -> Result<T, ControlError> {
    Err(ControlError(message.into()))
}

/// Checks the control token, if the sandbox has one: `Authorization: Bearer <token>` or
/// `X-Sandbox-Token: <token>`. The two stand-ins for the partner's side (`GET callback`, where
/// the webview sends the customer's browser, and `POST inbox`, where the sandbox itself posts
/// notifications) only record what they receive and stay open; reading what they recorded needs
/// the token. `path` is the path under `/_sandbox`.
pub(crate) fn authorize(
    config: &SandboxConfig,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
) -> Result<(), Reply> {
    let Some(expected) = &config.control_token else {
        return Ok(());
    };
    let path = path.trim_end_matches('/');
    let stand_in = matches!(
        (method, path),
        (&Method::GET, "/callback") | (&Method::POST, "/inbox")
    );
    if stand_in {
        return Ok(());
    }
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    let offered = header("authorization")
        .and_then(|value| value.strip_prefix("Bearer "))
        .or_else(|| header("x-sandbox-token"));
    // Compared as digests, so the time taken says nothing about the token.
    let digest = |text: &str| ovo_model::Secret::new(ovo_sign::sha256_lower_hex(text.as_bytes()));
    match offered {
        // `Secret` compares in constant time.
        Some(offered) if digest(offered) == digest(expected) => Ok(()),
        _ => {
            let mut reply = Reply::json(
                StatusCode::UNAUTHORIZED,
                &json!({"error": "the control API needs the sandbox's control token"}),
            );
            reply.headers.push((
                "www-authenticate",
                "Bearer realm=\"ovo-sandbox\"".to_owned(),
            ));
            Err(reply)
        }
    }
}

/// The control API's routes, mounted under `/_sandbox`: each answers `200` with its JSON, or
/// `400 {"error"}` when the request is wrong. Every call passes [`gate`] first.
pub(crate) fn routes(shared: &Arc<Shared>) -> Router<Arc<Shared>> {
    Router::new()
        .route("/health", get(|State(s): Shared_| async move { answer(Ok(health(&s))) }))
        .route(
            "/partners",
            post(|State(s): Shared_, ControlBody(b): ControlBody| async move {
                answer(register_partner(&s, &b))
            }),
        )
        .route(
            "/doku/partners",
            post(|State(s): Shared_, ControlBody(b): ControlBody| async move {
                answer(register_doku_partner(&s, &b))
            }),
        )
        .route(
            "/accounts",
            post(|State(s): Shared_, ControlBody(b): ControlBody| async move {
                answer(create_account(&s, &b))
            }),
        )
        .route(
            "/accounts/{phone}",
            get(|State(s): Shared_, Path(phone): Path<String>| async move {
                answer(read_account(&s, &phone))
            }),
        )
        .route(
            "/accounts/{phone}/change-phone",
            post(
                |State(s): Shared_, Path(phone): Path<String>, ControlBody(b): ControlBody| async move {
                    answer(change_phone(&s, &phone, &b))
                },
            ),
        )
        .route(
            "/accounts/{phone}/close",
            post(|State(s): Shared_, Path(phone): Path<String>| async move {
                answer(close_account(&s, &phone))
            }),
        )
        .route(
            "/ledger",
            get(|State(s): Shared_| async move {
                answer(Ok(json!({"entries": s.state().ledger.entries()})))
            }),
        )
        .route(
            "/provider-key",
            get(|| async { answer(Ok(json!({"public_key": crate::PROVIDER_PUBLIC_KEY_PEM}))) }),
        )
        .route(
            "/notifications",
            get(|State(s): Shared_| async move {
                answer(Ok(json!({"attempts": s.state().deliveries})))
            }),
        )
        .route(
            "/clock",
            get(|State(s): Shared_| async move {
                answer(Ok(json!({"now": s.clock.now().to_string()})))
            }),
        )
        .route(
            "/clock/advance",
            post(|State(s): Shared_, ControlBody(b): ControlBody| async move {
                answer(advance(&s, &b))
            }),
        )
        .route(
            "/faults",
            get(|State(s): Shared_| async move { answer(Ok(json!({"rules": s.faults().rules()}))) })
                .put(|State(s): Shared_, ControlBody(b): ControlBody| async move {
                    answer(set_faults(&s, &b))
                })
                .delete(|State(s): Shared_| async move {
                    s.faults().set(Vec::new());
                    answer(Ok(json!({"rules": []})))
                }),
        )
        .route(
            "/callback",
            get(|State(s): Shared_, RawQuery(query): RawQuery| async move {
                let query = query.unwrap_or_default();
                let params: HashMap<String, String> =
                    form_urlencoded::parse(query.as_bytes()).into_owned().collect();
                s.state().callbacks.push(query);
                Json(json!({"query": params}))
            }),
        )
        .route(
            "/callbacks",
            get(|State(s): Shared_| async move {
                answer(Ok(json!({"callbacks": s.state().callbacks})))
            }),
        )
        .route(
            "/inbox",
            post(|State(s): Shared_, headers: HeaderMap, ControlBody(b): ControlBody| async move {
                answer(receive(&s, &headers, b))
            })
            .get(|State(s): Shared_| async move {
                answer(Ok(json!({"notifications": s.state().inbox})))
            }),
        )
        .fallback(no_such_endpoint)
        .method_not_allowed_fallback(no_such_endpoint)
        // A declared body over the limit: a plain `413`, before anything is read.
        .layer(RequestBodyLimitLayer::new(shared.config.max_body_bytes))
        .layer(middleware::from_fn_with_state(Arc::clone(shared), gate))
}

type Shared_ = State<Arc<Shared>>;

async fn no_such_endpoint() -> Response {
    (StatusCode::NOT_FOUND, "no such control endpoint").into_response()
}

/// Every control call: the token first, then the body's limit and the call, then the state
/// directory written.
async fn gate(State(shared): Shared_, request: Request, next: Next) -> Response {
    if let Err(refused) = authorize(
        &shared.config,
        request.method(),
        request.uri().path(),
        request.headers(),
    ) {
        return server::into_response(refused);
    }
    let response = next.run(request).await;
    shared.persist();
    response
}

/// A control call's body, read within the sandbox's size and time limits.
#[derive(Debug)]
pub(crate) struct ControlBody(Vec<u8>);

impl FromRequest<Arc<Shared>> for ControlBody {
    type Rejection = Response;

    async fn from_request(request: Request, shared: &Arc<Shared>) -> Result<Self, Response> {
        server::read_body(&shared.config, Endpoint::Control, request.into_body())
            .await
            .map(Self)
            .map_err(server::into_response)
    }
}

fn answer(outcome: Outcome) -> Response {
    match outcome {
        Ok(body) => (StatusCode::OK, Json(body)).into_response(),
        Err(problem) => (StatusCode::BAD_REQUEST, Json(json!({"error": problem}))).into_response(),
    }
}

type Outcome = Result<serde_json::Value, String>;

/// The stand-in merchant notification endpoint: records the request and answers 200.
fn receive(shared: &Shared, headers: &HeaderMap, body: Vec<u8>) -> Outcome {
    let body =
        String::from_utf8(body).map_err(|_| "the notification body is not UTF-8".to_owned())?;
    let headers = headers
        .iter()
        .filter_map(|(name, value)| {
            Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned()))
        })
        .collect();
    shared
        .state()
        .inbox
        .push(crate::provider::state::InboxEntry { headers, body });
    Ok(json!({"received": true}))
}

fn health(shared: &Shared) -> serde_json::Value {
    let save_error = shared.save_error.lock().ok().and_then(|e| e.clone());
    match save_error {
        None => json!({"status": "ok"}),
        Some(error) => json!({"status": "degraded", "state_dir_error": error}),
    }
}

fn body<T: for<'de> Deserialize<'de>>(bytes: &[u8]) -> Result<T, String> {
    let mut json = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut json).map_err(|e| {
        let path = e.path().to_string();
        if path == "." {
            format!("invalid body: {}", e.inner())
        } else {
            format!("invalid body: {path}: {}", e.inner())
        }
    })
}

fn register_partner(shared: &Shared, bytes: &[u8]) -> Outcome {
    let spec: PartnerSpec = body(bytes)?;
    enroll_partner(shared, &spec)?;
    Ok(json!({"client_id": spec.client_id}))
}

/// Enrolls (or replaces) a SNAP partner.
pub(crate) fn enroll_partner(shared: &Shared, spec: &PartnerSpec) -> Result<(), ControlError> {
    let secrets = spec
        .client_secrets
        .iter()
        .map(|s| {
            ClientSecret::new(s.as_str()).map_err(|e| ControlError(format!("client_secrets: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let public_keys = spec
        .public_keys
        .iter()
        .map(|pem| {
            PublicKey::from_pem(pem.as_bytes())
                .map_err(|e| ControlError(format!("public_keys: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if secrets.is_empty() || public_keys.is_empty() {
        return refuse("at least one client secret and one public key are needed");
    }
    let partner = Partner {
        merchant_id: spec
            .merchant_id
            .clone()
            .unwrap_or_else(|| spec.client_id.clone()),
        client_id: spec.client_id.clone(),
        secrets,
        public_keys,
        callback_urls: spec.callback_urls.clone(),
        daily_refund_limit: spec.daily_refund_limit,
    };
    shared
        .state()
        .partners
        .insert(spec.client_id.clone(), partner);
    Ok(())
}

fn register_doku_partner(shared: &Shared, bytes: &[u8]) -> Outcome {
    let spec: DokuPartnerSpec = body(bytes)?;
    enroll_doku_partner(shared, &spec)?;
    Ok(json!({"client_id": spec.client_id}))
}

/// Enrolls (or replaces) a DOKU partner.
pub(crate) fn enroll_doku_partner(
    shared: &Shared,
    spec: &DokuPartnerSpec,
) -> Result<(), ControlError> {
    let secrets = spec
        .secret_keys
        .iter()
        .map(|s| {
            ClientSecret::new(s.as_str()).map_err(|e| ControlError(format!("secret_keys: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if secrets.is_empty() {
        return refuse("at least one secret key is needed");
    }
    shared.state().doku_partners.insert(
        spec.client_id.clone(),
        DokuPartner {
            client_id: spec.client_id.clone(),
            secrets,
            notification_url: spec.notification_url.clone(),
        },
    );
    Ok(())
}

fn create_account(shared: &Shared, bytes: &[u8]) -> Outcome {
    let spec: AccountSpec = body(bytes)?;
    add_account(shared, &spec)?;
    Ok(json!({"phone": spec.phone}))
}

/// Opens an account; refused if the phone is taken.
pub(crate) fn add_account(shared: &Shared, spec: &AccountSpec) -> Result<(), ControlError> {
    if spec.phone.is_empty() || !spec.phone.bytes().all(|b| b.is_ascii_digit()) {
        return refuse("phone: digits only");
    }
    let account = Account::active(spec.phone.clone(), spec.pin.clone(), spec.cash, spec.points);
    let mut state = shared.state();
    if state.phones.contains_key(&spec.phone) {
        return refuse("an account with this phone exists");
    }
    let id = state.next_id();
    state.accounts.insert(id, account);
    state.phones.insert(spec.phone.clone(), id);
    Ok(())
}

fn read_account(shared: &Shared, phone: &str) -> Outcome {
    let info = account(shared, phone)?;
    serde_json::to_value(info).map_err(|e| e.to_string())
}

/// The account with phone `phone`.
pub(crate) fn account(shared: &Shared, phone: &str) -> Result<AccountInfo, ControlError> {
    let state = shared.state();
    let Some((id, account)) = state.account_by_phone(phone) else {
        return refuse("no such account");
    };
    let bound_to = state
        .bindings
        .get(&id)
        .filter(|b| b.active)
        .map(|b| b.client_id.clone());
    Ok(AccountInfo {
        phone: account.phone.clone(),
        cash: account.cash,
        points: account.points,
        status: if account.status == Status::Active {
            AccountStatus::Active
        } else {
            AccountStatus::Closed
        },
        bound_to,
    })
}

/// A phone change breaks the customer's tokens \[S\].
fn change_phone(shared: &Shared, phone: &str, bytes: &[u8]) -> Outcome {
    #[derive(Deserialize)]
    struct Change {
        new_phone: String,
    }
    let change: Change = body(bytes)?;
    let mut state = shared.state();
    let id = *state.phones.get(phone).ok_or("no such account")?;
    if state.phones.contains_key(&change.new_phone) {
        return Err("new_phone belongs to another account".to_owned());
    }
    state.phones.remove(phone);
    state.phones.insert(change.new_phone.clone(), id);
    if let Some(account) = state.accounts.get_mut(&id) {
        account.phone = change.new_phone.clone();
        account.generation += 1;
    }
    unbind(&mut state, id);
    Ok(json!({"phone": change.new_phone}))
}

/// Closing an account breaks its tokens \[S\].
fn close_account(shared: &Shared, phone: &str) -> Outcome {
    let mut state = shared.state();
    let id = *state.phones.get(phone).ok_or("no such account")?;
    if let Some(account) = state.accounts.get_mut(&id) {
        account.status = Status::Closed;
        account.generation += 1;
    }
    unbind(&mut state, id);
    Ok(json!({"phone": phone, "status": "CLOSED"}))
}

fn advance(shared: &Shared, bytes: &[u8]) -> Outcome {
    #[derive(Deserialize)]
    struct Advance {
        seconds: u64,
    }
    let advance: Advance = body(bytes)?;
    let now = advance_clock(shared, Duration::from_secs(advance.seconds))?;
    Ok(json!({"now": now.to_string()}))
}

/// Moves the sandbox clock forward; answers its new time.
pub(crate) fn advance_clock(shared: &Shared, by: Duration) -> Result<OffsetDateTime, ControlError> {
    shared
        .clock
        .advance(by)
        .map_err(|crate::http::clock::TooFar| {
            ControlError(format!(
                "seconds: the clock moves at most {} seconds ahead of real time in total",
                crate::http::clock::MAX_OFFSET.as_secs()
            ))
        })?;
    Ok(shared.clock.now())
}

fn set_faults(shared: &Shared, bytes: &[u8]) -> Outcome {
    #[derive(Deserialize)]
    struct Plan {
        rules: Vec<FaultRule>,
    }
    let plan: Plan = body(bytes)?;
    plan_faults(shared, plan.rules.clone())?;
    Ok(json!({"rules": plan.rules}))
}

/// Replaces the fault plan (and restarts its counters).
pub(crate) fn plan_faults(shared: &Shared, rules: Vec<FaultRule>) -> Result<(), ControlError> {
    if rules.iter().any(|r| r.every == 0) {
        return refuse("every: must be at least 1");
    }
    shared.faults().set(rules);
    Ok(())
}
