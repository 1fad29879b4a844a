//! A second driver for `ovo-flows`, to prove the interface: blocking, on `ureq`, with no async
//! runtime in the driver. It links a sandbox account and completes a two-phase debit, then prints
//! `Paid`. The sandbox (the counterparty, which is async) runs on its own thread.
//!
//! ```sh
//! cargo run -p ovo-flows --example blocking_debit
//! ```
//!
//! `docs/driver.md` walks through it.

use std::time::Duration;

use ovo_flows::{
    Action, Authorization, Call, DebitOutcome, Event, Flow, LinkingOutcome, Received, SnapConfig,
    SnapCredentials, Stamp,
};
use ovo_model::Secret;
use ovo_model::snap::{B2bTokenResponse, BindingRequest, DirectDebitRequest, ExternalId};
use ovo_model::{Idr, SnapMoney};
use time::OffsetDateTime;

type Error = Box<dyn std::error::Error>;

const CLIENT_ID: &str = "oamerchantblocking";
const SECRET: &str = "blocking-client-secret";
const PHONE: &str = "6281234567890";
const PIN: &str = "246810";

/// The blocking driver: sends what a flow asks, supplies the credentials, waits when told to.
struct Driver {
    agent: ureq::Agent,
    config: SnapConfig,
    credentials: SnapCredentials,
    b2b: Option<Secret>,
    access: Option<Secret>,
    ids: u64,
}

impl Driver {
    /// Runs `flow` until it finishes or needs the customer in the webview.
    fn run<F: Flow>(&mut self, flow: &mut F) -> Result<Action<F::Outcome>, Error> {
        loop {
            let now = OffsetDateTime::now_utc();
            match flow.poll(now) {
                Action::Send(call) => {
                    let received = self.send(&call)?;
                    flow.handle(OffsetDateTime::now_utc(), Event::Received(received))?;
                }
                Action::WakeAt(at) => {
                    std::thread::sleep((at - now).unsigned_abs());
                    flow.handle(OffsetDateTime::now_utc(), Event::Timer)?;
                }
                Action::Wait => return Err("the flow waits with nothing in flight".into()),
                done_or_webview => return Ok(done_or_webview),
            }
        }
    }

    /// Signs and sends one call, supplying the B2B token or the customer's access token. (A real
    /// driver also retries as `ovo_flows::RetryPolicy::decide` says, and refreshes tokens.)
    fn send(&mut self, call: &Call) -> Result<Received, Error> {
        let token = match call.authorization {
            Authorization::B2b => Some(self.b2b_token()?),
            Authorization::Customer => self.access.clone(),
            _ => None,
        };
        self.ids += 1;
        let now = OffsetDateTime::now_utc();
        let stamp = Stamp {
            now,
            external_id: ExternalId::new(format!("{}{:06}", now.unix_timestamp(), self.ids))?,
        };
        let request = ovo_flows::sign_snap(
            &self.config,
            &self.credentials,
            call,
            token.as_ref(),
            &stamp,
        )?;
        // ureq has no `Bytes` body; it sends a `Vec<u8>`.
        Ok(match self.agent.run(request.map(|body| body.to_vec())) {
            Ok(mut response) => {
                let body = response.body_mut().read_to_vec()?;
                let (parts, _) = response.into_parts();
                Received::Response(http::Response::from_parts(parts, body))
            }
            Err(ureq::Error::ConnectionFailed | ureq::Error::HostNotFound) => Received::Failed {
                may_have_reached: false,
            },
            Err(_) => Received::Failed {
                may_have_reached: true,
            },
        })
    }

    fn b2b_token(&mut self) -> Result<Secret, Error> {
        if let Some(token) = &self.b2b {
            return Ok(token.clone());
        }
        let Received::Response(response) = self.send(&ovo_flows::calls::b2b_token()?)? else {
            return Err("no answer to the B2B token call".into());
        };
        let ovo_flows::Answer::Success(answer) =
            ovo_flows::read_snap::<B2bTokenResponse>(&response)
        else {
            return Err("the B2B token was refused".into());
        };
        self.b2b = Some(answer.access_token.clone());
        Ok(answer.access_token)
    }
}

/// The sandbox, on its own thread with its own runtime: the counterparty, not the driver.
struct Sandbox {
    base: String,
    runtime: tokio::runtime::Runtime,
    _handle: ovo_sandbox::SandboxHandle,
}

impl Sandbox {
    fn start() -> Result<Self, Error> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()?;
        let handle = runtime.block_on(ovo_sandbox::Sandbox::start())?;
        Ok(Self {
            base: handle.base_url().to_owned(),
            runtime,
            _handle: handle,
        })
    }

    /// The customer types the OTP and PIN in the webview; returns the callback URL.
    fn customer(&self, webview_url: &str) -> Result<String, Error> {
        let customer = ovo_sandbox::Customer::new(PHONE, PIN);
        Ok(self
            .runtime
            .block_on(customer.complete(webview_url))?
            .redirect)
    }

    fn control(
        &self,
        agent: &ureq::Agent,
        path: &str,
        body: serde_json::Value,
    ) -> Result<(), Error> {
        let request = http::Request::post(format!("{}/_sandbox/{path}", self.base))
            .header("content-type", "application/json")
            .body(serde_json::to_vec(&body)?)?;
        let response = agent.run(request)?;
        if !response.status().is_success() {
            return Err(format!("sandbox control {path}: {}", response.status()).into());
        }
        Ok(())
    }
}

fn main() -> Result<(), Error> {
    let sandbox = Sandbox::start()?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into();
    let keys = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../ovo-sign/tests/vectors/keys/"
    );
    let callback = format!("{}/_sandbox/callback", sandbox.base);
    let public = std::fs::read_to_string(format!("{keys}rsa2048-public-pkcs1.pem"))?;
    sandbox.control(
        &agent,
        "partners",
        serde_json::json!({
            "client_id": CLIENT_ID, "client_secrets": [SECRET], "public_keys": [public],
            "callback_urls": [callback],
        }),
    )?;
    sandbox.control(
        &agent,
        "accounts",
        serde_json::json!({
            "phone": PHONE, "pin": PIN, "cash": "100000.00",
        }),
    )?;

    let mut driver = Driver {
        agent,
        config: SnapConfig::builder(&sandbox.base, CLIENT_ID)
            .callback_url(&callback)
            .build()?,
        credentials: SnapCredentials {
            private_key: ovo_sign::PrivateKey::from_pem(&std::fs::read(format!(
                "{keys}rsa2048-pkcs8.pem"
            ))?)?,
            client_secret: ovo_sign::ClientSecret::new(SECRET)?,
        },
        b2b: None,
        access: None,
        ids: 0,
    };

    // Link: binding, the webview, the token exchange.
    let binding = BindingRequest {
        merchant_id: CLIENT_ID.into(),
        phone_no: Some(PHONE.into()),
        ..Default::default()
    };
    let mut linking = ovo_flows::Linking::new(&binding, &callback, Some("link-1".into()))?;
    let Action::OpenWebview(url) = driver.run(&mut linking)? else {
        return Err("linking did not ask for the webview".into());
    };
    let redirect = sandbox.customer(url.expose())?;
    linking.handle(OffsetDateTime::now_utc(), Event::Callback(redirect))?;
    let Action::Done(LinkingOutcome::Linked(tokens)) = driver.run(&mut linking)? else {
        return Err("linking failed".into());
    };
    driver.access = Some(tokens.access);

    // The two-phase debit, stored between the two halves as a real service would.
    let request =
        DirectDebitRequest::new("INV-BLOCKING-1", SnapMoney::idr(Idr::from_rupiah(25_000)));
    let mut debit = ovo_flows::Debit::new(&request, &callback)?;
    let Action::OpenWebview(url) = driver.run(&mut debit)? else {
        return Err("call 1 did not ask for the PIN".into());
    };
    let (state, secrets) = (ovo_flows::to_state(&debit)?, debit.secrets().clone());
    drop(debit); // ... the customer is in the webview; another process may finish ...
    let redirect = sandbox.customer(url.expose())?;
    let mut debit: ovo_flows::Debit = ovo_flows::from_state(&state, secrets)?;
    debit.handle(OffsetDateTime::now_utc(), Event::Callback(redirect))?;
    match driver.run(&mut debit)? {
        Action::Done(DebitOutcome::Paid { .. }) => {
            println!("Paid");
            Ok(())
        }
        other => Err(format!("the debit ended {other:?}").into()),
    }
}
