//! The browser session's issuer check (`CognitoSession::check_claims`): a user pool id
//! stands for both of Cognito's issuer formats and nothing else; an explicit issuer means
//! exactly that issuer.
#![cfg(not(target_arch = "wasm32"))]

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use leptos_cognito_auth::protocol::IssuerFormat;
use leptos_cognito_auth::{CognitoConfig, CognitoConfigBuilder, CognitoSession};
use serde_json::json;

const POOL: &str = "eu-west-1_AbC123";
const CLIENT: &str = "client";
const ORIGINAL: &str = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123";
const UPDATED: &str = "https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123";

fn base() -> CognitoConfigBuilder {
    CognitoConfig::builder()
        .client_id(CLIENT)
        .app_web_domain("myapp.auth.eu-west-1.amazoncognito.com")
        .redirect_uri_sign_in("https://app.example.com/callback")
        .redirect_uri_sign_out("https://app.example.com/")
}

fn jwt(claims: serde_json::Value) -> String {
    format!(
        "{}.{}.c2ln",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","kid":"k"}"#),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}

/// An ID + access token pair naming `iss` (`None`: no `iss` claim).
fn session(iss: Option<&str>) -> CognitoSession {
    let mut access = json!({"sub": "s", "username": "alice", "client_id": CLIENT,
        "token_use": "access", "exp": 2_000_000_000u64});
    let mut id = json!({"sub": "s", "cognito:username": "alice", "aud": CLIENT,
        "token_use": "id", "exp": 2_000_000_000u64});
    if let Some(iss) = iss {
        access["iss"] = json!(iss);
        id["iss"] = json!(iss);
    }
    CognitoSession::from_tokens(Some(&jwt(id)), &jwt(access), None, "").unwrap()
}

/// Only the access token names `iss`; the ID token names the original issuer.
fn access_only(iss: &str) -> CognitoSession {
    let access = json!({"sub": "s", "client_id": CLIENT, "token_use": "access",
        "exp": 2_000_000_000u64, "iss": iss});
    let id = json!({"sub": "s", "aud": CLIENT, "token_use": "id", "exp": 2_000_000_000u64,
        "iss": ORIGINAL});
    CognitoSession::from_tokens(Some(&jwt(id)), &jwt(access), None, "").unwrap()
}

/// Issuers a pool's tokens must never name: wrong region, other pool, look-alike hosts.
const REFUSED: &[&str] = &[
    "https://cognito-idp.us-east-1.amazonaws.com/eu-west-1_AbC123",
    "https://issuer-cognito-idp.us-east-1.amazonaws.com/eu-west-1_AbC123",
    "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other1",
    "https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other1",
    "https://issuer-cognito-idp.evil.example/eu-west-1_AbC123",
    "https://cognito-idp.eu-west-1.amazonaws.com.evil.example/eu-west-1_AbC123",
    "https://issuer-cognito-idp.eu-west-1.amazonaws.com.evil.example/eu-west-1_AbC123",
    "https://evil.example/cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123",
    "https://xcognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123",
    "http://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123",
    "https://COGNITO-IDP.eu-west-1.amazonaws.com/eu-west-1_AbC123",
    "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123/",
    "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc123",
    "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123?x",
    "https://cognito-idp.eu-west-1.amazonaws.com:443/eu-west-1_AbC123",
    "",
];

#[test]
fn a_pool_id_means_either_issuer_format() {
    let config = base().user_pool_id(POOL).build().unwrap();
    assert_eq!(config.issuers(), [ORIGINAL, UPDATED]);
    assert_eq!(config.issuer().as_deref(), Some(ORIGINAL));
    assert_eq!(
        IssuerFormat::ALL.map(|f| f.issuer(POOL).unwrap()),
        [ORIGINAL, UPDATED]
    );
    for iss in [ORIGINAL, UPDATED] {
        assert_eq!(
            session(Some(iss)).check_claims(&config, None),
            Ok(()),
            "{iss}"
        );
        assert!(config.accepts_issuer(Some(iss)));
    }
    assert!(!config.accepts_issuer(None));
    let err = session(None).check_claims(&config, None).unwrap_err();
    assert_eq!(err.code(), "token_rejected");
}

#[test]
fn wrong_region_other_pool_and_look_alikes_are_refused() {
    let config = base().user_pool_id(POOL).build().unwrap();
    for iss in REFUSED {
        assert!(!config.accepts_issuer(Some(iss)), "{iss}");
        let err = session(Some(iss)).check_claims(&config, None).unwrap_err();
        assert_eq!(err.code(), "token_rejected", "{iss}");
        let err = access_only(iss).check_claims(&config, None).unwrap_err();
        assert_eq!(err.code(), "token_rejected", "access token naming {iss}");
    }
}

#[test]
fn an_explicit_issuer_means_exactly_that_issuer() {
    for issuer in [ORIGINAL, UPDATED, "http://localhost:9229/eu-west-1_AbC123"] {
        let config = base().user_pool_id(POOL).issuer(issuer).build().unwrap();
        assert_eq!(config.issuers(), [issuer]);
        assert_eq!(session(Some(issuer)).check_claims(&config, None), Ok(()));
        for other in [ORIGINAL, UPDATED]
            .into_iter()
            .chain(REFUSED.iter().copied())
            .filter(|other| *other != issuer)
        {
            let err = session(Some(other))
                .check_claims(&config, None)
                .unwrap_err();
            assert_eq!(err.code(), "token_rejected", "{issuer} / {other}");
        }
    }
}

#[test]
fn without_pool_or_issuer_iss_is_not_checked() {
    let config = base().build().unwrap();
    assert!(config.issuers().is_empty());
    assert_eq!(config.issuer(), None);
    for iss in [Some(ORIGINAL), Some("https://anything.example/x"), None] {
        assert_eq!(session(iss).check_claims(&config, None), Ok(()));
    }
}

#[test]
fn the_pool_id_rule_is_the_servers() {
    // One rule for the browser configuration and the server verifier: `x_y` is not a pool.
    for bad in [
        "x_y",
        "eu_west_1",
        "eu-west-1.evil.example_a",
        "us-east-1_a-b",
    ] {
        let err = base().user_pool_id(bad).build().unwrap_err();
        assert_eq!(err.field(), "UserPoolId", "{bad}");
    }
}
