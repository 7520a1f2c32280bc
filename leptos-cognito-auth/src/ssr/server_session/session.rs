//! [`ServerSession`] and its builder: the settings, checked once, shared by every request
//! through an immutable handle.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use super::local::{LocalLocks, Parsed, ParsedRecords};
use super::store::SessionStore;
use crate::protocol::config::rules::{check_url, UrlRule};
use crate::protocol::{
    CognitoConfig, ResponseType, ServerSessionView, SignInParameter, StorageKind,
};
use crate::ssr::http::ServerHttp;
use crate::ssr::session::protected::ProtectedPaths;
use crate::ssr::session::seal::{Keyring, Purpose, MIN_SECRET_LEN};
use crate::ssr::session::{
    callback_path_for, check_distinct, check_protected, cookies, Env, SessionBuilder, SessionLayer,
    SessionSetupError,
};
use crate::ssr::verifier::{CognitoJwtVerifier, ExpectedTokenUse};

/// The session cookie's base name.
pub(crate) const SESSION: &str = "lca-session";
/// The one-shot error cookie's base name.
pub(crate) const ERROR: &str = "lca-error";

/// How long a server session lives: without use ([`inactivity`](Self::inactivity), rolling:
/// every request extends it) and at most ([`absolute`](Self::absolute), counted from the
/// sign-in, whatever the activity).
///
/// The defaults, and why: 7 days without use, so a laptop left for a long weekend is still
/// signed in but an abandoned session ends within a week; 30 days at most, Cognito's default
/// refresh-token lifetime, after which the server could not refresh the tokens anyway (set
/// it to the app client's refresh-token lifetime when that is shorter).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lifetimes {
    /// How long a session lives without use.
    pub inactivity: Duration,
    /// How long a session lives at most.
    pub absolute: Duration,
}

impl Default for Lifetimes {
    fn default() -> Self {
        Self {
            inactivity: Duration::from_secs(7 * 24 * 3600),
            absolute: Duration::from_secs(30 * 24 * 3600),
        }
    }
}

impl Lifetimes {
    /// The shortest lifetime `build()` accepts (5 minutes).
    const SHORTEST: Duration = Duration::from_secs(5 * 60);
    /// The longest (10 years: Cognito's longest refresh-token lifetime).
    const LONGEST: Duration = Duration::from_secs(3650 * 24 * 3600);

    /// Both lifetimes within [`SHORTEST`](Self::SHORTEST) and [`LONGEST`](Self::LONGEST),
    /// so that every sum and store expiry made of them holds.
    fn check(&self) -> Result<(), SessionSetupError> {
        for (setting, lifetime) in [
            ("inactivity_timeout", self.inactivity),
            ("absolute_lifetime", self.absolute),
        ] {
            if !(Self::SHORTEST..=Self::LONGEST).contains(&lifetime) {
                return Err(SessionSetupError::BadLifetime { setting });
            }
        }
        Ok(())
    }

    /// The store expiry of a session made at `created_at` and used at `now`: the inactivity
    /// timeout, but never past the absolute lifetime (at least a second).
    pub(crate) fn ttl(&self, created_at: u64, now: u64) -> Duration {
        let left = (created_at + self.absolute.as_secs()).saturating_sub(now);
        self.inactivity
            .min(Duration::from_secs(left))
            .max(Duration::from_secs(1))
    }

    /// Whether a session made at `created_at` and last used at `last_seen_at` has ended at
    /// `now`.
    pub(crate) fn ended(&self, created_at: u64, last_seen_at: u64, now: u64) -> bool {
        now >= created_at.saturating_add(self.absolute.as_secs())
            || now >= last_seen_at.saturating_add(self.inactivity.as_secs())
    }
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
    /// The user's sessions as JSON [`/auth/sessions`]; `POST <sessions>/revoke` ends one.
    pub sessions: String,
    /// `POST` with the anti-forgery token and `id`: ends one of the user's sessions.
    pub revoke: String,
}

/// Server sessions for one app client: mount [`layer`](Self::layer) around any axum app
/// (it answers its own routes before the app sees them). Built with
/// [`ServerSession::builder`]; the handle is immutable and cheap to clone, so no setting can
/// be lost after it is built.
///
/// - `GET /auth/sign-in?return_to=/path` starts a sign-in (state, nonce, PKCE S256
///   verifier, return path) and redirects to the Hosted UI. Nothing is stored on the server
///   for a visitor who never signs in: the pending sign-in travels sealed (AES-256-GCM) in a
///   short-lived `HttpOnly` cookie of the browser that started it. The managed-login
///   parameters the app allows ([`sign_in_parameters`](ServerSessionBuilder::sign_in_parameters))
///   may come in the query too, such as `prompt=none` for a silent sign-in.
/// - The callback (the path of `redirect_uri_sign_in`) takes the pending sign-in from that
///   cookie (a callback carried to another browser finds none; a replayed one finds it
///   spent), checks the state, exchanges the code from the server (as a confidential client
///   when a secret is configured: it never leaves the server), verifies the ID token's
///   signature against the JWKS and its nonce, issuer and audience, stores the session
///   sealed under a new random id, sets the session cookie and redirects to the saved
///   same-origin path. A silent sign-in's `login_required` answer goes back to that path,
///   still signed out and with no error.
/// - `POST /auth/sign-out` (same-origin, with the session's anti-forgery token) revokes
///   the refresh token, deletes the session everywhere and redirects to Cognito's
///   `/logout`.
/// - `GET /auth/session` answers what the page shows of the session ([`ServerSessionView`])
///   as JSON.
/// - On every request the layer loads the session, refreshes it on the server when the
///   access token is within the refresh margin (one refresh per session across every
///   instance that shares the store), refuses state-changing requests without the
///   anti-forgery token (CSRF), sends signed-out requests for protected pages to sign in
///   before anything renders, and hands the verified user to the app in the request's
///   extensions, where `VerifiedUser`, `require_user()` and `require_group()` look first.
///
/// The session cookie is `HttpOnly`, `SameSite=Lax`, `Path=/`, `Secure` with the
/// `__Host-` prefix unless the callback is plain http on a loopback host.
///
/// ```no_run
/// use axum::Router;
/// use leptos_cognito_auth::ssr::{MemorySessionStore, ServerSession};
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
/// let sessions = ServerSession::builder(config, MemorySessionStore::new())
///     .protect(["/account"])
///     .build()?;
/// let app = routes.layer(sessions.layer());
/// # Ok(app) }
/// ```
#[derive(Clone)]
pub struct ServerSession {
    pub(crate) inner: Arc<Inner>,
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

/// What every request, route and refresh shares: the settings, checked by `build()`.
pub(crate) struct Inner {
    pub config: CognitoConfig,
    pub store: Arc<dyn SessionStore>,
    pub http: ServerHttp,
    pub id_verifier: CognitoJwtVerifier,
    pub access_verifier: CognitoJwtVerifier,
    pub paths: Paths,
    pub protected: ProtectedPaths,
    /// Whether cookies get `Secure` (and the session cookie the `__Host-` prefix).
    pub secure: bool,
    /// The session cookie's name and the one-shot error cookie's, as [`Inner::cookie`]
    /// makes them (read on every request).
    pub session_cookie: String,
    pub error_cookie: String,
    /// The session lifetimes: without use, and at most.
    pub lifetimes: Lifetimes,
    /// How long a refresh lock is held at most (a holder that dies frees it then).
    pub lock_lease: Duration,
    /// How long a request waits for another instance's refresh.
    pub refresh_wait: Duration,
    pub env: Env,
    /// The managed-login parameters the sign-in route takes from the query.
    pub sign_in_parameters: Vec<SignInParameter>,
    /// The keys of the pending sign-in cookie.
    pub pending_keys: Keyring,
    /// The keys of what a user's session index holds of each session.
    pub index_keys: Keyring,
    /// With the cookie store: the keys of the record cookies.
    pub cookie_keys: Option<Arc<Keyring>>,
    /// The user-pool API, for `GlobalSignOut`.
    pub user_pool_api: Option<String>,
    /// Per-session locks of this process, so concurrent requests of one session share
    /// one refresh before the store's lock is even asked.
    pub local_locks: LocalLocks,
    pub parsed: ParsedRecords,
    /// The page's view when signed out (with no error to show), made once.
    pub signed_out: OnceLock<Arc<ServerSessionView>>,
}

/// Builds a [`ServerSession`]: [`ServerSession::builder`], its own settings below, the
/// settings both session layers take ([`SessionBuilder`]), then `build()`.
pub type ServerSessionBuilder = SessionBuilder<ServerSettings>;

/// Server sessions' own settings, as [`ServerSession::builder`] takes them.
pub struct ServerSettings {
    config: CognitoConfig,
    store: Arc<dyn SessionStore>,
    routes: Option<[String; 3]>,
    sessions_route: Option<String>,
    user_pool_api: Option<String>,
    lifetimes: Lifetimes,
    id_verifier: Option<CognitoJwtVerifier>,
    access_verifier: Option<CognitoJwtVerifier>,
    secrets: Vec<String>,
    sign_in_parameters: Vec<SignInParameter>,
}

impl std::fmt::Debug for ServerSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerSettings")
            .field("client_id", &self.config.client_id())
            .field("routes", &self.routes)
            .field("sign_in_parameters", &self.sign_in_parameters)
            .field(
                "secrets",
                &format_args!("[{} redacted]", self.secrets.len()),
            )
            .finish_non_exhaustive()
    }
}

impl ServerSession {
    /// Server sessions for `config` (with `storage(StorageKind::Server)`), kept in `store`
    /// (a [`MemorySessionStore`](super::MemorySessionStore), a
    /// [`RedisSessionStore`](super::RedisSessionStore), or an `Arc<dyn SessionStore>` chosen
    /// at run time). ID tokens are verified with a verifier for the configured issuer (or
    /// user pool) and app client; the code flow with PKCE is always used.
    pub fn builder(config: CognitoConfig, store: impl IntoStore) -> ServerSessionBuilder {
        SessionBuilder::new(ServerSettings {
            config,
            store: store.into_store(),
            routes: None,
            sessions_route: None,
            user_pool_api: None,
            lifetimes: Lifetimes::default(),
            id_verifier: None,
            access_verifier: None,
            secrets: Vec::new(),
            sign_in_parameters: Vec::new(),
        })
    }

    /// The layer to mount around the app: `app.layer(sessions.layer())`, after the routes
    /// and the fallback it must wrap. It answers the sign-in, callback, sign-out and
    /// session routes itself, so an app route of the same path (a `/callback` page of the
    /// browser modes) is never reached.
    pub fn layer(&self) -> SessionLayer {
        SessionLayer::new(self.inner.clone())
    }

    /// Whether `path` is one of the protected pages or below one.
    pub fn is_protected(&self, path: &str) -> bool {
        self.inner.protected.contains(path)
    }

    /// The sessions of the signed-in user of a request (by its session cookie in `parts`),
    /// as `GET /auth/sessions` lists them; `None` without a session. For pages that list
    /// them on the server (a server function, a handler): each has the `id` that
    /// `POST /auth/sessions/revoke` ends.
    ///
    /// # Errors
    /// [`StoreError`](crate::ssr::StoreError) when the store does not answer.
    pub async fn sessions_of(
        &self,
        parts: &axum::http::request::Parts,
    ) -> Result<Option<Vec<super::SessionInfo>>, super::StoreError> {
        match self.inner.jar_for(&parts.headers) {
            // The cookie store reads the request's cookies in a scope of its own (what it
            // would set is already on the layer's answer).
            Some(jar) => {
                super::store::cookie::scope(jar, self.inner.sessions_of_request(parts))
                    .await
                    .0
            }
            None => self.inner.sessions_of_request(parts).await,
        }
    }

    /// The route that lists the user's sessions (default `/auth/sessions`) and the one that
    /// ends one (`<route>/revoke`).
    pub fn sessions_routes(&self) -> (&str, &str) {
        (&self.inner.paths.sessions, &self.inner.paths.revoke)
    }
}

/// A session store as the builder takes it: any [`SessionStore`], or an
/// `Arc<dyn SessionStore>` chosen at run time.
pub trait IntoStore {
    /// The store, shared.
    fn into_store(self) -> Arc<dyn SessionStore>;
}

impl<S: SessionStore> IntoStore for S {
    fn into_store(self) -> Arc<dyn SessionStore> {
        Arc::new(self)
    }
}

impl IntoStore for Arc<dyn SessionStore> {
    fn into_store(self) -> Arc<dyn SessionStore> {
        self
    }
}

impl ServerSessionBuilder {
    /// Other routes for signing in, signing out and the session JSON (defaults
    /// `/auth/sign-in`, `/auth/sign-out`, `/auth/session`). The callback is always the path
    /// of `redirect_uri_sign_in`. Checked by [`build`](Self::build): absolute paths, all
    /// different.
    pub fn routes(
        mut self,
        sign_in: impl Into<String>,
        sign_out: impl Into<String>,
        session: impl Into<String>,
    ) -> Self {
        self.mode.routes = Some([sign_in.into(), sign_out.into(), session.into()]);
        self
    }

    /// Another route for the user's sessions (default `/auth/sessions`; ending one is
    /// `POST <route>/revoke`). Checked by [`build`](Self::build) like the others.
    pub fn sessions_route(mut self, path: impl Into<String>) -> Self {
        self.mode.sessions_route = Some(path.into());
        self
    }

    /// Where the user-pool API is, for signing out everywhere with `GlobalSignOut` (default:
    /// `https://cognito-idp.<region>.amazonaws.com/` of the configured user pool; a local
    /// Hosted UI serves it at its own base URL). An `https` URL, or plain `http` to a
    /// loopback host ([`SessionSetupError::BadUserPoolEndpoint`] otherwise): the user's
    /// access token is sent there.
    pub fn user_pool_endpoint(mut self, url: impl Into<String>) -> Self {
        self.mode.user_pool_api = Some(url.into());
        self
    }

    /// How long a session lives without use (default 7 days): each request extends it
    /// (rolling; the store is written at most once a minute for it). Between 5 minutes and
    /// 10 years ([`SessionSetupError::BadLifetime`] otherwise). See [`Lifetimes`].
    pub fn inactivity_timeout(mut self, timeout: Duration) -> Self {
        self.mode.lifetimes.inactivity = timeout;
        self
    }

    /// How long a session lives at most, however active (default 30 days, Cognito's default
    /// refresh-token lifetime): then the user signs in again. Between 5 minutes and 10
    /// years ([`SessionSetupError::BadLifetime`] otherwise). See [`Lifetimes`].
    pub fn absolute_lifetime(mut self, lifetime: Duration) -> Self {
        self.mode.lifetimes.absolute = lifetime;
        self
    }

    /// Verify ID tokens with this verifier instead of the one built from the
    /// configuration (another JWKS location, a test clock). It must accept ID tokens.
    pub fn id_token_verifier(mut self, verifier: CognitoJwtVerifier) -> Self {
        self.mode.id_verifier = Some(verifier);
        self
    }

    /// Verify access tokens (once per token, when a session is read or refreshed, to hand
    /// the app a [`VerifiedUser`](crate::ssr::VerifiedUser)) with this verifier instead of
    /// the one built from the configuration. It must accept access tokens.
    pub fn access_token_verifier(mut self, verifier: CognitoJwtVerifier) -> Self {
        self.mode.access_verifier = Some(verifier);
        self
    }

    /// The secrets the pending sign-in cookie is sealed with: the first seals, every one
    /// opens, so a secret is rotated by putting the new one first and dropping the old one
    /// ten minutes later (a pending sign-in lives that long). Each must have at least 32
    /// characters (`openssl rand -base64 32` makes one).
    ///
    /// Needed when the store is shared by several server instances (they must all open
    /// what any one sealed); with the in-process store a missing secret is generated at
    /// start (and logged once), and a restart then ends the sign-ins in progress.
    pub fn secret<I, S>(mut self, secrets: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.mode
            .secrets
            .extend(secrets.into_iter().map(Into::into));
        self
    }

    /// The managed-login parameters the sign-in route accepts from the browser's query
    /// (default: none), over the configuration's: `GET /auth/sign-in?prompt=none` is a
    /// silent sign-in when [`SignInParameter::Prompt`] is allowed. A parameter the app does
    /// not name, or a value that breaks its rule, is answered `400` with the reason, and no
    /// sign-in starts. Name only what the pages need: whatever is allowed, any visitor can
    /// set (an identity provider, a `resource` that becomes the access token's audience).
    ///
    /// ```no_run
    /// use leptos_cognito_auth::protocol::SignInParameter;
    /// use leptos_cognito_auth::ssr::{MemorySessionStore, ServerSession};
    /// # fn build(config: leptos_cognito_auth::CognitoConfig) -> Result<(), Box<dyn std::error::Error>> {
    /// let sessions = ServerSession::builder(config, MemorySessionStore::new())
    ///     // `try_silent_sign_in()` and a pre-filled user name, from the page.
    ///     .sign_in_parameters([SignInParameter::Prompt, SignInParameter::LoginHint])
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    pub fn sign_in_parameters(
        mut self,
        parameters: impl IntoIterator<Item = SignInParameter>,
    ) -> Self {
        for parameter in parameters {
            if !self.mode.sign_in_parameters.contains(&parameter) {
                self.mode.sign_in_parameters.push(parameter);
            }
        }
        self
    }

    /// The server sessions, after checking every setting.
    ///
    /// # Errors
    /// [`SessionSetupError`]: a configuration for another storage, without an issuer or
    /// user pool, or with its sign-in redirect URI at the site's root, a bad verifier, a
    /// route or protected path that is not absolute or conflicts with another, a lifetime
    /// out of range, a user-pool endpoint that is not `https`, a missing secret with a
    /// shared store, or a short secret.
    pub fn build(self) -> Result<ServerSession, SessionSetupError> {
        let Self {
            mode:
                ServerSettings {
                    mut config,
                    store,
                    routes,
                    sessions_route,
                    user_pool_api,
                    lifetimes,
                    id_verifier,
                    access_verifier,
                    secrets,
                    sign_in_parameters,
                },
            protected,
            env,
        } = self;
        let callback = callback_path_for(&config, StorageKind::Server, "ServerSession")?;
        lifetimes.check()?;
        let id_verifier = match id_verifier {
            Some(verifier) => verifier,
            None => verifier_for(&config, ExpectedTokenUse::Id)?,
        };
        let access_verifier = match access_verifier {
            Some(verifier) => verifier,
            None => verifier_for(&config, ExpectedTokenUse::Access)?,
        };
        let defaults = ServerSessionView::default();
        let [sign_in, sign_out, session] = routes.unwrap_or([
            defaults.sign_in_path,
            defaults.sign_out_path,
            defaults.session_path,
        ]);
        let sessions = sessions_route.unwrap_or_else(|| "/auth/sessions".to_owned());
        let revoke = format!("{}/revoke", sessions.trim_end_matches('/'));
        let all = [
            sign_in.as_str(),
            callback.as_str(),
            sign_out.as_str(),
            session.as_str(),
            sessions.as_str(),
            revoke.as_str(),
        ];
        check_distinct(&all)?;
        check_protected(&protected, &all)?;
        let secrets = match secrets.len() {
            0 if store.is_shared() => return Err(SessionSetupError::MissingSecret),
            0 => {
                tracing::info!(
                    "server sessions: no session secret set; one was generated for this \
                     process (sign-ins in progress end when it restarts)"
                );
                vec![env.random_id()]
            }
            _ => secrets,
        };
        if secrets.iter().any(|s| s.chars().count() < MIN_SECRET_LEN) {
            return Err(SessionSetupError::WeakSecret {
                min: MIN_SECRET_LEN,
            });
        }
        if let Some(url) = &user_pool_api {
            check_url(url, UrlRule::BASE)
                .map_err(|problem| SessionSetupError::BadUserPoolEndpoint(problem.reason(url)))?;
        }
        let user_pool_api = user_pool_api.or_else(|| {
            config
                .user_pool_id()
                .and_then(crate::protocol::user_pool_endpoint)
        });
        let secure = cookies::secure_for(config.redirect_uri_sign_in());
        let timeout = Duration::from_millis(u64::from(config.http_timeout_ms()));
        config.set_response_type(ResponseType::Code);
        let cookie_keys = store
            .in_cookies()
            .then(|| Arc::new(Keyring::new(&secrets, Purpose::SessionCookie)));
        Ok(ServerSession {
            inner: Arc::new(Inner {
                http: ServerHttp::new(timeout),
                config,
                store,
                id_verifier,
                access_verifier,
                paths: Paths {
                    sign_in,
                    callback,
                    sign_out,
                    session,
                    sessions,
                    revoke,
                },
                user_pool_api,
                index_keys: Keyring::new(&secrets, Purpose::SessionIndex),
                cookie_keys,
                protected,
                secure,
                session_cookie: cookies::name(SESSION, secure),
                error_cookie: cookies::name(ERROR, secure),
                lifetimes,
                lock_lease: timeout + Duration::from_secs(5),
                refresh_wait: timeout + Duration::from_secs(5),
                pending_keys: Keyring::new(&secrets, Purpose::PendingSignIn),
                env,
                sign_in_parameters,
                local_locks: LocalLocks::default(),
                parsed: ParsedRecords::default(),
                signed_out: OnceLock::new(),
            }),
        })
    }
}

/// The verifier of the configuration's tokens of one kind: its issuer (a user pool without
/// an issuer override accepts both Cognito issuer formats) and app client.
fn verifier_for(
    config: &CognitoConfig,
    token_use: ExpectedTokenUse,
) -> Result<CognitoJwtVerifier, SessionSetupError> {
    let issuers = config.issuers();
    let builder = match (issuers.as_slice(), config.user_pool_id()) {
        ([issuer], _) => CognitoJwtVerifier::for_issuer(issuer),
        (_, Some(pool)) => CognitoJwtVerifier::for_user_pool(pool),
        _ => return Err(SessionSetupError::NoIssuer),
    };
    Ok(builder
        .client_id(config.client_id())
        .token_use(token_use)
        .build()?)
}

impl Inner {
    /// A cookie name of this app (`__Host-` prefixed where `Secure` allows).
    pub(crate) fn cookie(&self, base: &str) -> String {
        cookies::name(base, self.secure)
    }

    /// The request's session id: its session cookie, when that can be one of ours (a
    /// tampered cookie or another app's is no session, and never reaches the store).
    pub(crate) fn session_id(&self, headers: &axum::http::HeaderMap) -> Option<String> {
        cookies::get(headers, &self.session_cookie).filter(|id| super::record::is_random_id(id))
    }

    /// The page's view of an active session: made once per record as this process read it
    /// and shared by its requests (one with a one-shot `error` to show gets its own).
    pub(crate) fn session_view(
        &self,
        parsed: &Parsed,
        error: Option<String>,
    ) -> Arc<ServerSessionView> {
        let make = |error| {
            let user = crate::protocol::AuthUser::without_claims(&parsed.session);
            Arc::new(self.view_of(user, Some(parsed.record.csrf.clone()), error))
        };
        match error {
            None => parsed.view.get_or_init(|| make(None)).clone(),
            error => make(error),
        }
    }

    /// The page's view when signed out: made once (one with a one-shot `error` to show
    /// gets its own).
    pub(crate) fn signed_out_view(&self, error: Option<String>) -> Arc<ServerSessionView> {
        match error {
            None => self
                .signed_out
                .get_or_init(|| Arc::new(self.view_of(None, None, None)))
                .clone(),
            error => Arc::new(self.view_of(None, None, error)),
        }
    }

    /// The browser's view of a session: the user without the claims, which stay on the
    /// server with the tokens.
    pub(crate) fn view_of(
        &self,
        user: Option<crate::protocol::AuthUser>,
        csrf_token: Option<String>,
        error: Option<String>,
    ) -> ServerSessionView {
        ServerSessionView {
            user,
            csrf_token,
            error,
            sign_in_path: self.paths.sign_in.clone(),
            sign_out_path: self.paths.sign_out.clone(),
            session_path: self.paths.session.clone(),
        }
    }
}
