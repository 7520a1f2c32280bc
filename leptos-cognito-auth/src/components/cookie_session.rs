//! Cookie session mode on the server (feature `ssr`): reads the session the browser's
//! [`CookieStorage`] wrote (the original SDK's key names, percent-encoded values), decides
//! what `<AuthProvider>` renders on the server, and starts a sign-in from the server.
//!
//! [`CookieStorage`]: https://docs.rs/leptos-cognito-auth/latest/leptos_cognito_auth/browser/struct.CookieStorage.html

use axum::http::header::COOKIE;
use axum::http::HeaderMap;

use super::state::AuthStatus;
use crate::client::{Clock, CognitoAuth, MemoryNavigator, SystemClock, SystemEnvironment};
use crate::protocol::encoding::{encode, percent_decode_lossy};
use crate::protocol::{
    AuthError, CognitoConfig, CognitoSession, HttpRequest, HttpResponse, MemoryStorage,
    SessionStore, Storage, StorageKeys, TransportError, PENDING_SIGN_IN_TTL,
};

/// What `<AuthProvider>` renders during server-side rendering when this is in the Leptos
/// context (cookie session mode). Without it the server renders "not known yet".
///
/// Build it with [`initial_auth`] and `provide_context` it (the demo does so in
/// `leptos_routes_with_context`).
#[derive(Clone, Debug, PartialEq)]
pub struct InitialAuth {
    /// The status to render.
    pub status: AuthStatus,
    /// The session to render when signed in (ID and access tokens; never the refresh
    /// token).
    pub session: Option<CognitoSession>,
}

/// Every cookie of a request, names and values percent-decoded.
fn cookie_pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            Some((
                percent_decode_lossy(name.trim()),
                percent_decode_lossy(value.trim().trim_matches('"')),
            ))
        })
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
/// use leptos_cognito_auth::components::session_from_cookies;
/// let mut headers = HeaderMap::new();
/// headers.insert("cookie", HeaderValue::from_static("theme=dark"));
/// assert!(session_from_cookies(&headers, "local-spa-client").is_none());
/// ```
pub fn session_from_cookies(headers: &HeaderMap, client_id: &str) -> Option<CognitoSession> {
    let prefix = format!("CognitoIdentityServiceProvider.{client_id}.");
    SessionStore::new(cookies_into_memory(headers, &prefix), client_id).load()
}

/// What to render for a session read from the cookies: signed in when the kit counts it
/// valid (the same clock-skew rule as the browser) and `verified` says the server
/// accepted its access token; "not known yet" when the browser will refresh it (expired,
/// with a refresh token) or the server could not accept it; signed out without a session.
/// The browser computes the same from the same cookies before its first render, so
/// hydration matches.
pub fn initial_auth(
    session: Option<CognitoSession>,
    config: &CognitoConfig,
    verified: bool,
) -> InitialAuth {
    let Some(session) = session else {
        return InitialAuth {
            status: AuthStatus::SignedOut,
            session: None,
        };
    };
    let valid = session.has_scopes_of(config)
        && session.is_valid(SystemClock.now(), config.clock_skew_secs());
    if valid && verified {
        let without_refresh = CognitoSession::from_tokens(
            session.id_token().map(|t| t.jwt_token()),
            session.access_token().jwt_token(),
            None,
            session.scopes_string(),
        )
        .ok();
        return InitialAuth {
            status: AuthStatus::SignedIn,
            session: without_refresh,
        };
    }
    let refreshable = session.refresh_token().is_some() && session.has_scopes_of(config);
    InitialAuth {
        status: if valid || refreshable {
            AuthStatus::Loading
        } else {
            AuthStatus::SignedOut
        },
        session: None,
    }
}

/// A sign-in started on the server (cookie session mode): the Hosted UI URL to redirect to
/// and the `Set-Cookie` values. The first carries the pending record (state, nonce, PKCE
/// verifier, return path) under the key the browser's cookie storage reads, so
/// `<AuthCallback/>` completes it as if the browser had started it; it lives 10 minutes,
/// `SameSite=Lax` (it must come back on the Hosted UI's top-level redirect), `Secure` when
/// the callback URL is https. The others delete the pending records of the request's
/// cookies that the browser would prune itself (unreadable, expired, or the oldest beyond
/// [`MAX_PENDING_SIGN_INS`](crate::protocol::MAX_PENDING_SIGN_INS)), so repeated redirects do not
/// pile up cookies.
pub fn server_sign_in(
    config: &CognitoConfig,
    return_to: &str,
    request_headers: &HeaderMap,
) -> Result<(String, Vec<String>), AuthError> {
    let prefix = StorageKeys::new(config.client_id()).pending_sign_in_prefix();
    let memory = cookies_into_memory(request_headers, &prefix);
    let offline = |_: HttpRequest| async {
        Err::<HttpResponse, _>(TransportError::network("not used on the server"))
    };
    let auth = CognitoAuth::new(
        config.clone(),
        memory.clone(),
        offline,
        MemoryNavigator::new(),
        SystemEnvironment,
    );
    let before = memory.keys();
    let url = auth.sign_in_url(return_to)?;
    let after = memory.keys();
    let key = after
        .iter()
        .find(|k| !before.contains(k))
        .ok_or(AuthError::NoPendingSignIn)?;
    let record = memory.get(key).ok_or(AuthError::NoPendingSignIn)?;
    let secure = if config.redirect_uri_sign_in().starts_with("https:") {
        "; Secure"
    } else {
        ""
    };
    let mut cookies = vec![format!(
        "{}={}; Path=/; Max-Age={PENDING_SIGN_IN_TTL}; SameSite=Lax{secure}",
        encode(key),
        encode(&record)
    )];
    for gone in before.iter().filter(|k| !after.contains(k)) {
        cookies.push(format!(
            "{}=; Path=/; Max-Age=0; SameSite=Lax{secure}",
            encode(gone)
        ));
    }
    Ok((url, cookies))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

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
