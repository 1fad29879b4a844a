//! `ovo_sandbox::Customer`, the program that plays the customer at the webviews: right and wrong
//! OTP and PIN, an expired page, a blocked account, URLs that are not webviews and an unreachable
//! sandbox. (It completes DOKU's registration page in `tests/tests/doku_lifecycle.rs`.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

mod common;

use common::{PHONE, PIN, World};
use ovo_sandbox::{Customer, WebviewError};

#[tokio::test]
async fn a_customer_completes_the_binding_webview_and_wrong_answers_are_refused() {
    let mut world = World::new().await;
    let binding = world.binding(PHONE).await.json();
    let url = world.binding_webview_url(&binding, "c-1");

    let wrong_otp = Customer::new(PHONE, PIN)
        .with_otp("0000")
        .complete(&url)
        .await;
    assert!(
        matches!(&wrong_otp, Err(WebviewError::Refused { message, attempts_left: Some(_) }) if message == "Wrong OTP"),
        "{wrong_otp:?}"
    );
    let wrong_pin = Customer::new(PHONE, "000000").complete(&url).await;
    assert!(
        matches!(&wrong_pin, Err(WebviewError::Refused { message, .. }) if message == "Wrong PIN"),
        "{wrong_pin:?}"
    );

    let done = Customer::new(PHONE, PIN).complete(&url).await.unwrap();
    assert!(
        done.redirect.starts_with(&world.callback()),
        "{}",
        done.redirect
    );
    let (callback, state) = ovo_model::snap::WebviewCallback::from_url(&done.redirect).unwrap();
    assert!(callback.is_success());
    assert_eq!(state.as_deref(), Some("c-1"));
    // The right OTP was typed once, so the page no longer asked for it.
    assert!(!done.asked_for_otp);

    // The session is spent: the page has expired.
    let again = Customer::new(PHONE, PIN).complete(&url).await;
    assert!(
        matches!(&again, Err(WebviewError::Page { status: 410, .. })),
        "{again:?}"
    );
}

#[tokio::test]
async fn a_fresh_binding_page_asks_for_the_otp_and_too_many_wrong_pins_block() {
    let mut world = World::new().await;
    let binding = world.binding(PHONE).await.json();
    let url = world.binding_webview_url(&binding, "c-2");
    let mut last = None;
    for _ in 0..10 {
        match Customer::new(PHONE, "000000").complete(&url).await {
            Err(WebviewError::Refused { .. }) => continue,
            other => {
                last = Some(other);
                break;
            }
        }
    }
    let blocked = last.expect("the attempts run out");
    assert!(
        matches!(&blocked, Err(WebviewError::Page { status: 403, .. })),
        "{blocked:?}"
    );

    let mut fresh = World::new().await;
    let binding = fresh.binding(PHONE).await.json();
    let url = fresh.binding_webview_url(&binding, "c-3");
    assert!(
        Customer::new(PHONE, PIN)
            .complete(&url)
            .await
            .unwrap()
            .asked_for_otp
    );
}

#[tokio::test]
async fn urls_that_are_not_webviews_and_unreachable_sandboxes_are_typed_errors() {
    let customer = Customer::new(PHONE, PIN);
    assert!(matches!(
        customer.complete("not a url").await,
        Err(WebviewError::NotAWebview(_))
    ));
    // The query holds the session or linkage token: the error never shows it.
    let refused = customer.complete("nowhere?token=lt-secret-1").await;
    assert!(
        matches!(&refused, Err(WebviewError::NotAWebview(shown)) if shown == "nowhere"),
        "{refused:?}"
    );
    let world = World::new().await;
    let other = customer
        .complete(&format!("{}/_sandbox/health", world.base()))
        .await;
    assert!(
        matches!(&other, Err(WebviewError::Page { status: 200, .. })),
        "{other:?}"
    );
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = listener.local_addr().unwrap();
    drop(listener);
    let gone = customer
        .complete(&format!(
            "http://{closed}/cellblockui/partner/activation?session=x"
        ))
        .await;
    assert!(
        matches!(&gone, Err(WebviewError::Unreachable(_))),
        "{gone:?}"
    );
}
