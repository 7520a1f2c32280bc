//! `GET|POST /oauth2/userInfo`: the signed-in user's attributes for a valid access token
//! carrying `openid`.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use super::responses::no_store;
use super::state::{now, Emulator, SharedEmulator};
use super::tokens::user_attributes;

/// Cognito's description for a missing or malformed request.
const BAD_REQUEST: &str = "Bad OAuth2 request at UserInfo Endpoint";
/// Cognito's description for an unusable token.
const BAD_TOKEN: &str = "Access token is expired, disabled, or deleted, or the user has insufficient privileges to access the requested resource";

/// An error with Cognito's `WWW-Authenticate` header and a JSON body.
fn error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut response = (
        status,
        Json(json!({ "error": error, "error_description": description })),
    )
        .into_response();
    let challenge = format!("error=\"{error}\", error_description=\"{description}\"");
    if let Ok(value) = HeaderValue::from_str(&challenge) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    no_store(response)
}

/// Checks an access token the way Cognito's userInfo does and returns its claims.
fn check_access_token(emulator: &Emulator, token: &str) -> Option<Value> {
    let (_, claims) = emulator.keys.verify(token)?;
    let str_claim = |name: &str| claims.get(name).and_then(Value::as_str);
    let valid = str_claim("token_use") == Some("access")
        && str_claim("iss") == Some(emulator.issuer.as_str())
        && claims
            .get("exp")
            .and_then(Value::as_u64)
            .is_some_and(|exp| exp > now())
        && str_claim("scope").is_some_and(|s| s.split(' ').any(|s| s == "openid"))
        && str_claim("origin_jti").is_some_and(|origin| !emulator.store().is_revoked(origin));
    valid.then_some(claims)
}

/// The attributes the token's scopes allow: `sub` and `username` always; `email`,
/// `phone` and `profile` scopes add their attributes; `aws.cognito.signin.user.admin` adds all.
/// Like Cognito, `*_verified` values are strings here.
fn visible_attributes(attributes: Map<String, Value>, username: &str, scope: &str) -> Value {
    let scopes: Vec<&str> = scope.split(' ').collect();
    let has = |s: &str| scopes.contains(&s) || scopes.contains(&"aws.cognito.signin.user.admin");
    let mut out = Map::new();
    for (name, value) in attributes {
        let allowed = match name.as_str() {
            "sub" => true,
            "email" | "email_verified" => has("email"),
            "phone_number" | "phone_number_verified" => has("phone"),
            _ => has("profile"),
        };
        if allowed {
            let value = match value {
                Value::Bool(b) => Value::String(b.to_string()),
                other => other,
            };
            out.insert(name, value);
        }
    }
    out.insert("username".into(), json!(username));
    Value::Object(out)
}

/// `GET|POST /oauth2/userInfo`.
pub async fn userinfo(State(emulator): State<SharedEmulator>, headers: HeaderMap) -> Response {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return error(StatusCode::BAD_REQUEST, "invalid_request", BAD_REQUEST);
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|token| !token.is_empty());
    let Some(token) = token else {
        return error(StatusCode::BAD_REQUEST, "invalid_request", BAD_REQUEST);
    };
    let Some(claims) = check_access_token(&emulator, token) else {
        return error(StatusCode::UNAUTHORIZED, "invalid_token", BAD_TOKEN);
    };
    let username = claims.get("username").and_then(Value::as_str).unwrap_or("");
    let Some(user) = emulator.config.user(username) else {
        return error(StatusCode::UNAUTHORIZED, "invalid_token", BAD_TOKEN);
    };
    let scope = claims.get("scope").and_then(Value::as_str).unwrap_or("");
    no_store(
        Json(visible_attributes(
            user_attributes(user),
            &user.username,
            scope,
        ))
        .into_response(),
    )
}
