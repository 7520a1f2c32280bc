//! The `client_credentials` grant of `POST /oauth2/token` (machine to machine), as Cognito
//! answers it: for a confidential client allowed the flow, an access token alone whose
//! `sub` and `client_id` are the client id and whose `scope` holds the granted custom scopes
//! of the configured resource servers.
//!
//! The client is authenticated before this runs (a wrong secret is `invalid_client`); then:
//! a public client, or one without the `client_credentials` flow, is `unauthorized_client`;
//! a scope that is no resource server's, or that the client is not allowed, is
//! `invalid_scope`; without `scope`, every custom scope the client is allowed is granted.

use serde_json::{json, Map, Value};

use super::config::{ClientConfig, OAuthFlow};
use super::params::Params;
use super::responses::TokenError;
use super::state::{now, random_uuid, Emulator};
use super::tokens::IssuedTokens;

/// The scopes to grant: those requested (each a custom scope the client is allowed), or
/// without `scope` all the client's custom scopes; at least one.
fn granted_scopes(
    emulator: &Emulator,
    client: &ClientConfig,
    form: &Params,
) -> Result<Vec<String>, TokenError> {
    let custom = |scope: &str| emulator.config.resource_server_scope(scope).is_some();
    let mut granted: Vec<String> = Vec::new();
    match form.get("scope") {
        None => {
            granted.extend(client.allowed_scopes.iter().filter(|s| custom(s)).cloned());
        }
        Some(requested) => {
            for scope in requested.split(' ').filter(|s| !s.is_empty()) {
                if !custom(scope) {
                    return Err(TokenError::new(
                        "invalid_scope",
                        format!(
                            "{scope:?} is not a custom scope of a resource server (the client_credentials grant issues only those)"
                        ),
                    ));
                }
                if !client.allowed_scopes.iter().any(|a| a == scope) {
                    return Err(TokenError::new(
                        "invalid_scope",
                        format!("the app client is not allowed the scope {scope:?}"),
                    ));
                }
                if !granted.iter().any(|g| g == scope) {
                    granted.push(scope.to_owned());
                }
            }
        }
    }
    if granted.is_empty() {
        return Err(TokenError::new(
            "invalid_scope",
            "no custom scope to grant: the app client is allowed none",
        ));
    }
    Ok(granted)
}

/// The `client_credentials` grant for the authenticated `client`.
pub fn grant(
    emulator: &Emulator,
    client: &ClientConfig,
    form: &Params,
) -> Result<IssuedTokens, TokenError> {
    if client.client_secret.is_none() {
        return Err(TokenError::new(
            "unauthorized_client",
            "a public client (without a secret) cannot use the client_credentials grant",
        ));
    }
    if !client.allowed_flows.contains(&OAuthFlow::ClientCredentials) {
        return Err(TokenError::new(
            "unauthorized_client",
            "the app client may not use the client_credentials grant",
        ));
    }
    let scopes = granted_scopes(emulator, client, form)?;
    let iat = now();
    let mut access = Map::new();
    access.insert("sub".into(), json!(client.client_id));
    access.insert("token_use".into(), json!("access"));
    access.insert("scope".into(), json!(scopes.join(" ")));
    access.insert("auth_time".into(), json!(iat));
    access.insert("iss".into(), json!(emulator.issuer));
    access.insert("exp".into(), json!(iat + client.access_token_lifetime_secs));
    access.insert("iat".into(), json!(iat));
    access.insert("version".into(), json!(2));
    access.insert("jti".into(), json!(random_uuid()));
    access.insert("client_id".into(), json!(client.client_id));
    let access_token = emulator
        .keys
        .access
        .sign(&Value::Object(access))
        .map_err(|e| {
            TokenError::new(
                "server_error",
                format!("signing the access token failed: {e}"),
            )
        })?;
    Ok(IssuedTokens {
        access_token,
        id_token: None,
        refresh_token: None,
        expires_in: client.access_token_lifetime_secs,
    })
}
