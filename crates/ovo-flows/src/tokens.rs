//! Token lifetimes, as pure values: the B2B token's cache and a customer's tokens.

use std::time::Duration;

use ovo_model::Secret;
use time::OffsetDateTime;

/// OVO's B2B token lives 15 minutes \[S\]; it is renewed this long before it expires, so a call
/// signed with it never reaches OVO with an expired token.
pub const RENEW_MARGIN: Duration = Duration::from_secs(60);
/// A single-use token lives 15 minutes \[S\].
pub const SINGLE_USE_LIFETIME: Duration = Duration::from_secs(15 * 60);
/// A customer access token lives 15 days \[S\].
pub const ACCESS_LIFETIME: Duration = Duration::from_secs(15 * 24 * 3600);

/// `at + wait`, saturating at the end of year 9999 instead of panicking: waits come from options
/// and stored state, so a huge one must not crash the process.
///
/// ```
/// let now = time::OffsetDateTime::now_utc();
/// assert!(ovo_flows::later(now, std::time::Duration::MAX) > now);
/// assert_eq!(ovo_flows::later(now, std::time::Duration::from_secs(60)), now + time::Duration::minutes(1));
/// ```
pub fn later(at: OffsetDateTime, wait: Duration) -> OffsetDateTime {
    time::Duration::try_from(wait)
        .ok()
        .and_then(|wait| at.checked_add(wait))
        .unwrap_or_else(|| time::macros::datetime!(9999-12-31 23:59:59 UTC).to_offset(at.offset()))
}

/// A token with the time it stops being usable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expiring {
    /// The token itself, to send as `Authorization: Bearer …`; redacted in `Debug`.
    pub token: Secret,
    /// When to stop using it (its expiry minus [`RENEW_MARGIN`]).
    pub usable_until: OffsetDateTime,
    /// A number that grows with every new token, so that a stale answer never replaces a newer
    /// token.
    pub generation: u64,
}

/// The partner's B2B token, cached until shortly before it expires.
///
/// ```
/// use ovo_flows::B2bTokenCache;
/// use time::macros::datetime;
///
/// let mut cache = B2bTokenCache::default();
/// let now = datetime!(2024-01-01 00:00 UTC);
/// assert!(cache.usable(now).is_none());
/// cache.store(ovo_model::Secret::new("t"), 900, now);
/// assert!(cache.usable(now + time::Duration::minutes(13)).is_some());
/// assert!(cache.usable(now + time::Duration::minutes(14)).is_none(), "renewed a minute early");
/// ```
#[derive(Debug, Clone, Default)]
pub struct B2bTokenCache {
    current: Option<Expiring>,
    generation: u64,
}

impl B2bTokenCache {
    /// The token, if it may still be used at `now`.
    pub fn usable(&self, now: OffsetDateTime) -> Option<&Expiring> {
        self.current.as_ref().filter(|t| now < t.usable_until)
    }

    /// Stores a new token that lives `expires_in` seconds from `now` (capped at OVO's 900 \[S\]).
    pub fn store(&mut self, token: Secret, expires_in: u64, now: OffsetDateTime) -> &Expiring {
        self.generation += 1;
        let lifetime = Duration::from_secs(expires_in.min(900)).saturating_sub(RENEW_MARGIN);
        self.current.insert(Expiring {
            token,
            usable_until: later(now, lifetime),
            generation: self.generation,
        })
    }

    /// Takes a token fetched elsewhere (another instance, through a shared store), with that
    /// store's generation; later [`B2bTokenCache::store`]s number on from it.
    ///
    /// ```
    /// use ovo_flows::{B2bTokenCache, Expiring};
    /// use time::macros::datetime;
    ///
    /// let now = datetime!(2024-01-01 00:00 UTC);
    /// let mut cache = B2bTokenCache::default();
    /// let shared = Expiring {
    ///     token: ovo_model::Secret::new("t"),
    ///     usable_until: now + time::Duration::minutes(14),
    ///     generation: 7,
    /// };
    /// assert_eq!(cache.adopt(shared.clone()), &shared);
    /// cache.invalidate(7);
    /// assert!(cache.usable(now).is_none());
    /// ```
    pub fn adopt(&mut self, token: Expiring) -> &Expiring {
        self.generation = self.generation.max(token.generation);
        self.current.insert(token)
    }

    /// When a token that lives `expires_in` seconds from `now` stops being usable (capped at
    /// OVO's 900 \[S\], minus [`RENEW_MARGIN`]).
    ///
    /// ```
    /// use time::macros::datetime;
    /// let now = datetime!(2024-01-01 00:00 UTC);
    /// let until = ovo_flows::B2bTokenCache::usable_until(900, now);
    /// assert_eq!(until, now + time::Duration::minutes(14));
    /// ```
    pub fn usable_until(expires_in: u64, now: OffsetDateTime) -> OffsetDateTime {
        later(
            now,
            Duration::from_secs(expires_in.min(900)).saturating_sub(RENEW_MARGIN),
        )
    }

    /// Forgets the token of `generation` (after the provider said it is invalid); a newer token
    /// is kept.
    pub fn invalidate(&mut self, generation: u64) {
        if self
            .current
            .as_ref()
            .is_some_and(|t| t.generation == generation)
        {
            self.current = None;
        }
    }
}

/// A bound customer's tokens. They serialize in clear: store them only sealed (`ovo-store` does).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CustomerTokens {
    /// The access token (15 days \[S\]).
    pub access: Secret,
    /// When it stops being usable.
    #[serde(with = "time::serde::rfc3339")]
    pub access_usable_until: OffsetDateTime,
    /// The refresh token (until unbinding \[S\]).
    pub refresh: Option<Secret>,
}

impl CustomerTokens {
    /// Tokens just issued at `now`.
    pub fn issued(access: Secret, refresh: Option<Secret>, now: OffsetDateTime) -> Self {
        Self {
            access,
            access_usable_until: later(now, ACCESS_LIFETIME.saturating_sub(RENEW_MARGIN)),
            refresh,
        }
    }

    /// Whether the access token may be used at `now`.
    pub fn access_usable(&self, now: OffsetDateTime) -> bool {
        now < self.access_usable_until
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn a_stale_refusal_never_drops_a_newer_token() {
        let now = datetime!(2024-01-01 00:00 UTC);
        let mut cache = B2bTokenCache::default();
        let old = cache.store(Secret::new("old"), 900, now).generation;
        let new = cache.store(Secret::new("new"), 900, now).generation;
        // A call signed with the old token comes back 401 after the new one arrived.
        cache.invalidate(old);
        assert_eq!(cache.usable(now).map(|t| t.generation), Some(new));
        cache.invalidate(new);
        assert!(cache.usable(now).is_none());
    }

    #[test]
    fn lifetimes_are_capped_at_fifteen_minutes_and_renewed_a_minute_early() {
        let now = datetime!(2024-01-01 00:00 UTC);
        let mut cache = B2bTokenCache::default();
        let until = cache.store(Secret::new("t"), 3600, now).usable_until;
        assert_eq!(until, now + Duration::from_secs(14 * 60));
    }
}
