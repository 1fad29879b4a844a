//! DOKU OVO Recurring through the sandbox, black-box over HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use common::{DOKU_CLIENT, DOKU_SECRET, PHONE, PIN, World};
use http::{Method, StatusCode};
use http_body_util::{BodyExt as _, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use ovo_sandbox::SandboxConfig;
use serde_json::{Value, json};

const CUSTOMER: &str = "CUST_UAT_31";

fn binding_body(world: &World) -> Value {
    json!({
        "customer": {"id": CUSTOMER, "name": "QA Shifter"},
        "ovo_account": {
            "account_mobile_phone": PHONE,
            "success_registration_url": format!("{}/_sandbox/callback?result=ok", world.base()),
            "failed_registration_url": format!("{}/_sandbox/callback?result=failed", world.base()),
        },
        "service_type": "RECURRING",
    })
}

/// Binding and the registration page: returns the token id.
async fn bind(world: &mut World) -> String {
    let answer = world
        .doku_call("/ovo-open-api/v1/token", binding_body(world))
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text());
    assert_eq!(answer.json()["ovo_account"]["status"], "PENDING");
    let page = answer.json()["ovo_account"]["registration_url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        world
            .send(Method::GET, &page, &[], Vec::new())
            .await
            .text()
            .contains("id=\"pin\"")
    );
    let otp = PHONE.get(PHONE.len() - 4..).unwrap();
    let submitted = world
        .send(
            Method::POST,
            &page,
            &[("content-type", "application/json".into())],
            serde_json::to_vec(&json!({"otp": otp, "pin": PIN})).unwrap(),
        )
        .await;
    assert!(
        submitted.json()["redirect"]
            .as_str()
            .unwrap()
            .ends_with("result=ok"),
        "{}",
        submitted.text()
    );
    let tokens = world
        .doku_call(
            "/tokenization/v1/tokens",
            json!({"customer": {"id": CUSTOMER}, "token_data": {"type": "WALLET_RECURRING"}}),
        )
        .await;
    assert_eq!(tokens.status, StatusCode::OK, "{}", tokens.text());
    assert_eq!(tokens.json()["wallet"]["masked_phone_number"], "****7890");
    tokens.json()["wallet"]["token_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn pay(token: &str, invoice: &str, amount: u64, points: bool) -> Value {
    json!({
        "customer": {"id": CUSTOMER},
        "order": {"invoice_number": invoice, "amount": amount},
        "ovo_account": {"token_id": token, "payment_use_ovo_point": points},
    })
}

#[tokio::test]
async fn binding_tokens_balance_payment_refund_and_unbinding() {
    let mut world = World::new().await;
    let token = bind(&mut world).await;
    let balance = world
        .doku_call(
            "/ovo-open-api/v1/balance",
            json!({"customer": {"id": CUSTOMER}, "ovo_account": {"token_id": token}}),
        )
        .await;
    assert_eq!(
        balance.json()["ovo_account"],
        json!({"ovo_cash_balance": 100000, "ovo_point_balance": 5000})
    );

    let paid = world
        .doku_call(
            "/ovo-open-api/v1/payment-recurring",
            pay(&token, "INVR_2021_7105", 15000, true),
        )
        .await;
    assert_eq!(paid.status, StatusCode::CREATED, "{}", paid.text());
    let original = world.last_request_id.clone();
    assert_eq!(paid.json()["payment"]["status"], "SUCCESS");
    let account = world.account(PHONE).await;
    assert_eq!(
        (
            account["points"].as_str().unwrap(),
            account["cash"].as_str().unwrap()
        ),
        ("0.00", "90000.00"),
        "points first"
    );
    let duplicate = world
        .doku_call(
            "/ovo-open-api/v1/payment-recurring",
            pay(&token, "INVR_2021_7105", 1, false),
        )
        .await;
    assert_eq!(duplicate.status, StatusCode::CONFLICT);

    let ledger = world.ledger().await;
    assert_eq!(
        (ledger.len(), ledger[0]["reference"].as_str()),
        (1, Some("INVR_2021_7105"))
    );
    let refund = |amount: u64| json!({"order": {"invoice_number": "INVR_2021_7105"}, "payment": {"original_request_id": original}, "refund": {"amount": amount, "reason": "Cancel Order"}});
    let partial = world
        .doku_call("/ovo-open-api/v1/payment-refund", refund(3000))
        .await;
    assert_eq!(
        partial.json()["refund"]["status"],
        "SUCCESS",
        "{}",
        partial.text()
    );
    assert_eq!(
        world.account(PHONE).await["points"],
        "3000.00",
        "points are refunded first"
    );
    let over = world
        .doku_call("/ovo-open-api/v1/payment-refund", refund(12001))
        .await;
    assert_eq!(over.json()["refund"]["status"], "FAILED");
    let mut wrong_id = refund(1);
    wrong_id["payment"]["original_request_id"] = json!("not-the-payment");
    let wrong = world
        .doku_call("/ovo-open-api/v1/payment-refund", wrong_id)
        .await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);

    let unbound = world
        .doku_call(
            "/ovo-open-api/v1/token-delete",
            json!({"customer": {"id": CUSTOMER, "name": "QA"}, "ovo_account": {"token_id": token}}),
        )
        .await;
    assert_eq!(
        unbound.json()["ovo_account"]["status"],
        "SUCCESS",
        "{}",
        unbound.text()
    );
    let after = world
        .doku_call(
            "/ovo-open-api/v1/balance",
            json!({"customer": {"id": CUSTOMER}, "ovo_account": {"token_id": token}}),
        )
        .await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    assert_eq!(after.json()["error"]["code"], "invalid_token");
}

#[tokio::test]
async fn signatures_timestamps_request_ids_and_fields_are_checked() {
    let mut world = World::new().await;
    let body = serde_json::to_vec(&binding_body(&world)).unwrap();
    let headers = world.doku_headers("SK-wrong", "r-1", "/ovo-open-api/v1/token", &body);
    let answer = world
        .send(
            Method::POST,
            "/ovo-open-api/v1/token",
            &headers,
            body.clone(),
        )
        .await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer.json()["error"]["code"], "invalid_signature");

    // The same correctly signed request twice: the Request-Id is refused the second time.
    let headers = world.doku_headers(DOKU_SECRET, "r-2", "/ovo-open-api/v1/token", &body);
    let first = world
        .send(
            Method::POST,
            "/ovo-open-api/v1/token",
            &headers,
            body.clone(),
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text());
    let replayed = world
        .send(Method::POST, "/ovo-open-api/v1/token", &headers, body)
        .await;
    assert_eq!(
        (replayed.status, replayed.json()["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("duplicate_request_id"))
    );

    let bad = world
        .doku_call(
            "/ovo-open-api/v1/payment-recurring",
            pay("t", "AB", 1000, false),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        bad.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("order.invoice_number"),
        "{}",
        bad.text()
    );

    world.advance(Duration::from_secs(600)).await;
    world.skew = Duration::ZERO;
    let stale = world
        .doku_call("/ovo-open-api/v1/token", binding_body(&world))
        .await;
    assert_eq!(stale.json()["error"]["code"], "invalid_timestamp");
}

#[tokio::test]
async fn a_blocked_registration_returns_to_the_failed_url() {
    let mut world = World::new().await;
    let answer = world
        .doku_call("/ovo-open-api/v1/token", binding_body(&world))
        .await;
    let page = answer.json()["ovo_account"]["registration_url"]
        .as_str()
        .unwrap()
        .to_owned();
    let submit = |otp: &str| serde_json::to_vec(&json!({"otp": otp, "pin": PIN})).unwrap();
    for left in (1..5).rev() {
        let wrong = world
            .send(
                Method::POST,
                &page,
                &[("content-type", "application/json".into())],
                submit("0000"),
            )
            .await;
        assert_eq!(wrong.json()["retryAttemptsLeft"], left);
    }
    let blocked = world
        .send(
            Method::POST,
            &page,
            &[("content-type", "application/json".into())],
            submit("0000"),
        )
        .await;
    assert!(
        blocked.json()["redirect"]
            .as_str()
            .unwrap()
            .ends_with("result=failed"),
        "{}",
        blocked.text()
    );
}

/// The notifications a receiver got: headers and raw body of each.
type Seen = Arc<Mutex<Vec<(http::HeaderMap, Vec<u8>)>>>;

/// A merchant endpoint that records notifications and fails the first `failures` of them.
async fn receiver(failures: usize) -> (String, Seen) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/payments/notifications",
        listener.local_addr().unwrap()
    );
    let seen: Seen = Arc::default();
    let record = Arc::clone(&seen);
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let record = Arc::clone(&record);
            tokio::spawn(async move {
                let service = service_fn(move |request: http::Request<hyper::body::Incoming>| {
                    let record = Arc::clone(&record);
                    async move {
                        let (parts, body) = request.into_parts();
                        let bytes = body.collect().await.unwrap().to_bytes().to_vec();
                        let count = {
                            let mut seen = record.lock().unwrap();
                            seen.push((parts.headers, bytes));
                            seen.len()
                        };
                        let status = if count <= failures { 500 } else { 200 };
                        Ok::<_, std::convert::Infallible>(
                            http::Response::builder()
                                .status(status)
                                .body(Full::new(Bytes::new()))
                                .unwrap(),
                        )
                    }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (url, seen)
}

#[tokio::test]
async fn payments_are_notified_signed_and_retried_until_acknowledged() {
    let config = SandboxConfig {
        notify_retry_compression: 24 * 3600,
        ..SandboxConfig::default()
    };
    let mut world = World::with_config(config).await;
    let (url, seen) = receiver(2).await;
    world.control(Method::POST, "doku/partners", json!({"client_id": DOKU_CLIENT, "secret_keys": [DOKU_SECRET], "notification_url": url})).await;
    let token = bind(&mut world).await;
    let paid = world
        .doku_call(
            "/ovo-open-api/v1/payment-recurring",
            pay(&token, "INV-NOTIFY-1", 2000, false),
        )
        .await;
    assert_eq!(paid.status, StatusCode::CREATED);

    // +30 min, +6 h, +12 h compressed 86400x: about 0.5 s for the third attempt.
    let mut attempts = Vec::new();
    for _ in 0..100 {
        attempts = world
            .control(Method::GET, "notifications", Value::Null)
            .await["attempts"]
            .as_array()
            .unwrap()
            .clone();
        if attempts.len() >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let statuses: Vec<Value> = attempts.iter().map(|a| a["status"].clone()).collect();
    assert_eq!(statuses, vec![json!(500), json!(500), json!(200)]);

    let seen = seen.lock().unwrap();
    let (headers, body) = &seen[2];
    let header = |name: &str| headers.get(name).unwrap().to_str().unwrap().to_owned();
    let (request_id, timestamp) = (header("Request-Id"), header("Request-Timestamp"));
    let components = ovo_sign::doku::Components::post(
        DOKU_CLIENT,
        &request_id,
        &timestamp,
        "/payments/notifications",
        body,
    );
    ovo_sign::doku::verify(
        &[ovo_sign::ClientSecret::new(DOKU_SECRET).unwrap()],
        &components,
        &header("Signature"),
    )
    .unwrap();
    let notification: ovo_model::doku::Notification = ovo_model::from_json(body).unwrap();
    assert_eq!(
        notification.order.unwrap().invoice_number.as_deref(),
        Some("INV-NOTIFY-1")
    );
    assert_eq!(
        header("Request-Id"),
        seen[0].0.get("Request-Id").unwrap().to_str().unwrap(),
        "retries keep the Request-Id"
    );
}

#[tokio::test]
async fn malformed_doku_requests_get_doku_errors_never_a_500() {
    let mut world = World::new().await;
    let missing = world
        .send(
            Method::POST,
            "/ovo-open-api/v1/balance",
            &[],
            b"{}".to_vec(),
        )
        .await;
    assert_eq!(
        (missing.status, missing.json()["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_header"))
    );
    let wrong_type = world
        .doku_call(
            "/ovo-open-api/v1/balance",
            json!({"customer": {"id": 7}, "ovo_account": {"token_id": "t"}}),
        )
        .await;
    assert_eq!(wrong_type.status, StatusCode::BAD_REQUEST);
    assert!(
        wrong_type.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("customer.id"),
        "{}",
        wrong_type.text()
    );
    let huge = world
        .send(
            Method::POST,
            "/ovo-open-api/v1/balance",
            &[],
            vec![b' '; 70 * 1024],
        )
        .await;
    assert_eq!(
        (huge.status, huge.json()["error"]["code"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("invalid_request"))
    );
}

fn binding_body_of(world: &World, customer: &str) -> Value {
    let mut body = binding_body(world);
    body["customer"]["id"] = json!(customer);
    body
}

/// Seed 000: "each OVO account can only binding to one customer on one merchant."
#[tokio::test]
async fn doku_one_account_one_customer_per_merchant() {
    let mut world = World::new().await;
    // A second customer starts binding the same account before the first has finished...
    let early = world
        .doku_call("/ovo-open-api/v1/token", binding_body_of(&world, "CUST-2"))
        .await;
    assert_eq!(early.status, StatusCode::CREATED, "{}", early.text());
    let early_page = early.json()["ovo_account"]["registration_url"]
        .as_str()
        .unwrap()
        .to_owned();
    let token = bind(&mut world).await;
    // ...and is sent to the failure URL when the account is already bound to the first.
    world.send(Method::GET, &early_page, &[], Vec::new()).await;
    let submitted = world
        .send(
            Method::POST,
            &early_page,
            &[("content-type", "application/json".into())],
            serde_json::to_vec(&json!({"otp": ovo_sandbox::otp(PHONE), "pin": PIN})).unwrap(),
        )
        .await;
    let redirect = submitted.json()["redirect"].as_str().unwrap().to_owned();
    assert!(redirect.ends_with("result=failed"), "{redirect}");
    // A later binding call for another customer is refused outright.
    let refused = world
        .doku_call("/ovo-open-api/v1/token", binding_body_of(&world, "CUST-3"))
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text());
    assert_eq!(refused.json()["error"]["code"], "account_already_bound");
    for customer in ["CUST-2", "CUST-3"] {
        let tokens = world
            .doku_call(
                "/tokenization/v1/tokens",
                json!({"customer": {"id": customer}, "token_data": {"type": "WALLET_RECURRING"}}),
            )
            .await;
        assert_eq!(tokens.status, StatusCode::NOT_FOUND, "{customer}");
    }
    // The first customer still pays, and nothing else moved.
    let paid = world
        .doku_call(
            "/ovo-open-api/v1/payment-recurring",
            pay(&token, "INV-ONE-1", 1000, false),
        )
        .await;
    assert_eq!(
        paid.json()["payment"]["status"],
        "SUCCESS",
        "{}",
        paid.text()
    );
    assert_eq!(world.ledger().await.len(), 1);
    // Once the first customer unbinds, another may bind the account.
    let unbound = world
        .doku_call(
            "/ovo-open-api/v1/token-delete",
            json!({"customer": {"id": CUSTOMER, "name": "QA"}, "ovo_account": {"token_id": token}}),
        )
        .await;
    assert_eq!(unbound.status, StatusCode::CREATED, "{}", unbound.text());
    let later = world
        .doku_call("/ovo-open-api/v1/token", binding_body_of(&world, "CUST-3"))
        .await;
    assert_eq!(later.status, StatusCode::CREATED, "{}", later.text());
}

/// Seed 000: the customer verifies a payment with the PIN on OVO's page, and a payment may be
/// `PENDING`. The first payment of a subscription waits; its outcome arrives by notification.
#[tokio::test]
async fn doku_first_payment_waits_for_pin() {
    let mut world = World::new().await;
    let inbox = format!("{}/_sandbox/inbox", world.base());
    world.control(Method::POST, "doku/partners", json!({"client_id": DOKU_CLIENT, "secret_keys": [DOKU_SECRET], "notification_url": inbox})).await;
    let token = bind(&mut world).await;
    let mut first = pay(&token, "INV-PIN-1", 2000, false);
    first["ovo_account"]["first_payment"] = json!(true);
    let pending = world
        .doku_call("/ovo-open-api/v1/payment-recurring", first.clone())
        .await;
    assert_eq!(pending.status, StatusCode::CREATED, "{}", pending.text());
    let request_id = world.last_request_id.clone();
    assert_eq!(
        pending.json()["payment"]["status"],
        "PENDING",
        "{}",
        pending.text()
    );
    assert!(
        world.ledger().await.is_empty(),
        "nothing moves before the PIN"
    );
    let refund = world
        .doku_call(
            "/ovo-open-api/v1/payment-refund",
            json!({"order": {"invoice_number": "INV-PIN-1"}, "payment": {"original_request_id": request_id}, "refund": {"amount": 1000}}),
        )
        .await;
    assert_eq!(
        refund.status,
        StatusCode::NOT_FOUND,
        "a pending payment is not refundable"
    );
    let again = world
        .doku_call("/ovo-open-api/v1/payment-recurring", first)
        .await;
    assert_eq!(
        again.status,
        StatusCode::CONFLICT,
        "the invoice is taken while pending"
    );

    let page = pending.json()["payment"]["authorization_url"]
        .as_str()
        .unwrap()
        .to_owned();
    let form = world.send(Method::GET, &page, &[], Vec::new()).await;
    assert!(form.text().contains("id=\"pin\""), "{}", form.text());
    assert!(
        !form.text().contains("id=\"otp\""),
        "a payment asks for the PIN only"
    );
    let json = ("content-type", "application/json".to_owned());
    let wrong = world
        .send(
            Method::POST,
            &page,
            std::slice::from_ref(&json),
            br#"{"pin":"000000"}"#.to_vec(),
        )
        .await;
    assert_eq!(wrong.json()["retryAttemptsLeft"], 2, "{}", wrong.text());
    assert!(world.ledger().await.is_empty());
    let right = world
        .send(
            Method::POST,
            &page,
            &[json],
            serde_json::to_vec(&json!({ "pin": PIN })).unwrap(),
        )
        .await;
    assert_eq!(right.json()["status"], "SUCCESS", "{}", right.text());
    assert_eq!(world.ledger().await.len(), 1);
    let mut notified = Value::Null;
    for _ in 0..100 {
        let inbox = world.control(Method::GET, "inbox", Value::Null).await;
        if let Some(first) = inbox["notifications"].as_array().and_then(|n| n.first()) {
            notified = serde_json::from_str(first["body"].as_str().unwrap()).unwrap();
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(notified["transaction"]["status"], "SUCCESS", "{notified}");
    assert_eq!(notified["order"]["invoice_number"], "INV-PIN-1");
    assert_eq!(
        notified["transaction"]["original_request_id"],
        request_id.as_str()
    );
    let gone = world.send(Method::GET, &page, &[], Vec::new()).await;
    assert_eq!(gone.status, StatusCode::GONE);

    // Later payments of the subscription capture at once.
    let later = world
        .doku_call(
            "/ovo-open-api/v1/payment-recurring",
            pay(&token, "INV-PIN-2", 1000, false),
        )
        .await;
    assert_eq!(
        later.json()["payment"]["status"],
        "SUCCESS",
        "{}",
        later.text()
    );
    assert_eq!(world.ledger().await.len(), 2);
}

/// The rule is a configuration field: `Never` answers every payment at once.
#[tokio::test]
async fn doku_pin_rule_never_captures_the_first_payment_at_once() {
    let config = SandboxConfig {
        doku_pin: ovo_sandbox::DokuPinRule::Never,
        ..SandboxConfig::default()
    };
    let mut world = World::with_config(config).await;
    let token = bind(&mut world).await;
    let mut first = pay(&token, "INV-NOPIN-1", 2000, false);
    first["ovo_account"]["first_payment"] = json!(true);
    let paid = world
        .doku_call("/ovo-open-api/v1/payment-recurring", first)
        .await;
    assert_eq!(
        paid.json()["payment"]["status"],
        "SUCCESS",
        "{}",
        paid.text()
    );
    assert_eq!(world.ledger().await.len(), 1);
}
