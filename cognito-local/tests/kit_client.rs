//! The kit's awaitable client (`CognitoAuth`), pointed at the emulator over real HTTP:
//! code + PKCE sign-in, userInfo, refresh, revoke, sign-out, and a transient failure.
//! A reqwest client with a cookie jar plays the browser.

mod common;

use common::*;
use leptos_cognito_auth::client::{MemoryNavigator, SystemEnvironment};
use leptos_cognito_auth::{
    CognitoAuth, CognitoConfig, HttpRequest, HttpResponse, MemoryStorage, Method, TransportError,
};
use reqwest::StatusCode;
use serde_json::json;

/// What one HTTP exchange of the kit resolves to.
type Exchange = std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<HttpResponse, TransportError>> + Send>,
>;

/// The kit's `HttpClient`, implemented over reqwest (no cookies, no redirects, no proxy).
fn transport() -> impl Fn(HttpRequest) -> Exchange {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .expect("client");
    move |request: HttpRequest| {
        let http = http.clone();
        Box::pin(async move {
            let method = match request.method {
                Method::Get => reqwest::Method::GET,
                _ => reqwest::Method::POST,
            };
            let mut builder = http.request(method, &request.url);
            for (name, value) in &request.headers {
                builder = builder.header(name.as_str(), value.expose());
            }
            if let Some(body) = &request.body {
                builder = builder.body(body.expose().to_owned());
            }
            let response = builder
                .send()
                .await
                .map_err(|e| TransportError::network(e.to_string()))?;
            let status = response.status().as_u16();
            let headers = response
                .headers()
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or_default().to_owned()))
                .collect();
            let body = response
                .text()
                .await
                .map_err(|e| TransportError::network(e.to_string()))?;
            Ok(HttpResponse {
                status,
                headers,
                body,
            })
        })
    }
}

fn kit_config(h: &Harness) -> CognitoConfig {
    CognitoConfig::builder()
        .client_id(SPA)
        .app_web_domain(h.base.clone())
        .user_pool_id("us-east-1_LocalPool")
        .issuer(h.issuer())
        .scopes(["openid", "email", "profile"])
        .redirect_uri_sign_in(CALLBACK)
        .redirect_uri_sign_out(SIGN_OUT)
        .build()
        .expect("kit config")
}

/// The browser part of a sign-in: open the authorize URL, submit the form, return the
/// callback URL the Hosted UI redirected to.
async fn browser_sign_in(h: &Harness, authorize_url: &str) -> String {
    let response = h.http.get(authorize_url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    let login = location(&response);
    assert!(login.starts_with(&h.url("/login?")), "{login}");
    let response = h
        .http
        .post(&login)
        .form(&[("username", "alice"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    location(&response)
}

#[tokio::test]
async fn kit_client_signs_in_refreshes_revokes_and_signs_out() {
    let h = start().await;
    let navigator = MemoryNavigator::new();
    let auth = CognitoAuth::new(
        kit_config(&h),
        MemoryStorage::new(),
        transport(),
        navigator.clone(),
        SystemEnvironment,
    );

    // sign in with code + PKCE
    auth.start_session_to("/protected").await.expect("start");
    let authorize_url = navigator.last().expect("navigated");
    assert!(authorize_url.starts_with(&h.url("/oauth2/authorize?")));
    assert!(authorize_url.contains("code_challenge_method=S256"));
    let callback = browser_sign_in(&h, &authorize_url).await;
    assert!(
        callback.starts_with(&format!("{CALLBACK}?code=")),
        "{callback}"
    );
    let outcome = auth
        .parse_cognito_web_response(&callback)
        .await
        .expect("sign-in completes");
    assert_eq!(outcome.return_to, "/protected");
    assert_eq!(outcome.session.username(), Some("alice"));
    assert!(auth.is_user_signed_in());
    let refresh_token = outcome
        .session
        .refresh_token()
        .expect("refresh token")
        .expose()
        .to_owned();

    // userInfo
    let info = auth.get_user_info().await.expect("userinfo");
    assert_eq!(info.get("email"), Some(&json!("alice@example.com")));

    // refresh: new tokens, the refresh token is kept (no rotation)
    let refreshed = auth.refresh_session().await.expect("refresh");
    assert_eq!(refreshed.username(), Some("alice"));
    assert_eq!(
        refreshed.refresh_token().map(|t| t.expose().to_owned()),
        Some(refresh_token)
    );

    // revoke: the next refresh is refused and the session dropped
    auth.revoke_refresh_token().await.expect("revoke");
    let err = auth.refresh_session().await.expect_err("revoked");
    assert_eq!(err.code(), "invalid_grant");
    assert!(auth.get_cached_session().is_none());

    // sign in again within the Hosted UI session: no form
    auth.start_session_to("/").await.expect("start");
    let response = h.http.get(navigator.last().unwrap()).send().await.unwrap();
    let callback = location(&response);
    assert!(
        callback.starts_with(&format!("{CALLBACK}?code=")),
        "{callback}"
    );
    auth.parse_cognito_web_response(&callback)
        .await
        .expect("second sign-in");

    // sign out: local tokens gone, the browser goes to /logout, which ends the session
    auth.sign_out().await.expect("sign out");
    assert!(auth.get_cached_session().is_none());
    let logout_url = navigator.last().unwrap();
    assert!(logout_url.starts_with(&h.url("/logout?")), "{logout_url}");
    let response = h.http.get(&logout_url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(location(&response), SIGN_OUT);
    auth.start_session_to("/").await.expect("start");
    let response = h.http.get(navigator.last().unwrap()).send().await.unwrap();
    assert!(location(&response).starts_with(&h.url("/login?")));
}

#[tokio::test]
async fn kit_client_keeps_the_session_on_a_transient_token_failure() {
    let h = start_with(|c| c.enable_test_control = true).await;
    let navigator = MemoryNavigator::new();
    let auth = CognitoAuth::new(
        kit_config(&h),
        MemoryStorage::new(),
        transport(),
        navigator.clone(),
        SystemEnvironment,
    );
    auth.start_session_to("/").await.expect("start");
    let callback = browser_sign_in(&h, &navigator.last().unwrap()).await;
    auth.parse_cognito_web_response(&callback)
        .await
        .expect("sign-in");

    h.http
        .post(h.url("/_test/faults/token"))
        .json(&json!({ "fault": "server_error" }))
        .send()
        .await
        .unwrap();
    let err = auth.refresh_session().await.expect_err("injected 500");
    assert!(err.is_transient(), "{err:?}");
    assert!(auth.get_cached_session().is_some(), "session kept");
    auth.refresh_session().await.expect("works again");
}

/// The configuration of an app for a real pool: the user pool id, no issuer override
/// (`prompt=login`, so that each sign-in shows the form).
fn pool_config(h: &Harness, issuer: Option<&str>) -> CognitoConfig {
    let mut builder = CognitoConfig::builder()
        .prompt(leptos_cognito_auth::Prompt::Login)
        .client_id(SPA)
        .app_web_domain(h.base.clone())
        .user_pool_id("us-east-1_LocalPool")
        .scopes(["openid", "email", "profile"])
        .redirect_uri_sign_in(CALLBACK)
        .redirect_uri_sign_out(SIGN_OUT);
    if let Some(issuer) = issuer {
        builder = builder.issuer(issuer);
    }
    builder.build().expect("kit config")
}

#[tokio::test]
async fn kit_client_accepts_either_cognito_issuer_format_for_its_pool() {
    use cognito_local::IssuerFormat;
    const ORIGINAL: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_LocalPool";
    const UPDATED: &str = "https://issuer-cognito-idp.us-east-1.amazonaws.com/us-east-1_LocalPool";
    for (format, issuer, other) in [
        (IssuerFormat::Original, ORIGINAL, UPDATED),
        (IssuerFormat::Updated, UPDATED, ORIGINAL),
    ] {
        let h = start_with(|c| c.issuer_format = format).await;
        let sign_in = |config: CognitoConfig| {
            let h = &h;
            async move {
                let navigator = MemoryNavigator::new();
                let auth = CognitoAuth::new(
                    config,
                    MemoryStorage::new(),
                    transport(),
                    navigator.clone(),
                    SystemEnvironment,
                );
                auth.start_session_to("/").await.expect("start");
                let callback = browser_sign_in(h, &navigator.last().unwrap()).await;
                auth.parse_cognito_web_response(&callback).await
            }
        };
        // The pool id alone: tokens in the pool's format are accepted.
        let outcome = sign_in(pool_config(&h, None)).await.expect("sign-in");
        assert_eq!(outcome.session.access_token().issuer(), Some(issuer));
        assert_eq!(
            outcome.session.id_token().and_then(|t| t.issuer()),
            Some(issuer)
        );
        // An explicit issuer means that one only: the other format's is refused.
        let err = sign_in(pool_config(&h, Some(other)))
            .await
            .expect_err("another issuer");
        assert_eq!(err.code(), "token_rejected", "{format:?}");
        assert!(sign_in(pool_config(&h, Some(issuer))).await.is_ok());
    }
}

/// The kit's managed-login parameters, end to end: `try_silent_sign_in` answered
/// `login_required` without a Hosted UI session (a normal outcome: nothing stored) and
/// signing in at once within one; `start_session_with` pre-filling the form and binding the
/// access token to a resource.
#[tokio::test]
async fn kit_client_silent_sign_in_and_sign_in_options() {
    let h = start().await;
    let navigator = MemoryNavigator::new();
    let auth = CognitoAuth::new(
        kit_config(&h),
        MemoryStorage::new(),
        transport(),
        navigator.clone(),
        SystemEnvironment,
    );

    // No Hosted UI session: login_required, straight back to the callback.
    auth.try_silent_sign_in().await.expect("start");
    let authorize_url = navigator.last().expect("navigated");
    let answer = h.http.get(&authorize_url).send().await.unwrap();
    let callback = location(&answer);
    assert!(
        callback.starts_with(&format!("{CALLBACK}?error=login_required")),
        "{callback}"
    );
    assert_eq!(auth.pending_return_path(&callback).as_deref(), Some("/"));
    let err = auth
        .parse_cognito_web_response(&callback)
        .await
        .unwrap_err();
    assert!(err.is_login_required(), "{err:?}");
    assert!(auth.get_cached_session().is_none());

    // A sign-in with options: the form starts with the hint; the access token is bound.
    let options = leptos_cognito_auth::SignInOptions::new()
        .login_hint("alice")
        .lang("es")
        .resource("https://api.example.com")
        .return_to("/orders");
    auth.start_session_with(&options).await.expect("start");
    let authorize_url = navigator.last().expect("navigated");
    let login = location(&h.http.get(&authorize_url).send().await.unwrap());
    let page = h
        .http
        .get(&login)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("<html lang=\"es\">") && page.contains("value=\"alice\""),
        "{page}"
    );
    let callback = browser_sign_in(&h, &authorize_url).await;
    let outcome = auth
        .parse_cognito_web_response(&callback)
        .await
        .expect("signed in");
    assert_eq!(outcome.return_to, "/orders");
    let (_, access) = h
        .verify(
            outcome.session.access_token().jwt_token(),
            Some("https://api.example.com"),
        )
        .await;
    assert_eq!(access["aud"], "https://api.example.com");

    // Within the Hosted UI session now held: a silent sign-in completes without a page.
    auth.sign_out_locally();
    auth.try_silent_sign_in().await.expect("start");
    let authorize_url = navigator.last().expect("navigated");
    let callback = location(&h.http.get(&authorize_url).send().await.unwrap());
    assert!(
        callback.starts_with(&format!("{CALLBACK}?code=")),
        "{callback}"
    );
    let outcome = auth
        .parse_cognito_web_response(&callback)
        .await
        .expect("signed in");
    assert_eq!(outcome.session.username(), Some("alice"));
}
