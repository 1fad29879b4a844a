//! Test harness: a sandbox per test, an HTTP client, and request signing with `ovo-sign` alone
//! (never with the SDK's client), so these tests check the sandbox against the protocol itself.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::path::Path;
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, StatusCode};
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use ovo_sandbox::{Sandbox, SandboxConfig, SandboxHandle};
use ovo_sign::{ClientSecret, PrivateKey, SignatureEncoding, SnapTimestampFormat, snap};
use serde_json::{Value, json};
use time::OffsetDateTime;

pub const CLIENT_ID: &str = "oamerchantg";
pub const CLIENT_SECRET: &str = "sandbox-client-secret";
pub const PHONE: &str = "6281234567890";
pub const PIN: &str = "123456";
pub const DOKU_CLIENT: &str = "BRN-0201-1612345678901";
pub const DOKU_SECRET: &str = "SK-sandbox-doku-secret";

pub fn key_file(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../ovo-sign/tests/vectors/keys")
            .join(name),
    )
    .unwrap()
}

/// An answer: status, headers and body.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: http::HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn code(&self) -> String {
        self.json()["responseCode"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A sandbox, a partner registered in it, and a clock that follows the sandbox's.
pub struct World {
    pub sandbox: SandboxHandle,
    client: Client<HttpConnector, Full<Bytes>>,
    pub key: PrivateKey,
    pub secret: ClientSecret,
    pub skew: Duration,
    external: u64,
    /// The `Request-Id` of the last DOKU call.
    pub last_request_id: String,
}

impl World {
    pub async fn new() -> Self {
        Self::with_config(SandboxConfig::default()).await
    }

    pub async fn with_config(config: SandboxConfig) -> Self {
        let world = Self::resume(config).await;
        let public = String::from_utf8(key_file("rsa2048-public-pkcs1.pem")).unwrap();
        let callback = format!("{}/_sandbox/callback", world.base());
        world
            .control(
                Method::POST,
                "partners",
                json!({
                    "client_id": CLIENT_ID, "client_secrets": [CLIENT_SECRET], "public_keys": [public],
                    "callback_urls": [callback], "daily_refund_limit": "50000.00"
                }),
            )
            .await;
        world
            .control(
                Method::POST,
                "accounts",
                json!({"phone": PHONE, "pin": PIN, "cash": "100000.00", "points": "5000.00"}),
            )
            .await;
        world
            .control(
                Method::POST,
                "doku/partners",
                json!({"client_id": DOKU_CLIENT, "secret_keys": [DOKU_SECRET]}),
            )
            .await;
        world
    }

    /// A sandbox with `config`, registering nothing (for a state directory that has it all).
    pub async fn resume(config: SandboxConfig) -> Self {
        let sandbox = Sandbox::start_with(config, ([127, 0, 0, 1], 0).into())
            .await
            .unwrap();
        Self {
            sandbox,
            client: Client::builder(TokioExecutor::new()).build_http(),
            key: PrivateKey::from_pem(&key_file("rsa2048-pkcs8.pem")).unwrap(),
            secret: ClientSecret::new(CLIENT_SECRET).unwrap(),
            skew: Duration::ZERO,
            external: 0,
            last_request_id: String::new(),
        }
    }

    pub fn base(&self) -> String {
        self.sandbox.base_url().to_owned()
    }

    pub fn callback(&self) -> String {
        format!("{}/_sandbox/callback", self.base())
    }

    pub fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc() + self.skew
    }

    pub fn timestamp(&self) -> String {
        SnapTimestampFormat::OVO.format(self.now()).unwrap()
    }

    /// A fresh `X-EXTERNAL-ID`, unique across harness instances too (a restarted sandbox
    /// remembers the ones used today).
    pub fn external_id(&mut self) -> String {
        self.external += 1;
        format!(
            "{}{:04}",
            OffsetDateTime::now_utc().unix_timestamp_nanos(),
            self.external
        )
    }

    pub async fn send(
        &self,
        method: Method,
        path_or_url: &str,
        headers: &[(&str, String)],
        body: Vec<u8>,
    ) -> Answer {
        self.try_send(method, path_or_url, headers, body)
            .await
            .unwrap()
    }

    /// Like `send`, but a connection the server drops is an `Err`, not a panic.
    pub async fn try_send(
        &self,
        method: Method,
        path_or_url: &str,
        headers: &[(&str, String)],
        body: Vec<u8>,
    ) -> Result<Answer, String> {
        let url = if path_or_url.starts_with("http") {
            path_or_url.to_owned()
        } else {
            format!("{}{path_or_url}", self.base())
        };
        let mut request = Request::builder().method(method).uri(url);
        for (name, value) in headers {
            request = request.header(*name, value.as_str());
        }
        let response = self
            .client
            .request(request.body(Full::new(Bytes::from(body))).unwrap())
            .await
            .map_err(|e| e.to_string())?;
        let (parts, body) = response.into_parts();
        let body = body
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes()
            .to_vec();
        Ok(Answer {
            status: parts.status,
            headers: parts.headers,
            body,
        })
    }

    pub async fn control(&self, method: Method, path: &str, body: Value) -> Value {
        let bytes = if body.is_null() {
            Vec::new()
        } else {
            serde_json::to_vec(&body).unwrap()
        };
        let answer = self
            .send(
                method,
                &format!("/_sandbox/{path}"),
                &[("content-type", "application/json".into())],
                bytes,
            )
            .await;
        assert_eq!(
            answer.status,
            StatusCode::OK,
            "control {path}: {}",
            answer.text()
        );
        answer.json()
    }

    /// Moves the sandbox clock and ours.
    pub async fn advance(&mut self, by: Duration) {
        self.control(
            Method::POST,
            "clock/advance",
            json!({"seconds": by.as_secs()}),
        )
        .await;
        self.skew += by;
    }

    pub fn snap_path(&self, endpoint: &str) -> String {
        SandboxConfig::default().snap_path(endpoint)
    }

    /// An access-token call (B2B or B2B2C), RSA-signed over `client_id|timestamp`.
    pub async fn token_call(&self, endpoint: &str, body: Value, bearer: Option<&str>) -> Answer {
        let timestamp = self.timestamp();
        let signature = snap::sign_token(&self.key, CLIENT_ID, &timestamp).unwrap();
        let mut headers = vec![
            ("content-type", "application/json".to_owned()),
            ("X-CLIENT-KEY", CLIENT_ID.to_owned()),
            ("X-TIMESTAMP", timestamp),
            ("X-SIGNATURE", signature.into_header_value()),
        ];
        if let Some(token) = bearer {
            headers.push(("Authorization", format!("Bearer {token}")));
        }
        self.send(
            Method::POST,
            &self.snap_path(endpoint),
            &headers,
            serde_json::to_vec(&body).unwrap(),
        )
        .await
    }

    pub async fn b2b_token(&self) -> String {
        let answer = self
            .token_call(
                "access-token/b2b",
                json!({"grantType": "client_credentials"}),
                None,
            )
            .await;
        assert_eq!(answer.code(), "2007300", "{}", answer.text());
        answer.json()["accessToken"].as_str().unwrap().to_owned()
    }

    fn service_headers(
        &mut self,
        timestamp: String,
        signature: String,
    ) -> Vec<(&'static str, String)> {
        vec![
            ("content-type", "application/json".to_owned()),
            ("X-PARTNER-ID", CLIENT_ID.to_owned()),
            ("X-TIMESTAMP", timestamp),
            ("X-SIGNATURE", signature),
            ("X-EXTERNAL-ID", self.external_id()),
            ("CHANNEL-ID", "95221".to_owned()),
            ("X-DEVICE-ID", "sandbox-tests".to_owned()),
        ]
    }

    /// A symmetric (HMAC-SHA512) service call with `token` in `Authorization`.
    pub async fn service_call(
        &mut self,
        method: Method,
        path: &str,
        token: &str,
        body: &[u8],
    ) -> Answer {
        self.service_call_with(method, path, token, body, SignatureEncoding::Base64, |_| {})
            .await
    }

    /// A symmetric call whose connection may be dropped by a fault.
    pub async fn try_service_call(
        &mut self,
        method: Method,
        path: &str,
        token: &str,
        body: &[u8],
    ) -> Result<Answer, String> {
        let timestamp = self.timestamp();
        let request = snap::ServiceRequest {
            method: method.as_str(),
            path,
            access_token: token,
            body,
            timestamp: &timestamp,
        };
        let signature = snap::sign_service(&self.secret, &request, SignatureEncoding::Base64)
            .unwrap()
            .into_header_value();
        let mut headers = self.service_headers(timestamp, signature);
        headers.push(("Authorization", format!("Bearer {token}")));
        self.try_send(method, path, &headers, body.to_vec()).await
    }

    /// The same, with a chosen encoding and a hook to alter the headers after signing.
    pub async fn service_call_with(
        &mut self,
        method: Method,
        path: &str,
        token: &str,
        body: &[u8],
        encoding: SignatureEncoding,
        alter: impl FnOnce(&mut Vec<(&'static str, String)>),
    ) -> Answer {
        let timestamp = self.timestamp();
        let request = snap::ServiceRequest {
            method: method.as_str(),
            path,
            access_token: token,
            body,
            timestamp: &timestamp,
        };
        let signature = snap::sign_service(&self.secret, &request, encoding)
            .unwrap()
            .into_header_value();
        let mut headers = self.service_headers(timestamp, signature);
        headers.push(("Authorization", format!("Bearer {token}")));
        alter(&mut headers);
        self.send(method, path, &headers, body.to_vec()).await
    }

    /// The RSA-signed binding call.
    pub async fn binding(&mut self, phone: &str) -> Answer {
        let path = self.snap_path("oauth/account/registration-account-binding");
        let body = serde_json::to_vec(
            &json!({"partnerReferenceNo": "BIND-1", "merchantId": CLIENT_ID, "phoneNo": phone}),
        )
        .unwrap();
        let timestamp = self.timestamp();
        let request = snap::RsaServiceRequest {
            method: "POST",
            path: &path,
            body: &body,
            timestamp: &timestamp,
        };
        let signature = snap::sign_rsa_service(&self.key, &request)
            .unwrap()
            .into_header_value();
        let headers = self.service_headers(timestamp, signature);
        self.send(Method::POST, &path, &headers, body).await
    }

    /// The binding webview URL a partner opens: `redirectUrl` + every `qParams` entry + `token` +
    /// `destination` + `submissionType` + `state` \[S\].
    pub fn binding_webview_url(&self, binding: &Value, state: &str) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (name, value) in binding["additionalInfo"]["qParams"].as_object().unwrap() {
            query.append_pair(name, value.as_str().unwrap());
        }
        query
            .append_pair("token", binding["linkageToken"].as_str().unwrap())
            .append_pair("destination", &self.callback())
            .append_pair("submissionType", "redirect")
            .append_pair("state", state);
        format!(
            "{}?{}",
            binding["redirectUrl"].as_str().unwrap(),
            query.finish()
        )
    }

    /// Submits the webview as the JSON form; returns the answer's JSON.
    pub async fn webview_submit(&self, session: &str, otp: Option<&str>, pin: &str) -> Value {
        let body = json!({"session": session, "destination": self.callback(), "state": "s-1", "otp": otp, "pin": pin});
        let answer = self
            .send(
                Method::POST,
                "/cellblockui/partner/submit",
                &[("content-type", "application/json".into())],
                serde_json::to_vec(&body).unwrap(),
            )
            .await;
        answer.json()
    }

    /// Binding, webview (OTP and PIN), B2B2C token: returns (access token, refresh token).
    pub async fn link(&mut self) -> (String, String) {
        let binding = self.binding(PHONE).await;
        assert_eq!(binding.code(), "2000700", "{}", binding.text());
        let linkage = binding.json()["linkageToken"].as_str().unwrap().to_owned();
        let otp = PHONE.get(PHONE.len() - 4..).unwrap();
        let answer = self.webview_submit(&linkage, Some(otp), PIN).await;
        let redirect = answer["redirect"]
            .as_str()
            .unwrap_or_else(|| panic!("{answer}"));
        let json = self.exchange_callback(redirect, "s-1", &linkage).await;
        (
            json["accessToken"].as_str().unwrap().to_owned(),
            json["refreshToken"].as_str().unwrap().to_owned(),
        )
    }

    /// The webview's redirect to the callback: a success carrying `state`, whose `authCode` the
    /// B2B2C token call exchanges (`2007400`); returns the token answer's JSON.
    pub async fn exchange_callback(&self, redirect: &str, state: &str, linkage: &str) -> Value {
        let (callback, returned) = ovo_model::snap::WebviewCallback::from_url(redirect)
            .unwrap_or_else(|e| panic!("{redirect}: {e}"));
        assert!(callback.is_success());
        assert_eq!(returned.as_deref(), Some(state));
        let code = callback.auth_code.unwrap().expose().to_owned();
        let tokens = self
            .token_call(
                "access-token/b2b2c",
                json!({"grantType": "AUTHORIZATION_CODE", "authCode": code}),
                Some(linkage),
            )
            .await;
        assert_eq!(tokens.code(), "2007400", "{}", tokens.text());
        tokens.json()
    }

    /// A DOKU call, signed with DOKU's scheme over the exact body bytes.
    pub async fn doku_call(&mut self, path: &str, body: Value) -> Answer {
        let body = serde_json::to_vec(&body).unwrap();
        let request_id = format!("req-{}", self.external_id());
        self.last_request_id = request_id.clone();
        let headers = self.doku_headers(DOKU_SECRET, &request_id, path, &body);
        self.send(Method::POST, path, &headers, body).await
    }

    /// DOKU's headers for `body` posted to `path`, signed with `secret` (the partner's, or a
    /// wrong one to forge), with the sandbox's time.
    pub fn doku_headers(
        &self,
        secret: &str,
        request_id: &str,
        path: &str,
        body: &[u8],
    ) -> Vec<(&'static str, String)> {
        let timestamp = ovo_sign::format_doku_timestamp(self.now()).unwrap();
        let components =
            ovo_sign::doku::Components::post(DOKU_CLIENT, request_id, &timestamp, path, body);
        let signature =
            ovo_sign::doku::sign(&ClientSecret::new(secret).unwrap(), &components).unwrap();
        vec![
            ("content-type", "application/json".to_owned()),
            ("Client-Id", DOKU_CLIENT.to_owned()),
            ("Request-Id", request_id.to_owned()),
            ("Request-Timestamp", timestamp),
            ("Signature", signature.into_header_value()),
        ]
    }

    /// A balance inquiry with `access`.
    pub async fn balance(&mut self, access: &str) -> Answer {
        let path = self.snap_path("balance-inquiry");
        self.service_call(Method::POST, &path, access, b"{}").await
    }

    /// A B2B2C refresh with `refresh`.
    pub async fn refresh(&self, refresh: &str) -> Answer {
        self.token_call(
            "access-token/b2b2c",
            json!({"grantType": "REFRESH_TOKEN", "refreshToken": refresh}),
            None,
        )
        .await
    }

    pub async fn account(&self, phone: &str) -> Value {
        self.control(Method::GET, &format!("accounts/{phone}"), Value::Null)
            .await
    }

    pub async fn ledger(&self) -> Vec<Value> {
        self.control(Method::GET, "ledger", Value::Null).await["entries"]
            .as_array()
            .unwrap()
            .clone()
    }
}

pub fn payment(reference: &str, amount: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "partnerReferenceNo": reference,
        "amount": {"value": amount, "currency": "IDR"},
        "urlParams": [{"url": "https://merchant.example/return", "type": "PAY_RETURN", "isDeeplink": "N"}],
    }))
    .unwrap()
}

/// Call 1, the PIN webview, Generate Token: returns the single-use token.
pub async fn confirm(world: &mut World, access: &str, body: &[u8]) -> String {
    let path = world.snap_path("debit/payment-host-to-host");
    let first = world.service_call(Method::POST, &path, access, body).await;
    assert_eq!(first.code(), "2025400", "{}", first.text());
    let url = first.json()["webRedirectUrl"].as_str().unwrap().to_owned();
    let session = url.split("session=").nth(1).unwrap().to_owned();
    let page = world
        .send(
            Method::GET,
            &format!("{url}&destination={}", world.callback()),
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let submitted = world.webview_submit(&session, None, PIN).await;
    let (callback, _) =
        ovo_model::snap::WebviewCallback::from_url(submitted["redirect"].as_str().unwrap())
            .unwrap();
    let code = callback.auth_code.unwrap().expose().to_owned();
    let generated = world
        .service_call(
            Method::GET,
            &format!("/user/v1/oauth/token?grantType=authorization_code&code={code}"),
            access,
            b"",
        )
        .await;
    assert_eq!(generated.status, StatusCode::OK, "{}", generated.text());
    generated.json()["singleUseToken"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A whole two-phase debit of `body`: call 1, the PIN webview, Generate Token, and call 2 with the
/// single-use token, which must capture (`2005400`).
pub async fn pay(world: &mut World, access: &str, body: &[u8]) {
    let single_use = confirm(world, access, body).await;
    let path = world.snap_path("debit/payment-host-to-host");
    let paid = world
        .service_call(Method::POST, &path, &single_use, body)
        .await;
    assert_eq!(paid.code(), "2005400", "{}", paid.text());
}
