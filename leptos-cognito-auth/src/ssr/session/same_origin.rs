//! The same-origin rule for requests authenticated by a cookie: the check that keeps
//! another site from using a visitor's session (CSRF), written once for the cookie session
//! layer, the server session layer, the extractor's token cookie and `require_user`.

use axum::http::header::{HOST, ORIGIN};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method};

use crate::protocol::{check_sign_in_origin, AuthError, CognitoConfig};

/// Whether a sign-in started on the server for this request can complete: the host the
/// browser asked for must be the callback's
/// ([`check_sign_in_origin`](crate::protocol::check_sign_in_origin)), as the pending
/// sign-in's cookie belongs to this host and a callback at another would not find it.
/// A request that names no host is let through. Both session modes check it.
pub(crate) fn check_sign_in_host(
    config: &CognitoConfig,
    headers: &HeaderMap,
) -> Result<(), AuthError> {
    request_host(headers, None).map_or(Ok(()), |host| check_sign_in_origin(config, host))
}

/// The host the browser asked for: a proxy's `X-Forwarded-Host` (its first value), else
/// `Host`, else (HTTP/2, which has no `Host` header) the request's `authority`. A page of
/// another site cannot make the browser send `X-Forwarded-Host` (a form sets no header,
/// and a cross-site `fetch` with one needs a CORS preflight that nothing here allows).
fn request_host<'a>(headers: &'a HeaderMap, authority: Option<&'a str>) -> Option<&'a str> {
    headers
        .get("x-forwarded-host")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .or_else(|| headers.get(HOST)?.to_str().ok())
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .or(authority)
}

/// Whether a request may change state: anything but `GET`, `HEAD` and `OPTIONS`.
pub(crate) fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Whether a session cookie acts for the visitor on this request: on a request that
/// changes no state (a link to this site followed from another one opens the visitor's own
/// page), and on a same-origin one ([`is_same_origin_request`]). With `SameSite=Lax`
/// cookies no other cross-site request carries the cookie at all. The one rule of every
/// cookie the kit reads as a session: cookie mode's, the verifier's
/// [`token_cookie`](crate::ssr::CognitoJwtVerifierBuilder::token_cookie) in the extractor
/// and in `require_user`. (Server sessions refuse a cross-site state change outright, and
/// ask for their anti-forgery token too.)
pub(crate) fn cookie_acts(parts: &Parts) -> bool {
    !changes_state(&parts.method) || is_same_origin_request(parts)
}

/// Whether the request was made by a page of this site, as far as the browser says:
/// `Sec-Fetch-Site` is `same-origin` or `none` (typed in the address bar, a bookmark); a
/// request another site made the browser send (`cross-site` or `same-site`) is not. Without
/// `Sec-Fetch-Site` (older browsers, plain http to another host than a loopback one,
/// non-browser clients), a `GET` or `HEAD` counts as same-origin, and a state-changing
/// request must name this host in `Origin`: the host the browser asked for, as the sign-in
/// checks read it (a proxy's `X-Forwarded-Host`, else the `Host` header, else over HTTP/2
/// the request's authority).
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
        None => {
            let authority = parts.uri.authority().map(|a| a.as_str());
            match (
                header(ORIGIN.as_str()),
                request_host(&parts.headers, authority),
            ) {
                (Some(origin), Some(host)) => {
                    origin
                        .strip_prefix("http://")
                        .or_else(|| origin.strip_prefix("https://"))
                        == Some(host)
                }
                _ => false,
            }
        }
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
        // Over HTTP/2 there is no `Host` header: the request's authority names the host.
        let h2 = |origin: &str| {
            let request = Request::builder()
                .method(Method::POST)
                .uri("https://app.example/api/x")
                .header("origin", origin);
            request.body(()).unwrap().into_parts().0
        };
        assert!(is_same_origin_request(&h2("https://app.example")));
        assert!(!is_same_origin_request(&h2("https://evil.example")));
        // Behind a proxy that names the public host in `X-Forwarded-Host` (as the sign-in
        // host check reads it too), `Host` being the app's own address.
        let proxied = |origin: &str| {
            let headers = [
                ("host", "10.0.0.5:3000"),
                ("x-forwarded-host", "app.example"),
                ("origin", origin),
            ];
            parts(Method::POST, &headers)
        };
        assert!(is_same_origin_request(&proxied("https://app.example")));
        assert!(!is_same_origin_request(&proxied("http://10.0.0.5:3000")));
        assert!(!is_same_origin_request(&proxied("https://evil.example")));
    }

    #[test]
    fn a_sign_in_starts_only_at_the_callbacks_host_as_the_browser_asked_for_it() {
        let config = CognitoConfig::builder()
            .client_id("c")
            .app_web_domain("https://auth.example")
            .redirect_uri_sign_in("https://app.example/callback")
            .redirect_uri_sign_out("https://app.example/")
            .build()
            .unwrap();
        let check = |headers: &[(&str, &str)]| {
            let mut map = HeaderMap::new();
            for (name, value) in headers {
                map.insert(
                    axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                    value.parse().unwrap(),
                );
            }
            check_sign_in_host(&config, &map).is_ok()
        };
        assert!(check(&[("host", "app.example")]));
        assert!(!check(&[("host", "127.0.0.1:3000")]));
        // A proxy's `X-Forwarded-Host` (its first value) is the host the browser asked for.
        assert!(check(&[
            ("host", "10.0.0.5:3000"),
            ("x-forwarded-host", "app.example, 10.0.0.9")
        ]));
        assert!(!check(&[
            ("host", "app.example"),
            ("x-forwarded-host", "other.example")
        ]));
        // A request that names no host is let through.
        assert!(check(&[]));
    }

    #[test]
    fn a_cookie_acts_on_requests_that_change_nothing_and_on_same_origin_ones() {
        let acts =
            |method: Method, site: &str| cookie_acts(&parts(method, &[("sec-fetch-site", site)]));
        // A link followed from another site (or a sibling subdomain) opens the visitor's page.
        for method in [Method::GET, Method::HEAD, Method::OPTIONS] {
            assert!(acts(method.clone(), "cross-site"), "{method}");
            assert!(acts(method.clone(), "same-site"), "{method}");
        }
        // A state change acts only when this site's page made it.
        for method in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
            assert!(acts(method.clone(), "same-origin"), "{method}");
            assert!(!acts(method.clone(), "cross-site"), "{method}");
            assert!(!acts(method.clone(), "same-site"), "{method}");
        }
        assert!(!changes_state(&Method::GET) && changes_state(&Method::POST));
    }
}
