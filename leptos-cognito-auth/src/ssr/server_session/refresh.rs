//! A request's session, refreshed on the server when it is due: one refresh per session
//! across every server instance sharing the store. Within a process, concurrent requests
//! of one session queue on a per-session lock; across processes, the store's leased lock
//! lets one refresh while the others wait for its result (they never send the old
//! refresh token, which refresh-token rotation would have spent).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use super::record::{lock_key, random_id, session_key, Record};
use super::store::StoreError;
use super::Inner;
use crate::client::{Clock, SystemClock};
use crate::protocol::token::{token_request, TokenGrant};
use crate::protocol::{check_refreshed, is_fresh, AuthError, CognitoSession, Standing, TokenSet};

/// How long the server waits before refreshing again tokens that a refresh brought already
/// due ([`AuthError::TokensExpireTooSoon`]).
const TOO_SOON_BACKOFF_SECS: u64 = 60;

/// How often a request waiting for another instance's refresh looks at the store.
const POLL: Duration = Duration::from_millis(50);

/// A session's lock in this process, per session key; entries go when the last holder
/// drops its handle.
#[derive(Default)]
pub(crate) struct LocalLocks {
    locks: Mutex<HashMap<String, Weak<tokio::sync::Mutex<()>>>>,
}

impl LocalLocks {
    fn get(&self, key: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.locks.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(lock) = locks.get(key).and_then(Weak::upgrade) {
            return lock;
        }
        locks.retain(|_, weak| weak.strong_count() > 0);
        let lock = Arc::new(tokio::sync::Mutex::new(()));
        locks.insert(key.to_owned(), Arc::downgrade(&lock));
        lock
    }
}

/// The records this process has read, parsed: a record read again unchanged (the same
/// stored text) is not parsed again. The text is compared whole, so a record another
/// instance changed is parsed afresh; a full cache starts over.
#[derive(Default)]
pub(crate) struct ParsedRecords {
    records: Mutex<HashMap<String, Arc<Parsed>>>,
}

/// A stored record's text and what it reads as.
struct Parsed {
    raw: String,
    record: Record,
    session: CognitoSession,
}

impl ParsedRecords {
    /// At most this many sessions are kept parsed (about 10 KB each).
    const CAPACITY: usize = 2_048;

    fn parse(&self, key: &str, raw: String) -> Option<(Record, CognitoSession)> {
        let cached = self
            .records
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .cloned();
        if let Some(parsed) = cached.filter(|parsed| parsed.raw == raw) {
            return Some((parsed.record.clone(), parsed.session.clone()));
        }
        let record = Record::from_json(&raw)?;
        let session = record.session()?;
        let mut records = self.records.lock().unwrap_or_else(|p| p.into_inner());
        if records.len() >= Self::CAPACITY {
            records.clear();
        }
        let parsed = Parsed {
            raw,
            record: record.clone(),
            session: session.clone(),
        };
        records.insert(key.to_owned(), Arc::new(parsed));
        Some((record, session))
    }

    fn forget(&self, key: &str) {
        self.records
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(key);
    }
}

/// Where a request's session stands after loading (and refreshing when due).
#[allow(clippy::large_enum_variant)] // one per request, moved once: boxing buys nothing
#[derive(Debug)]
pub(crate) enum Current {
    /// A usable session. `error` is a refresh that failed for a passing reason while the
    /// session is still valid (it is tried again on a later request).
    Active {
        record: Record,
        session: CognitoSession,
        error: Option<AuthError>,
    },
    /// No session any more: unknown or expired id, or a refresh token Cognito refused
    /// (`error`). The store holds nothing of it; the cookie should go.
    Ended { error: Option<AuthError> },
    /// The session has expired and could not be refreshed now (the token endpoint failed
    /// or did not answer): the request is served signed out with the error, and the
    /// session stays stored so that a later request refreshes it.
    Stale { error: AuthError },
}

fn now() -> u64 {
    SystemClock.now()
}

impl Inner {
    /// Whether `session` needs no refresh yet: valid for longer than the refresh margin.
    fn is_fresh(&self, session: &CognitoSession) -> bool {
        is_fresh(session, &self.config, now())
    }

    /// Removes the session under `key` from the store and from the parsed records.
    pub(crate) async fn remove_session(&self, key: &str) -> Result<(), StoreError> {
        self.parsed.forget(key);
        self.store.remove(key).await
    }

    /// The stored record and session under `key`; an unreadable record is removed and
    /// reads as `None`.
    async fn load(&self, key: &str) -> Result<Option<(Record, CognitoSession)>, StoreError> {
        let Some(raw) = self.store.get(key).await? else {
            return Ok(None);
        };
        match self.parsed.parse(key, raw) {
            Some(found) => Ok(Some(found)),
            None => {
                self.remove_session(key).await?;
                Ok(None)
            }
        }
    }

    /// The session of the cookie `id`, refreshed first when it is due.
    pub(crate) async fn current(&self, id: &str) -> Result<Current, StoreError> {
        let key = session_key(id);
        let Some((record, session)) = self.load(&key).await? else {
            return Ok(Current::Ended { error: None });
        };
        if self.is_fresh(&session) {
            return Ok(Current::Active {
                record,
                session,
                error: None,
            });
        }
        if session.standing(&self.config, now()) == Standing::Ended {
            self.remove_session(&key).await?;
            return Ok(Current::Ended { error: None });
        }
        // Due (within the margin) or expired with a refresh token: one refresh.
        let local = self.local_locks.get(&key);
        let _turn = local.lock().await;
        self.refresh_once(&key).await
    }

    /// Refreshes the session under `key` unless another request (here or on another
    /// instance) has, waiting for it when it is under way.
    async fn refresh_once(&self, key: &str) -> Result<Current, StoreError> {
        let lock = lock_key(key);
        let owner = random_id();
        let deadline = Instant::now() + self.refresh_wait;
        let mut seen: Option<String> = None;
        loop {
            let Some((record, session)) = self.load(key).await? else {
                return Ok(Current::Ended { error: None });
            };
            if self.is_fresh(&session) {
                return Ok(Current::Active {
                    record,
                    session,
                    error: None,
                });
            }
            seen.get_or_insert_with(|| record.access_token.clone());
            if self.store.try_lock(&lock, &owner, self.lock_lease).await? {
                // Read again under the lock: another instance may have refreshed between
                // our read and our lock.
                let outcome = match self.load(key).await {
                    Ok(Some((record, session))) if self.is_fresh(&session) => Ok(Current::Active {
                        record,
                        session,
                        error: None,
                    }),
                    Ok(Some((record, session))) => self.refresh(key, record, session).await,
                    Ok(None) => Ok(Current::Ended { error: None }),
                    Err(e) => Err(e),
                };
                // A failed release only delays the next refresh by the lease.
                let _ = self.store.unlock(&lock, &owner).await;
                return outcome;
            }
            if Instant::now() >= deadline {
                let error = AuthError::Transport(crate::protocol::TransportError::timeout(
                    "another server's refresh of this session did not finish in time",
                ));
                return Ok(self.after_failure(record, session, error));
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// What a failed refresh leaves: the still-valid session with the error, or the
    /// stored session kept for a later try.
    fn after_failure(&self, record: Record, session: CognitoSession, error: AuthError) -> Current {
        match session.standing(&self.config, now()) {
            Standing::Valid { .. } => Current::Active {
                record,
                session,
                error: Some(error),
            },
            _ => Current::Stale { error },
        }
    }

    /// One refresh-token grant, under the lock.
    async fn refresh(
        &self,
        key: &str,
        record: Record,
        session: CognitoSession,
    ) -> Result<Current, StoreError> {
        // The last refresh brought tokens already due: not again before the back-off ends.
        if now() < record.refresh_after {
            let error = AuthError::TokensExpireTooSoon {
                lifetime_secs: session.lifetime_secs(),
            };
            return Ok(self.after_failure(record, session, error));
        }
        let Some(refresh_token) = session.refresh_token() else {
            self.remove_session(key).await?;
            return Ok(Current::Ended { error: None });
        };
        let request = token_request(&self.config, TokenGrant::RefreshToken { refresh_token });
        let result = match self.http.send(request).await {
            Ok(response) => match TokenSet::from_response(&response) {
                Ok(tokens) => self.refreshed_session(&session, tokens).await,
                Err(e) => Err(e),
            },
            Err(e) => Err(AuthError::Transport(e)),
        };
        match result {
            Ok(fresh) => {
                let mut record = Record::of(&fresh, record.csrf, record.created_at);
                // Tokens due on arrival are kept (a rotated refresh token must not be
                // lost) but not refreshed again before a back-off.
                let error = check_refreshed(&fresh, &self.config, now()).err();
                if error.is_some() {
                    record.refresh_after = now() + TOO_SOON_BACKOFF_SECS;
                }
                self.store
                    .set(key, &record.to_json(), self.idle_ttl)
                    .await?;
                Ok(match error {
                    Some(error) => self.after_failure(record, fresh, error),
                    None => Current::Active {
                        record,
                        session: fresh,
                        error: None,
                    },
                })
            }
            Err(e) if e.is_transient() => Ok(self.after_failure(record, session, e)),
            Err(e) => {
                // Refused (a revoked or expired refresh token, another user's tokens):
                // the session ends here and on every instance.
                self.remove_session(key).await?;
                Ok(Current::Ended { error: Some(e) })
            }
        }
    }

    /// The session a refresh's tokens make, checked like the callback's: claims for this
    /// app, the ID token's signature, the same user.
    async fn refreshed_session(
        &self,
        current: &CognitoSession,
        tokens: TokenSet,
    ) -> Result<CognitoSession, AuthError> {
        let fresh = tokens
            .into_session(current.scopes_string())?
            .with_clock_drift_at(now());
        fresh.check_claims(&self.config, None)?;
        if let Some(id) = fresh.id_token() {
            self.id_verifier.verify(id.jwt_token()).await.map_err(|e| {
                AuthError::TokenRejected {
                    token: "id",
                    reason: e.to_string(),
                }
            })?;
        }
        if fresh.username() != current.username() {
            return Err(AuthError::TokenRejected {
                token: "access",
                reason: "the refreshed tokens are for another user".into(),
            });
        }
        Ok(current.refreshed(fresh))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::protocol::jwt::tests::jwt;

    fn raw_record(username: &str, exp: u64) -> String {
        let access = jwt(&json!({ "username": username, "exp": exp, "token_use": "access" }));
        let session = CognitoSession::from_tokens(None, &access, None, "openid").unwrap();
        Record::new(&session, 0).to_json()
    }

    #[test]
    fn a_record_read_again_unchanged_is_the_same_and_a_changed_one_is_read_afresh() {
        let parsed = ParsedRecords::default();
        let first = raw_record("alice", 2_000_000_000);
        let (record, session) = parsed.parse("session:a", first.clone()).unwrap();
        let (again, again_session) = parsed.parse("session:a", first).unwrap();
        assert_eq!(again.to_json(), record.to_json());
        assert_eq!(again_session.username(), Some("alice"));
        assert_eq!(again_session.expires_at(), session.expires_at());
        // Another instance refreshed it: the stored text changed, so it is parsed again.
        let (_, refreshed) = parsed
            .parse("session:a", raw_record("alice", 2_000_000_600))
            .unwrap();
        assert_eq!(refreshed.expires_at(), 2_000_000_600);
        // Junk is no session, and a good record is still read afterwards.
        assert!(parsed.parse("session:a", "{\"v\":1}".into()).is_none());
        assert!(parsed.parse("session:b", "not json".into()).is_none());
        let (_, bob) = parsed
            .parse("session:b", raw_record("bob", 2_000_000_000))
            .unwrap();
        assert_eq!(bob.username(), Some("bob"));
    }

    #[test]
    fn a_full_cache_starts_over() {
        let parsed = ParsedRecords::default();
        let raw = raw_record("alice", 2_000_000_000);
        for i in 0..=ParsedRecords::CAPACITY {
            parsed.parse(&format!("session:{i}"), raw.clone()).unwrap();
        }
        let held = parsed.records.lock().unwrap().len();
        assert!(held <= ParsedRecords::CAPACITY, "{held}");
    }
}
