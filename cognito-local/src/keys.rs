//! The two RS256 signing keys (one for ID tokens, one for access tokens), JWT signing and the
//! emulator's own signature check (used by `/oauth2/userInfo`).
//!
//! Keys are loaded from PEM, never generated at startup: the development keys in
//! `cognito-local/keys/` are compiled in, so startup stays fast even in debug builds.

use std::sync::Arc;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::PublicKeyComponents;
use aws_lc_rs::signature::{
    KeyPair as _, ParsedPublicKey, RsaKeyPair, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256,
};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::PrivateKeyDer;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::config::{ConfigError, KeysConfig};

/// The development key that signs ID tokens. Public: development only.
const DEV_ID_TOKEN_KEY: &str = include_str!("../keys/dev-id-token-key.pem");
/// The development key that signs access tokens. Public: development only.
const DEV_ACCESS_TOKEN_KEY: &str = include_str!("../keys/dev-access-token-key.pem");

/// Why a token could not be signed.
pub use aws_lc_rs::error::Unspecified as SignError;

/// One RSA signing key (2048 to 8192 bits) with its key id. Signing and the emulator's own
/// signature check go through aws-lc-rs, the kit's verification backend.
#[derive(Clone)]
pub struct SigningKey {
    kid: String,
    private: Arc<RsaKeyPair>,
    public: ParsedPublicKey,
    /// The modulus and the public exponent, big-endian.
    n: Vec<u8>,
    e: Vec<u8>,
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
        let refused =
            |e: &dyn std::fmt::Display| ConfigError(format!("cannot parse RSA private key: {e}"));
        let der = PrivateKeyDer::from_pem_slice(pem.as_bytes()).map_err(|e| refused(&e))?;
        let private = match &der {
            PrivateKeyDer::Pkcs1(key) => RsaKeyPair::from_der(key.secret_pkcs1_der()),
            PrivateKeyDer::Pkcs8(key) => RsaKeyPair::from_pkcs8(key.secret_pkcs8_der()),
            _ => return Err(refused(&"not an RSA key in PKCS#1 or PKCS#8 form")),
        }
        .map_err(|e| refused(&e))?;
        let public =
            ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, private.public_key().as_ref())
                .map_err(|e| refused(&e))?;
        let PublicKeyComponents { n, e } =
            PublicKeyComponents::<Vec<u8>>::from(private.public_key());
        let digest = Sha256::digest(&n);
        let kid = URL_SAFE_NO_PAD.encode(&digest[..18]);
        Ok(Self {
            kid,
            private: Arc::new(private),
            public,
            n,
            e,
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
            "e": URL_SAFE_NO_PAD.encode(&self.e),
            "kid": self.kid,
            "kty": "RSA",
            "n": URL_SAFE_NO_PAD.encode(&self.n),
            "use": "sig",
        })
    }

    /// Signs `claims` as a compact RS256 JWT with this key's `kid`.
    pub fn sign(&self, claims: &Value) -> Result<String, SignError> {
        let header = json!({ "kid": self.kid, "alg": "RS256" });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let mut signature = vec![0; self.private.public_modulus_len()];
        self.private.sign(
            &RSA_PKCS1_SHA256,
            &SystemRandom::new(),
            signing_input.as_bytes(),
            &mut signature,
        )?;
        Ok(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature)
        ))
    }

    /// Checks an RS256 signature made by this key over `signing_input`.
    fn verify(&self, signing_input: &[u8], signature: &[u8]) -> bool {
        self.public.verify_sig(signing_input, signature).is_ok()
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
