//! The webview in headless Chromium: a person's path through the OTP and PIN page, wrong PIN
//! first, then the redirect to the partner's callback with the `authCode`; then DOKU's
//! registration page and OVO's PIN page for a DOKU payment, each with a wrong entry first.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them). Without them the test
//! says so and passes, unless `OVO_REQUIRE_BROWSER=1` (set by CI), where it fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

mod common;

use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{PHONE, PIN, World};
use http::Method;
use serde_json::{Value, json};

const CHROMIUM: &str = "/usr/bin/chromium";
const DRIVER: &str = "/usr/bin/chromedriver";

struct Driver {
    process: Child,
    base: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        // chromedriver runs in its own process group with the Chromium it starts: end them all,
        // also when the test failed before closing its session.
        let _ = Command::new("kill")
            .args(["-s", "KILL", "--"])
            .arg(format!("-{}", self.process.id()))
            .status();
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

async fn webdriver(world: &World, method: Method, url: &str, body: Value) -> Value {
    match try_webdriver(world, method, url, body).await {
        Ok(value) => value,
        Err(json) => panic!("WebDriver {url}: {json}"),
    }
}

/// One WebDriver command: its `value` on success, the whole answer on failure.
async fn try_webdriver(
    world: &World,
    method: Method,
    url: &str,
    body: Value,
) -> Result<Value, Value> {
    let bytes = if body.is_null() {
        Vec::new()
    } else {
        serde_json::to_vec(&body).unwrap()
    };
    let answer = world
        .send(
            method,
            url,
            &[("content-type", "application/json".into())],
            bytes,
        )
        .await;
    let json = answer.json();
    if answer.status.is_success() {
        Ok(json["value"].clone())
    } else {
        Err(json)
    }
}

async fn start_driver(world: &World) -> Driver {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let process = Command::new(DRIVER)
        .process_group(0)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    // Owned by `Driver` at once, so it is killed and waited for on every path.
    let driver = Driver {
        process,
        base: format!("http://127.0.0.1:{port}"),
    };
    for _ in 0..100 {
        let status = world
            .try_send(
                Method::GET,
                &format!("{}/status", driver.base),
                &[],
                Vec::new(),
            )
            .await;
        if status.is_ok_and(|answer| answer.json()["value"]["ready"] == true) {
            return driver;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not become ready");
}

async fn element(world: &World, session: &str, css: &str) -> String {
    let found = try_webdriver(
        world,
        Method::POST,
        &format!("{session}/element"),
        json!({"using": "css selector", "value": css}),
    )
    .await;
    let found = match found {
        Ok(found) => found,
        Err(json) => {
            // Show where the browser is, so that a failure on a machine we cannot see explains itself.
            let url =
                try_webdriver(world, Method::GET, &format!("{session}/url"), Value::Null).await;
            let source = try_webdriver(
                world,
                Method::GET,
                &format!("{session}/source"),
                Value::Null,
            )
            .await;
            panic!(
                "no {css}: {}\nat {url:?}\npage: {source:?}",
                json["value"]["message"]
            );
        }
    };
    found
        .as_object()
        .unwrap()
        .values()
        .next()
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned()
}

async fn type_into(world: &World, session: &str, css: &str, text: &str) {
    let id = element(world, session, css).await;
    webdriver(
        world,
        Method::POST,
        &format!("{session}/element/{id}/value"),
        json!({"text": text}),
    )
    .await;
}

async fn click(world: &World, session: &str, css: &str) {
    let id = element(world, session, css).await;
    webdriver(
        world,
        Method::POST,
        &format!("{session}/element/{id}/click"),
        json!({}),
    )
    .await;
}

#[tokio::test]
async fn a_person_types_otp_and_pin_and_lands_on_the_callback() {
    if !(Path::new(CHROMIUM).exists() && Path::new(DRIVER).exists()) {
        assert!(
            std::env::var("OVO_REQUIRE_BROWSER").is_err(),
            "OVO_REQUIRE_BROWSER is set but {CHROMIUM} or {DRIVER} is missing"
        );
        eprintln!("SKIPPED: install Debian's chromium and chromium-driver to run the browser test");
        return;
    }
    let mut world = World::new().await;
    let binding = world.binding(PHONE).await.json();
    let linkage = binding["linkageToken"].as_str().unwrap().to_owned();
    let page = world.binding_webview_url(&binding, "browser-1");

    let driver = start_driver(&world).await;
    let profile = std::env::temp_dir().join(format!("ovo-chromium-{}", std::process::id()));
    let capabilities = json!({"capabilities": {"alwaysMatch": {
        "browserName": "chrome",
        "goog:chromeOptions": {"binary": CHROMIUM, "args": [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
            format!("--user-data-dir={}", profile.display()),
        ]},
    }}});
    let created = webdriver(
        &world,
        Method::POST,
        &format!("{}/session", driver.base),
        capabilities,
    )
    .await;
    let session = format!(
        "{}/session/{}",
        driver.base,
        created["sessionId"].as_str().unwrap()
    );

    // A click on a submit button returns before the next page has loaded; an implicit wait makes
    // every element lookup wait for it (up to 10 s) instead of racing the navigation.
    webdriver(
        &world,
        Method::POST,
        &format!("{session}/timeouts"),
        json!({"implicit": 10_000, "pageLoad": 30_000}),
    )
    .await;
    webdriver(
        &world,
        Method::POST,
        &format!("{session}/url"),
        json!({"url": page}),
    )
    .await;
    let otp = PHONE.get(PHONE.len() - 4..).unwrap();
    type_into(&world, &session, "#otp", otp).await;
    type_into(&world, &session, "#pin", "000000").await;
    click(&world, &session, "#submit").await;
    // A wrong PIN keeps the person on OVO's page, with the attempts left [S].
    save_screenshot(&world, &session, "webview-wrong-pin.png").await;
    let error = element(&world, &session, "#error").await;
    let text = webdriver(
        &world,
        Method::GET,
        &format!("{session}/element/{error}/text"),
        Value::Null,
    )
    .await;
    assert_eq!(text, "Wrong PIN. 2 attempts left.");
    let here = webdriver(&world, Method::GET, &format!("{session}/url"), Value::Null).await;
    assert!(
        here.as_str().unwrap().starts_with(&world.base()),
        "no redirect on a wrong PIN: {here}"
    );

    type_into(&world, &session, "#pin", PIN).await;
    click(&world, &session, "#submit").await;
    let mut landed = String::new();
    for _ in 0..300 {
        landed = webdriver(&world, Method::GET, &format!("{session}/url"), Value::Null)
            .await
            .as_str()
            .unwrap()
            .to_owned();
        if landed.starts_with(&world.callback()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let screenshot = webdriver(
        &world,
        Method::GET,
        &format!("{session}/screenshot"),
        Value::Null,
    )
    .await;
    assert!(screenshot.as_str().is_some_and(|png| png.len() > 100));

    doku_pages(&mut world, &session).await;
    webdriver(&world, Method::DELETE, &session, Value::Null).await;
    drop(driver);
    let _ = std::fs::remove_dir_all(&profile);

    world
        .exchange_callback(&landed, "browser-1", &linkage)
        .await;
}

/// DOKU's registration page (OTP and PIN, then the merchant's success URL) and OVO's PIN page
/// for a first payment (a wrong PIN, then the outcome), in the same browser.
async fn doku_pages(world: &mut World, session: &str) {
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
    open(world, session, page).await;
    let otp = PHONE.get(PHONE.len() - 4..).unwrap();
    type_into(world, session, "#otp", otp).await;
    type_into(world, session, "#pin", "000000").await;
    click(world, session, "#submit").await;
    assert_eq!(
        text_of(world, session, "#error").await,
        "Wrong OTP or PIN. 2 attempts left."
    );
    type_into(world, session, "#otp", otp).await;
    type_into(world, session, "#pin", PIN).await;
    click(world, session, "#submit").await;
    let landed = wait_for(
        world,
        session,
        &format!("{}/_sandbox/callback", world.base()),
    )
    .await;
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
    open(
        world,
        session,
        pending["payment"]["authorization_url"].as_str().unwrap(),
    )
    .await;
    type_into(world, session, "#pin", "000000").await;
    click(world, session, "#submit").await;
    assert_eq!(
        text_of(world, session, "#error").await,
        "Wrong PIN. 2 attempts left."
    );
    type_into(world, session, "#pin", PIN).await;
    click(world, session, "#submit").await;
    save_screenshot(world, session, "doku-payment-done.png").await;
    assert_eq!(text_of(world, session, "#message").await, "Payment SUCCESS");
}

async fn open(world: &World, session: &str, url: &str) {
    webdriver(
        world,
        Method::POST,
        &format!("{session}/url"),
        json!({ "url": url }),
    )
    .await;
}

async fn text_of(world: &World, session: &str, css: &str) -> String {
    let id = element(world, session, css).await;
    let text = webdriver(
        world,
        Method::GET,
        &format!("{session}/element/{id}/text"),
        Value::Null,
    )
    .await;
    text.as_str().unwrap().to_owned()
}

/// Waits (up to 30 s) until the browser is at a URL starting with `prefix`; returns it.
async fn wait_for(world: &World, session: &str, prefix: &str) -> String {
    let mut here = String::new();
    for _ in 0..300 {
        here = webdriver(world, Method::GET, &format!("{session}/url"), Value::Null)
            .await
            .as_str()
            .unwrap()
            .to_owned();
        if here.starts_with(prefix) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    here
}

/// Writes a screenshot to `$OVO_SCREENSHOT_DIR`, when set, to look at the page as a person does.
async fn save_screenshot(world: &World, session: &str, name: &str) {
    use base64::Engine as _;
    let Ok(dir) = std::env::var("OVO_SCREENSHOT_DIR") else {
        return;
    };
    let png = webdriver(
        world,
        Method::GET,
        &format!("{session}/screenshot"),
        Value::Null,
    )
    .await;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(png.as_str().unwrap())
        .unwrap();
    std::fs::write(Path::new(&dir).join(name), bytes).unwrap();
}
