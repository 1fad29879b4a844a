//! The one retry policy of both APIs, as a pure function of the call, what came back, the attempt
//! number and the provider's `Retry-After` (in the shape of async-stripe's `RequestStrategy`).
//! Drivers wait and re-send; they never decide.

use std::time::Duration;

use http::StatusCode;
use time::OffsetDateTime;

use crate::call::{Received, Resend};

/// How many times and how long to retry. `#[non_exhaustive]`: build it with
/// [`RetryPolicy::default`] and set fields.
///
/// ```
/// let mut policy = ovo_flows::RetryPolicy::default();
/// policy.max_retries = 4;
/// assert_eq!(policy.backoff_max, std::time::Duration::from_secs(5));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// The first backoff; it doubles per retry, with full jitter.
    pub backoff: Duration,
    /// The longest backoff. A `Retry-After` longer than this ends the retries: the answer is
    /// returned rather than holding the caller.
    pub backoff_max: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 2,
            backoff: Duration::from_millis(500),
            backoff_max: Duration::from_secs(5),
        }
    }
}

/// What to do after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Report what came back to the flow.
    Stop,
    /// Send the call again (freshly signed) after this wait.
    After(Duration),
}

impl RetryPolicy {
    /// The decision after attempt `attempt` (from 0) of a call that may be re-sent as `resend`
    /// said, which ended with `received` (and the answer's `Retry-After`). `jitter` in `[0, 1]`
    /// scales the backoff (full jitter); the driver draws it.
    ///
    /// - A call that certainly never left is retried, whatever it is.
    /// - A [`Resend::Safe`] call is retried after no answer, a 5xx, a 408 or a 429.
    /// - A [`Resend::OnlyIfNotSent`] call that may have arrived is never retried.
    /// - `Retry-After` is a floor under the backoff; one beyond `backoff_max` stops.
    ///
    /// ```
    /// use std::time::Duration;
    /// use ovo_flows::{Received, Resend, Retry, RetryPolicy};
    /// let policy = RetryPolicy::default();
    /// let lost = Received::Failed { may_have_reached: true };
    /// assert_eq!(policy.decide(Resend::OnlyIfNotSent, &lost, 0, None, 1.0), Retry::Stop);
    /// assert_eq!(policy.decide(Resend::Safe, &lost, 0, None, 1.0), Retry::After(Duration::from_millis(500)));
    /// ```
    pub fn decide(
        &self,
        resend: Resend,
        received: &Received,
        attempt: u32,
        retry_after: Option<Duration>,
        jitter: f64,
    ) -> Retry {
        let worth_it = match received {
            Received::Failed {
                may_have_reached: false,
            } => true,
            Received::Failed {
                may_have_reached: true,
            } => resend == Resend::Safe,
            Received::Response(response) => {
                resend == Resend::Safe && retryable_status(response.status())
            }
        };
        if !worth_it || attempt >= self.max_retries {
            return Retry::Stop;
        }
        let backoff = self.backoff_bound(attempt).mul_f64(jitter.clamp(0.0, 1.0));
        match retry_after {
            Some(asked) if asked > self.backoff_max => Retry::Stop,
            Some(asked) => Retry::After(asked.max(backoff)),
            None => Retry::After(backoff),
        }
    }

    /// The upper bound of the wait before retry `attempt` (from 0): exponential, capped.
    pub fn backoff_bound(&self, attempt: u32) -> Duration {
        self.backoff
            .saturating_mul(1 << attempt.min(16))
            .min(self.backoff_max)
    }
}

fn retryable_status(status: StatusCode) -> bool {
    status.is_server_error()
        || status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::REQUEST_TIMEOUT
}

/// The wait a `Retry-After` header asks for as of `now` (RFC 9110 §10.2.3): a number of seconds,
/// or an HTTP date in any of its three formats (a date already past asks for no wait). `None`
/// when the header is absent or unreadable: then the backoff alone applies.
///
/// ```
/// use std::time::Duration;
/// let now = time::macros::datetime!(2026-10-21 07:27:55 UTC);
/// let mut headers = http::HeaderMap::new();
/// headers.insert(http::header::RETRY_AFTER, http::HeaderValue::from_static("3"));
/// assert_eq!(ovo_flows::retry_after(&headers, now), Some(Duration::from_secs(3)));
/// headers.insert(
///     http::header::RETRY_AFTER,
///     http::HeaderValue::from_static("Wed, 21 Oct 2026 07:28:00 GMT"),
/// );
/// assert_eq!(ovo_flows::retry_after(&headers, now), Some(Duration::from_secs(5)));
/// ```
pub fn retry_after(headers: &http::HeaderMap, now: OffsetDateTime) -> Option<Duration> {
    let value = headers
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = OffsetDateTime::from(httpdate::parse_http_date(value).ok()?);
    Some(if at > now {
        (at - now).unsigned_abs()
    } else {
        Duration::ZERO
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn status(code: u16) -> Received {
        Received::Response(
            http::Response::builder()
                .status(code)
                .body(Vec::new())
                .unwrap(),
        )
    }

    const LOST: Received = Received::Failed {
        may_have_reached: true,
    };
    const REFUSED: Received = Received::Failed {
        may_have_reached: false,
    };

    #[test]
    fn decisions_by_table() {
        use Resend::{OnlyIfNotSent as Once, Safe};
        let policy = RetryPolicy::default();
        let ms = Duration::from_millis;
        // (resend, received, attempt, retry-after, expected) with jitter 1.
        let table: Vec<(Resend, Received, u32, Option<u64>, Retry)> = vec![
            (Safe, LOST, 0, None, Retry::After(ms(500))),
            (Safe, LOST, 1, None, Retry::After(ms(1000))),
            (Safe, LOST, 2, None, Retry::Stop),
            (Safe, REFUSED, 0, None, Retry::After(ms(500))),
            (Safe, status(500), 0, None, Retry::After(ms(500))),
            (Safe, status(503), 1, Some(3), Retry::After(ms(3000))),
            (Safe, status(503), 0, Some(6), Retry::Stop),
            (Safe, status(429), 0, Some(0), Retry::After(ms(500))),
            (Safe, status(408), 0, None, Retry::After(ms(500))),
            (Safe, status(400), 0, None, Retry::Stop),
            (Safe, status(401), 0, None, Retry::Stop),
            (Safe, status(200), 0, None, Retry::Stop),
            (Once, LOST, 0, None, Retry::Stop),
            (Once, status(500), 0, None, Retry::Stop),
            (Once, status(504), 0, None, Retry::Stop),
            (Once, status(429), 0, None, Retry::Stop),
            (Once, REFUSED, 0, None, Retry::After(ms(500))),
            (Once, REFUSED, 2, None, Retry::Stop),
        ];
        for (i, (resend, received, attempt, after, expected)) in table.into_iter().enumerate() {
            let after = after.map(Duration::from_secs);
            let got = policy.decide(resend, &received, attempt, after, 1.0);
            assert_eq!(
                got, expected,
                "row {i}: {resend:?} {received:?} attempt {attempt}"
            );
        }
    }

    #[test]
    fn backoff_is_capped_and_jittered() {
        let policy = RetryPolicy {
            max_retries: 40,
            ..RetryPolicy::default()
        };
        assert_eq!(policy.backoff_bound(30), Duration::from_secs(5));
        assert_eq!(
            policy.decide(Resend::Safe, &LOST, 3, None, 0.5),
            Retry::After(Duration::from_secs(2))
        );
        assert_eq!(
            policy.decide(Resend::Safe, &LOST, 3, None, 7.0),
            Retry::After(Duration::from_secs(4)),
            "jitter is clamped to 1"
        );
    }

    #[test]
    fn retry_after_reads_seconds_and_all_three_http_date_formats_by_table() {
        let now = time::macros::datetime!(1994-11-06 08:49:30 UTC);
        let secs = |s| Some(Duration::from_secs(s));
        let table: [(&str, Option<Duration>); 11] = [
            ("3", secs(3)),
            (" 7 ", secs(7)),
            ("0", secs(0)),
            // IMF-fixdate, then the obsolete RFC 850 and asctime forms a recipient must accept.
            ("Sun, 06 Nov 1994 08:49:37 GMT", secs(7)),
            ("Sunday, 06-Nov-94 08:49:37 GMT", secs(7)),
            ("Sun Nov  6 08:49:37 1994", secs(7)),
            // A date already past asks for no wait, not a negative one.
            ("Sun, 06 Nov 1994 08:49:00 GMT", secs(0)),
            ("-1", None),
            ("3.5", None),
            ("soon", None),
            ("", None),
        ];
        for (value, expected) in table {
            let mut headers = http::HeaderMap::new();
            headers.insert(
                http::header::RETRY_AFTER,
                http::HeaderValue::from_str(value).unwrap(),
            );
            assert_eq!(
                retry_after(&headers, now),
                expected,
                "Retry-After {value:?}"
            );
        }
        assert_eq!(retry_after(&http::HeaderMap::new(), now), None, "absent");
    }
}
