//! Token storage: the key layout of the original SDK (so a session cached by
//! `amazon-cognito-auth-js` is read as is), a storage trait, and an in-memory storage.

use std::rc::Rc;
use std::sync::{Arc, Mutex};

use super::authorize::PendingSignIn;
use super::secret::Secret;
use super::session::CognitoSession;

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

/// The storage keys of one app client, as the original SDK laid them out:
/// `CognitoIdentityServiceProvider.<clientId>.LastAuthUser`,
/// `CognitoIdentityServiceProvider.<clientId>.<username>.idToken`, and so on.
///
/// ```
/// use leptos_cognito_auth::protocol::StorageKeys;
/// let keys = StorageKeys::new("abc");
/// assert_eq!(keys.last_auth_user(), "CognitoIdentityServiceProvider.abc.LastAuthUser");
/// assert_eq!(keys.id_token("alice"), "CognitoIdentityServiceProvider.abc.alice.idToken");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StorageKeys {
    prefix: String,
}

impl StorageKeys {
    /// The keys of app client `client_id`.
    pub fn new(client_id: &str) -> Self {
        Self {
            prefix: format!("CognitoIdentityServiceProvider.{client_id}"),
        }
    }
    /// `<prefix>`: every key of this client starts with it and a dot.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }
    /// `<prefix>.LastAuthUser`: the signed-in user's name.
    pub fn last_auth_user(&self) -> String {
        format!("{}.LastAuthUser", self.prefix)
    }
    /// `<prefix>.<username>.idToken`.
    pub fn id_token(&self, username: &str) -> String {
        format!("{}.{username}.idToken", self.prefix)
    }
    /// `<prefix>.<username>.accessToken`.
    pub fn access_token(&self, username: &str) -> String {
        format!("{}.{username}.accessToken", self.prefix)
    }
    /// `<prefix>.<username>.refreshToken`.
    pub fn refresh_token(&self, username: &str) -> String {
        format!("{}.{username}.refreshToken", self.prefix)
    }
    /// `<prefix>.<username>.tokenScopesString`.
    pub fn token_scopes(&self, username: &str) -> String {
        format!("{}.{username}.tokenScopesString", self.prefix)
    }
    /// `<prefix>.<username>.clockDrift`: seconds this device's clock was ahead of
    /// Cognito's when the tokens came (the key `amazon-cognito-identity-js` uses).
    pub fn clock_drift(&self, username: &str) -> String {
        format!("{}.{username}.clockDrift", self.prefix)
    }
    /// `<prefix>.pendingSignIn.<state>`: this kit's record of a sign-in started with
    /// `state` (nonce, PKCE verifier, return path), removed by the callback that consumes
    /// it. One key per sign-in, so sign-ins started in two tabs at once do not overwrite
    /// each other.
    pub fn pending_sign_in(&self, state: &str) -> String {
        format!("{}.{state}", self.pending_sign_in_prefix())
    }
    /// `<prefix>.pendingSignIn`: what every pending sign-in key starts with (and the single
    /// key that earlier versions of this kit used).
    pub fn pending_sign_in_prefix(&self) -> String {
        format!("{}.pendingSignIn", self.prefix)
    }
    fn user_keys(&self, username: &str) -> [String; 5] {
        [
            self.id_token(username),
            self.access_token(username),
            self.refresh_token(username),
            self.token_scopes(username),
            self.clock_drift(username),
        ]
    }
}

/// A stored clock drift beyond a week is not a clock that is off but a broken entry.
const MAX_CLOCK_DRIFT_SECS: u64 = 7 * 24 * 3600;

/// At most this many sign-ins may be pending at once (per app client): enough for a few
/// tabs that start one together, few enough to stay small in cookies.
pub const MAX_PENDING_SIGN_INS: usize = 3;

/// Whether `state` can be a key suffix: what this kit sends (at least 128 bits in
/// base64url) and nothing else, so that a forged callback cannot make the store look up
/// some other key, and a user named `pendingSignIn` (whose keys would be
/// `<prefix>.pendingSignIn.idToken` and so on) is never taken for a pending sign-in.
fn is_state_token(state: &str) -> bool {
    (22..=128).contains(&state.len())
        && state
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Reads and writes sessions and pending sign-ins in a [`Storage`] with the original
/// SDK's layout. Entries that cannot be read (corrupted by hand, half-written, from
/// another user) count as no session and are removed.
#[derive(Clone, Debug)]
pub struct SessionStore<S> {
    storage: S,
    keys: StorageKeys,
}

impl<S: Storage> SessionStore<S> {
    /// A store for app client `client_id` over `storage`.
    pub fn new(storage: S, client_id: &str) -> Self {
        Self {
            storage,
            keys: StorageKeys::new(client_id),
        }
    }

    /// The underlying storage.
    pub fn storage(&self) -> &S {
        &self.storage
    }

    /// The keys used.
    pub fn keys(&self) -> &StorageKeys {
        &self.keys
    }

    /// The cached session, if a complete and readable one is stored (expired or not).
    /// A corrupted one is removed and reads as `None`.
    ///
    /// A pending sign-in record that cannot be read, and a clock drift that is not a
    /// number, are removed too (the session itself stays).
    pub fn load(&self) -> Option<CognitoSession> {
        self.prune_pending(None);
        let user = self.storage.get(&self.keys.last_auth_user())?;
        if user.is_empty() {
            self.clear();
            return None;
        }
        let session = self.read_user(&user);
        if session.is_none() {
            self.clear();
        }
        session
    }

    fn read_user(&self, user: &str) -> Option<CognitoSession> {
        let access = self.storage.get(&self.keys.access_token(user))?;
        let id = self
            .storage
            .get(&self.keys.id_token(user))
            .filter(|t| !t.is_empty());
        let refresh = self
            .storage
            .get(&self.keys.refresh_token(user))
            .map(Secret::new);
        let scopes = self
            .storage
            .get(&self.keys.token_scopes(user))
            .unwrap_or_default();
        if id.is_none() && scopes.split_whitespace().any(|s| s == "openid") {
            return None;
        }
        // A missing or unreadable drift (an older layout, a hand edit) counts as none.
        let drift_key = self.keys.clock_drift(user);
        let drift = match self.storage.get(&drift_key) {
            None => 0,
            Some(raw) => match raw.parse::<i64>() {
                Ok(d) if d.unsigned_abs() <= MAX_CLOCK_DRIFT_SECS => d,
                _ => {
                    self.storage.remove(&drift_key);
                    0
                }
            },
        };
        let session = CognitoSession::from_tokens(id.as_deref(), &access, refresh, scopes)
            .ok()?
            .with_clock_drift(drift);
        // The tokens must be the user's the keys say they are.
        (session.username() == Some(user)).then_some(session)
    }

    /// Stores a session under its user. A different previous user's tokens are removed
    /// first, so one user's refresh token is never kept under the next user (a defect of
    /// the original SDK). `LastAuthUser` is written last.
    pub fn save(&self, session: &CognitoSession) -> Result<(), StorageError> {
        let user = session
            .username()
            .ok_or_else(|| StorageError::Failed("the access token has no username".into()))?;
        if let Some(previous) = self.storage.get(&self.keys.last_auth_user()) {
            if previous != user {
                self.clear();
            }
        }
        let write = || -> Result<(), StorageError> {
            match session.id_token() {
                Some(id) => self
                    .storage
                    .set(&self.keys.id_token(user), id.jwt_token())?,
                None => self.storage.remove(&self.keys.id_token(user)),
            }
            self.storage.set(
                &self.keys.access_token(user),
                session.access_token().jwt_token(),
            )?;
            match session.refresh_token() {
                Some(r) => self
                    .storage
                    .set(&self.keys.refresh_token(user), r.expose())?,
                None => self.storage.remove(&self.keys.refresh_token(user)),
            }
            self.storage
                .set(&self.keys.token_scopes(user), session.scopes_string())?;
            match session.clock_drift() {
                0 => self.storage.remove(&self.keys.clock_drift(user)),
                drift => self
                    .storage
                    .set(&self.keys.clock_drift(user), &drift.to_string())?,
            }
            self.storage.set(&self.keys.last_auth_user(), user)
        };
        write()
    }

    /// Removes the session and any pending sign-in: every key of this client, including
    /// keys of other users left behind (the original `CookieStorage.clear()` removed
    /// nothing).
    pub fn clear(&self) {
        if let Some(user) = self.storage.get(&self.keys.last_auth_user()) {
            for key in self.keys.user_keys(&user) {
                self.storage.remove(&key);
            }
        }
        let dotted = format!("{}.", self.keys.prefix());
        for key in self.storage.keys() {
            if key.starts_with(&dotted) {
                self.storage.remove(&key);
            }
        }
    }

    /// Stores the record of a started sign-in, next to the ones other tabs may have
    /// started. Records that are unreadable or have expired by `pending.created_at` are
    /// removed first, then the oldest beyond [`MAX_PENDING_SIGN_INS`] (this one
    /// included).
    pub fn save_pending(&self, pending: &PendingSignIn) -> Result<(), StorageError> {
        if !is_state_token(&pending.state) {
            return Err(StorageError::Failed(
                "a pending sign-in's state must be base64url".into(),
            ));
        }
        let mut kept = self.prune_pending(Some(pending.created_at));
        kept.retain(|(_, p)| p.state != pending.state);
        // The oldest go first (found one by one: a sort would add its code to the build).
        while kept.len() >= MAX_PENDING_SIGN_INS {
            let oldest = (0..kept.len())
                .min_by_key(|&i| kept[i].1.created_at)
                .unwrap_or(0);
            let (key, _) = kept.swap_remove(oldest);
            self.storage.remove(&key);
        }
        self.storage.set(
            &self.keys.pending_sign_in(&pending.state),
            &pending.to_json(),
        )
    }

    /// The sign-in pending with `state`, without removing it. An unreadable record is
    /// removed and reads as `None`.
    pub fn peek_pending(&self, state: &str) -> Option<PendingSignIn> {
        if !is_state_token(state) {
            return None;
        }
        let key = self.keys.pending_sign_in(state);
        let raw = self.storage.get(&key)?;
        let parsed = PendingSignIn::from_json(raw.as_bytes()).filter(|p| p.state == state);
        if parsed.is_none() {
            self.storage.remove(&key);
        }
        parsed
    }

    /// Whether any sign-in is pending (readable or not).
    pub fn has_pending(&self) -> bool {
        let prefix = self.keys.pending_sign_in_prefix();
        self.storage.keys().iter().any(|k| k.starts_with(&prefix))
    }

    /// Removes the sign-in pending with `state`.
    pub fn remove_pending(&self, state: &str) {
        if is_state_token(state) {
            self.storage.remove(&self.keys.pending_sign_in(state));
        }
    }

    /// Removes the pending records that cannot be read (corrupted, or the single key of
    /// earlier versions) and, given the time, those expired by then. Returns the others
    /// with their keys.
    fn prune_pending(&self, now: Option<u64>) -> Vec<(String, PendingSignIn)> {
        let prefix = self.keys.pending_sign_in_prefix();
        let mut kept = Vec::new();
        for key in self.storage.keys() {
            let Some(rest) = key.strip_prefix(&prefix) else {
                continue;
            };
            let pending = match rest.strip_prefix('.') {
                Some(state) if is_state_token(state) => self
                    .storage
                    .get(&key)
                    .and_then(|raw| PendingSignIn::from_json(raw.as_bytes()))
                    .filter(|p| p.state == state),
                // The earlier single key.
                None if rest.is_empty() => None,
                // Not a pending sign-in's key (a user's, say): not ours to remove.
                _ => continue,
            };
            match pending {
                Some(p) if !now.is_some_and(|now| p.is_expired(now)) => kept.push((key, p)),
                _ => self.storage.remove(&key),
            }
        }
        kept
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::authorize::PendingResponseType;
    use crate::protocol::session::tests::{access_jwt, id_jwt};

    const P: &str = "CognitoIdentityServiceProvider.local-spa-client";

    fn session(user: &str, refresh: Option<&str>) -> CognitoSession {
        CognitoSession::from_tokens(
            Some(&id_jwt(user, 2_000_000_000, "n")),
            &access_jwt(user, 2_000_000_000),
            refresh.map(Secret::new),
            "openid email",
        )
        .unwrap()
    }

    fn store() -> SessionStore<MemoryStorage> {
        SessionStore::new(MemoryStorage::new(), "local-spa-client")
    }

    #[test]
    fn layout_is_the_original_sdks() {
        let store = store();
        store.save(&session("alice", Some("r1"))).unwrap();
        let s = store.storage();
        assert_eq!(
            s.get(&format!("{P}.LastAuthUser")).as_deref(),
            Some("alice")
        );
        assert_eq!(
            s.get(&format!("{P}.alice.refreshToken")).as_deref(),
            Some("r1")
        );
        assert_eq!(
            s.get(&format!("{P}.alice.tokenScopesString")).as_deref(),
            Some("openid email")
        );
        assert!(s.get(&format!("{P}.alice.idToken")).is_some());
        assert!(s.get(&format!("{P}.alice.accessToken")).is_some());
        assert_eq!(s.keys().len(), 5);
    }

    #[test]
    fn reads_a_session_written_by_the_javascript_sdk() {
        let storage = MemoryStorage::new();
        storage.set(&format!("{P}.LastAuthUser"), "alice").unwrap();
        storage
            .set(
                &format!("{P}.alice.idToken"),
                &id_jwt("alice", 2_000_000_000, ""),
            )
            .unwrap();
        storage
            .set(
                &format!("{P}.alice.accessToken"),
                &access_jwt("alice", 2_000_000_000),
            )
            .unwrap();
        storage
            .set(&format!("{P}.alice.refreshToken"), "opaque")
            .unwrap();
        storage
            .set(&format!("{P}.alice.tokenScopesString"), "openid email")
            .unwrap();
        let session = SessionStore::new(&storage, "local-spa-client")
            .load()
            .unwrap();
        assert_eq!(session.username(), Some("alice"));
        assert_eq!(session.refresh_token().unwrap().expose(), "opaque");
        assert_eq!(session.scopes_string(), "openid email");
    }

    #[test]
    fn corrupted_or_partial_entries_are_cleaned() {
        type Corruption = Box<dyn Fn(&MemoryStorage)>;
        let corruptions: Vec<(&str, Corruption)> = vec![
            (
                "garbage access token",
                Box::new(|s| s.set(&format!("{P}.alice.accessToken"), "garbage").unwrap()),
            ),
            (
                "missing access token",
                Box::new(|s| s.remove(&format!("{P}.alice.accessToken"))),
            ),
            (
                "garbage id token",
                Box::new(|s| s.set(&format!("{P}.alice.idToken"), "{}").unwrap()),
            ),
            (
                "missing id token with openid",
                Box::new(|s| s.remove(&format!("{P}.alice.idToken"))),
            ),
            (
                "empty user",
                Box::new(|s| s.set(&format!("{P}.LastAuthUser"), "").unwrap()),
            ),
            (
                "user mismatch",
                Box::new(|s| {
                    s.set(&format!("{P}.LastAuthUser"), "bob").unwrap();
                    for k in [
                        "idToken",
                        "accessToken",
                        "refreshToken",
                        "tokenScopesString",
                    ] {
                        let v = s.get(&format!("{P}.alice.{k}")).unwrap();
                        s.set(&format!("{P}.bob.{k}"), &v).unwrap();
                    }
                }),
            ),
        ];
        for (what, corrupt) in corruptions {
            let store = store();
            store.save(&session("alice", Some("r"))).unwrap();
            corrupt(store.storage());
            assert!(store.load().is_none(), "{what}");
            assert!(
                store.storage().keys().is_empty(),
                "{what}: left {:?}",
                store.storage().keys()
            );
        }
    }

    #[test]
    fn next_user_never_inherits_the_previous_refresh_token() {
        let store = store();
        store
            .save(&session("alice", Some("alice-refresh")))
            .unwrap();
        store.save(&session("bob", None)).unwrap();
        let loaded = store.load().unwrap();
        assert_eq!(loaded.username(), Some("bob"));
        assert!(loaded.refresh_token().is_none());
        assert!(store
            .storage()
            .keys()
            .iter()
            .all(|k| !k.contains(".alice.")));
    }

    #[test]
    fn clear_removes_every_key_of_the_client_only() {
        let store = store();
        store.save(&session("alice", Some("r"))).unwrap();
        store
            .storage()
            .set(&format!("{P}.ghost.refreshToken"), "left behind")
            .unwrap();
        store
            .storage()
            .set(
                "CognitoIdentityServiceProvider.other-client.LastAuthUser",
                "x",
            )
            .unwrap();
        store.storage().set("unrelated", "y").unwrap();
        store.clear();
        assert_eq!(
            store.storage().keys(),
            [
                "CognitoIdentityServiceProvider.other-client.LastAuthUser",
                "unrelated"
            ]
        );
    }

    fn pending(state: &str, created_at: u64) -> PendingSignIn {
        PendingSignIn {
            state: state.into(),
            nonce: "n".into(),
            code_verifier: Some(Secret::new("v")),
            response_type: PendingResponseType::Code,
            redirect_uri: "http://localhost:3000/callback".into(),
            scopes: "openid".into(),
            return_to: "/p".into(),
            app_state: Some("x".into()),
            created_at,
        }
    }

    const S1: &str = "state-one-0123456789abcdefghijklmnopqrstu";
    const S2: &str = "state-two-0123456789abcdefghijklmnopqrstu";
    const S3: &str = "state-three-0123456789abcdefghijklmnopqrs";
    const S4: &str = "state-four-0123456789abcdefghijklmnopqrst";

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

    #[test]
    fn pending_round_trip_and_corruption() {
        let store = store();
        let one = pending(S1, 5);
        store.save_pending(&one).unwrap();
        assert_eq!(store.storage().keys(), [format!("{P}.pendingSignIn.{S1}")]);
        assert_eq!(store.peek_pending(S1), Some(one.clone()));
        assert_eq!(store.peek_pending(S2), None);
        // Not base64url, or too short: never looked up.
        for forged in ["", "../LastAuthUser", "idToken", "a b", &"x".repeat(129)] {
            assert_eq!(store.peek_pending(forged), None, "{forged}");
        }
        assert!(store.has_pending());
        store.remove_pending(S1);
        assert_eq!(store.peek_pending(S1), None);
        assert!(!store.has_pending());

        // Unreadable, or stored under another state's key: removed when read.
        for junk in ["{not json".to_owned(), pending(S2, 5).to_json()] {
            store
                .storage()
                .set(&format!("{P}.pendingSignIn.{S1}"), &junk)
                .unwrap();
            assert_eq!(store.peek_pending(S1), None);
            assert!(store.storage().keys().is_empty(), "{junk}");
        }
    }

    #[test]
    fn sign_ins_pending_together_each_keep_their_record() {
        let store = store();
        // Two tabs start a sign-in at the same moment: neither overwrites the other.
        store.save_pending(&pending(S1, 100)).unwrap();
        store.save_pending(&pending(S2, 100)).unwrap();
        assert_eq!(store.peek_pending(S1).unwrap().state, S1);
        assert_eq!(store.peek_pending(S2).unwrap().state, S2);
        // A third and a fourth: the oldest goes beyond MAX_PENDING_SIGN_INS.
        store.save_pending(&pending(S3, 101)).unwrap();
        store.save_pending(&pending(S4, 102)).unwrap();
        let mut left: Vec<_> = [S1, S2, S3, S4]
            .into_iter()
            .filter(|s| store.peek_pending(s).is_some())
            .collect();
        left.sort_unstable();
        assert_eq!(left.len(), MAX_PENDING_SIGN_INS);
        assert!(left.contains(&S3) && left.contains(&S4));
        // Saving again under the same state replaces, not adds.
        store.save_pending(&pending(S4, 103)).unwrap();
        assert_eq!(store.peek_pending(S4).unwrap().created_at, 103);
        // Records expired by the time a new sign-in starts are removed then.
        let later = 103 + crate::protocol::PENDING_SIGN_IN_TTL + 1;
        store.save_pending(&pending(S1, later)).unwrap();
        assert_eq!(store.storage().keys(), [format!("{P}.pendingSignIn.{S1}")]);
        // A state that is not base64url is refused.
        assert!(store.save_pending(&pending("a/b", later)).is_err());
    }

    #[test]
    fn loading_removes_unreadable_pending_records_only() {
        let store = store();
        store.save_pending(&pending(S1, 5)).unwrap();
        let storage = store.storage();
        // The single key of earlier versions, a corrupted record, and keys that are not
        // pending records although they share the prefix (a user named `pendingSignIn`).
        storage.set(&format!("{P}.pendingSignIn"), "{}").unwrap();
        storage
            .set(&format!("{P}.pendingSignIn.{S2}"), "garbage")
            .unwrap();
        storage
            .set(&format!("{P}.pendingSignIn.idToken"), "a.b.c")
            .unwrap();
        assert_eq!(store.load(), None);
        let mut keys = storage.keys();
        keys.sort();
        assert_eq!(
            keys,
            [
                format!("{P}.pendingSignIn.idToken"),
                format!("{P}.pendingSignIn.{S1}"),
            ]
        );
    }

    #[test]
    fn clock_drift_round_trips_and_bad_values_read_as_none() {
        let store = SessionStore::new(MemoryStorage::new(), "local-spa-client");
        let s = session("alice", Some("r")).with_clock_drift(-600);
        store.save(&s).unwrap();
        assert_eq!(
            store
                .storage()
                .get(&format!("{P}.alice.clockDrift"))
                .as_deref(),
            Some("-600")
        );
        assert_eq!(store.load().unwrap(), s);
        for junk in ["ten", "", "1e9", "99999999999"] {
            store
                .storage()
                .set(&format!("{P}.alice.clockDrift"), junk)
                .unwrap();
            assert_eq!(store.load().unwrap().clock_drift(), 0, "{junk}");
        }
        // No drift: no entry.
        store.save(&session("alice", Some("r"))).unwrap();
        assert_eq!(store.storage().get(&format!("{P}.alice.clockDrift")), None);
        store.clear();
        assert!(store.storage().keys().is_empty());
    }
}
