//! The storage chosen in the configuration, with a fallback to memory when the browser
//! will not let it be used.

use super::cookie::{CookieOptions, CookieStorage};
use super::web_storage::{Area, WebStorage};
use crate::protocol::{MemoryStorage, Storage, StorageError, StorageKind};

#[derive(Clone, Debug)]
enum Backend {
    Web(WebStorage, StorageKind),
    Cookie(CookieStorage),
    Memory(MemoryStorage),
}

/// `reason`, saying where the session is kept instead.
fn kept_in(reason: StorageError, instead: &str) -> StorageError {
    let why = match reason {
        StorageError::QuotaExceeded => "storage is full".to_owned(),
        StorageError::Unavailable(why) | StorageError::Failed(why) => why,
    };
    StorageError::Unavailable(format!("{why}; the session is kept in {instead} instead"))
}

/// The browser's token storage: `localStorage`, `sessionStorage`, cookies or memory, as
/// [`StorageKind`] chooses. Cloning shares the same underlying storage.
///
/// When the chosen storage cannot be used (disabled by the browser or by a privacy mode,
/// throwing on access, full), [`open`](Self::open) falls back to `sessionStorage` or
/// cookies, else memory (the session then lasts until the page is left), and hands back
/// the reason, so the UI can say so instead of failing.
#[derive(Clone, Debug)]
pub struct BrowserStorage {
    backend: Backend,
}

impl BrowserStorage {
    /// Opens the storage of this kind (`cookie` is used only for [`StorageKind::Cookie`]).
    /// If it is unavailable, falls back to the first that works of `sessionStorage` and
    /// cookies (both survive the trip to the Hosted UI, so signing in still works), else
    /// memory, and returns the reason as the second value: [`StorageError::QuotaExceeded`]
    /// or [`StorageError::Unavailable`] saying what is used instead.
    pub fn open(kind: StorageKind, cookie: &CookieOptions) -> (Self, Option<StorageError>) {
        let reason = match Self::open_exactly(kind, cookie) {
            Ok(storage) => return (storage, None),
            Err(reason) => reason,
        };
        for instead in [StorageKind::Session, StorageKind::Cookie] {
            if instead == kind {
                continue;
            }
            if let Ok(storage) = Self::open_exactly(instead, cookie) {
                let name = match instead {
                    StorageKind::Session => "sessionStorage",
                    _ => "cookies",
                };
                return (storage, Some(kept_in(reason, name)));
            }
        }
        (
            Self::memory(MemoryStorage::new()),
            Some(kept_in(
                reason,
                "memory, which is lost when the page is left (signing in needs storage or cookies)",
            )),
        )
    }

    /// The storage of this kind, or why it cannot be used.
    fn open_exactly(kind: StorageKind, cookie: &CookieOptions) -> Result<Self, StorageError> {
        match kind {
            StorageKind::Local | StorageKind::Session => {
                let area = if kind == StorageKind::Local {
                    Area::Local
                } else {
                    Area::Session
                };
                WebStorage::open(area).map(|web| Self {
                    backend: Backend::Web(web, kind),
                })
            }
            StorageKind::Cookie => CookieStorage::new(cookie).map(Self::cookies),
            // Server sessions: the browser keeps no token at all.
            StorageKind::Memory | StorageKind::Server => Ok(Self::memory(MemoryStorage::new())),
        }
    }

    /// Uses a Web Storage area the caller obtained (`window.localStorage()` or
    /// `window.sessionStorage()`); `kind` is what [`kind`](Self::kind) reports while it is
    /// in use. `None`, or an area that fails a small test write, falls back to memory with
    /// the reason, exactly as [`open`](Self::open) does.
    pub fn from_web_storage(
        kind: StorageKind,
        storage: Option<web_sys::Storage>,
    ) -> (Self, Option<StorageError>) {
        let Some(storage) = storage else {
            return Self::fallback(StorageError::Unavailable(
                "the browser provides no web storage here".into(),
            ));
        };
        match WebStorage::probed(storage) {
            Ok(web) => (
                Self {
                    backend: Backend::Web(web, kind),
                },
                None,
            ),
            Err(e) => Self::fallback(e),
        }
    }

    /// Cookie storage, already opened.
    pub fn cookies(storage: CookieStorage) -> Self {
        Self {
            backend: Backend::Cookie(storage),
        }
    }

    /// Memory storage (cloning a [`MemoryStorage`] shares its map).
    pub fn memory(storage: MemoryStorage) -> Self {
        Self {
            backend: Backend::Memory(storage),
        }
    }

    fn fallback(reason: StorageError) -> (Self, Option<StorageError>) {
        (Self::memory(MemoryStorage::new()), Some(reason))
    }

    /// The storage really in use: [`StorageKind::Memory`] after a fallback.
    pub fn kind(&self) -> StorageKind {
        match &self.backend {
            Backend::Web(_, kind) => *kind,
            Backend::Cookie(_) => StorageKind::Cookie,
            Backend::Memory(_) => StorageKind::Memory,
        }
    }

    fn inner(&self) -> &dyn Storage {
        match &self.backend {
            Backend::Web(web, _) => web,
            Backend::Cookie(cookies) => cookies,
            Backend::Memory(memory) => memory,
        }
    }
}

impl Storage for BrowserStorage {
    fn get(&self, key: &str) -> Option<String> {
        self.inner().get(key)
    }
    fn set(&self, key: &str, value: &str) -> Result<(), StorageError> {
        self.inner().set(key, value)
    }
    fn remove(&self, key: &str) {
        self.inner().remove(key)
    }
    fn keys(&self) -> Vec<String> {
        self.inner().keys()
    }
}
