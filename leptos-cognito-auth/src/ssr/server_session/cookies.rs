//! The cookies of server sessions, built and read with the `cookie` crate: the session
//! cookie (`HttpOnly`, `SameSite=Lax`, `Path=/`; `Secure` and the `__Host-` prefix except
//! on loopback http), the browser binding of pending sign-ins, and a one-shot error code.

use axum::http::header::COOKIE;
use axum::http::HeaderMap;
use cookie::time::Duration as CookieDuration;
use cookie::{Cookie, SameSite};

use crate::protocol::encoding::{is_loopback_host, split_url};

/// Whether cookies for an app whose callback is `redirect_uri` must be `Secure`: always,
/// except plain http on a loopback host (a development machine), where a browser would
/// drop them.
pub(crate) fn needs_secure(redirect_uri: &str) -> bool {
    !split_url(redirect_uri).is_some_and(|u| u.scheme == "http" && is_loopback_host(&u.host))
}

/// A cookie's name: with the `__Host-` prefix where `Secure` allows it (the browser then
/// refuses the cookie from any other host or path, and any copy without `Secure`).
pub(crate) fn name(base: &str, secure: bool) -> String {
    if secure {
        format!("__Host-{base}")
    } else {
        base.to_owned()
    }
}

/// The session cookie's base name.
pub(crate) const SESSION: &str = "lca-session";
/// The browser-binding cookie's base name: pending sign-ins belong to the browser that
/// holds it.
pub(crate) const BROWSER: &str = "lca-browser";
/// The one-shot error cookie's base name.
pub(crate) const ERROR: &str = "lca-error";

/// `Set-Cookie` for `name=value`, `HttpOnly`, `SameSite=Lax`, `Path=/`, `Secure` as
/// given, living `max_age` seconds (`None`: until the browser closes).
pub(crate) fn set(name: &str, value: &str, secure: bool, max_age: Option<i64>) -> String {
    let mut cookie = Cookie::build((name.to_owned(), value.to_owned()))
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax);
    if let Some(seconds) = max_age {
        cookie = cookie.max_age(CookieDuration::seconds(seconds));
    }
    cookie.build().to_string()
}

/// `Set-Cookie` that removes cookie `name`.
pub(crate) fn remove(name: &str, secure: bool) -> String {
    set(name, "", secure, Some(0))
}

/// The value of the request's cookie `name` (the first, if the browser sent several).
pub(crate) fn get(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| Cookie::split_parse(v.to_owned()))
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn secure_except_on_loopback_http() {
        assert!(needs_secure("https://app.example/callback"));
        assert!(needs_secure("https://localhost:3000/callback"));
        assert!(needs_secure("http://app.example/callback"));
        assert!(!needs_secure("http://localhost:3000/callback"));
        assert!(!needs_secure("http://127.0.0.1:3000/callback"));
        assert_eq!(name(SESSION, true), "__Host-lca-session");
        assert_eq!(name(SESSION, false), "lca-session");
    }

    #[test]
    fn session_cookie_attributes() {
        let c = set("__Host-lca-session", "abc", true, None);
        for part in [
            "__Host-lca-session=abc",
            "HttpOnly",
            "SameSite=Lax",
            "Secure",
            "Path=/",
        ] {
            assert!(c.contains(part), "{c} lacks {part}");
        }
        assert!(!c.contains("Domain"), "{c}");
        let plain = set("lca-session", "abc", false, Some(60));
        assert!(
            !plain.contains("Secure") && plain.contains("Max-Age=60"),
            "{plain}"
        );
        assert!(remove("lca-session", false).contains("Max-Age=0"));
    }

    #[test]
    fn reads_one_cookie_among_many_and_skips_junk() {
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            HeaderValue::from_static("a=1; lca-session=xyz; ;junk; b=2"),
        );
        assert_eq!(get(&headers, "lca-session").as_deref(), Some("xyz"));
        assert_eq!(get(&headers, "missing"), None);
    }
}
