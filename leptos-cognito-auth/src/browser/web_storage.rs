//! `localStorage` and `sessionStorage` as a [`Storage`], through gloo-storage, with what the
//! browser throws turned into [`StorageError`]s.
//!
//! Values go through gloo-storage's raw access (`Storage::raw()`: the area itself), not its
//! typed `get`/`set`. Those keep every value as JSON, so a token would be stored with quotes
//! around it, while the original SDK's layout needs its entries as the exact strings
//! `amazon-cognito-auth-js` wrote: a session it cached must read as it is, and it must be
//! able to read ours. The kit's own records are JSON already, encoded by their codec before
//! they get here (`protocol::storage::codec`).

use gloo_storage::errors::StorageError as GlooStorageError;
use gloo_storage::{LocalStorage, SessionStorage, Storage as _};
use gloo_utils::errors::JsError;
use wasm_bindgen::JsCast as _;

use super::js;
use crate::protocol::{Storage, StorageError};

/// The key written and removed again to check that a storage accepts writes.
pub(crate) const PROBE_KEY: &str = "leptos-cognito-auth.probe";

/// A Web Storage area.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Area {
    /// `localStorage`.
    Local,
    /// `sessionStorage`.
    Session,
}

impl Area {
    fn name(self) -> &'static str {
        match self {
            Self::Local => "localStorage",
            Self::Session => "sessionStorage",
        }
    }

    /// The area from gloo-storage (`LocalStorage::raw()`, `SessionStorage::raw()`), or why
    /// the browser will not let the page use it. gloo-storage's `raw()` cannot say why: it
    /// throws (a JavaScript exception, which would stop the page's Rust code halfway), so
    /// the browser is asked first in the way that reports it.
    pub(crate) fn raw(self) -> Result<web_sys::Storage, StorageError> {
        let window = web_sys::window().ok_or_else(|| {
            StorageError::Unavailable("web storage cannot be used: there is no window".into())
        })?;
        let area = match self {
            Self::Local => window.local_storage(),
            Self::Session => window.session_storage(),
        };
        let name = self.name();
        match area {
            Ok(Some(_)) => Ok(match self {
                Self::Local => LocalStorage::raw(),
                Self::Session => SessionStorage::raw(),
            }),
            Ok(None) => Err(StorageError::Unavailable(format!(
                "the browser provides no {name} here"
            ))),
            Err(e) => Err(StorageError::Unavailable(format!(
                "{name} cannot be used: {}",
                js::describe(&e)
            ))),
        }
    }
}

/// A Web Storage area (`localStorage` or `sessionStorage`).
#[derive(Clone, Debug)]
pub(crate) struct WebStorage {
    storage: web_sys::Storage,
}

impl WebStorage {
    /// The browser's `area` from gloo-storage, [probed](Self::probed), or why it cannot be
    /// used.
    pub(crate) fn open(area: Area) -> Result<Self, StorageError> {
        Self::probed(area.raw()?)
    }

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

/// gloo-storage's error as the kit's: the browser's "storage is full" (`QuotaExceededError`;
/// Firefox used `NS_ERROR_DOM_QUOTA_REACHED`) is [`StorageError::QuotaExceeded`].
fn from_gloo(error: GlooStorageError) -> StorageError {
    match error {
        GlooStorageError::JsError(thrown)
            if matches!(
                thrown.name.as_str(),
                "QuotaExceededError" | "NS_ERROR_DOM_QUOTA_REACHED"
            ) =>
        {
            StorageError::QuotaExceeded
        }
        // Written out rather than `to_string()`: gloo's `Display` covers its serde_json
        // variant too, whose messages the browser build need not hold (raw access throws
        // only JavaScript errors).
        GlooStorageError::JsError(thrown) => {
            StorageError::Failed(format!("{}: {}", thrown.name, thrown.message))
        }
        GlooStorageError::KeyNotFound(key) => StorageError::Failed(format!("no entry `{key}`")),
        GlooStorageError::SerdeError(_) => {
            StorageError::Failed("the stored value is not of the expected shape".into())
        }
    }
}

impl Storage for WebStorage {
    fn get(&self, key: &str) -> Option<String> {
        self.storage.get_item(key).ok().flatten()
    }

    fn set(&self, key: &str, value: &str) -> Result<(), StorageError> {
        self.storage.set_item(key, value).map_err(|thrown| {
            match thrown.dyn_into::<js_sys::Error>() {
                Ok(error) => from_gloo(GlooStorageError::JsError(JsError::from(error))),
                // Browsers throw `DOMException`s (which are `Error`s) here; anything else is
                // described as it is.
                Err(other) => StorageError::Failed(js::describe(&other)),
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
