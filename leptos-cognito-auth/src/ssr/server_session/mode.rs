//! The layer's work for server sessions, per request ([`SessionMode`]): answer the kit's own
//! routes, load (and refresh) the session, refuse cross-site state changes, keep signed-out
//! visitors off protected pages, and hand the session to the app.

use std::borrow::Cow;

use axum::body::Body;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use axum::response::Response;
use futures::future::BoxFuture;

use super::record::{is_random_id, session_key};
use super::refresh::Current;
use super::routes::store_failure;
use super::session::Inner;
use super::store::cookie::{self as cookie_store, Jar};
use crate::protocol::secret::constant_time_eq;
use crate::protocol::CSRF_HEADER;
use crate::ssr::session::cookies::{self, Readers};
use crate::ssr::session::response::json_error;
use crate::ssr::session::{
    changes_state, is_same_origin_request, InitialAuth, Loaded, SessionMode, Work,
};

impl Inner {
    /// The cookie store's scope for a request (`None` with a store of its own).
    pub(crate) fn jar_for(&self, headers: &HeaderMap) -> Option<Jar> {
        let keys = self.cookie_keys.clone()?;
        let key = self.session_id(headers).map(|id| session_key(&id));
        Some(Jar::of_request(headers, key, keys, self.secure))
    }
}

impl SessionMode for Inner {
    fn scoped<'a>(&'a self, request: Request<Body>, work: Work<'a>) -> BoxFuture<'a, Response> {
        let Some(jar) = self.jar_for(request.headers()) else {
            return work(request);
        };
        Box::pin(async move {
            let (mut response, set) = cookie_store::scope(jar, work(request)).await;
            match set {
                Ok(set) => cookies::append(response.headers_mut(), &set),
                // A session too large for cookies: refused rather than half set.
                Err(e) => return store_failure(&e),
            }
            response
        })
    }

    fn route(&self, request: Request<Body>) -> Result<BoxFuture<'_, Response>, Request<Body>> {
        let paths = &self.paths;
        let (method, path) = (request.method(), request.uri().path());
        Ok(if method == Method::GET && path == paths.sign_in {
            let answer = self.sign_in_route(&request.into_parts().0);
            Box::pin(std::future::ready(answer))
        } else if method == Method::GET && path == paths.callback {
            Box::pin(async move { self.callback_route(&request.into_parts().0).await })
        } else if method == Method::POST && path == paths.sign_out {
            Box::pin(self.sign_out_route(request))
        } else if method == Method::GET && path == paths.sessions {
            Box::pin(async move { self.sessions_route(&request.into_parts().0).await })
        } else if method == Method::POST && path == paths.revoke {
            Box::pin(self.revoke_route(request))
        } else {
            return Err(request);
        })
    }

    fn load<'a>(&'a self, parts: &'a Parts) -> BoxFuture<'a, Result<Loaded, Response>> {
        Box::pin(async move {
            let (session_cookie, error_cookie) = (&self.session_cookie, &self.error_cookie);
            let mut set = Vec::new();
            // A one-shot error from the callback: shown on this page, then gone.
            let [id, error] = cookies::get_each(&parts.headers, [session_cookie, error_cookie]);
            let mut error = error
                .filter(|code| {
                    code.len() <= 64 && code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
                })
                .map(Cow::into_owned);
            if error.is_some() {
                set.push(cookies::removal(
                    error_cookie.as_str(),
                    self.secure,
                    Readers::Server,
                ));
            }
            let current = match &id {
                // A cookie that cannot be one of ours (tampered, another app's) is no
                // session, and never reaches the store.
                Some(id) if is_random_id(id) => match self.current(id).await {
                    Ok(current) => current,
                    Err(e) => return Err(store_failure(&e)),
                },
                _ => Current::Ended { error: None },
            };
            let active = match current {
                Current::Active {
                    parsed,
                    user,
                    error: refresh_error,
                } => {
                    if let Some(e) = refresh_error {
                        error.get_or_insert_with(|| e.code().to_owned());
                    }
                    Some((parsed, user))
                }
                Current::Ended { error: ended } => {
                    if id.is_some() {
                        set.push(cookies::removal(
                            session_cookie.as_str(),
                            self.secure,
                            Readers::Server,
                        ));
                    }
                    if let Some(e) = ended {
                        error.get_or_insert_with(|| e.code().to_owned());
                    }
                    None
                }
                Current::Stale { error: e } => {
                    error.get_or_insert_with(|| e.code().to_owned());
                    None
                }
            };
            if changes_state(&parts.method) && id.is_some() {
                let token_ok = match (&active, parts.headers.get(CSRF_HEADER)) {
                    (Some((parsed, _)), Some(sent)) => {
                        constant_time_eq(sent.as_bytes(), parsed.record.csrf.as_bytes())
                    }
                    // Without a live session there is nothing to act with.
                    (None, _) => true,
                    (Some(_), None) => false,
                };
                if !token_ok || !is_same_origin_request(parts) {
                    return Err(json_error(
                        StatusCode::FORBIDDEN,
                        "csrf_rejected",
                        "a request that changes state must come from this site and carry the session's x-csrf-token header",
                    ));
                }
            }
            if active.is_none()
                && parts.method == Method::GET
                && self.protected.contains(parts.uri.path())
                && error.is_none()
            {
                let return_to = parts.uri.path_and_query().map_or("/", |p| p.as_str());
                let mut answer = self.start_sign_in(&parts.headers, return_to);
                cookies::append(answer.headers_mut(), &set);
                return Err(answer);
            }
            let (view, user) = match active {
                Some((parsed, user)) => (self.session_view(&parsed, error), user),
                None => (self.signed_out_view(error), None),
            };
            let initial = InitialAuth::Server(view);
            // The session's view, as the layer found it: answered here, not by the app.
            if parts.method == Method::GET && parts.uri.path() == self.paths.session {
                return Err(self.session_route(&initial, &set));
            }
            Ok(Loaded {
                initial,
                user,
                cookies: set,
            })
        })
    }
}
