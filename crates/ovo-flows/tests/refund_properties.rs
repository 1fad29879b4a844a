//! The refund machine against a provider that answers anything: a refund is sent once, an
//! unknown outcome leads to status inquiry, and `Refunded` needs the provider's word.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

mod common;

use ovo_flows::{Received, Refund, RefundAction, RefundOutcome, SnapEndpoint, Target};
use ovo_model::snap::RefundRequest;
use ovo_model::{Idr, SnapMoney};
use proptest::prelude::*;
use serde_json::json;

use common::response;

fn refund_answer(choice: u8) -> Received {
    match choice % 7 {
        0 => response(
            200,
            json!({"responseCode": "2005800", "responseMessage": "m", "refundNo": "R1", "partnerRefundNo": "RF-1", "refundTime": "t"}),
        ),
        1 => response(
            403,
            json!({"responseCode": "4035815", "responseMessage": "m"}),
        ),
        2 => response(
            500,
            json!({"responseCode": "5005800", "responseMessage": "m"}),
        ),
        3 => response(
            202,
            json!({"responseCode": "2025800", "responseMessage": "m"}),
        ),
        4 => Received::Failed {
            may_have_reached: true,
        },
        5 => Received::Failed {
            may_have_reached: false,
        },
        _ => response(200, json!({"garbage": 1})),
    }
}

fn status_answer(choice: u8) -> Received {
    let with = |history: serde_json::Value| {
        response(
            200,
            json!({"responseCode": "2005500", "responseMessage": "m", "latestTransactionStatus": "00", "refundHistory": history}),
        )
    };
    match choice % 5 {
        0 => with(json!([{"partnerRefundNo": "RF-1", "refundStatus": "00", "refundNo": "R1"}])),
        1 => with(json!([{"partnerRefundNo": "RF-1", "refundStatus": "03"}])),
        2 => with(json!([])),
        3 => response(
            500,
            json!({"responseCode": "5005500", "responseMessage": "m"}),
        ),
        _ => Received::Failed {
            may_have_reached: true,
        },
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn a_refund_is_never_re_sent_after_it_may_have_arrived(choices in prop::collection::vec(any::<u8>(), 32)) {
        let mut refund = Refund::new(&RefundRequest::new("INV-1", "RF-1", SnapMoney::idr(Idr::from_rupiah(100)))).unwrap();
        let mut refunds_sent = 0;
        let mut may_have_arrived = false;
        let mut confirmed = false;
        let mut outcome = None;
        for choice in choices {
            match refund.poll() {
                RefundAction::Send(call) => {
                    let received = if call.target == Target::Snap(SnapEndpoint::Refund) {
                        prop_assert!(!may_have_arrived, "the refund was re-sent after it may have arrived");
                        refunds_sent += 1;
                        let received = refund_answer(choice);
                        may_have_arrived = !matches!(received, Received::Failed { may_have_reached: false });
                        confirmed |= choice % 7 == 0;
                        received
                    } else {
                        prop_assert_eq!(call.target.clone(), Target::Snap(SnapEndpoint::Status));
                        prop_assert!(may_have_arrived, "an inquiry without a refund in doubt");
                        confirmed |= choice % 5 == 0;
                        status_answer(choice)
                    };
                    refund.on_received(received).unwrap();
                }
                RefundAction::Done(done) => {
                    outcome = Some(done);
                    break;
                }
                RefundAction::Wait => prop_assert!(false, "the driver always answers"),
            }
        }
        let outcome = outcome.expect("every refund settles within 32 steps");
        prop_assert!(refunds_sent >= 1);
        if matches!(outcome, RefundOutcome::Refunded { .. }) {
            prop_assert!(confirmed, "Refunded without the provider saying so");
        }
    }
}
