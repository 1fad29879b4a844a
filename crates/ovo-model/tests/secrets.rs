//! No token or code appears in `Debug` output, pretty or plain, nor in an error message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

use std::fmt::Debug;

use ovo_model::{doku, snap};
use serde::de::DeserializeOwned;

const CANARY: &str = "CANARY-7f3a9c1e";

/// The canary's forms a leak could take.
fn forms() -> Vec<String> {
    vec![
        CANARY.to_owned(),
        CANARY.bytes().map(|b| format!("{b:02x}")).collect(),
        "Q0FOQVJZLTdmM2E5YzFl".to_owned(), // base64
    ]
}

fn assert_no_canary<T: DeserializeOwned + Debug>(json: &str) {
    let message: T = ovo_model::from_json_unvalidated(json.replace("$C", CANARY).as_bytes())
        .unwrap_or_else(|e| panic!("{json}: {e}"));
    let shown = format!("{message:?}\n{message:#?}");
    for form in forms() {
        assert!(
            !shown.contains(&form),
            "{} leaks in Debug: {shown}",
            std::any::type_name::<T>()
        );
    }
    assert!(shown.contains("[redacted]"), "{shown}");
}

#[test]
fn snap_messages_redact_every_token() {
    assert_no_canary::<snap::B2bTokenResponse>(
        r#"{"responseCode":"2007300","responseMessage":"ok","accessToken":"$C","tokenType":"Bearer","expiresIn":"900"}"#,
    );
    assert_no_canary::<snap::B2b2cTokenRequest>(
        r#"{"grantType":"REFRESH_TOKEN","authCode":"$C","refreshToken":"$C"}"#,
    );
    assert_no_canary::<snap::B2b2cTokenResponse>(
        r#"{"responseCode":"2007400","responseMessage":"ok","accessToken":"$C","tokenType":"Bearer","refreshToken":"$C"}"#,
    );
    assert_no_canary::<snap::GenerateTokenResponse>(r#"{"singleUseToken":"$C"}"#);
    assert_no_canary::<snap::BindingResponse>(
        r#"{"responseCode":"2000700","responseMessage":"ok","linkageToken":"$C","redirectUrl":"https://w"}"#,
    );
    assert_no_canary::<snap::WebviewCallback>(r#"{"authCode":"$C","errorCode":""}"#);
    assert_no_canary::<snap::UnbindingRequest>(r#"{"tokenId":"$C","authCode":"$C"}"#);
    assert_no_canary::<snap::UnbindingResponse>(
        r#"{"responseCode":"2000900","responseMessage":"ok","linkageToken":"$C"}"#,
    );
    assert_no_canary::<snap::DirectDebitRequest>(
        r#"{"partnerReferenceNo":"A","amount":{"value":"1.00","currency":"IDR"},"payOptionDetails":[{"payMethod":"CASH","transAmount":{"value":"1.00","currency":"IDR"},"cardToken":"$C","merchantToken":"$C"}]}"#,
    );
}

#[test]
fn doku_messages_redact_every_token() {
    assert_no_canary::<doku::TokenListResponse>(
        r#"{"customer":{"id":"C"},"token_data":{"type":"WALLET_RECURRING"},"wallet":{"issuer":"OVO","token_id":"$C","masked_phone_number":"****1"}}"#,
    );
    assert_no_canary::<doku::BalanceRequest>(
        r#"{"customer":{"id":"C"},"ovo_account":{"token_id":"$C"}}"#,
    );
    assert_no_canary::<doku::PaymentRequest>(
        r#"{"customer":{"id":"C"},"order":{"invoice_number":"INV","amount":1},"ovo_account":{"token_id":"$C"}}"#,
    );
    assert_no_canary::<doku::UnbindRequest>(
        r#"{"customer":{"id":"C","name":"n"},"ovo_account":{"token_id":"$C"}}"#,
    );
    assert_no_canary::<doku::UnbindResponse>(
        r#"{"customer":{"id":"C"},"ovo_account":{"token_id":"$C","status":"SUCCESS"}}"#,
    );
}

#[test]
fn errors_about_a_token_field_do_not_quote_it() {
    let long = format!("{CANARY}{}", "x".repeat(200));
    let body = format!(r#"{{"customer":{{"id":"C"}},"ovo_account":{{"token_id":"{long}"}}}}"#);
    let error = ovo_model::from_json::<doku::BalanceRequest>(body.as_bytes()).unwrap_err();
    let shown = format!("{error} {error:?}");
    assert!(shown.contains("ovo_account.token_id"), "{shown}");
    assert!(!shown.contains(CANARY), "{shown}");
}
