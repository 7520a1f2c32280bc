//! [`CookieSessionStore`]: server sessions kept in the browser, sealed into `HttpOnly`
//! cookies, for hosts with no shared store (AWS Lambda, several Regions).
//!
//! The store holds nothing between requests: the session layer opens a scope around each
//! request ([`scope`]) that hands the store the request's cookies and takes back the
//! cookies to set on the answer. Within it, the store is the one session its cookies
//! carry: `get` opens the cookies, `set`/`replace`/`remove` decide what the answer sets.
//!
//! What the cookies carry is the record as every store gets it (sealed under a key derived
//! from the session id), sealed again under the session secret (the same AES-256-GCM and
//! key rotation as the pending sign-in: the first secret seals, every one opens), so a
//! record no server of this app sealed is refused. The outer seal is applied to the inner
//! one's bytes, not its text, so the cookie is only 29 bytes (before base64) longer than
//! the record. Above [`CHUNK_LEN`] characters the value is cut into numbered cookies
//! (`lca-session-record.0`, `.1`, …, at most [`MAX_CHUNKS`]) and read back whole.

use std::cell::RefCell;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::http::HeaderMap;
use bytes::Bytes;
use cookie::Cookie;
use futures::future::BoxFuture;
use sha2::{Digest, Sha256};

use super::{IndexFields, MemorySessionStore, SessionStore, StoreError};
use crate::protocol::encoding::{base64url, base64url_decode};
use crate::ssr::cache::BoundedCache;
use crate::ssr::session::cookies::{self, Readers};
use crate::ssr::session::seal::Keyring;

/// The longest value of one cookie (characters): with its name and attributes a cookie
/// stays under the 4096 bytes every browser keeps.
pub(crate) const CHUNK_LEN: usize = 3_500;

/// The most cookies one session may take (about 28 KB in all): a record that needs more
/// is refused at sign-in rather than cut short.
pub(crate) const MAX_CHUNKS: usize = 8;

/// The name of the record's cookies, before the chunk number and the `__Host-` prefix.
pub(crate) const RECORD: &str = "lca-session-record";

tokio::task_local! {
    static JAR: RefCell<Jar>;
}

/// What one request's scope knows: the request's record cookies, and what to set.
pub(crate) struct Jar {
    keys: Arc<Keyring>,
    secure: bool,
    /// The store key of the session the request's session cookie names.
    key: Option<String>,
    /// The record as the request's cookies carry it (the inner sealed value), `Some(empty)`
    /// when cookies are there but cannot be opened.
    read: Option<Vec<u8>>,
    /// How many record cookies the request had (to remove those a shorter value leaves).
    chunks_in_request: usize,
    /// What the answer sets: a new value and its lifetime, or the removal of the cookies.
    write: Option<Option<(Vec<u8>, Duration)>>,
}

impl Jar {
    /// The scope of a request whose session cookie makes the store key `key`: its record
    /// cookies read and opened with `keys`.
    pub(crate) fn of_request(
        headers: &HeaderMap,
        key: Option<String>,
        keys: Arc<Keyring>,
        secure: bool,
    ) -> Self {
        let mut chunks = Vec::new();
        let mut present = 0;
        let request: Vec<Cookie<'static>> = cookies::request_cookies(headers).collect();
        for i in 0..MAX_CHUNKS {
            let name = chunk_name(i, secure);
            match request.iter().find(|c| c.name() == name) {
                Some(cookie) => {
                    present = i + 1;
                    chunks.push(cookie.value_trimmed().to_owned());
                }
                None => break,
            }
        }
        let read = (!chunks.is_empty()).then(|| {
            keys.open(&chunks.concat())
                .map(|inner| base64url(&inner).into_bytes())
                // Present but not ours, tampered or cut: no session (and cleaned up).
                .unwrap_or_default()
        });
        Self {
            keys,
            secure,
            key,
            read,
            chunks_in_request: present,
            write: None,
        }
    }

    /// The record the store holds for `key` in this request, as last written.
    fn current(&self, key: &str) -> Option<Vec<u8>> {
        if self.key.as_deref() != Some(key) {
            return None;
        }
        match &self.write {
            Some(Some((value, _))) => Some(value.clone()),
            Some(None) => None,
            None => self.read.clone(),
        }
    }

    /// The cookies the answer sets: the new value in chunks (and the removal of the
    /// request's surplus chunks), or the removal of every record cookie; cookies the
    /// request had without a session cookie to go with them are removed too.
    fn cookies(&self) -> Result<Vec<Cookie<'static>>, StoreError> {
        let removals = |from: usize| {
            (from..self.chunks_in_request)
                .map(|i| cookies::removal(chunk_name(i, self.secure), self.secure, Readers::Server))
                .collect::<Vec<_>>()
        };
        Ok(match &self.write {
            Some(Some((value, ttl))) => {
                let sealed = self.seal(value)?;
                let max_age = i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX);
                let parts = split(&sealed);
                let mut set: Vec<Cookie<'static>> = parts
                    .iter()
                    .enumerate()
                    .map(|(i, part)| {
                        cookies::build(
                            chunk_name(i, self.secure),
                            (*part).to_owned(),
                            self.secure,
                            Readers::Server,
                            Some(max_age),
                        )
                    })
                    .collect();
                set.extend(removals(parts.len()));
                set
            }
            Some(None) => removals(0),
            None if self.key.is_none() => removals(0),
            None => Vec::new(),
        })
    }

    /// The inner sealed record (base64url text) sealed under the secret, checked to fit.
    fn seal(&self, value: &[u8]) -> Result<String, StoreError> {
        let inner = std::str::from_utf8(value)
            .ok()
            .and_then(base64url_decode)
            .ok_or_else(|| StoreError::Failed("a session record that is not sealed".into()))?;
        let sealed = self.keys.seal(&inner);
        if sealed.len() > CHUNK_LEN * MAX_CHUNKS {
            return Err(StoreError::Failed(format!(
                "the session takes {} bytes sealed, more than {MAX_CHUNKS} cookies of \
                 {CHUNK_LEN} hold: ask for fewer scopes or claims, or use another store",
                sealed.len()
            )));
        }
        Ok(sealed)
    }
}

/// The name of record cookie `i`.
fn chunk_name(i: usize, secure: bool) -> String {
    cookies::name(&format!("{RECORD}.{i}"), secure)
}

/// `value` cut into pieces of at most [`CHUNK_LEN`] characters (base64url: one byte each).
fn split(value: &str) -> Vec<&str> {
    value
        .as_bytes()
        .chunks(CHUNK_LEN)
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect()
}

/// Runs `work` (a request's routes, session and app) in `jar`'s scope, and answers its
/// output with the cookies to set on the answer.
///
/// # Errors
/// [`StoreError::Failed`] when the session written does not fit in cookies.
pub(crate) async fn scope<F: Future>(
    jar: Jar,
    work: F,
) -> (F::Output, Result<Vec<Cookie<'static>>, StoreError>) {
    JAR.scope(RefCell::new(jar), async move {
        let output = work.await;
        let set = JAR.with(|jar| jar.borrow().cookies());
        (output, set)
    })
    .await
}

/// The request's scope, or the error of a store used outside one.
fn with_jar<T>(f: impl FnOnce(&mut Jar) -> T) -> Result<T, StoreError> {
    JAR.try_with(|jar| f(&mut jar.borrow_mut())).map_err(|_| {
        StoreError::Failed(
            "the cookie store was used outside a request of the session layer".into(),
        )
    })
}

/// The SHA-256 of a stored value: what the store remembers of a replaced record.
fn digest(value: &[u8]) -> [u8; 32] {
    Sha256::digest(value).into()
}

/// A record this process replaced: the hash of the value it replaced, the new value and
/// its lifetime.
#[derive(Debug)]
struct Replaced {
    was: [u8; 32],
    value: Vec<u8>,
    ttl: Duration,
}

/// Server sessions sealed into the browser's `HttpOnly` cookies: no store to run or
/// share, so any number of instances (Lambda, several Regions) serve a session with the
/// same session secret. See the kit's README for what it cannot do that a shared store
/// can (reach other browsers when signing out everywhere, list other devices, share one
/// refresh between instances).
///
/// What it keeps in memory: the refresh locks of this process, and for a short while the
/// record a refresh replaced (by its hash), so that concurrent requests of one browser
/// carrying the old cookie share the refresh instead of repeating it.
#[derive(Clone)]
pub struct CookieSessionStore {
    locks: MemorySessionStore,
    replaced: Arc<BoundedCache<String, Replaced>>,
}

impl std::fmt::Debug for CookieSessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CookieSessionStore").finish_non_exhaustive()
    }
}

impl Default for CookieSessionStore {
    fn default() -> Self {
        Self::new()
    }
}

impl CookieSessionStore {
    /// At most this many replaced records are remembered (about 5 KB each).
    const REPLACED_CAPACITY: usize = 1_024;

    /// A cookie store. Its sessions are sealed with the session secret
    /// ([`secret`](crate::ssr::SessionBuilder::secret)), which every instance serving the
    /// app must share, and which is therefore required.
    pub fn new() -> Self {
        Self {
            locks: MemorySessionStore::new(),
            replaced: Arc::new(BoundedCache::new(Self::REPLACED_CAPACITY)),
        }
    }
}

impl SessionStore for CookieSessionStore {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Bytes>, StoreError>> {
        Box::pin(async move {
            let current = with_jar(|jar| jar.current(key))?;
            // A record this process replaced since the browser's cookie was sent (another
            // request of the same browser refreshed it): the newer one, set on this
            // answer too.
            if let Some(value) = &current {
                if let Some(newer) = self.replaced.get(key).filter(|r| r.was == digest(value)) {
                    with_jar(|jar| jar.write = Some(Some((newer.value.clone(), newer.ttl))))?;
                    return Ok(Some(Bytes::from(newer.value.clone())));
                }
            }
            Ok(current.map(Bytes::from))
        })
    }

    fn set<'a>(
        &'a self,
        key: &'a str,
        value: Bytes,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            with_jar(|jar| {
                jar.key = Some(key.to_owned());
                jar.write = Some(Some((value.to_vec(), ttl)));
            })
        })
    }

    fn replace<'a>(
        &'a self,
        key: &'a str,
        current: &'a [u8],
        value: Bytes,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let replaced = with_jar(|jar| {
                if jar.current(key).as_deref() != Some(current) {
                    return false;
                }
                jar.write = Some(Some((value.to_vec(), ttl)));
                true
            })?;
            if replaced {
                let replaced = Replaced {
                    was: digest(current),
                    value: value.to_vec(),
                    ttl,
                };
                self.replaced.insert(key.to_owned(), Arc::new(replaced));
            }
            Ok(replaced)
        })
    }

    fn remove<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            self.replaced.remove(key);
            with_jar(|jar| {
                if jar.key.as_deref() == Some(key) {
                    jar.write = Some(None);
                }
            })
            // An index key, or another session's: nothing of it is here.
        })
    }

    fn try_lock<'a>(
        &'a self,
        key: &'a str,
        owner: &'a str,
        lease: Duration,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        self.locks.try_lock(key, owner, lease)
    }

    fn unlock<'a>(&'a self, key: &'a str, owner: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        self.locks.unlock(key, owner)
    }

    /// No index: the cookies of other browsers are out of reach. The session layer lists
    /// the request's own session instead.
    fn index_put<'a>(
        &'a self,
        _key: &'a str,
        _field: &'a str,
        _value: &'a [u8],
        _ttl: Duration,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async { Ok(()) })
    }

    fn index_all<'a>(&'a self, _key: &'a str) -> BoxFuture<'a, Result<IndexFields, StoreError>> {
        Box::pin(async { Ok(Vec::new()) })
    }

    fn index_remove<'a>(
        &'a self,
        _key: &'a str,
        _field: &'a str,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async { Ok(()) })
    }

    fn in_cookies(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use axum::http::header::COOKIE;
    use axum::http::HeaderValue;

    use super::*;
    use crate::ssr::session::seal::Purpose;

    const OLD: &str = "the old secret, of at least thirty-two characters";
    const NEW: &str = "the new secret, of at least thirty-two characters";

    fn keys(secrets: &[&str]) -> Arc<Keyring> {
        Arc::new(Keyring::new(secrets, Purpose::SessionCookie))
    }

    /// A record as the session layer stores it: sealed, as base64url text.
    fn inner(len: usize) -> Vec<u8> {
        let bytes: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
        base64url(&bytes).into_bytes()
    }

    /// The request headers of a browser holding `set` (what an answer set).
    fn request_with(set: &[Cookie<'static>]) -> HeaderMap {
        let pairs: Vec<String> = set
            .iter()
            .filter(|c| !c.value().is_empty())
            .map(|c| format!("{}={}", c.name(), c.value()))
            .collect();
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, HeaderValue::from_str(&pairs.join("; ")).unwrap());
        headers
    }

    fn written(keys: &Arc<Keyring>, value: &[u8]) -> Vec<Cookie<'static>> {
        let mut jar = Jar::of_request(&HeaderMap::new(), Some("k".into()), keys.clone(), true);
        jar.write = Some(Some((value.to_vec(), Duration::from_secs(60))));
        jar.cookies().unwrap()
    }

    #[test]
    fn a_large_session_is_chunked_and_read_back_whole() {
        let keys = keys(&[NEW]);
        let value = inner(9_000);
        let set = written(&keys, &value);
        assert_eq!(set.len(), 4, "12 KB of base64 in cookies of 3500");
        for (i, cookie) in set.iter().enumerate() {
            assert_eq!(cookie.name(), format!("__Host-{RECORD}.{i}"));
            assert!(cookie.value().len() <= CHUNK_LEN);
            assert_eq!(cookie.http_only(), Some(true));
            assert_eq!(cookie.secure(), Some(true));
        }
        let read = Jar::of_request(&request_with(&set), Some("k".into()), keys.clone(), true);
        assert_eq!(read.current("k"), Some(value.clone()));
        assert_eq!(read.current("another key"), None);
        // A smaller value written over it removes the chunks it no longer needs.
        let mut smaller = read;
        smaller.write = Some(Some((inner(100), Duration::from_secs(60))));
        let set = smaller.cookies().unwrap();
        assert_eq!(set.len(), 4);
        assert!(!set[0].value().is_empty());
        assert!(set[1..]
            .iter()
            .all(|c| c.value().is_empty() && c.max_age() == Some(cookie::time::Duration::ZERO)));
    }

    #[test]
    fn a_tampered_missing_or_foreign_chunk_is_no_session_and_is_removed() {
        let keys = keys(&[NEW]);
        let set = written(&keys, &inner(9_000));
        let mut tampered = set.clone();
        let mut value = tampered[1].value().to_owned().into_bytes();
        value[100] = if value[100] == b'A' { b'B' } else { b'A' };
        tampered[1].set_value(String::from_utf8(value).unwrap());
        let mut missing = set.clone();
        missing.remove(3);
        // Chunks in the wrong order.
        let mut swapped = set.clone();
        let first = swapped[0].value().to_owned();
        let second = swapped[1].value().to_owned();
        swapped[0].set_value(second);
        swapped[1].set_value(first);
        let foreign = written(&self::keys(&[OLD]), &inner(9_000));
        for (what, cookies) in [
            ("tampered", tampered),
            ("missing", missing),
            ("swapped", swapped),
            ("another app's secret", foreign),
        ] {
            let mut jar = Jar::of_request(
                &request_with(&cookies),
                Some("k".into()),
                keys.clone(),
                true,
            );
            // Present but unreadable: the session layer discards it (a remove).
            assert!(jar.current("k") == Some(Vec::new()), "{what}");
            jar.write = Some(None);
            let set = jar.cookies().unwrap();
            assert!(
                !set.is_empty() && set.iter().all(|c| c.value().is_empty()),
                "{what}"
            );
        }
        // Record cookies without a session cookie are removed as they come.
        let orphan = Jar::of_request(&request_with(&set), None, keys, true);
        assert_eq!(orphan.cookies().unwrap().len(), set.len());
    }

    #[test]
    fn a_rotated_secret_still_opens_and_new_cookies_use_the_new_one() {
        let value = inner(2_000);
        let before = written(&keys(&[OLD]), &value);
        let rotated = keys(&[NEW, OLD]);
        let read = Jar::of_request(
            &request_with(&before),
            Some("k".into()),
            rotated.clone(),
            true,
        );
        assert_eq!(read.current("k"), Some(value.clone()));
        let after = written(&rotated, &value);
        // Only the new secret opens what is sealed now.
        let with_new = Jar::of_request(&request_with(&after), Some("k".into()), keys(&[NEW]), true);
        assert_eq!(with_new.current("k"), Some(value));
        let with_old = Jar::of_request(&request_with(&after), Some("k".into()), keys(&[OLD]), true);
        assert!(with_old.current("k") == Some(Vec::new()));
    }

    #[test]
    fn a_session_too_large_for_cookies_is_an_error_not_a_cut() {
        let mut jar = Jar::of_request(&HeaderMap::new(), Some("k".into()), keys(&[NEW]), false);
        jar.write = Some(Some((
            inner(CHUNK_LEN * MAX_CHUNKS),
            Duration::from_secs(60),
        )));
        let error = jar.cookies().unwrap_err();
        assert!(error.to_string().contains("cookies"), "{error}");
        // Plain http on a loopback host: no `__Host-` prefix.
        jar.write = Some(Some((inner(10), Duration::from_secs(60))));
        assert_eq!(jar.cookies().unwrap()[0].name(), format!("{RECORD}.0"));
    }

    #[tokio::test]
    async fn the_store_is_the_request_s_session_and_nothing_outside_a_request() {
        let store = CookieSessionStore::new();
        let ttl = Duration::from_secs(60);
        assert!(store.get("k").await.is_err(), "outside a request");
        let keys = keys(&[NEW]);
        let jar = Jar::of_request(&HeaderMap::new(), None, keys.clone(), false);
        let (first, set) = scope(jar, async {
            assert_eq!(store.get("k").await.unwrap(), None);
            store.set("k", inner(50).into(), ttl).await.unwrap();
            assert_eq!(
                store.get("k").await.unwrap().as_deref(),
                Some(&inner(50)[..])
            );
            // Another session's key is not here.
            assert_eq!(store.get("other").await.unwrap(), None);
            store.get("k").await.unwrap()
        })
        .await;
        let set = set.unwrap();
        // The next request of the browser: a compare-and-set against what it carries.
        let headers = request_with(&set);
        let jar = Jar::of_request(&headers, Some("k".into()), keys.clone(), false);
        let first = first.unwrap();
        let (_, set) = scope(jar, async {
            assert!(!store
                .replace("k", b"stale", inner(60).into(), ttl)
                .await
                .unwrap());
            assert!(store
                .replace("k", &first, inner(60).into(), ttl)
                .await
                .unwrap());
        })
        .await;
        assert_eq!(set.unwrap().len(), 1);
        // A concurrent request of the same browser with the old cookie sees the new record
        // (no second refresh), and sets it too.
        let jar = Jar::of_request(&headers, Some("k".into()), keys.clone(), false);
        let (newer, set) = scope(jar, async { store.get("k").await.unwrap() }).await;
        assert_eq!(newer.as_deref(), Some(&inner(60)[..]));
        assert_eq!(set.unwrap().len(), 1);
        // Removed: the cookies go.
        let jar = Jar::of_request(&headers, Some("k".into()), keys, false);
        let (_, set) = scope(jar, async { store.remove("k").await.unwrap() }).await;
        assert!(set.unwrap().iter().all(|c| c.value().is_empty()));
    }
}
