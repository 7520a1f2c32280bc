//! Client authentication for `/oauth2/token` and `/oauth2/revoke`: a public client sends its
//! `client_id` in the body; a client with a secret sends `Authorization: Basic` or
//! `client_secret` in the body.

use axum::http::{header, HeaderMap};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use super::config::ClientConfig;
use super::params::Params;
use super::state::Emulator;

/// Why client authentication failed.
#[derive(Debug, PartialEq, Eq)]
pub enum ClientAuthError {
    /// No client id at all: `invalid_request`.
    Missing,
    /// Unknown client, wrong or missing secret, conflicting ids: `invalid_client`.
    Invalid(String),
}

/// Credentials from a `Basic` Authorization header.
fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, String)>, ClientAuthError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let bad = |m: &str| ClientAuthError::Invalid(m.to_owned());
    let value = value
        .to_str()
        .map_err(|_| bad("the Authorization header is not valid text"))?;
    let (scheme, encoded) = value
        .split_once(' ')
        .ok_or_else(|| bad("the Authorization header must be Basic credentials"))?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(bad("the Authorization header must use the Basic scheme"));
    }
    let decoded = STANDARD
        .decode(encoded.trim())
        .map_err(|_| bad("the Basic credentials are not valid base64"))?;
    let decoded =
        String::from_utf8(decoded).map_err(|_| bad("the Basic credentials are not UTF-8"))?;
    let (id, secret) = decoded
        .split_once(':')
        .ok_or_else(|| bad("the Basic credentials must be client_id:client_secret"))?;
    Ok(Some((id.to_owned(), secret.to_owned())))
}

/// Authenticates the calling client.
pub fn authenticate<'a>(
    emulator: &'a Emulator,
    headers: &HeaderMap,
    form: &Params,
) -> Result<&'a ClientConfig, ClientAuthError> {
    let basic = basic_credentials(headers)?;
    let body_id = form.get("client_id");
    let body_secret = form.get("client_secret");
    let (client_id, secret) = match (&basic, body_id) {
        (Some((id, _)), Some(body)) if id != body => {
            return Err(ClientAuthError::Invalid(
                "client_id in the body differs from the Basic credentials".into(),
            ))
        }
        (Some(_), _) if body_secret.is_some() => return Err(ClientAuthError::Invalid(
            "send the client secret either in the Authorization header or in the body, not both"
                .into(),
        )),
        (Some((id, secret)), _) => (id.as_str(), (!secret.is_empty()).then_some(secret.as_str())),
        (None, Some(id)) => (id, body_secret),
        (None, None) => return Err(ClientAuthError::Missing),
    };
    let client = emulator
        .config
        .client(client_id)
        .ok_or_else(|| ClientAuthError::Invalid(format!("client {client_id:?} does not exist")))?;
    match (&client.client_secret, secret) {
        (Some(expected), Some(given)) if expected == given => Ok(client),
        (Some(_), Some(_)) => Err(ClientAuthError::Invalid("client secret is wrong".into())),
        (Some(_), None) => Err(ClientAuthError::Invalid(format!(
            "client {client_id} has a secret and must send it"
        ))),
        (None, None) => Ok(client),
        (None, Some(_)) => Err(ClientAuthError::Invalid(format!(
            "client {client_id} is a public client and has no secret"
        ))),
    }
}
