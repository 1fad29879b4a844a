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

impl Run {
    /// Records a scenario: the last exchange with `path` among the exchanges in `range`.
    fn record(
        &mut self,
        range: std::ops::Range<usize>,
        api: &'static str,
        path: &str,
        positive: bool,
        expected: &'static str,
    ) {
        let exchanges = self.sink.exchanges();
        let end = range.end.min(exchanges.len());
        let exchange = exchanges
            .get(range.start.min(end)..end)
            .unwrap_or_default()
            .iter()
            .rfind(|e| e.request.contains(path))
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
            "{:>2}. {api:<28} {:<8} expected {expected}, got {actual}: {mark}",
            self.scenarios.len() + 1,
            if positive { "positive" } else { "negative" }
        );
        self.scenarios.push(Scenario {
            api,
            positive,
            expected,
            actual,
            exchange,
        });
    }

    fn mark(&self) -> usize {
        self.sink.exchanges().len()
    }

    async fn scenarios(&mut self, unregistered: &str) -> anyhow::Result<()> {
        let merchant = self.client.config().merchant_id.clone();
        let binding = |phone: &str| BindingRequest {
            partner_reference_no: Some("BI-BIND-1".into()),
            merchant_id: merchant.clone(),
            phone_no: Some(phone.to_owned()),
            ..Default::default()
        };
        let (bind_path, unbind_path) = (
            "registration-account-binding",
            "registration-account-unbinding",
        );

        let from = self.mark();
        let pending = self
            .client
            .begin_linking("bi", &binding(&self.phone))
            .await
            .plain()
            .context("binding")?;
        self.record(
            from..usize::MAX,
            "Account Binding",
            bind_path,
            true,
            "2000700",
        );
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
            .begin_linking("bi-unknown", &binding(unregistered))
            .await;
        self.record(
            from..usize::MAX,
            "Account Binding",
            bind_path,
            false,
            "4040711",
        );

        let from = self.mark();
        self.client.balance("bi").await.plain().context("balance")?;
        self.record(
            from..usize::MAX,
            "Balance Inquiry",
            "balance-inquiry",
            true,
            "2001100",
        );
        let from = self.mark();
        let mut bogus = calls::balance(&BalanceInquiryRequest::default()).plain()?;
        bogus.authorization = Authorization::Bearer(Secret::new("invalid-access-token"));
        let _ = self.client.execute(&bogus, None).await;
        self.record(
            from..usize::MAX,
            "Balance Inquiry",
            "balance-inquiry",
            false,
            "4011102",
        );

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
        self.record(
            from..usize::MAX,
            "Direct Debit Payment",
            "payment-host-to-host",
            true,
            "2005400",
        );
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
        self.record(
            from..usize::MAX,
            "Direct Debit Payment",
            "payment-host-to-host",
            false,
            "4095401",
        );

        let from = self.mark();
        self.client
            .status("bi", "BI-INV-0001")
            .await
            .plain()
            .context("status")?;
        self.record(
            from..usize::MAX,
            "Direct Debit Payment Status",
            "debit/status",
            true,
            "2005500",
        );
        let from = self.mark();
        let bogus = calls::status(
            Authorization::Bearer(Secret::new("invalid-token")),
            "BI-INV-0001",
        )
        .plain()?;
        let _ = self.client.execute(&bogus, None).await;
        self.record(
            from..usize::MAX,
            "Direct Debit Payment Status",
            "debit/status",
            false,
            "4015502", // status takes the customer's token [S]: an invalid one is 401xx02
        );

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
        self.record(
            from..usize::MAX,
            "Direct Debit Refund",
            "debit/refund",
            true,
            "2005800",
        );
        let from = self.mark();
        let too_much = RefundRequest::new(
            "BI-INV-0001",
            "BI-RF-0002",
            SnapMoney::idr(Idr::from_rupiah(600)),
        );
        let _ = self.client.refund("bi", &too_much).await;
        self.record(
            from..usize::MAX,
            "Direct Debit Refund",
            "debit/refund",
            false,
            "4035815",
        );

        let from = self.mark();
        let bogus = Call::ovo(
            OvoEndpoint::Unbinding,
            br#"{"partnerReferenceNo":"BI-UNBIND-0"}"#.to_vec(),
            Authorization::Bearer(Secret::new("invalid-access-token")),
        );
        let _ = self.client.execute(&bogus, None).await;
        let negative_unbinding = from..self.mark();
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
        self.record(
            from..usize::MAX,
            "Account Unbinding",
            unbind_path,
            true,
            "2000900",
        );
        self.record(
            negative_unbinding,
            "Account Unbinding",
            unbind_path,
            false,
            "4010702", // the FAQ's published example answers service 07 [S]
        );
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
