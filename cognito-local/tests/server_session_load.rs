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
use tower::ServiceExt;

async fn me(Extension(served): Extension<Arc<AtomicU64>>, user: VerifiedUser) -> Json<Value> {
    served.fetch_add(1, Ordering::SeqCst);
    Json(json!({ "username": user.username(), "sub": user.sub() }))
}

/// Serves `/api/me` behind server sessions kept in `store`; returns its base URL, the
/// session cookie of a sign-in made through it, the bearer token of another, and the app.
async fn serve(
    store: Arc<dyn SessionStore>,
    served: Arc<AtomicU64>,
) -> (String, String, String, Router) {
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
    let served_app = app.clone();
    tokio::spawn(async move { axum::serve(listener, served_app).await.unwrap() });

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
    (base, cookie, bearer, app)
}

/// The kit's own cost per request, without the network: `n` requests with `header: value`
/// handed straight to `app` by `tasks` tasks at once (on the runtime's worker threads, so
/// that what they share is shared as under load); the wall time per request.
async fn in_process(app: &Router, header: &str, value: &str, n: u32, tasks: u32) -> Duration {
    let started = std::time::Instant::now();
    let runs: Vec<_> = (0..tasks)
        .map(|_| {
            let (app, header, value) = (app.clone(), header.to_owned(), value.to_owned());
            tokio::spawn(async move {
                for _ in 0..n / tasks {
                    let request = axum::http::Request::get("/api/me")
                        .header(&header, &value)
                        .body(axum::body::Body::empty())
                        .unwrap();
                    let response = app.clone().oneshot(request).await.unwrap();
                    assert_eq!(response.status(), 200);
                }
            })
        })
        .collect();
    for run in runs {
        run.await.unwrap();
    }
    started.elapsed() / (n / tasks * tasks)
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

/// A leg of a round of the comparison (its index in the round's figures).
#[derive(Clone, Copy)]
enum Leg {
    Bearer = 0,
    Session = 1,
    Control = 2,
}

impl Leg {
    fn name(self) -> &'static str {
        match self {
            Leg::Bearer => "bearer token",
            Leg::Session => "server session, memory store",
            Leg::Control => "bearer token again, the control",
        }
    }
}

/// A duration in microseconds, for the reports ("not measured" where it was not).
fn micros(duration: Option<Duration>) -> String {
    duration.map_or_else(
        || "not measured".to_owned(),
        |d| format!("{:.2} µs", d.as_secs_f64() * 1e6),
    )
}

/// Measures `/api/me` with a session kept in `store`.
async fn session_run(what: &str, store: Arc<dyn SessionStore>, report: &impl Fn(&str, &load::Run)) {
    let served = Arc::new(AtomicU64::new(0));
    let (base, cookie, _, _) = serve(store, served.clone()).await;
    let run = load::wrk(&format!("{base}/api/me"), "Cookie", &cookie, served).await;
    report(what, &run);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "load run; scripts/load-api.sh runs it with wrk in release mode"]
async fn load_api_me_with_a_server_session() {
    let served = Arc::new(AtomicU64::new(0));
    let (base, cookie, bearer, _) =
        serve(Arc::new(MemorySessionStore::new()), served.clone()).await;
    let url = format!("{base}/api/me");

    let report = |what: &str, run: &load::Run| {
        println!(
            "LOAD /api/me ({what}): requests={} connections={} requests/s={} p99={} non-2xx={} socket-errors={} server-cpu/request={}",
            run.total, run.connections, run.requests_per_sec, run.p99, run.non_2xx, run.socket_errors,
            micros(run.cpu_per_request)
        );
    };
    // The first run of a process is slower whatever it sends (measured: a session run
    // first, 37.0 k/s; the same run later, 45.9 k/s): both are warmed up first, unreported.
    // With LOAD_PIN=1, this comparison runs the server on one CPU and wrk on the others.
    let pinned = load::pin();
    let warm_up = load::env_or("LOAD_WARMUP", 20_000);
    let bearer_header = format!("Bearer {bearer}");
    let bearer_run = |n| load::wrk_n(&url, "Authorization", &bearer_header, served.clone(), n);
    let session_run_ = |n| load::wrk_n(&url, "Cookie", &cookie, served.clone(), n);
    bearer_run(warm_up).await;
    session_run_(warm_up).await;
    let requests = load::env_or("LOAD_REQUESTS", 50_000);
    let rounds = load::env_or("LOAD_ROUNDS", 3);
    // Each round runs three legs back to back: the bearer token, the session, and the
    // bearer token again, the control. The control's ratio to the bearer run is what the
    // machine alone moves a ratio by, since both send the same requests (measured, with
    // the session leg sending the bearer token too: 95.5% ± 3.0% over 20 rounds, as far
    // from 100% as the session's own ratio was). The legs' order goes through the six
    // orders of three, round by round, so that no leg keeps the first or last place.
    const ORDERS: [[Leg; 3]; 6] = [
        [Leg::Bearer, Leg::Session, Leg::Control],
        [Leg::Session, Leg::Control, Leg::Bearer],
        [Leg::Control, Leg::Bearer, Leg::Session],
        [Leg::Bearer, Leg::Control, Leg::Session],
        [Leg::Control, Leg::Session, Leg::Bearer],
        [Leg::Session, Leg::Bearer, Leg::Control],
    ];
    let mut rates: [Vec<f64>; 3] = Default::default();
    let mut cpu: [Vec<f64>; 3] = Default::default();
    for round in 0..rounds {
        for leg in ORDERS[usize::try_from(round).unwrap() % ORDERS.len()] {
            let run = match leg {
                Leg::Session => session_run_(requests).await,
                Leg::Bearer | Leg::Control => bearer_run(requests).await,
            };
            report(&format!("{}, round {}", leg.name(), round + 1), &run);
            rates[leg as usize].push(run.rate());
            cpu[leg as usize].extend(run.cpu_per_request.map(|d| d.as_secs_f64()));
        }
    }
    let [bearer_median, session_median, control_median] = rates.each_ref().map(|r| load::median(r));
    println!(
        "LOAD /api/me medians of {rounds} rounds: bearer token {bearer_median:.0} requests/s, \
         server session on the memory store {session_median:.0} requests/s ({:.1}% of bearer), \
         bearer token again (control) {control_median:.0} requests/s ({:.1}% of bearer)",
        session_median / bearer_median * 100.0,
        control_median / bearer_median * 100.0
    );
    // Each round's legs are made back to back: a ratio of two legs of one round cancels the
    // machine's drift from round to round. The session is set against both bearer runs of
    // its round (their geometric mean), and the control against the bearer run: the
    // control's spread is what the machine alone makes. Each is summed up as the geometric
    // mean of its rounds (a ratio and its inverse weigh alike, so the control centres on
    // 100%) and its standard error.
    let [bearer_rates, session_rates, control_rates] = &rates;
    let session_ratios: Vec<f64> = (0..session_rates.len())
        .map(|i| session_rates[i] / (bearer_rates[i] * control_rates[i]).sqrt())
        .collect();
    let control_ratios: Vec<f64> = (0..control_rates.len())
        .map(|i| control_rates[i] / bearer_rates[i])
        .collect();
    for (what, ratios) in [
        ("session / bearer (both bearer runs)", session_ratios),
        (
            "control: bearer / bearer, the same requests twice",
            control_ratios,
        ),
    ] {
        let (mean, error) = load::geometric_mean_and_error(&ratios);
        println!(
            "LOAD /api/me {what}, round by round: geometric mean {:.1}%{} over {rounds} rounds, \
             at least as fast in {} ({}){}",
            mean * 100.0,
            error.map_or_else(String::new, |e| format!(
                " ± {:.1}% (standard error)",
                e * 100.0
            )),
            ratios.iter().filter(|r| **r >= 1.0).count(),
            ratios
                .iter()
                .map(|r| format!("{:.1}%", r * 100.0))
                .collect::<Vec<_>>()
                .join(", "),
            if pinned.is_some() {
                "; the server on CPU 0, wrk on the others (LOAD_PIN=1)"
            } else {
                ""
            }
        );
    }
    // What each request cost the server's CPU, in the same rounds. Measured: it moves with
    // requests/s (18.4-24.9 µs in rounds of 57-44 k/s), so this machine's slow rounds are
    // slower in CPU time too, not only waiting for a core.
    if cpu.iter().all(|c| !c.is_empty()) {
        let [bearer_cpu, session_cpu, control_cpu] = cpu.each_ref().map(|c| load::median(c));
        println!(
            "LOAD /api/me server CPU per request, medians of {rounds} rounds: bearer token \
             {:.2} µs, server session on the memory store {:.2} µs ({:.1}% of bearer), \
             control {:.2} µs ({:.1}% of bearer)",
            bearer_cpu * 1e6,
            session_cpu * 1e6,
            session_cpu / bearer_cpu * 100.0,
            control_cpu * 1e6,
            control_cpu / bearer_cpu * 100.0
        );
    }
    // The other stores' runs share the machine as before (a Redis server too).
    drop(pinned);
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "load run; scripts/load-api.sh runs it in release mode"]
async fn in_process_cost_of_api_me_with_a_server_session() {
    let served = Arc::new(AtomicU64::new(0));
    let (_, cookie, bearer, app) = serve(Arc::new(MemorySessionStore::new()), served).await;
    // Without the network: what the layer and the extractor cost, by two tasks at once (the
    // runtime's two worker threads), in alternating rounds; the best round of each, as the
    // least disturbed by the rest of the machine. LOAD_IN_PROCESS=bearer (or =session) runs
    // that mode alone, for LOAD_IN_PROCESS_ROUNDS rounds (default 5), by
    // LOAD_IN_PROCESS_TASKS tasks (default 2; 1 leaves out what the two threads share): what
    // `LOAD_INSTRUCTIONS=1 scripts/load-api.sh` counts the instructions of.
    let only = std::env::var("LOAD_IN_PROCESS").ok();
    assert!(
        matches!(only.as_deref(), None | Some("bearer" | "session")),
        "LOAD_IN_PROCESS is bearer or session, not {only:?}"
    );
    let runs = |mode: &str| only.as_deref().is_none_or(|only| only == mode);
    let rounds = load::env_or("LOAD_IN_PROCESS_ROUNDS", 5);
    let tasks = u32::try_from(load::env_or("LOAD_IN_PROCESS_TASKS", 2))
        .ok()
        .filter(|tasks| (1..=1_000).contains(tasks))
        .expect("LOAD_IN_PROCESS_TASKS is 1 to 1000");
    let authorization = format!("Bearer {bearer}");
    let (mut bearer_best, mut session_best) = (None::<Duration>, None::<Duration>);
    for _ in 0..rounds {
        if runs("bearer") {
            let bearer = in_process(&app, "Authorization", &authorization, 20_000, tasks).await;
            bearer_best = Some(bearer_best.map_or(bearer, |best| best.min(bearer)));
        }
        if runs("session") {
            let session = in_process(&app, "Cookie", &cookie, 20_000, tasks).await;
            session_best = Some(session_best.map_or(session, |best| best.min(session)));
        }
    }
    println!(
        "IN-PROCESS /api/me, wall time per request (best of {rounds} rounds of 20,000; tasks at once: {tasks}): \
         bearer token {}, server session on the memory store {}",
        micros(bearer_best),
        micros(session_best)
    );
}
