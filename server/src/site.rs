//! The demo site server (feature `demo`): server-side renders the demo app, serves its
//! wasm and CSS, and runs the local Hosted UI in-process unless `COGNITO_DOMAIN` is set.

use std::process::ExitCode;

use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use leptos_cognito_auth::demo::{shell, App, DemoSettings};

use crate::emulator::{self, EmulatorConfig, RunningEmulator};

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
    emulator::start(config)
        .await
        .map_err(|e| format!("the local Hosted UI could not start: {e}"))
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
                println!("{}", emulator::startup_banner(&running));
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
    let app = Router::new()
        .leptos_routes(&options, routes, {
            let options = options.clone();
            let settings = settings.clone();
            move || shell(options.clone(), settings.clone())
        })
        .fallback(leptos_axum::file_and_error_handler({
            let settings = settings.clone();
            move |options| shell(options, settings.clone())
        }))
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
