//! Every JSON sample of the two seed documents parses into its type, passes validation,
//! re-serializes stably (parse → serialize → parse is the identity), and is pinned by a snapshot.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

use std::fmt::Debug;
use std::path::Path;

use ovo_model::{ModelError, Validate, doku, snap};
use serde::Serialize;
use serde::de::DeserializeOwned;

fn sample(file: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/samples")
            .join(file),
    )
    .unwrap()
}

/// Parses, validates, round-trips and snapshots one sample; returns the parsed message.
fn check<T>(snapshot: &str, file: &str) -> T
where
    T: DeserializeOwned + Serialize + Validate + PartialEq + Debug,
{
    let parsed: T = ovo_model::from_json(&sample(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    let written = serde_json::to_string_pretty(&parsed).unwrap();
    let reparsed: T = ovo_model::from_json(written.as_bytes()).unwrap();
    assert_eq!(
        parsed, reparsed,
        "{file}: parse → serialize → parse changed the message"
    );
    assert_eq!(serde_json::to_string_pretty(&reparsed).unwrap(), written);
    insta::assert_snapshot!(snapshot, written);
    parsed
}

#[test]
fn doku_binding_request() {
    let request: doku::BindingRequest = check("doku_binding_request", "doku/binding-request.json");
    assert_eq!(request.service_type, "RECURRING");
}

#[test]
fn doku_binding_response() {
    let response: doku::BindingResponse =
        check("doku_binding_response", "doku/binding-response.json");
    assert_eq!(
        response.ovo_account.status,
        doku::RegistrationStatus::Pending
    );
}

#[test]
fn the_published_doku_binding_response_is_not_json() {
    match ovo_model::from_json::<doku::BindingResponse>(&sample(
        "doku/binding-response.seed-verbatim.txt",
    )) {
        Err(ModelError::Syntax { line: 12, .. }) => {}
        other => panic!("want a syntax error at the trailing comma (line 12), got {other:?}"),
    }
}

#[test]
fn doku_token_list() {
    let _: doku::TokenListRequest =
        check("doku_token_list_request", "doku/token-list-request.json");
    let response: doku::TokenListResponse =
        check("doku_token_list_response", "doku/token-list-response.json");
    assert_eq!(
        response.token_data.kind,
        Some(doku::TokenType::WalletRecurring)
    );
    assert_eq!(response.wallet.masked_phone_number, "****3021");
}

#[test]
fn doku_balance() {
    let _: doku::BalanceRequest = check("doku_balance_request", "doku/balance-request.json");
    let response: doku::BalanceResponse =
        check("doku_balance_response", "doku/balance-response.json");
    assert_eq!(response.ovo_account.ovo_cash_balance.0, 100_000);
}

#[test]
fn doku_payment() {
    let request: doku::PaymentRequest = check("doku_payment_request", "doku/payment-request.json");
    // The request sample sends the amount as a string; it is read, and written as a number.
    assert_eq!(request.order.amount.0, 100_000);
    assert_eq!(
        request.ovo_account.payment_use_ovo_point,
        Some(ovo_model::FlexBool(false))
    );
    let response: doku::PaymentResponse =
        check("doku_payment_response", "doku/payment-response.json");
    assert_eq!(response.payment.status, doku::PaymentStatus::Success);
}

#[test]
fn doku_refund() {
    let _: doku::RefundRequest = check("doku_refund_request", "doku/refund-request.json");
    let response: doku::RefundResponse = check("doku_refund_response", "doku/refund-response.json");
    assert_eq!(response.refund.status, Some(doku::RefundStatus::Success));
}

#[test]
fn doku_unbind() {
    let _: doku::UnbindRequest = check("doku_unbind_request", "doku/unbind-request.json");
    let response: doku::UnbindResponse = check("doku_unbind_response", "doku/unbind-response.json");
    assert_eq!(
        response.ovo_account.message.as_deref(),
        Some("Success Unbinding Ovo Account")
    );
}

#[test]
fn snap_unbinding_request() {
    let request: snap::UnbindingRequest =
        check("snap_unbinding_request", "snap/unbinding-request.json");
    assert_eq!(
        request.partner_reference_no.as_deref(),
        Some("085718159655")
    );
}

#[test]
fn snap_error_response() {
    let error: snap::ErrorEnvelope = check("snap_error_response", "snap/error-response.json");
    assert_eq!(
        error.response_code.service(),
        ovo_model::ServiceCode::ACCOUNT_BINDING
    );
    assert!(error.response_code.is_unauthorized());
}

#[test]
fn snap_binding_response() {
    let response: snap::BindingResponse =
        check("snap_binding_response", "snap/binding-response.json");
    let info = response.additional_info.unwrap();
    assert_eq!(
        info.account.unwrap().account_status,
        Some(snap::AccountStatus::Active)
    );
    let q = info.q_params.unwrap();
    assert_eq!(q.client_id.as_deref(), Some("oamerchantam"));
    assert_eq!(q.pairs().len(), 5);
}

#[test]
fn the_published_ovo_samples_are_indented_with_no_break_spaces() {
    for file in [
        "snap/binding-response.seed-verbatim.txt",
        "snap/error-response.seed-verbatim.txt",
    ] {
        let verbatim = sample(file);
        assert!(
            String::from_utf8(verbatim.clone())
                .unwrap()
                .contains('\u{a0}')
        );
        assert!(matches!(
            ovo_model::from_json::<snap::ErrorEnvelope>(&verbatim),
            Err(ModelError::Syntax { line: 2, .. })
        ));
    }
}

#[test]
fn snap_webview_callback() {
    let url = String::from_utf8(sample("snap/webview-callback-url.txt")).unwrap();
    let (callback, state) = snap::WebviewCallback::from_url(url.trim()).unwrap();
    assert!(callback.is_success());
    assert_eq!(callback.retry_attempts_left, Some(4));
    assert_eq!(callback.enable_redirection, Some(false));
    assert_eq!(state, None);
    let written = serde_json::to_string_pretty(&callback).unwrap();
    let reparsed: snap::WebviewCallback = ovo_model::from_json(written.as_bytes()).unwrap();
    assert_eq!(callback, reparsed);
    insta::assert_snapshot!("snap_webview_callback", written);
}
