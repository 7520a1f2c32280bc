//! The emulator's axum router and the helpers that run it on a socket.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::config::{ClientConfig, ConfigError, EmulatorConfig, DEFAULT_PASSWORD};
use super::state::{Emulator, SharedEmulator};
use super::{
    authorize, cors, favicon, index, login, logout, params, revoke, test_control, token_endpoint,
    user_pool_api, userinfo, wellknown,
};

/// Builds the emulator's router from a configuration (validated; keys loaded).
pub fn router(config: EmulatorConfig) -> Result<Router, ConfigError> {
    Ok(router_for(Arc::new(Emulator::new(config)?)))
}

/// Builds the router over an existing emulator (to keep a handle on its state).
pub fn router_for(emulator: SharedEmulator) -> Router {
    let issuer_path = wellknown::issuer_path(&emulator.issuer);
    let mut router = Router::new()
        .route("/", get(index::index).post(user_pool_api::user_pool_api))
        .route("/favicon.svg", get(favicon::favicon))
        .route("/favicon.ico", get(favicon::favicon))
        .route("/oauth2/authorize", get(authorize::authorize))
        .route("/login", get(login::login_form).post(login::login_submit))
        .route("/oauth2/token", post(token_endpoint::token))
        .route(
            "/oauth2/userInfo",
            get(userinfo::userinfo).post(userinfo::userinfo),
        )
        .route("/oauth2/revoke", post(revoke::revoke))
        .route("/logout", get(logout::logout))
        .route(
            &format!("{issuer_path}/.well-known/jwks.json"),
            get(wellknown::jwks),
        )
        .route(
            &format!("{issuer_path}/.well-known/openid-configuration"),
            get(wellknown::openid_configuration),
        )
        .fallback(index::not_found);
    if emulator.config.enable_test_control {
        router = router.merge(test_control::routes());
    }
    router
        .layer(axum::middleware::from_fn(cors::cors))
        .with_state(emulator)
}

/// A running emulator.
#[derive(Debug)]
pub struct RunningEmulator {
    /// The socket address it listens on.
    pub addr: SocketAddr,
    /// Its shared state and configuration.
    pub emulator: SharedEmulator,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl RunningEmulator {
    /// The domain base URL.
    pub fn domain_base(&self) -> &str {
        &self.emulator.domain_base
    }

    /// The issuer URL.
    pub fn issuer(&self) -> &str {
        &self.emulator.issuer
    }

    /// Where the JWKS is served (the discovery document's `jwks_uri`).
    pub fn jwks_uri(&self) -> &str {
        &self.emulator.jwks_uri
    }

    /// Stops accepting connections and waits for the server task to end.
    pub async fn shutdown(mut self) -> std::io::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        match (&mut self.task).await {
            Ok(result) => result,
            Err(e) => Err(std::io::Error::other(e)),
        }
    }

    /// Waits until the server ends (it ends only on error or shutdown).
    pub async fn wait(mut self) -> std::io::Result<()> {
        match (&mut self.task).await {
            Ok(result) => result,
            Err(e) => Err(std::io::Error::other(e)),
        }
    }
}

/// Serves the emulator on an already bound listener. The configuration's `addr` is replaced
/// by the listener's address (so a default domain base follows the actual port).
pub async fn serve_on(
    listener: TcpListener,
    mut config: EmulatorConfig,
) -> Result<RunningEmulator, ConfigError> {
    let addr = listener
        .local_addr()
        .map_err(|e| ConfigError(format!("listener has no address: {e}")))?;
    config.addr = addr;
    let emulator = Arc::new(Emulator::new(config)?);
    let app = router_for(emulator.clone());
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await
    });
    Ok(RunningEmulator {
        addr,
        emulator,
        shutdown: Some(tx),
        task,
    })
}

/// Binds `config.addr` and serves the emulator there.
pub async fn start(config: EmulatorConfig) -> Result<RunningEmulator, ConfigError> {
    let listener = TcpListener::bind(config.addr)
        .await
        .map_err(|e| ConfigError(format!("cannot listen on {}: {e}", config.addr)))?;
    serve_on(listener, config).await
}

/// The startup lines: says it is a development server, where it listens, the URL to open,
/// where the app clients expect the app (the origins of their callback URLs) and the demo
/// credentials.
pub fn startup_banner(running: &RunningEmulator) -> String {
    let emulator = &running.emulator;
    let config = &emulator.config;
    let mut lines = vec![
        format!(
            "cognito-local: DEVELOPMENT SERVER (local Amazon Cognito Hosted UI emulator, not Amazon Cognito; state in memory) listening on http://{}",
            running.addr
        ),
        format!("  domain base: {}", emulator.domain_base),
        format!("  issuer:      {}", emulator.issuer),
        format!("  JWKS:        {}", emulator.jwks_uri),
    ];
    if let Some(client) = config.clients.first() {
        if let Some(callback) = client.callback_urls.first() {
            let query = params::encode_pairs(&[
                ("client_id", &client.client_id),
                ("response_type", "code"),
                ("redirect_uri", callback),
            ]);
            lines.push(format!(
                "  sign in:     {}/oauth2/authorize?{query}",
                emulator.domain_base
            ));
        }
    }
    if let Some(line) = app_origin_line(&config.clients) {
        lines.push(line);
    }
    // The documented default password is shown; a password someone chose is not printed
    // (the banner goes to logs).
    let users: Vec<String> = config
        .users
        .iter()
        .map(|u| match u.password.as_str() {
            DEFAULT_PASSWORD => format!("{} / {}", u.username, u.password),
            _ => format!("{} (its password as configured)", u.username),
        })
        .collect();
    lines.push(format!("  demo users:  {}", users.join(", ")));
    if config.enable_test_control {
        lines.push("  test control surface enabled under /_test".to_owned());
    }
    lines.join("\n")
}

/// The banner line saying at which origins the app clients expect the app, computed from
/// their callback URLs. A browser treats `localhost` and `127.0.0.1` as different origins,
/// and the Hosted UI accepts only a registered callback, so an app opened at the other
/// name cannot sign in: the line says so.
fn app_origin_line(clients: &[ClientConfig]) -> Option<String> {
    // (origin, its callback URLs), in configuration order, each once.
    let mut origins: Vec<(&str, Vec<&str>)> = Vec::new();
    for url in clients.iter().flat_map(|c| &c.callback_urls) {
        let origin = origin_of(url);
        match origins.iter_mut().find(|(o, _)| *o == origin) {
            Some((_, urls)) if urls.contains(&url.as_str()) => {}
            Some((_, urls)) => urls.push(url),
            None => origins.push((origin, vec![url])),
        }
    }
    if origins.is_empty() {
        return None;
    }
    let ids: Vec<&str> = clients
        .iter()
        .filter(|c| !c.callback_urls.is_empty())
        .map(|c| c.client_id.as_str())
        .collect();
    let expected: Vec<String> = origins
        .iter()
        .map(|(origin, urls)| format!("{origin} (callback {})", urls.join(", ")))
        .collect();
    // The loopback origins' other spelling, unless that one is registered too.
    let others: Vec<String> = origins
        .iter()
        .filter_map(|(origin, _)| other_loopback_spelling(origin))
        .filter(|other| !origins.iter().any(|(o, _)| o == other))
        .collect();
    let not_at = if others.is_empty() {
        String::new()
    } else {
        format!(", not at {}", others.join(" or "))
    };
    let (clients_word, verb) = if ids.len() == 1 {
        ("app client", "expects")
    } else {
        ("app clients", "expect")
    };
    Some(format!(
        "  your app:    the {clients_word} {} {verb} your app at {}: open the app there{not_at}, or register your own callback in the configuration (callback_urls)",
        ids.join(", "),
        expected.join(" or "),
    ))
}

/// `scheme://host[:port]` of an absolute URL (the configuration guarantees the scheme).
fn origin_of(url: &str) -> &str {
    let start = url.find("://").map_or(0, |i| i + 3);
    match url[start..].find(['/', '?']) {
        Some(end) => &url[..start + end],
        None => url,
    }
}

/// `http://localhost:3000` <-> `http://127.0.0.1:3000`; `None` for any other host.
fn other_loopback_spelling(origin: &str) -> Option<String> {
    let (scheme, authority) = origin.split_once("://")?;
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) => (host, format!(":{port}")),
        None => (authority, String::new()),
    };
    let other = match host {
        "localhost" => "127.0.0.1",
        "127.0.0.1" => "localhost",
        _ => return None,
    };
    Some(format!("{scheme}://{other}{port}"))
}

#[cfg(test)]
mod tests {
    use super::{origin_of, other_loopback_spelling};

    #[test]
    fn origins_of_callback_urls() {
        assert_eq!(
            origin_of("http://localhost:3000/callback"),
            "http://localhost:3000"
        );
        assert_eq!(
            origin_of("https://app.example.com"),
            "https://app.example.com"
        );
        assert_eq!(
            origin_of("https://app.example.com?x=1"),
            "https://app.example.com"
        );
        assert_eq!(
            other_loopback_spelling("http://localhost:3000").as_deref(),
            Some("http://127.0.0.1:3000")
        );
        assert_eq!(
            other_loopback_spelling("http://127.0.0.1").as_deref(),
            Some("http://localhost")
        );
        assert_eq!(
            other_loopback_spelling("https://app.example.com:8443"),
            None
        );
    }
}
