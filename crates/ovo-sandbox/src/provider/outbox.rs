//! The outbox: notifications to the merchant, built and signed by the rules and queued in the
//! state; the HTTP shell delivers them (`http/delivery.rs`), retried at +30 min, +6 h and +12 h from the first attempt until a
//! 2xx (DOKU's schedule \[P\]; OVO publishes none, so SNAP notifications reuse it \[I\]), the schedule
//! divided by `SandboxConfig::notify_retry_compression`.
//!
//! - DOKU HTTP notifications of a successful payment, signed like DOKU's \[P\].
//! - SNAP Direct Debit Notify (service 56) of a captured debit, posted to the payment's
//!   `PAY_NOTIFY` URL and signed with the sandbox's provider key: SHA256withRSA over
//!   `POST:path:hex(sha256(minify(body))):X-TIMESTAMP` \[P\].

use ovo_model::doku::{IdRef, Notification, NotificationOrder, NotificationTransaction};
use ovo_model::endpoint::header;
use ovo_model::snap::{AdditionalInfo, DEFAULT_CHANNEL_ID, DebitNotify, TransactionStatus};
use ovo_model::{DokuAmount, SnapMoney};
use ovo_sign::doku::Components;
use serde::{Deserialize, Serialize};

use crate::provider::Env;
use crate::provider::state::{DokuPartner, DokuPayment, Intent, State};

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
    /// The notification's id, the same on every retry: DOKU's `Request-Id`, SNAP's
    /// `X-EXTERNAL-ID`.
    pub request_id: String,
    /// 1 for the first attempt.
    pub attempt: usize,
    /// The merchant's HTTP status, or `None` if the connection failed.
    pub status: Option<u16>,
}

/// Queues the notification of a DOKU payment's outcome (`SUCCESS` or `FAILED`), if the partner
/// has a notification URL.
pub(crate) fn doku_payment(
    state: &mut State,
    env: &Env<'_>,
    partner: &DokuPartner,
    payment: &DokuPayment,
) {
    let invoice = payment.invoice_number.as_str();
    let amount = payment.amount;
    let original_request_id = payment.request_id.as_str();
    let Some(url) = partner.notification_url.clone() else {
        return;
    };
    let Some(secret) = partner.secrets.first() else {
        return;
    };
    let Ok(request_id) = crate::provider::ids::random_hex(16) else {
        return;
    };
    let Ok(timestamp) = ovo_sign::format_doku_timestamp(env.now) else {
        return;
    };
    let id = |id: &str| {
        Some(IdRef {
            id: Some(id.to_owned()),
        })
    };
    let notification = Notification {
        service: id("OVO_RECURRING"),
        acquirer: id("OVO"),
        channel: id("EMONEY_OVO"),
        order: Some(NotificationOrder {
            invoice_number: Some(invoice.to_owned()),
            amount: Some(DokuAmount(amount.sen() / 100)),
        }),
        transaction: Some(NotificationTransaction {
            status: Some(payment.status.as_str().to_owned()),
            date: Some(timestamp.clone()),
            original_request_id: Some(original_request_id.to_owned()),
        }),
        other: AdditionalInfo::new(),
    };
    let Ok(body) = serde_json::to_vec(&notification) else {
        return;
    };
    let target = target_of(&url);
    let components = Components::post(&partner.client_id, &request_id, &timestamp, &target, &body);
    let Ok(signature) = ovo_sign::doku::sign(secret, &components) else {
        return;
    };
    state.outbox.push(Outgoing {
        url,
        headers: vec![
            ("content-type", "application/json".to_owned()),
            (header::CLIENT_ID, partner.client_id.clone()),
            (header::REQUEST_ID, request_id.clone()),
            (header::REQUEST_TIMESTAMP, timestamp),
            (header::SIGNATURE, signature.into_header_value()),
        ],
        body,
        request_id,
    });
}

/// Queues the SNAP Direct Debit Notify of a captured debit, if its first call named a `PAY_NOTIFY`
/// URL. `X-PARTNER-ID` carries the merchant's client id and `CHANNEL-ID` is `95221`, as on the
/// merchant's own calls \[I\].
pub(crate) fn snap_debit_paid(
    state: &mut State,
    env: &Env<'_>,
    client_id: &str,
    reference: &str,
    intent: &Intent,
) {
    let Some(url) = intent.notify_url.clone() else {
        return;
    };
    let format = ovo_sign::SnapTimestampFormat::OVO;
    let (Ok(timestamp), Ok(created), Ok(external_id)) = (
        format.format(env.now),
        format.format(intent.created),
        crate::provider::ids::random_hex(16),
    ) else {
        return;
    };
    let notify = DebitNotify {
        original_partner_reference_no: Some(reference.to_owned()),
        original_reference_no: intent.reference_no.clone(),
        original_external_id: Some(intent.external_id.clone()),
        merchant_id: Some(client_id.to_owned()),
        amount: Some(SnapMoney::idr(intent.amount)),
        latest_transaction_status: TransactionStatus::Success,
        transaction_status_desc: Some("Success".to_owned()),
        created_time: Some(created),
        finished_time: Some(timestamp.clone()),
        additional_info: Some(AdditionalInfo::new()),
    };
    let Ok(body) = serde_json::to_vec(&notify) else {
        return;
    };
    let target = target_of(&url);
    let request = ovo_sign::snap::RsaServiceRequest {
        method: "POST",
        path: &target,
        body: &body,
        timestamp: &timestamp,
    };
    let Ok(signed) = ovo_sign::snap::sign_rsa_service(env.provider_key, &request) else {
        return;
    };
    state.outbox.push(Outgoing {
        url,
        headers: vec![
            ("content-type", "application/json".to_owned()),
            (header::X_TIMESTAMP, timestamp),
            (header::X_SIGNATURE, signed.into_header_value()),
            (header::X_PARTNER_ID, client_id.to_owned()),
            (header::X_EXTERNAL_ID, external_id.clone()),
            (header::CHANNEL_ID, DEFAULT_CHANNEL_ID.to_owned()),
        ],
        body,
        request_id: external_id,
    });
}

/// The path (and query) of a notification URL: what its signature covers.
fn target_of(url: &str) -> String {
    url::Url::parse(url).map_or_else(
        |_| "/".to_owned(),
        |url| match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        },
    )
}
