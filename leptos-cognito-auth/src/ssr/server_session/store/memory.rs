//! [`MemorySessionStore`]: server sessions in this process's memory.

use std::collections::HashMap;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::future::BoxFuture;

use super::{IndexFields, SessionStore, StoreError};

/// An entry and when it expires.
#[derive(Debug)]
struct Entry {
    /// Shared: a read hands out the same bytes without copying them.
    value: Bytes,
    expires: Instant,
}

/// The entries and the writes since expired ones were last swept.
#[derive(Debug, Default)]
struct Entries {
    map: HashMap<String, Entry>,
    /// Indexes: fields and values, and when each index expires.
    indexes: HashMap<String, (HashMap<String, Vec<u8>>, Instant)>,
    writes: usize,
}

impl Entries {
    /// At most this many entries before writes start sweeping.
    const SWEEP_FLOOR: usize = 1024;

    /// The live value of `key`; an expired one is removed.
    fn live(&mut self, key: &str, now: Instant) -> Option<&Entry> {
        if self.map.get(key).is_some_and(|e| e.expires <= now) {
            self.map.remove(key);
        }
        self.map.get(key)
    }

    /// Inserts an entry. Every so many writes (as many as half the entries, at least
    /// [`SWEEP_FLOOR`](Self::SWEEP_FLOOR)) the expired entries are swept, so memory stays
    /// bounded by the live entries however the store is used (reads or none), at an
    /// amortised constant cost per write.
    fn insert(&mut self, key: &str, entry: Entry, now: Instant) {
        self.map.insert(key.to_owned(), entry);
        self.writes += 1;
        if self.map.len() > Self::SWEEP_FLOOR
            && self.writes >= (self.map.len() / 2).max(Self::SWEEP_FLOOR)
        {
            self.map.retain(|_, e| e.expires > now);
            self.indexes.retain(|_, (_, expires)| *expires > now);
            self.writes = 0;
        }
    }
}

/// Server sessions in this process's memory: for one server instance. Lost when the
/// process ends; behind a load balancer with several instances use
/// [`RedisSessionStore`](super::RedisSessionStore). Cloning shares the entries.
#[derive(Clone, Debug, Default)]
pub struct MemorySessionStore {
    /// Reads (the many) share the lock; writes take it alone.
    entries: Arc<RwLock<Entries>>,
}

impl MemorySessionStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn entries(&self) -> RwLockWriteGuard<'_, Entries> {
        // A panic elsewhere cannot leave an entry half-written: keep using them.
        self.entries
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn read(&self) -> RwLockReadGuard<'_, Entries> {
        self.entries
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// How many entries are stored (expired ones included until they are swept).
    pub fn len(&self) -> usize {
        self.read().map.len()
    }

    /// Whether nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every stored value, expired or not (for tests that look at what the store holds).
    pub fn values(&self) -> Vec<Vec<u8>> {
        self.entries()
            .map
            .values()
            .map(|e| e.value.to_vec())
            .collect()
    }
}

fn ready<T: Send + 'static>(value: T) -> BoxFuture<'static, T> {
    Box::pin(std::future::ready(value))
}

impl SessionStore for MemorySessionStore {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Bytes>, StoreError>> {
        // A read: an expired entry is not removed here (writes sweep them).
        let now = Instant::now();
        let value = self
            .read()
            .map
            .get(key)
            .filter(|e| e.expires > now)
            .map(|e| e.value.clone());
        ready(Ok(value))
    }

    fn set<'a>(
        &'a self,
        key: &'a str,
        value: Bytes,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        let now = Instant::now();
        let entry = Entry {
            value,
            expires: now + ttl,
        };
        self.entries().insert(key, entry, now);
        ready(Ok(()))
    }

    fn replace<'a>(
        &'a self,
        key: &'a str,
        current: &'a [u8],
        value: Bytes,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        let now = Instant::now();
        let mut entries = self.entries();
        let matches = entries.live(key, now).is_some_and(|e| e.value == current);
        if matches {
            let entry = Entry {
                value,
                expires: now + ttl,
            };
            entries.insert(key, entry, now);
        }
        ready(Ok(matches))
    }

    fn remove<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        let mut entries = self.entries();
        entries.map.remove(key);
        entries.indexes.remove(key);
        ready(Ok(()))
    }

    fn try_lock<'a>(
        &'a self,
        key: &'a str,
        owner: &'a str,
        lease: Duration,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        let now = Instant::now();
        let mut entries = self.entries();
        let taken = match entries.live(key, now) {
            None => {
                let entry = Entry {
                    value: Bytes::copy_from_slice(owner.as_bytes()),
                    expires: now + lease,
                };
                entries.insert(key, entry, now);
                true
            }
            Some(held) => held.value == owner.as_bytes(),
        };
        ready(Ok(taken))
    }

    fn unlock<'a>(&'a self, key: &'a str, owner: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        let mut entries = self.entries();
        if entries
            .live(key, Instant::now())
            .is_some_and(|e| e.value == owner.as_bytes())
        {
            entries.map.remove(key);
        }
        ready(Ok(()))
    }

    fn index_put<'a>(
        &'a self,
        key: &'a str,
        field: &'a str,
        value: &'a [u8],
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        let now = Instant::now();
        let mut entries = self.entries();
        let index = entries
            .indexes
            .entry(key.to_owned())
            .or_insert_with(|| (HashMap::new(), now));
        if index.1 <= now {
            index.0.clear();
        }
        index.0.insert(field.to_owned(), value.to_vec());
        index.1 = index.1.max(now + ttl);
        entries.writes += 1;
        ready(Ok(()))
    }

    fn index_all<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<IndexFields, StoreError>> {
        let now = Instant::now();
        let fields = self
            .read()
            .indexes
            .get(key)
            .filter(|(_, expires)| *expires > now)
            .map(|(fields, _)| fields.iter().map(|(f, v)| (f.clone(), v.clone())).collect())
            .unwrap_or_default();
        ready(Ok(fields))
    }

    fn index_remove<'a>(
        &'a self,
        key: &'a str,
        field: &'a str,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        let mut entries = self.entries();
        if let Some((fields, _)) = entries.indexes.get_mut(key) {
            fields.remove(field);
            if fields.is_empty() {
                entries.indexes.remove(key);
            }
        }
        ready(Ok(()))
    }

    fn is_shared(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::executor::block_on;

    #[test]
    fn writes_without_reads_keep_memory_bounded() {
        let store = MemorySessionStore::new();
        // 20,000 short-lived entries, written and never read.
        for i in 0..20_000 {
            block_on(store.set(
                &format!("k{i}"),
                Bytes::from_static(b"v"),
                Duration::from_millis(1),
            ))
            .unwrap();
            if i % 5_000 == 0 {
                std::thread::sleep(Duration::from_millis(2));
            }
        }
        std::thread::sleep(Duration::from_millis(2));
        for i in 0..Entries::SWEEP_FLOOR * 2 {
            block_on(store.set(
                &format!("late{i}"),
                Bytes::from_static(b"v"),
                Duration::from_millis(1),
            ))
            .unwrap();
        }
        assert!(store.len() < 5_000, "{} entries kept", store.len());
    }

    #[test]
    fn replace_is_a_compare_and_set() {
        let store = MemorySessionStore::new();
        let ttl = Duration::from_secs(60);
        assert!(
            !block_on(store.replace("k", b"a", Bytes::from_static(b"b"), ttl)).unwrap(),
            "missing key"
        );
        block_on(store.set("k", Bytes::from_static(b"a"), ttl)).unwrap();
        assert!(
            !block_on(store.replace("k", b"x", Bytes::from_static(b"b"), ttl)).unwrap(),
            "other value"
        );
        assert!(block_on(store.replace("k", b"a", Bytes::from_static(b"b"), ttl)).unwrap());
        assert_eq!(
            block_on(store.get("k")).unwrap().as_deref(),
            Some(&b"b"[..])
        );
        block_on(store.remove("k")).unwrap();
        assert!(
            !block_on(store.replace("k", b"b", Bytes::from_static(b"c"), ttl)).unwrap(),
            "deleted meanwhile"
        );
        assert_eq!(block_on(store.get("k")).unwrap(), None);
    }
}
