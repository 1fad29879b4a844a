//! The merchant example (`examples/merchant.rs`) in headless Chromium, as its customer uses it:
//! the shop's home page, "Link OVO", OVO's OTP/PIN webview, back on the shop; "Pay", OVO's PIN
//! webview, the order page saying paid (and OVO's signed notification received); "Refund", and
//! the order refunded. And a DOKU payment's notification, verified and acknowledged by the
//! shop's DOKU route (no browser needed).
//!
//! Needs Debian's `chromium` and `chromium-driver`: without them the test is reported ignored,
//! unless `OVO_REQUIRE_BROWSER=1` (set by CI), where it fails. A `harness = false` target:
//! `ovo_sandbox::webdriver` holds the WebDriver client and the trial.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

// The example itself, not a copy: the test serves its router.
#[allow(dead_code)]
#[path = "../examples/merchant.rs"]
mod merchant;

use std::time::Duration;

use ovo_http::ovo_model::doku::{BindingAccount, BindingRequest, Customer, TokenListRequest};
use ovo_http::ovo_sign::ClientSecret;
use ovo_http::{DokuClient, DokuConfig, HyperTransport};
use ovo_sandbox::webdriver::libtest_mimic::Trial;
use ovo_sandbox::webdriver::{Browser, WebDriverError, run, trial};

fn main() {
    run(vec![
        trial(
            "a_customer_links_pays_and_is_refunded_in_the_browser",
            a_customer_links_pays_and_is_refunded_in_the_browser,
        ),
        Trial::test("a_doku_notification_is_verified_and_acknowledged", || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(a_doku_notification_is_verified_and_acknowledged());
            Ok(())
        }),
    ]);
}

/// The shop on a fresh database, served in the background.
async fn open_shop(name: &str) -> (merchant::Opened, Database) {
    let database = Database(
        std::env::temp_dir().join(format!("ovo-merchant-{name}-{}.db", std::process::id())),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let shop = merchant::shop(&listener, &format!("sqlite:{}", database.0.display()))
        .await
        .unwrap();
    let router = shop.router.clone();
    tokio::spawn(async move { axum::serve(listener, router).await });
    (shop, database)
}

/// The shop's SQLite file, removed on drop.
struct Database(std::path::PathBuf);

impl Drop for Database {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
        }
    }
}

async fn a_customer_links_pays_and_is_refunded_in_the_browser(
    browser: Browser,
) -> Result<(), WebDriverError> {
    let (opened, _database) = open_shop("browser").await;
    let shop = opened.url;

    let session = browser.start().await?;
    session.open(&format!("{shop}/")).await?;
    session.click("#link").await?;
    // OVO's webview: the OTP (the phone's last 4 digits in the sandbox) and the PIN.
    session
        .type_into("#otp", ovo_sandbox::otp(merchant::PHONE))
        .await?;
    session.type_into("#pin", merchant::PIN).await?;
    session.click("#submit").await?;
    // Back on the shop, through its callback: linked.
    session.wait_for_url(&format!("{shop}/")).await?;
    assert_eq!(
        session.text("#linked").await?,
        "Your OVO account is linked."
    );

    session.click("#pay").await?;
    // OVO's PIN webview for the payment (no OTP).
    session.type_into("#pin", merchant::PIN).await?;
    session.save_screenshot("merchant-pin.png").await?;
    session.click("#submit").await?;
    let order = session.wait_for_url(&format!("{shop}/orders/INV-")).await?;
    session.wait_for_text("#status", "paid").await?;
    // OVO's signed notification of the capture, verified and committed by the shop.
    for _ in 0..100 {
        if session.text("#notified").await? == "received" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        session.open(&order).await?;
    }
    assert_eq!(session.text("#notified").await?, "received");
    session.save_screenshot("merchant-paid.png").await?;

    session.click("#refund").await?;
    session.wait_for_text("#status", "refunded").await?;
    assert_eq!(session.current_url().await?, order);
    session.open(&format!("{shop}/")).await?;
    let invoice = order.rsplit('/').next().unwrap();
    assert!(
        session
            .source()
            .await?
            .contains(&format!("{invoice}</a>: refunded"))
    );
    session.close().await
}

/// A DOKU recurring payment: DOKU (the sandbox) posts its signed notification to the shop's
/// DOKU route, which verifies it, handles it and acknowledges it with a 2xx; a forgery is
/// refused.
async fn a_doku_notification_is_verified_and_acknowledged() {
    let (shop, _database) = open_shop("doku").await;
    let sandbox = shop.sandbox_url.as_str();
    let doku = DokuClient::new(
        DokuConfig::new(sandbox, merchant::DOKU_CLIENT_ID).unwrap(),
        ClientSecret::new(merchant::DOKU_SECRET).unwrap(),
        HyperTransport::new().unwrap(),
    );
    let binding = doku
        .bind(&BindingRequest::recurring(
            Customer::with_id("DOKU-1"),
            BindingAccount::new(
                merchant::PHONE,
                format!("{sandbox}/_sandbox/callback?result=ok"),
                format!("{sandbox}/_sandbox/callback?result=failed"),
            ),
        ))
        .await
        .unwrap();
    ovo_sandbox::Customer::new(merchant::PHONE, merchant::PIN)
        .complete(&binding.ovo_account.registration_url)
        .await
        .unwrap();
    let token = doku
        .tokens(&TokenListRequest::wallet_recurring("DOKU-1"))
        .await
        .unwrap()
        .wallet
        .token_id;
    let payment = serde_json::from_value(serde_json::json!({
        "customer": {"id": "DOKU-1"},
        "order": {"invoice_number": "INV-DOKU-1", "amount": 1500},
        "ovo_account": {"token_id": token.expose()},
    }))
    .unwrap();
    doku.pay(&payment).await.unwrap();

    // The sandbox records each delivery and the shop's answer.
    let http = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<http_body_util::Full<bytes::Bytes>>();
    let mut attempts = serde_json::Value::Null;
    for _ in 0..100 {
        let answer = http
            .get(format!("{sandbox}/_sandbox/notifications").parse().unwrap())
            .await
            .unwrap();
        let body = http_body_util::BodyExt::collect(answer.into_body())
            .await
            .unwrap()
            .to_bytes();
        attempts = serde_json::from_slice(&body).unwrap();
        if attempts["attempts"]
            .as_array()
            .is_some_and(|a| !a.is_empty())
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(attempts["attempts"][0]["status"], 200, "{attempts}");

    let forged = http::Request::post(format!("{}/notifications/doku", shop.url))
        .header("Client-Id", merchant::DOKU_CLIENT_ID)
        .header("Request-Id", "forged-1")
        .header("Request-Timestamp", "2026-01-01T00:00:00Z")
        .header("Signature", "HMACSHA256=AAAA")
        .body(http_body_util::Full::new(bytes::Bytes::from_static(b"{}")))
        .unwrap();
    assert_eq!(http.request(forged).await.unwrap().status(), 401);
}
