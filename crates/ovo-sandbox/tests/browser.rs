//! The webview in headless Chromium: a person's path through the OTP and PIN page, wrong PIN
//! first, then the redirect to the partner's callback with the `authCode`; then DOKU's
//! registration page and OVO's PIN page for a DOKU payment, each with a wrong entry first.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them). Without them the test
//! is reported ignored, unless `OVO_REQUIRE_BROWSER=1` (set by CI), where it fails. A
//! `harness = false` target: `ovo_sandbox::webdriver` holds the WebDriver client and the trial.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

mod common;

use common::{PHONE, PIN, World};
use ovo_sandbox::webdriver::{Browser, Session, WebDriverError, run, trial};
use serde_json::json;

fn main() {
    run(vec![trial(
        "a_person_types_otp_and_pin_and_lands_on_the_callback",
        a_person_types_otp_and_pin_and_lands_on_the_callback,
    )]);
}

async fn a_person_types_otp_and_pin_and_lands_on_the_callback(
    browser: Browser,
) -> Result<(), WebDriverError> {
    let mut world = World::new().await;
    let binding = world.binding(PHONE).await.json();
    let linkage = binding["linkageToken"].as_str().unwrap().to_owned();
    let page = world.binding_webview_url(&binding, "browser-1");

    let session = browser.start().await?;
    session.open(&page).await?;
    let otp = ovo_sandbox::otp(PHONE);
    session.type_into("#otp", otp).await?;
    session.type_into("#pin", "000000").await?;
    session.click("#submit").await?;
    // A wrong PIN keeps the person on OVO's page, with the attempts left [S].
    session.save_screenshot("webview-wrong-pin.png").await?;
    assert_eq!(session.text("#error").await?, "Wrong PIN. 2 attempts left.");
    let here = session.current_url().await?;
    assert!(
        here.starts_with(&world.base()),
        "no redirect on a wrong PIN: {here}"
    );

    session.type_into("#pin", PIN).await?;
    session.click("#submit").await?;
    let landed = session.wait_for_url(&world.callback()).await?;
    assert!(session.screenshot().await?.len() > 100);

    doku_pages(&mut world, &session).await?;
    session.close().await?;

    world
        .exchange_callback(&landed, "browser-1", &linkage)
        .await;
    Ok(())
}

/// DOKU's registration page (OTP and PIN, then the merchant's success URL) and OVO's PIN page
/// for a first payment (a wrong PIN, then the outcome), in the same browser.
async fn doku_pages(world: &mut World, session: &Session) -> Result<(), WebDriverError> {
    let binding = world
        .doku_call(
            "/ovo-open-api/v1/token",
            json!({
                "customer": {"id": "BROWSER-1", "name": "A Person"},
                "ovo_account": {
                    "account_mobile_phone": PHONE,
                    "success_registration_url": format!("{}/_sandbox/callback?result=ok", world.base()),
                    "failed_registration_url": format!("{}/_sandbox/callback?result=failed", world.base()),
                },
                "service_type": "RECURRING",
            }),
        )
        .await
        .json();
    let page = binding["ovo_account"]["registration_url"].as_str().unwrap();
    session.open(page).await?;
    let otp = ovo_sandbox::otp(PHONE);
    session.type_into("#otp", otp).await?;
    session.type_into("#pin", "000000").await?;
    session.click("#submit").await?;
    assert_eq!(
        session.text("#error").await?,
        "Wrong OTP or PIN. 2 attempts left."
    );
    session.type_into("#otp", otp).await?;
    session.type_into("#pin", PIN).await?;
    session.click("#submit").await?;
    let landed = session.wait_for_url(&world.callback()).await?;
    assert!(landed.ends_with("result=ok"), "{landed}");

    let tokens = world
        .doku_call(
            "/tokenization/v1/tokens",
            json!({"customer": {"id": "BROWSER-1"}, "token_data": {"type": "WALLET_RECURRING"}}),
        )
        .await
        .json();
    let token = tokens["wallet"]["token_id"].as_str().unwrap();
    let pending = world
        .doku_call(
            "/ovo-open-api/v1/payment-recurring",
            json!({
                "customer": {"id": "BROWSER-1"},
                "order": {"invoice_number": "INV-BROWSER-1", "amount": 2000},
                "ovo_account": {"token_id": token, "payment_use_ovo_point": false, "first_payment": true},
            }),
        )
        .await
        .json();
    assert_eq!(pending["payment"]["status"], "PENDING", "{pending}");
    session
        .open(pending["payment"]["authorization_url"].as_str().unwrap())
        .await?;
    session.type_into("#pin", "000000").await?;
    session.click("#submit").await?;
    assert_eq!(session.text("#error").await?, "Wrong PIN. 2 attempts left.");
    session.type_into("#pin", PIN).await?;
    session.click("#submit").await?;
    session.save_screenshot("doku-payment-done.png").await?;
    assert_eq!(session.text("#message").await?, "Payment SUCCESS");
    Ok(())
}
