//! A fault injected into `/oauth2/token` by the test control surface (`test_control`), and
//! what it makes the endpoint answer.

use std::time::Duration;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::responses::oauth_error;

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
