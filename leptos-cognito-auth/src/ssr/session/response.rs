//! The answers both session layers give instead of running the app: one redirect (`303 See
//! Other`) and one JSON error shape, never cached.

use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use cookie::Cookie;

use super::cookies;
use crate::protocol::AuthError;

/// A `303 See Other` to `location` (the browser follows it with a `GET`, whatever the
/// request was) with `set` cookies, never cached. A location that is not a valid header
/// value (it never is: locations are built from validated URLs) answers 500.
pub(crate) fn redirect(location: &str, set: &[Cookie<'static>]) -> Response {
    let Ok(location) = HeaderValue::from_str(location) else {
        tracing::error!("a redirect location is not a valid header value");
        return json_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "invalid_redirect",
            "the redirect location could not be written",
        );
    };
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    headers.insert(LOCATION, location);
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    cookies::append(headers, set);
    response
}

/// A JSON error answer (`{"error": code, "message": ...}`), never cached.
pub(crate) fn json_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = serde_json::json!({ "error": code, "message": message }).to_string();
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A plain-text error page for a browser that navigated here (a sign-in that cannot
/// start), never cached.
pub(crate) fn plain_error(status: StatusCode, error: &AuthError) -> Response {
    let body = format!("Sign-in cannot start here ({}): {error}\n", error.code());
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_are_303_uncached_with_their_cookies() {
        let cookie = cookies::build("a", "1", false, cookies::Readers::Server, None);
        let response = redirect("https://idp.example/oauth2/authorize?x=1", &[cookie]);
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            response.headers()[LOCATION],
            "https://idp.example/oauth2/authorize?x=1"
        );
        assert_eq!(response.headers()[CACHE_CONTROL], "no-store");
        assert!(response.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .starts_with("a=1"));
        assert_eq!(
            redirect("bad\nlocation", &[]).status(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }
}
