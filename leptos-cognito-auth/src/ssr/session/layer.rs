//! The one tower layer of both session modes ([`SessionLayer`]): the mode answers its own
//! routes and loads the request's session; the layer hands the session to the app (the
//! [`InitialAuth`] to render and the [`VerifiedUser`] in the request's extensions) and
//! writes the mode's cookies on the answer.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::http::request::Parts;
use axum::http::Request;
use axum::response::Response;
use cookie::Cookie;
use futures::future::BoxFuture;

use super::cookies;
use super::initial::InitialAuth;
use crate::ssr::verifier::VerifiedUser;

/// What a mode found for a request: what to render, the verified user (the typed hand-off
/// to handlers, server functions and pages: no header is forged), and cookies to set on
/// the answer.
pub(crate) struct Loaded {
    pub initial: InitialAuth,
    pub user: Option<VerifiedUser>,
    pub cookies: Vec<Cookie<'static>>,
}

/// A request's work, to run in a mode's scope: the routes, the load and the app.
pub(crate) type Work<'a> = Box<dyn FnOnce(Request<Body>) -> BoxFuture<'a, Response> + Send + 'a>;

/// A session mode: cookie mode or server sessions.
pub(crate) trait SessionMode: Send + Sync + 'static {
    /// The answer to one of the mode's own routes (server sessions' sign-in, callback and
    /// sign-out), or the request back when it is not one: decided without waiting, so that
    /// the app's requests do not carry a future of it.
    // The request comes back by value, as it went in: boxing it would allocate for every
    // request the app serves, which deciding without a future is there to avoid.
    #[allow(clippy::result_large_err)]
    fn route(&self, request: Request<Body>) -> Result<BoxFuture<'_, Response>, Request<Body>>;

    /// Loads the request's session: what to hand on, or the answer to give instead of
    /// running the app (a sign-in for a protected page, a refusal, a `503`, the session's
    /// view).
    fn load<'a>(&'a self, parts: &'a Parts) -> BoxFuture<'a, Result<Loaded, Response>>;

    /// Runs a request's whole work (`work`: the routes, the load and the app) in the
    /// mode's scope for the request. The default has none; server sessions on the cookie
    /// store hand the store the request's cookies and set what it wrote on the answer.
    fn scoped<'a>(&'a self, request: Request<Body>, work: Work<'a>) -> BoxFuture<'a, Response> {
        work(request)
    }
}

/// The tower layer of a session mode: `app.layer(sessions.layer())`, after the routes and
/// the fallback it must wrap. Built by `ServerSession::layer` and `CookieSession::layer`.
#[derive(Clone)]
pub struct SessionLayer {
    mode: Arc<dyn SessionMode>,
}

impl std::fmt::Debug for SessionLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionLayer").finish_non_exhaustive()
    }
}

impl SessionLayer {
    pub(crate) fn new(mode: Arc<dyn SessionMode>) -> Self {
        Self { mode }
    }
}

impl<S> tower::Layer<S> for SessionLayer {
    type Service = SessionService<S>;

    fn layer(&self, service: S) -> Self::Service {
        SessionService {
            service,
            mode: self.mode.clone(),
        }
    }
}

/// The service [`SessionLayer`] wraps around the app.
#[derive(Clone)]
pub struct SessionService<S> {
    service: S,
    mode: Arc<dyn SessionMode>,
}

impl<S> std::fmt::Debug for SessionService<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionService").finish_non_exhaustive()
    }
}

impl<S> tower::Service<Request<Body>> for SessionService<S>
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
        let service = std::mem::replace(&mut self.service, clone);
        let mode = self.mode.clone();
        Box::pin(async move {
            let mode = &*mode;
            let work: Work<'_> = Box::new(move |request| Box::pin(serve(mode, service, request)));
            Ok(mode.scoped(request, work).await)
        })
    }
}

/// A request's work: the mode's own routes, else the session loaded and handed to the app,
/// and the mode's cookies set on the app's answer.
async fn serve<S>(mode: &dyn SessionMode, mut service: S, request: Request<Body>) -> Response
where
    S: tower::Service<Request<Body>, Response = Response, Error = Infallible>,
{
    let request = match mode.route(request) {
        Ok(answer) => return answer.await,
        Err(request) => request,
    };
    let (mut parts, body) = request.into_parts();
    let loaded = match mode.load(&parts).await {
        Ok(loaded) => loaded,
        Err(answer) => return answer,
    };
    parts.extensions.insert(loaded.initial);
    if let Some(user) = loaded.user {
        parts.extensions.insert(user);
    }
    // The app's service cannot fail (`Error = Infallible`).
    let Ok(mut response) = service.call(Request::from_parts(parts, body)).await;
    cookies::append(response.headers_mut(), &loaded.cookies);
    response
}
