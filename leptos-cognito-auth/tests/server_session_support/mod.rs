//! What the server-session tests share: the local Hosted UI on 127.0.0.1, app instances
//! behind the kit's session layer, a browser (reqwest with a cookie jar, no automatic
//! redirects), a clock the tests move, and a Redis server started for the test binary.

#![allow(dead_code)]

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::routing::{get, post};
use axum::{Json, Router};
use cognito_local::{serve_on, ClientConfig, EmulatorConfig, RunningEmulator};
use leptos_cognito_auth::client::{Clock, SystemClock};
use leptos_cognito_auth::ssr::{
    CognitoJwtVerifier, ExpectedTokenUse, ServerSession, SessionStore, VerifiedUser,
};
use leptos_cognito_auth::{CognitoConfig, StorageKind};
use reqwest::header::{HeaderMap, LOCATION};
use reqwest::{Client, Response, StatusCode};
use serde_json::Value;
use tokio::net::TcpListener;

pub const PASSWORD: &str = "Passw0rd!";
/// The confidential test client: 30-second tokens, rotating refresh tokens without grace
/// (spending one twice fails), callbacks on the app ports.
pub const CLIENT: &str = "bff-client";
pub const CLIENT_SECRET: &str = "bff-secret";
pub const TOKEN_SECS: u64 = 30;
/// A client with 30-second tokens and no rotation, for the fault tests: its sessions are
/// refreshed from 10 s before expiry (the margin), so a refresh that fails leaves a session
/// that is still valid.
pub const STEADY: &str = "bff-steady-client";
pub const STEADY_MARGIN: u64 = 10;
/// The secret every instance of one test seals pending sign-ins with.
pub const SECRET: &str = "a test secret of at least thirty-two characters";

/// A clock the test moves (starting at the system's time): the app instances read it, so
/// expiries come without sleeping. The Hosted UI keeps the real time; the kit measures the
/// difference as clock drift, as it would for a machine whose clock is off.
#[derive(Clone, Default)]
pub struct TestClock {
    ahead: Arc<AtomicU64>,
}

impl TestClock {
    /// Moves the clock `secs` seconds on.
    pub fn advance(&self, secs: u64) {
        self.ahead.fetch_add(secs, Ordering::SeqCst);
    }
}

impl Clock for TestClock {
    fn now(&self) -> u64 {
        SystemClock.now() + self.ahead.load(Ordering::SeqCst)
    }
}

/// An app listener bound before the emulator starts, so its callback can be registered.
pub struct Port {
    pub listener: TcpListener,
    pub base: String,
}

pub async fn port() -> Port {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!(
        "http://127.0.0.1:{}",
        listener.local_addr().expect("addr").port()
    );
    Port { listener, base }
}

/// The local Hosted UI, with its base URL.
pub struct HostedUi {
    pub running: RunningEmulator,
    pub base: String,
    pub http: Client,
}

impl HostedUi {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn issuer(&self) -> String {
        self.running.issuer().to_owned()
    }

    /// Refresh-token grants answered so far.
    pub fn refreshes(&self) -> u64 {
        let counts = self.running.emulator.counts();
        counts
            .token_requests
            .get("refresh_token")
            .copied()
            .unwrap_or(0)
    }

    /// Queues a fault of the token endpoint (`/_test/faults/token`).
    pub async fn fault(&self, fault: Value) {
        let response = self
            .http
            .post(self.url("/_test/faults/token"))
            .json(&fault)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
    }

    pub async fn clear_faults(&self) {
        self.http
            .delete(self.url("/_test/faults"))
            .send()
            .await
            .unwrap();
    }
}

/// The Hosted UI on 127.0.0.1 with the test clients registered for `apps`' callbacks.
pub async fn hosted_ui(apps: &[&Port]) -> HostedUi {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!(
        "http://127.0.0.1:{}",
        listener.local_addr().expect("addr").port()
    );
    let callbacks: Vec<String> = apps
        .iter()
        .map(|p| format!("{}/callback", p.base))
        .collect();
    let logouts: Vec<String> = apps.iter().map(|p| format!("{}/", p.base)).collect();
    let mut config = EmulatorConfig {
        domain_base: Some(base.clone()),
        enable_test_control: true,
        ..EmulatorConfig::default()
    };
    let confidential = config.clients[1].clone();
    for (client_id, rotation) in [(CLIENT, true), (STEADY, false)] {
        config.clients.push(ClientConfig {
            client_id: client_id.into(),
            client_secret: Some(CLIENT_SECRET.into()),
            callback_urls: callbacks.clone(),
            logout_urls: logouts.clone(),
            id_token_lifetime_secs: TOKEN_SECS,
            access_token_lifetime_secs: TOKEN_SECS,
            refresh_token_rotation: rotation,
            rotation_grace_secs: 0,
            ..confidential.clone()
        });
    }
    let running = serve_on(listener, config).await.expect("emulator starts");
    HostedUi {
        running,
        base,
        http: browser(),
    }
}

/// The server sessions of an app for `client` on `port` (not yet built).
pub fn sessions(
    port: &Port,
    hosted_ui: &HostedUi,
    store: Arc<dyn SessionStore>,
    client: &str,
    clock: &TestClock,
) -> leptos_cognito_auth::ssr::ServerSessionBuilder {
    sessions_with_secrets(port, hosted_ui, store, client, clock, &[SECRET])
}

/// [`sessions`] with other session secrets (the first seals, every one opens).
pub fn sessions_with_secrets(
    port: &Port,
    hosted_ui: &HostedUi,
    store: Arc<dyn SessionStore>,
    client: &str,
    clock: &TestClock,
    secrets: &[&str],
) -> leptos_cognito_auth::ssr::ServerSessionBuilder {
    let mut config = CognitoConfig::builder()
        .client_id(client)
        .client_secret(CLIENT_SECRET)
        .app_web_domain(&hosted_ui.base)
        .scopes(["openid", "email", "profile"])
        .redirect_uri_sign_in(format!("{}/callback", port.base))
        .redirect_uri_sign_out(format!("{}/", port.base))
        .issuer(hosted_ui.issuer())
        .clock_skew_secs(0)
        .http_timeout_ms(1500)
        .storage(StorageKind::Server);
    if client == STEADY {
        config = config.refresh_margin_secs(STEADY_MARGIN);
    }
    let config = config.build().expect("config");
    ServerSession::builder(config, store)
        .protect(["/private"])
        .secret(secrets.iter().copied())
        .clock(clock.clone())
}

/// The server sessions of an app whose configuration asks for `scopes` only, over the Redis
/// at `store_url`.
pub fn sessions_with_scopes(
    port: &Port,
    hosted_ui: &HostedUi,
    client: &str,
    clock: &TestClock,
    store_url: &str,
    scopes: &[&str],
) -> leptos_cognito_auth::ssr::ServerSessionBuilder {
    let config = CognitoConfig::builder()
        .client_id(client)
        .client_secret(CLIENT_SECRET)
        .app_web_domain(&hosted_ui.base)
        .scopes(scopes.iter().copied())
        .redirect_uri_sign_in(format!("{}/callback", port.base))
        .redirect_uri_sign_out(format!("{}/", port.base))
        .issuer(hosted_ui.issuer())
        .clock_skew_secs(0)
        .http_timeout_ms(1500)
        .storage(StorageKind::Server)
        .build()
        .expect("config");
    let store = leptos_cognito_auth::ssr::RedisSessionStore::open(store_url).expect("store");
    ServerSession::builder(config, store)
        .protect(["/private"])
        .secret([SECRET])
        .clock(clock.clone())
        .user_pool_endpoint(format!("{}/", hosted_ui.base))
}

/// One app instance behind server sessions on `store` for `client` (as [`sessions`] builds
/// them) with its own local Hosted UI: the Hosted UI, the app's base URL, and the clock
/// its sessions read.
pub async fn one_app(store: Arc<dyn SessionStore>, client: &str) -> (HostedUi, String, TestClock) {
    let port = port().await;
    let hosted_ui = hosted_ui(&[&port]).await;
    let clock = TestClock::default();
    let sessions = sessions(&port, &hosted_ui, store, client, &clock)
        .build()
        .expect("server sessions");
    let app = serve(port, &hosted_ui, sessions, client);
    (hosted_ui, app, clock)
}

/// Serves an app on `port` behind `sessions`: `GET /me` (the `VerifiedUser` extractor,
/// with a bearer verifier too for requests without a session), `GET /private` and
/// `POST /change` (a state-changing route).
pub fn serve(port: Port, hosted_ui: &HostedUi, sessions: ServerSession, client: &str) -> String {
    let access = CognitoJwtVerifier::for_issuer(&hosted_ui.issuer())
        .client_id(client)
        .token_use(ExpectedTokenUse::Access)
        .leeway(Duration::ZERO)
        .build()
        .expect("verifier");
    let app = Router::new()
        .route(
            "/me",
            get(|user: VerifiedUser| async move {
                Json(serde_json::json!({ "username": user.username() }))
            }),
        )
        .route("/private", get(|| async { "private page" }))
        .route("/change", post(|| async { "changed" }))
        .route("/", get(|| async { "home" }))
        .layer(sessions.layer())
        .layer(axum::Extension(access));
    tokio::spawn(async move { axum::serve(port.listener, app).await });
    port.base
}

/// A browser: a cookie jar, no automatic redirects, no proxy.
pub fn browser() -> Client {
    browser_builder().build().expect("reqwest client")
}

/// A browser whose every request names `referer` as the page it comes from.
pub fn browser_on_page(referer: &str) -> Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::REFERER,
        referer.parse().expect("a header value"),
    );
    browser_builder()
        .default_headers(headers)
        .build()
        .expect("reqwest client")
}

fn browser_builder() -> reqwest::ClientBuilder {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
}

pub fn location(response: &Response) -> String {
    response
        .headers()
        .get(LOCATION)
        .expect("a Location header")
        .to_str()
        .expect("ascii location")
        .to_owned()
}

pub fn set_cookies(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect()
}

/// The query parameter `name` of `url`, decoded.
pub fn query_param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    url::form_urlencoded_pairs(query)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

mod url {
    /// `application/x-www-form-urlencoded` pairs.
    pub fn form_urlencoded_pairs(query: &str) -> Vec<(String, String)> {
        query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                let decode = |s: &str| {
                    percent_encoding::percent_decode_str(&s.replace('+', " "))
                        .decode_utf8_lossy()
                        .into_owned()
                };
                (decode(k), decode(v))
            })
            .collect()
    }
}

/// Whether `text` holds a JWT or a refresh token: its header (`{"kid"`, `{"alg"` or `{"cty"`, in base64url; random
/// base64 of sealed values and ids may hold `eyJ` by chance, not these).
pub fn has_jwt(text: &str) -> bool {
    ["eyJraWQi", "eyJhbGci", "eyJjdHki"]
        .iter()
        .any(|header| text.contains(header))
}

/// Signs alice in through `app` with the browser `http`, starting at `path`; returns the
/// final redirect's location.
pub async fn sign_in(hosted_ui: &HostedUi, http: &Client, app: &str, path: &str) -> String {
    let start = http
        .get(format!("{app}{path}"))
        .send()
        .await
        .expect("start");
    assert_eq!(
        start.status(),
        StatusCode::SEE_OTHER,
        "{path} starts a sign-in"
    );
    let authorize = location(&start);
    assert!(
        authorize.starts_with(&hosted_ui.url("/oauth2/authorize?")),
        "{authorize}"
    );
    assert_eq!(
        query_param(&authorize, "code_challenge_method").as_deref(),
        Some("S256")
    );
    assert!(query_param(&authorize, "nonce").is_some());
    assert!(query_param(&authorize, "state").is_some());
    let login = http.get(&authorize).send().await.expect("authorize");
    let login_url = location(&login);
    let back = http
        .post(&login_url)
        .form(&[("username", "alice"), ("password", PASSWORD)])
        .send()
        .await
        .expect("login");
    let callback = location(&back);
    assert!(
        callback.starts_with(&format!("{app}/callback?code=")),
        "{callback}"
    );
    let done = http.get(&callback).send().await.expect("callback");
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    let cookies = set_cookies(done.headers()).join("\n");
    assert!(
        cookies.contains("lca-session=") && cookies.contains("HttpOnly"),
        "{cookies}"
    );
    assert!(
        cookies.contains("SameSite=Lax") && cookies.contains("Path=/"),
        "{cookies}"
    );
    assert!(!has_jwt(&cookies), "no token in a cookie: {cookies}");
    location(&done)
}

pub async fn session_view(http: &Client, app: &str) -> Value {
    let response = http
        .get(format!("{app}/auth/session"))
        .send()
        .await
        .expect("view");
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.expect("body");
    assert!(!has_jwt(&text), "no token in the session view: {text}");
    serde_json::from_str(&text).expect("json")
}

/// The session's anti-forgery token, as the page gets it.
pub async fn csrf_token(http: &Client, app: &str) -> String {
    session_view(http, app).await["csrf_token"]
        .as_str()
        .expect("a csrf token")
        .to_owned()
}

/// Signs out as the site's own sign-out form does (same origin, with the session's
/// anti-forgery token), not following the answer.
pub async fn sign_out(http: &Client, app: &str) -> Response {
    let csrf = csrf_token(http, app).await;
    http.post(format!("{app}/auth/sign-out"))
        .header("sec-fetch-site", "same-origin")
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .expect("sign-out")
}

/// The browser's half of a sign-in up to the callback URL (not followed).
pub async fn callback_url(http: &Client, app: &str) -> String {
    let start = http
        .get(format!("{app}/auth/sign-in"))
        .send()
        .await
        .unwrap();
    let login = http.get(location(&start)).send().await.unwrap();
    // Within the Hosted UI's own session, authorize answers with the code at once.
    if location(&login).starts_with(app) {
        return location(&login);
    }
    let back = http
        .post(location(&login))
        .form(&[("username", "alice"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    location(&back)
}

/// A Redis server for this test binary: a free port on 127.0.0.1, a scratch directory
/// (so that a restart finds what was saved), stopped when dropped.
pub struct Redis {
    child: Option<Child>,
    pub port: u16,
    dir: std::path::PathBuf,
}

impl Redis {
    fn start_on(port: u16, dir: &std::path::Path) -> Option<Child> {
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args([
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "yes",
            ])
            .arg("--dir")
            .arg(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(child);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }

    /// A Redis server, or `None` where `redis-server` is not installed. Under CI (the `CI`
    /// variable set) a missing `redis-server` fails the test instead: the setup installs it,
    /// so its absence is a broken machine, not a reason to pass.
    pub fn start() -> Option<Self> {
        if Command::new("redis-server")
            .arg("--version")
            .output()
            .is_err()
        {
            assert!(
                std::env::var_os("CI").is_none(),
                "redis-server is not installed, and CI is set: scripts/setup.sh installs it"
            );
            eprintln!("SKIPPED: redis-server is not installed (scripts/setup.sh installs it)");
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        let dir = std::env::temp_dir().join(format!("lca-redis-{port}"));
        std::fs::create_dir_all(&dir).ok()?;
        let child = Self::start_on(port, &dir);
        assert!(child.is_some(), "redis-server starts on 127.0.0.1:{port}");
        Some(Self { child, port, dir })
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// The number of keys in its database (`DBSIZE`).
    pub fn key_count(&self) -> u64 {
        let out = Command::new("redis-cli")
            .args(["-p", &self.port.to_string(), "DBSIZE"])
            .output()
            .expect("redis-cli runs");
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .expect("a count")
    }

    /// Every value stored under keys matching `pattern` (test inspection only).
    pub fn values(&self, pattern: &str) -> Vec<String> {
        let keys = Command::new("redis-cli")
            .args(["-p", &self.port.to_string(), "--scan", "--pattern", pattern])
            .output()
            .expect("redis-cli runs");
        String::from_utf8_lossy(&keys.stdout)
            .lines()
            .map(|key| {
                let value = Command::new("redis-cli")
                    .args(["-p", &self.port.to_string(), "GET", key])
                    .output()
                    .expect("redis-cli runs");
                String::from_utf8_lossy(&value.stdout).into_owned()
            })
            .collect()
    }

    /// Stops Redis, saving its data first (`SHUTDOWN SAVE`), as an operator restarting it.
    pub fn stop(&mut self) {
        let _ = Command::new("redis-cli")
            .args(["-p", &self.port.to_string(), "shutdown", "save"])
            .output();
        if let Some(mut child) = self.child.take() {
            let _ = child.wait();
        }
    }

    pub fn restart(&mut self) {
        self.child = Self::start_on(self.port, &self.dir);
        assert!(self.child.is_some(), "Redis restarts");
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A free port on 127.0.0.1.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

fn wait_for_port(port: u16) -> bool {
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// A 3-master Redis Cluster on 127.0.0.1 (no replicas), stopped when dropped.
pub struct RedisCluster {
    children: Vec<Option<Child>>,
    pub ports: Vec<u16>,
    dir: std::path::PathBuf,
}

impl RedisCluster {
    fn start_node(port: u16, dir: &std::path::Path) -> Child {
        let node_dir = dir.join(port.to_string());
        std::fs::create_dir_all(&node_dir).expect("node dir");
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args([
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                "nodes.conf",
            ])
            .args(["--cluster-node-timeout", "2000"])
            // The other nodes keep serving their slots while one is down.
            .args(["--cluster-require-full-coverage", "no"])
            .args(["--appendonly", "yes", "--save", ""])
            .arg("--dir")
            .arg(&node_dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        assert!(wait_for_port(port), "cluster node {port} answers");
        child
    }

    /// Three masters, their slots assigned, `cluster_state:ok` on every node; `None`
    /// where `redis-server` is not installed (under CI: a failure, see [`Redis::start`]).
    pub fn start() -> Option<Self> {
        if Command::new("redis-server")
            .arg("--version")
            .output()
            .is_err()
        {
            assert!(
                std::env::var_os("CI").is_none(),
                "redis-server is not installed, and CI is set: scripts/setup.sh installs it"
            );
            eprintln!("SKIPPED: redis-server is not installed (scripts/setup.sh installs it)");
            return None;
        }
        let ports: Vec<u16> = (0..3).map(|_| free_port()).collect();
        let dir = std::env::temp_dir().join(format!("lca-redis-cluster-{}", ports[0]));
        let _ = std::fs::remove_dir_all(&dir);
        let children = ports
            .iter()
            .map(|p| Some(Self::start_node(*p, &dir)))
            .collect();
        let nodes: Vec<String> = ports.iter().map(|p| format!("127.0.0.1:{p}")).collect();
        let created = Command::new("redis-cli")
            .args(["--cluster", "create"])
            .args(&nodes)
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .output()
            .expect("redis-cli runs");
        assert!(
            created.status.success(),
            "cluster create: {}",
            String::from_utf8_lossy(&created.stdout)
        );
        let cluster = Self {
            children,
            ports,
            dir,
        };
        cluster.wait_ok();
        Some(cluster)
    }

    /// Waits for `cluster_state:ok` on every live node.
    pub fn wait_ok(&self) {
        for (i, port) in self.ports.iter().enumerate() {
            if self.children[i].is_none() {
                continue;
            }
            let mut ok = false;
            for _ in 0..200 {
                let info = Command::new("redis-cli")
                    .args(["-p", &port.to_string(), "CLUSTER", "INFO"])
                    .output()
                    .expect("redis-cli runs");
                if String::from_utf8_lossy(&info.stdout).contains("cluster_state:ok") {
                    ok = true;
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            assert!(ok, "cluster_state:ok on {port}");
        }
    }

    /// The store URL: every node a seed.
    pub fn url(&self) -> String {
        let nodes: Vec<String> = self
            .ports
            .iter()
            .map(|p| format!("127.0.0.1:{p}"))
            .collect();
        format!("redis-cluster://{}", nodes.join(","))
    }

    /// The node (its index) that holds `key`'s slot.
    pub fn node_of(&self, key: &str) -> usize {
        let out = Command::new("redis-cli")
            .args(["-p", &self.ports[0].to_string(), "CLUSTER", "KEYSLOT", key])
            .output()
            .expect("redis-cli runs");
        let slot: u16 = String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .expect("slot");
        let slots = Command::new("redis-cli")
            .args(["-p", &self.ports[0].to_string(), "CLUSTER", "SLOTS"])
            .output()
            .expect("redis-cli runs");
        // Lines: start, end, host, port, id, ... per range.
        let lines: Vec<String> = String::from_utf8_lossy(&slots.stdout)
            .lines()
            .map(str::to_owned)
            .collect();
        let mut i = 0;
        while i + 3 < lines.len() {
            let (start, end) = (lines[i].parse::<u16>(), lines[i + 1].parse::<u16>());
            if let (Ok(start), Ok(end)) = (start, end) {
                let port: u16 = lines[i + 3].parse().unwrap_or(0);
                if (start..=end).contains(&slot) {
                    return self.ports.iter().position(|p| *p == port).expect("a node");
                }
                i += 4;
            } else {
                i += 1;
            }
        }
        panic!("no node holds slot {slot}");
    }

    /// Stops node `i` (its data kept on disk).
    pub fn stop(&mut self, i: usize) {
        let _ = Command::new("redis-cli")
            .args(["-p", &self.ports[i].to_string(), "shutdown", "save"])
            .output();
        if let Some(mut child) = self.children[i].take() {
            let _ = child.wait();
        }
    }

    /// Starts node `i` again (it rejoins with its saved configuration).
    pub fn restart(&mut self, i: usize) {
        self.children[i] = Some(Self::start_node(self.ports[i], &self.dir));
        self.wait_ok();
    }
}

impl Drop for RedisCluster {
    fn drop(&mut self) {
        for child in self.children.iter_mut().flatten() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A TLS-only Redis on 127.0.0.1 with a certificate from a CA made for this run (its file
/// is what `SSL_CERT_FILE` names for the client), stopped when dropped.
pub struct TlsRedis {
    child: Option<Child>,
    pub port: u16,
    pub ca_file: std::path::PathBuf,
    dir: std::path::PathBuf,
}

impl TlsRedis {
    pub fn start() -> Option<Self> {
        if Command::new("redis-server")
            .arg("--version")
            .output()
            .is_err()
        {
            assert!(
                std::env::var_os("CI").is_none(),
                "redis-server is not installed, and CI is set"
            );
            return None;
        }
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("lca-redis-tls-{port}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        let openssl = |args: &[&str]| {
            let out = Command::new("openssl")
                .args(args)
                .current_dir(&dir)
                .output()
                .expect("openssl runs");
            assert!(
                out.status.success(),
                "openssl {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        openssl(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=lca test CA",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
        ]);
        openssl(&[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=localhost",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
        ]);
        std::fs::write(
            dir.join("ext.cnf"),
            "subjectAltName=DNS:localhost,IP:127.0.0.1\n",
        )
        .expect("ext");
        openssl(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "1",
            "-extfile",
            "ext.cnf",
            "-out",
            "server.pem",
        ]);
        let child = Command::new("redis-server")
            .args([
                "--port",
                "0",
                "--tls-port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
            ])
            .args([
                "--tls-cert-file",
                "server.pem",
                "--tls-key-file",
                "server.key",
            ])
            .args(["--tls-ca-cert-file", "ca.pem", "--tls-auth-clients", "no"])
            .args(["--save", "", "--appendonly", "no"])
            .current_dir(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        assert!(wait_for_port(port), "TLS Redis answers on {port}");
        Some(Self {
            child: Some(child),
            port,
            ca_file: dir.join("ca.pem"),
            dir,
        })
    }

    pub fn url(&self) -> String {
        format!("rediss://127.0.0.1:{}/", self.port)
    }
}

impl Drop for TlsRedis {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
