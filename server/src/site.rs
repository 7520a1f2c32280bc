//! The demo site server's wiring: settings, the local Hosted UI, the verifier, the routes.

use std::process::ExitCode;
use std::sync::Arc;

use app::{protected_paths, shell, App, DemoSettings};
use axum::routing::get;
use axum::{Extension, Json, Router};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use leptos_cognito_auth::ssr::{
    CognitoJwtVerifier, CookieSession, ExpectedTokenUse, MemorySessionStore, RedisSessionStore,
    ServerSession, SessionStore, VerifiedUser,
};
use leptos_cognito_auth::StorageKind;

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
        .client_id(&settings.client_id)
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

/// Server sessions for the settings: `COGNITO_SESSION_STORE` names the store (`memory`,
/// the default, or a Redis URL: `redis://`, `rediss://`, `redis-cluster://`,
/// `rediss-cluster://`), `COGNITO_SESSION_SECRET` the secrets (needed with
/// Redis), and the demo's protected pages are listed.
fn server_sessions(settings: &DemoSettings) -> Result<ServerSession, String> {
    let config = settings.config().map_err(|e| e.to_string())?;
    let store: Arc<dyn SessionStore> = match settings.session_store.as_deref() {
        None | Some("memory") => Arc::new(MemorySessionStore::new()),
        Some(url)
            if [
                "redis://",
                "rediss://",
                "redis-cluster://",
                "rediss-cluster://",
            ]
            .iter()
            .any(|scheme| url.starts_with(scheme)) =>
        {
            println!(
                "server: server sessions in Redis at {}",
                redact_password(url)
            );
            Arc::new(
                RedisSessionStore::open(url).map_err(|e| format!("COGNITO_SESSION_STORE: {e}"))?,
            )
        }
        Some(other) => {
            return Err(format!(
                "COGNITO_SESSION_STORE: `{other}` is none of `memory`, a redis://, rediss://, \
                 redis-cluster:// or rediss-cluster:// URL"
            ))
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
        .map_err(|e| format!("COGNITO_SESSION_SECRET / server sessions: {e}"))
}

/// A Redis URL fit for a log line: any password replaced.
fn redact_password(url: &str) -> String {
    match (url.split_once("://"), url.rfind('@')) {
        (Some((scheme, _)), Some(at)) => format!("{scheme}://[redacted]{}", &url[at..]),
        _ => url.to_owned(),
    }
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
    let routes = generate_route_list({
        let settings = settings.clone();
        move || view! { <App settings=settings.clone()/> }
    });
    // The verifier where both find it: the axum extractor in the request extensions,
    // `require_user()` in the Leptos context of pages and server functions.
    let app = Router::new()
        .route("/api/me", get(me))
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
