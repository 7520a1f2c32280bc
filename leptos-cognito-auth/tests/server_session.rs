//! Server sessions (`ssr::ServerSession`) against the local Hosted UI over real HTTP:
//! sign-in through the Hosted UI, the session cookie, refresh on the server, sign-out,
//! CSRF, tampered cookies, open redirects, replays, token endpoint faults; the store
//! contract; no server state before sign-in; records sealed at rest; and three app
//! instances sharing one real Redis, making one refresh per expiry between them. A reqwest
//! client with a cookie jar plays the browser; expiries come from a clock the test moves.

#![cfg(all(feature = "ssr", feature = "redis"))]

mod server_session_support;

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use leptos_cognito_auth::ssr::{
    CookieSessionStore, MemorySessionStore, RedisSessionStore, SessionSetupError, SessionStore,
};
use reqwest::StatusCode;
use serde_json::Value;
use server_session_support::*;

#[tokio::test]
async fn round_trip_refresh_and_sign_out_with_the_memory_store() {
    let (hosted_ui, app, clock) = one_app(Arc::new(MemorySessionStore::new()), CLIENT).await;
    let http = browser();

    // Signed out: /me is refused, the protected page starts a sign-in.
    assert_eq!(
        http.get(format!("{app}/me")).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let landed = sign_in(&hosted_ui, &http, &app, "/private").await;
    assert_eq!(landed, "/private");
    let me = http.get(format!("{app}/me")).send().await.unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    let body = me.text().await.unwrap();
    assert!(body.contains("\"alice\""), "{body}");
    assert!(!has_jwt(&body));
    let view = session_view(&http, &app).await;
    assert_eq!(view["user"]["username"], "alice");
    // The page gets what it shows of the user, not the tokens' claims.
    assert_eq!(view["user"]["claims"], serde_json::json!({}));
    assert!(!has_jwt(&view.to_string()), "{view}");
    let csrf = view["csrf_token"]
        .as_str()
        .expect("a csrf token")
        .to_owned();

    // The access token expires: the next request refreshes on the server, transparently.
    let before = hosted_ui.refreshes();
    clock.advance(TOKEN_SECS + 1);
    let me = http.get(format!("{app}/me")).send().await.unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    assert_eq!(hosted_ui.refreshes(), before + 1);
    // And not again while the new tokens are fresh.
    let me = http.get(format!("{app}/me")).send().await.unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    assert_eq!(hosted_ui.refreshes(), before + 1);

    // State changes need the token and this origin.
    let change = |token: Option<&str>, site: &str| {
        let mut request = http
            .post(format!("{app}/change"))
            .header("sec-fetch-site", site);
        if let Some(token) = token {
            request = request.header("x-csrf-token", token);
        }
        request.send()
    };
    assert_eq!(
        change(None, "same-origin").await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        change(Some("forged"), "same-origin")
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        change(Some(&csrf), "cross-site").await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        change(Some(&csrf), "same-origin").await.unwrap().status(),
        StatusCode::OK
    );

    // A cross-site form post to sign-out is refused; the site's own form signs out.
    let forged = http
        .post(format!("{app}/auth/sign-out"))
        .header("sec-fetch-site", "cross-site")
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert!(
        set_cookies(forged.headers()).is_empty(),
        "a refused sign-out does not even clear the cookie"
    );
    // Another site's form as a browser sends it (no cookie: SameSite=Lax) is refused too,
    // and does not clear this browser's cookie either.
    let cross_site = reqwest::Client::new()
        .post(format!("{app}/auth/sign-out"))
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), StatusCode::FORBIDDEN);
    assert!(set_cookies(cross_site.headers()).is_empty());
    let no_token = http
        .post(format!("{app}/auth/sign-out"))
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .unwrap();
    assert_eq!(no_token.status(), StatusCode::FORBIDDEN);
    let tokens_before = hosted_ui.running.emulator.counts().refresh_tokens;
    let out = http
        .post(format!("{app}/auth/sign-out"))
        .header("sec-fetch-site", "same-origin")
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert!(location(&out).starts_with(&hosted_ui.url("/logout?")));
    assert!(set_cookies(out.headers())
        .join("\n")
        .contains("lca-session=; "));
    // The refresh token was revoked at Cognito.
    let revoked = {
        let counts = hosted_ui.running.emulator.counts();
        counts.revoked_refresh_tokens == counts.refresh_tokens
            || counts.refresh_tokens < tokens_before
    };
    assert!(revoked, "sign-out revokes the refresh token");
    assert_eq!(
        http.get(format!("{app}/me")).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert!(session_view(&http, &app).await["user"].is_null());
}

#[tokio::test]
async fn bad_cookies_open_redirects_replays_and_another_browser() {
    let (hosted_ui, app, _clock) = one_app(Arc::new(MemorySessionStore::new()), CLIENT).await;

    // A tampered or unknown session cookie reads as signed out, and goes.
    for value in ["garbage", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"] {
        let response = reqwest::Client::new()
            .get(format!("{app}/auth/session"))
            .header("cookie", format!("lca-session={value}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let cookies = set_cookies(response.headers()).join("\n");
        assert!(cookies.contains("lca-session=; "), "{value}: {cookies}");
        let view: Value = response.json().await.unwrap();
        assert!(view["user"].is_null());
    }

    // Open redirects: an absolute or protocol-relative return path lands on "/".
    for evil in ["//evil.example", "https://evil.example", "/\\evil.example"] {
        let http = browser();
        let encoded: String = evil.bytes().map(|b| format!("%{b:02X}")).collect();
        let landed = sign_in(
            &hosted_ui,
            &http,
            &app,
            &format!("/auth/sign-in?return_to={encoded}"),
        )
        .await;
        assert_eq!(landed, "/", "{evil}");
    }

    // Without `return_to` (`<SignInButton/>`'s form sends none), the sign-in comes back to
    // the app's page the browser names in `Referer`; another site's page is not followed.
    for (referer, lands_on) in [
        (format!("{app}/orders?tab=items"), "/orders?tab=items"),
        ("https://evil.example/orders".to_owned(), "/"),
    ] {
        let http = browser_on_page(&referer);
        let landed = sign_in(&hosted_ui, &http, &app, "/auth/sign-in").await;
        assert_eq!(landed, lands_on, "{referer}");
    }

    // A replayed callback is refused: by another browser, and by the same one (the
    // pending sign-in was spent).
    let http = browser();
    let callback = callback_url(&http, &app).await;
    assert_eq!(
        http.get(&callback).send().await.unwrap().status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(session_view(&http, &app).await["user"]["username"], "alice");
    let replayed = browser();
    replayed.get(&callback).send().await.unwrap();
    assert!(session_view(&replayed, &app).await["user"].is_null());
    assert_eq!(
        session_view(&replayed, &app).await["error"],
        serde_json::Value::Null,
        "shown once"
    );
    let again = http.get(&callback).send().await.unwrap();
    assert_eq!(location(&again), "/");
    assert_eq!(
        session_view(&http, &app).await["error"],
        "no_pending_sign_in",
        "the same browser's replay is refused too"
    );

    // A callback carried to another browser does not sign that browser in: the pending
    // sign-in lives in the cookie of the browser that started it.
    let attacker = browser();
    let callback = callback_url(&attacker, &app).await;
    let victim = browser();
    let response = victim.get(&callback).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let view = session_view(&victim, &app).await;
    assert!(view["user"].is_null());
}

#[tokio::test]
async fn sign_ins_started_in_several_tabs_all_complete() {
    let (_hosted_ui, app, _clock) = one_app(Arc::new(MemorySessionStore::new()), CLIENT).await;
    let http = browser();
    // Three tabs of one browser start a sign-in each before any completes.
    let mut authorizes = Vec::new();
    for tab in ["/a", "/b", "/c"] {
        let start = http
            .get(format!("{app}/auth/sign-in?return_to={tab}"))
            .send()
            .await
            .unwrap();
        authorizes.push((tab, location(&start)));
    }
    // Each completes, in another order, and comes back to its own page.
    for (tab, authorize) in authorizes.into_iter().rev() {
        let login = http.get(&authorize).send().await.unwrap();
        let mut callback = location(&login);
        if !callback.starts_with(&app) {
            let back = http
                .post(&callback)
                .form(&[("username", "alice"), ("password", PASSWORD)])
                .send()
                .await
                .unwrap();
            callback = location(&back);
        }
        let done = http.get(&callback).send().await.unwrap();
        assert_eq!(location(&done), tab, "{tab} completes");
        assert_eq!(session_view(&http, &app).await["user"]["username"], "alice");
    }
}

#[tokio::test]
async fn token_endpoint_faults_and_a_revoked_refresh_token() {
    let (hosted_ui, app, clock) = one_app(Arc::new(MemorySessionStore::new()), STEADY).await;
    let http = browser();
    sign_in(&hosted_ui, &http, &app, "/auth/sign-in").await;

    // The token endpoint failing during a second sign-in's callback: a clear error, and
    // the session this browser has is kept.
    hosted_ui
        .fault(serde_json::json!({"fault": "server_error"}))
        .await;
    let callback = callback_url(&http, &app).await;
    let failed = http.get(&callback).send().await.unwrap();
    assert_eq!(failed.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&failed), "/");
    let view = session_view(&http, &app).await;
    assert_eq!(view["error"], "server_error");
    assert_eq!(view["user"]["username"], "alice", "the session is kept");

    // During refreshes (due 10 s before expiry, so the session is still valid): 500, junk,
    // and a hang past the 1.5 s timeout. Each gives a clear error and keeps the session;
    // the next request refreshes once the endpoint answers.
    for (what, body, codes) in [
        (
            "500",
            serde_json::json!({"fault": "server_error"}),
            &["server_error"][..],
        ),
        (
            "junk",
            serde_json::json!({"fault": "malformed_json"}),
            &["invalid_response"][..],
        ),
        (
            "hang",
            serde_json::json!({"fault": "hang", "ms": 2500}),
            &["timeout"][..],
        ),
    ] {
        clock.advance(TOKEN_SECS - STEADY_MARGIN + 1);
        let before = hosted_ui.refreshes();
        hosted_ui.fault(body).await;
        let view = session_view(&http, &app).await;
        assert_eq!(
            view["user"]["username"], "alice",
            "{what}: still valid, kept"
        );
        let code = view["error"].as_str().unwrap_or_default().to_owned();
        assert!(codes.contains(&code.as_str()), "{what}: {code}");
        assert_eq!(hosted_ui.refreshes(), before + 1, "{what}: one attempt");
        hosted_ui.clear_faults().await;
        // The hung request completes at the emulator in the background; let it.
        if what == "hang" {
            tokio::time::sleep(Duration::from_millis(1200)).await;
        }
        let view = session_view(&http, &app).await;
        assert!(view["error"].is_null(), "{what}: refreshed: {view}");
        assert_eq!(
            hosted_ui.refreshes(),
            before + 2,
            "{what}: refreshed once more"
        );
    }

    // A revoked refresh token: signed out with a message, the cookie goes.
    hosted_ui
        .http
        .post(hosted_ui.url("/_test/users/alice/revoke-refresh-tokens"))
        .send()
        .await
        .unwrap();
    clock.advance(TOKEN_SECS - STEADY_MARGIN + 1);
    let response = http
        .get(format!("{app}/auth/session"))
        .send()
        .await
        .unwrap();
    assert!(set_cookies(response.headers())
        .join("\n")
        .contains("lca-session=; "));
    let view: Value = response.json().await.unwrap();
    assert!(view["user"].is_null());
    assert_eq!(view["error"], "invalid_grant");
    assert_eq!(
        http.get(format!("{app}/me")).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
}

/// What every store must do, whatever it is.
async fn store_contract(store: &dyn SessionStore) {
    store
        .set("k", Bytes::from_static(b"v"), Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(store.get("k").await.unwrap().as_deref(), Some(&b"v"[..]));
    store
        .set("k", Bytes::from_static(b"w"), Duration::from_millis(300))
        .await
        .unwrap();
    assert_eq!(store.get("k").await.unwrap().as_deref(), Some(&b"w"[..]));
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert_eq!(store.get("k").await.unwrap(), None, "expired");
    // Binary values come back as they went in.
    let bytes: Vec<u8> = (0..=255).collect();
    store
        .set("bin", Bytes::from(bytes.clone()), Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(store.get("bin").await.unwrap().as_deref(), Some(&bytes[..]));
    // Compare-and-set: only over the value read, never over a removed key.
    let ttl = Duration::from_secs(60);
    assert!(!store
        .replace("bin", b"other", Bytes::from_static(b"x"), ttl)
        .await
        .unwrap());
    assert!(store
        .replace("bin", &bytes, Bytes::from_static(b"x"), ttl)
        .await
        .unwrap());
    assert_eq!(store.get("bin").await.unwrap().as_deref(), Some(&b"x"[..]));
    store.remove("bin").await.unwrap();
    assert!(!store
        .replace("bin", b"x", Bytes::from_static(b"y"), ttl)
        .await
        .unwrap());
    assert_eq!(store.get("bin").await.unwrap(), None, "not brought back");
    // Concurrent compare-and-sets over the same value: exactly one wins.
    store
        .set("cas", Bytes::from_static(b"0"), ttl)
        .await
        .unwrap();
    let (a, b) = tokio::join!(
        store.replace("cas", b"0", Bytes::from_static(b"a"), ttl),
        store.replace("cas", b"0", Bytes::from_static(b"b"), ttl)
    );
    assert_eq!([a.unwrap(), b.unwrap()].iter().filter(|w| **w).count(), 1);
    // The lock: one owner at a time, released only by its owner, lapsing after the lease.
    let lease = Duration::from_millis(400);
    assert!(store.try_lock("lock", "a", lease).await.unwrap());
    assert!(!store.try_lock("lock", "b", lease).await.unwrap());
    assert!(
        store.try_lock("lock", "a", lease).await.unwrap(),
        "its holder's try again (sent after a lost reply) has it"
    );
    store.unlock("lock", "b").await.unwrap();
    assert!(
        !store.try_lock("lock", "b", lease).await.unwrap(),
        "not b's to release"
    );
    store.unlock("lock", "a").await.unwrap();
    assert!(store.try_lock("lock", "b", lease).await.unwrap());
    tokio::time::sleep(Duration::from_millis(550)).await;
    assert!(
        store.try_lock("lock", "c", lease).await.unwrap(),
        "the lease lapsed"
    );
    store.remove("lock").await.unwrap();
    store.remove("cas").await.unwrap();
    store.remove("missing").await.unwrap();
    // Indexes: fields set, read whole, removed one by one, removed whole.
    assert!(store.index_all("user:{u}").await.unwrap().is_empty());
    store
        .index_put("user:{u}", "session:{a}", b"1", ttl)
        .await
        .unwrap();
    store
        .index_put("user:{u}", "session:{b}", b"2", ttl)
        .await
        .unwrap();
    store
        .index_put("user:{u}", "session:{a}", b"3", ttl)
        .await
        .unwrap();
    let mut fields = store.index_all("user:{u}").await.unwrap();
    fields.sort();
    assert_eq!(
        fields,
        [
            ("session:{a}".to_owned(), b"3".to_vec()),
            ("session:{b}".to_owned(), b"2".to_vec())
        ]
    );
    store.index_remove("user:{u}", "session:{a}").await.unwrap();
    store.index_remove("user:{u}", "missing").await.unwrap();
    assert_eq!(store.index_all("user:{u}").await.unwrap().len(), 1);
    store.remove("user:{u}").await.unwrap();
    assert!(store.index_all("user:{u}").await.unwrap().is_empty());
    // An index expires like any key.
    store
        .index_put("user:{v}", "f", b"x", Duration::from_millis(200))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert!(
        store.index_all("user:{v}").await.unwrap().is_empty(),
        "expired"
    );
}

#[tokio::test]
async fn memory_store_contract() {
    store_contract(&MemorySessionStore::new()).await;
}

/// A visitor who never signs in costs the server nothing: `n` sign-in starts leave the
/// store as it was, and each answer carries its pending sign-in in a cookie instead.
async fn anonymous_starts(app: &str, n: usize) {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap();
    let starts = (0..n).map(|i| {
        let http = http.clone();
        let url = format!("{app}/auth/sign-in?return_to=/page-{i}");
        async move { http.get(url).send().await.unwrap() }
    });
    let mut answers = futures::stream::iter(starts).buffer_unordered(16);
    use futures::StreamExt as _;
    let mut count = 0;
    while let Some(answer) = answers.next().await {
        assert_eq!(answer.status(), StatusCode::SEE_OTHER);
        assert!(set_cookies(answer.headers())
            .join("\n")
            .contains("lca-pending="));
        count += 1;
    }
    assert_eq!(count, n);
}

#[tokio::test]
async fn anonymous_sign_in_starts_store_nothing_memory() {
    let store = MemorySessionStore::new();
    let (_hosted_ui, app, _clock) = one_app(Arc::new(store.clone()), CLIENT).await;
    let before = store.len();
    anonymous_starts(&app, 2_000).await;
    assert_eq!(store.len(), before, "2,000 sign-in starts stored nothing");
}

#[tokio::test]
async fn records_are_sealed_at_rest_and_a_shared_store_needs_a_secret() {
    let store = MemorySessionStore::new();
    let (hosted_ui, app, _clock) = one_app(Arc::new(store.clone()), CLIENT).await;
    let http = browser();
    sign_in(&hosted_ui, &http, &app, "/auth/sign-in").await;
    let csrf = csrf_token(&http, &app).await;
    // What the store holds: one record, and nothing in it is a token, the anti-forgery
    // token or a JWT's part.
    let values = store.values();
    assert_eq!(values.len(), 1, "one session record");
    let raw = String::from_utf8_lossy(&values[0]).into_owned();
    assert!(!has_jwt(&raw), "no JWT in the store: {raw}");
    assert!(!raw.contains(&csrf), "no anti-forgery token in the store");
    assert!(!raw.contains("alice"), "no user name in the store");

    // A store other instances share needs the same secret on each, or nothing starts.
    let shared: Arc<dyn SessionStore> =
        Arc::new(RedisSessionStore::open("redis://127.0.0.1:1/").unwrap());
    let port = server_session_support::port().await;
    let config = leptos_cognito_auth::CognitoConfig::builder()
        .client_id(CLIENT)
        .app_web_domain(&hosted_ui.base)
        .redirect_uri_sign_in(format!("{}/callback", port.base))
        .redirect_uri_sign_out(format!("{}/", port.base))
        .issuer(hosted_ui.issuer())
        .storage(leptos_cognito_auth::StorageKind::Server)
        .build()
        .unwrap();
    let missing = leptos_cognito_auth::ssr::ServerSession::builder(config.clone(), shared.clone())
        .build()
        .unwrap_err();
    assert_eq!(missing, SessionSetupError::MissingSecret);
    // So does the cookie store: every instance must open what any one sealed.
    let in_cookies =
        leptos_cognito_auth::ssr::ServerSession::builder(config.clone(), CookieSessionStore::new())
            .build()
            .unwrap_err();
    assert_eq!(in_cookies, SessionSetupError::MissingSecret);
    assert!(
        missing.to_string().contains("COGNITO_SESSION_SECRET"),
        "{missing}"
    );
    let weak = leptos_cognito_auth::ssr::ServerSession::builder(config.clone(), shared)
        .secret(["short"])
        .build()
        .unwrap_err();
    assert!(
        matches!(weak, SessionSetupError::WeakSecret { .. }),
        "{weak}"
    );
    // Routes are checked too.
    let clash =
        leptos_cognito_auth::ssr::ServerSession::builder(config.clone(), MemorySessionStore::new())
            .routes("/auth/x", "/auth/x", "/auth/session")
            .build()
            .unwrap_err();
    assert!(
        matches!(clash, SessionSetupError::ConflictingPaths { .. }),
        "{clash}"
    );
    let relative =
        leptos_cognito_auth::ssr::ServerSession::builder(config.clone(), MemorySessionStore::new())
            .routes("auth/sign-in", "/auth/sign-out", "/auth/session")
            .build()
            .unwrap_err();
    assert_eq!(relative, SessionSetupError::BadPath("auth/sign-in".into()));
    let covered =
        leptos_cognito_auth::ssr::ServerSession::builder(config.clone(), MemorySessionStore::new())
            .protect(["/auth"])
            .build()
            .unwrap_err();
    assert!(
        matches!(covered, SessionSetupError::ConflictingPaths { .. }),
        "{covered}"
    );
    // The callback needs a path of its own: at the site's root, every visit to the home
    // page would be answered as a callback (and a URL without a path is its root).
    for root in [format!("{}/", port.base), port.base.clone()] {
        let config = leptos_cognito_auth::CognitoConfig::builder()
            .client_id(CLIENT)
            .app_web_domain(&hosted_ui.base)
            .redirect_uri_sign_in(&root)
            .redirect_uri_sign_out(format!("{}/", port.base))
            .issuer(hosted_ui.issuer())
            .storage(leptos_cognito_auth::StorageKind::Server)
            .build()
            .unwrap();
        let at_root =
            leptos_cognito_auth::ssr::ServerSession::builder(config, MemorySessionStore::new())
                .build()
                .unwrap_err();
        assert_eq!(at_root, SessionSetupError::CallbackAtRoot(root.clone()));
        assert!(at_root.to_string().contains("/auth/callback"), "{at_root}");
    }
    // The user-pool endpoint gets users' access tokens: https, or http to a loopback host.
    for bad in [
        "http://other-host/",
        "cognito-idp.eu-west-1.amazonaws.com",
        "ftp://x/",
    ] {
        let err = leptos_cognito_auth::ssr::ServerSession::builder(
            config.clone(),
            MemorySessionStore::new(),
        )
        .user_pool_endpoint(bad)
        .build()
        .unwrap_err();
        assert!(
            matches!(err, SessionSetupError::BadUserPoolEndpoint(_)),
            "{bad}: {err}"
        );
    }
    for good in [
        "https://cognito-idp.eu-west-1.amazonaws.com/",
        "http://127.0.0.1:9229/",
    ] {
        leptos_cognito_auth::ssr::ServerSession::builder(config.clone(), MemorySessionStore::new())
            .user_pool_endpoint(good)
            .build()
            .unwrap_or_else(|e| panic!("{good}: {e}"));
    }
    // Lifetimes: under 5 minutes would end sessions in use (their last use is written at
    // most once a minute); over 10 years would overflow the store's expiry.
    let builder = || {
        leptos_cognito_auth::ssr::ServerSession::builder(config.clone(), MemorySessionStore::new())
    };
    for (too_short_or_long, accepted) in [
        (Duration::ZERO, Duration::from_secs(300)),
        (
            Duration::from_millis(500),
            Duration::from_secs(3650 * 24 * 3600),
        ),
        (Duration::from_secs(299), Duration::from_secs(3600)),
        (
            Duration::from_secs(3650 * 24 * 3600 + 1),
            Duration::from_secs(300),
        ),
        (Duration::MAX, Duration::from_secs(3600)),
    ] {
        let idle = builder()
            .inactivity_timeout(too_short_or_long)
            .absolute_lifetime(accepted)
            .build()
            .unwrap_err();
        assert_eq!(
            idle,
            SessionSetupError::BadLifetime {
                setting: "inactivity_timeout"
            }
        );
        let absolute = builder()
            .inactivity_timeout(accepted)
            .absolute_lifetime(too_short_or_long)
            .build()
            .unwrap_err();
        assert_eq!(
            absolute,
            SessionSetupError::BadLifetime {
                setting: "absolute_lifetime"
            }
        );
        assert!(absolute.to_string().contains("5 minutes"), "{absolute}");
        builder()
            .inactivity_timeout(accepted)
            .absolute_lifetime(accepted)
            .build()
            .expect("in range");
    }
}

/// A memory store where a sign-out (or a revoke elsewhere) removes the session at the worst
/// moment: between a refresh's read of the record and its write of the new tokens
/// (`armed`); and whose user index can fail (`index_down`).
#[derive(Clone, Default)]
struct SignOutDuringRefresh {
    inner: MemorySessionStore,
    armed: Arc<std::sync::atomic::AtomicBool>,
    index_down: Arc<std::sync::atomic::AtomicBool>,
}

impl SessionStore for SignOutDuringRefresh {
    fn get<'a>(
        &'a self,
        key: &'a str,
    ) -> futures::future::BoxFuture<'a, Result<Option<Bytes>, leptos_cognito_auth::ssr::StoreError>>
    {
        self.inner.get(key)
    }
    fn set<'a>(
        &'a self,
        key: &'a str,
        value: Bytes,
        ttl: Duration,
    ) -> futures::future::BoxFuture<'a, Result<(), leptos_cognito_auth::ssr::StoreError>> {
        self.inner.set(key, value, ttl)
    }
    fn replace<'a>(
        &'a self,
        key: &'a str,
        current: &'a [u8],
        value: Bytes,
        ttl: Duration,
    ) -> futures::future::BoxFuture<'a, Result<bool, leptos_cognito_auth::ssr::StoreError>> {
        Box::pin(async move {
            if self.armed.swap(false, std::sync::atomic::Ordering::SeqCst) {
                // The sign-out lands now.
                self.inner.remove(key).await?;
            }
            self.inner.replace(key, current, value, ttl).await
        })
    }
    fn remove<'a>(
        &'a self,
        key: &'a str,
    ) -> futures::future::BoxFuture<'a, Result<(), leptos_cognito_auth::ssr::StoreError>> {
        self.inner.remove(key)
    }
    fn try_lock<'a>(
        &'a self,
        key: &'a str,
        owner: &'a str,
        lease: Duration,
    ) -> futures::future::BoxFuture<'a, Result<bool, leptos_cognito_auth::ssr::StoreError>> {
        self.inner.try_lock(key, owner, lease)
    }
    fn unlock<'a>(
        &'a self,
        key: &'a str,
        owner: &'a str,
    ) -> futures::future::BoxFuture<'a, Result<(), leptos_cognito_auth::ssr::StoreError>> {
        self.inner.unlock(key, owner)
    }
    fn index_put<'a>(
        &'a self,
        key: &'a str,
        field: &'a str,
        value: &'a [u8],
        ttl: Duration,
    ) -> futures::future::BoxFuture<'a, Result<(), leptos_cognito_auth::ssr::StoreError>> {
        if self.index_down.load(std::sync::atomic::Ordering::SeqCst) {
            return Box::pin(async {
                Err(leptos_cognito_auth::ssr::StoreError::Unavailable(
                    "the index is down".into(),
                ))
            });
        }
        self.inner.index_put(key, field, value, ttl)
    }
    fn index_all<'a>(
        &'a self,
        key: &'a str,
    ) -> futures::future::BoxFuture<
        'a,
        Result<leptos_cognito_auth::ssr::IndexFields, leptos_cognito_auth::ssr::StoreError>,
    > {
        self.inner.index_all(key)
    }
    fn index_remove<'a>(
        &'a self,
        key: &'a str,
        field: &'a str,
    ) -> futures::future::BoxFuture<'a, Result<(), leptos_cognito_auth::ssr::StoreError>> {
        self.inner.index_remove(key, field)
    }
    fn is_shared(&self) -> bool {
        false
    }
}

#[tokio::test]
async fn a_refresh_racing_a_sign_out_does_not_bring_the_session_back() {
    let store = SignOutDuringRefresh::default();
    let (hosted_ui, app, clock) = one_app(Arc::new(store.clone()), CLIENT).await;
    let http = browser();
    sign_in(&hosted_ui, &http, &app, "/auth/sign-in").await;
    assert_eq!(store.inner.values().len(), 1);
    // Expired: the next request refreshes; the session is removed just before the refresh
    // writes its tokens.
    clock.advance(TOKEN_SECS + 1);
    store.armed.store(true, std::sync::atomic::Ordering::SeqCst);
    let before = hosted_ui.refreshes();
    let me = http.get(format!("{app}/me")).send().await.unwrap();
    assert_eq!(hosted_ui.refreshes(), before + 1, "the refresh did happen");
    assert_eq!(
        me.status(),
        StatusCode::UNAUTHORIZED,
        "signed out, as the sign-out said"
    );
    assert!(
        store.inner.values().is_empty(),
        "the refresh did not write the removed session back"
    );
    assert!(session_view(&http, &app).await["user"].is_null());
}

/// A callback whose record is written but whose user index fails: no session is made, and
/// the record does not stay behind (a refresh token out of reach of signing out everywhere).
#[tokio::test]
async fn a_sign_in_the_store_half_writes_leaves_nothing_behind() {
    let store = SignOutDuringRefresh::default();
    let (_hosted_ui, app, _clock) = one_app(Arc::new(store.clone()), CLIENT).await;
    let http = browser();
    store
        .index_down
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let callback = callback_url(&http, &app).await;
    let failed = http.get(&callback).send().await.unwrap();
    assert_eq!(failed.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        !set_cookies(failed.headers())
            .iter()
            .any(|c| c.starts_with("lca-session=") && !c.starts_with("lca-session=;")),
        "no session cookie"
    );
    assert!(store.inner.values().is_empty(), "no record left behind");
    // The index back: the next sign-in works.
    store
        .index_down
        .store(false, std::sync::atomic::Ordering::SeqCst);
    let callback = callback_url(&http, &app).await;
    let done = http.get(&callback).send().await.unwrap();
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(session_view(&http, &app).await["user"]["username"], "alice");
    assert_eq!(store.inner.values().len(), 1);
}

/// A refresh made by an instance that cannot read the pool's keys (just started, its key
/// cache empty, the issuer's key endpoint down): the token endpoint's tokens are kept, so
/// the session goes on and, with refresh-token rotation, its new refresh token is not lost.
#[tokio::test]
async fn a_refresh_while_the_keys_are_unreachable_keeps_the_session() {
    let (port_a, port_b) = (port().await, port().await);
    let hosted_ui = hosted_ui(&[&port_a, &port_b]).await;
    let clock = TestClock::default();
    let store: Arc<dyn SessionStore> = Arc::new(MemorySessionStore::new());
    let keys_down = leptos_cognito_auth::ssr::CognitoJwtVerifier::for_issuer(&hosted_ui.issuer())
        .client_id(CLIENT)
        .token_use(leptos_cognito_auth::ssr::ExpectedTokenUse::Id)
        .jwks_url(hosted_ui.url("/nothing/here.json"))
        .build()
        .unwrap();
    let a = sessions(&port_a, &hosted_ui, store.clone(), CLIENT, &clock)
        .build()
        .unwrap();
    let b = sessions(&port_b, &hosted_ui, store, CLIENT, &clock)
        .id_token_verifier(keys_down)
        .build()
        .unwrap();
    let a = serve(port_a, &hosted_ui, a, CLIENT);
    let b = serve(port_b, &hosted_ui, b, CLIENT);
    let http = browser();
    sign_in(&hosted_ui, &http, &a, "/auth/sign-in").await;

    // Expired: B refreshes, and cannot check the new ID token's signature.
    clock.advance(TOKEN_SECS + 1);
    let before = hosted_ui.refreshes();
    let view = session_view(&http, &b).await;
    assert_eq!(hosted_ui.refreshes(), before + 1, "B refreshed");
    assert_eq!(view["user"]["username"], "alice", "kept: {view}");
    assert!(view["error"].is_null(), "{view}");
    let me = http.get(format!("{b}/me")).send().await.unwrap();
    assert_eq!(me.status(), StatusCode::OK, "its access token verifies");

    // Expired again: A refreshes with the refresh token B's refresh brought (rotation
    // without grace: the one before it is spent).
    clock.advance(TOKEN_SECS + 1);
    let view = session_view(&http, &a).await;
    assert_eq!(hosted_ui.refreshes(), before + 2, "A refreshed");
    assert_eq!(view["user"]["username"], "alice", "{view}");
    assert!(view["error"].is_null(), "{view}");
}

#[tokio::test]
async fn three_instances_share_redis_one_refresh_per_expiry_and_survive_a_redis_restart() {
    let Some(mut redis) = Redis::start() else {
        return;
    };
    store_contract(
        &RedisSessionStore::open(&redis.url())
            .unwrap()
            .with_prefix("contract:"),
    )
    .await;

    let ports = [port().await, port().await, port().await];
    let hosted_ui = hosted_ui(&ports.iter().collect::<Vec<_>>()).await;
    let clock = TestClock::default();
    let apps: Vec<String> = ports
        .into_iter()
        .map(|p| {
            // Each instance has its own connection, as separate processes would.
            let store = RedisSessionStore::open(&redis.url())
                .unwrap()
                .with_timeout(Duration::from_millis(500));
            let sessions = sessions(&p, &hosted_ui, Arc::new(store), CLIENT, &clock)
                .build()
                .unwrap();
            serve(p, &hosted_ui, sessions, CLIENT)
        })
        .collect();

    // 2,000 sign-in starts store nothing in Redis either.
    let keys = redis.key_count();
    anonymous_starts(&apps[0], 2_000).await;
    assert_eq!(
        redis.key_count(),
        keys,
        "2,000 sign-in starts stored nothing in Redis"
    );

    let jar = Arc::new(reqwest::cookie::Jar::default());
    let http = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap();
    sign_in(&hosted_ui, &http, &apps[0], "/auth/sign-in?return_to=/me").await;
    // The session made on one instance is there on the others.
    for app in &apps {
        let me = http.get(format!("{app}/me")).send().await.unwrap();
        assert_eq!(me.status(), StatusCode::OK, "{app}");
    }
    // What Redis holds is sealed: no token in a dump.
    let stored = redis.values("leptos-cognito-auth:session:*");
    assert_eq!(stored.len(), 1);
    assert!(!has_jwt(&stored[0]), "no JWT in Redis");

    // Across an expiry, 30 concurrent requests spread over the three instances: one
    // refresh in total (rotation without grace: a second use of the old refresh token
    // would fail and sign the user out).
    for round in 0..2 {
        clock.advance(TOKEN_SECS + 1);
        let before = hosted_ui.refreshes();
        let requests = (0..30).map(|i| {
            let url = format!("{}/me", apps[i % 3]);
            let http = http.clone();
            async move { http.get(url).send().await.map(|r| r.status()) }
        });
        let statuses = futures::future::join_all(requests).await;
        for status in &statuses {
            assert_eq!(
                *status.as_ref().unwrap(),
                StatusCode::OK,
                "round {round}: {statuses:?}"
            );
        }
        assert_eq!(
            hosted_ui.refreshes() - before,
            1,
            "round {round}: one refresh in total"
        );
    }

    // Redis goes away: a clear 503, no panic; the stored session is there again after a
    // restart.
    redis.stop();
    let down = http.get(format!("{}/me", apps[1])).send().await.unwrap();
    assert_eq!(down.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = down.json().await.unwrap();
    assert_eq!(body["error"], "session_store_unavailable");
    // A clear message, without Redis's own words (an address, the system's error), which
    // go to the server's log.
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("session store is unavailable"),
        "{message}"
    );
    for leak in ["Redis", "refused", "os error", "127.0.0.1"] {
        assert!(!message.contains(leak), "{message}");
    }
    redis.restart();
    let mut back = StatusCode::SERVICE_UNAVAILABLE;
    for _ in 0..40 {
        back = http
            .get(format!("{}/me", apps[1]))
            .send()
            .await
            .unwrap()
            .status();
        if back != StatusCode::SERVICE_UNAVAILABLE {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(back, StatusCode::OK, "the stored session works again");
    for app in &apps {
        let me = http.get(format!("{app}/me")).send().await.unwrap();
        assert_eq!(me.status(), StatusCode::OK, "{app} after the restart");
    }

    // Sign-out on one instance ends the session on the others.
    let cookie = {
        use reqwest::cookie::CookieStore as _;
        let url = apps[2].parse().unwrap();
        jar.cookies(&url).unwrap().to_str().unwrap().to_owned()
    };
    let out = sign_out(&http, &apps[2]).await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    // The browser drops the cookie; a copy of it kept elsewhere is worth nothing now.
    for app in &apps {
        let me = reqwest::Client::new()
            .get(format!("{app}/me"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(me.status(), StatusCode::UNAUTHORIZED, "{app}");
    }
}

/// The store key of the session whose cookie is `id` (as the kit forms it: the hash tag of
/// the id's SHA-256), for finding the cluster node that holds it.
fn store_key_of(id: &str) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    let hash = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(id.as_bytes()));
    format!("leptos-cognito-auth:session:{{{hash}}}")
}

/// The session cookie a browser holds for `app`.
fn session_cookie(jar: &reqwest::cookie::Jar, app: &str) -> String {
    use reqwest::cookie::CookieStore as _;
    let cookies = jar.cookies(&app.parse().unwrap()).unwrap();
    cookies
        .to_str()
        .unwrap()
        .split("; ")
        .find_map(|c| c.strip_prefix("lca-session="))
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn redis_in_every_shape_tls_and_a_cluster_with_a_node_down() {
    let Some(tls) = TlsRedis::start() else {
        return;
    };
    // A private CA, trusted through the standard variable.
    std::env::set_var("SSL_CERT_FILE", &tls.ca_file);
    store_contract(
        &RedisSessionStore::open(&tls.url())
            .unwrap()
            .with_prefix("contract:"),
    )
    .await;

    let Some(mut cluster) = RedisCluster::start() else {
        return;
    };
    store_contract(
        &RedisSessionStore::open(&cluster.url())
            .unwrap()
            .with_prefix("contract:"),
    )
    .await;

    // Sessions spread over the cluster's nodes (their keys are random).
    let port = port().await;
    let hosted_ui = hosted_ui(&[&port]).await;
    let clock = TestClock::default();
    let store = RedisSessionStore::open(&cluster.url())
        .unwrap()
        .with_timeout(Duration::from_millis(800));
    let sessions = sessions(&port, &hosted_ui, Arc::new(store), CLIENT, &clock)
        .build()
        .unwrap();
    let app = serve(port, &hosted_ui, sessions, CLIENT);
    let mut browsers: Vec<(reqwest::Client, usize)> = Vec::new();
    while browsers.len() < 12
        && !(browsers.len() >= 4
            && (0..3)
                .filter(|n| browsers.iter().any(|b| b.1 == *n))
                .count()
                >= 2)
    {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let http = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .unwrap();
        sign_in(&hosted_ui, &http, &app, "/auth/sign-in").await;
        let node = cluster.node_of(&store_key_of(&session_cookie(&jar, &app)));
        browsers.push((http, node));
    }
    let down = browsers[0].1;
    assert!(
        browsers.iter().any(|b| b.1 != down),
        "sessions on two nodes"
    );
    for (http, _) in &browsers {
        let me = http.get(format!("{app}/me")).send().await.unwrap();
        assert_eq!(me.status(), StatusCode::OK);
    }

    // One node goes down: its sessions answer 503, the others keep working; nobody is
    // signed out because the store failed.
    cluster.stop(down);
    for (http, node) in &browsers {
        let me = http.get(format!("{app}/me")).send().await.unwrap();
        if *node == down {
            assert_eq!(me.status(), StatusCode::SERVICE_UNAVAILABLE);
            let body: Value = me.json().await.unwrap();
            assert_eq!(body["error"], "session_store_unavailable", "{body}");
        } else {
            assert_eq!(me.status(), StatusCode::OK, "a session on a live node");
        }
    }
    // Back: every session works again.
    cluster.restart(down);
    for (http, _) in &browsers {
        let mut status = StatusCode::SERVICE_UNAVAILABLE;
        for _ in 0..40 {
            status = http.get(format!("{app}/me")).send().await.unwrap().status();
            if status == StatusCode::OK {
                break;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        assert_eq!(status, StatusCode::OK, "every session works again");
    }
}

#[tokio::test]
async fn sessions_end_after_their_inactivity_timeout_and_their_absolute_lifetime() {
    let port = port().await;
    let hosted_ui = hosted_ui(&[&port]).await;
    let clock = TestClock::default();
    let sessions = sessions(
        &port,
        &hosted_ui,
        Arc::new(MemorySessionStore::new()),
        CLIENT,
        &clock,
    )
    .inactivity_timeout(Duration::from_secs(600))
    .absolute_lifetime(Duration::from_secs(1_800))
    .build()
    .unwrap();
    let app = serve(port, &hosted_ui, sessions, CLIENT);
    let me = |http: reqwest::Client| {
        let url = format!("{app}/me");
        async move { http.get(url).send().await.unwrap().status() }
    };

    // Used every 8 minutes: it rolls on (each use moves the inactivity timeout).
    let active = browser();
    sign_in(&hosted_ui, &active, &app, "/auth/sign-in").await;
    for _ in 0..3 {
        clock.advance(480);
        assert_eq!(me(active.clone()).await, StatusCode::OK, "still in use");
    }
    // ...until its absolute lifetime (30 minutes from the sign-in), however active.
    clock.advance(480);
    assert_eq!(
        me(active.clone()).await,
        StatusCode::UNAUTHORIZED,
        "past its absolute lifetime"
    );

    // Left alone for more than 10 minutes: ended.
    let idle = browser();
    sign_in(&hosted_ui, &idle, &app, "/auth/sign-in").await;
    clock.advance(601);
    assert_eq!(
        me(idle.clone()).await,
        StatusCode::UNAUTHORIZED,
        "past its inactivity timeout"
    );
    assert!(session_view(&idle, &app).await["user"].is_null());
}

/// Signs alice in with a new browser (a jar of its own) and returns it.
async fn new_device(hosted_ui: &HostedUi, app: &str, agent: &str) -> reqwest::Client {
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .user_agent(agent)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap();
    // Each device has its own Hosted UI session too: the login form every time.
    sign_in(hosted_ui, &http, app, "/auth/sign-in").await;
    http
}

async fn sessions_list(http: &reqwest::Client, app: &str) -> Vec<Value> {
    let response = http
        .get(format!("{app}/auth/sessions"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    body["sessions"].as_array().unwrap().clone()
}

#[tokio::test]
async fn the_user_lists_their_sessions_and_ends_one() {
    let store = MemorySessionStore::new();
    let (hosted_ui, app, _clock) = one_app(Arc::new(store.clone()), CLIENT).await;
    // Without a session: 401.
    let anonymous = browser();
    let refused = anonymous
        .get(format!("{app}/auth/sessions"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);

    let laptop = new_device(&hosted_ui, &app, "laptop browser").await;
    let phone = new_device(&hosted_ui, &app, "phone browser").await;
    let listed = sessions_list(&laptop, &app).await;
    assert_eq!(listed.len(), 2, "{listed:?}");
    let current: Vec<&Value> = listed.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0]["user_agent"], "laptop browser");
    let phone_id = listed
        .iter()
        .find(|s| s["user_agent"] == "phone browser")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // The id is an opaque handle: not the phone's cookie, not a store key.
    let text = serde_json::to_string(&listed).unwrap();
    assert!(!text.contains("session:"), "{text}");
    for s in &listed {
        assert!(s["created_at"].as_u64().unwrap() > 0 && s["last_seen_at"].as_u64().unwrap() > 0);
    }

    // Ending a session needs the anti-forgery token and this site.
    let csrf = csrf_token(&laptop, &app).await;
    let forged = laptop
        .post(format!("{app}/auth/sessions/revoke"))
        .header("sec-fetch-site", "same-origin")
        .form(&[("id", phone_id.as_str()), ("csrf_token", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let cross = laptop
        .post(format!("{app}/auth/sessions/revoke"))
        .header("sec-fetch-site", "cross-site")
        .form(&[("id", phone_id.as_str()), ("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), StatusCode::FORBIDDEN);
    let revoked_before = hosted_ui.running.emulator.counts().revoked_refresh_tokens;
    let done = laptop
        .post(format!("{app}/auth/sessions/revoke"))
        .header("sec-fetch-site", "same-origin")
        .form(&[
            ("id", phone_id.as_str()),
            ("csrf_token", csrf.as_str()),
            ("return_to", "/account"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&done), "/account");
    // The phone is signed out (its refresh token revoked), the laptop is not.
    assert_eq!(
        phone
            .get(format!("{app}/me"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        laptop
            .get(format!("{app}/me"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    assert!(hosted_ui.running.emulator.counts().revoked_refresh_tokens > revoked_before);
    assert_eq!(sessions_list(&laptop, &app).await.len(), 1);
    // Another user's handle, or a made-up one, ends nothing.
    let unknown = laptop
        .post(format!("{app}/auth/sessions/revoke"))
        .header("sec-fetch-site", "same-origin")
        .form(&[("id", "not-a-handle"), ("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

/// Sign out everywhere from one device: every session of the user ends, on every instance.
async fn sign_out_everywhere(admin_scope: bool) {
    let Some(cluster) = RedisCluster::start() else {
        return;
    };
    let ports = [port().await, port().await, port().await];
    let hosted_ui = hosted_ui(&ports.iter().collect::<Vec<_>>()).await;
    let clock = TestClock::default();
    let apps: Vec<String> = ports
        .into_iter()
        .map(|p| {
            // With the admin scope GlobalSignOut can be used; without it, it cannot.
            let mut scopes = vec!["openid", "email", "profile"];
            if admin_scope {
                scopes.push("aws.cognito.signin.user.admin");
            }
            let builder =
                sessions_with_scopes(&p, &hosted_ui, CLIENT, &clock, &cluster.url(), &scopes);
            serve(p, &hosted_ui, builder.build().unwrap(), CLIENT)
        })
        .collect();
    // Three devices, one per instance, and a session of bob's that must survive.
    let mut devices = Vec::new();
    for (i, app) in apps.iter().enumerate() {
        devices.push(new_device(&hosted_ui, app, &format!("device {i}")).await);
    }
    let bob = browser();
    {
        let start = bob
            .get(format!("{}/auth/sign-in", apps[0]))
            .send()
            .await
            .unwrap();
        let login = bob.get(location(&start)).send().await.unwrap();
        let back = bob
            .post(location(&login))
            .form(&[("username", "bob"), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        bob.get(location(&back)).send().await.unwrap();
    }
    assert_eq!(sessions_list(&devices[0], &apps[0]).await.len(), 3);
    let globals_before = hosted_ui.running.emulator.counts().global_sign_outs;
    let revoked_before = hosted_ui.running.emulator.counts().revoked_refresh_tokens;

    let csrf = csrf_token(&devices[1], &apps[1]).await;
    let out = devices[1]
        .post(format!("{}/auth/sign-out", apps[1]))
        .header("sec-fetch-site", "same-origin")
        .form(&[("csrf_token", csrf.as_str()), ("everywhere", "true")])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert!(
        location(&out).starts_with(&hosted_ui.url("/logout?")),
        "then Cognito's /logout"
    );
    // Every session of alice is 401 on every instance; bob's is not.
    for (device, app) in devices.iter().zip(&apps) {
        assert_eq!(
            device
                .get(format!("{app}/me"))
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        bob.get(format!("{}/me", apps[2]))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let counts = hosted_ui.running.emulator.counts();
    if admin_scope {
        assert_eq!(
            counts.global_sign_outs,
            globals_before + 1,
            "GlobalSignOut was called"
        );
    } else {
        assert_eq!(
            counts.global_sign_outs, globals_before,
            "no GlobalSignOut without the scope"
        );
        assert!(
            counts.revoked_refresh_tokens >= revoked_before + 3,
            "each session's refresh token revoked"
        );
    }
    // Alice's refresh tokens are refused at the Hosted UI: bob's one is the only live one.
    assert_eq!(counts.refresh_tokens - counts.revoked_refresh_tokens, 1);
}

#[tokio::test]
async fn sign_out_everywhere_with_global_sign_out_over_a_cluster() {
    sign_out_everywhere(true).await;
}

#[tokio::test]
async fn sign_out_everywhere_without_the_admin_scope_revokes_each_session() {
    sign_out_everywhere(false).await;
}

/// The value of cookie `name` a browser holds for `app`.
fn cookie_of(jar: &reqwest::cookie::Jar, app: &str, name: &str) -> Option<String> {
    use reqwest::cookie::CookieStore as _;
    let cookies = jar.cookies(&app.parse().unwrap())?;
    let prefix = format!("{name}=");
    cookies
        .to_str()
        .unwrap()
        .split("; ")
        .find_map(|c| c.strip_prefix(prefix.as_str()).map(str::to_owned))
}

#[tokio::test]
async fn the_cookie_store_keeps_the_session_sealed_in_the_browser() {
    const NEW_SECRET: &str = "the rotated secret, at least thirty-two characters";
    let (port_a, port_b) = (port().await, port().await);
    let hosted_ui = hosted_ui(&[&port_a, &port_b]).await;
    let clock = TestClock::default();
    let store: Arc<dyn SessionStore> = Arc::new(CookieSessionStore::new());
    let before = sessions(&port_a, &hosted_ui, store.clone(), CLIENT, &clock)
        .build()
        .unwrap();
    // The same app after a key rotation: the new secret seals, the old one still opens.
    let rotated = sessions_with_secrets(
        &port_b,
        &hosted_ui,
        store.clone(),
        CLIENT,
        &clock,
        &[NEW_SECRET, SECRET],
    )
    .build()
    .unwrap();
    let app = serve(port_a, &hosted_ui, before, CLIENT);
    let app_rotated = serve(port_b, &hosted_ui, rotated, CLIENT);
    // A browser with a jar the test can read and change (each with its own Hosted UI
    // session: the login form every time).
    let browser = || {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let http = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .unwrap();
        (jar, http)
    };
    let (jar, http) = browser();

    // Signed in: the session travels sealed in the browser's cookies, no token readable.
    sign_in(&hosted_ui, &http, &app, "/private").await;
    let record = cookie_of(&jar, &app, "lca-session-record.0").expect("the record cookie");
    assert!(record.len() > 1_000, "{} characters", record.len());
    let chunks = (0..8)
        .filter(|i| cookie_of(&jar, &app, &format!("lca-session-record.{i}")).is_some())
        .count();
    eprintln!(
        "figure: cookie store: the session takes {} characters in {chunks} cookie(s) \
         (local Hosted UI tokens)",
        record.len()
    );
    assert!(!has_jwt(&record));
    let me = http.get(format!("{app}/me")).send().await.unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    assert!(me.text().await.unwrap().contains("\"alice\""));

    // Expired: concurrent requests of the browser share one refresh, and a new record is set.
    let refreshes = hosted_ui.refreshes();
    clock.advance(TOKEN_SECS + 1);
    let answers =
        futures::future::join_all((0..4).map(|_| http.get(format!("{app}/me")).send())).await;
    for answer in answers {
        assert_eq!(answer.unwrap().status(), StatusCode::OK);
    }
    assert_eq!(hosted_ui.refreshes(), refreshes + 1);
    let refreshed = cookie_of(&jar, &app, "lca-session-record.0").unwrap();
    assert_ne!(refreshed, record);

    // The rotated app opens the cookie sealed with the old secret...
    let me = http.get(format!("{app_rotated}/me")).send().await.unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    // ...and what it seals next (a refresh) uses the new secret, which the old app lacks.
    clock.advance(TOKEN_SECS + 1);
    let me = http.get(format!("{app_rotated}/me")).send().await.unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    assert_eq!(hosted_ui.refreshes(), refreshes + 2);
    let me = http.get(format!("{app}/me")).send().await.unwrap();
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
    assert!(
        cookie_of(&jar, &app, "lca-session-record.0").is_none(),
        "cleaned up"
    );

    // Sign-out removes the record cookies.
    let (jar, http) = browser();
    sign_in(&hosted_ui, &http, &app, "/private").await;
    let out = sign_out(&http, &app).await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert!(cookie_of(&jar, &app, "lca-session-record.0").is_none());
    assert_eq!(
        http.get(format!("{app}/me")).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );

    // A tampered record reads as signed out, and its cookies are cleared.
    let (jar, http) = browser();
    sign_in(&hosted_ui, &http, &app, "/private").await;
    let mut value = cookie_of(&jar, &app, "lca-session-record.0")
        .unwrap()
        .into_bytes();
    value[200] = if value[200] == b'A' { b'B' } else { b'A' };
    jar.add_cookie_str(
        &format!(
            "lca-session-record.0={}; Path=/",
            String::from_utf8(value).unwrap()
        ),
        &app.parse().unwrap(),
    );
    let me = http.get(format!("{app}/me")).send().await.unwrap();
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
    let cleared = set_cookies(me.headers()).join("\n");
    assert!(cleared.contains("lca-session-record.0=;"), "{cleared}");
    assert!(cleared.contains("lca-session=;"), "{cleared}");
}
