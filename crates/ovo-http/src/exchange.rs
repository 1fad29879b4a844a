//! One exchange on the transport as the call loops see it, and the wait before the next
//! attempt: what both APIs' loops share.

/// What came of one call: what the flows read, and the transport's error when no answer came
/// back, kept for the caller (a TLS failure and a refused connection read differently).
#[derive(Debug)]
pub(crate) struct Exchanged {
    /// What the flows and the retry policy read.
    pub(crate) received: ovo_flows::Received,
    /// Why no answer came back: `Some` exactly when `received` is `Failed`.
    pub(crate) failure: Option<crate::transport::TransportError>,
}

impl Exchanged {
    /// What came of one exchange on the transport.
    pub(crate) fn new(
        sent: Result<http::Response<bytes::Bytes>, crate::transport::TransportError>,
    ) -> Self {
        match sent {
            Ok(response) => {
                tracing::debug!(status = response.status().as_u16(), "answered");
                Self {
                    received: ovo_flows::Received::Response(response.map(|body| body.to_vec())),
                    failure: None,
                }
            }
            Err(error) => {
                tracing::debug!(%error, "no answer");
                Self {
                    received: ovo_flows::Received::Failed {
                        may_have_reached: error.may_have_reached(),
                    },
                    failure: Some(error),
                }
            }
        }
    }

    /// The answer, or the transport's error (kind and cause kept) when none came back: what a
    /// call that must succeed reports.
    pub(crate) fn answered(self) -> Result<ovo_flows::Received, crate::error::ClientError> {
        match self.failure {
            Some(error) => Err(crate::error::ClientError::Transport(error)),
            None => Ok(self.received),
        }
    }
}

/// A number in `[0, 1]` from the system's random source, for full jitter (1 if it fails).
pub(crate) fn jitter() -> f64 {
    let mut byte = [0u8; 1];
    if ovo_sign::fill_random(&mut byte).is_ok() {
        f64::from(byte[0]) / 255.0
    } else {
        1.0
    }
}

/// Waits before the next attempt of `call` if `policy` says to retry after what came of attempt
/// `*attempt` (`received`, at `now`), and counts it: `false` means stop, with nothing waited.
/// The answer's `Retry-After` and a fresh jitter are read here, for both APIs' call loops.
pub(crate) async fn wait_to_retry(
    policy: &ovo_flows::RetryPolicy,
    call: &ovo_flows::Call,
    received: &ovo_flows::Received,
    now: time::OffsetDateTime,
    attempt: &mut u32,
) -> bool {
    let retry_after = match received {
        ovo_flows::Received::Response(response) => ovo_flows::retry_after(response.headers(), now),
        ovo_flows::Received::Failed { .. } => None,
    };
    match policy.decide(call.resend, received, *attempt, retry_after, jitter()) {
        ovo_flows::Retry::Stop => false,
        ovo_flows::Retry::After(wait) => {
            tracing::debug!(attempt = *attempt, ?wait, "retrying");
            tokio::time::sleep(wait).await;
            *attempt += 1;
            true
        }
    }
}
