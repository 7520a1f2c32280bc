//! The JWKS cache: one fetch on a cold start however many requests arrive at once, one
//! rate-limited refetch on an unknown `kid`, and failures that are reported, never kept as
//! keys, and retried after a pause that grows while they last.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use super::error::VerifyError;
use super::fetch::JwksFetcher;
use super::keys::{parse_jwks, KeySet, VerifyingKey};
use crate::protocol::doubling_backoff;

/// The default quiet period after a refetch for an unknown `kid` that did not find it:
/// during it, unknown `kid`s are refused without fetching.
pub const DEFAULT_JWKS_REFETCH_INTERVAL: Duration = Duration::from_secs(30);

/// The pause after the first failed fetch of a cache that holds no keys yet; it doubles
/// with each failure in a row, up to the refetch interval. A pool's issuer in the format
/// it does not use answers 403 for ever, and a token naming it costs nothing to forge (the
/// issuer is read before the signature): without a pause, every such request would make
/// the server fetch again.
const FIRST_RETRY_AFTER: Duration = Duration::from_secs(1);

/// Counters describing the cache's work, for logs and tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JwksStats {
    /// Fetches completed (successful or not).
    pub fetches: u64,
    /// Fetches that failed (transport error or unusable document).
    pub failures: u64,
    /// Keys currently cached.
    pub keys: usize,
}

pub(crate) struct JwksCache {
    url: String,
    fetcher: Arc<dyn JwksFetcher>,
    refetch_interval: Duration,
    keys: RwLock<Option<Arc<KeySet>>>,
    /// Completed fetch attempts; a waiter that sees it move knows someone fetched for it.
    attempts: AtomicU64,
    failures: AtomicU64,
    /// Held while fetching: concurrent misses queue here instead of fetching again.
    fetch: tokio::sync::Mutex<FetchState>,
}

#[derive(Default)]
struct FetchState {
    /// Until when a missing key causes no fetch: set when a fetch failed, or found keys
    /// without the `kid` asked for.
    quiet_until: Option<Instant>,
    last_error: Option<VerifyError>,
    /// Fetches failed in a row (0 after one that succeeded).
    failed_in_a_row: u32,
}

impl JwksCache {
    pub fn new(url: String, fetcher: Arc<dyn JwksFetcher>, refetch_interval: Duration) -> Self {
        Self {
            url,
            fetcher,
            refetch_interval,
            keys: RwLock::new(None),
            attempts: AtomicU64::new(0),
            failures: AtomicU64::new(0),
            fetch: tokio::sync::Mutex::new(FetchState::default()),
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn refetch_interval(&self) -> Duration {
        self.refetch_interval
    }

    fn snapshot(&self) -> Option<Arc<KeySet>> {
        self.keys
            .read()
            .map(|k| k.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }

    fn store(&self, keys: KeySet) {
        let mut slot = self.keys.write().unwrap_or_else(|p| p.into_inner());
        *slot = Some(Arc::new(keys));
    }

    pub fn stats(&self) -> JwksStats {
        JwksStats {
            fetches: self.attempts.load(Ordering::Acquire),
            failures: self.failures.load(Ordering::Acquire),
            keys: self.snapshot().map_or(0, |k| k.len()),
        }
    }

    /// Replaces the cached keys with a JWKS document's (no fetch).
    pub fn hydrate(&self, body: &[u8]) -> Result<(), VerifyError> {
        self.store(parse_jwks(body).map_err(VerifyError::JwksUnavailable)?);
        Ok(())
    }

    /// The cached key only: `None` if it would take a fetch.
    pub fn cached(&self, kid: &str) -> Option<Arc<VerifyingKey>> {
        self.snapshot()?.get(kid)
    }

    /// The key for `kid`, fetching the JWKS on a cold cache or an unknown `kid`.
    pub async fn key(&self, kid: &str) -> Result<Arc<VerifyingKey>, VerifyError> {
        let seen = self.attempts.load(Ordering::Acquire);
        if let Some(key) = self.cached(kid) {
            return Ok(key);
        }
        let mut state = self.fetch.lock().await;
        if self.attempts.load(Ordering::Acquire) != seen {
            // Someone fetched while this request waited: use that result.
            if let Some(key) = self.cached(kid) {
                return Ok(key);
            }
            return Err(state.last_error.clone().unwrap_or(VerifyError::UnknownKid));
        }
        let warm = self.snapshot().is_some();
        if state
            .quiet_until
            .is_some_and(|until| Instant::now() < until)
        {
            return Err(match (warm, &state.last_error) {
                (false, Some(error)) => error.clone(),
                _ => VerifyError::UnknownKid,
            });
        }
        let fetched = self.fetch_locked(&mut state).await;
        let key = match &fetched {
            Ok(()) => self.cached(kid).ok_or(VerifyError::UnknownKid),
            Err(error) => Err(error.clone()),
        };
        // A fetch that did not help: the next ones wait.
        state.quiet_until = match (&fetched, &key) {
            (_, Ok(_)) => None,
            // Keys without this kid (made up, or not published yet).
            (Ok(()), Err(_)) => Some(Instant::now() + self.refetch_interval),
            // A refetch that failed while keys are cached: as above.
            (Err(_), Err(_)) if warm => Some(Instant::now() + self.refetch_interval),
            // No keys yet: soon again at first (a cold start during a short outage), then
            // less and less often.
            (Err(_), Err(_)) => Some(Instant::now() + self.retry_after(state.failed_in_a_row)),
        };
        key
    }

    /// The pause after `failed` failed fetches in a row of a cache with no keys.
    fn retry_after(&self, failed: u32) -> Duration {
        let millis = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(doubling_backoff(
            failed,
            millis(FIRST_RETRY_AFTER),
            millis(self.refetch_interval),
        ))
    }

    /// Fetches now, whatever the cache holds and whatever pause is under way (to warm it at
    /// startup); one that succeeds ends the pause.
    pub async fn refresh(&self) -> Result<(), VerifyError> {
        let mut state = self.fetch.lock().await;
        let fetched = self.fetch_locked(&mut state).await;
        if fetched.is_ok() {
            state.quiet_until = None;
        }
        fetched
    }

    /// One fetch, with the fetch lock held. A failure leaves the cached keys as they were.
    async fn fetch_locked(&self, state: &mut FetchState) -> Result<(), VerifyError> {
        let result = match self.fetcher.fetch(self.url.clone()).await {
            Ok(body) => parse_jwks(&body).map_err(VerifyError::JwksUnavailable),
            Err(e) => Err(VerifyError::JwksUnavailable(e.0)),
        };
        self.attempts.fetch_add(1, Ordering::AcqRel);
        match result {
            Ok(keys) => {
                self.store(keys);
                state.last_error = None;
                state.failed_in_a_row = 0;
                Ok(())
            }
            Err(err) => {
                self.failures.fetch_add(1, Ordering::AcqRel);
                state.last_error = Some(err.clone());
                state.failed_in_a_row = state.failed_in_a_row.saturating_add(1);
                Err(err)
            }
        }
    }
}
