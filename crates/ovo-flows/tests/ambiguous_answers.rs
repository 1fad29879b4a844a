//! Only a definite refusal means nothing moved (issue 10): an answer that could hide a commit is
//! resolved by inquiry (SNAP) or reported unknown (DOKU), never read as a refusal.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

mod common;

use common::{DESTINATION, envelope, response, start};
use ovo_flows::{
    Action, Debit, DebitOutcome, DokuOperation, DokuOutcome, Event, Flow, Refund, RefundOutcome,
    Target,
};
use ovo_model::doku::{PaymentRequest, PaymentResponse};
use ovo_model::snap::{DirectDebitRequest, RefundRequest};
use ovo_model::{Idr, SnapMoney};
use serde_json::json;

fn label<O: std::fmt::Debug>(action: &Action<O>) -> String {
    match action {
        Action::Send(call) => call.target.label().to_owned(),
        other => format!("{other:?}"),
    }
}

/// A debit whose call 2 gets `answer`: what it does next.
fn after_call_2(answer: ovo_flows::Received) -> Action<DebitOutcome> {
    let now = start();
    let request = DirectDebitRequest::new("INV-A", SnapMoney::idr(Idr::from_rupiah(1_000)));
    let mut debit = Debit::new(&request, DESTINATION).unwrap();
    common::up_to_call_2(&mut debit, now);
    let Action::Send(call_2) = debit.poll(now) else {
        panic!("call 2")
    };
    assert!(call_2.moves_money());
    debit.handle(now, Event::Received(answer)).unwrap();
    debit.poll(now)
}

#[test]
fn failure_code_under_2xx_is_not_a_refusal() {
    // HTTP 200 carrying a 5xx responseCode, HTTP 408 from a proxy, a 429: any of them may hide a
    // capture, so the debit inquires.
    for (status, code) in [
        (200, "5005400"),
        (200, "5045400"),
        (408, "4085400"),
        (429, "4295400"),
    ] {
        let next = after_call_2(response(status, envelope(code)));
        assert_eq!(label(&next), "status", "HTTP {status} {code}");
    }
    // A definite refusal is still a refusal: 4xx, or 2xx carrying a 4xx code.
    for (status, code) in [(403, "4035414"), (200, "4035414")] {
        let next = after_call_2(response(status, envelope(code)));
        assert!(
            matches!(next, Action::Done(DebitOutcome::Refused { .. })),
            "HTTP {status} {code}: {next:?}"
        );
    }
    // The same for a refund.
    let now = start();
    for (status, code) in [(200, "5005800"), (408, "4085800")] {
        let request = RefundRequest::new("INV-A", "RF-A", SnapMoney::idr(Idr::from_rupiah(500)));
        let mut refund = Refund::new(&request).unwrap();
        let Action::Send(_) = refund.poll(now) else {
            panic!("refund")
        };
        refund
            .handle(now, Event::Received(response(status, envelope(code))))
            .unwrap();
        let next = refund.poll(now);
        assert_eq!(label(&next), "status", "refund HTTP {status} {code}");
        assert_eq!(refund.unsettled_outcome(), Some(RefundOutcome::Unknown));
    }
}

#[test]
fn doku_duplicate_invoice_is_not_a_refusal() {
    let request: PaymentRequest = ovo_model::from_json(
        br#"{"customer":{"id":"C"},"order":{"invoice_number":"INV-1","amount":"1000"},"ovo_account":{"token_id":"t"}}"#,
    )
    .unwrap();
    let pay = |status: u16, code: &str| {
        let mut payment = DokuOperation::<PaymentResponse>::payment(&request, "req-1").unwrap();
        let Action::Send(call) = payment.poll(start()) else {
            panic!("payment")
        };
        assert!(matches!(call.target, Target::Doku { .. }));
        let body = json!({"error": {"code": code, "message": "m"}});
        payment
            .handle(start(), Event::Received(response(status, body)))
            .unwrap();
        payment.poll(start())
    };
    // After an unknown payment, "duplicate invoice" means the first one may have gone through.
    assert_eq!(
        pay(409, "duplicate_invoice_number"),
        Action::Done(DokuOutcome::Unknown {
            request_id: "req-1".into()
        })
    );
    // Each 4xx by its meaning: a timeout or throttle says nothing certain; the rest refuse.
    for status in [408, 429] {
        assert!(
            matches!(pay(status, "x"), Action::Done(DokuOutcome::Unknown { .. })),
            "{status}"
        );
    }
    for status in [400, 401, 403, 404, 422] {
        assert!(
            matches!(pay(status, "x"), Action::Done(DokuOutcome::Refused { .. })),
            "{status}"
        );
    }
}
