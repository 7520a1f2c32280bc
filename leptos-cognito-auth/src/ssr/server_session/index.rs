//! A user's sessions, indexed: what listing them, ending one, and signing out everywhere
//! read. One index per user (`user:{<hash of the client id and sub>}`, one key: one slot in a
//! cluster), a field per session (its store key), each value sealed with the session secret
//! (the handle, times, user agent, and the refresh token, which signing out everywhere
//! revokes when Cognito's `GlobalSignOut` cannot be used).
//!
//! The index stays right under a cluster without cross-slot operations: it is written with
//! the session (sign-in, refresh, the rolling touch) and pruned lazily: a field whose session
//! is gone from the store (expired, or removed by another instance) is dropped when the index
//! is next read. Nothing is ever read from it alone: each session listed is checked in the
//! store first.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::record::Record;
use super::session::Inner;
use super::store::StoreError;
use crate::protocol::encoding::base64url;
use crate::protocol::storage::codec::{decode_record, encode_record};
use crate::protocol::CognitoSession;

/// What the index holds of one session.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct Listed {
    pub handle: String,
    pub created_at: u64,
    pub last_seen_at: u64,
    pub user_agent: String,
    pub refresh_token: Option<String>,
}

impl Listed {
    /// What the index holds of the session `record`.
    pub fn of(record: &Record) -> Self {
        Self {
            handle: record.handle.clone(),
            created_at: record.created_at,
            last_seen_at: record.last_use(),
            user_agent: record.user_agent.clone(),
            refresh_token: record.refresh_token.clone(),
        }
    }
}

impl std::fmt::Debug for Listed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listed")
            .field("handle", &self.handle)
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}

/// The index key of a user: the SHA-256 of the app client and the user's `sub`, as a hash tag.
pub(crate) fn user_key(client_id: &str, sub: &str) -> String {
    let digest = Sha256::digest(format!("{client_id}\n{sub}").as_bytes());
    format!("user:{{{}}}", base64url(&digest))
}

impl Inner {
    /// The index key of the session's user (by the access token's `sub`).
    pub(crate) fn user_key_of(&self, session: &CognitoSession) -> Option<String> {
        let sub = session.access_token().sub()?;
        Some(user_key(self.config.client_id(), sub))
    }

    /// Writes what the index holds of the session under `key`.
    pub(crate) async fn index_session(
        &self,
        key: &str,
        record: &Record,
        session: &CognitoSession,
    ) -> Result<(), StoreError> {
        let Some(user) = self.user_key_of(session) else {
            return Ok(());
        };
        let listed = Listed::of(record);
        let sealed = self.index_keys.seal(encode_record(&listed).as_bytes());
        self.store
            .index_put(&user, key, sealed.as_bytes(), self.lifetimes.absolute)
            .await
    }

    /// The sessions of the user `user` (an index key), each with its store key, after
    /// dropping the fields whose session is gone. `current` is the request's own session
    /// (its store key and record): with the cookie store, which reaches no other browser,
    /// the only one listed.
    pub(crate) async fn sessions_in(
        &self,
        user: &str,
        current: (&str, &Record),
    ) -> Result<Vec<(String, Listed)>, StoreError> {
        if self.store.in_cookies() {
            return Ok(vec![(current.0.to_owned(), Listed::of(current.1))]);
        }
        let mut listed = Vec::new();
        for (key, value) in self.store.index_all(user).await? {
            let opened = std::str::from_utf8(&value)
                .ok()
                .and_then(|v| self.index_keys.open(v))
                .and_then(|json| decode_record::<Listed>(&json));
            match opened {
                Some(entry) if self.store.get(&key).await?.is_some() => listed.push((key, entry)),
                // Gone from the store, or unreadable (a retired secret): pruned.
                _ => self.store.index_remove(user, &key).await?,
            }
        }
        listed.sort_by_key(|(_, entry)| std::cmp::Reverse(entry.last_seen_at));
        Ok(listed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_index_per_user_and_client_in_one_slot() {
        let a = user_key("client", "sub-a");
        assert!(a.starts_with("user:{") && a.ends_with('}'), "{a}");
        assert_eq!(a, user_key("client", "sub-a"));
        assert_ne!(a, user_key("client", "sub-b"));
        assert_ne!(a, user_key("other", "sub-a"));
        assert!(!a.contains("sub-a"), "the sub is not in the key");
    }
}
