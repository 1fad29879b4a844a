//! A stored flow resumed in a fresh process behaves exactly like the one that never stopped: at
//! every step of random runs, serialize → deserialize → continue gives the same calls and outcome.
//!
//! Each run drives two copies of a flow with one random script (provider answers, lost and
//! never-sent calls, webview callbacks, timers early and on time, events the flow does not
//! expect). Copy A runs straight; copy B goes through [`ovo_flows::to_state`], its cloned
//! [`Flow::secrets`] and [`ovo_flows::from_state`] before every poll and every event. Every stored
//! state is also checked: `"version": 1`, and none of the script's secrets in it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

mod common;

use std::collections::BTreeSet;
use std::fmt;
use std::time::Duration;

use ovo_flows::{
    Action, Authorization, Call, Debit, DokuOperation, Event, Flow, Linking, Received, Refund,
    Unbinding,
};
use ovo_model::endpoint::{DokuEndpoint, OvoEndpoint};
use ovo_model::snap::{BindingRequest, DirectDebitRequest, RefundRequest, SubTransactionType};
use ovo_model::{Idr, SnapMoney};
use proptest::prelude::*;
use serde_json::json;
use time::OffsetDateTime;

use common::{
    DESTINATION, callback_failure, callback_success, doku_endpoint, envelope, lost, never_sent,
    ovo_endpoint, response, start,
};

// The secrets the scripts hand the flows. None of them may ever be in a stored state.
const LINKAGE: &str = "sEcReT-linkage-3f9c";
const AUTH_CODE: &str = "sEcReT-authcode-81b2";
const SINGLE_USE: &str = "sEcReT-single-use-5d0e";
const ACCESS: &str = "sEcReT-access-a771";
const REFRESH: &str = "sEcReT-refresh-0c4d";
const TOKEN_ID: &str = "sEcReT-tokenid-9e12";
const SESSION: &str = "sEcReT-session-46aa";
const SECRETS: [&str; 7] = [
    LINKAGE, AUTH_CODE, SINGLE_USE, ACCESS, REFRESH, TOKEN_ID, SESSION,
];

/// One step of a script.
#[derive(Debug, Clone, Copy)]
struct Step {
    /// Picks the provider's answer, the customer's callback, or how the timer fires.
    choice: u8,
    /// Now and then, an event before the poll that the flow may not expect.
    stray: u8,
    /// Time that passes after the step, to the nanosecond.
    pause: Duration,
}

fn script() -> impl Strategy<Value = Vec<Step>> {
    // Up to 21 minutes (past the webview's and the single-use token's lifetimes), never a
    // whole number of seconds.
    let step = (any::<u8>(), any::<u8>(), 0u64..1_300, any::<bool>()).prop_map(
        |(choice, stray, seconds, still)| Step {
            choice,
            stray,
            pause: if still {
                Duration::ZERO
            } else {
                Duration::from_nanos(seconds * 1_000_000_007)
            },
        },
    );
    prop::collection::vec(step, 1..40)
}

/// The flow as a fresh process gets it back: its stored state, checked, and its secrets.
fn resumed<F: Flow>(flow: &F) -> Result<F, TestCaseError> {
    let json = ovo_flows::to_state(flow).unwrap();
    check_stored(&json)?;
    Ok(ovo_flows::from_state::<F>(&json, flow.secrets().clone()).unwrap())
}

/// Copy B, resumed; it must agree with copy A: same stored state, same secrets, same fallback
/// outcome.
fn resume_and_compare<F: Flow>(a: &F, b: &F) -> Result<F, TestCaseError> {
    let json = ovo_flows::to_state(b).unwrap();
    check_stored(&json)?;
    prop_assert_eq!(&ovo_flows::to_state(a).unwrap(), &json);
    prop_assert!(a.secrets() == b.secrets(), "the secrets differ");
    let b = ovo_flows::from_state::<F>(&json, b.secrets().clone()).unwrap();
    prop_assert_eq!(a.unsettled_outcome(), b.unsettled_outcome());
    prop_assert_eq!(a.kind(), b.kind());
    Ok(b)
}

fn check_stored(json: &str) -> Result<(), TestCaseError> {
    prop_assert!(json.starts_with(r#"{"version":1,"#), "{}", json);
    for secret in SECRETS {
        prop_assert!(
            !json.contains(secret),
            "a secret in the stored state: {}",
            json
        );
    }
    Ok(())
}

fn same_action<O: PartialEq + fmt::Debug>(
    a: &Action<O>,
    b: &Action<O>,
) -> Result<(), TestCaseError> {
    if let (Action::Send(a), Action::Send(b)) = (a, b) {
        prop_assert_eq!(&a.target, &b.target);
        prop_assert_eq!(&a.body, &b.body);
        prop_assert_eq!(&a.authorization, &b.authorization);
        prop_assert_eq!(a.resend, b.resend);
    }
    prop_assert_eq!(a, b);
    Ok(())
}

/// Hands both copies the same event (built twice: an answer is not `Clone`); they must agree on
/// whether they could take it.
fn both_handle<F: Flow>(
    a: &mut F,
    b: &mut F,
    now: OffsetDateTime,
    event: impl Fn() -> Event,
) -> Result<(), TestCaseError> {
    let from_a = a.handle(now, event());
    let from_b = b.handle(now, event());
    prop_assert_eq!(format!("{from_a:?}"), format!("{from_b:?}"));
    Ok(())
}

/// The webview's redirect, as the customer decides.
fn callback(choice: u8) -> String {
    match choice % 7 {
        0 => callback_failure(),
        1 => format!("{DESTINATION}?state=nothing"),
        _ => callback_success(AUTH_CODE),
    }
}

/// What a run showed: how it ended, and which of the script's secrets the flow held on the way.
#[derive(Debug)]
struct Run<O> {
    outcome: Option<O>,
    held: BTreeSet<&'static str>,
    calls: Vec<&'static str>,
}

/// Notes which of the script's secrets `flow` holds.
fn held<F: Flow>(flow: &F, held: &mut BTreeSet<&'static str>) {
    for (_, secret) in flow.secrets().iter() {
        held.extend(SECRETS.iter().filter(|s| secret.expose().contains(**s)));
    }
}

/// Runs `flow` and its resumed twin through `script`; `answer` is the provider.
fn twin<F: Flow + Clone + fmt::Debug>(
    flow: F,
    script: &[Step],
    answer: impl Fn(&Call, u8) -> Received,
) -> Result<Run<F::Outcome>, TestCaseError> {
    let mut a = flow.clone();
    let mut b = flow;
    let mut now = start() + Duration::from_nanos(123_456_789);
    let mut run = Run {
        outcome: None,
        held: BTreeSet::new(),
        calls: Vec::new(),
    };
    for step in script {
        b = resume_and_compare(&a, &b)?;
        if step.stray % 8 == 0 {
            let stray = || match (step.stray / 8) % 3 {
                0 => Event::Callback(callback_success(AUTH_CODE)),
                1 => Event::Timer,
                _ => Event::Received(lost()),
            };
            both_handle(&mut a, &mut b, now, stray)?;
            b = resume_and_compare(&a, &b)?;
        }
        held(&a, &mut run.held);
        let action = a.poll(now);
        same_action(&action, &b.poll(now))?;
        b = resume_and_compare(&a, &b)?;
        held(&a, &mut run.held);
        let choice = step.choice;
        match action {
            Action::Send(call) => {
                run.calls.push(call.target.label());
                both_handle(&mut a, &mut b, now, || {
                    Event::Received(answer(&call, choice))
                })?;
            }
            Action::OpenWebview(_) if choice % 5 == 4 => {
                // The customer has not come back yet.
                both_handle(&mut a, &mut b, now, || Event::Timer)?;
            }
            Action::OpenWebview(_) => {
                both_handle(&mut a, &mut b, now, || Event::Callback(callback(choice)))?;
            }
            Action::WakeAt(at) => {
                // Now and then the timer fires early.
                if choice % 4 != 0 {
                    now = at;
                }
                both_handle(&mut a, &mut b, now, || Event::Timer)?;
            }
            Action::Wait => both_handle(&mut a, &mut b, now, || Event::Timer)?,
            Action::Done(outcome) => {
                // A finished flow stays finished, resumed or not.
                let later = now + Duration::from_secs(3600);
                prop_assert_eq!(a.poll(later), Action::Done(outcome.clone()));
                prop_assert_eq!(resumed(&b)?.poll(later), Action::Done(outcome.clone()));
                run.outcome = Some(outcome);
                return Ok(run);
            }
        }
        now += step.pause;
    }
    resume_and_compare(&a, &b)?;
    Ok(run)
}

// ---- The providers.

fn snap_status(choice: u8) -> Received {
    let with = |status: &str, history: serde_json::Value| {
        response(
            200,
            json!({"responseCode": "2005500", "responseMessage": "m", "latestTransactionStatus": status, "refundHistory": history}),
        )
    };
    match choice % 10 {
        0 => with(
            "00",
            json!([{"partnerRefundNo": "RF-1", "refundStatus": "00", "refundNo": "R1"}]),
        ),
        1 => with("03", json!([])),
        2 => with("06", json!([])),
        3 => with("07", json!([])),
        4 => with(
            "04",
            json!([{"partnerRefundNo": "RF-1", "refundStatus": "06"}]),
        ),
        5 => with(
            "00",
            json!([{"partnerRefundNo": "RF-1", "refundStatus": "03"}]),
        ),
        6 => response(500, envelope("5005500")),
        7 => response(429, envelope("4295500")),
        _ => lost(),
    }
}

fn debit_provider(call: &Call, choice: u8) -> Received {
    match ovo_endpoint(call) {
        OvoEndpoint::Debit => match choice % 12 {
            0..=4 => response(
                202,
                json!({"responseCode": "2025400", "responseMessage": "m",
                    "webRedirectUrl": format!("https://ovo.example/pay?session={SESSION}")}),
            ),
            5 => response(
                200,
                json!({"responseCode": "2005400", "responseMessage": "m", "referenceNo": "R"}),
            ),
            6 => response(403, envelope("4035414")),
            7 => response(500, envelope("5005400")),
            8 => lost(),
            9 => never_sent(),
            10 => response(202, envelope("2025400")),
            _ => response(200, json!({"garbage": true})),
        },
        OvoEndpoint::GenerateToken => match choice % 7 {
            0..=2 => response(
                200,
                json!({"singleUseToken": SINGLE_USE, "expiresIn": "900"}),
            ),
            3 => response(200, json!({"accessToken": SINGLE_USE, "expiresIn": 120})),
            4 => response(500, envelope("5000000")),
            5 => lost(),
            _ => response(401, envelope("4017401")),
        },
        OvoEndpoint::Status => snap_status(choice),
        other => panic!("a debit called {other:?}"),
    }
}

fn refund_provider(call: &Call, choice: u8) -> Received {
    match ovo_endpoint(call) {
        OvoEndpoint::Refund => match choice % 7 {
            0 => response(
                200,
                json!({"responseCode": "2005800", "responseMessage": "m", "refundNo": "R1", "partnerRefundNo": "RF-1"}),
            ),
            1 => response(403, envelope("4035815")),
            2 => response(500, envelope("5005800")),
            3 => lost(),
            4 => never_sent(),
            5 => response(202, envelope("2025800")),
            _ => response(504, envelope("5045800")),
        },
        OvoEndpoint::Status => snap_status(choice),
        other => panic!("a refund called {other:?}"),
    }
}

/// An answer carrying a linkage token and the webview to open with it (binding, unbinding).
fn with_linkage(code: &str) -> Received {
    response(
        200,
        json!({"responseCode": code, "responseMessage": "m", "linkageToken": LINKAGE,
            "redirectUrl": "https://webview.example/activation",
            "additionalInfo": {"qParams": {"action": "otpLinkage", "client-id": "c"}}}),
    )
}

fn linking_provider(call: &Call, choice: u8) -> Received {
    match ovo_endpoint(call) {
        OvoEndpoint::Binding => match choice % 7 {
            0..=2 => with_linkage("2000700"),
            3 => response(
                200,
                json!({"responseCode": "2000700", "responseMessage": "m", "redirectUrl": "https://webview.example/activation"}),
            ),
            4 => response(403, envelope("4030718")),
            5 => response(500, envelope("5000700")),
            _ => lost(),
        },
        OvoEndpoint::B2b2cToken => {
            assert_eq!(
                call.authorization,
                Authorization::TokenCall(Some(ovo_model::Secret::new(LINKAGE)))
            );
            match choice % 6 {
                0..=2 => response(
                    200,
                    json!({"responseCode": "2007400", "responseMessage": "m", "accessToken": ACCESS,
                        "refreshToken": REFRESH, "tokenType": "Bearer"}),
                ),
                3 => response(401, envelope("4017401")),
                4 => response(500, envelope("5007400")),
                _ => never_sent(),
            }
        }
        other => panic!("a linking called {other:?}"),
    }
}

fn unbinding_provider(call: &Call, choice: u8) -> Received {
    match (ovo_endpoint(call), &call.authorization) {
        (OvoEndpoint::Unbinding, Authorization::Customer) => match choice % 6 {
            0..=2 => with_linkage("2000900"),
            3 => response(200, envelope("2000900")),
            4 => response(403, envelope("4030905")),
            _ => lost(),
        },
        (OvoEndpoint::Unbinding, Authorization::Bearer(_)) => {
            assert!(String::from_utf8_lossy(&call.body).contains(AUTH_CODE));
            match choice % 5 {
                0..=1 => response(200, envelope("2000900")),
                2 => response(401, envelope("4010901")),
                3 => response(500, envelope("5000900")),
                _ => lost(),
            }
        }
        other => panic!("an unbinding called {other:?}"),
    }
}

fn doku_provider(call: &Call, choice: u8) -> Received {
    match (doku_endpoint(call), choice % 8) {
        (DokuEndpoint::Payment, 0..=2) => response(
            201,
            json!({"customer": {"id": "CUST-1"}, "order": {"invoice_number": "INV-D", "amount": 1000},
                "payment": {"status": "SUCCESS"}}),
        ),
        (DokuEndpoint::Tokens, 0..=2) => response(
            200,
            json!({"customer": {"id": "CUST-1"}, "token_data": {"type": "WALLET_RECURRING"},
                "wallet": {"issuer": "OVO", "token_id": TOKEN_ID, "masked_phone_number": "****3021"}}),
        ),
        (_, 3) => response(
            400,
            json!({"error": {"code": "invalid_parameter", "message": "m"}}),
        ),
        (_, 4) => response(409, json!({"error": {"code": "duplicate", "message": "m"}})),
        (_, 5) => response(500, json!({})),
        (_, 6) => lost(),
        _ => never_sent(),
    }
}

// ---- The flows.

fn debit(recurring: bool) -> Debit {
    let mut request = DirectDebitRequest::new("INV-R", SnapMoney::idr(Idr::from_rupiah(1000)));
    if recurring {
        request.additional_info = Some(ovo_model::snap::DebitAdditionalInfo {
            sub_transaction_type: Some(SubTransactionType::Auto),
            other: Default::default(),
        });
    }
    Debit::new(&request, DESTINATION).unwrap()
}

fn refund() -> Refund {
    Refund::new(&RefundRequest::new(
        "INV-R",
        "RF-1",
        SnapMoney::idr(Idr::from_rupiah(500)),
    ))
    .unwrap()
}

fn linking() -> Linking {
    let request = BindingRequest {
        merchant_id: "oamerchantg".into(),
        phone_no: Some("6281234567890".into()),
        ..BindingRequest::default()
    };
    Linking::new(&request, DESTINATION, Some("attempt-1".into())).unwrap()
}

fn unbinding() -> Unbinding {
    Unbinding::new(Some("UNB-1".into()), DESTINATION, Some("unbind-1".into()))
}

fn doku_payment() -> DokuOperation<ovo_model::doku::PaymentResponse> {
    let request: ovo_model::doku::PaymentRequest = ovo_model::from_json(
        json!({"customer": {"id": "CUST-1"}, "order": {"invoice_number": "INV-D", "amount": 1000},
            "ovo_account": {"token_id": TOKEN_ID}})
        .to_string()
        .as_bytes(),
    )
    .unwrap();
    DokuOperation::payment(&request, "req-pay-1").unwrap()
}

fn doku_tokens() -> DokuOperation<ovo_model::doku::TokenListResponse> {
    let request = ovo_model::doku::TokenListRequest::wallet_recurring("CUST-1");
    DokuOperation::tokens(&request, "req-tokens-1").unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn a_resumed_one_off_debit_behaves_like_the_original(script in script()) {
        twin(debit(false), &script, debit_provider)?;
    }

    #[test]
    fn a_resumed_recurring_debit_behaves_like_the_original(script in script()) {
        twin(debit(true), &script, debit_provider)?;
    }

    #[test]
    fn a_resumed_refund_behaves_like_the_original(script in script()) {
        twin(refund(), &script, refund_provider)?;
    }

    #[test]
    fn a_resumed_linking_behaves_like_the_original(script in script()) {
        twin(linking(), &script, linking_provider)?;
    }

    #[test]
    fn a_resumed_unbinding_behaves_like_the_original(script in script()) {
        twin(unbinding(), &script, unbinding_provider)?;
    }

    #[test]
    fn a_resumed_doku_payment_behaves_like_the_original(script in script()) {
        twin(doku_payment(), &script, doku_provider)?;
    }

    #[test]
    fn a_resumed_doku_safe_call_behaves_like_the_original(script in script()) {
        twin(doku_tokens(), &script, doku_provider)?;
    }
}

/// A script of answers that reach every secret: so the property above is not checking states
/// that never held one.
fn happy(choices: &[u8]) -> Vec<Step> {
    choices
        .iter()
        .map(|&choice| Step {
            choice,
            stray: 1,
            pause: Duration::from_secs(1),
        })
        .collect()
}

#[test]
fn the_happy_paths_hold_every_secret_apart_from_the_state() {
    let run = twin(debit(false), &happy(&[0, 2, 0, 5, 0]), debit_provider).unwrap();
    assert_eq!(
        run.calls,
        ["debit", "generate-token", "debit"],
        "call 1, Generate Token, call 2"
    );
    assert!(matches!(
        run.outcome,
        Some(ovo_flows::DebitOutcome::Paid { .. })
    ));
    assert_eq!(
        run.held,
        BTreeSet::from([SESSION, AUTH_CODE, SINGLE_USE]),
        "the webview URL, the authCode and the single-use token were held"
    );

    let run = twin(linking(), &happy(&[0, 2, 0, 0]), linking_provider).unwrap();
    assert!(
        matches!(&run.outcome, Some(ovo_flows::LinkingOutcome::Linked(tokens)) if tokens.access.expose() == ACCESS && tokens.refresh.as_ref().map(|r| r.expose()) == Some(REFRESH)),
        "{run:?}"
    );
    assert_eq!(
        run.held,
        BTreeSet::from([LINKAGE, AUTH_CODE, ACCESS, REFRESH])
    );

    let run = twin(unbinding(), &happy(&[0, 2, 0, 0]), unbinding_provider).unwrap();
    assert_eq!(
        run.outcome,
        Some(ovo_flows::UnbindingOutcome::Unbound),
        "{run:?}"
    );
    assert_eq!(run.held, BTreeSet::from([LINKAGE, AUTH_CODE]));

    let run = twin(doku_tokens(), &happy(&[0, 0]), doku_provider).unwrap();
    assert!(matches!(
        &run.outcome,
        Some(ovo_flows::DokuOutcome::Answered(answer)) if answer.wallet.token_id.expose() == TOKEN_ID
    ));
    assert_eq!(run.held, BTreeSet::from([TOKEN_ID]));

    let run = twin(doku_payment(), &happy(&[0, 0]), doku_provider).unwrap();
    assert!(matches!(
        &run.outcome,
        Some(ovo_flows::DokuOutcome::Answered(_))
    ));
    assert_eq!(run.held, BTreeSet::from([TOKEN_ID]));
}

/// The twin check can fail: a copy resumed without its secrets parts from the original.
#[test]
fn a_resumed_copy_without_its_secrets_is_caught() {
    let mut a = debit(false);
    let now = start();
    let Action::Send(call) = a.poll(now) else {
        panic!()
    };
    a.handle(now, Event::Received(debit_provider(&call, 0)))
        .unwrap();
    let json = ovo_flows::to_state(&a).unwrap();
    let mut b: Debit = ovo_flows::from_state(&json, ovo_flows::FlowSecrets::default()).unwrap();
    assert!(resume_and_compare(&a, &b).is_err());
    assert!(same_action(&a.poll(now), &b.poll(now)).is_err());
}
