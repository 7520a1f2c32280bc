//! Server sessions (RFC 10017's backend-for-frontend): the server exchanges the code,
//! keeps the tokens and refreshes them; the browser holds only an `HttpOnly` session
//! cookie. [`ServerSession`] is the whole of it: one layer to mount (it answers its own
//! routes), and a [`SessionStore`] ([`MemoryStore`], or [`RedisStore`] with feature `redis` for several
//! server instances).

mod cookies;
mod layer;
mod record;
#[cfg(feature = "redis")]
mod redis_store;
mod refresh;
mod routes;
mod store;

use std::sync::Arc;
use std::time::Duration;

pub use layer::{ServerSessionLayer, ServerSessionService};
#[cfg(feature = "redis")]
pub use redis_store::RedisStore;
pub use store::{MemoryStore, SessionStore, StoreError};

use super::http::ServerHttp;
use super::protected::ProtectedPaths;
use super::verifier::CognitoJwtVerifier;
use super::{ExpectedTokenUse, VerifierConfigError};
use crate::protocol::{CognitoConfig, ResponseType, ServerSessionView};

pub use crate::protocol::{CSRF_FIELD, CSRF_HEADER};

/// Why [`ServerSession`] could not be set up.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ServerSessionError {
    /// The configuration names neither a user pool nor an issuer, so ID tokens cannot be
    /// verified.
    #[error("server sessions need the user pool id or the issuer, to verify ID tokens")]
    NoIssuer,
    /// The ID-token verifier could not be built.
    #[error(transparent)]
    Verifier(#[from] VerifierConfigError),
    /// A route path is not an absolute path.
    #[error("the route `{0}` must be an absolute path like `/auth/sign-in`")]
    BadPath(String),
}

/// The routes of server sessions (their defaults in brackets).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Paths {
    /// Starts a sign-in: `GET <sign_in>?return_to=/path` [`/auth/sign-in`].
    pub sign_in: String,
    /// The callback: the path of the configured `redirect_uri_sign_in`.
    pub callback: String,
    /// Signs out: `POST` with the anti-forgery token [`/auth/sign-out`].
    pub sign_out: String,
    /// The session as JSON, for the browser after client-side navigation
    /// [`/auth/session`].
    pub session: String,
}

/// Server sessions for one app client: mount [`layer`](Self::layer) around any axum app
/// (it answers its own routes before the app sees them).
///
/// - `GET /auth/sign-in?return_to=/path` creates the pending sign-in (state, nonce, PKCE
///   S256 verifier, return path) on the server and redirects to the Hosted UI.
/// - The callback (the path of `redirect_uri_sign_in`) checks the state against the
///   pending sign-in, which must have been started by the same browser, exchanges the code
///   from the server (as a confidential client when a secret is configured: the secret
///   never leaves the server), verifies the ID token's signature against the JWKS and its
///   nonce, issuer and audience, stores the session under a new random id, sets the
///   session cookie and redirects to the saved same-origin path.
/// - `POST /auth/sign-out` (same-origin, with the session's anti-forgery token) revokes
///   the refresh token, deletes the session everywhere and redirects to Cognito's
///   `/logout`.
/// - `GET /auth/session` answers what the page shows of the session ([`ServerSessionView`])
///   as JSON.
/// - On every request the layer loads the session, refreshes it on the server when the
///   access token is within the refresh margin (one refresh per session across every
///   instance that shares the store), refuses state-changing requests without the
///   anti-forgery token (CSRF), sends signed-out requests for protected pages to sign in
///   before anything renders, and puts the access token where `VerifiedUser`,
///   `require_user()` and `require_group()` find it.
///
/// The session cookie is `HttpOnly`, `SameSite=Lax`, `Path=/`, `Secure` with the
/// `__Host-` prefix unless the callback is plain http on a loopback host.
///
/// ```no_run
/// use axum::Router;
/// use leptos_cognito_auth::ssr::{MemoryStore, ServerSession};
/// use leptos_cognito_auth::{CognitoConfig, StorageKind};
///
/// # fn app(routes: Router) -> Result<Router, Box<dyn std::error::Error>> {
/// let config = CognitoConfig::builder()
///     .client_id("local-server-client")
///     .client_secret("local-server-secret") // stays on the server
///     .app_web_domain("http://localhost:9229")
///     .redirect_uri_sign_in("http://localhost:3000/callback")
///     .redirect_uri_sign_out("http://localhost:3000/")
///     .issuer("http://localhost:9229/us-east-1_LocalPool")
///     .storage(StorageKind::Server)
///     .build()?;
/// let sessions = ServerSession::new(config, MemoryStore::new())?.protect(["/account"]);
/// let app = routes.layer(sessions.layer());
/// # Ok(app) }
/// ```
#[derive(Clone)]
pub struct ServerSession {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for ServerSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerSession")
            .field("client_id", &self.inner.config.client_id())
            .field("paths", &self.inner.paths)
            .field("protected", &self.inner.protected)
            .finish_non_exhaustive()
    }
}

/// What every request, route and refresh shares.
pub(crate) struct Inner {
    pub config: CognitoConfig,
    pub store: Arc<dyn SessionStore>,
    pub http: ServerHttp,
    pub id_verifier: CognitoJwtVerifier,
    pub paths: Paths,
    pub protected: ProtectedPaths,
    /// Whether cookies get `Secure` (and the session cookie the `__Host-` prefix).
    pub secure: bool,
    /// How long a session lives without use (each refresh extends it).
    pub idle_ttl: Duration,
    /// How long a refresh lock is held at most (a holder that dies frees it then).
    pub lock_lease: Duration,
    /// How long a request waits for another instance's refresh.
    pub refresh_wait: Duration,
    /// Per-session locks of this process, so concurrent requests of one session share
    /// one refresh before the store's lock is even asked.
    pub local_locks: refresh::LocalLocks,
    pub parsed: refresh::ParsedRecords,
}

impl ServerSession {
    /// Server sessions for `config`, kept in `store`. ID tokens are verified with a
    /// verifier for the configured issuer (or user pool) and app client; the code flow with
    /// PKCE is always used.
    pub fn new(
        config: CognitoConfig,
        store: impl SessionStore,
    ) -> Result<Self, ServerSessionError> {
        Self::with_store(config, Arc::new(store))
    }

    /// [`new`](Self::new) with a store chosen at run time.
    pub fn with_store(
        config: CognitoConfig,
        store: Arc<dyn SessionStore>,
    ) -> Result<Self, ServerSessionError> {
        // A user pool without an issuer override accepts both Cognito issuer formats.
        let issuers = config.issuers();
        let builder = match (issuers.as_slice(), config.user_pool_id()) {
            ([issuer], _) => CognitoJwtVerifier::for_issuer(issuer),
            (_, Some(pool)) => CognitoJwtVerifier::for_user_pool(pool),
            _ => return Err(ServerSessionError::NoIssuer),
        };
        let id_verifier = builder
            .client_id(config.client_id())
            .token_use(ExpectedTokenUse::Id)
            .build()?;
        let callback = crate::protocol::encoding::split_url(config.redirect_uri_sign_in())
            .map(|u| u.path.to_owned())
            .filter(|p| p.starts_with('/'))
            .unwrap_or_else(|| "/callback".to_owned());
        let secure = cookies::needs_secure(config.redirect_uri_sign_in());
        let timeout = Duration::from_millis(u64::from(config.http_timeout_ms()));
        let mut config = config;
        config.set_response_type(ResponseType::Code);
        let defaults = ServerSessionView::default();
        Ok(Self {
            inner: Arc::new(Inner {
                http: ServerHttp::new(timeout),
                config,
                store,
                id_verifier,
                paths: Paths {
                    sign_in: defaults.sign_in_path,
                    callback,
                    sign_out: defaults.sign_out_path,
                    session: defaults.session_path,
                },
                protected: ProtectedPaths::default(),
                secure,
                idle_ttl: Duration::from_secs(30 * 24 * 3600),
                lock_lease: timeout + Duration::from_secs(5),
                refresh_wait: timeout + Duration::from_secs(5),
                local_locks: refresh::LocalLocks::default(),
                parsed: refresh::ParsedRecords::default(),
            }),
        })
    }

    fn edit(mut self, change: impl FnOnce(&mut Inner)) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            change(inner);
        }
        self
    }

    /// Pages a signed-out visitor is sent to sign in from before they render: each path
    /// and everything below it. List the pages your router guards with `ProtectedRoute`.
    pub fn protect<I, S>(self, paths: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.edit(|inner| inner.protected.extend(paths))
    }

    /// Other routes for signing in, signing out and the session JSON (defaults
    /// `/auth/sign-in`, `/auth/sign-out`, `/auth/session`). The callback is always the path
    /// of `redirect_uri_sign_in`.
    pub fn routes(
        self,
        sign_in: &str,
        sign_out: &str,
        session: &str,
    ) -> Result<Self, ServerSessionError> {
        for path in [sign_in, sign_out, session] {
            if !path.starts_with('/') || path.starts_with("//") {
                return Err(ServerSessionError::BadPath(path.to_owned()));
            }
        }
        Ok(self.edit(|inner| {
            inner.paths.sign_in = sign_in.to_owned();
            inner.paths.sign_out = sign_out.to_owned();
            inner.paths.session = session.to_owned();
        }))
    }

    /// Verify ID tokens with this verifier instead of the one built from the
    /// configuration (another JWKS location, a test clock). It must accept ID tokens.
    pub fn id_token_verifier(self, verifier: CognitoJwtVerifier) -> Self {
        self.edit(|inner| inner.id_verifier = verifier)
    }

    /// How long an unused session lives (default 30 days, Cognito's default refresh-token
    /// lifetime); each refresh starts it again.
    pub fn idle_timeout(self, ttl: Duration) -> Self {
        self.edit(|inner| inner.idle_ttl = ttl)
    }

    /// The layer to mount around the app: `app.layer(sessions.layer())`. It answers the
    /// sign-in, callback, sign-out and session routes itself, so an app route of the same
    /// path (a `/callback` page of the browser modes) is never reached.
    pub fn layer(&self) -> ServerSessionLayer {
        ServerSessionLayer::new(self.inner.clone())
    }
}

impl Inner {
    /// The browser's view of a session: the user without the claims, which stay on the
    /// server with the tokens.
    pub(crate) fn view(
        &self,
        session: Option<&crate::protocol::CognitoSession>,
        csrf_token: Option<String>,
        error: Option<String>,
    ) -> ServerSessionView {
        ServerSessionView {
            user: session.and_then(crate::protocol::AuthUser::without_claims),
            csrf_token,
            error,
            sign_in_path: self.paths.sign_in.clone(),
            sign_out_path: self.paths.sign_out.clone(),
            session_path: self.paths.session.clone(),
        }
    }
}
