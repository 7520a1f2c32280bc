//! The kit's server-side verifier against the real emulator over HTTP on 127.0.0.1: the
//! emulator's ID and access tokens (two keys, one JWKS) verify, and an axum app protected
//! by the `VerifiedUser` extractor answers 200, 401 with `WWW-Authenticate` for a tampered
//! token, and 403 for a user outside the required group, with exactly one JWKS fetch.

mod common;

use axum::routing::get;
use axum::{Json, Router};
use common::{start, SPA};
use leptos_cognito_auth::ssr::{
    AuthRejection, CognitoJwtVerifier, ExpectedTokenUse, TokenUse, VerifiedUser,
};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::net::TcpListener;

fn verifier(issuer: &str, token_use: ExpectedTokenUse) -> CognitoJwtVerifier {
    CognitoJwtVerifier::for_issuer(issuer)
        .client_id(SPA)
        .token_use(token_use)
        .build()
        .expect("verifier")
}

#[tokio::test]
async fn emulator_tokens_verify_over_http() {
    let h = start().await;
    let tokens = h.tokens_for("alice", &[]).await;
    let access = tokens["access_token"].as_str().unwrap();
    let id = tokens["id_token"].as_str().unwrap();

    let either = verifier(&h.issuer(), ExpectedTokenUse::Either);
    let user = either.verify(access).await.expect("access token verifies");
    assert_eq!(user.token_use(), TokenUse::Access);
    assert_eq!(user.username(), Some("alice"));
    assert_eq!(user.client_id(), SPA);
    assert_eq!(user.groups(), ["admin"]);
    assert!(user.has_scope("openid"));
    let user = either.verify(id).await.expect("ID token verifies");
    assert_eq!(user.token_use(), TokenUse::Id);
    assert_eq!(user.email(), Some("alice@example.com"));
    // Two keys (ID and access), one fetch.
    assert_eq!(either.jwks_stats().fetches, 1);
    assert_eq!(either.jwks_stats().keys, 2);

    let access_only = verifier(&h.issuer(), ExpectedTokenUse::Access);
    assert_eq!(
        access_only.verify(id).await.unwrap_err().code(),
        "wrong_token_use"
    );
    let other_client = CognitoJwtVerifier::for_issuer(&h.issuer())
        .client_id("someone-else")
        .build()
        .unwrap();
    assert_eq!(
        other_client.verify(access).await.unwrap_err().code(),
        "wrong_client"
    );
    let other_issuer = CognitoJwtVerifier::for_issuer(&format!("{}/us-east-1_Other", h.base))
        .client_id(SPA)
        .jwks_url(format!("{}/.well-known/jwks.json", h.issuer()))
        .build()
        .unwrap();
    assert_eq!(
        other_issuer.verify(access).await.unwrap_err().code(),
        "wrong_issuer"
    );
}

#[tokio::test]
async fn jwks_down_is_503_then_recovers() {
    let h = start().await;
    let tokens = h.tokens_for("alice", &[]).await;
    let access = tokens["access_token"].as_str().unwrap();
    // A JWKS URL where nothing answers: the emulator serves a 404 page there.
    let wrong = CognitoJwtVerifier::for_issuer(&h.issuer())
        .client_id(SPA)
        .jwks_url(h.url("/nothing/here.json"))
        .build()
        .unwrap();
    let err = wrong.verify(access).await.unwrap_err();
    assert_eq!((err.code(), err.status()), ("jwks_unavailable", 503));
}

async fn me(user: VerifiedUser) -> Json<Value> {
    Json(json!({ "username": user.username(), "groups": user.groups() }))
}

async fn admin(user: VerifiedUser) -> Result<Json<Value>, AuthRejection> {
    user.require_group("admin")?;
    Ok(Json(json!({ "admin": user.username() })))
}

#[tokio::test]
async fn axum_extractor_end_to_end() {
    let h = start().await;
    let verifier = verifier(&h.issuer(), ExpectedTokenUse::Access);
    let app = Router::new()
        .route("/api/me", get(me))
        .route("/api/admin", get(admin))
        .with_state(verifier.clone());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let api = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let alice = h.tokens_for("alice", &[]).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let bob = h.tokens_for("bob", &[]).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let http = common::http_client();
    let get = |path: &str, token: &str| http.get(format!("{api}{path}")).bearer_auth(token).send();

    let response = get("/api/me", &alice).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, json!({"username": "alice", "groups": ["admin"]}));

    // One payload byte changed: 401 with a Bearer challenge.
    let (header, rest) = alice.split_once('.').unwrap();
    let mut payload = rest.as_bytes().to_vec();
    payload[15] = if payload[15] == b'Q' { b'R' } else { b'Q' };
    let tampered = format!("{header}.{}", String::from_utf8(payload).unwrap());
    let response = get("/api/me", &tampered).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let challenge = response.headers()["www-authenticate"].to_str().unwrap();
    assert!(
        challenge.starts_with(r#"Bearer error="invalid_token", error_description=""#),
        "{challenge}"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "bad_signature");

    // No token: 401 with a bare challenge.
    let response = http.get(format!("{api}/api/me")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");

    // Group check: alice is an admin, bob is not.
    assert_eq!(
        get("/api/admin", &alice).await.unwrap().status(),
        StatusCode::OK
    );
    let response = get("/api/admin", &bob).await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let challenge = response.headers()["www-authenticate"].to_str().unwrap();
    assert!(
        challenge.contains(r#"error="insufficient_scope""#),
        "{challenge}"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "missing_group");

    assert_eq!(
        verifier.jwks_stats().fetches,
        1,
        "one JWKS fetch for everything"
    );
}
