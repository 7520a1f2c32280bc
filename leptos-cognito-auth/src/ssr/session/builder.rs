//! [`SessionBuilder`]: the builder of both session layers, with the settings they share
//! (the protected pages, the clock, the randomness); each mode adds its own settings and
//! its `build()`.

use std::sync::Arc;

use super::protected::ProtectedPaths;
use super::Env;
use crate::client::Clock;
use crate::protocol::RandomSource;

/// Builds a session layer: [`ServerSession::builder`](crate::ssr::ServerSession::builder)
/// ([`ServerSessionBuilder`](crate::ssr::ServerSessionBuilder)) or
/// [`CookieSession::builder`](crate::ssr::CookieSession::builder)
/// ([`CookieSessionBuilder`](crate::ssr::CookieSessionBuilder)). Every setting is checked by
/// the mode's `build()`.
#[must_use = "call `build()` to get the session layer"]
pub struct SessionBuilder<M> {
    pub(crate) mode: M,
    pub(crate) protected: ProtectedPaths,
    pub(crate) env: Env,
}

impl<M: std::fmt::Debug> std::fmt::Debug for SessionBuilder<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionBuilder")
            .field("mode", &self.mode)
            .field("protected", &self.protected)
            .finish_non_exhaustive()
    }
}

impl<M> SessionBuilder<M> {
    pub(crate) fn new(mode: M) -> Self {
        Self {
            mode,
            protected: ProtectedPaths::default(),
            env: Env::default(),
        }
    }

    /// Pages a signed-out visitor is sent to sign in from before they render: each path
    /// and everything below it (`/admin` protects `/admin` and `/admin/users`, not
    /// `/administrators`). List the pages your router guards with `ProtectedRoute` (name
    /// them once, in a constant both read).
    pub fn protect<I, S>(mut self, paths: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.protected.extend(paths);
        self
    }

    /// The clock (default: the system's), for tests.
    pub fn clock(mut self, clock: impl Clock + Send + Sync + 'static) -> Self {
        self.env.clock = Arc::new(clock);
        self
    }

    /// The random source of session ids, anti-forgery tokens, `state`, `nonce` and PKCE
    /// verifiers (default: the operating system's), for tests. It must be
    /// cryptographically secure in production. (Encryption nonces never come from it.)
    pub fn random(mut self, random: impl RandomSource + Send + Sync + 'static) -> Self {
        self.env.random = Arc::new(random);
        self
    }
}
