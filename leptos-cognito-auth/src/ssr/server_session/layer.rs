//! The per-request layer of server sessions: load (and refresh) the session, refuse
//! cross-site state changes, keep signed-out visitors off protected pages, and hand the
//! session to the app.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::http::header::{AUTHORIZATION, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, Request, StatusCode};
use axum::response::Response;

use super::cookies;
use super::record::is_random_id;
use super::refresh::Current;
use super::routes::json_error;
use super::{Inner, CSRF_HEADER};
use crate::protocol::secret::constant_time_eq;
use crate::protocol::AuthStatus;
use crate::ssr::{is_same_origin_request, InitialAuth};

/// The tower layer of [`ServerSession::layer`](super::ServerSession::layer).
#[derive(Clone)]
pub struct ServerSessionLayer {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for ServerSessionLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerSessionLayer").finish_non_exhaustive()
    }
}

impl ServerSessionLayer {
    pub(crate) fn new(inner: Arc<Inner>) -> Self {
        Self { inner }
    }
}

impl<S> tower::Layer<S> for ServerSessionLayer {
    type Service = ServerSessionService<S>;

    fn layer(&self, service: S) -> Self::Service {
        ServerSessionService {
            service,
            inner: self.inner.clone(),
        }
    }
}

/// The service [`ServerSessionLayer`] wraps around the app.
#[derive(Clone)]
pub struct ServerSessionService<S> {
    service: S,
    inner: Arc<Inner>,
}

impl<S> std::fmt::Debug for ServerSessionService<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerSessionService")
            .finish_non_exhaustive()
    }
}

impl<S> tower::Service<Request<Body>> for ServerSessionService<S>
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
        self.service.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        // The clone that was polled ready serves this request (tower's usual swap).
        let clone = self.service.clone();
        let mut service = std::mem::replace(&mut self.service, clone);
        let inner = self.inner.clone();
        Box::pin(async move {
            // The kit's own routes, answered here: the app never sees them.
            let paths = &inner.paths;
            let path = request.uri().path();
            if request.method() == Method::GET && path == paths.sign_in {
                let (parts, _) = request.into_parts();
                return Ok(inner.sign_in_route(&parts).await);
            }
            if request.method() == Method::GET && path == paths.callback {
                let (parts, _) = request.into_parts();
                return Ok(inner.callback_route(&parts).await);
            }
            if request.method() == Method::POST && path == paths.sign_out {
                return Ok(inner.sign_out_route(request).await);
            }
            let answers_view = request.method() == Method::GET && path == paths.session;
            let (request, set_cookies) = match inner.before(request).await {
                Ok(prepared) => prepared,
                Err(response) => return Ok(response),
            };
            let mut response = if answers_view {
                let (parts, _) = request.into_parts();
                inner.session_route(&parts)
            } else {
                service.call(request).await?
            };
            for cookie in set_cookies {
                if let Ok(value) = HeaderValue::from_str(&cookie) {
                    response.headers_mut().append(SET_COOKIE, value);
                }
            }
            Ok(response)
        })
    }
}

/// Whether a request may change state (anything but `GET`, `HEAD`, `OPTIONS`).
fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

impl Inner {
    /// Runs before the app: the request to run it with and the cookies to set on its
    /// answer, or the answer itself (a redirect to sign in, a refusal, a `503`).
    async fn before(
        &self,
        request: Request<Body>,
    ) -> Result<(Request<Body>, Vec<String>), Response> {
        let (mut parts, body) = request.into_parts();
        let session_cookie = cookies::name(cookies::SESSION, self.secure);
        let error_cookie = cookies::name(cookies::ERROR, self.secure);
        let mut set_cookies = Vec::new();
        // A one-shot error from the callback: shown on this page, then gone.
        let mut error = cookies::get(&parts.headers, &error_cookie).filter(|code| {
            code.len() <= 64 && code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
        });
        if error.is_some() {
            set_cookies.push(cookies::remove(&error_cookie, self.secure));
        }
        let id = cookies::get(&parts.headers, &session_cookie);
        let current = match &id {
            // A cookie that cannot be one of ours (tampered, another app's) is no session.
            Some(id) if is_random_id(id) => match self.current(id).await {
                Ok(current) => current,
                Err(e) => {
                    return Err(json_error(
                        StatusCode::SERVICE_UNAVAILABLE,
                        e.code(),
                        &e.to_string(),
                    ))
                }
            },
            // A cookie that cannot be one of ours, or none: no session.
            _ => Current::Ended { error: None },
        };
        let active = match current {
            Current::Active {
                record,
                session,
                error: refresh_error,
            } => {
                if let Some(e) = refresh_error {
                    error.get_or_insert_with(|| e.code().to_owned());
                }
                Some((record, session))
            }
            Current::Ended { error: ended } => {
                if id.is_some() {
                    set_cookies.push(cookies::remove(&session_cookie, self.secure));
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
        let is_own_route = parts.uri.path() == self.paths.sign_out;
        if changes_state(&parts.method) && id.is_some() && !is_own_route {
            let token_ok = match (&active, parts.headers.get(CSRF_HEADER)) {
                (Some((record, _)), Some(sent)) => {
                    constant_time_eq(sent.as_bytes(), record.csrf.as_bytes())
                }
                // Without a live session there is nothing to act with.
                (None, _) => true,
                (Some(_), None) => false,
            };
            if !token_ok || !is_same_origin_request(&parts) {
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
            return Err(self.start_sign_in(&parts.headers, return_to).await);
        }
        let initial = match &active {
            Some((record, session)) => {
                insert_bearer(&mut parts, session.access_token().jwt_token());
                InitialAuth {
                    status: AuthStatus::SignedIn,
                    session: None,
                    server_view: Some(self.view(Some(session), Some(record.csrf.clone()), error)),
                }
            }
            None => InitialAuth {
                status: AuthStatus::SignedOut,
                session: None,
                server_view: Some(self.view(None, None, error)),
            },
        };
        parts.extensions.insert(initial);
        Ok((Request::from_parts(parts, body), set_cookies))
    }
}

/// Puts the session's access token where `VerifiedUser` and `require_user()` look for it,
/// unless the request brought its own `Authorization`. Only the app sees it: it is never
/// part of a response.
fn insert_bearer(parts: &mut Parts, access_token: &str) {
    if parts.headers.contains_key(AUTHORIZATION) {
        return;
    }
    if let Ok(value) = HeaderValue::from_str(&format!("Bearer {access_token}")) {
        parts.headers.insert(AUTHORIZATION, value);
    }
}
