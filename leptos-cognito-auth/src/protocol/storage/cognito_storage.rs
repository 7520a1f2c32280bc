//! Sessions and pending sign-ins in a [`Storage`], with the original SDK's key layout.

use super::codec::{self, JsonRecordCodec, SdkStringCodec};
use super::keys::StorageKeys;
use super::kv::{Storage, StorageError};
use crate::protocol::authorize::PendingSignIn;
use crate::protocol::secret::Secret;
use crate::protocol::session::CognitoSession;

/// A stored clock drift beyond a week is not a clock that is off but a broken entry.
const MAX_CLOCK_DRIFT_SECS: u64 = 7 * 24 * 3600;

/// Whether a stored clock drift is within [`MAX_CLOCK_DRIFT_SECS`].
fn is_plausible_drift(drift: &i64) -> bool {
    drift.unsigned_abs() <= MAX_CLOCK_DRIFT_SECS
}

/// At most this many sign-ins may be pending at once (per app client): enough for a few
/// tabs that start one together, few enough to stay small in cookies.
pub const MAX_PENDING_SIGN_INS: usize = 3;

/// Whether `state` can be a key suffix: what this kit sends (at least 128 bits in
/// base64url) and nothing else, so that a forged callback cannot make the store look up
/// some other key, and a user named `pendingSignIn` (whose keys would be
/// `<prefix>.pendingSignIn.idToken` and so on) is never taken for a pending sign-in.
pub(crate) fn is_state_token(state: &str) -> bool {
    (22..=128).contains(&state.len())
        && state
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Reads and writes sessions and pending sign-ins in a [`Storage`] with the original
/// SDK's layout. Entries that cannot be read (corrupted by hand, half-written, from
/// another user) count as no session.
///
/// Reading never writes: [`load`](Self::load) and [`peek_pending`](Self::peek_pending)
/// only read, so a read in the middle of another operation (or in another tab) changes
/// nothing. Unreadable entries are removed by [`clean_up`](Self::clean_up), which the
/// client runs at page start and which [`save_pending`](Self::save_pending) runs for the
/// pending records when a sign-in starts.
#[derive(Clone, Debug)]
pub struct CognitoStorage<S> {
    storage: S,
    keys: StorageKeys,
}

impl<S: Storage> CognitoStorage<S> {
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

    /// The original SDK's entry `key`: a plain string.
    fn text(&self, key: &str) -> Option<String> {
        codec::read::<String, SdkStringCodec>(&self.storage, key)
    }

    /// Writes the original SDK's entry `key` as the plain string `value`.
    fn set_text(&self, key: &str, value: &str) -> Result<(), StorageError> {
        codec::write::<&str, SdkStringCodec>(&self.storage, key, &value)
    }

    /// The stored clock drift of `user`, if it is a plausible number of seconds.
    fn drift(&self, user: &str) -> Option<i64> {
        codec::read::<i64, SdkStringCodec>(&self.storage, &self.keys.clock_drift(user))
            .filter(is_plausible_drift)
    }

    /// The cached session, if a complete and readable one is stored (expired or not).
    /// A corrupted one reads as `None` (and stays until [`clean_up`](Self::clean_up)).
    /// A clock drift that is not a number reads as none.
    pub fn load(&self) -> Option<CognitoSession> {
        let user = self.text(&self.keys.last_auth_user())?;
        if user.is_empty() {
            return None;
        }
        self.read_user(&user)
    }

    /// Removes what cannot be read: a session that is stored but unreadable (every key of
    /// this client then goes, as with [`clear`](Self::clear)), a clock drift that is not a
    /// number, and pending sign-in records that are unreadable or, given `now`, expired.
    /// A readable session and other tabs' live sign-ins stay. Returns the keys removed.
    pub fn clean_up(&self, now: Option<u64>) -> Vec<String> {
        let before = self.storage.keys();
        if let Some(user) = self.text(&self.keys.last_auth_user()) {
            if user.is_empty() || self.read_user(&user).is_none() {
                self.clear();
            } else {
                let drift_key = self.keys.clock_drift(&user);
                if self.storage.get(&drift_key).is_some() && self.drift(&user).is_none() {
                    self.storage.remove(&drift_key);
                }
            }
        }
        self.prune_pending(now);
        let after = self.storage.keys();
        before.into_iter().filter(|k| !after.contains(k)).collect()
    }

    fn read_user(&self, user: &str) -> Option<CognitoSession> {
        let access = self.text(&self.keys.access_token(user))?;
        let id = self
            .text(&self.keys.id_token(user))
            .filter(|t| !t.is_empty());
        let refresh = self.text(&self.keys.refresh_token(user)).map(Secret::new);
        let scopes = self.text(&self.keys.token_scopes(user)).unwrap_or_default();
        if id.is_none() && scopes.split_whitespace().any(|s| s == "openid") {
            return None;
        }
        // A missing or unreadable drift (an older layout, a hand edit) counts as none.
        let drift = self.drift(user).unwrap_or(0);
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
        if let Some(previous) = self.text(&self.keys.last_auth_user()) {
            if previous != user {
                self.clear();
            }
        }
        let write = || -> Result<(), StorageError> {
            match session.id_token() {
                Some(id) => self.set_text(&self.keys.id_token(user), id.jwt_token())?,
                None => self.storage.remove(&self.keys.id_token(user)),
            }
            self.set_text(
                &self.keys.access_token(user),
                session.access_token().jwt_token(),
            )?;
            match session.refresh_token() {
                Some(r) => self.set_text(&self.keys.refresh_token(user), r.expose())?,
                None => self.storage.remove(&self.keys.refresh_token(user)),
            }
            self.set_text(&self.keys.token_scopes(user), session.scopes_string())?;
            match session.clock_drift() {
                0 => self.storage.remove(&self.keys.clock_drift(user)),
                drift => codec::write::<i64, SdkStringCodec>(
                    &self.storage,
                    &self.keys.clock_drift(user),
                    &drift,
                )?,
            }
            self.set_text(&self.keys.last_auth_user(), user)
        };
        write()
    }

    /// Removes the session and any pending sign-in: every key of this client, including
    /// keys of other users left behind (the original `CookieStorage.clear()` removed
    /// nothing).
    pub fn clear(&self) {
        if let Some(user) = self.text(&self.keys.last_auth_user()) {
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
    /// included). Returns the keys of the records removed (so that a server keeping them in
    /// cookies can delete those cookies).
    pub fn save_pending(&self, pending: &PendingSignIn) -> Result<Vec<String>, StorageError> {
        if !is_state_token(&pending.state) {
            return Err(StorageError::Failed(
                "a pending sign-in's state must be base64url".into(),
            ));
        }
        let before = self.storage.keys();
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
        let key = self.keys.pending_sign_in(&pending.state);
        codec::write::<PendingSignIn, JsonRecordCodec>(&self.storage, &key, pending)?;
        let after = self.storage.keys();
        Ok(before.into_iter().filter(|k| !after.contains(k)).collect())
    }

    /// The sign-in pending with `state`, without removing it. An unreadable record reads
    /// as `None`.
    pub fn peek_pending(&self, state: &str) -> Option<PendingSignIn> {
        if !is_state_token(state) {
            return None;
        }
        self.read_pending(&self.keys.pending_sign_in(state))
            .filter(|p| p.state == state)
    }

    /// The pending sign-in record under `key`, if it reads.
    fn read_pending(&self, key: &str) -> Option<PendingSignIn> {
        codec::read::<PendingSignIn, JsonRecordCodec>(&self.storage, key)
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
                Some(state) if is_state_token(state) => {
                    self.read_pending(&key).filter(|p| p.state == state)
                }
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
    use crate::protocol::storage::MemoryStorage;

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

    fn store() -> CognitoStorage<MemoryStorage> {
        CognitoStorage::new(MemoryStorage::new(), "local-spa-client")
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
        let session = CognitoStorage::new(&storage, "local-spa-client")
            .load()
            .unwrap();
        assert_eq!(session.username(), Some("alice"));
        assert_eq!(session.refresh_token().unwrap().expose(), "opaque");
        assert_eq!(session.scopes_string(), "openid email");
    }

    /// Entries as the earlier versions of the kit wrote them (before the codecs): a pending
    /// sign-in record (its own JSON writer) and a clock drift read, and are written again
    /// byte for byte.
    #[test]
    fn entries_written_by_earlier_versions_read_and_write_the_same() {
        const STATE: &str = "state-one-0123456789abcdefghijklmnopqrstu";
        let earlier_pending = format!(
            r#"{{"state":"{STATE}","nonce":"n","code_verifier":"v","response_type":"code","redirect_uri":"http://localhost:3000/callback","scopes":"openid","return_to":"/p","app_state":"x","created_at":5}}"#
        );
        let store = store();
        let storage = store.storage();
        storage
            .set(&format!("{P}.pendingSignIn.{STATE}"), &earlier_pending)
            .unwrap();
        let read = store.peek_pending(STATE).unwrap();
        assert_eq!(read, pending(STATE, 5));
        store.remove_pending(STATE);
        store.save_pending(&read).unwrap();
        assert_eq!(
            storage.get(&format!("{P}.pendingSignIn.{STATE}")),
            Some(earlier_pending)
        );

        store.save(&session("alice", Some("r"))).unwrap();
        storage
            .set(&format!("{P}.alice.clockDrift"), "-600")
            .unwrap();
        let loaded = store.load().unwrap();
        assert_eq!(loaded.clock_drift(), -600);
        store.save(&loaded).unwrap();
        assert_eq!(
            storage.get(&format!("{P}.alice.clockDrift")).as_deref(),
            Some("-600")
        );
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
            let before = store.storage().keys();
            assert!(store.load().is_none(), "{what}");
            assert_eq!(
                store.storage().keys(),
                before,
                "{what}: a read never writes"
            );
            store.clean_up(None);
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

        // Unreadable, or stored under another state's key: read as none, removed by the
        // clean-up.
        for junk in ["{not json".to_owned(), pending(S2, 5).to_json()] {
            store
                .storage()
                .set(&format!("{P}.pendingSignIn.{S1}"), &junk)
                .unwrap();
            assert_eq!(store.peek_pending(S1), None);
            assert_eq!(store.storage().keys().len(), 1, "a read never writes");
            assert_eq!(store.clean_up(Some(5)), [format!("{P}.pendingSignIn.{S1}")]);
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
    fn clean_up_removes_unreadable_pending_records_only() {
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
        assert_eq!(storage.keys().len(), 4, "a read never writes");
        store.clean_up(None);
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
        let store = CognitoStorage::new(MemoryStorage::new(), "local-spa-client");
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
            // The clean-up removes the bad drift and keeps the session.
            assert_eq!(store.clean_up(None), [format!("{P}.alice.clockDrift")]);
            assert_eq!(store.load().unwrap().username(), Some("alice"));
        }
        // No drift: no entry.
        store.save(&session("alice", Some("r"))).unwrap();
        assert_eq!(store.storage().get(&format!("{P}.alice.clockDrift")), None);
        store.clear();
        assert!(store.storage().keys().is_empty());
    }
}
