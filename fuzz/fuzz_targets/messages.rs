//! Every message parser of both APIs on arbitrary bytes, the SNAP response code on arbitrary
//! text, and the webview callback on arbitrary URLs: typed errors, never a panic. Parsed codes
//! print back to the text they came from.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ovo_model::{doku, from_json, snap};

fuzz_target!(|data: &[u8]| {
    let _ = from_json::<snap::ErrorEnvelope>(data);
    let _ = from_json::<snap::B2bTokenResponse>(data);
    let _ = from_json::<snap::B2b2cTokenResponse>(data);
    let _ = from_json::<snap::GenerateTokenResponse>(data);
    let _ = from_json::<snap::LookupResponse>(data);
    let _ = from_json::<snap::BindingRequest>(data);
    let _ = from_json::<snap::BindingResponse>(data);
    let _ = from_json::<snap::BalanceInquiryResponse>(data);
    let _ = from_json::<snap::DirectDebitRequest>(data);
    let _ = from_json::<snap::DirectDebitResponse>(data);
    let _ = from_json::<snap::DebitStatusResponse>(data);
    let _ = from_json::<snap::RefundRequest>(data);
    let _ = from_json::<snap::RefundResponse>(data);
    let _ = from_json::<snap::UnbindingResponse>(data);
    let _ = from_json::<snap::DebitNotify>(data);
    let _ = from_json::<doku::BindingRequest>(data);
    let _ = from_json::<doku::BindingResponse>(data);
    let _ = from_json::<doku::TokenListResponse>(data);
    let _ = from_json::<doku::BalanceResponse>(data);
    let _ = from_json::<doku::PaymentRequest>(data);
    let _ = from_json::<doku::PaymentResponse>(data);
    let _ = from_json::<doku::RefundResponse>(data);
    let _ = from_json::<doku::UnbindResponse>(data);
    let _ = from_json::<doku::Notification>(data);
    let _ = from_json::<doku::DokuErrorBody>(data);
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(code) = text.parse::<ovo_model::ResponseCode>() {
            assert_eq!(
                code.to_string(),
                text,
                "a parsed code prints back as it came"
            );
        }
        let _ = snap::WebviewCallback::from_url(text);
        let _ = ovo_model::Idr::parse_snap_value(text);
    }
});
