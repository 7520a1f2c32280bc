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

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::responses::oauth_error;
use super::state::{Emulator, SharedEmulator, StateCounts};

/// The longest accepted hang, so a mistaken test cannot wedge the server forever.
pub const MAX_HANG_MS: u64 = 600_000;

/// A fault injected into `/oauth2/token`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(tag = "fault", rename_all = "snake_case")]
pub enum Fault {
    /// Answer `500 Internal Server Error`.
    ServerError,
    /// Wait `ms` milliseconds, then answer normally.
    Hang {
        /// The delay in milliseconds.
        ms: u64,
    },
    /// Answer `200` with a body that is not valid JSON.
    MalformedJson,
}

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

/// Takes the next queued token-endpoint fault, if any.
pub fn take_token_fault(emulator: &Emulator) -> Option<Fault> {
    let mut store = emulator.store();
    let (fault, remaining) = store.token_faults.front_mut()?;
    let fault = *fault;
    *remaining -= 1;
    if *remaining == 0 {
        store.token_faults.pop_front();
    }
    Some(fault)
}

/// Applies a fault: `Some(response)` to answer with instead of the real one.
pub async fn apply(fault: Fault) -> Option<Response> {
    match fault {
        Fault::ServerError => Some(oauth_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "injected fault: server error",
        )),
        Fault::Hang { ms } => {
            tokio::time::sleep(Duration::from_millis(ms.min(MAX_HANG_MS))).await;
            None
        }
        Fault::MalformedJson => {
            let mut response = (
                StatusCode::OK,
                "{\"access_token\": \"eyJraWQiOi, \"expires_in\": ",
            )
                .into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json;charset=UTF-8"),
            );
            Some(response)
        }
    }
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
    let queued: u32 = store.token_faults.iter().map(|(_, n)| n).sum();
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
    for origin in origins {
        store.revoke_origin(&origin);
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
