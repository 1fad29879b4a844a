//! `cargo xtask demo`: the full lifecycle, through the real client, against the embedded sandbox.
//! One line per step; every step is checked, and the demo fails loudly if one misbehaves.

use std::io::Write as _;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use bytes::Bytes;
use clap::Args;
use ovo_flows::{
    DebitOutcome, DokuConfig, LinkingOutcome, RefundOutcome, SnapConfig, SnapCredentials,
    UnbindingOutcome,
};
use ovo_http::{
    DebitProgress, DokuClient, DokuNotificationVerifier, DokuOutcome, HyperTransport,
    NotificationError, OvoClient, SnapNotifyVerifier, Transport, UnbindingProgress, Verified,
};
use ovo_model::doku::{
    BalanceRequest, BindingAccount, BindingRequest, Customer, PaymentRequest, RefundRequest,
    TokenListRequest, TokenRef, UnbindRequest,
};
use ovo_model::snap::{
    DebitAdditionalInfo, DirectDebitRequest, PayOptionDetail, SubTransactionType, UrlParam,
    UrlParamType,
};
use ovo_model::{Idr, Secret, SnapMoney};
use ovo_sandbox::Sandbox;
use ovo_sign::{ClientSecret, FilePermissions, PrivateKey};
use ovo_store::{KEY_VARIABLE, SqlStore, StoreKey};
use serde_json::{Value, json};

use crate::{Plain as _, customer, enroll};

const PHONE: &str = "6281234567890";
const PIN: &str = "123456";
const CUSTOMER: &str = "customer-42";
const DOKU_CLIENT: &str = "BRN-0201-DEMO";
const DOKU_SECRET: &str = "SK-demo-doku-secret-key";
/// The sandbox's stand-in merchant notification endpoint.
const INBOX: &str = "/_sandbox/inbox";

/// `cargo xtask demo`.
#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Print each webview URL and wait for you to complete it in a real browser.
    #[arg(long)]
    open: bool,
    /// Port for the sandbox (0 picks one; with --open a fixed port is easier to reach).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Where the client keeps tokens, flows and notification ids: `sqlite:PATH` or
    /// `postgres://user:password@host/db` (default: a SQLite file in a temporary directory).
    /// Secrets are sealed under `OVO_STORE_KEY` (32 bytes, base64); without it the demo generates
    /// a key for this run. The demo can run again on the same database.
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
    /// For the tests: append every token the demo obtained to this file, one a line, so that
    /// they can check that none is stored in clear. Never point it at anything shared.
    #[arg(long, hide = true, value_name = "FILE")]
    reveal_tokens_to: Option<std::path::PathBuf>,
}

/// The demo's stores: one database for customers' tokens, flows, notification ids and the shared
/// B2B token.
struct Stores {
    store: Arc<SqlStore>,
    /// The temporary directory of the default SQLite file, held only to be removed when dropped
    /// (at the end, on an error, or on Ctrl-C).
    _temporary: Option<tempfile::TempDir>,
}

/// Opens the database of `--database-url`, or a SQLite file in a temporary directory.
async fn open_stores(args: &DemoArgs) -> anyhow::Result<(Stores, String)> {
    let key = match std::env::var(KEY_VARIABLE) {
        Ok(text) if !text.is_empty() => {
            let key = StoreKey::parse(&text).plain().context(KEY_VARIABLE)?;
            let line = format!(
                "store key from {KEY_VARIABLE}: key id {}",
                key.sealing_key_id()
            );
            (key, line)
        }
        _ => {
            let text = StoreKey::generate().plain()?;
            let key = StoreKey::parse(&text).plain()?;
            let line = format!(
                "store key generated for this run (set {KEY_VARIABLE} to keep one): key id {}",
                key.sealing_key_id()
            );
            (key, line)
        }
    };
    let (url, temporary) = match &args.database_url {
        Some(url) => (url.clone(), None),
        None => {
            let dir = crate::temporary::directory("ovo-demo")?;
            (
                format!("sqlite:{}", dir.path().join("ovo.db").display()),
                Some(dir),
            )
        }
    };
    let store = SqlStore::connect(&url, key.0)
        .await
        .plain()
        .context("the database")?;
    let shown = match store.engine() {
        ovo_store::Engine::Sqlite => format!("SQLite at {}", url.trim_start_matches("sqlite:")),
        _ => "PostgreSQL".to_owned(),
    };
    Ok((
        Stores {
            store: Arc::new(store),
            _temporary: temporary,
        },
        format!("stores: {shown}; {}", key.1),
    ))
}

/// Appends `tokens` to the `--reveal-tokens-to` file, if any.
fn reveal(args: &DemoArgs, tokens: &[&Secret]) -> anyhow::Result<()> {
    let Some(path) = &args.reveal_tokens_to else {
        return Ok(());
    };
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| path.display().to_string())?;
    for token in tokens {
        writeln!(file, "{}", token.expose()).with_context(|| path.display().to_string())?;
    }
    Ok(())
}

struct Demo {
    base: String,
    http: HyperTransport,
    open: bool,
    step: usize,
    started: Instant,
}

fn rupiah(amount: Idr) -> String {
    let whole = (amount.sen() / 100).to_string();
    let mut grouped = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(digit);
    }
    format!("Rp {grouped},{:02}", amount.sen() % 100)
}

fn money(text: &str) -> anyhow::Result<Idr> {
    Idr::parse_snap_value(text)
        .plain()
        .with_context(|| text.to_owned())
}

/// A notification accepted as a merchant must: `verifying` checks its signature and that its id
/// is new, then the commit records the id, so that a redelivery is refused. `what` names the
/// notification in an error.
async fn accept<T>(
    verifying: impl Future<Output = Result<Verified<'_, T>, NotificationError>>,
    what: &'static str,
) -> anyhow::Result<T> {
    verifying
        .await
        .plain()
        .context(what)?
        .commit(time::OffsetDateTime::now_utc())
        .await
        .plain()
        .context(what)
}

impl Demo {
    fn say(&mut self, line: impl AsRef<str>) {
        self.step += 1;
        println!(
            "[{:>2}] {:>6.2}s  {}",
            self.step,
            self.started.elapsed().as_secs_f64(),
            line.as_ref()
        );
    }

    async fn call(
        &self,
        method: &str,
        url: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> anyhow::Result<http::Response<Bytes>> {
        let request = http::Request::builder()
            .method(method)
            .uri(url)
            .header("content-type", content_type)
            .body(Bytes::from(body))?;
        self.http
            .send(request, Duration::from_secs(10))
            .await
            .plain()
            .with_context(|| url.to_owned())
    }

    async fn control(&self, method: &str, path: &str, body: Value) -> anyhow::Result<Value> {
        let bytes = if body.is_null() {
            Vec::new()
        } else {
            body.to_string().into_bytes()
        };
        let response = self
            .call(
                method,
                &format!("{}/_sandbox/{path}", self.base),
                "application/json",
                bytes,
            )
            .await?;
        let json: Value = serde_json::from_slice(response.body()).unwrap_or_default();
        ensure!(response.status().is_success(), "sandbox {path}: {json}");
        Ok(json)
    }

    /// The `n`th notification (from 1) the stand-in merchant endpoint received: its headers and
    /// its body, exactly as sent. Waits up to 5 s for it.
    async fn notification(&self, n: usize) -> anyhow::Result<(http::HeaderMap, Vec<u8>)> {
        for _ in 0..250 {
            let inbox = self.control("GET", "inbox", Value::Null).await?;
            if let Some(entry) = inbox["notifications"].get(n - 1) {
                let mut headers = http::HeaderMap::new();
                for (name, value) in entry["headers"].as_object().into_iter().flatten() {
                    let name = http::HeaderName::try_from(name.as_str())?;
                    let value = http::HeaderValue::try_from(value.as_str().unwrap_or_default())?;
                    headers.insert(name, value);
                }
                let body = entry["body"]
                    .as_str()
                    .unwrap_or_default()
                    .as_bytes()
                    .to_vec();
                return Ok((headers, body));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        bail!("notification {n} did not arrive")
    }

    /// Where the sandbox's stand-in merchant endpoint receives notifications.
    fn inbox_url(&self) -> String {
        format!("{}{INBOX}", self.base)
    }

    async fn balances(&self) -> anyhow::Result<(Idr, Idr)> {
        let account = self
            .control("GET", &format!("accounts/{PHONE}"), Value::Null)
            .await?;
        Ok((
            money(account["cash"].as_str().unwrap_or_default())?,
            money(account["points"].as_str().unwrap_or_default())?,
        ))
    }

    async fn show_balances(&mut self, context: &str) -> anyhow::Result<(Idr, Idr)> {
        let (cash, points) = self.balances().await?;
        self.say(format!(
            "{context}: OVO Cash {}, OVO Points {}",
            rupiah(cash),
            rupiah(points)
        ));
        Ok((cash, points))
    }

    /// The customer in OVO's webview: the page, then its form, as a browser submits it.
    async fn webview(&mut self, url: &str, needs_otp: bool) -> anyhow::Result<String> {
        if self.open {
            return self.wait_for_person(url).await;
        }
        if needs_otp {
            self.say(format!(
                "webview: the customer types the OTP {} (the phone's last four digits in staging) and the PIN",
                ovo_sandbox::otp(PHONE)
            ));
        } else {
            self.say("webview: the customer types the PIN");
        }
        let location = customer::fill_webview(url, PHONE, PIN, needs_otp).await?;
        self.say("webview: redirected to the merchant's callback with an authCode");
        Ok(location)
    }

    async fn wait_for_person(&mut self, url: &str) -> anyhow::Result<String> {
        let before = self.control("GET", "callbacks", Value::Null).await?["callbacks"]
            .as_array()
            .map_or(0, Vec::len);
        println!(
            "\n    Open this in a browser (OTP: {}, PIN: {PIN}):\n    {url}\n",
            ovo_sandbox::otp(PHONE)
        );
        loop {
            let callbacks = self.control("GET", "callbacks", Value::Null).await?;
            if let Some(query) = callbacks["callbacks"]
                .as_array()
                .and_then(|c| c.get(before))
                .and_then(Value::as_str)
            {
                self.say("webview: completed in the browser");
                return Ok(format!("{}/_sandbox/callback?{query}", self.base));
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }
}

/// Runs the demo. Ctrl-C (with `--open`, while it waits for you) stops it and removes its
/// temporary keys and database: dropping the demo drops their directories.
pub(crate) fn run(args: &DemoArgs) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let result = runtime.block_on(async {
        tokio::select! {
            result = demo(args) => Some(result),
            _ = tokio::signal::ctrl_c() => None,
        }
    });
    match result {
        Some(Ok(())) => Ok(ExitCode::SUCCESS),
        Some(Err(failure)) => {
            eprintln!("demo FAILED: {failure:#}");
            Ok(ExitCode::from(1))
        }
        None => {
            eprintln!("demo interrupted: its temporary keys and database are removed");
            // 128 + SIGINT, as a shell reports a process stopped by Ctrl-C.
            Ok(ExitCode::from(130))
        }
    }
}

async fn demo(args: &DemoArgs) -> anyhow::Result<()> {
    let (sandbox, mut demo) = start(args).await?;
    let provisioned = provision(&mut demo).await?;
    create_customer(&mut demo).await?;
    let mut lifecycle = Lifecycle::connect(demo, args, &provisioned).await?;
    lifecycle.snap().await?;
    lifecycle.doku().await?;
    lifecycle.ledger().await?;
    lifecycle.stores.store.close().await;
    // The key and database directories go with `provisioned` and the lifecycle's stores.
    drop((provisioned, lifecycle));
    sandbox.shutdown().await;
    Ok(())
}

/// Starts the embedded sandbox (on `--port`) and prints the banner naming its address: every
/// later step talks to this one provider, so nothing leaves the machine.
async fn start(args: &DemoArgs) -> anyhow::Result<(ovo_sandbox::SandboxHandle, Demo)> {
    let sandbox = Sandbox::start_with(
        ovo_sandbox::SandboxConfig::default(),
        ([127, 0, 0, 1], args.port).into(),
    )
    .await
    .context("cannot start the sandbox")?;
    let demo = Demo {
        base: sandbox.base_url().to_owned(),
        http: HyperTransport::new().plain()?,
        open: args.open,
        step: 0,
        started: Instant::now(),
    };
    println!(
        "ovo-rs demo: OVO direct (SNAP) and DOKU OVO Recurring against the embedded sandbox at {}\n",
        demo.base
    );
    Ok((sandbox, demo))
}

/// Keys and credentials, as a partner receives them: key pairs generated, the partner enrolled,
/// and the credentials OVO encrypts to the sharing certificate decrypted. The client secret is
/// never printed.
async fn provision(demo: &mut Demo) -> anyhow::Result<enroll::Provisioned> {
    let provisioned = enroll::provision(&demo.base).await?;
    demo.say(format!(
        "keys generated in {} (signing pair, credential-sharing pair and certificate)",
        provisioned.dir.path().display()
    ));
    let client_id = &provisioned.client_id;
    demo.say(format!("enrolled with the sandbox as {client_id}: credentials received encrypted to the sharing certificate"));
    demo.say(format!(
        "credentials decrypted ({:?}): client id {client_id}, client secret [redacted]",
        provisioned.padding
    ));
    Ok(provisioned)
}

/// Opens the customer's OVO account in the sandbox, with the balances the ledger's final check
/// counts from.
async fn create_customer(demo: &mut Demo) -> anyhow::Result<()> {
    demo.control(
        "POST",
        "accounts",
        json!({"phone": PHONE, "pin": PIN, "cash": "150000.00", "points": "10000.00"}),
    )
    .await?;
    demo.say(format!(
        "an OVO customer exists: phone {PHONE}, OVO Cash Rp 150.000,00, OVO Points Rp 10.000,00"
    ));
    Ok(())
}

/// This run's references, unique to it so that the demo can run again on the same database.
struct References {
    run: String,
    /// The SNAP debit's reference (the refund and the status inquiry name it too).
    invoice: String,
    /// The DOKU payment's invoice number.
    invoice_doku: String,
}

impl References {
    fn new() -> Self {
        let run = format!("{:06X}", rand::random::<u32>() & 0x00FF_FFFF);
        Self {
            invoice: format!("INV-2026-{run}"),
            invoice_doku: format!("INVR-2026-{run}"),
            run,
        }
    }
}

/// The lifecycle after the setup: the client under test, its database and this run's references,
/// shared by the SNAP steps, the DOKU steps and the ledger.
struct Lifecycle<'a> {
    demo: Demo,
    args: &'a DemoArgs,
    client: OvoClient<HyperTransport>,
    stores: Stores,
    references: References,
    /// The sandbox's echo page: the partner's registered callback URL.
    callback: String,
}

impl<'a> Lifecycle<'a> {
    /// Builds the SNAP client from the provisioned key and secret, over one database for the token
    /// store, the flow store, the shared B2B token and the notification verifiers' de-duplication.
    async fn connect(
        mut demo: Demo,
        args: &'a DemoArgs,
        provisioned: &enroll::Provisioned,
    ) -> anyhow::Result<Self> {
        let callback = format!("{}/_sandbox/callback", demo.base);
        let config = SnapConfig::builder(&demo.base, &provisioned.client_id)
            .callback_url(callback.clone())
            .build()
            .plain()?;
        let credentials = SnapCredentials {
            private_key: PrivateKey::from_pem_file(
                &provisioned.dir.path().join("signing-private-pkcs1.pem"),
                FilePermissions::Strict,
            )
            .plain()?,
            client_secret: ClientSecret::new(provisioned.client_secret.clone()).plain()?,
        };
        let (stores, opened) = open_stores(args).await?;
        demo.say(opened);
        let store = &stores.store;
        let client = OvoClient::builder(config, credentials, demo.http.clone())
            .token_store(store.clone())
            .flow_store(store.clone())
            .shared_tokens(store.clone())
            .build();
        Ok(Self {
            demo,
            args,
            client,
            stores,
            references: References::new(),
            callback,
        })
    }

    /// OVO direct (SNAP), from the B2B token to the unbinding; the balance inquiry's cash is what
    /// the debit's first call must leave untouched.
    async fn snap(&mut self) -> anyhow::Result<()> {
        println!("\nOVO direct (SNAP)");
        self.b2b_token().await?;
        self.link().await?;
        let cash = self.balance_inquiry().await?;
        self.debit(cash).await?;
        self.recurring_debit().await?;
        self.debit_status().await?;
        self.refund().await?;
        self.unbind().await
    }

    /// The B2B token every partner-level call carries, and when the client will renew it.
    async fn b2b_token(&mut self) -> anyhow::Result<()> {
        let b2b = self.client.b2b_token().await.plain().context("B2B token")?;
        reveal(self.args, &[&b2b.token])?;
        let until = ovo_sign::SnapTimestampFormat::OVO
            .format(b2b.usable_until)
            .plain()?;
        self.demo.say(format!(
            "B2B token issued (SHA256withRSA over client_id|X-TIMESTAMP), renewed before {until}"
        ));
        Ok(())
    }

    /// Account linking: the phone lookup must allow it, the binding's webview takes the OTP and
    /// the PIN, and the authCode it redirects with is exchanged for the customer's tokens.
    async fn link(&mut self) -> anyhow::Result<()> {
        let lookup = self.client.lookup(PHONE).await.plain().context("lookup")?;
        ensure!(
            lookup.status.as_str() == "CAN_LINK",
            "lookup said {}",
            lookup.status
        );
        self.demo.say(format!("phone lookup: {}", lookup.status));
        let binding = ovo_model::snap::BindingRequest {
            partner_reference_no: Some(format!("BIND-{}", self.references.run)),
            merchant_id: self.client.config().merchant_id.clone(),
            phone_no: Some(PHONE.into()),
            ..Default::default()
        };
        let pending = self
            .client
            .begin_linking(CUSTOMER, &binding)
            .await
            .plain()
            .context("binding")?;
        self.demo.say(
            "account binding: linkage token received; the webview URL carries every qParams entry",
        );
        let callback_url = self.demo.webview(&pending.webview_url, true).await?;
        let linked = self
            .client
            .finish_linking(&pending.id, &callback_url)
            .await
            .plain()
            .context("B2B2C token")?;
        let LinkingOutcome::Linked(tokens) = &linked else {
            bail!("linking: {linked:?}");
        };
        let mut used = vec![&tokens.access];
        used.extend(tokens.refresh.as_ref());
        reveal(self.args, &used)?;
        self.demo.say(format!("B2B2C token exchanged: {CUSTOMER} is linked (access token 15 days, refresh token until unbinding)"));
        Ok(())
    }

    /// The customer's OVO Cash through the client, with the customer's token; returned so that the
    /// debit can check its first call moved nothing.
    async fn balance_inquiry(&mut self) -> anyhow::Result<Idr> {
        let balance = self
            .client
            .balance(CUSTOMER)
            .await
            .plain()
            .context("balance")?;
        let cash = balance
            .account_infos
            .first()
            .and_then(|i| i.amount.as_ref())
            .map(|m| m.value)
            .unwrap_or_default();
        self.demo
            .say(format!("balance inquiry: OVO Cash {}", rupiah(cash)));
        Ok(cash)
    }

    /// The direct debit's two calls: the first asks for the PIN and moves nothing (`cash` is the
    /// balance before it), the second, after the webview, pays; then OVO's signed notification.
    async fn debit(&mut self, cash: Idr) -> anyhow::Result<()> {
        let invoice = &self.references.invoice;
        let mut payment =
            DirectDebitRequest::new(invoice, SnapMoney::idr(Idr::from_rupiah(25_000)));
        payment.url_params = Some(vec![UrlParam {
            url: self.demo.inbox_url(),
            kind: UrlParamType::PayNotify,
            is_deeplink: "N".into(),
        }]);
        let DebitProgress::Webview(pending) = self
            .client
            .begin_debit(CUSTOMER, &payment)
            .await
            .plain()
            .context("debit")?
        else {
            bail!("call 1 of the debit should ask for the PIN");
        };
        let (cash_now, _) = self.demo.balances().await?;
        ensure!(cash_now == cash, "call 1 moved money");
        self.demo.say("direct debit Rp 25.000,00, call 1: 2025400 \"Transaction still on process\", nothing moved");
        let callback_url = self.demo.webview(&pending.webview_url, false).await?;
        let outcome = self
            .client
            .finish_debit(&pending.id, &callback_url)
            .await
            .plain()
            .context("debit")?;
        ensure!(
            matches!(outcome, DebitOutcome::Paid { .. }),
            "debit: {outcome:?}"
        );
        self.demo
            .say("Generate Token → singleUseToken; call 2 with the identical body: 2005400, paid");
        self.debit_notification().await?;
        self.demo.show_balances("after the debit").await?;
        Ok(())
    }

    /// The debit's notification at the PAY_NOTIFY URL, checked as a merchant must: OVO's
    /// signature, a first delivery (de-duplicated in the database), and the right debit.
    async fn debit_notification(&mut self) -> anyhow::Result<()> {
        let (headers, body) = self.demo.notification(1).await?;
        let ovo_key =
            ovo_sign::PublicKey::from_pem(ovo_sandbox::PROVIDER_PUBLIC_KEY_PEM.as_bytes())
                .plain()?;
        let notify = accept(
            SnapNotifyVerifier::new(vec![ovo_key], INBOX)
                .with_dedup(self.stores.store.clone())
                .verify(&headers, &body, time::OffsetDateTime::now_utc()),
            "SNAP debit notification",
        )
        .await?;
        let invoice = &self.references.invoice;
        ensure!(
            notify.original_partner_reference_no.as_deref() == Some(invoice.as_str())
                && notify.latest_transaction_status.as_str() == "00",
            "SNAP debit notification: {notify:?}"
        );
        self.demo.say(format!("debit notification at the PAY_NOTIFY URL: {invoice} status 00, OVO's SHA256withRSA signature verified"));
        Ok(())
    }

    /// A recurring debit (subTransactionType AUTO) paid from OVO Points: no webview, one call.
    async fn recurring_debit(&mut self) -> anyhow::Result<()> {
        let mut recurring = DirectDebitRequest::new(
            format!("SUB-2026-{}", self.references.run),
            SnapMoney::idr(Idr::from_rupiah(5_000)),
        );
        recurring.pay_option_details = Some(vec![PayOptionDetail {
            pay_method: "POINTS".into(),
            pay_option: None,
            trans_amount: SnapMoney::idr(Idr::from_rupiah(5_000)),
            fee_amount: None,
            card_token: None,
            merchant_token: None,
            additional_info: None,
        }]);
        recurring.additional_info = Some(DebitAdditionalInfo {
            sub_transaction_type: Some(SubTransactionType::Auto),
            other: Default::default(),
        });
        let DebitProgress::Done(outcome) = self
            .client
            .begin_debit(CUSTOMER, &recurring)
            .await
            .plain()
            .context("recurring")?
        else {
            bail!("a recurring debit should not need the webview in the sandbox");
        };
        ensure!(
            matches!(outcome, DebitOutcome::Paid { .. }),
            "recurring: {outcome:?}"
        );
        self.demo.say("recurring debit Rp 5.000,00 (subTransactionType AUTO, points first): paid without the PIN webview");
        self.demo.show_balances("after the recurring debit").await?;
        Ok(())
    }

    /// The status inquiry of the first debit, which must read Success.
    async fn debit_status(&mut self) -> anyhow::Result<()> {
        let invoice = &self.references.invoice;
        let status = self
            .client
            .status(CUSTOMER, invoice)
            .await
            .plain()
            .context("status")?;
        ensure!(
            status.latest_transaction_status.as_str() == "00",
            "status is not 00"
        );
        self.demo.say(format!(
            "debit status of {invoice}: latestTransactionStatus 00 (Success)"
        ));
        Ok(())
    }

    /// A partial refund of the first debit; a refund carries the B2B token, not the customer's.
    async fn refund(&mut self) -> anyhow::Result<()> {
        let refund = ovo_model::snap::RefundRequest::new(
            &self.references.invoice,
            format!("RF-2026-{}", self.references.run),
            SnapMoney::idr(Idr::from_rupiah(10_000)),
        );
        let refunded = self
            .client
            .refund(CUSTOMER, &refund)
            .await
            .plain()
            .context("refund")?;
        ensure!(
            matches!(refunded, RefundOutcome::Refunded { .. }),
            "refund: {refunded:?}"
        );
        self.demo
            .say("partial refund Rp 10.000,00 with the B2B token: refunded");
        self.demo.show_balances("after the refund").await?;
        Ok(())
    }

    /// Unbinding in two calls around the customer's confirmation in the webview; afterwards the
    /// client must hold no token of the customer.
    async fn unbind(&mut self) -> anyhow::Result<()> {
        let UnbindingProgress::Webview(pending) = self
            .client
            .begin_unbinding(CUSTOMER, Some(format!("UNBIND-{}", self.references.run)))
            .await
            .plain()
            .context("unbinding")?
        else {
            bail!("unbinding should ask for confirmation");
        };
        self.demo
            .say("unbinding, call 1: OVO asks the customer to confirm");
        let callback_url = self.demo.webview(&pending.webview_url, false).await?;
        let unbound = self
            .client
            .finish_unbinding(&pending.id, &callback_url)
            .await
            .plain()
            .context("unbinding")?;
        ensure!(
            unbound == UnbindingOutcome::Unbound,
            "unbinding: {unbound:?}"
        );
        ensure!(
            self.client.access_token(CUSTOMER).await.is_err(),
            "a token survived the unbinding"
        );
        self.demo
            .say("unbinding, call 2: unbound; every customer token is gone");
        Ok(())
    }

    /// OVO through DOKU (OVO Recurring): the same customer bound again through DOKU, paid from,
    /// refunded and unbound; DOKU's token ties the steps together.
    async fn doku(&mut self) -> anyhow::Result<()> {
        println!("\nOVO through DOKU (OVO Recurring)");
        let doku = self.doku_client().await?;
        let token_id = self.doku_bind(&doku).await?;
        self.doku_balance(&doku, &token_id).await?;
        let request_id = self.doku_pay(&doku, &token_id).await?;
        self.doku_refund(&doku, request_id).await?;
        self.doku_unbind(&doku, token_id).await
    }

    /// Registers the DOKU partner in the sandbox (its notifications go to the stand-in merchant
    /// endpoint) and builds the DOKU client over the demo's transport.
    async fn doku_client(&mut self) -> anyhow::Result<DokuClient<HyperTransport>> {
        self.demo.control(
            "POST",
            "doku/partners",
            json!({"client_id": DOKU_CLIENT, "secret_keys": [DOKU_SECRET], "notification_url": self.demo.inbox_url()}),
        )
        .await?;
        Ok(DokuClient::new(
            DokuConfig::new(&self.demo.base, DOKU_CLIENT).plain()?,
            ClientSecret::new(DOKU_SECRET).plain()?,
            self.demo.http.clone(),
        ))
    }

    /// DOKU's customer binding: the registration page (OTP and PIN) must end at the success URL,
    /// after which the token list holds the OVO token the later calls name.
    async fn doku_bind(&mut self, doku: &DokuClient<HyperTransport>) -> anyhow::Result<Secret> {
        let callback = &self.callback;
        let (ok, failed) = (
            format!("{callback}?registration=ok"),
            format!("{callback}?registration=failed"),
        );
        let bound = doku
            .bind(&BindingRequest::recurring(
                Customer::with_id(CUSTOMER),
                BindingAccount::new(PHONE, &ok, &failed),
            ))
            .await
            .plain()
            .context("DOKU binding")?;
        self.demo
            .say("customer binding: 201, registration page, status PENDING");
        let registration = bound.ovo_account.registration_url.clone();
        let landed = if self.demo.open {
            self.demo.wait_for_person(&registration).await?
        } else {
            customer::fill_webview(&registration, PHONE, PIN, true).await?
        };
        ensure!(
            landed.contains("registration=ok"),
            "registration ended at {landed}"
        );
        self.demo
            .say("registration page: OTP and PIN entered; back at success_registration_url");
        let token = doku
            .tokens(&TokenListRequest::wallet_recurring(CUSTOMER))
            .await
            .plain()
            .context("token list")?
            .wallet;
        self.demo.say(format!(
            "token list: OVO token for {} (valid one year)",
            token.masked_phone_number
        ));
        Ok(token.token_id)
    }

    /// Both OVO balances through DOKU, with the customer's DOKU token.
    async fn doku_balance(
        &mut self,
        doku: &DokuClient<HyperTransport>,
        token_id: &Secret,
    ) -> anyhow::Result<()> {
        let balance = doku
            .balance(&BalanceRequest {
                customer: Customer::with_id(CUSTOMER),
                ovo_account: TokenRef {
                    token_id: token_id.clone(),
                },
            })
            .await
            .plain()
            .context("DOKU balance")?;
        self.demo.say(format!(
            "balance: OVO Cash {}, OVO Points {}",
            rupiah(balance.ovo_account.ovo_cash_balance.idr()),
            rupiah(balance.ovo_account.ovo_point_balance.idr())
        ));
        Ok(())
    }

    /// A recurring payment (points first) and DOKU's HMAC-signed HTTP notification of it; returns
    /// the payment's Request-Id, which the refund names.
    async fn doku_pay(
        &mut self,
        doku: &DokuClient<HyperTransport>,
        token_id: &Secret,
    ) -> anyhow::Result<String> {
        let invoice_doku = &self.references.invoice_doku;
        let payment: PaymentRequest = serde_json::from_value(json!({
            "customer": {"id": CUSTOMER},
            "order": {"invoice_number": invoice_doku, "amount": 7_500},
            "ovo_account": {"token_id": token_id.expose(), "payment_use_ovo_point": true},
        }))?;
        let (paid, request_id) = doku.pay(&payment).await.plain().context("DOKU payment")?;
        ensure!(
            matches!(&paid, DokuOutcome::Answered(p) if p.payment.status.as_str() == "SUCCESS"),
            "DOKU payment: {paid:?}"
        );
        self.demo
            .say("recurring payment Rp 7.500,00 (points first): SUCCESS");
        self.doku_notification().await?;
        Ok(request_id)
    }

    /// DOKU's notification of the payment, checked as a merchant must: the HMAC signature, a
    /// first delivery (de-duplicated in the database), and the right invoice.
    async fn doku_notification(&mut self) -> anyhow::Result<()> {
        let (headers, body) = self.demo.notification(2).await?;
        let secret = ClientSecret::new(DOKU_SECRET).plain()?;
        let notified = accept(
            DokuNotificationVerifier::new(DOKU_CLIENT, vec![secret], INBOX)
                .with_dedup(self.stores.store.clone())
                .verify(&headers, &body, time::OffsetDateTime::now_utc()),
            "DOKU notification",
        )
        .await?;
        let invoice_doku = &self.references.invoice_doku;
        ensure!(
            notified
                .order
                .as_ref()
                .and_then(|o| o.invoice_number.as_deref())
                == Some(invoice_doku.as_str()),
            "DOKU notification: {notified:?}"
        );
        self.demo.say(format!(
            "HTTP notification from DOKU: {invoice_doku} paid, HMAC-SHA256 signature verified"
        ));
        Ok(())
    }

    /// A partial refund of the DOKU payment, named by the payment's Request-Id.
    async fn doku_refund(
        &mut self,
        doku: &DokuClient<HyperTransport>,
        request_id: String,
    ) -> anyhow::Result<()> {
        let refund: RefundRequest = serde_json::from_value(json!({
            "order": {"invoice_number": self.references.invoice_doku},
            "payment": {"original_request_id": request_id},
            "refund": {"amount": 2_500, "reason": "Cancel Order"},
        }))?;
        let refunded = doku.refund(&refund).await.plain().context("DOKU refund")?;
        ensure!(
            matches!(&refunded, DokuOutcome::Answered(r) if r.refund.status.as_ref().is_some_and(|s| s.as_str() == "SUCCESS")),
            "DOKU refund: {refunded:?}"
        );
        self.demo
            .say("refund Rp 2.500,00 by the payment's Request-Id: SUCCESS");
        Ok(())
    }

    /// DOKU's unbinding, which deletes the token.
    async fn doku_unbind(
        &mut self,
        doku: &DokuClient<HyperTransport>,
        token_id: Secret,
    ) -> anyhow::Result<()> {
        let mut customer = Customer::with_id(CUSTOMER);
        customer.name = Some("Customer 42".into());
        let unbound = doku
            .unbind(&UnbindRequest {
                customer,
                ovo_account: TokenRef { token_id },
            })
            .await
            .plain()
            .context("DOKU unbind")?;
        ensure!(
            unbound.ovo_account.status == "SUCCESS",
            "DOKU unbind failed"
        );
        self.demo.say("unbind: SUCCESS, the token is deleted");
        Ok(())
    }

    /// The sandbox's ledger, printed, then the proof the demo balances: three captures and two
    /// refunds, and final balances equal to the opening ones less what moved.
    async fn ledger(&mut self) -> anyhow::Result<()> {
        println!("\nLedger");
        let ledger = self.demo.control("GET", "ledger", Value::Null).await?;
        let entries = ledger["entries"].as_array().cloned().unwrap_or_default();
        for entry in &entries {
            println!(
                "  #{} {:<5} {:<8} {:<16} cash {:>16}  points {:>14}",
                entry["sequence"],
                entry["channel"].as_str().unwrap_or_default(),
                entry["kind"].as_str().unwrap_or_default(),
                entry["reference"].as_str().unwrap_or_default(),
                rupiah(money(entry["cash"].as_str().unwrap_or("0.00"))?),
                rupiah(money(entry["points"].as_str().unwrap_or("0.00"))?),
            );
        }
        let (cash, points) = self.demo.balances().await?;
        ensure!(
            entries.len() == 5,
            "the ledger should hold 3 captures and 2 refunds, not {}",
            entries.len()
        );
        // Cash: 150.000 - 25.000 (debit) + 10.000 (refund) - 2.500 (DOKU, after 5.000 points) = 132.500.
        // Points: 10.000 - 5.000 (recurring) - 5.000 (DOKU) + 2.500 (DOKU refund, points first) = 2.500.
        ensure!(
            cash == Idr::from_rupiah(132_500) && points == Idr::from_rupiah(2_500),
            "final balances {} / {}",
            rupiah(cash),
            rupiah(points)
        );
        println!(
            "\n  final balances: OVO Cash {}, OVO Points {}; every capture and refund is in the ledger",
            rupiah(cash),
            rupiah(points)
        );
        println!(
            "\ndemo OK: {} steps in {:.2}s, no network needed",
            self.demo.step,
            self.demo.started.elapsed().as_secs_f64()
        );
        Ok(())
    }
}
