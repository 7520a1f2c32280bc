//! The client wired to the browser adapters.

use super::cookie::CookieOptions;
use super::environment::BrowserEnvironment;
use super::http::FetchHttp;
use super::navigator::BrowserNavigator;
use super::storage::BrowserStorage;
use crate::client::CognitoAuth;
use crate::protocol::{CognitoConfig, StorageError};

/// [`CognitoAuth`] over the browser: the configured storage, `fetch`, `window.location`
/// and the page's clock and randomness.
pub type BrowserAuth = CognitoAuth<BrowserStorage, FetchHttp, BrowserNavigator, BrowserEnvironment>;

/// Builds the client with the storage the configuration chooses (`cookie` applies to
/// [`StorageKind::Cookie`](crate::protocol::StorageKind::Cookie) only) and the configured HTTP
/// timeout ([`CognitoConfig::http_timeout_ms`]). When that storage is unavailable the client keeps the session in memory, its
/// configuration says [`StorageKind::Memory`](crate::protocol::StorageKind::Memory), and the
/// reason is returned as the second value for the UI to report.
pub fn browser_auth(
    config: CognitoConfig,
    cookie: &CookieOptions,
) -> (BrowserAuth, Option<StorageError>) {
    let (storage, fallback) = BrowserStorage::open(config.storage(), cookie);
    let config = config.with_storage(storage.kind());
    let timeout = std::time::Duration::from_millis(u64::from(config.http_timeout_ms()));
    let auth = CognitoAuth::new(
        config,
        storage,
        FetchHttp::with_timeout(timeout),
        BrowserNavigator,
        BrowserEnvironment,
    );
    (auth, fallback)
}
