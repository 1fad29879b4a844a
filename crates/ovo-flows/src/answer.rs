//! Reading a provider's answer: the HTTP status is authoritative; a body that does not match it is
//! not trusted.

use ovo_model::snap::ErrorEnvelope;
use ovo_model::{ResponseCode, ServiceCode, Validate};
use serde::de::DeserializeOwned;

/// What an answer means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer<T> {
    /// A 2xx answer with a success code and the expected body.
    Success(T),
    /// A definitive refusal: nothing happened (a 4xx, or a 2xx with a non-success code).
    Refused {
        /// The provider's code (for an unreadable 4xx body: the HTTP status with service 00).
        code: ResponseCode,
        /// Its message.
        message: String,
    },
    /// The outcome is unknown: a 5xx, a 504, or an answer that cannot be read. For a call that
    /// moves money this means: inquire, never re-send.
    Unknown {
        /// The HTTP status.
        http_status: u16,
    },
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
/// assert_eq!(read_snap::<ErrorEnvelope>(&lost), Answer::Unknown { http_status: 504 });
/// # Ok::<(), http::Error>(())
/// ```
pub fn read_snap<T: DeserializeOwned + Validate>(response: &http::Response<Vec<u8>>) -> Answer<T> {
    let status = response.status().as_u16();
    let envelope = ovo_model::from_json_unvalidated::<ErrorEnvelope>(response.body()).ok();
    if status >= 500 {
        return Answer::Unknown {
            http_status: status,
        };
    }
    if !(200..300).contains(&status) {
        return match envelope {
            Some(envelope) => Answer::Refused {
                code: envelope.response_code,
                message: envelope.response_message,
            },
            None => Answer::Refused {
                code: ResponseCode::new(status, ServiceCode(0), 0),
                message: String::from_utf8_lossy(response.body())
                    .chars()
                    .take(150)
                    .collect(),
            },
        };
    }
    match envelope {
        Some(envelope) if !envelope.response_code.is_success() => Answer::Refused {
            code: envelope.response_code,
            message: envelope.response_message,
        },
        _ => match ovo_model::from_json::<T>(response.body()) {
            Ok(body) => Answer::Success(body),
            Err(_) => Answer::Unknown {
                http_status: status,
            },
        },
    }
}

/// Reads a DOKU answer: a 2xx body as `T`; a 4xx as a refusal; the rest unknown.
pub fn read_doku<T: DeserializeOwned + Validate>(response: &http::Response<Vec<u8>>) -> Answer<T> {
    let status = response.status().as_u16();
    if (200..300).contains(&status) {
        return match ovo_model::from_json::<T>(response.body()) {
            Ok(body) => Answer::Success(body),
            Err(_) => Answer::Unknown {
                http_status: status,
            },
        };
    }
    if (400..500).contains(&status) {
        let message =
            ovo_model::from_json_unvalidated::<ovo_model::doku::DokuErrorBody>(response.body())
                .map(|e| format!("{}: {}", e.error.code, e.error.message))
                .unwrap_or_default();
        return Answer::Refused {
            code: ResponseCode::new(status, ServiceCode(0), 0),
            message,
        };
    }
    Answer::Unknown {
        http_status: status,
    }
}
