//! The demo site server's wiring: settings, the local Hosted UI, the verifier, the routes.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use app::{protected_paths, redact_password, shell, App, DemoSettings};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Extension, Json, Router};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use leptos_cognito_auth::client::call_with_retry;
use leptos_cognito_auth::ssr::{
    AuthRejection, ClientCredentials, CognitoJwtVerifier, CookieSession, CookieSessionStore,
    ExpectedTokenUse, MemorySessionStore, RedisSessionStore, ServerHttp, ServerSession,
    SessionSetupError, SessionStore, VerifiedUser,
};
use leptos_cognito_auth::{AuthError, HttpRequest, HttpResponse, Method, Secret, StorageKind};

use cognito_local::{EmulatorConfig, RunningEmulator};

/// Starts the local Hosted UI when the settings ask for it: `COGNITO_LOCAL_CONFIG` names a
/// TOML configuration, `COGNITO_LOCAL_TEST_CONTROL=1` mounts the test control surface.
async fn start_local_hosted_ui() -> Result<RunningEmulator, String> {
    let mut config = match std::env::var_os("COGNITO_LOCAL_CONFIG") {
        Some(path) => EmulatorConfig::from_file(std::path::Path::new(&path))
            .map_err(|e| format!("COGNITO_LOCAL_CONFIG: {e}"))?,
        None => EmulatorConfig::default(),
    };
    if std::env::var("COGNITO_LOCAL_TEST_CONTROL").is_ok_and(|v| v == "1") {
        config.enable_test_control = true;
    }
    cognito_local::start(config)
        .await
        .map_err(|e| format!("the local Hosted UI could not start: {e}"))
}

/// The verifier of the demo's access tokens: the settings' issuer (or user pool: both
/// Cognito issuer formats), its app client, access tokens only.
pub fn verifier_for(settings: &DemoSettings) -> Result<CognitoJwtVerifier, String> {
    verifier_of(settings, ExpectedTokenUse::Access)
}

/// A verifier of the settings' tokens of one kind, reading the keys from
/// `COGNITO_JWKS_URL` when it is set.
fn verifier_of(
    settings: &DemoSettings,
    token_use: ExpectedTokenUse,
) -> Result<CognitoJwtVerifier, String> {
    verifier_of_client(settings, &settings.client_id, token_use)
}

/// [`verifier_of`] for the tokens of another app client of the same user pool.
fn verifier_of_client(
    settings: &DemoSettings,
    client_id: &str,
    token_use: ExpectedTokenUse,
) -> Result<CognitoJwtVerifier, String> {
    let config = settings.config().map_err(|e| e.to_string())?;
    let issuers = config.issuers();
    let mut builder = match (&settings.issuer, &settings.user_pool_id) {
        (Some(issuer), _) => CognitoJwtVerifier::for_issuer(issuer),
        (None, Some(pool)) => CognitoJwtVerifier::for_user_pool(pool),
        (None, None) => {
            return Err("COGNITO_USER_POOL_ID or COGNITO_ISSUER is needed to verify tokens".into())
        }
    };
    if let Some(url) = &settings.jwks_url {
        for issuer in &issuers {
            builder = builder.jwks_url_for(issuer, url);
        }
    }
    builder
        .client_id(client_id)
        .token_use(token_use)
        .build()
        .map_err(|e| format!("COGNITO_JWKS_URL / COGNITO_ISSUER: {e}"))
}

/// `GET /api/me`: who the bearer token (or, in cookie session mode, the session cookie)
/// says the caller is; 401 / 403 with `WWW-Authenticate` otherwise.
pub async fn me(user: VerifiedUser) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "username": user.username(),
        "sub": user.sub(),
        "groups": user.groups(),
        "scopes": user.scopes(),
    }))
}

/// The local Hosted UI's address, machine-to-machine client and the scope it is allowed.
const LOCAL_HOSTED_UI: &str = "http://localhost:9229";
const LOCAL_M2M_CLIENT: &str = "local-m2m-client";
const LOCAL_M2M_SECRET: &str = "local-m2m-secret";
const LOCAL_M2M_SCOPE: &str = "local-api/read";

/// The machine-to-machine demo: the server's own access tokens (the `client_credentials`
/// grant) and the scope-protected route it calls with them.
#[derive(Clone)]
struct M2mDemo {
    tokens: ClientCredentials,
    /// The scope `/api/m2m/report` requires (and the tokens ask for).
    scope: String,
    /// `/api/m2m/report` of this server, on loopback.
    report_url: String,
    http: ServerHttp,
}

/// The machine-to-machine demo for the settings: `COGNITO_M2M_CLIENT_ID`,
/// `COGNITO_M2M_CLIENT_SECRET` and `COGNITO_M2M_SCOPE`, by default the local Hosted UI's
/// `local-m2m-client` with `local-api/read` when the Hosted UI is the local one. `None`
/// without a client; with it, also the verifier of the client's tokens.
fn m2m_demo(
    settings: &DemoSettings,
    addr: SocketAddr,
) -> Result<Option<(M2mDemo, CognitoJwtVerifier)>, String> {
    let var = |name: &str| {
        std::env::var(name)
            .ok()
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let local = settings.local_emulator || settings.domain.trim_end_matches('/') == LOCAL_HOSTED_UI;
    let client_id = var("COGNITO_M2M_CLIENT_ID");
    let secret = var("COGNITO_M2M_CLIENT_SECRET")
        .or_else(|| (local && client_id.is_none()).then(|| LOCAL_M2M_SECRET.to_owned()));
    let client_id = client_id.or_else(|| local.then(|| LOCAL_M2M_CLIENT.to_owned()));
    let (Some(client_id), Some(secret)) = (client_id, secret) else {
        return Ok(None);
    };
    let scope = var("COGNITO_M2M_SCOPE").unwrap_or_else(|| LOCAL_M2M_SCOPE.to_owned());
    let config = settings.config().map_err(|e| e.to_string())?;
    let tokens = ClientCredentials::builder(&client_id, secret)
        .domain_of(&config)
        .scope(&scope)
        .build()
        .map_err(|e| format!("COGNITO_M2M_*: {e}"))?;
    let verifier = verifier_of_client(settings, &client_id, ExpectedTokenUse::Access)?;
    let host = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    let demo = M2mDemo {
        tokens,
        scope,
        report_url: format!(
            "http://{}/api/m2m/report",
            SocketAddr::new(host, addr.port())
        ),
        http: ServerHttp::new(Duration::from_millis(u64::from(config.http_timeout_ms()))),
    };
    Ok(Some((demo, verifier)))
}

/// `GET /api/m2m/report`: the scope-protected API, for callers whose access token (of the
/// machine-to-machine client) carries the demo's scope; 401 / 403 otherwise.
async fn m2m_report(
    caller: VerifiedUser,
    Extension(demo): Extension<M2mDemo>,
) -> Result<Json<serde_json::Value>, AuthRejection> {
    caller.require_scope(&demo.scope)?;
    Ok(Json(serde_json::json!({
        "message": format!("the scope-protected report, for {}", caller.client_id()),
        "client_id": caller.client_id(),
        "machine": caller.is_machine(),
        "scopes": caller.scopes(),
    })))
}

/// `GET /api/m2m/demo`: gets the server's own access token (cached, one request for all
/// concurrent callers) and calls `/api/m2m/report` with it, once more with a new token if
/// the report answers 401; returns the report's status and answer.
async fn m2m_call(demo: Option<Extension<M2mDemo>>) -> (StatusCode, Json<serde_json::Value>) {
    let Some(Extension(demo)) = demo else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({
                "error": "m2m_not_configured",
                "message": "set COGNITO_M2M_CLIENT_ID and COGNITO_M2M_CLIENT_SECRET",
            })),
        );
    };
    let answer = call_with_retry(
        |fresh| {
            let tokens = demo.tokens.clone();
            async move {
                if fresh {
                    tokens.invalidate();
                }
                Ok::<_, AuthError>(Some(tokens.access_token().await?.expose().to_owned()))
            }
        },
        |token| {
            let request = HttpRequest {
                method: Method::Get,
                url: demo.report_url.clone(),
                headers: vec![(
                    "Authorization".to_owned(),
                    Secret::new(format!("Bearer {}", token.unwrap_or_default())),
                )],
                body: None,
            };
            let http = demo.http.clone();
            async move { http.send(request).await.map_err(AuthError::Transport) }
        },
        |response: &HttpResponse| response.status == 401,
    )
    .await;
    match answer {
        Ok(response) => {
            let body: serde_json::Value =
                serde_json::from_str(&response.body).unwrap_or(serde_json::Value::Null);
            let status = if response.status == 200 {
                StatusCode::OK
            } else {
                StatusCode::BAD_GATEWAY
            };
            (
                status,
                Json(serde_json::json!({
                    "status": response.status,
                    "answer": body,
                    "token_requests": demo.tokens.token_requests(),
                })),
            )
        }
        Err(e) => (
            StatusCode::BAD_GATEWAY,
            Json(serde_json::json!({ "error": e.code(), "message": e.to_string() })),
        ),
    }
}

/// The machine-to-machine demo's routes: the report behind its own verifier (of the
/// machine client's tokens), and the route that calls it.
fn m2m_routes(demo: Option<(M2mDemo, CognitoJwtVerifier)>) -> Router<LeptosOptions> {
    match demo {
        Some((demo, verifier)) => Router::new()
            .route(
                "/api/m2m/report",
                get(m2m_report).layer(Extension(verifier)),
            )
            .route("/api/m2m/demo", get(m2m_call))
            .layer(Extension(demo)),
        None => Router::new().route("/api/m2m/demo", get(m2m_call)),
    }
}

/// Server sessions for the settings: `COGNITO_SESSION_STORE` names the store (`memory`,
/// the default, `cookie`, or a Redis URL: `redis://`, `rediss://`, `redis-cluster://`,
/// `rediss-cluster://`), `COGNITO_SESSION_SECRET` the secrets (needed with Redis and with
/// `cookie`), and the demo's protected pages are listed.
fn server_sessions(settings: &DemoSettings) -> Result<ServerSession, String> {
    let config = settings.config().map_err(|e| e.to_string())?;
    let store: Arc<dyn SessionStore> = match settings.session_store.as_deref() {
        None | Some("memory") => Arc::new(MemorySessionStore::new()),
        Some("cookie") => {
            println!("server: server sessions sealed in the browser's cookies (no shared store)");
            Arc::new(CookieSessionStore::new())
        }
        // A Redis URL: the settings accept no other form.
        Some(url) => {
            println!(
                "server: server sessions in Redis at {}",
                redact_password(url)
            );
            Arc::new(
                RedisSessionStore::open(url).map_err(|e| format!("COGNITO_SESSION_STORE: {e}"))?,
            )
        }
    };
    // GlobalSignOut: the user-pool API of the configured pool, or the local Hosted UI's.
    let user_pool_endpoint = settings.user_pool_endpoint.clone().or_else(|| {
        settings
            .local_emulator
            .then(|| format!("{}/", settings.domain.trim_end_matches('/')))
    });
    let mut builder = ServerSession::builder(config, store);
    if let Some(endpoint) = user_pool_endpoint {
        builder = builder.user_pool_endpoint(endpoint);
    }
    builder
        .id_token_verifier(verifier_of(settings, ExpectedTokenUse::Id)?)
        .access_token_verifier(verifier_of(settings, ExpectedTokenUse::Access)?)
        .secret(settings.session_secret.iter().cloned())
        .protect(protected_paths())
        .build()
        .map_err(|e| {
            // The setting to fix, named.
            let variable = match e {
                SessionSetupError::MissingSecret | SessionSetupError::WeakSecret { .. } => {
                    "COGNITO_SESSION_SECRET"
                }
                SessionSetupError::BadUserPoolEndpoint(_) => "COGNITO_USER_POOL_ENDPOINT",
                _ => "server sessions",
            };
            format!("{variable}: {e}")
        })
}

/// Why the embedded local Hosted UI is not where the settings look for it (`expected`:
/// the settings' domain and issuer; `serving`: the Hosted UI's), if it is not. A
/// `COGNITO_LOCAL_CONFIG` with another address, user pool or issuer format starts, and then
/// every sign-in would fail verification; this says so at start instead.
fn elsewhere_than_expected(
    expected: (&str, Option<&str>),
    serving: (&str, &str),
) -> Option<String> {
    let trim = |url: &str| url.trim_end_matches('/').to_owned();
    let (domain, issuer) = (trim(serving.0), trim(serving.1));
    let same_domain = trim(expected.0) == domain;
    let same_issuer = expected.1.is_none_or(|expected| trim(expected) == issuer);
    (!same_domain || !same_issuer).then(|| {
        format!(
            "COGNITO_LOCAL_CONFIG: the local Hosted UI serves {domain} with the issuer {issuer}, \
             but the demo expects {} with the issuer {}: keep `addr`, `user_pool_id` and \
             `issuer_format` at their defaults in that file, or run it on its own (cargo run \
             -p cognito-local -- --config FILE) and set COGNITO_DOMAIN and COGNITO_ISSUER to it",
            expected.0,
            expected.1.unwrap_or("of its user pool"),
        )
    })
}

/// Runs the demo server until Ctrl-C. Returns the process exit code.
pub async fn run() -> ExitCode {
    let settings = match DemoSettings::from_env(|name| std::env::var(name).ok()) {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("server: invalid configuration: {e}");
            return ExitCode::from(2);
        }
    };
    let local = if settings.local_emulator {
        match start_local_hosted_ui().await {
            Ok(running) => {
                if let Some(e) = elsewhere_than_expected(
                    (&settings.domain, settings.issuer.as_deref()),
                    (running.domain_base(), running.issuer()),
                ) {
                    eprintln!("server: invalid configuration: {e}");
                    return ExitCode::from(2);
                }
                println!("{}", cognito_local::startup_banner(&running));
                Some(running)
            }
            Err(e) => {
                eprintln!("server: {e}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        println!("server: using the Hosted UI at {}", settings.domain);
        None
    };
    let verifier = match verifier_for(&settings) {
        Ok(verifier) => verifier,
        Err(e) => {
            eprintln!("server: invalid configuration: {e}");
            return ExitCode::from(2);
        }
    };
    let server_mode = settings.storage.eq_ignore_ascii_case("server");
    if settings.client_secret.is_some() && !server_mode {
        println!("server: warning: COGNITO_CLIENT_SECRET is set, and the browser needs it for the token exchange, so every visitor can read it");
    }
    // Server sessions: the server keeps the tokens; the browser holds an HttpOnly cookie.
    let sessions = if server_mode {
        match server_sessions(&settings) {
            Ok(sessions) => Some(sessions),
            Err(e) => {
                eprintln!("server: invalid configuration: {e}");
                return ExitCode::from(2);
            }
        }
    } else {
        None
    };

    let conf = match get_configuration(None) {
        Ok(conf) => conf,
        Err(e) => {
            eprintln!("server: cannot read the Leptos configuration: {e}");
            return ExitCode::FAILURE;
        }
    };
    let options = conf.leptos_options;
    let addr = options.site_addr;
    let m2m = match m2m_demo(&settings, addr) {
        Ok(m2m) => m2m,
        Err(e) => {
            eprintln!("server: invalid configuration: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some((demo, _)) = &m2m {
        println!(
            "server: machine-to-machine demo as {} (scope {})",
            demo.tokens.client_id(),
            demo.scope
        );
    }
    let routes = generate_route_list({
        let settings = settings.clone();
        move || view! { <App settings=settings.clone()/> }
    });
    // The verifier where both find it: the axum extractor in the request extensions,
    // `require_user()` in the Leptos context of pages and server functions.
    let app = Router::new()
        .route("/api/me", get(me))
        .merge(m2m_routes(m2m))
        .leptos_routes_with_context(
            &options,
            routes,
            {
                let verifier = verifier.clone();
                let sessions = sessions.clone();
                move || {
                    provide_context(verifier.clone());
                    // The account page lists the user's sessions through it.
                    provide_context(sessions.clone());
                }
            },
            {
                let options = options.clone();
                let settings = settings.clone();
                move || shell(options.clone(), settings.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler({
            let settings = settings.clone();
            move |options| shell(options, settings.clone())
        }))
        .layer(Extension(verifier.clone()));
    // Cookie session mode: the session cookies render pages signed in, stand in for a
    // bearer token on same-origin requests, and keep signed-out visitors off protected pages.
    let app = match (sessions, settings.config()) {
        (Some(sessions), _) => app.layer(sessions.layer()),
        (None, Ok(config)) if config.storage() == StorageKind::Cookie => {
            match CookieSession::builder(config, verifier)
                .protect(protected_paths())
                .build()
            {
                Ok(sessions) => app.layer(sessions.layer()),
                Err(e) => {
                    eprintln!("server: invalid configuration: {e}");
                    return ExitCode::from(2);
                }
            }
        }
        _ => app,
    }
    .with_state(options);

    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("server: cannot listen on {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "server: demo site listening on http://{addr}; open http://localhost:{}/",
        addr.port()
    );
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await;
    if let Some(running) = local {
        let _ = running.shutdown().await;
    }
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("server: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::elsewhere_than_expected;

    #[test]
    fn a_local_hosted_ui_elsewhere_than_the_settings_stops_the_start() {
        const DOMAIN: &str = "http://localhost:9229";
        const ISSUER: &str = "http://localhost:9229/us-east-1_LocalPool";
        assert_eq!(
            elsewhere_than_expected((DOMAIN, Some(ISSUER)), (DOMAIN, ISSUER)),
            None
        );
        assert_eq!(
            elsewhere_than_expected((DOMAIN, Some(ISSUER)), ("http://localhost:9229/", ISSUER)),
            None
        );
        for serving in [
            (
                "http://localhost:9300",
                "http://localhost:9300/us-east-1_LocalPool",
            ),
            (DOMAIN, "http://localhost:9229/eu-west-1_Other"),
            (
                DOMAIN,
                "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_LocalPool",
            ),
        ] {
            let e = elsewhere_than_expected((DOMAIN, Some(ISSUER)), serving)
                .expect("a mismatch is reported");
            assert!(e.starts_with("COGNITO_LOCAL_CONFIG: "), "{e}");
            assert!(e.contains(serving.1), "{e}");
        }
    }
}
