//! `POST /oauth2/revoke`: revokes a refresh token and every access token issued from the same
//! sign-in. `200` with an empty body, also for an unknown or already revoked token.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::client_auth::{self, ClientAuthError};
use super::params::Params;
use super::responses::{no_store, oauth_error};
use super::state::SharedEmulator;
use super::token_endpoint::is_form;

/// `POST /oauth2/revoke`.
pub async fn revoke(
    State(emulator): State<SharedEmulator>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let bad_request =
        |error: &str, description: &str| oauth_error(StatusCode::BAD_REQUEST, error, description);
    if !is_form(&headers) {
        return bad_request(
            "invalid_request",
            "the body must be application/x-www-form-urlencoded",
        );
    }
    let form = Params::parse(&String::from_utf8_lossy(&body));
    if let Some(name) = form.repeated() {
        return bad_request(
            "invalid_request",
            &format!("the parameter {name} was sent more than once"),
        );
    }
    let client = match client_auth::authenticate(&emulator, &headers, &form) {
        Ok(client) => client,
        Err(ClientAuthError::Missing) => {
            return bad_request("invalid_request", "client_id is required")
        }
        Err(ClientAuthError::Invalid(message)) => {
            return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", &message)
        }
    };
    let Some(token) = form.get("token") else {
        return bad_request("invalid_request", "token is required");
    };
    if token.split('.').count() == 3 || form.get("token_type_hint") == Some("access_token") {
        return bad_request(
            "unsupported_token_type",
            "only refresh tokens can be revoked",
        );
    }
    let mut store = emulator.store();
    let origin = match store.refresh_tokens.get(token) {
        None => None,
        Some(record) if record.grant.client_id != client.client_id => {
            return bad_request("invalid_request", "the token was not issued to this client")
        }
        Some(record) => Some(record.grant.origin_jti.clone()),
    };
    if let Some(origin) = origin {
        store.revoke_origin(&origin, emulator.revocation_horizon());
    }
    no_store(StatusCode::OK.into_response())
}
