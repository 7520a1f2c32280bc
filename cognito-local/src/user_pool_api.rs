//! `POST /`: the user-pool API's `GlobalSignOut`, as Cognito's `cognito-idp` endpoint answers
//! it (`X-Amz-Target: AWSCognitoIdentityProviderService.GlobalSignOut`,
//! `Content-Type: application/x-amz-json-1.1`, body `{"AccessToken": "..."}`).
//!
//! It signs the user out of every sign-in: each refresh token of the user is refused from then
//! on (`invalid_grant`), and `/oauth2/userInfo` refuses the access tokens issued before it. It
//! needs an access token with `aws.cognito.signin.user.admin`, and does not end the Hosted UI
//! session (that is `/logout`'s job), as in Cognito. Errors are Cognito's shape: HTTP 400,
//! `{"__type": "NotAuthorizedException", "message": "..."}`. Other targets answer
//! `UnknownOperationException`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::responses::no_store;
use super::state::{now, SharedEmulator};

/// The target header of the one operation served.
const GLOBAL_SIGN_OUT: &str = "AWSCognitoIdentityProviderService.GlobalSignOut";
/// The scope the operation needs, as in Cognito.
const ADMIN_SCOPE: &str = "aws.cognito.signin.user.admin";

/// A user-pool API error: HTTP 400 with Cognito's `__type` and `message`.
fn error(kind: &str, message: &str) -> Response {
    let body = json!({ "__type": kind, "message": message }).to_string();
    let mut response = (StatusCode::BAD_REQUEST, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-amz-json-1.1"),
    );
    no_store(response)
}

/// `POST /`.
pub async fn user_pool_api(
    State(emulator): State<SharedEmulator>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if target != GLOBAL_SIGN_OUT {
        return error(
            "UnknownOperationException",
            "the local Hosted UI serves only GlobalSignOut of the user-pool API",
        );
    }
    let json_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-amz-json-1.1"));
    if !json_type {
        return error(
            "SerializationException",
            "the body must be application/x-amz-json-1.1",
        );
    }
    let Some(token) = serde_json::from_slice::<Value>(&body).ok().and_then(|v| {
        v.get("AccessToken")
            .and_then(Value::as_str)
            .map(str::to_owned)
    }) else {
        return error(
            "InvalidParameterException",
            "1 validation error detected: Value at 'accessToken' failed to satisfy constraint: Member must not be null",
        );
    };
    let Some((_, claims)) = emulator.keys.verify(&token) else {
        return error("NotAuthorizedException", "Invalid Access Token");
    };
    let claim = |name: &str| claims.get(name).and_then(Value::as_str).unwrap_or_default();
    let fresh = claims
        .get("exp")
        .and_then(Value::as_u64)
        .is_some_and(|exp| exp > now());
    let mut store = emulator.store();
    let revoked = store.is_revoked(claim("origin_jti"));
    if claim("token_use") != "access"
        || claim("iss") != emulator.issuer
        || !fresh
        || revoked
        || claim("username").is_empty()
    {
        return error("NotAuthorizedException", "Access Token has been revoked");
    }
    if !claim("scope").split(' ').any(|s| s == ADMIN_SCOPE) {
        return error(
            "NotAuthorizedException",
            "Access Token does not have required scopes",
        );
    }
    let username = claim("username").to_owned();
    store.sign_out_everywhere(&username, emulator.revocation_horizon());
    let mut response = (StatusCode::OK, "{}").into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-amz-json-1.1"),
    );
    no_store(response)
}
