//! What the property tests share: a provider's answer as the machines receive it.

use ovo_flows::Received;

/// An HTTP answer with `status` and `body` as JSON.
pub(crate) fn response(status: u16, body: serde_json::Value) -> Received {
    Received::Response(
        http::Response::builder()
            .status(status)
            .body(serde_json::to_vec(&body).unwrap())
            .unwrap(),
    )
}
