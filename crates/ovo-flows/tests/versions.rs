//! Stored states this build cannot read, events a flow cannot take, and flows resumed without
//! their secrets: each is a typed answer, never a panic and never a call.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

mod common;

use ovo_flows::{
    Action, Debit, DebitOutcome, DokuOperation, DokuOutcome, Event, Flow, FlowError, FlowSecrets,
    Linking, LinkingOutcome, Reason, Refund, Target, Unbinding, UnbindingOutcome, from_state,
    to_state,
};
use ovo_model::endpoint::OvoEndpoint;
use ovo_model::snap::{BindingRequest, DirectDebitRequest, RefundRequest};
use ovo_model::{Idr, SnapMoney};
use serde_json::{Value, json};

use common::{
    DESTINATION, callback_failure, callback_success, envelope, ovo_endpoint, response, start,
};

fn debit() -> Debit {
    let request = DirectDebitRequest::new("INV-V", SnapMoney::idr(Idr::from_rupiah(1000)));
    Debit::new(&request, DESTINATION).unwrap()
}

fn refund() -> Refund {
    Refund::new(&RefundRequest::new(
        "INV-V",
        "RF-V",
        SnapMoney::idr(Idr::from_rupiah(10)),
    ))
    .unwrap()
}

fn linking() -> Linking {
    let request = BindingRequest {
        merchant_id: "oamerchantg".into(),
        phone_no: Some("6281234567890".into()),
        ..BindingRequest::default()
    };
    Linking::new(&request, DESTINATION, None).unwrap()
}

fn unbinding() -> Unbinding {
    Unbinding::new(Some("UNB-V".into()), DESTINATION, None)
}

fn doku() -> DokuOperation<ovo_model::doku::BalanceResponse> {
    let request: ovo_model::doku::BalanceRequest =
        ovo_model::from_json(br#"{"customer":{"id":"C"},"ovo_account":{"token_id":"tid"}}"#)
            .unwrap();
    DokuOperation::balance(&request, "req-v").unwrap()
}

/// A debit waiting in the PIN webview (its URL in the secrets).
fn debit_in_webview() -> Debit {
    let mut debit = debit();
    let now = start();
    assert!(matches!(debit.poll(now), Action::Send(_)));
    let answer = response(
        202,
        json!({"responseCode": "2025400", "responseMessage": "m", "webRedirectUrl": "https://ovo.example/pay?session=s"}),
    );
    debit.handle(now, Event::Received(answer)).unwrap();
    debit
}

/// `flow`'s stored state with its `version` replaced (`None`: removed).
fn with_version<F: Flow>(flow: &F, version: Option<Value>) -> String {
    let mut state: Value = serde_json::from_str(&to_state(flow).unwrap()).unwrap();
    let object = state.as_object_mut().unwrap();
    match version {
        Some(version) => object.insert("version".to_owned(), version),
        None => object.remove("version"),
    };
    state.to_string()
}

fn unsupported_versions_of<F: Flow + std::fmt::Debug>(flow: &F) {
    let name = flow.kind().as_str();
    // The stored form as written reads back.
    let back = from_state::<F>(&with_version(flow, Some(json!(1))), flow.secrets().clone());
    assert!(back.is_ok(), "{name}: {back:?}");
    let cases = [
        (Some(json!(2)), Some(2)),
        (Some(json!(0)), Some(0)),
        (Some(json!(4_000_000_000u64)), Some(4_000_000_000)),
        (Some(Value::Null), None),
        (None, None),
    ];
    for (version, expected) in cases {
        let state = with_version(flow, version.clone());
        match from_state::<F>(&state, FlowSecrets::default()) {
            Err(FlowError::UnsupportedVersion(found)) => {
                assert_eq!(found, expected, "{name}: version {version:?}");
            }
            other => panic!("{name}: version {version:?} gave {other:?}"),
        }
    }
}

#[test]
fn a_state_of_another_version_is_unsupported() {
    unsupported_versions_of(&debit_in_webview());
    unsupported_versions_of(&refund());
    unsupported_versions_of(&linking());
    unsupported_versions_of(&unbinding());
    unsupported_versions_of(&doku());
}

/// The brief: a `version` that is a string is an unsupported version, like a missing one.
#[test]

fn a_version_written_as_a_string_is_unsupported() {
    for version in [json!("1"), json!("2"), json!(1.5)] {
        let state = with_version(&refund(), Some(version.clone()));
        let read = from_state::<Refund>(&state, FlowSecrets::default());
        assert!(
            matches!(read, Err(FlowError::UnsupportedVersion(_))),
            "version {version}: {read:?}"
        );
    }
}

#[test]
fn a_malformed_state_is_a_state_error() {
    let refund_state = to_state(&refund()).unwrap();
    let half: String = refund_state.chars().take(refund_state.len() / 2).collect();
    let malformed = [
        String::new(),
        "{".to_owned(),
        "not json".to_owned(),
        "[]".to_owned(),
        "42".to_owned(),
        r#"{"version":1}"#.to_owned(),
        r#"{"version":1,"phase":{"phase":"nowhere"}}"#.to_owned(),
        half,
    ];
    for state in &malformed {
        let read = from_state::<Refund>(state, FlowSecrets::default());
        assert!(
            matches!(read, Err(FlowError::State(_))),
            "{state:?}: {read:?}"
        );
    }
    // A state of another kind is not this kind's.
    let debit_state = to_state(&debit_in_webview()).unwrap();
    let read = from_state::<Refund>(&debit_state, FlowSecrets::default());
    assert!(matches!(read, Err(FlowError::State(_))), "{read:?}");
    let read = from_state::<Linking>(&refund_state, FlowSecrets::default());
    assert!(matches!(read, Err(FlowError::State(_))), "{read:?}");
}

#[test]
fn a_second_callback_is_refused_and_sends_nothing() {
    let now = start();
    let mut debit = debit_in_webview();
    assert!(matches!(debit.poll(now), Action::OpenWebview(_)));
    debit
        .handle(now, Event::Callback(callback_success("CODE-1")))
        .unwrap();
    let state = to_state(&debit).unwrap();
    let secrets = debit.secrets().clone();

    // Another success, and a failure: both refused, and the flow is as it was.
    for second in [callback_success("CODE-2"), callback_failure()] {
        let refused = debit.handle(now, Event::Callback(second));
        assert!(
            matches!(refused, Err(FlowError::UnexpectedEvent(_))),
            "{refused:?}"
        );
        assert_eq!(to_state(&debit).unwrap(), state);
        assert!(debit.secrets() == &secrets, "the first authCode is kept");
    }

    // The one Generate Token carries the first callback's code.
    let Action::Send(generate) = debit.poll(now) else {
        panic!("Generate Token")
    };
    assert_eq!(ovo_endpoint(&generate), OvoEndpoint::GenerateToken);
    let Target::Ovo { query, .. } = &generate.target else {
        unreachable!()
    };
    let query = query.as_deref().unwrap();
    assert!(
        query.contains("code=CODE-1") && !query.contains("CODE-2"),
        "{query}"
    );

    // While it is in flight, and after, another callback sends nothing more.
    let refused = debit.handle(now, Event::Callback(callback_success("CODE-3")));
    assert!(matches!(refused, Err(FlowError::UnexpectedEvent(_))));
    assert_eq!(debit.poll(now), Action::Wait);
    debit
        .handle(now, Event::Received(response(500, envelope("5000000"))))
        .unwrap();
    let refused = debit.handle(now, Event::Callback(callback_success("CODE-4")));
    assert!(matches!(refused, Err(FlowError::UnexpectedEvent(_))));
    assert_eq!(
        debit.poll(now),
        Action::Done(DebitOutcome::Abandoned {
            reason: Reason::SingleUseTokenNotIssued
        })
    );
}

#[test]
fn a_callback_after_a_failed_one_does_not_revive_the_debit() {
    let now = start();
    let mut debit = debit_in_webview();
    debit
        .handle(now, Event::Callback(callback_failure()))
        .unwrap();
    let refused = debit.handle(now, Event::Callback(callback_success("CODE-1")));
    assert!(matches!(refused, Err(FlowError::UnexpectedEvent(_))));
    assert_eq!(
        debit.poll(now),
        Action::Done(DebitOutcome::Abandoned {
            reason: Reason::CustomerDidNotConfirm
        })
    );
}

#[test]
fn an_answer_with_no_call_in_flight_is_refused() {
    let now = start();
    let mut debit = debit();
    let refused = debit.handle(now, Event::Received(response(200, envelope("2005400"))));
    assert!(matches!(refused, Err(FlowError::UnexpectedEvent(_))));
    assert!(
        matches!(debit.poll(now), Action::Send(_)),
        "call 1 still goes"
    );
    assert_eq!(debit.poll(now), Action::Wait);
}

/// `flow` stored and read back without its secrets.
fn without_secrets<F: Flow>(flow: &F) -> F {
    from_state(&to_state(flow).unwrap(), FlowSecrets::default()).unwrap()
}

/// Polls a few times: the flow must be done, the same each time, and never send.
fn settles_without_sending<F: Flow>(mut flow: F) -> F::Outcome {
    let now = start();
    let Action::Done(outcome) = flow.poll(now) else {
        panic!("not done")
    };
    for _ in 0..3 {
        assert_eq!(flow.poll(now), Action::Done(outcome.clone()));
    }
    outcome
}

/// As [`settles_without_sending`], and a driver that must stop now reports that outcome too.
fn settles_and_reports<F: Flow>(flow: F) -> F::Outcome {
    let unsettled = {
        let mut flow = from_state::<F>(&to_state(&flow).unwrap(), flow.secrets().clone()).unwrap();
        flow.poll(start());
        flow.unsettled_outcome()
    };
    let outcome = settles_without_sending(flow);
    assert_eq!(unsettled, Some(outcome.clone()));
    outcome
}

#[test]
fn a_debit_resumed_without_its_secrets_ends_with_secrets_lost() {
    let now = start();
    let lost = DebitOutcome::Abandoned {
        reason: Reason::SecretsLost,
    };
    // With the authCode to exchange.
    let mut debit = debit_in_webview();
    assert!(matches!(debit.poll(now), Action::OpenWebview(_)));
    debit
        .handle(now, Event::Callback(callback_success("CODE")))
        .unwrap();
    assert_eq!(settles_and_reports(without_secrets(&debit)), lost);

    // With the single-use token for call 2.
    let Action::Send(_) = debit.poll(now) else {
        panic!("Generate Token")
    };
    let token = response(200, json!({"singleUseToken": "SUT", "expiresIn": "900"}));
    debit.handle(now, Event::Received(token)).unwrap();
    assert_eq!(settles_and_reports(without_secrets(&debit)), lost);

    // With its secrets, the same state goes on to call 2.
    let back: Debit = from_state(&to_state(&debit).unwrap(), debit.secrets().clone()).unwrap();
    let mut back = back;
    assert!(matches!(back.poll(now), Action::Send(call) if call.moves_money()));
}

#[test]
fn a_linking_resumed_without_its_secrets_ends_with_secrets_lost() {
    let now = start();
    let lost = LinkingOutcome::NotLinked {
        reason: Reason::SecretsLost,
    };
    let mut linking = linking();
    assert!(matches!(linking.poll(now), Action::Send(_)));
    let answer = response(
        200,
        json!({"responseCode": "2000700", "responseMessage": "m", "linkageToken": "LT",
            "redirectUrl": "https://webview.example/activation"}),
    );
    linking.handle(now, Event::Received(answer)).unwrap();
    assert!(matches!(linking.poll(now), Action::OpenWebview(_)));
    linking
        .handle(now, Event::Callback(callback_success("CODE")))
        .unwrap();
    assert_eq!(settles_and_reports(without_secrets(&linking)), lost);

    // Linked, but the tokens were in the secrets.
    let Action::Send(_) = linking.poll(now) else {
        panic!("the token exchange")
    };
    let tokens = response(
        200,
        json!({"responseCode": "2007400", "responseMessage": "m", "accessToken": "AT", "tokenType": "Bearer"}),
    );
    linking.handle(now, Event::Received(tokens)).unwrap();
    assert!(matches!(
        linking.poll(now),
        Action::Done(LinkingOutcome::Linked(_))
    ));
    assert_eq!(settles_and_reports(without_secrets(&linking)), lost);
}

#[test]
fn an_unbinding_resumed_without_its_secrets_ends_with_secrets_lost() {
    let now = start();
    let mut unbinding = unbinding();
    assert!(matches!(unbinding.poll(now), Action::Send(_)));
    let answer = response(
        200,
        json!({"responseCode": "2000900", "responseMessage": "m", "linkageToken": "LT",
            "redirectUrl": "https://webview.example/unbind"}),
    );
    unbinding.handle(now, Event::Received(answer)).unwrap();
    assert!(matches!(unbinding.poll(now), Action::OpenWebview(_)));
    unbinding
        .handle(now, Event::Callback(callback_success("CODE")))
        .unwrap();
    assert_eq!(
        settles_and_reports(without_secrets(&unbinding)),
        UnbindingOutcome::NotUnbound {
            reason: Reason::SecretsLost
        }
    );
}

#[test]
fn a_doku_call_resumed_without_its_body_is_not_sent() {
    assert_eq!(
        settles_without_sending(without_secrets(&doku())),
        DokuOutcome::NotSent
    );
}

/// A finished flow's fallback outcome is its outcome, as for the SNAP flows: a DOKU payment
/// whose answer was lost must not tell a driver that stops now "nothing moved".
#[test]

fn a_finished_doku_payment_reports_its_outcome_as_unsettled() {
    let request: ovo_model::doku::PaymentRequest = ovo_model::from_json(
        br#"{"customer":{"id":"C"},"order":{"invoice_number":"INV-1","amount":1000},"ovo_account":{"token_id":"tid"}}"#,
    )
    .unwrap();
    let mut pay =
        DokuOperation::<ovo_model::doku::PaymentResponse>::payment(&request, "req-1").unwrap();
    let now = start();
    assert!(matches!(pay.poll(now), Action::Send(_)));
    pay.handle(now, Event::Received(common::lost())).unwrap();
    let unknown = DokuOutcome::Unknown {
        request_id: "req-1".to_owned(),
    };
    assert_eq!(pay.poll(now), Action::Done(unknown.clone()));
    assert_eq!(pay.unsettled_outcome(), Some(unknown));
}

/// The brief: a restored flow without its secrets ends with `SecretsLost`. Before the webview
/// is opened, its URL is only in the secrets, yet the flow waits out the webview's whole
/// lifetime and then reports `WebviewTimedOut`.
#[test]

fn a_flow_resumed_before_its_webview_without_the_url_ends_with_secrets_lost() {
    let now = start();
    let mut debit = without_secrets(&debit_in_webview());
    assert_eq!(
        debit.poll(now),
        Action::Done(DebitOutcome::Abandoned {
            reason: Reason::SecretsLost
        })
    );
}
