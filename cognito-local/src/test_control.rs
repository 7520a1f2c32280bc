//! The test-only control surface, mounted under `/_test` only when enabled: fault injection
//! into `/oauth2/token`, revoking a user's refresh tokens, resetting state.
//!
//! | route | body | effect |
//! |---|---|---|
//! | `POST /_test/faults/token` | `{"fault": "server_error", "count": 2}` | the next 2 token calls answer 500 |
//! | | `{"fault": "hang", "ms": 3000}` | the next token call waits 3 s, then answers normally |
//! | | `{"fault": "malformed_json"}` | the next token call answers 200 with broken JSON |
//! | `DELETE /_test/faults` | | forgets queued faults |
//! | `POST /_test/users/{username}/revoke-refresh-tokens` | | revokes all the user's refresh tokens (and their access tokens) |
//! | `POST /_test/reset` | | forgets codes, tokens, sessions and faults |
//! | `GET /_test/state` | | counts of codes, refresh tokens, sessions, queued faults, and token requests by `grant_type` |
//!
//! `count` defaults to 1. Faults queue up and are consumed in order.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::fault::Fault;
use super::state::{SharedEmulator, StateCounts};

#[derive(Debug, Deserialize)]
struct FaultRequest {
    #[serde(flatten)]
    fault: Fault,
    #[serde(default = "one")]
    count: u32,
}

fn one() -> u32 {
    1
}

async fn queue_token_fault(State(emulator): State<SharedEmulator>, body: Bytes) -> Response {
    let request: FaultRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({ "error": "invalid_request", "error_description": e.to_string() })),
            )
                .into_response()
        }
    };
    if request.count == 0 {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": "invalid_request", "error_description": "count must be at least 1" })),
        )
            .into_response();
    }
    let mut store = emulator.store();
    store.token_faults.push_back((request.fault, request.count));
    let queued = store.queued_token_faults();
    Json(json!({ "queued": queued })).into_response()
}

async fn clear_faults(State(emulator): State<SharedEmulator>) -> StatusCode {
    emulator.store().token_faults.clear();
    StatusCode::NO_CONTENT
}

async fn revoke_user(
    State(emulator): State<SharedEmulator>,
    Path(username): Path<String>,
) -> Response {
    if emulator.config.user(&username).is_none() {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({ "error": "not_found", "error_description": format!("no user {username:?}") })),
        )
            .into_response();
    }
    let mut store = emulator.store();
    let origins: Vec<String> = store
        .refresh_tokens
        .values()
        .filter(|r| r.grant.username == username && !r.revoked)
        .map(|r| r.grant.origin_jti.clone())
        .collect();
    let revoked = store
        .refresh_tokens
        .values()
        .filter(|r| r.grant.username == username && !r.revoked)
        .count();
    let until = emulator.revocation_horizon();
    for origin in origins {
        store.revoke_origin(&origin, until);
    }
    Json(json!({ "revoked": revoked })).into_response()
}

async fn reset(State(emulator): State<SharedEmulator>) -> StatusCode {
    let mut store = emulator.store();
    *store = Default::default();
    StatusCode::NO_CONTENT
}

async fn state_counts(State(emulator): State<SharedEmulator>) -> Json<StateCounts> {
    Json(emulator.counts())
}

/// The `/_test` routes.
pub fn routes() -> Router<SharedEmulator> {
    Router::new()
        .route("/_test/faults/token", post(queue_token_fault))
        .route("/_test/faults", delete(clear_faults))
        .route(
            "/_test/users/{username}/revoke-refresh-tokens",
            post(revoke_user),
        )
        .route("/_test/reset", post(reset))
        .route("/_test/state", get(state_counts))
}
