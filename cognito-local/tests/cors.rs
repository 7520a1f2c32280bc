//! Browser apps call the token, revoke and userInfo endpoints with `fetch` from another
//! origin: the emulator answers preflights and allows any origin on those endpoints only.

mod common;

use reqwest::{Method, StatusCode};

#[tokio::test]
async fn fetch_endpoints_allow_cross_origin_calls() {
    let h = common::start().await;
    for path in ["/oauth2/token", "/oauth2/revoke", "/oauth2/userInfo"] {
        let preflight = h
            .http
            .request(Method::OPTIONS, h.url(path))
            .header("Origin", "http://localhost:3000")
            .header("Access-Control-Request-Method", "POST")
            .header("Access-Control-Request-Headers", "content-type")
            .send()
            .await
            .expect("preflight");
        assert_eq!(preflight.status(), StatusCode::NO_CONTENT, "{path}");
        let headers = preflight.headers();
        assert_eq!(headers["access-control-allow-origin"], "*", "{path}");
        assert!(headers["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .contains("POST"));
        assert!(headers["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .contains("authorization"));
    }
    // An actual (failing) token request still carries the header, so the browser can read
    // Cognito's error JSON.
    let response = h
        .token(&[("grant_type", "authorization_code"), ("code", "nope")])
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
}

#[tokio::test]
async fn pages_get_no_cors_headers() {
    let h = common::start().await;
    let response = h.get("/login").await;
    assert!(response
        .headers()
        .get("access-control-allow-origin")
        .is_none());
}
