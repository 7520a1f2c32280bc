//! The demo site server's wiring: settings, the local Hosted UI, the verifier, the routes.

use std::process::ExitCode;
use std::sync::Arc;

use app::{shell, App, DemoSettings};
use axum::extract::{Request, State};
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, HOST, LOCATION, ORIGIN, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use leptos_cognito_auth::components::{
    initial_auth, server_sign_in, session_from_cookies, AuthStatus, InitialAuth,
};
use leptos_cognito_auth::ssr::{CognitoJwtVerifier, ExpectedTokenUse, VerifiedUser};
use leptos_cognito_auth::{CognitoConfig, StorageKind};

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

/// The verifier of the demo's access tokens: the settings' issuer (or user pool), its app
/// client, access tokens only.
pub fn verifier_for(settings: &DemoSettings) -> Result<CognitoJwtVerifier, String> {
    let builder = match (&settings.issuer, &settings.user_pool_id) {
        (Some(issuer), _) => CognitoJwtVerifier::for_issuer(issuer),
        (None, Some(pool)) => CognitoJwtVerifier::for_user_pool(pool),
        (None, None) => {
            return Err("COGNITO_USER_POOL_ID or COGNITO_ISSUER is needed to verify tokens".into())
        }
    };
    builder
        .client_id(&settings.client_id)
        .token_use(ExpectedTokenUse::Access)
        .build()
        .map_err(|e| e.to_string())
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

/// The pages a signed-out request is sent to sign-in from, in cookie session mode.
const PROTECTED_PAGES: [&str; 2] = ["/protected", "/admin"];

/// Cookie session mode (`COGNITO_STORAGE=cookie`).
struct CookieMode {
    config: CognitoConfig,
    verifier: CognitoJwtVerifier,
}

/// Whether the session cookie may stand in for a bearer token on this request: not on a
/// request another site made the browser send (`Sec-Fetch-Site: cross-site` or
/// `same-site`), and a state-changing request without `Sec-Fetch-Site` must name this
/// origin in `Origin`. With the cookies' `SameSite=Lax` this keeps cross-site requests
/// (CSRF) from calling server functions or `/api/*` with the visitor's session.
fn may_use_cookie(parts: &Parts) -> bool {
    let header = |name| {
        parts
            .headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    match header("sec-fetch-site") {
        Some(site) => site == "same-origin" || site == "none",
        None if matches!(parts.method, Method::GET | Method::HEAD) => true,
        None => match (header(ORIGIN.as_str()), header(HOST.as_str())) {
            (Some(origin), Some(host)) => {
                origin
                    .strip_prefix("http://")
                    .or_else(|| origin.strip_prefix("https://"))
                    == Some(host)
            }
            _ => false,
        },
    }
}

/// Cookie session mode, before the app: reads the session the browser's cookie storage
/// wrote, verifies its access token, and
/// - sends a signed-out `GET` of a protected page to the Hosted UI (the pending sign-in
///   goes into a cookie the callback page reads),
/// - puts the access token in `Authorization: Bearer` (where the extractor and
///   `require_user()` look for it; the kit's cookies are percent-encoded under per-user
///   names, which a fixed `token_cookie` cannot name),
/// - leaves an [`InitialAuth`] in the request extensions for server-side rendering.
async fn cookie_session(State(mode): State<Arc<CookieMode>>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let session = session_from_cookies(&parts.headers, mode.config.client_id());
    let verified = match &session {
        Some(s) => mode
            .verifier
            .verify(s.access_token().jwt_token())
            .await
            .is_ok(),
        None => false,
    };
    let initial = initial_auth(session.clone(), &mode.config, verified);
    if parts.method == Method::GET
        && PROTECTED_PAGES.contains(&parts.uri.path())
        && initial.status == AuthStatus::SignedOut
    {
        let return_to = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/");
        return match server_sign_in(&mode.config, return_to, &parts.headers) {
            Ok((url, cookies)) => {
                let mut response = StatusCode::FOUND.into_response();
                let headers = response.headers_mut();
                if let Ok(location) = HeaderValue::from_str(&url) {
                    headers.insert(LOCATION, location);
                    for cookie in cookies {
                        if let Ok(cookie) = HeaderValue::from_str(&cookie) {
                            headers.append(SET_COOKIE, cookie);
                        }
                    }
                }
                headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
                response
            }
            Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
        };
    }
    if let Some(session) = &session {
        if !parts.headers.contains_key(AUTHORIZATION) && may_use_cookie(&parts) {
            if let Ok(value) =
                HeaderValue::from_str(&format!("Bearer {}", session.access_token().jwt_token()))
            {
                parts.headers.insert(AUTHORIZATION, value);
            }
        }
    }
    parts.extensions.insert(initial);
    next.run(Request::from_parts(parts, body)).await
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
    if settings.client_secret.is_some() {
        println!("server: warning: COGNITO_CLIENT_SECRET is set, and the browser needs it for the token exchange, so every visitor can read it");
    }

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
                move || {
                    provide_context(verifier.clone());
                    // Cookie session mode: what the cookies said, for <AuthProvider>.
                    let initial = use_context::<Parts>()
                        .and_then(|parts| parts.extensions.get::<InitialAuth>().cloned());
                    if let Some(initial) = initial {
                        provide_context(initial);
                    }
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
    let app = match settings.config() {
        Ok(config) if config.storage() == StorageKind::Cookie => {
            let mode = Arc::new(CookieMode { config, verifier });
            app.layer(axum::middleware::from_fn_with_state(mode, cookie_session))
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
