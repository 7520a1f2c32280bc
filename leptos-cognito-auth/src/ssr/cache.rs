//! The one bounded cache of the server side ([`BoundedCache`]), used by the verifier (tokens
//! already verified) and by server sessions (records already opened and verified): shared
//! `Arc` values under a read-write lock, forgotten all at once when full.
//!
//! Written here rather than taken from a cache crate: both uses need only "remember up to
//! N, forget everything when full" (the busy entries come straight back), which is a few
//! lines over `std`, with no eviction bookkeeping on the hot path (a hit takes a read lock
//! and clones an `Arc`).

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, RwLock};

/// Up to `capacity` values by key; a full cache starts over.
pub(crate) struct BoundedCache<K, V> {
    capacity: usize,
    entries: RwLock<HashMap<K, Arc<V>>>,
}

impl<K: Eq + Hash, V> BoundedCache<K, V> {
    /// A cache of at most `capacity` entries (0: remembers nothing).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            entries: RwLock::new(HashMap::new()),
        }
    }

    /// Whether it remembers anything at all.
    pub fn enabled(&self) -> bool {
        self.capacity > 0
    }

    /// The value under `key`.
    pub fn get<Q>(&self, key: &Q) -> Option<Arc<V>>
    where
        K: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        self.entries
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .cloned()
    }

    /// Remembers `value` under `key`; when full, everything else is forgotten first.
    pub fn insert(&self, key: K, value: Arc<V>) {
        if !self.enabled() {
            return;
        }
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= self.capacity {
            entries.clear();
        }
        entries.insert(key, value);
    }

    /// Forgets `key`.
    pub fn remove<Q>(&self, key: &Q)
    where
        K: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        self.entries
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(key);
    }

    /// Keeps only the values `keep` accepts.
    pub fn retain(&self, mut keep: impl FnMut(&V) -> bool) {
        self.entries
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|_, value| keep(value));
    }

    /// How many entries it holds.
    pub fn len(&self) -> usize {
        self.entries.read().map(|e| e.len()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_and_starting_over_when_full() {
        let cache = BoundedCache::new(3);
        for i in 0..10 {
            cache.insert(i, Arc::new(i * 10));
            assert!(cache.len() <= 3);
        }
        assert_eq!(cache.get(&9).as_deref(), Some(&90));
        cache.remove(&9);
        assert_eq!(cache.get(&9), None);
        let off = BoundedCache::new(0);
        off.insert("a", Arc::new(1));
        assert_eq!(off.get("a"), None);
    }
}
