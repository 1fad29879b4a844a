//! Delivery of the notifications the rules queued in the outbox: each in its own task, retried
//! at +30 min, +6 h and +12 h from the first attempt until a 2xx (DOKU's schedule \[P\]; OVO
//! publishes none, so SNAP notifications reuse it \[I\]), the schedule divided by
//! `SandboxConfig::notify_retry_compression`.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::Request;
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use crate::http::server::Shared;
use crate::provider::outbox::{Attempt, Outgoing};

/// Delays of the attempts after the first, from the first \[P\].
const SCHEDULE: [Duration; 3] = [
    Duration::from_secs(30 * 60),
    Duration::from_secs(6 * 3600),
    Duration::from_secs(12 * 3600),
];

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
    let compression = shared.config.notify_retry_compression.max(1);
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
