//! Small response builders shared by the endpoints: redirects, Cognito's JSON errors and the
//! token endpoint's error.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// A `302 Found` to `location`, not cacheable.
pub fn redirect(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(value) => {
            let mut response = StatusCode::FOUND.into_response();
            response.headers_mut().insert(header::LOCATION, value);
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(_) => super::pages::error_page(
            StatusCode::BAD_REQUEST,
            "The redirect URL contains characters that cannot be sent in a header.",
        ),
    }
}

/// Adds `Cache-Control: no-store` and `Pragma: no-cache` (required on token responses).
pub fn no_store(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// Cognito's JSON error body: `{"error": "...", "error_description": "..."}`.
pub fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    no_store(
        (
            status,
            Json(json!({ "error": error, "error_description": description })),
        )
            .into_response(),
    )
}

/// A token endpoint error: HTTP 400 with Cognito's JSON body (500 for `server_error`).
#[derive(Debug)]
pub struct TokenError {
    /// The OAuth error code.
    pub error: &'static str,
    /// A human-readable description.
    pub description: String,
}

impl TokenError {
    pub(crate) fn new(error: &'static str, description: impl Into<String>) -> Self {
        Self {
            error,
            description: description.into(),
        }
    }
}

impl IntoResponse for TokenError {
    fn into_response(self) -> Response {
        let status = if self.error == "server_error" {
            StatusCode::INTERNAL_SERVER_ERROR
        } else {
            StatusCode::BAD_REQUEST
        };
        oauth_error(status, self.error, &self.description)
    }
}
