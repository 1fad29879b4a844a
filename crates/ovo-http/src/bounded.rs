//! The storage both of the client's caches share (customers' tokens, flows): a map whose entries
//! are served for a time to live, bounded in number (the entry inserted longest ago goes first).
//!
//! Pure: the caller passes the monotonic time (`Instant`) that ages entries, and a stamp for
//! each insertion (a number that grows with every insertion), which the caches' own coherence
//! rules compare; the client holds each cache behind a mutex, never across an await.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// One value, when it was inserted, and the insertion's stamp.
#[derive(Debug)]
struct Slot<V> {
    value: V,
    inserted_at: Instant,
    stamp: u64,
}

/// Whether a value inserted at `inserted_at` is still served at `now`: younger than `ttl`. A
/// zero `ttl` serves nothing.
fn fresh(inserted_at: Instant, now: Instant, ttl: Duration) -> bool {
    now.saturating_duration_since(inserted_at) < ttl
}

/// A bounded map of values that age, by string key.
#[derive(Debug)]
pub(crate) struct Bounded<V> {
    ttl: Duration,
    capacity: usize,
    slots: HashMap<String, Slot<V>>,
    /// Keys in the order they were inserted, the longest ago first, each with its insertion's
    /// stamp; an item whose stamp is no longer its key's slot's is left over and skipped.
    order: VecDeque<(String, u64)>,
}

impl<V> Bounded<V> {
    /// Serves values younger than `ttl` and holds at most `capacity`; a zero `ttl` or
    /// `capacity` turns it off (nothing is kept).
    pub(crate) fn new(ttl: Duration, capacity: usize) -> Self {
        Self {
            ttl,
            capacity,
            slots: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    /// Whether anything is kept at all.
    pub(crate) fn enabled(&self) -> bool {
        !self.ttl.is_zero() && self.capacity > 0
    }

    /// The value under `key`, if it was inserted less than the TTL before `now`.
    pub(crate) fn get(&self, key: &str, now: Instant) -> Option<&V> {
        self.slots
            .get(key)
            .filter(|slot| fresh(slot.inserted_at, now, self.ttl))
            .map(|slot| &slot.value)
    }

    /// The value under `key` and its insertion's stamp, however old.
    pub(crate) fn peek(&self, key: &str) -> Option<(&V, u64)> {
        self.slots.get(key).map(|slot| (&slot.value, slot.stamp))
    }

    /// Puts `value` under `key` at `now`, with `stamp` (greater than every earlier insertion's).
    /// Values past their TTL go first; when full, the value inserted longest ago is evicted.
    /// Does nothing when the cache is off.
    pub(crate) fn insert(&mut self, key: &str, value: V, stamp: u64, now: Instant) {
        if !self.enabled() {
            return;
        }
        self.drop_stale(now);
        if !self.slots.contains_key(key) {
            while self.slots.len() >= self.capacity && self.evict_oldest() {}
        }
        self.slots.insert(
            key.to_owned(),
            Slot {
                value,
                inserted_at: now,
                stamp,
            },
        );
        self.order.push_back((key.to_owned(), stamp));
        self.compact();
    }

    /// Forgets `key`.
    pub(crate) fn remove(&mut self, key: &str) {
        self.slots.remove(key);
    }

    /// Whether `order`'s item is the insertion of its key's current slot.
    fn current(&self, (key, stamp): &(String, u64)) -> bool {
        self.slots.get(key).is_some_and(|slot| slot.stamp == *stamp)
    }

    /// Drops, from the oldest, the values too old to be served again.
    fn drop_stale(&mut self, now: Instant) {
        while let Some(item) = self.order.front() {
            if self.current(item) {
                let inserted_at = self.slots.get(&item.0).map(|slot| slot.inserted_at);
                if inserted_at.is_some_and(|at| fresh(at, now, self.ttl)) {
                    return;
                }
                self.slots.remove(&item.0);
            }
            self.order.pop_front();
        }
    }

    /// Evicts the value inserted longest ago; `false` if there was none.
    fn evict_oldest(&mut self) -> bool {
        while let Some(item) = self.order.pop_front() {
            if self.current(&item) {
                self.slots.remove(&item.0);
                return true;
            }
        }
        false
    }

    /// Drops the left-over items of `order` once they outnumber the slots (plus some slack), so
    /// that inserting one key again and again keeps memory bounded; each compaction follows at
    /// least that many insertions, so it costs O(1) per insertion on average.
    fn compact(&mut self) {
        if self.order.len() > 2 * self.slots.len() + 32 {
            let slots = &self.slots;
            self.order
                .retain(|(key, stamp)| slots.get(key).is_some_and(|slot| slot.stamp == *stamp));
        }
    }

    /// How many values are kept (the tests' view of the bound).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TTL: Duration = Duration::from_secs(60);

    #[test]
    fn a_value_is_served_while_younger_than_the_ttl() {
        let t0 = Instant::now();
        let mut cache = Bounded::new(TTL, 10);
        cache.insert("k", 1, 1, t0);
        let s = Duration::from_secs;
        for (age, served) in [(s(0), true), (s(59), true), (s(60), false), (s(600), false)] {
            assert_eq!(cache.get("k", t0 + age).is_some(), served, "{age:?}");
        }
        assert_eq!(cache.peek("k"), Some((&1, 1)), "peek ignores age");
    }

    #[test]
    fn a_zero_ttl_or_capacity_keeps_nothing() {
        let t0 = Instant::now();
        for (ttl, capacity) in [(Duration::ZERO, 10), (TTL, 0)] {
            let mut cache = Bounded::new(ttl, capacity);
            cache.insert("k", 1, 1, t0);
            assert_eq!(cache.len(), 0, "ttl {ttl:?}, capacity {capacity}");
        }
    }

    #[test]
    fn when_full_the_value_inserted_longest_ago_goes_first() {
        let t0 = Instant::now();
        let mut cache = Bounded::new(TTL, 2);
        cache.insert("a", 1, 1, t0);
        cache.insert("b", 2, 2, t0);
        cache.insert("a", 3, 3, t0); // re-inserted: now the newest
        cache.insert("c", 4, 4, t0);
        assert!(cache.get("b", t0).is_none(), "b was inserted longest ago");
        assert_eq!(cache.get("a", t0), Some(&3));
        assert_eq!(cache.get("c", t0), Some(&4));
        assert_eq!(cache.len(), 2);
    }

    #[test]
    fn values_past_their_ttl_make_room_first() {
        let t0 = Instant::now();
        let mut cache = Bounded::new(TTL, 2);
        cache.insert("old", 1, 1, t0);
        cache.insert("new", 2, 2, t0 + Duration::from_secs(30));
        cache.insert("next", 3, 3, t0 + Duration::from_secs(61));
        assert!(cache.peek("old").is_none(), "stale, dropped");
        assert_eq!(cache.len(), 2);
    }

    #[test]
    fn inserting_one_key_forever_keeps_memory_bounded() {
        let t0 = Instant::now();
        let mut cache = Bounded::new(TTL, 10_000);
        for stamp in 1..=100_000u64 {
            cache.insert("hot", stamp, stamp, t0);
        }
        assert_eq!(cache.len(), 1);
        assert!(cache.order.len() <= 2 + 32, "{}", cache.order.len());
        assert_eq!(cache.get("hot", t0), Some(&100_000));
    }

    #[test]
    fn a_removed_key_is_not_served() {
        let t0 = Instant::now();
        let mut cache = Bounded::new(TTL, 10);
        cache.insert("k", 1, 1, t0);
        cache.remove("k");
        assert!(cache.get("k", t0).is_none());
        assert!(cache.peek("k").is_none());
    }
}
