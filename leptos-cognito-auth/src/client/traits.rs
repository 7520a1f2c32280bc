//! The side effects the client needs, each behind a small trait.

use std::future::Future;

use super::clock::Clock;
use crate::protocol::{AuthError, HttpRequest, HttpResponse, TransportError};

/// Sends an HTTP request. The browser adapter uses `fetch`, the server adapter `reqwest`;
/// any `Fn(HttpRequest) -> impl Future<Output = Result<HttpResponse, TransportError>>`
/// closure is an `HttpClient` too, which is how tests script responses.
///
/// An implementation reports a response of any status as `Ok` (the core reads error
/// bodies) and only a missing response (network down, timeout) as `Err`.
///
/// ```
/// use leptos_cognito_auth::client::HttpClient;
/// use leptos_cognito_auth::{HttpRequest, HttpResponse, TransportError};
///
/// fn assert_http_client(_: &impl HttpClient) {}
/// let offline = |_req: HttpRequest| async { Err::<HttpResponse, _>(TransportError::network("offline")) };
/// assert_http_client(&offline);
/// ```
pub trait HttpClient {
    /// Sends `request` and returns the response, whatever its status.
    fn send(
        &self,
        request: HttpRequest,
    ) -> impl Future<Output = Result<HttpResponse, TransportError>>;
}

impl<F, Fut> HttpClient for F
where
    F: Fn(HttpRequest) -> Fut,
    Fut: Future<Output = Result<HttpResponse, TransportError>>,
{
    fn send(
        &self,
        request: HttpRequest,
    ) -> impl Future<Output = Result<HttpResponse, TransportError>> {
        self(request)
    }
}

/// Leaves the page for another URL (the Hosted UI's authorize or logout endpoint).
pub trait Navigator {
    /// Navigates the browser to `url` (`window.location.assign`).
    fn redirect(&self, url: &str) -> Result<(), AuthError>;

    /// The current same-origin path with query and fragment, used as the return path when
    /// a sign-in starts without one. `None` means `/`.
    fn current_path(&self) -> Option<String> {
        None
    }

    /// The page's origin (`scheme://host[:port]`), which a sign-in must share with its
    /// callback URL. `None` (the default) skips that check.
    fn current_origin(&self) -> Option<String> {
        None
    }
}

/// The clock, the randomness and the page environment.
pub trait Environment: Clock {
    /// Fills `buf` with cryptographically secure random bytes.
    fn fill_random(&self, buf: &mut [u8]);

    /// The `userContextData` for Cognito advanced security, when AWS's collection script
    /// (`AmazonCognitoAdvancedSecurityData`) is on the page. The default has none.
    fn user_context_data(
        &self,
        _username: &str,
        _user_pool_id: &str,
        _client_id: &str,
    ) -> Option<String> {
        None
    }

    /// Waits for the lock `name`, shared with every other page of this origin (other
    /// tabs and windows), and returns a guard that holds it until dropped. The client
    /// takes it around a refresh when the session is in storage other tabs share, so that
    /// several tabs whose tokens expire together send one refresh request between them.
    /// The default has no other tabs and returns at once.
    fn cross_tab_lock(&self, _name: &str) -> impl Future<Output = CrossTabGuard> {
        std::future::ready(CrossTabGuard::none())
    }
}

/// Holds a lock from [`Environment::cross_tab_lock`]; dropping it releases the lock.
pub struct CrossTabGuard {
    release: Option<Box<dyn FnOnce() + Send>>,
}

impl CrossTabGuard {
    /// A guard that holds nothing (no other tabs, or no way to lock).
    pub fn none() -> Self {
        Self { release: None }
    }

    /// A guard that runs `release` when dropped.
    pub fn new(release: impl FnOnce() + Send + 'static) -> Self {
        Self {
            release: Some(Box::new(release)),
        }
    }
}

impl Drop for CrossTabGuard {
    fn drop(&mut self) {
        if let Some(release) = self.release.take() {
            release();
        }
    }
}

impl std::fmt::Debug for CrossTabGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CrossTabGuard")
            .field("held", &self.release.is_some())
            .finish()
    }
}

impl<T: Navigator + ?Sized> Navigator for &T {
    fn redirect(&self, url: &str) -> Result<(), AuthError> {
        (**self).redirect(url)
    }
    fn current_path(&self) -> Option<String> {
        (**self).current_path()
    }
    fn current_origin(&self) -> Option<String> {
        (**self).current_origin()
    }
}
