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
use serde::Deserialize;
use serde_json::json;
use tower_http::limit::RequestBodyLimitLayer;

use crate::config::SandboxConfig;
use crate::http::faults::FaultRule;
use crate::http::route::Endpoint;
use crate::http::server::{self, Shared};
use crate::provider::exchange::Reply;
use crate::provider::snap::linking::unbind;
use crate::provider::state::{Account, AccountStatus, DokuPartner, Partner};

/// `POST /_sandbox/partners`.
#[derive(Debug, Deserialize)]
pub struct PartnerSpec {
    /// The client id (`X-CLIENT-KEY`, `X-PARTNER-ID`).
    pub client_id: String,
    /// The client secret(s): several during rotation.
    pub client_secrets: Vec<String>,
    /// PEM public key(s) for signature verification: PKCS#1, SPKI or X.509.
    pub public_keys: Vec<String>,
    /// Callback URL prefixes the webview may redirect to.
    pub callback_urls: Vec<String>,
    /// Daily refund limit, `"10000000.00"`.
    #[serde(default = "default_limit")]
    pub daily_refund_limit: String,
    /// Merchant id; defaults to the client id.
    #[serde(default)]
    pub merchant_id: Option<String>,
}

fn default_limit() -> String {
    "10000000.00".to_owned()
}

/// `POST /_sandbox/doku/partners`.
#[derive(Debug, Deserialize)]
pub struct DokuPartnerSpec {
    /// DOKU `Client-Id`.
    pub client_id: String,
    /// DOKU secret key(s).
    pub secret_keys: Vec<String>,
    /// Where signed HTTP notifications go.
    #[serde(default)]
    pub notification_url: Option<String>,
}

/// `POST /_sandbox/accounts`.
#[derive(Debug, Deserialize)]
pub struct AccountSpec {
    /// Phone number, `6281234567890`.
    pub phone: String,
    /// Security PIN.
    pub pin: String,
    /// OVO Cash, `"100000.00"`.
    pub cash: String,
    /// OVO Points, `"0.00"`.
    #[serde(default = "zero")]
    pub points: String,
}

fn zero() -> String {
    "0.00".to_owned()
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
    serde_json::from_slice(bytes).map_err(|e| format!("invalid body: {e}"))
}

fn amount(text: &str, field: &str) -> Result<Idr, String> {
    Idr::parse_snap_value(text)
        .map_err(|_| format!("{field}: expected an amount such as \"10000.00\""))
}

fn register_partner(shared: &Shared, bytes: &[u8]) -> Outcome {
    let spec: PartnerSpec = body(bytes)?;
    let secrets = spec
        .client_secrets
        .iter()
        .map(|s| ClientSecret::new(s.as_str()).map_err(|e| format!("client_secrets: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    let public_keys = spec
        .public_keys
        .iter()
        .map(|pem| PublicKey::from_pem(pem.as_bytes()).map_err(|e| format!("public_keys: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    if secrets.is_empty() || public_keys.is_empty() {
        return Err("at least one client secret and one public key are needed".to_owned());
    }
    let partner = Partner {
        merchant_id: spec.merchant_id.unwrap_or_else(|| spec.client_id.clone()),
        client_id: spec.client_id.clone(),
        secrets,
        public_keys,
        callback_urls: spec.callback_urls,
        daily_refund_limit: amount(&spec.daily_refund_limit, "daily_refund_limit")?,
    };
    shared
        .state()
        .partners
        .insert(spec.client_id.clone(), partner);
    Ok(json!({"client_id": spec.client_id}))
}

fn register_doku_partner(shared: &Shared, bytes: &[u8]) -> Outcome {
    let spec: DokuPartnerSpec = body(bytes)?;
    let secrets = spec
        .secret_keys
        .iter()
        .map(|s| ClientSecret::new(s.as_str()).map_err(|e| format!("secret_keys: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    if secrets.is_empty() {
        return Err("at least one secret key is needed".to_owned());
    }
    shared.state().doku_partners.insert(
        spec.client_id.clone(),
        DokuPartner {
            client_id: spec.client_id.clone(),
            secrets,
            notification_url: spec.notification_url,
        },
    );
    Ok(json!({"client_id": spec.client_id}))
}

fn create_account(shared: &Shared, bytes: &[u8]) -> Outcome {
    let spec: AccountSpec = body(bytes)?;
    if spec.phone.is_empty() || !spec.phone.bytes().all(|b| b.is_ascii_digit()) {
        return Err("phone: digits only".to_owned());
    }
    let account = Account {
        phone: spec.phone.clone(),
        pin: spec.pin,
        cash: amount(&spec.cash, "cash")?,
        points: amount(&spec.points, "points")?,
        status: AccountStatus::Active,
        generation: 0,
        otp_requests: 0,
        otp_failures: 0,
        pin_failures: 0,
        blocked_until: None,
        blocked_forever: false,
    };
    let mut state = shared.state();
    if state.phones.contains_key(&spec.phone) {
        return Err("an account with this phone exists".to_owned());
    }
    let id = state.next_id();
    state.accounts.insert(id, account);
    state.phones.insert(spec.phone.clone(), id);
    Ok(json!({"phone": spec.phone}))
}

fn read_account(shared: &Shared, phone: &str) -> Outcome {
    let state = shared.state();
    let (id, account) = state.account_by_phone(phone).ok_or("no such account")?;
    let bound_to = state
        .bindings
        .get(&id)
        .filter(|b| b.active)
        .map(|b| b.client_id.clone());
    Ok(json!({
        "phone": account.phone,
        "cash": account.cash.to_snap_value(),
        "points": account.points.to_snap_value(),
        "status": if account.status == AccountStatus::Active { "ACTIVE" } else { "CLOSED" },
        "bound_to": bound_to,
    }))
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
        account.status = AccountStatus::Closed;
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
    shared
        .clock
        .advance(Duration::from_secs(advance.seconds))
        .map_err(|crate::http::clock::TooFar| {
            format!(
                "seconds: the clock moves at most {} seconds ahead of real time in total",
                crate::http::clock::MAX_OFFSET.as_secs()
            )
        })?;
    Ok(json!({"now": shared.clock.now().to_string()}))
}

fn set_faults(shared: &Shared, bytes: &[u8]) -> Outcome {
    #[derive(Deserialize)]
    struct Plan {
        rules: Vec<FaultRule>,
    }
    let plan: Plan = body(bytes)?;
    if plan.rules.iter().any(|r| r.every == 0) {
        return Err("every: must be at least 1".to_owned());
    }
    shared.faults().set(plan.rules.clone());
    Ok(json!({"rules": plan.rules}))
}
