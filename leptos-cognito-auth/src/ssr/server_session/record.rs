//! What the store holds: a session record under the hash of its id, sealed with a key
//! derived from that id (which the store never sees), and refresh locks.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::protocol::encoding::base64url_append;
use crate::protocol::storage::codec::{decode_record, encode_record};
use crate::protocol::{CognitoSession, Secret};
use crate::ssr::session::seal::{Purpose, SealingKey};

/// Whether `value` can be one of [`Env::random_id`](crate::ssr::session::Env::random_id)'s:
/// anything else in a cookie is refused before it reaches the store.
pub(crate) fn is_random_id(value: &str) -> bool {
    value.len() == 43
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The store key of a session: the SHA-256 of its id, so that the store (a Redis dump, a
/// log of its commands) never holds a usable session cookie, nor the key its record is
/// sealed with. The hash is a `{...}` hash tag: in a Redis cluster every key of one session
/// (the record, its refresh lock) lands in the same slot.
pub(crate) fn session_key(id: &str) -> String {
    // Written in place (every request with a session cookie makes one): 9 + 43 + 1 bytes.
    let mut key = String::with_capacity(53);
    key.push_str("session:{");
    base64url_append(&Sha256::digest(id.as_bytes()), &mut key);
    key.push('}');
    key
}

/// The store key of a session's refresh lock: the session key's hash tag, so the same slot.
pub(crate) fn lock_key(session_key: &str) -> String {
    format!("refresh-lock:{session_key}")
}

/// A stored server session. Serialised as JSON and sealed (AES-256-GCM) with a key derived
/// from the session id; a record that cannot be opened or read is no session (and is
/// removed).
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
    /// When the session was last used (seconds since the Unix epoch; written at most once a
    /// minute).
    #[serde(default)]
    pub last_seen_at: u64,
    /// The opaque handle the session is listed and revoked by (never the cookie's value or
    /// the store key).
    #[serde(default)]
    pub handle: String,
    /// The browser's `User-Agent` at sign-in (at most 256 characters), for the listing.
    #[serde(default)]
    pub user_agent: String,
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
    /// When the session was last used: its last touch, or its creation for a session not
    /// touched since (or a record from before `last_seen_at` was kept).
    pub fn last_use(&self) -> u64 {
        self.last_seen_at.max(self.created_at)
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
            last_seen_at: created_at,
            handle: String::new(),
            user_agent: String::new(),
            refresh_after: 0,
        }
    }

    /// The record after a refresh: the new tokens, the same session otherwise (anti-forgery
    /// token, handle, times, user agent).
    pub fn refreshed(&self, session: &CognitoSession, now: u64) -> Self {
        Self {
            last_seen_at: now,
            handle: self.handle.clone(),
            user_agent: self.user_agent.clone(),
            ..Self::of(session, self.csrf.clone(), self.created_at)
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

    /// The record sealed for the session `id`: what the store keeps.
    pub fn seal(&self, id: &str) -> Vec<u8> {
        SealingKey::derive(id.as_bytes(), Purpose::Record)
            .seal(encode_record(self).as_bytes())
            .into_bytes()
    }

    /// The record the store kept for the session `id`, `None` when it cannot be opened
    /// with that id's key (tampered, another session's, junk) or read.
    pub fn open(id: &str, stored: &[u8]) -> Option<Self> {
        let sealed = std::str::from_utf8(stored).ok()?;
        let json = SealingKey::derive(id.as_bytes(), Purpose::Record).open(sealed)?;
        decode_record::<Self>(&json).filter(|r| r.v == 1 && is_random_id(&r.csrf))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use serde_json::json;

    use super::*;
    use crate::protocol::jwt::tests::jwt;
    use crate::ssr::session::Env;

    pub(crate) fn record(username: &str, exp: u64) -> Record {
        let access = jwt(&json!({ "username": username, "exp": exp, "token_use": "access" }));
        let session = CognitoSession::from_tokens(
            None,
            &access,
            Some(Secret::new("refresh-token-of-".to_owned() + username)),
            "openid",
        )
        .unwrap();
        Record::of(&session, Env::default().random_id(), 0)
    }

    #[test]
    fn ids_are_random_and_recognised() {
        let env = Env::default();
        let a = env.random_id();
        let b = env.random_id();
        assert_ne!(a, b);
        assert!(is_random_id(&a) && is_random_id(&b));
        for bad in ["", "short", &"x".repeat(44), &format!("{}!", &a[..42])] {
            assert!(!is_random_id(bad), "{bad}");
        }
    }

    #[test]
    fn the_store_never_sees_the_session_id() {
        let id = Env::default().random_id();
        let key = session_key(&id);
        assert!(key.starts_with("session:{") && key.ends_with('}'), "{key}");
        assert_eq!(key.len(), "session:{}".len() + 43, "a SHA-256 in base64url");
        assert!(!key.contains(&id));
        // The lock shares the record's hash tag: one cluster slot.
        let tag = |k: &str| k[k.find('{').unwrap()..=k.find('}').unwrap()].to_owned();
        assert_eq!(tag(&lock_key(&key)), tag(&key));
        assert_eq!(key, session_key(&id));
        assert_ne!(key, session_key(&Env::default().random_id()));
    }

    #[test]
    fn sealed_records_hold_no_token_and_open_only_with_their_id() {
        let env = Env::default();
        let id = env.random_id();
        let record = record("alice", 2_000_000_000);
        let stored = record.seal(&id);
        let text = String::from_utf8_lossy(&stored);
        for secret in [
            &record.access_token,
            record.refresh_token.as_ref().unwrap(),
            &record.csrf,
        ] {
            assert!(
                !text.contains(secret.as_str()),
                "the stored value holds a secret"
            );
        }
        assert!(!text.contains("eyJ"), "no JWT in the stored value");
        let opened = Record::open(&id, &stored).unwrap();
        assert_eq!(opened.access_token, record.access_token);
        // Another session's id cannot open it; a changed byte cannot be opened.
        assert!(Record::open(&env.random_id(), &stored).is_none());
        let mut changed = stored.clone();
        changed[10] ^= 1;
        assert!(Record::open(&id, &changed).is_none());
    }

    #[test]
    fn unreadable_records_are_none() {
        let id = Env::default().random_id();
        let seal =
            |json: &str| SealingKey::derive(id.as_bytes(), Purpose::Record).seal(json.as_bytes());
        for raw in [
            "".to_owned(),
            "{}".to_owned(),
            seal("{}"),
            seal("null"),
            seal(
                r#"{"v":2,"access_token":"a","scopes":"","clock_drift":0,"csrf":"x","created_at":0}"#,
            ),
        ] {
            assert!(Record::open(&id, raw.as_bytes()).is_none(), "{raw}");
        }
    }

    /// What the earlier versions sealed (their own base64url and JSON writer) still opens:
    /// a session record, the pending sign-in cookie, and a session index entry.
    #[test]
    fn values_sealed_by_earlier_versions_still_open() {
        use crate::ssr::server_session::index::Listed;
        use crate::ssr::server_session::pending::PendingSignIns;
        use crate::ssr::session::seal::Keyring;

        const SECRET: &str = "a secret of at least thirty-two characters";
        const RECORD: &str = "ATLzQ9IsVQC7sd1w1yRFubIuQanNoLRsV5GN2PRDCqx1DPhwAd8gmKHOb21vqC62D5um-YFuTrssoK_cOy8aCxh5UOu4QxpUDNatKcHIXcAei7eFqVN8Fz3PL5eOq6K9mWqp5uF1KNEizPl-_i4UdjE6DgPYjYaihxhQKxjyo5pIJQ3NJQkvCHV9pHY3tfH8MWIgUkZAhi-4wJoK8GTutXSemr0y4VjHb1xmvHQCyY6qDG5hmirxiPxQwN6rHKiOVP_-OGyXohn_wjQpk9RgofqSWl5LVzuXiNPrc1YrjbiXWhRp2FALRLV1BFrhMnta7OKAjAO8ZDuvGJYrfTx7Wcoub32Yj4LI1AzGtcD0hrU2sGZ4JfVgROR1EEKXeYF97ntyEP78wy-rc2WBDPKbK2W4EJbM5oCv_pYImis";
        const PENDING: &str = "ASx82b5m9uVck2Ydo8pahHbPbkrj5mXPxThdkbaUha4jddMmPrXdG6dj6RammfXjA33a8IkEY2jzww7cj42DRJSD_XLqJ2k0DD8SeHm_qKplq3YiuKXPb63TV0QiAvsRhV7HKDd70co1SxAxyF-b0Mv12KJFKK4HXZE0QcF_2_2ER-Dyz1MRFDgMTUF5shG2R5jAcb6kfX2atUAKq3OzVO1F1iBbvp3K8Hi3LuER9gvEUfZiAibJLanxB9Zn3AnxjAq9IUdOkIf6j9UFfv4V-1CcncWN14D_sXk4Juum_VIbKNM9GJN3cLqE6G67PtsaeB-bBWC4CY132XqOX6LaIRpNtTnj5LUC4wLMiinMq5Xk1bgwx0lH7e_IKyqhojEJ3K4TWOYLp3abWJ86aKOSaEU";
        const LISTED: &str = "Aa9x3WCOHZyDif4mnvzjr2FPbIGvKKCb6flkSfvKjV0uexVvNHMQSlazWDMmElJ6O2L1ErWmqPSyo6THCl-l1SYU4zfd9QypxFNuWz4DCaWShEJmC6LavLUjyBy_thtMwLKjvZ6x3vwrR8Tr4ddD1b7ZJT09tYg16yhCR5ET90Ka3ILG7IPnmpgLgdABjv01WudwKKT8Er0ULE8YZumCeKb0l14J";

        let record = Record::open(&"I".repeat(43), RECORD.as_bytes()).unwrap();
        assert_eq!(record.id_token.as_deref(), Some("id.jwt.x"));
        assert_eq!(record.access_token, "access.jwt.x");
        assert_eq!(record.refresh_token.as_deref(), Some("opaque-refresh"));
        assert_eq!(record.scopes, "openid email");
        assert_eq!(record.clock_drift, -5);
        assert_eq!(record.csrf, "C".repeat(43));
        assert_eq!(
            (record.created_at, record.last_seen_at),
            (1_700_000_000, 1_700_000_060)
        );
        assert_eq!(
            (record.handle.as_str(), record.user_agent.as_str()),
            ("handle-1", "Mozilla/5.0 (é)")
        );
        assert_eq!(record.refresh_after, 0);

        let keys = Keyring::new(&[SECRET], Purpose::PendingSignIn);
        let mut pending = PendingSignIns::read(&keys, Some(PENDING), 1_700_000_005);
        let taken = pending.take("tab-one-state-aaaaaaaaaa").unwrap();
        assert_eq!(
            taken.code_verifier.as_ref().map(Secret::expose),
            Some("verifier")
        );
        assert_eq!(taken.app_state.as_deref(), Some("cart=3"));
        assert_eq!(taken.return_to, "/protected");

        let index = Keyring::new(&[SECRET], Purpose::SessionIndex);
        let listed = decode_record::<Listed>(&index.open(LISTED).unwrap()).unwrap();
        assert_eq!(listed.handle, "handle-1");
        assert_eq!(listed.refresh_token.as_deref(), Some("opaque-refresh"));
        assert_eq!(
            (listed.created_at, listed.last_seen_at),
            (1_700_000_000, 1_700_000_060)
        );
        assert_eq!(listed.user_agent, "Mozilla/5.0 (é)");
    }
}
