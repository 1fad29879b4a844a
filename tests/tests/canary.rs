//! No secret or token reaches the logs or any `Debug` output: canary secrets, TRACE logging, the
//! full flows (errors included), then a search for every secret and token the run produced, and
//! for their base64 and hex forms.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

use std::io::Write;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use ovo_e2e::E2e;
use ovo_flows::{DebitOutcome, RefundOutcome};
use ovo_http::{ClientOptions, DebitProgress, MemoryTokenStore, TokenStore, UnbindingProgress};
use ovo_model::doku::{
    BalanceRequest, BindingAccount, BindingRequest, Customer, PaymentRequest, TokenListRequest,
    TokenRef, UnbindRequest,
};
use ovo_model::snap::{DirectDebitRequest, RefundRequest};
use ovo_model::{Idr, SnapMoney};

const SNAP_SECRET: &str = "CANARY-SNAP-SECRET-5e0d9a";
const DOKU_SECRET: &str = "CANARY-DOKU-SECRET-77b3c2";
const PHONE: &str = "6281600000004";

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn forms(secret: &str) -> Vec<String> {
    vec![
        secret.to_owned(),
        base64::engine::general_purpose::STANDARD.encode(secret),
        hex::encode(secret),
    ]
}

#[tokio::test]
async fn no_secret_or_token_in_trace_logs_or_debug_output() {
    let logs = Capture::default();
    let writer = logs.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();

    let e2e = E2e::with(
        ovo_sandbox::SandboxConfig::default(),
        ClientOptions::default(),
        SNAP_SECRET,
        DOKU_SECRET,
    )
    .await;
    e2e.account(PHONE, "90000.00", "1000.00").await;
    let store = Arc::new(MemoryTokenStore::default());
    let client = e2e
        .builder_with(e2e.transport())
        .options(ClientOptions::default())
        .token_store(store.clone())
        .build();
    let mut secrets = vec![SNAP_SECRET.to_owned(), DOKU_SECRET.to_owned()];
    let mut shown = Vec::new();

    // Linking, with every token and code the provider hands out collected.
    let binding = ovo_model::snap::BindingRequest {
        merchant_id: ovo_e2e::CLIENT_ID.to_owned(),
        phone_no: Some(PHONE.to_owned()),
        ..Default::default()
    };
    let pending = client.begin_linking("canary", &binding).await.unwrap();
    shown.push(format!("{pending:?} {pending:#?}"));
    let linkage = pending
        .webview_url
        .split("token=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    let callback = e2e.complete_webview(&pending.webview_url, PHONE).await;
    let (parsed, _) = ovo_model::snap::WebviewCallback::from_url(&callback).unwrap();
    secrets.extend([linkage, parsed.auth_code.unwrap().expose().to_owned()]);
    let linked = client.finish_linking(&pending.id, &callback).await.unwrap();
    shown.push(format!("{linked:?} {linked:#?}"));
    let tokens = store.get("canary").await.unwrap().unwrap();
    secrets.extend([
        tokens.access.expose().to_owned(),
        tokens.refresh.clone().unwrap().expose().to_owned(),
    ]);
    secrets.push(client.b2b_token().await.unwrap().token.expose().to_owned());

    shown.push(format!("{:?}", client.balance("canary").await.unwrap()));
    let request = DirectDebitRequest::new("INV-CANARY-1", SnapMoney::idr(Idr::from_rupiah(5_000)));
    let DebitProgress::Webview(pending) = client.begin_debit("canary", &request).await.unwrap()
    else {
        panic!()
    };
    shown.push(format!("{pending:?} {pending:#?}"));
    let callback = e2e.complete_webview(&pending.webview_url, PHONE).await;
    let (parsed, _) = ovo_model::snap::WebviewCallback::from_url(&callback).unwrap();
    secrets.push(parsed.auth_code.unwrap().expose().to_owned());
    let paid = client.finish_debit(&pending.id, &callback).await.unwrap();
    assert!(matches!(paid, DebitOutcome::Paid { .. }));
    let refund = client
        .refund(
            "canary",
            &RefundRequest::new(
                "INV-CANARY-1",
                "RF-C-1",
                SnapMoney::idr(Idr::from_rupiah(1_000)),
            ),
        )
        .await
        .unwrap();
    assert!(matches!(refund, RefundOutcome::Refunded { .. }));
    let refused = client
        .refund(
            "canary",
            &RefundRequest::new(
                "INV-CANARY-1",
                "RF-C-2",
                SnapMoney::idr(Idr::from_rupiah(99_000)),
            ),
        )
        .await
        .unwrap();
    shown.push(format!("{paid:?} {refund:?} {refused:?} {refused:#?}"));
    let UnbindingProgress::Webview(pending) = client.begin_unbinding("canary", None).await.unwrap()
    else {
        panic!()
    };
    secrets.push(
        pending
            .webview_url
            .split("token=")
            .nth(1)
            .unwrap()
            .split('&')
            .next()
            .unwrap()
            .to_owned(),
    );
    let callback = e2e.complete_webview(&pending.webview_url, PHONE).await;
    let (parsed, _) = ovo_model::snap::WebviewCallback::from_url(&callback).unwrap();
    secrets.push(parsed.auth_code.unwrap().expose().to_owned());
    shown.push(format!("{pending:?}"));
    client
        .finish_unbinding(&pending.id, &callback)
        .await
        .unwrap();
    let not_bound = client.balance("canary").await.unwrap_err();
    shown.push(format!("{not_bound} {not_bound:?} {client:?} {client:#?}"));

    // DOKU, with its token.
    let base = e2e.base();
    let bind = e2e
        .doku
        .bind(&BindingRequest::recurring(
            Customer::with_id("DC"),
            BindingAccount::new(PHONE, format!("{base}/ok"), format!("{base}/ko")),
        ))
        .await
        .unwrap();
    e2e.complete_webview(&bind.ovo_account.registration_url, PHONE)
        .await;
    let token = e2e
        .doku
        .tokens(&TokenListRequest::wallet_recurring("DC"))
        .await
        .unwrap()
        .wallet
        .token_id;
    secrets.push(token.expose().to_owned());
    let balance = e2e
        .doku
        .balance(&BalanceRequest {
            customer: Customer::with_id("DC"),
            ovo_account: TokenRef {
                token_id: token.clone(),
            },
        })
        .await
        .unwrap();
    let payment: PaymentRequest = serde_json::from_value(serde_json::json!({
        "customer": {"id": "DC"}, "order": {"invoice_number": "INV-DC-1", "amount": 100}, "ovo_account": {"token_id": token.expose()}
    })).unwrap();
    let paid = e2e.doku.pay(&payment).await.unwrap();
    let unbound = e2e
        .doku
        .unbind(&UnbindRequest {
            customer: Customer {
                name: Some("n".into()),
                ..Customer::with_id("DC")
            },
            ovo_account: TokenRef {
                token_id: token.clone(),
            },
        })
        .await
        .unwrap();
    let refused = e2e
        .doku
        .balance(&BalanceRequest {
            customer: Customer::with_id("DC"),
            ovo_account: TokenRef { token_id: token },
        })
        .await
        .unwrap_err();
    shown.push(format!(
        "{balance:?} {paid:?} {unbound:?} {unbound:#?} {refused} {refused:?} {:?}",
        e2e.doku
    ));

    let logs = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("ovo.call") && logs.contains("ovo.debit") && logs.contains("doku.pay"),
        "the logs were captured: {logs}"
    );
    let haystack = format!("{logs}\n{}", shown.join("\n"));
    for secret in &secrets {
        assert!(secret.len() >= 8, "a real secret: {secret:?}");
        for form in forms(secret) {
            assert!(!haystack.contains(&form), "{form} leaked");
        }
    }
    assert_eq!(
        secrets.len(),
        11,
        "two secrets, two linkage tokens, three auth codes, access, refresh, B2B and DOKU tokens"
    );
}
