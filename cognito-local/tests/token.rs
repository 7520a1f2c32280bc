//! `/oauth2/token`: the code grant (single use, expiry, bindings, PKCE), client
//! authentication, errors, token claims verified with jsonwebtoken, and refresh.

mod common;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use common::*;
use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn code_exchange_issues_cognito_shaped_tokens_that_verify_against_the_jwks() {
    let h = start().await;
    let code = h
        .code_for(
            "alice",
            &[("nonce", "n-0S6_WzA2Mj"), ("scope", "openid email profile")],
        )
        .await;
    let response = h
        .token(&[
            ("grant_type", "authorization_code"),
            ("client_id", SPA),
            ("code", &code),
            ("redirect_uri", CALLBACK),
            ("code_verifier", VERIFIER),
        ])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    let refresh = body["refresh_token"].as_str().unwrap();
    assert_eq!(refresh.split('.').count(), 5, "opaque, JWE-shaped");

    let (id_kid, id) = h
        .verify(body["id_token"].as_str().unwrap(), Some(SPA))
        .await;
    let (access_kid, access) = h.verify(body["access_token"].as_str().unwrap(), None).await;
    assert_ne!(
        id_kid, access_kid,
        "ID and access tokens use different keys"
    );

    assert_eq!(id["token_use"], "id");
    assert_eq!(id["aud"], SPA);
    assert_eq!(id["iss"], h.issuer());
    assert_eq!(id["cognito:username"], "alice");
    assert_eq!(id["email"], "alice@example.com");
    assert_eq!(id["email_verified"], true);
    assert_eq!(id["cognito:groups"], serde_json::json!(["admin"]));
    assert_eq!(id["nonce"], "n-0S6_WzA2Mj");
    for claim in [
        "sub",
        "auth_time",
        "exp",
        "iat",
        "jti",
        "origin_jti",
        "at_hash",
    ] {
        assert!(!id[claim].is_null(), "id token has {claim}");
    }
    // at_hash (OpenID Connect Core 3.1.3.6): base64url of the left half of SHA-256 of the
    // access token, computed here independently of the emulator's code.
    let digest = <sha2::Sha256 as sha2::Digest>::digest(body["access_token"].as_str().unwrap());
    let at_hash = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..16]);
    assert_eq!(id["at_hash"], at_hash);
    assert_eq!(
        id["exp"].as_u64().unwrap() - id["iat"].as_u64().unwrap(),
        3600
    );

    assert_eq!(access["token_use"], "access");
    assert!(access.get("aud").is_none(), "access tokens have no aud");
    assert_eq!(access["client_id"], SPA);
    assert_eq!(access["username"], "alice");
    assert_eq!(access["scope"], "openid email profile");
    assert_eq!(access["sub"], id["sub"]);
    assert_eq!(access["auth_time"], id["auth_time"]);
    assert_eq!(access["origin_jti"], id["origin_jti"]);
    assert_eq!(access["cognito:groups"], serde_json::json!(["admin"]));
    assert_ne!(access["jti"], id["jti"]);

    // bob has no groups: no cognito:groups claim
    let bob = h.tokens_for("bob", &[]).await;
    let (_, claims) = h.verify(bob["id_token"].as_str().unwrap(), Some(SPA)).await;
    assert!(claims.get("cognito:groups").is_none());
    assert_eq!(claims["email_verified"], false);
}

#[tokio::test]
async fn no_openid_scope_means_no_id_token() {
    let h = start().await;
    let body = h.tokens_for("alice", &[("scope", "email")]).await;
    assert!(body.get("id_token").is_none());
    assert!(body["access_token"].is_string());
    assert!(body["refresh_token"].is_string());
}

#[tokio::test]
async fn codes_are_single_use() {
    let h = start().await;
    let code = h.code_for("alice", &[]).await;
    h.exchange(&code).await;
    let again = h
        .token(&[
            ("grant_type", "authorization_code"),
            ("client_id", SPA),
            ("code", &code),
            ("redirect_uri", CALLBACK),
            ("code_verifier", VERIFIER),
        ])
        .await;
    assert_eq!(
        oauth_error(again, StatusCode::BAD_REQUEST).await,
        "invalid_grant"
    );
}

#[tokio::test]
async fn codes_expire() {
    let h = start_with(|c| c.code_lifetime_secs = 1).await;
    let code = h.code_for("alice", &[]).await;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let response = h
        .token(&[
            ("grant_type", "authorization_code"),
            ("client_id", SPA),
            ("code", &code),
            ("redirect_uri", CALLBACK),
            ("code_verifier", VERIFIER),
        ])
        .await;
    assert_eq!(
        oauth_error(response, StatusCode::BAD_REQUEST).await,
        "invalid_grant"
    );
}

#[tokio::test]
async fn codes_are_bound_to_client_redirect_uri_and_pkce_challenge() {
    let h = start_with(|c| {
        c.clients[1]
            .callback_urls
            .push("http://localhost:3000/other".into());
    })
    .await;
    let other_verifier = "x".repeat(43);
    let basic = format!(
        "Basic {}",
        STANDARD.encode(format!("{CONFIDENTIAL}:{SECRET}"))
    );
    type Case<'a> = (Vec<(&'a str, &'a str)>, Option<&'a str>);
    let cases: Vec<Case> = vec![
        // wrong verifier
        (
            vec![
                ("client_id", SPA),
                ("redirect_uri", CALLBACK),
                ("code_verifier", &other_verifier),
            ],
            None,
        ),
        // missing verifier
        (vec![("client_id", SPA), ("redirect_uri", CALLBACK)], None),
        // malformed verifier
        (
            vec![
                ("client_id", SPA),
                ("redirect_uri", CALLBACK),
                ("code_verifier", "short"),
            ],
            None,
        ),
        // different redirect_uri
        (
            vec![
                ("client_id", SPA),
                ("redirect_uri", "http://localhost:3000/other"),
                ("code_verifier", VERIFIER),
            ],
            None,
        ),
        // different client
        (
            vec![("redirect_uri", CALLBACK), ("code_verifier", VERIFIER)],
            Some(basic.as_str()),
        ),
    ];
    for (fields, auth) in cases {
        let code = h.code_for("alice", &[]).await;
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
        ];
        form.extend(fields);
        let mut request = h.http.post(h.url("/oauth2/token")).form(&form);
        if let Some(auth) = auth {
            request = request.header("authorization", auth);
        }
        let response = request.send().await.unwrap();
        assert_eq!(
            oauth_error(response, StatusCode::BAD_REQUEST).await,
            "invalid_grant",
            "{form:?}"
        );
        // the failed attempt consumed the code
        let retry = h
            .token(&[
                ("grant_type", "authorization_code"),
                ("client_id", SPA),
                ("code", &code),
                ("redirect_uri", CALLBACK),
                ("code_verifier", VERIFIER),
            ])
            .await;
        assert_eq!(
            oauth_error(retry, StatusCode::BAD_REQUEST).await,
            "invalid_grant"
        );
    }
}

#[tokio::test]
async fn request_errors() {
    let h = start().await;
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (vec![("client_id", SPA)], "invalid_request"),
        (
            vec![("grant_type", "authorization_code")],
            "invalid_request",
        ),
        (
            vec![
                ("grant_type", "authorization_code"),
                ("client_id", SPA),
                ("redirect_uri", CALLBACK),
            ],
            "invalid_request",
        ),
        (
            vec![
                ("grant_type", "authorization_code"),
                ("client_id", SPA),
                ("code", "abc"),
            ],
            "invalid_request",
        ),
        (
            vec![
                ("grant_type", "authorization_code"),
                ("client_id", SPA),
                ("code", "abc"),
                ("redirect_uri", CALLBACK),
            ],
            "invalid_grant",
        ),
        (
            vec![("grant_type", "refresh_token"), ("client_id", SPA)],
            "invalid_request",
        ),
        (
            vec![
                ("grant_type", "refresh_token"),
                ("client_id", SPA),
                ("refresh_token", "garbage"),
            ],
            "invalid_grant",
        ),
        (
            vec![("grant_type", "password"), ("client_id", SPA)],
            "unsupported_grant_type",
        ),
        // A public client cannot use the client credentials grant (tests/client_credentials.rs).
        (
            vec![("grant_type", "client_credentials"), ("client_id", SPA)],
            "unauthorized_client",
        ),
        (
            vec![
                ("grant_type", "refresh_token"),
                ("client_id", "nope"),
                ("refresh_token", "x"),
            ],
            "invalid_client",
        ),
        (
            vec![
                ("grant_type", "refresh_token"),
                ("client_id", CONFIDENTIAL),
                ("refresh_token", "x"),
            ],
            "invalid_client",
        ),
        (
            vec![
                ("grant_type", "refresh_token"),
                ("client_id", CONFIDENTIAL),
                ("client_secret", "wrong"),
                ("refresh_token", "x"),
            ],
            "invalid_client",
        ),
        (
            vec![
                ("grant_type", "refresh_token"),
                ("client_id", SPA),
                ("client_secret", "any"),
                ("refresh_token", "x"),
            ],
            "invalid_client",
        ),
        (
            vec![
                ("grant_type", "refresh_token"),
                ("grant_type", "refresh_token"),
                ("client_id", SPA),
            ],
            "invalid_request",
        ),
    ];
    for (form, expected) in cases {
        let response = h.token(&form).await;
        assert_eq!(response.headers()["cache-control"], "no-store");
        assert_eq!(
            oauth_error(response, StatusCode::BAD_REQUEST).await,
            expected,
            "{form:?}"
        );
    }

    // not form encoded
    let response = h
        .http
        .post(h.url("/oauth2/token"))
        .json(&serde_json::json!({ "grant_type": "refresh_token" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        oauth_error(response, StatusCode::BAD_REQUEST).await,
        "invalid_request"
    );

    // malformed Basic credentials, and Basic + body id disagreeing
    for auth in ["Basic !!!", "Bearer abc", "Basic bm9jb2xvbg=="] {
        let response = h
            .http
            .post(h.url("/oauth2/token"))
            .header("authorization", auth)
            .form(&[("grant_type", "refresh_token"), ("refresh_token", "x")])
            .send()
            .await
            .unwrap();
        assert_eq!(
            oauth_error(response, StatusCode::BAD_REQUEST).await,
            "invalid_client",
            "{auth}"
        );
    }
    let response = h
        .http
        .post(h.url("/oauth2/token"))
        .basic_auth(CONFIDENTIAL, Some(SECRET))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", SPA),
            ("refresh_token", "x"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        oauth_error(response, StatusCode::BAD_REQUEST).await,
        "invalid_client"
    );

    // wrong method
    let response = h.get("/oauth2/token").await;
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn confidential_client_authenticates_with_basic_or_body_secret() {
    let h = start().await;
    for use_basic in [true, false] {
        let response = h
            .sign_in(
                &[
                    ("response_type", "code"),
                    ("client_id", CONFIDENTIAL),
                    ("redirect_uri", CALLBACK),
                ],
                "bob",
                PASSWORD,
            )
            .await;
        let code = url_params(&location(&response), false)["code"].clone();
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", CALLBACK),
        ];
        let mut request = h.http.post(h.url("/oauth2/token"));
        if use_basic {
            request = request.basic_auth(CONFIDENTIAL, Some(SECRET));
        } else {
            form.push(("client_id", CONFIDENTIAL));
            form.push(("client_secret", SECRET));
        }
        let response = request.form(&form).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        let (_, id) = h
            .verify(body["id_token"].as_str().unwrap(), Some(CONFIDENTIAL))
            .await;
        assert_eq!(id["cognito:username"], "bob");

        // refresh with the same kind of authentication
        let refresh = body["refresh_token"].as_str().unwrap();
        let mut form = vec![("grant_type", "refresh_token"), ("refresh_token", refresh)];
        let mut request = h.http.post(h.url("/oauth2/token"));
        if use_basic {
            request = request.basic_auth(CONFIDENTIAL, Some(SECRET));
        } else {
            form.push(("client_id", CONFIDENTIAL));
            form.push(("client_secret", SECRET));
        }
        let response = request.form(&form).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        // a refresh token of one client is useless to another
        let response = h.refresh(refresh).await;
        assert_eq!(
            oauth_error(response, StatusCode::BAD_REQUEST).await,
            "invalid_grant"
        );
    }
}

#[tokio::test]
async fn refresh_without_rotation_keeps_auth_time_and_returns_no_refresh_token() {
    let h = start().await;
    let first = h.tokens_for("alice", &[("nonce", "abc")]).await;
    let refresh = first["refresh_token"].as_str().unwrap();
    let (_, first_id) = h
        .verify(first["id_token"].as_str().unwrap(), Some(SPA))
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    for _ in 0..2 {
        let response = h.refresh(refresh).await;
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        assert!(
            body.get("refresh_token").is_none(),
            "no rotation by default"
        );
        let (_, id) = h
            .verify(body["id_token"].as_str().unwrap(), Some(SPA))
            .await;
        let (_, access) = h.verify(body["access_token"].as_str().unwrap(), None).await;
        assert_eq!(id["auth_time"], first_id["auth_time"]);
        assert_eq!(access["auth_time"], first_id["auth_time"]);
        assert_eq!(id["origin_jti"], first_id["origin_jti"]);
        assert!(id["iat"].as_u64() > first_id["iat"].as_u64());
        assert!(
            id.get("nonce").is_none(),
            "nonce only on the sign-in's ID token"
        );
        assert_ne!(id["jti"], first_id["jti"]);
    }
}

#[tokio::test]
async fn refresh_with_rotation_returns_a_new_token_and_retires_the_old_one() {
    let h = start_with(|c| c.clients[0].refresh_token_rotation = true).await;
    let first = h.tokens_for("alice", &[]).await;
    let old = first["refresh_token"].as_str().unwrap().to_owned();
    let response = h.refresh(&old).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    let new = body["refresh_token"].as_str().expect("rotated").to_owned();
    assert_ne!(new, old);
    // grace period 0: the old one is dead now
    let response = h.refresh(&old).await;
    assert_eq!(
        oauth_error(response, StatusCode::BAD_REQUEST).await,
        "invalid_grant"
    );
    // the new one works and rotates again
    let response = h.refresh(&new).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert!(body["refresh_token"].is_string());
    // Tokens rotated out past their grace period are forgotten, not kept to their expiry.
    assert_eq!(h.running.emulator.counts().refresh_tokens, 1);
}

#[tokio::test]
async fn rotation_grace_period_keeps_the_old_token_briefly() {
    let h = start_with(|c| {
        c.clients[0].refresh_token_rotation = true;
        c.clients[0].rotation_grace_secs = 2;
    })
    .await;
    let first = h.tokens_for("alice", &[]).await;
    let old = first["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(h.refresh(&old).await.status(), StatusCode::OK);
    assert_eq!(
        h.refresh(&old).await.status(),
        StatusCode::OK,
        "within grace"
    );
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    let response = h.refresh(&old).await;
    assert_eq!(
        oauth_error(response, StatusCode::BAD_REQUEST).await,
        "invalid_grant"
    );
}

#[tokio::test]
async fn short_lifetimes_expire_tokens() {
    // Lifetimes are whole seconds from a whole-second `iat`: a 3 s token is good for at
    // least 2 s, room enough for the first userinfo call on a loaded machine (with 1 s the
    // token could expire a few milliseconds after it was issued).
    let h = start_with(|c| {
        c.clients[0].access_token_lifetime_secs = 3;
        c.clients[0].id_token_lifetime_secs = 3;
        c.clients[0].refresh_token_lifetime_secs = 4;
    })
    .await;
    let body = h.tokens_for("alice", &[]).await;
    assert_eq!(body["expires_in"], 3);
    let access = body["access_token"].as_str().unwrap();
    assert_eq!(h.userinfo(access).await.status(), StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(5100)).await;
    assert_eq!(h.userinfo(access).await.status(), StatusCode::UNAUTHORIZED);
    let response = h.refresh(body["refresh_token"].as_str().unwrap()).await;
    assert_eq!(
        oauth_error(response, StatusCode::BAD_REQUEST).await,
        "invalid_grant"
    );
}
