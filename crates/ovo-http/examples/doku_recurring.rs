//! OVO through DOKU's OVO Recurring API against an in-process sandbox: bind the customer's OVO
//! account (OVO's OTP and PIN page), read the token list and the balance, pay, refund.
//!
//! ```sh
//! cargo run -p ovo-http --example doku_recurring
//! ```
//!
//! Against DOKU, drop the sandbox and use `DokuConfig::sandbox(client_id)` with your secret key.

use ovo_http::ovo_model::Idr;
use ovo_http::ovo_model::doku::{
    BalanceRequest, BindingAccount, BindingRequest, Customer, PaymentRequest, RefundRequest,
    TokenListRequest, TokenRef,
};
use ovo_http::ovo_sign::ClientSecret;
use ovo_http::{DokuClient, DokuConfig, DokuOutcome, HyperTransport};
use ovo_sandbox::{AccountSpec, DokuPartnerSpec, Sandbox};

const PHONE: &str = "6281234567890";
const PIN: &str = "246810";
const CLIENT_ID: &str = "BRN-0201-EXAMPLE";
const SECRET: &str = "SK-example-secret";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The sandbox plays DOKU and OVO: enroll the merchant and a customer.
    let sandbox = Sandbox::start().await?;
    sandbox.enroll_doku_partner(&DokuPartnerSpec::new(CLIENT_ID, SECRET))?;
    sandbox.add_account(&AccountSpec::new(PHONE, PIN, Idr::from_rupiah(100_000)))?;
    let base = sandbox.base_url();
    let doku = DokuClient::new(
        DokuConfig::new(base, CLIENT_ID)?,
        ClientSecret::new(SECRET)?,
        HyperTransport::new()?,
    );

    // Binding: DOKU answers OVO's registration page; the customer types the OTP and PIN there.
    let (success, failed) = (
        format!("{base}/_sandbox/callback?ok"),
        format!("{base}/_sandbox/callback?ko"),
    );
    let binding = BindingRequest::recurring(
        Customer::with_id("customer-1"),
        BindingAccount::new(PHONE, &success, &failed),
    );
    let page = doku.bind(&binding).await?.ovo_account.registration_url;
    ovo_sandbox::Customer::new(PHONE, PIN)
        .complete(&page)
        .await?;
    let token = doku
        .tokens(&TokenListRequest::wallet_recurring("customer-1"))
        .await?
        .wallet
        .token_id;
    println!("Bound");
    let balance = doku
        .balance(&BalanceRequest {
            customer: Customer::with_id("customer-1"),
            ovo_account: TokenRef {
                token_id: token.clone(),
            },
        })
        .await?;
    println!("OVO Cash {}", balance.ovo_account.ovo_cash_balance.0);

    // A recurring payment, sent once; its Request-Id is what a refund refers to [S].
    let payment: PaymentRequest = ovo_http::ovo_model::from_json(
        serde_json::json!({
            "customer": {"id": "customer-1"},
            "order": {"invoice_number": "INV-1", "amount": 10_000},
            "ovo_account": {"token_id": token.expose()},
        })
        .to_string()
        .as_bytes(),
    )?;
    let (outcome, request_id) = doku.pay(&payment).await?;
    let DokuOutcome::Answered(paid) = outcome else {
        return Err(format!("not paid: {outcome:?}").into());
    };
    println!("Payment {}", paid.payment.status);

    let refund: RefundRequest = ovo_http::ovo_model::from_json(
        serde_json::json!({
            "order": {"invoice_number": "INV-1"},
            "payment": {"original_request_id": request_id},
            "refund": {"amount": 2_500, "reason": "Cancel Order"},
        })
        .to_string()
        .as_bytes(),
    )?;
    let DokuOutcome::Answered(refunded) = doku.refund(&refund).await? else {
        return Err("the refund was not answered".into());
    };
    let status = refunded.refund.status.as_ref().map_or("", |s| s.as_str());
    println!("Refund {status}");
    Ok(())
}
