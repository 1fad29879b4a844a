//! The debit machine against a provider that answers anything, loses answers and takes its time:
//! the money rules hold on every path.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

mod common;

use std::time::Duration;

use ovo_flows::{
    Authorization, Call, Debit, DebitAction, DebitOutcome, Received, SnapEndpoint, Target,
};
use ovo_model::snap::{DirectDebitRequest, SubTransactionType};
use ovo_model::{Idr, Secret, SnapMoney};
use proptest::prelude::*;
use serde_json::json;

use common::response;
use time::OffsetDateTime;

fn envelope(code: &str) -> serde_json::Value {
    json!({"responseCode": code, "responseMessage": "m"})
}

/// Answers to a debit call (call 1 or 2).
fn debit_answer(choice: u8) -> Received {
    match choice % 9 {
        0 => response(
            202,
            json!({"responseCode": "2025400", "responseMessage": "m", "webRedirectUrl": "https://ovo.example/pay?session=s"}),
        ),
        1 => response(
            200,
            json!({"responseCode": "2005400", "responseMessage": "m", "referenceNo": "R"}),
        ),
        2 => response(403, envelope("4035414")),
        3 => response(500, envelope("5005400")),
        4 => response(504, envelope("5045400")),
        5 => Received::Failed {
            may_have_reached: true,
        },
        6 => Received::Failed {
            may_have_reached: false,
        },
        7 => response(200, json!({"garbage": true})),
        _ => response(202, envelope("2025400")),
    }
}

fn generate_answer(choice: u8) -> Received {
    match choice % 4 {
        0 | 1 => response(200, json!({"singleUseToken": "SUT", "expiresIn": "900"})),
        2 => response(500, envelope("5000000")),
        _ => Received::Failed {
            may_have_reached: true,
        },
    }
}

fn status_answer(choice: u8) -> Received {
    let with = |status: &str| {
        response(
            200,
            json!({"responseCode": "2005500", "responseMessage": "m", "latestTransactionStatus": status}),
        )
    };
    match choice % 8 {
        0 => with("00"),
        1 => with("01"),
        2 => with("03"),
        3 => with("06"),
        4 => with("07"),
        5 => with("04"),
        6 => response(500, envelope("5005500")),
        _ => Received::Failed {
            may_have_reached: true,
        },
    }
}

fn callback(choice: u8) -> String {
    if choice.is_multiple_of(5) {
        "https://m.example/cb?response=%7B%22displayMsg%22%3A%22FAILED%22%2C%22errorCode%22%3A%22E1%22%7D".to_owned()
    } else {
        "https://m.example/cb?response=%7B%22displayMsg%22%3A%22SUCCESS%22%2C%22authCode%22%3A%22CODE%22%2C%22errorCode%22%3A%22%22%7D".to_owned()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    FirstDebit,
    SecondDebit,
    Generate,
    Status,
}

fn kind(call: &Call, access: &Secret) -> Kind {
    match (&call.target, &call.authorization) {
        (Target::Snap(SnapEndpoint::Debit), Authorization::Bearer(token)) if token == access => {
            Kind::FirstDebit
        }
        (Target::Snap(SnapEndpoint::Debit), _) => Kind::SecondDebit,
        (Target::Snap(SnapEndpoint::Status), _) => Kind::Status,
        (Target::Path(path), _) if path.starts_with("/user/v1/oauth/token") => Kind::Generate,
        other => panic!("unexpected call {other:?}"),
    }
}

/// Whether a debit call's outcome is unknown: lost, 5xx, unreadable, or "in progress" where it
/// is not call 1's expected answer (a 202 with the webview URL).
fn is_unknown(kind: Kind, received: &Received) -> bool {
    match received {
        Received::Failed { may_have_reached } => *may_have_reached,
        Received::Response(r) => {
            let body: serde_json::Value = serde_json::from_slice(r.body()).unwrap_or_default();
            let expected_first = kind == Kind::FirstDebit && body.get("webRedirectUrl").is_some();
            r.status().as_u16() >= 500
                || body.get("responseCode").is_none()
                || (r.status().as_u16() == 202 && !expected_first)
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn the_money_rules_hold_on_every_path(
        choices in prop::collection::vec(any::<u8>(), 64),
        minutes in prop::collection::vec(0u32..20, 64),
        recurring in any::<bool>(),
    ) {
        let mut request = DirectDebitRequest::new("INV-P", SnapMoney::idr(Idr::from_rupiah(1000)));
        if recurring {
            request.additional_info = Some(ovo_model::snap::DebitAdditionalInfo {
                sub_transaction_type: Some(SubTransactionType::Auto),
                other: Default::default(),
            });
        }
        let mut debit = Debit::new(&request).unwrap();
        let access = Secret::new("ACCESS");
        let mut now = OffsetDateTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let mut token_obtained: Option<OffsetDateTime> = None;
        let mut second_calls = 0;
        let mut must_inquire = false;
        let mut provider_confirmed = false;
        let mut outcome = None;

        for step in 0..64 {
            let choice = choices[step];
            match debit.poll(now, &access) {
                DebitAction::Send(call) => {
                    let kind = kind(&call, &access);
                    // After an unknown outcome of a money call, only a status inquiry may follow.
                    if must_inquire {
                        prop_assert_eq!(kind, Kind::Status, "a debit call was re-sent after an unknown outcome");
                    }
                    prop_assert_eq!(call.moves_money, matches!(kind, Kind::FirstDebit | Kind::SecondDebit));
                    let received = match kind {
                        Kind::FirstDebit | Kind::SecondDebit => debit_answer(choice),
                        Kind::Generate => generate_answer(choice),
                        Kind::Status => status_answer(choice),
                    };
                    if kind == Kind::SecondDebit {
                        second_calls += 1;
                        let obtained = token_obtained.expect("call 2 only after Generate Token");
                        prop_assert!(now < obtained + Duration::from_secs(15 * 60), "call 2 after the single-use token's lifetime");
                    }
                    if call.moves_money {
                        must_inquire = is_unknown(kind, &received);
                    }
                    let body = match &received { Received::Response(r) => String::from_utf8_lossy(r.body()).into_owned(), _ => String::new() };
                    if (matches!(kind, Kind::FirstDebit | Kind::SecondDebit) && body.contains("2005400"))
                        || (kind == Kind::Status && (body.contains("\"00\"") || body.contains("\"04\"")))
                    {
                        provider_confirmed = true;
                    }
                    if kind == Kind::Generate && body.contains("SUT") {
                        token_obtained = Some(now);
                    }
                    debit.on_received(now, received).unwrap();
                }
                DebitAction::OpenWebview(url) => {
                    prop_assert!(url.starts_with("https://ovo.example/pay"));
                    debit.on_callback(&callback(choice)).unwrap();
                }
                DebitAction::Wait => prop_assert!(false, "the driver always answers, so the machine never waits"),
                DebitAction::Done(done) => {
                    outcome = Some(done);
                    break;
                }
            }
            now += Duration::from_secs(u64::from(minutes[step]) * 60);
        }
        let outcome = outcome.expect("every debit settles within 64 steps");
        prop_assert!(second_calls <= 1, "call 2 sent {} times", second_calls);
        if matches!(outcome, DebitOutcome::Paid { .. }) {
            prop_assert!(provider_confirmed, "Paid without the provider saying so");
        }
        if let DebitOutcome::Abandoned { reason } = outcome {
            prop_assert!(
                second_calls == 0 || reason.contains("failed"),
                "abandoned after call 2 without a failed status: {}", reason
            );
        }
    }
}
