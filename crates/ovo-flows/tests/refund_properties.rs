//! The refund machine against a provider that answers anything: a refund is emitted once, an
//! unknown outcome leads to paced status inquiries, and `Refunded` needs the provider's word.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

mod common;

use std::time::Duration;

use ovo_flows::{
    Action, Authorization, DEFAULT_MAX_INQUIRIES, Event, Flow, Pacing, Received, Refund,
    RefundOutcome, Resend,
};
use ovo_model::endpoint::OvoEndpoint;
use ovo_model::snap::RefundRequest;
use ovo_model::{Idr, SnapMoney};
use proptest::prelude::*;
use serde_json::json;

use common::{envelope, lost, never_sent, ovo_endpoint, response, start};

/// How an answer to the refund call reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RefundAnswer {
    Refunded,
    Refused,
    Unknown,
    NeverSent,
}

fn refund_answer(choice: u8) -> (Received, RefundAnswer) {
    match choice % 8 {
        0 => (
            response(
                200,
                json!({"responseCode": "2005800", "responseMessage": "m", "refundNo": "R1", "partnerRefundNo": "RF-1", "refundTime": "t"}),
            ),
            RefundAnswer::Refunded,
        ),
        1 => (response(403, envelope("4035815")), RefundAnswer::Refused),
        2 => (response(500, envelope("5005800")), RefundAnswer::Unknown),
        3 => (response(202, envelope("2025800")), RefundAnswer::Unknown),
        4 => (lost(), RefundAnswer::Unknown),
        5 => (never_sent(), RefundAnswer::NeverSent),
        6 => (response(429, envelope("4295800")), RefundAnswer::Unknown),
        _ => (response(200, json!({"garbage": 1})), RefundAnswer::Unknown),
    }
}

/// What a status answer says of this refund.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StatusSays {
    Refunded,
    Failed,
    Absent,
    Pending,
    Nothing,
}

fn status_answer(choice: u8) -> (Received, StatusSays) {
    let with = |history: serde_json::Value| {
        response(
            200,
            json!({"responseCode": "2005500", "responseMessage": "m", "latestTransactionStatus": "00", "refundHistory": history}),
        )
    };
    match choice % 7 {
        0 => (
            with(json!([{"partnerRefundNo": "RF-1", "refundStatus": "00", "refundNo": "R1"}])),
            StatusSays::Refunded,
        ),
        1 => (
            with(json!([{"partnerRefundNo": "RF-1", "refundStatus": "03"}])),
            StatusSays::Pending,
        ),
        2 => (
            with(json!([{"partnerRefundNo": "RF-1", "refundStatus": "06"}])),
            StatusSays::Failed,
        ),
        3 => (
            // Another refund of the same payment went through; this one is not there.
            with(json!([{"partnerRefundNo": "RF-0", "refundStatus": "00", "refundNo": "R0"}])),
            StatusSays::Absent,
        ),
        4 => (with(json!([])), StatusSays::Absent),
        5 => (response(500, envelope("5005500")), StatusSays::Nothing),
        _ => (lost(), StatusSays::Nothing),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn a_refund_is_never_re_sent_after_it_may_have_arrived(choices in prop::collection::vec(any::<u8>(), 32)) {
        let mut refund = Refund::new(&RefundRequest::new("INV-1", "RF-1", SnapMoney::idr(Idr::from_rupiah(100)))).unwrap();
        let pacing = Pacing::default();
        let mut now = start();
        let mut refunds_sent = 0;
        let mut refund_answer_seen = None;
        let mut may_have_arrived = false;
        let mut inquiries = 0;
        let mut last_status_at = None;
        let mut last_status = None;
        let mut outcome = None;
        for choice in choices {
            match refund.poll(now) {
                Action::Send(call) => {
                    let received = if ovo_endpoint(&call) == OvoEndpoint::Refund {
                        prop_assert!(!may_have_arrived, "the refund was re-sent after it may have arrived");
                        prop_assert_eq!(refunds_sent, 0, "the refund was emitted twice");
                        prop_assert_eq!(&call.authorization, &Authorization::B2b);
                        prop_assert_eq!(call.resend, Resend::OnlyIfNotSent);
                        refunds_sent += 1;
                        let (received, answer) = refund_answer(choice);
                        may_have_arrived = answer != RefundAnswer::NeverSent;
                        refund_answer_seen = Some(answer);
                        received
                    } else {
                        prop_assert_eq!(ovo_endpoint(&call), OvoEndpoint::Status);
                        prop_assert_eq!(refund_answer_seen, Some(RefundAnswer::Unknown), "an inquiry without a refund in doubt");
                        prop_assert_eq!(&call.authorization, &Authorization::Customer);
                        prop_assert!(String::from_utf8_lossy(&call.body).contains("INV-1"), "the status of the refunded payment");
                        if let Some(at) = last_status_at {
                            prop_assert!(now >= at + pacing.inquiry_wait(inquiries), "an inquiry before its time");
                        }
                        inquiries += 1;
                        last_status_at = Some(now);
                        let (received, says) = status_answer(choice);
                        last_status = Some(says);
                        received
                    };
                    refund.handle(now, Event::Received(received)).unwrap();
                }
                Action::WakeAt(at) => {
                    // The first inquiry goes at once; the next ones are paced.
                    prop_assert!(inquiries >= 1, "the first inquiry waited");
                    prop_assert_eq!(at, last_status_at.unwrap() + pacing.inquiry_wait(inquiries));
                    // Sometimes the timer fires early; the machine must wait on.
                    if choice % 5 != 0 {
                        now = at;
                    }
                    refund.handle(now, Event::Timer).unwrap();
                }
                Action::Done(done) => {
                    outcome = Some(done);
                    break;
                }
                other => prop_assert!(false, "the driver always answers: {:?}", other),
            }
            now += Duration::from_millis(u64::from(choice) * 37);
        }
        let outcome = outcome.expect("every refund settles within 32 steps");
        prop_assert_eq!(refunds_sent, 1);
        prop_assert_eq!(refund.unsettled_outcome(), Some(outcome.clone()));
        match outcome {
            RefundOutcome::Refunded { .. } => prop_assert!(
                refund_answer_seen == Some(RefundAnswer::Refunded) || last_status == Some(StatusSays::Refunded),
                "Refunded without the provider saying so"
            ),
            RefundOutcome::Refused { .. } => prop_assert_eq!(refund_answer_seen, Some(RefundAnswer::Refused)),
            RefundOutcome::NotRefunded => prop_assert!(
                refund_answer_seen == Some(RefundAnswer::NeverSent)
                    || matches!(last_status, Some(StatusSays::Failed | StatusSays::Absent)),
                "NotRefunded without certainty"
            ),
            RefundOutcome::Unknown => prop_assert_eq!(inquiries, DEFAULT_MAX_INQUIRIES),
        }
    }
}

/// While the refund may have arrived, a driver that must stop reports Unknown; before it is
/// sent, or when it never left, nothing is in doubt.
#[test]
fn the_fallback_outcome_follows_what_was_sent() {
    let request = RefundRequest::new("INV-1", "RF-1", SnapMoney::idr(Idr::from_rupiah(100)));
    let now = start();
    let mut refund = Refund::new(&request).unwrap();
    assert_eq!(refund.unsettled_outcome(), None);
    assert!(matches!(refund.poll(now), Action::Send(_)));
    assert_eq!(refund.unsettled_outcome(), Some(RefundOutcome::Unknown));
    refund.handle(now, Event::Received(never_sent())).unwrap();
    assert_eq!(refund.poll(now), Action::Done(RefundOutcome::NotRefunded));

    let mut refund = Refund::new(&request).unwrap();
    assert!(matches!(refund.poll(now), Action::Send(_)));
    refund.handle(now, Event::Received(lost())).unwrap();
    assert!(
        matches!(refund.poll(now), Action::Send(_)),
        "the first inquiry goes at once"
    );
    assert_eq!(refund.unsettled_outcome(), Some(RefundOutcome::Unknown));
}
