//! The debit machine against a provider that answers anything, loses answers and takes its time,
//! and a customer who confirms, fails or walks away: the money rules hold on every path.
//!
//! The driver here is the one `ovo-http` is: it retries a call the policy allows (so a
//! `Failed { may_have_reached: false }` reaching the machine means the retries are spent), sleeps
//! until a [`Action::WakeAt`], and sometimes wakes early.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

mod common;

use std::time::Duration;

use ovo_flows::{
    Action, Authorization, Call, DEFAULT_MAX_INQUIRIES, Debit, DebitOutcome, Event, Flow, Pacing,
    RENEW_MARGIN, Reason, Received, Resend, Target,
};
use ovo_model::endpoint::OvoEndpoint;
use ovo_model::snap::{DirectDebitRequest, SubTransactionType};
use ovo_model::{Idr, Secret, SnapMoney};
use proptest::prelude::*;
use serde_json::json;
use time::OffsetDateTime;

use common::{
    DESTINATION, callback_failure, callback_success, envelope, lost, never_sent, ovo_endpoint,
    response, start,
};

const SESSION: &str = "https://ovo.example/pay?session=s";
const AUTH_CODE: &str = "CODE";
const SINGLE_USE: &str = "SUT";

/// How an answer to a debit call (call 1 or 2) reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DebitAnswer {
    /// `202` with the webview URL: call 1's expected answer.
    InProgressWithWebview,
    /// `200 2005400`: captured.
    Paid,
    /// A definite refusal (`403`, or a `200` carrying a 4xx code).
    Refused,
    /// 5xx, unreadable, a `202` without the webview, or no answer: anything may have happened.
    Unknown,
    /// No answer, and the call never left.
    NeverSent,
}

/// Answers to a debit call (call 1 or 2), weighted towards the webview so call 2 is often reached.
fn debit_answer(choice: u8) -> (Received, DebitAnswer) {
    match choice % 16 {
        0..=5 => (
            response(
                202,
                json!({"responseCode": "2025400", "responseMessage": "m", "webRedirectUrl": SESSION}),
            ),
            DebitAnswer::InProgressWithWebview,
        ),
        6 | 7 => (
            response(
                200,
                json!({"responseCode": "2005400", "responseMessage": "m", "referenceNo": "R"}),
            ),
            DebitAnswer::Paid,
        ),
        8 => (response(403, envelope("4035414")), DebitAnswer::Refused),
        9 => (response(500, envelope("5005400")), DebitAnswer::Unknown),
        10 => (response(504, envelope("5045400")), DebitAnswer::Unknown),
        11 => (lost(), DebitAnswer::Unknown),
        12 => (never_sent(), DebitAnswer::NeverSent),
        13 => (
            response(200, json!({"garbage": true})),
            DebitAnswer::Unknown,
        ),
        14 => (response(202, envelope("2025400")), DebitAnswer::Unknown),
        _ => (response(200, envelope("4035414")), DebitAnswer::Refused),
    }
}

/// Answers to Generate Token, with the single-use token's lifetime when one is issued.
fn generate_answer(choice: u8) -> (Received, Option<Duration>) {
    let minutes = |m: u64| Some(Duration::from_secs(m * 60));
    match choice % 10 {
        0..=3 => (
            response(
                200,
                json!({"singleUseToken": SINGLE_USE, "expiresIn": "900"}),
            ),
            minutes(15),
        ),
        4 => (
            response(200, json!({"accessToken": SINGLE_USE, "expiresIn": 300})),
            minutes(5),
        ),
        5 => (
            response(200, json!({"singleUseToken": SINGLE_USE})),
            minutes(15),
        ),
        6 => (response(500, envelope("5000000")), None),
        7 => (lost(), None),
        8 => (never_sent(), None),
        _ => (response(401, envelope("4017401")), None),
    }
}

/// What a status answer says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StatusSays {
    Paid,
    Failed,
    Pending,
    NotFound,
    Nothing,
}

fn status_answer(choice: u8) -> (Received, StatusSays) {
    let with = |status: &str| {
        response(
            200,
            json!({"responseCode": "2005500", "responseMessage": "m", "latestTransactionStatus": status}),
        )
    };
    match choice % 9 {
        0 => (with("00"), StatusSays::Paid),
        1 => (with("01"), StatusSays::Pending),
        2 => (with("03"), StatusSays::Pending),
        3 => (with("06"), StatusSays::Failed),
        4 => (with("07"), StatusSays::NotFound),
        5 => (with("04"), StatusSays::Paid),
        6 => (with("05"), StatusSays::Failed),
        7 => (response(500, envelope("5005500")), StatusSays::Nothing),
        _ => (lost(), StatusSays::Nothing),
    }
}

/// The time the driver lets pass after a step: often none, sometimes seconds (the pacing of
/// inquiries), sometimes minutes (the single-use token's and the webview's lifetimes).
fn pause(value: u32) -> Duration {
    match value {
        0..=7 => Duration::ZERO,
        8..=13 => Duration::from_secs(u64::from(value - 7) * 5),
        _ => Duration::from_secs(u64::from(value - 13) * 3 * 60),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    FirstDebit,
    SecondDebit,
    Generate,
    Status,
}

fn kind(call: &Call) -> Kind {
    match (ovo_endpoint(call), &call.authorization) {
        (OvoEndpoint::Debit, Authorization::Customer) => Kind::FirstDebit,
        (OvoEndpoint::Debit, Authorization::Bearer(_)) => Kind::SecondDebit,
        (OvoEndpoint::Status, _) => Kind::Status,
        (OvoEndpoint::GenerateToken, _) => Kind::Generate,
        _ => panic!("unexpected call {call:?}"),
    }
}

/// What the provider and the customer did so far, as the test saw it.
#[derive(Debug, Default)]
struct Seen {
    first_calls: u32,
    second_calls: u32,
    generate_calls: u32,
    /// The answer to the last debit call.
    last_debit: Option<DebitAnswer>,
    /// A call that can capture (call 2, or call 1 of a recurring debit) may have reached OVO.
    capture_may_have_reached: bool,
    /// ... and its answer left the outcome open (the machine had to inquire).
    capture_unknown: bool,
    /// A money call's outcome is unknown: from now on only status inquiries may go.
    must_inquire: bool,
    inquiries: u32,
    last_status_at: Option<OffsetDateTime>,
    last_status: Option<StatusSays>,
    provider_confirmed: bool,
    webview_until: Option<OffsetDateTime>,
    callback_succeeded: bool,
    callback_failed: bool,
    /// When a single-use token was issued, and how long it lives.
    token: Option<(OffsetDateTime, Duration)>,
    generate_refused: bool,
}

fn run(
    choices: &[u8],
    minutes: &[u32],
    recurring: bool,
) -> Result<(Debit, DebitOutcome, Seen), TestCaseError> {
    let mut request = DirectDebitRequest::new("INV-P", SnapMoney::idr(Idr::from_rupiah(1000)));
    if recurring {
        request.additional_info = Some(ovo_model::snap::DebitAdditionalInfo {
            sub_transaction_type: Some(SubTransactionType::Auto),
            other: Default::default(),
        });
    }
    let mut debit = Debit::new(&request, DESTINATION).unwrap();
    let body = debit.body().to_vec();
    let pacing = Pacing::default();
    let mut now = start();
    let mut seen = Seen::default();

    for (&choice, &minutes) in choices.iter().zip(minutes) {
        let action = debit.poll(now);
        if let Action::Done(outcome) = action {
            return Ok((debit, outcome, seen));
        }
        match action {
            Action::Send(call) => {
                let kind = kind(&call);
                // After an unknown outcome of a money call, only a status inquiry may follow.
                if seen.must_inquire {
                    prop_assert_eq!(
                        kind,
                        Kind::Status,
                        "a call other than a status inquiry after an unknown outcome"
                    );
                }
                prop_assert_eq!(
                    call.moves_money(),
                    matches!(kind, Kind::FirstDebit | Kind::SecondDebit)
                );
                let received = match kind {
                    Kind::FirstDebit | Kind::SecondDebit => {
                        prop_assert_eq!(&call.body, &body, "both debit calls send the same bytes");
                        prop_assert_eq!(call.resend, Resend::OnlyIfNotSent);
                        let second = kind == Kind::SecondDebit;
                        if second {
                            seen.second_calls += 1;
                            prop_assert_eq!(
                                &call.authorization,
                                &Authorization::Bearer(Secret::new(SINGLE_USE))
                            );
                            let (issued, lifetime) =
                                seen.token.expect("call 2 only after Generate Token");
                            prop_assert!(
                                now + RENEW_MARGIN < issued + lifetime,
                                "call 2 at {} with a token issued at {} for {:?}",
                                now,
                                issued,
                                lifetime
                            );
                        } else {
                            seen.first_calls += 1;
                        }
                        let (received, answer) = debit_answer(choice);
                        seen.last_debit = Some(answer);
                        let can_capture = second || recurring;
                        if can_capture && answer != DebitAnswer::NeverSent {
                            seen.capture_may_have_reached = true;
                        }
                        let unknown = matches!(answer, DebitAnswer::Unknown)
                            || (second && answer == DebitAnswer::InProgressWithWebview);
                        seen.capture_unknown |= can_capture && unknown;
                        seen.must_inquire = unknown;
                        seen.provider_confirmed |= answer == DebitAnswer::Paid;
                        if answer == DebitAnswer::InProgressWithWebview && !second {
                            seen.webview_until = Some(now + pacing.webview_timeout);
                        }
                        received
                    }
                    Kind::Generate => {
                        seen.generate_calls += 1;
                        prop_assert!(
                            seen.callback_succeeded,
                            "Generate Token without an authCode"
                        );
                        prop_assert_eq!(&call.authorization, &Authorization::Customer);
                        prop_assert_eq!(call.resend, Resend::OnlyIfNotSent);
                        let Target::Ovo { query, .. } = &call.target else {
                            unreachable!()
                        };
                        prop_assert!(
                            query
                                .as_deref()
                                .is_some_and(|q| q.contains(&format!("code={AUTH_CODE}"))),
                            "Generate Token carries the authCode"
                        );
                        let (received, lifetime) = generate_answer(choice);
                        match lifetime {
                            Some(lifetime) => seen.token = Some((now, lifetime)),
                            None => seen.generate_refused = true,
                        }
                        received
                    }
                    Kind::Status => {
                        // An outcome in doubt, or giving up (webview, Generate Token, a lapsed token)
                        // after a call that can capture (a recurring call 1) may have reached OVO.
                        prop_assert!(
                            seen.must_inquire || seen.capture_may_have_reached,
                            "an inquiry without an outcome in doubt"
                        );
                        seen.must_inquire = true;
                        prop_assert_eq!(&call.authorization, &Authorization::Customer);
                        prop_assert_eq!(call.resend, Resend::Safe);
                        prop_assert!(String::from_utf8_lossy(&call.body).contains("INV-P"));
                        if let Some(at) = seen.last_status_at {
                            let due = at + pacing.inquiry_wait(seen.inquiries);
                            prop_assert!(now >= due, "inquiry at {} before {}", now, due);
                        }
                        seen.inquiries += 1;
                        seen.last_status_at = Some(now);
                        let (received, says) = status_answer(choice);
                        seen.last_status = Some(says);
                        seen.provider_confirmed |= says == StatusSays::Paid;
                        received
                    }
                };
                debit.handle(now, Event::Received(received)).unwrap();
            }
            Action::OpenWebview(url) => {
                prop_assert!(url.expose().starts_with(SESSION));
                prop_assert!(url.expose().contains("state=INV-P"));
                prop_assert_eq!(debit.poll(now), Action::WakeAt(seen.webview_until.unwrap()));
                match choice % 6 {
                    // The customer walks away: the driver's next wake-up is the webview's end.
                    5 => {}
                    4 => {
                        seen.callback_failed = true;
                        debit
                            .handle(now, Event::Callback(callback_failure()))
                            .unwrap();
                    }
                    _ => {
                        seen.callback_succeeded = true;
                        let callback = callback_success(AUTH_CODE);
                        debit.handle(now, Event::Callback(callback)).unwrap();
                    }
                }
            }
            Action::WakeAt(at) => {
                prop_assert!(at > now, "a wake-up at {} is not later than {}", at, now);
                if seen.must_inquire {
                    // The first inquiry goes at once; the next ones are paced.
                    prop_assert!(seen.inquiries >= 1, "the first inquiry waited");
                    let due = seen.last_status_at.unwrap() + pacing.inquiry_wait(seen.inquiries);
                    prop_assert_eq!(at, due);
                } else {
                    prop_assert_eq!(
                        Some(at),
                        seen.webview_until,
                        "a wake-up outside the webview"
                    );
                }
                // Sometimes the timer fires early; the machine must wait on.
                if choice % 8 != 7 {
                    now = at;
                }
                debit.handle(now, Event::Timer).unwrap();
            }
            Action::Wait => prop_assert!(
                false,
                "the driver always answers, so the machine never waits"
            ),
            Action::Done(_) => unreachable!(),
        }
        // While it runs, the flow's fallback outcome is Unknown exactly when a call that can
        // capture may have reached OVO.
        if !matches!(debit.clone().poll(now), Action::Done(_)) {
            let expected = seen
                .capture_may_have_reached
                .then_some(DebitOutcome::Unknown);
            prop_assert_eq!(debit.unsettled_outcome(), expected);
        }
        now += pause(minutes);
    }
    Err(TestCaseError::fail(
        "the debit did not settle within the run",
    ))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn the_money_rules_hold_on_every_path(
        choices in prop::collection::vec(any::<u8>(), 64),
        minutes in prop::collection::vec(0u32..20, 64),
        recurring in any::<bool>(),
    ) {
        let (mut debit, outcome, seen) = run(&choices, &minutes, recurring)?;
        prop_assert_eq!(seen.first_calls, 1, "call 1 is emitted once");
        prop_assert!(seen.second_calls <= 1, "call 2 sent {} times", seen.second_calls);
        prop_assert!(seen.generate_calls <= 1, "the authCode sent {} times", seen.generate_calls);
        prop_assert!(seen.inquiries <= DEFAULT_MAX_INQUIRIES);
        prop_assert!(debit.secrets().is_empty(), "secrets are dropped at the end");
        prop_assert_eq!(debit.poll(start() + Duration::from_secs(86_400)), Action::Done(outcome.clone()));
        prop_assert_eq!(debit.unsettled_outcome(), Some(outcome.clone()));
        match &outcome {
            DebitOutcome::Paid { .. } => {
                prop_assert!(seen.provider_confirmed, "Paid without the provider saying so");
            }
            DebitOutcome::Refused { .. } => {
                prop_assert_eq!(seen.last_debit, Some(DebitAnswer::Refused), "Refused without a refusal");
            }
            DebitOutcome::Unknown => {
                prop_assert_eq!(seen.inquiries, DEFAULT_MAX_INQUIRIES, "Unknown before the inquiries ran out");
            }
            DebitOutcome::Abandoned { reason } => {
                // Certainly nothing was captured: no call that can capture left with an open
                // outcome, or the provider said the payment failed.
                prop_assert!(
                    !seen.capture_unknown || *reason == Reason::StatusShowsFailed,
                    "abandoned ({:?}) after a capture may have happened", reason
                );
                match reason {
                    Reason::NeverSent => {
                        prop_assert_eq!(seen.last_debit, Some(DebitAnswer::NeverSent));
                    }
                    Reason::SingleUseTokenNotIssued => {
                        prop_assert!(seen.generate_refused && seen.token.is_none());
                        prop_assert_eq!(seen.second_calls, 0);
                    }
                    Reason::SingleUseTokenLapsed => {
                        prop_assert!(seen.token.is_some());
                        prop_assert_eq!(seen.second_calls, 0);
                    }
                    Reason::CustomerDidNotConfirm => prop_assert!(seen.callback_failed),
                    Reason::WebviewTimedOut => {
                        prop_assert!(!seen.callback_succeeded && !seen.callback_failed);
                    }
                    Reason::StatusShowsFailed => {
                        prop_assert_eq!(seen.last_status, Some(StatusSays::Failed));
                    }
                    Reason::StatusDoesNotKnowPayment => {
                        prop_assert_eq!(seen.last_status, Some(StatusSays::NotFound));
                        prop_assert!(!seen.capture_may_have_reached);
                    }
                    Reason::NeverConfirmed => {
                        // The inquiry said pending, or every inquiry was spent without an
                        // answer; either way no call that can capture may have left.
                        prop_assert!(
                            seen.last_status == Some(StatusSays::Pending)
                                || seen.inquiries == DEFAULT_MAX_INQUIRIES
                        );
                        prop_assert!(!seen.capture_may_have_reached);
                    }
                    other => prop_assert!(false, "unexpected reason {:?}", other),
                }
            }
        }
    }
}

/// A call that certainly never left ends the debit with nothing captured: the driver already
/// retried it, and the machine does not emit it again.
#[test]
fn a_debit_call_that_never_left_is_not_emitted_again() {
    let request = DirectDebitRequest::new("INV-N", SnapMoney::idr(Idr::from_rupiah(1000)));
    let mut debit = Debit::new(&request, DESTINATION).unwrap();
    let now = start();
    assert!(matches!(debit.poll(now), Action::Send(_)));
    debit.handle(now, Event::Received(never_sent())).unwrap();
    assert_eq!(
        debit.poll(now),
        Action::Done(DebitOutcome::Abandoned {
            reason: Reason::NeverSent
        })
    );
    assert_eq!(
        debit.unsettled_outcome(),
        Some(DebitOutcome::Abandoned {
            reason: Reason::NeverSent
        })
    );
}

/// Status inquiries are paced: the first at once, then after `inquiry_wait(n)`, and a timer
/// that fires early changes nothing.
#[test]
fn status_inquiries_are_paced() {
    let request = DirectDebitRequest::new("INV-W", SnapMoney::idr(Idr::from_rupiah(1000)));
    let mut debit = Debit::new(&request, DESTINATION).unwrap();
    let pacing = Pacing::default();
    let mut now = start();
    assert!(matches!(debit.poll(now), Action::Send(_)));
    debit.handle(now, Event::Received(lost())).unwrap();
    // Unreadable answers leave the outcome open, so the inquiries go on.
    for done in 1..DEFAULT_MAX_INQUIRIES {
        let Action::Send(call) = debit.poll(now) else {
            panic!("inquiry {done} did not go at once")
        };
        assert_eq!(ovo_endpoint(&call), OvoEndpoint::Status);
        debit
            .handle(now, Event::Received(response(503, envelope("5035500"))))
            .unwrap();
        let due = now + pacing.inquiry_wait(done);
        assert_eq!(debit.poll(now), Action::WakeAt(due));
        debit.handle(now, Event::Timer).unwrap();
        assert_eq!(
            debit.poll(now),
            Action::WakeAt(due),
            "an early timer sends nothing"
        );
        now = due;
        debit.handle(now, Event::Timer).unwrap();
    }
    let Action::Send(_) = debit.poll(now) else {
        panic!("the last inquiry")
    };
    debit.handle(now, Event::Received(lost())).unwrap();
    // A one-off debit's call 1 captures nothing without call 2: the inquiries could not say
    // more, but nothing moved.
    assert_eq!(
        debit.poll(now),
        Action::Done(DebitOutcome::Abandoned {
            reason: Reason::NeverConfirmed
        })
    );
}

/// Generate Token's lost answer ends the debit: the `authCode` is single-use and never sent twice.
#[test]
fn a_lost_single_use_token_ends_the_debit_without_call_2() {
    for answer in [lost(), response(500, envelope("5000000")), never_sent()] {
        let request = DirectDebitRequest::new("INV-G", SnapMoney::idr(Idr::from_rupiah(1000)));
        let mut debit = Debit::new(&request, DESTINATION).unwrap();
        let now = start();
        assert!(matches!(debit.poll(now), Action::Send(_)));
        let (first, _) = debit_answer(0);
        debit.handle(now, Event::Received(first)).unwrap();
        assert!(matches!(debit.poll(now), Action::OpenWebview(_)));
        debit
            .handle(now, Event::Callback(callback_success(AUTH_CODE)))
            .unwrap();
        let Action::Send(generate) = debit.poll(now) else {
            panic!("Generate Token")
        };
        assert_eq!(ovo_endpoint(&generate), OvoEndpoint::GenerateToken);
        debit.handle(now, Event::Received(answer)).unwrap();
        assert_eq!(
            debit.poll(now),
            Action::Done(DebitOutcome::Abandoned {
                reason: Reason::SingleUseTokenNotIssued
            })
        );
    }
}
