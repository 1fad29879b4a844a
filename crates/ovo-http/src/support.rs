//! The client's replaceable parts: clock, id generator, options.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use ovo_model::snap::ExternalId;
use time::OffsetDateTime;

/// Where the client reads the time.
pub trait Clock: Send + Sync {
    /// Now.
    fn now(&self) -> OffsetDateTime;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// Timeouts, retries, inquiry pacing and the overall deadline of an operation.
/// `#[non_exhaustive]`: start from [`ClientOptions::default`] and set fields.
///
/// ```
/// let mut options = ovo_http::ClientOptions::default();
/// options.operation_deadline = std::time::Duration::from_secs(30);
/// options.retry.max_retries = 3;
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClientOptions {
    /// The deadline of one HTTP exchange (about 10 s is usual for SNAP).
    pub call_timeout: Duration,
    /// When calls are retried: one policy for both APIs ([`ovo_flows::RetryPolicy`]).
    pub retry: ovo_flows::RetryPolicy,
    /// The webview timeout and the pacing of status inquiries.
    pub pacing: ovo_flows::Pacing,
    /// The longest one operation (`begin_debit`, `finish_debit`, `refund`...) may take. When it
    /// passes, a flow that may have moved money ends `Unknown` and stays stored, to be resumed.
    ///
    /// It is also how long a flow with a call in flight stays this instance's: `resume` and
    /// `reconcile` on any instance leave it alone until then (their clocks are assumed to agree
    /// within a call timeout), so that a crashed instance's flows wait this long to be taken
    /// over. Keep it minutes, not days (60 s by default).
    pub operation_deadline: Duration,
    /// How long the SNAP client serves a customer's tokens from memory without reading its
    /// [`TokenStore`](ovo_flows::TokenStore) (60 s by default; [`Duration::ZERO`] turns the cache
    /// off, and every customer call reads the store, as before the cache). Tokens this client
    /// stores (linking, a refresh) or removes (unbinding, a binding found gone) update its cache
    /// at once; an entry is served only while younger than this and while its access token is
    /// usable, else the store is read. Refreshes always read the store, never the cache.
    ///
    /// Across instances sharing one store, the cache is safe, not only bounded: when another
    /// instance refreshed the customer, this one may send the access token it cached for up to
    /// this long. If the provider still takes that token (the sandbox does: a refresh does not
    /// revoke the access token it replaces, which lives until it expires), nothing changes; if it
    /// refuses it, the refusal sends this client to the store, where it finds the newer token
    /// and re-signs the call with it, without a second refresh (a refresh happens only while the
    /// refused token is still the stored one). When another instance unbound the customer, the
    /// provider refuses the cached token, the store holds none, and the call ends `NotBound`: the
    /// customer is dropped from this cache. Tokens written to the store behind the clients' backs
    /// (not through linking, refresh or unbinding) are seen after at most this long, or at the
    /// provider's first refusal. Not used by `DokuClient`.
    pub token_cache_ttl: Duration,
    /// How many customers' tokens the SNAP client keeps in memory at most (10,000 by default; 0
    /// turns the cache off). When it is full, the entry cached longest ago is evicted first (it is
    /// the next to go stale anyway); entries older than [`ClientOptions::token_cache_ttl`] are
    /// dropped whenever a new one is cached. Each entry holds the customer's id and their
    /// tokens (zeroed when dropped). Not used by `DokuClient`.
    ///
    /// ```
    /// let mut options = ovo_http::ClientOptions::default();
    /// options.token_cache_ttl = std::time::Duration::from_secs(30);
    /// options.token_cache_capacity = 50_000;
    /// // Or no cache: every call with a customer's token reads the token store.
    /// options.token_cache_ttl = std::time::Duration::ZERO;
    /// ```
    pub token_cache_capacity: usize,
    /// How many unsettled flows the SNAP client keeps in memory as it last wrote them, so that
    /// `finish_linking`, `finish_debit` and `finish_unbinding` on the instance that began the
    /// flow do not read it from the [`FlowStore`](ovo_flows::FlowStore) to start (a linking that
    /// succeeds still reads it once more, to clear its secrets) (10,000 by default; 0
    /// turns the cache off). An entry is kept for the pacing's webview timeout at most (after
    /// it, the callback finds the flow expired anyway); when the cache is full, the entry
    /// cached longest ago is evicted first. A settled flow, or one whose write failed, is
    /// dropped. `resume` and `reconcile` always read the store.
    ///
    /// A stale entry (another instance advanced or finished the flow) cannot send a call: every
    /// write of a flow is a compare-and-swap on its revision and every call is preceded by one,
    /// so the first write fails with a conflict before anything is sent; the client then drops
    /// the entry and handles the callback once more from the store, with the store's answer. An
    /// outcome decided without sending anything (a failure callback) is reported only if it
    /// could be stored: one that conflicts is likewise handled again from the store.
    /// Each entry holds the flow's state and secrets (zeroed when dropped). Not used by
    /// `DokuClient`.
    pub flow_cache_capacity: usize,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            call_timeout: Duration::from_secs(10),
            retry: ovo_flows::RetryPolicy::default(),
            pacing: ovo_flows::Pacing::default(),
            operation_deadline: Duration::from_secs(60),
            token_cache_ttl: Duration::from_secs(60),
            token_cache_capacity: 10_000,
            flow_cache_capacity: 10_000,
        }
    }
}

impl ClientOptions {
    /// Waits before the next attempt of `call` if the retry policy says to retry after what
    /// came of attempt `*attempt` (`received`, at `now`), and counts it: `false` means stop, with
    /// nothing waited. The answer's `Retry-After` and a fresh jitter are read here, for both
    /// APIs' call loops.
    pub(crate) async fn wait_to_retry(
        &self,
        call: &ovo_flows::Call,
        received: &ovo_flows::Received,
        now: time::OffsetDateTime,
        attempt: &mut u32,
    ) -> bool {
        let retry_after = match received {
            ovo_flows::Received::Response(response) => {
                ovo_flows::retry_after(response.headers(), now)
            }
            ovo_flows::Received::Failed { .. } => None,
        };
        match self
            .retry
            .decide(call.resend, received, *attempt, retry_after, jitter())
        {
            ovo_flows::Retry::Stop => false,
            ovo_flows::Retry::After(wait) => {
                tracing::debug!(attempt = *attempt, ?wait, "retrying");
                tokio::time::sleep(wait).await;
                *attempt += 1;
                true
            }
        }
    }
}

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

/// Fresh `X-EXTERNAL-ID`s (unique per day \[P\]) and DOKU `Request-Id`s.
#[derive(Debug)]
pub(crate) struct Ids {
    /// Twelve hex digits (48 bits) drawn once per client, that set its external ids apart from
    /// other processes' (the time and [`COUNTER`] set them apart within this one). Two clients
    /// in different processes collide only if their salts match and their millisecond and
    /// counter line up: with 48 bits, a salt match is about one in 2^24 even among 2^12 live
    /// processes (24 bits made it likely among a few thousand).
    salt: String,
}

/// One counter for every client of the process: two clients never make the same id in one
/// millisecond, whatever their salts.
static COUNTER: AtomicU64 = AtomicU64::new(0);

/// The salt's size: 6 bytes, 12 hex digits, so that an external id is 31 characters (13 digits
/// of milliseconds, 6 of counter, 12 of salt): within 32, and the 36 \[P\] allows.
const SALT_BYTES: usize = 6;

impl Default for Ids {
    fn default() -> Self {
        let mut salt = [0u8; SALT_BYTES];
        if ovo_sign::fill_random(&mut salt).is_err() {
            // No system randomness (never seen on a running system): the process id and the
            // clock's nanoseconds tell this process from others well enough for ids that need
            // to be unique, not secret.
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos());
            let mixed = u64::from(std::process::id()).rotate_left(24) ^ u64::from(nanos);
            salt.copy_from_slice(&mixed.to_le_bytes()[..SALT_BYTES]);
        }
        Self {
            salt: hex::encode(salt),
        }
    }
}

impl Ids {
    fn random(bytes: usize) -> String {
        let mut buffer = vec![0u8; bytes];
        // On an RNG failure the counter and the time still make the id unique in this process.
        let _ = ovo_sign::fill_random(&mut buffer);
        hex::encode(buffer)
    }

    /// Milliseconds (13 digits until the year 2286), a process counter (6 digits) and the
    /// client's salt (12 hex digits): 31 characters, and no system call.
    pub(crate) fn external_id(
        &self,
        now: OffsetDateTime,
    ) -> Result<ExternalId, ovo_model::FieldError> {
        let counter = COUNTER.fetch_add(1, Ordering::Relaxed) % 1_000_000;
        let millis = now.unix_timestamp_nanos() / 1_000_000;
        ExternalId::new(format!("{millis}{counter:06}{}", self.salt))
    }

    /// A flow id: 32 random hex digits.
    pub(crate) fn flow_id(&self) -> String {
        Self::random(16)
    }

    /// A DOKU `Request-Id` (≤ 128 \[S\]).
    pub(crate) fn request_id(&self) -> String {
        let counter = COUNTER.fetch_add(1, Ordering::Relaxed);
        format!("{}-{counter}", Self::random(16))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn a_million_external_ids_in_one_millisecond_are_distinct_and_fit_32_characters() {
        let ids = Ids::default();
        assert_eq!(ids.salt.len(), 12, "{}", ids.salt);
        let now = OffsetDateTime::now_utc();
        let mut seen = HashSet::with_capacity(1_000_000);
        for _ in 0..1_000_000 {
            let id = ids.external_id(now).unwrap();
            let id = id.as_str();
            assert!(id.len() <= 32, "{id}");
            assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
            assert!(seen.insert(id.to_owned()), "{id} twice");
        }
    }
}
