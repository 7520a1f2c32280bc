//! `/oauth2/authorize`: validation (error pages vs. error redirects), PKCE, scopes, the
//! Hosted UI session shortcut, prompt (combinations, `login`, `none`), login_hint, lang,
//! resource, identity_provider and the implicit flow.

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

/// The sign-in page the authorize request `pairs` leads to (no Hosted UI session).
async fn login_page(h: &Harness, pairs: &[(&str, &str)]) -> String {
    let response = h.authorize(pairs).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let login = location(&response);
    assert!(login.starts_with(&h.url("/login?")), "{login}");
    let page = h.http.get(&login).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    page.text().await.unwrap()
}

#[tokio::test]
async fn login_hint_prefills_the_user_name() {
    let h = start().await;
    let page = login_page(&h, &code_params(&[("login_hint", "alice@example.com")])).await;
    assert!(
        page.contains("name=\"username\"") && page.contains("value=\"alice@example.com\""),
        "{page}"
    );
    // Escaped into the attribute, never markup.
    let page = login_page(&h, &code_params(&[("login_hint", "\"><script>x</script>")])).await;
    assert!(!page.contains("<script>"), "{page}");
    assert!(page.contains("value=\"&quot;&gt;&lt;script&gt;"), "{page}");
    // Without a hint: an empty field.
    let page = login_page(&h, &code_params(&[])).await;
    assert!(page.contains("value=\"\""), "{page}");
    // The hint travels with the form: a failed attempt shows what was typed instead, and
    // the right password signs in.
    let response = h.authorize(&code_params(&[("login_hint", "alice")])).await;
    let login = location(&response);
    assert_eq!(
        url_params(&login, false)
            .get("login_hint")
            .map(String::as_str),
        Some("alice")
    );
    let wrong = h
        .http
        .post(&login)
        .form(&[("username", "bob"), ("password", "nope")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(wrong.contains("value=\"bob\""), "{wrong}");
}

#[tokio::test]
async fn prompt_login_shows_the_form_within_a_session_in_any_combination() {
    let h = start().await;
    let first = h.sign_in(&code_params(&[]), "alice", PASSWORD).await;
    assert!(url_params(&location(&first), false).contains_key("code"));
    for prompt in ["login", "login consent", "select_account login"] {
        let forced = h.authorize(&code_params(&[("prompt", prompt)])).await;
        assert!(
            location(&forced).starts_with(&h.url("/login?")),
            "{prompt}: the form"
        );
    }
    // consent and select_account alone: accepted, and the session answers.
    for prompt in ["consent", "select_account", "consent select_account"] {
        let answer = h.authorize(&code_params(&[("prompt", prompt)])).await;
        let params = url_params(&location(&answer), false);
        assert!(params.contains_key("code"), "{prompt}: {params:?}");
    }
    // none stands alone; unknown values are refused.
    for prompt in ["none login", "consent none", "login sometimes"] {
        assert_error_redirect(&h, &code_params(&[("prompt", prompt)]), "invalid_request").await;
    }
}

#[tokio::test]
async fn prompt_none_answers_login_required_without_a_session_and_a_code_with_one() {
    let h = start().await;
    let none = code_params(&[("prompt", "none"), ("scope", "openid")]);
    let answer = h.authorize(&none).await;
    assert_eq!(answer.status(), StatusCode::FOUND);
    let location_without = location(&answer);
    assert!(
        location_without.starts_with(&format!("{CALLBACK}?")),
        "to the redirect URI, never the form: {location_without}"
    );
    let params = url_params(&location_without, false);
    assert_eq!(params["error"], "login_required");
    assert_eq!(params["state"], "opaque-state-123");
    assert!(params.contains_key("error_description"));
    assert!(!params.contains_key("code"));
    // The implicit flow gets it too (the kit reads an error in the query or the fragment).
    let implicit = [
        ("response_type", "token"),
        ("client_id", SPA),
        ("redirect_uri", CALLBACK),
        ("prompt", "none"),
    ];
    let answer = location(&h.authorize(&implicit).await);
    assert!(answer.starts_with(CALLBACK), "{answer}");
    let error = url_params(&answer, false)
        .remove("error")
        .or_else(|| url_params(&answer, true).remove("error"));
    assert_eq!(error.as_deref(), Some("login_required"), "{answer}");

    // Within a Hosted UI session: a code at once, for the session's user.
    h.sign_in(&code_params(&[]), "bob", PASSWORD).await;
    let answer = h.authorize(&none).await;
    let params = url_params(&location(&answer), false);
    assert_eq!(params["state"], "opaque-state-123");
    let code = params.get("code").expect("a code").clone();
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
    let (_, id) = h
        .verify(tokens["id_token"].as_str().unwrap(), Some(SPA))
        .await;
    assert_eq!(id["cognito:username"], "bob");

    // After /logout the session is gone: login_required again.
    let logout = h
        .get(&format!(
            "/logout?{}",
            query(&[("client_id", SPA), ("logout_uri", SIGN_OUT)])
        ))
        .await;
    assert_eq!(logout.status(), StatusCode::FOUND);
    let answer = h.authorize(&none).await;
    assert_eq!(
        url_params(&location(&answer), false)["error"],
        "login_required"
    );
}

#[tokio::test]
async fn lang_sets_the_pages_lang_attribute() {
    let h = start().await;
    for (lang, shown) in [
        (Some("es"), "es"),
        (Some("pt-BR"), "pt-BR"),
        (None, "en"),
        // Not a language tag: ignored, as Cognito ignores a language it does not offer.
        (Some("\"><script>x</script>"), "en"),
    ] {
        let mut extra = Vec::new();
        if let Some(lang) = lang {
            extra.push(("lang", lang));
        }
        let page = login_page(&h, &code_params(&extra)).await;
        assert!(
            page.starts_with(&format!("<!DOCTYPE html><html lang=\"{shown}\">")),
            "{lang:?}: {page}"
        );
        assert!(!page.contains("<script>"));
    }
    // The form keeps it: the page after a failed attempt is in the same language.
    let response = h.authorize(&code_params(&[("lang", "de")])).await;
    let again = h
        .http
        .post(location(&response))
        .form(&[("username", "alice"), ("password", "wrong")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(again.contains("<html lang=\"de\">"), "{again}");
}

#[tokio::test]
async fn resource_becomes_the_access_tokens_audience() {
    let h = start().await;
    let resource = "https://api.example.com/orders";
    let tokens = h.tokens_for("alice", &[("resource", resource)]).await;
    let access = tokens["access_token"].as_str().unwrap();
    let (_, claims) = h.verify(access, Some(resource)).await;
    assert_eq!(claims["aud"], resource);
    assert_eq!(claims["client_id"], SPA);
    // The ID token's audience stays the client.
    let (_, id) = h
        .verify(tokens["id_token"].as_str().unwrap(), Some(SPA))
        .await;
    assert_eq!(id["aud"], SPA);
    // Refreshed access tokens keep it.
    let refreshed = h
        .refresh(tokens["refresh_token"].as_str().unwrap())
        .await
        .json::<serde_json::Value>()
        .await
        .unwrap();
    let (_, claims) = h
        .verify(refreshed["access_token"].as_str().unwrap(), Some(resource))
        .await;
    assert_eq!(claims["aud"], resource);

    // Without `resource`: no `aud` in the access token, as Cognito issues it.
    let tokens = h.tokens_for("alice", &[]).await;
    let (_, claims) = h
        .verify(tokens["access_token"].as_str().unwrap(), None)
        .await;
    assert!(claims.get("aud").is_none(), "{claims}");

    // A resource that is not an absolute URI without a fragment: RFC 8707's invalid_target.
    for bad in ["api.example.com", "https://api.example.com/#x", "/orders"] {
        assert_error_redirect(&h, &code_params(&[("resource", bad)]), "invalid_target").await;
    }
}
