//! Server sessions (the kit's `ssr::ServerSession`) against the emulator over real HTTP:
//! sign-in through the Hosted UI, the session cookie, refresh on the server, sign-out,
//! CSRF, tampered cookies, open redirects, token endpoint faults; both stores; and three
//! app instances sharing one real Redis, making one refresh per expiry between them.
//! A reqwest client with a cookie jar plays the browser.

mod common;

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use cognito_local::ClientConfig;
use common::*;
use leptos_cognito_auth::ssr::{
    CognitoJwtVerifier, ExpectedTokenUse, MemoryStore, RedisStore, ServerSession, SessionStore,
    VerifiedUser,
};
use leptos_cognito_auth::{CognitoConfig, StorageKind};
use reqwest::StatusCode;
use serde_json::Value;
use tokio::net::TcpListener;

/// The confidential test client: 3-second tokens, rotating refresh tokens without grace
/// (spending one twice fails), callbacks on the app ports.
const CLIENT: &str = "bff-client";
const CLIENT_SECRET: &str = "bff-secret";
const TOKEN_SECS: u64 = 3;
/// A client with 8-second tokens and no rotation, for the fault tests: its sessions are
/// refreshed from 4 s before expiry (the margin), so a refresh that fails leaves a session
/// that is still valid.
const STEADY: &str = "bff-steady-client";
const STEADY_SECS: u64 = 8;
const STEADY_MARGIN: u64 = 4;

/// An app listener bound before the emulator starts, so its callback can be registered.
struct Port {
    listener: TcpListener,
    base: String,
}

async fn port() -> Port {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!(
        "http://127.0.0.1:{}",
        listener.local_addr().expect("addr").port()
    );
    Port { listener, base }
}

/// The emulator with the test client registered for `apps`' callbacks.
async fn emulator(apps: &[&Port]) -> Harness {
    let callbacks: Vec<String> = apps
        .iter()
        .map(|p| format!("{}/callback", p.base))
        .collect();
    let logouts: Vec<String> = apps.iter().map(|p| format!("{}/", p.base)).collect();
    start_with(|config| {
        config.enable_test_control = true;
        let confidential = config.clients[1].clone();
        config.clients.push(ClientConfig {
            client_id: CLIENT.into(),
            client_secret: Some(CLIENT_SECRET.into()),
            callback_urls: callbacks.clone(),
            logout_urls: logouts.clone(),
            id_token_lifetime_secs: TOKEN_SECS,
            access_token_lifetime_secs: TOKEN_SECS,
            refresh_token_rotation: true,
            rotation_grace_secs: 0,
            ..confidential.clone()
        });
        config.clients.push(ClientConfig {
            client_id: STEADY.into(),
            client_secret: Some(CLIENT_SECRET.into()),
            callback_urls: callbacks,
            logout_urls: logouts,
            id_token_lifetime_secs: STEADY_SECS,
            access_token_lifetime_secs: STEADY_SECS,
            refresh_token_rotation: false,
            ..confidential
        });
    })
    .await
}

/// Serves an app on `port`: the server-session routes and layer, `GET /me` (the
/// `VerifiedUser` extractor, unchanged) and `POST /change` (a state-changing route).
fn serve(port: Port, harness: &Harness, store: Arc<dyn SessionStore>, client: &str) -> String {
    let mut config = CognitoConfig::builder()
        .client_id(client)
        .client_secret(CLIENT_SECRET)
        .app_web_domain(&harness.base)
        .scopes(["openid", "email", "profile"])
        .redirect_uri_sign_in(format!("{}/callback", port.base))
        .redirect_uri_sign_out(format!("{}/", port.base))
        .issuer(harness.issuer())
        .clock_skew_secs(0)
        .http_timeout_ms(1500)
        .storage(StorageKind::Server);
    if client == STEADY {
        config = config.refresh_margin_secs(STEADY_MARGIN);
    }
    let config = config.build().expect("config");
    let sessions = ServerSession::with_store(config, store)
        .expect("server sessions")
        .protect(["/private"]);
    let access = CognitoJwtVerifier::for_issuer(&harness.issuer())
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
        .layer(Extension(access));
    tokio::spawn(async move { axum::serve(port.listener, app).await });
    port.base
}

/// Signs alice in through `app` with the browser `http`, starting at `path`; returns the
/// final redirect's location.
async fn sign_in(harness: &Harness, http: &reqwest::Client, app: &str, path: &str) -> String {
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
        authorize.starts_with(&harness.url("/oauth2/authorize?")),
        "{authorize}"
    );
    let params = url_params(&authorize, false);
    assert_eq!(
        params.get("code_challenge_method").map(String::as_str),
        Some("S256")
    );
    assert!(params.contains_key("nonce") && params.contains_key("state"));
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

async fn session_view(http: &reqwest::Client, app: &str) -> Value {
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

fn refreshes(harness: &Harness) -> u64 {
    let counts = harness.running.emulator.counts();
    counts
        .token_requests
        .get("refresh_token")
        .copied()
        .unwrap_or(0)
}

#[tokio::test]
async fn round_trip_refresh_and_sign_out_with_the_memory_store() {
    let port = port().await;
    let harness = emulator(&[&port]).await;
    let app = serve(port, &harness, Arc::new(MemoryStore::new()), CLIENT);
    let http = http_client();

    // Signed out: /me is refused, the protected page starts a sign-in.
    assert_eq!(
        http.get(format!("{app}/me")).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let landed = sign_in(&harness, &http, &app, "/private").await;
    assert_eq!(landed, "/private");
    let me = http.get(format!("{app}/me")).send().await.unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    let body = me.text().await.unwrap();
    assert!(body.contains("\"alice\""), "{body}");
    assert!(!body.contains("eyJ"));
    let view = session_view(&http, &app).await;
    assert_eq!(view["user"]["username"], "alice");
    // The page gets what it shows of the user, not the tokens' claims.
    assert_eq!(view["user"]["claims"], serde_json::json!({}));
    assert!(!view.to_string().contains("eyJ"), "{view}");
    let csrf = view["csrf_token"]
        .as_str()
        .expect("a csrf token")
        .to_owned();

    // The access token expires: the next request refreshes on the server, transparently.
    let before = refreshes(&harness);
    tokio::time::sleep(Duration::from_millis(TOKEN_SECS * 1000 + 300)).await;
    let me = http.get(format!("{app}/me")).send().await.unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    assert_eq!(refreshes(&harness), before + 1);

    // State changes need the token and this origin.
    let change = |token: Option<&str>, site: &str| {
        let mut request = http
            .post(format!("{app}/change"))
            .header("sec-fetch-site", site);
        if let Some(token) = token {
            request = request.header("x-csrf-token", token);
        }
        request.send()
    };
    assert_eq!(
        change(None, "same-origin").await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        change(Some("forged"), "same-origin")
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        change(Some(&csrf), "cross-site").await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        change(Some(&csrf), "same-origin").await.unwrap().status(),
        StatusCode::OK
    );

    // A cross-site form post to sign-out is refused; the site's own form signs out.
    let forged = http
        .post(format!("{app}/auth/sign-out"))
        .header("sec-fetch-site", "cross-site")
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert!(
        set_cookies(forged.headers()).is_empty(),
        "a refused sign-out does not even clear the cookie"
    );
    // Another site's form as a browser sends it (no cookie: SameSite=Lax) is refused too,
    // and does not clear this browser's cookie either.
    let cross_site = reqwest::Client::new()
        .post(format!("{app}/auth/sign-out"))
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), StatusCode::FORBIDDEN);
    assert!(set_cookies(cross_site.headers()).is_empty());
    let no_token = http
        .post(format!("{app}/auth/sign-out"))
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .unwrap();
    assert_eq!(no_token.status(), StatusCode::FORBIDDEN);
    let tokens_before = harness.running.emulator.counts().refresh_tokens;
    let out = http
        .post(format!("{app}/auth/sign-out"))
        .header("sec-fetch-site", "same-origin")
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert!(location(&out).starts_with(&harness.url("/logout?")));
    assert!(set_cookies(out.headers())
        .join("\n")
        .contains("lca-session=; "));
    // The refresh token was revoked at Cognito.
    let revoked = {
        let counts = harness.running.emulator.counts();
        counts.revoked_refresh_tokens == counts.refresh_tokens
            || counts.refresh_tokens < tokens_before
    };
    assert!(revoked, "sign-out revokes the refresh token");
    assert_eq!(
        http.get(format!("{app}/me")).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert!(session_view(&http, &app).await["user"].is_null());
}

async fn fault(harness: &Harness, fault: Value) {
    let response = harness
        .http
        .post(harness.url("/_test/faults/token"))
        .json(&fault)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
}

/// The browser's half of a sign-in up to the callback URL (not followed).
async fn callback_url(http: &reqwest::Client, app: &str) -> String {
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

#[tokio::test]
async fn bad_cookies_open_redirects_replays_and_another_browser() {
    let port = port().await;
    let harness = emulator(&[&port]).await;
    let app = serve(port, &harness, Arc::new(MemoryStore::new()), CLIENT);

    // A tampered or unknown session cookie reads as signed out, and goes.
    for value in ["garbage", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"] {
        let response = reqwest::Client::new()
            .get(format!("{app}/auth/session"))
            .header("cookie", format!("lca-session={value}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let cookies = set_cookies(response.headers()).join("\n");
        assert!(cookies.contains("lca-session=; "), "{value}: {cookies}");
        let view: Value = response.json().await.unwrap();
        assert!(view["user"].is_null());
    }

    // Open redirects: an absolute or protocol-relative return path lands on "/".
    for evil in ["//evil.example", "https://evil.example", "/\\evil.example"] {
        let http = http_client();
        let encoded: String = evil.bytes().map(|b| format!("%{b:02X}")).collect();
        let landed = sign_in(
            &harness,
            &http,
            &app,
            &format!("/auth/sign-in?return_to={encoded}"),
        )
        .await;
        assert_eq!(landed, "/", "{evil}");
    }

    // A replayed callback is refused.
    let http = http_client();
    let callback = callback_url(&http, &app).await;
    assert_eq!(
        http.get(&callback).send().await.unwrap().status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(session_view(&http, &app).await["user"]["username"], "alice");
    let replayed = http_client();
    replayed.get(&callback).send().await.unwrap();
    assert!(session_view(&replayed, &app).await["user"].is_null());
    assert_eq!(
        session_view(&replayed, &app).await["error"],
        serde_json::Value::Null,
        "shown once"
    );

    // A callback carried to another browser does not sign that browser in: the pending
    // sign-in belongs to the browser that started it.
    let attacker = http_client();
    let callback = callback_url(&attacker, &app).await;
    let victim = http_client();
    let response = victim.get(&callback).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let view = session_view(&victim, &app).await;
    assert!(view["user"].is_null());
}

#[tokio::test]
async fn token_endpoint_faults_and_a_revoked_refresh_token() {
    let port = port().await;
    let harness = emulator(&[&port]).await;
    let app = serve(port, &harness, Arc::new(MemoryStore::new()), STEADY);
    let http = http_client();
    sign_in(&harness, &http, &app, "/auth/sign-in").await;

    // The token endpoint failing during a second sign-in's callback: a clear error, and
    // the session this browser has is kept.
    fault(&harness, serde_json::json!({"fault": "server_error"})).await;
    let callback = callback_url(&http, &app).await;
    let failed = http.get(&callback).send().await.unwrap();
    assert_eq!(failed.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&failed), "/");
    let view = session_view(&http, &app).await;
    assert_eq!(view["error"], "server_error");
    assert_eq!(view["user"]["username"], "alice", "the session is kept");

    // During refreshes (due 4 s before expiry, so the session is still valid): 500, junk,
    // and a hang past the 1.5 s timeout. Each gives a clear error and keeps the session;
    // the next request refreshes once the endpoint answers.
    for (what, body, codes) in [
        (
            "500",
            serde_json::json!({"fault": "server_error"}),
            &["server_error"][..],
        ),
        (
            "junk",
            serde_json::json!({"fault": "malformed_json"}),
            &["invalid_response"][..],
        ),
        (
            "hang",
            serde_json::json!({"fault": "hang", "ms": 2500}),
            &["timeout"][..],
        ),
    ] {
        tokio::time::sleep(Duration::from_millis(
            (STEADY_SECS - STEADY_MARGIN) * 1000 + 500,
        ))
        .await;
        let before = refreshes(&harness);
        fault(&harness, body).await;
        let view = session_view(&http, &app).await;
        assert_eq!(
            view["user"]["username"], "alice",
            "{what}: still valid, kept"
        );
        let code = view["error"].as_str().unwrap_or_default().to_owned();
        assert!(codes.contains(&code.as_str()), "{what}: {code}");
        assert_eq!(refreshes(&harness), before + 1, "{what}: one attempt");
        harness
            .http
            .delete(harness.url("/_test/faults"))
            .send()
            .await
            .unwrap();
        // The hung request completes at the emulator in the background; let it.
        tokio::time::sleep(Duration::from_millis(1200)).await;
        let view = session_view(&http, &app).await;
        assert!(view["error"].is_null(), "{what}: refreshed: {view}");
        assert_eq!(
            refreshes(&harness),
            before + 2,
            "{what}: refreshed once more"
        );
    }

    // A revoked refresh token: signed out with a message, the cookie goes.
    harness
        .http
        .post(harness.url("/_test/users/alice/revoke-refresh-tokens"))
        .send()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(
        (STEADY_SECS - STEADY_MARGIN) * 1000 + 500,
    ))
    .await;
    let response = http
        .get(format!("{app}/auth/session"))
        .send()
        .await
        .unwrap();
    assert!(set_cookies(response.headers())
        .join("\n")
        .contains("lca-session=; "));
    let view: Value = response.json().await.unwrap();
    assert!(view["user"].is_null());
    assert_eq!(view["error"], "invalid_grant");
    assert_eq!(
        http.get(format!("{app}/me")).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
}

/// A Redis server for this test binary: a free port on 127.0.0.1, a scratch directory
/// (so that a restart finds what was saved), stopped when dropped.
struct Redis {
    child: Option<Child>,
    port: u16,
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

    fn start() -> Option<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        let dir = std::env::temp_dir().join(format!("lca-redis-{port}"));
        std::fs::create_dir_all(&dir).ok()?;
        let child = Self::start_on(port, &dir)?;
        Some(Self {
            child: Some(child),
            port,
            dir,
        })
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Stops Redis, saving its data first (`SHUTDOWN SAVE`), as an operator restarting it.
    fn stop(&mut self) {
        let _ = Command::new("redis-cli")
            .args(["-p", &self.port.to_string(), "shutdown", "save"])
            .output();
        if let Some(mut child) = self.child.take() {
            let _ = child.wait();
        }
    }

    fn restart(&mut self) {
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

async fn store_contract(store: &dyn SessionStore) {
    store.set("k", "v", Duration::from_secs(60)).await.unwrap();
    assert_eq!(store.get("k").await.unwrap().as_deref(), Some("v"));
    store
        .set("k", "w", Duration::from_millis(300))
        .await
        .unwrap();
    assert_eq!(store.get("k").await.unwrap().as_deref(), Some("w"));
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert_eq!(store.get("k").await.unwrap(), None, "expired");
    // Taken once, even by concurrent callers.
    store
        .set("once", "x", Duration::from_secs(60))
        .await
        .unwrap();
    let (a, b) = tokio::join!(store.take("once"), store.take("once"));
    let taken = [a.unwrap(), b.unwrap()];
    assert_eq!(taken.iter().filter(|t| t.is_some()).count(), 1, "{taken:?}");
    assert_eq!(store.get("once").await.unwrap(), None);
    // The lock: one owner at a time, released only by its owner, lapsing after the lease.
    let lease = Duration::from_millis(400);
    assert!(store.try_lock("lock", "a", lease).await.unwrap());
    assert!(!store.try_lock("lock", "b", lease).await.unwrap());
    store.unlock("lock", "b").await.unwrap();
    assert!(
        !store.try_lock("lock", "b", lease).await.unwrap(),
        "not b's to release"
    );
    store.unlock("lock", "a").await.unwrap();
    assert!(store.try_lock("lock", "b", lease).await.unwrap());
    tokio::time::sleep(Duration::from_millis(550)).await;
    assert!(
        store.try_lock("lock", "c", lease).await.unwrap(),
        "the lease lapsed"
    );
    store.remove("lock").await.unwrap();
    store.remove("missing").await.unwrap();
}

#[tokio::test]
async fn memory_store_contract() {
    store_contract(&MemoryStore::new()).await;
}

#[tokio::test]
async fn three_instances_share_redis_one_refresh_per_expiry_and_survive_a_redis_restart() {
    if Command::new("redis-server")
        .arg("--version")
        .output()
        .is_err()
    {
        // scripts/setup.sh installs it; only a machine without it lands here.
        eprintln!("SKIPPED: redis-server is not installed (scripts/setup.sh installs it)");
        return;
    }
    let mut redis = Redis::start().expect("redis-server starts on 127.0.0.1");
    store_contract(
        &RedisStore::open(&redis.url())
            .unwrap()
            .with_prefix("contract:"),
    )
    .await;

    let ports = [port().await, port().await, port().await];
    let harness = emulator(&ports.iter().collect::<Vec<_>>()).await;
    let apps: Vec<String> = ports
        .into_iter()
        .map(|p| {
            // Each instance has its own connection, as separate processes would.
            let store = RedisStore::open(&redis.url())
                .unwrap()
                .with_timeout(Duration::from_millis(500));
            serve(p, &harness, Arc::new(store), CLIENT)
        })
        .collect();
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let http = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap();
    sign_in(&harness, &http, &apps[0], "/auth/sign-in?return_to=/me").await;
    // The session made on one instance is there on the others.
    for app in &apps {
        let me = http.get(format!("{app}/me")).send().await.unwrap();
        assert_eq!(me.status(), StatusCode::OK, "{app}");
    }

    // Across an expiry, 30 concurrent requests spread over the three instances: one
    // refresh in total (rotation without grace: a second use of the old refresh token
    // would fail and sign the user out).
    for round in 0..2 {
        tokio::time::sleep(Duration::from_millis(TOKEN_SECS * 1000 + 300)).await;
        let before = refreshes(&harness);
        let requests = (0..30).map(|i| {
            let url = format!("{}/me", apps[i % 3]);
            let http = http.clone();
            async move { http.get(url).send().await.map(|r| r.status()) }
        });
        let statuses = futures::future::join_all(requests).await;
        for status in &statuses {
            assert_eq!(
                *status.as_ref().unwrap(),
                StatusCode::OK,
                "round {round}: {statuses:?}"
            );
        }
        assert_eq!(
            refreshes(&harness) - before,
            1,
            "round {round}: one refresh in total"
        );
    }

    // Redis goes away: a clear 503, no panic; the stored session is there again after a
    // restart.
    redis.stop();
    let down = http.get(format!("{}/me", apps[1])).send().await.unwrap();
    assert_eq!(down.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = down.json().await.unwrap();
    assert_eq!(body["error"], "session_store_unavailable");
    assert!(body["message"].as_str().unwrap().contains("Redis"));
    redis.restart();
    let mut back = StatusCode::SERVICE_UNAVAILABLE;
    for _ in 0..40 {
        back = http
            .get(format!("{}/me", apps[1]))
            .send()
            .await
            .unwrap()
            .status();
        if back != StatusCode::SERVICE_UNAVAILABLE {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(back, StatusCode::OK, "the stored session works again");
    for app in &apps {
        let me = http.get(format!("{app}/me")).send().await.unwrap();
        assert_eq!(me.status(), StatusCode::OK, "{app} after the restart");
    }

    // Sign-out on one instance ends the session on the others.
    let cookie = {
        use reqwest::cookie::CookieStore as _;
        let url = apps[2].parse().unwrap();
        jar.cookies(&url).unwrap().to_str().unwrap().to_owned()
    };
    let csrf = session_view(&http, &apps[2]).await["csrf_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let out = http
        .post(format!("{}/auth/sign-out", apps[2]))
        .header("sec-fetch-site", "same-origin")
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    // The browser drops the cookie; a copy of it kept elsewhere is worth nothing now.
    for app in &apps {
        let me = reqwest::Client::new()
            .get(format!("{app}/me"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(me.status(), StatusCode::UNAUTHORIZED, "{app}");
    }
}
