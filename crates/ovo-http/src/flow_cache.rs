//! The flows this client wrote, kept in the client, so that the webview's callback (`finish_*`)
//! on the instance that began a flow does not read it back from the flow store (issue 11: on a
//! database, every read is a round trip).
//!
//! Pure: the caller passes the monotonic time (`Instant`) that ages entries. The client holds it
//! behind a mutex and never across an await.
//!
//! The flow store stays the truth, and a stale entry is harmless: every write of a flow is a
//! compare-and-swap on its revision, and no call is sent before a successful write-ahead, so a
//! flow driven from an entry another instance has since advanced fails its first write with
//! `StoreError::Conflict` before anything is sent; the client then drops the entry and reads the
//! store. Only the callback path serves from here; `resume` and `reconcile` read the store.

use std::time::{Duration, Instant};

use ovo_flows::StoredFlow;

use crate::bounded::Bounded;

/// The bounded cache of flows by id.
#[derive(Debug)]
pub(crate) struct FlowCache {
    /// Each flow as this client last wrote it, stamped with the caching that put it there.
    entries: Bounded<StoredFlow>,
    /// The number of the last caching.
    cachings: u64,
}

impl FlowCache {
    /// A cache that serves entries younger than `ttl` and holds at most `capacity` flows; a zero
    /// `ttl` or `capacity` turns it off (nothing is kept).
    pub(crate) fn new(ttl: Duration, capacity: usize) -> Self {
        Self {
            entries: Bounded::new(ttl, capacity),
            cachings: 0,
        }
    }

    /// The flow `id` as this client last wrote it, if its entry is fresh at `now`; else `None`,
    /// and the caller reads the store.
    pub(crate) fn get(&self, id: &str, now: Instant) -> Option<StoredFlow> {
        self.entries.get(id, now).cloned()
    }

    /// Learns that `flow` (with the revision the store gave it) was just written. A settled
    /// flow is dropped instead: a later callback reads the store and finds it finished. An entry
    /// with a higher revision stays (a write that ended later but began earlier is older).
    pub(crate) fn written(&mut self, flow: &StoredFlow, now: Instant) {
        if flow.settled {
            self.remove(&flow.id);
            return;
        }
        if !self.entries.enabled() {
            return;
        }
        if self
            .entries
            .peek(&flow.id)
            .is_some_and(|(cached, _)| cached.revision > flow.revision)
        {
            return;
        }
        self.cachings += 1;
        self.entries
            .insert(&flow.id, flow.clone(), self.cachings, now);
    }

    /// Forgets flow `id` (a write of it failed, or it is settled).
    pub(crate) fn remove(&mut self, id: &str) {
        self.entries.remove(id);
    }

    /// How many flows are cached (the tests' view of the bound).
    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use ovo_flows::FlowKind;

    use super::*;

    const TTL: Duration = Duration::from_secs(900);

    fn flow(id: &str, revision: u64, settled: bool) -> StoredFlow {
        let mut flow = StoredFlow::new(id, FlowKind::Debit, Some("c".to_owned()));
        flow.state = format!("{id}@{revision}");
        flow.revision = revision;
        flow.settled = settled;
        flow
    }

    fn revision(cache: &FlowCache, id: &str, now: Instant) -> Option<u64> {
        cache.get(id, now).map(|flow| flow.revision)
    }

    #[test]
    fn an_entry_is_served_while_younger_than_the_ttl() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        // (ttl, age at the lookup, served)
        let table = [
            (TTL, ms(0), true),
            (TTL, TTL - ms(1), true),
            (TTL, TTL, false),
            (TTL, TTL + ms(1), false),
            (Duration::ZERO, ms(0), false),
        ];
        for (ttl, age, expected) in table {
            let mut cache = FlowCache::new(ttl, 10);
            cache.written(&flow("f", 1, false), t0);
            assert_eq!(
                cache.get("f", t0 + age).is_some(),
                expected,
                "ttl {ttl:?}, age {age:?}"
            );
        }
    }

    #[test]
    fn the_flow_served_is_the_one_written() {
        let t0 = Instant::now();
        let mut cache = FlowCache::new(TTL, 10);
        let written = flow("f", 7, false);
        cache.written(&written, t0);
        assert!(cache.get("f", t0) == Some(written));
        assert!(cache.get("g", t0).is_none());
    }

    #[test]
    fn a_zero_ttl_or_capacity_keeps_nothing() {
        let t0 = Instant::now();
        for (ttl, capacity) in [(Duration::ZERO, 10), (TTL, 0), (Duration::ZERO, 0)] {
            let mut cache = FlowCache::new(ttl, capacity);
            cache.written(&flow("f", 1, false), t0);
            assert_eq!(cache.len(), 0, "ttl {ttl:?}, capacity {capacity}");
        }
    }

    /// What happens to flow "f", in order.
    #[derive(Debug, Clone, Copy)]
    enum Step {
        /// Written with this revision, not settled.
        Wrote(u64),
        /// Written with this revision, settled.
        Settled(u64),
        /// A write failed.
        Failed,
    }

    #[test]
    fn writes_settlements_and_failures_decide_what_is_served() {
        use Step::{Failed, Settled, Wrote};
        let t0 = Instant::now();
        // (what happens, the revision served after)
        let table: [(&str, &[Step], Option<u64>); 7] = [
            ("a write is served", &[Wrote(1)], Some(1)),
            ("the latest write is served", &[Wrote(1), Wrote(2)], Some(2)),
            ("a settled flow is dropped", &[Wrote(1), Settled(2)], None),
            ("a settled flow is never cached", &[Settled(1)], None),
            ("a failed write drops the flow", &[Wrote(1), Failed], None),
            (
                "a write that ends after a later one does not bring its older revision back",
                &[Wrote(3), Wrote(2)],
                Some(3),
            ),
            (
                "a write after a failure is served",
                &[Failed, Wrote(4)],
                Some(4),
            ),
        ];
        for (case, steps, expected) in table {
            let mut cache = FlowCache::new(TTL, 10);
            for step in steps {
                match *step {
                    Wrote(revision) => cache.written(&flow("f", revision, false), t0),
                    Settled(revision) => cache.written(&flow("f", revision, true), t0),
                    Failed => cache.remove("f"),
                }
            }
            assert_eq!(revision(&cache, "f", t0), expected, "{case}");
        }
    }

    #[test]
    fn when_full_the_entry_cached_longest_ago_is_evicted() {
        let t0 = Instant::now();
        let s = Duration::from_secs;
        /// Which flow is written, in order, and when (seconds after `t0`).
        type Writes<'a> = &'a [(&'a str, u64)];
        // (capacity, writes, flows kept)
        let table: [(usize, Writes<'_>, &[&str]); 5] = [
            (2, &[("a", 0), ("b", 1), ("c", 2)], &["b", "c"]),
            (1, &[("a", 0), ("b", 1)], &["b"]),
            // Writing a flow again makes its entry the newest.
            (2, &[("a", 0), ("b", 1), ("a", 2), ("c", 3)], &["a", "c"]),
            // Writing a cached flow again takes no room.
            (2, &[("a", 0), ("b", 1), ("b", 2), ("b", 3)], &["a", "b"]),
            // Entries past the TTL are dropped first, whatever the room.
            (3, &[("a", 0), ("b", 300), ("c", 901)], &["b", "c"]),
        ];
        for (capacity, writes, kept) in table {
            let mut cache = FlowCache::new(TTL, capacity);
            for (revision, (id, at)) in (1..).zip(writes.iter()) {
                cache.written(&flow(id, revision, false), t0 + s(*at));
            }
            let last = t0 + s(writes.last().map_or(0, |(_, at)| *at));
            let present: Vec<&str> = ["a", "b", "c"]
                .into_iter()
                .filter(|id| cache.get(id, last).is_some())
                .collect();
            assert_eq!(present, kept, "capacity {capacity}, writes {writes:?}");
            assert!(cache.len() <= capacity);
        }
    }

    #[test]
    fn re_writing_one_flow_forever_keeps_memory_bounded() {
        let t0 = Instant::now();
        let mut cache = FlowCache::new(TTL, 10_000);
        for revision in 1..=100_000u64 {
            cache.written(&flow("hot", revision, false), t0);
        }
        assert_eq!(cache.len(), 1);
        assert_eq!(revision(&cache, "hot", t0), Some(100_000));
    }
}
