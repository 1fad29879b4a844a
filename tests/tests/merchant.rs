//! The merchant example (`examples/merchant.rs`) in headless Chromium, as its customer uses it:
//! the shop's home page, "Link OVO", OVO's OTP/PIN webview, back on the shop; "Pay", OVO's PIN
//! webview, the order page saying paid (and OVO's signed notification received); "Refund", and
//! the order refunded, once (a second refund, or two at once, is refused). And a DOKU payment's
//! notification, verified, handled once and acknowledged by the shop's DOKU route; a refund left
//! unknown, settled by the shop's periodic reconcile; and the shop's store key (no browser
//! needed).
//!
//! Needs Debian's `chromium` and `chromium-driver`: without them the test is reported ignored,
//! unless `OVO_REQUIRE_BROWSER=1` (set by CI), where it fails. A `harness = false` target:
//! `ovo_sandbox::webdriver` holds the WebDriver client and the trial.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

// The example itself, not a copy: the test serves its router.
#[allow(dead_code)]
#[path = "../examples/merchant.rs"]
mod merchant;

use std::ffi::OsStr;
use std::time::Duration;

use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use ovo_http::ovo_model::doku::{BindingAccount, BindingRequest, Customer, TokenListRequest};
use ovo_http::ovo_sign::ClientSecret;
use ovo_http::{DokuClient, DokuConfig, HyperTransport};
use ovo_sandbox::webdriver::libtest_mimic::Trial;
use ovo_sandbox::webdriver::{Browser, WebDriverError, run, trial};
use sqlx::SqlitePool;

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
        Trial::test("a_refund_left_unknown_is_settled_by_reconcile", || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()?;
            runtime.block_on(a_refund_left_unknown_is_settled_by_reconcile());
            Ok(())
        }),
        Trial::test(
            "only_a_missing_store_key_falls_back_to_a_throwaway_one",
            || {
                only_a_missing_store_key_falls_back_to_a_throwaway_one();
                Ok(())
            },
        ),
    ]);
}

/// The shop on a fresh database (in a private temporary directory, removed on drop), served in
/// the background; and a connection to its database, to look at its orders.
async fn open_shop() -> (merchant::Opened, SqlitePool, tempfile::TempDir) {
    let directory = tempfile::Builder::new()
        .prefix("ovo-merchant-")
        .tempdir()
        .unwrap();
    let database = format!("sqlite:{}", directory.path().join("shop.db").display());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let shop = merchant::shop(&listener, &database).await.unwrap();
    let router = shop.router.clone();
    tokio::spawn(async move { axum::serve(listener, router).await });
    let orders = SqlitePool::connect(&database).await.unwrap();
    (shop, orders, directory)
}

/// An HTTP client, for what a browser does not do (two requests at once, a provider's posts).
fn http_client() -> Client<HttpConnector, Full<bytes::Bytes>> {
    Client::builder(hyper_util::rt::TokioExecutor::new()).build_http()
}

/// POSTs an empty form to `url`; returns the status.
async fn post(http: &Client<HttpConnector, Full<bytes::Bytes>>, url: &str) -> u16 {
    send(http, http::Method::POST, url).await.0
}

/// One request with an empty body: the status and the `Location` header (a redirect's target).
async fn send(
    http: &Client<HttpConnector, Full<bytes::Bytes>>,
    method: http::Method,
    url: &str,
) -> (u16, String) {
    let request = http::Request::builder()
        .method(method)
        .uri(url)
        .body(Full::new(bytes::Bytes::new()))
        .unwrap();
    let answer = http.request(request).await.unwrap();
    let location = answer
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (answer.status().as_u16(), location)
}

/// An order's status and whether its notification was handled, from the database.
async fn order_row(orders: &SqlitePool, invoice: &str) -> (String, bool) {
    sqlx::query_as("SELECT status, notified FROM shop_orders WHERE invoice = ?")
        .bind(invoice)
        .fetch_one(orders)
        .await
        .unwrap()
}

async fn a_customer_links_pays_and_is_refunded_in_the_browser(
    browser: Browser,
) -> Result<(), WebDriverError> {
    let (opened, orders, _directory) = open_shop().await;
    let shop = opened.url;
    let http = http_client();

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
    // A second refund of the same order is refused, and the order stays refunded.
    assert_eq!(post(&http, &format!("{order}/refund")).await, 409);
    let invoice = order.rsplit('/').next().unwrap();
    assert_eq!(order_row(&orders, invoice).await.0, "refunded");
    session.open(&format!("{shop}/")).await?;
    assert!(
        session
            .source()
            .await?
            .contains(&format!("{invoice}</a>: refunded"))
    );

    // A second order, refunded by two requests at once (a double click, two tabs): the order is
    // claimed before OVO is called, so exactly one goes through.
    session.click("#pay").await?;
    session.type_into("#pin", merchant::PIN).await?;
    session.click("#submit").await?;
    let order = session.wait_for_url(&format!("{shop}/orders/INV-")).await?;
    session.wait_for_text("#status", "paid").await?;
    let refund = format!("{order}/refund");
    let (first, second) = tokio::join!(post(&http, &refund), post(&http, &refund));
    let mut answers = [first, second];
    answers.sort_unstable();
    assert_eq!(answers, [303, 409]);
    session.open(&order).await?;
    assert_eq!(session.text("#status").await?, "refunded");
    session.close().await
}

/// A refund whose answer is lost, while OVO's status inquiries fail too, ends `Unknown`: the
/// order says "refund pending" (and cannot be refunded again). Once OVO answers again, the
/// shop's periodic `reconcile` (every 30 s) settles the stored refund flow by status inquiry and
/// maps it back to the order: refunded. Without a browser: the sandbox's `Customer` completes the
/// webviews.
async fn a_refund_left_unknown_is_settled_by_reconcile() {
    let (shop, orders, _directory) = open_shop().await;
    let http = http_client();
    let order = link_and_pay(&shop, &http).await;
    let invoice = order.strip_prefix("/orders/").unwrap();
    assert_eq!(order_row(&orders, invoice).await.0, "paid");

    // OVO refunds, but its answer is lost; its status inquiries fail.
    let faults = plan_faults(&shop, &http, "refund").await;
    let refund = format!("{}{order}/refund", shop.url);
    // The shop waits for the SDK's status inquiries (about 20 s), then shows the order.
    assert_eq!(post(&http, &refund).await, 303);
    assert_eq!(order_row(&orders, invoice).await.0, "refund pending");
    // Never refunded twice blindly.
    assert_eq!(post(&http, &refund).await, 409);

    // OVO answers again: the next reconcile pass settles it.
    let (status, _) = send(&http, http::Method::DELETE, &faults).await;
    assert_eq!(status, 200);
    for _ in 0..90 {
        if order_row(&orders, invoice).await.0 == "refunded" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_eq!(order_row(&orders, invoice).await.0, "refunded");
}

/// Links the customer and pays, without a browser (the sandbox's `Customer` completes the
/// webviews). Returns the order's path, `/orders/INV-...`.
async fn link_and_pay(
    shop: &merchant::Opened,
    http: &Client<HttpConnector, Full<bytes::Bytes>>,
) -> String {
    let customer = ovo_sandbox::Customer::new(merchant::PHONE, merchant::PIN);
    // Each time, the shop sends the customer to OVO's webview, and OVO sends them back to the
    // shop's callback.
    let (status, webview) = send(http, http::Method::POST, &format!("{}/link", shop.url)).await;
    assert_eq!(status, 303);
    let back = customer.complete(&webview).await.unwrap().redirect;
    assert_eq!(
        send(http, http::Method::GET, &back).await,
        (303, "/".to_owned())
    );
    let (status, webview) = send(http, http::Method::POST, &format!("{}/pay", shop.url)).await;
    assert_eq!(status, 303);
    let back = customer.complete(&webview).await.unwrap().redirect;
    let (status, order) = send(http, http::Method::GET, &back).await;
    assert_eq!(status, 303);
    assert!(order.starts_with("/orders/INV-"), "{order}");
    order
}

/// Has the sandbox drop its answers to `endpoint` (after handling the request: money moves)
/// and fail the status inquiries; returns the fault plan's URL (`DELETE` it to end them).
async fn plan_faults(
    shop: &merchant::Opened,
    http: &Client<HttpConnector, Full<bytes::Bytes>>,
    endpoint: &str,
) -> String {
    let faults = format!("{}/_sandbox/faults", shop.sandbox_url);
    let plan = serde_json::json!({"rules": [
        {"endpoint": endpoint, "every": 1, "action": {"kind": "drop_after_commit"}},
        {"endpoint": "status", "every": 1, "action": {"kind": "status", "status": 500}},
    ]});
    let request = http::Request::put(&faults)
        .header("content-type", "application/json")
        .body(Full::new(bytes::Bytes::from(plan.to_string())))
        .unwrap();
    assert_eq!(http.request(request).await.unwrap().status(), 200);
    faults
}

/// `OVO_STORE_KEY`: a missing one falls back to a throwaway key (for the demo); a malformed or
/// empty one is an error, never silently replaced.
fn only_a_missing_store_key_falls_back_to_a_throwaway_one() {
    assert!(merchant::store_key(None).is_ok());
    let key = ovo_store::StoreKey::generate().unwrap();
    assert!(merchant::store_key(Some(OsStr::new(&key))).is_ok());
    for malformed in ["", "not-a-key", "c2hvcnQ="] {
        assert!(
            merchant::store_key(Some(OsStr::new(malformed))).is_err(),
            "{malformed:?}"
        );
    }
}

/// A DOKU recurring payment: DOKU (the sandbox) posts its signed notification to the shop's
/// DOKU route, which verifies it, marks the order paid and notified, and acknowledges it with a
/// 2xx. The same notification again is acknowledged without being handled twice; one whose
/// signature or body was altered is refused and changes nothing.
async fn a_doku_notification_is_verified_and_acknowledged() {
    let (shop, orders, _directory) = open_shop().await;
    let sandbox = shop.sandbox_url.as_str();
    let doku = DokuClient::new(
        DokuConfig::new(sandbox, merchant::DOKU_CLIENT_ID).unwrap(),
        ClientSecret::new(merchant::DOKU_SECRET).unwrap(),
        HyperTransport::new().unwrap(),
    );
    // The shop's orders, pending.
    for invoice in ["INV-DOKU-1", "INV-DOKU-2", "INV-DOKU-3"] {
        sqlx::query(
            "INSERT INTO shop_orders (invoice, customer, rupiah, status) \
             VALUES (?, 'DOKU-1', 1500, 'pending')",
        )
        .bind(invoice)
        .execute(&orders)
        .await
        .unwrap();
    }
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
    let http = http_client();
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
    // Handled: the order is paid, and its notification recorded.
    assert_eq!(
        order_row(&orders, "INV-DOKU-1").await,
        ("paid".to_owned(), true)
    );

    // A notification as DOKU signs it, sent by the test (the sandbox's deliveries are not
    // replayable): all the same but the signature, or the body.
    let url = format!("{}/notifications/doku", shop.url);
    let secret = ClientSecret::new(merchant::DOKU_SECRET).unwrap();
    let notification = |invoice: &str| {
        serde_json::to_vec(&serde_json::json!({
            "order": {"invoice_number": invoice, "amount": 1500},
            "transaction": {"status": "SUCCESS"},
        }))
        .unwrap()
    };
    let timestamp =
        ovo_http::ovo_sign::format_doku_timestamp(time::OffsetDateTime::now_utc()).unwrap();
    let sign = |request_id: &str, body: &[u8]| {
        let components = ovo_http::ovo_sign::doku::Components::post(
            merchant::DOKU_CLIENT_ID,
            request_id,
            &timestamp,
            "/notifications/doku",
            body,
        );
        ovo_http::ovo_sign::doku::sign(&secret, &components)
            .unwrap()
            .into_header_value()
    };
    let send = |request_id: &str, signature: String, body: Vec<u8>| {
        let request = http::Request::post(&url)
            .header("content-type", "application/json")
            .header("Client-Id", merchant::DOKU_CLIENT_ID)
            .header("Request-Id", request_id)
            .header("Request-Timestamp", &timestamp)
            .header("Signature", signature)
            .body(Full::new(bytes::Bytes::from(body)))
            .unwrap();
        let http = http.clone();
        async move { http.request(request).await.unwrap().status().as_u16() }
    };

    // Signed for INV-DOKU-3, but sent with INV-DOKU-2's body: refused, nothing changes.
    let genuine = notification("INV-DOKU-2");
    let signed_for_another = sign("doku-2", &notification("INV-DOKU-3"));
    assert_eq!(
        send("doku-2", signed_for_another, genuine.clone()).await,
        401
    );
    // The genuine signature with its last character altered: refused too.
    let signature = sign("doku-2", &genuine);
    let mut altered = signature.clone();
    let last = altered.pop().unwrap();
    altered.push(if last == 'A' { 'B' } else { 'A' });
    assert_eq!(send("doku-2", altered, genuine.clone()).await, 401);
    assert_eq!(
        order_row(&orders, "INV-DOKU-2").await,
        ("pending".to_owned(), false)
    );
    assert_eq!(
        order_row(&orders, "INV-DOKU-3").await,
        ("pending".to_owned(), false)
    );
    // The same request, correctly signed: handled (so the signature was what the shop refused).
    assert_eq!(
        send("doku-2", signature.clone(), genuine.clone()).await,
        200
    );
    assert_eq!(
        order_row(&orders, "INV-DOKU-2").await,
        ("paid".to_owned(), true)
    );

    // The same notification again (a provider's retry): acknowledged, but not handled twice.
    // The mark is cleared first, so a second handling would show.
    sqlx::query("UPDATE shop_orders SET notified = 0 WHERE invoice = 'INV-DOKU-2'")
        .execute(&orders)
        .await
        .unwrap();
    assert_eq!(send("doku-2", signature, genuine).await, 200);
    assert_eq!(
        order_row(&orders, "INV-DOKU-2").await,
        ("paid".to_owned(), false)
    );
}
