//! Issuer endpoints, the index page and unknown paths.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn jwks_lists_two_rs256_keys() {
    let h = start().await;
    let response = h.get("/us-east-1_LocalPool/.well-known/jwks.json").await;
    assert_eq!(response.status(), StatusCode::OK);
    let jwks: Value = response.json().await.unwrap();
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2);
    for key in keys {
        assert_eq!(key["kty"], "RSA");
        assert_eq!(key["alg"], "RS256");
        assert_eq!(key["use"], "sig");
        assert_eq!(key["e"], "AQAB");
        assert!(key["n"].as_str().unwrap().len() > 300, "2048-bit modulus");
        assert!(key["kid"].is_string());
    }
    assert_ne!(keys[0]["kid"], keys[1]["kid"]);
}

#[tokio::test]
async fn discovery_document_points_at_the_domain_endpoints() {
    let h = start().await;
    let doc: Value = h
        .get("/us-east-1_LocalPool/.well-known/openid-configuration")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(doc["issuer"], h.issuer());
    assert_eq!(doc["authorization_endpoint"], h.url("/oauth2/authorize"));
    assert_eq!(doc["token_endpoint"], h.url("/oauth2/token"));
    assert_eq!(doc["userinfo_endpoint"], h.url("/oauth2/userInfo"));
    assert_eq!(doc["revocation_endpoint"], h.url("/oauth2/revoke"));
    assert_eq!(
        doc["jwks_uri"],
        format!("{}/.well-known/jwks.json", h.issuer())
    );
    assert_eq!(
        doc["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert_eq!(
        doc["id_token_signing_alg_values_supported"],
        serde_json::json!(["RS256"])
    );
}

#[tokio::test]
async fn issuer_on_another_host_serves_under_its_path() {
    let h = start_with(|c| {
        c.user_pool_id = "eu-west-1_Other".into();
        c.issuer = Some("http://issuer.invalid/eu-west-1_Other".into());
    })
    .await;
    let doc: Value = h
        .get("/eu-west-1_Other/.well-known/openid-configuration")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(doc["issuer"], "http://issuer.invalid/eu-west-1_Other");
    assert_eq!(doc["token_endpoint"], h.url("/oauth2/token"));
    let body = h.tokens_for("alice", &[]).await;
    let (_, claims) = h.verify(body["access_token"].as_str().unwrap(), None).await;
    assert_eq!(claims["iss"], "http://issuer.invalid/eu-west-1_Other");
}

#[tokio::test]
async fn index_and_not_found_pages_say_development_server() {
    let h = start().await;
    let response = h.get("/").await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(html.contains("Development server"));
    assert!(html.contains("local-spa-client"));
    let response = h.get("/nope").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(response
        .text()
        .await
        .unwrap()
        .contains("Development server"));
}
