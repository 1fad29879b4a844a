//! OVO SNAP through the sandbox, black-box over HTTP: every flow, every rejection.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

mod common;

use std::time::Duration;

use common::{CLIENT_ID, PHONE, PIN, World, confirm, pay, payment};
use http::{Method, StatusCode};
use ovo_sign::SignatureEncoding;
use serde_json::{Value, json};

fn cash(world_account: &Value) -> String {
    world_account["cash"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn b2b_token_checks_signature_timestamp_client_and_headers() {
    let mut world = World::new().await;
    world.b2b_token().await;

    // A signature over another client id.
    let timestamp = world.timestamp();
    let forged = ovo_sign::snap::sign_token(&world.key, "someone-else", &timestamp).unwrap();
    let headers = [
        ("X-CLIENT-KEY", CLIENT_ID.to_owned()),
        ("X-TIMESTAMP", timestamp),
        ("X-SIGNATURE", forged.into_header_value()),
    ];
    let path = world.snap_path("access-token/b2b");
    let answer = world
        .send(
            Method::POST,
            &path,
            &headers,
            br#"{"grantType":"client_credentials"}"#.to_vec(),
        )
        .await;
    assert_eq!(
        (answer.status, answer.code()),
        (StatusCode::UNAUTHORIZED, "4017300".to_owned())
    );

    // A timestamp outside the window (our clock 10 minutes behind the sandbox's).
    world.advance(Duration::from_secs(600)).await;
    world.skew = Duration::ZERO;
    let stale = world
        .token_call(
            "access-token/b2b",
            json!({"grantType": "client_credentials"}),
            None,
        )
        .await;
    assert_eq!(stale.code(), "4017300", "{}", stale.text());

    // A missing header names itself.
    let missing = world
        .send(
            Method::POST,
            &path,
            &[("X-CLIENT-KEY", CLIENT_ID.to_owned())],
            b"{}".to_vec(),
        )
        .await;
    assert_eq!(missing.code(), "4007302");
    assert!(
        missing.json()["responseMessage"]
            .as_str()
            .unwrap()
            .contains("X-TIMESTAMP")
    );
}

#[tokio::test]
async fn linking_lookup_binding_webview_and_tokens() {
    let mut world = World::new().await;
    let b2b = world.b2b_token().await;
    let lookup = world
        .service_call(
            Method::GET,
            &format!("/user/v2/account/lookup?phone={PHONE}"),
            &b2b,
            b"",
        )
        .await;
    assert_eq!(lookup.json()["status"], "CAN_LINK", "{}", lookup.text());
    let unknown = world
        .service_call(
            Method::GET,
            "/user/v2/account/lookup?phone=6289999",
            &b2b,
            b"",
        )
        .await;
    assert_eq!(unknown.json()["status"], "CAN_REGISTER");

    let binding = world.binding(PHONE).await;
    let json = binding.json();
    assert_eq!(json["additionalInfo"]["qParams"]["client-id"], CLIENT_ID);
    assert_eq!(
        json["additionalInfo"]["qParams"]["phoneNumber"],
        "628123456****"
    );
    // The page is real HTML with the OTP and PIN fields.
    let linkage = json["linkageToken"].as_str().unwrap();
    let page_url = format!(
        "{}?token={linkage}&destination={}&submissionType=redirect",
        json["redirectUrl"].as_str().unwrap(),
        world.callback()
    );
    let page = world.send(Method::GET, &page_url, &[], Vec::new()).await;
    assert!(
        page.text().contains("id=\"otp\"") && page.text().contains("id=\"pin\""),
        "{}",
        page.text()
    );

    let (access, refresh) = world.link().await;
    assert_eq!(world.account(PHONE).await["bound_to"], CLIENT_ID);
    let refreshed = world.refresh(&refresh).await;
    assert_eq!(refreshed.code(), "2007400", "{}", refreshed.text());
    assert_ne!(refreshed.json()["accessToken"].as_str().unwrap(), access);
}

#[tokio::test]
async fn wrong_otp_and_pin_keep_the_page_until_blocked() {
    let mut world = World::new().await;
    let binding = world.binding(PHONE).await;
    let linkage = binding.json()["linkageToken"].as_str().unwrap().to_owned();
    for left in (1..5).rev() {
        let answer = world.webview_submit(&linkage, Some("0000"), PIN).await;
        assert_eq!(answer["retryAttemptsLeft"], left, "{answer}");
        assert!(answer.get("redirect").is_none());
    }
    let blocked = world.webview_submit(&linkage, Some("0000"), PIN).await;
    assert_eq!(blocked["error"], "blocked");
    // Even the right OTP and PIN are refused while blocked.
    let otp = PHONE.get(PHONE.len() - 4..).unwrap();
    assert_eq!(
        world.webview_submit(&linkage, Some(otp), PIN).await["error"],
        "blocked"
    );
    // 30 minutes later the block ends (a new binding, since the linkage token expired).
    world.advance(Duration::from_secs(31 * 60)).await;
    let binding = world.binding(PHONE).await;
    let linkage = binding.json()["linkageToken"].as_str().unwrap().to_owned();
    for left in [2, 1] {
        assert_eq!(
            world.webview_submit(&linkage, Some(otp), "000000").await["retryAttemptsLeft"],
            left
        );
    }
    assert_eq!(
        world.webview_submit(&linkage, Some(otp), "000000").await["error"],
        "blocked"
    );
}

#[tokio::test]
async fn two_phase_debit_moves_money_only_on_the_second_call_and_only_once() {
    let mut world = World::new().await;
    let (access, _) = world.link().await;
    let balance = world.balance(&access).await;
    assert_eq!(balance.code(), "2001100", "{}", balance.text());
    assert_eq!(
        balance.json()["accountInfos"][0]["amount"]["value"],
        "100000.00"
    );

    let body = payment("INV-0001", "25000.00");
    let single_use = confirm(&mut world, &access, &body).await;
    assert_eq!(
        cash(&world.account(PHONE).await),
        "100000.00",
        "call 1 moves nothing"
    );
    assert!(world.ledger().await.is_empty());

    let path = world.snap_path("debit/payment-host-to-host");
    let second = world
        .service_call(Method::POST, &path, &single_use, &body)
        .await;
    assert_eq!(second.code(), "2005400", "{}", second.text());
    assert_eq!(cash(&world.account(PHONE).await), "75000.00");
    // A replay of the capturing call answers the same, and captures nothing more.
    let replay = world
        .service_call(Method::POST, &path, &single_use, &body)
        .await;
    assert_eq!(replay.code(), "2005400");
    assert_eq!(world.ledger().await.len(), 1);
    assert_eq!(cash(&world.account(PHONE).await), "75000.00");

    let status = world
        .service_call(
            Method::POST,
            &world.snap_path("debit/status"),
            &access,
            br#"{"originalPartnerReferenceNo":"INV-0001","serviceCode":"54"}"#,
        )
        .await;
    assert_eq!(
        status.json()["latestTransactionStatus"],
        "00",
        "{}",
        status.text()
    );
    let unknown = world
        .service_call(
            Method::POST,
            &world.snap_path("debit/status"),
            &access,
            br#"{"originalPartnerReferenceNo":"NOPE","serviceCode":"54"}"#,
        )
        .await;
    assert_eq!(unknown.json()["latestTransactionStatus"], "07");
}

#[tokio::test]
async fn the_second_call_must_repeat_the_first_body_and_the_funds_must_suffice() {
    let mut world = World::new().await;
    let (access, _) = world.link().await;
    let path = world.snap_path("debit/payment-host-to-host");
    let body = payment("INV-0002", "1000.00");
    let single_use = confirm(&mut world, &access, &body).await;
    let changed = payment("INV-0002", "9000.00");
    let refused = world
        .service_call(Method::POST, &path, &single_use, &changed)
        .await;
    assert_eq!(refused.code(), "4095401", "{}", refused.text());

    let big = payment("INV-0003", "200000.00");
    let single_use = confirm(&mut world, &access, &big).await;
    let poor = world
        .service_call(Method::POST, &path, &single_use, &big)
        .await;
    assert_eq!(poor.code(), "4035414", "{}", poor.text());
    assert!(world.ledger().await.is_empty());

    // A duplicate partnerReferenceNo with another body.
    let again = world
        .service_call(Method::POST, &path, &access, &payment("INV-0003", "5.00"))
        .await;
    assert_eq!(again.code(), "4095401");
}

#[tokio::test]
async fn the_debit_times_out_fifteen_minutes_after_the_webview_opens() {
    let mut world = World::new().await;
    let (access, _) = world.link().await;
    let body = payment("INV-0004", "1000.00");
    let single_use = confirm(&mut world, &access, &body).await;
    world.advance(Duration::from_secs(16 * 60)).await;
    let late = world
        .service_call(
            Method::POST,
            &world.snap_path("debit/payment-host-to-host"),
            &single_use,
            &body,
        )
        .await;
    assert_eq!(
        late.status,
        StatusCode::UNAUTHORIZED,
        "the single-use token lived 15 minutes: {}",
        late.text()
    );
    assert!(world.ledger().await.is_empty());
}

#[tokio::test]
async fn recurring_debits_capture_without_the_pin_webview() {
    let mut world = World::new().await;
    let (access, _) = world.link().await;
    let body = serde_json::to_vec(&json!({
        "partnerReferenceNo": "SUB-0001",
        "amount": {"value": "3000.00", "currency": "IDR"},
        "payOptionDetails": [{"payMethod": "POINTS", "transAmount": {"value": "3000.00", "currency": "IDR"}}],
        "additionalInfo": {"subTransactionType": "AUTO"},
    }))
    .unwrap();
    let answer = world
        .service_call(
            Method::POST,
            &world.snap_path("debit/payment-host-to-host"),
            &access,
            &body,
        )
        .await;
    assert_eq!(answer.code(), "2005400", "{}", answer.text());
    let account = world.account(PHONE).await;
    assert_eq!(
        (
            account["points"].as_str().unwrap(),
            account["cash"].as_str().unwrap()
        ),
        ("2000.00", "100000.00")
    );
}

#[tokio::test]
async fn refunds_partial_full_over_window_limit_and_after_unbinding() {
    let mut world = World::new().await;
    let (access, _) = world.link().await;
    pay(&mut world, &access, &payment("INV-0005", "40000.00")).await;
    let b2b = world.b2b_token().await;
    let refund_path = world.snap_path("debit/refund");
    let refund = |no: &str, amount: &str| {
        serde_json::to_vec(&json!({"originalPartnerReferenceNo": "INV-0005", "partnerRefundNo": no, "refundAmount": {"value": amount, "currency": "IDR"}})).unwrap()
    };
    // A customer token is not enough: refunds need the B2B token.
    let wrong = world
        .service_call(Method::POST, &refund_path, &access, &refund("RF-0", "1.00"))
        .await;
    assert_eq!(wrong.code(), "4015801");
    let partial = world
        .service_call(
            Method::POST,
            &refund_path,
            &b2b,
            &refund("RF-1", "10000.00"),
        )
        .await;
    assert_eq!(partial.code(), "2005800", "{}", partial.text());
    let over = world
        .service_call(
            Method::POST,
            &refund_path,
            &b2b,
            &refund("RF-2", "30000.01"),
        )
        .await;
    assert_eq!(over.code(), "4035815", "{}", over.text());
    let status_path = world.snap_path("debit/status");
    let status_body = br#"{"originalPartnerReferenceNo":"INV-0005","serviceCode":"54"}"#;
    let status = world
        .service_call(Method::POST, &status_path, &access, status_body)
        .await;
    assert_eq!(status.json()["latestTransactionStatus"], "00");
    assert_eq!(status.json()["refundHistory"].as_array().unwrap().len(), 1);

    // Unbinding does not stop refunds [S]; the daily limit (50000) does.
    unbind(&mut world, &access).await;
    let rest = world
        .service_call(
            Method::POST,
            &refund_path,
            &b2b,
            &refund("RF-3", "30000.00"),
        )
        .await;
    assert_eq!(rest.code(), "2005800", "{}", rest.text());
    assert_eq!(cash(&world.account(PHONE).await), "100000.00");
    // Status takes the customer's token, gone with the binding; the B2B token is for refunds
    // only [S].
    let status = world
        .service_call(Method::POST, &status_path, &b2b, status_body)
        .await;
    assert_eq!(status.code(), "4015502", "{}", status.text());
}

#[tokio::test]
async fn refunds_stop_at_the_daily_limit_and_after_sixty_days() {
    let mut world = World::new().await;
    world
        .control(Method::POST, "accounts/6281234567890/close", Value::Null)
        .await;
    world
        .control(
            Method::POST,
            "accounts",
            json!({"phone": "6287700000001", "pin": PIN, "cash": "900000.00"}),
        )
        .await;
    let binding = world.binding("6287700000001").await;
    let linkage = binding.json()["linkageToken"].as_str().unwrap().to_owned();
    let answer = world.webview_submit(&linkage, Some("0001"), PIN).await;
    let tokens = world
        .exchange_callback(answer["redirect"].as_str().unwrap(), "s-1", &linkage)
        .await;
    let access = tokens["accessToken"].as_str().unwrap().to_owned();
    for reference in ["INV-A", "INV-B"] {
        pay(&mut world, &access, &payment(reference, "60000.00")).await;
    }
    let b2b = world.b2b_token().await;
    let refund_path = world.snap_path("debit/refund");
    let refund = |reference: &str, no: &str, amount: &str| {
        serde_json::to_vec(&json!({"originalPartnerReferenceNo": reference, "partnerRefundNo": no, "refundAmount": {"value": amount, "currency": "IDR"}})).unwrap()
    };
    let over_limit = world
        .service_call(
            Method::POST,
            &refund_path,
            &b2b,
            &refund("INV-A", "RF-A", "50000.01"),
        )
        .await;
    assert_eq!(over_limit.code(), "4035802", "{}", over_limit.text());
    world.advance(Duration::from_secs(61 * 24 * 3600)).await;
    let b2b = world.b2b_token().await;
    let late = world
        .service_call(
            Method::POST,
            &refund_path,
            &b2b,
            &refund("INV-B", "RF-B", "1.00"),
        )
        .await;
    assert_eq!(late.code(), "4035800", "{}", late.text());
}

async fn unbind(world: &mut World, access: &str) {
    let path = world.snap_path("oauth/account/registration-account-unbinding");
    let first = world
        .service_call(
            Method::POST,
            &path,
            access,
            br#"{"partnerReferenceNo":"UNB-1"}"#,
        )
        .await;
    assert_eq!(first.code(), "2000900", "{}", first.text());
    let linkage = first.json()["linkageToken"].as_str().unwrap().to_owned();
    let confirmed = world.webview_submit(&linkage, None, PIN).await;
    let (callback, _) =
        ovo_model::snap::WebviewCallback::from_url(confirmed["redirect"].as_str().unwrap())
            .unwrap();
    let code = callback.auth_code.unwrap().expose().to_owned();
    let body =
        serde_json::to_vec(&json!({"partnerReferenceNo": "UNB-1", "authCode": code})).unwrap();
    let second = world
        .service_call(Method::POST, &path, &linkage, &body)
        .await;
    assert_eq!(second.code(), "2000900", "{}", second.text());
}

#[tokio::test]
async fn unbinding_kills_every_customer_token() {
    let mut world = World::new().await;
    let (access, refresh) = world.link().await;
    unbind(&mut world, &access).await;
    let balance = world.balance(&access).await;
    assert_eq!(balance.code(), "4011102");
    let refreshed = world.refresh(&refresh).await;
    assert_eq!(refreshed.code(), "4017402");
    assert!(world.account(PHONE).await["bound_to"].is_null());
}

#[tokio::test]
async fn phone_change_and_closure_break_tokens_and_access_tokens_expire() {
    let mut world = World::new().await;
    let (access, refresh) = world.link().await;
    world
        .control(
            Method::POST,
            &format!("accounts/{PHONE}/change-phone"),
            json!({"new_phone": "6281111111111"}),
        )
        .await;
    let balance = world.balance(&access).await;
    assert_eq!(balance.code(), "4011102");
    let refreshed = world.refresh(&refresh).await;
    assert_eq!(refreshed.code(), "4017402");

    let mut world = World::new().await;
    let (access, _) = world.link().await;
    world.advance(Duration::from_secs(15 * 24 * 3600 + 1)).await;
    let expired = world.balance(&access).await;
    assert_eq!(expired.code(), "4011102", "access tokens live 15 days");
}

#[tokio::test]
async fn signatures_external_ids_and_encodings_are_checked() {
    let mut world = World::new().await;
    let (access, _) = world.link().await;
    let path = world.snap_path("balance-inquiry");
    let hex = world
        .service_call_with(
            Method::POST,
            &path,
            &access,
            b"{}",
            SignatureEncoding::HexLower,
            |_| {},
        )
        .await;
    assert_eq!(
        hex.code(),
        "2001100",
        "hex is accepted by default: {}",
        hex.text()
    );
    let tampered = world
        .service_call_with(
            Method::POST,
            &path,
            &access,
            b"{}",
            SignatureEncoding::Base64,
            |headers| {
                for header in headers
                    .iter_mut()
                    .filter(|(name, _)| *name == "X-SIGNATURE")
                {
                    header.1 = header.1.chars().rev().collect();
                }
            },
        )
        .await;
    assert_eq!(tampered.code(), "4011100");
    let mut reused = String::new();
    let first = world
        .service_call_with(
            Method::POST,
            &path,
            &access,
            b"{}",
            SignatureEncoding::Base64,
            |headers| {
                reused = headers
                    .iter()
                    .find(|(n, _)| *n == "X-EXTERNAL-ID")
                    .unwrap()
                    .1
                    .clone();
            },
        )
        .await;
    assert_eq!(first.code(), "2001100");
    let duplicate = world
        .service_call_with(
            Method::POST,
            &path,
            &access,
            b"{}",
            SignatureEncoding::Base64,
            |headers| {
                for header in headers
                    .iter_mut()
                    .filter(|(name, _)| *name == "X-EXTERNAL-ID")
                {
                    header.1 = reused.clone();
                }
            },
        )
        .await;
    assert_eq!(duplicate.code(), "4091100", "{}", duplicate.text());
}

#[tokio::test]
async fn malformed_input_gets_the_envelope_never_a_500() {
    let mut world = World::new().await;
    let (access, _) = world.link().await;
    let path = world.snap_path("debit/payment-host-to-host");
    for (body, code) in [
        (b"{not json".to_vec(), "4005400"),
        (
            br#"{"partnerReferenceNo":7,"amount":{"value":"1.00","currency":"IDR"}}"#.to_vec(),
            "4005401",
        ),
        (
            br#"{"amount":{"value":"1.00","currency":"IDR"}}"#.to_vec(),
            "4005402",
        ),
        (
            br#"{"partnerReferenceNo":"X","amount":{"value":"1.0","currency":"IDR"}}"#.to_vec(),
            "4005401",
        ),
        (vec![b' '; 70 * 1024], "4005400"),
    ] {
        let answer = world
            .service_call(Method::POST, &path, &access, &body)
            .await;
        assert_eq!(answer.code(), code, "{}", answer.text());
        assert_ne!(answer.status, StatusCode::INTERNAL_SERVER_ERROR);
    }
}

#[tokio::test]
async fn b2b_tokens_live_fifteen_minutes_and_linkage_tokens_five() {
    let mut world = World::new().await;
    let b2b = world.b2b_token().await;
    let binding = world.binding(PHONE).await;
    let linkage = binding.json()["linkageToken"].as_str().unwrap().to_owned();
    world.advance(Duration::from_secs(6 * 60)).await;
    let otp = PHONE.get(PHONE.len() - 4..).unwrap();
    let late = world.webview_submit(&linkage, Some(otp), PIN).await;
    assert!(
        late.get("redirect").is_none(),
        "the linkage token lived 5 minutes: {late}"
    );

    world.advance(Duration::from_secs(10 * 60)).await;
    let lookup = world
        .service_call(
            Method::GET,
            &format!("/user/v2/account/lookup?phone={PHONE}"),
            &b2b,
            b"",
        )
        .await;
    assert_eq!(
        lookup.code(),
        "4010001",
        "the B2B token lived 15 minutes: {}",
        lookup.text()
    );
}
