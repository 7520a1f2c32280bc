//! The emulator issuing Cognito's two issuer formats (`issuer_format = "original"` /
//! `"updated"`), over real HTTP on 127.0.0.1: its configuration, its discovery document
//! (the AWS issuer, the local `jwks_uri`), its tokens checked by jsonwebtoken, and the
//! kit's verifier for the user pool accepting both formats with the keys fetched from the
//! emulator (`jwks_url_for`), behind the axum extractor too.

mod common;

use axum::routing::get;
use axum::Router;
use cognito_local::{EmulatorConfig, IssuerFormat};
use common::*;
use leptos_cognito_auth::ssr::{CognitoJwtVerifier, ExpectedTokenUse, VerifiedUser};
use reqwest::StatusCode;
use serde_json::Value;
use tokio::net::TcpListener;

const POOL: &str = "us-east-1_LocalPool";
const ORIGINAL: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_LocalPool";
const UPDATED: &str = "https://issuer-cognito-idp.us-east-1.amazonaws.com/us-east-1_LocalPool";

async fn start_in(format: IssuerFormat) -> Harness {
    start_with(|c| c.issuer_format = format).await
}

/// The kit's verifier for the pool, with the emulator's JWKS as the location of `issuer`'s
/// keys (the emulator is not at AWS's URL).
fn pool_verifier(h: &Harness, issuer: &str) -> CognitoJwtVerifier {
    CognitoJwtVerifier::for_user_pool(POOL)
        .client_id(SPA)
        .token_use(ExpectedTokenUse::Either)
        .jwks_url_for(issuer, h.running.jwks_uri())
        .build()
        .expect("verifier")
}

#[test]
fn the_setting_and_its_rules() {
    let config = EmulatorConfig::from_toml("issuer_format = \"updated\"").unwrap();
    assert_eq!(config.issuer_format, IssuerFormat::Updated);
    assert_eq!(config.effective_issuer(), UPDATED);
    assert_eq!(
        config.effective_jwks_uri(),
        "http://localhost:9229/us-east-1_LocalPool/.well-known/jwks.json"
    );
    let config = EmulatorConfig::from_toml(
        "issuer_format = \"original\"\nuser_pool_id = \"eu-central-1_Custom\"",
    )
    .unwrap();
    assert_eq!(
        config.effective_issuer(),
        "https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_Custom"
    );
    let config = EmulatorConfig::from_toml("").unwrap();
    assert_eq!(config.issuer_format, IssuerFormat::Local);
    assert_eq!(
        config.effective_jwks_uri(),
        "http://localhost:9229/us-east-1_LocalPool/.well-known/jwks.json"
    );
    for bad in [
        "issuer_format = \"amazon\"",
        "issuer_format = \"updated\"\nissuer = \"http://localhost:9229/x\"",
        "issuer_format = \"updated\"\nuser_pool_id = \"local_Pool\"",
        "issuer_format = \"original\"\nuser_pool_id = \"evil.example/x_Pool\"",
    ] {
        assert!(EmulatorConfig::from_toml(bad).is_err(), "{bad}");
    }
}

#[tokio::test]
async fn discovery_names_the_aws_issuer_and_the_local_jwks() {
    for (format, issuer) in [
        (IssuerFormat::Original, ORIGINAL),
        (IssuerFormat::Updated, UPDATED),
    ] {
        let h = start_in(format).await;
        assert_eq!(h.issuer(), issuer);
        let jwks_uri = h.url("/us-east-1_LocalPool/.well-known/jwks.json");
        assert_eq!(h.running.jwks_uri(), jwks_uri);
        let doc: Value = h
            .get("/us-east-1_LocalPool/.well-known/openid-configuration")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(doc["issuer"], issuer);
        assert_eq!(doc["jwks_uri"], jwks_uri);
        assert_eq!(doc["token_endpoint"], h.url("/oauth2/token"));
        let response = h.http.get(&jwks_uri).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);

        // Its tokens name that issuer and verify (jsonwebtoken, issuer checked).
        let tokens = h.tokens_for("alice", &[]).await;
        let (_, access) = h
            .verify(tokens["access_token"].as_str().unwrap(), None)
            .await;
        assert_eq!(access["iss"], issuer);
        let (_, id) = h
            .verify(tokens["id_token"].as_str().unwrap(), Some(SPA))
            .await;
        assert_eq!(id["iss"], issuer);
        // userInfo accepts its own tokens in this format.
        let info = h.userinfo(tokens["access_token"].as_str().unwrap()).await;
        assert_eq!(info.status(), StatusCode::OK);
    }
}

#[tokio::test]
async fn the_pool_verifier_accepts_both_formats_over_http() {
    for (format, issuer) in [
        (IssuerFormat::Original, ORIGINAL),
        (IssuerFormat::Updated, UPDATED),
    ] {
        let h = start_in(format).await;
        let tokens = h.tokens_for("alice", &[]).await;
        let access = tokens["access_token"].as_str().unwrap();
        let id = tokens["id_token"].as_str().unwrap();

        let verifier = pool_verifier(&h, issuer);
        let user = verifier.verify(access).await.expect("access token");
        assert_eq!(user.username(), Some("alice"));
        assert_eq!(user.claims()["iss"], issuer);
        let user = verifier.verify(id).await.expect("ID token");
        assert_eq!(user.email(), Some("alice@example.com"));
        assert_eq!(
            verifier.jwks_stats().fetches,
            1,
            "one JWKS fetch, over HTTP"
        );

        // An explicit issuer in the other format refuses them, and so does another pool.
        let other = if issuer == ORIGINAL {
            UPDATED
        } else {
            ORIGINAL
        };
        let explicit = CognitoJwtVerifier::for_issuer(other)
            .client_id(SPA)
            .jwks_url(h.running.jwks_uri())
            .build()
            .unwrap();
        assert_eq!(
            explicit.verify(access).await.unwrap_err().code(),
            "wrong_issuer"
        );
        let other_pool = CognitoJwtVerifier::for_user_pool("us-east-1_OtherPool")
            .client_id(SPA)
            .jwks_url(h.running.jwks_uri())
            .build()
            .unwrap();
        assert_eq!(
            other_pool.verify(access).await.unwrap_err().code(),
            "wrong_issuer"
        );
        let other_region = CognitoJwtVerifier::for_user_pool("eu-west-1_LocalPool")
            .client_id(SPA)
            .jwks_url(h.running.jwks_uri())
            .build()
            .unwrap();
        assert_eq!(
            other_region.verify(access).await.unwrap_err().code(),
            "wrong_issuer"
        );
    }
}

async fn me(user: VerifiedUser) -> String {
    format!(
        "{} via {}",
        user.username().unwrap_or("?"),
        user.claims()["iss"]
    )
}

#[tokio::test]
async fn one_api_serves_tokens_of_both_formats() {
    // Two emulators with the same keys, one per format; one API verifying for the pool, each
    // issuer's keys from its emulator.
    let original = start_in(IssuerFormat::Original).await;
    let updated = start_in(IssuerFormat::Updated).await;
    let verifier = CognitoJwtVerifier::for_user_pool(POOL)
        .client_id(SPA)
        .jwks_url_for(ORIGINAL, original.running.jwks_uri())
        .jwks_url_for(UPDATED, updated.running.jwks_uri())
        .build()
        .unwrap();
    let app = Router::new()
        .route("/api/me", get(me))
        .with_state(verifier.clone());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let api = format!("http://{}/api/me", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let http = http_client();
    for (h, issuer) in [(&original, ORIGINAL), (&updated, UPDATED)] {
        let token = h.tokens_for("alice", &[]).await["access_token"]
            .as_str()
            .unwrap()
            .to_owned();
        let response = http.get(&api).bearer_auth(&token).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.text().await.unwrap(),
            format!("alice via \"{issuer}\"")
        );
    }
    let stats = verifier.jwks_stats();
    assert_eq!((stats.fetches, stats.failures), (2, 0), "one per issuer");
}

#[tokio::test]
async fn a_replica_region_names_its_issuer_in_the_original_format_only() {
    // The setting's rules.
    let config =
        EmulatorConfig::from_toml("issuer_format = \"original\"\nregion = \"eu-west-1\"").unwrap();
    assert_eq!(
        config.effective_issuer(),
        "https://cognito-idp.eu-west-1.amazonaws.com/us-east-1_LocalPool"
    );
    for bad in [
        "region = \"eu-west-1\"",
        "issuer_format = \"original\"\nregion = \"eu-west\"",
        "issuer_format = \"original\"\nregion = \"evil.example/x-y-z\"",
        "issuer_format = \"original\"\nregion = \"EU-WEST-1\"",
    ] {
        assert!(EmulatorConfig::from_toml(bad).is_err(), "{bad}");
    }

    // Over HTTP: the discovery document and the tokens name the replica's issuer with the
    // original format, the primary Region's with the updated one; the keys stay served here.
    let replica_original = "https://cognito-idp.eu-west-1.amazonaws.com/us-east-1_LocalPool";
    for (format, issuer) in [
        (IssuerFormat::Original, replica_original),
        (IssuerFormat::Updated, UPDATED),
    ] {
        let h = start_with(|c| {
            c.issuer_format = format;
            c.region = Some("eu-west-1".to_owned());
        })
        .await;
        assert_eq!(h.issuer(), issuer);
        let doc: Value = h
            .get("/us-east-1_LocalPool/.well-known/openid-configuration")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(doc["issuer"], issuer);
        assert_eq!(doc["jwks_uri"], h.running.jwks_uri());
        let tokens = h.tokens_for("alice", &[]).await;
        let (_, access) = h
            .verify(tokens["access_token"].as_str().unwrap(), None)
            .await;
        assert_eq!(access["iss"], issuer);
    }
}
