//! Where server sessions live: the [`SessionStore`] trait (a string key-value store with
//! expiry, single-use reads and leased locks) and [`MemoryStore`], the in-process one.
//! [`RedisStore`](super::RedisStore) (feature `redis`) serves many server instances.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::future::BoxFuture;

/// Why the session store could not answer. Requests that need it get a `503` naming the
/// cause; nothing is lost, and sessions stored before are there again once the store
/// answers.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The store cannot be reached (Redis down, a timeout, a dropped connection).
    #[error("the session store is unavailable: {0}")]
    Unavailable(String),
    /// The store answered something unexpected.
    #[error("the session store failed: {0}")]
    Failed(String),
}

impl StoreError {
    /// A stable `snake_case` identifier: `session_store_unavailable` or
    /// `session_store_failed`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unavailable(_) => "session_store_unavailable",
            Self::Failed(_) => "session_store_failed",
        }
    }
}

/// The storage of server sessions, their pending sign-ins and refresh locks: a string
/// key-value store with expiry. Implement it for another database; the kit has
/// [`MemoryStore`] and [`RedisStore`](super::RedisStore).
///
/// Every method returns a boxed future so that the trait can be used as
/// `Arc<dyn SessionStore>`, chosen at run time.
pub trait SessionStore: Send + Sync + 'static {
    /// The value of `key`, unless it has expired.
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<String>, StoreError>>;

    /// Sets `key` to `value`, expiring after `ttl`.
    fn set<'a>(
        &'a self,
        key: &'a str,
        value: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Removes `key` (removing a missing key is not an error).
    fn remove<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Reads and removes `key` in one step, so that a value is taken at most once even by
    /// concurrent callers on several instances (a pending sign-in is single use).
    fn take<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<String>, StoreError>>;

    /// Takes the lock `key` for `owner` unless someone else holds it, for at most `lease`
    /// (a holder that dies does not block the others for longer). Returns whether it was
    /// taken.
    fn try_lock<'a>(
        &'a self,
        key: &'a str,
        owner: &'a str,
        lease: Duration,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;

    /// Releases the lock `key` if `owner` still holds it (a lease that ran out and was
    /// taken by another is left alone).
    fn unlock<'a>(&'a self, key: &'a str, owner: &'a str) -> BoxFuture<'a, Result<(), StoreError>>;
}

/// An entry and when it expires.
#[derive(Debug)]
struct Entry {
    value: String,
    expires: Instant,
}

/// Server sessions in this process's memory: the default, for one server instance. Lost
/// when the process ends; behind a load balancer with several instances use
/// [`RedisStore`](super::RedisStore). Cloning shares the entries.
#[derive(Clone, Debug, Default)]
pub struct MemoryStore {
    entries: Arc<Mutex<HashMap<String, Entry>>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        // A panic elsewhere cannot leave an entry half-written: keep using them.
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The live value of `key`, removing it when it has expired (and, now and then, every
    /// expired entry, so that abandoned sign-ins do not pile up).
    fn live(entries: &mut HashMap<String, Entry>, key: &str) -> Option<String> {
        let now = Instant::now();
        if entries.len() > 1024 && entries.len().is_power_of_two() {
            entries.retain(|_, e| e.expires > now);
        }
        match entries.get(key) {
            Some(e) if e.expires > now => Some(e.value.clone()),
            Some(_) => {
                entries.remove(key);
                None
            }
            None => None,
        }
    }

    /// How many entries are stored (expired ones included until they are noticed).
    pub fn len(&self) -> usize {
        self.entries().len()
    }

    /// Whether nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl SessionStore for MemoryStore {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<String>, StoreError>> {
        let value = Self::live(&mut self.entries(), key);
        Box::pin(std::future::ready(Ok(value)))
    }

    fn set<'a>(
        &'a self,
        key: &'a str,
        value: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        let entry = Entry {
            value: value.to_owned(),
            expires: Instant::now() + ttl,
        };
        self.entries().insert(key.to_owned(), entry);
        Box::pin(std::future::ready(Ok(())))
    }

    fn remove<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        self.entries().remove(key);
        Box::pin(std::future::ready(Ok(())))
    }

    fn take<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<String>, StoreError>> {
        let mut entries = self.entries();
        let value = Self::live(&mut entries, key);
        entries.remove(key);
        Box::pin(std::future::ready(Ok(value)))
    }

    fn try_lock<'a>(
        &'a self,
        key: &'a str,
        owner: &'a str,
        lease: Duration,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        let mut entries = self.entries();
        let taken = match Self::live(&mut entries, key) {
            Some(_) => false,
            None => {
                let entry = Entry {
                    value: owner.to_owned(),
                    expires: Instant::now() + lease,
                };
                entries.insert(key.to_owned(), entry);
                true
            }
        };
        Box::pin(std::future::ready(Ok(taken)))
    }

    fn unlock<'a>(&'a self, key: &'a str, owner: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        let mut entries = self.entries();
        if Self::live(&mut entries, key).as_deref() == Some(owner) {
            entries.remove(key);
        }
        Box::pin(std::future::ready(Ok(())))
    }
}
