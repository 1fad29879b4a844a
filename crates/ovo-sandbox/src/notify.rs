//! DOKU HTTP notifications to the merchant: signed like DOKU's \[P\], retried at +30 min, +6 h and
//! +12 h from the first attempt until a 2xx \[P\], the schedule divided by
//! `SandboxConfig::doku_retry_compression`.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::Request;
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use ovo_model::Idr;
use ovo_sign::doku::Components;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::server::{Ctx, Shared};
use crate::state::{DokuPartner, State};

/// Delays of the attempts after the first, from the first \[P\].
const SCHEDULE: [Duration; 3] = [
    Duration::from_secs(30 * 60),
    Duration::from_secs(6 * 3600),
    Duration::from_secs(12 * 3600),
];

/// A notification waiting to be sent.
#[derive(Debug, Clone)]
pub(crate) struct Outgoing {
    pub(crate) url: String,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: Vec<u8>,
    pub(crate) request_id: String,
}

/// One delivery attempt, as `GET /_sandbox/notifications` lists them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Attempt {
    /// The notification's `Request-Id` (the same on every retry).
    pub request_id: String,
    /// 1 for the first attempt.
    pub attempt: usize,
    /// The merchant's HTTP status, or `None` if the connection failed.
    pub status: Option<u16>,
}

/// Queues the notification of a successful DOKU payment, if the partner has a notification URL.
pub(crate) fn payment_succeeded(
    state: &mut State,
    ctx: Ctx<'_>,
    partner: &DokuPartner,
    invoice: &str,
    amount: Idr,
    original_request_id: &str,
) {
    let Some(url) = partner.notification_url.clone() else {
        return;
    };
    let Some(secret) = partner.secrets.first() else {
        return;
    };
    let Ok(request_id) = crate::ids::random_hex(16) else {
        return;
    };
    let Ok(timestamp) = ovo_sign::format_doku_timestamp(ctx.now) else {
        return;
    };
    let body = json!({
        "service": {"id": "OVO_RECURRING"},
        "acquirer": {"id": "OVO"},
        "channel": {"id": "EMONEY_OVO"},
        "order": {"invoice_number": invoice, "amount": amount.sen() / 100},
        "transaction": {"status": "SUCCESS", "date": timestamp, "original_request_id": original_request_id},
    })
    .to_string()
    .into_bytes();
    let target = url
        .split_once("://")
        .and_then(|(_, rest)| {
            rest.find('/')
                .and_then(|i| rest.get(i..))
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "/".to_owned());
    let components = Components::post(&partner.client_id, &request_id, &timestamp, &target, &body);
    let Ok(signature) = ovo_sign::doku::sign(secret, &components) else {
        return;
    };
    state.outbox.push(Outgoing {
        url,
        headers: vec![
            ("content-type", "application/json".to_owned()),
            ("Client-Id", partner.client_id.clone()),
            ("Request-Id", request_id.clone()),
            ("Request-Timestamp", timestamp),
            ("Signature", signature.into_header_value()),
        ],
        body,
        request_id,
    });
}

/// Starts delivering every queued notification.
pub(crate) fn flush(shared: &Shared) {
    let outgoing: Vec<Outgoing> = std::mem::take(&mut shared.state().outbox);
    if outgoing.is_empty() {
        return;
    }
    let Some(shared) = shared.me() else { return };
    for notification in outgoing {
        tokio::spawn(deliver(Arc::clone(&shared), notification));
    }
}

async fn deliver(shared: Arc<Shared>, notification: Outgoing) {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let compression = shared.config.doku_retry_compression.max(1);
    let mut waited = Duration::ZERO;
    for (attempt, at) in std::iter::once(Duration::ZERO).chain(SCHEDULE).enumerate() {
        let wait = (at / compression).saturating_sub(waited);
        tokio::time::sleep(wait).await;
        waited += wait;
        let mut request = Request::post(notification.url.as_str());
        for (name, value) in &notification.headers {
            request = request.header(*name, value.as_str());
        }
        let status = match request.body(Full::new(Bytes::from(notification.body.clone()))) {
            Ok(request) => client
                .request(request)
                .await
                .ok()
                .map(|r| r.status().as_u16()),
            Err(_) => None,
        };
        shared.state().deliveries.push(Attempt {
            request_id: notification.request_id.clone(),
            attempt: attempt + 1,
            status,
        });
        if status.is_some_and(|s| (200..300).contains(&s)) {
            return;
        }
    }
}
