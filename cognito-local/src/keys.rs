//! The two RS256 signing keys (one for ID tokens, one for access tokens), JWT signing and the
//! emulator's own signature check (used by `/oauth2/userInfo`).
//!
//! Keys are loaded from PEM, never generated at startup: the development keys in
//! `cognito-local/keys/` are compiled in, so startup stays fast even in debug builds.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Sign, RsaPrivateKey, RsaPublicKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::config::{ConfigError, KeysConfig};

/// The development key that signs ID tokens. Public: development only.
const DEV_ID_TOKEN_KEY: &str = include_str!("../keys/dev-id-token-key.pem");
/// The development key that signs access tokens. Public: development only.
const DEV_ACCESS_TOKEN_KEY: &str = include_str!("../keys/dev-access-token-key.pem");

/// One RSA signing key with its key id.
#[derive(Clone)]
pub struct SigningKey {
    kid: String,
    private: RsaPrivateKey,
    public: RsaPublicKey,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Parses a PKCS#1 (`RSA PRIVATE KEY`) or PKCS#8 (`PRIVATE KEY`) PEM key. The key id is
    /// derived from the public modulus, so it is stable for a given key.
    pub fn from_pem(pem: &str) -> Result<Self, ConfigError> {
        let private = RsaPrivateKey::from_pkcs1_pem(pem)
            .or_else(|_| RsaPrivateKey::from_pkcs8_pem(pem))
            .map_err(|e| ConfigError(format!("cannot parse RSA private key: {e}")))?;
        let public = private.to_public_key();
        let digest = Sha256::digest(public.n().to_bytes_be());
        let kid = URL_SAFE_NO_PAD.encode(&digest[..18]);
        Ok(Self {
            kid,
            private,
            public,
        })
    }

    /// The key id (`kid` header and JWKS entry).
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public key as a JWKS entry.
    pub fn jwk(&self) -> Value {
        json!({
            "alg": "RS256",
            "e": URL_SAFE_NO_PAD.encode(self.public.e().to_bytes_be()),
            "kid": self.kid,
            "kty": "RSA",
            "n": URL_SAFE_NO_PAD.encode(self.public.n().to_bytes_be()),
            "use": "sig",
        })
    }

    /// Signs `claims` as a compact RS256 JWT with this key's `kid`.
    pub fn sign(&self, claims: &Value) -> Result<String, rsa::Error> {
        let header = json!({ "kid": self.kid, "alg": "RS256" });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let hashed = Sha256::digest(signing_input.as_bytes());
        let signature = self.private.sign(Pkcs1v15Sign::new::<Sha256>(), &hashed)?;
        Ok(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature)
        ))
    }

    /// Checks an RS256 signature made by this key over `signing_input`.
    fn verify(&self, signing_input: &[u8], signature: &[u8]) -> bool {
        let hashed = Sha256::digest(signing_input);
        self.public
            .verify(Pkcs1v15Sign::new::<Sha256>(), &hashed, signature)
            .is_ok()
    }
}

/// The pool's two signing keys.
#[derive(Debug, Clone)]
pub struct KeySet {
    /// Signs ID tokens.
    pub id: SigningKey,
    /// Signs access tokens.
    pub access: SigningKey,
}

impl KeySet {
    /// Loads the configured keys, or the built-in development keys.
    pub fn load(config: &KeysConfig) -> Result<Self, ConfigError> {
        let read = |path: &Option<std::path::PathBuf>, fallback: &str| match path {
            Some(path) => std::fs::read_to_string(path)
                .map_err(|e| ConfigError(format!("cannot read key {}: {e}", path.display())))
                .and_then(|pem| SigningKey::from_pem(&pem)),
            None => SigningKey::from_pem(fallback),
        };
        let id = read(&config.id_token_key, DEV_ID_TOKEN_KEY)?;
        let access = read(&config.access_token_key, DEV_ACCESS_TOKEN_KEY)?;
        if id.kid == access.kid {
            return Err(ConfigError(
                "the ID token key and the access token key must differ".to_owned(),
            ));
        }
        Ok(Self { id, access })
    }

    /// The JWKS document listing both public keys.
    pub fn jwks(&self) -> Value {
        json!({ "keys": [self.id.jwk(), self.access.jwk()] })
    }

    /// Verifies a compact JWT signed by one of the two keys and returns its header and claims.
    /// Checks the structure, `alg` = RS256, the `kid` and the signature; nothing else.
    pub fn verify(&self, token: &str) -> Option<(Value, Value)> {
        let mut parts = token.split('.');
        let (header_b64, claims_b64, signature_b64) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let header: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header_b64).ok()?).ok()?;
        if header.get("alg")?.as_str()? != "RS256" {
            return None;
        }
        let kid = header.get("kid")?.as_str()?;
        let key = [&self.id, &self.access]
            .into_iter()
            .find(|k| k.kid == kid)?;
        let signature = URL_SAFE_NO_PAD.decode(signature_b64).ok()?;
        let signing_input = &token[..header_b64.len() + 1 + claims_b64.len()];
        if !key.verify(signing_input.as_bytes(), &signature) {
            return None;
        }
        let claims: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims_b64).ok()?).ok()?;
        Some((header, claims))
    }
}
