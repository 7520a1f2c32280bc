//! What this process keeps of the sessions it serves: a lock per session (concurrent
//! requests of one session share one refresh) and the records it has opened and verified
//! (a record read again unchanged is not opened, parsed or verified again).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, Weak};

use bytes::Bytes;

use super::record::Record;
use crate::protocol::{CognitoSession, ServerSessionView};
use crate::ssr::cache::BoundedCache;
use crate::ssr::verifier::VerifiedUser;

/// A session's lock in this process, per session key; entries go when the last holder
/// drops its handle.
#[derive(Default)]
pub(crate) struct LocalLocks {
    locks: Mutex<HashMap<String, Weak<tokio::sync::Mutex<()>>>>,
}

impl LocalLocks {
    pub fn get(&self, key: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.locks.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(lock) = locks.get(key).and_then(Weak::upgrade) {
            return lock;
        }
        locks.retain(|_, weak| weak.strong_count() > 0);
        let lock = Arc::new(tokio::sync::Mutex::new(()));
        locks.insert(key.to_owned(), Arc::downgrade(&lock));
        lock
    }
}

/// A stored record as this process read it: its sealed bytes, what they open to, and the
/// user its access token verified as (once: the verifier is not asked again while the
/// stored bytes are the same).
// Aligned to 128 bytes (two cache lines, as crossbeam's `CachePadded` does on x86-64): the
// `Arc`'s counts, which every request of the session changes, then sit on other lines than
// the fields every request reads.
#[repr(align(128))]
pub(crate) struct Parsed {
    /// The session id it was opened with (to seal it again).
    pub id: String,
    /// Its store key (the id's hash: [`session_key`](super::record::session_key)).
    pub key: String,
    pub raw: Bytes,
    pub record: Record,
    pub session: CognitoSession,
    /// What the page shows of the session (the user without claims), made once.
    pub view: OnceLock<Arc<ServerSessionView>>,
    pub user: OnceLock<VerifiedUser>,
}

impl std::fmt::Debug for Parsed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The record's Debug shows no token.
        f.debug_struct("Parsed")
            .field("record", &self.record)
            .finish_non_exhaustive()
    }
}

/// The records this process has opened, by session id: a record read again unchanged (the
/// same stored bytes) is not opened, parsed or verified again, and a session's store key
/// is not hashed again. The bytes are compared, so a record another instance changed is
/// read afresh; a full cache starts over.
pub(crate) struct ParsedRecords {
    pub(super) records: BoundedCache<String, Parsed>,
}

impl Default for ParsedRecords {
    fn default() -> Self {
        Self {
            records: BoundedCache::new(Self::CAPACITY),
        }
    }
}

impl ParsedRecords {
    /// At most this many sessions are kept parsed (about 10 KB each).
    pub(crate) const CAPACITY: usize = 2_048;

    /// What this process last read of the session `id`, if it still remembers it (to be
    /// checked against the store: it may have changed or gone since).
    pub fn remembered(&self, id: &str) -> Option<Arc<Parsed>> {
        self.records.get(id)
    }

    /// The record `raw` stored under `key`, opened with the session `id`'s key, or `None`
    /// when it cannot be opened or read.
    pub fn parse(&self, id: &str, key: &str, raw: Bytes) -> Option<Arc<Parsed>> {
        self.parse_after(self.records.get(id).as_ref(), id, key, raw)
    }

    /// [`parse`](Self::parse), given what [`remembered`](Self::remembered) answered for
    /// `id` (not looked up again).
    pub fn parse_after(
        &self,
        remembered: Option<&Arc<Parsed>>,
        id: &str,
        key: &str,
        raw: Bytes,
    ) -> Option<Arc<Parsed>> {
        if let Some(parsed) = remembered.filter(|p| p.key == key && same_bytes(&p.raw, &raw)) {
            return Some(parsed.clone());
        }
        let record = Record::open(id, &raw)?;
        let session = record.session()?;
        let parsed = Arc::new(Parsed {
            id: id.to_owned(),
            key: key.to_owned(),
            raw,
            record,
            view: OnceLock::new(),
            session,
            user: OnceLock::new(),
        });
        self.records.insert(id.to_owned(), parsed.clone());
        Some(parsed)
    }

    /// Forgets the session stored under `key` (removed from the store: signed out, ended,
    /// revoked), by whatever id it was read with.
    pub fn forget(&self, key: &str) {
        self.records.retain(|parsed| parsed.key != key);
    }
}

/// Whether `a` and `b` hold the same bytes. The memory store hands out the bytes it holds
/// (not a copy), so a record read again unchanged is usually the very bytes remembered:
/// `a` is kept alive by the cache, so no other value can sit at its address, and the same
/// address and length mean the same (immutable) bytes. Otherwise (another store, another
/// copy) they are compared.
fn same_bytes(a: &Bytes, b: &Bytes) -> bool {
    (a.as_ptr() == b.as_ptr() && a.len() == b.len()) || a == b
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ssr::server_session::record::tests::record;
    use crate::ssr::session::Env;

    #[test]
    fn a_record_read_again_unchanged_is_the_same_and_a_changed_one_is_read_afresh() {
        let parsed = ParsedRecords::default();
        let id = Env::default().random_id();
        let first = Bytes::from(record("alice", 2_000_000_000).seal(&id));
        let a = parsed.parse(&id, "session:a", first.clone()).unwrap();
        let again = parsed.parse(&id, "session:a", first).unwrap();
        assert!(Arc::ptr_eq(&a, &again), "not opened again");
        assert_eq!(again.session.username(), Some("alice"));
        // Another instance refreshed it: the stored bytes changed, so it is read again.
        let refreshed = parsed
            .parse(
                &id,
                "session:a",
                record("alice", 2_000_000_600).seal(&id).into(),
            )
            .unwrap();
        assert_eq!(refreshed.session.expires_at(), 2_000_000_600);
        // Junk is no session, and a good record is still read afterwards.
        assert!(parsed
            .parse(&id, "session:a", Bytes::from_static(b"junk"))
            .is_none());
        let bob_id = Env::default().random_id();
        let bob = parsed
            .parse(
                &bob_id,
                "session:b",
                record("bob", 2_000_000_000).seal(&bob_id).into(),
            )
            .unwrap();
        assert_eq!(bob.session.username(), Some("bob"));
        // Opened with another session's id: nothing.
        assert!(parsed
            .parse(
                &id,
                "session:c",
                record("carol", 2_000_000_000).seal(&bob_id).into()
            )
            .is_none());
        // Remembered by id, with its store key; forgotten by its store key.
        let remembered = parsed.remembered(&bob_id).unwrap();
        assert!(Arc::ptr_eq(&remembered, &bob));
        assert_eq!(remembered.key, "session:b");
        parsed.forget("session:b");
        assert!(parsed.remembered(&bob_id).is_none());
    }

    #[test]
    fn a_full_cache_starts_over() {
        let parsed = ParsedRecords::default();
        let env = Env::default();
        // One more session than it holds, each under its own id.
        for i in 0..=ParsedRecords::CAPACITY {
            let id = env.random_id();
            let raw = Bytes::from(record("alice", 2_000_000_000).seal(&id));
            parsed.parse(&id, &format!("session:{i}"), raw).unwrap();
        }
        assert!(parsed.records.len() <= ParsedRecords::CAPACITY);
    }
}
