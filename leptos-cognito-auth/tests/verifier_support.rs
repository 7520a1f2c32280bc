//! Shared by the `verifier*` tests: RSA test keys (the emulator's development keys, so no
//! slow key generation), token signing, JWKS documents and counting JWKS fetchers.
#![cfg(all(feature = "ssr", not(target_arch = "wasm32")))]
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_lc_rs::encoding::AsDer as _;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::PublicKeyComponents;
use aws_lc_rs::signature::{KeyPair as _, RsaKeyPair, RSA_PKCS1_SHA256};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use leptos_cognito_auth::ssr::{
    CognitoJwtVerifier, CognitoJwtVerifierBuilder, ExpectedTokenUse, JwksFetchError,
};
use serde_json::{json, Value};

pub const POOL: &str = "eu-west-1_TestPool1";
pub const ISSUER: &str = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TestPool1";
/// The pool's issuer in Cognito's updated format.
pub const UPDATED_ISSUER: &str =
    "https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TestPool1";
pub const CLIENT: &str = "test-client";
/// The fixed time the verifiers' clock reports.
pub const NOW: u64 = 1_700_000_000;

pub fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The DER inside a PEM document (test keys only: one block, no headers).
pub fn pem_to_der(pem: &str) -> Vec<u8> {
    let body: String = pem
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect();
    STANDARD.decode(body).expect("PEM body")
}

/// `der` as a PEM document with this label (64-character lines).
pub fn der_to_pem(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|chunk| std::str::from_utf8(chunk).expect("base64 is ASCII"))
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

/// An RSA key that signs test tokens.
pub struct Signer {
    pub kid: String,
    pub key: RsaKeyPair,
}

impl Signer {
    fn from_pem(kid: &str, pem: &str) -> Self {
        Self {
            kid: kid.to_owned(),
            key: RsaKeyPair::from_der(&pem_to_der(pem)).expect("test key"),
        }
    }

    /// RS256 signature of `signing_input`, base64url.
    pub fn signature(&self, signing_input: &str) -> String {
        let mut signature = vec![0; self.key.public_modulus_len()];
        self.key
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                signing_input.as_bytes(),
                &mut signature,
            )
            .expect("sign");
        b64(signature)
    }

    /// A token with this header and payload (both raw JSON text), signed by this key.
    pub fn sign_raw(&self, header: &str, payload: &str) -> String {
        let input = format!("{}.{}", b64(header), b64(payload));
        let sig = self.signature(&input);
        format!("{input}.{sig}")
    }

    /// A token with the header `{"kid": <own kid>, "alg": "RS256"}` and these claims.
    pub fn sign(&self, claims: &Value) -> String {
        self.sign_raw(
            &json!({"kid": self.kid, "alg": "RS256"}).to_string(),
            &claims.to_string(),
        )
    }

    pub fn jwk(&self) -> Value {
        let public = PublicKeyComponents::<Vec<u8>>::from(self.key.public_key());
        json!({
            "kty": "RSA", "alg": "RS256", "use": "sig", "kid": self.kid,
            "n": b64(&public.n), "e": b64(&public.e),
        })
    }

    /// The public key as PEM (what an HS256 key-confusion attack uses as the HMAC secret).
    pub fn public_pem(&self) -> String {
        let der = self.key.public_key().as_der().expect("public key DER");
        der_to_pem("PUBLIC KEY", der.as_ref())
    }
}

/// Key A (the emulator's ID-token key) and key B (its access-token key).
pub fn keys() -> &'static (Signer, Signer) {
    static KEYS: std::sync::OnceLock<(Signer, Signer)> = std::sync::OnceLock::new();
    KEYS.get_or_init(|| {
        (
            Signer::from_pem(
                "key-a",
                include_str!("../../cognito-local/keys/dev-id-token-key.pem"),
            ),
            Signer::from_pem(
                "key-b",
                include_str!("../../cognito-local/keys/dev-access-token-key.pem"),
            ),
        )
    })
}

pub fn jwks_of(signers: &[&Signer]) -> Vec<u8> {
    json!({ "keys": signers.iter().map(|s| s.jwk()).collect::<Vec<_>>() })
        .to_string()
        .into_bytes()
}

/// HMAC-SHA256, to forge HS256 tokens.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    use aws_lc_rs::hmac;
    hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), message)
        .as_ref()
        .to_vec()
}

/// Cognito-shaped access token claims, valid at [`NOW`].
pub fn access_claims() -> Value {
    json!({
        "sub": "0f5e-alice", "cognito:groups": ["admin", "staff"], "iss": ISSUER,
        "version": 2, "client_id": CLIENT, "origin_jti": "o-1", "token_use": "access",
        "scope": "openid email api/read", "auth_time": NOW - 100, "exp": NOW + 3600,
        "iat": NOW - 100, "jti": "j-1", "username": "alice",
    })
}

/// Cognito-shaped ID token claims, valid at [`NOW`].
pub fn id_claims() -> Value {
    json!({
        "sub": "0f5e-alice", "cognito:groups": ["admin"], "iss": ISSUER,
        "cognito:username": "alice", "email": "alice@example.com", "email_verified": true,
        "aud": CLIENT, "token_use": "id", "auth_time": NOW - 100, "exp": NOW + 3600,
        "iat": NOW - 100, "jti": "j-2", "origin_jti": "o-1",
    })
}

/// `base` with some claims replaced (`Value::Null` removes one).
pub fn with(base: Value, changes: Value) -> Value {
    let mut map = base.as_object().cloned().expect("object");
    for (name, value) in changes.as_object().expect("object") {
        if value.is_null() {
            map.remove(name);
        } else {
            map.insert(name.clone(), value.clone());
        }
    }
    Value::Object(map)
}

/// A JWKS fetcher that counts its calls and answers what the test sets, after a delay.
/// It also records the URLs it was asked for.
#[derive(Clone)]
pub struct Fetcher {
    pub calls: Arc<AtomicUsize>,
    pub answer: Arc<Mutex<Result<Vec<u8>, String>>>,
    pub delay: Duration,
    pub urls: Arc<Mutex<Vec<String>>>,
}

impl Fetcher {
    pub fn new(body: Vec<u8>) -> Self {
        Self {
            calls: Arc::new(AtomicUsize::new(0)),
            answer: Arc::new(Mutex::new(Ok(body))),
            delay: Duration::ZERO,
            urls: Arc::new(Mutex::new(Vec::new())),
        }
    }

    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    /// The URLs fetched so far, in order.
    pub fn urls(&self) -> Vec<String> {
        self.urls.lock().unwrap().clone()
    }

    pub fn answer(&self, answer: Result<Vec<u8>, String>) {
        *self.answer.lock().unwrap() = answer;
    }

    /// The fetcher as a closure the builder accepts.
    pub fn install(&self, builder: CognitoJwtVerifierBuilder) -> CognitoJwtVerifierBuilder {
        let this = self.clone();
        builder.jwks_fetcher(move |url: String| {
            let this = this.clone();
            async move {
                this.calls.fetch_add(1, Ordering::SeqCst);
                this.urls.lock().unwrap().push(url);
                if !this.delay.is_zero() {
                    tokio::time::sleep(this.delay).await;
                }
                this.answer.lock().unwrap().clone().map_err(JwksFetchError)
            }
        })
    }
}

/// The standard test builder: pool [`POOL`], client [`CLIENT`], clock fixed at [`NOW`].
pub fn builder() -> CognitoJwtVerifierBuilder {
    CognitoJwtVerifier::for_user_pool(POOL)
        .client_id(CLIENT)
        .clock(|| NOW)
}

/// A verifier for `token_use`, fetching from a [`Fetcher`] that serves keys A and B.
pub fn verifier(token_use: ExpectedTokenUse) -> (CognitoJwtVerifier, Fetcher) {
    let (a, b) = keys();
    let fetcher = Fetcher::new(jwks_of(&[a, b]));
    let verifier = fetcher
        .install(builder().token_use(token_use))
        .build()
        .expect("verifier");
    (verifier, fetcher)
}
