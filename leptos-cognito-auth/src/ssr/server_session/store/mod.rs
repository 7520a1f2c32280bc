//! Where server sessions live: the [`SessionStore`] trait and its stores,
//! [`MemorySessionStore`] (one process), [`RedisSessionStore`] (feature `redis`: several
//! server instances) and [`CookieSessionStore`] (the browser's cookies: no shared store).

pub(crate) mod cookie;
mod memory;
#[cfg(feature = "redis")]
mod redis;

use std::time::Duration;

use bytes::Bytes;
use futures::future::BoxFuture;

pub use cookie::CookieSessionStore;
pub use memory::MemorySessionStore;
#[cfg(feature = "redis")]
pub use redis::RedisSessionStore;

/// The fields of an index and their values, as [`SessionStore::index_all`] answers them.
pub type IndexFields = Vec<(String, Vec<u8>)>;

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

/// The storage of server sessions and their refresh locks: a key-value store of bytes with
/// expiry, a compare-and-set, leased locks, and indexes (a user's sessions, for listing them
/// and signing out everywhere). The kit has [`MemorySessionStore`] and
/// [`RedisSessionStore`]; implement it for another database.
///
/// What the kit stores is already sealed (AES-256-GCM under a key derived from the session
/// id, which the store never sees: its keys are the id's SHA-256), so a store, a dump of it
/// or a log of its commands holds no usable token.
///
/// Every method returns a boxed future so that the trait can be used as
/// `Arc<dyn SessionStore>`, chosen at run time.
pub trait SessionStore: Send + Sync + 'static {
    /// The value of `key`, unless it has expired.
    ///
    /// Values are [`Bytes`] both ways, so that a store holding them in memory keeps the
    /// value it was given and hands it out without a copy (the kit then knows a record read
    /// again unchanged at once); `Bytes::from(vec)` wraps a `Vec<u8>` read from elsewhere,
    /// without a copy either.
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Bytes>, StoreError>>;

    /// Sets `key` to `value`, expiring after `ttl`.
    fn set<'a>(
        &'a self,
        key: &'a str,
        value: Bytes,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Sets `key` to `value` (expiring after `ttl`) only if it still holds `current`, in one
    /// step, and says whether it did. An update (a refresh) made this way never brings back
    /// a session that a concurrent sign-out deleted, nor overwrites another instance's
    /// newer tokens.
    fn replace<'a>(
        &'a self,
        key: &'a str,
        current: &'a [u8],
        value: Bytes,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;

    /// Removes `key` (removing a missing key is not an error).
    fn remove<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Takes the lock `key` for `owner` unless someone else holds it, for at most `lease`
    /// (a holder that dies does not block the others for longer). Returns whether `owner`
    /// holds it now: a try of the owner that holds it answers `true` (a try sent again
    /// after its reply was lost must not find the lock taken by itself).
    fn try_lock<'a>(
        &'a self,
        key: &'a str,
        owner: &'a str,
        lease: Duration,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;

    /// Releases the lock `key` if `owner` still holds it (a lease that ran out and was
    /// taken by another is left alone).
    fn unlock<'a>(&'a self, key: &'a str, owner: &'a str) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Sets `field` of the index `key` to `value`, and makes the index live at least `ttl`
    /// more (an index of a user's sessions: one key, so one slot in a cluster).
    fn index_put<'a>(
        &'a self,
        key: &'a str,
        field: &'a str,
        value: &'a [u8],
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Every field of the index `key` and its value (none when it does not exist).
    fn index_all<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<IndexFields, StoreError>>;

    /// Removes `field` from the index `key` (a missing one is not an error).
    fn index_remove<'a>(
        &'a self,
        key: &'a str,
        field: &'a str,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Whether other processes share this store (several server instances): they must
    /// then share the session secret too, so a missing one is an error at start. `true`
    /// unless the store lives in this process.
    fn is_shared(&self) -> bool {
        true
    }

    /// Whether the records travel in the browser's cookies instead of a store of their own:
    /// `false` (the default) for every store but [`CookieSessionStore`], for which the
    /// session layer opens a scope around each request (the request's cookies in, the
    /// answer's out) and lists only the request's own session.
    fn in_cookies(&self) -> bool {
        false
    }
}
