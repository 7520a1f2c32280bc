//! `localStorage` and `sessionStorage` as a [`Storage`], with the browser's exceptions
//! turned into [`StorageError`]s.

use super::js;
use crate::protocol::{Storage, StorageError};

/// The key written and removed again to check that a storage accepts writes.
pub(crate) const PROBE_KEY: &str = "leptos-cognito-auth.probe";

/// A Web Storage area (`localStorage` or `sessionStorage`).
#[derive(Clone, Debug)]
pub(crate) struct WebStorage {
    storage: web_sys::Storage,
}

impl WebStorage {
    /// Wraps `storage` after checking that a small write, a read and a removal work.
    /// A full storage reports [`StorageError::QuotaExceeded`]; anything else that throws
    /// or reads back wrong reports [`StorageError::Unavailable`].
    pub(crate) fn probed(storage: web_sys::Storage) -> Result<Self, StorageError> {
        let web = Self { storage };
        let written = web.set(PROBE_KEY, "1");
        let read = web.get(PROBE_KEY);
        web.remove(PROBE_KEY);
        match written {
            Err(StorageError::QuotaExceeded) => Err(StorageError::QuotaExceeded),
            Err(e) => Err(StorageError::Unavailable(e.to_string())),
            Ok(()) if read.as_deref() != Some("1") => Err(StorageError::Unavailable(
                "a test value written to the storage did not read back".into(),
            )),
            Ok(()) => Ok(web),
        }
    }
}

impl Storage for WebStorage {
    fn get(&self, key: &str) -> Option<String> {
        self.storage.get_item(key).ok().flatten()
    }

    fn set(&self, key: &str, value: &str) -> Result<(), StorageError> {
        self.storage.set_item(key, value).map_err(|e| {
            if js::is_quota_error(&e) {
                StorageError::QuotaExceeded
            } else {
                StorageError::Failed(js::describe(&e))
            }
        })
    }

    fn remove(&self, key: &str) {
        // Removing cannot fail for a reason the caller could act on.
        let _ = self.storage.remove_item(key);
    }

    fn keys(&self) -> Vec<String> {
        let len = self.storage.length().unwrap_or(0);
        (0..len)
            .filter_map(|i| self.storage.key(i).ok().flatten())
            .collect()
    }
}
