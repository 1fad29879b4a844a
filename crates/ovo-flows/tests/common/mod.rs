//! What the flow tests share: a provider's answers as the machines receive them, the webview's
//! redirect, the time the runs start at, and the signing material.
// Each test file uses a part of this module.
#![allow(dead_code)]

use std::time::Duration;

use ovo_flows::Received;
use ovo_flows::{Action, Call, Target};
use ovo_model::endpoint::{DokuEndpoint, OvoEndpoint};
use serde_json::json;
use time::OffsetDateTime;

/// The partner's signing material: the test RSA-2048 key and the client secret `secret`.
pub(crate) fn credentials() -> ovo_flows::SnapCredentials {
    let pem = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../ovo-sign/tests/vectors/keys/rsa2048-pkcs8.pem"),
    )
    .unwrap();
    ovo_flows::SnapCredentials {
        private_key: ovo_sign::PrivateKey::from_pem(&pem).unwrap(),
        client_secret: ovo_sign::ClientSecret::new("secret").unwrap(),
    }
}

/// The destination the webviews return to.
pub(crate) const DESTINATION: &str = "https://m.example/cb";

/// An HTTP answer with `status` and `body` as JSON.
pub(crate) fn response(status: u16, body: serde_json::Value) -> Received {
    Received::Response(
        http::Response::builder()
            .status(status)
            .body(serde_json::to_vec(&body).unwrap())
            .unwrap(),
    )
}

/// A SNAP envelope with `code` and nothing else.
pub(crate) fn envelope(code: &str) -> serde_json::Value {
    json!({"responseCode": code, "responseMessage": "m"})
}

/// No answer: the call may have reached the provider.
pub(crate) fn lost() -> Received {
    Received::Failed {
        may_have_reached: true,
    }
}

/// No answer, and the call certainly never left (the driver's retries are spent).
pub(crate) fn never_sent() -> Received {
    Received::Failed {
        may_have_reached: false,
    }
}

/// The webview's redirect to the partner: a success carrying `auth_code`.
pub(crate) fn callback_success(auth_code: &str) -> String {
    let response = json!({"displayMsg": "SUCCESS", "authCode": auth_code, "errorCode": ""});
    callback_url(&response)
}

/// The webview's redirect to the partner: the customer failed or cancelled.
pub(crate) fn callback_failure() -> String {
    callback_url(&json!({"displayMsg": "FAILED", "errorCode": "E1"}))
}

fn callback_url(response: &serde_json::Value) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("response", &response.to_string())
        .finish();
    format!("{DESTINATION}?{query}")
}

/// Where the runs start.
pub(crate) fn start() -> OffsetDateTime {
    OffsetDateTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

/// The OVO endpoint a call goes to; panics on a DOKU call.
pub(crate) fn ovo_endpoint(call: &Call) -> OvoEndpoint {
    match &call.target {
        Target::Ovo { endpoint, .. } => *endpoint,
        Target::Doku { .. } => panic!("a DOKU call from a SNAP flow: {call:?}"),
    }
}

/// The DOKU endpoint a call goes to; panics on an OVO call.
pub(crate) fn doku_endpoint(call: &Call) -> DokuEndpoint {
    match &call.target {
        Target::Doku { endpoint, .. } => *endpoint,
        Target::Ovo { .. } => panic!("an OVO call from a DOKU flow: {call:?}"),
    }
}

/// A short name of an action, for messages.
pub(crate) fn action_name<O>(action: &Action<O>) -> String {
    match action {
        Action::Send(call) => format!("Send({})", call.target.label()),
        Action::OpenWebview(_) => "OpenWebview".to_owned(),
        Action::WakeAt(at) => format!("WakeAt({at})"),
        Action::Wait => "Wait".to_owned(),
        Action::Done(_) => "Done".to_owned(),
    }
}

/// Takes a fresh `debit` through call 1, the PIN webview and Generate Token: its next action is
/// call 2.
pub(crate) fn up_to_call_2(debit: &mut ovo_flows::Debit, now: OffsetDateTime) {
    use ovo_flows::{Action, Event, Flow};
    let Action::Send(_) = debit.poll(now) else {
        panic!("call 1")
    };
    let webview = json!({"responseCode": "2025400", "responseMessage": "m", "webRedirectUrl": "https://ovo.example/pay"});
    debit
        .handle(now, Event::Received(response(202, webview)))
        .unwrap();
    let Action::OpenWebview(_) = debit.poll(now) else {
        panic!("webview")
    };
    debit
        .handle(now, Event::Callback(callback_success("AC")))
        .unwrap();
    let Action::Send(_) = debit.poll(now) else {
        panic!("generate token")
    };
    let token = json!({"singleUseToken": "SUT", "expiresIn": "900"});
    debit
        .handle(now, Event::Received(response(200, token)))
        .unwrap();
}
