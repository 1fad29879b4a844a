//! The client's replaceable parts: clock, customer token store, id generator, options.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use ovo_flows::CustomerTokens;
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

/// Where bound customers' tokens live. OVO asks partners to keep every customer token \[S\]; back
/// this with your database. Revoked or broken bindings are removed.
pub trait TokenStore: Send + Sync {
    /// The tokens of `customer`, if bound.
    fn get(&self, customer: &str) -> Option<CustomerTokens>;
    /// Stores (or replaces) the tokens of `customer`.
    fn put(&self, customer: &str, tokens: CustomerTokens);
    /// Forgets `customer`'s tokens: unbound, or the binding broke.
    fn remove(&self, customer: &str);
}

/// An in-memory [`TokenStore`].
#[derive(Debug, Default)]
pub struct MemoryTokenStore {
    tokens: Mutex<HashMap<String, CustomerTokens>>,
}

impl TokenStore for MemoryTokenStore {
    fn get(&self, customer: &str) -> Option<CustomerTokens> {
        self.tokens.lock().ok()?.get(customer).cloned()
    }

    fn put(&self, customer: &str, tokens: CustomerTokens) {
        if let Ok(mut map) = self.tokens.lock() {
            map.insert(customer.to_owned(), tokens);
        }
    }

    fn remove(&self, customer: &str) {
        if let Ok(mut map) = self.tokens.lock() {
            map.remove(customer);
        }
    }
}

/// Timeouts, retries and inquiries.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// The deadline of one HTTP exchange (about 10 s is usual for SNAP).
    pub call_timeout: Duration,
    /// Retries of a call that moves no money, after a transport failure, a 5xx or a 429. A
    /// `Retry-After` (in seconds) is waited for at least; one longer than `backoff_max` ends the
    /// retries and returns the answer.
    pub max_retries: u32,
    /// The first backoff; it doubles per retry, with full jitter.
    pub backoff: Duration,
    /// The longest backoff.
    pub backoff_max: Duration,
    /// Status inquiries before an outcome is declared unknown.
    pub max_inquiries: u32,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            call_timeout: Duration::from_secs(10),
            max_retries: 2,
            backoff: Duration::from_millis(500),
            backoff_max: Duration::from_secs(5),
            max_inquiries: ovo_flows::DEFAULT_MAX_INQUIRIES,
        }
    }
}

impl ClientOptions {
    /// The wait before retry `attempt` (from 0) of a call that moves no money, given the answer's
    /// `Retry-After`: the provider's wait is a floor under the backoff; one beyond `backoff_max`
    /// means no retry (`None`: the answer is returned now rather than holding the caller).
    pub(crate) fn retry_wait(
        &self,
        attempt: u32,
        retry_after: Option<Duration>,
    ) -> Option<Duration> {
        match retry_after {
            Some(asked) if asked > self.backoff_max => None,
            Some(asked) => Some(asked.max(self.backoff_for(attempt))),
            None => Some(self.backoff_for(attempt)),
        }
    }

    /// The wait before retry `attempt` (from 0): full jitter over an exponential bound.
    pub(crate) fn backoff_for(&self, attempt: u32) -> Duration {
        let bound = self
            .backoff
            .saturating_mul(1 << attempt.min(16))
            .min(self.backoff_max);
        let mut byte = [0u8; 1];
        let fraction = if ovo_sign::fill_random(&mut byte).is_ok() {
            f64::from(byte[0]) / 255.0
        } else {
            1.0
        };
        bound.mul_f64(fraction)
    }
}

/// A `Retry-After` in seconds (RFC 9110 §10.2.3); an HTTP date is not used (the backoff applies).
pub(crate) fn retry_after(headers: &http::HeaderMap) -> Option<Duration> {
    let seconds = headers
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()?;
    Some(Duration::from_secs(seconds))
}

/// Fresh `X-EXTERNAL-ID`s (unique per day \[P\]) and DOKU `Request-Id`s.
#[derive(Debug, Default)]
pub(crate) struct Ids {
    counter: AtomicU64,
}

impl Ids {
    fn random(bytes: usize) -> String {
        let mut buffer = vec![0u8; bytes];
        // On an RNG failure the counter and the time still make the id unique in this process.
        let _ = ovo_sign::fill_random(&mut buffer);
        hex::encode(buffer)
    }

    /// Milliseconds, a process counter and 6 random hex digits: at most 32 characters.
    pub(crate) fn external_id(
        &self,
        now: OffsetDateTime,
    ) -> Result<ExternalId, ovo_model::FieldError> {
        let counter = self.counter.fetch_add(1, Ordering::Relaxed) % 1_000_000;
        let millis = now.unix_timestamp_nanos() / 1_000_000;
        ExternalId::new(format!("{millis}{counter:06}{}", Self::random(3)))
    }

    /// A DOKU `Request-Id` (≤ 128 \[S\]).
    pub(crate) fn request_id(&self) -> String {
        let counter = self.counter.fetch_add(1, Ordering::Relaxed);
        format!("{}-{counter}", Self::random(16))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn a_million_external_ids_in_one_millisecond_are_distinct_and_fit_36_characters() {
        let ids = Ids::default();
        let now = OffsetDateTime::now_utc();
        let mut seen = HashSet::with_capacity(1_000_000);
        for _ in 0..1_000_000 {
            let id = ids.external_id(now).unwrap();
            let id = id.as_str();
            assert!(id.len() <= 36, "{id}");
            assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
            assert!(seen.insert(id.to_owned()), "{id} twice");
        }
    }
}
