//! `cargo xtask bi-evidence`: the 12 devsite scenarios OVO partners file with BI (a positive and a
//! negative case for binding, unbinding, balance, direct debit, status and refund \[S\]), run through
//! the client, each request and response recorded with every header in cURL form \[S\], written as
//! Markdown and CSV.
//!
//! The records hold credentials (signatures, tokens): the files are created 0600.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context as _, anyhow};
use clap::{Args, ValueEnum};
use ovo_flows::{
    Authorization, Call, DebitOutcome, OvoEndpoint, SnapConfig, SnapCredentials, calls,
};
use ovo_http::{
    DebitProgress, Exchange, HyperTransport, MemorySink, OvoClient, RecordingTransport,
    UnbindingProgress,
};
use ovo_model::snap::{BalanceInquiryRequest, BindingRequest, DirectDebitRequest, RefundRequest};
use ovo_model::{Idr, Secret, SnapMoney};
use ovo_sign::{ClientSecret, FilePermissions, PrivateKey};

use crate::{Plain as _, customer, enroll, keys};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Env {
    /// The embedded sandbox: offline, nothing to configure.
    Sandbox,
    /// OVO's staging: your credentials, your stage account, and you in the webviews.
    Staging,
}

/// `cargo xtask bi-evidence`.
#[derive(Debug, Args)]
pub(crate) struct EvidenceArgs {
    /// Where to run the scenarios.
    #[arg(long, value_enum, default_value_t = Env::Sandbox)]
    env: Env,
    /// Directory for evidence.md and evidence.csv (created; existing files are not overwritten).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Staging: your client id.
    #[arg(long, required_if_eq("env", "staging"))]
    client_id: Option<String>,
    /// Staging: your signing private key (PEM, mode 0600).
    #[arg(long, value_name = "FILE", required_if_eq("env", "staging"))]
    private_key: Option<PathBuf>,
    /// Staging: the file holding your client secret.
    #[arg(long, value_name = "FILE", required_if_eq("env", "staging"))]
    client_secret_file: Option<PathBuf>,
    /// Staging: one of your registered callback URLs.
    #[arg(long, required_if_eq("env", "staging"))]
    callback_url: Option<String>,
    /// The OVO stage account's phone (the sandbox creates one).
    #[arg(long, default_value = "6281234567890")]
    phone: String,
    /// A phone without an OVO account (the negative binding case).
    #[arg(long, default_value = "6289900000000")]
    unregistered_phone: String,
}

/// One scenario's record.
struct Scenario {
    api: &'static str,
    positive: bool,
    expected: &'static str,
    actual: String,
    exchange: Option<Exchange>,
}

/// Who completes the webviews.
enum Person {
    Program { pin: String },
    Human,
}

impl Person {
    async fn webview(&self, url: &str, phone: &str, needs_otp: bool) -> anyhow::Result<String> {
        match self {
            Self::Program { pin } => customer::fill_webview(url, phone, pin, needs_otp).await,
            Self::Human => customer::ask_person(url),
        }
    }
}

struct Run {
    client: OvoClient<RecordingTransport<HyperTransport>>,
    sink: Arc<MemorySink>,
    person: Person,
    phone: String,
    scenarios: Vec<Scenario>,
}

/// The `responseCode` of a recorded response.
fn code_of(exchange: &Exchange) -> String {
    let body = exchange
        .response
        .split_once("\n\n")
        .map_or("", |(_, body)| body);
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["responseCode"].as_str().map(str::to_owned))
        .unwrap_or_else(|| "(none)".into())
}

/// One of the six APIs BI's scenarios cover: its name in the evidence and a part of its path that
/// picks its exchange out of the recorded ones.
#[derive(Clone, Copy)]
struct Api {
    name: &'static str,
    path: &'static str,
}

impl Api {
    const fn new(name: &'static str, path: &'static str) -> Self {
        Self { name, path }
    }
}

const BINDING: Api = Api::new("Account Binding", "registration-account-binding");
const BALANCE: Api = Api::new("Balance Inquiry", "balance-inquiry");
const DEBIT: Api = Api::new("Direct Debit Payment", "payment-host-to-host");
const STATUS: Api = Api::new("Direct Debit Payment Status", "debit/status");
const REFUND: Api = Api::new("Direct Debit Refund", "debit/refund");
const UNBINDING: Api = Api::new("Account Unbinding", "registration-account-unbinding");

impl Run {
    /// Records a scenario: the last exchange with the API's path among the exchanges in `range`.
    fn record(
        &mut self,
        range: std::ops::Range<usize>,
        api: Api,
        positive: bool,
        expected: &'static str,
    ) {
        let exchanges = self.sink.exchanges();
        let end = range.end.min(exchanges.len());
        let exchange = exchanges
            .get(range.start.min(end)..end)
            .unwrap_or_default()
            .iter()
            .rfind(|e| e.request.contains(api.path))
            .cloned();
        let actual = exchange
            .as_ref()
            .map_or_else(|| "(no exchange)".into(), code_of);
        let mark = if actual == expected {
            "as expected"
        } else {
            "UNEXPECTED"
        };
        println!(
            "{:>2}. {:<28} {:<8} expected {expected}, got {actual}: {mark}",
            self.scenarios.len() + 1,
            api.name,
            if positive { "positive" } else { "negative" }
        );
        self.scenarios.push(Scenario {
            api: api.name,
            positive,
            expected,
            actual,
            exchange,
        });
    }

    /// Records a scenario from the exchanges made since `from` (a [`Run::mark`]).
    fn record_since(&mut self, from: usize, api: Api, positive: bool, expected: &'static str) {
        self.record(from..usize::MAX, api, positive, expected);
    }

    fn mark(&self) -> usize {
        self.sink.exchanges().len()
    }

    /// BI's twelve scenarios in BI's order, a positive and a negative case per API. The positive
    /// cases build on each other (the binding gives the token the debit uses, the debit is what
    /// the status inquiry and the refund name), so they run in this order.
    async fn scenarios(&mut self, unregistered: &str) -> anyhow::Result<()> {
        self.binding(unregistered).await?;
        self.balance().await?;
        self.debit().await?;
        self.status().await?;
        self.refund().await?;
        self.unbinding().await
    }

    /// The binding request of this run's customer, for `phone`.
    fn binding_request(&self, phone: &str) -> BindingRequest {
        BindingRequest {
            partner_reference_no: Some("BI-BIND-1".into()),
            merchant_id: self.client.config().merchant_id.clone(),
            phone_no: Some(phone.to_owned()),
            ..Default::default()
        }
    }

    /// Binding: the stage account's phone, completed in the webview so that the later scenarios
    /// have a customer token; then a phone OVO does not know, which OVO refuses.
    async fn binding(&mut self, unregistered: &str) -> anyhow::Result<()> {
        let from = self.mark();
        let pending = self
            .client
            .begin_linking("bi", &self.binding_request(&self.phone))
            .await
            .plain()
            .context("binding")?;
        self.record_since(from, BINDING, true, "2000700");
        let callback = self
            .person
            .webview(&pending.webview_url, &self.phone, true)
            .await?;
        self.client
            .finish_linking(&pending.id, &callback)
            .await
            .plain()
            .context("B2B2C token")?;
        let from = self.mark();
        let _ = self
            .client
            .begin_linking("bi-unknown", &self.binding_request(unregistered))
            .await;
        self.record_since(from, BINDING, false, "4040711");
        Ok(())
    }

    /// Balance inquiry with the customer's token, then with a token OVO never issued.
    async fn balance(&mut self) -> anyhow::Result<()> {
        let from = self.mark();
        self.client.balance("bi").await.plain().context("balance")?;
        self.record_since(from, BALANCE, true, "2001100");
        let from = self.mark();
        let mut bogus = calls::balance(&BalanceInquiryRequest::default()).plain()?;
        bogus.authorization = Authorization::Bearer(Secret::new("invalid-access-token"));
        let _ = self.client.execute(&bogus, None).await;
        self.record_since(from, BALANCE, false, "4011102");
        Ok(())
    }

    /// A direct debit (its PIN webview completed if OVO asks for it), then a second debit with the
    /// same reference, which OVO refuses as a duplicate.
    async fn debit(&mut self) -> anyhow::Result<()> {
        let payment =
            DirectDebitRequest::new("BI-INV-0001", SnapMoney::idr(Idr::from_rupiah(1_000)));
        let from = self.mark();
        match self
            .client
            .begin_debit("bi", &payment)
            .await
            .plain()
            .context("debit")?
        {
            DebitProgress::Webview(pending) => {
                let callback = self
                    .person
                    .webview(&pending.webview_url, &self.phone, false)
                    .await?;
                let outcome = self
                    .client
                    .finish_debit(&pending.id, &callback)
                    .await
                    .plain()
                    .context("debit")?;
                if !matches!(outcome, DebitOutcome::Paid { .. }) {
                    println!("    the debit ended {outcome:?}");
                }
            }
            DebitProgress::Done(outcome) => println!("    the debit ended {outcome:?}"),
        }
        self.record_since(from, DEBIT, true, "2005400");
        let from = self.mark();
        let access = self.client.access_token("bi").await.plain()?;
        let duplicate =
            DirectDebitRequest::new("BI-INV-0001", SnapMoney::idr(Idr::from_rupiah(2_000)));
        let call = Call::ovo(
            OvoEndpoint::Debit,
            serde_json::to_vec(&duplicate)?,
            Authorization::Bearer(access.clone()),
        );
        let _ = self.client.execute(&call, None).await;
        self.record_since(from, DEBIT, false, "4095401");
        Ok(())
    }

    /// The debit's status, then the same inquiry with an invalid customer token.
    async fn status(&mut self) -> anyhow::Result<()> {
        let from = self.mark();
        self.client
            .status("bi", "BI-INV-0001")
            .await
            .plain()
            .context("status")?;
        self.record_since(from, STATUS, true, "2005500");
        let from = self.mark();
        let bogus = calls::status(
            Authorization::Bearer(Secret::new("invalid-token")),
            "BI-INV-0001",
        )
        .plain()?;
        let _ = self.client.execute(&bogus, None).await;
        // Status takes the customer's token [S]: an invalid one is 401xx02.
        self.record_since(from, STATUS, false, "4015502");
        Ok(())
    }

    /// A partial refund of the debit, then a second one that would refund more than is left.
    async fn refund(&mut self) -> anyhow::Result<()> {
        let from = self.mark();
        let refund = RefundRequest::new(
            "BI-INV-0001",
            "BI-RF-0001",
            SnapMoney::idr(Idr::from_rupiah(500)),
        );
        self.client
            .refund("bi", &refund)
            .await
            .plain()
            .context("refund")?;
        self.record_since(from, REFUND, true, "2005800");
        let from = self.mark();
        let too_much = RefundRequest::new(
            "BI-INV-0001",
            "BI-RF-0002",
            SnapMoney::idr(Idr::from_rupiah(600)),
        );
        let _ = self.client.refund("bi", &too_much).await;
        self.record_since(from, REFUND, false, "4035815");
        Ok(())
    }

    /// Unbinding. The negative case (an invalid token) runs first, while the customer is still
    /// bound, but is recorded after the positive one, in BI's order.
    async fn unbinding(&mut self) -> anyhow::Result<()> {
        let from = self.mark();
        let bogus = Call::ovo(
            OvoEndpoint::Unbinding,
            br#"{"partnerReferenceNo":"BI-UNBIND-0"}"#.to_vec(),
            Authorization::Bearer(Secret::new("invalid-access-token")),
        );
        let _ = self.client.execute(&bogus, None).await;
        let negative = from..self.mark();
        let from = self.mark();
        match self
            .client
            .begin_unbinding("bi", Some("BI-UNBIND-1".into()))
            .await
            .plain()
            .context("unbinding")?
        {
            UnbindingProgress::Webview(pending) => {
                let callback = self
                    .person
                    .webview(&pending.webview_url, &self.phone, false)
                    .await?;
                self.client
                    .finish_unbinding(&pending.id, &callback)
                    .await
                    .plain()
                    .context("unbinding")?;
            }
            UnbindingProgress::Done(_) => {}
        }
        self.record_since(from, UNBINDING, true, "2000900");
        // The FAQ's published example answers service 07 [S].
        self.record(negative, UNBINDING, false, "4010702");
        Ok(())
    }
}

fn csv_field(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

fn write(out: &Path, scenarios: &[Scenario], env: Env) -> anyhow::Result<()> {
    std::fs::create_dir_all(out).with_context(|| out.display().to_string())?;
    let mut markdown = format!(
        "# BI SNAP devsite scenarios ({})\n\nEach request and response with every header, in cURL form. **These records hold credentials.**\n\n| # | API | case | expected | result |\n|---|---|---|---|---|\n",
        if env == Env::Sandbox {
            "ovo-rs sandbox"
        } else {
            "OVO staging"
        }
    );
    let mut csv =
        String::from("no,api,case,expected_code,response_code,outcome,request,response\n");
    for (i, s) in scenarios.iter().enumerate() {
        let case = if s.positive { "positive" } else { "negative" };
        let outcome = if s.actual.starts_with('2') {
            "accepted"
        } else {
            "rejected"
        };
        markdown.push_str(&format!(
            "| {} | {} | {case} | `{}` | `{}` {outcome} |\n",
            i + 1,
            s.api,
            s.expected,
            s.actual
        ));
        let (request, response) = s
            .exchange
            .as_ref()
            .map_or(("", ""), |e| (e.request.as_str(), e.response.as_str()));
        csv.push_str(&format!(
            "{},{},{case},{},{},{outcome},{},{}\n",
            i + 1,
            csv_field(s.api),
            s.expected,
            s.actual,
            csv_field(request),
            csv_field(response)
        ));
    }
    for (i, s) in scenarios.iter().enumerate() {
        let (request, response) = s.exchange.as_ref().map_or(("(none)", "(none)"), |e| {
            (e.request.as_str(), e.response.as_str())
        });
        markdown.push_str(&format!(
            "\n## {}. {}, {}\n\nExpected `{}`, got `{}`.\n\nRequest:\n\n```\n{request}\n```\n\nResponse:\n\n```\n{response}\n```\n",
            i + 1, s.api, if s.positive { "positive" } else { "negative" }, s.expected, s.actual
        ));
    }
    keys::write_new(&out.join("evidence.md"), markdown.as_bytes(), true)?;
    keys::write_new(&out.join("evidence.csv"), csv.as_bytes(), true)
}

/// Runs the scenarios and writes the evidence; exit 1 if any answer differs from the expected one.
pub(crate) fn run(args: &EvidenceArgs) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let http = HyperTransport::new().plain()?;
        let sink = Arc::new(MemorySink::default());
        let transport = RecordingTransport::new(http.clone(), sink.clone());
        // The sandbox's key directory, removed when dropped (at the end, or on an error).
        let (client, person, _sandbox, _keys) = match args.env {
            Env::Sandbox => {
                let sandbox = ovo_sandbox::Sandbox::start().await?;
                let base = sandbox.base_url().to_owned();
                let provisioned = enroll::provision(&base).await?;
                let pin = "123456".to_owned();
                let account = serde_json::json!({"phone": args.phone, "pin": pin, "cash": "100000.00"});
                enroll::control(&base, "accounts", &account).await?;
                let config = SnapConfig::builder(&base, &provisioned.client_id)
                    .callback_url(format!("{base}/_sandbox/callback"))
                    .build()
                    .plain()?;
                let credentials = SnapCredentials {
                    private_key: PrivateKey::from_pem_file(&provisioned.dir.path().join("signing-private-pkcs1.pem"), FilePermissions::Strict).plain()?,
                    client_secret: ClientSecret::new(provisioned.client_secret.clone()).plain()?,
                };
                (OvoClient::new(config, credentials, transport), Person::Program { pin }, Some(sandbox), Some(provisioned.dir))
            }
            Env::Staging => {
                let missing = |what: &str| anyhow!("--env staging needs {what}");
                let config = SnapConfig::staging(args.client_id.clone().ok_or_else(|| missing("--client-id"))?)
                    .callback_url(args.callback_url.clone().ok_or_else(|| missing("--callback-url"))?)
                    .build()
                    .plain()?;
                let key = args.private_key.as_ref().ok_or_else(|| missing("--private-key"))?;
                let secret = args.client_secret_file.as_ref().ok_or_else(|| missing("--client-secret-file"))?;
                let credentials = SnapCredentials {
                    private_key: PrivateKey::from_pem_file(key, FilePermissions::Strict).plain()?,
                    client_secret: ClientSecret::from_file(secret, FilePermissions::Strict).plain()?,
                };
                (OvoClient::new(config, credentials, transport), Person::Human, None, None)
            }
        };
        let mut run = Run { client, sink, person, phone: args.phone.clone(), scenarios: Vec::new() };
        run.scenarios(&args.unregistered_phone).await?;
        write(&args.out, &run.scenarios, args.env)?;
        let accepted = run.scenarios.iter().filter(|s| s.actual.starts_with('2')).count();
        let as_expected = run.scenarios.iter().all(|s| s.actual == s.expected);
        println!(
            "\n{} scenarios: {accepted} accepted, {} rejected; evidence in {} (evidence.md, evidence.csv)",
            run.scenarios.len(),
            run.scenarios.len() - accepted,
            args.out.display()
        );
        Ok(if as_expected { ExitCode::SUCCESS } else { ExitCode::from(1) })
    })
}
