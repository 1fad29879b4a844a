//! The merchant example (`examples/merchant.rs`) in headless Chromium, as its customer uses it:
//! the shop's home page, "Link OVO", OVO's OTP/PIN webview, back on the shop; "Pay", OVO's PIN
//! webview, the order page saying paid (and OVO's signed notification received); "Refund", and
//! the order refunded.
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

use ovo_sandbox::webdriver::{Browser, WebDriverError, run, trial};

fn main() {
    run(vec![trial(
        "a_customer_links_pays_and_is_refunded_in_the_browser",
        a_customer_links_pays_and_is_refunded_in_the_browser,
    )]);
}

async fn a_customer_links_pays_and_is_refunded_in_the_browser(
    browser: Browser,
) -> Result<(), WebDriverError> {
    let database =
        std::env::temp_dir().join(format!("ovo-merchant-test-{}.db", std::process::id()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (router, shop) = merchant::shop(&listener, &format!("sqlite:{}", database.display()))
        .await
        .unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, router).await });

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
    session.close().await?;

    server.abort();
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", database.display()));
    }
    Ok(())
}
