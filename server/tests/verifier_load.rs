//! A bounded load run of an `/api/me` route protected by the kit's `VerifiedUser` extractor,
//! verifying the emulator's access tokens against its JWKS over HTTP on 127.0.0.1, driven by
//! `wrk`. Ignored by default; `scripts/load-api.sh` runs it in release mode. Throughput and
//! latency are reported; errors must be 0 and the JWKS must be fetched exactly once, even
//! though the first requests all arrive on a cold cache at once.

mod common;

use std::process::Command;

use axum::routing::get;
use axum::{Json, Router};
use common::{start, SPA};
use leptos_cognito_auth::ssr::{CognitoJwtVerifier, VerifiedUser};
use serde_json::{json, Value};
use tokio::net::TcpListener;

async fn me(user: VerifiedUser) -> Json<Value> {
    Json(json!({
        "username": user.username(),
        "sub": user.sub(),
        "groups": user.groups(),
    }))
}

const LUA: &str = r#"
local limit = tonumber(os.getenv("LOAD_PER_THREAD"))
wrk.headers["Authorization"] = "Bearer " .. os.getenv("LOAD_TOKEN")
local count = 0
response = function(status, headers, body)
  count = count + 1
  if count >= limit then wrk.thread:stop() end
end
"#;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The value after `label` on the first line that contains it.
fn field<'a>(output: &'a str, label: &str) -> Option<&'a str> {
    output
        .lines()
        .find_map(|line| line.trim().strip_prefix(label))
        .map(str::trim)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "load run; scripts/load-api.sh runs it with wrk in release mode"]
async fn load_api_me() {
    let h = start().await;
    let tokens = h.tokens_for("alice", &[]).await;
    let token = tokens["access_token"].as_str().unwrap().to_owned();
    let verifier = CognitoJwtVerifier::for_issuer(&h.issuer())
        .client_id(SPA)
        .build()
        .unwrap();
    let app = Router::new()
        .route("/api/me", get(me))
        .with_state(verifier.clone());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/api/me", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let threads = env_or("LOAD_THREADS", 2);
    let connections = env_or("LOAD_CONNECTIONS", 32);
    let requests = env_or("LOAD_REQUESTS", 50_000);
    let script = std::env::temp_dir().join(format!("load-api-{}.lua", std::process::id()));
    std::fs::write(&script, LUA).unwrap();
    let (wrk_url, wrk_script, wrk_token) = (url.clone(), script.clone(), token.clone());
    let output = tokio::task::spawn_blocking(move || {
        Command::new("wrk")
            .args(["-t", &threads.to_string(), "-c", &connections.to_string()])
            .args(["-d", "120s", "--latency", "-s"])
            .arg(&wrk_script)
            .arg(&wrk_url)
            .env("LOAD_PER_THREAD", (requests / threads).to_string())
            .env("LOAD_TOKEN", wrk_token)
            .output()
            .expect("wrk runs (apt-get install -y wrk)")
    })
    .await
    .unwrap();
    let _ = std::fs::remove_file(&script);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    println!("{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "wrk failed");

    let total = stdout
        .lines()
        .find(|l| l.contains("requests in"))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse::<u64>().ok())
        .expect("request count");
    let rps = field(&stdout, "Requests/sec:").expect("Requests/sec");
    let p99 = field(&stdout, "99%").expect("p99");
    let non_2xx = field(&stdout, "Non-2xx or 3xx responses:").unwrap_or("0");
    let socket_errors = field(&stdout, "Socket errors:").unwrap_or("none");
    let fetches = verifier.jwks_stats().fetches;
    println!(
        "LOAD /api/me: requests={total} connections={connections} requests/s={rps} p99={p99} \
         non-2xx={non_2xx} socket-errors={socket_errors} jwks-fetches={fetches}"
    );
    assert!(
        total >= requests,
        "bounded run completed: {total} < {requests}"
    );
    assert_eq!(non_2xx, "0", "every response is 200");
    assert_eq!(socket_errors, "none", "no socket errors");
    assert_eq!(fetches, 1, "one JWKS fetch for the whole run");
}
