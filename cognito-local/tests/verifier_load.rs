//! A bounded load run of an `/api/me` route protected by the kit's `VerifiedUser` extractor,
//! verifying the emulator's access tokens against its JWKS over HTTP on 127.0.0.1, driven by
//! `wrk`. Ignored by default; `scripts/load-api.sh` runs it in release mode. Throughput and
//! latency are reported; errors must be 0 and the JWKS must be fetched exactly once, even
//! though the first requests all arrive on a cold cache at once.

mod common;

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::Extension;
use axum::routing::get;
use axum::{Json, Router};
use common::{start, SPA};
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
    // LOAD_VERIFIED_CACHE=0 makes every request pay for the full check (RSA included).
    let remembered = env_or("LOAD_VERIFIED_CACHE", 4096) as usize;
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

    let threads = env_or("LOAD_THREADS", 2);
    let connections = env_or("LOAD_CONNECTIONS", 32);
    let requests = env_or("LOAD_REQUESTS", 50_000);
    let script = std::env::temp_dir().join(format!("load-api-{}.lua", std::process::id()));
    std::fs::write(&script, LUA).unwrap();
    // Each wrk thread stops after its share of requests, but wrk itself would wait out `-d`
    // and divide by it: interrupt it (SIGINT makes wrk print its report) once the server
    // has answered them all, so the elapsed time and requests/s are the real ones.
    let per_thread = requests / threads;
    let requests = per_thread * threads;
    let wrk = Command::new("wrk")
        .args(["-t", &threads.to_string(), "-c", &connections.to_string()])
        .args(["-d", "120s", "--latency", "-s"])
        .arg(&script)
        .arg(&url)
        .env("LOAD_PER_THREAD", per_thread.to_string())
        .env("LOAD_TOKEN", &token)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("wrk runs (apt-get install -y wrk)");
    let started = Instant::now();
    while served.load(Ordering::SeqCst) < requests && started.elapsed() < Duration::from_secs(120) {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let elapsed = started.elapsed();
    Command::new("kill")
        .args(["-INT", &wrk.id().to_string()])
        .status()
        .expect("kill -INT");
    let output = tokio::task::spawn_blocking(move || wrk.wait_with_output())
        .await
        .unwrap()
        .expect("wrk output");
    let _ = std::fs::remove_file(&script);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    println!("{stdout}{}", String::from_utf8_lossy(&output.stderr));
    println!(
        "server side: {} responses in {:.2} s = {:.0} requests/s",
        served.load(Ordering::SeqCst),
        elapsed.as_secs_f64(),
        served.load(Ordering::SeqCst) as f64 / elapsed.as_secs_f64()
    );

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
        "LOAD /api/me: requests={total} connections={connections} verified-token-cache={remembered} \
         requests/s={rps} p99={p99} non-2xx={non_2xx} socket-errors={socket_errors} \
         jwks-fetches={fetches}"
    );
    assert!(
        total >= requests,
        "bounded run completed: {total} < {requests}"
    );
    assert_eq!(non_2xx, "0", "every response is 200");
    assert_eq!(socket_errors, "none", "no socket errors");
    assert_eq!(fetches, 1, "one JWKS fetch for the whole run");
}
