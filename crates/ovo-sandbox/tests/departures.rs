//! Where the sandbox had departed from the provider's documents, one test per departure, each
//! named as in issue 12.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

mod common;

use common::{CLIENT_ID, PHONE, PIN, World, pay, payment};
use http::{Method, StatusCode};
use serde_json::json;

/// Seed 004: the B2B access token "will be use only for refund"; status takes the customer's.
#[tokio::test]
async fn status_refuses_b2b_token() {
    let mut world = World::new().await;
    let (access, _) = world.link().await;
    pay(&mut world, &access, &payment("INV-ST1", "1000.00")).await;
    let b2b = world.b2b_token().await;
    let path = world.snap_path("debit/status");
    let body = br#"{"originalPartnerReferenceNo":"INV-ST1","serviceCode":"54"}"#;
    let refused = world.service_call(Method::POST, &path, &b2b, body).await;
    assert_eq!(
        refused.status,
        StatusCode::UNAUTHORIZED,
        "{}",
        refused.text()
    );
    assert_eq!(refused.code(), "4015502", "{}", refused.text());
    let json = refused.json();
    assert!(json.get("latestTransactionStatus").is_none(), "{json}");
    assert!(json.get("amount").is_none(), "{json}");
    let answered = world.service_call(Method::POST, &path, &access, body).await;
    assert_eq!(answered.code(), "2005500", "{}", answered.text());
    assert_eq!(answered.json()["latestTransactionStatus"], "00");
}

/// The FAQ: the callback URL is a static value registered with OVO. A destination that only
/// starts like a registered one gets the error page and no code.
#[tokio::test]
async fn webview_destination_must_match_exactly() {
    let mut world = World::new().await;
    let public = String::from_utf8(common::key_file("rsa2048-public-pkcs1.pem")).unwrap();
    world
        .control(
            Method::POST,
            "partners",
            json!({
                "client_id": CLIENT_ID, "client_secrets": [common::CLIENT_SECRET],
                "public_keys": [public], "callback_urls": ["https://piswebblank.pis", world.callback()],
                "daily_refund_limit": "50000.00"
            }),
        )
        .await;
    let binding = world.binding(PHONE).await;
    let linkage = binding.json()["linkageToken"].as_str().unwrap().to_owned();
    let otp = ovo_sandbox::otp(PHONE);
    for evil in [
        "https://piswebblank.pis.evil.example/x",
        "https://piswebblank.pis@evil.example/x",
        "https://user@piswebblank.pis/",
        "https://piswebblank.pis/x",
        "http://piswebblank.pis/",
        "https://piswebblank.pis:8443/",
        "https://piswebblank.pis/#x",
        &format!("{}/x", world.callback()),
        &format!("{}x", world.callback()),
    ] {
        let mut query = form_urlencoded::Serializer::new(String::new());
        query
            .append_pair("token", &linkage)
            .append_pair("destination", evil);
        let page = world
            .send(
                Method::GET,
                &format!("/cellblockui/partner/activation?{}", query.finish()),
                &[],
                Vec::new(),
            )
            .await;
        assert_eq!(
            page.status,
            StatusCode::BAD_REQUEST,
            "{evil}: {}",
            page.text()
        );
        assert!(!page.text().contains("id=\"pin\""), "{evil}");
        let body = json!({"session": linkage, "destination": evil, "otp": otp, "pin": PIN});
        let submitted = world
            .send(
                Method::POST,
                "/cellblockui/partner/submit",
                &[("content-type", "application/json".into())],
                serde_json::to_vec(&body).unwrap(),
            )
            .await;
        assert_eq!(submitted.status, StatusCode::BAD_REQUEST, "{evil}");
        assert!(
            !submitted.text().contains("authCode"),
            "{evil}: {}",
            submitted.text()
        );
    }
    // The registered value itself (its path is "/" once parsed), with the partner's state.
    let body = json!({"session": linkage, "destination": "https://piswebblank.pis/", "state": "s-9", "otp": otp, "pin": PIN});
    let submitted = world
        .send(
            Method::POST,
            "/cellblockui/partner/submit",
            &[("content-type", "application/json".into())],
            serde_json::to_vec(&body).unwrap(),
        )
        .await;
    let redirect = submitted.json()["redirect"].as_str().unwrap().to_owned();
    assert!(
        redirect.starts_with("https://piswebblank.pis/?response="),
        "{redirect}"
    );
    assert!(redirect.ends_with("&state=s-9"), "{redirect}");
}

/// The FAQ's functional-test example, sent as published: `v1.0`, no `CHANNEL-ID` nor
/// `X-DEVICE-ID`, a hex `X-Signature` that does not verify. OVO answered `4010700`.
#[tokio::test]
async fn seed_example_request_answers_as_published() {
    let world = World::new().await;
    let public = String::from_utf8(common::key_file("rsa2048-public-pkcs1.pem")).unwrap();
    world
        .control(
            Method::POST,
            "partners",
            json!({
                "client_id": "oamerchantal", "client_secrets": ["another-secret"],
                "public_keys": [public], "callback_urls": ["https://piswebblank.pis"]
            }),
        )
        .await;
    let body = br#"{"partnerReferenceNo":"085718159655","authCode":null}"#;
    assert_eq!(body.len(), 53, "the example's Content-Length");
    let headers = [
        ("Authorization", "Bearer 111eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJjb2RlaGFzaCI6Ik56TmhOakV5WVRRd05URmtOR0V4TUdGalpqVTJPV1kzWVdWak1EWXlNekEiLCJyYW5kb20iOiJOalV5TWpnMU5BIiwidmVyc2lvbiI6MX0.ugKRb-k2ZiU9hFHdpeNW-B2XqW4_2NcSB480cDftjCY".to_owned()),
        ("X-EXTERNAL-ID", "1666593760774".to_owned()),
        ("X-Partner-ID", "oamerchantal".to_owned()),
        ("X-Signature", "de6716ba730866e05d9921149f62adb8d1727224866bcf57f731a7581f7f356768a3539d08d49544208294f0b5ca2bf6fd656531c42c34a1e9a542e868df2042".to_owned()),
        ("X-Timestamp", "2022-10-24T13:42:13.092+07:00".to_owned()),
        ("Content-Type", "application/json".to_owned()),
    ];
    for version in ["v1.0", "v2.0"] {
        let path = format!("/OVOSNAP/{version}/oauth/account/registration-account-unbinding");
        let answer = world
            .send(Method::POST, &path, &headers, body.to_vec())
            .await;
        assert_eq!(
            answer.status,
            StatusCode::UNAUTHORIZED,
            "{path}: {}",
            answer.text()
        );
        assert_eq!(answer.code(), "4010700", "{path}: {}", answer.text());
        let message = answer.json()["responseMessage"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(
            message.starts_with("Unauthorized. Signature Failed"),
            "{message}"
        );
    }
    // Every endpoint answers under both versions (a 404 would be plain text).
    for name in [
        "access-token/b2b",
        "access-token/b2b2c",
        "oauth/account/registration-account-binding",
        "balance-inquiry",
        "debit/payment-host-to-host",
        "debit/status",
        "debit/refund",
    ] {
        for version in ["v1.0", "v2.0"] {
            let path = format!("/OVOSNAP/{version}/{name}");
            let answer = world.send(Method::POST, &path, &[], b"{}".to_vec()).await;
            assert_ne!(answer.status, StatusCode::NOT_FOUND, "{path}");
            assert!(answer.json()["responseCode"].is_string(), "{path}");
        }
    }
}

/// The FAQ lists the Top Up Instruction (`reference/v1/topup/options`) among OVO's APIs.
#[tokio::test]
async fn top_up_instruction_is_served() {
    let mut world = World::new().await;
    let b2b = world.b2b_token().await;
    let answer = world
        .service_call(Method::GET, "/reference/v1/topup/options", &b2b, b"")
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let options = answer.json()["topUpOptions"].as_array().unwrap().clone();
    assert!(!options.is_empty());
    assert!(
        options
            .iter()
            .all(|o| o["steps"].as_array().is_some_and(|s| !s.is_empty()))
    );
    let unsigned = world
        .send(Method::GET, "/reference/v1/topup/options", &[], Vec::new())
        .await;
    assert_eq!(unsigned.status.as_u16() / 100, 4, "{}", unsigned.text());
}

/// The FAQ: refresh "using the refreshToken as the authorization"; the body form works too.
#[tokio::test]
async fn refresh_accepts_the_refresh_token_as_the_authorization() {
    let mut world = World::new().await;
    let (_, refresh) = world.link().await;
    let as_authorization = world
        .token_call(
            "access-token/b2b2c",
            json!({"grantType": "REFRESH_TOKEN"}),
            Some(&refresh),
        )
        .await;
    assert_eq!(
        as_authorization.code(),
        "2007400",
        "{}",
        as_authorization.text()
    );
    let access = as_authorization.json()["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(world.balance(&access).await.code(), "2001100");
    let in_body = world.refresh(&refresh).await;
    assert_eq!(in_body.code(), "2007400", "{}", in_body.text());
    let both = world
        .token_call(
            "access-token/b2b2c",
            json!({"grantType": "REFRESH_TOKEN", "refreshToken": refresh}),
            Some(&refresh),
        )
        .await;
    assert_eq!(both.code(), "2007400", "{}", both.text());
    let disagree = world
        .token_call(
            "access-token/b2b2c",
            json!({"grantType": "REFRESH_TOKEN", "refreshToken": refresh}),
            Some("another-token"),
        )
        .await;
    assert_eq!(
        disagree.status,
        StatusCode::UNAUTHORIZED,
        "{}",
        disagree.text()
    );
    let neither = world
        .token_call(
            "access-token/b2b2c",
            json!({"grantType": "REFRESH_TOKEN"}),
            None,
        )
        .await;
    assert_eq!(neither.code(), "4007402", "{}", neither.text());
}
