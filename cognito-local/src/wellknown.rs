//! Issuer endpoints: `<issuer path>/.well-known/jwks.json` and
//! `<issuer path>/.well-known/openid-configuration`.

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::state::{Emulator, SharedEmulator};

/// The path part of the issuer URL (e.g. `/us-east-1_LocalPool`), under which the issuer
/// endpoints are served.
pub fn issuer_path(issuer: &str) -> String {
    let without_scheme = issuer.split_once("://").map_or(issuer, |(_, rest)| rest);
    match without_scheme.find('/') {
        Some(i) => without_scheme[i..].trim_end_matches('/').to_owned(),
        None => String::new(),
    }
}

/// The OpenID Provider metadata document.
pub fn discovery_document(emulator: &Emulator) -> Value {
    let domain = &emulator.domain_base;
    let scopes: Vec<&str> = {
        let mut all: Vec<&str> = Vec::new();
        for scope in emulator
            .config
            .clients
            .iter()
            .flat_map(|c| &c.allowed_scopes)
        {
            if !all.contains(&scope.as_str()) {
                all.push(scope);
            }
        }
        all
    };
    json!({
        "issuer": emulator.issuer,
        "authorization_endpoint": format!("{domain}/oauth2/authorize"),
        "token_endpoint": format!("{domain}/oauth2/token"),
        "userinfo_endpoint": format!("{domain}/oauth2/userInfo"),
        "revocation_endpoint": format!("{domain}/oauth2/revoke"),
        "end_session_endpoint": format!("{domain}/logout"),
        "jwks_uri": emulator.jwks_uri,
        "response_types_supported": ["code", "token"],
        "grant_types_supported": ["authorization_code", "implicit", "refresh_token", "client_credentials"],
        "scopes_supported": scopes,
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "token_use",
            "cognito:username", "cognito:groups", "email", "email_verified", "phone_number",
            "phone_number_verified", "name", "given_name", "family_name", "nonce", "at_hash"],
    })
}

fn cacheable(response: impl IntoResponse) -> Response {
    let mut response = response.into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    response
}

/// `GET <issuer path>/.well-known/jwks.json`.
pub async fn jwks(State(emulator): State<SharedEmulator>) -> Response {
    cacheable(Json(emulator.keys.jwks()))
}

/// `GET <issuer path>/.well-known/openid-configuration`.
pub async fn openid_configuration(State(emulator): State<SharedEmulator>) -> Response {
    cacheable(Json(discovery_document(&emulator)))
}

#[cfg(test)]
mod tests {
    use super::issuer_path;

    #[test]
    fn issuer_paths() {
        assert_eq!(
            issuer_path("http://localhost:9229/us-east-1_X"),
            "/us-east-1_X"
        );
        assert_eq!(issuer_path("https://idp.example.com/a/b/"), "/a/b");
        assert_eq!(issuer_path("https://idp.example.com"), "");
    }
}
