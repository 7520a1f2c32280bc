//! A request's session, read from the store and refreshed on the server when it is due:
//! one refresh per session across every server instance sharing the store. Within a
//! process, concurrent requests of one session queue on a per-session lock; across
//! processes, the store's leased lock lets one refresh while the others wait for its
//! result (they never send the old refresh token, which refresh-token rotation would have
//! spent). What to do with a record is [`decide`]d; this module carries it out.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;

use super::decision::{after_refresh, decide, needs_touch, Decision, Stored};
use super::local::Parsed;
use super::record::{lock_key, session_key};
use super::session::Inner;
use super::store::StoreError;
use crate::protocol::token::{token_request, TokenGrant};
use crate::protocol::{
    accept_refresh, check_refreshed, AuthError, CognitoSession, Standing, TokenSet,
};
use crate::ssr::verifier::{VerifiedUser, VerifyError};

/// How often a request waiting for another instance's refresh looks at the store.
const POLL: Duration = Duration::from_millis(50);

/// How long the server waits before refreshing again tokens that a refresh brought already
/// due ([`AuthError::TokensExpireTooSoon`]).
const TOO_SOON_BACKOFF_SECS: u64 = 60;

/// Where a request's session stands after loading (and refreshing when due).
#[allow(clippy::large_enum_variant)] // one per request, moved once: boxing buys nothing
#[derive(Debug)]
pub(crate) enum Current {
    /// A usable session and the user its access token verified as (`None` when the
    /// verifier could not say, such as a JWKS that is down: the app then sees no user).
    /// `error` is a refresh that failed for a passing reason while the session is still
    /// valid (it is tried again on a later request).
    Active {
        /// The record as this process opened it (shared: nothing is copied per request).
        parsed: Arc<Parsed>,
        user: Option<VerifiedUser>,
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

/// What the store holds for a session id, read.
enum Loaded {
    Missing,
    Unreadable,
    Found(Arc<Parsed>),
}

impl Loaded {
    fn stored(&self) -> Stored<'_> {
        match self {
            Self::Missing => Stored::Missing,
            Self::Unreadable => Stored::Unreadable,
            Self::Found(parsed) => Stored::Found {
                session: &parsed.session,
                refresh_after: parsed.record.refresh_after,
                created_at: parsed.record.created_at,
                last_seen_at: parsed.record.last_use(),
            },
        }
    }
}

impl Inner {
    /// Removes the session under `key` from the store and from the parsed records.
    pub(crate) async fn remove_session(&self, key: &str) -> Result<(), StoreError> {
        self.parsed.forget(key);
        self.store.remove(key).await
    }

    /// What the store holds for the session `id` (under `key`).
    async fn load(&self, id: &str, key: &str) -> Result<Loaded, StoreError> {
        self.load_after(self.parsed.remembered(id).as_ref(), id, key)
            .await
    }

    /// [`load`](Self::load), given what this process remembered of the session.
    async fn load_after(
        &self,
        remembered: Option<&Arc<Parsed>>,
        id: &str,
        key: &str,
    ) -> Result<Loaded, StoreError> {
        Ok(match self.store.get(key).await? {
            None => Loaded::Missing,
            Some(raw) => match self.parsed.parse_after(remembered, id, key, raw) {
                Some(parsed) => Loaded::Found(parsed),
                None => Loaded::Unreadable,
            },
        })
    }

    /// The user the record's access token verified as, verified on first use only.
    async fn user_of(&self, parsed: &Parsed) -> Option<VerifiedUser> {
        if let Some(user) = parsed.user.get() {
            return Some(user.clone());
        }
        // Boxed: once per record read (the verifier's state is large).
        let user = Box::pin(
            self.access_verifier
                .verify(parsed.session.access_token().jwt_token()),
        )
        .await
        .ok()?;
        Some(parsed.user.get_or_init(|| user).clone())
    }

    /// A session in use that [`needs_touch`]: its last use and its store expiry move on
    /// (rolling inactivity timeout), with a compare-and-set against the record read (a
    /// session removed meanwhile stays removed; a record another request rewrote is left to
    /// it). `now` is the time the decision to use it was made at.
    async fn touch(
        &self,
        key: &str,
        parsed: Arc<Parsed>,
        now: u64,
    ) -> Result<Arc<Parsed>, StoreError> {
        let record = &parsed.record;
        let id = &parsed.id;
        let mut touched = record.clone();
        touched.last_seen_at = now;
        let sealed = Bytes::from(touched.seal(id));
        let ttl = self.lifetimes.ttl(touched.created_at, now);
        if self
            .store
            .replace(key, &parsed.raw, sealed.clone(), ttl)
            .await?
        {
            if let Some(touched) = self.parsed.parse(id, key, sealed) {
                self.index_session(key, &touched.record, &touched.session)
                    .await?;
                return Ok(touched);
            }
        }
        Ok(parsed)
    }

    /// The current session of the record read, as it is.
    async fn active(&self, parsed: Arc<Parsed>, error: Option<AuthError>) -> Current {
        Current::Active {
            user: self.user_of(&parsed).await,
            parsed,
            error,
        }
    }

    /// Carries out a decision (made at `now`) other than a refresh; `None` for
    /// [`Decision::Refresh`] and [`Decision::Wait`], which the caller handles.
    async fn settle(
        &self,
        key: &str,
        decision: Decision,
        loaded: Loaded,
        now: u64,
    ) -> Result<Option<Current>, StoreError> {
        Ok(Some(match (decision, loaded) {
            (Decision::Refresh | Decision::Wait, _) => return Ok(None),
            (Decision::Use, Loaded::Found(parsed)) => {
                let parsed = if needs_touch(parsed.record.last_use(), now) {
                    // Boxed, like the other writes below: at most once a minute per session.
                    Box::pin(self.touch(key, parsed, now)).await?
                } else {
                    parsed
                };
                self.active(parsed, None).await
            }
            (Decision::Hold, Loaded::Found(parsed)) => {
                let error = AuthError::TokensExpireTooSoon {
                    lifetime_secs: parsed.session.lifetime_secs(),
                };
                Box::pin(self.after_failure(&parsed, error)).await
            }
            (Decision::End | Decision::Discard, Loaded::Missing) => Current::Ended { error: None },
            (_, _) => {
                Box::pin(self.remove_session(key)).await?;
                Current::Ended { error: None }
            }
        }))
    }

    /// The session of the cookie `id`, refreshed first when it is due.
    pub(crate) async fn current(&self, id: &str) -> Result<Current, StoreError> {
        // A session read before: its store key is not hashed again, nor its record looked
        // up again once the store has answered.
        let remembered = self.parsed.remembered(id);
        let hashed;
        let key = match &remembered {
            Some(parsed) => &parsed.key,
            None => {
                hashed = session_key(id);
                &hashed
            }
        };
        let loaded = self.load_after(remembered.as_ref(), id, key).await?;
        let now = self.env.now();
        let decision = decide(&loaded.stored(), &self.config, &self.lifetimes, now, false);
        if let Some(current) = self.settle(key, decision, loaded, now).await? {
            return Ok(current);
        }
        // Due (within the margin) or expired with a refresh token: one refresh. Boxed: its
        // state (the token endpoint's HTTP exchange) is large, and most requests never
        // get here, so they do not carry it.
        let local = self.local_locks.get(key);
        let _turn = local.lock().await;
        Box::pin(self.refresh_once(id, key)).await
    }

    /// Refreshes the session under `key` unless another request (here or on another
    /// instance) has, waiting for it (at most `refresh_wait`) when it is under way.
    async fn refresh_once(&self, id: &str, key: &str) -> Result<Current, StoreError> {
        let lock = lock_key(key);
        let owner = self.env.random_id();
        let deadline = Instant::now() + self.refresh_wait;
        loop {
            let loaded = self.load(id, key).await?;
            let locked = !self.store.try_lock(&lock, &owner, self.lock_lease).await?;
            let now = self.env.now();
            let decision = decide(&loaded.stored(), &self.config, &self.lifetimes, now, locked);
            match decision {
                Decision::Refresh => {
                    // Read again under the lock: another instance may have refreshed between
                    // our read and our lock.
                    let outcome = match self.load(id, key).await {
                        Ok(loaded) => {
                            let now = self.env.now();
                            let decision =
                                decide(&loaded.stored(), &self.config, &self.lifetimes, now, false);
                            match (decision, loaded) {
                                (Decision::Refresh, Loaded::Found(parsed)) => {
                                    self.refresh(id, key, &parsed).await
                                }
                                (decision, loaded) => self
                                    .settle(key, decision, loaded, now)
                                    .await
                                    .map(|c| c.unwrap_or(Current::Ended { error: None })),
                            }
                        }
                        Err(e) => Err(e),
                    };
                    // A failed release only delays the next refresh by the lease.
                    let _ = self.store.unlock(&lock, &owner).await;
                    return outcome;
                }
                Decision::Wait => {}
                other => {
                    if !locked {
                        let _ = self.store.unlock(&lock, &owner).await;
                    }
                    // Anything but a refresh or a wait settles the request.
                    let settled = self.settle(key, other, loaded, now).await?;
                    return Ok(settled.unwrap_or(Current::Ended { error: None }));
                }
            }
            if Instant::now() >= deadline {
                let error = AuthError::Transport(crate::protocol::TransportError::timeout(
                    "another server's refresh of this session did not finish in time",
                ));
                return Ok(match &loaded {
                    Loaded::Found(parsed) => self.after_failure(parsed, error).await,
                    _ => Current::Ended { error: None },
                });
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// What a failed refresh leaves: the still-valid session with the error, or the
    /// stored session kept for a later try.
    async fn after_failure(&self, parsed: &Arc<Parsed>, error: AuthError) -> Current {
        match parsed.session.standing(&self.config, self.env.now()) {
            Standing::Valid { .. } => self.active(parsed.clone(), Some(error)).await,
            _ => Current::Stale { error },
        }
    }

    /// One refresh-token grant, under the lock. The new tokens are written with a
    /// compare-and-set against the record read, so a session that a sign-out removed
    /// meanwhile is never brought back.
    async fn refresh(
        &self,
        id: &str,
        key: &str,
        parsed: &Arc<Parsed>,
    ) -> Result<Current, StoreError> {
        let Some(refresh_token) = parsed.session.refresh_token() else {
            self.remove_session(key).await?;
            return Ok(Current::Ended { error: None });
        };
        let request = token_request(&self.config, TokenGrant::RefreshToken { refresh_token });
        let result = match self.http.send(request).await {
            Ok(response) => match TokenSet::from_response(&response) {
                Ok(tokens) => self.refreshed_session(&parsed.session, tokens).await,
                Err(e) => Err(e),
            },
            Err(e) => Err(AuthError::Transport(e)),
        };
        match result {
            Ok(fresh) => {
                let now = self.env.now();
                let mut record = parsed.record.refreshed(&fresh, now);
                // Tokens due on arrival are kept (a rotated refresh token must not be
                // lost) but not refreshed again before a back-off.
                let error = check_refreshed(&fresh, &self.config, now).err();
                if error.is_some() {
                    record.refresh_after = now + TOO_SOON_BACKOFF_SECS;
                }
                let sealed = Bytes::from(record.seal(id));
                let written = self
                    .store
                    .replace(
                        key,
                        &parsed.raw,
                        sealed.clone(),
                        self.lifetimes.ttl(record.created_at, now),
                    )
                    .await?;
                let reread = if written {
                    Loaded::Missing
                } else {
                    self.load(id, key).await?
                };
                match after_refresh(
                    written,
                    &reread.stored(),
                    &self.config,
                    &self.lifetimes,
                    now,
                ) {
                    Decision::Use if written => {
                        let Some(parsed) = self.parsed.parse(id, key, sealed) else {
                            return Ok(Current::Ended { error: None });
                        };
                        // The index holds the new refresh token (rotation) and last use.
                        self.index_session(key, &parsed.record, &parsed.session)
                            .await?;
                        Ok(match error {
                            Some(error) => self.after_failure(&parsed, error).await,
                            None => self.active(parsed, None).await,
                        })
                    }
                    decision => Ok(self
                        .settle(key, decision, reread, now)
                        .await?
                        .unwrap_or(Current::Ended { error: None })),
                }
            }
            Err(e) if e.is_transient() => Ok(self.after_failure(parsed, e).await),
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
    ///
    /// A signature the verifier cannot check now (the JWKS unreachable, or a key too new
    /// for a refetch during its pause) does not refuse the tokens: they came straight from
    /// the token endpoint over TLS, which OpenID Connect Core (3.1.3.7) accepts in place of
    /// the signature, and refusing them would end a valid session (and, with refresh-token
    /// rotation, lose the only refresh token that still works). The access token is
    /// verified again on use, so the app sees no user until the keys are back.
    async fn refreshed_session(
        &self,
        current: &CognitoSession,
        tokens: TokenSet,
    ) -> Result<CognitoSession, AuthError> {
        let fresh = tokens.into_session(current.scopes_string())?;
        let session = accept_refresh(current, fresh, &self.config, self.env.now())?;
        if let Some(id) = session.id_token() {
            match self.id_verifier.verify(id.jwt_token()).await {
                Ok(_) | Err(VerifyError::JwksUnavailable(_) | VerifyError::UnknownKid) => {}
                Err(e) => {
                    return Err(AuthError::TokenRejected {
                        token: "id",
                        reason: e.to_string(),
                    })
                }
            }
        }
        Ok(session)
    }
}
