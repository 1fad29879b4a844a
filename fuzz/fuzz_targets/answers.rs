//! Reading the providers' answers (`ovo_flows::read_snap`, `read_doku`) on an arbitrary HTTP status
//! and body: never a panic, and never a refusal ("nothing moved") where the status says nothing
//! certain (5xx, 408, 429).
#![no_main]

use libfuzzer_sys::fuzz_target;
use ovo_flows::{Answer, read_doku, read_snap};
use ovo_model::{doku, snap};

fn uncertain(status: u16) -> bool {
    status >= 500 || status == 408 || status == 429
}

fn check<T>(status: u16, answer: &Answer<T>) {
    if uncertain(status) {
        assert!(
            !matches!(answer, Answer::Refused { .. }),
            "{status} read as a refusal"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((head, body)) = data.split_first_chunk::<2>() else {
        return;
    };
    let status = 100 + u16::from_be_bytes(*head) % 500;
    let Ok(response) = http::Response::builder().status(status).body(body.to_vec()) else {
        return;
    };
    check(status, &read_snap::<snap::ErrorEnvelope>(&response));
    check(status, &read_snap::<snap::B2bTokenResponse>(&response));
    check(status, &read_snap::<snap::B2b2cTokenResponse>(&response));
    check(status, &read_snap::<snap::GenerateTokenResponse>(&response));
    check(status, &read_snap::<snap::BindingResponse>(&response));
    check(status, &read_snap::<snap::DirectDebitResponse>(&response));
    check(status, &read_snap::<snap::DebitStatusResponse>(&response));
    check(status, &read_snap::<snap::RefundResponse>(&response));
    check(status, &read_snap::<snap::UnbindingResponse>(&response));
    check(status, &read_doku::<doku::PaymentResponse>(&response));
    check(status, &read_doku::<doku::RefundResponse>(&response));
    check(status, &read_doku::<doku::TokenListResponse>(&response));
    // A 409 from DOKU may follow a payment that went through: never a refusal either.
    if status == 409 {
        assert!(!matches!(
            read_doku::<doku::PaymentResponse>(&response),
            Answer::Refused { .. }
        ));
    }
});
