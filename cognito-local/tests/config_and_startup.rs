//! The TOML configuration, the standalone binary, and the startup-time figure.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cognito_local::{startup_banner, ClientConfig, EmulatorConfig};
use common::*;
use reqwest::StatusCode;
use serde_json::Value;

const CONFIG: &str = r#"
user_pool_id = "eu-central-1_Custom"
session_lifetime_secs = 60
code_lifetime_secs = 30
enable_test_control = true

[[clients]]
client_id = "custom-client"
client_secret = "custom-secret"
callback_urls = ["http://localhost:4000/auth/callback"]
logout_urls = ["http://localhost:4000/bye"]
allowed_scopes = ["openid", "email", "api/read"]
allowed_flows = ["code"]
id_token_lifetime_secs = 5
access_token_lifetime_secs = 5
refresh_token_lifetime_secs = 3600
refresh_token_rotation = true
rotation_grace_secs = 10

[[users]]
username = "carol"
password = "S3cret-carol"
sub = "11111111-2222-3333-4444-555555555555"
email = "carol@example.com"
email_verified = true
phone_number = "+15555550100"
groups = ["editors", "admin"]
custom = { team = "blue" }
"#;

#[test]
fn defaults_match_the_contract() {
    let c = EmulatorConfig::default();
    assert_eq!(c.addr.to_string(), "127.0.0.1:9229");
    assert_eq!(c.effective_domain_base(), "http://localhost:9229");
    assert_eq!(
        c.effective_issuer(),
        "http://localhost:9229/us-east-1_LocalPool"
    );
    let spa = c.client("local-spa-client").unwrap();
    assert!(spa.client_secret.is_none());
    assert_eq!(spa.callback_urls, ["http://localhost:3000/callback"]);
    assert_eq!(spa.logout_urls, ["http://localhost:3000/"]);
    assert_eq!(
        spa.allowed_scopes,
        [
            "openid",
            "email",
            "profile",
            "phone",
            "aws.cognito.signin.user.admin"
        ]
    );
    let server = c.client("local-server-client").unwrap();
    assert_eq!(server.client_secret.as_deref(), Some("local-server-secret"));
    let alice = c.user("alice").unwrap();
    assert_eq!(alice.password, "Passw0rd!");
    assert_eq!(alice.email.as_deref(), Some("alice@example.com"));
    assert!(alice.email_verified);
    assert_eq!(alice.groups, ["admin"]);
    let bob = c.user("bob").unwrap();
    assert_eq!(bob.password, "Passw0rd!");
    assert!(bob.groups.is_empty());
    assert!(!c.enable_test_control);
    assert!(
        !format!("{alice:?}").contains("Passw0rd!"),
        "passwords redacted"
    );
    assert!(
        !format!("{server:?}").contains("local-server-secret"),
        "secrets redacted"
    );
}

#[test]
fn invalid_configurations_are_rejected() {
    for bad in [
        "unknown_field = 1",
        "user_pool_id = \"nounderscore\"",
        "domain_base = \"localhost:9229\"",
        "[[clients]]\nclient_id = \"\"",
        "[[clients]]\nclient_id = \"a\"\n[[clients]]\nclient_id = \"a\"",
        "[[clients]]\nclient_id = \"a\"\ncallback_urls = [\"http://x/#f\"]",
        "[[clients]]\nclient_id = \"a\"\nrotation_grace_secs = 61",
        "[[clients]]\nclient_id = \"a\"\naccess_token_lifetime_secs = 0",
        "[[users]]\nusername = \"\"",
        "code_lifetime_secs = 0",
        "[keys]\nid_token_key = \"/nonexistent.pem\"",
    ] {
        let result = EmulatorConfig::from_toml(bad)
            .and_then(|c| cognito_local::Emulator::new(c).map(|_| ()));
        assert!(result.is_err(), "{bad}");
    }
    let same_keys = "[keys]\nid_token_key = \"keys/dev-id-token-key.pem\"\naccess_token_key = \"keys/dev-id-token-key.pem\"";
    let config = EmulatorConfig::from_toml(same_keys).unwrap();
    assert!(
        cognito_local::Emulator::new(config).is_err(),
        "keys must differ"
    );
}

#[tokio::test]
async fn config_file_overrides_users_clients_and_lifetimes() {
    let parsed = EmulatorConfig::from_toml(CONFIG).expect("valid config");
    let h = start_with(|c| {
        let domain = c.domain_base.clone();
        *c = parsed;
        c.domain_base = domain;
    })
    .await;
    assert_eq!(h.issuer(), format!("{}/eu-central-1_Custom", h.base));
    // the default client and users are gone
    let response = h.authorize(&code_params(&[])).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    let callback = "http://localhost:4000/auth/callback";
    let pairs = [
        ("response_type", "code"),
        ("client_id", "custom-client"),
        ("redirect_uri", callback),
        ("scope", "openid api/read"),
    ];
    let response = h.sign_in(&pairs, "alice", PASSWORD).await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "alice does not exist here"
    );
    let response = h.sign_in(&pairs, "carol", "S3cret-carol").await;
    let code = url_params(&location(&response), false)["code"].clone();
    let response = h
        .http
        .post(h.url("/oauth2/token"))
        .basic_auth("custom-client", Some("custom-secret"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", callback),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["expires_in"], 5);
    let (_, id) = h
        .verify(body["id_token"].as_str().unwrap(), Some("custom-client"))
        .await;
    assert_eq!(id["sub"], "11111111-2222-3333-4444-555555555555");
    assert_eq!(id["custom:team"], "blue");
    assert_eq!(id["phone_number"], "+15555550100");
    assert_eq!(
        id["cognito:groups"],
        serde_json::json!(["editors", "admin"])
    );
    assert_eq!(id["exp"].as_u64().unwrap() - id["iat"].as_u64().unwrap(), 5);
    let (_, access) = h.verify(body["access_token"].as_str().unwrap(), None).await;
    assert_eq!(access["scope"], "openid api/read");

    // rotation is on for this client
    let response = h
        .http
        .post(h.url("/oauth2/token"))
        .basic_auth("custom-client", Some("custom-secret"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", body["refresh_token"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    let refreshed: Value = response.json().await.unwrap();
    assert!(refreshed["refresh_token"].is_string());

    // logout goes to the configured sign-out URL
    let response = h
        .get(&format!(
            "/logout?{}",
            query(&[
                ("client_id", "custom-client"),
                ("logout_uri", "http://localhost:4000/bye")
            ])
        ))
        .await;
    assert_eq!(location(&response), "http://localhost:4000/bye");
}

#[tokio::test]
async fn config_file_with_relative_key_paths_loads() {
    let dir = std::env::temp_dir().join(format!("cognito-local-test-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("k")).unwrap();
    let keys = concat!(env!("CARGO_MANIFEST_DIR"), "/keys");
    // swap the two keys: the kids swap too
    std::fs::copy(
        format!("{keys}/dev-access-token-key.pem"),
        dir.join("k/id.pem"),
    )
    .unwrap();
    std::fs::copy(
        format!("{keys}/dev-id-token-key.pem"),
        dir.join("k/access.pem"),
    )
    .unwrap();
    let file = dir.join("config.toml");
    std::fs::write(
        &file,
        "[keys]\nid_token_key = \"k/id.pem\"\naccess_token_key = \"k/access.pem\"\n",
    )
    .unwrap();
    let config = EmulatorConfig::from_file(&file).expect("loads");
    let swapped = cognito_local::Emulator::new(config).expect("keys load");
    let default = cognito_local::Emulator::new(EmulatorConfig::default()).unwrap();
    assert_eq!(swapped.id_token_kid(), default.access_token_kid());
    assert_eq!(swapped.access_token_kid(), default.id_token_kid());
    std::fs::remove_dir_all(&dir).ok();
}

/// Starts the `cognito-local` binary on 127.0.0.1:<ephemeral> and measures the time from
/// spawning the process to the first successful JWKS response. A benchmark figure, printed
/// (run with `--nocapture` to see it); the assertion is deliberately loose.
#[tokio::test]
async fn standalone_binary_starts_fast_and_announces_itself() {
    // pick a free port, then release it for the child
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_cognito-local"))
        .args(["--addr", &format!("127.0.0.1:{port}")])
        .env_remove("COGNITO_LOCAL_CONFIG")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn cognito-local");
    let client = http_client();
    let url = format!("http://127.0.0.1:{port}/us-east-1_LocalPool/.well-known/jwks.json");
    let mut ready = None;
    while started.elapsed() < Duration::from_secs(10) {
        if let Ok(response) = client.get(&url).send().await {
            if response.status() == StatusCode::OK {
                ready = Some(started.elapsed());
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // The server may answer before the main task has printed its banner: read the banner
    // lines as they come (until the last one, "demo users"), then stop the child.
    let stdout = child.stdout.take().unwrap();
    let (lines_tx, lines_rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut banner_lines = Vec::new();
    while let Ok(line) = lines_rx.recv_timeout(Duration::from_secs(10)) {
        let last = line.contains("demo users");
        banner_lines.push(line);
        if last {
            break;
        }
    }
    child.kill().ok();
    child.wait().ok();
    let ready = ready.expect("cognito-local answered");
    let banner = banner_lines.join("\n");
    println!("cognito-local startup (spawn -> first JWKS 200, debug build): {ready:?}");
    assert!(banner.contains("DEVELOPMENT SERVER"), "{banner}");
    assert!(banner.contains(&format!("http://127.0.0.1:{port}")));
    assert!(banner.contains("alice / Passw0rd!"));
    assert!(banner.contains(&format!("http://localhost:{port}/oauth2/authorize?")));
    assert!(
        banner.contains(
            "expect your app at http://localhost:3000 (callback http://localhost:3000/callback)"
        ),
        "{banner}"
    );
    assert!(ready < Duration::from_secs(5), "startup took {ready:?}");
}

/// The banner says at which origin the app clients expect the app: the distinct origins of
/// their callback URLs, each with its callbacks, and the loopback spelling not to use.
#[tokio::test]
async fn banner_names_the_origin_the_callbacks_expect() {
    let h = start().await;
    let banner = startup_banner(&h.running);
    assert!(
        banner.contains(
            "the app clients local-spa-client, local-server-client expect your app at \
             http://localhost:3000 (callback http://localhost:3000/callback): open the app \
             there, not at http://127.0.0.1:3000, or register your own callback"
        ),
        "{banner}"
    );
    // The line comes before the demo users (the standalone test reads up to that line).
    let app_line = banner.find("expect your app").unwrap();
    assert!(app_line < banner.find("demo users").unwrap());

    let client = |id: &str, callbacks: &[&str]| ClientConfig {
        client_id: id.to_owned(),
        callback_urls: callbacks.iter().map(|s| s.to_string()).collect(),
        ..ClientConfig::default()
    };
    let h = start_with(|c| {
        c.clients = vec![
            client(
                "first",
                &[
                    "http://127.0.0.1:4000/auth/callback",
                    "http://127.0.0.1:4000/other",
                ],
            ),
            client("no-callbacks", &[]),
            client(
                "second",
                &[
                    "https://app.example.test/cb",
                    "http://127.0.0.1:4000/auth/callback",
                ],
            ),
        ];
    })
    .await;
    let banner = startup_banner(&h.running);
    assert!(
        banner.contains(
            "the app clients first, second expect your app at http://127.0.0.1:4000 \
             (callback http://127.0.0.1:4000/auth/callback, http://127.0.0.1:4000/other) or \
             https://app.example.test (callback https://app.example.test/cb): open the app \
             there, not at http://localhost:4000, or register"
        ),
        "{banner}"
    );
    assert!(!banner.contains("3000"), "{banner}");

    // Both spellings registered: nothing to warn about; one client: singular.
    let h = start_with(|c| {
        c.clients = vec![client(
            "only",
            &["http://localhost:5000/cb", "http://127.0.0.1:5000/cb"],
        )];
    })
    .await;
    let banner = startup_banner(&h.running);
    assert!(
        banner.contains(
            "the app client only expects your app at http://localhost:5000 (callback \
             http://localhost:5000/cb) or http://127.0.0.1:5000 (callback \
             http://127.0.0.1:5000/cb): open the app there, or register"
        ),
        "{banner}"
    );

    // No callback URL at all: no line.
    let h = start_with(|c| c.clients = vec![client("bare", &[])]).await;
    assert!(!startup_banner(&h.running).contains("your app"));
}

/// The banner shows the documented default password, never one someone configured.
#[tokio::test]
async fn banner_prints_no_configured_password() {
    let h = start().await;
    assert!(startup_banner(&h.running).contains("alice / Passw0rd!"));
    let h = start_with(|c| c.users[0].password = "a-password-of-my-own".into()).await;
    let banner = startup_banner(&h.running);
    assert!(!banner.contains("a-password-of-my-own"), "{banner}");
    assert!(
        banner.contains("alice (its password as configured)"),
        "{banner}"
    );
}

/// In-process startup: configuration, key loading, bind, first JWKS response.
#[tokio::test]
async fn in_process_startup_time() {
    let started = Instant::now();
    let h = start().await;
    let response = h.get("/us-east-1_LocalPool/.well-known/jwks.json").await;
    let elapsed = started.elapsed();
    assert_eq!(response.status(), StatusCode::OK);
    println!("in-process emulator startup (new + bind + first JWKS 200): {elapsed:?}");
    h.running.shutdown().await.expect("clean shutdown");
}
