//! `Event::Cancel`: a flow the driver gives up on before anything that moves money went out ends
//! at once and can never send later; one that may have moved money ignores it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

mod common;

use common::{DESTINATION, envelope, lost, response, start};
use ovo_flows::{Action, Debit, DebitOutcome, Event, Flow, Reason, Refund, RefundOutcome};
use ovo_model::snap::{DirectDebitRequest, RefundRequest, SubTransactionType};
use ovo_model::{Idr, SnapMoney};

fn request() -> DirectDebitRequest {
    DirectDebitRequest::new("INV-C", SnapMoney::idr(Idr::from_rupiah(1_000)))
}

#[test]
fn a_debit_cancelled_with_its_single_use_token_never_sends_call_two() {
    let now = start();
    let mut debit = Debit::new(&request(), DESTINATION).unwrap();
    common::up_to_call_2(&mut debit, now);
    // The driver's deadline passes here, before call 2.
    debit.handle(now, Event::Cancel).unwrap();
    let cancelled = Action::Done(DebitOutcome::Abandoned {
        reason: Reason::Cancelled,
    });
    assert_eq!(debit.poll(now), cancelled);
    assert!(
        debit.secrets().is_empty(),
        "the single-use token is dropped"
    );
    debit.handle(now, Event::Reconcile).unwrap();
    assert_eq!(debit.poll(now), cancelled, "reconciling never revives it");
}

#[test]
fn a_recurring_debit_whose_call_one_may_have_captured_ignores_cancel() {
    let now = start();
    let mut request = request();
    request.additional_info = Some(ovo_model::snap::DebitAdditionalInfo {
        sub_transaction_type: Some(SubTransactionType::Auto),
        other: Default::default(),
    });
    let mut debit = Debit::new(&request, DESTINATION).unwrap();
    let Action::Send(_) = debit.poll(now) else {
        panic!("call 1")
    };
    debit.handle(now, Event::Received(lost())).unwrap();
    debit.handle(now, Event::Cancel).unwrap();
    let Action::Send(inquiry) = debit.poll(now) else {
        panic!("still inquires")
    };
    assert_eq!(inquiry.target.label(), "status");
    assert_eq!(debit.unsettled_outcome(), Some(DebitOutcome::Unknown));
}

#[test]
fn a_refund_is_cancelled_only_before_it_was_sent() {
    let now = start();
    let request = RefundRequest::new("INV-C", "RF-C", SnapMoney::idr(Idr::from_rupiah(500)));
    let mut refund = Refund::new(&request).unwrap();
    refund.handle(now, Event::Cancel).unwrap();
    assert_eq!(refund.poll(now), Action::Done(RefundOutcome::NotRefunded));

    let mut refund = Refund::new(&request).unwrap();
    let Action::Send(_) = refund.poll(now) else {
        panic!("refund")
    };
    refund
        .handle(now, Event::Received(response(500, envelope("5005800"))))
        .unwrap();
    refund.handle(now, Event::Cancel).unwrap();
    assert_eq!(refund.unsettled_outcome(), Some(RefundOutcome::Unknown));
}
