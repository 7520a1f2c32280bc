//! Server sessions' sign-in route with managed-login parameters, against the local Hosted
//! UI over real HTTP: the route takes from the browser's query only the parameters the app
//! allows (`ServerSessionBuilder::sign_in_parameters`), refuses the others and bad values
//! with a 400 that names them, merges them over the configuration's, never sends
//! `identity_provider=COGNITO` with `prompt=none`, and takes a silent sign-in's
//! `login_required` as a normal outcome: back where it started, signed out, no error.

#![cfg(feature = "ssr")]

mod server_session_support;

use std::sync::Arc;

use leptos_cognito_auth::protocol::SignInParameter;
use leptos_cognito_auth::ssr::{MemorySessionStore, ServerSession, ServerSessionBuilder};
use leptos_cognito_auth::{CognitoConfig, CognitoConfigBuilder, StorageKind};
use reqwest::{Client, StatusCode};
use server_session_support::*;

/// The test client's configuration for an app on `port`, before `customize`.
fn config(port: &Port, hosted_ui: &HostedUi) -> CognitoConfigBuilder {
    CognitoConfig::builder()
        .client_id(CLIENT)
        .client_secret(CLIENT_SECRET)
        .app_web_domain(&hosted_ui.base)
        .scopes(["openid", "email", "profile"])
        .redirect_uri_sign_in(format!("{}/callback", port.base))
        .redirect_uri_sign_out(format!("{}/", port.base))
        .issuer(hosted_ui.issuer())
        .storage(StorageKind::Server)
}

fn builder(config: CognitoConfig) -> ServerSessionBuilder {
    ServerSession::builder(config, Arc::new(MemorySessionStore::new()) as Arc<_>)
        .protect(["/private"])
        .secret([SECRET])
}

/// An app and its Hosted UI, with `customize` applied to the configuration and `allowed`
/// taken from the browser.
async fn app_with(
    customize: impl FnOnce(CognitoConfigBuilder) -> CognitoConfigBuilder,
    allowed: &[SignInParameter],
) -> (HostedUi, String) {
    let port = port().await;
    let hosted_ui = hosted_ui(&[&port]).await;
    let config = customize(config(&port, &hosted_ui)).build().unwrap();
    let sessions = builder(config)
        .sign_in_parameters(allowed.iter().copied())
        .build()
        .unwrap();
    let app = serve(port, &hosted_ui, sessions, CLIENT);
    (hosted_ui, app)
}

async fn get(http: &Client, url: &str) -> reqwest::Response {
    http.get(url).send().await.expect("request")
}

/// `GET <app><path_and_query>`, expected to redirect to the Hosted UI's authorize endpoint;
/// returns that URL.
async fn authorize_url(http: &Client, hosted_ui: &HostedUi, app: &str, path: &str) -> String {
    let start = get(http, &format!("{app}{path}")).await;
    assert_eq!(start.status(), StatusCode::SEE_OTHER, "{path}");
    let url = location(&start);
    assert!(
        url.starts_with(&hosted_ui.url("/oauth2/authorize?")),
        "{url}"
    );
    url
}

/// Whether `response` sets the one-shot error cookie to a value (not its removal).
fn sets_an_error(response: &reqwest::Response) -> bool {
    set_cookies(response.headers())
        .iter()
        .any(|c| c.starts_with("lca-error=") && !c.starts_with("lca-error=;"))
}

#[tokio::test]
async fn by_default_the_route_takes_no_parameter_from_the_browser() {
    let (hosted_ui, app) = app_with(|c| c, &[]).await;
    let http = browser();
    for (query, named) in [
        ("prompt=none", "prompt"),
        ("return_to=/x&login_hint=alice", "login_hint"),
        ("lang=es", "lang"),
        ("resource=https%3A%2F%2Fapi.example.com", "resource"),
        ("identity_provider=Google", "identity_provider"),
        ("idp_identifier=example.com", "idp_identifier"),
    ] {
        let response = get(&http, &format!("{app}/auth/sign-in?{query}")).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
        assert!(
            set_cookies(response.headers()).is_empty(),
            "no pending sign-in for a refused one"
        );
        let text = response.text().await.unwrap();
        assert!(
            text.contains(named) && text.contains("sign_in_parameters"),
            "{text}"
        );
    }
    // Anything else in the query is not its business; a plain sign-in still starts.
    let url = authorize_url(&http, &hosted_ui, &app, "/auth/sign-in?return_to=/x&utm=1").await;
    for name in [
        "prompt",
        "login_hint",
        "lang",
        "resource",
        "identity_provider",
    ] {
        assert_eq!(query_param(&url, name), None, "{name}");
    }
}

#[tokio::test]
async fn allowed_parameters_reach_the_hosted_ui_over_the_configuration() {
    let allowed = [
        SignInParameter::LoginHint,
        SignInParameter::Lang,
        SignInParameter::Prompt,
        SignInParameter::Resource,
    ];
    let (hosted_ui, app) =
        app_with(|c| c.lang("fr").resource("urn:example:default"), &allowed).await;
    let http = browser();

    // Nothing from the browser: the configuration's values.
    let url = authorize_url(&http, &hosted_ui, &app, "/auth/sign-in").await;
    assert_eq!(query_param(&url, "lang").as_deref(), Some("fr"));
    assert_eq!(
        query_param(&url, "resource").as_deref(),
        Some("urn:example:default")
    );

    // The browser's over them, each once.
    let url = authorize_url(
        &http,
        &hosted_ui,
        &app,
        "/auth/sign-in?return_to=%2Fme&login_hint=alice&lang=es&prompt=login+consent\
         &resource=https%3A%2F%2Fapi.example.com%2Forders",
    )
    .await;
    assert_eq!(query_param(&url, "login_hint").as_deref(), Some("alice"));
    assert_eq!(query_param(&url, "lang").as_deref(), Some("es"));
    assert_eq!(
        query_param(&url, "prompt").as_deref(),
        Some("login consent")
    );
    assert_eq!(
        query_param(&url, "resource").as_deref(),
        Some("https://api.example.com/orders")
    );
    assert_eq!(url.matches("&lang=").count(), 1, "{url}");

    // The Hosted UI honours them: the form starts with the user name, in Spanish.
    let login = location(&get(&http, &url).await);
    let page = get(&http, &login).await.text().await.unwrap();
    assert!(page.contains("<html lang=\"es\">"), "{page}");
    assert!(page.contains("value=\"alice\""), "{page}");

    // And the sign-in completes, back at the path asked for.
    let back = http
        .post(&login)
        .form(&[("username", "alice"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let done = get(&http, &location(&back)).await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&done), "/me");
    assert_eq!(session_view(&http, &app).await["user"]["username"], "alice");
}

#[tokio::test]
async fn refused_values_name_the_parameter() {
    let (_hosted_ui, app) = app_with(|c| c, &SignInParameter::ALL).await;
    let http = browser();
    for (query, named) in [
        ("lang=e%20s", "lang"),
        ("prompt=none+login", "prompt"),
        ("prompt=sometimes", "prompt"),
        ("resource=not-a-uri", "resource"),
        (
            "identity_provider=Google&idp_identifier=example.com",
            "idp_identifier",
        ),
        ("prompt=none&prompt=login", "query"),
    ] {
        let response = get(&http, &format!("{app}/auth/sign-in?{query}")).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
        let text = response.text().await.unwrap();
        assert!(text.contains(&format!("`{named}`")), "{query}: {text}");
    }
}

#[tokio::test]
async fn a_silent_sign_in_without_a_hosted_ui_session_is_a_quiet_sign_out() {
    let (hosted_ui, app) = app_with(|c| c, &[SignInParameter::Prompt]).await;
    let http = browser();
    let url = authorize_url(
        &http,
        &hosted_ui,
        &app,
        "/auth/sign-in?prompt=none&return_to=%2F%3Fpage%3D2",
    )
    .await;
    assert_eq!(query_param(&url, "prompt").as_deref(), Some("none"));
    // No Hosted UI session: Cognito's answer is `login_required`, to the callback.
    let answer = get(&http, &url).await;
    let callback = location(&answer);
    assert!(
        callback.starts_with(&format!("{app}/callback?")),
        "{callback}"
    );
    assert_eq!(
        query_param(&callback, "error").as_deref(),
        Some("login_required")
    );
    // The callback takes it as a normal outcome: back where it started, no error.
    let done = get(&http, &callback).await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&done), "/?page=2");
    assert!(!sets_an_error(&done), "{:?}", set_cookies(done.headers()));
    let view = session_view(&http, &app).await;
    assert!(view["user"].is_null(), "{view}");
    assert!(view["error"].is_null(), "{view}");
    // The pending sign-in is spent: the same answer again is a failure, with an error.
    let replay = get(&http, &callback).await;
    assert_eq!(location(&replay), "/");
    assert!(sets_an_error(&replay));
}

#[tokio::test]
async fn a_silent_sign_in_within_a_hosted_ui_session_signs_in_without_a_page() {
    let (hosted_ui, app) = app_with(
        |c| c.identity_provider("COGNITO"),
        &[SignInParameter::Prompt],
    )
    .await;
    let http = browser();
    let plain = authorize_url(&http, &hosted_ui, &app, "/auth/sign-in").await;
    assert_eq!(
        query_param(&plain, "identity_provider").as_deref(),
        Some("COGNITO")
    );
    // A first sign-in gives the browser a Hosted UI session. Then the app's session ends
    // and the Hosted UI's stays: the app's sign-out, without following it to `/logout`.
    sign_in(&hosted_ui, &http, &app, "/private").await;
    let out = sign_out(&http, &app).await;
    assert!(location(&out).starts_with(&hosted_ui.url("/logout?")));
    assert!(session_view(&http, &app).await["user"].is_null());

    let url = authorize_url(
        &http,
        &hosted_ui,
        &app,
        "/auth/sign-in?prompt=none&return_to=/me",
    )
    .await;
    assert_eq!(query_param(&url, "prompt").as_deref(), Some("none"));
    assert_eq!(
        query_param(&url, "identity_provider"),
        None,
        "never identity_provider=COGNITO with prompt=none (Amplify #14897)"
    );
    // A code at once, no form.
    let callback = location(&get(&http, &url).await);
    assert!(
        callback.starts_with(&format!("{app}/callback?code=")),
        "{callback}"
    );
    let done = get(&http, &callback).await;
    assert_eq!(location(&done), "/me");
    let me = get(&http, &format!("{app}/me")).await;
    assert_eq!(me.status(), StatusCode::OK);
    assert!(me.text().await.unwrap().contains("\"alice\""));
}
