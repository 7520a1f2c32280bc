//! `/oauth2/userInfo`, `/oauth2/revoke` and `/logout`.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn userinfo_returns_the_users_attributes_for_the_tokens_scopes() {
    let h = start().await;
    let body = h.tokens_for("alice", &[]).await;
    let response = h.userinfo(body["access_token"].as_str().unwrap()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let info: Value = response.json().await.unwrap();
    assert_eq!(info["username"], "alice");
    assert_eq!(info["email"], "alice@example.com");
    assert_eq!(
        info["email_verified"], "true",
        "Cognito sends verified flags as strings"
    );
    assert_eq!(info["name"], "Alice Example");
    assert!(info["sub"].is_string());

    // scope openid only: sub and username only
    let h = start().await;
    let body = h.tokens_for("alice", &[("scope", "openid")]).await;
    let info: Value = h
        .userinfo(body["access_token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert!(info.get("email").is_none());
    assert_eq!(info["username"], "alice");

    // POST works too
    let response = h
        .http
        .post(h.url("/oauth2/userInfo"))
        .bearer_auth(body["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn userinfo_errors_carry_www_authenticate() {
    let h = start().await;
    let www = |r: &reqwest::Response| r.headers()["www-authenticate"].to_str().unwrap().to_owned();
    let response = h.get("/oauth2/userInfo").await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(www(&response).starts_with("error=\"invalid_request\", error_description="));
    let response = h
        .http
        .get(h.url("/oauth2/userInfo"))
        .header("authorization", "Basic abc")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    let body = h.tokens_for("alice", &[]).await;
    let access = body["access_token"].as_str().unwrap();
    let id = body["id_token"].as_str().unwrap();
    let mut tampered = access.to_owned();
    tampered.pop();
    tampered.push(if access.ends_with('A') { 'B' } else { 'A' });
    for token in ["not-a-jwt", "a.b.c", id, tampered.as_str()] {
        let response = h.userinfo(token).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{token}");
        assert!(www(&response).starts_with("error=\"invalid_token\""));
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "invalid_token");
    }
    // an access token without openid
    let body = h.tokens_for("alice", &[("scope", "email")]).await;
    let response = h.userinfo(body["access_token"].as_str().unwrap()).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn revoke_kills_the_refresh_token_and_its_access_tokens() {
    let h = start().await;
    let body = h.tokens_for("alice", &[]).await;
    let refresh = body["refresh_token"].as_str().unwrap();
    let access = body["access_token"].as_str().unwrap();
    let refreshed: Value = h.refresh(refresh).await.json().await.unwrap();
    let refreshed_access = refreshed["access_token"].as_str().unwrap();

    let response = h.revoke(&[("token", refresh), ("client_id", SPA)]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.text().await.unwrap().is_empty());
    // again: still 200
    let response = h.revoke(&[("token", refresh), ("client_id", SPA)]).await;
    assert_eq!(response.status(), StatusCode::OK);

    let response = h.refresh(refresh).await;
    assert_eq!(
        oauth_error(response, StatusCode::BAD_REQUEST).await,
        "invalid_grant"
    );
    for token in [access, refreshed_access] {
        assert_eq!(h.userinfo(token).await.status(), StatusCode::UNAUTHORIZED);
        // a plain JWT library (signature + exp) still accepts it
        h.verify(token, None).await;
    }
    // other sign-ins are untouched
    let other = h.tokens_for("alice", &[]).await;
    assert_eq!(
        h.refresh(other["refresh_token"].as_str().unwrap())
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn revoke_errors() {
    let h = start().await;
    let body = h.tokens_for("alice", &[]).await;
    let refresh = body["refresh_token"].as_str().unwrap();
    let access = body["access_token"].as_str().unwrap();

    let response = h.revoke(&[("client_id", SPA)]).await;
    assert_eq!(
        oauth_error(response, StatusCode::BAD_REQUEST).await,
        "invalid_request"
    );
    let response = h.revoke(&[("token", refresh)]).await;
    assert_eq!(
        oauth_error(response, StatusCode::BAD_REQUEST).await,
        "invalid_request"
    );
    let response = h.revoke(&[("token", access), ("client_id", SPA)]).await;
    assert_eq!(
        oauth_error(response, StatusCode::BAD_REQUEST).await,
        "unsupported_token_type"
    );
    let response = h.revoke(&[("token", refresh), ("client_id", "nope")]).await;
    assert_eq!(
        oauth_error(response, StatusCode::UNAUTHORIZED).await,
        "invalid_client"
    );
    let response = h
        .http
        .post(h.url("/oauth2/revoke"))
        .basic_auth(CONFIDENTIAL, Some("wrong"))
        .form(&[("token", refresh)])
        .send()
        .await
        .unwrap();
    assert_eq!(
        oauth_error(response, StatusCode::UNAUTHORIZED).await,
        "invalid_client"
    );
    // another client's token
    let response = h
        .http
        .post(h.url("/oauth2/revoke"))
        .basic_auth(CONFIDENTIAL, Some(SECRET))
        .form(&[("token", refresh)])
        .send()
        .await
        .unwrap();
    assert_eq!(
        oauth_error(response, StatusCode::BAD_REQUEST).await,
        "invalid_request"
    );
    // unknown token: 200 (nothing to revoke)
    let response = h.revoke(&[("token", "unknown"), ("client_id", SPA)]).await;
    assert_eq!(response.status(), StatusCode::OK);
    // not form encoded
    let response = h
        .http
        .post(h.url("/oauth2/revoke"))
        .body("token=x")
        .send()
        .await
        .unwrap();
    assert_eq!(
        oauth_error(response, StatusCode::BAD_REQUEST).await,
        "invalid_request"
    );
    // none of that revoked the token
    assert_eq!(h.refresh(refresh).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn logout_with_logout_uri_ends_the_session_and_does_not_revoke() {
    let h = start().await;
    let body = h.tokens_for("alice", &[]).await;
    let refresh = body["refresh_token"].as_str().unwrap();
    // the session is live
    let response = h.authorize(&code_params(&[])).await;
    assert!(url_params(&location(&response), false).contains_key("code"));

    let response = h
        .get(&format!(
            "/logout?{}",
            query(&[("client_id", SPA), ("logout_uri", SIGN_OUT)])
        ))
        .await;
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(location(&response), SIGN_OUT);
    assert!(set_cookies(response.headers())
        .iter()
        .any(|c| c.starts_with("cognito-local-session=;") && c.contains("Max-Age=0")));

    // the session is gone: authorize asks for the password
    let response = h.authorize(&code_params(&[])).await;
    assert!(location(&response).starts_with(&h.url("/login?")));
    // tokens still work
    assert_eq!(h.refresh(refresh).await.status(), StatusCode::OK);
    assert_eq!(
        h.userinfo(body["access_token"].as_str().unwrap())
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn logout_with_redirect_uri_shows_the_sign_in_page_again() {
    let h = start().await;
    h.tokens_for("alice", &[]).await;
    let response = h
        .get(&format!(
            "/logout?{}",
            query(&[
                ("client_id", SPA),
                ("redirect_uri", CALLBACK),
                ("response_type", "code"),
                ("state", "after-logout"),
                ("scope", "openid email"),
            ])
        ))
        .await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let login = location(&response);
    assert!(login.starts_with(&h.url("/login?")), "{login}");
    let params = url_params(&login, false);
    assert_eq!(params["state"], "after-logout");
    assert_eq!(params["scope"], "openid email");
    // and the session is gone
    let response = h.authorize(&code_params(&[])).await;
    assert!(location(&response).starts_with(&h.url("/login?")));
    // signing in on that page works
    let response = h
        .http
        .post(&login)
        .form(&[("username", "bob"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let params = url_params(&location(&response), false);
    assert_eq!(params["state"], "after-logout");
    assert!(params.contains_key("code"));
}

#[tokio::test]
async fn logout_errors_are_pages() {
    let h = start().await;
    let cases: Vec<Vec<(&str, &str)>> = vec![
        vec![],
        vec![("logout_uri", SIGN_OUT)],
        vec![("client_id", "nope"), ("logout_uri", SIGN_OUT)],
        vec![("client_id", SPA)],
        vec![("client_id", SPA), ("logout_uri", "http://evil.example/")],
        vec![("client_id", SPA), ("logout_uri", CALLBACK)],
        vec![
            ("client_id", SPA),
            ("post_logout_redirect_uri", SIGN_OUT),
            ("id_token_hint", "x"),
        ],
        vec![
            ("client_id", SPA),
            ("redirect_uri", "http://evil.example/"),
            ("response_type", "code"),
        ],
    ];
    for pairs in cases {
        let response = h.get(&format!("/logout?{}", query(&pairs))).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{pairs:?}");
        assert!(response.headers().get("location").is_none());
        let html = response.text().await.unwrap();
        assert!(html.contains("Development server"));
    }
}
