//! Cookie session mode on the server: [`CookieSession`], the layer an axum app mounts with
//! one call, and the pieces it is made of. The browser's [`CookieStorage`] keeps the tokens
//! in cookies (the original SDK's key names, percent-encoded values); on each request the
//! layer reads them, verifies the access token, decides what `<AuthProvider>` renders on the
//! server, lets the cookie stand in for a bearer token on same-origin requests only, and
//! sends a signed-out request for a protected page to the Hosted UI before anything renders.
//!
//! [`CookieStorage`]: https://docs.rs/leptos-cognito-auth/latest/leptos_cognito_auth/browser/struct.CookieStorage.html

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, COOKIE, LOCATION, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, Request, StatusCode};
use axum::response::{IntoResponse, Response};

use super::protected::ProtectedPaths;
use super::same_origin::is_same_origin_request;
use super::verifier::CognitoJwtVerifier;
use crate::client::{Clock, SystemClock, SystemEnvironment};
use crate::protocol::authorize::{AuthorizeOptions, AuthorizeRequest};
use crate::protocol::encoding::encode;
use crate::protocol::{
    AuthError, AuthStatus, CognitoConfig, CognitoSession, MemoryStorage, ServerSessionView,
    SessionStore, Standing, Storage, StorageKeys, PENDING_SIGN_IN_TTL,
};

/// What `<AuthProvider>` renders during server-side rendering (cookie session mode):
/// [`CookieSession`]'s layer leaves it in the request's extensions, where the provider
/// finds it. Without it the server renders "not known yet".
#[derive(Clone, Debug, PartialEq)]
pub struct InitialAuth {
    /// The status to render.
    pub status: AuthStatus,
    /// The session to render when signed in (cookie session mode: ID and access tokens;
    /// never the refresh token).
    pub session: Option<CognitoSession>,
    /// Server sessions: what the page shows of the session (the user, never a token).
    pub server_view: Option<ServerSessionView>,
}

/// Every cookie of a request, names and values percent-decoded (by the `cookie` crate).
/// Unparsable pairs are skipped.
fn cookie_pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| cookie::Cookie::split_parse_encoded(v.to_owned()))
        .filter_map(Result::ok)
        .map(|c| (c.name().to_owned(), c.value_trimmed().to_owned()))
        .collect()
}

/// A memory storage holding the request's cookies whose names start with `prefix`, as the
/// browser's cookie storage stored them.
fn cookies_into_memory(headers: &HeaderMap, prefix: &str) -> MemoryStorage {
    let memory = MemoryStorage::new();
    for (name, value) in cookie_pairs(headers) {
        if name.starts_with(prefix) {
            // Memory storage takes any value.
            let _ = memory.set(&name, &value);
        }
    }
    memory
}

/// The session stored in the request's cookies by the browser's cookie storage for app
/// client `client_id`, expired or not (`None` when there is none or it is unreadable).
/// The tokens are decoded, not verified.
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
    SessionStore::new(cookies_into_memory(headers, &prefix), client_id).load()
}

/// What to render for a session read from the cookies, by its
/// [standing](CognitoSession::standing): signed in when it is valid and `verified` says the
/// server accepted its access token; "not known yet" when the browser will refresh it, or
/// the server could not accept it; signed out otherwise. The browser computes the same from
/// the same cookies before its first render, so hydration matches.
pub fn initial_auth(
    session: Option<CognitoSession>,
    config: &CognitoConfig,
    verified: bool,
) -> InitialAuth {
    let standing = session
        .as_ref()
        .map(|s| s.standing(config, SystemClock.now()));
    let status = match standing {
        Some(Standing::Valid { .. }) if verified => AuthStatus::SignedIn,
        Some(Standing::Valid { .. } | Standing::Refreshable) => AuthStatus::Loading,
        Some(Standing::Ended) | None => AuthStatus::SignedOut,
    };
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
    InitialAuth {
        status,
        session,
        server_view: None,
    }
}

/// A sign-in started on the server (cookie session mode): the Hosted UI URL to redirect to
/// and the `Set-Cookie` values. The first carries the pending record (state, nonce, PKCE
/// verifier, return path) under the key the browser's cookie storage reads, so
/// `<AuthCallback/>` completes it as if the browser had started it; it lives 10 minutes,
/// `SameSite=Lax` (it must come back on the Hosted UI's top-level redirect), `Secure` when
/// the callback URL is https. The others delete the pending records of the request's
/// cookies that the browser would prune itself (unreadable, expired, or the oldest beyond
/// [`MAX_PENDING_SIGN_INS`](crate::protocol::MAX_PENDING_SIGN_INS)), so repeated redirects
/// do not pile up cookies.
pub fn server_sign_in(
    config: &CognitoConfig,
    return_to: &str,
    request_headers: &HeaderMap,
) -> Result<(String, Vec<String>), AuthError> {
    let store = SessionStore::new(
        cookies_into_memory(
            request_headers,
            &StorageKeys::new(config.client_id()).pending_sign_in_prefix(),
        ),
        config.client_id(),
    );
    let env = SystemEnvironment;
    let rng = |buf: &mut [u8]| crate::client::Environment::fill_random(&env, buf);
    let options = AuthorizeOptions {
        return_to,
        ..AuthorizeOptions::default()
    };
    let request = AuthorizeRequest::new(config, &rng, env.now(), options);
    let removed = store.save_pending(&request.pending)?;
    let secure = if config.redirect_uri_sign_in().starts_with("https:") {
        "; Secure"
    } else {
        ""
    };
    let key = store.keys().pending_sign_in(&request.pending.state);
    let mut cookies = vec![format!(
        "{}={}; Path=/; Max-Age={PENDING_SIGN_IN_TTL}; SameSite=Lax{secure}",
        encode(&key),
        encode(&request.pending.to_json())
    )];
    for gone in removed {
        cookies.push(format!(
            "{}=; Path=/; Max-Age=0; SameSite=Lax{secure}",
            encode(&gone)
        ));
    }
    Ok((request.url, cookies))
}

/// Cookie session mode for an axum app, in one layer: for every request it reads the
/// session the browser's cookie storage wrote, verifies its access token, and
/// - sends a signed-out `GET` of a [protected](Self::protect) page to the Hosted UI before
///   anything renders (the pending sign-in goes into a cookie the callback page reads);
/// - puts the access token in `Authorization: Bearer`, where [`VerifiedUser`] and
///   [`require_user`] look for it, on same-origin requests only
///   ([`is_same_origin_request`]), which with the cookies' `SameSite=Lax` keeps other sites
///   from calling server functions or APIs with the visitor's session;
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
/// let routes = routes.layer(
///     CookieSession::new(config, verifier)
///         .protect(["/account", "/admin"])
///         .layer(),
/// );
/// # Ok(routes) }
/// ```
///
/// [`VerifiedUser`]: super::VerifiedUser
/// [`require_user`]: super::require_user
#[derive(Clone, Debug)]
pub struct CookieSession {
    config: CognitoConfig,
    verifier: CognitoJwtVerifier,
    protected: ProtectedPaths,
}

impl CookieSession {
    /// Cookie session mode for `config`, accepting the access tokens `verifier` accepts.
    /// No page is protected until [`protect`](Self::protect) names some.
    pub fn new(config: CognitoConfig, verifier: CognitoJwtVerifier) -> Self {
        Self {
            config,
            verifier,
            protected: ProtectedPaths::default(),
        }
    }

    /// Pages a signed-out visitor is sent to sign in from, before they render: each path
    /// and everything below it (`/admin` protects `/admin` and `/admin/users`, not
    /// `/administrators`). List the same pages your router guards with `ProtectedRoute`.
    pub fn protect<I, S>(mut self, paths: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.protected.extend(paths);
        self
    }

    /// Whether `path` is one of the protected pages or below one.
    pub fn is_protected(&self, path: &str) -> bool {
        self.protected.contains(path)
    }

    /// The tower layer to mount: `router.layer(cookie_session.layer())`.
    pub fn layer(self) -> CookieSessionLayer {
        CookieSessionLayer {
            session: Arc::new(self),
        }
    }

    /// Reads and verifies the session of one request: the response to send instead of
    /// running the app (a redirect to sign in), or the request to run it with.
    async fn handle(&self, request: Request<Body>) -> Result<Request<Body>, Response> {
        let (mut parts, body) = request.into_parts();
        let session = session_from_cookies(&parts.headers, self.config.client_id());
        let verified = match &session {
            Some(s) => self
                .verifier
                .verify(s.access_token().jwt_token())
                .await
                .is_ok(),
            None => false,
        };
        let initial = initial_auth(session.clone(), &self.config, verified);
        if parts.method == Method::GET
            && self.is_protected(parts.uri.path())
            && initial.status == AuthStatus::SignedOut
        {
            return Err(self.redirect_to_sign_in(&parts));
        }
        if let Some(session) = &session {
            if !parts.headers.contains_key(AUTHORIZATION) && is_same_origin_request(&parts) {
                let bearer = format!("Bearer {}", session.access_token().jwt_token());
                if let Ok(value) = HeaderValue::from_str(&bearer) {
                    parts.headers.insert(AUTHORIZATION, value);
                }
            }
        }
        parts.extensions.insert(initial);
        Ok(Request::from_parts(parts, body))
    }

    fn redirect_to_sign_in(&self, parts: &Parts) -> Response {
        let return_to = parts.uri.path_and_query().map_or("/", |p| p.as_str());
        match server_sign_in(&self.config, return_to, &parts.headers) {
            Ok((url, cookies)) => {
                let mut response = StatusCode::FOUND.into_response();
                let headers = response.headers_mut();
                if let Ok(location) = HeaderValue::from_str(&url) {
                    headers.insert(LOCATION, location);
                    for cookie in cookies {
                        if let Ok(cookie) = HeaderValue::from_str(&cookie) {
                            headers.append(SET_COOKIE, cookie);
                        }
                    }
                }
                headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
                response
            }
            Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
        }
    }
}

/// The tower [`Layer`](tower::Layer) of [`CookieSession::layer`].
#[derive(Clone, Debug)]
pub struct CookieSessionLayer {
    session: Arc<CookieSession>,
}

impl<S> tower::Layer<S> for CookieSessionLayer {
    type Service = CookieSessionService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        CookieSessionService {
            inner,
            session: self.session.clone(),
        }
    }
}

/// The service [`CookieSessionLayer`] wraps around the app.
#[derive(Clone, Debug)]
pub struct CookieSessionService<S> {
    inner: S,
    session: Arc<CookieSession>,
}

impl<S> tower::Service<Request<Body>> for CookieSessionService<S>
where
    S: tower::Service<Request<Body>, Response = Response, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        // The clone that was polled ready serves this request (tower's usual swap).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let session = self.session.clone();
        Box::pin(async move {
            match session.handle(request).await {
                Ok(request) => inner.call(request).await,
                Err(response) => Ok(response),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn protected_pages_are_the_paths_and_what_is_below_them() {
        let config = CognitoConfig::builder()
            .client_id("c")
            .app_web_domain("http://localhost:9229")
            .redirect_uri_sign_in("http://localhost:3005/callback")
            .redirect_uri_sign_out("http://localhost:3005/")
            .build()
            .unwrap();
        let verifier = CognitoJwtVerifier::for_issuer("http://localhost:9229/p")
            .client_id("c")
            .build()
            .unwrap();
        let session = CookieSession::new(config, verifier).protect(["/protected", "/admin/"]);
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
        let initial = initial_auth(session_from_cookies(&headers, "c"), &config, false);
        assert_eq!(initial.status, AuthStatus::SignedOut);
        let (url, cookies) = server_sign_in(&config, "/protected", &headers).unwrap();
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
        assert!(cookie.ends_with("; Path=/; Max-Age=600; SameSite=Lax"));
        // The record reads back through the same decoding.
        let pair = |cookie: &str| cookie.split(';').next().unwrap().to_owned();
        let mut h = HeaderMap::new();
        h.insert(COOKIE, HeaderValue::from_str(&pair(cookie)).unwrap());
        let pairs = cookie_pairs(&h);
        assert!(pairs[0].1.contains("\"return_to\":\"/protected\""));

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
            let (_, cookies) = server_sign_in(&config, "/protected", &h).unwrap();
            for c in &cookies[1..] {
                assert!(c.ends_with("=; Path=/; Max-Age=0; SameSite=Lax"), "{c}");
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
}
