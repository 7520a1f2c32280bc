//! What the store holds: a session record under the hash of its id, pending sign-ins under
//! their state, refresh locks; and the random values the server makes.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::client::{Environment, SystemEnvironment};
use crate::protocol::encoding::base64url;
use crate::protocol::{CognitoSession, Secret};

/// A new random value: 256 bits in base64url (session ids, anti-forgery tokens, lock
/// owners, browser bindings).
pub(crate) fn random_id() -> String {
    let mut bytes = [0u8; 32];
    SystemEnvironment.fill_random(&mut bytes);
    base64url(&bytes)
}

/// Whether `value` can be one of [`random_id`]'s: anything else in a cookie is refused
/// before it reaches the store.
pub(crate) fn is_random_id(value: &str) -> bool {
    value.len() == 43
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The store key of a session: the SHA-256 of its id, so that the store (a Redis dump, a
/// log of its commands) never holds a usable session cookie.
pub(crate) fn session_key(id: &str) -> String {
    format!("session:{}", base64url(&Sha256::digest(id.as_bytes())))
}

/// The store key of a session's refresh lock.
pub(crate) fn lock_key(session_key: &str) -> String {
    format!("refresh-lock:{session_key}")
}

/// The store key of a sign-in pending with `state`.
pub(crate) fn pending_key(state: &str) -> String {
    format!("pending:{state}")
}

/// A stored server session. Serialised as JSON; a record that cannot be read is no
/// session (and is removed).
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct Record {
    /// Format version.
    pub v: u8,
    pub id_token: Option<String>,
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub scopes: String,
    pub clock_drift: i64,
    /// The anti-forgery token of this session.
    pub csrf: String,
    /// When the session was made (seconds since the Unix epoch).
    pub created_at: u64,
    /// No refresh before this time (seconds since the Unix epoch): set when a refresh
    /// brought tokens that were already due, so that the server backs off instead of
    /// refreshing them on every request.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub refresh_after: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl std::fmt::Debug for Record {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Record")
            .field("scopes", &self.scopes)
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}

impl Record {
    /// A record of `session` with a new anti-forgery token.
    pub fn new(session: &CognitoSession, now: u64) -> Self {
        Self::of(session, random_id(), now)
    }

    /// A record of `session` keeping `csrf` and `created_at`.
    pub fn of(session: &CognitoSession, csrf: String, created_at: u64) -> Self {
        Self {
            v: 1,
            id_token: session.id_token().map(|t| t.jwt_token().to_owned()),
            access_token: session.access_token().jwt_token().to_owned(),
            refresh_token: session.refresh_token().map(|r| r.expose().to_owned()),
            scopes: session.scopes_string().to_owned(),
            clock_drift: session.clock_drift(),
            csrf,
            created_at,
            refresh_after: 0,
        }
    }

    /// The session the record holds, `None` if its tokens cannot be read.
    pub fn session(&self) -> Option<CognitoSession> {
        CognitoSession::from_tokens(
            self.id_token.as_deref(),
            &self.access_token,
            self.refresh_token.clone().map(Secret::new),
            self.scopes.clone(),
        )
        .ok()
        .map(|s| s.with_clock_drift(self.clock_drift))
    }

    pub fn to_json(&self) -> String {
        // Serialising plain strings and numbers cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn from_json(raw: &str) -> Option<Self> {
        serde_json::from_str::<Self>(raw)
            .ok()
            .filter(|r| r.v == 1 && is_random_id(&r.csrf))
    }
}

/// A sign-in started on the server: the protocol's pending record and the browser it
/// belongs to.
#[derive(Serialize, Deserialize)]
pub(crate) struct Pending {
    /// The protocol's pending sign-in, as JSON.
    pub record: String,
    /// The browser binding: the value of the browser's binding cookie when it started.
    pub browser: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_random_and_recognised() {
        let a = random_id();
        let b = random_id();
        assert_ne!(a, b);
        assert!(is_random_id(&a) && is_random_id(&b));
        for bad in ["", "short", &"x".repeat(44), &format!("{}!", &a[..42])] {
            assert!(!is_random_id(bad), "{bad}");
        }
    }

    #[test]
    fn the_store_never_sees_the_session_id() {
        let id = random_id();
        let key = session_key(&id);
        assert!(key.starts_with("session:"));
        assert!(!key.contains(&id));
        assert_eq!(key, session_key(&id));
        assert_ne!(key, session_key(&random_id()));
    }

    #[test]
    fn unreadable_records_are_none() {
        for raw in [
            "",
            "{}",
            "null",
            r#"{"v":2,"access_token":"a","scopes":"","clock_drift":0,"csrf":"x","created_at":0}"#,
        ] {
            assert!(Record::from_json(raw).is_none(), "{raw}");
        }
    }
}
