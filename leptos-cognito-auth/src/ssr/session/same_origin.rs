//! The same-origin rule for requests authenticated by a cookie: the check that keeps
//! another site from using a visitor's session (CSRF), written once for the cookie session
//! layer and the server session layer.

use axum::http::header::{HOST, ORIGIN};
use axum::http::request::Parts;
use axum::http::Method;

/// Whether the request was made by a page of this site, as far as the browser says:
/// `Sec-Fetch-Site` is `same-origin` or `none` (typed in the address bar, a bookmark); a
/// request another site made the browser send (`cross-site` or `same-site`) is not. Without
/// `Sec-Fetch-Site` (older browsers, non-browser clients), a `GET` or `HEAD` counts as
/// same-origin, and a state-changing request must name this host in `Origin`.
///
/// With `SameSite=Lax` cookies this keeps cross-site requests from acting with the
/// visitor's session: a cross-site `POST` form is refused here, and a cross-site `fetch`
/// carries no cookie at all.
///
/// ```
/// use axum::http::Request;
/// use leptos_cognito_auth::ssr::is_same_origin_request;
/// let parts = |method: &str, headers: &[(&str, &str)]| {
///     let mut request = Request::builder().method(method).uri("/api/me");
///     for (name, value) in headers {
///         request = request.header(*name, *value);
///     }
///     request.body(()).unwrap().into_parts().0
/// };
/// assert!(is_same_origin_request(&parts("POST", &[("sec-fetch-site", "same-origin")])));
/// assert!(!is_same_origin_request(&parts("GET", &[("sec-fetch-site", "cross-site")])));
/// assert!(is_same_origin_request(&parts("POST", &[("host", "app.example"), ("origin", "https://app.example")])));
/// assert!(!is_same_origin_request(&parts("POST", &[("host", "app.example"), ("origin", "https://evil.example")])));
/// assert!(!is_same_origin_request(&parts("POST", &[])));
/// ```
pub fn is_same_origin_request(parts: &Parts) -> bool {
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    match header("sec-fetch-site") {
        Some(site) => site == "same-origin" || site == "none",
        None if matches!(parts.method, Method::GET | Method::HEAD) => true,
        None => match (header(ORIGIN.as_str()), header(HOST.as_str())) {
            (Some(origin), Some(host)) => {
                origin
                    .strip_prefix("http://")
                    .or_else(|| origin.strip_prefix("https://"))
                    == Some(host)
            }
            _ => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    fn parts(method: Method, headers: &[(&str, &str)]) -> Parts {
        let mut request = Request::builder().method(method).uri("/x");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.body(()).unwrap().into_parts().0
    }

    #[test]
    fn fetch_metadata_decides_when_present() {
        for (site, ok) in [
            ("same-origin", true),
            ("none", true),
            ("same-site", false),
            ("cross-site", false),
        ] {
            for method in [Method::GET, Method::POST] {
                let p = parts(method.clone(), &[("sec-fetch-site", site)]);
                assert_eq!(is_same_origin_request(&p), ok, "{method} {site}");
            }
        }
    }

    #[test]
    fn without_fetch_metadata_a_state_change_needs_this_origin() {
        assert!(is_same_origin_request(&parts(Method::GET, &[])));
        assert!(is_same_origin_request(&parts(Method::HEAD, &[])));
        assert!(!is_same_origin_request(&parts(Method::POST, &[])));
        let host = ("host", "localhost:3005");
        for (origin, ok) in [
            ("http://localhost:3005", true),
            ("https://localhost:3005", true),
            ("http://localhost:3006", false),
            ("http://evil.example", false),
            ("null", false),
        ] {
            let p = parts(Method::POST, &[host, ("origin", origin)]);
            assert_eq!(is_same_origin_request(&p), ok, "{origin}");
        }
    }
}
