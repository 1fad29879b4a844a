//! Test support for the provider's rules, in process: a [`World`] (state, clock, configuration,
//! keys) with a SNAP and a DOKU partner, customers, requests signed with `ovo_sign`, and readers
//! of the answers. No server, no socket.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failing test should fail loudly

use std::time::Duration;

use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use ovo_model::snap::{DEFAULT_CHANNEL_ID, ErrorEnvelope};
use ovo_model::{Idr, ResponseCode};
use ovo_sign::{ClientSecret, SignatureEncoding, SnapTimestampFormat};
use serde_json::Value;
use time::OffsetDateTime;
use time::macros::datetime;

use crate::config::SandboxConfig;
use crate::provider::Env;
use crate::provider::exchange::{Handled, Incoming, Reply};
use crate::provider::ledger::{Entry, EntryKind};
use crate::provider::state::{
    Account, AccountId, Binding, CustomerToken, DokuPartner, DokuToken, Partner, State, SystemToken,
};

/// The sandbox's clock in every test unless a test moves it.
pub(crate) const NOW: OffsetDateTime = datetime!(2026-12-01 10:00 UTC);
/// The SNAP partner's and the DOKU partner's client id.
pub(crate) const PARTNER: &str = "p";
/// The partner's shared secret (SNAP symmetric signature, DOKU HMAC).
pub(crate) const SECRET: &str = "unit-test-secret";
/// A secret no partner has.
pub(crate) const WRONG_SECRET: &str = "not-the-partner-secret";
/// The SNAP partner's registered callback URL.
pub(crate) const CALLBACK: &str = "https://merchant.example/callback";
/// Every customer's PIN.
pub(crate) const PIN: &str = "123456";

/// A provider rule, as the HTTP shell calls it.
pub(crate) type Rule = fn(&mut State, &Env<'_>, &Incoming) -> Handled;

/// The provider's state with what a rule may know besides it.
pub(crate) struct World {
    pub(crate) state: State,
    pub(crate) now: OffsetDateTime,
    pub(crate) config: SandboxConfig,
    key: ovo_sign::PrivateKey,
    /// The last `X-EXTERNAL-ID` [`World::snap`] sent.
    external_ids: u64,
}

impl World {
    /// A SNAP partner and a DOKU partner, both [`PARTNER`] with [`SECRET`]; no customers.
    pub(crate) fn new() -> Self {
        let mut state = State::default();
        state.partners.insert(
            PARTNER.to_owned(),
            Partner {
                client_id: PARTNER.to_owned(),
                merchant_id: PARTNER.to_owned(),
                secrets: vec![secret(SECRET)],
                public_keys: Vec::new(),
                callback_urls: vec![CALLBACK.to_owned()],
                daily_refund_limit: Idr::from_rupiah(1_000_000),
            },
        );
        state.doku_partners.insert(
            PARTNER.to_owned(),
            DokuPartner {
                client_id: PARTNER.to_owned(),
                secrets: vec![secret(SECRET)],
                notification_url: None,
            },
        );
        Self {
            state,
            now: NOW,
            config: SandboxConfig::default(),
            key: ovo_sign::PrivateKey::from_pem(crate::PROVIDER_PRIVATE_KEY_PEM).unwrap(),
            external_ids: 0,
        }
    }

    /// Runs `f` with the state and an [`Env`] of this world's clock and configuration.
    pub(crate) fn with_env<R>(&mut self, f: impl FnOnce(&mut State, &Env<'_>) -> R) -> R {
        let env = Env {
            now: self.now,
            config: &self.config,
            base_url: "http://sandbox.invalid",
            provider_key: &self.key,
        };
        f(&mut self.state, &env)
    }

    /// Runs `rule` on `request`.
    pub(crate) fn call(&mut self, rule: Rule, request: &Incoming) -> Handled {
        self.with_env(|state, env| rule(state, env, request))
    }

    /// Sends `call` to `rule` at this world's time, with a fresh `X-EXTERNAL-ID`.
    pub(crate) fn snap(&mut self, rule: Rule, call: SnapCall) -> Handled {
        self.external_ids += 1;
        let call = call
            .at(self.now)
            .external_id(&format!("w-{}", self.external_ids));
        self.call(rule, &call.signed())
    }

    /// An active OVO account with `cash` rupiah and no points, bound to the SNAP partner: its id
    /// and a customer access token valid for an hour.
    pub(crate) fn customer(&mut self, phone: &str, cash: u64) -> (AccountId, String) {
        let account = self.account(phone, cash);
        let serial = self.state.next_id();
        self.state.bindings.insert(
            account,
            Binding {
                serial,
                client_id: PARTNER.to_owned(),
                active: true,
            },
        );
        let token = format!("access-{phone}");
        self.state.access_tokens.insert(
            token.clone(),
            CustomerToken {
                client_id: PARTNER.to_owned(),
                account,
                generation: 0,
                binding: serial,
                expires: Some(self.now + Duration::from_secs(3600)),
            },
        );
        (account, token)
    }

    /// An active OVO account with `cash` rupiah, linked to the DOKU partner's customer
    /// `customer_id`: its id and the DOKU token id.
    pub(crate) fn doku_customer(&mut self, customer_id: &str, cash: u64) -> (AccountId, String) {
        let account = self.account(&format!("62811{customer_id}"), cash);
        let token = format!("doku-{customer_id}");
        self.state.doku_tokens.insert(
            token.clone(),
            DokuToken {
                client_id: PARTNER.to_owned(),
                customer_id: customer_id.to_owned(),
                account,
                generation: 0,
                expires: self.now + Duration::from_secs(3600),
                active: true,
            },
        );
        (account, token)
    }

    fn account(&mut self, phone: &str, cash: u64) -> AccountId {
        let id = self.state.next_id();
        self.state.phones.insert(phone.to_owned(), id);
        self.state.accounts.insert(
            id,
            Account::active(
                phone.to_owned(),
                PIN.to_owned(),
                Idr::from_rupiah(cash),
                Idr::ZERO,
            ),
        );
        id
    }

    /// The SNAP partner's B2B token, valid for 15 minutes.
    pub(crate) fn system_token(&mut self) -> String {
        let token = "b2b-1".to_owned();
        self.state.system_tokens.insert(
            token.clone(),
            SystemToken {
                client_id: PARTNER.to_owned(),
                expires: self.now + Duration::from_secs(900),
            },
        );
        token
    }

    /// An account's OVO Cash.
    pub(crate) fn cash(&self, account: AccountId) -> Idr {
        self.state.accounts[&account].cash
    }

    /// The ledger's captures and refunds of payment `reference`: (kind, cash), in order.
    pub(crate) fn movements(&self, reference: &str) -> Vec<(&'static str, Idr)> {
        self.state
            .ledger
            .entries()
            .iter()
            .filter_map(|Entry { kind, cash, .. }| match kind {
                EntryKind::Capture { reference: r } if r == reference => Some(("capture", *cash)),
                EntryKind::Refund { reference: r, .. } if r == reference => Some(("refund", *cash)),
                _ => None,
            })
            .collect()
    }
}

/// A client secret.
pub(crate) fn secret(text: &str) -> ClientSecret {
    ClientSecret::new(text).unwrap()
}

/// A request as the HTTP shell hands it to a rule.
pub(crate) fn request<'a>(
    method: Method,
    path: &str,
    query: &str,
    headers: impl IntoIterator<Item = (&'a str, &'a str)>,
    body: &[u8],
) -> Incoming {
    let incoming = Incoming {
        method,
        path: path.to_owned(),
        query: query.to_owned(),
        headers: HeaderMap::new(),
        body: body.to_vec(),
        page: String::new(),
    };
    headers
        .into_iter()
        .fold(incoming, |incoming, (name, value)| {
            incoming.with(name, value)
        })
}

/// A SNAP service call signed with HMAC-SHA512 (`ovo_sign::snap::sign_service`), as data.
#[derive(Debug, Clone)]
pub(crate) struct SnapCall {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) query: String,
    pub(crate) body: Vec<u8>,
    /// The bearer token of `Authorization`.
    pub(crate) token: String,
    pub(crate) partner: String,
    /// The secret it is signed with.
    pub(crate) secret: String,
    /// `X-TIMESTAMP`.
    pub(crate) at: OffsetDateTime,
    pub(crate) external_id: String,
    pub(crate) encoding: SignatureEncoding,
}

impl SnapCall {
    /// `POST path` with this JSON body and bearer token, by [`PARTNER`] at [`NOW`].
    pub(crate) fn post(path: &str, token: &str, body: &Value) -> Self {
        Self {
            method: Method::POST,
            path: path.to_owned(),
            query: String::new(),
            body: serde_json::to_vec(body).unwrap(),
            token: token.to_owned(),
            partner: PARTNER.to_owned(),
            secret: SECRET.to_owned(),
            at: NOW,
            external_id: "ext-1".to_owned(),
            encoding: SignatureEncoding::Base64,
        }
    }

    /// The same call with another `X-EXTERNAL-ID`.
    pub(crate) fn external_id(mut self, external_id: &str) -> Self {
        external_id.clone_into(&mut self.external_id);
        self
    }

    /// The same call signed at `at` (`X-TIMESTAMP`).
    pub(crate) fn at(mut self, at: OffsetDateTime) -> Self {
        self.at = at;
        self
    }

    /// The request, signed, with every header OVO asks for.
    pub(crate) fn signed(&self) -> Incoming {
        let timestamp = SnapTimestampFormat::OVO.format(self.at).unwrap();
        let path_and_query = if self.query.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{}", self.path, self.query)
        };
        let signed = ovo_sign::snap::ServiceRequest {
            method: self.method.as_str(),
            path: &path_and_query,
            access_token: &self.token,
            body: &self.body,
            timestamp: &timestamp,
        };
        let signature = ovo_sign::snap::sign_service(&secret(&self.secret), &signed, self.encoding)
            .unwrap()
            .into_header_value();
        let bearer = format!("Bearer {}", self.token);
        request(
            self.method.clone(),
            &self.path,
            &self.query,
            [
                ("X-PARTNER-ID", self.partner.as_str()),
                ("X-TIMESTAMP", timestamp.as_str()),
                ("X-SIGNATURE", signature.as_str()),
                ("X-EXTERNAL-ID", self.external_id.as_str()),
                ("CHANNEL-ID", DEFAULT_CHANNEL_ID),
                ("X-DEVICE-ID", "unit-test"),
                ("Authorization", bearer.as_str()),
            ],
            &self.body,
        )
    }
}

/// A DOKU call signed with `ovo_sign::doku::sign`, as data.
#[derive(Debug, Clone)]
pub(crate) struct DokuCall {
    pub(crate) path: String,
    pub(crate) body: Vec<u8>,
    pub(crate) client_id: String,
    pub(crate) request_id: String,
    /// `Request-Timestamp`, verbatim.
    pub(crate) timestamp: String,
    pub(crate) secret: String,
}

impl DokuCall {
    /// `POST path` with this JSON body, by [`PARTNER`] at [`NOW`].
    pub(crate) fn post(path: &str, request_id: &str, body: &Value) -> Self {
        Self {
            path: path.to_owned(),
            body: serde_json::to_vec(body).unwrap(),
            client_id: PARTNER.to_owned(),
            request_id: request_id.to_owned(),
            timestamp: String::new(),
            secret: SECRET.to_owned(),
        }
        .at(NOW)
    }

    /// The same call with `Request-Timestamp` at `at`.
    pub(crate) fn at(mut self, at: OffsetDateTime) -> Self {
        self.timestamp = ovo_sign::format_doku_timestamp(at).unwrap();
        self
    }

    /// The request, signed.
    pub(crate) fn signed(&self) -> Incoming {
        let components = ovo_sign::doku::Components::post(
            &self.client_id,
            &self.request_id,
            &self.timestamp,
            &self.path,
            &self.body,
        );
        let signature = ovo_sign::doku::sign(&secret(&self.secret), &components)
            .unwrap()
            .into_header_value();
        request(
            Method::POST,
            &self.path,
            "",
            [
                ("Client-Id", self.client_id.as_str()),
                ("Request-Id", self.request_id.as_str()),
                ("Request-Timestamp", self.timestamp.as_str()),
                ("Signature", signature.as_str()),
            ],
            &self.body,
        )
    }
}

impl Incoming {
    /// The same request with header `name` set to `value` (after signing: not signed).
    pub(crate) fn with(mut self, name: &str, value: &str) -> Self {
        self.headers.insert(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
        self
    }

    /// The same request without header `name`.
    pub(crate) fn without(mut self, name: &str) -> Self {
        self.headers.remove(name);
        self
    }
}

/// A reply's JSON body.
pub(crate) fn json(reply: &Reply) -> Value {
    serde_json::from_slice(&reply.body).unwrap()
}

/// A SNAP answer's `responseCode` and `responseMessage`, after checking that its HTTP status is
/// the code's first three digits.
pub(crate) fn snap_code(reply: &Reply) -> (ResponseCode, String) {
    let envelope: ErrorEnvelope = serde_json::from_slice(&reply.body).unwrap();
    assert_eq!(
        reply.status.as_u16(),
        envelope.response_code.http_status(),
        "{envelope:?}"
    );
    (envelope.response_code, envelope.response_message)
}

/// Whichever way a rule answered: `Ok` and `Err` are both replies.
pub(crate) fn either(handled: Handled) -> Reply {
    handled.unwrap_or_else(|refused| refused)
}

/// A DOKU answer: its HTTP status and `error.code` (empty on success).
pub(crate) fn doku_code(reply: &Reply) -> (StatusCode, String) {
    let code = json(reply)["error"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    (reply.status, code)
}
