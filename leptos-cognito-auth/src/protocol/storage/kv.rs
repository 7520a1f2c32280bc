//! The key-value storage the session lives in: the [`Storage`] trait (`localStorage`,
//! `sessionStorage`, cookies, memory) and [`MemoryStorage`].

use std::rc::Rc;
use std::sync::{Arc, Mutex};

/// Why a storage operation failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// The storage cannot be used at all (disabled by the browser, private mode, no
    /// `window` during server-side rendering).
    #[error("storage is unavailable: {0}")]
    Unavailable(String),
    /// The storage is full.
    #[error("storage is full")]
    QuotaExceeded,
    /// Any other failure.
    #[error("storage failed: {0}")]
    Failed(String),
}

/// A string key-value store: `localStorage`, `sessionStorage`, cookies or memory.
/// Operations are synchronous, as the browser's storages are.
pub trait Storage {
    /// The value of `key`, if any.
    fn get(&self, key: &str) -> Option<String>;
    /// Sets `key` to `value`.
    fn set(&self, key: &str, value: &str) -> Result<(), StorageError>;
    /// Removes `key` (removing a missing key is not an error).
    fn remove(&self, key: &str);
    /// Every key currently stored (used to clear a prefix).
    fn keys(&self) -> Vec<String>;
}

macro_rules! forward_storage {
    ($($ty:ty),*) => {$(
        impl<T: Storage + ?Sized> Storage for $ty {
            fn get(&self, key: &str) -> Option<String> { (**self).get(key) }
            fn set(&self, key: &str, value: &str) -> Result<(), StorageError> { (**self).set(key, value) }
            fn remove(&self, key: &str) { (**self).remove(key) }
            fn keys(&self) -> Vec<String> { (**self).keys() }
        }
    )*};
}
forward_storage!(&T, Rc<T>, Arc<T>, Box<T>);

/// Storage in memory: the fallback when the browser's storage is unavailable, the
/// server-side stand-in, and the storage of tests. Cloning shares the same entries.
///
/// The entries are a vector kept sorted by key (a handful per app client), searched by
/// bisection: `keys()` comes out sorted, and the browser build carries no map code for it.
#[derive(Clone, Debug, Default)]
pub struct MemoryStorage {
    entries: Arc<Mutex<Vec<(String, String)>>>,
}

impl MemoryStorage {
    /// An empty storage.
    pub fn new() -> Self {
        Self::default()
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, Vec<(String, String)>> {
        // A panic elsewhere cannot leave the entries half-written: keep using them.
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Where `key` is (`Ok`) or would go (`Err`) among entries sorted by key.
fn find(entries: &[(String, String)], key: &str) -> Result<usize, usize> {
    entries.binary_search_by(|(k, _)| k.as_str().cmp(key))
}

impl Storage for MemoryStorage {
    fn get(&self, key: &str) -> Option<String> {
        let entries = self.entries();
        let i = find(&entries, key).ok()?;
        Some(entries[i].1.clone())
    }
    fn set(&self, key: &str, value: &str) -> Result<(), StorageError> {
        let mut entries = self.entries();
        match find(&entries, key) {
            Ok(i) => entries[i].1 = value.to_owned(),
            Err(i) => entries.insert(i, (key.to_owned(), value.to_owned())),
        }
        Ok(())
    }
    fn remove(&self, key: &str) {
        let mut entries = self.entries();
        if let Ok(i) = find(&entries, key) {
            entries.remove(i);
        }
    }
    fn keys(&self) -> Vec<String> {
        self.entries().iter().map(|(k, _)| k.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_storage_sets_replaces_removes_and_lists_sorted() {
        let m = MemoryStorage::new();
        let shared = m.clone();
        for (k, v) in [("b", "1"), ("a", "2"), ("c", "3"), ("b", "4")] {
            m.set(k, v).unwrap();
        }
        assert_eq!(shared.keys(), ["a", "b", "c"]);
        assert_eq!(shared.get("b").as_deref(), Some("4"));
        m.remove("a");
        m.remove("missing");
        assert_eq!(shared.keys(), ["b", "c"]);
        assert_eq!(shared.get("a"), None);
    }
}
