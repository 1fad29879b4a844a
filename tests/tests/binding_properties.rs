//! Random sequences of linking, debits, unbinding, phone changes and passing time, against the
//! sandbox: no debit outside a bound state, and no token survives unbinding or a broken binding.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use ovo_e2e::E2e;
use ovo_flows::{DebitOutcome, UnbindingOutcome};
use ovo_http::{ClientError, ClientOptions, DebitProgress, UnbindingProgress};
use ovo_model::snap::DirectDebitRequest;
use ovo_model::{Idr, SnapMoney};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Link,
    Debit,
    Unbind,
    ChangePhone,
    Days(u64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => Just(Op::Link),
        4 => Just(Op::Debit),
        2 => Just(Op::Unbind),
        1 => Just(Op::ChangePhone),
        1 => (1u64..20).prop_map(Op::Days),
    ]
}

async fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let e2e = E2e::start().await;
    let mut phone = 6281800000000u64;
    e2e.account(&phone.to_string(), "1000000.00", "0.00").await;
    let sent = Arc::new(AtomicUsize::new(0));
    let transport = e2e.counting_transport(Arc::clone(&sent));
    let client = e2e.client_with(transport, ClientOptions::default());
    let mut bound = false;
    for (i, op) in ops.into_iter().enumerate() {
        let number = phone.to_string();
        match op {
            Op::Link if !bound => {
                let request = ovo_model::snap::BindingRequest {
                    merchant_id: ovo_e2e::CLIENT_ID.to_owned(),
                    phone_no: Some(number.clone()),
                    ..Default::default()
                };
                let pending = client.begin_linking("c", &request).await.unwrap();
                let callback = e2e.complete_webview(&pending.webview_url, &number).await;
                client.finish_linking(&pending.id, &callback).await.unwrap();
                bound = true;
            }
            Op::Link => {}
            Op::Debit => {
                let before = sent.load(Ordering::SeqCst);
                let request = DirectDebitRequest::new(
                    format!("INV-B-{i}"),
                    SnapMoney::idr(Idr::from_rupiah(10)),
                );
                match client.begin_debit("c", &request).await {
                    Ok(DebitProgress::Webview(pending)) => {
                        prop_assert!(bound, "a debit started outside a bound state");
                        let callback = e2e.complete_webview(&pending.webview_url, &number).await;
                        let outcome = client.finish_debit(&pending.id, &callback).await.unwrap();
                        prop_assert!(
                            matches!(outcome, DebitOutcome::Paid { .. }),
                            "{:?}",
                            outcome
                        );
                    }
                    Ok(DebitProgress::Done(outcome)) => prop_assert!(false, "{:?}", outcome),
                    Err(ClientError::NotBound { .. }) => {
                        prop_assert!(!bound, "a bound customer was refused");
                        prop_assert_eq!(
                            sent.load(Ordering::SeqCst),
                            before,
                            "nothing is sent for an unbound customer"
                        );
                    }
                    Err(other) => prop_assert!(false, "{}", other),
                }
            }
            Op::Unbind if bound => {
                let UnbindingProgress::Webview(pending) =
                    client.begin_unbinding("c", None).await.unwrap()
                else {
                    panic!()
                };
                let callback = e2e.complete_webview(&pending.webview_url, &number).await;
                prop_assert_eq!(
                    client
                        .finish_unbinding(&pending.id, &callback)
                        .await
                        .unwrap(),
                    UnbindingOutcome::Unbound
                );
                bound = false;
            }
            Op::Unbind => {}
            Op::ChangePhone => {
                phone += 1;
                e2e.control(
                    "POST",
                    &format!("accounts/{number}/change-phone"),
                    serde_json::json!({"new_phone": phone.to_string()}),
                )
                .await;
                if bound {
                    // The client learns it at its next call: OVO refuses the broken access token
                    // (or it expired), the client refreshes it, OVO refuses the refresh token, and
                    // the customer is NotBound at once.
                    let refused = client.balance("c").await;
                    prop_assert!(
                        matches!(refused, Err(ClientError::NotBound { .. })),
                        "{:?}",
                        refused
                    );
                    bound = false;
                }
            }
            Op::Days(days) => e2e.advance(Duration::from_secs(days * 24 * 3600)).await,
        }
        if !bound {
            prop_assert!(
                matches!(
                    client.access_token("c").await,
                    Err(ClientError::NotBound { .. })
                ),
                "a token survived"
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn no_debit_outside_a_bound_state_and_no_token_survives(ops in prop::collection::vec(op(), 1..10)) {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        runtime.block_on(run(ops))?;
    }
}
