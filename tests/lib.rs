//! The end-to-end harness: a sandbox, the real client on the default transport, and a customer
//! who completes the webviews (as a browser would, through the sandbox's JSON submit).
#![allow(
    missing_debug_implementations,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    missing_docs,
    unreachable_pub
)]

pub mod counted;
pub mod load;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use ovo_flows::{DokuConfig, SnapConfig, SnapCredentials};
use ovo_http::{
    ClientOptions, Clock, DokuClient, HyperTransport, OvoClient, OvoClientBuilder, Transport,
};
use ovo_model::Idr;
use ovo_sandbox::{
    AccountSpec, Customer, DokuPartnerSpec, PartnerSpec, Sandbox, SandboxConfig, SandboxHandle,
};
use ovo_sign::{ClientSecret, PrivateKey};
use serde_json::Value;
use time::OffsetDateTime;

pub const CLIENT_ID: &str = "oamerchante2e";
pub const PIN: &str = "246810";
pub const DOKU_CLIENT: &str = "BRN-0201-E2E";

pub fn key(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../crates/ovo-sign/tests/vectors/keys")
            .join(name),
    )
    .unwrap()
}

/// The partner's configuration against the sandbox at `base`.
pub fn snap_config(base: &str) -> SnapConfig {
    SnapConfig::builder(base, CLIENT_ID)
        .callback_url(format!("{base}/_sandbox/callback"))
        .build()
        .unwrap()
}

/// The partner's credentials, with client secret `secret`.
pub fn credentials(secret: &str) -> SnapCredentials {
    SnapCredentials {
        private_key: PrivateKey::from_pem(&key("rsa3072-pkcs1.pem")).unwrap(),
        client_secret: ClientSecret::new(secret).unwrap(),
    }
}

/// Options whose status inquiries are paced in milliseconds, for tests that force unknown
/// outcomes (the default paces them 1 s, 2 s, 4 s...).
pub fn quick_inquiries(mut options: ClientOptions) -> ClientOptions {
    options.pacing.inquiry_backoff = Duration::from_millis(10);
    options.pacing.inquiry_backoff_max = Duration::from_millis(100);
    options
}

/// A clock that follows the sandbox's when the test advances it.
#[derive(Debug, Default)]
pub struct TestClock {
    skew_secs: AtomicI64,
}

impl TestClock {
    /// A clock `seconds` ahead of real time (behind when negative).
    pub fn skewed(seconds: i64) -> Self {
        Self {
            skew_secs: AtomicI64::new(seconds),
        }
    }
}

impl Clock for TestClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc() + time::Duration::seconds(self.skew_secs.load(Ordering::Relaxed))
    }
}

pub struct E2e {
    pub sandbox: SandboxHandle,
    pub client: OvoClient<HyperTransport>,
    pub doku: DokuClient<HyperTransport>,
    pub clock: Arc<TestClock>,
    pub secret: String,
    pub doku_secret: String,
    http: HyperTransport,
}

impl E2e {
    pub async fn start() -> Self {
        Self::with(
            SandboxConfig::default(),
            ClientOptions::default(),
            "e2e-client-secret",
            "SK-e2e-doku-secret",
        )
        .await
    }

    pub async fn with(
        config: SandboxConfig,
        options: ClientOptions,
        secret: &str,
        doku_secret: &str,
    ) -> Self {
        let sandbox = Sandbox::start_with(config, ([127, 0, 0, 1], 0).into())
            .await
            .unwrap();
        let base = sandbox.base_url().to_owned();
        let snap = snap_config(&base);
        let credentials = credentials(secret);
        let clock = Arc::new(TestClock::default());
        let http = HyperTransport::new().unwrap();
        let client = OvoClient::builder(snap, credentials, http.clone())
            .options(options.clone())
            .clock(clock.clone())
            .build();
        let doku = DokuClient::with(
            DokuConfig::new(&base, DOKU_CLIENT).unwrap(),
            ClientSecret::new(doku_secret).unwrap(),
            http.clone(),
            options,
            clock.clone(),
        );
        let e2e = Self {
            sandbox,
            client,
            doku,
            clock,
            secret: secret.to_owned(),
            doku_secret: doku_secret.to_owned(),
            http,
        };
        let public = String::from_utf8(key("rsa3072-cert.pem")).unwrap();
        let partner = PartnerSpec::new(CLIENT_ID, secret, public)
            .callback_url(format!("{base}/_sandbox/callback"))
            .daily_refund_limit(Idr::from_rupiah(100_000_000));
        e2e.sandbox.enroll_partner(&partner).unwrap();
        e2e.sandbox
            .enroll_doku_partner(&DokuPartnerSpec::new(DOKU_CLIENT, doku_secret))
            .unwrap();
        e2e
    }

    /// Another client of the same partner, on `transport`.
    pub fn client_with<T: Transport>(&self, transport: T, options: ClientOptions) -> OvoClient<T> {
        self.client_with_clock(transport, options, self.clock.clone())
    }

    /// Another client of the same partner, on `transport`, with its own clock.
    pub fn client_with_clock<T: Transport>(
        &self,
        transport: T,
        options: ClientOptions,
        clock: Arc<dyn Clock>,
    ) -> OvoClient<T> {
        self.builder_with(transport)
            .options(options)
            .clock(clock)
            .build()
    }

    /// A builder of another client of the same partner, on `transport`, with the test clock and
    /// default options: set its stores to make it another instance of one deployment.
    pub fn builder_with<T: Transport>(&self, transport: T) -> OvoClientBuilder<T> {
        OvoClient::builder(
            snap_config(&self.base()),
            credentials(&self.secret),
            transport,
        )
        .clock(self.clock.clone())
    }

    /// The default transport, counting every request it sends in `sent`.
    pub fn counting_transport(&self, sent: Arc<AtomicUsize>) -> impl Transport + use<> {
        let inner = self.transport();
        move |request: http::Request<Bytes>, deadline: Duration| {
            let (inner, sent) = (inner.clone(), Arc::clone(&sent));
            async move {
                sent.fetch_add(1, Ordering::SeqCst);
                inner.send(request, deadline).await
            }
        }
    }

    /// The default transport, for wrapping.
    pub fn transport(&self) -> HyperTransport {
        self.http.clone()
    }

    pub fn base(&self) -> String {
        self.sandbox.base_url().to_owned()
    }

    pub async fn raw(&self, method: &str, url: &str, body: Value) -> (u16, Value) {
        let bytes = if body.is_null() {
            Vec::new()
        } else {
            serde_json::to_vec(&body).unwrap()
        };
        let request = http::Request::builder()
            .method(method)
            .uri(url)
            .header("content-type", "application/json")
            .body(Bytes::from(bytes))
            .unwrap();
        let response = self
            .http
            .send(request, Duration::from_secs(10))
            .await
            .unwrap();
        let status = response.status().as_u16();
        (
            status,
            serde_json::from_slice(response.body()).unwrap_or(Value::Null),
        )
    }

    pub async fn control(&self, method: &str, path: &str, body: Value) -> Value {
        let (status, json) = self
            .raw(method, &format!("{}/_sandbox/{path}", self.base()), body)
            .await;
        assert_eq!(status, 200, "control {path}: {json}");
        json
    }

    pub async fn account(&self, phone: &str, cash: &str, points: &str) {
        let amount = |text: &str| Idr::parse_snap_value(text).unwrap();
        self.sandbox
            .add_account(&AccountSpec::new(phone, PIN, amount(cash)).points(amount(points)))
            .unwrap();
    }

    pub async fn balances(&self, phone: &str) -> (String, String) {
        let account = self.sandbox.account(phone).unwrap();
        (account.cash.to_snap_value(), account.points.to_snap_value())
    }

    /// The ledger, as the control API's JSON (`GET /_sandbox/ledger`'s entries).
    pub async fn ledger(&self) -> Vec<Value> {
        self.sandbox
            .ledger()
            .iter()
            .map(|entry| serde_json::to_value(entry).unwrap())
            .collect()
    }

    /// Moves the sandbox clock and the client's.
    pub async fn advance(&self, by: Duration) {
        self.sandbox
            .advance_clock(Duration::from_secs(by.as_secs()))
            .unwrap();
        self.clock
            .skew_secs
            .fetch_add(by.as_secs() as i64, Ordering::Relaxed);
    }

    /// The customer in the webview or DOKU's registration page (`ovo_sandbox::Customer`): the
    /// page, then the OTP (when asked) and PIN; returns the URL the page redirects to.
    pub async fn complete_webview(&self, webview_url: &str, phone: &str) -> String {
        Customer::new(phone, PIN)
            .complete(webview_url)
            .await
            .unwrap_or_else(|e| panic!("webview {webview_url}: {e}"))
            .redirect
    }

    /// Links `customer` (phone `phone`) through the whole binding flow.
    pub async fn link(&self, customer: &str, phone: &str) {
        let request = ovo_model::snap::BindingRequest {
            partner_reference_no: Some(format!("BIND-{customer}")),
            merchant_id: CLIENT_ID.to_owned(),
            phone_no: Some(phone.to_owned()),
            ..Default::default()
        };
        let pending = self.client.begin_linking(customer, &request).await.unwrap();
        let callback = self.complete_webview(&pending.webview_url, phone).await;
        let outcome = self
            .client
            .finish_linking(&pending.id, &callback)
            .await
            .unwrap();
        assert!(
            matches!(outcome, ovo_flows::LinkingOutcome::Linked(_)),
            "{outcome:?}"
        );
    }
}
