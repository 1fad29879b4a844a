//! Link an OVO account, read its balance, debit it (the two-phase debit: call 1, the customer's
//! PIN in OVO's webview, call 2) and refund it, against an in-process sandbox.
//!
//! ```sh
//! cargo run -p ovo-http --example debit
//! ```
//!
//! Against OVO's staging, drop the sandbox: build `SnapConfig::staging(..)` with your client id
//! and callback URL, load your own keys, and let your callback route call `finish_*`.

use ovo_http::ovo_model::snap::{BindingRequest, DirectDebitRequest, RefundRequest};
use ovo_http::ovo_model::{Idr, SnapMoney};
use ovo_http::ovo_sign::{ClientSecret, PrivateKey};
use ovo_http::{
    DebitOutcome, DebitProgress, HyperTransport, LinkingOutcome, OvoClient, RefundOutcome,
    SnapConfig, SnapCredentials,
};
use ovo_sandbox::{AccountSpec, Customer, PartnerSpec, Sandbox};

const PHONE: &str = "6281234567890";
const PIN: &str = "246810";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The sandbox plays OVO: enroll the merchant (its secret and public key) and a customer.
    let sandbox = Sandbox::start().await?;
    let keys = env!("CARGO_MANIFEST_DIR").to_owned() + "/../ovo-sign/tests/vectors/keys";
    let callback = format!("{}/_sandbox/callback", sandbox.base_url());
    let public_key = std::fs::read_to_string(format!("{keys}/rsa2048-public-pkcs1.pem"))?;
    sandbox.enroll_partner(
        &PartnerSpec::new("oamerchant", "client-secret", public_key).callback_url(&callback),
    )?;
    sandbox.add_account(&AccountSpec::new(PHONE, PIN, Idr::from_rupiah(100_000)))?;
    let customer = Customer::new(PHONE, PIN); // types the OTP and PIN in OVO's webview

    // The merchant's client.
    let config = SnapConfig::builder(sandbox.base_url(), "oamerchant")
        .callback_url(&callback)
        .build()?;
    let credentials = SnapCredentials {
        private_key: PrivateKey::from_pem(&std::fs::read(format!("{keys}/rsa2048-pkcs8.pem"))?)?,
        client_secret: ClientSecret::new("client-secret")?,
    };
    let client = OvoClient::new(config, credentials, HyperTransport::new()?);

    // Link: binding, the webview (OTP and PIN), the customer's tokens.
    let binding = BindingRequest {
        phone_no: Some(PHONE.into()),
        ..Default::default()
    };
    let pending = client.begin_linking("customer-1", &binding).await?;
    let redirect = customer.complete(&pending.webview_url).await?.redirect;
    let linked = client.finish_linking(&pending.id, &redirect).await?;
    let LinkingOutcome::Linked(_) = linked else {
        return Err(format!("not linked: {linked:?}").into());
    };
    println!("Linked");

    // The balance, before each debit [S].
    for info in client.balance("customer-1").await?.account_infos {
        println!(
            "{:?} {}",
            info.balance_type,
            info.amount.map(|m| m.value).unwrap_or_default()
        );
    }

    // The two-phase debit: call 1 opens the PIN webview; the callback finishes it (call 2).
    // (A recurring debit settles at once: `DebitProgress::Done(outcome)`.)
    let request = DirectDebitRequest::new("INV-1", SnapMoney::idr(Idr::from_rupiah(25_000)));
    let DebitProgress::Webview(pending) = client.begin_debit("customer-1", &request).await? else {
        return Err("the debit settled without the PIN webview".into());
    };
    let redirect = customer.complete(&pending.webview_url).await?.redirect;
    let outcome = client.finish_debit(&pending.id, &redirect).await?;
    let DebitOutcome::Paid { .. } = outcome else {
        return Err(format!("not paid: {outcome:?}").into());
    };
    println!("Paid");

    let refund = RefundRequest::new("INV-1", "RF-1", SnapMoney::idr(Idr::from_rupiah(25_000)));
    let outcome = client.refund("customer-1", &refund).await?;
    let RefundOutcome::Refunded { .. } = outcome else {
        return Err(format!("not refunded: {outcome:?}").into());
    };
    println!("Refunded");
    Ok(())
}
