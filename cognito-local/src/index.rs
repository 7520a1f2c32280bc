//! `GET /`: an overview page (endpoints, clients, demo users) and the 404 page.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::config::OAuthFlow;
use super::pages::{error_page, escape, html, layout};
use super::state::SharedEmulator;

/// `GET /`.
pub async fn index(State(emulator): State<SharedEmulator>) -> Response {
    let config = &emulator.config;
    let client_rows: String = config
        .clients
        .iter()
        .map(|c| {
            format!(
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                escape(&c.client_id),
                if c.allowed_flows.contains(&OAuthFlow::ClientCredentials) {
                    "machine to machine"
                } else if c.client_secret.is_some() {
                    "confidential"
                } else {
                    "public"
                },
                escape(&c.callback_urls.join(" ")),
            )
        })
        .collect();
    let user_rows: String = config
        .users
        .iter()
        .map(|u| {
            format!(
                "<tr><td><code>{}</code></td><td>{}</td></tr>",
                escape(&u.username),
                escape(&u.groups.join(", ")),
            )
        })
        .collect();
    let body = format!(
        "<h1>cognito-local</h1>\
<p>A local, in-memory emulator of the Amazon Cognito Hosted UI for development and tests.</p>\
<p>Domain base <code>{domain}</code><br>Issuer <code>{issuer}</code><br>\
JWKS <a href=\"{jwks}\">{jwks}</a></p>\
<h2>App clients</h2><table><tr><th>client_id</th><th>type</th><th>callback URLs</th></tr>{client_rows}</table>\
<h2>Users</h2><table><tr><th>username</th><th>groups</th></tr>{user_rows}</table>\
<p class=\"hint\">Test control surface: {control}.</p>",
        domain = escape(&emulator.domain_base),
        issuer = escape(&emulator.issuer),
        jwks = escape(&emulator.jwks_uri),
        control = if config.enable_test_control { "enabled under <code>/_test</code>" } else { "disabled" },
    );
    html(StatusCode::OK, layout("cognito-local", &body, true))
}

/// Any unknown path.
pub async fn not_found() -> Response {
    error_page(
        StatusCode::NOT_FOUND,
        "There is no such page on this server.",
    )
}
