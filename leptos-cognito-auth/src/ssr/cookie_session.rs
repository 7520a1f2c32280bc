//! Cookie session mode on the server: [`CookieSession`], built with
//! [`CookieSessionBuilder`] and mounted as one [`SessionLayer`]. The browser's
//! [`CookieStorage`] keeps the tokens in cookies (the original SDK's key names,
//! percent-encoded values); on each request the layer reads them, verifies the access token,
//! decides what `<AuthProvider>` renders on the server, hands the verified user to the app
//! (except on a state change another site made), and sends a signed-out request for a
//! protected page to the Hosted UI before anything renders.
//!
//! [`CookieStorage`]: https://docs.rs/leptos-cognito-auth/latest/leptos_cognito_auth/browser/struct.CookieStorage.html

use std::sync::Arc;

use axum::body::Body;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use axum::response::Response;
use cookie::Cookie;
use futures::future::BoxFuture;

use super::session::cookies::{self, Readers};
use super::session::protected::ProtectedPaths;
use super::session::response::{json_error, plain_error, redirect};
use super::session::{
    callback_path_for, check_protected, check_sign_in_host, cookie_acts, Env, InitialAuth, Loaded,
    SessionBuilder, SessionLayer, SessionMode, SessionSetupError,
};
use super::verifier::CognitoJwtVerifier;
use crate::protocol::authorize::{
    shorter_return_path, AuthorizeOptions, AuthorizeRequest, PendingSignIn,
};
use crate::protocol::config::rules::MAX_COOKIE_BYTES;
use crate::protocol::{
    first_render_status, AuthError, AuthStatus, CognitoConfig, CognitoSession, CognitoStorage,
    MemoryStorage, RandomSource, Storage, StorageKeys, StorageKind, PENDING_SIGN_IN_TTL,
};

/// A memory storage holding the request's cookies whose names start with `prefix`, as the
/// browser's cookie storage stored them.
fn cookies_into_memory(headers: &HeaderMap, prefix: &str) -> MemoryStorage {
    let memory = MemoryStorage::new();
    for cookie in cookies::request_cookies(headers) {
        if cookie.name().starts_with(prefix) {
            // Memory storage takes any value.
            let _ = memory.set(cookie.name(), cookie.value_trimmed());
        }
    }
    memory
}

/// The session stored in the request's cookies by the browser's cookie storage for app
/// client `client_id`, expired or not (`None` when there is none or it is unreadable).
/// The tokens are decoded, not verified. The session is judged by this server's clock: the
/// clock drift stored beside it is the browser's clock's, and is left out.
///
/// ```
/// use axum::http::{HeaderMap, HeaderValue};
/// use leptos_cognito_auth::ssr::session_from_cookies;
/// let mut headers = HeaderMap::new();
/// headers.insert("cookie", HeaderValue::from_static("theme=dark"));
/// assert!(session_from_cookies(&headers, "local-spa-client").is_none());
/// ```
pub fn session_from_cookies(headers: &HeaderMap, client_id: &str) -> Option<CognitoSession> {
    let prefix = format!("{}.", StorageKeys::new(client_id).prefix());
    CognitoStorage::new(cookies_into_memory(headers, &prefix), client_id)
        .load()
        .map(|session| session.with_clock_drift(0))
}

/// What to render for a session read from the cookies at `now`: the status
/// [`first_render_status`] gives for its standing and whether the server accepted its
/// access token (`verified`), which the page carries to the browser's first render, so
/// hydration matches; and, signed in, the session without its refresh token.
pub fn initial_auth(
    session: Option<CognitoSession>,
    config: &CognitoConfig,
    verified: bool,
    now: u64,
) -> InitialAuth {
    let standing = session.as_ref().map(|s| s.standing(config, now));
    let status = first_render_status(standing, verified);
    let session = match (status, session) {
        (AuthStatus::SignedIn, Some(s)) => CognitoSession::from_tokens(
            s.id_token().map(|t| t.jwt_token()),
            s.access_token().jwt_token(),
            None,
            s.scopes_string(),
        )
        .ok(),
        _ => None,
    };
    InitialAuth::Cookie {
        status,
        session,
        server_accepted: verified,
    }
}

/// A sign-in started on the server (cookie session mode): the Hosted UI URL to redirect to
/// and the cookies to set. The first carries the pending record (state, nonce, PKCE
/// verifier, return path) under the key the browser's cookie storage reads, so
/// `<AuthCallback/>` completes it as if the browser had started it; it lives 10 minutes,
/// `SameSite=Lax` (it must come back on the Hosted UI's top-level redirect), `Secure` unless
/// the callback is plain http on a loopback host. The others delete the pending records of
/// the request's cookies that the browser would prune itself (unreadable, expired, or the
/// oldest beyond [`MAX_PENDING_SIGN_INS`](crate::protocol::MAX_PENDING_SIGN_INS)), so
/// repeated redirects do not pile up cookies.
///
/// A request to another host than the callback's (`127.0.0.1` for `localhost`, say) fails
/// with `wrong_origin`
/// ([`check_sign_in_origin`](crate::protocol::check_sign_in_origin)) and sets nothing: the
/// pending record's cookie would belong to this host, and the callback would not find it.
pub fn server_sign_in(
    config: &CognitoConfig,
    return_to: &str,
    request_headers: &HeaderMap,
    now: u64,
    random: &dyn RandomSource,
) -> Result<(String, Vec<Cookie<'static>>), AuthError> {
    check_sign_in_host(config, request_headers)?;
    let store = CognitoStorage::new(
        cookies_into_memory(
            request_headers,
            &StorageKeys::new(config.client_id()).pending_sign_in_prefix(),
        ),
        config.client_id(),
    );
    let rng = |buf: &mut [u8]| random.fill(buf);
    let options = AuthorizeOptions {
        return_to,
        ..AuthorizeOptions::default()
    };
    let mut request = AuthorizeRequest::new(config, &rng, now, options)?;
    let key = store.keys().pending_sign_in(&request.pending.state);
    fit_in_a_cookie(&key, &mut request.pending);
    let removed = store.save_pending(&request.pending)?;
    let secure = cookies::secure_for(config.redirect_uri_sign_in());
    let ttl = i64::try_from(PENDING_SIGN_IN_TTL).unwrap_or(i64::MAX);
    let mut set = vec![cookies::build(
        key,
        request.pending.to_json(),
        secure,
        Readers::Page,
        Some(ttl),
    )];
    set.extend(
        removed
            .into_iter()
            .map(|gone| cookies::removal(gone, secure, Readers::Page)),
    );
    Ok((request.url, set))
}

/// Shortens the return path of `pending` until its cookie `key` is one a browser keeps (a
/// long query, percent-encoded, can take it past [`MAX_COOKIE_BYTES`]): the path without
/// its query, else `/`. The sign-in then completes and lands there; a cookie the browser
/// refused would have failed it at the callback.
fn fit_in_a_cookie(key: &str, pending: &mut PendingSignIn) {
    let size = |pending: &PendingSignIn| {
        let cookie = cookies::build(
            key.to_owned(),
            pending.to_json(),
            false,
            Readers::Page,
            None,
        );
        cookie.encoded().stripped().to_string().len()
    };
    while size(pending) > MAX_COOKIE_BYTES {
        match shorter_return_path(&pending.return_to) {
            Some(shorter) => pending.return_to = shorter,
            None => return,
        }
    }
}

/// Cookie session mode for an axum app, in one layer: for every request it reads the
/// session the browser's cookie storage wrote, verifies its access token, and
/// - sends a signed-out `GET` of a [protected](SessionBuilder::protect) page to the
///   Hosted UI before anything renders (the pending sign-in goes into a cookie the callback
///   page reads);
/// - hands the [`VerifiedUser`] to the app in the request's extensions, where the
///   extractor and [`require_user`] look first, except on a state-changing request another
///   site made (a cross-site form post: see
///   [`is_same_origin_request`](super::is_same_origin_request)), which with the
///   cookies' `SameSite=Lax` keeps other sites from calling server functions or APIs with
///   the visitor's session, while a link followed from another site still opens the
///   visitor's own page;
/// - leaves an [`InitialAuth`] in the request's extensions, so `<AuthProvider>` renders the
///   page signed in on the server and hydrates without a flash of signed-out content.
///
/// ```no_run
/// use axum::Router;
/// use leptos_cognito_auth::ssr::{CognitoJwtVerifier, CookieSession, ExpectedTokenUse};
/// use leptos_cognito_auth::{CognitoConfig, StorageKind};
/// # fn app(routes: Router) -> Result<Router, Box<dyn std::error::Error>> {
/// let config = CognitoConfig::builder()
///     .client_id("local-spa-client")
///     .app_web_domain("http://localhost:9229")
///     .redirect_uri_sign_in("http://localhost:3000/callback")
///     .redirect_uri_sign_out("http://localhost:3000/")
///     .storage(StorageKind::Cookie)
///     .build()?;
/// let verifier = CognitoJwtVerifier::for_issuer("http://localhost:9229/us-east-1_LocalPool")
///     .client_id("local-spa-client")
///     .token_use(ExpectedTokenUse::Access)
///     .build()?;
/// let sessions = CookieSession::builder(config, verifier)
///     .protect(["/account", "/admin"])
///     .build()?;
/// let routes = routes.layer(sessions.layer());
/// # Ok(routes) }
/// ```
///
/// [`VerifiedUser`]: super::VerifiedUser
/// [`require_user`]: super::require_user
#[derive(Clone, Debug)]
pub struct CookieSession {
    mode: Arc<CookieMode>,
}

/// Builds a [`CookieSession`]: [`CookieSession::builder`], then the settings both session
/// layers take ([`SessionBuilder`]) and `build()`.
pub type CookieSessionBuilder = SessionBuilder<CookieSettings>;

/// Cookie mode's own settings, as [`CookieSession::builder`] takes them.
pub struct CookieSettings {
    config: CognitoConfig,
    verifier: CognitoJwtVerifier,
}

impl std::fmt::Debug for CookieSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CookieSettings")
            .field("client_id", &self.config.client_id())
            .finish_non_exhaustive()
    }
}

impl CookieSession {
    /// Cookie session mode for `config` (with `storage(StorageKind::Cookie)`), accepting
    /// the access tokens `verifier` accepts. No page is protected until
    /// [`protect`](SessionBuilder::protect) names some.
    pub fn builder(config: CognitoConfig, verifier: CognitoJwtVerifier) -> CookieSessionBuilder {
        SessionBuilder::new(CookieSettings { config, verifier })
    }

    /// Whether `path` is one of the protected pages or below one.
    pub fn is_protected(&self, path: &str) -> bool {
        self.mode.protected.contains(path)
    }

    /// The tower layer to mount: `router.layer(cookie_session.layer())`, after the routes
    /// and the fallback it must wrap.
    pub fn layer(&self) -> SessionLayer {
        SessionLayer::new(self.mode.clone())
    }
}

impl CookieSessionBuilder {
    /// The session layer, after checking every setting.
    ///
    /// # Errors
    /// [`SessionSetupError::WrongStorage`] for a configuration of another mode,
    /// [`SessionSetupError::BadPath`] for a protected path that is not absolute, and
    /// [`SessionSetupError::ConflictingPaths`] for one that covers the callback.
    pub fn build(self) -> Result<CookieSession, SessionSetupError> {
        let Self {
            mode: CookieSettings { config, verifier },
            protected,
            env,
        } = self;
        let callback = callback_path_for(&config, StorageKind::Cookie, "CookieSession")?;
        check_protected(&protected, &[callback.as_str()])?;
        Ok(CookieSession {
            mode: Arc::new(CookieMode {
                config,
                verifier,
                protected,
                env,
            }),
        })
    }
}

/// Cookie mode's settings, shared by the layer.
struct CookieMode {
    config: CognitoConfig,
    verifier: CognitoJwtVerifier,
    protected: ProtectedPaths,
    env: Env,
}

impl std::fmt::Debug for CookieMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CookieMode")
            .field("client_id", &self.config.client_id())
            .field("protected", &self.protected)
            .finish_non_exhaustive()
    }
}

impl CookieMode {
    fn redirect_to_sign_in(&self, parts: &Parts) -> Response {
        let return_to = parts.uri.path_and_query().map_or("/", |p| p.as_str());
        match server_sign_in(
            &self.config,
            return_to,
            &parts.headers,
            self.env.now(),
            &*self.env.random,
        ) {
            Ok((url, set)) => redirect(&url, &set),
            // As server sessions answer it: a page that says what to open instead.
            Err(e @ AuthError::WrongOrigin { .. }) => plain_error(StatusCode::BAD_REQUEST, &e),
            Err(e) => json_error(StatusCode::INTERNAL_SERVER_ERROR, e.code(), &e.to_string()),
        }
    }
}

impl SessionMode for CookieMode {
    fn route(&self, request: Request<Body>) -> Result<BoxFuture<'_, Response>, Request<Body>> {
        // Cookie mode answers no route of its own: the callback is the app's page.
        Err(request)
    }

    fn load<'a>(&'a self, parts: &'a Parts) -> BoxFuture<'a, Result<Loaded, Response>> {
        Box::pin(async move {
            let session = session_from_cookies(&parts.headers, self.config.client_id());
            let user = match &session {
                Some(s) => self
                    .verifier
                    .verify(s.access_token().jwt_token())
                    .await
                    .ok(),
                None => None,
            };
            let initial = initial_auth(session, &self.config, user.is_some(), self.env.now());
            if parts.method == Method::GET
                && self.protected.contains(parts.uri.path())
                && initial.status() == AuthStatus::SignedOut
            {
                return Err(self.redirect_to_sign_in(parts));
            }
            Ok(Loaded {
                initial,
                // The cookie acts for the visitor on what changes nothing, and on this
                // site's own requests (CSRF).
                user: user.filter(|_| cookie_acts(parts)),
                cookies: Vec::new(),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::header::COOKIE;
    use axum::http::HeaderValue;

    const NOW: u64 = 1_700_000_000;

    /// A cookie-mode configuration (its callback at `http://localhost:3005/callback`) and a
    /// verifier for it.
    fn cookie_mode() -> (CognitoConfig, CognitoJwtVerifier) {
        let verifier = CognitoJwtVerifier::for_issuer("http://localhost:9229/p")
            .client_id("c")
            .build()
            .unwrap();
        let config = CognitoConfig::builder()
            .client_id("c")
            .app_web_domain("http://localhost:9229")
            .redirect_uri_sign_in("http://localhost:3005/callback")
            .redirect_uri_sign_out("http://localhost:3005/")
            .storage(StorageKind::Cookie)
            .build()
            .unwrap();
        (config, verifier)
    }

    #[test]
    fn protected_pages_are_the_paths_and_what_is_below_them() {
        let (config, verifier) = cookie_mode();
        let session = CookieSession::builder(config, verifier)
            .protect(["/protected", "/admin/"])
            .build()
            .unwrap();
        for (path, protected) in [
            ("/protected", true),
            ("/protected/deeper", true),
            ("/admin", true),
            ("/admin/users", true),
            ("/administrators", false),
            ("/", false),
            ("/callback", false),
            ("/protectedx", false),
        ] {
            assert_eq!(session.is_protected(path), protected, "{path}");
        }
    }

    #[test]
    fn no_cookies_is_signed_out() {
        let config = CognitoConfig::builder()
            .client_id("c")
            .app_web_domain("http://localhost:9229")
            .scopes(["openid"])
            .redirect_uri_sign_in("http://localhost:3005/callback")
            .redirect_uri_sign_out("http://localhost:3005/")
            .build()
            .unwrap();
        let headers = HeaderMap::new();
        let initial = initial_auth(session_from_cookies(&headers, "c"), &config, false, NOW);
        assert_eq!(initial.status(), AuthStatus::SignedOut);
        let env = Env::default();
        let sign_in = |headers: &HeaderMap| {
            let (url, cookies) =
                server_sign_in(&config, "/protected", headers, NOW, &*env.random).unwrap();
            let cookies: Vec<String> = cookies.iter().map(|c| c.encoded().to_string()).collect();
            (url, cookies)
        };
        let (url, cookies) = sign_in(&headers);
        assert!(url.starts_with("http://localhost:9229/oauth2/authorize?"));
        assert_eq!(cookies.len(), 1);
        let cookie = &cookies[0];
        let state = url
            .split(['?', '&'])
            .find_map(|p| p.strip_prefix("state="))
            .unwrap();
        assert!(cookie.starts_with(&format!(
            "CognitoIdentityServiceProvider.c.pendingSignIn.{state}=%7B"
        )));
        for attribute in ["Path=/", "Max-Age=600", "SameSite=Lax"] {
            assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
        }
        // The browser client reads it: not HttpOnly; plain http on loopback: not Secure.
        assert!(
            !cookie.contains("HttpOnly") && !cookie.contains("Secure"),
            "{cookie}"
        );
        // The record reads back through the same decoding.
        let pair = |cookie: &str| cookie.split(';').next().unwrap().to_owned();
        let mut h = HeaderMap::new();
        h.insert(COOKIE, HeaderValue::from_str(&pair(cookie)).unwrap());
        let record = cookies::request_cookies(&h).next().unwrap();
        assert!(record.value().contains("\"return_to\":\"/protected\""));

        // Redirected again and again without signing in: the oldest records are deleted,
        // so at most MAX_PENDING_SIGN_INS stay (and an unreadable one goes at once).
        let mut jar = vec![
            pair(cookie),
            "CognitoIdentityServiceProvider.c.pendingSignIn.b3RoZXItdGFiLXN0YXRlLXN0YXRl=junk"
                .to_owned(),
        ];
        for round in 0..4 {
            let mut h = HeaderMap::new();
            h.insert(COOKIE, HeaderValue::from_str(&jar.join("; ")).unwrap());
            let (_, cookies) = sign_in(&h);
            for c in &cookies[1..] {
                assert!(c.contains("=; ") && c.contains("Max-Age=0"), "{c}");
                let name = c.split('=').next().unwrap();
                jar.retain(|p| !p.starts_with(&format!("{name}=")));
            }
            jar.push(pair(&cookies[0]));
            assert!(
                jar.len() <= crate::protocol::MAX_PENDING_SIGN_INS,
                "round {round}: {} cookies",
                jar.len()
            );
            assert!(!jar.iter().any(|p| p.ends_with("=junk")));
        }
    }

    /// The clock drift the browser stored beside its session (its clock two hours behind
    /// Cognito's, say) is the browser's: the server judges the cookies' session by its own
    /// clock, so a session valid now renders signed in.
    #[test]
    fn the_server_judges_the_cookies_session_by_its_own_clock() {
        use crate::protocol::jwt::tests::jwt;
        use crate::protocol::{MemoryStorage, Secret, Storage};
        let (config, _) = cookie_mode();
        let claims = |token_use: &str| {
            serde_json::json!({
                "sub": "s", "username": "alice", "cognito:username": "alice", "aud": "c",
                "client_id": "c", "token_use": token_use, "iat": NOW - 60, "exp": NOW + 3_540,
            })
        };
        let session = CognitoSession::from_tokens(
            Some(&jwt(&claims("id"))),
            &jwt(&claims("access")),
            Some(Secret::new("r")),
            config.scopes_string(),
        )
        .unwrap()
        .with_clock_drift(-7_200);
        let store = CognitoStorage::new(MemoryStorage::new(), "c");
        store.save(&session).unwrap();
        let pairs: Vec<String> = (store.storage().keys().iter())
            .map(|k| {
                let value = store.storage().get(k).unwrap();
                format!("{k}={}", crate::protocol::encoding::encode(&value))
            })
            .collect();
        assert!(
            pairs.iter().any(|p| p.ends_with(".clockDrift=-7200")),
            "{pairs:?}"
        );
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, HeaderValue::from_str(&pairs.join("; ")).unwrap());

        let read = session_from_cookies(&headers, "c").expect("the session reads back");
        assert_eq!(read.clock_drift(), 0);
        let initial = initial_auth(Some(read), &config, true, NOW);
        assert_eq!(initial.status(), AuthStatus::SignedIn);
    }

    /// A return path long enough that its pending cookie, percent-encoded, would pass what a
    /// browser keeps gives way to its path, else `/`: the sign-in still completes (the
    /// longest return path kept is 2,048 bytes).
    #[test]
    fn a_return_path_too_long_for_a_cookie_is_shortened() {
        let (config, _) = cookie_mode();
        let env = Env::default();
        let headers = HeaderMap::new();
        // `/` and `=` take three bytes each in a cookie.
        let query = format!("/search?q={}", "=/".repeat(1_000));
        let path = "/a".repeat(1_020);
        for (return_to, lands_on) in [
            ("/protected?tab=2", "/protected?tab=2"),
            (query.as_str(), "/search"),
            (&path, "/"),
        ] {
            let (_, cookies) =
                server_sign_in(&config, return_to, &headers, NOW, &*env.random).unwrap();
            let size = |cookie: &Cookie| cookie.encoded().stripped().to_string().len();
            assert!(size(&cookies[0]) <= MAX_COOKIE_BYTES, "{return_to}");
            let pair = cookies[0].encoded().stripped().to_string();
            let mut h = HeaderMap::new();
            h.insert(COOKIE, HeaderValue::from_str(&pair).unwrap());
            let record = cookies::request_cookies(&h).next().unwrap();
            let mut pending = PendingSignIn::from_json(record.value().as_bytes()).unwrap();
            assert_eq!(pending.return_to, lands_on);
            // The record with the whole path would not have fitted.
            if return_to != lands_on {
                pending.return_to = return_to.to_owned();
                let whole = cookies::build(
                    record.name().to_owned(),
                    pending.to_json(),
                    false,
                    Readers::Page,
                    None,
                );
                assert!(size(&whole) > MAX_COOKIE_BYTES, "{return_to}");
            }
        }
    }

    /// A signed-out visit to a protected page at another host than the callback's (a
    /// newcomer's `127.0.0.1` for `localhost`) gets a 400 that says so and sets no cookie,
    /// instead of a sign-in whose callback could not find its pending record.
    #[tokio::test]
    async fn a_protected_page_at_another_host_than_the_callback_says_so() {
        use tower::ServiceExt;
        let (config, verifier) = cookie_mode();
        let layer = CookieSession::builder(config, verifier)
            .protect(["/protected"])
            .build()
            .unwrap()
            .layer();
        let app = axum::Router::new()
            .route("/protected", axum::routing::get(|| async { "the page" }))
            .layer(layer);
        let visit = |host: &'static str| {
            let request = Request::get("/protected")
                .header("host", host)
                .body(Body::empty())
                .unwrap();
            app.clone().oneshot(request)
        };
        let here = visit("localhost:3005").await.unwrap();
        assert_eq!(here.status(), StatusCode::SEE_OTHER);
        assert!(here.headers().contains_key("set-cookie"));

        let elsewhere = visit("127.0.0.1:3005").await.unwrap();
        assert_eq!(elsewhere.status(), StatusCode::BAD_REQUEST);
        assert!(!elsewhere.headers().contains_key("set-cookie"));
        let body = axum::body::to_bytes(elsewhere.into_body(), 4096)
            .await
            .unwrap();
        let body = String::from_utf8(body.to_vec()).unwrap();
        assert!(body.contains("wrong_origin"), "{body}");
        assert!(body.contains("http://localhost:3005"), "{body}");
    }

    #[test]
    fn the_builder_refuses_what_cannot_work() {
        let verifier = || {
            CognitoJwtVerifier::for_issuer("http://localhost:9229/p")
                .client_id("c")
                .build()
                .unwrap()
        };
        let callback = "http://localhost:3005/auth/callback";
        let config = |storage, callback: &str| {
            CognitoConfig::builder()
                .client_id("c")
                .app_web_domain("http://localhost:9229")
                .redirect_uri_sign_in(callback)
                .redirect_uri_sign_out("http://localhost:3005/")
                .storage(storage)
                .build()
                .unwrap()
        };
        let err = CookieSession::builder(config(StorageKind::Local, callback), verifier())
            .build()
            .unwrap_err();
        assert!(
            matches!(err, SessionSetupError::WrongStorage { .. }),
            "{err}"
        );
        let err = CookieSession::builder(config(StorageKind::Cookie, callback), verifier())
            .protect(["account"])
            .build()
            .unwrap_err();
        assert_eq!(err, SessionSetupError::BadPath("account".into()));
        // Protecting the callback would keep every sign-in from completing.
        let err = CookieSession::builder(config(StorageKind::Cookie, callback), verifier())
            .protect(["/auth"])
            .build()
            .unwrap_err();
        assert!(
            matches!(err, SessionSetupError::ConflictingPaths { .. }),
            "{err}"
        );
        // A callback URL without a path is the site's root, as a browser reads it (the
        // app's page there completes the sign-in): `/callback` is then an ordinary page.
        let at_root = config(StorageKind::Cookie, "http://localhost:3005");
        CookieSession::builder(at_root.clone(), verifier())
            .protect(["/callback"])
            .build()
            .unwrap();
        let err = CookieSession::builder(at_root, verifier())
            .protect(["/"])
            .build()
            .unwrap_err();
        assert!(
            matches!(err, SessionSetupError::ConflictingPaths { .. }),
            "{err}"
        );
    }
}
