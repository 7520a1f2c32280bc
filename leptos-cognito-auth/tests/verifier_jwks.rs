//! The JWKS cache: cache hits do not fetch, an unknown `kid` refetches once and is rate
//! limited, a cold start under concurrency makes one fetch, an endpoint that is down or
//! answers junk gives `jwks_unavailable` without poisoning the cache; and the HTTP fetcher
//! against a JWKS served on 127.0.0.1.
#![cfg(all(feature = "ssr", not(target_arch = "wasm32")))]

#[path = "verifier_support.rs"]
mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use leptos_cognito_auth::ssr::{CognitoJwtVerifier, HttpJwksFetcher, JwksFetcher, JwksStats};
use serde_json::json;
use support::*;

#[tokio::test]
async fn cache_hits_do_not_fetch() {
    let (a, b) = keys();
    let fetcher = Fetcher::new(jwks_of(&[a, b]));
    let v = fetcher.install(builder()).build().unwrap();
    let tokens = [a.sign(&access_claims()), b.sign(&access_claims())];
    for i in 0..100 {
        v.verify(&tokens[i % 2]).await.unwrap();
    }
    assert_eq!(fetcher.calls(), 1);
    assert_eq!(
        v.jwks_stats(),
        JwksStats {
            fetches: 1,
            failures: 0,
            keys: 2
        }
    );
}

#[tokio::test]
async fn unknown_kid_refetches_once_then_is_rate_limited() {
    let (a, b) = keys();
    let fetcher = Fetcher::new(jwks_of(&[a]));
    let v = fetcher
        .install(builder().jwks_refetch_interval(Duration::from_millis(300)))
        .build()
        .unwrap();
    v.verify(&a.sign(&access_claims())).await.unwrap();
    assert_eq!(fetcher.calls(), 1);

    // Key rotation: B appears in the JWKS; a token signed by B triggers one refetch.
    fetcher.answer(Ok(jwks_of(&[a, b])));
    let by_b = b.sign(&access_claims());
    v.verify(&by_b).await.unwrap();
    assert_eq!(fetcher.calls(), 2);
    assert!(v.verify(&by_b).await.is_ok());
    assert_eq!(fetcher.calls(), 2, "B is cached now");

    // A kid nobody publishes: one refetch, then a quiet period without fetches.
    let forged = a.sign_raw(
        r#"{"alg":"RS256","kid":"key-z"}"#,
        &access_claims().to_string(),
    );
    for _ in 0..20 {
        assert_eq!(v.verify(&forged).await.unwrap_err().code(), "unknown_kid");
    }
    assert_eq!(fetcher.calls(), 3, "one refetch, then rate limited");

    // After the interval, one more refetch, then quiet again.
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(v.verify(&forged).await.unwrap_err().code(), "unknown_kid");
    assert_eq!(fetcher.calls(), 4);
    assert_eq!(v.verify(&forged).await.unwrap_err().code(), "unknown_kid");
    assert_eq!(fetcher.calls(), 4);
    // Known keys keep working throughout.
    assert!(v.verify(&by_b).await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_cold_start_makes_one_fetch() {
    let (a, b) = keys();
    let mut fetcher = Fetcher::new(jwks_of(&[a, b]));
    fetcher.delay = Duration::from_millis(150);
    let v = fetcher.install(builder()).build().unwrap();
    let tokens = Arc::new([a.sign(&access_claims()), b.sign(&access_claims())]);
    let tasks: Vec<_> = (0..64)
        .map(|i| {
            let v = v.clone();
            let tokens = tokens.clone();
            tokio::spawn(async move { v.verify(&tokens[i % 2]).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().expect("verified");
    }
    assert_eq!(fetcher.calls(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_cold_start_while_down_shares_the_failure_then_retries() {
    let (a, _) = keys();
    let mut fetcher = Fetcher::new(Vec::new());
    fetcher.delay = Duration::from_millis(100);
    fetcher.answer(Err("connection refused".into()));
    // A refetch interval of 200 ms: the pause after the failure is 200 ms (1 s at most).
    let v = fetcher
        .install(builder().jwks_refetch_interval(Duration::from_millis(200)))
        .build()
        .unwrap();
    let token = a.sign(&access_claims());
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let v = v.clone();
            let token = token.clone();
            tokio::spawn(async move { v.verify(&token).await })
        })
        .collect();
    for task in tasks {
        let err = task.await.unwrap().unwrap_err();
        assert_eq!(err.code(), "jwks_unavailable");
    }
    assert_eq!(fetcher.calls(), 1, "one failed fetch, shared");
    fetcher.answer(Ok(jwks_of(&[a])));
    let err = v.verify(&token).await.unwrap_err();
    assert_eq!(err.code(), "jwks_unavailable", "the failure's pause");
    assert!(
        err.detail().unwrap().contains("connection refused"),
        "{err:?}"
    );
    assert_eq!(fetcher.calls(), 1, "no fetch during the pause");
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert!(v.verify(&token).await.is_ok(), "the next call retries");
    assert_eq!(fetcher.calls(), 2);
}

#[tokio::test]
async fn a_failing_cold_cache_is_fetched_again_after_a_growing_pause() {
    // A pool's issuer in the format it does not use: its JWKS answers 403 for ever, and a
    // token naming it costs nothing to forge. Tokens are refused with the fetch's error
    // and fetch again after 1 s, then 2 s, ... (up to the refetch interval, 30 s here).
    let (a, _) = keys();
    let fetcher = Fetcher::new(Vec::new());
    fetcher.answer(Err("HTTP 403".into()));
    let v = fetcher.install(builder()).build().unwrap();
    let token = a.sign(&access_claims());
    for _ in 0..50 {
        let err = v.verify(&token).await.unwrap_err();
        assert_eq!(err.code(), "jwks_unavailable");
        assert!(err.detail().unwrap().contains("403"), "{err:?}");
    }
    assert_eq!(fetcher.calls(), 1, "one fetch, then the 1 s pause");
    tokio::time::sleep(Duration::from_millis(1050)).await;
    assert!(v.verify(&token).await.is_err());
    assert_eq!(fetcher.calls(), 2, "fetched again after 1 s");
    tokio::time::sleep(Duration::from_millis(1050)).await;
    assert!(v.verify(&token).await.is_err());
    assert_eq!(fetcher.calls(), 2, "the second pause is 2 s");
    tokio::time::sleep(Duration::from_millis(1050)).await;
    assert!(v.verify(&token).await.is_err());
    assert_eq!(fetcher.calls(), 3, "fetched again after 2 s");

    // Prefetching fetches whatever the pause, and keys end it.
    fetcher.answer(Ok(jwks_of(&[a])));
    v.prefetch_jwks().await.unwrap();
    assert_eq!(fetcher.calls(), 4);
    assert!(v.verify(&token).await.is_ok());
    assert_eq!(
        v.jwks_stats(),
        JwksStats {
            fetches: 4,
            failures: 3,
            keys: 1
        }
    );
}

#[tokio::test]
async fn endpoint_down_then_up_recovers() {
    let (a, _) = keys();
    let fetcher = Fetcher::new(Vec::new());
    fetcher.answer(Err("HTTP 502".into()));
    // A refetch interval of 100 ms: each failure's pause is 100 ms.
    let v = fetcher
        .install(builder().jwks_refetch_interval(Duration::from_millis(100)))
        .build()
        .unwrap();
    let token = a.sign(&access_claims());
    for _ in 0..3 {
        assert_eq!(
            v.verify(&token).await.unwrap_err().code(),
            "jwks_unavailable"
        );
        tokio::time::sleep(Duration::from_millis(120)).await;
    }
    assert_eq!(
        fetcher.calls(),
        3,
        "each sequential call retries: nothing cached"
    );
    fetcher.answer(Ok(jwks_of(&[a])));
    assert!(v.verify(&token).await.is_ok());
    let stats = v.jwks_stats();
    assert_eq!((stats.fetches, stats.failures, stats.keys), (4, 3, 1));
}

#[tokio::test]
async fn junk_jwks_is_unavailable_and_not_cached() {
    let (a, _) = keys();
    let token = a.sign(&access_claims());
    let junk: Vec<Vec<u8>> = vec![
        b"<html>502 Bad Gateway</html>".to_vec(),
        b"".to_vec(),
        b"{}".to_vec(),
        br#"{"keys": []}"#.to_vec(),
        br#"{"keys": "nope"}"#.to_vec(),
        json!({"keys": [{"kty": "EC", "kid": "key-a", "crv": "P-256"}]})
            .to_string()
            .into_bytes(),
        // The right kid but a 512-bit modulus: refused.
        json!({"keys": [{"kty": "RSA", "kid": "key-a", "n": b64([0xffu8; 64]), "e": "AQAB"}]})
            .to_string()
            .into_bytes(),
        // The right key marked for encryption, or for another algorithm.
        json!({"keys": [with(a.jwk(), json!({"use": "enc"}))]})
            .to_string()
            .into_bytes(),
        json!({"keys": [with(a.jwk(), json!({"alg": "RS512"}))]})
            .to_string()
            .into_bytes(),
    ];
    for body in junk {
        let fetcher = Fetcher::new(body.clone());
        // No pause after the failure: the good document is fetched at once.
        let v = fetcher
            .install(builder().jwks_refetch_interval(Duration::ZERO))
            .build()
            .unwrap();
        let err = v.verify(&token).await.unwrap_err();
        assert_eq!(
            err.code(),
            "jwks_unavailable",
            "{}",
            String::from_utf8_lossy(&body)
        );
        fetcher.answer(Ok(jwks_of(&[a])));
        assert!(v.verify(&token).await.is_ok(), "recovers");
    }
}

#[tokio::test]
async fn refetch_failure_keeps_the_cached_keys() {
    let (a, b) = keys();
    let fetcher = Fetcher::new(jwks_of(&[a]));
    let v = fetcher
        .install(builder().jwks_refetch_interval(Duration::ZERO))
        .build()
        .unwrap();
    let by_a = a.sign(&access_claims());
    v.verify(&by_a).await.unwrap();
    fetcher.answer(Ok(b"garbage".to_vec()));
    let by_b = b.sign(&access_claims());
    assert_eq!(
        v.verify(&by_b).await.unwrap_err().code(),
        "jwks_unavailable"
    );
    assert!(v.verify(&by_a).await.is_ok(), "A still cached");
    fetcher.answer(Ok(jwks_of(&[a, b])));
    assert!(v.verify(&by_b).await.is_ok());
}

#[tokio::test]
async fn hydrate_refuses_junk_and_avoids_fetching() {
    let (a, _) = keys();
    let fetcher = Fetcher::new(Vec::new());
    let v = fetcher.install(builder()).build().unwrap();
    assert_eq!(
        v.hydrate_jwks(b"nope").unwrap_err().code(),
        "jwks_unavailable"
    );
    v.hydrate_jwks(&jwks_of(&[a])).unwrap();
    assert!(v.verify(&a.sign(&access_claims())).await.is_ok());
    assert_eq!(fetcher.calls(), 0);
}

/// A JWKS endpoint on 127.0.0.1 whose answer the test switches: (status, body).
async fn serve_jwks(answer: Arc<Mutex<(StatusCode, Vec<u8>)>>, hits: Arc<AtomicUsize>) -> String {
    let app = Router::new().route(
        "/eu-west-1_TestPool1/.well-known/jwks.json",
        get(move || {
            let answer = answer.clone();
            let hits = hits.clone();
            async move {
                hits.fetch_add(1, Ordering::SeqCst);
                let (status, body) = answer.lock().unwrap().clone();
                (status, body)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/eu-west-1_TestPool1")
}

#[tokio::test]
async fn http_fetcher_against_a_local_jwks() {
    let (a, b) = keys();
    let answer = Arc::new(Mutex::new((StatusCode::SERVICE_UNAVAILABLE, Vec::new())));
    let hits = Arc::new(AtomicUsize::new(0));
    let issuer = serve_jwks(answer.clone(), hits.clone()).await;
    // No pause after a failure: each answer below is fetched at once.
    let v = CognitoJwtVerifier::for_issuer(&issuer)
        .client_id(CLIENT)
        .clock(|| NOW)
        .jwks_refetch_interval(Duration::ZERO)
        .build()
        .unwrap();
    let token = b.sign(&with(access_claims(), json!({"iss": issuer})));

    let err = v.verify(&token).await.unwrap_err();
    assert_eq!(err.code(), "jwks_unavailable");
    assert!(err.detail().unwrap().contains("503"), "{err:?}");

    *answer.lock().unwrap() = (StatusCode::OK, b"<html>maintenance</html>".to_vec());
    assert_eq!(
        v.verify(&token).await.unwrap_err().code(),
        "jwks_unavailable"
    );

    *answer.lock().unwrap() = (StatusCode::OK, vec![b' '; 300 * 1024]);
    let err = v.verify(&token).await.unwrap_err();
    assert!(err.detail().unwrap().contains("too large"), "{err:?}");

    *answer.lock().unwrap() = (StatusCode::OK, jwks_of(&[a, b]));
    let user = v.verify(&token).await.expect("verified over HTTP");
    assert_eq!(user.username(), Some("alice"));
    for _ in 0..10 {
        v.verify(&token).await.unwrap();
    }
    assert_eq!(
        hits.load(Ordering::SeqCst),
        4,
        "3 failures, then 1 fetch cached"
    );
}

#[tokio::test]
async fn http_fetcher_refuses_plain_http_off_loopback_and_builds_tls() {
    let fetcher = HttpJwksFetcher::new();
    let err = fetcher
        .fetch("http://keys.example.com/jwks.json".into())
        .await
        .unwrap_err();
    assert!(err.0.contains("non-loopback"), "{err}");
    // HTTPS: the rustls client (aws-lc-rs provider, platform roots) builds; nothing listens on
    // port 1, so the connection itself fails (no request leaves the machine).
    let err = fetcher
        .fetch("https://127.0.0.1:1/jwks.json".into())
        .await
        .unwrap_err();
    assert!(err.0.contains("failed"), "{err}");
    assert!(!err.0.contains("setup"), "{err}");
}

#[tokio::test]
async fn verified_tokens_are_remembered_but_time_is_checked_again() {
    use std::sync::atomic::AtomicU64;
    let (a, _) = keys();
    let now = Arc::new(AtomicU64::new(NOW));
    let clock = now.clone();
    let fetcher = Fetcher::new(jwks_of(&[a]));
    let v = fetcher
        .install(builder().clock(move || clock.load(Ordering::SeqCst)))
        .build()
        .unwrap();
    let token = a.sign(&with(access_claims(), json!({"exp": NOW + 60})));
    assert_eq!(v.verified_tokens_cached(), 0);
    let first = v.verify(&token).await.unwrap();
    assert_eq!(v.verified_tokens_cached(), 1);
    assert_eq!(
        v.verify(&token).await.unwrap(),
        first,
        "a hit gives the same user"
    );
    assert_eq!(v.verify_cached(&token).unwrap(), first);
    // Past exp + leeway the remembered token is expired like any other.
    now.store(NOW + 70, Ordering::SeqCst);
    assert_eq!(v.verify(&token).await.unwrap_err().code(), "expired");
    assert_eq!(v.verify_cached(&token).unwrap_err().code(), "expired");
    // A failed token is never remembered.
    let bad = a.sign(&with(access_claims(), json!({"client_id": "other"})));
    assert!(v.verify(&bad).await.is_err());
    assert_eq!(v.verified_tokens_cached(), 1);
}

#[tokio::test]
async fn a_jwks_refetch_invalidates_remembered_tokens() {
    let (a, b) = keys();
    let fetcher = Fetcher::new(jwks_of(&[a]));
    let v = fetcher
        .install(builder().jwks_refetch_interval(Duration::ZERO))
        .build()
        .unwrap();
    let by_a = a.sign(&access_claims());
    v.verify(&by_a).await.unwrap();
    // Key A is withdrawn, key B published; a B token makes the cache refetch.
    fetcher.answer(Ok(jwks_of(&[b])));
    v.verify(&b.sign(&access_claims())).await.unwrap();
    assert_eq!(
        v.verify(&by_a).await.unwrap_err().code(),
        "unknown_kid",
        "the remembered result died with its key"
    );
}

#[tokio::test]
async fn the_verified_cache_is_bounded_and_can_be_disabled() {
    let (a, _) = keys();
    let fetcher = Fetcher::new(jwks_of(&[a]));
    let tokens: Vec<String> = (0..5)
        .map(|i| a.sign(&with(access_claims(), json!({"jti": format!("j{i}")}))))
        .collect();
    let small = fetcher
        .install(builder().verified_token_cache(2))
        .build()
        .unwrap();
    for token in &tokens {
        small.verify(token).await.unwrap();
        assert!(small.verified_tokens_cached() <= 2);
    }
    let off = fetcher
        .install(builder().verified_token_cache(0))
        .build()
        .unwrap();
    for token in &tokens {
        off.verify(token).await.unwrap();
    }
    assert_eq!(off.verified_tokens_cached(), 0);
}

#[tokio::test]
async fn a_remembered_token_serves_only_the_very_same_token() {
    let (a, _) = keys();
    let fetcher = Fetcher::new(jwks_of(&[a]));
    let v = fetcher.install(builder()).build().unwrap();
    let token = a.sign(&access_claims());
    v.verify(&token).await.unwrap();
    assert_eq!(v.verified_tokens_cached(), 1);
    // The remembered token's signature on another payload or header: not a hit.
    let (signed, signature) = token.rsplit_once('.').unwrap();
    let (header, _) = signed.split_once('.').unwrap();
    let payload = b64(with(
        access_claims(),
        json!({"cognito:groups": ["admin", "root"]}),
    )
    .to_string());
    let forged = format!("{header}.{payload}.{signature}");
    assert_eq!(v.verify(&forged).await.unwrap_err().code(), "bad_signature");
    assert_eq!(
        v.verify_cached(&forged).unwrap_err().code(),
        "bad_signature"
    );
    let header = b64(r#"{"alg":"RS256","kid":"key-a","typ":"JWT"}"#);
    let (_, payload) = signed.split_once('.').unwrap();
    let forged = format!("{header}.{payload}.{signature}");
    assert_eq!(v.verify(&forged).await.unwrap_err().code(), "bad_signature");
    assert!(v.verify(&token).await.is_ok());
    assert_eq!(v.verified_tokens_cached(), 1);
}
