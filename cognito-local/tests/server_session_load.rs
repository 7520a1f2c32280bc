//! A bounded load run of `/api/me` (the kit's `VerifiedUser` extractor) with a server
//! session cookie, against the same route called with a bearer token, in one run:
//! what server sessions cost per request (loading the session from the store, the
//! anti-forgery and expiry checks) next to the bearer-token path, on every store: memory,
//! one Redis node and a 3-master Redis Cluster (with `redis-server` installed), and the
//! browser's cookies. Ignored by default; `scripts/load-api.sh`
//! runs it with `wrk` in release mode. Figures are reported, not asserted; every response
//! must be a 200.

mod common;

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::Extension;
use axum::routing::get;
use axum::{Json, Router};
use common::{http_client, load, location, start_with, CONFIDENTIAL, PASSWORD, SECRET, SPA};
use leptos_cognito_auth::ssr::{
    CognitoJwtVerifier, CookieSessionStore, ExpectedTokenUse, MemorySessionStore,
    RedisSessionStore, ServerSession, SessionStore, VerifiedUser,
};
use leptos_cognito_auth::{CognitoConfig, StorageKind};
use serde_json::{json, Value};
use tokio::net::TcpListener;

async fn me(Extension(served): Extension<Arc<AtomicU64>>, user: VerifiedUser) -> Json<Value> {
    served.fetch_add(1, Ordering::SeqCst);
    Json(json!({ "username": user.username(), "sub": user.sub() }))
}

/// Serves `/api/me` behind server sessions kept in `store`; returns its base URL and the
/// session cookie of a sign-in made through it, and the bearer token of another.
async fn serve(store: Arc<dyn SessionStore>, served: Arc<AtomicU64>) -> (String, String, String) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let callback = format!("{base}/callback");
    let h = {
        let callback = callback.clone();
        start_with(move |c| {
            c.clients[1].callback_urls.push(callback);
        })
        .await
    };
    let config = CognitoConfig::builder()
        .client_id(CONFIDENTIAL)
        .client_secret(SECRET)
        .app_web_domain(&h.base)
        .scopes(["openid", "email", "profile"])
        .redirect_uri_sign_in(&callback)
        .redirect_uri_sign_out(format!("{base}/"))
        .issuer(h.issuer())
        .storage(StorageKind::Server)
        .build()
        .unwrap();
    let sessions = ServerSession::builder(config, store)
        .secret(["a load-run secret of at least thirty-two characters"])
        .build()
        .unwrap();
    let verifier = CognitoJwtVerifier::for_issuer(&h.issuer())
        .client_ids([CONFIDENTIAL, SPA])
        .token_use(ExpectedTokenUse::Access)
        .build()
        .unwrap();
    let app = Router::new()
        .route("/api/me", get(me))
        .layer(sessions.layer())
        .layer(Extension(served))
        .with_state(verifier);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    // A sign-in through the app: its session cookie.
    let http = http_client();
    let start = http
        .get(format!("{base}/auth/sign-in"))
        .send()
        .await
        .unwrap();
    let login = http.get(location(&start)).send().await.unwrap();
    let back = http
        .post(location(&login))
        .form(&[("username", "alice"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let done = http.get(location(&back)).send().await.unwrap();
    // The session cookie, and with the cookie store the record's cookies too.
    let cookie = common::set_cookies(done.headers())
        .into_iter()
        .filter(|c| c.starts_with("lca-session"))
        .filter_map(|c| c.split(';').next().map(str::to_owned))
        .filter(|pair| !pair.ends_with('='))
        .collect::<Vec<_>>()
        .join("; ");
    assert!(
        cookie.contains("lca-session="),
        "a session cookie: {cookie}"
    );
    // A bearer token (the public client's), for the comparison.
    let tokens = h.tokens_for("alice", &[]).await;
    let bearer = tokens["access_token"].as_str().unwrap().to_owned();
    std::mem::forget(h);
    (base, cookie, bearer)
}

fn redis() -> Option<(Child, String)> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .ok()?
        .local_addr()
        .ok()?
        .port();
    let child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some((child, format!("redis://127.0.0.1:{port}/")));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

/// A 3-master Redis Cluster on free ports (`redis-cli --cluster create`), in a fresh folder;
/// its processes and its `redis-cluster://` URL.
fn redis_cluster() -> Option<(Vec<Child>, String)> {
    let dir = std::env::temp_dir().join(format!("load-cluster-{}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    let ports: Vec<u16> = (0..3)
        .map(|_| {
            std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .map(|a| a.port())
        })
        .collect::<Result<_, _>>()
        .ok()?;
    let mut nodes = Vec::new();
    for port in &ports {
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--cluster-enabled", "yes", "--cluster-config-file"])
            .arg(dir.join(format!("nodes-{port}.conf")))
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        nodes.push(child);
    }
    for port in &ports {
        let up = (0..100).any(|_| {
            std::thread::sleep(Duration::from_millis(50));
            std::net::TcpStream::connect(("127.0.0.1", *port)).is_ok()
        });
        if !up {
            return None;
        }
    }
    let seeds: Vec<String> = ports.iter().map(|p| format!("127.0.0.1:{p}")).collect();
    let created = Command::new("redis-cli")
        .args(["--cluster", "create"])
        .args(&seeds)
        .args(["--cluster-replicas", "0", "--cluster-yes"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .ok()?;
    if !created.success() {
        return None;
    }
    let ok = (0..100).any(|_| {
        std::thread::sleep(Duration::from_millis(100));
        Command::new("redis-cli")
            .args(["-p", &ports[0].to_string(), "cluster", "info"])
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("cluster_state:ok"))
    });
    ok.then(|| (nodes, format!("redis-cluster://{}", seeds.join(","))))
}

/// Measures `/api/me` with a session kept in `store`.
async fn session_run(what: &str, store: Arc<dyn SessionStore>, report: &impl Fn(&str, &load::Run)) {
    let served = Arc::new(AtomicU64::new(0));
    let (base, cookie, _) = serve(store, served.clone()).await;
    let run = load::wrk(&format!("{base}/api/me"), "Cookie", &cookie, served).await;
    report(what, &run);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "load run; scripts/load-api.sh runs it with wrk in release mode"]
async fn load_api_me_with_a_server_session() {
    let served = Arc::new(AtomicU64::new(0));
    let (base, cookie, bearer) = serve(Arc::new(MemorySessionStore::new()), served.clone()).await;
    let url = format!("{base}/api/me");
    let report = |what: &str, run: &load::Run| {
        println!(
            "LOAD /api/me ({what}): requests={} connections={} requests/s={} p99={} non-2xx={} socket-errors={}",
            run.total, run.connections, run.requests_per_sec, run.p99, run.non_2xx, run.socket_errors
        );
    };
    let run = load::wrk(
        &url,
        "Authorization",
        &format!("Bearer {bearer}"),
        served.clone(),
    )
    .await;
    report("bearer token", &run);
    let run = load::wrk(&url, "Cookie", &cookie, served.clone()).await;
    report("server session, memory store", &run);
    if let Some((mut child, redis_url)) = redis() {
        let store = RedisSessionStore::open(&redis_url).unwrap();
        session_run("server session, Redis store", Arc::new(store), &report).await;
        let _ = child.kill();
        let _ = child.wait();
    } else {
        println!(
            "LOAD /api/me (server session, Redis store): skipped, redis-server is not installed"
        );
    }
    if let Some((nodes, url)) = redis_cluster() {
        let store = RedisSessionStore::open(&url).unwrap();
        session_run(
            "server session, Redis Cluster of 3",
            Arc::new(store),
            &report,
        )
        .await;
        for mut node in nodes {
            let _ = node.kill();
            let _ = node.wait();
        }
    } else {
        println!(
            "LOAD /api/me (server session, Redis Cluster): skipped, the cluster did not start"
        );
    }
    session_run(
        "server session, cookie store",
        Arc::new(CookieSessionStore::new()),
        &report,
    )
    .await;
}
