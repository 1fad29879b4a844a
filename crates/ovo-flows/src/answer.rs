//! Reading a provider's answer: the HTTP status is authoritative; a body that does not match it is
//! not trusted; only a definite refusal is read as "nothing happened".

use http::StatusCode;
use ovo_model::snap::ErrorEnvelope;
use ovo_model::{ResponseCode, ServiceCode, Validate};
use serde::de::DeserializeOwned;

/// What an answer means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer<T> {
    /// A 2xx answer with a success code and the expected body.
    Success(T),
    /// A definite refusal: nothing happened (a 4xx other than 408 and 429, or a 2xx carrying a
    /// 4xx code).
    Refused {
        /// The provider's code (for an unreadable 4xx body: the HTTP status with service 00).
        code: ResponseCode,
        /// The provider's `responseMessage`; for an unreadable SNAP 4xx body, its first 150
        /// characters; for DOKU, `code: message` from its error body. For logs, not for branching.
        message: String,
    },
    /// The outcome is unknown: a 5xx, a 408 or 429, a 2xx carrying a 5xx code, or an answer that
    /// cannot be read. For a call that moves money this means: inquire, never re-send.
    Unknown {
        /// The HTTP status, if an answer came.
        status: Option<StatusCode>,
    },
}

impl<T> Answer<T> {
    fn unknown(status: StatusCode) -> Self {
        Self::Unknown {
            status: Some(status),
        }
    }
}

/// Whether an HTTP status says nothing certain about what the provider did.
fn uncertain(status: StatusCode) -> bool {
    status.is_server_error()
        || status == StatusCode::REQUEST_TIMEOUT
        || status == StatusCode::TOO_MANY_REQUESTS
        || !(status.is_success() || status.is_client_error())
}

/// Reads a SNAP answer as `T` when it is a success.
///
/// ```
/// use ovo_flows::{Answer, read_snap};
/// use ovo_model::snap::ErrorEnvelope;
///
/// let refused = http::Response::builder().status(401)
///     .body(br#"{"responseCode":"4017300","responseMessage":"Unauthorized. Signature Failed"}"#.to_vec())?;
/// assert!(matches!(read_snap::<ErrorEnvelope>(&refused), Answer::Refused { .. }));
/// let lost = http::Response::builder().status(504).body(Vec::new())?;
/// assert_eq!(read_snap::<ErrorEnvelope>(&lost), Answer::Unknown { status: Some(http::StatusCode::GATEWAY_TIMEOUT) });
/// // A 200 carrying a 5xx code could hide a commit: not a refusal.
/// let odd = http::Response::builder().status(200)
///     .body(br#"{"responseCode":"5005400","responseMessage":"General Error"}"#.to_vec())?;
/// assert!(matches!(read_snap::<ErrorEnvelope>(&odd), Answer::Unknown { .. }));
/// # Ok::<(), http::Error>(())
/// ```
pub fn read_snap<T: DeserializeOwned + Validate>(response: &http::Response<Vec<u8>>) -> Answer<T> {
    let status = response.status();
    if uncertain(status) {
        return Answer::unknown(status);
    }
    let envelope = ovo_model::from_json_unvalidated::<ErrorEnvelope>(response.body()).ok();
    if status.is_client_error() {
        return match envelope {
            // "Duplicate partnerReferenceNo": a payment or refund under this reference exists,
            // and may have moved money. Not a refusal: inquire.
            Some(envelope) if envelope.response_code.is_duplicate_partner_reference() => {
                Answer::unknown(status)
            }
            Some(envelope) => Answer::Refused {
                code: envelope.response_code,
                message: envelope.response_message,
            },
            None => Answer::Refused {
                code: ResponseCode::new(status.as_u16(), ServiceCode(0), 0),
                message: String::from_utf8_lossy(response.body())
                    .chars()
                    .take(150)
                    .collect(),
            },
        };
    }
    match envelope {
        Some(envelope) if !envelope.response_code.is_success() => {
            let code = envelope.response_code;
            if (400..500).contains(&code.http_status()) && !code.is_outcome_unknown() {
                Answer::Refused {
                    code,
                    message: envelope.response_message,
                }
            } else {
                Answer::unknown(status)
            }
        }
        _ => match ovo_model::from_json::<T>(response.body()) {
            Ok(body) => Answer::Success(body),
            Err(_) => Answer::unknown(status),
        },
    }
}

/// Reads a DOKU answer: a 2xx body as `T`; a 4xx by its meaning. `409` (a duplicate invoice or
/// request) means the first call may have gone through, and `408`/`429` say nothing certain: both
/// are unknown. Every other 4xx is a refusal; the rest is unknown.
///
/// ```
/// use ovo_flows::{Answer, read_doku};
/// let duplicate = http::Response::builder().status(409)
///     .body(br#"{"error":{"code":"duplicate_invoice_number","message":"m"}}"#.to_vec())?;
/// assert!(matches!(read_doku::<ovo_model::doku::PaymentResponse>(&duplicate), Answer::Unknown { .. }));
/// # Ok::<(), http::Error>(())
/// ```
pub fn read_doku<T: DeserializeOwned + Validate>(response: &http::Response<Vec<u8>>) -> Answer<T> {
    let status = response.status();
    if status.is_success() {
        return match ovo_model::from_json::<T>(response.body()) {
            Ok(body) => Answer::Success(body),
            Err(_) => Answer::unknown(status),
        };
    }
    if status.is_client_error() && status != StatusCode::CONFLICT && !uncertain(status) {
        let message =
            ovo_model::from_json_unvalidated::<ovo_model::doku::DokuErrorBody>(response.body())
                .map(|e| format!("{}: {}", e.error.code, e.error.message))
                .unwrap_or_default();
        return Answer::Refused {
            code: ResponseCode::new(status.as_u16(), ServiceCode(0), 0),
            message,
        };
    }
    Answer::unknown(status)
}

/// Reads what came of a SNAP call: an answer, or `Unknown` without a status when none came.
///
/// ```
/// use ovo_flows::{Answer, Received, read_snap_received};
/// let lost = Received::Failed { may_have_reached: true };
/// assert_eq!(read_snap_received::<ovo_model::snap::ErrorEnvelope>(&lost), Answer::Unknown { status: None });
/// ```
pub fn read_snap_received<T: DeserializeOwned + Validate>(received: &crate::Received) -> Answer<T> {
    match received {
        crate::Received::Response(response) => read_snap(response),
        crate::Received::Failed { .. } => Answer::Unknown { status: None },
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn answer(status: u16, body: &str) -> http::Response<Vec<u8>> {
        http::Response::builder()
            .status(status)
            .body(body.as_bytes().to_vec())
            .unwrap()
    }

    fn kind<T>(a: &Answer<T>) -> &'static str {
        match a {
            Answer::Success(_) => "success",
            Answer::Refused { .. } => "refused",
            Answer::Unknown { .. } => "unknown",
        }
    }

    #[test]
    fn snap_answers_by_table() {
        let table = [
            (
                200,
                r#"{"responseCode":"2005400","responseMessage":"ok"}"#,
                "success",
            ),
            (
                202,
                r#"{"responseCode":"2025400","responseMessage":"ok"}"#,
                "success",
            ),
            (
                200,
                r#"{"responseCode":"5005400","responseMessage":"x"}"#,
                "unknown",
            ),
            (
                200,
                r#"{"responseCode":"4035414","responseMessage":"x"}"#,
                "refused",
            ),
            (200, "not json", "unknown"),
            (
                403,
                r#"{"responseCode":"4035414","responseMessage":"x"}"#,
                "refused",
            ),
            (404, "", "refused"),
            (408, "", "unknown"),
            (
                429,
                r#"{"responseCode":"4295400","responseMessage":"x"}"#,
                "unknown",
            ),
            (
                500,
                r#"{"responseCode":"5005400","responseMessage":"x"}"#,
                "unknown",
            ),
            (504, "", "unknown"),
            (302, "", "unknown"),
        ];
        for (status, body, expected) in table {
            let read = read_snap::<ErrorEnvelope>(&answer(status, body));
            assert_eq!(kind(&read), expected, "{status} {body}");
        }
    }

    #[test]
    fn doku_answers_by_table() {
        use ovo_model::doku::UnbindResponse;
        let table = [
            (400, "refused"),
            (401, "refused"),
            (403, "refused"),
            (404, "refused"),
            (408, "unknown"),
            (409, "unknown"),
            (422, "refused"),
            (429, "unknown"),
            (500, "unknown"),
            (503, "unknown"),
        ];
        for (status, expected) in table {
            let read = read_doku::<UnbindResponse>(&answer(status, "{}"));
            assert_eq!(kind(&read), expected, "{status}");
        }
    }
}
