//! The axum extractor (`VerifiedUser`, `Option<VerifiedUser>`, `AuthRejection`) driven
//! through routers in-process, and `require_user` / `require_group` inside a Leptos
//! reactive owner as a server function sees it.
#![cfg(all(feature = "ssr", not(target_arch = "wasm32")))]

#[path = "verifier_support.rs"]
mod support;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::{Extension, Router};
use leptos::prelude::{provide_context, Owner, ServerFnError};
use leptos::reactive::computed::ScopedFuture;
use leptos_axum::ResponseOptions;
use leptos_cognito_auth::ssr::{
    require_group, require_user, AuthRejection, CognitoJwtVerifier, ExpectedTokenUse, VerifiedUser,
};
use serde_json::{json, Value};
use support::*;
use tower::ServiceExt as _;

async fn me(user: VerifiedUser) -> String {
    json!({ "username": user.username(), "sub": user.sub() }).to_string()
}

async fn admin(user: VerifiedUser) -> Result<&'static str, AuthRejection> {
    user.require_group("billing")?;
    Ok("admin data")
}

async fn maybe(user: Option<VerifiedUser>) -> String {
    match user {
        Some(user) => format!("hello {}", user.username().unwrap_or("?")),
        None => "hello stranger".to_owned(),
    }
}

fn app(verifier: CognitoJwtVerifier) -> Router {
    Router::new()
        .route("/api/me", get(me))
        .route("/api/admin", get(admin))
        .route("/", get(maybe))
        .with_state(verifier)
}

/// A `GET` of `path` with `headers`.
async fn call(app: &Router, path: &str, headers: &[(&str, &str)]) -> (StatusCode, Response) {
    send(app, "GET", path, headers).await
}

/// A `POST` of `path` with `headers` (and no body).
async fn post(app: &Router, path: &str, headers: &[(&str, &str)]) -> (StatusCode, Response) {
    send(app, "POST", path, headers).await
}

async fn send(
    app: &Router,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, Response) {
    let mut request = Request::builder().method(method).uri(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    (response.status(), response)
}

async fn body_json(response: Response) -> Value {
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

fn www_authenticate(response: &Response) -> String {
    response
        .headers()
        .get(header::WWW_AUTHENTICATE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

#[tokio::test]
async fn valid_tampered_missing_and_forbidden() {
    let (a, _) = keys();
    let (verifier, _) = verifier(ExpectedTokenUse::Access);
    let app = app(verifier);
    let token = a.sign(&access_claims());

    let (status, response) = call(&app, "/api/me", &[("authorization", &bearer(&token))]).await;
    assert_eq!(status, StatusCode::OK);
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap(),
        json!({"username": "alice", "sub": "0f5e-alice"})
    );
    // The scheme is case-insensitive.
    let (status, _) = call(
        &app,
        "/api/me",
        &[("authorization", &format!("bearer {token}"))],
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    // One payload byte changed.
    let (h, rest) = token.split_once('.').unwrap();
    let mut payload = rest.as_bytes().to_vec();
    payload[20] = if payload[20] == b'x' { b'y' } else { b'x' };
    let tampered = format!("{h}.{}", String::from_utf8(payload).unwrap());
    let (status, response) = call(&app, "/api/me", &[("authorization", &bearer(&tampered))]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        www_authenticate(&response),
        r#"Bearer error="invalid_token", error_description="the token's signature is invalid""#
    );
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
    assert_eq!(
        body_json(response).await,
        json!({"error": "bad_signature", "message": "the token's signature is invalid"})
    );

    // No token at all: a bare challenge, no error code (RFC 6750 3.1).
    for headers in [&[][..], &[("authorization", "Basic YWxpY2U6cHc=")][..]] {
        let (status, response) = call(&app, "/api/me", headers).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(www_authenticate(&response), "Bearer");
        assert_eq!(body_json(response).await["error"], "missing_token");
    }
    // An empty bearer value, or two Authorization headers: malformed.
    let (status, response) = call(&app, "/api/me", &[("authorization", "Bearer ")]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body_json(response).await["error"], "malformed");
    let auth = bearer(&token);
    let (status, response) = call(
        &app,
        "/api/me",
        &[("authorization", &auth), ("authorization", &auth)],
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body_json(response).await["error"], "malformed");

    // A valid token without the route's group: 403 insufficient_scope.
    let (status, response) = call(&app, "/api/admin", &[("authorization", &auth)]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        www_authenticate(&response).starts_with(r#"Bearer error="insufficient_scope""#),
        "{}",
        www_authenticate(&response)
    );
    assert_eq!(body_json(response).await["error"], "missing_group");
    let billing = a.sign(&with(
        access_claims(),
        json!({"cognito:groups": ["billing"]}),
    ));
    let (status, _) = call(&app, "/api/admin", &[("authorization", &bearer(&billing))]).await;
    assert_eq!(status, StatusCode::OK);

    // Expired: 401 with the reason.
    let expired = a.sign(&with(access_claims(), json!({"exp": NOW - 3600})));
    let (status, response) = call(&app, "/api/me", &[("authorization", &bearer(&expired))]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(www_authenticate(&response).contains("the token has expired"));
    assert_eq!(body_json(response).await["error"], "expired");
}

#[tokio::test]
async fn optional_user_renders_for_everyone_but_refuses_bad_tokens() {
    let (a, _) = keys();
    let (verifier, _) = verifier(ExpectedTokenUse::Access);
    let app = app(verifier);
    let (status, response) = call(&app, "/", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let body = axum::body::to_bytes(response.into_body(), 1024)
        .await
        .unwrap();
    assert_eq!(&body[..], b"hello stranger");
    let token = a.sign(&access_claims());
    let (_, response) = call(&app, "/", &[("authorization", &bearer(&token))]).await;
    let body = axum::body::to_bytes(response.into_body(), 1024)
        .await
        .unwrap();
    assert_eq!(&body[..], b"hello alice");
    let (status, _) = call(&app, "/", &[("authorization", "Bearer x.y.z")]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn scope_requirement_names_the_scope() {
    let (a, _) = keys();
    let fetcher = Fetcher::new(jwks_of(&[a]));
    let verifier = fetcher
        .install(builder().require_scope("api/write"))
        .build()
        .unwrap();
    let app = app(verifier);
    let token = a.sign(&access_claims());
    let (status, response) = call(&app, "/api/me", &[("authorization", &bearer(&token))]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        www_authenticate(&response),
        r#"Bearer error="insufficient_scope", error_description="the token lacks the required scope `api/write`", scope="api/write""#
    );
    assert_eq!(body_json(response).await["error"], "missing_scope");
}

#[tokio::test]
async fn cookie_mode_extension_lookup_and_server_errors() {
    let (a, b) = keys();
    let fetcher = Fetcher::new(jwks_of(&[a, b]));
    let verifier = fetcher
        .install(builder().token_cookie("cognito_access_token"))
        .build()
        .unwrap();
    // Verifier as an Extension, router state `()`.
    let app: Router = Router::new()
        .route("/api/me", get(me).post(me))
        .layer(Extension(verifier.clone()));
    let token = a.sign(&access_claims());
    let cookie = format!("theme=dark; cognito_access_token={token}; other=1");
    let (status, _) = call(&app, "/api/me", &[("cookie", &cookie)]).await;
    assert_eq!(status, StatusCode::OK);
    // A link followed from another site: the cookie acts (nothing changes).
    let cross = [
        ("cookie", cookie.as_str()),
        ("sec-fetch-site", "cross-site"),
    ];
    let (status, _) = call(&app, "/api/me", &cross).await;
    assert_eq!(status, StatusCode::OK);
    // A state change another site made (a form posted from a sibling subdomain, a site the
    // cookie's SameSite let through): the cookie is no token (CSRF).
    for site in ["cross-site", "same-site"] {
        let headers = [("cookie", cookie.as_str()), ("sec-fetch-site", site)];
        let (status, response) = post(&app, "/api/me", &headers).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{site}");
        assert_eq!(body_json(response).await["error"], "missing_token");
    }
    let foreign = [
        ("cookie", cookie.as_str()),
        ("host", "app.example"),
        ("origin", "https://evil.example"),
    ];
    assert_eq!(
        post(&app, "/api/me", &foreign).await.0,
        StatusCode::UNAUTHORIZED
    );
    // This site's own state change acts; so does a bearer token sent cross-site (no
    // browser sends one on its own).
    let own = [
        ("cookie", cookie.as_str()),
        ("sec-fetch-site", "same-origin"),
    ];
    assert_eq!(post(&app, "/api/me", &own).await.0, StatusCode::OK);
    let bearer_cross = [
        ("authorization", &*bearer(&token)),
        ("sec-fetch-site", "cross-site"),
    ];
    assert_eq!(post(&app, "/api/me", &bearer_cross).await.0, StatusCode::OK);
    // require_user reads the cookie by the same rule.
    for (method, site, ok) in [
        ("POST", "same-origin", true),
        ("POST", "cross-site", false),
        ("GET", "cross-site", true),
    ] {
        let request = Request::builder()
            .method(method)
            .uri("/api/whoami")
            .header("cookie", &cookie)
            .header("sec-fetch-site", site);
        let (user, _) = in_request(request, Some(verifier.clone()), false, require_user()).await;
        assert_eq!(user.is_ok(), ok, "{method} {site}: {user:?}");
    }
    // The Authorization header wins over the cookie.
    let (status, response) = call(
        &app,
        "/api/me",
        &[("cookie", &cookie), ("authorization", "Bearer a.b.c")],
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body_json(response).await["error"], "malformed");
    // Another cookie name is not read.
    let (status, _) = call(&app, "/api/me", &[("cookie", &format!("id_token={token}"))]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // No verifier anywhere: 500, not a challenge.
    let bare: Router = Router::new().route("/api/me", get(me));
    let (status, response) = call(&bare, "/api/me", &[("authorization", &bearer(&token))]).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(www_authenticate(&response), "");
    assert_eq!(body_json(response).await["error"], "verifier_missing");

    // JWKS down: 503, no challenge (the client's token may be fine).
    let down = Fetcher::new(Vec::new());
    down.answer(Err("connection refused".into()));
    let app = self::app(down.install(builder()).build().unwrap());
    let (status, response) = call(&app, "/api/me", &[("authorization", &bearer(&token))]).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(www_authenticate(&response), "");
    let body = body_json(response).await;
    assert_eq!(body["error"], "jwks_unavailable");
    assert!(!body["message"].as_str().unwrap().contains("refused"));
}

/// Runs `f` as a server function would: inside an owner with the request parts, the
/// verifier and `ResponseOptions` in context.
async fn in_server_fn<T>(
    verifier: Option<CognitoJwtVerifier>,
    authorization: Option<&str>,
    f: impl std::future::Future<Output = T>,
) -> (T, ResponseOptions) {
    let mut request = Request::builder().uri("/api/whoami");
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    in_request(request, verifier, false, f).await
}

/// Runs `f` for `request` as `leptos_axum` runs it: in a server function's own request, or
/// while it renders a page (`page`: the page's URL is in context too).
async fn in_request<T>(
    request: axum::http::request::Builder,
    verifier: Option<CognitoJwtVerifier>,
    page: bool,
    f: impl std::future::Future<Output = T>,
) -> (T, ResponseOptions) {
    let (parts, ()) = request.body(()).unwrap().into_parts();
    let response = ResponseOptions::default();
    let owner = Owner::new();
    let fut = owner.with(|| {
        if page {
            provide_context(leptos_router::location::RequestUrl::new("/account"));
        }
        provide_context(parts);
        provide_context(response.clone());
        if let Some(verifier) = verifier {
            provide_context(verifier);
        }
        ScopedFuture::new(f)
    });
    (fut.await, response)
}

fn message(err: ServerFnError) -> String {
    match err {
        ServerFnError::ServerError(message) => message,
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn require_user_in_a_server_function() {
    let (a, _) = keys();
    let (verifier, _) = verifier(ExpectedTokenUse::Access);
    let token = a.sign(&access_claims());

    let (user, response) = in_server_fn(
        Some(verifier.clone()),
        Some(&bearer(&token)),
        require_user(),
    )
    .await;
    assert_eq!(user.unwrap().username(), Some("alice"));
    assert_eq!(response.0.read().unwrap().status, None);

    let (err, response) = in_server_fn(Some(verifier.clone()), None, require_user()).await;
    assert_eq!(
        message(err.unwrap_err()),
        "missing_token: no bearer token was sent"
    );
    assert_eq!(
        response.0.read().unwrap().status,
        Some(StatusCode::UNAUTHORIZED)
    );

    let expired = a.sign(&with(access_claims(), json!({"exp": NOW - 3600})));
    let (err, response) = in_server_fn(
        Some(verifier.clone()),
        Some(&bearer(&expired)),
        require_user(),
    )
    .await;
    assert_eq!(message(err.unwrap_err()), "expired: the token has expired");
    let parts = response.0.read().unwrap().clone();
    assert_eq!(parts.status, Some(StatusCode::UNAUTHORIZED));
    assert!(parts.headers[header::WWW_AUTHENTICATE]
        .to_str()
        .unwrap()
        .contains("invalid_token"));

    let (user, _) = in_server_fn(
        Some(verifier.clone()),
        Some(&bearer(&token)),
        require_group("admin"),
    )
    .await;
    assert!(user.is_ok());
    let (err, response) = in_server_fn(
        Some(verifier.clone()),
        Some(&bearer(&token)),
        require_group("billing"),
    )
    .await;
    assert_eq!(
        message(err.unwrap_err()),
        "missing_group: the user is not in the required group `billing`"
    );
    assert_eq!(
        response.0.read().unwrap().status,
        Some(StatusCode::FORBIDDEN)
    );

    let (err, response) = in_server_fn(None, Some(&bearer(&token)), require_user()).await;
    assert!(message(err.unwrap_err()).starts_with("verifier_missing: "));
    assert_eq!(
        response.0.read().unwrap().status,
        Some(StatusCode::INTERNAL_SERVER_ERROR)
    );

    // Called while a page renders on the server (a resource of a page everyone may see):
    // the same error, but the page keeps its status and gets no challenge.
    let page = Request::builder().uri("/account");
    let (err, response) = in_request(page, Some(verifier.clone()), true, require_user()).await;
    assert_eq!(
        message(err.unwrap_err()),
        "missing_token: no bearer token was sent"
    );
    let parts = response.0.read().unwrap().clone();
    assert_eq!(parts.status, None);
    assert!(parts.headers.get(header::WWW_AUTHENTICATE).is_none());

    // Outside any request: a clear error, no panic.
    let err = Owner::new()
        .with(|| ScopedFuture::new(require_user()))
        .await;
    assert!(message(err.unwrap_err()).starts_with("require_user: no request to read"));
}
