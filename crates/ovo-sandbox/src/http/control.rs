//! The control API under `/_sandbox/`: register partners and accounts, read balances and the
//! ledger, advance the clock, break accounts, plan faults. Documented in `docs/sandbox.md`.

use std::time::Duration;

use http::{Method, StatusCode};
use ovo_model::Idr;
use ovo_sign::{ClientSecret, PublicKey};
use serde::Deserialize;
use serde_json::json;

use crate::config::SandboxConfig;
use crate::http::faults::FaultRule;
use crate::http::server::Shared;
use crate::provider::exchange::{Incoming, Reply};
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
/// the token.
pub(crate) fn authorize(config: &SandboxConfig, request: &Incoming) -> Result<(), Reply> {
    let Some(expected) = &config.control_token else {
        return Ok(());
    };
    let path = request.path.trim_end_matches('/');
    let stand_in = matches!(
        (&request.method, path),
        (&Method::GET, "/_sandbox/callback") | (&Method::POST, "/_sandbox/inbox")
    );
    if stand_in {
        return Ok(());
    }
    let offered = request
        .header("authorization")
        .and_then(|value| value.strip_prefix("Bearer "))
        .or_else(|| request.header("x-sandbox-token"));
    // Compared as digests, so the time taken says nothing about the token.
    let digest = |text: &str| ring::digest::digest(&ring::digest::SHA256, text.as_bytes());
    match offered {
        Some(offered) if digest(offered).as_ref() == digest(expected).as_ref() => Ok(()),
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

/// Routes a control request.
pub(crate) fn handle(shared: &Shared, request: &Incoming) -> Reply {
    let path = request.path.trim_end_matches('/');
    let segments: Vec<&str> = path.split('/').skip(2).collect();
    let result = match (&request.method, segments.as_slice()) {
        (&Method::GET, ["health"]) => Ok(health(shared)),
        (&Method::POST, ["partners"]) => register_partner(shared, &request.body),
        (&Method::POST, ["doku", "partners"]) => register_doku_partner(shared, &request.body),
        (&Method::POST, ["accounts"]) => create_account(shared, &request.body),
        (&Method::GET, ["accounts", phone]) => read_account(shared, phone),
        (&Method::POST, ["accounts", phone, "change-phone"]) => {
            change_phone(shared, phone, &request.body)
        }
        (&Method::POST, ["accounts", phone, "close"]) => close_account(shared, phone),
        (&Method::GET, ["ledger"]) => Ok(json!({"entries": shared.state().ledger.entries()})),
        (&Method::GET, ["provider-key"]) => {
            Ok(json!({"public_key": crate::PROVIDER_PUBLIC_KEY_PEM}))
        }
        (&Method::GET, ["notifications"]) => Ok(json!({"attempts": shared.state().deliveries})),
        (&Method::GET, ["clock"]) => Ok(json!({"now": shared.clock.now().to_string()})),
        (&Method::POST, ["clock", "advance"]) => advance(shared, &request.body),
        (&Method::GET, ["faults"]) => Ok(json!({"rules": shared.faults().rules()})),
        (&Method::PUT, ["faults"]) => set_faults(shared, &request.body),
        (&Method::DELETE, ["faults"]) => {
            shared.faults().set(Vec::new());
            Ok(json!({"rules": []}))
        }
        (&Method::GET, ["callback"]) => {
            shared.state().callbacks.push(request.query.clone());
            return callback_page(request);
        }
        (&Method::GET, ["callbacks"]) => Ok(json!({"callbacks": shared.state().callbacks})),
        (&Method::POST, ["inbox"]) => receive(shared, request),
        (&Method::GET, ["inbox"]) => Ok(json!({"notifications": shared.state().inbox})),
        _ => return Reply::text(StatusCode::NOT_FOUND, "no such control endpoint"),
    };
    match result {
        Ok(body) => Reply::json(StatusCode::OK, &body),
        Err(problem) => Reply::json(StatusCode::BAD_REQUEST, &json!({"error": problem})),
    }
}

type Outcome = Result<serde_json::Value, String>;

/// The stand-in merchant notification endpoint: records the request and answers 200.
fn receive(shared: &Shared, request: &Incoming) -> Outcome {
    let body = String::from_utf8(request.body.clone())
        .map_err(|_| "the notification body is not UTF-8".to_owned())?;
    let headers = request
        .headers
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

/// A stand-in partner callback: shows what the webview sent back.
fn callback_page(request: &Incoming) -> Reply {
    let params = request.query_params();
    Reply::json(StatusCode::OK, &json!({"query": params}))
}
