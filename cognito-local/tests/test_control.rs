//! The test-only control surface: off by default; fault injection into `/oauth2/token`,
//! revoking a user's refresh tokens, reset.

mod common;

use std::time::{Duration, Instant};

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn post_json(h: &Harness, path: &str, body: Value) -> reqwest::Response {
    h.http.post(h.url(path)).json(&body).send().await.unwrap()
}

async fn refresh_status(h: &Harness, refresh: &str) -> StatusCode {
    h.refresh(refresh).await.status()
}

#[tokio::test]
async fn control_surface_is_off_unless_enabled() {
    let h = start().await;
    let response = post_json(
        &h,
        "/_test/faults/token",
        json!({ "fault": "server_error" }),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(h.get("/_test/state").await.status(), StatusCode::NOT_FOUND);
    let response = h
        .http
        .post(h.url("/_test/users/alice/revoke-refresh-tokens"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn server_error_fault_answers_500_for_the_next_n_calls() {
    let h = start_with(|c| c.enable_test_control = true).await;
    let body = h.tokens_for("alice", &[]).await;
    let refresh = body["refresh_token"].as_str().unwrap();
    let response = post_json(
        &h,
        "/_test/faults/token",
        json!({ "fault": "server_error", "count": 2 }),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.json::<Value>().await.unwrap()["queued"], 2);
    assert_eq!(
        refresh_status(&h, refresh).await,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    assert_eq!(
        refresh_status(&h, refresh).await,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    assert_eq!(refresh_status(&h, refresh).await, StatusCode::OK);
}

#[tokio::test]
async fn hang_fault_delays_then_answers_normally() {
    let h = start_with(|c| c.enable_test_control = true).await;
    let body = h.tokens_for("alice", &[]).await;
    let refresh = body["refresh_token"].as_str().unwrap();
    post_json(
        &h,
        "/_test/faults/token",
        json!({ "fault": "hang", "ms": 700 }),
    )
    .await;
    let started = Instant::now();
    assert_eq!(refresh_status(&h, refresh).await, StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(700));
    // a client with a shorter timeout gives up
    post_json(
        &h,
        "/_test/faults/token",
        json!({ "fault": "hang", "ms": 2000 }),
    )
    .await;
    let result = h
        .http
        .post(h.url("/oauth2/token"))
        .timeout(Duration::from_millis(200))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", SPA),
            ("refresh_token", refresh),
        ])
        .send()
        .await;
    assert!(result.is_err_and(|e| e.is_timeout()));
}

#[tokio::test]
async fn malformed_json_fault() {
    let h = start_with(|c| c.enable_test_control = true).await;
    let code = h.code_for("alice", &[]).await;
    post_json(
        &h,
        "/_test/faults/token",
        json!({ "fault": "malformed_json" }),
    )
    .await;
    let response = h
        .token(&[
            ("grant_type", "authorization_code"),
            ("client_id", SPA),
            ("code", &code),
            ("redirect_uri", CALLBACK),
            ("code_verifier", VERIFIER),
        ])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_err());
    // the fault answered before the code was looked at: the code still works once
    h.exchange(&code).await;
}

#[tokio::test]
async fn faults_queue_in_order_and_can_be_cleared() {
    let h = start_with(|c| c.enable_test_control = true).await;
    let body = h.tokens_for("alice", &[]).await;
    let refresh = body["refresh_token"].as_str().unwrap();
    post_json(
        &h,
        "/_test/faults/token",
        json!({ "fault": "server_error" }),
    )
    .await;
    post_json(
        &h,
        "/_test/faults/token",
        json!({ "fault": "malformed_json" }),
    )
    .await;
    assert_eq!(
        refresh_status(&h, refresh).await,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    let response = h.refresh(refresh).await;
    assert!(response.json::<Value>().await.is_err());
    post_json(
        &h,
        "/_test/faults/token",
        json!({ "fault": "server_error", "count": 5 }),
    )
    .await;
    let state: Value = h.get("/_test/state").await.json().await.unwrap();
    assert_eq!(state["queued_token_faults"], 5);
    let response = h.http.delete(h.url("/_test/faults")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(refresh_status(&h, refresh).await, StatusCode::OK);

    // bad requests to the control surface
    for body in [
        json!({ "fault": "explode" }),
        json!({ "fault": "hang" }),
        json!({ "fault": "server_error", "count": 0 }),
    ] {
        let response = post_json(&h, "/_test/faults/token", body).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    }
    let response = h
        .http
        .post(h.url("/_test/faults/token"))
        .body("not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn revoking_a_users_refresh_tokens() {
    let h = start_with(|c| c.enable_test_control = true).await;
    let alice1 = h.tokens_for("alice", &[]).await;
    let alice2 = h.tokens_for("alice", &[]).await;
    let bob = h.tokens_for("bob", &[]).await;
    let response = h
        .http
        .post(h.url("/_test/users/alice/revoke-refresh-tokens"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.json::<Value>().await.unwrap()["revoked"], 2);
    for tokens in [&alice1, &alice2] {
        let response = h.refresh(tokens["refresh_token"].as_str().unwrap()).await;
        assert_eq!(
            oauth_error(response, StatusCode::BAD_REQUEST).await,
            "invalid_grant"
        );
        let access = tokens["access_token"].as_str().unwrap();
        assert_eq!(h.userinfo(access).await.status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        refresh_status(&h, bob["refresh_token"].as_str().unwrap()).await,
        StatusCode::OK
    );
    let response = h
        .http
        .post(h.url("/_test/users/nobody/revoke-refresh-tokens"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn reset_forgets_everything() {
    let h = start_with(|c| c.enable_test_control = true).await;
    let body = h.tokens_for("alice", &[]).await;
    let response = h.http.post(h.url("/_test/reset")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let state: Value = h.get("/_test/state").await.json().await.unwrap();
    assert_eq!(
        state,
        json!({
            "codes": 0,
            "refresh_tokens": 0,
            "revoked_refresh_tokens": 0,
            "sessions": 0,
            "queued_token_faults": 0,
            "token_requests": {},
            "global_sign_outs": 0,
        })
    );
    let response = h.refresh(body["refresh_token"].as_str().unwrap()).await;
    assert_eq!(
        oauth_error(response, StatusCode::BAD_REQUEST).await,
        "invalid_grant"
    );
}

#[tokio::test]
async fn made_up_grant_types_and_huge_fault_counts_are_bounded() {
    let h = start_with(|c| c.enable_test_control = true).await;
    // Requests with grant types Cognito does not know share one counter.
    for i in 0..50 {
        let response = h
            .http
            .post(h.url("/oauth2/token"))
            .form(&[("grant_type", format!("made-up-{i}"))])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    }
    let state: Value = h.get("/_test/state").await.json().await.unwrap();
    assert_eq!(state["token_requests"], json!({ "other": 50 }));
    // Fault counts add up without overflowing.
    for _ in 0..2 {
        let response = post_json(
            &h,
            "/_test/faults/token",
            json!({ "fault": "server_error", "count": 3_000_000_000_u32 }),
        )
        .await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let state: Value = h.get("/_test/state").await.json().await.unwrap();
    assert_eq!(state["queued_token_faults"], u32::MAX);
}
