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
        .secret([SECRET])
        .clock(clock.clone())
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
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .expect("reqwest client")
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
    assert!(!cookies.contains("eyJ"), "no token in a cookie: {cookies}");
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
    assert!(
        !text.contains("eyJ"),
        "no token in the session view: {text}"
    );
    serde_json::from_str(&text).expect("json")
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
