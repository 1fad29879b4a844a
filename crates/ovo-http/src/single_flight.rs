//! One fetch at a time per key: concurrent callers wait for the fetch in flight and share its
//! result, error included. Used for the partner's B2B token and for each customer's refresh.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::watch;

use crate::error::ClientError;

type Shared<V> = Option<Result<V, Arc<ClientError>>>;
type Flights<K, V> = HashMap<K, (u64, watch::Receiver<Shared<V>>)>;

/// Fetches in flight, by key.
#[derive(Debug)]
pub(crate) struct SingleFlight<K, V> {
    inflight: Mutex<Flights<K, V>>,
    next: Mutex<u64>,
}

impl<K, V> Default for SingleFlight<K, V> {
    fn default() -> Self {
        Self {
            inflight: Mutex::new(HashMap::new()),
            next: Mutex::new(0),
        }
    }
}

enum Next<V> {
    Wait(watch::Receiver<Shared<V>>),
    Lead(u64, watch::Sender<Shared<V>>),
}

impl<K: Eq + Hash + Clone, V: Clone> SingleFlight<K, V> {
    /// Runs `fetch` for `key` unless a fetch for it is in flight, whose result is then shared. If
    /// the leading caller is dropped mid-fetch, a waiting caller takes over. `fetch` should check
    /// first whether its work was done meanwhile (the result is not cached here).
    pub(crate) async fn run<F, Fut>(&self, key: K, fetch: F) -> Result<V, Arc<ClientError>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, ClientError>>,
    {
        let mut fetch = Some(fetch);
        loop {
            let next = {
                let mut inflight = self.inflight.lock().unwrap_or_else(PoisonError::into_inner);
                match inflight.get(&key) {
                    Some((_, receiver)) => Next::Wait(receiver.clone()),
                    None => {
                        let id = {
                            let mut next = self.next.lock().unwrap_or_else(PoisonError::into_inner);
                            *next += 1;
                            *next
                        };
                        let (sender, receiver) = watch::channel(None);
                        inflight.insert(key.clone(), (id, receiver));
                        Next::Lead(id, sender)
                    }
                }
            };
            match next {
                Next::Wait(mut receiver) => loop {
                    if let Some(result) = receiver.borrow().clone() {
                        return result;
                    }
                    if receiver.changed().await.is_err() {
                        break; // The leader went away: try again (one of us leads).
                    }
                },
                Next::Lead(id, sender) => {
                    let clear = Clear {
                        flights: self,
                        key: key.clone(),
                        id,
                    };
                    let Some(fetch) = fetch.take() else {
                        continue; // Unreachable: a leader returns. The marker is cleared.
                    };
                    let result = fetch().await.map_err(Arc::new);
                    drop(clear);
                    let _ = sender.send(Some(result.clone()));
                    return result;
                }
            }
        }
    }
}

/// Removes the in-flight marker even if the leading future is dropped mid-fetch.
struct Clear<'a, K: Eq + Hash, V> {
    flights: &'a SingleFlight<K, V>,
    key: K,
    id: u64,
}

impl<K: Eq + Hash, V> Drop for Clear<'_, K, V> {
    fn drop(&mut self) {
        let mut inflight = self
            .flights
            .inflight
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if inflight
            .get(&self.key)
            .is_some_and(|(id, _)| *id == self.id)
        {
            inflight.remove(&self.key);
        }
    }
}
