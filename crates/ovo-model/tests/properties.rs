//! Property tests: no parser panics on any input, and every rule violation yields its specific
//! error variant at its field path (a catch-all variant would fail these tests).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

use ovo_model::{FieldErrorKind, ModelError, doku, snap};
use proptest::prelude::*;
use serde_json::{Value, json};

/// Parses `bytes` as every message type; none may panic.
fn parse_as_everything(bytes: &[u8]) {
    macro_rules! all {
        ($($t:ty),+ $(,)?) => { $( let _ = ovo_model::from_json::<$t>(bytes); )+ };
    }
    all!(
        snap::B2bTokenRequest,
        snap::B2bTokenResponse,
        snap::B2b2cTokenRequest,
        snap::B2b2cTokenResponse,
        snap::GenerateTokenResponse,
        snap::LookupResponse,
        snap::BindingRequest,
        snap::BindingResponse,
        snap::WebviewCallback,
        snap::UnbindingRequest,
        snap::UnbindingResponse,
        snap::BalanceInquiryRequest,
        snap::BalanceInquiryResponse,
        snap::DirectDebitRequest,
        snap::DirectDebitResponse,
        snap::DebitStatusRequest,
        snap::DebitStatusResponse,
        snap::RefundRequest,
        snap::RefundResponse,
        snap::DebitNotify,
        snap::ErrorEnvelope,
        doku::BindingRequest,
        doku::BindingResponse,
        doku::TokenListRequest,
        doku::TokenListResponse,
        doku::BalanceRequest,
        doku::BalanceResponse,
        doku::PaymentRequest,
        doku::PaymentResponse,
        doku::RefundRequest,
        doku::RefundResponse,
        doku::UnbindRequest,
        doku::UnbindResponse,
        doku::Notification,
        doku::DokuErrorBody,
    );
    let _ = std::str::from_utf8(bytes).map(snap::WebviewCallback::from_query);
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "[0-9.]{0,20}".prop_map(Value::String),
        any::<String>().prop_map(Value::String),
    ];
    let keys = prop_oneof![
        Just("customer".to_owned()),
        Just("order".to_owned()),
        Just("amount".to_owned()),
        Just("id".to_owned()),
        Just("value".to_owned()),
        Just("currency".to_owned()),
        Just("responseCode".to_owned()),
        Just("invoice_number".to_owned()),
        Just("token_id".to_owned()),
        Just("partnerReferenceNo".to_owned()),
        Just("ovo_account".to_owned()),
        "[a-z_]{1,8}",
    ];
    leaf.prop_recursive(4, 64, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(keys.clone(), inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Expects a field error of exactly this path and kind.
fn expect_field<T: std::fmt::Debug>(result: Result<T, ModelError>, path: &str) -> FieldErrorKind {
    match result {
        Err(ModelError::Field(error)) => {
            assert_eq!(error.path, path, "wrong path for {error}");
            error.kind
        }
        other => panic!("want a field error at {path}, got {other:?}"),
    }
}

fn payment(invoice: &str, customer_id: &str, amount: Value) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "customer": {"id": customer_id},
        "order": {"invoice_number": invoice, "amount": amount},
        "ovo_account": {"token_id": "c15d437b56b918abaa3951b0beb48a57"}
    }))
    .unwrap()
}

fn debit(reference: &str, value: Value, currency: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "partnerReferenceNo": reference,
        "amount": {"value": value, "currency": currency}
    }))
    .unwrap()
}

fn valid_invoice() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_-]{3,32}"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn no_parser_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        parse_as_everything(&bytes);
    }

    #[test]
    fn no_parser_panics_on_arbitrary_json(value in json_value()) {
        parse_as_everything(&serde_json::to_vec(&value).unwrap());
    }

    #[test]
    fn valid_invoice_numbers_pass(invoice in valid_invoice()) {
        prop_assert!(ovo_model::from_json::<doku::PaymentRequest>(&payment(&invoice, "C1", json!(1000))).is_ok());
    }

    #[test]
    fn short_invoice_numbers_are_too_short(invoice in "[A-Za-z0-9_-]{1,2}") {
        let kind = expect_field(ovo_model::from_json::<doku::PaymentRequest>(&payment(&invoice, "C1", json!(1))), "order.invoice_number");
        prop_assert_eq!(kind, FieldErrorKind::TooShort { min: 3, actual: invoice.len() });
    }

    #[test]
    fn long_invoice_numbers_are_too_long(invoice in "[A-Za-z0-9_-]{33,80}") {
        let kind = expect_field(ovo_model::from_json::<doku::PaymentRequest>(&payment(&invoice, "C1", json!(1))), "order.invoice_number");
        prop_assert_eq!(kind, FieldErrorKind::TooLong { max: 32, actual: invoice.len() });
    }

    #[test]
    fn invoice_numbers_with_other_characters_break_the_pattern(
        head in "[A-Za-z0-9_-]{1,15}", bad in "[^A-Za-z0-9_-]", tail in "[A-Za-z0-9_-]{1,15}",
    ) {
        let invoice = format!("{head}{bad}{tail}");
        let kind = expect_field(ovo_model::from_json::<doku::PaymentRequest>(&payment(&invoice, "C1", json!(1))), "order.invoice_number");
        prop_assert!(matches!(kind, FieldErrorKind::Pattern { .. }), "{kind:?}");
    }

    #[test]
    fn customer_ids_over_their_endpoint_limit_are_too_long(extra in 1usize..40) {
        let id = "C".repeat(50 + extra);
        let kind = expect_field(ovo_model::from_json::<doku::PaymentRequest>(&payment("INV-1", &id, json!(1))), "customer.id");
        prop_assert_eq!(kind, FieldErrorKind::TooLong { max: 50, actual: 50 + extra });
        // Balance allows 64 [S].
        let balance = serde_json::to_vec(&json!({"customer": {"id": id}, "ovo_account": {"token_id": "t"}})).unwrap();
        let result = ovo_model::from_json::<doku::BalanceRequest>(&balance);
        if 50 + extra <= 64 {
            prop_assert!(result.is_ok());
        } else {
            prop_assert_eq!(expect_field(result, "customer.id"), FieldErrorKind::TooLong { max: 64, actual: 50 + extra });
        }
    }

    #[test]
    fn doku_amounts_that_are_not_whole_rupiah_are_wrong_type(
        amount in prop_oneof![
            (1u32..1_000_000, 1u32..100).prop_map(|(a, b)| json!(f64::from(a) + f64::from(b) / 100.0)),
            (1i64..1_000_000).prop_map(|a| json!(-a)),
            "[0-9]{0,3}[^0-9][0-9]{0,3}".prop_map(Value::String),
            Just(Value::Bool(true)),
            Just(Value::Null),
        ],
    ) {
        let kind = expect_field(ovo_model::from_json::<doku::PaymentRequest>(&payment("INV-1", "C1", amount)), "order.amount");
        prop_assert!(matches!(kind, FieldErrorKind::WrongType { .. } | FieldErrorKind::Missing), "{kind:?}");
    }

    #[test]
    fn snap_amount_values_outside_the_pattern_are_wrong_type(value in "[0-9.,e+-]{0,20}") {
        let well_formed = value.split_once('.').is_some_and(|(w, f)| {
            !w.is_empty() && w.len() <= 16 && w.bytes().all(|b| b.is_ascii_digit())
                && f.len() == 2 && f.bytes().all(|b| b.is_ascii_digit())
        });
        prop_assume!(!well_formed);
        let kind = expect_field(ovo_model::from_json::<snap::DirectDebitRequest>(&debit("INV-1", json!(value), "IDR")), "amount.value");
        prop_assert!(matches!(kind, FieldErrorKind::WrongType { .. }), "{kind:?}");
    }

    #[test]
    fn snap_amounts_in_another_currency_are_invalid(currency in "[A-Z]{3}") {
        prop_assume!(currency != "IDR");
        let kind = expect_field(ovo_model::from_json::<snap::DirectDebitRequest>(&debit("INV-1", json!("10.00"), &currency)), "amount.currency");
        prop_assert_eq!(kind, FieldErrorKind::InvalidValue { expected: "IDR" });
    }

    #[test]
    fn snap_partner_references_over_32_are_too_long(reference in "[A-Z0-9-]{33,64}") {
        let kind = expect_field(ovo_model::from_json::<snap::DirectDebitRequest>(&debit(&reference, json!("10.00"), "IDR")), "partnerReferenceNo");
        prop_assert_eq!(kind, FieldErrorKind::TooLong { max: 32, actual: reference.len() });
    }

    #[test]
    fn snap_refund_numbers_over_64_are_too_long(refund_no in "[A-Z0-9-]{65,100}") {
        let body = serde_json::to_vec(&json!({
            "originalPartnerReferenceNo": "INV-1", "partnerRefundNo": refund_no,
            "refundAmount": {"value": "1.00", "currency": "IDR"}
        })).unwrap();
        let kind = expect_field(ovo_model::from_json::<snap::RefundRequest>(&body), "partnerRefundNo");
        prop_assert_eq!(kind, FieldErrorKind::TooLong { max: 64, actual: refund_no.len() });
    }

    #[test]
    fn doku_urls_over_2048_are_too_long(extra in 1usize..100) {
        let url = format!("https://m.example/{}", "a".repeat(2048 - 18 + extra));
        let body = serde_json::to_vec(&json!({
            "customer": {"id": "C1"},
            "ovo_account": {"account_mobile_phone": "62812", "success_registration_url": url, "failed_registration_url": "https://m.example/f"},
            "service_type": "RECURRING"
        })).unwrap();
        let kind = expect_field(ovo_model::from_json::<doku::BindingRequest>(&body), "ovo_account.success_registration_url");
        prop_assert_eq!(kind, FieldErrorKind::TooLong { max: 2048, actual: 2048 + extra });
    }

    #[test]
    fn external_ids_over_36_are_refused(id in "[0-9]{37,60}") {
        let error = snap::ExternalId::new(id.clone()).unwrap_err();
        prop_assert_eq!(error.kind, FieldErrorKind::TooLong { max: 36, actual: id.len() });
    }
}

#[test]
fn absent_mandatory_fields_are_missing_at_their_own_path() {
    let cases: Vec<(Result<(), ModelError>, &str)> = vec![
        (ovo_model::from_json::<snap::DirectDebitRequest>(br#"{"amount":{"value":"1.00","currency":"IDR"}}"#).map(drop), "partnerReferenceNo"),
        (ovo_model::from_json::<snap::DirectDebitRequest>(br#"{"partnerReferenceNo":"A","amount":{"currency":"IDR"}}"#).map(drop), "amount.value"),
        (ovo_model::from_json::<doku::PaymentRequest>(br#"{"customer":{"id":"C"},"order":{"amount":1},"ovo_account":{"token_id":"t"}}"#).map(drop), "order.invoice_number"),
        (ovo_model::from_json::<doku::PaymentRequest>(br#"{"customer":{"id":""},"order":{"invoice_number":"INV","amount":1},"ovo_account":{"token_id":"t"}}"#).map(drop), "customer.id"),
        (ovo_model::from_json::<doku::BindingRequest>(br#"{"customer":{"id":"C"},"ovo_account":{"account_mobile_phone":"1","failed_registration_url":"https://x"},"service_type":"RECURRING"}"#).map(drop), "ovo_account.success_registration_url"),
        (ovo_model::from_json::<snap::RefundRequest>(br#"{"originalPartnerReferenceNo":"A","refundAmount":{"value":"1.00","currency":"IDR"}}"#).map(drop), "partnerRefundNo"),
        (ovo_model::from_json::<snap::B2b2cTokenRequest>(br#"{"grantType":"REFRESH_TOKEN"}"#).map(drop), "refreshToken"),
        (ovo_model::from_json::<snap::DebitStatusResponse>(br#"{"responseCode":"2005500","responseMessage":"ok"}"#).map(drop), "latestTransactionStatus"),
    ];
    for (result, path) in cases {
        let kind = expect_field(result, path);
        assert_eq!(kind, FieldErrorKind::Missing, "{path}");
    }
}

#[test]
fn malformed_json_is_a_syntax_error_with_its_position() {
    for (bytes, line) in [
        (&b"{\"a\":"[..], 1),
        (b"{\n\"customer\": }", 2),
        (b"{} {}", 1),
        (b"", 1),
    ] {
        match ovo_model::from_json::<doku::Notification>(bytes) {
            Err(ModelError::Syntax { line: found, .. }) => assert_eq!(found, line),
            other => panic!(
                "{:?}: want Syntax, got {other:?}",
                String::from_utf8_lossy(bytes)
            ),
        }
    }
}
