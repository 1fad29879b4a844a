//! OVO direct, end to end: the client against the sandbox over HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

use std::time::Duration;

use ovo_e2e::E2e;
use ovo_flows::{DebitOutcome, Reason, RefundOutcome, UnbindingOutcome};
use ovo_http::{ClientError, DebitProgress, UnbindingProgress};
use ovo_model::snap::{
    DebitAdditionalInfo, DirectDebitRequest, PayOptionDetail, RefundRequest, SubTransactionType,
};
use ovo_model::{Idr, SnapMoney};

const PHONE: &str = "6281300000001";

fn debit(reference: &str, rupiah: u64) -> DirectDebitRequest {
    DirectDebitRequest::new(reference, SnapMoney::idr(Idr::from_rupiah(rupiah)))
}

async fn pay(e2e: &E2e, customer: &str, phone: &str, request: &DirectDebitRequest) -> DebitOutcome {
    match e2e.client.begin_debit(customer, request).await.unwrap() {
        DebitProgress::Webview(pending) => {
            let callback = e2e.complete_webview(&pending.webview_url, phone).await;
            e2e.client
                .finish_debit(&pending.id, &callback)
                .await
                .unwrap()
        }
        DebitProgress::Done(outcome) => outcome,
    }
}

#[tokio::test]
async fn the_whole_snap_lifecycle() {
    let e2e = E2e::start().await;
    e2e.account(PHONE, "100000.00", "2000.00").await;
    assert_eq!(
        e2e.client.lookup(PHONE).await.unwrap().status.as_str(),
        "CAN_LINK"
    );
    e2e.link("cust-1", PHONE).await;

    let balance = e2e.client.balance("cust-1").await.unwrap();
    assert_eq!(
        balance.account_infos[0].amount.as_ref().unwrap().value,
        Idr::from_rupiah(100_000)
    );

    // The two-phase debit: nothing moves until call 2.
    let request = debit("INV-E2E-1", 25_000);
    let DebitProgress::Webview(pending) = e2e.client.begin_debit("cust-1", &request).await.unwrap()
    else {
        panic!()
    };
    assert!(e2e.ledger().await.is_empty());
    assert_eq!(e2e.balances(PHONE).await.0, "100000.00");
    let callback = e2e.complete_webview(&pending.webview_url, PHONE).await;
    let outcome = e2e
        .client
        .finish_debit(&pending.id, &callback)
        .await
        .unwrap();
    assert!(matches!(outcome, DebitOutcome::Paid { .. }), "{outcome:?}");
    assert_eq!(e2e.balances(PHONE).await.0, "75000.00");

    // A recurring debit, points first, captured without the PIN webview.
    let mut recurring = debit("SUB-E2E-1", 3_000);
    recurring.pay_option_details = Some(vec![PayOptionDetail {
        pay_method: "POINTS".into(),
        pay_option: None,
        trans_amount: SnapMoney::idr(Idr::from_rupiah(3_000)),
        fee_amount: None,
        card_token: None,
        merchant_token: None,
        additional_info: None,
    }]);
    recurring.additional_info = Some(DebitAdditionalInfo {
        sub_transaction_type: Some(SubTransactionType::Auto),
        other: Default::default(),
    });
    let DebitProgress::Done(outcome) = e2e.client.begin_debit("cust-1", &recurring).await.unwrap()
    else {
        panic!("recurring skips the webview")
    };
    assert!(matches!(outcome, DebitOutcome::Paid { .. }), "{outcome:?}");
    assert_eq!(
        e2e.balances(PHONE).await,
        ("74000.00".to_owned(), "0.00".to_owned())
    );

    let status = e2e.client.status("cust-1", "INV-E2E-1").await.unwrap();
    assert_eq!(status.latest_transaction_status.as_str(), "00");

    // A partial refund with the B2B token.
    let refund = RefundRequest::new(
        "INV-E2E-1",
        "RF-E2E-1",
        SnapMoney::idr(Idr::from_rupiah(5_000)),
    );
    let outcome = e2e.client.refund("cust-1", &refund).await.unwrap();
    assert!(
        matches!(outcome, RefundOutcome::Refunded { .. }),
        "{outcome:?}"
    );
    assert_eq!(e2e.balances(PHONE).await.0, "79000.00");
    let too_much = RefundRequest::new(
        "INV-E2E-1",
        "RF-E2E-2",
        SnapMoney::idr(Idr::from_rupiah(20_001)),
    );
    assert!(matches!(
        e2e.client.refund("cust-1", &too_much).await.unwrap(),
        RefundOutcome::Refused { .. }
    ));

    // Unbinding through its confirmation webview: no token survives.
    let UnbindingProgress::Webview(pending) = e2e
        .client
        .begin_unbinding("cust-1", Some("UNB-E2E".into()))
        .await
        .unwrap()
    else {
        panic!()
    };
    let callback = e2e.complete_webview(&pending.webview_url, PHONE).await;
    assert_eq!(
        e2e.client
            .finish_unbinding(&pending.id, &callback)
            .await
            .unwrap(),
        UnbindingOutcome::Unbound
    );
    assert!(matches!(
        e2e.client.balance("cust-1").await,
        Err(ClientError::NotBound { .. })
    ));

    // Refunds still work after unbinding [S].
    let after = RefundRequest::new(
        "INV-E2E-1",
        "RF-E2E-3",
        SnapMoney::idr(Idr::from_rupiah(1_000)),
    );
    assert!(matches!(
        e2e.client.refund("cust-1", &after).await.unwrap(),
        RefundOutcome::Refunded { .. }
    ));
    let ledger = e2e.ledger().await;
    assert_eq!(ledger.len(), 4, "two captures, two refunds: {ledger:?}");
}

#[tokio::test]
async fn expired_access_tokens_are_refreshed_and_broken_bindings_forgotten() {
    let e2e = E2e::start().await;
    e2e.account(PHONE, "50000.00", "0.00").await;
    e2e.link("cust-2", PHONE).await;
    let first = e2e.client.access_token("cust-2").await.unwrap();
    e2e.advance(Duration::from_secs(15 * 24 * 3600 + 60)).await;
    e2e.client.balance("cust-2").await.unwrap();
    assert_ne!(
        e2e.client.access_token("cust-2").await.unwrap(),
        first,
        "refreshed after 15 days"
    );

    e2e.control(
        "POST",
        &format!("accounts/{PHONE}/change-phone"),
        serde_json::json!({"new_phone": "6281300000009"}),
    )
    .await;
    // OVO refuses the access token; the client refreshes it once, OVO refuses the refresh token
    // as invalid: the binding is gone, forgotten at once, and the caller is told so.
    let broken = e2e.client.balance("cust-2").await;
    assert!(
        matches!(&broken, Err(ClientError::NotBound { customer }) if customer == "cust-2"),
        "{broken:?}"
    );
    assert!(
        e2e.client
            .token_store()
            .get("cust-2")
            .await
            .unwrap()
            .is_none(),
        "no token survives a broken binding"
    );
    assert!(
        matches!(
            e2e.client.balance("cust-2").await,
            Err(ClientError::NotBound { .. })
        ),
        "the binding is marked unbound"
    );
}

#[tokio::test]
async fn a_debit_the_customer_never_confirms_is_abandoned_with_nothing_captured() {
    let e2e = E2e::start().await;
    e2e.account(PHONE, "50000.00", "0.00").await;
    e2e.link("cust-3", PHONE).await;
    let DebitProgress::Webview(pending) = e2e
        .client
        .begin_debit("cust-3", &debit("INV-E2E-X", 1_000))
        .await
        .unwrap()
    else {
        panic!()
    };
    let declined = format!(
        "{}/_sandbox/callback?response=%7B%22displayMsg%22%3A%22CANCEL%22%2C%22errorCode%22%3A%22U01%22%7D",
        e2e.base()
    );
    let outcome = e2e
        .client
        .finish_debit(&pending.id, &declined)
        .await
        .unwrap();
    assert!(
        matches!(
            outcome,
            DebitOutcome::Abandoned {
                reason: Reason::CustomerDidNotConfirm
            }
        ),
        "{outcome:?}"
    );
    assert!(e2e.ledger().await.is_empty());
    let insufficient = pay(&e2e, "cust-3", PHONE, &debit("INV-E2E-Y", 60_000)).await;
    assert!(
        matches!(insufficient, DebitOutcome::Refused { .. }),
        "{insufficient:?}"
    );
}

#[tokio::test]
async fn a_recurring_debit_for_an_unbound_customer_is_not_bound_and_sends_nothing() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let e2e = E2e::start().await;
    let sent = Arc::new(AtomicUsize::new(0));
    let client = e2e.client_with(
        e2e.counting_transport(Arc::clone(&sent)),
        ovo_http::ClientOptions::default(),
    );
    let mut recurring = debit("SUB-NOBODY-1", 1_000);
    recurring.additional_info = Some(DebitAdditionalInfo {
        sub_transaction_type: Some(SubTransactionType::Auto),
        other: Default::default(),
    });
    // No access token, so call 1 cannot be signed: nothing left, nothing can have moved. That is
    // an error, not an `Unknown` outcome to reconcile.
    let progress = client.begin_debit("nobody", &recurring).await;
    assert!(
        matches!(&progress, Err(ClientError::NotBound { customer }) if customer == "nobody"),
        "{progress:?}"
    );
    assert_eq!(sent.load(Ordering::SeqCst), 0, "nothing was sent");
}
