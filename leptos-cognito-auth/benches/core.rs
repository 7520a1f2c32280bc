//! What the hot paths cost: reading the cached session and checking it (done on every page
//! load and before every protected route), and parsing a callback URL.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use leptos_cognito_auth::client::{ManualEnvironment, MemoryNavigator};
use leptos_cognito_auth::protocol::CallbackResponse;
use leptos_cognito_auth::{
    CognitoAuth, CognitoConfig, CognitoSession, HttpRequest, HttpResponse, MemoryStorage, Secret,
    TransportError,
};

const NOW: u64 = 1_700_000_000;

fn b64(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

/// Tokens shaped and sized like Cognito's (about 1 KB each, a 342-byte RS256 signature).
fn token(payload: serde_json::Value) -> String {
    format!(
        "{}.{}.{}",
        b64(r#"{"kid":"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG=","alg":"RS256"}"#),
        b64(&payload.to_string()),
        "S".repeat(342)
    )
}

fn realistic_session() -> CognitoSession {
    let iss = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123";
    let id = token(serde_json::json!({
        "at_hash": "k7Zq4QZ0sYw9Xn1dDkP8Xg", "sub": "4f1c2a7e-8b0d-4a55-9d6e-0c1f2e3d4b5a",
        "cognito:groups": ["admin", "editors"], "email_verified": true, "iss": iss,
        "cognito:username": "alice", "origin_jti": "1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901",
        "aud": "7e0ks1bplq0example", "token_use": "id", "auth_time": NOW - 600,
        "nonce": "Gx3cV0bq0m9Z7Vq3l8wJm9f0aQk2hR5yT1uE4oI6pA", "exp": NOW + 3000, "iat": NOW - 600,
        "jti": "0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9", "email": "alice@example.com",
        "custom:tier": "gold"
    }));
    let access = token(serde_json::json!({
        "sub": "4f1c2a7e-8b0d-4a55-9d6e-0c1f2e3d4b5a", "cognito:groups": ["admin", "editors"],
        "iss": iss, "version": 2, "client_id": "7e0ks1bplq0example",
        "origin_jti": "1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901", "token_use": "access",
        "scope": "openid email profile", "auth_time": NOW - 600, "exp": NOW + 3000,
        "iat": NOW - 600, "jti": "2c3d4e5f-6071-8293-a4b5-c6d7e8f90a1b", "username": "alice"
    }));
    CognitoSession::from_tokens(
        Some(&id),
        &access,
        Some(Secret::new(format!(
            "eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIiwiYWxnIjoiUlNBLU9BRVAifQ.{}",
            "R".repeat(1700)
        ))),
        "openid email profile",
    )
    .expect("benchmark tokens are well formed")
}

fn benches(c: &mut Criterion) {
    let config = CognitoConfig::builder()
        .client_id("7e0ks1bplq0example")
        .app_web_domain("myapp.auth.eu-west-1.amazoncognito.com")
        .scopes(["openid", "email", "profile"])
        .redirect_uri_sign_in("https://app.example.com/callback")
        .redirect_uri_sign_out("https://app.example.com/")
        .user_pool_id("eu-west-1_AbCdEf123")
        .build()
        .expect("valid benchmark config");
    let offline =
        |_: HttpRequest| async { Err::<HttpResponse, _>(TransportError::network("offline")) };
    let auth = CognitoAuth::new(
        config,
        MemoryStorage::new(),
        offline,
        MemoryNavigator::new(),
        ManualEnvironment::new(NOW),
    );
    auth.store()
        .save(&realistic_session())
        .expect("memory storage accepts the session");

    c.bench_function("get_cached_session + is_valid", |b| {
        b.iter(|| {
            let session = auth.get_cached_session().expect("session is cached");
            black_box(auth.is_valid(black_box(&session)))
        })
    });

    let code_url = "https://app.example.com/callback?code=3f2a9b8c-1d4e-4f5a-8b6c-7d8e9f0a1b2c&state=Gx3cV0bq0m9Z7Vq3l8wJm9f0aQk2hR5yT1uE4oI6pA#/after";
    c.bench_function("parse callback URL (code)", |b| {
        b.iter(|| black_box(CallbackResponse::parse(black_box(code_url))))
    });

    let session = realistic_session();
    let implicit_url = format!(
        "https://app.example.com/callback#id_token={}&access_token={}&token_type=Bearer&expires_in=3600&state=Gx3cV0bq0m9Z7Vq3l8wJm9f0aQk2hR5yT1uE4oI6pA",
        session.id_token().map(|t| t.jwt_token()).unwrap_or_default(),
        session.access_token().jwt_token()
    );
    c.bench_function("parse callback URL (implicit, ~2.5 KB)", |b| {
        b.iter(|| black_box(CallbackResponse::parse(black_box(&implicit_url))))
    });
}

criterion_group!(core, benches);
criterion_main!(core);
