//! `/oauth2/authorize`: validation (error pages vs. error redirects), PKCE, scopes, the
//! Hosted UI session shortcut, prompt, identity_provider and the implicit flow.

mod common;

use cognito_local::OAuthFlow;
use common::*;
use reqwest::StatusCode;

async fn assert_error_page(h: &Harness, pairs: &[(&str, &str)], needle: &str) {
    let response = h.authorize(pairs).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(
        response.headers().get("location").is_none(),
        "never a redirect"
    );
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let body = response.text().await.unwrap();
    assert!(body.contains("Development server"), "dev banner");
    assert!(body.contains(needle), "{needle} in {body}");
}

async fn assert_error_redirect(h: &Harness, pairs: &[(&str, &str)], error: &str) {
    let response = h.authorize(pairs).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = location(&response);
    assert!(location.starts_with(&format!("{CALLBACK}?")), "{location}");
    let params = url_params(&location, false);
    assert_eq!(
        params.get("error").map(String::as_str),
        Some(error),
        "{location}"
    );
    assert!(params.contains_key("error_description"));
    assert_eq!(
        params.get("state").map(String::as_str),
        Some("opaque-state-123")
    );
    assert!(!params.contains_key("code"));
}

#[tokio::test]
async fn unknown_client_or_unregistered_redirect_uri_is_an_error_page() {
    let h = start().await;
    let missing_client = [("response_type", "code"), ("redirect_uri", CALLBACK)];
    assert_error_page(&h, &missing_client, "client_id is required").await;
    let unknown = [
        ("response_type", "code"),
        ("client_id", "nope"),
        ("redirect_uri", CALLBACK),
    ];
    assert_error_page(&h, &unknown, "does not exist").await;
    let no_redirect = [("response_type", "code"), ("client_id", SPA)];
    assert_error_page(&h, &no_redirect, "redirect_uri is required").await;
    for bad in [
        "http://evil.example/callback",
        "http://localhost:3000/callback/",
        "http://localhost:3000/callback?x=1",
        "http://localhost:3000/callback#frag",
    ] {
        let pairs = [
            ("response_type", "code"),
            ("client_id", SPA),
            ("redirect_uri", bad),
        ];
        assert_error_page(&h, &pairs, "not a registered callback URL").await;
    }
}

#[tokio::test]
async fn other_errors_are_redirected_with_state() {
    let h = start_with(|c| {
        c.clients[1].allowed_flows = vec![OAuthFlow::Code];
    })
    .await;
    let ch = challenge(VERIFIER);
    let base = [
        ("client_id", SPA),
        ("redirect_uri", CALLBACK),
        ("state", "opaque-state-123"),
    ];
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut v = base.to_vec();
        v.extend_from_slice(extra);
        v
    };
    // response_type missing / unknown
    assert_error_redirect(&h, &with(&[]), "invalid_request").await;
    assert_error_redirect(
        &h,
        &with(&[("response_type", "id_token")]),
        "invalid_request",
    )
    .await;
    // PKCE: plain rejected, method without challenge, challenge without method, malformed
    let plain = [
        ("response_type", "code"),
        ("code_challenge_method", "plain"),
        ("code_challenge", VERIFIER),
    ];
    assert_error_redirect(&h, &with(&plain), "invalid_request").await;
    let method_only = [("response_type", "code"), ("code_challenge_method", "S256")];
    assert_error_redirect(&h, &with(&method_only), "invalid_request").await;
    let mut challenge_only = with(&[("response_type", "code")]);
    challenge_only.push(("code_challenge", &ch));
    assert_error_redirect(&h, &challenge_only, "invalid_request").await;
    let short = [
        ("response_type", "code"),
        ("code_challenge_method", "S256"),
        ("code_challenge", "abc"),
    ];
    assert_error_redirect(&h, &with(&short), "invalid_request").await;
    // scopes: none allowed
    let scope = [
        ("response_type", "code"),
        ("scope", "admin:everything other/x"),
    ];
    assert_error_redirect(&h, &with(&scope), "invalid_scope").await;
    // identity providers not enabled for the client
    let idp = [("response_type", "code"), ("identity_provider", "Google")];
    assert_error_redirect(&h, &with(&idp), "invalid_request").await;
    let idp = [("response_type", "code"), ("idp_identifier", "example.com")];
    assert_error_redirect(&h, &with(&idp), "invalid_request").await;
    // unknown prompt value
    let prompt = [("response_type", "code"), ("prompt", "sometimes")];
    assert_error_redirect(&h, &with(&prompt), "invalid_request").await;
    // repeated parameter
    let repeated = [("response_type", "code"), ("state", "again")];
    assert_error_redirect(&h, &with(&repeated), "invalid_request").await;
    // a flow the client may not use
    let implicit_for_confidential = [
        ("client_id", CONFIDENTIAL),
        ("redirect_uri", CALLBACK),
        ("state", "opaque-state-123"),
        ("response_type", "token"),
    ];
    assert_error_redirect(&h, &implicit_for_confidential, "unauthorized_client").await;
    // prompt=none without a session
    let none = [("response_type", "code"), ("prompt", "none")];
    assert_error_redirect(&h, &with(&none), "login_required").await;
}

#[tokio::test]
async fn without_session_authorize_redirects_to_the_login_page_with_all_parameters() {
    let h = start().await;
    let ch = challenge(VERIFIER);
    let pairs = code_params(&[
        ("code_challenge_method", "S256"),
        ("code_challenge", &ch),
        ("nonce", "n-0S6_WzA2Mj"),
        ("scope", "openid email"),
        ("lang", "es"),
        ("unknown_extra", "dropped"),
    ]);
    let response = h.authorize(&pairs).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let login = location(&response);
    assert!(login.starts_with(&h.url("/login?")), "{login}");
    let params = url_params(&login, false);
    for (name, value) in &pairs[..pairs.len() - 1] {
        assert_eq!(
            params.get(*name).map(String::as_str),
            Some(*value),
            "{name}"
        );
    }
    assert!(!params.contains_key("unknown_extra"));
}

#[tokio::test]
async fn scope_is_filtered_to_the_clients_allowed_scopes() {
    let h = start_with(|c| {
        c.clients[0].allowed_scopes = vec!["openid".into(), "email".into()];
    })
    .await;
    let tokens = h
        .tokens_for("alice", &[("scope", "openid profile email unknown/scope")])
        .await;
    let access = tokens["access_token"].as_str().unwrap();
    let (_, claims) = h.verify(access, None).await;
    assert_eq!(claims["scope"], "openid email");

    // absent scope = all the client's scopes
    let h = start().await;
    let tokens = h.tokens_for("bob", &[]).await;
    let (_, claims) = h
        .verify(tokens["access_token"].as_str().unwrap(), None)
        .await;
    assert_eq!(
        claims["scope"],
        "openid email profile phone aws.cognito.signin.user.admin"
    );
}

#[tokio::test]
async fn session_cookie_skips_the_form_and_prompt_login_forces_it() {
    let h = start().await;
    let first = h.sign_in(&code_params(&[]), "alice", PASSWORD).await;
    assert_eq!(first.status(), StatusCode::FOUND);
    let cookies = set_cookies(first.headers());
    let cookie = cookies
        .iter()
        .find(|c| c.starts_with("cognito-local-session="))
        .expect("session cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("Max-Age=3600"),
        "{cookie}"
    );

    // within the session: a code straight away, no form
    let second = h.authorize(&code_params(&[])).await;
    assert_eq!(second.status(), StatusCode::FOUND);
    let params = url_params(&location(&second), false);
    assert!(params.contains_key("code"), "code without the form");
    assert_eq!(params["state"], "opaque-state-123");

    // prompt=none works within the session too
    let none = h.authorize(&code_params(&[("prompt", "none")])).await;
    assert!(url_params(&location(&none), false).contains_key("code"));

    // prompt=login asks again
    let forced = h.authorize(&code_params(&[("prompt", "login")])).await;
    assert!(location(&forced).starts_with(&h.url("/login?")));

    // the session carries the original auth_time into tokens issued without the form
    let code = url_params(&location(&second), false)["code"].clone();
    let tokens = h
        .token(&[
            ("grant_type", "authorization_code"),
            ("client_id", SPA),
            ("code", &code),
            ("redirect_uri", CALLBACK),
        ])
        .await
        .json::<serde_json::Value>()
        .await
        .unwrap();
    let (_, claims) = h
        .verify(tokens["id_token"].as_str().unwrap(), Some(SPA))
        .await;
    assert_eq!(claims["cognito:username"], "alice");
}

#[tokio::test]
async fn session_expires_after_its_lifetime() {
    let h = start_with(|c| c.session_lifetime_secs = 1).await;
    let first = h.sign_in(&code_params(&[]), "alice", PASSWORD).await;
    assert_eq!(first.status(), StatusCode::FOUND);
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let again = h.authorize(&code_params(&[])).await;
    assert!(location(&again).starts_with(&h.url("/login?")));
}

#[tokio::test]
async fn identity_provider_is_emulated_by_the_sign_in_page() {
    let h = start_with(|c| {
        c.clients[0].identity_providers = vec!["COGNITO".into(), "Google".into()];
    })
    .await;
    for (name, value) in [
        ("identity_provider", "Google"),
        ("idp_identifier", "google"),
    ] {
        let response = h.authorize(&code_params(&[(name, value)])).await;
        let login = location(&response);
        let page = h
            .http
            .get(&login)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("<strong>Google</strong>"), "{page}");
    }
    let cognito = h
        .authorize(&code_params(&[("identity_provider", "COGNITO")]))
        .await;
    assert!(location(&cognito).starts_with(&h.url("/login?")));
}

#[tokio::test]
async fn implicit_flow_returns_tokens_in_the_fragment() {
    let h = start().await;
    let pairs = [
        ("response_type", "token"),
        ("client_id", SPA),
        ("redirect_uri", CALLBACK),
        ("state", "st"),
        ("nonce", "nonce-1"),
        ("scope", "openid email"),
    ];
    let response = h.sign_in(&pairs, "alice", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = location(&response);
    assert!(location.starts_with(&format!("{CALLBACK}#")), "{location}");
    let fragment = url_params(&location, true);
    assert_eq!(fragment["token_type"], "Bearer");
    assert_eq!(fragment["expires_in"], "3600");
    assert_eq!(fragment["state"], "st");
    assert!(!fragment.contains_key("refresh_token"));
    let (_, id) = h.verify(&fragment["id_token"], Some(SPA)).await;
    assert_eq!(id["nonce"], "nonce-1");
    let (_, access) = h.verify(&fragment["access_token"], None).await;
    assert_eq!(access["token_use"], "access");

    // without openid: no ID token
    let pairs = [
        ("response_type", "token"),
        ("client_id", SPA),
        ("redirect_uri", CALLBACK),
        ("scope", "email"),
    ];
    let response = h.authorize(&pairs).await; // the session from above
    let fragment = url_params(&common::location(&response), true);
    assert!(fragment.contains_key("access_token"));
    assert!(!fragment.contains_key("id_token"));
    assert!(!fragment.contains_key("state"));
}
