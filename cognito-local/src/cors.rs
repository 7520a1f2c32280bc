//! CORS for the endpoints a browser app calls with `fetch` (token, revoke, userInfo and the
//! issuer documents), as Cognito allows: any origin, no credentials. The pages a browser
//! navigates to (authorize, login, logout) need none.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

/// Whether a path is called cross-origin by browser code.
fn is_api(path: &str) -> bool {
    matches!(
        path,
        "/oauth2/token" | "/oauth2/revoke" | "/oauth2/userInfo"
    ) || path.ends_with("/.well-known/jwks.json")
        || path.ends_with("/.well-known/openid-configuration")
}

/// Answers preflights and adds `Access-Control-Allow-Origin: *` to API responses.
pub async fn cors(request: Request, next: Next) -> Response {
    if !is_api(request.uri().path()) {
        return next.run(request).await;
    }
    let mut response = if request.method() == Method::OPTIONS {
        let mut preflight = Response::new(Body::empty());
        *preflight.status_mut() = StatusCode::NO_CONTENT;
        let headers = preflight.headers_mut();
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST, OPTIONS"),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("authorization, content-type"),
        );
        headers.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("600"),
        );
        preflight
    } else {
        next.run(request).await
    };
    let headers = response.headers_mut();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("www-authenticate"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::is_api;

    #[test]
    fn only_fetch_endpoints_get_cors() {
        for path in [
            "/oauth2/token",
            "/oauth2/revoke",
            "/oauth2/userInfo",
            "/us-east-1_LocalPool/.well-known/jwks.json",
        ] {
            assert!(is_api(path), "{path}");
        }
        for path in ["/oauth2/authorize", "/login", "/logout", "/"] {
            assert!(!is_api(path), "{path}");
        }
    }
}
