//! DOKU OVO Recurring, end to end.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

use ovo_e2e::E2e;
use ovo_http::{ClientError, DokuOutcome};
use ovo_model::doku::{
    BalanceRequest, BindingAccount, BindingRequest, Customer, PaymentRequest, RefundRequest,
    TokenListRequest, TokenRef, UnbindRequest,
};

const PHONE: &str = "6281400000002";

#[tokio::test]
async fn the_whole_doku_lifecycle() {
    let e2e = E2e::start().await;
    e2e.account(PHONE, "80000.00", "1500.00").await;
    let success = format!("{}/_sandbox/callback?result=ok", e2e.base());
    let failed = format!("{}/_sandbox/callback?result=failed", e2e.base());
    let binding = e2e
        .doku
        .bind(&BindingRequest::recurring(
            Customer::with_id("D-CUST-1"),
            BindingAccount::new(PHONE, &success, &failed),
        ))
        .await
        .unwrap();
    let landed = e2e
        .complete_webview(&binding.ovo_account.registration_url, PHONE)
        .await;
    assert_eq!(landed, success);

    let tokens = e2e
        .doku
        .tokens(&TokenListRequest::wallet_recurring("D-CUST-1"))
        .await
        .unwrap();
    let token = tokens.wallet.token_id.clone();
    let balance = e2e
        .doku
        .balance(&BalanceRequest {
            customer: Customer::with_id("D-CUST-1"),
            ovo_account: TokenRef {
                token_id: token.clone(),
            },
        })
        .await
        .unwrap();
    assert_eq!(
        (
            balance.ovo_account.ovo_cash_balance.0,
            balance.ovo_account.ovo_point_balance.0
        ),
        (80_000, 1_500)
    );

    let payment: PaymentRequest = serde_json::from_value(serde_json::json!({
        "customer": {"id": "D-CUST-1"},
        "order": {"invoice_number": "INV-D-1", "amount": 10_000},
        "ovo_account": {"token_id": token.expose(), "payment_use_ovo_point": true},
    }))
    .unwrap();
    let (outcome, request_id) = e2e.doku.pay(&payment).await.unwrap();
    let DokuOutcome::Answered(paid) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(paid.payment.status.as_str(), "SUCCESS");
    assert_eq!(
        e2e.balances(PHONE).await,
        ("71500.00".to_owned(), "0.00".to_owned())
    );

    let refund: RefundRequest = serde_json::from_value(serde_json::json!({
        "order": {"invoice_number": "INV-D-1"},
        "payment": {"original_request_id": request_id},
        "refund": {"amount": 2_000, "reason": "Cancel Order"},
    }))
    .unwrap();
    let DokuOutcome::Answered(refunded) = e2e.doku.refund(&refund).await.unwrap() else {
        panic!()
    };
    assert_eq!(refunded.refund.status.unwrap().as_str(), "SUCCESS");
    assert_eq!(
        e2e.balances(PHONE).await,
        ("72000.00".to_owned(), "1500.00".to_owned()),
        "points are refunded first"
    );

    let mut customer = Customer::with_id("D-CUST-1");
    customer.name = Some("Customer".into());
    let unbound = e2e
        .doku
        .unbind(&UnbindRequest {
            customer,
            ovo_account: TokenRef {
                token_id: token.clone(),
            },
        })
        .await
        .unwrap();
    assert_eq!(unbound.ovo_account.status, "SUCCESS");
    let after = e2e
        .doku
        .balance(&BalanceRequest {
            customer: Customer::with_id("D-CUST-1"),
            ovo_account: TokenRef { token_id: token },
        })
        .await;
    assert!(
        matches!(after, Err(ClientError::Refused { .. })),
        "{after:?}"
    );
}

#[tokio::test]
async fn a_payment_that_never_left_is_not_sent_not_an_unknown_outcome() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    use ovo_http::{ClientOptions, TransportError, TransportErrorKind};

    let payment: PaymentRequest = serde_json::from_value(serde_json::json!({
        "customer": {"id": "C"}, "order": {"invoice_number": "INV-X-1", "amount": 100}, "ovo_account": {"token_id": "t"}
    }))
    .unwrap();
    let reached = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&reached);
    let transport = move |_request: http::Request<bytes::Bytes>, _deadline: std::time::Duration| {
        let flag = Arc::clone(&flag);
        async move {
            let kind = if flag.load(Ordering::SeqCst) {
                TransportErrorKind::Timeout
            } else {
                TransportErrorKind::Connect
            };
            Err::<http::Response<bytes::Bytes>, _>(TransportError::new(kind))
        }
    };
    let mut options = ClientOptions::default();
    options.retry.max_retries = 0;
    let doku = ovo_http::DokuClient::with(
        ovo_flows::DokuConfig::new("http://127.0.0.1:9", "BRN-X").unwrap(),
        ovo_sign::ClientSecret::new("SK-x").unwrap(),
        transport,
        options,
        Arc::new(ovo_http::SystemClock),
    );
    // Refused connection: the payment never left, so nothing moved (and it is safe to try again).
    let never_left = doku.pay(&payment).await;
    assert!(
        matches!(never_left, Ok((DokuOutcome::NotSent, _))),
        "{never_left:?}"
    );
    // A timeout: it may have arrived, so the outcome is unknown (and the call is not repeated).
    reached.store(true, Ordering::SeqCst);
    let (outcome, request_id) = doku.pay(&payment).await.unwrap();
    assert_eq!(outcome, DokuOutcome::Unknown { request_id });
}
