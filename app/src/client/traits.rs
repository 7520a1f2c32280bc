//! The side effects the client needs, each behind a small trait.

use std::future::Future;

use crate::core::{AuthError, HttpRequest, HttpResponse, TransportError};

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
}

/// The clock, the randomness and the page environment.
pub trait Environment {
    /// Seconds since the Unix epoch.
    fn now(&self) -> u64;

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
}

impl<T: Navigator + ?Sized> Navigator for &T {
    fn redirect(&self, url: &str) -> Result<(), AuthError> {
        (**self).redirect(url)
    }
    fn current_path(&self) -> Option<String> {
        (**self).current_path()
    }
}

impl<T: Environment + ?Sized> Environment for &T {
    fn now(&self) -> u64 {
        (**self).now()
    }
    fn fill_random(&self, buf: &mut [u8]) {
        (**self).fill_random(buf)
    }
    fn user_context_data(&self, username: &str, pool: &str, client: &str) -> Option<String> {
        (**self).user_context_data(username, pool, client)
    }
}
