//! The client's options: timeouts, retries, inquiry pacing, the operation deadline and the
//! in-memory caches.

use std::time::Duration;

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
