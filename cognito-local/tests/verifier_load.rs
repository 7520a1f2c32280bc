//! A bounded load run of an `/api/me` route protected by the kit's `VerifiedUser` extractor,
//! verifying the emulator's access tokens against its JWKS over HTTP on 127.0.0.1, driven by
//! `wrk`. Ignored by default; `scripts/load-api.sh` runs it in release mode. Throughput and
//! latency are reported; errors must be 0 and the JWKS must be fetched exactly once, even
//! though the first requests all arrive on a cold cache at once.

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::extract::Extension;
use axum::routing::get;
use axum::{Json, Router};
use common::{load, start, SPA};
use leptos_cognito_auth::ssr::{CognitoJwtVerifier, VerifiedUser};
use serde_json::{json, Value};
use tokio::net::TcpListener;

async fn me(Extension(served): Extension<Arc<AtomicU64>>, user: VerifiedUser) -> Json<Value> {
    served.fetch_add(1, Ordering::SeqCst);
    Json(json!({
        "username": user.username(),
        "sub": user.sub(),
        "groups": user.groups(),
    }))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "load run; scripts/load-api.sh runs it with wrk in release mode"]
async fn load_api_me() {
    let h = start().await;
    let tokens = h.tokens_for("alice", &[]).await;
    let token = tokens["access_token"].as_str().unwrap().to_owned();
    // LOAD_VERIFIED_CACHE=0 makes every request pay for the full check (RSA included).
    let remembered = load::env_or("LOAD_VERIFIED_CACHE", 4096) as usize;
    let verifier = CognitoJwtVerifier::for_issuer(&h.issuer())
        .client_id(SPA)
        .verified_token_cache(remembered)
        .build()
        .unwrap();
    let served = Arc::new(AtomicU64::new(0));
    let app = Router::new()
        .route("/api/me", get(me))
        .layer(Extension(served.clone()))
        .with_state(verifier.clone());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/api/me", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let run = load::wrk(&url, "Authorization", &format!("Bearer {token}"), served).await;
    let fetches = verifier.jwks_stats().fetches;
    println!(
        "LOAD /api/me: requests={} connections={} verified-token-cache={remembered} \
         requests/s={} p99={} non-2xx={} socket-errors={} jwks-fetches={fetches}",
        run.total, run.connections, run.requests_per_sec, run.p99, run.non_2xx, run.socket_errors
    );
    assert_eq!(fetches, 1, "one JWKS fetch for the whole run");
}
