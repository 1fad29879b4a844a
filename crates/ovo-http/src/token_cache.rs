//! Customers' tokens kept in the client, so that a call with a customer's access token does not
//! read the token store each time (issue 11: on a database, every read is a round trip).
//!
//! Pure: the caller passes the monotonic time (`Instant`) that ages entries and the wall-clock time
//! that decides whether an access token is still usable. The client holds it behind a mutex and
//! never across an await.
//!
//! The token store stays the truth. An entry is served only while it is younger than the TTL and
//! its access token is usable; everything else (and every refresh) reads the store. Each update
//! carries a [`Since`], taken before the store operation it reflects began, so that a slow store
//! read never overwrites what a later write or removal put here.

use std::time::{Duration, Instant};

use ovo_flows::CustomerTokens;
use ovo_model::Secret;
use time::OffsetDateTime;

use crate::bounded::Bounded;

/// A point in the cache's history, taken before a store operation begins: an update made with it
/// is dropped if the customer's entry was updated, or any entry removed, after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Since(u64);

/// The bounded cache of customers' tokens.
#[derive(Debug)]
pub(crate) struct TokenCache {
    /// Each customer's tokens, stamped with the update that cached them.
    entries: Bounded<CustomerTokens>,
    /// The number of the last update (cachings and removals alike).
    updates: u64,
    /// The number of the last removal.
    last_removal: u64,
}

impl TokenCache {
    /// A cache that serves entries younger than `ttl` and holds at most `capacity` customers; a
    /// zero `ttl` or `capacity` turns it off (nothing is kept).
    pub(crate) fn new(ttl: Duration, capacity: usize) -> Self {
        Self {
            entries: Bounded::new(ttl, capacity),
            updates: 0,
            last_removal: 0,
        }
    }

    /// The customer's access token, if their entry is fresh at `now` and the token usable at
    /// `wall_now`; else `None`, and the caller reads the store.
    pub(crate) fn access(
        &self,
        customer: &str,
        now: Instant,
        wall_now: OffsetDateTime,
    ) -> Option<Secret> {
        self.entries
            .get(customer, now)
            .filter(|tokens| tokens.access_usable(wall_now))
            .map(|tokens| tokens.access.clone())
    }

    /// Now, as a point in the cache's history: take it before a store read or write begins.
    pub(crate) fn since(&self) -> Since {
        Since(self.updates)
    }

    /// Caches `tokens`, read from the store after `since`, unless the customer's entry was
    /// updated after `since` (what the read found may be older than what the cache knows; the
    /// newer entry stays) or any entry removed after `since` (the customer is dropped).
    pub(crate) fn cache_read(
        &mut self,
        customer: &str,
        tokens: &CustomerTokens,
        since: Since,
        now: Instant,
    ) {
        let overtaken = self
            .entries
            .peek(customer)
            .is_some_and(|(_, update)| update > since.0);
        if !overtaken {
            self.cache_written(customer, tokens, since, now);
        }
    }

    /// Caches `tokens`, just written to the store by a write that began after `since`, unless
    /// any entry was removed after `since` (the removal may have reached the store after the
    /// write): then the customer is dropped instead, and the next call reads the store. A write
    /// replaces whatever a read cached meanwhile: it is newer.
    pub(crate) fn cache_written(
        &mut self,
        customer: &str,
        tokens: &CustomerTokens,
        since: Since,
        now: Instant,
    ) {
        if !self.entries.enabled() {
            return;
        }
        if self.last_removal > since.0 {
            self.entries.remove(customer);
            return;
        }
        self.updates += 1;
        self.entries
            .insert(customer, tokens.clone(), self.updates, now);
    }

    /// Forgets the customer (the store holds no tokens for them, or is about to hold none).
    pub(crate) fn remove(&mut self, customer: &str) {
        self.updates += 1;
        self.last_removal = self.updates;
        self.entries.remove(customer);
    }

    /// How many customers are cached (the tests' view of the bound).
    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    const TTL: Duration = Duration::from_secs(60);
    const WALL: OffsetDateTime = datetime!(2024-01-01 00:00 UTC);

    fn tokens(access: &str, usable_until: OffsetDateTime) -> CustomerTokens {
        CustomerTokens {
            access: Secret::new(access),
            access_usable_until: usable_until,
            refresh: Some(Secret::new("refresh")),
        }
    }

    fn usable(access: &str) -> CustomerTokens {
        tokens(access, WALL + time::Duration::days(15))
    }

    fn served(cache: &TokenCache, customer: &str, now: Instant) -> Option<String> {
        cache
            .access(customer, now, WALL)
            .map(|secret| secret.expose().to_owned())
    }

    #[test]
    fn an_entry_is_served_while_younger_than_the_ttl_and_its_token_usable() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        // (ttl, age at the lookup, the access token usable until (from WALL), served)
        let table = [
            (TTL, ms(0), time::Duration::days(15), true),
            (TTL, TTL - ms(1), time::Duration::days(15), true),
            (TTL, TTL, time::Duration::days(15), false),
            (TTL, TTL + ms(1), time::Duration::days(15), false),
            // Fresh, but the access token is no longer usable: the store (and a refresh) decide.
            (TTL, ms(0), time::Duration::ZERO, false),
            (TTL, ms(0), time::Duration::seconds(-1), false),
            (TTL, ms(0), time::Duration::seconds(1), true),
            // A zero TTL turns the cache off.
            (Duration::ZERO, ms(0), time::Duration::days(15), false),
        ];
        for (ttl, age, usable_for, expected) in table {
            let mut cache = TokenCache::new(ttl, 10);
            let since = cache.since();
            cache.cache_read("c", &tokens("at", WALL + usable_for), since, t0);
            assert_eq!(
                served(&cache, "c", t0 + age).is_some(),
                expected,
                "ttl {ttl:?}, age {age:?}, usable for {usable_for}"
            );
        }
    }

    #[test]
    fn a_zero_ttl_or_capacity_keeps_nothing() {
        let t0 = Instant::now();
        for (ttl, capacity) in [(Duration::ZERO, 10), (TTL, 0), (Duration::ZERO, 0)] {
            let mut cache = TokenCache::new(ttl, capacity);
            let since = cache.since();
            cache.cache_read("c", &usable("at"), since, t0);
            assert_eq!(cache.len(), 0, "ttl {ttl:?}, capacity {capacity}");
        }
    }

    #[test]
    fn when_full_the_entry_cached_longest_ago_is_evicted() {
        let t0 = Instant::now();
        let s = Duration::from_secs;
        /// Who is cached, in order, and when (seconds after `t0`).
        type Cachings<'a> = &'a [(&'a str, u64)];
        // (capacity, cachings, customers kept)
        let table: [(usize, Cachings<'_>, &[&str]); 5] = [
            (2, &[("a", 0), ("b", 1), ("c", 2)], &["b", "c"]),
            (1, &[("a", 0), ("b", 1)], &["b"]),
            // Re-caching a customer makes its entry the newest.
            (2, &[("a", 0), ("b", 1), ("a", 2), ("c", 3)], &["a", "c"]),
            // Re-caching a customer who is cached takes no room.
            (2, &[("a", 0), ("b", 1), ("b", 2), ("b", 3)], &["a", "b"]),
            // Entries past the TTL are dropped first, whatever the room.
            (3, &[("a", 0), ("b", 30), ("c", 61)], &["b", "c"]),
        ];
        for (capacity, cachings, kept) in table {
            let mut cache = TokenCache::new(TTL, capacity);
            for (customer, at) in cachings {
                let since = cache.since();
                cache.cache_read(customer, &usable(customer), since, t0 + s(*at));
            }
            let last = t0 + s(cachings.last().map_or(0, |(_, at)| *at));
            let mut present: Vec<&str> = ["a", "b", "c"]
                .into_iter()
                .filter(|customer| served(&cache, customer, last).is_some())
                .collect();
            present.sort_unstable();
            assert_eq!(present, kept, "capacity {capacity}, cachings {cachings:?}");
            assert!(cache.len() <= capacity);
        }
    }

    #[test]
    fn re_caching_one_customer_forever_keeps_memory_bounded() {
        let t0 = Instant::now();
        let mut cache = TokenCache::new(TTL, 10_000);
        for i in 0..100_000u32 {
            let since = cache.since();
            cache.cache_read("hot", &usable(&i.to_string()), since, t0);
        }
        assert_eq!(cache.len(), 1);
        assert_eq!(served(&cache, "hot", t0).as_deref(), Some("99999"));
    }

    /// One step of a race, in the order the cache sees it.
    #[derive(Debug, Clone, Copy)]
    enum Step {
        /// A store operation begins: takes a `since`, numbered from 0 in the order taken.
        Begin,
        /// The store read that began at `Begin` number `.0` found `.1`.
        Read(usize, &'static str),
        /// The store write that began at `Begin` number `.0` wrote `.1`.
        Wrote(usize, &'static str),
        /// The customer's tokens were removed (unbinding, a forgotten binding, a read of none).
        Removed,
        /// Another customer's tokens were removed.
        OtherRemoved,
    }

    #[test]
    fn updates_that_began_before_a_newer_one_never_overwrite_it() {
        use Step::{Begin, OtherRemoved, Read, Removed, Wrote};
        let t0 = Instant::now();
        // (what happens, what the cache serves after)
        let table: [(&str, &[Step], Option<&str>); 10] = [
            (
                "a read (T1) that ends after a refresh cached T2 does not bring T1 back",
                &[Begin, Begin, Wrote(1, "T2"), Read(0, "T1")],
                Some("T2"),
            ),
            (
                "a refresh's write replaces what a read cached while it was writing",
                &[Begin, Begin, Read(0, "T1"), Wrote(1, "T2")],
                Some("T2"),
            ),
            (
                "a read (T1) that ends after unbinding does not bring the customer back",
                &[Begin, Removed, Read(0, "T1")],
                None,
            ),
            (
                "a write that ends after a removal is not cached (the store order is unknown)",
                &[Begin, Removed, Wrote(0, "T2")],
                None,
            ),
            (
                "another customer's removal drops a racing read too (rare; the store is read again)",
                &[Begin, OtherRemoved, Read(0, "T1")],
                None,
            ),
            (
                "a read that began after a write is cached",
                &[Begin, Wrote(0, "T2"), Begin, Read(1, "T3")],
                Some("T3"),
            ),
            (
                "a write that began after a removal is cached (linked again)",
                &[Removed, Begin, Wrote(0, "T2")],
                Some("T2"),
            ),
            (
                "of two reads that began together, the first to end is kept",
                &[Begin, Read(0, "T1"), Read(0, "T2")],
                Some("T1"),
            ),
            (
                "a write racing with another customer's removal drops the customer's older entry",
                &[Begin, Read(0, "T1"), Begin, OtherRemoved, Wrote(1, "T2")],
                None,
            ),
            (
                "a removal drops what was cached",
                &[Begin, Wrote(0, "T1"), Removed],
                None,
            ),
        ];
        for (race, steps, expected) in table {
            let mut cache = TokenCache::new(TTL, 10);
            let mut taken = Vec::new();
            for step in steps {
                match *step {
                    Begin => taken.push(cache.since()),
                    Read(i, access) => cache.cache_read("c", &usable(access), taken[i], t0),
                    Wrote(i, access) => cache.cache_written("c", &usable(access), taken[i], t0),
                    Removed => cache.remove("c"),
                    OtherRemoved => cache.remove("other"),
                }
            }
            assert_eq!(served(&cache, "c", t0).as_deref(), expected, "{race}");
        }
    }

    #[test]
    fn a_removed_customer_is_not_served() {
        let t0 = Instant::now();
        let mut cache = TokenCache::new(TTL, 10);
        let since = cache.since();
        cache.cache_read("c", &usable("T1"), since, t0);
        cache.remove("c");
        assert_eq!(served(&cache, "c", t0), None);
        let since = cache.since();
        cache.cache_read("c", &usable("T2"), since, t0);
        assert_eq!(
            served(&cache, "c", t0).as_deref(),
            Some("T2"),
            "linked again"
        );
    }
}
