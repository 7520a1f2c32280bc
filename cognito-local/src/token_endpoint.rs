//! `POST /oauth2/token`: the authorization code grant (single-use codes bound to client,
//! redirect URI, PKCE challenge), the refresh token grant (with optional rotation) and the
//! client credentials grant (in `client_credentials`).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sha2::{Digest, Sha256};

use super::client_auth::{self, ClientAuthError};
use super::client_credentials;
use super::config::{ClientConfig, OAuthFlow};
use super::fault;
use super::params::Params;
use super::responses::{no_store, TokenError};
use super::state::{now, Emulator, Grant, SharedEmulator};
use super::tokens;

/// Whether the request declares a form-encoded body.
pub fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// Maps a client authentication failure to a token endpoint error.
pub fn client_error(error: ClientAuthError) -> TokenError {
    match error {
        ClientAuthError::Missing => TokenError::new("invalid_request", "client_id is required"),
        ClientAuthError::Invalid(message) => TokenError::new("invalid_client", message),
    }
}

/// Whether `verifier` hashes (S256) to `challenge`.
fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    let valid_verifier = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
    valid_verifier && URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == challenge
}

fn authorization_code(
    emulator: &Emulator,
    client: &ClientConfig,
    form: &Params,
) -> Result<tokens::IssuedTokens, TokenError> {
    if !client.allowed_flows.contains(&OAuthFlow::Code) {
        return Err(TokenError::new(
            "unauthorized_client",
            "the app client may not use the authorization code grant",
        ));
    }
    let code = form
        .get("code")
        .ok_or_else(|| TokenError::new("invalid_request", "code is required"))?;
    let redirect_uri = form
        .get("redirect_uri")
        .ok_or_else(|| TokenError::new("invalid_request", "redirect_uri is required"))?;
    // A code is consumed by the first request that presents it, successful or not.
    let record = emulator
        .store()
        .codes
        .remove(code)
        .filter(|r| r.expires_at > now())
        .ok_or_else(|| {
            TokenError::new(
                "invalid_grant",
                "the code is invalid, expired or already used",
            )
        })?;
    if record.grant.client_id != client.client_id {
        return Err(TokenError::new(
            "invalid_grant",
            "the code was issued to another client",
        ));
    }
    if record.redirect_uri != redirect_uri {
        return Err(TokenError::new(
            "invalid_grant",
            "redirect_uri differs from the one sent to /oauth2/authorize",
        ));
    }
    if let Some(challenge) = &record.code_challenge {
        let verifier = form.get("code_verifier").ok_or_else(|| {
            TokenError::new(
                "invalid_grant",
                "code_verifier is required: the code was issued with a PKCE challenge",
            )
        })?;
        if !pkce_matches(verifier, challenge) {
            return Err(TokenError::new(
                "invalid_grant",
                "code_verifier does not match the code_challenge",
            ));
        }
    }
    let user = emulator
        .config
        .user(&record.grant.username)
        .ok_or_else(|| TokenError::new("invalid_grant", "the user no longer exists"))?;
    tokens::mint(
        emulator,
        client,
        user,
        &record.grant,
        record.nonce.as_deref(),
        true,
    )
    .map_err(|e| TokenError::new("server_error", e.0))
}

fn refresh_token(
    emulator: &Emulator,
    client: &ClientConfig,
    form: &Params,
) -> Result<tokens::IssuedTokens, TokenError> {
    let token = form
        .get("refresh_token")
        .ok_or_else(|| TokenError::new("invalid_request", "refresh_token is required"))?;
    let invalid = || TokenError::new("invalid_grant", "Invalid Refresh Token");
    let grant: Grant = {
        let mut store = emulator.store();
        let now = now();
        let record = store.refresh_tokens.get_mut(token).ok_or_else(invalid)?;
        if record.revoked
            || record.grant.client_id != client.client_id
            || record.retire_at.is_some_and(|t| t <= now)
        {
            return Err(invalid());
        }
        if client.refresh_token_rotation && record.retire_at.is_none() {
            record.retire_at = Some(now + client.rotation_grace_secs);
        }
        record.grant.clone()
    };
    let user = emulator
        .config
        .user(&grant.username)
        .ok_or_else(|| TokenError::new("invalid_grant", "the user no longer exists"))?;
    tokens::mint(
        emulator,
        client,
        user,
        &grant,
        None,
        client.refresh_token_rotation,
    )
    .map_err(|e| TokenError::new("server_error", e.0))
}

/// `POST /oauth2/token`.
pub async fn token(
    State(emulator): State<SharedEmulator>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // Every request counts, faulted ones too (tests count refresh attempts with it): by
    // grant type for the grants Cognito knows, all others under one key, so that requests
    // with made-up grant types cannot grow the counters.
    let params = Params::parse(&String::from_utf8_lossy(&body));
    let grant_type = match params.get("grant_type") {
        Some(known @ ("authorization_code" | "refresh_token" | "client_credentials")) => known,
        Some(_) => "other",
        None => "",
    };
    *emulator
        .store()
        .token_requests
        .entry(grant_type.to_owned())
        .or_default() += 1;
    if let Some(fault) = emulator.take_token_fault() {
        if let Some(response) = fault::apply(fault).await {
            return response;
        }
    }
    match handle(&emulator, &headers, &body) {
        Ok(issued) => no_store(Json(issued.to_json()).into_response()),
        Err(error) => error.into_response(),
    }
}

fn handle(
    emulator: &Emulator,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<tokens::IssuedTokens, TokenError> {
    if !is_form(headers) {
        return Err(TokenError::new(
            "invalid_request",
            "the body must be application/x-www-form-urlencoded",
        ));
    }
    let form = Params::parse(&String::from_utf8_lossy(body));
    if let Some(name) = form.repeated() {
        return Err(TokenError::new(
            "invalid_request",
            format!("the parameter {name} was sent more than once"),
        ));
    }
    let grant_type = form
        .get("grant_type")
        .ok_or_else(|| TokenError::new("invalid_request", "grant_type is required"))?;
    let client = client_auth::authenticate(emulator, headers, &form).map_err(client_error)?;
    match grant_type {
        "authorization_code" => authorization_code(emulator, client, &form),
        "refresh_token" => refresh_token(emulator, client, &form),
        "client_credentials" => client_credentials::grant(emulator, client, &form),
        other => Err(TokenError::new(
            "unsupported_grant_type",
            format!("grant_type {other:?} is not supported"),
        )),
    }
}
