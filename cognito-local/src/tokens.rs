//! Token minting with Cognito's claims and shapes: RS256 ID and access tokens signed with
//! different keys, and opaque refresh tokens.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use super::config::{ClientConfig, UserConfig};
use super::state::{now, random_token, random_uuid, Emulator, Grant, RefreshRecord};

/// Tokens issued by one grant.
#[derive(Debug, Clone)]
pub struct IssuedTokens {
    /// The access token (always).
    pub access_token: String,
    /// The ID token (only with the `openid` scope).
    pub id_token: Option<String>,
    /// A new refresh token (code grant, or refresh with rotation).
    pub refresh_token: Option<String>,
    /// The access token's lifetime in seconds.
    pub expires_in: u64,
}

impl IssuedTokens {
    /// The token endpoint's JSON body.
    pub fn to_json(&self) -> Value {
        let mut body = json!({
            "access_token": self.access_token,
            "expires_in": self.expires_in,
            "token_type": "Bearer",
        });
        if let Some(obj) = body.as_object_mut() {
            if let Some(id) = &self.id_token {
                obj.insert("id_token".into(), json!(id));
            }
            if let Some(refresh) = &self.refresh_token {
                obj.insert("refresh_token".into(), json!(refresh));
            }
        }
        body
    }
}

/// Why tokens could not be minted (a signing failure: a server error).
#[derive(Debug)]
pub struct MintError(pub String);

/// `at_hash`: base64url of the left half of SHA-256 of the access token.
pub fn at_hash(access_token: &str) -> String {
    let digest = Sha256::digest(access_token.as_bytes());
    URL_SAFE_NO_PAD.encode(&digest[..16])
}

/// An opaque refresh token shaped like Cognito's (a five-part JWE-like string). It carries no
/// readable data: clients must never decode it.
pub fn new_refresh_token() -> String {
    let header = URL_SAFE_NO_PAD.encode(r#"{"cty":"JWT","enc":"A256GCM","alg":"RSA-OAEP"}"#);
    format!(
        "{header}.{}.{}.{}.{}",
        random_token(256),
        random_token(12),
        random_token(96),
        random_token(16)
    )
}

/// The user attribute claims shared by the ID token and userInfo.
pub fn user_attributes(user: &UserConfig) -> Map<String, Value> {
    let mut claims = Map::new();
    claims.insert("sub".into(), json!(user.subject()));
    if let Some(email) = &user.email {
        claims.insert("email".into(), json!(email));
        claims.insert("email_verified".into(), json!(user.email_verified));
    }
    if let Some(phone) = &user.phone_number {
        claims.insert("phone_number".into(), json!(phone));
        claims.insert(
            "phone_number_verified".into(),
            json!(user.phone_number_verified),
        );
    }
    for (name, value) in [
        ("name", &user.name),
        ("given_name", &user.given_name),
        ("family_name", &user.family_name),
    ] {
        if let Some(value) = value {
            claims.insert(name.into(), json!(value));
        }
    }
    for (name, value) in &user.custom {
        claims.insert(format!("custom:{name}"), json!(value));
    }
    claims
}

/// Mints tokens for `grant`. A refresh token is minted and stored when `with_refresh`.
pub fn mint(
    emulator: &Emulator,
    client: &ClientConfig,
    user: &UserConfig,
    grant: &Grant,
    nonce: Option<&str>,
    with_refresh: bool,
) -> Result<IssuedTokens, MintError> {
    let iat = now();
    let groups = (!user.groups.is_empty()).then(|| json!(user.groups));

    let mut access = Map::new();
    access.insert("sub".into(), json!(user.subject()));
    if let Some(groups) = &groups {
        access.insert("cognito:groups".into(), groups.clone());
    }
    access.insert("iss".into(), json!(emulator.issuer));
    access.insert("version".into(), json!(2));
    access.insert("client_id".into(), json!(client.client_id));
    // Resource binding (RFC 8707): the authorize request's `resource` is the audience.
    if let Some(resource) = &grant.resource {
        access.insert("aud".into(), json!(resource));
    }
    access.insert("origin_jti".into(), json!(grant.origin_jti));
    access.insert("token_use".into(), json!("access"));
    access.insert("scope".into(), json!(grant.scopes.join(" ")));
    access.insert("auth_time".into(), json!(grant.auth_time));
    access.insert("exp".into(), json!(iat + client.access_token_lifetime_secs));
    access.insert("iat".into(), json!(iat));
    access.insert("jti".into(), json!(random_uuid()));
    access.insert("username".into(), json!(user.username));
    let access_token = emulator
        .keys
        .access
        .sign(&Value::Object(access))
        .map_err(|e| MintError(format!("signing the access token failed: {e}")))?;

    let id_token = if grant.scopes.iter().any(|s| s == "openid") {
        let mut id = user_attributes(user);
        if let Some(groups) = &groups {
            id.insert("cognito:groups".into(), groups.clone());
        }
        id.insert("iss".into(), json!(emulator.issuer));
        id.insert("cognito:username".into(), json!(user.username));
        if let Some(nonce) = nonce {
            id.insert("nonce".into(), json!(nonce));
        }
        id.insert("origin_jti".into(), json!(grant.origin_jti));
        id.insert("aud".into(), json!(client.client_id));
        id.insert("token_use".into(), json!("id"));
        id.insert("auth_time".into(), json!(grant.auth_time));
        id.insert("exp".into(), json!(iat + client.id_token_lifetime_secs));
        id.insert("iat".into(), json!(iat));
        id.insert("jti".into(), json!(random_uuid()));
        id.insert("at_hash".into(), json!(at_hash(&access_token)));
        Some(
            emulator
                .keys
                .id
                .sign(&Value::Object(id))
                .map_err(|e| MintError(format!("signing the ID token failed: {e}")))?,
        )
    } else {
        None
    };

    let refresh_token = with_refresh.then(|| {
        let token = new_refresh_token();
        emulator.store().refresh_tokens.insert(
            token.clone(),
            RefreshRecord {
                grant: grant.clone(),
                expires_at: iat + client.refresh_token_lifetime_secs,
                revoked: false,
                retire_at: None,
            },
        );
        token
    });

    Ok(IssuedTokens {
        access_token,
        id_token,
        refresh_token,
        expires_in: client.access_token_lifetime_secs,
    })
}
