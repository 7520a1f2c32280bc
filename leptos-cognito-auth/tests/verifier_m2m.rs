//! Machine-to-machine access tokens (Cognito's `client_credentials` grant: no `username`,
//! `sub` = `client_id` = the app client id, custom scopes), signed with the test keys: the
//! verifier accepts them with typed claims, the scope checks (`VerifiedUser::require_scope`,
//! the verifier's `require_scope`, the axum extractor's 403, `ssr::require_scope` in a server
//! function) apply to them, and the other checks still hold.
#![cfg(all(feature = "ssr", not(target_arch = "wasm32")))]

#[path = "verifier_support.rs"]
mod support;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::routing::get;
use axum::Router;
use leptos::prelude::{provide_context, Owner, ServerFnError};
use leptos::reactive::computed::ScopedFuture;
use leptos_axum::ResponseOptions;
use leptos_cognito_auth::ssr::{
    require_scope, AuthRejection, ExpectedTokenUse, TokenUse, VerifiedUser,
};
use serde_json::{json, Value};
use support::*;
use tower::ServiceExt as _;

/// Cognito-shaped client-credentials access token claims for [`CLIENT`], valid at [`NOW`].
fn m2m_claims() -> Value {
    json!({
        "sub": CLIENT, "token_use": "access", "scope": "orders-api/read orders-api/write",
        "auth_time": NOW - 10, "iss": ISSUER, "exp": NOW + 3600, "iat": NOW - 10,
        "version": 2, "jti": "j-m2m", "client_id": CLIENT,
    })
}

fn run<T>(fut: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(fut)
}

#[test]
fn accepts_a_machine_token_with_typed_claims() {
    let (a, b) = keys();
    run(async {
        let (v, _) = verifier(ExpectedTokenUse::Access);
        let token = b.sign(&m2m_claims());
        let caller = v.verify(&token).await.expect("a machine token verifies");
        assert_eq!(caller.token_use(), TokenUse::Access);
        assert_eq!(caller.username(), None);
        assert_eq!((caller.sub(), caller.client_id()), (CLIENT, CLIENT));
        assert_eq!(caller.scopes(), ["orders-api/read", "orders-api/write"]);
        assert!(caller.groups().is_empty());
        assert!(caller.is_machine());
        assert!(caller.require_scope("orders-api/read").is_ok());
        let err = caller.require_scope("orders-api/delete").unwrap_err();
        assert_eq!((err.code(), err.status()), ("missing_scope", 403));

        // A user's access token is no machine's; nor is a token whose sub is not the client.
        let user = v.verify(&a.sign(&access_claims())).await.unwrap();
        assert!(!user.is_machine());
        let odd = v
            .verify(&b.sign(&with(m2m_claims(), json!({"sub": "someone-else"}))))
            .await
            .unwrap();
        assert!(!odd.is_machine());
    });
}

#[test]
fn the_other_checks_still_apply_to_machine_tokens() {
    let (_, b) = keys();
    run(async {
        let (v, fetcher) = verifier(ExpectedTokenUse::Access);
        for (changes, code) in [
            (
                json!({"client_id": "other-client", "sub": "other-client"}),
                "wrong_client",
            ),
            (
                json!({"iss": UPDATED_ISSUER.replace("TestPool1", "Other")}),
                "wrong_issuer",
            ),
            (json!({"exp": NOW - 3600}), "expired"),
            (json!({"token_use": "id"}), "wrong_token_use"),
            (json!({"scope": 7}), "malformed"),
        ] {
            let err = v
                .verify(&b.sign(&with(m2m_claims(), changes.clone())))
                .await
                .unwrap_err();
            assert_eq!(err.code(), code, "{changes}");
        }
        // A verifier that wants ID tokens refuses it.
        let id_only = fetcher
            .install(builder().token_use(ExpectedTokenUse::Id))
            .build()
            .unwrap();
        assert_eq!(
            id_only
                .verify(&b.sign(&m2m_claims()))
                .await
                .unwrap_err()
                .code(),
            "wrong_token_use"
        );
        // A scope the verifier itself requires.
        let reader = fetcher
            .install(builder().require_scope("orders-api/read"))
            .build()
            .unwrap();
        assert!(reader.verify(&b.sign(&m2m_claims())).await.is_ok());
        let read_only = with(m2m_claims(), json!({"scope": "orders-api/write"}));
        assert_eq!(
            reader.verify(&b.sign(&read_only)).await.unwrap_err().code(),
            "missing_scope"
        );
    });
}

async fn orders(caller: VerifiedUser) -> Result<String, AuthRejection> {
    caller.require_scope("orders-api/read")?;
    Ok(format!("orders for {}", caller.client_id()))
}

async fn get_orders(app: &Router, token: &str) -> (StatusCode, String, String) {
    let request = Request::builder()
        .uri("/api/orders")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let challenge = response
        .headers()
        .get(header::WWW_AUTHENTICATE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (
        status,
        String::from_utf8_lossy(&body).into_owned(),
        challenge,
    )
}

#[tokio::test]
async fn the_extractor_serves_machines_by_scope() {
    let (_, b) = keys();
    let (v, _) = verifier(ExpectedTokenUse::Access);
    let app = Router::new()
        .route("/api/orders", get(orders))
        .with_state(v);
    let (status, body, _) = get_orders(&app, &b.sign(&m2m_claims())).await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::OK, "orders for test-client")
    );

    let write_only = b.sign(&with(m2m_claims(), json!({"scope": "orders-api/write"})));
    let (status, body, challenge) = get_orders(&app, &write_only).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["error"],
        "missing_scope"
    );
    assert!(
        challenge.contains(r#"error="insufficient_scope""#)
            && challenge.contains(r#"scope="orders-api/read""#),
        "{challenge}"
    );
}

/// Runs `f` as a server function would: inside an owner with the request parts, the
/// verifier and `ResponseOptions` in context.
async fn in_server_fn<T>(
    token: &str,
    f: impl std::future::Future<Output = T>,
) -> (T, ResponseOptions) {
    let (v, _) = verifier(ExpectedTokenUse::Access);
    let request = Request::builder()
        .uri("/api/orders_report")
        .header("authorization", format!("Bearer {token}"));
    let (parts, ()) = request.body(()).unwrap().into_parts();
    let response = ResponseOptions::default();
    let owner = Owner::new();
    let fut = owner.with(|| {
        provide_context(parts);
        provide_context(response.clone());
        provide_context(v);
        ScopedFuture::new(f)
    });
    (fut.await, response)
}

#[tokio::test]
async fn require_scope_in_a_server_function() {
    let (_, b) = keys();
    let token = b.sign(&m2m_claims());
    let (caller, response) = in_server_fn(&token, require_scope("orders-api/read")).await;
    assert!(caller.unwrap().is_machine());
    assert_eq!(response.0.read().unwrap().status, None);

    let (err, response) = in_server_fn(&token, require_scope("orders-api/delete")).await;
    match err.unwrap_err() {
        ServerFnError::ServerError(message) => assert!(
            message.starts_with("missing_scope: ") && message.contains("orders-api/delete"),
            "{message}"
        ),
        other => panic!("unexpected {other:?}"),
    }
    let parts = response.0.read().unwrap().clone();
    assert_eq!(parts.status, Some(StatusCode::FORBIDDEN));
    assert!(parts.headers[header::WWW_AUTHENTICATE]
        .to_str()
        .unwrap()
        .contains("insufficient_scope"));
}
