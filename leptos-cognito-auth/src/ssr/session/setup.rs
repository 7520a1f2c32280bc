//! What both session builders share: the setup error, the injected clock and randomness,
//! and the check of the paths a layer answers or protects.

use std::sync::Arc;

use super::protected::ProtectedPaths;
use crate::client::{Clock, Environment, SystemEnvironment};
use crate::protocol::{CognitoConfig, RandomSource, StorageKind};
use crate::ssr::verifier::VerifierConfigError;

/// Why a session layer ([`ServerSession`](crate::ssr::ServerSession) or
/// [`CookieSession`](crate::ssr::CookieSession)) could not be built. Every setting is
/// checked by `build()`: nothing is accepted now to fail, or be ignored, later.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SessionSetupError {
    /// The configuration names neither a user pool nor an issuer, so tokens cannot be
    /// verified.
    #[error("server sessions need the user pool id or the issuer, to verify the tokens")]
    NoIssuer,
    /// A verifier could not be built.
    #[error(transparent)]
    Verifier(#[from] VerifierConfigError),
    /// A route or protected path is not an absolute path.
    #[error("the path `{0}` must be an absolute path like `/auth/sign-in`")]
    BadPath(String),
    /// Two of the layer's paths are the same, or a protected path covers one of the
    /// layer's own routes.
    #[error("the paths `{first}` and `{second}` conflict: {reason}")]
    ConflictingPaths {
        /// One path.
        first: String,
        /// The other.
        second: String,
        /// Why they cannot both be.
        reason: &'static str,
    },
    /// A store shared by several server instances needs the same secret on every one.
    #[error(
        "a session store shared by several server instances needs a session secret, the same \
         on every instance: set it with `.secret([...])` (the demo reads \
         COGNITO_SESSION_SECRET)"
    )]
    MissingSecret,
    /// A secret too short to be a key.
    #[error(
        "a session secret must have at least {min} characters (a random 32-byte value in \
         base64, for example `openssl rand -base64 32`)"
    )]
    WeakSecret {
        /// The shortest accepted.
        min: usize,
    },
    /// A session lifetime ([`inactivity_timeout`](crate::ssr::ServerSessionBuilder::inactivity_timeout)
    /// or [`absolute_lifetime`](crate::ssr::ServerSessionBuilder::absolute_lifetime)) under
    /// 5 minutes or over 10 years. A session in use has its last use written at most once a
    /// minute, so a shorter inactivity timeout would end sessions in use (and a protected
    /// page would send the browser round the sign-in again and again); 10 years is
    /// Cognito's longest refresh-token lifetime.
    #[error("`{setting}` must be between 5 minutes and 10 years (3,650 days)")]
    BadLifetime {
        /// The builder method: `inactivity_timeout` or `absolute_lifetime`.
        setting: &'static str,
    },
    /// The user-pool endpoint ([`user_pool_endpoint`](crate::ssr::ServerSessionBuilder::user_pool_endpoint))
    /// is not an `https` URL (plain `http` only to a loopback host): signing out everywhere
    /// sends the user's access token there.
    #[error("the user-pool endpoint is not usable: {0}")]
    BadUserPoolEndpoint(String),
    /// Server sessions answer the callback at the path of
    /// [`redirect_uri_sign_in`](crate::CognitoConfigBuilder::redirect_uri_sign_in), so it
    /// must be a path of its own: at the site's root every visit to the home page would be
    /// taken for a callback.
    #[error(
        "server sessions answer the callback at the path of the sign-in redirect URI `{0}`, \
         so it needs a path of its own, like `https://app.example.com/auth/callback` (the \
         same in the app client's callback URLs), not the site's root"
    )]
    CallbackAtRoot(String),
    /// The configuration is for another mode.
    #[error("{mode} needs a configuration with `storage({expected})`")]
    WrongStorage {
        /// The layer.
        mode: &'static str,
        /// The storage it needs.
        expected: &'static str,
    },
}

/// A clock and a random source, injected through the builders (the system's by default),
/// so that tests of the session layers are deterministic.
#[derive(Clone)]
pub(crate) struct Env {
    pub clock: Arc<dyn Clock + Send + Sync>,
    pub random: Arc<dyn RandomSource + Send + Sync>,
}

impl Default for Env {
    fn default() -> Self {
        Self {
            clock: Arc::new(SystemEnvironment),
            random: Arc::new(|buf: &mut [u8]| SystemEnvironment.fill_random(buf)),
        }
    }
}

impl Env {
    /// Seconds since the Unix epoch.
    pub fn now(&self) -> u64 {
        self.clock.now()
    }

    /// A new random value: 256 bits in base64url (session ids, anti-forgery tokens, lock
    /// owners).
    pub fn random_id(&self) -> String {
        let mut bytes = [0u8; 32];
        self.random.fill(&mut bytes);
        crate::protocol::encoding::base64url(&bytes)
    }
}

/// Checks that `config` is for the layer `mode` (its `storage` is `kind`), and returns the
/// path of its callback URL: `/` for a URL without one, as a browser reads it. Server
/// sessions, which answer the callback themselves, refuse the site's root.
pub(crate) fn callback_path_for(
    config: &CognitoConfig,
    kind: StorageKind,
    mode: &'static str,
) -> Result<String, SessionSetupError> {
    if config.storage() != kind {
        return Err(SessionSetupError::WrongStorage {
            mode,
            expected: match kind {
                StorageKind::Server => "StorageKind::Server",
                _ => "StorageKind::Cookie",
            },
        });
    }
    let uri = config.redirect_uri_sign_in();
    let path = config.callback_path();
    if path == "/" && kind == StorageKind::Server {
        return Err(SessionSetupError::CallbackAtRoot(uri.to_owned()));
    }
    Ok(path.to_owned())
}

/// Checks a path a layer answers or protects: absolute, not `//` (another host for a
/// browser).
pub(crate) fn check_path(path: &str) -> Result<(), SessionSetupError> {
    if path.starts_with('/') && !path.starts_with("//") && !path.contains(['?', '#']) {
        Ok(())
    } else {
        Err(SessionSetupError::BadPath(path.to_owned()))
    }
}

/// Checks the protected paths against the layer's own routes: a protected path may not
/// cover a route the layer answers (signing in could then never start).
pub(crate) fn check_protected(
    protected: &ProtectedPaths,
    routes: &[&str],
) -> Result<(), SessionSetupError> {
    for path in protected.iter() {
        check_path(path)?;
        if let Some(route) = routes.iter().find(|route| protected.covers(path, route)) {
            return Err(SessionSetupError::ConflictingPaths {
                first: path.to_owned(),
                second: (*route).to_owned(),
                reason: "a protected path covers one of the layer's own routes",
            });
        }
    }
    Ok(())
}

/// Checks that no two routes are the same path.
pub(crate) fn check_distinct(routes: &[&str]) -> Result<(), SessionSetupError> {
    for (i, a) in routes.iter().enumerate() {
        check_path(a)?;
        if let Some(b) = routes[i + 1..].iter().find(|b| *b == a) {
            return Err(SessionSetupError::ConflictingPaths {
                first: (*a).to_owned(),
                second: (*b).to_owned(),
                reason: "two of the layer's routes are the same path",
            });
        }
    }
    Ok(())
}
