//! Store wrappers that count what one client instance does to stores several instances share:
//! the store-traffic pins and the two caches' tests read the same counts.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use ovo_flows::{
    BoxFuture, CustomerTokens, FlowStore, MemoryFlowStore, MemoryTokenStore, StoreError,
    StoredFlow, TokenStore,
};

/// Counts one instance's calls into a flow store and a token store (in memory, shareable).
#[derive(Debug, Default)]
pub struct CountedStores {
    flows: Arc<MemoryFlowStore>,
    tokens: Arc<MemoryTokenStore>,
    flow_gets: AtomicUsize,
    flow_puts: AtomicUsize,
    token_gets: AtomicUsize,
    token_writes: AtomicUsize,
}

impl CountedStores {
    /// Counting over stores other instances may share.
    pub fn over(flows: Arc<MemoryFlowStore>, tokens: Arc<MemoryTokenStore>) -> Self {
        Self {
            flows,
            tokens,
            ..Self::default()
        }
    }

    /// `[flow gets, flow puts, token gets, token writes]` so far.
    pub fn snapshot(&self) -> [usize; 4] {
        [
            self.flow_gets.load(Ordering::SeqCst),
            self.flow_puts.load(Ordering::SeqCst),
            self.token_gets.load(Ordering::SeqCst),
            self.token_writes.load(Ordering::SeqCst),
        ]
    }
}

/// `b - a`, item by item.
pub fn diff<const N: usize>(a: [usize; N], b: [usize; N]) -> [usize; N] {
    std::array::from_fn(|i| b[i] - a[i])
}

impl FlowStore for CountedStores {
    fn get<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<StoredFlow>, StoreError>> {
        self.flow_gets.fetch_add(1, Ordering::SeqCst);
        self.flows.get(id)
    }
    fn put<'a>(&'a self, flow: &'a StoredFlow) -> BoxFuture<'a, Result<u64, StoreError>> {
        self.flow_puts.fetch_add(1, Ordering::SeqCst);
        self.flows.put(flow)
    }
    fn unsettled(&self) -> BoxFuture<'_, Result<Vec<StoredFlow>, StoreError>> {
        self.flows.unsettled()
    }
}

impl TokenStore for CountedStores {
    fn get<'a>(
        &'a self,
        customer: &'a str,
    ) -> BoxFuture<'a, Result<Option<CustomerTokens>, StoreError>> {
        self.token_gets.fetch_add(1, Ordering::SeqCst);
        self.tokens.get(customer)
    }
    fn put<'a>(
        &'a self,
        customer: &'a str,
        tokens: &'a CustomerTokens,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        self.token_writes.fetch_add(1, Ordering::SeqCst);
        self.tokens.put(customer, tokens)
    }
    fn remove<'a>(&'a self, customer: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        self.token_writes.fetch_add(1, Ordering::SeqCst);
        self.tokens.remove(customer)
    }
}
